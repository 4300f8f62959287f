/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-workload.c: a workload file — JSON Lines or CSV — read through the
 * input reader as --workload reads it, then a short simulation of its first
 * requests on a small pool.  Any input is refused with one clean line naming
 * the file, or gives requests that hold together and a run that finishes
 * them all; nothing crashes, hangs or leaks. */

#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "kvp-error.h"
#include "kvp-simulation.h"
#include "kvp-workload.h"

/* The file the input is written to: no extension, so the first character
 * decides the format, as for any trace without one. */
static char *dir;
static char *path;

#define MAX_LEN        512u
#define SIM_REQUESTS   64u

static void
remove_file (void)
{
  g_unlink (path);
  g_rmdir (dir);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  dir = g_dir_make_tmp ("kvpage-fuzz-XXXXXX", NULL);
  if (dir == NULL)
    fuzz_fail ("no temporary folder");
  path = g_build_filename (dir, "trace", NULL);
  atexit (remove_file);
  return 0;
}

static void
simulate (const KvpRequest *requests,
          guint             n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  /* One thread: libFuzzer runs the input in this one. */
  KvpSimConfig config = {
    .block_size = 16, .num_blocks = 64, .max_seq_len = MAX_LEN, .schemes = KVP_SCHEME_MASK_ALL, .n_threads = 1,
  };

  workload = kvp_workload_new_from_requests (requests, n, MAX_LEN, &error);
  if (workload == NULL)
    fuzz_fail ("the requests of a workload read from a file were refused");

  sim = kvp_simulation_new (workload, &config, NULL, &error);
  if (sim == NULL)
    {
      /* A request too long for the small pool: refused, cleanly. */
      fuzz_check_message (error);
      return;
    }

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      const KvpSimStats *stats = kvp_simulation_get_stats (sim, s);
      double sum = 0.0;

      if (stats->finished_requests != n)
        fuzz_fail ("a simulation ended with requests unfinished");
      for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
        sum += stats->percent[k];
      if (sum < 99.999 || sum > 100.001)
        fuzz_fail ("the slot classes do not add up to the pool");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  KvpWorkloadOptions options;
  const KvpRequest *requests;
  guint n;

  /* No fsync, no rename: thousands of writes a second. */
  if (!g_file_set_contents_full (path, (const char *) data, size, G_FILE_SET_CONTENTS_NONE, 0600, NULL))
    fuzz_fail ("cannot write the temporary file");

  kvp_workload_options_init (&options);
  options.source = path;
  options.n_requests = 0;
  options.max_len = MAX_LEN;
  workload = kvp_workload_new (&options, &error);
  if (workload == NULL)
    {
      /* One clean line, naming the file (or the request that arrives too
       * late to number its step). */
      fuzz_check_message (error);
      if (!g_error_matches (error, KVP_ERROR, KVP_ERROR_INVALID) ||
          (strstr (error->message, path) == NULL && !g_str_has_prefix (error->message, "Request ")))
        fuzz_fail ("a bad workload file was not named, or not refused as bad input");
      return 0;
    }

  requests = kvp_workload_get_requests (workload, &n);
  if (n == 0 || n > KVP_WORKLOAD_MAX_REQUESTS)
    fuzz_fail ("a workload of no requests, or of more than the limit");
  for (guint i = 0; i < n; i++)
    {
      if (requests[i].prompt_len < 1 || requests[i].output_len < 1 ||
          requests[i].prompt_len + requests[i].output_len > MAX_LEN ||
          (i > 0 && requests[i].arrival < requests[i - 1].arrival))
        fuzz_fail ("a request breaks the workload's rules");
    }

  simulate (requests, MIN (n, SIM_REQUESTS));

  return 0;
}
