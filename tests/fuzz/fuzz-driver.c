/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-driver.c: runs a fuzz target without libFuzzer, feeding it every file
 * of the corpus folders (or files) named on the command line, one TAP case
 * per input, so the corpus is a test in every build. */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
collect (const char *path,
         GPtrArray  *files)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;

  /* Sorted, so the cases keep their numbers from run to run. */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    collect (names->pdata[i], files);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    collect (argv[i], files);

  if (files->len == 0)
    {
      printf ("1..0 # SKIP no corpus files\n");
      return 0;
    }

  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      gsize size = 0;

      if (!g_file_get_contents (files->pdata[i], &data, &size, &error))
        {
          printf ("not ok %u %s: %s\n", i + 1, (char *) files->pdata[i], error->message);
          continue;
        }

      /* A target that finds a fault aborts, which fails the test. */
      LLVMFuzzerTestOneInput ((const uint8_t *) data, size);
      printf ("ok %u %s\n", i + 1, (char *) files->pdata[i]);
      fflush (stdout);
    }

  return 0;
}
