/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-canvas.h: the serving view's picture in the window — a step of
 * a simulation, played back or scrubbed, a request picked by pointer or
 * keyboard with its block table shown. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-picture-canvas.h"

#include "kvp-serving-scene.h"

G_BEGIN_DECLS

#define KVP_TYPE_SERVING_CANVAS (kvp_serving_canvas_get_type ())

G_DECLARE_FINAL_TYPE (KvpServingCanvas, kvp_serving_canvas, KVP, SERVING_CANVAS, KvpPictureCanvas)

GtkWidget       *kvp_serving_canvas_new          (void);

/* The run shown; NULL shows nothing.  The step is kept when it exists. */
void             kvp_serving_canvas_set_steps    (KvpServingCanvas *self,
                                                  KvpServingSteps  *steps);
KvpServingSteps *kvp_serving_canvas_get_steps    (KvpServingCanvas *self);
/* The "step" property; blocks ease from the step shown to this one. */
void             kvp_serving_canvas_set_step     (KvpServingCanvas *self,
                                                  guint             step);
guint            kvp_serving_canvas_get_step     (KvpServingCanvas *self);
/* The "playing" property: simulated time advances at speed times real
 * time, the step shown the one running then, stopping at the last. */
void             kvp_serving_canvas_set_playing  (KvpServingCanvas *self,
                                                  gboolean          playing);
gboolean         kvp_serving_canvas_get_playing  (KvpServingCanvas *self);
void             kvp_serving_canvas_set_speed    (KvpServingCanvas *self,
                                                  double            multiple);
double           kvp_serving_canvas_get_speed    (KvpServingCanvas *self);
/* The chart's time range in ns (the whole run until zoomed). */
void             kvp_serving_canvas_get_view_range (KvpServingCanvas *self,
                                                    guint64          *out_start,
                                                    guint64          *out_end);
/* Zooms the chart in by factor (< 1 zooms out) around the time shown, as
 * + and - do; the pointer's time for scroll and pinch. */
void             kvp_serving_canvas_zoom         (KvpServingCanvas *self,
                                                  double            factor);
/* Moves the range by fraction of its width (negative: earlier), as
 * Shift+Left and Shift+Right do. */
void             kvp_serving_canvas_pan          (KvpServingCanvas *self,
                                                  double            fraction);
/* Shows the paged run's last step, the chart moved to show its end (E and
 * the controls' button). */
void             kvp_serving_canvas_go_to_paged_end (KvpServingCanvas *self);
/* The request whose block table is shown (KVP_SERVING_NO_REQUEST: none). */
void             kvp_serving_canvas_select       (KvpServingCanvas *self,
                                                  guint32           request);
guint32          kvp_serving_canvas_get_selected (KvpServingCanvas *self);
/* The scene on screen, or NULL before the first frame. */
KvpServingScene *kvp_serving_canvas_get_scene    (KvpServingCanvas *self);
/* The sentence the accessible description holds. */
const char      *kvp_serving_canvas_get_description (KvpServingCanvas *self);
/* What the paged block under the pointer is (its tooltip); NULL when the
 * pointer is not over the paged grid. */
const char      *kvp_serving_canvas_get_hover_text (KvpServingCanvas *self);
/* No run: @title over @reason drawn instead of it; NULL shows the run. */
void             kvp_serving_canvas_set_refusal  (KvpServingCanvas *self,
                                                  const char       *title,
                                                  const char       *reason);
/* A refusal that kept the run: @title over @reason drawn over it; NULL
 * takes it away. */
void             kvp_serving_canvas_set_notice   (KvpServingCanvas *self,
                                                  const char       *title,
                                                  const char       *reason);
const char      *kvp_serving_canvas_get_notice   (KvpServingCanvas *self);

/* The settled picture of the step shown, for Copy Image; NULL before the
 * first run. */
GdkTexture      *kvp_serving_canvas_render_texture (KvpServingCanvas *self);

G_END_DECLS
