/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-paint.c: the serving view's painters.  The grids are the
 * scene's images painted whole; between two steps the new picture fades in
 * over the old one, so blocks that change ease in and out while the rest
 * stays still. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-draw.h"
#include "kvp-hue.h"
#include "kvp-serving-paint.h"
#include "kvp-serving-scene-private.h"

/* Entries of a block table shown next to the grid at most. */
#define MAX_TABLE_ENTRIES 64

/* A class's fill as a Cairo source: flat, or stripes from a small tile. */
static void
set_class_source (cairo_t         *cr,
                  KvpServingScene *scene,
                  guint32          request,
                  KvpSlotClass     klass)
{
  KvpColor a, b;
  KvpServingFill fill;
  cairo_surface_t *tile;
  cairo_pattern_t *pattern;
  cairo_t *tc;
  cairo_matrix_t matrix;

  kvp_serving_scene_run_colors (scene, request, klass, &a, &b, &fill);
  if (fill == KVP_SERVING_FILL_SOLID)
    {
      kvp_draw_set_color (cr, &a, 1.0);
      return;
    }

  tile = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 6, 6);
  tc = cairo_create (tile);
  kvp_draw_set_color (tc, &b, 1.0);
  cairo_paint (tc);
  kvp_draw_set_color (tc, &a, 1.0);
  cairo_set_line_width (tc, 2.0);
  for (int i = -1; i <= 1; i++)
    {
      if (fill == KVP_SERVING_FILL_HATCH)
        {
          cairo_move_to (tc, i * 6, 6);
          cairo_line_to (tc, i * 6 + 6, 0);
        }
      else
        {
          cairo_move_to (tc, i * 6, 0);
          cairo_line_to (tc, i * 6 + 6, 6);
        }
    }
  cairo_stroke (tc);
  cairo_destroy (tc);

  pattern = cairo_pattern_create_for_surface (tile);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_REPEAT);
  cairo_matrix_init_identity (&matrix);
  cairo_pattern_set_matrix (pattern, &matrix);
  cairo_set_source (cr, pattern);
  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (tile);
}

static void
paint_header_and_cards (cairo_t         *cr,
                        KvpServingScene *scene)
{
  const KvpTheme *theme = scene->parent.theme;

  kvp_text_paint (cr, &scene->title, &theme->text, 1.0);
  kvp_text_paint (cr, &scene->subtitle, &theme->text_secondary, 1.0);

  for (guint i = 0; i < KVP_SERVING_N_CARDS; i++)
    {
      const cairo_rectangle_t *r = &scene->card_rect[i];
      cairo_pattern_t *accent;

      /* A card the picture had no room for. */
      if (r->width <= 0.0)
        continue;
      kvp_picture_paint_panel (cr, &scene->parent, r, scene->radius);
      /* The paged gradient along the top: the big figure is the paged pool's. */
      cairo_save (cr);
      cairo_new_path (cr);
      kvp_draw_rounded_rect (cr, r->x, r->y, r->width, r->height, scene->radius);
      cairo_clip (cr);
      accent = cairo_pattern_create_linear (r->x, 0, r->x + r->width, 0);
      cairo_pattern_add_color_stop_rgb (accent, 0, theme->paged_start.red, theme->paged_start.green,
                                        theme->paged_start.blue);
      cairo_pattern_add_color_stop_rgb (accent, 1, theme->paged_end.red, theme->paged_end.green,
                                        theme->paged_end.blue);
      cairo_set_source (cr, accent);
      cairo_rectangle (cr, r->x, r->y, r->width, MAX (3.0, round (4 * scene->parent.unit)));
      cairo_fill (cr);
      cairo_pattern_destroy (accent);
      cairo_restore (cr);

      kvp_text_paint (cr, &scene->cards[i].title_text, &theme->text_secondary, 1.0);
      kvp_text_paint (cr, &scene->cards[i].value_text, &theme->text, 1.0);
      kvp_text_paint (cr, &scene->cards[i].caption_text, &theme->text_secondary, 1.0);
    }
}

static double
device_scale (cairo_t *cr)
{
  double dx = 1.0, dy = 0.0;
  cairo_surface_type_t type = cairo_surface_get_type (cairo_get_target (cr));

  cairo_user_to_device_distance (cr, &dx, &dy);
  dx = MAX (hypot (dx, dy), 0.25);
  /* Vector files get a picture fine enough to print. */
  if (type == CAIRO_SURFACE_TYPE_PDF || type == CAIRO_SURFACE_TYPE_SVG ||
      type == CAIRO_SURFACE_TYPE_PS || type == CAIRO_SURFACE_TYPE_RECORDING)
    dx = MAX (dx, 2.0);
  return round (dx * 4.0) / 4.0;
}

