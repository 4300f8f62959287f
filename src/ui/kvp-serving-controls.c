/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-controls.c: the serving controls, a view of KvpServingState
 * (which runs the simulation): each control bound to its property, the run
 * shown on the serving canvas, or why there is none drawn in its place. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "kvp-count-row.h"
#include "kvp-format.h"
#include "kvp-serving-controls.h"

/* Simulated seconds a second. */
static const double speeds[] = { 1, 10, 100, 1000 };
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
  GtkAdjustment    *step_adjustment;  /* seconds */
  GtkButton        *paged_end_button;
  GtkLabel         *status_label;
  GtkLabel         *pool_label;

  GtkAdjustment    *requests_adjustment;
  GtkAdjustment    *rate_adjustment;
  GtkAdjustment    *seed_adjustment;

  KvpServingState  *serving;
  KvpServingCanvas *canvas;
  GBindingGroup    *bindings;
};

G_DEFINE_FINAL_TYPE (KvpServingControls, kvp_serving_controls, GTK_TYPE_WIDGET)

static void
set_status (KvpServingControls *self,
            const char         *text)
{
  gtk_label_set_label (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL && *text != '\0');
}

static void
update_step_label (KvpServingControls *self)
{
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (self->canvas);
  g_autofree char *step = NULL;
  g_autofree char *n = NULL;
  g_autofree char *now = NULL;
  g_autofree char *end = NULL;
  g_autofree char *text = NULL;

  if (steps == NULL)
    {
      gtk_label_set_label (self->step_label, "");
      return;
    }

  step = kvp_format_count (kvp_serving_canvas_get_step (self->canvas));
  n = kvp_format_count (kvp_serving_steps_get_n_steps (steps));
  /* The picture's formatter: the same time reads the same in both. */
  now = kvp_format_seconds (kvp_serving_steps_get_time (steps, kvp_serving_canvas_get_step (self->canvas)));
  end = kvp_format_seconds (kvp_serving_steps_get_end (steps));
  /* Translators: where playback is, two times ("12.34 s") and steps:
   * "12.34 s of 98.7 s (step 120 of 10,560)". */
  text = g_strdup_printf (_("%s of %s (step %s of %s)"), now, end, step, n);
  gtk_label_set_label (self->step_label, text);
}

/* The run of the finished simulation, set beside the scheme chosen. */
static void
show_run (KvpServingControls *self)
{
  g_autoptr(KvpServingSteps) steps = NULL;
  KvpSimulation *sim = kvp_serving_state_get_simulation (self->serving);

  if (sim != NULL)
    steps = kvp_serving_steps_new (sim, kvp_serving_state_get_compared (self->serving), NULL);
  kvp_serving_canvas_set_steps (self->canvas, steps);

  gtk_adjustment_set_upper (self->step_adjustment, steps != NULL ? kvp_serving_steps_get_end (steps) / 1e9 : 0);
  gtk_adjustment_set_value (self->step_adjustment,
                            steps != NULL ? kvp_serving_steps_get_time (steps, kvp_serving_canvas_get_step (self->canvas)) / 1e9
                                          : 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->step_scale), steps != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->paged_end_button), steps != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->play_button), steps != NULL);
  update_step_label (self);
}

/* What the panel says under the controls, and, with no run, what the
 * picture says instead of one. */
static void
show_status (KvpServingControls *self)
{
  const char *error = kvp_serving_state_get_error (self->serving);
  gboolean no_run = kvp_serving_state_get_simulation (self->serving) == NULL;

  if (error != NULL)
    set_status (self, error);
  else
    set_status (self, kvp_serving_state_get_busy (self->serving) ? _("Simulating…") : NULL);

  if (error != NULL && no_run)
    kvp_serving_canvas_set_refusal (self->canvas,
                                    kvp_serving_state_get_refused (self->serving)
                                    ? _("vLLM would not start") : _("No simulation"),
                                    error);
  else
    kvp_serving_canvas_set_refusal (self->canvas, NULL, NULL);

  /* A refusal that kept the run is a file not read (a bad file changes
   * nothing but the message): said in the picture too, over the run. */
  if (error != NULL && !no_run)
    {
      g_autofree char *reason = g_strconcat (error, "\n", _("The previous run is still shown."), NULL);

      kvp_serving_canvas_set_notice (self->canvas, _("The workload file was not used"), reason);
    }
  else
    kvp_serving_canvas_set_notice (self->canvas, NULL, NULL);
}

/* The run's pool as --simulate describes it: with a GPU, vLLM's blocks less
 * block 0, its null block, which is why the Block count above reads one
 * more. */
