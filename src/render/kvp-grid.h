/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-grid.h: the block grid of a scene — where every physical block sits and
 * how the grid is drawn at any block count, cell by cell while cells are big
 * enough to see, pixel by pixel from a cached image when they are not. */

#pragma once

#include <cairo.h>
#include <glib.h>

#include "kvp-comparison.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

typedef struct _KvpGrid KvpGrid;

/* Cells narrower than this (in device-independent units) are drawn by pixel. */
#define KVP_GRID_MIN_CELL_PITCH 4.0

KvpGrid  *kvp_grid_new             (KvpComparison           *cmp,
                                    const KvpTheme          *theme,
                                    const cairo_rectangle_t *area,
                                    double                   max_pitch);
void      kvp_grid_free            (KvpGrid                 *self);

gboolean  kvp_grid_is_by_pixel     (const KvpGrid           *self);
/* The rectangle the cells cover (at most the area given to kvp_grid_new). */
void      kvp_grid_get_bounds      (const KvpGrid           *self,
                                    cairo_rectangle_t       *out_bounds);
gboolean  kvp_grid_get_block_rect  (const KvpGrid           *self,
                                    guint32                  block,
                                    cairo_rectangle_t       *out_rect);
gboolean  kvp_grid_get_block_at    (const KvpGrid           *self,
                                    double                   x,
                                    double                   y,
                                    guint32                 *out_block);

/* Seconds until the grid settles, launching (previous NULL) or changing from
 * previous. */
double    kvp_grid_get_duration    (const KvpGrid           *self,
                                    const KvpGrid           *previous);
/* Draws the grid at time t.  Settled frames of a by-pixel grid paint a cached
 * image; animated ones rebuild it, O(pixels + allocated blocks). */
void      kvp_grid_paint           (KvpGrid                 *self,
                                    cairo_t                 *cr,
                                    KvpGrid                 *previous,
                                    double                   t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpGrid, kvp_grid_free)

G_END_DECLS
