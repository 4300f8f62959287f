/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-state.h: the capacity view's state: a range of request
 * rates, and the sweep (the paper's Figure 12) of the serving state's
 * workload, requests and seed on the deploy state's pool at those rates.
 * It sweeps in a worker whenever the range or one of those changes (while
 * "active"), a newer change cancelling the older sweep.  No GTK.
 *
 * Properties (read-write): "rate-start", "rate-stop", "rate-step"
 * (requests per second; start to stop included), "active".  Read-only:
 * "sweep" (the last finished sweep, or NULL), "error" (why there is none),
 * "busy". */

#pragma once

#include <gio/gio.h>

#include "kvp-serving-state.h"
#include "kvp-sweep.h"

G_BEGIN_DECLS

#define KVP_TYPE_CAPACITY_STATE (kvp_capacity_state_get_type ())

G_DECLARE_FINAL_TYPE (KvpCapacityState, kvp_capacity_state, KVP, CAPACITY_STATE, GObject)

/* The range a new state sweeps: 1 to 8 requests a second, step 1. */
#define KVP_CAPACITY_DEFAULT_START 1.0
#define KVP_CAPACITY_DEFAULT_STOP  8.0
#define KVP_CAPACITY_DEFAULT_STEP  1.0

KvpCapacityState *kvp_capacity_state_new        (KvpServingState  *serving);

void              kvp_capacity_state_set_range  (KvpCapacityState *self,
                                                 double            start,
                                                 double            stop,
                                                 double            step);
/* The last finished sweep, or NULL. */
KvpSweep         *kvp_capacity_state_get_sweep  (KvpCapacityState *self);
/* Why there is no sweep, or NULL. */
const char       *kvp_capacity_state_get_error  (KvpCapacityState *self);
/* TRUE while a sweep is queued or going. */
gboolean          kvp_capacity_state_get_busy   (KvpCapacityState *self);
void              kvp_capacity_state_set_active (KvpCapacityState *self,
                                                 gboolean          active);

G_END_DECLS
