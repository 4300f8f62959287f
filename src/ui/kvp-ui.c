/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-ui.c: registers the GResource bundle of the ui layer.  It lives in a
 * static library, so it is registered by hand: a constructor in an object
 * nothing references would be dropped by the linker. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include "kvp-canvas.h"
#include "kvp-count-row.h"
#include "kvp-ui.h"
#include "kvp-ui-resources.h"

void
kvp_ui_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      kvp_ui_register_resource ();
      g_type_ensure (KVP_TYPE_CANVAS);
      g_type_ensure (KVP_TYPE_COUNT_ROW);
      g_once_init_leave (&initialized, 1);
    }
}
