/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scene.c: lays out the picture once per change — texts measured with
 * Pango, cards, bars and grid placed so nothing overlaps from a small window
 * to a 4K export — so that painting a frame only reads prepared data. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-format.h"
#include "kvp-paint.h"
#include "kvp-pool-history.h"
#include "kvp-scene-private.h"
#include "kvp-vllm.h"

/* Sizes below are in units at the reference size (KVP_PICTURE_REFERENCE_*). */
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
  /* Tabular figures keep easing numbers from jiggling. */
  return kvp_picture_new_layout (&self->parent, text, size, weight, tabular ? KVP_TEXT_TABULAR : KVP_TEXT_PLAIN,
                                 wrap_width);
}

/* Measures the text; where it goes is placed later. */
static void
text_init (KvpText     *text,
           PangoLayout *layout)
{
  kvp_text_set (text, layout, text->x, text->y);
}

/* Blocks other requests hold in the pool beside the sequence's
 * (kvp-pool-history.h); with a layout the pool holds the groups only. */
static guint64
others_in_pool (KvpComparison *cmp)
{
  guint64 used;

  if (!cmp->fits || cmp->pool == NULL || cmp->params.layout != NULL)
    return 0;
  /* The null block is the pool's own, no request's. */
  used = kvp_block_pool_get_num_used (cmp->pool) - (cmp->params.num_blocks - cmp->usable_blocks);
  return used > cmp->blocks_held ? used - cmp->blocks_held : 0;
}

