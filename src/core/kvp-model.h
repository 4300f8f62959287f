/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model.h: the shape of a model's KV cache and how many bytes one token takes. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KVP_DTYPE_FP32,
  KVP_DTYPE_FP16,
  KVP_DTYPE_BF16,
  KVP_DTYPE_FP8,   /* e4m3 and e5m2 alike: one byte */
  KVP_DTYPE_INT8,
  KVP_N_DTYPES
} KvpDtype;

#define KVP_DTYPE_DEFAULT KVP_DTYPE_FP16

const char *kvp_dtype_to_string   (KvpDtype     dtype);
gboolean    kvp_dtype_from_string (const char  *name,
                                   KvpDtype    *out_dtype,
                                   GError     **error);
guint       kvp_dtype_get_size    (KvpDtype     dtype);

/* A model as far as its KV cache is concerned.  A model with kv_lora_rank > 0
 * uses multi-head latent attention (MLA): one compressed latent per layer and
 * token, no separate K and V. */
typedef struct
{
  const char *key;            /* "tinyllama-1.1b" */
  const char *name;           /* "TinyLlama 1.1B", for people */
  guint       num_layers;
  guint       num_attention_heads;
  guint       num_kv_heads;   /* 0: same as num_attention_heads */
  guint       head_dim;       /* 0: hidden_size / num_attention_heads */
  guint       hidden_size;
  guint       kv_lora_rank;   /* MLA only */
  guint       qk_rope_head_dim; /* MLA only */
  guint       max_context;
  /* private: 0 for a model someone else owns (a preset, a config's, one on
   * the stack); the references of a counted one (kvp_model_copy ()). */
  gint        ref_count;
} KvpModel;

/* A counted model of one's own: the figures and the key and name, in one
 * block, with one reference (kvp_model_unref () it). */
KvpModel       *kvp_model_copy             (const KvpModel *model);
/* A reference: the model itself when it is counted, else a counted copy.
 * A comparison or a worker holds one, so it never reads a model whose owner
 * (a config, a window) is gone, and many share one block.  Thread-safe. */
KvpModel       *kvp_model_ref              (const KvpModel *model);
void            kvp_model_unref            (KvpModel       *model);

const KvpModel *kvp_model_get_presets      (guint          *n_presets);
const KvpModel *kvp_model_lookup           (const char     *key,
                                            GError        **error);
const KvpModel *kvp_model_get_default      (void);
gboolean        kvp_model_is_mla           (const KvpModel *model);
guint           kvp_model_get_kv_heads     (const KvpModel *model);
guint           kvp_model_get_head_dim     (const KvpModel *model);
gboolean        kvp_model_bytes_per_token  (const KvpModel *model,
                                            KvpDtype        dtype,
                                            guint64        *out_bytes,
                                            GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpModel, kvp_model_unref)

G_END_DECLS
