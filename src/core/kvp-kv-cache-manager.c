/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-kv-cache-manager.c: vLLM v1's KVCacheManager, its coordinators and
 * single-type managers (vllm/v1/core/kv_cache_manager.py,
 * kv_cache_coordinator.py, single_type_kv_cache_manager.py) over kvpage's
 * block pool (their block_pool.py). */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-kv-cache-manager.h"

/* The pool stores reference counts in 16 bits (kvp-block-pool.c); a block
 * shared that often is not hit again, so the request computes its own. */
#define REF_MAX G_MAXUINT16

typedef struct
{
  gboolean  alive;
  GArray   *segments;       /* KvpTokenSegment: the prompt, then the output */
  guint     n_prompt;       /* prompt segments; the output is the next */
  guint64   prompt_len;
  guint64   num_tokens;     /* prompt + generated */
  guint64   num_computed;
  gboolean  admitted;       /* holds a pool sequence per group */
  gboolean  preempted;      /* freed before: lookups count apart */
  KvpSeqId *seqs;           /* per group */
  guint64  *num_cached;     /* per group: blocks looked at for caching */
  GArray   *hashes;         /* guint64 per full block, chained */
  KvpBlockHasher hasher;

  /* The hit get_computed_blocks found, for allocate_slots: per group
   * hit_blocks entries (null blocks where a window skips). */
  gboolean  has_hit;
  guint64   hit_generation;
  guint64   hit_tokens;
  guint     hit_blocks;
  guint     hit_stride;     /* entries per group in hit */
  GArray   *hit;            /* guint32, n_groups × hit_stride */
} Request;

/* Groups with equal specs, looked up together (vLLM's attention_groups). */
typedef struct
{
  KvpKvGroupSpec spec;
  GArray        *groups;   /* guint */
} AttentionType;

struct _KvpKvCacheManager
{
  gatomicrefcount  ref_count;
  KvpBlockPool    *pool;
  guint32          block_size;
  guint32          null_block;
  gboolean         caching;
  GArray          *specs;       /* KvpKvGroupSpec per group */
  GArray          *types;       /* AttentionType, full attention first */
  GPtrArray       *requests;    /* Request *, indexed by KvpKvRequestId; NULL
                                   once removed, so a million requests over a
                                   run cost a pointer each */
  guint64          next_output_key;
  guint64          generation;  /* bumped by every change to the pool */
  KvpPrefixCacheStats stats;
};

static inline guint64
cdiv (guint64 a,
      guint64 b)
{
  return a / b + (a % b != 0);
}

static Request *
lookup (KvpKvCacheManager *self,
        KvpKvRequestId     id)
{
  Request *r;

  if (id >= self->requests->len)
    return NULL;
  r = g_ptr_array_index (self->requests, id);

  return r != NULL && r->alive ? r : NULL;
}

/* Tokens before the window of the next token (get_num_skipped_tokens). */
static guint64
skipped_tokens (const KvpKvGroupSpec *spec,
                guint64               num_computed)
{
  switch (spec->kind)
    {
    case KVP_KV_GROUP_SLIDING_WINDOW:
      return num_computed + 1 > spec->window ? num_computed + 1 - spec->window : 0;
    case KVP_KV_GROUP_CHUNKED_LOCAL:
      return num_computed / spec->window * spec->window;
    case KVP_KV_GROUP_FULL:
    default:
      return 0;
    }
}

static KvpTokenSegment *
output_segment (Request *r)
{
  return &g_array_index (r->segments, KvpTokenSegment, r->segments->len - 1);
}

/* Hashes of the request's first n full blocks, as far as its tokens go. */
static void
ensure_hashes (KvpKvCacheManager *self,
               Request           *r,
               guint64            n_blocks)
{
  while (r->hashes->len < n_blocks)
    {
      guint64 hash;

      if (!kvp_block_hasher_next (&r->hasher, (const KvpTokenSegment *) (gpointer) r->segments->data,
                                  r->segments->len, self->block_size, &hash))
        break;
      g_array_append_val (r->hashes, hash);
    }
}

static guint32
cached_block (KvpKvCacheManager *self,
              Request           *r,
              guint64            index,
              guint              group)
{
  guint64 hash = g_array_index (r->hashes, guint64, index);
  guint32 block = kvp_block_pool_lookup (self->pool, kvp_block_hash_key (hash, group));

  if (block != KVP_BLOCK_NONE && kvp_block_pool_get_ref_count (self->pool, block) >= REF_MAX)
    return KVP_BLOCK_NONE;

  return block;
}

