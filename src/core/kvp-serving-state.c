/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-state.c: the serving options and their simulation.  Changes
 * are merged for a moment, then one simulation runs in a worker with a
 * GCancellable; a newer change cancels it, and its result is dropped. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-serving-state.h"
#include "kvp-workload.h"
#include "kvp-worker.h"

/* Changes this close together make one simulation. */
#define SIMULATE_DELAY_MS 150

struct _KvpServingState
{
  GObject          parent_instance;

  KvpDeployState  *deploy;
  KvpState        *state;

  char            *workload;       /* the source the run uses */
  char            *workload_file;  /* the file last read */
  char            *pending_file;   /* a file being tried */
  guint            requests;
  double           rate;
  guint64          seed;
  KvpScheme        compared;
  guint            step;

  guint            n_requests;
  KvpSimulation   *sim;
  char            *error;
  gboolean         refused;

  KvpWorker        worker;
};

G_DEFINE_FINAL_TYPE (KvpServingState, kvp_serving_state, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DEPLOY,
  PROP_WORKLOAD,
  PROP_WORKLOAD_FILE,
  PROP_REQUESTS,
  PROP_N_REQUESTS,
  PROP_RATE,
  PROP_SEED,
  PROP_COMPARED,
  PROP_STEP,
  PROP_ACTIVE,
  PROP_SIMULATION,
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
  gboolean           new_file;
  gboolean           workload_failed;  /* written by the worker, read after */
} Job;

static void
job_free (Job *job)
{
  g_free (job->source);
  g_free (job);
}

