/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-vllm.c: vLLM v1 pool sizing against hand-computed figures (groups,
 * padding, pages, blocks, concurrency, the log lines), the GPU budget and
 * sizes with units. */

#include "config.h"

#include <string.h>

#include "kvp-error.h"
#include "kvp-gpu.h"
#include "kvp-model-catalog.h"
#include "kvp-model-config.h"
#include "kvp-vllm.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)

/* A file in tests/configs, or a shipped config by its key. */
static KvpModelConfig *
load (const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", file, NULL);
  KvpModelConfig *config = g_str_has_suffix (file, ".json") ? kvp_model_config_new_from_file (path, &error)
                                                            : kvp_model_catalog_load (file, &error);

  g_assert_no_error (error);
  return config;
}

/* Each row worked by hand from kv_cache_utils.py:
 *   page = 2 × B × kv_heads/TP × head_dim × dtype (MLA: B × latent × dtype)
 *   group size = fewest layers of a kind (most, if within 1.5×)
 *   blocks = available // page // group size
 *   per request: full cdiv (len, B); sliding cdiv (min (W − 1 + X, len), B) + 1;
 *   chunked cdiv (min (C + X, len), B); summed over the groups, where X is
 *   max_in_flight_tokens = 2 batches × batch (async scheduling, pp 1). */
