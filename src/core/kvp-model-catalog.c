/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model-catalog.c: the shipped configs.  Where they come from is in
 * data/models/README.md. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gio/gio.h>

#include "kvp-error.h"
#include "kvp-model-catalog.h"
#include "kvp-models-resources.h"

#define RESOURCE_PATH "/io/github/kvpage/KvPage/models/"

static const KvpCatalogEntry entries[] = {
  { "llama-3.1-8b", "meta-llama/Llama-3.1-8B", NULL },
  { "llama-3.1-70b", "meta-llama/Llama-3.1-70B", "llama-3.1-70b" },
  { "llama-3.2-1b", "meta-llama/Llama-3.2-1B", NULL },
  { "llama-3.2-3b", "meta-llama/Llama-3.2-3B", NULL },
  { "qwen2.5-7b", "Qwen/Qwen2.5-7B", "qwen2.5-7b" },
  { "qwen2.5-72b", "Qwen/Qwen2.5-72B-Instruct", NULL },
  { "qwen3-8b", "Qwen/Qwen3-8B", NULL },
  { "qwen3-32b", "Qwen/Qwen3-32B", NULL },
  { "qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", NULL },
  { "mistral-7b-v0.3", "mistralai/Mistral-7B-Instruct-v0.3", NULL },
  /* "-it" is Gemma's "-Instruct". */
  { "gemma-2-9b", "google/gemma-2-9b-it", NULL },
  { "gemma-3-27b", "google/gemma-3-27b-it", NULL },
  { "gpt-oss-20b", "openai/gpt-oss-20b", NULL },
  { "gpt-oss-120b", "openai/gpt-oss-120b", NULL },
  { "deepseek-v3", "deepseek-ai/DeepSeek-V3", NULL },
  { "phi-4-mini", "microsoft/Phi-4-mini-instruct", NULL },
};

const KvpCatalogEntry *
kvp_model_catalog_get_entries (guint *n_entries)
{
  if (n_entries != NULL)
    *n_entries = G_N_ELEMENTS (entries);
  return entries;
}

const KvpCatalogEntry *
kvp_model_catalog_lookup (const char *key)
{
  if (key == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    if (g_ascii_strcasecmp (entries[i].key, key) == 0)
      return &entries[i];
  return NULL;
}

/* Loaded once each, so every caller shares one model pointer. */
G_LOCK_DEFINE_STATIC (loaded);
static KvpModelConfig *loaded_configs[G_N_ELEMENTS (entries)];

KvpModelConfig *
kvp_model_catalog_load (const char  *key,
                        GError     **error)
{
  const KvpCatalogEntry *entry = kvp_model_catalog_lookup (key);
  g_autofree char *path = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  KvpModelConfig *config;
  guint index;
  gsize length;
  const char *data;

  g_return_val_if_fail (key != NULL, NULL);

  if (entry == NULL)
    {
      g_autofree char *quoted = kvp_quote (key);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("No shipped config is called “%s” (see --list-models)."),
                   quoted);
      return NULL;
    }
  index = entry - entries;

  G_LOCK (loaded);
  config = loaded_configs[index];
  G_UNLOCK (loaded);
  if (config != NULL)
    return kvp_model_config_ref (config);

  path = g_strconcat (RESOURCE_PATH, entry->key, ".json", NULL);
  bytes = g_resource_lookup_data (kvp_models_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  if (bytes == NULL)
    {
      /* Built in: missing only if the build is broken. */
      g_critical ("Shipped config %s is missing: %s", path, local_error->message);
      g_set_error (error, KVP_ERROR, KVP_ERROR_FAILED, "%s", local_error->message);
      return NULL;
    }
  data = g_bytes_get_data (bytes, &length);
  config = kvp_model_config_new_from_data (data, length, entry->key, error);
  if (config == NULL)
    return NULL;

  /* The key names the model, not the training machine's path. */
  g_free (config->key);
  g_free (config->name);
  config->key = g_strdup (entry->key);
  config->name = g_strdup (entry->repository);
  config->model.key = config->key;
  config->model.name = config->name;

  G_LOCK (loaded);
  if (loaded_configs[index] == NULL)
    loaded_configs[index] = config;
  else
    {
      kvp_model_config_unref (config);
      config = loaded_configs[index];
    }
  G_UNLOCK (loaded);

  return kvp_model_config_ref (config);
}

gboolean
kvp_model_catalog_replaces (const char *preset_key)
{
  if (preset_key == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    if (entries[i].replaces != NULL && g_ascii_strcasecmp (entries[i].replaces, preset_key) == 0)
      return TRUE;
  return FALSE;
}

const KvpModel *const *
kvp_model_catalog_get_presets (guint *n_presets)
{
  static const KvpModel **offered;
  static guint n_offered;

  if (g_once_init_enter (&offered))
    {
      guint n_all;
      const KvpModel *all = kvp_model_get_presets (&n_all);
      const KvpModel **list = g_new0 (const KvpModel *, n_all + 1);
      guint n = 0;

      for (guint i = 0; i < n_all; i++)
        if (!kvp_model_catalog_replaces (all[i].key))
          list[n++] = &all[i];
      n_offered = n;
      g_once_init_leave (&offered, list);
    }

  if (n_presets != NULL)
    *n_presets = n_offered;
  return offered;
}

const KvpModel *
kvp_model_catalog_lookup_preset (const char  *key,
                                 GError     **error)
{
  const KvpModel *model;
  g_autoptr(GString) keys = NULL;
  g_autofree char *quoted = NULL;
  const KvpModel *const *presets;
  guint n_presets;

  g_return_val_if_fail (key != NULL, NULL);

  model = kvp_model_lookup (key, NULL);
  if (model != NULL)
    return model;

  keys = g_string_new (NULL);
  presets = kvp_model_catalog_get_presets (&n_presets);
  for (guint i = 0; i < n_presets; i++)
    g_string_append_printf (keys, "%s%s", keys->len > 0 ? ", " : "", presets[i]->key);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    g_string_append_printf (keys, "%s%s", keys->len > 0 ? ", " : "", entries[i].key);
  quoted = kvp_quote (key);
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("Unknown model “%s”: use one of %s (see --list-models)."),
               quoted, keys->str);
  return NULL;
}
