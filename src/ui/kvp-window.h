/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window.h: the KV Page window — controls on the side, the picture beside
 * them, and the actions that export or copy it. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-canvas.h"
#include "kvp-comparison.h"

G_BEGIN_DECLS

#define KVP_TYPE_WINDOW (kvp_window_get_type ())

G_DECLARE_FINAL_TYPE (KvpWindow, kvp_window, KVP, WINDOW, GtkApplicationWindow)

/* settings may be NULL (nothing is remembered); params, when given, are the
 * values to start from instead of the saved ones. */
KvpWindow      *kvp_window_new             (GtkApplication  *application,
                                            GSettings       *settings,
                                            const KvpParams *params);

/* The values shown; set ones are clamped like settings are. */
void            kvp_window_get_params      (KvpWindow       *self,
                                            KvpParams       *out_params);
void            kvp_window_set_params      (KvpWindow       *self,
                                            const KvpParams *params);
void            kvp_window_reset           (KvpWindow       *self);

/* The comparison of the values shown.  Recomputing is merged into one idle
 * while a slider moves; this finishes a pending one first. */
KvpComparison  *kvp_window_get_comparison  (KvpWindow       *self);
KvpCanvas      *kvp_window_get_canvas      (KvpWindow       *self);

/* What Export Image… does once a file is chosen: the settled picture at the
 * canvas' size (the export default when it has none), in the canvas' palette,
 * in the format the file name asks for. */
gboolean        kvp_window_export          (KvpWindow       *self,
                                            const char      *path,
                                            GError         **error);
/* Copy Image: the settled frame onto the clipboard. */
void            kvp_window_copy            (KvpWindow       *self);

/* Writes the values and the window size to the settings. */
void            kvp_window_save_state      (KvpWindow       *self);

/* Microseconds the last recompute took (comparison and scene). */
gint64          kvp_window_get_last_recompute_time (KvpWindow *self);

G_END_DECLS
