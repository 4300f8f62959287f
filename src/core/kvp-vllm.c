/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-vllm.c: vLLM v1's pool arithmetic (vllm/v1/core/kv_cache_utils.py,
 * vllm/v1/kv_cache_interface.py), with its integer divisions and its
 * floating-point concurrency, so the figures are the ones vLLM logs. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-json.h"
#include "kvp-vllm.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static guint64
cdiv (guint64 a,
      guint64 b)
{
  return a / b + (a % b != 0);
}

/* The blocks one request of max_model_len holds at most in a group of this
 * kind (the specs' max_admission_blocks_per_request).  in_flight is
 * VllmConfig.max_in_flight_tokens: blocks that left the window are freed only
 * once the steps still in flight have settled (vLLM PR #47728). */
guint64
kvp_vllm_blocks_per_request (KvpLayerKind kind,
                             guint32      window,
                             guint64      max_model_len,
                             guint64      in_flight,
                             guint32      block_size)
{
  guint64 B = block_size;

  g_return_val_if_fail (block_size > 0, 0);

  switch (kind)
    {
    case KVP_LAYER_SLIDING:
      /* The last window − 1 tokens plus the tokens in flight, and one more
       * block because the window need not start at a block boundary. */
      return cdiv (MIN (window - 1 + in_flight, max_model_len), B) + 1;
    case KVP_LAYER_CHUNKED:
      return cdiv (MIN (window + in_flight, max_model_len), B);
    case KVP_LAYER_FULL:
    case KVP_N_LAYER_KINDS:
    default:
      return cdiv (max_model_len, B);
    }
}

static guint64
blocks_per_request (const KvpVllmKind *kind,
                    guint64            max_model_len,
                    guint64            in_flight,
                    guint64            B)
{
  return kvp_vllm_blocks_per_request (kind->kind, kind->window, max_model_len, in_flight, (guint32) B);
}

/* What vLLM's get_num_blocks_to_allocate gives a sequence with its admission
 * cap applied: cdiv (seq_len, B), no more than the group's cap for
 * max_model_len.  The cap's one extra block for a window that starts inside
 * a block is a bound, not a block every request is handed: a sequence
 * shorter than the window plus the tokens in flight holds its own blocks
 * only. */
guint64
kvp_vllm_blocks_held (KvpLayerKind kind,
                      guint32      window,
                      guint64      seq_len,
                      guint64      max_model_len,
                      guint64      in_flight,
                      guint32      block_size)
{
  g_return_val_if_fail (block_size > 0, 0);

  return MIN (cdiv (seq_len, block_size),
              kvp_vllm_blocks_per_request (kind, window, max_model_len, in_flight, block_size));
}

guint64
kvp_pool_layout_blocks (const KvpPoolLayout *layout,
                        guint64              seq_len,
                        guint64              max_model_len,
                        guint32              block_size)
{
  guint64 sum = 0;

  g_return_val_if_fail (layout != NULL, 0);

  for (guint k = 0; k < layout->n_kinds; k++)
    sum += layout->kinds[k].num_groups *
           kvp_vllm_blocks_held (layout->kinds[k].kind, layout->kinds[k].window, seq_len, max_model_len,
                                 layout->max_in_flight_tokens, block_size);
  return sum;
}

G_LOCK_DEFINE_STATIC (layouts);
static GPtrArray *kept_layouts;

