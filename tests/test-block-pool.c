/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-block-pool.c: the block allocator hands out, shares, copies and frees
 * blocks the way vLLM does, and a refused request changes nothing. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <string.h>

#include "kvp-block-pool.h"
#include "kvp-error.h"

#define END G_MAXUINT32

/* Everything a caller can observe, to prove a failed request changed nothing. */
typedef struct
{
  guint32    num_free;
  guint32    num_blocks;
  guint     *ref;
  guint     *fill;
  guint      n_ids;
  gboolean  *alive;
  guint64   *length;
  GPtrArray *tables;   /* GArray of guint32, or NULL */
} Snapshot;

static void
clear_table (gpointer table)
{
  if (table != NULL)
    g_array_unref (table);
}

static Snapshot *
snapshot_take (KvpBlockPool *pool,
               guint         n_ids)
{
  Snapshot *snap = g_new0 (Snapshot, 1);

  snap->num_free = kvp_block_pool_get_num_free (pool);
  snap->num_blocks = kvp_block_pool_get_num_blocks (pool);
  snap->ref = g_new (guint, snap->num_blocks);
  snap->fill = g_new (guint, snap->num_blocks);
  for (guint32 b = 0; b < snap->num_blocks; b++)
    {
      snap->ref[b] = kvp_block_pool_get_ref_count (pool, b);
      snap->fill[b] = kvp_block_pool_get_fill (pool, b);
    }

  snap->n_ids = n_ids;
  snap->alive = g_new0 (gboolean, n_ids);
  snap->length = g_new0 (guint64, n_ids);
  snap->tables = g_ptr_array_new_with_free_func (clear_table);
  for (guint id = 0; id < n_ids; id++)
    {
      GArray *table = NULL;

      snap->alive[id] = kvp_block_pool_has_sequence (pool, id);
      if (snap->alive[id])
        {
          const guint32 *entries;
          guint n;

          snap->length[id] = kvp_block_pool_get_length (pool, id);
          entries = kvp_block_pool_get_block_table (pool, id, &n);
          table = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
          g_array_append_vals (table, entries, n);
        }
      g_ptr_array_add (snap->tables, table);
    }

  return snap;
}

static void
snapshot_free (Snapshot *snap)
{
  g_free (snap->ref);
  g_free (snap->fill);
  g_free (snap->alive);
  g_free (snap->length);
  g_ptr_array_unref (snap->tables);
  g_free (snap);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static void
assert_snapshots_equal (const Snapshot *a,
                        const Snapshot *b)
{
  g_assert_cmpuint (a->num_free, ==, b->num_free);
  g_assert_cmpuint (a->num_blocks, ==, b->num_blocks);
  g_assert_cmpmem (a->ref, a->num_blocks * sizeof (guint), b->ref, b->num_blocks * sizeof (guint));
  g_assert_cmpmem (a->fill, a->num_blocks * sizeof (guint), b->fill, b->num_blocks * sizeof (guint));
  g_assert_cmpuint (a->n_ids, ==, b->n_ids);

  for (guint id = 0; id < a->n_ids; id++)
    {
      GArray *ta = g_ptr_array_index (a->tables, id);
      GArray *tb = g_ptr_array_index (b->tables, id);

      g_assert_cmpint (a->alive[id], ==, b->alive[id]);
      if (!a->alive[id])
        continue;
      g_assert_cmpuint (a->length[id], ==, b->length[id]);
      g_assert_cmpmem (ta->data, ta->len * sizeof (guint32), tb->data, tb->len * sizeof (guint32));
    }
}

static void
assert_pool_valid (KvpBlockPool *pool)
{
  g_autoptr(GError) error = NULL;

  kvp_block_pool_check (pool, &error);
  g_assert_no_error (error);
}

/* expected is END-terminated. */
static void
assert_table (KvpBlockPool  *pool,
              KvpSeqId       seq,
              const guint32 *expected)
{
  const guint32 *table;
  guint n, n_expected = 0;

  while (expected[n_expected] != END)
    n_expected++;

  table = kvp_block_pool_get_block_table (pool, seq, &n);
  g_assert_cmpmem (table, n * sizeof (guint32), expected, n_expected * sizeof (guint32));
}

static KvpBlockPool *
new_pool (guint32 num_blocks,
          guint32 block_size)
{
  g_autoptr(GError) error = NULL;
  KvpBlockPool *pool = kvp_block_pool_new (num_blocks, block_size, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pool);

  return pool;
}

static KvpSeqId
new_sequence_of (KvpBlockPool *pool,
                 guint64       length)
{
  g_autoptr(GError) error = NULL;
  KvpSeqId seq = kvp_block_pool_add_sequence (pool);

  kvp_block_pool_append (pool, seq, length, &error);
  g_assert_no_error (error);

  return seq;
}

static KvpSeqId
fork_sequence (KvpBlockPool *pool,
               KvpSeqId      seq)
{
  g_autoptr(GError) error = NULL;
  KvpSeqId child = END;

  g_assert_true (kvp_block_pool_fork (pool, seq, &child, &error));
  g_assert_no_error (error);

  return child;
}

static void
append_ok (KvpBlockPool *pool,
           KvpSeqId      seq,
           guint64       n)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kvp_block_pool_append (pool, seq, n, &error));
  g_assert_no_error (error);
}

static void
shrink_ok (KvpBlockPool *pool,
           KvpSeqId      seq,
           guint64       n)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kvp_block_pool_shrink (pool, seq, n, &error));
  g_assert_no_error (error);
}

