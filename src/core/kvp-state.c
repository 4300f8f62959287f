/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-state.c: the values a person chose, what is shown of them, and the
 * comparison they give, recomputed off the main thread. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-state.h"

/* Above GTK's redraw (G_PRIORITY_HIGH_IDLE + 20): every change made before
 * the next frame is merged into one recompute, started before that frame. */
#define RECOMPUTE_PRIORITY (G_PRIORITY_HIGH_IDLE + 10)

struct _KvpState
{
  GObject        parent_instance;

  KvpParams      asked;    /* what the person asked for, each in its range */
  KvpParams      shown;    /* asked, with every bound applied */
  KvpComparison *comparison;
  KvpModel      *held;     /* a reference to shown.model, which the workers
                              and comparisons share: one per model shown,
                              not a copy per recompute */

  guint          recompute_id;
  GCancellable  *cancellable; /* of the running recompute */
  gboolean       running;
  guint          n_published;
};

G_DEFINE_FINAL_TYPE (KvpState, kvp_state, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_KV_DTYPE,
  PROP_COMPARISON,
  PROP_FIRST_PARAM,
  N_PROPS = PROP_FIRST_PARAM + KVP_N_PARAMS
};

static GParamSpec *properties[N_PROPS];

/* What a worker computes from: the values and a reference to the model, so
 * a model whose owner goes meanwhile is never read. */
typedef struct
{
  KvpParams  params;
  KvpModel  *model;
} Job;

static void
job_free (Job *job)
{
  kvp_model_unref (job->model);
  g_free (job);
}

static void
compare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  const KvpParams *params = &((Job *) task_data)->params;
  GError *error = NULL;
  KvpComparison *cmp;

  /* A newer change may have come while this waited for a thread. */
  if (g_task_return_error_if_cancelled (task))
    return;

  cmp = kvp_comparison_new (params, &error);
  if (cmp == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, cmp, (GDestroyNotify) kvp_comparison_unref);
}

static void
publish (KvpState      *self,
         KvpComparison *cmp)
{
  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  self->comparison = kvp_comparison_ref (cmp);
  self->n_published++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARISON]);
}

static void
compare_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KvpState *self = KVP_STATE (object);
  g_autoptr(KvpComparison) cmp = NULL;
  g_autoptr(GError) error = NULL;

  cmp = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Not cancelled: this is the newest request. */
  self->running = FALSE;
  g_clear_object (&self->cancellable);

  if (cmp == NULL)
    {
      /* Every value is clamped into what the core accepts. */
      g_critical ("Could not compare the KV caches: %s", error->message);
      return;
    }

  publish (self, cmp);
}

static void
cancel_running (KvpState *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->running = FALSE;
}

static gboolean
recompute_cb (gpointer user_data)
{
  KvpState *self = user_data;
  g_autoptr(GTask) task = NULL;
  Job *job;

  self->recompute_id = 0;

  cancel_running (self);
  self->cancellable = g_cancellable_new ();
  self->running = TRUE;

  task = g_task_new (self, self->cancellable, compare_done_cb, NULL);
  g_task_set_source_tag (task, recompute_cb);
  job = g_new0 (Job, 1);
  job->params = self->shown;
  job->model = kvp_model_ref (self->held);
  job->params.model = job->model;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, compare_thread);

  return G_SOURCE_REMOVE;
}

static void
queue_recompute (KvpState *self)
{
  /* What is running is already out of date. */
  cancel_running (self);

  if (self->recompute_id == 0)
    self->recompute_id = g_idle_add_full (RECOMPUTE_PRIORITY, recompute_cb, self, NULL);
}

/* Applies the bounds to what was asked; notifies what changed on screen. */
static void
update_shown (KvpState *self)
{
  KvpParams shown = self->asked;

  kvp_params_clamp (&shown);
  if (kvp_params_equal (&shown, &self->shown) && shown.model == self->shown.model)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  if (shown.model != self->shown.model)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
  if (shown.dtype != self->shown.dtype)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KV_DTYPE]);
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    if (kvp_params_get (&shown, i) != kvp_params_get (&self->shown, i))
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_PARAM + i]);

  if (shown.model != self->shown.model)
    {
      g_clear_pointer (&self->held, kvp_model_unref);
      self->held = kvp_model_ref (shown.model);
    }
  self->shown = shown;
  queue_recompute (self);

  g_object_thaw_notify (G_OBJECT (self));
}

