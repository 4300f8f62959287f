/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scene-private.h: the prepared scene as the painters read it. */

#pragma once

#include <pango/pangocairo.h>

#include "kvp-grid.h"
#include "kvp-scene.h"

G_BEGIN_DECLS

/* A laid-out text and where its top-left corner goes. */
typedef struct
{
  PangoLayout *layout;
  double       x, y;
  double       width, height;
} KvpText;

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
  KVP_N_LEGEND
} KvpLegendIndex;

struct _KvpScene
{
  gatomicrefcount    ref_count;
  KvpComparison     *cmp;
  const KvpTheme    *theme;
  double             width, height;
  double             unit;        /* length scale: 1 at 1440 × 900 */
  KvpScene          *previous;
  double             duration;
  /* What was on screen when the change came: transitions ease from these, so
   * a change during a transition carries on from where the picture was. */
  double             from_card_number[KVP_N_CARDS];
  double             from_bar_used[KVP_N_BARS];
  double             from_bar_waste[KVP_N_BARS];

  PangoContext      *pango;

  KvpText            title;
  KvpText            subtitle;

  cairo_rectangle_t  card_rect[KVP_N_CARDS];
  double             card_radius;
  double             card_accent_height;
  char              *card_title[KVP_N_CARDS];
  char              *card_value[KVP_N_CARDS];
  char              *card_caption[KVP_N_CARDS];
  KvpText            card_title_text[KVP_N_CARDS];
  KvpText            card_value_text[KVP_N_CARDS];
  KvpText            card_caption_text[KVP_N_CARDS];
  double             card_number[KVP_N_CARDS]; /* what the value eases by */

  cairo_rectangle_t  bars_panel;
  KvpText            bars_heading;
  KvpText            bar_label[KVP_N_BARS];
  KvpText            bar_size[KVP_N_BARS];
  cairo_rectangle_t  bar_track[KVP_N_BARS];
  double             bar_used[KVP_N_BARS];   /* share of the track */
  double             bar_waste[KVP_N_BARS];
  KvpKey             bar_key[KVP_N_BARS][KVP_N_KEYS];

  cairo_rectangle_t  grid_panel;
  KvpText            grid_heading;
  KvpKey             legend[KVP_N_LEGEND];
  KvpGrid           *grid;
  gboolean           show_banner; /* the sequence does not fit */
  cairo_rectangle_t  banner_rect;
  KvpText            banner;
};

/* The scene's timeline (kvp-paint.c): its duration, and the numbers and bar
 * shares it shows at time t. */
double kvp_scene_compute_duration (KvpScene *self);
double kvp_scene_card_number_at   (KvpScene *self,
                                   KvpCard   card,
                                   double    t);
void   kvp_scene_bar_at           (KvpScene *self,
                                   KvpBar    bar,
                                   double    t,
                                   double   *out_used,
                                   double   *out_waste);

G_END_DECLS
