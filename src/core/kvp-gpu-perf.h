/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu-perf.h: what the step-time model needs of a GPU preset — its dense
 * tensor peak and its memory bandwidth, from the vendor's datasheet. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *key;             /* a KvpGpu preset's key */
  double      flops_16bit;     /* dense FP16/BF16 tensor FLOP/s (no sparsity) */
  double      flops_8bit;      /* dense FP8 tensor FLOP/s; 0: none */
  double      bandwidth;       /* HBM/GDDR bytes/s */
  double      link_bandwidth;  /* GPU-to-GPU bytes/s one way (NVLink, xGMI or
                                  PCIe), for tensor parallelism's all-reduces */
} KvpGpuPerf;

/* The preset's figures, or NULL. */
const KvpGpuPerf *kvp_gpu_perf_lookup (const char *key);

G_END_DECLS