static void
show_pool (KvpServingControls *self)
{
  KvpSimulation *sim = kvp_serving_state_get_simulation (self->serving);
  KvpDeployState *deploy = NULL;
  const KvpDeploy *sized;
  g_autofree char *pool = NULL;

  g_object_get (self->serving, "deploy", &deploy, NULL);
  sized = kvp_deploy_state_get_deploy (deploy);
  if (sim != NULL && sized != NULL)
    pool = kvp_deploy_describe_sim_pool (sized, kvp_simulation_get_config (sim));
  gtk_label_set_label (self->pool_label, pool != NULL ? pool : "");
  gtk_widget_set_visible (GTK_WIDGET (self->pool_label), pool != NULL);
  g_object_unref (deploy);
}

static void
simulation_changed_cb (KvpServingControls *self)
{
  show_run (self);
  show_status (self);
  show_pool (self);
}

/* The drop-down entry after the built-ins is the file last read. */
static void
workload_file_cb (KvpServingControls *self)
{
  const char *path = kvp_serving_state_get_workload_file (self->serving);
  g_autofree char *name = path != NULL ? g_filename_display_basename (path) : NULL;
  guint n_builtins = g_strv_length ((char **) kvp_workload_get_builtins ());

  if (name == NULL)
    return;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->workload_list)) > n_builtins)
    gtk_string_list_splice (self->workload_list, n_builtins, 1, (const char *[]) { name, NULL });
  else
    gtk_string_list_append (self->workload_list, name);
}

/* With Requests left alone, the spin shows the count the run used: all of
 * a file's rows, or the generators' default. */
static guint
requests_shown (KvpServingControls *self)
{
  guint n = kvp_serving_state_get_n_requests (self->serving);

  return n > 0 ? n : KVP_WORKLOAD_DEFAULT_REQUESTS;
}

static gboolean
requests_to_spin (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  guint requests = g_value_get_uint (from);

  g_value_set_double (to, requests > 0 ? requests : requests_shown (user_data));
  return TRUE;
}

static gboolean
spin_to_requests (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  KvpServingControls *self = user_data;
  guint value = (guint) g_value_get_double (from);

  /* Showing the count in use is not asking for it. */
  if (kvp_serving_state_get_requests (self->serving) == 0 && value == requests_shown (self))
    return FALSE;
  g_value_set_uint (to, value);
  return TRUE;
}

/* The request count grouped as the header beside it groups it ("1,000"),
 * and read back the same way. */
static gboolean
requests_output_cb (GtkSpinButton *spin)
{
  g_autofree char *text = kvp_format_count ((guint64) gtk_spin_button_get_value (spin));

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (spin)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
requests_input_cb (GtkSpinButton *spin,
                   double        *new_value)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  guint64 value;

  if (!kvp_count_parse (text, kvp_format_count_separator (), &value))
    return GTK_INPUT_ERROR;
  *new_value = (double) value;
  return TRUE;
}

/* The rate with its unit, so that its label fits on one line ("2.5/s"),
 * read back with or without the unit. */
static const char *
rate_unit (void)
{
  /* Translators: the unit after a request rate in its spin button, "2.5/s". */
  return C_("rate unit", "/s");
}

/* One decimal, or as many as the rate has down to core's least rate
 * (0.001): 0.25 a second reads "0.25/s", not "0.3/s". */
static int
rate_digits (double rate)
{
  int digits = 1;

  while (digits < 3 && fabs (rate * pow (10, digits) - round (rate * pow (10, digits))) > 1e-6)
    digits++;
  return digits;
}

static gboolean
rate_output_cb (GtkSpinButton *spin)
{
  double rate = gtk_spin_button_get_value (spin);
  g_autofree char *text = g_strdup_printf ("%.*f%s", rate_digits (rate), rate, rate_unit ());

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (spin)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
rate_input_cb (GtkSpinButton *spin,
               double        *new_value)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  char *end;
  double value;

  if (g_str_has_suffix (text, rate_unit ()))
    text[strlen (text) - strlen (rate_unit ())] = '\0';
  g_strchomp (text);
  value = g_strtod (text, &end);
  if (text[0] == '\0' || *end != '\0' || !isfinite (value))
    {
      /* The spin button takes *new_value even then: text that is no rate
       * leaves the rate as it was, not 0. */
      *new_value = gtk_spin_button_get_value (spin);
      return GTK_INPUT_ERROR;
    }
  *new_value = value;
  return TRUE;
}

