/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-simulation.c: serving a workload step by step through the paged pool and
 * the reserve-ahead caches, recorded as per-step totals and compact events. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-block-pool.h"
#include "kvp-buddy.h"
#include "kvp-error.h"
#include "kvp-file-writer.h"
#include "kvp-json.h"
#include "kvp-simulation.h"

/* At most this many checkpoints per scheme, however long the run. */
#define MAX_CHECKPOINTS 64u
/* 2 GiB of events at most. */
#define MAX_EVENTS (G_MAXUINT32 / 32u)

/* A double-ended queue of request ids: arrivals join the tail, preempted
 * requests the head. */
typedef struct
{
  guint32 *items;
  guint    capacity;
  guint    head;
  guint    len;
} Deque;

/* A request during the run. */
typedef struct
{
  guint32  generated;
  guint32  held;
  guint32  n_preemptions;
  guint32  wait_since;   /* clock it last joined the waiting queue */
  guint32  n_blocks;     /* paged */
  KvpSeqId seq;          /* paged */
  guint64  offset;       /* reserve-ahead */
  guint64  cap;          /* paged: min (blocks × B, final length) */
  guint8   status;
  gboolean admitted;
} Live;

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
  Deque     waiting;
} Replay;

typedef struct
{
  gboolean     present;
  GArray      *steps;    /* KvpSimStep */
  GArray      *events;   /* KvpSimEvent */
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

static const char *slot_class_names[KVP_N_SLOT_CLASSES] = {
  "token_states", "reservation", "internal_fragmentation", "external_fragmentation", "free",
};

static void
deque_init (Deque *deque,
            guint  capacity)
{
  deque->items = g_new (guint32, MAX (capacity, 1));
  deque->capacity = MAX (capacity, 1);
  deque->head = 0;
  deque->len = 0;
}

static void
deque_clear (Deque *deque)
{
  g_clear_pointer (&deque->items, g_free);
}

static void
deque_copy (Deque       *dest,
            const Deque *src)
{
  *dest = *src;
  dest->items = g_memdup2 (src->items, sizeof (guint32) * src->capacity);
}

static void
deque_push_tail (Deque   *deque,
                 guint32  id)
{
  g_assert (deque->len < deque->capacity);
  deque->items[(deque->head + deque->len++) % deque->capacity] = id;
}

static void
deque_push_head (Deque   *deque,
                 guint32  id)
{
  g_assert (deque->len < deque->capacity);
  deque->head = (deque->head + deque->capacity - 1) % deque->capacity;
  deque->items[deque->head] = id;
  deque->len++;
}

static guint32
deque_peek (const Deque *deque,
            guint        i)
{
  return deque->items[(deque->head + i) % deque->capacity];
}

static guint32
deque_pop_head (Deque *deque)
{
  guint32 id = deque->items[deque->head];

  g_assert (deque->len > 0);
  deque->head = (deque->head + 1) % deque->capacity;
  deque->len--;

  return id;
}

static inline guint64
blocks_for (guint64 tokens,
            guint32 block_size)
{
  return tokens / block_size + (tokens % block_size != 0);
}

/* Slots a reserve-ahead scheme asks the buddy allocator for; the paper's
 * Pow2 over-reserves the output by at most 2× ("if the true output length
 * is 25, it reserves 32"), Max reserves up to the model's maximum. */
static guint64
reservation_for (KvpScheme         scheme,
                 const KvpRequest *request,
                 guint32           max_seq_len)
{
  guint64 final_len = (guint64) request->prompt_len + request->output_len;

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

static void
add_event (GArray          *events,
           guint32          request,
           KvpSimEventKind  kind,
           guint64          value)
{
  KvpSimEvent event = { request, kind, value };

  g_array_append_val (events, event);
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

  /* Messages number requests from 1, as a person counts them. */
  for (guint i = 0; i < n; i++)
    {
      const KvpRequest *r = &requests[i];
      guint64 final_len = (guint64) r->prompt_len + r->output_len;

      if (final_len > config->max_seq_len)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("Request %u (prompt %u, output %u tokens) is longer than the maximum sequence length %u."),
                       i + 1, r->prompt_len, r->output_len, config->max_seq_len);
          return FALSE;
        }

      total_output += r->output_len;

      if (scheme == KVP_SCHEME_PAGED)
        {
          guint64 needed = blocks_for (final_len, config->block_size);

          if (needed > config->num_blocks)
            {
              g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                           _("Request %u can never run in the paged pool: its %" PRIu64 " tokens need %" PRIu64 " blocks of %u and the pool has %u."),
                           i + 1, final_len, needed, config->block_size, config->num_blocks);
              return FALSE;
            }
        }
      else
        {
          guint64 rounded = kvp_buddy_round_up (reservation_for (scheme, r, config->max_seq_len));

          smallest = MIN (smallest, rounded);

          /* Max reserves the same for everyone: the length to change is
           * the maximum sequence, not a request's. */
          if (rounded > largest_block && scheme == KVP_SCHEME_MAX)
            {
              g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                           _("No request can run with the max scheme: it reserves the maximum sequence, %u tokens, a request (a block of %" PRIu64 " slots), and the largest block of the %" PRIu64 "-slot pool is %" PRIu64 ": reserve a shorter maximum sequence, or leave the max scheme out."),
                           config->max_seq_len, rounded, self->n_slots, largest_block);
              return FALSE;
            }
          if (rounded > largest_block)
            {
              g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                           _("Request %u can never run with the %s scheme: it reserves a block of %" PRIu64 " slots and the largest block of the %" PRIu64 "-slot pool is %" PRIu64 "."),
                           i + 1, scheme_names[scheme], rounded, self->n_slots, largest_block);
              return FALSE;
            }
        }
    }

  /* Each step generates at most one token per running request, so a run
   * takes at least this many steps; one that cannot be recorded is refused
   * before it starts.  (A buddy space holds n_slots / 2^k blocks of 2^k.) */
  batch = scheme == KVP_SCHEME_PAGED ? MIN ((guint64) n, config->num_blocks)
                                     : MAX (self->n_slots / smallest, G_GUINT64_CONSTANT (1));
  if (n > 0 && total_output / batch + (total_output % batch != 0) > KVP_SIMULATION_MAX_STEPS)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The %s scheme would run for more than %u steps, too long to record: use fewer or shorter requests, or a larger pool."),
                   scheme_names[scheme], KVP_SIMULATION_MAX_STEPS);
      return FALSE;
    }

  return TRUE;
}

