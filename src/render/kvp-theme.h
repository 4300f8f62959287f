/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-theme.h: the palette and font of the picture, light and dark. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double red, green, blue, alpha;
} KvpColor;

typedef enum
{
  KVP_THEME_LIGHT,
  KVP_THEME_DARK,
} KvpThemeVariant;

typedef struct
{
  KvpThemeVariant variant;
  const char     *font_family;   /* one list, used everywhere */

  KvpColor        background;
  KvpColor        card;
  KvpColor        card_border;
  KvpColor        text;
  KvpColor        text_secondary;

  KvpColor        traditional;       /* #6b7280 */
  KvpColor        traditional_light; /* #9ca3af */
  KvpColor        paged_start;       /* #a855f7 */
  KvpColor        paged_end;         /* #ec4899 */
  KvpColor        saved;             /* #22c55e */
  KvpColor        utilization;       /* #ec4899 */
  KvpColor        unused;            /* red, translucent */
  KvpColor        free_block;        /* neutral gray */
} KvpTheme;

const KvpTheme *kvp_theme_get              (KvpThemeVariant  variant);
gboolean        kvp_theme_variant_from_string (const char   *name,
                                            KvpThemeVariant *out_variant,
                                            GError         **error);
/* The colour along the allocated-block gradient, position 0 … 1. */
KvpColor        kvp_theme_paged_at         (const KvpTheme  *theme,
                                            double           position);

G_END_DECLS
