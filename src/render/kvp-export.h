/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-export.h: writes the settled picture to PNG, SVG or PDF without a
 * display, safely: into a temporary file beside the target, then renamed. */

#pragma once

#include <gio/gio.h>

#include "kvp-picture.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

typedef enum
{
  KVP_EXPORT_PNG,
  KVP_EXPORT_SVG,
  KVP_EXPORT_PDF,
} KvpExportFormat;

#define KVP_EXPORT_DEFAULT_WIDTH  1600
#define KVP_EXPORT_DEFAULT_HEIGHT 1000
/* Limits of --size and --scale.  A PNG is held in memory whole: at most
 * 16384 pixels a side and 64 megapixels (256 MiB) in all. */
#define KVP_EXPORT_MIN_WIDTH      640
#define KVP_EXPORT_MIN_HEIGHT     400
#define KVP_EXPORT_MAX_SIDE       8192
#define KVP_EXPORT_MIN_SCALE      1
#define KVP_EXPORT_MAX_SCALE      4
#define KVP_EXPORT_MAX_PIXELS     16384
#define KVP_EXPORT_MAX_AREA       (8192.0 * 8192.0)

gboolean kvp_export_format_from_path (const char      *path,
                                      KvpExportFormat *out_format,
                                      GError         **error);
/* "1600x1000" → width, height, within the limits export accepts. */
gboolean kvp_export_parse_size       (const char      *text,
                                      int             *out_width,
                                      int             *out_height,
                                      GError         **error);
/* "2" → 2, a whole number from 1 to 4. */
gboolean kvp_export_parse_scale      (const char      *text,
                                      int             *out_scale,
                                      GError         **error);
/* Whether width × height at scale is within the limits for the format
 * (KVP_ERROR_INVALID); only a PNG has a scale other than 1. */
gboolean kvp_export_check_size       (KvpExportFormat  format,
                                      int              width,
                                      int              height,
                                      double           scale,
                                      GError         **error);
/* Lays source out at width × height and writes its settled frame, for
 * either view (kvp_scene_source_new, kvp_serving_scene_source_new).
 * KVP_ERROR_INVALID for a bad name, size or scale (nothing is written),
 * KVP_ERROR_FAILED when writing fails (the target is untouched and no
 * temporary file is left). */
gboolean kvp_export_write            (KvpPictureSource *source,
                                      const KvpTheme   *theme,
                                      const char       *path,
                                      int               width,
                                      int               height,
                                      double            scale,
                                      GError          **error);
/* kvp_export_write in a worker thread, for a window that must not stall:
 * the source is held until the file is written; callback runs in the
 * caller's main context. */
void     kvp_export_write_async      (KvpPictureSource *source,
                                      const KvpTheme   *theme,
                                      const char       *path,
                                      int               width,
                                      int               height,
                                      double            scale,
                                      GCancellable     *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer          user_data);
gboolean kvp_export_write_finish     (GAsyncResult    *result,
                                      GError         **error);

G_END_DECLS
