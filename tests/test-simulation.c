/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-simulation.c: tiny workloads worked out by hand for every scheme,
 * preemption and resumption, every slot in one class at every step, the
 * snapshots agree with the totals, the same seed gives the same bytes, and
 * the paper's OPT-13B setting has the paper's shape. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <math.h>
#include <sys/resource.h>

#include "kvp-error.h"
#include "kvp-model.h"
#include "kvp-simulation.h"

enum { TS, RES, INT, EXT, FREE, CACHED };

static KvpWorkload *
workload_of (const guint32 (*lengths)[2],
             guint          n,
             guint32        max_len)
{
  g_autoptr(GError) error = NULL;
  g_autofree KvpRequest *requests = g_new0 (KvpRequest, n);
  KvpWorkload *workload;

  for (guint i = 0; i < n; i++)
    {
      requests[i].prompt_len = lengths[i][0];
      requests[i].output_len = lengths[i][1];
    }
  workload = kvp_workload_new_from_requests (requests, n, max_len, &error);
  g_assert_no_error (error);

  return workload;
}

static KvpSimulation *
simulate (KvpWorkload *workload,
          guint32      block_size,
          guint32      num_blocks,
          guint32      max_seq_len,
          guint        schemes)
{
  g_autoptr(GError) error = NULL;
  KvpSimConfig config = { block_size, num_blocks, max_seq_len, schemes };
  KvpSimulation *sim = kvp_simulation_new (workload, &config, NULL, &error);

  g_assert_no_error (error);

  return sim;
}

/* expected: per step {token, reservation, internal, external, free, cached
 * free, running, waiting} */
static void
assert_steps (KvpSimulation  *sim,
              KvpScheme       scheme,
              const guint64 (*expected)[8],
              guint           n_expected)
{
  guint n_steps;
  const KvpSimStep *steps = kvp_simulation_get_steps (sim, scheme, &n_steps);

  g_assert_cmpuint (n_steps, ==, n_expected);
  for (guint s = 0; s < n_steps; s++)
    {
      g_test_message ("%s step %u", kvp_scheme_to_string (scheme), s);
      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        g_assert_cmpuint (steps[s].slots[c], ==, expected[s][c]);
      g_assert_cmpuint (steps[s].n_running, ==, expected[s][6]);
      g_assert_cmpuint (steps[s].n_waiting, ==, expected[s][7]);
    }
}

static void
assert_blocks (const KvpSimRequestState *state,
               const guint32            *blocks,
               guint                     n_blocks)
{
  g_assert_cmpuint (state->n_blocks, ==, n_blocks);
  for (guint i = 0; i < n_blocks; i++)
    g_assert_cmpuint (state->blocks[i], ==, blocks[i]);
}

