/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sim-sharing.c: the serving simulation's paged scheme over vLLM v1's
 * KV-cache manager — prefix-cache hits worked out by hand, caching off,
 * prefix groups, samples as child requests, blocks shared in the slot
 * classes and in the snapshots, hybrid models' groups, and the paper's
 * Figure 16 in shape.  The manager and its pool are checked after every
 * step of the runs worked out by hand (check_every_step). */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <glib/gstdio.h>

#include "kvp-error.h"
#include "kvp-simulation.h"
#include "kvp-workload-sharing.h"

enum { TS, RES, INT, EXT, FREE, CACHED };

/* count fixed:prompt,output requests, all at once, with a shared prefix of
 * prefix tokens over groups prefixes and samples samples each. */
static KvpWorkload *
shared_workload (guint    count,
                 guint32  prompt,
                 guint32  output,
                 guint32  prefix,
                 guint32  groups,
                 guint32  samples)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_strdup_printf ("fixed:%u,%u", prompt, output);
  KvpWorkloadOptions options;
  KvpWorkload *workload;

  kvp_workload_options_init (&options);
  options.source = source;
  options.n_requests = count;
  options.max_len = 4096;
  options.shared_prefix = prefix;
  options.prefix_groups = groups;
  options.samples = samples;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);

  return workload;
}

static KvpSimulation *
run_paged (KvpWorkload *workload,
           guint32      block_size,
           guint32      num_blocks,
           gboolean     caching,
           gboolean     summary)
{
  g_autoptr(GError) error = NULL;
  KvpSimConfig config = { block_size, num_blocks, 4096, 1u << KVP_SCHEME_PAGED };
  KvpSimulation *sim;

  config.no_prefix_caching = !caching;
  config.summary_only = summary;
  config.check_every_step = TRUE;
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  return sim;
}

static void
assert_partition (KvpSimulation *sim,
                  guint64        n_slots)
{
  guint n;
  const KvpSimStep *steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n);

  for (guint s = 0; s < n; s++)
    {
      guint64 sum = 0;

      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        {
          /* An unsigned class gone below zero would show as a huge one. */
          g_assert_cmpuint (steps[s].slots[c], <=, n_slots);
          sum += steps[s].slots[c];
        }
      g_assert_cmpuint (sum, ==, n_slots);
    }
}

/* B = 4.  Two requests of a 4-token prompt behind the same 8-token prefix
 * (12 tokens each), output 2, arriving together.  The first caches its two
 * full prefix blocks as it is scheduled; the second, admitted in the same
 * step, hits both (8 tokens, under the last-token cap of 11) and prefills
 * only its 4 own tokens: 12 + 4 tokens in the first step instead of 24. */
static void
test_prefix_hit_by_hand (void)
{
  g_autoptr(KvpWorkload) workload = shared_workload (2, 4, 2, 8, 1, 1);
  g_autoptr(KvpSimulation) sim = run_paged (workload, 4, 16, TRUE, FALSE);
  g_autoptr(KvpSimulation) off = run_paged (workload, 4, 16, FALSE, FALSE);
  g_autoptr(KvpSimSnapshot) snap = NULL;
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  const KvpSimStats *plain = kvp_simulation_get_stats (off, KVP_SCHEME_PAGED);
  const KvpSimStep *steps;
  guint n;

  steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (steps[0].n_tokens, ==, 16);
  /* 13 slots each (12 + the sampled token), 4 blocks each, 2 shared: 6
   * blocks used, the shared two hold their 8 tokens once. */
  g_assert_cmpuint (steps[0].slots[TS], ==, 26 - 8);
  g_assert_cmpuint (steps[0].slots[RES], ==, 2 * 1);
  g_assert_cmpuint (steps[0].slots[INT], ==, 2 * 2);
  g_assert_cmpuint (steps[0].slots[FREE], ==, (16 - 6) * 4);
  assert_partition (sim, 64);

  g_assert_cmpuint (stats->prefix_cache.queries_tokens, ==, 24);
  g_assert_cmpuint (stats->prefix_cache.hits_tokens, ==, 8);
  g_assert_cmpuint (stats->prefill_tokens_saved, ==, 8);
  /* Step 0: 8 blocks named, 6 used; step 1 the same tables: 2 / 8. */
  g_assert_cmpfloat_with_epsilon (stats->memory_saving_percent, 25.0, 1e-9);

  /* The snapshot replays the hit: the second request's table starts with
   * the first one's two blocks. */
  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 0);
  g_assert_cmpuint (snap->requests[1].tokens_held, ==, 13);
  g_assert_cmpuint (snap->requests[1].n_blocks, ==, 4);
  g_assert_cmpuint (snap->requests[1].blocks[0], ==, snap->requests[0].blocks[0]);
  g_assert_cmpuint (snap->requests[1].blocks[1], ==, snap->requests[0].blocks[1]);
  g_assert_cmpuint (snap->requests[1].blocks[2], !=, snap->requests[0].blocks[2]);
  g_assert_cmpuint (snap->requests[1].last_block_fill, ==, 1);

  /* Without caching every prompt token is prefilled and nothing shared. */
  steps = kvp_simulation_get_steps (off, KVP_SCHEME_PAGED, &n);
  g_assert_cmpuint (steps[0].n_tokens, ==, 24);
  g_assert_cmpuint (plain->prefix_cache.queries_tokens, ==, 0);
  g_assert_cmpuint (plain->prefill_tokens_saved, ==, 0);
  g_assert_cmpfloat (plain->memory_saving_percent, ==, 0.0);
  assert_partition (off, 64);
}

