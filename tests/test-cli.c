/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli.c: the real kvpage binary — its JSON, its model list, and every
 * way a person can get a value wrong on the command line. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kvp-error.h"
#include "kvp-option-rules.h"

typedef struct
{
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs kvpage with the arguments and no display, in the language given (NULL
 * for the test's own). */
static void
run_kvpage_in (Run                *run,
               const char         *language,
               const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  const char *binary = g_getenv ("KVPAGE");
  int wait_status;

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, (char *) binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  if (language != NULL)
    envp = g_environ_setenv (envp, "LANGUAGE", language, TRUE);

  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

#define run_kvpage(run, ...) run_kvpage_in ((run), NULL, (const char *[]) { __VA_ARGS__ })

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_json_default (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  run_kvpage (&run, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");

  object = parse_object (parser, run.out);
  g_assert_cmpfloat (json_object_get_double_member (object, "traditional_memory_mb"), ==, 44.0);
  g_assert_cmpfloat (json_object_get_double_member (object, "paged_memory_mb"), ==, 2.75);
  g_assert_cmpfloat (json_object_get_double_member (object, "memory_saved_mb"), ==, 41.25);
  g_assert_cmpfloat (json_object_get_double_member (object, "memory_saved_percent"), ==, 93.75);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_free"), ==, 1016);
  g_assert_cmpint (json_object_get_int_member (object, "max_seq_len"), ==, 2048);
  g_assert_cmpstr (json_object_get_string_member (object, "model"), ==, "tinyllama-1.1b");
}

static void
test_json_reservation_1024 (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  run_kvpage (&run, "--json", "--max-seq-len", "1024", NULL);
  g_assert_cmpint (run.status, ==, 0);

  object = parse_object (parser, run.out);
  g_assert_cmpfloat (json_object_get_double_member (object, "traditional_memory_mb"), ==, 22.0);
  g_assert_cmpfloat (json_object_get_double_member (object, "paged_memory_mb"), ==, 2.75);
  g_assert_cmpfloat (json_object_get_double_member (object, "memory_saved_mb"), ==, 19.25);
  g_assert_cmpfloat (json_object_get_double_member (object, "memory_saved_percent"), ==, 87.5);
  g_assert_cmpint (json_object_get_int_member (object, "max_seq_len"), ==, 1024);
}

/* vLLM's pool keeps block 0 as its null block: TinyLlama in 64 MiB of KV
 * cache is 186 blocks (67,108,864 // 16,384 bytes a layer's block // 22
 * layers), 185 usable, and the 8 blocks of 128 tokens are 8 / 185 of them,
 * as vLLM's kv_cache_usage_perc says (it said 8 / 186 and 178 free). */
static void
test_json_null_block (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  run_kvpage (&run, "--json", "--kv-cache-memory", "64MiB", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  g_assert_cmpint (json_object_get_int_member (object, "num_blocks"), ==, 186);
  g_assert_cmpint (json_object_get_int_member (object, "num_gpu_blocks"), ==, 186);
  g_assert_cmpint (json_object_get_int_member (object, "num_usable_blocks"), ==, 185);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_free"), ==, 177);
  g_assert_cmpfloat (json_object_get_double_member (object, "utilization_percent"), ==, 100.0 * 8 / 185);
  /* The capacities count the pool as vLLM's logged concurrency does
   * (186 / 128 blocks of 2,048 tokens = 1.45x): 186 // 8 and 1. */
  g_assert_cmpint (json_object_get_int_member (object, "paged_capacity"), ==, 23);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_capacity"), ==,
                   (gint64) json_object_get_double_member (object, "max_concurrency"));

  /* A plain pool of the same size has no null block. */
  g_clear_pointer (&run.out, g_free);
  g_clear_pointer (&run.err, g_free);
  run_kvpage (&run, "--json", "--blocks", "186", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_free"), ==, 178);
  g_assert_cmpfloat (json_object_get_double_member (object, "utilization_percent"), ==, 100.0 * 8 / 186);
}

static void
test_json_values (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  run_kvpage (&run, "--json", "--model", "opt-13b", "--kv-dtype", "fp32", "--seq-len", "100",
              "--block-size", "32", "--blocks", "2", "--max-seq-len", "2048", NULL);
  g_assert_cmpint (run.status, ==, 0);

  object = parse_object (parser, run.out);
  g_assert_cmpstr (json_object_get_string_member (object, "kv_dtype"), ==, "fp32");
  g_assert_cmpint (json_object_get_int_member (object, "bytes_per_token"), ==, 2 * 819200);
  g_assert_cmpint (json_object_get_int_member (object, "block_size"), ==, 32);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_needed"), ==, 4);
  /* 100 tokens need 4 blocks of 32 and the pool has 2: shown, not refused. */
  g_assert_false (json_object_get_boolean_member (object, "fits_in_pool"));
  g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, 0);
}

static void assert_one_clean_line (const char *err);

/* An export of four samples says them: the subtitle, the traditional card
 * per sample, the paged card's blocks held (shared once) and a legend key
 * for the shared prompt with its reference count. */
static void
test_export_samples (void)
{
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  g_autofree char *dir = NULL;
  g_autofree char *pdf = NULL;
  g_auto(Run) export = { 0 };
  g_auto(Run) text = { 0 };
  int wait_status;

  if (pdftotext == NULL)
    {
      g_test_skip ("pdftotext is missing");
      return;
    }
  dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  pdf = g_build_filename (dir, "samples.pdf", NULL);
  run_kvpage (&export, "--export", pdf, "--samples", "4", "--prompt-len", "100", "--seq-len", "160", NULL);
  g_assert_cmpstr (export.err, ==, "");
  g_assert_cmpint (export.status, ==, 0);
  {
    const char *argv[] = { pdftotext, "-enc", "UTF-8", pdf, "-", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &text.out, &text.err, &wait_status, NULL));
  }
  g_assert_nonnull (strstr (text.out, "4 samples sharing a prompt of P = 100"));
  g_assert_nonnull (strstr (text.out, "pre-allocated for 4 samples"));
  g_assert_nonnull (strstr (text.out, "22 blocks"));
  g_assert_nonnull (strstr (text.out, "shared prompt, reference count 4"));
  g_assert_nonnull (strstr (text.out, "copied on write"));
  g_assert_nonnull (strstr (text.out, "other requests"));
  g_unlink (pdf);
  g_rmdir (dir);
}

/* Every number a JSON output of kvpage writes is the shortest decimal that
 * reads back as the same double: json-glib wrote 17 digits, so 0.92 came
 * out 0.92000000000000004 and 161.2 as 161.19999999999999. */
static void
assert_shortest_numbers (const char *json)
{
  g_autoptr(GRegex) regex = g_regex_new ("(?:^ *| : )(-?[0-9][-+.eE0-9]*),?$", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint n = 0;

  g_regex_match (regex, json, 0, &match);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL), n++)
    {
      g_autofree char *number = g_match_info_fetch (match, 1);
      g_autofree char *mantissa = g_strndup (number, strcspn (number, "eE"));
      g_autofree char *format = NULL;
      char shorter[G_ASCII_DTOSTR_BUF_SIZE];
      GString *significant = g_string_new (NULL);
      gsize n_digits;

      for (const char *p = mantissa; *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (significant, *p);
      while (significant->len > 0 && significant->str[0] == '0')
        g_string_erase (significant, 0, 1);
      if (strchr (mantissa, '.') != NULL)
        while (significant->len > 0 && significant->str[significant->len - 1] == '0')
          g_string_truncate (significant, significant->len - 1);
      n_digits = significant->len;
      g_string_free (significant, TRUE);
      if (n_digits <= 15)
        continue;

      /* One significant digit fewer must not read back as the same double. */
      format = g_strdup_printf ("%%.%dg", (int) n_digits - 1);
      g_ascii_formatd (shorter, sizeof shorter, format, g_ascii_strtod (number, NULL));
      g_test_message ("%s could be %s", number, shorter);
      g_assert_true (g_ascii_strtod (shorter, NULL) != g_ascii_strtod (number, NULL));
    }
  g_assert_cmpuint (n, >, 0);
}

static void
test_json_shortest_numbers (void)
{
  g_autofree char *log = g_test_build_filename (G_TEST_DIST, "data", "vllm-logs", "vllm-pr12126-profiling-v0.6.log",
                                                NULL);
  g_autofree char *config = g_test_build_filename (G_TEST_DIST, "configs", "gpt-oss-20b.json", NULL);
  static const struct
  {
    const char *args[12];
    const char *known;
  } cases[] = {
    { { "--json", "--gpu", "h100-80gb", "--config", NULL, "--max-model-len", "8192" },
      "\"gpu_memory_utilization\" : 0.92,\n" },
    { { "--simulate", "--json", "--requests", "20" }, "\"mean_prompt_len\" : 165.9,\n" },
    { { "--simulate", "--json", "--requests", "30", "--request-rate", "1:3:1" },
      "\"max_normalized_latency\" : 0.2,\n" },
    /* The rates themselves: 0.1 + 2 × 0.1 is 0.30000000000000004. */
    { { "--simulate", "--json", "--requests", "20", "--request-rate", "0.1:0.3:0.1" }, "\"request_rate\" : 0.3,\n" },
    { { "--from-log", NULL, "--model", "llama-3-8b", "--json" }, "\"logged\" : 71.29,\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };
      const char *args[G_N_ELEMENTS (cases[i].args) + 1] = { NULL };
      g_autoptr(JsonParser) parser = json_parser_new ();

      /* The paths are the test's own: NULL after --config or --from-log. */
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].args); j++)
        {
          const char *before = j > 0 ? cases[i].args[j - 1] : NULL;

          args[j] = cases[i].args[j];
          if (args[j] == NULL && g_strcmp0 (before, "--config") == 0)
            args[j] = config;
          else if (args[j] == NULL && g_strcmp0 (before, "--from-log") == 0)
            args[j] = log;
        }
      run_kvpage_in (&run, NULL, args);
      g_test_message ("%s", cases[i].known);
      g_assert_cmpint (run.status, ==, 0);
      assert_shortest_numbers (run.out);
      g_assert_nonnull (strstr (run.out, cases[i].known));
      parse_object (parser, run.out);
    }
}

/* Four samples of 160 tokens sharing a 100-token prompt: blocks_used counts
 * the prompt's six full blocks once; the traditional side reserves four
 * times.  The sequence view's options mean nothing to the simulation. */
static void
test_json_samples (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) simulate = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  run_kvpage (&run, "--json", "--samples", "4", "--prompt-len", "100", "--seq-len", "160", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  g_assert_cmpint (json_object_get_int_member (object, "samples"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (object, "prompt_len"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, 22);
  g_assert_cmpint (json_object_get_int_member (object, "shared_blocks"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (object, "own_blocks"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_without_sharing"), ==, 40);
  g_assert_cmpfloat (json_object_get_double_member (object, "sharing_saving_percent"), ==, 45.0);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_bytes"), ==, 4 * 2048 * 22528);
  g_assert_cmpint (json_object_get_int_member (object, "paged_bytes"), ==, 22 * 16 * 22528);

  run_kvpage (&simulate, "--simulate", "--samples", "2", NULL);
  g_assert_cmpint (simulate.status, ==, 2);
  assert_one_clean_line (simulate.err);
  g_assert_nonnull (strstr (simulate.err, "--samples"));
}

static void
test_short_reservation_shrinks_default (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  run_kvpage (&run, "--json", "--max-seq-len", "64", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  g_assert_cmpint (json_object_get_int_member (object, "sequence_length"), ==, 64);
}

static void
test_list_models (void)
{
  static const char *keys[] = {
    "tinyllama-1.1b", "llama-2-7b", "llama-2-13b", "llama-3-8b", "llama-3.1-70b",
    "mistral-7b", "qwen2.5-7b", "phi-3-mini", "opt-13b", "deepseek-v2-lite",
  };
  g_auto(Run) run = { 0 };

  run_kvpage (&run, "--list-models", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_nonnull (strstr (run.out, keys[i]));
  g_assert_nonnull (strstr (run.out, "22528"));
  g_assert_nonnull (strstr (run.out, "31104"));
}

static void
test_version (void)
{
  g_auto(Run) run = { 0 };

  run_kvpage (&run, "--version", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "kvpage " PACKAGE_VERSION "\n");
}

/* Without a display the window cannot open: one line points to --export. */
/* --help tells the values and defaults the README's tables give; GLib's
 * other help options still answer. */
static void
test_help (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) all = { 0 };
  g_auto(Run) group = { 0 };

  run_kvpage (&all, "--help-all", NULL);
  g_assert_cmpint (all.status, ==, 0);
  g_assert_nonnull (strstr (all.out, "--kv-dtype"));
  run_kvpage (&group, "--help-gapplication", NULL);
  g_assert_cmpint (group.status, ==, 0);
  g_assert_nonnull (strstr (group.out, "--gapplication-service"));

  run_kvpage (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_nonnull (strstr (run.out, "auto, fp32, fp16, bf16, fp8 (fp8_e4m3, fp8_e5m2) or int8 "
                                     "(default fp16; with --config, the model’s)"));
  g_assert_nonnull (strstr (run.out, "config.json (standard JSON, at most 16 MiB)"));
  /* Ranges, limits and vLLM's defaults from the rules that apply them,
   * grouped as the refusals of a value past them say them. */
  g_assert_nonnull (strstr (run.out, "Blocks in the pool, 1 to 16,777,216 (default 1,024)"));
  g_assert_nonnull (strstr (run.out, "Tokens a traditional cache reserves, 1 to 16,777,216 (default: the model’s context)"));
  g_assert_nonnull (strstr (run.out, "requests to generate, 1 to 1,000,000 (default 1,000; a file: all, or its first N)"));
  g_assert_nonnull (strstr (run.out, "CSV file of at most 1,000,000 requests"));
  g_assert_nonnull (strstr (run.out, "(default as vLLM: 16,384 on GPUs of 160 GiB or more, 8,192 from 70 GiB but on "
                                     "A100s, else 2,048)"));
  g_assert_nonnull (strstr (run.out, "(default as vLLM: 1,024 on GPUs of 70 GiB or more but A100s, else 256)"));
  /* Typographic apostrophes throughout, as in “kvpage’s”. */
  g_assert_null (strstr (all.out, "kvpage's"));
  g_assert_nonnull (strstr (all.out, "kvpage’s figures"));
}

static void
test_no_display (void)
{
  g_auto(Run) run = { 0 };
  const char *newline;

  run_kvpage (&run, "--seq-len", "64", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "--export"));
  newline = strchr (run.err, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
}

/* Settings vLLM would not start with open the window, which shows why (here
 * it is the missing display that stops it, not the settings); what prints
 * figures for them (--json) or draws them (--export) refuses in one line,
 * exit 2, in the words of the window's Block count row and then vLLM's
 * reason, said once, and writes nothing. */
static void
test_refusal_opens_window (void)
{
  static const struct
  {
    const char *args[5];
    const char *reason;
  } refused[] = {
    { { "--gpu", "h100-80gb", "--gpu-memory-utilization", "0.03" }, "No memory is left for the KV cache" },
    { { "--gpu", "l4", "--model", "llama-3.1-70b" }, "No memory is left for the KV cache" },
    { { "--kv-cache-memory", "512MiB", "--model", "llama-3-8b" }, "One request of the maximum length (8,192 tokens)" },
  };
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "refused.png", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      const char *const *a = refused[i].args;
      g_autofree char *says = g_strdup_printf ("kvpage: vLLM would not start with these settings: %s",
                                               refused[i].reason);
      g_auto(Run) window = { 0 };
      g_auto(Run) json = { 0 };
      g_auto(Run) export = { 0 };

      run_kvpage (&window, a[0], a[1], a[2], a[3], a[4]);
      g_assert_cmpint (window.status, ==, 1);
      g_assert_nonnull (strstr (window.err, "no display"));

      run_kvpage (&json, "--json", a[0], a[1], a[2], a[3], a[4]);
      g_assert_cmpint (json.status, ==, 2);
      g_assert_cmpstr (json.out, ==, "");
      g_assert_null (strstr (json.err, "display"));
      assert_one_clean_line (json.err);
      g_assert_true (g_str_has_prefix (json.err, says));

      run_kvpage (&export, "--export", png, a[0], a[1], a[2], a[3], a[4]);
      g_assert_cmpint (export.status, ==, 2);
      assert_one_clean_line (export.err);
      g_assert_true (g_str_has_prefix (export.err, says));
      /* vLLM's words are not said twice. */
      g_assert_null (strstr (export.err + strlen ("kvpage: vLLM would not start"), "would not start"));
      g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
    }
  g_rmdir (dir);
}

/* "kvpage: …" and a newline: valid UTF-8, with no other control or format
 * character a terminal would act on. */
static void
assert_one_clean_line (const char *err)
{
  const char *newline = strchr (err, '\n');

  g_assert_true (g_str_has_prefix (err, "kvpage: "));
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_true (g_utf8_validate (err, -1, NULL));
  for (const char *p = err; p < newline; p = g_utf8_next_char (p))
    {
      GUnicodeType type = g_unichar_type (g_utf8_get_char (p));

      g_assert_cmpint (type, !=, G_UNICODE_CONTROL);
      g_assert_cmpint (type, !=, G_UNICODE_FORMAT);
    }
}

static void
stdout_to_full (gpointer data)
{
  int fd = open ("/dev/full", O_WRONLY);

  dup2 (fd, STDOUT_FILENO);
  close (fd);
}

static void
stdout_closed (gpointer data)
{
  close (STDOUT_FILENO);
}

/* Runs kvpage with its stdout set up by setup; returns the exit status and
 * what it said on stderr. */
static int
run_with_stdout (GSpawnChildSetupFunc   setup,
                 const char * const    *args,
                 char                 **out_err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_environ_unsetenv (g_get_environ (), "DISPLAY");
  int wait_status;

  g_ptr_array_add (argv, (char *) g_getenv ("KVPAGE"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_CHILD_INHERITS_STDOUT,
                setup, NULL, NULL, out_err, &wait_status, &error);
  g_assert_no_error (error);
  return WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

/* Output that cannot be written is an error: exit 1 and one line, for every
 * option that prints, on a full disk and on a closed stdout. */
static void
test_stdout_errors (void)
{
  const char *printing[][2] = {
    { "--json", NULL }, { "--list-models", NULL }, { "--version", NULL }, { "--help", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (printing); i++)
    {
      g_autofree char *full = NULL;
      g_autofree char *closed = NULL;

      g_test_message ("%s", printing[i][0]);
      g_assert_cmpint (run_with_stdout (stdout_to_full, printing[i], &full), ==, 1);
      assert_one_clean_line (full);
      g_assert_nonnull (strstr (full, "could not write standard output: "));
      g_assert_nonnull (strstr (full, g_strerror (ENOSPC)));

      g_assert_cmpint (run_with_stdout (stdout_closed, printing[i], &closed), ==, 1);
      assert_one_clean_line (closed);
      g_assert_nonnull (strstr (closed, "could not write standard output: "));
    }

  /* Nothing to print, nothing to fail: an export needs no stdout. */
  {
    g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
    g_autofree char *svg = g_build_filename (dir, "x.svg", NULL);
    g_autofree char *err = NULL;

    g_assert_cmpint (run_with_stdout (stdout_closed, (const char *[]) { "--export", svg, "--size", "640x400", NULL }, &err), ==, 0);
    g_assert_cmpstr (err, ==, "");
    g_assert_true (g_file_test (svg, G_FILE_TEST_IS_REGULAR));
    g_unlink (svg);
    g_rmdir (dir);
  }
}

/* An export name with control characters, in a folder that does not exist:
 * exit 1, and the name quoted on one line. */
static void
test_export_name_quoted (void)
{
  g_auto(Run) run = { 0 };

  run_kvpage (&run, "--export", "/nonexistent-kvp/a\nb\033[2J.png", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_one_clean_line (run.err);
  g_assert_nonnull (strstr (run.err, "“/nonexistent-kvp/a\\nb\\x1B[2J.png”"));

  /* And the usage mistakes of an export, exit 2. */
  {
    g_auto(Run) format = { 0 };
    g_auto(Run) suffix = { 0 };
    g_auto(Run) size = { 0 };

    run_kvpage (&format, "--export", "a\033]0;x\a.gif", NULL);
    g_assert_cmpint (format.status, ==, 2);
    assert_one_clean_line (format.err);
    g_assert_nonnull (strstr (format.err, "“a\\x1B]0;x\\x07.gif”"));

    run_kvpage (&suffix, "--export", "/nonexistent-kvp/.png", NULL);
    g_assert_cmpint (suffix.status, ==, 2);
    assert_one_clean_line (suffix.err);
    g_assert_nonnull (strstr (suffix.err, "“/nonexistent-kvp/.png” has no name before .png: give one, as in kvpage.png."));

    run_kvpage (&size, "--export", "/nonexistent-kvp/x.png", "--size", "800\tx600", NULL);
    g_assert_cmpint (size.status, ==, 2);
    assert_one_clean_line (size.err);
    g_assert_nonnull (strstr (size.err, "“800\\tx600”"));
  }
}

/* --simulate's values are quoted like every other: one clean line, exit 2. */
static void
test_simulate_quoted (void)
{
  const struct
  {
    const char *option;
    const char *value;
    const char *says;
  } cases[] = {
    { "--schemes", "paged,\033[2J", "“paged,\\x1B[2J”" },
    { "--workload", "fixed:0,\n", "“fixed:0,\\n”" },
    { "--workload", "uniform:1-2\r", "“uniform:1-2\\r”" },
    { "--workload", "/nonexistent-kvp/w\a.jsonl", "“/nonexistent-kvp/w\\x07.jsonl”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      run_kvpage (&run, "--simulate", cases[i].option, cases[i].value, "--requests", "4", NULL);
      g_test_message ("stderr: %s", run.err);
      g_assert_cmpint (run.status, ==, 2);
      assert_one_clean_line (run.err);
      g_assert_nonnull (strstr (run.err, cases[i].says));
    }
}

/* The sharing options: each applied (the JSON's prefix cache and Figure
 * 15's saving move), or refused in one line with exit 2 where it cannot
 * apply. */
static void
test_simulate_sharing (void)
{
  static const char *refused[][8] = {
    { "--prefix-groups", "4", NULL },
    { "--enable-prefix-caching", "--no-enable-prefix-caching", NULL },
    { "--no-enable-prefix-caching", "--schemes", "max,oracle", NULL },
    { "--shared-prefix", "0", NULL },
    { "--n", "0", NULL },
    { "--n", "257", NULL },
    { "--shared-prefix", "2000", "--workload", "fixed:100,10", NULL },
    { "--n", "2", "--requests", "600000", NULL },
    { "--workload", "conversation", "--shared-prefix", "10", NULL },
    { "--beam-width", "0", NULL },
    { "--beam-width", "65", NULL },
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(Run) on = { 0 };
  g_auto(Run) off = { 0 };
  g_auto(Run) text = { 0 };
  g_auto(Run) window = { 0 };
  JsonObject *paged;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_auto(Run) run = { 0 };
      const char **a = refused[i];

      run_kvpage (&run, "--simulate", "--model", "opt-13b", a[0], a[1], a[2], a[3], a[4], NULL);
      g_test_message ("case %u stderr: %s", i, run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      assert_one_clean_line (run.err);
    }

  run_kvpage (&on, "--simulate", "--model", "opt-13b", "--workload", "fixed:100,10", "--requests", "50",
              "--shared-prefix", "80", "--n", "2", "--schemes", "paged,oracle", "--json", NULL);
  g_assert_cmpint (on.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, on.out, -1, NULL));
  paged = json_object_get_object_member (
    json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "schemes"), "paged");
  /* 100 child requests of 180 prompt tokens; the first misses, the rest
   * hit the shared 80 (5 blocks of 16) and the sibling's whole prompt
   * but its last block (176). */
  g_assert_cmpint (json_object_get_int_member (paged, "finished_requests"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (paged, "prefix_cache"),
                                               "queries_tokens"), ==, 100 * 180);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (paged, "prefix_cache"),
                                               "hits_tokens"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (paged, "sharing"),
                                                    "memory_saving_percent"), >, 0.0);

  run_kvpage (&off, "--simulate", "--model", "opt-13b", "--workload", "fixed:100,10", "--requests", "50",
              "--shared-prefix", "80", "--no-enable-prefix-caching", "--schemes", "paged", "--json", NULL);
  g_assert_cmpint (off.status, ==, 0);
  g_assert_nonnull (strstr (off.out, "\"prefix_caching\" : false"));
  g_assert_nonnull (strstr (off.out, "\"hits_tokens\" : 0"));

  run_kvpage (&text, "--simulate", "--model", "opt-13b", "--workload", "fixed:100,10", "--requests", "50",
              "--shared-prefix", "80", "--schemes", "paged", NULL);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_nonnull (strstr (text.out, "Prefix cache hit rate (%)"));
  g_assert_nonnull (strstr (text.out, "Memory saved by sharing (%)"));

  /* Conversations draw their turns from the seed, and hit their history. */
  {
    g_auto(Run) chat = { 0 };

    run_kvpage (&chat, "--simulate", "--model", "llama-3-8b", "--gpu", "h100-80gb", "--workload", "conversation",
                "--requests", "200", "--seed", "2", "--schemes", "paged", NULL);
    g_assert_cmpint (chat.status, ==, 0);
    g_assert_nonnull (strstr (chat.out, "Workload conversation: 200 requests, seed 2, conversations starting at once, "
                                        "each later turn arriving a think time (exponential, mean 30 s) after the "
                                        "previous answer ended;"));
    g_assert_null (strstr (chat.out, "Prefix cache hit rate (%)                 0.0"));
  }
  {
    g_auto(Run) chat = { 0 };

    run_kvpage (&chat, "--simulate", "--workload", "conversation", "--requests", "20", "--schemes", "paged",
                "--json", NULL);
    g_assert_cmpint (chat.status, ==, 0);
    g_assert_nonnull (strstr (chat.out, "\"turn_think_time_mean_s\" : 30.0"));
  }

  /* Beam search: candidates share blocks (Figure 15's measure), and the
   * serving view, one block table a request, refuses it. */
  {
    g_auto(Run) beam = { 0 };
    g_auto(Run) picture = { 0 };

    run_kvpage (&beam, "--simulate", "--model", "opt-13b", "--workload", "alpaca", "--requests", "50",
                "--beam-width", "4", "--schemes", "paged", "--json", NULL);
    g_assert_cmpint (beam.status, ==, 0);
    g_assert_nonnull (strstr (beam.out, "\"memory_saving_percent\" : "));
    g_assert_null (strstr (beam.out, "\"memory_saving_percent\" : 0.0\n"));
    run_kvpage (&picture, "--export", "beam.png", "--view", "serving", "--beam-width", "4", NULL);
    g_assert_cmpint (picture.status, ==, 2);
    assert_one_clean_line (picture.err);
    g_assert_false (g_file_test ("beam.png", G_FILE_TEST_EXISTS));
  }

  /* The window has no such control: refused, not ignored. */
  run_kvpage (&window, "--shared-prefix", "80", NULL);
  g_assert_cmpint (window.status, ==, 2);
  assert_one_clean_line (window.err);
}

/* gpt-oss-20b on an H100: its sliding-window and full-attention groups run
 * (they were refused before), each group's blocks in the JSON, the
 * window's group holding far fewer than the full one. */
static void
test_simulate_hybrid (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *config = g_test_build_filename (G_TEST_DIST, "configs", "gpt-oss-20b.json", NULL);
  g_auto(Run) run = { 0 };
  JsonObject *root;
  JsonArray *groups;
  guint64 blocks[2];

  run_kvpage (&run, "--simulate", "--config", config, "--gpu", "h100-80gb", "--requests", "300", "--json", NULL);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, run.out, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  groups = json_object_get_array_member (json_object_get_object_member (root, "workload"), "kv_cache_groups");
  g_assert_cmpuint (json_array_get_length (groups), ==, 2);
  for (guint g = 0; g < 2; g++)
    {
      JsonObject *group = json_array_get_object_element (groups, g);

      blocks[g] = json_object_get_int_member (group, "peak_blocks");
      g_assert_cmpstr (json_object_get_string_member (group, "kind"), ==,
                       g == 0 ? "sliding_window" : "full_attention");
    }
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (groups, 0), "window"), ==, 128);
  g_assert_cmpuint (blocks[0], >, 0);
  g_assert_cmpuint (blocks[0], <, blocks[1]);
  g_assert_cmpint (json_object_get_int_member (
                     json_object_get_object_member (json_object_get_object_member (root, "schemes"), "paged"),
                     "finished_requests"), ==, 300);

  /* The text names the groups under the pool, with the same blocks. */
  {
    g_auto(Run) text = { 0 };
    g_autofree char *line = g_strdup_printf ("KV-cache groups, as vLLM makes them: 2 — sliding window of 128 tokens "
                                             "(%" G_GUINT64_FORMAT " blocks at most), full attention (%"
                                             G_GUINT64_FORMAT " blocks at most).\n", blocks[0], blocks[1]);

    run_kvpage (&text, "--simulate", "--config", config, "--gpu", "h100-80gb", "--requests", "300", NULL);
    g_assert_cmpint (text.status, ==, 0);
    g_assert_nonnull (strstr (text.out, line));
  }
}

/* What the catalog in the build tree says for msgid in language. */
static char *
translate (const char *language,
           const char *msgid)
{
  g_autofree char *old = g_strdup (g_getenv ("LANGUAGE"));
  char *text;

  g_setenv ("LANGUAGE", language, TRUE);
  /* gettext caches per language; changing it must be noticed. */
  textdomain ("kvpage");
  text = g_strdup (g_dgettext ("kvpage", msgid));
  if (old != NULL)
    g_setenv ("LANGUAGE", old, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  textdomain ("kvpage");

  return text;
}

/* A German or Chinese run speaks German or Chinese: its --help, its errors,
 * and the figures' captions in an exported PDF. */
static void
test_translated (gconstpointer data)
{
  const char *language = data;
  g_autofree char *summary = translate (language, "See how a PagedAttention block allocator stores an LLM’s KV cache.");
  g_autofree char *saved = translate (language, "Memory saved");
  g_autofree char *dir = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  g_auto(Run) help = { 0 };
  g_auto(Run) bad = { 0 };
  g_auto(Run) export = { 0 };

  /* The catalog exists and translates. */
  g_assert_cmpstr (summary, !=, "See how a PagedAttention block allocator stores an LLM’s KV cache.");
  g_assert_cmpstr (saved, !=, "Memory saved");

  run_kvpage_in (&help, language, (const char *[]) { "--help", NULL });
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, summary));

  run_kvpage_in (&bad, language, (const char *[]) { "--json", "--kv-dtype", "fp4", NULL });
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_null (strstr (bad.err, "Unknown KV cache type"));
  g_assert_nonnull (strstr (bad.err, "fp4"));

  if (pdftotext == NULL)
    {
      g_test_message ("pdftotext is missing: the PDF's text is not checked");
      return;
    }

  dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  pdf = g_build_filename (dir, "shot.pdf", NULL);
  run_kvpage_in (&export, language, (const char *[]) { "--export", pdf, NULL });
  g_assert_cmpint (export.status, ==, 0);
  {
    g_auto(Run) text = { 0 };
    const char *argv[] = { pdftotext, "-enc", "UTF-8", pdf, "-", NULL };
    int wait_status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &text.out, &text.err, &wait_status, NULL));
    g_assert_nonnull (strstr (text.out, saved));
    g_assert_nonnull (strstr (text.out, "44.00 MiB"));
  }
  g_unlink (pdf);
  g_rmdir (dir);
}

/* Each case: the arguments after --json, and words the one line must hold. */
static const struct
{
  const char *args[5];
  const char *says[3];
} bad_cases[] = {
  { { "--seq-len", "abc" },           { "--seq-len", "abc", "1 to 16,777,216" } },
  { { "--seq-len", "-5" },            { "--seq-len", "-5", "1 to" } },
  { { "--seq-len", "0" },             { "--seq-len", "0", "1 to" } },
  { { "--seq-len", "12.5" },          { "--seq-len", "12.5" } },
  { { "--seq-len", "" },              { "--seq-len", "1 to" } },
  { { "--seq-len", "99999999999999999999999" }, { "--seq-len", "99999999999999999999999" } },
  { { "--seq-len", "4096" },          { "--seq-len 4096", "2,048" } },
  { { "--samples", "0" },             { "--samples", "1 to 8" } },
  { { "--samples", "9" },             { "--samples", "1 to 8" } },
  { { "--prompt-len", "129" },        { "--prompt-len 129", "sequence length 128" } },
  { { "--prompt-len", "-1" },         { "--prompt-len", "0 to" } },
  { { "--seq-len", "50", "--prompt-len", "60" }, { "--prompt-len 60", "0 to 50" } },
  { { "--block-size", "0" },          { "--block-size", "1 to 1,024" } },
  { { "--block-size", "1025" },       { "--block-size", "1025", "1 to 1,024" } },
  { { "--block-size", "x16" },        { "--block-size", "x16" } },
  { { "--blocks", "0" },              { "--blocks", "1 to 16,777,216" } },
  { { "--blocks", "16777217" },       { "--blocks", "16777217", "1 to 16,777,216" } },
  { { "--blocks", "-1" },             { "--blocks", "-1" } },
  { { "--blocks", "18446744073709551616" }, { "--blocks", "18446744073709551616" } },
  { { "--max-seq-len", "0" },         { "--max-seq-len", "1 to 16,777,216" } },
  { { "--max-seq-len", "16777217" },  { "--max-seq-len", "16777217" } },
  { { "--max-seq-len", "100", "--seq-len", "101" }, { "--seq-len 101", "100" } },
  { { "--model", "gpt-5" },           { "gpt-5", "tinyllama-1.1b" } },
  /* … and the shipped configs --model takes too. */
  { { "--model", "nope" },            { "nope", "qwen3-8b", "gemma-2-9b" } },
  { { "--kv-dtype", "fp4" },          { "fp4", "fp16" } },
  { { "--frobnicate" },               { "--frobnicate" } },
  { { "--seq-len" },                  { "--seq-len" } },
  { { "--size", "800x600" },          { "--export" } },
  { { "--export", "x.png" },          { "--json", "--export" } },
  /* Input is quoted with its control characters and stray bytes escaped. */
  { { "--seq-len", "5\n" },           { "--seq-len", "“5\\n”" } },
  { { "--model", "\033[31mRED" },     { "“\\x1B[31mRED”" } },
  { { "--kv-dtype", "fp\r8" },         { "“fp\\r8”" } },
  { { "--model", "gpt\342\200\256evil" }, { "“gpt\\u202Eevil”" } },
  { { "stray\nword" },                { "“stray\\nword”" } },
  /* GLib's parser errors, in kvpage's words, naming option and value. */
  { { "--seq-len", "\377" },          { "--seq-len", "“\\xFF”" } },
  { { "--model", "caf\303" },         { "--model", "“caf\\xC3”" } },
  { { "--bogus=\033x" },              { "“--bogus”", "--help" } },
  { { "-x" },                         { "“-x”", "--help" } },
  { { "--help-foo" },                 { "Unknown option “--help-foo”", "--help" } },
  { { "--help-gtk" },                 { "Unknown option “--help-gtk”" } },
  { { "-n128" },                      { "-n128: give the value separately, as in “-n 128”." } },
  { { "-mtinyllama" },                { "-mtinyllama: give the value separately, as in “-m tinyllama”." } },
  { { "--block-size" },               { "--block-size", "value" } },
  { { "-n" },                         { "-n", "value" } },
  { { "-nN", "5", "6" },              { "-N" } },
  { { "--seq-len=" },                 { "--seq-len", "1 to" } },
};

static void
test_bad_input (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  const char *const *a = bad_cases[i].args;
  g_auto(Run) run = { 0 };

  run_kvpage_in (&run, NULL, (const char *[]) { "--json", a[0], a[1], a[2], a[3], a[4], NULL });

  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");

  /* One line in kvpage's voice, naming what is wrong. */
  assert_one_clean_line (run.err);
  for (guint j = 0; j < G_N_ELEMENTS (bad_cases[i].says) && bad_cases[i].says[j] != NULL; j++)
    g_assert_nonnull (strstr (run.err, bad_cases[i].says[j]));
}

/* One refusal of each family (kvp-params' ranges, a GPU's pool, a workload
 * file, the serving options), as a person reads it: the counts grouped as
 * every other figure kvpage shows, "16,777,216" in C.UTF-8 and the German
 * "16.777.216" in de_DE, where the sentence is German too.  An option's
 * value stays as it was typed. */
static const struct
{
  const char *args[12];
  const char *c_says;
  const char *de_says;
} grouped_cases[] = {
  { { "--json", "--max-seq-len", "100000", "--seq-len", "100001" },
    "kvpage: --seq-len 100001 is longer than the reserved length 100,000: use 1 to 100,000, or raise --max-seq-len.\n",
    "kvpage: --seq-len 100001 ist länger als die reservierte Länge 100.000: Erlaubt sind 1 bis 100.000, "
    "oder --max-seq-len muss erhöht werden.\n" },
  { { "--json", "--blocks", "16777217" },
    "kvpage: --blocks “16777217” is not valid: use a whole number from 1 to 16,777,216.\n",
    "kvpage: --blocks „16777217“ ist ungültig: Erlaubt ist eine ganze Zahl von 1 bis 16.777.216.\n" },
  { { "--json", "--kv-cache-memory", "400GB", "--block-size", "1" },
    "vLLM would make 17,755,681 blocks, more than the 16,777,216 kvpage can draw: raise --block-size.\n",
    "vLLM würde 17.755.681 Blöcke anlegen, mehr als die 16.777.216, die kvpage zeichnen kann: Erhöhen Sie --block-size.\n" },
  { { "--simulate", "--workload", "@workload.jsonl" },
    "”, line 1: prompt_len is not a whole number of tokens from 1 to 16,777,216.\n",
    "“, Zeile 1: prompt_len ist keine ganze Token-Zahl von 1 bis 16.777.216.\n" },
  { { "--simulate", "--workload", "fixed:2000,100", "--max-seq-len", "2000" },
    "kvpage: The workload “fixed:2000,100” asks for up to 2,100 tokens per request, longer than the model allows (2,000).\n",
    "kvpage: Der Workload „fixed:2000,100“ verlangt bis zu 2.100 Tokens pro Anfrage, mehr als das Modell erlaubt (2.000).\n" },
  { { "--simulate", "--request-rate", "1,2000000" },
    "every rate must be from 0.001 to 1,000,000 requests per second.\n",
    "jede Rate muss zwischen 0,001 und 1.000.000 Anfragen pro Sekunde liegen.\n" },
  { { "--export", "@x.png", "--view", "serving", "--step", "999999", "--workload", "fixed:4,4", "--requests", "3000" },
    "kvpage: --step 999999 is past the end: this run has 1,500 steps, 0 to 1,499.\n",
    "kvpage: --step 999999 liegt hinter dem Ende: Dieser Lauf hat 1.500 Schritte, 0 bis 1.499.\n" },
};

/* Runs kvpage in @locale (LC_ALL), with the test locales built beside the
 * tests; an argument "@NAME" is the file NAME in @dir. */
static void
run_kvpage_locale (Run                *run,
                   const char         *locale,
                   const char         *dir,
                   const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  int wait_status;

  g_ptr_array_add (argv, g_strdup (g_getenv ("KVPAGE")));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, args[i][0] == '@' ? g_build_filename (dir, args[i] + 1, NULL) : g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  envp = g_environ_unsetenv (envp, "LANGUAGE");
  envp = g_environ_setenv (envp, "LC_ALL", locale, TRUE);
  envp = g_environ_setenv (envp, "LOCPATH", g_getenv ("G_TEST_BUILDDIR"), TRUE);

  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

static void
test_grouped_messages (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvpage-cli-XXXXXX", NULL);
  g_autofree char *workload = g_build_filename (dir, "workload.jsonl", NULL);
  g_autofree char *picture = g_build_filename (dir, "x.png", NULL);
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  gboolean german;

  g_assert_true (g_file_set_contents (workload, "{\"prompt_len\": 20000000, \"output_len\": 5}\n", -1, NULL));

  /* The German locale is built by tests/meson.build where localedef can. */
  g_setenv ("LOCPATH", builddir, TRUE);
  german = setlocale (LC_NUMERIC, "de_DE.UTF-8") != NULL;
  setlocale (LC_NUMERIC, "");
  g_unsetenv ("LOCPATH");

  for (guint i = 0; i < G_N_ELEMENTS (grouped_cases); i++)
    {
      g_auto(Run) c = { 0 };
      g_auto(Run) de = { 0 };

      run_kvpage_locale (&c, "C.UTF-8", dir, grouped_cases[i].args);
      g_test_message ("stderr: %s", c.err);
      g_assert_cmpint (c.status, ==, 2);
      assert_one_clean_line (c.err);
      g_assert_true (g_str_has_suffix (c.err, grouped_cases[i].c_says));

      if (!german)
        continue;
      run_kvpage_locale (&de, "de_DE.UTF-8", dir, grouped_cases[i].args);
      g_test_message ("stderr: %s", de.err);
      g_assert_cmpint (de.status, ==, 2);
      assert_one_clean_line (de.err);
      g_assert_true (g_str_has_suffix (de.err, grouped_cases[i].de_says));
    }
  g_assert_false (g_file_test (picture, G_FILE_TEST_EXISTS));

  g_unlink (workload);
  g_rmdir (dir);
  if (!german)
    g_test_skip ("The de_DE locale cannot be loaded (localedef missing?)");
}

/* --simulate */

static JsonObject *
scheme_of (JsonObject *root,
           const char *name)
{
  return json_object_get_object_member (json_object_get_object_member (root, "schemes"), name);
}

static void
test_simulate_json (void)
{
  static const char *fields[] = {
    "token_states_percent", "reservation_percent", "internal_fragmentation_percent",
    "external_fragmentation_percent", "free_percent", "cached_free_percent", "mean_batch_size", "max_batch_size",
    "finished_requests", "steps", "preemptions", "mean_wait_steps", "tokens_per_step",
    "recomputed_tokens", "duration_s", "request_throughput", "output_token_throughput", "latency",
    "prefix_cache", "prefill_tokens_saved", "sharing", "mean_between_turns", "max_between_turns",
  };
  static const char *latencies[] = {
    "ttft_ms", "tpot_ms", "e2e_ms", "queue_ms", "normalized_latency_s_per_token",
  };
  static const char *stats[] = { "mean", "p50", "p90", "p99" };
  static const char *schemes[] = { "paged", "max", "pow2", "oracle" };
  g_auto(Run) run = { 0 };
  g_auto(Run) again = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonObject *workload;

  run_kvpage (&run, "--simulate", "--json", "--model", "opt-13b", "--blocks", "983",
              "--requests", "300", "--seed", "3", "--request-rate", "20", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  root = parse_object (parser, run.out);
  g_assert_cmpuint (json_object_get_size (root), ==, 2);

  workload = json_object_get_object_member (root, "workload");
  g_assert_cmpstr (json_object_get_string_member (workload, "source"), ==, "sharegpt");
  g_assert_cmpint (json_object_get_int_member (workload, "requests"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (workload, "token_slots"), ==, 15728);

  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (root, "schemes")), ==, 4);
  for (guint s = 0; s < G_N_ELEMENTS (schemes); s++)
    {
      JsonObject *scheme = scheme_of (root, schemes[s]);
      double sum = 0;

      g_assert_cmpuint (json_object_get_size (scheme), ==, G_N_ELEMENTS (fields));
      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        g_assert_true (json_object_has_member (scheme, fields[f]));
      /* The six slot classes, cached free blocks included, partition the
       * slots. */
      for (guint f = 0; f < 6; f++)
        sum += json_object_get_double_member (scheme, fields[f]);
      g_assert_cmpfloat_with_epsilon (sum, 100.0, 1e-9);
      g_assert_cmpint (json_object_get_int_member (scheme, "finished_requests"), ==, 300);

      for (guint l = 0; l < G_N_ELEMENTS (latencies); l++)
        {
          JsonObject *latency = json_object_get_object_member (json_object_get_object_member (scheme, "latency"),
                                                               latencies[l]);

          for (guint k = 0; k < G_N_ELEMENTS (stats); k++)
            g_assert_cmpfloat (json_object_get_double_member (latency, stats[k]), >=, 0.0);
          g_assert_cmpfloat (json_object_get_double_member (latency, "p50"), <=,
                             json_object_get_double_member (latency, "p99"));
        }
      /* 300 requests over the run: the throughput is what took that long. */
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (scheme, "request_throughput") *
                                      json_object_get_double_member (scheme, "duration_s"), 300.0, 1e-6);
    }
  g_assert_cmpfloat (json_object_get_double_member (scheme_of (root, "paged"), "token_states_percent"), >,
                     json_object_get_double_member (scheme_of (root, "oracle"), "token_states_percent"));

  /* The same command prints the same bytes. */
  run_kvpage (&again, "--simulate", "--json", "--model", "opt-13b", "--blocks", "983",
              "--requests", "300", "--seed", "3", "--request-rate", "20", NULL);
  g_assert_cmpstr (again.out, ==, run.out);
}

/* The header's counts are grouped alike, as English groups them in the
 * tests' C.UTF-8: "1,500 requests" above "2,000 blocks", a single run or a
 * sweep; --json keeps plain numbers. */
static void
test_simulate_grouping (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) sweep = { 0 };
  g_auto(Run) json = { 0 };

  run_kvpage (&run, "--simulate", "--workload", "fixed:10,2", "--requests", "1500", "--blocks", "2000",
              "--schemes", "paged", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Workload fixed:10,2: 1,500 requests, seed 0, all arriving at once;"));
  g_assert_nonnull (strstr (run.out, "Pool: 2,000 blocks × 16 = 32,000 token slots for every scheme; "
                                     "maximum sequence 2,048 tokens."));
  g_assert_nonnull (strstr (run.out, "at most 2,048 tokens a step and 256 requests at once"));

  run_kvpage (&sweep, "--simulate", "--workload", "fixed:10,2", "--requests", "1500", "--blocks", "2000",
              "--schemes", "paged", "--request-rate", "1000:2000:1000", NULL);
  g_assert_cmpint (sweep.status, ==, 0);
  g_assert_nonnull (strstr (sweep.out, "Workload fixed:10,2: 1,500 requests, seed 0;"));

  run_kvpage (&json, "--simulate", "--workload", "fixed:10,2", "--requests", "1500", "--blocks", "2000",
              "--schemes", "paged", "--json", NULL);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_nonnull (strstr (json.out, "\"requests\" : 1500,"));
  g_assert_null (strstr (json.out, "1,500"));
}

static void
test_simulate_table (void)
{
  g_auto(Run) run = { 0 };

  run_kvpage (&run, "--simulate", "--workload", "alpaca", "--requests", "100", "--schemes", "paged,pow2", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "alpaca"));
  g_assert_nonnull (strstr (run.out, "TOKENS"));
  g_assert_nonnull (strstr (run.out, " CACHED"));
  g_assert_nonnull (strstr (run.out, "\npaged "));
  g_assert_nonnull (strstr (run.out, "\npow2 "));
  g_assert_null (strstr (run.out, "oracle"));
  g_assert_nonnull (strstr (run.out, " %"));
  /* The latency table, named as vLLM's benchmark names it. */
  g_assert_nonnull (strstr (run.out, "\nMean TTFT (ms) "));
  g_assert_nonnull (strstr (run.out, "\nP99 TPOT (ms) "));
  g_assert_nonnull (strstr (run.out, "\nRequest throughput (req/s) "));
  /* Thousands separated, as the pool line of vLLM's sizing has them. */
  g_assert_nonnull (strstr (run.out, "Scheduler: vLLM v1’s, at most 2,048 tokens a step and 256 requests at once"));
  g_assert_nonnull (strstr (run.out, "Pool: 1,024 blocks × 16 = 16,384 token slots for every scheme; maximum sequence "));
}

/* Each scheduler option changes the run: none is accepted and ignored. */
static void
test_simulate_scheduler_options (void)
{
  static const char *variants[][4] = {
    { "--max-num-batched-tokens", "65536", NULL },
    { "--max-num-seqs", "8", NULL },
    { "--long-prefill-token-threshold", "100", NULL },
    { "--step-time", "25", NULL },
  };
  g_auto(Run) base = { 0 };

  run_kvpage (&base, "--simulate", "--json", "--workload", "fixed:1000,20", "--requests", "60", NULL);
  g_assert_cmpint (base.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_auto(Run) run = { 0 };

      run_kvpage (&run, "--simulate", "--json", "--workload", "fixed:1000,20", "--requests", "60",
                  variants[i][0], variants[i][1], NULL);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_cmpstr (run.out, !=, base.out);
    }
}

/* With a GPU each step lasts what the roofline says: an 8B model's decode
 * on an A100-40GB reads 16 GB at 80 % of 1,555 GB/s, 13.5 ms a token as
 * measured (about 75 tokens/s); a GPU of one's own with its peaks. */
static void
test_simulate_roofline (void)
{
  g_autofree char *config = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "configs", "llama-3.1-8b.json", NULL);
  g_auto(Run) run = { 0 };
  g_auto(Run) custom = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  double tpot;

  run_kvpage (&run, "--simulate", "--json", "--config", config, "--max-model-len", "8192", "--gpu", "a100-40gb",
              "--workload", "fixed:1024,128", "--requests", "1", "--schemes", "paged", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (parser, run.out);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "workload"), "step_time"), ==,
                   "roofline");
  tpot = json_object_get_double_member (json_object_get_object_member (
    json_object_get_object_member (scheme_of (root, "paged"), "latency"), "tpot_ms"), "mean");
  g_assert_cmpfloat (tpot, >, 13.0);
  g_assert_cmpfloat (tpot, <, 14.0);

  run_kvpage (&custom, "--simulate", "--json", "--config", config, "--max-model-len", "8192", "--gpu-memory", "40GiB",
              "--gpu-flops", "312", "--gpu-bandwidth", "1555", "--workload", "fixed:1024,128", "--requests", "1",
              "--schemes", "paged", NULL);
  g_assert_cmpint (custom.status, ==, 0);
  g_assert_nonnull (strstr (custom.out, "\"step_time\" : \"roofline\""));
}