static const struct
{
  const char *file;
  guint tp;
  guint32 block_size;
  guint64 max_model_len, batched, available;
  guint64 page, group_size, num_groups, blocks, per_request, tokens;
  const char *log[3];
} cases[] = {
  { "llama-3-8b.json", 1, 16, 8192, 2048, 10 * GIB,
    65536, 32, 1, 5120, 512, 81920,
    { "Available KV cache memory: 10.0 GiB",
      "GPU KV cache size: 81,920 tokens, Maximum concurrency for 8,192 tokens per request: 10.00x" } },
  /* Gemma-3-27b: 10 full + 52 sliding → group size 10 → 1 + 6 groups and
   * 8 padding layers (8 / 52 = 15.38 %); 8,192 + 6 × (cdiv (17,407, 16) + 1). */
  { "gemma-3-27b-it.json", 1, 16, 131072, 8192, 20 * GIB,
    131072, 10, 7, 16384, 14726, 145829,
    { "Available KV cache memory: 20.0 GiB",
      "Add 8 padding layers, may waste at most 15.38% KV cache memory",
      "GPU KV cache size: 145,829 tokens, Maximum concurrency for 131,072 tokens per request: 1.11x" } },
  /* 22 sliding + 4 full: group size 4, 6 sliding groups, 2 padding layers. */
  { "gemma-3-1b-it.json", 1, 16, 32768, 2048, 4 * GIB,
    16384, 4, 7, 65536, 3782, 567816,
    { "Available KV cache memory: 4.0 GiB",
      "Add 2 padding layers, may waste at most 9.09% KV cache memory",
      "GPU KV cache size: 567,816 tokens, Maximum concurrency for 32,768 tokens per request: 17.33x" } },
  /* 12 + 12: one group each, no padding. */
  { "gpt-oss-20b.json", 1, 16, 131072, 8192, 8 * GIB,
    32768, 12, 2, 21845, 9225, 310381,
    { "Available KV cache memory: 8.0 GiB",
      "GPU KV cache size: 310,381 tokens, Maximum concurrency for 131,072 tokens per request: 2.37x" } },
  /* All sliding: one group of 32; cdiv (4,095 + 4,096, 16) + 1 = 513. */
  { "mistral-7b-v0.1.json", 1, 16, 32768, 2048, 6 * GIB,
    65536, 32, 1, 3072, 513, 196224,
    { "Available KV cache memory: 6.0 GiB",
      "GPU KV cache size: 196,224 tokens, Maximum concurrency for 32,768 tokens per request: 5.99x" } },
  /* Llama 4, TP 8: one KV head per GPU; 36 chunked + 12 full → 4 groups. */
  { "llama-4-scout.json", 8, 16, 1048576, 8192, 30 * GIB,
    8192, 12, 4, 327680, 70144, 4898457,
    { "Available KV cache memory: 30.0 GiB",
      "GPU KV cache size: 4,898,457 tokens, Maximum concurrency for 1,048,576 tokens per request: 4.67x" } },
  /* MLA with TP 8: 576-wide latent, unsplit, in blocks of 64. */
  { "deepseek-v3.json", 8, 64, 163840, 8192, 30 * GIB,
    73728, 61, 1, 7162, 2560, 458368,
    { "Available KV cache memory: 30.0 GiB",
      "GPU KV cache size: 458,368 tokens, Maximum concurrency for 163,840 tokens per request: 2.80x" } },
  /* Gemma 2: float32 runs as bf16; 21 + 21. */
  { "gemma-2-9b.json", 1, 16, 8192, 2048, 5 * GIB,
    131072, 21, 2, 1950, 1025, 15584,
    { "Available KV cache memory: 5.0 GiB",
      "GPU KV cache size: 15,584 tokens, Maximum concurrency for 8,192 tokens per request: 1.90x" } },
  /* The shipped configs, by key.  gemma-2-9b (the -it file, bfloat16) gives
   * the row above's figures to the token. */
  { "gemma-2-9b", 1, 16, 8192, 2048, 5 * GIB,
    131072, 21, 2, 1950, 1025, 15584,
    { "Available KV cache memory: 5.0 GiB",
      "GPU KV cache size: 15,584 tokens, Maximum concurrency for 8,192 tokens per request: 1.90x" } },
  /* TP 4: 2 of 8 KV heads a GPU; 20 GiB // (16,384 × 80) = 16,384 blocks. */
  { "llama-3.1-70b", 4, 16, 131072, 8192, 20 * GIB,
    16384, 80, 1, 16384, 8192, 262144,
    { "Available KV cache memory: 20.0 GiB",
      "GPU KV cache size: 262,144 tokens, Maximum concurrency for 131,072 tokens per request: 2.00x" } },
  /* head_dim 64 as the file states: 8 GiB // (32,768 × 16) = 16,384 blocks. */
  { "llama-3.2-1b", 1, 16, 131072, 8192, 8 * GIB,
    32768, 16, 1, 16384, 8192, 262144,
    { "Available KV cache memory: 8.0 GiB",
      "GPU KV cache size: 262,144 tokens, Maximum concurrency for 131,072 tokens per request: 2.00x" } },
  /* The tests' copies of gpt-oss-20b, Gemma 3 27B and DeepSeek-V3 (rows
   * above) and the shipped files size alike, to the token. */
  { "gpt-oss-20b", 1, 16, 131072, 8192, 8 * GIB,
    32768, 12, 2, 21845, 9225, 310381,
    { "Available KV cache memory: 8.0 GiB",
      "GPU KV cache size: 310,381 tokens, Maximum concurrency for 131,072 tokens per request: 2.37x" } },
  { "gemma-3-27b", 1, 16, 131072, 8192, 20 * GIB,
    131072, 10, 7, 16384, 14726, 145829,
    { "Available KV cache memory: 20.0 GiB",
      "Add 8 padding layers, may waste at most 15.38% KV cache memory",
      "GPU KV cache size: 145,829 tokens, Maximum concurrency for 131,072 tokens per request: 1.11x" } },
  { "deepseek-v3", 8, 64, 163840, 8192, 30 * GIB,
    73728, 61, 1, 7162, 2560, 458368,
    { "Available KV cache memory: 30.0 GiB",
      "GPU KV cache size: 458,368 tokens, Maximum concurrency for 163,840 tokens per request: 2.80x" } },
  /* gpt-oss-120b: 18 sliding (128) + 18 full, one group each; 8 GiB //
   * 32,768 // 18 = 14,563 blocks; 8,192 + cdiv (127 + 16,384, 16) + 1. */
  { "gpt-oss-120b", 1, 16, 131072, 8192, 8 * GIB,
    32768, 18, 2, 14563, 9225, 206916,
    { "Available KV cache memory: 8.0 GiB",
      "GPU KV cache size: 206,916 tokens, Maximum concurrency for 131,072 tokens per request: 1.58x" } },
  /* Phi-4-mini: head_dim 3,072 / 24 = 128 (partial_rotary_factor 0.75
   * rotates 96 of them; the cache keeps all 128).  sliding_window 262,144
   * is longer than the context, yet every layer is a sliding layer to vLLM:
   * cdiv (min (262,143 + 16,384, 131,072), 16) + 1 = 8,193 blocks a request,
   * one more than full attention; 20 GiB // 65,536 // 32 = 10,240. */
  { "phi-4-mini", 1, 16, 131072, 8192, 20 * GIB,
    65536, 32, 1, 10240, 8193, 163820,
    { "Available KV cache memory: 20.0 GiB",
      "GPU KV cache size: 163,820 tokens, Maximum concurrency for 131,072 tokens per request: 1.25x" } },
  /* Qwen2.5-72B, TP 4: 2 of 8 KV heads a GPU; use_sliding_window false. */
  { "qwen2.5-72b", 4, 16, 32768, 8192, 20 * GIB,
    16384, 80, 1, 16384, 2048, 262144,
    { "Available KV cache memory: 20.0 GiB",
      "GPU KV cache size: 262,144 tokens, Maximum concurrency for 32,768 tokens per request: 8.00x" } },
  /* Mistral-7B-v0.3: "sliding_window": null, so full attention, where
   * v0.1's 4,096-token window gave 513 blocks a request (row above). */
  { "mistral-7b-v0.3", 1, 16, 32768, 2048, 6 * GIB,
    65536, 32, 1, 3072, 2048, 49152,
    { "Available KV cache memory: 6.0 GiB",
      "GPU KV cache size: 49,152 tokens, Maximum concurrency for 32,768 tokens per request: 1.50x" } },
};

