/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the KV Page window — built from its template and freed, every
 * control recomputing what is shown, the does-not-fit state, actions and
 * shortcuts, export, settings, and the picture it really draws. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "kvp-application.h"
#include "kvp-count-row.h"
#include "kvp-deploy.h"
#include "kvp-export.h"
#include "kvp-format.h"
#include "kvp-gpu-group.h"
#include "kvp-log-dialog.h"
#include "kvp-vllm-log.h"
#include "kvp-error.h"
#include "kvp-model-catalog.h"
#include "kvp-panel-scroll.h"
#include "kvp-settings.h"
#include "kvp-test-display.h"
#include "kvp-test-utils.h"
#include "kvp-window.h"
#include "kvp-window-private.h"

/* Predicates the tests await instead of sleeping. */
static gboolean
child_revealed (gpointer revealer)
{
  return gtk_revealer_get_child_revealed (revealer);
}

static gboolean
canvas_is_dark (gpointer window)
{
  return kvp_canvas_get_theme (kvp_window_get_canvas (window))->variant == KVP_THEME_DARK;
}

static gboolean
canvas_is_light (gpointer window)
{
  return kvp_canvas_get_theme (kvp_window_get_canvas (window))->variant == KVP_THEME_LIGHT;
}

static gboolean
max_seq_len_saved (gpointer settings)
{
  return g_settings_get_uint (settings, "max-seq-len") == 1000;
}

/* The "How it works" text, expanded, scrolled into the panel's view. */
static gboolean
expander_in_view (gpointer window)
{
  GtkWidget *sidebar = (GtkWidget *) gtk_widget_get_template_child (window, KVP_TYPE_WINDOW, "sidebar");
  GtkWidget *expander = (GtkWidget *) gtk_widget_get_template_child (window, KVP_TYPE_WINDOW, "how_expander");
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sidebar));
  graphene_rect_t bounds;

  return gtk_adjustment_get_upper (vadjustment) > gtk_adjustment_get_page_size (vadjustment) &&
         gtk_widget_compute_bounds (expander, sidebar, &bounds) &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (sidebar) + 1;
}

static gboolean
fills_width (gpointer canvas)
{
  return gtk_widget_get_width (canvas) >= 780;
}

static gboolean
laid_out_small (gpointer window)
{
  return gtk_widget_get_width (window) <= 800 && gtk_widget_get_height (window) <= 500;
}

static gboolean
wait_for_size (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (gtk_widget_get_width (widget) <= 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);

  return gtk_widget_get_width (widget) > 0;
}

static void
set_animations (gboolean enabled)
{
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", enabled, NULL);
}

/* A shown window at a known size, with no settings behind it. */
static KvpWindow *
show_window (void)
{
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);

  g_object_ref (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 680);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for_size (GTK_WIDGET (kvp_window_get_canvas (window))));

  return window;
}

static void
close_window (KvpWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

/* A template child of @widget's class @type, e.g. the window's or the GPU
 * group's. */
static gpointer
child_of (gpointer    widget,
          GType       type,
          const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

static gpointer
template_child (KvpWindow  *window,
                const char *name)
{
  return child_of (window, KVP_TYPE_WINDOW, name);
}

static KvpCountRow *
row (KvpWindow  *window,
     const char *name)
{
  return KVP_COUNT_ROW (template_child (window, name));
}

/* The spin button of a row, e.g. spin (window, "seq_len"). */
static GtkSpinButton *
spin (KvpWindow  *window,
      const char *name)
{
  g_autofree char *id = g_strconcat (name, "_row", NULL);

  return kvp_count_row_get_spin_button (row (window, id));
}

static GtkAdjustment *
slider (KvpWindow  *window,
        const char *name)
{
  g_autofree char *id = g_strconcat (name, "_row", NULL);

  return gtk_range_get_adjustment (GTK_RANGE (kvp_count_row_get_scale (row (window, id))));
}

static void
test_template (void)
{
  static const char *children[] = {
    "canvas", "subtitle_label", "menu_button", "model_dropdown", "dtype_dropdown",
    "seq_len_row", "block_size_row", "num_blocks_row", "max_seq_len_row",
    "samples_row", "prompt_len_row", "sidebar", "how_expander", "banner", "banner_label", "banner_close_button",
  };
  GObject *weak[G_N_ELEMENTS (children)];
  KvpWindow *window = show_window ();

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "KV Page");
  g_assert_true (GTK_IS_HEADER_BAR (gtk_window_get_titlebar (GTK_WINDOW (window))));
  g_assert_cmpstr (gtk_label_get_label (template_child (window, "subtitle_label")), ==,
                   "TinyLlama 1.1B · fp16");

  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      weak[i] = template_child (window, children[i]);
      g_object_add_weak_pointer (weak[i], (gpointer *) &weak[i]);
    }

  kvp_test_iterate_for (100);
  close_window (window);

  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      if (weak[i] != NULL)
        g_error ("Template child %s outlived the window", children[i]);
    }
}

/* What the canvas tells a screen reader, in the comparison's own figures. */
static void
assert_description (KvpWindow *window)
{
  KvpComparison *cmp = kvp_window_get_comparison (window);
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  const char *description = kvp_canvas_get_description (canvas);
  g_autofree char *traditional = kvp_format_bytes (cmp->traditional_bytes);
  g_autofree char *paged = kvp_format_bytes (cmp->paged_bytes);
  g_autofree char *expected = kvp_scene_dup_description (kvp_canvas_get_scene (canvas));

  g_assert_nonnull (description);
  g_assert_cmpstr (description, ==, expected);
  g_assert_nonnull (strstr (description, traditional));
  if (cmp->fits)
    g_assert_nonnull (strstr (description, paged));
}

static void
test_default_row (void)
{
  KvpWindow *window = show_window ();
  KvpComparison *cmp = kvp_window_get_comparison (window);
  const char *description;

  /* The default row of DESIGN.md. */
  g_assert_cmpuint (cmp->params.seq_len, ==, 128);
  g_assert_cmpuint (cmp->params.max_seq_len, ==, 2048);
  g_assert_cmpuint (cmp->traditional_bytes, ==, 2048u * 22528u);
  g_assert_cmpuint (cmp->paged_bytes, ==, 128u * 22528u);
  g_assert_cmpuint (cmp->blocks_used, ==, 8);

  assert_description (window);
  description = kvp_canvas_get_description (kvp_window_get_canvas (window));
  g_assert_nonnull (strstr (description, "44.00 MiB"));
  g_assert_nonnull (strstr (description, "2.75 MiB"));
  g_assert_nonnull (strstr (description, "41.25 MiB"));
  g_assert_nonnull (strstr (description, "93.75 %"));
  g_assert_nonnull (strstr (description, "0.78 %"));

  close_window (window);
}

static void
set_adjustment (KvpWindow  *window,
                const char *name,
                double      value)
{
  gtk_adjustment_set_value (slider (window, name), value);
}

static void
test_controls (void)
{
  KvpWindow *window = show_window ();
  KvpComparison *cmp;
  guint64 bpt;

  /* Sequence length, spin button and slider. */
  gtk_spin_button_set_value (spin (window, "seq_len"), 256);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.seq_len, ==, 256);
  g_assert_cmpuint (cmp->blocks_used, ==, 16);
  g_assert_cmpfloat (gtk_adjustment_get_value (slider (window, "seq_len")), ==, 256);
  assert_description (window);

  set_adjustment (window, "seq_len", 1000);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.seq_len, ==, 1000);
  g_assert_cmpuint (cmp->blocks_used, ==, 63);
  assert_description (window);

  /* Block size: the slider moves over powers of two, the spin button to any. */
  g_assert_cmpint (gtk_range_get_round_digits (GTK_RANGE (kvp_count_row_get_scale (row (window, "block_size_row")))), ==, 0);
  g_assert_cmpint (gtk_range_get_round_digits (GTK_RANGE (kvp_count_row_get_scale (row (window, "seq_len_row")))), ==, 0);
  set_adjustment (window, "block_size", 5);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.block_size, ==, 32);
  g_assert_cmpuint (cmp->blocks_used, ==, 32);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "block_size")), ==, 32);
  assert_description (window);

  gtk_spin_button_set_value (spin (window, "block_size"), 24);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.block_size, ==, 24);
  g_assert_cmpuint (cmp->blocks_used, ==, 42);
  g_assert_cmpuint (cmp->paged_waste_tokens, ==, 42 * 24 - 1000);
  assert_description (window);

  gtk_spin_button_set_value (spin (window, "block_size"), 1024);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.block_size, ==, 1024);
  gtk_spin_button_set_value (spin (window, "block_size"), 16);

  /* Block count: a log slider and a spin button, both 1 … 2^24. */
  set_adjustment (window, "num_blocks", 12);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.num_blocks, ==, 4096);
  g_assert_cmpuint (cmp->blocks_free, ==, 4096 - 63);
  assert_description (window);

  gtk_spin_button_set_value (spin (window, "num_blocks"), 3000000);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.num_blocks, ==, 3000000);
  g_assert_cmpfloat (gtk_adjustment_get_value (slider (window, "num_blocks")), ==, log2 (3000000));
  assert_description (window);

  gtk_spin_button_set_value (spin (window, "num_blocks"), 1024);

  /* Reserved length; a shorter one takes the sequence with it. */
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 1024);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.max_seq_len, ==, 1024);
  g_assert_cmpuint (cmp->params.seq_len, ==, 1000);
  g_assert_cmpuint (cmp->traditional_bytes, ==, 1024u * 22528u);
  assert_description (window);

  set_adjustment (window, "max_seq_len", 9);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.max_seq_len, ==, 512);
  g_assert_cmpuint (cmp->params.seq_len, ==, 512);
  g_assert_cmpfloat (gtk_adjustment_get_upper (slider (window, "seq_len")), ==, 512);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "seq_len")), ==, 512);
  assert_description (window);

  /* The second row of DESIGN.md. */
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 1024);
  gtk_spin_button_set_value (spin (window, "seq_len"), 128);
  cmp = kvp_window_get_comparison (window);
  g_assert_nonnull (strstr (kvp_canvas_get_description (kvp_window_get_canvas (window)), "22.00 MiB"));
  g_assert_nonnull (strstr (kvp_canvas_get_description (kvp_window_get_canvas (window)), "87.50 %"));

  /* Model: its context becomes the reservation. */
  gtk_drop_down_set_selected (template_child (window, "model_dropdown"), 1);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpstr (cmp->params.model->key, ==, "llama-2-7b");
  g_assert_cmpuint (cmp->params.max_seq_len, ==, 4096);
  g_assert_cmpuint (cmp->bytes_per_token, ==, 2u * 32 * 32 * 128 * 2);
  g_assert_cmpstr (gtk_label_get_label (template_child (window, "subtitle_label")), ==,
                   "Llama 2 7B · fp16");
  assert_description (window);

  /* KV cache type. */
  bpt = cmp->bytes_per_token;
  gtk_drop_down_set_selected (template_child (window, "dtype_dropdown"), KVP_DTYPE_FP32);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpint (cmp->params.dtype, ==, KVP_DTYPE_FP32);
  g_assert_cmpuint (cmp->bytes_per_token, ==, 2 * bpt);
  assert_description (window);

  /* Reset to Defaults. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL));
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpstr (cmp->params.model->key, ==, "tinyllama-1.1b");
  g_assert_cmpuint (cmp->params.seq_len, ==, 128);
  g_assert_cmpuint (cmp->params.num_blocks, ==, 1024);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "max_seq_len")), ==, 2048);

  close_window (window);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

/* A dragged slider sends many values between frames; the core runs once. */
static void
test_coalesce (void)
{
  KvpWindow *window = show_window ();
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  GtkAdjustment *adjustment = slider (window, "num_blocks");
  guint n_descriptions = 0;

  kvp_window_get_comparison (window);
  g_signal_connect (canvas, "notify::description", G_CALLBACK (count_cb), &n_descriptions);

  for (guint i = 0; i <= 100; i++)
    gtk_adjustment_set_value (adjustment, 10.0 + i / 10.0);
  g_assert_cmpuint (n_descriptions, ==, 0);

  g_assert_cmpuint (kvp_window_get_comparison (window)->params.num_blocks, ==, 1048576);
  g_assert_cmpuint (n_descriptions, ==, 1);
  g_test_message ("Scene at 1,048,576 blocks: %.2f ms",
                  kvp_canvas_get_last_build_time (canvas) / 1000.0);

  /* Nothing more is pending. */
  kvp_test_iterate_for (50);
  g_assert_cmpuint (n_descriptions, ==, 1);

  /* Comparisons are built in a worker thread, the newest values winning
   * over the ones still being built. */
  {
    GtkSpinButton *blocks = spin (window, "num_blocks");
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    gtk_spin_button_set_value (blocks, 2000000);
    kvp_test_iterate_for (5);
    gtk_spin_button_set_value (blocks, 3000000);
    kvp_test_iterate_for (5);
    gtk_spin_button_set_value (blocks, 2500000);
    while (kvp_canvas_get_comparison (canvas)->params.num_blocks != 2500000 &&
           g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (kvp_canvas_get_comparison (canvas)->params.num_blocks, ==, 2500000);
    kvp_test_iterate_for (100);
    g_assert_cmpuint (kvp_canvas_get_comparison (canvas)->params.num_blocks, ==, 2500000);
    g_assert_true (kvp_window_get_comparison (window) == kvp_canvas_get_comparison (canvas));
  }

  close_window (window);
}

static void
test_does_not_fit (void)
{
  KvpWindow *window = show_window ();
  KvpComparison *cmp;
  KvpParams params;
  const char *description;

  kvp_window_get_params (window, &params);
  params.num_blocks = 4;
  kvp_window_set_params (window, &params);

  cmp = kvp_window_get_comparison (window);
  g_assert_false (cmp->fits);
  g_assert_cmpuint (cmp->blocks_needed, ==, 8);
  g_assert_cmpuint (cmp->blocks_used, ==, 0);

  /* Said plainly, with both counts. */
  assert_description (window);
  description = kvp_canvas_get_description (kvp_window_get_canvas (window));
  g_assert_nonnull (strstr (description, "does not fit"));
  g_assert_nonnull (strstr (description, "8 blocks"));
  g_assert_nonnull (strstr (description, "4 blocks"));
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "num_blocks")), ==, 4);

  /* And back. */
  gtk_spin_button_set_value (spin (window, "num_blocks"), 8);
  g_assert_true (kvp_window_get_comparison (window)->fits);

  close_window (window);
}

