/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-grid.c: the block grid.  Blocks sit row by row in physical order and
 * fill in logical order, token by token.  Big cells are painted into a cached
 * image, and a frame repaints only the cells whose tokens changed; below
 * KVP_GRID_MIN_CELL_PITCH one pixel of an image stands for a cell of k blocks
 * and shows the share of their token slots held, kept up to date the same
 * way.  Vector targets get paths, so exports stay vector. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kvp-draw.h"
#include "kvp-grid.h"

/* A cell holding anything never looks emptier than this share, so one block
 * among millions still shows. */
#define MIN_VISIBLE_SHARE 0.5
/* Held cells that cover less than this (units) either way, up to this many
 * pixels of them, get a frame that says where they are. */
#define MARK_MIN_SIDE     48.0
#define MARK_MAX_PIXELS   65536
/* Token slots are drawn when a slot is at least this wide. */
#define MIN_SLOT_PITCH    3.0

struct _KvpGrid
{
  const KvpTheme    *theme;
  KvpComparison     *cmp;
  guint32            num_blocks;
  guint32            block_size;
  guint32            group;      /* blocks per cell */
  guint32            n_cells;
  cairo_rectangle_t  bounds;
  guint32            columns;
  guint32            rows;
  double             pitch_x, pitch_y;
  double             cell_w;     /* by cell: pitch minus the gap */
  double             cell_h;
  double             radius;
  gboolean           by_pixel;
  guint32            slot_columns; /* 0: no slots */

  /* Each sample's block table (logical → physical), borrowed from cmp.
   * Logical blocks below n_shared are the same physical block in every
   * table: the shared prompt, drawn once. */
  const guint32     *tables[KVP_PARAMS_MAX_SAMPLES];
  guint32            n_samples;
  guint32            n_shared;
  guint32            n_table;    /* blocks in each table */
  guint32            cow_logical; /* the prompt's copied-on-write block, or G_MAXUINT32 */
  gboolean           fresh;      /* no table: a fresh pool's order, 0, 1, 2 …
                                  * (1, 2, … after a null block) */
  guint32            null_block; /* vLLM's null block, 0, or KVP_BLOCK_NONE */
  guint32            first_free; /* the first block a fresh pool hands out */
  guint32            n_colors;   /* blocks the gradient spans */
  /* Blocks other requests hold (kvp-pool-history.h), drawn muted, and their
   * token slots written. */
  GArray            *others;

  /* By cell: the picture at cache_scale, holding cache_tokens. */
  cairo_surface_t   *cache;
  double             cache_scale;
  guint64            cache_tokens;

  /* By pixel: one pixel per cell, tokens held and Σ logical index × tokens. */
  cairo_surface_t   *image;
  guint64           *held;
  guint64           *position;
  guint8            *other_cells; /* other requests hold a block of the cell */
  guint64            image_tokens;
  guint32            n_held_pixels;

  /* The loupe as last painted: pointing at it means its first held cell. */
  gboolean           has_loupe;
  cairo_rectangle_t  loupe;
  guint32            loupe_cell;
};

typedef struct
{
  guint32 block;
  guint32 fill;
} OtherBlock;

/* Holders of logical block i: one for a shared block, else every sample. */
static guint32
n_holders (const KvpGrid *self,
           guint32        i)
{
  return i < self->n_shared ? 1 : self->n_samples;
}

/* Logical block i of sample h.  Without a table (no pool: the sequence
 * does not fit) a fresh pool's order, block i at physical block i. */
static guint32
physical_block (const KvpGrid *self,
                guint32        i,
                guint32        h)
{
  return self->fresh ? self->first_free + i : self->tables[h][i];
}

static guint32
n_showable (const KvpGrid *self)
{
  return self->fresh ? self->num_blocks - self->first_free : self->n_table;
}

static guint64
clamp_tokens (const KvpGrid *self,
              guint64        tokens)
{
  return MIN (tokens, (guint64) n_showable (self) * self->block_size);
}

/* Tokens of block i (logical) held when tokens are. */
static guint32
tokens_of (const KvpGrid *self,
           guint32        i,
           guint64        tokens)
{
  guint64 start = (guint64) i * self->block_size;

  if (tokens <= start)
    return 0;
  return (guint32) MIN ((guint64) self->block_size, tokens - start);
}

static KvpColor
mix (KvpColor a,
     KvpColor b,
     double   share)
{
  a.red += (b.red - a.red) * share;
  a.green += (b.green - a.green) * share;
  a.blue += (b.blue - a.blue) * share;
  return a;
}

KvpColor
kvp_grid_class_color (const KvpTheme *theme,
                      KvpGridClass    klass,
                      guint           sample,
                      guint           n_samples)
{
  switch (klass)
    {
    case KVP_GRID_CLASS_SHARED:
      /* The gradient's start, deepened toward the text: it stands out in
       * both themes as the blocks every sample reads. */
      return mix (theme->paged_start, theme->text, 0.35);
    case KVP_GRID_CLASS_OTHER:
      /* Muted: a step from free toward the traditional gray. */
      return mix (theme->free_block, theme->traditional, 0.4);
    case KVP_GRID_CLASS_NULL:
      /* The palette's darker neutral (its lighter one on dark): a block
       * no request has, set apart from free and others' blocks alike. */
      return theme->traditional;
    case KVP_GRID_CLASS_SAMPLE:
    default:
      {
        /* Along the gradient, every other sample lighter toward the card,
         * so neighbours differ in lightness as well as hue. */
        KvpColor c = kvp_theme_paged_at (theme, n_samples > 1 ? (double) sample / (n_samples - 1) : 0.0);

        return sample % 2 == 1 ? mix (c, theme->card, 0.3) : c;
      }
    }
}