/* A sweep: one run per rate, the same figures as each rate run alone (the
 * rates run at once on the cores), and the capacity within the limit. */
static void
test_simulate_sweep (void)
{
  static const char *rates[] = { "1", "2", "12" };
  g_auto(Run) sweep = { 0 };
  g_auto(Run) table = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *points;
  JsonObject *capacity;

  run_kvpage (&sweep, "--simulate", "--json", "--workload", "fixed:200,100", "--requests", "200", "--blocks", "128",
              "--request-rate", "1,2,12", NULL);
  g_assert_cmpint (sweep.status, ==, 0);
  root = parse_object (parser, sweep.out);
  points = json_object_get_array_member (root, "sweep");
  g_assert_cmpuint (json_array_get_length (points), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (root, "max_normalized_latency"), ==, 0.2);

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_auto(Run) alone = { 0 };
      g_autoptr(JsonParser) alone_parser = json_parser_new ();
      JsonObject *point = json_array_get_object_element (points, i);
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;

      g_assert_cmpfloat (json_object_get_double_member (point, "request_rate"), ==, g_ascii_strtod (rates[i], NULL));
      run_kvpage (&alone, "--simulate", "--json", "--workload", "fixed:200,100", "--requests", "200", "--blocks", "128",
                  "--request-rate", rates[i], NULL);
      json_generator_set_root (generator, json_object_get_member (point, "schemes"));
      a = json_generator_to_data (generator, NULL);
      json_generator_set_root (generator, json_object_get_member (parse_object (alone_parser, alone.out), "schemes"));
      b = json_generator_to_data (generator, NULL);
      g_assert_cmpstr (a, ==, b);
    }

  /* 2,048 slots: Max holds one 2,048-slot reservation, never within
   * 0.2 s/token; a 300-token request's exact reservation (512 with the
   * buddy's round-up) four; the paged pool six or seven. */
  capacity = json_object_get_object_member (root, "capacity");
  g_assert_cmpuint (json_object_get_size (capacity), ==, 4);
  g_assert_true (json_object_get_null_member (capacity, "max"));
  g_assert_cmpfloat (json_object_get_double_member (capacity, "oracle"), ==, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (capacity, "paged"), ==, 2.0);

  run_kvpage (&table, "--simulate", "--workload", "fixed:200,100", "--requests", "200", "--blocks", "128",
              "--request-rate", "2:12:5", NULL);
  g_assert_cmpint (table.status, ==, 0);
  g_assert_nonnull (strstr (table.out, "REQUEST RATE (req/s)"));
  g_assert_nonnull (strstr (table.out, "\n7 "));
  g_assert_nonnull (strstr (table.out, "\nCapacity (req/s) "));
}

