/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-grid.c: the block grid.  Blocks sit row by row in physical order.  Big
 * cells are drawn in a handful of batched paths (one per colour); below
 * KVP_GRID_MIN_CELL_PITCH the grid becomes an image in which each pixel shows
 * the share of allocated blocks beneath it, built once and painted whole. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kvp-draw.h"
#include "kvp-grid.h"

/* Colour steps along the allocated gradient; one path is filled per step. */
#define N_GRADIENT_STEPS 48

typedef struct
{
  double start;    /* when the first allocated block starts to fill */
  double stagger;  /* when the last one starts, after the first */
  double duration; /* how long one block takes to fill */
  double free_start;
  double free_duration;
} Reveal;

struct _KvpGrid
{
  const KvpTheme    *theme;
  guint32            num_blocks;
  guint32            block_size;
  cairo_rectangle_t  bounds;
  guint32            columns;
  guint32            rows;
  double             pitch;      /* by cell only */
  double             cell;       /* by cell only: pitch minus the gap */
  double             radius;
  gboolean           by_pixel;

  /* Allocated blocks in logical order: physical index and fill (0 … 1]. */
  guint32           *table;
  float             *fill;
  guint32            n_allocated;
  guint8            *allocated;  /* by cell only: one flag per block */

  /* By pixel: the settled image, and a scratch one for animated frames. */
  cairo_surface_t   *image;
  cairo_surface_t   *scratch;
  cairo_surface_t   *cells;      /* by cell: the settled grid, rasterized */
  double             cells_scale;
  float             *accumulator;
  gsize              accumulator_len;
};

static double
block_progress (const Reveal *reveal,
                guint32       i,
                guint32       n,
                double        t)
{
  double start = reveal->start;

  if (n > 1)
    start += reveal->stagger * i / (double) (n - 1);

  return kvp_draw_progress (t, start, reveal->duration);
}

static double
position_of (guint32 i,
             guint32 n)
{
  return n > 1 ? i / (double) (n - 1) : 0.0;
}

static void
get_launch_reveal (const KvpGrid *self,
                   Reveal        *reveal)
{
  reveal->start = 0.5;
  /* Capped, so a million blocks fill in the same second as a hundred. */
  reveal->stagger = MIN (1.0, 0.03 * self->n_allocated);
  reveal->duration = 0.3;
  reveal->free_start = 0.35;
  reveal->free_duration = 0.3;
}

static void
get_change_reveal (const KvpGrid *self,
                   guint32        n_new,
                   Reveal        *reveal)
{
  reveal->start = 0.0;
  reveal->stagger = MIN (0.35, 0.02 * n_new);
  reveal->duration = 0.25;
  reveal->free_start = 0.0;
  reveal->free_duration = 0.0;
}

#define FREE_FADE_DURATION 0.3
#define CROSSFADE_DURATION 0.4

static gboolean
same_geometry (const KvpGrid *a,
               const KvpGrid *b)
{
  return a->num_blocks == b->num_blocks &&
         a->columns == b->columns &&
         a->rows == b->rows &&
         a->by_pixel == b->by_pixel &&
         a->pitch == b->pitch &&
         memcmp (&a->bounds, &b->bounds, sizeof a->bounds) == 0;
}

static void
choose_cells (KvpGrid *self,
              double   max_pitch)
{
  double w = self->bounds.width;
  double h = self->bounds.height;
  guint64 n = self->num_blocks;
  guint64 estimate, lo, hi;
  double best = 0.0;
  guint64 best_columns = 1;

  /* The pitch is the smaller of width / columns and height / rows; near
   * sqrt (n × w / h) columns it is largest, and small counts try them all. */
  estimate = (guint64) ceil (sqrt (n * w / MAX (h, 1.0)));
  if (n <= 4096)
    lo = 1, hi = n;
  else
    lo = estimate > 3 ? estimate - 3 : 1, hi = MIN (n, estimate + 3);

  for (guint64 c = lo; c <= hi; c++)
    {
      guint64 r = (n + c - 1) / c;
      double p = MIN (w / c, h / r);

      if (p > best)
        best = p, best_columns = c;
    }

  self->pitch = MIN (best, max_pitch);
  self->columns = best_columns;
}

