/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-model-config.c: config.json files of several families read with
 * vLLM's rules — heads, head size, MLA, nesting, layer kinds — and every way
 * a file can be wrong. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kvp-error.h"
#include "kvp-model-catalog.h"
#include "kvp-model-config.h"

static KvpModelConfig *
load (const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", file, NULL);
  KvpModelConfig *config = kvp_model_config_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static KvpModelConfig *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  KvpModelConfig *config = kvp_model_config_new_from_data (json, strlen (json), "test.json", &error);

  g_assert_no_error (error);
  return config;
}

static const struct
{
  const char *file;
  const char *name;
  guint layers, kv_heads, head_dim, context;
  KvpDtype dtype;
  guint full, sliding, chunked;
  guint32 window;
  guint64 bytes_per_token_fp16;  /* the v0 formula: every layer in full */
} families[] = {
  /* GQA: 2 × 32 × 8 × 128 × 2. */
  { "llama-3-8b.json", "llama-3-8b", 32, 8, 128, 8192, KVP_DTYPE_BF16, 32, 0, 0, 0, 131072 },
  /* head_dim 128 given; 5120 / 64 would say 80. */
  { "qwen3-32b.json", "qwen3-32b", 64, 8, 128, 40960, KVP_DTYPE_BF16, 64, 0, 0, 0, 262144 },
  /* MLA: one latent of 512 + 64 per layer. */
  { "deepseek-v3.json", "deepseek-v3", 61, 1, 0, 163840, KVP_DTYPE_BF16, 61, 0, 0, 0, 61 * 576 * 2 },
  /* Gemma 2 without layer_types: even layers slide; float32 runs as bf16. */
  { "gemma-2-9b.json", "gemma-2-9b", 42, 8, 256, 8192, KVP_DTYPE_BF16, 21, 21, 0, 4096, 2 * 42 * 8 * 256 * 2 },
  /* Multimodal: text_config; pattern 6 → 10 full + 52 sliding. */
  { "gemma-3-27b-it.json", "gemma-3-27b-it", 62, 16, 128, 131072, KVP_DTYPE_BF16, 10, 52, 0, 1024, 2 * 62 * 16 * 128 * 2 },
  /* layer_types given. */
  { "gemma-3-1b-it.json", "gemma-3-1b-it", 26, 1, 256, 32768, KVP_DTYPE_BF16, 4, 22, 0, 512, 2 * 26 * 1 * 256 * 2 },
  { "gpt-oss-20b.json", "gpt-oss-20b", 24, 8, 64, 131072, KVP_DTYPE_BF16, 12, 12, 0, 128, 2 * 24 * 8 * 64 * 2 },
  /* One window on every layer. */
  { "mistral-7b-v0.1.json", "mistral-7b-v0.1", 32, 8, 128, 32768, KVP_DTYPE_BF16, 0, 32, 0, 4096, 131072 },
  /* Chunked local attention; every fourth layer NoPE, full. */
  { "llama-4-scout.json", "llama-4-scout", 48, 8, 128, 10485760, KVP_DTYPE_BF16, 12, 0, 36, 8192, 2 * 48 * 8 * 128 * 2 },
  /* Qwen2.5's documented YaRN block: 32,768 × 4 from the original length. */
  { "qwen2.5-7b-instruct-yarn.json", "qwen2.5-7b-instruct-yarn", 28, 4, 128, 131072, KVP_DTYPE_BF16, 28, 0, 0, 0,
    2 * 28 * 4 * 128 * 2 },
};


static void
test_families (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autoptr(KvpModelConfig) config = load (families[i].file);
      g_autoptr(GError) error = NULL;
      guint64 bytes = 0;

      g_test_message ("%s", families[i].file);
      g_assert_cmpstr (config->model.name, ==, families[i].name);
      g_assert_cmpuint (config->model.num_layers, ==, families[i].layers);
      g_assert_cmpuint (kvp_model_get_kv_heads (&config->model), ==, families[i].kv_heads);
      if (families[i].head_dim > 0)
        {
          g_assert_false (kvp_model_is_mla (&config->model));
          g_assert_cmpuint (kvp_model_get_head_dim (&config->model), ==, families[i].head_dim);
        }
      g_assert_cmpuint (config->model.max_context, ==, families[i].context);
      g_assert_cmpint (config->dtype, ==, families[i].dtype);
      g_assert_cmpuint (kvp_model_config_count_layers (config, KVP_LAYER_FULL), ==, families[i].full);
      g_assert_cmpuint (kvp_model_config_count_layers (config, KVP_LAYER_SLIDING), ==, families[i].sliding);
      g_assert_cmpuint (kvp_model_config_count_layers (config, KVP_LAYER_CHUNKED), ==, families[i].chunked);
      for (guint l = 0; l < config->model.num_layers; l++)
        g_assert_cmpuint (config->layers[l].window, ==, config->layers[l].kind == KVP_LAYER_FULL ? 0 : families[i].window);

      g_assert_true (kvp_model_bytes_per_token (&config->model, KVP_DTYPE_FP16, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, families[i].bytes_per_token_fp16);
    }
}

static void
test_layer_patterns (void)
{
  g_autoptr(KvpModelConfig) gemma2 = load ("gemma-2-9b.json");
  g_autoptr(KvpModelConfig) gemma3 = load ("gemma-3-27b-it.json");
  g_autoptr(KvpModelConfig) llama4 = load ("llama-4-scout.json");
  g_autoptr(KvpModelConfig) oss = NULL;

  /* transformers: Gemma 2 slides where (i + 1) % 2, Gemma 3 where
   * (i + 1) % 6 is not 0; Llama 4's NoPE layers are 3, 7, 11, … */
  g_assert_cmpint (gemma2->layers[0].kind, ==, KVP_LAYER_SLIDING);
  g_assert_cmpint (gemma2->layers[1].kind, ==, KVP_LAYER_FULL);
  g_assert_cmpint (gemma3->layers[4].kind, ==, KVP_LAYER_SLIDING);
  g_assert_cmpint (gemma3->layers[5].kind, ==, KVP_LAYER_FULL);
  g_assert_cmpint (gemma3->layers[61].kind, ==, KVP_LAYER_SLIDING);
  g_assert_cmpint (llama4->layers[2].kind, ==, KVP_LAYER_CHUNKED);
  g_assert_cmpint (llama4->layers[3].kind, ==, KVP_LAYER_FULL);

  /* gpt-oss: vLLM slides the even layers whatever layer_types says. */
  oss = parse ("{\"model_type\": \"gpt_oss\", \"num_hidden_layers\": 4, \"num_attention_heads\": 8,"
               " \"num_key_value_heads\": 2, \"head_dim\": 64, \"max_position_embeddings\": 4096,"
               " \"sliding_window\": 128, \"layer_types\": [\"full_attention\", \"sliding_attention\","
               " \"full_attention\", \"sliding_attention\"]}");
  g_assert_cmpint (oss->layers[0].kind, ==, KVP_LAYER_SLIDING);
  g_assert_cmpint (oss->layers[1].kind, ==, KVP_LAYER_FULL);
  g_assert_cmpint (oss->layers[2].kind, ==, KVP_LAYER_SLIDING);
}

#define BASE "\"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"hidden_size\": 512, \"max_position_embeddings\": 4096"

