/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-grid.h: the block grid of a scene — where every physical block sits and
 * how the grid shows any number of tokens held, at any block count: cells that
 * grow to fill the panel (with their token slots when there is room), and
 * from a few pixels down an image in which one cell stands for k blocks.
 * Drawing is incremental: a cached picture changes only where blocks do. */

#pragma once

#include <cairo.h>
#include <glib.h>

#include "kvp-comparison.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

typedef struct _KvpGrid KvpGrid;

/* Cells narrower than this (in device-independent units) are drawn by pixel. */
#define KVP_GRID_MIN_CELL_PITCH 4.0

/* Who holds a block, for its colour and its legend key. */
typedef enum
{
  KVP_GRID_CLASS_SAMPLE, /* a sample's own block (the one sequence's, with one sample) */
  KVP_GRID_CLASS_SHARED, /* the prompt's blocks every sample holds */
  KVP_GRID_CLASS_OTHER,  /* another request's, in the pool's history */
  KVP_GRID_CLASS_NULL,   /* vLLM's null block, block 0, which no request gets */
} KvpGridClass;

/* The colour of a class; a sample's shade depends on which of n_samples it is. */
KvpColor  kvp_grid_class_color     (const KvpTheme          *theme,
                                    KvpGridClass             klass,
                                    guint                    sample,
                                    guint                    n_samples);

/* The layout, the block tables (borrowed from cmp, held) and the other
 * requests' blocks: O(blocks). */
KvpGrid  *kvp_grid_new             (KvpComparison           *cmp,
                                    const KvpTheme          *theme,
                                    const cairo_rectangle_t *area,
                                    double                   max_pitch);
void      kvp_grid_free            (KvpGrid                 *self);
/* Builds the picture of tokens held for a device scale, O(cells + pixels +
 * blocks).  The grid must not be in use elsewhere: this may run in a worker
 * thread. */
void      kvp_grid_prepare         (KvpGrid                 *self,
                                    guint64                  tokens,
                                    double                   scale);

gboolean  kvp_grid_is_by_pixel     (const KvpGrid           *self);
/* Whether the grid holding tokens shows its held cells in a ringed loupe
 * (a few among millions). */
gboolean  kvp_grid_has_loupe       (const KvpGrid           *self,
                                    guint64                  tokens);
guint32   kvp_grid_get_blocks_per_cell (const KvpGrid       *self);
guint32   kvp_grid_get_n_cells     (const KvpGrid           *self);
guint32   kvp_grid_get_columns     (const KvpGrid           *self);
/* The rectangle the cells cover (at most the area given to kvp_grid_new). */
void      kvp_grid_get_bounds      (const KvpGrid           *self,
                                    cairo_rectangle_t       *out_bounds);
/* Token slot slot of block, when the cells show their slots. */
gboolean  kvp_grid_get_slot_rect   (const KvpGrid           *self,
                                    guint32                  block,
                                    guint32                  slot,
                                    cairo_rectangle_t       *out_rect);
/* The cell holding block. */
gboolean  kvp_grid_get_block_rect  (const KvpGrid           *self,
                                    guint32                  block,
                                    cairo_rectangle_t       *out_rect);
/* The first block of the cell at x, y. */
gboolean  kvp_grid_get_block_at    (const KvpGrid           *self,
                                    double                   x,
                                    double                   y,
                                    guint32                 *out_block);
gboolean  kvp_grid_get_cell_at     (const KvpGrid           *self,
                                    double                   x,
                                    double                   y,
                                    guint32                 *out_cell);
gboolean  kvp_grid_get_cell_rect   (const KvpGrid           *self,
                                    guint32                  cell,
                                    cairo_rectangle_t       *out_rect);
void      kvp_grid_get_cell_blocks (const KvpGrid           *self,
                                    guint32                  cell,
                                    guint32                 *out_first,
                                    guint32                 *out_count);

/* Draws the grid holding tokens tokens of the sequence, in block order.
 * Costs O(blocks that changed) after the first frame on an image target. */
void      kvp_grid_paint           (KvpGrid                 *self,
                                    cairo_t                 *cr,
                                    guint64                  tokens);
/* Draws the grid's last picture scaled into bounds: what stands in while a
 * grid of a new size is being built. */
void      kvp_grid_paint_stand_in  (KvpGrid                 *self,
                                    cairo_t                 *cr,
                                    const cairo_rectangle_t *bounds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpGrid, kvp_grid_free)

G_END_DECLS
