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

/* a × b into out, or KVP_ERROR_OVERFLOW when a size would not fit in 64 bits. */
gboolean kvp_checked_mul  (guint64   a,
                           guint64   b,
                           guint64  *out,
                           GError  **error);

G_END_DECLS
