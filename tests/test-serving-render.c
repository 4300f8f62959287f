/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-serving-render.c: the serving view drawn with no display — every slot
 * in the class the simulation counted, each request in its own colour on
 * exported pixels, the reserve-ahead run in one piece, the layout, the
 * transition between steps, huge pools, and the step's sentence. */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "kvp-capacity-paint.h"
#include "kvp-error.h"
#include "kvp-export.h"
#include "kvp-format.h"
#include "kvp-hue.h"
#include "kvp-serving-paint.h"
#include "kvp-serving-scene.h"
#include "kvp-serving-scene-private.h"
#include "kvp-sweep.h"
#include "kvp-test-utils.h"

/* The serving view at step through the one export entry point. */
static gboolean
write_serving (KvpServingSteps *steps,
               guint            step,
               const KvpTheme  *theme,
               const char      *path,
               int              width,
               int              height,
               double           scale,
               GError         **error)
{
  g_autoptr(KvpPictureSource) source = kvp_serving_scene_source_new (steps, step, error);

  return source != NULL && kvp_export_write (source, theme, path, width, height, scale, error);
}

#define WIDTH  1600
#define HEIGHT 1000

/* The run of workload through the paged pool and compared. */
static KvpServingSteps *
simulate (KvpWorkload *workload,
          guint32      block_size,
          guint32      num_blocks,
          guint32      max_seq_len,
          KvpScheme    compared)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSimulation) sim = NULL;
  /* Budgets past any prompt here: every request admitted at once, as the
   * pictures below were worked out. */
  KvpSimConfig config = { block_size, num_blocks, max_seq_len, (1u << KVP_SCHEME_PAGED) | (1u << compared),
                          1u << 24, 1u << 24 };
  KvpServingSteps *steps;

  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  steps = kvp_serving_steps_new (sim, compared, &error);
  g_assert_no_error (error);

  return steps;
}

static KvpServingSteps *
new_steps (const KvpRequest *requests,
           guint             n,
           guint32           block_size,
           guint32           num_blocks,
           guint32           max_seq_len,
           KvpScheme         compared)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = kvp_workload_new_from_requests (requests, n, max_seq_len, &error);

  g_assert_no_error (error);
  return simulate (workload, block_size, num_blocks, max_seq_len, compared);
}

/* A built-in workload of n requests (or conversations) arriving at rate a
 * second, on num_blocks blocks of 16 tokens. */
static KvpServingSteps *
new_builtin_steps (const char *source,
                   guint       n,
                   double      rate,
                   guint32     num_blocks,
                   KvpScheme   compared)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  KvpWorkloadOptions options;

  kvp_workload_options_init (&options);
  if (source != NULL)
    options.source = source;
  options.n_requests = n;
  options.request_rate = rate;
  options.max_len = 2048;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);

  return simulate (workload, 16, num_blocks, 2048, compared);
}

/* Generated requests: a ShareGPT-like mix, arriving at 20 a second. */
static KvpServingSteps *
new_sharegpt_steps (guint     n,
                    guint32   num_blocks,
                    KvpScheme compared)
{
  return new_builtin_steps (NULL, n, 20.0, num_blocks, compared);
}

/* Conversations starting at rate a second, each later turn a think time
 * after the answer before it. */
static KvpServingSteps *
new_conversation_steps (guint     n,
                        double    rate,
                        guint32   num_blocks,
                        KvpScheme compared)
{
  return new_builtin_steps ("conversation", n, rate, num_blocks, compared);
}

/* Generated requests that all start with the same prefix tokens, all
 * arriving at once: the paged pool's prefix cache hits from the second
 * admission on. */
static KvpServingSteps *
new_shared_prefix_steps (guint   n,
                         guint32 prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = NULL;
  KvpWorkloadOptions options;

  kvp_workload_options_init (&options);
  options.n_requests = n;
  options.max_len = 4096;
  options.shared_prefix = prefix;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);

  return simulate (workload, 16, 1024, 4096, KVP_SCHEME_MAX);
}

static cairo_surface_t *
render (KvpServingScene *scene,
        double           t,
        guint32          selected)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                         (int) kvp_picture_get_width (KVP_PICTURE (scene)),
                                                         (int) kvp_picture_get_height (KVP_PICTURE (scene)));
  cairo_t *cr = cairo_create (surface);

  kvp_serving_paint (cr, scene, t, selected);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  return surface;
}

static void
pixel_at (cairo_surface_t *surface,
          double           x,
          double           y,
          KvpColor        *out)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint32 p = *(const guint32 *) (data + (gsize) (int) y * stride + (gsize) (int) x * 4);

  out->red = (p >> 16 & 0xff) / 255.0;
  out->green = (p >> 8 & 0xff) / 255.0;
  out->blue = (p & 0xff) / 255.0;
  out->alpha = 1.0;
}

static double
distance (const KvpColor *a,
          const KvpColor *b)
{
  return fabs (a->red - b->red) + fabs (a->green - b->green) + fabs (a->blue - b->blue);
}

#define assert_color(a, b) g_assert_cmpfloat (distance ((a), (b)), <, 0.03)

/* Four prompts of 20 against a step budget of 32 tokens: two wait for the
 * budget, not for memory, and the paged grid draws the free blocks free. */
static void
test_budget_wait_draws_free (void)
{
  static const KvpRequest requests[] = {
    { 20, 4, 0.00, 0 }, { 20, 4, 0.00, 0 }, { 20, 4, 0.00, 0 }, { 20, 4, 0.00, 0 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpWorkload) workload = kvp_workload_new_from_requests (requests, 4, 64, &error);
  KvpSimConfig config = { 4, 24, 64, (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_MAX), 32, 0 };
  g_autoptr(KvpSimulation) sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_autoptr(KvpServingSteps) steps = NULL;
  g_autoptr(KvpServingScene) scene = NULL;
  const KvpSimStep *totals;

  g_assert_no_error (error);
  steps = kvp_serving_steps_new (sim, KVP_SCHEME_MAX, &error);
  g_assert_no_error (error);
  scene = kvp_serving_scene_new (steps, 0, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  totals = kvp_serving_scene_get_totals (scene, KVP_SERVING_PANEL_PAGED);
  g_assert_cmpuint (totals->n_waiting, ==, 2);
  g_assert_cmpuint (totals->slots[KVP_SLOT_FREE], >, 0);
  g_assert_cmpuint (totals->slots[KVP_SLOT_EXTERNAL_FRAGMENTATION], ==, 0);
  g_assert_cmpint (kvp_serving_scene_classify_slot (scene, KVP_SERVING_PANEL_PAGED, 24 * 4 - 1, NULL), ==,
                   KVP_SLOT_FREE);
}

/* The capacity picture: a value above the axis is an arrow in its scheme's
 * own row above the plot (never a point on the top edge, and schemes that
 * leave the chart together stay apart), a value within is within the plot,
 * and the legend lies beside the plot, covering none of it. */
static void
test_capacity_off_chart (void)
{
  static const double rates[] = { 1, 2, 12 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSweep) sweep = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 128, 2048, 0 };
  KvpCapacityLayout l;
  guint off = 0;

  kvp_workload_options_init (&options);
  options.source = "fixed:200,100";
  options.n_requests = 200;
  options.max_len = 2048;
  sweep = kvp_sweep_new (&options, &config, rates, G_N_ELEMENTS (rates), 0.05, &error);
  g_assert_no_error (error);

  for (guint t = KVP_THEME_LIGHT; t <= KVP_THEME_DARK; t++)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 800, 500);
      cairo_t *cr = cairo_create (surface);

      kvp_capacity_get_layout (sweep, 800, 500, &l);
      kvp_capacity_paint (cr, sweep, kvp_theme_get (t), &l);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      g_assert_cmpfloat (l.legend_x, >=, l.plot_x1);
      g_assert_cmpfloat (l.legend_x + l.legend_width, <=, 800);

      for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
        {
          double seen[KVP_N_SCHEMES];
          guint n_seen = 0;

          for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
            {
              double x, y;
              double v = kvp_sweep_get_stats (sweep, i, s)->latency[KVP_LATENCY_NORMALIZED].mean;

              if (!kvp_capacity_get_point (sweep, &l, s, i, &x, &y))
                {
                  g_assert_cmpfloat (v, <=, l.max_latency);
                  g_assert_cmpfloat (y, >=, l.plot_y0);
                  g_assert_cmpfloat (y, <=, l.plot_y1);
                  continue;
                }
              /* Off the chart: above the plot, in a row no other scheme
               * shares, drawn there (not the background). */
              KvpColor at;
              const KvpColor *bg = &kvp_theme_get (t)->background;

              g_assert_cmpfloat (v, >, l.max_latency);
              g_assert_cmpfloat (y, <, l.plot_y0);
              for (guint k = 0; k < n_seen; k++)
                g_assert_cmpfloat (fabs (seen[k] - y), >=, l.row_height * 0.9);
              seen[n_seen++] = y;
              pixel_at (surface, x, y, &at);
              g_assert_cmpfloat (fabs (at.red - bg->red) + fabs (at.green - bg->green) + fabs (at.blue - bg->blue),
                                 >, 0.1);
              off++;
            }
        }
      /* Each off-chart row's name ("PagedAttention" the longest) stands
       * whole in the picture: nothing drawn in its first two columns. */
      for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
        {
          const KvpColor *bg = &kvp_theme_get (t)->background;
          double y = l.off_y0 + l.row_height * (l.off_row[s] + 0.5);

          if (l.off_row[s] < 0)
            continue;
          for (double dy = -l.row_height / 2 + 1; dy < l.row_height / 2 - 1; dy++)
            for (int x = 0; x < 2; x++)
              {
                KvpColor at;

                pixel_at (surface, x, y + dy, &at);
                g_assert_cmpfloat (fabs (at.red - bg->red) + fabs (at.green - bg->green) + fabs (at.blue - bg->blue),
                                   <, 0.03);
              }
        }
      cairo_surface_destroy (surface);
    }
  /* The sweep is one where the reserve-ahead schemes do leave the chart. */
  g_assert_cmpuint (off, >=, 2);
}

