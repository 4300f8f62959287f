/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model-types.h: what transformers supplies for a config.json: the
 * defaults of each config class and its attribute_map aliases, for the
 * model types kvpage knows.  vLLM reads a config through these classes, so
 * a key missing from the file takes the class's value. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;       /* the name kvpage reads: "num_hidden_layers" */
  const char *attribute;  /* the name the file may use instead: "n_layer" */
} KvpKeyAlias;

typedef struct
{
  const char *key;
  guint32     value;
} KvpKeyDefault;

typedef struct
{
  const char          *model_type;   /* "gemma3_text" */
  const char          *source;       /* the transformers file the values come from */
  const char          *text_type;    /* the model type of text_config when it names none, or NULL */
  const KvpKeyAlias   *aliases;      /* ended by { NULL } */
  const KvpKeyDefault *defaults;     /* ended by { NULL } */
} KvpModelType;

/* The model type's rules, or NULL for a type kvpage reads with the generic
 * rules only. */
const KvpModelType *kvp_model_type_lookup  (const char *model_type);

G_END_DECLS
