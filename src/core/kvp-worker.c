/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-worker.c: the debounced, cancellable worker of a state object. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-worker.h"

/* One run: what the thread computes and who hears of it. */
typedef struct
{
  KvpWorker         *worker;
  gpointer           job;
  GDestroyNotify     job_free;
  KvpWorkerFunc      func;
  GDestroyNotify     result_free;
  KvpWorkerDoneFunc  done;
} Run;

static void
run_free (Run *run)
{
  if (run->job_free != NULL)
    run->job_free (run->job);
  g_free (run);
}

static void
notify_busy (KvpWorker *self)
{
  g_object_notify_by_pspec (self->owner, self->busy);
}

void
kvp_worker_init (KvpWorker          *self,
                 gpointer            owner,
                 GParamSpec         *busy,
                 guint               delay_ms,
                 KvpWorkerStartFunc  start)
{
  g_return_if_fail (G_IS_OBJECT (owner));
  g_return_if_fail (busy != NULL && start != NULL);

  *self = (KvpWorker) {
    .owner = owner,
    .busy = busy,
    .delay_ms = delay_ms,
    .start = start,
    .dirty = TRUE,  /* nothing has run yet */
  };
}

/* From the owner's dispose: nothing runs or reports after it. */
void
kvp_worker_clear (KvpWorker *self)
{
  g_clear_handle_id (&self->delay_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static gboolean
delay_cb (gpointer user_data)
{
  KvpWorker *self = user_data;

  self->delay_id = 0;
  self->start (self->owner);
  return G_SOURCE_REMOVE;
}

/* A change: a run after the delay, or, while inactive, one when active. */
void
kvp_worker_schedule (KvpWorker *self)
{
  if (!self->active)
    {
      self->dirty = TRUE;
      return;
    }
  g_clear_handle_id (&self->delay_id, g_source_remove);
  self->delay_id = g_timeout_add (self->delay_ms, delay_cb, self);
  notify_busy (self);
}

/* Before a new run: the delay and the run going are dropped. */
void
kvp_worker_begin (KvpWorker *self)
{
  kvp_worker_clear (self);
  self->dirty = FALSE;
}

static void
run_thread_cb (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Run *run = task_data;
  GError *error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (task))
    return;
  result = run->func (run->job, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, run->result_free);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GObject) owner = user_data;
  g_autoptr(GError) error = NULL;
  GTask *task = G_TASK (result);
  Run *run = g_task_get_task_data (task);
  gpointer value = g_task_propagate_pointer (task, &error);

  /* A cancelled run, or one a newer run took over, says nothing. */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      g_task_get_cancellable (task) == run->worker->cancellable)
    {
      g_clear_object (&run->worker->cancellable);
      run->done (owner, run->job, value, error);
    }
  if (value != NULL)
    run->result_free (value);
}

/* Runs @func on @job in a thread; @done hears of it if no newer run came.
 * The owner is kept alive until then. */
void
kvp_worker_run (KvpWorker         *self,
                gpointer           job,
                GDestroyNotify     job_free,
                KvpWorkerFunc      func,
                GDestroyNotify     result_free,
                KvpWorkerDoneFunc  done)
{
  g_autoptr(GTask) task = NULL;
  Run *run = g_new0 (Run, 1);

  *run = (Run) {
    .worker = self,
    .job = job,
    .job_free = job_free,
    .func = func,
    .result_free = result_free,
    .done = done,
  };
  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, run_done_cb, g_object_ref (self->owner));
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  g_task_run_in_thread (task, run_thread_cb);
  notify_busy (self);
}

/* A run is scheduled or going. */
gboolean
kvp_worker_get_busy (const KvpWorker *self)
{
  return self->cancellable != NULL || self->delay_id != 0;
}

gboolean
kvp_worker_get_active (const KvpWorker *self)
{
  return self->active;
}

/* Something changed since the last run began. */
gboolean
kvp_worker_get_dirty (const KvpWorker *self)
{
  return self->dirty;
}

/* TRUE if @active is new: the owner notifies it, and runs if dirty. */
gboolean
kvp_worker_set_active (KvpWorker *self,
                       gboolean   active)
{
  active = !!active;
  if (active == self->active)
    return FALSE;
  self->active = active;
  return TRUE;
}
