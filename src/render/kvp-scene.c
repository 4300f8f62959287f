/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scene.c: lays out the picture once per change — texts measured with
 * Pango, cards, bars and grid placed so nothing overlaps from a small window
 * to a 4K export — so that painting a frame only reads prepared data. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-format.h"
#include "kvp-scene-private.h"

/* Sizes below are in units at the reference size of 1440 × 900. */
#define REFERENCE_WIDTH  1440.0
#define REFERENCE_HEIGHT 900.0

typedef struct
{
  double text;   /* font sizes: never smaller than 0.8 of the reference */
  double space;  /* margins and gaps */
} Scale;

static PangoLayout *
new_layout (KvpScene    *self,
            const char  *text,
            double       size,
            PangoWeight  weight,
            gboolean     tabular,
            double       wrap_width)
{
  PangoLayout *layout = pango_layout_new (self->pango);
  PangoFontDescription *font = pango_font_description_from_string (self->theme->font_family);

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, weight);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);

  if (tabular)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      /* Tabular figures keep easing numbers from jiggling. */
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }

  if (wrap_width > 0.0)
    {
      pango_layout_set_width (layout, (int) floor (wrap_width * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }

  pango_layout_set_text (layout, text, -1);

  return layout;
}

static void
text_init (KvpText     *text,
           PangoLayout *layout)
{
  PangoRectangle logical;

  g_clear_object (&text->layout);
  text->layout = layout;
  pango_layout_get_extents (layout, NULL, &logical);
  text->width = (double) logical.width / PANGO_SCALE;
  text->height = (double) logical.height / PANGO_SCALE;
}

static void
text_clear (KvpText *text)
{
  g_clear_object (&text->layout);
}

static void
write_card_texts (KvpScene *self)
{
  KvpComparison *cmp = self->cmp;
  g_autofree char *blocks = kvp_format_blocks (cmp->blocks_needed);
  g_autofree char *tokens = kvp_format_tokens (cmp->params.block_size);

  self->card_title[KVP_CARD_TRADITIONAL] = g_strdup (_("Traditional"));
  self->card_value[KVP_CARD_TRADITIONAL] = kvp_format_bytes (cmp->traditional_bytes);
  self->card_caption[KVP_CARD_TRADITIONAL] =
    kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "pre-allocated for %s token", "pre-allocated for %s tokens", cmp->params.max_seq_len), cmp->params.max_seq_len);
  self->card_number[KVP_CARD_TRADITIONAL] = (double) cmp->traditional_bytes;

  self->card_title[KVP_CARD_PAGED] = g_strdup (_("PagedAttention"));
  self->card_value[KVP_CARD_PAGED] = kvp_format_bytes (cmp->paged_bytes);
  if (cmp->fits)
    /* Translators: "on demand, 8 blocks × 16 tokens" */
    self->card_caption[KVP_CARD_PAGED] = g_strdup_printf (_("on demand, %s × %s"), blocks, tokens);
  else
    /* Translators: "would need 2,000 blocks × 16 tokens" */
    self->card_caption[KVP_CARD_PAGED] = g_strdup_printf (_("would need %s × %s"), blocks, tokens);
  self->card_number[KVP_CARD_PAGED] = (double) cmp->paged_bytes;

  self->card_title[KVP_CARD_SAVED] = g_strdup (_("Memory saved"));
  self->card_value[KVP_CARD_SAVED] = kvp_format_signed_bytes (cmp->saved_bytes);
  {
    g_autofree char *percent = kvp_format_percent (fabs (cmp->saved_percent));

    /* A sequence that does not fit saves nothing yet: say it is a what-if. */
    if (!cmp->fits)
      self->card_caption[KVP_CARD_SAVED] =
        g_strdup_printf (cmp->saved_bytes >= 0 ? _("if it fit: %s less than traditional")
                                               : _("if it fit: %s more than traditional"),
                         percent);
    else if (cmp->saved_bytes >= 0)
      self->card_caption[KVP_CARD_SAVED] = g_strdup_printf (_("%s less than traditional"), percent);
    else
      self->card_caption[KVP_CARD_SAVED] = g_strdup_printf (_("%s more than traditional"), percent);
  }
  self->card_number[KVP_CARD_SAVED] = (double) cmp->saved_bytes;

  self->card_title[KVP_CARD_UTILIZATION] = g_strdup (_("Utilization"));
  if (cmp->fits)
    {
      g_autofree char *used = kvp_format_count (cmp->blocks_used);
      g_autofree char *all = kvp_format_count (cmp->params.num_blocks);

      self->card_value[KVP_CARD_UTILIZATION] = kvp_format_percent (cmp->utilization_percent);
      /* Translators: "8 / 1,024 blocks" */
      self->card_caption[KVP_CARD_UTILIZATION] =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s / %s block", "%s / %s blocks",
                                      cmp->params.num_blocks),
                         used, all);
    }
  else
    {
      g_autofree char *needed = kvp_format_count (cmp->blocks_needed);
      g_autofree char *all = kvp_format_count (cmp->params.num_blocks);

      self->card_value[KVP_CARD_UTILIZATION] = g_strdup (_("Does not fit"));
      self->card_caption[KVP_CARD_UTILIZATION] =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "needs %s of %s block", "needs %s of %s blocks",
                                      cmp->params.num_blocks),
                         needed, all);
    }
  self->card_number[KVP_CARD_UTILIZATION] = cmp->utilization_percent;
}

