/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-deploy-state.c: the GPU choices and the sizing they give.  The sizing
 * takes microseconds, so it runs as soon as a value changes. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-deploy-state.h"
#include "kvp-error.h"
#include "kvp-sim-command.h"
#include "kvp-vllm-log.h"

struct _KvpDeployState
{
  GObject         parent_instance;

  KvpState       *state;
  KvpModelConfig *config;
  const KvpModel *base;       /* the whole model */
  KvpModel       *per_gpu;    /* the share the state shows, when TP > 1: ours */
  guint           per_gpu_tp;

  char           *gpu;
  guint64         gpu_memory;
  double          utilization;
  guint           tensor_parallel_size;
  guint64         kv_cache_memory;
  guint64         weights_memory;
  guint64         activation_memory;
  /* The engine's options the window has no control for: the command line's
   * (kvp_deploy_state_set_command_line ()), else vLLM's defaults. */
  guint64         max_num_batched_tokens;
  guint           concurrent_batches;
  gboolean        backend_block_size;
  gboolean        allow_long_max_model_len;

  KvpDeploy       deploy;     /* the last sizing, valid when has_deploy */
  gboolean        has_deploy;
  gboolean        sizes_pool;
  char           *refusal;
  char           *log;
  gboolean        updating;   /* writing the state, which notifies back */
  /* The block count a vLLM log gave the pool (0: none): vLLM's pool, with
   * its null block, until the count changes. */
  guint64         log_blocks;
};

G_DEFINE_FINAL_TYPE (KvpDeployState, kvp_deploy_state, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_GPU,
  PROP_GPU_MEMORY,
  PROP_UTILIZATION,
  PROP_TENSOR_PARALLEL_SIZE,
  PROP_KV_CACHE_MEMORY,
  PROP_WEIGHTS_MEMORY,
  PROP_ACTIVATION_MEMORY,
  PROP_SIZES_POOL,
  PROP_USES_BUDGET,
  PROP_REFUSAL,
  PROP_LOG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIZED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The options a message may name, and the controls that set them in the
 * window; a longer name before any name it starts with. */
static const struct
{
  const char *option;
  const char *control;
} option_controls[] = {
  { "--gpu-memory-utilization", N_("GPU memory utilization") },
  { "--gpu-memory", N_("GPU memory") },
  { "--max-model-len", N_("Reserved length") },
  { "--max-seq-len", N_("Reserved length") },
  { "--block-size", N_("Block size") },
  { "--tensor-parallel-size", N_("Tensor parallel size") },
  { "--kv-cache-memory", N_("KV cache memory") },
  { "--weights-memory", N_("Weights memory") },
  { "--activation-memory", N_("Activation reserve") },
  { "--gpu", N_("GPU") },
};

char *
kvp_deploy_state_name_controls (const char *message)
{
  GString *text;

  g_return_val_if_fail (message != NULL, NULL);

  text = g_string_new (NULL);
  for (const char *p = message; *p != '\0';)
    {
      gboolean replaced = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (option_controls) && !replaced; i++)
        {
          gsize n = strlen (option_controls[i].option);

          /* Whole option names only: "--gpu" is not "--gpus". */
          if (strncmp (p, option_controls[i].option, n) == 0 &&
              !(g_ascii_isalnum (p[n]) || p[n] == '-'))
            {
              g_string_append (text, _(option_controls[i].control));
              p += n;
              replaced = TRUE;
            }
        }
      if (!replaced)
        g_string_append_c (text, *p++);
    }

  return g_string_free (text, FALSE);
}

