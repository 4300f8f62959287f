/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-simulation.c: serving a workload step by step through the paged pool and
 * the reserve-ahead caches, recorded as per-step totals and compact events. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-block-pool.h"
#include "kvp-buddy.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-json.h"
#include "kvp-request-queue.h"
#include "kvp-scheduler.h"
#include "kvp-simulation.h"
#include "kvp-workload-sharing.h"

/* At most this many checkpoints per scheme, however long the run. */
#define MAX_CHECKPOINTS 64u
/* What a scheme's checkpoints may take, about: each copies every request's
 * replayed state, which for 100,000 requests is 4 MiB. */
#define CHECKPOINT_BYTES (64u * 1024u * 1024u)

/* A request while the events are replayed. */
typedef struct
{
  guint32  generated;
  guint32  held;
  guint32  n_preemptions;
  guint64  offset;
  GArray  *blocks;       /* guint32, paged while running; NULL otherwise */
  guint8   status;
  gboolean admitted;
} Replayed;

typedef struct
{
  guint     step;        /* the state at this recorded step */
  guint     n_requests;
  Replayed *requests;
  GArray   *running;     /* guint32 */
  KvpRequestQueue waiting;
  /* Paged: the cached free blocks (the picture's numbers, the pool's less
   * its null block), from the pool's log up to cached_pos. */
  guint32   num_blocks;
  guint8   *cached;      /* bitmap; NULL for reserve-ahead schemes */
  guint     cached_pos;
} Replay;

typedef struct
{
  gboolean     present;
  gboolean     paged;    /* an admission's value is its prefix-cache hit */
  GArray      *steps;    /* KvpSimStep */
  GArray      *events;   /* KvpSimEvent */
  GArray      *finished; /* KvpSimFinished, in finish order */
  GArray      *cached_free_log; /* paged: the pool's, guint32 entries */
  KvpSimStats  stats;
  GMutex       lock;     /* guards checkpoints */
  guint        checkpoint_interval;
  GPtrArray   *checkpoints; /* Replay *, [i] at step i × interval */
} SchemeRun;

struct _KvpSimulation
{
  gatomicrefcount  ref_count;
  KvpWorkload     *workload;
  KvpSimConfig     config;
  guint64          n_slots;
  SchemeRun        runs[KVP_N_SCHEMES];
};

static const char *scheme_names[KVP_N_SCHEMES] = { "paged", "max", "pow2", "oracle" };

static const char *latency_names[KVP_N_LATENCIES] = {
  "ttft_ms", "tpot_ms", "e2e_ms", "queue_ms", "normalized_latency_s_per_token",
};

static const char *slot_class_names[KVP_N_SLOT_CLASSES] = {
  "token_states", "reservation", "internal_fragmentation", "external_fragmentation", "free", "cached_free",
};

static inline guint64
blocks_for (guint64 tokens,
            guint32 block_size)
{
  return tokens / block_size + (tokens % block_size != 0);
}

/* The refusals of check_fits (): requests are numbered from 1, as a person
 * counts them, and named plain; their counts are grouped. */
static gboolean
refuse_request_length (const KvpRequest    *r,
                       guint                i,
                       const KvpSimConfig  *config,
                       GError             **error)
{
  g_autofree char *prompt = kvp_format_count (r->prompt_len);
  g_autofree char *output = kvp_format_count (r->output_len);
  g_autofree char *most = kvp_format_count (config->max_seq_len);

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("Request %u (prompt %s, output %s tokens) is longer than the maximum sequence length %s."),
               i + 1, prompt, output, most);
  return FALSE;
}

static gboolean
refuse_paged_request (guint                i,
                      guint64              final_len,
                      guint64              needed,
                      const KvpSimConfig  *config,
                      GError             **error)
{
  g_autofree char *tokens = kvp_format_count (final_len);
  g_autofree char *blocks = kvp_format_count (needed);
  g_autofree char *block_size = kvp_format_count (config->block_size);
  g_autofree char *pool = kvp_format_count (config->num_blocks);

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("Request %u can never run in the paged pool: its %s tokens need %s blocks of %s and the pool has %s."),
               i + 1, tokens, blocks, block_size, pool);
  return FALSE;
}

/* Max reserves the same for everyone: the length to change is the maximum
 * sequence, not a request's. */
static gboolean
refuse_reservation (KvpSimulation  *self,
                    KvpScheme       scheme,
                    guint           i,
                    guint64         rounded,
                    guint64         largest_block,
                    GError        **error)
{
  g_autofree char *block = kvp_format_count (rounded);
  g_autofree char *slots = kvp_format_count (self->n_slots);
  g_autofree char *largest = kvp_format_count (largest_block);

  if (scheme == KVP_SCHEME_MAX)
    {
      g_autofree char *most = kvp_format_count (self->config.max_seq_len);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("No request can run with the max scheme: it reserves the maximum sequence, %s tokens, a request (a block of %s slots), and the largest block of the %s-slot pool is %s: reserve a shorter maximum sequence, or leave the max scheme out."),
                   most, block, slots, largest);
      return FALSE;
    }

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("Request %u can never run with the %s scheme: it reserves a block of %s slots and the largest block of the %s-slot pool is %s."),
               i + 1, scheme_names[scheme], block, slots, largest);
  return FALSE;
}

/* Everything that can never run is found before running: a request larger
 * than a scheme's whole pool would wait forever. */
static gboolean
check_fits (KvpSimulation  *self,
            KvpScheme       scheme,
            guint64         largest_block,
            GError        **error)
{
  const KvpSimConfig *config = &self->config;
  guint n;
  const KvpRequest *requests = kvp_workload_get_requests (self->workload, &n);
  guint64 total_output = 0;
  guint64 smallest = G_MAXUINT64;
  guint64 batch;

  for (guint i = 0; i < n; i++)
    {
      const KvpRequest *r = &requests[i];
      guint64 final_len = (guint64) r->prompt_len + r->output_len;

      if (final_len > config->max_seq_len)
        return refuse_request_length (r, i, config, error);

      total_output += r->output_len;

      if (scheme == KVP_SCHEME_PAGED)
        {
          guint64 needed = kvp_sim_config_blocks_needed (config, final_len);

          if (needed > config->num_blocks)
            return refuse_paged_request (i, final_len, needed, config, error);
        }
      else
        {
          guint64 rounded = kvp_buddy_round_up (kvp_scheduler_reservation (scheme, r, config->max_seq_len));

          smallest = MIN (smallest, rounded);
          if (rounded > largest_block)
            return refuse_reservation (self, scheme, i, rounded, largest_block, error);
        }
    }

  /* Each step generates at most one token per running request, so a run
   * takes at least this many steps; one that cannot be recorded is refused
   * before any scheme starts.  (A buddy space holds n_slots / 2^k blocks of
   * 2^k.)  A summary is not recorded and has no limit. */
  if (config->summary_only || n == 0)
    return TRUE;
  batch = scheme == KVP_SCHEME_PAGED ? MIN ((guint64) n, config->num_blocks)
                                     : MAX (self->n_slots / smallest, G_GUINT64_CONSTANT (1));
  batch = MIN (batch, (guint64) config->max_num_seqs);
  if (total_output / batch + (total_output % batch != 0) > KVP_SIMULATION_MAX_STEPS)
    {
      kvp_scheduler_set_too_many_steps (error, scheme);
      return FALSE;
    }

  return TRUE;
}

guint64
kvp_sim_config_blocks_needed (const KvpSimConfig *config,
                              guint64             length)
{
  guint64 full = blocks_for (length, config->block_size);
  guint64 needed = 0;

  g_return_val_if_fail (config != NULL, 0);

  if (config->n_groups == 0)
    return full;
  for (guint g = 0; g < config->n_groups; g++)
    needed += config->groups[g].kind == KVP_KV_GROUP_FULL || config->groups[g].admission_blocks == 0
              ? full : MIN (full, (guint64) config->groups[g].admission_blocks);

  return needed;
}

