/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-state.c: the capacity sweep of the serving settings, run in
 * a worker, cancelled by any newer change. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-capacity-state.h"
#include "kvp-error.h"

/* Changes this close together give one sweep. */
#define SWEEP_DELAY_MS 150

struct _KvpCapacityState
{
  GObject          parent_instance;

  KvpServingState *serving;
  KvpDeployState  *deploy;
  KvpState        *state;
  double           start, stop, step;
  gboolean         active;
  gboolean         dirty;       /* a change while inactive */
  guint            delay_id;
  GCancellable    *cancellable; /* the sweep going, if any */
  KvpSweep        *sweep;
  char            *error;
};

G_DEFINE_FINAL_TYPE (KvpCapacityState, kvp_capacity_state, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVING,
  PROP_RATE_START,
  PROP_RATE_STOP,
  PROP_RATE_STEP,
  PROP_ACTIVE,
  PROP_SWEEP,
  PROP_ERROR,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  KvpWorkloadOptions options;
  char              *source;
  KvpSimConfig       config;
  GArray            *rates;     /* double */
} Job;

static void
job_free (Job *job)
{
  g_free (job->source);
  g_array_unref (job->rates);
  g_free (job);
}

static void
set_result (KvpCapacityState *self,
            KvpSweep         *sweep,
            const char       *error)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (sweep != self->sweep)
    {
      g_clear_pointer (&self->sweep, kvp_sweep_unref);
      self->sweep = sweep != NULL ? kvp_sweep_ref (sweep) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SWEEP]);
    }
  if (g_strcmp0 (error, self->error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
sweep_thread_cb (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  KvpSweep *sweep;

  if (g_task_return_error_if_cancelled (task))
    return;
  job->options.source = job->source;
  sweep = kvp_sweep_new_full (&job->options, &job->config, (const double *) (gpointer) job->rates->data,
                              job->rates->len, KVP_SWEEP_DEFAULT_MAX_NORMALIZED_LATENCY, cancellable, &error);
  if (sweep == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, sweep, (GDestroyNotify) kvp_sweep_unref);
}

static void
swept_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(KvpCapacityState) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpSweep) sweep = g_task_propagate_pointer (G_TASK (result), &error);

  /* A newer sweep took over: this one says nothing. */
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;
  g_clear_object (&self->cancellable);
  set_result (self, sweep, sweep == NULL ? error->message : NULL);
}

/* The rates start to stop (included) by step, or NULL and why not. */
static GArray *
range_rates (KvpCapacityState  *self,
             GError           **error)
{
  GArray *rates;
  double n;

  if (!(self->start > 0) || !(self->step > 0) || self->stop < self->start)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The rates go from above 0 up to a higher or equal rate, by a step above 0."));
      return NULL;
    }
  n = floor ((self->stop - self->start) / self->step + 1e-9) + 1;
  if (n > KVP_SWEEP_MAX_RATES)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("The range has %.0f rates; a sweep takes at most %u."), n,
                   KVP_SWEEP_MAX_RATES);
      return NULL;
    }
  rates = g_array_sized_new (FALSE, FALSE, sizeof (double), (guint) n);
  for (guint i = 0; i < (guint) n; i++)
    {
      double rate = self->start + i * self->step;

      g_array_append_val (rates, rate);
    }
  return rates;
}