/* A capacity picture of a small sweep, width × height, in theme t. */
static cairo_surface_t *
paint_small_capacity (int                width,
                      int                height,
                      KvpThemeVariant    t,
                      KvpCapacityLayout *l)
{
  static const double rates[] = { 1, 2 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSweep) sweep = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 128, 2048, 0 };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (surface);

  kvp_workload_options_init (&options);
  options.source = "fixed:200,100";
  options.n_requests = 20;
  options.max_len = 2048;
  sweep = kvp_sweep_new (&options, &config, rates, G_N_ELEMENTS (rates), 0.05, &error);
  g_assert_no_error (error);
  kvp_capacity_get_layout (sweep, width, height, l);
  kvp_capacity_paint (cr, sweep, kvp_theme_get (t), l);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* A narrow capacity picture keeps its title and subtitle within it: they
 * shrink rather than run off the right edge (as the German subtitle did in
 * a 1280-pixel window), so the last columns of their band are background. */
static void
test_capacity_title_fits (void)
{
  static const int width = 480, height = 400;
  KvpCapacityLayout l;
  cairo_surface_t *surface = paint_small_capacity (width, height, KVP_THEME_LIGHT, &l);
  const KvpColor *bg = &kvp_theme_get (KVP_THEME_LIGHT)->background;

  for (int y = 0; y < l.unit * 4.5; y++)
    for (int x = width - (int) l.unit; x < width; x++)
      {
        KvpColor at;

        pixel_at (surface, x, y, &at);
        assert_color (&at, bg);
      }
  cairo_surface_destroy (surface);
}

/* The box of what is painted on surface other than the background bg. */
static void
ink_bounds (cairo_surface_t *surface,
            const KvpColor  *bg,
            int             *x0,
            int             *y0,
            int             *x1,
            int             *y1)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);

  *x0 = width, *y0 = height, *x1 = -1, *y1 = -1;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        KvpColor at;

        pixel_at (surface, x, y, &at);
        if (distance (&at, bg) < 0.02)
          continue;
        *x0 = MIN (*x0, x), *x1 = MAX (*x1, x);
        *y0 = MIN (*y0, y), *y1 = MAX (*y1, y);
      }
}

/* The capacity picture keeps the serving picture's outer margins (28 at
 * the reference size, less in a smaller picture): switching views, the
 * titles start at the same place and the cards end at the same edge.
 * Before, its own margins were wider on the left and top and narrower on
 * the right. */
static void
test_capacity_margins (void)
{
  static const int sizes[][2] = { { 1440, 900 }, { 1000, 700 } };
  const KvpColor *bg = &kvp_theme_get (KVP_THEME_LIGHT)->background;
  g_autoptr(KvpServingSteps) steps = new_sharegpt_steps (50, 1024, KVP_SCHEME_MAX);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      int w = sizes[i][0], h = sizes[i][1];
      g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 0, kvp_theme_get (KVP_THEME_LIGHT), w, h);
      cairo_surface_t *serving = render (scene, G_MAXDOUBLE, KVP_SERVING_NO_REQUEST);
      KvpCapacityLayout l;
      cairo_surface_t *capacity = paint_small_capacity (w, h, KVP_THEME_LIGHT, &l);
      int sx0, sy0, sx1, sy1, cx0, cy0, cx1, cy1;

      ink_bounds (serving, bg, &sx0, &sy0, &sx1, &sy1);
      ink_bounds (capacity, bg, &cx0, &cy0, &cx1, &cy1);
      /* Cards end on the margin exactly; text starts within its glyphs'
       * side bearings and line spacing of it. */
      g_assert_cmpint (cx1, ==, sx1);
      g_assert_cmpint (ABS (cx0 - sx0), <=, 2);
      g_assert_cmpint (ABS (cy0 - sy0), <=, 6);
      g_assert_cmpint (cy1, <=, sy1);
      g_assert_cmpint (cy1, >=, sy1 - 8);
      g_assert_cmpfloat (l.margin, ==, w - 1 - sx1);
      cairo_surface_destroy (serving);
      cairo_surface_destroy (capacity);
    }
}

static void
use_c_numbers (void)
{
  setlocale (LC_NUMERIC, "C");
  g_unsetenv ("LOCPATH");
}

/* In German the capacity picture's axes read "0,2" as its subtitle reads
 * "0,05 s/token": not "0.2" under "0,05" (the axes were C-locale). */
static void
test_capacity_decimals_locale (void)
{
  static const double rates[] = { 0.5, 1.5 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSweep) sweep = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *tick = NULL;
  g_autofree char *rate = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 128, 2048, 0 };

  if (!kvp_test_use_numeric_locale ("de_DE.UTF-8"))
    return;
  kvp_workload_options_init (&options);
  options.source = "fixed:200,100";
  options.n_requests = 20;
  options.max_len = 2048;
  sweep = kvp_sweep_new (&options, &config, rates, G_N_ELEMENTS (rates), 0.05, &error);
  g_assert_no_error (error);

  subtitle = kvp_capacity_dup_subtitle (sweep);
  tick = kvp_capacity_dup_tick (0.2);
  rate = kvp_capacity_dup_tick (1.5);
  g_assert_nonnull (strstr (subtitle, "within 0,05 s/token"));
  g_assert_cmpstr (tick, ==, "0,2");
  g_assert_cmpstr (rate, ==, "1,5");
  use_c_numbers ();
}

/* A time reads the same in the serving picture's title as in the side
 * panel's playback line (both kvp_format_seconds ()), with the locale's
 * decimal point: "163,4 s", not "163.40 s" beside "163.4 s". */
static void
test_serving_time_locale (void)
{
  g_autoptr(KvpServingSteps) steps = NULL;
  g_autoptr(KvpServingScene) scene = NULL;
  g_autofree char *now = NULL;
  g_autofree char *end = NULL;
  g_autofree char *long_time = NULL;
  guint step;

  if (!kvp_test_use_numeric_locale ("de_DE.UTF-8"))
    return;
  steps = new_sharegpt_steps (200, 1024, KVP_SCHEME_MAX);
  step = kvp_serving_steps_get_n_steps (steps) / 2;
  scene = kvp_serving_scene_new (steps, step, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  now = kvp_format_seconds (kvp_serving_steps_get_time (steps, step));
  end = kvp_format_seconds (kvp_serving_steps_get_end (steps));
  long_time = kvp_format_seconds (G_GUINT64_CONSTANT (163400000000));

  g_assert_cmpstr (long_time, ==, "163,4 s");
  g_assert_nonnull (strchr (now, ','));
  g_assert_nonnull (strstr (pango_layout_get_text (scene->title.layout), now));
  g_assert_nonnull (strstr (pango_layout_get_text (scene->title.layout), end));
  use_c_numbers ();
}

/* PagedAttention's line is the colour it has in the serving view's chart
 * (the gradient's start), not the pink of the time marker and utilization
 * beside the red limit: the legend's first swatch shows it. */
static void
test_capacity_paged_colour (void)
{
  KvpCapacityLayout l;
  cairo_surface_t *surface = paint_small_capacity (800, 500, KVP_THEME_LIGHT, &l);
  KvpColor at;

  pixel_at (surface, l.legend_x + l.unit * 1.1, l.legend_y + l.unit * 1.1, &at);
  assert_color (&at, &kvp_theme_get (KVP_THEME_LIGHT)->paged_start);
  cairo_surface_destroy (surface);
}

/* The dashed limit the capacity is read at stands out from the background
 * in both themes: its dashes are the unused red, opaque (at the red's own
 * 30 % it all but vanished on dark). */
static void
test_capacity_limit_visible (void)
{
  for (KvpThemeVariant t = KVP_THEME_LIGHT; t <= KVP_THEME_DARK; t++)
    {
      KvpCapacityLayout l;
      cairo_surface_t *surface = paint_small_capacity (800, 500, t, &l);
      const KvpTheme *theme = kvp_theme_get (t);
      KvpColor red = theme->unused;
      /* 0.05 s/token, a quarter of the axis' height. */
      int y = (int) round (l.plot_y1 - (l.plot_y1 - l.plot_y0) * 0.25);
      double best = 1e9;

      red.alpha = 1.0;
      for (int x = (int) l.plot_x0 + 1; x < l.plot_x0 + 3 * l.unit; x++)
        {
          KvpColor at;

          pixel_at (surface, x, y, &at);
          best = MIN (best, distance (&at, &red));
        }
      g_assert_cmpfloat (best, <, 0.03);
      cairo_surface_destroy (surface);
    }
}

/* In a narrow picture with values off the chart, the note "▲ off the
 * chart: above … s/token" and the latency axis' title share a line: there
 * is a gap between them, not one written over the other. */
static void
test_capacity_off_chart_note_apart (void)
{
  static const double rates[] = { 1, 2, 12 };
  static const int width = 420, height = 400;
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSweep) sweep = NULL;
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 128, 2048, 0 };
  KvpCapacityLayout l;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (surface);
  const KvpColor *bg = &kvp_theme_get (KVP_THEME_LIGHT)->background;
  int first = -1, last = -1, gap = 0, widest_gap = 0;
  double y0, y1;

  kvp_workload_options_init (&options);
  options.source = "fixed:200,100";
  options.n_requests = 200;
  options.max_len = 2048;
  sweep = kvp_sweep_new (&options, &config, rates, G_N_ELEMENTS (rates), 0.05, &error);
  g_assert_no_error (error);
  kvp_capacity_get_layout (sweep, width, height, &l);
  kvp_capacity_paint (cr, sweep, kvp_theme_get (KVP_THEME_LIGHT), &l);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  g_assert_cmpfloat (l.plot_y0, >, l.off_y0);   /* rows off the chart exist */

  y0 = l.off_y0 - l.unit * 1.5;
  y1 = l.off_y0 - l.unit * 0.7;
  for (int x = (int) l.plot_x0; x < (int) l.plot_x1; x++)
    {
      gboolean ink = FALSE;

      for (int y = (int) y0; y <= (int) y1 && !ink; y++)
        {
          KvpColor at;

          pixel_at (surface, x, y, &at);
          ink = distance (&at, bg) > 0.1;
        }
      if (ink)
        {
          if (first < 0)
            first = x;
          last = x;
          widest_gap = MAX (widest_gap, gap);
          gap = 0;
        }
      else if (first >= 0)
        gap++;
    }
  g_assert_cmpint (first, >=, 0);
  g_assert_cmpint (last, >, first);
  g_assert_cmpint (widest_gap, >=, (int) (l.unit * 0.8));
  cairo_surface_destroy (surface);
}

