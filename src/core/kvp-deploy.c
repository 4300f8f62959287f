/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-deploy.c: from GPU choices to a vLLM-sized pool. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>

#include <glib/gi18n-lib.h>

#include "kvp-cli.h"
#include "kvp-deploy.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-json.h"
#include "kvp-option-rules.h"
#include "kvp-model-catalog.h"

void
kvp_deploy_clear (KvpDeploy *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->config, kvp_model_config_unref);
  g_clear_pointer (&self->sizing, kvp_vllm_sizing_free);
}

static gboolean
lookup_size (GVariantDict  *options,
             const char    *name,
             gboolean       allow_zero,
             guint64       *out,
             GError       **error)
{
  const char *text;

  if (!g_variant_dict_lookup (options, name, "&s", &text))
    return TRUE;
  return kvp_size_parse (name, text, allow_zero, out, error);
}

/* The config's context is the default reservation: without a length given,
 * it must state one kvpage can reserve (KVP_MAX_SEQ_LEN at most). */
static gboolean
check_context (const KvpModelConfig  *config,
               const char            *path,
               GVariantDict          *options,
               GError               **error)
{
  g_autofree char *display = NULL;
  g_autofree char *context_text = NULL;
  g_autofree char *limit = NULL;
  guint context = config->model.max_context;

  if (g_variant_dict_contains (options, "max-seq-len") || g_variant_dict_contains (options, "max-model-len") ||
      (context > 0 && context <= KVP_MAX_SEQ_LEN))
    return TRUE;

  display = g_filename_display_name (path);
  context_text = kvp_format_count (context);
  limit = kvp_format_count (KVP_MAX_SEQ_LEN);
  if (context == 0)
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 /* Translators: the file, then the key. */
                 _("%s: key “%s” is missing, so the model’s context length is not known: give --max-seq-len TOKENS."),
                 display, "max_position_embeddings");
  else
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 /* Translators: the file, the key, its tokens, then kvpage's limit. */
                 _("%s: key “%s” is %s tokens, more than kvpage’s limit of %s: give --max-seq-len TOKENS."),
                 display, config->context_key, context_text, limit);
  return FALSE;
}

gboolean
kvp_deploy_parse_options (KvpDeploy     *self,
                          GVariantDict  *options,
                          KvpParams     *params,
                          GError       **error)
{
  const char *text;
  const char *source = NULL;  /* the file or key the config came from */
  guint64 value = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (params != NULL, FALSE);

  /* Two names of one thing, and choices that make another moot. */
  if (!kvp_option_rules_check (options, KVP_OPTION_RULES_VALUES, error))
    return FALSE;

  if (g_variant_dict_lookup (options, "config", "^&ay", &text))
    {
      g_autoptr(GError) local_error = NULL;

      source = text;
      self->config = kvp_model_config_new_from_file (text, &local_error);
      if (self->config == NULL)
        {
          /* A file that cannot be read is named by its option. */
          if (g_error_matches (local_error, KVP_ERROR, KVP_ERROR_FAILED))
            g_prefix_error (&local_error, "--config ");
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  /* A shipped config is taken as --config takes a file, over a preset of
   * the same name. */
  else if (g_variant_dict_lookup (options, "model", "&s", &text) && kvp_model_catalog_lookup (text) != NULL)
    {
      source = text;
      self->config = kvp_model_catalog_load (text, error);
      if (self->config == NULL)
        return FALSE;
    }
  if (self->config != NULL)
    {
      params->model = &self->config->model;
      params->max_seq_len = self->config->model.max_context;
      if (!check_context (self->config, source, options, error))
        return FALSE;
      /* vLLM's --kv-cache-dtype defaults to auto: the model's type. */
      params->dtype = self->config->dtype;
    }

  if (g_variant_dict_lookup (options, "gpu", "&s", &text))
    {
      self->gpu = kvp_gpu_lookup (text, error);
      if (self->gpu == NULL)
        return FALSE;
    }

  /* A zero activation reserve is allowed: it is how to mirror a measured budget. */
  self->has_activation = g_variant_dict_contains (options, "activation-memory");
  if (!lookup_size (options, "gpu-memory", FALSE, &self->gpu_memory_bytes, error) ||
      !lookup_size (options, "weights-memory", FALSE, &self->weights_bytes, error) ||
      !lookup_size (options, "kv-cache-memory", FALSE, &self->kv_cache_bytes, error) ||
      !lookup_size (options, "activation-memory", TRUE, &self->activation_bytes, error) ||
      !kvp_cli_lookup_number (options, "max-num-batched-tokens", 1, KVP_DEPLOY_MAX_BATCHED_TOKENS,
                              &self->max_num_batched_tokens, error) ||
      !kvp_cli_lookup_number (options, "tensor-parallel-size", 1, KVP_DEPLOY_MAX_TENSOR_PARALLEL, &value, error))
    return FALSE;
  self->tensor_parallel_size = value;
  if (g_variant_dict_contains (options, "no-async-scheduling"))
    self->concurrent_batches = 1;
  self->backend_block_size = !g_variant_dict_contains (options, "block-size");
  self->allow_long_max_model_len = g_variant_dict_contains (options, "allow-long-max-model-len");
  if (self->allow_long_max_model_len && self->config == NULL && !kvp_deploy_sizes_pool (self))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--allow-long-max-model-len goes with a model vLLM reads (--config FILE, or a --model that "
                     "--list-models shows with its repository) or with vLLM’s sizing (--gpu, --gpu-memory or "
                     "--kv-cache-memory)."));
      return FALSE;
    }

  if (g_variant_dict_lookup (options, "gpu-memory-utilization", "&s", &text))
    {
      double utilization = 0.0;

      if (!kvp_cli_text_to_double (text, &utilization) || !(utilization > 0.0 && utilization <= 1.0))
        {
          g_autofree char *quoted = kvp_quote (text);

          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("--gpu-memory-utilization “%s” is not valid: use a fraction more than 0 and at most 1, such as 0.92."),
                       quoted);
          return FALSE;
        }
      self->utilization = utilization;
    }

  if (kvp_deploy_sizes_pool (self) && g_variant_dict_contains (options, "blocks"))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--blocks and %s cannot go together: the GPU memory sets the block count."),
                   self->kv_cache_bytes > 0 ? "--kv-cache-memory" : g_variant_dict_contains (options, "gpu") ? "--gpu" : "--gpu-memory");
      return FALSE;
    }

  return TRUE;
}

