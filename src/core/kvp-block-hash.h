/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-block-hash.h: token identity without the tokens — a prompt as segments
 * (a shared prefix, Mooncake's hash ids, tokens of its own) — and the chained
 * hash of each full block over it, as vLLM v1 identifies cached blocks. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where a segment's tokens come from.  Each (kind, id) names one stream of
 * tokens; a segment is length tokens of it from token start, so token k of a
 * segment is token start + k of its stream, the same wherever it appears. */
typedef enum
{
  KVP_TOKENS_UNIQUE,   /* a prompt's own text; id: the caller's (a request) */
  KVP_TOKENS_PREFIX,   /* a shared prefix, e.g. a system prompt; id: prefix_id */
  KVP_TOKENS_HASH_ID,  /* one of Mooncake's 512-token blocks; id: its hash id */
  KVP_TOKENS_OUTPUT,   /* tokens a request generated; id: its output key */
} KvpTokenKind;

typedef struct
{
  KvpTokenKind kind;
  guint64      id;
  guint64      length;   /* tokens, ≥ 1 */
  guint64      start;    /* its first token's place in the stream; 0 for a
                            segment that starts it */
} KvpTokenSegment;

/* Walks a token sequence one full block at a time.  A block's hash mixes its
 * parent's (a fixed seed for the first block, where vLLM uses NONE_HASH) with
 * the runs of tokens in it — kind, id, first place in the stream and count of
 * each run, consecutive segments that continue one stream making one run —
 * so equal tokens give equal hashes wherever the segment boundaries fall
 * (a prompt, and the answer continuing it, hash as the longer prompt that
 * holds both), and a block straddling two streams hashes both runs. */
typedef struct
{
  guint   segment;   /* the segment the next block starts in */
  guint64 offset;    /* its first token there */
  guint64 parent;    /* the last block's hash */
} KvpBlockHasher;

void     kvp_block_hasher_init  (KvpBlockHasher        *hasher);
/* The next full block's hash, or FALSE (nothing changed) when the segments
 * end before block_size more tokens. */
gboolean kvp_block_hasher_next  (KvpBlockHasher        *hasher,
                                 const KvpTokenSegment *segments,
                                 guint                  n_segments,
                                 guint32                block_size,
                                 guint64               *out_hash);
/* The prefix cache's key: a block's hash and its KV-cache group, as vLLM's
 * BlockHashWithGroupId. */
guint64  kvp_block_hash_key     (guint64                hash,
                                 guint                  group);

G_END_DECLS
