/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-error.c: the kvpage error domain and its overflow check. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kvp-error.h"

G_DEFINE_QUARK (kvp-error-quark, kvp_error)

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
