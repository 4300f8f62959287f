/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-comparison.h: one sequence stored two ways — a traditional cache that
 * reserves max_seq_len tokens up front, and a PagedAttention block pool — and
 * every figure kvpage shows about the difference. */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "kvp-block-pool.h"
#include "kvp-model.h"
#include "kvp-params.h"

G_BEGIN_DECLS

typedef struct _KvpComparison KvpComparison;

/* Read-only once built. */
struct _KvpComparison
{
  /*< private >*/
  gatomicrefcount ref_count;

  KvpModel     *model;             /* params.model: a reference (kvp_model_ref) */

  /*< public >*/
  KvpParams     params;
  KvpBlockPool *pool;              /* the samples, really allocated (if they fit), among
                                    * other requests (kvp-pool-history.h) */
  KvpSeqId      seq;               /* the first sample */
  KvpSeqId      sample_seqs[KVP_PARAMS_MAX_SAMPLES]; /* every sample, params.samples of them */

  guint64       bytes_per_token;

  guint64       traditional_bytes; /* samples × R × bytes_per_token */
  guint64       paged_bytes;       /* blocks_used × B × bytes_per_token (held, fits or not) */
  gint64        saved_bytes;       /* traditional − paged; negative when paging costs more */
  double        saved_percent;     /* of traditional */

  /* The blocks a request can get: N, or N − 1 when params.null_block says
   * block 0 is vLLM's null block, which the pool then holds for good
   * (never a request's).  vLLM's usage, blocks_free and fits count over
   * these; num_blocks and the capacities stay vLLM's N, as its log does. */
  guint64       usable_blocks;
  gboolean      fits;              /* blocks_held ≤ usable_blocks */
  guint64       blocks_needed;     /* ceil (n / B): one sample's block table */
  guint64       blocks_held;       /* distinct blocks all samples hold, shared ones once */
  guint64       blocks_used;       /* blocks taken in the pool: blocks_held, or 0 */
  guint64       blocks_free;       /* usable_blocks − blocks_used */
  double        utilization_percent; /* blocks_used / usable_blocks: vLLM's
                                      * BlockPool.get_usage () */

  /* Parallel sampling: blocks several samples hold (reference count =
   * samples: the prompt's full blocks, and its partly filled last block when
   * no sample has written into it yet), the samples' own blocks together
   * (copies made on write and generated tokens), and the paper's Figure 15
   * measure, blocks saved by sharing over blocks without sharing. */
  guint64       shared_blocks;
  guint64       own_blocks;
  guint64       blocks_without_sharing;   /* samples × blocks_needed */
  guint64       sharing_saved_blocks;
  double        sharing_saving_percent;

  guint64       traditional_waste_tokens; /* samples × (R − n), reserved but unused */
  guint64       traditional_waste_bytes;
  guint64       paged_waste_tokens;       /* slack in each sample's last block, < B each;
                                           * with a layout, in each group's, in one
                                           * group's slots */
  guint64       paged_waste_bytes;
  /* With a layout: the token slots the sequence would fill in all its
   * groups (n each) that a window freed, so its blocks hold fewer. */
  guint64       window_freed_slots;
  /* The pool's bytes, N blocks of B tokens of every layer they span (of
   * one group's layers with a layout, as paged_bytes counts them). */
  guint64       pool_bytes;

  /* Requests (of samples sequences of length n) that fit. */
  guint64       traditional_capacity;     /* floor (pool_bytes / traditional_bytes):
                                           * the model's real layers, no padding */
  guint64       paged_capacity;           /* floor (N / blocks_held) */
};

/* A boxed type (by reference), so a comparison can be a property. */
#define KVP_TYPE_COMPARISON (kvp_comparison_get_type ())
GType          kvp_comparison_get_type (void) G_GNUC_CONST;

KvpComparison *kvp_comparison_new   (const KvpParams  *params,
                                     GError          **error);
/* The same figures without a pool (pool is NULL): O(1), for the figures an
 * animation shows between two comparisons. */
KvpComparison *kvp_comparison_new_figures (const KvpParams  *params,
                                           GError          **error);
KvpComparison *kvp_comparison_ref   (KvpComparison    *self);
/* Which sample seq is (0 … samples − 1), or -1: another request of the
 * pool's history (kvp-pool-history.h). */
int            kvp_comparison_get_sample (KvpComparison *self,
                                          KvpSeqId       seq);
void           kvp_comparison_unref (KvpComparison    *self);
/* The figures as a JSON object; field names follow the /compare/memory
 * response ("mb" meaning MiB), with exact byte counts added. */
JsonNode      *kvp_comparison_to_json (KvpComparison  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpComparison, kvp_comparison_unref)

G_END_DECLS
