/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-application.c: the GtkApplication.  It opens the window (from the
 * command-line values the first time, from the settings otherwise), owns the
 * app actions and applies the style: light, dark, or the system's choice as
 * the settings portal reports it. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "kvp-application.h"
#include "kvp-settings.h"
#include "kvp-ui.h"
#include "kvp-window.h"

#define PORTAL_BUS_NAME     "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH  "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS     "org.freedesktop.portal.Settings"
#define APPEARANCE_NAMESPACE "org.freedesktop.appearance"

struct _KvpApplication
{
  GtkApplication   parent_instance;

  GSettings       *settings;
  KvpParams        launch_params;
  gboolean         has_launch_params;
  KvpDeploy        launch_deploy;
  gboolean         has_launch_deploy;

  /* What the desktop prefers: GTK's own setting as found at startup, then
   * the portal's color-scheme when there is one. */
  gboolean         system_prefers_dark;
  GCancellable    *cancellable;
  GDBusConnection *bus;
  guint            portal_signal_id;
};

G_DEFINE_FINAL_TYPE (KvpApplication, kvp_application, GTK_TYPE_APPLICATION)

static void
apply_style (KvpApplication *self)
{
  KvpStyle style = KVP_STYLE_FOLLOW;
  GtkSettings *gtk_settings = gtk_settings_get_default ();
  gboolean dark, current = FALSE;

  if (gtk_settings == NULL)
    return;

  if (self->settings != NULL)
    {
      style = g_settings_get_enum (self->settings, "style");
    }
  else
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "style");
      g_autoptr(GVariant) state = action != NULL ? g_action_get_state (action) : NULL;
      const char *name = state != NULL ? g_variant_get_string (state, NULL) : "follow";

      style = g_str_equal (name, "dark") ? KVP_STYLE_DARK :
              g_str_equal (name, "light") ? KVP_STYLE_LIGHT : KVP_STYLE_FOLLOW;
    }

  dark = style == KVP_STYLE_DARK || (style == KVP_STYLE_FOLLOW && self->system_prefers_dark);
  g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &current, NULL);
  /* Setting it reloads the whole theme even to the same value: that was a
   * third of the time before the window could map. */
  if (dark != current)
    g_object_set (gtk_settings, "gtk-application-prefer-dark-theme", dark, NULL);
}

static void
set_color_scheme (KvpApplication *self,
                  GVariant       *value)
{
  g_autoptr(GVariant) inner = g_variant_ref (value);

  /* Older portals wrap the value in one more variant. */
  while (g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *unboxed = g_variant_get_variant (inner);
      g_variant_unref (inner);
      inner = unboxed;
    }

  if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_UINT32))
    return;

  /* 0 no preference, 1 prefer dark, 2 prefer light. */
  self->system_prefers_dark = g_variant_get_uint32 (inner) == 1;

  apply_style (self);
}

