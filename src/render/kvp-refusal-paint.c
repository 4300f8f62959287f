/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-refusal-paint.c: a refusal, drawn readable at any size the window
 * allows: the type shrinks with a small picture, never below legibility,
 * and the reason wraps rather than running off the edge. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include <pango/pangocairo.h>

#include "kvp-draw.h"
#include "kvp-picture.h"
#include "kvp-refusal-paint.h"

void
kvp_refusal_paint (cairo_t        *cr,
                   const KvpTheme *theme,
                   double          width,
                   double          height,
                   const char     *title,
                   const char     *reason)
{
  g_autoptr(PangoLayout) title_layout = NULL;
  g_autoptr(PangoLayout) reason_layout = NULL;
  double margin, text_width, title_size, reason_size, gap, y;
  int title_h, reason_h;

  g_return_if_fail (cr != NULL && theme != NULL && title != NULL);

  cairo_save (cr);
  kvp_draw_set_color (cr, &theme->background, 1.0);
  cairo_paint (cr);

  /* Proportions of the picture, held between legible and comfortable. */
  margin = CLAMP (width * 0.08, 12, 64);
  text_width = MAX (width - 2 * margin, 40);
  text_width = MIN (text_width, 720);
  title_size = CLAMP (MIN (width, height) * 0.05, 15, 28);
  reason_size = CLAMP (title_size * 0.6, 12, 17);
  gap = reason_size;

  title_layout = kvp_picture_new_paint_layout (cr, theme, title, title_size, PANGO_WEIGHT_BOLD, KVP_TEXT_PLAIN,
                                               text_width);
  pango_layout_set_alignment (title_layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (title_layout, NULL, &title_h);
  if (reason != NULL && *reason != '\0')
    {
      reason_layout = kvp_picture_new_paint_layout (cr, theme, reason, reason_size, PANGO_WEIGHT_NORMAL, KVP_TEXT_PLAIN,
                                                    text_width);
      pango_layout_set_alignment (reason_layout, PANGO_ALIGN_CENTER);
      pango_layout_get_pixel_size (reason_layout, NULL, &reason_h);
    }
  else
    reason_h = 0, gap = 0;

  /* Centred as a block; a reason taller than the picture starts at the top. */
  y = MAX (margin / 2, (height - title_h - gap - reason_h) / 2);
  kvp_draw_set_color (cr, &theme->text, 1.0);
  cairo_move_to (cr, (width - text_width) / 2, y);
  pango_cairo_show_layout (cr, title_layout);

  if (reason_layout != NULL)
    {
      kvp_draw_set_color (cr, &theme->text_secondary, 1.0);
      cairo_move_to (cr, (width - text_width) / 2, y + title_h + gap);
      pango_cairo_show_layout (cr, reason_layout);
    }
  cairo_restore (cr);
}

void
kvp_refusal_paint_notice (cairo_t                 *cr,
                          const KvpTheme          *theme,
                          const cairo_rectangle_t *area,
                          const char              *title,
                          const char              *reason,
                          cairo_rectangle_t       *out_card)
{
  g_autoptr(PangoLayout) title_layout = NULL;
  g_autoptr(PangoLayout) reason_layout = NULL;
  double pad = 16, gap = 6, text_width, x, y, w, h;
  int title_h, reason_h = 0;

  g_return_if_fail (cr != NULL && theme != NULL && area != NULL && title != NULL);

  /* As wide as a comfortable line, never wider than the area less a margin
   * or narrower than a few words. */
  text_width = CLAMP (area->width - 2 * (pad + 12), 160, 520);
  title_layout = kvp_picture_new_paint_layout (cr, theme, title, 15, PANGO_WEIGHT_BOLD, KVP_TEXT_PLAIN, text_width);
  pango_layout_set_alignment (title_layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (title_layout, NULL, &title_h);
  if (reason != NULL && *reason != '\0')
    {
      reason_layout = kvp_picture_new_paint_layout (cr, theme, reason, 13, PANGO_WEIGHT_NORMAL, KVP_TEXT_PLAIN,
                                                    text_width);
      pango_layout_set_alignment (reason_layout, PANGO_ALIGN_CENTER);
      pango_layout_get_pixel_size (reason_layout, NULL, &reason_h);
    }
  else
    gap = 0;

  w = text_width + 2 * pad;
  h = title_h + gap + reason_h + 2 * pad;
  x = round (area->x + (area->width - w) / 2);
  /* Centred on the area; one taller than it starts at its top. */
  y = round (area->y + MAX (0, (area->height - h) / 2));
  if (out_card != NULL)
    *out_card = (cairo_rectangle_t) { x, y, w, h };

  cairo_save (cr);
  /* A soft shadow, then an opaque card: the figures under it never show
   * through the words. */
  kvp_draw_rounded_rect (cr, x, y + 2, w, h, 12);
  cairo_set_source_rgba (cr, 0, 0, 0, theme->variant == KVP_THEME_DARK ? 0.5 : 0.18);
  cairo_fill (cr);
  kvp_draw_rounded_rect (cr, x + 0.5, y + 0.5, w - 1, h - 1, 12);
  kvp_draw_set_color (cr, &theme->card, 1.0);
  cairo_fill_preserve (cr);
  kvp_draw_set_color (cr, &theme->card_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  kvp_draw_set_color (cr, &theme->text, 1.0);
  cairo_move_to (cr, x + pad, y + pad);
  pango_cairo_show_layout (cr, title_layout);
  if (reason_layout != NULL)
    {
      kvp_draw_set_color (cr, &theme->text_secondary, 1.0);
      cairo_move_to (cr, x + pad, y + pad + title_h + gap);
      pango_cairo_show_layout (cr, reason_layout);
    }
  cairo_restore (cr);
}

char *
kvp_refusal_describe (const char *title,
                      const char *reason)
{
  g_return_val_if_fail (title != NULL, NULL);

  if (reason == NULL || *reason == '\0')
    return g_strdup (title);
  return g_strconcat (title, " ", reason, NULL);
}
