/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-render.c: what a frame costs at 1920 × 1080 with half the pool
 * allocated — the whole scene, the frames of a change, the grid, the obvious
 * one-fill-per-block grid as a yardstick, and one cairo_paint as the floor.
 * One JSON object a line. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "kvp-paint.h"
#include "kvp-scene.h"
#include "kvp-serving-paint.h"

#define WIDTH  1920
#define HEIGHT 1080

typedef void (*CaseFunc) (cairo_t *cr, KvpScene *scene, KvpComparison *cmp);

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        int     n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void
report (const char *name,
        guint32     blocks,
        double      median_ms)
{
  printf ("{\"case\": \"%s\", \"blocks\": %u, \"width\": %d, \"height\": %d, \"median_ms\": %.3f}\n",
          name, blocks, WIDTH, HEIGHT, median_ms);
  fflush (stdout);
}

static void
paint_scene (cairo_t       *cr,
             KvpScene      *scene,
             KvpComparison *cmp)
{
  kvp_paint_scene (cr, scene, kvp_scene_get_duration (scene));
}

static void
paint_grid (cairo_t       *cr,
            KvpScene      *scene,
            KvpComparison *cmp)
{
  kvp_paint_parts (cr, scene, kvp_scene_get_duration (scene), KVP_PAINT_BLOCKS);
}

/* A frame in the middle of the launch, when blocks are still filling in. */
static void
paint_animated_grid (cairo_t       *cr,
                     KvpScene      *scene,
                     KvpComparison *cmp)
{
  kvp_paint_parts (cr, scene, 0.6, KVP_PAINT_BLOCKS);
}

/* The obvious grid: one rectangle and one fill per block. */
static void
paint_naive_grid (cairo_t       *cr,
                  KvpScene      *scene,
                  KvpComparison *cmp)
{
  const KvpTheme *theme = kvp_picture_get_theme (KVP_PICTURE (scene));
  guint32 n = cmp->params.num_blocks;

  for (guint32 b = 0; b < n; b++)
    {
      cairo_rectangle_t r;
      const KvpColor *c = kvp_block_pool_get_ref_count (cmp->pool, b) > 0 ? &theme->paged_start : &theme->free_block;

      kvp_scene_get_block_rect (scene, b, &r);
      cairo_rectangle (cr, r.x, r.y, r.width, r.height);
      cairo_set_source_rgb (cr, c->red, c->green, c->blue);
      cairo_fill (cr);
    }
}

static void
paint_floor (cairo_t       *cr,
             KvpScene      *scene,
             KvpComparison *cmp)
{
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_paint (cr);
}

static double
run (CaseFunc       func,
     KvpScene      *scene,
     KvpComparison *cmp,
     int            repeats)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  double *times = g_new (double, repeats);
  double result;

  func (cr, scene, cmp); /* warm caches and fonts */
  for (int i = 0; i < repeats; i++)
    {
      gint64 start = g_get_monotonic_time ();

      cairo_save (cr);
      func (cr, scene, cmp);
      cairo_restore (cr);
      cairo_surface_flush (surface);
      times[i] = (g_get_monotonic_time () - start) / 1000.0;
    }

  result = median (times, repeats);
  g_free (times);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  return result;
}

/* The serving view: 1,000 ShareGPT requests arriving at 20 per second, a
 * frame at a step where the pool is busy, settled and mid-transition, and
 * what moving to the next step costs (snapshots, layout, both grids). */