/* B = 4, 4 blocks; A: prompt 3, output 2; B: prompt 5, output 3. */
static void
test_paged_by_hand (void)
{
  static const guint32 lengths[][2] = { { 3, 2 }, { 5, 3 } };
  static const guint64 expected[][8] = {
    /* A holds 3 + 1 in block 0, B 5 + 1 in blocks 1–2 (2 slots it will
     * fill), one block free. */
    { 10, 2, 0, 0, 4, 0, 2, 0 },
    /* A's 5th token takes block 3, whose last 3 slots lie past A's final
     * length 5: internal fragmentation.  A finishes. */
    { 12, 1, 3, 0, 0, 0, 2, 0 },
    /* A's first block, full, keeps its hash: cached free; its second
     * (one token) is plain free. */
    { 8, 0, 0, 0, 4, 4, 1, 0 },
  };
  static const guint32 a_blocks[] = { 0, 3 };
  static const guint32 b_blocks[] = { 1, 2 };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 2, 16);
  g_autoptr(KvpSimulation) sim = simulate (workload, 4, 4, 16, 1u << KVP_SCHEME_PAGED);
  g_autoptr(KvpSimSnapshot) snap = NULL;
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  const KvpSimEvent *events;
  guint n_events;

  g_assert_false (kvp_simulation_has_scheme (sim, KVP_SCHEME_MAX));
  assert_steps (sim, KVP_SCHEME_PAGED, expected, G_N_ELEMENTS (expected));

  /* Step 1: A's new block, then A finishes. */
  events = kvp_simulation_get_events (sim, KVP_SCHEME_PAGED, 1, &n_events);
  g_assert_cmpuint (n_events, ==, 2);
  g_assert_cmpuint (events[0].kind, ==, KVP_SIM_EVENT_ALLOCATE);
  g_assert_cmpuint (events[0].request, ==, 0);
  g_assert_cmpuint (events[0].value, ==, 3);
  g_assert_cmpuint (events[1].kind, ==, KVP_SIM_EVENT_FINISH);

  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 1);
  g_assert_cmpuint (snap->n_running, ==, 2);
  g_assert_cmpuint (snap->running[0], ==, 0);
  g_assert_cmpuint (snap->running[1], ==, 1);
  g_assert_cmpuint (snap->requests[0].status, ==, KVP_REQUEST_RUNNING);
  g_assert_cmpuint (snap->requests[0].generated, ==, 2);
  g_assert_cmpuint (snap->requests[0].tokens_held, ==, 5);
  g_assert_cmpuint (snap->requests[0].last_block_fill, ==, 1);
  assert_blocks (&snap->requests[0], a_blocks, 2);
  assert_blocks (&snap->requests[1], b_blocks, 2);
  g_assert_cmpuint (snap->requests[1].last_block_fill, ==, 3);
  g_clear_pointer (&snap, kvp_sim_snapshot_free);

  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 2);
  g_assert_cmpuint (snap->requests[0].status, ==, KVP_REQUEST_FINISHED);
  g_assert_cmpuint (snap->requests[0].n_blocks, ==, 0);
  g_assert_cmpuint (snap->requests[1].tokens_held, ==, 8);
  g_assert_cmpuint (snap->requests[1].last_block_fill, ==, 4);

  g_assert_cmpuint (stats->steps, ==, 3);
  g_assert_cmpuint (stats->finished_requests, ==, 2);
  g_assert_cmpuint (stats->max_batch_size, ==, 2);
  g_assert_cmpfloat_with_epsilon (stats->mean_batch_size, 5.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (stats->tokens_per_step, 5.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (stats->percent[TS], 100.0 * 30 / 48, 1e-9);
  g_assert_cmpfloat_with_epsilon (stats->percent[INT], 100.0 * 3 / 48, 1e-9);
  g_assert_cmpfloat (stats->mean_wait_steps, ==, 0.0);
}

/* B = 2, 3 blocks; A: prompt 2, output 3; B: prompt 1, output 2.  B needs a
 * second block at step 1 and none is free: it preempts itself, comes back
 * at step 3 and recomputes. */
static void
test_preemption_by_hand (void)
{
  static const guint32 lengths[][2] = { { 2, 3 }, { 1, 2 } };
  static const guint64 expected[][8] = {
    { 5, 1, 0, 0, 0, 0, 2, 0 },
    /* B is back in the queue; its one block holds its prompt token and
     * the token step 0 sampled, never computed: vLLM caches no block that
     * token fills, so it is plain free, and free while B waits is external.
     * (It was cached free.) */
    { 4, 0, 0, 2, 0, 0, 1, 1 },
    /* A takes the free block; its last slot is past its final length. */
    { 5, 0, 1, 0, 0, 0, 1, 1 },
    /* B recomputes 1 + 1 tokens and generates its last; A's first block
     * is left cached free. */
    { 3, 0, 1, 0, 0, 2, 1, 0 },
  };
  static const guint32 b_blocks[] = { 2, 1 };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 2, 16);
  g_autoptr(KvpSimulation) sim = simulate (workload, 2, 3, 16, 1u << KVP_SCHEME_PAGED);
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  g_autoptr(KvpSimSnapshot) snap = NULL;

  assert_steps (sim, KVP_SCHEME_PAGED, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (stats->preemptions, ==, 1);
  g_assert_cmpuint (stats->finished_requests, ==, 2);
  /* B waited two steps after its preemption. */
  g_assert_cmpfloat (stats->mean_wait_steps, ==, 1.0);
  g_assert_cmpfloat (stats->tokens_per_step, ==, 5.0 / 4);

  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 1);
  g_assert_cmpuint (snap->n_waiting, ==, 1);
  g_assert_cmpuint (snap->waiting[0], ==, 1);
  g_assert_cmpuint (snap->requests[1].status, ==, KVP_REQUEST_WAITING);
  g_assert_cmpuint (snap->requests[1].n_preemptions, ==, 1);
  g_assert_cmpuint (snap->requests[1].generated, ==, 1);
  g_assert_true (snap->requests[1].admitted);
  g_assert_cmpuint (snap->requests[1].tokens_held, ==, 0);
  g_clear_pointer (&snap, kvp_sim_snapshot_free);

  /* A's blocks went back last first (2, 1, 0), so B gets 2 and 1. */
  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 3);
  g_assert_cmpuint (snap->requests[1].status, ==, KVP_REQUEST_RUNNING);
  g_assert_cmpuint (snap->requests[1].generated, ==, 2);
  g_assert_cmpuint (snap->requests[1].tokens_held, ==, 3);
  assert_blocks (&snap->requests[1], b_blocks, 2);
  g_assert_cmpuint (snap->requests[1].last_block_fill, ==, 1);
}

/* 16 slots, max_seq_len 8; A: prompt 2, output 3; B: 1, 1; C: 3, 2. */
static void
test_reserve_ahead_by_hand (void)
{
  static const guint32 lengths[][2] = { { 2, 3 }, { 1, 1 }, { 3, 2 } };
  /* Max: two blocks of 8; C waits for B's. */
  static const guint64 max[][8] = {
    { 5, 2, 9, 0, 0, 0, 2, 1 },
    { 8, 2, 6, 0, 0, 0, 2, 0 },
    { 10, 0, 6, 0, 0, 0, 2, 0 },
  };
  /* Pow2: A reserves 2 + 4 = 6 (block 8), B 2 (block 2), C 3 + 2 = 5
   * (block 8) and must wait although 6 slots are free. */
  static const guint64 pow2[][8] = {
    { 5, 2, 1, 8, 0, 0, 2, 1 },
    { 8, 2, 1, 5, 0, 0, 2, 0 },
    { 10, 0, 1, 5, 0, 0, 2, 0 },
  };
  static const guint64 oracle[][8] = {
    { 5, 2, 0, 9, 0, 0, 2, 1 },
    { 8, 2, 0, 6, 0, 0, 2, 0 },
    { 10, 0, 0, 6, 0, 0, 2, 0 },
  };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 3, 8);
  g_autoptr(KvpSimulation) sim = simulate (workload, 4, 4, 8, 0);
  g_autoptr(KvpSimSnapshot) snap = NULL;

  assert_steps (sim, KVP_SCHEME_MAX, max, 3);
  assert_steps (sim, KVP_SCHEME_POW2, pow2, 3);
  assert_steps (sim, KVP_SCHEME_ORACLE, oracle, 3);

  for (KvpScheme s = KVP_SCHEME_MAX; s <= KVP_SCHEME_ORACLE; s++)
    {
      g_assert_cmpuint (kvp_simulation_get_stats (sim, s)->preemptions, ==, 0);
      g_assert_cmpfloat_with_epsilon (kvp_simulation_get_stats (sim, s)->mean_wait_steps, 1.0 / 3, 1e-12);
    }

  /* Pow2 at step 0: A at 0 in a block of 8, B at 8 in a block of 2. */
  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_POW2, 0);
  g_assert_cmpuint (snap->requests[0].slot_offset, ==, 0);
  g_assert_cmpuint (snap->requests[0].reserved, ==, 6);
  g_assert_cmpuint (snap->requests[0].rounded, ==, 8);
  g_assert_cmpuint (snap->requests[0].tokens_held, ==, 3);
  g_assert_cmpuint (snap->requests[0].final_len, ==, 5);
  g_assert_cmpuint (snap->requests[1].slot_offset, ==, 8);
  g_assert_cmpuint (snap->requests[1].rounded, ==, 2);
  g_assert_cmpuint (snap->requests[2].status, ==, KVP_REQUEST_WAITING);
  g_clear_pointer (&snap, kvp_sim_snapshot_free);

  /* C takes the merged block at 8 once B is gone. */
  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_POW2, 1);
  g_assert_cmpuint (snap->requests[1].status, ==, KVP_REQUEST_FINISHED);
  g_assert_cmpuint (snap->requests[2].slot_offset, ==, 8);
  g_assert_cmpuint (snap->requests[2].tokens_held, ==, 4);
}

