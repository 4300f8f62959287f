/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-canvas.c: the window's picture.  The scene is rebuilt only when the
 * comparison, the size or the palette changes: its texts on the main thread
 * (well under a millisecond), its grid in a worker when the grid is big,
 * while the previous grid stands in.  A frame just paints the scene at time
 * t, and t advances from a tick callback that exists only while a transition
 * runs.  The grid takes keyboard focus: arrows move from cell to cell. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "kvp-canvas.h"
#include "kvp-paint.h"
#include "kvp-refusal-paint.h"
#include "kvp-theme.h"

#define MIN_WIDTH  360
#define MIN_HEIGHT 300

struct _KvpCanvas
{
  GtkWidget      parent_instance;

  KvpComparison *comparison;
  KvpScene      *scene;
  gboolean       scene_valid;
  gboolean       launching;   /* the transition is the launch sequence */
  GCancellable  *prepare_cancellable;

  gboolean       dark;

  guint          tick_id;
  guint          warm_id;     /* idle: draws the settled frame once, unseen */
  gint64         start_time;  /* µs, frame clock; 0 until the first frame */
  double         t;
  gboolean       settled;

  guint32        focus_cell;  /* the grid cell the keyboard is on */

  /* The frame is painted into an image of our own and handed to GTK whole:
   * the painters' caches work on images, and GTK's cairo renderer replays
   * one paint instead of every path and glyph. */
  cairo_surface_t *frames[2];
  guint            back;       /* the one painted next */

  char          *description;
  gint64         last_build_time;
  char          *refusal;     /* why there is no pool: drawn instead of it */
};

/* Grids that take longer than this many cells plus held blocks to draw are
 * built in a worker. */
#define ASYNC_GRID_WORK 100000

G_DEFINE_FINAL_TYPE (KvpCanvas, kvp_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ANIMATING,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
animations_enabled (KvpCanvas *self)
{
  gboolean enabled = TRUE;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)),
                "gtk-enable-animations", &enabled,
                NULL);
  return enabled;
}

static void
update_description (KvpCanvas *self)
{
  g_autofree char *description = NULL;

  if (self->refusal != NULL)
    description = kvp_refusal_describe (_("vLLM would not start."), self->refusal);
  else if (self->scene == NULL)
    return;
  else
    description = kvp_scene_dup_description (self->scene);
  if (g_strcmp0 (description, self->description) == 0)
    return;

  g_free (self->description);
  self->description = g_steal_pointer (&description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description,
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

static void start_clock             (KvpCanvas  *self);
static void announce_focus          (KvpCanvas  *self);
static void focus_widget_changed_cb (GtkWindow  *window,
                                     GParamSpec *pspec,
                                     KvpCanvas  *self);

static void
scene_prepared_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KvpCanvas) self = user_data;
  KvpScene *scene = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  kvp_scene_prepare_finish (scene, result, &error);
  if (scene != self->scene)
    return;

  /* The transition starts now that the grid can show it. */
  g_debug ("Grid ready");
  start_clock (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Builds the scene of the current comparison at the current size.  from,
 * when given, is the picture the transition starts from, as it stood at its
 * time from_t; without it the scene plays the launch. */
static void
build_scene (KvpCanvas *self,
             KvpScene  *from,
             double     from_t)
{
  const KvpTheme *theme = kvp_canvas_get_theme (self);
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autoptr(KvpScene) scene = NULL;
  gint64 begin;

  if (self->comparison == NULL || width <= 0 || height <= 0)
    return;

  begin = g_get_monotonic_time ();

  scene = kvp_scene_new (self->comparison, theme, width, height);
  if (from != NULL)
    kvp_scene_set_previous (scene, from, from_t);

  kvp_scene_set_device_scale (scene, MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self))));

  g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  g_clear_pointer (&self->scene, kvp_scene_unref);
  self->scene = g_steal_pointer (&scene);
  self->scene_valid = TRUE;

  if ((guint64) kvp_scene_get_n_cells (self->scene) + self->comparison->blocks_used > ASYNC_GRID_WORK)
    {
      self->prepare_cancellable = g_cancellable_new ();
      kvp_scene_prepare_async (self->scene, self->prepare_cancellable, scene_prepared_cb, g_object_ref (self));
    }
  else
    kvp_scene_prepare (self->scene);
  if (self->focus_cell >= kvp_scene_get_n_cells (self->scene))
    self->focus_cell = 0;

  self->last_build_time = g_get_monotonic_time () - begin;
  g_debug ("Scene of %u blocks at %d×%d built in %.2f ms",
           self->comparison->params.num_blocks, width, height,
           self->last_build_time / 1000.0);

  update_description (self);
  /* The cell under the keyboard may hold something else now. */
  if (gtk_widget_is_focus (GTK_WIDGET (self)))
    announce_focus (self);
}

