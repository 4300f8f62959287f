/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-state.h: what the window shows, as one object the controls, the
 * canvas and the settings bind to.  No GTK: it runs and is tested without a
 * display.
 *
 * Properties: "model" and "kv-dtype" (keys, as the command line and the
 * settings spell them), one guint64 property per numeric parameter, named as
 * in kvp-params.c ("seq-len", "max-seq-len", "block-size", "num-blocks"), and
 * the read-only "comparison" of those values.
 *
 * A numeric property reads the value shown and takes the value asked for:
 * a sequence longer than the reservation shows as the reservation, and comes
 * back when the reservation grows again.  Every change is clamped into the
 * parameter's range, notified only when what is shown changes, and merged
 * with the others into one recompute, which runs in a worker; a newer
 * change cancels an older recompute. */

#pragma once

#include <gio/gio.h>

#include "kvp-comparison.h"
#include "kvp-params.h"

G_BEGIN_DECLS

#define KVP_TYPE_STATE (kvp_state_get_type ())

G_DECLARE_FINAL_TYPE (KvpState, kvp_state, KVP, STATE, GObject)

KvpState       *kvp_state_new             (void);

/* The values shown (each within its range and bound). */
void            kvp_state_get_params      (KvpState        *self,
                                           KvpParams       *out_params);
/* Asks for all of @params at once (clamped, one recompute). */
void            kvp_state_set_params      (KvpState        *self,
                                           const KvpParams *params);
guint64         kvp_state_get_value       (KvpState        *self,
                                           KvpParamId       id);
/* Asks for @value; returns the value it was clamped to within the
 * parameter's own range (what is shown may still be less, under a bound). */
guint64         kvp_state_set_value       (KvpState        *self,
                                           KvpParamId       id,
                                           guint64          value);
/* The value asked for, which may be more than is shown under a bound: what
 * to remember for next time. */
guint64         kvp_state_get_asked       (KvpState        *self,
                                           KvpParamId       id);
/* The largest value @id can show now: its max, or its bound's value. */
guint64         kvp_state_get_max         (KvpState        *self,
                                           KvpParamId       id);

const KvpModel *kvp_state_get_model       (KvpState        *self);
/* A model comes with its context: the reservation becomes that length. */
void            kvp_state_choose_model    (KvpState        *self,
                                           const KvpModel  *model);
/* The pool's groups as vLLM's sizing made them (a hybrid model's), or NULL
 * for one group of full attention; set by KvpDeployState. */
void            kvp_state_set_layout      (KvpState            *self,
                                           const KvpPoolLayout *layout);
/* Whether the pool is vLLM's, whose block 0 is its null block (params'
 * null_block); set by KvpDeployState. */
void            kvp_state_set_null_block  (KvpState        *self,
                                           gboolean         null_block);
KvpDtype        kvp_state_get_dtype       (KvpState        *self);
void            kvp_state_set_dtype       (KvpState        *self,
                                           KvpDtype         dtype);
void            kvp_state_reset           (KvpState        *self);

/* The comparison last computed, or NULL before the first one ends. */
KvpComparison  *kvp_state_get_comparison  (KvpState        *self);
/* TRUE while the comparison is behind the values (a recompute is queued or
 * running). */
gboolean        kvp_state_is_pending      (KvpState        *self);
/* Computes the comparison of the values now, in this thread, when it is
 * behind them; for an export that must show exactly what was asked. */
KvpComparison  *kvp_state_flush           (KvpState        *self);

/* How many comparisons were published; for tests and benchmarks. */
guint           kvp_state_get_n_published (KvpState        *self);

G_END_DECLS
