/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu.c: GPU presets, vLLM's memory budget and sizes with units. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-gpu.h"

#define MIB G_GUINT64_CONSTANT (1048576)

/* Totals as the runtime reports them, not the marketing size: vLLM starts
 * from torch.cuda.mem_get_info ().  torch prints whole MiB, and drivers and
 * ECC settings move a card by a few MiB; --gpu-memory takes your own figure
 * (python -c "import torch; print(torch.cuda.mem_get_info()[1])"). */
static const KvpGpu presets[] = {
  /* CUDA deviceQuery on an A100-PCIE-40GB: "42505273344 bytes" (39.59 GiB). */
  { "a100-40gb", "NVIDIA A100 40GB", G_GUINT64_CONSTANT (42505273344), TRUE },
  /* torch on an "NVIDIA A100 80GB PCIe": total_memory=85093777408. */
  { "a100-80gb", "NVIDIA A100 80GB", G_GUINT64_CONSTANT (85093777408), TRUE },
  /* torch _CudaDeviceProperties "NVIDIA H100 80GB HBM3", total_memory=81090MB. */
  { "h100-80gb", "NVIDIA H100 80GB HBM3", 81090 * MIB, FALSE },
  /* torch _CudaDeviceProperties "NVIDIA H200", total_memory=143156MB. */
  { "h200", "NVIDIA H200 141GB", 143156 * MIB, FALSE },
  /* nvidia-smi "23034MiB" on an L4 (no torch report found; the runtime may
   * give a few MiB less). */
  { "l4", "NVIDIA L4 24GB", 23034 * MIB, FALSE },
  /* torch _CudaDeviceProperties "NVIDIA L40S", total_memory=45589MB. */
  { "l40s", "NVIDIA L40S 48GB", 45589 * MIB, FALSE },
  /* torch _CudaDeviceProperties "GeForce RTX 3090", total_memory=24268MB. */
  { "rtx-3090", "NVIDIA GeForce RTX 3090", 24268 * MIB, FALSE },
  /* torch _CudaDeviceProperties "NVIDIA GeForce RTX 4090", total_memory=24563MB. */
  { "rtx-4090", "NVIDIA GeForce RTX 4090", 24563 * MIB, FALSE },
  /* ROCm torch _CudaDeviceProperties "AMD Instinct MI300X", total_memory=196592MB. */
  { "mi300x", "AMD Instinct MI300X", 196592 * MIB, FALSE },
};

const KvpGpu *
kvp_gpu_get_presets (guint *n_presets)
{
  if (n_presets != NULL)
    *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

const KvpGpu *
kvp_gpu_lookup (const char  *key,
                GError     **error)
{
  g_autofree char *keys = NULL;
  g_autofree char *quoted = NULL;
  const KvpGpu *gpu;

  g_return_val_if_fail (key != NULL, NULL);

  /* kvp_cli_lookup_key () reads the key at the start of each entry. */
  G_STATIC_ASSERT (G_STRUCT_OFFSET (KvpGpu, key) == 0);
  gpu = kvp_cli_lookup_key (presets, G_N_ELEMENTS (presets), sizeof presets[0], key, &keys);
  if (gpu != NULL)
    return gpu;

  quoted = kvp_quote (key);
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("Unknown GPU “%s”: use one of %s (see --list-gpus), or give --gpu-memory SIZE."),
               quoted, keys);
  return NULL;
}

static gboolean
bad_size (const char  *option,
          const char  *text,
          const char  *why,
          GError     **error)
{
  g_autofree char *quoted = kvp_quote (text);

  if (option != NULL)
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 /* Translators: the option, the size as written, then the reason. */
                 _("--%s “%s” is not valid: %s"), option, quoted, why);
  else
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 /* Translators: the size as written, then the reason. */
                 _("The size “%s” is not valid: %s"), quoted, why);
  return FALSE;
}

