/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-model.c: presets, dtypes and bytes per token, as the table and
 * the PagedAttention paper give them. */

#include "config.h"

#include "kvp-error.h"
#include "kvp-model.h"
#include "kvp-model-config.h"

static const struct
{
  const char *key;
  guint layers, heads, kv_heads, head_dim, max_context;
  guint64 bytes_fp16;
} preset_table[] = {
  { "tinyllama-1.1b",   22, 32,  4,  64, 2048,   22528 },
  { "llama-2-7b",       32, 32, 32, 128, 4096,   524288 },
  { "llama-2-13b",      40, 40, 40, 128, 4096,   819200 },
  { "llama-3-8b",       32, 32,  8, 128, 8192,   131072 },
  { "llama-3.1-70b",    80, 64,  8, 128, 131072, 327680 },
  { "mistral-7b",       32, 32,  8, 128, 32768,  131072 },
  { "qwen2.5-7b",       28, 28,  4, 128, 131072, 57344 },
  { "phi-3-mini",       32, 32, 32,  96, 4096,   393216 },
  { "opt-13b",          40, 40, 40, 128, 2048,   819200 },
  { "deepseek-v2-lite", 27, 16,  0,   0, 163840, 31104 },
};

static void
test_presets (void)
{
  guint n_presets;
  const KvpModel *presets = kvp_model_get_presets (&n_presets);

  g_assert_cmpuint (n_presets, ==, G_N_ELEMENTS (preset_table));
  g_assert_true (kvp_model_get_default () == kvp_model_lookup ("tinyllama-1.1b", NULL));

  for (guint i = 0; i < G_N_ELEMENTS (preset_table); i++)
    {
      g_autoptr(GError) error = NULL;
      const KvpModel *model = kvp_model_lookup (preset_table[i].key, &error);
      guint64 bytes = 0;

      g_test_message ("%s", preset_table[i].key);
      g_assert_no_error (error);
      g_assert_true (model == &presets[i]);
      g_assert_cmpuint (model->num_layers, ==, preset_table[i].layers);
      g_assert_cmpuint (model->num_attention_heads, ==, preset_table[i].heads);
      g_assert_cmpuint (model->max_context, ==, preset_table[i].max_context);
      if (preset_table[i].kv_heads > 0)
        {
          g_assert_false (kvp_model_is_mla (model));
          g_assert_cmpuint (kvp_model_get_kv_heads (model), ==, preset_table[i].kv_heads);
          g_assert_cmpuint (kvp_model_get_head_dim (model), ==, preset_table[i].head_dim);
        }
      else
        {
          g_assert_true (kvp_model_is_mla (model));
        }

      g_assert_true (kvp_model_bytes_per_token (model, KVP_DTYPE_FP16, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, preset_table[i].bytes_fp16);

      /* bf16 is as wide as fp16; fp32 doubles it, fp8 and int8 halve it. */
      g_assert_true (kvp_model_bytes_per_token (model, KVP_DTYPE_BF16, &bytes, NULL));
      g_assert_cmpuint (bytes, ==, preset_table[i].bytes_fp16);
      g_assert_true (kvp_model_bytes_per_token (model, KVP_DTYPE_FP32, &bytes, NULL));
      g_assert_cmpuint (bytes, ==, 2 * preset_table[i].bytes_fp16);
      g_assert_true (kvp_model_bytes_per_token (model, KVP_DTYPE_FP8, &bytes, NULL));
      g_assert_cmpuint (bytes, ==, preset_table[i].bytes_fp16 / 2);
      g_assert_true (kvp_model_bytes_per_token (model, KVP_DTYPE_INT8, &bytes, NULL));
      g_assert_cmpuint (bytes, ==, preset_table[i].bytes_fp16 / 2);
    }
}

static void
test_lookup_is_case_insensitive (void)
{
  g_assert_true (kvp_model_lookup ("TinyLlama-1.1B", NULL) == kvp_model_get_default ());
}

static void
test_unknown_model (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (kvp_model_lookup ("gpt-5", &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "gpt-5"));
  g_assert_nonnull (strstr (error->message, "tinyllama-1.1b"));
}

static void
test_dtypes (void)
{
  static const struct { const char *name; KvpDtype dtype; guint size; } cases[] = {
    { "fp32", KVP_DTYPE_FP32, 4 },
    { "fp16", KVP_DTYPE_FP16, 2 },
    { "bf16", KVP_DTYPE_BF16, 2 },
    { "fp8", KVP_DTYPE_FP8, 1 },
    { "fp8_e4m3", KVP_DTYPE_FP8, 1 },
    { "fp8_e5m2", KVP_DTYPE_FP8, 1 },
    { "int8", KVP_DTYPE_INT8, 1 },
    { "FP16", KVP_DTYPE_FP16, 2 },
  };
  g_autoptr(GError) error = NULL;
  KvpDtype dtype;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_true (kvp_dtype_from_string (cases[i].name, &dtype, &error));
      g_assert_no_error (error);
      g_assert_cmpint (dtype, ==, cases[i].dtype);
      g_assert_cmpuint (kvp_dtype_get_size (dtype), ==, cases[i].size);
    }

  g_assert_cmpstr (kvp_dtype_to_string (KVP_DTYPE_DEFAULT), ==, "fp16");

  g_assert_false (kvp_dtype_from_string ("fp4", &dtype, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "fp4"));
}

