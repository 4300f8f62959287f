/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu-group.c: the GPU group.  The sizing is kvp-deploy's, the same the
 * command line uses; it takes microseconds, so it runs as values change. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "kvp-deploy.h"
#include "kvp-format.h"
#include "kvp-gpu-group.h"

struct _KvpGpuGroup
{
  GtkWidget       parent_instance;

  /* Template children */
  GtkLabel       *gpu_label;
  GtkDropDown    *gpu_dropdown;
  GtkWidget      *memory_row;
  GtkLabel       *memory_label;
  GtkEntry       *memory_entry;
  GtkLabel       *utilization_label;
  GtkSpinButton  *utilization_spin;
  GtkLabel       *tp_label;
  GtkSpinButton  *tp_spin;
  GtkLabel       *error_label;
  GtkWidget      *details;
  GtkDrawingArea *memory_bar;
  GtkLabel       *legend_label;
  GtkLabel       *capacity_label;
  GtkLabel       *log_label;

  KvpState       *state;
  KvpModelConfig *config;
  const KvpModel *base;       /* the whole model */
  /* The share the state shows, when TP > 1; kept for the process, as a
   * recompute in the state's worker or an export may still read it. */
  const KvpModel *per_gpu;
  guint           per_gpu_tp;
  KvpGpuBudget    budget;
  gboolean        has_budget;
  gboolean        sizes_pool;
  char           *log;
  gboolean        updating;
};

G_DEFINE_FINAL_TYPE (KvpGpuGroup, kvp_gpu_group, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SIZES_POOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Drop-down rows: None, the presets, a custom size. */
static guint
n_gpus (void)
{
  guint n;

  kvp_gpu_get_presets (&n);
  return n;
}

static void
set_sizes_pool (KvpGpuGroup *self,
                gboolean     sizes_pool)
{
  if (self->sizes_pool == sizes_pool)
    return;
  self->sizes_pool = sizes_pool;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZES_POOL]);
}

