/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-canvas.h: the picture in the window — the scene of a comparison drawn by
 * the render painters, animated from the previous picture to the new one. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-comparison.h"
#include "kvp-picture-canvas.h"
#include "kvp-scene.h"

G_BEGIN_DECLS

#define KVP_TYPE_CANVAS (kvp_canvas_get_type ())

G_DECLARE_FINAL_TYPE (KvpCanvas, kvp_canvas, KVP, CANVAS, KvpPictureCanvas)

/* Shows cmp, animating from what was shown before (or playing the launch
 * sequence when nothing was). */
void            kvp_canvas_set_comparison    (KvpCanvas     *self,
                                              KvpComparison *cmp);
KvpComparison  *kvp_canvas_get_comparison    (KvpCanvas     *self);
/* The scene at the canvas' current size, or NULL before it has one. */
KvpScene       *kvp_canvas_get_scene         (KvpCanvas     *self);
/* The palette follows the effective GTK style (light or dark). */
const KvpTheme *kvp_canvas_get_theme         (KvpCanvas     *self);
void            kvp_canvas_replay            (KvpCanvas     *self);
gboolean        kvp_canvas_get_animating     (KvpCanvas     *self);
/* The sentence screen readers read for the picture (its accessible description). */
const char     *kvp_canvas_get_description   (KvpCanvas     *self);
/* The settled frame at the canvas' size and scale factor. */
GdkTexture     *kvp_canvas_render_texture    (KvpCanvas     *self);

/* The grid cell the keyboard is on (arrows, Page Up/Down, Home/End). */
guint32         kvp_canvas_get_focus_cell    (KvpCanvas     *self);
/* The text naming that cell on screen while its ring shows, and where it
 * was last painted; NULL when no ring shows. */
const char     *kvp_canvas_get_focus_text    (KvpCanvas         *self,
                                              cairo_rectangle_t *out_rect);

/* What the metric card at x, y is (its tooltip), and where the card lies;
 * NULL off the cards. */
const char     *kvp_canvas_get_card_tooltip  (KvpCanvas         *self,
                                              double             x,
                                              double             y,
                                              cairo_rectangle_t *out_rect);

/* Why vLLM would not start, drawn (and described) instead of the pool;
 * NULL shows the pool again. */
void            kvp_canvas_set_refusal       (KvpCanvas     *self,
                                              const char    *refusal);
const char     *kvp_canvas_get_refusal       (KvpCanvas     *self);

/* Time the last scene took to build, in microseconds (for measurements). */
gint64          kvp_canvas_get_last_build_time (KvpCanvas   *self);

G_END_DECLS
