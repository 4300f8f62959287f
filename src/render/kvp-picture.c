/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-picture.c: the part of a scene every view shares — reference count,
 * size, palette, the Pango context its texts are measured with — and the
 * source an export lays a picture out from. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-draw.h"
#include "kvp-picture.h"

/* No hinting: text measures the same at every scale and on every surface,
 * so the window, a PNG at scale 2 and an SVG share one layout. */
static void
set_font_options (PangoContext *context)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);
  pango_cairo_context_set_resolution (context, 96.0);
}

void
kvp_picture_init (KvpPicture            *self,
                  const KvpPictureClass *klass,
                  const KvpTheme        *theme,
                  double                 width,
                  double                 height)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (klass != NULL);
  g_return_if_fail (theme != NULL);

  self->klass = klass;
  self->theme = theme;
  self->width = width;
  self->height = height;
  self->unit = MIN (width / KVP_PICTURE_REFERENCE_WIDTH, height / KVP_PICTURE_REFERENCE_HEIGHT);

  self->pango = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  set_font_options (self->pango);
}

static void
picture_clear (KvpPicture *self)
{
  g_clear_object (&self->pango);
  self->klass->finalize (self);
}

KvpPicture *
kvp_picture_ref (KvpPicture *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
kvp_picture_unref (KvpPicture *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) picture_clear);
}

/* The fields are public (a scene starts with them); these read them for
 * callers that hold a scene of either view. */
const KvpTheme *
kvp_picture_get_theme (KvpPicture *self)
{
  return self->theme;
}

double
kvp_picture_get_width (KvpPicture *self)
{
  return self->width;
}

double
kvp_picture_get_height (KvpPicture *self)
{
  return self->height;
}

double
kvp_picture_get_duration (KvpPicture *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->klass->get_duration (self);
}

void
kvp_picture_paint (KvpPicture *self,
                   cairo_t    *cr,
                   double      t)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (cr != NULL);

  self->klass->paint (self, cr, MIN (t, self->klass->get_duration (self)));
}

char *
kvp_picture_dup_description (KvpPicture *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->klass->dup_description (self);
}

/* layout set to text in the theme's font, as kvp_picture_new_layout () says. */
static PangoLayout *
set_layout (PangoLayout    *layout,
            const KvpTheme *theme,
            const char     *text,
            double          size,
            PangoWeight     weight,
            KvpTextFlags    flags,
            double          width)
{
  PangoFontDescription *font = pango_font_description_from_string (theme->font_family);

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, weight);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);

  if (flags & KVP_TEXT_TABULAR)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }

  if (width > 0.0)
    {
      pango_layout_set_width (layout, (int) floor (width * PANGO_SCALE));
      if (flags & KVP_TEXT_ELLIPSIZE)
        pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      else
        pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }

  pango_layout_set_text (layout, text, -1);

  return layout;
}

PangoLayout *
kvp_picture_new_layout (KvpPicture   *self,
                        const char   *text,
                        double        size,
                        PangoWeight   weight,
                        KvpTextFlags  flags,
                        double        width)
{
  g_return_val_if_fail (self != NULL && text != NULL, NULL);

  return set_layout (pango_layout_new (self->pango), self->theme, text, size, weight, flags, width);
}

PangoLayout *
kvp_picture_new_paint_layout (cairo_t        *cr,
                              const KvpTheme *theme,
                              const char     *text,
                              double          size,
                              PangoWeight     weight,
                              KvpTextFlags    flags,
                              double          width)
{
  PangoLayout *layout;

  g_return_val_if_fail (cr != NULL && theme != NULL && text != NULL, NULL);

  layout = pango_cairo_create_layout (cr);
  set_font_options (pango_layout_get_context (layout));
  pango_layout_context_changed (layout);
  return set_layout (layout, theme, text, size, weight, flags, width);
}

void
kvp_text_set (KvpText     *text,
              PangoLayout *layout,
              double       x,
              double       y)
{
  PangoRectangle logical;

  g_clear_object (&text->layout);
  text->layout = layout;
  pango_layout_get_extents (layout, NULL, &logical);
  text->width = (double) logical.width / PANGO_SCALE;
  text->height = (double) logical.height / PANGO_SCALE;
  text->x = x;
  text->y = y;
}

void
kvp_text_clear (KvpText *text)
{
  g_clear_object (&text->layout);
}

