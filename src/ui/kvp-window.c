/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window.c: the main window.  Controls edit one KvpParams; changes are
 * recomputed through the core once per frame at most, however many slider
 * events arrive (in a worker thread for big pools), and handed to the canvas,
 * which animates to them. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "kvp-export.h"
#include "kvp-format.h"
#include "kvp-settings.h"
#include "kvp-ui.h"
#include "kvp-window-private.h"

/* Saving waits until the controls have been still this long. */
#define SAVE_DELAY_MS 1000

/* Pools from this size on are built in a worker thread. */
#define THREAD_MIN_BLOCKS (128u * 1024u)

/* The sliders over powers of two. */
#define BLOCK_SIZE_SLIDER_MAX_LOG2  8   /* 256; the spin button goes on to 1024 */
#define NUM_BLOCKS_SLIDER_MAX_LOG2  20  /* 1,048,576; the spin button to 16,777,216 */
#define MAX_SEQ_LEN_SLIDER_MAX_LOG2 24  /* 16,777,216 */

struct _KvpWindow
{
  GtkApplicationWindow parent_instance;

  /* Template children */
  KvpCanvas           *canvas;
  GtkLabel            *subtitle_label;
  GtkMenuButton       *menu_button;
  GtkLabel            *model_label;
  GtkDropDown         *model_dropdown;
  GtkLabel            *dtype_label;
  GtkDropDown         *dtype_dropdown;
  GtkLabel            *seq_len_label;
  GtkSpinButton       *seq_len_spin;
  GtkScale            *seq_len_scale;
  GtkAdjustment       *seq_len_adjustment;
  GtkAdjustment       *seq_len_spin_adjustment;
  GtkLabel            *block_size_label;
  GtkSpinButton       *block_size_spin;
  GtkScale            *block_size_scale;
  GtkAdjustment       *block_size_adjustment;
  GtkAdjustment       *block_size_spin_adjustment;
  GtkLabel            *num_blocks_label;
  GtkSpinButton       *num_blocks_spin;
  GtkScale            *num_blocks_scale;
  GtkAdjustment       *num_blocks_adjustment;
  GtkAdjustment       *num_blocks_spin_adjustment;
  GtkLabel            *max_seq_len_label;
  GtkSpinButton       *max_seq_len_spin;
  GtkScale            *max_seq_len_scale;
  GtkAdjustment       *max_seq_len_adjustment;
  GtkAdjustment       *max_seq_len_spin_adjustment;

  GSettings           *settings;
  KvpParams            params;
  KvpComparison       *comparison;

  guint                recompute_id;
  guint                recompute_tick_id;
  guint64              generation;        /* of params; one more per change */
  guint64              shown_generation;  /* of the comparison shown */
  gboolean             job_running;
  gboolean             disposed;
  guint                save_id;
  gboolean             syncing;   /* controls are being set from params */
  gint64               last_recompute_time;
};

static void start_job        (KvpWindow *self);
static void cancel_recompute (KvpWindow *self);

G_DEFINE_FINAL_TYPE (KvpWindow, kvp_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static guint
find_model_index (const KvpModel *model)
{
  const KvpModel *presets;
  guint n_presets;

  presets = kvp_model_get_presets (&n_presets);
  for (guint i = 0; i < n_presets; i++)
    if (&presets[i] == model || g_strcmp0 (presets[i].key, model->key) == 0)
      return i;

  return 0;
}

static guint64
log_slider_to_count (GtkAdjustment *adjustment)
{
  return (guint64) llround (exp2 (gtk_adjustment_get_value (adjustment)));
}

/* Moves a log-scale slider to count, unless it already points there:
 * re-setting it from the rounded count would make a dragged knob jitter.
 * A slider of whole powers of two (snap) sits on the nearest one, so a key
 * press moves to the next power rather than past it. */
static void
set_log_slider (GtkAdjustment *adjustment,
                guint64        count,
                gboolean       snap)
{
  double value = log2 ((double) count);

  if (log_slider_to_count (adjustment) != count)
    gtk_adjustment_set_value (adjustment, snap ? round (value) : value);
}

static void
set_adjustment (GtkAdjustment *adjustment,
                double         value,
                double         upper,
                double         page)
{
  gtk_adjustment_configure (adjustment, value, 1, upper,
                            gtk_adjustment_get_step_increment (adjustment),
                            page, 0);
}

/* Takes the text it is given. */
static void
set_value_text (GtkScale *scale,
                char     *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text,
                                  -1);
  g_free (text);
}