/* Block i of the hit in group g. */
static inline guint32 *
hit_entry (Request *r,
           guint    group,
           guint64  i)
{
  return &g_array_index (r->hit, guint32, (gsize) group * r->hit_stride + i);
}

/* The blocks at index i for every group of the type, or FALSE on a miss. */
static gboolean
hit_at (KvpKvCacheManager   *self,
        Request             *r,
        const AttentionType *type,
        guint64              i)
{
  for (guint k = 0; k < type->groups->len; k++)
    if (cached_block (self, r, i, g_array_index (type->groups, guint, k)) == KVP_BLOCK_NONE)
      return FALSE;

  for (guint k = 0; k < type->groups->len; k++)
    {
      guint g = g_array_index (type->groups, guint, k);

      *hit_entry (r, g, i) = cached_block (self, r, i, g);
    }

  return TRUE;
}

static void
fill_null (KvpKvCacheManager   *self,
           Request             *r,
           const AttentionType *type,
           guint64              from,
           guint64              to)
{
  for (guint k = 0; k < type->groups->len; k++)
    for (guint64 i = from; i < to; i++)
      *hit_entry (r, g_array_index (type->groups, guint, k), i) = self->null_block;
}

/* FullAttentionManager.find_longest_cache_hit: left to right, up to the
 * first miss.  Returns the hit in blocks. */
static guint64
find_full (KvpKvCacheManager   *self,
           Request             *r,
           const AttentionType *type,
           guint64              max_blocks)
{
  guint64 n = 0;

  while (n < max_blocks && hit_at (self, r, type, n))
    n++;

  return n;
}

/* SlidingWindowManager.find_longest_cache_hit: right to left, the first run
 * of cdiv (window − 1, B) hits ends the hit; blocks before the run are not
 * needed (null).  Without such a run, the hit is the run from block 0. */
static guint64
find_sliding (KvpKvCacheManager   *self,
              Request             *r,
              const AttentionType *type,
              guint64              max_blocks)
{
  guint64 needed = cdiv (type->spec.window - 1, self->block_size);
  guint64 run = 0;

  for (guint64 i = max_blocks; i > 0; i--)
    {
      if (!hit_at (self, r, type, i - 1))
        {
          run = 0;
          continue;
        }
      if (++run >= needed)
        {
          fill_null (self, r, type, 0, i - 1);
          return i - 1 + run;
        }
    }

  /* No run long enough: the blocks found from index 0 up are the hit. */
  for (run = 0; run < max_blocks && hit_at (self, r, type, run); run++)
    ;

  return run;
}

/* ChunkedLocalAttentionManager.find_longest_cache_hit: blocks before the
 * last token's chunk are not needed; from there, left to right. */
static guint64
find_chunked (KvpKvCacheManager   *self,
              Request             *r,
              const AttentionType *type,
              guint64              max_length)
{
  guint64 max_blocks = max_length / self->block_size;
  guint64 start = max_length / type->spec.window * type->spec.window / self->block_size;
  guint64 n = start;

  fill_null (self, r, type, 0, start);
  while (n < max_blocks && hit_at (self, r, type, n))
    n++;

  return n;
}

static guint64
find_type (KvpKvCacheManager   *self,
           Request             *r,
           const AttentionType *type,
           guint64              max_length)
{
  switch (type->spec.kind)
    {
    case KVP_KV_GROUP_SLIDING_WINDOW:
      return find_sliding (self, r, type, max_length / self->block_size);
    case KVP_KV_GROUP_CHUNKED_LOCAL:
      return find_chunked (self, r, type, max_length);
    case KVP_KV_GROUP_FULL:
    default:
      return find_full (self, r, type, max_length / self->block_size);
    }
}

/* HybridKVCacheCoordinator.find_longest_cache_hit: each attention type
 * accepts the length or shortens it, until none shortens it; with one full
 * type and one other, a single pass.  Full attention's blocks are found
 * once and cut to the final length.  Returns the hit in blocks. */
static guint64
find_longest_cache_hit (KvpKvCacheManager *self,
                        Request           *r,
                        guint64            max_length)
{
  const AttentionType *first = &g_array_index (self->types, AttentionType, 0);
  gboolean simple = self->types->len == 2 && first->spec.kind == KVP_KV_GROUP_FULL;
  guint64 hit_length = max_length;
  guint64 full_blocks = G_MAXUINT64;

  for (;;)
    {
      guint64 length = hit_length;

      for (guint t = 0; t < self->types->len; t++)
        {
          const AttentionType *type = &g_array_index (self->types, AttentionType, t);

          if (type->spec.kind == KVP_KV_GROUP_FULL && full_blocks != G_MAXUINT64)
            length = MIN (full_blocks, length / self->block_size) * self->block_size;
          else if (type->spec.kind == KVP_KV_GROUP_FULL)
            length = (full_blocks = find_type (self, r, type, length)) * self->block_size;
          else
            length = find_type (self, r, type, length) * self->block_size;
        }

      if (length >= hit_length || self->types->len == 1)
        {
          hit_length = MIN (length, hit_length);
          break;
        }
      hit_length = length;
      if (simple)
        break;
    }

  return hit_length / self->block_size;
}