static void
show_error (KvpGpuGroup *self,
            const char  *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* Shows @model with the values shown kept: a share of the same model is no
 * new model, so the reservation stays as it was. */
static void
show_model (KvpGpuGroup    *self,
            const KvpModel *model)
{
  KvpParams params;

  kvp_state_get_params (self->state, &params);
  params.model = model;
  kvp_state_set_params (self->state, &params);
}

/* The state shows one GPU's share of the model: a copy with its KV heads
 * divided, when the model or the tensor-parallel size changes. */
static void
choose_share (KvpGpuGroup *self,
              guint        tp)
{
  if (self->base == NULL)
    return;
  if (tp == 1)
    {
      self->per_gpu = NULL;
      if (kvp_state_get_model (self->state) != self->base)
        show_model (self, self->base);
      return;
    }
  if (self->per_gpu != NULL && self->per_gpu_tp == tp && kvp_state_get_model (self->state) == self->per_gpu)
    return;

  self->per_gpu = kvp_model_get_tensor_parallel_share (self->base, tp);
  self->per_gpu_tp = tp;
  show_model (self, self->per_gpu);
}

static char *
legend_item (const char *color,
             const char *name,
             guint64     bytes)
{
  g_autofree char *size = kvp_format_bytes (bytes);

  return g_markup_printf_escaped ("<span foreground=\"%s\">■</span> %s %s", color, name, size);
}

static const char *segment_colors[] = { "#6b7280", "#f59e0b", "#a855f7", "#d1d5db" };

static void
update_details (KvpGpuGroup     *self,
                const KvpDeploy *deploy,
                const KvpParams *params)
{
  g_auto(GStrv) lines = kvp_vllm_sizing_get_log_lines (deploy->sizing);
  g_autofree char *legend = NULL;
  g_autofree char *capacity = NULL;
  g_autofree char *paged = NULL;
  g_autofree char *length = kvp_format_count (params->max_seq_len);
  guint64 per_token = 0, traditional = 0;
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_free (self->log);
  self->log = g_strjoinv ("\n", lines);
  gtk_label_set_label (self->log_label, self->log);

  self->has_budget = deploy->has_budget;
  self->budget = deploy->budget;
  if (deploy->has_budget)
    {
      g_autofree char *weights = legend_item (segment_colors[0],
                                              deploy->weights_estimated ? _("Weights (estimate)") : _("Weights"),
                                              deploy->budget.weights_bytes);
      g_autofree char *activations = legend_item (segment_colors[1], _("Activations (estimate)"),
                                                  deploy->budget.activation_bytes);
      g_autofree char *kv = legend_item (segment_colors[2], _("KV cache"), deploy->budget.available_bytes);
      g_autofree char *rest = legend_item (segment_colors[3], _("Rest"),
                                           deploy->budget.total_bytes - deploy->budget.requested_bytes);

      legend = g_strjoin ("\n", weights, activations, kv, rest, NULL);
    }
  gtk_label_set_markup (self->legend_label, legend != NULL ? legend : "");
  gtk_widget_set_visible (GTK_WIDGET (self->memory_bar), deploy->has_budget);
  gtk_widget_set_visible (GTK_WIDGET (self->legend_label), deploy->has_budget);
  gtk_widget_queue_draw (GTK_WIDGET (self->memory_bar));

  /* A traditional cache reserves the whole length for every request. */
  if (kvp_model_bytes_per_token (&deploy->per_gpu_model, params->dtype, &per_token, NULL) && per_token > 0)
    traditional = deploy->sizing->input.available_bytes / per_token / params->max_seq_len;
  paged = g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", deploy->sizing->max_concurrency));
  /* Translators: the capacity figure; a length in tokens, vLLM's
   * concurrency (e.g. "1.63") and a whole number of requests. */
  capacity = g_strdup_printf (_("Requests of %s tokens at once: %s× paged (vLLM), %" PRIu64 " traditional"),
                              length, paged, traditional);
  gtk_label_set_label (self->capacity_label, capacity);
}

/* The GPU chosen, or the memory typed for one's own (a size the entry
 * cannot read: none, and error says why). */
static void
choose_gpu (KvpGpuGroup  *self,
            KvpDeploy    *deploy,
            GError      **error)
{
  guint selected = gtk_drop_down_get_selected (self->gpu_dropdown);

  if (selected >= 1 && selected <= n_gpus ())
    deploy->gpu = &kvp_gpu_get_presets (NULL)[selected - 1];
  else if (selected == n_gpus () + 1)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->memory_entry));

      if (*text != '\0' && !kvp_size_parse (NULL, text, FALSE, &deploy->gpu_memory_bytes, error))
        deploy->gpu_memory_bytes = 0;
    }
}

/* The rest of the choices, and params as the state has them with the whole
 * model, ready for kvp_deploy_apply (). */
static void
choose_rest (KvpGpuGroup *self,
             KvpDeploy   *deploy,
             KvpParams   *params)
{
  deploy->config = self->config != NULL ? kvp_model_config_ref (self->config) : NULL;
  deploy->utilization = gtk_spin_button_get_value (self->utilization_spin);
  deploy->tensor_parallel_size = gtk_spin_button_get_value_as_int (self->tp_spin);
  kvp_state_get_params (self->state, params);
  params->model = self->base;
}

/* Everything follows from the controls and the state's values. */
static void
update (KvpGpuGroup *self)
{
  g_auto(KvpDeploy) deploy = { 0 };
  g_autoptr(GError) error = NULL;
  guint selected = gtk_drop_down_get_selected (self->gpu_dropdown);
  guint tp = gtk_spin_button_get_value_as_int (self->tp_spin);
  const KvpModel *shown;
  KvpParams params;

  if (self->state == NULL || self->updating)
    return;
  self->updating = TRUE;

  /* A model chosen elsewhere (the drop-down, the settings) is the new whole. */
  shown = kvp_state_get_model (self->state);
  if (shown != self->per_gpu && shown != self->base)
    {
      self->base = shown;
      self->per_gpu = NULL;
      if (self->config != NULL && &self->config->model != shown)
        g_clear_pointer (&self->config, kvp_model_config_unref);
    }
  choose_share (self, tp);

  gtk_widget_set_visible (self->memory_row, selected == n_gpus () + 1);
  choose_gpu (self, &deploy, &error);

  set_sizes_pool (self, kvp_deploy_sizes_pool (&deploy));
  if (!self->sizes_pool)
    {
      gtk_widget_set_visible (self->details, FALSE);
      g_clear_pointer (&self->log, g_free);
      show_error (self, error != NULL ? error->message : NULL);
      self->updating = FALSE;
      return;
    }

  choose_rest (self, &deploy, &params);
  if (!kvp_deploy_apply (&deploy, &params, &error))
    {
      /* The block count stays as it was; the reason shows here. */
      gtk_widget_set_visible (self->details, FALSE);
      g_clear_pointer (&self->log, g_free);
      show_error (self, error->message);
      self->updating = FALSE;
      return;
    }

  show_error (self, NULL);
  kvp_state_set_value (self->state, KVP_PARAM_NUM_BLOCKS, params.num_blocks);
  update_details (self, &deploy, &params);
  gtk_widget_set_visible (self->details, TRUE);
  self->updating = FALSE;
}

