/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-beam-search.c: beam candidates forked and pruned by a seeded
 * Wright–Fisher model over the KV-cache manager's fork and copy-on-write. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-beam-search.h"
#include "kvp-workload.h"

struct _KvpBeamSearch
{
  KvpKvCacheManager *manager;
  guint              width;
  KvpRng             rng;
  GArray            *candidates;   /* KvpKvRequestId */
};

/* Uniform in [0, n) from 64 random bits; n ≤ 64, so the bias is nil. */
static guint
draw (KvpRng *rng,
      guint   n)
{
  return (guint) (kvp_rng_next (rng) % n);
}

KvpBeamSearch *
kvp_beam_search_new (KvpKvCacheManager *manager,
                     KvpKvRequestId     request,
                     guint              width,
                     guint64            seed)
{
  KvpBeamSearch *self;

  g_return_val_if_fail (manager != NULL, NULL);
  g_return_val_if_fail (kvp_kv_cache_manager_has_request (manager, request), NULL);
  g_return_val_if_fail (width >= 1 && width <= KVP_BEAM_SEARCH_MAX_WIDTH, NULL);

  self = g_new0 (KvpBeamSearch, 1);
  self->manager = kvp_kv_cache_manager_ref (manager);
  self->width = width;
  kvp_rng_init (&self->rng, seed);
  self->candidates = g_array_new (FALSE, FALSE, sizeof (KvpKvRequestId));
  g_array_append_val (self->candidates, request);

  return self;
}

void
kvp_beam_search_free (KvpBeamSearch *self)
{
  g_return_if_fail (self != NULL);

  g_array_unref (self->candidates);
  kvp_kv_cache_manager_unref (self->manager);
  g_free (self);
}

/* The next generation's lineage: each old candidate's count of children. */
static void
draw_children (KvpBeamSearch *self,
               guint         *children)
{
  guint n = self->candidates->len;

  for (guint i = 0; i < n; i++)
    children[i] = 0;
  for (guint k = 0; k < self->width; k++)
    children[draw (&self->rng, n)]++;
}

gboolean
kvp_beam_search_step (KvpBeamSearch  *self,
                      GError        **error)
{
  guint children[KVP_BEAM_SEARCH_MAX_WIDTH];
  g_autoptr(GArray) next = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (self->candidates->len > 0, FALSE);

  draw_children (self, children);
  next = g_array_new (FALSE, FALSE, sizeof (KvpKvRequestId));

  /* The dropped go first, so their blocks are free for the forks. */
  for (guint i = 0; i < self->candidates->len; i++)
    if (children[i] == 0)
      kvp_kv_cache_manager_remove_request (self->manager, g_array_index (self->candidates, KvpKvRequestId, i));

  for (guint i = 0; i < self->candidates->len; i++)
    {
      KvpKvRequestId parent = g_array_index (self->candidates, KvpKvRequestId, i);

      if (children[i] == 0)
        continue;
      g_array_append_val (next, parent);
      for (guint c = 1; c < children[i]; c++)
        {
          KvpKvRequestId child;

          if (!kvp_kv_cache_manager_fork (self->manager, parent, &child, error))
            {
              g_array_unref (self->candidates);
              self->candidates = g_steal_pointer (&next);
              return FALSE;
            }
          g_array_append_val (next, child);
        }
    }

  g_array_unref (self->candidates);
  self->candidates = g_steal_pointer (&next);

  /* Every candidate writes its token: a shared, partly filled last block is
   * copied on the first write. */
  for (guint i = 0; i < self->candidates->len; i++)
    {
      KvpKvRequestId r = g_array_index (self->candidates, KvpKvRequestId, i);

      if (!kvp_kv_cache_manager_allocate_slots (self->manager, r, 1, FALSE, error))
        return FALSE;
      kvp_kv_cache_manager_add_output_tokens (self->manager, r, 1);
    }

  return TRUE;
}

const KvpKvRequestId *
kvp_beam_search_get_candidates (KvpBeamSearch *self,
                                guint         *n)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n != NULL, NULL);

  *n = self->candidates->len;

  return (const KvpKvRequestId *) (gpointer) self->candidates->data;
}

void
kvp_beam_search_remove_all (KvpBeamSearch *self)
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < self->candidates->len; i++)
    kvp_kv_cache_manager_remove_request (self->manager, g_array_index (self->candidates, KvpKvRequestId, i));
  g_array_set_size (self->candidates, 0);
}
