/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-paint.h: the capacity picture of a sweep (the paper's
 * Figure 12), painted whole at a size. */

#pragma once

#include <cairo.h>

#include "kvp-sweep.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

void kvp_capacity_paint (cairo_t        *cr,
                         KvpSweep       *sweep,
                         const KvpTheme *theme,
                         int             width,
                         int             height);

G_END_DECLS