static void
portal_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      /* No portal (or it does not know the key): GTK's setting stands. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No color scheme from the settings portal: %s", error->message);
      return;
    }

  g_variant_get (reply, "(v)", &value);
  set_color_scheme (KVP_APPLICATION (user_data), value);
}

static void
portal_setting_changed_cb (GDBusConnection *connection,
                           const char      *sender_name,
                           const char      *object_path,
                           const char      *interface_name,
                           const char      *signal_name,
                           GVariant        *parameters,
                           gpointer         user_data)
{
  g_autoptr(GVariant) value = NULL;
  const char *namespace;
  const char *key;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;

  g_variant_get (parameters, "(&s&sv)", &namespace, &key, &value);
  if (g_strcmp0 (namespace, APPEARANCE_NAMESPACE) == 0 && g_strcmp0 (key, "color-scheme") == 0)
    set_color_scheme (KVP_APPLICATION (user_data), value);
}

static void
watch_portal (KvpApplication *self)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));

  if (bus == NULL)
    return;

  self->bus = g_object_ref (bus);
  self->portal_signal_id =
    g_dbus_connection_signal_subscribe (bus, PORTAL_BUS_NAME, PORTAL_SETTINGS, "SettingChanged",
                                        PORTAL_OBJECT_PATH, APPEARANCE_NAMESPACE,
                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                        portal_setting_changed_cb, self, NULL);
  g_dbus_connection_call (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, PORTAL_SETTINGS, "Read",
                          g_variant_new ("(ss)", APPEARANCE_NAMESPACE, "color-scheme"),
                          G_VARIANT_TYPE ("(v)"),
                          G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, portal_read_cb, self);
}

static void
style_changed_cb (GSettings      *settings,
                  const char     *key,
                  KvpApplication *self)
{
  apply_style (self);
}

static void
quit_activated_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  /* Closing (rather than destroying) lets each window save its state; the
   * application ends with its last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);

  g_list_free (windows);
}

static void
about_activated_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkWidget *dialog;

  dialog = g_object_new (GTK_TYPE_ABOUT_DIALOG,
                         "transient-for", parent,
                         "modal", TRUE,
                         "destroy-with-parent", TRUE,
                         "program-name", _("KV Page"),
                         "logo-icon-name", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("See how a PagedAttention block allocator stores an LLM’s KV cache, "
                                       "next to a cache that reserves the whole context up front."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
shortcuts_activated_cb (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkWindow *window;

  builder = gtk_builder_new_from_resource (RESOURCE_BASE "/kvp-shortcuts-window.ui");
  window = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
  gtk_window_set_transient_for (window, parent);
  gtk_window_present (window);
}

static const GActionEntry app_entries[] = {
  { "quit", quit_activated_cb },
  { "about", about_activated_cb },
  { "shortcuts", shortcuts_activated_cb },
};

static void
kvp_application_startup (GApplication *application)
{
  KvpApplication *self = KVP_APPLICATION (application);
  g_autoptr(GAction) style_action = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (kvp_application_parent_class)->startup (application);

  g_set_application_name (_("KV Page"));

  /* Run from the build tree without the schema, the window still works; it
   * just remembers nothing. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, KVP_SETTINGS_SCHEMA_ID, TRUE);
  if (schema != NULL)
    self->settings = g_settings_new (KVP_SETTINGS_SCHEMA_ID);
  else
    g_warning ("The settings schema %s is not installed: nothing will be remembered",
               KVP_SETTINGS_SCHEMA_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries,
                                   G_N_ELEMENTS (app_entries), self);

  if (self->settings != NULL)
    {
      style_action = g_settings_create_action (self->settings, "style");
      g_signal_connect_object (self->settings, "changed::style", G_CALLBACK (style_changed_cb), self, 0);
    }
  else
    {
      style_action = G_ACTION (g_simple_action_new_stateful ("style", G_VARIANT_TYPE_STRING,
                                                             g_variant_new_string ("follow")));
      g_signal_connect_swapped (style_action, "notify::state", G_CALLBACK (apply_style), self);
    }
  g_action_map_add_action (G_ACTION_MAP (self), style_action);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.shortcuts", shortcuts_accels);

  g_object_get (gtk_settings_get_default (),
                "gtk-application-prefer-dark-theme", &self->system_prefers_dark,
                NULL);
  apply_style (self);
  watch_portal (self);
}

static void
kvp_application_shutdown (GApplication *application)
{
  KvpApplication *self = KVP_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);
  if (self->portal_signal_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->portal_signal_id);
  self->portal_signal_id = 0;
  g_clear_object (&self->bus);

  G_APPLICATION_CLASS (kvp_application_parent_class)->shutdown (application);
}

/* The config and GPU choices of the command line, into the window's deploy
 * state; the values given with them are set again, as a new model resets
 * the reservation to its context. */
static void
apply_launch_gpu (KvpApplication *self,
                  KvpWindow      *window)
{
  if (!self->has_launch_deploy)
    return;
  if (self->launch_deploy.config != NULL)
    {
      kvp_window_add_config (window, self->launch_deploy.config);
      if (self->has_launch_params)
        {
          self->launch_params.model = &self->launch_deploy.config->model;
          kvp_window_set_params (window, &self->launch_params);
        }
    }
  kvp_deploy_state_set_choices (kvp_window_get_deploy_state (window), &self->launch_deploy);

  kvp_deploy_clear (&self->launch_deploy);
  self->has_launch_deploy = FALSE;
}

