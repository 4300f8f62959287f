/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-paint.h: draws a serving scene at time t (seconds since its
 * step changed): the same call draws the window and the exports. */

#pragma once

#include <cairo.h>

#include "kvp-serving-scene.h"

G_BEGIN_DECLS

/* No request is selected. */
#define KVP_SERVING_NO_REQUEST G_MAXUINT32

/* Paints the whole view; selected (or KVP_SERVING_NO_REQUEST) is the
 * request whose blocks are outlined and whose block table is shown next to
 * them. */
void kvp_serving_paint (cairo_t         *cr,
                        KvpServingScene *scene,
                        double           t,
                        guint32          selected);

G_END_DECLS
