/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-canvas.c: draws the serving scene of the step shown; a tick
 * callback timed by the frame clock advances playback and the ease between
 * steps, and is removed when neither runs. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "kvp-serving-canvas.h"
#include "kvp-refusal-paint.h"
#include "kvp-serving-paint.h"

struct _KvpServingCanvas
{
  GtkWidget        parent_instance;

  KvpServingSteps *steps;
  guint            step;
  KvpServingScene *scene;
  gboolean         dark;

  gboolean         playing;
  double           speed;        /* steps a second */
  double           pending;      /* fraction of a step played */
  guint            tick_id;
  gint64           last_time;    /* µs, the last tick */
  gint64           scene_time;   /* µs, when the scene came on screen */
  double           t;            /* seconds since then */

  guint32          selected;
  char            *description;
  cairo_surface_t *frames[2];    /* painted in turn: GTK keeps the last one */
  guint            back;
  char            *refusal_title; /* no run: why, drawn instead of it */
  char            *refusal;
};

G_DEFINE_FINAL_TYPE (KvpServingCanvas, kvp_serving_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STEP,
  PROP_PLAYING,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
animations_enabled (KvpServingCanvas *self)
{
  gboolean enabled = TRUE;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-enable-animations", &enabled, NULL);
  return enabled;
}

static void
update_description (KvpServingCanvas *self)
{
  g_autofree char *description = NULL;

  if (self->refusal_title != NULL)
    description = kvp_refusal_describe (self->refusal_title, self->refusal);
  else if (self->scene == NULL)
    return;
  else
    description = kvp_serving_scene_dup_description (self->scene);
  if (self->refusal_title == NULL && self->selected != KVP_SERVING_NO_REQUEST)
    {
      g_autofree char *request = kvp_serving_scene_dup_request_text (self->scene, self->selected);

      if (request != NULL)
        {
          char *both = g_strdup_printf ("%s %s.", description, request);

          g_free (description);
          description = both;
        }
    }

  if (g_strcmp0 (description, self->description) == 0)
    return;

  g_free (self->description);
  self->description = g_steal_pointer (&description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description,
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

static gboolean tick_cb (GtkWidget     *widget,
                         GdkFrameClock *clock,
                         gpointer       user_data);

static void
ensure_ticking (KvpServingCanvas *self)
{
  if (self->tick_id == 0)
    {
      self->last_time = 0;
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
    }
}

/* The scene of the step at the current size and palette, easing from the
 * one on screen when animations are wanted. */
static void
ensure_scene (KvpServingCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  const KvpTheme *theme = kvp_theme_get (self->dark ? KVP_THEME_DARK : KVP_THEME_LIGHT);
  KvpServingScene *old = self->scene;

  if (self->steps == NULL || width <= 0 || height <= 0)
    return;
  if (old != NULL && kvp_serving_scene_get_steps (old) == self->steps &&
      kvp_serving_scene_get_step (old) == self->step && kvp_serving_scene_get_theme (old) == theme &&
      (int) kvp_serving_scene_get_width (old) == width && (int) kvp_serving_scene_get_height (old) == height)
    return;

  self->scene = kvp_serving_scene_new (self->steps, self->step, theme, width, height);
  if (old != NULL && animations_enabled (self))
    kvp_serving_scene_set_previous (self->scene, old);
  g_clear_pointer (&old, kvp_serving_scene_unref);

  self->scene_time = 0;
  self->t = 0.0;
  if (kvp_serving_scene_get_duration (self->scene) > 0.0)
    ensure_ticking (self);
  update_description (self);
}

static void
invalidate (KvpServingCanvas *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_time > 0 ? (now - self->last_time) / 1e6 : 0.0;
  gboolean easing;

  self->last_time = now;
  if (self->scene_time == 0)
    self->scene_time = now;
  self->t = (now - self->scene_time) / 1e6;

  if (self->playing && self->steps != NULL)
    {
      guint n = kvp_serving_steps_get_n_steps (self->steps);

      self->pending += dt * self->speed;
      if (self->pending >= 1.0)
        {
          guint advance = (guint) MIN (floor (self->pending), (double) (n - 1 - self->step));

          self->pending -= floor (self->pending);
          kvp_serving_canvas_set_step (self, self->step + advance);
          if (self->step + 1 >= n)
            kvp_serving_canvas_set_playing (self, FALSE);
        }
    }

  easing = self->scene != NULL && self->t < kvp_serving_scene_get_duration (self->scene);
  gtk_widget_queue_draw (widget);
  if (self->playing || easing)
    return G_SOURCE_CONTINUE;

  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

/* Running requests of the paged pool, in admission order: what the arrow
 * keys move through. */
static gboolean
move_selection (KvpServingCanvas *self,
                int               delta)
{
  const KvpSimSnapshot *snap;
  int at = -1, next;

  if (self->scene == NULL)
    return FALSE;
  snap = kvp_serving_scene_get_snapshot (self->scene, KVP_SERVING_PANEL_PAGED);
  if (snap == NULL || snap->n_running == 0)
    return FALSE;

  for (guint i = 0; i < snap->n_running; i++)
    if (snap->running[i] == self->selected)
      at = (int) i;

  if (delta == G_MININT)
    next = 0;
  else if (delta == G_MAXINT)
    next = (int) snap->n_running - 1;
  else if (at < 0)
    next = delta > 0 ? 0 : (int) snap->n_running - 1;
  else
    next = CLAMP (at + delta, 0, (int) snap->n_running - 1);

  kvp_serving_canvas_select (self, snap->running[next]);
  return TRUE;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                KvpServingCanvas      *self)
{
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Left:
    case GDK_KEY_KP_Up:
      return move_selection (self, -1);
    case GDK_KEY_Right:
    case GDK_KEY_Down:
    case GDK_KEY_KP_Right:
    case GDK_KEY_KP_Down:
      return move_selection (self, 1);
    case GDK_KEY_Home:
      return move_selection (self, G_MININT);
    case GDK_KEY_End:
      return move_selection (self, G_MAXINT);
    case GDK_KEY_Escape:
      if (self->selected == KVP_SERVING_NO_REQUEST)
        return FALSE;
      kvp_serving_canvas_select (self, KVP_SERVING_NO_REQUEST);
      return TRUE;
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
      /* Before the window's Space, which would "activate" the picture. */
      return gtk_widget_activate_action (GTK_WIDGET (self), "win.toggle-play", NULL);
    default:
      return FALSE;
    }
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           KvpServingCanvas         *self)
{
  guint32 request;

  if (self->scene != NULL && kvp_serving_scene_get_request_at (self->scene, x, y, &request))
    kvp_serving_canvas_select (self, request);
}

static void
pressed_cb (GtkGestureClick  *gesture,
            int               n_press,
            double            x,
            double            y,
            KvpServingCanvas *self)
{
  guint32 request;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (self->scene != NULL && kvp_serving_scene_get_request_at (self->scene, x, y, &request))
    kvp_serving_canvas_select (self, request);
  else
    kvp_serving_canvas_select (self, KVP_SERVING_NO_REQUEST);
}

static void
enable_animations_changed_cb (GtkSettings      *settings,
                              GParamSpec       *pspec,
                              KvpServingCanvas *self)
{
  invalidate (self);
}

static void
kvp_serving_canvas_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kvp_serving_canvas_parent_class)->root (widget);

  g_signal_connect_object (gtk_widget_get_settings (widget), "notify::gtk-enable-animations",
                           G_CALLBACK (enable_animations_changed_cb), widget, 0);
}

static void
kvp_serving_canvas_unroot (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_settings (widget), enable_animations_changed_cb, widget);

  GTK_WIDGET_CLASS (kvp_serving_canvas_parent_class)->unroot (widget);
}