/* A scheme within the limit at every swept rate has a capacity of at
 * least the highest one, not exactly it: the legend says "≥" (it said
 * "capacity 8 req/s" for all four schemes of a sweep that never reached
 * any's end); one that ends within the sweep has its rate; none, none. */
static void
test_capacity_label (void)
{
  static const double rates[] = { 1, 2, 12 };
  static const double limits[] = { 1e6, 1e-9, 0.5 };
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, 128, 2048, 0 };
  guint n_ended = 0;
  guint n_bounds = 0;

  kvp_workload_options_init (&options);
  options.source = "fixed:200,100";
  options.n_requests = 200;
  options.max_len = 2048;
  for (guint k = 0; k < G_N_ELEMENTS (limits); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpSweep) sweep = kvp_sweep_new (&options, &config, rates, G_N_ELEMENTS (rates), limits[k], &error);

      g_assert_no_error (error);
      for (KvpScheme s = 0; s < KVP_N_SCHEMES; s++)
        {
          g_autofree char *label = kvp_capacity_dup_label (sweep, s);
          double capacity;

          /* The legend reads the sweep's own flag, as --json and the
           * text row do. */
          g_assert_cmpint (strstr (label, "≥") != NULL, ==, kvp_sweep_capacity_is_lower_bound (sweep, s));
          if (k == 0)
            g_assert_cmpstr (label, ==, "capacity ≥ 12 req/s");
          else if (k == 1)
            g_assert_cmpstr (label, ==, "no rate within the limit");
          else if (kvp_sweep_get_capacity (sweep, s, &capacity) && capacity < 12)
            {
              g_autofree char *plain = g_strdup_printf ("capacity %g req/s", capacity);

              g_assert_cmpstr (label, ==, plain);
              n_ended++;
            }
          else if (kvp_sweep_capacity_is_lower_bound (sweep, s))
            {
              g_assert_cmpstr (label, ==, "capacity ≥ 12 req/s");
              n_bounds++;
            }
        }
    }
  /* The reserve-ahead schemes end within this sweep (as in
   * capacity-off-chart), the paged pool lasts beyond it. */
  g_assert_cmpuint (n_ended, >=, 1);
  g_assert_cmpuint (n_bounds, >=, 1);
}

/* Every slot of both panels at every step is in the class the simulation
 * counted for that step: the picture shows exactly its figures. */
static void
test_classes_match_simulation (void)
{
  static const KvpRequest requests[] = {
    { 5, 20, 0.00, 0 }, { 30, 3, 0.00, 0 }, { 12, 40, 0.04, 1 }, { 1, 1, 0.08, 2 },
    { 17, 9, 0.40, 10 }, { 40, 24, 0.44, 11 }, { 3, 60, 2.00, 50 }, { 8, 8, 2.00, 50 },
  };

  for (KvpScheme compared = KVP_SCHEME_MAX; compared < KVP_N_SCHEMES; compared++)
    {
      g_autoptr(KvpServingSteps) steps = new_steps (requests, G_N_ELEMENTS (requests), 4, 24, 64, compared);
      guint n = kvp_serving_steps_get_n_steps (steps);
      gboolean saw_idle = FALSE, saw_wait = FALSE, saw_free = FALSE;

      g_assert_cmpuint (n, >, 10);
      for (guint s = 0; s < n; s++)
        {
          g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, s, kvp_theme_get (KVP_THEME_LIGHT),
                                                                    WIDTH, HEIGHT);

          for (guint p = 0; p < KVP_SERVING_N_PANELS; p++)
            {
              const KvpSimStep *totals = kvp_serving_scene_get_totals (scene, p);
              guint64 counted[KVP_N_SLOT_CLASSES] = { 0 };

              saw_idle |= kvp_serving_scene_get_snapshot (scene, p) == NULL;
              for (guint64 slot = 0; slot < 24 * 4; slot++)
                counted[kvp_serving_scene_classify_slot (scene, p, slot, NULL)]++;
              for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
                g_assert_cmpuint (counted[k], ==, totals->slots[k]);
            }

          /* The head of a reserve-ahead queue waits because no free buddy
           * block is big enough (admission is first come, first served). */
          {
            const KvpSimSnapshot *other = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_COMPARED);
            guint64 block = 0, largest = 0;
            gboolean waits = other != NULL && other->n_waiting > 0;

            g_assert_cmpint (kvp_serving_scene_get_queue_head (scene, &block, &largest), ==, waits);
            if (waits)
              {
                g_assert_cmpuint (block, >, largest);
                g_assert_cmpuint (largest, <=, kvp_serving_scene_get_totals (scene, KVP_SERVING_PANEL_COMPARED)
                                                 ->slots[KVP_SLOT_EXTERNAL_FRAGMENTATION]);
                saw_wait = TRUE;
                saw_free |= largest > 0;
              }
          }
        }
      /* The paged pool finishes first and then idles while the other works. */
      g_assert_true (saw_idle);
      g_assert_true (saw_wait);
      /* … even when some block is free. */
      g_assert_true (saw_free);
    }
}

/* The PNG the command line would write for step, read back: the pixels
 * people see. */
static cairo_surface_t *
export_png (KvpServingSteps *steps,
            guint            step,
            const KvpTheme  *theme)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kvpage-serving-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "step.png", NULL);
  cairo_surface_t *surface;

  g_assert_true (write_serving (steps, step, theme, path, WIDTH, HEIGHT, 1, &error));
  g_assert_no_error (error);
  surface = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, WIDTH);
  g_unlink (path);
  g_rmdir (dir);

  return surface;
}

/* One step of a small run where request 0 holds full blocks in the paged
 * pool and one reservation in Max: its pixels have its colour in both. */
static void
test_request_colors_on_pixels (gconstpointer data)
{
  KvpThemeVariant variant = GPOINTER_TO_UINT (data);
  const KvpTheme *theme = kvp_theme_get (variant);
  static const KvpRequest requests[] = {
    { 40, 30, 0.0, 0 }, { 20, 50, 0.0, 0 }, { 16, 10, 0.0, 0 }, { 60, 60, 0.0, 0 },
  };
  g_autoptr(KvpServingSteps) steps = new_steps (requests, G_N_ELEMENTS (requests), 8, 64, 128, KVP_SCHEME_MAX);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 5, theme, WIDTH, HEIGHT);
  cairo_surface_t *surface = export_png (steps, 5, theme);
  const KvpSimSnapshot *paged = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
  const KvpSimSnapshot *max = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_COMPARED);
  guint checked = 0;

  g_assert_nonnull (paged);
  g_assert_nonnull (max);
  for (guint i = 0; i < paged->n_running; i++)
    {
      guint32 id = paged->running[i];
      const KvpSimRequestState *r = &paged->requests[id];
      KvpColor want = kvp_serving_scene_get_request_color (scene, id);

      /* Every block but the last is full of its tokens. */
      for (guint32 j = 0; j + 1 < r->n_blocks; j++)
        {
          cairo_rectangle_t cell;
          KvpColor got;

          g_assert_true (kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, r->blocks[j], &cell));
          pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &got);
          assert_color (&got, &want);
          checked++;
        }
    }
  g_assert_cmpuint (checked, >, 10);

  /* In Max each request is one run: its token cells, then its light
   * reservation, in its colour, in one piece from its offset. */
  for (guint i = 0; i < max->n_running; i++)
    {
      guint32 id = max->running[i];
      const KvpSimRequestState *r = &max->requests[id];
      KvpColor want = kvp_serving_scene_get_request_color (scene, id);
      KvpColor light = kvp_hue_mix (&want, &theme->card, 0.62);
      guint32 first = (guint32) (r->slot_offset / 8), full = r->tokens_held / 8;
      guint32 final_end = (guint32) ((r->slot_offset + r->final_len) / 8);

      g_assert_cmpuint (r->slot_offset % 128, ==, 0);
      for (guint32 b = first; b < first + full; b++)
        {
          cairo_rectangle_t cell;
          KvpColor got;

          kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_COMPARED, b, &cell);
          pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &got);
          assert_color (&got, &want);
        }
      for (guint32 b = first + full + 1; b < final_end; b++)
        {
          cairo_rectangle_t cell;
          KvpColor got;

          kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_COMPARED, b, &cell);
          pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &got);
          assert_color (&got, &light);
        }
    }

  /* Nobody waits: a free cell is the theme's free colour. */
  g_assert_cmpuint (paged->n_waiting, ==, 0);
  {
    cairo_rectangle_t cell;
    KvpColor got;

    kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, 63, &cell);
    g_assert_cmpint (kvp_serving_scene_classify_slot (scene, KVP_SERVING_PANEL_PAGED, 63 * 8, NULL), ==,
                     KVP_SLOT_FREE);
    pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &got);
    assert_color (&got, &theme->free_block);
  }

  cairo_surface_destroy (surface);
}

