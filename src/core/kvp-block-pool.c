/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-block-pool.c: the PagedAttention block allocator behind every block kvpage
 * draws — a FIFO free queue, block tables, shared blocks and copy-on-write. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "kvp-block-pool.h"
#include "kvp-key-map.h"
#include "kvp-error.h"
#include "kvp-format.h"

/* A reference count is stored in 16 bits to keep a block's bookkeeping small. */
#define REF_MAX G_MAXUINT16

/* Sequence ids are indices into the pool's array and are never reused: an id
 * kept after kvp_block_pool_free_sequence() stays unknown instead of silently
 * naming somebody else's sequence. */
typedef struct
{
  GArray  *table;   /* guint32 physical block per logical block; NULL once freed */
  guint64  length;  /* tokens */
} Sequence;

struct _KvpBlockPool
{
  gatomicrefcount  ref_count;

  guint32          num_blocks;
  guint32          block_size;
  guint32          num_free;

  /* The free queue, head to tail: the front part of the ring (blocks freed
   * to the head), then the blocks never handed out, [next_fresh,
   * num_blocks), then the rest of the ring (blocks freed to the tail).  A
   * block freed to either end lands outside the never-used run, so a counter
   * stands for that run and a new pool costs nothing per block.  The ring is
   * a deque read in order, as fast as the FIFO it replaces; a prefix-cache
   * hit takes a block out of the middle (vLLM's FreeKVCacheBlockQueue is a
   * linked list for that) by forgetting its slot, leaving a stale entry that
   * the head skips.  Only a pool with caching has stale entries, a qpos[]
   * and room for them (2 × num_blocks slots). */
  guint32          next_fresh;
  guint32         *ring;
  guint32          ring_cap;
  guint32          ring_head;
  guint32          ring_len;    /* slots in use, stale ones included */
  guint32          front_len;   /* of them, the front part's */
  guint32          n_stale;
  guint32         *qpos;        /* a queued block's slot, or KVP_BLOCK_NONE */

  /* Struct of arrays: with the links, 16 bytes per block.  The calloc'd
   * pages stay untouched until a block is used. */
  guint16         *ref;
  guint16         *fill;       /* slots some holder still needs */
  guint32         *logical;    /* a block sits at this index in every holder */

  GArray          *seqs;       /* Sequence, indexed by KvpSeqId */

  /* Holders of a shared block may keep different numbers of its slots once
   * one of them shrinks, and its fill is the most any of them keeps.  For
   * blocks with two or more holders this counts the holders that keep fewer
   * than block_size slots, by how many: (block, usage) → holders, and
   * (block, 0) → all such holders.  Only a sequence's last block can be
   * partly used, so the table holds at most two entries per sequence. */
  GHashTable      *partial;    /* guint64 key → GUINT_TO_POINTER (count) */

  /* vLLM's block 0: never free, never holding a token, standing in a block
   * table for blocks a sliding window no longer needs; its reference count
   * is not kept.  KVP_BLOCK_NONE until kvp_block_pool_reserve_null_block(). */
  guint32          null_block;

  /* The prefix cache, allocated with the first cached block: a full block's
   * key (its hash, chained over its tokens and the ones before it), kept
   * while the block is free until a new use takes it from the queue.  Blocks
   * with equal keys (vLLM does not deduplicate) form a chain in the order
   * they were cached, and a lookup answers the first. */
  guint64         *key;
  guint8          *keyed;      /* bitmap: the block has a key */
  guint32         *same_next;  /* next block with the same key */
  KvpKeyMap       *cache;      /* key → first + 1, the first block with it */
  guint32          n_keyed;
  guint64          n_evicted;
  /* Of the keyed blocks, the free ones (vLLM's evictable "cached" blocks in
   * the free queue), kept at every change of a keyed block's reference
   * count between 0 and 1; and, when a caller asked, each change logged
   * (kvp_block_pool_set_cached_free_log) so a replay can rebuild the set. */
  guint32          n_cached_free;
  GArray          *cached_free_log;
};

static inline guint64
blocks_for (guint64 tokens,
            guint32 block_size)
{
  /* Not (tokens + B - 1) / B: that wraps for lengths near 2^64. */
  return tokens / block_size + (tokens % block_size != 0);
}

/* Tokens a sequence of this length keeps in its logical block i. */
static inline guint
usage_of (guint64 length,
          guint64 logical,
          guint32 block_size)
{
  guint64 start = logical * block_size;

  g_assert (length > start);

  return (guint) MIN (length - start, (guint64) block_size);
}

static Sequence *
lookup (KvpBlockPool *self,
        KvpSeqId      seq)
{
  Sequence *s;

  if (seq >= self->seqs->len)
    return NULL;

  s = &g_array_index (self->seqs, Sequence, seq);

  return s->table != NULL ? s : NULL;
}

static Sequence *
lookup_or_error (KvpBlockPool  *self,
                 KvpSeqId       seq,
                 GError       **error)
{
  Sequence *s = lookup (self, seq);

  if (s == NULL)
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 _("There is no sequence %u in the block pool"), seq);

  return s;
}

static KvpSeqId
new_sequence (KvpBlockPool *self)
{
  Sequence s = { NULL, 0 };

  /* Four billion sequences would need tens of gigabytes of bookkeeping first. */
  if G_UNLIKELY (self->seqs->len == G_MAXUINT32)
    g_error ("The block pool ran out of sequence ids");

  s.table = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (self->seqs, s);

  return self->seqs->len - 1;
}

static inline gboolean
has_key (KvpBlockPool *self,
         guint32       block)
{
  return self->keyed != NULL && (self->keyed[block / 8] & (1u << (block % 8))) != 0;
}

/* The block became a cached free block (entering) or stopped being one. */
static inline void
cached_free_changed (KvpBlockPool *self,
                     guint32       block,
                     gboolean      entering)
{
  guint32 entry = entering ? block : block | KVP_BLOCK_POOL_CACHED_FREE_LEAVES;

  if (entering)
    self->n_cached_free++;
  else
    self->n_cached_free--;
  if (self->cached_free_log != NULL)
    g_array_append_val (self->cached_free_log, entry);
}

/* The ring's slot k from the head. */
static inline guint32
slot_at (KvpBlockPool *self,
         guint32       k)
{
  guint32 slot = self->ring_head + k;

  return slot >= self->ring_cap ? slot - self->ring_cap : slot;
}