const KvpPoolLayout *
kvp_vllm_sizing_get_layout (const KvpVllmSizing *self)
{
  KvpPoolLayout layout;
  const KvpPoolLayout *found = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->kinds->len > KVP_POOL_LAYOUT_MAX_KINDS)
    return NULL;
  /* One group needs a layout only when a window caps its requests below
   * their own blocks (Mistral-7B-v0.1's 4,096 in 32,768), not when the
   * window is longer than any request (Phi-4-mini's 262,144). */
  if (self->num_groups <= 1)
    {
      const KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, 0);

      if (kind->blocks_per_request >= cdiv (self->input.max_model_len, self->input.block_size))
        return NULL;
    }

  memset (&layout, 0, sizeof layout);
  layout.n_kinds = self->kinds->len;
  for (guint k = 0; k < self->kinds->len; k++)
    {
      const KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, k);

      layout.kinds[k].kind = kind->kind;
      layout.kinds[k].window = kind->window;
      layout.kinds[k].num_groups = kind->num_groups;
    }
  layout.num_groups = self->num_groups;
  layout.group_size = self->group_size;
  layout.num_layers = self->input.model->num_layers;
  layout.max_in_flight_tokens = self->max_in_flight_tokens;

  G_LOCK (layouts);
  if (kept_layouts == NULL)
    kept_layouts = g_ptr_array_new ();
  for (guint i = 0; i < kept_layouts->len && found == NULL; i++)
    if (memcmp (kept_layouts->pdata[i], &layout, sizeof layout) == 0)
      found = kept_layouts->pdata[i];
  if (found == NULL)
    {
      found = g_memdup2 (&layout, sizeof layout);
      g_ptr_array_add (kept_layouts, (gpointer) found);
    }
  G_UNLOCK (layouts);

  return found;
}

static guint64
sum_blocks_per_request (const KvpVllmSizing *self,
                        guint64              max_model_len)
{
  guint64 sum = 0;

  for (guint i = 0; i < self->kinds->len; i++)
    {
      const KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, i);

      sum += kind->num_groups * blocks_per_request (kind, max_model_len, self->max_in_flight_tokens,
                                                    self->input.block_size);
    }
  return sum;
}

/* group_size × page × blocks: the memory one request of this length needs,
 * or G_MAXUINT64 when that does not fit in 64 bits. */
static guint64
needed_bytes (const KvpVllmSizing *self,
              guint64              max_model_len)
{
  guint64 bytes;

  if (!g_uint64_checked_mul (&bytes, self->page_size_bytes, self->group_size) ||
      !g_uint64_checked_mul (&bytes, bytes, sum_blocks_per_request (self, max_model_len)))
    return G_MAXUINT64;
  return bytes;
}

/* What get_kv_cache_configs checks against: the pool less one block for
 * every layer of a group, the null block BlockPool never hands out (vLLM
 * PR #47272); 0 when not even that fits.  Allocation still uses it all. */
static guint64
check_bytes (const KvpVllmSizing *self)
{
  guint64 null_block = self->page_size_bytes * self->group_size;

  return self->input.available_bytes > null_block ? self->input.available_bytes - null_block : 0;
}

/* vLLM's estimate_max_model_len: the longest request that fits. */
static guint64
longest_that_fits (const KvpVllmSizing *self)
{
  guint64 left = 1, right = self->input.max_model_len, result = 0;

  while (left <= right)
    {
      guint64 mid = left + (right - left) / 2;

      if (needed_bytes (self, mid) <= check_bytes (self))
        {
          result = mid;
          left = mid + 1;
        }
      else
        right = mid - 1;
    }
  return result;
}

/* The layer groups of vLLM's hybrid manager
 * (_get_kv_cache_groups_uniform_page_size): the fewest layers of any kind
 * set the group size, unless the kinds are within 1.5× of each other, when
 * the most do; every kind fills cdiv (n, group_size) groups and the short
 * ones are padded. */
static void
make_groups (KvpVllmSizing *self)
{
  guint min_layers = G_MAXUINT, max_layers = 0;

  for (guint i = 0; i < self->kinds->len; i++)
    {
      const KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, i);

      min_layers = MIN (min_layers, kind->num_layers);
      max_layers = MAX (max_layers, kind->num_layers);
    }

  self->group_size = (double) max_layers < min_layers * 1.5 ? max_layers : min_layers;
  self->num_groups = 0;

  for (guint i = 0; i < self->kinds->len; i++)
    {
      KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, i);
      guint remainder = kind->num_layers % self->group_size;

      kind->num_groups = cdiv (kind->num_layers, self->group_size);
      kind->padding_layers = remainder == 0 ? 0 : self->group_size - remainder;
      self->num_groups += kind->num_groups;
    }
}

