/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-settings.h: reading and writing what KV Page remembers (GSettings schema
 * io.github.kvpage.KvPage).  Nothing read is trusted: the parameters go
 * through KvpState, which clamps them, and the window size is clamped here. */

#pragma once

#include <gio/gio.h>

#include "kvp-params.h"
#include "kvp-deploy-state.h"
#include "kvp-serving-state.h"
#include "kvp-state.h"

G_BEGIN_DECLS

#define KVP_SETTINGS_SCHEMA_ID APPLICATION_ID

#define KVP_WINDOW_MIN_WIDTH   360
#define KVP_WINDOW_MIN_HEIGHT  360
#define KVP_WINDOW_MAX_SIZE    16384

/* Binds the state's parameters to a delayed GSettings of the same schema and
 * path as @settings (returned; g_settings_apply() writes them): the values
 * are read from it now, and what is asked for is written back. */
GSettings *kvp_settings_bind_state       (GSettings       *settings,
                                          KvpState        *state);
void     kvp_settings_unbind_state       (KvpState        *state);
/* Binds the GPU choices to @delayed (as kvp_settings_bind_state () returns
 * it), read now and written back as they change; values out of range are
 * clamped by the deploy state. */
void     kvp_settings_bind_deploy        (GSettings       *delayed,
                                          KvpDeployState  *deploy);
void     kvp_settings_unbind_deploy      (KvpDeployState  *deploy);
/* The same for the serving view's requests, rate and seed. */
void     kvp_settings_bind_serving       (GSettings       *delayed,
                                          KvpServingState *serving);
void     kvp_settings_unbind_serving     (KvpServingState *serving);
void     kvp_settings_load_window_state  (GSettings       *settings,
                                          int             *out_width,
                                          int             *out_height,
                                          gboolean        *out_maximized);
void     kvp_settings_save_window_state  (GSettings       *settings,
                                          int              width,
                                          int              height,
                                          gboolean         maximized);

G_END_DECLS