static void
test_sizing (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KvpModelConfig) config = load (cases[i].file);
      g_autoptr(KvpVllmSizing) sizing = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) lines = NULL;
      KvpVllmInput input = {
        &config->model, config->layers, config->dtype, cases[i].tp, cases[i].block_size,
        cases[i].max_model_len, cases[i].batched, cases[i].available,
      };

      g_test_message ("%s", cases[i].file);
      sizing = kvp_vllm_sizing_new (&input, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (sizing->page_size_bytes, ==, cases[i].page);
      g_assert_cmpuint (sizing->group_size, ==, cases[i].group_size);
      g_assert_cmpuint (sizing->num_groups, ==, cases[i].num_groups);
      g_assert_cmpuint (sizing->num_gpu_blocks, ==, cases[i].blocks);
      g_assert_cmpuint (sizing->blocks_per_request, ==, cases[i].per_request);
      g_assert_cmpuint (sizing->kv_cache_tokens, ==, cases[i].tokens);

      /* The single line of update_kv_cache_capacity (kv_cache_utils.py since
       * vLLM PR #41069, read in copies of main from mid-2026): tokens =
       * int (concurrency × max_model_len), not the two lines
       * _report_kv_cache_config printed before. */
      lines = kvp_vllm_sizing_get_log_lines (sizing);
      for (guint l = 0; l < G_N_ELEMENTS (cases[i].log); l++)
        g_assert_cmpstr (lines[l], ==, cases[i].log[l]);
    }
}

