/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu.h: GPUs as the CUDA/ROCm runtime reports their memory, the budget
 * vLLM carves out of one, and byte sizes written with units. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* vLLM's default --gpu-memory-utilization (vllm/config/cache.py, since
 * PR #38284). */
#define KVP_GPU_DEFAULT_UTILIZATION 0.92

/* The documented reserve for what vLLM's profiling run measures besides the
 * weights: activation peak, CUDA graphs, NCCL and cuBLAS workspaces. */
#define KVP_GPU_DEFAULT_ACTIVATION_BYTES (G_GUINT64_CONSTANT (2) << 30)

typedef struct
{
  const char *key;          /* "h100-80gb" */
  const char *name;         /* "NVIDIA H100 80GB HBM3" */
  guint64     total_bytes;  /* what torch.cuda.mem_get_info () reports as total */
  gboolean    is_a100;      /* vLLM picks a smaller default batch on A100s */
} KvpGpu;

const KvpGpu *kvp_gpu_get_presets (guint       *n_presets);
const KvpGpu *kvp_gpu_lookup      (const char  *key,
                                   GError     **error);

/* "123456", "40GB", "6.51GiB", "512 MiB": decimal (kB, MB, GB, TB) and
 * binary (KiB, MiB, GiB, TiB) units, with decimals in any of them; the
 * result is rounded down to a whole byte (6.51GiB = 6,990,059,274), and
 * must be more than zero unless allow_zero.  A refusal names option ("--option
 * “text” is not valid: …"), or just the size when option is NULL. */
gboolean kvp_size_parse (const char  *option,
                         const char  *text,
                         gboolean     allow_zero,
                         guint64     *out_bytes,
                         GError     **error);

typedef struct
{
  guint64  total_bytes;
  double   utilization;        /* (0, 1] */
  guint64  weights_bytes;
  guint64  activation_bytes;

  /* Computed by kvp_gpu_budget_compute (). */
  guint64  requested_bytes;    /* ceil (total × utilization), vLLM's request_memory */
  guint64  available_bytes;    /* requested − weights − activation: the KV cache */
} KvpGpuBudget;

gboolean kvp_gpu_budget_compute (KvpGpuBudget  *budget,
                                 GError       **error);

/* vLLM's default max_num_batched_tokens for `vllm serve`: 16384 on GPUs of
 * at least 160 GiB, 8192 on GPUs of at least 70 GiB, A100s excepted, 2048
 * otherwise (vllm/engine/arg_utils.py, get_batch_defaults). */
guint64  kvp_gpu_default_batched_tokens (guint64 total_bytes,
                                         gboolean is_a100);

G_END_DECLS
