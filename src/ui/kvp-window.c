/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-window.c: the main window.  Its controls are bound to one KvpState,
 * which clamps, merges changes and recomputes in a worker; the canvas follows
 * the state's comparison, and the settings are bound to the state too. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kvp-count-row.h"
#include "kvp-export.h"
#include "kvp-format.h"
#include "kvp-accessible-names.h"
#include "kvp-error.h"
#include "kvp-gpu-group.h"
#include "kvp-model-catalog.h"
#include "kvp-model-config.h"
#include "kvp-panel-scroll.h"
#include "kvp-settings.h"
#include "kvp-state.h"
#include "kvp-ui.h"
#include "kvp-window-private.h"

/* Writing the settings waits until the controls have been still this long. */
#define SAVE_DELAY_MS 1000

/* A slider over a linear range wider than this moves over powers of two
 * instead: the sequence under a reservation of millions of tokens. */
#define LINEAR_SLIDER_MAX 65536

/* An in-window notification hides itself after this long. */
#define BANNER_TIMEOUT_S 5

struct _KvpWindow
{
  GtkApplicationWindow parent_instance;

  /* Template children */
  KvpCanvas           *canvas;
  GtkStack            *view_stack;
  GtkLabel            *subtitle_label;
  GtkMenuButton       *menu_button;
  GMenuModel          *primary_menu;
  GtkScrolledWindow   *sidebar;
  GtkLabel            *model_label;
  GtkDropDown         *model_dropdown;
  GtkLabel            *dtype_label;
  GtkDropDown         *dtype_dropdown;
  KvpCountRow         *seq_len_row;
  KvpCountRow         *block_size_row;
  KvpCountRow         *num_blocks_row;
  KvpCountRow         *max_seq_len_row;
  KvpCountRow         *samples_row;
  KvpCountRow         *prompt_len_row;
  GtkWidget           *gpu_separator;
  KvpDeployState      *deploy;
  KvpServingState     *serving;
  GtkExpander         *how_expander;
  GtkRevealer         *banner;
  GtkLabel            *banner_label;
  GtkButton           *banner_close_button;

  KvpCountRow         *rows[KVP_N_PARAMS];

  KvpState            *state;
  /* The config.json models opened, in the model drop-down after the
   * presets; comparisons and workers copy the model they read.  The
   * shipped ones come first, read when first needed (shipped_loaded). */
  GPtrArray           *configs;
  gboolean             shipped_loaded;
  /* Of the config.json files being read; cancelled when the window goes. */
  GCancellable        *load_cancellable;
  /* The application's settings, and this window's own delayed view of the
   * same keys: bound to the state, applied once the controls are still. */
  GSettings           *settings;
  GSettings           *params_settings;
  guint                save_id;
  guint                banner_id;
  guint                scroll_id;

  /* Built after the first frame, or when first asked for: see
   * kvp_window_get_gpu_group (). */
  KvpGpuGroup         *gpu_group;
  guint                gpu_group_id;
};

