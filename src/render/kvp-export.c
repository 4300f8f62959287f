/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-export.c: the settled picture as PNG, SVG or PDF, with no display.  The
 * file goes through KvpFileWriter, so a failure never leaves half a file or
 * harms an old one. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "kvp-error.h"
#include "kvp-export.h"
#include "kvp-file-writer.h"
#include "kvp-format.h"

typedef struct
{
  int fd;
  int saved_errno; /* the first write error, 0 if none */
} Sink;

static cairo_status_t
write_cb (void                *closure,
          const unsigned char *data,
          unsigned int         length)
{
  Sink *sink = closure;

  if (sink->saved_errno != 0)
    return CAIRO_STATUS_WRITE_ERROR;

  while (length > 0)
    {
      ssize_t n = write (sink->fd, data, length);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          sink->saved_errno = errno;
          return CAIRO_STATUS_WRITE_ERROR;
        }
      data += n;
      length -= (unsigned int) n;
    }

  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_cairo (cairo_status_t status,
             const Sink    *sink,
             const char    *path,
             GError       **error)
{
  if (sink->saved_errno != 0)
    {
      kvp_set_write_error (error, path, g_strerror (sink->saved_errno));
      return FALSE;
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      kvp_set_write_error (error, path, cairo_status_to_string (status));
      return FALSE;
    }

  return TRUE;
}

/* Lays the picture out at width × height units and paints it settled. */
static gboolean
draw (KvpPictureSource *source,
      const KvpTheme   *theme,
      KvpExportFormat  format,
      int              width,
      int              height,
      double           scale,
      Sink            *sink,
      const char      *path,
      GError         **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  switch (format)
    {
    case KVP_EXPORT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                            (int) (width * scale), (int) (height * scale));
      break;
    case KVP_EXPORT_SVG:
      surface = cairo_svg_surface_create_for_stream (write_cb, sink, width, height);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
      break;
    case KVP_EXPORT_PDF:
    default:
      /* Points are 1/72 in and pixels 1/96 in: the page is the picture's size
       * on a screen, and text stays text. */
      surface = cairo_pdf_surface_create_for_stream (write_cb, sink, width * 0.75, height * 0.75);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, kvp_picture_source_get_title (source));
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "kvpage " PACKAGE_VERSION);
      break;
    }

  status = cairo_surface_status (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return check_cairo (status, sink, path, error);
    }

  cr = cairo_create (surface);
  if (format == KVP_EXPORT_PNG)
    cairo_scale (cr, scale, scale);
  else if (format == KVP_EXPORT_PDF)
    cairo_scale (cr, 0.75, 0.75);
  {
    g_autoptr(KvpPicture) picture = kvp_picture_source_build (source, theme, width, height);

    kvp_picture_paint (picture, cr, G_MAXDOUBLE);
  }
  if (format == KVP_EXPORT_PDF)
    cairo_show_page (cr);
  status = cairo_status (cr);
  cairo_destroy (cr);

  if (status == CAIRO_STATUS_SUCCESS && format == KVP_EXPORT_PNG)
    status = cairo_surface_write_to_png_stream (surface, write_cb, sink);

  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  return check_cairo (status, sink, path, error);
}

gboolean
kvp_export_format_from_path (const char      *path,
                             KvpExportFormat *out_format,
                             GError         **error)
{
  static const struct
  {
    const char     *suffix;
    KvpExportFormat format;
  } formats[] = {
    { ".png", KVP_EXPORT_PNG },
    { ".svg", KVP_EXPORT_SVG },
    { ".pdf", KVP_EXPORT_PDF },
  };
  g_autofree char *base = NULL;
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The name, not the folder: "pictures/.png" has no name before its suffix. */
  base = g_path_get_basename (path);
  lower = g_ascii_strdown (base, -1);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_has_suffix (lower, formats[i].suffix) && strlen (lower) > strlen (formats[i].suffix))
      {
        if (out_format != NULL)
          *out_format = formats[i].format;
        return TRUE;
      }
    else if (g_str_equal (lower, formats[i].suffix))
      {
        g_autofree char *display = kvp_quote (path);

        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                     /* Translators: the path, then its suffix, such as .png. */
                     _("“%s” has no name before %s: give one, as in kvpage%s."), display, base, base);
        return FALSE;
      }

  {
    g_autofree char *display = kvp_quote (path);

    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 _("Cannot tell the format of “%s”: the name must end in .png, .svg or .pdf."),
                 display);
  }

  return FALSE;
}

/* The one rule both the parsed and the given sizes are held to; a negative
 * side, as a guint64, is far over the largest. */
static gboolean
size_in_range (guint64 width,
               guint64 height)
{
  return width >= KVP_EXPORT_MIN_WIDTH && width <= KVP_EXPORT_MAX_SIDE &&
         height >= KVP_EXPORT_MIN_HEIGHT && height <= KVP_EXPORT_MAX_SIDE;
}

gboolean
kvp_export_parse_size (const char *text,
                       int        *out_width,
                       int        *out_height,
                       GError    **error)
{
  g_autofree char *quoted = NULL;
  guint64 w, h;
  char *end = NULL;
  const char *p;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  p = text;
  if (!g_ascii_isdigit (*p))
    goto bad;
  w = g_ascii_strtoull (p, &end, 10);
  if (end == p || (*end != 'x' && *end != 'X'))
    goto bad;
  p = end + 1;
  if (!g_ascii_isdigit (*p))
    goto bad;
  h = g_ascii_strtoull (p, &end, 10);
  if (end == p || *end != '\0')
    goto bad;

  if (!size_in_range (w, h))
    {
      quoted = kvp_quote (text);
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The size “%s” is out of range: use %dx%d up to %dx%d."),
                   quoted, KVP_EXPORT_MIN_WIDTH, KVP_EXPORT_MIN_HEIGHT,
                   KVP_EXPORT_MAX_SIDE, KVP_EXPORT_MAX_SIDE);
      return FALSE;
    }

  if (out_width != NULL)
    *out_width = (int) w;
  if (out_height != NULL)
    *out_height = (int) h;

  return TRUE;