/* Slot classes recomputed from a snapshot's contents, to check the running
 * sums and the replay against each other. */
static void
assert_snapshot_matches (KvpSimulation  *sim,
                         KvpSimSnapshot *snap)
{
  const KvpSimConfig *config = kvp_simulation_get_config (sim);
  guint64 n_slots = kvp_simulation_get_n_slots (sim);
  guint64 slots[KVP_N_SLOT_CLASSES] = { 0 };
  guint64 taken = 0;
  guint n_running = 0;
  g_autoptr(GHashTable) blocks = g_hash_table_new (NULL, NULL);
  guint64 sum = 0;

  for (guint i = 0; i < snap->n_requests; i++)
    {
      const KvpSimRequestState *r = &snap->requests[i];

      if (r->status != KVP_REQUEST_RUNNING)
        {
          g_assert_cmpuint (r->tokens_held, ==, 0);
          continue;
        }

      n_running++;
      /* Less while a prefill (or a recompute) is chunked over steps. */
      g_assert_cmpuint (r->tokens_held, <=, r->prompt_len + r->generated);
      g_assert_cmpuint (r->tokens_held, >, 0);
      slots[TS] += r->tokens_held;
      if (snap->scheme == KVP_SCHEME_PAGED)
        {
          guint64 room = (guint64) r->n_blocks * config->block_size;

          g_assert_cmpuint (r->n_blocks, ==, (r->tokens_held + config->block_size - 1) / config->block_size);
          g_assert_cmpuint (r->last_block_fill, ==, r->tokens_held - (r->n_blocks - 1) * config->block_size);
          for (guint b = 0; b < r->n_blocks; b++)
            {
              g_assert_cmpuint (r->blocks[b], <, config->num_blocks);
              g_assert_false (g_hash_table_contains (blocks, GUINT_TO_POINTER (r->blocks[b] + 1)));
              g_hash_table_add (blocks, GUINT_TO_POINTER (r->blocks[b] + 1));
            }
          slots[RES] += MIN (room, r->final_len) - r->tokens_held;
          slots[INT] += room - MIN (room, r->final_len);
          taken += room;
        }
      else
        {
          g_assert_cmpuint (r->slot_offset % r->rounded, ==, 0);
          g_assert_cmpuint (r->slot_offset + r->rounded, <=, n_slots);
          slots[RES] += r->final_len - r->tokens_held;
          slots[INT] += r->reserved - r->final_len;
          slots[EXT] += r->rounded - r->reserved;
          taken += r->rounded;
        }
    }

  g_assert_cmpuint (n_running, ==, snap->n_running);
  g_assert_cmpuint (snap->n_running, ==, snap->totals.n_running);
  g_assert_cmpuint (snap->n_waiting, ==, snap->totals.n_waiting);
  /* The cached free blocks the snapshot names are free blocks, each once,
   * as many as the step counted. */
  for (guint i = 0; i < snap->n_cached_free; i++)
    {
      g_assert_cmpuint (snap->cached_free[i], <, config->num_blocks);
      g_assert_true (i == 0 || snap->cached_free[i] > snap->cached_free[i - 1]);
      g_assert_false (g_hash_table_contains (blocks, GUINT_TO_POINTER (snap->cached_free[i] + 1)));
    }
  slots[CACHED] = (guint64) snap->n_cached_free * config->block_size;
  taken += slots[CACHED];
  if (snap->scheme != KVP_SCHEME_PAGED)
    g_assert_cmpuint (snap->n_cached_free, ==, 0);
  /* Free slots count as external only in a step whose queue head memory
   * kept out, which the snapshot does not say: take the step's split. */
  g_assert_cmpuint (snap->totals.slots[EXT] - slots[EXT] + snap->totals.slots[FREE], ==, n_slots - taken);
  if (snap->n_waiting == 0)
    slots[FREE] += n_slots - taken;
  else
    {
      slots[EXT] = snap->totals.slots[EXT];
      slots[FREE] = snap->totals.slots[FREE];
    }

  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    {
      g_assert_cmpuint (slots[c], ==, snap->totals.slots[c]);
      sum += snap->totals.slots[c];
    }
  g_assert_cmpuint (sum, ==, n_slots);
}

