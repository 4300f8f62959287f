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
  bytes = self->weight_bytes + self->kv_bytes_per_token * (double) work->kv_read;
  seconds = MAX (flops / self->peak_flops, bytes / self->bandwidth) + self->overhead_s +
            self->allreduce_s_per_token * (double) work->tokens;

  return (guint64) MAX (llround (seconds * 1e9), 1);
}