static void
paint_image (cairo_t                   *cr,
             const KvpServingPanelData *panel,
             double                     alpha)
{
  cairo_save (cr);
  cairo_translate (cr, panel->grid.x, panel->grid.y);
  cairo_scale (cr, 1.0 / panel->image_scale, 1.0 / panel->image_scale);
  cairo_set_source_surface (cr, panel->image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, cairo_image_surface_get_width (panel->image),
                   cairo_image_surface_get_height (panel->image));
  cairo_clip (cr);
  cairo_paint_with_alpha (cr, alpha);
  cairo_restore (cr);
}

static void
paint_chips (cairo_t             *cr,
             KvpServingScene     *scene,
             KvpServingPanelData *panel)
{
  const KvpSimSnapshot *snap = panel->snapshot;

  for (guint i = 0; i < panel->n_chips; i++)
    {
      KvpColor c = kvp_hue_request_color (scene->parent.theme, snap->waiting[i]);

      cairo_new_path (cr);
      kvp_draw_rounded_rect (cr, panel->chips.x + i * (panel->chip + 3), panel->chips.y, panel->chip, panel->chip,
                             panel->chip * 0.25);
      kvp_draw_set_color (cr, &c, 1.0);
      cairo_fill (cr);
    }
  kvp_text_paint (cr, &panel->more, &scene->parent.theme->text_secondary, 1.0);
}

/* Adds the cells holding slots [start, end) of a panel to the path. */
static void
add_slot_cells (cairo_t             *cr,
                KvpServingScene     *scene,
                KvpServingPanelData *panel,
                guint64              start,
                guint64              end)
{
  guint64 cell_slots = (guint64) scene->group * scene->block_size;

  if (end <= start)
    return;
  for (guint64 cell = start / cell_slots; cell <= (end - 1) / cell_slots && cell < scene->n_cells; cell++)
    cairo_rectangle (cr, panel->grid.x + (cell % scene->columns) * scene->pitch - 1.0,
                     panel->grid.y + (cell / scene->columns) * scene->pitch - 1.0,
                     scene->cell + 2.0, scene->cell + 2.0);
}

/* The path in the text colour over a halo of the background, so it shows on
 * every hue. */
