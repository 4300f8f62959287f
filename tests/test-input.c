/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-input.c: the reader every file a person names goes through — one
 * open, a cap whatever the file is, lines, the files it read — and the strict
 * JSON check in front of json-glib. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kvp-error.h"
#include "kvp-input.h"

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("kvpage-input-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

typedef struct
{
  const char *path;
  const char *text;
} Writer;

/* Opens the FIFO, writes and closes at once: a reader that opened it a
 * second time would wait for a writer that never comes. */
static gpointer
write_fifo (gpointer data)
{
  Writer *w = data;
  int fd = open (w->path, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, w->text, strlen (w->text)), ==, (gssize) strlen (w->text));
  close (fd);
  return NULL;
}

static void
test_fifo_one_open (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  Writer w = { fifo, "{\"a\": 1}\n" };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GError) error = NULL;
      GThread *thread = g_thread_new ("fifo-writer", write_fifo, &w);
      g_autofree char *data = NULL;
      gsize length = 0;

      data = kvp_input_read_file (fifo, 1024, &length, &error);
      g_thread_join (thread);
      g_assert_no_error (error);
      g_assert_cmpstr (data, ==, w.text);
      g_assert_cmpuint (length, ==, strlen (w.text));
    }

  g_remove (fifo);
  g_rmdir (dir);
}

/* The cap holds for a regular file (refused before reading), a device and a
 * pipe (refused at the first byte past it). */
static void
test_cap (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *exact = g_build_filename (dir, "exact", NULL);
  g_autofree char *over = g_build_filename (dir, "over", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  int fds[2];

  g_assert_true (g_file_set_contents (exact, "0123456789", 10, NULL));
  g_assert_true (g_file_set_contents (over, "0123456789A", 11, NULL));
  data = kvp_input_read_file (exact, 10, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 10);
  g_assert_null (kvp_input_read_file (over, 10, NULL, &error));
  g_assert_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "more than 10 B"));
  g_clear_error (&error);

  if (g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      g_assert_null (kvp_input_read_file ("/dev/zero", 1024 * 1024, NULL, &error));
      g_assert_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "1 MiB"));
      g_clear_error (&error);
    }

  /* A pipe that holds one byte more than the cap, read as /dev/fd/N. */
  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_cmpint (write (fds[1], "0123456789A", 11), ==, 11);
  close (fds[1]);
  {
    g_autofree char *name = g_strdup_printf ("/dev/fd/%d", fds[0]);

    g_assert_null (kvp_input_read_file (name, 10, NULL, &error));
    g_assert_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_TOO_LARGE);
    g_clear_error (&error);
  }
  close (fds[0]);

  g_assert_null (kvp_input_read_file (dir, 10, NULL, &error));
  g_assert_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_IS_FOLDER);
  g_clear_error (&error);
  g_assert_null (kvp_input_read_file (over + 1, 10, NULL, &error));
  g_assert_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_NOT_FOUND);

  g_remove (exact);
  g_remove (over);
  g_rmdir (dir);
}

/* The head of a file that runs on (a server's log): the first max_bytes,
 * and whether more followed, from a regular file, a device or a pipe. */
static void
test_head (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "log", NULL);
  const char *names[] = { path, path, "/dev/zero" };
  const guint64 caps[] = { 10, 11, 1024 * 1024 };

  g_assert_true (g_file_set_contents (path, "0123456789A", 11, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpInput) input = NULL;
      g_autofree char *data = NULL;
      gsize length = 0;

      if (!g_file_test (names[i], G_FILE_TEST_EXISTS))
        continue;
      input = kvp_input_open_head (names[i], caps[i], &error);
      g_assert_no_error (error);
      data = kvp_input_read_all (input, &length, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (length, ==, caps[i]);
      g_assert_cmpint (kvp_input_get_truncated (input), ==, i != 1);
      if (i < 2)
        g_assert_cmpmem (data, length, "0123456789A", caps[i]);
    }

  g_remove (path);
  g_rmdir (dir);
}

/* Lines come whole across reads of any size, the last one without its
 * newline too, with their numbers; a line past max_line is refused. */
