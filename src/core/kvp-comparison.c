/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-comparison.c: one sequence, a traditional reservation against a block
 * pool.  The paged figures come from really allocating the sequence. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "kvp-comparison.h"
#include "kvp-error.h"
#include "kvp-json.h"
#include "kvp-vllm.h"

#define MIB (1024.0 * 1024.0)

G_DEFINE_BOXED_TYPE (KvpComparison, kvp_comparison, kvp_comparison_ref, kvp_comparison_unref)

static gboolean
compute_sizes (KvpComparison  *self,
               GError        **error)
{
  const KvpParams *p = &self->params;
  guint64 B = p->block_size;
  guint64 N = p->num_blocks;
  guint64 paged_tokens;

  if (!kvp_model_bytes_per_token (p->model, p->dtype, &self->bytes_per_token, error))
    return FALSE;

  self->blocks_needed = (p->seq_len + B - 1) / B;
  paged_tokens = self->blocks_needed * B;

  if (!kvp_checked_mul (p->max_seq_len, self->bytes_per_token, &self->traditional_bytes, error) ||
      !kvp_checked_mul (paged_tokens, self->bytes_per_token, &self->paged_bytes, error))
    return FALSE;

  /* A hybrid model in vLLM's pool: a block id holds B tokens of one group's
   * layers, and a request holds blocks in every group (a sliding group up to
   * its window and the tokens in flight), so the sequence needs what vLLM's
   * admission charges it: the same count max_concurrency divides by. */
  if (p->layout != NULL)
    {
      guint64 per_layer = self->bytes_per_token / p->layout->num_layers;

      self->blocks_needed = kvp_pool_layout_blocks (p->layout, p->seq_len, p->block_size);
      if (!kvp_checked_mul (self->blocks_needed * B, per_layer * p->layout->group_size, &self->paged_bytes, error))
        return FALSE;
    }

  /* Presets stay far below 2^63; a model of one's own might not, and the
   * saving is a signed number. */
  if (self->traditional_bytes > G_MAXINT64 || self->paged_bytes > G_MAXINT64)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_OVERFLOW,
                   _("The KV cache size does not fit in 64 bits."));
      return FALSE;
    }
  self->saved_bytes = (gint64) self->traditional_bytes - (gint64) self->paged_bytes;
  self->saved_percent = 100.0 * (double) self->saved_bytes / (double) self->traditional_bytes;

  self->fits = self->blocks_needed <= N;

  self->traditional_waste_tokens = p->max_seq_len - p->seq_len;
  self->traditional_waste_bytes = self->traditional_waste_tokens * self->bytes_per_token;
  self->paged_waste_tokens = paged_tokens - p->seq_len;
  self->paged_waste_bytes = self->paged_waste_tokens * self->bytes_per_token;

  /* A traditional cache reserves max_seq_len tokens in every group. */
  self->traditional_capacity = N * B / p->max_seq_len / (p->layout != NULL ? p->layout->num_groups : 1);
  self->paged_capacity = N / self->blocks_needed;

  return TRUE;
}

/* The sequence in the pool: its tokens, and with a hybrid layout one more
 * sequence for each other group, holding the blocks vLLM charges there. */
static gboolean
append_sequence (KvpComparison  *self,
                 GError        **error)
{
  const KvpParams *p = &self->params;
  const KvpPoolLayout *layout = p->layout;
  gboolean first = TRUE;

  if (layout == NULL)
    return kvp_block_pool_append (self->pool, self->seq, p->seq_len, error);

  for (guint k = 0; k < layout->n_kinds; k++)
    for (guint g = 0; g < layout->kinds[k].num_groups; g++)
      {
        guint64 blocks = kvp_vllm_blocks_per_request (layout->kinds[k].kind, layout->kinds[k].window, p->seq_len,
                                                      layout->max_in_flight_tokens, p->block_size);
        KvpSeqId seq = first ? self->seq : kvp_block_pool_add_sequence (self->pool);
        guint64 tokens = layout->kinds[k].kind == KVP_LAYER_FULL ? p->seq_len : blocks * p->block_size;

        first = FALSE;
        if (!kvp_block_pool_append (self->pool, seq, tokens, error))
          return FALSE;
      }
  return TRUE;
}

