/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window-private.h: what kvp-window-actions.c shares with kvp-window.c. */

#pragma once

#include "kvp-export.h"
#include "kvp-capacity-canvas.h"
#include "kvp-capacity-state.h"
#include "kvp-serving-controls.h"
#include "kvp-window.h"

G_BEGIN_DECLS

void  _kvp_window_class_actions_init (GtkWidgetClass  *widget_class);
/* The open "Compare with vLLM Log" dialog, or NULL. */
GtkWidget *_kvp_window_get_log_dialog (KvpWindow      *self);
/* The file an export writes when the dialog's format is @format: the
 * chosen format wins over a typed extension. */
char *_kvp_window_export_path       (const char      *path,
                                     KvpExportFormat  format);
/* What the export dialog does with the file chosen (NULL: not a local
 * file) and the format of its filter (-1: none): exports in the background
 * and confirms it in the window, or says what went wrong. */
void  _kvp_window_export_chosen     (KvpWindow       *self,
                                     const char      *chosen,
                                     int              format);

/* The Export Image dialog, not shown yet, and the format of the filter the
 * person sees chosen in it (the first while none was touched; -1: none). */
GtkFileChooserNative *_kvp_window_new_export_dialog (KvpWindow      *self);
int                   _kvp_window_export_format     (GtkFileChooser *chooser);

/* kvp-window-serving.c: the view switch, the serving canvas and controls. */
void                _kvp_window_setup_serving        (KvpWindow *self,
                                                      GtkWidget *sidebar,
                                                      GtkStack  *stack);
/* The window's "view": "sequence", "serving" or "capacity"; TRUE when it
 * changed. */
const char         *_kvp_window_get_view             (KvpWindow  *self);
gboolean            _kvp_window_set_view             (KvpWindow  *self,
                                                      const char *view);
void                _kvp_window_toggle_play          (KvpWindow  *self);
KvpServingCanvas   *_kvp_window_get_serving_canvas   (KvpWindow *self);
KvpServingControls *_kvp_window_get_serving_controls (KvpWindow *self);
/* The capacity view's canvas and state, built when first asked for. */
KvpCapacityCanvas  *_kvp_window_get_capacity_canvas  (KvpWindow *self);
KvpCapacityState   *_kvp_window_get_capacity_state   (KvpWindow *self);
/* Export Image… while the serving view shows a run: its step is written
 * (out_handled TRUE); otherwise nothing is done. */
gboolean            _kvp_window_serving_export       (KvpWindow       *self,
                                                      const KvpTheme  *theme,
                                                      const char      *path,
                                                      gboolean        *out_handled,
                                                      GError         **error);
gboolean            _kvp_window_serving_export_async (KvpWindow           *self,
                                                      const KvpTheme      *theme,
                                                      const char          *path,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);

/* Copy Image while the serving view shows a run. */
GdkTexture         *_kvp_window_serving_render_texture (KvpWindow *self,
                                                        gboolean  *out_handled);

G_END_DECLS
