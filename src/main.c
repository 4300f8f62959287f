/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: the kvpage command line.  The headless options (--json, --export,
 * --list-models) are answered in handle-local-options, before any display is
 * opened; everything else opens the window. */

#define G_LOG_DOMAIN "kvpage"

#include "config.h"

#include <inttypes.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "kvp-application.h"
#include "kvp-capacity-picture.h"
#include "kvp-cli.h"
#include "kvp-comparison.h"
#include "kvp-deploy.h"
#include "kvp-deploy-state.h"
#include "kvp-error.h"
#include "kvp-export.h"
#include "kvp-format.h"
#include "kvp-gpu.h"
#include "kvp-json.h"
#include "kvp-model.h"
#include "kvp-model-catalog.h"
#include "kvp-option-rules.h"
#include "kvp-params.h"
#include "kvp-scene.h"
#include "kvp-serving-scene.h"
#include "kvp-serving-steps.h"
#include "kvp-sim-command.h"
#include "kvp-sweep.h"
#include "kvp-state.h"
#include "kvp-simulation.h"
#include "kvp-theme.h"
#include "kvp-vllm-log.h"
#include "kvp-workload.h"


/* The ranges in --help come from kvp-params (describe_ranges ()), the
 * other limits and vLLM's defaults from core (describe_limits ()). */
