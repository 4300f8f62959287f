/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-canvas.c: the window's picture.  The scene is rebuilt only when the
 * comparison, the size or the palette changes; a frame just paints it at time
 * t, and t advances from a tick callback that exists only while a transition
 * runs. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "kvp-canvas.h"
#include "kvp-format.h"
#include "kvp-paint.h"
#include "kvp-theme.h"

#define MIN_WIDTH  360
#define MIN_HEIGHT 300

struct _KvpCanvas
{
  GtkWidget      parent_instance;

  KvpComparison *comparison;
  /* What was shown before the current transition, kept so a resize in the
   * middle of it can rebuild both ends at the new size. */
  KvpComparison *previous;
  KvpScene      *scene;
  gboolean       scene_valid;
  gboolean       launching;   /* the transition is the launch sequence */

  gboolean       dark;

  guint          tick_id;
  gint64         start_time;  /* µs, frame clock; 0 until the first frame */
  double         t;
  gboolean       settled;

  char          *description;
  gint64         last_build_time;
};

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

  if (self->scene == NULL)
    return;

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

/* Builds the scene of the current comparison at the current size, as the
 * same stage of the same transition it was before.  from, when given, is the
 * picture the transition starts from, as it stood at its time from_t. */
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
    {
      kvp_scene_set_previous (scene, from, from_t);
    }
  else if (!self->settled && !self->launching && self->previous != NULL)
    {
      g_autoptr(KvpScene) previous = kvp_scene_new (self->previous, theme, width, height);
      kvp_scene_set_previous (scene, previous, G_MAXDOUBLE);
    }
  else if (self->settled && !self->launching)
    {
      /* Nothing moves any more: drop the old comparison, and with it the
       * memory of a pool that may hold millions of blocks. */
      g_clear_pointer (&self->previous, kvp_comparison_unref);
    }

  g_clear_pointer (&self->scene, kvp_scene_unref);
  self->scene = g_steal_pointer (&scene);
  self->scene_valid = TRUE;

  self->last_build_time = g_get_monotonic_time () - begin;
  g_debug ("Scene of %u blocks at %d×%d built in %.2f ms",
           self->comparison->params.num_blocks, width, height,
           self->last_build_time / 1000.0);

  update_description (self);
}

static void
ensure_scene (KvpCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->scene_valid && self->scene != NULL &&
      (int) kvp_scene_get_width (self->scene) == width &&
      (int) kvp_scene_get_height (self->scene) == height)
    return;

  build_scene (self, NULL, 0.0);
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
  g_clear_pointer (&self->previous, kvp_comparison_unref);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  KvpCanvas *self = KVP_CANVAS (widget);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);

  if (self->start_time == 0)
    self->start_time = now;

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
start_transition (KvpCanvas *self)
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

  g_clear_pointer (&self->scene, kvp_scene_unref);
  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  g_clear_pointer (&self->previous, kvp_comparison_unref);

  G_OBJECT_CLASS (kvp_canvas_parent_class)->dispose (object);
}

static void
kvp_canvas_finalize (GObject *object)
{
  KvpCanvas *self = KVP_CANVAS (object);

  g_free (self->description);

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
}

static void
kvp_canvas_unroot (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_settings (widget),
                                        enable_animations_changed_cb, widget);

  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->unroot (widget);
}

static void
kvp_canvas_map (GtkWidget *widget)
{
  KvpCanvas *self = KVP_CANVAS (widget);

  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->map (widget);

  /* The launch sequence plays once the picture is on screen. */
  if (self->launching && self->tick_id == 0 && self->comparison != NULL)
    start_transition (self);
}

static void
kvp_canvas_snapshot (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  KvpCanvas *self = KVP_CANVAS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  ensure_scene (self);
  if (self->scene == NULL)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  kvp_paint_scene (cr, self->scene, self->settled ? kvp_scene_get_duration (self->scene) : self->t);
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
  g_autofree char *block_text = NULL;
  g_autofree char *text = NULL;
  cairo_rectangle_t rect;
  KvpBlockPool *pool;
  KvpSeqId seq;
  guint32 logical;
  guint32 block;

  if (self->scene == NULL || keyboard_mode ||
      !kvp_scene_get_block_at (self->scene, x, y, &block))
    return FALSE;

  pool = self->comparison->pool;
  block_text = kvp_format_count (block);

  if (kvp_block_pool_get_owner (pool, block, &seq, &logical))
    {
      g_autofree char *logical_text = kvp_format_count (logical);
      guint fill = kvp_block_pool_get_fill (pool, block);
      guint size = kvp_block_pool_get_block_size (pool);

      /* Translators: a tooltip over one block of the grid; %u is the
       * sequence number, the %s are counts. */
      text = g_strdup_printf (_("Physical block %s\nSequence %u, logical block %s\n%u of %u tokens filled"),
                              block_text, (guint) seq, logical_text, fill, size);
    }
  else
    {
      /* Translators: a tooltip over a block no sequence holds. */
      text = g_strdup_printf (_("Physical block %s\nFree"), block_text);
    }

  gtk_tooltip_set_text (tooltip, text);

  /* The tooltip is moved and refreshed when the pointer leaves this block. */
  if (kvp_scene_get_block_rect (self->scene, block, &rect))
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
  KvpScene *old_scene;
  double old_t;

  g_return_if_fail (KVP_IS_CANVAS (self));
  g_return_if_fail (cmp != NULL);

  if (cmp == self->comparison)
    return;

  old_scene = g_steal_pointer (&self->scene);
  old_t = self->settled ? G_MAXDOUBLE : self->t;

  /* The first picture plays the launch sequence; later ones move from what
   * is on screen now. */
  if (self->comparison == NULL)
    {
      self->launching = TRUE;
    }
  else
    {
      self->launching = FALSE;
      g_clear_pointer (&self->previous, kvp_comparison_unref);
      self->previous = g_steal_pointer (&self->comparison);
    }
  self->comparison = kvp_comparison_ref (cmp);
  self->settled = FALSE;
  self->scene_valid = FALSE;

  /* Move on from the very picture on screen, even mid-transition. */
  if (gtk_widget_get_width (GTK_WIDGET (self)) > 0)
    build_scene (self, self->launching ? NULL : old_scene, old_t);

  g_clear_pointer (&old_scene, kvp_scene_unref);

  start_transition (self);
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

  g_clear_pointer (&self->previous, kvp_comparison_unref);
  self->launching = TRUE;
  self->settled = FALSE;
  self->scene_valid = FALSE;
  build_scene (self, NULL, 0.0);
  start_transition (self);
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
  cairo_surface_t *surface;
  cairo_t *cr;
  int scale;
  int width;
  int height;
  int stride;

  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  ensure_scene (self);
  if (self->scene == NULL)
    return NULL;

  width = kvp_scene_get_width (self->scene);
  height = kvp_scene_get_height (self->scene);
  scale = MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  kvp_paint_scene (cr, self->scene, kvp_scene_get_duration (self->scene));
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
