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

typedef struct
{
  cairo_t        *cr;
  const KvpTheme *theme;
  KvpSweep       *sweep;
  double          x0, y0, x1, y1;  /* the plot area */
  double          max_rate;
  double          max_latency;
  double          unit;            /* a text size, from the picture's */
} Plot;

static PangoLayout *
new_layout (const Plot *plot,
            const char *text,
            double      size,
            gboolean    bold)
{
  PangoLayout *layout = pango_cairo_create_layout (plot->cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (plot->theme->font_family);

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);

  return layout;
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
  g_autoptr(PangoLayout) layout = new_layout (plot, text, size, FALSE);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (plot->cr, x - align * w, y - h / 2.0);
  kvp_draw_set_color (plot->cr, color, 1.0);
  pango_cairo_show_layout (plot->cr, layout);
}

static double
x_of (const Plot *plot,
      double      rate)
{
  return plot->x0 + (plot->x1 - plot->x0) * rate / plot->max_rate;
}

static double
y_of (const Plot *plot,
      double      latency)
{
  return plot->y1 - (plot->y1 - plot->y0) * MIN (latency, plot->max_latency) / plot->max_latency;
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
      *color = theme->paged_end;
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

static void
paint_axes (const Plot *plot)
{
  cairo_t *cr = plot->cr;
  const KvpTheme *theme = plot->theme;
  double xs = tick_step (plot->max_rate, 8);
  double ys = tick_step (plot->max_latency, 5);
  double dash = plot->unit * 0.4;

  cairo_set_line_width (cr, 1.0);
  kvp_draw_set_color (cr, &theme->card_border, 1.0);
  for (double v = 0; v <= plot->max_latency * (1 + 1e-9); v += ys)
    {
      char text[32];

      cairo_move_to (cr, plot->x0, round (y_of (plot, v)) + 0.5);
      cairo_line_to (cr, plot->x1, round (y_of (plot, v)) + 0.5);
      cairo_stroke (cr);
      g_ascii_formatd (text, sizeof text, "%g", v);
      show_text (plot, text, plot->x0 - plot->unit * 0.5, y_of (plot, v), 1.0, plot->unit * 0.8, &theme->text_secondary);
      kvp_draw_set_color (cr, &theme->card_border, 1.0);
    }
  for (double r = 0; r <= plot->max_rate * (1 + 1e-9); r += xs)
    {
      char text[32];

      g_ascii_formatd (text, sizeof text, "%g", r);
      show_text (plot, text, x_of (plot, r), plot->y1 + plot->unit * 0.9, 0.5, plot->unit * 0.8,
                 &theme->text_secondary);
    }

  /* Translators: the capacity picture's axes. */
  show_text (plot, _("Request rate (req/s)"), (plot->x0 + plot->x1) / 2, plot->y1 + plot->unit * 2.2, 0.5,
             plot->unit * 0.9, &theme->text);
  show_text (plot, _("Normalized latency (s/token)"), plot->x0, plot->y0 - plot->unit * 1.1, 0.0, plot->unit * 0.9,
             &theme->text);

  /* The limit the capacity is read at. */
  cairo_set_dash (cr, &dash, 1, 0);
  kvp_draw_set_color (cr, &theme->unused, 1.0);
  cairo_move_to (cr, plot->x0, y_of (plot, kvp_sweep_get_max_normalized_latency (plot->sweep)));
  cairo_line_to (cr, plot->x1, y_of (plot, kvp_sweep_get_max_normalized_latency (plot->sweep)));
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
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
  double r = plot->unit * 0.3;

  scheme_style (plot, scheme, &color, &dash);
  cairo_save (cr);
  cairo_rectangle (cr, plot->x0 - r, plot->y0 - r, plot->x1 - plot->x0 + 2 * r, plot->y1 - plot->y0 + 2 * r);
  cairo_clip (cr);
  cairo_set_line_width (cr, plot->unit * 0.18);
  if (dash > 0)
    {
      double d = dash * plot->unit * 0.12;

      cairo_set_dash (cr, &d, 1, 0);
    }
  for (guint i = 0; i < n; i++)
    {
      double v = kvp_sweep_get_stats (plot->sweep, i, scheme)->latency[KVP_LATENCY_NORMALIZED].mean;

      if (i == 0)
        cairo_move_to (cr, x_of (plot, kvp_sweep_get_rate (plot->sweep, i)), y_of (plot, v));
      else
        cairo_line_to (cr, x_of (plot, kvp_sweep_get_rate (plot->sweep, i)), y_of (plot, v));
    }
  kvp_draw_set_color (cr, &color, 1.0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  for (guint i = 0; i < n; i++)
    {
      double v = kvp_sweep_get_stats (plot->sweep, i, scheme)->latency[KVP_LATENCY_NORMALIZED].mean;

      cairo_new_sub_path (cr);
      cairo_arc (cr, x_of (plot, kvp_sweep_get_rate (plot->sweep, i)), y_of (plot, v), r * 0.6, 0, 2 * G_PI);
    }
  cairo_fill (cr);

  /* The capacity: a ring at the point, and the rate in the legend. */
  if (kvp_sweep_get_capacity (plot->sweep, scheme, &capacity))
    {
      cairo_set_line_width (cr, plot->unit * 0.15);
      cairo_arc (cr, x_of (plot, capacity), y_of (plot, kvp_sweep_get_max_normalized_latency (plot->sweep)), r * 1.6,
                 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_move_to (cr, x_of (plot, capacity), plot->y1);
      cairo_line_to (cr, x_of (plot, capacity), y_of (plot, kvp_sweep_get_max_normalized_latency (plot->sweep)));
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

/* The legend on a card of its own, over the lines: each scheme's line and
 * its capacity. */
static void
paint_legend (const Plot *plot)
{
  cairo_t *cr = plot->cr;
  double lx = plot->x1 - plot->unit * 16;
  guint n_rows = 0;
  guint row = 0;

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    n_rows += kvp_sweep_has_scheme (plot->sweep, s);
  kvp_draw_rounded_rect (cr, lx - plot->unit * 0.8, plot->y0 + plot->unit * 0.3, plot->unit * 16.3,
                         plot->unit * (1.4 * n_rows + 0.6), plot->unit * 0.4);
  kvp_draw_set_color (cr, &plot->theme->card, 1.0);
  cairo_fill_preserve (cr);
  kvp_draw_set_color (cr, &plot->theme->card_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    {
      double ly = plot->y0 + plot->unit * (1.3 + 1.4 * row);
      g_autofree char *label = NULL;
      KvpColor color;
      double dash;
      double capacity;

      if (!kvp_sweep_has_scheme (plot->sweep, s))
        continue;
      row++;
      scheme_style (plot, s, &color, &dash);
      if (kvp_sweep_get_capacity (plot->sweep, s, &capacity))
        /* Translators: a scheme, then its capacity in requests per second. */
        label = g_strdup_printf (_("%s: capacity %g req/s"), kvp_scheme_to_string (s), capacity);
      else
        /* Translators: a scheme none of whose swept rates is within the limit. */
        label = g_strdup_printf (_("%s: no rate within the limit"), kvp_scheme_to_string (s));
      cairo_set_line_width (cr, plot->unit * 0.18);
      if (dash > 0)
        {
          double d = dash * plot->unit * 0.12;

          cairo_set_dash (cr, &d, 1, 0);
        }
      kvp_draw_set_color (cr, &color, 1.0);
      cairo_move_to (cr, lx, ly);
      cairo_line_to (cr, lx + plot->unit * 2, ly);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      show_text (plot, label, lx + plot->unit * 2.6, ly, 0.0, plot->unit * 0.85, &plot->theme->text);
    }
}

void
kvp_capacity_paint (cairo_t        *cr,
                    KvpSweep       *sweep,
                    const KvpTheme *theme,
                    int             width,
                    int             height)
{
  Plot plot = { cr, theme, sweep };
  guint n = kvp_sweep_get_n_rates (sweep);
  double limit = kvp_sweep_get_max_normalized_latency (sweep);
  g_autofree char *subtitle = NULL;

  g_return_if_fail (cr != NULL && sweep != NULL && theme != NULL);

  if (width <= 0 || height <= 0)
    return;

  plot.unit = MAX (10.0, MIN (width, height) / 45.0);
  plot.x0 = plot.unit * 6;
  plot.x1 = width - plot.unit * 2;
  plot.y0 = plot.unit * 6;
  plot.y1 = height - plot.unit * 4;
  plot.max_rate = kvp_sweep_get_rate (sweep, n - 1) * 1.05;
  /* As the paper's Figure 12: the flat part and where each line turns up;
   * what lies above is clipped. */
  plot.max_latency = 4 * limit;

  kvp_draw_set_color (cr, &theme->background, 1.0);
  cairo_paint (cr);

  {
    g_autoptr(PangoLayout) title = new_layout (&plot, _("Capacity: normalized latency against request rate"),
                                               plot.unit * 1.4, TRUE);

    cairo_move_to (cr, plot.unit * 2, plot.unit * 1.2);
    kvp_draw_set_color (cr, &theme->text, 1.0);
    pango_cairo_show_layout (cr, title);
  }
  /* Translators: the limit in seconds per output token. */
  subtitle = g_strdup_printf (_("Each scheme’s capacity is the highest swept rate whose mean normalized latency stays "
                                "within %g s/token (dashed)."), limit);
  show_text (&plot, subtitle, plot.unit * 2, plot.unit * 3.6, 0.0, plot.unit * 0.9, &theme->text_secondary);

  paint_axes (&plot);
  for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
    if (kvp_sweep_has_scheme (sweep, s))
      paint_scheme (&plot, s);
  paint_legend (&plot);
}
