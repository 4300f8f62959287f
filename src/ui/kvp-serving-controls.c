/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-controls.c: the serving controls.  Changes are merged for a
 * moment, then one simulation runs in a worker with a GCancellable; a newer
 * change cancels it, and its result is dropped. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "kvp-format.h"
#include "kvp-serving-controls.h"

/* Changes this close together make one simulation. */
#define SIMULATE_DELAY_MS 150

static const double speeds[] = { 10, 30, 100, 300, 1000 };
static const KvpScheme compared_schemes[] = { KVP_SCHEME_MAX, KVP_SCHEME_POW2, KVP_SCHEME_ORACLE };

struct _KvpServingControls
{
  GtkWidget         parent_instance;

  GtkDropDown      *workload_dropdown;
  GtkStringList    *workload_list;
  GtkButton        *open_button;
  GtkSpinButton    *requests_spin;
  GtkSpinButton    *rate_spin;
  GtkSpinButton    *seed_spin;
  GtkDropDown      *scheme_dropdown;
  GtkToggleButton  *play_button;
  GtkLabel         *step_label;
  GtkDropDown      *speed_dropdown;
  GtkScale         *step_scale;
  GtkAdjustment    *step_adjustment;
  GtkLabel         *status_label;

  KvpState         *state;
  KvpGpuGroup      *gpu_group;
  KvpServingCanvas *canvas;
  KvpSimulation    *sim;
  char             *workload_file;
  GCancellable     *cancellable;
  guint             delay_id;
  gboolean          active;
  gboolean          dirty;    /* something changed while inactive */
  gboolean          syncing;
};

G_DEFINE_FINAL_TYPE (KvpServingControls, kvp_serving_controls, GTK_TYPE_WIDGET)

typedef struct
{
  KvpWorkloadOptions options;
  char              *source;
  KvpSimConfig       config;
} Job;

static void
job_free (Job *job)
{
  g_free (job->source);
  g_free (job);
}

static void
set_status (KvpServingControls *self,
            const char         *text)
{
  gtk_label_set_label (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL && *text != '\0');
}

static void
simulate_thread_cb (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(KvpWorkload) workload = NULL;
  KvpSimulation *sim;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  job->options.source = job->source;
  workload = kvp_workload_new (&job->options, &error);
  sim = workload != NULL ? kvp_simulation_new (workload, &job->config, cancellable, &error) : NULL;
  if (sim == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, sim, (GDestroyNotify) kvp_simulation_unref);
}

static void
update_step_label (KvpServingControls *self)
{
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (self->canvas);
  g_autofree char *step = NULL;
  g_autofree char *n = NULL;
  g_autofree char *text = NULL;

  if (steps == NULL)
    {
      gtk_label_set_label (self->step_label, "");
      return;
    }

  step = kvp_format_count (kvp_serving_canvas_get_step (self->canvas));
  n = kvp_format_count (kvp_serving_steps_get_n_steps (steps));
  /* Translators: where playback is, "Step 120 of 10,560". */
  text = g_strdup_printf (_("Step %s of %s"), step, n);
  gtk_label_set_label (self->step_label, text);
}

/* The run of the finished simulation, set beside the scheme chosen. */
static void
show_run (KvpServingControls *self)
{
  g_autoptr(KvpServingSteps) steps = NULL;
  guint chosen = gtk_drop_down_get_selected (self->scheme_dropdown);

  if (self->sim != NULL)
    steps = kvp_serving_steps_new (self->sim, compared_schemes[MIN (chosen, G_N_ELEMENTS (compared_schemes) - 1)],
                                   NULL);
  kvp_serving_canvas_set_steps (self->canvas, steps);

  self->syncing = TRUE;
  gtk_adjustment_set_upper (self->step_adjustment, steps != NULL ? kvp_serving_steps_get_n_steps (steps) - 1 : 0);
  gtk_adjustment_set_value (self->step_adjustment, kvp_serving_canvas_get_step (self->canvas));
  self->syncing = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->step_scale), steps != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->play_button), steps != NULL);
  update_step_label (self);
}

static void
simulated_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(KvpServingControls) self = user_data;
  g_autoptr(GError) error = NULL;
  KvpSimulation *sim;

  sim = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    {
      g_clear_pointer (&sim, kvp_simulation_unref);
      return;
    }

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sim, kvp_simulation_unref);
  self->sim = sim;
  set_status (self, error != NULL ? error->message : NULL);
  show_run (self);
}