static void
test_groups_gemma3 (void)
{
  g_autoptr(KvpModelConfig) config = load ("gemma-3-27b-it.json");
  g_autoptr(KvpVllmSizing) sizing = NULL;
  KvpVllmInput input = { &config->model, config->layers, config->dtype, 1, 16, 131072, 8192, 20 * GIB };
  const KvpVllmKind *sliding, *full;

  sizing = kvp_vllm_sizing_new (&input, NULL);
  g_assert_cmpuint (sizing->kinds->len, ==, 2);
  /* Layer 0 slides, so the sliding kind comes first, as in vLLM's dict. */
  sliding = &g_array_index (sizing->kinds, KvpVllmKind, 0);
  full = &g_array_index (sizing->kinds, KvpVllmKind, 1);
  g_assert_cmpint (sliding->kind, ==, KVP_LAYER_SLIDING);
  g_assert_cmpuint (sliding->num_layers, ==, 52);
  g_assert_cmpuint (sliding->num_groups, ==, 6);
  g_assert_cmpuint (sliding->padding_layers, ==, 8);
  g_assert_cmpuint (sliding->blocks_per_request, ==, 1089);
  g_assert_cmpuint (full->num_layers, ==, 10);
  g_assert_cmpuint (full->num_groups, ==, 1);
  g_assert_cmpuint (full->padding_layers, ==, 0);
  g_assert_cmpuint (full->blocks_per_request, ==, 8192);
  g_assert_cmpuint (sliding->bytes_per_token_per_layer, ==, 2 * 16 * 128 * 2);
}

/* 13 full + 12 sliding: within 1.5×, so groups of 13 and one padding layer
 * (the gpt-oss + EAGLE case in vLLM's comment). */
static void
test_groups_near_equal (void)
{
  KvpLayer layers[25];
  KvpModel model = { "m", "m", 25, 8, 8, 64, 512, 0, 0, 4096 };
  g_autoptr(KvpVllmSizing) sizing = NULL;
  KvpVllmInput input = { &model, layers, KVP_DTYPE_FP16, 1, 16, 4096, 2048, GIB };

  for (guint i = 0; i < 25; i++)
    layers[i] = i < 12 ? (KvpLayer) { KVP_LAYER_SLIDING, 128 } : (KvpLayer) { KVP_LAYER_FULL, 0 };
  sizing = kvp_vllm_sizing_new (&input, NULL);
  g_assert_cmpuint (sizing->group_size, ==, 13);
  g_assert_cmpuint (sizing->num_groups, ==, 2);
  g_assert_cmpuint (g_array_index (sizing->kinds, KvpVllmKind, 0).padding_layers, ==, 1);
}

/* Sliding and chunked groups keep the blocks of every batch in flight:
 * max_in_flight_tokens is 2 × max_num_batched_tokens with async scheduling
 * (vLLM's default) and 1 × without (--no-async-scheduling). */
static void
test_in_flight (void)
{
  g_autoptr(KvpModelConfig) config = load ("mistral-7b-v0.1.json");
  KvpVllmInput input = { &config->model, config->layers, config->dtype, 1, 16, 32768, 2048, 6 * GIB, 0 };
  g_autoptr(KvpVllmSizing) async = kvp_vllm_sizing_new (&input, NULL);
  g_autoptr(KvpVllmSizing) sync = NULL;

  g_assert_cmpuint (async->max_in_flight_tokens, ==, 4096);
  g_assert_cmpuint (async->blocks_per_request, ==, (4095 + 4096 + 15) / 16 + 1);
  input.concurrent_batches = 1;
  sync = kvp_vllm_sizing_new (&input, NULL);
  g_assert_cmpuint (sync->max_in_flight_tokens, ==, 2048);
  g_assert_cmpuint (sync->blocks_per_request, ==, (4095 + 2048 + 15) / 16 + 1);
}

/* Without --block-size vLLM takes the block size of the attention backend
 * it selects (PR #35122): on Hopper an fp8 MLA cache runs on FLASHMLA,
 * which takes 64 only; everything else keeps 16. */
