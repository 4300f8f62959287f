/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-simulation.h: a workload served step by step through a PagedAttention
 * block pool and through reserve-ahead caches, every token slot of every step
 * in one class, kept as data a picture reads at any step without re-running. */

#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kvp-kv-cache-manager.h"
#include "kvp-latency.h"
#include "kvp-step-time.h"
#include "kvp-workload.h"

G_BEGIN_DECLS

/* How it runs (vLLM v1's scheduler, one step = one model iteration; time in
 * nanoseconds from 0):
 *
 * - At the start of a step, requests that have arrived join the tail of the
 *   waiting queue.  When nothing runs and nothing waits, time jumps to the
 *   next arrival.
 * - A step schedules at most max_num_batched_tokens tokens.  Running requests
 *   first, in admission order, while tokens are left: one decode token each,
 *   or the next chunk of a prefill (at most long_prefill_token_threshold
 *   tokens when that is set, at most what is left of the budget).  Paged:
 *   when the blocks it needs are not free, the most recently admitted running
 *   request is preempted (recompute: its blocks are freed, it goes back to
 *   the front of the waiting queue keeping the tokens it generated, all of
 *   which it prefills again) — it may be the request itself, which ends the
 *   running pass.  Reserve-ahead requests grow inside their reservation and
 *   never preempt.
 * - Then, only if nobody was preempted this step, FCFS admission while tokens
 *   are left and fewer than max_num_seqs run: the head of the waiting queue
 *   is admitted when its whole sequence fits — paged: the blocks of its
 *   prompt, the tokens it generated and one more (vLLM's
 *   scheduler_reserve_full_isl); reserve-ahead: a buddy block for its whole
 *   reservation — and its first chunk scheduled.  The head blocks the queue
 *   when it does not fit.
 * - The step that completes a prefill emits a token; each later step emits
 *   one.  A token's slot is counted in the step that makes it (vLLM writes
 *   its KV one step later; counting it now keeps "final length = P + O").
 * - A request that emitted its last token finishes at the end of the step;
 *   its slots are freed after the step's slots are classified.
 *
 * Latency, as vLLM's benchmark: TTFT = end of the step emitting the first
 * token − arrival; queue = start of the first step scheduling it − arrival;
 * end-to-end = end of its last step − arrival; TPOT = (end-to-end − TTFT) /
 * (output − 1), for outputs of two tokens or more; normalized latency =
 * end-to-end / output tokens (the PagedAttention paper's metric).
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
  KVP_SLOT_CACHED_FREE,             /* paged: a free block still holding its
                                       prefix-cache hash (vLLM's evictable
                                       cached blocks), counted here whether
                                       or not a request waits */
  KVP_N_SLOT_CLASSES
} KvpSlotClass;

/* "token_states", "reservation", … as in --json. */
const char *kvp_slot_class_to_string  (KvpSlotClass klass);

/* The scheduler's limits without a GPU (vLLM's defaults for GPUs below
 * 70 GiB and A100s). */
#define KVP_SIM_DEFAULT_BATCHED_TOKENS 2048u
#define KVP_SIM_DEFAULT_MAX_NUM_SEQS   256u
/* KV-cache groups a hybrid model may have in the simulation. */
#define KVP_SIM_MAX_GROUPS             16u

typedef struct
{
  guint32 block_size;    /* paged block size B */
  guint32 num_blocks;    /* every scheme gets num_blocks × block_size slots */
  guint32 max_seq_len;   /* the Max scheme's reservation; prompt + output ≤ it */
  guint   schemes;       /* mask of 1 << KvpScheme; 0 means all */
  guint32 max_num_batched_tokens;       /* tokens a step schedules; 0: 2048 */
  guint32 max_num_seqs;                 /* requests running at once; 0: 256 */
  guint32 long_prefill_token_threshold; /* tokens of one prefill chunk; 0: any */
  KvpStepTime step_time;                /* zeroes: 40 ms a step */
  guint   n_threads;     /* a summary's schemes run on this many threads at
                            once; 0: the machine's cores */
  gboolean summary_only; /* keep the statistics only, no steps or events:
                            memory stays with the requests in flight, and
                            there are no steps, events or snapshots to read */
  /* The paged scheme's KV-cache manager (vLLM v1's): prefix caching, on
   * by default as in vLLM v1, and the KV-cache groups of a hybrid model
   * (n_groups 0: one full-attention group).  The reserve-ahead schemes are
   * the paper's Orca baselines and share nothing. */
  gboolean no_prefix_caching;
  guint32  beam_width;   /* paged: the paper's beam search, this many
                            candidates a request (kvp-beam-search.h); 0 or 1:
                            none; summaries only, full attention only */
  guint    n_groups;
  KvpKvGroupSpec groups[KVP_SIM_MAX_GROUPS];
  /* Tests: the paged scheme's manager and pool checked after every step
   * (kvp_kv_cache_manager_check: reference counts, shared and cached free
   * blocks, every table against its tokens); a failure ends the run with
   * the check's error.  O(pool) a step. */
  gboolean check_every_step;
} KvpSimConfig;

