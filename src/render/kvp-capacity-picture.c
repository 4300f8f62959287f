/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-picture.c: the capacity picture's scene holds the sweep and
 * its layout at the picture's size (kvp-capacity-paint.c lays its texts out
 * as it paints); it has no transition. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kvp-capacity-paint.h"
#include "kvp-capacity-picture.h"

typedef struct
{
  KvpPicture         parent;
  KvpSweep          *sweep;
  KvpCapacityLayout  layout;
} CapacityPicture;

static void
capacity_finalize (KvpPicture *picture)
{
  g_clear_pointer (&((CapacityPicture *) picture)->sweep, kvp_sweep_unref);
}

static double
capacity_get_duration (KvpPicture *picture)
{
  return 0.0;
}

static void
capacity_paint (KvpPicture *picture,
                cairo_t    *cr,
                double      t)
{
  CapacityPicture *self = (CapacityPicture *) picture;

  if (picture->width < 1 || picture->height < 1)
    return;
  kvp_capacity_paint (cr, self->sweep, picture->theme, &self->layout);
}

static char *
capacity_dup_description (KvpPicture *picture)
{
  return g_strdup (_("Capacity: normalized latency against request rate"));
}

static const KvpPictureClass capacity_class = {
  capacity_finalize,
  capacity_get_duration,
  capacity_paint,
  capacity_dup_description,
};

static KvpPicture *
build_from_source (gpointer        data,
                   const KvpTheme *theme,
                   double          width,
                   double          height)
{
  CapacityPicture *self = g_atomic_rc_box_new0 (CapacityPicture);

  kvp_picture_init (&self->parent, &capacity_class, theme, width, height);
  self->sweep = kvp_sweep_ref (data);
  kvp_capacity_get_layout (self->sweep, (int) width, (int) height, &self->layout);

  return &self->parent;
}

KvpPictureSource *
kvp_capacity_source_new (KvpSweep *sweep)
{
  g_return_val_if_fail (sweep != NULL, NULL);

  return kvp_picture_source_new (_("Capacity: normalized latency against request rate"), build_from_source,
                                 kvp_sweep_ref (sweep), (GDestroyNotify) kvp_sweep_unref);
}