static gboolean
fail_no_space (KvpVllmSizing  *self,
               GError        **error)
{
  g_autofree char *needed = NULL;
  g_autofree char *available = kvp_vllm_format_gib (check_bytes (self));
  g_autofree char *longest = NULL;
  /* Counts grouped as every figure a person reads; the option's value
   * plain, to be typed as it is. */
  g_autofree char *length = kvp_format_count (self->input.max_model_len);
  guint64 bytes = needed_bytes (self, self->input.max_model_len);
  guint64 fits = longest_that_fits (self);

  needed = bytes == G_MAXUINT64 ? g_strdup ("∞") : kvp_vllm_format_gib (bytes);
  if (fits > 0)
    {
      g_autofree char *fits_text = kvp_format_count (fits);

      longest = g_strdup_printf (_(" The longest that fits is %s tokens (--max-model-len %" PRIu64 ")."),
                                 fits_text, fits);
    }

  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("One request of the maximum length (%s tokens) needs %s GiB of KV cache, "
                 "more than the %s GiB available once one block per layer is kept for vLLM’s null block.%s"),
               length, needed, available, longest != NULL ? longest : "");
  return FALSE;
}

const char *
kvp_vllm_backend_block_size (const KvpModel *model,
                             const KvpGpu   *gpu,
                             KvpDtype        dtype,
                             guint32        *out_block_size)
{
  /* The Hopper presets (compute capability 9.0). */
  static const char *hopper[] = { "h100-80gb", "h200" };

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (out_block_size != NULL, NULL);

  if (!kvp_model_is_mla (model) || gpu == NULL || dtype != KVP_DTYPE_FP8)
    return NULL;
  /* On Hopper vLLM tries FLASH_ATTN_MLA first (vllm/platforms/cuda.py,
   * _get_backend_priorities), which takes any multiple of 16 but no fp8
   * cache; with fp8 FLASHMLA is next, and its kernels take 64 only.  Other
   * GPUs run an MLA backend that accepts 16 (TRITON_MLA on Ampere and Ada),
   * or are not presets (Blackwell's FLASHINFER_MLA picks 32). */
  for (guint i = 0; i < G_N_ELEMENTS (hopper); i++)
    if (g_str_equal (gpu->key, hopper[i]))
      {
        *out_block_size = 64;
        return "FLASHMLA";
      }
  return NULL;
}

/* vLLM splits the attention heads over the tensor-parallel GPUs in three
 * places, and starts only when each divides evenly:
 *   - vllm/config/model.py, ModelConfig.verify_with_parallel_config: "Total
 *     number of attention heads (H) must be divisible by tensor parallel
 *     size (TP)." (a ValueError before anything loads);
 *   - vllm/model_executor/layers/linear.py, QKVParallelLinear.__init__:
 *     divide (kv_heads, tp) when there are more KV heads than GPUs, else
 *     divide (tp, kv_heads), each asserting an exact division;
 *   - the attention classes of the model files (vllm/model_executor/models/
 *     llama.py LlamaAttention, qwen2.py, qwen3.py, mistral via llama.py,
 *     gemma2.py, gemma3.py, phi3 via llama.py …): "assert
 *     total_num_kv_heads % tp_size == 0" when the KV heads are at least as
 *     many as the GPUs, "assert tp_size % total_num_kv_heads == 0" when fewer
 *     (the heads are then copied).
 * An MLA latent is one per layer and never split (deepseek_v2.py checks the
 * attention heads only). */
gboolean
kvp_vllm_check_tensor_parallel (const KvpModel  *model,
                                guint            tensor_parallel_size,
                                GError         **error)
{
  guint tp = tensor_parallel_size;
  guint kv;
  g_autofree char *kv_text = NULL;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (tensor_parallel_size > 0, FALSE);

  /* The option's value as typed and vLLM's quoted words stay plain; the
   * model's counts are grouped as every figure a person reads. */
  if (model->num_attention_heads % tp != 0)
    {
      g_autofree char *heads = kvp_format_count (model->num_attention_heads);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--tensor-parallel-size %u does not divide the model’s %s attention heads, which vLLM refuses: "
                     "“Total number of attention heads (%u) must be divisible by tensor parallel size (%u).”"),
                   tp, heads, model->num_attention_heads, tp);
      return FALSE;
    }
  if (kvp_model_is_mla (model))
    return TRUE;

  kv = kvp_model_get_kv_heads (model);
  kv_text = kvp_format_count (kv);
  if (kv >= tp && kv % tp != 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--tensor-parallel-size %u does not divide the model’s %s KV heads, which vLLM’s attention layers "
                     "assert when there are at least as many KV heads as GPUs (total_num_kv_heads %% tp_size == 0)."),
                   tp, kv_text);
      return FALSE;
    }
  if (kv < tp && tp % kv != 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--tensor-parallel-size %u is not a multiple of the model’s %s KV heads, which vLLM’s attention "
                     "layers assert when there are fewer KV heads than GPUs (tp_size %% total_num_kv_heads == 0)."),
                   tp, kv_text);
      return FALSE;
    }
  return TRUE;
}