static void
layout_header (KvpScene    *self,
               const Scale *s,
               double       x,
               double      *y,
               double       width)
{
  KvpComparison *cmp = self->cmp;
  g_autofree char *per_token = kvp_format_bytes (cmp->bytes_per_token);
  g_autofree char *n = kvp_format_count (cmp->params.seq_len);
  g_autofree char *r = kvp_format_count (cmp->params.max_seq_len);
  g_autofree char *b = kvp_format_count (cmp->params.block_size);
  g_autofree char *nb = kvp_format_count (cmp->params.num_blocks);
  g_autofree char *subtitle = NULL;

  /* Translators: model · KV dtype · bytes per token · n · R · B · N */
  subtitle = g_strdup_printf (_("%s · %s KV cache · %s per token · sequence n = %s · reservation R = %s · block size B = %s · pool N = %s"),
                              cmp->params.model->name,
                              kvp_dtype_to_string (cmp->params.dtype),
                              per_token, n, r, b, nb);

  text_init (&self->title,
             new_layout (self, _("KV cache memory: traditional vs PagedAttention"),
                         24 * s->text, PANGO_WEIGHT_BOLD, FALSE, width));
  self->title.x = x;
  self->title.y = *y;
  *y += self->title.height + 4 * s->space;

  text_init (&self->subtitle, new_layout (self, subtitle, 14 * s->text, PANGO_WEIGHT_NORMAL, TRUE, width));
  self->subtitle.x = x;
  self->subtitle.y = *y;
  *y += self->subtitle.height;
}

/* Lays the card texts out for cards of width card_width; returns the most
 * lines a caption takes. */
static int
measure_cards (KvpScene    *self,
               const Scale *s,
               double       card_width)
{
  double pad = round (16 * s->space);
  double inner = card_width - 2 * pad;
  double value_size = 34 * s->text;
  double widest = 0.0;
  int lines = 0;

  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      text_init (&self->card_value_text[i],
                 new_layout (self, self->card_value[i], value_size, PANGO_WEIGHT_SEMIBOLD, TRUE, -1));
      widest = MAX (widest, self->card_value_text[i].width);
    }

  /* A value wider than its card shrinks, with the others, to fit. */
  if (widest > inner)
    {
      value_size *= inner / widest * 0.98;
      for (int i = 0; i < KVP_N_CARDS; i++)
        text_init (&self->card_value_text[i],
                   new_layout (self, self->card_value[i], value_size, PANGO_WEIGHT_SEMIBOLD, TRUE, -1));
    }

  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      text_init (&self->card_title_text[i],
                 new_layout (self, self->card_title[i], 13.5 * s->text, PANGO_WEIGHT_SEMIBOLD, FALSE, inner));
      text_init (&self->card_caption_text[i],
                 new_layout (self, self->card_caption[i], 12.5 * s->text, PANGO_WEIGHT_NORMAL, TRUE, inner));
      lines = MAX (lines, pango_layout_get_line_count (self->card_caption_text[i].layout));
    }

  return lines;
}