static void
kvp_serving_canvas_css_changed (GtkWidget         *widget,
                                GtkCssStyleChange *change)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (widget);
  GdkRGBA color;

  GTK_WIDGET_CLASS (kvp_serving_canvas_parent_class)->css_changed (widget, change);

  /* Light text means a dark style, however it was chosen. */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  self->dark = 0.299 * color.red + 0.587 * color.green + 0.114 * color.blue > 0.5;
  invalidate (self);
}

static void
kvp_serving_canvas_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = MAX (1, gtk_widget_get_scale_factor (widget));
  cairo_surface_t **frame;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  ensure_scene (self);
  if (self->scene == NULL && self->refusal_title == NULL)
    return;

  self->back ^= 1;
  frame = &self->frames[self->back];
  if (*frame == NULL || cairo_image_surface_get_width (*frame) != width * scale ||
      cairo_image_surface_get_height (*frame) != height * scale)
    {
      g_clear_pointer (frame, cairo_surface_destroy);
      *frame = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
      cairo_surface_set_device_scale (*frame, scale, scale);
    }

  cr = cairo_create (*frame);
  if (self->refusal_title != NULL)
    kvp_refusal_paint (cr, kvp_theme_get (self->dark ? KVP_THEME_DARK : KVP_THEME_LIGHT), width, height,
                       self->refusal_title, self->refusal);
  else
    {
      kvp_serving_paint (cr, self->scene, self->tick_id != 0 ? self->t : kvp_serving_scene_get_duration (self->scene),
                         self->selected);
      if (gtk_widget_has_visible_focus (widget) && self->selected == KVP_SERVING_NO_REQUEST)
        {
          cairo_rectangle_t grid;
          const KvpTheme *theme = kvp_serving_scene_get_theme (self->scene);

          kvp_serving_scene_get_grid_bounds (self->scene, KVP_SERVING_PANEL_PAGED, &grid);
          cairo_rectangle (cr, grid.x - 3.5, grid.y - 3.5, grid.width + 7, grid.height + 7);
          cairo_set_source_rgba (cr, theme->text.red, theme->text.green, theme->text.blue, 1.0);
          cairo_set_line_width (cr, 2.0);
          cairo_stroke (cr);
        }
    }
  cairo_destroy (cr);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_source_surface (cr, *frame, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static void
kvp_serving_canvas_dispose (GObject *object)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_pointer (&self->scene, kvp_serving_scene_unref);
  g_clear_pointer (&self->steps, kvp_serving_steps_unref);
  g_clear_pointer (&self->frames[0], cairo_surface_destroy);
  g_clear_pointer (&self->frames[1], cairo_surface_destroy);

  G_OBJECT_CLASS (kvp_serving_canvas_parent_class)->dispose (object);
}