guint64
kvp_sim_config_positions (const KvpSimConfig *config)
{
  g_return_val_if_fail (config != NULL, 0);

  return (guint64) config->num_blocks * config->block_size / kvp_sim_config_copies (config);
}

guint
kvp_sim_config_copies (const KvpSimConfig *config)
{
  g_return_val_if_fail (config != NULL, 1);

  return MAX (config->n_groups, 1) * MAX (config->beam_width, 1);
}

/* Replaying events, for snapshots. */

static Replay *
replay_new (guint   n_requests,
            guint32 num_blocks,
            gboolean paged)
{
  Replay *replay = g_new0 (Replay, 1);

  replay->num_blocks = num_blocks;
  if (paged)
    replay->cached = g_new0 (guint8, num_blocks / 8 + 1);

  replay->step = G_MAXUINT;  /* before the first step */
  replay->n_requests = n_requests;
  replay->requests = g_new0 (Replayed, MAX (n_requests, 1));
  replay->running = g_array_new (FALSE, FALSE, sizeof (guint32));
  kvp_request_queue_init (&replay->waiting, n_requests);

  return replay;
}

static void
replay_free (gpointer data)
{
  Replay *replay = data;

  for (guint i = 0; i < replay->n_requests; i++)
    g_clear_pointer (&replay->requests[i].blocks, g_array_unref);
  g_free (replay->requests);
  g_array_unref (replay->running);
  kvp_request_queue_clear (&replay->waiting);
  g_free (replay->cached);
  g_free (replay);
}

static Replay *
replay_copy (const Replay *src)
{
  Replay *replay = g_new0 (Replay, 1);

  replay->step = src->step;
  replay->n_requests = src->n_requests;
  replay->requests = g_memdup2 (src->requests, sizeof (Replayed) * MAX (src->n_requests, 1));
  for (guint i = 0; i < src->n_requests; i++)
    if (src->requests[i].blocks != NULL)
      replay->requests[i].blocks = g_array_copy (src->requests[i].blocks);
  replay->running = g_array_copy (src->running);
  kvp_request_queue_copy (&replay->waiting, &src->waiting);
  replay->num_blocks = src->num_blocks;
  replay->cached = src->cached != NULL ? g_memdup2 (src->cached, src->num_blocks / 8 + 1) : NULL;
  replay->cached_pos = src->cached_pos;

  return replay;
}

/* The request computes what the scheduler gave it, from the same rule. */
static void
replay_chunk (Replay            *replay,
              const KvpRequest  *requests,
              guint32            id,
              guint32           *budget,
              guint32            threshold)
{
  Replayed *r = &replay->requests[id];
  guint32 slots;
  gboolean emits;
  guint32 n = kvp_scheduler_chunk (r->held, requests[id].prompt_len + r->generated, *budget, threshold,
                                   &slots, &emits);

  r->held += slots;
  if (emits)
    r->generated++;
  *budget -= n;
}

static void
replay_preempt (Replay  *replay,
                guint32  victim)
{
  Replayed *r = &replay->requests[victim];

  g_assert (replay->running->len > 0 &&
            g_array_index (replay->running, guint32, replay->running->len - 1) == victim);
  g_array_set_size (replay->running, replay->running->len - 1);
  g_clear_pointer (&r->blocks, g_array_unref);
  r->held = 0;
  r->n_preemptions++;
  r->status = KVP_REQUEST_WAITING;
  kvp_request_queue_push_head (&replay->waiting, victim);
}

static void
replay_allocate (Replay            *replay,
                 const KvpSimEvent *event)
{
  Replayed *r = &replay->requests[event->request];
  guint32 block = (guint32) event->value;

  if (r->blocks == NULL)
    r->blocks = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (r->blocks, block);
}

/* The running pass of a step, from event e: each running request in order
 * while tokens are left takes the preemptions and blocks its scheduling
 * caused, then computes its chunk.  Returns the first event after it. */
static guint
replay_running (Replay             *replay,
                const KvpSimEvent  *events,
                guint               e,
                guint               last,
                const KvpRequest   *requests,
                const KvpSimConfig *config,
                guint32            *budget)
{
  for (guint i = 0; i < replay->running->len && *budget > 0; i++)
    {
      guint32 id = g_array_index (replay->running, guint32, i);
      gboolean stopped = FALSE;

      for (; e < last && events[e].kind == KVP_SIM_EVENT_PREEMPT && !stopped; e++)
        {
          stopped = events[e].request == id;
          replay_preempt (replay, events[e].request);
        }
      if (stopped)
        break;
      for (; e < last && events[e].kind == KVP_SIM_EVENT_ALLOCATE && events[e].request == id; e++)
        replay_allocate (replay, &events[e]);
      replay_chunk (replay, requests, id, budget, config->long_prefill_token_threshold);
    }

  return e;
}

/* The pool's cached free blocks as its log says they were when the step's
 * slots were classified. */
static void
replay_cached_free (Replay          *replay,
                    const SchemeRun *run,
                    guint            end)
{
  const guint32 *log;

  if (replay->cached == NULL || run->cached_free_log == NULL)
    return;

  log = (const guint32 *) (gpointer) run->cached_free_log->data;
  g_assert (end >= replay->cached_pos && end <= run->cached_free_log->len);
  for (; replay->cached_pos < end; replay->cached_pos++)
    {
      guint32 entry = log[replay->cached_pos];
      /* The picture's pool leaves out the null block, the pool's block 0. */
      guint32 block = (entry & ~KVP_BLOCK_POOL_CACHED_FREE_LEAVES) - 1;

      g_assert (block < replay->num_blocks);
      if (entry & KVP_BLOCK_POOL_CACHED_FREE_LEAVES)
        replay->cached[block / 8] &= ~(1u << (block % 8));
      else
        replay->cached[block / 8] |= 1u << (block % 8);
    }
}

/* From the state at replay->step to the state at the next recorded step:
 * the previous step's finishers leave, then the step replays as it ran —
 * arrivals, the running pass, admissions — its events saying what the
 * state alone cannot: preemptions, blocks, admissions. */
static void
replay_advance (Replay             *replay,
                const SchemeRun    *run,
                const KvpRequest   *requests,
                const KvpSimConfig *config)
{
  guint step = replay->step == G_MAXUINT ? 0 : replay->step + 1;
  const KvpSimEvent *events = (const KvpSimEvent *) (gpointer) run->events->data;
  guint e = g_array_index (run->steps, KvpSimStep, step).first_event;
  guint last = step + 1 < run->steps->len
               ? g_array_index (run->steps, KvpSimStep, step + 1).first_event
               : run->events->len;
  guint32 budget = config->max_num_batched_tokens;
  guint kept = 0;

  for (guint i = 0; i < replay->running->len; i++)
    {
      guint32 id = g_array_index (replay->running, guint32, i);
      Replayed *r = &replay->requests[id];

      if (r->generated < requests[id].output_len)
        {
          g_array_index (replay->running, guint32, kept++) = id;
          continue;
        }
      r->status = KVP_REQUEST_FINISHED;
      g_clear_pointer (&r->blocks, g_array_unref);
    }
  g_array_set_size (replay->running, kept);

  for (; e < last && events[e].kind == KVP_SIM_EVENT_ARRIVE; e++)
    {
      replay->requests[events[e].request].status = KVP_REQUEST_WAITING;
      kvp_request_queue_push_tail (&replay->waiting, events[e].request);
    }

  e = replay_running (replay, events, e, last, requests, config, &budget);

  for (; e < last; e++)
    {
      const KvpSimEvent *event = &events[e];
      Replayed *r = &replay->requests[event->request];
      guint32 id;

      switch ((KvpSimEventKind) event->kind)
        {
        case KVP_SIM_EVENT_ADMIT:
          id = kvp_request_queue_pop_head (&replay->waiting);
          g_assert (id == event->request);
          r->status = KVP_REQUEST_RUNNING;
          r->admitted = TRUE;
          r->offset = event->value;
          /* Paged: the prompt tokens the prefix cache already holds. */
          r->held = run->paged ? (guint32) event->value : 0;
          g_array_append_val (replay->running, id);
          replay_chunk (replay, requests, id, &budget, config->long_prefill_token_threshold);
          break;

        case KVP_SIM_EVENT_ALLOCATE:
          replay_allocate (replay, event);
          break;

        case KVP_SIM_EVENT_ARRIVE:
        case KVP_SIM_EVENT_PREEMPT:
          g_assert_not_reached ();
          break;

        case KVP_SIM_EVENT_FINISH:
        default:
          break;
        }
    }

  replay_cached_free (replay, run, g_array_index (run->steps, KvpSimStep, step).cached_free_log_end);
  replay->step = step;
}

