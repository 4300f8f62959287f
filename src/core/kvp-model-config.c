/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model-config.c: a Hugging Face config.json read with vLLM's rules
 * (vllm/transformers_utils/model_arch_config_convertor.py for heads and head
 * size, the model files for which layers slide), so the KV figures match the
 * ones vLLM prints. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <sys/stat.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-input.h"
#include "kvp-model-config.h"
#include "kvp-model-types.h"

/* The largest real models have a few hundred layers; a per-layer table for
 * four billion would exhaust memory before any figure came out. */
#define MAX_LAYERS 65536u

/* json-glib parses by recursion; a hostile file nested a million deep would
 * exhaust the stack, and no real config nests more than a few levels. */
#define MAX_NESTING 64

typedef struct
{
  const char         *file;     /* for messages */
  JsonObject         *root;
  JsonObject         *text;     /* text_config of a multimodal model, else root */
  const KvpModelType *type;     /* transformers' rules for the text's model type, or NULL */
  JsonObject         *defaults; /* the type's class defaults, as JSON, or NULL */
} Reader;

/* vLLM's is_deepseek_mla: these model types cache one latent when the
 * config has a kv_lora_rank. */
static const char *mla_model_types[] = {
  "AXK1", "deepseek_v2", "deepseek_v3", "deepseek_v32", "deepseek_mtp", "glm_moe_dsa",
  "glm4_moe_lite", "glm4_moe_lite_mtp", "kimi_k2", "kimi_linear", "longcat_flash",
  "pangu_ultra_moe", "pangu_ultra_moe_mtp", "bailing_hybrid",
};

/* Models whose layers keep a fixed recurrent state rather than a KV cache
 * per token (vLLM's MambaSpec); named so the refusal says what they are. */
static const struct
{
  const char *model_type;
  const char *kind;
} state_model_types[] = {
  { "mamba", "mamba" }, { "mamba2", "mamba" }, { "falcon_mamba", "mamba" },
  { "jamba", "mamba" }, { "bamba", "mamba" }, { "zamba", "mamba" }, { "zamba2", "mamba" },
  { "nemotron_h", "mamba" }, { "falcon_h1", "mamba" }, { "granitemoehybrid", "mamba" },
  { "plamo2", "mamba" }, { "lfm2", "conv" }, { "qwen3_next", "linear_attention" },
  { "minimax", "linear_attention" }, { "minimax_m1", "linear_attention" },
};

const char *
kvp_layer_kind_to_string (KvpLayerKind kind)
{
  static const char *names[KVP_N_LAYER_KINDS] = { "full", "sliding_window", "chunked_local" };

  g_return_val_if_fail (kind < KVP_N_LAYER_KINDS, NULL);

  return names[kind];
}

/* Text from the file, fit for a one-line message: quoted as every message
 * quotes input (kvp_quote), and a long string cut. */
static char *
printable (const char *text)
{
  g_autofree char *quoted = kvp_quote (text);

  if (g_utf8_strlen (quoted, -1) <= 120)
    return g_steal_pointer (&quoted);
  {
    g_autofree char *cut = g_utf8_substring (quoted, 0, 120);

    return g_strconcat (cut, "…", NULL);
  }
}

static gboolean
fail (GError     **error,
      const char  *file,
      const char  *key,
      const char  *why)
{
  if (key != NULL)
    /* Translators: a config.json problem: the file, the key, then why. */
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("%s: key “%s” %s"), file, key, why);
  else
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, "%s: %s", file, why);
  return FALSE;
}

/* The key, or the name transformers' attribute_map lets the file use for it
 * (GPT-J's n_layer for num_hidden_layers). */
static JsonNode *
member_or_alias (const Reader *r,
                 JsonObject   *object,
                 const char   *key)
{
  if (object == NULL)
    return NULL;
  if (json_object_has_member (object, key))
    return json_object_get_member (object, key);
  for (guint i = 0; r->type != NULL && r->type->aliases[i].name != NULL; i++)
    if (g_str_equal (r->type->aliases[i].name, key) && json_object_has_member (object, r->type->aliases[i].attribute))
      return json_object_get_member (object, r->type->aliases[i].attribute);
  return NULL;
}

/* The node of a key, text_config first: the architecture of a multimodal
 * model lives there, as transformers' get_text_config() finds it; then the
 * default of the model type's config class, as transformers fills it in
 * before vLLM reads the config. */
static JsonNode *
lookup (const Reader *r,
        const char   *key)
{
  JsonNode *node = member_or_alias (r, r->text, key);

  if (node == NULL && r->text != r->root)
    node = member_or_alias (r, r->root, key);
  if (node == NULL)
    node = member_or_alias (r, r->defaults, key);
  return node;
}

