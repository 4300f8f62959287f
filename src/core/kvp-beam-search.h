/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-beam-search.h: the PagedAttention paper's beam search as the KV cache
 * sees it — K candidates sharing blocks, forked and pruned each step, the
 * first write into a shared last block copying it.  Which candidates survive
 * cannot follow from lengths alone, so a seeded model decides (below). */

#pragma once

#include <glib.h>

#include "kvp-kv-cache-manager.h"

G_BEGIN_DECLS

#define KVP_BEAM_SEARCH_MAX_WIDTH 64u

typedef struct _KvpBeamSearch KvpBeamSearch;

/* Takes over a request whose prompt is computed (its first token sampled):
 * it is the search's one candidate. */
KvpBeamSearch        *kvp_beam_search_new            (KvpKvCacheManager  *manager,
                                                      KvpKvRequestId      request,
                                                      guint               width,
                                                      guint64             seed);
void                  kvp_beam_search_free           (KvpBeamSearch      *self);

/* One decode step.  The model: each of the width new candidates extends a
 * parent drawn uniformly, with replacement, from the current ones (a
 * Wright–Fisher step: no candidate is better than another).  A candidate
 * no new one extends is dropped, its blocks freed; one extended c times
 * forks c − 1 times; then every candidate writes one token.  FALSE with
 * KVP_ERROR_NO_SPACE when a block is missing: the candidates are as far as
 * they got, for the caller to free (preemption). */
gboolean              kvp_beam_search_step           (KvpBeamSearch      *self,
                                                      GError            **error);
const KvpKvRequestId *kvp_beam_search_get_candidates (KvpBeamSearch      *self,
                                                      guint              *n);
/* Frees every candidate's blocks and forgets them. */
void                  kvp_beam_search_remove_all     (KvpBeamSearch      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpBeamSearch, kvp_beam_search_free)

G_END_DECLS