static void
layout (KvpGrid                 *self,
        const cairo_rectangle_t *area,
        double                   max_pitch)
{
  self->bounds = *area;
  choose_cells (self, max_pitch);

  if (self->pitch >= KVP_GRID_MIN_CELL_PITCH)
    {
      double gap;

      /* Whole units keep cell edges crisp at scale 1. */
      self->pitch = floor (self->pitch);
      gap = self->pitch >= 8.0 ? MAX (1.0, round (self->pitch * 0.14)) : 1.0;
      self->cell = self->pitch - gap;
      self->radius = self->cell >= 10.0 ? self->cell * 0.2 : 0.0;
      self->columns = (guint32) MIN ((guint64) self->num_blocks,
                                     (guint64) floor (area->width / self->pitch));
      self->columns = MAX (self->columns, 1);
      self->rows = (self->num_blocks + self->columns - 1) / self->columns;
      /* The gap after the last column and row is not part of the grid. */
      self->bounds.width = self->columns * self->pitch - gap;
      self->bounds.height = self->rows * self->pitch - gap;
      /* Whole-unit pitches leave up to a unit per column over: share it out
       * on both sides when the grid spans the area. */
      if (self->rows > 1)
        self->bounds.x = area->x + floor ((area->width - self->bounds.width) / 2);
      self->by_pixel = FALSE;
    }
  else
    {
      guint64 n = self->num_blocks;
      guint64 c = (guint64) ceil (sqrt (n * area->width / MAX (area->height, 1.0)));

      c = CLAMP (c, 1, n);
      self->columns = (guint32) c;
      self->rows = (guint32) ((n + c - 1) / c);
      self->by_pixel = TRUE;
      self->pitch = area->width / self->columns;
      self->cell = self->pitch;
      self->radius = 0.0;
    }
}

static void
read_blocks (KvpGrid       *self,
             KvpComparison *cmp)
{
  const guint32 *table = NULL;
  guint n = 0;

  if (cmp->fits && kvp_block_pool_has_sequence (cmp->pool, cmp->seq))
    table = kvp_block_pool_get_block_table (cmp->pool, cmp->seq, &n);

  self->n_allocated = n;
  self->table = g_new (guint32, MAX (n, 1));
  self->fill = g_new (float, MAX (n, 1));
  if (n > 0)
    memcpy (self->table, table, n * sizeof (guint32));

  for (guint i = 0; i < n; i++)
    {
      guint fill = kvp_block_pool_get_fill (cmp->pool, table[i]);

      self->fill[i] = (float) fill / self->block_size;
    }

  if (!self->by_pixel)
    {
      self->allocated = g_malloc0 (self->num_blocks);
      for (guint i = 0; i < n; i++)
        self->allocated[table[i]] = 1;
    }
}

/* Once per pixel of a big grid: + 0.5 and truncation round as round() does
 * for these non-negative values, without a libm call. */
static inline guint32
pack (const KvpColor *c)
{
  guint32 r = (guint32) (CLAMP (c->red, 0.0, 1.0) * 255.0 + 0.5);
  guint32 g = (guint32) (CLAMP (c->green, 0.0, 1.0) * 255.0 + 0.5);
  guint32 b = (guint32) (CLAMP (c->blue, 0.0, 1.0) * 255.0 + 0.5);

  return 0xff000000u | r << 16 | g << 8 | b;
}

/* The size of the by-pixel image for cr: one pixel per device pixel, or one
 * per block when blocks are bigger than pixels. */
static void
image_size_for (const KvpGrid *self,
                cairo_t       *cr,
                int           *out_width,
                int           *out_height)
{
  double dx = self->bounds.width, dy = self->bounds.height;

  if (cr != NULL)
    {
      double ux = self->bounds.width, uy = 0, vx = 0, vy = self->bounds.height;

      cairo_user_to_device_distance (cr, &ux, &uy);
      cairo_user_to_device_distance (cr, &vx, &vy);
      dx = hypot (ux, uy);
      dy = hypot (vx, vy);
    }

  *out_width = (int) MIN ((double) self->columns, MAX (1.0, ceil (dx - 0.01)));
  *out_height = (int) MIN ((double) self->rows, MAX (1.0, ceil (dy - 0.01)));
}