static gboolean
is_null (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

/* A positive whole number that fits in 32 bits; absent or null leaves
 * *found FALSE (an error when required). */
static gboolean
read_uint (const Reader  *r,
           const char    *key,
           gboolean       required,
           guint32       *out,
           gboolean      *found,
           GError       **error)
{
  JsonNode *node = lookup (r, key);
  gint64 value;

  if (found != NULL)
    *found = FALSE;

  if (is_null (node))
    {
      if (required)
        return fail (error, r->file, key, _("is missing: the model’s KV cache cannot be sized without it."));
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, r->file, key, _("is not a whole number."));

  value = json_node_get_int (node);
  if (value <= 0)
    return fail (error, r->file, key, _("must be a positive number."));
  if (value > G_MAXUINT32)
    return fail (error, r->file, key, _("is too large (more than 4,294,967,295)."));

  *out = (guint32) value;
  if (found != NULL)
    *found = TRUE;
  return TRUE;
}

/* As read_uint, where 0 is a meaningful value too. */
static gboolean
read_uint_or_zero (const Reader  *r,
                   const char    *key,
                   guint32       *out,
                   gboolean      *found,
                   GError       **error)
{
  JsonNode *node = lookup (r, key);

  if (!is_null (node) && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64 && json_node_get_int (node) == 0)
    {
      *out = 0;
      *found = TRUE;
      return TRUE;
    }
  return read_uint (r, key, FALSE, out, found, error);
}

/* A string or nothing; anything else is an error. */
static gboolean
read_string (const Reader  *r,
             JsonObject    *object,
             const char    *key,
             const char   **out,
             GError       **error)
{
  JsonNode *node = object != NULL ? (json_object_has_member (object, key) ? json_object_get_member (object, key) : NULL)
                                  : lookup (r, key);

  *out = NULL;
  if (is_null (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, r->file, key, _("is not a string."));
  *out = json_node_get_string (node);
  return TRUE;
}

/* A boolean key; a config class's default is 0 or 1 (kvp-model-types.c). */
static gboolean
read_bool (const Reader *r,
           const char   *key,
           gboolean      fallback)
{
  JsonNode *node = lookup (r, key);

  if (is_null (node) || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  if (r->defaults != NULL && node == json_object_get_member (r->defaults, key) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node) != 0;
  return fallback;
}

/* An array of num_layers strings, or NULL when the key is absent. */
static gboolean
read_layer_strings (const Reader  *r,
                    const char    *key,
                    guint          num_layers,
                    JsonArray    **out,
                    GError       **error)
{
  JsonNode *node = lookup (r, key);
  JsonArray *array;

  *out = NULL;
  if (is_null (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, r->file, key, _("is not a list."));

  array = json_node_get_array (node);
  if (json_array_get_length (array) != num_layers)
    {
      g_autofree char *listed = kvp_format_count (json_array_get_length (array));
      g_autofree char *layers = kvp_format_count (num_layers);
      g_autofree char *why = g_strdup_printf (_("lists %s layers, but num_hidden_layers is %s."), listed, layers);
      return fail (error, r->file, key, why);
    }

  for (guint i = 0; i < num_layers; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return fail (error, r->file, key, _("holds something that is not a string."));
    }

  *out = array;
  return TRUE;
}

static gboolean
refuse_state_layer (const Reader  *r,
                    const char    *key,
                    const char    *kind,
                    guint          index,
                    GError       **error)
{
  g_autofree char *shown = printable (kind);
  g_autofree char *why =
    g_strdup_printf (_("makes layer %u a “%s” layer, which keeps a recurrent state instead of a KV cache per token; "
                       "kvpage does not size vLLM’s state pages, so it gives no figure rather than a wrong one."),
                     index, shown);
  return fail (error, r->file, key, why);
}

/* Mamba, linear attention and convolution layers: refused, named. */
static gboolean
check_attention_only (const Reader  *r,
                      const char    *model_type,
                      guint          num_layers,
                      GError       **error)
{
  JsonArray *list = NULL;
  JsonNode *node;

  if (!read_layer_strings (r, "layers_block_type", num_layers, &list, error))
    return FALSE;
  for (guint i = 0; list != NULL && i < num_layers; i++)
    {
      const char *kind = json_array_get_string_element (list, i);

      if (g_strcmp0 (kind, "attention") != 0)
        return refuse_state_layer (r, "layers_block_type", kind, i, error);
    }

  node = lookup (r, "attn_type_list");
  if (!is_null (node) && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *types = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (types); i++)
        {
          JsonNode *element = json_array_get_element (types, i);

          /* MiniMax: 1 is softmax attention, 0 linear attention. */
          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_INT64 &&
              json_node_get_int (element) == 0)
            return refuse_state_layer (r, "attn_type_list", "linear_attention", i, error);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (state_model_types); i++)
    {
      if (g_strcmp0 (model_type, state_model_types[i].model_type) == 0 &&
          !json_object_has_member (r->text, "layer_types"))
        {
          g_autofree char *why =
            g_strdup_printf (_("is “%s”, a model with “%s” layers that keep a recurrent state instead of a KV cache per token; "
                               "kvpage does not size vLLM’s state pages, so it gives no figure rather than a wrong one."),
                             model_type, state_model_types[i].kind);
          return fail (error, r->file, "model_type", why);
        }
    }

  return TRUE;
}

static gboolean
has_prefix_of (const char *model_type,
               const char *prefix)
{
  return model_type != NULL && g_str_has_prefix (model_type, prefix);
}

/* sliding_window as vLLM reads it: 0 or null means none
 * (vllm/config/model.py). */
static gboolean
read_window (const Reader  *r,
             guint32       *window,
             gboolean      *has_window,
             GError       **error)
{
  JsonNode *node = lookup (r, "sliding_window");

  *has_window = FALSE;
  if (!is_null (node) && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64 && json_node_get_int (node) == 0)
    return TRUE;
  return read_uint (r, "sliding_window", FALSE, window, has_window, error);
}

/* layer_types, where the config lists one kind per layer. */
static gboolean
read_layer_types (const Reader    *r,
                  KvpModelConfig  *self,
                  guint32          window,
                  gboolean         has_window,
                  JsonArray      **types,
                  GError         **error)
{
  guint n = self->model.num_layers;
  guint32 chunk = 0;

  if (!read_layer_strings (r, "layer_types", n, types, error))
    return FALSE;

  for (guint i = 0; *types != NULL && i < n; i++)
    {
      const char *kind = json_array_get_string_element (*types, i);

      if (g_str_equal (kind, "full_attention"))
        continue;
      if (g_str_equal (kind, "sliding_attention"))
        {
          if (has_window)
            self->layers[i] = (KvpLayer) { KVP_LAYER_SLIDING, window };
          continue;
        }
      if (g_str_equal (kind, "chunked_attention"))
        {
          if (!read_uint (r, "attention_chunk_size", TRUE, &chunk, NULL, error))
            return FALSE;
          self->layers[i] = (KvpLayer) { KVP_LAYER_CHUNKED, chunk };
          continue;
        }
      if (g_str_equal (kind, "linear_attention") || g_str_equal (kind, "mamba") || g_str_equal (kind, "conv") ||
          g_str_equal (kind, "hybrid") || g_str_equal (kind, "recurrent"))
        return refuse_state_layer (r, "layer_types", kind, i, error);
      {
        g_autofree char *shown = printable (kind);
        g_autofree char *why =
          g_strdup_printf (_("makes layer %u a “%s” layer, a kind kvpage does not know "
                             "(it knows full_attention, sliding_attention and chunked_attention)."),
                           i, shown);
        return fail (error, r->file, "layer_types", why);
      }
    }
  return TRUE;
}

/* Qwen2/Qwen3: the window applies only with use_sliding_window, from
 * layer max_window_layers on; vLLM refuses a mix (qwen2.py). */
static gboolean
read_qwen_window (const Reader    *r,
                  KvpModelConfig  *self,
                  guint32          window,
                  gboolean         has_window,
                  GError         **error)
{
  guint n = self->model.num_layers;
  guint32 max_window_layers = 0;
  gboolean has_max = FALSE;
  guint sliding = 0;

  for (guint i = 0; i < n; i++)
    self->layers[i] = (KvpLayer) { KVP_LAYER_FULL, 0 };
  if (!read_bool (r, "use_sliding_window", FALSE) || !has_window)
    return TRUE;

  if (!read_uint_or_zero (r, "max_window_layers", &max_window_layers, &has_max, error))
    return FALSE;
  for (guint i = has_max ? max_window_layers : 0; i < n; i++, sliding++)
    self->layers[i] = (KvpLayer) { KVP_LAYER_SLIDING, window };
  if (sliding > 0 && sliding < n)
    return fail (error, r->file, "max_window_layers",
                 _("slides the window on some layers but not all, which vLLM does not support for Qwen models."));
  return TRUE;
}

/* Llama 4: RoPE layers attend within chunks, NoPE layers (0 in
 * no_rope_layers; by default every fourth) attend to everything. */
static gboolean
read_llama4_chunks (const Reader    *r,
                    KvpModelConfig  *self,
                    guint32          chunk,
                    GError         **error)
{
  guint n = self->model.num_layers;
  JsonNode *no_rope = lookup (r, "no_rope_layers");
  JsonArray *flags = NULL;

  if (!is_null (no_rope))
    {
      if (!JSON_NODE_HOLDS_ARRAY (no_rope) || json_array_get_length (json_node_get_array (no_rope)) != n)
        return fail (error, r->file, "no_rope_layers", _("is not a list with one entry per layer."));
      flags = json_node_get_array (no_rope);
    }

  for (guint i = 0; i < n; i++)
    {
      gboolean rope;

      if (flags != NULL)
        {
          JsonNode *element = json_array_get_element (flags, i);

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
            return fail (error, r->file, "no_rope_layers", _("holds something that is not 0 or 1."));
          rope = json_node_get_int (element) != 0;
        }
      else
        rope = (i + 1) % 4 != 0;

      if (rope)
        self->layers[i] = (KvpLayer) { KVP_LAYER_CHUNKED, chunk };
    }
  return TRUE;
}

/* Which layers slide or chunk, as vLLM's model code decides. */
static gboolean
read_layer_kinds (const Reader    *r,
                  KvpModelConfig  *self,
                  GError         **error)
{
  const char *mt = self->model_type;
  guint n = self->model.num_layers;
  guint32 window = 0, pattern = 0, chunk = 0;
  gboolean has_window, has_pattern, has_chunk;
  JsonArray *types = NULL;

  for (guint i = 0; i < n; i++)
    self->layers[i] = (KvpLayer) { KVP_LAYER_FULL, 0 };

  if (!read_window (r, &window, &has_window, error) ||
      !read_layer_types (r, self, window, has_window, &types, error))
    return FALSE;

  if (has_prefix_of (mt, "qwen2") || has_prefix_of (mt, "qwen3"))
    return read_qwen_window (r, self, window, has_window, error);

  /* gpt-oss: vLLM ignores layer_types and slides the even layers. */
  if (g_strcmp0 (mt, "gpt_oss") == 0)
    {
      for (guint i = 0; i < n; i++)
        self->layers[i] = (i % 2 == 0 && has_window) ? (KvpLayer) { KVP_LAYER_SLIDING, window }
                                                     : (KvpLayer) { KVP_LAYER_FULL, 0 };
      return TRUE;
    }

  if (types != NULL)
    return TRUE;

  /* Without layer_types, transformers generates the pattern. */
  if (!read_uint (r, "sliding_window_pattern", FALSE, &pattern, &has_pattern, error))
    return FALSE;

  if (g_strcmp0 (mt, "gemma2") == 0)
    {
      for (guint i = 0; i < n && has_window; i++)
        if (i % 2 == 0)
          self->layers[i] = (KvpLayer) { KVP_LAYER_SLIDING, window };
      return TRUE;
    }

  if (has_prefix_of (mt, "gemma3") || g_strcmp0 (mt, "cohere2") == 0)
    {
      if (!has_pattern)
        pattern = g_strcmp0 (mt, "cohere2") == 0 ? 4 : 6;
      for (guint i = 0; i < n && has_window; i++)
        if ((i + 1) % pattern != 0)
          self->layers[i] = (KvpLayer) { KVP_LAYER_SLIDING, window };
      return TRUE;
    }

  if (!read_uint (r, "attention_chunk_size", FALSE, &chunk, &has_chunk, error))
    return FALSE;
  if (has_chunk && has_prefix_of (mt, "llama4"))
    return read_llama4_chunks (r, self, chunk, error);

  /* One window for every layer, as Mistral-7B-v0.1. */
  for (guint i = 0; i < n && has_window; i++)
    self->layers[i] = (KvpLayer) { KVP_LAYER_SLIDING, window };

  return TRUE;
}

/* What --kv-dtype auto means: the model's dtype.  A float32 (or unnamed)
 * checkpoint runs in bfloat16 on the GPUs vLLM serves from. */
static gboolean
read_dtype (const Reader    *r,
            KvpModelConfig  *self,
            GError         **error)
{
  const char *name = NULL;
  const char *key = "torch_dtype";

  /* The top level names the dtype of a multimodal model. */
  if (!read_string (r, r->root, key, &name, error))
    return FALSE;
  if (name == NULL)
    {
      key = "dtype";
      if (!read_string (r, r->root, key, &name, error))
        return FALSE;
    }
  if (name == NULL && r->text != r->root)
    {
      key = "torch_dtype";
      if (!read_string (r, r->text, key, &name, error))
        return FALSE;
    }

  if (name == NULL || g_str_equal (name, "bfloat16") || g_str_equal (name, "float32") ||
      g_str_equal (name, "float"))
    self->dtype = KVP_DTYPE_BF16;
  else if (g_str_equal (name, "float16") || g_str_equal (name, "half"))
    self->dtype = KVP_DTYPE_FP16;
  else
    {
      g_autofree char *shown = printable (name);
      g_autofree char *why = g_strdup_printf (_("names the type “%s”; kvpage knows bfloat16, float16 and float32."), shown);
      return fail (error, r->file, key, why);
    }

  self->weight_bytes_per_param = name != NULL && g_str_has_prefix (name, "float32") ? 4.0 : 2.0;
  return TRUE;
}

/* Bytes per weight when the config says the checkpoint is quantized. */
static void
read_quantization (const Reader   *r,
                   KvpModelConfig *self)
{
  JsonNode *node = lookup (r, "quantization_config");
  JsonObject *q;
  const char *method = NULL;

  if (is_null (node) || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  q = json_node_get_object (node);

  if (json_object_has_member (q, "bits") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (q, "bits")) &&
      json_node_get_value_type (json_object_get_member (q, "bits")) == G_TYPE_INT64)
    {
      gint64 bits = json_object_get_int_member (q, "bits");

      if (bits > 0 && bits <= 32)
        self->weight_bytes_per_param = bits / 8.0;
      return;
    }

  if (json_object_has_member (q, "quant_method") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (q, "quant_method")) &&
      json_node_get_value_type (json_object_get_member (q, "quant_method")) == G_TYPE_STRING)
    method = json_object_get_string_member (q, "quant_method");

  if (g_strcmp0 (method, "fp8") == 0 || g_strcmp0 (method, "fbgemm_fp8") == 0)
    self->weight_bytes_per_param = 1.0;
  else if (g_strcmp0 (method, "mxfp4") == 0)
    {
      /* 4 bits plus one 8-bit scale per 32 values, for the experts: the
       * checkpoint keeps the rest in torch_dtype. */
      self->unquantized_bytes_per_param = self->weight_bytes_per_param;
      self->quantized_experts_only = TRUE;
      self->weight_bytes_per_param = 4.25 / 8.0;
    }
}

double
kvp_model_config_weight_bytes (const KvpModelConfig *self)
{
  double routed;

  g_return_val_if_fail (self != NULL, 0.0);

  if (!self->quantized_experts_only)
    return (double) self->num_params * self->weight_bytes_per_param;
  routed = (double) MIN (self->num_routed_expert_params, self->num_params);
  return routed * self->weight_bytes_per_param + ((double) self->num_params - routed) * self->unquantized_bytes_per_param;
}

static guint32
opt_uint (const Reader *r,
          const char   *key,
          guint32       fallback)
{
  guint32 value = 0;
  gboolean found = FALSE;

  if (!read_uint (r, key, FALSE, &value, &found, NULL) || !found)
    return fallback;
  return value;
}

/* An estimate of the parameters from the shapes: embeddings (and the output
 * head unless tied), the attention projections (MLA's low-rank ones), the
 * MLP (gated: three matrices; MoE: every expert, shared experts, router).
 * Norms and biases are left out: they are well under 0.1 %. */
static guint64
count_params (const Reader         *r,
              const KvpModelConfig *self,
              guint64              *out_active,
              guint64              *out_routed)
{
  const KvpModel *m = &self->model;
  /* Doubles: exact below 2^53 parameters, and an absurd config saturates
   * instead of wrapping around to a small figure. */
  double H = m->hidden_size;
  double V = opt_uint (r, "vocab_size", 0);
  double L = m->num_layers;
  double nh = m->num_attention_heads;
  double I = opt_uint (r, "intermediate_size", 0);
  double experts = opt_uint (r, "n_routed_experts", opt_uint (r, "num_local_experts", opt_uint (r, "num_experts", 0)));
  double attention, dense_mlp, moe_mlp, dense_layers, total;

  if (kvp_model_is_mla (m))
    {
      double rope = m->qk_rope_head_dim;
      double nope = opt_uint (r, "qk_nope_head_dim", 0);
      double v_dim = opt_uint (r, "v_head_dim", (guint32) nope);
      double q_rank = opt_uint (r, "q_lora_rank", 0);
      double q = q_rank > 0 ? H * q_rank + q_rank * nh * (nope + rope) : H * nh * (nope + rope);

      attention = q + H * (m->kv_lora_rank + rope) + m->kv_lora_rank * nh * (nope + v_dim) + nh * v_dim * H;
    }
  else
    {
      double hd = kvp_model_get_head_dim (m);

      attention = 2 * H * nh * hd + 2 * H * kvp_model_get_kv_heads (m) * hd;
    }

  dense_mlp = 3 * H * I;
  dense_layers = L;
  moe_mlp = 0;
  if (experts > 0)
    {
      double moe_I = opt_uint (r, "moe_intermediate_size", (guint32) I);
      double shared = opt_uint (r, "n_shared_experts", 0) * 3 * H * moe_I +
                      3 * H * opt_uint (r, "shared_expert_intermediate_size", 0);

      dense_layers = MIN (L, opt_uint (r, "first_k_dense_replace", 0));
      moe_mlp = experts * 3 * H * moe_I + shared + H * experts;
    }

  total = V * H * (read_bool (r, "tie_word_embeddings", FALSE) ? 1 : 2);
  total += L * attention + dense_layers * dense_mlp + (L - dense_layers) * moe_mlp;

  /* A token passes through num_experts_per_tok of the routed experts. */
  {
    double per_tok = MIN (experts, opt_uint (r, "num_experts_per_tok", (guint32) experts));
    double idle = experts > 0 ? (L - dense_layers) * (experts - per_tok) * 3 * H *
                                opt_uint (r, "moe_intermediate_size", (guint32) I) : 0;

    double routed = experts > 0 ? (L - dense_layers) * experts * 3 * H *
                                  opt_uint (r, "moe_intermediate_size", (guint32) I) : 0;

    *out_active = total - idle >= 18446744073709551616.0 ? G_MAXUINT64 : (guint64) (total - idle);
    *out_routed = routed >= 18446744073709551616.0 ? G_MAXUINT64 : (guint64) routed;
  }
  return total >= 18446744073709551616.0 ? G_MAXUINT64 : (guint64) total;
}

static void
model_config_free (KvpModelConfig *self)
{
  g_free (self->key);
  g_free (self->name);
  g_free (self->model_type);
  g_free (self->layers);
  g_free (self);
}

/* Gemma 4 gives its full-attention layers their own head size or KV heads;
 * vLLM then sizes pages per layer kind and unifies them
 * (unify_kv_cache_spec_page_size), and Gemma 3n/4 let layers reuse another
 * layer's cache.  kvpage sizes every layer alike, so it refuses rather than
 * print figures that are silently wrong. */
static gboolean
check_uniform_pages (const Reader  *r,
                     const KvpModel *model,
                     GError       **error)
{
  guint32 value = 0;
  gboolean found = FALSE;

  if (!read_uint (r, "global_head_dim", FALSE, &value, &found, error))
    return FALSE;
  if (found && value != model->head_dim)
    return fail (error, r->file, "global_head_dim",
                 _("gives the full-attention layers another head size than head_dim, so their pages differ, "
                   "which kvpage does not size yet."));
  if (!read_uint (r, "num_global_key_value_heads", FALSE, &value, &found, error))
    return FALSE;
  if (found && value != model->num_kv_heads)
    return fail (error, r->file, "num_global_key_value_heads",
                 _("gives the full-attention layers other KV heads than num_key_value_heads, so their pages differ, "
                   "which kvpage does not size yet."));
  if (!read_uint_or_zero (r, "num_kv_shared_layers", &value, &found, error))
    return FALSE;
  if (found && value > 0)
    return fail (error, r->file, "num_kv_shared_layers",
                 _("makes layers reuse another layer’s KV cache, which kvpage does not size yet."));
  return TRUE;
}

/* The rope_type of one RoPE dict as vLLM's patch_rope_parameters_dict leaves
 * it: the legacy "type" when "rope_type" is absent, "su" read as "longrope"
 * and "mrope" as "default"; NULL (with an error) when it has none. */
static const char *
rope_type_of (const Reader  *r,
              JsonObject    *rope,
              const char    *key,
              GError       **error)
{
  const char *type = NULL, *legacy = NULL;
  g_autofree char *type_key = g_strconcat (key, ".rope_type", NULL);

  if (!read_string (r, rope, "rope_type", &type, error) || !read_string (r, rope, "type", &legacy, error))
    return NULL;
  if (type != NULL && legacy != NULL && g_strcmp0 (type, legacy) != 0 &&
      !(g_str_equal (legacy, "su") && g_str_equal (type, "longrope")) &&
      !(g_str_equal (legacy, "mrope") && g_str_equal (type, "default")))
    {
      fail (error, r->file, type_key, _("disagrees with the legacy “type” beside it, which vLLM refuses."));
      return NULL;
    }
  if (type == NULL)
    type = legacy;
  if (type == NULL)
    {
      fail (error, r->file, type_key, _("is missing: vLLM needs the RoPE type (or the legacy “type”)."));
      return NULL;
    }
  if (g_str_equal (type, "su"))
    return "longrope";
  if (g_str_equal (type, "mrope"))
    return "default";
  return type;
}

/* vLLM's _get_and_verify_max_len (vllm/config/model.py) after the keys:
 * the RoPE factor stretches the context (from original_max_position_embeddings
 * for YaRN) except for su/longrope/llama3, whose configs state the stretched
 * length already, and Gemma 3, whose 128K is scaled already.  LongRoPE
 * models default to their original length.  *derived is the limit, *fallback
 * the default --max-model-len. */
static gboolean
apply_rope_scaling (const Reader  *r,
                    const char    *model_type,
                    guint64       *derived,
                    guint64       *fallback,
                    GError       **error)
{
  const char *key = "rope_parameters";
  JsonNode *node = lookup (r, key);
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  gboolean nested = TRUE, longrope = FALSE, null_factor = FALSE;
  double factor = 1.0, scaled;
  guint32 original = 0;
  gboolean has_original = FALSE;

  *fallback = *derived;
  if (is_null (node))
    {
      key = "rope_scaling";
      node = lookup (r, key);
    }
  if (is_null (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, r->file, key, _("is not an object."));

  /* Transformers 5 may nest one dict per layer type. */
  object = json_node_get_object (node);
  members = json_object_get_values (object);
  if (members == NULL)
    return TRUE;
  for (GList *l = members; l != NULL; l = l->next)
    nested &= JSON_NODE_HOLDS_OBJECT ((JsonNode *) l->data);
  if (!nested)
    {
      g_list_free (members);
      members = g_list_prepend (NULL, node);
    }

  if (!read_uint (r, "original_max_position_embeddings", FALSE, &original, &has_original, error))
    return FALSE;

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonObject *rope = json_node_get_object ((JsonNode *) l->data);
      const char *type = rope_type_of (r, rope, key, error);
      JsonNode *value;

      if (type == NULL)
        return FALSE;
      longrope |= g_str_equal (type, "longrope");
      if (g_str_equal (type, "longrope") || g_str_equal (type, "llama3"))
        continue;

      value = json_object_has_member (rope, "factor") ? json_object_get_member (rope, "factor") : NULL;
      if (value != NULL && JSON_NODE_HOLDS_NULL (value))
        null_factor = TRUE;
      else if (value != NULL)
        {
          GType value_type = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_INVALID;
          g_autofree char *factor_key = g_strconcat (key, ".factor", NULL);

          if (value_type != G_TYPE_INT64 && value_type != G_TYPE_DOUBLE)
            return fail (error, r->file, factor_key, _("is not a number."));
          factor = json_node_get_double (value);
          if (!(factor > 0.0))
            return fail (error, r->file, factor_key, _("must be a positive number."));
          null_factor = FALSE;
        }

      if (g_str_equal (type, "yarn"))
        {
          guint32 yarn_original = 0;
          gboolean found = FALSE;
          Reader inner = { r->file, rope, rope };
          g_autofree char *original_key = g_strconcat (key, ".original_max_position_embeddings", NULL);

          if (!read_uint (&inner, "original_max_position_embeddings", FALSE, &yarn_original, &found, error))
            return FALSE;
          if (!found && !has_original)
            return fail (error, r->file, original_key,
                         _("is missing: YaRN scales the original context, which vLLM reads from it."));
          /* vLLM copies a top-level original_max_position_embeddings into
           * the dict (patch_rope_parameters), over the dict's own. */
          *derived = has_original ? original : yarn_original;
        }
    }

  /* The Gemma 3 exception stands even when the dicts are read. */
  if (strstr (model_type, "gemma3") != NULL)
    {
      *derived = *fallback;
      return TRUE;
    }

  /* A null factor is taken as 1, as vLLM does with a warning. */
  if (null_factor)
    factor = 1.0;
  scaled = (double) *derived * factor;
  if (scaled >= (double) G_MAXUINT32 + 1.0)
    {
      g_autofree char *tokens = kvp_format_whole (scaled);
      g_autofree char *most = kvp_format_count (G_MAXUINT32);
      g_autofree char *why = g_strdup_printf (_("stretches the context to %s tokens, more than %s."), tokens, most);

      return fail (error, r->file, key, why);
    }
  /* int (): the stretched length rounds down. */
  *derived = (guint64) scaled;
  *fallback = longrope && has_original ? original : *derived;
  return TRUE;
}

/* The document as an object, and the text_config inside it: the size, the
 * encoding and the nesting are checked before json-glib parses. */
static JsonParser *
parse_document (const char  *data,
                gsize        length,
                const char  *name,
                Reader      *r,
                GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;
  JsonNode *text;

  if (length > KVP_MODEL_CONFIG_MAX_SIZE)
    {
      fail (error, name, NULL, _("is larger than 16 MiB, far more than any config.json."));
      return NULL;
    }
  /* Python's json, which transformers and so vLLM read the file with,
   * takes exactly RFC 8259; json-glib takes more, and recurses. */
  {
    gsize bom = kvp_input_bom_length (data, length);
    g_autoptr(GError) json_error = NULL;
    guint line = 0;

    data += bom;
    length -= bom;
    if (!kvp_input_check_json (data, length, KVP_INPUT_JSON_FILE, MAX_NESTING, &line, &json_error))
      {
        /* Translators: a config.json problem: the line, then what is wrong there. */
        g_autofree char *why = g_strdup_printf (_("line %u: %s"), line, json_error->message);

        fail (error, name, NULL, why);
        return NULL;
      }
  }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      g_autofree char *shown = printable (parse_error->message);
      g_autofree char *why = g_strdup_printf (_("is not valid JSON (%s)."), shown);

      fail (error, name, NULL, why);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      fail (error, name, NULL, _("is empty."));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, name, NULL, _("is JSON, but not an object of keys as a config.json is."));
      return NULL;
    }
  r->root = r->text = json_node_get_object (root);

  text = json_object_has_member (r->root, "text_config") ? json_object_get_member (r->root, "text_config") : NULL;
  if (!is_null (text))
    {
      if (!JSON_NODE_HOLDS_OBJECT (text))
        {
          fail (error, name, "text_config", _("is not an object."));
          return NULL;
        }
      r->text = json_node_get_object (text);
    }
  return g_steal_pointer (&parser);
}

