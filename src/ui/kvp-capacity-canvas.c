/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-canvas.c: builds the sweep's capacity picture through its
 * KvpPictureSource at the widget's size and palette (the export's painter,
 * so the window and --export --view capacity draw one picture). */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "kvp-capacity-canvas.h"
#include "kvp-capacity-picture.h"
#include "kvp-refusal-paint.h"
#include "kvp-refusal-picture.h"

struct _KvpCapacityCanvas
{
  KvpPictureCanvas  parent_instance;

  KvpSweep         *sweep;
  KvpPictureSource *source;
  KvpPicture       *picture;  /* the sweep's or the message's, at a size */
  char             *title;
  char             *reason;
};

G_DEFINE_FINAL_TYPE (KvpCapacityCanvas, kvp_capacity_canvas, KVP_TYPE_PICTURE_CANVAS)

static KvpPicture *
kvp_capacity_canvas_ensure_picture (KvpPictureCanvas *canvas)
{
  KvpCapacityCanvas *self = KVP_CAPACITY_CANVAS (canvas);
  const KvpTheme *theme = kvp_picture_canvas_get_theme (canvas);
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  KvpPicture *shown = self->picture;
  g_autofree char *description = NULL;

  if (width <= 0 || height <= 0 || (self->source == NULL && self->title == NULL))
    return NULL;
  if (shown != NULL && kvp_picture_get_theme (shown) == theme && (int) kvp_picture_get_width (shown) == width &&
      (int) kvp_picture_get_height (shown) == height)
    return shown;

  g_clear_pointer (&self->picture, kvp_picture_unref);
  if (self->source != NULL)
    {
      self->picture = kvp_picture_source_build (self->source, theme, width, height);
      kvp_picture_canvas_describe (canvas, self->picture, NULL);
    }
  else
    {
      self->picture = kvp_refusal_picture_new (theme, width, height, self->title, self->reason);
      description = kvp_refusal_describe (self->title, self->reason);
      kvp_picture_canvas_set_description (canvas, description);
    }
  return self->picture;
}

static void
kvp_capacity_canvas_paint (KvpPictureCanvas *canvas,
                           cairo_t          *cr,
                           KvpPicture       *picture)
{
  kvp_picture_paint (picture, cr, G_MAXDOUBLE);
}

static void
kvp_capacity_canvas_dispose (GObject *object)
{
  KvpCapacityCanvas *self = KVP_CAPACITY_CANVAS (object);

  g_clear_pointer (&self->sweep, kvp_sweep_unref);
  g_clear_pointer (&self->source, kvp_picture_source_unref);
  g_clear_pointer (&self->picture, kvp_picture_unref);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->reason, g_free);

  G_OBJECT_CLASS (kvp_capacity_canvas_parent_class)->dispose (object);
}

static void
kvp_capacity_canvas_class_init (KvpCapacityCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KvpPictureCanvasClass *canvas_class = KVP_PICTURE_CANVAS_CLASS (klass);

  object_class->dispose = kvp_capacity_canvas_dispose;
  canvas_class->ensure_picture = kvp_capacity_canvas_ensure_picture;
  canvas_class->paint = kvp_capacity_canvas_paint;
  gtk_widget_class_set_css_name (widget_class, "kvp-capacity-canvas");
}

static void
kvp_capacity_canvas_init (KvpCapacityCanvas *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Capacity"), -1);
}

GtkWidget *
kvp_capacity_canvas_new (void)
{
  return g_object_new (KVP_TYPE_CAPACITY_CANVAS, NULL);
}

void
kvp_capacity_canvas_set_sweep (KvpCapacityCanvas *self,
                               KvpSweep          *sweep)
{
  g_return_if_fail (KVP_IS_CAPACITY_CANVAS (self));

  if (sweep == self->sweep)
    return;
  g_clear_pointer (&self->sweep, kvp_sweep_unref);
  g_clear_pointer (&self->source, kvp_picture_source_unref);
  g_clear_pointer (&self->picture, kvp_picture_unref);
  if (sweep != NULL)
    {
      self->sweep = kvp_sweep_ref (sweep);
      self->source = kvp_capacity_source_new (sweep);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

KvpSweep *
kvp_capacity_canvas_get_sweep (KvpCapacityCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CAPACITY_CANVAS (self), NULL);

  return self->sweep;
}

void
kvp_capacity_canvas_set_message (KvpCapacityCanvas *self,
                                 const char        *title,
                                 const char        *reason)
{
  g_return_if_fail (KVP_IS_CAPACITY_CANVAS (self));

  if (g_strcmp0 (title, self->title) == 0 && g_strcmp0 (reason, self->reason) == 0)
    return;
  g_free (self->title);
  g_free (self->reason);
  self->title = g_strdup (title);
  self->reason = g_strdup (reason);
  if (self->source == NULL)
    g_clear_pointer (&self->picture, kvp_picture_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

KvpPicture *
kvp_capacity_canvas_get_picture (KvpCapacityCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CAPACITY_CANVAS (self), NULL);

  return self->picture;
}
