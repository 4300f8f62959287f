/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-capacity-state.c: the capacity view's state without a display: it
 * sweeps only while shown, the sweep is the command line's for the same
 * settings, a change of the serving settings sweeps again, a bad range is
 * refused with a reason, and a newer change cancels an older sweep. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kvp-capacity-state.h"

static void
settle (KvpCapacityState *capacity)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (kvp_capacity_state_get_busy (capacity) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (kvp_capacity_state_get_busy (capacity));
}

static void
test_sweep (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);
  g_autoptr(KvpServingState) serving = kvp_serving_state_new (deploy);
  g_autoptr(KvpCapacityState) capacity = kvp_capacity_state_new (serving);
  g_autoptr(KvpSweep) expected = NULL;
  g_autoptr(GError) error = NULL;
  KvpSimConfig config;
  KvpWorkloadOptions options;
  const double rates[] = { 2, 4, 6 };
  KvpSweep *sweep;

  g_object_set (serving, "requests", 60, NULL);
  kvp_capacity_state_set_range (capacity, 2, 6, 2);
  /* Nothing sweeps until the view is shown. */
  g_assert_false (kvp_capacity_state_get_busy (capacity));
  g_assert_null (kvp_capacity_state_get_sweep (capacity));
  kvp_capacity_state_set_active (capacity, TRUE);
  g_assert_true (kvp_capacity_state_get_busy (capacity));
  settle (capacity);
  g_assert_null (kvp_capacity_state_get_error (capacity));
  sweep = kvp_capacity_state_get_sweep (capacity);
  g_assert_nonnull (sweep);
  g_assert_cmpuint (kvp_sweep_get_n_rates (sweep), ==, 3);

  /* The same figures as a sweep of the same settings made directly. */
  g_assert_true (kvp_deploy_state_get_sim_config (deploy, &config, NULL));
  config.schemes = KVP_SCHEME_MASK_ALL;
  kvp_workload_options_init (&options);
  options.n_requests = 60;
  options.max_len = (guint32) kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN);
  expected = kvp_sweep_new (&options, &config, rates, 3, KVP_SWEEP_DEFAULT_MAX_NORMALIZED_LATENCY, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (kvp_sweep_get_rate (sweep, i), ==, rates[i]);
      for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
        g_assert_cmpfloat (kvp_sweep_get_stats (sweep, i, s)->latency[KVP_LATENCY_NORMALIZED].mean, ==,
                           kvp_sweep_get_stats (expected, i, s)->latency[KVP_LATENCY_NORMALIZED].mean);
    }

  /* Another seed: another sweep. */
  g_object_set (serving, "seed", (guint64) 7, NULL);
  g_assert_true (kvp_capacity_state_get_busy (capacity));
  settle (capacity);
  g_assert_true (kvp_capacity_state_get_sweep (capacity) != sweep);

  /* A range going down is refused, and there is no sweep to show. */
  kvp_capacity_state_set_range (capacity, 6, 2, 1);
  settle (capacity);
  g_assert_null (kvp_capacity_state_get_sweep (capacity));
  g_assert_nonnull (strstr (kvp_capacity_state_get_error (capacity), "higher or equal"));
  kvp_capacity_state_set_range (capacity, 1, 1000000, 1);
  settle (capacity);
  g_assert_nonnull (strstr (kvp_capacity_state_get_error (capacity), "The range has 1,000,000 rates; a sweep takes at most 1,000."));

  /* Rates a step of 0.1 makes are the decimals a person means: 0.3, not
   * 0.1 + 2 × 0.1 = 0.30000000000000004. */
  kvp_capacity_state_set_range (capacity, 0.1, 0.3, 0.1);
  settle (capacity);
  g_assert_null (kvp_capacity_state_get_error (capacity));
  sweep = kvp_capacity_state_get_sweep (capacity);
  g_assert_cmpuint (kvp_sweep_get_n_rates (sweep), ==, 3);
  g_assert_cmpfloat (kvp_sweep_get_rate (sweep, 0), ==, 0.1);
  g_assert_cmpfloat (kvp_sweep_get_rate (sweep, 1), ==, 0.2);
  g_assert_cmpfloat (kvp_sweep_get_rate (sweep, 2), ==, 0.3);
}

/* The serving state takes a workload file once its run has read it. */
static void
open_file (KvpServingState *serving,
           const char      *path)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  kvp_serving_state_open_workload_file (serving, path);
  g_object_set (serving, "active", TRUE, NULL);
  while (g_strcmp0 (kvp_serving_state_get_workload (serving), path) != 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (kvp_serving_state_get_workload (serving), ==, path);
  g_object_set (serving, "active", FALSE, NULL);
}

