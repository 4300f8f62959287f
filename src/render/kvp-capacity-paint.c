/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-paint.c: the capacity picture, as the PagedAttention paper's
 * Figure 12 — mean normalized latency against request rate, one line per
 * scheme, the latency limit dashed and each scheme's capacity marked. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>

#include "kvp-capacity-paint.h"
#include "kvp-draw.h"
#include "kvp-format.h"
#include "kvp-picture.h"

typedef struct
{
  cairo_t           *cr;
  const KvpTheme    *theme;
  KvpSweep          *sweep;
  KvpCapacityLayout  l;
} Plot;

static double
latency_at (KvpSweep  *sweep,
            guint      i,
            KvpScheme  scheme)
{
  return kvp_sweep_get_stats (sweep, i, scheme)->latency[KVP_LATENCY_NORMALIZED].mean;
}

static gboolean
has_off_chart (KvpSweep  *sweep,
               KvpScheme  scheme,
               double     max_latency)
{
  for (guint i = 0; i < kvp_sweep_get_n_rates (sweep); i++)
    if (latency_at (sweep, i, scheme) > max_latency)
      return TRUE;
  return FALSE;
}

/* Schemes with values off the chart take a row each above the plot, in
 * scheme order, so that lines which leave the chart together stay apart. */
void
kvp_capacity_get_layout (KvpSweep          *sweep,
                         int                width,
                         int                height,
                         KvpCapacityLayout *out)
{
  guint n_off = 0, n_schemes = 0;
  double unit;

  g_return_if_fail (sweep != NULL && out != NULL);

  unit = MAX (10.0, MIN (width, height) / 45.0);
  out->unit = unit;
  /* The outer margin and the gap between cards of the sequence and
   * serving pictures (28 and 16 at the reference size, scaled as theirs),
   * so that the three views line up when switched. */
  {
    double space = MAX (MIN (width / KVP_PICTURE_REFERENCE_WIDTH, height / KVP_PICTURE_REFERENCE_HEIGHT), 0.6);

    out->margin = round (28 * space);
    out->gap = round (16 * space);
    out->radius = round (10 * space);
  }
  /* As the paper's Figure 12: the flat part and where each line turns up;
   * what lies above is marked off the chart. */
  out->max_latency = 4 * kvp_sweep_get_max_normalized_latency (sweep);
  out->max_rate = kvp_sweep_get_rate (sweep, kvp_sweep_get_n_rates (sweep) - 1) * 1.05;
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      out->off_row[s] = -1;
      if (!kvp_sweep_has_scheme (sweep, s))
        continue;
      n_schemes++;
      if (has_off_chart (sweep, s, out->max_latency))
        out->off_row[s] = (int) n_off++;
    }

  out->legend_width = round (unit * 14);
  out->legend_x = width - out->margin - out->legend_width;
  /* Under the title and the subtitle, with the latency axis' title. */
  out->legend_y = round (out->margin + unit * 4.8);
  out->legend_height = round (unit * (2.4 * n_schemes + 0.6));
  /* Room for the latency figures and the off-chart rows' names (five
   * units, as before the margin was the other pictures'). */
  out->plot_x0 = out->margin + unit * 5.5;
  out->plot_x1 = out->legend_x - out->gap;
  out->row_height = unit * 1.1;
  out->off_y0 = out->legend_y;
  out->plot_y0 = out->off_y0 + n_off * out->row_height + (n_off > 0 ? unit * 0.8 : 0);
  /* The rate figures and the rate axis' title under the plot. */
  out->plot_y1 = height - out->margin - unit * 2.7;
}