static void
write_card_texts (KvpScene *self)
{
  KvpComparison *cmp = self->cmp;
  g_autofree char *blocks = kvp_format_blocks (cmp->blocks_held);
  g_autofree char *tokens = kvp_format_tokens (cmp->params.block_size);

  self->cards[KVP_CARD_TRADITIONAL].title = g_strdup (_("Traditional"));
  self->cards[KVP_CARD_TRADITIONAL].value = kvp_format_bytes (cmp->traditional_bytes);
  if (cmp->fits && cmp->params.samples > 1)
    {
      g_autofree char *reserved = kvp_format_tokens (cmp->params.max_seq_len);

      /* Translators: "pre-allocated for 4 samples × 2,048 tokens" */
      self->cards[KVP_CARD_TRADITIONAL].caption = g_strdup_printf (_("pre-allocated for %u samples × %s"),
                                                                   cmp->params.samples, reserved);
    }
  else if (cmp->fits)
    self->cards[KVP_CARD_TRADITIONAL].caption =
      kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "pre-allocated for %s token", "pre-allocated for %s tokens", cmp->params.max_seq_len), cmp->params.max_seq_len);
  else
    {
      /* Its reservation is at least the sequence: it does not fit either. */
      self->card_muted[KVP_CARD_TRADITIONAL] = TRUE;
      self->cards[KVP_CARD_TRADITIONAL].caption =
        /* Translators: the traditional cache's card when the sequence does not fit the pool. */
        kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "does not fit either: %s token to pre-allocate", "does not fit either: %s tokens to pre-allocate", cmp->params.max_seq_len), cmp->params.max_seq_len);
    }

  self->cards[KVP_CARD_PAGED].title = g_strdup (_("PagedAttention"));
  self->cards[KVP_CARD_PAGED].value = kvp_format_bytes (cmp->paged_bytes);
  if (cmp->fits)
    /* Translators: "on demand, 8 blocks × 16 tokens" */
    self->cards[KVP_CARD_PAGED].caption = g_strdup_printf (_("on demand, %s × %s"), blocks, tokens);
  else
    /* Translators: "would need 2,000 blocks × 16 tokens" */
    self->cards[KVP_CARD_PAGED].caption = g_strdup_printf (_("would need %s × %s"), blocks, tokens);

  /* A negative saving is a cost: the card says so in its title. */
  self->cards[KVP_CARD_SAVED].title = cmp->saved_bytes >= 0 ? g_strdup (_("Memory saved"))
                                                           : g_strdup (_("Paging costs more here"));
  {
    g_autofree char *percent = kvp_format_percent (fabs (cmp->saved_percent));
    g_autofree char *size = kvp_format_bytes ((guint64) ABS (cmp->saved_bytes));

    /* A sequence that does not fit saves nothing: no figure stands out, the
     * caption keeps the what-if. */
    if (!cmp->fits)
      {
        self->cards[KVP_CARD_SAVED].value = g_strdup ("—");
        self->card_muted[KVP_CARD_SAVED] = TRUE;
        /* Translators: "if it fit: 42.00 MiB (93.75 %) less than traditional" */
        self->cards[KVP_CARD_SAVED].caption =
          g_strdup_printf (cmp->saved_bytes >= 0 ? _("if it fit: %s (%s) less than traditional")
                                                 : _("if it fit: %s (%s) more than traditional"),
                           size, percent);
      }
    else
      {
        self->cards[KVP_CARD_SAVED].value = kvp_format_signed_bytes (cmp->saved_bytes);
        if (cmp->saved_bytes >= 0)
          self->cards[KVP_CARD_SAVED].caption = g_strdup_printf (_("%s less than traditional"), percent);
        else
          self->cards[KVP_CARD_SAVED].caption = g_strdup_printf (_("%s more than traditional"), percent);
      }
  }

  self->cards[KVP_CARD_UTILIZATION].title = g_strdup (_("Utilization"));
  if (cmp->fits)
    {
      g_autofree char *used = kvp_format_count (cmp->blocks_used);
      g_autofree char *all = kvp_format_count (cmp->usable_blocks);

      /* Over the usable blocks, as vLLM's kv_cache_usage_perc. */
      self->cards[KVP_CARD_UTILIZATION].value = kvp_format_percent (cmp->utilization_percent);
      /* Translators: "8 / 1,024 blocks" */
      self->cards[KVP_CARD_UTILIZATION].caption =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s / %s block", "%s / %s blocks",
                                      cmp->usable_blocks),
                         used, all);
    }
  else
    {
      g_autofree char *needed = kvp_format_count (cmp->blocks_held);
      g_autofree char *all = kvp_format_count (cmp->usable_blocks);

      self->cards[KVP_CARD_UTILIZATION].value = g_strdup (_("Does not fit"));
      self->card_muted[KVP_CARD_PAGED] = TRUE;
      self->cards[KVP_CARD_UTILIZATION].caption =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "needs %s of %s block", "needs %s of %s blocks",
                                      cmp->usable_blocks),
                         needed, all);
    }
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
  if (cmp->params.samples > 1 || cmp->params.prompt_len > 0)
    {
      g_autofree char *first = g_steal_pointer (&subtitle);
      g_autofree char *prompt = kvp_format_count (cmp->params.prompt_len);

      /* Translators: the subtitle, then the samples (vLLM's n) and the shared prompt's tokens */
      subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %u sample of a prompt of P = %s",
                                               "%s · %u samples sharing a prompt of P = %s", cmp->params.samples),
                                  first, cmp->params.samples, prompt);
    }

  /* One line, a little smaller in a narrow picture, before it wraps. */
  {
    const char *title = _("KV cache memory: traditional vs PagedAttention");
    double size = kvp_picture_fit_size (&self->parent, &title, 1, 24 * s->text, PANGO_WEIGHT_BOLD, width);

    text_init (&self->title, new_layout (self, title, MAX (size, 0.7 * 24 * s->text), PANGO_WEIGHT_BOLD, FALSE,
                                         width));
  }
  self->title.x = x;
  self->title.y = *y;
  *y += self->title.height + 4 * s->space;

  text_init (&self->subtitle, new_layout (self, self->compact ? "" : subtitle, 14 * s->text, PANGO_WEIGHT_NORMAL,
                                          TRUE, width));
  self->subtitle.x = x;
  self->subtitle.y = *y;
  if (!self->compact)
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
  double title_size = 13.5 * s->text, title_wrap;
  double widest = 0.0;
  int lines = 0;

  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      text_init (&self->cards[i].value_text,
                 new_layout (self, self->cards[i].value, value_size, PANGO_WEIGHT_SEMIBOLD, TRUE, -1));
      widest = MAX (widest, self->cards[i].value_text.width);
    }

  /* A value wider than its card shrinks, with the others, to fit. */
  if (widest > inner)
    {
      value_size *= inner / widest * 0.98;
      for (int i = 0; i < KVP_N_CARDS; i++)
        text_init (&self->cards[i].value_text,
                   new_layout (self, self->cards[i].value, value_size, PANGO_WEIGHT_SEMIBOLD, TRUE, -1));
    }

  /* The titles at one size, on one line, down to three quarters of it;
   * below that they wrap between words. */
  {
    const char *titles[KVP_N_CARDS];

    for (int i = 0; i < KVP_N_CARDS; i++)
      titles[i] = self->cards[i].title;
    title_size = kvp_picture_fit_size (&self->parent, titles, KVP_N_CARDS, title_size, PANGO_WEIGHT_SEMIBOLD, inner);
    title_wrap = -1;
    if (title_size < 0.75 * 13.5 * s->text)
      {
        /* Wrapped between words at three quarters, unless a word alone is
         * too wide: then smaller still, on one line. */
        gboolean whole = TRUE;

        for (int i = 0; i < KVP_N_CARDS && whole; i++)
          {
            KvpText probe = { 0 };

            text_init (&probe, new_layout (self, titles[i], 0.75 * 13.5 * s->text, PANGO_WEIGHT_SEMIBOLD, FALSE,
                                           inner));
            whole = !kvp_text_is_cut (&probe);
            kvp_text_clear (&probe);
          }
        if (whole)
          {
            title_wrap = inner;
            title_size = 0.75 * 13.5 * s->text;
          }
      }
  }

  for (int i = 0; i < KVP_N_CARDS; i++)
    {
      text_init (&self->cards[i].title_text,
                 new_layout (self, self->cards[i].title, title_size, PANGO_WEIGHT_SEMIBOLD, FALSE, title_wrap));
      text_init (&self->cards[i].caption_text, new_layout (self, self->compact ? "" : self->cards[i].caption,
                                                          12.5 * s->text, PANGO_WEIGHT_NORMAL, TRUE, inner));
      lines = MAX (lines, pango_layout_get_line_count (self->cards[i].caption_text.layout));
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
      title_h = MAX (title_h, self->cards[i].title_text.height);
      value_h = MAX (value_h, self->cards[i].value_text.height);
      if (!self->compact)
        caption_h = MAX (caption_h, self->cards[i].caption_text.height);
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
      self->cards[i].title_text.x = cx + pad;
      self->cards[i].title_text.y = ty;
      self->cards[i].value_text.x = cx + pad;
      self->cards[i].value_text.y = ty + title_h + 4 * s->space;
      self->cards[i].caption_text.x = cx + pad;
      self->cards[i].caption_text.y = self->cards[i].value_text.y + value_h + 2 * s->space;
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

/* The legend's next key. */
static void
add_legend_key (KvpScene       *self,
                KvpLegendIndex  kind,
                const char     *text,
                double          size)
{
  g_return_if_fail (self->n_legend < KVP_N_LEGEND);

  self->legend_kind[self->n_legend] = kind;
  init_key (self, &self->legend[self->n_legend++], text, size);
}

/* Past the pool's end nothing is stored: the bars say where it ends, and a
 * label over the mark how big the pool is.  The tracks start track_offset
 * into the panel and span to its pad; *row_y moves under the label when it
 * takes a line of its own. */
static void
layout_pool_mark (KvpScene    *self,
                  const Scale *s,
                  double       x,
                  double       width,
                  double       track_offset,
                  double       scale,
                  double      *row_y)
{
  KvpComparison *cmp = self->cmp;
  double pad = round (20 * s->space);

  self->bar_pool = 0.0;
  /* Where the sequence does not fit, and where the traditional reservation
   * alone is more than the pool (its capacity is 0). */
  if (!cmp->fits || cmp->traditional_bytes > cmp->pool_bytes)
    {
      g_autofree char *pool_size = kvp_format_bytes (cmp->pool_bytes);
      g_autofree char *label = NULL;

      self->bar_pool = cmp->pool_bytes / scale;
      /* Translators: a mark on the byte scale where the block pool ends */
      label = g_strdup_printf (_("the pool ends here: %s"), pool_size);
      /* The tightest picture keeps the mark and leaves its label out. */
      if (self->compact >= 2)
        {
          g_clear_pointer (&label, g_free);
          kvp_text_clear (&self->pool_label);
        }
      /* Above the mark, ending at it, on the heading's line when there is
       * room beside the heading, on a line of its own otherwise. */
      if (label != NULL)
        {
          double track_x = round (x + track_offset);
          double mark = track_x + (round (x + width - pad) - track_x) * self->bar_pool;

          text_init (&self->pool_label, new_layout (self, label, 12 * s->text, PANGO_WEIGHT_SEMIBOLD, TRUE, -1));
          self->pool_label.x = MAX (track_x, mark - self->pool_label.width - 4 * s->space);
          self->pool_label.y = self->bars_heading.y;
          if (self->pool_label.x < self->bars_heading.x + self->bars_heading.width + 12 * s->space)
            {
              self->pool_label.y = *row_y - round (8 * s->space);
              *row_y += self->pool_label.height;
            }
        }
    }
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
  guint64 used_tokens = cmp->params.samples * cmp->params.seq_len;
  g_autofree char *used = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token used", "%s tokens used", used_tokens), used_tokens);
  g_autofree char *unused = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token reserved but unused", "%s tokens reserved but unused", cmp->traditional_waste_tokens), cmp->traditional_waste_tokens);
  g_autofree char *tokens = kvp_format_tokens (used_tokens);
  g_autofree char *blocks = kvp_format_blocks (cmp->blocks_held);
  g_autofree char *in_blocks = NULL;
  /* With samples, each has a last block of its own (or they share it);
   * with a layout, each KV cache group. */
  g_autofree char *slack = kvp_format_counted (cmp->params.samples > 1
                                               ? g_dngettext (GETTEXT_PACKAGE, "%s token of slack in the samples’ last blocks", "%s tokens of slack in the samples’ last blocks", cmp->paged_waste_tokens)
                                               : cmp->params.layout != NULL && cmp->params.layout->num_groups > 1
                                               ? g_dngettext (GETTEXT_PACKAGE, "%s token of slack in the groups’ last blocks", "%s tokens of slack in the groups’ last blocks", cmp->paged_waste_tokens)
                                               : g_dngettext (GETTEXT_PACKAGE, "%s token of slack in the last block", "%s tokens of slack in the last block", cmp->paged_waste_tokens),
                                               cmp->paged_waste_tokens);

  if (cmp->fits && cmp->window_freed_slots > 0)
    /* Translators: "32,768 tokens in 1,281 blocks, less those a window freed":
     * blocks of a sliding window hold its last tokens only */
    in_blocks = g_strdup_printf (C_("tokens in blocks", "%s in %s, less those a window freed"), tokens, blocks);
  else if (cmp->fits)
    /* Translators: "128 tokens in 8 blocks" */
    in_blocks = g_strdup_printf (C_("tokens in blocks", "%s in %s"), tokens, blocks);
  else
    /* Translators: "2,048 tokens would need 128 blocks", when the pool is too small */
    in_blocks = g_strdup_printf (C_("tokens in blocks", "%s would need %s"), tokens, blocks);

  row_y = *y + pad;
  /* The tightest picture leaves the heading out, and the keys below. */
  text_init (&self->bars_heading,
             new_layout (self, self->compact >= 2 ? "" : _("Memory for this sequence, on one byte scale"),
                         13.5 * s->text, PANGO_WEIGHT_SEMIBOLD, FALSE, width - 2 * pad));
  self->bars_heading.x = x + pad;
  self->bars_heading.y = row_y;
  if (self->compact < 2)
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
  layout_pool_mark (self, s, x, width, pad + label_w, scale, &row_y);

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
      /* The cards say the same. */
      if (self->compact >= 2)
        {
          keys_h = 0.0;
          for (int k = 0; k < KVP_N_KEYS; k++)
            {
              kvp_text_clear (&self->bar_key[i][k].text);
              self->bar_key[i][k].swatch = (cairo_rectangle_t) { 0, 0, 0, 0 };
            }
        }
      else
        keys_h = place_keys (self->bar_key[i], KVP_N_KEYS, track_x, self->bar_size[i].y,
                             x + width - pad, round (18 * s->space));
      row_y = self->bar_size[i].y + MAX (self->bar_size[i].height, keys_h);
    }

  self->bars_panel = (cairo_rectangle_t) { x, *y, width, round (row_y + pad - *y) };
  *y += self->bars_panel.height;
}