static KvpSimSnapshot *
snapshot_from_replay (KvpSimulation *self,
                      KvpScheme      scheme,
                      const Replay  *replay)
{
  KvpSimSnapshot *snapshot = g_new0 (KvpSimSnapshot, 1);
  const KvpRequest *requests = kvp_workload_get_requests (self->workload, NULL);
  const SchemeRun *run = &self->runs[scheme];
  guint32 B = self->config.block_size;
  guint n_blocks = 0;
  guint at = 0;

  snapshot->scheme = scheme;
  snapshot->step = replay->step;
  snapshot->totals = g_array_index (run->steps, KvpSimStep, replay->step);
  snapshot->n_requests = replay->n_requests;
  snapshot->requests = g_new0 (KvpSimRequestState, MAX (replay->n_requests, 1));

  for (guint i = 0; i < replay->n_requests; i++)
    if (replay->requests[i].blocks != NULL)
      n_blocks += replay->requests[i].blocks->len;
  snapshot->block_storage = g_new (guint32, MAX (n_blocks, 1));

  for (guint i = 0; i < replay->n_requests; i++)
    {
      const Replayed *r = &replay->requests[i];
      KvpSimRequestState *state = &snapshot->requests[i];
      gboolean running = r->status == KVP_REQUEST_RUNNING;

      state->status = r->status;
      state->prompt_len = requests[i].prompt_len;
      state->output_len = requests[i].output_len;
      state->generated = r->generated;
      state->tokens_held = running ? r->held : 0;
      state->n_preemptions = r->n_preemptions;
      state->admitted = r->admitted;
      state->final_len = (guint64) requests[i].prompt_len + requests[i].output_len;

      if (!running)
        continue;

      if (scheme == KVP_SCHEME_PAGED && r->blocks != NULL)
        {
          state->n_blocks = r->blocks->len;
          state->blocks = snapshot->block_storage + at;
          memcpy (snapshot->block_storage + at, r->blocks->data, sizeof (guint32) * r->blocks->len);
          at += r->blocks->len;
          state->last_block_fill = r->held - (state->n_blocks - 1) * B;
        }
      else if (scheme != KVP_SCHEME_PAGED)
        {
          state->slot_offset = r->offset;
          state->reserved = kvp_scheduler_reservation (scheme, &requests[i], self->config.max_seq_len);
          state->rounded = kvp_buddy_round_up (state->reserved);
        }
    }

  snapshot->cached_free = g_new (guint32, 1);
  if (replay->cached != NULL)
    {
      guint32 n = (guint32) (snapshot->totals.slots[KVP_SLOT_CACHED_FREE] / B);

      g_free (snapshot->cached_free);
      snapshot->cached_free = g_new (guint32, MAX (n, 1));
      for (guint32 byte = 0; byte <= replay->num_blocks / 8; byte++)
        for (guint bit = 0; replay->cached[byte] != 0 && bit < 8; bit++)
          if (replay->cached[byte] & (1u << bit))
            {
              g_assert (snapshot->n_cached_free < n);
              snapshot->cached_free[snapshot->n_cached_free++] = byte * 8 + bit;
            }
      g_assert (snapshot->n_cached_free == n);
    }

  snapshot->n_running = replay->running->len;
  snapshot->running = g_memdup2 (replay->running->data, sizeof (guint32) * MAX (replay->running->len, 1));
  snapshot->n_waiting = replay->waiting.len;
  snapshot->waiting = g_new (guint32, MAX (replay->waiting.len, 1));
  for (guint i = 0; i < replay->waiting.len; i++)
    snapshot->waiting[i] = kvp_request_queue_peek (&replay->waiting, i);

  return snapshot;
}

void
kvp_sim_snapshot_free (KvpSimSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;

  g_free (snapshot->requests);
  g_free (snapshot->running);
  g_free (snapshot->waiting);
  g_free (snapshot->block_storage);
  g_free (snapshot->cached_free);
  g_free (snapshot);
}

/* Public API */

const char *
kvp_scheme_to_string (KvpScheme scheme)
{
  g_return_val_if_fail (scheme < KVP_N_SCHEMES, NULL);

  return scheme_names[scheme];
}

gboolean
kvp_scheme_mask_parse (const char  *text,
                       guint       *out_mask,
                       GError     **error)
{
  g_auto(GStrv) names = NULL;
  guint mask = 0;
  guint i;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_mask != NULL, FALSE);

  names = g_strsplit (text, ",", -1);
  for (i = 0; names[i] != NULL; i++)
    {
      guint s;

      for (s = 0; s < KVP_N_SCHEMES; s++)
        if (g_str_equal (g_strstrip (names[i]), scheme_names[s]))
          break;

      if (s == KVP_N_SCHEMES || (mask & (1u << s)) != 0)
        break;
      mask |= 1u << s;
    }

  if (names[i] != NULL || mask == 0)
    {
      g_autofree char *quoted = kvp_quote (text);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--schemes “%s” is not valid: list some of paged, max, pow2 and oracle, each once, separated by commas."),
                   quoted);
      return FALSE;
    }

  *out_mask = mask;

  return TRUE;
}

double
kvp_sim_step_get_prefix_hit_rate_percent (const KvpSimStep *step)
{
  KvpPrefixCacheStats stats = { 0, };

  g_return_val_if_fail (step != NULL, 0.0);

  stats.queries_tokens = step->prefix_queries_tokens;
  stats.hits_tokens = step->prefix_hits_tokens;
  return kvp_prefix_cache_stats_hit_rate_percent (&stats);
}

KvpRequestCounts
kvp_sim_step_count_requests (const KvpSimStep *step,
                             guint32           n_requests,
                             gboolean          after)
{
  KvpRequestCounts counts = { 0, };
  guint64 placed;

  if (step == NULL)
    {
      counts.not_arrived = n_requests;
      return counts;
    }
  if (after)
    {
      /* Time passes after a step only once its running requests are done:
       * a step that left any waiting is followed at once by the next. */
      g_warn_if_fail (step->n_waiting == 0);
      counts.finished = step->n_finished + step->n_running;
      counts.between_turns = step->n_between_turns + step->n_released;
    }
  else
    {
      counts.running = step->n_running;
      counts.waiting = step->n_waiting;
      counts.finished = step->n_finished;
      counts.between_turns = step->n_between_turns;
    }
  placed = (guint64) counts.running + counts.waiting + counts.finished + counts.between_turns;
  g_return_val_if_fail (placed <= n_requests, counts);
  counts.not_arrived = n_requests - (guint32) placed;

  return counts;
}

