/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-sweep.c: a workload at many request rates, one run each, the runs
 * shared among the machine's cores and their summaries kept in rate order. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include <glib/gi18n-lib.h>

#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-json.h"
#include "kvp-sweep.h"

typedef struct
{
  double       rate;
  KvpSimStats  stats[KVP_N_SCHEMES];
  GError      *error;
} Point;

struct _KvpSweep
{
  gatomicrefcount     ref_count;
  KvpWorkloadOptions  options;
  char               *source;
  KvpSimConfig        config;
  double              max_normalized_latency;
  guint               n_points;
  Point              *points;
  gint                next;        /* atomic: the next point to run */
  GCancellable       *cancellable; /* while the points run */
  JsonNode           *workload;    /* the first run's "workload" */
  char               *description; /* the first run's workload line */
  char               *scheduler;
};

gboolean
kvp_sweep_is_sweep (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return strchr (text, ':') != NULL || strchr (text, ',') != NULL;
}

static gboolean
parse_rate (const char  *text,
            double      *out)
{
  g_autofree char *number = NULL;
  gsize length;

  /* Spaces may surround an item of the list; the number itself is written
   * as every option writes one (kvp_cli_text_to_double: no " 1", 0x10, inf). */
  text += strspn (text, " ");
  length = strlen (text);
  while (length > 0 && text[length - 1] == ' ')
    length--;
  number = g_strndup (text, length);

  return kvp_cli_text_to_double (number, out);
}

static GArray *
refuse (const char  *text,
        const char  *why,
        GError     **error)
{
  g_autofree char *quoted = kvp_quote (text);

  /* Translators: the option's value, then what is wrong with it. */
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("--request-rate “%s” is not a valid sweep: %s"), quoted, why);
  return NULL;
}

static GArray *
refuse_too_many (const char  *text,
                 GError     **error)
{
  g_autofree char *most = kvp_format_count (KVP_SWEEP_MAX_RATES);
  g_autofree char *why = g_strdup_printf (_("it makes more than %s rates; take a larger step."), most);

  return refuse (text, why, error);
}

double
kvp_sweep_range_size (double start,
                      double stop,
                      double step)
{
  g_return_val_if_fail (step > 0 && stop >= start, 0);

  /* A stop that start + i × step reaches but for rounding is included. */
  return floor ((stop - start) / step + 1e-9) + 1;
}

static double
range_rate (double start,
            double step,
            guint  i)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  /* start + i × step carries the binary error of both; twelve significant
   * digits are more than any rate a person sweeps, and read back as the
   * decimal they wrote. */
  g_ascii_formatd (text, sizeof text, "%.12g", start + i * step);
  return g_ascii_strtod (text, NULL);
}

GArray *
kvp_sweep_range_new (double start,
                     double stop,
                     double step)
{
  double n = kvp_sweep_range_size (start, stop, step);
  GArray *rates;

  g_return_val_if_fail (n >= 1 && n <= KVP_SWEEP_MAX_RATES, NULL);

  rates = g_array_sized_new (FALSE, FALSE, sizeof (double), (guint) n);
  for (guint i = 0; i < (guint) n; i++)
    {
      double rate = range_rate (start, step, i);

      g_array_append_val (rates, rate);
    }
  return rates;
}

GArray *
kvp_sweep_parse_rates (const char  *text,
                       GError     **error)
{
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (strchr (text, ':') != NULL)
    {
      double start, stop, step, n;

      parts = g_strsplit (text, ":", -1);
      if (g_strv_length (parts) != 3 || !parse_rate (parts[0], &start) || !parse_rate (parts[1], &stop) ||
          !parse_rate (parts[2], &step) || step <= 0 || stop < start)
        return refuse (text, _("give START:STOP:STEP, rates per second with STOP at least START and STEP more than 0."),
                       error);
      n = kvp_sweep_range_size (start, stop, step);
      if (n > KVP_SWEEP_MAX_RATES)
        return refuse_too_many (text, error);
      g_clear_pointer (&rates, g_array_unref);
      rates = kvp_sweep_range_new (start, stop, step);
    }
  else
    {
      parts = g_strsplit (text, ",", -1);
      if (g_strv_length (parts) > KVP_SWEEP_MAX_RATES)
        return refuse_too_many (text, error);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          double rate;

          if (!parse_rate (parts[i], &rate))
            return refuse (text, _("list rates per second separated by commas, such as 1,2,4."), error);
          if (rates->len > 0 && rate <= g_array_index (rates, double, rates->len - 1))
            return refuse (text, _("list the rates from the lowest up, each once."), error);
          g_array_append_val (rates, rate);
        }
    }

  for (guint i = 0; i < rates->len; i++)
    {
      double rate = g_array_index (rates, double, i);

      if (rate < KVP_WORKLOAD_MIN_RATE || rate > KVP_WORKLOAD_MAX_RATE)
        {
          g_autofree char *most = kvp_format_whole (KVP_WORKLOAD_MAX_RATE);
          g_autofree char *why = g_strdup_printf (_("every rate must be from %g to %s requests per second."),
                                                  KVP_WORKLOAD_MIN_RATE, most);

          return refuse (text, why, error);
        }
    }

  return g_steal_pointer (&rates);
}