/* A scheme within the limit at the top rate has a capacity of at least
 * that rate: 1,2 reaches Paged's end (above 2) nowhere but Oracle's (1),
 * and Max has none.  --json says which is a bound beside the plain
 * number, the text row "≥ 2", its columns still aligned. */
static void
test_simulate_sweep_lower_bound (void)
{
  g_auto(Run) sweep = { 0 };
  g_auto(Run) table = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  JsonObject *root;
  JsonObject *capacity;
  JsonObject *bound;
  const char *row = NULL;
  glong width;

  run_kvpage (&sweep, "--simulate", "--json", "--workload", "fixed:200,100", "--requests", "200", "--blocks", "128",
              "--request-rate", "1,2", NULL);
  g_assert_cmpint (sweep.status, ==, 0);
  root = parse_object (parser, sweep.out);
  capacity = json_object_get_object_member (root, "capacity");
  g_assert_true (json_object_get_null_member (capacity, "max"));
  g_assert_cmpfloat (json_object_get_double_member (capacity, "oracle"), ==, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (capacity, "paged"), ==, 2.0);
  g_assert_true (json_object_has_member (root, "capacity_is_lower_bound"));
  bound = json_object_get_object_member (root, "capacity_is_lower_bound");
  g_assert_cmpuint (json_object_get_size (bound), ==, 4);
  g_assert_false (json_object_get_boolean_member (bound, "max"));
  g_assert_false (json_object_get_boolean_member (bound, "oracle"));
  g_assert_true (json_object_get_boolean_member (bound, "paged"));

  run_kvpage (&table, "--simulate", "--workload", "fixed:200,100", "--requests", "200", "--blocks", "128",
              "--request-rate", "1,2", NULL);
  g_assert_cmpint (table.status, ==, 0);
  lines = g_strsplit (strstr (table.out, "REQUEST RATE (req/s)"), "\n", -1);
  width = g_utf8_strlen (lines[0], -1);
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_assert_cmpint (g_utf8_strlen (lines[i], -1), ==, width);
      if (g_str_has_prefix (lines[i], "Capacity (req/s) "))
        row = lines[i];
    }
  g_assert_nonnull (row);
  /* PAGED, MAX, POW2, ORACLE: "≥ 2", none, 1, 1. */
  g_assert_nonnull (strstr (row, " none "));
  g_assert_nonnull (strstr (row, " 1 "));
  g_assert_nonnull (strstr (row, " ≥ 2 "));
  g_assert_true (g_str_has_suffix (row, " 1"));
}