static void
test_animation (void)
{
  KvpWindow *window = show_window ();
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  gint64 end;

  set_animations (TRUE);
  gtk_spin_button_set_value (spin (window, "seq_len"), 512);
  kvp_window_get_comparison (window);
  g_assert_true (kvp_canvas_get_animating (canvas));

  /* The tick callback goes away once the transition settles. */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (kvp_canvas_get_animating (canvas) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (kvp_canvas_get_animating (canvas));

  /* No animations wanted: the settled frame at once. */
  set_animations (FALSE);
  gtk_spin_button_set_value (spin (window, "seq_len"), 64);
  kvp_window_get_comparison (window);
  g_assert_false (kvp_canvas_get_animating (canvas));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.replay", NULL));
  g_assert_false (kvp_canvas_get_animating (canvas));

  set_animations (TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.replay", NULL));
  g_assert_true (kvp_canvas_get_animating (canvas));

  /* Turned off mid-transition: the picture settles there and then. */
  set_animations (FALSE);
  g_assert_false (kvp_canvas_get_animating (canvas));
  set_animations (TRUE);

  close_window (window);
}

/* Closing the window while a worker still builds a big pool: the window
 * goes away once the job ends, and nothing touches it after. */
static void
test_close_during_job (void)
{
  KvpWindow *window = show_window ();
  gpointer alive = window;
  gint64 end;

  g_object_add_weak_pointer (G_OBJECT (window), &alive);
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 16777216);
  gtk_spin_button_set_value (spin (window, "seq_len"), 16777216);
  gtk_spin_button_set_value (spin (window, "num_blocks"), 16777216);
  /* Let the frame clock hand the recompute to its worker. */
  kvp_test_iterate_for (50);

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);

  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (alive != NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (alive);
}

static gboolean
has_binding (GtkWidget  *widget,
             const char *trigger,
             const char *action_name)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr(GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (trigger);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_NAMED_ACTION (action) &&
              g_strcmp0 (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), action_name) == 0 &&
              gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), wanted))
            return TRUE;
        }
    }

  return FALSE;
}

static void
assert_accel (GtkApplication *app,
              const char     *action,
              const char     *accel)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (app, action);

  g_assert_true (g_strv_contains ((const char * const *) accels, accel));
}

static gboolean
has_default_icon (gpointer data)
{
  return g_strcmp0 (gtk_window_get_default_icon_name (), "io.github.kvpage.KvPage") == 0;
}

static void
test_actions (void)
{
  g_autoptr(KvpApplication) app = kvp_application_new ();
  g_autoptr(GError) error = NULL;
  GSettings *settings;
  KvpWindow *window;
  gboolean dark = FALSE;
  const char *app_actions[] = { "quit", "about", "shortcuts", "style" };

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_application_get_application_id (G_APPLICATION (app)), ==, "io.github.kvpage.KvPage");
  /* Started up with no folder of its own in the icon theme: GtkApplication
   * adds one for a resource base path, and the theme GTK began to read in
   * a thread is then read again before the window maps (start-up). */
  {
    GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
    g_auto(GStrv) paths = gtk_icon_theme_get_resource_path (theme);

    for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
      g_assert_false (g_str_has_prefix (paths[i], "/io/github/kvpage/"));
  }

  for (guint i = 0; i < G_N_ELEMENTS (app_actions); i++)
    g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), app_actions[i]));

  assert_accel (GTK_APPLICATION (app), "app.quit", "<Control>q");
  assert_accel (GTK_APPLICATION (app), "app.shortcuts", "<Control>question");

  settings = kvp_application_get_settings (app);
  g_assert_nonnull (settings);

  /* Activated, the application opens its window; the window manager's
   * icon is named after the first frame (start-up), and named it is. */
  g_application_activate (G_APPLICATION (app));
  window = KVP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  g_object_ref (window);
  g_assert_true (wait_for_size (GTK_WIDGET (kvp_window_get_canvas (window))));
  g_assert_true (kvp_test_iterate_until (has_default_icon, NULL));

  /* Window actions, bound on the window (Ctrl+C in a text field stays
   * the field's). */
  g_assert_true (has_binding (GTK_WIDGET (window), "<Control>e", "win.export"));
  g_assert_true (has_binding (GTK_WIDGET (window), "<Control>o", "win.open-config"));
  g_assert_true (has_binding (GTK_WIDGET (window), "<Control>c", "win.copy"));
  g_assert_true (has_binding (GTK_WIDGET (window), "<Control>r", "win.replay"));
  /* Reset brings back DESIGN.md's default row. */
  gtk_spin_button_set_value (spin (window, "num_blocks"), 77);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.num_blocks, ==, 77);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL));
  {
    KvpComparison *cmp = kvp_window_get_comparison (window);

    g_assert_cmpuint (cmp->params.num_blocks, ==, 1024);
    g_assert_cmpuint (cmp->params.seq_len, ==, 128);
    g_assert_cmpuint (cmp->traditional_bytes, ==, 44 * 1024 * 1024);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.replay", NULL));
  g_assert_true (kvp_canvas_get_animating (kvp_window_get_canvas (window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.copy", NULL));

  /* The copied picture is on the clipboard as a texture. */
  {
    GdkContentFormats *formats = gdk_clipboard_get_formats (gtk_widget_get_clipboard (GTK_WIDGET (window)));
    g_assert_true (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE));
  }

  /* The style choice: stateful, remembered, and the canvas follows it. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "style", g_variant_new_string ("dark"));
  g_assert_cmpint (g_settings_get_enum (settings, "style"), ==, KVP_STYLE_DARK);
  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", &dark, NULL);
  g_assert_true (dark);
  g_assert_true (kvp_test_iterate_until (canvas_is_dark, window));
  g_assert_cmpint (kvp_canvas_get_theme (kvp_window_get_canvas (window))->variant, ==, KVP_THEME_DARK);

  g_action_group_activate_action (G_ACTION_GROUP (app), "style", g_variant_new_string ("light"));
  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", &dark, NULL);
  g_assert_false (dark);
  g_assert_true (kvp_test_iterate_until (canvas_is_light, window));
  g_assert_cmpint (kvp_canvas_get_theme (kvp_window_get_canvas (window))->variant, ==, KVP_THEME_LIGHT);
  g_settings_reset (settings, "style");

  close_window (window);
}

static gboolean
file_starts_with (const char *path,
                  const char *magic)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  return length >= strlen (magic) && memcmp (contents, magic, strlen (magic)) == 0;
}

static void
test_export (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "picture.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "picture.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "picture.pdf", NULL);
  g_autofree char *bad = g_build_filename (dir, "picture.bmp", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  KvpWindow *window = show_window ();
  GtkWidget *canvas = GTK_WIDGET (kvp_window_get_canvas (window));

  g_assert_true (kvp_window_export (window, png, &error));
  g_assert_no_error (error);
  g_assert_true (file_starts_with (png, "\x89PNG"));

  /* The command line's size, not the window's. */
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, KVP_EXPORT_DEFAULT_WIDTH);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, KVP_EXPORT_DEFAULT_HEIGHT);
  g_assert_cmpint (gtk_widget_get_width (canvas), !=, KVP_EXPORT_DEFAULT_WIDTH);

  g_assert_true (kvp_window_export (window, svg, &error));
  g_assert_no_error (error);
  g_assert_true (file_starts_with (svg, "<?xml"));

  g_assert_true (kvp_window_export (window, pdf, &error));
  g_assert_no_error (error);
  g_assert_true (file_starts_with (pdf, "%PDF"));

  /* A format export does not know fails with a message, writing nothing. */
  g_assert_false (kvp_window_export (window, bad, &error));
  g_assert_nonnull (error);
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));

  close_window (window);

  g_unlink (png);
  g_unlink (svg);
  g_unlink (pdf);
  g_rmdir (dir);
}

static void
reset_settings (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

/* A window on the settings, shown and settled. */
static KvpWindow *
window_on (GSettings       *settings,
           const KvpParams *params)
{
  KvpWindow *window = kvp_window_new (NULL, settings, params);

  g_object_ref (window);
  kvp_window_get_comparison (window);
  return window;
}

/* The samples and the shared prefix: rows of the state's parameters, the
 * prefix clamped to the sequence as the other rows are, both remembered and
 * the comparison computed with them. */
static void
test_samples_rows (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.kvpage.KvPage");
  KvpWindow *window;
  KvpComparison *cmp;

  reset_settings (settings);
  window = window_on (settings, NULL);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "samples")), ==, 1);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "prompt_len")), ==, 0);
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (row (window, "samples_row"))));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (row (window, "samples_row"))), "SamplingParams.n"));

  gtk_spin_button_set_value (spin (window, "seq_len"), 160);
  gtk_spin_button_set_value (spin (window, "samples"), 4);
  gtk_spin_button_set_value (spin (window, "prompt_len"), 100);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.samples, ==, 4);
  g_assert_cmpuint (cmp->params.prompt_len, ==, 100);
  g_assert_cmpuint (cmp->blocks_used, ==, 22);
  g_assert_cmpuint (cmp->shared_blocks, ==, 6);

  /* The prefix reaches only as far as the sequence. */
  gtk_spin_button_set_value (spin (window, "prompt_len"), 5000);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.prompt_len, ==, 160);
  g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (spin (window, "prompt_len"))), ==, 160);
  gtk_spin_button_set_value (spin (window, "prompt_len"), 100);

  kvp_test_iterate_for (1300);
  g_assert_cmpuint (g_settings_get_uint (settings, "samples"), ==, 4);
  g_assert_cmpuint (g_settings_get_uint (settings, "prompt-len"), ==, 100);
  close_window (window);

  window = window_on (settings, NULL);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.samples, ==, 4);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.prompt_len, ==, 100);
  close_window (window);
  reset_settings (settings);
}

