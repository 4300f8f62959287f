/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scheduler.c: a serving run of one scheme, step by step: vLLM v1's token
 * budget, chunked prefill, max_num_seqs and recompute preemption over the
 * paged cache, or reservations in a buddy space; time from the step-time
 * model; slot classes and latencies summarised as they happen. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-buddy.h"
#include "kvp-error.h"
#include "kvp-paged-cache.h"
#include "kvp-request-queue.h"
#include "kvp-scheduler.h"

/* The cancellable is looked at once per this many steps. */
#define CANCEL_CHECK_STEPS 4096u
/* 2 GiB of events at most. */
#define MAX_EVENTS (G_MAXUINT32 / 32u)

/* A request during the run. */
typedef struct
{
  guint64  first_scheduled_ns;
  guint64  first_token_ns;
  guint64  offset;         /* reserve-ahead */
  guint64  cap;            /* paged: min (blocks × B, final length) */
  guint64  wait_since;     /* step it last joined the waiting queue */
  guint32  generated;
  guint32  held;
  guint8   status;
  gboolean admitted;
} Live;

/* The sums the slot classes come from, kept up to date as requests come and
 * go, so a step costs O(running requests) and never O(slots). */
typedef struct
{
  guint64 held;       /* Σ tokens held */
  guint64 cap;        /* paged: Σ min (blocks × B, final) */
  guint64 final;      /* reserve-ahead: Σ final length */
  guint64 reserved;   /* reserve-ahead: Σ reservation */
  guint64 rounded;    /* reserve-ahead: Σ buddy block */
} Sums;

typedef struct
{
  const KvpSchedulerRun *run;
  const KvpSimConfig    *config;
  const KvpRequest      *requests;
  guint                  n;
  gboolean               paged;
  guint32                B;
  KvpPagedCache         *cache;
  KvpBuddy              *buddy;
  Live                  *live;
  guint32               *running;   /* ids in admission order */
  guint                  n_running;
  KvpRequestQueue        waiting;
  Sums                   sums;
  GArray                *new_blocks; /* scratch: blocks one allocation took */
  GArray                *first_tokens; /* scratch: ids emitting their first */

  guint64                now_ns;
  guint64                step_index;
  guint32                clock;
  guint                  next;      /* next request to arrive */
  guint64                finished;
  guint64                preemptions;
  guint64                recomputed;
  guint64                wait_total;
  guint64                output_tokens;

  /* This step. */
  guint32                budget;
  gboolean               preempted;
  KvpStepWork            work;
  guint32                n_scheduled;

  /* The summary. */
  double                 class_sums[KVP_N_SLOT_CLASSES];
  double                 running_sum;
  guint32                max_running;
  double                *latency[KVP_N_LATENCIES];
  guint64                n_latency[KVP_N_LATENCIES];
} Sched;

static inline guint64
arrival_ns (const KvpRequest *request)
{
  /* Whole nanoseconds, so time adds up exactly however long the run. */
  return (guint64) llround (request->arrival * 1e9);
}

static void
add_event (Sched           *s,
           guint32          request,
           KvpSimEventKind  kind,
           guint64          value)
{
  KvpSimEvent event = { request, kind, value };

  if (s->run->events != NULL)
    g_array_append_val (s->run->events, event);
}

guint64
kvp_scheduler_reservation (KvpScheme         scheme,
                           const KvpRequest *request,
                           guint32           max_seq_len)
{
  guint64 final_len = (guint64) request->prompt_len + request->output_len;

  /* The paper's Pow2 over-reserves the output by at most 2× ("if the true
   * output length is 25, it reserves 32"); Max reserves up to the model's
   * maximum. */
  switch (scheme)
    {
    case KVP_SCHEME_MAX:
      return max_seq_len;
    case KVP_SCHEME_POW2:
      return MIN ((guint64) request->prompt_len + kvp_buddy_round_up (request->output_len),
                  (guint64) max_seq_len);
    case KVP_SCHEME_ORACLE:
    case KVP_SCHEME_PAGED:
    case KVP_N_SCHEMES:
    default:
      return final_len;
    }
}

