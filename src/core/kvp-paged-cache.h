/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-paged-cache.h: what the serving scheduler asks of a paged KV cache, as
 * vLLM v1's scheduler asks its KVCacheManager: room for a request's next
 * tokens (allocate_slots), and its blocks back (free).  Today it stands on a
 * KvpBlockPool without prefix caching; a manager with a hash chain and a free
 * queue can stand behind the same four calls. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KvpPagedCache KvpPagedCache;

/* Room for n_requests requests (ids 0 … n_requests − 1), each empty. */
KvpPagedCache *kvp_paged_cache_new            (guint32         num_blocks,
                                               guint32         block_size,
                                               guint           n_requests,
                                               GError        **error);
void           kvp_paged_cache_free_all       (KvpPagedCache  *self);

/* Blocks that request would need beyond the ones it holds to hold n_tokens
 * in all; 0 when they fit. */
guint64        kvp_paged_cache_blocks_needed  (KvpPagedCache  *self,
                                               guint32         request,
                                               guint64         n_tokens);
/* Grows request to hold n_new more tokens, taking free blocks as needed.
 * FALSE, and nothing changes, when the free blocks are too few.  Each block
 * taken is appended to new_blocks (guint32) when it is not NULL. */
gboolean       kvp_paged_cache_allocate_slots (KvpPagedCache  *self,
                                               guint32         request,
                                               guint64         n_new,
                                               GArray         *new_blocks);
/* Frees every block of request, its last block first, as vLLM does. */
void           kvp_paged_cache_free           (KvpPagedCache  *self,
                                               guint32         request);
guint32        kvp_paged_cache_get_num_free   (KvpPagedCache  *self);
guint32        kvp_paged_cache_get_num_blocks (KvpPagedCache  *self,
                                               guint32         request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpPagedCache, kvp_paged_cache_free_all)

G_END_DECLS