static void
set_string (KvpDeployState  *self,
            char           **field,
            const char      *value,
            guint            prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_boolean (KvpDeployState *self,
             gboolean       *field,
             gboolean        value,
             guint           prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Shows @model with the values shown kept: a share of the same model is no
 * new model, so the reservation stays as it was. */
static void
show_model (KvpDeployState *self,
            const KvpModel *model)
{
  KvpParams params;

  kvp_state_get_params (self->state, &params);
  params.model = model;
  kvp_state_set_params (self->state, &params);
}

/* The state shows one GPU's share of the whole model: a copy with its KV
 * heads divided, when the model or the tensor-parallel size changes.  A
 * model chosen elsewhere (the model drop-down, the settings) is the new
 * whole. */
static void
follow_model (KvpDeployState *self)
{
  const KvpModel *shown = kvp_state_get_model (self->state);
  guint tp = MAX (self->tensor_parallel_size, 1);

  if (shown != self->per_gpu && shown != self->base)
    {
      self->base = shown;
      g_clear_pointer (&self->per_gpu, kvp_model_unref);
      if (self->config != NULL && &self->config->model != shown)
        g_clear_pointer (&self->config, kvp_model_config_unref);
    }

  if (tp == 1)
    {
      if (shown != self->base)
        show_model (self, self->base);
      g_clear_pointer (&self->per_gpu, kvp_model_unref);
      return;
    }
  if (self->per_gpu != NULL && self->per_gpu_tp == tp && shown == self->per_gpu)
    return;
  /* A size that does not divide the heads is refused by the sizing. */
  if (self->base->num_attention_heads % tp != 0 || kvp_model_get_kv_heads (self->base) == 0)
    return;

  {
    g_autoptr(KvpModel) old = g_steal_pointer (&self->per_gpu);
    KvpModel share;

    /* The state lets go of the old share before we do; it, its workers
     * and its comparisons hold references of their own. */
    kvp_model_for_tensor_parallel (self->base, tp, &share);
    self->per_gpu = kvp_model_copy (&share);
    self->per_gpu_tp = tp;
    show_model (self, self->per_gpu);
  }
}

/* The person's choices as kvp_deploy_apply () takes them. */
static void
fill_deploy (KvpDeployState *self,
             KvpDeploy      *deploy)
{
  deploy->config = self->config != NULL ? kvp_model_config_ref (self->config) : NULL;
  if (g_strcmp0 (self->gpu, KVP_DEPLOY_STATE_CUSTOM_GPU) == 0)
    deploy->gpu_memory_bytes = self->gpu_memory;
  else if (self->gpu != NULL && *self->gpu != '\0')
    deploy->gpu = kvp_gpu_lookup (self->gpu, NULL);
  deploy->kv_cache_bytes = self->kv_cache_memory;
  if (deploy->kv_cache_bytes == 0)
    {
      deploy->utilization = self->utilization;
      deploy->weights_bytes = self->weights_memory;
      deploy->activation_bytes = self->activation_memory;
      deploy->has_activation = TRUE;
    }
  deploy->tensor_parallel_size = MAX (self->tensor_parallel_size, 1);
  deploy->max_num_batched_tokens = self->max_num_batched_tokens;
  deploy->concurrent_batches = self->concurrent_batches;
  deploy->backend_block_size = self->backend_block_size;
  deploy->allow_long_max_model_len = self->allow_long_max_model_len;
}

/* The pool is the block count a vLLM log gave: vLLM's num_gpu_blocks. */
static gboolean
is_log_pool (KvpDeployState *self)
{
  return self->log_blocks > 0 && kvp_state_get_value (self->state, KVP_PARAM_NUM_BLOCKS) == self->log_blocks;
}

/* Everything follows from the choices and the state's values. */
static void
update (KvpDeployState *self)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *refusal = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *log = NULL;
  KvpParams params;

  if (self->state == NULL || self->updating)
    return;
  self->updating = TRUE;

  follow_model (self);
  fill_deploy (self, &deploy);
  set_boolean (self, &self->sizes_pool, kvp_deploy_sizes_pool (&deploy), PROP_SIZES_POOL);

  kvp_state_get_params (self->state, &params);
  params.model = self->base;
  if (!kvp_deploy_apply (&deploy, &params, &error))
    refusal = kvp_deploy_state_name_controls (error->message);
  else if (deploy.sizing != NULL)
    {
      /* The attention backend's block size, when the command line left it
       * to vLLM. */
      if (deploy.backend_block_size)
        kvp_state_set_value (self->state, KVP_PARAM_BLOCK_SIZE, params.block_size);
      kvp_state_set_value (self->state, KVP_PARAM_NUM_BLOCKS, params.num_blocks);
      lines = kvp_vllm_sizing_get_log_lines (deploy.sizing);
      log = g_strjoinv ("\n", lines);
    }

  /* A hybrid model's groups are the sizing's: every figure in vLLM's terms. */
  kvp_state_set_layout (self->state, refusal == NULL ? params.layout : NULL);
  kvp_state_set_null_block (self->state, refusal == NULL && (params.null_block || is_log_pool (self)));
  kvp_deploy_clear (&self->deploy);
  self->has_deploy = refusal == NULL;
  if (self->has_deploy)
    {
      self->deploy = deploy;
      memset (&deploy, 0, sizeof deploy);
      /* The per-GPU model moved with the struct. */
    }

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->refusal, refusal, PROP_REFUSAL);
  set_string (self, &self->log, log != NULL ? log : "", PROP_LOG);
  g_object_thaw_notify (G_OBJECT (self));
  self->updating = FALSE;
  g_signal_emit (self, signals[SIZED], 0);
}