/* Paged: the request's cap follows the blocks it holds. */
static void
note_blocks (Sched   *s,
             guint32  id)
{
  Live *r = &s->live[id];
  guint64 final_len = (guint64) s->requests[id].prompt_len + s->requests[id].output_len;
  guint64 cap = MIN ((guint64) kvp_paged_cache_get_num_blocks (s->cache, id) * s->B, final_len);

  for (guint b = 0; b < s->new_blocks->len; b++)
    add_event (s, id, KVP_SIM_EVENT_ALLOCATE, g_array_index (s->new_blocks, guint32, b));
  g_array_set_size (s->new_blocks, 0);
  s->sums.cap += cap - r->cap;
  r->cap = cap;
}

/* Recompute: the victim's blocks go, it waits at the head of the queue. */
static void
preempt (Sched   *s,
         guint32  victim)
{
  Live *v = &s->live[victim];

  kvp_paged_cache_free (s->cache, victim);
  s->sums.held -= v->held;
  s->sums.cap -= v->cap;
  s->recomputed += v->held;
  v->held = 0;
  v->cap = 0;
  v->status = KVP_REQUEST_WAITING;
  v->wait_since = s->step_index;
  kvp_request_queue_push_head (&s->waiting, victim);
  add_event (s, victim, KVP_SIM_EVENT_PREEMPT, 0);
  s->preemptions++;
  s->preempted = TRUE;
}

/* The request computes n tokens taking slots slots; the work it adds to the
 * step is what the step-time model charges. */
static void
apply_chunk (Sched    *s,
             guint32   id,
             guint32   n,
             guint32   slots,
             gboolean  emits)
{
  Live *r = &s->live[id];
  guint32 before = r->held;

  if (!r->admitted)
    {
      r->admitted = TRUE;
      r->first_scheduled_ns = s->now_ns;
    }
  r->held += slots;
  s->sums.held += slots;
  s->work.tokens += n;
  s->work.kv_read += r->held;
  s->work.attn_pairs += (double) n * ((double) before + (n + 1) / 2.0);
  s->budget -= n;
  s->n_scheduled++;

  if (emits)
    {
      if (r->generated == 0)
        g_array_append_val (s->first_tokens, id);
      r->generated++;
      s->output_tokens++;
    }
}

/* Running requests first, in admission order, while tokens are left. */
static void
schedule_running (Sched *s)
{
  const guint32 threshold = s->config->long_prefill_token_threshold;

  for (guint i = 0; i < s->n_running && s->budget > 0; i++)
    {
      guint32 id = s->running[i];
      Live *r = &s->live[id];
      guint32 slots;
      gboolean emits;
      guint32 n = kvp_scheduler_chunk (r->held, s->requests[id].prompt_len + r->generated, s->budget, threshold,
                                       &slots, &emits);

      if (s->paged)
        {
          gboolean self_preempted = FALSE;

          /* No room: preempt the most recently admitted, maybe this one. */
          while (!kvp_paged_cache_allocate_slots (s->cache, id, slots, s->new_blocks))
            {
              guint32 victim = s->running[--s->n_running];

              preempt (s, victim);
              if (victim == id)
                {
                  self_preempted = TRUE;
                  break;
                }
            }
          if (self_preempted)
            break;
          /* The cap follows the blocks, which change at a block's end. */
          if (s->new_blocks->len > 0)
            note_blocks (s, id);
        }

      apply_chunk (s, id, n, slots, emits);
    }
}

/* Whether the head of the queue can be admitted; takes its room if so. */
static gboolean
admit_head (Sched    *s,
            guint32   id,
            guint32   slots)
{
  Live *r = &s->live[id];
  const KvpRequest *q = &s->requests[id];

  if (s->paged)
    {
      /* The whole sequence must fit now, not just the first chunk. */
      guint64 whole = (guint64) q->prompt_len + r->generated + 1;

      if (kvp_paged_cache_blocks_needed (s->cache, id, whole) > kvp_paged_cache_get_num_free (s->cache))
        return FALSE;
      kvp_request_queue_pop_head (&s->waiting);
      add_event (s, id, KVP_SIM_EVENT_ADMIT, 0);
      if (!kvp_paged_cache_allocate_slots (s->cache, id, slots, s->new_blocks))
        g_assert_not_reached ();
      note_blocks (s, id);
    }
  else
    {
      guint64 reserved = kvp_scheduler_reservation (s->run->scheme, q, s->config->max_seq_len);
      guint64 rounded = kvp_buddy_round_up (reserved);

      if (!kvp_buddy_alloc (s->buddy, rounded, &r->offset))
        return FALSE;
      kvp_request_queue_pop_head (&s->waiting);
      add_event (s, id, KVP_SIM_EVENT_ADMIT, r->offset);
      s->sums.final += (guint64) q->prompt_len + q->output_len;
      s->sums.reserved += reserved;
      s->sums.rounded += rounded;
    }

  return TRUE;
}

