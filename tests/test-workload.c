/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-workload.c: the built-in workloads have the paper's means and vLLM's
 * filter, the same seed gives the same requests everywhere, and every bad
 * workload file is refused with its name and line. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>

#include "kvp-error.h"
#include "kvp-kv-cache-manager.h"
#include "kvp-workload.h"

static KvpWorkload *
make (const char *source,
      guint       n_requests,
      guint64     seed,
      double      rate,
      guint32     max_len)
{
  g_autoptr(GError) error = NULL;
  KvpWorkloadOptions options;
  KvpWorkload *workload;

  kvp_workload_options_init (&options);
  options.source = source;
  options.n_requests = n_requests;
  options.seed = seed;
  options.request_rate = rate;
  options.max_len = max_len;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);

  return workload;
}

static void
test_rng_reference (void)
{
  KvpRng rng;

  /* SplitMix64's published first outputs for seed 0: a different generator
   * (or a changed one) shows here before anywhere else. */
  kvp_rng_init (&rng, 0);
  g_assert_cmpuint (kvp_rng_next (&rng), ==, G_GUINT64_CONSTANT (0xe220a8397b1dcdaf));
  g_assert_cmpuint (kvp_rng_next (&rng), ==, G_GUINT64_CONSTANT (0x6e789e6aa1b965f4));
  g_assert_cmpuint (kvp_rng_next (&rng), ==, G_GUINT64_CONSTANT (0x06c45d188009454f));

  for (guint i = 0; i < 10000; i++)
    {
      double u = kvp_rng_uniform (&rng);

      g_assert_cmpfloat (u, >, 0.0);
      g_assert_cmpfloat (u, <, 1.0);
    }
}

static void
test_seed_fixes_bytes (void)
{
  /* The first requests of seed 1, as every machine must draw them. */
  static const guint32 sharegpt[][2] = { { 136, 436 }, { 689, 228 }, { 106, 457 }, { 318, 267 }, { 75, 500 } };
  static const guint32 alpaca[][2] = { { 19, 69 }, { 42, 50 }, { 16, 70 }, { 28, 54 }, { 14, 74 } };
  g_autoptr(KvpWorkload) a = make ("sharegpt", 5, 1, 0.0, 2048);
  g_autoptr(KvpWorkload) b = make ("alpaca", 5, 1, 0.0, 2048);
  g_autoptr(KvpWorkload) c = make ("sharegpt", 5, 2, 0.0, 2048);
  const KvpRequest *ra = kvp_workload_get_requests (a, NULL);
  const KvpRequest *rb = kvp_workload_get_requests (b, NULL);
  const KvpRequest *rc = kvp_workload_get_requests (c, NULL);
  gboolean differs = FALSE;

  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpuint (ra[i].prompt_len, ==, sharegpt[i][0]);
      g_assert_cmpuint (ra[i].output_len, ==, sharegpt[i][1]);
      g_assert_cmpuint (rb[i].prompt_len, ==, alpaca[i][0]);
      g_assert_cmpuint (rb[i].output_len, ==, alpaca[i][1]);
      g_assert_cmpfloat (ra[i].arrival, ==, 0.0);
      g_assert_cmpuint (ra[i].arrival_step, ==, 0);
      differs |= rc[i].prompt_len != ra[i].prompt_len;
    }
  g_assert_true (differs);
}

typedef struct
{
  double mean;
  double cv;   /* standard deviation / mean */
} Moments;

static void
moments (KvpWorkload *workload,
         Moments     *prompt,
         Moments     *output)
{
  guint n;
  const KvpRequest *r = kvp_workload_get_requests (workload, &n);
  double sp = 0, so = 0, sp2 = 0, so2 = 0;

  for (guint i = 0; i < n; i++)
    {
      sp += r[i].prompt_len;
      so += r[i].output_len;
      sp2 += (double) r[i].prompt_len * r[i].prompt_len;
      so2 += (double) r[i].output_len * r[i].output_len;
    }
  prompt->mean = sp / n;
  output->mean = so / n;
  prompt->cv = sqrt (sp2 / n - prompt->mean * prompt->mean) / prompt->mean;
  output->cv = sqrt (so2 / n - output->mean * output->mean) / output->mean;
}

static void
test_builtin_means (void)
{
  g_autoptr(KvpWorkload) sharegpt = make ("sharegpt", 200000, 7, 0.0, 2048);
  g_autoptr(KvpWorkload) alpaca = make ("alpaca", 200000, 7, 0.0, 2048);
  Moments sp, so, ap, ao;
  guint n;
  const KvpRequest *r = kvp_workload_get_requests (sharegpt, &n);

  moments (sharegpt, &sp, &so);
  moments (alpaca, &ap, &ao);

  /* The paper's means (§6.1), within sampling error of 200,000 draws. */
  g_assert_cmpfloat_with_epsilon (sp.mean, 161.31, 161.31 * 0.01);
  g_assert_cmpfloat_with_epsilon (so.mean, 337.99, 337.99 * 0.01);
  g_assert_cmpfloat_with_epsilon (ap.mean, 19.31, 19.31 * 0.01);
  g_assert_cmpfloat_with_epsilon (ao.mean, 58.45, 58.45 * 0.01);

  /* ShareGPT varies more. */
  g_assert_cmpfloat (sp.cv, >, ap.cv + 0.2);
  g_assert_cmpfloat (so.cv, >, ao.cv + 0.2);

  /* vLLM's benchmark filter. */
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (r[i].prompt_len, >=, 4);
      g_assert_cmpuint (r[i].output_len, >=, 4);
      g_assert_cmpuint (r[i].prompt_len, <=, 1024);
      g_assert_cmpuint (r[i].prompt_len + r[i].output_len, <=, 2048);
    }
}