static void
test_new (void)
{
  static const struct {
    guint32 num_blocks;
    guint32 block_size;
    int     code;   /* -1: succeeds */
  } cases[] = {
    { 1, 1, -1 },
    { 1024, 16, -1 },
    { KVP_BLOCK_POOL_MAX_BLOCKS, KVP_BLOCK_POOL_MAX_BLOCK_SIZE, -1 },
    { 0, 16, KVP_ERROR_INVALID },
    { KVP_BLOCK_POOL_MAX_BLOCKS + 1, 16, KVP_ERROR_INVALID },
    { G_MAXUINT32, 16, KVP_ERROR_INVALID },
    { 1024, 0, KVP_ERROR_INVALID },
    { 1024, KVP_BLOCK_POOL_MAX_BLOCK_SIZE + 1, KVP_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpBlockPool) pool = NULL;

      pool = kvp_block_pool_new (cases[i].num_blocks, cases[i].block_size, &error);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (kvp_block_pool_get_num_blocks (pool), ==, cases[i].num_blocks);
          g_assert_cmpuint (kvp_block_pool_get_block_size (pool), ==, cases[i].block_size);
          g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, cases[i].num_blocks);
          g_assert_cmpuint (kvp_block_pool_get_num_used (pool), ==, 0);
          g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, cases[i].num_blocks - 1), ==, 0);
        }
      else
        {
          g_assert_error (error, KVP_ERROR, cases[i].code);
          g_assert_null (pool);
        }
    }
}

static void
test_ref_unref (void)
{
  KvpBlockPool *pool = new_pool (8, 4);

  g_assert_true (kvp_block_pool_ref (pool) == pool);
  kvp_block_pool_unref (pool);
  g_assert_cmpuint (kvp_block_pool_get_num_blocks (pool), ==, 8);
  kvp_block_pool_unref (pool);
}

/* The queue starts 0, 1, 2, … and a freed block goes behind every block
 * already waiting, so the same requests always get the same blocks. */
static void
test_fifo_order (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  g_autoptr(KvpBlockPool) small = new_pool (4, 1);
  KvpSeqId a, b, c, d;

  a = new_sequence_of (pool, 12);
  assert_table (pool, a, (const guint32[]) { 0, 1, 2, END });
  kvp_block_pool_free_sequence (pool, a);
  b = new_sequence_of (pool, 4);
  assert_table (pool, b, (const guint32[]) { 3, END });
  assert_pool_valid (pool);

  /* Once the never-used blocks run out, freed ones come back in the order
   * they were freed; a sequence gives its last block back first. */
  a = new_sequence_of (small, 4);
  assert_table (small, a, (const guint32[]) { 0, 1, 2, 3, END });
  kvp_block_pool_free_sequence (small, a);
  b = new_sequence_of (small, 2);
  assert_table (small, b, (const guint32[]) { 3, 2, END });
  c = new_sequence_of (small, 1);
  assert_table (small, c, (const guint32[]) { 1, END });
  shrink_ok (small, b, 1);
  d = new_sequence_of (small, 2);
  assert_table (small, d, (const guint32[]) { 0, 2, END });
  g_assert_cmpuint (kvp_block_pool_get_num_free (small), ==, 0);
  assert_pool_valid (small);
}

/* expected is END-terminated. */
static void
assert_queue (KvpBlockPool  *pool,
              const guint32 *expected)
{
  g_autofree guint32 *queue = NULL;
  guint n, n_expected = 0;

  while (expected[n_expected] != END)
    n_expected++;

  queue = kvp_block_pool_dup_free_queue (pool, &n);
  if (g_test_verbose ())
    for (guint i = 0; i < n; i++)
      g_test_message ("queue[%u] = %u", i, queue[i]);
  g_assert_cmpmem (queue, n * sizeof (guint32), expected, n_expected * sizeof (guint32));
}

static void
cache_full_blocks (KvpBlockPool *pool,
                   KvpSeqId      seq,
                   guint64       first_key)
{
  const guint32 *table;
  guint n;

  table = kvp_block_pool_get_block_table (pool, seq, &n);
  for (guint i = 0; i < n; i++)
    if (kvp_block_pool_get_fill (pool, table[i]) == kvp_block_pool_get_block_size (pool))
      kvp_block_pool_cache_block (pool, table[i], first_key + i);
}

/* vLLM's free_blocks: last block first; a cached block to the queue's tail,
 * where it waits to be hit, an uncached one to its head, even in front of
 * blocks never used; the head is taken next, evicting a cached block. */
static void
test_release_order (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  g_autoptr(GError) error = NULL;
  KvpSeqId a, b, c;

  g_assert_true (kvp_block_pool_enable_caching (pool, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kvp_block_pool_reserve_null_block (pool), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 7);
  assert_queue (pool, (const guint32[]) { 1, 2, 3, 4, 5, 6, 7, END });

  a = new_sequence_of (pool, 10);      /* 1 2 full, 3 partial */
  assert_table (pool, a, (const guint32[]) { 1, 2, 3, END });
  cache_full_blocks (pool, a, 100);
  g_assert_cmpuint (kvp_block_pool_lookup (pool, 101), ==, 2);
  g_assert_cmpuint (kvp_block_pool_lookup (pool, 102), ==, END);
  assert_pool_valid (pool);

  kvp_block_pool_release_sequence (pool, a);
  g_assert_false (kvp_block_pool_has_sequence (pool, a));
  assert_queue (pool, (const guint32[]) { 3, 4, 5, 6, 7, 2, 1, END });
  assert_pool_valid (pool);

  /* A hit takes block 1 out of the middle of the queue, without evicting. */
  b = kvp_block_pool_add_sequence (pool);
  kvp_block_pool_append_cached (pool, b, kvp_block_pool_lookup (pool, 100));
  assert_table (pool, b, (const guint32[]) { 1, END });
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 1);
  assert_queue (pool, (const guint32[]) { 3, 4, 5, 6, 7, 2, END });
  append_ok (pool, b, 20);             /* 3 4 5 6 7 from the head, then 2 */
  assert_table (pool, b, (const guint32[]) { 1, 3, 4, 5, 6, 7, END });
  g_assert_cmpuint (kvp_block_pool_get_num_evicted (pool), ==, 0);
  c = new_sequence_of (pool, 1);
  assert_table (pool, c, (const guint32[]) { 2, END });
  g_assert_cmpuint (kvp_block_pool_get_num_evicted (pool), ==, 1);
  g_assert_cmpuint (kvp_block_pool_lookup (pool, 101), ==, END);
  g_assert_false (kvp_block_pool_get_key (pool, 2, NULL));
  assert_pool_valid (pool);

  /* Counts back to zero. */
  kvp_block_pool_release_sequence (pool, b);
  kvp_block_pool_release_sequence (pool, c);
  for (guint32 blk = 0; blk < 8; blk++)
    g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, blk), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 7);
  assert_queue (pool, (const guint32[]) { 2, 7, 6, 5, 4, 3, 1, END });
  assert_pool_valid (pool);
}

