/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-json.c: the text of every JSON kvpage writes — numbers as the
 * shortest decimal that reads back as the same double, layout as
 * json-glib's. */

#include "config.h"

#include <float.h>
#include <locale.h>
#include <math.h>

#include "kvp-json.h"
#include "kvp-test-utils.h"

/* The number a reader gets back: json-glib's, as the tests and most of our
 * users' scripts read it. */
static double
parse_back (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_DOUBLE);
  return json_node_get_double (node);
}

static void
test_double (void)
{
  static const struct
  {
    double value;
    const char *text;
  } cases[] = {
    { 0.1, "0.1" },
    { 161.2, "161.2" },
    { 0.92, "0.92" },
    { 1e-7, "1e-07" },
    { 1e21, "1e+21" },
    { 123456789012.0, "123456789012.0" },
    { 44.0, "44.0" },
    { 0.0, "0.0" },
    { -0.0, "-0.0" },
    { -2.75, "-2.75" },
    /* These need 16 and 17 digits: nothing shorter reads back. */
    { 1.0 / 3.0, "0.3333333333333333" },
    { 0.1 + 0.2, "0.30000000000000004" },
    { DBL_MAX, "1.7976931348623157e+308" },
    { 5e-324, "4.94065645841247e-324" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char buffer[KVP_JSON_DOUBLE_BUF_SIZE];
      double back;

      g_assert_cmpstr (kvp_json_format_double (buffer, sizeof buffer, cases[i].value), ==, cases[i].text);
      back = parse_back (buffer);
      g_assert_true (back == cases[i].value);
      g_assert_true (signbit (back) == signbit (cases[i].value));
      g_assert_true (g_ascii_strtod (buffer, NULL) == cases[i].value);
    }
}

/* JSON has no NaN or infinity: null, never the invalid "nan" or "inf". */
static void
test_not_finite (void)
{
  char buffer[KVP_JSON_DOUBLE_BUF_SIZE];

  g_assert_cmpstr (kvp_json_format_double (buffer, sizeof buffer, NAN), ==, "null");
  g_assert_cmpstr (kvp_json_format_double (buffer, sizeof buffer, INFINITY), ==, "null");
  g_assert_cmpstr (kvp_json_format_double (buffer, sizeof buffer, -INFINITY), ==, "null");
}

/* A locale that writes a decimal comma changes nothing.  The tests build
 * de_DE.UTF-8 into their build directory (tests/meson.build). */
static void
test_locale (void)
{
  char buffer[KVP_JSON_DOUBLE_BUF_SIZE];
  g_autofree char *comma = NULL;

  if (!kvp_test_use_numeric_locale ("de_DE.UTF-8"))
    return;
  comma = g_strdup_printf ("%.1f", 1.5);
  g_assert_cmpstr (comma, ==, "1,5");
  g_assert_cmpstr (kvp_json_format_double (buffer, sizeof buffer, 161.2), ==, "161.2");
  g_assert_cmpstr (kvp_json_format_double (buffer, sizeof buffer, 0.1 + 0.2), ==, "0.30000000000000004");
  setlocale (LC_NUMERIC, "C");
  g_unsetenv ("LOCPATH");
}

/* Layout as json-glib's pretty output; integers stay integers, whole
 * doubles stay doubles, strings are escaped, and the text reads back as the
 * same document. */
static void
test_document (void)
{
  static const char *const want =
    "{\n"
    "  \"count\" : 1024,\n"
    "  \"big\" : 9007199254740992,\n"
    "  \"negative\" : -3,\n"
    "  \"mb\" : 44.0,\n"
    "  \"share\" : 161.2,\n"
    "  \"ok\" : true,\n"
    "  \"none\" : null,\n"
    "  \"name\" : \"a \\\"b\\\" \\\\ c\\n\\t\\u0001 KV 缓存\",\n"
    "  \"empty\" : [],\n"
    "  \"nothing\" : {},\n"
    "  \"list\" : [\n"
    "    1,\n"
    "    {\n"
    "      \"x\" : 0.1\n"
    "    },\n"
    "    [\n"
    "      false\n"
    "    ]\n"
    "  ]\n"
    "}";
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  kvp_json_add_uint (builder, "count", 1024);
  kvp_json_add_uint (builder, "big", G_GUINT64_CONSTANT (1) << 53);
  json_builder_set_member_name (builder, "negative");
  json_builder_add_int_value (builder, -3);
  kvp_json_add_double (builder, "mb", 44.0);
  kvp_json_add_double (builder, "share", 161.2);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "none");
  json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "a \"b\" \\ c\n\t\001 KV 缓存");
  json_builder_set_member_name (builder, "empty");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "nothing");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "list");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, 1);
  json_builder_begin_object (builder);
  kvp_json_add_double (builder, "x", 0.1);
  json_builder_end_object (builder);
  json_builder_begin_array (builder);
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_array (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  text = kvp_json_to_string (root);
  g_assert_cmpstr (text, ==, want);
  back = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (back, root));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/json/double", test_double);
  g_test_add_func ("/core/json/not-finite", test_not_finite);
  g_test_add_func ("/core/json/locale", test_locale);
  g_test_add_func ("/core/json/document", test_document);

  return g_test_run ();
}
