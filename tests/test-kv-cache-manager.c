/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-kv-cache-manager.c: prefix caching, parallel sampling, fork and
 * copy-on-write, and sliding-window groups, block by block as vLLM v1's
 * KV-cache manager hands them out; the pool checks out after every step. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <string.h>

#include "kvp-error.h"
#include "kvp-kv-cache-manager.h"

#define END G_MAXUINT32

static const KvpKvGroupSpec full_only[] = { { KVP_KV_GROUP_FULL, 0 } };

static KvpKvCacheManager *
new_manager (guint32               num_gpu_blocks,
             guint32               block_size,
             const KvpKvGroupSpec *groups,
             guint                 n_groups,
             gboolean              caching)
{
  g_autoptr(GError) error = NULL;
  KvpKvCacheManager *m = kvp_kv_cache_manager_new (num_gpu_blocks, block_size, groups, n_groups,
                                                   caching, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);

  return m;
}

static void
assert_valid (KvpKvCacheManager *m)
{
  g_autoptr(GError) error = NULL;

  kvp_kv_cache_manager_check (m, &error);
  g_assert_no_error (error);
}

/* expected is END-terminated. */
static void
assert_table (KvpKvCacheManager *m,
              KvpKvRequestId     r,
              guint              group,
              const guint32     *expected)
{
  const guint32 *table;
  guint n, n_expected = 0;

  while (expected[n_expected] != END)
    n_expected++;

  table = kvp_kv_cache_manager_get_block_table (m, r, group, &n);
  if (g_test_verbose ())
    for (guint i = 0; i < n; i++)
      g_test_message ("table[%u] = %u", i, table[i]);
  g_assert_cmpmem (table, n * sizeof (guint32), expected, n_expected * sizeof (guint32));
}

static void
assert_queue (KvpKvCacheManager *m,
              const guint32     *expected)
{
  g_autofree guint32 *queue = NULL;
  guint n, n_expected = 0;

  while (expected[n_expected] != END)
    n_expected++;

  queue = kvp_block_pool_dup_free_queue (kvp_kv_cache_manager_get_pool (m), &n);
  if (g_test_verbose ())
    for (guint i = 0; i < n; i++)
      g_test_message ("queue[%u] = %u", i, queue[i]);
  g_assert_cmpmem (queue, n * sizeof (guint32), expected, n_expected * sizeof (guint32));
}

static guint
ref_of (KvpKvCacheManager *m,
        guint32            block)
{
  return kvp_block_pool_get_ref_count (kvp_kv_cache_manager_get_pool (m), block);
}

static gboolean
is_cached (KvpKvCacheManager *m,
           guint32            block)
{
  return kvp_block_pool_get_key (kvp_kv_cache_manager_get_pool (m), block, NULL);
}

/* get_computed_blocks then allocate_slots for the rest of the prompt. */
static guint64
admit (KvpKvCacheManager *m,
       KvpKvRequestId     r)
{
  g_autoptr(GError) error = NULL;
  guint64 hit = kvp_kv_cache_manager_get_computed_blocks (m, r);

  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, r, kvp_kv_cache_manager_get_num_tokens (m, r) - hit,
                                                      &error));
  g_assert_no_error (error);
  assert_valid (m);

  return hit;
}

/* One sampled token, then its slot. */
static void
decode (KvpKvCacheManager *m,
        KvpKvRequestId     r)
{
  g_autoptr(GError) error = NULL;

  kvp_kv_cache_manager_add_output_tokens (m, r, 1);
  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, r, 1, &error));
  g_assert_no_error (error);
  assert_valid (m);
}

static KvpKvRequestId
add (KvpKvCacheManager     *m,
     const KvpTokenSegment *segments,
     guint                  n)
{
  return kvp_kv_cache_manager_add_request (m, segments, n);
}