/* Neighbours in arrival order, and every pair of the first dozen, look
 * apart; the same id keeps its colour. */
static void
test_hues_distinct (void)
{
  for (KvpThemeVariant v = KVP_THEME_LIGHT; v <= KVP_THEME_DARK; v++)
    {
      const KvpTheme *theme = kvp_theme_get (v);

      for (guint32 i = 0; i < 1000; i++)
        {
          KvpColor a = kvp_hue_request_color (theme, i), b = kvp_hue_request_color (theme, i + 1);
          KvpColor again = kvp_hue_request_color (theme, i);

          g_assert_cmpfloat (distance (&a, &b), >, 0.25);
          g_assert_cmpfloat (distance (&a, &again), ==, 0.0);
          /* Never the free cells' gray. */
          g_assert_cmpfloat (distance (&a, &theme->free_block), >, 0.25);
        }
      for (guint32 i = 0; i < 12; i++)
        for (guint32 j = i + 1; j < 12; j++)
          {
            KvpColor a = kvp_hue_request_color (theme, i), b = kvp_hue_request_color (theme, j);

            g_assert_cmpfloat (distance (&a, &b), >, 0.15);
          }
    }
}

static gboolean
inside (const cairo_rectangle_t *inner,
        const cairo_rectangle_t *outer)
{
  return inner->x >= outer->x - 0.01 && inner->y >= outer->y - 0.01 &&
         inner->x + inner->width <= outer->x + outer->width + 0.01 &&
         inner->y + inner->height <= outer->y + outer->height + 0.01;
}

static gboolean
overlap (const cairo_rectangle_t *a,
         const cairo_rectangle_t *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width && a->y < b->y + b->height && b->y < a->y + a->height;
}

/* Both grids have the same cells, one above the other, inside the picture
 * and clear of the cards; the breakdown bars are 100 % wide. */
static void
test_layout (gconstpointer data)
{
  const int *size = data;
  g_autoptr(KvpServingSteps) steps = new_sharegpt_steps (200, 1024, KVP_SCHEME_POW2);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 100, kvp_theme_get (KVP_THEME_LIGHT),
                                                            size[0], size[1]);
  cairo_rectangle_t picture = { 0, 0, size[0], size[1] };
  cairo_rectangle_t a, b, marker;

  kvp_serving_scene_get_grid_bounds (scene, KVP_SERVING_PANEL_PAGED, &a);
  kvp_serving_scene_get_grid_bounds (scene, KVP_SERVING_PANEL_COMPARED, &b);
  g_assert_cmpfloat (a.width, ==, b.width);
  g_assert_cmpfloat (a.height, ==, b.height);
  g_assert_cmpfloat (a.x, ==, b.x);
  g_assert_cmpfloat (a.y + a.height, <, b.y);
  g_assert_true (inside (&a, &picture));
  g_assert_true (inside (&b, &picture));
  g_assert_cmpuint (kvp_serving_scene_get_blocks_per_cell (scene), ==, 1);

  for (guint c = 0; c < KVP_SERVING_N_CARDS; c++)
    {
      cairo_rectangle_t card;

      kvp_serving_scene_get_card_rect (scene, c, &card);
      g_assert_true (inside (&card, &picture));
      g_assert_false (overlap (&card, &a));
    }

  for (guint p = 0; p < KVP_SERVING_N_PANELS; p++)
    {
      cairo_rectangle_t first, last;
      double sum = 0.0;

      for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
        {
          cairo_rectangle_t seg;

          kvp_serving_scene_get_breakdown_rect (scene, p, k, &seg);
          sum += seg.width;
        }
      kvp_serving_scene_get_breakdown_rect (scene, p, KVP_SLOT_TOKEN_STATES, &first);
      kvp_serving_scene_get_breakdown_rect (scene, p, KVP_N_SLOT_CLASSES - 1, &last);
      g_assert_cmpfloat (fabs (first.x + sum - (last.x + last.width)), <, 0.01);
      g_assert_true (inside (&first, &picture));
      g_assert_false (overlap (&first, &a));
    }

  /* The chart's marker sits where step 100 starts on the time axis. */
  kvp_serving_scene_get_chart_marker (scene, &marker);
  g_assert_true (inside (&marker, &picture));
  g_assert_false (overlap (&marker, &b));
}

/* The chart's axis is time: the marker at the step's start, each scheme's
 * end marked where its last step ends, a zoomed range stretching both; the
 * latency cards give core's figures so far, and the title the time. */
static void
test_time_axis (void)
{
  g_autoptr(KvpServingSteps) steps = new_sharegpt_steps (200, 1024, KVP_SCHEME_MAX);
  KvpSimulation *sim = kvp_serving_steps_get_simulation (steps);
  guint step = kvp_serving_steps_get_n_steps (steps) / 2;
  guint64 time_ns = kvp_serving_steps_get_time (steps, step);
  guint64 end = kvp_serving_steps_get_end (steps);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, step, kvp_theme_get (KVP_THEME_LIGHT),
                                                            WIDTH, HEIGHT);
  g_autoptr(KvpServingScene) zoomed = NULL;
  cairo_rectangle_t plot, marker, zplot;
  guint64 start, stop;
  KvpLatencySummary ttft;
  const KvpSimStep *totals;
  g_autofree char *value = NULL;
  double seconds = time_ns / 1e9;
  g_autofree char *now = g_strdup_printf ("%.*f s", seconds < 10 ? 2 : seconds < 1000 ? 1 : 0, seconds);

  g_assert_true (kvp_serving_scene_get_chart_plot (scene, &plot, &start, &stop));
  g_assert_cmpuint (start, ==, 0);
  g_assert_cmpuint (stop, ==, end);
  kvp_serving_scene_get_chart_marker (scene, &marker);
  g_assert_cmpfloat (fabs (marker.x - (plot.x + (double) time_ns / end * plot.width)), <, 1e-6);
  for (KvpServingPanel p = 0; p < KVP_SERVING_N_PANELS; p++)
    {
      guint64 scheme_end = kvp_serving_steps_get_scheme_end (steps, kvp_serving_scene_get_scheme (scene, p));

      g_assert_cmpfloat (fabs (kvp_serving_scene_get_scheme_end_x (scene, p) -
                               (plot.x + (double) scheme_end / end * plot.width)), <, 1e-6);
    }
  /* The paged pool serves the same requests sooner. */
  g_assert_cmpfloat (kvp_serving_scene_get_scheme_end_x (scene, KVP_SERVING_PANEL_PAGED), <,
                     kvp_serving_scene_get_scheme_end_x (scene, KVP_SERVING_PANEL_COMPARED));
  g_assert_nonnull (strstr (pango_layout_get_text (scene->title.layout), now));

  /* TTFT p50 / p99 of the paged pool over the requests finished by now. */
  totals = kvp_serving_scene_get_totals (scene, KVP_SERVING_PANEL_PAGED);
  g_assert_cmpuint (totals->n_finished, >, 0);
  g_assert_true (kvp_simulation_get_latency_so_far (sim, KVP_SCHEME_PAGED, totals->n_finished, KVP_LATENCY_TTFT,
                                                    &ttft));
  if (ttft.p99 >= 1000)
    value = g_strdup_printf ("%.*f / %.*f\u00a0s", ttft.p50 < 1e4 ? 2 : ttft.p50 < 1e5 ? 1 : 0, ttft.p50 / 1e3,
                             ttft.p99 < 1e4 ? 2 : ttft.p99 < 1e5 ? 1 : 0, ttft.p99 / 1e3);
  else
    value = g_strdup_printf ("%.*f / %.*f\u00a0ms", ttft.p50 < 10 ? 1 : 0, ttft.p50, ttft.p99 < 10 ? 1 : 0, ttft.p99);
  g_assert_cmpstr (kvp_serving_scene_get_card (scene, KVP_SERVING_CARD_TTFT)->value, ==, value);
  g_assert_nonnull (kvp_serving_scene_get_card (scene, KVP_SERVING_CARD_TPOT)->value);

  /* Zoomed to the quarter around the step: the marker moves with it. */
  zoomed = kvp_serving_scene_new_range (steps, step, time_ns - end / 8, time_ns + end / 8,
                                        kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  g_assert_true (kvp_serving_scene_get_chart_plot (zoomed, &zplot, &start, &stop));
  g_assert_cmpuint (stop - start, ==, end / 4);
  kvp_serving_scene_get_chart_marker (zoomed, &marker);
  g_assert_cmpfloat (fabs (marker.x - (zplot.x + zplot.width / 2)), <, 1.0);
}

