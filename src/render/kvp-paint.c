/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-paint.c: the painters and the timeline.  Every frame is a pure function
 * of the scene and t: the launch sequence when the scene has no previous one,
 * a transition from it otherwise, and the settled frame from the duration on. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include "kvp-format.h"
#include "kvp-draw.h"
#include "kvp-paint.h"
#include "kvp-scene-private.h"

/* Launch timeline, in seconds. */
#define HEADER_FADE       0.25
#define CARD_STEP         0.1   /* card i starts at (i + 1) × CARD_STEP */
#define CARD_FADE         0.35
#define BARS_FADE_START   0.3
#define BARS_FADE         0.3
#define BARS_GROW_START   0.45
#define BARS_GROW_STAGGER 0.08
#define BARS_GROW         0.6
#define GRID_FADE_START   0.35
#define GRID_FADE         0.3
/* Transition from a previous scene. */
#define CHANGE_EASE       0.45

static gboolean
is_launch (KvpScene *scene,
           double    t)
{
  return scene->previous == NULL && t < scene->duration;
}

static gboolean
is_change (KvpScene *scene,
           double    t)
{
  return scene->previous != NULL && t < scene->duration;
}

static void
paint_text (cairo_t        *cr,
            const KvpText  *text,
            const KvpColor *color,
            double          alpha)
{
  if (text->layout == NULL || alpha <= 0.0)
    return;

  kvp_draw_set_color (cr, color, alpha);
  cairo_move_to (cr, text->x, text->y);
  pango_cairo_show_layout (cr, text->layout);
}

static cairo_pattern_t *
create_paged_gradient (const KvpTheme *theme,
                       double          x0,
                       double          x1)
{
  cairo_pattern_t *pattern = cairo_pattern_create_linear (x0, 0, MAX (x1, x0 + 1.0), 0);

  cairo_pattern_add_color_stop_rgb (pattern, 0.0, theme->paged_start.red,
                                    theme->paged_start.green, theme->paged_start.blue);
  cairo_pattern_add_color_stop_rgb (pattern, 1.0, theme->paged_end.red,
                                    theme->paged_end.green, theme->paged_end.blue);

  return pattern;
}

static void
paint_panel (cairo_t                 *cr,
             KvpScene                *scene,
             const cairo_rectangle_t *rect)
{
  const KvpTheme *theme = scene->theme;

  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, rect->x, rect->y, rect->width, rect->height, scene->card_radius);
  kvp_draw_set_color (cr, &theme->card, 1.0);
  cairo_fill (cr);

  /* A hairline just inside the edge, on whole pixels. */
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, rect->x + 0.5, rect->y + 0.5, rect->width - 1.0, rect->height - 1.0,
                scene->card_radius - 0.5);
  kvp_draw_set_color (cr, &theme->card_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

/* Runs paint at alpha: directly when opaque, through a group otherwise. */
static gboolean
begin_fade (cairo_t *cr,
            double   alpha)
{
  if (alpha <= 0.0)
    return FALSE;
  if (alpha < 1.0)
    cairo_push_group (cr);
  return TRUE;
}

static void
end_fade (cairo_t *cr,
          double   alpha)
{
  if (alpha < 1.0)
    {
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, alpha);
    }
}

/* Opacity of a part that fades in during the launch, fully there otherwise. */
static double
launch_alpha (KvpScene *scene,
              double    t,
              double    start,
              double    duration)
{
  return is_launch (scene, t) ? kvp_draw_progress (t, start, duration) : 1.0;
}

/* Starts a faded panel: its card and heading are painted, the caller adds
 * its contents and ends the fade.  FALSE while the panel is invisible. */
static gboolean
begin_panel (cairo_t                 *cr,
             KvpScene                *scene,
             const cairo_rectangle_t *panel,
             const KvpText           *heading,
             double                   alpha)
{
  if (!begin_fade (cr, alpha))
    return FALSE;

  paint_panel (cr, scene, panel);
  paint_text (cr, heading, &scene->theme->text, 1.0);
  return TRUE;
}

static void
paint_header (cairo_t  *cr,
              KvpScene *scene,
              double    t)
{
  double alpha = launch_alpha (scene, t, 0.0, HEADER_FADE);

  paint_text (cr, &scene->title, &scene->theme->text, alpha);
  paint_text (cr, &scene->subtitle, &scene->theme->text_secondary, alpha);
}