static void
all_hashes (const KvpTokenSegment *segs,
            guint                  n,
            guint32                block_size,
            GArray                *out)
{
  KvpBlockHasher h;
  guint64 hash;

  kvp_block_hasher_init (&h);
  while (kvp_block_hasher_next (&h, segs, n, block_size, &hash))
    g_array_append_val (out, hash);
}

/* The same tokens hash the same however the blocks fall; a block's hash
 * depends on every block before it; a block across two segments is both. */
static void
test_hash_chain (void)
{
  const KvpTokenSegment a[] = { { KVP_TOKENS_HASH_ID, 7, 512 }, { KVP_TOKENS_HASH_ID, 8, 100 } };
  const KvpTokenSegment b[] = { { KVP_TOKENS_HASH_ID, 7, 512 }, { KVP_TOKENS_HASH_ID, 8, 512 } };
  const KvpTokenSegment c[] = { { KVP_TOKENS_HASH_ID, 7, 512 }, { KVP_TOKENS_HASH_ID, 9, 512 } };
  const KvpTokenSegment d[] = { { KVP_TOKENS_HASH_ID, 6, 512 }, { KVP_TOKENS_HASH_ID, 8, 100 } };
  const KvpTokenSegment e[] = { { KVP_TOKENS_PREFIX, 7, 512 }, { KVP_TOKENS_HASH_ID, 8, 100 } };
  g_autoptr(GArray) ha = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) hb = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) hc = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) hd = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) he = g_array_new (FALSE, FALSE, sizeof (guint64));
  KvpBlockHasher h;
  guint64 hash;

  /* 48-token blocks: block 10 holds tokens 480…527, 32 of id 7 and 16 of id 8. */
  all_hashes (a, 2, 48, ha);
  all_hashes (b, 2, 48, hb);
  all_hashes (c, 2, 48, hc);
  all_hashes (d, 2, 48, hd);
  all_hashes (e, 2, 48, he);
  g_assert_cmpuint (ha->len, ==, 612 / 48);
  g_assert_cmpuint (hb->len, ==, 1024 / 48);
  for (guint i = 0; i < ha->len; i++)
    g_assert_cmpuint (g_array_index (ha, guint64, i), ==, g_array_index (hb, guint64, i));
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint (g_array_index (hc, guint64, i), ==, g_array_index (ha, guint64, i));
  g_assert_cmpuint (g_array_index (hc, guint64, 10), !=, g_array_index (ha, guint64, 10));
  /* Block 11 is tokens 16…63 of id 8 in a and d alike, but a block's hash
   * chains over its parents. */
  g_assert_cmpuint (g_array_index (hd, guint64, 11), !=, g_array_index (ha, guint64, 11));
  /* A prefix and a hash id with the same number are different tokens. */
  g_assert_cmpuint (g_array_index (he, guint64, 0), !=, g_array_index (ha, guint64, 0));
  for (guint i = 0; i < ha->len; i++)
    for (guint j = 0; j < i; j++)
      g_assert_cmpuint (g_array_index (ha, guint64, i), !=, g_array_index (ha, guint64, j));

  /* A block size changes every hash; too few tokens change nothing. */
  kvp_block_hasher_init (&h);
  g_assert_true (kvp_block_hasher_next (&h, a, 2, 16, &hash));
  g_assert_cmpuint (hash, !=, g_array_index (ha, guint64, 0));
  kvp_block_hasher_init (&h);
  g_assert_false (kvp_block_hasher_next (&h, a, 2, 613, &hash));
  g_assert_cmpuint (h.segment, ==, 0);
  g_assert_cmpuint (h.offset, ==, 0);

  /* Keys tell the KV-cache groups apart. */
  g_assert_cmpuint (kvp_block_hash_key (hash, 0), !=, kvp_block_hash_key (hash, 1));
}

/* The example of vLLM's design doc (docs/design/prefix_caching.md): block
 * size 4, 10 blocks (11 here: vLLM's null block 0 comes first, so every
 * block number is the doc's + 1), requests of 15, 14 and 29 tokens. */
