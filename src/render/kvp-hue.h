/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-hue.h: a stable, distinct colour per request of a serving run, for the
 * light and the dark theme, and the lighter shades its slot classes take. */

#pragma once

#include <glib.h>

#include "kvp-theme.h"

G_BEGIN_DECLS

/* The colour of request id: hues a golden angle apart, so neighbours in
 * arrival order never look alike, with lightness and saturation alternating
 * so that hues that come round again still differ.  The same id has the same
 * colour at every step and in every picture of a theme. */
KvpColor kvp_hue_request_color (const KvpTheme *theme,
                                guint32         id);
/* a mixed towards b: 0 gives a, 1 gives b (opaque). */
KvpColor kvp_hue_mix           (const KvpColor *a,
                                const KvpColor *b,
                                double          amount);

G_END_DECLS
