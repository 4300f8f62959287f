/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-settings.c: GSettings in and out, clamped on the way in. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include "kvp-settings.h"

static guint64
clamp_u64 (guint64 value,
           guint64 min,
           guint64 max)
{
  return CLAMP (value, min, max);
}

void
kvp_settings_clamp_params (KvpParams *params)
{
  g_return_if_fail (params != NULL);

  if (params->model == NULL)
    params->model = kvp_model_get_default ();
  if (params->dtype >= KVP_N_DTYPES)
    params->dtype = KVP_DTYPE_DEFAULT;

  params->block_size = clamp_u64 (params->block_size, 1, KVP_BLOCK_POOL_MAX_BLOCK_SIZE);
  params->num_blocks = clamp_u64 (params->num_blocks, 1, KVP_BLOCK_POOL_MAX_BLOCKS);
  params->max_seq_len = clamp_u64 (params->max_seq_len, 1, KVP_MAX_SEQ_LEN);
  params->seq_len = clamp_u64 (params->seq_len, 1, params->max_seq_len);
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

  out_params->seq_len = g_settings_get_uint (settings, "seq-len");
  out_params->max_seq_len = g_settings_get_uint (settings, "max-seq-len");
  out_params->block_size = g_settings_get_uint (settings, "block-size");
  out_params->num_blocks = g_settings_get_uint (settings, "num-blocks");

  kvp_settings_clamp_params (out_params);
}

void
kvp_settings_save_params (GSettings       *settings,
                          const KvpParams *params)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (params != NULL && params->model != NULL);

  g_settings_set_string (settings, "model", params->model->key);
  g_settings_set_string (settings, "kv-dtype", kvp_dtype_to_string (params->dtype));
  g_settings_set_uint (settings, "seq-len", params->seq_len);
  g_settings_set_uint (settings, "max-seq-len", params->max_seq_len);
  g_settings_set_uint (settings, "block-size", params->block_size);
  g_settings_set_uint (settings, "num-blocks", params->num_blocks);
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
