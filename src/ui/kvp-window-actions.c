/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window-actions.c: the window's actions — Open Model Config…, Compare
 * with vLLM Log…, Export Image…, Copy Image, Replay Animation, Reset to Defaults, Show Controls — and
 * their shortcuts. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kvp-export.h"
#include "kvp-log-dialog.h"
#include "kvp-window-private.h"

static const struct
{
  KvpExportFormat format;
  const char     *extension;
  const char     *mime_type;
  const char     *name;
} export_formats[] = {
  { KVP_EXPORT_PNG, ".png", "image/png", N_("PNG Image") },
  { KVP_EXPORT_SVG, ".svg", "image/svg+xml", N_("SVG Image") },
  { KVP_EXPORT_PDF, ".pdf", "application/pdf", N_("PDF Document") },
};

/* The file dialog open, held by the window: a window closed while it is
 * open takes it away, and no dialog keeps a closed window alive. */
#define DIALOG_KEY "kvp-file-dialog"

static void
destroy_dialog (gpointer data)
{
  gtk_native_dialog_destroy (data);
  g_object_unref (data);
}

static void
hold_dialog (KvpWindow            *self,
             GtkFileChooserNative *native,
             GCallback             response_cb)
{
  g_object_set_data_full (G_OBJECT (self), DIALOG_KEY, native, destroy_dialog);
  g_signal_connect_object (native, "response", response_cb, self, 0);
}

static void
show_error (KvpWindow  *self,
            const char *primary,
            const char *secondary)
{
  GtkWidget *dialog;

  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR,
                                   GTK_BUTTONS_CLOSE,
                                   "%s", primary);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

char *
_kvp_window_export_path (const char      *path,
                         KvpExportFormat  format)
{
  const char *extension = NULL;
  g_autofree char *stem = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (export_formats); i++)
    if (export_formats[i].format == format)
      extension = export_formats[i].extension;
  g_return_val_if_fail (extension != NULL, NULL);

  if (g_str_has_suffix (path, extension))
    return g_strdup (path);

  /* A typed export extension gives way (all are four bytes); any other
   * dot stays part of the name. */
  stem = kvp_export_format_from_path (path, NULL, NULL)
         ? g_strndup (path, strlen (path) - strlen (".png"))
         : g_strdup (path);

  return g_strconcat (stem, extension, NULL);
}

/* Choosing a format renames the file to match, while the dialog can still
 * ask before replacing a file of that name. */
static void
filter_changed_cb (GtkFileChooser *chooser,
                   GParamSpec     *pspec,
                   gpointer        user_data)
{
  GtkFileFilter *filter = gtk_file_chooser_get_filter (chooser);
  g_autofree char *name = gtk_file_chooser_get_current_name (chooser);
  g_autofree char *renamed = NULL;
  guint index;

  if (filter == NULL || name == NULL || *name == '\0')
    return;

  index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (filter), "kvp-format"));
  index = MIN (index, G_N_ELEMENTS (export_formats) - 1);

  renamed = _kvp_window_export_path (name, export_formats[index].format);
  if (g_strcmp0 (renamed, name) != 0)
    gtk_file_chooser_set_current_name (chooser, renamed);
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  KvpWindow *self = KVP_WINDOW (object);
  g_autofree char *path = user_data;
  g_autoptr(GError) error = NULL;

  if (!kvp_window_export_finish (self, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("Could not export the image"), error->message);
    }
  else
    {
      g_autofree char *basename = g_filename_display_basename (path);
      g_autofree char *text = NULL;

      /* Translators: confirms an export; %s is a file name. */
      text = g_strdup_printf (_("Exported the picture to “%s”."), basename);
      kvp_window_show_notification (self, text);
    }
}

void
_kvp_window_export_chosen (KvpWindow       *self,
                           const char      *chosen,
                           int              format)
{
  g_autofree char *path = NULL;

  if (chosen == NULL)
    {
      show_error (self, _("Could not export the image"),
                  _("Choose a folder on this computer: the picture can only be written to a local file."));
      return;
    }

  /* The format chosen in the dialog wins over a typed extension. */
  path = format >= 0 ? _kvp_window_export_path (chosen, format) : g_strdup (chosen);
  kvp_window_export_async (self, path, NULL, export_done_cb, g_strdup (path));
}

int
_kvp_window_export_format (GtkFileChooser *chooser)
{
  g_autoptr(GtkFileFilter) first = NULL;
  GtkFileFilter *filter = gtk_file_chooser_get_filter (chooser);
  guint index;

  /* A dialog whose filter was never touched shows its first one chosen,
   * and reports none: the first is the one the person saw. */
  if (filter == NULL)
    {
      g_autoptr(GListModel) filters = gtk_file_chooser_get_filters (chooser);

      if (g_list_model_get_n_items (filters) == 0)
        return -1;
      filter = first = g_list_model_get_item (filters, 0);
    }
  index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (filter), "kvp-format"));
  return export_formats[MIN (index, G_N_ELEMENTS (export_formats) - 1)].format;
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    KvpWindow       *self)
{
  /* The window may have closed while the dialog was open. */
  if (response == GTK_RESPONSE_ACCEPT && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *chosen = file != NULL ? g_file_get_path (file) : NULL;

      _kvp_window_export_chosen (self, chosen, _kvp_window_export_format (GTK_FILE_CHOOSER (dialog)));
    }

  /* The window held the dialog; letting go of it destroys it. */
  g_object_set_data (G_OBJECT (self), DIALOG_KEY, NULL);
}

