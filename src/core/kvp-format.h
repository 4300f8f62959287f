/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-format.h: figures as a person reads them, the same in the window, the
 * exports and the accessible description. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* IEC binary units with two decimals: "512 B", "22.00 KiB", "44.00 MiB". */
char *kvp_format_bytes   (guint64 bytes);
/* A signed size: "−3.00 MiB" for a negative one. */
char *kvp_format_signed_bytes (gint64 bytes);
/* Two decimals: "93.75 %"; a share that is not zero never reads "0.00 %"
 * ("< 0.01 %"), nor one short of the whole "100.00 %" ("> 99.99 %"). */
char *kvp_format_percent (double  percent);
/* Digit grouping for counts: "1,048,576", "1.048.576" (as the locale groups
 * them; as English does where the locale defines none, such as C). */
char *kvp_format_count   (guint64 count);
/* A whole number ≥ 0 held in a double (a rate's limit, a product of
 * factors), rounded and grouped as kvp_format_count () groups: "1,000,000";
 * any size. */
char *kvp_format_whole   (double  value);
/* The separator kvp_format_count () puts between groups, for reading back
 * what it wrote; owned by the C library or static. */
const char *kvp_format_count_separator (void);
/* A count inside a g_dngettext() result with one %s for it:
 * kvp_format_counted (g_dngettext (…, "%s token used", "%s tokens used", n), n). */
char *kvp_format_counted (const char *format,
                          guint64     count);
/* "1 block", "1,024 blocks"; "1 token", "16 tokens". */
/* A figure with decimals, "%g" with the locale's decimal point: "0.2",
 * "0,2"; for axes and limits, up to six significant digits. */
char *kvp_format_decimal (double  value);
/* A time in seconds to a precision that suits it, the locale's decimal
 * point: "9.87 s", "163.4 s", "1234 s" ("163,4 s" in German). */
char *kvp_format_seconds (guint64 ns);
/* A decimal written the C way ("56.0", as vLLM logs it) with the locale's
 * decimal point: the same digits, "56,0" in German. */
char *kvp_format_ascii_decimal (const char *ascii);
char *kvp_format_blocks  (guint64 count);
char *kvp_format_tokens  (guint64 count);

G_END_DECLS