static void
record_lookup (KvpKvCacheManager *self,
               Request           *r,
               guint64            hit_tokens)
{
  if (r->preempted)
    {
      self->stats.preempted_requests++;
      self->stats.preempted_queries_tokens += r->num_tokens;
      self->stats.preempted_hits_tokens += hit_tokens;
    }
  else
    {
      self->stats.requests++;
      self->stats.queries_tokens += r->num_tokens;
      self->stats.hits_tokens += hit_tokens;
    }
}

static void
clear_request (Request *r)
{
  g_clear_pointer (&r->segments, g_array_unref);
  g_clear_pointer (&r->hashes, g_array_unref);
  g_clear_pointer (&r->hit, g_array_unref);
  g_clear_pointer (&r->seqs, g_free);
  g_clear_pointer (&r->num_cached, g_free);
  r->alive = FALSE;
}

static void
free_manager (KvpKvCacheManager *self)
{
  for (guint i = 0; i < self->requests->len; i++)
    if (g_ptr_array_index (self->requests, i) != NULL)
      {
        clear_request (g_ptr_array_index (self->requests, i));
        g_free (g_ptr_array_index (self->requests, i));
      }
  for (guint t = 0; t < self->types->len; t++)
    g_array_unref (g_array_index (self->types, AttentionType, t).groups);

  g_ptr_array_unref (self->requests);
  g_array_unref (self->types);
  g_array_unref (self->specs);
  kvp_block_pool_unref (self->pool);
  g_free (self);
}

/* Attention types in group order, full attention first (the hybrid
 * coordinator's sort: its left-to-right scan bounds the others). */
static void
build_types (KvpKvCacheManager *self)
{
  for (guint pass = 0; pass < 2; pass++)
    for (guint g = 0; g < self->specs->len; g++)
      {
        const KvpKvGroupSpec *spec = &g_array_index (self->specs, KvpKvGroupSpec, g);
        AttentionType *type = NULL;

        if ((spec->kind == KVP_KV_GROUP_FULL) != (pass == 0))
          continue;

        for (guint t = 0; t < self->types->len; t++)
          {
            AttentionType *known = &g_array_index (self->types, AttentionType, t);

            if (known->spec.kind == spec->kind && known->spec.window == spec->window)
              type = known;
          }

        if (type == NULL)
          {
            AttentionType fresh = { *spec, g_array_new (FALSE, FALSE, sizeof (guint)) };

            g_array_append_val (self->types, fresh);
            type = &g_array_index (self->types, AttentionType, self->types->len - 1);
          }
        g_array_append_val (type->groups, g);
      }
}

static KvpKvRequestId
new_request (KvpKvCacheManager     *self,
             const KvpTokenSegment *prompt,
             guint                  n_segments,
             const KvpTokenSegment *answer)
{
  guint n_groups = self->specs->len;
  KvpTokenSegment output = { KVP_TOKENS_OUTPUT, self->next_output_key++, 0, 0 };
  Request r = { 0, };

  r.alive = TRUE;
  r.segments = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
  for (guint i = 0; i < n_segments; i++)
    if (prompt[i].length > 0)
      {
        g_array_append_val (r.segments, prompt[i]);
        r.prompt_len += prompt[i].length;
      }
  r.n_prompt = r.segments->len;
  if (answer != NULL)
    {
      output = *answer;
      output.length = 0;
    }
  g_array_append_val (r.segments, output);
  r.num_tokens = r.prompt_len;
  r.seqs = g_new0 (KvpSeqId, n_groups);
  r.num_cached = g_new0 (guint64, n_groups);
  r.hashes = g_array_new (FALSE, FALSE, sizeof (guint64));
  r.hit = g_array_new (FALSE, FALSE, sizeof (guint32));
  kvp_block_hasher_init (&r.hasher);

  g_ptr_array_add (self->requests, g_memdup2 (&r, sizeof r));

  return self->requests->len - 1;
}

/* Blocks allocate_slots takes from the queue for group g of a request that
 * holds none yet: new blocks past the hit (or past the blocks its window
 * skips), and hit blocks that are free now (get_num_blocks_to_allocate). */
