/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-step-time.c: the duration of a serving step. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <math.h>

#include "kvp-step-time.h"

gboolean
kvp_step_time_is_roofline (const KvpStepTime *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->constant_ns == 0 && self->peak_flops > 0 && self->bandwidth > 0;
}

guint64
kvp_step_time_ns (const KvpStepTime *self,
                  const KvpStepWork *work)
{
  double flops, bytes, seconds;

  g_return_val_if_fail (self != NULL && work != NULL, 1);

  if (self->constant_ns > 0)
    return self->constant_ns;
  if (!kvp_step_time_is_roofline (self))
    return KVP_STEP_TIME_DEFAULT_NS;

  /* A step is either compute-bound (prefill) or memory-bound (decode); the
   * roofline takes whichever wall it meets first. */
  flops = self->flops_per_token * (double) work->tokens + self->attn_flops_per_pair * work->attn_pairs;
  /* A step reads the experts its tokens route to: of E, each token picks
   * k, so about 1 − (1 − k/E)^tokens of them (all, for a large batch). */
  bytes = self->weight_bytes + self->kv_bytes_per_token * (double) work->kv_read;
  if (self->expert_bytes > 0)
    bytes += self->expert_bytes * (1.0 - pow (1.0 - self->expert_share, (double) work->tokens));
  seconds = MAX (flops / self->peak_flops, bytes / self->bandwidth) + self->overhead_s +
            self->allreduce_s_per_token * (double) work->tokens;

  return (guint64) MAX (llround (seconds * 1e9), 1);
}

void
kvp_step_time_init_roofline (KvpStepTime            *self,
                             const KvpRooflineInput *in)
{
  double tp;
  double peak;

  g_return_if_fail (self != NULL && in != NULL);
  g_return_if_fail (in->tensor_parallel >= 1 && in->bandwidth > 0 && in->flops_16bit > 0);

  tp = in->tensor_parallel;
  /* The tensor cores run at the weights' type: FP8 weights at the FP8 peak
   * where there is one, FP32 at TF32's half rate. */
  if (in->bytes_per_param <= 1.0 && in->flops_8bit > 0)
    peak = in->flops_8bit;
  else if (in->bytes_per_param > 2.0)
    peak = in->flops_16bit / 2;
  else
    peak = in->flops_16bit;

  *self = (KvpStepTime) { 0 };
  self->weight_bytes = in->weight_bytes > 0 ? in->weight_bytes : in->params * in->bytes_per_param / tp;
  if (in->routed_params > 0 && in->routed_params <= in->params && in->active_params < in->params)
    {
      /* The routed experts' share of the weights, and the share a token
       * uses: active = all but (E − k) / E of them. */
      self->expert_bytes = self->weight_bytes * in->routed_params / in->params;
      self->weight_bytes -= self->expert_bytes;
      self->expert_share = 1.0 - (in->params - in->active_params) / in->routed_params;
    }
  self->kv_bytes_per_token = in->kv_bytes_per_token;
  /* A multiply-add is two FLOPs per parameter per token; attention's QKᵀ
   * and PV two more per query head dimension, each. */
  self->flops_per_token = 2.0 * in->active_params / tp;
  self->attn_flops_per_pair = 4.0 * in->num_layers * in->num_heads * (double) in->head_dim / tp;
  self->peak_flops = peak * KVP_STEP_TIME_COMPUTE_EFFICIENCY;
  self->bandwidth = in->bandwidth * KVP_STEP_TIME_BANDWIDTH_EFFICIENCY;
  self->overhead_s = KVP_STEP_TIME_OVERHEAD_S;
  if (in->tensor_parallel > 1 && in->link_bandwidth > 0)
    {
      /* Two all-reduces of the hidden state per layer, a ring moving
       * 2 (TP − 1) / TP of it over the link, in 16 bits. */
      self->allreduce_s_per_token = 2.0 * in->num_layers * in->hidden_size * 2.0 * 2.0 * (tp - 1) / tp /
                                    in->link_bandwidth;
      self->overhead_s += 2.0 * in->num_layers * KVP_STEP_TIME_ALLREDUCE_S;
    }
}
