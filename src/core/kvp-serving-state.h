/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-state.h: the serving view's state, beside KvpState and
 * KvpDeployState: the workload, the requests, the rate, the seed, the scheme
 * compared with the paged pool and the step shown, and the simulation they
 * give on the deploy state's pool.  It runs the simulation in a worker
 * whenever one of them or the pool changes (while "active"), a newer change
 * cancelling an older run.  No GTK: tested without a display.
 *
 * Properties (read-write): "workload" (a built-in, kvp_workload_get_builtins(),
 * or the path of the file last opened), "requests" (0: a generator's default, or all of a
 * file's rows), "rate", "seed", "compared" (a KvpScheme other than paged),
 * "step", "active".  Read-only: "workload-file", "n-requests" (the count the
 * last run used), "simulation", "error" (why there is no run, or why a file
 * was refused; the previous run stays), "busy". */

#pragma once

#include <gio/gio.h>

#include "kvp-deploy-state.h"
#include "kvp-simulation.h"

G_BEGIN_DECLS

#define KVP_TYPE_SERVING_STATE (kvp_serving_state_get_type ())

G_DECLARE_FINAL_TYPE (KvpServingState, kvp_serving_state, KVP, SERVING_STATE, GObject)

KvpServingState *kvp_serving_state_new                (KvpDeployState  *deploy);

/* A JSON Lines or CSV workload file: the workload once it is read, with
 * all its rows ("requests" goes back to 0); a file that cannot be read
 * leaves the workload and the run as they were, and "error" says why. */
void             kvp_serving_state_open_workload_file (KvpServingState *self,
                                                       const char      *path);
const char      *kvp_serving_state_get_workload       (KvpServingState *self);
const char      *kvp_serving_state_get_workload_file  (KvpServingState *self);
guint            kvp_serving_state_get_requests       (KvpServingState *self);
/* The workload the run uses, as set (not a file being tried): its source
 * (borrowed), requests, rate, seed and the state's maximum length.  The
 * capacity sweep runs it at each of its own rates. */
void             kvp_serving_state_get_workload_options (KvpServingState    *self,
                                                         KvpWorkloadOptions *out);
/* The requests the last run used (a file's rows, or the count asked for). */
guint            kvp_serving_state_get_n_requests     (KvpServingState *self);
KvpScheme        kvp_serving_state_get_compared       (KvpServingState *self);
/* The last finished simulation, or NULL. */
KvpSimulation   *kvp_serving_state_get_simulation     (KvpServingState *self);
/* Why there is no run, or why a file was refused; NULL. */
const char      *kvp_serving_state_get_error          (KvpServingState *self);
/* TRUE while the pool gives no run because vLLM would not start. */
gboolean         kvp_serving_state_get_refused        (KvpServingState *self);
/* TRUE while a run is queued or going. */
gboolean         kvp_serving_state_get_busy           (KvpServingState *self);
void             kvp_serving_state_set_active         (KvpServingState *self,
                                                       gboolean         active);

G_END_DECLS