/* A hit shortens the time to first token: with a 4-token budget the
 * second request's own 4 tokens fit one step where its 12 needed three. */
static void
test_prefix_hit_ttft (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = shared_workload (2, 4, 2, 8, 1, 1);
  KvpSimConfig config = { 4, 16, 4096, 1u << KVP_SCHEME_PAGED };
  g_autoptr(KvpSimulation) on = NULL;
  g_autoptr(KvpSimulation) off = NULL;

  config.max_num_batched_tokens = 12;
  config.check_every_step = TRUE;
  on = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  config.no_prefix_caching = TRUE;
  off = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  /* On: step 0 the first prompt (12), step 1 a decode + the second's 4
   * own tokens; off: the second needs 12 tokens, and step 1 has 11. */
  g_assert_cmpfloat (kvp_simulation_get_stats (on, KVP_SCHEME_PAGED)->latency[KVP_LATENCY_TTFT].mean, <,
                     kvp_simulation_get_stats (off, KVP_SCHEME_PAGED)->latency[KVP_LATENCY_TTFT].mean);
  g_assert_cmpuint (kvp_simulation_get_stats (on, KVP_SCHEME_PAGED)->steps, <,
                    kvp_simulation_get_stats (off, KVP_SCHEME_PAGED)->steps);
}

/* Requests 0 and 2 take prefix 0, 1 and 3 prefix 1: the later two hit. */
static void
test_prefix_groups (void)
{
  g_autoptr(KvpWorkload) workload = shared_workload (4, 4, 2, 8, 2, 1);
  g_autoptr(KvpSimulation) sim = run_paged (workload, 4, 32, TRUE, TRUE);
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  KvpRequestSharing share = kvp_workload_get_sharing (workload, 3);

  g_assert_cmpuint (kvp_workload_get_requests (workload, NULL)[3].prompt_len, ==, 12);
  g_assert_cmpuint (share.prefix_id, ==, 1);
  g_assert_cmpuint (share.prefix_len, ==, 8);
  g_assert_cmpuint (stats->prefix_cache.queries_tokens, ==, 48);
  g_assert_cmpuint (stats->prefix_cache.hits_tokens, ==, 16);
  g_assert_cmpuint (stats->finished_requests, ==, 4);
}

/* --n 3: one request of an 8-token prompt becomes three child requests
 * with the same prompt.  B = 4: the later two hit one block each, not two
 * (a hit never covers the last prompt token). */
static void
test_samples (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = shared_workload (1, 8, 3, 0, 1, 3);
  g_autoptr(KvpWorkload) children = kvp_workload_expand_samples (workload, &error);
  g_autoptr(KvpSimulation) sim = run_paged (workload, 4, 32, TRUE, FALSE);
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  guint n;

  g_assert_no_error (error);
  kvp_workload_get_requests (children, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (kvp_workload_get_sharing (children, 2).n, ==, 1);
  g_assert_cmpuint (kvp_workload_get_sharing (children, 2).own, ==, 1);

  kvp_workload_get_requests (kvp_simulation_get_workload (sim), &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (stats->finished_requests, ==, 3);
  g_assert_cmpuint (stats->output_tokens, ==, 9);
  g_assert_cmpuint (stats->prefix_cache.hits_tokens, ==, 8);
  g_assert_cmpuint (stats->prefill_tokens_saved, ==, 8);
  g_assert_cmpfloat (stats->memory_saving_percent, >, 0.0);
  assert_partition (sim, 128);
}

/* What cannot be asked: a prefix on a file, groups without a prefix, a
 * prefix that makes a request too long. */
static void
test_sharing_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) base = shared_workload (2, 100, 10, 0, 1, 1);
  KvpRequest request = { 10, 2, 0.0, 0 };
  g_autoptr(KvpWorkload) from_memory = kvp_workload_new_from_requests (&request, 1, 64, &error);
  KvpWorkload *w;

  g_assert_no_error (error);
  w = kvp_workload_share (from_memory, 8, 1, 1, 64, &error);
  g_assert_null (w);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  w = kvp_workload_share (base, 0, 2, 1, 4096, &error);
  g_assert_null (w);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  w = kvp_workload_share (base, 4000, 1, 1, 4096, &error);
  g_assert_null (w);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "request 1"));
}

/* A hybrid model's groups (B = 4): a sliding window of 4 tokens beside full
 * attention.  One request, prompt 12, output 6: both groups take 4 blocks
 * for its 13 slots; from the next step the window's first two blocks are
 * the null block again (the next token sees tokens 10–13), so they hold no
 * token states and go back to the pool, while the full group keeps all. */