static void
state_changed_cb (KvpState       *state,
                  GParamSpec     *pspec,
                  KvpDeployState *self)
{
  update (self);
}

/* A block count other than the log's (a person's, or a sizing's) ends the
 * log's pool. */
static void
num_blocks_changed_cb (KvpState       *state,
                       GParamSpec     *pspec,
                       KvpDeployState *self)
{
  if (self->log_blocks == 0 || is_log_pool (self))
    return;
  self->log_blocks = 0;
  if (!self->has_deploy || self->deploy.sizing == NULL)
    kvp_state_set_null_block (self->state, FALSE);
}

static void
connect_state (KvpDeployState *self)
{
  static const char *notifies[] = {
    "notify::model", "notify::kv-dtype", "notify::block-size", "notify::max-seq-len",
  };

  for (guint i = 0; i < G_N_ELEMENTS (notifies); i++)
    g_signal_connect_object (self->state, notifies[i], G_CALLBACK (state_changed_cb), self, 0);
  g_signal_connect_object (self->state, "notify::num-blocks", G_CALLBACK (num_blocks_changed_cb), self, 0);
}

static void
kvp_deploy_state_constructed (GObject *object)
{
  KvpDeployState *self = KVP_DEPLOY_STATE (object);

  G_OBJECT_CLASS (kvp_deploy_state_parent_class)->constructed (object);

  if (self->state != NULL)
    {
      connect_state (self);
      update (self);
    }
}

static void
kvp_deploy_state_dispose (GObject *object)
{
  KvpDeployState *self = KVP_DEPLOY_STATE (object);

  g_clear_object (&self->state);
  g_clear_pointer (&self->config, kvp_model_config_unref);

  G_OBJECT_CLASS (kvp_deploy_state_parent_class)->dispose (object);
}

static void
kvp_deploy_state_finalize (GObject *object)
{
  KvpDeployState *self = KVP_DEPLOY_STATE (object);

  kvp_deploy_clear (&self->deploy);
  g_clear_pointer (&self->per_gpu, kvp_model_unref);
  g_free (self->gpu);
  g_free (self->refusal);
  g_free (self->log);

  G_OBJECT_CLASS (kvp_deploy_state_parent_class)->finalize (object);
}

