/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-paint.h: the painters.  They draw a prepared scene at time t (seconds
 * since the scene's change); the same calls draw the window and the exports. */

#pragma once

#include <cairo.h>

#include "kvp-scene.h"

G_BEGIN_DECLS

void kvp_paint_scene (cairo_t  *cr,
                      KvpScene *scene,
                      double    t);
void kvp_paint_cards (cairo_t  *cr,
                      KvpScene *scene,
                      double    t);
void kvp_paint_bars  (cairo_t  *cr,
                      KvpScene *scene,
                      double    t);
/* The grid's panel: heading, legend, blocks and, when the sequence does not
 * fit, the notice saying so. */
void kvp_paint_grid  (cairo_t  *cr,
                      KvpScene *scene,
                      double    t);
/* The blocks alone. */
void kvp_paint_blocks (cairo_t  *cr,
                       KvpScene *scene,
                       double    t);

G_END_DECLS