static void
test_invariant_every_step (void)
{
  g_autoptr(GError) error = NULL;
  KvpWorkloadOptions options;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;

  /* A small pool under Poisson load: preemptions, queues, idle gaps. */
  kvp_workload_options_init (&options);
  options.source = "sharegpt";
  options.n_requests = 60;
  options.seed = 11;
  options.request_rate = 6.0;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = simulate (workload, 16, 160, 2048, 0);

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      guint n_steps;
      const KvpSimStep *steps = kvp_simulation_get_steps (sim, s, &n_steps);
      const KvpSimStats *stats = kvp_simulation_get_stats (sim, s);
      double percent = 0;

      g_assert_cmpuint (stats->finished_requests, ==, 60);
      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        percent += stats->percent[c];
      g_assert_cmpfloat_with_epsilon (percent, 100.0, 1e-9);

      for (guint k = 0; k < n_steps; k++)
        {
          g_autoptr(KvpSimSnapshot) snap = kvp_simulation_get_snapshot (sim, s, k);

          guint arrived = 0;

          g_assert_cmpuint (steps[k].n_running, >, 0);
          g_assert_true (k == 0 || steps[k].clock > steps[k - 1].clock);
          g_assert_true (k == 0 || steps[k].start_ns == steps[k - 1].end_ns ||
                         steps[k].start_ns > steps[k - 1].end_ns);
          assert_snapshot_matches (sim, snap);

          /* Running, waiting and finished add up to the arrivals at every
           * step, the last included. */
          for (guint i = 0; i < snap->n_requests; i++)
            arrived += snap->requests[i].status != KVP_REQUEST_PENDING;
          g_assert_cmpuint (steps[k].n_running + steps[k].n_waiting + steps[k].n_finished, ==, arrived);
          /* Without turns none is between them, and core's counts place
           * the rest as not arrived. */
          {
            KvpRequestCounts counts = kvp_sim_step_count_requests (&steps[k], snap->n_requests, FALSE);

            g_assert_cmpuint (counts.between_turns, ==, 0);
            g_assert_cmpuint (counts.not_arrived, ==, snap->n_requests - arrived);
          }
        }
    }
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->preemptions, >, 0);
  /* Finished requests leave their full blocks cached free, which the
   * snapshots above named block for block. */
  g_assert_cmpfloat (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->percent[CACHED], >, 1.0);
  for (KvpScheme s = KVP_SCHEME_MAX; s < KVP_N_SCHEMES; s++)
    g_assert_cmpfloat (kvp_simulation_get_stats (sim, s)->percent[CACHED], ==, 0.0);
}

static char *
json_of (KvpSimulation *sim)
{
  g_autoptr(JsonNode) root = kvp_simulation_to_json (sim);

  return json_to_string (root, TRUE);
}

static KvpSimulation *
simulate_limits (KvpWorkload *workload,
                 guint32      block_size,
                 guint32      num_blocks,
                 guint32      max_seq_len,
                 guint32      budget,
                 guint32      max_num_seqs)
{
  g_autoptr(GError) error = NULL;
  KvpSimConfig config = { block_size, num_blocks, max_seq_len, 1u << KVP_SCHEME_PAGED, budget, max_num_seqs };
  KvpSimulation *sim = kvp_simulation_new (workload, &config, NULL, &error);

  g_assert_no_error (error);

  return sim;
}

/* A 4,000-token prompt with a 512-token budget: seven chunks of 512 and one
 * of 416, the last emitting the first token; then one decode step.  40 ms a
 * step: TTFT 320 ms, end-to-end 360, TPOT 40, normalized 0.18 s/token. */
static void
test_chunked_prefill (void)
{
  static const guint32 lengths[][2] = { { 4000, 2 } };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 1, 8192);
  g_autoptr(KvpSimulation) sim = simulate_limits (workload, 16, 512, 8192, 512, 0);
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  guint n_steps;
  const KvpSimStep *steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);

  g_assert_cmpuint (n_steps, ==, 9);
  for (guint k = 0; k < 7; k++)
    {
      g_autoptr(KvpSimSnapshot) snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, k);

      g_assert_cmpuint (steps[k].n_tokens, ==, 512);
      g_assert_cmpuint (snap->requests[0].tokens_held, ==, 512 * (k + 1));
      g_assert_cmpuint (snap->requests[0].generated, ==, 0);
      g_assert_cmpuint (steps[k].start_ns, ==, k * G_GUINT64_CONSTANT (40000000));
    }
  g_assert_cmpuint (steps[7].n_tokens, ==, 416);
  g_assert_cmpuint (steps[8].n_tokens, ==, 1);
  g_assert_cmpuint (steps[8].end_ns, ==, G_GUINT64_CONSTANT (360000000));

  g_assert_cmpfloat (stats->latency[KVP_LATENCY_TTFT].mean, ==, 320.0);
  g_assert_cmpfloat (stats->latency[KVP_LATENCY_E2E].p99, ==, 360.0);
  g_assert_cmpfloat (stats->latency[KVP_LATENCY_TPOT].p50, ==, 40.0);
  g_assert_cmpfloat (stats->latency[KVP_LATENCY_QUEUE].mean, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (stats->latency[KVP_LATENCY_NORMALIZED].mean, 0.18, 1e-12);
  g_assert_cmpfloat_with_epsilon (stats->duration_s, 0.36, 1e-12);
  g_assert_cmpfloat_with_epsilon (stats->request_throughput, 1 / 0.36, 1e-9);
  g_assert_cmpfloat_with_epsilon (stats->output_token_throughput, 2 / 0.36, 1e-9);
}

/* The budget is per step: with 2,048 and 65,536 the same burst runs
 * differently (the first admits fewer per step). */
