/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-steps.c: the serving view's time axis, the union of the clocks
 * the paged pool and one reserve-ahead scheme recorded. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-serving-steps.h"

struct _KvpServingSteps
{
  gatomicrefcount  ref_count;
  KvpSimulation   *sim;
  KvpScheme        compared;
  GArray          *clocks;   /* guint32, increasing */
};

/* The last recorded step of steps[0 … n) whose clock is ≤ clock, or -1. */
static gint64
last_at_or_before (const KvpSimStep *steps,
                   guint             n,
                   guint32           clock)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (steps[mid].clock <= clock)
        lo = mid + 1;
      else
        hi = mid;
    }

  return (gint64) lo - 1;
}

KvpServingSteps *
kvp_serving_steps_new (KvpSimulation  *sim,
                       KvpScheme       compared,
                       GError        **error)
{
  g_autoptr(KvpServingSteps) self = NULL;
  const KvpSimStep *a, *b;
  guint na, nb, i = 0, j = 0;

  g_return_val_if_fail (sim != NULL, NULL);
  g_return_val_if_fail (compared > KVP_SCHEME_PAGED && compared < KVP_N_SCHEMES, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kvp_simulation_has_scheme (sim, KVP_SCHEME_PAGED) || !kvp_simulation_has_scheme (sim, compared))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The serving view compares the paged pool with %s, and the simulation ran without one of them."),
                   kvp_scheme_to_string (compared));
      return NULL;
    }

  self = g_new0 (KvpServingSteps, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->sim = kvp_simulation_ref (sim);
  self->compared = compared;

  a = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &na);
  b = kvp_simulation_get_steps (sim, compared, &nb);
  self->clocks = g_array_sized_new (FALSE, FALSE, sizeof (guint32), MAX (na, nb) + 1);
  while (i < na || j < nb)
    {
      guint32 clock;

      if (j >= nb || (i < na && a[i].clock < b[j].clock))
        clock = a[i++].clock;
      else if (i >= na || b[j].clock < a[i].clock)
        clock = b[j++].clock;
      else
        clock = a[i++].clock, j++;
      g_array_append_val (self->clocks, clock);
    }

  /* A workload has at least one request, so something ran. */
  g_assert (self->clocks->len > 0);

  return g_steal_pointer (&self);
}

KvpServingSteps *
kvp_serving_steps_ref (KvpServingSteps *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
kvp_serving_steps_unref (KvpServingSteps *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->sim, kvp_simulation_unref);
  g_clear_pointer (&self->clocks, g_array_unref);
  g_free (self);
}

KvpSimulation *
kvp_serving_steps_get_simulation (KvpServingSteps *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->sim;
}

KvpScheme
kvp_serving_steps_get_compared (KvpServingSteps *self)
{
  g_return_val_if_fail (self != NULL, KVP_SCHEME_MAX);

  return self->compared;
}

guint
kvp_serving_steps_get_n_steps (KvpServingSteps *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->clocks->len;
}

guint32
kvp_serving_steps_get_clock (KvpServingSteps *self,
                             guint            step)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (step < self->clocks->len, 0);

  return g_array_index (self->clocks, guint32, step);
}

void
kvp_serving_steps_lookup (KvpServingSteps      *self,
                          KvpScheme             scheme,
                          guint                 step,
                          KvpServingSchemeStep *out)
{
  const KvpSimStep *steps;
  guint n;
  guint32 clock;
  gint64 found;

  g_return_if_fail (self != NULL);
  g_return_if_fail (step < self->clocks->len);
  g_return_if_fail (out != NULL);

  clock = g_array_index (self->clocks, guint32, step);
  steps = kvp_simulation_get_steps (self->sim, scheme, &n);
  found = last_at_or_before (steps, n, clock);
  out->has_before = found >= 0;
  out->step = found >= 0 ? (guint) found : 0;
  out->recorded = found >= 0 && steps[found].clock == clock;
}

guint
kvp_serving_steps_find_clock (KvpServingSteps *self,
                              guint32          clock)
{
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, 0);

  hi = self->clocks->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->clocks, guint32, mid) <= clock)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo > 0 ? lo - 1 : 0;
}

gboolean
kvp_serving_steps_check_step (KvpServingSteps *self,
                              guint64          step,
                              GError         **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (step >= self->clocks->len)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--step %" PRIu64 " is past the end: this run has %u steps, 0 to %u."),
                   step, self->clocks->len, self->clocks->len - 1);
      return FALSE;
    }

  return TRUE;
}
