/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-block-hash.c: chained 64-bit block hashes over token segments. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-block-hash.h"

/* The first block's parent.  vLLM draws NONE_HASH at random (or from
 * PYTHONHASHSEED); a fixed one keeps runs reproducible. */
#define FIRST_PARENT G_GUINT64_CONSTANT (0x6b7670616765a5a5)

/* SplitMix64's finaliser: every input bit reaches every output bit. */
static inline guint64
finalise (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);

  return z ^ (z >> 31);
}

/* Order matters: mix (mix (h, a), b) ≠ mix (mix (h, b), a). */
static inline guint64
mix (guint64 h,
     guint64 value)
{
  return finalise (h ^ (value + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) + (h << 6) + (h >> 2)));
}

void
kvp_block_hasher_init (KvpBlockHasher *hasher)
{
  g_return_if_fail (hasher != NULL);

  hasher->segment = 0;
  hasher->offset = 0;
  hasher->parent = FIRST_PARENT;
}

gboolean
kvp_block_hasher_next (KvpBlockHasher        *hasher,
                       const KvpTokenSegment *segments,
                       guint                  n_segments,
                       guint32                block_size,
                       guint64               *out_hash)
{
  guint segment = hasher->segment;
  guint64 offset = hasher->offset;
  guint64 left = block_size;
  guint64 h;
  /* The run being gathered: a stream's tokens [run_start, run_start + run_count). */
  const KvpTokenSegment *run = NULL;
  guint64 run_start = 0, run_count = 0;

  g_return_val_if_fail (hasher != NULL && out_hash != NULL, FALSE);
  g_return_val_if_fail (segments != NULL || n_segments == 0, FALSE);
  g_return_val_if_fail (block_size > 0, FALSE);

  h = mix (hasher->parent, block_size);

  while (left > 0)
    {
      const KvpTokenSegment *seg;
      guint64 take;

      /* A segment may have grown since (a request's output), so the end of
       * one is only left once the next block needs more. */
      while (segment < n_segments && offset >= segments[segment].length)
        {
          segment++;
          offset = 0;
        }
      if (segment == n_segments)
        return FALSE;

      seg = &segments[segment];
      take = MIN (left, seg->length - offset);
      if (run != NULL && (run->kind != seg->kind || run->id != seg->id || run_start + run_count != seg->start + offset))
        {
          h = mix (mix (mix (mix (h, (guint64) run->kind), run->id), run_start), run_count);
          run = NULL;
        }
      if (run == NULL)
        {
          run = seg;
          run_start = seg->start + offset;
          run_count = 0;
        }
      run_count += take;
      offset += take;
      left -= take;
    }
  h = mix (mix (mix (mix (h, (guint64) run->kind), run->id), run_start), run_count);

  hasher->segment = segment;
  hasher->offset = offset;
  hasher->parent = h;
  *out_hash = h;

  return TRUE;
}

guint64
kvp_block_hash_key (guint64 hash,
                    guint   group)
{
  return mix (hash, group);
}