static inline gboolean
is_stale (KvpBlockPool *self,
          guint32       slot)
{
  return self->n_stale > 0 && self->qpos[self->ring[slot]] != slot;
}

/* A hit takes a free block out of the middle of the queue. */
static void
unqueue (KvpBlockPool *self,
         guint32       block)
{
  g_assert (self->qpos != NULL && self->qpos[block] != KVP_BLOCK_NONE);

  self->qpos[block] = KVP_BLOCK_NONE;
  self->n_stale++;
}

/* The ring without its stale entries, from slot 0. */
static void
compact (KvpBlockPool *self)
{
  g_autofree guint32 *live = NULL;
  guint32 n = 0, front = 0;

  if (self->n_stale == 0)
    return;

  live = g_new (guint32, self->ring_len);

  for (guint32 k = 0; k < self->ring_len; k++)
    {
      guint32 slot = slot_at (self, k);

      if (is_stale (self, slot))
        continue;
      front += k < self->front_len;
      live[n++] = self->ring[slot];
    }

  memcpy (self->ring, live, n * sizeof (guint32));
  for (guint32 k = 0; k < n; k++)
    self->qpos[live[k]] = k;
  self->ring_head = 0;
  self->ring_len = n;
  self->front_len = front;
  self->n_stale = 0;
}

/* The head's slot, stale ones dropped first. */
static guint32
take_head (KvpBlockPool *self)
{
  guint32 block = self->ring[self->ring_head];

  if (++self->ring_head == self->ring_cap)
    self->ring_head = 0;
  self->ring_len--;
  if (self->front_len > 0)
    self->front_len--;

  return block;
}

static void
drop_stale_head (KvpBlockPool *self)
{
  while (self->ring_len > 0 && is_stale (self, self->ring_head))
    {
      take_head (self);
      self->n_stale--;
    }
}

/* Forgets the block's key: it is about to hold other tokens. */
static void
evict (KvpBlockPool *self,
       guint32       block)
{
  guint32 first;
  guint32 value;

  g_assert (has_key (self, block));

  value = kvp_key_map_lookup (self->cache, self->key[block]);
  g_assert (value != 0);
  first = value - 1;

  if (first == block)
    {
      /* The map names the first block of the key: hand it on. */
      if (self->same_next[block] != KVP_BLOCK_NONE)
        kvp_key_map_insert (self->cache, self->key[block], self->same_next[block] + 1);
      else
        kvp_key_map_remove (self->cache, self->key[block]);
    }
  else
    {
      guint32 b = first;

      while (self->same_next[b] != block)
        b = self->same_next[b];
      self->same_next[b] = self->same_next[block];
    }

  self->keyed[block / 8] &= ~(1u << (block % 8));
  self->n_keyed--;
  self->n_evicted++;
}

/* The head of the free queue. */
G_ALWAYS_INLINE static inline guint32
pop_free (KvpBlockPool *self)
{
  guint32 block;

  g_assert (self->num_free > 0);

  if (self->n_stale > 0)
    drop_stale_head (self);
  if (self->front_len == 0 && self->next_fresh < self->num_blocks)
    {
      block = self->next_fresh++;
    }
  else
    {
      g_assert (self->ring_len > 0);
      block = take_head (self);
      if (self->qpos != NULL)
        self->qpos[block] = KVP_BLOCK_NONE;
    }

  self->num_free--;

  return block;
}

/* A block taken for new tokens, as vLLM's get_new_blocks takes it: a cached
 * one is evicted.  Inlined into the loops that take blocks, the pool's
 * hottest path. */
G_ALWAYS_INLINE static inline guint32
take_free (KvpBlockPool *self)
{
  guint32 block = pop_free (self);

  if (G_UNLIKELY (self->keyed != NULL) && has_key (self, block))
    {
      cached_free_changed (self, block, FALSE);
      evict (self, block);
    }

  return block;
}

static void
push_free (KvpBlockPool *self,
           guint32       block)
{
  guint32 slot;

  if (self->ring_len == self->ring_cap)
    compact (self);
  g_assert (self->ring_len < self->ring_cap);

  slot = slot_at (self, self->ring_len);
  self->ring[slot] = block;
  if (self->qpos != NULL)
    self->qpos[block] = slot;
  self->ring_len++;
  self->num_free++;
}

/* To the head of the queue, in front of the never-used blocks too. */
static void
push_free_front (KvpBlockPool *self,
                 guint32       block)
{
  if (self->ring_len == self->ring_cap)
    compact (self);
  g_assert (self->ring_len < self->ring_cap);

  self->ring_head = self->ring_head == 0 ? self->ring_cap - 1 : self->ring_head - 1;
  self->ring[self->ring_head] = block;
  if (self->qpos != NULL)
    self->qpos[block] = self->ring_head;
  self->ring_len++;
  self->front_len++;
  self->num_free++;
}

/* vLLM's prepend_n: the list keeps its order in front of the queue. */
static void
push_all_front (KvpBlockPool *self,
                GArray       *blocks)
{
  for (guint i = blocks->len; i > 0; i--)
    push_free_front (self, g_array_index (blocks, guint32, i - 1));
}

static inline guint64
partial_key (guint32 block,
             guint   usage)
{
  return ((guint64) block << 16) | usage;
}

static guint
partial_get (KvpBlockPool *self,
             guint32       block,
             guint         usage)
{
  guint64 key = partial_key (block, usage);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->partial, &key));
}

static void
partial_set (KvpBlockPool *self,
             guint32       block,
             guint         usage,
             guint         count)
{
  guint64 key = partial_key (block, usage);

  if (count == 0)
    g_hash_table_remove (self->partial, &key);
  else
    g_hash_table_insert (self->partial, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (count));
}

/* delta holders of a shared block now keep usage slots of it. */
static void
partial_add (KvpBlockPool *self,
             guint32       block,
             guint         usage,
             int           delta)
{
  if (usage >= self->block_size)
    return;

  g_assert (usage > 0);
  g_assert (delta > 0 || partial_get (self, block, usage) >= (guint) -delta);

  partial_set (self, block, usage, partial_get (self, block, usage) + delta);
  partial_set (self, block, 0, partial_get (self, block, 0) + delta);
}

/* The fill of a shared block after a holder left or lowered its need.  A
 * block's fill never rises while it is shared — a fork's holder keeps what
 * its parent keeps, and writing into a shared block copies it first — so
 * the search down from the old fill costs at most block_size steps over
 * the block's whole life: O(1) amortized, whatever the number of holders. */
