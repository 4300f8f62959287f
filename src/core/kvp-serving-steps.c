/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-steps.c: the serving view's time axis, the union of the step
 * start times the paged pool and one reserve-ahead scheme recorded. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-serving-steps.h"

struct _KvpServingSteps
{
  gatomicrefcount  ref_count;
  KvpSimulation   *sim;
  KvpScheme        compared;
  GArray          *times;    /* guint64 start_ns, increasing */
  /* Per scheme, built when first asked: level k holds the most requests
   * running in each 2^k consecutive recorded steps, so the most in any
   * range of steps costs O(log steps), however long the run. */
  GMutex           lock;
  GPtrArray       *peaks[KVP_N_SCHEMES]; /* guint32 *, level by level */
  guint            n_levels[KVP_N_SCHEMES];
};

/* The last recorded step of steps[0 … n) starting at or before time_ns,
 * or -1. */
static gint64
last_at_or_before (const KvpSimStep *steps,
                   guint             n,
                   guint64           time_ns)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (steps[mid].start_ns <= time_ns)
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
  g_mutex_init (&self->lock);

  a = kvp_simulation_get_steps (sim, KVP_SCHEME_PAGED, &na);
  b = kvp_simulation_get_steps (sim, compared, &nb);
  self->times = g_array_sized_new (FALSE, FALSE, sizeof (guint64), MAX (na, nb) + 1);
  while (i < na || j < nb)
    {
      guint64 time_ns;

      if (j >= nb || (i < na && a[i].start_ns < b[j].start_ns))
        time_ns = a[i++].start_ns;
      else if (i >= na || b[j].start_ns < a[i].start_ns)
        time_ns = b[j++].start_ns;
      else
        time_ns = a[i++].start_ns, j++;
      g_array_append_val (self->times, time_ns);
    }

  /* A workload has at least one request, so something ran. */
  g_assert (self->times->len > 0);

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
  g_clear_pointer (&self->times, g_array_unref);
  for (guint s = 0; s < KVP_N_SCHEMES; s++)
    g_clear_pointer (&self->peaks[s], g_ptr_array_unref);
  g_mutex_clear (&self->lock);
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

  return self->times->len;
}

guint64
kvp_serving_steps_get_time (KvpServingSteps *self,
                            guint            step)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (step < self->times->len, 0);

  return g_array_index (self->times, guint64, step);
}

guint64
kvp_serving_steps_get_scheme_end (KvpServingSteps *self,
                                  KvpScheme        scheme)
{
  const KvpSimStep *steps;
  guint n;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (scheme == KVP_SCHEME_PAGED || scheme == self->compared, 0);

  steps = kvp_simulation_get_steps (self->sim, scheme, &n);
  return n > 0 ? steps[n - 1].end_ns : 0;
}

guint64
kvp_serving_steps_get_end (KvpServingSteps *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return MAX (kvp_serving_steps_get_scheme_end (self, KVP_SCHEME_PAGED),
              kvp_serving_steps_get_scheme_end (self, self->compared));
}

void
kvp_serving_steps_lookup (KvpServingSteps      *self,
                          KvpScheme             scheme,
                          guint                 step,
                          KvpServingSchemeStep *out)
{
  const KvpSimStep *steps;
  guint n;
  guint64 time_ns;
  gint64 found;

  g_return_if_fail (self != NULL);
  g_return_if_fail (step < self->times->len);
  g_return_if_fail (out != NULL);

  time_ns = g_array_index (self->times, guint64, step);
  steps = kvp_simulation_get_steps (self->sim, scheme, &n);
  found = last_at_or_before (steps, n, time_ns);
  out->has_before = found >= 0;
  out->step = found >= 0 ? (guint) found : 0;
  out->recorded = found >= 0 && steps[found].end_ns > time_ns;
}

guint
kvp_serving_steps_find_time (KvpServingSteps *self,
                             guint64          time_ns)
{
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, 0);

  hi = self->times->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->times, guint64, mid) <= time_ns)
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

  if (step >= self->times->len)
    {
      g_autofree char *steps = kvp_format_count (self->times->len);
      g_autofree char *last = kvp_format_count (self->times->len - 1);

      /* The option's value as typed; the run's counts grouped. */
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--step %" PRIu64 " is past the end: this run has %s steps, 0 to %s."),
                   step, steps, last);
      return FALSE;
    }

  return TRUE;
}

static GPtrArray *
build_peaks (const KvpSimStep *steps,
             guint             n)
{
  GPtrArray *levels = g_ptr_array_new_with_free_func (g_free);
  guint32 *level = g_new (guint32, MAX (n, 1));
  guint len = n;

  for (guint i = 0; i < n; i++)
    level[i] = steps[i].n_running;
  g_ptr_array_add (levels, level);
  while (len > 1)
    {
      guint next_len = (len + 1) / 2;
      guint32 *next = g_new (guint32, next_len);

      for (guint i = 0; i < next_len; i++)
        next[i] = 2 * i + 1 < len ? MAX (level[2 * i], level[2 * i + 1]) : level[2 * i];
      g_ptr_array_add (levels, next);
      level = next;
      len = next_len;
    }
  return levels;
}

guint32
kvp_serving_steps_get_peak_running (KvpServingSteps *self,
                                    KvpScheme        scheme,
                                    guint            first,
                                    guint            end)
{
  const KvpSimStep *steps;
  GPtrArray *peaks;
  guint32 peak = 0;
  guint n, level = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (scheme == KVP_SCHEME_PAGED || scheme == self->compared, 0);

  steps = kvp_simulation_get_steps (self->sim, scheme, &n);
  end = MIN (end, n);
  if (first >= end)
    return 0;

  g_mutex_lock (&self->lock);
  if (self->peaks[scheme] == NULL)
    self->peaks[scheme] = build_peaks (steps, n);
  peaks = self->peaks[scheme];
  g_mutex_unlock (&self->lock);

  /* [first, end) at each level: the odd ends taken alone, the rest halved. */
  while (first < end)
    {
      const guint32 *values = g_ptr_array_index (peaks, level);

      if (first & 1)
        {
          peak = MAX (peak, values[first]);
          first++;
        }
      if (end & 1)
        {
          end--;
          peak = MAX (peak, values[end]);
        }
      first /= 2;
      end /= 2;
      level++;
    }
  return peak;
}