static void
kvp_serving_canvas_finalize (GObject *object)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (object);

  g_free (self->description);
  g_free (self->refusal_title);
  g_free (self->refusal);

  G_OBJECT_CLASS (kvp_serving_canvas_parent_class)->finalize (object);
}

static void
kvp_serving_canvas_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (object);

  switch (prop_id)
    {
    case PROP_STEP:
      g_value_set_uint (value, self->step);
      break;
    case PROP_PLAYING:
      g_value_set_boolean (value, self->playing);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_serving_canvas_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (object);

  switch (prop_id)
    {
    case PROP_STEP:
      kvp_serving_canvas_set_step (self, g_value_get_uint (value));
      break;
    case PROP_PLAYING:
      kvp_serving_canvas_set_playing (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_serving_canvas_class_init (KvpServingCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kvp_serving_canvas_dispose;
  object_class->finalize = kvp_serving_canvas_finalize;
  object_class->get_property = kvp_serving_canvas_get_property;
  object_class->set_property = kvp_serving_canvas_set_property;

  widget_class->snapshot = kvp_serving_canvas_snapshot;
  widget_class->css_changed = kvp_serving_canvas_css_changed;
  widget_class->root = kvp_serving_canvas_root;
  widget_class->unroot = kvp_serving_canvas_unroot;

  properties[PROP_STEP] =
    g_param_spec_uint ("step", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "kvp-serving-canvas");
}

static void
kvp_serving_canvas_init (KvpServingCanvas *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->selected = KVP_SERVING_NO_REQUEST;
  self->speed = 100.0;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Serving simulation"), -1);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
kvp_serving_canvas_new (void)
{
  return g_object_new (KVP_TYPE_SERVING_CANVAS, NULL);
}

void
kvp_serving_canvas_set_steps (KvpServingCanvas *self,
                              KvpServingSteps  *steps)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  if (steps == self->steps)
    return;

  g_clear_pointer (&self->steps, kvp_serving_steps_unref);
  /* Another run: nothing to ease from. */
  g_clear_pointer (&self->scene, kvp_serving_scene_unref);
  if (steps != NULL)
    {
      self->steps = kvp_serving_steps_ref (steps);
      kvp_serving_canvas_set_step (self, MIN (self->step, kvp_serving_steps_get_n_steps (steps) - 1));
    }
  self->selected = KVP_SERVING_NO_REQUEST;
  invalidate (self);
}

KvpServingSteps *
kvp_serving_canvas_get_steps (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  return self->steps;
}

void
kvp_serving_canvas_set_step (KvpServingCanvas *self,
                             guint             step)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  if (self->steps != NULL)
    step = MIN (step, kvp_serving_steps_get_n_steps (self->steps) - 1);
  if (step == self->step)
    return;

  self->step = step;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
}

guint
kvp_serving_canvas_get_step (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), 0);

  return self->step;
}

