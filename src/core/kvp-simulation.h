/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-simulation.h: a workload served step by step through a PagedAttention
 * block pool and through reserve-ahead caches, every token slot of every step
 * in one class, kept as data a picture reads at any step without re-running. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "kvp-workload.h"

G_BEGIN_DECLS

/* How it runs (iteration-level scheduling as vLLM v1, one step = one model
 * iteration):
 *
 * - At step s, requests with arrival_step ≤ s join the tail of the waiting
 *   queue.
 * - Running requests first, in admission order: each stores the slot of the
 *   one token it generates this step.  Paged: when its last block is full it
 *   needs a new block; with none free the most recently admitted running
 *   request is preempted (recompute: its blocks are freed, it goes back to
 *   the front of the waiting queue, keeping the tokens it generated) — it may
 *   be the request itself, which then stops for this step.  Reserve-ahead
 *   requests grow inside their reservation and never preempt.
 * - Then, only if nobody was preempted this step (as vLLM v1), FCFS
 *   admission: while the head of the waiting queue fits — paged: the blocks
 *   for its prompt plus the tokens it already generated plus one; reserve-
 *   ahead: a buddy block for its whole reservation — it is admitted, its
 *   prompt (and, after a preemption, its earlier output) prefilled and its
 *   first (next) token generated in this same step.  The head blocks the
 *   queue when it does not fit.
 * - A request that generated its last token finishes; its slots are freed at
 *   the end of the step, after the step's slots are classified.
 *
 * So a request of prompt P and output O holds P + g slots in the step it
 * generates its g-th token, and P + O in its last step.  (vLLM writes a
 * token's KV one step after sampling it; counting it in the step it is made
 * shifts every request by one slot and keeps "final length = P + O".)
 *
 * Steps in which nothing runs and nothing waits (gaps between Poisson
 * arrivals) are skipped: they are not recorded, and the clock jumps.
 */

typedef enum
{
  KVP_SCHEME_PAGED,   /* KvpBlockPool, blocks of block_size on demand */
  KVP_SCHEME_MAX,     /* reserves max_seq_len slots per request */
  KVP_SCHEME_POW2,    /* prompt + the output rounded up to a power of two,
                         at most max_seq_len */
  KVP_SCHEME_ORACLE,  /* prompt + the exact output */
  KVP_N_SCHEMES
} KvpScheme;
/* Max, Pow2 and Oracle place each reservation in one buddy block: the
 * reservation rounded up to a power of two, aligned to its size. */

#define KVP_SCHEME_MASK_ALL ((1u << KVP_N_SCHEMES) - 1)

const char *kvp_scheme_to_string      (KvpScheme    scheme);
/* "paged,max,pow2,oracle" (any order, no repeats) → a mask of 1 << scheme. */
gboolean    kvp_scheme_mask_parse     (const char  *text,
                                       guint       *out_mask,
                                       GError     **error);

/* Every slot of the pool is in exactly one class at every recorded step. */
typedef enum
{
  KVP_SLOT_TOKEN_STATES,            /* holds a token's KV */
  KVP_SLOT_RESERVATION,             /* held for a later token of its request */
  KVP_SLOT_INTERNAL_FRAGMENTATION,  /* held beyond the request's final length:
                                       never used (paged: the tail of the last
                                       block past P + O) */
  KVP_SLOT_EXTERNAL_FRAGMENTATION,  /* buddy round-up slack, and free slots
                                       while a request waits that they cannot
                                       serve */
  KVP_SLOT_FREE,                    /* free and nobody waiting */
  KVP_N_SLOT_CLASSES
} KvpSlotClass;

/* "token_states", "reservation", … as in --json. */
const char *kvp_slot_class_to_string  (KvpSlotClass klass);

typedef struct
{
  guint32 block_size;    /* paged block size B */
  guint32 num_blocks;    /* every scheme gets num_blocks × block_size slots */
  guint32 max_seq_len;   /* the Max scheme's reservation; prompt + output ≤ it */
  guint   schemes;       /* mask of 1 << KvpScheme; 0 means all */
} KvpSimConfig;