/* The GPU and serving choices are remembered as the state holds them, read
 * back clamped, and the window sizes the pool from them again. */
static void
test_settings_gpu (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.kvpage.KvPage");
  g_autofree char *gpu = NULL;
  KvpDeployState *deploy;
  KvpWindow *window;
  guint64 blocks;

  reset_settings (settings);
  g_settings_set_double (settings, "gpu-memory-utilization", 7.0);
  g_settings_set_uint (settings, "tensor-parallel-size", 0);
  window = window_on (settings, NULL);
  deploy = kvp_window_get_deploy_state (window);
  g_assert_cmpfloat (kvp_deploy_state_get_utilization (deploy), ==, 1.0);
  g_assert_cmpuint (kvp_deploy_state_get_tensor_parallel_size (deploy), ==, 1);

  g_object_set (deploy, "gpu", "h100-80gb", "utilization", 0.5, "weights-memory", (guint64) 3 << 30, NULL);
  g_object_set (kvp_window_get_serving_state (window), "requests", 77, "rate", 2.5, "seed", (guint64) 9, NULL);
  blocks = kvp_state_get_value (kvp_window_get_state (window), KVP_PARAM_NUM_BLOCKS);
  kvp_window_save_state (window);
  gpu = g_settings_get_string (settings, "gpu");
  g_assert_cmpstr (gpu, ==, "h100-80gb");
  close_window (window);

  window = window_on (settings, NULL);
  deploy = kvp_window_get_deploy_state (window);
  g_assert_cmpstr (kvp_deploy_state_get_gpu (deploy), ==, "h100-80gb");
  g_assert_cmpfloat (kvp_deploy_state_get_utilization (deploy), ==, 0.5);
  g_assert_cmpuint (kvp_state_get_value (kvp_window_get_state (window), KVP_PARAM_NUM_BLOCKS), ==, blocks);
  g_assert_cmpuint (kvp_serving_state_get_requests (kvp_window_get_serving_state (window)), ==, 77);
  close_window (window);

  /* A rate no workload takes is read as the most there is. */
  g_settings_set_double (settings, "serving-request-rate", 5e9);
  window = window_on (settings, NULL);
  {
    double rate = 0;

    g_object_get (kvp_window_get_serving_state (window), "rate", &rate, NULL);
    g_assert_cmpfloat (rate, ==, 1e6);
  }
  close_window (window);
  reset_settings (settings);
}

static gboolean
file_taken (gpointer serving)
{
  return kvp_serving_state_get_workload_file (serving) != NULL && !kvp_serving_state_get_busy (serving);
}

/* The serving view's built-in workload is remembered, conversations too; a
 * file opened is not (it may be gone next time) and leaves the key as it
 * was.  The key's choices are the built-ins the drop-down offers. */
static void
test_settings_workload (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.kvpage.KvPage");
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) key = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) choices = NULL;
  g_autofree const char **names = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "requests.csv", NULL);
  g_autofree char *saved = NULL;
  KvpServingState *serving;
  KvpWindow *window;

  g_object_get (settings, "settings-schema", &schema, NULL);
  key = g_settings_schema_get_key (schema, "serving-workload");
  range = g_settings_schema_key_get_range (key);
  g_variant_get (range, "(&sv)", NULL, &choices);
  names = g_variant_get_strv (choices, NULL);
  g_assert_true (g_strv_equal ((const char * const *) names, kvp_workload_get_builtins ()));

  reset_settings (settings);
  window = window_on (settings, NULL);
  serving = kvp_window_get_serving_state (window);
  g_assert_cmpstr (kvp_serving_state_get_workload (serving), ==, "sharegpt");
  g_object_set (serving, "workload", "conversation", NULL);
  kvp_window_save_state (window);
  saved = g_settings_get_string (settings, "serving-workload");
  g_assert_cmpstr (saved, ==, "conversation");

  /* A file opened runs, and the key still says conversation. */
  g_assert_true (g_file_set_contents (csv, "prompt_len,output_len\n10,5\n", -1, NULL));
  g_object_set (serving, "active", TRUE, NULL);
  kvp_serving_state_open_workload_file (serving, csv);
  g_assert_true (kvp_test_iterate_until (file_taken, serving));
  g_assert_cmpstr (kvp_serving_state_get_workload (serving), ==, csv);
  kvp_window_save_state (window);
  g_clear_pointer (&saved, g_free);
  saved = g_settings_get_string (settings, "serving-workload");
  g_assert_cmpstr (saved, ==, "conversation");
  close_window (window);

  window = window_on (settings, NULL);
  g_assert_cmpstr (kvp_serving_state_get_workload (kvp_window_get_serving_state (window)), ==, "conversation");
  close_window (window);
  reset_settings (settings);
  g_unlink (csv);
  g_rmdir (dir);
}

static void
test_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.kvpage.KvPage");
  KvpWindow *window;
  KvpParams params;
  KvpParams loaded;
  int width, height;
  gboolean maximized;

  reset_settings (settings);

  /* Values nobody should trust: the window shows them clamped. */
  g_settings_set_string (settings, "model", "no-such-model");
  g_settings_set_string (settings, "kv-dtype", "fp64");
  g_settings_set_uint (settings, "num-blocks", 99999999);
  g_settings_set_uint (settings, "block-size", 0);
  g_settings_set_uint (settings, "max-seq-len", 4096);
  g_settings_set_uint (settings, "seq-len", 5000);
  g_settings_set_int (settings, "window-width", 10);
  g_settings_set_int (settings, "window-height", -5);

  window = window_on (settings, NULL);
  kvp_window_get_params (window, &loaded);
  g_assert_cmpstr (loaded.model->key, ==, "tinyllama-1.1b");
  g_assert_cmpint (loaded.dtype, ==, KVP_DTYPE_FP16);
  g_assert_cmpuint (loaded.num_blocks, ==, 16777216);
  g_assert_cmpuint (loaded.block_size, ==, 1);
  g_assert_cmpuint (loaded.max_seq_len, ==, 4096);
  g_assert_cmpuint (loaded.seq_len, ==, 4096);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.num_blocks, ==, 16777216);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "num_blocks")), ==, 16777216);
  close_window (window);

  kvp_settings_load_window_state (settings, &width, &height, &maximized);
  g_assert_cmpint (width, ==, KVP_WINDOW_MIN_WIDTH);
  g_assert_cmpint (height, ==, KVP_WINDOW_MIN_HEIGHT);

  g_settings_set_uint (settings, "max-seq-len", 0);
  g_settings_set_uint (settings, "seq-len", 0);
  g_settings_set_uint (settings, "block-size", 5000);
  window = window_on (settings, NULL);
  kvp_window_get_params (window, &loaded);
  g_assert_cmpuint (loaded.max_seq_len, ==, 1);
  g_assert_cmpuint (loaded.seq_len, ==, 1);
  g_assert_cmpuint (loaded.block_size, ==, 1024);

  /* Round trip: what the window shows is what the next one starts from. */
  kvp_params_init_default (&params);
  params.model = kvp_model_lookup ("mistral-7b", NULL);
  params.dtype = KVP_DTYPE_BF16;
  params.max_seq_len = 8192;
  params.seq_len = 3000;
  params.block_size = 32;
  params.num_blocks = 4096;
  kvp_window_set_params (window, &params);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  kvp_window_save_state (window);
  close_window (window);

  {
    g_autofree char *model = g_settings_get_string (settings, "model");
    g_assert_cmpstr (model, ==, "mistral-7b");
  }
  g_assert_cmpuint (g_settings_get_uint (settings, "seq-len"), ==, 3000);
  kvp_settings_load_window_state (settings, &width, &height, &maximized);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 640);
  g_assert_false (maximized);

  window = window_on (settings, NULL);
  kvp_window_get_params (window, &loaded);
  g_assert_true (loaded.model == params.model);
  g_assert_cmpint (loaded.dtype, ==, KVP_DTYPE_BF16);
  g_assert_cmpuint (loaded.max_seq_len, ==, 8192);
  g_assert_cmpuint (loaded.seq_len, ==, 3000);
  g_assert_cmpuint (loaded.block_size, ==, 32);
  g_assert_cmpuint (loaded.num_blocks, ==, 4096);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);

  /* The sequence asked for is remembered, not the one a short reservation
   * shows; and the settings are written once the controls are still. */
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 1000);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 1000);
  g_assert_true (kvp_test_iterate_until (max_seq_len_saved, settings));
  g_assert_cmpuint (g_settings_get_uint (settings, "max-seq-len"), ==, 1000);
  g_assert_cmpuint (g_settings_get_uint (settings, "seq-len"), ==, 3000);
  close_window (window);

  window = window_on (settings, NULL);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 1000);
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 4096);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 3000);

  /* Launch values win over the saved ones. */
  kvp_params_init_default (&params);
  params.seq_len = 77;
  params.samples = 3;
  params.prompt_len = 40;
  close_window (window);
  window = window_on (settings, &params);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 77);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.samples, ==, 3);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.prompt_len, ==, 40);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "samples")), ==, 3);
  close_window (window);

  reset_settings (settings);
}

/* Premultiplied BGRA or RGBA in memory: read the texture back as the
 * default memory format (cairo's ARGB32 in native endianness). */
static guint
count_gradient_pixels (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = width * 4;
  g_autofree guchar *data = g_malloc (stride * height);
  guint count = 0;

  gdk_texture_download (texture, data, stride);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel = *(guint32 *) (data + y * stride + x * 4);
        guint r = (pixel >> 16) & 0xff;
        guint g = (pixel >> 8) & 0xff;
        guint b = pixel & 0xff;

        /* Between #a855f7 and #ec4899: strong red and blue, little green. */
        if (r >= 0x98 && r <= 0xf4 && g >= 0x38 && g <= 0x64 && b >= 0x88 && b <= 0xff)
          count++;
      }

  return count;
}

static void
test_render (void)
{
  KvpWindow *window;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkTexture) copied = NULL;
  GskRenderer *renderer;
  int width, height;

  set_animations (FALSE);
  window = show_window ();

  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  gtk_widget_queue_draw (GTK_WIDGET (window));
  /* Frames to pass: the picture is drawn on the frame clock. */
  kvp_test_iterate_for (200);

  width = gdk_paintable_get_intrinsic_width (paintable);
  height = gdk_paintable_get_intrinsic_height (paintable);
  g_assert_cmpint (width, >, 0);

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);

  if (g_getenv ("KVPAGE_TEST_SAVE_PNG") != NULL)
    gdk_texture_save_to_png (texture, g_getenv ("KVPAGE_TEST_SAVE_PNG"));

  /* 8 allocated blocks in the gradient, plus the paged bar. */
  g_assert_cmpuint (count_gradient_pixels (texture), >, 8 * 40);

  /* Copy Image paints the same blocks. */
  copied = kvp_canvas_render_texture (kvp_window_get_canvas (window));
  g_assert_nonnull (copied);
  g_assert_cmpuint (count_gradient_pixels (copied), >, 8 * 40);

  g_clear_object (&paintable);
  close_window (window);
  set_animations (TRUE);
}

/* The controls, the canvas and the settings all follow one KvpState: a
 * value set on the state shows in the row and, once computed, in the
 * picture. */
static void
test_follows_state (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_object_set (state, "block-size", (guint64) 64, "kv-dtype", "fp8", NULL);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "block_size")), ==, 64);
  g_assert_cmpfloat (gtk_adjustment_get_value (slider (window, "block_size")), ==, 6);
  g_assert_cmpuint (gtk_drop_down_get_selected (template_child (window, "dtype_dropdown")), ==, KVP_DTYPE_FP8);
  g_assert_cmpstr (gtk_label_get_label (template_child (window, "subtitle_label")), ==, "TinyLlama 1.1B · fp8");

  /* The worker's result reaches the canvas without anyone asking. */
  while ((kvp_canvas_get_comparison (canvas) == NULL ||
          kvp_canvas_get_comparison (canvas)->params.block_size != 64) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (kvp_canvas_get_comparison (canvas) == kvp_state_get_comparison (state));
  g_assert_cmpint (kvp_canvas_get_comparison (canvas)->params.dtype, ==, KVP_DTYPE_FP8);

  close_window (window);
}

