/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-sweep.h: the same workload served at a series of request rates, each
 * rate its own run, and the capacity: the highest rate a scheme serves
 * within a mean normalized latency — the PagedAttention paper's Figure 12. */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kvp-simulation.h"
#include "kvp-workload.h"

G_BEGIN_DECLS

/* The default --max-normalized-latency, seconds per output token. */
#define KVP_SWEEP_DEFAULT_MAX_NORMALIZED_LATENCY 0.2
#define KVP_SWEEP_MAX_RATES 1000u

typedef struct _KvpSweep KvpSweep;

/* Whether a --request-rate text is a sweep: START:STOP:STEP or a list. */
gboolean        kvp_sweep_is_sweep        (const char                *text);
/* The rates of start:stop:step (stop included, when start + i × step
 * reaches it): how many, and (for at most KVP_SWEEP_MAX_RATES) the rates
 * themselves, each the decimal a person means — 0.3 in 0.1:0.5:0.1, not
 * 0.30000000000000004. */
double          kvp_sweep_range_size      (double                     start,
                                           double                     stop,
                                           double                     step);
GArray         *kvp_sweep_range_new       (double                     start,
                                           double                     stop,
                                           double                     step);
/* "1:4:0.5" (start, stop included, step) or "1,2,4": rates in increasing
 * order, each a valid --request-rate above 0, at most KVP_SWEEP_MAX_RATES.
 * KVP_ERROR_INVALID naming the text and what is wrong. */
GArray         *kvp_sweep_parse_rates     (const char                *text,
                                           GError                   **error);

/* Whether options' workload can be swept at rates, as kvp_sweep_new()
 * checks before it runs any: each rate from KVP_WORKLOAD_MIN_RATE to
 * KVP_WORKLOAD_MAX_RATE, a workload that takes a rate (a file with arrival
 * times of its own takes none), and at the lowest rate its requests
 * arriving within KVP_WORKLOAD_MAX_ARRIVAL_STEPS.  KVP_ERROR_INVALID in one
 * plain sentence that names no option, for the command line and the window
 * alike; a workload that cannot be made at any rate gives its own error. */
gboolean        kvp_sweep_check_rates     (const KvpWorkloadOptions  *options,
                                           const double              *rates,
                                           guint                      n_rates,
                                           GError                   **error);

/* Runs options' workload at every rate (Poisson arrivals at that rate, the
 * same seed) through config's schemes, summaries only, the rates on the
 * machine's cores at once.  The result does not depend on how many run at
 * once. */
KvpSweep       *kvp_sweep_new             (const KvpWorkloadOptions  *options,
                                           const KvpSimConfig        *config,
                                           const double              *rates,
                                           guint                      n_rates,
                                           double                     max_normalized_latency,
                                           GError                   **error);
/* The same, cancellable (checked every few thousand steps of each run):
 * G_IO_ERROR_CANCELLED once it is cancelled. */
KvpSweep       *kvp_sweep_new_full        (const KvpWorkloadOptions  *options,
                                           const KvpSimConfig        *config,
                                           const double              *rates,
                                           guint                      n_rates,
                                           double                     max_normalized_latency,
                                           GCancellable              *cancellable,
                                           GError                   **error);
KvpSweep       *kvp_sweep_ref             (KvpSweep                  *self);
void            kvp_sweep_unref           (KvpSweep                  *self);

guint           kvp_sweep_get_n_rates     (KvpSweep                  *self);
double          kvp_sweep_get_rate        (KvpSweep                  *self,
                                           guint                      i);
gboolean        kvp_sweep_has_scheme      (KvpSweep                  *self,
                                           KvpScheme                  scheme);
const KvpSimStats *kvp_sweep_get_stats    (KvpSweep                  *self,
                                           guint                      i,
                                           KvpScheme                  scheme);
double          kvp_sweep_get_max_normalized_latency (KvpSweep       *self);
/* The highest swept rate whose mean normalized latency is within the
 * limit; FALSE when none is. */
gboolean        kvp_sweep_get_capacity    (KvpSweep                  *self,
                                           KvpScheme                  scheme,
                                           double                    *out_rate);
/* Whether the capacity is only a lower bound: the scheme is within the
 * limit at the highest swept rate, so where it ends lies above the sweep.
 * FALSE when it has no capacity or ends within the sweep. */
gboolean        kvp_sweep_capacity_is_lower_bound (KvpSweep          *self,
                                                   KvpScheme          scheme);

/* {"workload": {…}, "max_normalized_latency": s, "sweep": [{"request_rate":
 * r, "schemes": {…}}, …], "capacity": {"paged": r or null, …},
 * "capacity_is_lower_bound": {"paged": true or false, …}}. */
JsonNode       *kvp_sweep_to_json         (KvpSweep                  *self);
/* Rate × scheme: the header (REQUEST RATE, then the schemes), one row per
 * rate of mean normalized latencies, then one row of capacities ("≥ r"
 * for a lower bound). */
GPtrArray      *kvp_sweep_get_table       (KvpSweep                  *self,
                                           guint                     *n_columns);
/* The workload, the scheduler and the capacity's limit, for above it. */
char           *kvp_sweep_describe        (KvpSweep                  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpSweep, kvp_sweep_unref)

G_END_DECLS
