/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-params.c: the one table of parameter rules — defaults, ranges,
 * validation messages, clamping, equality, command-line parsing. */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <gio/gio.h>

#include "kvp-deploy.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-gpu.h"
#include "kvp-params.h"
#include "kvp-vllm.h"
#include "kvp-test-utils.h"

static void
test_defaults (void)
{
  KvpParams p;

  kvp_params_init_default (&p);
  g_assert_cmpstr (p.model->key, ==, "tinyllama-1.1b");
  g_assert_cmpint (p.dtype, ==, KVP_DTYPE_FP16);
  g_assert_cmpuint (p.seq_len, ==, 128);
  g_assert_cmpuint (p.max_seq_len, ==, 2048);
  g_assert_cmpuint (p.block_size, ==, 16);
  g_assert_cmpuint (p.num_blocks, ==, 1024);
  g_assert_true (kvp_params_validate (&p, NULL));
}

/* Every entry of the table is used the same way: its field, its name, its
 * range. */
static void
test_table (void)
{
  KvpParams p;

  kvp_params_init_default (&p);
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);
      g_autofree char *min = kvp_format_count (info->min);
      g_autofree char *max = kvp_format_count (info->max);
      KvpParams q = p;

      g_assert_cmpint (kvp_param_lookup (info->name), ==, i);
      g_assert_cmpint (kvp_param_lookup (info->option), ==, i);
      g_assert_cmpuint (info->min, <=, info->default_value);
      g_assert_cmpuint (info->default_value, <=, info->max);
      g_assert_nonnull (info->label);
      g_assert_nonnull (info->out_of_range);
      /* A bound comes before what it bounds: clamping is one pass. */
      g_assert_true (info->bounded_by == KVP_PARAM_NONE || info->bounded_by < (int) i);
      g_assert_true (info->bounded_by == KVP_PARAM_NONE || info->over_bound != NULL);

      kvp_params_set (&q, i, info->max);
      g_assert_cmpuint (kvp_params_get (&q, i), ==, info->max);
      g_assert_false (kvp_params_equal (&p, &q) && info->max != kvp_params_get (&p, i));
      g_assert_true (kvp_param_check (i, info->min, NULL));
      g_assert_true (kvp_param_check (i, info->max, NULL));
      g_assert_false (kvp_param_check (i, info->max + 1, NULL));
      if (info->min > 0)
        g_assert_false (kvp_param_check (i, info->min - 1, NULL));

      /* Every message prints the value it is about, and the range, grouped
       * as every count a person reads. */
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *text = kvp_format_count (info->max + 1);
        g_autofree char *range = g_strdup_printf (" %s to %s ", min, max);

        g_assert_false (kvp_param_check (i, info->max + 1, &error));
        g_assert_nonnull (strstr (error->message, text));
        g_assert_nonnull (strstr (error->message, range));
      }
      if (info->bounded_by != KVP_PARAM_NONE)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GError) option_error = NULL;

          q = p;
          kvp_params_set (&q, info->bounded_by, info->min + 6);
          kvp_params_set (&q, i, info->min + 7);
          g_assert_false (kvp_params_validate (&q, &error));
          g_assert_false (kvp_params_validate_options (&q, &option_error));
          g_assert_nonnull (strstr (error->message, "7"));
          g_assert_nonnull (strstr (option_error->message, info->option));
        }
    }
  g_assert_cmpint (kvp_param_lookup ("blocks"), ==, KVP_PARAM_NUM_BLOCKS);
  g_assert_cmpint (kvp_param_lookup ("num-blocks"), ==, KVP_PARAM_NUM_BLOCKS);
  g_assert_cmpint (kvp_param_lookup ("no-such"), ==, KVP_PARAM_NONE);
}

static const struct
{
  guint64     n, R;
  guint32     B, N;
  const char *says;     /* NULL: valid */
} validate_cases[] = {
  { 128, 2048, 16, 1024, NULL },
  { 2048, 2048, 1024, KVP_PARAMS_MAX_BLOCKS, NULL },
  { 0, 2048, 16, 1024, "The sequence length 0 is out of range: use 1 to 16,777,216 tokens." },
  { 2049, 2048, 16, 1024, "The sequence length 2,049 is longer than the reserved length 2,048." },
  { 128, 0, 16, 1024, "The reserved length 0 is out of range: use 1 to 16,777,216 tokens." },
  { 128, KVP_MAX_SEQ_LEN + 1, 16, 1024, "The reserved length 16,777,217 is out of range" },
  { 128, 2048, 0, 1024, "The block size 0 is out of range: use 1 to 1,024 tokens." },
  { 128, 2048, 1025, 1024, "The block size 1,025 is out of range" },
  { 128, 2048, 16, 0, "The block count 0 is out of range: use 1 to 16,777,216 blocks." },
  { 128, 2048, 16, KVP_PARAMS_MAX_BLOCKS + 1, "The block count 16,777,217 is out of range" },
};

