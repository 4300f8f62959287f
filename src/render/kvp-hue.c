/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-hue.c: per-request colours from the golden angle, in HSL. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include "kvp-hue.h"

#define GOLDEN_ANGLE 137.50776405003785

static double
hue_channel (double p,
             double q,
             double h)
{
  if (h < 0.0)
    h += 1.0;
  if (h > 1.0)
    h -= 1.0;
  if (h < 1.0 / 6.0)
    return p + (q - p) * 6.0 * h;
  if (h < 0.5)
    return q;
  if (h < 2.0 / 3.0)
    return p + (q - p) * (2.0 / 3.0 - h) * 6.0;
  return p;
}

static KvpColor
from_hsl (double h,
          double s,
          double l)
{
  double q = l < 0.5 ? l * (1.0 + s) : l + s - l * s;
  double p = 2.0 * l - q;

  return (KvpColor) { hue_channel (p, q, h + 1.0 / 3.0), hue_channel (p, q, h),
                      hue_channel (p, q, h - 1.0 / 3.0), 1.0 };
}

KvpColor
kvp_hue_request_color (const KvpTheme *theme,
                       guint32         id)
{
  /* Start at the paged gradient's purple, so request 0 matches the
   * sequence view's first block. */
  double hue = fmod (271.0 + id * GOLDEN_ANGLE, 360.0) / 360.0;
  gboolean dark = theme->variant == KVP_THEME_DARK;
  double light[3] = { 0.50, 0.64, 0.42 };
  double sat[3] = { 0.72, 0.80, 0.62 };

  /* Dark backgrounds need lighter shades to keep the same contrast. */
  return from_hsl (hue, sat[id % 3], light[id % 3] + (dark ? 0.10 : 0.0));
}

KvpColor
kvp_hue_mix (const KvpColor *a,
             const KvpColor *b,
             double          amount)
{
  return (KvpColor) { a->red + (b->red - a->red) * amount,
                      a->green + (b->green - a->green) * amount,
                      a->blue + (b->blue - a->blue) * amount, 1.0 };
}
