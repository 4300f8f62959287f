/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-render.c: the picture, drawn on image surfaces with no display — card
 * texts, colours found through the scene's own geometry, bar proportions,
 * themes, animation frames, and pools from one block to 16,777,216. */

#include "config.h"

#include <math.h>

#include <stdio.h>
#include <string.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-paint.h"
#include "kvp-scene.h"
#include "kvp-scene-private.h"
#include "kvp-vllm.h"

#define WIDTH  1600
#define HEIGHT 1000

static KvpComparison *
new_comparison (guint64 seq_len,
                guint64 max_seq_len,
                guint32 block_size,
                guint32 num_blocks)
{
  g_autoptr (GError) error = NULL;
  KvpComparison *cmp;
  KvpParams params;

  kvp_params_init_default (&params);
  if (seq_len)
    params.seq_len = seq_len;
  if (max_seq_len)
    params.max_seq_len = max_seq_len;
  if (block_size)
    params.block_size = block_size;
  if (num_blocks)
    params.num_blocks = num_blocks;

  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cmp);

  return cmp;
}

static cairo_surface_t *
render (KvpScene *scene,
        double    t,
        double    scale)
{
  cairo_surface_t *surface;
  cairo_t *cr;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        (int) ceil (kvp_picture_get_width (KVP_PICTURE (scene)) * scale),
                                        (int) ceil (kvp_picture_get_height (KVP_PICTURE (scene)) * scale));
  cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  kvp_paint_scene (cr, scene, t);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  return surface;
}

static guint32
pixel_at (cairo_surface_t *surface,
          double           x,
          double           y)
{
  int ix = (int) floor (x), iy = (int) floor (y);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (iy, <, cairo_image_surface_get_height (surface));

  return *(guint32 *) (gpointer) (data + (gsize) iy * stride + (gsize) ix * 4);
}

static gboolean
pixel_is (guint32         pixel,
          const KvpColor *c)
{
  int r = pixel >> 16 & 0xff, g = pixel >> 8 & 0xff, b = pixel & 0xff;

  return abs (r - (int) round (c->red * 255)) <= 2 &&
         abs (g - (int) round (c->green * 255)) <= 2 &&
         abs (b - (int) round (c->blue * 255)) <= 2;
}

/* A colour as the 8-bit pixel a surface holds. */
static guint32
pack_color (const KvpColor *c)
{
  return (guint32) round (c->red * 255) << 16 | (guint32) round (c->green * 255) << 8 | (guint32) round (c->blue * 255);
}

static double
mean_luminance (cairo_surface_t *surface)
{
  int w = cairo_image_surface_get_width (surface);
  int h = cairo_image_surface_get_height (surface);
  double sum = 0.0;

  for (int y = 0; y < h; y += 2)
    for (int x = 0; x < w; x += 2)
      {
        guint32 p = pixel_at (surface, x, y);

        sum += 0.2126 * (p >> 16 & 0xff) + 0.7152 * (p >> 8 & 0xff) + 0.0722 * (p & 0xff);
      }

  return sum / ((w / 2.0) * (h / 2.0));
}

static gboolean
surfaces_equal (cairo_surface_t *a,
                cairo_surface_t *b)
{
  int h = cairo_image_surface_get_height (a);
  int stride = cairo_image_surface_get_stride (a);

  g_assert_cmpint (h, ==, cairo_image_surface_get_height (b));
  g_assert_cmpint (stride, ==, cairo_image_surface_get_stride (b));

  return memcmp (cairo_image_surface_get_data (a), cairo_image_surface_get_data (b),
                 (gsize) h * stride) == 0;
}

/* The rows of DESIGN.md's table. */
static const struct
{
  guint64     max_seq_len;
  const char *traditional;
  const char *paged;
  const char *saved;
  const char *saved_percent;
  const char *utilization;
} card_rows[] = {
  { 2048, "44.00 MiB", "2.75 MiB", "41.25 MiB", "93.75 %", "0.78 %" },
  { 1024, "22.00 MiB", "2.75 MiB", "19.25 MiB", "87.50 %", "0.78 %" },
};

static void
test_cards (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (card_rows); i++)
    {
      g_autoptr (KvpComparison) cmp = new_comparison (128, card_rows[i].max_seq_len, 16, 1024);
      g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
      g_autofree char *reserved = kvp_format_count (card_rows[i].max_seq_len);
      g_autofree char *blocks = kvp_format_count (1024);
      g_autofree char *description = kvp_scene_dup_description (scene);

      g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_TRADITIONAL)->value, ==, card_rows[i].traditional);
      g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_PAGED)->value, ==, card_rows[i].paged);
      g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_SAVED)->value, ==, card_rows[i].saved);
      g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_UTILIZATION)->value, ==, card_rows[i].utilization);

      /* The reservation length stands next to every traditional figure. */
      g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_TRADITIONAL)->caption, reserved));
      g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_PAGED)->caption, "8 blocks"));
      g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_PAGED)->caption, "16 tokens"));
      g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_SAVED)->caption, card_rows[i].saved_percent));
      g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_UTILIZATION)->caption, blocks));
      g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_PAGED)->title, ==, "PagedAttention");

      g_assert_nonnull (strstr (description, card_rows[i].traditional));
      g_assert_nonnull (strstr (description, card_rows[i].saved_percent));
    }
}

static void
test_does_not_fit (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (20000, 20000, 16, 1024);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  g_autofree char *description = kvp_scene_dup_description (scene);
  g_autofree char *needed = kvp_format_count (1250);
  cairo_surface_t *surface;
  cairo_rectangle_t r;

  g_assert_false (cmp->fits);
  /* No utilization figure for blocks that were never allocated. */
  g_assert_null (strstr (kvp_scene_get_card (scene, KVP_CARD_UTILIZATION)->value, "%"));
  g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_UTILIZATION)->caption, needed));
  g_assert_nonnull (strstr (description, "does not fit"));
  /* The traditional cache reserves at least the sequence: it does not fit
   * either, and its card says so instead of "pre-allocated for". */
  g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_TRADITIONAL)->caption, "does not fit either"));
  g_assert_null (strstr (kvp_scene_get_card (scene, KVP_CARD_TRADITIONAL)->caption, "pre-allocated for"));
  g_assert_true (scene->card_muted[KVP_CARD_TRADITIONAL]);
  g_assert_nonnull (strstr (description, "Traditional: "));
  g_assert_nonnull (strstr (description, ", does not fit either: 20,000 tokens to pre-allocate."));
  /* The saving is what paging would give, and says so. */
  g_assert_true (g_str_has_prefix (kvp_scene_get_card (scene, KVP_CARD_SAVED)->caption, "if it fit"));

  /* Nothing is saved, and no figure pretends so; the notice says what vLLM
   * does with such a sequence. */
  g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_SAVED)->value, ==, "—");
  g_assert_nonnull (strstr (description, "vLLM refuses to start"));
  g_assert_nonnull (strstr (description, "preempted"));

  /* The bars are solid only up to the pool's end (1,024 of 1,250 blocks). */
  surface = render (scene, kvp_scene_get_duration (scene), 1.0);
  {
    cairo_rectangle_t track;
    const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
    KvpColor end = kvp_theme_paged_at (theme, 1.0);

    kvp_scene_get_bar_rect (scene, KVP_BAR_PAGED, KVP_BAR_SEGMENT_TRACK, &track);
    g_assert_false (pixel_is (pixel_at (surface, track.x + track.width * 0.5, track.y + track.height / 2),
                              &theme->free_block));
    g_assert_false (pixel_is (pixel_at (surface, track.x + track.width * 0.95, track.y + track.height / 2),
                              &end));
    g_assert_false (pixel_is (pixel_at (surface, track.x + track.width * 0.95, track.y + track.height / 2),
                              &theme->free_block));
  }

  /* The pool's end is marked across both bars, but not through the top
   * bar's legend between them. */
  {
    cairo_rectangle_t top, bottom, track;
    KvpColor line = kvp_theme_get (KVP_THEME_LIGHT)->unused;
    guint marked = 0, in_legend = 0;
    double x;

    line.alpha = 1.0;
    kvp_scene_get_bar_rect (scene, KVP_BAR_TRADITIONAL, KVP_BAR_SEGMENT_TRACK, &top);
    kvp_scene_get_bar_rect (scene, KVP_BAR_PAGED, KVP_BAR_SEGMENT_TRACK, &bottom);
    track = top;
    x = floor (track.x + track.width * 1024.0 / 1250.0) + 0.5;
    for (double y = top.y - 6; y < bottom.y + bottom.height + 3; y += 1.0)
      {
        gboolean red = pixel_is (pixel_at (surface, x, y), &line);

        if (y >= top.y + top.height + 4 && y < bottom.y - 4)
          in_legend += red;
        else if (y >= top.y && y < bottom.y + bottom.height)
          marked += red;
      }
    g_assert_cmpuint (marked, >, 4);
    g_assert_cmpuint (in_legend, ==, 0);
  }

  /* Every block of the pool is drawn free. */
  g_assert_true (kvp_scene_get_block_rect (scene, 0, &r));
  g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2),
                           &kvp_theme_get (KVP_THEME_LIGHT)->free_block));
  cairo_surface_destroy (surface);
}