/* A new size or palette: the same comparison, moving on from the frame on
 * screen (a launch not yet begun starts over). */
static void
ensure_scene (KvpCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autoptr(KvpScene) old = NULL;

  if (self->scene_valid && self->scene != NULL &&
      (int) kvp_scene_get_width (self->scene) == width &&
      (int) kvp_scene_get_height (self->scene) == height)
    return;

  old = self->scene != NULL ? kvp_scene_ref (self->scene) : NULL;
  if (old == NULL || (self->launching && self->start_time == 0))
    {
      build_scene (self, NULL, 0.0);
      return;
    }

  build_scene (self, old, self->settled ? G_MAXDOUBLE : self->t);
  self->launching = FALSE;
  if (!self->settled || kvp_scene_get_duration (self->scene) > 0.0 || !kvp_scene_is_prepared (self->scene))
    {
      self->settled = FALSE;
      start_clock (self);
    }
}

/* The launch shows its parts one by one, and the first frame that shows a
 * text or the grid would pay for rasterizing its glyphs and picture.  Drawn
 * once unseen in the quiet between the first frames, they are ready. */
static gboolean
warm_cb (gpointer user_data)
{
  KvpCanvas *self = user_data;
  cairo_surface_t *scratch;
  cairo_t *cr;
  int scale = MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));

  self->warm_id = 0;
  if (self->scene == NULL || !kvp_scene_is_prepared (self->scene))
    return G_SOURCE_REMOVE;

  scratch = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        (int) kvp_scene_get_width (self->scene) * scale,
                                        (int) kvp_scene_get_height (self->scene) * scale);
  cairo_surface_set_device_scale (scratch, scale, scale);
  /* Cards and bars only: the grid's picture is ready already, and painting
   * it settled would move it away from the frame on screen. */
  cr = cairo_create (scratch);
  kvp_paint_cards (cr, self->scene, kvp_scene_get_duration (self->scene));
  kvp_paint_bars (cr, self->scene, kvp_scene_get_duration (self->scene));
  cairo_destroy (cr);
  cairo_surface_destroy (scratch);

  return G_SOURCE_REMOVE;
}

static void
set_animating (KvpCanvas *self,
               gboolean   animating)
{
  if (animating == (self->tick_id != 0))
    return;

  if (!animating)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANIMATING]);
}

static void
settle (KvpCanvas *self)
{
  self->settled = TRUE;
  self->launching = FALSE;
  self->t = self->scene != NULL ? kvp_scene_get_duration (self->scene) : 0.0;
  set_animating (self, FALSE);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  KvpCanvas *self = KVP_CANVAS (widget);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);

  /* While the grid is built in a worker, the clock waits at 0. */
  if (self->scene != NULL && !kvp_scene_is_prepared (self->scene))
    {
      self->start_time = 0;
      return G_SOURCE_CONTINUE;
    }

  if (self->start_time == 0)
    {
      self->start_time = now;
      if (self->launching && self->warm_id == 0)
        self->warm_id = g_idle_add_full (G_PRIORITY_LOW, warm_cb, self, NULL);
    }

  self->t = (now - self->start_time) / (double) G_USEC_PER_SEC;
  gtk_widget_queue_draw (widget);

  if (self->scene != NULL && self->t >= kvp_scene_get_duration (self->scene))
    {
      /* Returning G_SOURCE_REMOVE drops the callback: forget its id first,
       * so settle() only tells that the animation stopped. */
      self->tick_id = 0;
      settle (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANIMATING]);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* Starts the current scene's transition from t = 0, or shows its settled
 * frame at once when the desktop asks for no animations. */
