/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-test-display.h: how a window test opens its display. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* gtk_init_check () for a window test.  Without any display the test
 * skips (FALSE, having said so); a display that is named but cannot be
 * opened fails it, so a run meant to have one never loses its window
 * tests to a skip. */
gboolean kvp_test_init_display (void);

G_END_DECLS
