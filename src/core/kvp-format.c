/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-format.c: byte sizes, percentages and counts for people. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-format.h"

/* printf, not g_ascii_formatd (): a person reads these next to text the
 * locale formats, and one picture must not mix "0.2" with "0,2". */
char *
kvp_format_decimal (double value)
{
  return g_strdup_printf ("%g", value);
}

char *
kvp_format_seconds (guint64 ns)
{
  double seconds = ns / 1e9;
  int digits = seconds < 10 ? 2 : seconds < 1000 ? 1 : 0;

  /* Translators: a time in seconds, "12.34 s". */
  return g_strdup_printf (_("%.*f s"), digits, seconds);
}

char *
kvp_format_ascii_decimal (const char *ascii)
{
  const char *point = localeconv ()->decimal_point;
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (ascii != NULL, NULL);

  if (point == NULL || *point == '\0' || strcmp (point, ".") == 0)
    return g_strdup (ascii);
  parts = g_strsplit (ascii, ".", -1);
  return g_strjoinv (point, parts);
}

char *
kvp_format_bytes (guint64 bytes)
{
  /* Translators: the binary (IEC) units of memory sizes. */
  static const char *units[] = { N_("KiB"), N_("MiB"), N_("GiB"), N_("TiB"), N_("PiB"), N_("EiB") };
  double value = bytes;
  guint unit = 0;

  if (bytes < 1024)
    /* Translators: a size in bytes, e.g. "512 B". */
    return g_strdup_printf (_("%u B"), (guint) bytes);

  value /= 1024.0;
  /* Move up while the figure, rounded to two decimals, would read 1024.00. */
  while (value >= 1024.0 - 0.005 && unit + 1 < G_N_ELEMENTS (units))
    {
      value /= 1024.0;
      unit++;
    }

  return g_strdup_printf ("%.2f %s", value, _(units[unit]));
}

char *
kvp_format_signed_bytes (gint64 bytes)
{
  g_autofree char *magnitude = NULL;

  if (bytes >= 0)
    return kvp_format_bytes ((guint64) bytes);

  /* The magnitude of G_MININT64 still fits in a guint64. */
  magnitude = kvp_format_bytes ((guint64) (-(bytes + 1)) + 1);
  return g_strconcat ("−", magnitude, NULL);
}

char *
kvp_format_percent (double percent)
{
  /* Two decimals must not call a share that exists nothing, nor a share
   * short of the whole all of it: 8 blocks of 16,777,216 are not 0.00 %. */
  if (percent > 0.0 && percent < 0.005)
    /* Translators: a share too small for two decimals; keep %.2f. */
    return g_strdup_printf (_("< %.2f %%"), 0.01);
  if (percent < 100.0 && percent >= 99.995)
    /* Translators: a share just short of the whole; keep %.2f. */
    return g_strdup_printf (_("> %.2f %%"), 99.99);

  /* Translators: a percentage; keep %.2f, use your language's spacing. */
  return g_strdup_printf (_("%.2f %%"), percent);
}

/* The locale's digit grouping, as printf's ' flag would give it.  C and
 * POSIX define none, and they are the locale of CI, of the screenshots and
 * of many terminals: there the program's own language, English, groups, so
 * "137616" never stands beside "1,912" and figures stay readable. */
static const char *
count_grouping (const char **separator)
{
  static const char english_grouping[] = { 3, 0 };
  const struct lconv *conv = localeconv ();

  if (conv->thousands_sep == NULL || *conv->thousands_sep == '\0' || conv->grouping == NULL
      || *conv->grouping == '\0' || *conv->grouping == CHAR_MAX)
    {
      *separator = ",";
      return english_grouping;
    }
  *separator = conv->thousands_sep;
  return conv->grouping;
}

const char *
kvp_format_count_separator (void)
{
  const char *separator;

  count_grouping (&separator);
  return separator;
}

/* Groups a run of digits, as the locale does; spelt out because ISO C has
 * no ' flag (-Wpedantic refuses it). */
static char *
group_digits (const char *digits)
{
  const char *separator;
  const char *grouping = count_grouping (&separator);
  GString *text = g_string_new (NULL);
  int n = (int) strlen (digits);
  int group = 0, left = 0;

  /* From the right: each group as grouping says, its last size repeating,
   * none after a CHAR_MAX. */
  left = grouping[0];
  for (int i = n - 1; i >= 0; i--)
    {
      g_string_prepend_c (text, digits[i]);
      if (--left == 0 && i > 0)
        {
          g_string_prepend (text, separator);
          if (grouping[group + 1] != '\0')
            group++;
          left = grouping[group] == CHAR_MAX ? -1 : grouping[group];
        }
    }

  return g_string_free (text, FALSE);
}

char *
kvp_format_count (guint64 count)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, count);

  return group_digits (digits);
}

char *
kvp_format_whole (double value)
{
  g_autofree char *digits = g_strdup_printf ("%.0f", value);

  /* Limits and counts are never negative; "%.0f" of anything not finite is
   * a word ("inf"), not digits to group. */
  if (!isfinite (value) || value < 0)
    return g_steal_pointer (&digits);

  return group_digits (digits);
}

/* format is a g_dngettext() result with one %s for the count: translations
 * are checked by msgfmt --check-format, not by the compiler. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
char *
kvp_format_counted (const char *format,
                    guint64     count)
{
  g_autofree char *number = kvp_format_count (count);

  g_return_val_if_fail (format != NULL, NULL);

  return g_strdup_printf (format, number);
}
#pragma GCC diagnostic pop

char *
kvp_format_blocks (guint64 count)
{
  return kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s block", "%s blocks", count), count);
}

char *
kvp_format_tokens (guint64 count)
{
  return kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "%s token", "%s tokens", count), count);
}
