/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-paint.h: the capacity picture of a sweep (the paper's
 * Figure 12), laid out once at a size and painted whole. */

#pragma once

#include <cairo.h>

#include "kvp-sweep.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

/* Where the picture puts things at a size: the plot, the rows above it for
 * values off the chart (one per scheme that has any), and the legend,
 * beside the plot so that it covers no data. */
typedef struct
{
  double plot_x0, plot_y0, plot_x1, plot_y1;
  double max_latency;      /* the axis' top, s/token */
  double max_rate;         /* the axis' right end, req/s */
  double off_y0;           /* the first off-the-chart row's top */
  double row_height;
  int    off_row[KVP_N_SCHEMES]; /* a scheme's row above the plot, or -1: none off the chart */
  double legend_x, legend_y, legend_width, legend_height;
  double unit;             /* a text size */
  double margin, gap;      /* the outer margin and the card gap, as the other pictures' */
  double radius;           /* a card's corners, as theirs */
} KvpCapacityLayout;

void     kvp_capacity_get_layout (KvpSweep          *sweep,
                                  int                width,
                                  int                height,
                                  KvpCapacityLayout *out);
/* Where the point of scheme at the i-th rate is drawn; TRUE when its value
 * lies above the axis and it is drawn as an arrow in the scheme's own row
 * above the plot. */
gboolean kvp_capacity_get_point  (KvpSweep                *sweep,
                                  const KvpCapacityLayout *layout,
                                  KvpScheme                scheme,
                                  guint                    i,
                                  double                  *out_x,
                                  double                  *out_y);

/* What the legend says under scheme's name: its capacity, "at least" the
 * highest swept rate when every rate stays within the limit (the sweep
 * found no end), or that no rate does. */
char    *kvp_capacity_dup_label  (KvpSweep                *sweep,
                                  KvpScheme                scheme);
/* An axis' figure ("0.2", "0,2" in German) and the subtitle under the
 * title, in the locale's decimals as painted. */
char    *kvp_capacity_dup_tick     (double                   value);
char    *kvp_capacity_dup_subtitle (KvpSweep                *sweep);

/* Paints the picture laid out by kvp_capacity_get_layout (). */
void kvp_capacity_paint (cairo_t                 *cr,
                         KvpSweep                *sweep,
                         const KvpTheme          *theme,
                         const KvpCapacityLayout *layout);

G_END_DECLS
