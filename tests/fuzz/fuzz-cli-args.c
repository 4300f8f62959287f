/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-cli-args.c: whole command lines (words split at NUL bytes) through the
 * check that runs before GLib's option parser.  Whatever it refuses, it says
 * so on one clean line; whatever it lets through, GLib's parser accepts. */

#include "config.h"

#include "fuzz-common.h"
#include "kvp-cli.h"

static char *s_value, *f_value;
static gboolean flag;
static int i_value;
static char **remaining;

/* One option of each kind kvpage's table uses, and the short forms. */
static const GOptionEntry entries[] = {
  { "seq-len", 'n', 0, G_OPTION_ARG_STRING, &s_value, "tokens", "TOKENS" },
  { "export", 'o', 0, G_OPTION_ARG_FILENAME, &f_value, "file", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &flag, "json", NULL },
  { "version", 'v', 0, G_OPTION_ARG_NONE, &flag, "version", NULL },
  { "count", 'c', 0, G_OPTION_ARG_INT, &i_value, "count", "N" },
  { G_OPTION_REMAINING, 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME_ARRAY, &remaining, NULL, NULL },
  { NULL }
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) glib_error = NULL;
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) argv = NULL;
  int argc;

  g_ptr_array_add (words, g_strdup ("kvpage"));
  for (size_t start = 0; start < size && words->len < 64;)
    {
      const uint8_t *nul = memchr (data + start, '\0', size - start);
      size_t end = nul != NULL ? (size_t) (nul - data) : size;

      g_ptr_array_add (words, g_strndup ((const char *) data + start, end - start));
      start = end + 1;
    }
  g_ptr_array_add (words, NULL);
  argv = (char **) g_ptr_array_steal (words, NULL);
  argc = g_strv_length (argv);

  if (!kvp_cli_check_args (entries, argc, argv, &error))
    {
      fuzz_check_message (error);
      return 0;
    }

  /* Help would print and exit; the check is not about help. */
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--help") || (argv[i][0] == '-' && argv[i][1] != '-' &&
                                                 strpbrk (argv[i], "h?") != NULL))
      return 0;

  context = g_option_context_new (NULL);
  g_option_context_add_main_entries (context, entries, NULL);
  {
    /* GLib's parser rewrites the array it reads, freeing what it removes. */
    g_auto(GStrv) copy = g_strdupv (argv);

    if (!g_option_context_parse_strv (context, &copy, &glib_error))
      {
        fprintf (stderr, "GLib refused what the check let through: %s\n", glib_error->message);
        abort ();
      }
  }

  g_clear_pointer (&s_value, g_free);
  g_clear_pointer (&f_value, g_free);
  g_clear_pointer (&remaining, g_strfreev);

  return 0;
}