gboolean
kvp_vllm_check_max_model_len (guint64      max_model_len,
                              guint64      derived_max_len,
                              const char  *context_key,
                              gboolean     allow_long,
                              GError     **error)
{
  g_autofree char *derived = NULL;

  if (derived_max_len == 0 || max_model_len <= derived_max_len || allow_long)
    return TRUE;

  /* vLLM's words, with the key the length comes from; the environment
   * variable is the option here.  The option's value and vLLM's words
   * plain, the model's length grouped. */
  derived = kvp_format_count (derived_max_len);
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("--max-model-len %" PRIu64 " is longer than the model’s %s tokens "
                 "(%s in its config.json), which vLLM refuses: “User-specified max_model_len (%" PRIu64
                 ") is greater than the derived max_model_len”; --allow-long-max-model-len goes past it, "
                 "as VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 does."),
               max_model_len, derived, context_key != NULL ? context_key : "max_position_embeddings",
               max_model_len);
  return FALSE;
}

KvpVllmSizing *
kvp_vllm_sizing_new (const KvpVllmInput  *input,
                     GError             **error)
{
  g_autoptr(KvpVllmSizing) self = NULL;
  const KvpModel *m;
  guint64 per_token, page, bytes;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (input->model != NULL, NULL);
  g_return_val_if_fail (input->dtype < KVP_N_DTYPES, NULL);

  m = input->model;
  if (input->tensor_parallel_size < 1 || input->block_size < 1 || input->max_model_len < 1 ||
      input->max_num_batched_tokens < 1 || m->num_layers < 1)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The tensor-parallel size, block size, lengths and layers must all be at least 1."));
      return NULL;
    }
  if (!kvp_vllm_check_tensor_parallel (m, input->tensor_parallel_size, error))
    return NULL;

  self = g_new0 (KvpVllmSizing, 1);
  self->input = *input;
  /* Async scheduling is vLLM's default: two batches in flight (pp = 1). */
  self->concurrent_batches = input->concurrent_batches > 0 ? input->concurrent_batches
                                                           : KVP_VLLM_DEFAULT_CONCURRENT_BATCHES;
  if (!kvp_checked_mul (self->concurrent_batches, input->max_num_batched_tokens, &self->max_in_flight_tokens, error))
    return NULL;
  self->kinds = g_array_new (FALSE, TRUE, sizeof (KvpVllmKind));

  if (kvp_model_is_mla (m))
    {
      self->kv_heads = 1;
      self->head_size = (guint64) m->kv_lora_rank + m->qk_rope_head_dim;
      per_token = self->head_size * kvp_dtype_get_size (input->dtype);
    }
  else
    {
      self->kv_heads = MAX (1, kvp_model_get_kv_heads (m) / input->tensor_parallel_size);
      self->head_size = kvp_model_get_head_dim (m);
      if (!kvp_checked_mul (2 * (guint64) self->kv_heads * kvp_dtype_get_size (input->dtype), self->head_size,
                            &per_token, error))
        return NULL;
    }
  if (per_token == 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("The model stores nothing per token: its head size is zero."));
      return NULL;
    }
  if (!kvp_checked_mul (per_token, input->block_size, &page, error))
    return NULL;
  self->page_size_bytes = page;

  /* One kind per distinct (kind, window), in the order the layers meet it. */
  for (guint l = 0; l < m->num_layers; l++)
    {
      KvpLayer layer = input->layers != NULL ? input->layers[l] : (KvpLayer) { KVP_LAYER_FULL, 0 };
      guint k;

      if (layer.kind != KVP_LAYER_FULL && layer.window == 0)
        layer = (KvpLayer) { KVP_LAYER_FULL, 0 };
      for (k = 0; k < self->kinds->len; k++)
        {
          KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, k);

          if (kind->kind == layer.kind && kind->window == layer.window)
            {
              kind->num_layers++;
              break;
            }
        }
      if (k == self->kinds->len)
        {
          KvpVllmKind kind = { layer.kind, layer.window, 1, 0, 0, per_token, 0 };

          g_array_append_val (self->kinds, kind);
        }
    }

  make_groups (self);
  for (guint k = 0; k < self->kinds->len; k++)
    {
      KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, k);

      kind->blocks_per_request = blocks_per_request (kind, input->max_model_len, self->max_in_flight_tokens,
                                                     input->block_size);
    }
  self->blocks_per_request = sum_blocks_per_request (self, input->max_model_len);

  /* _check_enough_kv_cache_memory: at least one request of the maximum
   * length must fit in the usable blocks, or vLLM stops at start-up. */
  bytes = needed_bytes (self, input->max_model_len);
  if (check_bytes (self) == 0 || bytes > check_bytes (self))
    {
      fail_no_space (self, error);
      return NULL;
    }

  self->num_gpu_blocks = input->available_bytes / page / self->group_size;
  self->max_concurrency = (double) self->num_gpu_blocks / (double) self->blocks_per_request;
  self->kv_cache_tokens = (guint64) (self->max_concurrency * (double) input->max_model_len);

  return g_steal_pointer (&self);
}

