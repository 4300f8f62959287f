/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-sim-command.h: what kvpage --simulate does once the model, the pool
 * and the GPU options are read: the scheduler's and the workload's options,
 * the run, and its output. */

#pragma once

#include <glib.h>

#include "kvp-deploy.h"
#include "kvp-simulation.h"
#include "kvp-sweep.h"
#include "kvp-workload.h"

G_BEGIN_DECLS

/* --max-num-seqs at most this. */
#define KVP_SIM_COMMAND_MAX_SEQS (1024u * 1024u)

/* The options that only mean something for a simulation (--simulate, and
 * except --csv for --export --view serving). */
const char * const *kvp_sim_command_get_options (guint *n_options);

/* The simulation's configuration from the pool (kvp_deploy_get_sim_config)
 * and the scheduler's and time's options.  KVP_ERROR_INVALID naming the
 * option. */
gboolean kvp_sim_command_get_config (GVariantDict        *options,
                                     const KvpDeploy     *deploy,
                                     const KvpParams     *params,
                                     KvpSimConfig        *out_config,
                                     GError             **error);
/* That, and the workload's options but the rate (--workload, --requests,
 * --seed) and the schemes (schemes, or --schemes when 0). */
gboolean kvp_sim_command_prepare    (GVariantDict        *options,
                                     const KvpDeploy     *deploy,
                                     const KvpParams     *params,
                                     guint                schemes,
                                     KvpWorkloadOptions  *out_workload,
                                     KvpSimConfig        *out_config,
                                     GError             **error);
/* The workload of one run: wopts with --request-rate; KVP_ERROR_INVALID
 * when a value is wrong, or when --seed is given and has nothing to draw
 * (fixed lengths or a file's, and no rate). */
KvpWorkload *kvp_sim_command_new_workload (GVariantDict        *options,
                                           KvpWorkloadOptions  *wopts,
                                           GError             **error);
/* The sweep --request-rate names (START:STOP:STEP or a list), with
 * --max-normalized-latency's limit: KVP_ERROR_INVALID when the rate is not a
 * sweep or a value is wrong. */
KvpSweep *kvp_sim_command_sweep     (GVariantDict        *options,
                                     KvpWorkloadOptions  *wopts,
                                     const KvpSimConfig  *config,
                                     GError             **error);
/* kvpage --simulate: tables on stdout, or --json, and/or --csv.  Returns the
 * exit status, having said on stderr what went wrong. */
int      kvp_sim_command_run        (GVariantDict        *options,
                                     const KvpDeploy     *deploy,
                                     const KvpParams     *params,
                                     gboolean             json);

G_END_DECLS