/* Writes the share image: each pixel mixes the free colour with the gradient
 * colour (at the mean position of the allocated blocks under it) by the
 * share of allocated token slots under it.  O(pixels + allocated blocks). */
static void
build_image (KvpGrid         *self,
             cairo_surface_t *surface,
             const Reveal    *reveal,
             double           t)
{
  int iw = cairo_image_surface_get_width (surface);
  int ih = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *data;
  g_autofree guint32 *col_count = g_new0 (guint32, iw);
  g_autofree guint32 *col_first = g_new (guint32, iw);
  g_autofree guint32 *row_count = g_new0 (guint32, ih);
  guint32 last_row_blocks;
  guint32 free_pixel = pack (&self->theme->free_block);
  gsize n_pixels = (gsize) iw * ih;
  float *weight, *position;

  if (self->accumulator_len < 2 * n_pixels)
    {
      g_free (self->accumulator);
      self->accumulator = g_new (float, 2 * n_pixels);
      self->accumulator_len = 2 * n_pixels;
    }
  weight = self->accumulator;
  position = self->accumulator + n_pixels;
  memset (weight, 0, 2 * n_pixels * sizeof (float));

  for (guint32 c = self->columns; c-- > 0;)
    {
      guint32 px = (guint32) ((guint64) c * iw / self->columns);

      col_count[px]++;
      col_first[px] = c;
    }
  for (guint32 r = 0; r < self->rows; r++)
    row_count[(guint64) r * ih / self->rows]++;
  last_row_blocks = self->num_blocks - (self->rows - 1) * self->columns;

  for (guint32 i = 0; i < self->n_allocated; i++)
    {
      guint32 block = self->table[i];
      guint32 c = block % self->columns;
      guint32 r = block / self->columns;
      gsize p = (gsize) ((guint64) r * ih / self->rows) * iw + (guint64) c * iw / self->columns;
      float w = self->fill[i];

      if (reveal != NULL)
        w *= (float) block_progress (reveal, i, self->n_allocated, t);
      weight[p] += w;
      position[p] += w * (float) position_of (i, self->n_allocated);
    }

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);

  for (int y = 0; y < ih; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) y * stride);
      gboolean last = (y == ih - 1);

      for (int x = 0; x < iw; x++)
        {
          gsize p = (gsize) y * iw + x;
          guint32 total = col_count[x] * row_count[y];
          float share;

          /* The last row of blocks may stop short of the right edge. */
          if (last && last_row_blocks < self->columns)
            {
              guint32 first = MAX (col_first[x], last_row_blocks);
              guint32 end = col_first[x] + col_count[x];

              if (end > first)
                total -= end - first;
            }

          if (total == 0)
            {
              row[x] = 0;
              continue;
            }

          share = weight[p] / total;
          if (share <= 0.0f)
            row[x] = free_pixel;
          else
            {
              KvpColor g = kvp_theme_paged_at (self->theme, position[p] / weight[p]);
              KvpColor f = self->theme->free_block;
              KvpColor mix;

              share = MIN (share, 1.0f);
              mix.red = f.red + (g.red - f.red) * share;
              mix.green = f.green + (g.green - f.green) * share;
              mix.blue = f.blue + (g.blue - f.blue) * share;
              row[x] = pack (&mix);
            }
        }
    }

  cairo_surface_mark_dirty (surface);
}

/* Makes *surface an image of the by-pixel size for cr; TRUE when it had to
 * be made anew (and so holds nothing yet). */
static gboolean
ensure_surface (KvpGrid          *self,
                cairo_t          *cr,
                cairo_surface_t **surface)
{
  int iw, ih;

  image_size_for (self, cr, &iw, &ih);
  if (*surface != NULL &&
      cairo_image_surface_get_width (*surface) == iw &&
      cairo_image_surface_get_height (*surface) == ih)
    return FALSE;

  g_clear_pointer (surface, cairo_surface_destroy);
  *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, iw, ih);
  return TRUE;
}

