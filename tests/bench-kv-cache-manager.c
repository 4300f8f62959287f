/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-kv-cache-manager.c: the KV-cache manager's speed and hit rate on
 * ShareGPT-shaped requests behind a shared system prompt, and the memory
 * parallel sampling saves (the paper's Figure 15 measure), served by a plain
 * FCFS loop (admit while the pool has room, one token per running request
 * per step, the newest preempted when a block is missing). */

#define G_LOG_DOMAIN "kvpage-bench"

#include "config.h"

#include <stdio.h>

#include "kvp-beam-search.h"
#include "kvp-kv-cache-manager.h"
#include "kvp-workload.h"

#define MAX_RUNNING    256u

typedef struct
{
  KvpKvRequestId id;
  guint32        output_len;
} Running;

typedef struct
{
  guint    system_prompt;   /* tokens every prompt starts with */
  guint    n;               /* samples a request asks for (child requests) */
  gboolean caching;
  guint32  num_blocks;
} Setting;

static void
serve (KvpWorkload   *workload,
       const Setting *set,
       const char    *name)
{
  static const KvpKvGroupSpec full[] = { { KVP_KV_GROUP_FULL, 0, 0 } };
  g_autoptr(KvpKvCacheManager) m = kvp_kv_cache_manager_new (set->num_blocks, 16, full, 1, set->caching, NULL);
  g_autoptr(GArray) waiting = g_array_new (FALSE, FALSE, sizeof (Running));
  g_autoptr(GArray) running = g_array_new (FALSE, FALSE, sizeof (Running));
  g_autoptr(GArray) prompt_len = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GTimer) timer = g_timer_new ();
  const KvpRequest *requests;
  guint64 steps = 0, calls = 0, preemptions = 0, logical_sum = 0, physical_sum = 0;
  KvpPrefixCacheStats stats;
  guint n;

  requests = kvp_workload_get_requests (workload, &n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GArray) segs = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
      KvpTokenSegment system = { KVP_TOKENS_PREFIX, 0, set->system_prompt };

      if (set->system_prompt > 0)
        g_array_append_val (segs, system);
      kvp_workload_get_prompt_segments (workload, i, segs);
      /* vLLM v1's parallel sampling: n child requests with one prompt. */
      for (guint c = 0; c < set->n; c++)
        {
          Running r;
          guint32 len = requests[i].prompt_len + set->system_prompt;

          r.id = kvp_kv_cache_manager_add_request (m, (const KvpTokenSegment *) (gpointer) segs->data, segs->len);
          r.output_len = requests[i].output_len;
          g_array_append_val (waiting, r);
          g_array_append_val (prompt_len, len);
        }
    }

  g_timer_start (timer);
  while (waiting->len > 0 || running->len > 0)
    {
      guint64 logical, physical;

      /* Admission, first come first served. */
      while (waiting->len > 0 && running->len < MAX_RUNNING)
        {
          Running r = g_array_index (waiting, Running, 0);
          guint64 hit = kvp_kv_cache_manager_get_computed_blocks (m, r.id);
          guint64 todo = kvp_kv_cache_manager_get_num_tokens (m, r.id) - hit;

          calls += 2;
          if (!kvp_kv_cache_manager_allocate_slots (m, r.id, todo, TRUE, NULL))
            break;
          kvp_kv_cache_manager_add_output_tokens (m, r.id, 1);
          g_array_remove_index (waiting, 0);
          g_array_append_val (running, r);
        }

      /* One token each; a request short of a block preempts the newest. */
      for (guint i = 0; i < running->len; i++)
        {
          Running *r = &g_array_index (running, Running, i);
          guint64 generated = kvp_kv_cache_manager_get_num_tokens (m, r->id) -
                              g_array_index (prompt_len, guint32, r->id);

          if (generated >= r->output_len)
            {
              kvp_kv_cache_manager_remove_request (m, r->id);
              g_array_remove_index (running, i--);
              continue;
            }

          calls++;
          while (!kvp_kv_cache_manager_allocate_slots (m, r->id, 1, FALSE, NULL))
            {
              Running victim = g_array_index (running, Running, running->len - 1);

              kvp_kv_cache_manager_free (m, victim.id);
              g_array_set_size (running, running->len - 1);
              g_array_prepend_val (waiting, victim);
              preemptions++;
              if (running->len == i)
                break;
            }
          if (i < running->len)
            kvp_kv_cache_manager_add_output_tokens (m, g_array_index (running, Running, i).id, 1);
        }

      /* Figure 15: blocks saved by sharing ÷ blocks without sharing, over
       * the whole run; a count walks every request, so it is not timed. */
      g_timer_stop (timer);
      kvp_kv_cache_manager_count_blocks (m, &logical, &physical);
      logical_sum += logical;
      physical_sum += physical;
      steps++;
      g_timer_continue (timer);
    }
  g_timer_stop (timer);

  stats = kvp_kv_cache_manager_get_stats (m);
  printf ("%-22s %7u requests %7" G_GUINT64_FORMAT " steps %6" G_GUINT64_FORMAT " preemptions  "
          "hit rate %5.1f %%  saved %5.1f %%  %8" G_GUINT64_FORMAT " evicted  %.3f s  %.2f M calls/s\n",
          name, n * set->n, steps, preemptions, kvp_prefix_cache_stats_hit_rate_percent (&stats),
          logical_sum > 0 ? 100.0 * (double) (logical_sum - physical_sum) / (double) logical_sum : 0.0,
          stats.evicted_blocks, g_timer_elapsed (timer, NULL),
          (double) calls / g_timer_elapsed (timer, NULL) / 1e6);
}

typedef struct
{
  guint          index;   /* the workload's request */
  KvpBeamSearch *beam;
} Beam;