static void
test_design_doc (void)
{
  const KvpTokenSegment r0_prompt[] = { { KVP_TOKENS_PREFIX, 1, 10 }, { KVP_TOKENS_UNIQUE, 0, 5 } };
  const KvpTokenSegment r1_prompt[] = { { KVP_TOKENS_PREFIX, 1, 10 }, { KVP_TOKENS_UNIQUE, 1, 4 } };
  const KvpTokenSegment r2_prompt[] = { { KVP_TOKENS_PREFIX, 1, 10 }, { KVP_TOKENS_UNIQUE, 0, 2 },
                                        { KVP_TOKENS_UNIQUE, 2, 17 } };
  const KvpTokenSegment r3_prompt[] = { { KVP_TOKENS_UNIQUE, 3, 7 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (11, 4, full_only, 1, TRUE);
  KvpKvRequestId r0, r1, r2, r3;
  KvpPrefixCacheStats stats;

  /* Time 1: 4 blocks, 3 full and cached, the fourth with 3 tokens. */
  r0 = add (m, r0_prompt, 2);
  g_assert_cmpuint (admit (m, r0), ==, 0);
  assert_table (m, r0, 0, (const guint32[]) { 1, 2, 3, 4, END });
  g_assert_true (is_cached (m, 3));
  g_assert_false (is_cached (m, 4));

  /* Times 2-3: the fourth block fills and is cached; a fifth. */
  decode (m, r0);
  g_assert_true (is_cached (m, 4));
  decode (m, r0);
  assert_table (m, r0, 0, (const guint32[]) { 1, 2, 3, 4, 5, END });

  /* Time 4: 14 tokens, the first 10 the same: 2 blocks hit (the third
   * matches 2 of 4 tokens). */
  r1 = add (m, r1_prompt, 2);
  g_assert_cmpuint (admit (m, r1), ==, 8);
  assert_table (m, r1, 0, (const guint32[]) { 1, 2, 6, 7, END });
  g_assert_cmpuint (ref_of (m, 1), ==, 2);
  g_assert_cmpuint (ref_of (m, 2), ==, 2);

  /* Time 5: request 0 ends; its blocks are freed last first.  Since vLLM PR
   * #33710 an uncached block (5, one token) goes to the head and cached ones
   * (4, 3) to the tail; the doc predates it and shows all three at the tail. */
  kvp_kv_cache_manager_remove_request (m, r0);
  assert_valid (m);
  assert_queue (m, (const guint32[]) { 5, 8, 9, 10, 4, 3, END });

  /* Time 6: request 1 ends. */
  kvp_kv_cache_manager_remove_request (m, r1);
  assert_valid (m);
  assert_queue (m, (const guint32[]) { 7, 5, 8, 9, 10, 4, 3, 6, 2, 1, END });
  for (guint32 b = 0; b < 11; b++)
    g_assert_cmpuint (ref_of (m, b), ==, 0);

  /* Time 7: 29 tokens, the first 12 the same as request 0's: 1 2 3 are hit
   * and leave the queue, the other 5 come from its head — 7 5 8 9 10, none of
   * them cached (the doc's order gives 8 9 10 5 4, evicting 4). */
  r2 = add (m, r2_prompt, 3);
  g_assert_cmpuint (admit (m, r2), ==, 12);
  assert_table (m, r2, 0, (const guint32[]) { 1, 2, 3, 7, 5, 8, 9, 10, END });
  assert_queue (m, (const guint32[]) { 4, 6, END });
  stats = kvp_kv_cache_manager_get_stats (m);
  g_assert_cmpuint (stats.evicted_blocks, ==, 0);

  /* Now the least recently used cached blocks go: 4, then 6. */
  r3 = add (m, r3_prompt, 1);
  g_assert_cmpuint (admit (m, r3), ==, 0);
  assert_table (m, r3, 0, (const guint32[]) { 4, 6, END });
  /* 4 holds r3's first block now, cached under that block's hash. */
  g_assert_true (is_cached (m, 4));
  g_assert_false (is_cached (m, 6));
  stats = kvp_kv_cache_manager_get_stats (m);
  g_assert_cmpuint (stats.evicted_blocks, ==, 2);
  g_assert_cmpuint (stats.requests, ==, 4);
  g_assert_cmpuint (stats.queries_tokens, ==, 15 + 14 + 29 + 7);
  g_assert_cmpuint (stats.hits_tokens, ==, 8 + 12);
  g_assert_cmpfloat_with_epsilon (kvp_prefix_cache_stats_hit_rate_percent (&stats), 2000.0 / 65.0, 1e-9);
  g_assert_cmpuint (stats.preempted_requests, ==, 0);
}

/* A hit never covers the last prompt token: a prompt of exactly two cached
 * blocks hits one and computes the second again, into a block of its own. */
static void
test_last_token (void)
{
  const KvpTokenSegment eight[] = { { KVP_TOKENS_PREFIX, 5, 8 } };
  const KvpTokenSegment nine[] = { { KVP_TOKENS_PREFIX, 5, 8 }, { KVP_TOKENS_UNIQUE, 9, 1 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (8, 4, full_only, 1, TRUE);
  KvpKvRequestId a, b, c;

  a = add (m, eight, 1);
  g_assert_cmpuint (admit (m, a), ==, 0);
  b = add (m, eight, 1);
  g_assert_cmpuint (admit (m, b), ==, 4);
  assert_table (m, a, 0, (const guint32[]) { 1, 2, END });
  assert_table (m, b, 0, (const guint32[]) { 1, 3, END });
  /* Blocks 2 and 3 hold the same tokens: both cached, as vLLM keeps them. */
  g_assert_true (is_cached (m, 2));
  g_assert_true (is_cached (m, 3));
  c = add (m, nine, 2);
  g_assert_cmpuint (admit (m, c), ==, 8);
  assert_table (m, c, 0, (const guint32[]) { 1, 2, 4, END });
  g_assert_cmpuint (ref_of (m, 1), ==, 3);
}

typedef struct
{
  guint32 *queue;
  guint    n_queue;
  guint    refs[16];
  gboolean cached[16];
} PoolState;

static void
pool_state (KvpKvCacheManager *m,
            PoolState         *state)
{
  KvpBlockPool *pool = kvp_kv_cache_manager_get_pool (m);

  g_assert_cmpuint (kvp_block_pool_get_num_blocks (pool), <=, 16);
  state->queue = kvp_block_pool_dup_free_queue (pool, &state->n_queue);
  memset (state->refs, 0, sizeof state->refs);
  memset (state->cached, 0, sizeof state->cached);
  for (guint32 b = 0; b < kvp_block_pool_get_num_blocks (pool); b++)
    {
      state->refs[b] = ref_of (m, b);
      state->cached[b] = is_cached (m, b);
    }
}

static void
assert_pool_state (KvpKvCacheManager *m,
                   const PoolState   *before)
{
  PoolState now;

  pool_state (m, &now);
  g_assert_cmpmem (now.queue, now.n_queue * sizeof (guint32), before->queue, before->n_queue * sizeof (guint32));
  g_assert_cmpmem (now.refs, sizeof now.refs, before->refs, sizeof before->refs);
  g_assert_cmpmem (now.cached, sizeof now.cached, before->cached, sizeof before->cached);
  g_free (now.queue);
}

/* A refusal changes nothing — tables, counts, the queue's order, the cache —
 * and the hit must be looked up again (counted again, as vLLM's scheduler
 * counts a waiting request each step it tries).  Free hit blocks count
 * against the free blocks, since touching them takes them from the queue. */
static void
test_no_space (void)
{
  const KvpTokenSegment p[] = { { KVP_TOKENS_PREFIX, 1, 8 }, { KVP_TOKENS_UNIQUE, 1, 8 } };
  const KvpTokenSegment q[] = { { KVP_TOKENS_PREFIX, 1, 8 }, { KVP_TOKENS_UNIQUE, 2, 20 } };
  const KvpTokenSegment s[] = { { KVP_TOKENS_PREFIX, 1, 8 }, { KVP_TOKENS_UNIQUE, 2, 9 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (7, 4, full_only, 1, TRUE);
  g_autoptr(GError) error = NULL;
  PoolState before;
  KvpKvRequestId a, b, c;
  KvpPrefixCacheStats stats;

  a = add (m, p, 2);
  admit (m, a);
  kvp_kv_cache_manager_free (m, a);    /* preempted: 1 2 3 4 cached, free */
  assert_queue (m, (const guint32[]) { 5, 6, 4, 3, 2, 1, END });
  g_assert_null (kvp_kv_cache_manager_get_block_table (m, a, 0, NULL));

  /* 28 tokens: 7 blocks, 2 hit but free: 5 + 2 > 6. */
  b = add (m, q, 2);
  g_assert_cmpuint (kvp_kv_cache_manager_get_computed_blocks (m, b), ==, 8);
  pool_state (m, &before);
  g_assert_false (kvp_kv_cache_manager_allocate_slots (m, b, 20, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_clear_error (&error);
  assert_pool_state (m, &before);
  g_assert_cmpuint (kvp_kv_cache_manager_get_num_computed_tokens (m, b), ==, 0);
  g_assert_null (kvp_kv_cache_manager_get_block_table (m, b, 0, NULL));
  assert_valid (m);
  kvp_kv_cache_manager_remove_request (m, b);

  /* 17 tokens: 3 new + 2 free hits = 5 of 6. */
  c = add (m, s, 2);
  g_assert_cmpuint (admit (m, c), ==, 8);
  assert_table (m, c, 0, (const guint32[]) { 1, 2, 5, 6, 4, END });
  g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (m)), ==, 1);

  /* A running request's refusal: 8 more tokens need 2 blocks; 1 is free. */
  kvp_kv_cache_manager_add_output_tokens (m, c, 8);
  pool_state (m, &before);
  g_assert_false (kvp_kv_cache_manager_allocate_slots (m, c, 8, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  assert_pool_state (m, &before);
  assert_table (m, c, 0, (const guint32[]) { 1, 2, 5, 6, 4, END });
  g_assert_cmpuint (kvp_kv_cache_manager_get_num_computed_tokens (m, c), ==, 17);
  g_free (before.queue);

  /* The preempted request comes back and hits what is left of its own
   * blocks: 1 2 (shared with c) and 3, whose key outlived the others. */
  g_assert_cmpuint (kvp_kv_cache_manager_get_computed_blocks (m, a), ==, 12);
  stats = kvp_kv_cache_manager_get_stats (m);
  g_assert_cmpuint (stats.requests, ==, 3);
  g_assert_cmpuint (stats.queries_tokens, ==, 16 + 28 + 17);
  g_assert_cmpuint (stats.hits_tokens, ==, 0 + 8 + 8);
  g_assert_cmpuint (stats.preempted_requests, ==, 1);
  g_assert_cmpuint (stats.preempted_queries_tokens, ==, 16);
  g_assert_cmpuint (stats.preempted_hits_tokens, ==, 12);
  g_assert_cmpuint (stats.evicted_blocks, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/kv-cache-manager/hash-chain", test_hash_chain);
  g_test_add_func ("/core/kv-cache-manager/design-doc", test_design_doc);
  g_test_add_func ("/core/kv-cache-manager/last-token", test_last_token);
  g_test_add_func ("/core/kv-cache-manager/no-space", test_no_space);

  return g_test_run ();
}