static void
notify (KvpServingState *self,
        guint            prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_error (KvpServingState *self,
           const char      *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (error);
  notify (self, PROP_ERROR);
}

static void
set_simulation (KvpServingState *self,
                KvpSimulation   *sim)
{
  if (sim == self->sim)
    return;
  g_clear_pointer (&self->sim, kvp_simulation_unref);
  self->sim = sim != NULL ? kvp_simulation_ref (sim) : NULL;
  notify (self, PROP_SIMULATION);
}

static gpointer
simulate_job (gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  Job *job = data;
  g_autoptr(KvpWorkload) workload = NULL;

  job->options.source = job->source;
  workload = kvp_workload_new (&job->options, error);
  if (workload == NULL)
    {
      job->workload_failed = TRUE;
      return NULL;
    }
  return kvp_simulation_new (workload, &job->config, cancellable, error);
}

/* A file that was read becomes the workload, with all its rows. */
static void
take_file (KvpServingState *self)
{
  g_autofree char *file = g_steal_pointer (&self->pending_file);

  /* In this order, not frozen: a view lists the file before choosing it. */
  g_free (self->workload_file);
  self->workload_file = g_strdup (file);
  notify (self, PROP_WORKLOAD_FILE);
  g_free (self->workload);
  self->workload = g_steal_pointer (&file);
  notify (self, PROP_WORKLOAD);
  if (self->requests != 0)
    {
      self->requests = 0;
      notify (self, PROP_REQUESTS);
    }
}

static void
simulated (gpointer      owner,
           gpointer      data,
           gpointer      result,
           const GError *error)
{
  KvpServingState *self = owner;
  KvpSimulation *sim = result;
  Job *job = data;

  if (sim == NULL && job->new_file && job->workload_failed)
    {
      /* A bad file changes nothing but the message. */
      g_clear_pointer (&self->pending_file, g_free);
      set_error (self, error->message);
    }
  else
    {
      guint n = 0;

      if (job->new_file)
        take_file (self);
      set_simulation (self, sim);
      set_error (self, error != NULL ? error->message : NULL);
      if (sim != NULL)
        kvp_workload_get_requests (kvp_simulation_get_workload (sim), &n);
      if (n != self->n_requests)
        {
          self->n_requests = n;
          notify (self, PROP_N_REQUESTS);
        }
    }
  notify (self, PROP_BUSY);
}

static void
start (gpointer owner)
{
  KvpServingState *self = owner;
  g_autoptr(GError) error = NULL;
  KvpSimConfig config;
  Job *job;

  kvp_worker_begin (&self->worker);

  if (!kvp_deploy_state_get_sim_config (self->deploy, &config, &error))
    {
      /* Nothing to show but why. */
      g_object_freeze_notify (G_OBJECT (self));
      self->refused = kvp_deploy_state_get_refusal (self->deploy) != NULL;
      set_simulation (self, NULL);
      set_error (self, error->message);
      notify (self, PROP_BUSY);
      g_object_thaw_notify (G_OBJECT (self));
      return;
    }
  self->refused = FALSE;

  job = g_new0 (Job, 1);
  kvp_serving_state_get_workload_options (self, &job->options);
  job->new_file = self->pending_file != NULL;
  job->source = g_strdup (job->new_file ? self->pending_file : self->workload);
  /* All of a new file's rows. */
  if (job->new_file)
    job->options.n_requests = 0;
  job->config = config;
  job->config.schemes = KVP_SCHEME_MASK_ALL;

  kvp_worker_run (&self->worker, job, (GDestroyNotify) job_free, simulate_job, (GDestroyNotify) kvp_simulation_unref,
                  simulated);
}

static void
schedule (KvpServingState *self)
{
  kvp_worker_schedule (&self->worker);
}

static void
kvp_serving_state_constructed (GObject *object)
{
  KvpServingState *self = KVP_SERVING_STATE (object);

  G_OBJECT_CLASS (kvp_serving_state_parent_class)->constructed (object);

  self->state = g_object_ref (kvp_deploy_state_get_state (self->deploy));
  kvp_deploy_state_watch_sim_config (self->deploy, G_CALLBACK (schedule), self);
}

static void
kvp_serving_state_dispose (GObject *object)
{
  KvpServingState *self = KVP_SERVING_STATE (object);

  kvp_worker_clear (&self->worker);
  g_clear_object (&self->state);
  g_clear_object (&self->deploy);
  g_clear_pointer (&self->sim, kvp_simulation_unref);

  G_OBJECT_CLASS (kvp_serving_state_parent_class)->dispose (object);
}

static void
kvp_serving_state_finalize (GObject *object)
{
  KvpServingState *self = KVP_SERVING_STATE (object);

  g_free (self->workload);
  g_free (self->workload_file);
  g_free (self->pending_file);
  g_free (self->error);

  G_OBJECT_CLASS (kvp_serving_state_parent_class)->finalize (object);
}

static void
kvp_serving_state_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KvpServingState *self = KVP_SERVING_STATE (object);

  switch (prop_id)
    {
    case PROP_DEPLOY: g_value_set_object (value, self->deploy); break;
    case PROP_WORKLOAD: g_value_set_string (value, self->workload); break;
    case PROP_WORKLOAD_FILE: g_value_set_string (value, self->workload_file); break;
    case PROP_REQUESTS: g_value_set_uint (value, self->requests); break;
    case PROP_N_REQUESTS: g_value_set_uint (value, self->n_requests); break;
    case PROP_RATE: g_value_set_double (value, self->rate); break;
    case PROP_SEED: g_value_set_uint64 (value, self->seed); break;
    case PROP_COMPARED: g_value_set_int (value, self->compared); break;
    case PROP_STEP: g_value_set_uint (value, self->step); break;
    case PROP_ACTIVE: g_value_set_boolean (value, kvp_worker_get_active (&self->worker)); break;
    case PROP_SIMULATION: g_value_set_pointer (value, self->sim); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_BUSY: g_value_set_boolean (value, kvp_serving_state_get_busy (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A built-in name, or the file last read; anything else changes nothing. */
static void
set_workload (KvpServingState *self,
              const char      *source)
{
  if (source == NULL || g_strcmp0 (source, self->workload) == 0 ||
      !(kvp_workload_is_builtin (source) || g_strcmp0 (source, self->workload_file) == 0))
    return;
  g_free (self->workload);
  self->workload = g_strdup (source);
  notify (self, PROP_WORKLOAD);
  schedule (self);
}

static void
kvp_serving_state_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  KvpServingState *self = KVP_SERVING_STATE (object);

  switch (prop_id)
    {
    case PROP_DEPLOY:
      self->deploy = g_value_dup_object (value);
      return;
    case PROP_WORKLOAD:
      set_workload (self, g_value_get_string (value));
      return;
    case PROP_REQUESTS:
      if (self->requests == g_value_get_uint (value))
        return;
      self->requests = g_value_get_uint (value);
      break;
    case PROP_RATE:
      if (self->rate == g_value_get_double (value))
        return;
      self->rate = g_value_get_double (value);
      break;
    case PROP_SEED:
      if (self->seed == g_value_get_uint64 (value))
        return;
      self->seed = g_value_get_uint64 (value);
      break;
    case PROP_COMPARED:
      /* The compared scheme is one of the run's: no new run. */
      if ((int) self->compared != g_value_get_int (value))
        {
          self->compared = g_value_get_int (value);
          notify (self, prop_id);
        }
      return;
    case PROP_STEP:
      if (self->step != g_value_get_uint (value))
        {
          self->step = g_value_get_uint (value);
          notify (self, prop_id);
        }
      return;
    case PROP_ACTIVE:
      kvp_serving_state_set_active (self, g_value_get_boolean (value));
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  notify (self, prop_id);
  schedule (self);
}

static void
kvp_serving_state_class_init (KvpServingStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = kvp_serving_state_constructed;
  object_class->dispose = kvp_serving_state_dispose;
  object_class->finalize = kvp_serving_state_finalize;
  object_class->get_property = kvp_serving_state_get_property;
  object_class->set_property = kvp_serving_state_set_property;

  properties[PROP_DEPLOY] =
    g_param_spec_object ("deploy", NULL, NULL, KVP_TYPE_DEPLOY_STATE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WORKLOAD] = g_param_spec_string ("workload", NULL, NULL, "sharegpt", rw);
  properties[PROP_WORKLOAD_FILE] = g_param_spec_string ("workload-file", NULL, NULL, NULL, ro);
  properties[PROP_REQUESTS] = g_param_spec_uint ("requests", NULL, NULL, 0, KVP_WORKLOAD_MAX_REQUESTS, 0, rw);
  properties[PROP_N_REQUESTS] = g_param_spec_uint ("n-requests", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_RATE] = g_param_spec_double ("rate", NULL, NULL, 0, KVP_WORKLOAD_MAX_RATE, 0, rw);
  properties[PROP_SEED] = g_param_spec_uint64 ("seed", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  properties[PROP_COMPARED] =
    g_param_spec_int ("compared", NULL, NULL, KVP_SCHEME_MAX, KVP_SCHEME_ORACLE, KVP_SCHEME_MAX, rw);
  properties[PROP_STEP] = g_param_spec_uint ("step", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, rw);
  properties[PROP_SIMULATION] = g_param_spec_pointer ("simulation", NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kvp_serving_state_init (KvpServingState *self)
{
  self->workload = g_strdup ("sharegpt");
  self->compared = KVP_SCHEME_MAX;
  kvp_worker_init (&self->worker, self, properties[PROP_BUSY], SIMULATE_DELAY_MS, start);
}

KvpServingState *
kvp_serving_state_new (KvpDeployState *deploy)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (deploy), NULL);

  return g_object_new (KVP_TYPE_SERVING_STATE, "deploy", deploy, NULL);
}

void
kvp_serving_state_open_workload_file (KvpServingState *self,
                                      const char      *path)
{
  g_return_if_fail (KVP_IS_SERVING_STATE (self));
  g_return_if_fail (path != NULL);

  g_free (self->pending_file);
  self->pending_file = g_strdup (path);
  schedule (self);
}

const char *
kvp_serving_state_get_workload (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), NULL);

  return self->workload;
}

const char *
kvp_serving_state_get_workload_file (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), NULL);

  return self->workload_file;
}

guint
kvp_serving_state_get_requests (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), 0);

  return self->requests;
}