static void
test_lines (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "lines", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpInput) input = NULL;
  char *line;
  gsize length;
  guint n = 0;

  for (guint i = 0; i < 50000; i++)
    g_string_append_printf (text, "%u%s\n", i, i % 7 == 0 ? "" : "-xxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (text, "last");
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));

  input = kvp_input_open (path, text->len, &error);
  g_assert_no_error (error);
  while (kvp_input_read_line (input, &line, &length, &error))
    {
      if (n < 50000)
        g_assert_cmpuint (g_ascii_strtoull (line, NULL, 10), ==, n);
      else
        g_assert_cmpstr (line, ==, "last");
      g_assert_cmpuint (strlen (line), ==, length);
      n++;
      g_assert_cmpuint (kvp_input_get_line_number (input), ==, n);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 50001);
  g_clear_pointer (&input, kvp_input_free);

  input = kvp_input_open (path, text->len, &error);
  kvp_input_set_max_line (input, 8);
  g_assert_true (kvp_input_read_line (input, &line, &length, &error));
  g_assert_cmpstr (line, ==, "0");
  g_assert_false (kvp_input_read_line (input, &line, &length, &error));
  g_assert_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_LINE_TOO_LONG);
  g_assert_nonnull (strstr (error->message, "line 2 "));
  g_clear_error (&error);
  g_clear_pointer (&input, kvp_input_free);

  /* The rest after a line, read whole: bytes, NULs and all. */
  g_assert_true (g_file_set_contents (path, "head\nA\0B\n", 9, NULL));
  input = kvp_input_open (path, 64, &error);
  g_assert_true (kvp_input_read_line (input, &line, &length, &error));
  g_assert_cmpstr (line, ==, "head");
  {
    g_autofree char *rest = kvp_input_read_all (input, &length, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (length, ==, 4);
    g_assert_cmpmem (rest, 5, "A\0B\n", 5);
  }

  g_remove (path);
  g_rmdir (dir);
}

/* A regular file read is known by its device and inode, through any link,
 * while its name still leads to it. */
static void
test_lookup_read (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "in.csv", NULL);
  g_autofree char *hard = g_build_filename (dir, "hard.csv", NULL);
  g_autofree char *other = g_build_filename (dir, "other.csv", NULL);
  g_autofree char *found = NULL;
  g_autofree char *data = NULL;
  GStatBuf st;

  g_assert_true (g_file_set_contents (path, "x\n", -1, NULL));
  g_assert_cmpint (link (path, hard), ==, 0);
  g_assert_cmpint (g_stat (hard, &st), ==, 0);
  g_assert_null (kvp_input_lookup_read (st.st_dev, st.st_ino));

  data = kvp_input_read_file (path, 16, NULL, NULL);
  g_assert_cmpstr (data, ==, "x\n");
  found = kvp_input_lookup_read (st.st_dev, st.st_ino);
  g_assert_cmpstr (found, ==, path);

  /* Read by a relative name, found from any folder. */
  {
    g_autofree char *cwd = g_get_current_dir ();
    g_autofree char *relative = NULL;

    g_assert_cmpint (g_chdir (dir), ==, 0);
    g_free (data);
    data = kvp_input_read_file ("hard.csv", 16, NULL, NULL);
    g_assert_cmpint (g_chdir (cwd), ==, 0);
    g_remove (path);
    relative = kvp_input_lookup_read (st.st_dev, st.st_ino);
    g_assert_cmpstr (relative, ==, "hard.csv");
    g_assert_cmpint (link (hard, path), ==, 0);
  }

  /* Gone under the names it was read by: a new file may take the inode. */
  g_remove (path);
  g_remove (hard);
  g_assert_true (g_file_set_contents (other, "y\n", -1, NULL));
  g_assert_cmpint (g_stat (other, &st), ==, 0);
  g_assert_null (kvp_input_lookup_read (st.st_dev, st.st_ino));

  g_remove (other);
  g_rmdir (dir);
}