/* One sample: the gradient along the sequence, as ever.  More: the shared
 * prompt's colour, and each sample's own shade. */
static KvpColor
color_of (const KvpGrid *self,
          double         i,
          guint32        h)
{
  if (self->n_samples <= 1)
    return kvp_theme_paged_at (self->theme, self->n_colors > 1 ? i / (self->n_colors - 1) : 0.0);
  if (i < self->n_shared)
    return kvp_grid_class_color (self->theme, KVP_GRID_CLASS_SHARED, 0, self->n_samples);
  return kvp_grid_class_color (self->theme, KVP_GRID_CLASS_SAMPLE, h, self->n_samples);
}

static void
choose_cells (KvpGrid *self,
              guint64  n,
              double   w,
              double   h,
              double   max_pitch)
{
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

  self->pitch_x = self->pitch_y = MIN (best, max_pitch);
  self->columns = best_columns;
}

static void
layout (KvpGrid                 *self,
        const cairo_rectangle_t *area,
        double                   max_pitch)
{
  double w = MAX (1.0, floor (area->width)), h = MAX (1.0, floor (area->height));

  self->bounds = *area;
  self->group = 1;
  self->n_cells = self->num_blocks;
  choose_cells (self, self->num_blocks, area->width, area->height, max_pitch);

  if (self->pitch_x >= KVP_GRID_MIN_CELL_PITCH)
    {
      double gap, pitch = floor (self->pitch_x), cell;
      guint32 slots = (guint32) ceil (sqrt (self->block_size));

      /* Whole units keep cell edges crisp at scale 1. */
      gap = pitch >= 8.0 ? MAX (1.0, round (pitch * 0.1)) : 1.0;
      self->columns = (guint32) MIN ((guint64) self->num_blocks, (guint64) floor (area->width / pitch));
      self->columns = MAX (self->columns, 1);
      self->rows = (self->num_blocks + self->columns - 1) / self->columns;
      /* The cells stretch, up to half again as long one way as the other,
       * so that a few blocks fill their panel rather than a band of it. */
      self->pitch_x = floor (MIN (area->width / self->columns, MIN (pitch * 1.5, max_pitch * 1.5)));
      self->pitch_y = floor (MIN (area->height / self->rows, MIN (self->pitch_x * 1.5, max_pitch * 1.5)));
      self->pitch_x = MIN (self->pitch_x, floor (self->pitch_y * 1.5));
      self->cell_w = self->pitch_x - gap;
      self->cell_h = self->pitch_y - gap;
      cell = MIN (self->cell_w, self->cell_h);
      self->radius = cell >= 10.0 ? MIN (cell * 0.16, 8.0) : 0.0;
      self->bounds.width = self->columns * self->pitch_x - gap;
      self->bounds.height = self->rows * self->pitch_y - gap;
      /* Centre the cells in the area: a few big blocks sit in the middle of
       * their panel, not in its corner. */
      self->bounds.x = area->x + floor ((area->width - self->bounds.width) / 2);
      self->bounds.y = area->y + floor ((area->height - self->bounds.height) / 2);
      self->by_pixel = FALSE;
      if ((cell - 2 * MAX (1.0, cell * 0.1)) / slots >= MIN_SLOT_PITCH && self->block_size > 1)
        self->slot_columns = slots;
      return;
    }

  /* By pixel: one pixel per cell, and as many blocks per cell as it takes
   * for the cells to fit the area's pixels. */
  self->by_pixel = TRUE;
  self->group = (guint32) MAX ((guint64) 1, ((guint64) self->num_blocks + (guint64) (w * h) - 1) / (guint64) (w * h));
  for (;;)
    {
      guint64 cells = ((guint64) self->num_blocks + self->group - 1) / self->group;
      guint64 c = (guint64) ceil (sqrt (cells * w / h));

      c = CLAMP (c, 1, MIN (cells, (guint64) w));
      self->columns = (guint32) c;
      self->rows = (guint32) ((cells + c - 1) / c);
      self->n_cells = (guint32) cells;
      if (self->rows <= h)
        break;
      self->group++;
    }
  self->pitch_x = area->width / self->columns;
  self->pitch_y = area->height / self->rows;
  self->cell_w = self->cell_h = MIN (self->pitch_x, self->pitch_y);
  self->radius = 0.0;
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

/* ---- by pixel ---- */

/* The cell holding the null block.  A cell of many blocks shows its
 * highest-ranked holder, in the order the cells are painted one block a
 * cell: the sequence, then vLLM's null block, then other requests, then
 * free.  So the null block's cell is drawn in its class while no sequence
 * token is in it, and in the sequence's colour once one is: the sequence
 * is never hidden (eight blocks among a million all lie in cell 0). */
static gboolean
is_null_cell (const KvpGrid *self,
              guint32        cell)
{
  return self->null_block != KVP_BLOCK_NONE && cell == self->null_block / self->group;
}

/* The token slots of a cell a request can hold: the null block ranks above
 * free, so its slots are not counted as room the sequence leaves empty. */
static guint64
cell_capacity (const KvpGrid *self,
               guint32        cell)
{
  guint32 first = cell * self->group;
  guint32 blocks = MIN (self->group, self->num_blocks - first);

  if (is_null_cell (self, cell))
    blocks--;
  return (guint64) blocks * self->block_size;
}

static guint32
pixel_value (const KvpGrid *self,
             guint32        cell)
{
  guint64 capacity = cell_capacity (self, cell);
  double share;
  KvpColor g, f = self->theme->free_block, mix;

  if (self->held[cell] == 0)
    {
      KvpColor other = kvp_grid_class_color (self->theme, KVP_GRID_CLASS_OTHER, 0, 1);
      KvpColor null = kvp_grid_class_color (self->theme, KVP_GRID_CLASS_NULL, 0, 1);

      if (is_null_cell (self, cell))
        return pack (&null);
      return pack (self->other_cells[cell] ? &other : &f);
    }

  share = MAX ((double) self->held[cell] / capacity, MIN_VISIBLE_SHARE);
  share = MIN (share, 1.0);
  g = color_of (self, (double) self->position[cell] / self->held[cell], 0);
  mix.red = f.red + (g.red - f.red) * share;
  mix.green = f.green + (g.green - f.green) * share;
  mix.blue = f.blue + (g.blue - f.blue) * share;

  return pack (&mix);
}

static void
set_pixel (KvpGrid *self,
           guint8  *data,
           int      stride,
           guint32  cell)
{
  guint32 *row = (guint32 *) (gpointer) (data + (gsize) (cell / self->columns) * stride);

  row[cell % self->columns] = pixel_value (self, cell);
}

/* Moves the image from image_tokens to tokens, touching only the blocks
 * between; a cell's value depends only on the tokens, not on the path.
 * The rows it changed are *out_row0 … *out_row1 (none: row0 > row1). */
static void
update_image (KvpGrid *self,
              guint64  tokens,
              guint32 *out_row0,
              guint32 *out_row1)
{
  guint64 lo = MIN (self->image_tokens, tokens), hi = MAX (self->image_tokens, tokens);
  guint32 first = (guint32) (lo / self->block_size);
  guint32 end = (guint32) MIN ((hi + self->block_size - 1) / self->block_size, (guint64) n_showable (self));
  int stride = cairo_image_surface_get_stride (self->image);
  guint8 *data;

  *out_row0 = G_MAXUINT32;
  *out_row1 = 0;
  if (lo == hi)
    return;

  cairo_surface_flush (self->image);
  data = cairo_image_surface_get_data (self->image);
  for (guint32 i = first; i < end; i++)
    for (guint32 h = 0; h < n_holders (self, i); h++)
      {
        guint32 cell = physical_block (self, i, h) / self->group;
        gint64 delta = (gint64) tokens_of (self, i, tokens) - (gint64) tokens_of (self, i, self->image_tokens);

        if (delta == 0)
          continue;
        if (self->held[cell] == 0)
          self->n_held_pixels++;
        self->held[cell] += (guint64) delta;
        self->position[cell] += (guint64) delta * i;
        if (self->held[cell] == 0)
          self->n_held_pixels--;
        set_pixel (self, data, stride, cell);
        *out_row0 = MIN (*out_row0, cell / self->columns);
        *out_row1 = MAX (*out_row1, cell / self->columns);
      }
  cairo_surface_mark_dirty (self->image);
  self->image_tokens = tokens;
}

static void
ensure_image (KvpGrid *self)
{
  guint32 free_pixel, panel_pixel;
  int stride;
  guint8 *data;

  if (self->image != NULL)
    return;

  /* Opaque: painting it scaled is a plain copy in pixman, not a blend,
   * which halves a frame's cost at a million blocks. */
  self->image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, self->columns, self->rows);
  self->held = g_new0 (guint64, self->n_cells);
  self->position = g_new0 (guint64, self->n_cells);
  self->other_cells = g_new0 (guint8, self->n_cells);
  for (guint i = 0; i < self->others->len; i++)
    self->other_cells[g_array_index (self->others, OtherBlock, i).block / self->group] = 1;
  self->image_tokens = 0;
  self->n_held_pixels = 0;

  free_pixel = pack (&self->theme->free_block);
  /* Past the last cell, the panel the grid stands on. */
  panel_pixel = pack (&self->theme->card);
  stride = cairo_image_surface_get_stride (self->image);
  data = cairo_image_surface_get_data (self->image);
  for (guint32 y = 0; y < self->rows; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) y * stride);

      for (guint32 x = 0; x < self->columns; x++)
        {
          guint64 cell = (guint64) y * self->columns + x;

          row[x] = cell >= self->n_cells ? panel_pixel
                   : self->other_cells[cell] || is_null_cell (self, cell) ? pixel_value (self, cell) : free_pixel;
        }
    }
  cairo_surface_mark_dirty (self->image);
}