static void
kvp_deploy_state_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KvpDeployState *self = KVP_DEPLOY_STATE (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_object (value, self->state); break;
    case PROP_GPU: g_value_set_string (value, self->gpu != NULL ? self->gpu : ""); break;
    case PROP_GPU_MEMORY: g_value_set_uint64 (value, self->gpu_memory); break;
    case PROP_UTILIZATION: g_value_set_double (value, self->utilization); break;
    case PROP_TENSOR_PARALLEL_SIZE: g_value_set_uint (value, self->tensor_parallel_size); break;
    case PROP_KV_CACHE_MEMORY: g_value_set_uint64 (value, self->kv_cache_memory); break;
    case PROP_WEIGHTS_MEMORY: g_value_set_uint64 (value, self->weights_memory); break;
    case PROP_ACTIVATION_MEMORY: g_value_set_uint64 (value, self->activation_memory); break;
    case PROP_SIZES_POOL: g_value_set_boolean (value, self->sizes_pool); break;
    case PROP_USES_BUDGET: g_value_set_boolean (value, kvp_deploy_state_get_uses_budget (self)); break;
    case PROP_REFUSAL: g_value_set_string (value, self->refusal); break;
    case PROP_LOG: g_value_set_string (value, kvp_deploy_state_get_log (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Stores a number and resizes, when it changed. */
static void
set_uint64 (KvpDeployState *self,
            guint64        *field,
            guint64         value,
            guint           prop_id)
{
  gboolean budget = kvp_deploy_state_get_uses_budget (self);

  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  if (budget != kvp_deploy_state_get_uses_budget (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USES_BUDGET]);
  update (self);
}

static void
kvp_deploy_state_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KvpDeployState *self = KVP_DEPLOY_STATE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      self->state = g_value_dup_object (value);
      break;
    case PROP_GPU:
      kvp_deploy_state_set_gpu (self, g_value_get_string (value));
      break;
    case PROP_GPU_MEMORY:
      set_uint64 (self, &self->gpu_memory, g_value_get_uint64 (value), prop_id);
      break;
    case PROP_UTILIZATION:
      kvp_deploy_state_set_utilization (self, g_value_get_double (value));
      break;
    case PROP_TENSOR_PARALLEL_SIZE:
      kvp_deploy_state_set_tensor_parallel_size (self, g_value_get_uint (value));
      break;
    case PROP_KV_CACHE_MEMORY:
      set_uint64 (self, &self->kv_cache_memory, g_value_get_uint64 (value), prop_id);
      break;
    case PROP_WEIGHTS_MEMORY:
      set_uint64 (self, &self->weights_memory, g_value_get_uint64 (value), prop_id);
      break;
    case PROP_ACTIVATION_MEMORY:
      set_uint64 (self, &self->activation_memory, g_value_get_uint64 (value), prop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_deploy_state_class_init (KvpDeployStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = kvp_deploy_state_constructed;
  object_class->dispose = kvp_deploy_state_dispose;
  object_class->finalize = kvp_deploy_state_finalize;
  object_class->get_property = kvp_deploy_state_get_property;
  object_class->set_property = kvp_deploy_state_set_property;

  properties[PROP_STATE] =
    g_param_spec_object ("state", NULL, NULL, KVP_TYPE_STATE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GPU] = g_param_spec_string ("gpu", NULL, NULL, "", rw);
  properties[PROP_GPU_MEMORY] = g_param_spec_uint64 ("gpu-memory", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  properties[PROP_UTILIZATION] =
    g_param_spec_double ("utilization", NULL, NULL, KVP_DEPLOY_MIN_UTILIZATION, 1.0,
                         KVP_GPU_DEFAULT_UTILIZATION, rw);
  properties[PROP_TENSOR_PARALLEL_SIZE] =
    g_param_spec_uint ("tensor-parallel-size", NULL, NULL, 1, KVP_DEPLOY_MAX_TENSOR_PARALLEL, 1, rw);
  properties[PROP_KV_CACHE_MEMORY] = g_param_spec_uint64 ("kv-cache-memory", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  properties[PROP_WEIGHTS_MEMORY] = g_param_spec_uint64 ("weights-memory", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  properties[PROP_ACTIVATION_MEMORY] =
    g_param_spec_uint64 ("activation-memory", NULL, NULL, 0, G_MAXUINT64, KVP_GPU_DEFAULT_ACTIVATION_BYTES, rw);
  properties[PROP_SIZES_POOL] = g_param_spec_boolean ("sizes-pool", NULL, NULL, FALSE, ro);
  properties[PROP_USES_BUDGET] = g_param_spec_boolean ("uses-budget", NULL, NULL, FALSE, ro);
  properties[PROP_REFUSAL] = g_param_spec_string ("refusal", NULL, NULL, NULL, ro);
  properties[PROP_LOG] = g_param_spec_string ("log", NULL, NULL, "", ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* After every sizing, whether or not a property changed. */
  signals[SIZED] = g_signal_new ("sized", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
kvp_deploy_state_init (KvpDeployState *self)
{
  self->gpu = g_strdup ("");
  self->utilization = KVP_GPU_DEFAULT_UTILIZATION;
  self->tensor_parallel_size = 1;
  self->activation_memory = KVP_GPU_DEFAULT_ACTIVATION_BYTES;
}

KvpDeployState *
kvp_deploy_state_new (KvpState *state)
{
  g_return_val_if_fail (KVP_IS_STATE (state), NULL);

  return g_object_new (KVP_TYPE_DEPLOY_STATE, "state", state, NULL);
}

KvpState *
kvp_deploy_state_get_state (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), NULL);

  return self->state;
}

void
kvp_deploy_state_set_config (KvpDeployState *self,
                             KvpModelConfig *config)
{
  g_return_if_fail (KVP_IS_DEPLOY_STATE (self));

  if (config != NULL)
    kvp_model_config_ref (config);
  g_clear_pointer (&self->config, kvp_model_config_unref);
  self->config = config;
  /* A config comes before its model: choosing the model sizes it. */
  if (config != NULL && self->base == &config->model)
    update (self);
}

const KvpModel *
kvp_deploy_state_get_base_model (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), NULL);

  return self->base;
}

const char *
kvp_deploy_state_get_gpu (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), NULL);

  return self->gpu;
}

void
kvp_deploy_state_set_gpu (KvpDeployState *self,
                          const char     *key)
{
  const KvpGpu *gpu;
  gboolean budget;

  g_return_if_fail (KVP_IS_DEPLOY_STATE (self));

  /* A preset by its own key; anything unknown is no GPU. */
  if (key == NULL || g_strcmp0 (key, KVP_DEPLOY_STATE_CUSTOM_GPU) != 0)
    {
      gpu = key != NULL && *key != '\0' ? kvp_gpu_lookup (key, NULL) : NULL;
      key = gpu != NULL ? gpu->key : "";
    }
  if (g_strcmp0 (self->gpu, key) == 0)
    return;

  budget = kvp_deploy_state_get_uses_budget (self);
  g_free (self->gpu);
  self->gpu = g_strdup (key);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GPU]);
  if (budget != kvp_deploy_state_get_uses_budget (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USES_BUDGET]);
  update (self);
}

double
kvp_deploy_state_get_utilization (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), 0);

  return self->utilization;
}