gboolean
kvp_text_is_cut (const KvpText *text)
{
  const PangoLogAttr *attrs;
  const char *string;
  int n_attrs;
  GSList *lines;

  if (text->layout == NULL)
    return FALSE;
  if (pango_layout_is_ellipsized (text->layout))
    return TRUE;

  /* Every line after the first starts where a line may break. */
  string = pango_layout_get_text (text->layout);
  attrs = pango_layout_get_log_attrs_readonly (text->layout, &n_attrs);
  lines = pango_layout_get_lines_readonly (text->layout);
  for (GSList *l = lines != NULL ? lines->next : NULL; l != NULL; l = l->next)
    {
      PangoLayoutLine *line = l->data;
      glong offset = g_utf8_pointer_to_offset (string, string + line->start_index);

      if (offset < n_attrs && !attrs[offset].is_line_break)
        return TRUE;
    }

  return FALSE;
}

static double
widest_at (KvpPicture         *self,
           const char * const *strings,
           guint               n,
           double              size,
           PangoWeight         weight)
{
  double widest = 0.0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PangoLayout) layout = kvp_picture_new_layout (self, strings[i], size, weight, KVP_TEXT_TABULAR, -1);
      PangoRectangle logical;

      pango_layout_get_extents (layout, NULL, &logical);
      widest = MAX (widest, (double) logical.width / PANGO_SCALE);
    }

  return widest;
}

double
kvp_picture_fit_size (KvpPicture         *self,
                      const char * const *strings,
                      guint               n,
                      double              size,
                      PangoWeight         weight,
                      double              width)
{
  double widest;

  g_return_val_if_fail (self != NULL, size);

  /* Text scales nearly with its size; the last steps check it. */
  widest = widest_at (self, strings, n, size, weight);
  if (widest <= width || widest <= 0.0 || width <= 0.0)
    return size;
  size *= width / widest;
  for (int i = 0; i < 8 && widest_at (self, strings, n, size, weight) > width; i++)
    size *= 0.98;

  return size;
}

void
kvp_text_paint (cairo_t        *cr,
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

void
kvp_picture_paint_panel (cairo_t                 *cr,
                         KvpPicture              *self,
                         const cairo_rectangle_t *rect,
                         double                   radius)
{
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, rect->x, rect->y, rect->width, rect->height, radius);
  kvp_draw_set_color (cr, &self->theme->card, 1.0);
  cairo_fill (cr);

  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, rect->x + 0.5, rect->y + 0.5, rect->width - 1.0, rect->height - 1.0,
                         radius - 0.5);
  kvp_draw_set_color (cr, &self->theme->card_border, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

void
kvp_card_texts_clear (KvpCardTexts *card)
{
  g_clear_pointer (&card->title, g_free);
  g_clear_pointer (&card->value, g_free);
  g_clear_pointer (&card->caption, g_free);
  kvp_text_clear (&card->title_text);
  kvp_text_clear (&card->value_text);
  kvp_text_clear (&card->caption_text);
}

struct _KvpPictureSource
{
  char               *title;
  KvpPictureBuildFunc build;
  gpointer            data;
  GDestroyNotify      destroy;
};

KvpPictureSource *
kvp_picture_source_new (const char          *title,
                        KvpPictureBuildFunc  build,
                        gpointer             data,
                        GDestroyNotify       destroy)
{
  KvpPictureSource *self;

  g_return_val_if_fail (title != NULL, NULL);
  g_return_val_if_fail (build != NULL, NULL);

  self = g_atomic_rc_box_new0 (KvpPictureSource);
  self->title = g_strdup (title);
  self->build = build;
  self->data = data;
  self->destroy = destroy;

  return self;
}

static void
source_clear (KvpPictureSource *self)
{
  if (self->destroy != NULL)
    self->destroy (self->data);
  g_free (self->title);
}

KvpPictureSource *
kvp_picture_source_ref (KvpPictureSource *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
kvp_picture_source_unref (KvpPictureSource *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) source_clear);
}

const char *
kvp_picture_source_get_title (KvpPictureSource *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->title;
}

KvpPicture *
kvp_picture_source_build (KvpPictureSource *self,
                          const KvpTheme   *theme,
                          double            width,
                          double            height)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (theme != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  return self->build (self->data, theme, width, height);
}

const char *
kvp_picture_scheme_title (KvpScheme scheme)
{
  switch (scheme)
    {
    case KVP_SCHEME_MAX:
      /* Translators: the reserve-ahead scheme that reserves the maximum length. */
      return C_("scheme", "Max");
    case KVP_SCHEME_POW2:
      /* Translators: the reserve-ahead scheme that rounds up to a power of two. */
      return C_("scheme", "Pow2");
    case KVP_SCHEME_ORACLE:
      /* Translators: the reserve-ahead scheme that knows each output length. */
      return C_("scheme", "Oracle");
    case KVP_SCHEME_PAGED:
    case KVP_N_SCHEMES:
    default:
      return _("PagedAttention");
    }
}