/* A key for each class of block the grid shows: with samples, their own
 * blocks, the shared prompt (with its reference count) and the copied
 * block; other requests' blocks when the pool holds any. */
static void
layout_legend (KvpScene    *self,
               const Scale *s)
{
  KvpComparison *cmp = self->cmp;
  const KvpParams *p = &cmp->params;
  double size = 12.5 * s->text;

  self->n_legend = 0;
  if (p->samples > 1)
    {
      g_autofree char *samples = g_strdup_printf (_("samples 1–%u, own blocks"), p->samples);
      g_autofree char *shared = g_strdup_printf (_("shared prompt, reference count %u"), p->samples);

      add_legend_key (self, KVP_LEGEND_ALLOCATED, samples, size);
      if (cmp->shared_blocks > 0)
        add_legend_key (self, KVP_LEGEND_SHARED, shared, size);
      if (p->prompt_len % p->block_size != 0 && p->seq_len > p->prompt_len)
        add_legend_key (self, KVP_LEGEND_COW, _("copied on write"), size);
    }
  else
    add_legend_key (self, KVP_LEGEND_ALLOCATED, _("allocated"), size);
  add_legend_key (self, KVP_LEGEND_PARTIAL, _("partly filled"), size);
  /* From the parameters, not the pool: a state between two (no pool) keeps
   * the key, so the legend does not blink during a transition. */
  if (cmp->fits && p->layout == NULL && cmp->usable_blocks <= KVP_POOL_HISTORY_MAX_BLOCKS && cmp->usable_blocks > 1)
    add_legend_key (self, KVP_LEGEND_OTHER, _("other requests"), size);
  /* Why one block of vLLM's pool is never used. */
  if (cmp->usable_blocks < p->num_blocks)
    add_legend_key (self, KVP_LEGEND_NULL, _("null block (vLLM’s block 0)"), size);
  add_legend_key (self, KVP_LEGEND_FREE, _("free"), size);
}