/* The value text of a card, eased from the previous scene's number. */
static PangoLayout *
dup_eased_value (KvpScene *scene,
                 KvpCard   card,
                 double    t)
{
  PangoLayout *layout;
  double v;
  g_autofree char *text = NULL;

  if (!is_change (scene, t))
    return NULL;
  if (card == KVP_CARD_UTILIZATION && (!scene->cmp->fits || !scene->previous->cmp->fits))
    return NULL;

  v = kvp_scene_card_number_at (scene, card, t);
  if (v == scene->card_number[card])
    return NULL;

  switch (card)
    {
    case KVP_CARD_TRADITIONAL:
    case KVP_CARD_PAGED:
      text = kvp_format_bytes ((guint64) MAX (0.0, round (v)));
      break;
    case KVP_CARD_SAVED:
      text = kvp_format_signed_bytes ((gint64) round (v));
      break;
    case KVP_CARD_UTILIZATION:
    case KVP_N_CARDS:
    default:
      text = kvp_format_percent (v);
      break;
    }

  layout = pango_layout_copy (scene->card_value_text[card].layout);
  pango_layout_set_text (layout, text, -1);

  return layout;
}

static void
paint_card (cairo_t  *cr,
            KvpScene *scene,
            KvpCard   card,
            double    t)
{
  const KvpTheme *theme = scene->theme;
  const cairo_rectangle_t *rect = &scene->card_rect[card];
  double alpha = 1.0, dy = 0.0;
  g_autoptr (PangoLayout) eased = NULL;

  if (is_launch (scene, t))
    {
      double p = kvp_draw_progress (t, (card + 1) * CARD_STEP, CARD_FADE);

      alpha = p;
      dy = (1.0 - p) * 12.0 * MAX (scene->unit, 0.6);
    }

  if (!begin_fade (cr, alpha))
    return;

  cairo_save (cr);
  cairo_translate (cr, 0, dy);
  paint_panel (cr, scene, rect);

  /* The accent: a strip along the top edge, clipped to the rounded card. */
  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, rect->x, rect->y, rect->width, rect->height, scene->card_radius);
  cairo_clip (cr);
  cairo_rectangle (cr, rect->x, rect->y, rect->width, scene->card_accent_height);
  switch (card)
    {
    case KVP_CARD_TRADITIONAL:
      kvp_draw_set_color (cr, &theme->traditional, 1.0);
      cairo_fill (cr);
      break;
    case KVP_CARD_PAGED:
      {
        cairo_pattern_t *gradient = create_paged_gradient (theme, rect->x, rect->x + rect->width);

        cairo_set_source (cr, gradient);
        cairo_fill (cr);
        cairo_pattern_destroy (gradient);
      }
      break;
    case KVP_CARD_SAVED:
      kvp_draw_set_color (cr, &theme->saved, 1.0);
      cairo_fill (cr);
      break;
    case KVP_CARD_UTILIZATION:
    case KVP_N_CARDS:
    default:
      kvp_draw_set_color (cr, &theme->utilization, 1.0);
      cairo_fill (cr);
      break;
    }
  cairo_restore (cr);

  paint_text (cr, &scene->card_title_text[card], &theme->text_secondary, 1.0);

  eased = dup_eased_value (scene, card, t);
  if (eased != NULL)
    {
      KvpText text = scene->card_value_text[card];

      text.layout = eased;
      paint_text (cr, &text, &theme->text, 1.0);
    }
  else
    paint_text (cr, &scene->card_value_text[card], &theme->text, 1.0);

  paint_text (cr, &scene->card_caption_text[card], &theme->text_secondary, 1.0);
  cairo_restore (cr);

  end_fade (cr, alpha);
}

static void
paint_swatch (cairo_t                 *cr,
              const cairo_rectangle_t *r,
              const KvpColor          *color)
{
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, r->x, r->y, r->width, r->height, r->width * 0.25);
  kvp_draw_set_color (cr, color, 1.0);
  cairo_fill (cr);
}

static void
paint_gradient_swatch (cairo_t                 *cr,
                       const KvpTheme          *theme,
                       const cairo_rectangle_t *r)
{
  cairo_pattern_t *gradient = create_paged_gradient (theme, r->x, r->x + r->width);

  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, r->x, r->y, r->width, r->height, r->width * 0.25);
  cairo_set_source (cr, gradient);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);
}

/* A translucent colour as it looks on the card, so a swatch matches the bar. */
static KvpColor
over_card (const KvpTheme *theme,
           const KvpColor *c)
{
  KvpColor out;

  out.red = theme->card.red + (c->red - theme->card.red) * c->alpha;
  out.green = theme->card.green + (c->green - theme->card.green) * c->alpha;
  out.blue = theme->card.blue + (c->blue - theme->card.blue) * c->alpha;
  out.alpha = 1.0;

  return out;
}

static KvpColor
slack_color (const KvpTheme *theme)
{
  KvpColor c = theme->utilization;

  c.alpha = 0.35;
  return c;
}

