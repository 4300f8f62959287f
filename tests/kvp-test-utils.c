/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-test-utils.c: main-loop helpers shared by the tests. */

#include "config.h"

#include "kvp-test-utils.h"

gboolean
kvp_test_iterate_until (gboolean (*done) (gpointer),
                        gpointer   data)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);

  return done (data);
}

void
kvp_test_iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}
