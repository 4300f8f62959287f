/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model.c: model presets and the bytes one token takes in the KV cache. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-model.h"

static const struct
{
  const char *name;
  guint       size;
} dtypes[KVP_N_DTYPES] = {
  [KVP_DTYPE_FP32] = { "fp32", 4 },
  [KVP_DTYPE_FP16] = { "fp16", 2 },
  [KVP_DTYPE_BF16] = { "bf16", 2 },
  [KVP_DTYPE_FP8]  = { "fp8",  1 },
  [KVP_DTYPE_INT8] = { "int8", 1 },
};

/* Shapes from each model's published config.json.  head_dim is given where
 * the config states it; hidden_size is kept for the fallback rule. */
static const KvpModel presets[] = {
  { "tinyllama-1.1b",   "TinyLlama 1.1B",   22, 32,  4, 64,  2048, 0,   0,  2048, 0 },
  { "llama-2-7b",       "Llama 2 7B",       32, 32, 32, 128, 4096, 0,   0,  4096, 0 },
  { "llama-2-13b",      "Llama 2 13B",      40, 40, 40, 128, 5120, 0,   0,  4096, 0 },
  { "llama-3-8b",       "Llama 3 8B",       32, 32,  8, 128, 4096, 0,   0,  8192, 0 },
  { "llama-3.1-70b",    "Llama 3.1 70B",    80, 64,  8, 128, 8192, 0,   0,  131072, 0 },
  { "mistral-7b",       "Mistral 7B",       32, 32,  8, 128, 4096, 0,   0,  32768, 0 },
  { "qwen2.5-7b",       "Qwen2.5 7B",       28, 28,  4, 128, 3584, 0,   0,  131072, 0 },
  { "phi-3-mini",       "Phi-3 Mini",       32, 32, 32, 96,  3072, 0,   0,  4096, 0 },
  { "opt-13b",          "OPT 13B",          40, 40, 40, 128, 5120, 0,   0,  2048, 0 },
  { "deepseek-v2-lite", "DeepSeek-V2-Lite", 27, 16,  0, 0,   2048, 512, 64, 163840, 0 },
};

KvpModel *
kvp_model_copy (const KvpModel *model)
{
  gsize key_size, name_size;
  KvpModel *copy;
  char *strings;

  g_return_val_if_fail (model != NULL, NULL);

  key_size = model->key != NULL ? strlen (model->key) + 1 : 0;
  name_size = model->name != NULL ? strlen (model->name) + 1 : 0;
  copy = g_malloc (sizeof *copy + key_size + name_size);
  *copy = *model;
  copy->ref_count = 1;
  strings = (char *) (copy + 1);
  if (model->key != NULL)
    copy->key = memcpy (strings, model->key, key_size);
  if (model->name != NULL)
    copy->name = memcpy (strings + key_size, model->name, name_size);
  return copy;
}

KvpModel *
kvp_model_ref (const KvpModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  /* A counted model's count is never 0 while someone holds it, and an
   * uncounted one's never changes: the read cannot race. */
  if (g_atomic_int_get (&model->ref_count) == 0)
    return kvp_model_copy (model);

  g_atomic_int_inc ((gint *) &model->ref_count);
  return (KvpModel *) model;
}

void
kvp_model_unref (KvpModel *model)
{
  g_return_if_fail (model != NULL);
  g_return_if_fail (model->ref_count > 0);

  if (g_atomic_int_dec_and_test (&model->ref_count))
    g_free (model);
}

const char *
kvp_dtype_to_string (KvpDtype dtype)
{
  g_return_val_if_fail (dtype < KVP_N_DTYPES, NULL);

  return dtypes[dtype].name;
}