static void
kvp_state_dispose (GObject *object)
{
  KvpState *self = KVP_STATE (object);

  g_clear_handle_id (&self->recompute_id, g_source_remove);
  cancel_running (self);

  G_OBJECT_CLASS (kvp_state_parent_class)->dispose (object);
}

static void
kvp_state_finalize (GObject *object)
{
  KvpState *self = KVP_STATE (object);

  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  g_clear_pointer (&self->held, kvp_model_unref);

  G_OBJECT_CLASS (kvp_state_parent_class)->finalize (object);
}

static void
kvp_state_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KvpState *self = KVP_STATE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_string (value, self->shown.model->key);
      break;

    case PROP_KV_DTYPE:
      g_value_set_string (value, kvp_dtype_to_string (self->shown.dtype));
      break;

    case PROP_COMPARISON:
      g_value_set_boxed (value, self->comparison);
      break;

    default:
      if (prop_id >= PROP_FIRST_PARAM && prop_id < N_PROPS)
        g_value_set_uint64 (value, kvp_params_get (&self->shown, prop_id - PROP_FIRST_PARAM));
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_state_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KvpState *self = KVP_STATE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      {
        const char *key = g_value_get_string (value);
        const KvpModel *model = key != NULL ? kvp_model_lookup (key, NULL) : NULL;

        /* A stale key from the settings keeps the model shown. */
        if (model == NULL)
          g_debug ("Unknown model “%s”, kept %s", key, self->asked.model->key);
        else
          self->asked.model = model;
        update_shown (self);
      }
      break;

    case PROP_KV_DTYPE:
      {
        const char *name = g_value_get_string (value);
        KvpDtype dtype;

        if (name != NULL && kvp_dtype_from_string (name, &dtype, NULL))
          kvp_state_set_dtype (self, dtype);
        else
          g_debug ("Unknown KV cache type “%s”, kept %s", name,
                   kvp_dtype_to_string (self->asked.dtype));
      }
      break;

    default:
      if (prop_id >= PROP_FIRST_PARAM && prop_id < N_PROPS)
        kvp_state_set_value (self, prop_id - PROP_FIRST_PARAM, g_value_get_uint64 (value));
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_state_class_init (KvpStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  KvpParams defaults;

  object_class->dispose = kvp_state_dispose;
  object_class->finalize = kvp_state_finalize;
  object_class->get_property = kvp_state_get_property;
  object_class->set_property = kvp_state_set_property;

  kvp_params_init_default (&defaults);

  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL,
                         defaults.model->key,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KV_DTYPE] =
    g_param_spec_string ("kv-dtype", NULL, NULL,
                         kvp_dtype_to_string (defaults.dtype),
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPARISON] =
    g_param_spec_boxed ("comparison", NULL, NULL,
                        KVP_TYPE_COMPARISON,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /* One property per row of the parameter table.  The pspec keeps the whole
   * range; a value outside it is clamped by the setter, not refused. */
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);

      properties[PROP_FIRST_PARAM + i] =
        g_param_spec_uint64 (info->name, NULL, NULL,
                             0, G_MAXUINT64, kvp_params_get (&defaults, i),
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    }

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kvp_state_init (KvpState *self)
{
  kvp_params_init_default (&self->asked);
  self->shown = self->asked;
  self->held = kvp_model_ref (self->shown.model);
  queue_recompute (self);
}

KvpState *
kvp_state_new (void)
{
  return g_object_new (KVP_TYPE_STATE, NULL);
}

void
kvp_state_get_params (KvpState  *self,
                      KvpParams *out_params)
{
  g_return_if_fail (KVP_IS_STATE (self));
  g_return_if_fail (out_params != NULL);

  *out_params = self->shown;
}

void
kvp_state_set_params (KvpState        *self,
                      const KvpParams *params)
{
  KvpParams asked;

  g_return_if_fail (KVP_IS_STATE (self));
  g_return_if_fail (params != NULL);

  /* Each value within its own range; the bounds apply to what is shown. */
  asked = *params;
  if (asked.model == NULL)
    asked.model = kvp_model_get_default ();
  if (asked.dtype >= KVP_N_DTYPES)
    asked.dtype = KVP_DTYPE_DEFAULT;
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);

      kvp_params_set (&asked, i, CLAMP (kvp_params_get (&asked, i), info->min, info->max));
    }

  self->asked = asked;
  update_shown (self);
}