static void
test_budget_applies (void)
{
  static const guint32 lengths[][2] = { { 1000, 4 }, { 1000, 4 }, { 1000, 4 } };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 3, 2048);
  g_autoptr(KvpSimulation) small = simulate_limits (workload, 16, 1024, 2048, 2048, 0);
  g_autoptr(KvpSimulation) large = simulate_limits (workload, 16, 1024, 2048, 65536, 0);
  const KvpSimStep *s = kvp_simulation_get_steps (small, KVP_SCHEME_PAGED, NULL);
  const KvpSimStep *l = kvp_simulation_get_steps (large, KVP_SCHEME_PAGED, NULL);

  /* Two prompts and 48 tokens of the third, against all three at once. */
  g_assert_cmpuint (s[0].n_tokens, ==, 2048);
  g_assert_cmpuint (s[0].n_running, ==, 3);
  g_assert_cmpuint (l[0].n_tokens, ==, 3000);
  /* The third request's first token comes a step later. */
  g_assert_cmpfloat_with_epsilon (kvp_simulation_get_stats (small, KVP_SCHEME_PAGED)->latency[KVP_LATENCY_TTFT].mean,
                                  160.0 / 3, 1e-9);
  g_assert_cmpfloat (kvp_simulation_get_stats (large, KVP_SCHEME_PAGED)->latency[KVP_LATENCY_TTFT].mean, ==, 40.0);
}

/* Four prompts of 1,000 against a budget of 2,048: the fourth waits for
 * the budget, not for memory, so the free slots are free, not external. */
static void
test_budget_wait_is_not_fragmentation (void)
{
  static const guint32 lengths[][2] = { { 1000, 4 }, { 1000, 4 }, { 1000, 4 }, { 1000, 4 } };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 4, 2048);
  g_autoptr(KvpSimulation) sim = simulate_limits (workload, 16, 1024, 2048, 2048, 0);
  const KvpSimStep *s = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, NULL);

  g_assert_cmpuint (s[0].n_waiting, ==, 1);
  g_assert_cmpuint (s[0].slots[KVP_SLOT_EXTERNAL_FRAGMENTATION], ==, 0);
  /* 2,048 tokens take 128 of the 1,024 blocks. */
  g_assert_cmpuint (s[0].slots[KVP_SLOT_FREE], >=, (1024 - 130) * 16);
}

/* --max-num-seqs 8: twenty short requests at once never run nine. */
static void
test_max_num_seqs (void)
{
  guint32 lengths[20][2];
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  const KvpSimStep *steps;
  guint n_steps;

  for (guint i = 0; i < 20; i++)
    {
      lengths[i][0] = 4;
      lengths[i][1] = 10 + i;
    }
  workload = workload_of ((const guint32 (*)[2]) lengths, 20, 64);
  sim = simulate_limits (workload, 4, 1000, 64, 2048, 8);
  steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);
  for (guint k = 0; k < n_steps; k++)
    g_assert_cmpuint (steps[k].n_running, <=, 8);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->max_batch_size, ==, 8);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->finished_requests, ==, 20);
}

/* B = 2, 6 blocks, a budget of 3; A: prompt 4, output 8; B: prompt 2,
 * output 6.  A's prompt takes two steps; B, preempted at step 3 holding 4
 * tokens, comes back at step 9 once A is done and recomputes its 4 tokens
 * in two chunks, 3 then 1 (emitting its third token). */
static void
test_recompute_chunked (void)
{
  static const guint32 lengths[][2] = { { 4, 8 }, { 2, 6 } };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 2, 16);
  g_autoptr(KvpSimulation) sim = simulate_limits (workload, 2, 6, 16, 3, 0);
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  const KvpSimStep *steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, NULL);
  g_autoptr(KvpSimSnapshot) snap = NULL;

  g_assert_cmpuint (stats->preemptions, ==, 1);
  g_assert_cmpuint (stats->recomputed_tokens, ==, 4);
  g_assert_cmpuint (steps[0].n_tokens, ==, 3);

  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 3);
  g_assert_cmpuint (snap->requests[1].status, ==, KVP_REQUEST_WAITING);
  g_assert_cmpuint (snap->requests[1].generated, ==, 2);
  g_clear_pointer (&snap, kvp_sim_snapshot_free);

  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 9);
  g_assert_cmpuint (snap->requests[0].status, ==, KVP_REQUEST_FINISHED);
  g_assert_cmpuint (snap->requests[1].status, ==, KVP_REQUEST_RUNNING);
  g_assert_cmpuint (snap->requests[1].tokens_held, ==, 3);
  g_assert_cmpuint (snap->requests[1].generated, ==, 2);
  g_assert_cmpuint (steps[9].n_tokens, ==, 3);
  g_clear_pointer (&snap, kvp_sim_snapshot_free);

  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 10);
  g_assert_cmpuint (snap->requests[1].tokens_held, ==, 5);
  g_assert_cmpuint (snap->requests[1].generated, ==, 3);
  g_assert_cmpuint (steps[10].n_tokens, ==, 1);
}

/* Time jumps to an arrival when nothing runs: a request arriving at 1 s
 * waits for no one, and its TTFT is one step. */
static void
test_time_conventions (void)
{
  g_autoptr(GError) error = NULL;
  KvpRequest requests[2] = { { 10, 3, 0.0, 0 }, { 10, 2, 1.0, 25 } };
  g_autoptr(KvpWorkload) workload = kvp_workload_new_from_requests (requests, 2, 64, &error);
  KvpSimConfig config = { 4, 64, 64, 1u << KVP_SCHEME_PAGED, 0, 0, 0, { .constant_ns = 10000000 } };
  g_autoptr(KvpSimulation) sim = NULL;
  const KvpSimStep *steps;
  const KvpSimStats *stats;
  guint n_steps;

  g_assert_no_error (error);
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);
  stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);

  g_assert_cmpuint (n_steps, ==, 5);
  g_assert_cmpuint (steps[2].end_ns, ==, 30000000);
  g_assert_cmpuint (steps[3].start_ns, ==, 1000000000);
  g_assert_cmpuint (steps[4].end_ns, ==, 1020000000);
  /* TTFT 10 ms each; end-to-end 30 and 20 ms. */
  g_assert_cmpfloat (stats->latency[KVP_LATENCY_TTFT].p99, ==, 10.0);
  g_assert_cmpfloat (stats->latency[KVP_LATENCY_E2E].mean, ==, 25.0);
  g_assert_cmpfloat (stats->latency[KVP_LATENCY_QUEUE].p99, ==, 0.0);
  g_assert_cmpfloat (stats->latency[KVP_LATENCY_TPOT].mean, ==, 10.0);
  g_assert_cmpfloat_with_epsilon (stats->duration_s, 1.02, 1e-12);
}