/* Blocks with the same key are all cached (vLLM does not deduplicate); a
 * lookup answers the first cached, and evicting it hands the key on. */
static void
test_duplicate_keys (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (4, 2);
  KvpSeqId a, b;

  g_assert_true (kvp_block_pool_enable_caching (pool, NULL));
  a = new_sequence_of (pool, 2);
  b = new_sequence_of (pool, 2);
  kvp_block_pool_cache_block (pool, 1, 7);
  kvp_block_pool_cache_block (pool, 0, 7);
  g_assert_cmpuint (kvp_block_pool_lookup (pool, 7), ==, 1);
  assert_pool_valid (pool);

  kvp_block_pool_release_sequence (pool, b);
  kvp_block_pool_release_sequence (pool, a);
  assert_queue (pool, (const guint32[]) { 2, 3, 1, 0, END });
  new_sequence_of (pool, 6);
  g_assert_cmpuint (kvp_block_pool_lookup (pool, 7), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_evicted (pool), ==, 1);
  assert_pool_valid (pool);
}

/* A sliding window's skipped blocks become the null block and go back to
 * the pool from the last one down; a shared one only loses a holder. */
static void
test_skip_blocks (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  KvpSeqId a, b;

  g_assert_true (kvp_block_pool_enable_caching (pool, NULL));
  kvp_block_pool_reserve_null_block (pool);
  a = new_sequence_of (pool, 17);
  assert_table (pool, a, (const guint32[]) { 1, 2, 3, 4, 5, END });
  cache_full_blocks (pool, a, 10);
  b = fork_sequence (pool, a);
  kvp_block_pool_skip_blocks (pool, a, 3);
  assert_table (pool, a, (const guint32[]) { 0, 0, 0, 4, 5, END });
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 1);
  assert_pool_valid (pool);

  kvp_block_pool_release_sequence (pool, b);
  /* Held only by b, 3 2 1 go to the tail; 5 and 4 are a's. */
  assert_queue (pool, (const guint32[]) { 6, 7, 3, 2, 1, END });
  kvp_block_pool_skip_blocks (pool, a, 4);
  assert_table (pool, a, (const guint32[]) { 0, 0, 0, 0, 5, END });
  assert_queue (pool, (const guint32[]) { 6, 7, 3, 2, 1, 4, END });
  /* The null block never counts as a holder or a free block. */
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 6);
  append_ok (pool, a, 4);
  assert_table (pool, a, (const guint32[]) { 0, 0, 0, 0, 5, 6, END });
  assert_pool_valid (pool);
  /* 5 filled up after it was cached, so neither has a key: both go to the
   * head, last block first. */
  kvp_block_pool_release_sequence (pool, a);
  assert_queue (pool, (const guint32[]) { 6, 5, 7, 3, 2, 1, 4, END });
  assert_pool_valid (pool);
}

/* Hits take free blocks out of the middle of the queue over and over; the
 * queue keeps its order and its count through every clean-up. */
static void
test_many_hits (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (4, 2);

  g_assert_true (kvp_block_pool_enable_caching (pool, NULL));
  for (guint i = 0; i < 1000; i++)
    {
      KvpSeqId a = new_sequence_of (pool, 2);
      KvpSeqId b = kvp_block_pool_add_sequence (pool);
      guint32 block = kvp_block_pool_get_block_table (pool, a, NULL)[0];

      if (!kvp_block_pool_get_key (pool, block, NULL))
        kvp_block_pool_cache_block (pool, block, i % 3);
      kvp_block_pool_release_sequence (pool, a);
      kvp_block_pool_append_cached (pool, b, kvp_block_pool_lookup (pool, i % 3));
      kvp_block_pool_release_sequence (pool, b);
      assert_pool_valid (pool);
      g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 4);
    }
  /* Three keys cached, each block once: nothing was lost or doubled. */
  for (guint64 k = 0; k < 3; k++)
    g_assert_cmpuint (kvp_block_pool_lookup (pool, k), !=, END);
}

/* Hits and frees without a single new block: the queue's stale entries pile
 * up until it is cleaned, and the order stays vLLM's. */
static void
test_hits_without_pops (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (4, 1);
  KvpSeqId seqs[4];

  g_assert_true (kvp_block_pool_enable_caching (pool, NULL));
  for (guint i = 0; i < 4; i++)
    {
      seqs[i] = new_sequence_of (pool, 1);
      kvp_block_pool_cache_block (pool, i, 100 + i);
    }
  for (guint i = 0; i < 4; i++)
    kvp_block_pool_release_sequence (pool, seqs[i]);
  assert_queue (pool, (const guint32[]) { 0, 1, 2, 3, END });

  /* Each round hits the queue's second block and frees it to the tail. */
  for (guint round = 0; round < 50; round++)
    {
      g_autofree guint32 *queue = NULL;
      KvpSeqId s = kvp_block_pool_add_sequence (pool);
      guint n;

      queue = kvp_block_pool_dup_free_queue (pool, &n);
      kvp_block_pool_append_cached (pool, s, queue[1]);
      assert_pool_valid (pool);
      kvp_block_pool_release_sequence (pool, s);
      assert_pool_valid (pool);
    }
  /* 0 stays first; 1 2 3 rotate once every three rounds: 50 rounds. */
  assert_queue (pool, (const guint32[]) { 0, 3, 1, 2, END });
  g_assert_cmpuint (kvp_block_pool_get_num_evicted (pool), ==, 0);
}

