/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-accessible-names.h: one clean accessible name for every control.
 * GTK 4.8 reads a name from both a control's "label" property and the
 * labels pointing at it, so a control named both ways is announced twice
 * ("GPU GPU"), a mnemonic button gets its underscore read ("_Copy vLLM
 * Lines Copy vLLM Lines"), an icon button is named after its image
 * ("GtkImage") and a drop-down's button after its type. */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Names every control under @root once: by its visible label where it has
 * one, else by its tooltip. */
void kvp_accessible_names_fix (GtkWidget *root);

G_END_DECLS
