/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-workload.h: the requests a serving simulation replays — prompt and
 * output lengths and arrival times, generated from a seed or read from a file. */

#pragma once

#include <glib.h>

#include "kvp-block-hash.h"

G_BEGIN_DECLS

/* One iteration of the model (a prefill or a decode step) lasts this long
 * when arrivals in seconds are turned into steps.  40 ms is a decode step of
 * OPT-13B on one A100 at the batch sizes of the PagedAttention paper's §6.2;
 * only the Poisson arrivals depend on it. */
#define KVP_WORKLOAD_STEP_SECONDS    0.04
/* A request must arrive before this many steps (994 days of 40 ms steps),
 * so a run can count its steps in 32 bits. */
#define KVP_WORKLOAD_MAX_ARRIVAL_STEPS ((double) G_MAXUINT32 / 2)

#define KVP_WORKLOAD_DEFAULT_REQUESTS 1000u
#define KVP_WORKLOAD_MAX_REQUESTS     1000000u
/* A workload file is read up to this many bytes (1,000,000 requests of 268
 * bytes each), and a line up to KVP_WORKLOAD_MAX_LINE_BYTES; a larger file,
 * a device or an endless stream is refused there. */
#define KVP_WORKLOAD_MAX_FILE_BYTES   (256u * 1024u * 1024u)
#define KVP_WORKLOAD_MAX_LINE_BYTES   (1024u * 1024u)
/* Longest prompt or output a request may ask for, whatever the model. */
#define KVP_WORKLOAD_MAX_LENGTH       (16u * 1024u * 1024u)
#define KVP_WORKLOAD_MAX_RATE         1000000.0
/* The lowest rate other than 0.  Arrival steps must stay below 2^31 (2.7
 * years of 40 ms steps): at this rate the default 1,000 requests arrive over
 * about 1,000,000 seconds, and a slower rate is no serving workload. */
#define KVP_WORKLOAD_MIN_RATE         0.001
/* --time-scale: a file's arrival times multiplied by 1/1000 … 1000. */
#define KVP_WORKLOAD_MIN_TIME_SCALE   0.001
#define KVP_WORKLOAD_MAX_TIME_SCALE   1000.0
/* Tokens each of Mooncake's hash ids stands for. */
#define KVP_WORKLOAD_HASH_ID_TOKENS   512u

typedef struct
{
  guint32 prompt_len;    /* tokens, ≥ 1 */
  guint32 output_len;    /* tokens generated, ≥ 1 */
  double  arrival;       /* seconds from the start, non-decreasing; a
                            closed-loop turn's is only the earliest it
                            could arrive (KvpRequestSharing's waits) */
  guint32 arrival_step;  /* floor (arrival / KVP_WORKLOAD_STEP_SECONDS) */
} KvpRequest;

/* What the prefix cache needs to know of a request's tokens, beside its
 * lengths (kvp_workload_get_sharing()); kept apart so a million requests
 * without it cost nothing more. */
typedef struct
{
  guint32 n;               /* samples (parallel sampling), ≥ 1 */
  guint32 prefix_id;       /* the shared prefix the prompt starts with … */
  guint32 prefix_len;      /* … this many tokens of it; 0: none */
  guint32 hash_ids_start;  /* Mooncake: the prompt's 512-token blocks, */
  guint32 n_hash_ids;      /* kvp_workload_get_hash_ids() */
  guint32 own;             /* 1 + the index whose own tokens these are
                              (a sample's parent); 0: this request's */
  /* Closed-loop turns (--workload conversation): a request that follows
   * others arrives think_s seconds after the last of them finishes, in each
   * scheme's own run; its arrival above is only the earliest it could. */
  guint32 next;            /* 1 + the first request this one's finish
                              releases (its turn's samples follow it); 0: none */
  guint32 waits;           /* requests whose finish releases this one;
                              0: it arrives at its arrival */
  double  think_s;         /* seconds after the last of them finishes */
} KvpRequestSharing;

typedef struct _KvpWorkload KvpWorkload;