static void
test_append_fills (void)
{
  static const struct {
    guint64 appends[4];     /* 0-terminated after the first */
    guint32 table[17];      /* END-terminated */
    guint   fills[16];
  } cases[] = {
    { { 0 }, { END }, { 0 } },
    { { 1 }, { 0, END }, { 1 } },
    { { 4 }, { 0, END }, { 4 } },
    { { 5 }, { 0, 1, END }, { 4, 1 } },
    { { 3, 1 }, { 0, END }, { 4 } },
    { { 3, 2 }, { 0, 1, END }, { 4, 1 } },
    { { 2, 9 }, { 0, 1, 2, END }, { 4, 4, 3 } },
    { { 1, 1, 1, 1 }, { 0, END }, { 4 } },
    { { 4, 4, 1 }, { 0, 1, 2, END }, { 4, 4, 1 } },
    { { 64 }, { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, END },
      { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KvpBlockPool) pool = new_pool (16, 4);
      KvpSeqId seq = kvp_block_pool_add_sequence (pool);
      guint64 total = 0;
      guint n = 0;

      for (guint j = 0; j < G_N_ELEMENTS (cases[i].appends); j++)
        {
          if (j > 0 && cases[i].appends[j] == 0)
            break;
          append_ok (pool, seq, cases[i].appends[j]);
          total += cases[i].appends[j];
        }

      g_assert_cmpuint (kvp_block_pool_get_length (pool, seq), ==, total);
      assert_table (pool, seq, cases[i].table);
      for (n = 0; cases[i].table[n] != END; n++)
        {
          g_assert_cmpuint (kvp_block_pool_get_fill (pool, cases[i].table[n]), ==, cases[i].fills[n]);
          g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, cases[i].table[n]), ==, 1);
        }
      g_assert_cmpuint (kvp_block_pool_get_num_used (pool), ==, n);
      g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 16 - n);
      assert_pool_valid (pool);
    }
}

static void
test_shrink (void)
{
  static const struct {
    guint64 new_length;
    guint32 table[4];
    guint   fills[3];
    guint32 next[5];      /* what the free blocks are handed out as next */
  } cases[] = {
    { 10, { 0, 1, 2, END }, { 4, 4, 2 }, { 3, END } },
    { 9, { 0, 1, 2, END }, { 4, 4, 1 }, { 3, END } },
    { 8, { 0, 1, END }, { 4, 4 }, { 3, 2, END } },
    { 5, { 0, 1, END }, { 4, 1 }, { 3, 2, END } },
    { 4, { 0, END }, { 4 }, { 3, 2, 1, END } },
    { 0, { END }, { 0 }, { 3, 2, 1, 0, END } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KvpBlockPool) pool = new_pool (4, 4);
      g_autoptr(GError) error = NULL;
      KvpSeqId seq = new_sequence_of (pool, 10);
      KvpSeqId other;
      guint n;

      shrink_ok (pool, seq, cases[i].new_length);
      g_assert_cmpuint (kvp_block_pool_get_length (pool, seq), ==, cases[i].new_length);
      assert_table (pool, seq, cases[i].table);
      for (n = 0; cases[i].table[n] != END; n++)
        g_assert_cmpuint (kvp_block_pool_get_fill (pool, cases[i].table[n]), ==, cases[i].fills[n]);
      g_assert_cmpuint (kvp_block_pool_get_num_used (pool), ==, n);
      for (guint32 b = n; b < 3; b++)
        {
          g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, b), ==, 0);
          g_assert_cmpuint (kvp_block_pool_get_fill (pool, b), ==, 0);
        }
      assert_pool_valid (pool);

      other = new_sequence_of (pool, 4 * (4 - n));
      assert_table (pool, other, cases[i].next);
      kvp_block_pool_free_sequence (pool, other);

      /* Growing back writes into the last block before taking a new one. */
      append_ok (pool, seq, 10 - cases[i].new_length);
      g_assert_cmpuint (kvp_block_pool_get_num_used (pool), ==, 3);
      g_assert_cmpuint (kvp_block_pool_get_fill (pool, kvp_block_pool_get_block_table (pool, seq, &n)[2]), ==, 2);
      assert_pool_valid (pool);

      g_assert_false (kvp_block_pool_shrink (pool, seq, 11, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_cmpuint (kvp_block_pool_get_length (pool, seq), ==, 10);
    }
}

/* Freed in the reverse of the table, as vLLM frees a request. */
static void
test_shrink_order (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (6, 2);
  KvpSeqId a = new_sequence_of (pool, 12);
  KvpSeqId b;

  shrink_ok (pool, a, 5);
  b = new_sequence_of (pool, 6);
  assert_table (pool, b, (const guint32[]) { 5, 4, 3, END });
  assert_table (pool, a, (const guint32[]) { 0, 1, 2, END });
  assert_pool_valid (pool);
}

static void
test_fork_cow (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  KvpSeqId parent = new_sequence_of (pool, 6);
  KvpSeqId child, seq;
  guint32 logical;

  child = fork_sequence (pool, parent);
  g_assert_cmpuint (child, !=, parent);
  g_assert_cmpuint (kvp_block_pool_get_length (pool, child), ==, 6);
  assert_table (pool, child, (const guint32[]) { 0, 1, END });
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_num_used (pool), ==, 2);
  assert_pool_valid (pool);

  /* The first holder is the owner a person sees. */
  g_assert_true (kvp_block_pool_get_owner (pool, 1, &seq, &logical));
  g_assert_cmpuint (seq, ==, parent);
  g_assert_cmpuint (logical, ==, 1);
  g_assert_false (kvp_block_pool_get_owner (pool, 2, &seq, &logical));

  /* Writing into the shared partial block copies it for the writer. */
  append_ok (pool, child, 1);
  assert_table (pool, child, (const guint32[]) { 0, 2, END });
  assert_table (pool, parent, (const guint32[]) { 0, 1, END });
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 2), ==, 3);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 2), ==, 1);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 1);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_length (pool, parent), ==, 6);
  g_assert_true (kvp_block_pool_get_owner (pool, 2, &seq, &logical));
  g_assert_cmpuint (seq, ==, child);
  g_assert_cmpuint (logical, ==, 1);
  assert_pool_valid (pool);

  /* The parent, now the only holder of block 1, writes in place. */
  append_ok (pool, parent, 2);
  assert_table (pool, parent, (const guint32[]) { 0, 1, END });
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1), ==, 4);
  assert_pool_valid (pool);

  /* A copy that spills over takes the copy first, then fresh blocks. */
  seq = fork_sequence (pool, child);
  append_ok (pool, seq, 4);
  assert_table (pool, seq, (const guint32[]) { 0, 3, 4, END });
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 3), ==, 4);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 4), ==, 3);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, 3);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 2), ==, 1);
  assert_pool_valid (pool);
}

