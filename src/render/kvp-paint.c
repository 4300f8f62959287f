/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-paint.c: the painters.  Every frame is a pure function of the scene and
 * t: the scene's timeline says what the frame shows (fades, slides, the state
 * the figures are in), the scene of that state gives the texts, and the
 * painters only draw them. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include "kvp-format.h"
#include "kvp-draw.h"
#include "kvp-paint.h"
#include "kvp-scene-private.h"

/* The painters read a frame: the target scene (geometry, grid), the scene
 * whose texts say the state shown, and the timeline's values at t. */
typedef struct
{
  KvpScene *scene;
  KvpScene *shown;
  KvpFrame  frame;
} Frame;

static void
frame_init (Frame    *f,
            KvpScene *scene,
            double    t)
{
  f->scene = scene;
  kvp_scene_get_frame (scene, t, &f->frame);
  f->shown = kvp_scene_get_shown (scene, &f->frame);
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

/* Runs paint at alpha: directly when opaque, otherwise through a group the
 * size of area (all the faded part draws), not of the whole picture. */
static gboolean
begin_fade (cairo_t                 *cr,
            double                   alpha,
            const cairo_rectangle_t *area)
{
  if (alpha <= 0.0)
    return FALSE;
  if (alpha < 1.0)
    {
      cairo_save (cr);
      cairo_rectangle (cr, floor (area->x), floor (area->y), ceil (area->width) + 1, ceil (area->height) + 1);
      cairo_clip (cr);
      cairo_push_group (cr);
    }
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
      cairo_restore (cr);
    }
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
  if (!begin_fade (cr, alpha, panel))
    return FALSE;

  kvp_picture_paint_panel (cr, &scene->parent, panel, scene->card_radius);
  kvp_text_paint (cr, heading, &scene->parent.theme->text, 1.0);
  return TRUE;
}

static void
paint_header (cairo_t     *cr,
              const Frame *f)
{
  double alpha = f->frame.alpha[KVP_PART_HEADER];

  kvp_text_paint (cr, &f->shown->title, &f->scene->parent.theme->text, alpha);
  kvp_text_paint (cr, &f->shown->subtitle, &f->scene->parent.theme->text_secondary, alpha);
}

