/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-test-utils.c: main-loop and locale helpers shared by the tests. */

#include "config.h"

#include <locale.h>

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

gboolean
kvp_test_use_numeric_locale (const char *locale)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");

  if (builddir != NULL)
    g_setenv ("LOCPATH", builddir, TRUE);
  if (setlocale (LC_NUMERIC, locale) != NULL)
    return TRUE;
  g_unsetenv ("LOCPATH");
  g_test_skip ("The locale cannot be loaded (localedef missing?)");
  return FALSE;
}