static void
paint_image (KvpGrid                 *self,
             cairo_t                 *cr,
             const cairo_rectangle_t *bounds,
             cairo_filter_t           filter)
{
  cairo_pattern_t *pattern = cairo_pattern_create_for_surface (self->image);
  cairo_matrix_t matrix;

  cairo_matrix_init_scale (&matrix, self->columns / bounds->width, self->rows / bounds->height);
  cairo_matrix_translate (&matrix, -bounds->x, -bounds->y);
  cairo_pattern_set_matrix (pattern, &matrix);
  /* Cells bigger than a pixel keep hard edges. */
  cairo_pattern_set_filter (pattern, filter);

  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, bounds->x, bounds->y, bounds->width, bounds->height);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_pattern_destroy (pattern);
}

/* The cells the first blocks holding tokens lie in, x0 … x1 by y0 … y1,
 * when they are few (MARK_MAX_PIXELS at most) and cover less than
 * MARK_MIN_SIDE either way: a ringed loupe over them shows them magnified. */
static gboolean
find_mark (const KvpGrid *self,
           guint64        tokens,
           guint32       *out_x0,
           guint32       *out_y0,
           guint32       *out_x1,
           guint32       *out_y1)
{
  guint32 shown = (guint32) MIN ((tokens + self->block_size - 1) / self->block_size, (guint64) n_showable (self));
  guint32 x0 = G_MAXUINT32, y0 = G_MAXUINT32, x1 = 0, y1 = 0;

  if (!self->by_pixel || shown == 0 || shown / self->group > MARK_MAX_PIXELS)
    return FALSE;

  if (self->fresh)
    {
      /* Blocks first_free … first_free + shown − 1: the first cells, row
       * by row. */
      guint32 first = self->first_free / self->group;
      guint32 last = (self->first_free + shown - 1) / self->group;

      y0 = first / self->columns;
      y1 = last / self->columns;
      x0 = y1 > y0 ? 0 : first % self->columns;
      x1 = y1 > y0 ? self->columns - 1 : last % self->columns;
    }
  else
    for (guint32 i = 0; i < shown; i++)
      for (guint32 h = 0; h < n_holders (self, i); h++)
        {
          guint32 cell = physical_block (self, i, h) / self->group;

          x0 = MIN (x0, cell % self->columns);
          x1 = MAX (x1, cell % self->columns);
          y0 = MIN (y0, cell / self->columns);
          y1 = MAX (y1, cell / self->columns);
        }
  if (x0 > x1 || ((x1 - x0 + 1) * self->pitch_x >= MARK_MIN_SIDE && (y1 - y0 + 1) * self->pitch_y >= MARK_MIN_SIDE))
    return FALSE;

  *out_x0 = x0, *out_y0 = y0, *out_x1 = x1, *out_y1 = y1;
  return TRUE;
}

