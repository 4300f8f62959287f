/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-kv-cache-manager.h: vLLM v1's KV-cache manager over one block pool —
 * prefix caching, a block table per KV-cache group (full attention, sliding
 * window, chunked local), and the paper's fork with copy-on-write. */

#pragma once

#include <glib.h>

#include "kvp-block-hash.h"
#include "kvp-block-pool.h"

G_BEGIN_DECLS

typedef enum
{
  KVP_KV_GROUP_FULL,            /* every token stays */
  KVP_KV_GROUP_SLIDING_WINDOW,  /* a token sees the last window tokens */
  KVP_KV_GROUP_CHUNKED_LOCAL,   /* a token sees its own chunk of window tokens */
} KvpKvGroupKind;

/* One KV-cache group: its layers share a block table.  All groups share the
 * pool's block size (one page size). */
typedef struct
{
  KvpKvGroupKind kind;
  guint32        window;   /* sliding_window or attention_chunk_size; 0 for full */
  /* vLLM's max_admission_blocks_per_request for a sliding or chunked group
   * (kvp-vllm.c computes it): the most blocks a request holds there at once,
   * the cap of the full-sequence admission check; 0: no cap. */
  guint32        admission_blocks;
} KvpKvGroupSpec;

/* vLLM's PrefixCacheStats, in tokens.  queries/hits are the
 * vllm:prefix_cache_queries / _hits counters: requests looked up for the
 * first time; a preempted request's lookups are counted apart. */
typedef struct
{
  guint64 requests;
  guint64 queries_tokens;
  guint64 hits_tokens;
  guint64 preempted_requests;
  guint64 preempted_queries_tokens;
  guint64 preempted_hits_tokens;
  guint64 evicted_blocks;   /* cached blocks taken for new tokens */
} KvpPrefixCacheStats;

/* hits ÷ queries × 100; 0 without queries. */
double kvp_prefix_cache_stats_hit_rate_percent (const KvpPrefixCacheStats *stats);

typedef struct _KvpKvCacheManager KvpKvCacheManager;
typedef guint32 KvpKvRequestId;

/* num_gpu_blocks counts vLLM's null block, block 0, which the manager takes
 * out first.  Groups with equal specs are one attention type for lookups. */
KvpKvCacheManager *kvp_kv_cache_manager_new        (guint32                num_gpu_blocks,
                                                    guint32                block_size,
                                                    const KvpKvGroupSpec  *groups,
                                                    guint                  n_groups,
                                                    gboolean               enable_caching,
                                                    GError               **error);
KvpKvCacheManager *kvp_kv_cache_manager_ref        (KvpKvCacheManager     *self);
void               kvp_kv_cache_manager_unref      (KvpKvCacheManager     *self);

KvpBlockPool      *kvp_kv_cache_manager_get_pool   (KvpKvCacheManager     *self);

/* A request whose prompt is the segments (copied), holding no blocks yet.
 * Its generated tokens get an identity of their own.  Ids count up from 0. */
KvpKvRequestId     kvp_kv_cache_manager_add_request (KvpKvCacheManager    *self,
                                                     const KvpTokenSegment *prompt,
                                                     guint                 n_segments);
/* The same, its generated tokens those of answer's stream from answer's
 * start (answer's length is ignored): an answer whose text a later prompt
 * repeats (a chat's next turn) then hashes as that prompt does.  NULL: an
 * identity of their own. */
KvpKvRequestId     kvp_kv_cache_manager_add_request_full (KvpKvCacheManager    *self,
                                                          const KvpTokenSegment *prompt,
                                                          guint                 n_segments,
                                                          const KvpTokenSegment *answer);

/* The scheduler's calls, in vLLM's order.  For a request holding no blocks:
 * get_computed_blocks (the prefix-cache hit, in tokens, a multiple of the
 * block size, never covering the last token; recorded in the statistics) and
 * right after it allocate_slots, which takes the hit.  For a running one:
 * allocate_slots alone.  allocate_slots schedules num_new_tokens more tokens
 * (they count as computed from then on).  With full_sequence_must_fit
 * (vLLM's scheduler_reserve_full_isl, on by default, for a waiting request)
 * it first refuses, changing nothing, unless the request's whole sequence
 * fits (capped by admission_blocks in a sliding or chunked group).  It then
 * releases the blocks its windowed groups no longer need, as vLLM does even
 * when it then refuses; otherwise a refusal (KVP_ERROR_NO_SPACE) changes
 * nothing, and the hit must be looked up again.  add_output_tokens after a
 * step that sampled.
 * free releases the blocks (preemption: the request can be scheduled again
 * and hits its own cached blocks); remove_request when it finishes. */
guint64            kvp_kv_cache_manager_get_computed_blocks (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request);
gboolean           kvp_kv_cache_manager_allocate_slots      (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request,
                                                             guint64            num_new_tokens,
                                                             gboolean           full_sequence_must_fit,
                                                             GError           **error);
/* The same with num_lookahead_tokens more slots (vLLM's
 * num_lookahead_tokens) that are not computed and not cached: kvpage's
 * steps give the token a step samples its slot in that step, while vLLM
 * computes it, and caches the block it completes, only in the next one. */
gboolean           kvp_kv_cache_manager_allocate_slots_ahead (KvpKvCacheManager *self,
                                                              KvpKvRequestId     request,
                                                              guint64            num_new_tokens,
                                                              guint64            num_lookahead_tokens,
                                                              gboolean           full_sequence_must_fit,
                                                              GError           **error);
void               kvp_kv_cache_manager_add_output_tokens   (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request,
                                                             guint64            n_tokens);
void               kvp_kv_cache_manager_free                (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request);
void               kvp_kv_cache_manager_remove_request      (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request);

/* The paper's fork (beam search; vLLM v0): a new request sharing every block
 * of a running one, reference counts + 1; the first write into a shared,
 * partly filled last block copies it (allocate_slots counts the copy).  Its
 * computed tokens are the parent's; from the token sampled but not computed
 * yet on, its tokens are its own (candidates differ there). */
gboolean           kvp_kv_cache_manager_fork                (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request,
                                                             KvpKvRequestId    *out_child,
                                                             GError           **error);

gboolean           kvp_kv_cache_manager_has_request         (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request);
guint64            kvp_kv_cache_manager_get_num_tokens      (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request);
guint64            kvp_kv_cache_manager_get_num_computed_tokens (KvpKvCacheManager *self,
                                                                 KvpKvRequestId     request);
/* The request's block table in a group (null blocks included), or NULL with
 * *n_blocks 0 while it holds no blocks. */
const guint32     *kvp_kv_cache_manager_get_block_table     (KvpKvCacheManager *self,
                                                             KvpKvRequestId     request,
                                                             guint              group,
                                                             guint             *n_blocks);
KvpPrefixCacheStats kvp_kv_cache_manager_get_stats          (KvpKvCacheManager *self);
/* The paper's Figure 15 measure at this moment: blocks the requests' tables
 * name (null blocks left out) and the blocks in use; "blocks saved by
 * sharing ÷ blocks without sharing" is (logical − physical) ÷ logical. */
void               kvp_kv_cache_manager_count_blocks        (KvpKvCacheManager *self,
                                                             guint64           *out_logical,
                                                             guint64           *out_physical);

/* The pool's check, and every request's tables against its tokens: cached
 * entries carry the key of their block's hash; for tests. */
gboolean           kvp_kv_cache_manager_check               (KvpKvCacheManager *self,
                                                             GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpKvCacheManager, kvp_kv_cache_manager_unref)

G_END_DECLS