gboolean
kvp_deploy_dtype_from_string (const KvpDeploy  *self,
                              const char       *name,
                              KvpDtype         *out_dtype,
                              GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out_dtype != NULL, FALSE);

  if (g_ascii_strcasecmp (name, "auto") == 0)
    {
      *out_dtype = self->config != NULL ? self->config->dtype : KVP_DTYPE_DEFAULT;
      return TRUE;
    }
  return kvp_dtype_from_string (name, out_dtype, error);
}

gboolean
kvp_deploy_sizes_pool (const KvpDeploy *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->gpu != NULL || self->gpu_memory_bytes > 0 || self->kv_cache_bytes > 0;
}

/* The presets' published parameter counts (their model cards), for the
 * weights estimate; a config.json gives its own. */
static const struct
{
  const char *key;
  double      params;
} preset_params[] = {
  { "tinyllama-1.1b", 1.10e9 }, { "llama-2-7b", 6.74e9 }, { "llama-2-13b", 13.0e9 },
  { "llama-3-8b", 8.03e9 }, { "llama-3.1-70b", 70.6e9 }, { "mistral-7b", 7.24e9 },
  { "qwen2.5-7b", 7.62e9 }, { "phi-3-mini", 3.82e9 }, { "opt-13b", 12.9e9 },
  { "deepseek-v2-lite", 15.7e9 },
};

double
kvp_deploy_get_preset_params (const char *key)
{
  g_return_val_if_fail (key != NULL, 0);

  for (guint i = 0; i < G_N_ELEMENTS (preset_params); i++)
    if (g_str_equal (key, preset_params[i].key))
      return preset_params[i].params;
  return 0;
}

/* Weights on one GPU: the parameters × bytes per weight (bf16 for a preset),
 * split over the tensor-parallel group (vLLM shards the vocabulary too). */
static gboolean
estimate_weights (KvpDeploy       *self,
                  const KvpModel  *model,
                  guint            tp,
                  GError         **error)
{
  double params = 0, bytes;

  if (self->config != NULL)
    {
      params = self->config->num_params;
      bytes = kvp_model_config_weight_bytes (self->config);
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (preset_params); i++)
        if (g_strcmp0 (model->key, preset_params[i].key) == 0)
          params = preset_params[i].params;
      bytes = params * 2.0;
    }

  if (params == 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("A preset model has no parameter count to estimate its weights from: give --weights-memory SIZE, "
                     "or --config FILE."));
      return FALSE;
    }

  bytes = ceil (bytes / tp);
  if (bytes >= 18446744073709551616.0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW, _("The weights estimate does not fit in 64 bits."));
      return FALSE;
    }
  self->budget.weights_bytes = (guint64) bytes;
  self->weights_estimated = TRUE;
  return TRUE;
}

