/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-step-time.h: how long one model iteration of a serving run lasts — a
 * constant, or a roofline over the step's work: the larger of its FLOPs over
 * the GPU's peak and its bytes over the GPU's memory bandwidth, plus a fixed
 * per-step overhead. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The default without a GPU: a decode step of OPT-13B on one A100 at the
 * batch sizes of the PagedAttention paper's §6.2. */
#define KVP_STEP_TIME_DEFAULT_NS (G_GUINT64_CONSTANT (40000000))
/* The longest constant step --step-time takes: one minute. */
#define KVP_STEP_TIME_MAX_NS     (G_GUINT64_CONSTANT (60000000000))

typedef struct
{
  guint64 constant_ns;         /* > 0: every step lasts this; 0: the roofline,
                                  or KVP_STEP_TIME_DEFAULT_NS without one */
  /* The roofline, used when constant_ns is 0 and peak_flops > 0. */
  double  weight_bytes;        /* one GPU's weights, read once a step */
  double  kv_bytes_per_token;  /* one GPU's KV of one token, all layers */
  double  flops_per_token;     /* 2 × the active parameters, over the GPUs */
  double  attn_flops_per_pair; /* one query against one key, all layers,
                                  over the GPUs (QK and PV: 4 × heads × dim) */
  double  peak_flops;          /* the GPU's dense peak × its efficiency */
  double  bandwidth;           /* bytes/s: the HBM's × its efficiency */
  double  overhead_s;          /* scheduling, launch and sampling per step */
  double  allreduce_s_per_token; /* tensor parallelism's all-reduces */
} KvpStepTime;

/* What one step computes: tokens scheduled, the KV tokens its attention
 * reads (each scheduled request's context, written ones included), and the
 * query × key pairs of its attention. */
typedef struct
{
  guint64 tokens;
  guint64 kv_read;
  double  attn_pairs;
} KvpStepWork;

gboolean kvp_step_time_is_roofline (const KvpStepTime *self);
/* Nanoseconds, at least 1. */
guint64  kvp_step_time_ns          (const KvpStepTime *self,
                                    const KvpStepWork *work);

G_END_DECLS