static guint
shared_fill (KvpBlockPool *self,
             guint32       block)
{
  if (partial_get (self, block, 0) < self->ref[block])
    return self->block_size;

  for (guint usage = MIN (self->fill[block], self->block_size - 1); usage > 0; usage--)
    if (partial_get (self, block, usage) > 0)
      return usage;

  g_assert_not_reached ();
  return 0;
}

/* A block down to one holder is no longer counted: its fill is that
 * holder's, and the common paths need no table. */
static void
settle_fill (KvpBlockPool *self,
             guint32       block)
{
  self->fill[block] = shared_fill (self, block);
  if (self->ref[block] == 1)
    partial_add (self, block, self->fill[block], -1);
}

/* The caller's table no longer holds the block; it used to keep @usage slots.
 * A block left without holders goes to the queue's tail, or with @front
 * (vLLM's free_blocks) only when it has a key: one without is collected in
 * @front for the head, as it can never be hit. */
static void
drop_ref (KvpBlockPool *self,
          guint32       block,
          guint         usage,
          GArray       *front)
{
  if (block == self->null_block)
    return;

  g_assert (self->ref[block] > 0);

  if (--self->ref[block] == 0)
    {
      self->fill[block] = 0;
      if (has_key (self, block))
        cached_free_changed (self, block, TRUE);
      if (front != NULL && !has_key (self, block))
        g_array_append_val (front, block);
      else
        push_free (self, block);
      return;
    }

  partial_add (self, block, usage, -1);
  settle_fill (self, block);
}

/* Releases blocks from the end down to new_length tokens.  Cannot fail. */
static void
truncate_sequence (KvpBlockPool *self,
                   Sequence     *s,
                   guint64       new_length,
                   GArray       *front)
{
  guint64 keep = blocks_for (new_length, self->block_size);
  guint64 old_length = s->length;

  g_assert (new_length <= old_length);

  /* Last block first, the order vLLM frees a request's blocks in, so the
   * tail of a sequence is the first to be handed out again. */
  for (guint i = s->table->len; i > keep; i--)
    {
      guint32 block = g_array_index (s->table, guint32, i - 1);

      g_array_set_size (s->table, i - 1);
      drop_ref (self, block, usage_of (old_length, i - 1, self->block_size), front);
    }

  s->length = new_length;

  if (keep > 0)
    {
      guint32 last = g_array_index (s->table, guint32, keep - 1);
      guint old_usage = usage_of (old_length, keep - 1, self->block_size);
      guint new_usage = usage_of (new_length, keep - 1, self->block_size);

      if (new_usage == old_usage || last == self->null_block)
        return;

      if (self->ref[last] == 1)
        {
          self->fill[last] = new_usage;
        }
      else
        {
          partial_add (self, last, old_usage, -1);
          partial_add (self, last, new_usage, 1);
          settle_fill (self, last);
        }
    }
}

static void
free_pool (KvpBlockPool *self)
{
  for (guint i = 0; i < self->seqs->len; i++)
    g_clear_pointer (&g_array_index (self->seqs, Sequence, i).table, g_array_unref);

  g_array_unref (self->seqs);
  g_hash_table_unref (self->partial);
  if (self->cache != NULL)
    kvp_key_map_clear (self->cache);
  g_clear_pointer (&self->cache, g_free);
  g_free (self->ring);
  g_free (self->qpos);
  g_free (self->ref);
  g_free (self->fill);
  g_free (self->logical);
  g_free (self->key);
  g_free (self->keyed);
  g_free (self->same_next);
  g_clear_pointer (&self->cached_free_log, g_array_unref);
  g_free (self);
}

/* Blocks that growing the sequence by n_tokens takes from the queue.
 * Writing into a partly filled block that another sequence also holds would
 * change that sequence's tokens: it gets a copy first, and the copy needs a
 * free block too (*out_copy). */
/* Inlined: the pool's hottest path runs through it with every token. */
G_ALWAYS_INLINE static inline guint64
plan_append (KvpBlockPool *self,
             Sequence     *s,
             guint64       n_tokens,
             guint        *out_usage,
             gboolean     *out_copy)
{
  guint n_have = s->table->len;
  guint64 needed = blocks_for (s->length + n_tokens, self->block_size) - n_have;

  *out_usage = 0;
  *out_copy = FALSE;

  if (n_have > 0)
    {
      guint32 last = g_array_index (s->table, guint32, n_have - 1);

      *out_usage = usage_of (s->length, n_have - 1, self->block_size);
      if (*out_usage < self->block_size && self->ref[last] > 1)
        {
          *out_copy = TRUE;
          needed++;
        }
    }

  return needed;
}

static void
refuse_append (KvpSeqId   seq,
               guint64    new_length,
               guint64    needed,
               guint32    num_free,
               gboolean   copy,
               GError   **error)
{
  gulong n = (gulong) MIN (needed, (guint64) G_MAXULONG);
  g_autofree char *length = NULL;
  g_autofree char *needed_text = NULL;
  g_autofree char *free_text = NULL;

  /* A caller that only asks whether it fits (the serving steps) passes no
   * error: no text to make then. */
  if (error == NULL)
    return;

  /* The sequence's id plain, its counts grouped. */
  length = kvp_format_count (new_length);
  needed_text = kvp_format_count (needed);
  free_text = kvp_format_count (num_free);
  if (copy)
    g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                 g_dngettext (GETTEXT_PACKAGE,
                              "Sequence %u cannot reach a length of %s: "
                              "that needs %s more block, to copy its "
                              "shared last block, and the pool has %s free",
                              "Sequence %u cannot reach a length of %s: "
                              "that needs %s more blocks, one of them to "
                              "copy its shared last block, and the pool has %s free",
                              n),
                 seq, length, needed_text, free_text);
  else
    g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                 g_dngettext (GETTEXT_PACKAGE,
                              "Sequence %u cannot reach a length of %s: "
                              "that needs %s more block and the pool "
                              "has %s free",
                              "Sequence %u cannot reach a length of %s: "
                              "that needs %s more blocks and the pool "
                              "has %s free",
                              n),
                 seq, length, needed_text, free_text);
}

/* Copy-on-write: the sequence's shared, partly filled last block is
 * replaced by a private copy of its usage slots. */
