/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-canvas.c: draws the serving scene of the step shown; a tick
 * callback timed by the frame clock advances playback (in simulated time, a
 * multiple of real time) and the ease between steps, and is removed when
 * neither runs.  The chart's time range zooms and pans by scroll, pinch and
 * keys. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "kvp-serving-canvas.h"
#include "kvp-draw.h"
#include "kvp-refusal-paint.h"
#include "kvp-refusal-picture.h"
#include "kvp-serving-paint.h"

/* The narrowest range the chart zooms to: a step or two. */
#define MIN_SPAN_NS 1000000.0

struct _KvpServingCanvas
{
  KvpPictureCanvas parent_instance;

  KvpServingSteps *steps;
  guint            step;
  KvpServingScene *scene;

  gboolean         playing;
  double           speed;        /* simulated seconds a second */
  double           play_ns;      /* where playback is, in simulated ns */
  gboolean         advancing;    /* playback sets the step */
  /* The chart's range, ns; [0, 0) shows the whole run. */
  guint64          view_start, view_end;
  double           pointer_x, pointer_y;
  double           pinch_span;   /* the range's span when a pinch began */
  guint64          pinch_anchor;
  /* While playing, the next scene is built and its grids drawn in a
   * worker; the one on screen stays until it is ready. */
  GCancellable    *building;
  gint64           last_time;    /* µs, the last tick */
  gint64           scene_time;   /* µs, when the scene came on screen */
  double           t;            /* seconds since then */

  guint32          selected;
  /* The paged block under the pointer and what it is (its tooltip), kept
   * with each motion and each new scene; NULL off the paged grid. */
  gboolean         pointer_inside;
  char            *hover_text;
  char            *refusal_title; /* no run: why, drawn instead of it */
  char            *refusal;
  KvpPicture      *refusal_picture;
  char            *notice_title;  /* a refusal that kept the run: drawn over it */
  char            *notice;
  cairo_rectangle_t notice_card;  /* where it was drawn: no block under it answers */
};

G_DEFINE_FINAL_TYPE (KvpServingCanvas, kvp_serving_canvas, KVP_TYPE_PICTURE_CANVAS)

