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
  KvpBlockPool *pool;              /* the sequence, really allocated (if it fits) */
  KvpSeqId      seq;

  guint64       bytes_per_token;

  guint64       traditional_bytes; /* R × bytes_per_token */
  guint64       paged_bytes;       /* blocks_needed × B × bytes_per_token */
  gint64        saved_bytes;       /* traditional − paged; negative when paging costs more */
  double        saved_percent;     /* of traditional */

  gboolean      fits;              /* blocks_needed ≤ N */
  guint64       blocks_needed;     /* ceil (n / B) */
  guint64       blocks_used;       /* blocks taken in the pool: blocks_needed, or 0 */
  guint64       blocks_free;
  double        utilization_percent; /* blocks_used / N */

  guint64       traditional_waste_tokens; /* R − n, reserved but unused */
  guint64       traditional_waste_bytes;
  guint64       paged_waste_tokens;       /* slack in the last block, < B */
  guint64       paged_waste_bytes;

  guint64       traditional_capacity;     /* sequences of length n that fit: floor (N × B / R) */
  guint64       paged_capacity;           /* floor (N / ceil (n / B)) */
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
void           kvp_comparison_unref (KvpComparison    *self);
/* The figures as a JSON object; field names follow the /compare/memory
 * response ("mb" meaning MiB), with exact byte counts added. */
JsonNode      *kvp_comparison_to_json (KvpComparison  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpComparison, kvp_comparison_unref)

G_END_DECLS