/* The model type of the text, and transformers' rules for it: the text
 * config's own model_type, or the one its wrapper's class gives it
 * (Gemma3Config's text_config is a Gemma3TextConfig). */
static gboolean
read_model_type (Reader          *r,
                 KvpModelConfig  *self,
                 GError         **error)
{
  const char *model_type = NULL;

  if (!read_string (r, NULL, "model_type", &model_type, error))
    return FALSE;
  if (r->text != r->root && !json_object_has_member (r->text, "model_type"))
    {
      const KvpModelType *wrapper = kvp_model_type_lookup (model_type);

      if (wrapper != NULL && wrapper->text_type != NULL)
        model_type = wrapper->text_type;
    }
  self->model_type = g_strdup (model_type != NULL ? model_type : "");

  r->type = kvp_model_type_lookup (self->model_type);
  self->transformers_source = r->type != NULL ? r->type->source : NULL;
  if (r->type != NULL)
    {
      r->defaults = json_object_new ();
      for (guint i = 0; r->type->defaults[i].key != NULL; i++)
        json_object_set_int_member (r->defaults, r->type->defaults[i].key, r->type->defaults[i].value);
    }
  return TRUE;
}

/* vLLM's get_total_num_kv_heads: the first KV-head key present, then the
 * special cases of vllm/config/model.py (as of commit 0052a5b8): a
 * multi-query model (Falcon without new_decoder_architecture, whose class
 * defaults multi_query to true; GPT-BigCode) keeps one KV head, and MPT names
 * them in attn_config.kv_n_heads.  Otherwise every attention head has its
 * own. */