static void
sync_controls (KvpWindow *self)
{
  const KvpParams *p = &self->params;
  g_autofree char *subtitle = NULL;
  double seq_page = MAX (1.0, floor (p->max_seq_len / 16.0));

  self->syncing = TRUE;

  gtk_drop_down_set_selected (self->model_dropdown, find_model_index (p->model));
  gtk_drop_down_set_selected (self->dtype_dropdown, p->dtype);

  /* The sequence is at most the reservation: its range follows it. */
  set_adjustment (self->seq_len_adjustment, p->seq_len, p->max_seq_len, seq_page);
  set_adjustment (self->seq_len_spin_adjustment, p->seq_len, p->max_seq_len, seq_page);

  set_log_slider (self->block_size_adjustment, p->block_size, TRUE);
  gtk_adjustment_set_value (self->block_size_spin_adjustment, p->block_size);

  set_log_slider (self->num_blocks_adjustment, p->num_blocks, FALSE);
  gtk_adjustment_set_value (self->num_blocks_spin_adjustment, p->num_blocks);

  set_log_slider (self->max_seq_len_adjustment, p->max_seq_len, FALSE);
  gtk_adjustment_set_value (self->max_seq_len_spin_adjustment, p->max_seq_len);

  /* The log-scale sliders hold exponents: screen readers hear the count. */
  set_value_text (self->block_size_scale, kvp_format_tokens (p->block_size));
  set_value_text (self->num_blocks_scale, kvp_format_blocks (p->num_blocks));
  set_value_text (self->max_seq_len_scale, kvp_format_tokens (p->max_seq_len));

  /* Translators: the window subtitle, a model name and a KV cache type,
   * e.g. "TinyLlama 1.1B · fp16". */
  subtitle = g_strdup_printf (_("%s · %s"), p->model->name, kvp_dtype_to_string (p->dtype));
  gtk_label_set_label (self->subtitle_label, subtitle);

  self->syncing = FALSE;
}

/* Hands a fresh comparison to the canvas, which builds its scene and starts
 * the transition. */
static void
show_comparison (KvpWindow     *self,
                 KvpComparison *cmp,
                 guint64        generation,
                 gint64         begin)
{
  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  self->comparison = kvp_comparison_ref (cmp);
  self->shown_generation = generation;
  kvp_canvas_set_comparison (self->canvas, cmp);

  self->last_recompute_time = g_get_monotonic_time () - begin;
  g_debug ("Recomputed %u blocks in %.2f ms (scene %.2f ms)",
           cmp->params.num_blocks,
           self->last_recompute_time / 1000.0,
           kvp_canvas_get_last_build_time (self->canvas) / 1000.0);
}

static void
recompute_now (KvpWindow *self)
{
  g_autoptr(KvpComparison) cmp = NULL;
  g_autoptr(GError) error = NULL;
  gint64 begin = g_get_monotonic_time ();

  cancel_recompute (self);

  cmp = kvp_comparison_new (&self->params, &error);
  if (cmp == NULL)
    {
      /* The params are clamped to what the core accepts, so this is a bug. */
      g_critical ("Could not compare the KV caches: %s", error->message);
      return;
    }

  show_comparison (self, cmp, self->generation, begin);
}

typedef struct
{
  KvpParams params;
  guint64   generation;
  gint64    begin;
} Job;

