/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the KV Page window — built from its template and freed, every
 * control recomputing what is shown, the does-not-fit state, actions and
 * shortcuts, export, settings, and the picture it really draws. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "kvp-application.h"
#include "kvp-export.h"
#include "kvp-format.h"
#include "kvp-settings.h"
#include "kvp-window.h"

static void
spin_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
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

static gpointer
template_child (KvpWindow  *window,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window), KVP_TYPE_WINDOW, name);

  g_assert_nonnull (child);
  return child;
}

static void
test_template (void)
{
  static const char *children[] = {
    "canvas", "subtitle_label", "menu_button", "model_dropdown", "dtype_dropdown",
    "seq_len_spin", "seq_len_scale", "seq_len_adjustment",
    "block_size_spin", "block_size_scale", "block_size_adjustment",
    "num_blocks_spin", "num_blocks_scale", "num_blocks_adjustment",
    "max_seq_len_spin", "max_seq_len_scale", "max_seq_len_adjustment",
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

  spin_for (100);
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
  gtk_adjustment_set_value (template_child (window, name), value);
}

static void
test_controls (void)
{
  KvpWindow *window = show_window ();
  KvpComparison *cmp;
  guint64 bpt;

  /* Sequence length, spin button and slider. */
  gtk_spin_button_set_value (template_child (window, "seq_len_spin"), 256);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.seq_len, ==, 256);
  g_assert_cmpuint (cmp->blocks_used, ==, 16);
  g_assert_cmpfloat (gtk_adjustment_get_value (template_child (window, "seq_len_adjustment")), ==, 256);
  assert_description (window);

  set_adjustment (window, "seq_len_adjustment", 1000);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.seq_len, ==, 1000);
  g_assert_cmpuint (cmp->blocks_used, ==, 63);
  assert_description (window);

  /* Block size: the slider moves over powers of two, the spin button to any. */
  g_assert_cmpint (gtk_range_get_round_digits (template_child (window, "block_size_scale")), ==, 0);
  g_assert_cmpint (gtk_range_get_round_digits (template_child (window, "seq_len_scale")), ==, 0);
  set_adjustment (window, "block_size_adjustment", 5);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.block_size, ==, 32);
  g_assert_cmpuint (cmp->blocks_used, ==, 32);
  g_assert_cmpfloat (gtk_spin_button_get_value (template_child (window, "block_size_spin")), ==, 32);
  assert_description (window);

  gtk_spin_button_set_value (template_child (window, "block_size_spin"), 24);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.block_size, ==, 24);
  g_assert_cmpuint (cmp->blocks_used, ==, 42);
  g_assert_cmpuint (cmp->paged_waste_tokens, ==, 42 * 24 - 1000);
  assert_description (window);

  gtk_spin_button_set_value (template_child (window, "block_size_spin"), 1024);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.block_size, ==, 1024);
  gtk_spin_button_set_value (template_child (window, "block_size_spin"), 16);

  /* Block count: log slider 1 … 2^20, spin button on to 2^24. */
  set_adjustment (window, "num_blocks_adjustment", 12);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.num_blocks, ==, 4096);
  g_assert_cmpuint (cmp->blocks_free, ==, 4096 - 63);
  assert_description (window);

  gtk_spin_button_set_value (template_child (window, "num_blocks_spin"), 3000000);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.num_blocks, ==, 3000000);
  g_assert_cmpfloat (gtk_adjustment_get_value (template_child (window, "num_blocks_adjustment")), ==, 20);
  assert_description (window);

  gtk_spin_button_set_value (template_child (window, "num_blocks_spin"), 1024);

  /* Reserved length; a shorter one takes the sequence with it. */
  gtk_spin_button_set_value (template_child (window, "max_seq_len_spin"), 1024);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.max_seq_len, ==, 1024);
  g_assert_cmpuint (cmp->params.seq_len, ==, 1000);
  g_assert_cmpuint (cmp->traditional_bytes, ==, 1024u * 22528u);
  assert_description (window);

  set_adjustment (window, "max_seq_len_adjustment", 9);
  cmp = kvp_window_get_comparison (window);
  g_assert_cmpuint (cmp->params.max_seq_len, ==, 512);
  g_assert_cmpuint (cmp->params.seq_len, ==, 512);
  g_assert_cmpfloat (gtk_adjustment_get_upper (template_child (window, "seq_len_adjustment")), ==, 512);
  g_assert_cmpfloat (gtk_spin_button_get_value (template_child (window, "seq_len_spin")), ==, 512);
  assert_description (window);

  /* The second row of DESIGN.md. */
  gtk_spin_button_set_value (template_child (window, "max_seq_len_spin"), 1024);
  gtk_spin_button_set_value (template_child (window, "seq_len_spin"), 128);
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
  g_assert_cmpfloat (gtk_spin_button_get_value (template_child (window, "max_seq_len_spin")), ==, 2048);

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
  GtkAdjustment *adjustment = template_child (window, "num_blocks_adjustment");
  guint n_descriptions = 0;

  kvp_window_get_comparison (window);
  g_signal_connect (canvas, "notify::description", G_CALLBACK (count_cb), &n_descriptions);

  for (guint i = 0; i <= 100; i++)
    gtk_adjustment_set_value (adjustment, 10.0 + i / 10.0);
  g_assert_cmpuint (n_descriptions, ==, 0);

  g_assert_cmpuint (kvp_window_get_comparison (window)->params.num_blocks, ==, 1048576);
  g_assert_cmpuint (n_descriptions, ==, 1);
  g_test_message ("Recompute at 1,048,576 blocks: %.2f ms (scene %.2f ms)",
                  kvp_window_get_last_recompute_time (window) / 1000.0,
                  kvp_canvas_get_last_build_time (canvas) / 1000.0);

  /* Nothing more is pending. */
  spin_for (50);
  g_assert_cmpuint (n_descriptions, ==, 1);

  /* Pools this big are built in a worker thread, the newest values winning
   * over the ones still being built. */
  {
    GtkSpinButton *spin = template_child (window, "num_blocks_spin");
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    gtk_spin_button_set_value (spin, 2000000);
    spin_for (5);
    gtk_spin_button_set_value (spin, 3000000);
    spin_for (5);
    gtk_spin_button_set_value (spin, 2500000);
    while (kvp_canvas_get_comparison (canvas)->params.num_blocks != 2500000 &&
           g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (kvp_canvas_get_comparison (canvas)->params.num_blocks, ==, 2500000);
    spin_for (100);
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
  g_assert_cmpfloat (gtk_spin_button_get_value (template_child (window, "num_blocks_spin")), ==, 4);

  /* And back. */
  gtk_spin_button_set_value (template_child (window, "num_blocks_spin"), 8);
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
  gtk_spin_button_set_value (template_child (window, "seq_len_spin"), 512);
  kvp_window_get_comparison (window);
  g_assert_true (kvp_canvas_get_animating (canvas));

  /* The tick callback goes away once the transition settles. */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (kvp_canvas_get_animating (canvas) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (kvp_canvas_get_animating (canvas));

  /* No animations wanted: the settled frame at once. */
  set_animations (FALSE);
  gtk_spin_button_set_value (template_child (window, "seq_len_spin"), 64);
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
  gtk_spin_button_set_value (template_child (window, "max_seq_len_spin"), 16777216);
  gtk_spin_button_set_value (template_child (window, "seq_len_spin"), 16777216);
  gtk_spin_button_set_value (template_child (window, "num_blocks_spin"), 16777216);
  /* Let the frame clock hand the recompute to its worker. */
  spin_for (50);

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

  for (guint i = 0; i < G_N_ELEMENTS (app_actions); i++)
    g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), app_actions[i]));

  assert_accel (GTK_APPLICATION (app), "app.quit", "<Control>q");
  assert_accel (GTK_APPLICATION (app), "app.shortcuts", "<Control>question");

  settings = kvp_application_get_settings (app);
  g_assert_nonnull (settings);

  window = kvp_window_new (GTK_APPLICATION (app), settings, NULL);
  g_object_ref (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for_size (GTK_WIDGET (kvp_window_get_canvas (window))));

  /* Window actions, bound on the window (Ctrl+C in a text field stays
   * the field's). */
  g_assert_true (has_binding (GTK_WIDGET (window), "<Control>e", "win.export"));
  g_assert_true (has_binding (GTK_WIDGET (window), "<Control>c", "win.copy"));
  g_assert_true (has_binding (GTK_WIDGET (window), "<Control>r", "win.replay"));
  /* Reset brings back DESIGN.md's default row. */
  gtk_spin_button_set_value (template_child (window, "num_blocks_spin"), 77);
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
  spin_for (100);
  g_assert_cmpint (kvp_canvas_get_theme (kvp_window_get_canvas (window))->variant, ==, KVP_THEME_DARK);

  g_action_group_activate_action (G_ACTION_GROUP (app), "style", g_variant_new_string ("light"));
  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", &dark, NULL);
  g_assert_false (dark);
  spin_for (100);
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

  /* What is on screen, at twice the pixels. */
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 2 * gtk_widget_get_width (canvas));
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 2 * gtk_widget_get_height (canvas));

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

  /* Values nobody should trust. */
  g_settings_set_string (settings, "model", "no-such-model");
  g_settings_set_string (settings, "kv-dtype", "fp64");
  g_settings_set_uint (settings, "num-blocks", 99999999);
  g_settings_set_uint (settings, "block-size", 0);
  g_settings_set_uint (settings, "max-seq-len", 4096);
  g_settings_set_uint (settings, "seq-len", 5000);
  g_settings_set_int (settings, "window-width", 10);
  g_settings_set_int (settings, "window-height", -5);

  kvp_settings_load_params (settings, &loaded);
  g_assert_cmpstr (loaded.model->key, ==, "tinyllama-1.1b");
  g_assert_cmpint (loaded.dtype, ==, KVP_DTYPE_FP16);
  g_assert_cmpuint (loaded.num_blocks, ==, 16777216);
  g_assert_cmpuint (loaded.block_size, ==, 1);
  g_assert_cmpuint (loaded.max_seq_len, ==, 4096);
  g_assert_cmpuint (loaded.seq_len, ==, 4096);

  kvp_settings_load_window_state (settings, &width, &height, &maximized);
  g_assert_cmpint (width, ==, KVP_WINDOW_MIN_WIDTH);
  g_assert_cmpint (height, ==, KVP_WINDOW_MIN_HEIGHT);

  g_settings_set_uint (settings, "max-seq-len", 0);
  g_settings_set_uint (settings, "seq-len", 0);
  g_settings_set_uint (settings, "block-size", 5000);
  kvp_settings_load_params (settings, &loaded);
  g_assert_cmpuint (loaded.max_seq_len, ==, 1);
  g_assert_cmpuint (loaded.seq_len, ==, 1);
  g_assert_cmpuint (loaded.block_size, ==, 1024);

  /* The window shows the clamped values and computes them. */
  g_settings_set_uint (settings, "num-blocks", 99999999);
  window = kvp_window_new (NULL, settings, NULL);
  g_object_ref (window);
  kvp_window_get_params (window, &params);
  g_assert_cmpuint (params.num_blocks, ==, 16777216);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.num_blocks, ==, 16777216);
  g_assert_cmpfloat (gtk_spin_button_get_value (template_child (window, "num_blocks_spin")), ==, 16777216);

  /* Round trip: what the window shows is what the next one starts from. */
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
  kvp_settings_load_params (settings, &loaded);
  g_assert_true (loaded.model == params.model);
  g_assert_cmpint (loaded.dtype, ==, KVP_DTYPE_BF16);
  g_assert_cmpuint (loaded.max_seq_len, ==, 8192);
  g_assert_cmpuint (loaded.seq_len, ==, 3000);
  g_assert_cmpuint (loaded.block_size, ==, 32);
  g_assert_cmpuint (loaded.num_blocks, ==, 4096);
  kvp_settings_load_window_state (settings, &width, &height, &maximized);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 640);
  g_assert_false (maximized);

  window = kvp_window_new (NULL, settings, NULL);
  g_object_ref (window);
  kvp_window_get_params (window, &loaded);
  g_assert_cmpuint (loaded.seq_len, ==, 3000);
  g_assert_cmpstr (loaded.model->key, ==, "mistral-7b");
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);

  /* Launch values win over the saved ones. */
  kvp_params_init_default (&params);
  params.seq_len = 77;
  close_window (window);
  window = kvp_window_new (NULL, settings, &params);
  g_object_ref (window);
  g_assert_cmpuint (kvp_window_get_comparison (window)->params.seq_len, ==, 77);
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
  spin_for (200);

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }

  g_test_add_func ("/ui/window/template", test_template);
  g_test_add_func ("/ui/window/default-row", test_default_row);
  g_test_add_func ("/ui/window/controls", test_controls);
  g_test_add_func ("/ui/window/coalesce", test_coalesce);
  g_test_add_func ("/ui/window/does-not-fit", test_does_not_fit);
  g_test_add_func ("/ui/window/animation", test_animation);
  g_test_add_func ("/ui/window/close-during-job", test_close_during_job);
  g_test_add_func ("/ui/window/actions", test_actions);
  g_test_add_func ("/ui/window/export", test_export);
  g_test_add_func ("/ui/window/settings", test_settings);
  g_test_add_func ("/ui/window/render", test_render);

  return g_test_run ();
}
