/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scheduler.c: a serving run of one scheme, step by step: vLLM v1's token
 * budget, chunked prefill, max_num_seqs and recompute preemption over vLLM
 * v1's KV-cache manager (prefix caching, hybrid groups, beam search), or
 * reservations in a buddy space; time from the step-time model; slot
 * classes and latencies summarised as they happen. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-buddy.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-beam-search.h"
#include "kvp-kv-cache-manager.h"
#include "kvp-request-queue.h"
#include "kvp-scheduler.h"

/* The cancellable is looked at once per this many steps. */
#define CANCEL_CHECK_STEPS 4096u
/* 2 GiB of events at most. */
#define MAX_EVENTS (G_MAXUINT32 / 32u)

/* A request during the run. */
typedef struct
{
  guint64  arrived_ns;     /* in this run: a closed-loop turn's depends on
                              when the turn before it finished */
  guint64  first_scheduled_ns;
  guint64  first_token_ns;
  guint64  offset;         /* reserve-ahead */
  guint64  wait_since;     /* step it last joined the waiting queue */
  guint32  generated;
  guint32  held;
  guint8   status;
  gboolean admitted;
} Live;

/* A paged request's share of the manager, beside Live (the reserve-ahead
 * schemes do without it). */
typedef struct
{
  guint64  cap;            /* Σ groups min (blocks × B, final length), less
                              the window's dropped blocks */
  guint64  extra_slots;    /* hybrid, beam: Σ tables' tokens in live blocks,
                              less held (counted once already) */
  guint32  logical;        /* blocks its tables name (no null blocks) */
  guint32  ev_blocks;      /* blocks of the event group told */
  guint32  pending;        /* slots held in its last block that the manager
                              has not been told of yet */
  guint32  mid;            /* its id in the manager */
  gboolean in_manager;     /* added to the manager */
} Paged;

/* The sums the slot classes come from, kept up to date as requests come and
 * go, so a step costs O(running requests) and never O(slots). */
typedef struct
{
  guint64 held;       /* Σ tokens held */
  guint64 cap;        /* paged: Σ min (blocks × B, final) */
  guint64 final;      /* reserve-ahead: Σ final length */
  guint64 reserved;   /* reserve-ahead: Σ reservation */
  guint64 rounded;    /* reserve-ahead: Σ buddy block */
  guint64 logical;    /* paged: Σ blocks the tables name */
} Sums;

typedef struct
{
  const KvpSchedulerRun *run;
  const KvpSimConfig    *config;
  const KvpRequest      *requests;
  guint                  n;
  gboolean               paged;
  guint32                B;
  KvpKvCacheManager     *cache;
  gboolean               hybrid;      /* a sliding or chunked group */
  guint                  n_groups;
  guint                  event_group; /* the table the events follow */
  GArray                *segments;    /* scratch: a prompt's segments */
  KvpBeamSearch        **beams;       /* --beam-width: per request, NULL
                                         until its first decode step */
  guint64                prefill_saved;
  double                 logical_sum; /* Σ steps blocks named */
  double                 saved_sum;   /* Σ steps blocks sharing saved */
  guint64                peak_blocks;
  guint64                group_peak[KVP_SIM_MAX_GROUPS];
  KvpBuddy              *buddy;
  Live                  *live;
  Paged                 *pl;          /* paged: per request */
  guint32               *running;   /* ids in admission order */
  guint                  n_running;
  KvpRequestQueue        waiting;
  Sums                   sums;
  GArray                *first_tokens; /* scratch: ids emitting their first */
  /* Closed-loop turns (KvpRequestSharing's waits): the finishes each still
   * waits for, and a min-heap of those released (Released) by arrival;
   * NULL when every request arrives at its own time. */
  guint32               *left;
  GArray                *released;

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
  gboolean               refused;   /* the queue's head lacked memory */
  KvpStepWork            work;
  guint32                n_scheduled;

  /* The summary. */
  double                 class_sums[KVP_N_SLOT_CLASSES];
  double                 running_sum;
  guint32                max_running;
  double                 between_sum;
  guint32                max_between;
  double                *latency[KVP_N_LATENCIES];
  guint64                n_latency[KVP_N_LATENCIES];
} Sched;