static void
test_block_colors (void)
{
  /* 124 tokens in blocks of 16: seven full blocks and one 12/16 full.  At
   * 1600 × 1000 the cells are big enough to show their token slots, at
   * 800 × 560 they are not. */
  const int sizes[][2] = { { WIDTH, HEIGHT }, { 800, 560 } };

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      g_autoptr (KvpComparison) cmp = new_comparison (124, 2048, 16, 1024);
      const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
      g_autoptr (KvpScene) scene = kvp_scene_new (cmp, theme, sizes[k][0], sizes[k][1]);
      const guint32 *table;
      guint n_blocks;
      cairo_surface_t *surface;
      cairo_rectangle_t r;
      guint32 free_block = G_MAXUINT32;
      KvpColor first = kvp_theme_paged_at (theme, 0.0);
      KvpColor last = kvp_theme_paged_at (theme, 1.0);
      gboolean slots;

      table = kvp_block_pool_get_block_table (cmp->pool, cmp->seq, &n_blocks);
      g_assert_cmpuint (n_blocks, ==, 8);
      for (guint32 b = 1024; b-- > 0;)
        if (kvp_block_pool_get_ref_count (cmp->pool, b) == 0)
          {
            free_block = b;
            break;
          }
      g_assert_cmpuint (free_block, !=, G_MAXUINT32);
      g_assert_false (kvp_scene_is_grid_by_pixel (scene));

      surface = render (scene, kvp_scene_get_duration (scene), 1.0);
      slots = kvp_scene_get_slot_rect (scene, table[0], 0, &r);
      g_assert_cmpint (slots, ==, k == 0);

      if (slots)
        {
          /* Every token a slot: the first in the gradient's start, the
           * partial block's 12th filled at its end, its 13th not. */
          g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2), &first));
          g_assert_true (kvp_scene_get_slot_rect (scene, table[7], 11, &r));
          g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2), &last));
          g_assert_true (kvp_scene_get_slot_rect (scene, table[7], 12, &r));
          g_assert_false (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2), &last));
          g_assert_false (kvp_scene_get_slot_rect (scene, table[7], 16, &r));
        }
      else
        {
          /* An allocated block: the start of the gradient. */
          g_assert_true (kvp_scene_get_block_rect (scene, table[0], &r));
          g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2), &first));

          /* The partial block: filled (end of the gradient) at its centre,
           * free in its top eighth, above the 12/16 level. */
          g_assert_true (kvp_scene_get_block_rect (scene, table[7], &r));
          g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height * 0.6), &last));
          g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 8), &theme->free_block));
        }

      /* A free block. */
      g_assert_true (kvp_scene_get_block_rect (scene, free_block, &r));
      g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2), &theme->free_block));

      cairo_surface_destroy (surface);
    }
}

static void
test_hit_testing (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (0, 0, 0, 0);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), 900, 600);
  const guint32 blocks[] = { 0, 1, 63, 500, 1023 };
  cairo_rectangle_t r;
  guint32 found;

  for (guint i = 0; i < G_N_ELEMENTS (blocks); i++)
    {
      g_assert_true (kvp_scene_get_block_rect (scene, blocks[i], &r));
      g_assert_true (kvp_scene_get_block_at (scene, r.x + r.width / 2, r.y + r.height / 2, &found));
      g_assert_cmpuint (found, ==, blocks[i]);
    }
  g_assert_false (kvp_scene_get_block_rect (scene, 1024, &r));
  g_assert_false (kvp_scene_get_block_at (scene, 1, 1, &found));
}

static void
test_bars (void)
{
  /* R = 2048 and R = 100 (the paged allocation then rounds up past it). */
  const guint64 reservations[] = { 2048, 1024, 130 };

  for (guint i = 0; i < G_N_ELEMENTS (reservations); i++)
    {
      g_autoptr (KvpComparison) cmp = new_comparison (120, reservations[i], 16, 1024);
      g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
      cairo_rectangle_t track, t_used, t_waste, p_used, p_waste;
      double per_byte;

      kvp_scene_get_bar_rect (scene, KVP_BAR_TRADITIONAL, KVP_BAR_SEGMENT_TRACK, &track);
      kvp_scene_get_bar_rect (scene, KVP_BAR_TRADITIONAL, KVP_BAR_SEGMENT_USED, &t_used);
      kvp_scene_get_bar_rect (scene, KVP_BAR_TRADITIONAL, KVP_BAR_SEGMENT_WASTE, &t_waste);
      kvp_scene_get_bar_rect (scene, KVP_BAR_PAGED, KVP_BAR_SEGMENT_USED, &p_used);
      kvp_scene_get_bar_rect (scene, KVP_BAR_PAGED, KVP_BAR_SEGMENT_WASTE, &p_waste);

      /* One byte scale: the longer of the two fills the track. */
      per_byte = track.width / (double) MAX (cmp->traditional_bytes, cmp->paged_bytes);
      g_assert_cmpfloat_with_epsilon (t_used.width + t_waste.width, cmp->traditional_bytes * per_byte, 1e-6);
      g_assert_cmpfloat_with_epsilon (p_used.width + p_waste.width, cmp->paged_bytes * per_byte, 1e-6);
      g_assert_cmpfloat_with_epsilon (t_waste.width, cmp->traditional_waste_bytes * per_byte, 1e-6);
      g_assert_cmpfloat_with_epsilon (p_waste.width, cmp->paged_waste_bytes * per_byte, 1e-6);
      /* The same tokens take the same length in both bars. */
      g_assert_cmpfloat_with_epsilon (t_used.width, p_used.width, 1e-6);
      g_assert_cmpfloat_with_epsilon (t_waste.x, t_used.x + t_used.width, 1e-9);

      /* And the painted bar follows the geometry: the used part in the
       * traditional gray, the reserved-but-unused part in something else. */
      {
        const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
        cairo_surface_t *surface = render (scene, kvp_scene_get_duration (scene), 1.0);
        guint32 used_px = pixel_at (surface, t_used.x + t_used.width / 2, t_used.y + t_used.height / 2);
        guint32 waste_px = pixel_at (surface, t_waste.x + t_waste.width / 2, t_waste.y + t_waste.height / 2);

        g_assert_true (pixel_is (used_px, &theme->traditional));
        if (t_waste.width > 4)
          g_assert_false (pixel_is (waste_px, &theme->traditional));
        cairo_surface_destroy (surface);
      }
    }
}