static void
compare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  KvpComparison *cmp;

  cmp = kvp_comparison_new (&job->params, &error);
  if (cmp == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, cmp, (GDestroyNotify) kvp_comparison_unref);
}

static void
compare_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KvpWindow *self = KVP_WINDOW (object);
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(KvpComparison) cmp = NULL;
  g_autoptr(GError) error = NULL;

  self->job_running = FALSE;
  cmp = g_task_propagate_pointer (G_TASK (result), &error);

  if (cmp == NULL)
    g_critical ("Could not compare the KV caches: %s", error->message);
  else if (job->generation > self->shown_generation && !self->disposed)
    /* Even if the values moved on meanwhile: it is newer than what is shown,
     * and a slider dragged without pause must still move the picture. */
    show_comparison (self, cmp, job->generation, job->begin);

  /* The values moved on while this one was computed: compute the latest. */
  if (self->shown_generation != self->generation && !self->disposed)
    start_job (self);
}

static void
start_job (KvpWindow *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  job = g_new0 (Job, 1);
  job->params = self->params;
  job->generation = self->generation;
  job->begin = g_get_monotonic_time ();

  self->job_running = TRUE;
  task = g_task_new (self, NULL, compare_done_cb, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, g_free);
  g_task_run_in_thread (task, compare_thread);
}

static void
cancel_recompute (KvpWindow *self)
{
  g_clear_handle_id (&self->recompute_id, g_source_remove);
  if (self->recompute_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->recompute_tick_id);
      self->recompute_tick_id = 0;
    }
}

static void
run_queued_recompute (KvpWindow *self)
{
  /* A pool this big takes longer to build than a frame lasts: build it in a
   * thread, one at a time, so the slider keeps moving; the newest values are
   * computed when the running job ends. */
  if (self->params.num_blocks >= THREAD_MIN_BLOCKS)
    {
      cancel_recompute (self);
      if (!self->job_running)
        start_job (self);
    }
  else
    {
      recompute_now (self);
    }
}

static gboolean
recompute_idle_cb (gpointer user_data)
{
  KvpWindow *self = user_data;

  self->recompute_id = 0;
  run_queued_recompute (self);

  return G_SOURCE_REMOVE;
}

static gboolean
recompute_tick_cb (GtkWidget     *widget,
                   GdkFrameClock *frame_clock,
                   gpointer       user_data)
{
  KvpWindow *self = KVP_WINDOW (widget);

  self->recompute_tick_id = 0;
  run_queued_recompute (self);

  return G_SOURCE_REMOVE;
}

/* Merges every change until the next frame into one recompute.  The frame
 * clock's update phase comes before layout and paint, so the new picture is
 * in that very frame; while a slider is dragged, input keeps the main loop
 * too busy for idles, so the idle is only for a window not on screen. */
static void
queue_recompute (KvpWindow *self)
{
  self->generation++;

  if (self->recompute_id == 0)
    self->recompute_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 10,
                                          recompute_idle_cb, self, NULL);

  if (self->recompute_tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->recompute_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self),
                                                            recompute_tick_cb, NULL, NULL);
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  KvpWindow *self = user_data;

  self->save_id = 0;
  if (self->settings != NULL)
    kvp_settings_save_params (self->settings, &self->params);

  return G_SOURCE_REMOVE;
}

static void
queue_save (KvpWindow *self)
{
  if (self->settings == NULL)
    return;

  g_clear_handle_id (&self->save_id, g_source_remove);
  self->save_id = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
}

static void
change_params (KvpWindow       *self,
               const KvpParams *params)
{
  KvpParams clamped = *params;

  kvp_params_clamp (&clamped);

  if (kvp_params_equal (&clamped, &self->params))
    {
      /* A control may still show a value that was clamped away. */
      sync_controls (self);
      return;
    }

  self->params = clamped;
  sync_controls (self);
  queue_recompute (self);
}

static void
change_params_from_control (KvpWindow       *self,
                            const KvpParams *params)
{
  if (self->syncing)
    return;

  change_params (self, params);
  queue_save (self);
}