G_DEFINE_FINAL_TYPE (KvpWindow, kvp_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_SHOW_CONTROLS,
  PROP_VIEW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GtkApplication (unlike libadwaita's) does not load style.css by itself;
 * each display gets it once, with the first window. */
static void
load_style (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (g_object_get_data (G_OBJECT (display), "kvp-style") != NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, RESOURCE_BASE "/style.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "kvp-style", g_steal_pointer (&provider), g_object_unref);
}

static void model_selected_cb (GtkDropDown *dropdown,
                               GParamSpec  *pspec,
                               KvpWindow   *self);
static void dtype_selected_cb (GtkDropDown *dropdown,
                               GParamSpec  *pspec,
                               KvpWindow   *self);

/* The shipped configs follow the presets in the model list, in place of
 * the presets they replace (kvp_model_catalog_get_presets ()).  They are
 * parsed when a model is chosen or looked for, not before the first frame:
 * until then the list names them as they will be named. */
static void fill_models (KvpWindow *self);

static void
load_shipped_configs (KvpWindow *self)
{
  const KvpCatalogEntry *entries;
  guint n_entries, n_loaded = 0;

  if (self->shipped_loaded)
    return;
  self->shipped_loaded = TRUE;

  entries = kvp_model_catalog_get_entries (&n_entries);
  for (guint i = 0; i < n_entries; i++)
    {
      KvpModelConfig *config = kvp_model_catalog_load (entries[i].key, NULL);

      if (config != NULL)
        g_ptr_array_insert (self->configs, n_loaded++, config);
    }
  /* Built in, each one reads; if one did not, its row goes. */
  if (n_loaded != n_entries)
    fill_models (self);
}

static guint
find_model_index (KvpWindow      *self,
                  const KvpModel *model)
{
  const KvpModel *const *presets;
  guint n_presets;

  /* The state may show one GPU's share; the drop-down names the whole. */
  if (kvp_deploy_state_get_base_model (self->deploy) != NULL)
    model = kvp_deploy_state_get_base_model (self->deploy);

  presets = kvp_model_catalog_get_presets (&n_presets);
  /* A preset offered is found without the shipped configs. */
  for (guint i = 0; i < n_presets; i++)
    if (presets[i] == model)
      return i;
  load_shipped_configs (self);
  for (guint i = 0; i < self->configs->len; i++)
    if (&((KvpModelConfig *) self->configs->pdata[i])->model == model)
      return n_presets + i;
  for (guint i = 0; i < n_presets; i++)
    if (presets[i] == model || g_strcmp0 (presets[i]->key, model->key) == 0)
      return i;
  /* A preset a shipped config replaces is shown by the config's row. */
  for (guint i = 0; kvp_model_catalog_replaces (model->key) && i < self->configs->len; i++)
    if (g_strcmp0 (((KvpModelConfig *) self->configs->pdata[i])->model.key, model->key) == 0)
      return n_presets + i;

  return 0;
}

static void
sync_model (KvpWindow *self)
{
  const KvpModel *model = kvp_state_get_model (self->state);
  KvpDtype dtype = kvp_state_get_dtype (self->state);
  g_autofree char *subtitle = NULL;

  /* The drop-downs' handlers see their row is what is shown already. */
  gtk_drop_down_set_selected (self->model_dropdown, find_model_index (self, model));
  gtk_drop_down_set_selected (self->dtype_dropdown, dtype);

  /* Translators: the window subtitle, a model name and a KV cache type,
   * e.g. "TinyLlama 1.1B · fp16". */
  subtitle = g_strdup_printf (_("%s · %s"), model->name, kvp_dtype_to_string (dtype));
  gtk_label_set_label (self->subtitle_label, subtitle);
}

/* Rows show what the state shows; a bounded row (the sequence) reaches only
 * as far as its bound.  Nothing set here is asked of the state: it keeps
 * the longer sequence a person asked for. */
static void
sync_rows (KvpWindow *self)
{
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);
      guint64 max = kvp_state_get_max (self->state, i);

      if (self->rows[i] == NULL)
        continue;

      /* The block size moves between whole powers of two; the rest smoothly. */
      /* A range from 0 (the shared prefix) has no logarithm: it stays linear. */
      kvp_count_row_set_log_scale (self->rows[i], (info->log_scale || max > LINEAR_SLIDER_MAX) && info->min > 0,
                                   i == KVP_PARAM_BLOCK_SIZE);
      kvp_count_row_set_range (self->rows[i], info->min, max);
      kvp_count_row_set_value (self->rows[i], kvp_state_get_value (self->state, i));
    }
}

static void
row_value_changed_cb (KvpCountRow *row,
                      GParamSpec  *pspec,
                      KvpWindow   *self)
{
  /* A row showing the state's value asks nothing: a sequence shown at a
   * short reservation keeps the longer length asked for. */
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    if (self->rows[i] == row && kvp_count_row_get_value (row) != kvp_state_get_value (self->state, i))
      kvp_state_set_value (self->state, i, kvp_count_row_get_value (row));
}

static void
state_model_changed_cb (KvpState   *state,
                        GParamSpec *pspec,
                        KvpWindow  *self)
{
  sync_model (self);
}

static void
state_value_changed_cb (KvpState   *state,
                        GParamSpec *pspec,
                        KvpWindow  *self)
{
  sync_rows (self);
}

static void
state_comparison_changed_cb (KvpState   *state,
                             GParamSpec *pspec,
                             KvpWindow  *self)
{
  KvpComparison *cmp = kvp_state_get_comparison (state);

  if (cmp != NULL)
    kvp_canvas_set_comparison (self->canvas, cmp);
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  KvpWindow *self = user_data;

  self->save_id = 0;
  g_settings_apply (self->params_settings);

  return G_SOURCE_REMOVE;
}

static void
has_unapplied_cb (GSettings  *settings,
                  GParamSpec *pspec,
                  KvpWindow  *self)
{
  g_clear_handle_id (&self->save_id, g_source_remove);
  if (g_settings_get_has_unapplied (settings))
    self->save_id = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
}

static void
bind_settings (KvpWindow *self)
{
  self->params_settings = kvp_settings_bind_state (self->settings, self->state);
  kvp_settings_bind_deploy (self->params_settings, self->deploy);
  kvp_settings_bind_serving (self->params_settings, self->serving);
  g_signal_connect (self->params_settings, "notify::has-unapplied",
                    G_CALLBACK (has_unapplied_cb), self);
  /* Binding may already have written back a clamped value. */
  has_unapplied_cb (self->params_settings, NULL, self);
}

/* The presets, the configs opened, and the row that opens one. */
static void
fill_models (KvpWindow *self)
{
  g_autoptr(GtkStringList) models = gtk_string_list_new (NULL);
  const KvpModel *const *presets;
  guint n_presets;

  presets = kvp_model_catalog_get_presets (&n_presets);
  for (guint i = 0; i < n_presets; i++)
    gtk_string_list_append (models, presets[i]->name);
  if (!self->shipped_loaded)
    {
      guint n_entries;
      const KvpCatalogEntry *entries = kvp_model_catalog_get_entries (&n_entries);

      /* The name kvp_model_catalog_load gives each. */
      for (guint i = 0; i < n_entries; i++)
        gtk_string_list_append (models, entries[i].repository);
    }
  for (guint i = 0; i < self->configs->len; i++)
    gtk_string_list_append (models, ((KvpModelConfig *) self->configs->pdata[i])->name);
  /* Translators: the model drop-down's last row; it opens a file chooser. */
  gtk_string_list_append (models, _("Open Model Config…"));

  /* A new list selects its first row, which is no choice of the person's. */
  g_signal_handlers_block_by_func (self->model_dropdown, model_selected_cb, self);
  gtk_drop_down_set_model (self->model_dropdown, G_LIST_MODEL (models));
  g_signal_handlers_unblock_by_func (self->model_dropdown, model_selected_cb, self);
}

static void
popup_shown_cb (GtkWidget   *popover,
                GtkDropDown *dropdown)
{
  g_signal_handlers_disconnect_by_func (popover, popup_shown_cb, dropdown);
  gtk_drop_down_set_list_factory (dropdown, NULL);
}

/* A drop-down's popup makes a row for each item as soon as it has a model,
 * though no one sees them before it opens: until then its rows are empty,
 * and GTK's own rows are made as it opens (start-up). */
static void
defer_popup_rows (GtkDropDown *dropdown)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (dropdown)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_POPOVER (child))
        {
          g_autoptr(GtkListItemFactory) empty = gtk_signal_list_item_factory_new ();

          gtk_drop_down_set_list_factory (dropdown, empty);
          g_signal_connect_object (child, "show", G_CALLBACK (popup_shown_cb), dropdown, 0);
          return;
        }
    }
}