/* How a workload is made.  source is a built-in ("sharegpt", "alpaca",
 * "conversation"), a generator ("fixed:P,O", "uniform:P1-P2,O1-O2") or the
 * path of a file, read when no built-in or generator has the name.  A file
 * is JSON Lines, a JSON array of objects, or CSV with a header, in one of
 * these formats, recognised by its names; names a format does not read are
 * ignored:
 *   kvpage's: prompt_len, output_len, optionally arrival (seconds), prefix_id
 *     and prefix_len (the prompt starts with that many tokens of a shared
 *     prefix), n (samples);
 *   Azure LLM inference traces 2023/2024 (CSV): TIMESTAMP (a date and time;
 *     arrivals count from the first row), ContextTokens, GeneratedTokens;
 *   BurstGPT (CSV): Timestamp (seconds, from the first row), Request tokens,
 *     Response tokens;
 *   Mooncake (JSON Lines): timestamp (ms, from the first row), input_length,
 *     output_length, hash_ids (each 512 tokens of the prompt).
 * A trace's request without prompt or output tokens (BurstGPT's failed ones)
 * and any request longer than max_len are left out and counted. */
typedef struct
{
  const char *source;        /* NULL: "sharegpt" */
  guint       n_requests;    /* generated count; for a file, the first n (0: all) */
  guint64     seed;
  double      request_rate;  /* requests per second, Poisson; 0: all at step 0 */
  guint32     max_len;       /* the model's context: prompt + output must fit */
  double      time_scale;    /* a file's arrival times × this; 1: as given */
  /* Generated workloads only (a file gives its own): every prompt starts
   * with shared_prefix tokens of one of prefix_groups prefixes (request i:
   * prefix i mod prefix_groups), and asks for samples samples. */
  guint32     shared_prefix;
  guint32     prefix_groups; /* 0: 1 */
  guint32     samples;       /* 0: 1 */
} KvpWorkloadOptions;

void            kvp_workload_options_init   (KvpWorkloadOptions        *options);
/* Sets one option from command-line text: "requests" (1 …
 * KVP_WORKLOAD_MAX_REQUESTS), "request-rate" (0, or KVP_WORKLOAD_MIN_RATE …
 * KVP_WORKLOAD_MAX_RATE per second), "time-scale" (KVP_WORKLOAD_MIN_TIME_SCALE
 * … KVP_WORKLOAD_MAX_TIME_SCALE) or "seed" (any 64-bit number).
 * KVP_ERROR_INVALID naming the option, the text and the range. */
gboolean        kvp_workload_options_parse  (KvpWorkloadOptions        *options,
                                             const char                *option,
                                             const char                *text,
                                             GError                   **error);

/* KVP_ERROR_INVALID for a bad name, bad generator parameters, or a bad file
 * (the message names the file and the line): one that is not strict JSON
 * Lines or CSV, larger than KVP_WORKLOAD_MAX_FILE_BYTES, with a line longer
 * than KVP_WORKLOAD_MAX_LINE_BYTES, or — read whole, n_requests 0 — with
 * more than KVP_WORKLOAD_MAX_REQUESTS requests.  A file is read through
 * kvp_input (one open, whatever the file is), only up to its first
 * n_requests requests.  KVP_ERROR_FAILED when the file cannot be read. */
KvpWorkload    *kvp_workload_new            (const KvpWorkloadOptions  *options,
                                             GError                   **error);
/* From requests already in memory (tests, the window); arrivals must be
 * non-decreasing and lengths within max_len.  They share nothing. */
KvpWorkload    *kvp_workload_new_from_requests (const KvpRequest       *requests,
                                                guint                   n_requests,
                                                guint32                 max_len,
                                                GError                **error);
KvpWorkload    *kvp_workload_ref            (KvpWorkload               *self);
void            kvp_workload_unref          (KvpWorkload               *self);

/* Requests in arrival order; a request's id is its index. */
const KvpRequest *kvp_workload_get_requests (KvpWorkload               *self,
                                             guint                     *n_requests);
/* The built-in workloads, NULL-terminated: the names the window's Workload
 * drop-down offers (in its order) and its settings key's choices. */
