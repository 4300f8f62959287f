/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-beam-search.c: beam candidates keep the width, share the prompt's
 * blocks, copy a shared last block on write, follow their seed, and give
 * every block back. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <string.h>

#include "kvp-beam-search.h"
#include "kvp-error.h"

static const KvpKvGroupSpec full_only[] = { { KVP_KV_GROUP_FULL, 0, 0 } };

static void
assert_valid (KvpKvCacheManager *m)
{
  g_autoptr(GError) error = NULL;

  kvp_kv_cache_manager_check (m, &error);
  g_assert_no_error (error);
}

/* A request of prompt_len tokens, computed, its first token sampled. */
static KvpKvRequestId
start (KvpKvCacheManager *m,
       guint64            prompt_len)
{
  const KvpTokenSegment prompt[] = { { KVP_TOKENS_UNIQUE, 1, prompt_len } };
  KvpKvRequestId r = kvp_kv_cache_manager_add_request (m, prompt, 1);

  g_assert_cmpuint (kvp_kv_cache_manager_get_computed_blocks (m, r), ==, 0);
  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, r, prompt_len, TRUE, NULL));
  kvp_kv_cache_manager_add_output_tokens (m, r, 1);

  return r;
}

/* Every step: width candidates, one length, the prompt's 5 full blocks
 * shared by all (they all descend from the request), the pool checked. */
static void
test_width (void)
{
  g_autoptr(KvpKvCacheManager) m = kvp_kv_cache_manager_new (256, 4, full_only, 1, TRUE, NULL);
  KvpKvRequestId r = start (m, 20);
  g_autoptr(KvpBeamSearch) beam = kvp_beam_search_new (m, r, 4, 7);
  const guint32 *table;
  guint32 prompt_blocks[5];
  guint n;

  table = kvp_kv_cache_manager_get_block_table (m, r, 0, &n);
  g_assert_cmpuint (n, ==, 5);
  memcpy (prompt_blocks, table, sizeof prompt_blocks);

  for (guint step = 0; step < 30; step++)
    {
      const KvpKvRequestId *c;

      g_assert_true (kvp_beam_search_step (beam, NULL));
      assert_valid (m);
      c = kvp_beam_search_get_candidates (beam, &n);
      g_assert_cmpuint (n, ==, 4);
      for (guint i = 0; i < n; i++)
        {
          g_assert_cmpuint (kvp_kv_cache_manager_get_num_tokens (m, c[i]), ==, 22 + step);
          g_assert_cmpuint (kvp_kv_cache_manager_get_block_table (m, c[i], 0, NULL)[0], ==, prompt_blocks[0]);
        }
      for (guint b = 0; b < 5; b++)
        g_assert_cmpuint (kvp_block_pool_get_ref_count (kvp_kv_cache_manager_get_pool (m), prompt_blocks[b]), ==, 4);
    }

  kvp_beam_search_remove_all (beam);
  assert_valid (m);
  for (guint32 b = 0; b < 256; b++)
    g_assert_cmpuint (kvp_block_pool_get_ref_count (kvp_kv_cache_manager_get_pool (m), b), ==, 0);
  g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (m)), ==, 255);
}

static GPtrArray *
tables_after (guint64 seed,
              guint   steps,
              guint64 *out_logical,
              guint64 *out_physical)
{
  g_autoptr(KvpKvCacheManager) m = kvp_kv_cache_manager_new (256, 4, full_only, 1, TRUE, NULL);
  g_autoptr(KvpBeamSearch) beam = kvp_beam_search_new (m, start (m, 10), 3, seed);
  GPtrArray *tables = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  const KvpKvRequestId *c;
  guint n;

  for (guint step = 0; step < steps; step++)
    g_assert_true (kvp_beam_search_step (beam, NULL));

  c = kvp_beam_search_get_candidates (beam, &n);
  for (guint i = 0; i < n; i++)
    {
      guint len;
      const guint32 *t = kvp_kv_cache_manager_get_block_table (m, c[i], 0, &len);
      GArray *copy = g_array_new (FALSE, FALSE, sizeof (guint32));

      g_array_append_vals (copy, t, len);
      g_ptr_array_add (tables, copy);
    }
  kvp_kv_cache_manager_count_blocks (m, out_logical, out_physical);

  return tables;
}

static gboolean
same_tables (GPtrArray *a,
             GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      GArray *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);

      if (x->len != y->len || memcmp (x->data, y->data, x->len * sizeof (guint32)) != 0)
        return FALSE;
    }
  return TRUE;
}

/* The same seed gives the same candidates block for block; another seed
 * other ones.  Sharing saves blocks: fewer held than the tables name. */
static void
test_seeded (void)
{
  guint64 l1, p1, l2, p2, l3, p3;
  g_autoptr(GPtrArray) a = tables_after (1, 40, &l1, &p1);
  g_autoptr(GPtrArray) b = tables_after (1, 40, &l2, &p2);
  g_autoptr(GPtrArray) c = tables_after (2, 40, &l3, &p3);

  g_assert_true (same_tables (a, b));
  g_assert_false (same_tables (a, c));
  g_assert_cmpuint (l1, ==, l2);
  g_assert_cmpuint (p1, ==, p2);
  /* 3 candidates of 51 tokens: 13 blocks each, 39 named; the prompt's 2
   * full blocks at least are held once. */
  g_assert_cmpuint (l1, ==, 39);
  g_assert_cmpuint (p1, <=, 39 - 2 * 2);
  g_assert_cmpuint (p1, >=, 13);
}

/* A pool too small for the candidates' copies: the step says so, and every
 * block comes back. */
static void
test_no_space (void)
{
  g_autoptr(KvpKvCacheManager) m = kvp_kv_cache_manager_new (6, 4, full_only, 1, TRUE, NULL);
  g_autoptr(KvpBeamSearch) beam = kvp_beam_search_new (m, start (m, 10), 8, 3);
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  for (guint step = 0; step < 20 && ok; step++)
    ok = kvp_beam_search_step (beam, &error);
  g_assert_false (ok);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE);
  assert_valid (m);
  kvp_beam_search_remove_all (beam);
  assert_valid (m);
  g_assert_cmpuint (kvp_block_pool_get_num_free (kvp_kv_cache_manager_get_pool (m)), ==, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/beam-search/width", test_width);
  g_test_add_func ("/core/beam-search/seeded", test_seeded);
  g_test_add_func ("/core/beam-search/no-space", test_no_space);

  return g_test_run ();
}
