/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-sim-command.c: kvpage --simulate — the scheduler's options read and
 * checked before anything runs, the run kept as a summary (its steps
 * streamed to --csv when asked), and printed as tables or JSON. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "kvp-beam-search.h"
#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-file-writer.h"
#include "kvp-gpu-perf.h"
#include "kvp-json.h"
#include "kvp-sim-command.h"
#include "kvp-sweep.h"
#include "kvp-workload-sharing.h"

/* Flushed to the file past this many bytes. */
#define CSV_CHUNK (1u << 20)

static const char *simulate_options[] = {
  "workload", "requests", "request-rate", "time-scale", "seed", "schemes", "csv", "max-num-seqs",
  "long-prefill-token-threshold", "step-time", "gpu-flops", "gpu-bandwidth", "max-normalized-latency",
  "enable-prefix-caching", "no-enable-prefix-caching", "shared-prefix", "prefix-groups", "n", "beam-width",
};

const char * const *
kvp_sim_command_get_options (guint *n_options)
{
  g_return_val_if_fail (n_options != NULL, NULL);

  *n_options = G_N_ELEMENTS (simulate_options);
  return simulate_options;
}

/* --step-time MS: a constant step, in milliseconds (decimals allowed). */
static gboolean
parse_step_time (const char  *text,
                 guint64     *out_ns,
                 GError     **error)
{
  double ms = 0.0;

  if (!kvp_cli_text_to_double (text, &ms) || ms < 0.001 || ms > KVP_STEP_TIME_MAX_NS / 1e6)
    {
      g_autofree char *quoted = kvp_quote (text);
      g_autofree char *most = kvp_format_whole (KVP_STEP_TIME_MAX_NS / 1e6);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--step-time “%s” is not valid: give the milliseconds a step lasts, from 0.001 to %s."),
                   quoted, most);
      return FALSE;
    }
  *out_ns = (guint64) MAX (llround (ms * 1e6), 1);

  return TRUE;
}

/* A positive figure of --option in its unit, at most max. */
static gboolean
lookup_figure (GVariantDict  *options,
               const char    *option,
               double         max,
               const char    *unit,
               double        *out,
               GError       **error)
{
  const char *text;
  double value = 0.0;

  if (!g_variant_dict_lookup (options, option, "&s", &text))
    return TRUE;
  if (!kvp_cli_text_to_double (text, &value) || value <= 0 || value > max)
    {
      g_autofree char *quoted = kvp_quote (text);
      g_autofree char *most = kvp_format_whole (max);

      /* Translators: the option, its value, the unit, the largest value
       * (a whole number, grouped as the other limits are). */
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("--%s “%s” is not valid: give %s, more than 0 and at most %s."),
                   option, quoted, unit, most);
      return FALSE;
    }
  *out = value;

  return TRUE;
}

/* The GPU's peaks: a preset's datasheet figures, or the person's. */
static gboolean
get_gpu_peaks (GVariantDict      *options,
               const KvpDeploy   *deploy,
               KvpRooflineInput  *in,
               GError           **error)
{
  const KvpGpuPerf *perf = deploy->gpu != NULL ? kvp_gpu_perf_lookup (deploy->gpu->key) : NULL;
  double tflops = 0;
  double gbps = 0;

  if (perf != NULL)
    {
      in->flops_16bit = perf->flops_16bit;
      in->flops_8bit = perf->flops_8bit;
      in->bandwidth = perf->bandwidth;
      in->link_bandwidth = perf->link_bandwidth;
    }
  if (!lookup_figure (options, "gpu-flops", 1e6, _("dense TFLOP/s"), &tflops, error) ||
      !lookup_figure (options, "gpu-bandwidth", 1e6, _("GB/s"), &gbps, error))
    return FALSE;
  /* The person's figure is the peak at the weights' type, whatever it is. */
  if (tflops > 0)
    in->flops_16bit = in->flops_8bit = tflops * 1e12;
  if (gbps > 0)
    in->bandwidth = gbps * 1e9;

  return TRUE;
}

