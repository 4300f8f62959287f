/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu-perf.c: datasheet peaks of the GPU presets.  Dense figures: a
 * datasheet's "with sparsity" number is twice these.  GB/s are 10^9 bytes. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-gpu-perf.h"

#define T 1e12
#define G 1e9

static const KvpGpuPerf presets[] = {
  /* NVIDIA A100 Tensor Core GPU datasheet (2021): BF16/FP16 tensor 312
   * TFLOPS dense; 40GB SXM HBM2 1,555 GB/s; NVLink 600 GB/s both ways. */
  { "a100-40gb", 312 * T, 0, 1555 * G, 300 * G },
  /* Same datasheet: 80GB SXM HBM2e 2,039 GB/s. */
  { "a100-80gb", 312 * T, 0, 2039 * G, 300 * G },
  /* NVIDIA H100 Tensor Core GPU datasheet: SXM BF16 1,979 and FP8 3,958
   * TFLOPS with sparsity, so 989 and 1,979 dense; 3.35 TB/s; NVLink 900 GB/s. */
  { "h100-80gb", 989.5 * T, 1979 * T, 3350 * G, 450 * G },
  /* NVIDIA H200 Tensor Core GPU datasheet: H100's compute, 4.8 TB/s. */
  { "h200", 989.5 * T, 1979 * T, 4800 * G, 450 * G },
  /* NVIDIA L4 datasheet: BF16 242 and FP8 485 TFLOPS with sparsity;
   * 300 GB/s; PCIe Gen4 x16, 32 GB/s one way. */
  { "l4", 121 * T, 242.5 * T, 300 * G, 32 * G },
  /* NVIDIA L40S datasheet: BF16 362.05 (733 with sparsity) and FP8 733
   * (1,466) TFLOPS;
   * 864 GB/s; PCIe Gen4 x16. */
  { "l40s", 362.05 * T, 733 * T, 864 * G, 32 * G },
  /* NVIDIA Ampere GA102 whitepaper, RTX 3090: FP16 tensor with FP32
   * accumulate 71 TFLOPS dense (what frameworks use); 936 GB/s; PCIe Gen4. */
  { "rtx-3090", 71 * T, 0, 936 * G, 32 * G },
  /* NVIDIA Ada Lovelace whitepaper, RTX 4090: FP16 tensor with FP32
   * accumulate 165.2, FP8 with FP32 accumulate 330.3 TFLOPS dense;
   * 1,008 GB/s; PCIe Gen4. */
  { "rtx-4090", 165.2 * T, 330.3 * T, 1008 * G, 32 * G },
  /* AMD Instinct MI300X data sheet: FP16/BF16 1,307.4 and FP8 2,614.9
   * TFLOPS dense; 5.3 TB/s; Infinity Fabric 128 GB/s one way per link,
   * 7 links. */
  { "mi300x", 1307.4 * T, 2614.9 * T, 5300 * G, 448 * G },
};

const KvpGpuPerf *
kvp_gpu_perf_lookup (const char *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].key, key))
      return &presets[i];

  return NULL;
}
