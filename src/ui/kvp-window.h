/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window.h: the KV Page window — controls on the side, the picture beside
 * them, and the actions that export or copy it. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-canvas.h"
#include "kvp-gpu-group.h"
#include "kvp-serving-state.h"
#include "kvp-model-config.h"
#include "kvp-comparison.h"
#include "kvp-state.h"

G_BEGIN_DECLS

#define KVP_TYPE_WINDOW (kvp_window_get_type ())

G_DECLARE_FINAL_TYPE (KvpWindow, kvp_window, KVP, WINDOW, GtkApplicationWindow)

/* settings may be NULL (nothing is remembered); params, when given, are the
 * values to start from instead of the saved ones. */
KvpWindow      *kvp_window_new             (GtkApplication  *application,
                                            GSettings       *settings,
                                            const KvpParams *params);

/* What the controls, the canvas and the settings are bound to. */
KvpState       *kvp_window_get_state       (KvpWindow       *self);

/* The values shown; set ones are clamped like settings are. */
void            kvp_window_get_params      (KvpWindow       *self,
                                            KvpParams       *out_params);
void            kvp_window_set_params      (KvpWindow       *self,
                                            const KvpParams *params);
void            kvp_window_reset           (KvpWindow       *self);

/* The comparison of the values shown.  The state recomputes in a worker;
 * this finishes a pending recompute first. */
KvpComparison  *kvp_window_get_comparison  (KvpWindow       *self);
KvpCanvas      *kvp_window_get_canvas      (KvpWindow       *self);

/* What Export Image… does once a file is chosen: the settled picture at the
 * export default size (as the command line), whatever the window's size, in
 * the canvas' palette, in the format the file name asks for. */
gboolean        kvp_window_export          (KvpWindow       *self,
                                            const char      *path,
                                            GError         **error);
/* The same in a worker thread, so a big pool never stalls the window; the
 * callback runs in the caller's main context. */
void            kvp_window_export_async    (KvpWindow           *self,
                                            const char          *path,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean        kvp_window_export_finish   (KvpWindow           *self,
                                            GAsyncResult        *result,
                                            GError             **error);
/* Copy Image: the settled frame onto the clipboard; FALSE when there is
 * no picture yet. */
gboolean        kvp_window_copy            (KvpWindow       *self);

/* An in-window notification under the header bar, with a close button; it
 * hides itself after a few seconds. */
void            kvp_window_show_notification (KvpWindow     *self,
                                              const char    *text);
/* The notification shown, or NULL. */
const char     *kvp_window_get_notification  (KvpWindow     *self);

/* Opens a Hugging Face config.json as the model shown (in a worker); a bad
 * file shows one line in the window and keeps the model shown before. */
void            kvp_window_open_config     (KvpWindow       *self,
                                            GFile           *file);
/* Adds a config already read to the model drop-down and shows it. */
void            kvp_window_add_config      (KvpWindow       *self,
                                            KvpModelConfig  *config);
KvpGpuGroup    *kvp_window_get_gpu_group   (KvpWindow       *self);
/* The GPU choices and the sizing they give, the GPU group's state. */
KvpDeployState *kvp_window_get_deploy_state (KvpWindow      *self);
/* The serving view's options and its simulation. */
KvpServingState *kvp_window_get_serving_state (KvpWindow     *self);

/* Writes the values and the window size to the settings. */
void            kvp_window_save_state      (KvpWindow       *self);

G_END_DECLS