static void
n_requests_cb (KvpServingControls *self)
{
  if (kvp_serving_state_get_requests (self->serving) == 0)
    gtk_adjustment_set_value (self->requests_adjustment, requests_shown (self));
}

/* The drop-down's rows are the built-ins in their order, then the file. */
static gboolean
workload_to_row (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  const char * const *builtins = kvp_workload_get_builtins ();
  const char *source = g_value_get_string (from);
  guint row = 0;

  while (builtins[row] != NULL && g_strcmp0 (source, builtins[row]) != 0)
    row++;
  g_value_set_uint (to, row);
  return TRUE;
}

static gboolean
row_to_workload (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  KvpServingControls *self = user_data;
  guint row = g_value_get_uint (from);

  if (row < g_strv_length ((char **) kvp_workload_get_builtins ()))
    g_value_set_string (to, kvp_workload_get_builtins ()[row]);
  else if (kvp_serving_state_get_workload_file (self->serving) != NULL)
    g_value_set_string (to, kvp_serving_state_get_workload_file (self->serving));
  else
    return FALSE;
  return TRUE;
}

static gboolean
scheme_to_row (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (compared_schemes); i++)
    if ((int) compared_schemes[i] == g_value_get_int (from))
      {
        g_value_set_uint (to, i);
        return TRUE;
      }
  return FALSE;
}

static gboolean
row_to_scheme (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  guint row = g_value_get_uint (from);

  if (row >= G_N_ELEMENTS (compared_schemes))
    return FALSE;
  g_value_set_int (to, compared_schemes[row]);
  return TRUE;
}

static void
speed_changed_cb (KvpServingControls *self)
{
  guint i = gtk_drop_down_get_selected (self->speed_dropdown);

  kvp_serving_canvas_set_speed (self->canvas, speeds[MIN (i, G_N_ELEMENTS (speeds) - 1)]);
}