/* The paper's beam search: a request's candidates (width) share blocks and
 * copy on write; a group short of a block is preempted whole. */
static void
serve_beams (KvpWorkload *workload,
             guint        width,
             guint32      num_blocks,
             const char  *name)
{
  static const KvpKvGroupSpec full[] = { { KVP_KV_GROUP_FULL, 0, 0 } };
  g_autoptr(KvpKvCacheManager) m = kvp_kv_cache_manager_new (num_blocks, 16, full, 1, TRUE, NULL);
  g_autoptr(GArray) waiting = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) running = g_array_new (FALSE, FALSE, sizeof (Beam));
  const KvpRequest *requests;
  guint64 steps = 0, preemptions = 0, logical_sum = 0, physical_sum = 0;
  guint n;

  requests = kvp_workload_get_requests (workload, &n);
  for (guint i = 0; i < n; i++)
    g_array_append_val (waiting, i);

  while (waiting->len > 0 || running->len > 0)
    {
      guint64 logical, physical;

      while (waiting->len > 0 && running->len * width < MAX_RUNNING)
        {
          g_autoptr(GArray) segs = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
          guint index = g_array_index (waiting, guint, 0);
          KvpKvRequestId r;
          Beam b = { index, NULL };

          kvp_workload_get_prompt_segments (workload, index, segs);
          r = kvp_kv_cache_manager_add_request (m, (const KvpTokenSegment *) (gpointer) segs->data, segs->len);
          kvp_kv_cache_manager_get_computed_blocks (m, r);
          if (!kvp_kv_cache_manager_allocate_slots (m, r, requests[index].prompt_len, TRUE, NULL))
            {
              kvp_kv_cache_manager_remove_request (m, r);
              break;
            }
          kvp_kv_cache_manager_add_output_tokens (m, r, 1);
          b.beam = kvp_beam_search_new (m, r, width, index);
          g_array_remove_index (waiting, 0);
          g_array_append_val (running, b);
        }

      for (guint i = 0; i < running->len; i++)
        {
          Beam *b = &g_array_index (running, Beam, i);
          const KvpKvRequestId *c;
          guint nc;

          c = kvp_beam_search_get_candidates (b->beam, &nc);
          if (kvp_kv_cache_manager_get_num_tokens (m, c[0]) - requests[b->index].prompt_len >= requests[b->index].output_len ||
              !kvp_beam_search_step (b->beam, NULL))
            {
              gboolean done = kvp_kv_cache_manager_get_num_tokens (m, c[0]) - requests[b->index].prompt_len >=
                              requests[b->index].output_len;

              kvp_beam_search_remove_all (b->beam);
              kvp_beam_search_free (b->beam);
              if (!done)
                {
                  g_array_prepend_val (waiting, b->index);
                  preemptions++;
                }
              g_array_remove_index (running, i--);
            }
        }

      kvp_kv_cache_manager_count_blocks (m, &logical, &physical);
      logical_sum += logical;
      physical_sum += physical;
      steps++;
    }

  printf ("%-22s %7u requests %7" G_GUINT64_FORMAT " steps %6" G_GUINT64_FORMAT " preemptions  saved %5.1f %%\n",
          name, n, steps, preemptions,
          logical_sum > 0 ? 100.0 * (double) (logical_sum - physical_sum) / (double) logical_sum : 0.0);
}

static KvpWorkload *
generate (const char *source,
          guint       n_requests)
{
  KvpWorkloadOptions options;
  KvpWorkload *workload;

  kvp_workload_options_init (&options);
  options.source = source;
  options.n_requests = n_requests;
  workload = kvp_workload_new (&options, NULL);
  g_assert (workload != NULL);

  return workload;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(KvpWorkload) sharegpt = generate ("sharegpt", 20000);
  g_autoptr(KvpWorkload) sharegpt_small = generate ("sharegpt", 2000);
  g_autoptr(KvpWorkload) alpaca_small = generate ("alpaca", 2000);
  const Setting system_on = { 256, 1, TRUE, 4096 };
  const Setting system_off = { 256, 1, FALSE, 4096 };

  printf ("ShareGPT, 20,000 requests behind a 256-token system prompt; 4,096 blocks of 16, "
          "at most %u running\n", MAX_RUNNING);
  serve (sharegpt, &system_on, "prefix caching");
  serve (sharegpt, &system_off, "no caching");

  /* The paper's Figure 15 for parallel sampling (OPT-13B: Alpaca 6.1-9.8 %,
   * ShareGPT 16.2-30.5 % for 2-6 samples), here as vLLM v1 runs it. */
  printf ("\nParallel sampling, 2,000 requests × n samples; 983 blocks of 16 (the paper's 12 GiB for OPT-13B)\n");
  for (guint n = 2; n <= 6; n += 2)
    {
      const Setting sampling = { 0, n, TRUE, 984 };
      g_autofree char *a = g_strdup_printf ("alpaca n=%u", n);
      g_autofree char *b = g_strdup_printf ("sharegpt n=%u", n);

      serve (alpaca_small, &sampling, a);
      serve (sharegpt_small, &sampling, b);
    }

  printf ("\nBeam search (the paper's fork and copy-on-write; a seeded Wright-Fisher model of which "
          "candidates survive), 2,000 requests, 983 blocks of 16\n");
  for (guint width = 2; width <= 6; width += 2)
    {
      g_autofree char *a = g_strdup_printf ("alpaca width=%u", width);
      g_autofree char *b = g_strdup_printf ("sharegpt width=%u", width);

      serve_beams (alpaca_small, width, 984, a);
      serve_beams (sharegpt_small, width, 984, b);
    }

  return 0;
}