/* --export --view capacity draws the sweep: a PNG, an SVG naming each
 * scheme's capacity; no file without a sweep. */
static void
test_export_capacity (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "capacity.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "capacity.svg", NULL);
  g_autofree char *none = g_build_filename (dir, "none.png", NULL);
  g_autofree char *text = NULL;
  gsize length;
  g_auto(Run) run = { 0 };
  g_auto(Run) vector = { 0 };
  g_auto(Run) bad = { 0 };

  run_kvpage (&run, "--export", png, "--view", "capacity", "--workload", "fixed:200,100", "--requests", "200",
              "--blocks", "128", "--request-rate", "1,2,12", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_true (g_file_get_contents (png, &text, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpint (memcmp (text, "\x89PNG", 4), ==, 0);
  g_clear_pointer (&text, g_free);

  run_kvpage (&vector, "--export", svg, "--view", "capacity", "--workload", "fixed:200,100", "--requests", "200",
              "--blocks", "128", "--request-rate", "1,2,12", "--schemes", "paged,max", NULL);
  g_assert_cmpint (vector.status, ==, 0);
  g_assert_true (g_file_get_contents (svg, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "<svg"));

  run_kvpage (&bad, "--export", none, "--view", "capacity", "--request-rate", "2", NULL);
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "START:STOP:STEP"));
  g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));

  g_unlink (png);
  g_unlink (svg);
  g_rmdir (dir);
}

/* --view serving simulates with the scheduler's options too: a budget of
 * 100 tokens prefills four 1,000-token prompts over 40 steps. */
static void
test_export_serving_budget (void)
{
  g_auto(Run) small = { 0 };
  g_auto(Run) seqs = { 0 };

  run_kvpage (&small, "--export", "x.png", "--view", "serving", "--workload", "fixed:1000,2", "--requests", "4",
              "--max-num-batched-tokens", "100", "--step", "100000", NULL);
  g_assert_cmpint (small.status, ==, 2);
  g_assert_nonnull (strstr (small.err, "this run has 42 steps"));
  run_kvpage (&seqs, "--export", "x.png", "--view", "serving", "--workload", "fixed:10,2", "--requests", "4",
              "--max-num-seqs", "1", "--step", "100000", NULL);
  g_assert_nonnull (strstr (seqs.err, "this run has 8 steps"));
}

/* A million requests run through all four schemes: the command line keeps
 * summaries, so no step limit stands in the way.  (A sanitizer build, ten
 * times slower, runs a tenth of them within the suite's time.) */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define MILLION "100000"
#else
#define MILLION "1000000"
#endif

static void
test_simulate_million (void)
{
  static const char *schemes[] = { "paged", "max", "pow2", "oracle" };
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  gint64 n = g_ascii_strtoll (MILLION, NULL, 10);

  run_kvpage (&run, "--simulate", "--json", "--workload", "fixed:1,1", "--requests", MILLION, "--blocks", "64",
              "--block-size", "1", "--max-seq-len", "2", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (parser, run.out);
  for (guint s = 0; s < G_N_ELEMENTS (schemes); s++)
    g_assert_cmpint (json_object_get_int_member (scheme_of (root, schemes[s]), "finished_requests"), ==, n);
  /* 64 one-slot blocks, two slots a request, each done in one step (the
   * prefill emits its only token): the paged pool runs 32 at a time. */
  g_assert_cmpint (json_object_get_int_member (scheme_of (root, "paged"), "steps"), ==, n / 32);
}

/* A file's arrival column: the header says so, and names no seed. */
static void
test_simulate_file_arrivals (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "trace.csv", NULL);
  g_auto(Run) run = { 0 };
  g_auto(Run) json = { 0 };

  g_assert_true (g_file_set_contents (path, "prompt_len,output_len,arrival\n10,5,0\n20,5,0.5\n", -1, NULL));
  run_kvpage (&run, "--simulate", "--workload", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "2 requests, arrivals from the file;"));
  g_assert_null (strstr (run.out, "seed"));
  g_assert_null (strstr (run.out, "all arriving at once"));
  run_kvpage (&json, "--simulate", "--json", "--workload", path, NULL);
  g_assert_nonnull (strstr (json.out, "\"arrivals\" : \"file\""));

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_simulate_csv (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "steps.csv", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "steps.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Run) run = { 0 };
  g_auto(Run) json = { 0 };
  g_auto(Run) bad = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  gint64 steps;

  run_kvpage (&run, "--simulate", "--workload", "fixed:100,50", "--requests", "40", "--blocks", "128",
              "--schemes", "paged,max", "--csv", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "scheme,step,clock,start_s,end_s,running,waiting,finished,preemptions,"
                   "token_states,reservation,internal_fragmentation,external_fragmentation,free,cached_free,"
                   "between_turns");
  g_assert_true (g_str_has_prefix (lines[1], "paged,0,0,0.000000000,0.040000000,"));

  /* One row per step and scheme: as many as the JSON's steps. */
  run_kvpage (&json, "--simulate", "--workload", "fixed:100,50", "--requests", "40", "--blocks", "128",
              "--schemes", "paged,max", "--json", "--csv", csv, NULL);
  g_assert_cmpint (json.status, ==, 0);
  root = parse_object (parser, json.out);
  steps = json_object_get_int_member (scheme_of (root, "paged"), "steps") +
          json_object_get_int_member (scheme_of (root, "max"), "steps");
  g_assert_cmpint (g_strv_length (lines), ==, steps + 2); /* header, rows, the empty tail */

  /* A folder that does not exist: could not do it, nothing left behind. */
  run_kvpage (&bad, "--simulate", "--requests", "10", "--csv", missing, NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "steps.csv"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  g_unlink (csv);
  g_rmdir (dir);
}

/* --workload conversation: a turn in its think time is counted between
 * turns, in --csv's last column at every step (running + waiting +
 * finished + between turns never pass the requests, and reach them at the
 * end), in --json's mean_between_turns and max_between_turns, and in the
 * text's last two rows; other workloads have none and no such rows. */
static void
test_simulate_between_turns (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "steps.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Run) run = { 0 };
  g_auto(Run) json = { 0 };
  g_auto(Run) plain = { 0 };
  g_auto(Run) single = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint64 max_between = 0, rows = 0;

  run_kvpage (&run, "--simulate", "--workload", "conversation", "--requests", "60", "--request-rate", "1",
              "--schemes", "paged", "--csv", csv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_true (g_str_has_suffix (lines[0], ",cached_free,between_turns"));
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i], ",", -1);
      guint64 placed, between;

      g_assert_cmpuint (g_strv_length (cells), ==, 16);
      between = g_ascii_strtoull (cells[15], NULL, 10);
      placed = g_ascii_strtoull (cells[5], NULL, 10) + g_ascii_strtoull (cells[6], NULL, 10) +
               g_ascii_strtoull (cells[7], NULL, 10) + between;
      g_assert_cmpuint (placed, <=, 60);
      max_between = MAX (max_between, between);
      rows++;
    }
  g_assert_cmpuint (rows, >, 0);
  g_assert_cmpuint (max_between, >, 0);

  run_kvpage (&json, "--simulate", "--workload", "conversation", "--requests", "60", "--request-rate", "1",
              "--schemes", "paged", "--json", NULL);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_cmpint (json_object_get_int_member (scheme_of (parse_object (parser, json.out), "paged"),
                                               "max_between_turns"), ==, max_between);

  run_kvpage (&plain, "--simulate", "--workload", "conversation", "--requests", "60", "--request-rate", "1",
              "--schemes", "paged", NULL);
  g_assert_cmpint (plain.status, ==, 0);
  g_assert_nonnull (strstr (plain.out, "Mean between turns (requests)"));
  g_assert_nonnull (strstr (plain.out, "Max between turns (requests)"));

  run_kvpage (&single, "--simulate", "--requests", "20", "--schemes", "paged", NULL);
  g_assert_cmpint (single.status, ==, 0);
  g_assert_null (strstr (single.out, "between turns"));

  g_unlink (csv);
  g_rmdir (dir);
}

/* A workload file with arrival times of its own takes no request rate:
 * a sweep of it is refused in one sentence, exit 2, before any rate runs,
 * and the capacity picture is not written; a file without times sweeps. */
static void
test_sweep_file_arrivals (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *timed = g_build_filename (dir, "timed.csv", NULL);
  g_autofree char *untimed = g_build_filename (dir, "untimed.csv", NULL);
  g_autofree char *png = g_build_filename (dir, "capacity.png", NULL);
  g_autofree char *said = NULL;
  g_auto(Run) run = { 0 };
  g_auto(Run) picture = { 0 };
  g_auto(Run) good = { 0 };

  g_assert_true (g_file_set_contents (timed, "prompt_len,output_len,arrival\n10,5,0\n20,6,1.5\n", -1, NULL));
  g_assert_true (g_file_set_contents (untimed, "prompt_len,output_len\n10,5\n20,6\n", -1, NULL));
  said = g_strdup_printf ("kvpage: The workload file “%s” has arrival times of its own, so it cannot be swept at "
                          "request rates.\n", timed);

  run_kvpage (&run, "--simulate", "--workload", timed, "--request-rate", "1,2", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==, said);

  run_kvpage (&picture, "--export", png, "--view", "capacity", "--workload", timed, "--request-rate", "1:2:1", NULL);
  g_assert_cmpint (picture.status, ==, 2);
  g_assert_cmpstr (picture.err, ==, said);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));

  run_kvpage (&good, "--simulate", "--workload", untimed, "--request-rate", "1,2", NULL);
  g_assert_cmpint (good.status, ==, 0);
  g_assert_nonnull (strstr (good.out, "Swept at 2 request rates"));

  g_unlink (timed);
  g_unlink (untimed);
  g_rmdir (dir);
}

static void
test_simulate_bad_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "trace.jsonl", NULL);
  g_auto(Run) run = { 0 };

  g_assert_true (g_file_set_contents (path, "{\"prompt_len\": 5, \"output_len\": 6}\n\n{\"prompt_len\": 5}\n", -1, NULL));
  run_kvpage (&run, "--simulate", "--workload", path, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, path));
  g_assert_nonnull (strstr (run.err, "line 3"));
  g_assert_nonnull (strstr (run.err, "output_len"));
  g_assert_cmpstr (strchr (run.err, '\n'), ==, "\n");

  g_unlink (path);
  g_rmdir (dir);
}

/* A real trace end to end: its arrivals used and said so, the time scale
 * applied, what was left out counted in one line and in the JSON. */
static void
test_simulate_trace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "BurstGPT_1.csv", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(Run) run = { 0 };
  g_auto(Run) json = { 0 };
  JsonObject *workload;

  g_assert_true (g_file_set_contents (path,
                                      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                                      "5,ChatGPT,472,18,490,Conversation log\n"
                                      "45,ChatGPT,1087,0,1087,Conversation log\n"
                                      "118,GPT-4,417,276,693,Conversation log\n"
                                      "148,ChatGPT,3000,300,3300,API log\n", -1, NULL));

  run_kvpage (&run, "--simulate", "--workload", path, "--time-scale", "0.5", "--schemes", "paged", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Left out of the file: 1 request longer than the model allows, "
                                     "1 request the trace records as failed (no prompt or no output).\n"));
  /* A file's arrivals owe nothing to the seed, so none is named. */
  g_assert_nonnull (strstr (run.out, "2 requests, arrivals from the file, times × 0.5;"));

  run_kvpage (&json, "--simulate", "--workload", path, "--json", "--schemes", "paged", NULL);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, NULL));
  workload = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "workload");
  g_assert_cmpint (json_object_get_int_member (workload, "requests"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (workload, "skipped_requests"), ==, 2);
  g_assert_true (json_object_get_boolean_member (workload, "arrivals_from_file"));
  g_assert_cmpstr (json_object_get_string_member (workload, "arrivals"), ==, "file");
  g_assert_cmpfloat (json_object_get_double_member (workload, "time_scale"), ==, 1.0);

  g_unlink (path);
  g_rmdir (dir);
}

/* A malformed trace row: exit 2, one line naming the file, the line and the
 * column, nothing on standard output. */
static void
test_simulate_bad_trace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "AzureLLMInferenceTrace_conv.csv", NULL);
  g_auto(Run) run = { 0 };

  g_assert_true (g_file_set_contents (path,
                                      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                      "2023-11-16 18:15:46.6805900,4808,10\n"
                                      "2023-11-16 25:15:50.9810240,3180,8\n", -1, NULL));
  run_kvpage (&run, "--simulate", "--workload", path, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, path));
  g_assert_nonnull (strstr (run.err, "line 3"));
  g_assert_nonnull (strstr (run.err, "TIMESTAMP"));
  g_assert_cmpstr (strchr (run.err, '\n'), ==, "\n");

  g_unlink (path);
  g_rmdir (dir);
}

static const struct
{
  const char *args[14];
  const char *says[3];
} simulate_bad_cases[] = {
  { { "--simulate", "--time-scale", "0" },          { "--time-scale", "“0”", "0.001 to 1000" } },
  { { "--simulate", "--time-scale", "2" },          { "--time-scale", "sharegpt workload has none" } },
  { { "--time-scale", "2" },                        { "--time-scale goes with --simulate" } },
  { { "--simulate", "--requests", "0" },            { "--requests", "1 to 1,000,000" } },
  /* Async scheduling is not simulated: the flag is refused, not ignored. */
  { { "--simulate", "--model", "qwen3-8b", "--gpu", "h100-80gb", "--no-async-scheduling" },
    { "--no-async-scheduling", "one batch at a time" } },
  { { "--simulate", "--requests", "many" },         { "--requests", "many" } },
  { { "--simulate", "--request-rate", "-1" },       { "--request-rate", "-1" } },
  { { "--simulate", "--request-rate", "fast" },     { "--request-rate", "fast" } },
  { { "--simulate", "--request-rate", "nan" },      { "--request-rate", "nan" } },
  { { "--simulate", "--request-rate", "1e-308" },   { "--request-rate", "1e-308", "from 0.001" } },
  { { "--simulate", "--workload", "fixed:1,1", "--requests", "1000000", "--request-rate", "0.001" },
    { "Request 85679 would arrive after 8.58994e+07 seconds", "raise --request-rate" } },
  { { "--simulate", "--seed", "-1" },               { "--seed", "-1" } },
  { { "--simulate", "--workload", "fixed:10,10", "--seed", "4" }, { "--seed", "nothing to draw", "fixed:10,10" } },
  { { "--export", "x.png", "--view", "serving", "--workload", "fixed:10,10", "--seed", "4" }, { "--seed", "nothing to draw" } },
  { { "--simulate", "--schemes", "paged,vllm" },    { "--schemes", "paged,vllm" } },
  { { "--simulate", "--workload", "sharegtp" },     { "sharegtp", "sharegpt" } },
  { { "--simulate", "--workload", "fixed:0,5" },    { "fixed:0,5" } },
  { { "--simulate", "--workload", "fixed:2000,100" }, { "fixed:2000,100", "(2,048)" } },
  { { "--simulate", "--workload", "fixed:1000,100", "--blocks", "10" }, { "Request 1 ", "never", "10" } },
  /* A picture records its steps, so a run too long to record is refused
   * before it starts; --simulate keeps summaries and has no such limit. */
  { { "--export", "x.png", "--view", "serving", "--workload", "fixed:1,40", "--requests", "1000000", "--blocks", "4",
      "--max-seq-len", "48" },
    { "max", "16,777,216 steps", "picture" } },
  { { "--simulate", "--export", "x.png" },          { "--simulate", "--export" } },
  { { "--json", "--requests", "5" },                { "--simulate" } },
  { { "--csv", "x.csv" },                           { "--simulate" } },
  { { "--max-num-seqs", "8" },                      { "--max-num-seqs goes with --simulate" } },
  { { "--step-time", "20" },                        { "--step-time goes with --simulate" } },
  { { "--long-prefill-token-threshold", "64" },     { "--long-prefill-token-threshold goes with --simulate" } },
  { { "--max-num-batched-tokens", "512" },          { "--max-num-batched-tokens", "--gpu KEY" } },
  { { "--simulate", "--max-num-seqs", "0" },        { "--max-num-seqs", "“0”" } },
  { { "--simulate", "--max-num-seqs", "lots" },     { "--max-num-seqs", "lots" } },
  { { "--simulate", "--max-num-batched-tokens", "0" }, { "--max-num-batched-tokens", "“0”" } },
  { { "--simulate", "--long-prefill-token-threshold", "0" }, { "--long-prefill-token-threshold", "“0”" } },
  { { "--simulate", "--step-time", "0" },           { "--step-time", "“0”", "milliseconds" } },
  { { "--simulate", "--step-time", "fast" },        { "--step-time", "fast" } },
  { { "--simulate", "--step-time", "nan" },         { "--step-time", "nan" } },
  { { "--simulate", "--step-time", "60001" },       { "--step-time", "60,000" } },
  { { "--simulate", "--no-async-scheduling" },      { "--no-async-scheduling", "a simulation" } },
  { { "--gpu-flops", "100", "--gpu", "l4" },         { "--gpu-flops goes with --simulate" } },
  { { "--max-normalized-latency", "1" },            { "--max-normalized-latency goes with --simulate" } },
  { { "--simulate", "--max-normalized-latency", "1" }, { "--max-normalized-latency", "--request-rate START:STOP:STEP" } },
  { { "--simulate", "--request-rate", "1:4", },     { "“1:4”", "START:STOP:STEP" } },
  { { "--simulate", "--request-rate", "4:1:1", },   { "“4:1:1”", "STOP at least START" } },
  { { "--simulate", "--request-rate", "1:2:0", },   { "“1:2:0”", "STEP more than 0" } },
  { { "--simulate", "--request-rate", "0.001:100:0.001" }, { "more than 1,000 rates" } },
  { { "--simulate", "--request-rate", "2,1" },       { "“2,1”", "lowest up" } },
  { { "--simulate", "--request-rate", "1,x" },       { "“1,x”", "commas" } },
  { { "--simulate", "--request-rate", "0,1" },       { "“0,1”", "from 0.001" } },
  { { "--simulate", "--request-rate", "1,2", "--max-normalized-latency", "0" }, { "--max-normalized-latency", "“0”" } },
  /* Limits grouped, as every count a person reads. */
  { { "--simulate", "--request-rate", "1,2", "--max-normalized-latency", "2000000" }, { "at most 1,000,000." } },
  { { "--simulate", "--request-rate", "1,2000000" }, { "from 0.001 to 1,000,000 requests per second" } },
  /* The workload's own lower bound: at the lowest rate its requests must
   * arrive within the 994 days a run counts in steps; refused before any
   * rate runs, in a sentence the window can show too. */
  { { "--simulate", "--request-rate", "0.001,1", "--requests", "100000" },
    { "At the lowest rate swept, 0.001 requests per second, the 100,000 requests", "994 days", "fewer requests." } },
  { { "--simulate", "--request-rate", "0.001:0.003:0.001", "--requests", "100000", "--json" },
    { "At the lowest rate swept, 0.001 requests per second" } },
  { { "--export", "x.png", "--view", "capacity", "--request-rate", "0.001,1", "--requests", "100000" },
    { "At the lowest rate swept, 0.001 requests per second" } },
  { { "--simulate", "--request-rate", "1,2", "--csv", "x.csv" }, { "--csv", "sweep" } },
  { { "--export", "x.png", "--view", "capacity", "--request-rate", "1,2", "--step", "3" }, { "--step", "--view serving" } },
  { { "--export", "x.png", "--view", "serving", "--max-normalized-latency", "1" }, { "--max-normalized-latency", "--view capacity" } },
  /* The serving view draws one run: a sweep is refused, not cut to a rate. */
  { { "--export", "x.png", "--view", "serving", "--request-rate", "1,2" }, { "--view serving draws one run", "single rate" } },
  { { "--export", "x.png", "--view", "capacity" },  { "--request-rate START:STOP:STEP" } },
  { { "--simulate", "--gpu-flops", "100" },          { "--gpu-flops", "--gpu KEY" } },
  { { "--simulate", "--gpu-bandwidth", "900", "--kv-cache-memory", "1GiB" }, { "--gpu-bandwidth", "--gpu KEY" } },
  { { "--simulate", "--gpu", "l4", "--gpu-flops", "0" }, { "--gpu-flops", "“0”", "TFLOP/s" } },
  { { "--simulate", "--gpu", "l4", "--gpu-bandwidth", "x" }, { "--gpu-bandwidth", "“x”", "GB/s" } },
  { { "--simulate", "--gpu", "l4", "--gpu-flops", "100", "--step-time", "5" }, { "--step-time", "--gpu-flops" } },
  { { "--simulate", "--gpu-memory", "24GiB", "--gpu-flops", "100" }, { "--gpu-flops", "--gpu-bandwidth", "--step-time" } },
  /* --view and --step */
  { { "--export", "x.png", "--view", "table" },     { "--view", "table", "sequence, serving or capacity" } },
  { { "--export", "x.png", "--view", "serving", "--step", "-1" }, { "--step", "-1" } },
  { { "--export", "x.png", "--view", "serving", "--step", "999999", "--workload", "fixed:4,4", "--requests", "3" },
    { "--step 999999", "past the end", "4 steps, 0 to 3" } },
  { { "--export", "x.png", "--step", "3" },         { "--step", "--view serving" } },
  { { "--export", "x.png", "--view", "sequence", "--step", "3" }, { "--step", "--view serving" } },
  { { "--view", "serving" },                        { "--view", "--export" } },
  { { "--export", "x.png", "--view", "serving", "--schemes", "max,pow2" }, { "--schemes", "one reserve-ahead" } },
  { { "--export", "x.png", "--view", "serving", "--schemes", "paged" }, { "--schemes", "one reserve-ahead" } },
  { { "--export", "x.png", "--view", "serving", "--csv", "x.csv" }, { "--csv", "--simulate" } },
  { { "--export", "x.png", "--requests", "5" },     { "--simulate" } },
  { { "--export", "x.png", "--view", "serving", "--requests", "0" }, { "--requests", "1 to 1,000,000" } },
  /* One number syntax for every option, --step's. */
  { { "--simulate", "--request-rate", "0x10" },     { "--request-rate “0x10” is not valid" } },
  { { "--simulate", "--request-rate", " 1" },       { "--request-rate “ 1” is not valid" } },
  { { "--simulate", "--request-rate", "+1" },       { "--request-rate “+1” is not valid" } },
  { { "--simulate", "--request-rate", "1,0x10" },   { "--request-rate “1,0x10” is not a valid sweep" } },
  { { "--simulate", "--step-time", " 1" },          { "--step-time “ 1” is not valid" } },
  { { "--simulate", "--step-time", "0x1" },         { "--step-time “0x1” is not valid" } },
  { { "--simulate", "--request-rate", "1,2", "--max-normalized-latency", "0x1" }, { "--max-normalized-latency “0x1” is not valid" } },
  { { "--simulate", "--workload", "fixed:4,4", "--requests", "3", "--csv", "" }, { "give a file name" } },
};

