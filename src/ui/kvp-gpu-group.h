/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu-group.h: the window's GPU group — a view of a KvpDeployState: the
 * GPU, its memory, the utilization, the tensor-parallel size, the KV cache
 * memory, the weights and the activation reserve, each bound to the state's
 * property; the GPU's memory on one scale, vLLM's start-up lines, and why
 * vLLM would not start when it would not. */

#pragma once

#include <gtk/gtk.h>

#include "kvp-deploy-state.h"

G_BEGIN_DECLS

#define KVP_TYPE_GPU_GROUP (kvp_gpu_group_get_type ())

G_DECLARE_FINAL_TYPE (KvpGpuGroup, kvp_gpu_group, KVP, GPU_GROUP, GtkWidget)

void            kvp_gpu_group_set_deploy_state (KvpGpuGroup    *self,
                                                KvpDeployState *deploy);
/* TRUE while a GPU sets the block count ("sizes-pool"). */
gboolean        kvp_gpu_group_get_sizes_pool   (KvpGpuGroup    *self);

G_END_DECLS