bad:
  quoted = kvp_quote (text);
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("The size “%s” is not valid: write it as WIDTHxHEIGHT, e.g. 1600x1000, from %dx%d up to %dx%d."),
               quoted, KVP_EXPORT_MIN_WIDTH, KVP_EXPORT_MIN_HEIGHT,
               KVP_EXPORT_MAX_SIDE, KVP_EXPORT_MAX_SIDE);
  return FALSE;
}

gboolean
kvp_export_parse_scale (const char *text,
                        int        *out_scale,
                        GError    **error)
{
  guint64 scale = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_ascii_string_to_unsigned (text, 10, KVP_EXPORT_MIN_SCALE, KVP_EXPORT_MAX_SCALE, &scale, NULL))
    {
      g_autofree char *quoted = kvp_quote (text);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The scale “%s” is not valid: use a whole number from %d to %d."),
                   quoted, KVP_EXPORT_MIN_SCALE, KVP_EXPORT_MAX_SCALE);
      return FALSE;
    }

  if (out_scale != NULL)
    *out_scale = (int) scale;

  return TRUE;
}

gboolean
kvp_export_check_size (KvpExportFormat format,
                       int             width,
                       int             height,
                       double          scale,
                       GError        **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!size_in_range ((guint64) width, (guint64) height))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The size %dx%d is out of range: use %dx%d up to %dx%d."),
                   width, height, KVP_EXPORT_MIN_WIDTH, KVP_EXPORT_MIN_HEIGHT,
                   KVP_EXPORT_MAX_SIDE, KVP_EXPORT_MAX_SIDE);
      return FALSE;
    }

  if (!(scale >= KVP_EXPORT_MIN_SCALE && scale <= KVP_EXPORT_MAX_SCALE))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The scale %g is not valid: use %d to %d."),
                   scale, KVP_EXPORT_MIN_SCALE, KVP_EXPORT_MAX_SCALE);
      return FALSE;
    }

  if (format != KVP_EXPORT_PNG)
    {
      if (scale != 1.0)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("The scale sets the pixel density of a PNG; SVG and PDF are drawn as vectors and take none."));
          return FALSE;
        }
      return TRUE;
    }

  if (width * scale > KVP_EXPORT_MAX_PIXELS || height * scale > KVP_EXPORT_MAX_PIXELS ||
      width * scale * height * scale > KVP_EXPORT_MAX_AREA)
    {
      g_autofree char *area = kvp_format_whole (KVP_EXPORT_MAX_AREA / (1024 * 1024));
      g_autofree char *side = kvp_format_count (KVP_EXPORT_MAX_PIXELS);

      /* Sizes written WIDTHxHEIGHT stay as --size takes them; the limits
       * are counts, grouped. */
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The size %dx%d at scale %g would be %.0fx%.0f pixels; the limit is %s megapixels and %s pixels a side."),
                   width, height, scale, width * scale, height * scale, area, side);
      return FALSE;
    }

  return TRUE;
}

gboolean
kvp_export_write (KvpPictureSource *source,
                  const KvpTheme   *theme,
                  const char       *path,
                  int               width,
                  int               height,
                  double            scale,
                  GError          **error)
{
  g_autoptr(KvpFileWriter) writer = NULL;
  KvpExportFormat format;
  Sink sink = { -1, 0 };

  g_return_val_if_fail (source != NULL, FALSE);
  g_return_val_if_fail (theme != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The name and size first: nothing is written for a bad one. */
  if (!kvp_export_format_from_path (path, &format, error) ||
      !kvp_export_check_size (format, width, height, scale, error))
    return FALSE;

  writer = kvp_file_writer_new (path, error);
  if (writer == NULL)
    return FALSE;

  sink.fd = kvp_file_writer_get_fd (writer);

  return draw (source, theme, format, width, height, scale, &sink, path, error) &&
         kvp_file_writer_commit (writer, error);
}

typedef struct
{
  KvpPictureSource *source;
  const KvpTheme   *theme;
  char             *path;
  int               width, height;
  double            scale;
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  kvp_picture_source_unref (job->source);
  g_free (job->path);
  g_free (job);
}

/* Pango's default font map is one per thread, so the scene this worker lays
 * out and paints touches nothing the main thread uses. */
static void
write_thread_cb (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  WriteJob *job = task_data;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (kvp_export_write (job->source, job->theme, job->path, job->width, job->height, job->scale, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
kvp_export_write_async (KvpPictureSource    *source,
                        const KvpTheme      *theme,
                        const char          *path,
                        int                  width,
                        int                  height,
                        double               scale,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteJob *job;

  g_return_if_fail (source != NULL);
  g_return_if_fail (theme != NULL);
  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, kvp_export_write_async);
  job = g_new0 (WriteJob, 1);
  job->source = kvp_picture_source_ref (source);
  job->theme = theme;
  job->path = g_strdup (path);
  job->width = width;
  job->height = height;
  job->scale = scale;
  g_task_set_task_data (task, job, (GDestroyNotify) write_job_free);
  g_task_run_in_thread (task, write_thread_cb);
}

gboolean
kvp_export_write_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, kvp_export_write_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
