/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-canvas.h: the capacity view's picture in the window — the
 * capacity picture of a sweep (as --export --view capacity draws it), or
 * why there is none. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-picture-canvas.h"
#include "kvp-sweep.h"

G_BEGIN_DECLS

#define KVP_TYPE_CAPACITY_CANVAS (kvp_capacity_canvas_get_type ())

G_DECLARE_FINAL_TYPE (KvpCapacityCanvas, kvp_capacity_canvas, KVP, CAPACITY_CANVAS, KvpPictureCanvas)

GtkWidget   *kvp_capacity_canvas_new         (void);
/* The sweep drawn; NULL draws the message instead. */
void         kvp_capacity_canvas_set_sweep   (KvpCapacityCanvas *self,
                                              KvpSweep          *sweep);
KvpSweep    *kvp_capacity_canvas_get_sweep   (KvpCapacityCanvas *self);
/* What is drawn while there is no sweep: title over reason. */
void         kvp_capacity_canvas_set_message (KvpCapacityCanvas *self,
                                              const char        *title,
                                              const char        *reason);
/* The picture on screen (the sweep's or the message), or NULL. */
KvpPicture  *kvp_capacity_canvas_get_picture (KvpCapacityCanvas *self);

G_END_DECLS