void
kvp_deploy_state_set_utilization (KvpDeployState *self,
                                  double          utilization)
{
  g_return_if_fail (KVP_IS_DEPLOY_STATE (self));

  utilization = CLAMP (utilization, KVP_DEPLOY_MIN_UTILIZATION, 1.0);
  if (self->utilization == utilization)
    return;
  self->utilization = utilization;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UTILIZATION]);
  update (self);
}

guint
kvp_deploy_state_get_tensor_parallel_size (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), 1);

  return self->tensor_parallel_size;
}

void
kvp_deploy_state_set_tensor_parallel_size (KvpDeployState *self,
                                           guint           size)
{
  g_return_if_fail (KVP_IS_DEPLOY_STATE (self));

  size = CLAMP (size, 1, KVP_DEPLOY_MAX_TENSOR_PARALLEL);
  if (self->tensor_parallel_size == size)
    return;
  self->tensor_parallel_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENSOR_PARALLEL_SIZE]);
  update (self);
}

gboolean
kvp_deploy_state_get_sizes_pool (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), FALSE);

  return self->sizes_pool;
}

gboolean
kvp_deploy_state_get_uses_budget (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), FALSE);

  return self->kv_cache_memory == 0 && self->gpu != NULL && *self->gpu != '\0';
}

const char *
kvp_deploy_state_get_refusal (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), NULL);

  return self->refusal;
}

const char *
kvp_deploy_state_get_log (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), NULL);

  return self->log != NULL ? self->log : "";
}

const KvpDeploy *
kvp_deploy_state_get_deploy (KvpDeployState *self)
{
  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), NULL);

  return self->has_deploy ? &self->deploy : NULL;
}

