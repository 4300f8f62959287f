/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-settings.c: GSettings in and out: the parameters bound to a KvpState
 * (which clamps them), the window's size read back clamped. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include "kvp-settings.h"

typedef struct
{
  KvpState   *state;
  KvpParamId  id;
} Remembered;

/* What is remembered is what was asked for: a sequence shown shorter under
 * a short reservation comes back at its length next time too. */
static GVariant *
remember_asked (const GValue       *value,
                const GVariantType *expected_type,
                gpointer            user_data)
{
  Remembered *remembered = user_data;
  guint64 asked = kvp_state_get_asked (remembered->state, remembered->id);

  g_return_val_if_fail (g_variant_type_equal (expected_type, G_VARIANT_TYPE_UINT32), NULL);

  return g_variant_new_uint32 ((guint32) MIN (asked, G_MAXUINT32));
}

GSettings *
kvp_settings_bind_state (GSettings *settings,
                         KvpState  *state)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *path = NULL;
  GSettings *delayed;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (KVP_IS_STATE (state), NULL);

  g_object_get (settings, "settings-schema", &schema, "path", &path, NULL);
  delayed = g_settings_new_full (schema, NULL, path);
  g_settings_delay (delayed);

  /* All values are read before any is written back: a sequence longer than
   * the default reservation must meet its own reservation first. */
  g_object_freeze_notify (G_OBJECT (state));
  g_settings_bind (delayed, "model", state, "model", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (delayed, "kv-dtype", state, "kv-dtype", G_SETTINGS_BIND_DEFAULT);
  /* Every parameter with a key in the schema is remembered. */
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const char *key = kvp_param_get_info (i)->name;
      Remembered *remembered;

      if (!g_settings_schema_has_key (schema, key))
        continue;

      remembered = g_new0 (Remembered, 1);
      remembered->state = state;
      remembered->id = i;
      g_settings_bind_with_mapping (delayed, key, state, key,
                                    G_SETTINGS_BIND_DEFAULT, NULL, remember_asked,
                                    remembered, g_free);
    }
  g_object_thaw_notify (G_OBJECT (state));

  return delayed;
}

void
kvp_settings_unbind_state (KvpState *state)
{
  g_return_if_fail (KVP_IS_STATE (state));

  g_settings_unbind (state, "model");
  g_settings_unbind (state, "kv-dtype");
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    g_settings_unbind (state, kvp_param_get_info (i)->name);
}

/* The settings keys of the GPU choices, and the deploy state's properties. */
static const char *deploy_keys[][2] = {
  { "gpu-memory", "gpu-memory" },
  { "gpu-memory-utilization", "utilization" },
  { "tensor-parallel-size", "tensor-parallel-size" },
  { "kv-cache-memory", "kv-cache-memory" },
  { "weights-memory", "weights-memory" },
  { "activation-memory", "activation-memory" },
  { "gpu", "gpu" },  /* last: the GPU sizes with the rest in place */
};

/* A number read is clamped into the property's range, not refused. */
static gboolean
clamp_read (GValue   *value,
            GVariant *variant,
            gpointer  user_data)
{
  GParamSpec *pspec = user_data;

  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_DOUBLE))
    g_value_set_double (value, g_variant_get_double (variant));
  else if (g_variant_is_of_type (variant, G_VARIANT_TYPE_UINT32))
    g_value_set_uint (value, g_variant_get_uint32 (variant));
  else if (g_variant_is_of_type (variant, G_VARIANT_TYPE_UINT64))
    g_value_set_uint64 (value, g_variant_get_uint64 (variant));
  else
    return FALSE;
  g_param_value_validate (pspec, value);
  return TRUE;
}

void
kvp_settings_bind_deploy (GSettings      *delayed,
                          KvpDeployState *deploy)
{
  g_return_if_fail (G_IS_SETTINGS (delayed));
  g_return_if_fail (KVP_IS_DEPLOY_STATE (deploy));

  for (guint i = 0; i < G_N_ELEMENTS (deploy_keys); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (deploy), deploy_keys[i][1]);

      if (G_IS_PARAM_SPEC_DOUBLE (pspec) || G_IS_PARAM_SPEC_UINT (pspec))
        g_settings_bind_with_mapping (delayed, deploy_keys[i][0], deploy, deploy_keys[i][1],
                                      G_SETTINGS_BIND_DEFAULT, clamp_read, NULL, pspec, NULL);
      else
        g_settings_bind (delayed, deploy_keys[i][0], deploy, deploy_keys[i][1], G_SETTINGS_BIND_DEFAULT);
    }
}

void
kvp_settings_unbind_deploy (KvpDeployState *deploy)
{
  g_return_if_fail (KVP_IS_DEPLOY_STATE (deploy));

  for (guint i = 0; i < G_N_ELEMENTS (deploy_keys); i++)
    g_settings_unbind (deploy, deploy_keys[i][1]);
}

static const char *serving_keys[][2] = {
  { "serving-requests", "requests" },
  { "serving-request-rate", "rate" },
  { "serving-seed", "seed" },
};

/* A built-in workload is remembered; a file opened is not (it may be gone
 * next time), and leaves the key as it was. */
static GVariant *
remember_builtin (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  const char *source = g_value_get_string (value);

  return kvp_workload_is_builtin (source) ? g_variant_new_string (source) : NULL;
}

void
kvp_settings_bind_serving (GSettings       *delayed,
                           KvpServingState *serving)
{
  g_return_if_fail (G_IS_SETTINGS (delayed));
  g_return_if_fail (KVP_IS_SERVING_STATE (serving));

  g_settings_bind_with_mapping (delayed, "serving-workload", serving, "workload",
                                G_SETTINGS_BIND_DEFAULT, NULL, remember_builtin, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (serving_keys); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (serving), serving_keys[i][1]);

      g_settings_bind_with_mapping (delayed, serving_keys[i][0], serving, serving_keys[i][1],
                                    G_SETTINGS_BIND_DEFAULT, clamp_read, NULL, pspec, NULL);
    }
}

void
kvp_settings_unbind_serving (KvpServingState *serving)
{
  g_return_if_fail (KVP_IS_SERVING_STATE (serving));

  g_settings_unbind (serving, "workload");
  for (guint i = 0; i < G_N_ELEMENTS (serving_keys); i++)
    g_settings_unbind (serving, serving_keys[i][1]);
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
