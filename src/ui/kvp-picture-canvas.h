/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-picture-canvas.h: what both views' canvases share.  A subclass keeps
 * its picture (a KvpPicture) up to date and paints its frames; this class
 * paints them into images of its own handed to GTK whole, follows the light
 * or dark style, holds the accessible description, runs the frame-clock
 * tick while the subclass wants it and copies the settled picture. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-picture.h"

G_BEGIN_DECLS

#define KVP_TYPE_PICTURE_CANVAS (kvp_picture_canvas_get_type ())

G_DECLARE_DERIVABLE_TYPE (KvpPictureCanvas, kvp_picture_canvas, KVP, PICTURE_CANVAS, GtkWidget)

struct _KvpPictureCanvasClass
{
  GtkWidgetClass parent_class;

  /* The picture at the widget's size, brought up to date; NULL when there
   * is nothing to show. */
  KvpPicture *(*ensure_picture)     (KvpPictureCanvas *self);
  /* Paints the frame on screen of picture (from ensure_picture). */
  void        (*paint)              (KvpPictureCanvas *self,
                                     cairo_t          *cr,
                                     KvpPicture       *picture);
  /* A frame-clock tick at frame time now (µs); FALSE ends the ticking. */
  gboolean    (*tick)               (KvpPictureCanvas *self,
                                     gint64            now);
  /* The style turned light or dark. */
  void        (*theme_changed)      (KvpPictureCanvas *self);
  /* The desktop turned animations on or off. */
  void        (*animations_changed) (KvpPictureCanvas *self);

  gpointer padding[8];
};

/* The palette of the effective GTK style: light text means a dark style. */
const KvpTheme *kvp_picture_canvas_get_theme          (KvpPictureCanvas *self);
gboolean        kvp_picture_canvas_animations_enabled (KvpPictureCanvas *self);

/* The "animating" property: whether the tick runs. */
void            kvp_picture_canvas_start_ticking      (KvpPictureCanvas *self);
void            kvp_picture_canvas_stop_ticking       (KvpPictureCanvas *self);
gboolean        kvp_picture_canvas_get_animating      (KvpPictureCanvas *self);

/* The "description" property and the accessible description: what picture
 * says, then detail (if any) as a sentence of its own. */
void            kvp_picture_canvas_describe           (KvpPictureCanvas *self,
                                                       KvpPicture       *picture,
                                                       const char       *detail);
/* The same, said by the subclass. */
void            kvp_picture_canvas_set_description    (KvpPictureCanvas *self,
                                                       const char       *description);
const char     *kvp_picture_canvas_get_description    (KvpPictureCanvas *self);

/* picture's settled frame at the widget's scale factor, as a texture. */
GdkTexture     *kvp_picture_canvas_render_picture     (KvpPictureCanvas *self,
                                                       KvpPicture       *picture);

G_END_DECLS