static void
finish_stats (SchemeRun *run,
              guint64    n_slots,
              guint      n_requests,
              guint64    wait_total,
              guint64    tokens_total)
{
  KvpSimStats *stats = &run->stats;
  double sums[KVP_N_SLOT_CLASSES] = { 0 };
  double running = 0;

  stats->steps = run->steps->len;
  for (guint s = 0; s < run->steps->len; s++)
    {
      const KvpSimStep *step = &g_array_index (run->steps, KvpSimStep, s);

      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        sums[c] += (double) step->slots[c];
      running += step->n_running;
      stats->max_batch_size = MAX (stats->max_batch_size, step->n_running);
    }

  if (stats->steps > 0)
    {
      for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
        stats->percent[c] = 100.0 * sums[c] / ((double) n_slots * stats->steps);
      stats->mean_batch_size = running / stats->steps;
      stats->tokens_per_step = (double) tokens_total / stats->steps;
      stats->finished_requests = g_array_index (run->steps, KvpSimStep, stats->steps - 1).n_finished;
      stats->preemptions = g_array_index (run->steps, KvpSimStep, stats->steps - 1).n_preemptions;
    }

  stats->mean_wait_steps = n_requests > 0 ? (double) wait_total / n_requests : 0.0;
}

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

static void
classify (KvpScheme     scheme,
          const Sums   *sums,
          guint64       n_slots,
          guint64       free_slots,
          gboolean      someone_waits,
          KvpSimStep   *step)
{
  guint64 *slots = step->slots;

  slots[KVP_SLOT_TOKEN_STATES] = sums->held;
  if (scheme == KVP_SCHEME_PAGED)
    {
      slots[KVP_SLOT_RESERVATION] = sums->cap - sums->held;
      slots[KVP_SLOT_INTERNAL_FRAGMENTATION] = n_slots - free_slots - sums->cap;
      slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] = 0;
    }
  else
    {
      slots[KVP_SLOT_RESERVATION] = sums->final - sums->held;
      slots[KVP_SLOT_INTERNAL_FRAGMENTATION] = sums->reserved - sums->final;
      slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] = sums->rounded - sums->reserved;
    }

  /* Free slots while a request waits are slots it cannot use. */
  if (someone_waits)
    slots[KVP_SLOT_EXTERNAL_FRAGMENTATION] += free_slots;
  slots[KVP_SLOT_FREE] = someone_waits ? 0 : free_slots;
}

