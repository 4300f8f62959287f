/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window-private.h: what kvp-window-actions.c shares with kvp-window.c. */

#pragma once

#include "kvp-window.h"

G_BEGIN_DECLS

void _kvp_window_class_actions_init (GtkWidgetClass *widget_class);

G_END_DECLS