static void
start (KvpCapacityState *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rates = NULL;
  KvpSimConfig config;
  Job *job;
  guint64 seed = 0;

  g_clear_handle_id (&self->delay_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->dirty = FALSE;

  rates = range_rates (self, &error);
  if (rates == NULL || !kvp_deploy_state_get_sim_config (self->deploy, &config, &error))
    {
      set_result (self, NULL, error->message);
      return;
    }

  job = g_new0 (Job, 1);
  kvp_workload_options_init (&job->options);
  job->source = g_strdup (kvp_serving_state_get_workload (self->serving));
  job->options.n_requests = kvp_serving_state_get_requests (self->serving);
  g_object_get (self->serving, "seed", &seed, NULL);
  job->options.seed = seed;
  job->options.max_len = (guint32) kvp_state_get_value (self->state, KVP_PARAM_MAX_SEQ_LEN);
  job->config = config;
  job->config.schemes = KVP_SCHEME_MASK_ALL;
  job->rates = g_steal_pointer (&rates);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, swept_cb, g_object_ref (self));
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, sweep_thread_cb);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static gboolean
delay_cb (gpointer user_data)
{
  KvpCapacityState *self = user_data;

  self->delay_id = 0;
  start (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (KvpCapacityState *self)
{
  if (!self->active)
    {
      self->dirty = TRUE;
      return;
    }
  g_clear_handle_id (&self->delay_id, g_source_remove);
  self->delay_id = g_timeout_add (SWEEP_DELAY_MS, delay_cb, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
kvp_capacity_state_constructed (GObject *object)
{
  KvpCapacityState *self = KVP_CAPACITY_STATE (object);
  static const char *pool[] = {
    "notify::model", "notify::block-size", "notify::num-blocks", "notify::max-seq-len",
  };
  static const char *serving[] = {
    "notify::workload", "notify::requests", "notify::seed",
  };

  G_OBJECT_CLASS (kvp_capacity_state_parent_class)->constructed (object);

  g_object_get (self->serving, "deploy", &self->deploy, NULL);
  self->state = g_object_ref (kvp_deploy_state_get_state (self->deploy));
  for (guint i = 0; i < G_N_ELEMENTS (pool); i++)
    g_signal_connect_object (self->state, pool[i], G_CALLBACK (schedule), self, G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (serving); i++)
    g_signal_connect_object (self->serving, serving[i], G_CALLBACK (schedule), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->deploy, "notify::sizes-pool", G_CALLBACK (schedule), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->deploy, "notify::refusal", G_CALLBACK (schedule), self, G_CONNECT_SWAPPED);
  self->dirty = TRUE;
}

static void
kvp_capacity_state_dispose (GObject *object)
{
  KvpCapacityState *self = KVP_CAPACITY_STATE (object);

  g_clear_handle_id (&self->delay_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->state);
  g_clear_object (&self->deploy);
  g_clear_object (&self->serving);
  g_clear_pointer (&self->sweep, kvp_sweep_unref);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (kvp_capacity_state_parent_class)->dispose (object);
}

static void
kvp_capacity_state_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KvpCapacityState *self = KVP_CAPACITY_STATE (object);

  switch (prop_id)
    {
    case PROP_SERVING:
      g_value_set_object (value, self->serving);
      break;
    case PROP_RATE_START:
      g_value_set_double (value, self->start);
      break;
    case PROP_RATE_STOP:
      g_value_set_double (value, self->stop);
      break;
    case PROP_RATE_STEP:
      g_value_set_double (value, self->step);
      break;
    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;
    case PROP_SWEEP:
      g_value_set_pointer (value, self->sweep);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, kvp_capacity_state_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_rate (KvpCapacityState *self,
          double           *field,
          double            value,
          guint             prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  schedule (self);
}

static void
kvp_capacity_state_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KvpCapacityState *self = KVP_CAPACITY_STATE (object);

  switch (prop_id)
    {
    case PROP_SERVING:
      self->serving = g_value_dup_object (value);
      break;
    case PROP_RATE_START:
      set_rate (self, &self->start, g_value_get_double (value), PROP_RATE_START);
      break;
    case PROP_RATE_STOP:
      set_rate (self, &self->stop, g_value_get_double (value), PROP_RATE_STOP);
      break;
    case PROP_RATE_STEP:
      set_rate (self, &self->step, g_value_get_double (value), PROP_RATE_STEP);
      break;
    case PROP_ACTIVE:
      kvp_capacity_state_set_active (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_capacity_state_class_init (KvpCapacityStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->constructed = kvp_capacity_state_constructed;
  object_class->dispose = kvp_capacity_state_dispose;
  object_class->get_property = kvp_capacity_state_get_property;
  object_class->set_property = kvp_capacity_state_set_property;

  properties[PROP_SERVING] =
    g_param_spec_object ("serving", NULL, NULL, KVP_TYPE_SERVING_STATE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RATE_START] =
    g_param_spec_double ("rate-start", NULL, NULL, 0, G_MAXDOUBLE, KVP_CAPACITY_DEFAULT_START, rw);
  properties[PROP_RATE_STOP] =
    g_param_spec_double ("rate-stop", NULL, NULL, 0, G_MAXDOUBLE, KVP_CAPACITY_DEFAULT_STOP, rw);
  properties[PROP_RATE_STEP] =
    g_param_spec_double ("rate-step", NULL, NULL, 0, G_MAXDOUBLE, KVP_CAPACITY_DEFAULT_STEP, rw);
  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, rw);
  properties[PROP_SWEEP] = g_param_spec_pointer ("sweep", NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kvp_capacity_state_init (KvpCapacityState *self)
{
  self->start = KVP_CAPACITY_DEFAULT_START;
  self->stop = KVP_CAPACITY_DEFAULT_STOP;
  self->step = KVP_CAPACITY_DEFAULT_STEP;
}

KvpCapacityState *
kvp_capacity_state_new (KvpServingState *serving)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (serving), NULL);

  return g_object_new (KVP_TYPE_CAPACITY_STATE, "serving", serving, NULL);
}

void
kvp_capacity_state_set_range (KvpCapacityState *self,
                              double            start,
                              double            stop,
                              double            step)
{
  g_return_if_fail (KVP_IS_CAPACITY_STATE (self));

  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self, "rate-start", start, "rate-stop", stop, "rate-step", step, NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

KvpSweep *
kvp_capacity_state_get_sweep (KvpCapacityState *self)
{
  g_return_val_if_fail (KVP_IS_CAPACITY_STATE (self), NULL);

  return self->sweep;
}

const char *
kvp_capacity_state_get_error (KvpCapacityState *self)
{
  g_return_val_if_fail (KVP_IS_CAPACITY_STATE (self), NULL);

  return self->error;
}

gboolean
kvp_capacity_state_get_busy (KvpCapacityState *self)
{
  g_return_val_if_fail (KVP_IS_CAPACITY_STATE (self), FALSE);

  return self->cancellable != NULL || self->delay_id != 0;
}

void
kvp_capacity_state_set_active (KvpCapacityState *self,
                               gboolean          active)
{
  g_return_if_fail (KVP_IS_CAPACITY_STATE (self));

  active = !!active;
  if (active == self->active)
    return;
  self->active = active;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
  if (active && self->dirty)
    schedule (self);
}