const char *
kvp_slot_class_to_string (KvpSlotClass klass)
{
  g_return_val_if_fail (klass < KVP_N_SLOT_CLASSES, NULL);

  return slot_class_names[klass];
}

typedef struct
{
  KvpSchedulerRun  run;
  KvpSimStats     *stats;
  GError          *error;
  gboolean         ok;
} Job;

typedef struct
{
  Job   *jobs;
  guint  n_jobs;
  gint   next;    /* atomic: the next job to take */
} JobQueue;

static gpointer
run_jobs_thread (gpointer data)
{
  JobQueue *queue = data;
  gint i;

  while ((i = g_atomic_int_add (&queue->next, 1)) < (gint) queue->n_jobs)
    queue->jobs[i].ok = kvp_scheduler_run (&queue->jobs[i].run, queue->jobs[i].stats, &queue->jobs[i].error);

  return NULL;
}

/* The schemes are independent runs over a read-only workload, so a summary
 * runs them on every core; what they give does not depend on the order. */
static gboolean
run_schemes (KvpSimulation   *self,
             KvpSimStepFunc   step_func,
             gpointer         user_data,
             GCancellable    *cancellable,
             GError         **error)
{
  Job jobs[KVP_N_SCHEMES] = { 0 };
  JobQueue queue = { jobs, 0, 0 };
  guint n_threads = self->config.n_threads > 0 ? self->config.n_threads : g_get_num_processors ();
  GThread *threads[KVP_N_SCHEMES] = { 0 };
  guint n_started = 0;
  gboolean ok = TRUE;

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      SchemeRun *run = &self->runs[s];
      Job *job = &jobs[queue.n_jobs];

      if (!run->present)
        continue;
      job->run = (KvpSchedulerRun) {
        self->workload, &self->config, s, cancellable, run->steps, run->events, step_func, user_data,
        run->finished, run->cached_free_log,
      };
      job->stats = &run->stats;
      queue.n_jobs++;
    }

  if (step_func != NULL || !self->config.summary_only)
    n_threads = 1;
  for (guint t = 1; t < MIN (n_threads, queue.n_jobs); t++)
    threads[n_started++] = g_thread_new ("kvp-scheme", run_jobs_thread, &queue);
  run_jobs_thread (&queue);
  for (guint t = 0; t < n_started; t++)
    g_thread_join (threads[t]);

  /* The first scheme's error, as a serial run would give it. */
  for (guint j = 0; j < queue.n_jobs; j++)
    {
      if (!jobs[j].ok && ok)
        {
          g_propagate_error (error, g_steal_pointer (&jobs[j].error));
          ok = FALSE;
        }
      g_clear_error (&jobs[j].error);
    }

  return ok;
}

/* Every scheme's pool holds the longest request, checked before any runs. */
static gboolean
check_schemes (KvpSimulation  *self,
               GError        **error)
{
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      guint64 largest = 0;

      if ((self->config.schemes & (1u << s)) == 0)
        continue;
      if (s != KVP_SCHEME_PAGED)
        {
          g_autoptr(KvpBuddy) buddy = kvp_buddy_new (kvp_sim_config_positions (&self->config), error);

          if (buddy == NULL)
            return FALSE;
          largest = kvp_buddy_get_largest_block (buddy);
        }
      if (!check_fits (self, s, largest, error))
        return FALSE;
    }
  return TRUE;
}

/* At most MAX_CHECKPOINTS, fewer when their copies of every one of the @n
 * requests would take more than CHECKPOINT_BYTES, at least
 * KVP_SIMULATION_CHECKPOINT_STEPS apart. */
static void
set_checkpoint_intervals (KvpSimulation *self,
                          guint          n)
{
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    if (self->runs[s].steps != NULL)
      {
        guint64 copy = (guint64) MAX (n, 1) * (sizeof (Replayed) + sizeof (guint32));
        guint max = (guint) CLAMP (CHECKPOINT_BYTES / copy, 4, MAX_CHECKPOINTS);

        self->runs[s].checkpoint_interval = MAX (KVP_SIMULATION_CHECKPOINT_STEPS,
                                                 (self->runs[s].steps->len + max - 1) / max);
      }
}

static void
refuse_pool (const KvpSimConfig  *config,
             GError             **error)
{
  g_autofree char *blocks = kvp_format_count (config->num_blocks);
  g_autofree char *block_size = kvp_format_count (config->block_size);
  g_autofree char *most = kvp_format_count (config->max_seq_len);

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("The pool to simulate is not valid: %s blocks of %s tokens, a maximum sequence of %s tokens."),
               blocks, block_size, most);
}

static void
refuse_null_block (const KvpSimConfig  *config,
                   GError             **error)
{
  g_autofree char *blocks = kvp_format_count (config->num_blocks);
  g_autofree char *pool = kvp_format_count (KVP_BLOCK_POOL_MAX_BLOCKS);
  g_autofree char *most = kvp_format_count (KVP_BLOCK_POOL_MAX_BLOCKS - 1);

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("The paged scheme keeps vLLM’s null block beside its %s blocks, and a pool holds at most %s: "
                 "simulate at most %s blocks."),
               blocks, pool, most);
}

KvpSimulation *
kvp_simulation_new_full (KvpWorkload         *workload,
                         const KvpSimConfig  *config,
                         KvpSimStepFunc       step_func,
                         gpointer             user_data,
                         GCancellable        *cancellable,
                         GError             **error)
{
  g_autoptr(KvpSimulation) self = NULL;
  KvpWorkload *expanded;
  guint n;

  g_return_val_if_fail (workload != NULL, NULL);
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Samples run as vLLM v1 runs them: child requests. */
  expanded = kvp_workload_expand_samples (workload, error);
  if (expanded == NULL)
    return NULL;

  self = g_new0 (KvpSimulation, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->workload = expanded;
  self->config = *config;
  if (self->config.schemes == 0)
    self->config.schemes = KVP_SCHEME_MASK_ALL;
  self->config.schemes &= KVP_SCHEME_MASK_ALL;
  if (self->config.max_num_batched_tokens == 0)
    self->config.max_num_batched_tokens = KVP_SIM_DEFAULT_BATCHED_TOKENS;
  if (self->config.max_num_seqs == 0)
    self->config.max_num_seqs = KVP_SIM_DEFAULT_MAX_NUM_SEQS;
  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    g_mutex_init (&self->runs[s].lock);

  if (config->block_size < 1 || config->block_size > KVP_BLOCK_POOL_MAX_BLOCK_SIZE ||
      config->num_blocks < 1 || config->num_blocks > KVP_BLOCK_POOL_MAX_BLOCKS ||
      config->max_seq_len < 2)
    {
      refuse_pool (config, error);
      return NULL;
    }
  /* A beam's candidates are many tables per request, which steps and
   * events do not record; its manager has one table per group. */
  if (config->beam_width > 1 && (!config->summary_only || config->n_groups > 0))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   config->n_groups > 0
                   ? _("--beam-width runs on full-attention models; this one has sliding-window or chunked layers.")
                   : _("--beam-width runs in --simulate’s summaries; the serving view draws one block table a request, "
                       "and a beam has many."));
      return NULL;
    }
  /* The paged scheme's manager keeps vLLM's null block beside the pool. */
  if ((self->config.schemes & (1u << KVP_SCHEME_PAGED)) != 0 && config->num_blocks >= KVP_BLOCK_POOL_MAX_BLOCKS)
    {
      refuse_null_block (config, error);
      return NULL;
    }
  self->n_slots = (guint64) config->num_blocks * config->block_size;

  kvp_workload_get_requests (self->workload, &n);

  /* Every scheme is checked before any runs, so a refusal comes at once. */
  if (!check_schemes (self, error))
    return NULL;

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      SchemeRun *run = &self->runs[s];

      if ((self->config.schemes & (1u << s)) == 0)
        continue;
      run->present = TRUE;
      run->paged = s == KVP_SCHEME_PAGED;
      if (!self->config.summary_only)
        {
          run->steps = g_array_new (FALSE, FALSE, sizeof (KvpSimStep));
          run->events = g_array_new (FALSE, FALSE, sizeof (KvpSimEvent));
          run->finished = g_array_new (FALSE, FALSE, sizeof (KvpSimFinished));
          if (run->paged)
            run->cached_free_log = g_array_new (FALSE, FALSE, sizeof (guint32));
        }
      run->checkpoints = g_ptr_array_new_with_free_func (replay_free);
    }

  if (n > 0 && !run_schemes (self, step_func, user_data, cancellable, error))
    return NULL;

  set_checkpoint_intervals (self, n);

  return g_steal_pointer (&self);
}