static void
test_short_context (void)
{
  g_autoptr(KvpWorkload) workload = make ("sharegpt", 5000, 3, 0.0, 512);
  guint n;
  const KvpRequest *r = kvp_workload_get_requests (workload, &n);

  g_assert_cmpuint (n, ==, 5000);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (r[i].prompt_len + r[i].output_len, <=, 512);
}

static void
test_generators (void)
{
  g_autoptr(KvpWorkload) fixed = make ("fixed:16,32", 10, 0, 0.0, 2048);
  g_autoptr(KvpWorkload) uniform = make ("uniform:1-100,5-6", 2000, 0, 0.0, 2048);
  guint n;
  const KvpRequest *r = kvp_workload_get_requests (fixed, &n);
  gboolean seen_lo = FALSE, seen_hi = FALSE;

  g_assert_cmpuint (n, ==, 10);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (r[i].prompt_len, ==, 16);
      g_assert_cmpuint (r[i].output_len, ==, 32);
    }

  r = kvp_workload_get_requests (uniform, &n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (r[i].prompt_len, >=, 1);
      g_assert_cmpuint (r[i].prompt_len, <=, 100);
      g_assert_cmpuint (r[i].output_len, >=, 5);
      g_assert_cmpuint (r[i].output_len, <=, 6);
      seen_lo |= r[i].output_len == 5;
      seen_hi |= r[i].output_len == 6;
    }
  g_assert_true (seen_lo && seen_hi);
  g_assert_cmpstr (kvp_workload_get_source (uniform), ==, "uniform:1-100,5-6");
}