/* The heading and legend row of the grid panel; returns where the blocks
 * may start. */
static double
layout_grid_heading (KvpScene    *self,
                     const Scale *s,
                     double       x,
                     double       y,
                     double       width,
                     const char  *heading)
{
  double pad = round (20 * s->space);
  double inner = width - 2 * pad;
  double row_y = y + pad, legend_w = 0.0, spacing = round (18 * s->space);

  for (guint i = 0; i < self->n_legend; i++)
    legend_w += round (self->legend[i].text.height * 0.62) + spacing * 1.5 + self->legend[i].text.width;
  legend_w -= spacing;

  /* One line, down to four fifths of its size, before it wraps. */
  {
    double size = kvp_picture_fit_size (&self->parent, &heading, 1, 13.5 * s->text, PANGO_WEIGHT_SEMIBOLD, inner);

    text_init (&self->grid_heading,
               new_layout (self, heading, MAX (size, 0.8 * 13.5 * s->text), PANGO_WEIGHT_SEMIBOLD, TRUE, inner));
  }
  self->grid_heading.x = x + pad;
  self->grid_heading.y = row_y;

  /* The legend sits at the right of the heading when both fit on a line. */
  if (self->grid_heading.width + spacing * 2 + legend_w <= inner)
    {
      double ly = row_y + (self->grid_heading.height - self->legend[0].text.height) / 2;

      place_keys (self->legend, self->n_legend, x + width - pad - legend_w, ly, x + width - pad, spacing);
      row_y += self->grid_heading.height;
    }
  else
    {
      row_y += self->grid_heading.height + 4 * s->space;
      row_y += place_keys (self->legend, self->n_legend, x + pad, row_y, x + width - pad, spacing);
    }

  return row_y + round (12 * s->space);
}

/* The notice: what does not fit, then what vLLM does about it.  Smaller
 * type, then a shorter second sentence, until it fits the grid's area; in
 * the smallest pictures it rises over what is above rather than leave it. */
static void
layout_banner (KvpScene                *self,
               const Scale             *s,
               const cairo_rectangle_t *area)
{
  KvpComparison *cmp = self->cmp;
  g_autofree char *needed = kvp_format_blocks (cmp->blocks_held);
  g_autofree char *pool = kvp_format_blocks (cmp->usable_blocks);
  g_autofree char *first = NULL;
  const char *why[] = {
    _("vLLM refuses to start when one request of max_model_len tokens does not fit the KV cache; "
      "while serving, a request that runs out of blocks is preempted: its blocks are freed and it is recomputed later."),
    _("vLLM refuses to start with such a max_model_len; while serving, it preempts requests."),
  };
  const double sizes[] = { 14, 12 };
  double bpad = round (14 * s->space);

  /* Translators: "…: it needs 2,000 blocks, and the pool has 1,024 blocks." */
  first = g_strdup_printf (_("This sequence does not fit: it needs %s, and the pool has %s."),
                           needed, pool);

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      double size = sizes[MIN (attempt, 1)] * s->text;
      double wrap = MIN (area->width - 2 * bpad, (attempt == 0 ? 680 : 900) * s->text);
      g_autofree char *message = g_strconcat (first, "\n", why[attempt < 2 ? 0 : 1], NULL);
      PangoAttrList *attrs = pango_attr_list_new ();
      PangoAttribute *bold = pango_attr_weight_new (PANGO_WEIGHT_BOLD);

      text_init (&self->banner, new_layout (self, message, size, PANGO_WEIGHT_NORMAL, FALSE, wrap));
      bold->start_index = 0;
      bold->end_index = strlen (first);
      pango_attr_list_insert (attrs, bold);
      pango_layout_set_attributes (self->banner.layout, attrs);
      pango_attr_list_unref (attrs);
      pango_layout_set_alignment (self->banner.layout, PANGO_ALIGN_CENTER);
      text_init (&self->banner, g_object_ref (self->banner.layout));

      self->banner_rect.width = MIN (area->width, wrap + 2 * bpad);
      self->banner_rect.height = self->banner.height + 2 * bpad;
      if (self->banner_rect.height <= area->height)
        break;
    }

  self->banner_rect.x = round (area->x + (area->width - self->banner_rect.width) / 2);
  self->banner_rect.y = round (area->y + (area->height - self->banner_rect.height) / 2);
  self->banner_rect.y = MAX (0.0, MIN (self->banner_rect.y, self->parent.height - self->banner_rect.height - bpad));
  /* A wrapped layout is as wide as its wrap width; centre that box. */
  self->banner.x = self->banner_rect.x + bpad;
  self->banner.y = self->banner_rect.y + bpad;
}

