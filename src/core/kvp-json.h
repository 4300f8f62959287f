/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-json.h: the members every JSON output of kvpage writes the same way. */

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

G_END_DECLS
