/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-state.c: how long KvpState takes from a changed value to the new
 * comparison published (the idle, the worker, the hand-back), per pool size.
 * Prints JSON lines. */

#include "config.h"

#include <stdlib.h>

#include "kvp-state.h"

#define ROUNDS 50

static void
published_cb (GObject    *object,
              GParamSpec *pspec,
              gboolean   *published)
{
  *published = TRUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (void)
{
  static const guint64 sizes[] = { 1024, 1048576, 16777216 };
  g_autoptr(KvpState) state = kvp_state_new ();
  gboolean published = FALSE;

  g_signal_connect (state, "notify::comparison", G_CALLBACK (published_cb), &published);

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      double ms[ROUNDS];

      for (guint i = 0; i < ROUNDS; i++)
        {
          gint64 begin = g_get_monotonic_time ();

          published = FALSE;
          g_object_set (state, "num-blocks", sizes[k] - i, NULL);
          while (!published)
            g_main_context_iteration (NULL, TRUE);
          ms[i] = (g_get_monotonic_time () - begin) / 1000.0;
        }

      qsort (ms, ROUNDS, sizeof ms[0], compare_doubles);
      g_print ("{\"case\": \"state-change-to-comparison\", \"blocks\": %" G_GUINT64_FORMAT
               ", \"median_ms\": %.3f, \"p95_ms\": %.3f}\n",
               sizes[k], ms[ROUNDS / 2], ms[ROUNDS * 95 / 100]);
    }

  /* A drag over 16,777,216 blocks: one new value a frame (16 ms) for 40
   * frames, then the time until the last value's comparison is out. */
  for (guint round = 0; round < 5; round++)
    {
      KvpComparison *last = NULL;
      gint64 begin;
      guint64 target = 16777216 - 1000 * (round + 1);

      for (guint i = 0; i < 40; i++)
        {
          gint64 frame_end = g_get_monotonic_time () + 16000;

          g_object_set (state, "num-blocks", (guint64) (16777216 - 1000 * round - i * 7), NULL);
          while (g_get_monotonic_time () < frame_end)
            g_main_context_iteration (NULL, FALSE);
        }
      begin = g_get_monotonic_time ();
      g_object_set (state, "num-blocks", target, NULL);
      while (last == NULL || kvp_state_is_pending (state))
        {
          g_main_context_iteration (NULL, TRUE);
          last = kvp_state_get_comparison (state);
        }
      g_print ("{\"case\": \"state-drag-then-last-comparison\", \"blocks\": 16777216, \"frames\": 40, "
               "\"ms\": %.3f}\n", (g_get_monotonic_time () - begin) / 1000.0);
    }

  return 0;
}