static void
paint_mark (KvpGrid *self,
            cairo_t *cr,
            guint64  tokens)
{
  guint32 x0, y0, x1, y1;
  double x, y, w, h, pad = 4.0;
  KvpColor ring = self->theme->utilization;

  self->has_loupe = FALSE;
  if (self->n_held_pixels == 0 || self->n_held_pixels > MARK_MAX_PIXELS ||
      !find_mark (self, tokens, &x0, &y0, &x1, &y1))
    return;

  x = self->bounds.x + x0 * self->pitch_x;
  y = self->bounds.y + y0 * self->pitch_y;
  w = (x1 - x0 + 1) * self->pitch_x;
  h = (y1 - y0 + 1) * self->pitch_y;

  /* A loupe over them: at least MARK_MIN_SIDE a side, kept inside the
   * grid, showing the cells under it magnified. */
  {
    /* Never bigger than the grid: a short grid keeps its loupe inside. */
    double lw = MIN (MAX (w, MARK_MIN_SIDE) + 2 * pad, self->bounds.width);
    double lh = MIN (MAX (h, MARK_MIN_SIDE) + 2 * pad, self->bounds.height);
    double lx = CLAMP (x + w / 2 - lw / 2, self->bounds.x, self->bounds.x + self->bounds.width - lw);
    double ly = CLAMP (y + h / 2 - lh / 2, self->bounds.y, self->bounds.y + self->bounds.height - lh);
    cairo_surface_t *region;
    cairo_pattern_t *pattern;
    cairo_matrix_t matrix;

    if (lw <= 2 * pad + 1 || lh <= 2 * pad + 1)
      return;

    /* Only the held cells' pixels: a vector target embeds what it is given,
     * and the whole image magnified is too big for SVG readers. */
    region = cairo_surface_create_for_rectangle (self->image, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    pattern = cairo_pattern_create_for_surface (region);

    cairo_surface_destroy (region);
    self->has_loupe = TRUE;
    self->loupe = (cairo_rectangle_t) { lx, ly, lw, lh };
    self->loupe_cell = y0 * self->columns + x0;

    /* Those pixels, stretched over the loupe less its rim. */
    cairo_matrix_init_scale (&matrix, (x1 - x0 + 1) / (lw - 2 * pad), (y1 - y0 + 1) / (lh - 2 * pad));
    cairo_matrix_translate (&matrix, -(lx + pad), -(ly + pad));
    cairo_pattern_set_matrix (pattern, &matrix);
    cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);

    cairo_save (cr);
    cairo_new_path (cr);
    kvp_draw_rounded_rect (cr, lx, ly, lw, lh, 6.0);
    kvp_draw_set_color (cr, &self->theme->card, 1.0);
    cairo_fill (cr);
    cairo_rectangle (cr, lx + pad, ly + pad, lw - 2 * pad, lh - 2 * pad);
    cairo_set_source (cr, pattern);
    cairo_fill (cr);
    kvp_draw_rounded_rect (cr, lx + 1.5, ly + 1.5, lw - 3, lh - 3, 5.0);
    kvp_draw_set_color (cr, &ring, 1.0);
    cairo_set_line_width (cr, 3.0);
    cairo_stroke (cr);
    cairo_restore (cr);
    cairo_pattern_destroy (pattern);
  }
}

/* ---- by cell ---- */

static void
cell_origin (const KvpGrid *self,
             guint32        cell,
             double        *x,
             double        *y)
{
  *x = self->bounds.x + (cell % self->columns) * self->pitch_x;
  *y = self->bounds.y + (cell / self->columns) * self->pitch_y;
}

