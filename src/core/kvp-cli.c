/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-cli.c: the pieces every command-line option shares, so each new option
 * gets one-line messages, named values and checked output for free. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-format.h"

/* Standard output's state: whether it was closed when kvpage started, and
 * the first error a write met (0 while none has). */
static gboolean stdout_closed;
static int stdout_errno;
static gboolean finished;

static void
print_cb (const char *text)
{
  if (stdout_errno != 0 || *text == '\0')
    return;

  if (stdout_closed)
    stdout_errno = EBADF;
  else if (fputs (text, stdout) == EOF)
    stdout_errno = errno != 0 ? errno : EIO;
}

/* GOptionContext answers --help with exit (0) from inside the parser: its
 * output is checked on the way out too. */
static void
finish_at_exit (void)
{
  if (!finished && kvp_cli_finish (EXIT_SUCCESS) != EXIT_SUCCESS)
    _exit (KVP_EXIT_FAILURE);
}

void
kvp_cli_init (void)
{
  for (int fd = 0; fd <= 2; fd++)
    {
      int null_fd;

      if (fcntl (fd, F_GETFD) != -1 || errno != EBADF)
        continue;

      if (fd == STDOUT_FILENO)
        stdout_closed = TRUE;

      /* The lowest free descriptor is this one, as 0 to fd-1 are open. */
      null_fd = open ("/dev/null", O_RDWR);
      if (null_fd >= 0 && null_fd != fd)
        {
          dup2 (null_fd, fd);
          close (null_fd);
        }
    }

  g_set_print_handler (print_cb);
  atexit (finish_at_exit);
}

void
kvp_cli_printerr (const char *message)
{
  /* Messages quote their input already; this keeps the promise of one line
   * for anything else that might slip into one, such as a system's text. */
  g_autofree char *line = kvp_quote (message);

  g_printerr ("kvpage: %s\n", line);
}

int
kvp_cli_fail (const GError *error)
{
  g_return_val_if_fail (error != NULL, KVP_EXIT_FAILURE);

  kvp_cli_printerr (error->message);

  return g_error_matches (error, KVP_ERROR, KVP_ERROR_INVALID) ? KVP_EXIT_USAGE : KVP_EXIT_FAILURE;
}

int
kvp_cli_finish (int status)
{
  finished = TRUE;

  if (stdout_errno == 0 && !stdout_closed)
    {
      errno = 0;
      if (fflush (stdout) != 0 || ferror (stdout))
        stdout_errno = errno != 0 ? errno : EIO;
    }

  if (stdout_errno != 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("could not write standard output: %s"), g_strerror (stdout_errno));

      kvp_cli_printerr (message);
      /* Reported once, whoever calls again. */
      stdout_errno = 0;
      stdout_closed = FALSE;
      return status == EXIT_SUCCESS ? KVP_EXIT_FAILURE : status;
    }

  return status;
}

gboolean
kvp_cli_parse_number (const char  *option,
                      const char  *text,
                      guint64      min,
                      guint64      max,
                      guint64     *out_value,
                      GError     **error)
{
  guint64 value;

  g_return_val_if_fail (option != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_autofree char *quoted = kvp_quote (text);
      g_autofree char *min_text = kvp_format_count (min);
      g_autofree char *max_text = kvp_format_count (max);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--%s “%s” is not valid: use a whole number from %s to %s."),
                   option, quoted, min_text, max_text);
      return FALSE;
    }

  if (out_value != NULL)
    *out_value = value;

  return TRUE;
}

gboolean
kvp_cli_text_to_double (const char *text,
                        double     *out_value)
{
  const char *p = text;
  guint digits = 0;
  double value;

  g_return_val_if_fail (text != NULL, FALSE);

  /* Checked here, since g_ascii_strtod also reads " 1", "+1", "0x10", "inf". */
  for (; g_ascii_isdigit (*p); p++)
    digits++;
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      digits++;
  if (digits == 0)
    return FALSE;
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p != '\0')
    return FALSE;

  errno = 0;
  value = g_ascii_strtod (text, NULL);
  if (errno == ERANGE || !isfinite (value))
    return FALSE;

  if (out_value != NULL)
    *out_value = value;
  return TRUE;
}