static gboolean
read_kv_heads (const Reader    *r,
               KvpModelConfig  *self,
               GError         **error)
{
  static const char *kv_head_keys[] = {
    "n_head_kv", "num_kv_heads", "num_key_value_heads", "multi_query_group_num", "num_attention_groups",
  };
  const char *mt = self->model_type;
  gboolean falcon = g_str_equal (mt, "falcon") || g_str_equal (mt, "RefinedWeb") || g_str_equal (mt, "RefinedWebModel");
  gboolean found = FALSE;
  guint32 kv_heads = 0;
  JsonNode *attn;

  if (!(falcon && read_bool (r, "new_decoder_architecture", FALSE)) && read_bool (r, "multi_query", falcon))
    {
      self->model.num_kv_heads = 1;
      return TRUE;
    }

  attn = lookup (r, "attn_config");
  if (g_str_equal (mt, "mpt") && !is_null (attn) && JSON_NODE_HOLDS_OBJECT (attn))
    {
      Reader inner = { r->file, json_node_get_object (attn), json_node_get_object (attn), NULL, NULL };

      if (!read_uint (&inner, "kv_n_heads", FALSE, &kv_heads, &found, error))
        return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (kv_head_keys) && !found; i++)
    if (!read_uint (r, kv_head_keys[i], FALSE, &kv_heads, &found, error))
      return FALSE;
  self->model.num_kv_heads = found ? kv_heads : self->model.num_attention_heads;
  return TRUE;
}