enum {
  PROP_0,
  PROP_STEP,
  PROP_PLAYING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A point of the run's picture that is not under the notice drawn over
 * it: the blocks the notice hides neither select nor say what they are. */
static gboolean
on_run (KvpServingCanvas *self,
        double            x,
        double            y)
{
  const cairo_rectangle_t *c = &self->notice_card;

  if (self->scene == NULL)
    return FALSE;
  return self->notice_title == NULL || x < c->x || x >= c->x + c->width || y < c->y || y >= c->y + c->height;
}

/* What the block under the pointer is, at the step shown; TRUE when that
 * changed.  GTK asks the tooltip again as the pointer moves; asking it from
 * here on every motion would hide the tooltip before it shows. */
static gboolean
update_hover (KvpServingCanvas *self)
{
  guint32 block;
  char *text = NULL;

  if (self->pointer_inside && on_run (self, self->pointer_x, self->pointer_y) && self->refusal_title == NULL &&
      kvp_serving_scene_get_block_at (self->scene, self->pointer_x, self->pointer_y, &block))
    text = kvp_serving_scene_dup_block_text (self->scene, block);
  if (g_strcmp0 (text, self->hover_text) == 0)
    {
      g_free (text);
      return FALSE;
    }
  g_free (self->hover_text);
  self->hover_text = text;
  return TRUE;
}

/* A new step under a pointer at rest: its tooltip says the new step's. */
static void
hover_new_scene (KvpServingCanvas *self)
{
  if (update_hover (self))
    gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

static void
update_description (KvpServingCanvas *self)
{
  g_autofree char *request = NULL;

  update_hover (self);

  if (self->refusal_title != NULL)
    {
      g_autofree char *description = kvp_refusal_describe (self->refusal_title, self->refusal);

      kvp_picture_canvas_set_description (KVP_PICTURE_CANVAS (self), description);
      return;
    }
  if (self->scene == NULL)
    return;

  if (self->selected != KVP_SERVING_NO_REQUEST)
    request = kvp_serving_scene_dup_request_text (self->scene, self->selected);
  kvp_picture_canvas_describe (KVP_PICTURE_CANVAS (self), KVP_PICTURE (self->scene), request);
  /* The notice drawn over the run is read first, as it is seen first. */
  if (self->notice_title != NULL)
    {
      g_autofree char *notice = kvp_refusal_describe (self->notice_title, self->notice);
      g_autofree char *both = g_strconcat (notice, " ", kvp_picture_canvas_get_description (KVP_PICTURE_CANVAS (self)),
                                           NULL);

      kvp_picture_canvas_set_description (KVP_PICTURE_CANVAS (self), both);
    }
}

static void
ensure_ticking (KvpServingCanvas *self)
{
  if (!kvp_picture_canvas_get_animating (KVP_PICTURE_CANVAS (self)))
    {
      self->last_time = 0;
      kvp_picture_canvas_start_ticking (KVP_PICTURE_CANVAS (self));
    }
}

typedef struct
{
  KvpServingSteps *steps;
  guint            step;
  guint64          start, end;
  const KvpTheme  *theme;
  int              width, height;
  double           scale;
} SceneJob;

static void
scene_job_free (SceneJob *job)
{
  kvp_serving_steps_unref (job->steps);
  g_free (job);
}

static void
build_scene_thread_cb (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  SceneJob *job = task_data;
  KvpServingScene *scene = kvp_serving_scene_new_range (job->steps, job->step, job->start, job->end, job->theme,
                                                        job->width, job->height);

  kvp_serving_scene_prepare (scene, job->scale);
  g_task_return_pointer (task, scene, (GDestroyNotify) kvp_serving_scene_unref);
}

static void update_description (KvpServingCanvas *self);

static void
scene_built_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (source);
  KvpServingScene *scene = g_task_propagate_pointer (G_TASK (result), NULL);
  SceneJob *job = g_task_get_task_data (G_TASK (result));

  if (g_task_get_cancellable (G_TASK (result)) != self->building)
    {
      g_clear_pointer (&scene, kvp_serving_scene_unref);
      return;
    }
  g_clear_object (&self->building);
  /* Still the run shown: the scene replaces the one on screen at once
   * (playback moves on faster than blocks could ease). */
  if (scene != NULL && job->steps == self->steps && (self->playing || job->step == self->step))
    {
      g_clear_pointer (&self->scene, kvp_serving_scene_unref);
      self->scene = scene;
      self->scene_time = 0;
      self->t = 0.0;
      hover_new_scene (self);
      update_description (self);
    }
  else
    g_clear_pointer (&scene, kvp_serving_scene_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* While playing: the scene of the step shown built off the main thread,
 * one at a time, so a frame never waits for one.  FALSE when the scene
 * must be built here (nothing on screen yet). */
static gboolean
build_in_worker (KvpServingCanvas *self,
                 guint64           start,
                 guint64           end,
                 const KvpTheme   *theme,
                 int               width,
                 int               height)
{
  g_autoptr(GTask) task = NULL;
  SceneJob *job;

  if (!self->playing || self->scene == NULL || kvp_serving_scene_get_steps (self->scene) != self->steps ||
      kvp_picture_get_theme (KVP_PICTURE (self->scene)) != theme ||
      (int) kvp_picture_get_width (KVP_PICTURE (self->scene)) != width ||
      (int) kvp_picture_get_height (KVP_PICTURE (self->scene)) != height)
    return FALSE;
  if (self->building != NULL)
    return TRUE;

  job = g_new0 (SceneJob, 1);
  *job = (SceneJob) { kvp_serving_steps_ref (self->steps), self->step, start, end, theme, width, height,
                      MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self))) };
  self->building = g_cancellable_new ();
  task = g_task_new (self, self->building, scene_built_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) scene_job_free);
  g_task_run_in_thread (task, build_scene_thread_cb);
  return TRUE;
}