static const char *
text_of (const KvpText *text)
{
  return text->layout != NULL ? pango_layout_get_text (text->layout) : "";
}

/* The grid shows the blocks other requests hold around the sequence's, so
 * its heading counts them: it said "5 of 1,024 blocks allocated" above a
 * pool half full. */
static void
test_pool_heading_counts_others (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (70, 2048, 16, 1024);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  guint64 used = kvp_block_pool_get_num_used (cmp->pool);
  g_autofree char *taken = kvp_format_count (used);
  g_autofree char *all = kvp_format_count (1024);
  g_autofree char *expected = g_strdup_printf ("%s of %s blocks allocated, 5 of them to this sequence", taken, all);

  g_assert_cmpuint (cmp->blocks_used, ==, 5);
  g_assert_cmpuint (used, >, 5);
  g_assert_nonnull (strstr (text_of (&scene->grid_heading), expected));
}

/* vLLM's pool (params.null_block, as a GPU or KV memory sizes it): block 0
 * is drawn as the null block, in its own neutral shade in both themes, the
 * legend says what it is, and the cards and heading count the 185 usable
 * blocks of 186.  A plain pool of 186 has no such block. */
static void
test_null_block (void)
{
  for (int variant = KVP_THEME_LIGHT; variant <= KVP_THEME_DARK; variant++)
    {
      const KvpTheme *theme = kvp_theme_get (variant);
      KvpColor null = kvp_grid_class_color (theme, KVP_GRID_CLASS_NULL, 0, 1);
      KvpColor other = kvp_grid_class_color (theme, KVP_GRID_CLASS_OTHER, 0, 1);
      g_autoptr (GError) error = NULL;
      g_autoptr (KvpComparison) cmp = NULL;
      g_autoptr (KvpComparison) plain = new_comparison (128, 2048, 16, 186);
      g_autoptr (KvpScene) scene = NULL;
      g_autoptr (KvpScene) plain_scene = kvp_scene_new (plain, theme, WIDTH, HEIGHT);
      cairo_surface_t *surface, *plain_surface;
      g_autofree char *tooltip = NULL;
      gboolean keyed = FALSE;
      cairo_rectangle_t r;
      KvpParams p = plain->params;

      p.null_block = TRUE;
      cmp = kvp_comparison_new (&p, &error);
      g_assert_no_error (error);
      scene = kvp_scene_new (cmp, theme, WIDTH, HEIGHT);
      surface = render (scene, kvp_scene_get_duration (scene), 1.0);
      plain_surface = render (plain_scene, kvp_scene_get_duration (plain_scene), 1.0);

      /* Its shade is neither free nor another request's. */
      g_assert_false (pixel_is (pack_color (&null), &theme->free_block));
      g_assert_false (pixel_is (pack_color (&null), &other));
      g_assert_true (kvp_scene_get_block_rect (scene, 0, &r));
      g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2), &null));
      g_assert_true (pixel_is (pixel_at (surface, r.x + 3, r.y + r.height - 3), &null));
      g_assert_true (kvp_scene_get_block_rect (plain_scene, 0, &r));
      g_assert_false (pixel_is (pixel_at (plain_surface, r.x + r.width / 2, r.y + r.height / 2), &null));

      for (guint j = 0; j < scene->n_legend; j++)
        if (scene->legend_kind[j] == KVP_LEGEND_NULL)
          {
            g_assert_cmpstr (text_of (&scene->legend[j].text), ==, "null block (vLLM’s block 0)");
            keyed = TRUE;
          }
      g_assert_true (keyed);
      for (guint j = 0; j < plain_scene->n_legend; j++)
        g_assert_cmpint (plain_scene->legend_kind[j], !=, KVP_LEGEND_NULL);

      g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_UTILIZATION)->value, ==, "4.32 %");
      g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_UTILIZATION)->caption, ==, "8 / 185 blocks");
      g_assert_cmpstr (kvp_scene_get_card (plain_scene, KVP_CARD_UTILIZATION)->caption, ==, "8 / 186 blocks");
      g_assert_nonnull (strstr (text_of (&scene->grid_heading), " of 185 usable blocks allocated, 8 of them"));
      g_assert_nonnull (strstr (text_of (&plain_scene->grid_heading), " of 186 blocks allocated, 8 of them"));
      tooltip = kvp_scene_dup_cell_text (scene, 0);
      g_assert_true (g_str_has_prefix (tooltip, "Physical block 0\nvLLM’s null block"));

      cairo_surface_destroy (surface);
      cairo_surface_destroy (plain_surface);
    }
}

/* A traditional reservation longer than the whole pool (2,048 tokens in
 * 100 blocks of 16) is marked where the pool ends, as a sequence that does
 * not fit is: its capacity is 0.  The mark is at the pool's bytes. */
static void
test_pool_mark_traditional_past_pool (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (16, 2048, 16, 100);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  g_autoptr (KvpComparison) room = new_comparison (16, 1600, 16, 100);
  g_autoptr (KvpScene) room_scene = kvp_scene_new (room, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);

  g_assert_true (cmp->fits);
  g_assert_cmpuint (cmp->traditional_capacity, ==, 0);
  g_assert_cmpuint (cmp->pool_bytes, ==, 100 * 16 * cmp->bytes_per_token);
  g_assert_cmpfloat_with_epsilon (scene->bar_pool, 1600.0 / 2048.0, 1e-12);
  g_assert_nonnull (strstr (text_of (&scene->pool_label), "the pool ends here"));
  /* A reservation that fits the pool exactly has no mark. */
  g_assert_cmpuint (room->traditional_capacity, ==, 1);
  g_assert_cmpfloat (room_scene->bar_pool, ==, 0.0);
}

/* TinyLlama's 22 layers as a hybrid model of vLLM's sizing: 11 sliding
 * (a window of 128) and 11 full, in two groups of 11 layers, 16 tokens in
 * flight: a sliding group holds at most cdiv (143, 16) + 1 = 10 blocks. */
static const KvpPoolLayout hybrid_layout = {
  .n_kinds = 2,
  .kinds = { { KVP_LAYER_SLIDING, 128, 1 }, { KVP_LAYER_FULL, 0, 1 } },
  .num_groups = 2,
  .group_size = 11,
  .num_layers = 22,
  .max_in_flight_tokens = 16,
};

static KvpComparison *
new_hybrid_comparison (guint64 seq_len,
                       guint32 num_blocks)
{
  g_autoptr (GError) error = NULL;
  KvpComparison *cmp;
  KvpParams params;

  kvp_params_init_default (&params);
  params.seq_len = seq_len;
  params.num_blocks = num_blocks;
  params.layout = &hybrid_layout;
  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);
  return cmp;
}

/* A hybrid model's slack is in each group's last block, and its blocks
 * hold a window's tokens only: the keys say so.  They said "30 tokens of
 * slack in the last block" (more than a block holds) and "2,000 tokens in
 * 135 blocks" (2,160 slots).  The pool mark counts a block's bytes as the
 * pool does, one group's 11 layers, not all 22. */