/* Each slider reaches the whole range the spin button takes. */
static void
test_slider_range (void)
{
  KvpWindow *window = show_window ();
  const struct { const char *name; KvpParamId id; } rows[] = {
    { "block_size", KVP_PARAM_BLOCK_SIZE },
    { "num_blocks", KVP_PARAM_NUM_BLOCKS },
    { "max_seq_len", KVP_PARAM_MAX_SEQ_LEN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      GtkAdjustment *adjustment = slider (window, rows[i].name);
      guint64 max = kvp_param_get_info (rows[i].id)->max;
      KvpParams params;

      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
      kvp_window_get_params (window, &params);
      g_assert_cmpuint (kvp_params_get (&params, rows[i].id), ==, max);
      g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, rows[i].name)), ==, max);
      g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (spin (window, rows[i].name))), ==, max);

      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
      kvp_window_get_params (window, &params);
      g_assert_cmpuint (kvp_params_get (&params, rows[i].id), ==, 1);
    }

  close_window (window);
}

/* Types text into a row's spin button and commits it. */
static void
type_into (KvpWindow  *window,
           const char *name,
           const char *text)
{
  GtkSpinButton *button = spin (window, name);

  gtk_editable_set_text (GTK_EDITABLE (button), text);
  /* What Enter or leaving the field does. */
  gtk_spin_button_update (button);
}

static KvpCountRow *
row_of (KvpWindow  *window,
        const char *name)
{
  g_autofree char *id = g_strconcat (name, "_row", NULL);

  return row (window, id);
}

/* Whether a label under widget reads text. */
static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && g_str_equal (gtk_label_get_text (GTK_LABEL (widget)), text))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;
  return FALSE;
}

static void
test_spin_text (void)
{
  KvpWindow *window = show_window ();
  KvpCountRow *seq = row_of (window, "seq_len");
  GtkWidget *seq_spin = GTK_WIDGET (spin (window, "seq_len"));
  KvpParams params;

  /* Not a number: refused, with a visible error, and nothing changes. */
  type_into (window, "seq_len", "abc");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.seq_len, ==, 128);
  g_assert_true (gtk_widget_has_css_class (seq_spin, "error"));
  g_assert_nonnull (kvp_count_row_get_message (seq));
  g_assert_nonnull (strstr (kvp_count_row_get_message (seq), "abc"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (seq_spin)), ==, "128");

  /* A good value clears it. */
  type_into (window, "seq_len", "300");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.seq_len, ==, 300);
  g_assert_false (gtk_widget_has_css_class (seq_spin, "error"));
  g_assert_null (kvp_count_row_get_message (seq));

  /* Too small or too large: clamped, and said why. */
  type_into (window, "seq_len", "0");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.seq_len, ==, 1);
  g_assert_cmpstr (kvp_count_row_get_message (seq), ==, "1 is the least.");
  g_assert_false (gtk_widget_has_css_class (seq_spin, "error"));

  type_into (window, "seq_len", "99999");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.seq_len, ==, 2048);
  g_assert_cmpstr (kvp_count_row_get_message (seq), ==,
                   "2,048 is the most: a sequence is at most the reserved length.");

  type_into (window, "block_size", "5000");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.block_size, ==, 1024);
  g_assert_nonnull (strstr (kvp_count_row_get_message (row_of (window, "block_size")), "1,024 is the most"));

  /* The tests' C.UTF-8 groups nothing itself: the spin buttons write counts
   * as English does and read back what they wrote. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin (window, "max_seq_len"))), ==, "2,048");
  type_into (window, "num_blocks", "4,096");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.num_blocks, ==, 4096);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (spin (window, "num_blocks")), "error"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin (window, "num_blocks"))), ==, "4,096");
  type_into (window, "num_blocks", "1024");
  /* The block size's scale marks too: "1,024" under the slider, as its spin
   * button writes it. */
  g_assert_true (has_label (GTK_WIDGET (kvp_count_row_get_scale (row_of (window, "block_size"))), "1,024"));
  g_assert_false (has_label (GTK_WIDGET (kvp_count_row_get_scale (row_of (window, "block_size"))), "1024"));

  /* Other fractions and signs are not counts. */
  type_into (window, "num_blocks", "12.5");
  type_into (window, "num_blocks", "-3");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.num_blocks, ==, 1024);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (spin (window, "num_blocks")), "error"));

  /* Moving the slider ends what the message was about. */
  set_adjustment (window, "seq_len", 64);
  g_assert_null (kvp_count_row_get_message (seq));

  close_window (window);
}

static void
test_count_parse (void)
{
  static const struct {
    const char *text;
    const char *sep;
    guint64     value;   /* 0: refused */
  } cases[] = {
    { "1000", ",", 1000 },
    { "1,000", ",", 1000 },
    { "16,777,216", ",", 16777216 },
    { "1.000", ".", 1000 },
    { "1 000", "", 1000 },
    { "1\u202f000", "\u202f", 1000 },
    { "1,000", "", 0 },
    { "1,000", ".", 0 },
    { "1.5", ",", 0 },
    { "abc", ",", 0 },
    { "", ",", 0 },
    { ",100", ",", 0 },
    { "1,0", ",", 0 },
    { "1,2,3", ",", 0 },
    { "1000,000", ",", 0 },
    { "1,000,", ",", 0 },
    { "12,345", ",", 12345 },
    { "-3", ",", 0 },
    { "+3", ",", 0 },
    { "99999999999999999999999", ",", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 value = 0;
      gboolean ok = kvp_count_parse (cases[i].text, cases[i].sep, &value);

      g_assert_cmpint (ok, ==, cases[i].value != 0);
      if (ok)
        g_assert_cmpuint (value, ==, cases[i].value);
    }
}

/* The spin buttons read and write the locale's digit grouping. */
static void
test_spin_locale (gconstpointer data)
{
  const char *locale = data;
  g_autofree char *saved = g_strdup (setlocale (LC_NUMERIC, NULL));
  gboolean german = g_str_has_prefix (locale, "de");
  KvpWindow *window;
  KvpParams params;

  if (!kvp_test_use_numeric_locale (locale))
    return;

  window = show_window ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin (window, "max_seq_len"))), ==,
                   german ? "2.048" : "2,048");

  type_into (window, "num_blocks", german ? "4.096" : "4,096");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.num_blocks, ==, 4096);
  g_assert_null (kvp_count_row_get_message (row_of (window, "num_blocks")));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin (window, "num_blocks"))), ==,
                   german ? "4.096" : "4,096");

  /* The other convention's fraction is not a count here. */
  type_into (window, "num_blocks", german ? "1,5" : "1.5");
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.num_blocks, ==, 4096);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (spin (window, "num_blocks")), "error"));

  close_window (window);
  setlocale (LC_NUMERIC, saved);
  g_unsetenv ("LOCPATH");
}

/* Lowering the reservation under the sequence, then raising it again,
 * brings back the length asked for. */
static void
test_asked_kept (void)
{
  KvpWindow *window = show_window ();

  gtk_spin_button_set_value (spin (window, "seq_len"), 1500);
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 1000);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 1000);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "seq_len")), ==, 1000);

  gtk_spin_button_set_value (spin (window, "max_seq_len"), 4096);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 1500);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "seq_len")), ==, 1500);
  g_assert_cmpfloat (gtk_adjustment_get_upper (slider (window, "seq_len")), ==, 4096);

  /* Under a reservation of millions of tokens the sequence slider turns to
   * powers of two, so short sequences stay within reach. */
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 16777216);
  g_assert_cmpfloat (gtk_adjustment_get_upper (slider (window, "seq_len")), ==, 24);
  set_adjustment (window, "seq_len", 7);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 128);
  gtk_spin_button_set_value (spin (window, "max_seq_len"), 2048);
  g_assert_cmpfloat (gtk_adjustment_get_upper (slider (window, "seq_len")), ==, 2048);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin (window, "seq_len")), ==, 128);

  close_window (window);
}

/* The export is the command line's size, whatever the window's. */
static void
test_export_size (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "small.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);

  g_object_ref (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 572, 644);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for_size (GTK_WIDGET (kvp_window_get_canvas (window))));

  g_assert_true (kvp_window_export (window, png, &error));
  g_assert_no_error (error);
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, KVP_EXPORT_DEFAULT_WIDTH);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, KVP_EXPORT_DEFAULT_HEIGHT);

  close_window (window);
  g_unlink (png);
  g_rmdir (dir);
}

/* The export dialog's choice: the format of its filter wins, the file is
 * written in the background, and the window says so. */
static void
test_export_chosen (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *typed = g_build_filename (dir, "picture.png", NULL);
  g_autofree char *written = g_build_filename (dir, "picture.svg", NULL);
  KvpWindow *window = show_window ();
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  _kvp_window_export_chosen (window, typed, KVP_EXPORT_SVG);
  while (kvp_window_get_notification (window) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (kvp_window_get_notification (window), ==, "Exported the picture to “picture.svg”.");
  g_assert_true (file_starts_with (written, "<?xml"));
  g_assert_false (g_file_test (typed, G_FILE_TEST_EXISTS));

  close_window (window);
  g_unlink (written);
  g_rmdir (dir);
}

static void
export_finished_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (kvp_window_export_finish (KVP_WINDOW (object), result, error));
}

/* A file name export does not know fails in the background too. */
static void
test_export_async_error (void)
{
  KvpWindow *window = show_window ();
  g_autoptr(GError) error = NULL;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  kvp_window_export_async (window, "/tmp/kvpage-picture.bmp", NULL, export_finished_cb, &error);
  while (error == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (error);
  g_assert_false (g_file_test ("/tmp/kvpage-picture.bmp", G_FILE_TEST_EXISTS));

  close_window (window);
}

/* The Export Image dialog's filter gives the format: the one shown chosen
 * (PNG Image at first), then PDF Document once chosen, whatever extension
 * is typed. */
static void
test_export_filter (void)
{
  KvpWindow *window = show_window ();
  GtkFileChooserNative *native = _kvp_window_new_export_dialog (window);
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);
  g_autoptr(GListModel) filters = gtk_file_chooser_get_filters (chooser);
  g_autoptr(GtkFileFilter) pdf = g_list_model_get_item (filters, 2);
  g_autofree char *as_png = NULL;
  g_autofree char *as_pdf = NULL;

  gtk_file_chooser_set_current_name (chooser, "x.svg");
  g_assert_cmpint (_kvp_window_export_format (chooser), ==, KVP_EXPORT_PNG);
  as_png = _kvp_window_export_path ("/tmp/x.svg", _kvp_window_export_format (chooser));
  g_assert_cmpstr (as_png, ==, "/tmp/x.png");

  gtk_file_chooser_set_filter (chooser, pdf);
  g_assert_cmpint (_kvp_window_export_format (chooser), ==, KVP_EXPORT_PDF);
  as_pdf = _kvp_window_export_path ("/tmp/x.svg", _kvp_window_export_format (chooser));
  g_assert_cmpstr (as_pdf, ==, "/tmp/x.pdf");

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
  close_window (window);
}

/* A window closed while its Export Image dialog is open goes (before, the
 * dialog's callback held a reference that kept it alive). */
static void
test_close_with_dialog (void)
{
  KvpWindow *window = show_window ();

  gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL);
  kvp_test_iterate_for (100);
  close_window (window);
}

