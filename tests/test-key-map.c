/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-key-map.c: the prefix cache's open-addressing map against GLib's
 * hash table, through growth and deletions that shift probe runs back. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include "kvp-key-map.h"
#include "kvp-workload.h"

static void
assert_same (const KvpKeyMap *map,
             GHashTable      *reference,
             guint64          n_keys)
{
  g_assert_cmpuint (map->len, ==, g_hash_table_size (reference));
  for (guint64 k = 0; k < n_keys; k++)
    {
      guint64 key = k * G_GUINT64_CONSTANT (0x100000000);
      gpointer want = g_hash_table_lookup (reference, &key);

      g_assert_cmpuint (kvp_key_map_lookup (map, key), ==, GPOINTER_TO_UINT (want));
    }
}

/* Keys that differ only above bit 32 crowd a few home slots, so runs form
 * and wrap; every operation is checked against the reference. */
static void
test_against_reference (void)
{
  g_autoptr(GHashTable) reference = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  KvpKeyMap map;
  KvpRng rng;

  kvp_key_map_init (&map);
  kvp_rng_init (&rng, 7);
  for (guint step = 0; step < 20000; step++)
    {
      guint64 key = (kvp_rng_next (&rng) % 300) * G_GUINT64_CONSTANT (0x100000000);
      guint32 value = (guint32) (kvp_rng_next (&rng) % 1000) + 1;

      if (kvp_rng_next (&rng) % 3 == 0)
        {
          kvp_key_map_remove (&map, key);
          g_hash_table_remove (reference, &key);
        }
      else
        {
          kvp_key_map_insert (&map, key, value);
          g_hash_table_insert (reference, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (value));
        }
      if (step % 97 == 0)
        assert_same (&map, reference, 300);
    }
  assert_same (&map, reference, 300);

  /* Emptied, it answers nothing. */
  for (guint64 k = 0; k < 300; k++)
    kvp_key_map_remove (&map, k * G_GUINT64_CONSTANT (0x100000000));
  g_assert_cmpuint (map.len, ==, 0);
  g_assert_cmpuint (kvp_key_map_lookup (&map, 0), ==, 0);
  kvp_key_map_clear (&map);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/key-map/against-reference", test_against_reference);

  return g_test_run ();
}
