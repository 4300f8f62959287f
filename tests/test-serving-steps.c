/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-serving-steps.c: the serving view's time axis — the union of the
 * step start times two schemes recorded, what each scheme did at each step
 * of it, each scheme's end, the chart's peaks at any range, the latencies
 * so far, and a step past the end refused with the number of steps. */

#include "config.h"

#include <string.h>

#include "kvp-error.h"
#include "kvp-serving-steps.h"

static KvpServingSteps *
new_steps (KvpScheme compared)
{
  /* Late arrivals leave idle gaps, which each scheme skips on its own. */
  static const KvpRequest requests[] = {
    { 8, 6, 0.00, 0 }, { 30, 3, 0.00, 0 }, { 12, 9, 0.04, 1 },
    { 17, 4, 2.00, 50 }, { 40, 9, 2.00, 50 }, { 3, 30, 4.00, 100 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = kvp_workload_new_from_requests (requests, G_N_ELEMENTS (requests), 64, &error);
  g_autoptr(KvpSimulation) sim = NULL;
  KvpSimConfig config = { 4, 16, 64, 0 };
  KvpServingSteps *steps;

  g_assert_no_error (error);
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  steps = kvp_serving_steps_new (sim, compared, &error);
  g_assert_no_error (error);

  return steps;
}

static void
test_union (void)
{
  for (KvpScheme compared = KVP_SCHEME_MAX; compared < KVP_N_SCHEMES; compared++)
    {
      g_autoptr(KvpServingSteps) steps = new_steps (compared);
      KvpSimulation *sim = kvp_serving_steps_get_simulation (steps);
      guint n = kvp_serving_steps_get_n_steps (steps);
      const KvpScheme schemes[] = { KVP_SCHEME_PAGED, compared };

      g_assert_cmpint (kvp_serving_steps_get_compared (steps), ==, compared);
      for (guint k = 1; k < n; k++)
        g_assert_cmpuint (kvp_serving_steps_get_time (steps, k - 1), <, kvp_serving_steps_get_time (steps, k));

      for (guint s = 0; s < G_N_ELEMENTS (schemes); s++)
        {
          guint n_recorded, seen = 0;
          const KvpSimStep *recorded = kvp_simulation_get_steps (sim, schemes[s], &n_recorded);

          /* Every recorded step starts at a step of the view, found by its
           * time; between, the scheme's step running then, or none. */
          for (guint k = 0; k < n; k++)
            {
              KvpServingSchemeStep at;
              guint64 time_ns = kvp_serving_steps_get_time (steps, k);

              kvp_serving_steps_lookup (steps, schemes[s], k, &at);
              if (at.recorded)
                {
                  g_assert_cmpuint (recorded[at.step].start_ns, <=, time_ns);
                  g_assert_cmpuint (recorded[at.step].end_ns, >, time_ns);
                  if (recorded[at.step].start_ns == time_ns)
                    {
                      g_assert_cmpuint (at.step, ==, seen);
                      seen++;
                    }
                }
              else if (at.has_before)
                g_assert_cmpuint (recorded[at.step].end_ns, <=, time_ns);
              else
                g_assert_cmpuint (recorded[0].start_ns, >, time_ns);
              g_assert_cmpuint (kvp_serving_steps_find_time (steps, time_ns), ==, k);
              if (k + 1 < n)
                g_assert_cmpuint (kvp_serving_steps_find_time (steps, kvp_serving_steps_get_time (steps, k + 1) - 1), ==, k);
            }
          g_assert_cmpuint (seen, ==, n_recorded);
          /* Each scheme's end is its last step's, and the view's the later. */
          g_assert_cmpuint (kvp_serving_steps_get_scheme_end (steps, schemes[s]), ==, recorded[n_recorded - 1].end_ns);
          g_assert_cmpuint (kvp_serving_steps_get_end (steps), >=, recorded[n_recorded - 1].end_ns);
        }

      /* The two runs differ, so the union is longer than either. */
      {
        guint np, nc;

        kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &np);
        kvp_simulation_get_steps (sim, compared, &nc);
        g_assert_cmpuint (n, >=, MAX (np, nc));
        g_assert_cmpuint (n, <=, np + nc);
      }
    }
}

/* The chart's peak over any range of steps is the most running in it. */
static void
test_peak_running (void)
{
  g_autoptr(KvpServingSteps) steps = new_steps (KVP_SCHEME_ORACLE);
  KvpSimulation *sim = kvp_serving_steps_get_simulation (steps);
  const KvpScheme schemes[] = { KVP_SCHEME_PAGED, KVP_SCHEME_ORACLE };

  for (guint s = 0; s < G_N_ELEMENTS (schemes); s++)
    {
      guint n;
      const KvpSimStep *recorded = kvp_simulation_get_steps (sim, schemes[s], &n);

      g_assert_cmpuint (n, >, 4);
      for (guint first = 0; first <= n; first++)
        for (guint end = first; end <= n + 1; end++)
          {
            guint32 peak = 0;

            for (guint i = first; i < MIN (end, n); i++)
              peak = MAX (peak, recorded[i].n_running);
            g_assert_cmpuint (kvp_serving_steps_get_peak_running (steps, schemes[s], first, end), ==, peak);
          }
    }
}

/* The latencies so far grow into the run's: over every finished request
 * they are the summary's, over none they are zero, and TPOT leaves out
 * one-token outputs. */
static void
test_latency_so_far (void)
{
  static const KvpRequest requests[] = {
    { 8, 6, 0.00, 0 }, { 30, 1, 0.00, 0 }, { 12, 9, 0.04, 1 }, { 17, 4, 0.5, 50 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = kvp_workload_new_from_requests (requests, G_N_ELEMENTS (requests), 64, &error);
  KvpSimConfig config = { 4, 16, 64, 0 };
  g_autoptr(KvpSimulation) sim = kvp_simulation_new (workload, &config, NULL, &error);
  KvpLatencySummary so_far;

  g_assert_no_error (error);
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      const KvpSimStats *stats = kvp_simulation_get_stats (sim, s);

      for (KvpLatency l = KVP_LATENCY_TTFT; l <= KVP_LATENCY_TPOT; l++)
        {
          g_assert_true (kvp_simulation_get_latency_so_far (sim, s, G_N_ELEMENTS (requests), l, &so_far));
          g_assert_cmpuint (so_far.count, ==, stats->latency[l].count);
          g_assert_cmpfloat_with_epsilon (so_far.p50, stats->latency[l].p50, 1e-9);
          g_assert_cmpfloat_with_epsilon (so_far.p99, stats->latency[l].p99, 1e-9);
          g_assert_true (kvp_simulation_get_latency_so_far (sim, s, 0, l, &so_far));
          g_assert_cmpuint (so_far.count, ==, 0);
        }
      g_assert_cmpuint (stats->latency[KVP_LATENCY_TPOT].count, ==, G_N_ELEMENTS (requests) - 1);
      /* The first to finish alone: its TTFT is both percentiles. */
      g_assert_true (kvp_simulation_get_latency_so_far (sim, s, 1, KVP_LATENCY_TTFT, &so_far));
      g_assert_cmpuint (so_far.count, ==, 1);
      g_assert_cmpfloat (so_far.p50, ==, so_far.p99);
      g_assert_cmpfloat (so_far.p50, >, 0.0);
    }

  /* A summary keeps no per-request record: refused, not made up. */
  config.summary_only = TRUE;
  {
    g_autoptr(KvpSimulation) summary = kvp_simulation_new (workload, &config, NULL, &error);

    g_assert_no_error (error);
    g_assert_false (kvp_simulation_get_latency_so_far (summary, KVP_SCHEME_PAGED, 4, KVP_LATENCY_TTFT, &so_far));
    g_assert_cmpuint (so_far.count, ==, 0);
  }
}

/* Snapshots' checkpoints copy every request: a run of many requests takes
 * fewer of them (about 64 MiB a scheme), a short one up to 64. */
static void
test_checkpoints_bounded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) many = NULL;
  g_autoptr(KvpWorkload) few = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 16384, 2048, (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_ORACLE) };

  kvp_workload_options_init (&options);
  options.n_requests = 60000;
  options.max_len = 2048;
  many = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = kvp_simulation_new (many, &config, NULL, &error);
  g_assert_no_error (error);
  /* 60,000 requests' states are some 2.6 MB a copy: 25 copies in 64 MiB. */
  for (KvpScheme s = KVP_SCHEME_PAGED; s <= KVP_SCHEME_ORACLE; s += KVP_SCHEME_ORACLE)
    {
      g_assert_cmpuint (kvp_simulation_get_max_checkpoints (sim, s), <=, 26);
      g_assert_cmpuint (kvp_simulation_get_max_checkpoints (sim, s), >=, 4);
    }
  g_clear_pointer (&sim, kvp_simulation_unref);

  options.n_requests = 2000;
  config.num_blocks = 512;
  few = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = kvp_simulation_new (few, &config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kvp_simulation_get_max_checkpoints (sim, KVP_SCHEME_ORACLE), >, 26);
  g_assert_cmpuint (kvp_simulation_get_max_checkpoints (sim, KVP_SCHEME_ORACLE), <=, 64);
}

