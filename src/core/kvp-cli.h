/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-cli.h: what every command-line option shares: one-line messages in
 * kvpage's voice, option values read with the option named, arguments
 * checked before GLib's parser sees them, and checked writes to stdout. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* kvpage's exit statuses, the only ones it returns. */
typedef enum
{
  KVP_EXIT_SUCCESS = 0,
  KVP_EXIT_FAILURE = 1,  /* could not do it: a write failed, no memory */
  KVP_EXIT_USAGE   = 2,  /* bad usage or bad input */
} KvpExitStatus;

/* Guards standard input, output and error: a descriptor the caller closed is
 * pointed at /dev/null so no file kvpage opens lands on it, and output meant
 * for a closed stdout becomes an error kvp_cli_finish() reports.  Installs
 * the print handler that notices write errors.  Call first in main(). */
void     kvp_cli_init            (void);
/* "kvpage: MESSAGE" on stderr, on one line whatever the message holds. */
void     kvp_cli_printerr        (const char *message);
/* Prints the error and returns the exit status it deserves: 2 for
 * KVP_ERROR_INVALID, 1 for anything else. */
int      kvp_cli_fail            (const GError *error);
/* Flushes stdout.  When any output was lost, says so on stderr ("could not
 * write standard output: …") and turns a status of 0 into 1. */
int      kvp_cli_finish          (int status);

/* The value of --OPTION as a whole number in [min, max]; the message names the
 * option, the value and the range. */
gboolean kvp_cli_parse_number    (const char  *option,
                                  const char  *text,
                                  guint64      min,
                                  guint64      max,
                                  guint64     *out_value,
                                  GError     **error);
/* Text as a number with a fraction, in the one syntax every option takes:
 * digits with an optional point and exponent ("20", "0.92", ".5", "1e-3"),
 * nothing else — no sign, space, hex, inf or nan, as kvp_cli_parse_number ()
 * takes digits only.  FALSE for any other text, or a number beyond a double. */
gboolean kvp_cli_text_to_double  (const char  *text,
                                  double      *out_value);
/* kvp_cli_parse_number () on --OPTION's value in @options, when it is given. */
gboolean kvp_cli_lookup_number   (GVariantDict  *options,
                                  const char    *option,
                                  guint64        min,
                                  guint64        max,
                                  guint64       *out_value,
                                  GError       **error);
/* The entry of @table (@n_entries structs of @entry_size bytes, each
 * beginning with its `const char *key`) whose key is @key, ASCII case aside;
 * or NULL, with the keys there are, "a, b, c", in *out_keys for the
 * "Unknown … “x”: use one of …" message (free it). */
gconstpointer kvp_cli_lookup_key (gconstpointer   table,
                                  guint           n_entries,
                                  gsize           entry_size,
                                  const char     *key,
                                  char          **out_keys);
/* Checks argv the way GOptionContext will read it against @entries (plus the
 * help options) and reports, in kvpage's words and naming the option and the
 * value, what GLib would otherwise report in its own: an unknown option, a
 * missing value, a value that is not text in the locale's encoding, a number
 * GLib cannot read.  KVP_ERROR_INVALID. */
gboolean kvp_cli_check_args      (const GOptionEntry  *entries,
                                  int                  argc,
                                  char               **argv,
                                  GError             **error);

/* Prints @cells as rows of @n_columns on stdout, aligned for a terminal
 * (wide characters take two cells): the first @n_left columns are names, to
 * the left; the others numbers, to the right. */
void     kvp_cli_print_cells     (GPtrArray           *cells,
                                  guint                n_columns,
                                  guint                n_left);

G_END_DECLS
