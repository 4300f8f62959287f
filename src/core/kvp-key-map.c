/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-key-map.c: linear probing, grown at half full, and deletion by
 * shifting the following entries back (no tombstones, so a lookup's probe
 * sequence never lengthens with churn). */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-key-map.h"

#define INITIAL_CAPACITY 64u

static inline guint32
home (const KvpKeyMap *map,
      guint64          key)
{
  /* Fibonacci hashing: the keys are hashes already, the multiply only
   * spreads any pattern a test's small keys have. */
  return (guint32) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32) & map->mask;
}

void
kvp_key_map_init (KvpKeyMap *map)
{
  g_return_if_fail (map != NULL);

  map->slots = g_new0 (KvpKeyMapSlot, INITIAL_CAPACITY);
  map->mask = INITIAL_CAPACITY - 1;
  map->len = 0;
}

void
kvp_key_map_clear (KvpKeyMap *map)
{
  g_return_if_fail (map != NULL);

  g_clear_pointer (&map->slots, g_free);
  map->mask = 0;
  map->len = 0;
}

guint32
kvp_key_map_lookup (const KvpKeyMap *map,
                    guint64          key)
{
  for (guint32 i = home (map, key);; i = (i + 1) & map->mask)
    {
      const KvpKeyMapSlot *slot = &map->slots[i];

      if (slot->value == 0)
        return 0;
      if (slot->key == key)
        return slot->value;
    }
}

static void
grow (KvpKeyMap *map)
{
  KvpKeyMapSlot *old = map->slots;
  guint32 old_capacity = map->mask + 1;

  map->slots = g_new0 (KvpKeyMapSlot, 2 * (gsize) old_capacity);
  map->mask = 2 * old_capacity - 1;
  map->len = 0;
  for (guint32 i = 0; i < old_capacity; i++)
    if (old[i].value != 0)
      kvp_key_map_insert (map, old[i].key, old[i].value);
  g_free (old);
}

void
kvp_key_map_insert (KvpKeyMap *map,
                    guint64    key,
                    guint32    value)
{
  g_return_if_fail (value != 0);

  if (2 * (map->len + 1) > map->mask + 1)
    grow (map);

  for (guint32 i = home (map, key);; i = (i + 1) & map->mask)
    {
      KvpKeyMapSlot *slot = &map->slots[i];

      if (slot->value == 0)
        {
          slot->key = key;
          slot->value = value;
          map->len++;
          return;
        }
      if (slot->key == key)
        {
          slot->value = value;
          return;
        }
    }
}

void
kvp_key_map_remove (KvpKeyMap *map,
                    guint64    key)
{
  guint32 i = home (map, key);

  while (map->slots[i].value != 0 && map->slots[i].key != key)
    i = (i + 1) & map->mask;
  if (map->slots[i].value == 0)
    return;

  /* Each following entry of the run moves into the hole unless its home
   * lies cyclically in (hole, j]: then it is reachable where it is. */
  for (guint32 j = (i + 1) & map->mask; map->slots[j].value != 0; j = (j + 1) & map->mask)
    {
      guint32 h = home (map, map->slots[j].key);
      gboolean stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);

      if (!stays)
        {
          map->slots[i] = map->slots[j];
          i = j;
        }
    }
  map->slots[i].value = 0;
  map->len--;
}