static void
test_check_step (void)
{
  g_autoptr(KvpServingSteps) steps = new_steps (KVP_SCHEME_MAX);
  g_autoptr(GError) error = NULL;
  guint n = kvp_serving_steps_get_n_steps (steps);
  g_autofree char *says = g_strdup_printf ("has %u steps, 0 to %u", n, n - 1);

  g_assert_true (kvp_serving_steps_check_step (steps, 0, NULL));
  g_assert_true (kvp_serving_steps_check_step (steps, n - 1, NULL));
  g_assert_false (kvp_serving_steps_check_step (steps, n, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, says));
}

/* A simulation without the scheme compared is refused. */
static void
test_missing_scheme (void)
{
  static const KvpRequest requests[] = { { 8, 6, 0.0, 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = kvp_workload_new_from_requests (requests, 1, 64, &error);
  KvpSimConfig config = { 4, 16, 64, (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_MAX) };
  g_autoptr(KvpSimulation) sim = kvp_simulation_new (workload, &config, NULL, &error);

  g_assert_no_error (error);
  g_assert_null (kvp_serving_steps_new (sim, KVP_SCHEME_POW2, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "pow2"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/serving-steps/union", test_union);
  g_test_add_func ("/core/serving-steps/check-step", test_check_step);
  g_test_add_func ("/core/serving-steps/peak-running", test_peak_running);
  g_test_add_func ("/core/serving-steps/latency-so-far", test_latency_so_far);
  g_test_add_func ("/core/serving-steps/checkpoints-bounded", test_checkpoints_bounded);
  g_test_add_func ("/core/serving-steps/missing-scheme", test_missing_scheme);

  return g_test_run ();
}