const char * const *kvp_workload_get_builtins (void);
gboolean        kvp_workload_is_builtin     (const char                *source);

/* "sharegpt", "fixed:16,32", or the file's name as given. */
const char     *kvp_workload_get_source     (KvpWorkload               *self);
guint64         kvp_workload_get_seed       (KvpWorkload               *self);
double          kvp_workload_get_request_rate (KvpWorkload             *self);
double          kvp_workload_get_mean_prompt (KvpWorkload              *self);
double          kvp_workload_get_mean_output (KvpWorkload              *self);

/* Requests of a file left out: longer than the model allows, or failed in
 * the trace (no prompt or no output tokens).  Returns their sum. */
guint           kvp_workload_get_skipped    (KvpWorkload               *self,
                                             guint                     *out_too_long,
                                             guint                     *out_failed);
/* One sentence for the text output, or NULL when nothing was left out. */
char           *kvp_workload_describe_skipped (KvpWorkload             *self);
/* "Poisson arrivals at R requests/s", "all arriving at once" or "arrivals
 * from the file" (with the time scale), for the headers. */
char           *kvp_workload_describe_arrivals (KvpWorkload            *self);
gboolean        kvp_workload_has_file_arrivals (KvpWorkload            *self);
double          kvp_workload_get_time_scale (KvpWorkload               *self);
/* One sample, no prefix and no hash ids unless the file said so. */
KvpRequestSharing kvp_workload_get_sharing  (KvpWorkload               *self,
                                             guint                      index);
/* Whether some request is a closed-loop turn (waits > 0), so a run has
 * requests between turns. */
gboolean        kvp_workload_has_turns      (KvpWorkload               *self);
const guint64  *kvp_workload_get_hash_ids   (KvpWorkload               *self,
                                             guint                      index,
                                             guint                     *n_ids);
/* The request's prompt as token segments for the prefix cache
 * (kvp-block-hash.h), appended to out (KvpTokenSegment): Mooncake's hash
 * ids, each KVP_WORKLOAD_HASH_ID_TOKENS tokens (the last one cut to the
 * prompt; a prompt longer than its ids goes on with tokens of its own), or
 * the shared prefix, then the request's own tokens. */
void            kvp_workload_get_prompt_segments (KvpWorkload          *self,
                                                  guint                 index,
                                                  GArray               *out);
/* Where request index's generated tokens come from, when a later prompt
 * repeats them: a turn of --workload conversation answers into its
 * conversation's history (the prefix its prompt is, continued), so the next
 * turn's prompt holds that answer's tokens as vLLM's tokenizer would give
 * them.  FALSE when they are the request's own (every other workload, and a
 * turn with samples, whose next turn continues only one of them). */
gboolean        kvp_workload_get_answer_segment  (KvpWorkload          *self,
                                                  guint                 index,
                                                  KvpTokenSegment      *out);
/* A workload like base (source unless one is given, seed, rate, arrivals,
 * skipped counts, hash ids) with these requests and their sharing (NULL:
 * none). */
KvpWorkload    *kvp_workload_new_derived    (KvpWorkload               *base,
                                             const char                *source,
                                             GArray                    *requests,
                                             GArray                    *sharing);
/* Whether the workload was generated (a built-in or a generator), not read. */
gboolean        kvp_workload_is_generated   (KvpWorkload               *self);

/* The deterministic generator the workloads draw from (SplitMix64), so the
 * same seed gives the same requests on every machine and GLib version. */
typedef struct
{
  guint64 state;
} KvpRng;

void            kvp_rng_init                (KvpRng                    *rng,
                                             guint64                    seed);
guint64         kvp_rng_next                (KvpRng                    *rng);
/* Uniform in the open interval (0, 1). */
double          kvp_rng_uniform             (KvpRng                    *rng);
/* Exponential with this mean, from exactly rounded operations only, so the
 * same seed gives the same draws on every machine. */
double          kvp_rng_exponential         (KvpRng                    *rng,
                                             double                     mean);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpWorkload, kvp_workload_unref)

G_END_DECLS