static void
setup_dropdowns (KvpWindow *self)
{
  g_autoptr(GtkStringList) dtypes = gtk_string_list_new (NULL);

  defer_popup_rows (self->model_dropdown);
  defer_popup_rows (self->dtype_dropdown);
  fill_models (self);

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

  g_signal_handlers_block_by_func (self->dtype_dropdown, dtype_selected_cb, self);
  gtk_drop_down_set_model (self->dtype_dropdown, G_LIST_MODEL (dtypes));
  g_signal_handlers_unblock_by_func (self->dtype_dropdown, dtype_selected_cb, self);

  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->model_dropdown),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->model_label, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->dtype_dropdown),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->dtype_label, NULL,
                                  -1);
}

/* One row per parameter, as the table describes it: it shows the state's
 * property of the same name (sync_rows) and asks the state for what a
 * person sets. */
/* What each row is, in vLLM's words. */
static const char *row_tooltips[KVP_N_PARAMS] = {
  [KVP_PARAM_SEQ_LEN] = N_("Tokens in this sequence so far, prompt and output together; at most the reserved length"),
  [KVP_PARAM_BLOCK_SIZE] = N_("vLLM’s --block-size: token slots in one KV cache block"),
  [KVP_PARAM_NUM_BLOCKS] = N_("vLLM’s num_gpu_blocks: KV cache blocks in the pool. With a GPU, vLLM’s sizing sets it "
                              "and keeps block 0 as the null block, which never holds a token, so the sequence and the "
                              "served workload both have one block fewer to use"),
  [KVP_PARAM_SAMPLES] = N_("vLLM’s SamplingParams.n: output sequences generated from one prompt; they share the "
                           "prompt’s blocks, each copies the prompt’s partly filled last block on its first write, "
                           "and the traditional cache reserves the reserved length for each"),
  [KVP_PARAM_PROMPT_LEN] = N_("Tokens of the sequence that are the prompt the samples share, at most the sequence "
                              "length; its full blocks are stored once, with a reference count of one per sample"),
  [KVP_PARAM_MAX_SEQ_LEN] = N_("vLLM’s max_model_len (--max-model-len), in tokens: what a traditional cache reserves "
                               "for every request"),
};