static void
test_fork_full_last (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  KvpSeqId parent = new_sequence_of (pool, 8);
  KvpSeqId child = fork_sequence (pool, parent);

  /* Nothing of the shared block is written, so nothing is copied. */
  append_ok (pool, child, 1);
  assert_table (pool, child, (const guint32[]) { 0, 1, 2, END });
  assert_table (pool, parent, (const guint32[]) { 0, 1, END });
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1), ==, 4);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 2), ==, 1);
  g_assert_cmpuint (kvp_block_pool_get_num_used (pool), ==, 3);
  assert_pool_valid (pool);

  /* An empty sequence forks into another empty one. */
  child = fork_sequence (pool, kvp_block_pool_add_sequence (pool));
  g_assert_cmpuint (kvp_block_pool_get_length (pool, child), ==, 0);
  append_ok (pool, child, 1);
  assert_table (pool, child, (const guint32[]) { 3, END });
  assert_pool_valid (pool);
}

static void
test_free_forked_parent (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  KvpSeqId parent = new_sequence_of (pool, 10);
  KvpSeqId child = fork_sequence (pool, parent);
  KvpSeqId seq;
  guint32 logical;

  kvp_block_pool_free_sequence (pool, parent);
  g_assert_false (kvp_block_pool_has_sequence (pool, parent));
  g_assert_true (kvp_block_pool_has_sequence (pool, child));
  assert_table (pool, child, (const guint32[]) { 0, 1, 2, END });
  g_assert_cmpuint (kvp_block_pool_get_num_used (pool), ==, 3);
  for (guint32 b = 0; b < 3; b++)
    g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, b), ==, 1);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 2), ==, 2);
  g_assert_true (kvp_block_pool_get_owner (pool, 2, &seq, &logical));
  g_assert_cmpuint (seq, ==, child);
  g_assert_cmpuint (logical, ==, 2);
  assert_pool_valid (pool);

  /* The child is now the only holder: no copy on write. */
  append_ok (pool, child, 1);
  assert_table (pool, child, (const guint32[]) { 0, 1, 2, END });
  assert_pool_valid (pool);

  kvp_block_pool_free_sequence (pool, child);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 8);
  assert_pool_valid (pool);
}

/* A holder that shrinks into a shared block leaves the slots another holder
 * still needs: the block's fill is the most any holder keeps. */
static void
test_shared_shrink (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  KvpSeqId parent = new_sequence_of (pool, 8);
  KvpSeqId child = fork_sequence (pool, parent);

  shrink_ok (pool, child, 5);
  assert_table (pool, child, (const guint32[]) { 0, 1, END });
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1), ==, 4);
  assert_pool_valid (pool);

  shrink_ok (pool, parent, 6);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1), ==, 2);
  assert_pool_valid (pool);

  /* Writing at slot 1 would overwrite the parent's token: copy. */
  append_ok (pool, child, 1);
  assert_table (pool, child, (const guint32[]) { 0, 2, END });
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 2), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1), ==, 2);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 1);
  assert_pool_valid (pool);

  /* The holder that set the fill leaves: the fill falls to the rest. */
  child = fork_sequence (pool, parent);
  shrink_ok (pool, child, 5);
  kvp_block_pool_free_sequence (pool, parent);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 1);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1), ==, 1);
  assert_pool_valid (pool);
}

/* 65,534 forks hold the parent's one partly filled block, each giving back a
 * different share of it: the fill follows the most any holder keeps as they
 * shrink and leave, and the pool's bookkeeping stays exact throughout.  (With
 * the fill found by scanning every sequence, this took minutes; bench-core's
 * shared-forks cases time it.) */
static void
test_shared_forks (void)
{
  enum { N_FORKS = 65534, B = 16 };
  g_autoptr(KvpBlockPool) pool = new_pool (2, B);
  g_autofree KvpSeqId *forks = g_new (KvpSeqId, N_FORKS);
  KvpSeqId parent = new_sequence_of (pool, B - 1);

  for (guint i = 0; i < N_FORKS; i++)
    forks[i] = fork_sequence (pool, parent);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, N_FORKS + 1);
  assert_pool_valid (pool);

  /* Fork i keeps 1 + i % 14 tokens. */
  for (guint i = 0; i < N_FORKS; i++)
    shrink_ok (pool, forks[i], 1 + i % (B - 2));
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 0), ==, B - 1);
  assert_pool_valid (pool);

  kvp_block_pool_free_sequence (pool, parent);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 0), ==, B - 2);

  /* The holders keeping the most leave first, a share at a time. */
  for (guint keep = B - 2; keep > 1; keep--)
    {
      for (guint i = keep - 1; i < N_FORKS; i += B - 2)
        {
          kvp_block_pool_free_sequence (pool, forks[i]);
          forks[i] = G_MAXUINT32;
        }
      g_assert_cmpuint (kvp_block_pool_get_fill (pool, 0), ==, keep - 1);
      assert_pool_valid (pool);
    }

  /* Those left keep one token; one of them grows and copies the block. */
  append_ok (pool, forks[0], 1);
  assert_table (pool, forks[0], (const guint32[]) { 1, END });
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 0), ==, 1);
  assert_pool_valid (pool);

  for (guint i = 0; i < N_FORKS; i++)
    if (forks[i] != G_MAXUINT32)
      kvp_block_pool_free_sequence (pool, forks[i]);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 2);
  assert_pool_valid (pool);
}