static void
test_hybrid_groups (void)
{
  static const guint32 lengths[] = { 12, 6 };
  g_autoptr(GError) error = NULL;
  KvpRequest request = { lengths[0], lengths[1], 0.0, 0 };
  g_autoptr(KvpWorkload) workload = kvp_workload_new_from_requests (&request, 1, 64, &error);
  KvpSimConfig config = { 4, 32, 64, (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_ORACLE) };
  g_autoptr(KvpSimulation) sim = NULL;
  g_autoptr(KvpSimSnapshot) snap = NULL;
  const KvpSimStats *stats;
  const KvpSimStep *steps;
  guint n;

  g_assert_no_error (error);
  config.n_groups = 2;
  config.check_every_step = TRUE;
  config.groups[0] = (KvpKvGroupSpec) { KVP_KV_GROUP_SLIDING_WINDOW, 4, 3 };
  config.groups[1] = (KvpKvGroupSpec) { KVP_KV_GROUP_FULL, 0, 0 };
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n);
  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpuint (steps[0].slots[TS], ==, 13 + 13);
  g_assert_cmpuint (steps[0].slots[FREE], ==, (32 - 8) * 4);
  g_assert_cmpuint (steps[1].slots[TS], ==, 14 + (14 - 8));
  /* The window's two blocks went back full, with their hashes: cached free. */
  g_assert_cmpuint (steps[1].slots[FREE], ==, (32 - 8) * 4);
  g_assert_cmpuint (steps[1].slots[CACHED], ==, 2 * 4);
  assert_partition (sim, 128);

  stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  g_assert_cmpuint (stats->group_peak_blocks[0], ==, 4);
  g_assert_cmpuint (stats->group_peak_blocks[1], ==, 4);

  /* The picture follows the full group, which keeps every block. */
  snap = kvp_simulation_get_snapshot (sim, KVP_SCHEME_PAGED, 5);
  g_assert_cmpuint (snap->requests[0].n_blocks, ==, 5);
  g_assert_cmpuint (snap->requests[0].tokens_held, ==, 18);

  /* Orca keeps both groups' KV for every token: 2 slots a token. */
  steps = kvp_simulation_get_steps (sim, KVP_SCHEME_ORACLE, &n);
  g_assert_cmpuint (steps[0].slots[TS], ==, 2 * 13);
  g_assert_cmpuint (steps[0].slots[RES], ==, 2 * (18 - 13));
}

/* --workload conversation: each turn's prompt is the whole history, the
 * conversation's prefix; a later turn follows the one before by a think
 * time (exponential, mean 30 s) after its answer; in a pool that never
 * evicts every later turn hits exactly the full blocks of the previous turn's
 * prompt and answer, less the answer's last token, which vLLM samples but
 * never computes. */