/* The sequence length is the sequence view's: the serving view serves a
 * workload's lengths instead. */
static gboolean
view_is_sequence (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_boolean (to, g_strcmp0 (g_value_get_string (from), "sequence") == 0);
  return TRUE;
}

static void
setup_rows (KvpWindow *self)
{
  GtkScale *block_size_scale;

  self->rows[KVP_PARAM_SEQ_LEN] = self->seq_len_row;
  self->rows[KVP_PARAM_BLOCK_SIZE] = self->block_size_row;
  self->rows[KVP_PARAM_NUM_BLOCKS] = self->num_blocks_row;
  self->rows[KVP_PARAM_MAX_SEQ_LEN] = self->max_seq_len_row;
  self->rows[KVP_PARAM_SAMPLES] = self->samples_row;
  self->rows[KVP_PARAM_PROMPT_LEN] = self->prompt_len_row;

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);
      KvpCountRow *row = self->rows[i];

      if (row == NULL)
        continue;

      kvp_count_row_set_label (row, _(info->label));
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), _(row_tooltips[i]));
      kvp_count_row_set_max_reason (row, info->max_reason != NULL ? _(info->max_reason) : NULL);
      g_signal_connect (row, "notify::value", G_CALLBACK (row_value_changed_cb), self);
    }

  block_size_scale = kvp_count_row_get_scale (self->block_size_row);
  for (guint i = 0; (1u << i) <= KVP_PARAMS_MAX_BLOCK_SIZE; i++)
    {
      g_autofree char *count = NULL;

      /* Grouped as the spin button beside it writes the count; style.css
       * sets them smaller. */
      if (i % 2 == 0)
        count = kvp_format_count (1u << i);
      gtk_scale_add_mark (block_size_scale, i, GTK_POS_BOTTOM, count);
    }
}

static void
model_selected_cb (GtkDropDown *dropdown,
                   GParamSpec  *pspec,
                   KvpWindow   *self)
{
  const KvpModel *const *presets;
  guint n_presets;
  guint selected = gtk_drop_down_get_selected (dropdown);

  presets = kvp_model_catalog_get_presets (&n_presets);
  if (self->state == NULL || selected == GTK_INVALID_LIST_POSITION ||
      selected == find_model_index (self, kvp_state_get_model (self->state)))
    return;

  load_shipped_configs (self);
  if (selected >= n_presets + self->configs->len)
    {
      /* "Open Model Config…" is an action, not a model: the drop-down
       * goes back to the model shown. */
      sync_model (self);
      gtk_widget_activate_action (GTK_WIDGET (self), "win.open-config", NULL);
      return;
    }

  if (selected >= n_presets)
    {
      KvpModelConfig *config = self->configs->pdata[selected - n_presets];

      kvp_deploy_state_set_config (self->deploy, config);
      kvp_state_choose_model (self->state, &config->model);
      kvp_state_set_dtype (self->state, config->dtype);
      return;
    }

  /* A model comes with its context length: the traditional cache reserves it. */
  kvp_deploy_state_set_config (self->deploy, NULL);
  kvp_state_choose_model (self->state, presets[selected]);
}

static void
dtype_selected_cb (GtkDropDown *dropdown,
                   GParamSpec  *pspec,
                   KvpWindow   *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (self->state == NULL || selected >= KVP_N_DTYPES || selected == kvp_state_get_dtype (self->state))
    return;

  kvp_state_set_dtype (self->state, selected);
}

static void
hide_banner (KvpWindow *self)
{
  g_clear_handle_id (&self->banner_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->banner, FALSE);
}