/* A twin pool that never saw the failed request must stay identical, and
 * hand out the same blocks afterwards: the queue order is unchanged too. */
static void
assert_failure_changes_nothing (KvpBlockPool *pool,
                                KvpBlockPool *twin,
                                guint         n_ids,
                                KvpSeqId      seq,
                                guint64       n_tokens,
                                gboolean      mentions_copy)
{
  g_autoptr(Snapshot) before = snapshot_take (pool, n_ids);
  g_autoptr(Snapshot) after = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (kvp_block_pool_append (pool, seq, n_tokens, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "free"));
  g_assert_true ((strstr (error->message, "copy") != NULL) == mentions_copy);

  after = snapshot_take (pool, n_ids);
  assert_snapshots_equal (before, after);
  assert_pool_valid (pool);

  g_clear_pointer (&after, snapshot_free);
  after = snapshot_take (twin, n_ids);
  assert_snapshots_equal (before, after);
}

static void
test_no_space (void)
{
  KvpBlockPool *pools[2];
  KvpSeqId a = 0, c = 0;

  /* Plain: 10 + 7 tokens need 2 more blocks, 1 is free. */
  for (guint i = 0; i < 2; i++)
    {
      pools[i] = new_pool (4, 4);
      a = new_sequence_of (pools[i], 10);
    }
  assert_failure_changes_nothing (pools[0], pools[1], 1, a, 7, FALSE);
  for (guint i = 0; i < 2; i++)
    {
      KvpSeqId b = new_sequence_of (pools[i], 2);

      kvp_block_pool_free_sequence (pools[i], a);
      append_ok (pools[i], b, 14);
      assert_table (pools[i], b, (const guint32[]) { 3, 2, 1, 0, END });
      kvp_block_pool_unref (pools[i]);
    }

  /* The copy alone: the pool is full and the last block is shared. */
  for (guint i = 0; i < 2; i++)
    {
      pools[i] = new_pool (3, 4);
      a = new_sequence_of (pools[i], 6);
      c = fork_sequence (pools[i], a);
      new_sequence_of (pools[i], 1);
    }
  assert_failure_changes_nothing (pools[0], pools[1], 3, c, 1, TRUE);
  for (guint i = 0; i < 2; i++)
    kvp_block_pool_unref (pools[i]);

  /* One block is free: enough for the copy or for the growth, not both. */
  for (guint i = 0; i < 2; i++)
    {
      pools[i] = new_pool (4, 4);
      a = new_sequence_of (pools[i], 6);
      c = fork_sequence (pools[i], a);
      new_sequence_of (pools[i], 1);
    }
  assert_failure_changes_nothing (pools[0], pools[1], 3, c, 3, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      append_ok (pools[i], c, 2);
      assert_table (pools[i], c, (const guint32[]) { 0, 3, END });
      g_assert_cmpuint (kvp_block_pool_get_num_free (pools[i]), ==, 0);
      assert_pool_valid (pools[i]);
    }
  /* Full last block, shared: a new block but no copy. */
  a = c;
  c = fork_sequence (pools[0], a);
  g_assert_cmpuint (fork_sequence (pools[1], a), ==, c);
  assert_failure_changes_nothing (pools[0], pools[1], 4, c, 1, FALSE);
  for (guint i = 0; i < 2; i++)
    kvp_block_pool_unref (pools[i]);
}