/* With a GPU and no --step-time, each step lasts what the roofline says. */
static gboolean
apply_roofline (GVariantDict        *options,
                const KvpDeploy     *deploy,
                const KvpParams     *params,
                KvpSimConfig        *config,
                GError             **error)
{
  gboolean has_gpu = deploy->gpu != NULL || deploy->gpu_memory_bytes > 0;
  gboolean peaks_given = g_variant_dict_contains (options, "gpu-flops") ||
                         g_variant_dict_contains (options, "gpu-bandwidth");
  const KvpModel *model = params->model;
  KvpRooflineInput in = { 0 };
  guint64 kv_bytes = 0;

  if (peaks_given && !has_gpu)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--%s goes with a GPU: add --gpu KEY (see --list-gpus) or --gpu-memory SIZE."),
                   g_variant_dict_contains (options, "gpu-flops") ? "gpu-flops" : "gpu-bandwidth");
      return FALSE;
    }
  if (peaks_given && config->step_time.constant_ns > 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--step-time and --%s cannot go together: a step of constant length has no roofline."),
                   g_variant_dict_contains (options, "gpu-flops") ? "gpu-flops" : "gpu-bandwidth");
      return FALSE;
    }
  if (!has_gpu || config->step_time.constant_ns > 0)
    return TRUE;

  if (!get_gpu_peaks (options, deploy, &in, error))
    return FALSE;
  if (in.flops_16bit <= 0 || in.bandwidth <= 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The step-time model needs the GPU’s peaks: give both --gpu-flops TFLOPS and --gpu-bandwidth "
                     "GB/s for a GPU of your own, or --step-time MS."));
      return FALSE;
    }

  if (deploy->config != NULL)
    {
      in.params = deploy->config->num_params;
      in.active_params = deploy->config->num_active_params;
      in.routed_params = deploy->config->num_routed_expert_params;
      in.bytes_per_param = deploy->config->weight_bytes_per_param;
    }
  else
    {
      in.params = in.active_params = kvp_deploy_get_preset_params (model->key);
      in.bytes_per_param = 2.0;
    }
  if (in.params <= 0 || !kvp_model_bytes_per_token (model, params->dtype, &kv_bytes, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                     _("The step-time model needs the model’s parameters, which this preset does not give: use "
                       "--config FILE, or --step-time MS."));
      return FALSE;
    }

  in.weight_bytes = deploy->has_budget ? (double) deploy->budget.weights_bytes : 0;
  in.kv_bytes_per_token = (double) kv_bytes;
  in.tensor_parallel = MAX (deploy->tensor_parallel_size, 1);
  in.num_layers = model->num_layers;
  in.num_heads = model->num_attention_heads;
  in.head_dim = kvp_model_get_head_dim (model);
  in.hidden_size = model->hidden_size;
  kvp_step_time_init_roofline (&config->step_time, &in);

  return TRUE;
}

gboolean
kvp_sim_command_get_config (GVariantDict     *options,
                            const KvpDeploy  *deploy,
                            const KvpParams  *params,
                            KvpSimConfig     *out_config,
                            GError          **error)
{
  guint64 value;
  const char *text;

  g_return_val_if_fail (options != NULL && deploy != NULL && params != NULL, FALSE);
  g_return_val_if_fail (out_config != NULL, FALSE);

  if (!kvp_deploy_get_sim_config (deploy, params, out_config, error))
    return FALSE;

  if (g_variant_dict_contains (options, "max-num-seqs"))
    {
      if (!kvp_cli_lookup_number (options, "max-num-seqs", 1, KVP_SIM_COMMAND_MAX_SEQS, &value, error))
        return FALSE;
      out_config->max_num_seqs = (guint32) value;
    }
  if (g_variant_dict_contains (options, "long-prefill-token-threshold"))
    {
      if (!kvp_cli_lookup_number (options, "long-prefill-token-threshold", 1, KVP_DEPLOY_MAX_BATCHED_TOKENS, &value,
                                  error))
        return FALSE;
      out_config->long_prefill_token_threshold = (guint32) value;
    }
  if (g_variant_dict_lookup (options, "step-time", "&s", &text) &&
      !parse_step_time (text, &out_config->step_time.constant_ns, error))
    return FALSE;

  /* On by default, as in vLLM v1. */
  if (g_variant_dict_contains (options, "enable-prefix-caching") &&
      g_variant_dict_contains (options, "no-enable-prefix-caching"))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--enable-prefix-caching and --no-enable-prefix-caching cannot go together: give one."));
      return FALSE;
    }
  out_config->no_prefix_caching = g_variant_dict_contains (options, "no-enable-prefix-caching");
  if (g_variant_dict_contains (options, "beam-width"))
    {
      if (!kvp_cli_lookup_number (options, "beam-width", 1, KVP_BEAM_SEARCH_MAX_WIDTH, &value, error))
        return FALSE;
      out_config->beam_width = (guint32) value;
    }

  return apply_roofline (options, deploy, params, out_config, error);
}

