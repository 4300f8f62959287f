/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-scene.h: the serving view at one step of a simulation — the
 * paged pool coloured by request, a reserve-ahead cache on the same slots,
 * the waiting queues, cards, the run's breakdown and the running-requests
 * chart — laid out once per (simulation, step, size, theme).  Painting a
 * frame (kvp-serving-paint.h) only reads it. */

#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "kvp-picture.h"
#include "kvp-serving-steps.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

typedef enum
{
  KVP_SERVING_PANEL_PAGED,
  KVP_SERVING_PANEL_COMPARED,
  KVP_SERVING_N_PANELS
} KvpServingPanel;

typedef enum
{
  KVP_SERVING_CARD_RUNNING,
  KVP_SERVING_CARD_WAITING,
  KVP_SERVING_CARD_BETWEEN_TURNS, /* only for a workload with turns */
  KVP_SERVING_CARD_TTFT,
  KVP_SERVING_CARD_TPOT,
  KVP_SERVING_CARD_TOKENS,
  KVP_SERVING_CARD_PREEMPTIONS,
  KVP_SERVING_CARD_PREFIX_HITS,  /* the prefix cache's hit rate so far */
  KVP_SERVING_N_CARDS
} KvpServingCard;

/* Seconds blocks take to ease from the previous step to this one. */
#define KVP_SERVING_TRANSITION 0.25

typedef struct _KvpServingScene KvpServingScene;

KvpServingScene *kvp_serving_scene_new        (KvpServingSteps *steps,
                                               guint            step,
                                               const KvpTheme  *theme,
                                               double           width,
                                               double           height);
/* The same, its chart showing the time range [view_start, view_end) in ns
 * (zoomed in); kvp_serving_scene_new shows the whole run, 0 to
 * kvp_serving_steps_get_end. */
KvpServingScene *kvp_serving_scene_new_range  (KvpServingSteps *steps,
                                               guint            step,
                                               guint64          view_start,
                                               guint64          view_end,
                                               const KvpTheme  *theme,
                                               double           width,
                                               double           height);
/* What kvp_serving_scene_new lays out, for the exports: step of steps at
 * any size; KVP_ERROR_INVALID for a step past the end. */
KvpPictureSource *kvp_serving_scene_source_new (KvpServingSteps *steps,
                                                guint            step,
                                                GError         **error);
/* A KvpServingScene is a KvpPicture (KVP_PICTURE). */
KvpServingScene *kvp_serving_scene_ref        (KvpServingScene *self);
void             kvp_serving_scene_unref      (KvpServingScene *self);

/* Makes the scene a transition from previous (of the same size): blocks
 * that change owner or class ease from previous's picture to this one over
 * KVP_SERVING_TRANSITION seconds.  previous stops being a transition. */
void             kvp_serving_scene_set_previous (KvpServingScene *self,
                                                 KvpServingScene *previous);
/* t at and after which every frame is the settled one (0 without a
 * previous scene). */
double           kvp_serving_scene_get_duration (KvpServingScene *self);

/* Builds the pictures of both grids for a target of scale device pixels per
 * unit now (a worker thread may do it); painting builds them otherwise. */
void             kvp_serving_scene_prepare    (KvpServingScene *self,
                                               double           scale);

KvpServingSteps *kvp_serving_scene_get_steps  (KvpServingScene *self);
guint            kvp_serving_scene_get_step   (KvpServingScene *self);
/* Theme and size: kvp_picture_get_theme, _get_width, _get_height. */
KvpScheme        kvp_serving_scene_get_scheme (KvpServingScene *self,
                                               KvpServingPanel  panel);
/* The state of a panel's scheme at this step; NULL while it is idle (it
 * recorded no step at this clock: nothing runs, nothing waits). */
const KvpSimSnapshot *kvp_serving_scene_get_snapshot (KvpServingScene *self,
                                                      KvpServingPanel  panel);
/* Totals at this step; an idle scheme's slots are all free. */
const KvpSimStep *kvp_serving_scene_get_totals (KvpServingScene *self,
                                                KvpServingPanel  panel);

/* While a reserve-ahead cache has requests waiting: the buddy block the
 * head of its queue needs and the largest block free now (FALSE otherwise). */
