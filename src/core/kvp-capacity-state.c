/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-state.c: the capacity sweep of the serving settings, run in
 * a worker, cancelled by any newer change. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-capacity-state.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-worker.h"

/* Changes this close together give one sweep. */
#define SWEEP_DELAY_MS 150

struct _KvpCapacityState
{
  GObject          parent_instance;

  KvpServingState *serving;
  KvpDeployState  *deploy;
  double           start, stop, step;
  KvpWorker        worker;
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

static gpointer
sweep_job (gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  Job *job = data;

  job->options.source = job->source;
  return kvp_sweep_new_full (&job->options, &job->config, (const double *) (gpointer) job->rates->data,
                             job->rates->len, KVP_SWEEP_DEFAULT_MAX_NORMALIZED_LATENCY, cancellable, error);
}

static void
swept (gpointer      owner,
       gpointer      job,
       gpointer      sweep,
       const GError *error)
{
  set_result (owner, sweep, sweep == NULL ? error->message : NULL);
}

/* The rates start to stop (included) by step, or NULL and why not. */
static GArray *
range_rates (KvpCapacityState  *self,
             GError           **error)
{
  double n;

  if (!(self->start > 0) || !(self->step > 0) || self->stop < self->start)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The rates go from above 0 up to a higher or equal rate, by a step above 0."));
      return NULL;
    }
  n = kvp_sweep_range_size (self->start, self->stop, self->step);
  if (n > KVP_SWEEP_MAX_RATES)
    {
      g_autofree char *rates = kvp_format_whole (n);
      g_autofree char *most = kvp_format_count (KVP_SWEEP_MAX_RATES);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("The range has %s rates; a sweep takes at most %s."), rates,
                   most);
      return NULL;
    }
  return kvp_sweep_range_new (self->start, self->stop, self->step);
}

static void
start (gpointer owner)
{
  KvpCapacityState *self = owner;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rates = NULL;
  KvpSimConfig config;
  Job *job;

  kvp_worker_begin (&self->worker);

  rates = range_rates (self, &error);
  if (rates == NULL || !kvp_deploy_state_get_sim_config (self->deploy, &config, &error))
    {
      set_result (self, NULL, error->message);
      return;
    }

  /* The serving run's workload, at the sweep's rates. */
  job = g_new0 (Job, 1);
  kvp_serving_state_get_workload_options (self->serving, &job->options);
  job->source = g_strdup (job->options.source);
  job->config = config;
  job->config.schemes = KVP_SCHEME_MASK_ALL;
  job->rates = g_steal_pointer (&rates);

  kvp_worker_run (&self->worker, job, (GDestroyNotify) job_free, sweep_job, (GDestroyNotify) kvp_sweep_unref, swept);
}

static void
schedule (KvpCapacityState *self)
{
  kvp_worker_schedule (&self->worker);
}

static void
kvp_capacity_state_constructed (GObject *object)
{
  KvpCapacityState *self = KVP_CAPACITY_STATE (object);
  static const char *serving[] = {
    "notify::workload", "notify::requests", "notify::seed",
  };

  G_OBJECT_CLASS (kvp_capacity_state_parent_class)->constructed (object);

  g_object_get (self->serving, "deploy", &self->deploy, NULL);
  kvp_deploy_state_watch_sim_config (self->deploy, G_CALLBACK (schedule), self);
  for (guint i = 0; i < G_N_ELEMENTS (serving); i++)
    g_signal_connect_object (self->serving, serving[i], G_CALLBACK (schedule), self, G_CONNECT_SWAPPED);
}

static void
kvp_capacity_state_dispose (GObject *object)
{
  KvpCapacityState *self = KVP_CAPACITY_STATE (object);

  kvp_worker_clear (&self->worker);
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
      g_value_set_boolean (value, kvp_worker_get_active (&self->worker));
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
  kvp_worker_init (&self->worker, self, properties[PROP_BUSY], SWEEP_DELAY_MS, start);
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

  return kvp_worker_get_busy (&self->worker);
}

void
kvp_capacity_state_set_active (KvpCapacityState *self,
                               gboolean          active)
{
  g_return_if_fail (KVP_IS_CAPACITY_STATE (self));

  if (!kvp_worker_set_active (&self->worker, active))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
  if (active && kvp_worker_get_dirty (&self->worker))
    schedule (self);
}
