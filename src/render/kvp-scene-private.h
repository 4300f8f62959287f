/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scene-private.h: the prepared scene as the painters read it. */

#pragma once

#include <pango/pangocairo.h>

#include "kvp-grid.h"
#include "kvp-picture.h"
#include "kvp-scene.h"
#include "kvp-timeline.h"

G_BEGIN_DECLS

/* A swatch and its text, as in the bar captions and the legend. */
typedef struct
{
  cairo_rectangle_t swatch;
  KvpText           text;
} KvpKey;

typedef enum
{
  KVP_KEY_USED,
  KVP_KEY_WASTE,
  KVP_N_KEYS
} KvpKeyIndex;

typedef enum
{
  KVP_LEGEND_ALLOCATED,
  KVP_LEGEND_PARTIAL,
  KVP_LEGEND_FREE,
  KVP_LEGEND_SHARED, /* only with samples: the shared prompt */
  KVP_LEGEND_COW,    /* only with a copied-on-write block */
  KVP_LEGEND_OTHER,  /* only when other requests hold blocks */
  KVP_LEGEND_NULL,   /* only in vLLM's pool: its null block */
  KVP_LEGEND_LOUPE,  /* only with a loupe */
  KVP_N_LEGEND
} KvpLegendIndex;

struct _KvpScene
{
  KvpPicture         parent;
  KvpComparison     *cmp;         /* the figures this scene's texts say */
  /* A short picture drops the subtitle and the card captions, so the grid
   * keeps a usable height; the figures stay, the controls or the accessible
   * description say the rest. */
  guint              compact;     /* 0, 1 compact, 2 tight (no bar keys) */
  KvpTimeline       *timeline;
  /* During a change, the scene it comes from: its grid stands in while this
   * one is prepared in a worker. */
  KvpScene          *previous;
  gboolean           prepared;    /* the grid may be painted on this thread */
  double             device_scale; /* of the target the grid is prepared for */
  /* The texts of the state a frame shows mid-transition, built once per
   * state: every figure then says the same state. */
  KvpScene          *shown;

  KvpText            title;
  KvpText            subtitle;

  cairo_rectangle_t  card_rect[KVP_N_CARDS];
  double             card_radius;
  double             card_accent_height;
  KvpCardTexts       cards[KVP_N_CARDS];
  gboolean           card_muted[KVP_N_CARDS]; /* a figure that holds only "if it fit" */

  cairo_rectangle_t  bars_panel;
  KvpText            bars_heading;
  KvpText            bar_label[KVP_N_BARS];
  KvpText            bar_size[KVP_N_BARS];
  cairo_rectangle_t  bar_track[KVP_N_BARS];
  double             bar_used[KVP_N_BARS];   /* share of the track */
  double             bar_waste[KVP_N_BARS];
  double             bar_pool;               /* share the pool holds; 0 when it fits */
  KvpText            pool_label;
  KvpKey             bar_key[KVP_N_BARS][KVP_N_KEYS];

  cairo_rectangle_t  grid_panel;
  KvpText            grid_heading;
  /* The keys shown, in order: legend[j] is a key of kind legend_kind[j]. */
  KvpKey             legend[KVP_N_LEGEND];
  KvpLegendIndex     legend_kind[KVP_N_LEGEND];
  guint              n_legend;
  KvpGrid           *grid;
  gboolean           show_banner; /* the sequence does not fit */
  cairo_rectangle_t  banner_rect;
  KvpText            banner;
};

/* The scene whose texts say the state of frame (self, or a cached one). */
KvpScene *kvp_scene_get_shown (KvpScene       *self,
                               const KvpFrame *frame);

G_END_DECLS