static void
test_rules (void)
{
  static const struct
  {
    const char *json;
    guint kv_heads, head_dim, sliding;
    KvpDtype dtype;
    guint context;
  } cases[] = {
    /* KV heads: the first of the keys, in vLLM's order. */
    { "{" BASE ", \"n_head_kv\": 1, \"num_key_value_heads\": 4}", 1, 64, 0, KVP_DTYPE_BF16, 4096 },
    { "{" BASE ", \"num_kv_heads\": 2, \"num_key_value_heads\": 4}", 2, 64, 0, KVP_DTYPE_BF16, 4096 },
    { "{" BASE ", \"num_key_value_heads\": null, \"multi_query_group_num\": 2}", 2, 64, 0, KVP_DTYPE_BF16, 4096 },
    { "{" BASE "}", 8, 64, 0, KVP_DTYPE_BF16, 4096 },
    /* head_dim null falls back to hidden / heads. */
    { "{" BASE ", \"head_dim\": null}", 8, 64, 0, KVP_DTYPE_BF16, 4096 },
    { "{" BASE ", \"head_dim\": 96}", 8, 96, 0, KVP_DTYPE_BF16, 4096 },
    /* sliding_window 0 or null: no window. */
    { "{" BASE ", \"sliding_window\": 0}", 8, 64, 0, KVP_DTYPE_BF16, 4096 },
    { "{" BASE ", \"sliding_window\": null}", 8, 64, 0, KVP_DTYPE_BF16, 4096 },
    { "{" BASE ", \"sliding_window\": 256}", 8, 64, 4, KVP_DTYPE_BF16, 4096 },
    /* Qwen: the window needs use_sliding_window; then from max_window_layers.
     * Without num_key_value_heads, Qwen2Config and Qwen3Config give 32, and
     * Qwen3Config a head_dim of 128 (their class defaults). */
    { "{" BASE ", \"model_type\": \"qwen2\", \"sliding_window\": 256}", 32, 64, 0, KVP_DTYPE_BF16, 4096 },
    { "{" BASE ", \"model_type\": \"qwen2\", \"sliding_window\": 256, \"use_sliding_window\": true,"
      " \"max_window_layers\": 0, \"num_key_value_heads\": 8}", 8, 64, 4, KVP_DTYPE_BF16, 4096 },
    { "{" BASE ", \"model_type\": \"qwen3\", \"sliding_window\": 256, \"use_sliding_window\": true,"
      " \"max_window_layers\": 4}", 32, 128, 0, KVP_DTYPE_BF16, 4096 },
    /* dtype: float16 stays, dtype (newer transformers) counts too. */
    { "{" BASE ", \"torch_dtype\": \"float16\"}", 8, 64, 0, KVP_DTYPE_FP16, 4096 },
    { "{" BASE ", \"dtype\": \"float16\"}", 8, 64, 0, KVP_DTYPE_FP16, 4096 },
    { "{" BASE ", \"torch_dtype\": \"float32\"}", 8, 64, 0, KVP_DTYPE_BF16, 4096 },
    /* The shortest of the stated lengths. */
    { "{" BASE ", \"seq_length\": 2048}", 8, 64, 0, KVP_DTYPE_BF16, 2048 },
    /* Nested text_config wins over the top level. */
    { "{\"num_hidden_layers\": 1, \"text_config\": {" BASE ", \"num_key_value_heads\": 2}}", 2, 64, 0, KVP_DTYPE_BF16, 4096 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KvpModelConfig) config = NULL;
      g_autofree char *shown = kvp_quote (cases[i].json);  /* TAP takes UTF-8 only */

      g_test_message ("%s", shown);
      config = parse (cases[i].json);
      g_assert_cmpuint (config->model.num_layers, ==, 4);
      g_assert_cmpuint (kvp_model_get_kv_heads (&config->model), ==, cases[i].kv_heads);
      g_assert_cmpuint (kvp_model_get_head_dim (&config->model), ==, cases[i].head_dim);
      g_assert_cmpuint (kvp_model_config_count_layers (config, KVP_LAYER_SLIDING), ==, cases[i].sliding);
      g_assert_cmpint (config->dtype, ==, cases[i].dtype);
      g_assert_cmpuint (config->model.max_context, ==, cases[i].context);
    }
}

/* The context and where it comes from; a config without one still loads,
 * for --max-seq-len to give the length. */
/* transformers' class defaults and attribute_map aliases, on the shapes of
 * real configs (the keys of each config.json that size the KV cache, as the
 * repository's file states them; nothing added). */