/* A text is shown whole, inside what holds it, or not at all. */
static void
assert_whole (const KvpText           *text,
              const cairo_rectangle_t *within,
              const char              *what)
{
  cairo_rectangle_t r = { text->x, text->y, text->width, text->height };

  if (text->layout == NULL || *pango_layout_get_text (text->layout) == '\0')
    return;
  if (kvp_text_is_cut (text) || !inside (&r, within))
    g_error ("%s “%s” at %g, %g (%g × %g) is cut or outside %g, %g (%g × %g)", what,
             pango_layout_get_text (text->layout), r.x, r.y, r.width, r.height, within->x, within->y,
             within->width, within->height);
}

/* A unit never starts a line of its own: "12.1 / 33.3" over a lone "s". */
static void
assert_units_kept (const KvpText *text)
{
  const char *all = pango_layout_get_text (text->layout);

  for (int i = 1; i < pango_layout_get_line_count (text->layout); i++)
    {
      PangoLayoutLine *line = pango_layout_get_line_readonly (text->layout, i);
      g_autofree char *start = g_strndup (all + line->start_index, line->length);

      g_strchomp (start);
      if (g_str_has_prefix (start, "s") || g_str_has_prefix (start, "ms"))
        g_error ("“%s” breaks before its unit", all);
    }
}

/* From the window's smallest picture to 4K, every card, heading, legend
 * entry and caption fits whole or is left out whole, and each card still
 * says whose figure it shows ("PagedAttention · Max: 8"). */
static void
assert_texts_whole (KvpServingScene *scene,
                    const int       *size,
                    gboolean         turns)
{
  cairo_rectangle_t picture = { 0, 0, size[0], size[1] };

  assert_whole (&scene->title, &picture, "title");
  assert_whole (&scene->subtitle, &picture, "subtitle");
  for (guint c = 0; c < KVP_SERVING_N_CARDS; c++)
    {
      const KvpCardTexts *card = kvp_serving_scene_get_card (scene, c);

      /* A workload without turns has no card for them. */
      if (c == KVP_SERVING_CARD_BETWEEN_TURNS && !turns)
        {
          g_assert_cmpfloat (scene->card_rect[c].width, ==, 0.0);
          g_assert_null (card->title_text.layout);
          continue;
        }
      /* Only the latency cards and the hit rate give way, and only in the
       * window's small pictures; an export shows all seven (eight). */
      if (scene->card_rect[c].width == 0.0)
        {
          g_assert_true (c == KVP_SERVING_CARD_TTFT || c == KVP_SERVING_CARD_TPOT
                         || c == KVP_SERVING_CARD_PREFIX_HITS);
          g_assert_cmpint (size[0], <, 1024);
          g_assert_null (card->title_text.layout);
          continue;
        }
      assert_whole (&card->title_text, &scene->card_rect[c], "card title");
      assert_whole (&card->value_text, &scene->card_rect[c], "card value");
      assert_whole (&card->caption_text, &scene->card_rect[c], "card caption");
      assert_units_kept (&card->value_text);
      assert_units_kept (&card->caption_text);
      g_assert_nonnull (card->title_text.layout);
      g_assert_nonnull (card->value_text.layout);
      g_assert_nonnull (card->caption_text.layout);
      g_assert_true (g_str_has_prefix (pango_layout_get_text (card->caption_text.layout), "PagedAttention · "));
    }
  for (guint p = 0; p < KVP_SERVING_N_PANELS; p++)
    {
      const KvpServingPanelData *panel = &scene->panels[p];

      assert_whole (&panel->heading, &panel->rect, "grid heading");
      assert_whole (&panel->detail, &panel->rect, "grid detail");
      assert_whole (&panel->waiting, &panel->rect, "grid footer");
      assert_whole (&panel->more, &panel->rect, "waiting chips' count");
      g_assert_nonnull (panel->heading.layout);
      g_assert_nonnull (panel->waiting.layout);
      assert_whole (&panel->bar_label, &scene->breakdown_rect, "breakdown bar label");
      assert_whole (&panel->chart_key, &scene->chart_rect, "chart key");
    }
  assert_whole (&scene->breakdown_heading, &scene->breakdown_rect, "breakdown heading");
  g_assert_true (scene->breakdown_rect.width == 0.0 || scene->breakdown_heading.layout != NULL);
  /* Only the smallest pictures leave the breakdown out. */
  g_assert_true (scene->breakdown_rect.width > 0.0 || size[0] < 600);
  for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
    {
      assert_whole (&scene->legend_text[k], &scene->breakdown_rect, "legend entry");
      /* Every class the bars and grids draw is explained, in a picture
       * wide enough for the breakdown. */
      if (scene->breakdown_rect.width > 0.0)
        g_assert_nonnull (scene->legend_text[k].layout);
    }
  assert_whole (&scene->legend_note, &scene->breakdown_rect, "legend note");
  assert_whole (&scene->chart_heading, &scene->chart_rect, "chart heading");
  assert_whole (&scene->chart_max_text, &scene->chart_rect, "chart axis");
  assert_whole (&scene->chart_step_text, &scene->chart_rect, "chart step");
}

static void
test_texts_whole (gconstpointer data)
{
  const int *size = data;
  g_autoptr(KvpServingSteps) steps = new_sharegpt_steps (1000, 1024, KVP_SCHEME_MAX);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 100, kvp_theme_get (KVP_THEME_LIGHT),
                                                            size[0], size[1]);
  g_autoptr(KvpServingSteps) chats = new_conversation_steps (300, 2.0, 1024, KVP_SCHEME_MAX);
  g_autoptr(KvpServingScene) chat = kvp_serving_scene_new (chats, kvp_serving_steps_get_n_steps (chats) / 3,
                                                           kvp_theme_get (KVP_THEME_LIGHT), size[0], size[1]);

  /* Later in a slower run, latencies of seconds: "Max: 12.1 / 33.3 s". */
  g_autoptr(KvpServingSteps) slow = new_conversation_steps (200, 1.0, 1024, KVP_SCHEME_MAX);
  g_autoptr(KvpServingScene) late = kvp_serving_scene_new (slow, MIN (1500, kvp_serving_steps_get_n_steps (slow) - 1),
                                                           kvp_theme_get (KVP_THEME_LIGHT), size[0], size[1]);

  assert_texts_whole (scene, size, FALSE);
  /* Conversations: the between-turns card beside the other counts. */
  assert_texts_whole (chat, size, TRUE);
  assert_texts_whole (late, size, TRUE);
}

/* Conversations between turns: at a time the paged pool stands idle while
 * conversations think, the cards read Running 0, Waiting 0 and the turns
 * thinking, which with those finished and not arrived make every request;
 * the grid's line and the description say the same.  Before, the cards
 * read 0 and 0 and the thinking turns were nowhere. */
static void
test_between_turns_card (void)
{
  g_autoptr(KvpServingSteps) steps = new_conversation_steps (200, 1.0, 1024, KVP_SCHEME_MAX);
  KvpSimulation *sim = kvp_serving_steps_get_simulation (steps);
  guint n_steps = kvp_serving_steps_get_n_steps (steps), n;
  const KvpSimStep *paged = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, NULL);
  g_autoptr(KvpServingScene) scene = NULL;
  g_autofree char *thinking = NULL;
  g_autofree char *line = NULL;
  g_autofree char *said = NULL;
  g_autofree char *description = NULL;
  KvpRequestCounts counts = { 0 };
  guint k;

  kvp_workload_get_requests (kvp_simulation_get_workload (sim), &n);
  for (k = 0; k < n_steps; k++)
    {
      KvpServingSchemeStep at;

      kvp_serving_steps_lookup (steps, KVP_SCHEME_PAGED, k, &at);
      if (at.recorded || !at.has_before)
        continue;
      counts = kvp_sim_step_count_requests (&paged[at.step], n, TRUE);
      if (counts.between_turns > 0 && counts.finished < n)
        break;
    }
  g_assert_cmpuint (k, <, n_steps);

  scene = kvp_serving_scene_new (steps, k, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  thinking = kvp_format_count (counts.between_turns);
  g_assert_cmpstr (kvp_serving_scene_get_card (scene, KVP_SERVING_CARD_RUNNING)->value, ==, "0");
  g_assert_cmpstr (kvp_serving_scene_get_card (scene, KVP_SERVING_CARD_WAITING)->value, ==, "0");
  g_assert_cmpstr (kvp_serving_scene_get_card (scene, KVP_SERVING_CARD_BETWEEN_TURNS)->title, ==, "Between turns");
  g_assert_cmpstr (kvp_serving_scene_get_card (scene, KVP_SERVING_CARD_BETWEEN_TURNS)->value, ==, thinking);
  g_assert_cmpfloat (scene->card_rect[KVP_SERVING_CARD_BETWEEN_TURNS].width, >, 0.0);
  g_assert_cmpuint (counts.between_turns + counts.not_arrived + counts.finished, ==, n);

  /* Each grid's line counts its own scheme's, as its card caption does. */
  for (guint p = 0; p < KVP_SERVING_N_PANELS; p++)
    {
      const KvpServingPanelData *panel = &scene->panels[p];
      const KvpRequestCounts *c = &panel->counts;
      g_autofree char *finished = kvp_format_count (c->finished);
      g_autofree char *between = kvp_format_count (c->between_turns);
      g_autofree char *waiting = kvp_format_count (c->waiting);

      g_assert_cmpuint (c->running + c->waiting + c->between_turns + c->not_arrived + c->finished, ==, n);
      g_free (line);
      line = g_strdup_printf ("Finished: %s · between turns: %s · waiting: %s", finished, between, waiting);
      g_assert_true (g_str_has_prefix (pango_layout_get_text (panel->waiting.layout), line));
    }
  description = kvp_serving_scene_dup_description (scene);
  said = g_strdup_printf ("Between turns: %u in PagedAttention, %u in Max.", counts.between_turns,
                          scene->panels[KVP_SERVING_PANEL_COMPARED].counts.between_turns);
  g_assert_nonnull (strstr (description, said));
}