/* The scene of the step at the current size and palette, easing from the
 * one on screen when animations are wanted. */
static void
ensure_scene (KvpServingCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  const KvpTheme *theme = kvp_picture_canvas_get_theme (KVP_PICTURE_CANVAS (self));
  KvpServingScene *old = self->scene;
  KvpPicture *shown = KVP_PICTURE (old);
  guint64 start, end, old_start = 0, old_end = 0;

  if (self->steps == NULL || width <= 0 || height <= 0)
    return;
  kvp_serving_canvas_get_view_range (self, &start, &end);
  if (old != NULL)
    kvp_serving_scene_get_chart_plot (old, NULL, &old_start, &old_end);
  if (old != NULL && kvp_serving_scene_get_steps (old) == self->steps &&
      kvp_serving_scene_get_step (old) == self->step && kvp_picture_get_theme (shown) == theme &&
      (int) kvp_picture_get_width (shown) == width && (int) kvp_picture_get_height (shown) == height &&
      old_start == start && old_end == end)
    return;
  if (build_in_worker (self, start, end, theme, width, height))
    return;

  self->scene = kvp_serving_scene_new_range (self->steps, self->step, start, end, theme, width, height);
  if (old != NULL && kvp_picture_canvas_animations_enabled (KVP_PICTURE_CANVAS (self)))
    kvp_serving_scene_set_previous (self->scene, old);
  g_clear_pointer (&old, kvp_serving_scene_unref);

  self->scene_time = 0;
  self->t = 0.0;
  if (kvp_serving_scene_get_duration (self->scene) > 0.0)
    ensure_ticking (self);
  hover_new_scene (self);
  update_description (self);
}

