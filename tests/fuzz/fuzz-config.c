/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-config.c: the config.json parser and the vLLM sizing behind it.  Any
 * input is refused with one clean line naming the file, or gives a model
 * whose figures hold together; nothing crashes, hangs or leaks. */

#include "config.h"

#include "fuzz-common.h"
#include "kvp-model-config.h"
#include "kvp-vllm.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpModelConfig) config = NULL;
  guint kinds = 0;

  config = kvp_model_config_new_from_data ((const char *) data, size, "fuzz.json", &error);
  if (config == NULL)
    {
      /* One clean line, naming the file first. */
      fuzz_check_message (error);
      if (!g_str_has_prefix (error->message, "fuzz.json: "))
        abort ();
      return 0;
    }

  if (config->model.num_layers == 0 || config->model.num_attention_heads == 0 ||
      (config->model.max_context == 0) != (config->context_key == NULL) || config->dtype >= KVP_N_DTYPES ||
      !g_utf8_validate (config->model.name, -1, NULL))
    abort ();
  for (guint k = 0; k < KVP_N_LAYER_KINDS; k++)
    kinds += kvp_model_config_count_layers (config, k);
  if (kinds != config->model.num_layers)
    abort ();

  /* Size the model's pool as vLLM would in 24 GiB, over a range of
   * tensor-parallel sizes and lengths: refused cleanly or consistent. */
  for (guint tp = 1; tp <= 8; tp *= 2)
    {
      g_autoptr(GError) sizing_error = NULL;
      g_autoptr(KvpVllmSizing) sizing = NULL;
      KvpVllmInput input = {
        &config->model, config->layers, config->dtype, tp, 16,
        config->model.max_context > 0 ? MIN (config->model.max_context, 1u << 20) : 4096, 2048,
        G_GUINT64_CONSTANT (24) << 30,
      };

      sizing = kvp_vllm_sizing_new (&input, &sizing_error);
      if (sizing == NULL)
        {
          fuzz_check_message (sizing_error);
          continue;
        }

      if (sizing->num_gpu_blocks == 0 || sizing->blocks_per_request == 0 ||
          sizing->num_gpu_blocks * sizing->page_size_bytes * sizing->group_size > input.available_bytes ||
          sizing->max_concurrency < 1.0)
        abort ();
      g_strfreev (kvp_vllm_sizing_get_log_lines (sizing));
    }

  return 0;
}
