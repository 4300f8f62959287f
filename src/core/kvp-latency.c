/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-latency.c: percentiles by selection, O(n) each, so a million requests
 * take milliseconds and no second copy. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <math.h>

#include "kvp-latency.h"

static inline void
swap (double *a,
      double *b)
{
  double t = *a;

  *a = *b;
  *b = t;
}

/* Hoare's selection: afterwards values[k] is the k-th smallest of
 * values[lo … hi], everything before it no larger and after it no smaller. */
static void
select_kth (double  *values,
            guint64  lo,
            guint64  hi,
            guint64  k)
{
  while (lo < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;
      double pivot;
      guint64 i = lo;
      guint64 j = hi;

      /* Median of three keeps sorted input from costing n². */
      if (values[mid] < values[lo])
        swap (&values[mid], &values[lo]);
      if (values[hi] < values[lo])
        swap (&values[hi], &values[lo]);
      if (values[hi] < values[mid])
        swap (&values[hi], &values[mid]);
      pivot = values[mid];

      while (i <= j)
        {
          while (values[i] < pivot)
            i++;
          while (values[j] > pivot)
            j--;
          if (i <= j)
            {
              swap (&values[i], &values[j]);
              i++;
              if (j == 0)
                break;
              j--;
            }
        }
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        return;
    }
}

/* numpy's default: the value at rank q × (n − 1), interpolated. */
static double
percentile (double  *values,
            guint64  n,
            double   q)
{
  double rank = q * (double) (n - 1);
  guint64 k = (guint64) floor (rank);
  double frac = rank - (double) k;
  double low, high;

  select_kth (values, 0, n - 1, k);
  low = values[k];
  if (frac == 0.0 || k + 1 >= n)
    return low;

  /* The next order statistic is the smallest of what lies above k. */
  high = values[k + 1];
  for (guint64 i = k + 2; i < n; i++)
    high = MIN (high, values[i]);

  return low + (high - low) * frac;
}

void
kvp_latency_summarize (double            *values,
                       guint64            n_values,
                       KvpLatencySummary *out)
{
  double sum = 0.0;

  g_return_if_fail (out != NULL);
  g_return_if_fail (values != NULL || n_values == 0);

  *out = (KvpLatencySummary) { .count = n_values };
  if (n_values == 0)
    return;

  for (guint64 i = 0; i < n_values; i++)
    sum += values[i];
  out->mean = sum / (double) n_values;
  /* Ascending q: each selection leaves the part above its rank for the next. */
  out->p50 = percentile (values, n_values, 0.50);
  out->p90 = percentile (values, n_values, 0.90);
  out->p99 = percentile (values, n_values, 0.99);
}