typedef struct
{
  KvpFileWriter *writer;
  const char    *path;
  GString       *buffer;
  int            saved_errno;
} CsvStream;

static void
csv_flush (CsvStream *csv)
{
  gsize done = 0;
  int fd = kvp_file_writer_get_fd (csv->writer);

  while (csv->saved_errno == 0 && done < csv->buffer->len)
    {
      gssize n = write (fd, csv->buffer->str + done, csv->buffer->len - done);

      if (n < 0 && errno != EINTR)
        csv->saved_errno = errno;
      else if (n > 0)
        done += (gsize) n;
    }
  g_string_truncate (csv->buffer, 0);
}

static void
csv_step_cb (KvpScheme         scheme,
             guint64           index,
             const KvpSimStep *step,
             gpointer          user_data)
{
  CsvStream *csv = user_data;

  kvp_sim_csv_append_step (csv->buffer, scheme, index, step);
  if (csv->buffer->len >= CSV_CHUNK)
    csv_flush (csv);
}

/* Runs the simulation, streaming its steps into --csv when given: the file
 * is written beside its place and renamed only when the run is complete. */
static KvpSimulation *
run_streaming (KvpWorkload        *workload,
               const KvpSimConfig *config,
               const char         *csv_path,
               GError            **error)
{
  g_autoptr(KvpFileWriter) writer = NULL;
  g_autoptr(GString) buffer = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  CsvStream csv = { 0 };

  if (csv_path == NULL)
    return kvp_simulation_new (workload, config, NULL, error);

  writer = kvp_file_writer_new (csv_path, error);
  if (writer == NULL)
    return NULL;
  buffer = g_string_sized_new (CSV_CHUNK + 4096);
  csv = (CsvStream) { writer, csv_path, buffer, 0 };
  kvp_sim_csv_append_header (buffer);

  sim = kvp_simulation_new_full (workload, config, csv_step_cb, &csv, NULL, error);
  if (sim == NULL)
    return NULL;
  csv_flush (&csv);
  if (csv.saved_errno != 0)
    {
      kvp_set_write_error (error, csv_path, g_strerror (csv.saved_errno));
      return NULL;
    }
  if (!kvp_file_writer_commit (writer, error))
    return NULL;

  return g_steal_pointer (&sim);
}

static void
print_text (KvpSimulation      *sim,
            const KvpDeploy    *deploy,
            const KvpSimConfig *config)
{
  g_autofree char *pool = kvp_deploy_describe_sim_pool (deploy, config);
  g_autofree char *workload_line = kvp_simulation_describe_workload (sim);
  g_autofree char *scheduler = kvp_simulation_describe_scheduler (sim);
  g_autofree char *groups = kvp_simulation_describe_groups (sim);
  g_autofree char *skipped = kvp_workload_describe_skipped (kvp_simulation_get_workload (sim));
  g_autofree char *description = NULL;
  g_autoptr(GPtrArray) cells = NULL;
  g_autoptr(GPtrArray) metrics = NULL;
  guint n_columns;
  guint n_metric_columns;

  description = pool != NULL ? g_strconcat (workload_line, "\n", pool, NULL) : kvp_simulation_describe (sim);
  /* The requests a file left out go under the workload's line. */
  if (skipped != NULL)
    {
      const char *rest = strchr (description, '\n');
      char *joined = g_strdup_printf ("%.*s\n%s%s", (int) (rest - description), description, skipped, rest);

      g_free (description);
      description = joined;
    }
  cells = kvp_simulation_get_table (sim, &n_columns);
  metrics = kvp_simulation_get_metrics_table (sim, &n_metric_columns);
  if (groups != NULL)
    g_print ("%s\n%s\n%s\n\n", description, groups, scheduler);
  else
    g_print ("%s\n%s\n\n", description, scheduler);
  kvp_cli_print_cells (cells, n_columns, 1);
  g_print ("\n");
  kvp_cli_print_cells (metrics, n_metric_columns, 1);
}

/* --shared-prefix, --prefix-groups, --n: what a generated workload's
 * requests share (kvp_workload_share applies them). */