static inline guint64
arrival_ns (const KvpRequest *request)
{
  /* Whole nanoseconds, so time adds up exactly however long the run. */
  return (guint64) llround (request->arrival * 1e9);
}

/* A closed-loop turn released by the finish of the turn before. */
typedef struct
{
  guint64 ns;
  guint32 id;
} Released;

/* Released turns arrive in order of time, then of id, as the workload's own
 * arrivals do: the same run whatever the machine. */
static inline gboolean
released_before (const Released *a,
                 const Released *b)
{
  return a->ns < b->ns || (a->ns == b->ns && a->id < b->id);
}

static void
released_push (GArray  *heap,
               guint64  ns,
               guint32  id)
{
  Released item = { ns, id };
  guint i = heap->len;

  g_array_append_val (heap, item);
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      Released *a = &g_array_index (heap, Released, parent);
      Released *b = &g_array_index (heap, Released, i);

      if (!released_before (b, a))
        break;
      item = *a;
      *a = *b;
      *b = item;
      i = parent;
    }
}

static Released
released_pop (GArray *heap)
{
  Released top = g_array_index (heap, Released, 0);
  guint i = 0;

  g_array_index (heap, Released, 0) = g_array_index (heap, Released, heap->len - 1);
  g_array_set_size (heap, heap->len - 1);
  for (;;)
    {
      guint least = i;
      Released swap;

      for (guint c = 2 * i + 1; c <= 2 * i + 2 && c < heap->len; c++)
        if (released_before (&g_array_index (heap, Released, c), &g_array_index (heap, Released, least)))
          least = c;
      if (least == i)
        break;
      swap = g_array_index (heap, Released, least);
      g_array_index (heap, Released, least) = g_array_index (heap, Released, i);
      g_array_index (heap, Released, i) = swap;
      i = least;
    }

  return top;
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

/* A beam's candidates all hold the request's tokens: their slots, caps and
 * blocks are summed (sharing comes off in classify, from the pool).  Beam
 * search runs in summaries only, so no events. */
static void
refresh_beam (Sched   *s,
              guint32  id)
{
  Live *r = &s->live[id];
  Paged *p = &s->pl[id];
  guint64 final_len = (guint64) s->requests[id].prompt_len + s->requests[id].output_len;
  guint64 cap = 0, logical = 0;
  guint n;
  const KvpKvRequestId *candidates = kvp_beam_search_get_candidates (s->beams[id], &n);

  for (guint c = 0; c < n; c++)
    {
      guint len;

      kvp_kv_cache_manager_get_block_table (s->cache, candidates[c], 0, &len);
      cap += MIN ((guint64) len * s->B, final_len);
      logical += len;
    }
  s->sums.cap += cap - p->cap;
  p->cap = cap;
  s->sums.logical += logical - p->logical;
  p->logical = (guint32) logical;
  s->sums.held += (guint64) (n - 1) * r->held - p->extra_slots;
  p->extra_slots = (guint64) (n - 1) * r->held;
}

/* Paged: the request's cap, live slots and blocks follow its tables; the
 * events tell its new blocks in the event group.  Without a windowed group
 * only a new block changes anything, so a decode step inside the last block
 * costs a compare. */
static void
refresh_paged (Sched   *s,
               guint32  id)
{
  Live *r = &s->live[id];
  Paged *p = &s->pl[id];
  guint64 final_len = (guint64) s->requests[id].prompt_len + s->requests[id].output_len;
  guint64 cap = 0, held = 0, logical = 0;
  guint n;
  const guint32 *table;

  if (s->beams != NULL && s->beams[id] != NULL)
    {
      refresh_beam (s, id);
      return;
    }
  /* Only a new block changes a table without a window. */
  if (!s->hybrid && r->held <= (guint64) p->ev_blocks * s->B && p->ev_blocks > 0)
    return;
  table = kvp_kv_cache_manager_get_block_table (s->cache, p->mid, s->event_group, &n);

  if (!s->hybrid && n == p->ev_blocks)
    return;
  /* The picture's pool leaves out the null block, the manager's block 0. */
  for (; p->ev_blocks < n; p->ev_blocks++)
    add_event (s, id, KVP_SIM_EVENT_ALLOCATE, table[p->ev_blocks] - 1);

  for (guint g = 0; g < s->n_groups; g++)
    {
      guint len, nulls = 0;
      const guint32 *t = kvp_kv_cache_manager_get_block_table (s->cache, p->mid, g, &len);

      /* A window's dropped blocks are the null block, from the start. */
      if (s->config->groups[g].kind != KVP_KV_GROUP_FULL)
        while (nulls < len && t[nulls] == 0)
          nulls++;
      cap += MIN ((guint64) len * s->B, final_len) - (guint64) nulls * s->B;
      held += r->held - (guint64) nulls * s->B;
      logical += len - nulls;
    }

  s->sums.cap += cap - p->cap;
  p->cap = cap;
  s->sums.logical += logical - p->logical;
  p->logical = (guint32) logical;
  if (s->hybrid)
    {
      s->sums.held += (held - r->held) - p->extra_slots;
      p->extra_slots = held - r->held;
    }
}

/* Whether the request's last slot holds the token it sampled last, which
 * kvpage's steps give a slot in the step that samples it, and which vLLM
 * computes only in the next one (kvp_scheduler_chunk). */
static inline gboolean
holds_sampled (const Sched *s,
               guint32      id)
{
  const Live *r = &s->live[id];

  return r->generated > 0 && r->held >= (guint64) s->requests[id].prompt_len + r->generated;
}

/* Tells the manager that the request holds held slots, the last of them the
 * token just sampled when sampled is set: allocate_slots for the tokens
 * computed since it was told last, with that token's slot as a lookahead
 * slot, which vLLM neither counts computed nor caches (the step that samples
 * a token does not compute it).  The sampled token then joins the
 * request's tokens, as it joins vLLM's request once the step's output is
 * in. */
static gboolean
tell_manager (Sched    *s,
              guint32   id,
              guint64   held,
              gboolean  sampled,
              gboolean  admitting)
{
  guint32 mid = s->pl[id].mid;
  guint64 tokens = kvp_kv_cache_manager_get_num_tokens (s->cache, mid);
  guint64 computed = kvp_kv_cache_manager_get_num_computed_tokens (s->cache, mid);
  guint64 hit = admitting ? s->live[id].held : 0;
  guint64 done = held - (sampled ? 1 : 0);

  if (done <= computed + hit)
    return TRUE;
  if (done > tokens)
    kvp_kv_cache_manager_add_output_tokens (s->cache, mid, done - tokens);
  if (!kvp_kv_cache_manager_allocate_slots_ahead (s->cache, mid, done - computed - hit, sampled ? 1 : 0,
                                                  admitting, NULL))
    return FALSE;
  tokens = kvp_kv_cache_manager_get_num_tokens (s->cache, mid);
  if (held > tokens)
    kvp_kv_cache_manager_add_output_tokens (s->cache, mid, held - tokens);

  return TRUE;
}

/* The paged request's blocks go back to the pool. */
static void
release_paged (Sched   *s,
               guint32  id,
               gboolean finished)
{
  Paged *p = &s->pl[id];

  /* The slots not told yet lie in blocks it holds: telling them takes no
   * block, and the blocks their computed tokens fill are cached before they
   * are freed.  The last token sampled (a finished request's last) was
   * never computed, so vLLM caches no block it fills: a chat's next turn
   * hits the answer up to the full blocks before it. */
  if (p->pending > 0 && !tell_manager (s, id, s->live[id].held, holds_sampled (s, id), FALSE))
    g_assert_not_reached ();
  p->pending = 0;
  if (s->beams != NULL && s->beams[id] != NULL)
    {
      /* The candidates go; a preempted beam starts again from one
       * request, which recomputes the prompt and the tokens so far. */
      kvp_beam_search_remove_all (s->beams[id]);
      g_clear_pointer (&s->beams[id], kvp_beam_search_free);
      p->in_manager = FALSE;
    }
  else if (finished)
    kvp_kv_cache_manager_remove_request (s->cache, p->mid);
  else
    kvp_kv_cache_manager_free (s->cache, p->mid);
  s->sums.cap -= p->cap;
  s->sums.logical -= p->logical;
  s->sums.held -= p->extra_slots;
  p->cap = 0;
  p->logical = 0;
  p->extra_slots = 0;
  p->ev_blocks = 0;
}

/* A request joins the manager when it first reaches the head of the
 * queue, not when it arrives, so a million requests arriving at once do not
 * all hold the manager's state (and again after its beam was preempted). */
static void
add_to_manager (Sched   *s,
                guint32  id)
{
  KvpTokenSegment answer;
  gboolean continues;

  g_array_set_size (s->segments, 0);
  kvp_workload_get_prompt_segments (s->run->workload, id, s->segments);
  continues = kvp_workload_get_answer_segment (s->run->workload, id, &answer);
  s->pl[id].mid = kvp_kv_cache_manager_add_request_full (s->cache,
                                                           (const KvpTokenSegment *) (gpointer) s->segments->data,
                                                           s->segments->len, continues ? &answer : NULL);
  s->pl[id].in_manager = TRUE;
}

/* kvpage's steps give a sampled token its slot in the step that samples it
 * (one step before vLLM writes its KV): the manager gets that slot as a
 * lookahead slot (emits: this step samples one), and counts the token
 * computed, caching the block it completes, with the next step, as vLLM
 * does.  A token sampled and then not scheduled (no room) is told with
 * the slots of the step that computes it. */
static gboolean
allocate_paged (Sched    *s,
                guint32   id,
                guint32   slots,
                gboolean  emits,
                gboolean  admitting)
{
  Live *r = &s->live[id];
  Paged *p = &s->pl[id];

  /* Without a window, slots inside the last block need nothing of the
   * manager: they are told with the next call, when a token needs a new
   * block (the step that computes the last token of the block before, when
   * vLLM caches it), or before its blocks are freed. */
  if (!admitting && !s->hybrid && r->held + slots <= (guint64) p->ev_blocks * s->B)
    {
      p->pending += slots;
      return TRUE;
    }

  if (!tell_manager (s, id, r->held + slots, emits, admitting))
    return FALSE;
  p->pending = 0;

  return TRUE;
}

/* Recompute: the victim's blocks go, it waits at the head of the queue. */
static void
preempt (Sched   *s,
         guint32  victim)
{
  Live *v = &s->live[victim];

  release_paged (s, victim, FALSE);
  s->sums.held -= v->held;
  s->recomputed += v->held;
  v->held = 0;
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

/* One decode step of a request's beam (--beam-width), started at its first
 * decode step: the sampled token, which kvpage's steps gave its slot, is
 * the beam's first; the beam then writes one token a candidate.  Each
 * candidate takes at most one block (a new one, or the copy of a shared last
 * one), so beam_width free blocks are made first, preempting the newest
 * requests; FALSE when that preempted this one. */
static gboolean
step_beam (Sched   *s,
           guint32  id)
{
  Paged *p = &s->pl[id];
  KvpBlockPool *pool = kvp_kv_cache_manager_get_pool (s->cache);

  if (s->beams[id] == NULL)
    {
      /* The beam computes the sampled token now, as the paper's beam
       * search, in its own steps. */
      if (!tell_manager (s, id, s->live[id].held, FALSE, FALSE))
        g_assert_not_reached ();
      p->pending = 0;
      kvp_kv_cache_manager_add_output_tokens (s->cache, p->mid, 1);
      s->beams[id] = kvp_beam_search_new (s->cache, p->mid, s->config->beam_width,
                                          kvp_workload_get_seed (s->run->workload) ^ ((guint64) id << 20));
    }

  while (kvp_block_pool_get_num_free (pool) < s->config->beam_width)
    {
      guint32 victim = s->running[--s->n_running];

      preempt (s, victim);
      if (victim == id)
        return FALSE;
    }
  if (!kvp_beam_search_step (s->beams[id], NULL))
    g_assert_not_reached ();

  return TRUE;
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

      /* Beam search decodes a token for every candidate; Orca's copies
       * of a request too. */
      if (!s->paged && s->config->beam_width > 1 && r->held >= s->requests[id].prompt_len + r->generated)
        {
          if (s->budget < s->config->beam_width)
            break;
          apply_chunk (s, id, 1, 1, TRUE);
          s->work.tokens += s->config->beam_width - 1;
          s->budget -= s->config->beam_width - 1;
          continue;
        }
      if (s->beams != NULL && r->held >= s->requests[id].prompt_len + r->generated)
        {
          if (s->budget < s->config->beam_width || !step_beam (s, id))
            break;
          apply_chunk (s, id, 1, 1, TRUE);
          s->work.tokens += s->config->beam_width - 1;
          s->budget -= s->config->beam_width - 1;
          refresh_paged (s, id);
          continue;
        }

      if (s->paged)
        {
          gboolean self_preempted = FALSE;

          /* No room: preempt the most recently admitted, maybe this one. */
          while (!allocate_paged (s, id, slots, emits, FALSE))
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
        }

      apply_chunk (s, id, n, slots, emits);
      if (s->paged)
        refresh_paged (s, id);
    }
}

/* Whether the head of the queue can be admitted; takes its room if so. */
static gboolean
admit_head (Sched    *s,
            guint32   id,
            guint32   slots,
            gboolean  emits)
{
  Live *r = &s->live[id];
  const KvpRequest *q = &s->requests[id];

  if (s->paged)
    {
      /* The whole sequence must fit now, not just the first chunk (vLLM's
       * full-sequence check); the hit is r->held, looked up by the caller. */
      if (!allocate_paged (s, id, slots, emits, TRUE))
        return FALSE;
      kvp_request_queue_pop_head (&s->waiting);
      add_event (s, id, KVP_SIM_EVENT_ADMIT, r->held);
      s->prefill_saved += r->held;
      s->sums.held += r->held;
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
      Paged *p = s->paged ? &s->pl[id] : NULL;
      guint32 slots;
      gboolean emits;
      guint32 n;

      /* The prefix cache's hit is computed already: held from the start. */
      if (s->paged && !p->in_manager)
        add_to_manager (s, id);
      r->held = s->paged ? (guint32) kvp_kv_cache_manager_get_computed_blocks (s->cache, p->mid) : 0;
      n = kvp_scheduler_chunk (r->held, s->requests[id].prompt_len + r->generated, s->budget, threshold,
                               &slots, &emits);
      if (!admit_head (s, id, slots, emits))
        {
          s->refused = TRUE;
          r->held = 0;
          break;
        }

      s->wait_total += s->step_index - r->wait_since;
      r->status = KVP_REQUEST_RUNNING;
      s->running[s->n_running++] = id;
      apply_chunk (s, id, n, slots, emits);
      if (s->paged)
        refresh_paged (s, id);
    }
}

static void
add_latency (Sched      *s,
             KvpLatency  which,
             double      value)
{
  s->latency[which][s->n_latency[which]++] = value;
}

/* The turn after id's, once the last of the answers it waits for has
 * ended (end_ns), arrives a think time later, with its samples. */
static void
release_next_turn (Sched   *s,
                   guint32  id,
                   guint64  end_ns)
{
  KvpRequestSharing done = kvp_workload_get_sharing (s->run->workload, id);
  KvpRequestSharing first;
  guint32 next;

  if (done.next == 0 || --s->left[done.next - 1] > 0)
    return;
  next = done.next - 1;
  first = kvp_workload_get_sharing (s->run->workload, next);
  for (guint32 j = next; j < s->n; j++)
    {
      KvpRequestSharing turn = kvp_workload_get_sharing (s->run->workload, j);

      if (j > next && (first.own == 0 || turn.own != first.own))
        break;
      released_push (s->released, end_ns + (guint64) llround (turn.think_s * 1e9), j);
    }
}

/* A request that emitted its last token leaves, its latencies kept. */
static void
finish_request (Sched   *s,
                guint32  id,
                guint64  end_ns)
{
  Live *r = &s->live[id];
  const KvpRequest *q = &s->requests[id];
  guint64 arrived = r->arrived_ns;
  double e2e = (double) (end_ns - arrived) / 1e6;
  double ttft = (double) (r->first_token_ns - arrived) / 1e6;

  add_event (s, id, KVP_SIM_EVENT_FINISH, 0);
  if (s->paged)
    release_paged (s, id, TRUE);
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
  if (s->left != NULL)
    release_next_turn (s, id, end_ns);

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
classify (Sched       *s,
          KvpSimStep  *step)
{
  guint64 n_slots = (guint64) s->config->num_blocks * s->B;
  guint64 free_slots = s->paged
                       ? (guint64) kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (s->cache)) * s->B
                       : kvp_buddy_get_free_slots (s->buddy);
  /* Free slots are external fragmentation only when memory kept the queue's
   * head out this step (refused, or skipped after a preemption); a head kept
   * out by the token budget or max_num_seqs leaves them free. */
  gboolean head_lacks_memory = s->waiting.len > 0 && (s->refused || s->preempted);
  guint64 *slots = step->slots;
  guint64 cached_free = 0;

  slots[KVP_SLOT_TOKEN_STATES] = s->sums.held;
  if (s->paged)
    {
      /* A block several tables name holds its tokens once: the blocks
       * sharing saved come off the token states and back off the cap. */
      guint64 physical = (n_slots - free_slots) / s->B;
      guint64 saved = s->sums.logical - physical;

      slots[KVP_SLOT_TOKEN_STATES] = s->sums.held - saved * s->B;
      slots[KVP_SLOT_RESERVATION] = s->sums.cap - s->sums.held;
      slots[KVP_SLOT_INTERNAL_FRAGMENTATION] = n_slots - free_slots - s->sums.cap + saved * s->B;
      slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] = 0;
      /* Free blocks still holding a hash are the prefix cache's: a class of
       * their own, out of the free slots whether or not a request waits. */
      cached_free = (guint64) kvp_block_pool_get_num_cached_free (kvp_kv_cache_manager_get_pool (s->cache)) * s->B;
      free_slots -= cached_free;
      if (s->run->cached_free_log != NULL)
        step->cached_free_log_end = s->run->cached_free_log->len;
      s->logical_sum += (double) s->sums.logical;
      s->saved_sum += (double) saved;
      if (physical > s->peak_blocks)
        {
          s->peak_blocks = physical;
          s->group_peak[0] = physical;
          /* Per group only where groups differ: a scan of the tables. */
          for (guint g = 0; g < s->n_groups && s->n_groups > 1; g++)
            s->group_peak[g] = 0;
          for (guint g = 0; g < s->n_groups; g++)
            s->group_peak[g] = 0;
          for (guint i = 0; i < s->n_running && s->n_groups > 1; i++)
            for (guint g = 0; g < s->n_groups; g++)
              {
                guint len;
                const guint32 *t = kvp_kv_cache_manager_get_block_table (s->cache, s->pl[s->running[i]].mid, g,
                                                                         &len);

                for (guint b = 0; b < len; b++)
                  s->group_peak[g] += t[b] != 0;
              }
        }
    }
  else
    {
      /* A hybrid model's token takes a slot in each group, a beam's in
       * each candidate; the slots past the last whole position are free
       * ones no token can use. */
      guint64 G = kvp_sim_config_copies (s->config);

      slots[KVP_SLOT_TOKEN_STATES] *= G;
      slots[KVP_SLOT_RESERVATION] = (s->sums.final - s->sums.held) * G;
      slots[KVP_SLOT_INTERNAL_FRAGMENTATION] = (s->sums.reserved - s->sums.final) * G;
      slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] = (s->sums.rounded - s->sums.reserved) * G;
      free_slots = free_slots * G + (n_slots - kvp_sim_config_positions (s->config) * G);
    }

  if (head_lacks_memory)
    slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] += free_slots;
  slots[KVP_SLOT_FREE] = head_lacks_memory ? 0 : free_slots;
  slots[KVP_SLOT_CACHED_FREE] = cached_free;
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
  /* Taken before this step's finishers release the turns after theirs,
   * as n_finished is: those count in n_released. */
  step->n_between_turns = s->released != NULL ? s->released->len : 0;
  step->n_scheduled = s->n_scheduled;
  step->n_tokens = (guint32) s->work.tokens;
  if (s->paged)
    {
      KvpPrefixCacheStats cache = kvp_kv_cache_manager_get_stats (s->cache);

      step->prefix_queries_tokens = cache.queries_tokens;
      step->prefix_hits_tokens = cache.hits_tokens;
    }

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
  step->n_released = (s->released != NULL ? s->released->len : 0) - step->n_between_turns;

  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    s->class_sums[c] += (double) step->slots[c];
  s->running_sum += step->n_running;
  s->max_running = MAX (s->max_running, step->n_running);
  s->between_sum += step->n_between_turns;
  s->max_between = MAX (s->max_between, step->n_between_turns);
}