static gboolean
banner_timeout_cb (gpointer user_data)
{
  KvpWindow *self = user_data;

  self->banner_id = 0;
  hide_banner (self);

  return G_SOURCE_REMOVE;
}

static void
banner_close_clicked_cb (GtkButton *button,
                         KvpWindow *self)
{
  hide_banner (self);
}

/* Brings "How it works" into view once it has its height. */
static gboolean
scroll_to_expander_cb (gpointer user_data)
{
  KvpWindow *self = user_data;
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (self->sidebar);
  graphene_rect_t bounds;

  self->scroll_id = 0;

  if (gtk_widget_compute_bounds (GTK_WIDGET (self->how_expander),
                                 gtk_scrolled_window_get_child (self->sidebar), &bounds))
    {
      double page = gtk_adjustment_get_page_size (vadjustment);
      double top = bounds.origin.y;
      double bottom = top + bounds.size.height;
      double value = gtk_adjustment_get_value (vadjustment);

      /* Its end in view, without losing its start. */
      if (bottom > value + page)
        value = MIN (top, bottom - page);
      gtk_adjustment_set_value (vadjustment, value);
    }

  return G_SOURCE_REMOVE;
}

static void
how_expanded_cb (GtkExpander *expander,
                 GParamSpec  *pspec,
                 KvpWindow   *self)
{
  if (!gtk_expander_get_expanded (expander))
    return;

  /* After the next layout, when the scrolled area knows the new height. */
  g_clear_handle_id (&self->scroll_id, g_source_remove);
  self->scroll_id = g_timeout_add (100, scroll_to_expander_cb, self);
}

/* Start-up: the window maps once it is built and sized, so what the first
 * frame does not show is made after it.  Timed inside the process (the main
 * thread's CPU, Xvfb, the cairo renderer): building the window took
 * 10.1 ms and sizing it for its first map 7.0 ms, after GTK's own start
 * (display, settings, theme: as a bare window has them) and the
 * application's registration on the bus.  Of its 507 widgets 248 were in
 * nothing the first frame shows: the GPU group (121; below the rows at the
 * default size), the main menu's popover (58) and the drop-downs' popup
 * rows; and the 16 shipped configs were parsed (0.7 ms).  Now the group
 * is added after the first frame (or when asked for), the menu's popover
 * and the popup rows are made as they open and the configs are parsed when
 * a model is chosen: 259 widgets, 6.3 ms and 6.1 ms.  The rest is the
 * visible side panel and GTK's; bench-window's startup-mapped case sets it
 * beside the same GTK widgets made with none of kvpage's code. */
static void
add_gpu_group (KvpWindow *self)
{
  if (self->gpu_group != NULL || self->gpu_separator == NULL)
    return;

  g_clear_handle_id (&self->gpu_group_id, g_source_remove);
  self->gpu_group = g_object_new (KVP_TYPE_GPU_GROUP, NULL);
  kvp_gpu_group_set_deploy_state (self->gpu_group, self->deploy);
  gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (self->gpu_separator)),
                              GTK_WIDGET (self->gpu_group), self->gpu_separator);
  for (GtkWidget *widget = self->gpu_separator; widget != NULL; widget = gtk_widget_get_next_sibling (widget))
    gtk_widget_set_visible (widget, TRUE);
  kvp_accessible_names_fix (GTK_WIDGET (self->gpu_group));
}

static gboolean
add_gpu_group_cb (gpointer user_data)
{
  KvpWindow *self = user_data;

  self->gpu_group_id = 0;
  add_gpu_group (self);

  return G_SOURCE_REMOVE;
}

static void
first_frame_cb (GdkFrameClock *clock,
                KvpWindow     *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_frame_cb, self);
  if (self->gpu_group == NULL && self->gpu_group_id == 0)
    self->gpu_group_id = g_idle_add (add_gpu_group_cb, self);
}

static void
kvp_window_realize (GtkWidget *widget)
{
  KvpWindow *self = KVP_WINDOW (widget);

  GTK_WIDGET_CLASS (kvp_window_parent_class)->realize (widget);

  if (self->gpu_group == NULL)
    g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                             G_CALLBACK (first_frame_cb), self, 0);
}

static void
create_primary_menu_cb (GtkMenuButton *button,
                        gpointer       user_data)
{
  KvpWindow *self = user_data;

  if (gtk_menu_button_get_menu_model (button) == NULL)
    gtk_menu_button_set_menu_model (button, self->primary_menu);
}