gboolean
kvp_sweep_check_rates (const KvpWorkloadOptions  *options,
                       const double              *rates,
                       guint                      n_rates,
                       GError                   **error)
{
  KvpWorkloadOptions at;
  g_autoptr(KvpWorkload) lowest = NULL;
  g_autoptr(KvpWorkload) unrated = NULL;
  g_autoptr(GError) why = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *requests = NULL;
  g_autofree char *days = NULL;
  guint n;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (rates != NULL && n_rates > 0, FALSE);

  at = *options;
  at.request_rate = rates[0];
  for (guint i = 0; i < n_rates; i++)
    {
      if (!(rates[i] >= KVP_WORKLOAD_MIN_RATE && rates[i] <= KVP_WORKLOAD_MAX_RATE))
        {
          char ascii[G_ASCII_DTOSTR_BUF_SIZE];
          /* Grouped as the limit beside it when whole (1,000,001), else
           * twelve digits, as the rates read back: never 1e+06. */
          g_autofree char *bad = rates[i] >= 0 && rates[i] == floor (rates[i])
                                 ? kvp_format_whole (rates[i])
                                 : kvp_format_ascii_decimal (g_ascii_formatd (ascii, sizeof ascii, "%.12g", rates[i]));
          g_autofree char *max = kvp_format_whole (KVP_WORKLOAD_MAX_RATE);
          g_autofree char *min = kvp_format_decimal (KVP_WORKLOAD_MIN_RATE);

          return kvp_set_invalid (error, _("A sweep runs rates from %s to %s requests per second, and %s is not "
                                           "one."), min, max, bad);
        }
      at.request_rate = MIN (at.request_rate, rates[i]);
    }

  /* The lowest rate spreads the arrivals furthest: if its workload can be
   * made, every higher rate's can. */
  lowest = kvp_workload_new (&at, &why);
  if (lowest != NULL)
    return TRUE;

  /* Not for its rate: the workload cannot be made at all. */
  rate = kvp_format_decimal (at.request_rate);
  at.request_rate = 0.0;
  unrated = kvp_workload_new (&at, NULL);
  if (unrated == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&why));
      return FALSE;
    }

  if (kvp_workload_has_file_arrivals (unrated))
    {
      g_autofree char *source = kvp_quote (options->source);

      return kvp_set_invalid (error, _("The workload file “%s” has arrival times of its own, so it cannot be "
                                       "swept at request rates."), source);
    }

  /* Its arrivals at that rate run past what a run counts in steps. */
  kvp_workload_get_requests (unrated, &n);
  requests = kvp_format_count (n);
  days = kvp_format_count ((guint64) (KVP_WORKLOAD_MAX_ARRIVAL_STEPS * KVP_WORKLOAD_STEP_SECONDS / 86400.0));
  return kvp_set_invalid (error, _("At the lowest rate swept, %s requests per second, the %s requests would arrive "
                                   "over more than %s days, longer than a run simulates step by step: sweep from "
                                   "a higher rate, or with fewer requests."), rate, requests, days);
}

/* One rate: its own workload (Poisson at that rate), its own run. */
static void
run_point (KvpSweep *self,
           guint     i)
{
  Point *point = &self->points[i];
  KvpWorkloadOptions options = self->options;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;

  options.request_rate = point->rate;
  workload = kvp_workload_new (&options, &point->error);
  if (workload != NULL)
    sim = kvp_simulation_new (workload, &self->config, self->cancellable, &point->error);
  if (sim == NULL)
    return;

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    if (kvp_simulation_has_scheme (sim, s))
      point->stats[s] = *kvp_simulation_get_stats (sim, s);

  if (i == 0)
    {
      g_autoptr(JsonNode) root = kvp_simulation_to_json (sim);
      g_autofree char *source = g_filename_display_name (kvp_workload_get_source (workload));
      JsonObject *workload_object = json_object_get_object_member (json_node_get_object (root), "workload");
      g_autofree char *requests = kvp_format_count ((guint64) json_object_get_int_member (workload_object,
                                                                                         "requests"));

      /* Each point has its own rate: the sweep lists them. */
      json_object_remove_member (workload_object, "request_rate");
      json_object_remove_member (workload_object, "arrivals");
      self->workload = json_node_copy (json_object_get_member (json_node_get_object (root), "workload"));
      /* Translators: a sweep's workload: its source, requests, seed and
       * mean lengths (each rate draws its own arrivals). */
      self->description = g_strdup_printf (_("Workload %s: %s requests, seed %" PRIu64
                                             "; mean prompt %.1f, mean output %.1f tokens."),
                                           source, requests,
                                           kvp_workload_get_seed (workload),
                                           kvp_workload_get_mean_prompt (workload),
                                           kvp_workload_get_mean_output (workload));
      self->scheduler = kvp_simulation_describe_scheduler (sim);
    }
}