/* The roofline: a decode step of an 8B model on an A100-40GB reads its
 * 16 GB of weights at 80 % of 1,555 GB/s; a prefill of 2,048 tokens does
 * 2 × 8e9 FLOPs a token at 60 % of 312 TFLOP/s. */
static void
test_roofline (void)
{
  KvpRooflineInput in = {
    .params = 8e9, .active_params = 8e9, .bytes_per_param = 2, .kv_bytes_per_token = 131072,
    .tensor_parallel = 1, .num_layers = 32, .num_heads = 32, .head_dim = 128, .hidden_size = 4096,
    .flops_16bit = 312e12, .bandwidth = 1555e9, .link_bandwidth = 300e9,
  };
  KvpStepTime time;
  KvpStepWork decode = { 1, 1000, 1000 };
  KvpStepWork prefill = { 2048, 2048, 2048.0 * 1024.5 };
  double weights_s = 16e9 / (1555e9 * 0.8);
  double flops = 2 * 8e9 * 2048 + 4.0 * 32 * 32 * 128 * prefill.attn_pairs;

  kvp_step_time_init_roofline (&time, &in);
  g_assert_true (kvp_step_time_is_roofline (&time));
  g_assert_cmpuint (kvp_step_time_ns (&time, &decode), ==,
                    (guint64) llround ((weights_s + 1000 * 131072 / (1555e9 * 0.8) + 0.0005) * 1e9));
  g_assert_cmpuint (kvp_step_time_ns (&time, &prefill), ==,
                    (guint64) llround ((flops / (312e12 * 0.6) + 0.0005) * 1e9));

  /* FP8 weights run at the FP8 peak, and are half the bytes. */
  in.bytes_per_param = 1;
  in.flops_8bit = 624e12;
  kvp_step_time_init_roofline (&time, &in);
  g_assert_cmpfloat (time.peak_flops, ==, 624e12 * 0.6);
  g_assert_cmpfloat (time.weight_bytes, ==, 8e9);

  /* Tensor parallelism halves the weights and adds the all-reduces. */
  in.bytes_per_param = 2;
  in.tensor_parallel = 2;
  kvp_step_time_init_roofline (&time, &in);
  g_assert_cmpfloat (time.weight_bytes, ==, 8e9);
  g_assert_cmpfloat (time.flops_per_token, ==, 8e9);
  g_assert_cmpfloat (time.allreduce_s_per_token, >, 0);
  g_assert_cmpfloat (time.overhead_s, >, 0.0005);

  /* MoE: FLOPs follow the active parameters; a step reads the experts its
   * tokens route to — of 7e9 routed parameters a token uses 1e9 (k/E =
   * 1/7), so one token reads 2 GB besides the 2 GB of dense weights, and
   * a large batch all 16 GB. */
  in.tensor_parallel = 1;
  in.active_params = 2e9;
  in.routed_params = 7e9;
  kvp_step_time_init_roofline (&time, &in);
  g_assert_cmpfloat (time.flops_per_token, ==, 4e9);
  g_assert_cmpfloat_with_epsilon (time.weight_bytes, 2e9, 1);
  g_assert_cmpfloat_with_epsilon (time.expert_bytes, 14e9, 1);
  g_assert_cmpfloat_with_epsilon (time.expert_share, 1.0 / 7, 1e-12);
  {
    KvpStepWork one = { 1, 0, 0 };
    KvpStepWork many = { 2048, 0, 0 };

    g_assert_cmpuint (kvp_step_time_ns (&time, &one), ==, (guint64) llround ((4e9 / (1555e9 * 0.8) + 0.0005) * 1e9));
    g_assert_cmpfloat (kvp_step_time_ns (&time, &many) / 1e9, >=, 16e9 / (1555e9 * 0.8));
  }
}

/* Percentiles as numpy's default (linear interpolation). */
static void
test_percentiles (void)
{
  double values[] = { 5, 1, 4, 2, 3, 10, 9, 8, 7, 6 };
  KvpLatencySummary summary;

  kvp_latency_summarize (values, G_N_ELEMENTS (values), &summary);
  g_assert_cmpfloat (summary.mean, ==, 5.5);
  g_assert_cmpfloat_with_epsilon (summary.p50, 5.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (summary.p90, 9.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (summary.p99, 9.91, 1e-12);

  kvp_latency_summarize (values, 1, &summary);
  g_assert_cmpfloat (summary.p99, ==, summary.p50);
}

/* A summary gives the figures a recorded run gives, without the steps. */
static void
test_summary_only (void)
{
  g_autoptr(GError) error = NULL;
  KvpWorkloadOptions options;
  g_autoptr(KvpWorkload) workload = NULL;
  KvpSimConfig config = { 16, 200, 2048, 0 };
  g_autoptr(KvpSimulation) recorded = NULL;
  g_autoptr(KvpSimulation) summary = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  kvp_workload_options_init (&options);
  options.n_requests = 200;
  options.request_rate = 4.0;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  recorded = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  config.summary_only = TRUE;
  summary = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  a = json_of (recorded);
  b = json_of (summary);
  g_assert_cmpstr (a, ==, b);
}

/* A summary keeps no steps: four million steps of Max (one 2,048-token
 * reservation at a time) leave the peak memory where it was, where
 * recording them would take 320 MB. */
static void
test_summary_memory (void)
{
  static const guint32 lengths[][2] = { { 1, 2000 } };
  g_autoptr(GError) error = NULL;
  g_autofree KvpRequest *requests = g_new0 (KvpRequest, 2000);
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  KvpSimConfig config = { 16, 128, 2048, 1u << KVP_SCHEME_MAX };
  struct rusage before, after;

  for (guint i = 0; i < 2000; i++)
    {
      requests[i].prompt_len = lengths[0][0];
      requests[i].output_len = lengths[0][1];
    }
  workload = kvp_workload_new_from_requests (requests, 2000, 2048, &error);
  g_assert_no_error (error);
  config.summary_only = TRUE;

  getrusage (RUSAGE_SELF, &before);
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  getrusage (RUSAGE_SELF, &after);
  g_assert_no_error (error);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_MAX)->steps, ==, 2000 * 2000);
  g_assert_cmpint (after.ru_maxrss - before.ru_maxrss, <, 16 * 1024);
}