static void
test_backend_block_size (void)
{
  g_autoptr(KvpModelConfig) deepseek = load ("deepseek-v3.json");
  g_autoptr(KvpModelConfig) llama = load ("llama-3-8b.json");
  g_autoptr(KvpVllmSizing) sizing = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  const KvpGpu *h100 = kvp_gpu_lookup ("h100-80gb", NULL);
  const KvpGpu *h200 = kvp_gpu_lookup ("h200", NULL);
  const KvpGpu *a100 = kvp_gpu_lookup ("a100-80gb", NULL);
  KvpVllmInput input = { &deepseek->model, deepseek->layers, KVP_DTYPE_FP8, 1, 16, 163840, 8192, 20 * GIB };
  guint32 block_size = 16;

  g_assert_cmpstr (kvp_vllm_backend_block_size (&deepseek->model, h100, KVP_DTYPE_FP8, &block_size), ==, "FLASHMLA");
  g_assert_cmpuint (block_size, ==, 64);
  block_size = 16;
  g_assert_cmpstr (kvp_vllm_backend_block_size (&deepseek->model, h200, KVP_DTYPE_FP8, &block_size), ==, "FLASHMLA");
  g_assert_cmpuint (block_size, ==, 64);
  block_size = 16;
  /* bf16 runs on FLASH_ATTN_MLA, Ampere on TRITON_MLA: 16 stays. */
  g_assert_null (kvp_vllm_backend_block_size (&deepseek->model, h100, KVP_DTYPE_BF16, &block_size));
  g_assert_null (kvp_vllm_backend_block_size (&deepseek->model, a100, KVP_DTYPE_FP8, &block_size));
  g_assert_null (kvp_vllm_backend_block_size (&deepseek->model, NULL, KVP_DTYPE_FP8, &block_size));
  g_assert_null (kvp_vllm_backend_block_size (&llama->model, h100, KVP_DTYPE_FP8, &block_size));
  g_assert_cmpuint (block_size, ==, 16);

  /* 20 GiB // (64 × 576 B) // 61 = 9,549 blocks; 2,560 a request. */
  input.block_size = 64;
  input.block_size_backend = "FLASHMLA";
  sizing = kvp_vllm_sizing_new (&input, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sizing->num_gpu_blocks, ==, 9549);
  lines = kvp_vllm_sizing_get_log_lines (sizing);
  g_assert_cmpstr (lines[0], ==, "Setting kv cache block size to 64 for FLASHMLA backend.");
  g_assert_cmpstr (lines[2], ==, "GPU KV cache size: 611,136 tokens, Maximum concurrency for 163,840 tokens per request: 3.73x");
}

static void
test_preset_uniform (void)
{
  /* A preset has no layer list: every layer full, one group; TinyLlama's
   * 22 layers × 4 heads × 64 × fp16 = 22,528 B a token. */
  const KvpModel *tiny = kvp_model_get_default ();
  g_autoptr(KvpVllmSizing) sizing = NULL;
  KvpVllmInput input = { tiny, NULL, KVP_DTYPE_FP16, 1, 16, 2048, 2048, 22528 * 16 * 1024 };

  sizing = kvp_vllm_sizing_new (&input, NULL);
  g_assert_cmpuint (sizing->page_size_bytes, ==, 1024 * 16);
  g_assert_cmpuint (sizing->num_gpu_blocks, ==, 1024);
  g_assert_cmpfloat (sizing->max_concurrency, ==, 8.0);
  g_assert_cmpuint (sizing->kv_cache_tokens, ==, 16384);
}