/* The head size as vLLM's convertor takes it: MLA's latent, head_dim,
 * hidden_size_per_head, then hidden_size / num_attention_heads. */
static gboolean
read_head_size (const Reader    *r,
                KvpModelConfig  *self,
                GError         **error)
{
  guint32 head_dim = 0;
  gboolean found = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (mla_model_types); i++)
    {
      if (g_str_equal (self->model_type, mla_model_types[i]) && !is_null (lookup (r, "kv_lora_rank")))
        {
          if (!read_uint (r, "kv_lora_rank", TRUE, &self->model.kv_lora_rank, NULL, error) ||
              !read_uint (r, "qk_rope_head_dim", TRUE, &self->model.qk_rope_head_dim, NULL, error))
            return FALSE;
          /* One latent per token: vLLM's MLA spec has a single KV head. */
          self->model.num_kv_heads = 1;
          return TRUE;
        }
    }

  if (!read_uint (r, "head_dim", FALSE, &head_dim, &found, error))
    return FALSE;
  if (!found && !read_uint (r, "hidden_size_per_head", FALSE, &head_dim, &found, error))
    return FALSE;
  if (!found)
    {
      if (self->model.hidden_size == 0)
        return fail (error, r->file, "hidden_size",
                     _("is missing, and without head_dim the head size is hidden_size / num_attention_heads."));
      head_dim = self->model.hidden_size / self->model.num_attention_heads;
      if (head_dim == 0)
        return fail (error, r->file, "hidden_size", _("is smaller than num_attention_heads, so a head would have no size."));
    }
  self->model.head_dim = head_dim;
  return check_uniform_pages (r, &self->model, error);
}