static void
layout_cards (KvpScene    *self,
              const Scale *s,
              double       x,
              double      *y,
              double       width)
{
  double gap = round (14 * s->space);
  double pad = round (16 * s->space);
  double title_h = 0.0, value_h = 0.0, caption_h = 0.0, height, card_width;
  int columns = KVP_N_CARDS;

  self->card_radius = round (12 * s->space);
  self->card_accent_height = MAX (3.0, round (4 * s->space));

  /* Four in a row; two rows of two only when a row would crush the captions
   * past three lines, since every row taken is height the grid loses. */
  card_width = (width - (columns - 1) * gap) / columns;
  if (measure_cards (self, s, card_width) > 3)
    {
      columns = 2;
      card_width = (width - (columns - 1) * gap) / columns;
      measure_cards (self, s, card_width);
    }

  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      title_h = MAX (title_h, self->card_title_text[i].height);
      value_h = MAX (value_h, self->card_value_text[i].height);
      caption_h = MAX (caption_h, self->card_caption_text[i].height);
    }

  height = round (self->card_accent_height + pad + title_h + 4 * s->space + value_h + 2 * s->space +
                  caption_h + pad);

  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      int column = i % columns, row = i / columns;
      double cx = round (x + column * (card_width + gap));
      double cy = *y + row * (height + gap);
      double ty = cy + self->card_accent_height + pad;

      self->card_rect[i] = (cairo_rectangle_t) {
        cx, cy, round (x + column * (card_width + gap) + card_width) - cx, height
      };
      self->card_title_text[i].x = cx + pad;
      self->card_title_text[i].y = ty;
      self->card_value_text[i].x = cx + pad;
      self->card_value_text[i].y = ty + title_h + 4 * s->space;
      self->card_caption_text[i].x = cx + pad;
      self->card_caption_text[i].y = self->card_value_text[i].y + value_h + 2 * s->space;
    }

  *y += (KVP_N_CARDS / columns) * (height + gap) - gap;
}

/* Places keys (swatch + text) from x on; a key that would run past right
 * goes to the next line.  Returns the height taken. */
static double
place_keys (KvpKey *keys,
            int     n_keys,
            double  x,
            double  y,
            double  right,
            double  spacing)
{
  double cx = x, cy = y, line_h = 0.0;

  for (int i = 0; i < n_keys; i++)
    {
      KvpKey *key = &keys[i];
      double side = round (key->text.height * 0.62);
      double w = side + spacing * 0.5 + key->text.width;

      if (cx > x && cx + w > right)
        {
          cx = x;
          cy += line_h + spacing * 0.25;
          line_h = 0.0;
        }

      key->swatch = (cairo_rectangle_t) { cx, cy + (key->text.height - side) / 2, side, side };
      key->text.x = cx + side + spacing * 0.5;
      key->text.y = cy;
      cx += w + spacing;
      line_h = MAX (line_h, key->text.height);
    }

  return cy + line_h - y;
}

static void
init_key (KvpScene    *self,
          KvpKey      *key,
          const char  *text,
          double       size)
{
  text_init (&key->text, new_layout (self, text, size, PANGO_WEIGHT_NORMAL, TRUE, -1));
}

