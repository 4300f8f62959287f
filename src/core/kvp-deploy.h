/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-deploy.h: a model served by vLLM on a GPU — the person's choices (GPU,
 * utilization, weights, KV memory, tensor parallelism) resolved into the
 * budget, the pool sizing and the comparison's block count. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "kvp-comparison.h"
#include "kvp-gpu.h"
#include "kvp-model-config.h"
#include "kvp-simulation.h"
#include "kvp-vllm.h"

G_BEGIN_DECLS

#define KVP_DEPLOY_MAX_TENSOR_PARALLEL 1024u
#define KVP_DEPLOY_MIN_UTILIZATION     0.01
#define KVP_DEPLOY_MAX_BATCHED_TOKENS  (16u * 1024u * 1024u)

typedef struct
{
  /* What the person chose; zero or NULL when not. */
  KvpModelConfig *config;            /* owned reference, or NULL for a preset */
  const KvpGpu   *gpu;
  guint64         gpu_memory_bytes;  /* a GPU of one's own */
  double          utilization;       /* 0: vLLM's default */
  guint64         weights_bytes;     /* 0: estimated from the config */
  guint64         activation_bytes;  /* 0: KVP_GPU_DEFAULT_ACTIVATION_BYTES */
  gboolean        has_activation;
  guint64         kv_cache_bytes;    /* exact; skips the budget */
  guint           tensor_parallel_size;  /* 0: 1 */
  guint64         max_num_batched_tokens; /* 0: vLLM's default for the GPU */
  guint           concurrent_batches; /* 0: async scheduling's 2; 1 with --no-async-scheduling */
  gboolean        backend_block_size; /* no --block-size: B as vLLM's attention backend picks it */
  gboolean        allow_long_max_model_len; /* VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 */

  /* Resolved by kvp_deploy_apply (). */
  KvpModel        per_gpu_model;     /* params->model points here */
  gboolean        has_budget;
  gboolean        weights_estimated;
  KvpGpuBudget    budget;
  KvpVllmSizing  *sizing;            /* NULL without a GPU or KV memory */
} KvpDeploy;

void     kvp_deploy_clear (KvpDeploy *self);

/* The parameters of a preset model (as its model card gives them), or 0. */
double   kvp_deploy_get_preset_params (const char *key);

/* Reads the command-line options (config, tensor-parallel-size, gpu,
 * gpu-memory, gpu-memory-utilization, weights-memory, activation-memory,
 * kv-cache-memory, max-num-batched-tokens) and checks how they combine with
 * the others; with --config, sets params' model, length and KV type. */
gboolean kvp_deploy_parse_options (KvpDeploy     *self,
                                   GVariantDict  *options,
                                   KvpParams     *params,
                                   GError       **error);

/* kvp_dtype_from_string (), and "auto": the model's own type (fp16 for a
 * preset, which names none). */
gboolean kvp_deploy_dtype_from_string (const KvpDeploy  *self,
                                       const char       *name,
                                       KvpDtype         *out_dtype,
                                       GError          **error);

/* TRUE when a GPU or a KV memory is given, so the pool is sized from it. */
gboolean kvp_deploy_sizes_pool (const KvpDeploy *self);

/* Applies the choices to params (chosen already: model, dtype, block size,
 * max_seq_len as vLLM's max_model_len): the per-GPU model, and with a GPU or
 * KV memory the budget, the sizing, params->num_blocks (vLLM's num_gpu_blocks)
 * and params->null_block (TRUE: vLLM's block 0 is its null block). */
gboolean kvp_deploy_apply (KvpDeploy  *self,
                           KvpParams  *params,
                           GError    **error);

/* The vLLM and GPU members --json adds. */
void     kvp_deploy_add_json (const KvpDeploy *self,
                              JsonObject      *object);

/* --simulate's pool, after kvp_deploy_apply (): params' blocks, or with a GPU
 * or KV memory vLLM's num_gpu_blocks − 1, because block 0 is vLLM's null
 * block and never holds a token.  The simulation is one uniform pool of
 * full-attention blocks, so a config with sliding-window or chunked layers
 * is refused (KVP_ERROR_INVALID) rather than simulated wrongly. */
gboolean kvp_deploy_get_sim_config  (const KvpDeploy   *self,
                                     const KvpParams   *params,
                                     KvpSimConfig      *out_config,
                                     GError           **error);
/* The line above --simulate's table saying where the pool comes from; NULL
 * when it is params' own block count (kvp_simulation_describe () says it). */
char    *kvp_deploy_describe_sim_pool (const KvpDeploy    *self,
                                       const KvpSimConfig *config);
/* Adds "pool" to --simulate's JSON when vLLM's sizing made the pool: the
 * usable blocks and token slots, and what kvp_deploy_add_json () adds. */
void     kvp_deploy_add_sim_json    (const KvpDeploy    *self,
                                     const KvpSimConfig *config,
                                     JsonObject         *root);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KvpDeploy, kvp_deploy_clear)

G_END_DECLS