static void
stroke_outline (cairo_t        *cr,
                const KvpTheme *theme)
{
  kvp_draw_set_color (cr, &theme->background, 1.0);
  cairo_set_line_width (cr, 3.5);
  cairo_stroke_preserve (cr);
  kvp_draw_set_color (cr, &theme->text, 1.0);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

/* The selected request: its cells outlined in both grids, and its block
 * table beside its first block in the paged pool. */
static void
paint_selection (cairo_t         *cr,
                 KvpServingScene *scene,
                 guint32          selected)
{
  KvpServingPanelData *paged = &scene->panels[KVP_SERVING_PANEL_PAGED];
  KvpServingPanelData *other = &scene->panels[KVP_SERVING_PANEL_COMPARED];
  const KvpTheme *theme = scene->parent.theme;
  const KvpSimRequestState *r;
  g_autoptr(GString) table = NULL;
  PangoLayout *layout;
  PangoRectangle logical;
  cairo_rectangle_t first = { 0 };
  double x, y, w, h, top, bottom, pad = round (8 * MAX (scene->parent.unit, 0.8));

  cairo_new_path (cr);
  if (other->snapshot != NULL && selected < other->snapshot->n_requests &&
      other->snapshot->requests[selected].status == KVP_REQUEST_RUNNING)
    {
      const KvpSimRequestState *o = &other->snapshot->requests[selected];

      add_slot_cells (cr, scene, other, o->slot_offset, o->slot_offset + o->rounded);
    }
  if (paged->snapshot == NULL || selected >= paged->snapshot->n_requests)
    {
      stroke_outline (cr, theme);
      return;
    }

  r = &paged->snapshot->requests[selected];
  for (guint32 i = 0; i < r->n_blocks; i++)
    add_slot_cells (cr, scene, paged, (guint64) r->blocks[i] * scene->block_size,
                    (guint64) (r->blocks[i] + 1) * scene->block_size);
  stroke_outline (cr, theme);

  if (r->n_blocks == 0)
    return;

  /* The table: "logical → physical", one pair a line, up to a limit. */
  table = g_string_new (NULL);
  /* Translators: heading of a request's block table: the request, its
   * output tokens so far and in all. */
  g_string_append_printf (table, _("Request %u, %u/%u output tokens\nlogical → physical block"), selected,
                          r->generated, r->output_len);
  /* Pairs run on, wrapped, so a long table stays a compact box. */
  g_string_append_c (table, '\n');
  for (guint32 i = 0; i < MIN (r->n_blocks, MAX_TABLE_ENTRIES); i++)
    g_string_append_printf (table, "%s%u\u00a0→\u00a0%u", i > 0 ? "   " : "", i, r->blocks[i]);
  if (r->n_blocks > MAX_TABLE_ENTRIES)
    g_string_append_printf (table, "   … (%u)", r->n_blocks);

  layout = kvp_picture_new_paint_layout (cr, theme, table->str, 11 * MAX (scene->parent.unit, 0.8), PANGO_WEIGHT_NORMAL,
                                         KVP_TEXT_PLAIN, MIN (300 * MAX (scene->parent.unit, 0.8), paged->rect.width / 2));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  /* Never taller than the panel: a long table ends in an ellipsis. */
  pango_layout_set_height (layout, (int) ((paged->rect.height - 4 * pad) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_extents (layout, NULL, &logical);
  w = (double) logical.width / PANGO_SCALE + 2 * pad;
  h = (double) logical.height / PANGO_SCALE + 2 * pad;

  /* Beside its blocks, not over them: under the rows they take when the
   * panel has room there, else above them, else to the side of the first. */
  kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, r->blocks[0], &first);
  top = first.y;
  bottom = first.y + first.height;
  for (guint32 i = 1; i < r->n_blocks; i++)
    {
      cairo_rectangle_t cell;

      kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, r->blocks[i], &cell);
      top = MIN (top, cell.y);
      bottom = MAX (bottom, cell.y + cell.height);
    }
  x = CLAMP (first.x, paged->rect.x, MAX (paged->rect.x, paged->rect.x + paged->rect.width - w));
  if (bottom + pad + h <= paged->rect.y + paged->rect.height)
    y = bottom + pad;
  else if (top - pad - h >= paged->rect.y)
    y = top - pad - h;
  else
    {
      x = first.x + first.width + pad;
      if (x + w > paged->rect.x + paged->rect.width)
        x = first.x - pad - w;
      x = MAX (x, paged->rect.x);
      y = CLAMP (first.y, paged->rect.y, MAX (paged->rect.y, paged->rect.y + paged->rect.height - h));
    }

  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, x, y, w, h, pad);
  kvp_draw_set_color (cr, &theme->card, 0.96);
  cairo_fill_preserve (cr);
  kvp_draw_set_color (cr, &theme->text, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
  cairo_move_to (cr, x + pad, y + pad);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* Shared blocks (reference count > 1, a prefix cache hit): a ring in the
 * text colour over a halo inside the cell, and the count where a cell has
 * room for it.  Only at one block a cell: a cell of several is no block. */
static void
paint_shared (cairo_t         *cr,
              KvpServingScene *scene,
              double           alpha)
{
  const KvpServingPanelData *paged = &scene->panels[KVP_SERVING_PANEL_PAGED];
  const KvpTheme *theme = scene->parent.theme;
  PangoLayout *layout = NULL;
  double inset = MAX (1.0, scene->cell / 8);

  if (paged->shared == NULL || paged->shared->len == 0 || scene->group != 1 || scene->cell < 4)
    return;

  if (scene->cell >= 14)
    layout = kvp_picture_new_paint_layout (cr, theme, "", 0.5 * scene->cell, PANGO_WEIGHT_BOLD, KVP_TEXT_PLAIN, -1);

  cairo_save (cr);
  cairo_push_group (cr);
  for (guint i = 0; i < paged->shared->len; i++)
    {
      const KvpServingShared *s = &g_array_index (paged->shared, KvpServingShared, i);
      cairo_rectangle_t cell;

      kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, s->block, &cell);
      cairo_rectangle (cr, cell.x + inset, cell.y + inset, cell.width - 2 * inset, cell.height - 2 * inset);
      kvp_draw_set_color (cr, &theme->background, 1.0);
      cairo_set_line_width (cr, MAX (1.0, scene->cell / 6));
      cairo_stroke_preserve (cr);
      kvp_draw_set_color (cr, &theme->text, 1.0);
      cairo_set_line_width (cr, MAX (0.75, scene->cell / 14));
      cairo_stroke (cr);
      if (layout != NULL)
        {
          char count[16];
          int w, h;

          g_snprintf (count, sizeof count, "%u", s->count);
          pango_layout_set_text (layout, count, -1);
          pango_layout_get_pixel_size (layout, &w, &h);
          if (w <= cell.width - 2 * inset)
            {
              cairo_move_to (cr, cell.x + (cell.width - w) / 2, cell.y + (cell.height - h) / 2);
              pango_cairo_layout_path (cr, layout);
              kvp_draw_set_color (cr, &theme->background, 1.0);
              cairo_set_line_width (cr, 2.0);
              cairo_stroke_preserve (cr);
              kvp_draw_set_color (cr, &theme->text, 1.0);
              cairo_fill (cr);
            }
        }
    }
  cairo_pop_group_to_source (cr);
  cairo_paint_with_alpha (cr, alpha);
  cairo_restore (cr);
  g_clear_object (&layout);
}

static void
paint_grids (cairo_t         *cr,
             KvpServingScene *scene,
             double           t)
{
  const KvpTheme *theme = scene->parent.theme;
  double scale = device_scale (cr);
  KvpServingScene *previous = scene->previous;
  double p = previous != NULL ? kvp_draw_progress (t, 0.0, KVP_SERVING_TRANSITION) : 1.0;

  kvp_serving_scene_prepare (scene, scale);
  if (p < 1.0)
    kvp_serving_scene_prepare (previous, scale);

  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &scene->panels[i];

      kvp_picture_paint_panel (cr, &scene->parent, &panel->rect, scene->radius);
      kvp_text_paint (cr, &panel->heading, &theme->text, 1.0);
      kvp_text_paint (cr, &panel->detail, &theme->text_secondary, 1.0);
      if (p < 1.0)
        paint_image (cr, &previous->panels[i], 1.0);
      paint_image (cr, panel, p);
      if (i == KVP_SERVING_PANEL_PAGED)
        paint_shared (cr, scene, p);
      kvp_text_paint (cr, &panel->waiting, &theme->text_secondary, 1.0);
      paint_chips (cr, scene, panel);
    }
}