static GOptionEntry option_entries[] = {
  { "model", 'm', 0, G_OPTION_ARG_STRING, NULL,
    N_("Model preset or shipped config (default tinyllama-1.1b; see --list-models)"), N_("NAME") },
  { "kv-dtype", 'd', 0, G_OPTION_ARG_STRING, NULL,
    N_("KV cache type: auto, fp32, fp16, bf16, fp8 (fp8_e4m3, fp8_e5m2) or int8 (default fp16; with --config, the model’s)"), N_("TYPE") },
  { "seq-len", 'n', 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("TOKENS") },
  { "block-size", 'b', 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("TOKENS") },
  { "blocks", 'N', 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("COUNT") },
  { "max-seq-len", 'r', 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("TOKENS") },
  { "samples", 0, 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("N") },
  { "prompt-len", 0, 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("TOKENS") },
  { "max-model-len", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Another name of --max-seq-len, as vLLM calls it"), N_("TOKENS") },
  { "allow-long-max-model-len", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Accept a --max-model-len longer than the model’s, as vLLM does with VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"), NULL },
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("A Hugging Face config.json (standard JSON, at most 16 MiB) instead of a preset --model"), N_("FILE") },
  { "tensor-parallel-size", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("GPUs the model is split over; figures are for one of them (default 1)"), N_("N") },
  { "gpu", 'g', 0, G_OPTION_ARG_STRING, NULL,
    N_("Size the pool as vLLM does on this GPU (see --list-gpus)"), N_("KEY") },
  { "gpu-memory", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Size the pool on a GPU of this total memory, e.g. 85093777408, 79.25GiB or 80GB (GiB = 2^30 bytes, GB = 10^9; every SIZE may have decimals and is rounded down to a whole byte: 6.51GiB = 6990059274)"), N_("SIZE") },
  { "gpu-memory-utilization", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Share of the GPU memory vLLM takes (default 0.92)"), N_("FRACTION") },
  { "weights-memory", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Weights on one GPU (default: an estimate from the config)"), N_("SIZE") },
  { "activation-memory", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Reserve for activations, CUDA graphs and other memory (default 2GiB, an estimate)"), N_("SIZE") },
  { "kv-cache-memory", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("KV cache memory of one GPU, exactly (as vLLM’s --kv-cache-memory-bytes)"), N_("SIZE") },
  { "max-num-batched-tokens", 0, 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("TOKENS") },
  { "no-async-scheduling", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("As vLLM’s flag: one batch in flight, so sliding-window layers keep fewer blocks"), NULL },
  { "vllm-log", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the KV cache lines vLLM logs at start-up for these settings and exit"), NULL },
  { "from-log", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Compare a vLLM start-up log with kvpage’s figures for its settings, figure by figure, and exit"), N_("FILE") },
  { "list-gpus", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("List the GPU presets and exit"), NULL },
  { "json", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the comparison as JSON and exit"), NULL },
  { "export", 'o', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Write the picture to FILE (.png, .svg or .pdf) and exit"), N_("FILE") },
  { "size", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Size of the exported picture (default 1600x1000)"), N_("WxH") },
  { "scale", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Pixel density of a PNG export, 1 to 4 (default 1)"), N_("N") },
  { "theme", 't', 0, G_OPTION_ARG_STRING, NULL,
    N_("Colours of the exported picture: light or dark (default light)"), N_("THEME") },
  { "view", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --export: sequence (one sequence, the default), serving (a simulated workload at --step) or capacity (a sweep of --request-rate)"), N_("VIEW") },
  { "step", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --view serving: the step of the run to draw (default 0)"), N_("K") },
  { "simulate", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Serve a workload through the paged pool and reserve-ahead caches, print the statistics and exit"), NULL },
  { "workload", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    NULL, N_("NAME|FILE") },
  { "requests", 0, 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("COUNT") },
  { "request-rate", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: Poisson arrivals per second (default 0: all at once); a sweep START:STOP:STEP or 1,2,4 runs each rate and finds the capacity"), N_("RATE") },
  { "max-normalized-latency", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With a sweep: the capacity is the highest rate whose mean normalized latency stays within S seconds per output token (default 0.2)"), N_("S") },
  { "time-scale", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: multiply a workload file’s arrival times by F, 0.001 to 1000 (default 1)"), N_("F") },
  { "seed", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: seed of the generated workload (default 0)"), N_("SEED") },
  { "schemes", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: some of paged, max, pow2, oracle (default all)"), N_("LIST") },
  { "csv", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("With --simulate: write one row per step and scheme to FILE, as the run goes"), N_("FILE") },
  { "enable-prefix-caching", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --simulate: the paged scheme caches full prompt blocks and reuses them, as vLLM v1 (the default)"), NULL },
  { "no-enable-prefix-caching", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --simulate: no prefix caching; every prompt is prefilled in full"), NULL },
  { "shared-prefix", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: every generated prompt starts with the same P tokens (a system prompt, few-shot examples)"), N_("P") },
  { "prefix-groups", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --shared-prefix: K distinct prefixes, request i taking prefix i mod K (default 1)"), N_("K") },
  { "n", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: samples per generated request, 1 to 256, run as vLLM v1’s child requests (default 1)"), N_("N") },
  { "beam-width", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: the paper’s beam search, K candidates a request sharing blocks with copy-on-write, 1 to 64 (default 1: none)"), N_("K") },
  { "max-num-seqs", 0, 0, G_OPTION_ARG_STRING, NULL,
    NULL, N_("N") },
  { "long-prefill-token-threshold", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: tokens of one prefill chunk at most, as vLLM’s (default: no limit)"), N_("TOKENS") },
  { "gpu-flops", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate and a GPU: its dense tensor TFLOP/s at the weights’ type, for the step-time model (default: the preset’s datasheet)"), N_("TFLOPS") },
  { "gpu-bandwidth", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate and a GPU: its memory bandwidth in GB/s, for the step-time model (default: the preset’s datasheet)"), N_("GBPS") },
  { "step-time", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --simulate: every step lasts MS milliseconds (default 40 without a GPU; with one, the roofline model)"), N_("MS") },
  { "list-models", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("List the model presets and exit"), NULL },
  { "version", 'v', 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  /* Collects stray words so they are refused rather than ignored. */
  { G_OPTION_REMAINING, 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, NULL },
  { NULL }
};

/* Reads a numeric option into params, when it is given. */
static gboolean
lookup_param (GVariantDict  *options,
              KvpParams     *params,
              KvpParamId     id,
              GError       **error)
{
  const char *text;
  guint64 value;

  if (!g_variant_dict_lookup (options, kvp_param_get_info (id)->option, "&s", &text))
    return TRUE;

  if (!kvp_param_parse (id, text, &value, error))
    return FALSE;

  kvp_params_set (params, id, value);
  return TRUE;
}

/* Reads the options into params and deploy (the model of --config and the
 * GPU choices; params->model may point into it), sized as vLLM would.  Good
 * values vLLM would not start with are not a mistake in them: TRUE, with
 * why in out_refusal (the window shows it as its state). */
static gboolean
parse_params (GVariantDict  *options,
              KvpParams     *params,
              KvpDeploy     *deploy,
              GError       **out_refusal,
              GError       **error)
{
  const char *text;

  kvp_params_init_default (params);
  if (!kvp_deploy_parse_options (deploy, options, params, error))
    return FALSE;

  /* A shipped config's key is read by kvp_deploy_parse_options. */
  if (deploy->config == NULL && g_variant_dict_lookup (options, "model", "&s", &text))
    {
      params->model = kvp_model_catalog_lookup_preset (text, error);
      if (params->model == NULL)
        return FALSE;
      params->max_seq_len = params->model->max_context;
    }

  if (g_variant_dict_lookup (options, "kv-dtype", "&s", &text) &&
      !kvp_deploy_dtype_from_string (deploy, text, &params->dtype, error))
    return FALSE;

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      if (!lookup_param (options, params, i, error))
        return FALSE;
    }

  /* vLLM's name of the reserved length. */
  if (!kvp_cli_lookup_number (options, "max-model-len", 1, KVP_MAX_SEQ_LEN, &params->max_seq_len, error))
    return FALSE;

  /* The default sequence shrinks to fit a short reservation; a sequence the
   * person asked for does not. */
  if (!g_variant_dict_contains (options, "seq-len"))
    params->seq_len = MIN (params->seq_len, params->max_seq_len);

  if (!kvp_params_validate_options (params, error))
    return FALSE;
  kvp_deploy_apply (deploy, params, out_refusal);
  return kvp_params_validate (params, error);
}

/* Why vLLM would not start, as the command line says it: the words of the
 * window's Block count row, then the reason (the window draws the reason
 * under its own heading). */
static GError *
refused (const char *reason)
{
  /* Translators: as the Block count row's "No pool: vLLM would not start with
   * these settings."; %s is why, in one or more sentences. */
  return g_error_new (KVP_ERROR, KVP_ERROR_INVALID, _("vLLM would not start with these settings: %s"), reason);
}

/* No action asked for: the window opens. */
static gboolean
opens_window (GVariantDict *options)
{
  static const char *actions[] = {
    "version", "list-models", "list-gpus", "json", "export", "from-log", "simulate", "vllm-log",
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_variant_dict_contains (options, actions[i]))
      return FALSE;
  return TRUE;
}

/* The window's state for the options: a KvpState and its KvpDeployState,
 * sized and compared now.  --json, --export, --vllm-log and --simulate read
 * their figures from it, so they are the window's.  On return out_params
 * are the state's values (the model one GPU's share). */
static KvpDeployState *
build_state (const KvpParams  *params,
             const KvpDeploy  *deploy,
             KvpState        **out_state,
             KvpParams        *out_params,
             GError          **error)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) sized = NULL;
  KvpParams whole = *params;

  /* The state divides the whole model among the GPUs itself, and its
   * groups are the sizing's. */
  whole.model = deploy->config != NULL ? &deploy->config->model : kvp_model_lookup (params->model->key, NULL);
  whole.layout = NULL;
  whole.null_block = FALSE;
  kvp_state_set_params (state, &whole);
  sized = kvp_deploy_state_new (state);
  kvp_deploy_state_set_command_line (sized, deploy);
  if (kvp_deploy_state_get_deploy (sized) == NULL)
    {
      g_propagate_error (error, refused (kvp_deploy_state_get_refusal (sized)));
      return NULL;
    }
  if (kvp_state_flush (state) == NULL)
    {
      g_set_error_literal (error, KVP_ERROR, KVP_ERROR_FAILED, _("The KV caches could not be compared."));
      return NULL;
    }

  kvp_state_get_params (state, out_params);
  *out_state = g_steal_pointer (&state);
  return g_steal_pointer (&sized);
}

static int
print_json (KvpState        *state,
            const KvpDeploy *deploy)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  root = kvp_comparison_to_json (kvp_state_flush (state));
  kvp_deploy_add_json (deploy, json_node_get_object (root));
  text = kvp_json_to_string (root);
  g_print ("%s\n", text);

  return KVP_EXIT_SUCCESS;
}

static guint
kvp_catalog_size (void)
{
  guint n = 0;

  kvp_model_catalog_get_entries (&n);
  return n;
}

/* The shipped config's model, or NULL if it cannot be read (never). */
static const KvpModel *
kvp_catalog_model (guint index)
{
  const KvpCatalogEntry *entries = kvp_model_catalog_get_entries (NULL);
  g_autoptr(KvpModelConfig) config = kvp_model_catalog_load (entries[index].key, NULL);

  /* The catalog keeps it for the process. */
  return config != NULL ? &config->model : NULL;
}

static void
print_models (void)
{
  enum { N_COLUMNS = 8 };
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  const KvpModel *const *presets;
  guint n_presets;

  /* Translators: column headings of --list-models. */
  g_ptr_array_add (cells, g_strdup (_("KEY")));
  g_ptr_array_add (cells, g_strdup (_("NAME")));
  g_ptr_array_add (cells, g_strdup (_("LAYERS")));
  g_ptr_array_add (cells, g_strdup (_("HEADS")));
  g_ptr_array_add (cells, g_strdup (_("KV HEADS")));
  g_ptr_array_add (cells, g_strdup (_("HEAD DIM")));
  g_ptr_array_add (cells, g_strdup (_("MAX CONTEXT")));
  g_ptr_array_add (cells, g_strdup (_("BYTES/TOKEN fp16")));

  /* The presets no shipped config replaces, then the shipped configs: the
   * window's model list has the same rows. */
  presets = kvp_model_catalog_get_presets (&n_presets);
  for (guint i = 0; i < n_presets + kvp_catalog_size (); i++)
    {
      const KvpModel *model = i < n_presets ? presets[i] : kvp_catalog_model (i - n_presets);
      guint64 bytes = 0;

      if (model == NULL)
        continue;

      kvp_model_bytes_per_token (model, KVP_DTYPE_FP16, &bytes, NULL);
      g_ptr_array_add (cells, g_strdup (model->key));
      g_ptr_array_add (cells, g_strdup (model->name));
      g_ptr_array_add (cells, g_strdup_printf ("%u", model->num_layers));
      g_ptr_array_add (cells, g_strdup_printf ("%u", model->num_attention_heads));
      if (kvp_model_is_mla (model))
        {
          g_ptr_array_add (cells, g_strdup ("MLA"));
          g_ptr_array_add (cells, g_strdup_printf ("%u+%u", model->kv_lora_rank, model->qk_rope_head_dim));
        }
      else
        {
          g_ptr_array_add (cells, g_strdup_printf ("%u", kvp_model_get_kv_heads (model)));
          g_ptr_array_add (cells, g_strdup_printf ("%u", kvp_model_get_head_dim (model)));
        }
      g_ptr_array_add (cells, g_strdup_printf ("%u", model->max_context));
      g_ptr_array_add (cells, g_strdup_printf ("%" PRIu64, bytes));
    }

  kvp_cli_print_cells (cells, N_COLUMNS, 2);
}

/* decimals: the --kv-cache-memory text had a fraction, which was rounded
 * down to a whole byte. */
static int
print_vllm_log (const KvpDeploy *deploy,
                gboolean         decimals)
{
  g_auto(GStrv) lines = NULL;

  if (deploy->sizing == NULL)
    {
      kvp_cli_printerr (_("--vllm-log needs the KV memory: give --gpu KEY, --gpu-memory SIZE or --kv-cache-memory SIZE."));
      return KVP_EXIT_USAGE;
    }

  lines = kvp_vllm_sizing_get_log_lines (deploy->sizing);
  for (guint i = 0; lines[i] != NULL; i++)
    g_print ("%s\n", lines[i]);

  if (deploy->config != NULL && deploy->config->transformers_source == NULL)
    {
      g_autofree char *shown = kvp_quote (deploy->config->model_type);
      g_autofree char *note =
        g_strdup_printf (_("The model type “%s” is not one whose transformers defaults kvpage knows: read with the "
                           "generic rules, so a key the file leaves out is not filled in as transformers would."),
                         shown);

      kvp_cli_printerr (note);
    }

  /* The lines are vLLM's; what they rest on is said apart from them. */
  if (deploy->has_budget)
    {
      g_autofree char *weights = kvp_format_bytes (deploy->budget.weights_bytes);
      g_autofree char *reserve = kvp_format_bytes (deploy->budget.activation_bytes);
      g_autofree char *basis = g_strdup_printf ("%s %s, %s %s", _("weights"), weights,
                                                _("activation reserve"), reserve);

      kvp_cli_printerr (deploy->weights_estimated
                        ? _("An estimate: the weights are estimated from the config and the activation reserve is a setting; "
                            "give --weights-memory and --activation-memory, or --kv-cache-memory, for vLLM’s own figures.")
                        : _("An estimate: the activation reserve is a setting; give --kv-cache-memory for vLLM’s own figure."));
      kvp_cli_printerr (basis);
    }
  else
    {
      g_autofree char *exact = kvp_format_count (deploy->kv_cache_bytes);
      g_autofree char *note = NULL;

      if (decimals)
        /* Translators: the KV memory in bytes, grouped as 6,990,059,274. */
        note = g_strdup_printf (_("The KV cache memory is %s bytes, as given (a size with decimals "
                                  "is rounded down to a whole byte)."), exact);
      else
        /* Translators: the KV memory in bytes, grouped as 17,179,869,184. */
        note = g_strdup_printf (_("The KV cache memory is %s bytes, as given."), exact);

      kvp_cli_printerr (note);
    }

  return KVP_EXIT_SUCCESS;
}

/* The model a log is compared with: --config or --model, or the shipped
 * config the log's model= names ("Qwen/Qwen3-8B" is qwen3-8b). */
static const KvpModel *
log_model (GVariantDict     *options,
           const KvpParams  *params,
           const KvpDeploy  *deploy,
           const KvpVllmLog *log,
           KvpModelConfig  **out_config)
{
  *out_config = deploy->config != NULL ? kvp_model_config_ref (deploy->config) : NULL;
  if (deploy->config != NULL)
    return &deploy->config->model;
  if (g_variant_dict_contains (options, "model"))
    return kvp_model_lookup (params->model->key, NULL);
  if (log->model != NULL)
    {
      g_autofree char *base = g_path_get_basename (log->model);
      g_autofree char *key = g_ascii_strdown (base, -1);

      if (g_str_has_suffix (key, "-instruct"))
        key[strlen (key) - strlen ("-instruct")] = '\0';
      *out_config = kvp_model_catalog_lookup (key) != NULL ? kvp_model_catalog_load (key, NULL) : NULL;
      if (*out_config != NULL)
        return &(*out_config)->model;
    }
  return NULL;
}

/* --from-log: the log's figures beside kvpage's, as a table or JSON. */
static int
compare_log (GVariantDict    *options,
             const KvpParams *params,
             const KvpDeploy *deploy,
             const char      *path,
             gboolean         exporting,
             gboolean         json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KvpVllmLog) log = NULL;
  g_autoptr(KvpModelConfig) config = NULL;
  g_autoptr(JsonNode) from_log = NULL;
  g_autofree char *display = g_filename_display_name (path);
  KvpVllmLogOptions opts = { 0 };
  gboolean truncated = FALSE;

  if (exporting || g_variant_dict_contains (options, "vllm-log") || g_variant_dict_contains (options, "simulate") ||
      kvp_deploy_sizes_pool (deploy))
    {
      kvp_cli_printerr (_("--from-log takes the memory from the log: it goes with neither --export, --simulate, "
                          "--vllm-log, --gpu, --gpu-memory nor --kv-cache-memory."));
      return KVP_EXIT_USAGE;
    }

  bytes = kvp_vllm_log_read_file (path, &truncated, &error);
  if (bytes != NULL)
    log = kvp_vllm_log_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), display, &error);
  if (log != NULL && (opts.model = log_model (options, params, deploy, log, &config)) == NULL)
    g_set_error (&error, KVP_ERROR, KVP_ERROR_INVALID,
                 _("--from-log needs the model the log ran: give --config FILE or --model KEY."));
  if (opts.model == NULL)
    {
      /* A log that cannot be read (none, a folder) is bad input, as a
       * --config or --workload file is: exit 2. */
      if (g_error_matches (error, KVP_ERROR, KVP_ERROR_FAILED))
        {
          g_prefix_error (&error, "--from-log ");
          kvp_cli_printerr (error->message);
          return KVP_EXIT_USAGE;
        }
      return kvp_cli_fail (error);
    }

  opts.layers = config != NULL ? config->layers : NULL;
  opts.model_dtype = config != NULL ? config->dtype : KVP_DTYPE_DEFAULT;
  opts.tensor_parallel_size = deploy->tensor_parallel_size;
  opts.block_size = g_variant_dict_contains (options, "block-size") ? params->block_size : 0;
  opts.max_model_len = g_variant_dict_contains (options, "max-model-len") ||
                       g_variant_dict_contains (options, "max-seq-len") ? params->max_seq_len : 0;
  opts.kv_dtype_given = g_variant_dict_contains (options, "kv-dtype");
  opts.kv_dtype = params->dtype;
  from_log = kvp_vllm_log_compare (log, &opts, &error);
  if (from_log == NULL)
    {
      kvp_cli_printerr (error->message);
      return KVP_EXIT_USAGE;
    }

  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_take_object (root, json_object_new ());
      json_object_set_member (json_node_get_object (root), "from_log", g_steal_pointer (&from_log));
      text = kvp_json_to_string (root);
      g_print ("%s\n", text);
    }
  else
    {
      g_auto(GStrv) lines = kvp_vllm_log_describe (from_log);

      g_print ("%s: %s\n", display, opts.model->name);
      for (guint i = 0; lines[i] != NULL; i++)
        g_print ("%s\n", lines[i]);
    }
  if (truncated)
    kvp_cli_printerr (_("Only the first 16 MiB of the log were read; vLLM’s start-up lines come before that."));
  return KVP_EXIT_SUCCESS;
}

static void
print_gpus (void)
{
  const KvpGpu *gpus;
  guint n_gpus;

  gpus = kvp_gpu_get_presets (&n_gpus);
  /* Translators: column headings of --list-gpus. */
  g_print ("%-10s  %-24s  %15s  %10s\n", _("KEY"), _("NAME"), _("BYTES"), _("GiB"));
  for (guint i = 0; i < n_gpus; i++)
    g_print ("%-10s  %-24s  %15" PRIu64 "  %10.2f\n", gpus[i].key, gpus[i].name, gpus[i].total_bytes,
             gpus[i].total_bytes / 1073741824.0);
}

static KvpSimulation *run_simulation (GVariantDict    *options,
                                     const KvpParams *params,
                                     const KvpDeploy *deploy,
                                     guint            schemes,
                                     KvpSimConfig    *out_config,
                                     GError         **error);

/* Where and how --export draws, once its options are checked. */
typedef struct
{
  const char      *path;
  KvpThemeVariant  variant;
  int              width, height, scale;
} ExportTarget;

/* Every view's picture goes out here: an output that is an input is bad
 * usage (2); a failed write, 1. */
static int
write_picture (KvpPictureSource   *source,
               const ExportTarget *target)
{
  g_autoptr(GError) error = NULL;

  if (!kvp_export_write (source, kvp_theme_get (target->variant), target->path, target->width, target->height,
                         target->scale, &error))
    return kvp_cli_fail (error);

  return KVP_EXIT_SUCCESS;
}

/* --export FILE --view capacity: the sweep's capacity picture. */
static int
export_capacity (GVariantDict       *options,
                 const KvpParams    *params,
                 const KvpDeploy    *deploy,
                 const ExportTarget *target)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSweep) sweep = NULL;
  g_autoptr(KvpPictureSource) source = NULL;
  KvpWorkloadOptions wopts;
  KvpSimConfig config;

  if (g_variant_dict_contains (options, "step"))
    {
      kvp_cli_printerr (_("--step goes with --view serving."));
      return KVP_EXIT_USAGE;
    }
  if (!kvp_sim_command_prepare (options, deploy, params, 0, &wopts, &config, &error) ||
      (sweep = kvp_sim_command_sweep (options, &wopts, &config, &error)) == NULL)
    return kvp_cli_fail (error);
  source = kvp_capacity_source_new (sweep);

  return write_picture (source, target);
}

/* --export with --view: the serving view's picture, or -1 for the sequence
 * view's. */
static int
export_serving (GVariantDict       *options,
                const KvpParams    *params,
                const KvpDeploy    *deploy,
                const ExportTarget *target)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  g_autoptr(KvpServingSteps) steps = NULL;
  g_autoptr(KvpPictureSource) source = NULL;
  KvpSimConfig config;
  KvpScheme compared = KVP_SCHEME_MAX;
  guint64 step = 0;
  guint mask = 0;
  const char *text = NULL;

  g_variant_dict_lookup (options, "view", "&s", &text);
  if (g_strcmp0 (text, "sequence") == 0)
    {
      if (!g_variant_dict_contains (options, "step"))
        return -1;
      kvp_cli_printerr (_("--step goes with --view serving."));
      return KVP_EXIT_USAGE;
    }
  if (g_strcmp0 (text, "capacity") == 0)
    return export_capacity (options, params, deploy, target);
  if (g_strcmp0 (text, "serving") != 0)
    {
      g_autofree char *quoted = kvp_quote (text);
      g_autofree char *message = g_strdup_printf (_("--view “%s” is not valid: use sequence, serving or capacity."),
                                                  quoted);

      kvp_cli_printerr (message);
      return KVP_EXIT_USAGE;
    }

  if ((g_variant_dict_lookup (options, "step", "&s", &text) &&
       !kvp_cli_parse_number ("step", text, 0, G_MAXUINT32, &step, &error)) ||
      (g_variant_dict_lookup (options, "schemes", "&s", &text) &&
       !kvp_scheme_mask_parse (text, &mask, &error)))
    {
      kvp_cli_printerr (error->message);
      return KVP_EXIT_USAGE;
    }

  if (g_variant_dict_contains (options, "max-normalized-latency"))
    {
      kvp_cli_printerr (_("--max-normalized-latency goes with --view capacity and a sweep of rates."));
      return KVP_EXIT_USAGE;
    }

  /* The view sets the paged pool beside one reserve-ahead scheme. */
  if (mask != 0)
    {
      guint others = mask & ~(1u << KVP_SCHEME_PAGED);

      if (others == 0 || (others & (others - 1)) != 0)
        {
          kvp_cli_printerr (_("--view serving compares the paged pool with one reserve-ahead scheme: give --schemes max, pow2 or oracle."));
          return KVP_EXIT_USAGE;
        }
      compared = (KvpScheme) g_bit_nth_lsf (others, -1);
    }

  sim = run_simulation (options, params, deploy, (1u << KVP_SCHEME_PAGED) | (1u << compared), &config, &error);
  if (sim != NULL)
    steps = kvp_serving_steps_new (sim, compared, &error);
  if (steps == NULL || !kvp_serving_steps_check_step (steps, step, &error))
    {
      return kvp_cli_fail (error);
    }

  source = kvp_serving_scene_source_new (steps, (guint) step, NULL);

  return write_picture (source, target);
}

static int
export_picture (GVariantDict    *options,
                KvpState        *state,
                const KvpParams *params,
                const KvpDeploy *deploy,
                const char      *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpPictureSource) source = NULL;
  ExportTarget target = {
    .path = path,
    .variant = KVP_THEME_LIGHT,
    .width = KVP_EXPORT_DEFAULT_WIDTH,
    .height = KVP_EXPORT_DEFAULT_HEIGHT,
    .scale = 1,
  };
  KvpExportFormat format;
  const char *text;

  /* Every usage mistake is found before anything is written. */
  if (!kvp_export_format_from_path (path, &format, &error) ||
      (g_variant_dict_lookup (options, "size", "&s", &text) &&
       !kvp_export_parse_size (text, &target.width, &target.height, &error)) ||
      (g_variant_dict_lookup (options, "scale", "&s", &text) &&
       !kvp_export_parse_scale (text, &target.scale, &error)) ||
      !kvp_export_check_size (format, target.width, target.height, target.scale, &error) ||
      (g_variant_dict_lookup (options, "theme", "&s", &text) &&
       !kvp_theme_variant_from_string (text, &target.variant, &error)))
    {
      kvp_cli_printerr (error->message);
      return KVP_EXIT_USAGE;
    }

  if (g_variant_dict_contains (options, "view"))
    {
      int status = export_serving (options, params, deploy, &target);

      if (status >= 0)
        return status;
    }

  /* The state's comparison: the window's figures. */
  source = kvp_scene_source_new (kvp_state_flush (state));

  return write_picture (source, &target);
}

/* The workload options of --simulate and --view serving: checked (usage
 * mistakes are KVP_ERROR_INVALID), then the simulation run over schemes
 * (0: the ones --schemes names, or all) on the pool the memory options give,
 * which out_config receives. */
static KvpSimulation *
run_simulation (GVariantDict    *options,
                const KvpParams *params,
                const KvpDeploy *deploy,
                guint            schemes,
                KvpSimConfig    *out_config,
                GError         **error)
{
  g_autoptr(KvpWorkload) workload = NULL;
  KvpWorkloadOptions wopts;

  const char *rate;

  if (!kvp_sim_command_prepare (options, deploy, params, schemes, &wopts, out_config, error))
    return NULL;

  if (g_variant_dict_lookup (options, "request-rate", "&s", &rate) && kvp_sweep_is_sweep (rate))
    {
      g_set_error_literal (error, KVP_ERROR, KVP_ERROR_INVALID,
                           _("--view serving draws one run: give --request-rate a single rate, or use --view capacity "
                             "for a sweep of rates."));
      return NULL;
    }

  workload = kvp_sim_command_new_workload (options, &wopts, error);
  if (workload == NULL)
    return NULL;

  return kvp_simulation_new (workload, out_config, NULL, error);
}

/* Stray words are refused rather than ignored. */
static gboolean
check_remaining (GVariantDict *options)
{
  g_autofree const char **remaining = NULL;
  g_autofree char *display = NULL;
  g_autofree char *message = NULL;

  if (!g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &remaining))
    return TRUE;

  display = kvp_quote (remaining[0]);
  message = g_strdup_printf (_("Unexpected argument “%s”: kvpage takes only options, each value after its option (see --help)."),
                             display);
  kvp_cli_printerr (message);
  return FALSE;
}

/* --version, --list-models, --list-gpus: TRUE when one was answered. */
static gboolean
print_lists (GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    g_print ("kvpage %s\n", PACKAGE_VERSION);
  else if (g_variant_dict_contains (options, "list-models"))
    print_models ();
  else if (g_variant_dict_contains (options, "list-gpus"))
    print_gpus ();
  else
    return FALSE;
  return TRUE;
}

/* The options for the window: values given win over the remembered ones;
 * without any, the window opens as it was left. */
static int
open_window (GApplication    *app,
             GVariantDict    *options,
             KvpParams       *params,
             const KvpDeploy *deploy)
{
  static const char *value_options[] = {
    "model", "kv-dtype", "seq-len", "block-size", "blocks", "max-seq-len", "max-model-len",
    "samples", "prompt-len",
  };

  if (!gtk_init_check ())
    {
      kvp_cli_printerr (_("There is no display to open the window on; to get the picture without one, use --export FILE.png."));
      return KVP_EXIT_FAILURE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (value_options); i++)
    {
      if (g_variant_dict_contains (options, value_options[i]))
        {
          /* The window divides the whole model among GPUs itself. */
          params->model = deploy->config != NULL ? &deploy->config->model : kvp_model_lookup (params->model->key, NULL);
          /* The groups are the sizing's, which the window redoes. */
          params->layout = NULL;
          params->null_block = FALSE;
          kvp_application_set_launch_params (KVP_APPLICATION (app), params);
          break;
        }
    }
  kvp_application_set_launch_deploy (KVP_APPLICATION (app), deploy);

  return -1;
}

/* The simulation's own options (kvp_sim_command_get_options ()) mean
 * nothing without one: --simulate, or an export of --view serving or
 * capacity (which writes no CSV). */
static gboolean
check_simulate_options (GVariantDict *options)
{
  const char *view = NULL;
  gboolean picture = g_variant_dict_lookup (options, "view", "&s", &view) &&
                     (g_strcmp0 (view, "serving") == 0 || g_strcmp0 (view, "capacity") == 0);
  guint n_simulate;
  const char * const *simulate_options = kvp_sim_command_get_options (&n_simulate);

  if (g_variant_dict_contains (options, "simulate"))
    return TRUE;
  for (guint i = 0; i < n_simulate; i++)
    if (g_variant_dict_contains (options, simulate_options[i]) &&
        (!picture || strcmp (simulate_options[i], "csv") == 0))
      {
        g_autofree char *message = g_strdup_printf (_("--%s goes with --simulate."), simulate_options[i]);

        kvp_cli_printerr (message);
        return FALSE;
      }
  return TRUE;
}

static int
handle_local_options_cb (GApplication *app,
                         GVariantDict *options,
                         gboolean     *options_handled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) refusal = NULL;
  g_autoptr(KvpState) state = NULL;
  g_autoptr(KvpDeployState) sized = NULL;
  g_auto(KvpDeploy) deploy = { 0 };
  KvpParams shown;
  const char *export_path = NULL;
  const char *log_path = NULL;
  gboolean json;
  KvpParams params;

  *options_handled = TRUE;

  if (!check_remaining (options))
    return KVP_EXIT_USAGE;

  /* Values are checked even when they go unused, so a typo is never ignored. */
  if (!parse_params (options, &params, &deploy, &refusal, &error))
    {
      kvp_cli_printerr (error->message);
      return KVP_EXIT_USAGE;
    }
  /* Options that cannot go together are said before what they would size. */
  if (!kvp_option_rules_check (options, KVP_OPTION_RULES_ACTIONS, &error))
    {
      kvp_cli_printerr (error->message);
      return KVP_EXIT_USAGE;
    }
  /* The window opens with the refusal shown; what prints figures has none. */
  if (refusal != NULL && !opens_window (options))
    {
      g_autoptr(GError) said = refused (refusal->message);

      kvp_cli_printerr (said->message);
      return KVP_EXIT_USAGE;
    }

  if (print_lists (options))
    return KVP_EXIT_SUCCESS;

  json = g_variant_dict_contains (options, "json");
  g_variant_dict_lookup (options, "export", "^&ay", &export_path);

  if (g_variant_dict_lookup (options, "from-log", "^&ay", &log_path))
    return compare_log (options, &params, &deploy, log_path, export_path != NULL, json);
  if (!check_simulate_options (options))
    return KVP_EXIT_USAGE;
  if (opens_window (options))
    return open_window (app, options, &params, &deploy);

  /* Every figure from the state the window would show. */
  sized = build_state (&params, &deploy, &state, &shown, &error);
  if (sized == NULL)
    return kvp_cli_fail (error);
  if (g_variant_dict_contains (options, "simulate"))
    return kvp_sim_command_run (options, kvp_deploy_state_get_deploy (sized), &shown, json);
  if (g_variant_dict_contains (options, "vllm-log"))
    {
      const char *kv_text = NULL;

      g_variant_dict_lookup (options, "kv-cache-memory", "&s", &kv_text);
      return print_vllm_log (kvp_deploy_state_get_deploy (sized), kv_text != NULL && strchr (kv_text, '.') != NULL);
    }
  if (json)
    return print_json (state, kvp_deploy_state_get_deploy (sized));
  return export_picture (options, state, &shown, kvp_deploy_state_get_deploy (sized), export_path);
}

/* The ranges --help gives are kvp-params' own, grouped as the errors that
 * refuse a value outside them. */
static void
describe_ranges (void)
{
  for (GOptionEntry *entry = option_entries; entry->long_name != NULL; entry++)
    {
      int id = kvp_param_lookup (entry->long_name);
      const KvpParamInfo *info;
      g_autofree char *min = NULL;
      g_autofree char *max = NULL;
      g_autofree char *default_value = NULL;

      if (id == KVP_PARAM_NONE)
        continue;
      info = kvp_param_get_info (id);
      min = kvp_format_count (info->min);
      max = kvp_format_count (info->max);
      default_value = kvp_format_count (info->default_value);
      switch ((KvpParamId) id)
        {
        case KVP_PARAM_SEQ_LEN:
          /* Translators: --help for --seq-len; the default length. */
          entry->description = g_strdup_printf (_("Tokens in the sequence, at most the reserved length (default %s)"),
                                                default_value);
          break;
        case KVP_PARAM_BLOCK_SIZE:
          /* Translators: --help for --block-size: the least, the most, the default. */
          entry->description = g_strdup_printf (_("Tokens per block, %s to %s (default %s)"),
                                                min, max, default_value);
          break;
        case KVP_PARAM_NUM_BLOCKS:
          /* Translators: --help for --blocks: the least, the most, the default. */
          entry->description = g_strdup_printf (_("Blocks in the pool, %s to %s (default %s)"),
                                                min, max, default_value);
          break;
        case KVP_PARAM_MAX_SEQ_LEN:
          /* Translators: --help for --max-seq-len: the least and the most. */
          entry->description = g_strdup_printf (_("Tokens a traditional cache reserves, %s to %s (default: the model’s context)"),
                                                min, max);
          break;
        case KVP_PARAM_SAMPLES:
          /* Translators: --help for --samples: the least, the most; vLLM's name in parentheses. */
          entry->description = g_strdup_printf (_("Samples of one prompt sharing its blocks (vLLM’s SamplingParams.n), %s to %s (default 1)"),
                                                min, max);
          break;
        case KVP_PARAM_PROMPT_LEN:
          /* Translators: --help for --prompt-len. */
          entry->description = g_strdup_printf (_("Tokens of the sequence that are the prompt the samples share, at most the sequence length (default %s)"),
                                                default_value);
          break;
        case KVP_N_PARAMS:
        default:
          break;
        }
    }
}

/* Limits and vLLM's defaults in --help, from the rules that apply them,
 * grouped as the refusals of a value past them. */
static void
describe_limits (void)
{
  const guint64 gib = G_GUINT64_CONSTANT (1) << 30;
  g_autofree char *most_requests = kvp_format_count (KVP_WORKLOAD_MAX_REQUESTS);
  g_autofree char *default_requests = kvp_format_count (KVP_WORKLOAD_DEFAULT_REQUESTS);
  g_autofree char *batched_large = kvp_format_count (kvp_gpu_default_batched_tokens (160 * gib, FALSE));
  g_autofree char *batched_medium = kvp_format_count (kvp_gpu_default_batched_tokens (70 * gib, FALSE));
  g_autofree char *batched_small = kvp_format_count (kvp_gpu_default_batched_tokens (0, FALSE));
  g_autofree char *seqs_large = kvp_format_count (kvp_gpu_default_max_num_seqs (70 * gib, FALSE));
  g_autofree char *seqs_small = kvp_format_count (kvp_gpu_default_max_num_seqs (0, FALSE));

  for (GOptionEntry *entry = option_entries; entry->long_name != NULL; entry++)
    {
      if (g_str_equal (entry->long_name, "workload"))
        /* Translators: --help for --workload; the most requests a file may hold. */
        entry->description = g_strdup_printf (_("With --simulate: sharegpt, alpaca, conversation, fixed:P,O, uniform:P1-P2,O1-O2, or a JSON Lines or CSV file of at most %s requests (default sharegpt)"),
                                              most_requests);
      else if (g_str_equal (entry->long_name, "requests"))
        /* Translators: --help for --requests: the most, the default. */
        entry->description = g_strdup_printf (_("With --simulate: requests to generate, 1 to %s (default %s; a file: all, or its first N)"),
                                              most_requests, default_requests);
      else if (g_str_equal (entry->long_name, "max-num-batched-tokens"))
        /* Translators: --help for --max-num-batched-tokens: vLLM's defaults by GPU memory. */
        entry->description = g_strdup_printf (_("Tokens vLLM schedules per step (default as vLLM: %s on GPUs of 160 GiB or more, %s from 70 GiB but on A100s, else %s)"),
                                              batched_large, batched_medium, batched_small);
      else if (g_str_equal (entry->long_name, "max-num-seqs"))
        /* Translators: --help for --max-num-seqs: vLLM's defaults by GPU memory. */
        entry->description = g_strdup_printf (_("With --simulate: requests running at once, as vLLM’s (default as vLLM: %s on GPUs of 70 GiB or more but A100s, else %s)"),
                                              seqs_large, seqs_small);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(KvpApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  gboolean options_handled = FALSE;
  const char *localedir;
  int status;

  /* KVPAGE_LOCALEDIR points an uninstalled build at its own catalogs
   * (build/po), so tests and build-aux/run speak the person's language. */
  kvp_cli_init ();

  localedir = g_getenv ("KVPAGE_LOCALEDIR");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("kvpage");

  describe_ranges ();
  describe_limits ();
  app = kvp_application_new ();
  g_application_add_main_option_entries (G_APPLICATION (app), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (app), NULL);
  g_application_set_option_context_summary (G_APPLICATION (app),
                                            _("See how a PagedAttention block allocator stores an LLM’s KV cache."));
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), &options_handled);

  /* GLib's parser would answer a malformed command line in its own words. */
  if (!kvp_cli_check_args (option_entries, argc, argv, &error))
    {
      kvp_cli_printerr (error->message);
      return KVP_EXIT_USAGE;
    }

  status = g_application_run (G_APPLICATION (app), argc, argv);

  /* GApplication answers a malformed command line (an unknown option, a
   * missing value) with status 1 before our handler runs; that is bad usage. */
  if (!options_handled && status == KVP_EXIT_FAILURE)
    return KVP_EXIT_USAGE;

  return kvp_cli_finish (status);
}
