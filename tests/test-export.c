/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-export.c: exports through kvp_export_write and through the real binary
 * with no display: sizes and scale, SVG and PDF, every usage mistake (exit 2,
 * no file), and a failed write (exit 1, the old file intact, nothing left). */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cairo.h>

#include <glib/gstdio.h>

#include "kvp-error.h"
#include "kvp-export.h"
#include "kvp-scene.h"

/* The sequence view of cmp through the one export entry point. */
static gboolean
export_comparison (KvpComparison  *cmp,
                   const KvpTheme *theme,
                   const char     *path,
                   int             width,
                   int             height,
                   double          scale,
                   GError        **error)
{
  g_autoptr(KvpPictureSource) source = kvp_scene_source_new (cmp);

  return kvp_export_write (source, theme, path, width, height, scale, error);
}

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("kvp-export-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        g_rmdir (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static void
png_size (const char *path,
          int        *width,
          int        *height)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);

  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  *width = cairo_image_surface_get_width (s);
  *height = cairo_image_surface_get_height (s);
  cairo_surface_destroy (s);
}

static KvpComparison *
default_comparison (void)
{
  g_autoptr (GError) error = NULL;
  KvpParams params;
  KvpComparison *cmp;

  kvp_params_init_default (&params);
  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);
  return cmp;
}

static void
test_api_formats (void)
{
  g_autoptr (KvpComparison) cmp = default_comparison ();
  g_autofree char *dir = make_dir ();
  g_autofree char *png = g_build_filename (dir, "shot.png", NULL);
  g_autofree char *png2 = g_build_filename (dir, "shot@2.PNG", NULL);
  g_autofree char *svg = g_build_filename (dir, "shot.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "shot.pdf", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  int w, h;

  g_assert_true (export_comparison (cmp, kvp_theme_get (KVP_THEME_LIGHT), png, 1600, 1000, 1, &error));
  g_assert_no_error (error);
  png_size (png, &w, &h);
  g_assert_cmpint (w, ==, 1600);
  g_assert_cmpint (h, ==, 1000);

  g_assert_true (export_comparison (cmp, kvp_theme_get (KVP_THEME_DARK), png2, 800, 560, 2, &error));
  png_size (png2, &w, &h);
  g_assert_cmpint (w, ==, 1600);
  g_assert_cmpint (h, ==, 1120);

  g_assert_true (export_comparison (cmp, kvp_theme_get (KVP_THEME_LIGHT), svg, 1600, 1000, 1, &error));
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "width=\"1600px\""));
  g_clear_pointer (&contents, g_free);

  g_assert_true (export_comparison (cmp, kvp_theme_get (KVP_THEME_LIGHT), pdf, 1600, 1000, 1, &error));
  g_assert_true (g_file_get_contents (pdf, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));

  /* Four files and no temporary ones. */
  g_assert_cmpuint (count_entries (dir), ==, 4);
  remove_dir (dir);
}

static void
write_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
write_async (KvpComparison  *cmp,
             const char     *path,
             int             width,
             int             height,
             GError        **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KvpPictureSource) source = kvp_scene_source_new (cmp);

  kvp_export_write_async (source, kvp_theme_get (KVP_THEME_DARK), path, width, height, 1,
                          NULL, write_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return kvp_export_write_finish (result, error);
}

