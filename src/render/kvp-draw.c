/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-draw.c: the small drawing and timing helpers every painter shares. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include "kvp-draw.h"

double
kvp_draw_ease_out (double x)
{
  x = CLAMP (x, 0.0, 1.0);
  return 1.0 - (1.0 - x) * (1.0 - x) * (1.0 - x);
}

double
kvp_draw_progress (double t,
                   double start,
                   double duration)
{
  if (duration <= 0.0)
    return t >= start ? 1.0 : 0.0;
  return kvp_draw_ease_out ((t - start) / duration);
}

void
kvp_draw_set_color (cairo_t        *cr,
                    const KvpColor *color,
                    double          alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

void
kvp_draw_rounded_rect (cairo_t *cr,
                       double   x,
                       double   y,
                       double   width,
                       double   height,
                       double   r)
{
  r = MIN (r, MIN (width, height) / 2.0);
  if (r <= 0.5)
    {
      cairo_rectangle (cr, x, y, width, height);
      return;
    }

  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + width - r, y + height - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + height - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}