/* Mid-transition the grids blend the two steps; at the end they are the
 * new step's, and with no previous scene the first frame is settled. */
static void
test_transition (void)
{
  g_autoptr(KvpServingSteps) steps = new_sharegpt_steps (100, 512, KVP_SCHEME_MAX);
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
  g_autoptr(KvpServingScene) before = kvp_serving_scene_new (steps, 40, theme, WIDTH, HEIGHT);
  g_autoptr(KvpServingScene) after = kvp_serving_scene_new (steps, 80, theme, WIDTH, HEIGHT);
  g_autoptr(KvpServingScene) alone = kvp_serving_scene_new (steps, 80, theme, WIDTH, HEIGHT);
  cairo_surface_t *s_before, *s_start, *s_end, *s_alone;
  cairo_rectangle_t grid;
  guint differ_start = 0, differ_end = 0, differ_before = 0;

  g_assert_cmpfloat (kvp_serving_scene_get_duration (alone), ==, 0.0);
  kvp_serving_scene_set_previous (after, before);
  g_assert_cmpfloat (kvp_serving_scene_get_duration (after), ==, KVP_SERVING_TRANSITION);

  s_before = render (before, 0.0, KVP_SERVING_NO_REQUEST);
  s_start = render (after, 0.0, KVP_SERVING_NO_REQUEST);
  s_end = render (after, KVP_SERVING_TRANSITION, KVP_SERVING_NO_REQUEST);
  s_alone = render (alone, 0.0, KVP_SERVING_NO_REQUEST);

  kvp_serving_scene_get_grid_bounds (after, KVP_SERVING_PANEL_PAGED, &grid);
  for (double y = grid.y; y < grid.y + grid.height; y += 3)
    for (double x = grid.x; x < grid.x + grid.width; x += 3)
      {
        KvpColor a, b, c, d;

        pixel_at (s_before, x, y, &a);
        pixel_at (s_start, x, y, &b);
        pixel_at (s_end, x, y, &c);
        pixel_at (s_alone, x, y, &d);
        differ_start += distance (&a, &b) > 0.01;
        differ_end += distance (&c, &d) > 0.01;
        differ_before += distance (&a, &d) > 0.01;
      }
  g_assert_cmpuint (differ_before, >, 100);
  g_assert_cmpuint (differ_start, ==, 0);
  g_assert_cmpuint (differ_end, ==, 0);

  cairo_surface_destroy (s_before);
  cairo_surface_destroy (s_start);
  cairo_surface_destroy (s_end);
  cairo_surface_destroy (s_alone);
}

/* A pool of millions of blocks: a pixel stands for many, and drawing still
 * works from the same runs.  The largest the paged scheme takes: a pool's
 * 16,777,216 blocks less vLLM's null block. */
static void
test_huge_pool (void)
{
  static const KvpRequest requests[] = { { 3000000, 100, 0.0, 0 }, { 2000, 100, 0.0, 0 } };
  g_autoptr(KvpServingSteps) steps = new_steps (requests, G_N_ELEMENTS (requests), 1, 16777215, 16777215,
                                                KVP_SCHEME_ORACLE);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 0, kvp_theme_get (KVP_THEME_DARK), 1280, 800);
  cairo_surface_t *surface = render (scene, 0.0, KVP_SERVING_NO_REQUEST);
  const KvpSimSnapshot *paged = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
  cairo_rectangle_t cell;
  KvpColor got, want = kvp_serving_scene_get_request_color (scene, 0);

  g_assert_cmpuint (kvp_serving_scene_get_blocks_per_cell (scene), >, 1);
  /* Request 0 holds the first 3,000,001 blocks: the first pixels are its. */
  g_assert_cmpuint (paged->requests[0].blocks[0], ==, 0);
  kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, 0, &cell);
  pixel_at (surface, cell.x, cell.y, &got);
  assert_color (&got, &want);
  cairo_surface_destroy (surface);
}

/* A pool too big for cells with gaps but small enough for one block a cell
 * fills its panel with touching cells of a few pixels each, not a one-pixel
 * strip; the cells still read back as their requests. */
static void
test_dense_pool (void)
{
  static const KvpRequest requests[] = { { 4000, 100, 0.0, 0 }, { 2000, 100, 0.0, 0 } };
  g_autoptr(KvpServingSteps) steps = new_steps (requests, G_N_ELEMENTS (requests), 16, 28646, 8192,
                                                KVP_SCHEME_MAX);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 0, kvp_theme_get (KVP_THEME_LIGHT), 1280, 760);
  cairo_surface_t *surface = render (scene, 0.0, KVP_SERVING_NO_REQUEST);
  const KvpSimSnapshot *paged = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
  cairo_rectangle_t grid, cell;
  KvpColor got, want = kvp_serving_scene_get_request_color (scene, 1);

  g_assert_cmpuint (kvp_serving_scene_get_blocks_per_cell (scene), ==, 1);
  kvp_serving_scene_get_grid_bounds (scene, KVP_SERVING_PANEL_PAGED, &grid);
  g_assert_cmpfloat (grid.width * grid.height, >=, 3.0 * 28646);

  kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, paged->requests[1].blocks[0], &cell);
  g_assert_cmpfloat (cell.width, >=, 2.0);
  pixel_at (surface, cell.x + cell.width - 1, cell.y + cell.height - 1, &got);
  assert_color (&got, &want);
  cairo_surface_destroy (surface);
}

/* The selected request's block table lists logical → physical. */
static void
test_request_text (void)
{
  static const KvpRequest requests[] = { { 20, 4, 0.0, 0 }, { 9, 4, 0.0, 0 } };
  g_autoptr(KvpServingSteps) steps = new_steps (requests, G_N_ELEMENTS (requests), 8, 16, 64, KVP_SCHEME_MAX);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 0, kvp_theme_get (KVP_THEME_LIGHT), WIDTH,
                                                            HEIGHT);
  g_autofree char *text = kvp_serving_scene_dup_request_text (scene, 1);
  g_autofree char *description = kvp_serving_scene_dup_description (scene);
  cairo_surface_t *plain = render (scene, 0.0, KVP_SERVING_NO_REQUEST);
  cairo_surface_t *selected = render (scene, 0.0, 1);
  guint32 request = G_MAXUINT32;
  cairo_rectangle_t cell;

  /* Request 0 takes blocks 0-2 (21 tokens), request 1 blocks 3-4. */
  g_assert_nonnull (strstr (text, "Request 1"));
  g_assert_nonnull (strstr (text, "0→3, 1→4"));
  g_assert_nonnull (strstr (description, "At 0.00 s of"));
  g_assert_nonnull (strstr (description, "runs 2 requests with 0 waiting"));

  kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, 3, &cell);
  g_assert_true (kvp_serving_scene_get_request_at (scene, cell.x + 1, cell.y + 1, &request));
  g_assert_cmpuint (request, ==, 1);
  g_assert_false (kvp_serving_scene_get_request_at (scene, 1, 1, &request));

  /* Selecting it draws something over the picture. */
  g_assert_cmpint (memcmp (cairo_image_surface_get_data (plain), cairo_image_surface_get_data (selected),
                           (gsize) cairo_image_surface_get_stride (plain) * HEIGHT), !=, 0);
  cairo_surface_destroy (plain);
  cairo_surface_destroy (selected);
}

/* The prefix cache's hit rate card shows the scheduler's counters at the
 * step drawn: 0 before any lookup, the run's hit_rate_percent at the last
 * step, and in between the counters of that step, not the run's. */
