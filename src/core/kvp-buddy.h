/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-buddy.h: a binary buddy allocator over a space of token slots, the way
 * reserve-ahead servers (the PagedAttention paper's Orca baselines) place
 * one contiguous reservation per request. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sizes are in token slots.  A space that is not a power of two is cut into
 * its binary digits, largest first (15,728 = 8192 + 4096 + 2048 + 1024 + 256
 * + 64 + 32 + 16): those top blocks split but never merge with each other. */
#define KVP_BUDDY_MAX_SLOTS (G_GUINT64_CONSTANT (1) << 40)

typedef struct _KvpBuddy KvpBuddy;

KvpBuddy   *kvp_buddy_new              (guint64    n_slots,
                                        GError   **error);
void        kvp_buddy_free             (KvpBuddy  *self);

/* The smallest power of two ≥ size (size ≥ 1). */
guint64     kvp_buddy_round_up         (guint64    size);

/* Takes a block of kvp_buddy_round_up (size) slots, the lowest-addressed
 * free one of the smallest order that fits, splitting larger blocks as
 * needed.  FALSE, with nothing changed, when no free block is big enough:
 * a normal outcome, not an error.  O(log slots). */
gboolean    kvp_buddy_alloc            (KvpBuddy  *self,
                                        guint64    size,
                                        guint64   *out_offset);
/* Whether kvp_buddy_alloc (size) would succeed.  O(log slots). */
gboolean    kvp_buddy_can_alloc        (KvpBuddy  *self,
                                        guint64    size);
/* Gives back the block at offset, merging it with its free buddy, repeatedly. */
void        kvp_buddy_release          (KvpBuddy  *self,
                                        guint64    offset);

guint64     kvp_buddy_get_free_slots   (KvpBuddy  *self);
/* The largest block kvp_buddy_alloc could hand out now; 0 when full. */
guint64     kvp_buddy_get_largest_free (KvpBuddy  *self);
/* The largest block the empty space holds: the biggest request that can
 * ever fit. */
guint64     kvp_buddy_get_largest_block (KvpBuddy *self);
/* Free blocks now, in all orders (the fragmentation tests count them). */
guint       kvp_buddy_get_n_free_blocks (KvpBuddy *self);

/* Checks that free and allocated blocks tile the space without overlap and
 * that no two free buddies are left unmerged; for tests.  O(blocks). */
gboolean    kvp_buddy_check            (KvpBuddy  *self,
                                        GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpBuddy, kvp_buddy_free)

G_END_DECLS
