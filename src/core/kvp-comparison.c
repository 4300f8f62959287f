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
#include "kvp-pool-history.h"
#include "kvp-vllm.h"

#define MIB (1024.0 * 1024.0)

G_DEFINE_BOXED_TYPE (KvpComparison, kvp_comparison, kvp_comparison_ref, kvp_comparison_unref)

/* What a fresh pool holds after the samples are stored (kvp_comparison_new
 * stores them for real, and test-comparison checks the two agree): the
 * prompt's full blocks once, and each sample's blocks from the prompt's
 * partly filled last block on (its copy on write, then its own tokens).
 * When no sample wrote past the prompt, its last block is still shared. */
static void
count_shared_blocks (KvpComparison *self)
{
  const KvpParams *p = &self->params;
  guint64 S = p->samples;

  self->shared_blocks = 0;
  if (S > 1)
    self->shared_blocks = p->prompt_len == p->seq_len ? self->blocks_needed : p->prompt_len / p->block_size;
  self->own_blocks = S * (self->blocks_needed - self->shared_blocks);
  self->blocks_held = self->shared_blocks + self->own_blocks;
  self->blocks_without_sharing = S * self->blocks_needed;
}

/* The figures that follow from the blocks held. */
static gboolean
compute_held (KvpComparison  *self,
              GError        **error)
{
  const KvpParams *p = &self->params;
  guint64 B = p->block_size;
  guint64 S = p->samples;
  guint64 stored_tokens = self->shared_blocks == self->blocks_needed ? p->seq_len : S * p->seq_len;

  self->sharing_saved_blocks = self->blocks_without_sharing - self->blocks_held;
  self->sharing_saving_percent = 100.0 * (double) self->sharing_saved_blocks / (double) self->blocks_without_sharing;

  /* Slack is counted once per physical block: a shared last block once. */
  stored_tokens -= self->shared_blocks == self->blocks_needed ? 0 : (S - 1) * (self->shared_blocks * B);
  self->paged_waste_tokens = self->blocks_held * B - stored_tokens;
  if (!kvp_checked_mul (self->blocks_held * B, self->bytes_per_token, &self->paged_bytes, error))
    return FALSE;
  self->paged_waste_bytes = self->paged_waste_tokens * self->bytes_per_token;
  self->fits = self->blocks_held <= self->usable_blocks;
  /* vLLM's max_concurrency counts the null block too: the capacity is its
   * floor, as the log prints it. */
  self->paged_capacity = p->num_blocks / self->blocks_held;
  return TRUE;
}

/* With a layout the slack is counted in slots of one group's layers, as
 * the blocks are: every group's blocks hold the sequence's tokens while it
 * is written (a sliding group frees what leaves its window only after it),
 * and what they could hold beyond that is slack. */
static guint64
layout_stored_slots (const KvpParams *p)
{
  const KvpPoolLayout *layout = p->layout;
  guint64 stored = 0;

  for (guint k = 0; k < layout->n_kinds; k++)
    {
      guint64 blocks = kvp_vllm_blocks_held (layout->kinds[k].kind, layout->kinds[k].window, p->seq_len,
                                             p->max_seq_len, layout->max_in_flight_tokens, p->block_size);

      stored += layout->kinds[k].num_groups * MIN (p->seq_len, blocks * p->block_size);
    }
  return stored;
}