static gboolean
get_sharing_options (GVariantDict        *options,
                     const KvpParams     *params,
                     KvpWorkloadOptions  *wopts,
                     GError             **error)
{
  guint64 value;

  if (g_variant_dict_contains (options, "shared-prefix"))
    {
      if (!kvp_cli_lookup_number (options, "shared-prefix", 1, MAX (params->max_seq_len, 2) - 1, &value, error))
        return FALSE;
      wopts->shared_prefix = (guint32) value;
    }
  if (g_variant_dict_contains (options, "prefix-groups"))
    {
      if (!kvp_cli_lookup_number (options, "prefix-groups", 1, KVP_WORKLOAD_MAX_PREFIX_GROUPS, &value, error))
        return FALSE;
      wopts->prefix_groups = (guint32) value;
      if (wopts->shared_prefix == 0)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("--prefix-groups spreads the requests over shared prefixes: give their length with "
                         "--shared-prefix P."));
          return FALSE;
        }
    }
  if (g_variant_dict_contains (options, "n"))
    {
      if (!kvp_cli_lookup_number (options, "n", 1, KVP_WORKLOAD_MAX_SAMPLES, &value, error))
        return FALSE;
      wopts->samples = (guint32) value;
    }

  return TRUE;
}

/* The workload options, checked; n_requests 0: the generators' default, or
 * all of a file's requests. */
static gboolean
get_workload_options (GVariantDict        *options,
                      const KvpParams     *params,
                      KvpWorkloadOptions  *wopts,
                      GError             **error)
{
  static const char *numbers[] = { "requests", "time-scale", "seed" };
  const char *text;

  kvp_workload_options_init (wopts);
  wopts->n_requests = 0;
  wopts->max_len = (guint32) params->max_seq_len;
  g_variant_dict_lookup (options, "workload", "^&ay", &wopts->source);

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    if (g_variant_dict_lookup (options, numbers[i], "&s", &text) &&
        !kvp_workload_options_parse (wopts, numbers[i], text, error))
      return FALSE;

  return get_sharing_options (options, params, wopts, error);
}

gboolean
kvp_sim_command_prepare (GVariantDict        *options,
                         const KvpDeploy     *deploy,
                         const KvpParams     *params,
                         guint                schemes,
                         KvpWorkloadOptions  *out_workload,
                         KvpSimConfig        *out_config,
                         GError             **error)
{
  const char *text;

  g_return_val_if_fail (options != NULL && out_workload != NULL && out_config != NULL, FALSE);

  if (!kvp_sim_command_get_config (options, deploy, params, out_config, error) ||
      !get_workload_options (options, params, out_workload, error))
    return FALSE;

  out_config->schemes = schemes;
  if (schemes == 0 && g_variant_dict_lookup (options, "schemes", "&s", &text) &&
      !kvp_scheme_mask_parse (text, &out_config->schemes, error))
    return FALSE;

  /* Only the paged scheme caches; the reserve-ahead ones share nothing. */
  if (out_config->schemes != 0 && (out_config->schemes & (1u << KVP_SCHEME_PAGED)) == 0 &&
      (g_variant_dict_contains (options, "enable-prefix-caching") ||
       g_variant_dict_contains (options, "no-enable-prefix-caching")))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--%s concerns the paged scheme’s prefix cache, and --schemes leaves the paged scheme out."),
                   g_variant_dict_contains (options, "enable-prefix-caching") ? "enable-prefix-caching"
                                                                               : "no-enable-prefix-caching");
      return FALSE;
    }

  return TRUE;
}

KvpWorkload *
kvp_sim_command_new_workload (GVariantDict        *options,
                              KvpWorkloadOptions  *wopts,
                              GError             **error)
{
  const char *text;
  const char *source;

  g_return_val_if_fail (options != NULL && wopts != NULL, NULL);

  if (g_variant_dict_lookup (options, "request-rate", "&s", &text) &&
      !kvp_workload_options_parse (wopts, "request-rate", text, error))
    return NULL;

  /* The seed draws the built-ins' and uniform's lengths and Poisson
   * arrivals; fixed lengths or a file's, all arriving at once or at the
   * file's times, draw nothing. */
  source = wopts->source != NULL ? wopts->source : "sharegpt";
  if (g_variant_dict_contains (options, "seed") && wopts->request_rate == 0.0 &&
      !g_str_equal (source, "sharegpt") && !g_str_equal (source, "alpaca") && !g_str_equal (source, "conversation") &&
      !g_str_has_prefix (source, "uniform:"))
    {
      g_autofree char *quoted = kvp_quote (source);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--seed has nothing to draw: the workload “%s” gives every length, and nothing arrives at random "
                     "without --request-rate; leave --seed out, or give a rate."),
                   quoted);
      return NULL;
    }

  return kvp_workload_new (wopts, error);
}

