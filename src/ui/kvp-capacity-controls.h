/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-controls.h: the capacity view's side panel, a view of
 * KvpCapacityState: the range of request rates swept, and what the sweep
 * is doing; the sweep (or why there is none) shown on the canvas. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-capacity-canvas.h"
#include "kvp-capacity-state.h"

G_BEGIN_DECLS

/* A box of the three rate spin buttons ("capacity-start", "-stop",
 * "-step" by widget name) and a status line, bound to capacity. */
GtkWidget *kvp_capacity_controls_new (KvpCapacityState  *capacity,
                                      KvpCapacityCanvas *canvas);

G_END_DECLS