/* cdiv (tokens, B), or with cap the group's admission cap if lower. */
static guint64
required_blocks (KvpKvCacheManager    *self,
                 const KvpKvGroupSpec *spec,
                 guint64               tokens,
                 gboolean              cap)
{
  guint64 required = cdiv (tokens, self->block_size);

  if (cap && spec->admission_blocks > 0)
    required = MIN (required, spec->admission_blocks);

  return required;
}

static guint64
count_new_request (KvpKvCacheManager *self,
                   Request           *r,
                   guint              g,
                   guint64            need_slot,
                   guint64            total_computed,
                   gboolean           cap)
{
  const KvpKvGroupSpec *spec = &g_array_index (self->specs, KvpKvGroupSpec, g);
  guint64 skipped = skipped_tokens (spec, total_computed) / self->block_size;
  guint64 hit = r->has_hit ? r->hit_blocks : 0;
  guint64 required = required_blocks (self, spec, need_slot, cap);
  guint64 have = MAX (skipped, hit);
  guint64 count = required > have ? required - have : 0;

  for (guint64 i = skipped; i < hit; i++)
    {
      guint32 block = *hit_entry (r, g, i);

      if (block != self->null_block && kvp_block_pool_get_ref_count (self->pool, block) == 0)
        count++;
    }

  return count;
}

/* allocate_new_computed_blocks: the blocks the window skips are the null
 * block, the rest of the hit is touched. */
static void
admit (KvpKvCacheManager *self,
       Request           *r,
       guint64            total_computed)
{
  for (guint g = 0; g < self->specs->len; g++)
    {
      const KvpKvGroupSpec *spec = &g_array_index (self->specs, KvpKvGroupSpec, g);
      guint64 hit = r->has_hit ? r->hit_blocks : 0;
      guint64 skipped = MIN (skipped_tokens (spec, total_computed) / self->block_size, hit);
      KvpSeqId seq = kvp_block_pool_add_sequence (self->pool);

      r->seqs[g] = seq;
      kvp_block_pool_append_null (self->pool, seq, (guint) skipped);
      for (guint64 i = skipped; i < hit; i++)
        {
          guint32 block = *hit_entry (r, g, i);

          if (block == self->null_block)
            kvp_block_pool_append_null (self->pool, seq, 1);
          else
            kvp_block_pool_append_cached (self->pool, seq, block);
        }
      r->num_cached[g] = hit;
    }

  r->admitted = TRUE;
}

/* cache_blocks: full blocks up to num_tokens get the key of their hash. */
static void
cache_blocks (KvpKvCacheManager *self,
              Request           *r,
              guint64            num_tokens)
{
  guint64 full = num_tokens / self->block_size;

  ensure_hashes (self, r, full);
  g_assert (r->hashes->len >= full);

  for (guint g = 0; g < self->specs->len; g++)
    {
      const guint32 *table;
      guint n;

      if (r->num_cached[g] >= full)
        continue;

      table = kvp_block_pool_get_block_table (self->pool, r->seqs[g], &n);
      g_assert (n >= full);
      for (guint64 i = r->num_cached[g]; i < full; i++)
        if (table[i] != self->null_block && !kvp_block_pool_get_key (self->pool, table[i], NULL))
          kvp_block_pool_cache_block (self->pool, table[i],
                                      kvp_block_hash_key (g_array_index (r->hashes, guint64, i), g));
      r->num_cached[g] = full;
    }
}

/* get_num_blocks_to_allocate over the groups; cap: the full-sequence
 * admission check (apply_admission_cap). */
static guint64
count_blocks (KvpKvCacheManager *self,
              Request           *r,
              guint64            need_slot,
              guint64            total_computed,
              gboolean           cap)
{
  guint64 count = 0;

  for (guint g = 0; g < self->specs->len; g++)
    {
      if (!r->admitted)
        {
          count += count_new_request (self, r, g, need_slot, total_computed, cap);
        }
      else if (cap)
        {
          const KvpKvGroupSpec *spec = &g_array_index (self->specs, KvpKvGroupSpec, g);
          guint64 required = required_blocks (self, spec, need_slot, TRUE);
          guint n;

          kvp_block_pool_get_block_table (self->pool, r->seqs[g], &n);
          count += required > n ? required - n : 0;
        }
      else
        {
          guint64 length = kvp_block_pool_get_length (self->pool, r->seqs[g]);

          if (need_slot > length)
            count += kvp_block_pool_count_append (self->pool, r->seqs[g], need_slot - length);
        }
    }

  return count;
}