/* The windows' icon, for the window manager, is named after the first
 * frame: GTK reads it when the window is realized, and the installed icon,
 * an SVG read through librsvg, took 3 ms of the main thread (loading the
 * SVG loader, then drawing it) before the window could map. */
static void
name_icon_cb (GdkFrameClock *clock,
              gpointer       user_data)
{
  g_signal_handlers_disconnect_by_func (clock, name_icon_cb, user_data);
  gtk_window_set_default_icon_name (APPLICATION_ID);
}

static void
kvp_application_activate (GApplication *application)
{
  KvpApplication *self = KVP_APPLICATION (application);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    {
      window = GTK_WINDOW (kvp_window_new (GTK_APPLICATION (self), self->settings,
                                           self->has_launch_params ? &self->launch_params : NULL));
      apply_launch_gpu (self, KVP_WINDOW (window));
      /* Only the first window starts from the command line. */
      self->has_launch_params = FALSE;
    }

  gtk_window_present (window);

  if (gtk_window_get_default_icon_name () == NULL)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

      if (clock != NULL)
        g_signal_connect (clock, "after-paint", G_CALLBACK (name_icon_cb), NULL);
      else
        gtk_window_set_default_icon_name (APPLICATION_ID);
    }
}

static void
kvp_application_dispose (GObject *object)
{
  KvpApplication *self = KVP_APPLICATION (object);

  g_clear_object (&self->settings);
  kvp_deploy_clear (&self->launch_deploy);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (kvp_application_parent_class)->dispose (object);
}

static void
kvp_application_class_init (KvpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  /* Our resources (templates, style.css) before any window needs them. */
  kvp_ui_init ();

  object_class->dispose = kvp_application_dispose;

  application_class->startup = kvp_application_startup;
  application_class->shutdown = kvp_application_shutdown;
  application_class->activate = kvp_application_activate;
}

static void
kvp_application_init (KvpApplication *self)
{
  self->cancellable = g_cancellable_new ();
}

KvpApplication *
kvp_application_new (void)
{
  /* No resource base path: kvpage loads its templates and style by their
   * full paths, and has no gtk/menus.ui, help overlay or icons there.  With
   * one, GtkApplication's start-up adds its icons folder to the icon theme,
   * which throws away the theme GTK has just begun to read in a thread; the
   * first icon shown then reads the whole theme again on the main thread,
   * before the window can map (bench-window's startup-mapped case). */
  return g_object_new (KVP_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", NULL,
                       NULL);
}

void
kvp_application_set_launch_params (KvpApplication  *self,
                                   const KvpParams *params)
{
  g_return_if_fail (KVP_IS_APPLICATION (self));
  g_return_if_fail (params != NULL);

  self->launch_params = *params;
  self->has_launch_params = TRUE;
}

void
kvp_application_set_launch_deploy (KvpApplication  *self,
                                   const KvpDeploy *deploy)
{
  g_return_if_fail (KVP_IS_APPLICATION (self));
  g_return_if_fail (deploy != NULL);

  /* The choices only; the sizing is the window's own. */
  kvp_deploy_clear (&self->launch_deploy);
  self->launch_deploy.config = deploy->config != NULL ? kvp_model_config_ref (deploy->config) : NULL;
  self->launch_deploy.gpu = deploy->gpu;
  self->launch_deploy.gpu_memory_bytes = deploy->gpu_memory_bytes;
  self->launch_deploy.utilization = deploy->utilization;
  self->launch_deploy.weights_bytes = deploy->weights_bytes;
  self->launch_deploy.activation_bytes = deploy->activation_bytes;
  self->launch_deploy.has_activation = deploy->has_activation;
  self->launch_deploy.kv_cache_bytes = deploy->kv_cache_bytes;
  self->launch_deploy.tensor_parallel_size = deploy->tensor_parallel_size;
  self->has_launch_deploy = TRUE;
}

GSettings *
kvp_application_get_settings (KvpApplication *self)
{
  g_return_val_if_fail (KVP_IS_APPLICATION (self), NULL);

  return self->settings;
}