static gpointer
run_points_thread (gpointer data)
{
  KvpSweep *self = data;
  gint i;

  while ((i = g_atomic_int_add (&self->next, 1)) < (gint) self->n_points)
    run_point (self, (guint) i);

  return NULL;
}

KvpSweep *
kvp_sweep_new (const KvpWorkloadOptions  *options,
               const KvpSimConfig        *config,
               const double              *rates,
               guint                      n_rates,
               double                     max_normalized_latency,
               GError                   **error)
{
  return kvp_sweep_new_full (options, config, rates, n_rates, max_normalized_latency, NULL, error);
}

KvpSweep *
kvp_sweep_new_full (const KvpWorkloadOptions  *options,
                    const KvpSimConfig        *config,
                    const double              *rates,
                    guint                      n_rates,
                    double                     max_normalized_latency,
                    GCancellable              *cancellable,
                    GError                   **error)
{
  g_autoptr(KvpSweep) self = NULL;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  guint n_threads;

  g_return_val_if_fail (options != NULL && config != NULL, NULL);
  g_return_val_if_fail (rates != NULL && n_rates > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Refused whole, before any rate runs. */
  if (!kvp_sweep_check_rates (options, rates, n_rates, error))
    return NULL;

  self = g_new0 (KvpSweep, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->options = *options;
  self->source = g_strdup (options->source);
  self->options.source = self->source;
  self->config = *config;
  self->config.summary_only = TRUE;
  /* The rates share the cores; each run keeps to one. */
  self->config.n_threads = 1;
  self->max_normalized_latency = max_normalized_latency;
  self->n_points = n_rates;
  self->points = g_new0 (Point, n_rates);
  for (guint i = 0; i < n_rates; i++)
    self->points[i].rate = rates[i];
  self->cancellable = cancellable;

  n_threads = MIN (g_get_num_processors (), n_rates);
  for (guint t = 1; t < n_threads; t++)
    g_ptr_array_add (threads, g_thread_new ("kvp-sweep", run_points_thread, self));
  run_points_thread (self);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (threads->pdata[t]);
  self->cancellable = NULL;

  /* The lowest rate's error, as a serial run would stop at. */
  for (guint i = 0; i < n_rates; i++)
    if (self->points[i].error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&self->points[i].error));
        return NULL;
      }

  return g_steal_pointer (&self);
}

KvpSweep *
kvp_sweep_ref (KvpSweep *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
kvp_sweep_unref (KvpSweep *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->n_points; i++)
    g_clear_error (&self->points[i].error);
  g_free (self->points);
  g_free (self->source);
  g_clear_pointer (&self->workload, json_node_unref);
  g_free (self->description);
  g_free (self->scheduler);
  g_free (self);
}

guint
kvp_sweep_get_n_rates (KvpSweep *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_points;
}

double
kvp_sweep_get_rate (KvpSweep *self,
                    guint     i)
{
  g_return_val_if_fail (self != NULL && i < self->n_points, 0);

  return self->points[i].rate;
}

gboolean
kvp_sweep_has_scheme (KvpSweep  *self,
                      KvpScheme  scheme)
{
  g_return_val_if_fail (self != NULL && scheme < KVP_N_SCHEMES, FALSE);

  return (self->config.schemes == 0 || (self->config.schemes & (1u << scheme)) != 0);
}

const KvpSimStats *
kvp_sweep_get_stats (KvpSweep  *self,
                     guint      i,
                     KvpScheme  scheme)
{
  g_return_val_if_fail (self != NULL && i < self->n_points, NULL);
  g_return_val_if_fail (kvp_sweep_has_scheme (self, scheme), NULL);

  return &self->points[i].stats[scheme];
}

double
kvp_sweep_get_max_normalized_latency (KvpSweep *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_normalized_latency;
}

