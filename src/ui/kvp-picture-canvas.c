/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-picture-canvas.c: the frame is painted into an image of our own and
 * handed to GTK whole: the painters' caches work on images, and GTK's cairo
 * renderer replays one paint instead of every path and glyph.  Two images
 * take turns, because GTK keeps the last frame's node and painting over the
 * image it shows would make cairo copy it first. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include "kvp-picture-canvas.h"

typedef struct
{
  gboolean         dark;
  guint            tick_id;
  gboolean         in_tick;
  gboolean         stop_asked;  /* during a tick: end it when it returns */
  char            *description;
  cairo_surface_t *frames[2];
  guint            back;        /* the one painted next */
} KvpPictureCanvasPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (KvpPictureCanvas, kvp_picture_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ANIMATING,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const KvpTheme *
kvp_picture_canvas_get_theme (KvpPictureCanvas *self)
{
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  g_return_val_if_fail (KVP_IS_PICTURE_CANVAS (self), NULL);

  return kvp_theme_get (priv->dark ? KVP_THEME_DARK : KVP_THEME_LIGHT);
}

gboolean
kvp_picture_canvas_animations_enabled (KvpPictureCanvas *self)
{
  gboolean enabled = TRUE;

  g_return_val_if_fail (KVP_IS_PICTURE_CANVAS (self), FALSE);

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-enable-animations", &enabled, NULL);
  return enabled;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  KvpPictureCanvas *self = KVP_PICTURE_CANVAS (widget);
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);
  gboolean more;

  priv->in_tick = TRUE;
  priv->stop_asked = FALSE;
  more = KVP_PICTURE_CANVAS_GET_CLASS (self)->tick (self, gdk_frame_clock_get_frame_time (clock));
  priv->in_tick = FALSE;
  if (more && !priv->stop_asked)
    return G_SOURCE_CONTINUE;

  /* Returning G_SOURCE_REMOVE drops the callback: forget its id first. */
  priv->tick_id = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANIMATING]);
  return G_SOURCE_REMOVE;
}

void
kvp_picture_canvas_start_ticking (KvpPictureCanvas *self)
{
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  g_return_if_fail (KVP_IS_PICTURE_CANVAS (self));

  priv->stop_asked = FALSE;
  if (priv->tick_id != 0)
    return;

  priv->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANIMATING]);
}

void
kvp_picture_canvas_stop_ticking (KvpPictureCanvas *self)
{
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  g_return_if_fail (KVP_IS_PICTURE_CANVAS (self));

  if (priv->tick_id == 0)
    return;
  if (priv->in_tick)
    {
      priv->stop_asked = TRUE;
      return;
    }

  gtk_widget_remove_tick_callback (GTK_WIDGET (self), priv->tick_id);
  priv->tick_id = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANIMATING]);
}

gboolean
kvp_picture_canvas_get_animating (KvpPictureCanvas *self)
{
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  g_return_val_if_fail (KVP_IS_PICTURE_CANVAS (self), FALSE);

  return priv->tick_id != 0 && !priv->stop_asked;
}

void
kvp_picture_canvas_describe (KvpPictureCanvas *self,
                             KvpPicture       *picture,
                             const char       *detail)
{
  g_autofree char *description = NULL;

  g_return_if_fail (KVP_IS_PICTURE_CANVAS (self));
  g_return_if_fail (picture != NULL);

  description = kvp_picture_dup_description (picture);
  if (detail != NULL)
    {
      char *both = g_strdup_printf ("%s %s.", description, detail);

      g_free (description);
      description = both;
    }
  kvp_picture_canvas_set_description (self, description);
}

void
kvp_picture_canvas_set_description (KvpPictureCanvas *self,
                                    const char       *description)
{
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  g_return_if_fail (KVP_IS_PICTURE_CANVAS (self));

  if (g_strcmp0 (description, priv->description) == 0)
    return;

  g_free (priv->description);
  priv->description = g_strdup (description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, priv->description,
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

const char *
kvp_picture_canvas_get_description (KvpPictureCanvas *self)
{
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  g_return_val_if_fail (KVP_IS_PICTURE_CANVAS (self), NULL);

  return priv->description;
}

GdkTexture *
kvp_picture_canvas_render_picture (KvpPictureCanvas *self,
                                   KvpPicture       *picture)
{
  g_autoptr(GBytes) bytes = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  int width, height, scale, stride;

  g_return_val_if_fail (KVP_IS_PICTURE_CANVAS (self), NULL);
  g_return_val_if_fail (picture != NULL, NULL);

  width = (int) kvp_picture_get_width (picture);
  height = (int) kvp_picture_get_height (picture);
  scale = MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  kvp_picture_paint (picture, cr, G_MAXDOUBLE);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_warning ("Could not render the picture: %s", cairo_status_to_string (cairo_surface_status (surface)));
      cairo_surface_destroy (surface);
      return NULL;
    }

  /* The texture owns the pixels through the bytes; the surface dies with them. */
  stride = cairo_image_surface_get_stride (surface);
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface), (gsize) stride * height * scale,
                                      (GDestroyNotify) cairo_surface_destroy, surface);

  return gdk_memory_texture_new (width * scale, height * scale, GDK_MEMORY_DEFAULT, bytes, stride);
}

