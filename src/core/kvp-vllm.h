/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-vllm.h: a KV cache pool sized as vLLM v1 sizes it — KV-cache groups of
 * the hybrid manager, pages, blocks, concurrency — and the lines it logs. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "kvp-gpu.h"
#include "kvp-model-config.h"
#include "kvp-model.h"
#include "kvp-params.h"

G_BEGIN_DECLS

typedef struct
{
  const KvpModel *model;                 /* the whole model; TP is applied here */
  const KvpLayer *layers;                /* model->num_layers, or NULL: all full attention */
  KvpDtype        dtype;
  guint           tensor_parallel_size;
  guint32         block_size;
  guint64         max_model_len;
  guint64         max_num_batched_tokens;
  guint64         available_bytes;       /* KV cache memory of one GPU */
  guint           concurrent_batches;    /* VllmConfig.max_concurrent_batches; 0: the default */
  const char     *block_size_backend;    /* the backend that chose block_size, or NULL */
  gboolean        kv_cache_memory_given; /* available_bytes is --kv-cache-memory-bytes: no profiling */
} KvpVllmInput;

/* Async scheduling, which VllmConfig turns on unless something rules it out
 * (pooling models, some speculative decoders), keeps two batches in flight
 * with one pipeline stage (VllmConfig.max_concurrent_batches). */
#define KVP_VLLM_DEFAULT_CONCURRENT_BATCHES 2

/* The layers of one kind of attention and the groups they fill. */
typedef struct
{
  KvpLayerKind kind;
  guint32      window;
  guint        num_layers;
  guint        num_groups;
  guint        padding_layers;
  guint64      bytes_per_token_per_layer;  /* on one GPU */
  guint64      blocks_per_request;         /* in each of its groups, for max_model_len */
} KvpVllmKind;

typedef struct
{
  KvpVllmInput input;
  guint        concurrent_batches;
  guint64      max_in_flight_tokens; /* concurrent_batches × max_num_batched_tokens */
  guint        kv_heads;            /* per GPU; 1 for MLA */
  guint64      head_size;           /* MLA: the latent width */
  guint64      page_size_bytes;     /* one block of one layer */
  GArray      *kinds;               /* KvpVllmKind, in layer order */
  guint        group_size;          /* layers per group = tensors that share a block id */
  guint        num_groups;
  guint64      num_gpu_blocks;      /* available // page_size // group_size, null block included */
  guint64      blocks_per_request;  /* summed over the groups */
  double       max_concurrency;     /* num_gpu_blocks / blocks_per_request */
  guint64      kv_cache_tokens;     /* int (max_concurrency × max_model_len), as vLLM logs it */
} KvpVllmSizing;

#define KVP_POOL_LAYOUT_MAX_KINDS 8

/* How one request spreads over a hybrid model's KV-cache groups: what the
 * comparison needs to count blocks in vLLM's terms.  Interned: equal layouts
 * are one pointer, kept for the process. */
struct _KvpPoolLayout
{
  guint   n_kinds;
  struct
  {
    KvpLayerKind kind;
    guint32      window;
    guint        num_groups;
  }       kinds[KVP_POOL_LAYOUT_MAX_KINDS];
  guint   num_groups;           /* summed over the kinds */
  guint   group_size;           /* layers that share a block id */
  guint   num_layers;           /* of the model, without padding */
  guint64 max_in_flight_tokens;
};

/* The blocks one request of length tokens holds at most in one group of
 * this kind (vLLM's max_memory_usage_bytes / page size), with in_flight the
 * tokens of the steps in flight. */
guint64        kvp_vllm_blocks_per_request (KvpLayerKind  kind,
                                            guint32       window,
                                            guint64       length,
                                            guint64       in_flight,
                                            guint32       block_size);
/* The blocks a sequence of seq_len tokens holds in one group of this kind
 * once written, in a pool sized for max_model_len: its own blocks, capped
 * as vLLM's admission caps a sliding or chunked group. */
guint64        kvp_vllm_blocks_held        (KvpLayerKind  kind,
                                            guint32       window,
                                            guint64       seq_len,
                                            guint64       max_model_len,
                                            guint64       in_flight,
                                            guint32       block_size);
/* The same summed over the layout's groups. */
guint64        kvp_pool_layout_blocks      (const KvpPoolLayout *layout,
                                            guint64              seq_len,
                                            guint64              max_model_len,
                                            guint32              block_size);

/* The block size vLLM's attention backend picks when --block-size is not
 * given, if it is not vLLM's default 16 (Platform.update_block_size_for_backend):
 * the backend's name, *out_block_size set; NULL otherwise. */
const char    *kvp_vllm_backend_block_size (const KvpModel *model,
                                            const KvpGpu   *gpu,
                                            KvpDtype        dtype,
                                            guint32        *out_block_size);

/* Whether vLLM accepts this split: it must divide the attention heads, and
 * the KV heads must divide evenly over the GPUs, or the GPUs over the KV
 * heads when there are fewer (KVP_ERROR_INVALID naming
 * --tensor-parallel-size and vLLM's reason otherwise). */
gboolean       kvp_vllm_check_tensor_parallel (const KvpModel  *model,
                                               guint            tensor_parallel_size,
                                               GError         **error);
/* vLLM's _get_and_verify_max_len (vllm/config/model.py): a max_model_len
 * longer than the model's derived length (derived_max_len, from the config's
 * key context_key) is refused unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, whose
 * counterpart is allow_long.  A derived length of 0 (none stated) allows
 * any. */
gboolean       kvp_vllm_check_max_model_len (guint64          max_model_len,
                                             guint64          derived_max_len,
                                             const char      *context_key,
                                             gboolean         allow_long,
                                             GError         **error);
KvpVllmSizing *kvp_vllm_sizing_new  (const KvpVllmInput  *input,
                                     GError             **error);
void           kvp_vllm_sizing_free (KvpVllmSizing       *self);

/* The sizing's groups, kept for the process; NULL when every layer is full
 * attention (one group, where block counts need no layout). */
const KvpPoolLayout *kvp_vllm_sizing_get_layout (const KvpVllmSizing *self);

/* The lines vLLM logs for this pool, in its order and number formatting. */
GStrv          kvp_vllm_sizing_get_log_lines (const KvpVllmSizing *self);
/* Adds the sizing's members to an object being built. */
void           kvp_vllm_sizing_add_json      (const KvpVllmSizing *self,
                                              JsonBuilder         *builder);

/* Python's str (round (bytes / 2**30, 2)): "33.4", "12.0". */
char          *kvp_vllm_format_gib       (guint64 bytes);
/* Python's f"{n:,}": "1,048,576", whatever the locale: for vLLM's log lines
 * only; figures a person reads are kvp_format_count ()'s. */
char          *kvp_vllm_format_thousands (guint64 n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpVllmSizing, kvp_vllm_sizing_free)

G_END_DECLS
