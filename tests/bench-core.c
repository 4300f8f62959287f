/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-core.c: timings of the core, one JSON object per line, so a change that
 * makes slider drags slow shows up as a number. */

#define G_LOG_DOMAIN "kvpage-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvp-block-pool.h"
#include "kvp-simulation.h"
#include "kvp-model-config.h"
#include "kvp-vllm.h"

/* Odd, so the median is one of the runs; enough to shrug off a stray
 * scheduler hiccup. */
#define N_RUNS 11

#define SWEEP_TOKENS 131072u
#define BLOCK_SIZE   16u

typedef void (*BenchFunc) (gconstpointer data);

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Milliseconds per call, median of N_RUNS.  The first, untimed call warms
 * caches and decides how many calls a run makes: the clock ticks in
 * microseconds, and a 1,024-block pool builds in less than one. */
static double
median_ms (BenchFunc     func,
           gconstpointer data)
{
  double runs[N_RUNS];
  gint64 start = g_get_monotonic_time ();
  gint64 once;
  guint reps;

  func (data);
  once = MAX (g_get_monotonic_time () - start, 1);
  reps = (guint) CLAMP (2000 / once, 1, 10000);

  for (guint i = 0; i < N_RUNS; i++)
    {
      start = g_get_monotonic_time ();
      for (guint r = 0; r < reps; r++)
        func (data);
      runs[i] = (g_get_monotonic_time () - start) / 1000.0 / reps;
    }

  qsort (runs, N_RUNS, sizeof (double), compare_doubles);

  return runs[N_RUNS / 2];
}

/* Locale-independent: a German desktop must not print "0,012". */
static const char *
format_double (char   *buf,
               double  value)
{
  return g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, "%.6f", value);
}

static KvpBlockPool *
new_pool (guint32 num_blocks)
{
  g_autoptr(GError) error = NULL;
  KvpBlockPool *pool = kvp_block_pool_new (num_blocks, BLOCK_SIZE, &error);

  if (pool == NULL)
    g_error ("%s", error->message);

  return pool;
}

static void
build_pool (gconstpointer data)
{
  kvp_block_pool_unref (new_pool (GPOINTER_TO_UINT (data)));
}

/* A large pool that only ever hands out a few blocks costs only those. */
static void
grow_blocks (gconstpointer data)
{
  g_autoptr(KvpBlockPool) pool = new_pool (1024 * 1024);
  KvpSeqId seq = kvp_block_pool_add_sequence (pool);

  for (guint i = 0; i < GPOINTER_TO_UINT (data); i++)
    if (!kvp_block_pool_append (pool, seq, BLOCK_SIZE, NULL))
      g_error ("append failed");
}

/* Dragging the sequence-length slider end to end and back. */
static void
sweep_tokens (gconstpointer data)
{
  KvpBlockPool *pool = (KvpBlockPool *) data;
  KvpSeqId seq = kvp_block_pool_add_sequence (pool);

  for (guint i = 0; i < SWEEP_TOKENS; i++)
    if (!kvp_block_pool_append (pool, seq, 1, NULL))
      g_error ("append failed");

  for (guint64 n = SWEEP_TOKENS; n-- > 0;)
    if (!kvp_block_pool_shrink (pool, seq, n, NULL))
      g_error ("shrink failed");

  kvp_block_pool_free_sequence (pool, seq);
}

/* The most forks one block can take: with the parent, 65,535 holders. */
#define N_FORKS 65534u

/* Beam search's worst case for the allocator: every fork shares the parent's
 * one partly filled block.  With data, each fork first gives back a
 * different number of its tokens (shrink); then all are freed. */
static void
shared_forks (gconstpointer data)
{
  g_autoptr(KvpBlockPool) pool = new_pool (1);
  g_autofree KvpSeqId *forks = g_new (KvpSeqId, N_FORKS);
  KvpSeqId parent = kvp_block_pool_add_sequence (pool);

  if (!kvp_block_pool_append (pool, parent, BLOCK_SIZE - 1, NULL))
    g_error ("append failed");

  for (guint i = 0; i < N_FORKS; i++)
    if (!kvp_block_pool_fork (pool, parent, &forks[i], NULL))
      g_error ("fork failed");

  if (data != NULL)
    for (guint i = 0; i < N_FORKS; i++)
      if (!kvp_block_pool_shrink (pool, forks[i], 1 + i % (BLOCK_SIZE - 2), NULL))
        g_error ("shrink failed");

  kvp_block_pool_free_sequence (pool, parent);
  for (guint i = 0; i < N_FORKS; i++)
    kvp_block_pool_free_sequence (pool, forks[i]);
}

/* The paper's setting: OPT-13B, 983 blocks of 16 (15,728 slots). */
#define SIM_REQUESTS 10000u
#define SIM_BLOCKS   983u