static void
layout_bars (KvpScene    *self,
             const Scale *s,
             double       x,
             double      *y,
             double       width)
{
  KvpComparison *cmp = self->cmp;
  double pad = round (20 * s->space);
  double label_w = 0.0, row_y, scale;
  guint64 used_bytes = cmp->traditional_bytes - cmp->traditional_waste_bytes;
  g_autofree char *trad_size = kvp_format_bytes (cmp->traditional_bytes);
  g_autofree char *paged_size = kvp_format_bytes (cmp->paged_bytes);
  g_autofree char *used = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token used", "%s tokens used", cmp->params.seq_len), cmp->params.seq_len);
  g_autofree char *unused = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token reserved but unused", "%s tokens reserved but unused", cmp->traditional_waste_tokens), cmp->traditional_waste_tokens);
  g_autofree char *tokens = kvp_format_tokens (cmp->params.seq_len);
  g_autofree char *blocks = kvp_format_blocks (cmp->blocks_needed);
  g_autofree char *in_blocks = NULL;
  g_autofree char *slack = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token of slack in the last block", "%s tokens of slack in the last block", cmp->paged_waste_tokens), cmp->paged_waste_tokens);

  if (cmp->fits)
    /* Translators: "128 tokens in 8 blocks" */
    in_blocks = g_strdup_printf (C_("tokens in blocks", "%s in %s"), tokens, blocks);
  else
    /* Translators: "2,048 tokens would need 128 blocks", when the pool is too small */
    in_blocks = g_strdup_printf (C_("tokens in blocks", "%s would need %s"), tokens, blocks);

  row_y = *y + pad;
  text_init (&self->bars_heading,
             new_layout (self, _("Memory for this sequence, on one byte scale"),
                         13.5 * s->text, PANGO_WEIGHT_SEMIBOLD, FALSE, width - 2 * pad));
  self->bars_heading.x = x + pad;
  self->bars_heading.y = row_y;
  row_y += self->bars_heading.height + round (12 * s->space);

  text_init (&self->bar_label[KVP_BAR_TRADITIONAL],
             new_layout (self, _("Traditional"), 14 * s->text, PANGO_WEIGHT_SEMIBOLD, FALSE, -1));
  text_init (&self->bar_label[KVP_BAR_PAGED],
             new_layout (self, _("PagedAttention"), 14 * s->text, PANGO_WEIGHT_SEMIBOLD, FALSE, -1));
  text_init (&self->bar_size[KVP_BAR_TRADITIONAL],
             new_layout (self, trad_size, 13 * s->text, PANGO_WEIGHT_NORMAL, TRUE, -1));
  text_init (&self->bar_size[KVP_BAR_PAGED],
             new_layout (self, paged_size, 13 * s->text, PANGO_WEIGHT_NORMAL, TRUE, -1));
  init_key (self, &self->bar_key[KVP_BAR_TRADITIONAL][KVP_KEY_USED], used, 12.5 * s->text);
  init_key (self, &self->bar_key[KVP_BAR_TRADITIONAL][KVP_KEY_WASTE], unused, 12.5 * s->text);
  init_key (self, &self->bar_key[KVP_BAR_PAGED][KVP_KEY_USED], in_blocks, 12.5 * s->text);
  init_key (self, &self->bar_key[KVP_BAR_PAGED][KVP_KEY_WASTE], slack, 12.5 * s->text);

  for (int i = 0; i < KVP_N_BARS; i++)
    label_w = MAX (label_w, MAX (self->bar_label[i].width, self->bar_size[i].width));
  label_w += round (20 * s->space);

  scale = (double) MAX (cmp->traditional_bytes, cmp->paged_bytes);
  self->bar_used[KVP_BAR_TRADITIONAL] = used_bytes / scale;
  self->bar_waste[KVP_BAR_TRADITIONAL] = cmp->traditional_waste_bytes / scale;
  self->bar_used[KVP_BAR_PAGED] = (cmp->paged_bytes - cmp->paged_waste_bytes) / scale;
  self->bar_waste[KVP_BAR_PAGED] = cmp->paged_waste_bytes / scale;

  for (int i = 0; i < KVP_N_BARS; i++)
    {
      KvpText *label = &self->bar_label[i];
      double track_x = x + pad + label_w;
      double track_h = round (label->height * 0.8);
      double keys_h;

      if (i > 0)
        row_y += round (14 * s->space);

      label->x = x + pad;
      label->y = row_y;
      self->bar_track[i] = (cairo_rectangle_t) {
        round (track_x), round (row_y + (label->height - track_h) / 2),
        round (x + width - pad) - round (track_x), track_h
      };
      self->bar_size[i].x = x + pad;
      self->bar_size[i].y = row_y + label->height + 2 * s->space;
      keys_h = place_keys (self->bar_key[i], KVP_N_KEYS, track_x, self->bar_size[i].y,
                           x + width - pad, round (18 * s->space));
      row_y = self->bar_size[i].y + MAX (self->bar_size[i].height, keys_h);
    }

  self->bars_panel = (cairo_rectangle_t) { x, *y, width, round (row_y + pad - *y) };
  *y += self->bars_panel.height;
}

