/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-buddy.c: a binary buddy allocator over token slots.  Only blocks are
 * stored, never slots, so a space of billions of slots costs what its few
 * hundred reservations cost. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"


#include <glib/gi18n-lib.h>

#include "kvp-buddy.h"
#include "kvp-error.h"
#include "kvp-format.h"

#define MAX_ORDER 41 /* 2^40 slots */

typedef struct
{
  guint64  offset;   /* first member: the hash table keys on it */
  guint    order;
  gboolean free;
} Block;

struct _KvpBuddy
{
  guint64     n_slots;
  guint64     free_slots;
  guint       top_order;          /* order of the largest top block */
  GHashTable *blocks;             /* &offset → Block, free and allocated */
  GTree      *free_lists[MAX_ORDER]; /* Block → Block, by offset: lowest first */
  guint       n_free[MAX_ORDER];
};

static int
compare_blocks (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  guint64 x = ((const Block *) a)->offset;
  guint64 y = ((const Block *) b)->offset;

  return (x > y) - (x < y);
}

static guint
order_of (guint64 size)
{
  guint order = 0;

  while ((G_GUINT64_CONSTANT (1) << order) < size)
    order++;

  return order;
}

static Block *
add_free (KvpBuddy *self,
          guint64   offset,
          guint     order)
{
  Block *block = g_new (Block, 1);

  block->offset = offset;
  block->order = order;
  block->free = TRUE;
  g_hash_table_add (self->blocks, block);
  g_tree_insert (self->free_lists[order], block, block);
  self->n_free[order]++;

  return block;
}

static void
take_free (KvpBuddy *self,
           Block    *block)
{
  g_assert (block->free);

  g_tree_remove (self->free_lists[block->order], block);
  self->n_free[block->order]--;
  block->free = FALSE;
}

static void
destroy_block (KvpBuddy *self,
               Block    *block)
{
  g_hash_table_remove (self->blocks, &block->offset);
}

static gint
smallest_order_with_free (KvpBuddy *self,
                          guint     order)
{
  for (guint k = order; k < MAX_ORDER; k++)
    if (self->n_free[k] > 0)
      return (gint) k;

  return -1;
}

guint64
kvp_buddy_round_up (guint64 size)
{
  g_return_val_if_fail (size >= 1 && size <= KVP_BUDDY_MAX_SLOTS, 0);

  return G_GUINT64_CONSTANT (1) << order_of (size);
}

KvpBuddy *
kvp_buddy_new (guint64   n_slots,
               GError  **error)
{
  KvpBuddy *self;
  guint64 offset = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_slots < 1 || n_slots > KVP_BUDDY_MAX_SLOTS)
    {
      g_autofree char *slots = kvp_format_count (n_slots);
      g_autofree char *most = kvp_format_count (KVP_BUDDY_MAX_SLOTS);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("A buddy allocator over %s slots is out of range: use 1 to %s."),
                   slots, most);
      return NULL;
    }

  self = g_new0 (KvpBuddy, 1);
  self->n_slots = n_slots;
  self->free_slots = n_slots;
  self->blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  for (guint k = 0; k < MAX_ORDER; k++)
    self->free_lists[k] = g_tree_new_full (compare_blocks, NULL, NULL, NULL);

  /* Largest first, so each top block starts at a multiple of its size and
   * buddies are found by flipping one bit of the offset. */
  for (gint k = MAX_ORDER - 1; k >= 0; k--)
    {
      if ((n_slots >> k) & 1)
        {
          if (offset == 0)
            self->top_order = (guint) k;
          add_free (self, offset, (guint) k);
          offset += G_GUINT64_CONSTANT (1) << k;
        }
    }

  return self;
}

void
kvp_buddy_free (KvpBuddy *self)
{
  if (self == NULL)
    return;

  for (guint k = 0; k < MAX_ORDER; k++)
    g_tree_destroy (self->free_lists[k]);
  g_hash_table_destroy (self->blocks);
  g_free (self);
}

gboolean
kvp_buddy_can_alloc (KvpBuddy *self,
                     guint64   size)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (size >= 1, FALSE);

  return size <= self->n_slots && smallest_order_with_free (self, order_of (size)) >= 0;
}

gboolean
kvp_buddy_alloc (KvpBuddy *self,
                 guint64   size,
                 guint64  *out_offset)
{
  Block *block;
  guint order;
  gint k;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (size >= 1, FALSE);
  g_return_val_if_fail (out_offset != NULL, FALSE);

  if (size > self->n_slots)
    return FALSE;

  order = order_of (size);
  k = smallest_order_with_free (self, order);
  if (k < 0)
    return FALSE;

  block = g_tree_node_value (g_tree_node_first (self->free_lists[k]));
  take_free (self, block);

  /* Split down to the order asked for; the upper halves stay free. */
  while (block->order > order)
    {
      block->order--;
      add_free (self, block->offset + (G_GUINT64_CONSTANT (1) << block->order), block->order);
    }

  self->free_slots -= G_GUINT64_CONSTANT (1) << order;
  *out_offset = block->offset;

  return TRUE;
}