/* One recorded step of one scheme: stored for every step (48 bytes), so a
 * series over the whole run costs nothing to read. */
typedef struct
{
  guint32 clock;          /* the iteration number (gaps skipped) */
  guint32 n_running;      /* batch size, requests finishing this step included */
  guint32 n_waiting;      /* arrived, not running */
  guint32 n_finished;     /* finished up to and including this step */
  guint32 n_preemptions;  /* preemptions up to and including this step */
  guint32 first_event;    /* this step's events: [first_event, next step's) */
  guint64 slots[KVP_N_SLOT_CLASSES]; /* sums to the pool's slots */
} KvpSimStep;

typedef struct
{
  double  percent[KVP_N_SLOT_CLASSES]; /* mean over recorded steps; sum 100 */
  double  mean_batch_size;
  guint32 max_batch_size;
  guint32 finished_requests;
  guint32 steps;               /* recorded steps (something runs in each) */
  guint32 preemptions;
  double  mean_wait_steps;     /* steps a request spends waiting, all its waits */
  double  tokens_per_step;     /* output tokens generated / steps */
} KvpSimStats;

/* Compact record of what changed; the snapshot replays them. */
typedef enum
{
  KVP_SIM_EVENT_ARRIVE,    /* joins the tail of the waiting queue */
  KVP_SIM_EVENT_ADMIT,     /* leaves the waiting queue and runs; value: the
                              reservation's slot offset (reserve-ahead), 0 paged */
  KVP_SIM_EVENT_ALLOCATE,  /* paged: physical block value appended to its table */
  KVP_SIM_EVENT_PREEMPT,   /* blocks freed (last first), back to the queue's front */
  KVP_SIM_EVENT_FINISH,    /* generated its last token; freed after this step */
} KvpSimEventKind;

typedef struct
{
  guint32 request;         /* index into the workload */
  guint32 kind;            /* KvpSimEventKind */
  guint64 value;
} KvpSimEvent;

typedef enum
{
  KVP_REQUEST_PENDING,     /* not arrived yet */
  KVP_REQUEST_WAITING,
  KVP_REQUEST_RUNNING,     /* a request finishing at this step is still running */
  KVP_REQUEST_FINISHED,
} KvpRequestStatus;

/* A request at one step of one scheme. */
typedef struct
{
  KvpRequestStatus status;
  guint32  prompt_len;
  guint32  output_len;
  guint32  generated;        /* output tokens so far (kept across a preemption) */
  guint32  tokens_held;      /* slots holding its KV now; 0 unless running */
  guint32  n_preemptions;
  gboolean admitted;         /* admitted at least once */
  /* paged, while running: block table (logical i → physical blocks[i]) and
   * the tokens in its last block (1 … block_size). */
  guint32        n_blocks;
  const guint32 *blocks;     /* points into the snapshot */
  guint32        last_block_fill;
  /* reserve-ahead, while running */
  guint64  slot_offset;      /* first slot of its buddy block */
  guint64  reserved;         /* slots its scheme reserves (≥ final_len) */
  guint64  rounded;          /* buddy block size: reserved rounded up to 2^k */
  guint64  final_len;        /* prompt_len + output_len */
} KvpSimRequestState;

/* Everything at one step of one scheme, owned by the caller. */
typedef struct
{
  KvpScheme           scheme;
  guint               step;          /* index of the recorded step */
  KvpSimStep          totals;        /* the same as kvp_simulation_get_steps ()[step] */
  guint               n_requests;
  KvpSimRequestState *requests;      /* indexed by request id */
  guint               n_running;
  guint32            *running;       /* ids in admission order */
  guint               n_waiting;
  guint32            *waiting;       /* ids, head of the queue first */
  guint32            *block_storage; /* backs every requests[i].blocks */
} KvpSimSnapshot;

void kvp_sim_snapshot_free (KvpSimSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpSimSnapshot, kvp_sim_snapshot_free)

typedef struct _KvpSimulation KvpSimulation;

