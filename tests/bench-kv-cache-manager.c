/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-kv-cache-manager.c: the KV-cache manager's speed and hit rate on
 * ShareGPT-shaped requests behind a shared system prompt, served by a
 * plain FCFS loop (admit while the pool has room, one token per running
 * request per step, the newest preempted when a block is missing), with
 * prefix caching on and off. */

#define G_LOG_DOMAIN "kvpage-bench"

#include "config.h"

#include <stdio.h>

#include "kvp-kv-cache-manager.h"
#include "kvp-workload.h"

#define SYSTEM_PROMPT  256u
#define MAX_RUNNING    256u

typedef struct
{
  KvpKvRequestId id;
  guint32        output_len;
} Running;

static void
serve (KvpWorkload *workload,
       gboolean     caching,
       guint32      num_blocks)
{
  static const KvpKvGroupSpec full[] = { { KVP_KV_GROUP_FULL, 0 } };
  g_autoptr(KvpKvCacheManager) m = kvp_kv_cache_manager_new (num_blocks, 16, full, 1, caching, NULL);
  g_autoptr(GArray) waiting = g_array_new (FALSE, FALSE, sizeof (Running));
  g_autoptr(GArray) running = g_array_new (FALSE, FALSE, sizeof (Running));
  g_autoptr(GTimer) timer = g_timer_new ();
  const KvpRequest *requests;
  guint64 steps = 0, calls = 0, preemptions = 0;
  KvpPrefixCacheStats stats;
  guint n;

  requests = kvp_workload_get_requests (workload, &n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GArray) segs = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
      KvpTokenSegment system = { KVP_TOKENS_PREFIX, 0, SYSTEM_PROMPT };
      Running r;

      g_array_append_val (segs, system);
      kvp_workload_get_prompt_segments (workload, i, segs);
      r.id = kvp_kv_cache_manager_add_request (m, (const KvpTokenSegment *) (gpointer) segs->data, segs->len);
      r.output_len = requests[i].output_len;
      g_array_append_val (waiting, r);
    }

  g_timer_start (timer);
  while (waiting->len > 0 || running->len > 0)
    {
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
                              requests[r->id].prompt_len - SYSTEM_PROMPT;

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
      steps++;
    }
  g_timer_stop (timer);

  stats = kvp_kv_cache_manager_get_stats (m);
  printf ("%-16s %8u requests %7" G_GUINT64_FORMAT " steps %6" G_GUINT64_FORMAT " preemptions  "
          "hit rate %5.1f %%  %8" G_GUINT64_FORMAT " evicted  %.3f s  %.2f M calls/s\n",
          caching ? "prefix caching" : "no caching", n, steps, preemptions,
          kvp_prefix_cache_stats_hit_rate_percent (&stats), stats.evicted_blocks,
          g_timer_elapsed (timer, NULL), (double) calls / g_timer_elapsed (timer, NULL) / 1e6);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(KvpWorkload) workload = NULL;
  KvpWorkloadOptions options;

  kvp_workload_options_init (&options);
  options.n_requests = 20000;
  workload = kvp_workload_new (&options, NULL);
  g_assert (workload != NULL);

  printf ("ShareGPT, 20,000 requests behind a %u-token system prompt; 4,096 blocks of 16, "
          "at most %u running\n", SYSTEM_PROMPT, MAX_RUNNING);
  serve (workload, TRUE, 4096);
  serve (workload, FALSE, 4096);

  return 0;
}
