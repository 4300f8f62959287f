/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-log-dialog.c: the window's counterpart of --from-log.  The log is
 * untrusted text: core's reader takes any bytes (kvp_vllm_log_parse), and a
 * dropped file is read with its byte cap (kvp_vllm_log_read_file). */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kvp-log-dialog.h"
#include "kvp-vllm-log.h"

struct _KvpLogDialog
{
  GtkWindow       parent_instance;

  KvpDeployState *deploy;
  GtkTextView    *text_view;
  GtkButton      *compare_button;
  GtkLabel       *result_label;
  char           *result;
};

G_DEFINE_FINAL_TYPE (KvpLogDialog, kvp_log_dialog, GTK_TYPE_WINDOW)

static void
set_result (KvpLogDialog *self,
            const char   *text,
            gboolean      failed)
{
  g_free (self->result);
  self->result = g_strdup (text);
  gtk_label_set_label (self->result_label, text);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->result_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), "error");
}

gboolean
kvp_log_dialog_compare (KvpLogDialog *self,
                        const char   *data,
                        gsize         length,
                        const char   *name)
{
  g_autoptr(KvpVllmLog) log = NULL;
  g_autoptr(JsonNode) from_log = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (KVP_IS_LOG_DIALOG (self), FALSE);

  log = kvp_vllm_log_parse (data, length, name, &error);
  if (log != NULL)
    from_log = kvp_deploy_state_apply_log (self->deploy, log, &error);
  if (from_log == NULL)
    {
      g_autofree char *message = kvp_deploy_state_name_controls (error->message);

      set_result (self, message, TRUE);
      return FALSE;
    }

  lines = kvp_vllm_log_describe (from_log);
  text = g_strjoinv ("\n", lines);
  set_result (self, text, FALSE);
  return TRUE;
}

static void
compare_clicked_cb (GtkButton    *button,
                    KvpLogDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  /* Translators: the name of a log pasted into the window. */
  kvp_log_dialog_compare (self, text, strlen (text), _("the pasted log"));
}

gboolean
kvp_log_dialog_open_file (KvpLogDialog *self,
                          const char   *path)
{
  g_autofree char *display = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gboolean truncated = FALSE;
  gboolean applied;
  gsize length;
  const char *data;

  g_return_val_if_fail (KVP_IS_LOG_DIALOG (self), FALSE);

  display = g_filename_display_name (path);
  bytes = kvp_vllm_log_read_file (path, &truncated, &error);
  if (bytes == NULL)
    {
      set_result (self, error->message, TRUE);
      return FALSE;
    }
  data = g_bytes_get_data (bytes, &length);
  /* The box shows what was read, as text. */
  shown = g_utf8_make_valid (data != NULL ? data : "", (gssize) length);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), shown, -1);
  applied = kvp_log_dialog_compare (self, data, length, display);
  /* Said as --from-log says it: the figures are of the head alone. */
  if (truncated)
    {
      g_autofree char *text = g_strdup_printf ("%s\n\n%s", self->result,
                                               _("Only the first 16 MiB of the log were read; vLLM’s start-up "
                                                 "lines come before that."));

      set_result (self, text, !applied);
    }
  return applied;
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         KvpLogDialog  *self)
{
  GSList *files = g_value_get_boxed (value);
  g_autofree char *path = NULL;

  if (files == NULL || (path = g_file_get_path (files->data)) == NULL)
    return FALSE;
  kvp_log_dialog_open_file (self, path);
  return TRUE;
}

static void
kvp_log_dialog_finalize (GObject *object)
{
  KvpLogDialog *self = KVP_LOG_DIALOG (object);

  g_clear_object (&self->deploy);
  g_free (self->result);

  G_OBJECT_CLASS (kvp_log_dialog_parent_class)->finalize (object);
}

static void
kvp_log_dialog_class_init (KvpLogDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = kvp_log_dialog_finalize;
}

static GtkWidget *
build_box (KvpLogDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *intro = gtk_label_new (_("Paste vLLM’s start-up log here, or drop the log file on this window. Its "
                                      "settings and the KV cache it measured take the place of the estimates, for "
                                      "the model shown."));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *result_scrolled = gtk_scrolled_window_new ();

  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);

  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_box_append (GTK_BOX (box), intro);

  self->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_monospace (self->text_view, TRUE);
  gtk_text_view_set_wrap_mode (self->text_view, GTK_WRAP_WORD_CHAR);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("vLLM log"),
                                  -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->text_view));
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_size_request (scrolled, -1, 160);
  gtk_box_append (GTK_BOX (box), scrolled);

  self->compare_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Compare")));
  gtk_widget_set_halign (GTK_WIDGET (self->compare_button), GTK_ALIGN_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->compare_button), "suggested-action");
  g_signal_connect (self->compare_button, "clicked", G_CALLBACK (compare_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->compare_button));

  self->result_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_selectable (self->result_label, TRUE);
  gtk_label_set_wrap (self->result_label, TRUE);
  gtk_label_set_xalign (self->result_label, 0);
  gtk_label_set_yalign (self->result_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->result_label), "monospace");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (result_scrolled), GTK_WIDGET (self->result_label));
  gtk_widget_set_size_request (result_scrolled, -1, 180);
  gtk_box_append (GTK_BOX (box), result_scrolled);

  return box;
}

static void
kvp_log_dialog_init (KvpLogDialog *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  gtk_window_set_title (GTK_WINDOW (self), _("Compare with vLLM Log"));
  gtk_window_set_default_size (GTK_WINDOW (self), 720, 560);
  gtk_window_set_child (GTK_WINDOW (self), build_box (self));

  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

GtkWidget *
kvp_log_dialog_new (GtkWindow      *parent,
                    KvpDeployState *deploy)
{
  KvpLogDialog *self;

  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (deploy), NULL);

  self = g_object_new (KVP_TYPE_LOG_DIALOG,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->deploy = g_object_ref (deploy);
  return GTK_WIDGET (self);
}

GtkTextView *
kvp_log_dialog_get_text_view (KvpLogDialog *self)
{
  g_return_val_if_fail (KVP_IS_LOG_DIALOG (self), NULL);

  return self->text_view;
}

GtkButton *
kvp_log_dialog_get_compare_button (KvpLogDialog *self)
{
  g_return_val_if_fail (KVP_IS_LOG_DIALOG (self), NULL);

  return self->compare_button;
}

const char *
kvp_log_dialog_get_result (KvpLogDialog *self)
{
  g_return_val_if_fail (KVP_IS_LOG_DIALOG (self), NULL);

  return self->result;
}