static void
setup_dropdowns (KvpWindow *self)
{
  g_autoptr(GtkStringList) models = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) dtypes = gtk_string_list_new (NULL);
  const KvpModel *presets;
  guint n_presets;

  presets = kvp_model_get_presets (&n_presets);
  for (guint i = 0; i < n_presets; i++)
    gtk_string_list_append (models, presets[i].name);

  for (guint i = 0; i < KVP_N_DTYPES; i++)
    {
      guint size = kvp_dtype_get_size (i);
      g_autofree char *text = NULL;

      /* Translators: a KV cache type and the bytes one element takes,
       * e.g. "fp16 (2 bytes)". */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (%u byte)", "%s (%u bytes)", size),
                              kvp_dtype_to_string (i), size);
      gtk_string_list_append (dtypes, text);
    }

  self->syncing = TRUE;
  gtk_drop_down_set_model (self->model_dropdown, G_LIST_MODEL (models));
  gtk_drop_down_set_model (self->dtype_dropdown, G_LIST_MODEL (dtypes));
  self->syncing = FALSE;
}

static void
setup_scales (KvpWindow *self)
{
  /* Whole steps: the block size snaps to powers of two, the sequence to
   * whole tokens.  The other two move smoothly over a log scale. */
  gtk_range_set_round_digits (GTK_RANGE (self->seq_len_scale), 0);
  gtk_range_set_round_digits (GTK_RANGE (self->block_size_scale), 0);
  gtk_range_set_round_digits (GTK_RANGE (self->num_blocks_scale), 3);
  gtk_range_set_round_digits (GTK_RANGE (self->max_seq_len_scale), 3);

  for (guint i = 0; i <= BLOCK_SIZE_SLIDER_MAX_LOG2; i++)
    {
      g_autofree char *markup = NULL;

      if (i % 2 == 0)
        markup = g_strdup_printf ("<small>%u</small>", 1u << i);
      gtk_scale_add_mark (self->block_size_scale, i, GTK_POS_BOTTOM, markup);
    }
}

static void
setup_accessible_labels (KvpWindow *self)
{
  const struct {
    GtkLabel  *label;
    GtkWidget *widgets[2];
  } pairs[] = {
    { self->model_label, { GTK_WIDGET (self->model_dropdown), NULL } },
    { self->dtype_label, { GTK_WIDGET (self->dtype_dropdown), NULL } },
    { self->seq_len_label, { GTK_WIDGET (self->seq_len_spin), GTK_WIDGET (self->seq_len_scale) } },
    { self->block_size_label, { GTK_WIDGET (self->block_size_spin), GTK_WIDGET (self->block_size_scale) } },
    { self->num_blocks_label, { GTK_WIDGET (self->num_blocks_spin), GTK_WIDGET (self->num_blocks_scale) } },
    { self->max_seq_len_label, { GTK_WIDGET (self->max_seq_len_spin), GTK_WIDGET (self->max_seq_len_scale) } },
  };

  /* Each control is named by the visible label above it. */
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    for (guint j = 0; j < G_N_ELEMENTS (pairs[i].widgets); j++)
      if (pairs[i].widgets[j] != NULL)
        gtk_accessible_update_relation (GTK_ACCESSIBLE (pairs[i].widgets[j]),
                                        GTK_ACCESSIBLE_RELATION_LABELLED_BY, pairs[i].label, NULL,
                                        -1);
}

static void
model_selected_cb (GtkDropDown *dropdown,
                   GParamSpec  *pspec,
                   KvpWindow   *self)
{
  const KvpModel *presets;
  KvpParams params = self->params;
  guint n_presets;
  guint selected = gtk_drop_down_get_selected (dropdown);

  presets = kvp_model_get_presets (&n_presets);
  if (self->syncing || selected >= n_presets || &presets[selected] == params.model)
    return;

  /* A model comes with its context length: the traditional cache reserves
   * it, and the sequence is kept inside it. */
  params.model = &presets[selected];
  params.max_seq_len = params.model->max_context;
  params.seq_len = MIN (params.seq_len, params.max_seq_len);
  change_params_from_control (self, &params);
}