/* Token slot s of the cell at x, y: row by row, a gap between slots. */
static void
slot_rect (const KvpGrid     *self,
           double             x,
           double             y,
           guint32            s,
           cairo_rectangle_t *out)
{
  guint32 sc = self->slot_columns;
  guint32 sr = (self->block_size + sc - 1) / sc;
  double inset = MAX (1.0, round (MIN (self->cell_w, self->cell_h) * 0.1));
  double sx = (self->cell_w - 2 * inset) / sc, sy = (self->cell_h - 2 * inset) / sr;
  double gap = MIN (sx, sy) >= 6.0 ? 1.0 : 0.5;

  out->x = x + inset + (s % sc) * sx;
  out->y = y + inset + (s / sc) * sy;
  out->width = sx - gap;
  out->height = sy - gap;
}

/* One physical block holding held of its slots, in color.  Its whole pitch
 * is first painted over, so a cached picture can change one block and look
 * exactly as if drawn afresh. */
static void
paint_block (KvpGrid        *self,
             cairo_t        *cr,
             guint32         block,
             const KvpColor *color,
             guint32         held)
{
  double x, y, cw = self->cell_w, ch = self->cell_h;

  cell_origin (self, block, &x, &y);
  cairo_new_path (cr);
  cairo_rectangle (cr, x, y, self->pitch_x, self->pitch_y);
  kvp_draw_set_color (cr, &self->theme->card, 1.0);
  cairo_fill (cr);

  if (held == 0 || self->slot_columns > 0)
    {
      KvpColor base = self->theme->free_block;

      kvp_draw_rounded_rect (cr, x, y, cw, ch, self->radius);
      /* A held block is tinted, its tokens drawn slot by slot. */
      if (held > 0)
        base = mix (base, *color, 0.25);
      kvp_draw_set_color (cr, &base, 1.0);
      cairo_fill (cr);
    }

  if (held == 0)
    return;

  if (self->slot_columns > 0)
    {
      for (guint32 s = 0; s < held; s++)
        {
          cairo_rectangle_t r;

          slot_rect (self, x, y, s, &r);
          kvp_draw_rounded_rect (cr, r.x, r.y, r.width, r.height, MIN (r.width, r.height) >= 7.0 ? 1.5 : 0.0);
        }
      kvp_draw_set_color (cr, color, 1.0);
      cairo_fill (cr);
    }
  else if (held >= self->block_size)
    {
      kvp_draw_rounded_rect (cr, x, y, cw, ch, self->radius);
      kvp_draw_set_color (cr, color, 1.0);
      cairo_fill (cr);
    }
  else
    {
      /* A partly filled block: the share held rises from the bottom. */
      double level = ch * held / self->block_size;

      cairo_save (cr);
      kvp_draw_rounded_rect (cr, x, y, cw, ch, self->radius);
      kvp_draw_set_color (cr, &self->theme->free_block, 1.0);
      cairo_fill_preserve (cr);
      cairo_clip (cr);
      cairo_rectangle (cr, x, y + ch - level, cw, level);
      kvp_draw_set_color (cr, color, 1.0);
      cairo_fill (cr);
      cairo_restore (cr);
    }
}

/* Over a shared block, its reference count ("×4"), where the cell has room
 * for it: on a plate of the card's colour, so it reads on any fill. */
static void
paint_ref_count (KvpGrid *self,
                 cairo_t *cr,
                 guint32  block)
{
  char text[16];
  double x, y, size = MIN (self->cell_w, self->cell_h) * 0.42;
  cairo_text_extents_t ext;

  if (size < 7.0)
    return;
  g_snprintf (text, sizeof text, "×%u", self->n_samples);
  cell_origin (self, block, &x, &y);
  cairo_save (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, size);
  cairo_text_extents (cr, text, &ext);
  if (ext.width + 4 <= self->cell_w)
    {
      double tx = x + (self->cell_w - ext.width) / 2 - ext.x_bearing;
      double ty = y + (self->cell_h - ext.height) / 2 - ext.y_bearing;

      kvp_draw_rounded_rect (cr, tx + ext.x_bearing - 2, ty + ext.y_bearing - 2, ext.width + 4, ext.height + 4, 2.0);
      kvp_draw_set_color (cr, &self->theme->card, 0.85);
      cairo_fill (cr);
      cairo_move_to (cr, tx, ty);
      kvp_draw_set_color (cr, &self->theme->text, 1.0);
      cairo_show_text (cr, text);
    }
  cairo_restore (cr);
}

/* The prompt's copied-on-write block: a frame in the shared colour says
 * where its first slots came from. */
static void
paint_cow_mark (KvpGrid *self,
                cairo_t *cr,
                guint32  block)
{
  double x, y, w = MAX (1.0, round (MIN (self->cell_w, self->cell_h) * 0.08));
  KvpColor shared = kvp_grid_class_color (self->theme, KVP_GRID_CLASS_SHARED, 0, self->n_samples);

  cell_origin (self, block, &x, &y);
  kvp_draw_rounded_rect (cr, x + w / 2, y + w / 2, self->cell_w - w, self->cell_h - w, self->radius);
  kvp_draw_set_color (cr, &shared, 1.0);
  cairo_set_line_width (cr, w);
  cairo_stroke (cr);
}

/* Logical block i of sample h (its one physical block when shared) holding
 * held tokens. */