static void
draw_bar (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        user_data)
{
  KvpGpuGroup *self = user_data;
  const KvpGpuBudget *b = &self->budget;
  guint64 parts[4];
  double x = 0;

  if (!self->has_budget || b->total_bytes == 0 || width <= 0)
    return;

  parts[0] = b->weights_bytes;
  parts[1] = b->activation_bytes;
  parts[2] = b->available_bytes;
  parts[3] = b->total_bytes - b->requested_bytes;

  /* One byte scale: the GPU's whole memory is the bar's width. */
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      double w = (double) parts[i] / (double) b->total_bytes * width;
      GdkRGBA color;

      gdk_rgba_parse (&color, segment_colors[i]);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_rectangle (cr, x, 0, w, height);
      cairo_fill (cr);
      x += w;
    }
}

static void
gpu_selected_cb (GtkDropDown *dropdown,
                 GParamSpec  *pspec,
                 KvpGpuGroup *self)
{
  update (self);
}

static void
memory_changed_cb (GtkEditable *editable,
                   KvpGpuGroup *self)
{
  update (self);
}

static void
value_changed_cb (GtkAdjustment *adjustment,
                  KvpGpuGroup   *self)
{
  update (self);
}

static void
state_changed_cb (KvpState    *state,
                  GParamSpec  *pspec,
                  KvpGpuGroup *self)
{
  update (self);
}

static void
copy_clicked_cb (GtkButton   *button,
                 KvpGpuGroup *self)
{
  if (self->log != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->log);
}