static void
paint_card (cairo_t     *cr,
            const Frame *f,
            KvpCard      card)
{
  KvpScene *scene = f->shown;
  const KvpTheme *theme = scene->parent.theme;
  const cairo_rectangle_t *rect = &scene->card_rect[card];
  double alpha = f->frame.alpha[KVP_PART_CARDS + card];
  double dy = f->frame.card_offset[card] * MAX (scene->parent.unit, 0.6);
  gboolean muted = scene->card_muted[card];
  cairo_rectangle_t area = { rect->x, rect->y, rect->width, rect->height + dy };

  if (!begin_fade (cr, alpha, &area))
    return;

  cairo_save (cr);
  cairo_translate (cr, 0, dy);
  kvp_picture_paint_panel (cr, &scene->parent, rect, scene->card_radius);

  /* The accent: a strip along the top edge, clipped to the rounded card.  A
   * card whose figure holds only "if it fit" has a plain gray one. */
  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, rect->x, rect->y, rect->width, rect->height, scene->card_radius);
  cairo_clip (cr);
  cairo_rectangle (cr, rect->x, rect->y, rect->width, scene->card_accent_height);
  if (muted)
    kvp_draw_set_color (cr, &theme->free_block, 1.0);
  else if (card == KVP_CARD_TRADITIONAL)
    kvp_draw_set_color (cr, &theme->traditional, 1.0);
  else if (card == KVP_CARD_PAGED)
    {
      cairo_pattern_t *gradient = create_paged_gradient (theme, rect->x, rect->x + rect->width);

      cairo_set_source (cr, gradient);
      cairo_pattern_destroy (gradient);
    }
  else if (card == KVP_CARD_SAVED)
    kvp_draw_set_color (cr, scene->cmp->saved_bytes >= 0 ? &theme->saved : &theme->unused, 1.0);
  else
    kvp_draw_set_color (cr, &theme->utilization, 1.0);
  cairo_fill (cr);
  cairo_restore (cr);

  kvp_text_paint (cr, &scene->cards[card].title_text, &theme->text_secondary, 1.0);
  kvp_text_paint (cr, &scene->cards[card].value_text, muted ? &theme->text_secondary : &theme->text, 1.0);
  kvp_text_paint (cr, &scene->cards[card].caption_text, &theme->text_secondary, 1.0);
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
paint_bar (cairo_t     *cr,
           const Frame *f,
           KvpBar       bar)
{
  KvpScene *scene = f->shown;
  const KvpTheme *theme = scene->parent.theme;
  const cairo_rectangle_t *track = &scene->bar_track[bar];
  double radius = track->height * 0.3;
  double growth = f->frame.bar_growth[bar];
  double used = scene->bar_used[bar] * growth, waste = scene->bar_waste[bar] * growth;
  double used_w, waste_w;
  KvpColor waste_color = bar == KVP_BAR_TRADITIONAL ? theme->unused : slack_color (theme);

  /* On one byte scale 128 tokens beside a reservation of 160k are a sliver:
   * keep any non-empty part visible, taking the width from the rest. */
  used_w = track->width * used;
  if (used > 0.0 && used_w < track->height * 0.5)
    used_w = MIN (track->height * 0.5, track->width);
  waste_w = MIN (track->width * waste, track->width - used_w);

  kvp_text_paint (cr, &scene->bar_label[bar], &theme->text, 1.0);
  kvp_text_paint (cr, &scene->bar_size[bar], &theme->text_secondary, 1.0);

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

  /* Past the pool's end nothing is stored: the bar is only an outline there. */
  if (scene->bar_pool > 0.0)
    {
      double mark = track->x + track->width * scene->bar_pool;

      cairo_rectangle (cr, mark, track->y, track->x + track->width - mark, track->height);
      kvp_draw_set_color (cr, &theme->card, 0.75);
      cairo_fill (cr);
    }
  cairo_restore (cr);

  for (int k = 0; k < KVP_N_KEYS; k++)
    {
      const KvpKey *key = &scene->bar_key[bar][k];

      /* Left out of a tight picture. */
      if (key->text.layout == NULL)
        continue;
      if (k == KVP_KEY_USED && bar == KVP_BAR_PAGED)
        paint_gradient_swatch (cr, theme, &key->swatch);
      else if (k == KVP_KEY_USED)
        paint_swatch (cr, &key->swatch, &theme->traditional);
      else
        {
          KvpColor c = over_card (theme, &waste_color);

          paint_swatch (cr, &key->swatch, &c);
        }
      kvp_text_paint (cr, &key->text, &theme->text_secondary, 1.0);
    }
}

/* The pool's end across both bars, and its label; broken where the top
 * bar's legend runs, so no key text is struck through. */