/* Kwon et al., SOSP 2023: OPT-13B keeps 2 × 5120 × 40 × 2 = 819,200 bytes per
 * token. */
static void
test_paper_opt_13b (void)
{
  const KvpModel *model = kvp_model_lookup ("opt-13b", NULL);
  guint64 bytes = 0;

  g_assert_true (kvp_model_bytes_per_token (model, KVP_DTYPE_FP16, &bytes, NULL));
  g_assert_cmpuint (bytes, ==, 2 * 5120 * 40 * 2);
  g_assert_cmpuint (bytes, ==, 800 * 1024);
}

/* A config without explicit head_dim or num_key_value_heads falls back to
 * hidden_size / heads and plain multi-head attention. */
static void
test_fallbacks (void)
{
  KvpModel model = { "custom", "Custom", 4, 8, 0, 0, 512, 0, 0, 1024 };
  guint64 bytes = 0;

  g_assert_cmpuint (kvp_model_get_kv_heads (&model), ==, 8);
  g_assert_cmpuint (kvp_model_get_head_dim (&model), ==, 64);
  g_assert_true (kvp_model_bytes_per_token (&model, KVP_DTYPE_FP16, &bytes, NULL));
  g_assert_cmpuint (bytes, ==, 2 * 4 * 8 * 64 * 2);
}

static void
test_degenerate_and_overflow (void)
{
  KvpModel empty = { "empty", "Empty", 0, 8, 8, 64, 0, 0, 0, 1024 };
  KvpModel huge = { "huge", "Huge", G_MAXUINT, G_MAXUINT, G_MAXUINT, G_MAXUINT, 0, 0, 0, 1024 };
  g_autoptr(GError) error = NULL;
  guint64 bytes = 7;

  g_assert_false (kvp_model_bytes_per_token (&empty, KVP_DTYPE_FP16, &bytes, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (kvp_model_bytes_per_token (&huge, KVP_DTYPE_FP32, &bytes, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW);
}

/* A reference to a model someone else owns (a preset) is a counted copy;
 * a reference to a counted model is the model itself, one more holder; the
 * last unref frees it (the ASan build fails on a leak or a use after). */
static void
test_ref (void)
{
  const KvpModel *preset = kvp_model_lookup ("llama-3-8b", NULL);
  g_autoptr(KvpModel) counted = kvp_model_ref (preset);
  KvpModel *again;

  g_assert_true (counted != preset);
  g_assert_cmpint (preset->ref_count, ==, 0);
  g_assert_cmpint (counted->ref_count, ==, 1);
  g_assert_cmpstr (counted->key, ==, "llama-3-8b");
  g_assert_cmpuint (counted->num_kv_heads, ==, preset->num_kv_heads);

  again = kvp_model_ref (counted);
  g_assert_true (again == counted);
  g_assert_cmpint (counted->ref_count, ==, 2);
  kvp_model_unref (again);
  g_assert_cmpint (counted->ref_count, ==, 1);

  /* A share on the stack of a counted model is not counted. */
  {
    KvpModel share;
    g_autoptr(KvpModel) held = NULL;

    kvp_model_for_tensor_parallel (counted, 2, &share);
    g_assert_cmpint (share.ref_count, ==, 0);
    held = kvp_model_ref (&share);
    g_assert_true (held != &share);
    g_assert_cmpuint (held->num_kv_heads, ==, 4);
    g_assert_cmpint (counted->ref_count, ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/model/presets", test_presets);
  g_test_add_func ("/core/model/lookup-case", test_lookup_is_case_insensitive);
  g_test_add_func ("/core/model/unknown", test_unknown_model);
  g_test_add_func ("/core/model/ref", test_ref);
  g_test_add_func ("/core/model/dtypes", test_dtypes);
  g_test_add_func ("/core/model/paper-opt-13b", test_paper_opt_13b);
  g_test_add_func ("/core/model/fallbacks", test_fallbacks);
  g_test_add_func ("/core/model/degenerate-and-overflow", test_degenerate_and_overflow);

  return g_test_run ();
}