static void
kvp_picture_canvas_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  KvpPictureCanvas *self = KVP_PICTURE_CANVAS (widget);
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = MAX (1, gtk_widget_get_scale_factor (widget));
  KvpPicture *picture;
  cairo_surface_t **frame;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  picture = KVP_PICTURE_CANVAS_GET_CLASS (self)->ensure_picture (self);
  if (picture == NULL)
    return;

  priv->back ^= 1;
  frame = &priv->frames[priv->back];
  if (*frame == NULL || cairo_image_surface_get_width (*frame) != width * scale ||
      cairo_image_surface_get_height (*frame) != height * scale)
    {
      g_clear_pointer (frame, cairo_surface_destroy);
      *frame = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
      cairo_surface_set_device_scale (*frame, scale, scale);
    }

  cr = cairo_create (*frame);
  KVP_PICTURE_CANVAS_GET_CLASS (self)->paint (self, cr, picture);
  cairo_destroy (cr);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_source_surface (cr, *frame, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static void
kvp_picture_canvas_css_changed (GtkWidget         *widget,
                                GtkCssStyleChange *change)
{
  KvpPictureCanvas *self = KVP_PICTURE_CANVAS (widget);
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);
  GdkRGBA color;
  gboolean dark;

  GTK_WIDGET_CLASS (kvp_picture_canvas_parent_class)->css_changed (widget, change);

  /* Light text means a dark style, whichever way it was chosen: the
   * application's preference, a dark theme, high contrast inverse. */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  dark = 0.299 * color.red + 0.587 * color.green + 0.114 * color.blue > 0.5;
  if (dark == priv->dark)
    return;

  priv->dark = dark;
  if (KVP_PICTURE_CANVAS_GET_CLASS (self)->theme_changed != NULL)
    KVP_PICTURE_CANVAS_GET_CLASS (self)->theme_changed (self);
  gtk_widget_queue_draw (widget);
}

static void
enable_animations_changed_cb (GtkSettings      *settings,
                              GParamSpec       *pspec,
                              KvpPictureCanvas *self)
{
  if (KVP_PICTURE_CANVAS_GET_CLASS (self)->animations_changed != NULL)
    KVP_PICTURE_CANVAS_GET_CLASS (self)->animations_changed (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
kvp_picture_canvas_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kvp_picture_canvas_parent_class)->root (widget);

  g_signal_connect_object (gtk_widget_get_settings (widget), "notify::gtk-enable-animations",
                           G_CALLBACK (enable_animations_changed_cb), widget, 0);
}

static void
kvp_picture_canvas_unroot (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_settings (widget), enable_animations_changed_cb, widget);

  GTK_WIDGET_CLASS (kvp_picture_canvas_parent_class)->unroot (widget);
}

static void
kvp_picture_canvas_dispose (GObject *object)
{
  KvpPictureCanvas *self = KVP_PICTURE_CANVAS (object);
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  if (priv->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), priv->tick_id);
      priv->tick_id = 0;
    }
  g_clear_pointer (&priv->frames[0], cairo_surface_destroy);
  g_clear_pointer (&priv->frames[1], cairo_surface_destroy);

  G_OBJECT_CLASS (kvp_picture_canvas_parent_class)->dispose (object);
}

static void
kvp_picture_canvas_finalize (GObject *object)
{
  KvpPictureCanvas *self = KVP_PICTURE_CANVAS (object);
  KvpPictureCanvasPrivate *priv = kvp_picture_canvas_get_instance_private (self);

  g_free (priv->description);

  G_OBJECT_CLASS (kvp_picture_canvas_parent_class)->finalize (object);
}

static void
kvp_picture_canvas_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KvpPictureCanvas *self = KVP_PICTURE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_ANIMATING:
      g_value_set_boolean (value, kvp_picture_canvas_get_animating (self));
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, kvp_picture_canvas_get_description (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_picture_canvas_class_init (KvpPictureCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kvp_picture_canvas_dispose;
  object_class->finalize = kvp_picture_canvas_finalize;
  object_class->get_property = kvp_picture_canvas_get_property;

  widget_class->snapshot = kvp_picture_canvas_snapshot;
  widget_class->css_changed = kvp_picture_canvas_css_changed;
  widget_class->root = kvp_picture_canvas_root;
  widget_class->unroot = kvp_picture_canvas_unroot;

  properties[PROP_ANIMATING] =
    g_param_spec_boolean ("animating", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
kvp_picture_canvas_init (KvpPictureCanvas *self)
{
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
}