/**
 * kvp_kv_cache_manager_allocate_slots:
 *
 * vLLM's allocate_slots: slots for the request's computed tokens, the hit
 * get_computed_blocks just found (for a request holding no blocks) and
 * num_new_tokens more, in every group; new blocks come from the queue's
 * head, evicting cached ones; full blocks up to the request's tokens are
 * cached.  The tokens then count as computed.
 *
 * Returns: %FALSE with %KVP_ERROR_NO_SPACE when the pool has too few free
 *   blocks; only blocks a window no longer needs were released then.
 */
static gboolean
refuse (KvpKvCacheManager  *self,
        KvpKvRequestId      request,
        guint64             needed,
        GError            **error)
{
  g_autofree char *needed_text = NULL;
  g_autofree char *free_text = NULL;

  /* The scheduler asks at every step and passes no error: no text then. */
  if (error == NULL)
    return FALSE;

  /* The request's id plain, its counts grouped. */
  needed_text = kvp_format_count (needed);
  free_text = kvp_format_count (kvp_block_pool_get_num_free (self->pool));
  g_set_error (error, KVP_ERROR, KVP_ERROR_NO_SPACE,
               g_dngettext (GETTEXT_PACKAGE,
                            "Request %u needs %s more block and the pool has %s free",
                            "Request %u needs %s more blocks and the pool has %s free",
                            (gulong) MIN (needed, (guint64) G_MAXULONG)),
               request, needed_text, free_text);

  return FALSE;
}

static gboolean
check_request (KvpKvCacheManager  *self,
               KvpKvRequestId      id,
               Request            *r,
               GError            **error)
{
  if (r->num_computed > r->num_tokens || r->num_tokens != r->prompt_len + output_segment (r)->length)
    return kvp_set_failed (error, "Request %u: %" PRIu64 " computed of %" PRIu64 " tokens, "
                           "prompt %" PRIu64, id, r->num_computed, r->num_tokens, r->prompt_len);
  if (!r->admitted)
    return r->num_computed == 0 ? TRUE : kvp_set_failed (error, "Request %u holds no blocks but "
                                                         "has computed tokens", id);

  for (guint g = 0; g < self->specs->len; g++)
    {
      guint n;
      const guint32 *table = kvp_block_pool_get_block_table (self->pool, r->seqs[g], &n);

      if (kvp_block_pool_get_length (self->pool, r->seqs[g]) < r->num_computed)
        return kvp_set_failed (error, "Request %u, group %u: fewer slots than computed tokens", id, g);
      if (r->num_cached[g] > n || r->num_cached[g] > r->hashes->len)
        return kvp_set_failed (error, "Request %u, group %u: %" PRIu64 " cached of %u blocks",
                               id, g, r->num_cached[g], n);

      for (guint i = 0; i < n; i++)
        {
          guint64 key;
          gboolean keyed = kvp_block_pool_get_key (self->pool, table[i], &key);

          if (table[i] == self->null_block)
            continue;
          if (i < r->num_cached[g] && self->caching &&
              (!keyed || key != kvp_block_hash_key (g_array_index (r->hashes, guint64, i), g)))
            return kvp_set_failed (error, "Request %u, group %u: block %u at %u is not cached "
                                   "with the hash of its tokens", id, g, table[i], i);
          if (i >= r->num_cached[g] && keyed)
            return kvp_set_failed (error, "Request %u, group %u: block %u at %u is cached "
                                   "before its tokens were", id, g, table[i], i);
        }
    }

  return TRUE;
}


double
kvp_prefix_cache_stats_hit_rate_percent (const KvpPrefixCacheStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0.0);

  return stats->queries_tokens > 0 ? 100.0 * (double) stats->hits_tokens / (double) stats->queries_tokens : 0.0;
}

/**
 * kvp_kv_cache_manager_new:
 *
 * Returns: (transfer full): a manager whose pool's block 0 is the null block,
 *   or %NULL with @error set when a size is out of range (the pool's checks)
 *   or a window is 0.
 */
