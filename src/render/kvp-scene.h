/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scene.h: everything the painters need, computed once when the inputs
 * change: layout rectangles, card texts, bar segments, grid geometry and the
 * state of every block.  Painting a frame only reads it. */

#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "kvp-comparison.h"
#include "kvp-picture.h"
#include "kvp-theme.h"

G_BEGIN_DECLS

typedef struct _KvpScene KvpScene;

typedef enum
{
  KVP_CARD_TRADITIONAL,
  KVP_CARD_PAGED,
  KVP_CARD_SAVED,
  KVP_CARD_UTILIZATION,
  KVP_N_CARDS
} KvpCard;

typedef enum
{
  KVP_BAR_TRADITIONAL,
  KVP_BAR_PAGED,
  KVP_N_BARS
} KvpBar;

typedef enum
{
  KVP_BAR_SEGMENT_TRACK, /* the whole byte scale */
  KVP_BAR_SEGMENT_USED,  /* tokens held */
  KVP_BAR_SEGMENT_WASTE, /* reserved but unused, or last-block slack */
} KvpBarSegment;

/* Builds the scene of cmp at width × height (device-independent units). */
KvpScene       *kvp_scene_new                (KvpComparison   *cmp,
                                              const KvpTheme  *theme,
                                              double           width,
                                              double           height);
/* What kvp_scene_new lays out, for the exports: cmp at any size. */
KvpPictureSource *kvp_scene_source_new       (KvpComparison   *cmp);
/* A KvpScene is a KvpPicture (KVP_PICTURE); these are kvp_picture_ref/unref. */
KvpScene       *kvp_scene_ref                (KvpScene        *self);
void            kvp_scene_unref              (KvpScene        *self);

/* Makes the scene a transition from the state previous showed at its own
 * time previous_t (G_MAXDOUBLE for its settled frame): the sequence length
 * and the reservation move along one curve (kvp-timeline.h), and cards,
 * bars and grid show each state between, blocks filling and emptying token
 * by token.  The previous scene stops being a transition itself, so chains
 * never grow; its grid stands in while this one is prepared.  Without a
 * previous scene, time t plays the launch sequence. */
void            kvp_scene_set_previous       (KvpScene        *self,
                                              KvpScene        *previous,
                                              double           previous_t);
/* t at and after which every frame is the settled frame. */
double          kvp_scene_get_duration       (KvpScene        *self);
/* What the frame at t shows (see kvp-timeline.h). */
struct _KvpFrame;
void            kvp_scene_get_frame          (KvpScene        *self,
                                              double           t,
                                              struct _KvpFrame *out_frame);

/* The scene whose texts, cards and bars the frame at t shows: self when
 * settled, another state of the same change mid-transition (borrowed). */
KvpScene       *kvp_scene_get_frame_scene    (KvpScene        *self,
                                              double           t);

/* The device pixels per unit of the target the scene will be painted on (a
 * HiDPI window: 2), so the grid is prepared at that resolution. */
void            kvp_scene_set_device_scale   (KvpScene        *self,
                                              double           scale);
/* Builds the grid's picture for the first frame now, so that frame does
 * not pay for it. */
void            kvp_scene_prepare            (KvpScene        *self);
/* The same in a worker thread; until it is finished the
 * painters draw the previous scene's grid scaled in its place.  A scene from
 * kvp_scene_new is prepared (its grid is built on first paint). */
void            kvp_scene_prepare_async      (KvpScene        *self,
                                              GCancellable    *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer         user_data);
gboolean        kvp_scene_prepare_finish     (KvpScene        *self,
                                              GAsyncResult    *result,
                                              GError         **error);
gboolean        kvp_scene_is_prepared        (KvpScene        *self);

/* The figures the scene's texts say (without a pool for a state between two). */
KvpComparison  *kvp_scene_get_comparison     (KvpScene        *self);
/* Theme and size: kvp_picture_get_theme, _get_width, _get_height. */

/* Card texts as painted in the settled frame. */
const KvpCardTexts *kvp_scene_get_card      (KvpScene        *self,
                                              KvpCard          card);
/* One sentence reading the four cards, for screen readers. */
char           *kvp_scene_dup_description    (KvpScene        *self);

/* Geometry, for tests and pointer hit-testing. */
gboolean        kvp_scene_get_block_rect     (KvpScene        *self,
                                              guint32          block,
                                              cairo_rectangle_t *out_rect);
gboolean        kvp_scene_get_block_at       (KvpScene        *self,
                                              double           x,
                                              double           y,
                                              guint32         *out_block);

/* Cells of the grid: one block each, or k blocks each in a big pool. */
guint32         kvp_scene_get_n_cells        (KvpScene        *self);
guint32         kvp_scene_get_grid_columns   (KvpScene        *self);
guint32         kvp_scene_get_blocks_per_cell (KvpScene       *self);
gboolean        kvp_scene_get_cell_at        (KvpScene        *self,
                                              double           x,
                                              double           y,
                                              guint32         *out_cell);
gboolean        kvp_scene_get_cell_rect      (KvpScene        *self,
                                              guint32          cell,
                                              cairo_rectangle_t *out_rect);
/* Token slot slot of block; FALSE when the cells are too small for slots. */
gboolean        kvp_scene_get_slot_rect      (KvpScene        *self,
                                              guint32          block,
                                              guint32          slot,
                                              cairo_rectangle_t *out_rect);
/* Blocks of the cell the sequence (its samples) holds; other requests' do not count. */
guint32         kvp_scene_count_held_blocks  (KvpScene        *self,
                                              guint32          cell);
/* What a cell holds, as its tooltip says and a screen reader reads it. */
char           *kvp_scene_dup_cell_text      (KvpScene        *self,
                                              guint32          cell);

gboolean        kvp_scene_get_card_rect      (KvpScene        *self,
                                              KvpCard          card,
                                              cairo_rectangle_t *out_rect);
/* A segment of a memory bar in the settled frame; both bars share one byte
 * scale, so lengths are proportional to bytes. */
gboolean        kvp_scene_get_bar_rect       (KvpScene        *self,
                                              KvpBar           bar,
                                              KvpBarSegment    segment,
                                              cairo_rectangle_t *out_rect);
void            kvp_scene_get_grid_bounds    (KvpScene        *self,
                                              cairo_rectangle_t *out_bounds);
/* The notice that the sequence does not fit; FALSE when it fits. */
gboolean        kvp_scene_get_notice_rect    (KvpScene        *self,
                                              cairo_rectangle_t *out_rect);
/* TRUE when the blocks are too small for cells and the grid is an image. */
gboolean        kvp_scene_is_grid_by_pixel   (KvpScene        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpScene, kvp_scene_unref)

G_END_DECLS