/* Blocks a request of length tokens holds at most in the paged pool: in
 * each group, a windowed one capped at its admission_blocks. */
guint64 kvp_sim_config_blocks_needed (const KvpSimConfig *config,
                                      guint64             length);
/* Tokens a reserve-ahead scheme can place: a hybrid model's token takes a
 * slot in each of its n_groups groups (Orca keeps every layer's KV), and
 * with beam search in each candidate's copy. */
guint64 kvp_sim_config_positions     (const KvpSimConfig *config);
/* Slots one token takes in a reserve-ahead scheme: groups × candidates. */
guint   kvp_sim_config_copies        (const KvpSimConfig *config);


/* One recorded step of one scheme: stored for every step (128 bytes), so a
 * series over the whole run costs nothing to read.  At every step
 * n_running + n_waiting + n_finished is the number of requests arrived;
 * kvp_sim_step_count_requests() accounts for the others. */
typedef struct
{
  guint32 clock;          /* start_ns in 40 ms units, and at least one more
                             than the step before's: a common axis for schemes */
  guint32 n_running;      /* running, requests finishing this step included */
  guint32 n_waiting;      /* arrived, not running */
  guint32 n_finished;     /* finished in the steps before this one */
  guint32 n_between_turns; /* closed-loop turns whose previous turn finished
                              before this step, not arrived yet: in their
                              think time (--workload conversation) */
  guint32 n_released;     /* closed-loop turns this step's finishers release */
  guint32 n_preemptions;  /* preemptions up to and including this step */
  guint32 first_event;    /* this step's events: [first_event, next step's) */
  guint32 n_scheduled;    /* requests that computed tokens in this step */
  guint32 n_tokens;       /* tokens computed (the budget spent) */
  guint32 cached_free_log_start; /* paged: entries of the pool's cached-free
                                    log written before this step started */
  guint32 cached_free_log_end; /* … and before its slots were classified
                                  (what its snapshot replays) */
  guint64 start_ns;       /* from the start of the run */
  guint64 end_ns;
  guint64 slots[KVP_N_SLOT_CLASSES]; /* sums to the pool's slots */
  /* Paged: the prefix cache's queries_tokens and hits_tokens (vLLM's
   * counters, KvpPrefixCacheStats) up to the end of this step; 0 in the
   * other schemes.  The last step's are the run's. */
  guint64 prefix_queries_tokens;
  guint64 prefix_hits_tokens;
} KvpSimStep;

/* The prefix cache's hit rate up to the end of step, in percent (hits ÷
 * queries × 100, as the run's hit_rate_percent); 0 without queries. */
double kvp_sim_step_get_prefix_hit_rate_percent (const KvpSimStep *step);

/* Every request of a run in exactly one place: running + waiting +
 * between_turns + not_arrived + finished = the workload's requests. */
typedef struct
{
  guint32 running;        /* finishing in this step included */
  guint32 waiting;
  guint32 between_turns;  /* a conversation's next turn in its think time */
  guint32 not_arrived;    /* before its arrival, or its previous turn's end */
  guint32 finished;
} KvpRequestCounts;

/* The run's n_requests requests at step (NULL: before the first step), or,
 * with after, in the idle time after it: its running requests finished,
 * the turns they release thinking.  Only a step that leaves nothing
 * waiting has time after it before the next; the last step leaves every
 * request finished.  The one place the serving view, --csv and --json
 * take these counts from. */
KvpRequestCounts kvp_sim_step_count_requests (const KvpSimStep *step,
                                              guint32           n_requests,
                                              gboolean          after);

