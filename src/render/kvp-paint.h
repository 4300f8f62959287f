/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-paint.h: the painters.  They draw a prepared scene at time t (seconds
 * since the scene's change); the same calls draw the window and the exports. */

#pragma once

#include <cairo.h>

#include "kvp-scene.h"

G_BEGIN_DECLS

typedef enum
{
  KVP_PAINT_BACKGROUND = 1 << 0,
  KVP_PAINT_HEADER     = 1 << 1,
  KVP_PAINT_CARDS      = 1 << 2,
  KVP_PAINT_BARS       = 1 << 3,
  /* The grid's panel: heading, legend, blocks and, when the sequence does
   * not fit, the notice saying so. */
  KVP_PAINT_GRID       = 1 << 4,
  /* The blocks alone (part of KVP_PAINT_GRID). */
  KVP_PAINT_BLOCKS     = 1 << 5,
  KVP_PAINT_ALL        = (1 << 5) - 1,
} KvpPaintParts;

/* The whole picture. */
void kvp_paint_scene (cairo_t       *cr,
                      KvpScene      *scene,
                      double         t);
/* Some parts of it, each where the whole picture has it. */
void kvp_paint_parts (cairo_t       *cr,
                      KvpScene      *scene,
                      double         t,
                      KvpPaintParts  parts);

G_END_DECLS