static void
bench_serving (guint32 num_blocks)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KvpWorkload) workload = NULL;
  g_autoptr (KvpSimulation) sim = NULL;
  g_autoptr (KvpServingSteps) steps = NULL;
  g_autoptr (KvpServingScene) previous = NULL;
  g_autoptr (KvpServingScene) scene = NULL;
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);
  KvpWorkloadOptions options;
  KvpSimConfig config = { 16, num_blocks, 2048, (1u << KVP_SCHEME_PAGED) | (1u << KVP_SCHEME_MAX) };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  const char *names[] = { "serving-step", "serving-frame", "serving-transition-frame" };
  double times[3][31];
  guint step;

  kvp_workload_options_init (&options);
  options.n_requests = 1000;
  options.request_rate = 20.0;
  options.max_len = 2048;
  workload = kvp_workload_new (&options, &error);
  g_assert_no_error (error);
  sim = kvp_simulation_new (workload, &config, NULL, &error);
  g_assert_no_error (error);
  steps = kvp_serving_steps_new (sim, KVP_SCHEME_MAX, &error);
  g_assert_no_error (error);

  /* Busy: a third of the way through the paged pool's run. */
  kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &step);
  step = kvp_serving_steps_find_time (steps, kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, NULL)[step / 3].start_ns);
  previous = kvp_serving_scene_new (steps, step, theme, WIDTH, HEIGHT);
  kvp_serving_scene_prepare (previous, 1.0);

  for (int i = 0; i < 31; i++)
    {
      gint64 start = g_get_monotonic_time ();

      g_clear_pointer (&scene, kvp_serving_scene_unref);
      scene = kvp_serving_scene_new (steps, step + 1 + i % 2, theme, WIDTH, HEIGHT);
      kvp_serving_scene_prepare (scene, 1.0);
      times[0][i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  kvp_serving_scene_set_previous (scene, previous);

  for (int c = 1; c < 3; c++)
    for (int i = 0; i < 31; i++)
      {
        gint64 start = g_get_monotonic_time ();

        kvp_serving_paint (cr, scene, c == 1 ? KVP_SERVING_TRANSITION : KVP_SERVING_TRANSITION / 2,
                           KVP_SERVING_NO_REQUEST);
        cairo_surface_flush (surface);
        times[c][i] = (g_get_monotonic_time () - start) / 1000.0;
      }

  for (int c = 0; c < 3; c++)
    report (names[c], num_blocks, median (times[c], 31));

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* A few held blocks among a million: the grid shows them in a ringed loupe. */
static void
bench_few_held (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KvpComparison) cmp = NULL;
  g_autoptr (KvpScene) scene = NULL;
  KvpParams params;

  kvp_params_init_default (&params);
  params.block_size = 16;
  params.num_blocks = 1048576;
  params.seq_len = 8 * 16;
  params.max_seq_len = 2048;
  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);
  scene = kvp_scene_new (cmp, kvp_theme_get (KVP_THEME_LIGHT), WIDTH, HEIGHT);
  report ("grid-few-held", params.num_blocks, run (paint_grid, scene, cmp, 31));
}

int
main (int    argc,
      char **argv)
{
  const guint32 pools[] = { 1024, 65536, 1048576 };
  const KvpTheme *theme = kvp_theme_get (KVP_THEME_LIGHT);

  for (guint i = 0; i < G_N_ELEMENTS (pools); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KvpComparison) cmp = NULL;
      g_autoptr (KvpScene) scene = NULL;
      KvpParams params;
      double build[9];

      kvp_params_init_default (&params);
      params.block_size = 16;
      params.num_blocks = pools[i];
      params.seq_len = (guint64) pools[i] / 2 * 16;
      params.max_seq_len = MAX (params.seq_len, 2048);
      cmp = kvp_comparison_new (&params, &error);
      g_assert_no_error (error);

      /* Building includes the by-pixel image, so frames only paint it. */
      for (guint k = 0; k < G_N_ELEMENTS (build); k++)
        {
          gint64 start = g_get_monotonic_time ();

          g_clear_pointer (&scene, kvp_scene_unref);
          scene = kvp_scene_new (cmp, theme, WIDTH, HEIGHT);
          build[k] = (g_get_monotonic_time () - start) / 1000.0;
        }

      report ("scene-build", pools[i], median (build, G_N_ELEMENTS (build)));

      /* Frames of a change (the sequence grows by a quarter of the pool):
       * each shows another state, so each lays its texts out anew and
       * updates the grid's picture where blocks changed. */
      {
        KvpParams more = params;
        g_autoptr (KvpComparison) next = NULL;
        g_autoptr (KvpScene) to = NULL;
        cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
        double frames[15];

        more.seq_len = params.seq_len + (guint64) pools[i] / 4 * 16;
        more.max_seq_len = MAX (more.seq_len, params.max_seq_len);
        next = kvp_comparison_new (&more, &error);
        g_assert_no_error (error);
        to = kvp_scene_new (next, theme, WIDTH, HEIGHT);
        kvp_scene_set_previous (to, scene, G_MAXDOUBLE);
        for (guint k = 0; k < G_N_ELEMENTS (frames); k++)
          {
            double t = kvp_scene_get_duration (to) * k / (G_N_ELEMENTS (frames) - 1);
            gint64 start = g_get_monotonic_time ();
            cairo_t *cr = cairo_create (surface);

            kvp_paint_scene (cr, to, t);
            cairo_destroy (cr);
            cairo_surface_flush (surface);
            frames[k] = (g_get_monotonic_time () - start) / 1000.0;
          }
        cairo_surface_destroy (surface);
        report ("change-frame", pools[i], median (frames, G_N_ELEMENTS (frames)));
      }
      report ("scene", pools[i], run (paint_scene, scene, cmp, 31));
      report ("grid", pools[i], run (paint_grid, scene, cmp, 31));
      report ("animated-grid", pools[i], run (paint_animated_grid, scene, cmp, 15));
      report ("naive-grid", pools[i], run (paint_naive_grid, scene, cmp, pools[i] > 100000 ? 5 : 15));
      if (i == G_N_ELEMENTS (pools) - 1)
        report ("floor", pools[i], run (paint_floor, scene, cmp, 31));
    }

  bench_few_held ();

  bench_serving (1024);
  bench_serving (65536);

  return 0;
}
