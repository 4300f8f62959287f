/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-panel-scroll.h: the mouse wheel over the side panel scrolls the panel;
 * it moves a slider or a spin button only once that control has the focus. */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void     kvp_panel_scroll_attach (GtkScrolledWindow *panel);
/* What the wheel does, dy steps down, with target under the pointer: TRUE
 * when it scrolled panel (target is or is inside a slider or spin button
 * without the focus); FALSE when target's own handling is left to run. */
gboolean kvp_panel_scroll        (GtkScrolledWindow *panel,
                                  GtkWidget         *target,
                                  double             dy);

G_END_DECLS
