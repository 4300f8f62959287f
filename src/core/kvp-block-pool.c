/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-block-pool.c: the PagedAttention block allocator behind every block kvpage
 * draws — a FIFO free queue, block tables, shared blocks and copy-on-write. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "kvp-block-pool.h"
#include "kvp-error.h"

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

  /* The free queue is [next_fresh, num_blocks) followed by the ring.  The queue
   * starts as 0, 1, 2, … and freed blocks join its tail, so blocks never handed
   * out always sit in front of every freed one: a counter stands for them and a
   * new pool costs nothing per block. */
  guint32          next_fresh;
  guint32         *ring;       /* num_blocks slots */
  guint32          ring_head;
  guint32          ring_len;

  /* Struct of arrays: with the ring slot, 12 bytes per block.  The calloc'd
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
};

static gboolean
fail_check (GError     **error,
            const char  *format,
            ...) G_GNUC_PRINTF (2, 3);

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

static guint32
pop_free (KvpBlockPool *self)
{
  guint32 block;

  g_assert (self->num_free > 0);

  if (self->next_fresh < self->num_blocks)
    {
      block = self->next_fresh++;
    }
  else
    {
      g_assert (self->ring_len > 0);
      block = self->ring[self->ring_head];
      if (++self->ring_head == self->num_blocks)
        self->ring_head = 0;
      self->ring_len--;
    }

  self->num_free--;

  return block;
}

static void
push_free (KvpBlockPool *self,
           guint32       block)
{
  /* head and len are both below 2^24 + 1, so the sum cannot wrap. */
  guint32 slot = self->ring_head + self->ring_len;

  g_assert (self->ring_len < self->num_blocks);

  if (slot >= self->num_blocks)
    slot -= self->num_blocks;

  self->ring[slot] = block;
  self->ring_len++;
  self->num_free++;
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

/* The caller's table no longer holds the block; it used to keep @usage slots. */
static void
drop_ref (KvpBlockPool *self,
          guint32       block,
          guint         usage)
{
  g_assert (self->ref[block] > 0);

  if (--self->ref[block] == 0)
    {
      self->fill[block] = 0;
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
                   guint64       new_length)
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
      drop_ref (self, block, usage_of (old_length, i - 1, self->block_size));
    }

  s->length = new_length;

  if (keep > 0)
    {
      guint32 last = g_array_index (s->table, guint32, keep - 1);
      guint old_usage = usage_of (old_length, keep - 1, self->block_size);
      guint new_usage = usage_of (new_length, keep - 1, self->block_size);

      if (new_usage == old_usage)
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

static gboolean
fail_check (GError     **error,
            const char  *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, KVP_ERROR, KVP_ERROR_FAILED, message);

  return FALSE;
}