static void
test_hybrid_bar_keys (void)
{
  g_autoptr (KvpComparison) one = new_hybrid_comparison (1, 1024);
  g_autoptr (KvpScene) one_scene = kvp_scene_new (one, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  g_autoptr (KvpComparison) longer = new_hybrid_comparison (2000, 1024);
  g_autoptr (KvpScene) longer_scene = kvp_scene_new (longer, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  g_autoptr (KvpComparison) small = new_hybrid_comparison (16, 100);
  g_autoptr (KvpScene) small_scene = kvp_scene_new (small, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  g_autofree char *tokens = kvp_format_count (2000);
  g_autofree char *freed = g_strdup_printf ("%s tokens in 135 blocks, less those a window freed", tokens);

  g_assert_cmpuint (one->blocks_held, ==, 2);
  g_assert_cmpuint (one->paged_waste_tokens, ==, 30);
  g_assert_cmpstr (text_of (&one_scene->bar_key[KVP_BAR_PAGED][KVP_KEY_WASTE].text), ==,
                   "30 tokens of slack in the groups’ last blocks");
  g_assert_cmpstr (text_of (&one_scene->bar_key[KVP_BAR_PAGED][KVP_KEY_USED].text), ==, "1 token in 2 blocks");

  /* 125 blocks of the full group, 10 of the sliding one. */
  g_assert_cmpuint (longer->blocks_held, ==, 135);
  g_assert_cmpuint (longer->window_freed_slots, ==, 2000 - 160);
  g_assert_cmpstr (text_of (&longer_scene->bar_key[KVP_BAR_PAGED][KVP_KEY_USED].text), ==, freed);

  /* 100 blocks × 16 tokens × 11 layers × 1,024 bytes, below 2,048 tokens
   * of 22 layers. */
  g_assert_cmpuint (small->pool_bytes, ==, 100 * 16 * 11 * 1024);
  g_assert_cmpfloat_with_epsilon (small_scene->bar_pool, (double) small->pool_bytes / small->traditional_bytes, 1e-12);
}

static void
test_dark_theme (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (0, 0, 0, 0);
  g_autoptr (KvpScene) light = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), 800, 560);
  g_autoptr (KvpScene) dark = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_DARK), 800, 560);
  cairo_surface_t *a = render (light, kvp_scene_get_duration (light), 1.0);
  cairo_surface_t *b = render (dark, kvp_scene_get_duration (dark), 1.0);
  KvpThemeVariant variant;
  g_autoptr (GError) error = NULL;

  g_assert_cmpfloat (mean_luminance (b), <, mean_luminance (a) * 0.5);

  g_assert_true (kvp_theme_variant_from_string ("dark", &variant, NULL));
  g_assert_cmpint (variant, ==, KVP_THEME_DARK);
  g_assert_false (kvp_theme_variant_from_string ("blue", &variant, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "blue"));

  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
}

static void
test_launch (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (0, 0, 0, 0);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), 800, 560);
  double duration = kvp_scene_get_duration (scene);
  cairo_surface_t *start, *middle, *middle2, *settled, *settled2, *later;

  g_assert_cmpfloat (duration, >, 0.4);
  g_assert_cmpfloat (duration, <, 2.5);

  start = render (scene, 0.0, 1.0);
  middle = render (scene, duration / 2, 1.0);
  middle2 = render (scene, duration / 2, 1.0);
  settled = render (scene, duration, 1.0);
  settled2 = render (scene, duration, 1.0);
  later = render (scene, duration + 100.0, 1.0);

  g_assert_false (surfaces_equal (start, settled));
  g_assert_false (surfaces_equal (middle, settled));
  g_assert_true (surfaces_equal (middle, middle2));
  g_assert_true (surfaces_equal (settled, settled2));
  g_assert_true (surfaces_equal (settled, later));

  cairo_surface_destroy (start);
  cairo_surface_destroy (middle);
  cairo_surface_destroy (middle2);
  cairo_surface_destroy (settled);
  cairo_surface_destroy (settled2);
  cairo_surface_destroy (later);
}

static void
test_transition (void)
{
  const guint32 pools[] = { 1024, 1048576 };

  for (guint i = 0; i < G_N_ELEMENTS (pools); i++)
    {
      g_autoptr (KvpComparison) before = new_comparison (128, 0, 16, pools[i]);
      g_autoptr (KvpComparison) after = new_comparison (700, 0, 16, pools[i]);
      const KvpTheme *theme = kvp_theme_get (KVP_THEME_DARK);
      g_autoptr (KvpScene) a = kvp_scene_new (before, theme, 800, 560);
      g_autoptr (KvpScene) b = kvp_scene_new (after, theme, 800, 560);
      g_autoptr (KvpScene) alone = kvp_scene_new (after, theme, 800, 560);
      cairo_surface_t *from, *first, *mid, *settled, *reference;

      kvp_scene_set_previous (b, a, G_MAXDOUBLE);
      g_assert_cmpfloat (kvp_scene_get_duration (b), <, 1.0);

      from = render (a, kvp_scene_get_duration (a), 1.0);
      first = render (b, 0.0, 1.0);
      mid = render (b, kvp_scene_get_duration (b) / 3, 1.0);
      settled = render (b, kvp_scene_get_duration (b), 1.0);
      reference = render (alone, kvp_scene_get_duration (alone), 1.0);

      /* A change moves from what was on screen to the new settled frame. */
      g_assert_false (surfaces_equal (from, settled));
      g_assert_false (surfaces_equal (first, settled));
      g_assert_false (surfaces_equal (mid, settled));
      g_assert_true (surfaces_equal (settled, reference));

      cairo_surface_destroy (from);
      cairo_surface_destroy (first);
      cairo_surface_destroy (mid);
      cairo_surface_destroy (settled);
      cairo_surface_destroy (reference);
    }
}

/* A change that comes mid-transition carries on from the picture as it stood:
 * its first frame shows the cards and bars of the interrupted frame. */
static void
test_interrupted_transition (void)
{
  g_autoptr (KvpComparison) one = new_comparison (128, 0, 16, 1024);
  g_autoptr (KvpComparison) two = new_comparison (1900, 0, 16, 1024);
  g_autoptr (KvpComparison) three = new_comparison (600, 0, 16, 1024);
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
  g_autoptr (KvpScene) a = kvp_scene_new (one, theme, WIDTH, HEIGHT);
  g_autoptr (KvpScene) b = kvp_scene_new (two, theme, WIDTH, HEIGHT);
  g_autoptr (KvpScene) c = kvp_scene_new (three, theme, WIDTH, HEIGHT);
  const double t_b = 0.1;
  cairo_surface_t *interrupted, *resumed;
  cairo_rectangle_t r;

  kvp_scene_set_previous (b, a, G_MAXDOUBLE);
  interrupted = render (b, t_b, 1.0);
  kvp_scene_set_previous (c, b, t_b);
  resumed = render (c, 0.0, 1.0);

  /* The paged bar: same length in both frames, not the target's. */
  kvp_scene_get_bar_rect (c, KVP_BAR_PAGED, KVP_BAR_SEGMENT_TRACK, &r);
  for (double x = r.x + 1; x < r.x + r.width - 1; x += 3)
    g_assert_cmphex (pixel_at (interrupted, x, r.y + r.height / 2), ==,
                     pixel_at (resumed, x, r.y + r.height / 2));

  /* The paged card's title and number, pixel for pixel (its caption already
   * names the new block count). */
  kvp_scene_get_card_rect (c, KVP_CARD_PAGED, &r);
  for (double y = r.y + 8; y < r.y + r.height * 0.65; y += 2)
    for (double x = r.x + 2; x < r.x + r.width - 2; x += 2)
      g_assert_cmphex (pixel_at (interrupted, x, y), ==, pixel_at (resumed, x, y));

  cairo_surface_destroy (interrupted);
  cairo_surface_destroy (resumed);
}