static void
copy_last (KvpBlockPool *self,
           Sequence     *s,
           guint         usage)
{
  guint n_have = s->table->len;
  guint32 old = g_array_index (s->table, guint32, n_have - 1);
  guint32 block = take_free (self);

  self->ref[block] = 1;
  self->fill[block] = usage;
  self->logical[block] = n_have - 1;
  g_array_index (s->table, guint32, n_have - 1) = block;
  drop_ref (self, old, usage, NULL);
}

/* Writes n_tokens after the sequence's end: the rest of its last block,
 * then n_new blocks from the queue's head. */
static void
write_tokens (KvpBlockPool *self,
              Sequence     *s,
              guint64       n_tokens,
              guint         usage,
              guint64       n_new)
{
  guint n_have = s->table->len;

  s->length += n_tokens;

  if (n_have > 0 && usage < self->block_size)
    {
      guint32 last = g_array_index (s->table, guint32, n_have - 1);
      guint take = (guint) MIN (n_tokens, (guint64) (self->block_size - usage));

      g_assert (self->ref[last] == 1 && self->fill[last] == usage);

      self->fill[last] = usage + take;
      n_tokens -= take;
    }

  if (n_new == 0)
    {
      g_assert (n_tokens == 0);
      return;
    }

  /* One resize for the whole request rather than one per block. */
  g_array_set_size (s->table, n_have + (guint) n_new);

  for (guint i = n_have; i < s->table->len; i++)
    {
      guint32 block = take_free (self);
      guint take = (guint) MIN (n_tokens, (guint64) self->block_size);

      self->ref[block] = 1;
      self->fill[block] = take;
      self->logical[block] = i;
      g_array_index (s->table, guint32, i) = block;
      n_tokens -= take;
    }

  g_assert (n_tokens == 0);
}

/* The checker's own bookkeeping, recomputed from the tables and the queue. */
typedef struct
{
  guint8   *queued;   /* bitmap: linked in the free queue */
  guint32  *refs;     /* table entries per block */
  guint16  *fills;    /* the most slots any holder keeps */
} Recount;

#define BIT(map, b) (((map)[(b) / 8] & (1u << ((b) % 8))) != 0)

static gboolean
check_queue (KvpBlockPool  *self,
             Recount       *rc,
             GError       **error)
{
  guint32 live = 0, stale = 0;

  if (self->next_fresh > self->num_blocks || self->ring_len > self->ring_cap ||
      self->front_len > self->ring_len || self->ring_head >= self->ring_cap ||
      (self->qpos == NULL && self->n_stale > 0))
    return kvp_set_failed (error, "Free queue out of range: next fresh %u, ring head %u, %u of %u slots, "
                           "%u in front, %u stale, %u blocks", self->next_fresh, self->ring_head,
                           self->ring_len, self->ring_cap, self->front_len, self->n_stale, self->num_blocks);

  for (guint32 k = 0; k < self->ring_len; k++)
    {
      guint32 slot = slot_at (self, k);
      guint32 b = self->ring[slot];

      if (b >= self->next_fresh || b == self->null_block)
        return kvp_set_failed (error, "Free queue entry %u is block %u, which is out of "
                               "range, never used or the null block", k, b);
      if (self->qpos != NULL && self->qpos[b] != slot)
        {
          stale++;
          continue;
        }
      if (BIT (rc->queued, b))
        return kvp_set_failed (error, "Block %u is in the free queue twice", b);
      /* Only a block nothing can hit goes in front of the never-used ones. */
      if (k < self->front_len && has_key (self, b))
        return kvp_set_failed (error, "Cached block %u is at the head of the free queue", b);
      rc->queued[b / 8] |= 1u << (b % 8);
      live++;
    }

  if (stale != self->n_stale)
    return kvp_set_failed (error, "Free queue: %u stale entries, but the count says %u", stale, self->n_stale);
  if (self->num_free != self->num_blocks - self->next_fresh + live)
    return kvp_set_failed (error, "Free count %u, but the queue holds %u never-used and "
                           "%u freed blocks", self->num_free, self->num_blocks - self->next_fresh, live);

  /* A block out of the queue has no slot. */
  for (guint32 b = 0; self->qpos != NULL && b < self->num_blocks; b++)
    if (self->qpos[b] != KVP_BLOCK_NONE && !BIT (rc->queued, b))
      return kvp_set_failed (error, "Block %u keeps slot %u but is not queued", b, self->qpos[b]);

  return TRUE;
}

static gboolean
check_tables (KvpBlockPool  *self,
              Recount       *rc,
              GError       **error)
{
  for (guint id = 0; id < self->seqs->len; id++)
    {
      const Sequence *s = &g_array_index (self->seqs, Sequence, id);

      if (s->table == NULL)
        continue;

      if (s->table->len != blocks_for (s->length, self->block_size))
        return kvp_set_failed (error, "Sequence %u holds %" PRIu64 " tokens "
                               "in %u blocks", id, s->length, s->table->len);

      for (guint i = 0; i < s->table->len; i++)
        {
          guint32 block = g_array_index (s->table, guint32, i);

          if (block == self->null_block)
            {
              if (usage_of (s->length, i, self->block_size) != self->block_size)
                return kvp_set_failed (error, "Sequence %u, logical block %u: the null "
                                       "block stands for a block not full", id, i);
              continue;
            }
          if (block >= self->num_blocks)
            return kvp_set_failed (error, "Sequence %u, logical block %u: no physical "
                                   "block %u", id, i, block);
          if (block >= self->next_fresh || BIT (rc->queued, block))
            return kvp_set_failed (error, "Sequence %u, logical block %u: block %u is "
                                   "also in the free queue", id, i, block);
          if (self->logical[block] != i)
            return kvp_set_failed (error, "Sequence %u, logical block %u: block %u "
                                   "records logical index %u", id, i, block,
                                   self->logical[block]);

          rc->refs[block]++;
          rc->fills[block] = MAX (rc->fills[block], usage_of (s->length, i, self->block_size));
        }
    }

  return TRUE;
}