KvpSimulation *
kvp_simulation_new (KvpWorkload         *workload,
                    const KvpSimConfig  *config,
                    GCancellable        *cancellable,
                    GError             **error)
{
  return kvp_simulation_new_full (workload, config, NULL, NULL, cancellable, error);
}

KvpSimulation *
kvp_simulation_ref (KvpSimulation *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
kvp_simulation_unref (KvpSimulation *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    {
      SchemeRun *run = &self->runs[s];

      g_clear_pointer (&run->steps, g_array_unref);
      g_clear_pointer (&run->events, g_array_unref);
      g_clear_pointer (&run->finished, g_array_unref);
      g_clear_pointer (&run->cached_free_log, g_array_unref);
      g_clear_pointer (&run->checkpoints, g_ptr_array_unref);
      g_mutex_clear (&run->lock);
    }
  kvp_workload_unref (self->workload);
  g_free (self);
}

KvpWorkload *
kvp_simulation_get_workload (KvpSimulation *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->workload;
}

const KvpSimConfig *
kvp_simulation_get_config (KvpSimulation *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->config;
}

guint64
kvp_simulation_get_n_slots (KvpSimulation *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_slots;
}

gboolean
kvp_simulation_has_scheme (KvpSimulation *self,
                           KvpScheme      scheme)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES, FALSE);

  return self->runs[scheme].present;
}

const KvpSimStep *
kvp_simulation_get_steps (KvpSimulation *self,
                          KvpScheme      scheme,
                          guint         *n_steps)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, NULL);
  g_return_val_if_fail (self->runs[scheme].steps != NULL, NULL);

  if (n_steps != NULL)
    *n_steps = self->runs[scheme].steps->len;

  return (const KvpSimStep *) (gpointer) self->runs[scheme].steps->data;
}

const KvpSimStats *
kvp_simulation_get_stats (KvpSimulation *self,
                          KvpScheme      scheme)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, NULL);

  return &self->runs[scheme].stats;
}

guint
kvp_simulation_get_max_checkpoints (KvpSimulation *self,
                                    KvpScheme      scheme)
{
  const SchemeRun *run;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, 0);

  run = &self->runs[scheme];
  if (run->steps == NULL || run->checkpoint_interval == 0)
    return 0;
  return (run->steps->len + run->checkpoint_interval - 1) / run->checkpoint_interval;
}

gboolean
kvp_simulation_get_latency_so_far (KvpSimulation     *self,
                                   KvpScheme          scheme,
                                   guint              n_finished,
                                   KvpLatency         latency,
                                   KvpLatencySummary *out)
{
  const SchemeRun *run;
  g_autofree double *values = NULL;
  guint64 n = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, FALSE);
  g_return_val_if_fail (latency == KVP_LATENCY_TTFT || latency == KVP_LATENCY_TPOT, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  run = &self->runs[scheme];
  *out = (KvpLatencySummary) { 0 };
  if (run->finished == NULL)
    return FALSE;

  n_finished = MIN (n_finished, run->finished->len);
  values = g_new (double, MAX (n_finished, 1));
  for (guint i = 0; i < n_finished; i++)
    {
      const KvpSimFinished *done = &g_array_index (run->finished, KvpSimFinished, i);
      double value = latency == KVP_LATENCY_TTFT ? done->ttft_ms : done->tpot_ms;

      /* One output token has no time per output token. */
      if (!isnan (value))
        values[n++] = value;
    }
  kvp_latency_summarize (values, n, out);
  return TRUE;
}

const KvpSimEvent *
kvp_simulation_get_events (KvpSimulation *self,
                           KvpScheme      scheme,
                           guint          step,
                           guint         *n_events)
{
  const SchemeRun *run;
  guint first;
  guint last;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, NULL);
  g_return_val_if_fail (n_events != NULL, NULL);

  run = &self->runs[scheme];
  g_return_val_if_fail (run->steps != NULL && step < run->steps->len, NULL);

  first = g_array_index (run->steps, KvpSimStep, step).first_event;
  last = step + 1 < run->steps->len
         ? g_array_index (run->steps, KvpSimStep, step + 1).first_event
         : run->events->len;
  *n_events = last - first;

  return &g_array_index (run->events, KvpSimEvent, first);
}

/* A copy of the replayed state at step: checkpoints up to the one before
 * it are built once, in order, under the lock; the replay from there works
 * on the copy. */
static Replay *
replay_at (KvpSimulation *self,
           SchemeRun     *run,
           guint          step)
{
  const KvpRequest *requests;
  Replay *replay;
  guint n;
  guint index;

  requests = kvp_workload_get_requests (self->workload, &n);
  index = step / run->checkpoint_interval;

  g_mutex_lock (&run->lock);
  if (run->checkpoints->len == 0)
    {
      Replay *first = replay_new (n, self->config.num_blocks, run->paged);

      replay_advance (first, run, requests, &self->config);
      g_ptr_array_add (run->checkpoints, first);
    }
  while (run->checkpoints->len <= index)
    {
      Replay *next = replay_copy (g_ptr_array_index (run->checkpoints, run->checkpoints->len - 1));
      guint target = run->checkpoints->len * run->checkpoint_interval;

      while (next->step < target)
        replay_advance (next, run, requests, &self->config);
      g_ptr_array_add (run->checkpoints, next);
    }
  replay = replay_copy (g_ptr_array_index (run->checkpoints, index));
  g_mutex_unlock (&run->lock);

  while (replay->step < step)
    replay_advance (replay, run, requests, &self->config);

  return replay;
}

KvpSimSnapshot *
kvp_simulation_get_snapshot (KvpSimulation *self,
                             KvpScheme      scheme,
                             guint          step)
{
  SchemeRun *run;
  Replay *replay;
  KvpSimSnapshot *snapshot;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, NULL);

  run = &self->runs[scheme];
  g_return_val_if_fail (run->steps != NULL && step < run->steps->len, NULL);

  replay = replay_at (self, run, step);
  snapshot = snapshot_from_replay (self, scheme, replay);
  replay_free (replay);

  return snapshot;
}

guint32 *
kvp_simulation_dup_cached_free_after (KvpSimulation *self,
                                      KvpScheme      scheme,
                                      guint          step,
                                      guint         *n_blocks)
{
  SchemeRun *run;
  Replay *replay;
  GArray *blocks;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, NULL);
  g_return_val_if_fail (n_blocks != NULL, NULL);

  run = &self->runs[scheme];
  g_return_val_if_fail (run->steps != NULL && step < run->steps->len, NULL);

  blocks = g_array_new (FALSE, FALSE, sizeof (guint32));
  replay = replay_at (self, run, step);
  if (replay->cached != NULL)
    {
      /* Up to where the next step starts: the step's finishers left. */
      replay_cached_free (replay, run, step + 1 < run->steps->len
                                       ? g_array_index (run->steps, KvpSimStep, step + 1).cached_free_log_start
                                       : run->cached_free_log->len);
      for (guint32 b = 0; b < replay->num_blocks; b++)
        if (replay->cached[b / 8] & (1u << (b % 8)))
          g_array_append_val (blocks, b);
    }
  replay_free (replay);

  *n_blocks = blocks->len;
  return (guint32 *) (gpointer) g_array_free (blocks, FALSE);
}