/* FCFS admission, unless this step preempted (as vLLM v1). */
static void
schedule_waiting (Sched *s)
{
  const guint32 threshold = s->config->long_prefill_token_threshold;

  if (s->preempted)
    return;

  while (s->waiting.len > 0 && s->budget > 0 && s->n_running < s->config->max_num_seqs)
    {
      guint32 id = kvp_request_queue_peek (&s->waiting, 0);
      Live *r = &s->live[id];
      guint32 slots;
      gboolean emits;
      guint32 n = kvp_scheduler_chunk (0, s->requests[id].prompt_len + r->generated, s->budget, threshold,
                                       &slots, &emits);

      if (!admit_head (s, id, slots))
        break;

      s->wait_total += s->step_index - r->wait_since;
      r->status = KVP_REQUEST_RUNNING;
      s->running[s->n_running++] = id;
      apply_chunk (s, id, n, slots, emits);
    }
}

static void
add_latency (Sched      *s,
             KvpLatency  which,
             double      value)
{
  s->latency[which][s->n_latency[which]++] = value;
}

/* A request that emitted its last token leaves, its latencies kept. */
static void
finish_request (Sched   *s,
                guint32  id,
                guint64  end_ns)
{
  Live *r = &s->live[id];
  const KvpRequest *q = &s->requests[id];
  guint64 arrived = arrival_ns (q);
  double e2e = (double) (end_ns - arrived) / 1e6;
  double ttft = (double) (r->first_token_ns - arrived) / 1e6;

  add_event (s, id, KVP_SIM_EVENT_FINISH, 0);
  if (s->paged)
    {
      kvp_paged_cache_free (s->cache, id);
      s->sums.cap -= r->cap;
      r->cap = 0;
    }
  else
    {
      guint64 reserved = kvp_scheduler_reservation (s->run->scheme, q, s->config->max_seq_len);

      kvp_buddy_release (s->buddy, r->offset);
      s->sums.final -= (guint64) q->prompt_len + q->output_len;
      s->sums.reserved -= reserved;
      s->sums.rounded -= kvp_buddy_round_up (reserved);
    }
  s->sums.held -= r->held;
  r->status = KVP_REQUEST_FINISHED;

  add_latency (s, KVP_LATENCY_TTFT, ttft);
  add_latency (s, KVP_LATENCY_E2E, e2e);
  add_latency (s, KVP_LATENCY_QUEUE, (double) (r->first_scheduled_ns - arrived) / 1e6);
  add_latency (s, KVP_LATENCY_NORMALIZED, e2e / 1e3 / q->output_len);
  if (q->output_len > 1)
    add_latency (s, KVP_LATENCY_TPOT, (e2e - ttft) / (q->output_len - 1));
  if (s->run->finished != NULL)
    {
      KvpSimFinished done = { ttft, q->output_len > 1 ? (e2e - ttft) / (q->output_len - 1) : NAN };

      g_array_append_val (s->run->finished, done);
    }
}