static gboolean
check_blocks (KvpBlockPool  *self,
              Recount       *rc,
              GError       **error)
{
  guint32 n = 0;
  guint32 cached_free = 0;

  for (guint32 block = 0; block < self->num_blocks; block++)
    {
      gboolean is_free = block >= self->next_fresh || BIT (rc->queued, block);

      if (block == self->null_block || is_free)
        {
          if (self->ref[block] != 0 || self->fill[block] != 0)
            return kvp_set_failed (error, "Free or null block %u has reference count %u "
                                   "and fill %u", block, self->ref[block], self->fill[block]);
          if (block == self->null_block && (is_free || has_key (self, block)))
            return kvp_set_failed (error, "The null block %u is free or cached", block);
          n += block == self->null_block;
          cached_free += is_free && has_key (self, block);
          continue;
        }

      n++;

      if (rc->refs[block] == 0)
        return kvp_set_failed (error, "Block %u is neither free nor in any block "
                               "table (reference count %u)", block, self->ref[block]);
      if (self->ref[block] != rc->refs[block])
        return kvp_set_failed (error, "Block %u has reference count %u but %u table "
                               "entries", block, self->ref[block], rc->refs[block]);
      /* For a block with one holder this is "full blocks hold B tokens, the
       * last one length - (n - 1) × B"; shared, the most any holder keeps. */
      if (self->fill[block] != rc->fills[block])
        return kvp_set_failed (error, "Block %u has fill %u but its holders keep %u "
                               "tokens in it", block, self->fill[block], rc->fills[block]);
      if (has_key (self, block) && self->fill[block] != self->block_size)
        return kvp_set_failed (error, "Cached block %u is not full (%u tokens)",
                               block, self->fill[block]);
    }

  if (n != self->num_blocks - self->num_free)
    return kvp_set_failed (error, "%u blocks in use, but the free count says %u",
                           n, self->num_blocks - self->num_free);
  if (cached_free != self->n_cached_free)
    return kvp_set_failed (error, "%u free blocks hold a key, but the cached free count says %u",
                           cached_free, self->n_cached_free);

  return TRUE;
}

/* The counts of partial holders of shared blocks, recounted. */
static gboolean
check_partial (KvpBlockPool  *self,
               Recount       *rc,
               GError       **error)
{
  g_autoptr(GHashTable) partial = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;

  for (guint id = 0; id < self->seqs->len; id++)
    {
      const Sequence *s = &g_array_index (self->seqs, Sequence, id);
      guint32 block;
      guint usage;

      if (s->table == NULL || s->table->len == 0)
        continue;

      block = g_array_index (s->table, guint32, s->table->len - 1);
      usage = usage_of (s->length, s->table->len - 1, self->block_size);
      if (block == self->null_block || rc->refs[block] < 2 || usage == self->block_size)
        continue;

      for (guint k = 0; k < 2; k++)
        {
          guint64 id_key = partial_key (block, k == 0 ? 0 : usage);
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (partial, &id_key));

          g_hash_table_insert (partial, g_memdup2 (&id_key, sizeof id_key), GUINT_TO_POINTER (count + 1));
        }
    }

  if (g_hash_table_size (partial) != g_hash_table_size (self->partial))
    return kvp_set_failed (error, "%u counts of partly used shared blocks, but %u kept",
                           g_hash_table_size (partial), g_hash_table_size (self->partial));

  g_hash_table_iter_init (&iter, partial);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_hash_table_lookup (self->partial, key) != value)
      return kvp_set_failed (error, "Block %u: %u holders keep %u slots, but the count says %u",
                             (guint32) (*(guint64 *) key >> 16), GPOINTER_TO_UINT (value),
                             (guint) (*(guint64 *) key & 0xffff),
                             GPOINTER_TO_UINT (g_hash_table_lookup (self->partial, key)));

  return TRUE;
}

/* Every cached block sits in the chain of its key, once; cached free blocks
 * were checked to be in the queue's tail part by check_queue(). */
static gboolean
check_cache (KvpBlockPool  *self,
             GError       **error)
{
  g_autofree guint8 *seen = NULL;
  guint32 n = 0;
  guint32 entries = 0;

  if (self->cache == NULL)
    return self->n_keyed == 0 ? TRUE : kvp_set_failed (error, "%u keys without a cache", self->n_keyed);

  seen = g_malloc0 (self->num_blocks / 8 + 1);
  for (guint32 i = 0; i <= self->cache->mask; i++)
    {
      const KvpKeyMapSlot *slot = &self->cache->slots[i];
      guint32 first = slot->value - 1;

      if (slot->value == 0)
        continue;
      entries++;
      if (first >= self->num_blocks || !has_key (self, first) || slot->key != self->key[first] ||
          kvp_key_map_lookup (self->cache, slot->key) != slot->value)
        return kvp_set_failed (error, "The cache entry of block %u points elsewhere", first);

      for (guint32 b = first; b != KVP_BLOCK_NONE; b = self->same_next[b])
        {
          if (b >= self->num_blocks || !has_key (self, b) || BIT (seen, b) ||
              self->key[b] != self->key[first] || ++n > self->n_keyed)
            return kvp_set_failed (error, "Block %u is in the cache chain of block %u "
                                   "without its key, or twice", b, first);
          seen[b / 8] |= 1u << (b % 8);
        }
    }

  if (n != self->n_keyed || entries != self->cache->len)
    return kvp_set_failed (error, "%u cached blocks, but %u in the cache", self->n_keyed, n);

  return TRUE;
}


/**
 * kvp_block_pool_new:
 *
 * Returns: (transfer full): a pool whose free queue holds 0, 1, 2, … in order,
 *   or %NULL with @error set when a size is out of range or memory is short.
 */
KvpBlockPool *
kvp_block_pool_new (guint32   num_blocks,
                    guint32   block_size,
                    GError  **error)
{
  KvpBlockPool *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kvp_param_check (KVP_PARAM_NUM_BLOCKS, num_blocks, error) ||
      !kvp_param_check (KVP_PARAM_BLOCK_SIZE, block_size, error))
    return NULL;

  self = g_new0 (KvpBlockPool, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->num_blocks = num_blocks;
  self->block_size = block_size;
  self->num_free = num_blocks;
  self->seqs = g_array_new (FALSE, FALSE, sizeof (Sequence));
  self->partial = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  self->ring_cap = num_blocks;
  self->null_block = KVP_BLOCK_NONE;

  /* A 16 Mi-block pool asks for 256 MiB; a user can request that from a
   * slider, so running short is an error to report, not a crash.  Links and
   * logical indices are written before they are read, so only the counts
   * need zeroing, and calloc zeroes large blocks lazily. */
  self->ring = g_try_new (guint32, num_blocks);
  self->ref = g_try_new0 (guint16, num_blocks);
  self->fill = g_try_new0 (guint16, num_blocks);
  self->logical = g_try_new (guint32, num_blocks);

  if (self->ring == NULL || self->ref == NULL ||
      self->fill == NULL || self->logical == NULL)
    {
      g_autofree char *blocks = kvp_format_count (num_blocks);

      free_pool (self);
      g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                   _("There is not enough memory for a pool of %s blocks"),
                   blocks);
      return NULL;
    }

  return self;
}

