/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-export-name.c: export file names through the safe writer, into a
 * temporary folder.  Byte 0 picks what already stands at the name (nothing,
 * a file, a link, a chain, a FIFO, a folder, a dangling link); byte 1 the
 * temporary-file mode and whether ".svg" is added; the rest is the name.
 * Whatever happens: one clean message on failure, the old file as it was,
 * links still links, and nothing left beside the target. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "kvp-comparison.h"
#include "kvp-export.h"
#include "kvp-theme.h"

enum { STAND_NOTHING, STAND_FILE, STAND_LINK, STAND_CHAIN, STAND_FIFO, STAND_FOLDER, STAND_DANGLING, N_STANDS };

static char *folder;
static KvpComparison *cmp;

static void
remove_all (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
        {
          remove_all (path);
          g_rmdir (path);
        }
      else
        {
          g_unlink (path);
        }
    }
}

static void
remove_folder (void)
{
  remove_all (folder);
  g_rmdir (folder);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  KvpParams params;

  folder = g_dir_make_tmp ("kvp-fuzz-export-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_folder);

  kvp_params_init_default (&params);
  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);

  return 0;
}

/* "old" at path; not g_file_set_contents, whose temporary name would not
 * fit beside a 255-byte one. */
static void
put_old (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd >= 0)
    {
      if (write (fd, "old", 3) != 3)
        fuzz_fail ("could not set up the old file");
      close (fd);
    }
}

/* Names in the folder, one level down too: nothing else may appear. */
static guint
count_entries (const char *dir,
               gboolean    *debris)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      n++;
      if (g_str_has_prefix (name, ".kvpage-"))
        *debris = TRUE;
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        n += count_entries (path, debris);
    }

  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *word = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *old = NULL;
  g_autofree char *middle = NULL;
  guint stand;
  gboolean debris = FALSE;
  guint before, after;
  gboolean ok;

  if (size < 2)
    return 0;

  stand = data[0] % N_STANDS;
  if (data[1] & 1)
    g_setenv ("KVPAGE_NO_TMPFILE", "1", TRUE);
  else
    g_unsetenv ("KVPAGE_NO_TMPFILE");
  word = fuzz_word (data + 2, size - 2);
  name = (data[1] & 2) ? g_strconcat (word, ".svg", NULL) : g_strdup (word);

  /* Inside the folder, and nowhere else. */
  if (name[0] == '\0' || strstr (name, "..") != NULL)
    return 0;
  path = g_build_filename (folder, name, NULL);
  old = g_build_filename (folder, "old-target", NULL);
  middle = g_build_filename (folder, "middle-link", NULL);

  switch (stand)
    {
    case STAND_FILE:
      put_old (path);
      break;
    case STAND_LINK:
      put_old (old);
      symlink ("old-target", path);
      break;
    case STAND_CHAIN:
      put_old (old);
      symlink (old, middle);
      symlink ("middle-link", path);
      break;
    case STAND_FIFO:
      mkfifo (path, 0644);
      break;
    case STAND_FOLDER:
      g_mkdir (path, 0755);
      break;
    case STAND_DANGLING:
      symlink ("old-target", path);
      break;
    default:
      break;
    }

  /* A name the folder cannot hold has nothing standing at it. */
  if (stand != STAND_NOTHING && !g_file_test (path, G_FILE_TEST_EXISTS) &&
      !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    stand = STAND_NOTHING;

  before = count_entries (folder, &debris);
  ok = kvp_export_write (cmp, kvp_theme_get (KVP_THEME_LIGHT), path, 640, 400, 1, &error);
  after = count_entries (folder, &debris);

  if (debris)
    fuzz_fail ("a temporary file was left");

  if (!ok)
    {
      g_autofree char *contents = NULL;

      fuzz_check_message (error);
      if (after != before)
        fuzz_fail ("a failure added or removed a name");
      /* An old file is as it was. */
      if ((stand == STAND_FILE && g_file_get_contents (path, &contents, NULL, NULL) && strcmp (contents, "old") != 0) ||
          ((stand == STAND_LINK || stand == STAND_CHAIN) &&
           g_file_get_contents (old, &contents, NULL, NULL) && strcmp (contents, "old") != 0))
        fuzz_fail ("a failure changed the old file");
    }
  else
    {
      g_autofree char *contents = NULL;

      /* Only a file's name is new, and only where nothing stood. */
      if (after != before + (stand == STAND_NOTHING || stand == STAND_DANGLING ? 1 : 0))
        fuzz_fail ("a success added the wrong number of names");
      if (stand == STAND_FIFO || stand == STAND_FOLDER)
        fuzz_fail ("a FIFO or folder was replaced");
      if ((stand == STAND_LINK || stand == STAND_CHAIN || stand == STAND_DANGLING) &&
          !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        fuzz_fail ("a link was replaced by a file");
      if (stand == STAND_CHAIN && !g_file_test (middle, G_FILE_TEST_IS_SYMLINK))
        fuzz_fail ("the middle link of a chain was replaced");
      if (!g_file_get_contents (path, &contents, NULL, NULL) || strstr (contents, "<svg") == NULL)
        fuzz_fail ("the target holds no SVG");
    }

  remove_all (folder);
  return 0;
}