static const char *
workload_source (KvpServingControls *self)
{
  switch (gtk_drop_down_get_selected (self->workload_dropdown))
    {
    case 0:
      return "sharegpt";
    case 1:
      return "alpaca";
    default:
      return self->workload_file != NULL ? self->workload_file : "sharegpt";
    }
}

static void
start (KvpServingControls *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Job *job;
  KvpParams params;
  KvpSimConfig config;

  g_clear_handle_id (&self->delay_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->dirty = FALSE;

  kvp_state_get_params (self->state, &params);
  if (!kvp_gpu_group_get_sim_config (self->gpu_group, &config, &error))
    {
      /* Nothing to show but why. */
      g_clear_pointer (&self->sim, kvp_simulation_unref);
      set_status (self, error->message);
      show_run (self);
      return;
    }

  self->cancellable = g_cancellable_new ();
  job = g_new0 (Job, 1);
  kvp_workload_options_init (&job->options);
  job->source = g_strdup (workload_source (self));
  job->options.n_requests = (guint) gtk_spin_button_get_value_as_int (self->requests_spin);
  job->options.request_rate = gtk_spin_button_get_value (self->rate_spin);
  job->options.seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  job->options.max_len = (guint32) params.max_seq_len;
  job->config = config;
  job->config.schemes = KVP_SCHEME_MASK_ALL;

  set_status (self, _("Simulating…"));
  task = g_task_new (NULL, self->cancellable, simulated_cb, g_object_ref (self));
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, simulate_thread_cb);
}