static void
invalidate (KvpServingCanvas *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The chart's range, kept inside the run and at least MIN_SPAN_NS wide;
 * the whole run (or [0, 0)) is no zoom at all. */
static void
set_view (KvpServingCanvas *self,
          guint64           start,
          guint64           end)
{
  guint64 run_end;
  double span;

  if (self->steps == NULL)
    return;
  /* [0, 0): the whole run. */
  if (start == 0 && end == 0)
    end = G_MAXUINT64;
  run_end = MAX (kvp_serving_steps_get_end (self->steps), 1);
  span = CLAMP ((double) end - (double) start, MIN (MIN_SPAN_NS, (double) run_end), (double) run_end);
  if ((double) start + span > run_end)
    start = (guint64) (run_end - span);
  end = (guint64) (start + span);
  if (start == 0 && end >= run_end)
    start = end = 0;
  if (start == self->view_start && end == self->view_end)
    return;
  self->view_start = start;
  self->view_end = end;
  invalidate (self);
}

/* Simulated time moves speed times as fast as real time; the step shown is
 * the one running then.  A zoomed chart follows, a page at a time. */
static void
advance_playback (KvpServingCanvas *self,
                  double            dt)
{
  guint n = kvp_serving_steps_get_n_steps (self->steps);
  double last = (double) kvp_serving_steps_get_time (self->steps, n - 1);

  self->play_ns = MIN (self->play_ns + dt * self->speed * 1e9, last);
  self->advancing = TRUE;
  kvp_serving_canvas_set_step (self, kvp_serving_steps_find_time (self->steps, (guint64) self->play_ns));
  self->advancing = FALSE;
  if (self->view_end > self->view_start && self->play_ns >= self->view_end)
    {
      guint64 span = self->view_end - self->view_start;

      set_view (self, (guint64) self->play_ns, (guint64) self->play_ns + span);
    }
  if (self->play_ns >= last)
    kvp_serving_canvas_set_playing (self, FALSE);
}

static gboolean
kvp_serving_canvas_tick (KvpPictureCanvas *canvas,
                         gint64            now)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (canvas);
  double dt = self->last_time > 0 ? (now - self->last_time) / 1e6 : 0.0;
  gboolean easing;

  self->last_time = now;
  if (self->scene_time == 0)
    self->scene_time = now;
  self->t = (now - self->scene_time) / 1e6;

  if (self->playing && self->steps != NULL)
    advance_playback (self, dt);

  easing = (self->scene != NULL && self->t < kvp_serving_scene_get_duration (self->scene)) || self->building != NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return self->playing || easing;
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

/* The time under x in the chart, or the time shown when x is off it. */
static guint64
anchor_at (KvpServingCanvas *self,
           double            x)
{
  cairo_rectangle_t plot;
  guint64 start, end;

  if (self->scene == NULL || !kvp_serving_scene_get_chart_plot (self->scene, &plot, &start, &end) ||
      x < plot.x || x > plot.x + plot.width)
    return self->steps != NULL ? kvp_serving_steps_get_time (self->steps, self->step) : 0;
  return start + (guint64) ((x - plot.x) / plot.width * (double) (end - start));
}

/* span / factor, anchor staying where it is on the axis. */
static void
zoom_around (KvpServingCanvas *self,
             double            factor,
             guint64           anchor,
             double            from_span)
{
  guint64 start, end;
  double share, span;

  kvp_serving_canvas_get_view_range (self, &start, &end);
  share = end > start ? CLAMP (((double) anchor - (double) start) / (double) (end - start), 0.0, 1.0) : 0.5;
  span = from_span / factor;
  set_view (self, (guint64) MAX ((double) anchor - share * span, 0.0),
            (guint64) MAX ((double) anchor - share * span, 0.0) + (guint64) span);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                KvpServingCanvas      *self)
{
  if ((state & GDK_SHIFT_MASK) && (keyval == GDK_KEY_Left || keyval == GDK_KEY_Right))
    {
      kvp_serving_canvas_pan (self, keyval == GDK_KEY_Left ? -0.25 : 0.25);
      return TRUE;
    }
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      kvp_serving_canvas_zoom (self, 2.0);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      kvp_serving_canvas_zoom (self, 0.5);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
      set_view (self, 0, 0);
      return TRUE;
    case GDK_KEY_e:
    case GDK_KEY_E:
      kvp_serving_canvas_go_to_paged_end (self);
      return TRUE;
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

  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  if (on_run (self, x, y) && kvp_serving_scene_get_request_at (self->scene, x, y, &request))
    kvp_serving_canvas_select (self, request);
  update_hover (self);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          KvpServingCanvas         *self)
{
  self->pointer_inside = FALSE;
  update_hover (self);
}

/* Any paged block, held, shared, cached or free, says what it is under
 * the pointer; the tooltip moves on when the pointer leaves its cell. */
static gboolean
kvp_serving_canvas_query_tooltip (GtkWidget  *widget,
                                  int         x,
                                  int         y,
                                  gboolean    keyboard_mode,
                                  GtkTooltip *tooltip)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (widget);
  g_autofree char *text = NULL;
  cairo_rectangle_t rect;
  guint32 block;

  /* The block under this point, which may differ from the last motion's. */
  if (keyboard_mode || !on_run (self, x, y) || self->refusal_title != NULL ||
      !kvp_serving_scene_get_block_at (self->scene, x, y, &block) ||
      (text = kvp_serving_scene_dup_block_text (self->scene, block)) == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  /* The cell, and the gap beside it that hit-testing gives it too, so the
   * tooltip stays while the pointer stays on this block. */
  if (kvp_serving_scene_get_block_rect (self->scene, KVP_SERVING_PANEL_PAGED, block, &rect))
    {
      int x0 = MIN ((int) floor (rect.x), x), y0 = MIN ((int) floor (rect.y), y);
      int x1 = MAX ((int) ceil (rect.x + rect.width), x + 1), y1 = MAX ((int) ceil (rect.y + rect.height), y + 1);
      GdkRectangle area = { x0, y0, x1 - x0, y1 - y0 };

      gtk_tooltip_set_tip_area (tooltip, &area);
    }
  return TRUE;
}

/* Over the chart: scroll up zooms in at the pointer, sideways (or with
 * Shift) pans. */
static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           KvpServingCanvas         *self)
{
  cairo_rectangle_t plot;
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
  GdkModifierType state = event != NULL ? gdk_event_get_modifier_state (event) : 0;
  guint64 start, end;

  if (self->scene == NULL || !kvp_serving_scene_get_chart_plot (self->scene, &plot, NULL, NULL) ||
      self->pointer_x < plot.x || self->pointer_x > plot.x + plot.width ||
      self->pointer_y < plot.y - 20 || self->pointer_y > plot.y + plot.height + 20)
    return FALSE;
  if (state & GDK_SHIFT_MASK)
    dx += dy, dy = 0;
  if (dx != 0)
    kvp_serving_canvas_pan (self, dx * 0.1);
  if (dy != 0)
    {
      kvp_serving_canvas_get_view_range (self, &start, &end);
      zoom_around (self, pow (1.25, -dy), anchor_at (self, self->pointer_x), (double) (end - start));
    }
  return TRUE;
}