static gboolean
run_scheme (KvpSimulation  *self,
            KvpScheme       scheme,
            KvpBlockPool   *pool,
            KvpBuddy       *buddy,
            GError        **error)
{
  const KvpSimConfig *config = &self->config;
  SchemeRun *run = &self->runs[scheme];
  guint n;
  const KvpRequest *requests = kvp_workload_get_requests (self->workload, &n);
  gboolean paged = scheme == KVP_SCHEME_PAGED;
  guint32 B = config->block_size;
  g_autofree Live *live = g_new0 (Live, MAX (n, 1));
  g_autoptr(GArray) running = g_array_new (FALSE, FALSE, sizeof (guint32));
  Deque waiting;
  Sums sums = { 0 };
  guint32 clock = 0;
  guint next = 0;
  guint finished = 0;
  guint preemptions = 0;
  guint64 wait_total = 0;
  guint64 tokens_total = 0;

  deque_init (&waiting, n);

  while (finished < n)
    {
      KvpSimStep step = { 0 };
      gboolean preempted = FALSE;
      guint n_running;
      guint kept;
      guint64 free_slots;

      if (running->len == 0 && waiting.len == 0)
        clock = MAX (clock, requests[next].arrival_step);

      /* A record that would not fit in memory is refused, not attempted. */
      if (run->steps->len >= KVP_SIMULATION_MAX_STEPS || run->events->len >= MAX_EVENTS)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("The %s scheme would run for more than %u steps, too long to record: use fewer or shorter requests, or a larger pool."),
                       scheme_names[scheme], KVP_SIMULATION_MAX_STEPS);
          deque_clear (&waiting);
          return FALSE;
        }

      step.clock = clock;
      step.first_event = run->events->len;

      while (next < n && requests[next].arrival_step <= clock)
        {
          live[next].status = KVP_REQUEST_WAITING;
          live[next].wait_since = clock;
          deque_push_tail (&waiting, next);
          add_event (run->events, next, KVP_SIM_EVENT_ARRIVE, 0);
          next++;
        }

      /* Running requests first, each storing the token it generates. */
      for (guint i = 0; i < running->len;)
        {
          guint32 id = g_array_index (running, guint32, i);
          Live *r = &live[id];

          if (paged && r->held % B == 0)
            {
              gboolean self_preempted = FALSE;

              /* No free block: preempt the most recently admitted request
               * (recompute), maybe this one. */
              while (kvp_block_pool_get_num_free (pool) == 0)
                {
                  guint32 victim = g_array_index (running, guint32, running->len - 1);
                  Live *v = &live[victim];

                  g_array_set_size (running, running->len - 1);
                  kvp_block_pool_free_sequence (pool, v->seq);
                  sums.held -= v->held;
                  sums.cap -= v->cap;
                  v->held = 0;
                  v->cap = 0;
                  v->n_blocks = 0;
                  v->status = KVP_REQUEST_WAITING;
                  v->wait_since = clock;
                  v->n_preemptions++;
                  deque_push_head (&waiting, victim);
                  add_event (run->events, victim, KVP_SIM_EVENT_PREEMPT, 0);
                  preemptions++;
                  preempted = TRUE;
                  if (victim == id)
                    {
                      self_preempted = TRUE;
                      break;
                    }
                }

              if (self_preempted)
                break;
            }

          if (paged)
            {
              guint n_table;
              const guint32 *table;

              if (!kvp_block_pool_append (pool, r->seq, 1, NULL))
                g_assert_not_reached ();
              if (r->held % B == 0)
                {
                  guint64 final_len = (guint64) requests[id].prompt_len + requests[id].output_len;
                  guint64 cap;

                  table = kvp_block_pool_get_block_table (pool, r->seq, &n_table);
                  add_event (run->events, id, KVP_SIM_EVENT_ALLOCATE, table[n_table - 1]);
                  r->n_blocks = n_table;
                  cap = MIN ((guint64) n_table * B, final_len);
                  sums.cap += cap - r->cap;
                  r->cap = cap;
                }
            }

          r->held++;
          r->generated++;
          sums.held++;
          tokens_total++;
          i++;
        }

      /* FCFS admission, unless this step preempted (as vLLM v1). */
      while (!preempted && waiting.len > 0)
        {
          guint32 id = deque_peek (&waiting, 0);
          Live *r = &live[id];
          const KvpRequest *q = &requests[id];
          guint64 final_len = (guint64) q->prompt_len + q->output_len;
          guint32 tokens = q->prompt_len + r->generated + 1;
          guint64 reserved = 0;
          guint64 rounded = 0;

          if (paged)
            {
              guint n_table;
              const guint32 *table;

              if (blocks_for (tokens, B) > kvp_block_pool_get_num_free (pool))
                break;

              deque_pop_head (&waiting);
              add_event (run->events, id, KVP_SIM_EVENT_ADMIT, 0);
              r->seq = kvp_block_pool_add_sequence (pool);
              if (!kvp_block_pool_append (pool, r->seq, tokens, NULL))
                g_assert_not_reached ();
              table = kvp_block_pool_get_block_table (pool, r->seq, &n_table);
              for (guint b = 0; b < n_table; b++)
                add_event (run->events, id, KVP_SIM_EVENT_ALLOCATE, table[b]);
              r->n_blocks = n_table;
              r->cap = MIN ((guint64) n_table * B, final_len);
              sums.cap += r->cap;
            }
          else
            {
              reserved = reservation_for (scheme, q, config->max_seq_len);
              rounded = kvp_buddy_round_up (reserved);
              if (!kvp_buddy_alloc (buddy, rounded, &r->offset))
                break;

              deque_pop_head (&waiting);
              add_event (run->events, id, KVP_SIM_EVENT_ADMIT, r->offset);
              sums.final += final_len;
              sums.reserved += reserved;
              sums.rounded += rounded;
            }

          wait_total += clock - r->wait_since;
          r->status = KVP_REQUEST_RUNNING;
          r->admitted = TRUE;
          r->held = tokens;
          r->generated++;
          sums.held += tokens;
          tokens_total++;
          g_array_append_val (running, id);
        }

      free_slots = paged ? (guint64) kvp_block_pool_get_num_free (pool) * B
                         : kvp_buddy_get_free_slots (buddy);
      classify (scheme, &sums, self->n_slots, free_slots, waiting.len > 0, &step);

      /* Requests that generated their last token leave after the step. */
      n_running = running->len;
      kept = 0;
      for (guint i = 0; i < n_running; i++)
        {
          guint32 id = g_array_index (running, guint32, i);
          Live *r = &live[id];
          const KvpRequest *q = &requests[id];

          if (r->generated < q->output_len)
            {
              g_array_index (running, guint32, kept++) = id;
              continue;
            }

          add_event (run->events, id, KVP_SIM_EVENT_FINISH, 0);
          if (paged)
            {
              kvp_block_pool_free_sequence (pool, r->seq);
              sums.cap -= r->cap;
            }
          else
            {
              guint64 reserved = reservation_for (scheme, q, config->max_seq_len);

              kvp_buddy_release (buddy, r->offset);
              sums.final -= (guint64) q->prompt_len + q->output_len;
              sums.reserved -= reserved;
              sums.rounded -= kvp_buddy_round_up (reserved);
            }
          sums.held -= r->held;
          r->status = KVP_REQUEST_FINISHED;
          finished++;
        }
      g_array_set_size (running, kept);

      step.n_running = n_running;
      step.n_waiting = waiting.len;
      step.n_finished = finished;
      step.n_preemptions = preemptions;
      g_array_append_val (run->steps, step);

      clock++;
    }

  deque_clear (&waiting);
  finish_stats (run, self->n_slots, n, wait_total, tokens_total);

  return TRUE;
}

