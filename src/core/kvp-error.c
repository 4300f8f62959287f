/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-error.c: the kvpage error domain, its overflow check, and the quoting
 * every message that echoes input goes through. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"

G_DEFINE_QUARK (kvp-error-quark, kvp_error)

gboolean
kvp_set_invalid (GError     **error,
                 const char  *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (KVP_ERROR, KVP_ERROR_INVALID, format, args));
  va_end (args);

  return FALSE;
}

gboolean
kvp_set_failed (GError     **error,
                const char  *format,
                ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (KVP_ERROR, KVP_ERROR_FAILED, format, args));
  va_end (args);

  return FALSE;
}

gboolean
kvp_checked_mul (guint64   a,
                 guint64   b,
                 guint64  *out,
                 GError  **error)
{
  if (!g_uint64_checked_mul (out, a, b))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW,
                   _("The KV cache size does not fit in 64 bits."));
      return FALSE;
    }
  return TRUE;
}

/* Characters that move the cursor, end a line, reorder text or hide
 * themselves: a terminal must show them as text. */
static gboolean
needs_escape (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_UNASSIGNED:
      return TRUE;
    default:
      return FALSE;
    }
}

char *
kvp_quote (const char *text)
{
  GString *quoted;
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  quoted = g_string_sized_new (strlen (text));

  for (p = text; *p != '\0';)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8: the byte, as a shell's $'…' would write it. */
          g_string_append_printf (quoted, "\\x%02X", (guchar) *p);
          p++;
          continue;
        }

      if (!needs_escape (c))
        g_string_append_len (quoted, p, g_utf8_next_char (p) - p);
      else if (c == '\n')
        g_string_append (quoted, "\\n");
      else if (c == '\r')
        g_string_append (quoted, "\\r");
      else if (c == '\t')
        g_string_append (quoted, "\\t");
      else if (c < 0x80)
        g_string_append_printf (quoted, "\\x%02X", c);
      else
        g_string_append_printf (quoted, "\\u%04X", c);

      p = g_utf8_next_char (p);
    }

  return g_string_free (quoted, FALSE);
}