static void
test_pool_sizes (void)
{
  const guint32 pools[] = { 1, 1024, 65536, 16777216 };
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);

  for (guint i = 0; i < G_N_ELEMENTS (pools); i++)
    {
      /* A sequence in a sixteenth of the pool, at least one full block. */
      guint64 n = MAX (16, (guint64) pools[i] / 16 * 16);
      g_autoptr (KvpComparison) cmp = new_comparison (n, MAX (n, 2048), 16, pools[i]);
      g_autoptr (KvpScene) scene = NULL;
      cairo_surface_t *surface;
      cairo_rectangle_t r, bounds;

      scene = kvp_scene_new (cmp, theme, WIDTH, HEIGHT);
      surface = render (scene, kvp_scene_get_duration (scene), 1.0);
      g_assert_true (kvp_scene_get_block_rect (scene, 0, &r));
      g_assert_false (kvp_scene_get_block_rect (scene, pools[i], &r));
      kvp_scene_get_grid_bounds (scene, &bounds);
      g_assert_cmpfloat (bounds.width, >, 0);
      g_assert_cmpfloat (bounds.height, >, 0);

      /* The sequence's first block is allocated in every case: not the free
       * colour (where the pool put it, kvp-pool-history.h). */
      g_assert_true (kvp_scene_get_block_rect (scene, kvp_block_pool_get_block_table (cmp->pool, cmp->seq, NULL)[0], &r));
      g_assert_false (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2),
                                &theme->free_block));
      if (pools[i] <= 1024)
        g_assert_false (kvp_scene_is_grid_by_pixel (scene));
      else if (pools[i] >= 1048576)
        g_assert_true (kvp_scene_is_grid_by_pixel (scene));

      /* A frame of the launch draws, and is not yet the settled picture. */
      {
        cairo_surface_t *launch = render (scene, 0.2, 1.0);

        g_assert_false (surfaces_equal (launch, surface));
        cairo_surface_destroy (launch);
      }
      cairo_surface_destroy (surface);
    }
}

static void
test_scale (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (124, 0, 16, 1024);
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, theme, 800, 560);
  cairo_surface_t *surface = render (scene, kvp_scene_get_duration (scene), 2.0);
  cairo_rectangle_t r;

  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, 1600);
  /* The sequence's first block, where the pool put it (kvp-pool-history.h). */
  g_assert_true (kvp_scene_get_block_rect (scene, kvp_block_pool_get_block_table (cmp->pool, cmp->seq, NULL)[0], &r));
  g_assert_true (pixel_is (pixel_at (surface, (r.x + r.width / 2) * 2, (r.y + r.height / 2) * 2),
                           &theme->paged_start));
  cairo_surface_destroy (surface);
}

/* From a small window to 4K, nothing leaves the picture and cards, bars and
 * grid stack without overlapping. */
static void
test_layout_sizes (void)
{
  /* 420 × 360 is the window's smallest picture, 470 × 440 its picture at
   * 800 × 500 beside the controls. */
  const int sizes[][2] = { { 420, 360 }, { 470, 440 }, { 640, 400 }, { 800, 560 }, { 1024, 640 }, { 1600, 1000 }, { 1920, 1080 },
                           { 3840, 2160 } };
  g_autoptr (KvpComparison) cmp = new_comparison (0, 0, 0, 0);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), sizes[i][0], sizes[i][1]);
      cairo_rectangle_t card, last_card, track, grid;

      kvp_scene_get_card_rect (scene, KVP_CARD_TRADITIONAL, &card);
      kvp_scene_get_card_rect (scene, KVP_CARD_UTILIZATION, &last_card);
      kvp_scene_get_bar_rect (scene, KVP_BAR_PAGED, KVP_BAR_SEGMENT_TRACK, &track);
      kvp_scene_get_grid_bounds (scene, &grid);

      g_assert_cmpfloat (card.x, >, 0);
      g_assert_cmpfloat (last_card.x + last_card.width, <, sizes[i][0]);
      g_assert_cmpfloat (card.y + card.height, <, track.y);
      g_assert_cmpfloat (track.y + track.height, <, grid.y);
      g_assert_cmpfloat (grid.y + grid.height, <, sizes[i][1]);
      g_assert_cmpfloat (grid.x + grid.width, <=, sizes[i][0]);
      /* The grid keeps a useful share of the picture at every size: a short
       * picture drops the subtitle and the card captions for it. */
      g_assert_cmpfloat (grid.height, >, sizes[i][1] * 0.15);
      /* Card titles, figures and captions whole: never "PagedAttent-ion". */
      for (guint c = 0; c < KVP_N_CARDS; c++)
        {
          const KvpCardTexts *texts = kvp_scene_get_card (scene, c);

          g_assert_false (kvp_text_is_cut (&texts->title_text));
          g_assert_false (kvp_text_is_cut (&texts->value_text));
          g_assert_false (kvp_text_is_cut (&texts->caption_text));
          g_assert_cmpint (pango_layout_get_line_count (texts->title_text.layout), ==, 1);
        }
    }

  /* The notice that a sequence does not fit stays whole in the picture, from
   * the window's smallest canvas up. */
  {
    const int more[][2] = { { 360, 300 }, { 640, 400 }, { 800, 560 }, { 1600, 1000 } };
    g_autoptr (KvpComparison) big = new_comparison (2048, 2048, 16, 64);

    for (guint i = 0; i < G_N_ELEMENTS (more); i++)
      {
        g_autoptr (KvpScene) scene = kvp_scene_new (big, kvp_theme_get (KVP_THEME_LIGHT), more[i][0], more[i][1]);
        cairo_rectangle_t notice;

        g_assert_true (kvp_scene_get_notice_rect (scene, &notice));
        g_assert_cmpfloat (notice.x, >=, 0);
        g_assert_cmpfloat (notice.y, >=, 0);
        g_assert_cmpfloat (notice.x + notice.width, <=, more[i][0]);
        g_assert_cmpfloat (notice.y + notice.height, <=, more[i][1]);
      }
  }
}


/* Whether any pixel inside r (less a one-pixel rim) is not the free colour. */
static gboolean
cell_is_held (cairo_surface_t         *surface,
              const cairo_rectangle_t *r,
              const KvpColor          *free_color)
{
  for (double y = r->y + 1; y < r->y + r->height - 1; y++)
    for (double x = r->x + 1; x < r->x + r->width - 1; x++)
      if (!pixel_is (pixel_at (surface, x, y), free_color))
        return TRUE;
  return FALSE;
}

/* Mid-transition every figure shows one state: the paged card's number is
 * its caption's blocks × B × bytes per token, the bar is as long as those
 * tokens on the frame's byte scale, and the grid holds as many blocks. */
static void
test_consistent_frames (void)
{
  g_autoptr (KvpComparison) before = new_comparison (128, 2048, 16, 1024);
  g_autoptr (KvpComparison) after = new_comparison (300, 2048, 16, 1024);
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
  g_autoptr (KvpScene) a = kvp_scene_new (before, theme, 800, 560);
  g_autoptr (KvpScene) b = kvp_scene_new (after, theme, 800, 560);
  guint bpt = (guint) after->bytes_per_token;
  guint n_mid = 0;

  kvp_scene_set_previous (b, a, G_MAXDOUBLE);
  for (double t = 0.0; t <= kvp_scene_get_duration (b) + 0.01; t += kvp_scene_get_duration (b) / 7)
    {
      KvpScene *shown = kvp_scene_get_frame_scene (b, t);
      guint64 blocks = 0, tokens;
      g_autofree char *expected = NULL;
      const char *caption = kvp_scene_get_card (shown, KVP_CARD_PAGED)->caption;
      cairo_surface_t *surface = render (b, t, 1.0);
      cairo_rectangle_t track, used, r;
      guint held = 0;

      g_assert_cmpint (sscanf (caption, "on demand, %" G_GUINT64_FORMAT " blocks", &blocks), ==, 1);
      expected = kvp_format_bytes (blocks * 16 * bpt);
      g_assert_cmpstr (kvp_scene_get_card (shown, KVP_CARD_PAGED)->value, ==, expected);
      g_assert_cmpuint (blocks, >=, 8);
      g_assert_cmpuint (blocks, <=, 19);
      if (blocks > 8 && blocks < 19)
        n_mid++;

      /* The bar: the tokens the frame shows, on its own byte scale. */
      tokens = kvp_scene_get_comparison (shown)->params.seq_len;
      g_assert_cmpuint ((tokens + 15) / 16, ==, blocks);
      kvp_scene_get_bar_rect (shown, KVP_BAR_PAGED, KVP_BAR_SEGMENT_TRACK, &track);
      kvp_scene_get_bar_rect (shown, KVP_BAR_PAGED, KVP_BAR_SEGMENT_USED, &used);
      g_assert_cmpfloat_with_epsilon (used.width, track.width * tokens / 2048.0, 1e-6);
      g_assert_false (pixel_is (pixel_at (surface, used.x + used.width - 2, used.y + used.height / 2),
                                &theme->free_block));

      /* The grid: exactly those of the sequence's blocks held, where the
       * pool put them among other requests' (kvp-pool-history.h). */
      {
        guint n_table = 0;
        const guint32 *table = kvp_block_pool_get_block_table (after->pool, after->seq, &n_table);

        g_assert_cmpuint (n_table, ==, 19);
        for (guint32 i = 0; i < n_table; i++)
          {
            g_assert_true (kvp_scene_get_block_rect (b, table[i], &r));
            held += cell_is_held (surface, &r, &theme->free_block);
          }
      }
      g_assert_cmpuint (held, ==, blocks);
      cairo_surface_destroy (surface);
    }
  /* Frames in between were seen, not only the two ends. */
  g_assert_cmpuint (n_mid, >=, 3);
}