gboolean         kvp_serving_scene_get_queue_head (KvpServingScene *self,
                                                   guint64         *out_block,
                                                   guint64         *out_largest_free);

/* Texts as painted. */
const KvpCardTexts *kvp_serving_scene_get_card     (KvpServingScene *self,
                                                     KvpServingCard   card);
/* One sentence saying what the step shows, for screen readers. */
char            *kvp_serving_scene_dup_description  (KvpServingScene *self);
/* A request's block table and where it stands, as the window says it. */
char            *kvp_serving_scene_dup_request_text (KvpServingScene *self,
                                                     guint32          request);

/* What paged block is at this step, as hovering it says: who holds it
 * (every holder of a shared block) and its reference count, or that it is
 * free, cached free (still holding its hash) or external fragmentation.
 * NULL for a block past the pool. */
char            *kvp_serving_scene_dup_block_text  (KvpServingScene *self,
                                                     guint32          block);

/* The colour request id has in every picture of this theme. */
KvpColor         kvp_serving_scene_get_request_color (KvpServingScene *self,
                                                      guint32          request);

/* Geometry, for tests and pointer hit-testing.  Both grids have the same
 * layout: cell i of one holds the same slots as cell i of the other. */
void             kvp_serving_scene_get_grid_bounds (KvpServingScene   *self,
                                                    KvpServingPanel    panel,
                                                    cairo_rectangle_t *out_bounds);
guint32          kvp_serving_scene_get_blocks_per_cell (KvpServingScene *self);
/* The running requests holding paged block at this step (its reference
 * count: more than one where a prefix cache hit shares it); 0: free. */
guint            kvp_serving_scene_get_ref_count   (KvpServingScene   *self,
                                                    guint32            block);
/* The cell holding block (paged) or slot / block_size (reserve-ahead). */
gboolean         kvp_serving_scene_get_block_rect  (KvpServingScene   *self,
                                                    KvpServingPanel    panel,
                                                    guint32            block,
                                                    cairo_rectangle_t *out_rect);
/* The paged block under x, y in the paged grid (in a cell of several
 * blocks, the one under the pointer's place in the cell), if any. */
gboolean         kvp_serving_scene_get_block_at    (KvpServingScene   *self,
                                                    double             x,
                                                    double             y,
                                                    guint32           *out_block);
/* The request holding the slots under x, y in either grid, if any. */
gboolean         kvp_serving_scene_get_request_at  (KvpServingScene   *self,
                                                    double             x,
                                                    double             y,
                                                    guint32           *out_request);
/* What holds slot in panel: its class and, unless it is free, its request
 * (G_MAXUINT32 for free slots). */
KvpSlotClass     kvp_serving_scene_classify_slot   (KvpServingScene   *self,
                                                    KvpServingPanel    panel,
                                                    guint64            slot,
                                                    guint32           *out_request);
void             kvp_serving_scene_get_card_rect   (KvpServingScene   *self,
                                                    KvpServingCard     card,
                                                    cairo_rectangle_t *out_rect);
/* The segment of a scheme's breakdown bar for klass (width 0 when none). */
void             kvp_serving_scene_get_breakdown_rect (KvpServingScene   *self,
                                                       KvpServingPanel    panel,
                                                       KvpSlotClass       klass,
                                                       cairo_rectangle_t *out_rect);
/* Where the chart marks the current step (a vertical line at x). */
void             kvp_serving_scene_get_chart_marker (KvpServingScene   *self,
                                                     cairo_rectangle_t *out_rect);
/* The chart's plot and the time range it shows, in ns: pointer zoom and
 * pan read it.  FALSE when the picture left the chart out. */
gboolean         kvp_serving_scene_get_chart_plot  (KvpServingScene   *self,
                                                    cairo_rectangle_t *out_rect,
                                                    guint64           *out_start,
                                                    guint64           *out_end);
/* Where the chart marks the end of a panel's scheme (x; outside the plot
 * when out of the range). */
double           kvp_serving_scene_get_scheme_end_x (KvpServingScene  *self,
                                                     KvpServingPanel   panel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpServingScene, kvp_serving_scene_unref)

G_END_DECLS