static void
paint_pool_mark (cairo_t  *cr,
                 KvpScene *scene)
{
  const cairo_rectangle_t *top = &scene->bar_track[KVP_BAR_TRADITIONAL];
  const cairo_rectangle_t *bottom = &scene->bar_track[KVP_BAR_PAGED];
  double x = round (top->x + top->width * scene->bar_pool) + 0.5;
  KvpColor line = scene->parent.theme->unused;
  double dash = 4.0;

  if (scene->bar_pool <= 0.0)
    return;

  line.alpha = 1.0;
  cairo_save (cr);
  cairo_new_path (cr);
  cairo_move_to (cr, x, scene->pool_label.y + scene->pool_label.height);
  cairo_line_to (cr, x, top->y + top->height + 3.0);
  cairo_move_to (cr, x, bottom->y - 3.0);
  cairo_line_to (cr, x, bottom->y + bottom->height + 4.0);
  cairo_set_dash (cr, &dash, 1, 0.0);
  cairo_set_line_width (cr, 2.0);
  kvp_draw_set_color (cr, &line, 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
  kvp_text_paint (cr, &scene->pool_label, &line, 1.0);
}

/* The partly filled key.  With slots, drawn as the cells are: a tinted
 * block with three of its four slots held. */
static void
paint_partial_swatch (cairo_t                 *cr,
                      const KvpTheme          *theme,
                      const cairo_rectangle_t *r,
                      gboolean                 slots)
{
  if (slots)
    {
      KvpColor tint = theme->free_block;
      double inset = MAX (1.0, round (r->width * 0.12)), sp = (r->width - 2 * inset) / 2;

      tint.red += (theme->paged_end.red - tint.red) * 0.25;
      tint.green += (theme->paged_end.green - tint.green) * 0.25;
      tint.blue += (theme->paged_end.blue - tint.blue) * 0.25;
      paint_swatch (cr, r, &tint);
      cairo_new_path (cr);
      for (int k = 0; k < 3; k++)
        cairo_rectangle (cr, r->x + inset + (k % 2) * sp, r->y + inset + (k / 2) * sp, sp - 0.5, sp - 0.5);
      kvp_draw_set_color (cr, &theme->paged_end, 1.0);
      cairo_fill (cr);
    }
  else
    {
      paint_swatch (cr, r, &theme->free_block);
      cairo_save (cr);
      cairo_new_path (cr);
      kvp_draw_rounded_rect (cr, r->x, r->y, r->width, r->height, r->width * 0.25);
      cairo_clip (cr);
      cairo_rectangle (cr, r->x, r->y + r->height * 0.5, r->width, r->height * 0.5);
      kvp_draw_set_color (cr, &theme->paged_end, 1.0);
      cairo_fill (cr);
      cairo_restore (cr);
    }
}

/* The samples' key: a band of each sample's shade. */
static void
paint_samples_swatch (cairo_t                 *cr,
                      const KvpTheme          *theme,
                      const cairo_rectangle_t *r,
                      guint                    n_samples)
{
  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, r->x, r->y, r->width, r->height, r->width * 0.25);
  cairo_clip (cr);
  for (guint k = 0; k < n_samples; k++)
    {
      KvpColor c = kvp_grid_class_color (theme, KVP_GRID_CLASS_SAMPLE, k, n_samples);

      cairo_rectangle (cr, r->x + r->width * k / n_samples, r->y, r->width / n_samples + 0.5, r->height);
      kvp_draw_set_color (cr, &c, 1.0);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

static void
paint_legend (cairo_t  *cr,
              KvpScene *scene,
              gboolean  slots)
{
  const KvpTheme *theme = scene->parent.theme;
  guint n_samples = scene->cmp->params.samples;

  for (guint j = 0; j < scene->n_legend; j++)
    {
      const cairo_rectangle_t *r = &scene->legend[j].swatch;
      KvpColor c;

      switch (scene->legend_kind[j])
        {
        case KVP_LEGEND_ALLOCATED:
          if (n_samples > 1)
            paint_samples_swatch (cr, theme, r, n_samples);
          else
            paint_gradient_swatch (cr, theme, r);
          break;
        case KVP_LEGEND_PARTIAL:
          paint_partial_swatch (cr, theme, r, slots);
          break;
        case KVP_LEGEND_SHARED:
          c = kvp_grid_class_color (theme, KVP_GRID_CLASS_SHARED, 0, n_samples);
          paint_swatch (cr, r, &c);
          break;
        case KVP_LEGEND_COW:
          /* A sample's block framed in the shared colour, as the grid has it. */
          c = kvp_grid_class_color (theme, KVP_GRID_CLASS_SAMPLE, 0, n_samples);
          paint_swatch (cr, r, &c);
          c = kvp_grid_class_color (theme, KVP_GRID_CLASS_SHARED, 0, n_samples);
          cairo_new_path (cr);
          kvp_draw_rounded_rect (cr, r->x + 1, r->y + 1, r->width - 2, r->height - 2, r->width * 0.25);
          kvp_draw_set_color (cr, &c, 1.0);
          cairo_set_line_width (cr, 2.0);
          cairo_stroke (cr);
          break;
        case KVP_LEGEND_OTHER:
          c = kvp_grid_class_color (theme, KVP_GRID_CLASS_OTHER, 0, 1);
          paint_swatch (cr, r, &c);
          break;
        case KVP_LEGEND_NULL:
          c = kvp_grid_class_color (theme, KVP_GRID_CLASS_NULL, 0, 1);
          paint_swatch (cr, r, &c);
          break;
        case KVP_LEGEND_FREE:
          paint_swatch (cr, r, &theme->free_block);
          break;
        case KVP_LEGEND_LOUPE:
        case KVP_N_LEGEND:
        default:
          /* The loupe's ring round a held cell. */
          paint_gradient_swatch (cr, theme, r);
          cairo_new_path (cr);
          kvp_draw_rounded_rect (cr, r->x - 1, r->y - 1, r->width + 2, r->height + 2, r->width * 0.3);
          kvp_draw_set_color (cr, &theme->utilization, 1.0);
          cairo_set_line_width (cr, 2.0);
          cairo_stroke (cr);
          break;
        }
      kvp_text_paint (cr, &scene->legend[j].text, &theme->text_secondary, 1.0);
    }
}

static void
paint_banner (cairo_t  *cr,
              KvpScene *scene)
{
  const KvpTheme *theme = scene->parent.theme;
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
  cairo_set_line_width (cr, MAX (1.0, 1.5 * scene->parent.unit));
  cairo_stroke (cr);
  kvp_text_paint (cr, &scene->banner, &theme->text, 1.0);
}

static void
paint_cards (cairo_t     *cr,
             const Frame *f)
{
  for (int i = 0; i < KVP_N_CARDS; i++)
    paint_card (cr, f, i);
}

static void
paint_bars (cairo_t     *cr,
            const Frame *f)
{
  double alpha = f->frame.alpha[KVP_PART_BARS];

  if (begin_panel (cr, f->shown, &f->shown->bars_panel, &f->shown->bars_heading, alpha))
    {
      for (int i = 0; i < KVP_N_BARS; i++)
        paint_bar (cr, f, i);
      paint_pool_mark (cr, f->shown);
      end_fade (cr, alpha);
    }
}

/* The blocks of the state shown: none while that state does not fit. */
static void
paint_blocks (cairo_t     *cr,
              const Frame *f)
{
  KvpScene *scene = f->scene;
  guint64 tokens = f->shown->cmp->fits ? f->frame.grid_tokens : 0;

  if (!scene->prepared)
    {
      cairo_rectangle_t bounds;

      /* The grid is being built: the previous one stands in, scaled. */
      kvp_grid_get_bounds (scene->grid, &bounds);
      if (scene->previous != NULL && scene->previous->prepared)
        kvp_grid_paint_stand_in (scene->previous->grid, cr, &bounds);
      return;
    }

  kvp_grid_paint (scene->grid, cr, tokens);
}

static void
paint_grid (cairo_t     *cr,
            const Frame *f)
{
  double alpha = f->frame.alpha[KVP_PART_GRID];

  if (begin_panel (cr, f->shown, &f->shown->grid_panel, &f->shown->grid_heading, alpha))
    {
      cairo_rectangle_t slot;

      paint_legend (cr, f->shown, kvp_grid_get_slot_rect (f->scene->grid, 0, 0, &slot));
      paint_blocks (cr, f);
      if (f->shown->show_banner)
        paint_banner (cr, f->shown);
      end_fade (cr, alpha);
    }
}

void
kvp_paint_parts (cairo_t       *cr,
                 KvpScene      *scene,
                 double         t,
                 KvpPaintParts  parts)
{
  Frame f;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (scene != NULL);

  frame_init (&f, scene, t);
  cairo_save (cr);
  pango_cairo_update_context (cr, f.shown->parent.pango);

  if (parts & KVP_PAINT_BACKGROUND)
    {
      kvp_draw_set_color (cr, &scene->parent.theme->background, 1.0);
      cairo_rectangle (cr, 0, 0, scene->parent.width, scene->parent.height);
      cairo_fill (cr);
    }
  if (parts & KVP_PAINT_HEADER)
    paint_header (cr, &f);
  if (parts & KVP_PAINT_CARDS)
    paint_cards (cr, &f);
  if (parts & KVP_PAINT_BARS)
    paint_bars (cr, &f);
  if (parts & KVP_PAINT_GRID)
    paint_grid (cr, &f);
  else if (parts & KVP_PAINT_BLOCKS)
    paint_blocks (cr, &f);
  cairo_restore (cr);
}

void
kvp_paint_scene (cairo_t  *cr,
                 KvpScene *scene,
                 double    t)
{
  kvp_paint_parts (cr, scene, t, KVP_PAINT_ALL);
}