static void
layout_grid (KvpScene    *self,
             const Scale *s,
             double       x,
             double       y,
             double       width,
             double       bottom)
{
  KvpComparison *cmp = self->cmp;
  double pad = round (20 * s->space);
  double inner = width - 2 * pad;
  double row_y = y + pad, legend_w = 0.0, spacing = round (18 * s->space);
  cairo_rectangle_t area;
  g_autofree char *allocated = NULL;
  g_autofree char *per_block = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token per block", "%s tokens per block", cmp->params.block_size), cmp->params.block_size);
  g_autofree char *heading = NULL;
  g_autofree char *used = kvp_format_count (cmp->blocks_used);
  g_autofree char *all = kvp_format_count (cmp->params.num_blocks);

  /* Translators: "8 of 1,024 blocks allocated" */
  allocated = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s block allocated",
                                            "%s of %s blocks allocated", cmp->params.num_blocks),
                               used, all);
  /* Translators: "Block pool · 8 of 1,024 blocks allocated · 16 tokens per block" */
  heading = g_strdup_printf (_("Block pool · %s · %s"), allocated, per_block);

  init_key (self, &self->legend[KVP_LEGEND_ALLOCATED], _("allocated"), 12.5 * s->text);
  init_key (self, &self->legend[KVP_LEGEND_PARTIAL], _("partly filled"), 12.5 * s->text);
  init_key (self, &self->legend[KVP_LEGEND_FREE], _("free"), 12.5 * s->text);
  for (int i = 0; i < KVP_N_LEGEND; i++)
    legend_w += round (self->legend[i].text.height * 0.62) + spacing * 1.5 + self->legend[i].text.width;
  legend_w -= spacing;

  text_init (&self->grid_heading,
             new_layout (self, heading, 13.5 * s->text, PANGO_WEIGHT_SEMIBOLD, TRUE, inner));
  self->grid_heading.x = x + pad;
  self->grid_heading.y = row_y;

  /* The legend sits at the right of the heading when both fit on a line. */
  if (self->grid_heading.width + spacing * 2 + legend_w <= inner)
    {
      double ly = row_y + (self->grid_heading.height - self->legend[0].text.height) / 2;

      place_keys (self->legend, KVP_N_LEGEND, x + width - pad - legend_w, ly, x + width - pad, spacing);
      row_y += self->grid_heading.height;
    }
  else
    {
      row_y += self->grid_heading.height + 4 * s->space;
      row_y += place_keys (self->legend, KVP_N_LEGEND, x + pad, row_y, x + width - pad, spacing);
    }
  row_y += round (12 * s->space);

  area.x = round (x + pad);
  area.y = round (row_y);
  area.width = MAX (1.0, round (inner));
  area.height = MAX (1.0, round (bottom - pad - row_y));

  self->grid_panel = (cairo_rectangle_t) { x, y, width, MAX (bottom - y, row_y + area.height + pad - y) };
  self->grid = kvp_grid_new (cmp, self->theme, &area, round (40 * s->space));

  self->show_banner = !cmp->fits;
  if (self->show_banner)
    {
      g_autofree char *needed = kvp_format_blocks (cmp->blocks_needed);
      g_autofree char *pool = kvp_format_blocks (cmp->params.num_blocks);
      g_autofree char *message = NULL;
      double bpad = round (14 * s->space);
      double wrap = MIN (area.width - 2 * bpad, 640 * s->text);

      /* Translators: "…: it needs 2,000 blocks, and the pool has 1,024 blocks." */
      message = g_strdup_printf (_("This sequence does not fit: it needs %s, and the pool has %s."),
                                 needed, pool);
      text_init (&self->banner, new_layout (self, message, 15 * s->text, PANGO_WEIGHT_SEMIBOLD, FALSE, wrap));
      pango_layout_set_alignment (self->banner.layout, PANGO_ALIGN_CENTER);
      self->banner_rect.width = MIN (area.width, wrap + 2 * bpad);
      self->banner_rect.height = self->banner.height + 2 * bpad;
      self->banner_rect.x = round (area.x + (area.width - self->banner_rect.width) / 2);
      self->banner_rect.y = round (area.y + MAX (0.0, (area.height - self->banner_rect.height) / 2));
      /* A wrapped layout is as wide as its wrap width; centre that box. */
      self->banner.x = self->banner_rect.x + bpad;
      self->banner.y = self->banner_rect.y + bpad;
    }
}