static void
simulate_all (gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  KvpSimConfig config = { BLOCK_SIZE, SIM_BLOCKS, 2048, 0 };
  g_autoptr(KvpSimulation) sim = kvp_simulation_new ((KvpWorkload *) data, &config, NULL, &error);

  if (sim == NULL)
    g_error ("%s", error->message);
}

/* What the serving view pays when the step changes: a snapshot in the
 * middle of the paged run, its checkpoints already taken. */
static void
snapshot_middle (gconstpointer data)
{
  KvpSimulation *sim = (KvpSimulation *) data;
  guint n_steps;

  kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);
  kvp_sim_snapshot_free (kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, n_steps / 2));
}

static void
bench_simulation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { BLOCK_SIZE, SIM_BLOCKS, 2048, 0 };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  double ms;

  kvp_workload_options_init (&options);
  options.n_requests = SIM_REQUESTS;
  workload = kvp_workload_new (&options, &error);
  if (workload == NULL)
    g_error ("%s", error->message);

  ms = median_ms (simulate_all, workload);
  g_print ("{\"case\": \"simulate\", \"workload\": \"sharegpt\", \"requests\": %u, "
           "\"blocks\": %u, \"block_size\": %u, \"schemes\": 4, \"runs\": %u, \"median_ms\": %s}\n",
           SIM_REQUESTS, SIM_BLOCKS, BLOCK_SIZE, N_RUNS, format_double (buf, ms));

  sim = kvp_simulation_new (workload, &config, NULL, &error);
  if (sim == NULL)
    g_error ("%s", error->message);
  ms = median_ms (snapshot_middle, sim);
  g_print ("{\"case\": \"snapshot\", \"requests\": %u, \"scheme\": \"paged\", "
           "\"runs\": %u, \"median_ms\": %s}\n",
           SIM_REQUESTS, N_RUNS, format_double (buf, ms));
}

/* A summary run of all four schemes over n ShareGPT requests, as
 * --simulate runs it, in a child process of its own so its peak resident
 * memory is its own (the workload generated in the child is counted); the
 * paged scheme with or without prefix caching (ShareGPT's prompts share
 * nothing, so caching only costs: every full block hashed and cached). */
static void
summary_child (guint    n,
               gboolean caching)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { BLOCK_SIZE, SIM_BLOCKS, 2048, 0 };

  config.summary_only = TRUE;
  config.no_prefix_caching = !caching;
  kvp_workload_options_init (&options);
  options.n_requests = n;
  workload = kvp_workload_new (&options, &error);
  if (workload != NULL)
    sim = kvp_simulation_new (workload, &config, NULL, &error);
  _exit (sim != NULL ? 0 : 1);
}

static void
bench_summary (void)
{
  /* The last case is 1M again with prefix caching on (vLLM's default);
   * the others keep it off, as the figures before the manager were. */
  static const guint sizes[] = { 1000, 10000, 100000, 1000000, 1000000 };
  double seconds[G_N_ELEMENTS (sizes)];
  char buf[3][G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      gint64 start = g_get_monotonic_time ();
      struct rusage usage;
      int status;
      pid_t pid;

      fflush (stdout);
      pid = fork ();
      if (pid < 0)
        g_error ("fork failed");
      if (pid == 0)
        summary_child (sizes[i], i + 1 == G_N_ELEMENTS (sizes));
      if (wait4 (pid, &status, 0, &usage) != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        g_error ("the simulation of %u requests failed", sizes[i]);
      seconds[i] = (g_get_monotonic_time () - start) / 1e6;
      /* CPU seconds too: on a machine shared with other work the wall
       * clock says more about the others than about the run. */
      g_print ("{\"case\": \"simulate-summary\", \"workload\": \"sharegpt\", \"requests\": %u, "
               "\"blocks\": %u, \"block_size\": %u, \"schemes\": 4, \"prefix_caching\": %s, \"seconds\": %s, "
               "\"cpu_seconds\": %s, \"peak_rss_mib\": %s}\n",
               sizes[i], SIM_BLOCKS, BLOCK_SIZE, i + 1 == G_N_ELEMENTS (sizes) ? "true" : "false",
               format_double (buf[0], seconds[i]),
               format_double (buf[1], usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                                      usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6),
               format_double (buf[2], usage.ru_maxrss / 1024.0));
    }

  /* The goal: cost growing linearly, 1M ≤ 12× the time of 100k. */
  g_print ("{\"case\": \"simulate-summary-growth\", \"ratio_1m_to_100k\": %s}\n",
           format_double (buf[0], seconds[3] / seconds[2]));
}

typedef struct
{
  char  *data;
  gsize  length;
} ConfigText;

/* Reading a config.json already in memory: JSON parse and vLLM's rules. */
static void
parse_config (gconstpointer data)
{
  const ConfigText *text = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_data (text->data, text->length, "bench.json", &error);

  if (config == NULL)
    g_error ("%s", error->message);
}

/* Sizing a pool as vLLM does, groups and all. */
static void
size_pool (gconstpointer data)
{
  const KvpVllmInput *input = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpVllmSizing) sizing = kvp_vllm_sizing_new (input, &error);
  g_auto(GStrv) lines = NULL;

  if (sizing == NULL)
    g_error ("%s", error->message);
  lines = kvp_vllm_sizing_get_log_lines (sizing);
}

