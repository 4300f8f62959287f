/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-scheduler.h: one scheme of a serving run, scheduled as vLLM v1 does (see
 * kvp-simulation.h for the rules), summarised as it goes and recorded as
 * steps and events only when asked. */

#pragma once

#include <gio/gio.h>

#include "kvp-simulation.h"

G_BEGIN_DECLS

typedef struct
{
  KvpWorkload        *workload;
  const KvpSimConfig *config;      /* with its defaults filled in */
  KvpScheme           scheme;
  GCancellable       *cancellable;
  GArray             *steps;       /* KvpSimStep, or NULL: not recorded */
  GArray             *events;      /* KvpSimEvent, or NULL */
  KvpSimStepFunc      step_func;   /* or NULL */
  gpointer            user_data;
  GArray             *finished;    /* KvpSimFinished in finish order, or NULL */
  GArray             *cached_free_log; /* paged: the pool's log of cached free
                                          blocks (kvp_block_pool_set_cached_free_log),
                                          or NULL */
} KvpSchedulerRun;

/* Runs the scheme to the end into out.  Fails with G_IO_ERROR_CANCELLED, or
 * KVP_ERROR_INVALID when the record would pass KVP_SIMULATION_MAX_STEPS. */
gboolean kvp_scheduler_run         (const KvpSchedulerRun *run,
                                    KvpSimStats           *out,
                                    GError               **error);

/* Sets the error of a run whose steps would pass KVP_SIMULATION_MAX_STEPS. */
void     kvp_scheduler_set_too_many_steps (GError   **error,
                                           KvpScheme  scheme);

/* Slots a reserve-ahead scheme asks the buddy allocator for. */
guint64  kvp_scheduler_reservation (KvpScheme              scheme,
                                    const KvpRequest      *request,
                                    guint32                max_seq_len);

/* The tokens a request computes in a step, given what it holds and what it
 * must hold before it emits its next token (target: prompt + generated),
 * the budget left and the prefill chunk limit (0: none).  *slots: the slots
 * it takes (one more when the step emits a token after a prefill), *emits:
 * whether the step emits a token.  The scheduler and the replay of its
 * events share it, so a snapshot is the run's state to the token. */
static inline guint32
kvp_scheduler_chunk (guint32   held,
                     guint32   target,
                     guint32   budget,
                     guint32   threshold,
                     guint32  *slots,
                     gboolean *emits)
{
  guint32 n;

  if (held >= target)
    {
      /* Decoding: one token, its slot, one token out. */
      *slots = 1;
      *emits = TRUE;
      return 1;
    }

  n = target - held;
  if (threshold > 0 && n > threshold)
    n = threshold;
  if (n > budget)
    n = budget;
  *emits = held + n == target;
  *slots = n + (*emits ? 1 : 0);

  return n;
}

G_END_DECLS
