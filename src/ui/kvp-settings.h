/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-settings.h: reading and writing what KV Page remembers (GSettings schema
 * io.github.kvpage.KvPage).  Nothing read is trusted: every value is clamped to
 * what the core accepts. */

#pragma once

#include <gio/gio.h>

#include "kvp-params.h"

G_BEGIN_DECLS

#define KVP_SETTINGS_SCHEMA_ID APPLICATION_ID

#define KVP_WINDOW_MIN_WIDTH   360
#define KVP_WINDOW_MIN_HEIGHT  360
#define KVP_WINDOW_MAX_SIZE    16384

void     kvp_settings_load_params        (GSettings       *settings,
                                          KvpParams       *out_params);
void     kvp_settings_save_params        (GSettings       *settings,
                                          const KvpParams *params);
void     kvp_settings_load_window_state  (GSettings       *settings,
                                          int             *out_width,
                                          int             *out_height,
                                          gboolean        *out_maximized);
void     kvp_settings_save_window_state  (GSettings       *settings,
                                          int              width,
                                          int              height,
                                          gboolean         maximized);

G_END_DECLS