static void
pinch_begin_cb (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                KvpServingCanvas *self)
{
  double x, y;
  guint64 start, end;
  GList *points;

  kvp_serving_canvas_get_view_range (self, &start, &end);
  self->pinch_span = (double) (end - start);
  points = gtk_gesture_get_sequences (gesture);
  /* Around the fingers' centre, or the time shown when there are none. */
  self->pinch_anchor = points != NULL && gtk_gesture_get_bounding_box_center (gesture, &x, &y)
                       ? anchor_at (self, x) : anchor_at (self, -1);
  g_list_free (points);
}

static void
pinch_scale_cb (GtkGestureZoom   *gesture,
                double            scale,
                KvpServingCanvas *self)
{
  if (scale > 0 && self->pinch_span > 0)
    zoom_around (self, scale, self->pinch_anchor, self->pinch_span);
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
  if (on_run (self, x, y) && kvp_serving_scene_get_request_at (self->scene, x, y, &request))
    kvp_serving_canvas_select (self, request);
  else
    kvp_serving_canvas_select (self, KVP_SERVING_NO_REQUEST);
}

/* The step's scene, or the refusal drawn instead of a run. */
static KvpPicture *
kvp_serving_canvas_ensure_picture (KvpPictureCanvas *canvas)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (canvas);
  const KvpTheme *theme = kvp_picture_canvas_get_theme (canvas);
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  KvpPicture *shown = self->refusal_picture;

  ensure_scene (self);
  if (self->refusal_title == NULL)
    return KVP_PICTURE (self->scene);

  if (shown == NULL || kvp_picture_get_theme (shown) != theme || (int) kvp_picture_get_width (shown) != width ||
      (int) kvp_picture_get_height (shown) != height ||
      !kvp_refusal_picture_shows (shown, self->refusal_title, self->refusal))
    {
      g_clear_pointer (&self->refusal_picture, kvp_picture_unref);
      self->refusal_picture = kvp_refusal_picture_new (theme, width, height, self->refusal_title, self->refusal);
    }
  return self->refusal_picture;
}

/* The keyboard focus on the paged grid, drawn as GNOME draws it on any
 * widget: a thin rounded outline in the accent colour, translucent as
 * Adwaita's (half in the light style, 70 % in the dark). */