/* The window writes in a worker: the same file, and the same errors. */
static void
test_api_async (void)
{
  g_autoptr (KvpComparison) cmp = default_comparison ();
  g_autofree char *dir = make_dir ();
  g_autofree char *png = g_build_filename (dir, "async.png", NULL);
  g_autofree char *bad = g_build_filename (dir, "async.gif", NULL);
  g_autoptr (GError) error = NULL;
  int w, h;

  g_assert_true (write_async (cmp, png, 1024, 640, &error));
  g_assert_no_error (error);
  png_size (png, &w, &h);
  g_assert_cmpint (w, ==, 1024);
  g_assert_cmpint (h, ==, 640);

  g_assert_false (write_async (cmp, bad, 1024, 640, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_cmpuint (count_entries (dir), ==, 1);
  remove_dir (dir);
}

static void
test_api_failures (void)
{
  g_autoptr (KvpComparison) cmp = default_comparison ();
  g_autofree char *dir = make_dir ();
  g_autofree char *old = g_build_filename (dir, "old.png", NULL);
  g_autofree char *folder = g_build_filename (dir, "folder.png", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);

  g_assert_true (g_file_set_contents (old, "old", -1, NULL));

  /* A bad format or size writes nothing. */
  g_assert_false (export_comparison (cmp, theme, "/tmp/kvp-x.gif", 1600, 1000, 1, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (export_comparison (cmp, theme, old, 10, 10, 1, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (export_comparison (cmp, theme, old, 8192, 8192, 4, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  /* A folder that does not exist: the message names the file and why. */
  g_assert_false (export_comparison (cmp, theme, "/nonexistent-kvp/x.png", 1600, 1000, 1, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/nonexistent-kvp/x.png"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  g_clear_error (&error);

  /* The rename fails (a folder has the name): nothing is left behind. */
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_false (export_comparison (cmp, theme, folder, 1600, 1000, 1, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));

  g_assert_true (g_file_get_contents (old, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_assert_cmpuint (count_entries (dir), ==, 2);
  remove_dir (dir);
}

static void
test_parse (void)
{
  const struct
  {
    const char *text;
    gboolean    ok;
    int         width, height;
  } sizes[] = {
    { "1600x1000", TRUE, 1600, 1000 },
    { "800X560", TRUE, 800, 560 },
    { "640x400", TRUE, 640, 400 },
    { "8192x8192", TRUE, 8192, 8192 },
    { "639x400", FALSE },
    { "640x399", FALSE },
    { "200x150", FALSE },
    { "8193x100", FALSE },
    { "99999999999999999999x100", FALSE },
    { "1600", FALSE },
    { "1600x", FALSE },
    { "x1000", FALSE },
    { "-1600x1000", FALSE },
    { "1600x1000px", FALSE },
    { "", FALSE },
  };
  const struct
  {
    const char *text;
    gboolean    ok;
  } scales[] = {
    { "1", TRUE }, { "4", TRUE }, { "0", FALSE }, { "5", FALSE }, { "1.5", FALSE }, { "two", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (GError) error = NULL;
      int w = 0, h = 0;

      g_assert_cmpint (kvp_export_parse_size (sizes[i].text, &w, &h, &error), ==, sizes[i].ok);
      if (sizes[i].ok)
        {
          g_assert_no_error (error);
          g_assert_cmpint (w, ==, sizes[i].width);
          g_assert_cmpint (h, ==, sizes[i].height);
        }
      else
        {
          /* The message names the value and the allowed range. */
          g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, sizes[i].text));
          g_assert_nonnull (strstr (error->message, "8192"));
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (scales); i++)
    {
      g_autoptr (GError) error = NULL;
      int scale = 0;

      g_assert_cmpint (kvp_export_parse_scale (scales[i].text, &scale, &error), ==, scales[i].ok);
      if (!scales[i].ok)
        g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
    }

  /* A PNG too large to render: the sizes as --size writes them, the limits
   * grouped as every count. */
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (kvp_export_check_size (KVP_EXPORT_PNG, 8000, 8000, 4, &error));
    g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
    g_assert_cmpstr (error->message, ==,
                     "The size 8000x8000 at scale 4 would be 32000x32000 pixels; "
                     "the limit is 64 megapixels and 16,384 pixels a side.");
  }

  {
    KvpExportFormat format;

    g_assert_true (kvp_export_format_from_path ("a/b.Svg", &format, NULL));
    g_assert_cmpint (format, ==, KVP_EXPORT_SVG);
    g_assert_false (kvp_export_format_from_path ("shot.jpeg", &format, NULL));
    g_assert_false (kvp_export_format_from_path (".png", &format, NULL));
  }
}

/* Lets the child write at most this many bytes per file, and makes going
 * past it a failed write (EFBIG) rather than a signal. */
static void
limit_file_size (gpointer data)
{
  struct rlimit limit = { GPOINTER_TO_UINT (data), GPOINTER_TO_UINT (data) };

  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &limit);
}

/* Runs a command as the unprivileged user "nobody" (root may write any file). */
static const char *as_nobody[] = {
  "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", NULL
};

/* The binary, with no display; file_limit 0 for none; prefix (NULL for none)
 * runs it through another command. */
static int
run_kvpage_full (const char * const *prefix,
                 const char * const *args,
                 guint               file_limit,
                 char              **out_stderr)
{
  const char *binary = g_getenv ("KVPAGE");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) envp = g_get_environ ();
  g_autoptr (GError) error = NULL;
  int status = -1;

  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  for (guint i = 0; prefix != NULL && prefix[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) prefix[i]);
  g_ptr_array_add (argv, (gpointer) binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp,
                               G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_SEARCH_PATH,
                               file_limit > 0 ? limit_file_size : NULL, GUINT_TO_POINTER (file_limit),
                               NULL, out_stderr, &status, &error));
  g_assert_no_error (error);

  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static int
run_kvpage_limited (const char * const *args,
                    guint               file_limit,
                    char              **out_stderr)
{
  return run_kvpage_full (NULL, args, file_limit, out_stderr);
}

static int
run_kvpage (const char * const *args,
            char              **out_stderr)
{
  return run_kvpage_full (NULL, args, 0, out_stderr);
}

/* One line on stderr saying what and why. */
static void
assert_one_line (const char *err)
{
  const char *newline;

  g_assert_nonnull (err);
  newline = strchr (err, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpuint (newline - err, >, 10);
  g_assert_cmpstr (newline + 1, ==, "");
}

static gboolean
have_binary (void)
{
  const char *binary = g_getenv ("KVPAGE");

  if (binary == NULL || !g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("KVPAGE does not name the built kvpage");
      return FALSE;
    }
  return TRUE;
}

static void
test_binary_exports (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *png = NULL, *png2 = NULL, *svg = NULL, *pdf = NULL;
  g_autofree char *err = NULL;
  int w, h;

  if (!have_binary ())
    return;

  dir = make_dir ();
  png = g_build_filename (dir, "shot.png", NULL);
  png2 = g_build_filename (dir, "small.png", NULL);
  svg = g_build_filename (dir, "shot.svg", NULL);
  pdf = g_build_filename (dir, "shot.pdf", NULL);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", png, NULL }, &err), ==, 0);
  png_size (png, &w, &h);
  g_assert_cmpint (w, ==, 1600);
  g_assert_cmpint (h, ==, 1000);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", png2, "--size", "800x560", "--scale", "2",
                                                  "--theme", "dark", NULL }, &err), ==, 0);
  png_size (png2, &w, &h);
  g_assert_cmpint (w, ==, 1600);
  g_assert_cmpint (h, ==, 1120);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", svg, NULL }, &err), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", pdf, "--seq-len", "512", NULL }, &err), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_test (svg, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_entries (dir), ==, 4);

  /* Readers people use open them: the SVG renders at its pixel size, and the
   * PDF's text holds the figures. */
  {
    g_autofree char *rsvg = g_find_program_in_path ("rsvg-convert");
    g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
    g_autofree char *rendered = g_build_filename (dir, "svg.png", NULL);
    g_autofree char *text = NULL;

    if (rsvg != NULL)
      {
        const char *argv[] = { rsvg, svg, "-o", rendered, NULL };
        int status;

        g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                     NULL, NULL, &status, NULL));
        g_assert_true (g_spawn_check_wait_status (status, NULL));
        png_size (rendered, &w, &h);
        g_assert_cmpint (w, ==, 1600);
        g_assert_cmpint (h, ==, 1000);

        /* 16,777,216 blocks: the loupe over the held cells embeds only
         * their pixels (the whole grid magnified was too big to render). */
        {
          g_autofree char *big = g_build_filename (dir, "big.svg", NULL);
          const char *argv_big[] = { rsvg, big, "-o", rendered, NULL };

          g_assert_cmpint (run_kvpage ((const char *[]) { "--export", big, "--blocks", "16777216", NULL }, &err), ==, 0);
          g_clear_pointer (&err, g_free);
          g_assert_true (g_spawn_sync (NULL, (char **) argv_big, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                       NULL, NULL, &status, NULL));
          g_assert_true (g_spawn_check_wait_status (status, NULL));
          g_assert_cmpint (g_remove (big), ==, 0);
        }
      }
    else
      g_test_message ("rsvg-convert is missing: the SVG is not rendered");

    if (pdftotext != NULL)
      {
        const char *argv[] = { pdftotext, "-enc", "UTF-8", pdf, "-", NULL };
        int status;

        g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                     &text, NULL, &status, NULL));
        g_assert_true (g_spawn_check_wait_status (status, NULL));
        /* --seq-len 512: 11.00 MiB in 32 blocks, against 44.00 MiB. */
        g_assert_nonnull (strstr (text, "44.00 MiB"));
        g_assert_nonnull (strstr (text, "11.00 MiB"));
        g_assert_nonnull (strstr (text, "PagedAttention"));
      }
    else
      g_test_message ("pdftotext is missing: the PDF's text is not read");
  }

  remove_dir (dir);
}

static void
test_binary_usage (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *png = NULL, *gif = NULL;
  const char *bad[][3] = {
    { "--size", "10x10", NULL },
    { "--size", "big", NULL },
    { "--size", "1600x", NULL },
    { "--size", "8192x8192", "--scale" },
    { "--scale", "9", NULL },
    { "--scale", "0", NULL },
    { "--scale", "1.5", NULL },
    { "--theme", "blue", NULL },
    { "--blocks", "0", NULL },
    { "--seq-len", "9999", NULL },
    { "stray", NULL, NULL },
  };

  if (!have_binary ())
    return;

  dir = make_dir ();
  png = g_build_filename (dir, "shot.png", NULL);
  gif = g_build_filename (dir, "shot.gif", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *err = NULL;

      g_assert_cmpint (run_kvpage ((const char *[]) { "--export", png, bad[i][0], bad[i][1], bad[i][2],
                                                      bad[i][2] ? "4" : NULL, NULL }, &err), ==, 2);
      assert_one_line (err);
    }
  {
    g_autofree char *svg = g_build_filename (dir, "shot.svg", NULL);
    g_autofree char *hidden = g_build_filename (dir, ".png", NULL);
    const char *names[][3] = {
      { gif, NULL, NULL },
      { hidden, NULL, NULL },
      { svg, "--scale", "2" },   /* a vector has no pixel density */
    };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *err = NULL;

        g_assert_cmpint (run_kvpage ((const char *[]) { "--export", names[i][0], names[i][1], names[i][2], NULL },
                                     &err), ==, 2);
        assert_one_line (err);
      }
  }
  g_assert_cmpuint (count_entries (dir), ==, 0);
  remove_dir (dir);
}