static void
test_validate (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (validate_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      KvpParams p;

      kvp_params_init_default (&p);
      p.seq_len = validate_cases[i].n;
      p.max_seq_len = validate_cases[i].R;
      p.block_size = validate_cases[i].B;
      p.num_blocks = validate_cases[i].N;

      if (validate_cases[i].says == NULL)
        {
          g_assert_true (kvp_params_validate (&p, &error));
          g_assert_no_error (error);
          continue;
        }
      g_assert_false (kvp_params_validate (&p, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, validate_cases[i].says));
    }
}

static void
test_validate_options (void)
{
  g_autoptr(GError) error = NULL;
  KvpParams p;

  kvp_params_init_default (&p);
  p.max_seq_len = 100;
  p.seq_len = 101;
  g_assert_false (kvp_params_validate_options (&p, &error));
  g_assert_cmpstr (error->message, ==,
                   "--seq-len 101 is longer than the reserved length 100: use 1 to 100, or raise --max-seq-len.");

  /* The option's value as it was typed, to be typed again; the counts
   * grouped. */
  g_clear_error (&error);
  p.max_seq_len = 100000;
  p.seq_len = 100001;
  g_assert_false (kvp_params_validate_options (&p, &error));
  g_assert_cmpstr (error->message, ==,
                   "--seq-len 100001 is longer than the reserved length 100,000: use 1 to 100,000, or raise --max-seq-len.");
}

/* The number of conversions in @format, and whether every one is %s. */
static guint
count_string_conversions (const char *format,
                          gboolean   *only_strings)
{
  guint n = 0;

  *only_strings = TRUE;
  for (const char *p = strchr (format, '%'); p != NULL; p = strchr (p + 2, '%'))
    {
      if (p[1] == '%')
        continue;
      n++;
      if (p[1] != 's')
        *only_strings = FALSE;
    }
  return n;
}

/* The table's formats are data the compiler cannot check: each takes its
 * values as text (%s), as many as its call passes at most, so a "%u" that
 * would read a string as a number cannot slip back in. */
static void
test_formats (void)
{
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);
      const char *formats[] = { info->out_of_range, info->over_bound, info->option_over_bound };
      const guint arity[] = { 3, 2, 3 };

      for (guint k = 0; k < G_N_ELEMENTS (formats); k++)
        {
          gboolean only_strings;

          if (formats[k] == NULL)
            continue;
          g_assert_cmpuint (count_string_conversions (formats[k], &only_strings), ==, arity[k]);
          g_assert_true (only_strings);
        }
    }
}

/* The same messages in a locale that groups with points: the range reads
 * as German figures do ("16.777.216"), never plain. */
static void
test_grouping_german (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) option_error = NULL;
  KvpParams p;

  if (!kvp_test_use_numeric_locale ("de_DE.UTF-8"))
    return;

  kvp_params_init_default (&p);
  p.num_blocks = KVP_PARAMS_MAX_BLOCKS + 1;
  g_assert_false (kvp_params_validate (&p, &error));
  g_assert_cmpstr (error->message, ==, "The block count 16.777.217 is out of range: use 1 to 16.777.216 blocks.");

  kvp_params_init_default (&p);
  p.max_seq_len = 100000;
  p.seq_len = 100001;
  g_assert_false (kvp_params_validate_options (&p, &option_error));
  g_assert_cmpstr (option_error->message, ==,
                   "--seq-len 100001 is longer than the reserved length 100.000: use 1 to 100.000, or raise --max-seq-len.");

  setlocale (LC_NUMERIC, "C");
  g_unsetenv ("LOCPATH");
}