/* --export --view serving --step K draws that step; the sequence view is
 * still the default. */
static void
test_export_serving (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvpage-cli-XXXXXX", NULL);
  g_autofree char *serving = g_build_filename (dir, "serving.png", NULL);
  g_autofree char *sequence = g_build_filename (dir, "sequence.png", NULL);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gsize la, lb;

  {
    g_auto(Run) run = { 0 };

    run_kvpage (&run, "--export", serving, "--view", "serving", "--step", "3", "--workload", "fixed:4,4",
                "--requests", "3", "--schemes", "pow2", "--size", "800x500", "--theme", "dark", NULL);
    g_assert_cmpstr (run.err, ==, "");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto(Run) run = { 0 };

    run_kvpage (&run, "--export", sequence, "--view", "sequence", "--size", "800x500", "--theme", "dark", NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_true (g_file_get_contents (serving, &a, &la, NULL));
  g_assert_true (g_file_get_contents (sequence, &b, &lb, NULL));
  g_assert_true (g_str_has_prefix (a, "\x89PNG"));
  g_assert_true (la != lb || memcmp (a, b, la) != 0);
  g_unlink (serving);
  g_unlink (sequence);
  g_rmdir (dir);
}

static void
test_simulate_bad_input (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  g_auto(Run) run = { 0 };

  run_kvpage_in (&run, NULL, simulate_bad_cases[i].args);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (strchr (run.err, '\n'), ==, "\n");
  for (guint j = 0; j < G_N_ELEMENTS (simulate_bad_cases[i].says) && simulate_bad_cases[i].says[j] != NULL; j++)
    g_assert_nonnull (strstr (run.err, simulate_bad_cases[i].says[j]));
}

/* A path for "@file" arguments: the configs written for the tests. */
static const char *
config_arg (const char *arg,
            GPtrArray  *keep)
{
  char *path;

  if (arg == NULL || arg[0] != '@')
    return arg;
  path = g_test_build_filename (G_TEST_DIST, "configs", arg + 1, NULL);
  g_ptr_array_add (keep, path);
  return path;
}

static void
run_vllm (Run                *run,
          const char * const *args)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) config_arg (args[i], keep));
  g_ptr_array_add (argv, NULL);
  run_kvpage_in (run, NULL, (const char * const *) argv->pdata);
}

#define run_vllm_args(run, ...) run_vllm ((run), (const char *[]) { __VA_ARGS__ })

/* gpt-oss's sliding and full groups hold a request's blocks together: the
 * samples are drawn for one group of full attention, so more than one is
 * refused in one line, and one (the default) is the request as before. */
static void
test_samples_hybrid_refused (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) one = { 0 };

  run_vllm_args (&run, "--json", "--config", "@gpt-oss-20b.json", "--gpu", "h100-80gb", "--samples", "2", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  assert_one_clean_line (run.err);
  g_assert_nonnull (strstr (run.err, "KV cache groups"));

  run_vllm_args (&one, "--json", "--config", "@gpt-oss-20b.json", "--gpu", "h100-80gb", "--samples", "1", NULL);
  g_assert_cmpint (one.status, ==, 0);
}

/* What vLLM logs with --kv-cache-memory-bytes (gpu_worker.py
 * determine_available_memory): no "Available KV cache memory", and an
 * initial free memory only the GPU knows, said so in its place. */
#define RESERVED(gib) \
  "Initial free memory [not known: vLLM measures it on the GPU at start-up] GiB, reserved " gib " GiB memory for " \
  "KV Cache as specified by kv_cache_memory_bytes config and skipped memory profiling. This does not respect the " \
  "gpu_memory_utilization config. Only use kv_cache_memory_bytes config when you want manual control of KV cache " \
  "memory size. If OOM'ed, check the difference of initial free memory between the current run and the previous " \
  "run where kv_cache_memory_bytes is suggested and update it correspondingly.\n"

/* vLLM's own lines, to the character. */
static void
test_vllm_log (void)
{
  g_auto(Run) llama = { 0 };
  g_auto(Run) gemma = { 0 };
  g_auto(Run) sync = { 0 };

  run_vllm_args (&llama, "--config", "@llama-3-8b.json", "--kv-cache-memory", "10GiB", "--vllm-log", NULL);
  g_assert_cmpint (llama.status, ==, 0);
  /* A whole size has nothing rounded down: no word of decimals. */
  g_assert_cmpstr (llama.err, ==, "kvpage: The KV cache memory is 10,737,418,240 bytes, as given.\n");
  g_assert_cmpstr (llama.out, ==,
                   RESERVED ("10.0")
                   "GPU KV cache size: 81,920 tokens, Maximum concurrency for 8,192 tokens per request: 10.00x\n");

  {
    g_auto(Run) decimals = { 0 };

    run_vllm_args (&decimals, "--config", "@llama-3-8b.json", "--kv-cache-memory", "6.51GiB", "--vllm-log", NULL);
    g_assert_cmpstr (decimals.err, ==, "kvpage: The KV cache memory is 6,990,059,274 bytes, as given (a size with "
                                       "decimals is rounded down to a whole byte).\n");
  }

  run_vllm_args (&gemma, "--config", "@gemma-3-27b-it.json", "--kv-cache-memory", "20GiB",
                 "--max-num-batched-tokens", "8192", "--vllm-log", NULL);
  g_assert_cmpint (gemma.status, ==, 0);
  g_assert_cmpstr (gemma.out, ==,
                   RESERVED ("20.0")
                   "Add 8 padding layers, may waste at most 15.38% KV cache memory\n"
                   "GPU KV cache size: 145,829 tokens, Maximum concurrency for 131,072 tokens per request: 1.11x\n");

  /* The size vLLM's log shows, copied: 6.51 GiB rounds down to
   * 6,990,059,274 bytes, 6,990,059,274 // (32 × 65,536) = 3,333 blocks. */
  {
    g_auto(Run) copied = { 0 };

    run_vllm_args (&copied, "--config", "@llama-3-8b.json", "--kv-cache-memory", "6.51GiB", "--vllm-log", NULL);
    g_assert_cmpint (copied.status, ==, 0);
    g_assert_cmpstr (copied.out, ==,
                     RESERVED ("6.51")
                     "GPU KV cache size: 53,328 tokens, Maximum concurrency for 8,192 tokens per request: 6.51x\n");
    g_assert_nonnull (strstr (copied.err, "6,990,059,274 bytes"));
  }

  /* google/gemma-3-12b-it states no head_dim and no max_position_embeddings;
   * Gemma3TextConfig's 256 and 131,072 give vLLM's 31,699 tokens and 3.87x
   * (with 3,840 / 16 = 240 kvpage said 33,812 and 4.13x). */
  {
    g_auto(Run) gemma12 = { 0 };
    g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "config.json", NULL);

    g_assert_true (g_file_set_contents (path,
      "{\"architectures\": [\"Gemma3ForConditionalGeneration\"], \"model_type\": \"gemma3\", \"text_config\": "
      "{\"hidden_size\": 3840, \"intermediate_size\": 15360, \"model_type\": \"gemma3_text\", \"num_attention_heads\": 16, "
      "\"num_hidden_layers\": 48, \"num_key_value_heads\": 8, \"rope_scaling\": {\"factor\": 8.0, \"rope_type\": \"linear\"}, "
      "\"sliding_window\": 1024}, \"torch_dtype\": \"bfloat16\"}", -1, NULL));
    run_kvpage (&gemma12, "--config", path, "--kv-cache-memory", "8GiB", "--max-model-len", "8192", "--vllm-log", NULL);
    g_assert_cmpint (gemma12.status, ==, 0);
    g_assert_nonnull (strstr (gemma12.out, "GPU KV cache size: 31,699 tokens, Maximum concurrency for 8,192 tokens per "
                                           "request: 3.87x\n"));
    g_unlink (path);
    g_rmdir (dir);
  }

  /* One batch in flight: the sliding groups keep cdiv (1,023 + 8,192, 16) + 1
   * blocks a request, as vLLM before async scheduling. */
  run_vllm_args (&sync, "--config", "@gemma-3-27b-it.json", "--kv-cache-memory", "20GiB",
                 "--max-num-batched-tokens", "8192", "--no-async-scheduling", "--vllm-log", NULL);
  g_assert_cmpint (sync.status, ==, 0);
  g_assert_nonnull (strstr (sync.out, "GPU KV cache size: 184,270 tokens, Maximum concurrency for 131,072 tokens "
                                      "per request: 1.41x\n"));
}

/* DeepSeek-V3 with an fp8 cache on an H100: vLLM runs FLASHMLA and sets
 * blocks of 64, and says so; --block-size 16 is kept as given. */
static void
test_vllm_mla_block_size (void)
{
  g_auto(Run) chosen = { 0 };
  g_auto(Run) given = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  run_vllm_args (&chosen, "--config", "@deepseek-v3.json", "--gpu", "h100-80gb", "--kv-cache-memory", "20GiB",
                 "--kv-dtype", "fp8", "--vllm-log", NULL);
  g_assert_cmpint (chosen.status, ==, 0);
  g_assert_cmpstr (chosen.out, ==,
                   "Setting kv cache block size to 64 for FLASHMLA backend.\n"
                   RESERVED ("20.0")
                   "GPU KV cache size: 611,136 tokens, Maximum concurrency for 163,840 tokens per request: 3.73x\n");

  run_vllm_args (&given, "--json", "--config", "@deepseek-v3.json", "--gpu", "h100-80gb", "--kv-cache-memory", "20GiB",
                 "--kv-dtype", "fp8", "--block-size", "16", NULL);
  g_assert_cmpint (given.status, ==, 0);
  object = parse_object (parser, given.out);
  g_assert_cmpint (json_object_get_int_member (object, "block_size"), ==, 16);
  g_assert_true (json_object_get_null_member (object, "block_size_backend"));
  g_assert_cmpint (json_object_get_int_member (object, "num_gpu_blocks"), ==, 38199);
}

/* An A100-80GB at 0.92: ceil (85,093,777,408 × 0.92) − 16 GiB − 2 GiB
 * = 58,958,922,384 bytes; // 65,536 // 32 layers = 28,113 blocks. */
static void
test_vllm_gpu_json (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonArray *groups;

  run_vllm_args (&run, "--json", "--config", "@llama-3-8b.json", "--gpu", "a100-80gb",
                 "--weights-memory", "16GiB", "--activation-memory", "2GiB", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  g_assert_cmpstr (json_object_get_string_member (object, "model"), ==, "llama-3-8b");
  g_assert_cmpstr (json_object_get_string_member (object, "kv_dtype"), ==, "bf16");
  g_assert_cmpstr (json_object_get_string_member (object, "gpu"), ==, "a100-80gb");
  g_assert_cmpint (json_object_get_int_member (object, "gpu_memory_bytes"), ==, G_GINT64_CONSTANT (85093777408));
  g_assert_cmpfloat (json_object_get_double_member (object, "gpu_memory_utilization"), ==, 0.92);
  g_assert_cmpint (json_object_get_int_member (object, "requested_memory_bytes"), ==, G_GINT64_CONSTANT (78286275216));
  g_assert_cmpint (json_object_get_int_member (object, "weights_bytes"), ==, G_GINT64_CONSTANT (17179869184));
  g_assert_false (json_object_get_boolean_member (object, "weights_estimated"));
  g_assert_true (json_object_get_boolean_member (object, "kv_cache_memory_estimated"));
  g_assert_cmpint (json_object_get_int_member (object, "activation_bytes"), ==, G_GINT64_CONSTANT (2147483648));
  g_assert_cmpint (json_object_get_int_member (object, "kv_cache_memory_bytes"), ==, G_GINT64_CONSTANT (58958922384));
  g_assert_cmpint (json_object_get_int_member (object, "num_gpu_blocks"), ==, 28113);
  g_assert_cmpint (json_object_get_int_member (object, "num_blocks"), ==, 28113);
  /* An A100: vLLM's smaller default batch. */
  g_assert_cmpint (json_object_get_int_member (object, "max_num_batched_tokens"), ==, 2048);
  g_assert_cmpint (json_object_get_int_member (object, "max_in_flight_tokens"), ==, 4096);
  g_assert_cmpint (json_object_get_int_member (object, "gpu_kv_cache_tokens"), ==, 28113 / 512.0 * 8192);
  g_assert_cmpint (json_object_get_int_member (object, "tensor_parallel_size"), ==, 1);
  groups = json_object_get_array_member (object, "layer_groups");
  g_assert_cmpuint (json_array_get_length (groups), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (groups, 0), "kind"), ==, "full");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "vllm_log")), ==, 2);
}

/* A zero activation reserve, in any unit, mirrors a measured budget:
 * 78,286,275,216 − 16 GiB = 61,106,406,032 bytes. */