static void
paint_breakdown (cairo_t         *cr,
                 KvpServingScene *scene)
{
  const KvpTheme *theme = scene->parent.theme;

  /* Left out of a picture too narrow for it. */
  if (scene->breakdown_rect.width <= 0.0)
    return;
  kvp_picture_paint_panel (cr, &scene->parent, &scene->breakdown_rect, scene->radius);
  kvp_text_paint (cr, &scene->breakdown_heading, &theme->text, 1.0);

  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &scene->panels[i];

      kvp_text_paint (cr, &panel->bar_label, &theme->text, 1.0);
      for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
        {
          cairo_rectangle_t seg;

          kvp_serving_scene_get_breakdown_rect (scene, i, k, &seg);
          if (seg.width <= 0.0)
            continue;
          cairo_new_path (cr);
          cairo_rectangle (cr, seg.x, seg.y, seg.width, seg.height);
          set_class_source (cr, scene, G_MAXUINT32, k);
          cairo_fill (cr);
        }
      for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
        kvp_text_paint (cr, &panel->bar_percent[k], k == KVP_SLOT_TOKEN_STATES ? &theme->card : &theme->text, 1.0);
    }

  for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
    {
      const cairo_rectangle_t *sw = &scene->legend_swatch[k];

      /* Left out with its label. */
      if (sw->width <= 0.0)
        continue;
      cairo_new_path (cr);
      kvp_draw_rounded_rect (cr, sw->x, sw->y, sw->width, sw->height, 2.0);
      set_class_source (cr, scene, G_MAXUINT32, k);
      cairo_fill (cr);
      kvp_text_paint (cr, &scene->legend_text[k], &theme->text_secondary, 1.0);
    }
  kvp_text_paint (cr, &scene->legend_note, &theme->text_secondary, 1.0);
}

static const KvpColor *
series_color (const KvpTheme *theme,
              guint           panel)
{
  return panel == KVP_SERVING_PANEL_PAGED ? &theme->paged_start : &theme->traditional;
}