static void
paint_focus_ring (KvpServingCanvas *self,
                  cairo_t          *cr,
                  const KvpTheme   *theme)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self));
  G_GNUC_END_IGNORE_DEPRECATIONS
  GdkRGBA accent = { 0.208, 0.518, 0.894, 1.0 }; /* Adwaita's #3584e4 */
  cairo_rectangle_t grid;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (style, "accent_bg_color", &accent))
    gtk_style_context_lookup_color (style, "theme_selected_bg_color", &accent);
  G_GNUC_END_IGNORE_DEPRECATIONS
  kvp_serving_scene_get_grid_bounds (self->scene, KVP_SERVING_PANEL_PAGED, &grid);

  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, grid.x - 4.0, grid.y - 4.0, grid.width + 8.0, grid.height + 8.0, 6.0);
  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue,
                         theme->variant == KVP_THEME_DARK ? 0.7 : 0.5);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
kvp_serving_canvas_paint (KvpPictureCanvas *canvas,
                          cairo_t          *cr,
                          KvpPicture       *picture)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (canvas);
  double t = kvp_picture_canvas_get_animating (canvas) ? self->t : kvp_picture_get_duration (picture);

  if (picture == self->refusal_picture)
    {
      kvp_picture_paint (picture, cr, G_MAXDOUBLE);
      return;
    }
  kvp_serving_paint (cr, self->scene, MIN (t, kvp_picture_get_duration (picture)), self->selected);
  /* A selected request is outlined already: that outline is the focus. */
  if (gtk_widget_has_visible_focus (GTK_WIDGET (self)) && self->selected == KVP_SERVING_NO_REQUEST)
    paint_focus_ring (self, cr, kvp_picture_get_theme (picture));
  if (self->notice_title != NULL)
    {
      cairo_rectangle_t grid;

      /* Over the paged grid, the picture's middle, where the new run
       * would have shown. */
      kvp_serving_scene_get_grid_bounds (self->scene, KVP_SERVING_PANEL_PAGED, &grid);
      kvp_refusal_paint_notice (cr, kvp_picture_get_theme (picture), &grid, self->notice_title, self->notice,
                                &self->notice_card);
    }
}

static void
kvp_serving_canvas_dispose (GObject *object)
{
  KvpServingCanvas *self = KVP_SERVING_CANVAS (object);

  g_cancellable_cancel (self->building);
  g_clear_object (&self->building);
  g_clear_pointer (&self->scene, kvp_serving_scene_unref);
  g_clear_pointer (&self->steps, kvp_serving_steps_unref);
  g_clear_pointer (&self->hover_text, g_free);
  g_clear_pointer (&self->refusal_title, g_free);
  g_clear_pointer (&self->refusal, g_free);
  g_clear_pointer (&self->refusal_picture, kvp_picture_unref);
  g_clear_pointer (&self->notice_title, g_free);
  g_clear_pointer (&self->notice, g_free);

  G_OBJECT_CLASS (kvp_serving_canvas_parent_class)->dispose (object);
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
  KvpPictureCanvasClass *canvas_class = KVP_PICTURE_CANVAS_CLASS (klass);

  object_class->dispose = kvp_serving_canvas_dispose;
  object_class->get_property = kvp_serving_canvas_get_property;
  object_class->set_property = kvp_serving_canvas_set_property;

  canvas_class->ensure_picture = kvp_serving_canvas_ensure_picture;
  canvas_class->paint = kvp_serving_canvas_paint;
  canvas_class->tick = kvp_serving_canvas_tick;
  widget_class->query_tooltip = kvp_serving_canvas_query_tooltip;

  properties[PROP_STEP] =
    g_param_spec_uint ("step", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "kvp-serving-canvas");
}