/* Millions of blocks: one cell stands for k blocks and the picture says so,
 * a few held blocks stay visible and are ringed, every cell has a tooltip,
 * and utilization is not rounded to nothing. */
static void
test_big_pools (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (128, 2048, 16, 16777216);
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_DARK);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, theme, 1440, 900);
  cairo_surface_t *surface = render (scene, kvp_scene_get_duration (scene), 1.0);
  guint32 k = kvp_scene_get_blocks_per_cell (scene);
  g_autofree char *scale = g_strdup_printf ("1 cell = %u blocks", k);
  g_autofree char *description = kvp_scene_dup_description (scene);
  g_autofree char *first = NULL;
  g_autofree char *far = NULL;
  cairo_rectangle_t r, bounds;
  guint32 cell;
  gboolean ring = FALSE;

  g_assert_true (kvp_scene_is_grid_by_pixel (scene));
  g_assert_cmpuint (k, >, 1);
  g_assert_cmpuint ((guint64) k * kvp_scene_get_n_cells (scene), >=, 16777216);
  g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_UTILIZATION)->value, ==, "< 0.01 %");
  g_assert_nonnull (strstr (description, "< 0.01 %"));

  /* The cell of the 8 held blocks is clearly in the allocated colours. */
  g_assert_true (kvp_scene_get_block_rect (scene, 0, &r));
  {
    guint32 p = pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2);
    KvpColor start = kvp_theme_paged_at (theme, 0.0);
    int dr = abs ((int) (p >> 16 & 0xff) - (int) round (theme->free_block.red * 255));

    g_assert_false (pixel_is (p, &theme->free_block));
    g_assert_cmpint (dr, >, abs ((int) round (start.red * 255) - (int) round (theme->free_block.red * 255)) / 3);
  }
  /* The legend says what the ring is; a pool without a loupe has no entry. */
  g_assert_cmpint (scene->legend_kind[scene->n_legend - 1], ==, KVP_LEGEND_LOUPE);
  g_assert_cmpstr (pango_layout_get_text (scene->legend[scene->n_legend - 1].text.layout), ==, "held cells, magnified");
  {
    g_autoptr (KvpComparison) small = new_comparison (128, 2048, 16, 1024);
    g_autoptr (KvpScene) plain = kvp_scene_new (small, theme, 1440, 900);

    for (guint j = 0; j < plain->n_legend; j++)
      g_assert_cmpint (plain->legend_kind[j], !=, KVP_LEGEND_LOUPE);
  }
  /* A ring in the utilization colour around them. */
  kvp_scene_get_grid_bounds (scene, &bounds);
  for (double d = 6.0; d < 40.0 && !ring; d += 0.5)
    ring = pixel_is (pixel_at (surface, r.x + r.width / 2 + d, r.y + r.height / 2), &theme->utilization);
  g_assert_true (ring);

  /* Tooltips: the first cell and one far away, as text. */
  g_assert_true (kvp_scene_get_cell_at (scene, r.x + r.width / 2, r.y + r.height / 2, &cell));
  g_assert_cmpuint (cell, ==, 0);
  first = kvp_scene_dup_cell_text (scene, cell);
  g_assert_nonnull (strstr (first, scale));
  g_assert_nonnull (strstr (first, "8 blocks allocated"));
  g_assert_nonnull (strstr (first, "128 of "));
  /* Pointing anywhere on the loupe means the cells it magnifies. */
  g_assert_true (kvp_scene_get_cell_at (scene, r.x + r.width / 2 + 20, r.y + r.height / 2 + 20, &cell));
  g_assert_cmpuint (cell, ==, 0);
  g_assert_true (kvp_scene_get_cell_at (scene, bounds.x + bounds.width - 1, bounds.y + bounds.height / 2, &cell));
  far = kvp_scene_dup_cell_text (scene, cell);
  g_assert_nonnull (strstr (far, "0 blocks allocated"));
  cairo_surface_destroy (surface);

  /* The heading says the scale. */
  {
    g_autoptr (KvpComparison) mid = new_comparison (128, 2048, 16, 1048576);
    g_autoptr (KvpScene) s2 = kvp_scene_new (mid, theme, 1440, 900);

    g_assert_true (kvp_scene_is_grid_by_pixel (s2));
    g_assert_cmpuint (kvp_scene_get_blocks_per_cell (s2), >=, 1);
  }
}

/* vLLM's pool of a million blocks, drawn one pixel a cell of k blocks: cell
 * 0 holds the null block and the sequence's first k − 1 blocks.  A cell
 * shows its highest-ranked holder (the sequence, the null block, other
 * requests, free), so it is the sequence's, and the null block, which is
 * no free room, does not pale it: the sequence filling blocks 1 … k − 1
 * colours cell 0 as fully as a cell it fills whole.  It was paled to
 * (k − 1) / k, as in a plain pool, whose cell 0 does keep a free block.
 * The cell's tooltip names the null block and counts the slots a request
 * can hold. */
static KvpComparison *
null_pool_comparison (guint64  seq_len,
                      gboolean null_block)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KvpComparison) plain = new_comparison (seq_len, 2048, 16, 1048576);
  KvpParams p = plain->params;
  KvpComparison *cmp;

  p.null_block = null_block;
  cmp = kvp_comparison_new (&p, &error);
  g_assert_no_error (error);
  return cmp;
}

