/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-key-map.h: the prefix cache's map from a block's 64-bit key to a
 * block, open addressing with linear probing: a lookup is a multiply and,
 * at a load of at most one half, one or two probes, where GHashTable calls
 * a hash and an equality function through pointers. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 key;
  guint32 value;   /* 0: an empty slot */
} KvpKeyMapSlot;

typedef struct
{
  KvpKeyMapSlot *slots;
  guint32        mask;   /* capacity − 1, a power of two less one */
  guint32        len;
} KvpKeyMap;

void     kvp_key_map_init   (KvpKeyMap *map);
void     kvp_key_map_clear  (KvpKeyMap *map);
/* The value stored for key, or 0. */
guint32  kvp_key_map_lookup (const KvpKeyMap *map,
                             guint64          key);
/* Stores value (not 0) for key, replacing any. */
void     kvp_key_map_insert (KvpKeyMap *map,
                             guint64    key,
                             guint32    value);
void     kvp_key_map_remove (KvpKeyMap *map,
                             guint64    key);

G_END_DECLS