static void
test_conversation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpWorkload) again = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  g_autofree guint64 *last_prompt = NULL;
  g_autofree guint64 *last_total = NULL;
  g_autofree double *last_arrival = NULL;
  g_autofree guint *last_index = NULL;
  double think_sum = 0.0;
  guint n_later = 0;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 200000, 8192, 1u << KVP_SCHEME_PAGED };
  const KvpRequest *requests;
  guint64 expected_hits = 0, prompt_only_hits = 0;
  guint n;

  kvp_workload_options_init (&options);
  options.source = "conversation";
  options.n_requests = 300;
  options.request_rate = 0.5;
  options.max_len = 8192;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  again = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kvp_workload_get_source (workload), ==, "conversation");

  requests = kvp_workload_get_requests (workload, &n);
  g_assert_cmpuint (n, ==, 300);
  g_assert_cmpmem (requests, n * sizeof *requests, kvp_workload_get_requests (again, NULL), n * sizeof *requests);
  last_prompt = g_new0 (guint64, n);
  last_total = g_new0 (guint64, n);
  last_arrival = g_new0 (double, n);
  last_index = g_new0 (guint, n);
  for (guint i = 0; i < n; i++)
    {
      KvpRequestSharing share = kvp_workload_get_sharing (workload, i);

      g_assert_true (i == 0 || requests[i].arrival >= requests[i - 1].arrival);
      g_assert_cmpuint (share.prefix_len, ==, requests[i].prompt_len);
      g_assert_cmpuint (share.prefix_id, <, n);
      if (last_prompt[share.prefix_id] > 0)
        {
          /* The history grew by the last message and its answer. */
          g_assert_cmpuint (requests[i].prompt_len, >, last_prompt[share.prefix_id]);
          /* Its arrival is the earliest it could be: the turn before's,
           * then its think time. */
          g_assert_cmpuint (share.waits, ==, 1);
          g_assert_cmpfloat (share.think_s, >, 0.0);
          g_assert_cmpfloat_with_epsilon (requests[i].arrival - last_arrival[share.prefix_id], share.think_s, 1e-6);
          g_assert_cmpuint (kvp_workload_get_sharing (workload, last_index[share.prefix_id]).next, ==, i + 1);
          think_sum += share.think_s;
          n_later++;
          expected_hits += (last_total[share.prefix_id] - 1) / 16 * 16;
          prompt_only_hits += last_prompt[share.prefix_id] / 16 * 16;
        }
      last_prompt[share.prefix_id] = requests[i].prompt_len;
      last_total[share.prefix_id] = (guint64) requests[i].prompt_len + requests[i].output_len;
      last_arrival[share.prefix_id] = requests[i].arrival;
      last_index[share.prefix_id] = i;
    }
  g_assert_cmpuint (expected_hits, >, 0);
  /* Think times are exponential with a mean of 30 s. */
  g_assert_cmpfloat (think_sum / n_later, >, 25.0);
  g_assert_cmpfloat (think_sum / n_later, <, 35.0);

  /* A turn's answer continues its conversation's history; a workload that
   * is no conversation keeps its answers its own. */
  {
    KvpTokenSegment answer;
    g_autoptr(KvpWorkload) plain = shared_workload (2, 40, 30, 8, 1, 1);

    g_assert_true (kvp_workload_get_answer_segment (workload, 0, &answer));
    g_assert_cmpint (answer.kind, ==, KVP_TOKENS_PREFIX);
    g_assert_cmpuint (answer.id, ==, kvp_workload_get_sharing (workload, 0).prefix_id);
    g_assert_cmpuint (answer.start, ==, requests[0].prompt_len);
    g_assert_false (kvp_workload_get_answer_segment (plain, 0, &answer));
  }

  /* The answers add to the hits what the previous prompts alone gave. */
  g_assert_cmpuint (expected_hits, >, prompt_only_hits + prompt_only_hits / 4);

  config.summary_only = TRUE;
  /* 1 ms steps: the longest answer (2,048 tokens) ends in seconds. */
  config.step_time.constant_ns = 1000000;
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->prefix_cache.hits_tokens, ==, expected_hits);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->preemptions, ==, 0);

  /* A conversation's prompt is its history: no other prefix. */
  options.shared_prefix = 10;
  g_assert_null (kvp_workload_new (&options, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
}

/* Two conversations of three turns, by hand: A (prompt 10, 5, 4 new tokens;
 * answers 6, 7, 3) and B (8, 6, 5; 5, 4, 2), think times 0.5 s and 0.25 s
 * (A), 0.125 s and 1 s (B), in a pool of 40 blocks of 4 that never evicts.
 * Each later turn arrives at the first step starting at or after the
 * previous turn's last token plus its think time (never before its answer
 * exists), in each scheme's own run, and hits the previous prompt and
 * answer's full blocks but the last token, as before. */
static KvpWorkload *
two_conversations (void)
{
  g_autoptr(GError) error = NULL;
  /* In order of earliest arrival: A0, B0, B1, A1, A2, B2. */
  const KvpRequest requests[] = {
    { 10, 6, 0.0, 0 }, { 8, 5, 0.0, 0 }, { 19, 4, 0.125, 0 },
    { 21, 7, 0.5, 0 }, { 32, 3, 0.75, 0 }, { 28, 2, 1.125, 0 },
  };
  const KvpRequestSharing sharing[] = {
    { 1, 0, 10, 0, 0, 0, 4, 0, 0.0 },   { 1, 1, 8, 0, 0, 0, 3, 0, 0.0 },
    { 1, 1, 19, 0, 0, 0, 6, 1, 0.125 }, { 1, 0, 21, 0, 0, 0, 5, 1, 0.5 },
    { 1, 0, 32, 0, 0, 0, 0, 1, 0.25 },  { 1, 1, 28, 0, 0, 0, 0, 1, 1.0 },
  };
  g_autoptr(KvpWorkload) base = kvp_workload_new_from_requests (requests, G_N_ELEMENTS (requests), 128, &error);
  g_autoptr(GArray) r = g_array_new (FALSE, FALSE, sizeof (KvpRequest));
  g_autoptr(GArray) s = g_array_new (FALSE, FALSE, sizeof (KvpRequestSharing));

  g_assert_no_error (error);
  g_array_append_vals (r, kvp_workload_get_requests (base, NULL), G_N_ELEMENTS (requests));
  g_array_append_vals (s, sharing, G_N_ELEMENTS (sharing));

  return kvp_workload_new_derived (base, "conversation", r, s);
}

static void
test_conversation_closed_loop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = two_conversations ();
  g_autoptr(KvpSimulation) sim = NULL;
  /* Max reserves 128 slots of the 160: one request at a time, so its turns
   * finish, and the next ones arrive, later than the paged scheme's. */
  KvpSimConfig config = { 4, 40, 128, (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_MAX) };
  const guint32 follows[] = { G_MAXUINT32, G_MAXUINT32, 1, 0, 3, 2 };
  const double think[] = { 0, 0, 0.125, 0.5, 0.25, 1.0 };
  guint64 arrived[2][6], finished[2][6];

  config.step_time.constant_ns = 10000000;
  config.check_every_step = TRUE;
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  for (guint k = 0; k < 2; k++)
    {
      KvpScheme scheme = k == 0 ? KVP_SCHEME_PAGED : KVP_SCHEME_MAX;
      guint n_steps;
      const KvpSimStep *steps = kvp_simulation_get_steps (sim, scheme, &n_steps);

      for (guint i = 0; i < 6; i++)
        arrived[k][i] = finished[k][i] = G_MAXUINT64;
      for (guint t = 0; t < n_steps; t++)
        {
          guint n_events;
          const KvpSimEvent *events = kvp_simulation_get_events (sim, scheme, t, &n_events);

          for (guint e = 0; e < n_events; e++)
            {
              if (events[e].kind == KVP_SIM_EVENT_ARRIVE)
                arrived[k][events[e].request] = steps[t].start_ns;
              if (events[e].kind == KVP_SIM_EVENT_FINISH)
                finished[k][events[e].request] = steps[t].end_ns;
            }
        }

      g_assert_cmpuint (arrived[k][0], ==, 0);
      g_assert_cmpuint (arrived[k][1], ==, 0);
      for (guint i = 2; i < 6; i++)
        {
          guint64 due = finished[k][follows[i]] + (guint64) (think[i] * 1e9);
          guint t;

          /* The first step starting at or after it is due; a step that
           * started before it knew nothing of it. */
          g_assert_cmpuint (finished[k][follows[i]], !=, G_MAXUINT64);
          g_assert_cmpuint (arrived[k][i], >=, due);
          for (t = 0; t < n_steps && steps[t].start_ns != arrived[k][i]; t++)
            ;
          g_assert_true (t == 0 || steps[t - 1].start_ns < due);
          g_assert_true (arrived[k][i] == due || arrived[k][i] < due + config.step_time.constant_ns);
        }
    }
  /* Each scheme releases its turns at its own times. */
  g_assert_cmpuint (arrived[1][2], >, arrived[0][2]);

  /* The serving view's snapshots replay the same: a later turn is pending
   * until its step, though its earliest arrival passed long before. */
  for (guint k = 0; k < 2; k++)
    {
      KvpScheme scheme = k == 0 ? KVP_SCHEME_PAGED : KVP_SCHEME_MAX;
      guint n_steps;
      const KvpSimStep *steps = kvp_simulation_get_steps (sim, scheme, &n_steps);

      for (guint t = 0; t < n_steps; t++)
        {
          KvpSimSnapshot *snap = kvp_simulation_get_snapshot (sim, scheme, t);

          g_assert_cmpuint (snap->n_waiting, ==, steps[t].n_waiting);
          for (guint i = 2; i < 6; i++)
            g_assert_cmpint (snap->requests[i].status == KVP_REQUEST_PENDING, ==, steps[t].start_ns < arrived[k][i]);
          kvp_sim_snapshot_free (snap);
        }
    }

  /* The hits as by hand: B1 (8 + 5 − 1) / 4 → 12, A1 (10 + 6 − 1) → 12,
   * A2 (21 + 7 − 1) → 24, B2 (19 + 4 − 1) → 20. */
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->prefix_cache.hits_tokens, ==, 12 + 12 + 24 + 20);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->preemptions, ==, 0);
}