GtkFileChooserNative *
_kvp_window_new_export_dialog (KvpWindow *self)
{
  GtkFileChooserNative *native;
  g_autofree char *name = NULL;
  KvpParams params;
  const char *pictures;

  native = gtk_file_chooser_native_new (_("Export Image"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (export_formats); i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      g_autofree char *pattern = g_strconcat ("*", export_formats[i].extension, NULL);

      gtk_file_filter_set_name (filter, _(export_formats[i].name));
      gtk_file_filter_add_mime_type (filter, export_formats[i].mime_type);
      gtk_file_filter_add_pattern (filter, pattern);
      g_object_set_data (G_OBJECT (filter), "kvp-format", GUINT_TO_POINTER (i));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
    }

  kvp_window_get_params (self, &params);
  /* Translators: the suggested file name of an export; %s is a model key. */
  name = g_strdup_printf (_("kv-cache-%s.png"), params.model->key);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);

  pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  if (pictures != NULL && g_file_test (pictures, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) folder = g_file_new_for_path (pictures);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder, NULL);
    }

  g_signal_connect (native, "notify::filter", G_CALLBACK (filter_changed_cb), NULL);
  return native;
}

static void
export_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KvpWindow *self = KVP_WINDOW (widget);
  GtkFileChooserNative *native = _kvp_window_new_export_dialog (self);

  hold_dialog (self, native, G_CALLBACK (export_response_cb));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
open_config_response_cb (GtkNativeDialog *dialog,
                         int              response,
                         KvpWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        kvp_window_open_config (self, file);
    }

  /* The window held the dialog; letting go of it destroys it. */
  g_object_set_data (G_OBJECT (self), DIALOG_KEY, NULL);
}

static void
open_config_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  KvpWindow *self = KVP_WINDOW (widget);
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) json = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  native = gtk_file_chooser_native_new (_("Open Model Config"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  /* Translators: a file filter in Open Model Config. */
  gtk_file_filter_set_name (json, _("Hugging Face config.json"));
  gtk_file_filter_add_mime_type (json, "application/json");
  gtk_file_filter_add_pattern (json, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), json);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);

  hold_dialog (self, native, G_CALLBACK (open_config_response_cb));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

#define LOG_DIALOG_KEY "kvp-log-dialog"

/* One log dialog per window, kept while it is open. */
GtkWidget *
_kvp_window_get_log_dialog (KvpWindow *self)
{
  return g_object_get_data (G_OBJECT (self), LOG_DIALOG_KEY);
}

static void
log_dialog_destroyed_cb (GtkWidget *dialog,
                         KvpWindow *self)
{
  g_object_set_data (G_OBJECT (self), LOG_DIALOG_KEY, NULL);
}

static void
compare_log_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  KvpWindow *self = KVP_WINDOW (widget);
  GtkWidget *dialog = _kvp_window_get_log_dialog (self);

  if (dialog == NULL)
    {
      dialog = kvp_log_dialog_new (GTK_WINDOW (self), kvp_window_get_deploy_state (self));
      g_object_set_data (G_OBJECT (self), LOG_DIALOG_KEY, dialog);
      g_signal_connect_object (dialog, "destroy", G_CALLBACK (log_dialog_destroyed_cb), self, 0);
    }
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
copy_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KvpWindow *self = KVP_WINDOW (widget);

  if (kvp_window_copy (self))
    kvp_window_show_notification (self, _("Copied the picture to the clipboard."));
}

static void
replay_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KvpWindow *self = KVP_WINDOW (widget);

  kvp_window_get_comparison (self);
  kvp_canvas_replay (kvp_window_get_canvas (self));
}

static void
reset_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  kvp_window_reset (KVP_WINDOW (widget));
}

static void
toggle_play_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  _kvp_window_toggle_play (KVP_WINDOW (widget));
}

void
_kvp_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action_cb);
  gtk_widget_class_install_action (widget_class, "win.open-config", NULL, open_config_action_cb);
  gtk_widget_class_install_action (widget_class, "win.compare-log", NULL, compare_log_action_cb);
  gtk_widget_class_install_action (widget_class, "win.copy", NULL, copy_action_cb);
  gtk_widget_class_install_action (widget_class, "win.replay", NULL, replay_action_cb);
  gtk_widget_class_install_action (widget_class, "win.reset", NULL, reset_action_cb);
  gtk_widget_class_install_property_action (widget_class, "win.show-controls", "show-controls");
  gtk_widget_class_install_property_action (widget_class, "win.view", "view");
  gtk_widget_class_install_action (widget_class, "win.toggle-play", NULL, toggle_play_action_cb);

  /* Bound on the window, so they apply when nothing focused uses the keys:
   * Ctrl+C in a spin button's text still copies the text. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-config", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "win.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.replay", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.show-controls", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.view", "s", "sequence");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "win.view", "s", "serving");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK, "win.view", "s", "capacity");
  /* Space plays unless the focused control takes it (a text field, a
   * button); disabled outside the serving view, it goes on. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "win.toggle-play", NULL);
}
