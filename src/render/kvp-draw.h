/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-draw.h: the small drawing and timing helpers every painter shares. */

#pragma once

#include <cairo.h>

#include "kvp-theme.h"

G_BEGIN_DECLS

/* Cubic ease-out of x, clamped to 0 … 1. */
double kvp_draw_ease_out     (double          x);
/* Eased progress at time t of a step that starts at start and lasts
 * duration; a step of no duration jumps at its start. */
double kvp_draw_progress     (double          t,
                              double          start,
                              double          duration);
void   kvp_draw_set_color    (cairo_t        *cr,
                              const KvpColor *color,
                              double          alpha);
/* Adds a rectangle with corners of radius r (plain below half a unit). */
void   kvp_draw_rounded_rect (cairo_t        *cr,
                              double          x,
                              double          y,
                              double          width,
                              double          height,
                              double          r);

G_END_DECLS
