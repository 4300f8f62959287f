/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-pool-history.h: other requests coming and going through a block pool
 * before the sequence view's own, so its blocks sit where a running pool
 * would put them: scattered among the others', as paging's block table
 * allows.  Seeded, so every run places them the same way. */

#pragma once

#include <glib.h>

#include "kvp-block-pool.h"

G_BEGIN_DECLS

/* The history's seed: the same placement in the window, --json and exports. */
#define KVP_POOL_HISTORY_SEED       18u
/* The history runs in pools up to this size, where the picture draws one
 * cell per block; past it one cell stands for several blocks, placement
 * cannot be seen, and the sequence is alone in a fresh pool (0, 1, 2, …). */
#define KVP_POOL_HISTORY_MAX_BLOCKS 16384u

/* Serves other requests through @pool (a fresh pool of at most
 * KVP_POOL_HISTORY_MAX_BLOCKS usable blocks, its null block reserved or not;
 * a bigger one is left as it is) until it has
 * handed out every block once, keeping about half
 * the pool held, each request freed last block first as vLLM frees; then
 * frees the newest requests (as vLLM preempts) until @room blocks are free.
 * The requests still held are the pool's sequences other than those added
 * afterwards. */
gboolean kvp_pool_history_run (KvpBlockPool  *pool,
                               guint64        room,
                               GError       **error);

G_END_DECLS