/* The longest run recorded, per scheme: 16,777,216 steps (1 GiB of steps).
 * Ten thousand ShareGPT requests take 480,000 steps with Max reservations. */
#define KVP_SIMULATION_MAX_STEPS (16u * 1024u * 1024u)

/* Runs every scheme in config->schemes to the end.  Read-only afterwards and
 * safe to read from several threads.  Fails (KVP_ERROR_INVALID) before
 * running when a request can never fit a scheme's empty pool, naming the
 * request, the scheme and the slots it needs, and when a scheme would run
 * longer than KVP_SIMULATION_MAX_STEPS.  Cost: O(running requests) per
 * step and scheme, never O(slots); memory: one KvpSimStep per step and one
 * KvpSimEvent per arrival, admission, block, preemption and finish. */
KvpSimulation  *kvp_simulation_new          (KvpWorkload         *workload,
                                             const KvpSimConfig  *config,
                                             GError             **error);
KvpSimulation  *kvp_simulation_ref          (KvpSimulation       *self);
void            kvp_simulation_unref        (KvpSimulation       *self);

KvpWorkload    *kvp_simulation_get_workload (KvpSimulation       *self);
const KvpSimConfig *kvp_simulation_get_config (KvpSimulation     *self);
guint64         kvp_simulation_get_n_slots  (KvpSimulation       *self);
gboolean        kvp_simulation_has_scheme   (KvpSimulation       *self,
                                             KvpScheme            scheme);

/* The recorded steps of a scheme: the running-requests series, the slot
 * classes per step.  Valid as long as the simulation. */
const KvpSimStep *kvp_simulation_get_steps  (KvpSimulation       *self,
                                             KvpScheme            scheme,
                                             guint               *n_steps);
const KvpSimStats *kvp_simulation_get_stats (KvpSimulation       *self,
                                             KvpScheme            scheme);
/* The events of one recorded step, in the order they happened. */
const KvpSimEvent *kvp_simulation_get_events (KvpSimulation      *self,
                                              KvpScheme           scheme,
                                              guint               step,
                                              guint              *n_events);

/* The full state at a recorded step, owned by the caller.  Replays the
 * scheme's events from the nearest checkpoint at or before step.  Checkpoints
 * are taken the first time a replay passes them, every
 * max (KVP_SIMULATION_CHECKPOINT_STEPS, steps / 64) steps, so at most 64 per
 * scheme.  Cost: O(requests + blocks in use) plus the events of at most one
 * checkpoint interval — 0.3 ms for 10,000 ShareGPT requests in the paper's
 * setting; the first call that passes new checkpoints pays for taking them
 * (about 15 ms there).  Compute it when the step changes, not per frame.
 * Thread-safe. */
#define KVP_SIMULATION_CHECKPOINT_STEPS 512u
KvpSimSnapshot *kvp_simulation_get_snapshot (KvpSimulation       *self,
                                             KvpScheme            scheme,
                                             guint                step);

/* {"workload": {…}, "schemes": {"paged": {…}, …}} as --simulate --json. */
JsonNode       *kvp_simulation_to_json      (KvpSimulation       *self);
/* One row per recorded step and scheme:
 * scheme,step,clock,running,waiting,finished,preemptions,<the five classes> */
char           *kvp_simulation_to_csv       (KvpSimulation       *self);

/* The short table --simulate prints for people: header cells, then one row
 * per scheme, n_columns cells a row (the first column names the scheme). */
GPtrArray      *kvp_simulation_get_table    (KvpSimulation       *self,
                                             guint               *n_columns);
/* One line each on the workload and the pool, for above the table. */
char           *kvp_simulation_describe     (KvpSimulation       *self);
/* Only the first of those lines, for when the pool is described elsewhere. */
char           *kvp_simulation_describe_workload (KvpSimulation  *self);
/* kvp_simulation_to_csv () into path, atomically: a temporary file beside
 * it, then renamed.  KVP_ERROR_FAILED when writing fails. */
gboolean        kvp_simulation_write_csv    (KvpSimulation       *self,
                                             const char          *path,
                                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpSimulation, kvp_simulation_unref)

G_END_DECLS
