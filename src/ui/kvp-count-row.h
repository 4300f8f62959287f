/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-count-row.h: one whole-number setting — a label, a spin button that
 * reads and writes counts the way the locale groups digits, and a slider
 * over the whole range (over powers of two where the range is wide).  Bad
 * text is refused with a visible error; a clamped value says why. */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KVP_TYPE_COUNT_ROW (kvp_count_row_get_type ())

G_DECLARE_FINAL_TYPE (KvpCountRow, kvp_count_row, KVP, COUNT_ROW, GtkWidget)

guint64        kvp_count_row_get_value       (KvpCountRow *self);
void           kvp_count_row_set_value       (KvpCountRow *self,
                                              guint64      value);
void           kvp_count_row_set_range       (KvpCountRow *self,
                                              guint64      lower,
                                              guint64      upper);
void           kvp_count_row_set_label       (KvpCountRow *self,
                                              const char  *label);
/* The slider moves over log2 of the count; with snap, to whole powers. */
void           kvp_count_row_set_log_scale   (KvpCountRow *self,
                                              gboolean     log_scale,
                                              gboolean     snap);
/* Why the upper end is where it is, told when a typed value is clamped:
 * "a sequence is at most the reserved length." */
void           kvp_count_row_set_max_reason  (KvpCountRow *self,
                                              const char  *reason);
/* There is no count, for @reason (shown under the row): the spin button
 * shows a dash and the slider hides, never the last count.  NULL brings the
 * count back. */
void           kvp_count_row_set_absent      (KvpCountRow *self,
                                              const char  *reason);
/* The message shown under the row, or NULL. */
const char    *kvp_count_row_get_message     (KvpCountRow *self);

GtkSpinButton *kvp_count_row_get_spin_button (KvpCountRow *self);
GtkScale      *kvp_count_row_get_scale       (KvpCountRow *self);

/* A whole number as a person types it: digits, optionally grouped with
 * @thousands_sep (spaces and no-break spaces are always allowed between
 * groups of three).  FALSE for anything else (letters, a sign, a fraction,
 * a misplaced separator). */
gboolean       kvp_count_parse               (const char  *text,
                                              const char  *thousands_sep,
                                              guint64     *out_value);

G_END_DECLS