/* Layers, heads, KV heads and head size. */
static gboolean
read_shape (const Reader    *r,
            KvpModelConfig  *self,
            GError         **error)
{
  if (!read_uint (r, "num_hidden_layers", TRUE, &self->model.num_layers, NULL, error) ||
      !read_uint (r, "num_attention_heads", TRUE, &self->model.num_attention_heads, NULL, error) ||
      !read_uint (r, "hidden_size", FALSE, &self->model.hidden_size, NULL, error))
    return FALSE;

  if (self->model.num_layers > MAX_LAYERS)
    return fail (error, r->file, "num_hidden_layers", _("is more than 65,536, far beyond any model."));

  return check_attention_only (r, self->model_type, self->model.num_layers, error) &&
         read_kv_heads (r, self, error) && read_head_size (r, self, error);
}

/* The context: vLLM's derive_max_model_len_and_key, then the RoPE scaling.
 * Without a length the config still loads: --max-seq-len gives it. */
static gboolean
read_context (const Reader    *r,
              KvpModelConfig  *self,
              GError         **error)
{
  static const char *context_keys[] = {
    "max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "model_max_length",
    "max_target_positions", "max_sequence_length", "max_seq_length", "seq_len",
  };
  guint32 context = 0, model_max_length = 0;
  gboolean found = FALSE;
  guint64 derived, fallback;
  const char *rope_key = is_null (lookup (r, "rope_parameters")) ? "rope_scaling" : "rope_parameters";

  /* vLLM takes the smallest of the lengths a config may state. */
  for (guint i = 0; i < G_N_ELEMENTS (context_keys); i++)
    {
      guint32 value = 0;
      gboolean has = FALSE;

      if (!read_uint (r, context_keys[i], FALSE, &value, &has, error))
        return FALSE;
      if (has && (!found || value < context))
        {
          context = value;
          self->context_key = context_keys[i];
        }
      found |= has;
    }

  /* Command-R's model_max_length wins over every other key, even a
   * smaller one (derive_max_model_len_and_key). */
  if (!read_uint (r, "model_max_length", FALSE, &model_max_length, &found, error))
    return FALSE;
  if (found)
    self->context_key = "model_max_length";
  derived = found ? model_max_length : context;
  if (!apply_rope_scaling (r, self->model_type, &derived, &fallback, error))
    return FALSE;
  self->model.max_context = (guint) fallback;
  self->derived_max_len = derived;

  /* The RoPE block may give the length alone (YaRN's original, as vLLM
   * reads it with no length key), or scale a length down to nothing. */
  if (self->model.max_context > 0 && self->context_key == NULL)
    self->context_key = rope_key;
  else if (self->model.max_context == 0 && self->context_key != NULL)
    return fail (error, r->file, rope_key, _("shrinks the context to 0 tokens."));
  return TRUE;
}