void
kvp_serving_state_get_workload_options (KvpServingState    *self,
                                        KvpWorkloadOptions *out)
{
  g_return_if_fail (KVP_IS_SERVING_STATE (self));
  g_return_if_fail (out != NULL);

  kvp_workload_options_init (out);
  out->source = self->workload;
  /* 0: the generators' default, or all of a file's rows. */
  out->n_requests = self->requests;
  out->request_rate = self->rate;
  out->seed = self->seed;
  out->max_len = (guint32) kvp_state_get_value (self->state, KVP_PARAM_MAX_SEQ_LEN);
}

guint
kvp_serving_state_get_n_requests (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), 0);

  return self->n_requests;
}

KvpScheme
kvp_serving_state_get_compared (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), KVP_SCHEME_MAX);

  return self->compared;
}

KvpSimulation *
kvp_serving_state_get_simulation (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), NULL);

  return self->sim;
}

const char *
kvp_serving_state_get_error (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), NULL);

  return self->error;
}

gboolean
kvp_serving_state_get_refused (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), FALSE);

  return self->refused;
}

gboolean
kvp_serving_state_get_busy (KvpServingState *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_STATE (self), FALSE);

  return kvp_worker_get_busy (&self->worker);
}

void
kvp_serving_state_set_active (KvpServingState *self,
                              gboolean         active)
{
  g_return_if_fail (KVP_IS_SERVING_STATE (self));

  if (!kvp_worker_set_active (&self->worker, active))
    return;
  notify (self, PROP_ACTIVE);
  if (active && kvp_worker_get_dirty (&self->worker))
    start (self);
}