/* The format chosen in the dialog wins over the typed extension. */
static void
test_export_path (void)
{
  static const struct {
    const char     *typed;
    KvpExportFormat format;
    const char     *written;
  } cases[] = {
    { "/tmp/a.png", KVP_EXPORT_SVG, "/tmp/a.svg" },
    { "/tmp/a.svg", KVP_EXPORT_SVG, "/tmp/a.svg" },
    { "/tmp/a", KVP_EXPORT_PDF, "/tmp/a.pdf" },
    { "/tmp/a.pdf", KVP_EXPORT_PNG, "/tmp/a.png" },
    { "/tmp/kv.v2", KVP_EXPORT_PNG, "/tmp/kv.v2.png" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = _kvp_window_export_path (cases[i].typed, cases[i].format);

      g_assert_cmpstr (path, ==, cases[i].written);
    }
}

static gboolean
canvas_has_scene (gpointer canvas)
{
  return kvp_canvas_get_scene (canvas) != NULL;
}

/* Each of the sequence view's four metric cards says, under the pointer,
 * what its figure is in vLLM's words; off the cards the grid's cells keep
 * their own tooltips. */
static void
test_card_tooltips (void)
{
  KvpWindow *window = show_window ();
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  static const char *says[KVP_N_CARDS] = {
    [KVP_CARD_TRADITIONAL] = "max_model_len tokens (Reserved length) × the model’s KV cache bytes per token",
    [KVP_CARD_PAGED] = "its blocks × block_size tokens × the KV cache bytes per token",
    [KVP_CARD_SAVED] = "Traditional minus PagedAttention",
    [KVP_CARD_UTILIZATION] = "vllm:kv_cache_usage_perc",
  };
  cairo_rectangle_t r, got, cell;

  g_assert_true (kvp_test_iterate_until (canvas_has_scene, canvas));
  for (KvpCard card = 0; card < KVP_N_CARDS; card++)
    {
      GtkTooltip *tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
      gboolean shown = FALSE;
      const char *text;

      g_assert_true (kvp_scene_get_card_rect (kvp_canvas_get_scene (canvas), card, &r));
      text = kvp_canvas_get_card_tooltip (canvas, r.x + r.width / 2, r.y + r.height / 2, &got);
      g_assert_nonnull (text);
      g_assert_nonnull (strstr (text, says[card]));
      g_assert_cmpfloat (got.x, ==, r.x);
      g_assert_cmpfloat (got.width, ==, r.width);
      /* Corners in, and the card's own; GTK asks the widget and shows it. */
      g_assert_true (kvp_canvas_get_card_tooltip (canvas, r.x + 1, r.y + r.height - 1, NULL) == text);
      g_signal_emit_by_name (canvas, "query-tooltip", (int) (r.x + r.width / 2), (int) (r.y + r.height / 2), FALSE,
                             tooltip, &shown);
      g_assert_true (shown);
      g_object_unref (tooltip);
    }
  g_assert_true (gtk_widget_get_has_tooltip (GTK_WIDGET (canvas)));

  /* Off the cards: the grid's first cell is no card. */
  g_assert_true (kvp_scene_get_cell_rect (kvp_canvas_get_scene (canvas), 0, &cell));
  g_assert_null (kvp_canvas_get_card_tooltip (canvas, cell.x + cell.width / 2, cell.y + cell.height / 2, NULL));
  g_assert_null (kvp_canvas_get_card_tooltip (canvas, 1, 1, NULL));

  close_window (window);
}

/* Copy Image says so in the window; the note closes by its button and by
 * itself. */
static void
test_notification (void)
{
  KvpWindow *window = show_window ();
  GtkRevealer *banner = template_child (window, "banner");
  gint64 end;

  /* Its look comes from style.css, which the window loads for its display. */
  g_assert_nonnull (g_object_get_data (G_OBJECT (gtk_widget_get_display (GTK_WIDGET (window))), "kvp-style"));
  g_assert_true (gtk_widget_has_css_class (gtk_revealer_get_child (banner), "kvp-banner"));

  g_assert_null (kvp_window_get_notification (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.copy", NULL));
  g_assert_cmpstr (kvp_window_get_notification (window), ==, "Copied the picture to the clipboard.");
  g_assert_true (kvp_test_iterate_until (child_revealed, banner));

  /* A toast at the bottom centre of the picture, off its title and its
   * cards (at the top, it covered the title). */
  {
    KvpCanvas *canvas = kvp_window_get_canvas (window);
    double width = gtk_widget_get_width (GTK_WIDGET (canvas));
    double height = gtk_widget_get_height (GTK_WIDGET (canvas));
    graphene_rect_t bounds;
    cairo_rectangle_t card;

    kvp_test_iterate_for (400);
    g_assert_true (gtk_widget_compute_bounds (gtk_revealer_get_child (banner), GTK_WIDGET (canvas), &bounds));
    g_assert_cmpfloat (fabs (bounds.origin.x + bounds.size.width / 2 - width / 2), <=, 1.0);
    g_assert_cmpfloat (bounds.origin.y, >, height / 2);
    g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, height);
    for (KvpCard c = 0; c < KVP_N_CARDS; c++)
      {
        g_assert_true (kvp_scene_get_card_rect (kvp_canvas_get_scene (canvas), c, &card));
        g_assert_cmpfloat (card.y + card.height, <, bounds.origin.y);
      }
  }

  g_signal_emit_by_name (template_child (window, "banner_close_button"), "clicked");
  g_assert_null (kvp_window_get_notification (window));

  kvp_window_show_notification (window, "Exported the picture to “a.svg”.");
  g_assert_nonnull (kvp_window_get_notification (window));
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (kvp_window_get_notification (window) != NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (kvp_window_get_notification (window));

  close_window (window);
}

/* At 800×500 the picture keeps a usable size; at 1024×640 "How it works"
 * scrolls into view when opened. */
static void
test_layout (void)
{
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);
  GtkWidget *canvas = GTK_WIDGET (kvp_window_get_canvas (window));
  GtkScrolledWindow *sidebar;
  GtkWidget *expander;
  GtkAdjustment *vadjustment;
  graphene_rect_t bounds;

  g_object_ref (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 500);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for_size (canvas));
  g_assert_true (kvp_test_iterate_until (laid_out_small, window));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 800);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window)), <=, 500);
  g_assert_cmpint (gtk_widget_get_height (canvas), >=, 360);
  g_assert_cmpint (gtk_widget_get_width (canvas), >=, 420);

  /* F9 hides the controls: the picture takes the whole width. */
  g_assert_true (has_binding (GTK_WIDGET (window), "F9", "win.show-controls"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-controls", NULL));
  g_assert_true (kvp_test_iterate_until (fills_width, canvas));
  g_assert_false (gtk_widget_get_visible (template_child (window, "sidebar")));
  g_assert_cmpint (gtk_widget_get_width (canvas), >=, 780);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-controls", NULL));
  g_assert_true (gtk_widget_get_visible (template_child (window, "sidebar")));
  close_window (window);

  window = kvp_window_new (NULL, NULL, NULL);
  g_object_ref (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 640);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for_size (GTK_WIDGET (kvp_window_get_canvas (window))));
  sidebar = template_child (window, "sidebar");
  expander = template_child (window, "how_expander");
  vadjustment = gtk_scrolled_window_get_vadjustment (sidebar);

  gtk_expander_set_expanded (GTK_EXPANDER (expander), TRUE);
  g_assert_true (kvp_test_iterate_until (expander_in_view, window));
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window)), <=, 640);
  g_assert_true (gtk_widget_compute_bounds (expander, GTK_WIDGET (sidebar), &bounds));
  /* Its text is in the visible part of the panel, which now scrolls. */
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment), >, gtk_adjustment_get_page_size (vadjustment));
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (GTK_WIDGET (sidebar)) + 1);
  g_assert_cmpfloat (bounds.origin.y + 60, <, gtk_widget_get_height (GTK_WIDGET (sidebar)));

  close_window (window);
}

static gpointer
group_child (KvpGpuGroup *group,
             const char  *name)
{
  return child_of (group, KVP_TYPE_GPU_GROUP, name);
}

/* What the command line sizes for these values (the same kvp-deploy). */
static guint64
cli_blocks (const KvpParams *shown,
            const char      *gpu,
            guint            tp)
{
  g_auto(KvpDeploy) deploy = { 0 };
  KvpParams params = *shown;

  params.model = kvp_model_lookup (shown->model->key, NULL);
  deploy.gpu = kvp_gpu_lookup (gpu, NULL);
  deploy.tensor_parallel_size = tp;
  g_assert_true (kvp_deploy_apply (&deploy, &params, NULL));
  return params.num_blocks;
}

/* The GPU group: its accessible names, a GPU setting the block count as
 * vLLM would, tensor parallelism showing one GPU's share, and back. */
static void
test_gpu_group (void)
{
  KvpWindow *window = show_window ();
  KvpGpuGroup *group = kvp_window_get_gpu_group (window);
  KvpDeployState *deploy = kvp_window_get_deploy_state (window);
  KvpState *state = kvp_window_get_state (window);
  GtkWidget *blocks_row = GTK_WIDGET (row (window, "num_blocks_row"));
  GtkSpinButton *tp = group_child (group, "tp_spin");
  KvpParams params;

  /* The visible labels; the accessible names are set to the same words
   * (GTK_A11Y=none in the tests leaves no accessible to read them from). */
  g_assert_cmpstr (gtk_label_get_text (group_child (group, "gpu_label")), ==, "GPU");
  g_assert_cmpstr (gtk_label_get_text (group_child (group, "utilization_label")), ==, "GPU memory utilization");
  g_assert_cmpstr (gtk_label_get_text (group_child (group, "tp_label")), ==, "Tensor parallel size");

  g_assert_false (kvp_gpu_group_get_sizes_pool (group));
  g_assert_true (gtk_widget_get_sensitive (blocks_row));
  g_assert_cmpstr (kvp_deploy_state_get_log (deploy), ==, "");

  /* Without a GPU, utilization changes nothing and says so by being insensitive. */
  g_assert_false (gtk_widget_get_sensitive (group_child (group, "utilization_spin")));

  kvp_deploy_state_set_gpu (deploy, "h100-80gb");
  g_assert_true (kvp_gpu_group_get_sizes_pool (group));
  g_assert_false (gtk_widget_get_sensitive (blocks_row));
  g_assert_true (gtk_widget_get_sensitive (group_child (group, "utilization_spin")));
  g_assert_cmpuint (gtk_drop_down_get_selected (group_child (group, "gpu_dropdown")), >, 0);
  kvp_state_get_params (state, &params);
  g_assert_cmpuint (params.num_blocks, ==, cli_blocks (&params, "h100-80gb", 1));
  g_assert_true (g_str_has_prefix (kvp_deploy_state_get_log (deploy), "Available KV cache memory: "));
  g_assert_nonnull (strstr (kvp_deploy_state_get_log (deploy), "Maximum concurrency for 2,048 tokens per request: "));
  g_assert_true (gtk_widget_get_visible (group_child (group, "details")));

  /* Two GPUs: TinyLlama's 4 KV heads split 2 and 2. */
  gtk_spin_button_set_value (tp, 2);
  g_assert_cmpuint (kvp_model_get_kv_heads (kvp_state_get_model (state)), ==, 2);
  g_assert_cmpstr (kvp_state_get_model (state)->key, ==, "tinyllama-1.1b");
  kvp_state_get_params (state, &params);
  g_assert_cmpuint (params.num_blocks, ==, cli_blocks (&params, "h100-80gb", 2));
  g_assert_cmpuint (gtk_drop_down_get_selected (template_child (window, "model_dropdown")), ==, 0);

  gtk_drop_down_set_selected (group_child (group, "gpu_dropdown"), 0);
  g_assert_cmpstr (kvp_deploy_state_get_gpu (deploy), ==, "");
  g_assert_false (kvp_gpu_group_get_sizes_pool (group));
  g_assert_true (gtk_widget_get_sensitive (blocks_row));

  close_window (window);
}

/* In German the GPU group's concurrency reads "…,ddײ as the rest of the
 * window writes decimals (it was C-locale "17.18×"), while the vLLM log
 * beside it keeps vLLM's own "17.18x" byte for byte. */
