/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-block-pool.h: a PagedAttention block allocator, the way vLLM manages its
 * KV cache: fixed-size physical blocks handed out from a free queue, per-sequence
 * block tables, reference counts for forked sequences and copy-on-write, and
 * the prefix cache's keyed blocks. */

#pragma once

#include <glib.h>

#include "kvp-params.h"

G_BEGIN_DECLS

/* The limits are the parameters' (kvp-params.h). */
#define KVP_BLOCK_POOL_MAX_BLOCKS     KVP_PARAMS_MAX_BLOCKS
#define KVP_BLOCK_POOL_MAX_BLOCK_SIZE KVP_PARAMS_MAX_BLOCK_SIZE
#define KVP_BLOCK_NONE                G_MAXUINT32

typedef struct _KvpBlockPool KvpBlockPool;

/* Sequences are named by small integers handed out by the pool. */
typedef guint32 KvpSeqId;

KvpBlockPool   *kvp_block_pool_new                 (guint32        num_blocks,
                                                    guint32        block_size,
                                                    GError       **error);
KvpBlockPool   *kvp_block_pool_ref                 (KvpBlockPool  *self);
void            kvp_block_pool_unref               (KvpBlockPool  *self);

guint32         kvp_block_pool_get_num_blocks      (KvpBlockPool  *self);
guint32         kvp_block_pool_get_block_size      (KvpBlockPool  *self);
guint32         kvp_block_pool_get_num_free        (KvpBlockPool  *self);
guint32         kvp_block_pool_get_num_used        (KvpBlockPool  *self);
/* Free blocks that still hold a prefix-cache key: evictable, a hit can take
 * them back (vLLM's cached blocks in the free queue).  Part of the free. */
guint32         kvp_block_pool_get_num_cached_free (KvpBlockPool  *self);
/* A log entry with this bit names a block that stopped being cached free. */
#define KVP_BLOCK_POOL_CACHED_FREE_LEAVES 0x80000000u
void            kvp_block_pool_set_cached_free_log (KvpBlockPool  *self,
                                                    GArray        *log);

/* Sequences.  Ids count up from 0 and are never reused, so an id kept after
 * kvp_block_pool_free_sequence() stays unknown rather than naming another. */
KvpSeqId        kvp_block_pool_add_sequence        (KvpBlockPool  *self);
gboolean        kvp_block_pool_has_sequence        (KvpBlockPool  *self,
                                                    KvpSeqId       seq);
/* Appends n_tokens, allocating blocks on demand and copying a shared last
 * block before writing into it.  On failure the pool is exactly as before. */
gboolean        kvp_block_pool_append              (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    guint64        n_tokens,
                                                    GError       **error);
/* Drops tokens from the end until the sequence holds new_length tokens,
 * releasing blocks no longer needed. */
gboolean        kvp_block_pool_shrink              (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    guint64        new_length,
                                                    GError       **error);
/* A new sequence sharing every block of seq (reference counts + 1).  Fails
 * with KVP_ERROR_NO_SPACE when a block is already shared 65,535 times. */
gboolean        kvp_block_pool_fork                (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    KvpSeqId      *out_child,
                                                    GError       **error);
void            kvp_block_pool_free_sequence       (KvpBlockPool  *self,
                                                    KvpSeqId       seq);

guint64         kvp_block_pool_get_length          (KvpBlockPool  *self,
                                                    KvpSeqId       seq);
/* The block table: logical block i lives in physical block table[i]. */
const guint32  *kvp_block_pool_get_block_table     (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    guint         *n_blocks);

/* Blocks that kvp_block_pool_append() would take from the queue for
 * n_tokens more, a copy of a shared last block included. */
guint64         kvp_block_pool_count_append        (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    guint64        n_tokens);

/* vLLM v1's KV-cache manager (kvp-kv-cache-manager.h) on top of the pool:
 * a null block, cached full blocks found by a key, hits, sliding-window
 * skips and freeing in vLLM's order.  A key is the block's hash, chained
 * over its tokens and all before them, with the KV-cache group. */
guint32         kvp_block_pool_reserve_null_block  (KvpBlockPool  *self);
/* Before the pool hands out its first block (the null block included). */
gboolean        kvp_block_pool_enable_caching      (KvpBlockPool  *self,
                                                    GError       **error);
void            kvp_block_pool_cache_block         (KvpBlockPool  *self,
                                                    guint32        block,
                                                    guint64        key);
guint32         kvp_block_pool_lookup              (KvpBlockPool  *self,
                                                    guint64        key);
gboolean        kvp_block_pool_get_key             (KvpBlockPool  *self,
                                                    guint32        block,
                                                    guint64       *out_key);
/* Cached blocks whose key was forgotten because a new use took them. */
guint64         kvp_block_pool_get_num_evicted     (KvpBlockPool  *self);
void            kvp_block_pool_append_cached       (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    guint32        block);
void            kvp_block_pool_append_null         (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    guint          n_blocks);
void            kvp_block_pool_skip_blocks         (KvpBlockPool  *self,
                                                    KvpSeqId       seq,
                                                    guint64        n_blocks);
void            kvp_block_pool_release_sequence    (KvpBlockPool  *self,
                                                    KvpSeqId       seq);
guint32        *kvp_block_pool_dup_free_queue      (KvpBlockPool  *self,
                                                    guint         *n_blocks);

/* Physical blocks */
guint           kvp_block_pool_get_ref_count       (KvpBlockPool  *self,
                                                    guint32        block);
/* Token slots written in the block, 0 … block_size.  When holders of a shared
 * block keep different numbers of its slots (one of them shrank), the most any
 * holder keeps: those slots are still in use. */
guint           kvp_block_pool_get_fill            (KvpBlockPool  *self,
                                                    guint32        block);
/* The first sequence holding the block and its logical index there, or FALSE
 * for a free block. */
gboolean        kvp_block_pool_get_owner           (KvpBlockPool  *self,
                                                    guint32        block,
                                                    KvpSeqId      *out_seq,
                                                    guint32       *out_logical);

/* Checks every invariant (free queue, reference counts, fills, block tables,
 * shared blocks, the prefix cache and its cached free blocks); for tests. */
gboolean        kvp_block_pool_check               (KvpBlockPool  *self,
                                                    GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpBlockPool, kvp_block_pool_unref)

G_END_DECLS
