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

static const KvpKvGroupSpec full_only[] = { { KVP_KV_GROUP_FULL, 0, 0 } };

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

static guint32
n_cached_free (KvpKvCacheManager *m)
{
  return kvp_block_pool_get_num_cached_free (kvp_kv_cache_manager_get_pool (m));
}

/* get_computed_blocks then allocate_slots for the rest of the prompt. */
static guint64
admit (KvpKvCacheManager *m,
       KvpKvRequestId     r)
{
  g_autoptr(GError) error = NULL;
  guint64 hit = kvp_kv_cache_manager_get_computed_blocks (m, r);

  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, r, kvp_kv_cache_manager_get_num_tokens (m, r) - hit,
                                                      FALSE, &error));
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
  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, r, 1, FALSE, &error));
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

  /* A segment continuing its stream (a chat's answer, repeated in the next
   * turn's prompt) hashes as the one longer segment, wherever the cut; the
   * same tokens from another place in the stream do not. */
  {
    const KvpTokenSegment turn[] = { { KVP_TOKENS_PREFIX, 3, 20, 0 }, { KVP_TOKENS_PREFIX, 3, 13, 20 } };
    const KvpTokenSegment next[] = { { KVP_TOKENS_PREFIX, 3, 40, 0 } };
    const KvpTokenSegment moved[] = { { KVP_TOKENS_PREFIX, 3, 20, 0 }, { KVP_TOKENS_PREFIX, 3, 13, 21 } };
    g_autoptr(GArray) ht = g_array_new (FALSE, FALSE, sizeof (guint64));
    g_autoptr(GArray) hn = g_array_new (FALSE, FALSE, sizeof (guint64));
    g_autoptr(GArray) hm = g_array_new (FALSE, FALSE, sizeof (guint64));

    all_hashes (turn, 2, 8, ht);
    all_hashes (next, 1, 8, hn);
    all_hashes (moved, 2, 8, hm);
    g_assert_cmpuint (ht->len, ==, 4);
    for (guint i = 0; i < ht->len; i++)
      g_assert_cmpuint (g_array_index (ht, guint64, i), ==, g_array_index (hn, guint64, i));
    g_assert_cmpuint (g_array_index (hm, guint64, 1), ==, g_array_index (hn, guint64, 1));
    g_assert_cmpuint (g_array_index (hm, guint64, 2), !=, g_array_index (hn, guint64, 2));
  }
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
  g_assert_cmpuint (n_cached_free (m), ==, 0);

  /* Time 5: request 0 ends; its blocks are freed last first.  Since vLLM PR
   * #33710 an uncached block (5, one token) goes to the head and cached ones
   * (4, 3) to the tail; the doc predates it and shows all three at the tail. */
  kvp_kv_cache_manager_remove_request (m, r0);
  assert_valid (m);
  assert_queue (m, (const guint32[]) { 5, 8, 9, 10, 4, 3, END });
  /* Its full blocks nobody else holds are cached free now: 4 and 3 (1 and
   * 2 stay with request 1; 5, not full, is plain free). */
  g_assert_cmpuint (n_cached_free (m), ==, 2);

  /* Time 6: request 1 ends. */
  kvp_kv_cache_manager_remove_request (m, r1);
  assert_valid (m);
  assert_queue (m, (const guint32[]) { 7, 5, 8, 9, 10, 4, 3, 6, 2, 1, END });
  for (guint32 b = 0; b < 11; b++)
    g_assert_cmpuint (ref_of (m, b), ==, 0);
  /* 4 3 6 2 1; 7 (two tokens) is plain free. */
  g_assert_cmpuint (n_cached_free (m), ==, 5);

  /* Time 7: 29 tokens, the first 12 the same as request 0's: 1 2 3 are hit
   * and leave the queue, the other 5 come from its head — 7 5 8 9 10, none of
   * them cached (the doc's order gives 8 9 10 5 4, evicting 4). */
  r2 = add (m, r2_prompt, 3);
  g_assert_cmpuint (admit (m, r2), ==, 12);
  assert_table (m, r2, 0, (const guint32[]) { 1, 2, 3, 7, 5, 8, 9, 10, END });
  assert_queue (m, (const guint32[]) { 4, 6, END });
  stats = kvp_kv_cache_manager_get_stats (m);
  g_assert_cmpuint (stats.evicted_blocks, ==, 0);
  /* The hit took 1 2 3 back: 4 and 6 are left cached free. */
  g_assert_cmpuint (n_cached_free (m), ==, 2);

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
  g_assert_cmpuint (n_cached_free (m), ==, 0);

  /* r3 ends: 4, full and cached under r3's hash, is cached free again; 6,
   * evicted and now holding 3 tokens, goes back plain free. */
  kvp_kv_cache_manager_remove_request (m, r3);
  assert_valid (m);
  assert_queue (m, (const guint32[]) { 6, 4, END });
  g_assert_cmpuint (n_cached_free (m), ==, 1);
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