static void
test_vllm_activation_zero (void)
{
  static const char *zeros[] = { "0", "0B", "0GiB" };

  for (guint i = 0; i < G_N_ELEMENTS (zeros); i++)
    {
      g_auto(Run) run = { 0 };
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      run_vllm_args (&run, "--json", "--config", "@llama-3-8b.json", "--gpu", "a100-80gb",
                     "--weights-memory", "16GiB", "--activation-memory", zeros[i], NULL);
      g_test_message ("%s: %s", zeros[i], run.err);
      g_assert_cmpint (run.status, ==, 0);
      object = parse_object (parser, run.out);
      g_assert_cmpint (json_object_get_int_member (object, "activation_bytes"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (object, "kv_cache_memory_bytes"), ==, G_GINT64_CONSTANT (61106406032));
    }
}

/* --simulate on vLLM's pool: 60 GiB // 2 MiB a block = 30,720 blocks,
 * block 0 the null block, 30,719 to serve (the sizing in test-deploy.c). */
static void
test_simulate_vllm_pool (void)
{
  g_auto(Run) json = { 0 };
  g_auto(Run) table = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonObject *workload;
  JsonObject *pool;

  run_vllm_args (&json, "--simulate", "--json", "--config", "@llama-3-8b.json", "--kv-cache-memory", "60GiB",
                 "--requests", "200", NULL);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_cmpstr (json.err, ==, "");
  root = parse_object (parser, json.out);
  g_assert_cmpuint (json_object_get_size (root), ==, 3);
  workload = json_object_get_object_member (root, "workload");
  g_assert_cmpint (json_object_get_int_member (workload, "num_blocks"), ==, 30719);
  g_assert_cmpint (json_object_get_int_member (workload, "token_slots"), ==, 30719 * 16);
  g_assert_cmpint (json_object_get_int_member (workload, "max_seq_len"), ==, 8192);
  pool = json_object_get_object_member (root, "pool");
  g_assert_cmpstr (json_object_get_string_member (pool, "origin"), ==, "vllm");
  g_assert_cmpint (json_object_get_int_member (pool, "num_gpu_blocks"), ==, 30720);
  g_assert_cmpint (json_object_get_int_member (pool, "num_blocks"), ==, 30719);
  g_assert_cmpint (json_object_get_int_member (pool, "kv_cache_memory_bytes"), ==, G_GINT64_CONSTANT (64424509440));
  g_assert_false (json_object_get_boolean_member (pool, "kv_cache_memory_estimated"));
  g_assert_cmpint (json_object_get_int_member (scheme_of (root, "paged"), "finished_requests"), ==, 200);

  /* An A100-80GB with 16 GiB of weights: 28,113 blocks, 28,112 served. */
  run_vllm_args (&table, "--simulate", "--config", "@llama-3-8b.json", "--gpu", "a100-80gb",
                 "--weights-memory", "16GiB", "--requests", "50", NULL);
  g_assert_cmpint (table.status, ==, 0);
  g_assert_nonnull (strstr (table.out, "Pool: 28,112 blocks × 16 = 449,792 token slots for every scheme, "
                                       "from an estimated 54.91 GiB of KV cache on an NVIDIA A100 80GB "
                                       "(vLLM’s sizing: 28,113 blocks, less block 0, its null block)"));
}

/* A model of 131,072 tokens: Max reserves the whole context a request, so
 * three run at once on an A100's pool, and the run still ends. */
static void
test_simulate_long_context (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonObject *max;

  run_vllm_args (&run, "--simulate", "--json", "--config", "@llama-3.1-8b.json", "--gpu", "a100-80gb",
                 "--requests", "300", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (parser, run.out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "workload"), "max_seq_len"), ==,
                   131072);
  max = scheme_of (root, "max");
  g_assert_cmpint (json_object_get_int_member (max, "max_batch_size"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (max, "finished_requests"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (scheme_of (root, "paged"), "finished_requests"), ==, 300);
}

static void
test_vllm_options (void)
{
  g_auto(Run) tp = { 0 };
  g_auto(Run) alias = { 0 };
  g_auto(Run) auto_config = { 0 };
  g_auto(Run) auto_preset = { 0 };
  g_auto(Run) e5m2 = { 0 };
  g_auto(Run) estimate = { 0 };
  g_auto(Run) gpus = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();

  /* Four GPUs: 2 of the 8 KV heads each. */
  run_vllm_args (&tp, "--json", "--model", "llama-3-8b", "--tensor-parallel-size", "4", NULL);
  g_assert_cmpint (tp.status, ==, 0);
  g_assert_cmpint (json_object_get_int_member (parse_object (parser, tp.out), "bytes_per_token"), ==, 131072 / 4);

  run_vllm_args (&alias, "--json", "--model", "llama-3-8b", "--max-model-len", "4096", NULL);
  g_assert_cmpint (json_object_get_int_member (parse_object (parser, alias.out), "max_seq_len"), ==, 4096);

  /* VLLM_ALLOW_LONG_MAX_MODEL_LEN=1's counterpart lets the length past the
   * config's, and the figures follow it. */
  {
    g_auto(Run) long_len = { 0 };

    run_vllm_args (&long_len, "--json", "--config", "@qwen3-32b.json", "--max-model-len", "65536",
                   "--allow-long-max-model-len", "--kv-cache-memory", "40GiB", NULL);
    g_assert_cmpint (long_len.status, ==, 0);
    g_assert_cmpint (json_object_get_int_member (parse_object (parser, long_len.out), "max_seq_len"), ==, 65536);
  }

  /* auto: the config's float32 runs as bf16; a preset names no type. */
  run_vllm_args (&auto_config, "--json", "--config", "@gemma-2-9b.json", "--kv-dtype", "auto", NULL);
  g_assert_cmpstr (json_object_get_string_member (parse_object (parser, auto_config.out), "kv_dtype"), ==, "bf16");
  run_vllm_args (&auto_preset, "--json", "--kv-dtype", "auto", NULL);
  g_assert_cmpstr (json_object_get_string_member (parse_object (parser, auto_preset.out), "kv_dtype"), ==, "fp16");
  run_vllm_args (&e5m2, "--json", "--kv-dtype", "fp8_e5m2", NULL);
  g_assert_cmpstr (json_object_get_string_member (parse_object (parser, e5m2.out), "kv_dtype"), ==, "fp8");

  /* An estimate says it is one, apart from vLLM's lines. */
  run_vllm_args (&estimate, "--config", "@llama-3-8b.json", "--gpu", "h100-80gb", "--vllm-log", NULL);
  g_assert_cmpint (estimate.status, ==, 0);
  g_assert_true (g_str_has_prefix (estimate.out, "Available KV cache memory: "));
  g_assert_nonnull (strstr (estimate.err, "estimate"));

  /* A preset's weights: its published 8.03 B parameters in bf16. */
  {
    g_auto(Run) preset = { 0 };
    JsonObject *object;

    run_vllm_args (&preset, "--json", "--model", "llama-3-8b", "--gpu", "h100-80gb", NULL);
    g_assert_cmpint (preset.status, ==, 0);
    object = parse_object (parser, preset.out);
    g_assert_cmpint (json_object_get_int_member (object, "weights_bytes"), ==, G_GINT64_CONSTANT (16060000000));
    g_assert_true (json_object_get_boolean_member (object, "weights_estimated"));
    g_assert_cmpint (json_object_get_int_member (object, "max_num_batched_tokens"), ==, 8192);
  }

  run_vllm_args (&gpus, "--list-gpus", NULL);
  g_assert_cmpint (gpus.status, ==, 0);
  for (guint i = 0; i < 9; i++)
    {
      static const char *keys[] = { "a100-40gb", "a100-80gb", "h100-80gb", "h200", "l4", "l40s", "rtx-3090",
                                    "rtx-4090", "mi300x" };
      g_assert_nonnull (strstr (gpus.out, keys[i]));
    }
}

/* gpt-oss-20b on an H100, 8,192 tokens of 8,192: every block figure in
 * vLLM's terms, over both groups (12 full layers, 12 sliding), agreeing with
 * max_concurrency.  It said 512 blocks used (0.31 %) and capacities of 322
 * beside max_concurrency 161.2 and blocks_per_request 1025. */
static void
test_vllm_hybrid_figures (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  double concurrency;
  gint64 blocks;

  /* The KV memory of an H100 as the weights were once estimated (all at
   * mxfp4), given, so the figures rest on no estimate. */
  run_vllm_args (&run, "--json", "--config", "@gpt-oss-20b.json", "--gpu", "h100-80gb", "--seq-len", "8192",
                 "--max-seq-len", "8192", "--kv-cache-memory", "64971960525", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  blocks = json_object_get_int_member (object, "num_blocks");
  concurrency = json_object_get_double_member (object, "max_concurrency");
  g_assert_cmpint (blocks, ==, 165232);
  /* vLLM's bound: 512 blocks for the full group, and for the sliding one
   * cdiv (min (127 + 16,384, 8,192), 16) + 1 = 513, one for a window that
   * starts inside a block. */
  g_assert_cmpint (json_object_get_int_member (object, "blocks_per_request"), ==, 1025);
  /* What the sequence holds: get_num_blocks_to_allocate caps cdiv (8,192,
   * 16) = 512 at that 513, so 512 in each group.  It said 1,025, and the
   * block vLLM never hands out was 16 tokens of slack. */
  g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, 1024);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_needed"), ==, 1024);
  /* Over the usable blocks, as vLLM's kv_cache_usage_perc: block 0 is its
   * null block. */
  g_assert_cmpint (json_object_get_int_member (object, "blocks_free"), ==, 165231 - 1024);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "utilization_percent"),
                                  100.0 * 1024 / 165231, 1e-9);
  /* 165,232 // 1,024 and 165,232 × 16 // (8,192 × 2 groups). */
  g_assert_cmpint (json_object_get_int_member (object, "paged_capacity"), ==, (gint64) concurrency);
  g_assert_cmpint (json_object_get_int_member (object, "paged_capacity"), ==, 161);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_capacity"), ==, 161);
  /* 1,024 blocks × 16 tokens × 12 layers × 2,048 bytes, all of them
   * holding the sequence: no slack.  (It once said 8,208 tokens of 24
   * layers, more than the paged bytes.) */
  g_assert_cmpint (json_object_get_int_member (object, "paged_bytes"), ==, 402653184);
  g_assert_cmpint (json_object_get_int_member (object, "paged_waste_tokens"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "paged_waste_bytes"), ==, 0);
}

/* A short sequence of a hybrid model holds one block in each of its groups,
 * as vLLM allocates cdiv (tokens, 16): gemma-3-27b's 7 groups (1 full,
 * 6 sliding) for 1 token and for 17 tokens twice that.  It charged every
 * sliding group the alignment block of vLLM's bound, 13 blocks for 1 token
 * with 201 tokens of slack where vLLM leaves 105. */
static void
test_vllm_hybrid_short_sequence (void)
{
  static const struct { const char *seq_len; gint64 blocks, slack; } cases[] = {
    { "1", 7, 7 * 15 }, { "17", 14, 7 * 15 }, { "16", 7, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;
      gint64 bytes, waste;

      run_vllm_args (&run, "--json", "--config", "@gemma-3-27b-it.json", "--gpu", "h100-80gb", "--seq-len",
                     cases[i].seq_len, NULL);
      g_assert_cmpint (run.status, ==, 0);
      object = parse_object (parser, run.out);
      g_assert_cmpint (json_object_get_int_member (object, "blocks_needed"), ==, cases[i].blocks);
      g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, cases[i].blocks);
      g_assert_cmpint (json_object_get_int_member (object, "paged_waste_tokens"), ==, cases[i].slack);
      /* 16 tokens × 10 layers of a group × 8,192 bytes a block. */
      bytes = json_object_get_int_member (object, "paged_bytes");
      waste = json_object_get_int_member (object, "paged_waste_bytes");
      g_assert_cmpint (bytes, ==, cases[i].blocks * 16 * 10 * 8192);
      g_assert_cmpint (waste, ==, cases[i].slack * 10 * 8192);
    }
}

/* gemma-3-27b's 62 layers fill 7 groups of 10 in vLLM's pool, 8 of them
 * padding.  A traditional cache reserves the real layers: 8,192 tokens ×
 * 507,904 bytes = 3.875 GiB a request, five of which the 20 GiB pool holds.
 * The capacity said 4, 16,384 blocks × 16 / 8,192 / 7 groups, counting the
 * padding layers its bytes leave out. */
static void
test_vllm_hybrid_traditional_capacity (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  gint64 traditional, pool;

  run_vllm_args (&run, "--json", "--config", "@gemma-3-27b-it.json", "--kv-cache-memory", "20GiB",
                 "--max-model-len", "8192", "--seq-len", "8192", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  g_assert_cmpint (json_object_get_int_member (object, "num_gpu_blocks"), ==, 16384);
  g_assert_cmpint (json_object_get_int_member (object, "layers_per_group"), ==, 10);
  traditional = json_object_get_int_member (object, "traditional_bytes");
  g_assert_cmpint (traditional, ==, 8192 * G_GINT64_CONSTANT (507904));
  /* The pool vLLM allocates: blocks × page × layers per group, padding
   * included. */
  pool = 16384 * json_object_get_int_member (object, "page_size_bytes") * 10;
  g_assert_cmpint (pool, ==, G_GINT64_CONSTANT (20) << 30);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_capacity"), ==, pool / traditional);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_capacity"), ==, 5);
  /* The paged figures are vLLM's blocks, padding included: the pool over
   * what the sequence holds in its 7 groups. */
  g_assert_cmpint (json_object_get_int_member (object, "paged_capacity"), ==,
                   16384 / json_object_get_int_member (object, "blocks_needed"));
}

/* Mistral-7B-v0.1 slides a window of 4,096 over every layer: one KV-cache
 * group, whose requests hold no more than cdiv (4,095 + 16,384, 16) + 1 =
 * 1,281 blocks (max_concurrency 22.93 on an H100).  The sequence view
 * charged 32,768 tokens 2,048 blocks and a capacity of 14 beside it. */
static void
test_vllm_sliding_only_figures (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) samples = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  double concurrency;

  run_vllm_args (&run, "--json", "--config", "@mistral-7b-v0.1.json", "--gpu", "h100-80gb", "--seq-len", "32768",
                 NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_object (parser, run.out);
  concurrency = json_object_get_double_member (object, "max_concurrency");
  g_assert_cmpint (json_object_get_int_member (object, "blocks_per_request"), ==, 1281);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_needed"), ==, 1281);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, 1281);
  g_assert_cmpint (json_object_get_int_member (object, "paged_capacity"), ==, (gint64) concurrency);
  /* 1,281 blocks × 16 tokens × 131,072 bytes, every slot holding a token
   * of the window or in flight. */
  g_assert_cmpint (json_object_get_int_member (object, "paged_bytes"), ==, G_GINT64_CONSTANT (1281) * 16 * 131072);
  g_assert_cmpint (json_object_get_int_member (object, "paged_waste_bytes"), ==, 0);

  /* Samples share blocks of full attention only: refused in one line. */
  run_vllm_args (&samples, "--json", "--config", "@mistral-7b-v0.1.json", "--gpu", "h100-80gb", "--samples", "2",
                 NULL);
  g_assert_cmpint (samples.status, ==, 2);
  assert_one_clean_line (samples.err);
}

/* --model takes a shipped config's key as --config takes its file; the
 * list names each model once, the config in place of its preset. */
static void
test_shipped_models (void)
{
  g_auto(Run) list = { 0 };
  g_auto(Run) shipped = { 0 };
  g_auto(Run) file = { 0 };
  g_auto(Run) both = { 0 };
  g_auto(Run) gemma = { 0 };
  g_auto(Run) gemma_file = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) file_parser = json_parser_new ();
  g_autoptr(JsonParser) gemma_parser = json_parser_new ();
  g_autoptr(JsonParser) gemma_file_parser = json_parser_new ();
  JsonObject *a, *b;
  const char *p;
  guint qwen = 0, llama = 0;

  run_kvpage (&list, "--list-models", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_nonnull (strstr (list.out, "qwen3-30b-a3b"));
  g_assert_nonnull (strstr (list.out, "Qwen/Qwen3-8B"));
  for (p = list.out; (p = strstr (p, "\nqwen2.5-7b ")) != NULL; p++)
    qwen++;
  g_assert_cmpuint (qwen, ==, 1);
  /* The 70B's config in place of its preset (the window's list agrees). */
  for (p = list.out; (p = strstr (p, "\nllama-3.1-70b ")) != NULL; p++)
    llama++;
  g_assert_cmpuint (llama, ==, 1);
  g_assert_nonnull (strstr (list.out, "meta-llama/Llama-3.1-70B "));
  g_assert_null (strstr (list.out, "Llama 3.1 70B"));
  g_assert_nonnull (strstr (list.out, "\nllama-3.2-1b "));
  g_assert_nonnull (strstr (list.out, "google/gemma-2-9b-it "));

  run_vllm_args (&shipped, "--json", "--model", "llama-3.1-8b", "--kv-cache-memory", "20GiB", NULL);
  run_vllm_args (&file, "--json", "--config", "@llama-3.1-8b.json", "--kv-cache-memory", "20GiB", NULL);
  g_assert_cmpint (shipped.status, ==, 0);
  g_assert_cmpint (file.status, ==, 0);
  a = parse_object (parser, shipped.out);
  b = parse_object (file_parser, file.out);
  g_assert_cmpstr (json_object_get_string_member (a, "model"), ==, "llama-3.1-8b");
  g_assert_cmpint (json_object_get_int_member (a, "max_seq_len"), ==, 131072);
  g_assert_cmpint (json_object_get_int_member (a, "num_gpu_blocks"), ==, json_object_get_int_member (b, "num_gpu_blocks"));
  g_assert_cmpint (json_object_get_int_member (a, "gpu_kv_cache_tokens"), ==,
                   json_object_get_int_member (b, "gpu_kv_cache_tokens"));

  /* The shipped Gemma 2 (the -it file, bfloat16) and the tests' copy (the
   * base file, float32, run as bf16) size alike. */
  run_vllm_args (&gemma, "--json", "--model", "gemma-2-9b", "--kv-cache-memory", "5GiB", NULL);
  run_vllm_args (&gemma_file, "--json", "--config", "@gemma-2-9b.json", "--kv-cache-memory", "5GiB", NULL);
  g_assert_cmpint (gemma.status, ==, 0);
  g_assert_cmpint (gemma_file.status, ==, 0);
  a = parse_object (gemma_parser, gemma.out);
  b = parse_object (gemma_file_parser, gemma_file.out);
  g_assert_cmpstr (json_object_get_string_member (a, "kv_dtype"), ==, "bf16");
  g_assert_cmpint (json_object_get_int_member (a, "num_gpu_blocks"), ==, json_object_get_int_member (b, "num_gpu_blocks"));
  g_assert_cmpint (json_object_get_int_member (a, "gpu_kv_cache_tokens"), ==, 15584);
  g_assert_cmpint (json_object_get_int_member (b, "gpu_kv_cache_tokens"), ==, 15584);

  run_kvpage (&both, "--json", "--model", "qwen3-8b", "--config", "x.json", NULL);
  g_assert_cmpint (both.status, ==, 2);
}

/* --model KEY and --config with the tests' copy of the same model give
 * the same pool, to the block and the token; the figures as JSON. */