static void
start_clock (KvpCanvas *self)
{
  self->settled = FALSE;
  self->t = 0.0;
  self->start_time = 0;

  if (!animations_enabled (self) || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      /* An unmapped canvas has no frames to animate; it shows the settled
       * picture when it appears, except for the launch sequence which waits
       * for the first frame. */
      if (!animations_enabled (self) || !self->launching)
        {
          settle (self);
          gtk_widget_queue_draw (GTK_WIDGET (self));
          return;
        }
    }

  if (self->tick_id == 0)
    {
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANIMATING]);
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
kvp_canvas_dispose (GObject *object)
{
  KvpCanvas *self = KVP_CANVAS (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }

  g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  g_clear_handle_id (&self->warm_id, g_source_remove);
  g_clear_pointer (&self->scene, kvp_scene_unref);
  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  g_clear_pointer (&self->frames[0], cairo_surface_destroy);
  g_clear_pointer (&self->frames[1], cairo_surface_destroy);

  G_OBJECT_CLASS (kvp_canvas_parent_class)->dispose (object);
}

static void
kvp_canvas_finalize (GObject *object)
{
  KvpCanvas *self = KVP_CANVAS (object);

  g_free (self->description);
  g_free (self->refusal);

  G_OBJECT_CLASS (kvp_canvas_parent_class)->finalize (object);
}

static void
kvp_canvas_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KvpCanvas *self = KVP_CANVAS (object);

  switch (prop_id)
    {
    case PROP_ANIMATING:
      g_value_set_boolean (value, kvp_canvas_get_animating (self));
      break;

    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_canvas_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = MIN_WIDTH;
  else
    *minimum = *natural = MIN_HEIGHT;
}

static void
kvp_canvas_size_allocate (GtkWidget *widget,
                          int        width,
                          int        height,
                          int        baseline)
{
  ensure_scene (KVP_CANVAS (widget));
}