static gboolean
compute_sizes (KvpComparison  *self,
               GError        **error)
{
  const KvpParams *p = &self->params;
  guint64 B = p->block_size;
  guint64 N = p->num_blocks;
  guint64 S = p->samples;
  /* The layers a token slot spans, as a fraction of the model's: every
   * layer of a token costs the same bytes (vLLM sizes one page for them
   * all), so the pool and a traditional reservation are counted in one
   * unit, a token of one layer.  A traditional slot spans the model's real
   * layers; a slot of vLLM's pool one group's, padding layers included, as
   * vLLM allocates group_size tensors for every block whether or not a
   * group has a real layer in each (a block id is a block of one group). */
  guint64 slot_layers = p->layout != NULL ? p->layout->group_size : 1;
  guint64 model_layers = p->layout != NULL ? p->layout->num_layers : 1;
  guint64 slot_bytes;

  if (!kvp_model_bytes_per_token (p->model, p->dtype, &self->bytes_per_token, error))
    return FALSE;
  slot_bytes = self->bytes_per_token / model_layers * slot_layers;

  /* A pool of one block has no room for a null block beside it (vLLM's
   * sizing never makes one). */
  self->usable_blocks = p->null_block && N > 1 ? N - 1 : N;

  self->blocks_needed = (p->seq_len + B - 1) / B;
  count_shared_blocks (self);

  /* The traditional cache reserves R tokens for every sample. */
  if (!kvp_checked_mul (S * p->max_seq_len, self->bytes_per_token, &self->traditional_bytes, error) ||
      !compute_held (self, error))
    return FALSE;

  /* A model with a layout in vLLM's pool: a block id holds B tokens of one
   * group's layers, and a request holds blocks in every group (a sliding
   * group no more than its window and the tokens in flight allow), so the
   * sequence needs what vLLM's admission charges it, which at max_seq_len is
   * at most the count max_concurrency divides by.  (One sample only:
   * kvp_params_validate refuses more with a layout.) */
  if (p->layout != NULL)
    {
      guint64 stored = layout_stored_slots (p);

      self->blocks_needed = kvp_pool_layout_blocks (p->layout, p->seq_len, p->max_seq_len, p->block_size);
      self->blocks_held = self->own_blocks = self->blocks_without_sharing = self->blocks_needed;
      if (!kvp_checked_mul (self->blocks_needed * B, slot_bytes, &self->paged_bytes, error))
        return FALSE;
      self->paged_waste_tokens = self->blocks_needed * B - stored;
      self->window_freed_slots = p->layout->num_groups * p->seq_len - stored;
      self->paged_waste_bytes = self->paged_waste_tokens * slot_bytes;
      self->fits = self->blocks_needed <= self->usable_blocks;
      self->paged_capacity = N / self->blocks_needed;
    }

  /* A pool of a few million blocks of a very large model may pass 2^64
   * bytes: the pool mark is then past any bar, as at G_MAXUINT64. */
  if (!g_uint64_checked_mul (&self->pool_bytes, N * B, slot_bytes))
    self->pool_bytes = G_MAXUINT64;

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

  self->traditional_waste_tokens = S * (p->max_seq_len - p->seq_len);
  self->traditional_waste_bytes = self->traditional_waste_tokens * self->bytes_per_token;

  /* Reservations of max_seq_len tokens of the real layers that the pool's
   * bytes hold: pool_bytes / traditional_bytes, in layer tokens so that a
   * pool past 2^64 bytes is counted too (N × B × 65,536 layers is below
   * 2^51).  Padding layers are the pool's cost, not the traditional
   * cache's: counting them (a reservation in every group) made Gemma 3's
   * capacity 70/62 too small beside its bytes. */
  self->traditional_capacity = N * B * slot_layers / (S * p->max_seq_len * model_layers);

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
        guint64 blocks = kvp_vllm_blocks_held (layout->kinds[k].kind, layout->kinds[k].window, p->seq_len,
                                               p->max_seq_len, layout->max_in_flight_tokens, p->block_size);
        KvpSeqId seq = first ? self->seq : kvp_block_pool_add_sequence (self->pool);
        guint64 tokens = MIN (p->seq_len, blocks * p->block_size);

        first = FALSE;
        if (!kvp_block_pool_append (self->pool, seq, tokens, error))
          return FALSE;
      }
  return TRUE;
}

/* Parallel sampling as the paper does it: the prompt is written once, the
 * samples are forks of it (every prompt block's reference count is the
 * number of samples), and each sample then writes its own tokens: the first
 * write into the shared, partly filled last prompt block copies it. */
static gboolean
store_samples (KvpComparison  *self,
               GError        **error)
{
  const KvpParams *p = &self->params;

  if (!kvp_block_pool_append (self->pool, self->seq, p->prompt_len, error))
    return FALSE;
  self->sample_seqs[0] = self->seq;
  for (guint i = 1; i < p->samples; i++)
    if (!kvp_block_pool_fork (self->pool, self->seq, &self->sample_seqs[i], error))
      return FALSE;
  for (guint i = 0; i < p->samples; i++)
    if (!kvp_block_pool_append (self->pool, self->sample_seqs[i], p->seq_len - p->prompt_len, error))
      return FALSE;
  return TRUE;
}

/* The blocks the samples hold, read from the pool: each distinct block once,
 * shared when more than one sample holds it. */
static void
count_held_in_pool (KvpComparison *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  self->shared_blocks = self->own_blocks = 0;
  for (guint i = 0; i < self->params.samples; i++)
    {
      guint n = 0;
      const guint32 *table = kvp_block_pool_get_block_table (self->pool, self->sample_seqs[i], &n);

      for (guint j = 0; j < n; j++)
        {
          if (!g_hash_table_add (seen, GUINT_TO_POINTER (table[j] + 1)))
            continue;
          if (kvp_block_pool_get_ref_count (self->pool, table[j]) > 1)
            self->shared_blocks++;
          else
            self->own_blocks++;
        }
    }
  self->blocks_held = self->shared_blocks + self->own_blocks;
}

