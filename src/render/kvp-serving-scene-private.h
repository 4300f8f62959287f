/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-scene-private.h: the prepared serving scene as its painters
 * read it. */

#pragma once

#include <pango/pangocairo.h>

#include "kvp-serving-scene.h"

G_BEGIN_DECLS

typedef struct
{
  PangoLayout *layout;
  double       x, y;
  double       width, height;
} KvpServingText;

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
  KvpScheme          scheme;
  KvpSimSnapshot    *snapshot;     /* NULL while the scheme is idle */
  KvpSimStep         totals;
  GArray            *runs;         /* KvpServingRun, by start */
  gboolean           someone_waits;
  /* Reserve-ahead, someone waiting: the buddy block the head of the queue
   * needs, and the largest free one (smaller, or it would run). */
  guint64            head_block;
  guint64            largest_free;

  cairo_rectangle_t  rect;         /* the panel */
  cairo_rectangle_t  grid;         /* the cells */
  KvpServingText     heading;
  KvpServingText     detail;       /* right-aligned: slots, cell size */
  KvpServingText     waiting;      /* "Waiting: 968" */
  cairo_rectangle_t  chips;        /* where the waiting requests' chips go */
  double             chip;         /* chip side */
  KvpServingText     more;         /* "+940 more" after the chips */
  guint              n_chips;

  cairo_surface_t   *image;        /* the cells at image_scale */
  double             image_scale;

  /* The breakdown bar of the whole run. */
  KvpServingText     bar_label;
  cairo_rectangle_t  bar;
  double             bar_share[KVP_N_SLOT_CLASSES];
  KvpServingText     bar_percent[KVP_N_SLOT_CLASSES];
  gboolean           bar_percent_fits[KVP_N_SLOT_CLASSES];
  KvpServingText     chart_key;
  double            *chart_points; /* n_chart_points y values in chart units */
} KvpServingPanelData;

struct _KvpServingScene
{
  gatomicrefcount      ref_count;
  KvpServingSteps     *steps;
  guint                step;
  guint32              clock;
  const KvpTheme      *theme;
  double               width, height;
  double               unit;
  KvpServingScene     *previous;
  GMutex               lock;          /* guards the images */

  guint32              block_size;
  guint32              num_blocks;
  guint64              n_slots;
  guint                n_requests;

  /* The grids' shared layout. */
  guint32              group;         /* blocks per cell */
  guint32              n_cells;
  guint32              columns, rows;
  double               pitch;         /* cell + gap */
  double               cell;

  PangoContext        *pango;
  double               radius;
  KvpServingText       title;
  KvpServingText       subtitle;

  cairo_rectangle_t    card_rect[KVP_SERVING_N_CARDS];
  char                *card_title[KVP_SERVING_N_CARDS];
  char                *card_value[KVP_SERVING_N_CARDS];
  char                *card_caption[KVP_SERVING_N_CARDS];
  KvpServingText       card_title_text[KVP_SERVING_N_CARDS];
  KvpServingText       card_value_text[KVP_SERVING_N_CARDS];
  KvpServingText       card_caption_text[KVP_SERVING_N_CARDS];

  KvpServingPanelData  panels[KVP_SERVING_N_PANELS];

  cairo_rectangle_t    breakdown_rect;
  KvpServingText       breakdown_heading;
  cairo_rectangle_t    legend_swatch[KVP_N_SLOT_CLASSES];
  KvpServingText       legend_text[KVP_N_SLOT_CLASSES];
  KvpServingText       legend_note;

  cairo_rectangle_t    chart_rect;
  KvpServingText       chart_heading;
  cairo_rectangle_t    chart_plot;
  guint                n_chart_points;
  guint32              chart_max;     /* the y axis' top */
  KvpServingText       chart_max_text;
  KvpServingText       chart_step_text;
  double               chart_marker_x;
};

/* The colours a run is drawn in; for a class with one colour, b == a. */
void kvp_serving_scene_run_colors (KvpServingScene *self,
                                   guint32          request,
                                   KvpSlotClass     klass,
                                   KvpColor        *out_a,
                                   KvpColor        *out_b,
                                   KvpServingFill  *out_fill);

G_END_DECLS