/* The latencies of --simulate, in the order --json gives them. */
typedef enum
{
  KVP_LATENCY_TTFT,        /* ms */
  KVP_LATENCY_TPOT,        /* ms, requests of two output tokens or more */
  KVP_LATENCY_E2E,         /* ms */
  KVP_LATENCY_QUEUE,       /* ms */
  KVP_LATENCY_NORMALIZED,  /* s per output token */
  KVP_N_LATENCIES
} KvpLatency;

typedef struct
{
  double  percent[KVP_N_SLOT_CLASSES]; /* mean over steps; sum 100 */
  double  mean_batch_size;     /* mean n_running */
  guint32 max_batch_size;
  double  mean_between_turns;  /* mean n_between_turns */
  guint32 max_between_turns;
  guint32 finished_requests;
  guint64 steps;               /* steps run (something runs in each) */
  guint64 preemptions;
  guint64 recomputed_tokens;   /* tokens whose KV a preemption dropped, so
                                  prefilled again */
  guint64 output_tokens;
  double  mean_wait_steps;     /* steps a request spends waiting, all its waits */
  double  tokens_per_step;     /* output tokens generated / steps */
  double  duration_s;          /* end of the last step */
  double  request_throughput;  /* requests / duration_s */
  double  output_token_throughput; /* output tokens / duration_s */
  KvpLatencySummary latency[KVP_N_LATENCIES];
  /* Paged: the prefix cache as vLLM counts it, the prompt tokens its hits
   * spared the prefill, and the paper's Figure 15 measure over the run:
   * Σ (blocks named − blocks used) ÷ Σ blocks named, over the steps. */
  KvpPrefixCacheStats prefix_cache;
  guint64 prefill_tokens_saved;
  double  memory_saving_percent;
  /* Paged: blocks each group holds at the busiest step (most blocks). */
  guint64 group_peak_blocks[KVP_SIM_MAX_GROUPS];
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
  /* Paged: the free blocks still holding a prefix-cache hash, ascending
   * (n_cached_free × block_size = totals.slots[KVP_SLOT_CACHED_FREE]). */
  guint               n_cached_free;
  guint32            *cached_free;
} KvpSimSnapshot;

void kvp_sim_snapshot_free (KvpSimSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpSimSnapshot, kvp_sim_snapshot_free)

typedef struct _KvpSimulation KvpSimulation;

/* The longest run recorded, per scheme: 16,777,216 steps (2 GiB of
 * steps).  A summary_only run has no limit. */
#define KVP_SIMULATION_MAX_STEPS (16u * 1024u * 1024u)

/* Called for every step of a scheme, in order, the schemes one after the
 * other (paged, max, pow2, oracle): how --csv streams. */
typedef void (*KvpSimStepFunc) (KvpScheme         scheme,
                                guint64           index,
                                const KvpSimStep *step,
                                gpointer          user_data);

/* Runs every scheme in config->schemes to the end.  Read-only afterwards and
 * safe to read from several threads.  Fails (KVP_ERROR_INVALID) before any
 * scheme runs when a request can never fit a scheme's empty pool, naming
 * the request, the scheme and the slots it needs, and, when steps are
 * recorded, when a scheme would surely run longer than
 * KVP_SIMULATION_MAX_STEPS.  cancellable is checked every few thousand
 * steps (G_IO_ERROR_CANCELLED).  Cost: O(running requests) per step and
 * scheme, never O(slots); memory: the requests and the pool, and unless
 * summary_only one KvpSimStep per step and one KvpSimEvent per arrival,
 * admission, block, preemption and finish.  A summary_only run runs its
 * schemes on the machine's cores at once. */
