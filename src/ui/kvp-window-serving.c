/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window-serving.c: the serving and capacity views in the window — their
 * canvases in the window's view stack beside the sequence canvas, and their
 * controls at the top of the side panel while the view is shown.  The
 * switch is the window's "view" property (win.view, Control+1, Control+2
 * and Control+3); Space is win.toggle-play (kvp-window-actions.c). */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "kvp-accessible-names.h"
#include "kvp-capacity-controls.h"
#include "kvp-capacity-picture.h"
#include "kvp-error.h"
#include "kvp-serving-controls.h"
#include "kvp-window-private.h"

#define SERVING_KEY "kvp-serving"

typedef struct
{
  GtkStack           *stack;     /* the window's template child */
  GtkBox             *sidebar_box;
  KvpServingCanvas   *canvas;    /* NULL until the view is first wanted */
  KvpServingControls *controls;
  gboolean            serving;   /* the view shown */
  /* The capacity view, built when first wanted. */
  KvpCapacityState   *capacity;
  KvpCapacityCanvas  *capacity_canvas;
  GtkWidget          *capacity_controls;
  gboolean            capacity_shown;
} Serving;

static void
serving_free (Serving *serving)
{
  g_clear_object (&serving->capacity);
  g_free (serving);
}

static Serving *get_serving (KvpWindow *self);

static Serving *
get_capacity (KvpWindow *self)
{
  Serving *serving = get_serving (self);

  if (serving == NULL || serving->capacity != NULL)
    return serving;

  serving->capacity = kvp_capacity_state_new (kvp_window_get_serving_state (self));
  serving->capacity_canvas = KVP_CAPACITY_CANVAS (kvp_capacity_canvas_new ());
  serving->capacity_controls = kvp_capacity_controls_new (serving->capacity, serving->capacity_canvas);
  gtk_stack_add_named (serving->stack, GTK_WIDGET (serving->capacity_canvas), "capacity");
  gtk_widget_set_visible (serving->capacity_controls, FALSE);
  if (serving->sidebar_box != NULL)
    gtk_box_prepend (serving->sidebar_box, serving->capacity_controls);
  return serving;
}

/* The view's canvas and controls are built when first wanted, not with the
 * window: most launches never show them, and the window maps sooner. */
static Serving *
get_serving (KvpWindow *self)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);

  if (serving == NULL || serving->canvas != NULL)
    return serving;

  serving->canvas = KVP_SERVING_CANVAS (kvp_serving_canvas_new ());
  serving->controls = KVP_SERVING_CONTROLS (kvp_serving_controls_new (kvp_window_get_serving_state (self),
                                                                      serving->canvas));
  gtk_stack_add_named (serving->stack, GTK_WIDGET (serving->canvas), "serving");
  gtk_widget_set_visible (GTK_WIDGET (serving->controls), FALSE);
  kvp_accessible_names_fix (GTK_WIDGET (serving->controls));
  if (serving->sidebar_box != NULL)
    gtk_box_prepend (serving->sidebar_box, GTK_WIDGET (serving->controls));

  return serving;
}

const char *
_kvp_window_get_view (KvpWindow *self)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);

  if (serving != NULL && serving->capacity_shown)
    return "capacity";
  return serving != NULL && serving->serving ? "serving" : "sequence";
}

gboolean
_kvp_window_set_view (KvpWindow  *self,
                      const char *view)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);
  gboolean on = g_strcmp0 (view, "serving") == 0;
  gboolean capacity = g_strcmp0 (view, "capacity") == 0;

  if (serving == NULL || (!on && !capacity && g_strcmp0 (view, "sequence") != 0) ||
      g_strcmp0 (view, _kvp_window_get_view (self)) == 0)
    return FALSE;

  serving = get_serving (self);
  if (capacity || serving->capacity != NULL)
    {
      serving = get_capacity (self);
      serving->capacity_shown = capacity;
      gtk_widget_set_visible (serving->capacity_controls, capacity);
      kvp_capacity_state_set_active (serving->capacity, capacity);
    }
  serving->serving = on;
  /* Space plays only where there is something to play. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-play", on);
  gtk_stack_set_visible_child_name (serving->stack, view);
  gtk_widget_set_visible (GTK_WIDGET (serving->controls), on);
  kvp_serving_controls_set_active (serving->controls, on);
  /* The picture shown takes the keyboard: Space plays at once, whatever
   * control had the focus. */
  gtk_widget_grab_focus (on ? GTK_WIDGET (serving->canvas)
                         : capacity ? GTK_WIDGET (serving->capacity_canvas)
                                    : GTK_WIDGET (kvp_window_get_canvas (self)));
  return TRUE;
}

void
_kvp_window_toggle_play (KvpWindow *self)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);

  if (serving != NULL && serving->serving)
    kvp_serving_controls_toggle_play (serving->controls);
}

