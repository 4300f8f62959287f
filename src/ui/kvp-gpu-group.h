/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu-group.h: the window's GPU group — a GPU, its memory utilization
 * and the tensor-parallel size — which sizes the block pool as vLLM does,
 * draws the GPU's memory on one scale and shows vLLM's start-up lines. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-model-config.h"
#include "kvp-simulation.h"
#include "kvp-state.h"

G_BEGIN_DECLS

#define KVP_TYPE_GPU_GROUP (kvp_gpu_group_get_type ())

G_DECLARE_FINAL_TYPE (KvpGpuGroup, kvp_gpu_group, KVP, GPU_GROUP, GtkWidget)

void            kvp_gpu_group_set_state      (KvpGpuGroup    *self,
                                              KvpState       *state);
/* The config.json a model came from, so the sizing knows its layers; NULL
 * for a preset. */
void            kvp_gpu_group_set_config     (KvpGpuGroup    *self,
                                              KvpModelConfig *config);
/* The whole model shown (the state holds one GPU's share of it). */
const KvpModel *kvp_gpu_group_get_base_model (KvpGpuGroup    *self);
/* Chooses a GPU preset by key, or none with NULL. */
void            kvp_gpu_group_set_gpu        (KvpGpuGroup    *self,
                                              const char     *key);
/* The other two controls: a fraction in (0, 1], and 1 … 1024 GPUs. */
void            kvp_gpu_group_set_utilization          (KvpGpuGroup *self,
                                                        double       utilization);
void            kvp_gpu_group_set_tensor_parallel_size (KvpGpuGroup *self,
                                                        guint        tensor_parallel_size);
/* TRUE while a GPU sets the block count ("sizes-pool"). */
gboolean        kvp_gpu_group_get_sizes_pool (KvpGpuGroup    *self);
/* The pool the serving view simulates, as --simulate does for the same
 * choices: the state's block count, or while a GPU sizes it vLLM's blocks
 * less its null block; a config with sliding-window or chunked layers is
 * refused (kvp_deploy_get_sim_config ()). */
gboolean        kvp_gpu_group_get_sim_config (KvpGpuGroup    *self,
                                              KvpSimConfig   *out_config,
                                              GError        **error);
/* vLLM's lines, one per line, or "" without a GPU. */
const char     *kvp_gpu_group_get_log        (KvpGpuGroup    *self);

G_END_DECLS