/* The settled by-pixel image, built once per size. */
static cairo_surface_t *
ensure_image (KvpGrid *self,
              cairo_t *cr)
{
  if (ensure_surface (self, cr, &self->image))
    build_image (self, self->image, NULL, 0.0);

  return self->image;
}

/* A surface for animated frames, rebuilt by the caller every frame. */
static cairo_surface_t *
ensure_scratch (KvpGrid *self,
                cairo_t *cr)
{
  ensure_surface (self, cr, &self->scratch);

  return self->scratch;
}

static void
paint_image (KvpGrid         *self,
             cairo_t         *cr,
             cairo_surface_t *image,
             double           alpha)
{
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  int iw = cairo_image_surface_get_width (image);
  int ih = cairo_image_surface_get_height (image);

  if (alpha <= 0.0)
    return;

  pattern = cairo_pattern_create_for_surface (image);
  cairo_matrix_init_scale (&matrix, iw / self->bounds.width, ih / self->bounds.height);
  cairo_matrix_translate (&matrix, -self->bounds.x, -self->bounds.y);
  cairo_pattern_set_matrix (pattern, &matrix);
  /* Blocks bigger than a pixel keep hard edges. */
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);

  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, self->bounds.x, self->bounds.y, self->bounds.width, self->bounds.height);
  cairo_clip (cr);
  if (alpha >= 1.0)
    cairo_paint (cr);
  else
    cairo_paint_with_alpha (cr, alpha);
  cairo_restore (cr);
  cairo_pattern_destroy (pattern);
}

static void
cell_origin (const KvpGrid *self,
             guint32        block,
             double        *x,
             double        *y)
{
  *x = self->bounds.x + (block % self->columns) * self->pitch;
  *y = self->bounds.y + (block / self->columns) * self->pitch;
}

/* A cell scaled by a about its centre (a block filling in or fading out). */
static void
add_cell (const KvpGrid *self,
          cairo_t       *cr,
          guint32        block,
          double         a)
{
  double x, y, size, inset;

  cell_origin (self, block, &x, &y);
  if (a >= 1.0)
    {
      kvp_draw_rounded_rect (cr, x, y, self->cell, self->cell, self->radius);
      return;
    }

  size = self->cell * a;
  inset = (self->cell - size) / 2.0;
  kvp_draw_rounded_rect (cr, x + inset, y + inset, size, size, self->radius * a);
}

static void
paint_free_cells (KvpGrid *self,
                  cairo_t *cr,
                  gboolean all,
                  double   alpha)
{
  if (alpha <= 0.0)
    return;

  cairo_new_path (cr);
  for (guint32 b = 0; b < self->num_blocks; b++)
    if (all || !self->allocated[b])
      add_cell (self, cr, b, 1.0);
  kvp_draw_set_color (cr, &self->theme->free_block, alpha);
  cairo_fill (cr);
}

/* A partly filled block: the free cell with its filled share rising from
 * the bottom, so the fill reads like a level. */
static void
paint_partial_cell (KvpGrid        *self,
                    cairo_t        *cr,
                    guint32         block,
                    double          fill,
                    const KvpColor *color,
                    double          a)
{
  double x, y, level;

  if (a <= 0.0 || fill <= 0.0)
    return;

  cell_origin (self, block, &x, &y);
  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, x, y, self->cell, self->cell, self->radius);
  cairo_clip (cr);
  kvp_draw_set_color (cr, &self->theme->free_block, 1.0);
  cairo_paint (cr);
  level = self->cell * fill * a;
  cairo_rectangle (cr, x, y + self->cell - level, self->cell, level);
  kvp_draw_set_color (cr, color, 1.0);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* Allocated cells in logical order, one path per gradient step.  progress_of
 * gives each block's fill-in progress, NULL meaning settled. */
typedef double (*ProgressFunc) (KvpGrid *self, guint32 i, gpointer data);

