/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-controls.h: the serving view's side panel — the workload, the
 * scheme compared, playback — and the simulation it runs off the main
 * thread whenever one of them, or the pool, changes. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-serving-state.h"
#include "kvp-serving-canvas.h"
#include "kvp-state.h"

G_BEGIN_DECLS

#define KVP_TYPE_SERVING_CONTROLS (kvp_serving_controls_get_type ())

G_DECLARE_FINAL_TYPE (KvpServingControls, kvp_serving_controls, KVP, SERVING_CONTROLS, GtkWidget)

/* A view of @serving: each control bound to its property; the run is
 * shown on canvas, or why there is none. */
GtkWidget     *kvp_serving_controls_new          (KvpServingState    *serving,
                                                  KvpServingCanvas   *canvas);
/* Simulations run only while the view is shown. */
void           kvp_serving_controls_set_active   (KvpServingControls *self,
                                                  gboolean            active);
/* Play/Pause, as the button and Space do. */
void           kvp_serving_controls_toggle_play  (KvpServingControls *self);
/* A JSON Lines or CSV workload file, as "Open Workload File…" picks it. */
void           kvp_serving_controls_set_workload_file (KvpServingControls *self,
                                                       const char         *path);
/* The last finished simulation, or NULL. */
KvpSimulation *kvp_serving_controls_get_simulation (KvpServingControls *self);
/* TRUE while a simulation is queued or running. */
gboolean       kvp_serving_controls_is_busy      (KvpServingControls *self);
/* What the panel says under the controls (an error, "Simulating…"), or "". */
const char    *kvp_serving_controls_get_status   (KvpServingControls *self);

G_END_DECLS