static void
test_clamp (void)
{
  KvpParams p;

  kvp_params_init_default (&p);
  p.model = NULL;
  p.dtype = KVP_N_DTYPES + 3;
  p.seq_len = 0;
  p.max_seq_len = G_MAXUINT64;
  p.block_size = 5000;
  p.num_blocks = 0;
  kvp_params_clamp (&p);
  g_assert_cmpstr (p.model->key, ==, "tinyllama-1.1b");
  g_assert_cmpint (p.dtype, ==, KVP_DTYPE_DEFAULT);
  g_assert_cmpuint (p.seq_len, ==, 1);
  g_assert_cmpuint (p.max_seq_len, ==, KVP_MAX_SEQ_LEN);
  g_assert_cmpuint (p.block_size, ==, 1024);
  g_assert_cmpuint (p.num_blocks, ==, 1);
  g_assert_true (kvp_params_validate (&p, NULL));

  /* The sequence is kept inside the reservation. */
  p.max_seq_len = 512;
  p.seq_len = 4096;
  g_assert_cmpuint (kvp_params_get_max (&p, KVP_PARAM_SEQ_LEN), ==, 512);
  g_assert_cmpuint (kvp_params_get_max (&p, KVP_PARAM_MAX_SEQ_LEN), ==, KVP_MAX_SEQ_LEN);
  kvp_params_clamp (&p);
  g_assert_cmpuint (p.seq_len, ==, 512);
}

static void
test_equal (void)
{
  KvpParams a, b;

  kvp_params_init_default (&a);
  kvp_params_init_default (&b);
  g_assert_true (kvp_params_equal (&a, &b));
  b.num_blocks++;
  g_assert_false (kvp_params_equal (&a, &b));
  b = a;
  b.dtype = KVP_DTYPE_FP8;
  g_assert_false (kvp_params_equal (&a, &b));
  b = a;
  b.model = kvp_model_lookup ("llama-2-7b", NULL);
  g_assert_nonnull (b.model);
  g_assert_false (kvp_params_equal (&a, &b));
}

static const struct
{
  KvpParamId  id;
  const char *text;
  guint64     value;   /* 0: refused */
} parse_cases[] = {
  { KVP_PARAM_SEQ_LEN, "128", 128 },
  { KVP_PARAM_SEQ_LEN, "abc", 0 },
  { KVP_PARAM_SEQ_LEN, "0", 0 },
  { KVP_PARAM_SEQ_LEN, "-5", 0 },
  { KVP_PARAM_SEQ_LEN, "", 0 },
  { KVP_PARAM_BLOCK_SIZE, "1024", 1024 },
  { KVP_PARAM_BLOCK_SIZE, "1025", 0 },
  { KVP_PARAM_NUM_BLOCKS, "16777216", 16777216 },
  { KVP_PARAM_NUM_BLOCKS, "16777217", 0 },
};

static void
test_parse (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 value = 0;
      gboolean ok = kvp_param_parse (parse_cases[i].id, parse_cases[i].text, &value, &error);

      g_assert_cmpint (ok, ==, parse_cases[i].value != 0);
      if (ok)
        {
          g_assert_cmpuint (value, ==, parse_cases[i].value);
          continue;
        }
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, kvp_param_get_info (parse_cases[i].id)->option));
    }
}

/* The <description> of @key in the schema's source. */
static char *
schema_description (const char *key)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", APPLICATION_ID ".gschema.xml", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *start = g_strdup_printf ("<key name=\"%s\"", key);
  const char *at, *open, *close;

  g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
  at = strstr (xml, start);
  g_assert_nonnull (at);
  open = strstr (at, "<description>");
  close = open != NULL ? strstr (open, "</description>") : NULL;
  g_assert_nonnull (close);
  return g_strndup (open + strlen ("<description>"), close - open - strlen ("<description>"));
}

/* The settings schema agrees with kvp-params and the deploy limits: each
 * remembered parameter's default is the table's, and its description gives
 * the table's range; the GPU keys' defaults are vLLM's. */
