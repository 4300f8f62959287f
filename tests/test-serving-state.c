/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-serving-state.c: the serving options as state, without a display:
 * a run on the deploy state's pool, a workload file's rows, a bad file that
 * changes nothing, and a refused pool. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kvp-serving-state.h"
#include "kvp-workload.h"

/* Runs the main loop until the state has no run queued or going. */
static void
settle (KvpServingState *serving)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (kvp_serving_state_get_busy (serving) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (kvp_serving_state_get_busy (serving));
}

static guint
n_served (KvpServingState *serving)
{
  guint n = 0;

  kvp_workload_get_requests (kvp_simulation_get_workload (kvp_serving_state_get_simulation (serving)), &n);
  return n;
}

static void
test_file_rows (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);
  g_autoptr(KvpServingState) serving = kvp_serving_state_new (deploy);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "rows.csv", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.csv", NULL);
  g_autoptr(GString) rows = g_string_new ("prompt_len,output_len\n");
  KvpSimulation *before;

  for (guint i = 0; i < 300; i++)
    g_string_append_printf (rows, "%u,%u\n", 8 + i % 40, 4 + i % 16);
  g_assert_true (g_file_set_contents (csv, rows->str, -1, NULL));
  g_assert_true (g_file_set_contents (bad, "prompt_len,output_len\n12,x\n", -1, NULL));

  /* Nothing runs until the view is shown. */
  g_object_set (serving, "requests", 40, NULL);
  g_assert_false (kvp_serving_state_get_busy (serving));
  kvp_serving_state_set_active (serving, TRUE);
  settle (serving);
  g_assert_cmpuint (n_served (serving), ==, 40);

  /* A file: all its rows, whatever Requests said. */
  kvp_serving_state_open_workload_file (serving, csv);
  settle (serving);
  g_assert_null (kvp_serving_state_get_error (serving));
  g_assert_cmpstr (kvp_serving_state_get_workload (serving), ==, csv);
  g_assert_cmpuint (kvp_serving_state_get_requests (serving), ==, 0);
  g_assert_cmpuint (kvp_serving_state_get_n_requests (serving), ==, 300);
  g_assert_cmpuint (n_served (serving), ==, 300);

  /* A bad file: the run and the workload stay, the reason is told. */
  before = kvp_serving_state_get_simulation (serving);
  kvp_serving_state_open_workload_file (serving, bad);
  settle (serving);
  g_assert_nonnull (kvp_serving_state_get_error (serving));
  g_assert_nonnull (strstr (kvp_serving_state_get_error (serving), "bad.csv"));
  g_assert_true (kvp_serving_state_get_simulation (serving) == before);
  g_assert_cmpstr (kvp_serving_state_get_workload (serving), ==, csv);
  g_assert_cmpstr (kvp_serving_state_get_workload_file (serving), ==, csv);

  /* Only a built-in or the file read may be chosen. */
  g_object_set (serving, "workload", "/etc/passwd", NULL);
  g_assert_cmpstr (kvp_serving_state_get_workload (serving), ==, csv);

  g_unlink (csv);
  g_unlink (bad);
  g_rmdir (dir);
}

/* A pool vLLM would not make gives no run, and says so. */
static void
test_refused (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autoptr(KvpDeployState) deploy = kvp_deploy_state_new (state);
  g_autoptr(KvpServingState) serving = kvp_serving_state_new (deploy);

  g_object_set (serving, "requests", 20, NULL);
  kvp_serving_state_set_active (serving, TRUE);
  settle (serving);
  g_assert_nonnull (kvp_serving_state_get_simulation (serving));

  g_object_set (deploy, "gpu", "h100-80gb", "utilization", 0.03, NULL);
  settle (serving);
  g_assert_null (kvp_serving_state_get_simulation (serving));
  g_assert_true (kvp_serving_state_get_refused (serving));
  g_assert_nonnull (strstr (kvp_serving_state_get_error (serving), "GPU memory utilization"));

  kvp_deploy_state_set_utilization (deploy, 0.9);
  settle (serving);
  g_assert_nonnull (kvp_serving_state_get_simulation (serving));
  g_assert_null (kvp_serving_state_get_error (serving));
  /* vLLM's null block is no block of the run. */
  g_assert_cmpuint (kvp_simulation_get_config (kvp_serving_state_get_simulation (serving))->num_blocks, ==,
                    kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS) - 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/serving-state/file-rows", test_file_rows);
  g_test_add_func ("/serving-state/refused", test_refused);

  return g_test_run ();
}
