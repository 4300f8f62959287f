/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-refusal-picture.c: kvp_refusal_paint lays its text out as it paints,
 * so the scene holds only the two texts; it has no transition. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include "kvp-refusal-paint.h"
#include "kvp-refusal-picture.h"

typedef struct
{
  KvpPicture  parent;
  char       *title;
  char       *reason;
} RefusalPicture;

static void
refusal_finalize (KvpPicture *picture)
{
  RefusalPicture *self = (RefusalPicture *) picture;

  g_free (self->title);
  g_free (self->reason);
}

static double
refusal_get_duration (KvpPicture *picture)
{
  return 0.0;
}

static void
refusal_paint (KvpPicture *picture,
               cairo_t    *cr,
               double      t)
{
  RefusalPicture *self = (RefusalPicture *) picture;

  kvp_refusal_paint (cr, picture->theme, picture->width, picture->height, self->title, self->reason);
}

static char *
refusal_dup_description (KvpPicture *picture)
{
  RefusalPicture *self = (RefusalPicture *) picture;

  return kvp_refusal_describe (self->title, self->reason);
}

static const KvpPictureClass refusal_class = {
  refusal_finalize,
  refusal_get_duration,
  refusal_paint,
  refusal_dup_description,
};

KvpPicture *
kvp_refusal_picture_new (const KvpTheme *theme,
                         double          width,
                         double          height,
                         const char     *title,
                         const char     *reason)
{
  RefusalPicture *self;

  g_return_val_if_fail (theme != NULL, NULL);
  g_return_val_if_fail (title != NULL, NULL);

  self = g_atomic_rc_box_new0 (RefusalPicture);
  kvp_picture_init (&self->parent, &refusal_class, theme, width, height);
  self->title = g_strdup (title);
  self->reason = g_strdup (reason);

  return &self->parent;
}

gboolean
kvp_refusal_picture_shows (KvpPicture *picture,
                           const char *title,
                           const char *reason)
{
  RefusalPicture *self = (RefusalPicture *) picture;

  g_return_val_if_fail (picture != NULL, FALSE);

  return picture->klass == &refusal_class && g_strcmp0 (self->title, title) == 0 &&
         g_strcmp0 (self->reason, reason) == 0;
}