static int
run_one (GVariantDict       *options,
         const KvpDeploy    *deploy,
         KvpWorkloadOptions *wopts,
         KvpSimConfig       *config,
         gboolean            json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  const char *csv_path = NULL;

  g_variant_dict_lookup (options, "csv", "^&ay", &csv_path);
  workload = kvp_sim_command_new_workload (options, wopts, &error);
  if (workload != NULL)
    sim = run_streaming (workload, config, csv_path, &error);
  if (sim == NULL)
    return kvp_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonNode) root = kvp_simulation_to_json (sim);
      g_autofree char *out = NULL;

      kvp_deploy_add_sim_json (deploy, config, json_node_get_object (root));
      out = kvp_json_to_string (root);
      g_print ("%s\n", out);
    }
  else if (csv_path == NULL)
    print_text (sim, deploy, config);

  return EXIT_SUCCESS;
}

KvpSweep *
kvp_sim_command_sweep (GVariantDict        *options,
                       KvpWorkloadOptions  *wopts,
                       const KvpSimConfig  *config,
                       GError             **error)
{
  g_autoptr(GArray) rates = NULL;
  double limit = KVP_SWEEP_DEFAULT_MAX_NORMALIZED_LATENCY;
  const char *text = NULL;

  g_return_val_if_fail (options != NULL && wopts != NULL && config != NULL, NULL);

  if (!g_variant_dict_lookup (options, "request-rate", "&s", &text) || !kvp_sweep_is_sweep (text))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("A capacity is found over a sweep of rates: give --request-rate START:STOP:STEP or a list "
                     "such as 1,2,4."));
      return NULL;
    }
  rates = kvp_sweep_parse_rates (text, error);
  if (rates == NULL ||
      !lookup_figure (options, "max-normalized-latency", 1e6, _("seconds per output token"), &limit, error))
    return NULL;

  return kvp_sweep_new (wopts, config, (const double *) (gpointer) rates->data, rates->len, limit, error);
}

static int
run_sweep (GVariantDict       *options,
           KvpWorkloadOptions *wopts,
           const KvpSimConfig *config,
           gboolean            json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSweep) sweep = NULL;

  if (g_variant_dict_contains (options, "csv"))
    {
      kvp_cli_printerr (_("--csv writes the steps of one run, and a sweep is many: give one --request-rate."));
      return KVP_EXIT_USAGE;
    }

  sweep = kvp_sim_command_sweep (options, wopts, config, &error);
  if (sweep == NULL)
    return kvp_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonNode) root = kvp_sweep_to_json (sweep);
      g_autofree char *out = kvp_json_to_string (root);

      g_print ("%s\n", out);
    }
  else
    {
      g_autofree char *description = kvp_sweep_describe (sweep);
      g_autoptr(GPtrArray) cells = NULL;
      guint n_columns;

      cells = kvp_sweep_get_table (sweep, &n_columns);
      g_print ("%s\n\n", description);
      kvp_cli_print_cells (cells, n_columns, 1);
    }

  return EXIT_SUCCESS;
}

int
kvp_sim_command_run (GVariantDict     *options,
                     const KvpDeploy  *deploy,
                     const KvpParams  *params,
                     gboolean          json)
{
  g_autoptr(GError) error = NULL;
  KvpWorkloadOptions wopts;
  KvpSimConfig config;
  const char *text;

  g_return_val_if_fail (options != NULL && deploy != NULL && params != NULL, KVP_EXIT_FAILURE);

  if (!kvp_sim_command_prepare (options, deploy, params, 0, &wopts, &config, &error))
    return kvp_cli_fail (error);
  /* The command line keeps summaries: its memory stays with the requests
   * in flight, however long the run. */
  config.summary_only = TRUE;

  if (g_variant_dict_lookup (options, "request-rate", "&s", &text) && kvp_sweep_is_sweep (text))
    return run_sweep (options, &wopts, &config, json);

  if (g_variant_dict_contains (options, "max-normalized-latency"))
    {
      kvp_cli_printerr (_("--max-normalized-latency finds the capacity of a sweep: give --request-rate START:STOP:STEP "
                          "or a list of rates."));
      return KVP_EXIT_USAGE;
    }

  return run_one (options, deploy, &wopts, &config, json);
}
