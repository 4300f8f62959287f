/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-ui.h: one-time setup of the GTK layer: its resources and the types the
 * templates name. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void kvp_ui_init (void);

G_END_DECLS