/* A lookahead slot (vLLM's num_lookahead_tokens) is allocated, not
 * computed and not cached: a prompt of 3 with its slot for the token to be
 * sampled fills block 1, which stays uncached until the step that computes
 * that token; the slot is not allocated twice. */
static void
test_lookahead (void)
{
  const KvpTokenSegment three[] = { { KVP_TOKENS_PREFIX, 5, 3 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (8, 4, full_only, 1, TRUE);
  g_autoptr(GError) error = NULL;
  KvpKvRequestId a;

  a = add (m, three, 1);
  g_assert_cmpuint (kvp_kv_cache_manager_get_computed_blocks (m, a), ==, 0);
  g_assert_true (kvp_kv_cache_manager_allocate_slots_ahead (m, a, 3, 1, TRUE, &error));
  g_assert_no_error (error);
  kvp_kv_cache_manager_add_output_tokens (m, a, 1);
  assert_valid (m);
  assert_table (m, a, 0, (const guint32[]) { 1, END });
  g_assert_cmpuint (kvp_kv_cache_manager_get_num_computed_tokens (m, a), ==, 3);
  g_assert_false (is_cached (m, 1));

  /* The next step computes it (and gives the next token its slot). */
  g_assert_true (kvp_kv_cache_manager_allocate_slots_ahead (m, a, 1, 1, FALSE, &error));
  g_assert_no_error (error);
  kvp_kv_cache_manager_add_output_tokens (m, a, 1);
  assert_valid (m);
  assert_table (m, a, 0, (const guint32[]) { 1, 2, END });
  g_assert_cmpuint (kvp_kv_cache_manager_get_num_computed_tokens (m, a), ==, 4);
  g_assert_true (is_cached (m, 1));
  g_assert_false (is_cached (m, 2));

  /* Freed now, the request leaves block 1 alone cached. */
  kvp_kv_cache_manager_remove_request (m, a);
  g_assert_cmpuint (n_cached_free (m), ==, 1);
}

typedef struct
{
  guint32 *queue;
  guint    n_queue;
  guint    refs[64];
  gboolean cached[64];
} PoolState;

static void
pool_state (KvpKvCacheManager *m,
            PoolState         *state)
{
  KvpBlockPool *pool = kvp_kv_cache_manager_get_pool (m);

  g_assert_cmpuint (kvp_block_pool_get_num_blocks (pool), <=, G_N_ELEMENTS (state->refs));
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
  g_assert_false (kvp_kv_cache_manager_allocate_slots (m, b, 20, FALSE, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_clear_error (&error);
  assert_pool_state (m, &before);
  g_free (before.queue);
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
  g_assert_false (kvp_kv_cache_manager_allocate_slots (m, c, 8, FALSE, &error));
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

/* vLLM v1's parallel sampling: n child requests with the same prompt.  The
 * first computes it; the others hit its full blocks as soon as they are
 * allocated (cached in the same step), and each gets its own last block. */
static void
test_parallel_sampling (void)
{
  const KvpTokenSegment prompt[] = { { KVP_TOKENS_PREFIX, 3, 4 }, { KVP_TOKENS_UNIQUE, 42, 6 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (16, 4, full_only, 1, TRUE);
  KvpKvRequestId child[3];
  KvpPrefixCacheStats stats;
  guint64 logical, physical;

  for (guint i = 0; i < 3; i++)
    child[i] = add (m, prompt, 2);
  g_assert_cmpuint (admit (m, child[0]), ==, 0);
  g_assert_cmpuint (admit (m, child[1]), ==, 8);
  g_assert_cmpuint (admit (m, child[2]), ==, 8);
  assert_table (m, child[0], 0, (const guint32[]) { 1, 2, 3, END });
  assert_table (m, child[1], 0, (const guint32[]) { 1, 2, 4, END });
  assert_table (m, child[2], 0, (const guint32[]) { 1, 2, 5, END });
  g_assert_cmpuint (ref_of (m, 1), ==, 3);
  g_assert_cmpuint (ref_of (m, 2), ==, 3);
  g_assert_cmpuint (ref_of (m, 3), ==, 1);

  /* Each sample writes its own tokens: its third block fills with them and
   * is cached under its own hash; nothing is shared past the prompt. */
  for (guint step = 0; step < 4; step++)
    for (guint i = 0; i < 3; i++)
      decode (m, child[i]);
  assert_table (m, child[0], 0, (const guint32[]) { 1, 2, 3, 6, END });
  assert_table (m, child[1], 0, (const guint32[]) { 1, 2, 4, 7, END });
  assert_table (m, child[2], 0, (const guint32[]) { 1, 2, 5, 8, END });
  for (guint32 b = 3; b <= 5; b++)
    {
      g_assert_true (is_cached (m, b));
      g_assert_cmpuint (ref_of (m, b), ==, 1);
    }

  stats = kvp_kv_cache_manager_get_stats (m);
  g_assert_cmpuint (stats.queries_tokens, ==, 30);
  g_assert_cmpuint (stats.hits_tokens, ==, 16);

  /* Figure 15's measure: 12 blocks named, 8 held — a third saved. */
  kvp_kv_cache_manager_count_blocks (m, &logical, &physical);
  g_assert_cmpuint (logical, ==, 12);
  g_assert_cmpuint (physical, ==, 8);

  /* Reference counts back to zero; the shared prompt is freed last. */
  for (guint i = 0; i < 3; i++)
    {
      kvp_kv_cache_manager_remove_request (m, child[i]);
      assert_valid (m);
    }
  for (guint32 b = 0; b < 16; b++)
    g_assert_cmpuint (ref_of (m, b), ==, 0);
  assert_queue (m, (const guint32[]) { 8, 7, 6, 9, 10, 11, 12, 13, 14, 15,
                                       3, 4, 5, 2, 1, END });
}

/* The paper's fork (beam search): the child shares every block; the first
 * write into the shared, partly filled last block copies it, whoever writes
 * first; the copy needs a free block of its own. */
static void
test_fork_cow (void)
{
  const KvpTokenSegment prompt[] = { { KVP_TOKENS_UNIQUE, 1, 10 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (6, 4, full_only, 1, TRUE);
  g_autoptr(GError) error = NULL;
  KvpKvRequestId parent, child, grandchild;
  PoolState before;

  parent = add (m, prompt, 1);
  admit (m, parent);
  kvp_kv_cache_manager_add_output_tokens (m, parent, 1);
  g_assert_true (kvp_kv_cache_manager_fork (m, parent, &child, &error));
  g_assert_no_error (error);
  assert_valid (m);
  assert_table (m, child, 0, (const guint32[]) { 1, 2, 3, END });
  g_assert_cmpuint (ref_of (m, 3), ==, 2);
  g_assert_cmpuint (kvp_kv_cache_manager_get_num_tokens (m, child), ==, 11);
  g_assert_cmpuint (kvp_kv_cache_manager_get_num_computed_tokens (m, child), ==, 10);

  /* The child writes first: block 3 (two tokens) is copied into 4. */
  decode (m, child);
  assert_table (m, child, 0, (const guint32[]) { 1, 2, 4, END });
  assert_table (m, parent, 0, (const guint32[]) { 1, 2, 3, END });
  g_assert_cmpuint (ref_of (m, 3), ==, 1);
  g_assert_cmpuint (kvp_block_pool_get_fill (kvp_kv_cache_manager_get_pool (m), 4), ==, 3);
  g_assert_cmpuint (kvp_block_pool_get_fill (kvp_kv_cache_manager_get_pool (m), 3), ==, 2);

  /* The parent then writes into its own block 3, no copy. */
  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, parent, 1, FALSE, &error));
  assert_table (m, parent, 0, (const guint32[]) { 1, 2, 3, END });
  assert_valid (m);

  /* A grandchild shares the child's partly filled 4; one block is free
   * (5), and writing 2 tokens needs the copy and a block past it. */
  g_assert_true (kvp_kv_cache_manager_fork (m, child, &grandchild, NULL));
  kvp_kv_cache_manager_add_output_tokens (m, grandchild, 2);
  pool_state (m, &before);
  g_assert_false (kvp_kv_cache_manager_allocate_slots (m, grandchild, 2, FALSE, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_clear_error (&error);
  assert_pool_state (m, &before);
  g_free (before.queue);
  g_assert_cmpuint (ref_of (m, 4), ==, 2);
  kvp_kv_cache_manager_add_output_tokens (m, child, 1);
  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, child, 1, FALSE, &error));
  assert_table (m, child, 0, (const guint32[]) { 1, 2, 5, END });
  assert_table (m, grandchild, 0, (const guint32[]) { 1, 2, 4, END });
  assert_valid (m);

  /* Counts back to zero. */
  kvp_kv_cache_manager_remove_request (m, grandchild);
  kvp_kv_cache_manager_remove_request (m, parent);
  kvp_kv_cache_manager_remove_request (m, child);
  assert_valid (m);
  for (guint32 b = 0; b < 6; b++)
    g_assert_cmpuint (ref_of (m, b), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (m)), ==, 5);
}

/* A hybrid model (gpt-oss: full attention and a sliding window of 8 here):
 * the groups are allocated together, and blocks that fall out of the window
 * go back to the pool — last one first — replaced by the null block, while
 * the full-attention group keeps all of its own. */
static void
test_sliding_window (void)
{
  const KvpKvGroupSpec groups[] = { { KVP_KV_GROUP_FULL, 0 }, { KVP_KV_GROUP_SLIDING_WINDOW, 8 } };
  const KvpTokenSegment a_prompt[] = { { KVP_TOKENS_PREFIX, 1, 20 } };
  const KvpTokenSegment b_prompt[] = { { KVP_TOKENS_PREFIX, 1, 20 }, { KVP_TOKENS_UNIQUE, 2, 5 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (32, 4, groups, 2, TRUE);
  guint64 logical, physical;
  KvpKvRequestId a, b;

  a = add (m, a_prompt, 1);
  admit (m, a);
  assert_table (m, a, 0, (const guint32[]) { 1, 2, 3, 4, 5, END });
  assert_table (m, a, 1, (const guint32[]) { 6, 7, 8, 9, 10, END });

  /* 20 computed: the next token sees tokens 13…20, so blocks 0-2 (tokens
   * 0-11) are skipped: 8 7 6 go to the tail, still cached. */
  decode (m, a);
  assert_table (m, a, 0, (const guint32[]) { 1, 2, 3, 4, 5, 11, END });
  assert_table (m, a, 1, (const guint32[]) { 0, 0, 0, 9, 10, 12, END });
  g_assert_cmpuint (ref_of (m, 6), ==, 0);
  g_assert_true (is_cached (m, 6));
  assert_queue (m, (const guint32[]) { 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                       25, 26, 27, 28, 29, 30, 31, 8, 7, 6, END });

  /* b shares a's first 20 tokens: full attention hits blocks 0-4; the
   * window needs only the last cdiv (8 − 1, 4) = 2, found right to left
   * (9 10); the skipped three are null, not 6 7 8. */
  b = add (m, b_prompt, 2);
  g_assert_cmpuint (admit (m, b), ==, 20);
  assert_table (m, b, 0, (const guint32[]) { 1, 2, 3, 4, 5, 13, 14, END });
  assert_table (m, b, 1, (const guint32[]) { 0, 0, 0, 9, 10, 15, 16, END });
  g_assert_cmpuint (ref_of (m, 9), ==, 2);
  g_assert_cmpuint (ref_of (m, 10), ==, 2);

  /* Decoding on with 25, 26, 27, 28 tokens computed: the window skips 4,
   * 4, 5, 5 blocks; 9 and 10 stay a's.  The 29th token takes a block in
   * each group, full attention's first. */
  for (guint i = 0; i < 4; i++)
    decode (m, b);
  assert_table (m, b, 0, (const guint32[]) { 1, 2, 3, 4, 5, 13, 14, 17, END });
  assert_table (m, b, 1, (const guint32[]) { 0, 0, 0, 0, 0, 15, 16, 18, END });
  assert_table (m, a, 1, (const guint32[]) { 0, 0, 0, 9, 10, 12, END });
  g_assert_cmpuint (ref_of (m, 9), ==, 1);
  g_assert_cmpuint (ref_of (m, 10), ==, 1);
  /* a: 6 + 3, b: 8 + 3 named; 1-5, 9-18 held (6 7 8 are cached, free). */
  kvp_kv_cache_manager_count_blocks (m, &logical, &physical);
  g_assert_cmpuint (logical, ==, 20);
  g_assert_cmpuint (physical, ==, 15);

  kvp_kv_cache_manager_remove_request (m, a);
  kvp_kv_cache_manager_remove_request (m, b);
  assert_valid (m);
  for (guint32 blk = 0; blk < 32; blk++)
    g_assert_cmpuint (ref_of (m, blk), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (m)), ==, 31);
}

/* Llama 4's chunked local attention (chunks of 8): a token sees only its own
 * chunk, so a finished chunk's blocks go back; and as vLLM's
 * ChunkedLocalAttentionManager does, a lookup counts the blocks before the
 * last token's chunk as computed (null) without any cached block. */
static void
test_chunked_local (void)
{
  const KvpKvGroupSpec groups[] = { { KVP_KV_GROUP_CHUNKED_LOCAL, 8 } };
  const KvpTokenSegment prompt[] = { { KVP_TOKENS_UNIQUE, 1, 15 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (12, 4, groups, 1, TRUE);
  KvpKvRequestId a, b;

  a = add (m, prompt, 1);
  g_assert_cmpuint (admit (m, a), ==, 8);
  assert_table (m, a, 0, (const guint32[]) { 0, 0, 1, 2, END });
  decode (m, a);     /* 15 computed: chunk 8-15 */
  assert_table (m, a, 0, (const guint32[]) { 0, 0, 1, 2, END });
  decode (m, a);     /* 16 computed: a new chunk, blocks 2-3 go, 2 first */
  assert_table (m, a, 0, (const guint32[]) { 0, 0, 0, 0, 3, END });
  assert_queue (m, (const guint32[]) { 4, 5, 6, 7, 8, 9, 10, 11, 2, 1, END });

  /* The same prompt: the last token's chunk starts at 8, and block 1
   * (tokens 8-11) is cached and free. */
  b = add (m, prompt, 1);
  g_assert_cmpuint (admit (m, b), ==, 12);
  assert_table (m, b, 0, (const guint32[]) { 0, 0, 1, 4, END });
  g_assert_cmpuint (ref_of (m, 1), ==, 1);
}

/* vLLM's scheduler_reserve_full_isl: a waiting request is admitted for its
 * first chunk only if its whole sequence fits — in a sliding or chunked
 * group, up to the blocks it can hold at once (admission_blocks). */
static void
test_full_sequence_must_fit (void)
{
  static const KvpKvGroupSpec window[] = { { KVP_KV_GROUP_SLIDING_WINDOW, 8, 3 } };
  const KvpTokenSegment prompt[] = { { KVP_TOKENS_UNIQUE, 1, 40 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (8, 4, full_only, 1, TRUE);
  g_autoptr(KvpKvCacheManager) w = new_manager (8, 4, window, 1, TRUE);
  g_autoptr(GError) error = NULL;
  KvpKvRequestId a, b;

  /* 40 tokens are 10 blocks; 7 are free. */
  a = add (m, prompt, 1);
  g_assert_cmpuint (kvp_kv_cache_manager_get_computed_blocks (m, a), ==, 0);
  g_assert_false (kvp_kv_cache_manager_allocate_slots (m, a, 8, TRUE, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (m)), ==, 7);
  g_assert_null (kvp_kv_cache_manager_get_block_table (m, a, 0, NULL));
  kvp_kv_cache_manager_get_computed_blocks (m, a);
  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, a, 8, FALSE, &error));
  assert_table (m, a, 0, (const guint32[]) { 1, 2, END });

  /* The window's group holds at most 3 blocks at once: admitted, and its
   * chunks of 8 never hold more than 4 (the window's 2 and the chunk's 2). */
  b = add (w, prompt, 1);
  kvp_kv_cache_manager_get_computed_blocks (w, b);
  g_assert_true (kvp_kv_cache_manager_allocate_slots (w, b, 8, TRUE, &error));
  g_assert_no_error (error);
  for (guint chunk = 1; chunk < 5; chunk++)
    {
      g_assert_true (kvp_kv_cache_manager_allocate_slots (w, b, 8, FALSE, &error));
      g_assert_no_error (error);
      assert_valid (w);
      g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (w)), >=, 3);
    }
  assert_table (w, b, 0, (const guint32[]) { 0, 0, 0, 0, 0, 0, 7, 2, 1, 4, END });
}

/* Without prefix caching nothing is looked up, nothing is cached, no query is
 * counted, and freed blocks go to the head of the queue (vLLM PR #51482). */
static void
test_caching_off (void)
{
  const KvpTokenSegment prompt[] = { { KVP_TOKENS_PREFIX, 1, 9 } };
  g_autoptr(KvpKvCacheManager) m = new_manager (8, 4, full_only, 1, FALSE);
  KvpKvRequestId a, b;
  KvpPrefixCacheStats stats;

  a = add (m, prompt, 1);
  b = add (m, prompt, 1);
  g_assert_cmpuint (admit (m, a), ==, 0);
  g_assert_cmpuint (admit (m, b), ==, 0);
  assert_table (m, b, 0, (const guint32[]) { 4, 5, 6, END });
  for (guint32 blk = 0; blk < 8; blk++)
    g_assert_false (is_cached (m, blk));
  kvp_kv_cache_manager_remove_request (m, a);
  assert_queue (m, (const guint32[]) { 3, 2, 1, 7, END });
  stats = kvp_kv_cache_manager_get_stats (m);
  g_assert_cmpuint (stats.requests, ==, 0);
  g_assert_cmpuint (stats.queries_tokens, ==, 0);
  g_assert_cmpfloat (kvp_prefix_cache_stats_hit_rate_percent (&stats), ==, 0.0);
}

/* Requests sharing prefixes in random order — admitted, decoded, preempted,
 * forked, finished — in every kind of group: after every step the pool and
 * every table check out, a refusal of a full-attention manager changes
 * nothing, and at the end every count is back to zero. */
typedef struct
{
  const char           *name;
  const KvpKvGroupSpec *groups;
  guint                 n_groups;
  gboolean              caching;
  guint32               num_blocks;
} RandomConfig;

static void
random_step (KvpKvCacheManager *m,
             GRand             *rand,
             GArray            *live,
             gboolean           windows)
{
  g_autoptr(GError) error = NULL;
  guint pick = g_rand_int_range (rand, 0, live->len);
  KvpKvRequestId r = g_array_index (live, KvpKvRequestId, pick);
  guint64 tokens = kvp_kv_cache_manager_get_num_tokens (m, r);
  guint64 computed = kvp_kv_cache_manager_get_num_computed_tokens (m, r);
  PoolState before;
  gboolean ok;

  if (tokens > 40)
    {
      /* Finished (also while waiting: a request too long for the pool). */
      kvp_kv_cache_manager_remove_request (m, r);
      g_array_remove_index_fast (live, pick);
      return;
    }

  if (kvp_kv_cache_manager_get_block_table (m, r, 0, NULL) == NULL && computed == 0)
    {
      guint64 hit = kvp_kv_cache_manager_get_computed_blocks (m, r);

      g_assert_cmpuint (hit, <, tokens);
      pool_state (m, &before);
      ok = kvp_kv_cache_manager_allocate_slots (m, r, tokens - hit, g_rand_boolean (rand), &error);
    }
  else
    {
      switch (g_rand_int_range (rand, 0, 6))
        {
        case 0:
          kvp_kv_cache_manager_free (m, r);
          return;
        case 1:
          kvp_kv_cache_manager_remove_request (m, r);
          g_array_remove_index_fast (live, pick);
          return;
        case 2:
          if (kvp_kv_cache_manager_fork (m, r, &r, NULL))
            g_array_append_val (live, r);
          return;
        default:
          break;
        }
      if (computed == tokens)
        kvp_kv_cache_manager_add_output_tokens (m, r, g_rand_int_range (rand, 1, 6));
      pool_state (m, &before);
      ok = kvp_kv_cache_manager_allocate_slots (m, r, kvp_kv_cache_manager_get_num_tokens (m, r) - computed, FALSE, &error);
    }

  if (!ok)
    {
      g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
      if (!windows)
        assert_pool_state (m, &before);
    }
  g_free (before.queue);
}

static void
test_random (gconstpointer data)
{
  const RandomConfig *config = data;
  g_autoptr(KvpKvCacheManager) m = new_manager (config->num_blocks, 4, config->groups, config->n_groups,
                                                config->caching);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260918);
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (KvpKvRequestId));
  gboolean windows = config->n_groups > 1 || config->groups[0].kind != KVP_KV_GROUP_FULL;
  KvpPrefixCacheStats stats;

  for (guint step = 0; step < 3000; step++)
    {
      if (live->len < 6 && g_rand_int_range (rand, 0, 3) == 0)
        {
          KvpTokenSegment prompt[2] = {
            { KVP_TOKENS_PREFIX, g_rand_int_range (rand, 0, 3), g_rand_int_range (rand, 0, 13) },
            { KVP_TOKENS_UNIQUE, step, g_rand_int_range (rand, 1, 30) },
          };
          KvpKvRequestId r = kvp_kv_cache_manager_add_request (m, prompt, 2);

          g_array_append_val (live, r);
        }
      if (live->len > 0)
        random_step (m, rand, live, windows);
      assert_valid (m);
    }

  for (guint i = 0; i < live->len; i++)
    kvp_kv_cache_manager_remove_request (m, g_array_index (live, KvpKvRequestId, i));
  assert_valid (m);
  for (guint32 b = 0; b < config->num_blocks; b++)
    g_assert_cmpuint (ref_of (m, b), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (m)), ==, config->num_blocks - 1);

  stats = kvp_kv_cache_manager_get_stats (m);
  g_test_message ("%" G_GUINT64_FORMAT " requests, %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  " tokens hit, %" G_GUINT64_FORMAT " preempted lookups, %" G_GUINT64_FORMAT " evicted",
                  stats.requests, stats.hits_tokens, stats.queries_tokens, stats.preempted_requests,
                  stats.evicted_blocks);
  g_assert_cmpuint (stats.hits_tokens, <=, stats.queries_tokens);
  if (config->caching)
    g_assert_cmpuint (stats.hits_tokens, >, 0);
  else
    g_assert_cmpuint (stats.queries_tokens + stats.evicted_blocks, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  static const KvpKvGroupSpec hybrid[] = {
    { KVP_KV_GROUP_SLIDING_WINDOW, 6 }, { KVP_KV_GROUP_FULL, 0 },
    { KVP_KV_GROUP_SLIDING_WINDOW, 6 }, { KVP_KV_GROUP_CHUNKED_LOCAL, 8 },
  };
  static const KvpKvGroupSpec window[] = { { KVP_KV_GROUP_SLIDING_WINDOW, 5 } };
  static const RandomConfig random_configs[] = {
    { "full", full_only, 1, TRUE, 16 },
    { "full-no-caching", full_only, 1, FALSE, 16 },
    { "sliding", window, 1, TRUE, 16 },
    { "hybrid", hybrid, 4, TRUE, 48 },
    { "hybrid-no-caching", hybrid, 4, FALSE, 48 },
  };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/kv-cache-manager/hash-chain", test_hash_chain);
  g_test_add_func ("/core/kv-cache-manager/design-doc", test_design_doc);
  g_test_add_func ("/core/kv-cache-manager/last-token", test_last_token);
  g_test_add_func ("/core/kv-cache-manager/lookahead", test_lookahead);
  g_test_add_func ("/core/kv-cache-manager/no-space", test_no_space);
  g_test_add_func ("/core/kv-cache-manager/parallel-sampling", test_parallel_sampling);
  g_test_add_func ("/core/kv-cache-manager/fork-cow", test_fork_cow);
  g_test_add_func ("/core/kv-cache-manager/sliding-window", test_sliding_window);
  g_test_add_func ("/core/kv-cache-manager/chunked-local", test_chunked_local);
  g_test_add_func ("/core/kv-cache-manager/caching-off", test_caching_off);
  g_test_add_func ("/core/kv-cache-manager/full-sequence-must-fit", test_full_sequence_must_fit);

  for (guint i = 0; i < G_N_ELEMENTS (random_configs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/kv-cache-manager/random/%s", random_configs[i].name);

      g_test_add_data_func (path, &random_configs[i], test_random);
    }

  return g_test_run ();
}