static void
paint_bar (cairo_t  *cr,
           KvpScene *scene,
           KvpBar    bar,
           double    t)
{
  const KvpTheme *theme = scene->theme;
  const cairo_rectangle_t *track = &scene->bar_track[bar];
  double radius = track->height * 0.3;
  double used, waste, used_w, waste_w;
  KvpColor waste_color = bar == KVP_BAR_TRADITIONAL ? theme->unused : slack_color (theme);

  kvp_scene_bar_at (scene, bar, t, &used, &waste);
  /* On one byte scale 128 tokens beside a reservation of 160k are a sliver:
   * keep any non-empty part visible, taking the width from the rest. */
  used_w = track->width * used;
  if (used > 0.0 && used_w < track->height * 0.5)
    used_w = MIN (track->height * 0.5, track->width);
  waste_w = MIN (track->width * waste, track->width - used_w);

  paint_text (cr, &scene->bar_label[bar], &theme->text, 1.0);
  paint_text (cr, &scene->bar_size[bar], &theme->text_secondary, 1.0);

  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, track->x, track->y, track->width, track->height, radius);
  cairo_clip_preserve (cr);
  kvp_draw_set_color (cr, &theme->free_block, 1.0);
  cairo_fill (cr);

  if (used_w > 0.0)
    {
      cairo_rectangle (cr, track->x, track->y, used_w, track->height);
      if (bar == KVP_BAR_TRADITIONAL)
        kvp_draw_set_color (cr, &theme->traditional, 1.0);
      else
        {
          /* The gradient spans the used part, as the grid's blocks do. */
          cairo_pattern_t *gradient = create_paged_gradient (theme, track->x, track->x + used_w);

          cairo_set_source (cr, gradient);
          cairo_pattern_destroy (gradient);
        }
      cairo_fill (cr);
    }
  if (waste_w > 0.0)
    {
      cairo_rectangle (cr, track->x + used_w, track->y, waste_w, track->height);
      kvp_draw_set_color (cr, &theme->card, 1.0);
      cairo_fill_preserve (cr);
      kvp_draw_set_color (cr, &waste_color, 1.0);
      cairo_fill (cr);
    }
  cairo_restore (cr);

  for (int k = 0; k < KVP_N_KEYS; k++)
    {
      const KvpKey *key = &scene->bar_key[bar][k];

      if (k == KVP_KEY_USED && bar == KVP_BAR_PAGED)
        paint_gradient_swatch (cr, theme, &key->swatch);
      else if (k == KVP_KEY_USED)
        paint_swatch (cr, &key->swatch, &theme->traditional);
      else
        {
          KvpColor c = over_card (theme, &waste_color);

          paint_swatch (cr, &key->swatch, &c);
        }
      paint_text (cr, &key->text, &theme->text_secondary, 1.0);
    }
}

static void
paint_legend (cairo_t  *cr,
              KvpScene *scene)
{
  const KvpTheme *theme = scene->theme;
  const cairo_rectangle_t *r;

  paint_gradient_swatch (cr, theme, &scene->legend[KVP_LEGEND_ALLOCATED].swatch);

  r = &scene->legend[KVP_LEGEND_PARTIAL].swatch;
  paint_swatch (cr, r, &theme->free_block);
  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, r->x, r->y, r->width, r->height, r->width * 0.25);
  cairo_clip (cr);
  cairo_rectangle (cr, r->x, r->y + r->height * 0.5, r->width, r->height * 0.5);
  kvp_draw_set_color (cr, &theme->paged_end, 1.0);
  cairo_fill (cr);
  cairo_restore (cr);

  paint_swatch (cr, &scene->legend[KVP_LEGEND_FREE].swatch, &theme->free_block);

  for (int i = 0; i < KVP_N_LEGEND; i++)
    paint_text (cr, &scene->legend[i].text, &theme->text_secondary, 1.0);
}

static void
paint_banner (cairo_t  *cr,
              KvpScene *scene)
{
  const KvpTheme *theme = scene->theme;
  const cairo_rectangle_t *r = &scene->banner_rect;
  KvpColor border = theme->unused;

  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, r->x, r->y, r->width, r->height, scene->card_radius);
  kvp_draw_set_color (cr, &theme->card, 1.0);
  cairo_fill_preserve (cr);
  kvp_draw_set_color (cr, &theme->unused, 0.6);
  cairo_fill_preserve (cr);
  border.alpha = 1.0;
  kvp_draw_set_color (cr, &border, 1.0);
  cairo_set_line_width (cr, MAX (1.0, 1.5 * scene->unit));
  cairo_stroke (cr);
  paint_text (cr, &scene->banner, &theme->text, 1.0);
}

