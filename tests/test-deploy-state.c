/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-deploy-state.c: the GPU choices as state, without a display: the
 * sizing the command line gives, and a refusal that is a state of its own. */

#include "config.h"

#include <string.h>

#include "kvp-deploy-state.h"

/* The block count the command line's sizing gives for the state's values. */
static guint32
cli_blocks (KvpState   *state,
            const char *gpu,
            double      utilization,
            guint       tp)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  KvpParams params;

  kvp_state_get_params (state, &params);
  /* The command line starts from the whole model. */
  params.model = kvp_model_lookup ("llama-3-8b", NULL);
  deploy.gpu = kvp_gpu_lookup (gpu, NULL);
  deploy.utilization = utilization;
  deploy.tensor_parallel_size = tp;
  g_assert_true (kvp_deploy_apply (&deploy, &params, &error));
  g_assert_no_error (error);
  return params.num_blocks;
}

static void
test_same_as_cli (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);

  kvp_state_choose_model (state, kvp_model_lookup ("llama-3-8b", NULL));
  g_assert_false (kvp_deploy_state_get_sizes_pool (deploy));
  g_assert_cmpstr (kvp_deploy_state_get_log (deploy), ==, "");

  g_object_set (deploy, "gpu", "h100-80gb", "utilization", 0.5, NULL);
  g_assert_true (kvp_deploy_state_get_sizes_pool (deploy));
  g_assert_true (kvp_deploy_state_get_uses_budget (deploy));
  g_assert_null (kvp_deploy_state_get_refusal (deploy));
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS), ==,
                    cli_blocks (state, "h100-80gb", 0.5, 1));
  g_assert_true (g_str_has_prefix (kvp_deploy_state_get_log (deploy), "Available KV cache memory: "));

  /* Two GPUs: the state shows one GPU's share, sized as the command line does. */
  kvp_deploy_state_set_tensor_parallel_size (deploy, 2);
  g_assert_cmpuint (kvp_model_get_kv_heads (kvp_state_get_model (state)), ==, 4);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS), ==,
                    cli_blocks (state, "h100-80gb", 0.5, 2));

  /* An exact KV memory: the budget no longer applies. */
  g_object_set (deploy, "kv-cache-memory", (guint64) 1 << 30, NULL);
  g_assert_false (kvp_deploy_state_get_uses_budget (deploy));
  g_assert_null (kvp_deploy_state_get_refusal (deploy));
}

/* H100 at 0.03: no memory is left, and the state says so in the window's
 * words; the block count is not taken from the previous sizing. */
static void
test_refusal (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);
  guint64 before;
  kvp_deploy_state_set_gpu (deploy, "h100-80gb");
  before = kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS);
  g_assert_null (kvp_deploy_state_get_refusal (deploy));
  g_assert_nonnull (kvp_deploy_state_get_deploy (deploy));

  kvp_deploy_state_set_utilization (deploy, 0.03);
  g_assert_nonnull (kvp_deploy_state_get_refusal (deploy));
  g_assert_nonnull (strstr (kvp_deploy_state_get_refusal (deploy), "No memory is left for the KV cache"));
  g_assert_nonnull (strstr (kvp_deploy_state_get_refusal (deploy), "raise GPU memory utilization"));
  g_assert_null (strstr (kvp_deploy_state_get_refusal (deploy), "--"));
  g_assert_null (kvp_deploy_state_get_deploy (deploy));
  g_assert_cmpstr (kvp_deploy_state_get_log (deploy), ==, "");

  /* The serving view has no pool either, for the same reason. */
  {
    g_autoptr(GError) error = NULL;
    KvpSimConfig config;

    g_assert_false (kvp_deploy_state_get_sim_config (deploy, &config, &error));
    g_assert_nonnull (strstr (error->message, "GPU memory utilization"));
  }

  kvp_deploy_state_set_utilization (deploy, 0.92);
  g_assert_null (kvp_deploy_state_get_refusal (deploy));
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS), ==, before);

  /* A reservation longer than the KV memory holds. */
  g_object_set (deploy, "kv-cache-memory", (guint64) 1 << 20, NULL);
  kvp_state_set_value (state, KVP_PARAM_MAX_SEQ_LEN, 2048);
  g_assert_nonnull (kvp_deploy_state_get_refusal (deploy));
  g_assert_true (g_str_has_prefix (kvp_deploy_state_get_refusal (deploy), "One request of the maximum length"));
}

/* A comparison owns a copy of its model: the share it was computed for may
 * go (another tensor-parallel size), and a config may be freed, while the
 * comparison is still drawn. */
