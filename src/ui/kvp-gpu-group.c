/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-gpu-group.c: the GPU group, a view of KvpDeployState: the controls
 * are bound to its properties, and after each sizing the bar, the legend,
 * the capacity line and vLLM's lines show it, or the refusal does. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "kvp-deploy-state.h"
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
  GtkAdjustment  *utilization_adjustment;
  GtkLabel       *tp_label;
  GtkSpinButton  *tp_spin;
  GtkAdjustment  *tp_adjustment;
  GtkWidget      *kv_row;
  GtkEntry       *kv_entry;
  GtkWidget      *weights_row;
  GtkEntry       *weights_entry;
  GtkWidget      *activation_row;
  GtkEntry       *activation_entry;
  GtkLabel       *error_label;
  GtkWidget      *details;
  GtkDrawingArea *memory_bar;
  GtkLabel       *legend_label;
  GtkLabel       *capacity_label;
  GtkLabel       *log_label;

  KvpDeployState *deploy;
  GBindingGroup  *bindings;
  GSignalGroup   *signals;
  KvpGpuBudget    budget;
  gboolean        has_budget;
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
show_error (KvpGpuGroup *self,
            const char  *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
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
                const KvpDeploy *deploy)
{
  KvpState *state = kvp_deploy_state_get_state (self->deploy);
  g_autofree char *legend = NULL;
  g_autofree char *capacity = NULL;
  g_autofree char *paged = NULL;
  guint64 max_seq_len = kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN);
  g_autofree char *length = kvp_format_count (max_seq_len);
  guint64 per_token = 0, traditional = 0;

  gtk_label_set_label (self->log_label, kvp_deploy_state_get_log (self->deploy));

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
  if (kvp_model_bytes_per_token (kvp_state_get_model (state), kvp_state_get_dtype (state), &per_token, NULL) &&
      per_token > 0)
    traditional = deploy->sizing->input.available_bytes / per_token / max_seq_len;
  /* vLLM's two decimals, but the locale's decimal point: the figure is
   * read in this sentence, not compared with vLLM's log line. */
  paged = g_strdup_printf ("%.2f", deploy->sizing->max_concurrency);
  /* Translators: the capacity figure; a length in tokens, vLLM's
   * concurrency (e.g. "1.63") and a whole number of requests. */
  capacity = g_strdup_printf (_("Requests of %s tokens at once: %s× paged (vLLM), %" PRIu64 " traditional"),
                              length, paged, traditional);
  gtk_label_set_label (self->capacity_label, capacity);
}

/* After every sizing: the details of a pool, or why there is none. */
static void
sized_cb (KvpDeployState *deploy,
          KvpGpuGroup    *self)
{
  const KvpDeploy *sized = kvp_deploy_state_get_deploy (deploy);
  gboolean shown = sized != NULL && sized->sizing != NULL;

  show_error (self, kvp_deploy_state_get_refusal (deploy));
  if (shown)
    update_details (self, sized);
  gtk_widget_set_visible (self->details, shown);
}

static void
sizes_pool_cb (KvpDeployState *deploy,
               GParamSpec     *pspec,
               KvpGpuGroup    *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZES_POOL]);
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
copy_clicked_cb (GtkButton   *button,
                 KvpGpuGroup *self)
{
  if (self->deploy != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), kvp_deploy_state_get_log (self->deploy));
}

/* The drop-down's row of a GPU key, and back. */
static gboolean
gpu_to_row (GBinding     *binding,
            const GValue *from,
            GValue       *to,
            gpointer      user_data)
{
  const char *key = g_value_get_string (from);
  const KvpGpu *gpu;

  if (g_strcmp0 (key, KVP_DEPLOY_STATE_CUSTOM_GPU) == 0)
    g_value_set_uint (to, n_gpus () + 1);
  else if (key != NULL && *key != '\0' && (gpu = kvp_gpu_lookup (key, NULL)) != NULL)
    g_value_set_uint (to, 1 + (guint) (gpu - kvp_gpu_get_presets (NULL)));
  else
    g_value_set_uint (to, 0);
  return TRUE;
}

static gboolean
row_to_gpu (GBinding     *binding,
            const GValue *from,
            GValue       *to,
            gpointer      user_data)
{
  guint row = g_value_get_uint (from);

  if (row == GTK_INVALID_LIST_POSITION)
    return FALSE;
  if (row >= 1 && row <= n_gpus ())
    g_value_set_string (to, kvp_gpu_get_presets (NULL)[row - 1].key);
  else
    g_value_set_string (to, row == n_gpus () + 1 ? KVP_DEPLOY_STATE_CUSTOM_GPU : "");
  return TRUE;
}

static gboolean
gpu_is_custom (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  g_value_set_boolean (to, g_strcmp0 (g_value_get_string (from), KVP_DEPLOY_STATE_CUSTOM_GPU) == 0);
  return TRUE;
}

/* A size as an entry shows it: exactly, in the largest binary unit that
 * divides it; nothing for 0 (the default). */
static gboolean
size_to_text (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  static const char *units[] = { "TiB", "GiB", "MiB", "KiB" };
  guint64 bytes = g_value_get_uint64 (from);

  if (bytes == 0 && user_data == NULL)
    {
      g_value_set_string (to, "");
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      guint shift = 10 * (G_N_ELEMENTS (units) - i);

      if (bytes > 0 && bytes % (G_GUINT64_CONSTANT (1) << shift) == 0)
        {
          g_value_take_string (to, g_strdup_printf ("%" PRIu64 "%s", bytes >> shift, units[i]));
          return TRUE;
        }
    }
  g_value_take_string (to, g_strdup_printf ("%" PRIu64, bytes));
  return TRUE;
}