static void
test_null_cell_by_pixel (void)
{
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
  g_autoptr (KvpComparison) probe = null_pool_comparison (16, TRUE);
  g_autoptr (KvpScene) probe_scene = kvp_scene_new (probe, theme, 1440, 900);
  guint32 k = kvp_scene_get_blocks_per_cell (probe_scene);
  g_autoptr (KvpComparison) cmp = NULL;
  g_autoptr (KvpComparison) plain = NULL;
  g_autoptr (KvpScene) scene = NULL;
  g_autoptr (KvpScene) plain_scene = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *slots = NULL;
  cairo_surface_t *surface, *plain_surface;
  KvpColor full;
  cairo_rectangle_t r;

  g_assert_true (kvp_scene_is_grid_by_pixel (probe_scene));
  g_assert_cmpuint (k, >=, 2);
  g_test_message ("%u blocks a cell", k);
  cmp = null_pool_comparison ((guint64) (k - 1) * 16, TRUE);
  plain = null_pool_comparison ((guint64) (k - 1) * 16, FALSE);
  scene = kvp_scene_new (cmp, theme, 1440, 900);
  plain_scene = kvp_scene_new (plain, theme, 1440, 900);
  g_assert_cmpuint (kvp_scene_get_blocks_per_cell (scene), ==, k);
  g_assert_cmpuint (kvp_scene_get_blocks_per_cell (plain_scene), ==, k);
  surface = render (scene, kvp_scene_get_duration (scene), 1.0);
  plain_surface = render (plain_scene, kvp_scene_get_duration (plain_scene), 1.0);

  /* The gradient's middle (its start for one block), unmixed with free. */
  full = kvp_theme_paged_at (theme, k > 2 ? 0.5 : 0.0);
  g_assert_true (kvp_scene_get_block_rect (scene, 0, &r));
  g_assert_true (pixel_is (pixel_at (surface, r.x + r.width / 2, r.y + r.height / 2), &full));
  g_assert_true (kvp_scene_get_block_rect (plain_scene, 0, &r));
  g_assert_false (pixel_is (pixel_at (plain_surface, r.x + r.width / 2, r.y + r.height / 2), &full));

  tooltip = kvp_scene_dup_cell_text (scene, 0);
  slots = g_strdup_printf ("%u of %u token slots filled\n", (k - 1) * 16, (k - 1) * 16);
  g_assert_nonnull (strstr (tooltip, slots));
  g_assert_true (g_str_has_suffix (tooltip, "\nBlock 0 is vLLM’s null block: no request ever gets it, so its token "
                                            "slots are not counted"));
  g_clear_pointer (&tooltip, g_free);
  tooltip = kvp_scene_dup_cell_text (plain_scene, 0);
  g_assert_null (strstr (tooltip, "null block"));

  cairo_surface_destroy (surface);
  cairo_surface_destroy (plain_surface);
}

/* A million blocks filling token by token: a frame drawn after others (the
 * grid's cached picture updated where blocks changed) is the frame a fresh
 * scene draws at once. */
static void
test_big_pool_frames (void)
{
  g_autoptr (KvpComparison) before = new_comparison (16 * 100000, 16 * 400000, 16, 1048576);
  g_autoptr (KvpComparison) after = new_comparison (16 * 300000, 16 * 400000, 16, 1048576);
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
  g_autoptr (KvpScene) a = kvp_scene_new (before, theme, 1440, 900);
  g_autoptr (KvpScene) b = kvp_scene_new (after, theme, 1440, 900);
  g_autoptr (KvpScene) fresh = kvp_scene_new (after, theme, 1440, 900);
  double mid;
  cairo_surface_t *stepped = NULL, *direct;

  g_assert_true (kvp_scene_is_grid_by_pixel (b));
  kvp_scene_set_previous (b, a, G_MAXDOUBLE);
  kvp_scene_set_previous (fresh, a, G_MAXDOUBLE);
  mid = kvp_scene_get_duration (b) * 0.6;
  for (int k = 0; k <= 4; k++)
    {
      g_clear_pointer (&stepped, cairo_surface_destroy);
      stepped = render (b, mid * k / 4, 1.0);
    }
  direct = render (fresh, mid, 1.0);
  g_assert_true (surfaces_equal (stepped, direct));
  cairo_surface_destroy (stepped);
  cairo_surface_destroy (direct);
}

/* Samples (every other pixel each way) strongly coloured: a channel spread
 * of at least 96 of 255, as the allocated blocks' purples and pinks are and
 * greys, card white and the free colour are not. */
static guint
count_vivid (cairo_surface_t         *surface,
             const cairo_rectangle_t *area)
{
  guint n = 0;

  for (int y = (int) area->y; y < area->y + area->height; y += 2)
    for (int x = (int) area->x; x < area->x + area->width; x += 2)
      {
        guint32 p = pixel_at (surface, x, y);
        int r = p >> 16 & 0xff, g = p >> 8 & 0xff, b = p & 0xff;

        n += MAX (r, MAX (g, b)) - MIN (r, MIN (g, b)) >= 96;
      }

  return n;
}

/* A small pool held whole fills its panel: its cells stretch rather than
 * leave bands of the panel empty. */
static void
test_small_pool_fills_panel (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (1024, 2048, 16, 64);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), 1440, 900);
  cairo_surface_t *surface = render (scene, kvp_scene_get_duration (scene), 1.0);
  cairo_rectangle_t cells, panel = scene->grid_panel;
  guint vivid = count_vivid (surface, &panel);

  kvp_scene_get_grid_bounds (scene, &cells);
  g_test_message ("64 blocks held: %u vivid samples; cells %g × %g in a panel of %g × %g", vivid, cells.width,
                  cells.height, panel.width, panel.height);
  /* Square cells left about 49,600; filling the panel gives 64,500. */
  g_assert_cmpuint (vivid, >=, 60000);
  g_assert_cmpfloat (cells.width, >=, 0.9 * panel.width);
  g_assert_cmpfloat (cells.height, >=, 0.75 * panel.height);
  cairo_surface_destroy (surface);
}

/* Eight blocks held among a million are easy to find: the loupe shows them
 * big enough to see at a glance. */
static void
test_few_held_visible (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (128, 2048, 16, 1048576);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), 1440, 900);
  cairo_surface_t *surface;
  guint vivid;

  surface = render (scene, kvp_scene_get_duration (scene), 1.0);
  vivid = count_vivid (surface, &scene->grid_panel);
  g_test_message ("8 of 1,048,576 blocks held: %u vivid samples", vivid);
  g_assert_cmpuint (vivid, >=, 400);
  cairo_surface_destroy (surface);
}

/* Few blocks: the cells grow to fill the panel instead of sitting small in
 * its corner. */
static void
test_few_blocks (void)
{
  const guint32 pools[] = { 1, 8, 48, 200 };

  for (guint i = 0; i < G_N_ELEMENTS (pools); i++)
    {
      g_autoptr (KvpComparison) cmp = new_comparison (8, 2048, 16, pools[i]);
      g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), 1440, 900);
      cairo_rectangle_t bounds, r;

      kvp_scene_get_grid_bounds (scene, &bounds);
      g_assert_true (kvp_scene_get_block_rect (scene, 0, &r));
      g_assert_cmpfloat (r.width, >, 40.0);
      /* Either the width or the height of the panel is nearly all used. */
      g_assert_true (bounds.width > 1440 * 0.8 || bounds.height > r.height * 1.5 || pools[i] == 1);
      g_assert_true (kvp_scene_get_slot_rect (scene, 0, 0, &r));
    }
}

/* A negative saving says that paging costs more here. */
static void
test_negative_saving (void)
{
  g_autoptr (KvpComparison) cmp = new_comparison (17, 17, 16, 1024);
  g_autoptr (KvpScene) scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);

  g_assert_cmpint (cmp->saved_bytes, <, 0);
  g_assert_cmpstr (kvp_scene_get_card (scene, KVP_CARD_SAVED)->title, ==, "Paging costs more here");
  g_assert_true (g_str_has_prefix (kvp_scene_get_card (scene, KVP_CARD_SAVED)->value, "−"));
  g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_SAVED)->caption, "more than traditional"));
}

/* Told apart at a glance: the channels differ by 0.12 together at least. */
static gboolean
distinct (const KvpColor *a,
          const KvpColor *b)
{
  return fabs (a->red - b->red) + fabs (a->green - b->green) + fabs (a->blue - b->blue) > 0.12;
}

/* Four samples sharing a 100-token prompt, in both themes: each shared block
 * is drawn once in the shared colour and says its holders, each sample's own
 * blocks are in its own shade (no two samples alike), other requests' blocks
 * are muted, the legend has a key for each class, and the texts say who
 * holds what. */