/* Replaying events, for snapshots. */

static Replay *
replay_new (guint n_requests)
{
  Replay *replay = g_new0 (Replay, 1);

  replay->step = G_MAXUINT;  /* before the first step */
  replay->n_requests = n_requests;
  replay->requests = g_new0 (Replayed, MAX (n_requests, 1));
  replay->running = g_array_new (FALSE, FALSE, sizeof (guint32));
  deque_init (&replay->waiting, n_requests);

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
  deque_clear (&replay->waiting);
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
  deque_copy (&replay->waiting, &src->waiting);

  return replay;
}

/* From the state at replay->step to the state at the next recorded step:
 * the previous step's finishers leave, the step's events apply, and every
 * request that ran on from before (the running list's prefix, since
 * preemption pops from its end) stores one more token. */
static void
replay_advance (Replay            *replay,
                const SchemeRun   *run,
                const KvpRequest  *requests)
{
  guint step = replay->step == G_MAXUINT ? 0 : replay->step + 1;
  guint first = g_array_index (run->steps, KvpSimStep, step).first_event;
  guint last = step + 1 < run->steps->len
               ? g_array_index (run->steps, KvpSimStep, step + 1).first_event
               : run->events->len;
  guint kept = 0;
  guint n_survivors;

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
  n_survivors = kept;

  for (guint e = first; e < last; e++)
    {
      const KvpSimEvent *event = &g_array_index (run->events, KvpSimEvent, e);
      Replayed *r = &replay->requests[event->request];
      guint32 id;
      guint32 block;

      switch ((KvpSimEventKind) event->kind)
        {
        case KVP_SIM_EVENT_ARRIVE:
          r->status = KVP_REQUEST_WAITING;
          deque_push_tail (&replay->waiting, event->request);
          break;

        case KVP_SIM_EVENT_PREEMPT:
          g_assert (replay->running->len > 0 &&
                    g_array_index (replay->running, guint32, replay->running->len - 1) == event->request);
          g_array_set_size (replay->running, replay->running->len - 1);
          n_survivors = MIN (n_survivors, replay->running->len);
          g_clear_pointer (&r->blocks, g_array_unref);
          r->held = 0;
          r->n_preemptions++;
          r->status = KVP_REQUEST_WAITING;
          deque_push_head (&replay->waiting, event->request);
          break;

        case KVP_SIM_EVENT_ADMIT:
          id = deque_pop_head (&replay->waiting);
          g_assert (id == event->request);
          r->status = KVP_REQUEST_RUNNING;
          r->admitted = TRUE;
          r->held = requests[id].prompt_len + r->generated + 1;
          r->generated++;
          r->offset = event->value;
          g_array_append_val (replay->running, id);
          break;

        case KVP_SIM_EVENT_ALLOCATE:
          if (r->blocks == NULL)
            r->blocks = g_array_new (FALSE, FALSE, sizeof (guint32));
          block = (guint32) event->value;
          g_array_append_val (r->blocks, block);
          break;

        case KVP_SIM_EVENT_FINISH:
        default:
          break;
        }
    }

  for (guint i = 0; i < n_survivors; i++)
    {
      Replayed *r = &replay->requests[g_array_index (replay->running, guint32, i)];

      r->held++;
      r->generated++;
    }

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
          state->reserved = reservation_for (scheme, &requests[i], self->config.max_seq_len);
          state->rounded = kvp_buddy_round_up (state->reserved);
        }
    }

  snapshot->n_running = replay->running->len;
  snapshot->running = g_memdup2 (replay->running->data, sizeof (guint32) * MAX (replay->running->len, 1));
  snapshot->n_waiting = replay->waiting.len;
  snapshot->waiting = g_new (guint32, MAX (replay->waiting.len, 1));
  for (guint i = 0; i < replay->waiting.len; i++)
    snapshot->waiting[i] = deque_peek (&replay->waiting, i);

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