/* "Block pool · 8 of 1,024 blocks allocated · 16 tokens per block": in
 * vLLM's pool, of its usable blocks, the null block left out. */
static char *
grid_heading_text (KvpComparison *cmp)
{
  g_autofree char *allocated = NULL;
  g_autofree char *per_block = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token per block", "%s tokens per block", cmp->params.block_size), cmp->params.block_size);
  g_autofree char *used = kvp_format_count (cmp->blocks_used);
  g_autofree char *all = kvp_format_count (cmp->usable_blocks);
  gulong n = (gulong) cmp->usable_blocks;
  gboolean null_block = cmp->usable_blocks < cmp->params.num_blocks;

  /* The grid shows other requests' blocks too: the count says so. */
  if (others_in_pool (cmp) > 0)
    {
      g_autofree char *taken = kvp_format_count (cmp->blocks_used + others_in_pool (cmp));

      if (null_block)
        /* Translators: "600 of 1,023 usable blocks allocated, 8 of them to
         * this sequence"; usable: all but vLLM's null block */
        allocated = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "%s of %s usable block allocated, %s of them to this sequence",
                                                  "%s of %s usable blocks allocated, %s of them to this sequence", n),
                                     taken, all, used);
      else
        /* Translators: "600 of 1,024 blocks allocated, 8 of them to this sequence" */
        allocated = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s block allocated, %s of them to this sequence",
                                                  "%s of %s blocks allocated, %s of them to this sequence", n),
                                     taken, all, used);
    }
  else if (null_block)
    /* Translators: "8 of 28,618 usable blocks allocated"; usable: all but
     * vLLM's null block */
    allocated = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s usable block allocated",
                                              "%s of %s usable blocks allocated", n),
                                 used, all);
  else
    /* Translators: "8 of 1,024 blocks allocated" */
    allocated = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s block allocated",
                                              "%s of %s blocks allocated", n),
                                 used, all);
  /* Translators: "Block pool · 8 of 1,024 blocks allocated · 16 tokens per block" */
  return g_strdup_printf (_("Block pool · %s · %s"), allocated, per_block);
}

static void
layout_grid (KvpScene    *self,
             const Scale *s,
             double       x,
             double       y,
             double       width,
             double       bottom,
             gboolean     with_grid)
{
  KvpComparison *cmp = self->cmp;
  double pad = round (20 * s->space);
  double row_y;
  cairo_rectangle_t area;
  g_autofree char *heading = grid_heading_text (cmp);

  layout_legend (self, s);

  for (int pass = 0; pass < 2; pass++)
    {
      row_y = layout_grid_heading (self, s, x, y, width, heading);
      area.x = round (x + pad);
      area.y = round (row_y);
      area.width = MAX (1.0, round (width - 2 * pad));
      area.height = MAX (1.0, round (bottom - pad - row_y));

      g_clear_pointer (&self->grid, kvp_grid_free);
      self->grid = kvp_grid_new (cmp, self->parent.theme, &area, round (MIN (area.height, 160 * s->space)));
      if (pass > 0 || !kvp_grid_is_by_pixel (self->grid))
        break;

      /* A few held blocks among millions are magnified: the legend says
       * what the ring is. */
      if (cmp->fits && kvp_grid_has_loupe (self->grid, cmp->params.seq_len))
        add_legend_key (self, KVP_LEGEND_LOUPE, _("held cells, magnified"), 12.5 * s->text);

      /* Cells of many blocks: the heading says how many. */
      {
        guint32 k = kvp_grid_get_blocks_per_cell (self->grid);
        g_autofree char *scale = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "1 cell = %s block", "1 cell = %s blocks", k), k);
        g_autofree char *first = g_steal_pointer (&heading);

        heading = g_strdup_printf ("%s · %s", first, scale);
      }
    }

  self->grid_panel = (cairo_rectangle_t) { x, y, width, MAX (bottom - y, row_y + area.height + pad - y) };
  if (!with_grid)
    g_clear_pointer (&self->grid, kvp_grid_free);

  self->show_banner = !cmp->fits;
  if (self->show_banner)
    layout_banner (self, s, &area);
}

static void
build (KvpScene *self,
       gboolean  with_grid)
{
  Scale s;
  double unit = self->parent.unit;
  double margin, gap, width, y;

  s.text = MAX (unit, 0.8);
  s.space = MAX (unit, 0.6);

  margin = round (28 * s.space);
  gap = round (18 * s.space);
  width = self->parent.width - 2 * margin;

  write_card_texts (self);
  /* Laid out again, compact (no subtitle, no card captions), then tight (no
   * bar keys either), when what is above would leave the grid less than a
   * usable height. */
  for (self->compact = 0;; self->compact++)
    {
      y = margin;
      layout_header (self, &s, margin, &y, width);
      y += gap;
      layout_cards (self, &s, margin, &y, width);
      y += gap;
      layout_bars (self, &s, margin, &y, width);
      y += gap;
      if (self->compact >= 2 ||
          self->parent.height - margin - y >= MAX (round (150 * s.space), 0.3 * self->parent.height))
        break;
    }
  layout_grid (self, &s, margin, y, width, self->parent.height - margin, with_grid);
}

static void scene_finalize (KvpPicture *picture);

static double
scene_get_duration (KvpPicture *picture)
{
  return kvp_scene_get_duration ((KvpScene *) picture);
}