/* The desktop asked for no animations: whatever moves stops where it ends. */
static void
enable_animations_changed_cb (GtkSettings *settings,
                              GParamSpec  *pspec,
                              KvpCanvas   *self)
{
  if (self->tick_id != 0 && !animations_enabled (self))
    {
      settle (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
kvp_canvas_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->root (widget);

  g_signal_connect_object (gtk_widget_get_settings (widget), "notify::gtk-enable-animations",
                           G_CALLBACK (enable_animations_changed_cb), widget, 0);
  if (GTK_IS_WINDOW (gtk_widget_get_root (widget)))
    g_signal_connect_object (gtk_widget_get_root (widget), "notify::focus-widget",
                             G_CALLBACK (focus_widget_changed_cb), widget, 0);
}

static void
kvp_canvas_unroot (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_settings (widget),
                                        enable_animations_changed_cb, widget);
  g_signal_handlers_disconnect_by_func (gtk_widget_get_root (widget),
                                        focus_widget_changed_cb, widget);

  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->unroot (widget);
}

static void
kvp_canvas_map (GtkWidget *widget)
{
  KvpCanvas *self = KVP_CANVAS (widget);

  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->map (widget);

  /* The launch sequence plays once the picture is on screen. */
  if (self->launching && self->tick_id == 0 && self->comparison != NULL)
    start_clock (self);
}

/* The keyboard's cell, ringed in the text colour, outside the cell so the
 * cell's own colour stays readable. */
static void
paint_focus (KvpCanvas *self,
             cairo_t   *cr)
{
  const KvpTheme *theme = kvp_canvas_get_theme (self);
  cairo_rectangle_t r;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* The window's focus widget, whether or not the window is active right
   * now: a ring that comes and goes with the window manager only confuses. */
  if (!GTK_IS_WINDOW (root) || !gtk_window_get_focus_visible (GTK_WINDOW (root)) ||
      !gtk_widget_is_focus (GTK_WIDGET (self)) ||
      !kvp_scene_get_cell_rect (self->scene, self->focus_cell, &r))
    return;

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_rectangle (cr, r.x - 2.5, r.y - 2.5, MAX (r.width, 1.0) + 5.0, MAX (r.height, 1.0) + 5.0);
  cairo_set_line_width (cr, 2.0);
  cairo_set_source_rgba (cr, theme->text.red, theme->text.green, theme->text.blue, 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
kvp_canvas_snapshot (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  KvpCanvas *self = KVP_CANVAS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale;
  cairo_surface_t **frame;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  ensure_scene (self);
  if (self->scene == NULL && self->refusal == NULL)
    return;

  /* Two images taking turns: GTK keeps the last frame's node, and painting
   * over the image it shows would make cairo copy it first. */
  scale = MAX (1, gtk_widget_get_scale_factor (widget));
  self->back ^= 1;
  frame = &self->frames[self->back];
  if (*frame == NULL ||
      cairo_image_surface_get_width (*frame) != width * scale ||
      cairo_image_surface_get_height (*frame) != height * scale)
    {
      g_clear_pointer (frame, cairo_surface_destroy);
      *frame = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
      cairo_surface_set_device_scale (*frame, scale, scale);
    }

  cr = cairo_create (*frame);
  if (self->refusal != NULL)
    kvp_refusal_paint (cr, kvp_canvas_get_theme (self), width, height, _("vLLM would not start"), self->refusal);
  else
    {
      kvp_paint_scene (cr, self->scene, self->settled ? kvp_scene_get_duration (self->scene) : self->t);
      paint_focus (self, cr);
    }
  cairo_destroy (cr);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_source_surface (cr, *frame, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);

}

static void
kvp_canvas_css_changed (GtkWidget         *widget,
                        GtkCssStyleChange *change)
{
  KvpCanvas *self = KVP_CANVAS (widget);
  GdkRGBA color;
  gboolean dark;

  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->css_changed (widget, change);

  /* Light text means a dark style, whichever way it was chosen: the
   * application's preference, a dark theme, high contrast inverse. */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  dark = 0.299 * color.red + 0.587 * color.green + 0.114 * color.blue > 0.5;

  if (dark == self->dark)
    return;

  self->dark = dark;
  self->scene_valid = FALSE;
  gtk_widget_queue_draw (widget);
}

static gboolean
kvp_canvas_query_tooltip (GtkWidget  *widget,
                          int         x,
                          int         y,
                          gboolean    keyboard_mode,
                          GtkTooltip *tooltip)
{
  KvpCanvas *self = KVP_CANVAS (widget);
  g_autofree char *text = NULL;
  cairo_rectangle_t rect;
  guint32 cell;

  if (self->scene == NULL || self->refusal != NULL)
    return FALSE;

  /* Any cell, of one block or of thousands, under the pointer or the
   * keyboard's focus. */
  if (keyboard_mode)
    cell = self->focus_cell;
  else if (!kvp_scene_get_cell_at (self->scene, x, y, &cell))
    return FALSE;

  if (cell >= kvp_scene_get_n_cells (self->scene))
    return FALSE;
  text = kvp_scene_dup_cell_text (self->scene, cell);
  gtk_tooltip_set_text (tooltip, text);

  /* The tooltip is moved and refreshed when the pointer leaves this cell. */
  if (kvp_scene_get_cell_rect (self->scene, cell, &rect))
    {
      GdkRectangle area = {
        (int) floor (rect.x), (int) floor (rect.y),
        MAX (1, (int) ceil (rect.x + rect.width) - (int) floor (rect.x)),
        MAX (1, (int) ceil (rect.y + rect.height) - (int) floor (rect.y)),
      };
      gtk_tooltip_set_tip_area (tooltip, &area);
    }

  return TRUE;
}

/* Tells a screen reader the cell the keyboard is on, as its tooltip reads. */
static void
announce_focus (KvpCanvas *self)
{
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;

  if (self->scene == NULL || self->focus_cell >= kvp_scene_get_n_cells (self->scene))
    return;

  text = kvp_scene_dup_cell_text (self->scene, self->focus_cell);
  g_strdelimit (text, "\n", ' ');
  /* Translators: the picture's accessible label while the keyboard is on a
   * block of the grid: "Memory comparison: Physical block 3 …" */
  label = g_strdup_printf (_("Memory comparison: %s"), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The next cell from cell in direction step whose held state differs:
 * Page Up / Page Down jump between allocated runs and free space. */
static guint32
find_run_edge (KvpCanvas *self,
               guint32    cell,
               int        step)
{
  guint32 n = kvp_scene_get_n_cells (self->scene);
  gboolean held = kvp_scene_count_held_blocks (self->scene, cell) > 0;
  guint32 limit = 1u << 20; /* a run of free cells this long ends the search */

  for (guint32 i = 0; i < limit; i++)
    {
      if ((step < 0 && cell == 0) || (step > 0 && cell + 1 >= n))
        break;
      cell += step;
      if ((kvp_scene_count_held_blocks (self->scene, cell) > 0) != held)
        break;
    }

  return cell;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                KvpCanvas             *self)
{
  guint32 n, columns, cell;

  if (self->scene == NULL || (n = kvp_scene_get_n_cells (self->scene)) == 0)
    return FALSE;

  columns = kvp_scene_get_grid_columns (self->scene);
  cell = MIN (self->focus_cell, n - 1);

  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left:
      cell = cell > 0 ? cell - 1 : 0;
      break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right:
      cell = MIN (cell + 1, n - 1);
      break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:
      cell = cell >= columns ? cell - columns : cell;
      break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:
      cell = cell + columns < n ? cell + columns : cell;
      break;
    case GDK_KEY_Home: case GDK_KEY_KP_Home:
      cell = 0;
      break;
    case GDK_KEY_End: case GDK_KEY_KP_End:
      cell = n - 1;
      break;
    case GDK_KEY_Page_Down: case GDK_KEY_KP_Page_Down:
      cell = find_run_edge (self, cell, 1);
      break;
    case GDK_KEY_Page_Up: case GDK_KEY_KP_Page_Up:
      cell = find_run_edge (self, cell, -1);
      break;
    default:
      return FALSE;
    }

  self->focus_cell = cell;
  g_debug ("Keyboard on cell %u", cell);
  /* Moved by the keyboard: show where, as GTK does for its own keyboard
   * navigation (keys a widget handles never reach the window's). */
  if (GTK_IS_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))))
    gtk_window_set_focus_visible (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), TRUE);
  announce_focus (self);
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));

  return TRUE;
}