static void
build (KvpScene *self)
{
  Scale s;
  double unit = MIN (self->width / REFERENCE_WIDTH, self->height / REFERENCE_HEIGHT);
  double margin, gap, width, y;
  cairo_font_options_t *options;

  self->unit = unit;
  s.text = MAX (unit, 0.8);
  s.space = MAX (unit, 0.6);

  /* No hinting: text measures the same at every scale and on every surface,
   * so the window, a PNG at scale 2 and an SVG share one layout. */
  self->pango = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  options = cairo_font_options_create ();
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options (self->pango, options);
  cairo_font_options_destroy (options);
  pango_cairo_context_set_resolution (self->pango, 96.0);

  margin = round (28 * s.space);
  gap = round (18 * s.space);
  width = self->width - 2 * margin;
  y = margin;

  write_card_texts (self);
  layout_header (self, &s, margin, &y, width);
  y += gap;
  layout_cards (self, &s, margin, &y, width);
  y += gap;
  layout_bars (self, &s, margin, &y, width);
  y += gap;
  layout_grid (self, &s, margin, y, width, self->height - margin);
}

KvpScene *
kvp_scene_new (KvpComparison  *cmp,
               const KvpTheme *theme,
               double          width,
               double          height)
{
  KvpScene *self;

  g_return_val_if_fail (cmp != NULL, NULL);
  g_return_val_if_fail (theme != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  self = g_new0 (KvpScene, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->cmp = kvp_comparison_ref (cmp);
  self->theme = theme;
  self->width = width;
  self->height = height;

  build (self);
  self->duration = kvp_scene_compute_duration (self);

  return self;
}

KvpScene *
kvp_scene_ref (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

static void
scene_free (KvpScene *self)
{
  g_clear_pointer (&self->previous, kvp_scene_unref);
  text_clear (&self->title);
  text_clear (&self->subtitle);
  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      g_free (self->card_title[i]);
      g_free (self->card_value[i]);
      g_free (self->card_caption[i]);
      text_clear (&self->card_title_text[i]);
      text_clear (&self->card_value_text[i]);
      text_clear (&self->card_caption_text[i]);
    }
  text_clear (&self->bars_heading);
  for (int i = 0; i < KVP_N_BARS; i++)
    {
      text_clear (&self->bar_label[i]);
      text_clear (&self->bar_size[i]);
      for (int k = 0; k < KVP_N_KEYS; k++)
        text_clear (&self->bar_key[i][k].text);
    }
  text_clear (&self->grid_heading);
  for (int i = 0; i < KVP_N_LEGEND; i++)
    text_clear (&self->legend[i].text);
  text_clear (&self->banner);
  g_clear_pointer (&self->grid, kvp_grid_free);
  g_clear_object (&self->pango);
  g_clear_pointer (&self->cmp, kvp_comparison_unref);
  g_free (self);
}

void
kvp_scene_unref (KvpScene *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    scene_free (self);
}

void
kvp_scene_set_previous (KvpScene *self,
                        KvpScene *previous,
                        double    previous_t)
{
  g_return_if_fail (self != NULL);

  if (previous == self)
    return;

  if (previous != NULL)
    {
      kvp_scene_ref (previous);

      /* Start from the picture as it stood at previous_t, mid-transition or not. */
      for (guint card = 0; card < KVP_N_CARDS; card++)
        self->from_card_number[card] = kvp_scene_card_number_at (previous, card, previous_t);
      for (guint bar = 0; bar < KVP_N_BARS; bar++)
        kvp_scene_bar_at (previous, bar, previous_t,
                          &self->from_bar_used[bar], &self->from_bar_waste[bar]);

      /* The blocks carry on from the previous scene's settled grid; its own
       * history is no longer needed, and chains of scenes never grow. */
      g_clear_pointer (&previous->previous, kvp_scene_unref);
      previous->duration = kvp_scene_compute_duration (previous);
    }
  g_clear_pointer (&self->previous, kvp_scene_unref);
  self->previous = previous;
  self->duration = kvp_scene_compute_duration (self);
}

double
kvp_scene_get_duration (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->duration;
}

const KvpTheme *
kvp_scene_get_theme (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->theme;
}

double
kvp_scene_get_width (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->width;
}

double
kvp_scene_get_height (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->height;
}

const char *
kvp_scene_get_card_title (KvpScene *self,
                          KvpCard   card)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (card < KVP_N_CARDS, NULL);

  return self->card_title[card];
}

const char *
kvp_scene_get_card_value (KvpScene *self,
                          KvpCard   card)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (card < KVP_N_CARDS, NULL);

  return self->card_value[card];
}