static void
paint_allocated_cells (KvpGrid      *self,
                       cairo_t      *cr,
                       ProgressFunc  progress_of,
                       gpointer      data)
{
  guint32 n = self->n_allocated;
  int step = -1;
  KvpColor c = { 0 };

  cairo_new_path (cr);
  for (guint32 i = 0; i < n; i++)
    {
      int s = (int) ((guint64) i * N_GRADIENT_STEPS / n);
      double a;

      if (s != step)
        {
          if (step >= 0)
            {
              kvp_draw_set_color (cr, &c, 1.0);
              cairo_fill (cr);
            }
          step = s;
          c = kvp_theme_paged_at (self->theme, position_of (i, n));
        }

      if (self->fill[i] < 1.0f)
        continue;
      a = progress_of != NULL ? progress_of (self, i, data) : 1.0;
      if (a > 0.0)
        add_cell (self, cr, self->table[i], a);
    }
  if (step >= 0)
    {
      kvp_draw_set_color (cr, &c, 1.0);
      cairo_fill (cr);
    }

  /* Partly filled blocks: the last of each sequence, so only a few. */
  for (guint32 i = 0; i < n; i++)
    if (self->fill[i] < 1.0f)
      {
        KvpColor pc = kvp_theme_paged_at (self->theme, position_of (i, n));
        double a = progress_of != NULL ? progress_of (self, i, data) : 1.0;

        paint_partial_cell (self, cr, self->table[i], self->fill[i], &pc, a);
      }
}

typedef struct
{
  const Reveal  *reveal;
  double         t;
  const KvpGrid *previous; /* a change: blocks allocated before stay put */
  guint32        first_new;
  guint32        last_new;
} Progress;

static gboolean
was_allocated (const KvpGrid *previous,
               guint32        block)
{
  return previous != NULL && previous->allocated[block];
}

static double
progress_cb (KvpGrid *self,
             guint32  i,
             gpointer data)
{
  const Progress *p = data;

  if (p->previous == NULL)
    return block_progress (p->reveal, i, self->n_allocated, p->t);
  if (was_allocated (p->previous, self->table[i]))
    return 1.0;

  return block_progress (p->reveal, i - p->first_new,
                         p->last_new - p->first_new + 1, p->t);
}

static void
find_new_blocks (const KvpGrid *self,
                 const KvpGrid *previous,
                 guint32       *out_first,
                 guint32       *out_last,
                 guint32       *out_count)
{
  guint32 first = G_MAXUINT32, last = 0, count = 0;

  for (guint32 i = 0; i < self->n_allocated; i++)
    if (!was_allocated (previous, self->table[i]))
      {
        first = MIN (first, i);
        last = i;
        count++;
      }

  if (count == 0)
    first = 0;
  *out_first = first;
  *out_last = last;
  *out_count = count;
}

/* Blocks allocated before and now free shrink away in their old colour,
 * batched by gradient step like the allocated ones. */
static void
paint_freed_cells (KvpGrid       *self,
                   cairo_t       *cr,
                   const KvpGrid *previous,
                   double         t)
{
  double a = 1.0 - kvp_draw_progress (t, 0.0, FREE_FADE_DURATION);
  guint32 n = previous->n_allocated;
  int step = -1;
  KvpColor c = { 0 };

  if (a <= 0.0)
    return;

  cairo_new_path (cr);
  for (guint32 i = 0; i < n; i++)
    {
      int s = (int) ((guint64) i * N_GRADIENT_STEPS / n);
      guint32 block = previous->table[i];

      if (self->allocated[block])
        continue;

      if (s != step)
        {
          if (step >= 0)
            {
              kvp_draw_set_color (cr, &c, 1.0);
              cairo_fill (cr);
            }
          step = s;
          c = kvp_theme_paged_at (self->theme, position_of (i, n));
        }
      add_cell (self, cr, block, a);
    }
  if (step >= 0)
    {
      kvp_draw_set_color (cr, &c, 1.0);
      cairo_fill (cr);
    }
}

/* Settled cells on an image target are drawn once into an image at the
 * device scale and then painted whole; vector targets (SVG, PDF) and
 * transformed ones get the paths, so exports stay vector. */