/* Output */

/* "poisson" (drawn at --request-rate), "file" (the workload's own arrival
 * times) or "at_once".  A workload without a rate whose requests do not all
 * arrive at 0 took its times from its file. */
static const char *
arrivals_kind (KvpSimulation *self)
{
  guint n;
  const KvpRequest *requests = kvp_workload_get_requests (self->workload, &n);

  if (kvp_workload_get_request_rate (self->workload) > 0.0)
    return "poisson";
  /* Conversations start at once; only their later turns come later. */
  if (g_str_equal (kvp_workload_get_source (self->workload), "conversation"))
    return "at_once";
  if (kvp_workload_has_file_arrivals (self->workload) || (n > 0 && requests[n - 1].arrival > 0.0))
    return "file";
  return "at_once";
}

void
kvp_sim_stats_add_json (const KvpSimStats *stats,
                        JsonBuilder       *builder)
{
  g_return_if_fail (stats != NULL);
  g_return_if_fail (builder != NULL);

  json_builder_begin_object (builder);
  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    {
      g_autofree char *name = g_strconcat (slot_class_names[c], "_percent", NULL);

      kvp_json_add_double (builder, name, stats->percent[c]);
    }
  kvp_json_add_double (builder, "mean_batch_size", stats->mean_batch_size);
  kvp_json_add_uint (builder, "max_batch_size", stats->max_batch_size);
  kvp_json_add_uint (builder, "finished_requests", stats->finished_requests);
  kvp_json_add_uint (builder, "steps", stats->steps);
  kvp_json_add_uint (builder, "preemptions", stats->preemptions);
  kvp_json_add_uint (builder, "recomputed_tokens", stats->recomputed_tokens);
  kvp_json_add_double (builder, "mean_wait_steps", stats->mean_wait_steps);
  kvp_json_add_double (builder, "tokens_per_step", stats->tokens_per_step);
  kvp_json_add_double (builder, "duration_s", stats->duration_s);
  kvp_json_add_double (builder, "request_throughput", stats->request_throughput);
  kvp_json_add_double (builder, "output_token_throughput", stats->output_token_throughput);

  /* Named after vLLM's prefix_cache_queries / prefix_cache_hits; the
   * reserve-ahead schemes (the paper's Orca) share nothing: zeros. */
  json_builder_set_member_name (builder, "prefix_cache");
  json_builder_begin_object (builder);
  kvp_json_add_uint (builder, "queries_tokens", stats->prefix_cache.queries_tokens);
  kvp_json_add_uint (builder, "hits_tokens", stats->prefix_cache.hits_tokens);
  kvp_json_add_double (builder, "hit_rate_percent", kvp_prefix_cache_stats_hit_rate_percent (&stats->prefix_cache));
  kvp_json_add_uint (builder, "evicted_blocks", stats->prefix_cache.evicted_blocks);
  json_builder_end_object (builder);
  kvp_json_add_uint (builder, "prefill_tokens_saved", stats->prefill_tokens_saved);
  /* The paper's Figure 15: blocks saved by sharing ÷ blocks without. */
  json_builder_set_member_name (builder, "sharing");
  json_builder_begin_object (builder);
  kvp_json_add_double (builder, "memory_saving_percent", stats->memory_saving_percent);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "latency");
  json_builder_begin_object (builder);
  for (guint l = 0; l < KVP_N_LATENCIES; l++)
    {
      const KvpLatencySummary *summary = &stats->latency[l];

      json_builder_set_member_name (builder, latency_names[l]);
      json_builder_begin_object (builder);
      kvp_json_add_double (builder, "mean", summary->mean);
      kvp_json_add_double (builder, "p50", summary->p50);
      kvp_json_add_double (builder, "p90", summary->p90);
      kvp_json_add_double (builder, "p99", summary->p99);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  /* Requests in a conversation's think time, as mean_batch_size and
   * max_batch_size count the running ones; last, after the older keys. */
  kvp_json_add_double (builder, "mean_between_turns", stats->mean_between_turns);
  kvp_json_add_uint (builder, "max_between_turns", stats->max_between_turns);

  json_builder_end_object (builder);
}

/* The paged scheme's KV-cache groups: kind, window, and the blocks each
 * held at the step the pool was fullest. */