static void
paint_cell (KvpGrid *self,
            cairo_t *cr,
            guint32  i,
            guint32  h,
            guint32  held)
{
  guint32 block = physical_block (self, i, h);
  KvpColor color = color_of (self, i, h);

  paint_block (self, cr, block, &color, held);
  if (held == 0 || self->n_samples <= 1)
    return;
  if (i < self->n_shared)
    paint_ref_count (self, cr, block);
  else if (i == self->cow_logical)
    paint_cow_mark (self, cr, block);
}

/* vLLM's null block: filled whole, without slots, since it is taken but
 * holds no token. */
static void
paint_null_block (KvpGrid *self,
                  cairo_t *cr)
{
  KvpColor null = kvp_grid_class_color (self->theme, KVP_GRID_CLASS_NULL, 0, 1);
  double x, y;

  paint_block (self, cr, self->null_block, &null, 0);
  cell_origin (self, self->null_block, &x, &y);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, x, y, self->cell_w, self->cell_h, self->radius);
  kvp_draw_set_color (cr, &null, 1.0);
  cairo_fill (cr);
}

/* The whole grid: free cells batched in one path, other requests' blocks
 * muted, vLLM's null block, then the sequence's. */
static void
paint_cells (KvpGrid *self,
             cairo_t *cr,
             guint64  tokens)
{
  guint32 shown = (guint32) ((tokens + self->block_size - 1) / self->block_size);
  KvpColor other = kvp_grid_class_color (self->theme, KVP_GRID_CLASS_OTHER, 0, 1);

  cairo_new_path (cr);
  for (guint32 b = 0; b < self->num_blocks; b++)
    {
      double x, y;

      cell_origin (self, b, &x, &y);
      kvp_draw_rounded_rect (cr, x, y, self->cell_w, self->cell_h, self->radius);
    }
  kvp_draw_set_color (cr, &self->theme->free_block, 1.0);
  cairo_fill (cr);

  for (guint i = 0; i < self->others->len; i++)
    {
      const OtherBlock *o = &g_array_index (self->others, OtherBlock, i);

      paint_block (self, cr, o->block, &other, o->fill);
    }
  if (self->null_block != KVP_BLOCK_NONE)
    paint_null_block (self, cr);

  /* Held blocks clear their pitch first, exactly as an incremental update
   * does, so both ways give the same pixels. */
  for (guint32 i = 0; i < shown; i++)
    for (guint32 h = 0; h < n_holders (self, i); h++)
      paint_cell (self, cr, i, h, tokens_of (self, i, tokens));
}

static void
build_cache (KvpGrid *self,
             double   scale,
             guint64  tokens)
{
  int iw = (int) ceil (self->bounds.width * scale);
  int ih = (int) ceil (self->bounds.height * scale);
  cairo_t *cr;

  g_clear_pointer (&self->cache, cairo_surface_destroy);
  /* Opaque: painting it is a plain copy in pixman, not a blend. */
  self->cache = cairo_image_surface_create (CAIRO_FORMAT_RGB24, MAX (iw, 1), MAX (ih, 1));
  self->cache_scale = scale;
  self->cache_tokens = tokens;

  cr = cairo_create (self->cache);
  cairo_scale (cr, scale, scale);
  cairo_translate (cr, -self->bounds.x, -self->bounds.y);
  kvp_draw_set_color (cr, &self->theme->card, 1.0);
  cairo_paint (cr);
  if (self->by_pixel)
    paint_image (self, cr, &self->bounds, CAIRO_FILTER_NEAREST);
  else
    paint_cells (self, cr, tokens);
  cairo_destroy (cr);
}

/* By pixel: the image's rows row0 … row1 changed; the cache takes them
 * again, drawn as build_cache draws them. */
static void
refresh_image_rows (KvpGrid *self,
                    guint32  row0,
                    guint32  row1)
{
  double scale = self->cache_scale;
  double top = floor (row0 * self->pitch_y * scale) / scale;
  double bottom = ceil ((row1 + 1) * self->pitch_y * scale) / scale;
  cairo_t *cr;

  if (row0 > row1)
    return;

  cr = cairo_create (self->cache);
  cairo_scale (cr, scale, scale);
  cairo_rectangle (cr, 0, top, self->bounds.width + 1, bottom - top);
  cairo_clip (cr);
  cairo_translate (cr, -self->bounds.x, -self->bounds.y);
  kvp_draw_set_color (cr, &self->theme->card, 1.0);
  cairo_paint (cr);
  paint_image (self, cr, &self->bounds, CAIRO_FILTER_NEAREST);
  cairo_destroy (cr);
}

static void
update_cache (KvpGrid *self,
              guint64  tokens)
{
  guint64 lo = MIN (self->cache_tokens, tokens), hi = MAX (self->cache_tokens, tokens);
  guint32 first = (guint32) (lo / self->block_size);
  guint32 end = (guint32) MIN ((hi + self->block_size - 1) / self->block_size, (guint64) n_showable (self));
  cairo_t *cr;

  if (lo == hi)
    return;

  /* Past half the grid, a fresh picture is cheaper. */
  if (end - first > self->num_blocks / 2)
    {
      build_cache (self, self->cache_scale, tokens);
      return;
    }

  cr = cairo_create (self->cache);
  cairo_scale (cr, self->cache_scale, self->cache_scale);
  cairo_translate (cr, -self->bounds.x, -self->bounds.y);
  for (guint32 i = first; i < end; i++)
    {
      guint32 now = tokens_of (self, i, tokens);

      if (now != tokens_of (self, i, self->cache_tokens))
        for (guint32 h = 0; h < n_holders (self, i); h++)
          paint_cell (self, cr, i, h, now);
    }
  cairo_destroy (cr);
  self->cache_tokens = tokens;
}