static void
test_binary_write_failure (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *folder = NULL, *old = NULL, *contents = NULL, *err = NULL;

  if (!have_binary ())
    return;

  dir = make_dir ();
  folder = g_build_filename (dir, "folder.png", NULL);
  old = g_build_filename (dir, "old.png", NULL);
  g_assert_true (g_file_set_contents (old, "old", -1, NULL));
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", "/nonexistent-kvp/x.png", NULL }, &err), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent-kvp/x.png"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", folder, NULL }, &err), ==, 1);
  g_clear_pointer (&err, g_free);
  /* A bad value on an existing file leaves it as it was. */
  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", old, "--size", "1x1", NULL }, &err), ==, 2);
  g_clear_pointer (&err, g_free);

  /* The disk fills up half-way through the picture: exit 1, the old file as
   * it was, no temporary file beside it. */
  g_assert_cmpint (run_kvpage_limited ((const char *[]) { "--export", old, NULL }, 4096, &err), ==, 1);
  assert_one_line (err);
  g_assert_nonnull (strstr (err, "old.png"));

  g_assert_true (g_file_get_contents (old, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_assert_cmpuint (count_entries (dir), ==, 2);
  remove_dir (dir);
}

/* Writing through a symbolic link replaces the file it names and keeps the
 * link; a replaced file keeps its permissions. */
static void
test_binary_link_and_mode (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *real = NULL, *link = NULL, *err = NULL;
  GStatBuf st;
  int w, h;

  if (!have_binary ())
    return;

  dir = make_dir ();
  real = g_build_filename (dir, "real.png", NULL);
  link = g_build_filename (dir, "link.png", NULL);
  g_assert_true (g_file_set_contents (real, "old", -1, NULL));
  g_assert_cmpint (g_chmod (real, 0640), ==, 0);
  g_assert_cmpint (symlink ("real.png", link), ==, 0);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", link, NULL }, &err), ==, 0);

  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  png_size (real, &w, &h);
  g_assert_cmpint (w, ==, KVP_EXPORT_DEFAULT_WIDTH);
  g_assert_cmpint (g_stat (real, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  g_assert_cmpuint (count_entries (dir), ==, 2);
  remove_dir (dir);
}

/* A file its owner made read-only is not replaced, though the folder would
 * allow it.  (root may write anything, so this needs another user.) */
/* Whether "nobody" can run the built binary: setpriv exists and every folder
 * above the build lets others in. */
static gboolean
nobody_can_run_kvpage (void)
{
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  const char *argv[] = { "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                         "test", "-x", g_getenv ("KVPAGE"), NULL };
  int status;

  return setpriv != NULL &&
         g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                       NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

/* A file its owner made read-only is not replaced, though the folder would
 * allow it.  root may write anything: as root, the export runs as nobody. */
static void
test_binary_read_only_file (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *locked = NULL, *err = NULL, *contents = NULL;
  const char * const *prefix = NULL;

  if (!have_binary ())
    return;
  if (geteuid () == 0)
    {
      if (!nobody_can_run_kvpage ())
        {
          g_test_skip ("running as root, and the user nobody cannot run kvpage here");
          return;
        }
      prefix = as_nobody;
    }

  dir = make_dir ();
  /* Anyone may create and replace files in the folder (no sticky bit, which
   * would forbid the rename by itself). */
  g_assert_cmpint (g_chmod (dir, 0777), ==, 0);
  locked = g_build_filename (dir, "locked.png", NULL);
  g_assert_true (g_file_set_contents (locked, "old", -1, NULL));
  g_assert_cmpint (g_chmod (locked, 0444), ==, 0);

  g_assert_cmpint (run_kvpage_full (prefix, (const char *[]) { "--export", locked, NULL }, 0, &err), ==, 1);
  assert_one_line (err);
  g_assert_true (g_file_get_contents (locked, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_assert_cmpuint (count_entries (dir), ==, 1);
  remove_dir (dir);
}

/* The temporary file is unnamed (O_TMPFILE) where the file system allows it;
 * KVPAGE_NO_TMPFILE=1 makes kvpage take the named path other file systems
 * need.  Each test of a write runs both ways. */
static void
set_temp_mode (gconstpointer data)
{
  if (g_strcmp0 (data, "named") == 0)
    g_setenv ("KVPAGE_NO_TMPFILE", "1", TRUE);
  else
    g_unsetenv ("KVPAGE_NO_TMPFILE");
}

static void
test_binary_write_failure_in (gconstpointer data)
{
  set_temp_mode (data);
  test_binary_write_failure ();
  g_unsetenv ("KVPAGE_NO_TMPFILE");
}

/* The parent may have ignored the signals (nohup); the child must not. */
static void
default_signals (gpointer data)
{
  signal (SIGHUP, SIG_DFL);
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
}

/* Whether the process holds a file inside dir open: the export's
 * temporary, named or not. */
static gboolean
has_file_open_in (GPid        pid,
                  const char *dir)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr (GDir) d = g_dir_open (fd_dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (dir, "/", NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *fd_path = g_build_filename (fd_dir, name, NULL);
      g_autofree char *target = g_file_read_link (fd_path, NULL);

      if (target != NULL && g_str_has_prefix (target, prefix))
        return TRUE;
    }
  return FALSE;
}

static const int interrupt_signals[] = { SIGTERM, SIGINT, SIGHUP };

/* A big export killed by SIGTERM, SIGINT or SIGHUP while it draws: it dies of
 * the signal, the old file is as it was, and nothing else is left. */
static void
test_binary_interrupted (gconstpointer data)
{
  const char *binary = g_getenv ("KVPAGE");
  g_autofree char *dir = NULL, *keep = NULL;

  if (!have_binary ())
    return;

  set_temp_mode (data);
  dir = make_dir ();
  keep = g_build_filename (dir, "keep.png", NULL);
  g_assert_true (g_file_set_contents (keep, "old", -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (interrupt_signals); i++)
    {
      const char *argv[] = { binary, "--export", keep, "--size", "8192x8192",
                             "--blocks", "16777216", "--seq-len", "16777216",
                             "--max-seq-len", "16777216", "--block-size", "1", NULL };
      g_autoptr (GError) error = NULL;
      g_autofree char *contents = NULL;
      GPid pid;
      int status = 0;
      gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

      g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDERR_TO_DEV_NULL,
                                    default_signals, NULL, &pid, &error));
      g_assert_no_error (error);

      /* Killed once its temporary file exists, long before it is done. */
      while (!has_file_open_in (pid, dir) && g_get_monotonic_time () < deadline)
        g_usleep (2000);
      g_assert_true (has_file_open_in (pid, dir));
      g_assert_cmpint (kill (pid, interrupt_signals[i]), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);

      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, interrupt_signals[i]);
      g_assert_true (g_file_get_contents (keep, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "old");
      g_assert_cmpuint (count_entries (dir), ==, 1);
    }

  remove_dir (dir);
  g_unsetenv ("KVPAGE_NO_TMPFILE");
}

/* Only a regular file is replaced: a FIFO, a device, a link to either, a
 * link to /dev/stdout or a folder is refused with exit 1 and one line, and
 * stays what it was. */
static void
test_binary_not_regular (gconstpointer data)
{
  g_autofree char *dir = NULL;
  const char *names[] = { "fifo.png", "to-fifo.png", "to-null.png", "to-stdout.png",
                          "to-fd.png", "device.png", "folder.png" };
  guint n_entries;

  if (!have_binary ())
    return;

  set_temp_mode (data);
  dir = make_dir ();
  {
    g_autofree char *fifo = g_build_filename (dir, "fifo.png", NULL);
    g_autofree char *device = g_build_filename (dir, "device.png", NULL);
    g_autofree char *folder = g_build_filename (dir, "folder.png", NULL);
    g_autofree char *to_fifo = g_build_filename (dir, "to-fifo.png", NULL);
    g_autofree char *to_null = g_build_filename (dir, "to-null.png", NULL);
    g_autofree char *to_stdout = g_build_filename (dir, "to-stdout.png", NULL);
    g_autofree char *to_fd = g_build_filename (dir, "to-fd.png", NULL);

    g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
    g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
    g_assert_cmpint (symlink ("fifo.png", to_fifo), ==, 0);
    g_assert_cmpint (symlink ("/dev/null", to_null), ==, 0);
    g_assert_cmpint (symlink ("/dev/stdout", to_stdout), ==, 0);
    g_assert_cmpint (symlink ("/proc/self/fd/2", to_fd), ==, 0);
    /* /dev/full's numbers; only root may make one. */
    if (mknod (device, S_IFCHR | 0666, makedev (1, 7)) != 0)
      g_test_message ("mknod: %s; the device case is not checked", g_strerror (errno));
  }
  n_entries = count_entries (dir);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *err = NULL;
      GStatBuf before, after;

      if (g_lstat (path, &before) != 0)
        continue;
      g_test_message ("%s", names[i]);
      g_assert_cmpint (run_kvpage ((const char *[]) { "--export", path, "--size", "640x400", NULL }, &err), ==, 1);
      assert_one_line (err);
      g_assert_nonnull (strstr (err, names[i]));
      g_assert_cmpint (g_lstat (path, &after), ==, 0);
      g_assert_cmpuint (before.st_mode, ==, after.st_mode);
      g_assert_cmpuint (before.st_ino, ==, after.st_ino);
    }

  g_assert_cmpuint (count_entries (dir), ==, n_entries);
  remove_dir (dir);
  g_unsetenv ("KVPAGE_NO_TMPFILE");
}

/* c1.png → c2.png → c3.png: the export replaces c3.png and both links stay
 * links; a loop of links is refused. */
static void
test_binary_link_chain (gconstpointer data)
{
  g_autofree char *dir = NULL;
  g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL, *loop = NULL, *err = NULL;
  int w, h;

  if (!have_binary ())
    return;

  set_temp_mode (data);
  dir = make_dir ();
  c1 = g_build_filename (dir, "c1.png", NULL);
  c2 = g_build_filename (dir, "c2.png", NULL);
  c3 = g_build_filename (dir, "c3.png", NULL);
  loop = g_build_filename (dir, "loop.png", NULL);
  g_assert_true (g_file_set_contents (c3, "old", -1, NULL));
  g_assert_cmpint (symlink ("c2.png", c1), ==, 0);
  g_assert_cmpint (symlink (c3, c2), ==, 0);
  g_assert_cmpint (symlink ("loop.png", loop), ==, 0);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", c1, "--size", "640x400", NULL }, &err), ==, 0);
  g_assert_true (g_file_test (c1, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (c2, G_FILE_TEST_IS_SYMLINK));
  png_size (c3, &w, &h);
  g_assert_cmpint (w, ==, 640);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_kvpage ((const char *[]) { "--export", loop, NULL }, &err), ==, 1);
  assert_one_line (err);
  g_assert_true (g_file_test (loop, G_FILE_TEST_IS_SYMLINK));

  g_assert_cmpuint (count_entries (dir), ==, 4);
  remove_dir (dir);
  g_unsetenv ("KVPAGE_NO_TMPFILE");
}

/* Names of 249 to 255 bytes, the most a folder entry holds: created and
 * replaced, with nothing left beside them. */
static void
test_binary_long_names (gconstpointer data)
{
  g_autofree char *dir = NULL;

  if (!have_binary ())
    return;

  set_temp_mode (data);
  dir = make_dir ();
  for (guint length = 249; length <= 255; length++)
    {
      g_autofree char *stem = g_strnfill (length - 4, 'k');
      g_autofree char *name = g_strconcat (stem, ".svg", NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;

      for (guint round = 0; round < 2; round++)
        {
          g_autofree char *err = NULL;

          g_assert_cmpint (run_kvpage ((const char *[]) { "--export", path, "--size", "640x400", NULL }, &err), ==, 0);
          g_assert_cmpstr (err, ==, "");
        }
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_nonnull (strstr (contents, "<svg"));
      g_assert_cmpint (g_unlink (path), ==, 0);
      g_assert_cmpuint (count_entries (dir), ==, 0);
    }

  remove_dir (dir);
  g_unsetenv ("KVPAGE_NO_TMPFILE");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/export/api/formats", test_api_formats);
  g_test_add_func ("/export/api/failures", test_api_failures);
  g_test_add_func ("/export/api/async", test_api_async);
  g_test_add_func ("/export/api/parse", test_parse);
  g_test_add_func ("/export/binary/formats", test_binary_exports);
  g_test_add_func ("/export/binary/usage", test_binary_usage);
  for (guint i = 0; i < 2; i++)
    {
      const char *mode = i == 0 ? "unnamed" : "named";
      g_autofree char *failure = g_strdup_printf ("/export/binary/write-failure/%s", mode);
      g_autofree char *interrupted = g_strdup_printf ("/export/binary/interrupted/%s", mode);
      g_autofree char *not_regular = g_strdup_printf ("/export/binary/not-regular/%s", mode);
      g_autofree char *chain = g_strdup_printf ("/export/binary/link-chain/%s", mode);
      g_autofree char *long_names = g_strdup_printf ("/export/binary/long-names/%s", mode);

      g_test_add_data_func (failure, mode, test_binary_write_failure_in);
      g_test_add_data_func (interrupted, mode, test_binary_interrupted);
      g_test_add_data_func (not_regular, mode, test_binary_not_regular);
      g_test_add_data_func (chain, mode, test_binary_link_chain);
      g_test_add_data_func (long_names, mode, test_binary_long_names);
    }
  g_test_add_func ("/export/binary/link-and-mode", test_binary_link_and_mode);
  g_test_add_func ("/export/binary/read-only-file", test_binary_read_only_file);

  return g_test_run ();
}