const char *
kvp_slot_class_to_string (KvpSlotClass klass)
{
  g_return_val_if_fail (klass < KVP_N_SLOT_CLASSES, NULL);

  return slot_class_names[klass];
}

KvpSimulation *
kvp_simulation_new (KvpWorkload         *workload,
                    const KvpSimConfig  *config,
                    GError             **error)
{
  g_autoptr(KvpSimulation) self = NULL;
  guint n;

  g_return_val_if_fail (workload != NULL, NULL);
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (KvpSimulation, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->workload = kvp_workload_ref (workload);
  self->config = *config;
  if (self->config.schemes == 0)
    self->config.schemes = KVP_SCHEME_MASK_ALL;
  self->config.schemes &= KVP_SCHEME_MASK_ALL;
  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    g_mutex_init (&self->runs[s].lock);

  if (config->block_size < 1 || config->block_size > KVP_BLOCK_POOL_MAX_BLOCK_SIZE ||
      config->num_blocks < 1 || config->num_blocks > KVP_BLOCK_POOL_MAX_BLOCKS ||
      config->max_seq_len < 2)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The pool to simulate is not valid: %u blocks of %u tokens, a maximum sequence of %u tokens."),
                   config->num_blocks, config->block_size, config->max_seq_len);
      return NULL;
    }
  self->n_slots = (guint64) config->num_blocks * config->block_size;

  kvp_workload_get_requests (workload, &n);

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      g_autoptr(KvpBlockPool) pool = NULL;
      g_autoptr(KvpBuddy) buddy = NULL;
      SchemeRun *run = &self->runs[s];

      if ((self->config.schemes & (1u << s)) == 0)
        continue;

      if (s == KVP_SCHEME_PAGED)
        pool = kvp_block_pool_new (config->num_blocks, config->block_size, error);
      else
        buddy = kvp_buddy_new (self->n_slots, error);
      if (pool == NULL && buddy == NULL)
        return NULL;

      if (!check_fits (self, s, buddy != NULL ? kvp_buddy_get_largest_block (buddy) : 0, error))
        return NULL;

      run->present = TRUE;
      run->steps = g_array_new (FALSE, FALSE, sizeof (KvpSimStep));
      run->events = g_array_new (FALSE, FALSE, sizeof (KvpSimEvent));
      run->checkpoints = g_ptr_array_new_with_free_func (replay_free);
      if (n > 0 && !run_scheme (self, s, pool, buddy, error))
        return NULL;

      /* At most MAX_CHECKPOINTS, at least KVP_SIMULATION_CHECKPOINT_STEPS apart. */
      run->checkpoint_interval = MAX (KVP_SIMULATION_CHECKPOINT_STEPS,
                                      (run->steps->len + MAX_CHECKPOINTS - 1) / MAX_CHECKPOINTS);
    }

  return g_steal_pointer (&self);
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
  g_return_val_if_fail (step < run->steps->len, NULL);

  first = g_array_index (run->steps, KvpSimStep, step).first_event;
  last = step + 1 < run->steps->len
         ? g_array_index (run->steps, KvpSimStep, step + 1).first_event
         : run->events->len;
  *n_events = last - first;

  return &g_array_index (run->events, KvpSimEvent, first);
}