static void
test_prefix_hits_card (void)
{
  g_autoptr(KvpServingSteps) steps = new_shared_prefix_steps (200, 256);
  KvpSimulation *sim = kvp_serving_steps_get_simulation (steps);
  const KvpSimStats *stats = kvp_simulation_get_stats (sim, KVP_SCHEME_PAGED);
  guint n_steps;
  const KvpSimStep *paged = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &n_steps);
  guint last = kvp_serving_steps_get_n_steps (steps) - 1;
  guint mid = 5;

  g_assert_cmpuint (stats->prefix_cache.hits_tokens, >, 0);
  g_assert_cmpuint (paged[n_steps - 1].prefix_queries_tokens, ==, stats->prefix_cache.queries_tokens);
  g_assert_cmpuint (paged[n_steps - 1].prefix_hits_tokens, ==, stats->prefix_cache.hits_tokens);
  /* The counters only grow, and at an early step are fewer than the run's. */
  for (guint i = 1; i < n_steps; i++)
    {
      g_assert_cmpuint (paged[i].prefix_queries_tokens, >=, paged[i - 1].prefix_queries_tokens);
      g_assert_cmpuint (paged[i].prefix_hits_tokens, >=, paged[i - 1].prefix_hits_tokens);
    }
  g_assert_cmpuint (paged[mid].prefix_queries_tokens, <, stats->prefix_cache.queries_tokens);

  /* A prefix block many running requests hold names the first 24 and
   * counts the rest. */
  {
    g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, mid, kvp_theme_get (KVP_THEME_LIGHT), WIDTH,
                                                              HEIGHT);
    const KvpSimSnapshot *snap = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
    guint32 block = snap->requests[snap->running[0]].blocks[0];
    guint count = kvp_serving_scene_get_ref_count (scene, block);
    g_autofree char *text = kvp_serving_scene_dup_block_text (scene, block);
    g_autofree char *more = g_strdup_printf (" and %u more", count - 24);
    guint commas = 0;

    g_assert_cmpuint (count, >, 24);
    g_assert_true (g_str_has_suffix (text, more));
    for (const char *c = strstr (text, "of each: "); *c != '\0'; c++)
      commas += *c == ',';
    g_assert_cmpuint (commas, ==, 23);
  }

  for (guint k = 0; k < 2; k++)
    {
      guint step = k == 0 ? mid : last;
      g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, step, kvp_theme_get (KVP_THEME_LIGHT),
                                                                WIDTH, HEIGHT);
      const KvpCardTexts *card = kvp_serving_scene_get_card (scene, KVP_SERVING_CARD_PREFIX_HITS);
      KvpServingSchemeStep at;
      g_autofree char *want = NULL;
      g_autofree char *hits = NULL;
      g_autofree char *queries = NULL;
      g_autofree char *caption = NULL;

      kvp_serving_steps_lookup (steps, KVP_SCHEME_PAGED, step, &at);
      want = kvp_format_percent (kvp_sim_step_get_prefix_hit_rate_percent (&paged[at.step]));
      if (step == last)
        {
          g_autofree char *run = kvp_format_percent (kvp_prefix_cache_stats_hit_rate_percent (&stats->prefix_cache));

          g_assert_cmpstr (want, ==, run);
        }
      g_assert_cmpstr (card->value, ==, want);
      hits = kvp_format_count (paged[at.step].prefix_hits_tokens);
      queries = kvp_format_count (paged[at.step].prefix_queries_tokens);
      caption = g_strdup_printf ("PagedAttention · %s of %s tokens looked up", hits, queries);
      g_assert_cmpstr (card->caption, ==, caption);
      g_assert_nonnull (card->value_text.layout);
    }
}

/* A block a prefix cache hit shares is drawn once, ringed, with its
 * reference count; the request's text names every holder and the count. */
static void
test_shared_blocks (void)
{
  g_autoptr(KvpServingSteps) steps = new_shared_prefix_steps (20, 256);
  g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 5, kvp_theme_get (KVP_THEME_LIGHT), WIDTH,
                                                            HEIGHT);
  const KvpSimSnapshot *snap = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
  const KvpSimRequestState *first = NULL;
  g_autoptr(GString) holders = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  guint count = 0;
  guint32 shared, request = G_MAXUINT32, lowest = G_MAXUINT32;
  cairo_rectangle_t cell;
  cairo_surface_t *surface;
  KvpColor centre, holder;

  g_assert_nonnull (snap);
  g_assert_cmpuint (snap->n_running, >, 2);
  first = &snap->requests[snap->running[0]];
  shared = first->blocks[0];
  /* Every running request starts with the same 256 tokens: block 0 of each
   * table is the same physical block. */
  for (guint32 id = 0; id < snap->n_requests; id++)
    if (snap->requests[id].status == KVP_REQUEST_RUNNING && snap->requests[id].n_blocks > 0
        && snap->requests[id].blocks[0] == shared)
      {
        g_string_append_printf (holders, "%s%u", count > 0 ? ", " : "", id);
        lowest = MIN (lowest, id);
        count++;
      }
  g_assert_cmpuint (count, ==, snap->n_running);
  g_assert_cmpuint (kvp_serving_scene_get_ref_count (scene, shared), ==, count);
  g_assert_cmpuint (kvp_serving_scene_get_ref_count (scene, first->blocks[first->n_blocks - 1]), ==, 1);

  text = kvp_serving_scene_dup_request_text (scene, snap->running[1]);
  expected = g_strdup_printf ("blocks 0–15 shared by %u requests: %s", count, holders->str);
  g_assert_nonnull (strstr (text, expected));

  /* Hovering the block names every holder and its reference count. */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&expected, g_free);
  text = kvp_serving_scene_dup_block_text (scene, shared);
  expected = g_strdup_printf ("Block %u: shared by %u requests (reference count %u), logical block 0 of each: %s",
                              shared, count, count, holders->str);
  g_assert_cmpstr (text, ==, expected);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&expected, g_free);
  text = kvp_serving_scene_dup_block_text (scene, first->blocks[first->n_blocks - 1]);
  expected = g_strdup_printf ("Block %u: request %u, logical block %u, %u of 16 slots holding tokens; "
                              "reference count 1", first->blocks[first->n_blocks - 1], snap->running[0],
                              first->n_blocks - 1, first->last_block_fill);
  g_assert_cmpstr (text, ==, expected);
  g_clear_pointer (&text, g_free);
  text = kvp_serving_scene_dup_request_text (scene, snap->running[1]);

  /* Drawn in its first holder's colour, not left blank, with a ring at its
   * edge in the text colour. */
  kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, shared, &cell);
  g_assert_true (kvp_serving_scene_get_request_at (scene, cell.x + 1, cell.y + 1, &request));
  g_assert_cmpuint (request, ==, lowest);
  surface = render (scene, 1.0, KVP_SERVING_NO_REQUEST);
  holder = kvp_serving_scene_get_request_color (scene, request);
  /* Cells of this picture have no room for the count: the centre is the
   * holder's colour. */
  g_assert_cmpfloat (cell.width, <, 14);
  pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &centre);
  assert_color (&centre, &holder);
  {
    KvpColor ring;
    double inset = MAX (1.0, cell.width / 8);

    pixel_at (surface, cell.x + inset, cell.y + cell.height / 2, &ring);
    g_assert_cmpfloat (distance (&ring, &holder), >, 0.3);
  }
  cairo_surface_destroy (surface);
}

/* A request frees its blocks: its two full ones keep their hashes and are
 * cached free, the third (two tokens) plain free.  Each is drawn in its own
 * class, light and dark, and the legend and the paged bar name the cached
 * class.  Once the paged run is over (Max still serves three one-token
 * requests, one whole-pool reservation at a time) the idle pool keeps its cached
 * blocks: A's two and B's first three — B's fourth was filled by its last
 * token, sampled but never computed, so it holds no hash. */