/* Text typed into a size entry: empty is the default (0, or for the
 * activation reserve, whose user_data is not NULL, its default size); a
 * size that cannot be read changes nothing and marks the entry. */
static gboolean
text_to_size (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  const char *text = g_value_get_string (from);
  GtkWidget *entry = GTK_WIDGET (g_binding_dup_target (binding));
  guint64 bytes = 0;
  gboolean ok;

  if (text == NULL || *text == '\0')
    {
      bytes = user_data != NULL ? KVP_GPU_DEFAULT_ACTIVATION_BYTES : 0;
      ok = TRUE;
    }
  else
    ok = kvp_size_parse (NULL, text, user_data != NULL, &bytes, NULL);

  if (ok)
    {
      gtk_widget_remove_css_class (entry, "error");
      g_value_set_uint64 (to, bytes);
    }
  else
    gtk_widget_add_css_class (entry, "error");
  g_object_unref (entry);
  return ok;
}

static void
bind_size (KvpGpuGroup *self,
           const char  *property,
           GtkEntry    *entry,
           gboolean     zero_is_a_size)
{
  g_binding_group_bind_full (self->bindings, property, entry, "text",
                             G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL,
                             size_to_text, text_to_size, zero_is_a_size ? GINT_TO_POINTER (1) : NULL, NULL);
}

/* The controls are views of the deploy state: each bound to its property,
 * made insensitive where it does not apply. */
static void
bind_controls (KvpGpuGroup *self)
{
  GBindingGroup *b = self->bindings;

  g_binding_group_bind_full (b, "gpu", self->gpu_dropdown, "selected",
                             G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL, gpu_to_row, row_to_gpu, NULL, NULL);
  g_binding_group_bind_full (b, "gpu", self->memory_row, "visible", G_BINDING_SYNC_CREATE,
                             gpu_is_custom, NULL, NULL, NULL);
  bind_size (self, "gpu-memory", self->memory_entry, FALSE);
  g_binding_group_bind (b, "utilization", self->utilization_adjustment, "value",
                        G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_binding_group_bind (b, "tensor-parallel-size", self->tp_adjustment, "value",
                        G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  bind_size (self, "kv-cache-memory", self->kv_entry, FALSE);
  bind_size (self, "weights-memory", self->weights_entry, FALSE);
  bind_size (self, "activation-memory", self->activation_entry, TRUE);

  /* Without a GPU's budget, utilization, weights and reserve change nothing. */
  g_binding_group_bind (b, "uses-budget", self->utilization_spin, "sensitive", G_BINDING_SYNC_CREATE);
  g_binding_group_bind (b, "uses-budget", self->weights_row, "sensitive", G_BINDING_SYNC_CREATE);
  g_binding_group_bind (b, "uses-budget", self->activation_row, "sensitive", G_BINDING_SYNC_CREATE);
}

void
kvp_gpu_group_set_deploy_state (KvpGpuGroup    *self,
                                KvpDeployState *deploy)
{
  g_return_if_fail (KVP_IS_GPU_GROUP (self));
  g_return_if_fail (deploy == NULL || KVP_IS_DEPLOY_STATE (deploy));

  if (!g_set_object (&self->deploy, deploy))
    return;
  g_binding_group_set_source (self->bindings, deploy);
  g_signal_group_set_target (self->signals, deploy);
  if (deploy != NULL)
    sized_cb (deploy, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZES_POOL]);
}

gboolean
kvp_gpu_group_get_sizes_pool (KvpGpuGroup *self)
{
  g_return_val_if_fail (KVP_IS_GPU_GROUP (self), FALSE);

  return self->deploy != NULL && kvp_deploy_state_get_sizes_pool (self->deploy);
}

static void
kvp_gpu_group_dispose (GObject *object)
{
  KvpGpuGroup *self = KVP_GPU_GROUP (object);
  GtkWidget *child;

  if (self->bindings != NULL)
    g_binding_group_set_source (self->bindings, NULL);
  if (self->signals != NULL)
    g_signal_group_set_target (self->signals, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KVP_TYPE_GPU_GROUP);
  /* The rows around the labels and controls are not bound children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->bindings);
  g_clear_object (&self->signals);
  g_clear_object (&self->deploy);

  G_OBJECT_CLASS (kvp_gpu_group_parent_class)->dispose (object);
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
      g_value_set_boolean (value, kvp_gpu_group_get_sizes_pool (self));
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
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, utilization_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, tp_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, kv_row);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, kv_entry);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, weights_row);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, weights_entry);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, activation_row);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, activation_entry);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, tp_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, tp_spin);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, error_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, details);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, memory_bar);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, legend_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, capacity_label);
  gtk_widget_class_bind_template_child (widget_class, KvpGpuGroup, log_label);
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

  gtk_drawing_area_set_draw_func (self->memory_bar, draw_bar, self, NULL);

  /* The spin buttons' ranges are core's. */
  gtk_adjustment_set_lower (self->utilization_adjustment, KVP_DEPLOY_MIN_UTILIZATION);
  gtk_adjustment_set_upper (self->utilization_adjustment, 1.0);
  gtk_adjustment_set_lower (self->tp_adjustment, 1);
  gtk_adjustment_set_upper (self->tp_adjustment, KVP_DEPLOY_MAX_TENSOR_PARALLEL);

  self->bindings = g_binding_group_new ();
  bind_controls (self);
  self->signals = g_signal_group_new (KVP_TYPE_DEPLOY_STATE);
  g_signal_group_connect (self->signals, "sized", G_CALLBACK (sized_cb), self);
  g_signal_group_connect (self->signals, "notify::sizes-pool", G_CALLBACK (sizes_pool_cb), self);
}