double
kvp_scene_card_number_at (KvpScene *self,
                          KvpCard   card,
                          double    t)
{
  double to = self->card_number[card];

  if (!is_change (self, t))
    return to;

  return self->from_card_number[card] +
         (to - self->from_card_number[card]) * kvp_draw_progress (t, 0.0, CHANGE_EASE);
}

void
kvp_scene_bar_at (KvpScene *self,
                  KvpBar    bar,
                  double    t,
                  double   *out_used,
                  double   *out_waste)
{
  double used = self->bar_used[bar], waste = self->bar_waste[bar];

  if (is_launch (self, t))
    {
      double g = kvp_draw_progress (t, BARS_GROW_START + bar * BARS_GROW_STAGGER, BARS_GROW);

      used *= g;
      waste *= g;
    }
  else if (is_change (self, t))
    {
      double p = kvp_draw_progress (t, 0.0, CHANGE_EASE);

      used = self->from_bar_used[bar] + (used - self->from_bar_used[bar]) * p;
      waste = self->from_bar_waste[bar] + (waste - self->from_bar_waste[bar]) * p;
    }

  *out_used = used;
  *out_waste = waste;
}

double
kvp_scene_compute_duration (KvpScene *self)
{
  double grid = kvp_grid_get_duration (self->grid, self->previous ? self->previous->grid : NULL);

  if (self->previous == NULL)
    {
      double d = HEADER_FADE;

      d = MAX (d, KVP_N_CARDS * CARD_STEP + CARD_FADE);
      d = MAX (d, BARS_FADE_START + BARS_FADE);
      d = MAX (d, BARS_GROW_START + BARS_GROW_STAGGER + BARS_GROW);
      d = MAX (d, GRID_FADE_START + GRID_FADE);
      return MAX (d, grid);
    }

  return MAX (CHANGE_EASE, grid);
}

void
kvp_paint_cards (cairo_t  *cr,
                 KvpScene *scene,
                 double    t)
{
  g_return_if_fail (cr != NULL);
  g_return_if_fail (scene != NULL);

  cairo_save (cr);
  pango_cairo_update_context (cr, scene->pango);
  for (int i = 0; i < KVP_N_CARDS; i++)
    paint_card (cr, scene, i, t);
  cairo_restore (cr);
}

void
kvp_paint_bars (cairo_t  *cr,
                KvpScene *scene,
                double    t)
{
  double alpha;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (scene != NULL);

  alpha = launch_alpha (scene, t, BARS_FADE_START, BARS_FADE);
  cairo_save (cr);
  pango_cairo_update_context (cr, scene->pango);
  if (begin_panel (cr, scene, &scene->bars_panel, &scene->bars_heading, alpha))
    {
      for (int i = 0; i < KVP_N_BARS; i++)
        paint_bar (cr, scene, i, t);
      end_fade (cr, alpha);
    }
  cairo_restore (cr);
}

void
kvp_paint_grid (cairo_t  *cr,
                KvpScene *scene,
                double    t)
{
  double alpha;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (scene != NULL);

  alpha = launch_alpha (scene, t, GRID_FADE_START, GRID_FADE);
  cairo_save (cr);
  pango_cairo_update_context (cr, scene->pango);

  /* The panel fades in; the blocks keep their own timeline. */
  if (begin_panel (cr, scene, &scene->grid_panel, &scene->grid_heading, alpha))
    {
      paint_legend (cr, scene);
      end_fade (cr, alpha);
    }

  kvp_paint_blocks (cr, scene, t);

  if (scene->show_banner && begin_fade (cr, alpha))
    {
      paint_banner (cr, scene);
      end_fade (cr, alpha);
    }
  cairo_restore (cr);
}

void
kvp_paint_blocks (cairo_t  *cr,
                  KvpScene *scene,
                  double    t)
{
  g_return_if_fail (cr != NULL);
  g_return_if_fail (scene != NULL);

  kvp_grid_paint (scene->grid, cr,
                  is_change (scene, t) ? scene->previous->grid : NULL,
                  t >= scene->duration ? G_MAXDOUBLE : t);
}

void
kvp_paint_scene (cairo_t  *cr,
                 KvpScene *scene,
                 double    t)
{
  g_return_if_fail (cr != NULL);
  g_return_if_fail (scene != NULL);

  cairo_save (cr);
  pango_cairo_update_context (cr, scene->pango);

  kvp_draw_set_color (cr, &scene->theme->background, 1.0);
  cairo_rectangle (cr, 0, 0, scene->width, scene->height);
  cairo_fill (cr);

  paint_header (cr, scene, t);
  kvp_paint_cards (cr, scene, t);
  kvp_paint_bars (cr, scene, t);
  kvp_paint_grid (cr, scene, t);
  cairo_restore (cr);
}