static void
test_cached_free_blocks (void)
{
  static const KvpRequest requests[] = {
    { 8, 2, 0.00, 0 }, { 4, 12, 0.00, 0 }, { 1, 1, 0.00, 0 }, { 1, 1, 0.00, 0 }, { 1, 1, 0.00, 0 },
  };
  g_autoptr(KvpServingSteps) steps = new_steps (requests, G_N_ELEMENTS (requests), 4, 16, 64, KVP_SCHEME_MAX);
  guint n_steps = kvp_serving_steps_get_n_steps (steps);
  guint32 b_blocks[4] = { 0 };

  /* B's blocks, at its last step. */
  for (guint s = 0; s < n_steps; s++)
    {
      g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, s, kvp_theme_get (KVP_THEME_LIGHT), WIDTH,
                                                                HEIGHT);
      const KvpSimSnapshot *snap = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);

      if (snap != NULL && snap->requests[1].status == KVP_REQUEST_RUNNING && snap->requests[1].n_blocks == 4)
        memcpy (b_blocks, snap->requests[1].blocks, sizeof b_blocks);
    }
  g_assert_cmpuint (b_blocks[0] + b_blocks[1] + b_blocks[2] + b_blocks[3], >, 0);
  {
    g_autoptr(KvpServingScene) idle = kvp_serving_scene_new (steps, n_steps - 1, kvp_theme_get (KVP_THEME_LIGHT),
                                                             WIDTH, HEIGHT);
    g_autofree char *cached_text = NULL;
    g_autofree char *free_text = NULL;
    g_autofree char *free_expected = g_strdup_printf ("Block %u: free; reference count 0", b_blocks[3]);

    g_assert_null (kvp_serving_scene_get_snapshot (idle, KVP_SERVING_PANEL_PAGED));
    g_assert_nonnull (kvp_serving_scene_get_snapshot (idle, KVP_SERVING_PANEL_COMPARED));
    g_assert_cmpuint (kvp_serving_scene_get_totals (idle, KVP_SERVING_PANEL_PAGED)->slots[KVP_SLOT_CACHED_FREE], ==,
                      5 * 4);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpint (kvp_serving_scene_classify_slot (idle, KVP_SERVING_PANEL_PAGED, b_blocks[i] * 4, NULL), ==,
                       KVP_SLOT_CACHED_FREE);
    g_assert_cmpint (kvp_serving_scene_classify_slot (idle, KVP_SERVING_PANEL_PAGED, b_blocks[3] * 4, NULL), ==,
                     KVP_SLOT_FREE);
    cached_text = kvp_serving_scene_dup_block_text (idle, b_blocks[0]);
    free_text = kvp_serving_scene_dup_block_text (idle, b_blocks[3]);
    g_assert_true (g_str_has_prefix (cached_text, "Block "));
    g_assert_nonnull (strstr (cached_text, ": free, cached: "));
    g_assert_cmpstr (free_text, ==, free_expected);
  }

  for (KvpThemeVariant kind = KVP_THEME_LIGHT; kind <= KVP_THEME_DARK; kind++)
    {
      const KvpTheme *theme = kvp_theme_get (kind);
      g_autoptr(KvpServingScene) before = kvp_serving_scene_new (steps, 1, theme, WIDTH, HEIGHT);
      g_autoptr(KvpServingScene) scene = kvp_serving_scene_new (steps, 2, theme, WIDTH, HEIGHT);
      const KvpSimSnapshot *snap = kvp_serving_scene_get_snapshot (before, KVP_SERVING_PANEL_PAGED);
      const KvpSimRequestState *a = &snap->requests[0];
      const KvpSimSnapshot *after = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
      KvpColor cached, cached_b, free_color, free_b, pixel;
      KvpServingFill fill;
      cairo_rectangle_t cell, bar;
      cairo_surface_t *surface;
      guint32 request = 0;

      /* Step 1: A holds 10 tokens in three blocks and finishes; step 2: its
       * first two are cached free. */
      g_assert_cmpuint (a->status, ==, KVP_REQUEST_RUNNING);
      g_assert_cmpuint (a->n_blocks, ==, 3);
      g_assert_cmpuint (snap->n_cached_free, ==, 0);
      g_assert_cmpuint (after->requests[0].status, ==, KVP_REQUEST_FINISHED);
      g_assert_cmpuint (after->n_cached_free, ==, 2);
      g_assert_cmpuint (after->cached_free[0], ==, MIN (a->blocks[0], a->blocks[1]));
      g_assert_cmpuint (after->cached_free[1], ==, MAX (a->blocks[0], a->blocks[1]));
      g_assert_cmpuint (kvp_serving_scene_get_totals (scene, KVP_SERVING_PANEL_PAGED)->slots[KVP_SLOT_CACHED_FREE],
                        ==, 2 * 4);
      g_assert_cmpint (kvp_serving_scene_classify_slot (scene, KVP_SERVING_PANEL_PAGED, a->blocks[0] * 4, &request),
                       ==, KVP_SLOT_CACHED_FREE);
      g_assert_cmpuint (request, ==, G_MAXUINT32);
      g_assert_cmpint (kvp_serving_scene_classify_slot (scene, KVP_SERVING_PANEL_PAGED, a->blocks[2] * 4, NULL),
                       ==, KVP_SLOT_FREE);
      /* Hovering says which is which. */
      {
        g_autofree char *cached_text = kvp_serving_scene_dup_block_text (scene, a->blocks[0]);
        g_autofree char *free_text = kvp_serving_scene_dup_block_text (scene, a->blocks[2]);
        g_autofree char *cached_start = g_strdup_printf ("Block %u: free, cached: ", a->blocks[0]);
        g_autofree char *free_expected = g_strdup_printf ("Block %u: free; reference count 0", a->blocks[2]);

        g_assert_true (g_str_has_prefix (cached_text, cached_start));
        g_assert_true (g_str_has_suffix (cached_text, "reference count 0"));
        g_assert_cmpstr (free_text, ==, free_expected);
        g_assert_null (kvp_serving_scene_dup_block_text (scene, 16));
      }

      kvp_serving_scene_run_colors (scene, G_MAXUINT32, KVP_SLOT_CACHED_FREE, &cached, &cached_b, &fill);
      kvp_serving_scene_run_colors (scene, G_MAXUINT32, KVP_SLOT_FREE, &free_color, &free_b, &fill);
      g_assert_cmpfloat (distance (&cached, &free_color), >, 0.3);
      g_assert_cmpfloat (distance (&cached, &theme->card), >, 0.3);

      surface = render (scene, 1.0, KVP_SERVING_NO_REQUEST);
      kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, a->blocks[1], &cell);
      pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &pixel);
      assert_color (&pixel, &cached);
      kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, a->blocks[2], &cell);
      pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &pixel);
      assert_color (&pixel, &free_color);

      /* The legend names the class beside its swatch, in its colour. */
      g_assert_nonnull (scene->legend_text[KVP_SLOT_CACHED_FREE].layout);
      g_assert_cmpstr (pango_layout_get_text (scene->legend_text[KVP_SLOT_CACHED_FREE].layout), ==,
                       "Cached free (evictable)");
      cell = scene->legend_swatch[KVP_SLOT_CACHED_FREE];
      g_assert_cmpfloat (cell.width, >, 0.0);
      pixel_at (surface, cell.x + cell.width / 2, cell.y + cell.height / 2, &pixel);
      assert_color (&pixel, &cached);

      /* The whole run's bar has a cached segment for the paged pool only. */
      kvp_serving_scene_get_breakdown_rect (scene, KVP_SERVING_PANEL_PAGED, KVP_SLOT_CACHED_FREE, &bar);
      g_assert_cmpfloat (bar.width, >, 0.0);
      kvp_serving_scene_get_breakdown_rect (scene, KVP_SERVING_PANEL_COMPARED, KVP_SLOT_CACHED_FREE, &bar);
      g_assert_cmpfloat (bar.width, ==, 0.0);
      cairo_surface_destroy (surface);
    }
}

/* Exports: PNG, SVG and PDF are written; a step past the end names the
 * number of steps and writes nothing. */
static void
test_export (void)
{
  g_autoptr(KvpServingSteps) steps = new_sharegpt_steps (50, 256, KVP_SCHEME_MAX);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-serving-XXXXXX", NULL);
  static const char *names[] = { "a.png", "a.svg", "a.pdf" };
  guint n = kvp_serving_steps_get_n_steps (steps);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (write_serving (steps, n / 2, kvp_theme_get (KVP_THEME_DARK), path, 1280, 800, 1,
                                               &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_cmpuint (length, >, 1000);
      if (i == 0)
        {
          cairo_surface_t *png = cairo_image_surface_create_from_png (path);

          g_assert_cmpint (cairo_image_surface_get_width (png), ==, 1280);
          g_assert_cmpint (cairo_image_surface_get_height (png), ==, 800);
          cairo_surface_destroy (png);
        }
      g_unlink (path);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename (dir, "late.png", NULL);
    g_autofree char *grouped = kvp_format_count (n);
    g_autofree char *count = g_strdup_printf ("%s steps", grouped);

    g_assert_false (write_serving (steps, n, kvp_theme_get (KVP_THEME_LIGHT), path, 1280, 800, 1,
                                              &error));
    g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, count));
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* 420 × 360 is the window's smallest picture. */
  static const int sizes[][2] = { { 1600, 1000 }, { 640, 400 }, { 420, 360 }, { 1920, 1080 }, { 3840, 2160 } };
  /* The window's serving picture at its smallest (420 × 360) and at
   * 800 × 500 beside the controls (470 × 440), the smallest export and up. */
  /* 930 × 750: the picture of the window at its default 1280 × 800. */
  static const int text_sizes[][2] = { { 420, 360 }, { 470, 440 }, { 640, 400 }, { 800, 500 }, { 930, 750 },
                                       { 1024, 640 }, { 1600, 1000 }, { 3840, 2160 } };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/serving-render/classes-match-simulation", test_classes_match_simulation);
  g_test_add_func ("/serving-render/budget-wait-draws-free", test_budget_wait_draws_free);
  g_test_add_func ("/serving-render/capacity-off-chart", test_capacity_off_chart);
  g_test_add_func ("/serving-render/capacity-title-fits", test_capacity_title_fits);
  g_test_add_func ("/serving-render/capacity-margins", test_capacity_margins);
  g_test_add_func ("/serving-render/capacity-decimals-locale", test_capacity_decimals_locale);
  g_test_add_func ("/serving-render/serving-time-locale", test_serving_time_locale);
  g_test_add_func ("/serving-render/capacity-paged-colour", test_capacity_paged_colour);
  g_test_add_func ("/serving-render/capacity-label", test_capacity_label);
  g_test_add_func ("/serving-render/capacity-limit-visible", test_capacity_limit_visible);
  g_test_add_func ("/serving-render/capacity-off-chart-note-apart", test_capacity_off_chart_note_apart);
  g_test_add_func ("/serving-render/time-axis", test_time_axis);
  g_test_add_data_func ("/serving-render/request-colors/light", GUINT_TO_POINTER (KVP_THEME_LIGHT),
                        test_request_colors_on_pixels);
  g_test_add_data_func ("/serving-render/request-colors/dark", GUINT_TO_POINTER (KVP_THEME_DARK),
                        test_request_colors_on_pixels);
  g_test_add_func ("/serving-render/hues-distinct", test_hues_distinct);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/serving-render/layout/%dx%d", sizes[i][0], sizes[i][1]);

      g_test_add_data_func (path, sizes[i], test_layout);
    }
  for (guint i = 0; i < G_N_ELEMENTS (text_sizes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/serving-render/texts-whole/%dx%d", text_sizes[i][0],
                                               text_sizes[i][1]);

      g_test_add_data_func (path, text_sizes[i], test_texts_whole);
    }
  g_test_add_func ("/serving-render/transition", test_transition);
  g_test_add_func ("/serving-render/huge-pool", test_huge_pool);
  g_test_add_func ("/serving-render/dense-pool", test_dense_pool);
  g_test_add_func ("/serving-render/request-text", test_request_text);
  g_test_add_func ("/serving-render/export", test_export);
  g_test_add_func ("/serving-render/prefix-hits-card", test_prefix_hits_card);
  g_test_add_func ("/serving-render/between-turns-card", test_between_turns_card);
  g_test_add_func ("/serving-render/shared-blocks", test_shared_blocks);
  g_test_add_func ("/serving-render/cached-free-blocks", test_cached_free_blocks);

  return g_test_run ();
}