static void
test_transformers_defaults (void)
{
  static const struct
  {
    const char *what;
    const char *json;
    guint layers, heads, kv_heads, head_dim, sliding, window, context;
  } shapes[] = {
    /* Gemma3TextConfig: head_dim 256 and max_position_embeddings 131,072
     * (not 3,840 / 16 = 240, nor no length at all). */
    { "google/gemma-3-12b-it",
      "{\"architectures\": [\"Gemma3ForConditionalGeneration\"], \"model_type\": \"gemma3\", \"text_config\": "
      "{\"hidden_size\": 3840, \"intermediate_size\": 15360, \"model_type\": \"gemma3_text\", \"num_attention_heads\": 16, "
      "\"num_hidden_layers\": 48, \"num_key_value_heads\": 8, \"rope_scaling\": {\"factor\": 8.0, \"rope_type\": \"linear\"}, "
      "\"sliding_window\": 1024}, \"torch_dtype\": \"bfloat16\"}",
      48, 16, 8, 256, 40, 1024, 131072 },
    /* No head counts at all: Gemma3TextConfig's 8 and 4. */
    { "google/gemma-3-4b-it",
      "{\"architectures\": [\"Gemma3ForConditionalGeneration\"], \"model_type\": \"gemma3\", \"text_config\": "
      "{\"hidden_size\": 2560, \"intermediate_size\": 10240, \"model_type\": \"gemma3_text\", \"num_hidden_layers\": 34, "
      "\"rope_scaling\": {\"factor\": 8.0, \"rope_type\": \"linear\"}, \"sliding_window\": 1024}, \"torch_dtype\": \"bfloat16\"}",
      34, 8, 4, 256, 29, 1024, 131072 },
    /* A text_config naming no model_type is the wrapper's sub-config. */
    { "gemma3 text_config without model_type",
      "{\"model_type\": \"gemma3\", \"text_config\": {\"hidden_size\": 2560, \"num_hidden_layers\": 34, \"sliding_window\": 1024}}",
      34, 8, 4, 256, 29, 1024, 131072 },
    /* GPT-J: n_layer, n_head, n_embd, n_positions. */
    { "EleutherAI/gpt-j-6b",
      "{\"architectures\": [\"GPTJForCausalLM\"], \"model_type\": \"gptj\", \"n_embd\": 4096, \"n_head\": 16, "
      "\"n_layer\": 28, \"n_positions\": 2048, \"rotary_dim\": 64}",
      28, 16, 16, 256, 0, 0, 2048 },
    { "openai-community/gpt2",
      "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\", \"n_ctx\": 1024, \"n_embd\": 768, "
      "\"n_head\": 12, \"n_layer\": 12, \"n_positions\": 1024}",
      12, 12, 12, 64, 0, 0, 1024 },
    /* BLOOM: n_layer, n_head, and n_embed for hidden_size; ALiBi, no length. */
    { "bigscience/bloom",
      "{\"architectures\": [\"BloomForCausalLM\"], \"model_type\": \"bloom\", \"n_embed\": 14336, \"n_head\": 112, "
      "\"n_layer\": 70}",
      70, 112, 112, 128, 0, 0, 0 },
    /* Falcon-7B: multi_query, so one KV head for 71 query heads. */
    { "tiiuae/falcon-7b",
      "{\"architectures\": [\"FalconForCausalLM\"], \"model_type\": \"falcon\", \"hidden_size\": 4544, \"n_head\": 71, "
      "\"n_layer\": 32, \"multi_query\": true, \"new_decoder_architecture\": false, \"parallel_attn\": true, "
      "\"alibi\": false}",
      32, 71, 1, 64, 0, 0, 0 },
    /* Falcon-40B: the new decoder keeps its 8 KV heads. */
    { "tiiuae/falcon-40b",
      "{\"architectures\": [\"FalconForCausalLM\"], \"model_type\": \"falcon\", \"hidden_size\": 8192, "
      "\"num_attention_heads\": 128, \"num_hidden_layers\": 60, \"num_kv_heads\": 8, \"new_decoder_architecture\": true}",
      60, 128, 8, 64, 0, 0, 0 },
    /* MPT: d_model, n_heads, n_layers, max_seq_len. */
    { "mosaicml/mpt-7b",
      "{\"architectures\": [\"MPTForCausalLM\"], \"model_type\": \"mpt\", \"d_model\": 4096, \"n_heads\": 32, "
      "\"n_layers\": 32, \"max_seq_len\": 2048, \"attn_config\": {\"alibi\": true, \"attn_type\": \"multihead_attention\"}}",
      32, 32, 32, 128, 0, 0, 2048 },
    { "EleutherAI/gpt-neox-20b",
      "{\"architectures\": [\"GPTNeoXForCausalLM\"], \"model_type\": \"gpt_neox\", \"hidden_size\": 6144, "
      "\"num_attention_heads\": 64, \"num_hidden_layers\": 44, \"max_position_embeddings\": 2048, \"rotary_pct\": 0.25}",
      44, 64, 64, 96, 0, 0, 2048 },
    /* MistralConfig's sliding_window 4096 when the key is absent; null is
     * none (Mistral-7B-v0.3). */
    { "mistral without sliding_window",
      "{\"model_type\": \"mistral\", \"hidden_size\": 4096, \"num_attention_heads\": 32, \"num_hidden_layers\": 32, "
      "\"num_key_value_heads\": 8, \"max_position_embeddings\": 32768}",
      32, 32, 8, 128, 32, 4096, 32768 },
    { "mistralai/Mistral-7B-Instruct-v0.3",
      "{\"architectures\": [\"MistralForCausalLM\"], \"model_type\": \"mistral\", \"hidden_size\": 4096, "
      "\"num_attention_heads\": 32, \"num_hidden_layers\": 32, \"num_key_value_heads\": 8, "
      "\"max_position_embeddings\": 32768, \"sliding_window\": null}",
      32, 32, 8, 128, 0, 0, 32768 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(KvpModelConfig) config = NULL;
      guint window = 0;

      g_test_message ("%s", shapes[i].what);
      config = parse (shapes[i].json);
      g_assert_nonnull (config->transformers_source);
      g_assert_cmpuint (config->model.num_layers, ==, shapes[i].layers);
      g_assert_cmpuint (config->model.num_attention_heads, ==, shapes[i].heads);
      g_assert_cmpuint (kvp_model_get_kv_heads (&config->model), ==, shapes[i].kv_heads);
      g_assert_cmpuint (kvp_model_get_head_dim (&config->model), ==, shapes[i].head_dim);
      g_assert_cmpuint (kvp_model_config_count_layers (config, KVP_LAYER_SLIDING), ==, shapes[i].sliding);
      for (guint l = 0; l < config->model.num_layers; l++)
        window = MAX (window, config->layers[l].window);
      g_assert_cmpuint (window, ==, shapes[i].window);
      g_assert_cmpuint (config->model.max_context, ==, shapes[i].context);
    }

  /* DeepseekV3Config's qk_rope_head_dim 64 beside a stated kv_lora_rank. */
  {
    g_autoptr(KvpModelConfig) v3 =
      parse ("{" BASE ", \"model_type\": \"deepseek_v3\", \"kv_lora_rank\": 512}");

    g_assert_true (kvp_model_is_mla (&v3->model));
    g_assert_cmpuint (v3->model.qk_rope_head_dim, ==, 64);
  }

  /* A type kvpage does not know is read with the generic rules, and says so. */
  {
    g_autoptr(KvpModelConfig) other = parse ("{" BASE ", \"model_type\": \"olmo2\"}");
    g_autoptr(KvpModelConfig) none = parse ("{" BASE "}");
    g_autoptr(KvpModelConfig) llama = parse ("{" BASE ", \"model_type\": \"llama\"}");

    g_assert_null (other->transformers_source);
    g_assert_null (none->transformers_source);
    g_assert_cmpstr (llama->transformers_source, ==, "transformers/models/llama/configuration_llama.py");
  }
}

/* The key is the repository's name in lower case, without the
 * organisation and without "-Instruct" (Gemma's "-it"), wherever it sits:
 * "Mistral-7B-Instruct-v0.3" is mistral-7b-v0.3. */
static void
assert_key_rule (const char *key,
                 const char *repository)
{
  const char *slash = strchr (repository, '/');
  g_autofree char *name = NULL;
  g_autoptr(GString) expected = NULL;
  char *instruct;

  g_assert_nonnull (slash);
  name = g_ascii_strdown (slash + 1, -1);
  expected = g_string_new (name);
  instruct = strstr (expected->str, "-instruct");
  if (instruct != NULL)
    g_string_erase (expected, instruct - expected->str, strlen ("-instruct"));
  if (g_str_has_suffix (expected->str, "-it"))
    g_string_truncate (expected, expected->len - strlen ("-it"));
  g_assert_cmpstr (key, ==, expected->str);
}

/* Every shipped config loads under its key, once (one model pointer); a
 * shipped config that replaces a preset keeps the figures the two share. */
static void
test_catalog (void)
{
  guint n_entries;
  const KvpCatalogEntry *entries = kvp_model_catalog_get_entries (&n_entries);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (n_entries, ==, 16);
  for (guint i = 0; i < n_entries; i++)
    {
      g_autoptr(KvpModelConfig) config = kvp_model_catalog_load (entries[i].key, &error);
      g_autoptr(KvpModelConfig) again = kvp_model_catalog_load (entries[i].key, NULL);

      g_assert_no_error (error);
      g_assert_true (config == again);
      assert_key_rule (entries[i].key, entries[i].repository);
      g_assert_cmpstr (config->model.key, ==, entries[i].key);
      g_assert_cmpstr (config->name, ==, entries[i].repository);
      g_assert_nonnull (config->transformers_source);
      g_assert_cmpuint (config->model.max_context, >, 0);

      if (entries[i].replaces != NULL)
        {
          const KvpModel *preset = kvp_model_lookup (entries[i].replaces, NULL);

          g_assert_nonnull (preset);
          g_assert_cmpuint (config->model.num_layers, ==, preset->num_layers);
          g_assert_cmpuint (config->model.num_attention_heads, ==, preset->num_attention_heads);
          g_assert_cmpuint (kvp_model_get_kv_heads (&config->model), ==, kvp_model_get_kv_heads (preset));
          g_assert_cmpuint (kvp_model_get_head_dim (&config->model), ==, kvp_model_get_head_dim (preset));
          g_assert_cmpuint (config->model.hidden_size, ==, preset->hidden_size);
          g_assert_cmpuint (config->model.max_context, ==, preset->max_context);
        }
    }

  /* The shapes as the Hub's files state them. */
  {
    g_autoptr(KvpModelConfig) qwen = kvp_model_catalog_load ("Qwen3-30B-A3B", NULL);
    g_autoptr(KvpModelConfig) llama = kvp_model_catalog_load ("llama-3.2-3b", NULL);

    g_assert_cmpuint (qwen->model.num_layers, ==, 48);
    g_assert_cmpuint (kvp_model_get_kv_heads (&qwen->model), ==, 4);
    g_assert_cmpuint (qwen->model.max_context, ==, 40960);
    g_assert_cmpuint (llama->model.num_layers, ==, 28);
    g_assert_cmpuint (kvp_model_get_head_dim (&llama->model), ==, 128);
  }
  {
    g_autoptr(KvpModelConfig) large = kvp_model_catalog_load ("llama-3.1-70b", NULL);
    g_autoptr(KvpModelConfig) small = kvp_model_catalog_load ("llama-3.2-1b", NULL);
    g_autoptr(KvpModelConfig) gemma = kvp_model_catalog_load ("gemma-2-9b", NULL);
    guint sliding = 0;

    g_assert_cmpuint (large->model.num_layers, ==, 80);
    g_assert_cmpuint (kvp_model_get_kv_heads (&large->model), ==, 8);
    g_assert_cmpint (large->dtype, ==, KVP_DTYPE_BF16);
    /* 2048 / 32 would be 64 too; the file states it. */
    g_assert_cmpuint (small->model.num_layers, ==, 16);
    g_assert_cmpuint (kvp_model_get_head_dim (&small->model), ==, 64);
    g_assert_cmpuint (small->model.max_context, ==, 131072);
    /* Gemma 2 alternates: even layers slide over 4,096 tokens. */
    g_assert_cmpuint (gemma->model.num_layers, ==, 42);
    g_assert_cmpuint (kvp_model_get_head_dim (&gemma->model), ==, 256);
    g_assert_cmpint (gemma->dtype, ==, KVP_DTYPE_BF16);
    for (guint l = 0; l < gemma->model.num_layers; l++)
      if (gemma->layers[l].kind == KVP_LAYER_SLIDING)
        {
          g_assert_cmpuint (gemma->layers[l].window, ==, 4096);
          sliding++;
        }
    g_assert_cmpuint (sliding, ==, 21);
  }
  {
    g_autoptr(KvpModelConfig) oss = kvp_model_catalog_load ("gpt-oss-120b", NULL);
    g_autoptr(KvpModelConfig) small = kvp_model_catalog_load ("gpt-oss-20b", NULL);
    g_autoptr(KvpModelConfig) v3 = kvp_model_catalog_load ("deepseek-v3", NULL);
    g_autoptr(KvpModelConfig) gemma = kvp_model_catalog_load ("gemma-3-27b", NULL);
    g_autoptr(KvpModelConfig) phi = kvp_model_catalog_load ("phi-4-mini", NULL);
    g_autoptr(KvpModelConfig) mistral = kvp_model_catalog_load ("mistral-7b-v0.3", NULL);
    g_autoptr(KvpModelConfig) qwen = kvp_model_catalog_load ("qwen2.5-72b", NULL);
    guint64 bytes = 0;

    /* gpt-oss: the even layers slide over 128 tokens (vLLM's rule, not
     * layer_types); 8 KV heads of 64; mxfp4 experts; no torch_dtype, so
     * bf16. */
    g_assert_cmpuint (oss->model.num_layers, ==, 36);
    g_assert_cmpuint (small->model.num_layers, ==, 24);
    for (guint l = 0; l < oss->model.num_layers; l++)
      {
        g_assert_cmpint (oss->layers[l].kind, ==, l % 2 == 0 ? KVP_LAYER_SLIDING : KVP_LAYER_FULL);
        g_assert_cmpuint (oss->layers[l].window, ==, l % 2 == 0 ? 128 : 0);
      }
    g_assert_cmpuint (kvp_model_config_count_layers (small, KVP_LAYER_SLIDING), ==, 12);
    g_assert_cmpfloat (oss->weight_bytes_per_param, ==, 4.25 / 8.0);
    g_assert_cmpint (oss->dtype, ==, KVP_DTYPE_BF16);
    g_assert_true (kvp_model_bytes_per_token (&oss->model, KVP_DTYPE_BF16, &bytes, NULL));
    g_assert_cmpuint (bytes, ==, 36 * 2 * 8 * 64 * 2);
    g_assert_true (kvp_model_bytes_per_token (&small->model, KVP_DTYPE_BF16, &bytes, NULL));
    g_assert_cmpuint (bytes, ==, 49152);

    /* DeepSeek-V3: one 512 + 64 latent a layer, not 128 heads of K and V;
     * fp8 weights; 163,840 tokens. */
    g_assert_true (kvp_model_is_mla (&v3->model));
    g_assert_true (kvp_model_bytes_per_token (&v3->model, KVP_DTYPE_BF16, &bytes, NULL));
    g_assert_cmpuint (bytes, ==, 61 * (512 + 64) * 2);
    g_assert_cmpfloat (v3->weight_bytes_per_param, ==, 1.0);
    g_assert_cmpuint (v3->model.max_context, ==, 163840);

    /* Gemma 3 27B: the file names neither sliding_window_pattern nor
     * max_position_embeddings; Gemma3TextConfig's 6 and 131,072 apply:
     * every sixth layer is global (10), the other 52 slide over 1,024. */
    g_assert_cmpuint (gemma->model.num_layers, ==, 62);
    for (guint l = 0; l < gemma->model.num_layers; l++)
      g_assert_cmpuint (gemma->layers[l].window, ==, (l + 1) % 6 == 0 ? 0 : 1024);
    g_assert_cmpuint (kvp_model_config_count_layers (gemma, KVP_LAYER_FULL), ==, 10);
    g_assert_cmpuint (kvp_model_get_head_dim (&gemma->model), ==, 128);
    g_assert_cmpuint (kvp_model_get_kv_heads (&gemma->model), ==, 16);
    g_assert_cmpuint (gemma->model.max_context, ==, 131072);

    /* Phi-4-mini: partial_rotary_factor 0.75 rotates 96 of each head's 128
     * dimensions; the cache keeps all 128.  Its 262,144-token window, longer
     * than the context, is every layer's, as vLLM reads it. */
    g_assert_cmpuint (kvp_model_get_head_dim (&phi->model), ==, 128);
    g_assert_cmpuint (kvp_model_get_kv_heads (&phi->model), ==, 8);
    g_assert_true (kvp_model_bytes_per_token (&phi->model, KVP_DTYPE_BF16, &bytes, NULL));
    g_assert_cmpuint (bytes, ==, 131072);
    g_assert_cmpuint (kvp_model_config_count_layers (phi, KVP_LAYER_SLIDING), ==, 32);
    g_assert_cmpuint (phi->layers[0].window, ==, 262144);
    /* LongRoPE: vLLM defaults --max-model-len to the original 4,096 and
     * accepts up to max_position_embeddings, 131,072. */
    g_assert_cmpuint (phi->model.max_context, ==, 4096);
    g_assert_cmpuint (phi->derived_max_len, ==, 131072);

    /* "sliding_window": null is no window (v0.1 slid over 4,096). */
    g_assert_cmpuint (kvp_model_config_count_layers (mistral, KVP_LAYER_FULL), ==, 32);
    g_assert_cmpuint (mistral->model.max_context, ==, 32768);
    /* use_sliding_window false: the 131,072 window is not used. */
    g_assert_cmpuint (kvp_model_config_count_layers (qwen, KVP_LAYER_FULL), ==, 80);
    g_assert_cmpuint (kvp_model_get_kv_heads (&qwen->model), ==, 8);
    g_assert_cmpuint (qwen->model.max_context, ==, 32768);
  }

  g_assert_null (kvp_model_catalog_load ("gpt-5", &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
}

/* The presets offered beside the shipped configs (--list-models and the
 * window's list): all but those a shipped config replaces, in order. */
/* An unknown --model names every key --model accepts: the presets offered
 * and every shipped config. */
static void
test_catalog_unknown_lists_all (void)
{
  g_autoptr(GError) error = NULL;
  guint n_entries, n_presets;
  const KvpCatalogEntry *entries = kvp_model_catalog_get_entries (&n_entries);
  const KvpModel *const *presets = kvp_model_catalog_get_presets (&n_presets);

  g_assert_nonnull (kvp_model_catalog_lookup_preset ("opt-13b", NULL));
  g_assert_null (kvp_model_catalog_lookup_preset ("nope", &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  for (guint i = 0; i < n_entries; i++)
    g_assert_nonnull (strstr (error->message, entries[i].key));
  for (guint i = 0; i < n_presets; i++)
    g_assert_nonnull (strstr (error->message, presets[i]->key));
}

static void
test_catalog_presets (void)
{
  guint n_all, n_offered, n_replaced = 0, next = 0;
  const KvpModel *all = kvp_model_get_presets (&n_all);
  const KvpModel *const *offered = kvp_model_catalog_get_presets (&n_offered);

  g_assert_true (kvp_model_catalog_replaces ("qwen2.5-7b"));
  g_assert_true (kvp_model_catalog_replaces ("llama-3.1-70b"));
  g_assert_false (kvp_model_catalog_replaces ("llama-3-8b"));
  g_assert_false (kvp_model_catalog_replaces ("mistral-7b"));
  g_assert_false (kvp_model_catalog_replaces (NULL));

  for (guint i = 0; i < n_all; i++)
    {
      if (kvp_model_catalog_replaces (all[i].key))
        {
          /* Offered by --model and in the lists as the shipped config. */
          g_assert_nonnull (kvp_model_catalog_lookup (all[i].key));
          n_replaced++;
          continue;
        }
      g_assert_cmpuint (next, <, n_offered);
      g_assert_true (offered[next++] == &all[i]);
    }
  g_assert_cmpuint (n_replaced, ==, 2);
  g_assert_cmpuint (next, ==, n_offered);
  g_assert_cmpuint (n_offered, ==, n_all - 2);
  g_assert_true (kvp_model_catalog_get_presets (NULL) == offered);
}

static void
test_context_key (void)
{
  g_autoptr(KvpModelConfig) plain = parse ("{" BASE "}");
  g_autoptr(KvpModelConfig) shorter = parse ("{" BASE ", \"seq_length\": 2048}");
  g_autoptr(KvpModelConfig) none =
    parse ("{\"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"hidden_size\": 512}");

  g_assert_cmpstr (plain->context_key, ==, "max_position_embeddings");
  g_assert_cmpstr (shorter->context_key, ==, "seq_length");
  g_assert_cmpuint (none->model.max_context, ==, 0);
  g_assert_null (none->context_key);
  g_assert_cmpuint (none->model.num_layers, ==, 4);
}

static void
test_mla (void)
{
  g_autoptr(KvpModelConfig) v3 = load ("deepseek-v3.json");
  g_autoptr(KvpModelConfig) not_mla = NULL;
  KvpModel per_gpu;

  g_assert_true (kvp_model_is_mla (&v3->model));
  g_assert_cmpuint (v3->model.kv_lora_rank, ==, 512);
  g_assert_cmpuint (v3->model.qk_rope_head_dim, ==, 64);
  /* fp8 weights from quantization_config. */
  g_assert_cmpfloat (v3->weight_bytes_per_param, ==, 1.0);
  /* 671 B parameters without the MTP layer, within a percent. */
  g_assert_cmpuint (v3->num_params, >, G_GUINT64_CONSTANT (664000000000));
  g_assert_cmpuint (v3->num_params, <, G_GUINT64_CONSTANT (678000000000));

  /* MLA is never split across GPUs. */
  kvp_model_for_tensor_parallel (&v3->model, 8, &per_gpu);
  g_assert_cmpuint (per_gpu.kv_lora_rank, ==, 512);

  /* kv_lora_rank outside the DeepSeek family is not MLA. */
  not_mla = parse ("{" BASE ", \"model_type\": \"llama\", \"kv_lora_rank\": 512, \"qk_rope_head_dim\": 64}");
  g_assert_false (kvp_model_is_mla (&not_mla->model));
}

static void
test_tensor_parallel (void)
{
  g_autoptr(KvpModelConfig) llama = load ("llama-3-8b.json");
  static const guint tp[] = { 1, 2, 4, 8, 16, 32 };
  static const guint heads[] = { 8, 4, 2, 1, 1, 1 };

  for (guint i = 0; i < G_N_ELEMENTS (tp); i++)
    {
      KvpModel per_gpu;

      kvp_model_for_tensor_parallel (&llama->model, tp[i], &per_gpu);
      g_assert_cmpuint (kvp_model_get_kv_heads (&per_gpu), ==, heads[i]);
      g_assert_cmpuint (kvp_model_get_head_dim (&per_gpu), ==, 128);
    }
}

static void
test_params_estimate (void)
{
  g_autoptr(KvpModelConfig) llama = load ("llama-3-8b.json");
  g_autoptr(KvpModelConfig) oss = load ("gpt-oss-20b.json");

  /* Llama 3 8B has 8.03 B parameters; norms left out. */
  g_assert_cmpuint (llama->num_params, ==, G_GUINT64_CONSTANT (8030261248) - 266240);
  g_assert_cmpfloat (llama->weight_bytes_per_param, ==, 2.0);
  /* mxfp4: 4 bits and a scale per 32. */
  g_assert_cmpfloat (oss->weight_bytes_per_param, ==, 4.25 / 8.0);
  g_assert_cmpfloat (kvp_model_config_weight_bytes (llama), ==, 2.0 * llama->num_params);
}

/* gpt-oss keeps attention, router, embeddings and head in bf16
 * (modules_to_not_convert); only its routed experts are mxfp4: 13.75 GB,
 * as the checkpoint's 13.8, where every weight at mxfp4 said 11.1. */
static void
test_weights_mxfp4_experts (void)
{
  g_autoptr(KvpModelConfig) oss = load ("gpt-oss-20b.json");
  double routed = (double) oss->num_routed_expert_params;

  g_assert_true (oss->quantized_experts_only);
  g_assert_cmpfloat (routed, >, 0.9 * oss->num_params);
  g_assert_cmpfloat_with_epsilon (kvp_model_config_weight_bytes (oss),
                                  routed * 4.25 / 8.0 + (oss->num_params - routed) * 2.0, 1.0);
  g_assert_cmpfloat (kvp_model_config_weight_bytes (oss), >, 13.6e9);
  g_assert_cmpfloat (kvp_model_config_weight_bytes (oss), <, 13.9e9);
}

/* The Gemmas' config classes tie the output head to the embeddings and
 * Gemma 3's give its vocabulary, which the checkpoints leave to them: the
 * head is not counted a second time (Gemma 2 9B said 10.16 B parameters,
 * 917 M too many) nor the embeddings left out (Gemma 3 27B said 25.6 B). */
static void
test_params_estimate_gemma (void)
{
  g_autoptr(KvpModelConfig) gemma2 = load ("gemma-2-9b.json");
  g_autoptr(KvpModelConfig) gemma3 = load ("gemma-3-27b-it.json");
  g_autoptr(KvpModelConfig) untied = parse ("{\"model_type\": \"gemma2\", \"tie_word_embeddings\": false}");
  g_autoptr(KvpModelConfig) tied = parse ("{\"model_type\": \"gemma2\"}");

  /* 256,000 × 3,584 once, and 42 layers of attention (2 × 3,584 × 16 ×
   * 256 + 2 × 3,584 × 8 × 256) and MLP (3 × 3,584 × 14,336); the
   * checkpoint has 9,241,705,984 with its norms. */
  g_assert_cmpuint (gemma2->num_params, ==, G_GUINT64_CONSTANT (9241100288));
  /* 262,208 × 5,376 once and 62 layers: 27.0 B of the text model. */
  g_assert_cmpuint (gemma3->num_params, ==, G_GUINT64_CONSTANT (262208) * 5376 +
                                            62 * (G_GUINT64_CONSTANT (2) * 5376 * 32 * 128 + 2 * 5376 * 16 * 128 +
                                                  G_GUINT64_CONSTANT (3) * 5376 * 21504));
  /* The file's own word wins over the class's default. */
  g_assert_cmpuint (untied->num_params - tied->num_params, ==, G_GUINT64_CONSTANT (256000) * 2304);
}

static void
test_refused_state_layers (void)
{
  static const struct
  {
    const char *file;
    const char *json;
    const char *kind;
  } cases[] = {
    { "qwen3-next-80b.json", NULL, "“linear_attention”" },
    { "jamba-v0.1.json", NULL, "“mamba”" },
    { NULL, "{" BASE ", \"layers_block_type\": [\"mamba\", \"attention\", \"mamba\", \"hybrid\"]}", "“mamba”" },
    { NULL, "{" BASE ", \"attn_type_list\": [1, 0, 1, 1]}", "“linear_attention”" },
    { NULL, "{" BASE ", \"layer_types\": [\"full_attention\", \"conv\", \"full_attention\", \"conv\"]}", "“conv”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpModelConfig) config = NULL;

      if (cases[i].file != NULL)
        {
          g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", cases[i].file, NULL);

          config = kvp_model_config_new_from_file (path, &error);
        }
      else
        config = kvp_model_config_new_from_data (cases[i].json, strlen (cases[i].json), "test.json", &error);

      g_assert_null (config);
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].kind));
      g_assert_null (strchr (error->message, '\n'));
    }
}

/* vLLM's _get_and_verify_max_len (vllm/config/model.py, v0.27): the smallest
 * length key, model_max_length over all, then the RoPE factor. */
static void
test_max_model_len (void)
{
  static const struct
  {
    const char *extra;
    guint context;
  } cases[] = {
    { "", 4096 },
    /* Command-R: model_max_length wins even over a smaller key. */
    { ", \"model_max_length\": 131072", 131072 },
    { ", \"seq_length\": 2048", 2048 },
    { ", \"max_target_positions\": 1024", 1024 },
    /* linear and dynamic stretch by the factor; no factor is 1. */
    { ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}", 8192 },
    { ", \"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 1.5}", 6144 },
    { ", \"rope_scaling\": {\"rope_type\": \"default\"}", 4096 },
    { ", \"rope_scaling\": {}", 4096 },
    /* Gemma 4 keys that change nothing. */
    { ", \"head_dim\": 64, \"global_head_dim\": 64, \"num_key_value_heads\": 8, \"num_global_key_value_heads\": 8,"
      " \"num_kv_shared_layers\": 0", 4096 },
    { ", \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": null}", 4096 },
    /* int () rounds down: 4,096 × 1.3 = 5,324.8. */
    { ", \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 1.3}", 5324 },
    /* YaRN starts from the original length, beside the dict (which wins) or in it. */
    { ", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4, \"original_max_position_embeddings\": 2048}", 8192 },
    { ", \"original_max_position_embeddings\": 1024, \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4}", 4096 },
    { ", \"original_max_position_embeddings\": 1024, \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4,"
      " \"original_max_position_embeddings\": 2048}", 4096 },
    /* llama3 and LongRoPE configs state the stretched length already. */
    { ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}", 4096 },
    /* LongRoPE (and the legacy "su") default to the original length. */
    { ", \"original_max_position_embeddings\": 1024, \"rope_scaling\": {\"type\": \"su\", \"long_factor\": [1]}", 1024 },
    { ", \"rope_scaling\": {\"rope_type\": \"longrope\", \"factor\": 32}", 4096 },
    /* Transformers 5: rope_parameters, perhaps one dict per layer type. */
    { ", \"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 2.0, \"rope_theta\": 10000.0}", 8192 },
    { ", \"rope_parameters\": {\"full_attention\": {\"rope_type\": \"linear\", \"factor\": 8.0},"
      " \"sliding_attention\": {\"rope_type\": \"default\"}}", 32768 },
    /* Gemma 3's length is scaled already. */
    { ", \"model_type\": \"gemma3_text\", \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 8.0}", 4096 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strconcat ("{" BASE, cases[i].extra, "}", NULL);
      g_autoptr(KvpModelConfig) config = NULL;

      g_test_message ("%s", json);
      config = parse (json);
      g_assert_cmpuint (config->model.max_context, ==, cases[i].context);
      g_assert_nonnull (config->context_key);
    }

  /* No length key, but YaRN's original in the RoPE block: vLLM takes the
   * length from it (found by the fuzzer), and the key says where. */
  {
    g_autoptr(KvpModelConfig) config =
      parse ("{\"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"hidden_size\": 512, \"rope_scaling\": "
             "{\"rope_type\": \"yarn\", \"factor\": 32.0, \"original_max_position_embeddings\": 4096}}");

    g_assert_cmpuint (config->model.max_context, ==, 131072);
    g_assert_cmpstr (config->context_key, ==, "rope_scaling");
    g_assert_cmpuint (config->derived_max_len, ==, 131072);
  }

  /* The longest --max-model-len vLLM accepts is the stretched length, even
   * where its default is the original (LongRoPE); none without a length. */
  {
    g_autoptr(KvpModelConfig) longrope =
      parse ("{" BASE ", \"original_max_position_embeddings\": 1024, \"rope_scaling\": {\"type\": \"su\"}}");
    g_autoptr(KvpModelConfig) yarn =
      parse ("{" BASE ", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4, \"original_max_position_embeddings\": 2048}}");
    g_autoptr(KvpModelConfig) none =
      parse ("{\"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"hidden_size\": 512}");

    g_assert_cmpuint (longrope->model.max_context, ==, 1024);
    g_assert_cmpuint (longrope->derived_max_len, ==, 4096);
    g_assert_cmpuint (yarn->derived_max_len, ==, 8192);
    g_assert_cmpuint (none->derived_max_len, ==, 0);
  }
}

static void
test_bad_input (void)
{
  static const struct
  {
    const char *json;
    const char *expect;   /* in the message: the key, or what is wrong */
  } cases[] = {
    { "", "is empty" },
    /* A factor that leaves no token of the context. */
    { "{" BASE ", \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 0.0001}}",
      "“rope_scaling” shrinks the context to 0 tokens" },
    { "   ", "is empty" },
    { "{", "line 1: the JSON ends before it is complete" },
    { "[1, 2]", "not an object" },
    { "{\"num_attention_heads\": 8, \"hidden_size\": 512, \"max_position_embeddings\": 4096}", "“num_hidden_layers”" },
    { "{\"num_hidden_layers\": 4, \"hidden_size\": 512, \"max_position_embeddings\": 4096}", "“num_attention_heads”" },
    { "{\"num_hidden_layers\": \"32\", \"num_attention_heads\": 8}", "“num_hidden_layers” is not a whole number" },
    { "{\"num_hidden_layers\": 4.5, \"num_attention_heads\": 8}", "“num_hidden_layers” is not a whole number" },
    { "{\"num_hidden_layers\": 0, \"num_attention_heads\": 8}", "“num_hidden_layers” must be a positive" },
    { "{\"num_hidden_layers\": -4, \"num_attention_heads\": 8}", "“num_hidden_layers” must be a positive" },
    { "{\"num_hidden_layers\": 4294967296, \"num_attention_heads\": 8}", "“num_hidden_layers” is too large" },
    { "{" BASE ", \"num_key_value_heads\": true}", "“num_key_value_heads” is not a whole number" },
    { "{" BASE ", \"head_dim\": 0}", "“head_dim” must be a positive" },
    { "{\"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"max_position_embeddings\": 4096}", "“hidden_size”" },
    { "{" BASE ", \"text_config\": 3}", "“text_config”" },
    { "{" BASE ", \"torch_dtype\": \"int4\"}", "“torch_dtype”" },
    { "{" BASE ", \"torch_dtype\": 16}", "“torch_dtype” is not a string" },
    { "{" BASE ", \"layer_types\": [\"full_attention\"]}", "“layer_types” lists 1 layers" },
    { "{" BASE ", \"layer_types\": \"full_attention\"}", "“layer_types” is not a list" },
    { "{" BASE ", \"sliding_window\": -1}", "“sliding_window” must be a positive" },
    { "{" BASE ", \"layer_types\": [\"full_attention\", \"global\", \"full_attention\", \"full_attention\"]}",
      "“global” layer, a kind kvpage does not know" },
    { "{\"num_hidden_layers\": 65537, \"num_attention_heads\": 8}", "more than 65,536" },
    { "{" BASE ", \"layer_types\": [\"full_attention\", \"global\", \"full_attention\", \"full_attention\"]}",
      "“global” layer, a kind kvpage does not know" },
    { "{" BASE ", \"num_hidden_layers\": 65537}", "more than 65,536" },
    { "{" BASE ", \"model_type\": \"qwen2\", \"sliding_window\": 256, \"use_sliding_window\": true,"
      " \"max_window_layers\": 2}", "“max_window_layers”" },
    { "{" BASE ", \"model_type\": \"deepseek_v2\", \"kv_lora_rank\": 512}", "“qk_rope_head_dim”" },
    { "{" BASE ", \"rope_scaling\": 2}", "“rope_scaling” is not an object" },
    { "{" BASE ", \"rope_scaling\": {\"factor\": 2}}", "“rope_scaling.rope_type” is missing" },
    { "{" BASE ", \"rope_scaling\": {\"type\": \"yarn\", \"rope_type\": \"linear\"}}", "“rope_scaling.rope_type” disagrees" },
    { "{" BASE ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": \"2\"}}", "“rope_scaling.factor” is not a number" },
    { "{" BASE ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 0}}", "“rope_scaling.factor” must be a positive" },
    { "{" BASE ", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4}}",
      "“rope_scaling.original_max_position_embeddings” is missing" },
    { "{" BASE ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2e7}}", "more than 4,294,967,295" },
    { "{" BASE ", \"model_max_length\": 0}", "“model_max_length” must be a positive" },
    /* Gemma 4: pages that differ per layer kind, and shared KV layers. */
    { "{" BASE ", \"head_dim\": 256, \"global_head_dim\": 512}", "“global_head_dim” gives the full-attention layers" },
    { "{" BASE ", \"num_key_value_heads\": 4, \"num_global_key_value_heads\": 1}", "“num_global_key_value_heads”" },
    { "{" BASE ", \"num_kv_shared_layers\": 2}", "“num_kv_shared_layers” makes layers reuse" },
    /* Exactly RFC 8259, as Python's json reads it: json-glib 1.6 took
     * each of these, and a comment or a single quote hid brackets from the
     * old nesting guard. */
    { "/* \" */ {" BASE "}", "line 1: a comment, which JSON does not allow" },
    { "{\n" BASE ",\n// the window\n\"sliding_window\": 4}", "line 3: a comment" },
    { "{'q': '\"', " BASE "}", "line 1: a string in single quotes" },
    { "{" BASE "}\n{\"num_hidden_layers\": 8}", "line 2: “{” after the JSON value: the file must hold one value only" },
    { "{" BASE "} x", "“x” after the JSON value" },
    { "{" BASE ", \"model_type\": \"caf\x80\"}", "not UTF-8 (\\x80)" },
    { "{" BASE ", \"model_type\": \"a\tb\"}", "control character (\\x09)" },
    { "{" BASE ", \"model_type\": \"\\ud800\"}", "unpaired surrogate escape (\\uD800)" },
    { "{" BASE ", \"model_type\\u0000x\": \"llama\"}", "\\u0000 escape" },
    { "{" BASE ", \"head_dim\": 0x40}", "“0x40” is not a number as JSON writes one" },
    { "{" BASE ", \"head_dim\": 064}", "“064” is not a number" },
    { "{" BASE ", \"head_dim\": .5}", "“.5” where JSON needs a value" },
    { "{" BASE ", \"head_dim\": NaN}", "“NaN” where JSON needs a value" },
    { "{" BASE ", \"head_dim\": 64,}", "a comma before “}”" },
    { "{" BASE ", \"rope_theta\": 1e999}", "key “rope_theta”: the number 1e999 is too large" },
    /* 2^63 and more wrapped to a negative number ("not a positive number"). */
    { "{\"num_hidden_layers\": 9223372036854775808, \"num_attention_heads\": 8}",
      "key “num_hidden_layers”: the number 9223372036854775808 is too large" },
    { "{\"num_hidden_layers\": 18446744073709551616, \"num_attention_heads\": 8}",
      "key “num_hidden_layers”: the number 18446744073709551616 is too large" },
    { "{\"num_hidden_layers\": -9223372036854775809, \"num_attention_heads\": 8}", "is too large" },
    { "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
      "more than 64 deep" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpModelConfig) config = NULL;
      g_autofree char *shown = kvp_quote (cases[i].json);  /* TAP takes UTF-8 only */

      g_test_message ("%s", shown);
      config = kvp_model_config_new_from_data (cases[i].json, strlen (cases[i].json), "bad.json", &error);
      g_assert_null (config);
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_test_message ("→ %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "bad.json: "));
      g_assert_nonnull (strstr (error->message, cases[i].expect));
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_bad_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvpage-config-XXXXXX", NULL);
  g_autofree char *big = g_build_filename (dir, "big.json", NULL);
  g_autofree char *latin1 = g_build_filename (dir, "latin1.json", NULL);
  g_autofree char *deep = g_build_filename (dir, "deep.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  g_autofree char *nested = g_strnfill (100000, '[');
  const char *paths[] = { dir, big, latin1, deep, missing };
  const char *expect[] = { "is a folder", "larger than 16 MiB", "not UTF-8", "more than 64 deep", "missing.json”: cannot read it: " };
  FILE *f;

  g_assert_nonnull (dir);
  f = g_fopen (big, "wb");
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, KVP_MODEL_CONFIG_MAX_SIZE, SEEK_SET), ==, 0);
  fputc ('}', f);
  fclose (f);
  g_assert_true (g_file_set_contents (latin1, "{\"model_type\": \"caf\xe9\"}", -1, NULL));
  g_assert_true (g_file_set_contents (deep, nested, -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_file (paths[i], &error);

      g_assert_null (config);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, expect[i]));
      g_assert_nonnull (strstr (error->message, paths[i]));
    }

  for (guint i = 1; i < G_N_ELEMENTS (paths) - 1; i++)
    g_remove (paths[i]);
  g_rmdir (dir);
}

/* What Python's json reads is read: every RFC 8259 form, and a UTF-8
 * byte-order mark before the value. */
static void
test_strict_accepts (void)
{
  static const char *cases[] = {
    "\xef\xbb\xbf{" BASE "}",
    " \r\n\t{" BASE ", \"model_type\": \"l\\u0061ma \\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}\n\n",
    "{" BASE ", \"rope_theta\": 5e5, \"x\": [1.5E+3, -0, 0.25e-2, true, false, null, {}, [], \"\"], \"é\": {}}",
    "{" BASE ", \"num_hidden_layers\": 9223372036854775807, \"num_hidden_layers\": 4}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KvpModelConfig) config = parse (cases[i]);

      g_assert_cmpuint (config->model.num_layers, ==, 4);
      g_assert_cmpuint (config->model.max_context, ==, 4096);
    }
}

/* The crash inputs of issue 20: 100,000 brackets after a comment or a
 * single-quoted string that hid a quote from the old guard overflowed the
 * stack — of the command line, and of the window's config-loading thread,
 * which this test stands in for. */
static gpointer
load_thread (gpointer path)
{
  GError *error = NULL;
  KvpModelConfig *config = kvp_model_config_new_from_file (path, &error);

  g_assert_null (config);
  return error;
}

static void
test_deep_bypass (void)
{
  static const char *openings[] = { "/* \" */ {\"a\": ", "{'q': '\"', \"a\": " };
  g_autofree char *dir = g_dir_make_tmp ("kvpage-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "deep.json", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (openings); i++)
    {
      GString *text = g_string_new (openings[i]);
      g_autoptr(GError) error = NULL;

      for (guint k = 0; k < 100000; k++)
        g_string_append_c (text, '[');
      for (guint k = 0; k < 100000; k++)
        g_string_append_c (text, ']');
      g_string_append_c (text, '}');
      g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));
      g_string_free (text, TRUE);

      error = g_thread_join (g_thread_new ("load-config", load_thread, path));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, i == 0 ? "line 1: a comment" : "line 1: a string in single quotes"));
    }

  g_remove (path);
  g_rmdir (dir);
}