/* Conversations of two turns each, in blocks of 4: turn 0 of prompt[i]
 * tokens answered by output[i], turn 1 its history and 4 new tokens (one
 * token answered), a quarter of a second after turn 0 ends; and a request
 * of 1 + 60 tokens of its own, which keeps the steps going meanwhile. */
static KvpWorkload *
second_turns (const guint32 *prompt,
              const guint32 *output,
              guint          n_conversations)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) r = g_array_new (FALSE, FALSE, sizeof (KvpRequest));
  g_autoptr(GArray) s = g_array_new (FALSE, FALSE, sizeof (KvpRequestSharing));
  g_autoptr(KvpWorkload) base = NULL;

  for (guint i = 0; i < n_conversations; i++)
    {
      KvpRequest first = { prompt[i], output[i], 0.0, 0 };
      KvpRequestSharing shared = { 1, i, prompt[i], 0, 0, 0, n_conversations + i + 2, 0, 0.0 };

      g_array_append_val (r, first);
      g_array_append_val (s, shared);
    }
  {
    KvpRequest keeper = { 1, 60, 0.0, 0 };
    KvpRequestSharing own = { 1, 0, 0, 0, 0, 0, 0, 0, 0.0 };

    g_array_append_val (r, keeper);
    g_array_append_val (s, own);
  }
  for (guint i = 0; i < n_conversations; i++)
    {
      KvpRequest next = { prompt[i] + output[i] + 4, 1, 0.25, 0 };
      KvpRequestSharing shared = { 1, i, next.prompt_len, 0, 0, 0, 0, 1, 0.25 };

      g_array_append_val (r, next);
      g_array_append_val (s, shared);
    }
  base = kvp_workload_new_from_requests ((const KvpRequest *) (gpointer) r->data, r->len, 128, &error);
  g_assert_no_error (error);

  return kvp_workload_new_derived (base, "conversation", r, s);
}

/* The cached-free blocks at the step after every turn 0 has finished. */
static guint64
cached_after_first_turns (KvpSimulation *sim,
                          guint          n_conversations)
{
  guint n_steps, finished = 0;
  const KvpSimStep *steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);

  for (guint t = 0; t < n_steps; t++)
    {
      guint n_events;
      const KvpSimEvent *events = kvp_simulation_get_events (sim, KVP_SCHEME_PAGED, t, &n_events);

      if (finished == n_conversations)
        return steps[t].slots[CACHED] / 4;
      for (guint e = 0; e < n_events; e++)
        finished += events[e].kind == KVP_SIM_EVENT_FINISH && events[e].request < n_conversations;
    }
  g_assert_not_reached ();
  return 0;
}

/* One output token: turn 0 prefills its prompt and samples its only token,
 * then finishes; vLLM never computes that token, so it caches only the
 * blocks the prompt fills (allocate_slots caches min (computed + new,
 * num_tokens) // B blocks, cache_blocks; free caches nothing).  A prompt
 * of 3 and its sampled token fill block 0, which vLLM leaves uncached:
 * the next turn hits nothing.  A prompt of 4 fills block 0 itself: it is
 * cached and the next turn hits its 4 tokens.  kvpage cached the first
 * one too, and hit 8 tokens. */
static void
test_single_output_token (void)
{
  static const guint32 prompt[] = { 3, 4 }, output[] = { 1, 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = second_turns (prompt, output, 2);
  g_autoptr(KvpSimulation) sim = NULL;
  KvpSimConfig config = { 4, 32, 128, 1u << KVP_SCHEME_PAGED };

  config.step_time.constant_ns = 10000000;
  config.check_every_step = TRUE;
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  /* Block 0 of the second conversation, none of the first's. */
  g_assert_cmpuint (cached_after_first_turns (sim, 2), ==, 1);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->prefix_cache.hits_tokens, ==, 0 + 4);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->finished_requests, ==, 5);
}