static JsonObject *
assert_sized_alike (JsonParser  *parser,
                    JsonParser  *file_parser,
                    const char  *key,
                    const char  *file,
                    const char  *tp,
                    const char  *memory)
{
  g_auto(Run) shipped = { 0 };
  g_auto(Run) copy = { 0 };
  JsonObject *a, *b;

  g_test_message ("%s and %s", key, file);
  if (memory != NULL)
    {
      run_vllm_args (&shipped, "--json", "--model", key, "--tensor-parallel-size", tp, "--kv-cache-memory", memory,
                     NULL);
      run_vllm_args (&copy, "--json", "--config", file, "--tensor-parallel-size", tp, "--kv-cache-memory", memory,
                     NULL);
    }
  else
    {
      run_vllm_args (&shipped, "--json", "--model", key, "--gpu", "h100-80gb", "--max-model-len", "8192", NULL);
      run_vllm_args (&copy, "--json", "--config", file, "--gpu", "h100-80gb", "--max-model-len", "8192", NULL);
    }
  g_assert_cmpint (shipped.status, ==, 0);
  g_assert_cmpint (copy.status, ==, 0);
  a = parse_object (parser, shipped.out);
  b = parse_object (file_parser, copy.out);
  g_assert_cmpstr (json_object_get_string_member (a, "model"), ==, key);
  g_assert_cmpint (json_object_get_int_member (a, "bytes_per_token"), ==, json_object_get_int_member (b, "bytes_per_token"));
  g_assert_cmpint (json_object_get_int_member (a, "num_gpu_blocks"), ==, json_object_get_int_member (b, "num_gpu_blocks"));
  g_assert_cmpint (json_object_get_int_member (a, "gpu_kv_cache_tokens"), ==,
                   json_object_get_int_member (b, "gpu_kv_cache_tokens"));
  g_assert_cmpint (json_object_get_int_member (a, "max_seq_len"), ==, json_object_get_int_member (b, "max_seq_len"));
  return a;
}

/* The shipped configs whose shape is not plain full attention: each in
 * --list-models, sized as the tests' copy of it is, and their real shape
 * on an H100 at 8,192 tokens. */
static void
test_shipped_shapes (void)
{
  static const char *const listed[] = {
    "\nqwen2.5-72b ", "Qwen/Qwen2.5-72B-Instruct ", "\nmistral-7b-v0.3 ", "mistralai/Mistral-7B-Instruct-v0.3 ",
    "\ngemma-3-27b ", "google/gemma-3-27b-it ", "\ngpt-oss-20b ", "openai/gpt-oss-20b ", "\ngpt-oss-120b ",
    "openai/gpt-oss-120b ", "\ndeepseek-v3 ", "deepseek-ai/DeepSeek-V3 ", "\nphi-4-mini ",
    "microsoft/Phi-4-mini-instruct ",
  };
  g_auto(Run) list = { 0 };
  g_auto(Run) oss = { 0 };
  JsonParser *parsers[7];
  JsonObject *gemma, *v3, *big;
  guint64 memory;

  for (guint i = 0; i < G_N_ELEMENTS (parsers); i++)
    parsers[i] = json_parser_new ();
  run_kvpage (&list, "--list-models", NULL);
  g_assert_cmpint (list.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (listed); i++)
    g_assert_nonnull (strstr (list.out, listed[i]));

  /* Gemma 3: 52 layers slide over 1,024 tokens, 10 are global; groups of
   * 10 and 8 padding layers; 62 × 16 × 128 × 2 × 2 bytes a token. */
  gemma = assert_sized_alike (parsers[0], parsers[1], "gemma-3-27b", "@gemma-3-27b-it.json", NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (gemma, "bytes_per_token"), ==, 507904);
  g_assert_cmpint (json_object_get_int_member (gemma, "layers_per_group"), ==, 10);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (gemma, "layer_groups")), ==, 2);
  assert_sized_alike (parsers[2], parsers[3], "gpt-oss-20b", "@gpt-oss-20b.json", NULL, NULL);
  /* DeepSeek-V3's MLA on 8 GPUs: one 576-wide latent a layer, not split. */
  v3 = assert_sized_alike (parsers[4], parsers[5], "deepseek-v3", "@deepseek-v3.json", "8", "30GiB");
  g_assert_cmpint (json_object_get_int_member (v3, "bytes_per_token"), ==, 61 * 576 * 2);

  /* gpt-oss-120b fits one H100 (mxfp4 experts): 18 sliding + 18 full
   * layers, pages of 16 × 8 × 64 × 2 × 2 bytes; 512 blocks of full
   * attention and cdiv (min (127 + 16,384, 8,192), 16) + 1 of sliding a
   * request. */
  run_vllm_args (&oss, "--json", "--model", "gpt-oss-120b", "--gpu", "h100-80gb", "--max-model-len", "8192", NULL);
  g_assert_cmpint (oss.status, ==, 0);
  big = parse_object (parsers[6], oss.out);
  memory = json_object_get_int_member (big, "kv_cache_memory_bytes");
  g_assert_cmpint (json_object_get_int_member (big, "bytes_per_token"), ==, 36 * 2048);
  g_assert_cmpint (json_object_get_int_member (big, "page_size_bytes"), ==, 32768);
  g_assert_cmpint (json_object_get_int_member (big, "layers_per_group"), ==, 18);
  g_assert_cmpint (json_object_get_int_member (big, "num_gpu_blocks"), ==, memory / 32768 / 18);
  g_assert_cmpint (json_object_get_int_member (big, "blocks_per_request"), ==, 512 + 513);
  /* With kvpage's weight estimate (60.69 GiB: the experts in mxfp4, the
   * rest in bf16, as the 65.2 GB checkpoint; it said 57.78 with every
   * weight in mxfp4) and a 2 GiB reserve. */
  g_assert_cmpint (json_object_get_int_member (big, "weights_bytes"), ==, G_GINT64_CONSTANT (65168179200));
  g_assert_cmpint (json_object_get_int_member (big, "num_gpu_blocks"), ==, 18498);
  g_assert_cmpint (json_object_get_int_member (big, "gpu_kv_cache_tokens"), ==, 147839);

  for (guint i = 0; i < G_N_ELEMENTS (parsers); i++)
    g_object_unref (parsers[i]);
}

/* --from-log on real logs of several eras (tests/data/vllm-logs/README.md),
 * and an edited one. */
static void
run_log (Run        *run,
         const char *log,
         const char *model_option,
         const char *model,
         gboolean    json)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "vllm-logs", log, NULL);
  g_autofree char *model_path = g_str_has_suffix (model, ".json")
                                ? g_test_build_filename (G_TEST_DIST, "data", "vllm-logs", model, NULL)
                                : g_strdup (model);

  if (json)
    run_kvpage (run, "--from-log", path, model_option, model_path, "--json", NULL);
  else
    run_kvpage (run, "--from-log", path, model_option, model_path, NULL);
}

static JsonObject *
log_figure (JsonObject *from_log,
            guint       index)
{
  return json_array_get_object_element (json_object_get_array_member (from_log, "figures"), index);
}

static void
test_from_log (void)
{
  static const struct
  {
    const char *log;
    const char *option, *model;
    gboolean agrees;
    guint n_figures;
    const char *first;      /* the first figure's name */
    gint64 logged;          /* its logged value when whole, or -1 */
  } logs[] = {
    { "vllm-10517-llama-3.1-8b-v0.6.log", "--model", "llama-3.1-8b", TRUE, 2, "GPU blocks", 1952 },
    { "vllm-pr12126-profiling-v0.6.log", "--model", "llama-3-8b", TRUE, 2, "Memory vLLM may use (GiB)", -1 },
    { "vllm-pr14447-profiling-v0.8.log", "--model", "llama-3-8b", TRUE, 2, "Memory vLLM may use (GiB)", -1 },
    { "vllm-pr17122-llama-3.1-8b-v1-era1.log", "--model", "llama-3.1-8b", TRUE, 1, "Maximum concurrency", -1 },
    { "lmcache-1739-qwen3-14b-v1.log", "--config", "qwen3-14b.json", TRUE, 2, "GPU KV cache size (tokens)", 42656 },
    { "inconsistent-qwen3-14b-edited.log", "--config", "qwen3-14b.json", FALSE, 2, "GPU KV cache size (tokens)",
      44656 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (logs); i++)
    {
      g_auto(Run) run = { 0 };
      g_auto(Run) text = { 0 };
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *from_log;

      g_test_message ("%s", logs[i].log);
      run_log (&run, logs[i].log, logs[i].option, logs[i].model, TRUE);
      g_assert_cmpint (run.status, ==, 0);
      from_log = json_object_get_object_member (parse_object (parser, run.out), "from_log");
      g_assert_true (json_object_get_boolean_member (from_log, "agrees") == logs[i].agrees);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (from_log, "figures")), ==,
                        logs[i].n_figures);
      g_assert_cmpstr (json_object_get_string_member (log_figure (from_log, 0), "figure"), ==, logs[i].first);
      if (logs[i].logged >= 0)
        g_assert_cmpint (json_object_get_int_member (log_figure (from_log, 0), "logged"), ==, logs[i].logged);
      g_assert_true (json_object_has_member (json_object_get_object_member (from_log, "settings"), "vllm_version"));

      run_log (&text, logs[i].log, logs[i].option, logs[i].model, FALSE);
      g_assert_cmpint (text.status, ==, 0);
      g_assert_nonnull (strstr (text.out, logs[i].agrees ? "agree on every figure" : "disagree on 2 figures"));
    }

  /* The figures of LMCache#1739: 6.51 GiB of Qwen3-14B blocks (2.5 MiB of
   * 16 tokens) are 2,664 to 2,668 blocks: 42,624 to 42,688 tokens. */
  {
    g_auto(Run) run = { 0 };
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *figure;

    run_log (&run, "inconsistent-qwen3-14b-edited.log", "--config", "qwen3-14b.json", TRUE);
    figure = log_figure (json_object_get_object_member (parse_object (parser, run.out), "from_log"), 0);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (figure, "kvpage"), "min"), ==, 42624);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (figure, "kvpage"), "max"), ==, 42688);
    g_assert_false (json_object_get_boolean_member (figure, "agrees"));
    g_assert_nonnull (strstr (json_object_get_string_member (figure, "reason"), "block_size 16"));
  }
}

/* A file with no KV-cache line, a contradicting option, and options that do
 * not go with a log: one line each, exit 2. */
static void
test_from_log_refused (void)
{
  static const struct
  {
    const char *log;
    const char *extra[4];
    const char *says;
  } cases[] = {
    { "trl-3310-engine-line-only.log", { "--model", "llama-3-8b" }, "no line of it speaks of the KV cache" },
    { "vllm-10517-llama-3.1-8b-v0.6.log", { "--model", "llama-3.1-8b", "--max-model-len", "8192" },
      "--max-model-len 8192 disagrees with the log" },
    { "vllm-10517-llama-3.1-8b-v0.6.log", { "--model", "llama-3.1-8b", "--gpu", "h100-80gb" }, "--from-log takes the memory from the log" },
    { "lmcache-1739-qwen3-14b-v1.log", { NULL }, "--from-log needs the model" },
    { "no-such.log", { "--model", "llama-3-8b" }, "--from-log “" },
    /* A folder is no log either. */
    { ".", { "--model", "llama-3-8b" }, "it is a folder" },
    /* Refused before the memory is sized: 6 GiB is too little for the
     * config's own 40,960 tokens, but the log's figures are the question. */
    { "lmcache-1739-qwen3-14b-v1.log", { "--config", "qwen3-14b.json", "--kv-cache-memory", "6GiB" },
      "--from-log takes the memory from the log" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "vllm-logs", cases[i].log, NULL);
      const char *argv[8] = { "--from-log", path };
      guint n = 2;

      g_autofree char *config = g_test_build_filename (G_TEST_DIST, "data", "vllm-logs", "qwen3-14b.json", NULL);

      for (guint j = 0; j < G_N_ELEMENTS (cases[i].extra) && cases[i].extra[j] != NULL; j++)
        argv[n++] = g_str_has_suffix (cases[i].extra[j], ".json") ? config : cases[i].extra[j];
      run_kvpage_in (&run, NULL, argv);
      g_test_message ("%s", run.err);
      /* A log that cannot be read is bad input too, as --config's file. */
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_nonnull (strstr (run.err, cases[i].says));
      /* One line. */
      g_assert_true (strchr (run.err, '\n') == run.err + strlen (run.err) - 1);
    }
}

/* The window takes a config and every GPU option it has a control for
 * (the memories too), not the batch options: those say so rather than
 * being ignored. */
static void
test_vllm_window_refused (void)
{
  g_auto(Run) sizes = { 0 };
  g_auto(Run) batch = { 0 };
  g_auto(Run) config = { 0 };

  run_vllm_args (&batch, "--gpu", "h100-80gb", "--max-num-batched-tokens", "4096", NULL);
  g_assert_cmpint (batch.status, ==, 2);
  g_assert_nonnull (strstr (batch.err, "--max-num-batched-tokens"));
  g_assert_nonnull (strstr (batch.err, "--vllm-log"));

  /* Accepted for the window's KV cache memory; no display to open it on. */
  run_vllm_args (&sizes, "--config", "@llama-3-8b.json", "--kv-cache-memory", "2GiB", NULL);
  g_assert_cmpint (sizes.status, ==, 1);
  g_assert_nonnull (strstr (sizes.err, "--export"));

  /* Accepted for the window; here there is no display to open it on. */
  run_vllm_args (&config, "--config", "@llama-3-8b.json", "--gpu", "h100-80gb", "--tensor-parallel-size", "2", NULL);
  g_assert_cmpint (config.status, ==, 1);
  g_assert_nonnull (strstr (config.err, "--export"));
}

static const struct
{
  const char *args[9];
  const char *says[4];
} vllm_bad_cases[] = {
  { { "--config", "@llama-3-8b.json", "--model", "opt-13b" }, { "--config", "--model" } },
  { { "--config", "@no-such.json" }, { "--config “", "no-such.json”: cannot read it: " } },
  { { "--config", "@" }, { "folder" } },
  { { "--config", "@qwen3-next-80b.json" }, { "qwen3-next-80b.json", "linear_attention" } },
  { { "--config", "@jamba-v0.1.json" }, { "jamba-v0.1.json", "mamba" } },
  { { "--gpu", "v100" }, { "v100", "--list-gpus" } },
  { { "--gpu", "h100-80gb", "--gpu-memory", "80GB" }, { "--gpu", "--gpu-memory" } },
  { { "--gpu-memory", "12 parsecs" }, { "--gpu-memory", "12 parsecs" } },
  { { "--gpu-memory", "0" }, { "--gpu-memory" } },
  { { "--config", "@llama-3-8b.json", "--gpu", "h100-80gb", "--gpu-memory-utilization", "1.5" }, { "--gpu-memory-utilization", "1.5" } },
  { { "--config", "@llama-3-8b.json", "--gpu", "h100-80gb", "--gpu-memory-utilization", "0" }, { "--gpu-memory-utilization" } },
  { { "--config", "@llama-3-8b.json", "--gpu", "h100-80gb", "--gpu-memory-utilization", "abc" }, { "--gpu-memory-utilization", "abc" } },
  { { "--gpu-memory-utilization", "0.9" }, { "--gpu-memory-utilization", "--gpu" } },
  { { "--config", "@llama-3-8b.json", "--gpu", "h100-80gb", "--gpu-memory-utilization", " 0.9" }, { "--gpu-memory-utilization “ 0.9”" } },
  { { "--config", "@llama-3-8b.json", "--gpu", "h100-80gb", "--gpu-memory-utilization", "0x1p-1" }, { "--gpu-memory-utilization “0x1p-1”" } },
  { { "--weights-memory", "10GiB" }, { "--weights-memory", "--gpu" } },
  { { "--activation-memory", "1GiB" }, { "--activation-memory", "--gpu" } },
  { { "--gpu", "h100-80gb", "--model", "llama-3-8b", "--weights-memory", "0.3B" }, { "--weights-memory", "rounds down to zero" } },
  { { "--kv-cache-memory", "0" }, { "--kv-cache-memory" } },
  { { "--kv-cache-memory", "-3GiB" }, { "--kv-cache-memory", "-3GiB" } },
  { { "--kv-cache-memory", "99999999999999999999" }, { "--kv-cache-memory" } },
  { { "--kv-cache-memory", "20000000TiB" }, { "--kv-cache-memory", "64 bits" } },
  { { "--kv-cache-memory", "1GiB", "--gpu", "h100-80gb", "--gpu-memory-utilization", "0.5" }, { "--kv-cache-memory", "--gpu-memory-utilization" } },
  { { "--tensor-parallel-size", "0" }, { "--tensor-parallel-size", "1 to 1,024" } },
  { { "--tensor-parallel-size", "two" }, { "--tensor-parallel-size", "two" } },
  { { "--tensor-parallel-size", "3", "--model", "llama-3-8b" }, { "--tensor-parallel-size 3", "32" } },
  /* 28 heads split over 7 GPUs, but 7 GPUs cannot share 4 KV heads evenly:
   * vLLM's attention layers assert tp_size % total_num_kv_heads == 0. */
  { { "--tensor-parallel-size", "7", "--model", "qwen2.5-7b", "--json" }, { "--tensor-parallel-size 7", "4 KV heads" } },
  { { "--max-num-batched-tokens", "0" }, { "--max-num-batched-tokens" } },
  { { "--max-num-batched-tokens", "4096" }, { "--max-num-batched-tokens", "--gpu KEY", "--kv-cache-memory" } },
  { { "--config", "@llama-3-8b.json", "--max-num-batched-tokens", "4096" }, { "--max-num-batched-tokens", "--gpu-memory" } },
  { { "--model", "llama-3-8b", "--kv-cache-memory", "1GiB", "--blocks", "10" }, { "--blocks", "--kv-cache-memory" } },
  { { "--model", "llama-3-8b", "--gpu", "h100-80gb", "--weights-memory", "1GiB", "--blocks", "10" }, { "--blocks", "--gpu" } },
  { { "--max-model-len", "4096", "--max-seq-len", "4096" }, { "--max-model-len", "--max-seq-len" } },
  { { "--max-model-len", "0" }, { "--max-model-len" } },
  /* vLLM's _get_and_verify_max_len: Qwen3-32B states 40,960 tokens. */
  { { "--json", "--config", "@qwen3-32b.json", "--max-model-len", "65536" }, { "--max-model-len 65536", "40,960 tokens", "max_position_embeddings", "--allow-long-max-model-len" } },
  { { "--json", "--config", "@qwen3-32b.json", "--max-seq-len", "40961" }, { "40,960 tokens", "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1" } },
  /* A preset whose pool vLLM sizes: Llama 3 8B's 8,192. */
  { { "--json", "--model", "llama-3-8b", "--gpu", "h100-80gb", "--max-model-len", "8193" }, { "8,192 tokens" } },
  /* Nothing to let through without a length; the model it goes with is a
   * config, given as a file or a shipped --model. */
  { { "--json", "--model", "qwen3-8b", "--allow-long-max-model-len" }, { "--allow-long-max-model-len", "goes with --max-model-len" } },
  { { "--json", "--allow-long-max-model-len", "--max-model-len", "4096" }, { "--allow-long-max-model-len", "--config FILE", "a --model that --list-models shows" } },
  { { "--vllm-log", "--kv-cache-memory", "1GiB" }, { "--vllm-log", "--json" } },
  { { "--config", "@llama-3-8b.json", "--kv-cache-memory", "512MiB" }, { "(8,192 tokens)", "4,080 tokens (--max-model-len 4080)", "null block" } },
  { { "--model", "llama-3-8b", "--gpu", "a100-40gb", "--weights-memory", "40GiB" }, { "No memory is left", "all of the 36.42 GiB vLLM requests" } },
  { { "--model", "llama-3-8b", "--gpu", "l4", "--gpu-memory-utilization", "0.1" }, { "No memory is left", "all of the 2.25 GiB vLLM" } },
  { { "--model", "llama-3-8b", "--gpu", "l4", "--gpu-memory-utilization", "1e-300" }, { "No memory is left", "all of the 1 B vLLM" } },
  { { "--model", "llama-3-8b", "--gpu-memory", "18446744073709551615", "--gpu-memory-utilization", "1" }, { "The requested GPU memory does not fit in 64 bits." } },
  { { "--gpu-memory", "0" }, { "--gpu-memory “0” is not valid: it must be more than zero." } },
  { { "--gpu-memory", "0.5B" }, { "--gpu-memory “0.5B” is not valid: it rounds down to zero bytes." } },
  { { "--gpu", "h100-80gb", "--model", "llama-3-8b", "--activation-memory", "-1GiB" }, { "--activation-memory “-1GiB” is not valid: write a number" } },
  { { "--no-async-scheduling" }, { "--no-async-scheduling goes with vLLM’s sizing" } },
  { { "--model", "tinyllama-1.1b", "--kv-cache-memory", "400GiB", "--block-size", "1" }, { "--block-size" } },
  /* A hybrid model runs in vLLM's groups, which need vLLM's sizing. */
  { { "--simulate", "--config", "@gemma-3-27b-it.json", "--blocks", "1000" }, { "gemma-3-27b-it", "--kv-cache-memory" } },
  { { "--simulate", "--blocks", "100", "--kv-cache-memory", "1GiB" }, { "--blocks", "--kv-cache-memory" } },
  { { "--simulate", "--config", "@llama-3-8b.json", "--gpu", "a100-80gb", "--blocks", "100" }, { "--blocks", "--gpu" } },
  /* 16 GiB holds exactly one request of 131,072 tokens, but not beside the
   * null block, which vLLM's start-up check keeps aside (PR #47272). */
  { { "--simulate", "--config", "@llama-3.1-8b.json", "--kv-cache-memory", "16GiB", "--requests", "10" }, { "(131,072 tokens)", "null block", "131,056 tokens (--max-model-len 131056)" } },
};