const char *
kvp_scene_get_card_caption (KvpScene *self,
                            KvpCard   card)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (card < KVP_N_CARDS, NULL);

  return self->card_caption[card];
}

char *
kvp_scene_dup_description (KvpScene *self)
{
  GString *text;

  g_return_val_if_fail (self != NULL, NULL);

  text = g_string_new (NULL);
  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      /* Translators: "Traditional: 44.00 MiB, pre-allocated for 2,048 tokens." */
      g_string_append_printf (text, _("%s: %s, %s."),
                              self->card_title[i], self->card_value[i], self->card_caption[i]);
    }
  if (self->show_banner)
    {
      g_string_append_c (text, ' ');
      g_string_append (text, pango_layout_get_text (self->banner.layout));
    }

  return g_string_free (text, FALSE);
}

gboolean
kvp_scene_get_block_rect (KvpScene          *self,
                          guint32            block,
                          cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return kvp_grid_get_block_rect (self->grid, block, out_rect);
}

gboolean
kvp_scene_get_block_at (KvpScene *self,
                        double    x,
                        double    y,
                        guint32  *out_block)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return kvp_grid_get_block_at (self->grid, x, y, out_block);
}

gboolean
kvp_scene_get_card_rect (KvpScene          *self,
                         KvpCard            card,
                         cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  if (card >= KVP_N_CARDS)
    return FALSE;

  *out_rect = self->card_rect[card];

  return TRUE;
}

gboolean
kvp_scene_get_bar_rect (KvpScene          *self,
                        KvpBar             bar,
                        KvpBarSegment      segment,
                        cairo_rectangle_t *out_rect)
{
  cairo_rectangle_t track;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  if (bar >= KVP_N_BARS)
    return FALSE;

  track = self->bar_track[bar];
  *out_rect = track;
  switch (segment)
    {
    case KVP_BAR_SEGMENT_TRACK:
      break;
    case KVP_BAR_SEGMENT_USED:
      out_rect->width = track.width * self->bar_used[bar];
      break;
    case KVP_BAR_SEGMENT_WASTE:
      out_rect->x = track.x + track.width * self->bar_used[bar];
      out_rect->width = track.width * self->bar_waste[bar];
      break;
    default:
      return FALSE;
    }

  return TRUE;
}

void
kvp_scene_get_grid_bounds (KvpScene          *self,
                           cairo_rectangle_t *out_bounds)
{
  g_return_if_fail (self != NULL);

  kvp_grid_get_bounds (self->grid, out_bounds);
}

gboolean
kvp_scene_is_grid_by_pixel (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return kvp_grid_is_by_pixel (self->grid);
}