KvpBlockPool *
kvp_block_pool_ref (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
kvp_block_pool_unref (KvpBlockPool *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    free_pool (self);
}

guint32
kvp_block_pool_get_num_blocks (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->num_blocks;
}

guint32
kvp_block_pool_get_block_size (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->block_size;
}

guint32
kvp_block_pool_get_num_free (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->num_free;
}

guint32
kvp_block_pool_get_num_cached_free (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_cached_free;
}

/**
 * kvp_block_pool_set_cached_free_log:
 * @log: (nullable): a #GArray of guint32, or %NULL to stop logging
 *
 * From now on every block that becomes a cached free block (freed with its
 * key) is appended to @log, and every one that stops being one (a hit takes
 * it, or a new use evicts it) is appended with
 * %KVP_BLOCK_POOL_CACHED_FREE_LEAVES set: replayed in order, the entries
 * give the set of cached free blocks after any of them.
 */
void
kvp_block_pool_set_cached_free_log (KvpBlockPool *self,
                                    GArray       *log)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (log == NULL || g_array_get_element_size (log) == sizeof (guint32));

  if (log != NULL)
    g_array_ref (log);
  g_clear_pointer (&self->cached_free_log, g_array_unref);
  self->cached_free_log = log;
}

guint32
kvp_block_pool_get_num_used (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->num_blocks - self->num_free;
}

/**
 * kvp_block_pool_add_sequence:
 *
 * Returns: the id of a new, empty sequence.  Ids count up from 0 and are not
 *   reused after kvp_block_pool_free_sequence().
 */
KvpSeqId
kvp_block_pool_add_sequence (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return new_sequence (self);
}

gboolean
kvp_block_pool_has_sequence (KvpBlockPool *self,
                             KvpSeqId      seq)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return lookup (self, seq) != NULL;
}

gboolean
kvp_block_pool_append (KvpBlockPool  *self,
                       KvpSeqId       seq,
                       guint64        n_tokens,
                       GError       **error)
{
  Sequence *s;
  guint64 needed;
  guint usage;
  gboolean copy;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((s = lookup_or_error (self, seq, error)) == NULL)
    return FALSE;

  if (n_tokens == 0)
    return TRUE;

  if (n_tokens > G_MAXUINT64 - s->length)
    {
      g_autofree char *length = kvp_format_count (s->length);
      g_autofree char *more = kvp_format_count (n_tokens);

      g_set_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW,
                   _("Sequence %u holds %s tokens; "
                     "%s more would not fit in 64 bits"),
                   seq, length, more);
      return FALSE;
    }

  /* Everything is decided before anything changes, so a refusal leaves the
   * pool, its queue order included, exactly as it was. */
  needed = plan_append (self, s, n_tokens, &usage, &copy);
  if (needed > self->num_free)
    {
      refuse_append (seq, s->length + n_tokens, needed, self->num_free, copy, error);
      return FALSE;
    }

  if (copy)
    copy_last (self, s, usage);
  write_tokens (self, s, n_tokens, usage, needed - (copy ? 1 : 0));

  return TRUE;
}

guint64
kvp_block_pool_count_append (KvpBlockPool *self,
                             KvpSeqId      seq,
                             guint64       n_tokens)
{
  Sequence *s;
  guint usage;
  gboolean copy;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (lookup (self, seq) != NULL, 0);

  s = lookup (self, seq);
  if (n_tokens == 0 || n_tokens > G_MAXUINT64 - s->length)
    return 0;

  return plan_append (self, s, n_tokens, &usage, &copy);
}

gboolean
kvp_block_pool_shrink (KvpBlockPool  *self,
                       KvpSeqId       seq,
                       guint64        new_length,
                       GError       **error)
{
  Sequence *s;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((s = lookup_or_error (self, seq, error)) == NULL)
    return FALSE;

  if (new_length > s->length)
    {
      g_autofree char *length = kvp_format_count (s->length);
      g_autofree char *new_text = kvp_format_count (new_length);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("Sequence %u holds %s tokens; "
                     "it cannot shrink to %s"),
                   seq, length, new_text);
      return FALSE;
    }

  truncate_sequence (self, s, new_length, NULL);

  return TRUE;
}

/**
 * kvp_block_pool_fork:
 *
 * Fails with %KVP_ERROR_NO_SPACE, changing nothing, when a block is already
 * shared by 65,535 sequences, the most its reference count can hold.
 */
gboolean
kvp_block_pool_fork (KvpBlockPool  *self,
                     KvpSeqId       seq,
                     KvpSeqId      *out_child,
                     GError       **error)
{
  Sequence *parent;
  Sequence *child;
  KvpSeqId child_id;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((parent = lookup_or_error (self, seq, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < parent->table->len; i++)
    {
      guint32 block = g_array_index (parent->table, guint32, i);

      if (block != self->null_block && self->ref[block] == REF_MAX)
        {
          g_autofree char *most = kvp_format_count (REF_MAX);

          g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                       _("Block %u is already shared by %s sequences, the most "
                         "one block can be shared by; sequence %u cannot be forked"),
                       block, most, seq);
          return FALSE;
        }
    }

  child_id = new_sequence (self);

  /* Appending may have moved the array. */
  parent = &g_array_index (self->seqs, Sequence, seq);
  child = &g_array_index (self->seqs, Sequence, child_id);

  g_array_append_vals (child->table, parent->table->data, parent->table->len);
  child->length = parent->length;

  /* Both keep the same slots of every block, so no fill changes; only the
   * last block can be partly used, and a newly shared one counts both. */
  for (guint i = 0; i < child->table->len; i++)
    {
      guint32 block = g_array_index (child->table, guint32, i);

      if (block != self->null_block)
        self->ref[block]++;
    }

  if (child->table->len > 0)
    {
      guint last = child->table->len - 1;
      guint32 block = g_array_index (child->table, guint32, last);
      guint usage = usage_of (child->length, last, self->block_size);

      /* A null last block is a full one: nothing to count. */
      if (block != self->null_block)
        partial_add (self, block, usage, self->ref[block] == 2 ? 2 : 1);
    }

  if (out_child != NULL)
    *out_child = child_id;

  return TRUE;
}

void
kvp_block_pool_free_sequence (KvpBlockPool *self,
                              KvpSeqId      seq)
{
  Sequence *s;

  g_return_if_fail (self != NULL);
  g_return_if_fail (lookup (self, seq) != NULL);

  s = lookup (self, seq);
  truncate_sequence (self, s, 0, NULL);
  g_clear_pointer (&s->table, g_array_unref);
}

/**
 * kvp_block_pool_reserve_null_block:
 *
 * Takes the queue's first block out for good, as vLLM's BlockPool takes
 * block 0: it stands in block tables for blocks a sliding window no longer
 * needs (kvp_block_pool_append_null(), kvp_block_pool_skip_blocks()), holds
 * no token and is never free, so it counts as used.  Only on a pool that has
 * handed out nothing yet.
 *
 * Returns: the null block, 0.
 */
guint32
kvp_block_pool_reserve_null_block (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, KVP_BLOCK_NONE);
  g_return_val_if_fail (self->null_block == KVP_BLOCK_NONE, KVP_BLOCK_NONE);
  g_return_val_if_fail (self->next_fresh == 0 && self->ring_len == 0, KVP_BLOCK_NONE);

  self->null_block = self->next_fresh++;
  self->num_free--;

  return self->null_block;
}

