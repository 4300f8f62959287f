/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-log-dialog.h: "Compare with vLLM Log…" — a pasted or dropped vLLM
 * start-up log, read as --from-log reads it, set against the window's
 * model: its settings and measured pool replace the estimates, and the
 * figures are shown side by side. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-deploy-state.h"

G_BEGIN_DECLS

#define KVP_TYPE_LOG_DIALOG (kvp_log_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KvpLogDialog, kvp_log_dialog, KVP, LOG_DIALOG, GtkWindow)

GtkWidget  *kvp_log_dialog_new         (GtkWindow      *parent,
                                        KvpDeployState *deploy);
/* What Compare does with the text box's log (or a dropped file's bytes):
 * TRUE when the log was read and applied. */
gboolean    kvp_log_dialog_compare     (KvpLogDialog   *self,
                                        const char     *data,
                                        gsize           length,
                                        const char     *name);
/* What dropping the log file at @path does: its bytes (at most 16 MiB, as
 * --from-log reads) shown and compared; TRUE when the log was applied. */
gboolean    kvp_log_dialog_open_file   (KvpLogDialog   *self,
                                        const char     *path);
/* The text box, and the comparison (or why there is none) shown. */
GtkTextView *kvp_log_dialog_get_text_view (KvpLogDialog *self);
GtkButton  *kvp_log_dialog_get_compare_button (KvpLogDialog *self);
const char *kvp_log_dialog_get_result  (KvpLogDialog   *self);

G_END_DECLS