KvpKvCacheManager *
kvp_kv_cache_manager_new (guint32                num_gpu_blocks,
                          guint32                block_size,
                          const KvpKvGroupSpec  *groups,
                          guint                  n_groups,
                          gboolean               enable_caching,
                          GError               **error)
{
  g_autoptr(KvpBlockPool) pool = NULL;
  KvpKvCacheManager *self;

  g_return_val_if_fail (groups != NULL && n_groups > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint g = 0; g < n_groups; g++)
    g_return_val_if_fail (groups[g].kind == KVP_KV_GROUP_FULL || groups[g].window > 0, NULL);

  /* The null block and at least one block a token can use. */
  if ((pool = kvp_block_pool_new (MAX (num_gpu_blocks, 2), block_size, error)) == NULL)
    return NULL;
  if (num_gpu_blocks < 2)
    {
      g_autofree char *blocks = kvp_format_count (num_gpu_blocks);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("A pool of %s blocks has none left beside vLLM’s null block"), blocks);
      return NULL;
    }
  if (enable_caching && !kvp_block_pool_enable_caching (pool, error))
    return NULL;

  self = g_new0 (KvpKvCacheManager, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->pool = g_steal_pointer (&pool);
  self->block_size = block_size;
  self->null_block = kvp_block_pool_reserve_null_block (self->pool);
  self->caching = enable_caching;
  self->specs = g_array_new (FALSE, FALSE, sizeof (KvpKvGroupSpec));
  g_array_append_vals (self->specs, groups, n_groups);
  self->types = g_array_new (FALSE, FALSE, sizeof (AttentionType));
  self->requests = g_ptr_array_new ();
  build_types (self);

  return self;
}

