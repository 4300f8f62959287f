/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-timeline.c: the launch sequence and the change transition as pure
 * functions of t.  A change moves the sequence length and the reservation
 * along one eased curve; cards, bars and grid all read that one state. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>

#include "kvp-draw.h"
#include "kvp-timeline.h"

/* Launch, in seconds. */
#define HEADER_FADE       0.25
#define CARD_STEP         0.1   /* card i starts at (i + 1) × CARD_STEP */
#define CARD_FADE         0.35
#define CARD_SLIDE        12.0  /* reference units */
#define BARS_FADE_START   0.3
#define BARS_FADE         0.3
#define BARS_GROW_START   0.45
#define BARS_GROW_STAGGER 0.08
#define BARS_GROW         0.6
#define GRID_FADE_START   0.35
#define GRID_FADE         0.3
#define GRID_FILL_START   0.5
#define GRID_FILL         1.0
/* A change. */
#define CHANGE_EASE       0.45

struct _KvpTimeline
{
  gboolean launch;
  guint64  from_seq_len, from_max_seq_len, from_grid_tokens;
  guint64  seq_len, max_seq_len;
  double   duration;
};

static guint64
mix (guint64 from,
     guint64 to,
     double   p)
{
  if (p >= 1.0)
    return to;
  return (guint64) llround ((double) from + ((double) to - (double) from) * p);
}

KvpTimeline *
kvp_timeline_new_launch (guint64 seq_len,
                         guint64 max_seq_len)
{
  KvpTimeline *self = g_new0 (KvpTimeline, 1);

  self->launch = TRUE;
  self->seq_len = self->from_seq_len = seq_len;
  self->max_seq_len = self->from_max_seq_len = max_seq_len;
  self->from_grid_tokens = 0;
  self->duration = MAX (KVP_N_CARDS * CARD_STEP + CARD_FADE,
                        MAX (BARS_GROW_START + BARS_GROW_STAGGER + BARS_GROW,
                             GRID_FILL_START + GRID_FILL));

  return self;
}

KvpTimeline *
kvp_timeline_new_change (const KvpFrame *from,
                         guint64         seq_len,
                         guint64         max_seq_len)
{
  KvpTimeline *self;

  g_return_val_if_fail (from != NULL, NULL);

  self = g_new0 (KvpTimeline, 1);
  self->from_seq_len = from->seq_len;
  self->from_max_seq_len = from->max_seq_len;
  self->from_grid_tokens = from->grid_tokens;
  self->seq_len = seq_len;
  self->max_seq_len = max_seq_len;
  /* Nothing that moves (another model, block size or pool): the new picture
   * stands at once, as one state. */
  if (from->seq_len == seq_len && from->max_seq_len == max_seq_len && from->grid_tokens == seq_len)
    self->duration = 0.0;
  else
    self->duration = CHANGE_EASE;

  return self;
}

void
kvp_timeline_free (KvpTimeline *self)
{
  g_free (self);
}

double
kvp_timeline_get_duration (const KvpTimeline *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->duration;
}

void
kvp_timeline_frame_at (const KvpTimeline *self,
                       double             t,
                       KvpFrame          *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  out->settled = t >= self->duration;
  for (int i = 0; i < KVP_N_PARTS; i++)
    out->alpha[i] = 1.0;
  for (int i = 0; i < KVP_N_CARDS; i++)
    out->card_offset[i] = 0.0;
  for (int i = 0; i < KVP_N_BARS; i++)
    out->bar_growth[i] = 1.0;
  out->seq_len = self->seq_len;
  out->max_seq_len = self->max_seq_len;
  out->grid_tokens = self->seq_len;

  if (out->settled)
    return;

  if (self->launch)
    {
      /* The figures are the final ones from the start; the picture builds
       * itself around them and the grid fills token by token. */
      out->alpha[KVP_PART_HEADER] = kvp_draw_progress (t, 0.0, HEADER_FADE);
      for (int i = 0; i < KVP_N_CARDS; i++)
        {
          double p = kvp_draw_progress (t, (i + 1) * CARD_STEP, CARD_FADE);

          out->alpha[KVP_PART_CARDS + i] = p;
          out->card_offset[i] = (1.0 - p) * CARD_SLIDE;
        }
      out->alpha[KVP_PART_BARS] = kvp_draw_progress (t, BARS_FADE_START, BARS_FADE);
      for (int i = 0; i < KVP_N_BARS; i++)
        out->bar_growth[i] = kvp_draw_progress (t, BARS_GROW_START + i * BARS_GROW_STAGGER, BARS_GROW);
      out->alpha[KVP_PART_GRID] = kvp_draw_progress (t, GRID_FADE_START, GRID_FADE);
      out->grid_tokens = mix (0, self->seq_len, kvp_draw_progress (t, GRID_FILL_START, GRID_FILL));
      return;
    }

  {
    double p = kvp_draw_progress (t, 0.0, CHANGE_EASE);

    out->seq_len = mix (self->from_seq_len, self->seq_len, p);
    out->max_seq_len = mix (self->from_max_seq_len, self->max_seq_len, p);
    /* The grid shows the sequence the figures show; a change that starts
     * mid-launch first catches up with the fill. */
    out->grid_tokens = mix (self->from_grid_tokens, self->seq_len, p);
    if (self->from_grid_tokens == self->from_seq_len)
      out->grid_tokens = out->seq_len;
  }
}