static void
bench_configs (void)
{
  static const char *files[] = { "llama-3-8b.json", "gemma-3-27b-it.json", "deepseek-v3.json", "llama-4-scout.json" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (KVP_TEST_CONFIGS, files[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpModelConfig) config = NULL;
      ConfigText text = { NULL, 0 };
      KvpVllmInput input;
      double ms;

      if (!g_file_get_contents (path, &text.data, &text.length, &error))
        g_error ("%s", error->message);

      ms = median_ms (parse_config, &text);
      g_print ("{\"case\": \"parse-config\", \"config\": \"%s\", \"bytes\": %" G_GSIZE_FORMAT ", "
               "\"runs\": %u, \"median_us\": %s}\n",
               files[i], text.length, N_RUNS, format_double (buf, ms * 1000.0));

      config = kvp_model_config_new_from_data (text.data, text.length, files[i], NULL);
      input = (KvpVllmInput) { &config->model, config->layers, config->dtype, 8, 16,
                               MIN (config->model.max_context, 131072), 8192, G_GUINT64_CONSTANT (60) << 30 };
      ms = median_ms (size_pool, &input);
      g_print ("{\"case\": \"vllm-sizing\", \"config\": \"%s\", \"layers\": %u, \"tensor_parallel_size\": 8, "
               "\"runs\": %u, \"median_us\": %s}\n",
               files[i], config->model.num_layers, N_RUNS, format_double (buf, ms * 1000.0));
      g_free (text.data);
    }
}

int
main (int   argc,
      char *argv[])
{
  static const guint32 pool_sizes[] = { 1024, 65536, 1048576, 16777216 };
  g_autoptr(KvpBlockPool) sweep_pool = NULL;
  char buf[2][G_ASCII_DTOSTR_BUF_SIZE];
  double ms;

  for (guint i = 0; i < G_N_ELEMENTS (pool_sizes); i++)
    {
      ms = median_ms (build_pool, GUINT_TO_POINTER (pool_sizes[i]));
      g_print ("{\"case\": \"build-pool\", \"blocks\": %u, \"block_size\": %u, "
               "\"runs\": %u, \"median_ms\": %s}\n",
               pool_sizes[i], BLOCK_SIZE, N_RUNS, format_double (buf[0], ms));
    }

  ms = median_ms (grow_blocks, GUINT_TO_POINTER (1024));
  g_print ("{\"case\": \"grow-blocks\", \"pool_blocks\": %u, \"blocks\": %u, "
           "\"block_size\": %u, \"runs\": %u, \"median_ms\": %s}\n",
           1024 * 1024, 1024, BLOCK_SIZE, N_RUNS, format_double (buf[0], ms));

  /* Just big enough, so the sweep ends with the pool full. */
  sweep_pool = new_pool (SWEEP_TOKENS / BLOCK_SIZE);
  ms = median_ms (sweep_tokens, sweep_pool);
  g_print ("{\"case\": \"sweep-tokens\", \"tokens\": %u, \"block_size\": %u, "
           "\"steps\": %u, \"runs\": %u, \"median_ms\": %s, \"ns_per_step\": %s}\n",
           SWEEP_TOKENS, BLOCK_SIZE, 2 * SWEEP_TOKENS, N_RUNS,
           format_double (buf[0], ms),
           format_double (buf[1], ms * 1e6 / (2.0 * SWEEP_TOKENS)));

  ms = median_ms (shared_forks, NULL);
  g_print ("{\"case\": \"shared-forks-free\", \"forks\": %u, \"block_size\": %u, "
           "\"runs\": %u, \"median_ms\": %s, \"ns_per_fork\": %s}\n",
           N_FORKS, BLOCK_SIZE, N_RUNS, format_double (buf[0], ms),
           format_double (buf[1], ms * 1e6 / N_FORKS));

  ms = median_ms (shared_forks, GUINT_TO_POINTER (TRUE));
  g_print ("{\"case\": \"shared-forks-shrink-free\", \"forks\": %u, \"block_size\": %u, "
           "\"runs\": %u, \"median_ms\": %s, \"ns_per_fork\": %s}\n",
           N_FORKS, BLOCK_SIZE, N_RUNS, format_double (buf[0], ms),
           format_double (buf[1], ms * 1e6 / N_FORKS));
  bench_simulation ();
  bench_summary ();
  bench_configs ();

  return EXIT_SUCCESS;
}
