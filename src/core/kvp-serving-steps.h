/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-steps.h: one time axis for the serving view.  The paged pool
 * and a reserve-ahead scheme record different steps (each skips its own idle
 * gaps and ends when its last request does); the view steps through the
 * union of their clocks, and finds for each scheme the step it recorded at
 * that clock, if any. */

#pragma once

#include <glib.h>

#include "kvp-simulation.h"

G_BEGIN_DECLS

typedef struct _KvpServingSteps KvpServingSteps;

/* What a scheme was doing at one step of the view. */
typedef struct
{
  gboolean recorded;  /* it recorded a step at this clock: step is it */
  guint    step;      /* recorded step; when not recorded, the last one
                         before this clock (valid when has_before) */
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
guint32          kvp_serving_steps_get_clock      (KvpServingSteps *self,
                                                   guint            step);
void             kvp_serving_steps_lookup         (KvpServingSteps *self,
                                                   KvpScheme        scheme,
                                                   guint            step,
                                                   KvpServingSchemeStep *out);
/* The view's step at clock or the last one before it. */
guint            kvp_serving_steps_find_clock     (KvpServingSteps *self,
                                                   guint32          clock);

/* Whether step is a step of the view; KVP_ERROR_INVALID naming the number
 * of steps when it is past the end. */
gboolean         kvp_serving_steps_check_step     (KvpServingSteps *self,
                                                   guint64          step,
                                                   GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpServingSteps, kvp_serving_steps_unref)

G_END_DECLS