static void
scene_paint (KvpPicture *picture,
             cairo_t    *cr,
             double      t)
{
  kvp_paint_scene (cr, (KvpScene *) picture, t);
}

static char *
scene_dup_description (KvpPicture *picture)
{
  return kvp_scene_dup_description ((KvpScene *) picture);
}

static const KvpPictureClass scene_class = {
  scene_finalize,
  scene_get_duration,
  scene_paint,
  scene_dup_description,
};

static KvpScene *
scene_new (KvpComparison  *cmp,
           const KvpTheme *theme,
           double          width,
           double          height,
           gboolean        with_grid)
{
  KvpScene *self = g_atomic_rc_box_new0 (KvpScene);

  kvp_picture_init (&self->parent, &scene_class, theme, width, height);
  self->cmp = kvp_comparison_ref (cmp);
  self->prepared = TRUE;
  self->device_scale = 1.0;

  build (self, with_grid);
  self->timeline = kvp_timeline_new_launch (cmp->params.seq_len, cmp->params.max_seq_len);

  return self;
}

KvpScene *
kvp_scene_new (KvpComparison  *cmp,
               const KvpTheme *theme,
               double          width,
               double          height)
{
  g_return_val_if_fail (cmp != NULL, NULL);
  g_return_val_if_fail (theme != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  return scene_new (cmp, theme, width, height, TRUE);
}

static KvpPicture *
build_from_source (gpointer        data,
                   const KvpTheme *theme,
                   double          width,
                   double          height)
{
  return KVP_PICTURE (kvp_scene_new (data, theme, width, height));
}

KvpPictureSource *
kvp_scene_source_new (KvpComparison *cmp)
{
  g_return_val_if_fail (cmp != NULL, NULL);

  return kvp_picture_source_new (_("KV cache memory: traditional vs PagedAttention"), build_from_source,
                                 kvp_comparison_ref (cmp), (GDestroyNotify) kvp_comparison_unref);
}

KvpScene *
kvp_scene_ref (KvpScene *self)
{
  return (KvpScene *) kvp_picture_ref (KVP_PICTURE (self));
}

void
kvp_scene_unref (KvpScene *self)
{
  kvp_picture_unref (KVP_PICTURE (self));
}

static void
scene_finalize (KvpPicture *picture)
{
  KvpScene *self = (KvpScene *) picture;

  g_clear_pointer (&self->previous, kvp_scene_unref);
  g_clear_pointer (&self->shown, kvp_scene_unref);
  g_clear_pointer (&self->timeline, kvp_timeline_free);
  kvp_text_clear (&self->title);
  kvp_text_clear (&self->subtitle);
  for (int i = 0; i < KVP_N_CARDS; i++)
    kvp_card_texts_clear (&self->cards[i]);
  kvp_text_clear (&self->bars_heading);
  kvp_text_clear (&self->pool_label);
  for (int i = 0; i < KVP_N_BARS; i++)
    {
      kvp_text_clear (&self->bar_label[i]);
      kvp_text_clear (&self->bar_size[i]);
      for (int k = 0; k < KVP_N_KEYS; k++)
        kvp_text_clear (&self->bar_key[i][k].text);
    }
  kvp_text_clear (&self->grid_heading);
  for (int i = 0; i < KVP_N_LEGEND; i++)
    kvp_text_clear (&self->legend[i].text);
  kvp_text_clear (&self->banner);
  g_clear_pointer (&self->grid, kvp_grid_free);
  g_clear_pointer (&self->cmp, kvp_comparison_unref);
}

void
kvp_scene_set_previous (KvpScene *self,
                        KvpScene *previous,
                        double    previous_t)
{
  KvpParams *p;
  KvpScene *stand_in = NULL;

  g_return_if_fail (self != NULL);

  if (previous == self)
    return;

  p = &self->cmp->params;
  g_clear_pointer (&self->timeline, kvp_timeline_free);
  g_clear_pointer (&self->shown, kvp_scene_unref);
  if (previous != NULL)
    {
      KvpFrame from;

      /* Start from the state on screen at previous_t, mid-transition or not. */
      kvp_scene_get_frame (previous, previous_t, &from);
      self->timeline = kvp_timeline_new_change (&from, p->seq_len, p->max_seq_len);

      /* Only a grid to stand in is needed from it: its own, or, while that
       * is still being built, the one standing in for it.  Chains of
       * scenes never grow. */
      stand_in = previous->prepared || previous->previous == NULL ? previous : previous->previous;
      kvp_scene_ref (stand_in);
      g_clear_pointer (&previous->previous, kvp_scene_unref);
      g_clear_pointer (&previous->shown, kvp_scene_unref);
    }
  else
    self->timeline = kvp_timeline_new_launch (p->seq_len, p->max_seq_len);

  g_clear_pointer (&self->previous, kvp_scene_unref);
  self->previous = stand_in;
}

double
kvp_scene_get_duration (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return kvp_timeline_get_duration (self->timeline);
}

void
kvp_scene_get_frame (KvpScene *self,
                     double    t,
                     KvpFrame *out_frame)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out_frame != NULL);

  kvp_timeline_frame_at (self->timeline, t, out_frame);
}