/* Devices and streams stop at the cap (16 MiB), at once. */
static void
test_device_capped (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpModelConfig) config = NULL;
  gint64 start = g_get_monotonic_time ();

  if (!g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/zero");
      return;
    }
  config = kvp_model_config_new_from_file ("/dev/zero", &error);
  g_assert_null (config);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "/dev/zero: is larger than 16 MiB"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_name_from_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvpage-config-XXXXXX", NULL);
  g_autofree char *model_dir = g_build_filename (dir, "My-Model-7B", NULL);
  g_autofree char *path = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *other = g_build_filename (dir, "tiny.json", NULL);
  g_autoptr(KvpModelConfig) a = NULL;
  g_autoptr(KvpModelConfig) b = NULL;
  const char *json = "{" BASE ", \"_name_or_path\": \"/home/someone/ckpt\"}";

  g_assert_cmpint (g_mkdir (model_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  g_assert_true (g_file_set_contents (other, json, -1, NULL));

  a = kvp_model_config_new_from_file (path, NULL);
  b = kvp_model_config_new_from_file (other, NULL);
  g_assert_cmpstr (a->model.name, ==, "My-Model-7B");
  g_assert_cmpstr (a->model.key, ==, "My-Model-7B");
  g_assert_cmpstr (b->model.name, ==, "tiny");

  g_remove (path);
  g_remove (other);
  g_rmdir (model_dir);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/model-config/families", test_families);
  g_test_add_func ("/core/model-config/layer-patterns", test_layer_patterns);
  g_test_add_func ("/core/model-config/max-model-len", test_max_model_len);
  g_test_add_func ("/core/model-config/rules", test_rules);
  g_test_add_func ("/core/model-config/catalog", test_catalog);
  g_test_add_func ("/core/model-config/catalog-presets", test_catalog_presets);
  g_test_add_func ("/core/model-config/catalog-unknown-lists-all", test_catalog_unknown_lists_all);
  g_test_add_func ("/core/model-config/transformers-defaults", test_transformers_defaults);
  g_test_add_func ("/core/model-config/context-key", test_context_key);
  g_test_add_func ("/core/model-config/mla", test_mla);
  g_test_add_func ("/core/model-config/tensor-parallel", test_tensor_parallel);
  g_test_add_func ("/core/model-config/params-estimate", test_params_estimate);
  g_test_add_func ("/core/model-config/params-estimate-gemma", test_params_estimate_gemma);
  g_test_add_func ("/core/model-config/weights-mxfp4-experts", test_weights_mxfp4_experts);
  g_test_add_func ("/core/model-config/refused-state-layers", test_refused_state_layers);
  g_test_add_func ("/core/model-config/bad-input", test_bad_input);
  g_test_add_func ("/core/model-config/bad-files", test_bad_files);
  g_test_add_func ("/core/model-config/name-from-file", test_name_from_file);
  g_test_add_func ("/core/model-config/strict-accepts", test_strict_accepts);
  g_test_add_func ("/core/model-config/deep-bypass", test_deep_bypass);
  g_test_add_func ("/core/model-config/device-capped", test_device_capped);

  return g_test_run ();
}
