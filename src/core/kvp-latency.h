/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-latency.h: mean and percentiles of one latency over a run's requests,
 * as vLLM's benchmark reports them (numpy's linear-interpolation
 * percentiles), exact over the values kept: one double per finished request,
 * freed once summarised. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 count;
  double  mean;
  double  p50;
  double  p90;
  double  p99;
} KvpLatencySummary;

/* values is reordered.  A zero count gives zeros. */
void kvp_latency_summarize (double            *values,
                            guint64            n_values,
                            KvpLatencySummary *out);

G_END_DECLS
