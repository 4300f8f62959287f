/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-error.c: the kvpage error domain. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-error.h"

G_DEFINE_QUARK (kvp-error-quark, kvp_error)