static void
test_sizing_errors (void)
{
  g_autoptr(KvpModelConfig) llama = load ("llama-3-8b.json");
  KvpVllmInput input = { &llama->model, llama->layers, KVP_DTYPE_BF16, 1, 16, 8192, 2048, 0 };
  g_autoptr(GError) error = NULL;
  KvpVllmSizing *sizing;

  /* Not one request of 8,192 tokens fits in 512 MiB (1 GiB is needed); with
   * one 2 MiB block (32 layers × 64 KiB) kept for the null block, 255
   * blocks of 16 tokens are left: 4,080 tokens. */
  input.available_bytes = GIB / 2;
  sizing = kvp_vllm_sizing_new (&input, &error);
  g_assert_null (sizing);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "needs 1.0 GiB"));
  g_assert_nonnull (strstr (error->message, "0.5 GiB"));
  g_assert_nonnull (strstr (error->message, "--max-model-len 4080"));
  g_clear_error (&error);

  /* Exactly the 512 blocks one request needs: vLLM refuses since PR #47272,
   * the null block leaves 511; one block more (2 MiB) starts at 1.00x. */
  input.available_bytes = GIB;
  g_assert_null (kvp_vllm_sizing_new (&input, &error));
  g_assert_nonnull (strstr (error->message, "--max-model-len 8176"));
  g_clear_error (&error);
  input.available_bytes = GIB + 2 * 1024 * 1024;
  sizing = kvp_vllm_sizing_new (&input, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sizing->num_gpu_blocks, ==, 513);
  kvp_vllm_sizing_free (sizing);

  /* 32 heads do not split over 3 GPUs. */
  input.available_bytes = 10 * GIB;
  input.tensor_parallel_size = 3;
  g_assert_null (kvp_vllm_sizing_new (&input, &error));
  g_assert_nonnull (strstr (error->message, "--tensor-parallel-size 3"));
}

/* vLLM's three head checks (verify_with_parallel_config, QKVParallelLinear,
 * the attention classes), on real shapes.  Phi-3-medium (microsoft/
 * Phi-3-medium-4k-instruct: 40 layers, 40 heads, 10 KV heads, hidden 5120)
 * on 4 GPUs: 40 heads split, 10 KV heads do not; kvpage used to print
 * 208,896 tokens and 51.00x for a server that does not start. */
