/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-settings.c: GSettings in and out, clamped on the way in. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include "kvp-settings.h"

/* A parameter is remembered when the schema has a key of its name. */
static gboolean
has_key (GSettings  *settings,
         const char *key)
{
  g_autoptr(GSettingsSchema) schema = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  return g_settings_schema_has_key (schema, key);
}

void
kvp_settings_load_params (GSettings *settings,
                          KvpParams *out_params)
{
  g_autofree char *model = NULL;
  g_autofree char *dtype = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (out_params != NULL);

  kvp_params_init_default (out_params);

  model = g_settings_get_string (settings, "model");
  out_params->model = kvp_model_lookup (model, NULL);
  if (out_params->model == NULL)
    {
      g_debug ("Unknown model “%s” in the settings, using the default", model);
      out_params->model = kvp_model_get_default ();
    }

  dtype = g_settings_get_string (settings, "kv-dtype");
  if (!kvp_dtype_from_string (dtype, &out_params->dtype, NULL))
    out_params->dtype = KVP_DTYPE_DEFAULT;

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const char *key = kvp_param_get_info (i)->name;

      if (has_key (settings, key))
        kvp_params_set (out_params, i, g_settings_get_uint (settings, key));
    }

  kvp_params_clamp (out_params);
}

void
kvp_settings_save_params (GSettings       *settings,
                          const KvpParams *params)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (params != NULL && params->model != NULL);

  g_settings_set_string (settings, "model", params->model->key);
  g_settings_set_string (settings, "kv-dtype", kvp_dtype_to_string (params->dtype));
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const char *key = kvp_param_get_info (i)->name;

      if (has_key (settings, key))
        g_settings_set_uint (settings, key, kvp_params_get (params, i));
    }
}

void
kvp_settings_load_window_state (GSettings *settings,
                                int       *out_width,
                                int       *out_height,
                                gboolean  *out_maximized)
{
  g_return_if_fail (G_IS_SETTINGS (settings));

  if (out_width != NULL)
    *out_width = CLAMP (g_settings_get_int (settings, "window-width"),
                        KVP_WINDOW_MIN_WIDTH, KVP_WINDOW_MAX_SIZE);
  if (out_height != NULL)
    *out_height = CLAMP (g_settings_get_int (settings, "window-height"),
                         KVP_WINDOW_MIN_HEIGHT, KVP_WINDOW_MAX_SIZE);
  if (out_maximized != NULL)
    *out_maximized = g_settings_get_boolean (settings, "window-maximized");
}

void
kvp_settings_save_window_state (GSettings *settings,
                                int        width,
                                int        height,
                                gboolean   maximized)
{
  g_return_if_fail (G_IS_SETTINGS (settings));

  /* A maximized window's size is the screen's; keep the one to restore to. */
  if (!maximized && width > 0 && height > 0)
    {
      g_settings_set_int (settings, "window-width",
                          CLAMP (width, KVP_WINDOW_MIN_WIDTH, KVP_WINDOW_MAX_SIZE));
      g_settings_set_int (settings, "window-height",
                          CLAMP (height, KVP_WINDOW_MIN_HEIGHT, KVP_WINDOW_MAX_SIZE));
    }
  g_settings_set_boolean (settings, "window-maximized", maximized);
}