gboolean
kvp_deploy_apply (KvpDeploy  *self,
                  KvpParams  *params,
                  GError    **error)
{
  guint tp;
  guint64 total = 0;
  gboolean is_a100 = FALSE;
  const KvpModel *whole;
  KvpVllmInput input = { 0 };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (params != NULL && params->model != NULL, FALSE);

  whole = params->model;
  tp = MAX (self->tensor_parallel_size, 1);
  if (!kvp_vllm_check_tensor_parallel (whole, tp, error))
    return FALSE;
  /* The length vLLM would serve: a config's derived length, or a preset's
   * context when vLLM sizes the pool. */
  if (self->config != NULL &&
      !kvp_vllm_check_max_model_len (params->max_seq_len, self->config->derived_max_len, self->config->context_key,
                                     self->allow_long_max_model_len, error))
    return FALSE;
  if (self->config == NULL && kvp_deploy_sizes_pool (self) &&
      !kvp_vllm_check_max_model_len (params->max_seq_len, whole->max_context, NULL, self->allow_long_max_model_len,
                                     error))
    return FALSE;

  /* The comparison shows one GPU's share. */
  kvp_model_for_tensor_parallel (whole, tp, &self->per_gpu_model);
  params->model = &self->per_gpu_model;

  params->null_block = FALSE;
  if (!kvp_deploy_sizes_pool (self))
    return TRUE;

  if (self->gpu != NULL)
    {
      total = self->gpu->total_bytes;
      is_a100 = self->gpu->is_a100;
    }
  else
    total = self->gpu_memory_bytes;

  if (self->max_num_batched_tokens == 0)
    self->max_num_batched_tokens = total > 0 ? kvp_gpu_default_batched_tokens (total, is_a100) : 2048;

  if (self->kv_cache_bytes > 0)
    {
      input.available_bytes = self->kv_cache_bytes;
      input.kv_cache_memory_given = TRUE;
    }
  else
    {
      self->has_budget = TRUE;
      self->budget.total_bytes = total;
      self->budget.utilization = self->utilization > 0 ? self->utilization : KVP_GPU_DEFAULT_UTILIZATION;
      self->budget.activation_bytes = self->has_activation ? self->activation_bytes : KVP_GPU_DEFAULT_ACTIVATION_BYTES;
      self->budget.weights_bytes = self->weights_bytes;
      if (self->weights_bytes == 0 && !estimate_weights (self, params->model, tp, error))
        return FALSE;
      if (!kvp_gpu_budget_compute (&self->budget, error))
        return FALSE;
      input.available_bytes = self->budget.available_bytes;
    }

  /* Sizing takes the whole model and splits it itself. */
  input.model = whole;
  input.layers = self->config != NULL ? self->config->layers : NULL;
  input.dtype = params->dtype;
  input.tensor_parallel_size = tp;
  if (self->backend_block_size)
    input.block_size_backend = kvp_vllm_backend_block_size (input.model, self->gpu, params->dtype, &params->block_size);
  input.block_size = params->block_size;
  input.max_model_len = params->max_seq_len;
  input.max_num_batched_tokens = self->max_num_batched_tokens;
  input.concurrent_batches = self->concurrent_batches;

  g_clear_pointer (&self->sizing, kvp_vllm_sizing_free);
  self->sizing = kvp_vllm_sizing_new (&input, error);
  if (self->sizing == NULL)
    return FALSE;

  if (self->sizing->num_gpu_blocks > KVP_BLOCK_POOL_MAX_BLOCKS)
    {
      g_autofree char *blocks = kvp_format_count (self->sizing->num_gpu_blocks);
      g_autofree char *limit = kvp_format_count (KVP_BLOCK_POOL_MAX_BLOCKS);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("vLLM would make %s blocks, more than the %s kvpage can draw: raise --block-size."),
                   blocks, limit);
      return FALSE;
    }
  params->num_blocks = (guint32) self->sizing->num_gpu_blocks;
  /* A hybrid model's blocks are counted over all its groups. */
  params->layout = kvp_vllm_sizing_get_layout (self->sizing);
  /* vLLM's BlockPool takes block 0 as its null block (VLLM-FACTS §B.2). */
  params->null_block = TRUE;
  return TRUE;
}