static void
test_gpu_group_decimals_locale (void)
{
  KvpWindow *window;
  KvpGpuGroup *group;
  const char *text, *times, *log;

  if (!kvp_test_use_numeric_locale ("de_DE.UTF-8"))
    return;

  window = show_window ();
  group = kvp_window_get_gpu_group (window);
  kvp_deploy_state_set_gpu (kvp_window_get_deploy_state (window), "h100-80gb");
  text = gtk_label_get_text (group_child (group, "capacity_label"));
  times = strstr (text, "× paged");
  g_assert_nonnull (times);
  /* "…,dd× paged": two decimals after a comma. */
  g_assert_true (times - text >= 3);
  g_assert_cmpint (times[-3], ==, ',');
  g_assert_true (g_ascii_isdigit (times[-2]) && g_ascii_isdigit (times[-1]));
  log = strstr (kvp_deploy_state_get_log (kvp_window_get_deploy_state (window)),
                "Maximum concurrency for 2,048 tokens per request: ");
  g_assert_nonnull (log);
  log += strlen ("Maximum concurrency for 2,048 tokens per request: ");
  g_assert_cmpint (log[strspn (log, "0123456789")], ==, '.');

  close_window (window);
  setlocale (LC_NUMERIC, "C");
  g_unsetenv ("LOCPATH");
}

static void
open_config (KvpWindow  *window,
             const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  kvp_window_open_config (window, file);
}

/* The model list's fixed rows: the presets no shipped config replaces, then
 * every shipped config. */
static guint
n_listed_models (void)
{
  guint n_presets, n_entries;

  kvp_model_catalog_get_entries (&n_entries);
  kvp_model_catalog_get_presets (&n_presets);
  return n_presets + n_entries;
}

/* A config.json opens in a worker and becomes the model; a bad one leaves
 * the model shown and says why in the window. */
static void
test_open_config (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  GtkDropDown *models = template_child (window, "model_dropdown");
  guint n_presets, n_entries;
  const KvpCatalogEntry *entries = kvp_model_catalog_get_entries (&n_entries);
  gint64 end;

  n_presets = n_listed_models ();
  /* The presets, the shipped configs and "Open Model Config…". */
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (models)), ==, n_presets + 1);
  for (guint i = 0; i < n_entries; i++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (models)),
                                                 n_presets - n_entries + i), ==, entries[i].repository);

  open_config (window, "gemma-3-27b-it.json");
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_strcmp0 (kvp_state_get_model (state)->key, "gemma-3-27b-it") != 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (kvp_state_get_model (state)->name, ==, "gemma-3-27b-it");
  g_assert_cmpint (kvp_state_get_dtype (state), ==, KVP_DTYPE_BF16);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN), ==, 131072);
  g_assert_cmpuint (gtk_drop_down_get_selected (models), ==, n_presets);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (models)), ==, n_presets + 2);

  /* The hybrid groups reach the log: 8 padding layers. */
  kvp_deploy_state_set_gpu (kvp_window_get_deploy_state (window), "h100-80gb");
  g_assert_nonnull (strstr (kvp_deploy_state_get_log (kvp_window_get_deploy_state (window)), "Add 8 padding layers"));

  open_config (window, "jamba-v0.1.json");
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (kvp_window_get_notification (window) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (strstr (kvp_window_get_notification (window), "mamba"));
  g_assert_cmpstr (kvp_state_get_model (state)->key, ==, "gemma-3-27b-it");

  close_window (window);
}

static gboolean
notified (gpointer window)
{
  return kvp_window_get_notification (window) != NULL;
}

/* The crash input of issue 20: 100,000 brackets behind a comment that hid
 * a quote from the old nesting guard overflowed the stack of the config
 * worker and took the window down.  Now the window says what is wrong and
 * keeps its model. */
static void
test_open_deep_config (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "deep.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *key = g_strdup (kvp_state_get_model (state)->key);
  GString *text = g_string_new ("/* \" */ {\"a\": ");

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));
  g_string_free (text, TRUE);

  kvp_window_open_config (window, file);
  g_assert_true (kvp_test_iterate_until (notified, window));
  g_assert_nonnull (strstr (kvp_window_get_notification (window), "line 1: a comment"));
  g_assert_cmpstr (kvp_state_get_model (state)->key, ==, key);

  close_window (window);
  g_unlink (path);
  g_rmdir (dir);
}

static gboolean
describes_pool (gpointer canvas)
{
  return strstr (kvp_canvas_get_description (canvas), "would not start") == NULL;
}

/* A sizing vLLM would refuse is a state every view shows: the picture says
 * "vLLM would not start" and why, naming the window's control, never the
 * previous pool; an export refuses; raising the utilization brings the pool
 * back.  A config too big for the GPU dropped on a sized window is refused
 * the same way, not drawn with the previous model's pool. */
static void
test_refusal_shown (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  KvpDeployState *deploy = kvp_window_get_deploy_state (window);
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "refused.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  KvpCountRow *blocks_row;
  gint64 end;

  kvp_deploy_state_set_gpu (deploy, "h100-80gb");
  g_assert_null (kvp_canvas_get_refusal (canvas));
  kvp_deploy_state_set_utilization (deploy, 0.03);
  g_assert_nonnull (kvp_canvas_get_refusal (canvas));
  g_assert_nonnull (strstr (kvp_canvas_get_refusal (canvas), "raise GPU memory utilization"));
  g_assert_true (g_str_has_prefix (kvp_canvas_get_description (canvas), "vLLM would not start."));
  g_assert_null (strstr (kvp_canvas_get_description (canvas), "blocks"));
  /* The Block count row says there is no pool, not the last pool's count. */
  blocks_row = row (window, "num_blocks_row");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (kvp_count_row_get_spin_button (blocks_row))), ==, "—");
  g_assert_nonnull (strstr (kvp_count_row_get_message (blocks_row), "No pool"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (kvp_count_row_get_scale (blocks_row))));
  /* The side panel says the same. */
  g_assert_true (gtk_widget_get_visible (group_child (kvp_window_get_gpu_group (window), "error_label")));
  g_assert_false (kvp_window_export (window, png, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  /* A new sequence length is a new comparison, not a pool: the refusal
   * stays (it once gave way to the pool of the default block count). */
  kvp_state_set_value (state, KVP_PARAM_SEQ_LEN, 200);
  kvp_state_flush (state);
  g_assert_nonnull (kvp_canvas_get_refusal (canvas));
  g_assert_true (g_str_has_prefix (kvp_canvas_get_description (canvas), "vLLM would not start."));

  kvp_deploy_state_set_utilization (deploy, 0.92);
  g_assert_null (kvp_canvas_get_refusal (canvas));
  g_assert_null (kvp_count_row_get_message (blocks_row));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (kvp_count_row_get_scale (blocks_row))));
  count = kvp_format_count (kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (kvp_count_row_get_spin_button (blocks_row))), ==, count);
  /* The pool's description comes back with its scene. */
  g_assert_true (kvp_test_iterate_until (describes_pool, canvas));

  /* Qwen3-32B's weights alone take more than half an H100. */
  kvp_deploy_state_set_utilization (deploy, 0.5);
  open_config (window, "qwen3-32b.json");
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_strcmp0 (kvp_state_get_model (state)->key, "qwen3-32b") != 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (kvp_deploy_state_get_refusal (deploy));
  g_assert_nonnull (kvp_canvas_get_refusal (canvas));
  g_assert_null (strstr (kvp_canvas_get_refusal (canvas), "--"));

  close_window (window);
  g_rmdir (dir);
}

/* The side panel's controller of this name, or NULL. */
static GtkEventController *
panel_controller (GtkWidget  *panel,
                  const char *name)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (panel);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), name) == 0)
        return controller;
    }
  return NULL;
}

/* The mouse wheel over the side panel scrolls the panel, also over a slider
 * or a spin button (it once changed the block size of a reader scrolling
 * down to the GPU group); a control clicked or tabbed to takes the wheel. */
static void
test_panel_wheel (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  GtkWidget *sidebar = template_child (window, "sidebar");
  GtkAdjustment *panel = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sidebar));
  KvpCountRow *block_size = row (window, "block_size_row");
  GtkWidget *scale = GTK_WIDGET (kvp_count_row_get_scale (block_size));
  GtkEventController *motion = panel_controller (sidebar, "kvp-panel-pointer");
  GtkEventController *scroll = panel_controller (sidebar, "kvp-panel-wheel");
  guint64 before = kvp_state_get_value (state, KVP_PARAM_BLOCK_SIZE);
  gboolean handled = FALSE;
  double x, y;

  g_assert_nonnull (motion);
  g_assert_nonnull (scroll);
  g_assert_cmpfloat (gtk_adjustment_get_upper (panel), >, gtk_adjustment_get_page_size (panel));
  gtk_adjustment_set_value (panel, 0);

  /* The pointer comes to rest on the block size slider; the wheel turns. */
  g_assert_true (gtk_widget_translate_coordinates (scale, sidebar, gtk_widget_get_width (scale) / 2.0,
                                                   gtk_widget_get_height (scale) / 2.0, &x, &y));
  g_signal_emit_by_name (motion, "motion", x, y);
  g_signal_emit_by_name (scroll, "scroll", 0.0, 1.0, &handled);
  g_assert_true (handled);
  g_assert_cmpfloat (gtk_adjustment_get_value (panel), >, 0);
  kvp_state_flush (state);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_BLOCK_SIZE), ==, before);
  /* Inside a spin button too; not over a label or the panel's background. */
  g_assert_true (kvp_panel_scroll (GTK_SCROLLED_WINDOW (sidebar),
                                   gtk_widget_get_first_child (GTK_WIDGET (kvp_count_row_get_spin_button (block_size))),
                                   1.0));
  g_assert_false (kvp_panel_scroll (GTK_SCROLLED_WINDOW (sidebar), GTK_WIDGET (block_size), 1.0));
  g_assert_false (kvp_panel_scroll (GTK_SCROLLED_WINDOW (sidebar), NULL, 1.0));

  /* Focused, the slider takes the wheel, and the panel stays. */
  g_assert_true (gtk_widget_grab_focus (scale));
  x = gtk_adjustment_get_value (panel);
  g_signal_emit_by_name (scroll, "scroll", 0.0, 1.0, &handled);
  g_assert_false (handled);
  g_assert_cmpfloat (gtk_adjustment_get_value (panel), ==, x);

  close_window (window);
}

/* The window's figures as --json gives them: its state's comparison and
 * its sizing. */
static char *
window_json (KvpWindow *window)
{
  g_autoptr(JsonNode) root = kvp_comparison_to_json (kvp_state_flush (kvp_window_get_state (window)));
  const KvpDeploy *deploy = kvp_deploy_state_get_deploy (kvp_window_get_deploy_state (window));

  g_assert_nonnull (deploy);
  kvp_deploy_add_json (deploy, json_node_get_object (root));
  return json_to_string (root, TRUE);
}

/* For the same settings the window's state and kvpage --json give the same
 * figures, every one of them: a dense model, a hybrid one (gpt-oss-20b, whose
 * window said 161 where --json said 322), and tensor-parallel shares. */
static void
test_same_as_json (void)
{
  static const struct
  {
    const char *config;
    const char *gpu;
    const char *tp;
    const char *max_len;
    const char *seq_len;
  } cases[] = {
    { "llama-3.1-8b.json", "l4", "1", "8192", "1000" },
    { "gpt-oss-20b.json", "h100-80gb", "1", "8192", "8192" },
    { "gemma-3-27b-it.json", "h100-80gb", "2", "4096", "2000" },
    { "qwen3-32b.json", "a100-80gb", "2", "16384", "5000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      KvpWindow *window = show_window ();
      KvpState *state = kvp_window_get_state (window);
      KvpDeployState *deploy = kvp_window_get_deploy_state (window);
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", cases[i].config, NULL);
      g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_file (path, NULL);
      const char *argv[] = { g_getenv ("KVPAGE"), "--config", path, "--gpu", cases[i].gpu,
                             "--tensor-parallel-size", cases[i].tp, "--max-model-len", cases[i].max_len,
                             "--seq-len", cases[i].seq_len, "--block-size", "16", "--json", NULL };
      g_autofree char *out = NULL;
      g_autofree char *cli = NULL;
      g_autofree char *shown = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) parsed = NULL;
      int status = -1;

      g_assert_nonnull (config);
      kvp_window_add_config (window, config);
      kvp_state_set_value (state, KVP_PARAM_BLOCK_SIZE, 16);
      kvp_state_set_value (state, KVP_PARAM_MAX_SEQ_LEN, g_ascii_strtoull (cases[i].max_len, NULL, 10));
      kvp_state_set_value (state, KVP_PARAM_SEQ_LEN, g_ascii_strtoull (cases[i].seq_len, NULL, 10));
      kvp_deploy_state_set_tensor_parallel_size (deploy, (guint) g_ascii_strtoull (cases[i].tp, NULL, 10));
      kvp_deploy_state_set_gpu (deploy, cases[i].gpu);
      g_assert_null (kvp_deploy_state_get_refusal (deploy));
      shown = window_json (window);

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                                   &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      parsed = json_from_string (out, &error);
      g_assert_no_error (error);
      cli = json_to_string (parsed, TRUE);
      g_assert_cmpstr (shown, ==, cli);

      close_window (window);
    }
}