gboolean
kvp_size_parse (const char  *option,
                const char  *text,
                gboolean     allow_zero,
                guint64     *out_bytes,
                GError     **error)
{
  static const struct
  {
    const char *name;
    guint64     bytes;
  } units[] = {
    { "", 1 }, { "B", 1 },
    { "kB", G_GUINT64_CONSTANT (1000) }, { "MB", G_GUINT64_CONSTANT (1000000) },
    { "GB", G_GUINT64_CONSTANT (1000000000) }, { "TB", G_GUINT64_CONSTANT (1000000000000) },
    { "KiB", G_GUINT64_CONSTANT (1) << 10 }, { "MiB", G_GUINT64_CONSTANT (1) << 20 },
    { "GiB", G_GUINT64_CONSTANT (1) << 30 }, { "TiB", G_GUINT64_CONSTANT (1) << 40 },
  };
  const char *p = text;
  guint64 number = 0;   /* the digits without the point */
  guint64 scale = 1;    /* 10 ^ digits after the point */
  guint digits = 0;
  const char *unit;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_bytes != NULL, FALSE);

  /* Integer arithmetic throughout: 3.8125GiB is exactly 4,093,640,704 bytes
   * and 6.51GiB 6,990,059,274.24, which a double would only approximate
   * (and might round up past the byte below). */
  for (; g_ascii_isdigit (*p); p++, digits++)
    if (!g_uint64_checked_mul (&number, number, 10) || !g_uint64_checked_add (&number, number, *p - '0'))
      return bad_size (option, text, _("the number is too large."), error);
  if (*p == '.')
    {
      for (p++; g_ascii_isdigit (*p); p++, digits++)
        if (!g_uint64_checked_mul (&number, number, 10) || !g_uint64_checked_add (&number, number, *p - '0') ||
            !g_uint64_checked_mul (&scale, scale, 10))
          return bad_size (option, text, _("the number has too many digits."), error);
    }
  if (digits == 0)
    return bad_size (option, text, _("write a number of bytes, or one with a unit such as 40GB or 3.8125GiB."), error);

  while (*p == ' ')
    p++;
  unit = p;

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      guint64 scaled;

      if (g_ascii_strcasecmp (unit, units[i].name) != 0)
        continue;
      if (!g_uint64_checked_mul (&scaled, number, units[i].bytes))
        return bad_size (option, text, _("it does not fit in 64 bits."), error);
      /* A decimal size rounds down to a whole byte, as a person copies
       * vLLM's "6.51 GiB" (6,990,059,274 bytes, not 6,990,059,274.24). */
      if (scaled / scale == 0 && number > 0 && !allow_zero)
        return bad_size (option, text, _("it rounds down to zero bytes."), error);
      if (scaled == 0 && !allow_zero)
        return bad_size (option, text, _("it must be more than zero."), error);
      *out_bytes = scaled / scale;
      return TRUE;
    }

  return bad_size (option, text, _("the unit must be B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)."),
                   error);
}

gboolean
kvp_gpu_budget_compute (KvpGpuBudget  *budget,
                        GError       **error)
{
  guint64 reserved;
  double requested;

  g_return_val_if_fail (budget != NULL, FALSE);

  if (!(budget->utilization > 0.0 && budget->utilization <= 1.0))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The GPU memory utilization must be more than 0 and at most 1."));
      return FALSE;
    }

  /* vLLM: math.ceil (total_memory * gpu_memory_utilization), a double
   * product, rounded the same way here. */
  requested = ceil ((double) budget->total_bytes * budget->utilization);
  if (requested >= 18446744073709551616.0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW, _("The requested GPU memory does not fit in 64 bits."));
      return FALSE;
    }
  budget->requested_bytes = (guint64) requested;

  if (!g_uint64_checked_add (&reserved, budget->weights_bytes, budget->activation_bytes) ||
      reserved >= budget->requested_bytes)
    {
      g_autofree char *requested_size = kvp_format_bytes (budget->requested_bytes);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   /* Translators: %s is a size such as 78.29 GiB. */
                   _("No memory is left for the KV cache: the weights and the activation reserve take all of the "
                     "%s vLLM requests; raise --gpu-memory-utilization, use more GPUs or a smaller model."),
                   requested_size);
      return FALSE;
    }

  budget->available_bytes = budget->requested_bytes - reserved;
  return TRUE;
}

guint64
kvp_gpu_default_batched_tokens (guint64  total_bytes,
                                gboolean is_a100)
{
  /* v0.28 added a tier for GPUs of 160 GiB and more (B200, MI300X). */
  if (total_bytes >= (G_GUINT64_CONSTANT (160) << 30) && !is_a100)
    return 16384;
  return total_bytes >= (G_GUINT64_CONSTANT (70) << 30) && !is_a100 ? 8192 : 2048;
}