void
kvp_deploy_state_watch_sim_config (KvpDeployState *self,
                                   GCallback       callback,
                                   gpointer        gobject)
{
  static const char *pool[] = {
    "notify::model", "notify::block-size", "notify::num-blocks", "notify::max-seq-len",
  };

  g_return_if_fail (KVP_IS_DEPLOY_STATE (self));
  g_return_if_fail (G_IS_OBJECT (gobject));

  /* The pool is the window's: a new model may be one the simulation
   * refuses, and a GPU leaves out vLLM's null block. */
  for (guint i = 0; i < G_N_ELEMENTS (pool); i++)
    g_signal_connect_object (self->state, pool[i], callback, gobject, G_CONNECT_SWAPPED);
  g_signal_connect_object (self, "notify::sizes-pool", callback, gobject, G_CONNECT_SWAPPED);
  g_signal_connect_object (self, "notify::refusal", callback, gobject, G_CONNECT_SWAPPED);
}

gboolean
kvp_deploy_state_get_sim_config (KvpDeployState  *self,
                                 KvpSimConfig    *out_config,
                                 GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariantDict) options = NULL;
  KvpParams params;

  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), FALSE);
  g_return_val_if_fail (out_config != NULL, FALSE);

  if (self->refusal != NULL)
    {
      g_set_error_literal (error, KVP_ERROR, KVP_ERROR_INVALID, self->refusal);
      return FALSE;
    }
  kvp_state_get_params (self->state, &params);
  /* The command line's own function with no scheduler or time options: the
   * window's run is --simulate's for the same choices, the roofline's step
   * time with a GPU included. */
  options = g_variant_dict_new (NULL);
  if (!kvp_sim_command_get_config (options, &self->deploy, &params, out_config, &local_error))
    {
      g_autofree char *message = kvp_deploy_state_name_controls (local_error->message);

      g_set_error_literal (error, KVP_ERROR, local_error->code, message);
      return FALSE;
    }
  return TRUE;
}

void
kvp_deploy_state_set_command_line (KvpDeployState  *self,
                                   const KvpDeploy *deploy)
{
  g_return_if_fail (KVP_IS_DEPLOY_STATE (self));
  g_return_if_fail (deploy != NULL);

  self->max_num_batched_tokens = deploy->max_num_batched_tokens;
  self->concurrent_batches = deploy->concurrent_batches;
  self->backend_block_size = deploy->backend_block_size;
  self->allow_long_max_model_len = deploy->allow_long_max_model_len;
  kvp_deploy_state_set_choices (self, deploy);
  update (self);
}