gboolean
kvp_capacity_get_point (KvpSweep                *sweep,
                        const KvpCapacityLayout *layout,
                        KvpScheme                scheme,
                        guint                    i,
                        double                  *out_x,
                        double                  *out_y)
{
  double v = latency_at (sweep, i, scheme);
  gboolean off = v > layout->max_latency;

  *out_x = layout->plot_x0 + (layout->plot_x1 - layout->plot_x0) * kvp_sweep_get_rate (sweep, i) / layout->max_rate;
  if (off)
    *out_y = layout->off_y0 + layout->row_height * (layout->off_row[scheme] + 0.5);
  else
    *out_y = layout->plot_y1 - (layout->plot_y1 - layout->plot_y0) * v / layout->max_latency;
  return off;
}

/* Text at (x, y); align 0 left, 0.5 centred, 1 right of x; y its middle. */
static void
show_text (const Plot     *plot,
           const char     *text,
           double          x,
           double          y,
           double          align,
           double          size,
           const KvpColor *color)
{
  g_autoptr(PangoLayout) layout = kvp_picture_new_paint_layout (plot->cr, plot->theme, text, size, PANGO_WEIGHT_NORMAL,
                                                                KVP_TEXT_PLAIN, -1);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (plot->cr, x - align * w, y - h / 2.0);
  kvp_draw_set_color (plot->cr, color, 1.0);
  pango_cairo_show_layout (plot->cr, layout);
}

/* size, or smaller when the text would be wider than width at size (a row
 * name left of the plot, where "PagedAttention" is wider than the margin;
 * the title and the subtitle of a narrow picture, or a longer language). */
static double
fitting_size (const Plot  *plot,
              const char  *text,
              double       size,
              PangoWeight  weight,
              double       width)
{
  /* Hinting makes widths not quite proportional to the size: measured
   * again at each smaller size. */
  for (guint i = 0; i < 8 && size > 1.0; i++)
    {
      g_autoptr(PangoLayout) layout = kvp_picture_new_paint_layout (plot->cr, plot->theme, text, size, weight,
                                                                    KVP_TEXT_PLAIN, -1);
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      if (w <= width || w == 0)
        break;
      size = MIN (size * 0.95, floor (size * width / w * 10) / 10);
    }
  return size;
}

/* The latency axis' title, over the plot's left edge. */
static const char *
axis_title (void)
{
  /* Translators: the capacity picture's latency axis. */
  return _("Normalized latency (s/token)");
}

static double
x_of (const Plot *plot,
      double      rate)
{
  return plot->l.plot_x0 + (plot->l.plot_x1 - plot->l.plot_x0) * rate / plot->l.max_rate;
}

static double
y_of (const Plot *plot,
      double      latency)
{
  /* Above the axis the line leaves through the top edge at its slope (the
   * plot is clipped there); bounded so that cairo's numbers stay sane. */
  return plot->l.plot_y1 - (plot->l.plot_y1 - plot->l.plot_y0) * MIN (latency, 100 * plot->l.max_latency)
                           / plot->l.max_latency;
}

/* A scheme's colour and dash: the paged pool in the theme's paged colour,
 * the reserve-ahead schemes in its greys, told apart by their dashes. */
static void
scheme_style (const Plot *plot,
              KvpScheme   scheme,
              KvpColor   *color,
              double     *dash)
{
  const KvpTheme *theme = plot->theme;

  switch (scheme)
    {
    case KVP_SCHEME_PAGED:
      /* As in the serving view's chart: the gradient's purple start, not
       * its pink end (utilization, the time marker) beside the red limit. */
      *color = theme->paged_start;
      *dash = 0;
      break;
    case KVP_SCHEME_MAX:
      *color = theme->traditional;
      *dash = 2;
      break;
    case KVP_SCHEME_POW2:
      *color = theme->traditional_light;
      *dash = 6;
      break;
    case KVP_SCHEME_ORACLE:
    case KVP_N_SCHEMES:
    default:
      *color = theme->text_secondary;
      *dash = 12;
      break;
    }
}