static void
paint_chart (cairo_t         *cr,
             KvpServingScene *scene)
{
  const KvpTheme *theme = scene->parent.theme;
  const cairo_rectangle_t *plot = &scene->chart_plot;
  double line = MAX (1.5, 2 * scene->parent.unit);

  /* Left out of a picture too short for it. */
  if (scene->chart_rect.height <= 0.0)
    return;
  kvp_picture_paint_panel (cr, &scene->parent, &scene->chart_rect, scene->radius);
  kvp_text_paint (cr, &scene->chart_heading, &theme->text, 1.0);
  kvp_text_paint (cr, &scene->chart_max_text, &theme->text_secondary, 1.0);

  /* Baseline and top line. */
  cairo_new_path (cr);
  cairo_move_to (cr, plot->x, round (plot->y) + 0.5);
  cairo_line_to (cr, plot->x + plot->width, round (plot->y) + 0.5);
  cairo_move_to (cr, plot->x, round (plot->y + plot->height) - 0.5);
  cairo_line_to (cr, plot->x + plot->width, round (plot->y + plot->height) - 0.5);
  kvp_draw_set_color (cr, &theme->card_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &scene->panels[i];
      const KvpText *key = &panel->chart_key;
      double step = plot->width / MAX (scene->n_chart_points - 1, 1);

      cairo_new_path (cr);
      cairo_move_to (cr, key->x - round (18 * MAX (scene->parent.unit, 0.8)), key->y + key->height / 2);
      cairo_rel_line_to (cr, round (12 * MAX (scene->parent.unit, 0.8)), 0);
      kvp_draw_set_color (cr, series_color (theme, i), 1.0);
      cairo_set_line_width (cr, line);
      cairo_stroke (cr);
      kvp_text_paint (cr, key, &theme->text_secondary, 1.0);

      /* Where the scheme's run ends: a dashed line in its colour. */
      if (scene->chart_scheme_end_x[i] >= plot->x && scene->chart_scheme_end_x[i] <= plot->x + plot->width)
        {
          double dash[] = { 3.0, 3.0 };

          cairo_new_path (cr);
          cairo_move_to (cr, round (scene->chart_scheme_end_x[i]) + 0.5, plot->y);
          cairo_line_to (cr, round (scene->chart_scheme_end_x[i]) + 0.5, plot->y + plot->height);
          kvp_draw_set_color (cr, series_color (theme, i), 0.9);
          cairo_set_line_width (cr, 1.0);
          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0.0);
        }

      cairo_new_path (cr);
      for (guint p = 0; p < scene->n_chart_points; p++)
        cairo_line_to (cr, plot->x + p * step,
                       plot->y + plot->height * (1.0 - panel->chart_points[p] / scene->chart_max));
      kvp_draw_set_color (cr, series_color (theme, i), 1.0);
      cairo_set_line_width (cr, line);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (cr);
    }

  /* The time shown, when it is in the range. */
  if (scene->chart_marker_x >= plot->x - 0.5 && scene->chart_marker_x <= plot->x + plot->width + 0.5)
    {
      cairo_new_path (cr);
      cairo_move_to (cr, round (scene->chart_marker_x) + 0.5, plot->y);
      cairo_line_to (cr, round (scene->chart_marker_x) + 0.5, plot->y + plot->height);
      kvp_draw_set_color (cr, &theme->paged_end, 1.0);
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);
    }
  kvp_text_paint (cr, &scene->chart_start_text, &theme->text_secondary, 1.0);
  kvp_text_paint (cr, &scene->chart_end_text, &theme->text_secondary, 1.0);
  kvp_text_paint (cr, &scene->chart_step_text, &theme->text, 1.0);
}

void
kvp_serving_paint (cairo_t         *cr,
                   KvpServingScene *scene,
                   double           t,
                   guint32          selected)
{
  g_return_if_fail (cr != NULL);
  g_return_if_fail (scene != NULL);

  cairo_save (cr);
  kvp_draw_set_color (cr, &scene->parent.theme->background, 1.0);
  cairo_paint (cr);

  paint_header_and_cards (cr, scene);
  paint_grids (cr, scene, t);
  if (selected != KVP_SERVING_NO_REQUEST)
    paint_selection (cr, scene, selected);
  paint_breakdown (cr, scene);
  paint_chart (cr, scene);
  cairo_restore (cr);
}
