/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-buddy.c: the buddy allocator splits, merges, places lowest-address
 * first, and leaves the external fragmentation a reserve-ahead cache has. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include "kvp-buddy.h"
#include "kvp-error.h"
#include "kvp-workload.h"

static void
assert_valid (KvpBuddy *buddy)
{
  g_autoptr(GError) error = NULL;

  kvp_buddy_check (buddy, &error);
  g_assert_no_error (error);
}

static guint64
alloc (KvpBuddy *buddy,
       guint64   size)
{
  guint64 offset = G_MAXUINT64;

  g_assert_true (kvp_buddy_alloc (buddy, size, &offset));
  assert_valid (buddy);

  return offset;
}

static void
test_round_up (void)
{
  static const guint64 cases[][2] = {
    { 1, 1 }, { 2, 2 }, { 3, 4 }, { 25, 32 }, { 32, 32 }, { 33, 64 }, { 2048, 2048 }, { 2049, 4096 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (kvp_buddy_round_up (cases[i][0]), ==, cases[i][1]);
}

static void
test_split_merge (void)
{
  g_autoptr(KvpBuddy) buddy = kvp_buddy_new (16, NULL);

  g_assert_cmpuint (kvp_buddy_get_n_free_blocks (buddy), ==, 1);
  g_assert_cmpuint (kvp_buddy_get_largest_free (buddy), ==, 16);

  /* One slot splits 16 into 8 + 4 + 2 + 1 + the 1 handed out. */
  g_assert_cmpuint (alloc (buddy, 1), ==, 0);
  g_assert_cmpuint (kvp_buddy_get_n_free_blocks (buddy), ==, 4);
  g_assert_cmpuint (kvp_buddy_get_free_slots (buddy), ==, 15);
  g_assert_cmpuint (kvp_buddy_get_largest_free (buddy), ==, 8);

  /* 3 slots take a block of 4: the free one at 4. */
  g_assert_cmpuint (alloc (buddy, 3), ==, 4);
  /* The lowest free block of the right size wins: 1 at offset 1. */
  g_assert_cmpuint (alloc (buddy, 1), ==, 1);
  g_assert_cmpuint (kvp_buddy_get_free_slots (buddy), ==, 10);

  /* Freeing merges back, step by step, to the whole space. */
  kvp_buddy_release (buddy, 1);
  assert_valid (buddy);
  kvp_buddy_release (buddy, 0);
  assert_valid (buddy);
  /* 0–4 merged, but its buddy 4–8 is still taken: free are 0–4 and 8–16. */
  g_assert_cmpuint (kvp_buddy_get_n_free_blocks (buddy), ==, 2);
  g_assert_cmpuint (kvp_buddy_get_largest_free (buddy), ==, 8);
  kvp_buddy_release (buddy, 4);
  assert_valid (buddy);
  g_assert_cmpuint (kvp_buddy_get_n_free_blocks (buddy), ==, 1);
  g_assert_cmpuint (kvp_buddy_get_largest_free (buddy), ==, 16);
  g_assert_cmpuint (kvp_buddy_get_free_slots (buddy), ==, 16);
}

static void
test_fragmentation (void)
{
  g_autoptr(KvpBuddy) buddy = kvp_buddy_new (16, NULL);
  guint64 offset;

  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (alloc (buddy, 4), ==, 4 * i);
  g_assert_false (kvp_buddy_can_alloc (buddy, 1));
  g_assert_false (kvp_buddy_alloc (buddy, 1, &offset));

  /* Half the space free, in two holes that are not buddies: nothing of 8
   * fits.  That is external fragmentation. */
  kvp_buddy_release (buddy, 0);
  kvp_buddy_release (buddy, 8);
  assert_valid (buddy);
  g_assert_cmpuint (kvp_buddy_get_free_slots (buddy), ==, 8);
  g_assert_cmpuint (kvp_buddy_get_largest_free (buddy), ==, 4);
  g_assert_false (kvp_buddy_can_alloc (buddy, 5));
  g_assert_false (kvp_buddy_alloc (buddy, 8, &offset));
  g_assert_true (kvp_buddy_can_alloc (buddy, 4));

  /* Its buddy comes back: 0–8 merges and 8 slots fit again. */
  kvp_buddy_release (buddy, 4);
  assert_valid (buddy);
  g_assert_cmpuint (alloc (buddy, 8), ==, 0);
}

static void
test_not_power_of_two (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpBuddy) paper = kvp_buddy_new (15728, &error);
  g_autoptr(KvpBuddy) twelve = kvp_buddy_new (12, NULL);
  g_autoptr(KvpBuddy) bad = NULL;
  guint64 offset;

  /* The paper's OPT-13B pool: 8192 + 4096 + 2048 + 1024 + 256 + 64 + 32 + 16. */
  g_assert_no_error (error);
  g_assert_cmpuint (kvp_buddy_get_n_free_blocks (paper), ==, 8);
  g_assert_cmpuint (kvp_buddy_get_largest_block (paper), ==, 8192);
  /* Seven 2048-slot reservations (Max) fit, an eighth does not.  The
   * smallest block that fits goes first: the top block of 2048 at 12288,
   * then the 4096 at 8192 split in two, then the 8192 at 0. */
  g_assert_cmpuint (alloc (paper, 2048), ==, 12288);
  g_assert_cmpuint (alloc (paper, 2048), ==, 8192);
  g_assert_cmpuint (alloc (paper, 2048), ==, 10240);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (alloc (paper, 2048), ==, 2048 * i);
  g_assert_false (kvp_buddy_can_alloc (paper, 2048));
  g_assert_cmpuint (kvp_buddy_get_free_slots (paper), ==, 15728 - 7 * 2048);

  /* 12 = 8 + 4: the two top blocks never merge into 16. */
  g_assert_cmpuint (kvp_buddy_get_largest_free (twelve), ==, 8);
  g_assert_false (kvp_buddy_can_alloc (twelve, 12));
  g_assert_cmpuint (alloc (twelve, 4), ==, 8);
  kvp_buddy_release (twelve, 8);
  assert_valid (twelve);
  g_assert_cmpuint (kvp_buddy_get_n_free_blocks (twelve), ==, 2);
  g_assert_false (kvp_buddy_alloc (twelve, 16, &offset));

  bad = kvp_buddy_new (0, &error);
  g_assert_null (bad);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
}

/* Random allocations and frees against a plain slot map: no overlap, the
 * free count agrees, and everything merges back at the end. */
static void
test_random_against_model (void)
{
  const guint64 n_slots = 1000;
  g_autoptr(KvpBuddy) buddy = kvp_buddy_new (n_slots, NULL);
  g_autofree guint8 *used = g_new0 (guint8, n_slots);
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (guint64) * 2);
  KvpRng rng;

  kvp_rng_init (&rng, 42);
  for (guint round = 0; round < 4000; round++)
    {
      guint64 free_count = 0;

      if (live->len > 0 && kvp_rng_next (&rng) % 3 == 0)
        {
          guint pick = kvp_rng_next (&rng) % live->len;
          guint64 *entry = &g_array_index (live, guint64, 2 * pick);

          kvp_buddy_release (buddy, entry[0]);
          for (guint64 s = entry[0]; s < entry[0] + entry[1]; s++)
            used[s] = 0;
          g_array_remove_index_fast (live, pick);
        }
      else
        {
          guint64 size = 1 + kvp_rng_next (&rng) % 100;
          guint64 rounded = kvp_buddy_round_up (size);
          guint64 offset;
          gboolean can = kvp_buddy_can_alloc (buddy, size);

          g_assert_cmpint (can, ==, kvp_buddy_alloc (buddy, size, &offset));
          if (can)
            {
              guint64 entry[2] = { offset, rounded };

              g_assert_cmpuint (offset % rounded, ==, 0);
              g_assert_cmpuint (offset + rounded, <=, n_slots);
              for (guint64 s = offset; s < offset + rounded; s++)
                {
                  g_assert_cmpuint (used[s], ==, 0);
                  used[s] = 1;
                }
              g_array_append_vals (live, entry, 1);
            }
        }

      for (guint64 s = 0; s < n_slots; s++)
        free_count += used[s] == 0;
      g_assert_cmpuint (kvp_buddy_get_free_slots (buddy), ==, free_count);
      if (round % 97 == 0)
        assert_valid (buddy);
    }

  while (live->len > 0)
    {
      kvp_buddy_release (buddy, g_array_index (live, guint64, 0));
      g_array_remove_index_fast (live, 0);
    }
  assert_valid (buddy);
  /* 1000 = 512 + 256 + 128 + 64 + 32 + 8: six top blocks again. */
  g_assert_cmpuint (kvp_buddy_get_n_free_blocks (buddy), ==, 6);
  g_assert_cmpuint (kvp_buddy_get_free_slots (buddy), ==, n_slots);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/buddy/round-up", test_round_up);
  g_test_add_func ("/core/buddy/split-merge", test_split_merge);
  g_test_add_func ("/core/buddy/fragmentation", test_fragmentation);
  g_test_add_func ("/core/buddy/not-power-of-two", test_not_power_of_two);
  g_test_add_func ("/core/buddy/random-against-model", test_random_against_model);

  return g_test_run ();
}
