/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-deploy.c: --simulate's pool from vLLM's sizing, against hand-computed
 * figures: the null block left out, the hybrid models refused, the line and
 * the JSON that say where the pool comes from. */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "kvp-deploy.h"
#include "kvp-error.h"
#include "kvp-test-utils.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)

/* A deploy of a config written for the tests, its params as --config sets
 * them (the model's context, its dtype, blocks of 16). */
static void
init_with_config (KvpDeploy  *deploy,
                  KvpParams  *params,
                  const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", file, NULL);

  memset (deploy, 0, sizeof *deploy);
  kvp_params_init_default (params);
  deploy->config = kvp_model_config_new_from_file (path, &error);
  g_assert_no_error (error);
  params->model = &deploy->config->model;
  params->max_seq_len = deploy->config->model.max_context;
  params->dtype = deploy->config->dtype;
}

/* Llama-3-8B, bf16, B = 16: a page of one layer is 16 × 2 × 8 × 128 × 2 =
 * 65,536 bytes, one group of 32 layers, so a block is 2 MiB over the model.
 * 60 GiB → 30,720 blocks, block 0 vLLM's null block: 30,719 to serve. */
static void
test_kv_cache_memory (void)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  KvpParams params;
  KvpSimConfig config;
  JsonObject *pool;

  init_with_config (&deploy, &params, "llama-3-8b.json");
  deploy.kv_cache_bytes = 60 * GIB;
  g_assert_true (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deploy.sizing->num_gpu_blocks, ==, 30720);

  g_assert_true (kvp_deploy_get_sim_config (&deploy, &params, &config, &error));
  g_assert_cmpuint (config.num_blocks, ==, 30719);
  g_assert_cmpuint (config.block_size, ==, 16);
  g_assert_cmpuint (config.max_seq_len, ==, 8192);
  g_assert_cmpuint (config.schemes, ==, 0);

  line = kvp_deploy_describe_sim_pool (&deploy, &config);
  g_assert_nonnull (strstr (line, "30,719 blocks × 16 = 491,504 token slots"));
  g_assert_nonnull (strstr (line, "from 60.0 GiB of KV cache"));
  g_assert_nonnull (strstr (line, "30,720 blocks, less block 0, its null block"));
  g_assert_null (strstr (line, "estimated"));

  kvp_deploy_add_sim_json (&deploy, &config, root);
  pool = json_object_get_object_member (root, "pool");
  g_assert_cmpstr (json_object_get_string_member (pool, "origin"), ==, "vllm");
  g_assert_cmpint (json_object_get_int_member (pool, "num_blocks"), ==, 30719);
  g_assert_cmpint (json_object_get_int_member (pool, "token_slots"), ==, 491504);
  g_assert_cmpint (json_object_get_int_member (pool, "num_gpu_blocks"), ==, 30720);
  g_assert_cmpint (json_object_get_int_member (pool, "num_usable_blocks"), ==, 30719);
  g_assert_cmpint (json_object_get_int_member (pool, "kv_cache_memory_bytes"), ==, (gint64) (60 * GIB));
  g_assert_false (json_object_get_boolean_member (pool, "kv_cache_memory_estimated"));
  g_assert_false (json_object_has_member (pool, "gpu"));
}

/* One picture, one grouping: the pool sentence is kvpage's and groups as
 * the locale does (the serving picture's captions and --simulate's header
 * the same way), while vLLM's log lines keep vLLM's commas byte for byte. */
static void
test_pool_german (void)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  KvpParams params;
  KvpSimConfig config;

  if (!kvp_test_use_numeric_locale ("de_DE.UTF-8"))
    return;

  init_with_config (&deploy, &params, "llama-3-8b.json");
  deploy.kv_cache_bytes = 60 * GIB;
  g_assert_true (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_true (kvp_deploy_get_sim_config (&deploy, &params, &config, &error));
  g_assert_no_error (error);

  line = kvp_deploy_describe_sim_pool (&deploy, &config);
  g_assert_nonnull (strstr (line, "30.719 blocks × 16 = 491.504 token slots"));
  g_assert_nonnull (strstr (line, "(vLLM’s sizing: 30.720 blocks, less block 0"));
  g_assert_nonnull (strstr (line, "maximum sequence 8.192 tokens."));
  /* vLLM's "60.0" GiB with the sentence's decimal point, not C's beside "30.719". */
  g_assert_nonnull (strstr (line, "from 60,0 GiB of KV cache"));

  lines = kvp_vllm_sizing_get_log_lines (deploy.sizing);
  log = g_strjoinv ("\n", lines);
  g_assert_nonnull (strstr (log, "GPU KV cache size: 491,520 tokens, Maximum concurrency for 8,192 tokens per request"));

  setlocale (LC_NUMERIC, "C");
  g_unsetenv ("LOCPATH");
}

