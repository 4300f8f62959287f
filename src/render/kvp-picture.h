/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-picture.h: what both views' pictures have in common.  A KvpPicture is a
 * laid-out scene of either view (the sequence view's KvpScene, the serving
 * view's KvpServingScene): it is painted at time t, says how long its
 * transition lasts and describes itself for screen readers, through one
 * interface the canvases and the exports use.  A KvpPictureSource is what a
 * picture shows before it has a size: the exports lay it out at theirs, in
 * any thread. */

#pragma once

#include <cairo.h>
#include <gio/gio.h>
#include <pango/pangocairo.h>

#include "kvp-simulation.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

typedef struct _KvpPicture      KvpPicture;
typedef struct _KvpPictureClass KvpPictureClass;

struct _KvpPictureClass
{
  /* Frees what the scene holds beyond the KvpPicture it starts with. */
  void   (*finalize)        (KvpPicture *self);
  double (*get_duration)    (KvpPicture *self);
  void   (*paint)           (KvpPicture *self,
                             cairo_t    *cr,
                             double      t);
  char  *(*dup_description) (KvpPicture *self);
};

/* The first member of every scene, which is allocated with
 * g_atomic_rc_box_new0 (the box holds the reference count). */
struct _KvpPicture
{
  const KvpPictureClass *klass;
  const KvpTheme        *theme;
  double                 width, height;
  double                 unit;    /* length scale: 1 at the reference size */
  PangoContext          *pango;   /* of the thread that built the scene */
};

#define KVP_PICTURE(scene) ((KvpPicture *) (scene))

/* The reference size every length is scaled from. */
#define KVP_PICTURE_REFERENCE_WIDTH  1440.0
#define KVP_PICTURE_REFERENCE_HEIGHT 900.0

void            kvp_picture_init            (KvpPicture            *self,
                                             const KvpPictureClass *klass,
                                             const KvpTheme        *theme,
                                             double                 width,
                                             double                 height);
KvpPicture     *kvp_picture_ref             (KvpPicture            *self);
void            kvp_picture_unref           (KvpPicture            *self);
const KvpTheme *kvp_picture_get_theme       (KvpPicture            *self);
double          kvp_picture_get_width       (KvpPicture            *self);
double          kvp_picture_get_height      (KvpPicture            *self);
/* t at and after which every frame is the settled frame. */
double          kvp_picture_get_duration    (KvpPicture            *self);
/* The frame at t; G_MAXDOUBLE (or the duration) paints the settled frame. */
void            kvp_picture_paint           (KvpPicture            *self,
                                             cairo_t               *cr,
                                             double                 t);
/* One sentence saying what the picture shows, for screen readers. */
char           *kvp_picture_dup_description (KvpPicture            *self);

/* A laid-out text and where its top-left corner goes. */
typedef struct
{
  PangoLayout *layout;
  double       x, y;
  double       width, height;
} KvpText;

typedef enum
{
  KVP_TEXT_PLAIN    = 0,
  KVP_TEXT_TABULAR  = 1 << 0, /* figures of one width: changing numbers stay put */
  KVP_TEXT_ELLIPSIZE = 1 << 1, /* with a width: cut with "…" rather than wrapped */
} KvpTextFlags;

/* A layout of text in the theme's font at size units; width > 0 wraps it
 * (or ellipsizes it) at that width. */
PangoLayout    *kvp_picture_new_layout      (KvpPicture            *self,
                                             const char            *text,
                                             double                 size,
                                             PangoWeight            weight,
                                             KvpTextFlags           flags,
                                             double                 width);
/* The same, made while painting: with cr's own Pango context, which is the
 * painting thread's, where the scene's is the thread's that built it. */
PangoLayout    *kvp_picture_new_paint_layout (cairo_t              *cr,
                                              const KvpTheme       *theme,
                                              const char           *text,
                                              double                size,
                                              PangoWeight           weight,
                                              KvpTextFlags          flags,
                                              double                width);
/* text holds layout (taking it) at x, y, measured. */
void            kvp_text_set                (KvpText               *text,
                                             PangoLayout           *layout,
                                             double                 x,
                                             double                 y);
void            kvp_text_clear              (KvpText               *text);
/* Whether the text shows less than it says: ellipsized, or broken inside a
 * word.  A picture shows a text whole or leaves it out. */
gboolean        kvp_text_is_cut             (const KvpText         *text);
/* The largest size, at most size, at which each of the n strings fits
 * width on one line. */
double          kvp_picture_fit_size        (KvpPicture            *self,
                                             const char * const    *strings,
                                             guint                  n,
                                             double                 size,
                                             PangoWeight            weight,
                                             double                 width);
/* Nothing when the text has no layout or alpha is 0. */
void            kvp_text_paint              (cairo_t               *cr,
                                             const KvpText         *text,
                                             const KvpColor        *color,
                                             double                 alpha);

/* A card or panel: the theme's card colour in a rounded rectangle, with a
 * hairline just inside its edge on whole pixels. */
void            kvp_picture_paint_panel     (cairo_t               *cr,
                                             KvpPicture            *self,
                                             const cairo_rectangle_t *rect,
                                             double                 radius);

/* A card's three texts, as both views lay them out. */
typedef struct
{
  char    *title;
  char    *value;
  char    *caption;
  KvpText  title_text;
  KvpText  value_text;
  KvpText  caption_text;
} KvpCardTexts;

void            kvp_card_texts_clear        (KvpCardTexts          *card);

/* What a picture shows, at no size yet. */
typedef struct _KvpPictureSource KvpPictureSource;

typedef KvpPicture *(*KvpPictureBuildFunc) (gpointer        data,
                                            const KvpTheme *theme,
                                            double          width,
                                            double          height);

/* data must be safe to read from any thread while the source lives. */
KvpPictureSource *kvp_picture_source_new    (const char            *title,
                                             KvpPictureBuildFunc    build,
                                             gpointer               data,
                                             GDestroyNotify         destroy);
KvpPictureSource *kvp_picture_source_ref    (KvpPictureSource      *self);
void              kvp_picture_source_unref  (KvpPictureSource      *self);
/* The document title an export gives the picture. */
const char       *kvp_picture_source_get_title (KvpPictureSource   *self);
/* The picture laid out at width × height, in the calling thread. */
KvpPicture       *kvp_picture_source_build  (KvpPictureSource      *self,
                                             const KvpTheme        *theme,
                                             double                 width,
                                             double                 height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpPicture, kvp_picture_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpPictureSource, kvp_picture_source_unref)

/* The scheme as the pictures name it, translated: "PagedAttention",
 * "Max", "Pow2", "Oracle". */
const char *kvp_picture_scheme_title (KvpScheme scheme);

G_END_DECLS