static void
kvp_window_constructed (GObject *object)
{
  KvpWindow *self = KVP_WINDOW (object);

  G_OBJECT_CLASS (kvp_window_parent_class)->constructed (object);

  if (self->settings != NULL)
    {
      int width, height;
      gboolean maximized;

      bind_settings (self);
      kvp_settings_load_window_state (self->settings, &width, &height, &maximized);
      gtk_window_set_default_size (GTK_WINDOW (self), width, height);
      if (maximized)
        gtk_window_maximize (GTK_WINDOW (self));
    }
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

  g_clear_handle_id (&self->save_id, g_source_remove);
  g_clear_handle_id (&self->banner_id, g_source_remove);
  g_clear_handle_id (&self->scroll_id, g_source_remove);
  g_clear_handle_id (&self->gpu_group_id, g_source_remove);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);

  if (self->state != NULL)
    g_signal_handlers_disconnect_by_data (self->state, self);
  if (self->params_settings != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->params_settings, self);
      kvp_settings_unbind_state (self->state);
      kvp_settings_unbind_deploy (self->deploy);
      kvp_settings_unbind_serving (self->serving);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), KVP_TYPE_WINDOW);
  /* The side panel held it; it went with the template. */
  self->gpu_group = NULL;

  g_clear_object (&self->params_settings);
  g_clear_object (&self->settings);
  g_clear_object (&self->serving);
  g_clear_object (&self->deploy);
  g_clear_object (&self->state);
  g_clear_pointer (&self->configs, g_ptr_array_unref);

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

    case PROP_SHOW_CONTROLS:
      /* Asked for by the action's state even while the template is gone. */
      g_value_set_boolean (value, self->sidebar == NULL || gtk_widget_get_visible (GTK_WIDGET (self->sidebar)));
      break;

    case PROP_VIEW:
      g_value_set_string (value, _kvp_window_get_view (self));
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

    case PROP_SHOW_CONTROLS:
      /* In a small window the picture may take the whole width. */
      if (self->sidebar != NULL &&
          g_value_get_boolean (value) != gtk_widget_get_visible (GTK_WIDGET (self->sidebar)))
        {
          gtk_widget_set_visible (GTK_WIDGET (self->sidebar), g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_VIEW:
      if (_kvp_window_set_view (self, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
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
  widget_class->realize = kvp_window_realize;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_CONTROLS] =
    g_param_spec_boolean ("show-controls", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The picture shown: "sequence", "serving" or "capacity" (win.view). */
  properties[PROP_VIEW] =
    g_param_spec_string ("view", NULL, NULL, "sequence",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/kvp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, canvas);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, gpu_separator);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, model_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, model_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, dtype_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, dtype_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, seq_len_row);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, block_size_row);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, num_blocks_row);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, max_seq_len_row);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, samples_row);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, prompt_len_row);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, how_expander);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, KvpWindow, banner_close_button);
  gtk_widget_class_bind_template_callback (widget_class, model_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, dtype_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, banner_close_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, how_expanded_cb);

  _kvp_window_class_actions_init (widget_class);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         KvpWindow     *self)
{
  GSList *files = g_value_get_boxed (value);

  if (files == NULL)
    return FALSE;
  kvp_window_open_config (self, files->data);
  return TRUE;
}

static void
refusal_changed_cb (KvpDeployState *deploy,
                    GParamSpec     *pspec,
                    KvpWindow      *self)
{
  const char *refusal = kvp_deploy_state_get_refusal (deploy);

  kvp_canvas_set_refusal (self->canvas, refusal);
  /* No pool, so no block count: never the last pool's. */
  kvp_count_row_set_absent (self->num_blocks_row,
                            refusal != NULL ? _("No pool: vLLM would not start with these settings.") : NULL);
}