void
kvp_vllm_sizing_free (KvpVllmSizing *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->kinds);
  g_free (self);
}

char *
kvp_vllm_format_gib (guint64 bytes)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  gsize length;

  /* printf rounds the exact binary value to nearest, ties to even, as
   * Python's round () does; str () then drops trailing zeros but one. */
  g_ascii_formatd (buffer, sizeof buffer, "%.2f", (double) bytes / GIB);
  length = strlen (buffer);
  while (length > 0 && buffer[length - 1] == '0' && buffer[length - 2] != '.')
    buffer[--length] = '\0';
  return g_strdup (buffer);
}

char *
kvp_vllm_format_thousands (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" PRIu64, n);
  GString *out = g_string_new (NULL);
  gsize length = strlen (digits);

  for (gsize i = 0; i < length; i++)
    {
      if (i > 0 && (length - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

/* g_strv_builder_take () is GLib 2.80. */
static void
add_line (GStrvBuilder *lines,
          char         *line)
{
  g_strv_builder_add (lines, line);
  g_free (line);
}

static char *
format_fixed2 (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", value));
}

GStrv
kvp_vllm_sizing_get_log_lines (const KvpVllmSizing *self)
{
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();
  g_autofree char *gib = NULL;
  g_autofree char *tokens = NULL;
  g_autofree char *length = NULL;
  g_autofree char *concurrency = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  /* interface.py at model loading, gpu_worker.py, then kv_cache_utils.py;
   * vLLM's own wording is English. */
  if (self->input.block_size_backend != NULL)
    add_line (lines, g_strdup_printf ("Setting kv cache block size to %u for %s backend.",
                                      self->input.block_size, self->input.block_size_backend));
  gib = kvp_vllm_format_gib (self->input.available_bytes);
  if (self->input.kv_cache_memory_given)
    /* gpu_worker.py determine_available_memory skips profiling and logs
     * this instead.  The free memory it names is measured on the GPU at
     * start-up, which no setting tells; the line says so in its place. */
    add_line (lines, g_strdup_printf ("Initial free memory [%s] GiB, reserved %s GiB memory for KV Cache as specified by "
                                      "kv_cache_memory_bytes config and skipped memory profiling. This does not respect "
                                      "the gpu_memory_utilization config. Only use kv_cache_memory_bytes config when you "
                                      "want manual control of KV cache memory size. If OOM'ed, check the difference of "
                                      "initial free memory between the current run and the previous run where "
                                      "kv_cache_memory_bytes is suggested and update it correspondingly.",
                                      _("not known: vLLM measures it on the GPU at start-up"), gib));
  else
    add_line (lines, g_strdup_printf ("Available KV cache memory: %s GiB", gib));

  for (guint k = 0; k < self->kinds->len; k++)
    {
      const KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, k);
      g_autofree char *percent = NULL;

      if (kind->padding_layers == 0)
        continue;
      percent = format_fixed2 ((double) kind->padding_layers / (double) kind->num_layers * 100.0);
      add_line (lines, g_strdup_printf ("Add %u padding layers, may waste at most %s%% KV cache memory",
                                        kind->padding_layers, percent));
    }

  tokens = kvp_vllm_format_thousands (self->kv_cache_tokens);
  length = kvp_vllm_format_thousands (self->input.max_model_len);
  concurrency = format_fixed2 (self->max_concurrency);
  add_line (lines, g_strdup_printf ("GPU KV cache size: %s tokens, Maximum concurrency for %s tokens per request: %sx",
                                    tokens, length, concurrency));

  return g_strv_builder_end (lines);
}

void
kvp_vllm_sizing_add_json (const KvpVllmSizing *self,
                          JsonBuilder         *builder)
{
  g_auto(GStrv) lines = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (JSON_IS_BUILDER (builder));

  kvp_json_add_uint (builder, "tensor_parallel_size", self->input.tensor_parallel_size);
  kvp_json_add_uint (builder, "kv_cache_memory_bytes", self->input.available_bytes);
  kvp_json_add_uint (builder, "max_num_batched_tokens", self->input.max_num_batched_tokens);
  kvp_json_add_uint (builder, "max_in_flight_tokens", self->max_in_flight_tokens);
  /* block_size itself is the comparison's; this says who chose it. */
  json_builder_set_member_name (builder, "block_size_backend");
  if (self->input.block_size_backend != NULL)
    json_builder_add_string_value (builder, self->input.block_size_backend);
  else
    json_builder_add_null_value (builder);
  kvp_json_add_uint (builder, "page_size_bytes", self->page_size_bytes);
  kvp_json_add_uint (builder, "num_gpu_blocks", self->num_gpu_blocks);
  /* Block 0 is vLLM's null block: it is allocated but never holds tokens. */
  kvp_json_add_uint (builder, "num_usable_blocks", self->num_gpu_blocks - 1);
  kvp_json_add_uint (builder, "blocks_per_request", self->blocks_per_request);
  kvp_json_add_uint (builder, "gpu_kv_cache_tokens", self->kv_cache_tokens);
  kvp_json_add_double (builder, "max_concurrency", self->max_concurrency);
  kvp_json_add_uint (builder, "layers_per_group", self->group_size);

  json_builder_set_member_name (builder, "layer_groups");
  json_builder_begin_array (builder);
  for (guint k = 0; k < self->kinds->len; k++)
    {
      const KvpVllmKind *kind = &g_array_index (self->kinds, KvpVllmKind, k);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kvp_layer_kind_to_string (kind->kind));
      kvp_json_add_uint (builder, "layers", kind->num_layers);
      json_builder_set_member_name (builder, "window");
      if (kind->kind == KVP_LAYER_FULL)
        json_builder_add_null_value (builder);
      else
        json_builder_add_int_value (builder, kind->window);
      kvp_json_add_uint (builder, "bytes_per_token_per_layer", kind->bytes_per_token_per_layer);
      kvp_json_add_uint (builder, "groups", kind->num_groups);
      kvp_json_add_uint (builder, "padding_layers", kind->padding_layers);
      kvp_json_add_uint (builder, "blocks_per_request_per_group", kind->blocks_per_request);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  lines = kvp_vllm_sizing_get_log_lines (self);
  json_builder_set_member_name (builder, "vllm_log");
  json_builder_begin_array (builder);
  for (guint i = 0; lines[i] != NULL; i++)
    json_builder_add_string_value (builder, lines[i]);
  json_builder_end_array (builder);
}