/* The device scale when cr draws on an image with whole pixels under the
 * grid's corner and no rotation or skew, 0 otherwise.  The device scale of
 * the surface counts (a HiDPI window), so distances are measured in device
 * space. */
static double
image_scale_of (const KvpGrid *self,
                cairo_t       *cr)
{
  double ox = self->bounds.x, oy = self->bounds.y;
  double ux = 1.0, uy = 0.0, vx = 0.0, vy = 1.0;

  if (cairo_surface_get_type (cairo_get_target (cr)) != CAIRO_SURFACE_TYPE_IMAGE)
    return 0.0;

  cairo_user_to_device_distance (cr, &ux, &uy);
  cairo_user_to_device_distance (cr, &vx, &vy);
  if (uy != 0.0 || vx != 0.0 || ux != vy || ux <= 0.0)
    return 0.0;

  cairo_user_to_device (cr, &ox, &oy);
  if (fabs (ox - round (ox)) > 1e-6 || fabs (oy - round (oy)) > 1e-6)
    return 0.0;

  return ux;
}

static void
paint_cache (KvpGrid                 *self,
             cairo_t                 *cr,
             const cairo_rectangle_t *bounds)
{
  cairo_save (cr);
  cairo_translate (cr, bounds->x, bounds->y);
  cairo_scale (cr, bounds->width / self->bounds.width / self->cache_scale,
               bounds->height / self->bounds.height / self->cache_scale);
  cairo_set_source_surface (cr, self->cache, 0, 0);
  /* Scaled, it only stands in for a moment: cairo's default filter would
   * cost tens of milliseconds on a big grid. */
  cairo_pattern_set_filter (cairo_get_source (cr), bounds == &self->bounds ? CAIRO_FILTER_NEAREST
                                                                           : CAIRO_FILTER_BILINEAR);
  cairo_rectangle (cr, 0, 0, cairo_image_surface_get_width (self->cache),
                   cairo_image_surface_get_height (self->cache));
  cairo_fill (cr);
  cairo_restore (cr);
}

/* ---- public ---- */

/* The blocks the pool's other requests hold: the sequences before the
 * first sample (ids count up, and the history ran first). */
static void
collect_others (KvpGrid       *self,
                KvpComparison *cmp)
{
  for (KvpSeqId seq = 0; seq < cmp->seq; seq++)
    {
      const guint32 *table;
      guint n = 0;

      if (!kvp_block_pool_has_sequence (cmp->pool, seq))
        continue;
      table = kvp_block_pool_get_block_table (cmp->pool, seq, &n);
      for (guint i = 0; i < n; i++)
        {
          OtherBlock o = { table[i], kvp_block_pool_get_fill (cmp->pool, table[i]) };

          g_array_append_val (self->others, o);
        }
    }
}

KvpGrid *
kvp_grid_new (KvpComparison           *cmp,
              const KvpTheme          *theme,
              const cairo_rectangle_t *area,
              double                   max_pitch)
{
  KvpGrid *self;
  guint n = 0;

  g_return_val_if_fail (cmp != NULL, NULL);
  g_return_val_if_fail (theme != NULL, NULL);
  g_return_val_if_fail (area != NULL, NULL);

  self = g_new0 (KvpGrid, 1);
  self->theme = theme;
  self->cmp = kvp_comparison_ref (cmp);
  self->num_blocks = MAX (cmp->params.num_blocks, 1);
  self->block_size = MAX (cmp->params.block_size, 1);
  layout (self, area, MAX (max_pitch, KVP_GRID_MIN_CELL_PITCH));

  self->n_samples = 1;
  self->cow_logical = G_MAXUINT32;
  self->others = g_array_new (FALSE, FALSE, sizeof (OtherBlock));
  if (cmp->fits && cmp->pool != NULL && kvp_block_pool_has_sequence (cmp->pool, cmp->seq))
    {
      const KvpParams *p = &cmp->params;

      for (guint h = 0; h < p->samples; h++)
        self->tables[h] = kvp_block_pool_get_block_table (cmp->pool, cmp->sample_seqs[h], &n);
      self->n_samples = p->samples;
      self->n_shared = p->samples > 1 ? (guint32) cmp->shared_blocks : 0;
      if (p->samples > 1 && p->prompt_len % p->block_size != 0 && p->seq_len > p->prompt_len)
        self->cow_logical = (guint32) (p->prompt_len / p->block_size);
      collect_others (self, cmp);
    }
  self->n_table = n;
  self->fresh = n == 0;
  self->null_block = cmp->usable_blocks < cmp->params.num_blocks ? 0 : KVP_BLOCK_NONE;
  self->first_free = self->null_block == 0 ? 1 : 0;
  self->n_colors = (guint32) MIN (cmp->blocks_needed, (guint64) self->num_blocks);

  return self;
}

void
kvp_grid_free (KvpGrid *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->others, g_array_unref);
  g_free (self->other_cells);
  g_clear_pointer (&self->cmp, kvp_comparison_unref);
  g_free (self->held);
  g_free (self->position);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->cache, cairo_surface_destroy);
  g_free (self);
}

void
kvp_grid_prepare (KvpGrid *self,
                  guint64  tokens,
                  double   scale)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (scale > 0.0);

  tokens = clamp_tokens (self, tokens);
  if (self->by_pixel)
    {
      guint32 row0, row1;

      ensure_image (self);
      update_image (self, tokens, &row0, &row1);
      if (self->cache == NULL || self->cache_scale != scale)
        build_cache (self, scale, tokens);
      else
        refresh_image_rows (self, row0, row1);
    }
  else if (self->cache == NULL || self->cache_scale != scale)
    build_cache (self, scale, tokens);
  else
    update_cache (self, tokens);
}