static void
dtype_selected_cb (GtkDropDown *dropdown,
                   GParamSpec  *pspec,
                   KvpWindow   *self)
{
  KvpParams params = self->params;
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (selected >= KVP_N_DTYPES)
    return;

  params.dtype = selected;
  change_params_from_control (self, &params);
}

/* The count a control shows: the log-scale slider holds an exponent, its
 * spin button the count itself. */
static guint64
control_count (GtkAdjustment *adjustment,
               GtkAdjustment *log_slider)
{
  if (adjustment == log_slider)
    return log_slider_to_count (adjustment);

  return (guint64) llround (gtk_adjustment_get_value (adjustment));
}

static void
seq_len_changed_cb (GtkAdjustment *adjustment,
                    KvpWindow     *self)
{
  KvpParams params = self->params;

  params.seq_len = control_count (adjustment, NULL);
  change_params_from_control (self, &params);
}

static void
block_size_changed_cb (GtkAdjustment *adjustment,
                       KvpWindow     *self)
{
  KvpParams params = self->params;

  params.block_size = control_count (adjustment, self->block_size_adjustment);
  change_params_from_control (self, &params);
}

static void
num_blocks_changed_cb (GtkAdjustment *adjustment,
                       KvpWindow     *self)
{
  KvpParams params = self->params;

  params.num_blocks = control_count (adjustment, self->num_blocks_adjustment);
  change_params_from_control (self, &params);
}

static void
max_seq_len_changed_cb (GtkAdjustment *adjustment,
                        KvpWindow     *self)
{
  KvpParams params = self->params;

  params.max_seq_len = control_count (adjustment, self->max_seq_len_adjustment);

  /* A shorter reservation takes the sequence with it. */
  params.seq_len = MIN (params.seq_len, params.max_seq_len);
  change_params_from_control (self, &params);
}

static void
kvp_window_constructed (GObject *object)
{
  KvpWindow *self = KVP_WINDOW (object);
  KvpParams params;

  G_OBJECT_CLASS (kvp_window_parent_class)->constructed (object);

  if (self->settings != NULL)
    {
      int width, height;
      gboolean maximized;

      kvp_settings_load_params (self->settings, &params);
      kvp_settings_load_window_state (self->settings, &width, &height, &maximized);
      gtk_window_set_default_size (GTK_WINDOW (self), width, height);
      if (maximized)
        gtk_window_maximize (GTK_WINDOW (self));
    }
  else
    {
      kvp_params_init_default (&params);
    }

  change_params (self, &params);
  queue_recompute (self);
}

static gboolean
kvp_window_close_request (GtkWindow *window)
{
  kvp_window_save_state (KVP_WINDOW (window));

  return GTK_WINDOW_CLASS (kvp_window_parent_class)->close_request (window);
}

static void
kvp_window_dispose (GObject *object)
{
  KvpWindow *self = KVP_WINDOW (object);

  self->disposed = TRUE;
  cancel_recompute (self);
  g_clear_handle_id (&self->save_id, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), KVP_TYPE_WINDOW);

  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (kvp_window_parent_class)->dispose (object);
}

static void
kvp_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KvpWindow *self = KVP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  KvpWindow *self = KVP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_window_class_init (KvpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  kvp_ui_init ();

  object_class->constructed = kvp_window_constructed;
  object_class->dispose = kvp_window_dispose;
  object_class->get_property = kvp_window_get_property;
  object_class->set_property = kvp_window_set_property;

  window_class->close_request = kvp_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/kvp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, canvas);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, model_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, model_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, dtype_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, dtype_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, seq_len_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, seq_len_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, seq_len_scale);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, seq_len_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, seq_len_spin_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, block_size_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, block_size_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, block_size_scale);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, block_size_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, block_size_spin_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, num_blocks_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, num_blocks_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, num_blocks_scale);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, num_blocks_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, num_blocks_spin_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, max_seq_len_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, max_seq_len_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, max_seq_len_scale);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, max_seq_len_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, max_seq_len_spin_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, model_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, dtype_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, seq_len_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, block_size_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, num_blocks_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, max_seq_len_changed_cb);

  _kvp_window_class_actions_init (widget_class);
}