gboolean
kvp_sweep_get_capacity (KvpSweep  *self,
                        KvpScheme  scheme,
                        double    *out_rate)
{
  gboolean found = FALSE;

  g_return_val_if_fail (self != NULL && kvp_sweep_has_scheme (self, scheme), FALSE);

  for (guint i = 0; i < self->n_points; i++)
    if (self->points[i].stats[scheme].latency[KVP_LATENCY_NORMALIZED].mean <= self->max_normalized_latency)
      {
        found = TRUE;
        if (out_rate != NULL)
          *out_rate = self->points[i].rate;
      }

  return found;
}

gboolean
kvp_sweep_capacity_is_lower_bound (KvpSweep  *self,
                                   KvpScheme  scheme)
{
  double capacity;

  g_return_val_if_fail (self != NULL && kvp_sweep_has_scheme (self, scheme), FALSE);

  /* The capacity is the highest rate within the limit, so it is the top
   * rate exactly when the scheme is within the limit there. */
  return kvp_sweep_get_capacity (self, scheme, &capacity) && capacity >= self->points[self->n_points - 1].rate;
}

JsonNode *
kvp_sweep_to_json (KvpSweep *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "workload");
  json_builder_add_value (builder, json_node_copy (self->workload));
  kvp_json_add_double (builder, "max_normalized_latency", self->max_normalized_latency);

  json_builder_set_member_name (builder, "sweep");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->n_points; i++)
    {
      json_builder_begin_object (builder);
      kvp_json_add_double (builder, "request_rate", self->points[i].rate);
      json_builder_set_member_name (builder, "schemes");
      json_builder_begin_object (builder);
      for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
        if (kvp_sweep_has_scheme (self, s))
          {
            json_builder_set_member_name (builder, kvp_scheme_to_string (s));
            kvp_sim_stats_add_json (&self->points[i].stats[s], builder);
          }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "capacity");
  json_builder_begin_object (builder);
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      double rate;

      if (!kvp_sweep_has_scheme (self, s))
        continue;
      json_builder_set_member_name (builder, kvp_scheme_to_string (s));
      if (kvp_sweep_get_capacity (self, s, &rate))
        json_builder_add_double_value (builder, rate);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);

  /* Beside "capacity", which stays a plain number for what reads it. */
  json_builder_set_member_name (builder, "capacity_is_lower_bound");
  json_builder_begin_object (builder);
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    if (kvp_sweep_has_scheme (self, s))
      {
        json_builder_set_member_name (builder, kvp_scheme_to_string (s));
        json_builder_add_boolean_value (builder, kvp_sweep_capacity_is_lower_bound (self, s));
      }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

GPtrArray *
kvp_sweep_get_table (KvpSweep *self,
                     guint    *n_columns)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (self != NULL && n_columns != NULL, NULL);

  /* Translators: the first column of --simulate's sweep table; the cells
   * are mean normalized latencies in seconds per output token. */
  g_ptr_array_add (cells, g_strdup (_("REQUEST RATE (req/s)")));
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    if (kvp_sweep_has_scheme (self, s))
      g_ptr_array_add (cells, g_ascii_strup (kvp_scheme_to_string (s), -1));
  *n_columns = cells->len;

  for (guint i = 0; i < self->n_points; i++)
    {
      g_ptr_array_add (cells, g_strdup_printf ("%g", self->points[i].rate));
      for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
        if (kvp_sweep_has_scheme (self, s))
          g_ptr_array_add (cells, g_strdup_printf ("%.4f",
                                                   self->points[i].stats[s].latency[KVP_LATENCY_NORMALIZED].mean));
    }

  /* Translators: the last row of the sweep table: each scheme's capacity. */
  g_ptr_array_add (cells, g_strdup (_("Capacity (req/s)")));
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      double rate;

      if (!kvp_sweep_has_scheme (self, s))
        continue;
      if (!kvp_sweep_get_capacity (self, s, &rate))
        /* Translators: no swept rate stays within the latency limit. */
        g_ptr_array_add (cells, g_strdup (_("none")));
      else if (kvp_sweep_capacity_is_lower_bound (self, s))
        /* Translators: a cell of the sweep table's capacity row: the
         * scheme is within the limit even at the highest swept rate, so
         * its capacity is at least that rate (req/s). */
        g_ptr_array_add (cells, g_strdup_printf (_("≥ %g"), rate));
      else
        g_ptr_array_add (cells, g_strdup_printf ("%g", rate));
    }

  return cells;
}

char *
kvp_sweep_describe (KvpSweep *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  /* Translators: the workload line of the first rate, the scheduler's line,
   * the number of rates, then the latency limit. */
  return g_strdup_printf (_("%s\n%s\nSwept at %u request rates, Poisson arrivals each; the cells are mean normalized "
                            "latencies (s/token), the capacity the highest rate within %g s/token."),
                          self->description, self->scheduler, self->n_points, self->max_normalized_latency);
}