void
kvp_deploy_add_json (const KvpDeploy *self,
                     JsonObject      *object)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *sized;

  g_return_if_fail (self != NULL);
  g_return_if_fail (object != NULL);

  /* The JSON of a preset without GPU choices stays as it always was. */
  if (self->config == NULL && self->tensor_parallel_size == 0 && self->sizing == NULL)
    return;

  kvp_json_set_uint (object, "tensor_parallel_size", MAX (self->tensor_parallel_size, 1));
  if (self->config != NULL)
    {
      /* Whose defaults filled the keys the file leaves out: a transformers
       * config class, or none (the generic rules). */
      json_object_set_string_member (object, "model_type", self->config->model_type);
      if (self->config->transformers_source != NULL)
        json_object_set_string_member (object, "model_type_rules", self->config->transformers_source);
      else
        json_object_set_null_member (object, "model_type_rules");
    }
  if (self->sizing == NULL)
    return;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  kvp_vllm_sizing_add_json (self->sizing, builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  /* get_members () keeps the order the builder gave. */
  sized = json_node_get_object (node);
  names = json_object_get_members (sized);
  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (object, l->data, json_node_copy (json_object_get_member (sized, l->data)));

  /* What the KV memory rests on: exact when given, an estimate otherwise. */
  json_object_set_boolean_member (object, "kv_cache_memory_estimated", self->has_budget);
  if (self->gpu != NULL || self->gpu_memory_bytes > 0)
    {
      json_object_set_string_member (object, "gpu", self->gpu != NULL ? self->gpu->key : "custom");
      kvp_json_set_uint (object, "gpu_memory_bytes", self->gpu != NULL ? self->gpu->total_bytes : self->gpu_memory_bytes);
    }
  if (self->has_budget)
    {
      json_object_set_double_member (object, "gpu_memory_utilization", self->budget.utilization);
      kvp_json_set_uint (object, "requested_memory_bytes", self->budget.requested_bytes);
      kvp_json_set_uint (object, "weights_bytes", self->budget.weights_bytes);
      json_object_set_boolean_member (object, "weights_estimated", self->weights_estimated);
      kvp_json_set_uint (object, "activation_bytes", self->budget.activation_bytes);
    }
}

/* A hybrid model's KV-cache groups, as vLLM's sizing made them: each
 * kind's groups, a sliding or chunked one capped at the blocks a request
 * holds there at once.  A model of full attention alone keeps n_groups 0. */
static gboolean
add_sim_groups (const KvpVllmSizing  *sizing,
                KvpSimConfig         *config,
                GError              **error)
{
  if (sizing->kinds == NULL || sizing->kinds->len == 0 ||
      (sizing->kinds->len == 1 && g_array_index (sizing->kinds, KvpVllmKind, 0).kind == KVP_LAYER_FULL))
    return TRUE;

  if (sizing->num_groups > KVP_SIM_MAX_GROUPS)
    {
      g_autofree char *groups = kvp_format_count (sizing->num_groups);
      g_autofree char *limit = kvp_format_count (KVP_SIM_MAX_GROUPS);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("vLLM would make %s KV-cache groups for this model, more than the %s the simulation serves."),
                   groups, limit);
      return FALSE;
    }

  config->n_groups = 0;
  for (guint k = 0; k < sizing->kinds->len; k++)
    {
      const KvpVllmKind *kind = &g_array_index (sizing->kinds, KvpVllmKind, k);
      KvpKvGroupSpec spec = { KVP_KV_GROUP_FULL, 0, 0 };

      if (kind->kind == KVP_LAYER_SLIDING)
        spec = (KvpKvGroupSpec) { KVP_KV_GROUP_SLIDING_WINDOW, kind->window, (guint32) kind->blocks_per_request };
      else if (kind->kind == KVP_LAYER_CHUNKED)
        spec = (KvpKvGroupSpec) { KVP_KV_GROUP_CHUNKED_LOCAL, kind->window, (guint32) kind->blocks_per_request };
      for (guint g = 0; g < kind->num_groups; g++)
        config->groups[config->n_groups++] = spec;
    }

  return TRUE;
}