KvpSimSnapshot *
kvp_simulation_get_snapshot (KvpSimulation *self,
                             KvpScheme      scheme,
                             guint          step)
{
  SchemeRun *run;
  const KvpRequest *requests;
  Replay *replay;
  guint n;
  guint index;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (scheme < KVP_N_SCHEMES && self->runs[scheme].present, NULL);

  run = &self->runs[scheme];
  g_return_val_if_fail (step < run->steps->len, NULL);

  requests = kvp_workload_get_requests (self->workload, &n);
  index = step / run->checkpoint_interval;

  /* Checkpoints up to the one wanted are built once, in order, under the
   * lock; the replay from there works on a copy. */
  g_mutex_lock (&run->lock);
  if (run->checkpoints->len == 0)
    {
      Replay *first = replay_new (n);

      replay_advance (first, run, requests);
      g_ptr_array_add (run->checkpoints, first);
    }
  while (run->checkpoints->len <= index)
    {
      Replay *next = replay_copy (g_ptr_array_index (run->checkpoints, run->checkpoints->len - 1));
      guint target = run->checkpoints->len * run->checkpoint_interval;

      while (next->step < target)
        replay_advance (next, run, requests);
      g_ptr_array_add (run->checkpoints, next);
    }
  replay = replay_copy (g_ptr_array_index (run->checkpoints, index));
  g_mutex_unlock (&run->lock);

  while (replay->step < step)
    replay_advance (replay, run, requests);

  {
    KvpSimSnapshot *snapshot = snapshot_from_replay (self, scheme, replay);

    replay_free (replay);
    return snapshot;
  }
}