static const struct
{
  const char *json;
  KvpInputJsonUnit unit;
  guint line;
  const char *says;   /* NULL: accepted */
} json_cases[] = {
  { "{}", KVP_INPUT_JSON_FILE, 1, NULL },
  { " [1, -2.5e-3, 0, -0, 1E+2, \"\", \"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\", true, false, null, {\"a\": {}}] ",
    KVP_INPUT_JSON_FILE, 1, NULL },
  { "\"just a string\"", KVP_INPUT_JSON_FILE, 1, NULL },
  { "9223372036854775807", KVP_INPUT_JSON_FILE, 1, NULL },
  { "-9223372036854775808", KVP_INPUT_JSON_FILE, 1, NULL },
  { "1e308", KVP_INPUT_JSON_FILE, 1, NULL },
  { "", KVP_INPUT_JSON_FILE, 1, "is empty" },
  { "\n\n  ", KVP_INPUT_JSON_FILE, 3, "is empty" },
  { "{\n\"a\": 1\n}\n[]", KVP_INPUT_JSON_FILE, 4, "the file must hold one value only" },
  { "{\"a\": 1} {\"b\": 2}", KVP_INPUT_JSON_LINE, 1, "one value per line" },
  { "{\n  /* x */ \"a\": 1}", KVP_INPUT_JSON_FILE, 2, "a comment" },
  { "{\"a\": 1} // x", KVP_INPUT_JSON_FILE, 1, "a comment" },
  { "{'a': 1}", KVP_INPUT_JSON_FILE, 1, "single quotes" },
  { "{a: 1}", KVP_INPUT_JSON_FILE, 1, "“a” where JSON needs a key in \"…\"" },
  { "{\"a\" 1}", KVP_INPUT_JSON_FILE, 1, "“1” where JSON needs “:”" },
  { "{\"a\": 1 \"b\": 2}", KVP_INPUT_JSON_FILE, 1, "“,” or “}”" },
  { "[1 2]", KVP_INPUT_JSON_FILE, 1, "“,” or “]”" },
  { "[1,]", KVP_INPUT_JSON_FILE, 1, "comma before “]”" },
  { "[1,\n\n", KVP_INPUT_JSON_FILE, 3, "ends before it is complete" },
  { "[\"abc", KVP_INPUT_JSON_FILE, 1, "ends inside a string" },
  { "[\"a\nb\"]", KVP_INPUT_JSON_FILE, 1, "control character (\\x0A)" },
  { "[\"\\x41\"]", KVP_INPUT_JSON_FILE, 1, "“\\x” is not an escape" },
  { "[\"\\u12\"]", KVP_INPUT_JSON_FILE, 1, "is not an escape" },
  { "[\"\\udc00\"]", KVP_INPUT_JSON_FILE, 1, "unpaired surrogate escape (\\uDC00)" },
  { "[\"\\ud800\\u0041\"]", KVP_INPUT_JSON_FILE, 1, "unpaired surrogate escape (\\uD800)" },
  { "[\"\\u0000\"]", KVP_INPUT_JSON_FILE, 1, "\\u0000 escape" },
  { "[\"\xc3\"]", KVP_INPUT_JSON_FILE, 1, "not UTF-8 (\\xC3)" },
  { "[\"\xed\xa0\x80\"]", KVP_INPUT_JSON_FILE, 1, "not UTF-8 (\\xED)" },
  { "[1]\n\xef\xbb\xbf", KVP_INPUT_JSON_FILE, 2, "“\\uFEFF” after the JSON value" },
  { "[01]", KVP_INPUT_JSON_FILE, 1, "“01” is not a number" },
  { "[0x1F]", KVP_INPUT_JSON_FILE, 1, "“0x1F” is not a number" },
  { "[1.]", KVP_INPUT_JSON_FILE, 1, "“1.” is not a number" },
  { "[1e]", KVP_INPUT_JSON_FILE, 1, "“1e” is not a number" },
  { "[-]", KVP_INPUT_JSON_FILE, 1, "“-” is not a number" },
  { "[+1]", KVP_INPUT_JSON_FILE, 1, "“+1” where JSON needs a value" },
  { "[-Infinity]", KVP_INPUT_JSON_FILE, 1, "“-Infinity” is not a number" },
  { "[Infinity]", KVP_INPUT_JSON_FILE, 1, "“Infinity” where JSON needs a value" },
  { "[True]", KVP_INPUT_JSON_FILE, 1, "“True” where JSON needs a value" },
  { "[nullx]", KVP_INPUT_JSON_FILE, 1, "“nullx”" },
  { "{\"n\": 9223372036854775808}", KVP_INPUT_JSON_FILE, 1, "key “n”: the number 9223372036854775808 is too large" },
  { "[-9223372036854775809]", KVP_INPUT_JSON_FILE, 1, "the number -9223372036854775809 is too large" },
  { "[2e308]", KVP_INPUT_JSON_FILE, 1, "the number 2e308 is too large" },
};