static void
test_tensor_parallel_heads (void)
{
  static const KvpModel phi3_medium = { "phi-3-medium", "Phi-3 Medium", 40, 40, 10, 128, 5120, 0, 0, 4096 };
  /* Llama 3 8B: 32 heads, 8 KV heads. */
  static const KvpModel llama3 = { "llama-3-8b", "Llama 3 8B", 32, 32, 8, 128, 4096, 0, 0, 8192 };
  /* Qwen2.5-7B: 28 heads, 4 KV heads. */
  static const KvpModel qwen = { "qwen2.5-7b", "Qwen2.5 7B", 28, 28, 4, 128, 3584, 0, 0, 131072 };
  /* DeepSeek-V2-Lite: MLA, 16 heads; its latent is never split. */
  static const KvpModel mla = { "deepseek-v2-lite", "DeepSeek-V2-Lite", 27, 16, 0, 0, 2048, 512, 64, 163840 };
  static const struct
  {
    const KvpModel *model;
    guint tp;
    const char *says;   /* NULL: vLLM starts */
  } splits[] = {
    { &phi3_medium, 4, "10 KV heads" },
    { &phi3_medium, 2, NULL },
    { &phi3_medium, 5, NULL },
    { &phi3_medium, 20, NULL },      /* 20 ≥ 10: two copies of each KV head */
    { &phi3_medium, 8, "10 KV heads" },
    { &phi3_medium, 3, "40 attention heads" },
    { &llama3, 8, NULL },
    { &llama3, 16, NULL },           /* 16 GPUs over 8 KV heads: copies */
    { &llama3, 32, NULL },
    { &qwen, 7, "4 KV heads" },      /* 28 heads split over 7, but 7 is no multiple of 4 */
    { &qwen, 14, "4 KV heads" },
    { &qwen, 28, NULL },
    { &qwen, 3, "28 attention heads" },
    { &mla, 16, NULL },
    { &mla, 8, NULL },
    { &mla, 3, "16 attention heads" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (splits); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = kvp_vllm_check_tensor_parallel (splits[i].model, splits[i].tp, &error);

      g_test_message ("%s tp %u: %s", splits[i].model->key, splits[i].tp, ok ? "ok" : error->message);
      if (splits[i].says == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, splits[i].says));
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_format (void)
{
  static const struct
  {
    guint64 bytes;
    const char *gib;
  } gibs[] = {
    { 12 * GIB, "12.0" },
    { 0, "0.0" },
    { 1023, "0.0" },
    /* 3.8125 → 3.81; 0.125 is a tie, rounded to even as Python does. */
    { G_GUINT64_CONSTANT (4093640704), "3.81" },
    { GIB / 8, "0.12" },
    { G_GUINT64_CONSTANT (35862976921), "33.4" },
    { G_GUINT64_CONSTANT (38654705664), "36.0" },
    { G_GUINT64_CONSTANT (38643000000), "35.99" },
  };
  static const struct
  {
    guint64 n;
    const char *text;
  } counts[] = {
    { 0, "0" }, { 999, "999" }, { 1000, "1,000" }, { 131072, "131,072" }, { 1048576, "1,048,576" },
    { G_MAXUINT64, "18,446,744,073,709,551,615" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (gibs); i++)
    {
      g_autofree char *text = kvp_vllm_format_gib (gibs[i].bytes);

      g_assert_cmpstr (text, ==, gibs[i].gib);
    }
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_autofree char *text = kvp_vllm_format_thousands (counts[i].n);

      g_assert_cmpstr (text, ==, counts[i].text);
    }
}

static void
test_sizes (void)
{
  static const struct
  {
    const char *text;
    guint64 bytes;
  } good[] = {
    { "123456", 123456 },
    { "3.8125GiB", G_GUINT64_CONSTANT (4093640704) },
    { "40GB", G_GUINT64_CONSTANT (40000000000) },
    { "512MiB", G_GUINT64_CONSTANT (536870912) },
    { "512 MiB", G_GUINT64_CONSTANT (536870912) },
    { "1.5KiB", 1536 },
    { "2kB", 2000 },
    { "7MB", 7000000 },
    { "1TiB", G_GUINT64_CONSTANT (1099511627776) },
    { "2TB", G_GUINT64_CONSTANT (2000000000000) },
    { "80gib", G_GUINT64_CONSTANT (85899345920) },
    { "100B", 100 },
    { "0.5GB", 500000000 },
    /* Decimals in every unit, rounded down to a whole byte: vLLM logs
     * "6.51 GiB"; 6.51 × 2^30 is 6,990,059,274.24 bytes. */
    { "6.51GiB", G_GUINT64_CONSTANT (6990059274) },
    { "1.3KiB", 1331 },
    { "1.5B", 1 },
    { "0.999999999GB", 999999999 },
    { "33.4 GiB", G_GUINT64_CONSTANT (35862976921) },
    { "0.1TiB", G_GUINT64_CONSTANT (109951162777) },
  };
  static const char *bad[] = {
    "", "GiB", "-5GiB", "0.5B", "0.0009kB", "0", "0GiB", "12 parsecs", "1e9", "1,000", "99999999999999999999",
    "20000000TiB", "1.2.3GB", " 5GB", "5GB ", "0.0000000000000000000001GB",
  };
  static const char *zeros[] = { "0", "0B", "0GiB", "0.0MiB", "0 TB" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 0;

      g_test_message ("%s", good[i].text);
      g_assert_true (kvp_size_parse (NULL, good[i].text, FALSE, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, good[i].bytes);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 7;

      g_test_message ("“%s”", bad[i]);
      g_assert_false (kvp_size_parse (NULL, bad[i], FALSE, &bytes, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_cmpuint (bytes, ==, 7);
      g_assert_null (strchr (error->message, '\n'));
    }

  /* Zero in any unit where zero is allowed; only there. */
  for (guint i = 0; i < G_N_ELEMENTS (zeros); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 7;

      g_assert_true (kvp_size_parse ("activation-memory", zeros[i], TRUE, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, 0);
      g_assert_false (kvp_size_parse ("gpu-memory", zeros[i], FALSE, &bytes, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, "--gpu-memory “"));
      g_assert_nonnull (strstr (error->message, "” is not valid: it must be more than zero."));
    }
}

static void
test_gpus (void)
{
  g_autoptr(GError) error = NULL;
  guint n_presets;
  const KvpGpu *presets = kvp_gpu_get_presets (&n_presets);
  static const char *required[] = {
    "a100-40gb", "a100-80gb", "h100-80gb", "h200", "l4", "l40s", "rtx-3090", "rtx-4090", "mi300x",
  };

  g_assert_cmpuint (n_presets, >=, G_N_ELEMENTS (required));
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      const KvpGpu *gpu = kvp_gpu_lookup (required[i], NULL);

      g_assert_nonnull (gpu);
      /* Runtime totals are a little under the marketing size, never over. */
      g_assert_cmpuint (gpu->total_bytes, >, 20 * GIB);
      g_assert_cmpuint (gpu->total_bytes, <, 200 * GIB);
    }
  g_assert_true (presets[0].is_a100);
  g_assert_cmpuint (kvp_gpu_lookup ("A100-80GB", NULL)->total_bytes, ==, G_GUINT64_CONSTANT (85093777408));

  g_assert_null (kvp_gpu_lookup ("v100", &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "h100-80gb"));

  /* vLLM's default batch: 8,192 on a big non-A100, 2,048 otherwise. */
  g_assert_cmpuint (kvp_gpu_default_batched_tokens (kvp_gpu_lookup ("h100-80gb", NULL)->total_bytes, FALSE), ==, 8192);
  g_assert_cmpuint (kvp_gpu_default_batched_tokens (G_GUINT64_CONSTANT (85093777408), TRUE), ==, 2048);
  g_assert_cmpuint (kvp_gpu_default_batched_tokens (24 * GIB, FALSE), ==, 2048);
  g_assert_cmpuint (kvp_gpu_default_batched_tokens (kvp_gpu_lookup ("mi300x", NULL)->total_bytes, FALSE), ==, 16384);
  g_assert_cmpuint (kvp_gpu_default_batched_tokens (kvp_gpu_lookup ("h200", NULL)->total_bytes, FALSE), ==, 8192);
}

static void
test_budget (void)
{
  g_autoptr(GError) error = NULL;
  KvpGpuBudget budget = { G_GUINT64_CONSTANT (85093777408), 0.92, 16 * GIB, 2 * GIB };

  /* ceil (85,093,777,408 × 0.92) = 78,286,275,216 (the product is
   * 78286275215.36 in doubles). */
  g_assert_true (kvp_gpu_budget_compute (&budget, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (budget.requested_bytes, ==, G_GUINT64_CONSTANT (78286275216));
  g_assert_cmpuint (budget.available_bytes, ==, G_GUINT64_CONSTANT (78286275216) - 18 * GIB);

  budget.utilization = 1.0;
  g_assert_true (kvp_gpu_budget_compute (&budget, NULL));
  g_assert_cmpuint (budget.requested_bytes, ==, budget.total_bytes);

  /* Weights that take everything. */
  budget.weights_bytes = 80 * GIB;
  g_assert_false (kvp_gpu_budget_compute (&budget, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  budget.weights_bytes = 0;
  budget.utilization = 0.0;
  g_assert_false (kvp_gpu_budget_compute (&budget, &error));
  g_clear_error (&error);
  budget.utilization = 1.01;
  g_assert_false (kvp_gpu_budget_compute (&budget, &error));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/vllm/sizing", test_sizing);
  g_test_add_func ("/core/vllm/groups-gemma3", test_groups_gemma3);
  g_test_add_func ("/core/vllm/groups-near-equal", test_groups_near_equal);
  g_test_add_func ("/core/vllm/in-flight", test_in_flight);
  g_test_add_func ("/core/vllm/backend-block-size", test_backend_block_size);
  g_test_add_func ("/core/vllm/preset-uniform", test_preset_uniform);
  g_test_add_func ("/core/vllm/errors", test_sizing_errors);
  g_test_add_func ("/core/vllm/tensor-parallel-heads", test_tensor_parallel_heads);
  g_test_add_func ("/core/vllm/format", test_format);
  g_test_add_func ("/core/vllm/sizes", test_sizes);
  g_test_add_func ("/core/vllm/gpus", test_gpus);
  g_test_add_func ("/core/vllm/budget", test_budget);

  return g_test_run ();
}