/* The canvas shows vLLM's pool of 186 blocks (TinyLlama in 64 MiB). */
static gboolean
shows_null_block_pool (gpointer canvas)
{
  KvpScene *scene = kvp_canvas_get_scene (canvas);

  return scene != NULL && kvp_scene_get_comparison (scene)->params.num_blocks == 186 &&
         kvp_scene_get_comparison (scene)->usable_blocks == 185;
}

/* With vLLM's pool the Utilization card counts the usable blocks, block 0
 * being vLLM's null block, as --json does: this sequence's 8 of 185 usable
 * blocks, 4.32 %.  (It said 8 / 186, where vLLM's usage is over 185.) */
static void
test_null_block_utilization (void)
{
  KvpWindow *window = show_window ();
  KvpDeployState *deploy = kvp_window_get_deploy_state (window);
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  const char *argv[] = { g_getenv ("KVPAGE"), "--json", "--kv-cache-memory", "64MiB", NULL };
  g_autofree char *out = NULL;
  g_autofree char *percent = NULL;
  g_autofree char *caption = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  const KvpCardTexts *card;
  JsonObject *object;
  int status = -1;

  g_object_set (deploy, "kv-cache-memory", (guint64) 64 << 20, NULL);
  g_assert_true (kvp_test_iterate_until (shows_null_block_pool, canvas));
  card = kvp_scene_get_card (kvp_canvas_get_scene (canvas), KVP_CARD_UTILIZATION);

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  parsed = json_from_string (out, &error);
  g_assert_no_error (error);
  object = json_node_get_object (parsed);
  percent = kvp_format_percent (json_object_get_double_member (object, "utilization_percent"));
  caption = g_strdup_printf ("this sequence: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " usable blocks",
                             json_object_get_int_member (object, "blocks_used"),
                             json_object_get_int_member (object, "blocks_used") +
                             json_object_get_int_member (object, "blocks_free"));
  g_assert_cmpstr (card->value, ==, percent);
  g_assert_cmpstr (card->value, ==, "4.32 %");
  g_assert_cmpstr (card->caption, ==, caption);
  g_assert_cmpstr (card->caption, ==, "this sequence: 8 of 185 usable blocks");

  /* Without a pool of vLLM's, a plain pool again: no null block. */
  g_object_set (deploy, "kv-cache-memory", (guint64) 0, NULL);
  g_assert_false (kvp_window_get_comparison (window)->params.null_block);

  close_window (window);
}

/* Compare with vLLM Log…: a pasted log is read as --from-log reads it, for
 * the model shown; its settings and measured pool replace the estimates (the
 * Block count is the log's), and the figures are shown with their agreement.
 * Text that is no log says so and changes nothing. */
static void
test_compare_log (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  g_autofree char *config_path = g_test_build_filename (G_TEST_DIST, "configs", "llama-3.1-8b.json", NULL);
  g_autofree char *log_path = g_test_build_filename (G_TEST_DIST, "data", "vllm-logs",
                                                     "vllm-10517-llama-3.1-8b-v0.6.log", NULL);
  g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_file (config_path, NULL);
  g_autofree char *text = NULL;
  KvpLogDialog *dialog;
  GtkTextBuffer *buffer;

  g_assert_nonnull (config);
  kvp_window_add_config (window, config);
  kvp_deploy_state_set_gpu (kvp_window_get_deploy_state (window), "l4");
  g_assert_true (g_file_get_contents (log_path, &text, NULL, NULL));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare-log", NULL));
  dialog = KVP_LOG_DIALOG (_kvp_window_get_log_dialog (window));
  g_assert_nonnull (dialog);
  buffer = gtk_text_view_get_buffer (kvp_log_dialog_get_text_view (dialog));

  gtk_text_buffer_set_text (buffer, "hello", -1);
  g_signal_emit_by_name (kvp_log_dialog_get_compare_button (dialog), "clicked");
  g_assert_nonnull (kvp_log_dialog_get_result (dialog));
  g_assert_true (kvp_gpu_group_get_sizes_pool (kvp_window_get_gpu_group (window)));

  gtk_text_buffer_set_text (buffer, text, -1);
  g_signal_emit_by_name (kvp_log_dialog_get_compare_button (dialog), "clicked");
  g_assert_nonnull (strstr (kvp_log_dialog_get_result (dialog), "GPU blocks"));
  g_assert_nonnull (strstr (kvp_log_dialog_get_result (dialog), "agree on every figure"));
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS), ==, 1952);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN), ==, 20000);
  g_assert_false (kvp_gpu_group_get_sizes_pool (kvp_window_get_gpu_group (window)));
  /* The log's pool is vLLM's: block 0 is its null block, until a person
   * changes the count. */
  g_assert_cmpuint (kvp_window_get_comparison (window)->usable_blocks, ==, 1951);
  kvp_state_set_value (state, KVP_PARAM_NUM_BLOCKS, 1000);
  g_assert_cmpuint (kvp_window_get_comparison (window)->usable_blocks, ==, 1000);
  kvp_state_set_value (state, KVP_PARAM_NUM_BLOCKS, 1952);
  g_assert_cmpuint (kvp_window_get_comparison (window)->usable_blocks, ==, 1952);

  close_window (window);
}

/* A dropped log longer than the 16 MiB read says, as --from-log does, that
 * only its head was read, beside the comparison of that head.  (The window
 * compared the head and said nothing.) */
static void
test_compare_log_truncated (void)
{
  KvpWindow *window = show_window ();
  g_autofree char *config_path = g_test_build_filename (G_TEST_DIST, "configs", "llama-3.1-8b.json", NULL);
  g_autofree char *log_path = g_test_build_filename (G_TEST_DIST, "data", "vllm-logs",
                                                     "vllm-10517-llama-3.1-8b-v0.6.log", NULL);
  g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_file (config_path, NULL);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *long_path = g_build_filename (dir, "long.log", NULL);
  g_autofree char *text = NULL;
  g_autofree char *filler = g_strnfill (1024 * 1024 - 1, 'x');
  GString *long_log;
  KvpLogDialog *dialog;
  const char *result;

  g_assert_nonnull (config);
  kvp_window_add_config (window, config);
  kvp_deploy_state_set_gpu (kvp_window_get_deploy_state (window), "l4");
  g_assert_true (g_file_get_contents (log_path, &text, NULL, NULL));
  long_log = g_string_new (text);
  while (long_log->len <= KVP_VLLM_LOG_MAX_READ)
    {
      g_string_append (long_log, filler);
      g_string_append_c (long_log, '\n');
    }
  g_assert_true (g_file_set_contents (long_path, long_log->str, long_log->len, NULL));
  g_string_free (long_log, TRUE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare-log", NULL));
  dialog = KVP_LOG_DIALOG (_kvp_window_get_log_dialog (window));
  g_assert_true (kvp_log_dialog_open_file (dialog, long_path));
  result = kvp_log_dialog_get_result (dialog);
  g_assert_nonnull (strstr (result, "agree on every figure"));
  g_assert_nonnull (strstr (result, "Only the first 16 MiB of the log were read"));

  /* The whole log, under the cap, says nothing of it. */
  g_assert_true (kvp_log_dialog_open_file (dialog, log_path));
  g_assert_null (strstr (kvp_log_dialog_get_result (dialog), "16 MiB"));

  close_window (window);
  g_unlink (long_path);
  g_rmdir (dir);
}

/* A shipped config that names a preset's model takes the preset's row, as
 * in --list-models, and choosing it keeps the figures the two share.  The
 * list showed both rows, "Llama 3.1 70B" and "meta-llama/Llama-3.1-70B". */
static void
test_model_list_replaces (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  GtkDropDown *models = template_child (window, "model_dropdown");
  GListModel *list = gtk_drop_down_get_model (models);
  const KvpModel *preset = kvp_model_lookup ("llama-3.1-70b", NULL);
  const KvpModel *model;
  guint row = G_MAXUINT;

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      const char *name = gtk_string_list_get_string (GTK_STRING_LIST (list), i);

      g_assert_cmpstr (name, !=, preset->name);
      g_assert_cmpstr (name, !=, "Qwen2.5 7B");
      if (g_strcmp0 (name, "meta-llama/Llama-3.1-70B") == 0)
        row = i;
    }
  g_assert_cmpuint (row, <, g_list_model_get_n_items (list));

  gtk_drop_down_set_selected (models, row);
  model = kvp_state_get_model (state);
  g_assert_true (model != preset);
  g_assert_cmpstr (model->key, ==, preset->key);
  g_assert_cmpuint (model->num_layers, ==, preset->num_layers);
  g_assert_cmpuint (model->num_attention_heads, ==, preset->num_attention_heads);
  g_assert_cmpuint (kvp_model_get_kv_heads (model), ==, kvp_model_get_kv_heads (preset));
  g_assert_cmpuint (kvp_model_get_head_dim (model), ==, kvp_model_get_head_dim (preset));
  g_assert_cmpuint (model->hidden_size, ==, preset->hidden_size);
  g_assert_cmpuint (model->max_context, ==, preset->max_context);
  g_assert_cmpint (kvp_state_get_dtype (state), ==, KVP_DTYPE_BF16);

  /* The preset chosen another way (a saved key) is shown by the config's row. */
  gtk_drop_down_set_selected (models, 0);
  kvp_state_choose_model (state, preset);
  g_assert_cmpuint (gtk_drop_down_get_selected (models), ==, row);

  close_window (window);
}

/* A window closed while its config.json is being read goes at once (the
 * read is cancelled, not waited for), and the late result touches nothing. */
static void
test_open_then_close (void)
{
  KvpWindow *window = show_window ();

  open_config (window, "gemma-3-27b-it.json");
  close_window (window);
  kvp_test_iterate_for (300);
}

static gboolean
split_in_two (KvpState *state)
{
  KvpComparison *cmp = kvp_state_get_comparison (state);
  g_autoptr(JsonNode) json = cmp != NULL ? kvp_comparison_to_json (cmp) : NULL;

  /* Llama-3.1-8B's 8 KV heads over two GPUs: 64 KiB a token, not 128. */
  return json != NULL && json_object_get_int_member (json_node_get_object (json), "bytes_per_token") == 65536;
}

/* A comparison of a config's model, split over two GPUs, outlives its
 * window, and what it reads stays valid (the ASan build catches a freed
 * model); the same config.json opened again is the entry it has already. */
static void
test_config_lifetime (void)
{
  KvpWindow *window = show_window ();
  KvpState *state = kvp_window_get_state (window);
  GtkDropDown *models = template_child (window, "model_dropdown");
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", "llama-3.1-8b.json", NULL);
  KvpModelConfig *config = kvp_model_config_new_from_file (path, NULL);
  g_autoptr(KvpModelConfig) again = kvp_model_config_new_from_file (path, NULL);
  g_autoptr(KvpComparison) cmp = NULL;
  g_autoptr(JsonNode) json = NULL;
  guint n_presets, n_items;
  gint64 end;

  g_assert_nonnull (config);
  g_assert_nonnull (again);
  n_presets = n_listed_models ();
  kvp_window_add_config (window, config);
  kvp_model_config_unref (config);
  n_items = g_list_model_get_n_items (gtk_drop_down_get_model (models));
  gtk_drop_down_set_selected (models, 0);
  kvp_window_add_config (window, again);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (models)), ==, n_items);
  g_assert_cmpuint (gtk_drop_down_get_selected (models), ==, n_presets);

  kvp_deploy_state_set_tensor_parallel_size (kvp_window_get_deploy_state (window), 2);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!split_in_two (state) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (split_in_two (state));
  cmp = kvp_comparison_ref (kvp_state_get_comparison (state));

  close_window (window);
  json = kvp_comparison_to_json (cmp);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "model"), ==, "llama-3.1-8b");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json), "bytes_per_token"), ==, 65536);
}