/* A hybrid model's manager was told every slot of a step as computed,
 * the sampled token's too, so the block that token completes was cached a
 * step early, and a request's last token, never computed, was cached as
 * well.  Sliding window 4 and full attention, blocks of 4: turn 0 of 10
 * tokens prefills and samples t10, computes it in step 1 and samples t11,
 * its last.  vLLM has computed 11 tokens: 2 full blocks cached in each
 * group (block 2, p8 p9 t10 t11, never), and the next turn, 16 tokens,
 * hits 8 in both groups (the sliding group's block 1 is the one its window
 * needs).  kvpage cached 3 blocks a group and hit 12. */
static void
test_hybrid_sampled_token (void)
{
  static const guint32 prompt[] = { 10 }, output[] = { 2 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = second_turns (prompt, output, 1);
  g_autoptr(KvpSimulation) sim = NULL;
  KvpSimConfig config = { 4, 32, 128, 1u << KVP_SCHEME_PAGED };

  config.step_time.constant_ns = 10000000;
  config.check_every_step = TRUE;
  config.n_groups = 2;
  config.groups[0] = (KvpKvGroupSpec) { KVP_KV_GROUP_SLIDING_WINDOW, 4, 3 };
  config.groups[1] = (KvpKvGroupSpec) { KVP_KV_GROUP_FULL, 0, 0 };
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (cached_after_first_turns (sim, 1), ==, 2 * 2);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->prefix_cache.hits_tokens, ==, 8);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->finished_requests, ==, 3);
}

/* --request-rate 1 on a pool where memory binds (2,560 blocks of 16:
 * turns are preempted, cached blocks evicted): no later turn arrives before
 * its previous turn's answer ended (open-loop turns did, hitting a prompt
 * that held an answer not yet generated), and the later turns hit their
 * own history — never more than its full blocks but the last token. */
static void
test_conversation_saturated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  g_autofree guint64 *finished = NULL;
  g_autofree guint64 *arrived = NULL;
  g_autofree guint64 *first_hit = NULL;
  g_autofree guint *before = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 2560, 2048, 1u << KVP_SCHEME_PAGED };
  const KvpRequest *requests;
  const KvpSimStep *steps;
  guint n, n_steps, later = 0, hitting = 0;
  guint64 hits = 0;

  kvp_workload_options_init (&options);
  options.source = "conversation";
  options.n_requests = 1000;
  options.request_rate = 1.0;
  options.max_len = 2048;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  requests = kvp_workload_get_requests (workload, &n);
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->preemptions, >, 0);
  g_assert_cmpuint (kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->prefix_cache.evicted_blocks, >, 0);

  finished = g_new0 (guint64, n);
  arrived = g_new0 (guint64, n);
  first_hit = g_new (guint64, n);
  before = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    {
      first_hit[i] = G_MAXUINT64;
      before[i] = G_MAXUINT;
    }
  for (guint i = 0; i < n; i++)
    {
      KvpRequestSharing share = kvp_workload_get_sharing (workload, i);

      if (share.next > 0)
        before[share.next - 1] = i;
    }
  steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);
  for (guint t = 0; t < n_steps; t++)
    {
      guint n_events;
      const KvpSimEvent *events = kvp_simulation_get_events (sim, KVP_SCHEME_PAGED, t, &n_events);

      for (guint e = 0; e < n_events; e++)
        {
          guint32 id = events[e].request;

          if (events[e].kind == KVP_SIM_EVENT_ARRIVE)
            arrived[id] = steps[t].start_ns;
          else if (events[e].kind == KVP_SIM_EVENT_FINISH)
            finished[id] = steps[t].end_ns;
          else if (events[e].kind == KVP_SIM_EVENT_ADMIT && first_hit[id] == G_MAXUINT64)
            first_hit[id] = events[e].value;
        }
    }

  for (guint i = 0; i < n; i++)
    {
      guint p = before[i];

      g_assert_cmpuint (first_hit[i], !=, G_MAXUINT64);
      if (p == G_MAXUINT)
        continue;
      later++;
      g_assert_cmpuint (arrived[i], >=, finished[p] + (guint64) (kvp_workload_get_sharing (workload, i).think_s * 1e9));
      g_assert_cmpuint (first_hit[i], <=, ((guint64) requests[p].prompt_len + requests[p].output_len - 1) / 16 * 16);
      hitting += first_hit[i] > 0;
      hits += first_hit[i];
    }
  g_test_message ("%u of %u later turns hit, %" G_GUINT64_FORMAT " tokens", hitting, later, hits);
  g_assert_cmpuint (later, >, n / 2);
  /* 130 of 678 at seed 0: those whose history outlived think time and queue. */
  g_assert_cmpuint (hitting, >, later / 8);
}

/* With samples (--n 2), a later turn waits for every sample of the turn
 * before: its children arrive together, after the last of them ended. */
