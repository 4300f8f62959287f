/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-workload-sharing.h: what a workload's requests share, made explicit
 * for the simulation — a generated workload given a shared prefix and
 * samples, and samples turned into vLLM v1's child requests. */

#pragma once

#include <glib.h>

#include "kvp-workload.h"

G_BEGIN_DECLS

/* Most samples a generated request may ask for (--n). */
#define KVP_WORKLOAD_MAX_SAMPLES 256u
/* Most distinct prefixes (--prefix-groups). */
#define KVP_WORKLOAD_MAX_PREFIX_GROUPS 1000000u

/* A generated workload whose every prompt starts with prefix_len tokens of
 * prefix i mod groups (the paper's §6.4: a few-shot prefix before each
 * prompt, which grows by it), each asking for samples samples; base itself
 * (a new reference) when nothing is asked.  KVP_ERROR_INVALID for a file (it
 * gives its own prefix_id, prefix_len and n), for groups without a prefix,
 * or when a prompt with its prefix no longer fits max_len. */
KvpWorkload *kvp_workload_share           (KvpWorkload  *base,
                                           guint32       prefix_len,
                                           guint32       groups,
                                           guint32       samples,
                                           guint32       max_len,
                                           GError      **error);

/* vLLM v1's parallel sampling: a request asking for n samples becomes n
 * child requests arriving together, with the same prompt tokens (so the
 * prefix cache lets them share its full blocks) and outputs of their own;
 * base itself (a new reference) when every request asks for one.
 * KVP_ERROR_INVALID when the children would pass
 * KVP_WORKLOAD_MAX_REQUESTS. */
KvpWorkload *kvp_workload_expand_samples  (KvpWorkload  *base,
                                           GError      **error);

/* The conversation workload's fixed figures: turns per conversation drawn
 * from 2 … 6; the next turn arrives a think time after the previous answer
 * ended (a person reading it and typing), drawn exponential with this mean
 * from the seed — vLLM's multi-turn benchmark sleeps an exponential time
 * between a client's requests too (benchmarks/multi_turn, poisson_sleep). */
#define KVP_WORKLOAD_CONVERSATION_MIN_TURNS 2u
#define KVP_WORKLOAD_CONVERSATION_MAX_TURNS 6u
#define KVP_WORKLOAD_CONVERSATION_THINK_S   30.0

/* "conversation": multi-turn chats of ShareGPT-like messages whose every
 * turn's prompt is the whole history (the earlier messages and answers,
 * then the new message), written as the conversation's prefix, so a turn
 * hits the full blocks of the previous turn's prompt and answer.
 * Conversations start all at once or at Poisson times at
 * options->request_rate per second; each later turn is closed-loop: it
 * follows the previous turn (KvpRequestSharing's next, waits and think_s),
 * arriving in a run a think time after that turn's last answer ended.  A
 * conversation ends early when its next turn would pass max_len.  Seeded:
 * the same options give the same requests. */
KvpWorkload *kvp_workload_new_conversation (const KvpWorkloadOptions  *options,
                                            GError                   **error);

G_END_DECLS
