/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-deploy-state.h: the GPU side of what the window shows, as one object
 * beside KvpState: the GPU, its memory, the utilization, the tensor-parallel
 * size, the KV cache memory, the weights and the activation reserve.  It
 * sizes the pool as vLLM would (kvp_deploy_apply (), the command line's own
 * sizing) whenever one of them or the state's model, type, block size or
 * reserved length changes, and writes the block count into the state.
 *
 * When vLLM would not start (no memory left, the reserved length does not
 * fit), that is a state too: "refusal" holds the reason, in the window's
 * words (the controls named, not the options), and the block count stays
 * as it was for the views to show the refusal instead of it.
 *
 * Properties (read-write): "gpu" (a preset key, "custom" for "gpu-memory",
 * or "" for none), "gpu-memory", "utilization", "tensor-parallel-size",
 * "kv-cache-memory" (0: from the budget), "weights-memory" (0: estimated),
 * "activation-memory".  Read-only: "sizes-pool", "uses-budget", "refusal",
 * "log".  No GTK. */

#pragma once

#include <gio/gio.h>

#include "kvp-deploy.h"
#include "kvp-state.h"
#include "kvp-vllm-log.h"

G_BEGIN_DECLS

#define KVP_DEPLOY_STATE_CUSTOM_GPU "custom"

#define KVP_TYPE_DEPLOY_STATE (kvp_deploy_state_get_type ())

G_DECLARE_FINAL_TYPE (KvpDeployState, kvp_deploy_state, KVP, DEPLOY_STATE, GObject)

KvpDeployState  *kvp_deploy_state_new            (KvpState        *state);

KvpState        *kvp_deploy_state_get_state      (KvpDeployState  *self);
/* The config.json the state's model came from, so the sizing knows its
 * layers; NULL for a preset.  Set it before the state's model: the model
 * chosen sizes the pool (a config whose model is shown already does now). */
void             kvp_deploy_state_set_config     (KvpDeployState  *self,
                                                  KvpModelConfig  *config);
/* The whole model (the state shows one GPU's share of it). */
const KvpModel  *kvp_deploy_state_get_base_model (KvpDeployState  *self);

const char      *kvp_deploy_state_get_gpu        (KvpDeployState  *self);
void             kvp_deploy_state_set_gpu        (KvpDeployState  *self,
                                                  const char      *key);
double           kvp_deploy_state_get_utilization (KvpDeployState *self);
void             kvp_deploy_state_set_utilization (KvpDeployState *self,
                                                   double          utilization);
guint            kvp_deploy_state_get_tensor_parallel_size (KvpDeployState *self);
void             kvp_deploy_state_set_tensor_parallel_size (KvpDeployState *self,
                                                            guint           size);

/* TRUE while the GPU or the KV memory sizes the block count. */
gboolean         kvp_deploy_state_get_sizes_pool (KvpDeployState  *self);
/* TRUE while the KV memory comes from the GPU's budget (utilization,
 * weights and activation reserve apply). */
gboolean         kvp_deploy_state_get_uses_budget (KvpDeployState *self);
/* Why vLLM would not start, in the window's words; NULL when it would. */
const char      *kvp_deploy_state_get_refusal    (KvpDeployState  *self);
/* vLLM's start-up lines, one per line, or "" when the pool is not sized. */
const char      *kvp_deploy_state_get_log        (KvpDeployState  *self);
/* The last sizing that succeeded for the values now (budget, sizing,
 * per-GPU model), or NULL while there is none. */
const KvpDeploy *kvp_deploy_state_get_deploy     (KvpDeployState  *self);

/* The pool the serving view simulates, as --simulate does for the same
 * choices (kvp_sim_command_get_config () with no options: the roofline's
 * step time with a GPU); FALSE with the reason, in the
 * window's words, when there is none. */
gboolean         kvp_deploy_state_get_sim_config (KvpDeployState  *self,
                                                  KvpSimConfig    *out_config,
                                                  GError         **error);

/* Calls @callback (swapped: @gobject is its one argument) for as long as
 * @gobject lives, whenever the simulated pool may change: the model, block
 * size, block count or maximum length, whether a GPU sizes the pool, or a
 * refusal. */
void             kvp_deploy_state_watch_sim_config (KvpDeployState *self,
                                                    GCallback       callback,
                                                    gpointer        gobject);

/* The options' names in @message replaced by the controls' ("raise GPU
 * memory utilization"): a reason the command line gives, said in the window. */
char            *kvp_deploy_state_name_controls  (const char      *message);

/* Takes the choices of @deploy (as the command line parsed them). */
void             kvp_deploy_state_set_choices    (KvpDeployState  *self,
                                                  const KvpDeploy *deploy);

/* The same, and the engine's options the window has no control for
 * (--max-num-batched-tokens, --no-async-scheduling, --block-size left to
 * vLLM's backend, --allow-long-max-model-len): the state the command line
 * builds, sized at once. */
void             kvp_deploy_state_set_command_line (KvpDeployState  *self,
                                                    const KvpDeploy *deploy);

/* A vLLM start-up log taken by the window, as --from-log takes it with the
 * model shown: the figure-by-figure comparison ("from_log" of --json), and
 * the log's settings and measured pool replace the state's and the
 * estimates (the block count it logs, else its KV cache memory).  NULL with
 * KVP_ERROR_INVALID when the window's model contradicts the log. */
JsonNode        *kvp_deploy_state_apply_log       (KvpDeployState    *self,
                                                   const KvpVllmLog  *log,
                                                   GError           **error);

G_END_DECLS