static gboolean
paint_cached_cells (KvpGrid *self,
                    cairo_t *cr)
{
  cairo_surface_t *target = cairo_get_target (cr);
  cairo_matrix_t matrix;
  double ox = self->bounds.x, oy = self->bounds.y, scale;
  int iw, ih;

  cairo_get_matrix (cr, &matrix);
  if (cairo_surface_get_type (target) != CAIRO_SURFACE_TYPE_IMAGE ||
      matrix.xy != 0.0 || matrix.yx != 0.0 || matrix.xx != matrix.yy || matrix.xx <= 0.0)
    return FALSE;

  /* Only when the grid lands on whole device pixels, so the paint is a copy. */
  cairo_user_to_device (cr, &ox, &oy);
  if (ox != floor (ox) || oy != floor (oy))
    return FALSE;

  scale = matrix.xx;
  iw = (int) ceil (self->bounds.width * scale);
  ih = (int) ceil (self->bounds.height * scale);
  if (self->cells == NULL || self->cells_scale != scale)
    {
      cairo_t *icr;

      g_clear_pointer (&self->cells, cairo_surface_destroy);
      self->cells = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, iw, ih);
      self->cells_scale = scale;
      icr = cairo_create (self->cells);
      cairo_scale (icr, scale, scale);
      cairo_translate (icr, -self->bounds.x, -self->bounds.y);
      paint_free_cells (self, icr, FALSE, 1.0);
      paint_allocated_cells (self, icr, NULL, NULL);
      cairo_destroy (icr);
    }

  cairo_save (cr);
  cairo_translate (cr, self->bounds.x, self->bounds.y);
  cairo_scale (cr, 1.0 / scale, 1.0 / scale);
  cairo_set_source_surface (cr, self->cells, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, iw, ih);
  cairo_fill (cr);
  cairo_restore (cr);

  return TRUE;
}

static void
paint_cells (KvpGrid *self,
             cairo_t *cr,
             KvpGrid *previous,
             double   t)
{
  double duration = kvp_grid_get_duration (self, previous);
  Reveal reveal;
  Progress p = { &reveal, t, NULL, 0, 0 };
  guint32 n_new;

  if (t >= duration)
    {
      if (!paint_cached_cells (self, cr))
        {
          paint_free_cells (self, cr, FALSE, 1.0);
          paint_allocated_cells (self, cr, NULL, NULL);
        }
      return;
    }

  if (previous == NULL)
    {
      get_launch_reveal (self, &reveal);
      paint_free_cells (self, cr, TRUE,
                        kvp_draw_progress (t, reveal.free_start, reveal.free_duration));
      paint_allocated_cells (self, cr, progress_cb, &p);
      return;
    }

  if (same_geometry (self, previous))
    p.previous = previous;
  find_new_blocks (self, p.previous, &p.first_new, &p.last_new, &n_new);
  get_change_reveal (self, n_new, &reveal);
  paint_free_cells (self, cr, TRUE, 1.0);
  if (p.previous != NULL)
    paint_freed_cells (self, cr, previous, t);
  paint_allocated_cells (self, cr, progress_cb, &p);
}

static void
paint_pixels (KvpGrid *self,
              cairo_t *cr,
              KvpGrid *previous,
              double   t)
{
  double duration = kvp_grid_get_duration (self, previous);
  Reveal reveal;

  if (t >= duration)
    {
      paint_image (self, cr, ensure_image (self, cr), 1.0);
      return;
    }

  if (previous != NULL && same_geometry (self, previous))
    {
      paint_image (previous, cr, ensure_image (previous, cr), 1.0);
      paint_image (self, cr, ensure_image (self, cr),
                   kvp_draw_progress (t, 0.0, CROSSFADE_DURATION));
      return;
    }

  if (previous == NULL)
    get_launch_reveal (self, &reveal);
  else
    get_change_reveal (self, self->n_allocated, &reveal);

  build_image (self, ensure_scratch (self, cr), &reveal, t);
  paint_image (self, cr, self->scratch,
               kvp_draw_progress (t, reveal.free_start, reveal.free_duration));
}