static void
test_gschema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  guint n_checked = 0;

  if (source == NULL || (schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE)) == NULL)
    {
      g_test_skip ("the settings schema is not compiled here");
      return;
    }

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);
      g_autoptr(GSettingsSchemaKey) key = NULL;
      g_autoptr(GVariant) value = NULL;
      g_autofree char *max = g_strdup_printf ("%" G_GUINT64_FORMAT, info->max);

      if (!g_settings_schema_has_key (schema, info->name))
        continue;
      key = g_settings_schema_get_key (schema, info->name);
      value = g_settings_schema_key_get_default_value (key);
      g_assert_cmpuint (g_variant_get_uint32 (value), ==, info->default_value);
      /* The sequence's range is its bound's, which the description names. */
      if (info->bounded_by == KVP_PARAM_NONE)
        {
          g_autofree char *description = schema_description (info->name);

          g_assert_nonnull (strstr (description, max));
        }
      /* A key with a range (the samples) has the table's. */
      {
        g_autoptr(GVariant) range = g_settings_schema_key_get_range (key);
        const char *type;
        g_autoptr(GVariant) bounds = NULL;

        g_variant_get (range, "(&sv)", &type, &bounds);
        if (g_str_equal (type, "range"))
          {
            guint32 lo, hi;

            g_variant_get (bounds, "(uu)", &lo, &hi);
            g_assert_cmpuint (lo, ==, info->min);
            g_assert_cmpuint (hi, ==, info->max);
          }
      }
      n_checked++;
    }
  g_assert_cmpuint (n_checked, ==, KVP_N_PARAMS);

  {
    g_autoptr(GSettingsSchemaKey) utilization = g_settings_schema_get_key (schema, "gpu-memory-utilization");
    g_autoptr(GSettingsSchemaKey) tp = g_settings_schema_get_key (schema, "tensor-parallel-size");
    g_autoptr(GSettingsSchemaKey) activation = g_settings_schema_get_key (schema, "activation-memory");
    g_autoptr(GVariant) u = g_settings_schema_key_get_default_value (utilization);
    g_autoptr(GVariant) t = g_settings_schema_key_get_default_value (tp);
    g_autoptr(GVariant) a = g_settings_schema_key_get_default_value (activation);
    g_autofree char *tp_max = g_strdup_printf ("%u", KVP_DEPLOY_MAX_TENSOR_PARALLEL);
    g_autofree char *tp_description = schema_description ("tensor-parallel-size");
    g_autofree char *utilization_description = schema_description ("gpu-memory-utilization");

    g_assert_cmpfloat (g_variant_get_double (u), ==, KVP_GPU_DEFAULT_UTILIZATION);
    g_assert_cmpuint (g_variant_get_uint32 (t), ==, 1);
    g_assert_cmpuint (g_variant_get_uint64 (a), ==, KVP_GPU_DEFAULT_ACTIVATION_BYTES);
    g_assert_nonnull (strstr (tp_description, tp_max));
    g_assert_nonnull (strstr (utilization_description, "0.01"));
  }
}

/* The samples and the shared prompt: the prompt is bounded by the
 * sequence, and a hybrid model's groups take one sample, refused or clamped. */
static void
test_samples_rules (void)
{
  static const KvpPoolLayout layout = { .n_kinds = 1, .num_groups = 2, .group_size = 1, .num_layers = 2 };
  g_autoptr(GError) error = NULL;
  KvpParams p;

  kvp_params_init_default (&p);
  g_assert_cmpuint (p.samples, ==, 1);
  g_assert_cmpuint (p.prompt_len, ==, 0);
  g_assert_cmpuint (kvp_params_get_max (&p, KVP_PARAM_PROMPT_LEN), ==, p.seq_len);
  g_assert_cmpuint (kvp_params_get_max (&p, KVP_PARAM_SAMPLES), ==, 8);

  p.samples = 4;
  p.layout = &layout;
  g_assert_cmpuint (kvp_params_get_max (&p, KVP_PARAM_SAMPLES), ==, 1);
  g_assert_false (kvp_params_validate_options (&p, &error));
  g_assert_nonnull (strstr (error->message, "--samples"));
  kvp_params_clamp (&p);
  g_assert_cmpuint (p.samples, ==, 1);
  g_assert_true (kvp_params_validate (&p, NULL));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/params/samples", test_samples_rules);
  g_test_add_func ("/core/params/defaults", test_defaults);
  g_test_add_func ("/core/params/gschema", test_gschema);
  g_test_add_func ("/core/params/table", test_table);
  g_test_add_func ("/core/params/validate", test_validate);
  g_test_add_func ("/core/params/validate-options", test_validate_options);
  g_test_add_func ("/core/params/formats", test_formats);
  g_test_add_func ("/core/params/grouping-german", test_grouping_german);
  g_test_add_func ("/core/params/clamp", test_clamp);
  g_test_add_func ("/core/params/equal", test_equal);
  g_test_add_func ("/core/params/parse", test_parse);

  return g_test_run ();
}
