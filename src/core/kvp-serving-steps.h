/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-steps.h: one time axis for the serving view.  The paged pool
 * and a reserve-ahead scheme record different steps (of different lengths;
 * each skips its own idle gaps and ends when its last request does); the
 * view steps through the union of their step start times, and finds for each
 * scheme the step it was running at that time, if any. */

#pragma once

#include <glib.h>

#include "kvp-simulation.h"

G_BEGIN_DECLS

typedef struct _KvpServingSteps KvpServingSteps;

/* What a scheme was doing at one step of the view. */
typedef struct
{
  gboolean recorded;  /* a step of its runs at this time: step is it */
  guint    step;      /* that step; when none runs (the scheme is idle), the
                         last one before this time (valid when has_before) */
  gboolean has_before;
} KvpServingSchemeStep;

/* sim must hold KVP_SCHEME_PAGED and compared (a reserve-ahead scheme). */
KvpServingSteps *kvp_serving_steps_new        (KvpSimulation   *sim,
                                               KvpScheme        compared,
                                               GError         **error);
KvpServingSteps *kvp_serving_steps_ref        (KvpServingSteps *self);
void             kvp_serving_steps_unref      (KvpServingSteps *self);

KvpSimulation   *kvp_serving_steps_get_simulation (KvpServingSteps *self);
KvpScheme        kvp_serving_steps_get_compared   (KvpServingSteps *self);
/* Steps of the view: at least 1 (a run records at least one step). */
guint            kvp_serving_steps_get_n_steps    (KvpServingSteps *self);
/* When step starts, in ns from the start of the run. */
guint64          kvp_serving_steps_get_time       (KvpServingSteps *self,
                                                   guint            step);
/* Where a scheme's run ends (the end of its last step), and the later of
 * the two: the view's axis runs from 0 to it. */
guint64          kvp_serving_steps_get_scheme_end (KvpServingSteps *self,
                                                   KvpScheme        scheme);
guint64          kvp_serving_steps_get_end        (KvpServingSteps *self);
void             kvp_serving_steps_lookup         (KvpServingSteps *self,
                                                   KvpScheme        scheme,
                                                   guint            step,
                                                   KvpServingSchemeStep *out);
/* The view's step at time_ns: the last one starting at or before it. */
guint            kvp_serving_steps_find_time      (KvpServingSteps *self,
                                                   guint64          time_ns);

/* The most requests running in a scheme's recorded steps [first, end):
 * the running-requests chart at any zoom, in O(log steps). */
guint32          kvp_serving_steps_get_peak_running (KvpServingSteps *self,
                                                     KvpScheme        scheme,
                                                     guint            first,
                                                     guint            end);

/* Whether step is a step of the view; KVP_ERROR_INVALID naming the number
 * of steps when it is past the end. */
gboolean         kvp_serving_steps_check_step     (KvpServingSteps *self,
                                                   guint64          step,
                                                   GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpServingSteps, kvp_serving_steps_unref)

G_END_DECLS