KvpGrid *
kvp_grid_new (KvpComparison           *cmp,
              const KvpTheme          *theme,
              const cairo_rectangle_t *area,
              double                   max_pitch)
{
  KvpGrid *self;

  g_return_val_if_fail (cmp != NULL, NULL);
  g_return_val_if_fail (theme != NULL, NULL);
  g_return_val_if_fail (area != NULL, NULL);

  self = g_new0 (KvpGrid, 1);
  self->theme = theme;
  self->num_blocks = MAX (cmp->params.num_blocks, 1);
  self->block_size = MAX (cmp->params.block_size, 1);
  layout (self, area, MAX (max_pitch, KVP_GRID_MIN_CELL_PITCH));
  read_blocks (self, cmp);

  /* The image of the settled grid at scale 1, ready for the first frame. */
  if (self->by_pixel)
    ensure_image (self, NULL);

  return self;
}

void
kvp_grid_free (KvpGrid *self)
{
  if (self == NULL)
    return;

  g_free (self->table);
  g_free (self->fill);
  g_free (self->allocated);
  g_free (self->accumulator);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->scratch, cairo_surface_destroy);
  g_clear_pointer (&self->cells, cairo_surface_destroy);
  g_free (self);
}

gboolean
kvp_grid_is_by_pixel (const KvpGrid *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->by_pixel;
}

void
kvp_grid_get_bounds (const KvpGrid     *self,
                     cairo_rectangle_t *out_bounds)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out_bounds != NULL);

  *out_bounds = self->bounds;
}

gboolean
kvp_grid_get_block_rect (const KvpGrid     *self,
                         guint32            block,
                         cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  if (block >= self->num_blocks)
    return FALSE;

  if (self->by_pixel)
    {
      double w = self->bounds.width / self->columns;
      double h = self->bounds.height / self->rows;

      out_rect->x = self->bounds.x + (block % self->columns) * w;
      out_rect->y = self->bounds.y + (block / self->columns) * h;
      out_rect->width = w;
      out_rect->height = h;
    }
  else
    {
      cell_origin (self, block, &out_rect->x, &out_rect->y);
      out_rect->width = out_rect->height = self->cell;
    }

  return TRUE;
}

gboolean
kvp_grid_get_block_at (const KvpGrid *self,
                       double         x,
                       double         y,
                       guint32       *out_block)
{
  double fx, fy;
  guint64 c, r, block;

  g_return_val_if_fail (self != NULL, FALSE);

  fx = (x - self->bounds.x) / (self->by_pixel ? self->bounds.width / self->columns : self->pitch);
  fy = (y - self->bounds.y) / (self->by_pixel ? self->bounds.height / self->rows : self->pitch);
  if (fx < 0.0 || fy < 0.0 || fx >= self->columns || fy >= self->rows)
    return FALSE;

  c = (guint64) fx;
  r = (guint64) fy;
  block = r * self->columns + c;
  if (block >= self->num_blocks)
    return FALSE;

  if (out_block != NULL)
    *out_block = (guint32) block;

  return TRUE;
}

double
kvp_grid_get_duration (const KvpGrid *self,
                       const KvpGrid *previous)
{
  Reveal reveal;

  g_return_val_if_fail (self != NULL, 0.0);

  if (previous == NULL)
    {
      get_launch_reveal (self, &reveal);
      return MAX (reveal.free_start + reveal.free_duration,
                  reveal.start + reveal.stagger + reveal.duration);
    }

  if (same_geometry (self, previous))
    {
      if (self->by_pixel)
        return CROSSFADE_DURATION;
      else
        {
          guint32 first, last, n_new;

          find_new_blocks (self, previous, &first, &last, &n_new);
          get_change_reveal (self, n_new, &reveal);
          return MAX (FREE_FADE_DURATION, reveal.stagger + reveal.duration);
        }
    }

  get_change_reveal (self, self->n_allocated, &reveal);
  return reveal.stagger + reveal.duration;
}

void
kvp_grid_paint (KvpGrid *self,
                cairo_t *cr,
                KvpGrid *previous,
                double   t)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (cr != NULL);

  cairo_save (cr);
  if (self->by_pixel)
    paint_pixels (self, cr, previous, t);
  else
    paint_cells (self, cr, previous, t);
  cairo_restore (cr);
}
