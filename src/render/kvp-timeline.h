/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-timeline.h: one description of a change — the launch, or from the
 * state on screen to a new one — and every animated value derived from it:
 * the state the figures show, the tokens the grid shows, fades and slides.
 * Computed once per change; a frame is a handful of arithmetic. */

#pragma once

#include <glib.h>

#include "kvp-scene.h"

G_BEGIN_DECLS

typedef struct _KvpTimeline KvpTimeline;

typedef enum
{
  KVP_PART_HEADER,
  KVP_PART_CARDS,  /* KVP_N_CARDS entries, one per card */
  KVP_PART_BARS = KVP_PART_CARDS + KVP_N_CARDS,
  KVP_PART_GRID,
  KVP_N_PARTS
} KvpPart;

/* What one frame shows.  Every figure in the picture (cards, bars, their
 * texts, the grid) is derived from seq_len and max_seq_len, so all of them
 * show one state, mid-transition too. */
typedef struct _KvpFrame
{
  guint64  seq_len;              /* n the figures show */
  guint64  max_seq_len;          /* R the figures show */
  guint64  grid_tokens;          /* tokens the grid shows held (the launch fills it) */
  double   alpha[KVP_N_PARTS];   /* launch fades */
  double   card_offset[KVP_N_CARDS]; /* launch slide, in reference units */
  double   bar_growth[KVP_N_BARS];   /* launch growth, 0 … 1 */
  gboolean settled;
} KvpFrame;

/* The launch of a picture of n tokens reserved R. */
KvpTimeline *kvp_timeline_new_launch  (guint64         seq_len,
                                       guint64         max_seq_len);
/* A change from the frame on screen to n tokens reserved R. */
KvpTimeline *kvp_timeline_new_change  (const KvpFrame *from,
                                       guint64         seq_len,
                                       guint64         max_seq_len);
void         kvp_timeline_free        (KvpTimeline    *self);

/* t at and after which every frame is the settled frame. */
double       kvp_timeline_get_duration (const KvpTimeline *self);
void         kvp_timeline_frame_at    (const KvpTimeline *self,
                                       double             t,
                                       KvpFrame          *out_frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpTimeline, kvp_timeline_free)

G_END_DECLS