static void
test_conversation_samples (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  g_autofree guint64 *finished = NULL;
  g_autofree guint64 *arrived = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 1024, 2048, 1u << KVP_SCHEME_PAGED };
  KvpWorkload *expanded;
  const KvpSimStep *steps;
  guint n, n_steps, checked = 0;

  kvp_workload_options_init (&options);
  options.source = "conversation";
  options.n_requests = 30;
  options.max_len = 2048;
  options.samples = 2;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  expanded = kvp_simulation_get_workload (sim);
  kvp_workload_get_requests (expanded, &n);
  g_assert_cmpuint (n, ==, 60);

  finished = g_new0 (guint64, n);
  arrived = g_new0 (guint64, n);
  steps = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);
  for (guint t = 0; t < n_steps; t++)
    {
      guint n_events;
      const KvpSimEvent *events = kvp_simulation_get_events (sim, KVP_SCHEME_PAGED, t, &n_events);

      for (guint e = 0; e < n_events; e++)
        {
          if (events[e].kind == KVP_SIM_EVENT_ARRIVE)
            arrived[events[e].request] = steps[t].start_ns;
          if (events[e].kind == KVP_SIM_EVENT_FINISH)
            finished[events[e].request] = steps[t].end_ns;
        }
    }

  /* Children come in pairs: 2i and 2i + 1 are one turn's samples. */
  for (guint i = 0; i < n; i += 2)
    {
      KvpRequestSharing a = kvp_workload_get_sharing (expanded, i);
      KvpRequestSharing b = kvp_workload_get_sharing (expanded, i + 1);
      guint f;

      g_assert_cmpuint (a.next, ==, b.next);
      if (a.next == 0)
        continue;
      f = a.next - 1;
      g_assert_cmpuint (f % 2, ==, 0);
      g_assert_cmpuint (kvp_workload_get_sharing (expanded, f).waits, ==, 2);
      g_assert_cmpuint (arrived[f], ==, arrived[f + 1]);
      g_assert_cmpuint (arrived[f], >=, MAX (finished[i], finished[i + 1]) +
                                        (guint64) (kvp_workload_get_sharing (expanded, f).think_s * 1e9));
      checked++;
    }
  g_assert_cmpuint (checked, >, 5);
}

/* The same seed gives the same closed-loop run, one scheme a thread or all
 * on one, in a pool so small that turns queue and are preempted. */
static void
test_conversation_deterministic (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) serial = NULL;
  g_autoptr(KvpSimulation) parallel = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 256, 2048, 0 };

  kvp_workload_options_init (&options);
  options.source = "conversation";
  options.n_requests = 400;
  options.request_rate = 1.0;
  options.max_len = 2048;
  options.seed = 7;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);

  config.summary_only = TRUE;
  config.n_threads = 1;
  serial = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  config.n_threads = 4;
  parallel = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  for (KvpScheme k = 0; k < KVP_N_SCHEMES; k++)
    {
      const KvpSimStats *a = kvp_simulation_get_stats (serial, k);
      const KvpSimStats *b = kvp_simulation_get_stats (parallel, k);

      g_assert_cmpuint (a->finished_requests, ==, 400);
      g_assert_cmpuint (a->steps, ==, b->steps);
      g_assert_cmpfloat (a->duration_s, ==, b->duration_s);
      g_assert_cmpfloat (a->latency[KVP_LATENCY_TTFT].mean, ==, b->latency[KVP_LATENCY_TTFT].mean);
      g_assert_cmpuint (a->prefix_cache.hits_tokens, ==, b->prefix_cache.hits_tokens);
    }
  g_assert_cmpuint (kvp_simulation_get_stats (serial, KVP_SCHEME_PAGED)->preemptions, >, 0);
}

/* --beam-width: candidates share the prompt's and their common blocks (the
 * paper's Figure 15 measure above zero), the same seed gives the same run,
 * width 1 is no beam at all, and a pool too small for every beam preempts
 * and still finishes everyone. */