/* The window's focus moved: onto the grid it says the cell, away from it
 * the picture's name again.  Followed on the window, not by focus events,
 * which an inactive window does not get. */
static void
focus_widget_changed_cb (GtkWindow  *window,
                         GParamSpec *pspec,
                         KvpCanvas  *self)
{
  if (gtk_window_get_focus (window) == GTK_WIDGET (self))
    {
      announce_focus (self);
      return;
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Memory comparison"),
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            KvpCanvas       *self)
{
  guint32 cell;

  /* A click on a cell puts the keyboard there. */
  if (self->scene != NULL && kvp_scene_get_cell_at (self->scene, x, y, &cell))
    {
      self->focus_cell = cell;
      gtk_widget_grab_focus (GTK_WIDGET (self));
      announce_focus (self);
    }
}

static void
kvp_canvas_class_init (KvpCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kvp_canvas_dispose;
  object_class->finalize = kvp_canvas_finalize;
  object_class->get_property = kvp_canvas_get_property;

  widget_class->measure = kvp_canvas_measure;
  widget_class->size_allocate = kvp_canvas_size_allocate;
  widget_class->root = kvp_canvas_root;
  widget_class->unroot = kvp_canvas_unroot;
  widget_class->map = kvp_canvas_map;
  widget_class->snapshot = kvp_canvas_snapshot;
  widget_class->css_changed = kvp_canvas_css_changed;
  widget_class->query_tooltip = kvp_canvas_query_tooltip;

  properties[PROP_ANIMATING] =
    g_param_spec_boolean ("animating", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "kvpcanvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
kvp_canvas_init (KvpCanvas *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  self->settled = TRUE;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Memory comparison"),
                                  -1);
}

void
kvp_canvas_set_comparison (KvpCanvas     *self,
                           KvpComparison *cmp)
{
  g_autoptr(KvpScene) old_scene = NULL;
  double old_t;

  g_return_if_fail (KVP_IS_CANVAS (self));
  g_return_if_fail (cmp != NULL);

  if (cmp == self->comparison)
    return;

  old_scene = g_steal_pointer (&self->scene);
  old_t = self->settled ? G_MAXDOUBLE : self->t;

  /* The first picture plays the launch sequence; later ones move from what
   * is on screen now, even mid-transition. */
  self->launching = self->comparison == NULL;
  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  self->comparison = kvp_comparison_ref (cmp);
  self->settled = FALSE;
  self->scene_valid = FALSE;

  if (gtk_widget_get_width (GTK_WIDGET (self)) > 0)
    build_scene (self, self->launching ? NULL : old_scene, old_t);

  start_clock (self);
  update_description (self);
}

KvpComparison *
kvp_canvas_get_comparison (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return self->comparison;
}

KvpScene *
kvp_canvas_get_scene (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  ensure_scene (self);
  return self->scene;
}

const KvpTheme *
kvp_canvas_get_theme (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return kvp_theme_get (self->dark ? KVP_THEME_DARK : KVP_THEME_LIGHT);
}

void
kvp_canvas_replay (KvpCanvas *self)
{
  g_return_if_fail (KVP_IS_CANVAS (self));

  if (self->comparison == NULL)
    return;

  self->launching = TRUE;
  self->settled = FALSE;
  self->scene_valid = FALSE;
  build_scene (self, NULL, 0.0);
  start_clock (self);
}

gboolean
kvp_canvas_get_animating (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), FALSE);

  return self->tick_id != 0;
}