static gboolean
read_name (const Reader    *r,
           KvpModelConfig  *self,
           const char      *name,
           GError         **error)
{
  const char *path_name = NULL;

  if (!read_string (r, r->root, "_name_or_path", &path_name, error))
    return FALSE;
  if (path_name != NULL && *path_name != '\0' && g_utf8_strlen (path_name, -1) <= 200)
    self->name = g_strdup (path_name);
  else
    self->name = g_strdup (name);
  self->key = g_strdup (self->name);
  self->model.key = self->key;
  self->model.name = self->name;
  return TRUE;
}

KvpModelConfig *
kvp_model_config_new_from_data (const char  *data,
                                gsize        length,
                                const char  *name,
                                GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(KvpModelConfig) self = NULL;
  g_autoptr(JsonObject) defaults = NULL;
  Reader r = { name, NULL, NULL, NULL, NULL };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  parser = parse_document (data, length, name, &r, error);
  if (parser == NULL)
    return NULL;

  self = g_new0 (KvpModelConfig, 1);
  g_atomic_ref_count_init (&self->ref_count);

  if (!read_model_type (&r, self, error))
    return NULL;
  defaults = r.defaults;
  if (!read_shape (&r, self, error) || !read_context (&r, self, error))
    return NULL;

  self->layers = g_new0 (KvpLayer, self->model.num_layers);
  if (!read_layer_kinds (&r, self, error) || !read_dtype (&r, self, error))
    return NULL;
  read_quantization (&r, self);
  self->num_params = count_params (&r, self, &self->num_active_params, &self->num_routed_expert_params);

  if (!read_name (&r, self, name, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* KVP_ERROR_FAILED: the file is there in name only, or not at all.  The
 * command line names its option before the message. */
static void
read_failed (GError     **error,
             const char  *display,
             const char  *why)
{
  g_autofree char *quoted = kvp_quote (display);

  /* Translators: the file, then the system's reason. */
  g_set_error (error, KVP_ERROR, KVP_ERROR_FAILED, _("“%s”: cannot read it: %s"), quoted, why);
}

/* "…/Llama-3-8B/config.json" is the model "Llama-3-8B". */
static char *
name_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *parent = g_path_get_basename (dir);
  const char *chosen = base;

  if (g_str_equal (base, "config.json") && !g_str_equal (parent, ".") && !g_str_equal (parent, G_DIR_SEPARATOR_S))
    chosen = parent;
  else if (g_str_has_suffix (base, ".json") && strlen (base) > 5)
    base[strlen (base) - 5] = '\0';

  return g_filename_display_name (chosen);
}

KvpModelConfig *
kvp_model_config_new_from_file (const char  *path,
                                GError     **error)
{
  g_autofree char *display = NULL;
  g_autofree char *model_name = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) read_error = NULL;
  KvpModelConfig *self;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  /* One open, and never more than the cap, whatever the file is. */
  data = kvp_input_read_file (path, KVP_MODEL_CONFIG_MAX_SIZE, &length, &read_error);
  if (data == NULL)
    {
      if (g_error_matches (read_error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_IS_FOLDER))
        fail (error, display, NULL, _("is a folder; give the config.json inside it."));
      else if (g_error_matches (read_error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_TOO_LARGE))
        fail (error, display, NULL, _("is larger than 16 MiB, far more than any config.json; kvpage stopped reading there."));
      else
        read_failed (error, display, read_error->message);
      return NULL;
    }

  self = kvp_model_config_new_from_data (data, length, display, error);
  if (self == NULL)
    return NULL;

  /* The file names the model better than a _name_or_path from the training
   * machine. */
  model_name = name_from_path (path);
  if (*model_name != '\0')
    {
      g_free (self->name);
      g_free (self->key);
      self->name = g_strdup (model_name);
      self->key = g_strdup (model_name);
      self->model.key = self->key;
      self->model.name = self->name;
    }

  return self;
}

KvpModelConfig *
kvp_model_config_ref (KvpModelConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
kvp_model_config_unref (KvpModelConfig *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    model_config_free (self);
}

guint
kvp_model_config_count_layers (const KvpModelConfig *self,
                               KvpLayerKind          kind)
{
  guint count = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->model.num_layers; i++)
    count += self->layers[i].kind == kind;
  return count;
}

void
kvp_model_for_tensor_parallel (const KvpModel *model,
                               guint           tensor_parallel_size,
                               KvpModel       *out_model)
{
  g_return_if_fail (model != NULL);
  g_return_if_fail (tensor_parallel_size > 0);
  g_return_if_fail (out_model != NULL);

  *out_model = *model;
  /* The share is the caller's, not counted, whatever the whole is. */
  out_model->ref_count = 0;
  if (tensor_parallel_size == 1 || kvp_model_is_mla (model))
    return;

  out_model->num_kv_heads = MAX (1, kvp_model_get_kv_heads (model) / tensor_parallel_size);
}