static void
test_beam_search (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = shared_workload (6, 40, 30, 0, 1, 1);
  KvpSimConfig config = { 4, 400, 4096, (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_ORACLE) };
  g_autoptr(KvpSimulation) plain = NULL;
  g_autoptr(KvpSimulation) one = NULL;
  g_autoptr(KvpSimulation) beam = NULL;
  g_autoptr(KvpSimulation) again = NULL;
  g_autoptr(KvpSimulation) tight = NULL;
  const KvpSimStats *stats;
  double sum = 0;

  config.summary_only = TRUE;
  config.check_every_step = TRUE;
  plain = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  config.beam_width = 1;
  one = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (kvp_simulation_get_stats (plain, KVP_SCHEME_PAGED), sizeof (KvpSimStats),
                   kvp_simulation_get_stats (one, KVP_SCHEME_PAGED), sizeof (KvpSimStats));

  config.beam_width = 4;
  beam = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  again = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  stats = kvp_simulation_get_stats (beam, KVP_SCHEME_PAGED);
  g_assert_cmpmem (stats, sizeof (KvpSimStats), kvp_simulation_get_stats (again, KVP_SCHEME_PAGED),
                   sizeof (KvpSimStats));
  g_assert_cmpuint (stats->finished_requests, ==, 6);
  g_assert_cmpuint (stats->output_tokens, ==, 6 * 30);
  g_assert_cmpfloat (stats->memory_saving_percent, >, 30.0);
  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    sum += stats->percent[c];
  g_assert_cmpfloat_with_epsilon (sum, 100.0, 1e-6);
  /* Orca keeps a copy of each request per candidate: 1,600 slots hold 400
   * positions, three 128-position buddy blocks (70 tokens each), where one
   * sequence a request runs all six at once. */
  g_assert_cmpuint (kvp_simulation_get_stats (plain, KVP_SCHEME_ORACLE)->max_batch_size, ==, 6);
  g_assert_cmpuint (kvp_simulation_get_stats (beam, KVP_SCHEME_ORACLE)->max_batch_size, ==, 3);

  /* 40 blocks: a beam of four holds 40 + 4 × ~8 blocks of its own. */
  config.num_blocks = 40;
  config.schemes = 1u << KVP_SCHEME_PAGED;
  tight = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kvp_simulation_get_stats (tight, KVP_SCHEME_PAGED)->finished_requests, ==, 6);
  g_assert_cmpuint (kvp_simulation_get_stats (tight, KVP_SCHEME_PAGED)->preemptions, >, 0);

  /* Steps are recorded one block table a request: refused there. */
  config.summary_only = FALSE;
  g_assert_null (kvp_simulation_new (workload, &config, NULL, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
}

/* A file's n and prefix: three samples of a 100-token prompt behind a
 * 64-token prefix, then a request with the same prefix.  The later two
 * samples hit 96 tokens (6 blocks of 16, under the last-token cap), the
 * last request the prefix's 64. */
static void
test_file_samples (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kvp-sim-sharing-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "samples.csv", NULL);
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  KvpWorkloadOptions options;
  const KvpSimStats *stats;

  g_assert_true (g_file_set_contents (path, "prompt_len,output_len,prefix_id,prefix_len,n\n"
                                            "100,20,1,64,3\n120,10,1,64,1\n", -1, NULL));
  kvp_workload_options_init (&options);
  options.source = path;
  options.n_requests = 0;
  options.max_len = 4096;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = run_paged (workload, 16, 64, TRUE, TRUE);
  stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  g_assert_cmpuint (stats->finished_requests, ==, 4);
  g_assert_cmpuint (stats->prefix_cache.queries_tokens, ==, 3 * 100 + 120);
  g_assert_cmpuint (stats->prefix_cache.hits_tokens, ==, 96 + 96 + 64);

  /* --n is for generated workloads: a file gives its own. */
  options.samples = 2;
  g_assert_null (kvp_workload_new (&options, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);

  g_unlink (path);
  g_rmdir (dir);
}

/* The paper's Figure 16 in shape: translation requests behind a shared
 * few-shot prefix of 80 or 341 tokens; with caching the paged scheme
 * serves more requests a second than without it and than Orca (Oracle),
 * and the longer prefix gains more. */
static double
figure16_ratio (guint32   prefix,
                gboolean  caching,
                double   *out_paged)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 1200, 2048,
                          (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_ORACLE) };

  kvp_workload_options_init (&options);
  options.source = "uniform:20-80,20-80";
  options.n_requests = 600;
  options.max_len = 2048;
  options.shared_prefix = prefix;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);

  config.no_prefix_caching = !caching;
  config.summary_only = TRUE;
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);

  *out_paged = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED)->request_throughput;
  return *out_paged / kvp_simulation_get_stats (sim, KVP_SCHEME_ORACLE)->request_throughput;
}

static void
test_figure16_shape (void)
{
  double paged_80, paged_80_off, paged_341, paged_341_off;
  double ratio_80 = figure16_ratio (80, TRUE, &paged_80);
  double ratio_341 = figure16_ratio (341, TRUE, &paged_341);

  figure16_ratio (80, FALSE, &paged_80_off);
  figure16_ratio (341, FALSE, &paged_341_off);
  g_test_message ("paged / oracle: 80 → %.2f×, 341 → %.2f×", ratio_80, ratio_341);

  g_assert_cmpfloat (paged_80, >, paged_80_off);
  g_assert_cmpfloat (paged_341, >, paged_341_off);
  g_assert_cmpfloat (ratio_80, >, 1.0);
  g_assert_cmpfloat (ratio_341, >, ratio_80);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/sim-sharing/prefix-hit-by-hand", test_prefix_hit_by_hand);
  g_test_add_func ("/core/sim-sharing/prefix-hit-ttft", test_prefix_hit_ttft);
  g_test_add_func ("/core/sim-sharing/prefix-groups", test_prefix_groups);
  g_test_add_func ("/core/sim-sharing/samples", test_samples);
  g_test_add_func ("/core/sim-sharing/refused", test_sharing_refused);
  g_test_add_func ("/core/sim-sharing/hybrid-groups", test_hybrid_groups);
  g_test_add_func ("/core/sim-sharing/conversation", test_conversation);
  g_test_add_func ("/core/sim-sharing/conversation-closed-loop", test_conversation_closed_loop);
  g_test_add_func ("/core/sim-sharing/conversation-deterministic", test_conversation_deterministic);
  g_test_add_func ("/core/sim-sharing/conversation-saturated", test_conversation_saturated);
  g_test_add_func ("/core/sim-sharing/single-output-token", test_single_output_token);
  g_test_add_func ("/core/sim-sharing/hybrid-sampled-token", test_hybrid_sampled_token);
  g_test_add_func ("/core/sim-sharing/conversation-samples", test_conversation_samples);
  g_test_add_func ("/core/sim-sharing/beam-search", test_beam_search);
  g_test_add_func ("/core/sim-sharing/file-samples", test_file_samples);
  g_test_add_func ("/core/sim-sharing/figure16-shape", test_figure16_shape);

  return g_test_run ();
}
