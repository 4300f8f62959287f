/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model-config.h: a model read from a Hugging Face config.json, with the
 * kind of attention of each layer, decided the way vLLM decides it. */

#pragma once

#include <glib.h>

#include "kvp-model.h"

G_BEGIN_DECLS

/* Larger files are refused before they are read. */
#define KVP_MODEL_CONFIG_MAX_SIZE (16u * 1024u * 1024u)

typedef enum
{
  KVP_LAYER_FULL,     /* full attention: the whole context */
  KVP_LAYER_SLIDING,  /* sliding window: the last `window` tokens */
  KVP_LAYER_CHUNKED,  /* chunked local attention (Llama 4): chunks of `window` */
  KVP_N_LAYER_KINDS
} KvpLayerKind;

const char *kvp_layer_kind_to_string (KvpLayerKind kind);

typedef struct
{
  KvpLayerKind kind;
  guint32      window;  /* tokens; 0 for full attention */
} KvpLayer;

typedef struct _KvpModelConfig KvpModelConfig;

struct _KvpModelConfig
{
  /*< private >*/
  gatomicrefcount ref_count;

  /*< public >*/
  KvpModel  model;          /* key and name point at the strings below */
  char     *key;
  char     *name;
  char     *model_type;     /* "" when the config names none */
  KvpLayer *layers;         /* model.num_layers of them */
  KvpDtype  dtype;          /* what --kv-dtype auto means for this model */
  double    weight_bytes_per_param; /* from torch_dtype or the quantization */
  /* gpt-oss's mxfp4 quantizes the routed experts only (its
   * modules_to_not_convert: attention, router, embeddings, head): the other
   * weights keep torch_dtype's bytes.  FALSE: every weight is quantized. */
  gboolean  quantized_experts_only;
  double    unquantized_bytes_per_param;
  guint64   num_params;     /* estimated, see kvp_model_config_count_params */
  guint64   num_active_params; /* those a token passes through: MoE counts
                                  num_experts_per_tok of its routed experts */
  guint64   num_routed_expert_params; /* MoE: all routed experts' */
  /* The key model.max_context comes from (a static string), or NULL when
   * the config states no length and model.max_context is 0. */
  const char *context_key;
  /* vLLM's derived_max_model_len: the longest --max-model-len it accepts
   * without VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (the context, stretched by RoPE
   * scaling); 0 when the config states no length. */
  guint64     derived_max_len;
  /* The transformers file whose class defaults and aliases were applied
   * (a static string), or NULL: a model type read with the generic rules. */
  const char *transformers_source;
};

KvpModelConfig *kvp_model_config_new_from_data (const char      *data,
                                                gsize            length,
                                                const char      *name,
                                                GError         **error);
KvpModelConfig *kvp_model_config_new_from_file (const char      *path,
                                                GError         **error);
KvpModelConfig *kvp_model_config_ref           (KvpModelConfig  *self);
void            kvp_model_config_unref         (KvpModelConfig  *self);

/* Layers of each kind (full, sliding, chunked). */
guint           kvp_model_config_count_layers  (const KvpModelConfig *self,
                                                KvpLayerKind          kind);

/* The bytes of all the weights, estimated from num_params at the bytes
 * each part is stored in. */
double          kvp_model_config_weight_bytes  (const KvpModelConfig *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpModelConfig, kvp_model_config_unref)

/* The KV cache of one GPU among tensor_parallel_size: vLLM keeps
 * max (1, kv_heads / tp) heads on each; an MLA latent is never split. */
void kvp_model_for_tensor_parallel (const KvpModel *model,
                                    guint           tensor_parallel_size,
                                    KvpModel       *out_model);

G_END_DECLS
