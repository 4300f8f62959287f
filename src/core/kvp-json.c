/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-json.c: the members every JSON output of kvpage writes the same way. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-json.h"

void
kvp_json_add_uint (JsonBuilder *builder,
                   const char  *name,
                   guint64      value)
{
  g_return_if_fail (JSON_IS_BUILDER (builder));
  g_return_if_fail (name != NULL);

  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) value);
}

void
kvp_json_set_uint (JsonObject *object,
                   const char *name,
                   guint64     value)
{
  g_return_if_fail (object != NULL);
  g_return_if_fail (name != NULL);

  json_object_set_int_member (object, name, (gint64) value);
}

void
kvp_json_add_double (JsonBuilder *builder,
                     const char  *name,
                     double       value)
{
  g_return_if_fail (JSON_IS_BUILDER (builder));
  g_return_if_fail (name != NULL);

  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}