/* Nice tick steps: 1, 2 or 5 times a power of ten, about n of them. */
static double
tick_step (double range,
           int    n)
{
  double raw = range / n;
  double power = pow (10, floor (log10 (raw)));
  double m = raw / power;

  return power * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

/* The axes' figures and the limit over the off-chart rows: as the subtitle
 * and the legend write theirs, so one picture reads "0,2" throughout in
 * German rather than "0.2" on its axes. */
char *
kvp_capacity_dup_tick (double value)
{
  return kvp_format_decimal (value);
}

char *
kvp_capacity_dup_subtitle (KvpSweep *sweep)
{
  g_return_val_if_fail (sweep != NULL, NULL);

  /* Translators: the limit in seconds per output token. */
  return g_strdup_printf (_("Each scheme’s capacity is the highest swept rate whose mean normalized latency stays "
                            "within %g s/token (dashed)."),
                          kvp_sweep_get_max_normalized_latency (sweep));
}

static void
paint_axes (const Plot *plot)
{
  cairo_t *cr = plot->cr;
  const KvpTheme *theme = plot->theme;
  double xs = tick_step (plot->l.max_rate, 8);
  double ys = tick_step (plot->l.max_latency, 5);
  double dash = plot->l.unit * 0.4;

  cairo_set_line_width (cr, 1.0);
  kvp_draw_set_color (cr, &theme->card_border, 1.0);
  for (double v = 0; v <= plot->l.max_latency * (1 + 1e-9); v += ys)
    {
      g_autofree char *text = kvp_capacity_dup_tick (v);

      cairo_move_to (cr, plot->l.plot_x0, round (y_of (plot, v)) + 0.5);
      cairo_line_to (cr, plot->l.plot_x1, round (y_of (plot, v)) + 0.5);
      cairo_stroke (cr);
      show_text (plot, text, plot->l.plot_x0 - plot->l.unit * 0.5, y_of (plot, v), 1.0, plot->l.unit * 0.8,
                 &theme->text_secondary);
      kvp_draw_set_color (cr, &theme->card_border, 1.0);
    }
  for (double r = 0; r <= plot->l.max_rate * (1 + 1e-9); r += xs)
    {
      g_autofree char *text = kvp_capacity_dup_tick (r);

      show_text (plot, text, x_of (plot, r), plot->l.plot_y1 + plot->l.unit * 0.9, 0.5, plot->l.unit * 0.8,
                 &theme->text_secondary);
    }

  /* Translators: the capacity picture's axes. */
  show_text (plot, _("Request rate (req/s)"), (plot->l.plot_x0 + plot->l.plot_x1) / 2,
             plot->l.plot_y1 + plot->l.unit * 2.2, 0.5, plot->l.unit * 0.9, &theme->text);
  show_text (plot, axis_title (), plot->l.plot_x0, plot->l.off_y0 - plot->l.unit * 1.1, 0.0, plot->l.unit * 0.9,
             &theme->text);

  /* The limit the capacity is read at: the unused red, but opaque and on
   * whole pixels (at the red's own 30 % it all but vanished on dark). */
  {
    KvpColor limit = theme->unused;
    double y = round (y_of (plot, kvp_sweep_get_max_normalized_latency (plot->sweep))) + 0.5;

    limit.alpha = 1.0;
    cairo_set_dash (cr, &dash, 1, 0);
    kvp_draw_set_color (cr, &limit, 1.0);
    cairo_move_to (cr, plot->l.plot_x0, y);
    cairo_line_to (cr, plot->l.plot_x1, y);
    cairo_stroke (cr);
  }
  cairo_set_dash (cr, NULL, 0, 0);
}

/* Each scheme's marker has a shape and size of its own, smaller in scheme
 * order, so that points of lines that coincide stay visible one inside
 * the other: paged a disc, max a square, pow2 a diamond, oracle a small
 * disc. */
static void
marker_path (const Plot *plot,
             KvpScheme   scheme,
             double      x,
             double      y)
{
  cairo_t *cr = plot->cr;
  double r = plot->l.unit * 0.3;

  cairo_new_sub_path (cr);
  switch (scheme)
    {
    case KVP_SCHEME_MAX:
      cairo_rectangle (cr, x - r, y - r, 2 * r, 2 * r);
      break;
    case KVP_SCHEME_POW2:
      cairo_move_to (cr, x, y - r * 0.95);
      cairo_line_to (cr, x + r * 0.95, y);
      cairo_line_to (cr, x, y + r * 0.95);
      cairo_line_to (cr, x - r * 0.95, y);
      cairo_close_path (cr);
      break;
    case KVP_SCHEME_ORACLE:
      cairo_arc (cr, x, y, r * 0.42, 0, 2 * G_PI);
      break;
    case KVP_SCHEME_PAGED:
    case KVP_N_SCHEMES:
    default:
      cairo_arc (cr, x, y, r * 0.6, 0, 2 * G_PI);
      break;
    }
}

/* A value off the chart: an arrow up in the scheme's row. */
static void
arrow_path (const Plot *plot,
            double      x,
            double      y)
{
  double r = plot->l.unit * 0.38;

  cairo_new_sub_path (plot->cr);
  cairo_move_to (plot->cr, x, y - r);
  cairo_line_to (plot->cr, x + r, y + r * 0.8);
  cairo_line_to (plot->cr, x - r, y + r * 0.8);
  cairo_close_path (plot->cr);
}

static void
paint_line (const Plot *plot,
            KvpScheme   scheme,
            const KvpColor *color,
            double      dash)
{
  cairo_t *cr = plot->cr;
  guint n = kvp_sweep_get_n_rates (plot->sweep);
  double r = plot->l.unit * 0.3;

  cairo_save (cr);
  /* Clipped at the top edge: a line rising off the chart leaves it there. */
  cairo_rectangle (cr, plot->l.plot_x0 - r, plot->l.plot_y0, plot->l.plot_x1 - plot->l.plot_x0 + 2 * r,
                   plot->l.plot_y1 - plot->l.plot_y0 + r);
  cairo_clip (cr);
  cairo_set_line_width (cr, plot->l.unit * 0.18);
  if (dash > 0)
    {
      double d = dash * plot->l.unit * 0.12;

      cairo_set_dash (cr, &d, 1, 0);
    }
  for (guint i = 0; i < n; i++)
    {
      double x = x_of (plot, kvp_sweep_get_rate (plot->sweep, i));
      double y = y_of (plot, latency_at (plot->sweep, i, scheme));

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  kvp_draw_set_color (cr, color, 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
paint_scheme (const Plot *plot,
              KvpScheme   scheme)
{
  cairo_t *cr = plot->cr;
  guint n = kvp_sweep_get_n_rates (plot->sweep);
  KvpColor color;
  double dash;
  double capacity;
  double r = plot->l.unit * 0.3;

  scheme_style (plot, scheme, &color, &dash);
  paint_line (plot, scheme, &color, dash);

  /* The points, outlined in the background so that nested ones part. */
  for (guint i = 0; i < n; i++)
    {
      double x, y;

      if (kvp_capacity_get_point (plot->sweep, &plot->l, scheme, i, &x, &y))
        arrow_path (plot, x, y);
      else
        marker_path (plot, scheme, x, y);
    }
  kvp_draw_set_color (cr, &plot->theme->background, 1.0);
  cairo_set_line_width (cr, plot->l.unit * 0.12);
  cairo_stroke_preserve (cr);
  kvp_draw_set_color (cr, &color, 1.0);
  cairo_fill (cr);

  /* The capacity: a ring at the point, and the rate in the legend. */
  if (kvp_sweep_get_capacity (plot->sweep, scheme, &capacity))
    {
      double limit = kvp_sweep_get_max_normalized_latency (plot->sweep);

      cairo_set_line_width (cr, plot->l.unit * 0.15);
      cairo_arc (cr, x_of (plot, capacity), y_of (plot, limit), r * 1.6, 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_move_to (cr, x_of (plot, capacity), plot->l.plot_y1);
      cairo_line_to (cr, x_of (plot, capacity), y_of (plot, limit));
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);
    }
}

/* The rows above the plot: what they hold, and each row's scheme. */
static void
paint_off_chart (const Plot *plot)
{
  g_autofree char *above = NULL;
  g_autofree char *limit = NULL;
  gboolean any = FALSE;

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      double y = plot->l.off_y0 + plot->l.row_height * (plot->l.off_row[s] + 0.5);

      if (plot->l.off_row[s] < 0)
        continue;
      any = TRUE;
      show_text (plot, kvp_picture_scheme_title (s), plot->l.plot_x0 - plot->l.unit * 0.5, y, 1.0,
                 fitting_size (plot, kvp_picture_scheme_title (s), plot->l.unit * 0.75, PANGO_WEIGHT_NORMAL,
                               plot->l.plot_x0 - plot->l.unit * 0.5 - plot->l.margin),
                 &plot->theme->text_secondary);
      kvp_draw_set_color (plot->cr, &plot->theme->card_border, 1.0);
      cairo_set_line_width (plot->cr, 1.0);
      cairo_move_to (plot->cr, plot->l.plot_x0, round (y) + 0.5);
      cairo_line_to (plot->cr, plot->l.plot_x1, round (y) + 0.5);
      cairo_stroke (plot->cr);
    }
  if (!any)
    return;
  limit = kvp_capacity_dup_tick (plot->l.max_latency);
  /* Translators: over the rows of arrows above the capacity picture's
   * plot; the axis' top in seconds per output token. */
  above = g_strdup_printf (_("▲ off the chart: above %s s/token"), limit);
  /* On the line of the axis' title, right of it: smaller in a narrow
   * picture rather than over it. */
  {
    g_autoptr(PangoLayout) title = kvp_picture_new_paint_layout (plot->cr, plot->theme, axis_title (),
                                                                 plot->l.unit * 0.9, PANGO_WEIGHT_NORMAL,
                                                                 KVP_TEXT_PLAIN, -1);
    int w, h;

    pango_layout_get_pixel_size (title, &w, &h);
    show_text (plot, above, plot->l.plot_x1, plot->l.off_y0 - plot->l.unit * 1.1, 1.0,
               fitting_size (plot, above, plot->l.unit * 0.8, PANGO_WEIGHT_NORMAL,
                             MAX (plot->l.plot_x1 - plot->l.plot_x0 - w - plot->l.unit, plot->l.unit)),
               &plot->theme->text_secondary);
  }
}

char *
kvp_capacity_dup_label (KvpSweep  *sweep,
                        KvpScheme  scheme)
{
  double capacity;

  g_return_val_if_fail (sweep != NULL, NULL);

  if (!kvp_sweep_get_capacity (sweep, scheme, &capacity))
    /* Translators: under a scheme's name: none of the swept rates is within the limit. */
    return g_strdup (_("no rate within the limit"));
  /* Within the limit at the sweep's top rate: where it ends is above the
   * sweep, and "capacity 8" for every scheme would hide which lasts longer. */
  if (kvp_sweep_capacity_is_lower_bound (sweep, scheme))
    /* Translators: under a scheme's name: within the limit even at the highest swept rate, in requests per second. */
    return g_strdup_printf (_("capacity ≥ %g req/s"), capacity);
  /* Translators: under a scheme's name, its capacity in requests per second. */
  return g_strdup_printf (_("capacity %g req/s"), capacity);
}

/* The legend on a card of its own beside the plot: each scheme's line and
 * marker, and its capacity under its name. */
static void
paint_legend (const Plot *plot)
{
  cairo_t *cr = plot->cr;
  double lx = plot->l.legend_x + plot->l.unit * 0.8;
  guint row = 0;

  /* As the other pictures' cards: the border inside the card's box, on
   * whole pixels, so that it ends on the margin. */
  kvp_draw_rounded_rect (cr, plot->l.legend_x, plot->l.legend_y, plot->l.legend_width, plot->l.legend_height,
                         plot->l.radius);
  kvp_draw_set_color (cr, &plot->theme->card, 1.0);
  cairo_fill (cr);
  kvp_draw_rounded_rect (cr, plot->l.legend_x + 0.5, plot->l.legend_y + 0.5, plot->l.legend_width - 1.0,
                         plot->l.legend_height - 1.0, plot->l.radius - 0.5);
  kvp_draw_set_color (cr, &plot->theme->card_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      double ly = plot->l.legend_y + plot->l.unit * (1.1 + 2.4 * row);
      g_autofree char *label = NULL;
      KvpColor color;
      double dash;

      if (!kvp_sweep_has_scheme (plot->sweep, s))
        continue;
      row++;
      scheme_style (plot, s, &color, &dash);
      label = kvp_capacity_dup_label (plot->sweep, s);
      cairo_set_line_width (cr, plot->l.unit * 0.18);
      if (dash > 0)
        {
          double d = dash * plot->l.unit * 0.12;

          cairo_set_dash (cr, &d, 1, 0);
        }
      kvp_draw_set_color (cr, &color, 1.0);
      cairo_move_to (cr, lx, ly);
      cairo_line_to (cr, lx + plot->l.unit * 2, ly);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      marker_path (plot, s, lx + plot->l.unit, ly);
      kvp_draw_set_color (cr, &plot->theme->card, 1.0);
      cairo_set_line_width (cr, plot->l.unit * 0.12);
      cairo_stroke_preserve (cr);
      kvp_draw_set_color (cr, &color, 1.0);
      cairo_fill (cr);
      show_text (plot, kvp_picture_scheme_title (s), lx + plot->l.unit * 2.6, ly, 0.0, plot->l.unit * 0.85,
                 &plot->theme->text);
      show_text (plot, label, lx + plot->l.unit * 2.6, ly + plot->l.unit * 1.05, 0.0,
                 fitting_size (plot, label, plot->l.unit * 0.75, PANGO_WEIGHT_NORMAL,
                               plot->l.legend_x + plot->l.legend_width - lx - plot->l.unit * 3.1),
                 &plot->theme->text_secondary);
    }
}

void
kvp_capacity_paint (cairo_t                 *cr,
                    KvpSweep                *sweep,
                    const KvpTheme          *theme,
                    const KvpCapacityLayout *layout)
{
  Plot plot = { cr, theme, sweep };
  double text_width;
  g_autofree char *subtitle = NULL;

  g_return_if_fail (cr != NULL && sweep != NULL && theme != NULL && layout != NULL);

  plot.l = *layout;

  kvp_draw_set_color (cr, &theme->background, 1.0);
  cairo_paint (cr);

  /* The title and the subtitle run from a margin to a margin, smaller
   * rather than cut off at the picture's right edge. */
  text_width = layout->legend_x + layout->legend_width - layout->margin;
  {
    const char *text = _("Capacity: normalized latency against request rate");
    g_autoptr(PangoLayout) title = kvp_picture_new_paint_layout (cr, theme, text,
                                                                 fitting_size (&plot, text, plot.l.unit * 1.4,
                                                                               PANGO_WEIGHT_BOLD, text_width),
                                                                 PANGO_WEIGHT_BOLD, KVP_TEXT_PLAIN, -1);

    cairo_move_to (cr, layout->margin, layout->margin);
    kvp_draw_set_color (cr, &theme->text, 1.0);
    pango_cairo_show_layout (cr, title);
  }
  subtitle = kvp_capacity_dup_subtitle (sweep);
  show_text (&plot, subtitle, layout->margin, layout->margin + plot.l.unit * 2.4, 0.0,
             fitting_size (&plot, subtitle, plot.l.unit * 0.9, PANGO_WEIGHT_NORMAL, text_width),
             &theme->text_secondary);

  paint_axes (&plot);
  paint_off_chart (&plot);
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    if (kvp_sweep_has_scheme (sweep, s))
      paint_scheme (&plot, s);
  paint_legend (&plot);
}
