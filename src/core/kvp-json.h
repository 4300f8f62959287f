/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-json.h: the members every JSON output of kvpage writes the same way,
 * and the one writer that turns them into text. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A count or a size in bytes, as a JSON integer.  JSON numbers are doubles
 * for most readers: every figure written this way stays below 2^53. */
void kvp_json_add_uint   (JsonBuilder *builder,
                          const char  *name,
                          guint64      value);
void kvp_json_set_uint   (JsonObject  *object,
                          const char  *name,
                          guint64      value);
void kvp_json_add_double (JsonBuilder *builder,
                          const char  *name,
                          double       value);

/* Room for any number kvp_json_format_double() writes, with its NUL. */
#define KVP_JSON_DOUBLE_BUF_SIZE 32

const char *kvp_json_format_double (char   *buffer,
                                    gsize   size,
                                    double  value);
char       *kvp_json_to_string     (JsonNode *root);

G_END_DECLS
