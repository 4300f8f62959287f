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
  double  weight_bytes;        /* one GPU's weights but routed experts',
                                  read once a step */
  double  expert_bytes;        /* one GPU's routed experts (MoE) */
  double  expert_share;        /* the share of them one token uses: k / E */
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

/* The roofline's derating, calibrated against published vLLM measurements
 * (see the README): the share of the datasheet peak a step reaches. */
#define KVP_STEP_TIME_COMPUTE_EFFICIENCY   0.6
#define KVP_STEP_TIME_BANDWIDTH_EFFICIENCY 0.8
/* Scheduling, kernel launches and sampling, per step. */
#define KVP_STEP_TIME_OVERHEAD_S           0.0005
/* One all-reduce's latency; tensor parallelism runs two per layer. */
#define KVP_STEP_TIME_ALLREDUCE_S          0.00001

/* What the roofline is built from: the model, split over the GPUs, and the
 * GPU's datasheet peaks. */
typedef struct
{
  double params;            /* the whole model's parameters */
  double active_params;     /* those a token passes through (MoE) */
  double routed_params;     /* MoE: all routed experts; 0 for a dense model */
  double bytes_per_param;   /* the weights' type: 2 for BF16, 1 for FP8 */
  double weight_bytes;      /* one GPU's weights; 0: params × bytes / TP */
  double kv_bytes_per_token;/* one GPU's KV of one token, all layers */
  guint  tensor_parallel;
  guint  num_layers;
  guint  num_heads;         /* query heads of the whole model */
  guint  head_dim;
  guint  hidden_size;
  double flops_16bit;       /* the GPU's dense FP16/BF16 tensor peak */
  double flops_8bit;        /* its FP8 peak, 0 without */
  double bandwidth;         /* its memory's bytes/s */
  double link_bandwidth;    /* GPU to GPU, one way, bytes/s */
} KvpRooflineInput;

/* Fills self with the roofline of input, derated as above. */
void     kvp_step_time_init_roofline (KvpStepTime            *self,
                                      const KvpRooflineInput *input);
gboolean kvp_step_time_is_roofline (const KvpStepTime *self);
/* Nanoseconds, at least 1. */
guint64  kvp_step_time_ns          (const KvpStepTime *self,
                                    const KvpStepWork *work);

G_END_DECLS