gboolean
kvp_grid_has_loupe (const KvpGrid *self,
                    guint64        tokens)
{
  guint32 x0, y0, x1, y1;

  g_return_val_if_fail (self != NULL, FALSE);

  return find_mark (self, clamp_tokens (self, tokens), &x0, &y0, &x1, &y1);
}

gboolean
kvp_grid_is_by_pixel (const KvpGrid *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->by_pixel;
}

guint32
kvp_grid_get_blocks_per_cell (const KvpGrid *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return self->group;
}

guint32
kvp_grid_get_n_cells (const KvpGrid *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_cells;
}

guint32
kvp_grid_get_columns (const KvpGrid *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return self->columns;
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
kvp_grid_get_cell_rect (const KvpGrid     *self,
                        guint32            cell,
                        cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  if (cell >= self->n_cells)
    return FALSE;

  cell_origin (self, cell, &out_rect->x, &out_rect->y);
  out_rect->width = self->by_pixel ? self->pitch_x : self->cell_w;
  out_rect->height = self->by_pixel ? self->pitch_y : self->cell_h;

  return TRUE;
}

gboolean
kvp_grid_get_slot_rect (const KvpGrid     *self,
                        guint32            block,
                        guint32            slot,
                        cairo_rectangle_t *out_rect)
{
  double x, y;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  if (self->slot_columns == 0 || block >= self->num_blocks || slot >= self->block_size)
    return FALSE;

  cell_origin (self, block, &x, &y);
  slot_rect (self, x, y, slot, out_rect);

  return TRUE;
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

  return kvp_grid_get_cell_rect (self, block / self->group, out_rect);
}

gboolean
kvp_grid_get_cell_at (const KvpGrid *self,
                      double         x,
                      double         y,
                      guint32       *out_cell)
{
  double fx, fy;
  guint64 cell;

  g_return_val_if_fail (self != NULL, FALSE);

  /* Over the loupe, the cells it magnifies. */
  if (self->has_loupe &&
      x >= self->loupe.x && x < self->loupe.x + self->loupe.width &&
      y >= self->loupe.y && y < self->loupe.y + self->loupe.height)
    {
      if (out_cell != NULL)
        *out_cell = self->loupe_cell;
      return TRUE;
    }

  fx = (x - self->bounds.x) / self->pitch_x;
  fy = (y - self->bounds.y) / self->pitch_y;
  if (fx < 0.0 || fy < 0.0 || fx >= self->columns || fy >= self->rows)
    return FALSE;

  cell = (guint64) fy * self->columns + (guint64) fx;
  if (cell >= self->n_cells)
    return FALSE;

  if (out_cell != NULL)
    *out_cell = (guint32) cell;

  return TRUE;
}

gboolean
kvp_grid_get_block_at (const KvpGrid *self,
                       double         x,
                       double         y,
                       guint32       *out_block)
{
  guint32 cell;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!kvp_grid_get_cell_at (self, x, y, &cell))
    return FALSE;

  if (out_block != NULL)
    *out_block = cell * self->group;

  return TRUE;
}

void
kvp_grid_get_cell_blocks (const KvpGrid *self,
                          guint32        cell,
                          guint32       *out_first,
                          guint32       *out_count)
{
  guint32 first;

  g_return_if_fail (self != NULL);
  g_return_if_fail (cell < self->n_cells);

  first = cell * self->group;
  if (out_first != NULL)
    *out_first = first;
  if (out_count != NULL)
    *out_count = MIN (self->group, self->num_blocks - first);
}

void
kvp_grid_paint (KvpGrid *self,
                cairo_t *cr,
                guint64  tokens)
{
  double scale;

  g_return_if_fail (self != NULL);
  g_return_if_fail (cr != NULL);

  tokens = clamp_tokens (self, tokens);
  cairo_save (cr);
  if (self->by_pixel)
    {
      guint32 row0, row1;

      ensure_image (self);
      update_image (self, tokens, &row0, &row1);
      /* On an image target the image is scaled once into a cache at the
       * target's resolution, and a frame copies it: scaling a million
       * cells every frame cost twice as much. */
      if ((scale = image_scale_of (self, cr)) > 0.0)
        {
          if (self->cache == NULL || self->cache_scale != scale)
            build_cache (self, scale, tokens);
          else
            refresh_image_rows (self, row0, row1);
          paint_cache (self, cr, &self->bounds);
        }
      else
        paint_image (self, cr, &self->bounds, CAIRO_FILTER_NEAREST);
      paint_mark (self, cr, tokens);
    }
  else if ((scale = image_scale_of (self, cr)) > 0.0)
    {
      if (self->cache == NULL || self->cache_scale != scale)
        build_cache (self, scale, tokens);
      else
        update_cache (self, tokens);
      paint_cache (self, cr, &self->bounds);
    }
  else
    paint_cells (self, cr, tokens);
  cairo_restore (cr);
}

void
kvp_grid_paint_stand_in (KvpGrid                 *self,
                         cairo_t                 *cr,
                         const cairo_rectangle_t *bounds)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (bounds != NULL);

  if (self->by_pixel && self->image != NULL)
    paint_image (self, cr, bounds, CAIRO_FILTER_FAST);
  else if (!self->by_pixel && self->cache != NULL)
    paint_cache (self, cr, bounds);
}
