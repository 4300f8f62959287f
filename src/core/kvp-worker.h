/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-worker.h: the debounced, cancellable worker of a state object.  A
 * change schedules a run after a short delay (while active; else it is
 * remembered); the run goes in a thread with its own GCancellable; a newer
 * run cancels the older, whose result is dropped; the owner's "busy"
 * property is notified as runs are scheduled and started.  Embedded in its
 * owner (KvpServingState, KvpCapacityState), which it does not own. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* In the thread: the result of @job, or NULL and why not. */
typedef gpointer (*KvpWorkerFunc)     (gpointer       job,
                                       GCancellable  *cancellable,
                                       GError       **error);
/* On the main thread, for the newest run only: @result (borrowed) or @error. */
typedef void     (*KvpWorkerDoneFunc) (gpointer       owner,
                                       gpointer       job,
                                       gpointer       result,
                                       const GError  *error);
/* Starts a run: called when the delay is over. */
typedef void     (*KvpWorkerStartFunc) (gpointer      owner);

typedef struct
{
  /*< private >*/
  GObject            *owner;       /* not a reference: the owner holds us */
  GParamSpec         *busy;
  guint               delay_ms;
  KvpWorkerStartFunc  start;
  guint               delay_id;
  GCancellable       *cancellable; /* the run going, if any */
  gboolean            active;
  gboolean            dirty;       /* a change while inactive */
} KvpWorker;

void     kvp_worker_init       (KvpWorker          *self,
                                gpointer            owner,
                                GParamSpec         *busy,
                                guint               delay_ms,
                                KvpWorkerStartFunc  start);
void     kvp_worker_clear      (KvpWorker          *self);
void     kvp_worker_schedule   (KvpWorker          *self);
void     kvp_worker_begin      (KvpWorker          *self);
void     kvp_worker_run        (KvpWorker          *self,
                                gpointer            job,
                                GDestroyNotify      job_free,
                                KvpWorkerFunc       func,
                                GDestroyNotify      result_free,
                                KvpWorkerDoneFunc   done);
gboolean kvp_worker_get_busy   (const KvpWorker    *self);
gboolean kvp_worker_get_active (const KvpWorker    *self);
gboolean kvp_worker_get_dirty  (const KvpWorker    *self);
gboolean kvp_worker_set_active (KvpWorker          *self,
                                gboolean            active);

G_END_DECLS