/**
 * kvp_block_pool_enable_caching:
 *
 * Makes room for the prefix cache's keys (13 bytes a block).
 *
 * Returns: %FALSE with %KVP_ERROR_NO_SPACE when memory is short.
 */
gboolean
kvp_block_pool_enable_caching (KvpBlockPool  *self,
                               GError       **error)
{
  guint32 *ring;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->cache != NULL)
    return TRUE;

  g_return_val_if_fail (self->next_fresh == 0, FALSE);

  self->key = g_try_new (guint64, self->num_blocks);
  self->same_next = g_try_new (guint32, self->num_blocks);
  self->keyed = g_try_new0 (guint8, self->num_blocks / 8 + 1);
  self->qpos = g_try_new (guint32, self->num_blocks);
  /* Room for as many stale entries as live ones: compacting then frees at
   * least half of the ring, so it costs O(1) a push.  (num_blocks is at most
   * 2^24, so twice it fits.) */
  ring = g_try_renew (guint32, self->ring, 2 * (gsize) self->num_blocks);
  if (ring != NULL)
    self->ring = ring;
  if (self->key == NULL || self->same_next == NULL || self->keyed == NULL || self->qpos == NULL || ring == NULL)
    {
      g_clear_pointer (&self->key, g_free);
      g_clear_pointer (&self->same_next, g_free);
      g_clear_pointer (&self->keyed, g_free);
      g_autofree char *blocks = kvp_format_count (self->num_blocks);

      g_clear_pointer (&self->qpos, g_free);
      g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                   _("There is not enough memory for a pool of %s blocks"),
                   blocks);
      return FALSE;
    }

  /* A block leaves the queue only through a fresh pool so far: no slots. */
  self->ring_cap = 2 * self->num_blocks;
  for (guint32 b = 0; b < self->num_blocks; b++)
    self->qpos[b] = KVP_BLOCK_NONE;

  self->cache = g_new0 (KvpKeyMap, 1);
  kvp_key_map_init (self->cache);

  return TRUE;
}

/**
 * kvp_block_pool_cache_block:
 *
 * Gives a full block in use its key (vLLM's cache_full_blocks), so a lookup
 * finds it from now on, also once it is free, until a new use takes it from
 * the queue.  A key other blocks already have adds this one behind them.
 */
void
kvp_block_pool_cache_block (KvpBlockPool *self,
                            guint32       block,
                            guint64       key)
{
  guint32 value;

  g_return_if_fail (self != NULL && self->cache != NULL);
  g_return_if_fail (block < self->num_blocks && block != self->null_block);
  g_return_if_fail (self->ref[block] > 0 && self->fill[block] == self->block_size);
  g_return_if_fail (!has_key (self, block));

  self->key[block] = key;
  self->same_next[block] = KVP_BLOCK_NONE;
  self->keyed[block / 8] |= 1u << (block % 8);
  self->n_keyed++;

  value = kvp_key_map_lookup (self->cache, key);
  if (value == 0)
    {
      kvp_key_map_insert (self->cache, key, block + 1);
    }
  else
    {
      guint32 b = value - 1;

      while (self->same_next[b] != KVP_BLOCK_NONE)
        b = self->same_next[b];
      self->same_next[b] = block;
    }
}

/* The first block cached with the key, or KVP_BLOCK_NONE. */
guint32
kvp_block_pool_lookup (KvpBlockPool *self,
                       guint64       key)
{
  guint32 value;

  g_return_val_if_fail (self != NULL, KVP_BLOCK_NONE);

  if (self->cache == NULL || (value = kvp_key_map_lookup (self->cache, key)) == 0)
    return KVP_BLOCK_NONE;

  return value - 1;
}

gboolean
kvp_block_pool_get_key (KvpBlockPool *self,
                        guint32       block,
                        guint64      *out_key)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (block < self->num_blocks, FALSE);

  if (!has_key (self, block))
    return FALSE;
  if (out_key != NULL)
    *out_key = self->key[block];

  return TRUE;
}

guint64
kvp_block_pool_get_num_evicted (KvpBlockPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_evicted;
}

/**
 * kvp_block_pool_append_cached:
 *
 * A prefix-cache hit (vLLM's touch): the sequence, whose blocks are all full,
 * gets the cached block as its next one; a free block leaves the queue.  The
 * block must not be shared 65,535 times already.
 */
void
kvp_block_pool_append_cached (KvpBlockPool *self,
                              KvpSeqId      seq,
                              guint32       block)
{
  Sequence *s;

  g_return_if_fail (self != NULL);
  g_return_if_fail ((s = lookup (self, seq)) != NULL);
  g_return_if_fail (s->length % self->block_size == 0);
  g_return_if_fail (block < self->num_blocks && has_key (self, block));
  g_return_if_fail (self->ref[block] < REF_MAX);
  g_return_if_fail (self->ref[block] == 0 || self->logical[block] == s->table->len);

  if (self->ref[block] == 0)
    {
      unqueue (self, block);
      cached_free_changed (self, block, FALSE);
      self->num_free--;
      self->fill[block] = self->block_size;
      self->logical[block] = s->table->len;
    }

  self->ref[block]++;
  g_array_append_val (s->table, block);
  s->length += self->block_size;
}