static gboolean
delay_cb (gpointer user_data)
{
  KvpServingControls *self = user_data;

  self->delay_id = 0;
  start (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (KvpServingControls *self)
{
  if (!self->active)
    {
      self->dirty = TRUE;
      return;
    }
  g_clear_handle_id (&self->delay_id, g_source_remove);
  self->delay_id = g_timeout_add (SIMULATE_DELAY_MS, delay_cb, self);
}

static void
input_changed_cb (KvpServingControls *self)
{
  schedule (self);
}

static void
scheme_changed_cb (KvpServingControls *self)
{
  show_run (self);
}

static void
speed_changed_cb (KvpServingControls *self)
{
  guint i = gtk_drop_down_get_selected (self->speed_dropdown);

  kvp_serving_canvas_set_speed (self->canvas, speeds[MIN (i, G_N_ELEMENTS (speeds) - 1)]);
}

static void
step_value_changed_cb (KvpServingControls *self)
{
  if (!self->syncing)
    kvp_serving_canvas_set_step (self->canvas, (guint) gtk_adjustment_get_value (self->step_adjustment));
}

static void
canvas_step_cb (KvpServingControls *self)
{
  self->syncing = TRUE;
  gtk_adjustment_set_value (self->step_adjustment, kvp_serving_canvas_get_step (self->canvas));
  self->syncing = FALSE;
  update_step_label (self);
}

static void
canvas_playing_cb (KvpServingControls *self)
{
  gboolean playing = kvp_serving_canvas_get_playing (self->canvas);

  self->syncing = TRUE;
  gtk_toggle_button_set_active (self->play_button, playing);
  self->syncing = FALSE;
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
}

static void
play_toggled_cb (KvpServingControls *self)
{
  if (!self->syncing)
    kvp_serving_canvas_set_playing (self->canvas, gtk_toggle_button_get_active (self->play_button));
}

static void
file_response_cb (GtkNativeDialog    *dialog,
                  int                 response,
                  KvpServingControls *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        kvp_serving_controls_set_workload_file (self, path);
    }
  g_object_unref (dialog);
}

static void
open_clicked_cb (KvpServingControls *self)
{
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  dialog = gtk_file_chooser_native_new (_("Open Workload File"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Workloads (JSON Lines, CSV)"));
  gtk_file_filter_add_pattern (filter, "*.jsonl");
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (file_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
kvp_serving_controls_dispose (GObject *object)
{
  KvpServingControls *self = KVP_SERVING_CONTROLS (object);
  GtkWidget *child;

  g_clear_handle_id (&self->delay_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_clear_object (&self->state);
  if (self->gpu_group != NULL)
    g_signal_handlers_disconnect_by_data (self->gpu_group, self);
  g_clear_object (&self->gpu_group);
  g_clear_object (&self->canvas);
  g_clear_pointer (&self->sim, kvp_simulation_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), KVP_TYPE_SERVING_CONTROLS);
  /* The rows around the bound controls are not bound themselves. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (kvp_serving_controls_parent_class)->dispose (object);
}

static void
kvp_serving_controls_finalize (GObject *object)
{
  KvpServingControls *self = KVP_SERVING_CONTROLS (object);

  g_free (self->workload_file);

  G_OBJECT_CLASS (kvp_serving_controls_parent_class)->finalize (object);
}

static void
kvp_serving_controls_class_init (KvpServingControlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kvp_serving_controls_dispose;
  object_class->finalize = kvp_serving_controls_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/kvpage/KvPage/kvp-serving-controls.ui");
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, workload_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, workload_list);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, open_button);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, requests_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, scheme_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, play_button);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, step_label);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, speed_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, step_scale);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, step_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, status_label);
  gtk_widget_class_bind_template_callback (widget_class, open_clicked_cb);
}

static void
kvp_serving_controls_init (KvpServingControls *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  set_status (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->step_scale), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->play_button), FALSE);

  g_signal_connect_swapped (self->workload_dropdown, "notify::selected", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (self->requests_spin, "value-changed", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (self->rate_spin, "value-changed", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (self->seed_spin, "value-changed", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (self->scheme_dropdown, "notify::selected", G_CALLBACK (scheme_changed_cb), self);
  g_signal_connect_swapped (self->speed_dropdown, "notify::selected", G_CALLBACK (speed_changed_cb), self);
  g_signal_connect_swapped (self->step_adjustment, "value-changed", G_CALLBACK (step_value_changed_cb), self);
  g_signal_connect_swapped (self->play_button, "toggled", G_CALLBACK (play_toggled_cb), self);
}

GtkWidget *
kvp_serving_controls_new (KvpState         *state,
                          KvpGpuGroup      *gpu_group,
                          KvpServingCanvas *canvas)
{
  KvpServingControls *self;

  g_return_val_if_fail (KVP_IS_STATE (state), NULL);
  g_return_val_if_fail (KVP_IS_GPU_GROUP (gpu_group), NULL);
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (canvas), NULL);

  self = g_object_new (KVP_TYPE_SERVING_CONTROLS, NULL);
  self->state = g_object_ref (state);
  self->gpu_group = g_object_ref (gpu_group);
  self->canvas = g_object_ref (canvas);
  /* The pool the simulation uses is the window's; a new model may be one
   * the simulation refuses, and a GPU leaves out vLLM's null block. */
  g_signal_connect_swapped (state, "notify::model", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (gpu_group, "notify::sizes-pool", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (state, "notify::block-size", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (state, "notify::num-blocks", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (state, "notify::max-seq-len", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_object (canvas, "notify::step", G_CALLBACK (canvas_step_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (canvas, "notify::playing", G_CALLBACK (canvas_playing_cb), self, G_CONNECT_SWAPPED);
  speed_changed_cb (self);
  self->dirty = TRUE;

  return GTK_WIDGET (self);
}

void
kvp_serving_controls_set_active (KvpServingControls *self,
                                 gboolean            active)
{
  g_return_if_fail (KVP_IS_SERVING_CONTROLS (self));

  self->active = active;
  if (!active)
    kvp_serving_canvas_set_playing (self->canvas, FALSE);
  else if (self->dirty)
    start (self);
}

void
kvp_serving_controls_toggle_play (KvpServingControls *self)
{
  g_return_if_fail (KVP_IS_SERVING_CONTROLS (self));

  if (kvp_serving_canvas_get_steps (self->canvas) != NULL)
    kvp_serving_canvas_set_playing (self->canvas, !kvp_serving_canvas_get_playing (self->canvas));
}

void
kvp_serving_controls_set_workload_file (KvpServingControls *self,
                                        const char         *path)
{
  g_autofree char *name = NULL;

  g_return_if_fail (KVP_IS_SERVING_CONTROLS (self));
  g_return_if_fail (path != NULL);

  g_free (self->workload_file);
  self->workload_file = g_strdup (path);
  name = g_filename_display_basename (path);

  /* The third entry is the file last opened. */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->workload_list)) > 2)
    gtk_string_list_remove (self->workload_list, 2);
  gtk_string_list_append (self->workload_list, name);
  gtk_drop_down_set_selected (self->workload_dropdown, 2);
  schedule (self);
}

KvpSimulation *
kvp_serving_controls_get_simulation (KvpServingControls *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CONTROLS (self), NULL);

  return self->sim;
}

gboolean
kvp_serving_controls_is_busy (KvpServingControls *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CONTROLS (self), FALSE);

  return self->delay_id != 0 || self->cancellable != NULL;
}

const char *
kvp_serving_controls_get_status (KvpServingControls *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CONTROLS (self), NULL);

  return gtk_label_get_label (self->status_label);
}
