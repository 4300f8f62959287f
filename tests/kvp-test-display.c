/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-test-display.c: see kvp-test-display.h. */

#include "config.h"

#include <gtk/gtk.h>

#include "kvp-test-display.h"

gboolean
kvp_test_init_display (void)
{
  const char *name = g_getenv ("WAYLAND_DISPLAY") != NULL ? g_getenv ("WAYLAND_DISPLAY") : g_getenv ("DISPLAY");

  if (gtk_init_check ())
    return TRUE;
  if (name != NULL)
    g_error ("The display %s is set but could not be opened", name);

  g_print ("1..0 # SKIP no display\n");
  return FALSE;
}
