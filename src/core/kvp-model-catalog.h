/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model-catalog.h: the config.json files kvpage ships (data/models,
 * compiled in as a GResource), each under its key: the repository's name in
 * lower case, without the organisation and without "-Instruct". */

#pragma once

#include <glib.h>

#include "kvp-model-config.h"

G_BEGIN_DECLS

typedef struct
{
  const char *key;        /* "qwen3-8b" */
  const char *repository; /* "Qwen/Qwen3-8B", on the Hugging Face Hub */
  const char *replaces;   /* the preset key it replaces, or NULL */
} KvpCatalogEntry;

const KvpCatalogEntry *kvp_model_catalog_get_entries (guint       *n_entries);
/* The entry of key, or NULL. */
const KvpCatalogEntry *kvp_model_catalog_lookup      (const char  *key);
/* The shipped config of key, read as --config reads a file and kept for the
 * process by the catalog; a new reference.  NULL with
 * KVP_ERROR_INVALID for a key that is not shipped. */
KvpModelConfig        *kvp_model_catalog_load        (const char  *key,
                                                      GError     **error);
/* Whether a shipped config names the same model as the built-in preset
 * preset_key, and so takes its place wherever models are offered by name:
 * --model, --list-models and the window's model list. */
gboolean               kvp_model_catalog_replaces    (const char  *preset_key);
/* The built-in presets offered beside the shipped configs, in their order:
 * those no shipped config replaces.  Built once, for the process. */
const KvpModel *const *kvp_model_catalog_get_presets (guint       *n_presets);

G_END_DECLS
