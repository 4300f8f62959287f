/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-theme.c: the two palettes of the picture.  The light one uses the seed
 * colours as they are; the dark one shifts them only as far as contrast on a
 * dark background needs, so every colour keeps its meaning. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-theme.h"

#define RGB(hex) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0, 1.0 }
#define RGBA(hex, a) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0, (a) }

/* Inter is what the exports are made with (Debian: fonts-inter); the rest is
 * what a GNOME desktop or a bare system has when Inter is missing. */
#define FONT_FAMILY "Inter, Cantarell, DejaVu Sans, sans-serif"

static const KvpTheme light_theme = {
  .variant = KVP_THEME_LIGHT,
  .font_family = FONT_FAMILY,

  .background = RGB (0xfafafb),
  .card = RGB (0xffffff),
  .card_border = RGBA (0x000000, 0.09),
  .text = RGB (0x1f2328),
  .text_secondary = RGB (0x5c6370),

  .traditional = RGB (0x6b7280),
  .traditional_light = RGB (0x9ca3af),
  .paged_start = RGB (0xa855f7),
  .paged_end = RGB (0xec4899),
  .saved = RGB (0x22c55e),
  .utilization = RGB (0xec4899),
  .unused = RGBA (0xef4444, 0.30),
  .free_block = RGB (0xe4e6eb),
};

static const KvpTheme dark_theme = {
  .variant = KVP_THEME_DARK,
  .font_family = FONT_FAMILY,

  .background = RGB (0x1d1d21),
  .card = RGB (0x2a2a30),
  .card_border = RGBA (0xffffff, 0.08),
  .text = RGB (0xf3f4f6),
  .text_secondary = RGB (0xa3a8b3),

  /* On dark the lighter gray carries the "traditional" weight. */
  .traditional = RGB (0x9ca3af),
  .traditional_light = RGB (0x6b7280),
  .paged_start = RGB (0xb26bf8),
  .paged_end = RGB (0xee5aa5),
  .saved = RGB (0x34d36d),
  .utilization = RGB (0xee5aa5),
  .unused = RGBA (0xf87171, 0.34),
  .free_block = RGB (0x3a3b42),
};

const KvpTheme *
kvp_theme_get (KvpThemeVariant variant)
{
  return variant == KVP_THEME_DARK ? &dark_theme : &light_theme;
}

gboolean
kvp_theme_variant_from_string (const char      *name,
                               KvpThemeVariant *out_variant,
                               GError         **error)
{
  KvpThemeVariant variant;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_ascii_strcasecmp (name, "light") == 0)
    variant = KVP_THEME_LIGHT;
  else if (g_ascii_strcasecmp (name, "dark") == 0)
    variant = KVP_THEME_DARK;
  else
    {
      g_autofree char *quoted = kvp_quote (name);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("Unknown theme “%s”: use light or dark."), quoted);
      return FALSE;
    }

  if (out_variant != NULL)
    *out_variant = variant;

  return TRUE;
}

KvpColor
kvp_theme_paged_at (const KvpTheme *theme,
                    double          position)
{
  KvpColor c;
  double p;

  g_return_val_if_fail (theme != NULL, (KvpColor) { 0 });

  p = CLAMP (position, 0.0, 1.0);
  c.red = theme->paged_start.red + (theme->paged_end.red - theme->paged_start.red) * p;
  c.green = theme->paged_start.green + (theme->paged_end.green - theme->paged_start.green) * p;
  c.blue = theme->paged_start.blue + (theme->paged_end.blue - theme->paged_start.blue) * p;
  c.alpha = 1.0;

  return c;
}