static void
test_json (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (json_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint line = 0;
      gboolean ok = kvp_input_check_json (json_cases[i].json, strlen (json_cases[i].json), json_cases[i].unit,
                                          KVP_INPUT_JSON_MAX_DEPTH, &line, &error);

      g_test_message ("case %u: %s", i, error != NULL ? error->message : "accepted");
      if (json_cases[i].says == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, json_cases[i].says));
      g_assert_null (strchr (error->message, '\n'));
      g_assert_cmpuint (line, ==, json_cases[i].line);
    }
}

/* The nesting limit: max_depth levels pass, one more is refused, and a
 * million is refused as quickly, without recursion. */
static void
test_json_depth (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *open = g_strnfill (1000000, '[');
  g_autofree char *close = g_strnfill (1000000, ']');
  g_autofree char *at_limit = g_strconcat (open + 1000000 - 64, close + 1000000 - 64, NULL);
  g_autofree char *past = g_strconcat (open + 1000000 - 65, close + 1000000 - 65, NULL);
  g_autofree char *huge = g_strconcat (open, close, NULL);
  g_autofree char *objects = g_strdup ("");

  g_assert_true (kvp_input_check_json (at_limit, strlen (at_limit), KVP_INPUT_JSON_FILE, 64, NULL, &error));
  g_assert_false (kvp_input_check_json (past, strlen (past), KVP_INPUT_JSON_FILE, 64, NULL, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "more than 64 deep"));
  g_clear_error (&error);
  g_assert_false (kvp_input_check_json (huge, strlen (huge), KVP_INPUT_JSON_FILE, 64, NULL, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *deeper = g_strconcat ("{\"k\": [", objects, "]}", NULL);

      g_free (objects);
      objects = g_steal_pointer (&deeper);
    }
  g_assert_true (kvp_input_check_json (objects, strlen (objects), KVP_INPUT_JSON_FILE, 6, NULL, &error));
  g_assert_false (kvp_input_check_json (objects, strlen (objects), KVP_INPUT_JSON_FILE, 5, NULL, &error));
}

/* 16 MiB of "[1,1,…" took json-glib 700 MB: a text holds at most
 * KVP_INPUT_JSON_MAX_VALUES values, the list itself counted. */
static void
test_json_values (void)
{
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new ("[0");
  guint line = 0;

  for (guint i = 1; i < KVP_INPUT_JSON_MAX_VALUES - 1; i++)
    g_string_append (text, ",0");
  g_string_append_c (text, ']');
  g_assert_true (kvp_input_check_json (text->str, text->len, KVP_INPUT_JSON_FILE, 64, NULL, &error));
  g_assert_no_error (error);

  g_string_truncate (text, text->len - 1);
  g_string_append (text, ",\n0]");
  g_assert_false (kvp_input_check_json (text->str, text->len, KVP_INPUT_JSON_FILE, 64, &line, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "more than 1,000,000 values"));
  g_assert_cmpuint (line, ==, 2);
  g_string_free (text, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/input/fifo-one-open", test_fifo_one_open);
  g_test_add_func ("/core/input/cap", test_cap);
  g_test_add_func ("/core/input/lines", test_lines);
  g_test_add_func ("/core/input/head", test_head);
  g_test_add_func ("/core/input/lookup-read", test_lookup_read);
  g_test_add_func ("/core/input/json", test_json);
  g_test_add_func ("/core/input/json-depth", test_json_depth);
  g_test_add_func ("/core/input/json-values", test_json_values);

  return g_test_run ();
}