void
kvp_deploy_state_set_choices (KvpDeployState  *self,
                              const KvpDeploy *deploy)
{
  g_return_if_fail (KVP_IS_DEPLOY_STATE (self));
  g_return_if_fail (deploy != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  if (deploy->config != NULL)
    kvp_deploy_state_set_config (self, deploy->config);
  if (deploy->utilization > 0)
    kvp_deploy_state_set_utilization (self, deploy->utilization);
  if (deploy->tensor_parallel_size > 0)
    kvp_deploy_state_set_tensor_parallel_size (self, deploy->tensor_parallel_size);
  if (deploy->has_activation)
    g_object_set (self, "activation-memory", deploy->activation_bytes, NULL);
  g_object_set (self,
                "weights-memory", deploy->weights_bytes,
                "kv-cache-memory", deploy->kv_cache_bytes,
                "gpu-memory", deploy->gpu_memory_bytes,
                NULL);
  if (deploy->gpu != NULL)
    kvp_deploy_state_set_gpu (self, deploy->gpu->key);
  else if (deploy->gpu_memory_bytes > 0)
    kvp_deploy_state_set_gpu (self, KVP_DEPLOY_STATE_CUSTOM_GPU);
  g_object_thaw_notify (G_OBJECT (self));
}

/* What the state adds to the log: the model shown, and the settings the log
 * leaves out (a setting it shows is its own, never contradicted). */
static void
log_options (KvpDeployState    *self,
             const KvpVllmLog  *log,
             KvpVllmLogOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->model = self->base;
  opts->layers = self->config != NULL ? self->config->layers : NULL;
  opts->model_dtype = self->config != NULL ? self->config->dtype : KVP_DTYPE_DEFAULT;
  if (log->tensor_parallel_size <= 0)
    opts->tensor_parallel_size = MAX (self->tensor_parallel_size, 1);
  if (log->block_size <= 0)
    opts->block_size = (guint32) kvp_state_get_value (self->state, KVP_PARAM_BLOCK_SIZE);
  if (log->max_model_len <= 0 && log->concurrency_len <= 0)
    opts->max_model_len = kvp_state_get_value (self->state, KVP_PARAM_MAX_SEQ_LEN);
  opts->kv_dtype_given = log->kv_cache_dtype == NULL;
  opts->kv_dtype = kvp_state_get_dtype (self->state);
}

/* The KV cache memory the log measured (one GPU's), in bytes, or 0. */
static guint64
logged_kv_bytes (const KvpVllmLog *log)
{
  const KvpLoggedGib *figures[] = { &log->reserved, &log->available, &log->rest, &log->kv_cache_size };

  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    if (figures[i]->found && figures[i]->gib > 0)
      return (guint64) llround (figures[i]->gib * 1073741824.0);
  return 0;
}

JsonNode *
kvp_deploy_state_apply_log (KvpDeployState    *self,
                            const KvpVllmLog  *log,
                            GError           **error)
{
  g_autoptr(JsonNode) from_log = NULL;
  KvpVllmLogOptions opts;
  KvpDtype dtype;
  guint32 block_size;
  guint64 blocks = 0;
  gboolean uniform;

  g_return_val_if_fail (KVP_IS_DEPLOY_STATE (self), NULL);
  g_return_val_if_fail (log != NULL, NULL);

  log_options (self, log, &opts);
  from_log = kvp_vllm_log_compare (log, &opts, error);
  if (from_log == NULL)
    return NULL;

  /* The log's settings … */
  g_object_freeze_notify (G_OBJECT (self->state));
  if (log->tensor_parallel_size > 0)
    kvp_deploy_state_set_tensor_parallel_size (self, (guint) MIN (log->tensor_parallel_size,
                                                                  KVP_DEPLOY_MAX_TENSOR_PARALLEL));
  /* The concurrency line's length is max_model_len where the engine line is
   * missing. */
  if (log->max_model_len > 0 || log->concurrency_len > 0)
    kvp_state_set_value (self->state, KVP_PARAM_MAX_SEQ_LEN,
                         (guint64) (log->max_model_len > 0 ? log->max_model_len : log->concurrency_len));
  if (log->block_size > 0)
    kvp_state_set_value (self->state, KVP_PARAM_BLOCK_SIZE, (guint64) log->block_size);
  if (log->kv_cache_dtype != NULL)
    {
      if (g_str_equal (log->kv_cache_dtype, "auto"))
        kvp_state_set_dtype (self->state, opts.model_dtype);
      else if (kvp_dtype_from_string (log->kv_cache_dtype, &dtype, NULL))
        kvp_state_set_dtype (self->state, dtype);
    }

  /* … and its measured pool instead of the estimates: the block count it
   * logs (v0's "# GPU blocks", or v1's tokens over the block size, where one
   * group of full attention makes them whole blocks), else the KV cache
   * memory as it printed it. */
  block_size = (guint32) kvp_state_get_value (self->state, KVP_PARAM_BLOCK_SIZE);
  uniform = self->config == NULL ||
            kvp_model_config_count_layers (self->config, KVP_LAYER_FULL) == self->config->model.num_layers;
  if (log->gpu_blocks > 0)
    blocks = (guint64) log->gpu_blocks;
  else if (log->kv_tokens > 0 && uniform && log->kv_tokens % block_size == 0)
    blocks = (guint64) log->kv_tokens / block_size;
  if (blocks > 0)
    {
      g_object_set (self, "kv-cache-memory", (guint64) 0, NULL);
      kvp_deploy_state_set_gpu (self, "");
      /* vLLM's pool: its block 0 is the null block. */
      self->log_blocks = MIN (blocks, KVP_PARAMS_MAX_BLOCKS);
      kvp_state_set_value (self->state, KVP_PARAM_NUM_BLOCKS, self->log_blocks);
      kvp_state_set_null_block (self->state, TRUE);
    }
  else if (logged_kv_bytes (log) > 0)
    g_object_set (self, "kv-cache-memory", logged_kv_bytes (log), NULL);
  g_object_thaw_notify (G_OBJECT (self->state));

  return g_steal_pointer (&from_log);
}
