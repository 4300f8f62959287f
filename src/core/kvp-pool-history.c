/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-pool-history.c: a seeded history of other requests in a block pool. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-pool-history.h"

/* Others hold about this share of the pool when the sequence arrives. */
#define HELD_SHARE 0.5

gboolean
kvp_pool_history_run (KvpBlockPool  *pool,
                      guint64        room,
                      GError       **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (KVP_POOL_HISTORY_SEED);
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (KvpSeqId));
  guint32 B = kvp_block_pool_get_block_size (pool);
  /* A null block (vLLM's block 0) is used from the start and is no one's. */
  guint32 reserved = kvp_block_pool_get_num_used (pool);
  guint32 N = kvp_block_pool_get_num_blocks (pool) - reserved;
  guint64 budget = N;
  guint64 held_most = N > KVP_POOL_HISTORY_MAX_BLOCKS ? 0 : (guint64) (N * HELD_SHARE);
  /* Requests of 1 … 8 blocks, or of up to a 64th of a bigger pool, so a
   * history of any pool takes about the same number of requests. */
  guint32 longest = MAX (8u, (guint32) (budget / 64));
  guint64 handed = 0;

  g_return_val_if_fail (pool != NULL, FALSE);
  g_return_val_if_fail (reserved <= 1, FALSE);

  while (handed < budget && held_most > 0)
    {
      /* Drawn once: MIN would evaluate a call in it twice. */
      guint64 drawn = (guint64) g_rand_int_range (rand, 1, longest + 1);
      guint32 blocks = (guint32) MIN (drawn, held_most);
      /* The last block of a request is partly filled, as most are. */
      guint64 tokens = (guint64) (blocks - 1) * B + g_rand_int_range (rand, 1, B + 1);
      KvpSeqId seq;

      /* A request that finished makes room: any of those running. */
      while (kvp_block_pool_get_num_used (pool) - reserved + blocks > held_most && live->len > 0)
        {
          guint victim = g_rand_int_range (rand, 0, live->len);

          kvp_block_pool_free_sequence (pool, g_array_index (live, KvpSeqId, victim));
          g_array_remove_index_fast (live, victim);
        }

      seq = kvp_block_pool_add_sequence (pool);
      if (!kvp_block_pool_append (pool, seq, tokens, error))
        return FALSE;
      g_array_append_val (live, seq);
      handed += blocks;
    }

  /* Room for the sequence: the newest requests give way, as vLLM preempts. */
  while (kvp_block_pool_get_num_free (pool) < room && live->len > 0)
    {
      kvp_block_pool_free_sequence (pool, g_array_index (live, KvpSeqId, live->len - 1));
      g_array_set_size (live, live->len - 1);
    }

  return TRUE;
}