static void
test_bad_generators (void)
{
  static const char *bad[] = {
    "fixed:", "fixed:16", "fixed:0,5", "fixed:16,-1", "fixed:a,b", "fixed:1,2,3",
    "uniform:1-2", "uniform:5-1,1-2", "uniform:1-2-3,4", "fixed:2000,100",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      KvpWorkloadOptions options;
      g_autoptr(KvpWorkload) workload = NULL;

      kvp_workload_options_init (&options);
      options.source = bad[i];
      workload = kvp_workload_new (&options, &error);
      g_assert_null (workload);
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
test_poisson (void)
{
  g_autoptr(KvpWorkload) workload = make ("sharegpt", 20000, 5, 4.0, 2048);
  g_autoptr(KvpWorkload) still = make ("sharegpt", 20000, 5, 0.0, 2048);
  guint n;
  const KvpRequest *r = kvp_workload_get_requests (workload, &n);
  const KvpRequest *s = kvp_workload_get_requests (still, NULL);

  /* Mean gap 1 / rate, arrivals in order, steps from seconds, and the
   * lengths do not depend on the rate. */
  g_assert_cmpfloat_with_epsilon (r[n - 1].arrival / n, 0.25, 0.25 * 0.03);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (r[i].arrival, >, i > 0 ? r[i - 1].arrival - 1e-300 : 0.0);
      g_assert_cmpuint (r[i].arrival_step, ==, (guint32) floor (r[i].arrival / KVP_WORKLOAD_STEP_SECONDS));
      g_assert_cmpuint (r[i].prompt_len, ==, s[i].prompt_len);
      g_assert_cmpuint (r[i].output_len, ==, s[i].output_len);
    }
}

static char *
write_temp (const char *name,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kvpage-workload-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);

  return path;
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

static KvpWorkload *
load (const char  *path,
      guint        n_requests,
      double       rate,
      GError     **error)
{
  KvpWorkloadOptions options;

  kvp_workload_options_init (&options);
  options.source = path;
  options.n_requests = n_requests;
  options.request_rate = rate;
  options.max_len = 2048;

  return kvp_workload_new (&options, error);
}

/* Refused as bad input, with the words the message must hold. */
static void
assert_refused (KvpWorkload  *workload,
                GError      **error,
                const char   *says)
{
  g_assert_null (workload);
  g_assert_error (*error, KVP_ERROR, KVP_ERROR_INVALID);
  if (says != NULL)
    g_assert_nonnull (strstr ((*error)->message, says));
  g_clear_error (error);
}

static void
test_files (void)
{
  static const struct
  {
    const char *name;
    const char *text;
    guint       n;
    double      last_arrival;
  } cases[] = {
    { "a.jsonl", "{\"prompt_len\": 10, \"output_len\": 20}\n\n{\"output_len\": 5, \"prompt_len\": 1}\n", 2, 0.0 },
    { "a.jsonl", "{\"prompt_len\": 10, \"output_len\": 20, \"arrival\": 0.5}\r\n{\"prompt_len\": 3, \"output_len\": 4, \"arrival\": 2}", 2, 2.0 },
    { "a.csv", "prompt_len,output_len\n10,20\n1,5\n3,3\n", 3, 0.0 },
    { "a.csv", "arrival , output_len, prompt_len\r\n0,20,10\r\n1.25,5,1\r\n", 2, 1.25 },
    /* No known extension: the first character decides. */
    { "trace", "{\"prompt_len\": 7, \"output_len\": 8}\n", 1, 0.0 },
    { "trace.txt", "prompt_len,output_len\n7,8\n", 1, 0.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_temp (cases[i].name, cases[i].text, -1);
      g_autoptr(KvpWorkload) workload = load (path, 0, 0.0, &error);
      guint n;
      const KvpRequest *r;

      g_assert_no_error (error);
      r = kvp_workload_get_requests (workload, &n);
      g_assert_cmpuint (n, ==, cases[i].n);
      g_assert_cmpuint (r[0].prompt_len, ==, i < 4 ? 10 : 7);
      g_assert_cmpuint (r[0].output_len, ==, i < 4 ? 20 : 8);
      g_assert_cmpfloat (r[n - 1].arrival, ==, cases[i].last_arrival);
      g_assert_cmpuint (r[n - 1].arrival_step, ==, (guint32) floor (cases[i].last_arrival / KVP_WORKLOAD_STEP_SECONDS));
      remove_temp (path);
    }
}

static void
test_file_first_n_and_rate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = write_temp ("p.csv", "prompt_len,output_len\n1,2\n3,4\n5,6\n", -1);
  g_autofree char *timed = write_temp ("t.csv", "prompt_len,output_len,arrival\n1,2,0\n3,4,1\n", -1);
  g_autoptr(KvpWorkload) first = load (plain, 2, 0.0, &error);
  g_autoptr(KvpWorkload) paced = NULL;
  g_autoptr(KvpWorkload) bad = NULL;
  guint n;

  g_assert_no_error (error);
  kvp_workload_get_requests (first, &n);
  g_assert_cmpuint (n, ==, 2);

  paced = load (plain, 0, 10.0, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (kvp_workload_get_requests (paced, NULL)[2].arrival, >, 0.0);

  bad = load (plain, 4, 0.0, &error);
  assert_refused (bad, &error, "--requests 4");
  bad = load (timed, 0, 10.0, &error);
  assert_refused (bad, &error, "--request-rate");

  remove_temp (plain);
  remove_temp (timed);
}

static void
test_bad_files (void)
{
  static const struct
  {
    const char *name;
    const char *text;
    gssize      length;
    guint       line;
    const char *says;
  } cases[] = {
    { "b.csv", "prompt_len,prompt_len\n", -1, 1, "twice" },
    { "b.csv", "prompt_len\n5\n", -1, 1, "output_len" },
    { "b.csv", "prompt_len,output_len\n1,2\n0,5\n", -1, 3, "prompt_len" },
    { "b.csv", "prompt_len,output_len\n1,-2\n", -1, 2, "output_len" },
    { "b.csv", "prompt_len,output_len\n1.5,2\n", -1, 2, "prompt_len" },
    { "b.csv", "prompt_len,output_len\n1,2,3\n", -1, 2, "fields" },
    { "b.csv", "prompt_len,output_len,arrival\n1,2,5\n1,2,4\n", -1, 3, "sort" },
    { "b.csv", "prompt_len,output_len,arrival\n1,2,-1\n", -1, 2, "arrival" },
    { "b.csv", "prompt_len,output_len,arrival\n1,2,nan\n", -1, 2, "arrival" },
    { "b.csv", "prompt_len,output_len\n1,2\n\xff\xfe,3\n", -1, 3, "UTF-8" },
    { "b.csv", "prompt_len,output_len\n1,2\n3\0,4\n", 31, 3, "NUL" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2}\nnot json\n", -1, 2, "JSON" },
    { "b.jsonl", "[1, 2]\n", -1, 1, "JSON" },
    { "b.jsonl", "{\"prompt_len\": 1}\n", -1, 1, "output_len" },
    { "b.jsonl", "{\"prompt_len\": 0, \"output_len\": 2}\n", -1, 1, "prompt_len" },
    { "b.jsonl", "{\"prompt_len\": 1.5, \"output_len\": 2}\n", -1, 1, "prompt_len" },
    { "b.jsonl", "{\"prompt_len\": \"1\", \"output_len\": 2}\n", -1, 1, "prompt_len" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2, \"arrival\": 1}\n{\"prompt_len\": 1, \"output_len\": 2}\n", -1, 2, "arrival" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2, \"arrival\": \"soon\"}\n", -1, 1, "arrival" },
    { "b.jsonl", "{\"prompt_len\": 10, \"output_len\": 2, \"prefix_id\": 1, \"prefix_len\": 11}\n", -1, 1, "prefix_len" },
    { "b.jsonl", "{\"prompt_len\": 10, \"output_len\": 2, \"n\": 0}\n", -1, 1, "n is not" },
    { "b.jsonl", "{\"prompt_len\": 10, \"output_len\": 2, \"prefix_id\": -1}\n", -1, 1, "prefix_id" },
    { "b.csv", "prompt_len,output_len,n\n1,2,1\n1,2,257\n", -1, 3, "n is not" },
    /* A JSON array: the element's own line. */
    { "b.json", "[\n  {\"prompt_len\": 1, \"output_len\": 2},\n  {\"prompt_len\": 0, \"output_len\": 2}\n]\n", -1, 3, "prompt_len" },
    { "b.json", "\n[\n  {\"prompt_len\": 1, \"output_len\": 2},\n  7\n]\n", -1, 4, "JSON object" },
    /* Checked strictly first: the text ends inside the array. */
    { "b.json", "[{\"prompt_len\": 1, \"output_len\": 2},\n", -1, 2, "ends before it is complete" },
    /* JSON Lines stay lines: an array later on is a bad line, not a new format. */
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2}\n[{\"prompt_len\": 1, \"output_len\": 2}]\n{\"prompt_len\": 1, \"output_len\": 2}\n", -1, 2, "JSON object" },
    /* Azure: a date and time, in order. */
    { "b.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,10,5\n2023-13-16 18:15:46.1,3,4\n", -1, 3, "TIMESTAMP" },
    { "b.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900123,10,5\n", -1, 2, "TIMESTAMP" },
    { "b.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6,10,5\n2023-11-16 18:15:46.5,10,5\n", -1, 3, "sort" },
    { "b.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6,10,-5\n", -1, 2, "GeneratedTokens" },
    { "b.csv", "TIMESTAMP,GeneratedTokens\n", -1, 1, "ContextTokens" },
    /* BurstGPT. */
    { "b.csv", "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,4x,18,490,API log\n", -1, 2, "Request tokens" },
    { "b.csv", "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\nsoon,ChatGPT,4,18,22,API log\n", -1, 2, "Timestamp" },
    /* Mooncake. */
    { "b.jsonl", "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2, \"hash_ids\": [1, \"x\"]}\n", -1, 1, "hash_ids" },
    { "b.jsonl", "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2, \"hash_ids\": 1}\n", -1, 1, "hash_ids" },
    { "b.jsonl", "{\"timestamp\": \"0\", \"input_length\": 10, \"output_length\": 2}\n", -1, 1, "timestamp" },
    { "b.jsonl", "{\"timestamp\": 0, \"input_length\": 10}\n", -1, 1, "output_length" },
    /* Strict JSON: json-glib took all of these, the first dropping its
     * second request silently. */
    { "b.jsonl", "{\"prompt_len\":10,\"output_len\":5} {\"prompt_len\":2000,\"output_len\":5}\n", -1, 1, "one value per line" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2}\n{\"prompt_len\": 1, \"output_len\": 2} // two\n", -1, 2, "comment" },
    { "b.jsonl", "{\"prompt_len\": 1, /* c */ \"output_len\": 2}\n", -1, 1, "comment" },
    { "b.jsonl", "{'prompt_len': 1, \"output_len\": 2}\n", -1, 1, "single quotes" },
    { "b.jsonl", "{\"prompt_len\": 0x10, \"output_len\": 2}\n", -1, 1, "“0x10” is not a number" },
    { "b.jsonl", "{\"prompt_len\": 010, \"output_len\": 2}\n", -1, 1, "“010” is not a number" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2,}\n", -1, 1, "comma before “}”" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2, \"arrival\": NaN}\n", -1, 1, "“NaN”" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2, \"arrival\": 1e400}\n", -1, 1, "too large" },
    { "b.jsonl", "{\"prompt_len\": 18446744073709551617, \"output_len\": 2}\n", -1, 1, "“prompt_len”: the number 18446744073709551617 is too large" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2, \"x\\u0000\": 1}\n", -1, 1, "\\u0000" },
    { "b.jsonl", "{\"prompt_len\": 1, \"output_len\": 2}\n\xef\xbb\xbf{\"prompt_len\": 1, \"output_len\": 2}\n", -1, 2, "\\uFEFF" },
    /* Nesting past the limit is refused before json-glib recurses. */
    { "b.jsonl", "{\"prompt_len\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\n",
      -1, 1, "more than 64 deep" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_temp (cases[i].name, cases[i].text, cases[i].length);
      g_autoptr(KvpWorkload) workload = load (path, 0, 0.0, &error);
      g_autofree char *where = g_strdup_printf ("line %u:", cases[i].line);

      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(accepted)");
      g_assert_null (workload);
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, where));
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_assert_null (strchr (error->message, '\n'));
      remove_temp (path);
    }
}