static void
canvas_playing_cb (KvpServingControls *self)
{
  gboolean playing = kvp_serving_canvas_get_playing (self->canvas);

  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
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
paged_end_clicked_cb (KvpServingControls *self)
{
  kvp_serving_canvas_go_to_paged_end (self->canvas);
}

/* The scale is in seconds: a step shows where it starts, and a time picks
 * the step running then. */
static gboolean
step_to_seconds (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  KvpServingControls *self = user_data;
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (self->canvas);
  guint step = g_value_get_uint (from);

  if (steps == NULL || step >= kvp_serving_steps_get_n_steps (steps))
    return FALSE;
  g_value_set_double (to, kvp_serving_steps_get_time (steps, step) / 1e9);
  return TRUE;
}

static gboolean
seconds_to_step (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  KvpServingControls *self = user_data;
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (self->canvas);
  double seconds = MAX (g_value_get_double (from), 0.0);

  if (steps == NULL)
    return FALSE;
  g_value_set_uint (to, kvp_serving_steps_find_time (steps, (guint64) llround (seconds * 1e9)));
  return TRUE;
}

static void
kvp_serving_controls_dispose (GObject *object)
{
  KvpServingControls *self = KVP_SERVING_CONTROLS (object);
  GtkWidget *child;

  if (self->bindings != NULL)
    g_binding_group_set_source (self->bindings, NULL);
  g_clear_object (&self->bindings);
  if (self->serving != NULL)
    g_signal_handlers_disconnect_by_data (self->serving, self);
  g_clear_object (&self->serving);
  g_clear_object (&self->canvas);
  gtk_widget_dispose_template (GTK_WIDGET (self), KVP_TYPE_SERVING_CONTROLS);
  /* The rows around the bound controls are not bound themselves. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (kvp_serving_controls_parent_class)->dispose (object);
}

static void
kvp_serving_controls_class_init (KvpServingControlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kvp_serving_controls_dispose;

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
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, paged_end_button);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, status_label);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, pool_label);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, requests_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, rate_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpServingControls, seed_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, open_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, paged_end_clicked_cb);
}

static void
kvp_serving_controls_init (KvpServingControls *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  set_status (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->step_scale), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->play_button), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->paged_end_button), FALSE);

  /* The spin buttons' ranges are core's. */
  gtk_adjustment_set_upper (self->requests_adjustment, KVP_WORKLOAD_MAX_REQUESTS);
  gtk_adjustment_set_upper (self->rate_adjustment, KVP_WORKLOAD_MAX_RATE);
  /* Every seed a double holds exactly. */
  gtk_adjustment_set_upper (self->seed_adjustment, 9007199254740992.0);

  g_signal_connect_swapped (self->speed_dropdown, "notify::selected", G_CALLBACK (speed_changed_cb), self);
  g_signal_connect (self->requests_spin, "output", G_CALLBACK (requests_output_cb), NULL);
  g_signal_connect (self->requests_spin, "input", G_CALLBACK (requests_input_cb), NULL);
  requests_output_cb (self->requests_spin);
  g_signal_connect (self->rate_spin, "output", G_CALLBACK (rate_output_cb), NULL);
  g_signal_connect (self->rate_spin, "input", G_CALLBACK (rate_input_cb), NULL);
  rate_output_cb (self->rate_spin);
}

/* The controls are views of the serving state, each bound to its property. */
static void
bind_controls (KvpServingControls *self)
{
  GBindingGroup *b = self->bindings;
  GBindingFlags both = G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL;

  g_binding_group_bind_full (b, "workload", self->workload_dropdown, "selected", both,
                             workload_to_row, row_to_workload, self, NULL);
  g_binding_group_bind_full (b, "requests", self->requests_adjustment, "value", both,
                             requests_to_spin, spin_to_requests, self, NULL);
  g_binding_group_bind (b, "rate", self->rate_adjustment, "value", both);
  g_binding_group_bind (b, "seed", self->seed_adjustment, "value", both);
  g_binding_group_bind_full (b, "compared", self->scheme_dropdown, "selected", both,
                             scheme_to_row, row_to_scheme, NULL, NULL);
  g_binding_group_set_source (b, self->serving);

  /* The step shown is the state's; the scale is a view of it. */
  g_object_bind_property (self->serving, "step", self->canvas, "step", both);
  g_object_bind_property_full (self->canvas, "step", self->step_adjustment, "value", both,
                               step_to_seconds, seconds_to_step, self, NULL);
  g_object_bind_property (self->canvas, "playing", self->play_button, "active", both);
}

GtkWidget *
kvp_serving_controls_new (KvpServingState  *serving,
                          KvpServingCanvas *canvas)
{
  KvpServingControls *self;

  g_return_val_if_fail (KVP_IS_SERVING_STATE (serving), NULL);
  g_return_val_if_fail (KVP_IS_SERVING_CANVAS (canvas), NULL);

  self = g_object_new (KVP_TYPE_SERVING_CONTROLS, NULL);
  self->serving = g_object_ref (serving);
  self->canvas = g_object_ref (canvas);
  self->bindings = g_binding_group_new ();
  workload_file_cb (self);
  bind_controls (self);

  g_signal_connect_swapped (serving, "notify::simulation", G_CALLBACK (simulation_changed_cb), self);
  g_signal_connect_swapped (serving, "notify::compared", G_CALLBACK (show_run), self);
  g_signal_connect_swapped (serving, "notify::error", G_CALLBACK (show_status), self);
  g_signal_connect_swapped (serving, "notify::busy", G_CALLBACK (show_status), self);
  g_signal_connect_swapped (serving, "notify::workload-file", G_CALLBACK (workload_file_cb), self);
  g_signal_connect_swapped (serving, "notify::n-requests", G_CALLBACK (n_requests_cb), self);
  g_signal_connect_object (canvas, "notify::step", G_CALLBACK (update_step_label), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (canvas, "notify::playing", G_CALLBACK (canvas_playing_cb), self, G_CONNECT_SWAPPED);
  speed_changed_cb (self);
  simulation_changed_cb (self);

  return GTK_WIDGET (self);
}

void
kvp_serving_controls_set_active (KvpServingControls *self,
                                 gboolean            active)
{
  g_return_if_fail (KVP_IS_SERVING_CONTROLS (self));

  if (!active)
    kvp_serving_canvas_set_playing (self->canvas, FALSE);
  kvp_serving_state_set_active (self->serving, active);
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
  g_return_if_fail (KVP_IS_SERVING_CONTROLS (self));
  g_return_if_fail (path != NULL);

  kvp_serving_state_open_workload_file (self->serving, path);
}

KvpSimulation *
kvp_serving_controls_get_simulation (KvpServingControls *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CONTROLS (self), NULL);

  return kvp_serving_state_get_simulation (self->serving);
}

gboolean
kvp_serving_controls_is_busy (KvpServingControls *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CONTROLS (self), FALSE);

  return kvp_serving_state_get_busy (self->serving);
}

const char *
kvp_serving_controls_get_status (KvpServingControls *self)
{
  g_return_val_if_fail (KVP_IS_SERVING_CONTROLS (self), NULL);

  return gtk_label_get_label (self->status_label);
}
