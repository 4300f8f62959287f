/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-scene-private.h: the prepared serving scene as its painters
 * read it. */

#pragma once

#include <pango/pangocairo.h>

#include "kvp-picture.h"
#include "kvp-serving-scene.h"

G_BEGIN_DECLS

/* How a run of slots is drawn: one colour, or two in diagonal stripes. */
typedef enum
{
  KVP_SERVING_FILL_SOLID,
  KVP_SERVING_FILL_HATCH,       /* "/" stripes: internal fragmentation */
  KVP_SERVING_FILL_CROSS_HATCH, /* "\" stripes: external fragmentation */
} KvpServingFill;

/* A run of slots [start, end) of one request in one class. */
typedef struct
{
  guint64 start, end;
  guint32 request;
  guint32 klass;      /* KvpSlotClass */
} KvpServingRun;

typedef struct
{
  guint32 block;
  guint32 first;      /* its holders: holders[first … first + count) */
  guint32 count;      /* its reference count, ≥ 2 */
} KvpServingShared;

typedef struct
{
  KvpScheme          scheme;
  KvpSimSnapshot    *snapshot;     /* NULL while the scheme is idle */
  KvpSimStep         totals;
  KvpRequestCounts   counts;       /* core's, at the time shown */
  GArray            *runs;         /* KvpServingRun, by start */
  /* Paged: who holds each block several running requests' tables name (a
   * prefix cache hit).  holders: (block, request) pairs by block, then
   * request; shared: KvpServingShared, by block. */
  GArray            *holders;
  GArray            *shared;
  gboolean           free_is_external;
  /* Reserve-ahead, someone waiting: the buddy block the head of the queue
   * needs, and the largest free one (smaller, or it would run). */
  guint64            head_block;
  guint64            largest_free;

  cairo_rectangle_t  rect;         /* the panel */
  cairo_rectangle_t  grid;         /* the cells */
  KvpText     heading;
  KvpText     detail;       /* right-aligned: slots, cell size */
  KvpText     waiting;      /* "Waiting: 968" */
  cairo_rectangle_t  chips;        /* where the waiting requests' chips go */
  double             chip;         /* chip side */
  KvpText     more;         /* "+940 more" after the chips */
  guint              n_chips;

  cairo_surface_t   *image;        /* the cells at image_scale */
  double             image_scale;

  /* The breakdown bar of the whole run. */
  KvpText     bar_label;
  cairo_rectangle_t  bar;
  double             bar_share[KVP_N_SLOT_CLASSES];
  KvpText     bar_percent[KVP_N_SLOT_CLASSES];
  KvpText     chart_key;
  double            *chart_points; /* n_chart_points y values in chart units */
} KvpServingPanelData;

struct _KvpServingScene
{
  KvpPicture           parent;
  KvpServingSteps     *steps;
  guint                step;
  guint64              time_ns;       /* when the step starts */
  guint64              view_start;    /* the chart's time range, ns */
  guint64              view_end;
  KvpServingScene     *previous;
  GMutex               lock;          /* guards the images */

  guint32              block_size;
  guint32              num_blocks;
  guint64              n_slots;
  guint                n_requests;
  gboolean             turns;         /* conversation turns: a card counts
                                         those between turns */

  /* The grids' shared layout. */
  guint32              group;         /* blocks per cell */
  guint32              n_cells;
  guint32              columns, rows;
  double               pitch;         /* cell + gap */
  double               cell;

  double               radius;
  KvpText       title;
  KvpText       subtitle;

  cairo_rectangle_t    card_rect[KVP_SERVING_N_CARDS];
  KvpCardTexts       cards[KVP_SERVING_N_CARDS];

  KvpServingPanelData  panels[KVP_SERVING_N_PANELS];

  cairo_rectangle_t    breakdown_rect;
  KvpText       breakdown_heading;
  cairo_rectangle_t    legend_swatch[KVP_N_SLOT_CLASSES];
  KvpText       legend_text[KVP_N_SLOT_CLASSES];
  KvpText       legend_note;

  cairo_rectangle_t    chart_rect;
  KvpText       chart_heading;
  cairo_rectangle_t    chart_plot;
  guint                n_chart_points;
  guint32              chart_max;     /* the y axis' top */
  KvpText       chart_max_text;
  KvpText       chart_step_text;
  KvpText       chart_start_text;  /* the range's ends, under the plot */
  KvpText       chart_end_text;
  double               chart_marker_x;  /* outside the plot when the time
                                           shown is out of the range */
  double               chart_scheme_end_x[KVP_SERVING_N_PANELS];
};

/* The colours a run is drawn in; for a class with one colour, b == a. */
void kvp_serving_scene_run_colors (KvpServingScene *self,
                                   guint32          request,
                                   KvpSlotClass     klass,
                                   KvpColor        *out_a,
                                   KvpColor        *out_b,
                                   KvpServingFill  *out_fill);

G_END_DECLS