gboolean
kvp_deploy_get_sim_config (const KvpDeploy  *self,
                           const KvpParams  *params,
                           KvpSimConfig     *out_config,
                           GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (out_config != NULL, FALSE);

  /* A sliding or chunked layer keeps only its window's blocks, and vLLM
   * gives each kind its own groups of the shared pool: the simulation needs
   * the groups vLLM's sizing makes. */
  if (self->config != NULL && self->sizing == NULL &&
      kvp_model_config_count_layers (self->config, KVP_LAYER_FULL) < self->config->model.num_layers)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The model %s has sliding-window or chunked layers, which the simulation serves in vLLM’s "
                     "KV-cache groups: give --gpu KEY or --kv-cache-memory SIZE so kvpage sizes them as vLLM."),
                   self->config->name);
      return FALSE;
    }

  *out_config = (KvpSimConfig) { 0 };
  out_config->block_size = params->block_size;
  out_config->num_blocks = params->num_blocks;
  out_config->max_seq_len = (guint32) params->max_seq_len;
  /* The scheduler's limits as vLLM picks them for the GPU; without one the
   * simulation's own defaults (vLLM's for smaller GPUs). */
  out_config->max_num_batched_tokens = (guint32) self->max_num_batched_tokens;
  if (self->gpu != NULL || self->gpu_memory_bytes > 0)
    out_config->max_num_seqs = (guint32) kvp_gpu_default_max_num_seqs (
      self->gpu != NULL ? self->gpu->total_bytes : self->gpu_memory_bytes, self->gpu != NULL && self->gpu->is_a100);

  if (self->sizing != NULL)
    {
      /* kvp_deploy_apply () has checked num_gpu_blocks fits in 32 bits. */
      if (self->sizing->num_gpu_blocks < 2)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("vLLM’s sizing leaves no block beside its null block: give more KV cache memory."));
          return FALSE;
        }
      out_config->num_blocks = (guint32) (self->sizing->num_gpu_blocks - 1);
      if (!add_sim_groups (self->sizing, out_config, error))
        return FALSE;
    }

  return TRUE;
}

char *
kvp_deploy_describe_sim_pool (const KvpDeploy    *self,
                              const KvpSimConfig *config)
{
  g_autofree char *usable = NULL;
  g_autofree char *all = NULL;
  g_autofree char *slots = NULL;
  g_autofree char *gib = NULL;
  g_autofree char *max_len = NULL;
  g_autofree char *origin = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (config != NULL, NULL);

  if (self->sizing == NULL)
    return NULL;

  /* Counts as every figure a person reads is grouped (vLLM's log keeps
   * its own commas; this sentence is kvpage's). */
  usable = kvp_format_count (config->num_blocks);
  all = kvp_format_count (self->sizing->num_gpu_blocks);
  slots = kvp_format_count ((guint64) config->num_blocks * config->block_size);
  {
    /* vLLM's digits, but this sentence's decimal point. */
    g_autofree char *ascii = kvp_vllm_format_gib (self->sizing->input.available_bytes);

    gib = kvp_format_ascii_decimal (ascii);
  }
  max_len = kvp_format_count (config->max_seq_len);

  if (!self->has_budget)
    /* Translators: %s is a size in GiB as vLLM logs it, such as 56.0. */
    origin = g_strdup_printf (_("%s GiB of KV cache"), gib);
  else if (self->gpu != NULL)
    /* Translators: a size in GiB, then a GPU's name. */
    origin = g_strdup_printf (_("an estimated %s GiB of KV cache on an %s"), gib, self->gpu->name);
  else
    {
      g_autofree char *total = kvp_format_bytes (self->gpu_memory_bytes);

      /* Translators: a size in GiB, then the GPU's total memory. */
      origin = g_strdup_printf (_("an estimated %s GiB of KV cache on a GPU of %s"), gib, total);
    }

  /* Translators: usable blocks, block size, token slots, where the KV memory
   * comes from, vLLM's blocks, the Max scheme's reservation. */
  return g_strdup_printf (_("Pool: %s blocks × %u = %s token slots for every scheme, from %s (vLLM’s sizing: "
                            "%s blocks, less block 0, its null block); maximum sequence %s tokens."),
                          usable, config->block_size, slots, origin, all, max_len);
}

void
kvp_deploy_add_sim_json (const KvpDeploy    *self,
                         const KvpSimConfig *config,
                         JsonObject         *root)
{
  JsonObject *pool;

  g_return_if_fail (self != NULL);
  g_return_if_fail (config != NULL);
  g_return_if_fail (root != NULL);

  if (self->sizing == NULL)
    return;

  pool = json_object_new ();
  json_object_set_string_member (pool, "origin", "vllm");
  kvp_json_set_uint (pool, "num_blocks", config->num_blocks);
  kvp_json_set_uint (pool, "token_slots", (guint64) config->num_blocks * config->block_size);
  kvp_deploy_add_json (self, pool);
  json_object_set_object_member (root, "pool", pool);
}