KvpKvCacheManager *
kvp_kv_cache_manager_ref (KvpKvCacheManager *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
kvp_kv_cache_manager_unref (KvpKvCacheManager *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    free_manager (self);
}

KvpBlockPool *
kvp_kv_cache_manager_get_pool (KvpKvCacheManager *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->pool;
}

KvpKvRequestId
kvp_kv_cache_manager_add_request_full (KvpKvCacheManager     *self,
                                       const KvpTokenSegment *prompt,
                                       guint                  n_segments,
                                       const KvpTokenSegment *answer)
{
  guint64 total = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (prompt != NULL || n_segments == 0, 0);

  for (guint i = 0; i < n_segments; i++)
    {
      g_return_val_if_fail (prompt[i].length <= G_MAXUINT64 - total, 0);
      total += prompt[i].length;
    }
  g_return_val_if_fail (total > 0, 0);
  g_return_val_if_fail (self->requests->len < G_MAXUINT32, 0);

  return new_request (self, prompt, n_segments, answer);
}

KvpKvRequestId
kvp_kv_cache_manager_add_request (KvpKvCacheManager     *self,
                                  const KvpTokenSegment *prompt,
                                  guint                  n_segments)
{
  return kvp_kv_cache_manager_add_request_full (self, prompt, n_segments, NULL);
}

/**
 * kvp_kv_cache_manager_get_computed_blocks:
 *
 * vLLM's get_computed_blocks for a request holding no blocks: the longest
 * prefix of full blocks every group has cached, capped at num_tokens − 1 so
 * the last token is always computed (which can cost a whole block).  0
 * without prefix caching, and then nothing is recorded.
 *
 * Returns: the hit in tokens.
 */
guint64
kvp_kv_cache_manager_get_computed_blocks (KvpKvCacheManager *self,
                                          KvpKvRequestId     request)
{
  Request *r;
  guint64 max_blocks;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((r = lookup (self, request)) != NULL, 0);
  g_return_val_if_fail (!r->admitted, 0);

  r->has_hit = FALSE;
  if (!self->caching)
    return 0;

  max_blocks = (r->num_tokens - 1) / self->block_size;
  ensure_hashes (self, r, max_blocks);
  g_assert (r->hashes->len >= max_blocks);

  r->hit_stride = (guint) max_blocks;
  g_array_set_size (r->hit, (guint) (max_blocks * self->specs->len));
  r->hit_blocks = (guint) find_longest_cache_hit (self, r, max_blocks * self->block_size);
  r->hit_tokens = (guint64) r->hit_blocks * self->block_size;
  r->has_hit = TRUE;
  r->hit_generation = self->generation;

  record_lookup (self, r, r->hit_tokens);

  return r->hit_tokens;
}

gboolean
kvp_kv_cache_manager_allocate_slots (KvpKvCacheManager  *self,
                                     KvpKvRequestId      request,
                                     guint64             num_new_tokens,
                                     gboolean            full_sequence_must_fit,
                                     GError            **error)
{
  return kvp_kv_cache_manager_allocate_slots_ahead (self, request, num_new_tokens, 0, full_sequence_must_fit, error);
}

gboolean
kvp_kv_cache_manager_allocate_slots_ahead (KvpKvCacheManager  *self,
                                           KvpKvRequestId      request,
                                           guint64             num_new_tokens,
                                           guint64             num_lookahead_tokens,
                                           gboolean            full_sequence_must_fit,
                                           GError            **error)
{
  Request *r;
  guint64 total_computed, need_slot, needed;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail ((r = lookup (self, request)) != NULL, FALSE);
  g_return_val_if_fail (num_new_tokens > 0, FALSE);
  g_return_val_if_fail (!r->has_hit || r->hit_generation == self->generation, FALSE);

  total_computed = r->num_computed + (r->has_hit ? r->hit_tokens : 0);
  g_return_val_if_fail (num_new_tokens <= r->num_tokens - total_computed, FALSE);
  g_return_val_if_fail (num_lookahead_tokens <= G_MAXUINT32, FALSE);
  /* Slots for the lookahead tokens too, as vLLM's num_tokens_need_slot;
   * they are neither computed nor cached. */
  need_slot = total_computed + num_new_tokens + num_lookahead_tokens;

  if (full_sequence_must_fit &&
      (needed = count_blocks (self, r, r->num_tokens, total_computed, TRUE)) > kvp_block_pool_get_num_free (self->pool))
    {
      r->has_hit = FALSE;
      return refuse (self, request, needed, error);
    }

  /* remove_skipped_blocks comes first, so the freed blocks count, and
   * stays done even when the request cannot be scheduled. */
  if (r->admitted)
    for (guint g = 0; g < self->specs->len; g++)
      {
        const KvpKvGroupSpec *spec = &g_array_index (self->specs, KvpKvGroupSpec, g);
        guint64 skipped = skipped_tokens (spec, total_computed) / self->block_size;

        if (skipped > 0)
          {
            kvp_block_pool_skip_blocks (self->pool, r->seqs[g], skipped);
            self->generation++;
          }
      }

  needed = count_blocks (self, r, need_slot, total_computed, FALSE);
  if (needed > kvp_block_pool_get_num_free (self->pool))
    {
      r->has_hit = FALSE;
      return refuse (self, request, needed, error);
    }

  if (!r->admitted)
    admit (self, r, total_computed);

  for (guint g = 0; g < self->specs->len; g++)
    {
      guint64 length = kvp_block_pool_get_length (self->pool, r->seqs[g]);

      if (need_slot > length &&
          !kvp_block_pool_append (self->pool, r->seqs[g], need_slot - length, NULL))
        g_assert_not_reached ();
    }

  /* vLLM caches up to the tokens computed once this step has run, never a
   * lookahead slot's (num_tokens_to_cache in allocate_slots). */
  if (self->caching)
    cache_blocks (self, r, MIN (total_computed + num_new_tokens, r->num_tokens));

  r->num_computed = total_computed + num_new_tokens;
  r->has_hit = FALSE;
  self->generation++;

  return TRUE;
}

void
kvp_kv_cache_manager_add_output_tokens (KvpKvCacheManager *self,
                                        KvpKvRequestId     request,
                                        guint64            n_tokens)
{
  Request *r;

  g_return_if_fail (self != NULL);
  g_return_if_fail ((r = lookup (self, request)) != NULL);
  g_return_if_fail (n_tokens <= G_MAXUINT64 - r->num_tokens);

  output_segment (r)->length += n_tokens;
  r->num_tokens += n_tokens;
}

/* coordinator.free: group by group, each request's blocks last first. */
void
kvp_kv_cache_manager_free (KvpKvCacheManager *self,
                           KvpKvRequestId     request)
{
  Request *r;

  g_return_if_fail (self != NULL);
  g_return_if_fail ((r = lookup (self, request)) != NULL);

  r->has_hit = FALSE;
  if (!r->admitted)
    return;

  for (guint g = 0; g < self->specs->len; g++)
    {
      kvp_block_pool_release_sequence (self->pool, r->seqs[g]);
      r->num_cached[g] = 0;
    }

  r->admitted = FALSE;
  r->preempted = TRUE;
  r->num_computed = 0;
  self->generation++;
}

void
kvp_kv_cache_manager_remove_request (KvpKvCacheManager *self,
                                     KvpKvRequestId     request)
{
  Request *r;

  g_return_if_fail (self != NULL);
  g_return_if_fail ((r = lookup (self, request)) != NULL);

  kvp_kv_cache_manager_free (self, request);
  clear_request (r);
  g_free (r);
  g_ptr_array_index (self->requests, request) = NULL;
}

/**
 * kvp_kv_cache_manager_fork:
 *
 * Fails with %KVP_ERROR_NO_SPACE, changing nothing, when a block of the
 * request is already shared 65,535 times.
 */
gboolean
kvp_kv_cache_manager_fork (KvpKvCacheManager  *self,
                           KvpKvRequestId      request,
                           KvpKvRequestId     *out_child,
                           GError            **error)
{
  Request *r, *child;
  KvpKvRequestId id;
  g_autofree KvpSeqId *seqs = NULL;
  g_autoptr(GArray) inherited = NULL;
  guint64 left;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail ((r = lookup (self, request)) != NULL, FALSE);
  g_return_val_if_fail (r->admitted, FALSE);

  left = r->num_computed;
  seqs = g_new0 (KvpSeqId, self->specs->len);
  for (guint g = 0; g < self->specs->len; g++)
    if (!kvp_block_pool_fork (self->pool, r->seqs[g], &seqs[g], error))
      {
        for (guint k = 0; k < g; k++)
          kvp_block_pool_free_sequence (self->pool, seqs[k]);
        return FALSE;
      }

  /* Its tokens: the parent's computed ones, then its own — from the token
   * sampled but not computed yet, where candidates differ. */
  inherited = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
  for (guint i = 0; i < r->segments->len && left > 0; i++)
    {
      KvpTokenSegment seg = g_array_index (r->segments, KvpTokenSegment, i);

      seg.length = MIN (seg.length, left);
      left -= seg.length;
      g_array_append_val (inherited, seg);
    }

  id = new_request (self, (const KvpTokenSegment *) (gpointer) inherited->data, inherited->len, NULL);
  r = lookup (self, request);
  child = lookup (self, id);
  output_segment (child)->length = r->num_tokens - r->num_computed;
  child->num_tokens = r->num_tokens;
  child->num_computed = r->num_computed;
  child->admitted = TRUE;
  memcpy (child->seqs, seqs, self->specs->len * sizeof (KvpSeqId));
  memcpy (child->num_cached, r->num_cached, self->specs->len * sizeof (guint64));
  for (guint g = 0; g < self->specs->len; g++)
    ensure_hashes (self, child, child->num_cached[g]);
  self->generation++;

  if (out_child != NULL)
    *out_child = id;

  return TRUE;
}

gboolean
kvp_kv_cache_manager_has_request (KvpKvCacheManager *self,
                                  KvpKvRequestId     request)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return lookup (self, request) != NULL;
}