KvpSimulation  *kvp_simulation_new          (KvpWorkload         *workload,
                                             const KvpSimConfig  *config,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* The same, with step_func called for every step (the schemes then run one
 * after the other). */
KvpSimulation  *kvp_simulation_new_full     (KvpWorkload         *workload,
                                             const KvpSimConfig  *config,
                                             KvpSimStepFunc       step_func,
                                             gpointer             user_data,
                                             GCancellable        *cancellable,
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
/* A finished request's TTFT and TPOT (NAN for one output token), in ms. */
typedef struct
{
  double ttft_ms;
  double tpot_ms;
} KvpSimFinished;

/* TTFT or TPOT over the first n_finished requests to finish (a step's
 * n_finished: the figures so far at that step), as the run's summary
 * computes them over all.  FALSE (zeroes) for a summary_only run, which
 * keeps no per-request record. */
gboolean        kvp_simulation_get_latency_so_far (KvpSimulation     *self,
                                                   KvpScheme          scheme,
                                                   guint              n_finished,
                                                   KvpLatency         latency,
                                                   KvpLatencySummary *out);
/* The events of one recorded step, in the order they happened. */
const KvpSimEvent *kvp_simulation_get_events (KvpSimulation      *self,
                                              KvpScheme           scheme,
                                              guint               step,
                                              guint              *n_events);

/* The full state at a recorded step, owned by the caller.  Replays the
 * scheme's events from the nearest checkpoint at or before step.  Checkpoints
 * are taken the first time a replay passes them, every
 * max (KVP_SIMULATION_CHECKPOINT_STEPS, steps / 64) steps, so at most 64 per
 * scheme, and fewer for many requests (their copies take about 64 MiB a
 * scheme at most: 15 for 100,000 requests).  Cost: O(requests + blocks in
 * use) plus the events of at most one checkpoint interval — 0.3 ms for 10,000 ShareGPT requests in the paper's
 * setting; the first call that passes new checkpoints pays for taking them
 * (about 15 ms there).  Compute it when the step changes, not per frame.
 * Thread-safe. */
#define KVP_SIMULATION_CHECKPOINT_STEPS 512u
/* How many checkpoints a scheme's snapshots may take at most (for tests
 * and benchmarks: what bounds the memory snapshots keep). */
guint           kvp_simulation_get_max_checkpoints (KvpSimulation *self,
                                                    KvpScheme      scheme);
KvpSimSnapshot *kvp_simulation_get_snapshot (KvpSimulation       *self,
                                             KvpScheme            scheme,
                                             guint                step);
/* Paged: the cached free blocks after step ended and its finishers left,
 * while the pool stands idle until the next step (or after the run), in
 * ascending order; owned by the caller.  The same cost as a snapshot. */
guint32        *kvp_simulation_dup_cached_free_after (KvpSimulation *self,
                                                      KvpScheme      scheme,
                                                      guint          step,
                                                      guint         *n_blocks);

/* {"workload": {…}, "schemes": {"paged": {…}, …}} as --simulate --json. */
JsonNode       *kvp_simulation_to_json      (KvpSimulation       *self);
/* One row per recorded step and scheme:
 * scheme,step,clock,start_s,end_s,running,waiting,finished,preemptions,
 * <the five classes> */
char           *kvp_simulation_to_csv       (KvpSimulation       *self);

/* The short table --simulate prints for people: header cells, then one row
 * per scheme, n_columns cells a row (the first column names the scheme). */
GPtrArray      *kvp_simulation_get_table    (KvpSimulation       *self,
                                             guint               *n_columns);
/* The latency table: a header row (METRIC, then the schemes), then one row
 * per figure, named as vLLM's benchmark names them ("Mean TTFT (ms)", …). */
GPtrArray      *kvp_simulation_get_metrics_table (KvpSimulation  *self,
                                                  guint          *n_columns);
/* A scheme's summary as --json gives it, one object. */
void            kvp_sim_stats_add_json      (const KvpSimStats   *stats,
                                             JsonBuilder         *builder);
/* CSV, one row per step: the header, and one step's row. */
void            kvp_sim_csv_append_header   (GString             *csv);
void            kvp_sim_csv_append_step     (GString             *csv,
                                             KvpScheme            scheme,
                                             guint64              index,
                                             const KvpSimStep    *step);
/* One line each on the workload and the pool, for above the table. */
char           *kvp_simulation_describe     (KvpSimulation       *self);
/* One line on the scheduler's limits and the step time. */
/* A hybrid model's KV-cache groups, each with the blocks it held at the
 * busiest step of the paged run; NULL with one full-attention group. */
char           *kvp_simulation_describe_groups (KvpSimulation     *self);
char           *kvp_simulation_describe_scheduler (KvpSimulation *self);
/* Only the first of those lines, for when the pool is described elsewhere. */
char           *kvp_simulation_describe_workload (KvpSimulation  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpSimulation, kvp_simulation_unref)

G_END_DECLS
