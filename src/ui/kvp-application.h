/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-application.h: the KV Page application — its windows, the app actions
 * (quit, about, keyboard shortcuts, style) and what it remembers. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-comparison.h"
#include "kvp-deploy.h"
#include "kvp-model-config.h"

G_BEGIN_DECLS

#define KVP_TYPE_APPLICATION (kvp_application_get_type ())

G_DECLARE_FINAL_TYPE (KvpApplication, kvp_application, KVP, APPLICATION, GtkApplication)

typedef enum
{
  KVP_STYLE_FOLLOW,
  KVP_STYLE_LIGHT,
  KVP_STYLE_DARK,
} KvpStyle;

KvpApplication *kvp_application_new               (void);
/* Values given on the command line: the first window starts from these
 * instead of the saved settings. */
void            kvp_application_set_launch_params (KvpApplication  *self,
                                                   const KvpParams *params);
/* The GPU choices the command line parsed, with its config.json (choices
 * zero or NULL: leave as they are), for the first window's deploy state. */
void            kvp_application_set_launch_deploy (KvpApplication  *self,
                                                   const KvpDeploy *deploy);
/* The remembered settings, or NULL when the schema is not installed. */
GSettings      *kvp_application_get_settings      (KvpApplication  *self);

G_END_DECLS