static void
test_invalid (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  g_autoptr(Snapshot) before = NULL;
  g_autoptr(Snapshot) after = NULL;
  KvpSeqId a = new_sequence_of (pool, 5);
  KvpSeqId gone = new_sequence_of (pool, 3);
  KvpSeqId child = END;
  static const KvpSeqId unknown[] = { 2, 100, G_MAXUINT32 };
  GError *error = NULL;

  kvp_block_pool_free_sequence (pool, gone);
  before = snapshot_take (pool, 2);

  for (guint i = 0; i <= G_N_ELEMENTS (unknown); i++)
    {
      KvpSeqId seq = i < G_N_ELEMENTS (unknown) ? unknown[i] : gone;

      g_assert_false (kvp_block_pool_has_sequence (pool, seq));
      g_assert_false (kvp_block_pool_append (pool, seq, 1, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (kvp_block_pool_shrink (pool, seq, 0, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (kvp_block_pool_fork (pool, seq, &child, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_cmpuint (child, ==, END);
    }

  g_assert_false (kvp_block_pool_shrink (pool, a, 6, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (kvp_block_pool_append (pool, a, G_MAXUINT64, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW);
  g_clear_error (&error);

  g_assert_false (kvp_block_pool_append (pool, a, G_MAXUINT64 - 5, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_clear_error (&error);

  after = snapshot_take (pool, 2);
  assert_snapshots_equal (before, after);
  assert_pool_valid (pool);

  /* A refused fork does not use up a sequence id. */
  g_assert_cmpuint (kvp_block_pool_add_sequence (pool), ==, 2);

  append_ok (pool, a, 0);
  g_assert_cmpuint (kvp_block_pool_get_length (pool, a), ==, 5);
}

/* Programming errors, not user errors: a critical and a harmless result. */
static void
test_guards (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (8, 4);
  guint n = 7;

  g_test_expect_message ("kvpage-core", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_cmpuint (kvp_block_pool_get_length (pool, 3), ==, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("kvpage-core", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_null (kvp_block_pool_get_block_table (pool, 3, &n));
  g_test_assert_expected_messages ();
  g_assert_cmpuint (n, ==, 0);

  g_test_expect_message ("kvpage-core", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 8), ==, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("kvpage-core", G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  kvp_block_pool_free_sequence (pool, 0);
  g_test_assert_expected_messages ();
}

static void
test_ref_limit (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (2, 1);
  g_autoptr(GError) error = NULL;
  KvpSeqId a = new_sequence_of (pool, 1);
  KvpSeqId child = END;

  for (guint i = 1; i < G_MAXUINT16; i++)
    g_assert_true (kvp_block_pool_fork (pool, a, NULL, NULL));
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, G_MAXUINT16);
  assert_pool_valid (pool);

  g_assert_false (kvp_block_pool_fork (pool, a, &child, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "65,535 sequences"));
  g_assert_cmpuint (child, ==, END);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, G_MAXUINT16);
  g_assert_false (kvp_block_pool_has_sequence (pool, G_MAXUINT16));
  g_clear_error (&error);

  /* Writing is still possible: the writer gets its own block. */
  append_ok (pool, 7, 1);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, G_MAXUINT16);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 1), ==, 1);

  kvp_block_pool_free_sequence (pool, 5);
  g_assert_true (kvp_block_pool_fork (pool, a, &child, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (child, ==, G_MAXUINT16);
  assert_pool_valid (pool);
}

static void
test_single_block (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (1, 1);
  g_autoptr(GError) error = NULL;
  KvpSeqId a = new_sequence_of (pool, 1);
  KvpSeqId child;

  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 0);
  g_assert_false (kvp_block_pool_append (pool, a, 1, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_clear_error (&error);

  child = fork_sequence (pool, a);
  g_assert_false (kvp_block_pool_append (pool, child, 1, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (pool, 0), ==, 2);

  kvp_block_pool_free_sequence (pool, a);
  shrink_ok (pool, child, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 1);
  append_ok (pool, child, 1);
  assert_table (pool, child, (const guint32[]) { 0, END });
  assert_pool_valid (pool);
}

static void
test_max_blocks (void)
{
  g_autoptr(KvpBlockPool) pool = new_pool (KVP_BLOCK_POOL_MAX_BLOCKS, 16);
  g_autoptr(GError) error = NULL;
  KvpSeqId a = kvp_block_pool_add_sequence (pool);
  KvpSeqId b;
  const guint32 *table;
  guint n;

  /* Growing one block at a time at the far end of a large pool. */
  for (guint i = 0; i < 1000; i++)
    append_ok (pool, a, 16);
  shrink_ok (pool, a, 0);

  append_ok (pool, a, (guint64) KVP_BLOCK_POOL_MAX_BLOCKS * 16 - 1000 * 16 - 1);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 1000);
  kvp_block_pool_free_sequence (pool, a);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, KVP_BLOCK_POOL_MAX_BLOCKS);

  b = new_sequence_of (pool, (guint64) KVP_BLOCK_POOL_MAX_BLOCKS * 16 - 3);
  g_assert_cmpuint (kvp_block_pool_get_num_free (pool), ==, 0);
  table = kvp_block_pool_get_block_table (pool, b, &n);
  g_assert_cmpuint (n, ==, KVP_BLOCK_POOL_MAX_BLOCKS);
  /* Freed blocks in the order they were freed, each sequence's last first. */
  g_assert_cmpuint (table[0], ==, 999);
  g_assert_cmpuint (table[999], ==, 0);
  g_assert_cmpuint (table[1000], ==, KVP_BLOCK_POOL_MAX_BLOCKS - 1);
  g_assert_cmpuint (table[n - 1], ==, 1000);
  g_assert_cmpuint (kvp_block_pool_get_fill (pool, 1000), ==, 13);
  assert_pool_valid (pool);

  append_ok (pool, b, 3);
  g_assert_false (kvp_block_pool_append (pool, b, 1, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
}

/* The pool next to a model that only knows lengths, and a twin pool that only
 * sees the requests that succeed: after every step the pool checks out, the
 * lengths agree, and the twin is identical. */
typedef struct
{
  guint32 num_blocks;
  guint32 block_size;
} RandomConfig;

static guint32
random_seed (void)
{
  const char *env = g_getenv ("KVP_TEST_SEED");

  if (env != NULL && *env != '\0')
    return (guint32) g_ascii_strtoull (env, NULL, 10);

  /* Fixed, so every run checks the same steps; set KVP_TEST_SEED to explore. */
  return 20230914;
}

static KvpSeqId
random_live (GRand   *rand,
             GArray  *live)
{
  return g_array_index (live, KvpSeqId, g_rand_int_range (rand, 0, live->len));
}

static void
test_random (gconstpointer data)
{
  const RandomConfig *config = data;
  guint32 seed = random_seed ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(KvpBlockPool) pool = new_pool (config->num_blocks, config->block_size);
  g_autoptr(KvpBlockPool) twin = new_pool (config->num_blocks, config->block_size);
  g_autoptr(GArray) lengths = g_array_new (FALSE, TRUE, sizeof (guint64));
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (KvpSeqId));
  const guint32 B = config->block_size;
  const guint n_steps = 4000;
  guint n_failed = 0, n_copies = 0;

  g_test_message ("seed %u (set KVP_TEST_SEED=%u to repeat), %u blocks of %u",
                  seed, seed, config->num_blocks, B);

  for (guint step = 0; step < n_steps; step++)
    {
      g_autoptr(GError) error = NULL;
      guint op = g_rand_int_range (rand, 0, 100);
      gboolean ok = TRUE;
      gboolean expect_ok = TRUE;

      if (live->len == 0 || (op < 10 && live->len < 24))
        {
          KvpSeqId seq = kvp_block_pool_add_sequence (pool);

          g_assert_cmpuint (kvp_block_pool_add_sequence (twin), ==, seq);
          g_assert_cmpuint (seq, ==, lengths->len);
          g_array_set_size (lengths, seq + 1);
          g_array_append_val (live, seq);
        }
      else if (op < 50)
        {
          KvpSeqId seq = random_live (rand, live);
          guint64 len = g_array_index (lengths, guint64, seq);
          guint64 n, needed;
          guint n_have;
          const guint32 *table = kvp_block_pool_get_block_table (pool, seq, &n_have);

          switch (g_rand_int_range (rand, 0, 4))
            {
            case 0: n = g_rand_int_range (rand, 0, 3); break;
            case 1: n = g_rand_int_range (rand, 0, 2 * B + 1); break;
            case 2: n = g_rand_int_range (rand, 0, (config->num_blocks + 2) * B); break;
            default: n = B - len % B; break;
            }
          if (g_rand_int_range (rand, 0, 200) == 0)
            n = G_MAXUINT64 - g_rand_int_range (rand, 0, 2);

          /* What the model predicts, from lengths and the holders alone. */
          if (n > G_MAXUINT64 - len)
            {
              expect_ok = FALSE;
            }
          else if (n > 0)
            {
              guint64 new_len = len + n;

              needed = new_len / B + (new_len % B != 0) - n_have;
              if (len % B != 0 && kvp_block_pool_get_ref_count (pool, table[n_have - 1]) > 1)
                {
                  needed++;
                  n_copies++;
                }
              expect_ok = needed <= kvp_block_pool_get_num_free (pool);
            }

          ok = kvp_block_pool_append (pool, seq, n, &error);
          if (ok)
            {
              append_ok (twin, seq, n);
              g_array_index (lengths, guint64, seq) = len + n;
            }
          else
            {
              int code = n > G_MAXUINT64 - len ? KVP_ERROR_OVERFLOW : KVP_ERROR_NO_SPACE;

              g_assert_error (error, KVP_ERROR, code);
            }
        }
      else if (op < 70)
        {
          KvpSeqId seq = random_live (rand, live);
          guint64 len = g_array_index (lengths, guint64, seq);
          guint64 new_len = g_rand_int_range (rand, 0, (gint32) MIN (len + 2, (guint64) G_MAXINT32));

          expect_ok = new_len <= len;
          ok = kvp_block_pool_shrink (pool, seq, new_len, &error);
          if (ok)
            {
              shrink_ok (twin, seq, new_len);
              g_array_index (lengths, guint64, seq) = new_len;
            }
          else
            {
              g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
            }
        }
      else if (op < 85)
        {
          KvpSeqId seq = random_live (rand, live);
          KvpSeqId child = END;
          guint64 len;

          if (live->len >= 24)
            continue;

          ok = kvp_block_pool_fork (pool, seq, &child, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (fork_sequence (twin, seq), ==, child);
          g_assert_cmpuint (child, ==, lengths->len);
          len = g_array_index (lengths, guint64, seq);
          g_array_append_val (lengths, len);
          g_array_append_val (live, child);
        }
      else if (op < 97)
        {
          guint i = g_rand_int_range (rand, 0, live->len);
          KvpSeqId seq = g_array_index (live, KvpSeqId, i);

          kvp_block_pool_free_sequence (pool, seq);
          kvp_block_pool_free_sequence (twin, seq);
          g_array_remove_index_fast (live, i);
        }
      else
        {
          /* A freed or never-made id is refused. */
          KvpSeqId seq = g_rand_int_range (rand, 0, lengths->len + 3);

          if (kvp_block_pool_has_sequence (pool, seq))
            continue;
          expect_ok = FALSE;
          ok = kvp_block_pool_append (pool, seq, 1, &error);
          g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
        }

      g_assert_cmpint (ok, ==, expect_ok);
      if (!ok)
        n_failed++;

      assert_pool_valid (pool);
      for (guint i = 0; i < live->len; i++)
        {
          KvpSeqId seq = g_array_index (live, KvpSeqId, i);

          g_assert_cmpuint (kvp_block_pool_get_length (pool, seq), ==,
                            g_array_index (lengths, guint64, seq));
        }

      {
        g_autoptr(Snapshot) a = snapshot_take (pool, lengths->len);
        g_autoptr(Snapshot) b = snapshot_take (twin, lengths->len);

        assert_snapshots_equal (a, b);
      }
    }

  g_test_message ("%u steps, %u refused, %u copy-on-write appends, %u sequences made",
                  n_steps, n_failed, n_copies, lengths->len);
}

int
main (int   argc,
      char *argv[])
{
  static const RandomConfig random_configs[] = {
    { 1, 1 },
    { 8, 3 },
    { 64, 4 },
    { 200, 16 },
  };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/pool/new", test_new);
  g_test_add_func ("/core/pool/ref-unref", test_ref_unref);
  g_test_add_func ("/core/pool/fifo-order", test_fifo_order);
  g_test_add_func ("/core/pool/release-order", test_release_order);
  g_test_add_func ("/core/pool/duplicate-keys", test_duplicate_keys);
  g_test_add_func ("/core/pool/skip-blocks", test_skip_blocks);
  g_test_add_func ("/core/pool/many-hits", test_many_hits);
  g_test_add_func ("/core/pool/hits-without-pops", test_hits_without_pops);
  g_test_add_func ("/core/pool/append-fills", test_append_fills);
  g_test_add_func ("/core/pool/shrink", test_shrink);
  g_test_add_func ("/core/pool/shrink-order", test_shrink_order);
  g_test_add_func ("/core/pool/fork-cow", test_fork_cow);
  g_test_add_func ("/core/pool/fork-full-last", test_fork_full_last);
  g_test_add_func ("/core/pool/free-forked-parent", test_free_forked_parent);
  g_test_add_func ("/core/pool/shared-shrink", test_shared_shrink);
  g_test_add_func ("/core/pool/shared-forks", test_shared_forks);
  g_test_add_func ("/core/pool/no-space", test_no_space);
  g_test_add_func ("/core/pool/invalid", test_invalid);
  g_test_add_func ("/core/pool/guards", test_guards);
  g_test_add_func ("/core/pool/ref-limit", test_ref_limit);
  g_test_add_func ("/core/pool/single-block", test_single_block);
  g_test_add_func ("/core/pool/max-blocks", test_max_blocks);

  for (guint i = 0; i < G_N_ELEMENTS (random_configs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/pool/random/%ux%u",
                                               random_configs[i].num_blocks,
                                               random_configs[i].block_size);

      g_test_add_data_func (path, &random_configs[i], test_random);
    }

  return g_test_run ();
}