/* The pool's usage as vLLM's BlockPool.get_usage () reports it: over the
 * usable blocks, the null block left out. */
static void
set_usage (KvpComparison *self,
           guint64        blocks_used)
{
  self->blocks_used = blocks_used;
  self->blocks_free = self->usable_blocks - blocks_used;
  self->utilization_percent = 100.0 * (double) blocks_used / (double) self->usable_blocks;
}

/* A comparison of valid params with its closed-form sizes, owning a
 * reference to its model; no pool yet. */
static KvpComparison *
new_sized (const KvpParams  *params,
           GError          **error)
{
  g_autoptr(KvpComparison) self = NULL;

  if (!kvp_params_validate (params, error))
    return NULL;

  self = g_new0 (KvpComparison, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->params = *params;
  self->model = kvp_model_ref (params->model);
  self->params.model = self->model;
  if (!compute_sizes (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

KvpComparison *
kvp_comparison_new (const KvpParams  *params,
                    GError          **error)
{
  g_autoptr(KvpComparison) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = new_sized (params, error);
  if (self == NULL)
    return NULL;

  self->pool = kvp_block_pool_new (params->num_blocks, params->block_size, error);
  if (self->pool == NULL)
    return NULL;
  /* vLLM's BlockPool takes block 0 before anything else: the sequence and
   * the others' requests never get it. */
  if (self->usable_blocks < params->num_blocks)
    kvp_block_pool_reserve_null_block (self->pool);

  /* The sequence is stored in the allocator for real: the block counts below
   * are what the pool reports, not the closed form.  Other requests came
   * and went before it (kvp-pool-history.h), so its blocks are where a
   * running pool hands them out; its figures are its own blocks alone. */
  if (self->fits && params->layout == NULL &&
      !kvp_pool_history_run (self->pool, self->blocks_held, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  self->seq = kvp_block_pool_add_sequence (self->pool);
  self->sample_seqs[0] = self->seq;
  if (self->fits && !(params->layout != NULL ? append_sequence (self, &local_error)
                                             : store_samples (self, &local_error)))
    {
      g_critical ("A sequence of %" PRIu64 " tokens did not fit %u blocks: %s",
                  params->seq_len, params->num_blocks, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (self->fits && params->layout == NULL)
    {
      count_held_in_pool (self);
      if (!compute_held (self, error))
        return NULL;
    }

  /* A hybrid layout's other groups are sequences of the pool too; the
   * null block is the pool's, not theirs. */
  set_usage (self, !self->fits ? 0
                   : params->layout != NULL ? kvp_block_pool_get_num_used (self->pool) - (params->num_blocks - self->usable_blocks)
                                            : self->blocks_held);

  return g_steal_pointer (&self);
}

int
kvp_comparison_get_sample (KvpComparison *self,
                           KvpSeqId       seq)
{
  g_return_val_if_fail (self != NULL, -1);

  for (guint i = 0; i < self->params.samples; i++)
    if (self->sample_seqs[i] == seq)
      return i;
  return -1;
}

KvpComparison *
kvp_comparison_new_figures (const KvpParams  *params,
                            GError          **error)
{
  g_autoptr(KvpComparison) self = NULL;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = new_sized (params, error);
  if (self == NULL)
    return NULL;

  /* What a fresh pool reports after storing the samples. */
  set_usage (self, self->fits ? self->blocks_held : 0);

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
  /* num_blocks is vLLM's num_gpu_blocks as its log prints it; blocks_free
   * and the utilization count the usable blocks, the null block left out
   * (kvp_deploy_add_json () adds num_usable_blocks). */
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

  /* Parallel sampling; blocks_used above counts a shared block once. */
  kvp_json_add_uint (builder, "samples", p->samples);
  kvp_json_add_uint (builder, "prompt_len", p->prompt_len);
  kvp_json_add_uint (builder, "shared_blocks", self->shared_blocks);
  kvp_json_add_uint (builder, "own_blocks", self->own_blocks);
  kvp_json_add_uint (builder, "blocks_without_sharing", self->blocks_without_sharing);
  kvp_json_add_uint (builder, "sharing_saved_blocks", self->sharing_saved_blocks);
  kvp_json_add_double (builder, "sharing_saving_percent", self->sharing_saving_percent);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
