/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-picture.c: the capacity painter (kvp-capacity-paint.c) lays
 * its picture out as it paints, so its scene holds only the sweep and the
 * size; it has no transition. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kvp-capacity-paint.h"
#include "kvp-capacity-picture.h"

typedef struct
{
  KvpPicture  parent;
  KvpSweep   *sweep;
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
  kvp_capacity_paint (cr, ((CapacityPicture *) picture)->sweep, picture->theme, (int) picture->width,
                      (int) picture->height);
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

  return &self->parent;
}

KvpPictureSource *
kvp_capacity_source_new (KvpSweep *sweep)
{
  g_return_val_if_fail (sweep != NULL, NULL);

  return kvp_picture_source_new (_("Capacity: normalized latency against request rate"), build_from_source,
                                 kvp_sweep_ref (sweep), (GDestroyNotify) kvp_sweep_unref);
}