static void
add_groups_json (KvpSimulation *self,
                 JsonBuilder   *builder)
{
  static const char *kinds[] = { "full_attention", "sliding_window", "chunked_local" };
  KvpKvGroupSpec full = { KVP_KV_GROUP_FULL, 0, 0 };
  guint n_groups = MAX (self->config.n_groups, 1);

  json_builder_set_member_name (builder, "kv_cache_groups");
  json_builder_begin_array (builder);
  for (guint g = 0; g < n_groups; g++)
    {
      const KvpKvGroupSpec *spec = self->config.n_groups > 0 ? &self->config.groups[g] : &full;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kinds[spec->kind]);
      kvp_json_add_uint (builder, "window", spec->window);
      if (self->runs[KVP_SCHEME_PAGED].present)
        kvp_json_add_uint (builder, "peak_blocks", self->runs[KVP_SCHEME_PAGED].stats.group_peak_blocks[g]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_config_json (KvpSimulation *self,
                 JsonBuilder   *builder)
{
  const KvpStepTime *time = &self->config.step_time;

  kvp_json_add_uint (builder, "block_size", self->config.block_size);
  kvp_json_add_uint (builder, "num_blocks", self->config.num_blocks);
  kvp_json_add_uint (builder, "token_slots", self->n_slots);
  kvp_json_add_uint (builder, "max_seq_len", self->config.max_seq_len);
  kvp_json_add_uint (builder, "max_num_batched_tokens", self->config.max_num_batched_tokens);
  kvp_json_add_uint (builder, "max_num_seqs", self->config.max_num_seqs);
  kvp_json_add_uint (builder, "long_prefill_token_threshold", self->config.long_prefill_token_threshold);
  json_builder_set_member_name (builder, "prefix_caching");
  json_builder_add_boolean_value (builder, !self->config.no_prefix_caching);
  add_groups_json (self, builder);
  json_builder_set_member_name (builder, "step_time");
  json_builder_add_string_value (builder, kvp_step_time_is_roofline (time) ? "roofline" : "constant");
  if (!kvp_step_time_is_roofline (time))
    kvp_json_add_double (builder, "step_time_ms",
                         (time->constant_ns > 0 ? time->constant_ns : KVP_STEP_TIME_DEFAULT_NS) / 1e6);
}

JsonNode *
kvp_simulation_to_json (KvpSimulation *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  KvpWorkload *workload;
  guint n;

  g_return_val_if_fail (self != NULL, NULL);

  workload = self->workload;
  kvp_workload_get_requests (workload, &n);

  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "workload");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, kvp_workload_get_source (workload));
  kvp_json_add_uint (builder, "requests", n);
  json_builder_set_member_name (builder, "seed");
  /* JSON numbers are doubles for most readers; a seed above 2^53 would
   * come back changed, so it is a string. */
  {
    g_autofree char *seed = g_strdup_printf ("%" PRIu64, kvp_workload_get_seed (workload));

    json_builder_add_string_value (builder, seed);
  }
  kvp_json_add_double (builder, "request_rate", kvp_workload_get_request_rate (workload));
  json_builder_set_member_name (builder, "arrivals");
  json_builder_add_string_value (builder, arrivals_kind (self));
  json_builder_set_member_name (builder, "arrivals_from_file");
  json_builder_add_boolean_value (builder, kvp_workload_has_file_arrivals (workload));
  /* A conversation's later turns arrive after the answers before them:
   * arrivals above are its first turns'. */
  kvp_json_add_double (builder, "turn_think_time_mean_s",
                       g_str_equal (kvp_workload_get_source (workload), "conversation")
                       ? KVP_WORKLOAD_CONVERSATION_THINK_S : 0.0);
  kvp_json_add_double (builder, "time_scale", kvp_workload_get_time_scale (workload));
  kvp_json_add_uint (builder, "skipped_requests", kvp_workload_get_skipped (workload, NULL, NULL));
  kvp_json_add_double (builder, "mean_prompt_len", kvp_workload_get_mean_prompt (workload));
  kvp_json_add_double (builder, "mean_output_len", kvp_workload_get_mean_output (workload));
  add_config_json (self, builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "schemes");
  json_builder_begin_object (builder);
  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    {
      if (!self->runs[s].present)
        continue;

      json_builder_set_member_name (builder, scheme_names[s]);
      kvp_sim_stats_add_json (&self->runs[s].stats, builder);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

void
kvp_sim_csv_append_header (GString *csv)
{
  g_return_if_fail (csv != NULL);

  g_string_append (csv, "scheme,step,clock,start_s,end_s,running,waiting,finished,preemptions");
  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    g_string_append_printf (csv, ",%s", slot_class_names[c]);
  /* Last, so readers of the older columns read them where they were. */
  g_string_append (csv, ",between_turns");
  g_string_append_c (csv, '\n');
}

void
kvp_sim_csv_append_step (GString          *csv,
                         KvpScheme         scheme,
                         guint64           index,
                         const KvpSimStep *step)
{
  g_return_if_fail (csv != NULL && step != NULL && scheme < KVP_N_SCHEMES);

  /* Whole nanoseconds, printed exactly in any locale. */
  g_string_append_printf (csv, "%s,%" PRIu64 ",%u,%" PRIu64 ".%09" PRIu64 ",%" PRIu64 ".%09" PRIu64 ",%u,%u,%u,%u",
                          scheme_names[scheme], index, step->clock,
                          step->start_ns / 1000000000u, step->start_ns % 1000000000u,
                          step->end_ns / 1000000000u, step->end_ns % 1000000000u,
                          step->n_running, step->n_waiting, step->n_finished, step->n_preemptions);
  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    g_string_append_printf (csv, ",%" PRIu64, step->slots[c]);
  g_string_append_printf (csv, ",%u", step->n_between_turns);
  g_string_append_c (csv, '\n');
}

char *
kvp_simulation_to_csv (KvpSimulation *self)
{
  GString *csv;

  g_return_val_if_fail (self != NULL, NULL);

  csv = g_string_new (NULL);
  kvp_sim_csv_append_header (csv);
  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    {
      const SchemeRun *run = &self->runs[s];

      if (!run->present || run->steps == NULL)
        continue;
      for (guint i = 0; i < run->steps->len; i++)
        kvp_sim_csv_append_step (csv, s, i, &g_array_index (run->steps, KvpSimStep, i));
    }

  return g_string_free (csv, FALSE);
}

GPtrArray *
kvp_simulation_get_table (KvpSimulation *self,
                          guint         *n_columns)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_columns != NULL, NULL);

  /* Translators: column headings of kvpage --simulate; the six slot
   * classes of the PagedAttention paper's Figure 2, then batch figures. */
  g_ptr_array_add (cells, g_strdup (_("SCHEME")));
  g_ptr_array_add (cells, g_strdup (_("TOKENS")));
  g_ptr_array_add (cells, g_strdup (_("RESERVED")));
  g_ptr_array_add (cells, g_strdup (_("INTERNAL")));
  g_ptr_array_add (cells, g_strdup (_("EXTERNAL")));
  g_ptr_array_add (cells, g_strdup (_("FREE")));
  /* Translators: free blocks that still hold a prefix-cache hash
   * (evictable), a column of kvpage --simulate. */
  g_ptr_array_add (cells, g_strdup (_("CACHED")));
  g_ptr_array_add (cells, g_strdup (_("MEAN BATCH")));
  g_ptr_array_add (cells, g_strdup (_("MAX BATCH")));
  g_ptr_array_add (cells, g_strdup (_("PREEMPTIONS")));
  g_ptr_array_add (cells, g_strdup (_("STEPS")));
  g_ptr_array_add (cells, g_strdup (_("MEAN WAIT")));
  *n_columns = cells->len;

  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    {
      const KvpSimStats *stats = &self->runs[s].stats;

      if (!self->runs[s].present)
        continue;

      g_ptr_array_add (cells, g_strdup (scheme_names[s]));
      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        g_ptr_array_add (cells, g_strdup_printf ("%.1f %%", stats->percent[c]));
      g_ptr_array_add (cells, g_strdup_printf ("%.1f", stats->mean_batch_size));
      g_ptr_array_add (cells, g_strdup_printf ("%u", stats->max_batch_size));
      g_ptr_array_add (cells, g_strdup_printf ("%" PRIu64, stats->preemptions));
      g_ptr_array_add (cells, g_strdup_printf ("%" PRIu64, stats->steps));
      g_ptr_array_add (cells, g_strdup_printf ("%.1f", stats->mean_wait_steps));
    }

  return cells;
}

/* A figure of a scheme's summary, for the metrics table. */
static char *
format_metric (const KvpSimStats *stats,
               guint              row)
{
  static const int stat_of[3] = { 0, 1, 3 }; /* mean, p50, p99 */
  const KvpLatencySummary *l;
  double v;

  switch (row)
    {
    case 0:
      return g_strdup_printf ("%.2f", stats->duration_s);
    case 1:
      return g_strdup_printf ("%.2f", stats->request_throughput);
    case 2:
      return g_strdup_printf ("%.2f", stats->output_token_throughput);
    case 18:
      return g_strdup_printf ("%" PRIu64, stats->preemptions);
    case 19:
      return g_strdup_printf ("%" PRIu64, stats->recomputed_tokens);
    case 20:
      return g_strdup_printf ("%.1f", kvp_prefix_cache_stats_hit_rate_percent (&stats->prefix_cache));
    case 21:
      return g_strdup_printf ("%" PRIu64, stats->prefill_tokens_saved);
    case 22:
      return g_strdup_printf ("%.1f", stats->memory_saving_percent);
    case 23:
      return g_strdup_printf ("%.1f", stats->mean_between_turns);
    case 24:
      return g_strdup_printf ("%u", stats->max_between_turns);
    default:
      break;
    }

  l = &stats->latency[(row - 3) / 3];
  switch (stat_of[(row - 3) % 3])
    {
    case 0:
      v = l->mean;
      break;
    case 1:
      v = l->p50;
      break;
    default:
      v = l->p99;
      break;
    }

  return g_strdup_printf ((row - 3) / 3 == KVP_LATENCY_NORMALIZED ? "%.4f" : "%.2f", v);
}

