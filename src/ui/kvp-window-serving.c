/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window-serving.c: the serving view in the window — a "Sequence" |
 * "Serving" switch in the header bar (the stateful action win.view, also on
 * Control+1 and Control+2; Space is win.toggle-play), the serving canvas beside the sequence canvas in a stack, and the serving
 * controls at the top of the side panel while that view is shown. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "kvp-serving-controls.h"
#include "kvp-window-private.h"

#define SERVING_KEY "kvp-serving"

typedef struct
{
  GtkStack           *stack;
  GtkBox             *sidebar_box;
  KvpState           *state;     /* the window's, which outlives this */
  KvpServingCanvas   *canvas;    /* NULL until the view is first wanted */
  KvpServingControls *controls;
} Serving;

/* The view's canvas and controls are built when first wanted, not with the
 * window: most launches never show them, and the window maps sooner. */
static Serving *
get_serving (KvpWindow *self)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);

  if (serving == NULL || serving->canvas != NULL)
    return serving;

  serving->canvas = KVP_SERVING_CANVAS (kvp_serving_canvas_new ());
  serving->controls = KVP_SERVING_CONTROLS (kvp_serving_controls_new (kvp_window_get_serving_state (self), serving->canvas));
  gtk_stack_add_named (serving->stack, GTK_WIDGET (serving->canvas), "serving");
  gtk_widget_set_visible (GTK_WIDGET (serving->controls), FALSE);
  if (serving->sidebar_box != NULL)
    gtk_box_prepend (serving->sidebar_box, GTK_WIDGET (serving->controls));

  return serving;
}

static void
view_change_state_cb (GSimpleAction *action,
                      GVariant      *value,
                      gpointer       user_data)
{
  KvpWindow *self = user_data;
  Serving *serving = get_serving (self);
  const char *view = g_variant_get_string (value, NULL);
  gboolean on = g_strcmp0 (view, "serving") == 0;

  if (!on && g_strcmp0 (view, "sequence") != 0)
    return;

  g_simple_action_set_state (action, value);
  /* Space plays only where there is something to play. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "toggle-play")), on);
  gtk_stack_set_visible_child_name (serving->stack, view);
  gtk_widget_set_visible (GTK_WIDGET (serving->controls), on);
  kvp_serving_controls_set_active (serving->controls, on);
}

static void
toggle_play_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  Serving *serving = get_serving (user_data);

  kvp_serving_controls_toggle_play (serving->controls);
}

static GtkWidget *
new_view_switch (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  const struct
  {
    const char *label;
    const char *target;
  } views[] = {
    /* Translators: the view switch in the header bar. */
    { N_("Sequence"), "'sequence'" },
    { N_("Serving"), "'serving'" },
  };

  gtk_widget_add_css_class (box, "linked");
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (_(views[i].label));

      gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (button), "win.view");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button),
                                              g_variant_new_string (i == 0 ? "sequence" : "serving"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _(views[i].label), -1);
      gtk_box_append (GTK_BOX (box), button);
    }

  return box;
}

void
_kvp_window_setup_serving (KvpWindow *self,
                           GtkWidget *sidebar,
                           GtkWidget *canvas,
                           KvpState  *state)
{
  Serving *serving = g_new0 (Serving, 1);
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (self));
  GtkWidget *overlay = gtk_widget_get_parent (canvas);
  GtkWidget *controls = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (sidebar));
  g_autoptr(GSimpleAction) action = NULL;
  GtkEventController *shortcuts;

  g_return_if_fail (GTK_IS_OVERLAY (overlay));

  serving->state = state;
  g_object_set_data_full (G_OBJECT (self), SERVING_KEY, serving, g_free);

  /* Both pictures in one place, under the window's notifications. */
  serving->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (serving->stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  g_object_ref (canvas);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), GTK_WIDGET (serving->stack));
  gtk_stack_add_named (serving->stack, canvas, "sequence");
  g_object_unref (canvas);

  if (GTK_IS_VIEWPORT (controls))
    controls = gtk_viewport_get_child (GTK_VIEWPORT (controls));
  if (GTK_IS_BOX (controls))
    serving->sidebar_box = GTK_BOX (controls);

  if (GTK_IS_HEADER_BAR (titlebar))
    gtk_header_bar_pack_start (GTK_HEADER_BAR (titlebar), new_view_switch ());

  action = g_simple_action_new_stateful ("view", G_VARIANT_TYPE_STRING, g_variant_new_string ("sequence"));
  g_signal_connect (action, "change-state", G_CALLBACK (view_change_state_cb), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));

  g_clear_object (&action);
  action = g_simple_action_new ("toggle-play", NULL);
  g_simple_action_set_enabled (action, FALSE);
  g_signal_connect (action, "activate", G_CALLBACK (toggle_play_cb), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));

  /* Space plays and pauses, unless the focused control takes it (a text
   * field, a button); with the action disabled the key goes on. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_space, 0),
                                                          gtk_named_action_new ("win.toggle-play")));
  /* Control+1 and Control+2 switch views, as the header bar's buttons do. */
  for (guint i = 0; i < 2; i++)
    {
      GtkShortcut *shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_1 + i, GDK_CONTROL_MASK),
                                                gtk_named_action_new ("win.view"));

      gtk_shortcut_set_arguments (shortcut, g_variant_new_string (i == 0 ? "sequence" : "serving"));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}

KvpServingCanvas *
_kvp_window_get_serving_canvas (KvpWindow *self)
{
  Serving *serving = get_serving (self);

  return serving != NULL ? serving->canvas : NULL;
}

KvpServingControls *
_kvp_window_get_serving_controls (KvpWindow *self)
{
  Serving *serving = get_serving (self);

  return serving != NULL ? serving->controls : NULL;
}

/* The serving view's steps and step when it is shown, for an export of what
 * the window shows. */
static KvpServingSteps *
shown_steps (KvpWindow *self,
             guint     *out_step)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);

  if (serving == NULL || serving->canvas == NULL || g_strcmp0 (gtk_stack_get_visible_child_name (serving->stack), "serving") != 0)
    return NULL;

  *out_step = kvp_serving_canvas_get_step (serving->canvas);
  return kvp_serving_canvas_get_steps (serving->canvas);
}

gboolean
_kvp_window_serving_export (KvpWindow       *self,
                            const KvpTheme  *theme,
                            const char      *path,
                            gboolean        *out_handled,
                            GError         **error)
{
  guint step = 0;
  KvpServingSteps *steps = shown_steps (self, &step);

  *out_handled = steps != NULL;
  return steps != NULL &&
         kvp_export_write_serving (steps, step, theme, path, KVP_EXPORT_DEFAULT_WIDTH, KVP_EXPORT_DEFAULT_HEIGHT,
                                   1.0, error);
}

gboolean
_kvp_window_serving_export_async (KvpWindow           *self,
                                  const KvpTheme      *theme,
                                  const char          *path,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  guint step = 0;
  KvpServingSteps *steps = shown_steps (self, &step);

  if (steps == NULL)
    return FALSE;

  kvp_export_write_serving_async (steps, step, theme, path, KVP_EXPORT_DEFAULT_WIDTH, KVP_EXPORT_DEFAULT_HEIGHT,
                                  1.0, cancellable, callback, user_data);
  return TRUE;
}

GdkTexture *
_kvp_window_serving_render_texture (KvpWindow *self,
                                    gboolean  *out_handled)
{
  guint step;
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);

  *out_handled = shown_steps (self, &step) != NULL;
  return *out_handled ? kvp_serving_canvas_render_texture (serving->canvas) : NULL;
}