static void
cancel_at_step (KvpScheme         scheme,
                guint64           index,
                const KvpSimStep *step,
                gpointer          user_data)
{
  if (index == 10)
    g_cancellable_cancel (user_data);
}

static void
test_cancel (void)
{
  g_autoptr(GError) error = NULL;
  KvpWorkloadOptions options;
  g_autoptr(KvpWorkload) workload = NULL;
  KvpSimConfig config = { 16, 200, 2048, 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KvpSimulation) sim = NULL;

  kvp_workload_options_init (&options);
  options.n_requests = 3000;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = kvp_simulation_new_full (workload, &config, cancel_at_step, cancellable, cancellable, &error);
  g_assert_null (sim);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_deterministic (void)
{
  char *texts[3] = { NULL };
  char *csv[2] = { NULL };

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      KvpWorkloadOptions options;
      g_autoptr(KvpWorkload) workload = NULL;
      g_autoptr(KvpSimulation) sim = NULL;

      kvp_workload_options_init (&options);
      options.n_requests = 300;
      options.seed = i < 2 ? 99 : 100;
      options.request_rate = 3.0;
      workload = kvp_workload_new (&options, &error);
      g_assert_no_error (error);
      sim = simulate (workload, 16, 983, 2048, 0);
      texts[i] = json_of (sim);
      if (i < 2)
        csv[i] = kvp_simulation_to_csv (sim);
    }

  g_assert_cmpstr (texts[0], ==, texts[1]);
  g_assert_cmpstr (csv[0], ==, csv[1]);
  g_assert_cmpstr (texts[0], !=, texts[2]);
  for (guint i = 0; i < 3; i++)
    g_free (texts[i]);
  for (guint i = 0; i < 2; i++)
    g_free (csv[i]);
}

static void
test_never_fits (void)
{
  static const guint32 lengths[][2] = { { 10, 10 }, { 30, 10 } };
  g_autoptr(KvpWorkload) workload = workload_of (lengths, 2, 64);
  KvpSimConfig paged = { 4, 8, 64, 1u << KVP_SCHEME_PAGED };
  KvpSimConfig max = { 4, 12, 64, 1u << KVP_SCHEME_MAX };
  KvpSimConfig oracle = { 4, 12, 64, 1u << KVP_SCHEME_ORACLE };
  KvpSimConfig short_len = { 4, 100, 32, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSimulation) sim = NULL;

  /* 40 tokens need 10 blocks of 4; the pool has 8. */
  sim = kvp_simulation_new (workload, &paged, NULL, &error);
  g_assert_null (sim);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Request 2 "));
  g_assert_nonnull (strstr (error->message, "10 blocks"));
  g_clear_error (&error);

  /* 48 slots = 32 + 16: Max's 64 never fits, Oracle's 40 → 64 neither. */
  sim = kvp_simulation_new (workload, &max, NULL, &error);
  g_assert_null (sim);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "No request"));
  g_assert_nonnull (strstr (error->message, "max scheme"));
  g_assert_nonnull (strstr (error->message, "64 tokens"));
  g_assert_nonnull (strstr (error->message, "is 32"));
  g_clear_error (&error);

  sim = kvp_simulation_new (workload, &oracle, NULL, &error);
  g_assert_null (sim);
  g_assert_nonnull (strstr (error->message, "Request 2 "));
  g_assert_nonnull (strstr (error->message, "oracle"));
  g_clear_error (&error);

  sim = kvp_simulation_new (workload, &short_len, NULL, &error);
  g_assert_null (sim);
  g_assert_nonnull (strstr (error->message, "maximum sequence length 32"));
}

/* A recorded run that would pass KVP_SIMULATION_MAX_STEPS is refused before
 * it starts, saying how to shorten it: 9,000 requests of 2,000 output
 * tokens, one at a time under Max (2,048 slots), are 18,000,000 steps. */
static void
test_too_many_steps (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree KvpRequest *requests = g_new0 (KvpRequest, 9000);
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  KvpSimConfig config = { 16, 128, 2048, 1u << KVP_SCHEME_MAX };
  const char *limit = "more than 16,777,216 steps";

  for (guint i = 0; i < 9000; i++)
    {
      requests[i].prompt_len = 1;
      requests[i].output_len = 2000;
    }
  workload = kvp_workload_new_from_requests (requests, 9000, 2048, &error);
  g_assert_no_error (error);

  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_null (sim);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "The max scheme would run for "));
  g_assert_nonnull (strstr (error->message, limit));
  g_assert_nonnull (strstr (error->message, "--simulate keeps no steps"));
}

