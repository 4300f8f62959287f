/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-json.c: the members every JSON output of kvpage writes the same way,
 * and the one writer that turns them into text.  json-glib 1.6 writes a
 * double with 17 significant digits (161.2 comes out 161.19999999999999,
 * 1e21 as the invalid 1e+21.0); ours writes the shortest decimal that reads
 * back as the same double, in json-glib's pretty layout otherwise. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-json.h"

#include <math.h>
#include <string.h>

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

/**
 * kvp_json_format_double:
 * @buffer: where to write, at least %KVP_JSON_DOUBLE_BUF_SIZE bytes
 * @size: the size of @buffer
 * @value: the number
 *
 * Writes @value as the shortest of 15, 16 or 17 significant digits that
 * reads back (with g_ascii_strtod()) as the same double, whatever the
 * locale; a whole number keeps a ".0" so that readers see a double, and
 * a value JSON cannot hold (NaN, infinities) is written null.
 *
 * Returns: @buffer
 */
const char *
kvp_json_format_double (char   *buffer,
                        gsize   size,
                        double  value)
{
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };

  g_return_val_if_fail (buffer != NULL && size >= KVP_JSON_DOUBLE_BUF_SIZE, NULL);

  if (!isfinite (value))
    return strcpy (buffer, "null");

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buffer, (int) size, formats[i], value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  /* %.17g always reads back; -0.0 keeps its sign through every format. */
  if (strpbrk (buffer, ".e") == NULL)
    g_strlcat (buffer, ".0", size);

  return buffer;
}

static void
write_indent (GString *out,
              guint    depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static void
write_string (GString    *out,
              const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
write_value (GString  *out,
             JsonNode *node)
{
  char buffer[KVP_JSON_DOUBLE_BUF_SIZE];

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      g_string_append (out, kvp_json_format_double (buffer, sizeof buffer, json_node_get_double (node)));
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      break;
    case G_TYPE_STRING:
      write_string (out, json_node_get_string (node));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
write_node (GString  *out,
            JsonNode *node,
            guint     depth)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) names = json_object_get_members (object);

        /* json_object_get_members() keeps the order the members were set. */
        g_string_append_c (out, '{');
        for (GList *l = names; l != NULL; l = l->next)
          {
            g_string_append (out, l->prev == NULL ? "\n" : ",\n");
            write_indent (out, depth + 1);
            write_string (out, l->data);
            g_string_append (out, " : ");
            write_node (out, json_object_get_member (object, l->data), depth + 1);
          }
        if (names != NULL)
          {
            g_string_append_c (out, '\n');
            write_indent (out, depth);
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            g_string_append (out, i == 0 ? "\n" : ",\n");
            write_indent (out, depth + 1);
            write_node (out, json_array_get_element (array, i), depth + 1);
          }
        if (n > 0)
          {
            g_string_append_c (out, '\n');
            write_indent (out, depth);
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_VALUE:
      write_value (out, node);
      break;
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    }
}

/**
 * kvp_json_to_string:
 * @root: the document
 *
 * The text every JSON output of kvpage prints: two-space indents and
 * " : " between a name and its value, as json-glib writes them, with
 * numbers from kvp_json_format_double().
 *
 * Returns: (transfer full): the text, without a final newline
 */
char *
kvp_json_to_string (JsonNode *root)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (root != NULL, NULL);

  write_node (out, root, 0);
  return g_string_free (out, FALSE);
}