static void
kvp_serving_canvas_init (KvpServingCanvas *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->selected = KVP_SERVING_NO_REQUEST;
  self->speed = 1.0;
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Serving simulation"), -1);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_zoom_new ());
  g_signal_connect (controller, "begin", G_CALLBACK (pinch_begin_cb), self);
  g_signal_connect (controller, "scale-changed", G_CALLBACK (pinch_scale_cb), self);
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
  self->view_start = self->view_end = 0;
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
  if (self->steps != NULL && !self->advancing)
    self->play_ns = (double) kvp_serving_steps_get_time (self->steps, step);
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
  if (playing)
    ensure_ticking (self);
  else if (self->building != NULL)
    {
      /* Paused: the step shown is built here, now. */
      g_cancellable_cancel (self->building);
      g_clear_object (&self->building);
      invalidate (self);
    }
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
                              double            multiple)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));
  g_return_if_fail (multiple > 0.0);

  self->speed = multiple;
}

double
kvp_serving_canvas_get_speed (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), 1.0);

  return self->speed;
}

void
kvp_serving_canvas_get_view_range (KvpServingCanvas *self,
                                   guint64          *out_start,
                                   guint64          *out_end)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  *out_start = self->view_start;
  *out_end = self->view_end;
  if (self->view_end <= self->view_start)
    {
      *out_start = 0;
      *out_end = self->steps != NULL ? kvp_serving_steps_get_end (self->steps) : 0;
    }
}

void
kvp_serving_canvas_zoom (KvpServingCanvas *self,
                         double            factor)
{
  guint64 start, end;

  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));
  g_return_if_fail (factor > 0.0);

  kvp_serving_canvas_get_view_range (self, &start, &end);
  zoom_around (self, factor, anchor_at (self, -1), (double) (end - start));
}

void
kvp_serving_canvas_pan (KvpServingCanvas *self,
                        double            fraction)
{
  guint64 start, end;
  double shift;

  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  kvp_serving_canvas_get_view_range (self, &start, &end);
  shift = fraction * (double) (end - start);
  if ((double) start + shift < 0)
    shift = -(double) start;
  set_view (self, (guint64) ((double) start + shift), (guint64) ((double) end + shift));
}

void
kvp_serving_canvas_go_to_paged_end (KvpServingCanvas *self)
{
  guint64 end;
  guint64 start, view_end;

  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  if (self->steps == NULL)
    return;
  /* The paged run's last step: its end is where the chart marks it. */
  end = kvp_serving_steps_get_scheme_end (self->steps, KVP_SCHEME_PAGED);
  kvp_serving_canvas_set_step (self, kvp_serving_steps_find_time (self->steps, end - 1));
  kvp_serving_canvas_get_view_range (self, &start, &view_end);
  if (end < start || end > view_end)
    kvp_serving_canvas_pan (self, ((double) end - (double) (start + view_end) / 2) / (double) (view_end - start));
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
kvp_serving_canvas_get_hover_text (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  return self->hover_text;
}

const char *
kvp_serving_canvas_get_description (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  return kvp_picture_canvas_get_description (KVP_PICTURE_CANVAS (self));
}

GdkTexture *
kvp_serving_canvas_render_texture (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  ensure_scene (self);
  /* The settled step, without the selection. */
  return self->scene != NULL ? kvp_picture_canvas_render_picture (KVP_PICTURE_CANVAS (self), KVP_PICTURE (self->scene))
                             : NULL;
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

/* A refusal that kept the run (a workload file not read): @title over
 * @reason drawn over the run, and said with its description; NULL takes
 * it away. */
void
kvp_serving_canvas_set_notice (KvpServingCanvas *self,
                               const char       *title,
                               const char       *reason)
{
  g_return_if_fail (KVP_IS_SERVING_CANVAS (self));

  if (g_strcmp0 (self->notice_title, title) == 0 && g_strcmp0 (self->notice, reason) == 0)
    return;
  g_free (self->notice_title);
  g_free (self->notice);
  self->notice_title = g_strdup (title);
  self->notice = title != NULL ? g_strdup (reason) : NULL;
  /* Known once drawn. */
  self->notice_card = (cairo_rectangle_t) { 0 };
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
kvp_serving_canvas_get_notice (KvpServingCanvas *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (self), NULL);

  return self->notice_title;
}