/* n_blocks null blocks at the end of a sequence whose blocks are all full. */
void
kvp_block_pool_append_null (KvpBlockPool *self,
                            KvpSeqId      seq,
                            guint         n_blocks)
{
  Sequence *s;

  g_return_if_fail (self != NULL && self->null_block != KVP_BLOCK_NONE);
  g_return_if_fail ((s = lookup (self, seq)) != NULL);
  g_return_if_fail (s->length % self->block_size == 0);

  for (guint i = 0; i < n_blocks; i++)
    g_array_append_val (s->table, self->null_block);
  s->length += (guint64) n_blocks * self->block_size;
}

/**
 * kvp_block_pool_skip_blocks:
 *
 * vLLM's remove_skipped_blocks: the first n_blocks of the sequence become the
 * null block, and the blocks they were are released from the last one down,
 * stopping at the first null block met.
 */
void
kvp_block_pool_skip_blocks (KvpBlockPool *self,
                            KvpSeqId      seq,
                            guint64       n_blocks)
{
  g_autoptr(GArray) front = NULL;
  Sequence *s;

  g_return_if_fail (self != NULL && self->null_block != KVP_BLOCK_NONE);
  g_return_if_fail ((s = lookup (self, seq)) != NULL);

  front = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = (guint) MIN (n_blocks, (guint64) s->table->len); i > 0; i--)
    {
      guint32 *entry = &g_array_index (s->table, guint32, i - 1);
      guint32 block = *entry;

      if (block == self->null_block)
        break;
      *entry = self->null_block;
      drop_ref (self, block, usage_of (s->length, i - 1, self->block_size), front);
    }
  push_all_front (self, front);
}

/**
 * kvp_block_pool_release_sequence:
 *
 * Frees a sequence as vLLM v1's free_blocks does: its last block first; a
 * block left without holders goes to the queue's tail when it has a key (a
 * later hit may still take it), and to its head when it has none, since
 * nothing can hit it (vLLM PR #33710).  kvp_block_pool_free_sequence() sends
 * every block to the tail.
 */
void
kvp_block_pool_release_sequence (KvpBlockPool *self,
                                 KvpSeqId      seq)
{
  g_autoptr(GArray) front = NULL;
  Sequence *s;

  g_return_if_fail (self != NULL);
  g_return_if_fail ((s = lookup (self, seq)) != NULL);

  front = g_array_new (FALSE, FALSE, sizeof (guint32));
  truncate_sequence (self, s, 0, front);
  push_all_front (self, front);
  g_clear_pointer (&s->table, g_array_unref);
}

/**
 * kvp_block_pool_dup_free_queue:
 *
 * Returns: (transfer full): the free blocks from the queue's head (taken
 *   next) to its tail; O(free blocks).
 */
guint32 *
kvp_block_pool_dup_free_queue (KvpBlockPool *self,
                               guint        *n_blocks)
{
  guint32 *queue;
  guint n = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_blocks != NULL, NULL);

  queue = g_new (guint32, self->num_free + 1);
  for (guint pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        for (guint32 f = self->next_fresh; f < self->num_blocks; f++)
          queue[n++] = f;

      for (guint32 k = pass == 0 ? 0 : self->front_len; k < (pass == 0 ? self->front_len : self->ring_len); k++)
        if (!is_stale (self, slot_at (self, k)))
          queue[n++] = self->ring[slot_at (self, k)];
    }

  g_assert (n == self->num_free);
  *n_blocks = n;

  return queue;
}

guint64
kvp_block_pool_get_length (KvpBlockPool *self,
                           KvpSeqId      seq)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (lookup (self, seq) != NULL, 0);

  return lookup (self, seq)->length;
}

/**
 * kvp_block_pool_get_block_table:
 *
 * Returns: (transfer none): the table, valid until the sequence next changes.
 */
const guint32 *
kvp_block_pool_get_block_table (KvpBlockPool *self,
                                KvpSeqId      seq,
                                guint        *n_blocks)
{
  Sequence *s;

  if (n_blocks != NULL)
    *n_blocks = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (lookup (self, seq) != NULL, NULL);

  s = lookup (self, seq);

  if (n_blocks != NULL)
    *n_blocks = s->table->len;

  return (const guint32 *) (gpointer) s->table->data;
}

guint
kvp_block_pool_get_ref_count (KvpBlockPool *self,
                              guint32       block)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (block < self->num_blocks, 0);

  return self->ref[block];
}

guint
kvp_block_pool_get_fill (KvpBlockPool *self,
                         guint32       block)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (block < self->num_blocks, 0);

  return self->fill[block];
}

/* O(sequences): the block's logical index is stored, so only one table entry
 * per sequence needs looking at. */
gboolean
kvp_block_pool_get_owner (KvpBlockPool *self,
                          guint32       block,
                          KvpSeqId     *out_seq,
                          guint32      *out_logical)
{
  guint32 logical;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (block < self->num_blocks, FALSE);

  if (self->ref[block] == 0)
    return FALSE;

  logical = self->logical[block];

  for (guint i = 0; i < self->seqs->len; i++)
    {
      const Sequence *s = &g_array_index (self->seqs, Sequence, i);

      if (s->table == NULL || s->table->len <= logical)
        continue;

      if (g_array_index (s->table, guint32, logical) == block)
        {
          if (out_seq != NULL)
            *out_seq = i;
          if (out_logical != NULL)
            *out_logical = logical;
          return TRUE;
        }
    }

  g_assert_not_reached ();
  return FALSE;
}

/**
 * kvp_block_pool_check:
 *
 * Recomputes every reference count and fill from the block tables and compares
 * them, the free queue and the prefix cache with what the pool keeps.
 * O(blocks + table entries); for tests.
 *
 * Returns: %FALSE with @error (%KVP_ERROR_FAILED) naming the first violation.
 */
gboolean
kvp_block_pool_check (KvpBlockPool  *self,
                      GError       **error)
{
  g_autofree guint8 *queued = NULL;
  g_autofree guint32 *refs = NULL;
  g_autofree guint16 *fills = NULL;
  Recount rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A bitmap keeps the check's own memory small for the largest pools. */
  rc.queued = queued = g_malloc0 (self->num_blocks / 8 + 1);
  rc.refs = refs = g_new0 (guint32, self->num_blocks);
  rc.fills = fills = g_new0 (guint16, self->num_blocks);

  return check_queue (self, &rc, error) &&
         check_tables (self, &rc, error) &&
         check_blocks (self, &rc, error) &&
         check_partial (self, &rc, error) &&
         check_cache (self, error);
}
