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
#include "kvp-scene.h"
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

/* Whether the bytes are a picture in the format the name asks for. */
static gboolean
holds_picture (const char *path,
               const char *contents,
               gsize       length)
{
  KvpExportFormat format;

  if (!kvp_export_format_from_path (path, &format, NULL))
    return FALSE;

  switch (format)
    {
    case KVP_EXPORT_PNG:
      return length > 8 && memcmp (contents, "\x89PNG\r\n\x1a\n", 8) == 0;
    case KVP_EXPORT_PDF:
      return length > 5 && memcmp (contents, "%PDF-", 5) == 0;
    case KVP_EXPORT_SVG:
    default:
      return strstr (contents, "<svg") != NULL;
    }
}

/* The names in the folder. */
static GHashTable *
list_names (void)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) d = g_dir_open (folder, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_hash_table_add (names, g_strdup (name));

  return names;
}

/* Names in one set and not in the other. */
static guint
count_missing (GHashTable *from,
               GHashTable *in,
               const char *allowed)
{
  GHashTableIter iter;
  gpointer name;
  guint n = 0;

  g_hash_table_iter_init (&iter, from);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_hash_table_contains (in, name) && g_strcmp0 (name, allowed) != 0)
      {
        if (g_str_has_prefix (name, ".kvpage-"))
          fuzz_fail ("a temporary file was left");
        n++;
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
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(KvpPictureSource) source = NULL;
  g_autofree char *created = NULL;
  guint stand;
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

  /* The one name a success may add: the file at the end of the links. */
  created = g_path_get_basename (stand == STAND_DANGLING ? old : path);

  before = list_names ();
  source = kvp_scene_source_new (cmp);
  ok = kvp_export_write (source, kvp_theme_get (KVP_THEME_LIGHT), path, 640, 400, 1, &error);
  after = list_names ();

  if (count_missing (before, after, NULL) > 0)
    fuzz_fail ("a name went missing");
  if (count_missing (after, before, ok ? created : NULL) > 0)
    fuzz_fail (ok ? "a success added a name other than its file's" : "a failure added a name");

  if (!ok)
    {
      g_autofree char *contents = NULL;

      fuzz_check_message (error);
      /* An old file is as it was. */
      if ((stand == STAND_FILE && g_file_get_contents (path, &contents, NULL, NULL) && strcmp (contents, "old") != 0) ||
          ((stand == STAND_LINK || stand == STAND_CHAIN) &&
           g_file_get_contents (old, &contents, NULL, NULL) && strcmp (contents, "old") != 0))
        fuzz_fail ("a failure changed the old file");
    }
  else
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (stand == STAND_FIFO || stand == STAND_FOLDER)
        fuzz_fail ("a FIFO or folder was replaced");
      if ((stand == STAND_LINK || stand == STAND_CHAIN || stand == STAND_DANGLING) &&
          !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        fuzz_fail ("a link was replaced by a file");
      if (stand == STAND_CHAIN && !g_file_test (middle, G_FILE_TEST_IS_SYMLINK))
        fuzz_fail ("the middle link of a chain was replaced");
      if (!g_file_get_contents (path, &contents, &length, NULL) || !holds_picture (path, contents, length))
        fuzz_fail ("the target holds no picture in the format its name says");
    }

  remove_all (folder);
  return 0;
}