/* An A100-80GB with 16 GiB of weights: ceil (85,093,777,408 × 0.92) =
 * 78,286,275,216 requested, less the weights and the 2 GiB reserve =
 * 58,958,922,384 bytes, // 2 MiB = 28,113 blocks, 28,112 to serve. */
static void
test_gpu_weights (void)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  KvpParams params;
  KvpSimConfig config;
  JsonObject *pool;

  init_with_config (&deploy, &params, "llama-3-8b.json");
  deploy.gpu = kvp_gpu_lookup ("a100-80gb", &error);
  g_assert_no_error (error);
  deploy.weights_bytes = 16 * GIB;
  g_assert_true (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_cmpuint (deploy.budget.available_bytes, ==, G_GUINT64_CONSTANT (58958922384));

  g_assert_true (kvp_deploy_get_sim_config (&deploy, &params, &config, &error));
  g_assert_cmpuint (config.num_blocks, ==, 28112);

  line = kvp_deploy_describe_sim_pool (&deploy, &config);
  g_assert_nonnull (strstr (line, "28,112 blocks × 16 = 449,792 token slots"));
  g_assert_nonnull (strstr (line, "an estimated 54.91 GiB of KV cache on an NVIDIA A100 80GB"));
  g_assert_nonnull (strstr (line, "28,113 blocks"));

  kvp_deploy_add_sim_json (&deploy, &config, root);
  pool = json_object_get_object_member (root, "pool");
  g_assert_cmpint (json_object_get_int_member (pool, "num_blocks"), ==, 28112);
  g_assert_cmpint (json_object_get_int_member (pool, "num_gpu_blocks"), ==, 28113);
  g_assert_cmpstr (json_object_get_string_member (pool, "gpu"), ==, "a100-80gb");
  g_assert_cmpint (json_object_get_int_member (pool, "gpu_memory_bytes"), ==, G_GINT64_CONSTANT (85093777408));
  g_assert_cmpint (json_object_get_int_member (pool, "weights_bytes"), ==, (gint64) (16 * GIB));
  g_assert_false (json_object_get_boolean_member (pool, "weights_estimated"));
  g_assert_true (json_object_get_boolean_member (pool, "kv_cache_memory_estimated"));
}

/* Without a GPU or a KV memory the pool is params' own: nothing to add. */
static void
test_blocks_given (void)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  KvpParams params;
  KvpSimConfig config;

  init_with_config (&deploy, &params, "llama-3-8b.json");
  params.num_blocks = 983;
  g_assert_true (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_true (kvp_deploy_get_sim_config (&deploy, &params, &config, &error));
  g_assert_cmpuint (config.num_blocks, ==, 983);
  g_assert_null (kvp_deploy_describe_sim_pool (&deploy, &config));
  kvp_deploy_add_sim_json (&deploy, &config, root);
  g_assert_cmpuint (json_object_get_size (root), ==, 0);
}

/* Sliding-window and chunked layers run in vLLM's KV-cache groups, each
 * kind's groups from the sizing, a windowed group capped at the blocks a
 * request holds there; without vLLM's sizing there are no groups to run. */