void
kvp_serving_canvas_set_playing (KvpServingCanvas *self,
                                gboolean          playing)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  playing = !!playing;
  if (playing == self->playing)
    return;

  /* Play from the start when the run has been played to its end. */
  if (playing && self->steps != NULL && self->step + 1 >= kvp_serving_steps_get_n_steps (self->steps))
    kvp_serving_canvas_set_step (self, 0);

  self->playing = playing;
  self->pending = 0.0;
  if (playing)
    ensure_ticking (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

gboolean
kvp_serving_canvas_get_playing (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), FALSE);

  return self->playing;
}

void
kvp_serving_canvas_set_speed (KvpServingCanvas *self,
                              double            steps_per_second)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));
  g_return_if_fail (steps_per_second > 0.0);

  self->speed = steps_per_second;
}

void
kvp_serving_canvas_select (KvpServingCanvas *self,
                           guint32           request)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  if (request == self->selected)
    return;

  self->selected = request;
  update_description (self);
  invalidate (self);
}

guint32
kvp_serving_canvas_get_selected (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), KVP_SERVING_NO_REQUEST);

  return self->selected;
}

KvpServingScene *
kvp_serving_canvas_get_scene (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  return self->scene;
}

const char *
kvp_serving_canvas_get_description (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  return self->description;
}

GdkTexture *
kvp_serving_canvas_render_texture (KvpServingCanvas *self)
{
  g_autoptr(GBytes) bytes = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  int width, height, scale, stride;

  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  ensure_scene (self);
  if (self->scene == NULL)
    return NULL;

  scale = MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  /* The settled step, without the selection. */
  kvp_serving_paint (cr, self->scene, kvp_serving_scene_get_duration (self->scene), KVP_SERVING_NO_REQUEST);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  stride = cairo_image_surface_get_stride (surface);
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface), (gsize) stride * height * scale,
                                      (GDestroyNotify) cairo_surface_destroy, surface);

  return gdk_memory_texture_new (width * scale, height * scale, GDK_MEMORY_DEFAULT, bytes, stride);
}

/* No run to show: @title and @reason drawn (and described) instead; NULL
 * shows the run again. */
void
kvp_serving_canvas_set_refusal (KvpServingCanvas *self,
                                const char       *title,
                                const char       *reason)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  if (g_strcmp0 (self->refusal_title, title) == 0 && g_strcmp0 (self->refusal, reason) == 0)
    return;
  g_free (self->refusal_title);
  g_free (self->refusal);
  self->refusal_title = g_strdup (title);
  self->refusal = title != NULL ? g_strdup (reason) : NULL;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