gboolean
kvp_dtype_from_string (const char  *name,
                       KvpDtype    *out_dtype,
                       GError     **error)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out_dtype != NULL, FALSE);

  for (guint i = 0; i < KVP_N_DTYPES; i++)
    {
      if (g_ascii_strcasecmp (name, dtypes[i].name) == 0)
        {
          *out_dtype = i;
          return TRUE;
        }
    }

  /* The two fp8 formats take the same byte per element. */
  if (g_ascii_strcasecmp (name, "fp8_e4m3") == 0 || g_ascii_strcasecmp (name, "fp8_e5m2") == 0 ||
      g_ascii_strcasecmp (name, "fp8-e4m3") == 0 || g_ascii_strcasecmp (name, "fp8-e5m2") == 0)
    {
      *out_dtype = KVP_DTYPE_FP8;
      return TRUE;
    }

  {
    g_autofree char *quoted = kvp_quote (name);

    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 _("Unknown KV cache type “%s”: use auto (the model’s own), fp32, fp16, bf16, fp8 (fp8_e4m3, fp8_e5m2) or int8."),
                 quoted);
  }
  return FALSE;
}

guint
kvp_dtype_get_size (KvpDtype dtype)
{
  g_return_val_if_fail (dtype < KVP_N_DTYPES, 0);

  return dtypes[dtype].size;
}

const KvpModel *
kvp_model_get_presets (guint *n_presets)
{
  if (n_presets != NULL)
    *n_presets = G_N_ELEMENTS (presets);

  return presets;
}

const KvpModel *
kvp_model_get_default (void)
{
  return &presets[0];
}

const KvpModel *
kvp_model_lookup (const char  *key,
                  GError     **error)
{
  g_autofree char *keys = NULL;
  g_autofree char *quoted = NULL;
  const KvpModel *model;

  g_return_val_if_fail (key != NULL, NULL);

  /* kvp_cli_lookup_key () reads the key at the start of each entry. */
  G_STATIC_ASSERT (G_STRUCT_OFFSET (KvpModel, key) == 0);
  model = kvp_cli_lookup_key (presets, G_N_ELEMENTS (presets), sizeof presets[0], key, &keys);
  if (model != NULL)
    return model;

  quoted = kvp_quote (key);
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("Unknown model “%s”: use one of %s (see --list-models)."),
               quoted, keys);
  return NULL;
}

gboolean
kvp_model_is_mla (const KvpModel *model)
{
  g_return_val_if_fail (model != NULL, FALSE);

  return model->kv_lora_rank > 0;
}

guint
kvp_model_get_kv_heads (const KvpModel *model)
{
  g_return_val_if_fail (model != NULL, 0);

  /* Configs without num_key_value_heads use plain multi-head attention. */
  return model->num_kv_heads > 0 ? model->num_kv_heads : model->num_attention_heads;
}

guint
kvp_model_get_head_dim (const KvpModel *model)
{
  g_return_val_if_fail (model != NULL, 0);

  if (model->head_dim > 0)
    return model->head_dim;
  if (model->num_attention_heads == 0)
    return 0;
  return model->hidden_size / model->num_attention_heads;
}

gboolean
kvp_model_bytes_per_token (const KvpModel *model,
                           KvpDtype        dtype,
                           guint64        *out_bytes,
                           GError        **error)
{
  guint64 elements;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (dtype < KVP_N_DTYPES, FALSE);
  g_return_val_if_fail (out_bytes != NULL, FALSE);

  if (kvp_model_is_mla (model))
    {
      /* MLA caches one latent per layer (the compressed KV plus the shared
       * rotary key), not a K and a V per head: vLLM sizes it this way. */
      guint64 latent = (guint64) model->kv_lora_rank + model->qk_rope_head_dim;

      if (!kvp_checked_mul (model->num_layers, latent, &elements, error))
        return FALSE;
    }
  else
    {
      guint64 per_layer;

      if (!kvp_checked_mul (kvp_model_get_kv_heads (model), kvp_model_get_head_dim (model), &per_layer, error) ||
          !kvp_checked_mul (per_layer, 2 * (guint64) model->num_layers, &elements, error))
        return FALSE;
    }

  if (elements == 0)
    {
      /* A model read from a file names itself. */
      g_autofree char *quoted = kvp_quote (model->key != NULL ? model->key : "");

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The model “%s” stores nothing per token: its layers, heads or head size are zero."),
                   quoted);
      return FALSE;
    }

  return kvp_checked_mul (elements, kvp_dtype_get_size (dtype), out_bytes, error);
}