/* Moves next past the closed-loop turns, which arrive when released. */
static void
skip_followers (Sched *s)
{
  while (s->left != NULL && s->next < s->n && kvp_workload_get_sharing (s->run->workload, s->next).waits > 0)
    s->next++;
}

/* The next arrival, from the workload's own times or the released turns,
 * whichever is first (ns G_MAXUINT64 when none is left); *heap: whether it
 * is a released turn. */
static Released
peek_arrival (Sched    *s,
              gboolean *heap)
{
  Released open = { s->next < s->n ? arrival_ns (&s->requests[s->next]) : G_MAXUINT64, s->next };

  *heap = s->released != NULL && s->released->len > 0 &&
          released_before (&g_array_index (s->released, Released, 0), &open);

  return *heap ? g_array_index (s->released, Released, 0) : open;
}

/* Takes the next arrival if it is due by limit_ns. */
static gboolean
take_arrival (Sched    *s,
              guint64   limit_ns,
              Released *out)
{
  gboolean heap;

  *out = peek_arrival (s, &heap);
  if (out->ns == G_MAXUINT64 || out->ns > limit_ns)
    return FALSE;
  if (heap)
    released_pop (s->released);
  else
    {
      s->next++;
      skip_followers (s);
    }

  return TRUE;
}

/* One step: arrivals, the running pass, admissions, the end. */
static void
run_step (Sched      *s,
          KvpSimStep *step)
{
  guint32 clock;
  gboolean heap;
  Released arrival;

  /* Idle: time jumps to the next arrival (one is left while a request is). */
  if (s->n_running == 0 && s->waiting.len == 0)
    {
      arrival = peek_arrival (s, &heap);
      if (arrival.ns != G_MAXUINT64)
        s->now_ns = MAX (s->now_ns, arrival.ns);
    }

  clock = (guint32) MIN (s->now_ns / KVP_STEP_TIME_DEFAULT_NS, (guint64) G_MAXUINT32);
  s->clock = s->step_index == 0 ? clock : MAX (clock, s->clock + 1);
  *step = (KvpSimStep) { .clock = s->clock };
  if (s->run->events != NULL)
    step->first_event = s->run->events->len;
  if (s->run->cached_free_log != NULL)
    step->cached_free_log_start = s->run->cached_free_log->len;

  while (take_arrival (s, s->now_ns, &arrival))
    {
      Live *r = &s->live[arrival.id];

      r->status = KVP_REQUEST_WAITING;
      r->wait_since = s->step_index;
      r->arrived_ns = arrival.ns;
      kvp_request_queue_push_tail (&s->waiting, arrival.id);
      add_event (s, arrival.id, KVP_SIM_EVENT_ARRIVE, 0);
    }

  s->budget = s->config->max_num_batched_tokens;
  s->preempted = FALSE;
  s->refused = FALSE;
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
  out->max_between_turns = s->max_between;
  out->mean_wait_steps = s->n > 0 ? (double) s->wait_total / s->n : 0.0;
  out->duration_s = (double) s->now_ns / 1e9;
  if (steps > 0)
    {
      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        out->percent[c] = 100.0 * s->class_sums[c] / ((double) n_slots * steps);
      out->mean_batch_size = s->running_sum / steps;
      out->mean_between_turns = s->between_sum / steps;
      out->tokens_per_step = (double) s->output_tokens / steps;
    }
  if (out->duration_s > 0)
    {
      out->request_throughput = (double) s->finished / out->duration_s;
      out->output_token_throughput = (double) s->output_tokens / out->duration_s;
    }
  for (guint l = 0; l < KVP_N_LATENCIES; l++)
    kvp_latency_summarize (s->latency[l], s->n_latency[l], &out->latency[l]);
  if (s->paged)
    {
      out->prefix_cache = kvp_kv_cache_manager_get_stats (s->cache);
      out->prefill_tokens_saved = s->prefill_saved;
      out->memory_saving_percent = s->logical_sum > 0 ? 100.0 * s->saved_sum / s->logical_sum : 0.0;
      for (guint g = 0; g < s->n_groups; g++)
        out->group_peak_blocks[g] = s->group_peak[g];
    }
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
    {
      KvpKvGroupSpec full = { KVP_KV_GROUP_FULL, 0, 0 };

      s->n_groups = config->n_groups > 0 ? config->n_groups : 1;
      for (guint g = 0; g < config->n_groups; g++)
        s->hybrid |= config->groups[g].kind != KVP_KV_GROUP_FULL;
      /* The events follow a full-attention table, which keeps every block. */
      for (guint g = config->n_groups; g-- > 0;)
        if (config->groups[g].kind == KVP_KV_GROUP_FULL)
          s->event_group = g;
      /* num_blocks leaves out vLLM's null block, which the manager counts. */
      s->cache = kvp_kv_cache_manager_new (config->num_blocks + 1, config->block_size,
                                           config->n_groups > 0 ? config->groups : &full, s->n_groups,
                                           !config->no_prefix_caching, error);
      if (s->cache != NULL && run->cached_free_log != NULL)
        kvp_block_pool_set_cached_free_log (kvp_kv_cache_manager_get_pool (s->cache), run->cached_free_log);
      s->segments = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
      s->pl = g_new0 (Paged, MAX (s->n, 1));
      if (config->beam_width > 1)
        s->beams = g_new0 (KvpBeamSearch *, MAX (s->n, 1));
    }
  else
    s->buddy = kvp_buddy_new (kvp_sim_config_positions (config), error);
  if (s->cache == NULL && s->buddy == NULL)
    return FALSE;

  s->live = g_new0 (Live, MAX (s->n, 1));
  s->running = g_new (guint32, MAX (MIN (s->n, config->max_num_seqs), 1));
  kvp_request_queue_init (&s->waiting, s->n);
  s->first_tokens = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint l = 0; l < KVP_N_LATENCIES; l++)
    s->latency[l] = g_new (double, MAX (s->n, 1));
  for (guint i = 0; i < s->n; i++)
    {
      guint32 waits = kvp_workload_get_sharing (run->workload, i).waits;

      if (waits > 0 && s->left == NULL)
        {
          s->left = g_new0 (guint32, s->n);
          s->released = g_array_new (FALSE, FALSE, sizeof (Released));
        }
      if (waits > 0)
        s->left[i] = waits;
    }
  skip_followers (s);

  return TRUE;
}

