/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-error.h: the error domain for mistakes a person can make or a request the
 * allocator cannot satisfy, and the overflow check every size goes through. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KVP_ERROR (kvp_error_quark ())

typedef enum
{
  KVP_ERROR_INVALID,   /* a value outside its allowed range, an unknown name */
  KVP_ERROR_OVERFLOW,  /* a size that does not fit in 64 bits */
  KVP_ERROR_NO_SPACE,  /* the block pool has too few free blocks */
  KVP_ERROR_FAILED,    /* anything else, e.g. writing a file */
} KvpError;

GQuark   kvp_error_quark  (void);

/* Sets KVP_ERROR_INVALID with a printf-style message; FALSE, to return. */
gboolean kvp_set_invalid  (GError     **error,
                           const char  *format,
                           ...) G_GNUC_PRINTF (2, 3);

/* Sets KVP_ERROR_FAILED with a printf-style message; FALSE, to return.  For
 * the self-checks, whose messages are for a developer, not translated. */
gboolean kvp_set_failed   (GError     **error,
                           const char  *format,
                           ...) G_GNUC_PRINTF (2, 3);

/* a × b into out, or KVP_ERROR_OVERFLOW when a size would not fit in 64 bits. */
gboolean kvp_checked_mul  (guint64   a,
                           guint64   b,
                           guint64  *out,
                           GError  **error);

/* Input as it may be quoted in a message: control and format characters and
 * bytes that are not UTF-8 become visible escapes (\n, \t, \x1B, \u202E),
 * so an echoed value stays on one line and cannot drive the terminal. */
char    *kvp_quote        (const char *text);

G_END_DECLS