static KvpWorkload *
load_trace (const char  *name,
            const char  *text,
            guint        n_requests,
            guint32      max_len,
            double       time_scale,
            char       **out_path)
{
  g_autoptr(GError) error = NULL;
  KvpWorkloadOptions options;
  KvpWorkload *workload;

  *out_path = write_temp (name, text, -1);
  kvp_workload_options_init (&options);
  options.source = *out_path;
  options.n_requests = n_requests;
  options.max_len = max_len;
  options.time_scale = time_scale;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);

  return workload;
}

static void
assert_skipped (KvpWorkload *workload,
                guint        too_long,
                guint        failed)
{
  guint t, f;

  g_assert_cmpuint (kvp_workload_get_skipped (workload, &t, &f), ==, too_long + failed);
  g_assert_cmpuint (t, ==, too_long);
  g_assert_cmpuint (f, ==, failed);
}

/* Azure LLM inference traces: date-times with 7 decimals (100 ns), arrivals
 * counted from the first row; a request without output and one longer than
 * the model are left out and counted, not refused. */
static void
test_azure (void)
{
  static const char text[] =
    "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
    "2023-11-16 18:15:46.6805900,4808,10\r\n"
    "2023-11-16 18:15:50.9810240,3180,8\r\n"
    "2023-11-16 18:16:01.0000000,8000,500\r\n"
    "2023-11-16 18:16:02.5000000,100,0\r\n"
    "2023-11-17 00:00:00.0000000,1,1\r\n";
  g_autofree char *path = NULL;
  g_autoptr(KvpWorkload) w = load_trace ("conv.csv", text, 0, 8192, 1.0, &path);
  g_autoptr(KvpWorkload) fast = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *arrivals = NULL;
  const KvpRequest *r;
  guint n;

  r = kvp_workload_get_requests (w, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (r[0].prompt_len, ==, 4808);
  g_assert_cmpuint (r[0].output_len, ==, 10);
  g_assert_cmpfloat (r[0].arrival, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (r[1].arrival, 4.300434, 1e-6);
  g_assert_cmpuint (r[1].arrival_step, ==, 107);
  g_assert_cmpfloat_with_epsilon (r[2].arrival, 5 * 3600 + 44 * 60 + 13.3194100, 1e-6);
  g_assert_cmpuint (kvp_workload_get_sharing (w, 2).n, ==, 1);
  assert_skipped (w, 1, 1);
  g_assert_true (kvp_workload_has_file_arrivals (w));
  arrivals = kvp_workload_describe_arrivals (w);
  g_assert_cmpstr (arrivals, ==, "arrivals from the file");
  skipped = kvp_workload_describe_skipped (w);
  g_assert_cmpstr (skipped, ==, "Left out of the file: 1 request longer than the model allows, "
                   "1 request the trace records as failed (no prompt or no output).");
  remove_temp (path);
  g_clear_pointer (&path, g_free);

  /* --time-scale 0.5 replays it twice as fast; a time zone is applied
   * (2024's traces), and a "T" may stand between date and time. */
  fast = load_trace ("2024.csv",
                     "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                     "2024-05-10 00:00:00.0097790+00:00,10,2\n"
                     "2024-05-10T03:00:01.0097790+02:00,20,3\n",
                     0, 8192, 0.5, &path);
  r = kvp_workload_get_requests (fast, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat_with_epsilon (r[1].arrival, 1800.5, 1e-6);
  g_clear_pointer (&arrivals, g_free);
  arrivals = kvp_workload_describe_arrivals (fast);
  g_assert_cmpstr (arrivals, ==, "arrivals from the file, times × 0.5");
  g_assert_null (kvp_workload_describe_skipped (fast));
  remove_temp (path);
}

/* BurstGPT: relative seconds, counted from the first row here too; a row
 * with 0 response tokens is a failed request; quoted fields may hold
 * commas; Model, Total tokens and Log Type are not read. */
static void
test_burstgpt (void)
{
  static const char text[] =
    "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
    "5,ChatGPT,472,18,490,Conversation log\n"
    "45,ChatGPT,1087,0,1087,Conversation log\n"
    "118,\"GPT-4, 0613\",417,276,693,Conversation log\n"
    "148,ChatGPT,8000,300,8300,API log\n"
    "148.5,GPT-4,20,30,50,API log\n";
  g_autofree char *path = NULL;
  g_autoptr(KvpWorkload) w = load_trace ("BurstGPT_1.csv", text, 0, 8192, 1.0, &path);
  g_autoptr(KvpWorkload) first = NULL;
  const KvpRequest *r;
  guint n;

  r = kvp_workload_get_requests (w, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (r[0].prompt_len, ==, 472);
  g_assert_cmpuint (r[1].prompt_len, ==, 417);
  g_assert_cmpuint (r[1].output_len, ==, 276);
  g_assert_cmpfloat (r[0].arrival, ==, 0.0);
  g_assert_cmpfloat (r[1].arrival, ==, 113.0);
  g_assert_cmpfloat (r[2].arrival, ==, 143.5);
  assert_skipped (w, 1, 1);
  remove_temp (path);
  g_clear_pointer (&path, g_free);

  /* --requests 2: the first two kept, and only what was read before them
   * is counted. */
  first = load_trace ("BurstGPT_1.csv", text, 2, 8192, 1.0, &path);
  kvp_workload_get_requests (first, &n);
  g_assert_cmpuint (n, ==, 2);
  assert_skipped (first, 0, 1);
  remove_temp (path);
}

/* Mooncake: timestamps in milliseconds, and hash ids, each 512 tokens of the
 * prompt: two requests starting with the same two ids share 1,024 tokens in
 * the prefix cache. */
static void
test_mooncake (void)
{
  static const char text[] =
    "{\"timestamp\": 27482, \"input_length\": 6955, \"output_length\": 52, \"hash_ids\": "
    "[46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]}\n"
    "{\"timestamp\": 28982, \"input_length\": 1100, \"output_length\": 10, \"hash_ids\": [46, 47, 60]}\n"
    "{\"timestamp\": 30000, \"input_length\": 9000, \"output_length\": 10, \"hash_ids\": [1]}\n";
  static const KvpKvGroupSpec full[] = { { KVP_KV_GROUP_FULL, 0 } };
  g_autofree char *path = NULL;
  g_autoptr(KvpWorkload) w = load_trace ("mooncake_trace.jsonl", text, 0, 8192, 1.0, &path);
  g_autoptr(KvpKvCacheManager) m = kvp_kv_cache_manager_new (1024, 16, full, 1, TRUE, NULL);
  g_autoptr(GArray) seg0 = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
  g_autoptr(GArray) seg1 = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
  const KvpTokenSegment *s;
  const guint64 *ids;
  const KvpRequest *r;
  KvpKvRequestId a, b;
  guint n;

  r = kvp_workload_get_requests (w, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (r[0].arrival, ==, 0.0);
  g_assert_cmpfloat (r[1].arrival, ==, 1.5);
  assert_skipped (w, 1, 0);
  ids = kvp_workload_get_hash_ids (w, 1, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (ids[0], ==, 46);
  g_assert_cmpuint (ids[2], ==, 60);

  kvp_workload_get_prompt_segments (w, 0, seg0);
  kvp_workload_get_prompt_segments (w, 1, seg1);
  g_assert_cmpuint (seg0->len, ==, 14);
  s = (const KvpTokenSegment *) (gpointer) seg0->data;
  g_assert_cmpint (s[0].kind, ==, KVP_TOKENS_HASH_ID);
  g_assert_cmpuint (s[0].id, ==, 46);
  g_assert_cmpuint (s[13].length, ==, 6955 - 13 * 512);
  s = (const KvpTokenSegment *) (gpointer) seg1->data;
  g_assert_cmpuint (seg1->len, ==, 3);
  g_assert_cmpuint (s[2].id, ==, 60);
  g_assert_cmpuint (s[2].length, ==, 76);

  a = kvp_kv_cache_manager_add_request (m, (const KvpTokenSegment *) (gpointer) seg0->data, seg0->len);
  b = kvp_kv_cache_manager_add_request (m, (const KvpTokenSegment *) (gpointer) seg1->data, seg1->len);
  g_assert_cmpuint (kvp_kv_cache_manager_get_computed_blocks (m, a), ==, 0);
  g_assert_true (kvp_kv_cache_manager_allocate_slots (m, a, 6955, FALSE, NULL));
  g_assert_cmpuint (kvp_kv_cache_manager_get_computed_blocks (m, b), ==, 1024);
  remove_temp (path);
}

/* kvpage's own format as a JSON array, with a shared prefix and samples;
 * keys and columns no format reads are ignored. */
static void
test_prefix_and_samples (void)
{
  static const char array[] =
    "[\n"
    "  {\"prompt_len\": 100, \"output_len\": 20, \"prefix_id\": 7, \"prefix_len\": 80, \"n\": 4, \"arrival\": 0},\n"
    "  {\"prompt_len\": 90, \"output_len\": 5, \"prefix_id\": 7, \"prefix_len\": 80, \"arrival\": 0.25, \"note\": [1]}\n"
    "]\n";
  static const char csv[] =
    "prompt_len,output_len,prefix_id,prefix_len,n,comment\n"
    "100,20,7,80,4,\"system prompt, then a question\"\n"
    "90,5,7,80,1,\n";
  g_autofree char *path = NULL;
  g_autoptr(KvpWorkload) w = load_trace ("requests.json", array, 0, 2048, 1.0, &path);
  g_autoptr(KvpWorkload) c = NULL;
  g_autoptr(GArray) seg = g_array_new (FALSE, FALSE, sizeof (KvpTokenSegment));
  const KvpTokenSegment *s;
  const KvpRequest *r;
  guint n;

  r = kvp_workload_get_requests (w, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (kvp_workload_get_sharing (w, 0).n, ==, 4);
  g_assert_cmpuint (kvp_workload_get_sharing (w, 1).n, ==, 1);
  g_assert_cmpfloat (r[1].arrival, ==, 0.25);
  kvp_workload_get_prompt_segments (w, 1, seg);
  s = (const KvpTokenSegment *) (gpointer) seg->data;
  g_assert_cmpuint (seg->len, ==, 2);
  g_assert_cmpint (s[0].kind, ==, KVP_TOKENS_PREFIX);
  g_assert_cmpuint (s[0].id, ==, 7);
  g_assert_cmpuint (s[0].length, ==, 80);
  g_assert_cmpint (s[1].kind, ==, KVP_TOKENS_UNIQUE);
  g_assert_cmpuint (s[1].id, ==, 1);
  g_assert_cmpuint (s[1].length, ==, 10);
  remove_temp (path);
  g_clear_pointer (&path, g_free);

  c = load_trace ("requests.csv", csv, 0, 2048, 1.0, &path);
  r = kvp_workload_get_requests (c, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (kvp_workload_get_sharing (c, 0).prefix_len, ==, 80);
  g_assert_cmpuint (kvp_workload_get_sharing (c, 0).n, ==, 4);
  g_assert_false (kvp_workload_has_file_arrivals (c));
  remove_temp (path);
}

/* --time-scale only where a file gives arrival times. */
static void
test_time_scale (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = write_temp ("p.csv", "prompt_len,output_len\n1,2\n", -1);
  KvpWorkloadOptions options;
  KvpWorkload *w;

  kvp_workload_options_init (&options);
  g_assert_true (kvp_workload_options_parse (&options, "time-scale", "0.25", &error));
  g_assert_cmpfloat (options.time_scale, ==, 0.25);
  for (guint i = 0; i < 4; i++)
    {
      static const char *bad[] = { "0", "-1", "1001", "x" };

      g_assert_false (kvp_workload_options_parse (&options, "time-scale", bad[i], &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "--time-scale"));
      g_clear_error (&error);
    }

  w = kvp_workload_new (&options, &error);
  assert_refused (w, &error, "--time-scale");
  options.source = plain;
  w = kvp_workload_new (&options, &error);
  assert_refused (w, &error, "--time-scale");
  remove_temp (plain);
}

/* An arrival past the last step kvpage can number: refused, the request
 * counted from 1 and the time in a short form, with what to change. */
static void
test_arrival_too_late (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *late = write_temp ("l.csv", "prompt_len,output_len,arrival\n1,2,0\n3,4,1e300\n", -1);
  g_autoptr(KvpWorkload) workload = load (late, 0, 0.0, &error);
  KvpWorkloadOptions options;

  g_assert_null (workload);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Request 2 arrives after 1e+300 seconds"));
  g_clear_error (&error);
  remove_temp (late);

  /* 1,000,000 requests at 0.001/s would take about 10^9 seconds. */
  kvp_workload_options_init (&options);
  options.source = "fixed:1,1";
  options.n_requests = KVP_WORKLOAD_MAX_REQUESTS;
  options.request_rate = KVP_WORKLOAD_MIN_RATE;
  workload = kvp_workload_new (&options, &error);
  g_assert_null (workload);
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "e+07 seconds at --request-rate 0.001"));
  g_assert_nonnull (strstr (error->message, "raise --request-rate"));
  g_assert_cmpuint (strlen (error->message), <, 200);
  g_clear_error (&error);

  /* Below the lowest rate: refused before anything is generated. */
  options.n_requests = 1;
  options.request_rate = 1e-308;
  workload = kvp_workload_new (&options, &error);
  assert_refused (workload, &error, "0.001");
}

static void
test_missing_and_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = write_temp ("e.csv", "prompt_len,output_len\n\n", -1);
  g_autoptr(KvpWorkload) workload = load ("/nonexistent/sharegtp", 0, 0.0, &error);

  assert_refused (workload, &error, "sharegtp");
  workload = load (empty, 0, 0.0, &error);
  assert_refused (workload, &error, "no requests");
  remove_temp (empty);
  workload = load (g_get_tmp_dir (), 0, 0.0, &error);
  assert_refused (workload, &error, "folder");
}

/* Excel's "CSV UTF-8" and some JSON Lines writers start with a byte-order
 * mark: the first line may, and the requests are read as without it. */
static void
test_byte_order_mark (void)
{
  static const char *files[][2] = {
    { "bom.csv", "\xef\xbb\xbfprompt_len,output_len\n10,20\n" },
    { "bom.jsonl", "\xef\xbb\xbf{\"prompt_len\": 10, \"output_len\": 20}\n" },
    { "bom", "\xef\xbb\xbf{\"prompt_len\": 10, \"output_len\": 20}\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_temp (files[i][0], files[i][1], -1);
      g_autoptr(KvpWorkload) workload = load (path, 0, 0.0, &error);
      guint n;

      g_assert_no_error (error);
      g_assert_cmpuint (kvp_workload_get_requests (workload, &n)[0].prompt_len, ==, 10);
      g_assert_cmpuint (n, ==, 1);
      remove_temp (path);
    }
}

/* A line nested 100,000 deep crashed the parser's recursion (in the window,
 * on the serving view's worker thread): now one line, at once. */
static void
test_deep_line (void)
{
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new ("{\"prompt_len\": 1, \"output_len\": 2}\n{\"prompt_len\": ");
  g_autofree char *path = NULL;
  g_autoptr(KvpWorkload) workload = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, ']');
  g_string_append (text, ", \"output_len\": 2}\n");
  path = write_temp ("deep.jsonl", text->str, text->len);
  g_string_free (text, TRUE);

  workload = load (path, 0, 0.0, &error);
  assert_refused (workload, &error, "line 2: lists or objects nest more than 64 deep");
  remove_temp (path);
}

/* More requests than the documented 1,000,000 are refused at the first one
 * too many, saying how to take the first million; --requests N reads only
 * the first N lines, so a bad line after them is never reached. */
static void
test_request_limit (void)
{
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new ("prompt_len,output_len\n");
  g_autofree char *path = NULL;
  g_autofree char *cut = write_temp ("cut.csv", "prompt_len,output_len\n1,2\n3,4\nbad\n", -1);
  g_autoptr(KvpWorkload) workload = NULL;
  guint n;

  for (guint i = 0; i <= KVP_WORKLOAD_MAX_REQUESTS; i++)
    g_string_append (text, "1,1\n");
  path = write_temp ("many.csv", text->str, text->len);
  g_string_free (text, TRUE);

  workload = load (path, 0, 0.0, &error);
  assert_refused (workload, &error, "line 1000002: the file holds more than 1,000,000 requests, the most kvpage simulates: give --requests 1000000 ");
  workload = load (path, KVP_WORKLOAD_MAX_REQUESTS, 0.0, &error);
  g_assert_no_error (error);
  kvp_workload_get_requests (workload, &n);
  g_assert_cmpuint (n, ==, KVP_WORKLOAD_MAX_REQUESTS);
  g_clear_pointer (&workload, kvp_workload_unref);
  remove_temp (path);

  workload = load (cut, 2, 0.0, &error);
  g_assert_no_error (error);
  g_clear_pointer (&workload, kvp_workload_unref);
  workload = load (cut, 0, 0.0, &error);
  assert_refused (workload, &error, "line 4");
  remove_temp (cut);
}

/* A device or a stream is read only up to the cap: /dev/zero, one endless
 * line, is refused at once instead of filling memory. */
static void
test_device_capped (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  gint64 start = g_get_monotonic_time ();

  if (!g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/zero");
      return;
    }
  workload = load ("/dev/zero", 0, 0.0, &error);
  assert_refused (workload, &error, "line 1 is longer than 1 MiB");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_options_parse (void)
{
  static const struct
  {
    const char *option;
    const char *text;
  } bad[] = {
    { "requests", "0" }, { "requests", "1000001" }, { "requests", "-3" }, { "requests", "2.5" },
    { "seed", "-1" }, { "seed", "18446744073709551616" }, { "seed", "" },
    { "request-rate", "-0.5" }, { "request-rate", "nan" }, { "request-rate", "inf" },
    { "request-rate", "2x" }, { "request-rate", "" }, { "request-rate", "1000001" },
    { "request-rate", "0.0009" }, { "request-rate", "1e-308" },
    /* One number syntax for every option, as --step and --requests read. */
    { "request-rate", "0x10" }, { "request-rate", " 1" }, { "request-rate", "1 " }, { "request-rate", "+1" },
    { "request-rate", "1e-400" },
  };
  KvpWorkloadOptions options;

  kvp_workload_options_init (&options);
  g_assert_true (kvp_workload_options_parse (&options, "requests", "1000000", NULL));
  g_assert_true (kvp_workload_options_parse (&options, "seed", "18446744073709551615", NULL));
  g_assert_true (kvp_workload_options_parse (&options, "request-rate", "0", NULL));
  g_assert_true (kvp_workload_options_parse (&options, "request-rate", "0.001", NULL));
  g_assert_cmpfloat (options.request_rate, ==, KVP_WORKLOAD_MIN_RATE);
  g_assert_true (kvp_workload_options_parse (&options, "request-rate", "2.5", NULL));
  g_assert_cmpuint (options.n_requests, ==, 1000000);
  g_assert_cmpuint (options.seed, ==, G_MAXUINT64);
  g_assert_cmpfloat (options.request_rate, ==, 2.5);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *named = g_strdup_printf ("--%s", bad[i].option);

      g_assert_false (kvp_workload_options_parse (&options, bad[i].option, bad[i].text, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, named));
    }
  /* A refusal changes nothing. */
  g_assert_cmpuint (options.n_requests, ==, 1000000);
  g_assert_cmpfloat (options.request_rate, ==, 2.5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/workload/rng-reference", test_rng_reference);
  g_test_add_func ("/core/workload/seed-fixes-bytes", test_seed_fixes_bytes);
  g_test_add_func ("/core/workload/builtin-means", test_builtin_means);
  g_test_add_func ("/core/workload/short-context", test_short_context);
  g_test_add_func ("/core/workload/generators", test_generators);
  g_test_add_func ("/core/workload/bad-generators", test_bad_generators);
  g_test_add_func ("/core/workload/poisson", test_poisson);
  g_test_add_func ("/core/workload/files", test_files);
  g_test_add_func ("/core/workload/file-first-n-and-rate", test_file_first_n_and_rate);
  g_test_add_func ("/core/workload/bad-files", test_bad_files);
  g_test_add_func ("/core/workload/azure", test_azure);
  g_test_add_func ("/core/workload/burstgpt", test_burstgpt);
  g_test_add_func ("/core/workload/mooncake", test_mooncake);
  g_test_add_func ("/core/workload/prefix-and-samples", test_prefix_and_samples);
  g_test_add_func ("/core/workload/time-scale", test_time_scale);
  g_test_add_func ("/core/workload/missing-and-empty", test_missing_and_empty);
  g_test_add_func ("/core/workload/arrival-too-late", test_arrival_too_late);
  g_test_add_func ("/core/workload/options-parse", test_options_parse);
  g_test_add_func ("/core/workload/byte-order-mark", test_byte_order_mark);
  g_test_add_func ("/core/workload/deep-line", test_deep_line);
  g_test_add_func ("/core/workload/request-limit", test_request_limit);
  g_test_add_func ("/core/workload/device-capped", test_device_capped);

  return g_test_run ();
}