static void
test_scheme_names (void)
{
  static const char *bad[] = { "", "paged,", "paged,paged", "vllm", "max;pow2" };
  guint mask = 0;

  g_assert_true (kvp_scheme_mask_parse ("oracle,paged", &mask, NULL));
  g_assert_cmpuint (mask, ==, (1u << KVP_SCHEME_ORACLE) | (1u << KVP_SCHEME_PAGED));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (kvp_scheme_mask_parse (bad[i], &mask, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
    }
  g_assert_cmpstr (kvp_slot_class_to_string (KVP_SLOT_EXTERNAL_FRAGMENTATION), ==, "external_fragmentation");
}

/* Kwon et al. §6.2 / Fig. 2: OPT-13B on an A100-40GB keeps 12 GiB of KV,
 * 15,728 token slots = 983 blocks of 16, and serves ShareGPT. */
static void
test_paper_setting (void)
{
  g_autoptr(GError) error = NULL;
  const KvpModel *model = kvp_model_lookup ("opt-13b", &error);
  KvpWorkloadOptions options;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  const KvpSimStats *st[KVP_N_SCHEMES];
  guint64 bytes_per_token = 0;
  guint32 num_blocks;

  g_assert_no_error (error);
  kvp_model_bytes_per_token (model, KVP_DTYPE_FP16, &bytes_per_token, &error);
  g_assert_no_error (error);
  num_blocks = (guint32) ((G_GUINT64_CONSTANT (12) << 30) / bytes_per_token / 16);
  g_assert_cmpuint (num_blocks, ==, 983);

  kvp_workload_options_init (&options);
  options.source = "sharegpt";
  options.n_requests = 2000;
  options.seed = 1;
  options.max_len = model->max_context;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = simulate (workload, 16, num_blocks, model->max_context, 0);
  g_assert_cmpuint (kvp_simulation_get_n_slots (sim), ==, 15728);

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      st[s] = kvp_simulation_get_stats (sim, s);
      g_test_message ("%-6s token %.1f reservation %.1f internal %.1f external %.1f free %.1f batch %.1f",
                      kvp_scheme_to_string (s), st[s]->percent[TS], st[s]->percent[RES],
                      st[s]->percent[INT], st[s]->percent[EXT], st[s]->percent[FREE],
                      st[s]->mean_batch_size);
      g_assert_cmpuint (st[s]->finished_requests, ==, 2000);
    }

  /* Paged keeps far more in token states than any reserve-ahead scheme. */
  g_assert_cmpfloat (st[KVP_SCHEME_PAGED]->percent[TS], >, 90.0);
  g_assert_cmpfloat (st[KVP_SCHEME_ORACLE]->percent[TS], <, 50.0);
  g_assert_cmpfloat (st[KVP_SCHEME_PAGED]->percent[TS], >, 2 * st[KVP_SCHEME_ORACLE]->percent[TS]);
  /* Max < Pow2 < Oracle, and the batch sizes follow. */
  g_assert_cmpfloat (st[KVP_SCHEME_MAX]->percent[TS], <, st[KVP_SCHEME_POW2]->percent[TS]);
  g_assert_cmpfloat (st[KVP_SCHEME_POW2]->percent[TS], <, st[KVP_SCHEME_ORACLE]->percent[TS]);
  g_assert_cmpfloat (st[KVP_SCHEME_MAX]->mean_batch_size, <, st[KVP_SCHEME_POW2]->mean_batch_size);
  g_assert_cmpfloat (st[KVP_SCHEME_POW2]->mean_batch_size, <, st[KVP_SCHEME_ORACLE]->mean_batch_size);
  g_assert_cmpfloat (st[KVP_SCHEME_ORACLE]->mean_batch_size, <, st[KVP_SCHEME_PAGED]->mean_batch_size);
  /* Max: seven 2048-slot reservations at most; internal ≫ reservation. */
  g_assert_cmpuint (st[KVP_SCHEME_MAX]->max_batch_size, ==, 7);
  g_assert_cmpfloat (st[KVP_SCHEME_MAX]->percent[INT], >, 2 * st[KVP_SCHEME_MAX]->percent[RES]);
  /* Oracle knows the output: no internal fragmentation at all. */
  g_assert_cmpfloat (st[KVP_SCHEME_ORACLE]->percent[INT], ==, 0.0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/simulation/paged-by-hand", test_paged_by_hand);
  g_test_add_func ("/core/simulation/preemption-by-hand", test_preemption_by_hand);
  g_test_add_func ("/core/simulation/reserve-ahead-by-hand", test_reserve_ahead_by_hand);
  g_test_add_func ("/core/simulation/invariant-every-step", test_invariant_every_step);
  g_test_add_func ("/core/simulation/chunked-prefill", test_chunked_prefill);
  g_test_add_func ("/core/simulation/budget-applies", test_budget_applies);
  g_test_add_func ("/core/simulation/budget-wait-is-not-fragmentation", test_budget_wait_is_not_fragmentation);
  g_test_add_func ("/core/simulation/max-num-seqs", test_max_num_seqs);
  g_test_add_func ("/core/simulation/recompute-chunked", test_recompute_chunked);
  g_test_add_func ("/core/simulation/time-conventions", test_time_conventions);
  g_test_add_func ("/core/simulation/percentiles", test_percentiles);
  g_test_add_func ("/core/simulation/roofline", test_roofline);
  g_test_add_func ("/core/simulation/summary-only", test_summary_only);
  g_test_add_func ("/core/simulation/summary-memory", test_summary_memory);
  g_test_add_func ("/core/simulation/cancel", test_cancel);
  g_test_add_func ("/core/simulation/deterministic", test_deterministic);
  g_test_add_func ("/core/simulation/never-fits", test_never_fits);
  g_test_add_func ("/core/simulation/too-many-steps", test_too_many_steps);
  g_test_add_func ("/core/simulation/scheme-names", test_scheme_names);
  g_test_add_func ("/core/simulation/paper-setting", test_paper_setting);

  return g_test_run ();
}