guint64
kvp_state_get_value (KvpState   *self,
                     KvpParamId  id)
{
  g_return_val_if_fail (KVP_IS_STATE (self), 0);
  g_return_val_if_fail (id < KVP_N_PARAMS, 0);

  return kvp_params_get (&self->shown, id);
}

guint64
kvp_state_set_value (KvpState   *self,
                     KvpParamId  id,
                     guint64     value)
{
  const KvpParamInfo *info;

  g_return_val_if_fail (KVP_IS_STATE (self), 0);
  g_return_val_if_fail (id < KVP_N_PARAMS, 0);

  info = kvp_param_get_info (id);
  value = CLAMP (value, info->min, info->max);
  kvp_params_set (&self->asked, id, value);
  update_shown (self);

  return value;
}

guint64
kvp_state_get_asked (KvpState   *self,
                     KvpParamId  id)
{
  g_return_val_if_fail (KVP_IS_STATE (self), 0);
  g_return_val_if_fail (id < KVP_N_PARAMS, 0);

  return kvp_params_get (&self->asked, id);
}

guint64
kvp_state_get_max (KvpState   *self,
                   KvpParamId  id)
{
  g_return_val_if_fail (KVP_IS_STATE (self), 0);
  g_return_val_if_fail (id < KVP_N_PARAMS, 0);

  return kvp_params_get_max (&self->shown, id);
}

const KvpModel *
kvp_state_get_model (KvpState *self)
{
  g_return_val_if_fail (KVP_IS_STATE (self), NULL);

  return self->shown.model;
}

void
kvp_state_choose_model (KvpState       *self,
                        const KvpModel *model)
{
  g_return_if_fail (KVP_IS_STATE (self));
  g_return_if_fail (model != NULL);

  if (model == self->asked.model)
    return;

  self->asked.model = model;
  /* A config that states no context keeps the reservation shown. */
  if (model->max_context > 0)
    self->asked.max_seq_len = model->max_context;
  update_shown (self);
}

void
kvp_state_set_layout (KvpState            *self,
                      const KvpPoolLayout *layout)
{
  g_return_if_fail (KVP_IS_STATE (self));

  if (layout == self->asked.layout)
    return;
  self->asked.layout = layout;
  update_shown (self);
}

void
kvp_state_set_null_block (KvpState *self,
                          gboolean  null_block)
{
  g_return_if_fail (KVP_IS_STATE (self));

  if (!null_block == !self->asked.null_block)
    return;
  self->asked.null_block = !!null_block;
  update_shown (self);
}

KvpDtype
kvp_state_get_dtype (KvpState *self)
{
  g_return_val_if_fail (KVP_IS_STATE (self), KVP_DTYPE_DEFAULT);

  return self->shown.dtype;
}

void
kvp_state_set_dtype (KvpState *self,
                     KvpDtype  dtype)
{
  g_return_if_fail (KVP_IS_STATE (self));
  g_return_if_fail (dtype < KVP_N_DTYPES);

  self->asked.dtype = dtype;
  update_shown (self);
}

void
kvp_state_reset (KvpState *self)
{
  KvpParams params;

  g_return_if_fail (KVP_IS_STATE (self));

  kvp_params_init_default (&params);
  kvp_state_set_params (self, &params);
}

KvpComparison *
kvp_state_get_comparison (KvpState *self)
{
  g_return_val_if_fail (KVP_IS_STATE (self), NULL);

  return self->comparison;
}

gboolean
kvp_state_is_pending (KvpState *self)
{
  g_return_val_if_fail (KVP_IS_STATE (self), FALSE);

  return self->recompute_id != 0 || self->running;
}

KvpComparison *
kvp_state_flush (KvpState *self)
{
  g_autoptr(KvpComparison) cmp = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (KVP_IS_STATE (self), NULL);

  if (!kvp_state_is_pending (self) && self->comparison != NULL)
    return self->comparison;

  g_clear_handle_id (&self->recompute_id, g_source_remove);
  cancel_running (self);

  cmp = kvp_comparison_new (&self->shown, &error);
  if (cmp == NULL)
    {
      g_critical ("Could not compare the KV caches: %s", error->message);
      return self->comparison;
    }

  publish (self, cmp);
  return self->comparison;
}

guint
kvp_state_get_n_published (KvpState *self)
{
  g_return_val_if_fail (KVP_IS_STATE (self), 0);

  return self->n_published;
}