static void
sched_clear (Sched *s)
{
  for (guint i = 0; s->beams != NULL && i < s->n; i++)
    g_clear_pointer (&s->beams[i], kvp_beam_search_free);
  g_clear_pointer (&s->beams, g_free);
  g_clear_pointer (&s->cache, kvp_kv_cache_manager_unref);
  g_clear_pointer (&s->segments, g_array_unref);
  g_clear_pointer (&s->buddy, kvp_buddy_free);
  g_clear_pointer (&s->live, g_free);
  g_clear_pointer (&s->pl, g_free);
  g_clear_pointer (&s->running, g_free);
  kvp_request_queue_clear (&s->waiting);
  g_clear_pointer (&s->first_tokens, g_array_unref);
  g_clear_pointer (&s->left, g_free);
  g_clear_pointer (&s->released, g_array_unref);
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

  kvp_scheduler_set_too_many_steps (error, s->run->scheme);
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
      if (s.paged && run->config->check_every_step && !kvp_kv_cache_manager_check (s.cache, error))
        {
          ok = FALSE;
          break;
        }
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

/* Both the forecast before a run (kvp-simulation.c) and the record during
 * it refuse in these words. */
void
kvp_scheduler_set_too_many_steps (GError    **error,
                                  KvpScheme   scheme)
{
  g_autofree char *most = kvp_format_count (KVP_SIMULATION_MAX_STEPS);

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("The %s scheme would run for more than %s steps, too many to record for a picture: use fewer "
                 "--requests or a larger pool (--blocks, --kv-cache-memory); --simulate keeps no steps and has "
                 "no such limit."),
               kvp_scheme_to_string (scheme), most);
}