const char *
kvp_canvas_get_description (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return self->description;
}

GdkTexture *
kvp_canvas_render_texture (KvpCanvas *self)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KvpScene) scene = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  int scale;
  int width;
  int height;
  int stride;

  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  if (self->comparison == NULL || width <= 0 || height <= 0)
    return NULL;

  /* The settled frame: the scene on screen when it is settled (its grid's
   * picture is ready), otherwise a scene of its own. */
  if (self->settled && self->scene != NULL && kvp_scene_is_prepared (self->scene) &&
      kvp_scene_get_width (self->scene) == width && kvp_scene_get_height (self->scene) == height)
    scene = kvp_scene_ref (self->scene);
  else
    scene = kvp_scene_new (self->comparison, kvp_canvas_get_theme (self), width, height);
  scale = MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  kvp_paint_scene (cr, scene, kvp_scene_get_duration (scene));
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_warning ("Could not render the picture: %s",
                 cairo_status_to_string (cairo_surface_status (surface)));
      cairo_surface_destroy (surface);
      return NULL;
    }

  /* The texture owns the pixels through the bytes; the surface dies with them. */
  stride = cairo_image_surface_get_stride (surface);
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface),
                                      (gsize) stride * height * scale,
                                      (GDestroyNotify) cairo_surface_destroy,
                                      surface);

  return gdk_memory_texture_new (width * scale, height * scale,
                                 GDK_MEMORY_DEFAULT, bytes, stride);
}

gint64
kvp_canvas_get_last_build_time (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), 0);

  return self->last_build_time;
}

guint32
kvp_canvas_get_focus_cell (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), 0);

  return self->focus_cell;
}

/* Why vLLM would not start, drawn instead of the pool; NULL: the pool. */
void
kvp_canvas_set_refusal (KvpCanvas  *self,
                        const char *refusal)
{
  g_return_if_fail (KVP_IS_CANVAS (self));

  if (g_strcmp0 (self->refusal, refusal) == 0)
    return;
  g_free (self->refusal);
  self->refusal = g_strdup (refusal);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
kvp_canvas_get_refusal (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return self->refusal;
}
