/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-paged-cache.c: a request's tokens in a KvpBlockPool, touched only when a
 * block boundary is crossed, so a decode step costs a compare and an add. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-block-pool.h"
#include "kvp-paged-cache.h"

typedef struct
{
  guint64  length;    /* tokens held */
  guint64  synced;    /* tokens the pool has been told of */
  guint32  n_blocks;
  KvpSeqId seq;
  gboolean has_seq;
} Entry;

struct _KvpPagedCache
{
  KvpBlockPool *pool;
  guint32       block_size;
  guint         n_requests;
  Entry        *entries;
};

static inline guint64
blocks_for (guint64 tokens,
            guint32 block_size)
{
  return tokens / block_size + (tokens % block_size != 0);
}

KvpPagedCache *
kvp_paged_cache_new (guint32   num_blocks,
                     guint32   block_size,
                     guint     n_requests,
                     GError  **error)
{
  KvpBlockPool *pool = kvp_block_pool_new (num_blocks, block_size, error);
  KvpPagedCache *self;

  if (pool == NULL)
    return NULL;

  self = g_new0 (KvpPagedCache, 1);
  self->pool = pool;
  self->block_size = block_size;
  self->n_requests = n_requests;
  self->entries = g_new0 (Entry, MAX (n_requests, 1));

  return self;
}

void
kvp_paged_cache_free_all (KvpPagedCache *self)
{
  if (self == NULL)
    return;

  kvp_block_pool_unref (self->pool);
  g_free (self->entries);
  g_free (self);
}

guint64
kvp_paged_cache_blocks_needed (KvpPagedCache *self,
                               guint32        request,
                               guint64        n_tokens)
{
  guint64 have;
  guint64 want;

  g_return_val_if_fail (self != NULL && request < self->n_requests, 0);

  have = self->entries[request].n_blocks;
  want = blocks_for (n_tokens, self->block_size);

  return want > have ? want - have : 0;
}

gboolean
kvp_paged_cache_allocate_slots (KvpPagedCache *self,
                                guint32        request,
                                guint64        n_new,
                                GArray        *new_blocks)
{
  Entry *e;
  guint64 needed;
  guint n_table;
  const guint32 *table;

  g_return_val_if_fail (self != NULL && request < self->n_requests, FALSE);

  e = &self->entries[request];
  /* Most calls are a decode token inside the last block. */
  if (e->length + n_new <= (guint64) e->n_blocks * self->block_size)
    {
      e->length += n_new;
      return TRUE;
    }
  needed = kvp_paged_cache_blocks_needed (self, request, e->length + n_new);
  if (needed > kvp_block_pool_get_num_free (self->pool))
    return FALSE;

  if (!e->has_seq)
    {
      e->seq = kvp_block_pool_add_sequence (self->pool);
      e->has_seq = TRUE;
    }
  e->length += n_new;
  if (!kvp_block_pool_append (self->pool, e->seq, e->length - e->synced, NULL))
    g_assert_not_reached ();
  e->synced = e->length;

  table = kvp_block_pool_get_block_table (self->pool, e->seq, &n_table);
  if (new_blocks != NULL)
    g_array_append_vals (new_blocks, table + e->n_blocks, n_table - e->n_blocks);
  e->n_blocks = n_table;

  return TRUE;
}

void
kvp_paged_cache_free (KvpPagedCache *self,
                      guint32        request)
{
  Entry *e;

  g_return_if_fail (self != NULL && request < self->n_requests);

  e = &self->entries[request];
  if (e->has_seq)
    kvp_block_pool_free_sequence (self->pool, e->seq);
  *e = (Entry) { 0 };
}

guint32
kvp_paged_cache_get_num_free (KvpPagedCache *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return kvp_block_pool_get_num_free (self->pool);
}

guint32
kvp_paged_cache_get_num_blocks (KvpPagedCache *self,
                                guint32        request)
{
  g_return_val_if_fail (self != NULL && request < self->n_requests, 0);

  return self->entries[request].n_blocks;
}