static void
classify (const Sched *s,
          KvpSimStep  *step)
{
  guint64 n_slots = (guint64) s->config->num_blocks * s->B;
  guint64 free_slots = s->paged ? (guint64) kvp_paged_cache_get_num_free (s->cache) * s->B
                                : kvp_buddy_get_free_slots (s->buddy);
  gboolean someone_waits = s->waiting.len > 0;
  guint64 *slots = step->slots;

  slots[KVP_SLOT_TOKEN_STATES] = s->sums.held;
  if (s->paged)
    {
      slots[KVP_SLOT_RESERVATION] = s->sums.cap - s->sums.held;
      slots[KVP_SLOT_INTERNAL_FRAGMENTATION] = n_slots - free_slots - s->sums.cap;
      slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] = 0;
    }
  else
    {
      slots[KVP_SLOT_RESERVATION] = s->sums.final - s->sums.held;
      slots[KVP_SLOT_INTERNAL_FRAGMENTATION] = s->sums.reserved - s->sums.final;
      slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] = s->sums.rounded - s->sums.reserved;
    }

  /* Free slots while a request waits are slots it cannot use. */
  if (someone_waits)
    slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] += free_slots;
  slots[KVP_SLOT_FREE] = someone_waits ? 0 : free_slots;
}

/* The end of a step: its time, first tokens, finishers, its record. */
static void
end_step (Sched      *s,
          KvpSimStep *step)
{
  guint kept = 0;

  classify (s, step);
  step->start_ns = s->now_ns;
  step->end_ns = s->now_ns + kvp_step_time_ns (&s->config->step_time, &s->work);
  step->n_running = s->n_running;
  step->n_waiting = s->waiting.len;
  step->n_finished = s->finished;
  step->n_scheduled = s->n_scheduled;
  step->n_tokens = (guint32) s->work.tokens;

  for (guint i = 0; i < s->first_tokens->len; i++)
    s->live[g_array_index (s->first_tokens, guint32, i)].first_token_ns = step->end_ns;
  g_array_set_size (s->first_tokens, 0);

  for (guint i = 0; i < s->n_running; i++)
    {
      guint32 id = s->running[i];

      if (s->live[id].generated < s->requests[id].output_len)
        s->running[kept++] = id;
      else
        {
          finish_request (s, id, step->end_ns);
          s->finished++;
        }
    }
  s->n_running = kept;
  step->n_preemptions = s->preemptions;

  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    s->class_sums[c] += (double) step->slots[c];
  s->running_sum += step->n_running;
  s->max_running = MAX (s->max_running, step->n_running);
}

/* One step: arrivals, the running pass, admissions, the end. */
static void
run_step (Sched      *s,
          KvpSimStep *step)
{
  guint32 clock;

  if (s->n_running == 0 && s->waiting.len == 0)
    s->now_ns = MAX (s->now_ns, arrival_ns (&s->requests[s->next]));

  clock = (guint32) MIN (s->now_ns / KVP_STEP_TIME_DEFAULT_NS, (guint64) G_MAXUINT32);
  s->clock = s->step_index == 0 ? clock : MAX (clock, s->clock + 1);
  *step = (KvpSimStep) { .clock = s->clock };
  if (s->run->events != NULL)
    step->first_event = s->run->events->len;

  while (s->next < s->n && arrival_ns (&s->requests[s->next]) <= s->now_ns)
    {
      Live *r = &s->live[s->next];

      r->status = KVP_REQUEST_WAITING;
      r->wait_since = s->step_index;
      kvp_request_queue_push_tail (&s->waiting, s->next);
      add_event (s, s->next, KVP_SIM_EVENT_ARRIVE, 0);
      s->next++;
    }

  s->budget = s->config->max_num_batched_tokens;
  s->preempted = FALSE;
  s->work = (KvpStepWork) { 0 };
  s->n_scheduled = 0;

  schedule_running (s);
  schedule_waiting (s);
  end_step (s, step);
}

static void
summarize (Sched       *s,
           KvpSimStats *out)
{
  guint64 n_slots = (guint64) s->config->num_blocks * s->B;
  double steps = (double) s->step_index;

  *out = (KvpSimStats) { 0 };
  out->steps = s->step_index;
  out->finished_requests = (guint32) s->finished;
  out->preemptions = s->preemptions;
  out->recomputed_tokens = s->recomputed;
  out->output_tokens = s->output_tokens;
  out->max_batch_size = s->max_running;
  out->mean_wait_steps = s->n > 0 ? (double) s->wait_total / s->n : 0.0;
  out->duration_s = (double) s->now_ns / 1e9;
  if (steps > 0)
    {
      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        out->percent[c] = 100.0 * s->class_sums[c] / ((double) n_slots * steps);
      out->mean_batch_size = s->running_sum / steps;
      out->tokens_per_step = (double) s->output_tokens / steps;
    }
  if (out->duration_s > 0)
    {
      out->request_throughput = (double) s->finished / out->duration_s;
      out->output_token_throughput = (double) s->output_tokens / out->duration_s;
    }
  for (guint l = 0; l < KVP_N_LATENCIES; l++)
    kvp_latency_summarize (s->latency[l], s->n_latency[l], &out->latency[l]);
}