GPtrArray *
kvp_simulation_get_metrics_table (KvpSimulation *self,
                                  guint         *n_columns)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  /* Translators: rows of kvpage --simulate's latency table, named as
   * vLLM's benchmark (benchmark_serving) names them. */
  const char *labels[] = {
    N_("Duration (s)"), N_("Request throughput (req/s)"), N_("Output token throughput (tok/s)"),
    N_("Mean TTFT (ms)"), N_("Median TTFT (ms)"), N_("P99 TTFT (ms)"),
    N_("Mean TPOT (ms)"), N_("Median TPOT (ms)"), N_("P99 TPOT (ms)"),
    N_("Mean E2EL (ms)"), N_("Median E2EL (ms)"), N_("P99 E2EL (ms)"),
    N_("Mean queue (ms)"), N_("Median queue (ms)"), N_("P99 queue (ms)"),
    N_("Mean normalized latency (s/token)"), N_("Median normalized latency (s/token)"),
    N_("P99 normalized latency (s/token)"),
    N_("Preemptions"), N_("Recomputed tokens"),
    N_("Prefix cache hit rate (%)"), N_("Prefill tokens saved"), N_("Memory saved by sharing (%)"),
    /* Translators: requests whose conversation is in its think time
     * (the previous answer ended, the next message not sent yet). */
    N_("Mean between turns (requests)"), N_("Max between turns (requests)"),
  };
  guint n_rows;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_columns != NULL, NULL);

  /* The last two only where turns wait for answers (--workload conversation). */
  n_rows = G_N_ELEMENTS (labels) - (kvp_workload_has_turns (self->workload) ? 0 : 2);
  /* Translators: the first column heading of the latency table. */
  g_ptr_array_add (cells, g_strdup (_("METRIC")));
  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    if (self->runs[s].present)
      g_ptr_array_add (cells, g_ascii_strup (scheme_names[s], -1));
  *n_columns = cells->len;

  for (guint row = 0; row < n_rows; row++)
    {
      g_ptr_array_add (cells, g_strdup (_(labels[row])));
      for (guint s = 0; s < KVP_N_SCHEMES; s++)
        if (self->runs[s].present)
          g_ptr_array_add (cells, format_metric (&self->runs[s].stats, row));
    }

  return cells;
}

char *
kvp_simulation_describe_workload (KvpSimulation *self)
{
  g_autofree char *source = NULL;
  g_autofree char *requests = NULL;
  const char *kind;
  guint n;

  g_return_val_if_fail (self != NULL, NULL);

  kvp_workload_get_requests (self->workload, &n);
  /* Grouped as the pool line under it groups its counts. */
  requests = kvp_format_count (n);
  source = g_filename_display_name (kvp_workload_get_source (self->workload));
  kind = arrivals_kind (self);

  /* A file's own arrivals owe nothing to the seed. */
  if (g_str_equal (kind, "file"))
    {
      g_autofree char *arrivals = kvp_workload_describe_arrivals (self->workload);

      /* Translators: the source, the count, how requests arrive (from the
       * file, perhaps with its times scaled). */
      return g_strdup_printf (_("Workload %s: %s requests, %s; mean prompt %.1f, mean output %.1f tokens."),
                              source, requests, arrivals, kvp_workload_get_mean_prompt (self->workload),
                              kvp_workload_get_mean_output (self->workload));
    }

  {
    gboolean chats = g_str_equal (kvp_workload_get_source (self->workload), "conversation");
    g_autofree char *arrivals = NULL;

    /* A conversation's rate is of its starts; each later turn waits for the
     * answer before it, then a think time. */
    if (chats)
      arrivals = g_str_equal (kind, "poisson")
                 ? g_strdup_printf (_("conversations starting at Poisson times at %g a second, each later turn "
                                      "arriving a think time (exponential, mean %g s) after the previous answer "
                                      "ended"),
                                    kvp_workload_get_request_rate (self->workload), KVP_WORKLOAD_CONVERSATION_THINK_S)
                 : g_strdup_printf (_("conversations starting at once, each later turn arriving a think time "
                                      "(exponential, mean %g s) after the previous answer ended"),
                                    KVP_WORKLOAD_CONVERSATION_THINK_S);
    else
      arrivals = g_str_equal (kind, "poisson")
                 ? g_strdup_printf (_("Poisson arrivals at %g requests/s"),
                                    kvp_workload_get_request_rate (self->workload))
                 : g_strdup (_("all arriving at once"));

    return g_strdup_printf (_("Workload %s: %s requests, seed %" PRIu64 ", %s; mean prompt %.1f, mean output %.1f tokens."),
                            source, requests, kvp_workload_get_seed (self->workload), arrivals,
                            kvp_workload_get_mean_prompt (self->workload),
                            kvp_workload_get_mean_output (self->workload));
  }
}

char *
kvp_simulation_describe_groups (KvpSimulation *self)
{
  g_autoptr(GString) list = NULL;
  const KvpSimStats *paged;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->config.n_groups == 0)
    return NULL;

  paged = self->runs[KVP_SCHEME_PAGED].present ? &self->runs[KVP_SCHEME_PAGED].stats : NULL;
  list = g_string_new (NULL);
  for (guint g = 0; g < self->config.n_groups; g++)
    {
      const KvpKvGroupSpec *spec = &self->config.groups[g];
      g_autofree char *kind = spec->kind == KVP_KV_GROUP_FULL
                              ? g_strdup (_("full attention"))
                              : spec->kind == KVP_KV_GROUP_SLIDING_WINDOW
                              ? g_strdup_printf (_("sliding window of %u tokens"), spec->window)
                              : g_strdup_printf (_("chunks of %u tokens"), spec->window);

      if (list->len > 0)
        g_string_append (list, ", ");
      if (paged != NULL)
        /* Translators: a KV-cache group's kind, then the blocks it held. */
        g_string_append_printf (list, _("%s (%" PRIu64 " blocks at most)"), kind, paged->group_peak_blocks[g]);
      else
        g_string_append (list, kind);
    }

  /* Translators: the count, then the list of groups. */
  return g_strdup_printf (_("KV-cache groups, as vLLM makes them: %u — %s."), self->config.n_groups, list->str);
}

char *
kvp_simulation_describe_scheduler (KvpSimulation *self)
{
  const KvpSimConfig *config;
  g_autofree char *chunk = NULL;
  g_autofree char *time = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *seqs = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  config = &self->config;
  chunk = config->long_prefill_token_threshold > 0
          ? g_strdup_printf (_("prefill chunks of at most %u tokens"), config->long_prefill_token_threshold)
          : g_strdup (_("chunked prefill"));
  if (kvp_step_time_is_roofline (&config->step_time))
    time = g_strdup (_("each step as long as the roofline model says"));
  else
    time = g_strdup_printf (_("each step %g ms"),
                            (config->step_time.constant_ns > 0 ? config->step_time.constant_ns
                                                               : KVP_STEP_TIME_DEFAULT_NS) / 1e6);

  /* Translators: the token budget, the requests at once, how prefills are
   * cut, how long a step lasts. */
  budget = kvp_format_count (config->max_num_batched_tokens);
  seqs = kvp_format_count (config->max_num_seqs);
  return g_strdup_printf (_("Scheduler: vLLM v1’s, at most %s tokens a step and %s requests at once, %s; %s."),
                          budget, seqs, chunk, time);
}

char *
kvp_simulation_describe (KvpSimulation *self)
{
  g_autofree char *workload = NULL;
  g_autofree char *pool = NULL;
  g_autofree char *blocks = NULL;
  g_autofree char *slots = NULL;
  g_autofree char *max_len = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  workload = kvp_simulation_describe_workload (self);
  /* Grouped as the pool line of the deploy sizing and the pictures group. */
  blocks = kvp_format_count (self->config.num_blocks);
  slots = kvp_format_count (self->n_slots);
  max_len = kvp_format_count (self->config.max_seq_len);
  /* Translators: blocks, block size, token slots, the longest sequence. */
  pool = g_strdup_printf (_("Pool: %s blocks × %u = %s token slots for every scheme; maximum sequence %s tokens."),
                          blocks, self->config.block_size, slots, max_len);

  return g_strconcat (workload, "\n", pool, NULL);
}