KvpScene *
kvp_scene_get_shown (KvpScene       *self,
                     const KvpFrame *frame)
{
  KvpParams params;
  g_autoptr(KvpComparison) figures = NULL;
  g_autoptr(GError) error = NULL;

  if (frame->seq_len == self->cmp->params.seq_len && frame->max_seq_len == self->cmp->params.max_seq_len)
    return self;
  if (self->shown != NULL && frame->seq_len == self->shown->cmp->params.seq_len &&
      frame->max_seq_len == self->shown->cmp->params.max_seq_len)
    return self->shown;

  params = self->cmp->params;
  params.seq_len = frame->seq_len;
  params.max_seq_len = frame->max_seq_len;
  /* The launch grows the samples from nothing: their shared prompt too. */
  params.prompt_len = MIN (params.prompt_len, params.seq_len);
  figures = kvp_comparison_new_figures (&params, &error);
  if (figures == NULL)
    {
      /* Between two valid states every state is valid; never seen. */
      g_critical ("No figures between two states: %s", error->message);
      return self;
    }

  g_clear_pointer (&self->shown, kvp_scene_unref);
  self->shown = scene_new (figures, self->parent.theme, self->parent.width, self->parent.height, FALSE);

  return self->shown;
}

/* The grid's picture for the first frame: t = 0 of the scene's timeline. */
static void
prepare_grid (KvpScene *self)
{
  KvpFrame frame;

  kvp_scene_get_frame (self, 0.0, &frame);
  kvp_grid_prepare (self->grid, frame.grid_tokens, self->device_scale);
}

void
kvp_scene_set_device_scale (KvpScene *self,
                            double    scale)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (scale > 0.0);

  self->device_scale = scale;
}

void
kvp_scene_prepare (KvpScene *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->prepared);

  prepare_grid (self);
}

static void
prepare_thread_cb (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  if (g_task_return_error_if_cancelled (task))
    return;

  /* On a grid no other thread touches until kvp_scene_prepare_finish. */
  prepare_grid (task_data);
  g_task_return_boolean (task, TRUE);
}

void
kvp_scene_prepare_async (KvpScene            *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->prepared);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, kvp_scene_prepare_async);
  g_task_set_task_data (task, kvp_scene_ref (self), (GDestroyNotify) kvp_scene_unref);
  /* Until it is back, the grid belongs to the worker. */
  self->prepared = FALSE;
  g_task_run_in_thread (task, prepare_thread_cb);
}

gboolean
kvp_scene_prepare_finish (KvpScene      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  /* The worker is done with the grid, whatever it returned. */
  self->prepared = TRUE;
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
kvp_scene_is_prepared (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->prepared;
}

const KvpCardTexts *
kvp_scene_get_card (KvpScene *self,
                    KvpCard   card)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (card < KVP_N_CARDS, NULL);

  return &self->cards[card];
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
                              self->cards[i].title, self->cards[i].value, self->cards[i].caption);
    }
  /* Who holds the blocks, as the grid's colours and counts show it. */
  if (self->cmp->fits && self->cmp->params.samples > 1)
    {
      const KvpComparison *cmp = self->cmp;
      g_autofree char *shared = kvp_format_count (cmp->shared_blocks);
      g_autofree char *own = kvp_format_count (cmp->own_blocks);
      g_autofree char *saving = kvp_format_percent (cmp->sharing_saving_percent);

      g_string_append_c (text, ' ');
      /* Translators: "4 samples share 6 blocks of the prompt, each with reference count 4; their own blocks: 16; sharing saves 45.00 % of the blocks." */
      g_string_append_printf (text, _("%u samples share %s blocks of the prompt, each with reference count %u; "
                                      "their own blocks: %s; sharing saves %s of the blocks."),
                              cmp->params.samples, shared, cmp->params.samples, own, saving);
    }
  if (others_in_pool (self->cmp) > 0)
    {
      g_autofree char *others = kvp_format_count (others_in_pool (self->cmp));

      g_string_append_c (text, ' ');
      /* Translators: the blocks of other requests among which the sequence's sit */
      g_string_append_printf (text, _("Other requests hold %s blocks of the pool, among which this sequence’s blocks sit."), others);
    }
  if (self->show_banner)
    {
      g_string_append_c (text, ' ');
      g_autofree char *banner = g_strdup (pango_layout_get_text (self->banner.layout));

      g_string_append (text, g_strdelimit (banner, "\n", ' '));
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

guint32
kvp_scene_get_n_cells (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return kvp_grid_get_n_cells (self->grid);
}

guint32
kvp_scene_get_grid_columns (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return kvp_grid_get_columns (self->grid);
}

guint32
kvp_scene_get_blocks_per_cell (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return kvp_grid_get_blocks_per_cell (self->grid);
}

gboolean
kvp_scene_get_cell_at (KvpScene *self,
                       double    x,
                       double    y,
                       guint32  *out_cell)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return kvp_grid_get_cell_at (self->grid, x, y, out_cell);
}

gboolean
kvp_scene_get_cell_rect (KvpScene          *self,
                         guint32            cell,
                         cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return kvp_grid_get_cell_rect (self->grid, cell, out_rect);
}

/* Who holds a held block, its reference count and its fill: the tooltip and
 * what a screen reader hears. */