gboolean
kvp_cli_lookup_number (GVariantDict  *options,
                       const char    *option,
                       guint64        min,
                       guint64        max,
                       guint64       *out_value,
                       GError       **error)
{
  const char *text;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (option != NULL, FALSE);

  if (!g_variant_dict_lookup (options, option, "&s", &text))
    return TRUE;

  return kvp_cli_parse_number (option, text, min, max, out_value, error);
}

gconstpointer
kvp_cli_lookup_key (gconstpointer   table,
                    guint           n_entries,
                    gsize           entry_size,
                    const char     *key,
                    char          **out_keys)
{
  GString *keys;

  g_return_val_if_fail (table != NULL || n_entries == 0, NULL);
  g_return_val_if_fail (entry_size >= sizeof (const char *), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (out_keys != NULL, NULL);

  for (guint i = 0; i < n_entries; i++)
    {
      const guint8 *entry = (const guint8 *) table + i * entry_size;

      if (g_ascii_strcasecmp (key, *(const char * const *) entry) == 0)
        return entry;
    }

  keys = g_string_new (NULL);
  for (guint i = 0; i < n_entries; i++)
    g_string_append_printf (keys, "%s%s", i > 0 ? ", " : "",
                            *(const char * const *) ((const guint8 *) table + i * entry_size));
  *out_keys = g_string_free (keys, FALSE);

  return NULL;
}

static const GOptionEntry *
find_long (const GOptionEntry *entries,
           const char         *name,
           gsize               len)
{
  for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
    if (strlen (e->long_name) == len && strncmp (e->long_name, name, len) == 0)
      return e;

  return NULL;
}

static const GOptionEntry *
find_short (const GOptionEntry *entries,
            char                c)
{
  for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
    if (e->short_name == c && c != '\0')
      return e;

  return NULL;
}

static gboolean
takes_value (const GOptionEntry *e)
{
  return e->arg != G_OPTION_ARG_NONE &&
         !(e->arg == G_OPTION_ARG_CALLBACK && (e->flags & G_OPTION_FLAG_NO_ARG));
}

static gboolean
is_glib_help (const char *name,
              gsize       len)
{
  static const char *helps[] = { "help", "help-all", "help-gapplication" };

  for (guint i = 0; i < G_N_ELEMENTS (helps); i++)
    if (strlen (helps[i]) == len && strncmp (helps[i], name, len) == 0)
      return TRUE;

  return FALSE;
}

/* Whether every character of text is a short option, as in a cluster. */
static gboolean
all_short_options (const GOptionEntry *entries,
                   const char         *text)
{
  for (const char *c = text; *c != '\0'; c++)
    if (find_short (entries, *c) == NULL)
      return FALSE;

  return TRUE;
}

/* The value checks GOptionContext makes, in the order it makes them. */
static gboolean
check_value (const GOptionEntry  *e,
             const char          *option,
             const char          *value,
             GError             **error)
{
  g_autofree char *utf8 = NULL;
  g_autofree char *quoted_option = kvp_quote (option);
  g_autofree char *quoted_value = kvp_quote (value);
  char *end = NULL;

  switch (e->arg)
    {
    case G_OPTION_ARG_STRING:
    case G_OPTION_ARG_STRING_ARRAY:
      utf8 = g_locale_to_utf8 (value, -1, NULL, NULL, NULL);
      if (utf8 == NULL)
        return kvp_set_invalid (error,
                                _("%s “%s” is not text in this system’s encoding: give the value in plain characters."),
                                quoted_option, quoted_value);
      return TRUE;

    case G_OPTION_ARG_INT:
    case G_OPTION_ARG_INT64:
      {
        gint64 n;

        errno = 0;
        n = g_ascii_strtoll (value, &end, 0);
        if (*value == '\0' || *end != '\0' || errno != 0 ||
            (e->arg == G_OPTION_ARG_INT && (n < G_MININT || n > G_MAXINT)))
          return kvp_set_invalid (error, _("%s “%s” is not valid: use a whole number."), quoted_option, quoted_value);
        return TRUE;
      }

    case G_OPTION_ARG_DOUBLE:
      g_ascii_strtod (value, &end);
      if (*value == '\0' || *end != '\0')
        return kvp_set_invalid (error, _("%s “%s” is not valid: use a number."), quoted_option, quoted_value);
      return TRUE;

    default:
      return TRUE;
    }
}

gboolean
kvp_cli_check_args (const GOptionEntry  *entries,
                    int                  argc,
                    char               **argv,
                    GError             **error)
{
  gboolean has_h;

  g_return_val_if_fail (entries != NULL, FALSE);
  g_return_val_if_fail (argc == 0 || argv != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  has_h = find_short (entries, 'h') != NULL;

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (arg[0] != '-' || arg[1] == '\0')
        continue;                                   /* not an option */

      if (strcmp (arg, "--") == 0)
        break;                                      /* the rest are words */

      if (arg[1] == '-')
        {
          const char *name = arg + 2;
          const char *eq = strchr (name, '=');
          gsize len = eq != NULL ? (gsize) (eq - name) : strlen (name);
          const GOptionEntry *e = find_long (entries, name, len);
          g_autofree char *option = g_strndup (arg, len + 2);
          g_autofree char *quoted = kvp_quote (option);

          if (e == NULL)
            {
              /* GLib's own help options: --help, --help-all and the one group
               * GApplication adds.  Any other --help-WORD is unknown here. */
              if (is_glib_help (name, len))
                continue;
              return kvp_set_invalid (error, _("Unknown option “%s”: see --help for the options kvpage takes."),
                                      quoted);
            }

          if (!takes_value (e))
            continue;

          if (eq != NULL)
            {
              if (!check_value (e, option, eq + 1, error))
                return FALSE;
              continue;
            }

          if (i + 1 >= argc)
            return kvp_set_invalid (error, _("%s needs a value: give it after the option, as in “%s VALUE”."),
                                    quoted, quoted);

          if (!check_value (e, option, argv[++i], error))
            return FALSE;
          continue;
        }

      /* A cluster of short options, "-abc"; ones that take a value take the
       * next argument, and only one of them may be in a cluster. */
      {
        int value_at = i;

        for (const char *c = arg + 1; *c != '\0'; c++)
          {
            const GOptionEntry *e = find_short (entries, *c);
            char option[3] = { '-', *c, '\0' };
            /* A byte of a multibyte character is no option letter: the
             * whole word is named. */
            g_autofree char *quoted = kvp_quote ((guchar) *c >= 0x80 ? arg : option);

            if (e == NULL)
              {
                if (*c == '?' || (*c == 'h' && !has_h))
                  continue;
                return kvp_set_invalid (error, _("Unknown option “%s”: see --help for the options kvpage takes."),
                                        quoted);
              }

            if (!takes_value (e))
              continue;

            /* "-n128": GLib would read "-1", "-2", "-8" as options. */
            if (c[1] != '\0' && !all_short_options (entries, c + 1))
              {
                g_autofree char *quoted_arg = kvp_quote (arg);
                g_autofree char *quoted_value = kvp_quote (c + 1);

                return kvp_set_invalid (error, _("%s: give the value separately, as in “%s %s”."),
                                        quoted_arg, option, quoted_value);
              }

            if (value_at != i)
              return kvp_set_invalid (error, _("%s needs a value of its own: give it as a separate option."),
                                      quoted);
            if (i + 1 >= argc)
              return kvp_set_invalid (error, _("%s needs a value: give it after the option, as in “%s VALUE”."),
                                      quoted, quoted);
            value_at = i + 1;
            if (!check_value (e, option, argv[value_at], error))
              return FALSE;
          }

        i = value_at;
      }
    }

  return TRUE;
}

/* Columns on a terminal: wide (CJK) characters take two cells. */
static guint
display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      width += g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;
    }

  return width;
}

void
kvp_cli_print_cells (GPtrArray *cells,
                     guint      n_columns,
                     guint      n_left)
{
  g_autofree guint *widths = g_new0 (guint, n_columns);

  for (guint i = 0; i < cells->len; i++)
    widths[i % n_columns] = MAX (widths[i % n_columns], display_width (cells->pdata[i]));

  for (guint i = 0; i < cells->len; i++)
    {
      guint column = i % n_columns;
      const char *cell = cells->pdata[i];
      guint pad = widths[column] - display_width (cell);

      if (column < n_left)
        g_print ("%s%*s", cell, column + 1 < n_columns ? pad + 2 : 0, "");
      else
        g_print ("%*s%s%s", pad, "", cell, column + 1 < n_columns ? "  " : "");
      if (column + 1 == n_columns)
        g_print ("\n");
    }
}