KvpComparison *
kvp_comparison_new (const KvpParams  *params,
                    GError          **error)
{
  g_autoptr(KvpComparison) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kvp_params_validate (params, error))
    return NULL;

  self = g_new0 (KvpComparison, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->params = *params;
  self->model = kvp_model_ref (params->model);
  self->params.model = self->model;

  if (!compute_sizes (self, error))
    return NULL;

  self->pool = kvp_block_pool_new (params->num_blocks, params->block_size, error);
  if (self->pool == NULL)
    return NULL;
  self->seq = kvp_block_pool_add_sequence (self->pool);

  /* The sequence is stored in the allocator for real: the block counts below
   * are what the pool reports, not the closed form. */
  if (self->fits && !append_sequence (self, &local_error))
    {
      g_critical ("A sequence of %" PRIu64 " tokens did not fit %u blocks: %s",
                  params->seq_len, params->num_blocks, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  self->blocks_used = kvp_block_pool_get_num_used (self->pool);
  self->blocks_free = kvp_block_pool_get_num_free (self->pool);
  self->utilization_percent = 100.0 * (double) self->blocks_used / (double) params->num_blocks;

  return g_steal_pointer (&self);
}

KvpComparison *
kvp_comparison_new_figures (const KvpParams  *params,
                            GError          **error)
{
  g_autoptr(KvpComparison) self = NULL;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kvp_params_validate (params, error))
    return NULL;

  self = g_new0 (KvpComparison, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->params = *params;
  self->model = kvp_model_ref (params->model);
  self->params.model = self->model;
  if (!compute_sizes (self, error))
    return NULL;

  /* What a fresh pool reports after appending the sequence. */
  self->blocks_used = self->fits ? self->blocks_needed : 0;
  self->blocks_free = params->num_blocks - self->blocks_used;
  self->utilization_percent = 100.0 * (double) self->blocks_used / (double) params->num_blocks;

  return g_steal_pointer (&self);
}

KvpComparison *
kvp_comparison_ref (KvpComparison *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
kvp_comparison_unref (KvpComparison *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_clear_pointer (&self->pool, kvp_block_pool_unref);
      g_clear_pointer (&self->model, kvp_model_unref);
      g_free (self);
    }
}

JsonNode *
kvp_comparison_to_json (KvpComparison *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const KvpParams *p;

  g_return_val_if_fail (self != NULL, NULL);

  p = &self->params;
  json_builder_begin_object (builder);

  /* The fields of the original /compare/memory response; "mb" is MiB. */
  kvp_json_add_double (builder, "traditional_memory_mb", self->traditional_bytes / MIB);
  kvp_json_add_double (builder, "paged_memory_mb", self->paged_bytes / MIB);
  kvp_json_add_double (builder, "memory_saved_mb", self->saved_bytes / MIB);
  kvp_json_add_double (builder, "memory_saved_percent", self->saved_percent);
  kvp_json_add_uint (builder, "num_blocks", p->num_blocks);
  kvp_json_add_uint (builder, "block_size", p->block_size);
  kvp_json_add_uint (builder, "blocks_used", self->blocks_used);
  kvp_json_add_uint (builder, "blocks_free", self->blocks_free);
  kvp_json_add_double (builder, "utilization_percent", self->utilization_percent);
  kvp_json_add_uint (builder, "sequence_length", p->seq_len);

  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, p->model->key);
  json_builder_set_member_name (builder, "kv_dtype");
  json_builder_add_string_value (builder, kvp_dtype_to_string (p->dtype));
  kvp_json_add_uint (builder, "bytes_per_token", self->bytes_per_token);
  kvp_json_add_uint (builder, "max_seq_len", p->max_seq_len);
  kvp_json_add_uint (builder, "traditional_bytes", self->traditional_bytes);
  kvp_json_add_uint (builder, "paged_bytes", self->paged_bytes);
  json_builder_set_member_name (builder, "memory_saved_bytes");
  json_builder_add_int_value (builder, self->saved_bytes);
  json_builder_set_member_name (builder, "fits_in_pool");
  json_builder_add_boolean_value (builder, self->fits);
  kvp_json_add_uint (builder, "blocks_needed", self->blocks_needed);
  kvp_json_add_uint (builder, "traditional_waste_tokens", self->traditional_waste_tokens);
  kvp_json_add_uint (builder, "traditional_waste_bytes", self->traditional_waste_bytes);
  kvp_json_add_uint (builder, "paged_waste_tokens", self->paged_waste_tokens);
  kvp_json_add_uint (builder, "paged_waste_bytes", self->paged_waste_bytes);
  kvp_json_add_uint (builder, "traditional_capacity", self->traditional_capacity);
  kvp_json_add_uint (builder, "paged_capacity", self->paged_capacity);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