static void
kvp_window_init (KvpWindow *self)
{
  GtkDropTarget *drop;

  self->configs = g_ptr_array_new_with_free_func ((GDestroyNotify) kvp_model_config_unref);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_create_popup_func (self->menu_button, create_primary_menu_cb, self, NULL);

  load_style (GTK_WIDGET (self));
  self->state = kvp_state_new ();
  self->deploy = kvp_deploy_state_new (self->state);
  self->serving = kvp_serving_state_new (self->deploy);
  /* A sizing vLLM would refuse is drawn as its reason, never the last pool. */
  g_signal_connect_object (self->deploy, "notify::refusal", G_CALLBACK (refusal_changed_cb), self, 0);
  /* With a GPU chosen, the block count follows it. */
  g_object_bind_property (self->deploy, "sizes-pool", self->num_blocks_row, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);

  /* A config.json dropped on the window opens as the model. */
  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  setup_dropdowns (self);
  setup_rows (self);
  sync_rows (self);
  sync_model (self);

  g_signal_connect (self->state, "notify::model", G_CALLBACK (state_model_changed_cb), self);
  g_signal_connect (self->state, "notify::kv-dtype", G_CALLBACK (state_model_changed_cb), self);
  g_signal_connect (self->state, "notify::comparison", G_CALLBACK (state_comparison_changed_cb), self);
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      g_autofree char *signal = g_strconcat ("notify::", kvp_param_get_info (i)->name, NULL);

      g_signal_connect (self->state, signal, G_CALLBACK (state_value_changed_cb), self);
    }

  _kvp_window_setup_serving (self, GTK_WIDGET (self->sidebar), self->view_stack);
  kvp_panel_scroll_attach (self->sidebar);
  g_object_bind_property_full (self, "view", self->seq_len_row, "sensitive", G_BINDING_SYNC_CREATE,
                               view_is_sequence, NULL, NULL, NULL);
  g_object_bind_property_full (self, "view", self->samples_row, "sensitive", G_BINDING_SYNC_CREATE,
                               view_is_sequence, NULL, NULL, NULL);
  g_object_bind_property_full (self, "view", self->prompt_len_row, "sensitive", G_BINDING_SYNC_CREATE,
                               view_is_sequence, NULL, NULL, NULL);
  kvp_accessible_names_fix (GTK_WIDGET (self));
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

KvpState *
kvp_window_get_state (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  return self->state;
}

void
kvp_window_get_params (KvpWindow *self,
                       KvpParams *out_params)
{
  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (out_params != NULL);

  kvp_state_get_params (self->state, out_params);
}

void
kvp_window_set_params (KvpWindow       *self,
                       const KvpParams *params)
{
  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (params != NULL);

  kvp_state_set_params (self->state, params);
}

void
kvp_window_reset (KvpWindow *self)
{
  g_return_if_fail (KVP_IS_WINDOW (self));

  kvp_state_reset (self->state);
}

KvpComparison *
kvp_window_get_comparison (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  return kvp_state_flush (self->state);
}

KvpCanvas *
kvp_window_get_canvas (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  return self->canvas;
}

/* A picture of a pool vLLM would not make is not exported: the reason is. */
static gboolean
check_not_refused (KvpWindow  *self,
                   GError    **error)
{
  const char *refusal = kvp_deploy_state_get_refusal (self->deploy);

  if (refusal == NULL)
    return TRUE;
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, "%s", refusal);
  return FALSE;
}

gboolean
kvp_window_export (KvpWindow   *self,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(KvpPictureSource) source = NULL;
  KvpComparison *cmp;
  KvpExportFormat format;

  g_return_val_if_fail (KVP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kvp_export_format_from_path (path, &format, error))
    return FALSE;

  {
    gboolean handled;
    gboolean written = _kvp_window_serving_export (self, kvp_canvas_get_theme (self->canvas), path, &handled, error);

    if (handled)
      return written;
  }

  if (!check_not_refused (self, error))
    return FALSE;
  cmp = kvp_window_get_comparison (self);
  g_return_val_if_fail (cmp != NULL, FALSE);

  /* The size the command line exports at, whatever the window's size: a
   * small window must export as well as a large one. */
  source = kvp_scene_source_new (cmp);
  return kvp_export_write (source, kvp_canvas_get_theme (self->canvas), path,
                           KVP_EXPORT_DEFAULT_WIDTH, KVP_EXPORT_DEFAULT_HEIGHT, 1.0, error);
}