static void
test_hybrid_groups (void)
{
  static const struct
  {
    const char *file;
    KvpKvGroupKind first;
    guint32 window;
    gboolean has_full;
  } cases[] = {
    { "gemma-3-27b-it.json", KVP_KV_GROUP_SLIDING_WINDOW, 1024, TRUE },
    { "mistral-7b-v0.1.json", KVP_KV_GROUP_SLIDING_WINDOW, 4096, FALSE },
    { "llama-4-scout.json", KVP_KV_GROUP_CHUNKED_LOCAL, 8192, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(KvpDeploy) deploy = { 0 };
      g_auto(KvpDeploy) unsized = { 0 };
      g_autoptr(GError) error = NULL;
      KvpParams params;
      KvpSimConfig config = { 0 };
      gboolean has_full = FALSE;
      gboolean has_first = FALSE;

      init_with_config (&deploy, &params, cases[i].file);
      deploy.kv_cache_bytes = 40 * GIB;
      /* Llama 4's ten million tokens would not fit 40 GiB at all. */
      params.max_seq_len = 8192;
      g_assert_true (kvp_deploy_apply (&deploy, &params, &error));
      g_assert_true (kvp_deploy_get_sim_config (&deploy, &params, &config, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (config.n_groups, ==, deploy.sizing->num_groups);
      for (guint g = 0; g < config.n_groups; g++)
        {
          has_full |= config.groups[g].kind == KVP_KV_GROUP_FULL;
          if (config.groups[g].kind == cases[i].first)
            {
              has_first = TRUE;
              g_assert_cmpuint (config.groups[g].window, ==, cases[i].window);
              g_assert_cmpuint (config.groups[g].admission_blocks, >, 0);
            }
        }
      g_assert_true (has_first);
      g_assert_cmpint (has_full, ==, cases[i].has_full);

      init_with_config (&unsized, &params, cases[i].file);
      g_assert_false (kvp_deploy_get_sim_config (&unsized, &params, &config, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "--kv-cache-memory"));
    }
}

/* A preset takes the same path as a config: the whole model and the split
 * go to vLLM's sizing, which keeps 8 / 2 KV heads a GPU.  A page of a layer
 * is 16 × 2 × 4 × 128 × 2 = 32,768 bytes, 1 MiB a block over 32 layers:
 * 10 GiB → 10,240 blocks. */
static void
test_preset_tensor_parallel (void)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  KvpParams params;

  kvp_params_init_default (&params);
  params.model = kvp_model_lookup ("llama-3-8b", NULL);
  params.max_seq_len = 8192;
  deploy.tensor_parallel_size = 2;
  deploy.kv_cache_bytes = 10 * GIB;
  g_assert_true (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_no_error (error);
  g_assert_true (params.model == &deploy.per_gpu_model);
  g_assert_cmpuint (kvp_model_get_kv_heads (params.model), ==, 4);
  g_assert_cmpuint (deploy.sizing->input.tensor_parallel_size, ==, 2);
  g_assert_cmpuint (deploy.sizing->kv_heads, ==, 4);
  g_assert_cmpuint (deploy.sizing->page_size_bytes, ==, 32768);
  g_assert_cmpuint (deploy.sizing->num_gpu_blocks, ==, 10240);

  kvp_deploy_add_json (&deploy, object);
  g_assert_cmpint (json_object_get_int_member (object, "tensor_parallel_size"), ==, 2);

  /* A split vLLM refuses, with or without a pool to size. */
  deploy.tensor_parallel_size = 3;
  params.model = kvp_model_lookup ("llama-3-8b", NULL);
  g_assert_false (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "--tensor-parallel-size 3"));
}

/* A parameter count too large for 64-bit bytes: the message says which
 * figure overflowed. */
static void
test_weights_overflow (void)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  KvpParams params;

  init_with_config (&deploy, &params, "llama-3-8b.json");
  deploy.gpu = kvp_gpu_lookup ("h100-80gb", NULL);
  deploy.config->num_params = G_MAXUINT64;
  g_assert_false (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW);
  g_assert_cmpstr (error->message, ==, "The weights estimate does not fit in 64 bits.");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/deploy/sim-kv-cache-memory", test_kv_cache_memory);
  g_test_add_func ("/core/deploy/sim-gpu-weights", test_gpu_weights);
  g_test_add_func ("/core/deploy/sim-pool-german", test_pool_german);
  g_test_add_func ("/core/deploy/sim-blocks-given", test_blocks_given);
  g_test_add_func ("/core/deploy/sim-hybrid-groups", test_hybrid_groups);
  g_test_add_func ("/core/deploy/weights-overflow", test_weights_overflow);
  g_test_add_func ("/core/deploy/preset-tensor-parallel", test_preset_tensor_parallel);

  return g_test_run ();
}