static void
test_model_lifetime (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", "llama-3-8b.json", NULL);
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);
  g_autoptr(KvpComparison) two = NULL;
  g_autoptr(KvpComparison) from_config = NULL;
  KvpModelConfig *config = kvp_model_config_new_from_file (path, NULL);
  KvpParams params;

  g_assert_nonnull (config);
  kvp_state_choose_model (state, kvp_model_lookup ("llama-3-8b", NULL));
  kvp_deploy_state_set_tensor_parallel_size (deploy, 2);
  two = kvp_comparison_ref (kvp_state_flush (state));
  kvp_deploy_state_set_tensor_parallel_size (deploy, 4);
  g_assert_cmpuint (kvp_model_get_kv_heads (kvp_state_get_model (state)), ==, 2);
  /* The share of two GPUs is freed; the comparison reads its own. */
  g_assert_cmpuint (kvp_model_get_kv_heads (two->params.model), ==, 4);
  g_assert_cmpstr (two->params.model->key, ==, "llama-3-8b");

  kvp_params_init_default (&params);
  params.model = &config->model;
  from_config = kvp_comparison_new (&params, NULL);
  kvp_model_config_unref (config);
  g_assert_cmpstr (from_config->params.model->name, ==, "llama-3-8b");
}

static void
test_name_controls (void)
{
  g_autofree char *a = kvp_deploy_state_name_controls ("raise --gpu-memory-utilization or --gpu-memory.");
  g_autofree char *b = kvp_deploy_state_name_controls ("(--max-model-len 512); --gpus stays");

  g_assert_cmpstr (a, ==, "raise GPU memory utilization or GPU memory.");
  g_assert_cmpstr (b, ==, "(Reserved length 512); --gpus stays");
}

/* A log in the data's README, read as the window reads a pasted one. */
static KvpVllmLog *
read_log (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "vllm-logs", name, NULL);
  g_autofree char *text = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;
  KvpVllmLog *log;

  g_assert_true (g_file_get_contents (path, &text, &length, &error));
  log = kvp_vllm_log_parse (text, length, name, &error);
  g_assert_no_error (error);
  return log;
}

/* A vLLM log given to the window: its settings and measured pool replace
 * the estimates (v0's logged block count, v1's tokens over the block size),
 * and the comparison says, figure by figure, whether they agree. */
static void
test_apply_log (void)
{
  static const struct
  {
    const char *config;
    const char *log;
    guint64     blocks;
    guint64     max_len;
    gboolean    agrees;
  } cases[] = {
    { "configs/llama-3.1-8b.json", "vllm-10517-llama-3.1-8b-v0.6.log", 1952, 20000, TRUE },
    { "data/vllm-logs/qwen3-14b.json", "lmcache-1739-qwen3-14b-v1.log", 2666, 32768, TRUE },
    { "data/vllm-logs/qwen3-14b.json", "inconsistent-qwen3-14b-edited.log", 2791, 32768, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KvpState) state = kvp_state_new ();
      g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, cases[i].config, NULL);
      g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_file (path, NULL);
      g_autoptr(KvpVllmLog) log = read_log (cases[i].log);
      g_autoptr(JsonNode) from_log = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_nonnull (config);
      kvp_deploy_state_set_config (deploy, config);
      kvp_state_choose_model (state, &config->model);
      kvp_state_set_dtype (state, config->dtype);
      /* Estimates first: the log's measurement takes their place. */
      kvp_deploy_state_set_gpu (deploy, "a100-80gb");
      g_assert_true (kvp_deploy_state_get_sizes_pool (deploy));

      from_log = kvp_deploy_state_apply_log (deploy, log, &error);
      g_assert_no_error (error);
      g_assert_nonnull (from_log);
      g_assert_cmpint (json_object_get_boolean_member (json_node_get_object (from_log), "agrees"), ==,
                       cases[i].agrees);
      g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN), ==, cases[i].max_len);
      g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS), ==, cases[i].blocks);
      g_assert_false (kvp_deploy_state_get_sizes_pool (deploy));
      g_assert_null (kvp_deploy_state_get_refusal (deploy));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deploy-state/same-as-cli", test_same_as_cli);
  g_test_add_func ("/deploy-state/refusal", test_refusal);
  g_test_add_func ("/deploy-state/apply-log", test_apply_log);
  g_test_add_func ("/deploy-state/name-controls", test_name_controls);
  g_test_add_func ("/deploy-state/model-lifetime", test_model_lifetime);

  return g_test_run ();
}