static void
export_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (kvp_export_write_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
kvp_window_export_async (KvpWindow           *self,
                         const char          *path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(KvpPictureSource) source = NULL;
  GError *error = NULL;

  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kvp_window_export_async);

  if (!kvp_export_format_from_path (path, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (_kvp_window_serving_export_async (self, kvp_canvas_get_theme (self->canvas), path, cancellable,
                                        export_written_cb, task))
    {
      g_steal_pointer (&task);
      return;
    }

  if (!check_not_refused (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  source = kvp_scene_source_new (kvp_window_get_comparison (self));
  kvp_export_write_async (source, kvp_canvas_get_theme (self->canvas), path,
                          KVP_EXPORT_DEFAULT_WIDTH, KVP_EXPORT_DEFAULT_HEIGHT, 1.0,
                          cancellable, export_written_cb, g_steal_pointer (&task));
}

gboolean
kvp_window_export_finish (KvpWindow     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
kvp_window_copy (KvpWindow *self)
{
  g_autoptr(GdkTexture) texture = NULL;

  g_return_val_if_fail (KVP_IS_WINDOW (self), FALSE);

  {
    gboolean serving;

    texture = _kvp_window_serving_render_texture (self, &serving);
    if (!serving)
      {
        kvp_window_get_comparison (self);
        texture = kvp_canvas_render_texture (self->canvas);
      }
  }
  if (texture == NULL)
    return FALSE;

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (self)), texture);
  return TRUE;
}

void
kvp_window_show_notification (KvpWindow  *self,
                              const char *text)
{
  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  gtk_label_set_label (self->banner_label, text);
  gtk_revealer_set_reveal_child (self->banner, TRUE);

  g_clear_handle_id (&self->banner_id, g_source_remove);
  self->banner_id = g_timeout_add_seconds (BANNER_TIMEOUT_S, banner_timeout_cb, self);
}

const char *
kvp_window_get_notification (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->banner))
    return NULL;

  return gtk_label_get_label (self->banner_label);
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

  g_settings_apply (self->params_settings);
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  kvp_settings_save_window_state (self->settings, width, height,
                                  gtk_window_is_maximized (GTK_WINDOW (self)));
}

static void
config_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KvpWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  KvpModelConfig *config = g_task_propagate_pointer (G_TASK (result), &error);

  /* The window is gone (it cancels in dispose): self must not be read. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A bad file changes nothing; one line says why. */
  if (config == NULL)
    {
      kvp_window_show_notification (self, error->message);
      return;
    }

  kvp_window_add_config (self, config);
  kvp_model_config_unref (config);
}

static void
load_config_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GError *error = NULL;
  g_autofree char *path = g_file_get_path (task_data);
  KvpModelConfig *config;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (task_data);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("%s is not a local file."), uri);
      return;
    }

  config = kvp_model_config_new_from_file (path, &error);
  if (config == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, config, (GDestroyNotify) kvp_model_config_unref);
}

/* Whether two configs are one: the same object, or the same name and the
 * same figures (the file read again). */
static gboolean
same_config (const KvpModelConfig *a,
             const KvpModelConfig *b)
{
  KvpModel x = a->model, y = b->model;

  if (a == b)
    return TRUE;
  x.key = y.key = x.name = y.name = NULL;
  return g_str_equal (a->name, b->name) && memcmp (&x, &y, sizeof x) == 0 && a->dtype == b->dtype &&
         memcmp (a->layers, b->layers, a->model.num_layers * sizeof (KvpLayer)) == 0;
}

void
kvp_window_add_config (KvpWindow      *self,
                       KvpModelConfig *config)
{
  guint n_presets;

  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (config != NULL);

  kvp_model_catalog_get_presets (&n_presets);
  load_shipped_configs (self);
  /* The same config opened again is the entry it has already. */
  for (guint i = 0; i < self->configs->len; i++)
    if (same_config (self->configs->pdata[i], config))
      {
        gtk_drop_down_set_selected (self->model_dropdown, n_presets + i);
        return;
      }

  /* Its model goes to comparisons and exports that may outlive the window. */
  g_ptr_array_add (self->configs, kvp_model_config_ref (config));
  fill_models (self);
  /* Selecting it chooses it, as a person would. */
  gtk_drop_down_set_selected (self->model_dropdown, n_presets + self->configs->len - 1);
}

void
kvp_window_open_config (KvpWindow *self,
                        GFile     *file)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KVP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  /* Reading and parsing a file is no work for the main thread; a closed
   * window is not kept for it. */
  if (self->load_cancellable == NULL)
    self->load_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->load_cancellable, config_loaded_cb, self);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_config_thread);
}

KvpGpuGroup *
kvp_window_get_gpu_group (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  add_gpu_group (self);
  return self->gpu_group;
}

KvpDeployState *
kvp_window_get_deploy_state (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  return self->deploy;
}

KvpServingState *
kvp_window_get_serving_state (KvpWindow *self)
{
  g_return_val_if_fail (KVP_IS_WINDOW (self), NULL);

  return self->serving;
}