static void
test_samples_picture (void)
{
  for (int v = 0; v < 2; v++)
    {
      const KvpTheme *theme = kvp_theme_get (v == 0 ? KVP_THEME_LIGHT : KVP_THEME_DARK);
      g_autoptr (GError) error = NULL;
      g_autoptr (KvpComparison) cmp = NULL;
      g_autoptr (KvpScene) scene = NULL;
      g_autofree char *description = NULL;
      cairo_surface_t *surface;
      KvpParams params;
      KvpColor shared = kvp_grid_class_color (theme, KVP_GRID_CLASS_SHARED, 0, 4);
      KvpColor other = kvp_grid_class_color (theme, KVP_GRID_CLASS_OTHER, 0, 1);
      gboolean kinds[KVP_N_LEGEND] = { FALSE };
      const guint32 *tables[4];
      guint n = 0, n_others = 0;

      kvp_params_init_default (&params);
      params.samples = 4;
      params.prompt_len = 100;
      params.seq_len = 160;
      cmp = kvp_comparison_new (&params, &error);
      g_assert_no_error (error);
      scene = kvp_scene_new (cmp, theme, 1600, 1000);
      surface = render (scene, kvp_scene_get_duration (scene), 1.0);

      for (guint h = 0; h < 4; h++)
        tables[h] = kvp_block_pool_get_block_table (cmp->pool, cmp->sample_seqs[h], &n);
      g_assert_cmpuint (n, ==, 10);

      /* The shared blocks: one block, in the shared colour, saying its holders. */
      for (guint i = 0; i < 6; i++)
        {
          cairo_rectangle_t slot;
          g_autofree char *text = NULL;

          for (guint h = 1; h < 4; h++)
            g_assert_cmpuint (tables[h][i], ==, tables[0][i]);
          g_assert_true (kvp_scene_get_slot_rect (scene, tables[0][i], 0, &slot));
          g_assert_true (pixel_is (pixel_at (surface, slot.x + slot.width / 2, slot.y + slot.height / 2), &shared));
          text = kvp_scene_dup_cell_text (scene, tables[0][i]);
          g_assert_nonnull (strstr (text, "held by all 4 samples"));
          g_assert_nonnull (strstr (text, "Reference count 4"));
        }

      /* Each sample's own blocks: one shade per sample, all told apart, the
       * copied block said to be one. */
      for (guint h = 0; h < 4; h++)
        {
          KvpColor mine = kvp_grid_class_color (theme, KVP_GRID_CLASS_SAMPLE, h, 4);
          g_autofree char *copied = kvp_scene_dup_cell_text (scene, tables[h][6]);
          g_autofree char *own = kvp_scene_dup_cell_text (scene, tables[h][9]);
          g_autofree char *who = g_strdup_printf ("Sample %u’s logical block 9", h + 1);
          cairo_rectangle_t slot;

          g_assert_nonnull (strstr (copied, "copy of the prompt’s last block"));
          g_assert_nonnull (strstr (copied, "Reference count 1"));
          g_assert_nonnull (strstr (own, who));
          g_assert_true (kvp_scene_get_slot_rect (scene, tables[h][9], 0, &slot));
          g_assert_true (pixel_is (pixel_at (surface, slot.x + slot.width / 2, slot.y + slot.height / 2), &mine));
          for (guint k = 0; k < h; k++)
            {
              KvpColor theirs = kvp_grid_class_color (theme, KVP_GRID_CLASS_SAMPLE, k, 4);

              g_assert_true (distinct (&theirs, &mine));
            }
          g_assert_true (distinct (&shared, &mine));
          g_assert_true (distinct (&other, &mine));
        }

      /* Other requests' blocks: said to be another's. */
      for (guint32 b = 0; b < params.num_blocks; b++)
        {
          KvpSeqId seq;

          if (kvp_block_pool_get_owner (cmp->pool, b, &seq, NULL) && kvp_comparison_get_sample (cmp, seq) < 0)
            {
              g_autofree char *text = kvp_scene_dup_cell_text (scene, b);

              g_assert_nonnull (strstr (text, "Another request’s logical block"));
              n_others++;
            }
        }
      g_assert_cmpuint (n_others, >, 22);

      for (guint j = 0; j < scene->n_legend; j++)
        kinds[scene->legend_kind[j]] = TRUE;
      g_assert_true (kinds[KVP_LEGEND_ALLOCATED] && kinds[KVP_LEGEND_SHARED] && kinds[KVP_LEGEND_COW] &&
                     kinds[KVP_LEGEND_OTHER] && kinds[KVP_LEGEND_FREE]);

      description = kvp_scene_dup_description (scene);
      g_assert_nonnull (strstr (description, "4 samples share 6 blocks of the prompt, each with reference count 4"));
      g_assert_nonnull (strstr (kvp_scene_get_card (scene, KVP_CARD_PAGED)->caption, "22 blocks"));
      cairo_surface_destroy (surface);
    }
}

/* The sequence's blocks are not 0, 1, 2, …: they sit among other requests'
 * (kvp-pool-history.h), and the same ones in every run. */
static void
test_scattered (void)
{
  g_autoptr (KvpComparison) a = new_comparison (300, 2048, 16, 1024);
  g_autoptr (KvpComparison) b = new_comparison (300, 2048, 16, 1024);
  guint n = 0, m = 0, runs = 1;
  const guint32 *ta = kvp_block_pool_get_block_table (a->pool, a->seq, &n);
  const guint32 *tb = kvp_block_pool_get_block_table (b->pool, b->seq, &m);
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (n, ==, 19);
  g_assert_cmpuint (m, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (ta[i], ==, tb[i]);
      if (i > 0 && ta[i] != ta[i - 1] + 1)
        runs++;
    }
  g_assert_cmpuint (runs, >, 1);
  g_assert_true (kvp_block_pool_check (a->pool, &error));
  /* The figures are the sequence's alone. */
  g_assert_cmpuint (a->blocks_used, ==, 19);
  g_assert_cmpuint (a->blocks_free, ==, 1024 - 19);
  g_assert_cmpuint (kvp_block_pool_get_num_used (a->pool), >, 19);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/cards/design-rows", test_cards);
  g_test_add_func ("/render/cards/does-not-fit", test_does_not_fit);
  g_test_add_func ("/render/grid/block-colors", test_block_colors);
  g_test_add_func ("/render/grid/samples", test_samples_picture);
  g_test_add_func ("/render/grid/scattered", test_scattered);
  g_test_add_func ("/render/grid/null-block", test_null_block);
  g_test_add_func ("/render/grid/hit-testing", test_hit_testing);
  g_test_add_func ("/render/grid/pool-sizes", test_pool_sizes);
  g_test_add_func ("/render/grid/big-pools", test_big_pools);
  g_test_add_func ("/render/grid/null-cell-by-pixel", test_null_cell_by_pixel);
  g_test_add_func ("/render/grid/few-blocks", test_few_blocks);
  g_test_add_func ("/render/grid/small-pool-fills-panel", test_small_pool_fills_panel);
  g_test_add_func ("/render/grid/few-held-visible", test_few_held_visible);
  g_test_add_func ("/render/grid/big-pool-frames", test_big_pool_frames);
  g_test_add_func ("/render/animation/consistent-frames", test_consistent_frames);
  g_test_add_func ("/render/cards/negative-saving", test_negative_saving);
  g_test_add_func ("/render/bars/proportional", test_bars);
  g_test_add_func ("/render/grid/heading-counts-others", test_pool_heading_counts_others);
  g_test_add_func ("/render/bars/traditional-past-pool", test_pool_mark_traditional_past_pool);
  g_test_add_func ("/render/bars/hybrid-keys", test_hybrid_bar_keys);
  g_test_add_func ("/render/theme/dark", test_dark_theme);
  g_test_add_func ("/render/animation/launch", test_launch);
  g_test_add_func ("/render/animation/transition", test_transition);
  g_test_add_func ("/render/animation/interrupted", test_interrupted_transition);
  g_test_add_func ("/render/layout/scale", test_scale);
  g_test_add_func ("/render/layout/sizes", test_layout_sizes);

  return g_test_run ();
}