/* A config.json that states no context loads, and one whose context is past
 * kvpage's limit is read: without a length given, the refusal names the
 * file, the key the number comes from and the option to give; with one
 * (either name) the config serves. */
static void
test_config_context (void)
{
  static const struct
  {
    const char *json;
    const char *says[2];
  } cases[] = {
    { "{\"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"hidden_size\": 512}",
      { "“max_position_embeddings” is missing" } },
    { "{\"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"hidden_size\": 512, "
      "\"max_position_embeddings\": 30000000, \"n_positions\": 20000000}",
      { "“n_positions” is 20,000,000 tokens", "limit of 16,777,216" } },
  };
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_auto(Run) refused = { 0 };
      g_auto(Run) given = { 0 };
      g_auto(Run) vllm_name = { 0 };

      g_assert_true (g_file_set_contents (path, cases[i].json, -1, NULL));

      run_kvpage (&refused, "--json", "--config", path, NULL);
      g_test_message ("stderr: %s", refused.err);
      g_assert_cmpint (refused.status, ==, 2);
      g_assert_cmpstr (refused.out, ==, "");
      assert_one_clean_line (refused.err);
      g_assert_nonnull (strstr (refused.err, path));
      g_assert_nonnull (strstr (refused.err, "give --max-seq-len"));
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].says) && cases[i].says[j] != NULL; j++)
        g_assert_nonnull (strstr (refused.err, cases[i].says[j]));

      run_kvpage (&given, "--json", "--config", path, "--max-seq-len", "16777216", NULL);
      g_assert_cmpint (given.status, ==, 0);
      g_assert_cmpstr (given.err, ==, "");
      g_assert_cmpint (json_object_get_int_member (parse_object (parser, given.out), "max_seq_len"), ==, 16777216);

      run_kvpage (&vllm_name, "--json", "--config", path, "--max-model-len", "1000", "--kv-cache-memory", "1GiB", NULL);
      g_assert_cmpint (vllm_name.status, ==, 0);
      g_assert_cmpint (json_object_get_int_member (parse_object (parser, vllm_name.out), "max_seq_len"), ==, 1000);
    }

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_vllm_bad_input (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  const char *const *a = vllm_bad_cases[i].args;
  g_auto(Run) run = { 0 };
  const char *newline;

  run_vllm_args (&run, "--json", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], NULL);

  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  newline = strchr (run.err, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  for (guint j = 0; j < G_N_ELEMENTS (vllm_bad_cases[i].says) && vllm_bad_cases[i].says[j] != NULL; j++)
    g_assert_nonnull (strstr (run.err, vllm_bad_cases[i].says[j]));
}

/* Files an output must not replace: each case names the file written and
 * the input it is (a link, a hard link, or the file itself); the refusal is
 * one line, exit 2, and every file stays as it was. */
static void
test_output_is_input (void)
{
  static const char *workload = "prompt_len,output_len\n10,5\n20,6\n";
  static const struct
  {
    const char *args[10];
    const char *says;
  } cases[] = {
    { { "--simulate", "--workload", "w.csv", "--csv", "w.csv" }, "“w.csv” is the same file as the input “w.csv”" },
    { { "--simulate", "--workload", "w.csv", "--csv", "link.csv" }, "“link.csv” is the same file as the input “w.csv”" },
    { { "--simulate", "--workload", "hard.csv", "--csv", "w.csv" }, "“w.csv” is the same file as the input “hard.csv”" },
    { { "--simulate", "--config", "c.json", "--workload", "fixed:4,4", "--requests", "3", "--csv", "c.json" }, "“c.json”" },
    { { "--export", "w.svg", "--view", "serving", "--workload", "w.svg" }, "“w.svg” is the same file as the input “w.svg”" },
    { { "--export", "w.svg", "--view", "capacity", "--workload", "w.svg", "--request-rate", "1,2" },
      "“w.svg” is the same file as the input “w.svg”" },
    { { "--config", "c.pdf", "--export", "c.pdf" }, "“c.pdf” is the same file as the input “c.pdf”" },
  };
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *config = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  static const char *files[] = { "w.csv", "hard.csv", "c.json", "w.svg", "c.pdf" };
  gsize config_length;

  g_assert_true (g_file_get_contents (g_test_get_filename (G_TEST_DIST, "configs", "llama-3-8b.json", NULL),
                                      &config, &config_length, NULL));
  g_assert_cmpint (g_chdir (dir), ==, 0);
  g_assert_true (g_file_set_contents ("w.csv", workload, -1, NULL));
  g_assert_true (g_file_set_contents ("w.svg", workload, -1, NULL));
  g_assert_true (g_file_set_contents ("c.json", config, config_length, NULL));
  g_assert_true (g_file_set_contents ("c.pdf", config, config_length, NULL));
  g_assert_cmpint (symlink ("w.csv", "link.csv"), ==, 0);
  g_assert_cmpint (link ("w.csv", "hard.csv"), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      run_kvpage_in (&run, NULL, cases[i].args);
      g_test_message ("stderr: %s", run.err);
      g_assert_cmpint (run.status, ==, 2);
      assert_one_clean_line (run.err);
      g_assert_nonnull (strstr (run.err, cases[i].says));
      for (guint f = 0; f < G_N_ELEMENTS (files); f++)
        {
          g_autofree char *now = NULL;

          g_assert_true (g_file_get_contents (files[f], &now, NULL, NULL));
          g_assert_cmpstr (now, ==, g_str_has_prefix (files[f], "c.") ? config : workload);
        }
    }

  /* Another file is written as before. */
  {
    g_auto(Run) run = { 0 };

    run_kvpage (&run, "--simulate", "--workload", "w.csv", "--csv", "out.csv", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_file_test ("out.csv", G_FILE_TEST_IS_REGULAR));
  }

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    g_unlink (files[f]);
  g_unlink ("link.csv");
  g_unlink ("out.csv");
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_rmdir (dir);
}

/* Runs kvpage under coreutils' timeout: a hang or a run that never stops
 * reading is killed, and fails the status the test expects. */
static void
run_bounded (Run                *run,
             const char         *shell_command,
             const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_environ_unsetenv (g_get_environ (), "DISPLAY");
  int wait_status;

  g_ptr_array_add (argv, (char *) "timeout");
  g_ptr_array_add (argv, (char *) "-s");
  g_ptr_array_add (argv, (char *) "KILL");
  g_ptr_array_add (argv, (char *) "20");
  if (shell_command != NULL)
    {
      g_ptr_array_add (argv, (char *) "sh");
      g_ptr_array_add (argv, (char *) "-c");
      g_ptr_array_add (argv, (char *) shell_command);
    }
  else
    {
      g_ptr_array_add (argv, (char *) g_getenv ("KVPAGE"));
      for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add (argv, (char *) args[i]);
    }
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

typedef struct
{
  const char *path;
  char       *text;
} FifoWriter;

static gpointer
write_fifo (gpointer data)
{
  FifoWriter *w = data;
  int fd = open (w->path, O_WRONLY);

  if (fd >= 0)
    {
      gssize written = write (fd, w->text, strlen (w->text));

      g_assert_cmpint (written, ==, (gssize) strlen (w->text));
      close (fd);
    }
  return NULL;
}

/* --config FIFO: read through one open, so a writer that finishes at once is
 * never lost (it hung about half the time); devices and streams stop at the
 * cap and say so. */
static void
test_streams (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvp-cli-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "config.json", NULL);
  FifoWriter w = { fifo, NULL };

  g_assert_true (g_file_get_contents (g_test_get_filename (G_TEST_DIST, "configs", "llama-3-8b.json", NULL),
                                      &w.text, NULL, NULL));
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  for (guint i = 0; i < 10; i++)
    {
      g_auto(Run) run = { 0 };
      GThread *writer = g_thread_new ("fifo-writer", write_fifo, &w);

      run_bounded (&run, NULL, (const char *[]) { "--json", "--config", fifo, NULL });
      if (run.status != 0)
        {
          /* Killed before it opened the FIFO: let the writer go. */
          int fd = open (fifo, O_RDONLY | O_NONBLOCK);

          g_usleep (100000);
          if (fd >= 0)
            close (fd);
        }
      g_thread_join (writer);
      g_test_message ("run %u: status %d, stderr: %s", i, run.status, run.err);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "\"bytes_per_token\" : 131072"));
    }
  g_free (w.text);
  g_unlink (fifo);
  g_rmdir (dir);

  if (g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      g_auto(Run) config = { 0 };
      g_auto(Run) workload = { 0 };

      run_bounded (&config, NULL, (const char *[]) { "--json", "--config", "/dev/zero", NULL });
      g_assert_cmpint (config.status, ==, 2);
      assert_one_clean_line (config.err);
      g_assert_nonnull (strstr (config.err, "/dev/zero: is larger than 16 MiB"));
      g_assert_nonnull (strstr (config.err, "stopped reading"));

      run_bounded (&workload, NULL, (const char *[]) { "--simulate", "--workload", "/dev/zero", NULL });
      g_assert_cmpint (workload.status, ==, 2);
      assert_one_clean_line (workload.err);
      g_assert_nonnull (strstr (workload.err, "“/dev/zero”"));
    }

  {
    g_auto(Run) run = { 0 };

    run_bounded (&run, "yes | exec \"$KVPAGE\" --json --config /dev/stdin", NULL);
    g_assert_cmpint (run.status, ==, 2);
    assert_one_clean_line (run.err);
    g_assert_nonnull (strstr (run.err, "/dev/stdin: is larger than 16 MiB"));
  }
}

/* Every rule of the tables is enforced: its first option given alone (with
 * what it excludes, when it excludes) is refused, naming that option. */
static void
test_option_rules (void)
{
  for (KvpOptionRuleSet set = KVP_OPTION_RULES_VALUES; set <= KVP_OPTION_RULES_ACTIONS; set++)
    {
      const KvpOptionRule *rules;
      guint n_rules;

      rules = kvp_option_rules_get (set, &n_rules);
      g_assert_cmpuint (n_rules, >, 5);
      for (guint i = 0; i < n_rules; i++)
        {
          g_auto(GStrv) given = g_strsplit (rules[i].given, " ", -1);
          g_autoptr(GVariantDict) broken = g_variant_dict_new (NULL);
          g_autoptr(GError) error = NULL;

          g_variant_dict_insert (broken, given[0], "s", "1");
          if (rules[i].excludes != NULL)
            {
              g_auto(GStrv) excluded = g_strsplit (rules[i].excludes, " ", -1);

              g_variant_dict_insert (broken, excluded[0], "s", "1");
            }
          g_assert_false (kvp_option_rules_check (broken, set, &error));
          g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, given[0]));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain ("kvpage", g_getenv ("KVPAGE_LOCALEDIR"));
  bind_textdomain_codeset ("kvpage", "UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/option-rules", test_option_rules);
  g_test_add_func ("/cli/json/default", test_json_default);
  g_test_add_func ("/cli/json/reservation-1024", test_json_reservation_1024);
  g_test_add_func ("/cli/json/values", test_json_values);
  g_test_add_func ("/cli/json/null-block", test_json_null_block);
  g_test_add_func ("/cli/json/samples", test_json_samples);
  g_test_add_func ("/cli/json/shortest-numbers", test_json_shortest_numbers);
  g_test_add_func ("/cli/export/samples", test_export_samples);
  g_test_add_func ("/cli/json/samples-hybrid", test_samples_hybrid_refused);
  g_test_add_func ("/cli/json/short-reservation", test_short_reservation_shrinks_default);
  g_test_add_func ("/cli/list-models", test_list_models);
  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/no-display", test_no_display);
  g_test_add_func ("/cli/refusal-opens-window", test_refusal_opens_window);
  g_test_add_func ("/cli/stdout-errors", test_stdout_errors);
  g_test_add_func ("/cli/export-name-quoted", test_export_name_quoted);
  g_test_add_func ("/cli/simulate-quoted", test_simulate_quoted);
  g_test_add_data_func ("/cli/translated/de", "de", test_translated);
  g_test_add_data_func ("/cli/translated/zh_CN", "zh_CN", test_translated);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/bad-input/%u", i);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_bad_input);
    }

  g_test_add_func ("/cli/grouped-messages", test_grouped_messages);
  g_test_add_func ("/cli/simulate/json", test_simulate_json);
  g_test_add_func ("/cli/simulate/table", test_simulate_table);
  g_test_add_func ("/cli/simulate/grouping", test_simulate_grouping);
  g_test_add_func ("/cli/simulate/csv", test_simulate_csv);
  g_test_add_func ("/cli/simulate/between-turns", test_simulate_between_turns);
  g_test_add_func ("/cli/simulate/sweep-file-arrivals", test_sweep_file_arrivals);
  g_test_add_func ("/cli/simulate/scheduler-options", test_simulate_scheduler_options);
  g_test_add_func ("/cli/simulate/file-arrivals", test_simulate_file_arrivals);
  g_test_add_func ("/cli/simulate/roofline", test_simulate_roofline);
  g_test_add_func ("/cli/simulate/sweep", test_simulate_sweep);
  g_test_add_func ("/cli/simulate/sweep-lower-bound", test_simulate_sweep_lower_bound);
  g_test_add_func ("/cli/simulate/million", test_simulate_million);
  g_test_add_func ("/cli/simulate/export-serving-budget", test_export_serving_budget);
  g_test_add_func ("/cli/simulate/export-capacity", test_export_capacity);
  g_test_add_func ("/cli/simulate/bad-file", test_simulate_bad_file);
  g_test_add_func ("/cli/simulate/trace", test_simulate_trace);
  g_test_add_func ("/cli/simulate/bad-trace", test_simulate_bad_trace);
  g_test_add_func ("/cli/output-is-input", test_output_is_input);
  g_test_add_func ("/cli/streams", test_streams);
  g_test_add_func ("/cli/export/serving", test_export_serving);
  g_test_add_func ("/cli/simulate/vllm-pool", test_simulate_vllm_pool);
  g_test_add_func ("/cli/simulate/long-context", test_simulate_long_context);
  for (guint i = 0; i < G_N_ELEMENTS (simulate_bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/simulate/bad-input/%u", i);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_simulate_bad_input);
    }

  g_test_add_func ("/cli/vllm/log", test_vllm_log);
  g_test_add_func ("/cli/vllm/hybrid-figures", test_vllm_hybrid_figures);
  g_test_add_func ("/cli/vllm/hybrid-short-sequence", test_vllm_hybrid_short_sequence);
  g_test_add_func ("/cli/vllm/hybrid-traditional-capacity", test_vllm_hybrid_traditional_capacity);
  g_test_add_func ("/cli/vllm/sliding-only-figures", test_vllm_sliding_only_figures);
  g_test_add_func ("/cli/vllm/shipped-models", test_shipped_models);
  g_test_add_func ("/cli/vllm/shipped-shapes", test_shipped_shapes);
  g_test_add_func ("/cli/vllm/from-log", test_from_log);
  g_test_add_func ("/cli/vllm/from-log-refused", test_from_log_refused);
  g_test_add_func ("/cli/vllm/gpu-json", test_vllm_gpu_json);
  g_test_add_func ("/cli/vllm/mla-block-size", test_vllm_mla_block_size);
  g_test_add_func ("/cli/vllm/activation-zero", test_vllm_activation_zero);
  g_test_add_func ("/cli/vllm/options", test_vllm_options);
  g_test_add_func ("/cli/vllm/window-refused", test_vllm_window_refused);
  g_test_add_func ("/cli/vllm/config-context", test_config_context);
  g_test_add_func ("/cli/simulate/sharing", test_simulate_sharing);
  g_test_add_func ("/cli/simulate/hybrid", test_simulate_hybrid);
  for (guint i = 0; i < G_N_ELEMENTS (vllm_bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/vllm/bad-input/%u", i);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_vllm_bad_input);
    }

  return g_test_run ();
}