static void
free_pool (KvpBlockPool *self)
{
  for (guint i = 0; i < self->seqs->len; i++)
    g_clear_pointer (&g_array_index (self->seqs, Sequence, i).table, g_array_unref);

  g_array_unref (self->seqs);
  g_hash_table_unref (self->partial);
  g_free (self->ring);
  g_free (self->ref);
  g_free (self->fill);
  g_free (self->logical);
  g_free (self);
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

  /* A 16 Mi-block pool asks for 192 MiB; a user can request that from a
   * slider, so running short is an error to report, not a crash.  Ring slots
   * and logical indices are written before they are read, so only the
   * counts need zeroing, and calloc zeroes large blocks lazily. */
  self->ring = g_try_new (guint32, num_blocks);
  self->ref = g_try_new0 (guint16, num_blocks);
  self->fill = g_try_new0 (guint16, num_blocks);
  self->logical = g_try_new (guint32, num_blocks);

  if (self->ring == NULL || self->ref == NULL ||
      self->fill == NULL || self->logical == NULL)
    {
      free_pool (self);
      g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                   _("There is not enough memory for a pool of %u blocks"),
                   num_blocks);
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
  guint64 new_length;
  guint64 needed;
  guint n_have;
  guint usage = 0;
  gboolean copy = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((s = lookup_or_error (self, seq, error)) == NULL)
    return FALSE;

  if (n_tokens == 0)
    return TRUE;

  if (n_tokens > G_MAXUINT64 - s->length)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW,
                   _("Sequence %u holds %" PRIu64 " tokens; "
                     "%" PRIu64 " more would not fit in 64 bits"),
                   seq, s->length, n_tokens);
      return FALSE;
    }

  new_length = s->length + n_tokens;
  n_have = s->table->len;
  needed = blocks_for (new_length, self->block_size) - n_have;

  /* Writing into a partly filled block that another sequence also holds
   * would change that sequence's tokens: it gets a copy first, and the copy
   * needs a free block too. */
  if (n_have > 0)
    {
      guint32 last = g_array_index (s->table, guint32, n_have - 1);

      usage = usage_of (s->length, n_have - 1, self->block_size);
      if (usage < self->block_size && self->ref[last] > 1)
        {
          copy = TRUE;
          needed++;
        }
    }

  /* Everything is decided before anything changes, so a refusal leaves the
   * pool, its queue order included, exactly as it was. */
  if (needed > self->num_free)
    {
      gulong n = (gulong) MIN (needed, (guint64) G_MAXULONG);

      if (copy)
        g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "Sequence %u cannot reach a length of %" PRIu64 ": "
                                  "that needs %" PRIu64 " more block, to copy its "
                                  "shared last block, and the pool has %u free",
                                  "Sequence %u cannot reach a length of %" PRIu64 ": "
                                  "that needs %" PRIu64 " more blocks, one of them to "
                                  "copy its shared last block, and the pool has %u free",
                                  n),
                     seq, new_length, needed, self->num_free);
      else
        g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "Sequence %u cannot reach a length of %" PRIu64 ": "
                                  "that needs %" PRIu64 " more block and the pool "
                                  "has %u free",
                                  "Sequence %u cannot reach a length of %" PRIu64 ": "
                                  "that needs %" PRIu64 " more blocks and the pool "
                                  "has %u free",
                                  n),
                     seq, new_length, needed, self->num_free);
      return FALSE;
    }

  if (copy)
    {
      guint32 old = g_array_index (s->table, guint32, n_have - 1);
      guint32 block = pop_free (self);

      self->ref[block] = 1;
      self->fill[block] = usage;
      self->logical[block] = n_have - 1;
      g_array_index (s->table, guint32, n_have - 1) = block;
      drop_ref (self, old, usage);
    }

  s->length = new_length;

  if (n_have > 0 && usage < self->block_size)
    {
      guint32 last = g_array_index (s->table, guint32, n_have - 1);
      guint take = (guint) MIN (n_tokens, (guint64) (self->block_size - usage));

      g_assert (self->ref[last] == 1 && self->fill[last] == usage);

      self->fill[last] = usage + take;
      n_tokens -= take;
    }

  if (needed > (copy ? 1 : 0))
    {
      /* One resize for the whole request rather than one per block. */
      guint first = n_have;

      g_array_set_size (s->table, n_have + (guint) (needed - (copy ? 1 : 0)));

      for (guint i = first; i < s->table->len; i++)
        {
          guint32 block = pop_free (self);
          guint take = (guint) MIN (n_tokens, (guint64) self->block_size);

          self->ref[block] = 1;
          self->fill[block] = take;
          self->logical[block] = i;
          g_array_index (s->table, guint32, i) = block;
          n_tokens -= take;
        }
    }

  g_assert (n_tokens == 0);

  return TRUE;
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
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("Sequence %u holds %" PRIu64 " tokens; "
                     "it cannot shrink to %" PRIu64),
                   seq, s->length, new_length);
      return FALSE;
    }

  truncate_sequence (self, s, new_length);

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

      if (self->ref[block] == REF_MAX)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
                       _("Block %u is already shared by %u sequences, the most "
                         "one block can be shared by; sequence %u cannot be forked"),
                       block, (guint) REF_MAX, seq);
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
    self->ref[g_array_index (child->table, guint32, i)]++;

  if (child->table->len > 0)
    {
      guint last = child->table->len - 1;
      guint32 block = g_array_index (child->table, guint32, last);
      guint usage = usage_of (child->length, last, self->block_size);

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
  truncate_sequence (self, s, 0);
  g_clear_pointer (&s->table, g_array_unref);
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
 * them, and the free queue, with what the pool keeps.  O(blocks + table
 * entries); for tests.
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
  guint32 n = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->next_fresh > self->num_blocks ||
      self->ring_head >= self->num_blocks ||
      self->ring_len > self->num_blocks)
    return fail_check (error, "Free queue out of range: next fresh %u, ring head %u, "
                       "ring length %u, %u blocks", self->next_fresh,
                       self->ring_head, self->ring_len, self->num_blocks);

  if (self->num_free != self->num_blocks - self->next_fresh + self->ring_len)
    return fail_check (error, "Free count %u, but the queue holds %u never-used and "
                       "%u freed blocks", self->num_free,
                       self->num_blocks - self->next_fresh, self->ring_len);

  /* A bitmap keeps the check's own memory small for the largest pools. */
  queued = g_malloc0 (self->num_blocks / 8 + 1);
  refs = g_new0 (guint32, self->num_blocks);
  fills = g_new0 (guint16, self->num_blocks);

  for (guint32 i = 0, slot = self->ring_head; i < self->ring_len; i++)
    {
      guint32 block = self->ring[slot];

      if (block >= self->next_fresh)
        return fail_check (error, "Free queue entry %u is block %u, which is "
                           "out of range or never used", i, block);
      if (queued[block / 8] & (1u << (block % 8)))
        return fail_check (error, "Block %u is in the free queue twice", block);
      queued[block / 8] |= 1u << (block % 8);

      if (++slot == self->num_blocks)
        slot = 0;
    }

  for (guint id = 0; id < self->seqs->len; id++)
    {
      const Sequence *s = &g_array_index (self->seqs, Sequence, id);

      if (s->table == NULL)
        continue;

      if (s->table->len != blocks_for (s->length, self->block_size))
        return fail_check (error, "Sequence %u holds %" PRIu64 " tokens "
                           "in %u blocks", id, s->length, s->table->len);

      for (guint i = 0; i < s->table->len; i++)
        {
          guint32 block = g_array_index (s->table, guint32, i);
          guint usage;

          if (block >= self->num_blocks)
            return fail_check (error, "Sequence %u, logical block %u: no physical "
                               "block %u", id, i, block);
          if (block >= self->next_fresh || (queued[block / 8] & (1u << (block % 8))))
            return fail_check (error, "Sequence %u, logical block %u: block %u is "
                               "also in the free queue", id, i, block);
          if (self->logical[block] != i)
            return fail_check (error, "Sequence %u, logical block %u: block %u "
                               "records logical index %u", id, i, block,
                               self->logical[block]);

          usage = usage_of (s->length, i, self->block_size);
          refs[block]++;
          fills[block] = MAX (fills[block], usage);
        }
    }

  for (guint32 block = 0; block < self->num_blocks; block++)
    {
      gboolean is_free = block >= self->next_fresh || (queued[block / 8] & (1u << (block % 8)));

      if (is_free)
        {
          if (self->ref[block] != 0 || self->fill[block] != 0)
            return fail_check (error, "Free block %u has reference count %u and "
                               "fill %u", block, self->ref[block], self->fill[block]);
          continue;
        }

      n++;

      if (refs[block] == 0)
        return fail_check (error, "Block %u is neither free nor in any block "
                           "table (reference count %u)", block, self->ref[block]);
      if (self->ref[block] != refs[block])
        return fail_check (error, "Block %u has reference count %u but %u table "
                           "entries", block, self->ref[block], refs[block]);
      /* For a block with one holder this is "full blocks hold B tokens, the
       * last one length - (n - 1) × B"; shared, the most any holder keeps. */
      if (self->fill[block] != fills[block])
        return fail_check (error, "Block %u has fill %u but its holders keep %u "
                           "tokens in it", block, self->fill[block], fills[block]);
    }

  if (n != self->num_blocks - self->num_free)
    return fail_check (error, "%u blocks in use, but the free count says %u",
                       n, self->num_blocks - self->num_free);

  /* The counts of partial holders of shared blocks, recounted. */
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
        if (refs[block] < 2 || usage == self->block_size)
          continue;

        for (guint k = 0; k < 2; k++)
          {
            guint64 id_key = partial_key (block, k == 0 ? 0 : usage);
            guint count = GPOINTER_TO_UINT (g_hash_table_lookup (partial, &id_key));

            g_hash_table_insert (partial, g_memdup2 (&id_key, sizeof id_key), GUINT_TO_POINTER (count + 1));
          }
      }

    if (g_hash_table_size (partial) != g_hash_table_size (self->partial))
      return fail_check (error, "%u counts of partly used shared blocks, but %u kept",
                         g_hash_table_size (partial), g_hash_table_size (self->partial));

    g_hash_table_iter_init (&iter, partial);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (g_hash_table_lookup (self->partial, key) != value)
        return fail_check (error, "Block %u: %u holders keep %u slots, but the count says %u",
                           (guint32) (*(guint64 *) key >> 16), GPOINTER_TO_UINT (value),
                           (guint) (*(guint64 *) key & 0xffff),
                           GPOINTER_TO_UINT (g_hash_table_lookup (self->partial, key)));
  }

  return TRUE;
}
