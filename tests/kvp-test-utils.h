/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-test-utils.h: what the tests share to drive the main loop: run it
 * until something happens (with a bound, so a bug fails instead of
 * hanging), or for a time where a test must let frames pass; and the
 * locales the tests build. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs the default main context until done (data) is TRUE, for at most
 * 10 s; returns done (data). */
gboolean kvp_test_iterate_until (gboolean (*done) (gpointer),
                                 gpointer   data);
/* Runs the default main context for @ms milliseconds, for frames to pass. */
void     kvp_test_iterate_for   (guint      ms);
/* Loads @locale (e.g. "de_DE.UTF-8", built into the build directory by
 * tests/meson.build) for LC_NUMERIC; FALSE, and the test skipped, when it
 * cannot be built here (localedef or the locale sources missing). */
gboolean kvp_test_use_numeric_locale (const char *locale);

G_END_DECLS