static void
kvp_gpu_group_dispose (GObject *object)
{
  KvpGpuGroup *self = KVP_GPU_GROUP (object);
  GtkWidget *child;

  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), KVP_TYPE_GPU_GROUP);
  /* The rows around the labels and controls are not bound children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->state);
  g_clear_pointer (&self->config, kvp_model_config_unref);

  G_OBJECT_CLASS (kvp_gpu_group_parent_class)->dispose (object);
}

static void
kvp_gpu_group_finalize (GObject *object)
{
  KvpGpuGroup *self = KVP_GPU_GROUP (object);

  g_free (self->log);

  G_OBJECT_CLASS (kvp_gpu_group_parent_class)->finalize (object);
}

static void
kvp_gpu_group_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KvpGpuGroup *self = KVP_GPU_GROUP (object);

  switch (prop_id)
    {
    case PROP_SIZES_POOL:
      g_value_set_boolean (value, self->sizes_pool);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_gpu_group_class_init (KvpGpuGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kvp_gpu_group_dispose;
  object_class->finalize = kvp_gpu_group_finalize;
  object_class->get_property = kvp_gpu_group_get_property;

  properties[PROP_SIZES_POOL] =
    g_param_spec_boolean ("sizes-pool", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/kvp-gpu-group.ui");
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, gpu_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, gpu_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, memory_row);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, memory_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, memory_entry);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, utilization_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, utilization_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, tp_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, tp_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, error_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, details);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, memory_bar);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, legend_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, capacity_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, log_label);
  gtk_widget_class_bind_template_callback (widget_class, gpu_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, memory_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, value_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
}

static void
kvp_gpu_group_init (KvpGpuGroup *self)
{
  g_autoptr(GtkStringList) gpus = gtk_string_list_new (NULL);
  const KvpGpu *presets;
  guint n;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Translators: the GPU drop-down's first row: no GPU sizes the pool. */
  gtk_string_list_append (gpus, _("None (block count by hand)"));
  presets = kvp_gpu_get_presets (&n);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (gpus, presets[i].name);
  /* Translators: the GPU drop-down's last row: a total typed in. */
  gtk_string_list_append (gpus, _("Custom memory…"));
  gtk_drop_down_set_model (self->gpu_dropdown, G_LIST_MODEL (gpus));

  /* The names assistive technologies read, exactly. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->gpu_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("GPU"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->utilization_spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("GPU memory utilization"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->tp_spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Tensor parallel size"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->memory_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("GPU memory"), -1);

  gtk_drawing_area_set_draw_func (self->memory_bar, draw_bar, self, NULL);
}

void
kvp_gpu_group_set_state (KvpGpuGroup *self,
                         KvpState    *state)
{
  static const char *signals[] = {
    "notify::model", "notify::kv-dtype", "notify::block-size", "notify::max-seq-len",
  };

  g_return_if_fail (KVP_IS_GPU_GROUP (self));
  g_return_if_fail (state == NULL || KVP_IS_STATE (state));

  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  g_set_object (&self->state, state);
  self->base = NULL;
  self->per_gpu = NULL;
  if (state == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_signal_connect (state, signals[i], G_CALLBACK (state_changed_cb), self);
  update (self);
}

void
kvp_gpu_group_set_config (KvpGpuGroup    *self,
                          KvpModelConfig *config)
{
  g_return_if_fail (KVP_IS_GPU_GROUP (self));

  if (config != NULL)
    kvp_model_config_ref (config);
  g_clear_pointer (&self->config, kvp_model_config_unref);
  self->config = config;
}

const KvpModel *
kvp_gpu_group_get_base_model (KvpGpuGroup *self)
{
  g_return_val_if_fail (KVP_IS_GPU_GROUP (self), NULL);

  return self->base;
}

void
kvp_gpu_group_set_gpu (KvpGpuGroup *self,
                       const char  *key)
{
  const KvpGpu *gpu;

  g_return_if_fail (KVP_IS_GPU_GROUP (self));

  if (key == NULL)
    {
      gtk_drop_down_set_selected (self->gpu_dropdown, 0);
      return;
    }
  gpu = kvp_gpu_lookup (key, NULL);
  g_return_if_fail (gpu != NULL);
  gtk_drop_down_set_selected (self->gpu_dropdown, 1 + (guint) (gpu - kvp_gpu_get_presets (NULL)));
}

void
kvp_gpu_group_set_utilization (KvpGpuGroup *self,
                               double       utilization)
{
  g_return_if_fail (KVP_IS_GPU_GROUP (self));

  gtk_spin_button_set_value (self->utilization_spin, utilization);
}

void
kvp_gpu_group_set_tensor_parallel_size (KvpGpuGroup *self,
                                        guint        tensor_parallel_size)
{
  g_return_if_fail (KVP_IS_GPU_GROUP (self));

  gtk_spin_button_set_value (self->tp_spin, tensor_parallel_size);
}

gboolean
kvp_gpu_group_get_sizes_pool (KvpGpuGroup *self)
{
  g_return_val_if_fail (KVP_IS_GPU_GROUP (self), FALSE);

  return self->sizes_pool;
}

gboolean
kvp_gpu_group_get_sim_config (KvpGpuGroup   *self,
                              KvpSimConfig  *out_config,
                              GError       **error)
{
  g_auto(KvpDeploy) deploy = { 0 };
  KvpParams params;

  g_return_val_if_fail (KVP_IS_GPU_GROUP (self), FALSE);
  g_return_val_if_fail (self->state != NULL, FALSE);
  g_return_val_if_fail (out_config != NULL, FALSE);

  choose_gpu (self, &deploy, NULL);
  choose_rest (self, &deploy, &params);
  if (params.model == NULL)
    params.model = kvp_state_get_model (self->state);

  return (!kvp_deploy_sizes_pool (&deploy) || kvp_deploy_apply (&deploy, &params, error)) &&
         kvp_deploy_get_sim_config (&deploy, &params, out_config, error);
}

const char *
kvp_gpu_group_get_log (KvpGpuGroup *self)
{
  g_return_val_if_fail (KVP_IS_GPU_GROUP (self), NULL);

  return self->log != NULL ? self->log : "";
}