/* Output */

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
  json_builder_set_member_name (builder, "arrivals_from_file");
  json_builder_add_boolean_value (builder, kvp_workload_has_file_arrivals (workload));
  kvp_json_add_double (builder, "time_scale", kvp_workload_get_time_scale (workload));
  kvp_json_add_uint (builder, "skipped_requests", kvp_workload_get_skipped (workload, NULL, NULL));
  kvp_json_add_double (builder, "step_seconds", KVP_WORKLOAD_STEP_SECONDS);
  kvp_json_add_double (builder, "mean_prompt_len", kvp_workload_get_mean_prompt (workload));
  kvp_json_add_double (builder, "mean_output_len", kvp_workload_get_mean_output (workload));
  kvp_json_add_uint (builder, "block_size", self->config.block_size);
  kvp_json_add_uint (builder, "num_blocks", self->config.num_blocks);
  kvp_json_add_uint (builder, "token_slots", self->n_slots);
  kvp_json_add_uint (builder, "max_seq_len", self->config.max_seq_len);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "schemes");
  json_builder_begin_object (builder);
  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    {
      const KvpSimStats *stats = &self->runs[s].stats;

      if (!self->runs[s].present)
        continue;

      json_builder_set_member_name (builder, scheme_names[s]);
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
      kvp_json_add_double (builder, "mean_wait_steps", stats->mean_wait_steps);
      kvp_json_add_double (builder, "tokens_per_step", stats->tokens_per_step);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
kvp_simulation_to_csv (KvpSimulation *self)
{
  GString *csv;

  g_return_val_if_fail (self != NULL, NULL);

  csv = g_string_new ("scheme,step,clock,running,waiting,finished,preemptions");
  for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
    g_string_append_printf (csv, ",%s", slot_class_names[c]);
  g_string_append_c (csv, '\n');

  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    {
      const SchemeRun *run = &self->runs[s];

      if (!run->present)
        continue;

      for (guint i = 0; i < run->steps->len; i++)
        {
          const KvpSimStep *step = &g_array_index (run->steps, KvpSimStep, i);

          g_string_append_printf (csv, "%s,%u,%u,%u,%u,%u,%u", scheme_names[s], i, step->clock,
                                  step->n_running, step->n_waiting, step->n_finished, step->n_preemptions);
          for (guint c = 0; c < KVP_N_SLOT_CLASSES; c++)
            g_string_append_printf (csv, ",%" PRIu64, step->slots[c]);
          g_string_append_c (csv, '\n');
        }
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

  /* Translators: column headings of kvpage --simulate; the five slot
   * classes of the PagedAttention paper's Figure 2, then batch figures. */
  g_ptr_array_add (cells, g_strdup (_("SCHEME")));
  g_ptr_array_add (cells, g_strdup (_("TOKENS")));
  g_ptr_array_add (cells, g_strdup (_("RESERVED")));
  g_ptr_array_add (cells, g_strdup (_("INTERNAL")));
  g_ptr_array_add (cells, g_strdup (_("EXTERNAL")));
  g_ptr_array_add (cells, g_strdup (_("FREE")));
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
      g_ptr_array_add (cells, g_strdup_printf ("%u", stats->preemptions));
      g_ptr_array_add (cells, g_strdup_printf ("%u", stats->steps));
      g_ptr_array_add (cells, g_strdup_printf ("%.1f", stats->mean_wait_steps));
    }

  return cells;
}

char *
kvp_simulation_describe_workload (KvpSimulation *self)
{
  g_autofree char *arrivals = NULL;
  g_autofree char *source = NULL;
  guint n;

  g_return_val_if_fail (self != NULL, NULL);

  kvp_workload_get_requests (self->workload, &n);
  source = g_filename_display_name (kvp_workload_get_source (self->workload));
  arrivals = kvp_workload_describe_arrivals (self->workload);

  return g_strdup_printf (_("Workload %s: %u requests, seed %" PRIu64 ", %s; mean prompt %.1f, mean output %.1f tokens."),
                          source, n, kvp_workload_get_seed (self->workload), arrivals,
                          kvp_workload_get_mean_prompt (self->workload),
                          kvp_workload_get_mean_output (self->workload));
}

char *
kvp_simulation_describe (KvpSimulation *self)
{
  g_autofree char *workload = NULL;
  g_autofree char *pool = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  workload = kvp_simulation_describe_workload (self);
  pool = g_strdup_printf (_("Pool: %u blocks × %u = %" PRIu64 " token slots for every scheme; maximum sequence %u tokens."),
                          self->config.num_blocks, self->config.block_size, self->n_slots,
                          self->config.max_seq_len);

  return g_strconcat (workload, "\n", pool, NULL);
}

gboolean
kvp_simulation_write_csv (KvpSimulation  *self,
                          const char     *path,
                          GError        **error)
{
  g_autofree char *csv = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  csv = kvp_simulation_to_csv (self);

  return kvp_file_replace_contents (path, csv, strlen (csv), error);
}