void
_kvp_window_setup_serving (KvpWindow *self,
                           GtkWidget *sidebar,
                           GtkStack  *stack)
{
  Serving *serving = g_new0 (Serving, 1);
  GtkWidget *controls = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (sidebar));

  serving->stack = stack;
  g_object_set_data_full (G_OBJECT (self), SERVING_KEY, serving, (GDestroyNotify) serving_free);

  if (GTK_IS_VIEWPORT (controls))
    controls = gtk_viewport_get_child (GTK_VIEWPORT (controls));
  if (GTK_IS_BOX (controls))
    serving->sidebar_box = GTK_BOX (controls);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-play", FALSE);
}

KvpServingCanvas *
_kvp_window_get_serving_canvas (KvpWindow *self)
{
  Serving *serving = get_serving (self);

  return serving != NULL ? serving->canvas : NULL;
}

KvpCapacityCanvas *
_kvp_window_get_capacity_canvas (KvpWindow *self)
{
  Serving *serving = get_capacity (self);

  return serving != NULL ? serving->capacity_canvas : NULL;
}

KvpCapacityState *
_kvp_window_get_capacity_state (KvpWindow *self)
{
  Serving *serving = get_capacity (self);

  return serving != NULL ? serving->capacity : NULL;
}

KvpServingControls *
_kvp_window_get_serving_controls (KvpWindow *self)
{
  Serving *serving = get_serving (self);

  return serving != NULL ? serving->controls : NULL;
}

/* What the serving or capacity view shows, for an export of it: TRUE when
 * one of them is shown; *out_source is NULL (and error set) when the
 * capacity view has no sweep yet. */
static gboolean
shown_source (KvpWindow         *self,
              KvpPictureSource **out_source,
              GError           **error)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);
  const char *view = serving != NULL ? gtk_stack_get_visible_child_name (serving->stack) : NULL;

  *out_source = NULL;
  if (g_strcmp0 (view, "capacity") == 0 && serving->capacity != NULL)
    {
      KvpSweep *sweep = kvp_capacity_state_get_sweep (serving->capacity);

      if (sweep != NULL)
        *out_source = kvp_capacity_source_new (sweep);
      else
        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("The capacity view has no sweep to export yet."));
      return TRUE;
    }
  if (g_strcmp0 (view, "serving") != 0 || serving->canvas == NULL ||
      kvp_serving_canvas_get_steps (serving->canvas) == NULL)
    return FALSE;
  *out_source = kvp_serving_scene_source_new (kvp_serving_canvas_get_steps (serving->canvas),
                                              kvp_serving_canvas_get_step (serving->canvas), error);
  return TRUE;
}

gboolean
_kvp_window_serving_export (KvpWindow       *self,
                            const KvpTheme  *theme,
                            const char      *path,
                            gboolean        *out_handled,
                            GError         **error)
{
  g_autoptr(KvpPictureSource) source = NULL;

  *out_handled = shown_source (self, &source, error);
  if (source == NULL)
    return FALSE;
  return kvp_export_write (source, theme, path, KVP_EXPORT_DEFAULT_WIDTH, KVP_EXPORT_DEFAULT_HEIGHT, 1.0, error);
}

gboolean
_kvp_window_serving_export_async (KvpWindow           *self,
                                  const KvpTheme      *theme,
                                  const char          *path,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(KvpPictureSource) source = NULL;
  g_autoptr(GError) error = NULL;

  if (!shown_source (self, &source, &error))
    return FALSE;
  if (source == NULL)
    {
      /* Finished as kvp_export_write_finish reads a failed write. */
      g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

      g_task_set_source_tag (task, kvp_export_write_async);
      g_task_return_error (task, g_steal_pointer (&error));
      return TRUE;
    }
  kvp_export_write_async (source, theme, path, KVP_EXPORT_DEFAULT_WIDTH, KVP_EXPORT_DEFAULT_HEIGHT, 1.0,
                          cancellable, callback, user_data);
  return TRUE;
}

GdkTexture *
_kvp_window_serving_render_texture (KvpWindow *self,
                                    gboolean  *out_handled)
{
  Serving *serving = g_object_get_data (G_OBJECT (self), SERVING_KEY);
  g_autoptr(KvpPictureSource) source = NULL;
  KvpPicture *picture;

  *out_handled = shown_source (self, &source, NULL);
  if (source == NULL)
    return NULL;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (serving->stack), "capacity") != 0)
    return kvp_serving_canvas_render_texture (serving->canvas);
  picture = kvp_capacity_canvas_get_picture (serving->capacity_canvas);
  return picture != NULL ? kvp_picture_canvas_render_picture (KVP_PICTURE_CANVAS (serving->capacity_canvas), picture)
                         : NULL;
}