/* The command line's --config, --gpu, --gpu-memory-utilization and
 * --tensor-parallel-size reach the first window's controls, and the values
 * given with them stay. */
static void
test_launch_gpu (void)
{
  g_autoptr(KvpApplication) app = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", "gemma-3-27b-it.json", NULL);
  g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_file (path, NULL);
  KvpWindow *window;
  KvpGpuGroup *group;
  KvpState *state;
  KvpParams params;

  /* An application starts up once per process: a fresh one. */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  app = kvp_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  kvp_params_init_default (&params);
  params.model = &config->model;
  params.max_seq_len = 4096;
  kvp_application_set_launch_params (app, &params);
  {
    g_auto(KvpDeploy) deploy = { 0 };

    deploy.config = kvp_model_config_ref (config);
    deploy.gpu = kvp_gpu_lookup ("h100-80gb", NULL);
    deploy.utilization = 0.9;
    deploy.tensor_parallel_size = 2;
    kvp_application_set_launch_deploy (app, &deploy);
  }

  g_application_activate (G_APPLICATION (app));
  window = KVP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  g_object_ref (window);
  group = kvp_window_get_gpu_group (window);
  state = kvp_window_get_state (window);

  g_assert_cmpstr (kvp_state_get_model (state)->name, ==, "gemma-3-27b-it");
  /* Two GPUs: 8 of the 16 KV heads each. */
  g_assert_cmpuint (kvp_model_get_kv_heads (kvp_state_get_model (state)), ==, 8);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN), ==, 4096);
  g_assert_true (kvp_gpu_group_get_sizes_pool (group));
  g_assert_cmpfloat (gtk_spin_button_get_value (group_child (group, "utilization_spin")), ==, 0.9);
  g_assert_nonnull (strstr (kvp_deploy_state_get_log (kvp_window_get_deploy_state (window)), "tokens per request"));
  g_assert_nonnull (strstr (kvp_deploy_state_get_log (kvp_window_get_deploy_state (window)), "4,096"));

  close_window (window);
}

/* The accessible name of @widget as GTK 4.8 builds it: the labels that
 * label it, then its "label" property; NULL when it has none. */
static char *
accessible_name (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);
  g_autofree char *label = NULL;

  if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL))
    label = gtk_test_accessible_check_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL, "\1");
  if (gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return label != NULL ? g_strdup ("(two names)") : g_strdup ("(labelled by a label)");
  return g_steal_pointer (&label);
}

/* Every control a person reaches gets one clean name: not two ("GPU GPU"),
 * no mnemonic underscore ("_Copy vLLM Lines"), and a drop-down's button or
 * an icon button not its type ("GtkToggleButton", "GtkImage"). */
static void
check_names (GtkWidget *widget,
             guint     *n_checked)
{
  gboolean control = GTK_IS_BUTTON (widget) || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_ENTRY (widget) ||
                     GTK_IS_DROP_DOWN (widget);

  if (control && gtk_widget_get_visible (widget))
    {
      g_autofree char *name = accessible_name (widget);
      g_autofree char *what = g_strdup_printf ("%s %s: %s", G_OBJECT_TYPE_NAME (widget),
                                               gtk_widget_get_name (widget), name != NULL ? name : "(none)");

      if (name == NULL || g_str_equal (name, "(two names)") || strchr (name, '_') != NULL)
        g_error ("no one clean name: %s", what);
      (*n_checked)++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!GTK_IS_SPIN_BUTTON (widget))
      check_names (child, n_checked);
}

static void
test_accessible_names (void)
{
  KvpWindow *window = show_window ();
  guint n_checked = 0;

  /* The serving controls too. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "serving");
  kvp_deploy_state_set_gpu (kvp_window_get_deploy_state (window), "h100-80gb");
  /* And the GPU group's, however soon after the first frame this runs. */
  g_assert_nonnull (kvp_window_get_gpu_group (window));
  kvp_test_iterate_for (50);
  check_names (GTK_WIDGET (window), &n_checked);
  check_names (gtk_window_get_titlebar (GTK_WINDOW (window)), &n_checked);
  g_assert_cmpuint (n_checked, >, 20);

  close_window (window);
}

static gboolean
gpu_group_added (gpointer separator)
{
  return KVP_IS_GPU_GROUP (gtk_widget_get_next_sibling (separator));
}

static gboolean
widget_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* The texts of @widget's labels, into @texts. */
static void
collect_texts (GtkWidget  *widget,
               GHashTable *texts)
{
  if (GTK_IS_LABEL (widget))
    g_hash_table_add (texts, g_strdup (gtk_label_get_text (GTK_LABEL (widget))));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, texts);
}

static GtkWidget *
popover_of (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER (child))
      return child;
  g_assert_not_reached ();
}

/* What the first frame does not show is made after it or when first
 * opened (start-up): the GPU group comes by itself, in its place in the
 * side panel; the main menu opens with every item; a drop-down's popup
 * with a row for every model. */
static void
test_deferred (void)
{
  KvpWindow *window = show_window ();
  GtkWidget *separator = template_child (window, "gpu_separator");
  GtkMenuButton *menu_button = template_child (window, "menu_button");
  GtkDropDown *models = template_child (window, "model_dropdown");
  GListModel *list = gtk_drop_down_get_model (models);
  g_autoptr(GHashTable) texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GtkWidget *popover;

  g_assert_true (kvp_test_iterate_until (gpu_group_added, separator));
  g_assert_true (gtk_widget_get_next_sibling (separator) == GTK_WIDGET (kvp_window_get_gpu_group (window)));
  g_assert_true (kvp_test_iterate_until (widget_mapped, kvp_window_get_gpu_group (window)));
  /* What follows it in the panel came with it. */
  g_assert_true (gtk_widget_get_visible (separator));
  g_assert_true (gtk_widget_get_mapped (template_child (window, "how_expander")));

  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (menu_button)));
  gtk_menu_button_popup (menu_button);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (menu_button));
  g_assert_nonnull (popover);
  g_assert_true (kvp_test_iterate_until (widget_mapped, popover));
  g_assert_true (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover)) ==
                 G_MENU_MODEL (template_child (window, "primary_menu")));
  gtk_menu_button_popdown (menu_button);
  /* Opened again, it is the same menu. */
  gtk_menu_button_popup (menu_button);
  g_assert_true (GTK_WIDGET (gtk_menu_button_get_popover (menu_button)) == popover);
  gtk_menu_button_popdown (menu_button);

  g_signal_emit_by_name (models, "activate");
  popover = popover_of (GTK_WIDGET (models));
  g_assert_true (kvp_test_iterate_until (widget_mapped, popover));
  kvp_test_iterate_for (50);
  collect_texts (popover, texts);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      const char *name = gtk_string_list_get_string (GTK_STRING_LIST (list), i);

      if (!g_hash_table_contains (texts, name))
        g_error ("The model list's popup has no row “%s”", name);
    }
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* The shipped configs, listed by name before they are read, keep their
   * rows once read: a config opened is listed after them. */
  {
    g_autofree char *path = g_test_build_filename (G_TEST_DIST, "configs", "llama-3.1-8b.json", NULL);
    g_autoptr(KvpModelConfig) config = kvp_model_config_new_from_file (path, NULL);
    g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_free);
    guint n = g_list_model_get_n_items (list);

    for (guint i = 0; i + 1 < n; i++)
      g_ptr_array_add (before, g_strdup (gtk_string_list_get_string (GTK_STRING_LIST (list), i)));
    g_assert_nonnull (config);
    kvp_window_add_config (window, config);
    list = gtk_drop_down_get_model (models);
    g_assert_cmpuint (g_list_model_get_n_items (list), ==, n + 1);
    for (guint i = 0; i < before->len; i++)
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (list), i), ==, before->pdata[i]);
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (list), n - 1), ==, config->name);
    g_assert_cmpuint (gtk_drop_down_get_selected (models), ==, n - 1);
    g_assert_true (kvp_state_get_model (kvp_window_get_state (window)) == &config->model);
  }

  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Accessible names and relations are kept, and readable, without a bus. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  if (!kvp_test_init_display ())
    return 0;

  g_test_add_func ("/ui/window/template", test_template);
  g_test_add_func ("/ui/window/null-block-utilization", test_null_block_utilization);
  g_test_add_func ("/ui/window/deferred", test_deferred);
  g_test_add_func ("/ui/window/accessible-names", test_accessible_names);
  g_test_add_func ("/ui/window/default-row", test_default_row);
  g_test_add_func ("/ui/window/controls", test_controls);
  g_test_add_func ("/ui/window/coalesce", test_coalesce);
  g_test_add_func ("/ui/window/does-not-fit", test_does_not_fit);
  g_test_add_func ("/ui/window/animation", test_animation);
  g_test_add_func ("/ui/window/close-during-job", test_close_during_job);
  g_test_add_func ("/ui/window/actions", test_actions);
  g_test_add_func ("/ui/window/export", test_export);
  g_test_add_func ("/ui/window/settings", test_settings);
  g_test_add_func ("/ui/window/samples-rows", test_samples_rows);
  g_test_add_func ("/ui/window/render", test_render);
  g_test_add_func ("/ui/window/follows-state", test_follows_state);
  g_test_add_func ("/ui/window/slider-range", test_slider_range);
  g_test_add_func ("/ui/window/spin-text", test_spin_text);
  g_test_add_func ("/ui/window/count-parse", test_count_parse);
  g_test_add_data_func ("/ui/window/spin-locale/en_US", "en_US.UTF-8", test_spin_locale);
  g_test_add_data_func ("/ui/window/spin-locale/de_DE", "de_DE.UTF-8", test_spin_locale);
  g_test_add_func ("/ui/window/asked-kept", test_asked_kept);
  g_test_add_func ("/ui/window/export-size", test_export_size);
  g_test_add_func ("/ui/window/export-path", test_export_path);
  g_test_add_func ("/ui/window/export-chosen", test_export_chosen);
  g_test_add_func ("/ui/window/export-filter", test_export_filter);
  g_test_add_func ("/ui/window/close-with-dialog", test_close_with_dialog);
  g_test_add_func ("/ui/window/export-async-error", test_export_async_error);
  g_test_add_func ("/ui/window/notification", test_notification);
  g_test_add_func ("/ui/window/card-tooltips", test_card_tooltips);
  g_test_add_func ("/ui/window/gpu-group", test_gpu_group);
  g_test_add_func ("/ui/window/gpu-group-decimals-locale", test_gpu_group_decimals_locale);
  g_test_add_func ("/ui/window/settings-gpu", test_settings_gpu);
  g_test_add_func ("/ui/window/settings-workload", test_settings_workload);
  g_test_add_func ("/ui/window/refusal-shown", test_refusal_shown);
  g_test_add_func ("/ui/window/panel-wheel", test_panel_wheel);
  g_test_add_func ("/ui/window/same-as-json", test_same_as_json);
  g_test_add_func ("/ui/window/compare-log", test_compare_log);
  g_test_add_func ("/ui/window/compare-log-truncated", test_compare_log_truncated);
  g_test_add_func ("/ui/window/open-config", test_open_config);
  g_test_add_func ("/ui/window/open-deep-config", test_open_deep_config);
  g_test_add_func ("/ui/window/model-list-replaces", test_model_list_replaces);
  g_test_add_func ("/ui/window/launch-gpu", test_launch_gpu);
  g_test_add_func ("/ui/window/config-lifetime", test_config_lifetime);
  g_test_add_func ("/ui/window/open-then-close", test_open_then_close);
  g_test_add_func ("/ui/window/layout", test_layout);

  return g_test_run ();
}