void
kvp_buddy_release (KvpBuddy *self,
                   guint64   offset)
{
  Block *block;

  g_return_if_fail (self != NULL);

  block = g_hash_table_lookup (self->blocks, &offset);
  g_return_if_fail (block != NULL && !block->free);

  self->free_slots += G_GUINT64_CONSTANT (1) << block->order;

  /* Merge while the buddy is free, whole (same order) and the pair stays
   * inside the space: an aligned pair inside [0, n_slots) lies inside one
   * top block, so top blocks never merge. */
  for (;;)
    {
      guint64 size = G_GUINT64_CONSTANT (1) << block->order;
      guint64 buddy_offset = block->offset ^ size;
      guint64 start = MIN (block->offset, buddy_offset);
      Block *buddy;

      if (start + 2 * size > self->n_slots)
        break;

      buddy = g_hash_table_lookup (self->blocks, &buddy_offset);
      if (buddy == NULL || !buddy->free || buddy->order != block->order)
        break;

      take_free (self, buddy);
      if (buddy->offset < block->offset)
        {
          Block *tmp = block;

          block = buddy;
          buddy = tmp;
        }
      destroy_block (self, buddy);
      block->order++;
    }

  block->free = TRUE;
  g_tree_insert (self->free_lists[block->order], block, block);
  self->n_free[block->order]++;
}

guint64
kvp_buddy_get_free_slots (KvpBuddy *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->free_slots;
}

guint64
kvp_buddy_get_largest_free (KvpBuddy *self)
{
  g_return_val_if_fail (self != NULL, 0);

  for (gint k = MAX_ORDER - 1; k >= 0; k--)
    if (self->n_free[k] > 0)
      return G_GUINT64_CONSTANT (1) << k;

  return 0;
}

guint64
kvp_buddy_get_largest_block (KvpBuddy *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return G_GUINT64_CONSTANT (1) << self->top_order;
}

guint
kvp_buddy_get_n_free_blocks (KvpBuddy *self)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint k = 0; k < MAX_ORDER; k++)
    n += self->n_free[k];

  return n;
}

static int
compare_block_ptrs (gconstpointer a,
                    gconstpointer b)
{
  return compare_blocks (*(Block * const *) a, *(Block * const *) b, NULL);
}

static gboolean
check_failed (GError     **error,
              const char  *what)
{
  g_set_error (error, KVP_ERROR, KVP_ERROR_FAILED, "buddy allocator: %s", what);
  return FALSE;
}

gboolean
kvp_buddy_check (KvpBuddy  *self,
                 GError   **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint64 offset = 0;
  guint64 free_slots = 0;
  guint n_free[MAX_ORDER] = { 0 };

  g_return_val_if_fail (self != NULL, FALSE);

  g_hash_table_iter_init (&iter, self->blocks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, value);
  g_ptr_array_sort (all, compare_block_ptrs);

  for (guint i = 0; i < all->len; i++)
    {
      const Block *block = all->pdata[i];
      guint64 size = G_GUINT64_CONSTANT (1) << block->order;

      if (block->offset != offset)
        return check_failed (error, "blocks leave a gap or overlap");
      if (block->offset % size != 0)
        return check_failed (error, "a block is not aligned to its size");
      if (block->free)
        {
          guint64 buddy_offset = block->offset ^ size;
          const Block *buddy = g_hash_table_lookup (self->blocks, &buddy_offset);

          free_slots += size;
          n_free[block->order]++;
          if (g_tree_lookup (self->free_lists[block->order], block) != block)
            return check_failed (error, "a free block is missing from its free list");
          if (buddy != NULL && buddy->free && buddy->order == block->order &&
              MIN (block->offset, buddy_offset) + 2 * size <= self->n_slots)
            return check_failed (error, "two free buddies were not merged");
        }
      offset += size;
    }

  if (offset != self->n_slots)
    return check_failed (error, "blocks do not cover the space");
  if (free_slots != self->free_slots)
    return check_failed (error, "the free slot count is wrong");
  for (guint k = 0; k < MAX_ORDER; k++)
    if (n_free[k] != self->n_free[k] || (guint) g_tree_nnodes (self->free_lists[k]) != n_free[k])
      return check_failed (error, "a free list count is wrong");

  return TRUE;
}