static gboolean
sched_init (Sched                  *s,
            const KvpSchedulerRun  *run,
            GError                **error)
{
  const KvpSimConfig *config = run->config;

  s->run = run;
  s->config = config;
  s->requests = kvp_workload_get_requests (run->workload, &s->n);
  s->paged = run->scheme == KVP_SCHEME_PAGED;
  s->B = config->block_size;
  if (s->paged)
    s->cache = kvp_paged_cache_new (config->num_blocks, config->block_size, s->n, error);
  else
    s->buddy = kvp_buddy_new ((guint64) config->num_blocks * config->block_size, error);
  if (s->cache == NULL && s->buddy == NULL)
    return FALSE;

  s->live = g_new0 (Live, MAX (s->n, 1));
  s->running = g_new (guint32, MAX (MIN (s->n, config->max_num_seqs), 1));
  kvp_request_queue_init (&s->waiting, s->n);
  s->new_blocks = g_array_new (FALSE, FALSE, sizeof (guint32));
  s->first_tokens = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint l = 0; l < KVP_N_LATENCIES; l++)
    s->latency[l] = g_new (double, MAX (s->n, 1));

  return TRUE;
}

static void
sched_clear (Sched *s)
{
  g_clear_pointer (&s->cache, kvp_paged_cache_free_all);
  g_clear_pointer (&s->buddy, kvp_buddy_free);
  g_clear_pointer (&s->live, g_free);
  g_clear_pointer (&s->running, g_free);
  kvp_request_queue_clear (&s->waiting);
  g_clear_pointer (&s->new_blocks, g_array_unref);
  g_clear_pointer (&s->first_tokens, g_array_unref);
  for (guint l = 0; l < KVP_N_LATENCIES; l++)
    g_clear_pointer (&s->latency[l], g_free);
}

/* A record that would not fit in memory is refused, not attempted. */
static gboolean
check_record (const Sched  *s,
              GError      **error)
{
  if (s->run->steps == NULL ||
      (s->run->steps->len < KVP_SIMULATION_MAX_STEPS && s->run->events->len < MAX_EVENTS))
    return TRUE;

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("The %s scheme would run for more than %u steps, too many to record for a picture: use fewer "
                 "--requests or a larger pool (--blocks, --kv-cache-memory); --simulate keeps no steps and has "
                 "no such limit."),
               kvp_scheme_to_string (s->run->scheme), KVP_SIMULATION_MAX_STEPS);
  return FALSE;
}

gboolean
kvp_scheduler_run (const KvpSchedulerRun  *run,
                   KvpSimStats            *out,
                   GError                **error)
{
  Sched s = { 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (run != NULL && run->config != NULL && out != NULL, FALSE);
  g_return_val_if_fail ((run->steps == NULL) == (run->events == NULL), FALSE);
  g_return_val_if_fail (run->config->max_num_batched_tokens > 0 && run->config->max_num_seqs > 0, FALSE);

  if (!sched_init (&s, run, error))
    return FALSE;

  while (s.finished < s.n)
    {
      KvpSimStep step;

      if ((s.step_index % CANCEL_CHECK_STEPS == 0 &&
           g_cancellable_set_error_if_cancelled (run->cancellable, error)) ||
          !check_record (&s, error))
        {
          ok = FALSE;
          break;
        }

      run_step (&s, &step);
      if (run->steps != NULL)
        g_array_append_val (run->steps, step);
      if (run->step_func != NULL)
        run->step_func (run->scheme, s.step_index, &step, run->user_data);
      s.now_ns = step.end_ns;
      s.step_index++;
    }

  if (ok)
    summarize (&s, out);
  sched_clear (&s);

  return ok;
}