/* Each rate checked against the workload before anything runs, and
 * refused in one sentence the window can show (it names no command-line
 * option): rates outside core's 0.001 … 1,000,000, a workload file with
 * arrival times of its own (it takes no rate), and a lowest rate that
 * spreads the requests past what a run simulates step by step.  Before,
 * the first came back as "0 (all at once) or …", which a sweep cannot
 * take, and the others named --request-rate and --requests. */
static void
test_rates_refused (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);
  g_autoptr(KvpServingState) serving = kvp_serving_state_new (deploy);
  g_autoptr(KvpCapacityState) capacity = kvp_capacity_state_new (serving);
  g_autofree char *dir = g_dir_make_tmp ("kvp-capacity-XXXXXX", NULL);
  g_autofree char *timed = g_build_filename (dir, "timed.csv", NULL);
  g_autofree char *untimed = g_build_filename (dir, "untimed.csv", NULL);
  const char *error;

  g_assert_true (g_file_set_contents (timed, "prompt_len,output_len,arrival\n10,5,0\n20,6,1.5\n", -1, NULL));
  g_assert_true (g_file_set_contents (untimed, "prompt_len,output_len\n10,5\n20,6\n", -1, NULL));
  g_object_set (serving, "requests", 40, NULL);
  kvp_capacity_state_set_active (capacity, TRUE);

  kvp_capacity_state_set_range (capacity, 0.0005, 1, 0.5);
  settle (capacity);
  g_assert_null (kvp_capacity_state_get_sweep (capacity));
  error = kvp_capacity_state_get_error (capacity);
  g_assert_cmpstr (error, ==, "A sweep runs rates from 0.001 to 1,000,000 requests per second, and 0.0005 is not one.");

  kvp_capacity_state_set_range (capacity, 999999, 1000001, 2);
  settle (capacity);
  /* Grouped as the limit beside it. */
  g_assert_nonnull (strstr (kvp_capacity_state_get_error (capacity), "to 1,000,000 requests per second, and 1,000,001 is "
                                                                      "not one."));

  /* The workload's own limit: 1,000,000 requests at 0.01 a second would
   * arrive over 1,100 days or so. */
  g_object_set (serving, "requests", 1000000, NULL);
  kvp_capacity_state_set_range (capacity, 0.01, 0.02, 0.01);
  settle (capacity);
  error = kvp_capacity_state_get_error (capacity);
  g_assert_null (kvp_capacity_state_get_sweep (capacity));
  g_assert_true (g_str_has_prefix (error, "At the lowest rate swept, 0.01 requests per second, the 1,000,000 "
                                          "requests would arrive over more than 994 days"));
  g_assert_null (strstr (error, "--"));

  /* A file with arrival times of its own takes no rate; one without does. */
  g_object_set (serving, "requests", 0, NULL);
  open_file (serving, timed);
  kvp_capacity_state_set_range (capacity, 1, 2, 1);
  settle (capacity);
  error = kvp_capacity_state_get_error (capacity);
  g_assert_null (kvp_capacity_state_get_sweep (capacity));
  g_assert_nonnull (strstr (error, "has arrival times of its own, so it cannot be swept at request rates."));
  g_assert_null (strstr (error, "--"));
  open_file (serving, untimed);
  settle (capacity);
  g_assert_null (kvp_capacity_state_get_error (capacity));
  g_assert_cmpuint (kvp_sweep_get_n_rates (kvp_capacity_state_get_sweep (capacity)), ==, 2);

  g_unlink (timed);
  g_unlink (untimed);
  g_rmdir (dir);
}

/* A sweep cancelled stops with G_IO_ERROR_CANCELLED, not a result. */
static void
test_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  KvpSimConfig config = { 16, 512, 2048, 0 };
  KvpWorkloadOptions options;
  const double rates[] = { 1, 2 };

  kvp_workload_options_init (&options);
  options.n_requests = 200;
  options.max_len = 2048;
  g_cancellable_cancel (cancellable);
  g_assert_null (kvp_sweep_new_full (&options, &config, rates, 2, 0.2, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/capacity-state/sweep", test_sweep);
  g_test_add_func ("/core/capacity-state/cancel", test_cancel);
  g_test_add_func ("/core/capacity-state/rates-refused", test_rates_refused);

  return g_test_run ();
}