static char *
describe_block (KvpScene *self,
                guint32   block)
{
  KvpComparison *cmp = self->cmp;
  KvpBlockPool *pool = cmp->pool;
  const KvpParams *p = &cmp->params;
  KvpSeqId seq = 0;
  guint32 logical = 0;
  int sample;
  guint refs = kvp_block_pool_get_ref_count (pool, block);
  g_autofree char *block_text = kvp_format_count (block);
  g_autofree char *logical_text = NULL;
  g_autofree char *holder = NULL;
  g_autofree char *fill = NULL;

  kvp_block_pool_get_owner (pool, block, &seq, &logical);
  logical_text = kvp_format_count (logical);
  sample = kvp_comparison_get_sample (cmp, seq);
  if (sample < 0)
    /* Translators: a tooltip line: a block of a request of the pool's history */
    holder = g_strdup_printf (_("Another request’s logical block %s"), logical_text);
  else if (p->samples <= 1)
    /* Translators: a tooltip line: a block of the sequence shown */
    holder = g_strdup_printf (_("This sequence’s logical block %s"), logical_text);
  else if (refs > 1)
    /* Translators: a tooltip line: "The shared prompt’s logical block 3, held by all 4 samples" */
    holder = g_strdup_printf (_("The shared prompt’s logical block %s, held by all %u samples"), logical_text, refs);
  else if (p->prompt_len % p->block_size != 0 && logical == p->prompt_len / p->block_size)
    /* Translators: a tooltip line: "Sample 2’s logical block 6: its copy of the prompt’s last block" */
    holder = g_strdup_printf (_("Sample %d’s logical block %s: its copy of the prompt’s last block, made on its first write"),
                              sample + 1, logical_text);
  else
    /* Translators: a tooltip line: "Sample 2’s logical block 7" */
    holder = g_strdup_printf (_("Sample %d’s logical block %s"), sample + 1, logical_text);

  /* Translators: a tooltip line: "Reference count 4 · 16 of 16 tokens filled" */
  fill = g_strdup_printf (_("Reference count %u · %u of %u tokens filled"), refs,
                          kvp_block_pool_get_fill (pool, block), kvp_block_pool_get_block_size (pool));
  /* Translators: a tooltip over one block: "Physical block 12", who holds it, its count and fill */
  return g_strdup_printf (_("Physical block %s\n%s\n%s"), block_text, holder, fill);
}

char *
kvp_scene_dup_cell_text (KvpScene *self,
                         guint32   cell)
{
  KvpBlockPool *pool;
  guint32 first, count;
  g_autofree char *first_text = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (cell < kvp_grid_get_n_cells (self->grid), NULL);

  pool = self->cmp->pool;
  kvp_grid_get_cell_blocks (self->grid, cell, &first, &count);
  first_text = kvp_format_count (first);

  if (count == 1)
    {
      if (first == 0 && self->cmp->usable_blocks < self->cmp->params.num_blocks)
        /* Translators: a tooltip over block 0 of vLLM's pool, "Physical block 0\n…" */
        return g_strdup_printf (_("Physical block %s\nvLLM’s null block: its BlockPool takes it for itself, so no "
                                  "request ever gets it and the usage counts the other blocks"), first_text);
      if (pool != NULL && kvp_block_pool_get_ref_count (pool, first) > 0)
        return describe_block (self, first);
      /* Translators: a tooltip over a block no sequence holds. */
      return g_strdup_printf (_("Physical block %s\nFree"), first_text);
    }

  {
    /* The cell of vLLM's null block shows the sequence once it holds some
     * (kvp-grid.c ranks the holders): the text says where block 0 is, and
     * its slots, which no request gets, are not among the cell's. */
    gboolean null_block = first == 0 && self->cmp->usable_blocks < self->cmp->params.num_blocks;
    guint64 held = 0, slots = (guint64) (count - (null_block ? 1 : 0)) * self->cmp->params.block_size;
    guint32 allocated = 0;
    g_autofree char *text = NULL;
    g_autofree char *last_text = kvp_format_count ((guint64) first + count - 1);
    g_autofree char *scale = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "1 cell = %s block", "1 cell = %s blocks", count), count);
    g_autofree char *held_text = NULL;
    g_autofree char *slots_text = kvp_format_count (slots);
    g_autofree char *allocated_text = NULL;

    for (guint32 b = first; pool != NULL && b < first + count; b++)
      if (kvp_block_pool_get_owner (pool, b, NULL, NULL))
        {
          allocated++;
          held += kvp_block_pool_get_fill (pool, b);
        }
    held_text = kvp_format_count (held);
    allocated_text = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s block allocated", "%s blocks allocated", allocated), allocated);

    /* Translators: a tooltip over a cell of many blocks: "Physical blocks
     * 0–41 (1 cell = 42 blocks)", "8 blocks allocated", "128 of 672 token
     * slots filled". */
    text = g_strdup_printf (_("Physical blocks %s–%s (%s)\n%s\n%s of %s token slots filled"),
                            first_text, last_text, scale, allocated_text, held_text, slots_text);
    if (!null_block)
      return g_steal_pointer (&text);
    /* Translators: the last line of a tooltip over the cell of many blocks
     * that holds block 0 of vLLM's pool. */
    return g_strdup_printf ("%s\n%s", text, _("Block 0 is vLLM’s null block: no request ever gets it, so its "
                                              "token slots are not counted"));
  }
}

gboolean
kvp_scene_get_slot_rect (KvpScene          *self,
                         guint32            block,
                         guint32            slot,
                         cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return kvp_grid_get_slot_rect (self->grid, block, slot, out_rect);
}

KvpScene *
kvp_scene_get_frame_scene (KvpScene *self,
                           double    t)
{
  KvpFrame frame;

  g_return_val_if_fail (self != NULL, NULL);

  kvp_scene_get_frame (self, t, &frame);
  return kvp_scene_get_shown (self, &frame);
}

KvpComparison *
kvp_scene_get_comparison (KvpScene *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->cmp;
}

guint32
kvp_scene_count_held_blocks (KvpScene *self,
                             guint32   cell)
{
  KvpBlockPool *pool;
  guint32 first, count, held = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (cell < kvp_grid_get_n_cells (self->grid), 0);

  pool = self->cmp->pool;
  if (pool == NULL)
    return 0;

  kvp_grid_get_cell_blocks (self->grid, cell, &first, &count);
  for (guint32 b = first; b < first + count; b++)
    {
      KvpSeqId seq;

      held += kvp_block_pool_get_owner (pool, b, &seq, NULL) && kvp_comparison_get_sample (self->cmp, seq) >= 0;
    }

  return held;
}

gboolean
kvp_scene_get_notice_rect (KvpScene          *self,
                           cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  if (!self->show_banner)
    return FALSE;

  *out_rect = self->banner_rect;
  return TRUE;
}