static void
kvp_window_init (KvpWindow *self)
{
  /* The template's signal handlers fire while it is built; nothing is set
   * up to receive them yet. */
  self->syncing = TRUE;
  kvp_params_init_default (&self->params);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->syncing = FALSE;

  setup_dropdowns (self);
  setup_scales (self);
  setup_accessible_labels (self);
}

KvpWindow *
kvp_window_new (GtkApplication  *application,
                GSettings       *settings,
                const KvpParams *params)
{
  KvpWindow *self;

  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KVP_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       NULL);

  if (params != NULL)
    kvp_window_set_params (self, params);

  return self;
}

void
kvp_window_get_params (KvpWindow *self,
                       KvpParams *out_params)
{
  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (out_params != NULL);

  *out_params = self->params;
}

void
kvp_window_set_params (KvpWindow       *self,
                       const KvpParams *params)
{
  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (params != NULL);

  change_params (self, params);
}

void
kvp_window_reset (KvpWindow *self)
{
  KvpParams params;

  g_return_if_fail (KVP_IS_WINDOW (self));

  kvp_params_init_default (&params);
  change_params (self, &params);
  queue_save (self);
}

KvpComparison *
kvp_window_get_comparison (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  if (self->comparison == NULL || self->shown_generation != self->generation)
    recompute_now (self);

  return self->comparison;
}

KvpCanvas *
kvp_window_get_canvas (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  return self->canvas;
}

gboolean
kvp_window_export (KvpWindow   *self,
                   const char  *path,
                   GError     **error)
{
  KvpComparison *cmp;
  KvpExportFormat format;
  int width = gtk_widget_get_width (GTK_WIDGET (self->canvas));
  int height = gtk_widget_get_height (GTK_WIDGET (self->canvas));
  double scale = 1.0;

  g_return_val_if_fail (KVP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kvp_export_format_from_path (path, &format, error))
    return FALSE;

  /* What is on screen, at twice the pixels for a sharp PNG; a window never
   * shown exports like the command line does. */
  if (width <= 0 || height <= 0)
    {
      width = KVP_EXPORT_DEFAULT_WIDTH;
      height = KVP_EXPORT_DEFAULT_HEIGHT;
    }
  else if (format == KVP_EXPORT_PNG)
    {
      scale = 2.0;
    }

  cmp = kvp_window_get_comparison (self);
  g_return_val_if_fail (cmp != NULL, FALSE);

  return kvp_export_write (cmp, kvp_canvas_get_theme (self->canvas), path,
                           width, height, scale, error);
}

void
kvp_window_copy (KvpWindow *self)
{
  g_autoptr(GdkTexture) texture = NULL;

  g_return_if_fail (KVP_IS_WINDOW (self));

  kvp_window_get_comparison (self);
  texture = kvp_canvas_render_texture (self->canvas);
  if (texture == NULL)
    return;

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (self)), texture);
}

void
kvp_window_save_state (KvpWindow *self)
{
  int width = 0;
  int height = 0;

  g_return_if_fail (KVP_IS_WINDOW (self));

  g_clear_handle_id (&self->save_id, g_source_remove);

  if (self->settings == NULL)
    return;

  kvp_settings_save_params (self->settings, &self->params);
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  kvp_settings_save_window_state (self->settings, width, height,
                                  gtk_window_is_maximized (GTK_WINDOW (self)));
}

gint64
kvp_window_get_last_recompute_time (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), 0);

  return self->last_recompute_time;
}