guint64
kvp_kv_cache_manager_get_num_tokens (KvpKvCacheManager *self,
                                     KvpKvRequestId     request)
{
  Request *r;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((r = lookup (self, request)) != NULL, 0);

  return r->num_tokens;
}

guint64
kvp_kv_cache_manager_get_num_computed_tokens (KvpKvCacheManager *self,
                                              KvpKvRequestId     request)
{
  Request *r;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((r = lookup (self, request)) != NULL, 0);

  return r->num_computed;
}

const guint32 *
kvp_kv_cache_manager_get_block_table (KvpKvCacheManager *self,
                                      KvpKvRequestId     request,
                                      guint              group,
                                      guint             *n_blocks)
{
  Request *r;

  if (n_blocks != NULL)
    *n_blocks = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail ((r = lookup (self, request)) != NULL, NULL);
  g_return_val_if_fail (group < self->specs->len, NULL);

  if (!r->admitted)
    return NULL;

  return kvp_block_pool_get_block_table (self->pool, r->seqs[group], n_blocks);
}

KvpPrefixCacheStats
kvp_kv_cache_manager_get_stats (KvpKvCacheManager *self)
{
  KvpPrefixCacheStats stats = { 0, };

  g_return_val_if_fail (self != NULL, stats);

  stats = self->stats;
  stats.evicted_blocks = kvp_block_pool_get_num_evicted (self->pool);

  return stats;
}

void
kvp_kv_cache_manager_count_blocks (KvpKvCacheManager *self,
                                   guint64           *out_logical,
                                   guint64           *out_physical)
{
  guint64 logical = 0;

  g_return_if_fail (self != NULL);

  for (guint id = 0; id < self->requests->len; id++)
    {
      Request *r = g_ptr_array_index (self->requests, id);

      if (r == NULL || !r->alive || !r->admitted)
        continue;

      for (guint g = 0; g < self->specs->len; g++)
        {
          guint n;
          const guint32 *table = kvp_block_pool_get_block_table (self->pool, r->seqs[g], &n);

          for (guint i = 0; i < n; i++)
            logical += table[i] != self->null_block;
        }
    }

  if (out_logical != NULL)
    *out_logical = logical;
  /* The null block counts as used in the pool, never as holding tokens. */
  if (out_physical != NULL)
    *out_physical = kvp_block_pool_get_num_used (self->pool) - 1;
}

gboolean
kvp_kv_cache_manager_check (KvpKvCacheManager  *self,
                            GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kvp_block_pool_check (self->pool, error))
    return FALSE;

  for (guint id = 0; id < self->requests->len; id++)
    {
      Request *r = g_ptr_array_index (self->requests, id);

      if (r != NULL && r->alive && !check_request (self, id, r, error))
        return FALSE;
    }

  return TRUE;
}
