/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-serving-window.c: the serving view in the window — the view switch,
 * the controls' accessible names, a simulation run off the main thread and
 * shown, scrubbing, playing, the accessible description, a request's block
 * table, reduced animations, and a workload file that cannot be read. */

#define G_LOG_DOMAIN "kvpage-test"

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "kvp-capacity-picture.h"
#include "kvp-error.h"
#include "kvp-export.h"
#include "kvp-format.h"
#include "kvp-serving-paint.h"
#include "kvp-test-display.h"
#include "kvp-test-utils.h"
#include "kvp-window.h"
#include "kvp-window-private.h"

static gboolean
has_size (gpointer data)
{
  return gtk_widget_get_width (data) > 0;
}

static gboolean
simulated (gpointer data)
{
  return !kvp_serving_controls_is_busy (data) && kvp_serving_controls_get_simulation (data) != NULL;
}

/* A hybrid model's run, in more than one KV-cache group. */
static gboolean
simulated_in_groups (gpointer data)
{
  return simulated (data) &&
         kvp_simulation_get_config (kvp_serving_controls_get_simulation (data))->n_groups > 1;
}

static gboolean
settled (gpointer data)
{
  return !kvp_serving_controls_is_busy (data);
}

static gpointer
control (KvpServingControls *controls,
         const char         *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (controls), KVP_TYPE_SERVING_CONTROLS, name);

  g_assert_nonnull (child);
  return child;
}

/* One name: @name as the "label" property, or the visible label that
 * labels the widget, never both. */
static void
assert_name (gpointer    widget,
             const char *name)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);

  if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL))
    {
      g_autofree char *error = gtk_test_accessible_check_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL, name);

      g_assert_null (error);
      g_assert_false (gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY));
    }
  else
    g_assert_true (gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY));
}

/* A window in the serving view with a small run (50 requests). */
static KvpWindow *
show_serving (void)
{
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);

  g_object_ref (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (kvp_test_iterate_until (has_size, kvp_window_get_canvas (window)));

  gtk_spin_button_set_value (control (controls, "requests_spin"), 50);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "serving");
  g_assert_true (kvp_test_iterate_until (simulated, controls));
  g_assert_true (kvp_test_iterate_until (has_size, _kvp_window_get_serving_canvas (window)));

  return window;
}

static void
close_window (KvpWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_TOGGLE_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      found = find_button (child, label);
      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The picture the view shows. */
static gpointer
shown (KvpWindow *window)
{
  GtkWidget *stack = gtk_widget_get_parent (GTK_WIDGET (kvp_window_get_canvas (window)));

  return gtk_stack_get_visible_child (GTK_STACK (stack));
}

static gboolean
sequence_shown (gpointer window)
{
  GtkWidget *stack = gtk_widget_get_parent (GTK_WIDGET (kvp_window_get_canvas (window)));

  return gtk_stack_get_visible_child (GTK_STACK (stack)) == GTK_WIDGET (kvp_window_get_canvas (window));
}

static gboolean
playing (gpointer canvas)
{
  return kvp_serving_canvas_get_playing (canvas);
}

/* The switch in the header bar, named exactly "Sequence" and "Serving",
 * shows one picture or the other and the serving controls with the second. */
static void
test_switch (void)
{
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  GtkWidget *sequence = find_button (titlebar, "Sequence");
  GtkWidget *serving = find_button (titlebar, "Serving");
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  GtkWidget *serving_canvas = GTK_WIDGET (_kvp_window_get_serving_canvas (window));
  static const struct
  {
    const char *child;
    const char *name;
  } names[] = {
    { "workload_dropdown", "Workload" }, { "requests_spin", "Requests" }, { "rate_spin", "Request rate" },
    { "seed_spin", "Seed" }, { "scheme_dropdown", "Compared with" }, { "play_button", "Play or pause (Space)" },
    { "step_scale", "Time" }, { "speed_dropdown", "Speed" },
  };

  g_object_ref (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (kvp_test_iterate_until (has_size, kvp_window_get_canvas (window)));

  g_assert_nonnull (sequence);
  g_assert_nonnull (serving);
  assert_name (sequence, "Sequence");
  assert_name (serving, "Serving");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    assert_name (control (controls, names[i].child), names[i].name);
  g_assert_cmpstr (gtk_button_get_label (control (controls, "open_button")), ==, "Open Workload File…");

  /* Sequence first; nothing is simulated until the view is shown. */
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (sequence)));
  g_assert_true (shown (window) == kvp_window_get_canvas (window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (controls)));
  g_assert_null (kvp_serving_controls_get_simulation (controls));

  /* Requests grouped as the picture's header groups them (English's way in
   * the tests' C.UTF-8), and read back so. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (control (controls, "requests_spin"))), ==, "1,000");
  gtk_editable_set_text (GTK_EDITABLE (control (controls, "requests_spin")), "1,200");
  gtk_spin_button_update (control (controls, "requests_spin"));
  g_assert_cmpfloat (gtk_spin_button_get_value (control (controls, "requests_spin")), ==, 1200);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (control (controls, "requests_spin"))), ==, "1,200");

  gtk_spin_button_set_value (control (controls, "requests_spin"), 20);
  gtk_widget_activate (serving);
  g_assert_true (kvp_test_iterate_until (simulated, controls));
  g_assert_true (kvp_test_iterate_until (has_size, serving_canvas));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (serving)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (controls)));
  g_assert_true (shown (window) == serving_canvas);

  gtk_widget_activate (sequence);
  /* A button activated by the keyboard clicks after a moment. */
  g_assert_true (kvp_test_iterate_until (sequence_shown, window));
  g_assert_true (shown (window) == kvp_window_get_canvas (window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (controls)));

  close_window (window);
}

static gboolean
description_at_step (gpointer data)
{
  KvpServingCanvas *canvas = data;
  const char *description = kvp_serving_canvas_get_description (canvas);
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (canvas);
  g_autofree char *prefix = g_strdup_printf ("At %.2f s of ",
                                             kvp_serving_steps_get_time (steps, kvp_serving_canvas_get_step (canvas)) / 1e9);

  return description != NULL && g_str_has_prefix (description, prefix);
}

/* The Time slider scrubs in seconds (a time picks the step running then);
 * the canvas' accessible description says what the step shows, with the
 * figures of the scene drawn. */
static void
test_scrub (void)
{
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  GtkAdjustment *adjustment = gtk_range_get_adjustment (control (controls, "step_scale"));
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (canvas);
  guint n = kvp_serving_steps_get_n_steps (steps);
  g_autofree char *sentence = NULL;
  g_autofree char *error = NULL;
  const KvpSimStep *totals;
  g_autofree char *running = NULL;
  g_autofree char *label_prefix = NULL;

  g_assert_cmpuint (n, >, 20);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, kvp_serving_steps_get_end (steps) / 1e9);

  /* Between two steps' starts is the earlier step. */
  gtk_adjustment_set_value (adjustment, (kvp_serving_steps_get_time (steps, 20) + 1000) / 1e9);
  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), ==, 20);
  gtk_adjustment_set_value (adjustment, kvp_serving_steps_get_time (steps, 21) / 1e9);
  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), ==, 21);
  kvp_serving_canvas_set_step (canvas, 20);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, kvp_serving_steps_get_time (steps, 20) / 1e9);
  g_assert_true (kvp_test_iterate_until (description_at_step, canvas));
  g_assert_cmpuint (kvp_serving_scene_get_step (kvp_serving_canvas_get_scene (canvas)), ==, 20);

  /* The sentence is the scene's, and the accessible description holds it. */
  sentence = kvp_serving_scene_dup_description (kvp_serving_canvas_get_scene (canvas));
  g_assert_cmpstr (kvp_serving_canvas_get_description (canvas), ==, sentence);
  error = gtk_test_accessible_check_property (GTK_ACCESSIBLE (canvas), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                              sentence);
  g_assert_null (error);
  totals = kvp_serving_scene_get_totals (kvp_serving_canvas_get_scene (canvas), KVP_SERVING_PANEL_PAGED);
  running = g_strdup_printf ("PagedAttention runs %u requests with %u waiting", totals->n_running,
                             totals->n_waiting);
  g_assert_nonnull (strstr (sentence, running));
  g_assert_nonnull (strstr (gtk_label_get_label (control (controls, "step_label")), "(step 20 of"));
  label_prefix = g_strdup_printf ("%.2f s of ", kvp_serving_steps_get_time (steps, 20) / 1e9);
  g_assert_true (g_str_has_prefix (gtk_label_get_label (control (controls, "step_label")), label_prefix));

  /* Past the end is the last step. */
  kvp_serving_canvas_set_step (canvas, n + 100);
  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), ==, n - 1);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, kvp_serving_steps_get_time (steps, n - 1) / 1e9);

  close_window (window);
}

static gboolean
moved (gpointer data)
{
  return kvp_serving_canvas_get_step (data) >= 5;
}

/* A key pressed on widget, as its key controllers see it: TRUE when one of
 * them took it. */
static gboolean
press_key_with (GtkWidget       *widget,
                guint            keyval,
                GdkModifierType  state)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
    }
  return handled;
}

/* A signal of widget's first controller of type, with two doubles. */
static void
emit_on (GtkWidget  *widget,
         GType       type,
         const char *signal,
         double      x,
         double      y)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        {
          g_signal_emit_by_name (controller, signal, x, y);
          return;
        }
    }
  g_assert_not_reached ();
}

static gboolean
emit_scroll (GtkWidget *widget,
             double     dx,
             double     dy)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_SCROLL (controller))
        g_signal_emit_by_name (controller, "scroll", dx, dy, &handled);
    }
  return handled;
}

/* A pinch: it begins (no touch points: around the time shown), then
 * reaches scale. */
static void
emit_pinch (GtkWidget *widget,
            double     scale)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_ZOOM (controller))
        {
          g_signal_emit_by_name (controller, "begin", NULL);
          g_signal_emit_by_name (controller, "scale-changed", scale);
          return;
        }
    }
  g_assert_not_reached ();
}

static gboolean
scene_range_is (KvpServingCanvas *canvas,
                guint64           start,
                guint64           end)
{
  KvpServingScene *scene = kvp_serving_canvas_get_scene (canvas);
  guint64 s, e;

  return scene != NULL && kvp_serving_scene_get_chart_plot (scene, NULL, &s, &e) && s == start && e == end;
}

typedef struct
{
  KvpServingCanvas *canvas;
  guint64           start, end;
} RangeWait;

static gboolean
scene_shows_range (gpointer data)
{
  RangeWait *wait = data;

  return scene_range_is (wait->canvas, wait->start, wait->end);
}

/* The chart zooms (+, -), pans (Shift+arrows), resets (0), and E and the
 * button go to where the paged run ends, the chart following; the picture
 * drawn shows the range.  Speed is a multiple of real time. */
static void
test_time_controls (void)
{
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (canvas);
  guint64 end = kvp_serving_steps_get_end (steps);
  guint64 paged_end = kvp_serving_steps_get_scheme_end (steps, KVP_SCHEME_PAGED);
  guint last_paged = kvp_serving_steps_find_time (steps, paged_end - 1);
  guint64 start, stop;
  RangeWait wait = { canvas, 0, 0 };
  const double speeds[] = { 1, 10, 100, 1000 };

  kvp_serving_canvas_set_step (canvas, kvp_serving_steps_get_n_steps (steps) / 2);
  kvp_serving_canvas_get_view_range (canvas, &start, &stop);
  g_assert_cmpuint (start, ==, 0);
  g_assert_cmpuint (stop, ==, end);

  g_assert_true (press_key_with (GTK_WIDGET (canvas), GDK_KEY_plus, 0));
  kvp_serving_canvas_get_view_range (canvas, &start, &stop);
  g_assert_cmpuint (stop - start, >=, end / 2 - 1);
  g_assert_cmpuint (stop - start, <=, end / 2 + 1);
  /* Zoomed around the time shown. */
  g_assert_cmpuint (start, <=, kvp_serving_steps_get_time (steps, kvp_serving_canvas_get_step (canvas)));
  g_assert_cmpuint (stop, >=, kvp_serving_steps_get_time (steps, kvp_serving_canvas_get_step (canvas)));
  wait.start = start, wait.end = stop;
  g_assert_true (kvp_test_iterate_until (scene_shows_range, &wait));

  {
    guint64 before = start;

    g_assert_true (press_key_with (GTK_WIDGET (canvas), GDK_KEY_Left, GDK_SHIFT_MASK));
    kvp_serving_canvas_get_view_range (canvas, &start, &stop);
    g_assert_cmpuint (start, <, before);
    g_assert_cmpuint (stop - start, >=, end / 2 - 1);
  }

  g_assert_true (press_key_with (GTK_WIDGET (canvas), GDK_KEY_0, 0));
  kvp_serving_canvas_get_view_range (canvas, &start, &stop);
  g_assert_cmpuint (start, ==, 0);
  g_assert_cmpuint (stop, ==, end);
  /* Zoomed out no further than the run. */
  g_assert_true (press_key_with (GTK_WIDGET (canvas), GDK_KEY_minus, 0));
  kvp_serving_canvas_get_view_range (canvas, &start, &stop);
  g_assert_cmpuint (stop, ==, end);

  /* E: the paged run's last step, its end marked in the range shown. */
  kvp_serving_canvas_zoom (canvas, 8.0);
  kvp_serving_canvas_set_step (canvas, 0);
  g_assert_true (press_key_with (GTK_WIDGET (canvas), GDK_KEY_e, 0));
  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), ==, last_paged);
  kvp_serving_canvas_get_view_range (canvas, &start, &stop);
  g_assert_cmpuint (start, <=, paged_end);
  g_assert_cmpuint (stop, >=, paged_end);
  kvp_serving_canvas_set_step (canvas, 0);
  g_signal_emit_by_name (control (controls, "paged_end_button"), "clicked");
  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), ==, last_paged);

  /* Scroll up over the chart zooms in at the pointer, by 1.25 a notch;
   * sideways pans; over the grids it is left to the window.  A pinch to
   * twice the size halves the range. */
  g_assert_true (press_key_with (GTK_WIDGET (canvas), GDK_KEY_0, 0));
  g_assert_true (kvp_test_iterate_until (scene_shows_range, &(RangeWait) { canvas, 0, end }));
  {
    KvpServingScene *scene = kvp_serving_canvas_get_scene (canvas);
    cairo_rectangle_t plot, grid;
    gboolean handled = FALSE;
    guint64 before_start, before_end;

    g_assert_true (kvp_serving_scene_get_chart_plot (scene, &plot, NULL, NULL));
    kvp_serving_scene_get_grid_bounds (scene, KVP_SERVING_PANEL_PAGED, &grid);
    emit_on (GTK_WIDGET (canvas), GTK_TYPE_EVENT_CONTROLLER_MOTION, "motion", grid.x + 2, grid.y + 2);
    handled = emit_scroll (GTK_WIDGET (canvas), 0, -1);
    g_assert_false (handled);
    emit_on (GTK_WIDGET (canvas), GTK_TYPE_EVENT_CONTROLLER_MOTION, "motion", plot.x + plot.width / 4,
             plot.y + plot.height / 2);
    g_assert_true (emit_scroll (GTK_WIDGET (canvas), 0, -1));
    kvp_serving_canvas_get_view_range (canvas, &start, &stop);
    g_assert_cmpfloat (fabs ((double) (stop - start) - end / 1.25), <, end * 1e-6 + 2);
    /* The time under the pointer stays under it. */
    g_assert_cmpfloat (fabs ((double) start + 0.25 * (stop - start) - end / 4.0), <, end * 1e-6 + 2);
    before_start = start, before_end = stop;
    g_assert_true (emit_scroll (GTK_WIDGET (canvas), 1, 0));
    kvp_serving_canvas_get_view_range (canvas, &start, &stop);
    g_assert_cmpuint (start, >, before_start);
    g_assert_cmpuint (stop - start, ==, before_end - before_start);

    before_start = start, before_end = stop;
    emit_pinch (GTK_WIDGET (canvas), 2.0);
    kvp_serving_canvas_get_view_range (canvas, &start, &stop);
    g_assert_cmpfloat (fabs ((double) (stop - start) - (before_end - before_start) / 2.0), <, 2);
  }

  for (guint i = 0; i < G_N_ELEMENTS (speeds); i++)
    {
      gtk_drop_down_set_selected (control (controls, "speed_dropdown"), i);
      g_assert_cmpfloat (kvp_serving_canvas_get_speed (canvas), ==, speeds[i]);
    }

  close_window (window);
}

static GtkShortcut *find_shortcut (KvpWindow  *window,
                                   const char *trigger);

static gboolean
swept (gpointer data)
{
  KvpCapacityState *capacity = data;

  return !kvp_capacity_state_get_busy (capacity) && kvp_capacity_state_get_sweep (capacity) != NULL;
}

static gboolean
refused (gpointer data)
{
  KvpCapacityState *capacity = data;

  return !kvp_capacity_state_get_busy (capacity) && kvp_capacity_state_get_error (capacity) != NULL;
}

static gboolean
capacity_drawn (gpointer data)
{
  KvpCapacityCanvas *canvas = data;
  const char *description = kvp_picture_canvas_get_description (KVP_PICTURE_CANVAS (canvas));

  return description != NULL && g_str_has_prefix (description, "Capacity: normalized latency");
}

/* Control+3 shows the capacity view: the serving settings swept over the
 * rate range of its controls, drawn by the export's painter; a new range
 * sweeps again, a bad one says why instead of a picture. */
static void
test_capacity_view (void)
{
  KvpWindow *window = show_serving ();
  KvpCapacityState *capacity = _kvp_window_get_capacity_state (window);
  KvpCapacityCanvas *canvas = _kvp_window_get_capacity_canvas (window);
  GtkWidget *shortcut_target = GTK_WIDGET (window);
  GtkShortcut *shortcut = find_shortcut (window, "<Control>3");
  g_autofree char *description = NULL;
  KvpSweep *sweep;

  g_assert_nonnull (shortcut);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                               shortcut_target, gtk_shortcut_get_arguments (shortcut)));
  g_assert_cmpstr (_kvp_window_get_view (window), ==, "capacity");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (canvas)));
  kvp_capacity_state_set_range (capacity, 2, 4, 1);
  g_assert_true (kvp_test_iterate_until (swept, capacity));
  sweep = kvp_capacity_state_get_sweep (capacity);
  g_assert_cmpuint (kvp_sweep_get_n_rates (sweep), ==, 3);
  g_assert_true (kvp_capacity_canvas_get_sweep (canvas) == sweep);
  g_assert_true (kvp_test_iterate_until (capacity_drawn, canvas));
  /* The serving view's requests are the sweep's. */
  description = kvp_sweep_describe (sweep);
  g_assert_nonnull (strstr (description, "50 requests"));

  /* The From spin is the state's start. */
  {
    GtkWidget *start = NULL;

    for (GtkWidget *w = GTK_WIDGET (window); w != NULL;)
      {
        /* Depth-first walk for the widget named capacity-start. */
        if (g_strcmp0 (gtk_widget_get_name (w), "capacity-start") == 0)
          {
            start = w;
            break;
          }
        if (gtk_widget_get_first_child (w) != NULL)
          w = gtk_widget_get_first_child (w);
        else
          {
            while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
              w = gtk_widget_get_parent (w);
            w = w != NULL ? gtk_widget_get_next_sibling (w) : NULL;
          }
      }
    g_assert_nonnull (start);
    /* Core's highest rate is the spin's (it stopped at 10,000). */
    g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (start))), ==,
                       KVP_WORKLOAD_MAX_RATE);
    g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (start)), ==, 2);
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (start), 3);
    g_assert_true (kvp_capacity_state_get_busy (capacity));
    g_assert_true (kvp_test_iterate_until (swept, capacity));
    g_assert_cmpuint (kvp_sweep_get_n_rates (kvp_capacity_state_get_sweep (capacity)), ==, 2);
  }

  /* A range going down: the picture says why. */
  kvp_capacity_state_set_range (capacity, 4, 2, 1);
  kvp_test_iterate_for (400);
  g_assert_null (kvp_capacity_canvas_get_sweep (canvas));
  g_assert_true (g_str_has_prefix (kvp_picture_canvas_get_description (KVP_PICTURE_CANVAS (canvas)), "No sweep"));

  /* The serving view's workload a file with arrival times of its own: it
   * takes no rate, and the picture says so in the window's words. */
  {
    g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
    g_autofree char *timed = g_build_filename (dir, "timed.csv", NULL);
    KvpServingControls *controls = _kvp_window_get_serving_controls (window);
    const char *said;

    g_assert_true (g_file_set_contents (timed, "prompt_len,output_len,arrival\n10,5,0\n20,6,1.5\n", -1, NULL));
    gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "serving");
    kvp_serving_controls_set_workload_file (controls, timed);
    g_assert_true (kvp_test_iterate_until (simulated, controls));
    g_assert_cmpstr (kvp_serving_state_get_workload (kvp_window_get_serving_state (window)), ==, timed);
    gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "capacity");
    kvp_capacity_state_set_range (capacity, 1, 2, 1);
    g_assert_true (kvp_test_iterate_until (refused, capacity));
    kvp_test_iterate_for (200);
    said = kvp_picture_canvas_get_description (KVP_PICTURE_CANVAS (canvas));
    g_assert_true (g_str_has_prefix (said, "No sweep"));
    g_assert_nonnull (strstr (said, "has arrival times of its own, so it cannot be swept at request rates."));
    g_assert_null (strstr (said, "--"));
    g_unlink (timed);
    g_rmdir (dir);
  }

  /* Back to serving: the sweep stops being wanted. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "serving");
  g_assert_cmpstr (_kvp_window_get_view (window), ==, "serving");
  {
    gboolean active = TRUE;

    g_object_get (capacity, "active", &active, NULL);
    g_assert_false (active);
  }
  close_window (window);
}

/* The first label under @root whose text holds @part, depth first. */
static GtkLabel *
find_label (GtkWidget  *root,
            const char *part)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found;

      if (GTK_IS_LABEL (child) && strstr (gtk_label_get_text (GTK_LABEL (child)), part) != NULL)
        return GTK_LABEL (child);
      found = find_label (child, part);
      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The capacity controls' note gives the sweep's latency bound with the
 * locale's decimal point, as the capacity picture does: "0,2 s" in German
 * numbers.  (It said "0.2 s", written into the sentence.) */
static void
test_capacity_note_locale (void)
{
  KvpWindow *window;
  GtkLabel *note;

  if (!kvp_test_use_numeric_locale ("de_DE.UTF-8"))
    return;

  window = show_serving ();
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "capacity");
  g_assert_cmpstr (_kvp_window_get_view (window), ==, "capacity");
  note = find_label (GTK_WIDGET (window), "per output token");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (gtk_label_get_text (note), "within 0,2 s per output token"));

  close_window (window);
  setlocale (LC_NUMERIC, "C");
  g_unsetenv ("LOCPATH");
}

static gboolean
past_a_second (gpointer data)
{
  KvpServingCanvas *canvas = data;

  return kvp_serving_steps_get_time (kvp_serving_canvas_get_steps (canvas), kvp_serving_canvas_get_step (canvas)) > 1000000000;
}

/* Playing at 1× never runs ahead of real time; at 1000× the step shown is
 * past 1 s of simulated time well within a second of real time. */
static void
test_play_speed (void)
{
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  KvpServingSteps *steps = kvp_serving_canvas_get_steps (canvas);
  gint64 begun;
  double elapsed, simulated;

  gtk_drop_down_set_selected (control (controls, "speed_dropdown"), 0);
  kvp_serving_canvas_set_playing (canvas, TRUE);
  begun = g_get_monotonic_time ();
  kvp_test_iterate_for (250);
  elapsed = (g_get_monotonic_time () - begun) / 1e6;
  simulated = kvp_serving_steps_get_time (steps, kvp_serving_canvas_get_step (canvas)) / 1e9;
  /* 1×: never ahead of real time (less a step's length). */
  g_assert_cmpfloat (simulated, <=, elapsed + 0.1);
  kvp_serving_canvas_set_playing (canvas, FALSE);

  kvp_serving_canvas_set_step (canvas, 0);
  gtk_drop_down_set_selected (control (controls, "speed_dropdown"), 3);
  begun = g_get_monotonic_time ();
  kvp_serving_canvas_set_playing (canvas, TRUE);
  g_assert_true (kvp_test_iterate_until (past_a_second, canvas));
  /* At 1000x a simulated second takes a millisecond or so, a few frames at
   * most even on a loaded machine; at 1x it would take a second. */
  g_assert_cmpint (g_get_monotonic_time () - begun, <, 900 * 1000);

  close_window (window);
}

/* The window's shortcut on trigger (as gtk_shortcut_trigger_to_string ()
 * writes it), or NULL. */
static GtkShortcut *
find_shortcut (KvpWindow  *window,
               const char *trigger)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *text = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));

          if (g_strcmp0 (text, trigger) == 0)
            return shortcut;
        }
    }

  return NULL;
}

/* Space pressed on the focused widget, as its key controllers see it
 * first: TRUE when one of them took it. */
static gboolean
press_space (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", GDK_KEY_space, 0, 0, &handled);
    }
  return handled;
}

/* The view simulates the pool --simulate would: with a GPU, vLLM's blocks
 * less its null block; a config with sliding-window layers runs in its
 * KV-cache groups, and a full-attention config runs again. */
static void
test_vllm_pool (void)
{
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpGpuGroup *group = kvp_window_get_gpu_group (window);
  KvpState *state = kvp_window_get_state (window);
  g_autofree char *llama_path = g_test_build_filename (G_TEST_DIST, "configs", "llama-3.1-8b.json", NULL);
  g_autofree char *gemma_path = g_test_build_filename (G_TEST_DIST, "configs", "gemma-3-27b-it.json", NULL);
  g_autoptr(KvpModelConfig) llama = kvp_model_config_new_from_file (llama_path, NULL);
  g_autoptr(KvpModelConfig) gemma = kvp_model_config_new_from_file (gemma_path, NULL);
  guint64 blocks;

  g_assert_nonnull (llama);
  g_assert_nonnull (gemma);
  kvp_window_add_config (window, llama);
  kvp_state_set_value (state, KVP_PARAM_MAX_SEQ_LEN, 8192);
  kvp_deploy_state_set_gpu (kvp_window_get_deploy_state (window), "a100-80gb");
  g_assert_true (kvp_gpu_group_get_sizes_pool (group));
  blocks = kvp_state_get_value (state, KVP_PARAM_NUM_BLOCKS);
  g_assert_cmpuint (blocks, ==, 28647);
  g_assert_true (kvp_test_iterate_until (simulated, controls));
  g_assert_cmpuint (kvp_simulation_get_config (kvp_serving_controls_get_simulation (controls))->num_blocks, ==,
                    blocks - 1);
  /* The window says why the pool is one block less than the Block count. */
  g_assert_true (gtk_widget_get_visible (control (controls, "pool_label")));
  g_assert_nonnull (strstr (gtk_label_get_label (control (controls, "pool_label")), "28,646"));
  g_assert_nonnull (strstr (gtk_label_get_label (control (controls, "pool_label")), "28,647"));
  g_assert_nonnull (strstr (gtk_label_get_label (control (controls, "pool_label")), "null block"));

  /* A hybrid model runs in vLLM's KV-cache groups. */
  kvp_window_add_config (window, gemma);
  /* Orca (Max) keeping 131,072 tokens in every group fits no pool here. */
  kvp_state_set_value (state, KVP_PARAM_MAX_SEQ_LEN, 8192);
  g_assert_true (kvp_test_iterate_until (simulated_in_groups, controls));
  g_assert_cmpstr (kvp_serving_controls_get_status (controls), ==, "");

  /* No memory left: vLLM would not start, the picture says, naming the control. */
  kvp_window_add_config (window, llama);
  kvp_deploy_state_set_utilization (kvp_window_get_deploy_state (window), 0.05);
  g_assert_true (kvp_test_iterate_until (settled, controls));
  g_assert_true (g_str_has_prefix (kvp_serving_canvas_get_description (_kvp_window_get_serving_canvas (window)),
                                   "vLLM would not start"));
  g_assert_nonnull (strstr (kvp_serving_canvas_get_description (_kvp_window_get_serving_canvas (window)),
                            "GPU memory utilization"));
  kvp_deploy_state_set_utilization (kvp_window_get_deploy_state (window), 0.92);

  g_assert_true (kvp_test_iterate_until (simulated, controls));
  g_assert_cmpstr (kvp_serving_controls_get_status (controls), ==, "");
  g_assert_null (strstr (kvp_serving_canvas_get_description (_kvp_window_get_serving_canvas (window)),
                         "would not start"));

  close_window (window);
}

/* One member of --simulate --json's output, as text. */
static char *
member_text (JsonNode   *root,
             const char *name)
{
  JsonNode *member = json_object_get_member (json_node_get_object (root), name);

  g_assert_nonnull (member);
  return json_to_string (member, FALSE);
}

/* With a GPU chosen, the window's run is --simulate's for the same settings:
 * the roofline's step time, vLLM's pool and limits, every figure the same.
 * @data: the Workload drop-down's row and --workload's name (NULL: the
 * default, ShareGPT). */
static void
test_same_as_command_line (gconstpointer data)
{
  const char *workload = data;
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  g_autofree char *llama_path = g_test_build_filename (G_TEST_DIST, "configs", "llama-3.1-8b.json", NULL);
  g_autoptr(KvpModelConfig) llama = kvp_model_config_new_from_file (llama_path, NULL);
  const char *argv[] = { g_getenv ("KVPAGE"), "--config", llama_path, "--gpu", "h100-80gb", "--max-seq-len", "8192",
                         "--simulate", "--requests", "50", "--json",
                         workload != NULL ? "--workload" : NULL, workload, NULL };
  g_autofree char *source = g_strdup_printf ("\"source\" : \"%s\"", workload != NULL ? workload : "sharegpt");
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) cli = NULL;
  g_autoptr(JsonNode) shown = NULL;
  int status = -1;

  g_assert_nonnull (llama);
  kvp_window_add_config (window, llama);
  kvp_state_set_value (kvp_window_get_state (window), KVP_PARAM_MAX_SEQ_LEN, 8192);
  kvp_deploy_state_set_gpu (kvp_window_get_deploy_state (window), "h100-80gb");
  /* Chosen as a person does, by the drop-down row of that name. */
  if (workload != NULL)
    {
      guint row = 0;

      while (kvp_workload_get_builtins ()[row] != NULL && !g_str_equal (kvp_workload_get_builtins ()[row], workload))
        row++;
      g_assert_nonnull (kvp_workload_get_builtins ()[row]);
      gtk_drop_down_set_selected (control (controls, "workload_dropdown"), row);
      g_assert_cmpstr (kvp_serving_state_get_workload (kvp_window_get_serving_state (window)), ==, workload);
    }
  g_assert_true (kvp_test_iterate_until (settled, controls));
  g_assert_true (kvp_test_iterate_until (simulated, controls));

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  cli = json_from_string (out, &error);
  g_assert_no_error (error);
  shown = kvp_simulation_to_json (kvp_serving_controls_get_simulation (controls));

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "workload" : "schemes";
      g_autofree char *want = member_text (cli, name);
      g_autofree char *got = member_text (shown, name);

      g_assert_cmpstr (got, ==, want);
    }
  g_assert_nonnull (strstr (out, "\"step_time\" : \"roofline\""));
  /* The same run is the one asked for, not two defaults. */
  g_assert_nonnull (strstr (out, source));

  close_window (window);
}

/* Control+1 and Control+2 switch the views through win.view. */
static void
test_view_keys (void)
{
  KvpWindow *window = show_serving ();
  const char *views[] = { "sequence", "serving" };

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *trigger = g_strdup_printf ("<Control>%u", i + 1);
      GtkShortcut *shortcut = find_shortcut (window, trigger);
      g_autofree char *view = NULL;

      g_assert_nonnull (shortcut);
      g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                                   GTK_WIDGET (window), gtk_shortcut_get_arguments (shortcut)));
      g_object_get (window, "view", &view, NULL);
      g_assert_cmpstr (view, ==, views[i]);
      /* The sequence length is the sequence view's control only. */
      g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), KVP_TYPE_WINDOW,
                                                                                          "seq_len_row"))) == (i == 0));
    }

  close_window (window);
}

/* Control+2 with a button focused, then Space: it plays.  The serving
 * picture takes the focus, so no focused control eats the Space (before,
 * the focus stayed on the button, which Space pressed instead). */
static void
test_space_after_switch (void)
{
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);
  KvpServingControls *controls;
  KvpServingCanvas *canvas;
  GtkWidget *focus;

  /* The first switch, when the serving picture is new. */
  g_object_ref (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (kvp_test_iterate_until (has_size, kvp_window_get_canvas (window)));
  controls = _kvp_window_get_serving_controls (window);
  canvas = _kvp_window_get_serving_canvas (window);
  gtk_spin_button_set_value (control (controls, "requests_spin"), 50);
  gtk_widget_grab_focus (GTK_WIDGET (kvp_window_get_canvas (window)));
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (find_shortcut (window, "<Control>2")),
                                               GTK_SHORTCUT_ACTION_EXCLUSIVE, GTK_WIDGET (window),
                                               gtk_shortcut_get_arguments (find_shortcut (window, "<Control>2"))));
  g_assert_true (kvp_test_iterate_until (simulated, controls));
  focus = gtk_window_get_focus (GTK_WINDOW (window));
  g_assert_true (focus == GTK_WIDGET (canvas));
  g_assert_true (press_space (focus));
  g_assert_true (kvp_serving_canvas_get_playing (canvas));

  close_window (window);
}

/* @widget drawn now, as it is (its own snapshot, not its last frame's),
 * by its window's renderer. */
static GdkTexture *
render_widget (GtkWidget *widget)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                           gtk_widget_get_height (widget)));
}

static gboolean
window_active (gpointer window)
{
  return gtk_window_is_active (window);
}

/* The keyboard focus on the serving picture is GNOME's focus outline: a
 * thin translucent accent-blue line around the paged grid, not a heavy
 * line in the text colour (as it was). */
static void
test_focus_ring (void)
{
  KvpWindow *window = show_serving ();
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *data = NULL;
  cairo_rectangle_t grid;
  int stride, x, y, width;
  gboolean accent = FALSE;

  /* The focus shows only in the active window, and the other gui tests'
   * windows on the same display can take that from this one: presented
   * again until the picture has the visible focus, then drawn at once. */
  for (guint attempt = 0; attempt < 20 && !gtk_widget_has_visible_focus (GTK_WIDGET (canvas)); attempt++)
    {
      gtk_window_present (GTK_WINDOW (window));
      kvp_test_iterate_until (window_active, window);
      gtk_widget_grab_focus (GTK_WIDGET (canvas));
      gtk_window_set_focus_visible (GTK_WINDOW (window), TRUE);
    }
  g_assert_true (gtk_widget_has_visible_focus (GTK_WIDGET (canvas)));
  texture = render_widget (GTK_WIDGET (canvas));
  width = gdk_texture_get_width (texture);
  stride = width * 4;
  data = g_malloc ((gsize) stride * gdk_texture_get_height (texture));
  gdk_texture_download (texture, data, stride);

  /* Across the ring's left side, half-way down the grid: no dark pixel,
   * and the accent's blue. */
  kvp_serving_scene_get_grid_bounds (kvp_serving_canvas_get_scene (canvas), KVP_SERVING_PANEL_PAGED, &grid);
  y = (int) (grid.y + grid.height / 2);
  for (x = (int) grid.x - 8; x < (int) grid.x - 1; x++)
    {
      guint32 pixel = *(guint32 *) (data + y * stride + x * 4);
      int r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

      if (g_test_verbose ())
        g_test_message ("ring at %d,%d: %02x%02x%02x", x, y, r, g, b);
      g_assert_true (r > 100 || g > 100 || b > 100);
      accent |= b - r > 40 && b - g > 20;
    }
  g_assert_true (accent);

  close_window (window);
}

static gboolean
revealed (gpointer revealer)
{
  return gtk_revealer_get_child_revealed (revealer);
}

/* In the serving view too, "Exported …" shows at the bottom centre of the
 * picture, off its title and its cards. */
static void
test_notification_place (void)
{
  KvpWindow *window = show_serving ();
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  GtkRevealer *banner = GTK_REVEALER (gtk_widget_get_template_child (GTK_WIDGET (window), KVP_TYPE_WINDOW, "banner"));
  double width = gtk_widget_get_width (GTK_WIDGET (canvas));
  double height = gtk_widget_get_height (GTK_WIDGET (canvas));
  graphene_rect_t bounds;
  cairo_rectangle_t card;

  kvp_window_show_notification (window, "Exported the picture to “kvpage-serving.png”.");
  g_assert_true (kvp_test_iterate_until (revealed, banner));
  kvp_test_iterate_for (400);
  g_assert_true (gtk_widget_compute_bounds (gtk_revealer_get_child (banner), GTK_WIDGET (canvas), &bounds));
  g_assert_cmpfloat (fabs (bounds.origin.x + bounds.size.width / 2 - width / 2), <=, 1.0);
  g_assert_cmpfloat (bounds.origin.y, >, height / 2);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, height);
  for (KvpServingCard c = 0; c < KVP_SERVING_N_CARDS; c++)
    {
      kvp_serving_scene_get_card_rect (kvp_serving_canvas_get_scene (canvas), c, &card);
      g_assert_cmpfloat (card.y + card.height, <, bounds.origin.y);
    }

  close_window (window);
}

static gboolean
rate_label_shown (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* The request rate's label fits on one line at the window's default size,
 * the unit being in the spin button ("2.5/s"), which reads the rate back
 * with or without it and refuses anything else. */
static void
test_rate_unit (void)
{
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);
  GtkWidget *serving = find_button (gtk_window_get_titlebar (GTK_WINDOW (window)), "Serving");
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  GtkSpinButton *rate = control (controls, "rate_spin");
  GtkWidget *label = gtk_widget_get_prev_sibling (GTK_WIDGET (rate));
  int natural;

  g_object_ref (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (kvp_test_iterate_until (has_size, kvp_window_get_canvas (window)));
  gtk_widget_activate (serving);
  g_assert_true (kvp_test_iterate_until (rate_label_shown, label));

  g_assert_true (GTK_IS_LABEL (label));
  g_assert_true (gtk_label_get_mnemonic_widget (GTK_LABEL (label)) == GTK_WIDGET (rate));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "Request rate");
  g_assert_cmpint (pango_layout_get_line_count (gtk_label_get_layout (GTK_LABEL (label))), ==, 1);
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
  g_assert_cmpint (gtk_widget_get_width (label), >=, natural);

  gtk_spin_button_set_value (rate, 2.5);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (rate)), ==, "2.5/s");
  gtk_editable_set_text (GTK_EDITABLE (rate), "12");
  gtk_spin_button_update (rate);
  g_assert_cmpfloat (gtk_spin_button_get_value (rate), ==, 12);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (rate)), ==, "12.0/s");
  gtk_editable_set_text (GTK_EDITABLE (rate), " 7.5/s ");
  gtk_spin_button_update (rate);
  g_assert_cmpfloat (gtk_spin_button_get_value (rate), ==, 7.5);
  gtk_editable_set_text (GTK_EDITABLE (rate), "fast");
  gtk_spin_button_update (rate);
  g_assert_cmpfloat (gtk_spin_button_get_value (rate), ==, 7.5);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (rate)), ==, "7.5/s");
  /* A rate from the command line or the settings reads as it is, to
   * core's least rate, and stays as it is. */
  g_object_set (kvp_window_get_serving_state (window), "rate", 0.25, NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (rate)), ==, "0.25/s");
  gtk_editable_set_text (GTK_EDITABLE (rate), "0.125");
  gtk_spin_button_update (rate);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (rate)), ==, "0.125/s");
  {
    double state_rate;

    g_object_get (kvp_window_get_serving_state (window), "rate", &state_rate, NULL);
    g_assert_cmpfloat_with_epsilon (state_rate, 0.125, 1e-12);
  }

  close_window (window);
}

/* Play/Pause advances the steps and stops them; the button follows. */
static void
test_play (void)
{
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  GtkToggleButton *play = control (controls, "play_button");
  guint at;

  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), ==, 0);
  gtk_widget_activate (GTK_WIDGET (play));
  g_assert_true (kvp_test_iterate_until (playing, canvas));
  g_assert_true (kvp_serving_canvas_get_playing (canvas));
  g_assert_true (kvp_test_iterate_until (moved, canvas));

  kvp_serving_controls_toggle_play (controls);
  g_assert_false (kvp_serving_canvas_get_playing (canvas));
  g_assert_false (gtk_toggle_button_get_active (play));
  at = kvp_serving_canvas_get_step (canvas);
  kvp_test_iterate_for (300);
  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), ==, at);

  /* Playing from the last step starts over. */
  kvp_serving_canvas_set_step (canvas, G_MAXUINT);
  kvp_serving_controls_toggle_play (controls);
  g_assert_cmpuint (kvp_serving_canvas_get_step (canvas), <, 5);
  g_assert_true (gtk_toggle_button_get_active (play));

  /* Space on the picture is win.toggle-play, which pauses and plays again. */
  g_assert_true (press_space (GTK_WIDGET (canvas)));
  g_assert_false (kvp_serving_canvas_get_playing (canvas));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-play", NULL);
  g_assert_true (kvp_serving_canvas_get_playing (canvas));

  /* Leaving the view pauses, and Space no longer plays. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "sequence");
  g_assert_false (kvp_serving_canvas_get_playing (canvas));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-play", NULL);
  g_assert_false (kvp_serving_canvas_get_playing (canvas));

  close_window (window);
}

static gboolean
has_block_table (gpointer data)
{
  const char *description = kvp_serving_canvas_get_description (data);

  return description != NULL && strstr (description, "block table") != NULL;
}

/* Sends a key to the canvas' own key controller, as a key press would. */
static gboolean
press_key (KvpServingCanvas *canvas,
           guint             keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (canvas));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }

  return handled;
}

/* A request picked shows its block table, also in the description. */
static void
test_select (void)
{
  KvpWindow *window = show_serving ();
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  KvpServingScene *scene;
  const KvpSimSnapshot *snap;
  cairo_rectangle_t cell;
  guint32 request;

  kvp_serving_canvas_set_step (canvas, 3);
  g_assert_true (kvp_test_iterate_until (description_at_step, canvas));
  scene = kvp_serving_canvas_get_scene (canvas);
  snap = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
  g_assert_nonnull (snap);
  g_assert_cmpuint (snap->n_running, >, 0);

  request = snap->running[0];
  kvp_serving_canvas_select (canvas, request);
  g_assert_true (kvp_test_iterate_until (has_block_table, canvas));
  g_assert_nonnull (strstr (kvp_serving_canvas_get_description (canvas), "0→"));

  /* Where the pointer would find it. */
  g_assert_true (kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED,
                                                   snap->requests[request].blocks[0], &cell));
  g_assert_true (kvp_serving_scene_get_request_at (scene, cell.x + 1, cell.y + 1, &request));
  g_assert_cmpuint (request, ==, snap->running[0]);

  /* The arrow keys move through the running requests in admission order,
   * Escape lets go. */
  if (snap->n_running > 1)
    {
      press_key (canvas, GDK_KEY_Right);
      g_assert_cmpuint (kvp_serving_canvas_get_selected (canvas), ==, snap->running[1]);
      press_key (canvas, GDK_KEY_Left);
      g_assert_cmpuint (kvp_serving_canvas_get_selected (canvas), ==, snap->running[0]);
      press_key (canvas, GDK_KEY_End);
      g_assert_cmpuint (kvp_serving_canvas_get_selected (canvas), ==, snap->running[snap->n_running - 1]);
    }
  g_assert_true (press_key (canvas, GDK_KEY_Escape));
  g_assert_cmpuint (kvp_serving_canvas_get_selected (canvas), ==, KVP_SERVING_NO_REQUEST);
  g_assert_null (strstr (kvp_serving_canvas_get_description (canvas), "block table"));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (canvas)));

  close_window (window);
}

/* Hovering any paged block says what it is: a held one its request and
 * reference count, a free one that it is free; leaving the grid clears it. */
static void
test_hover_block (void)
{
  KvpWindow *window = show_serving ();
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  KvpServingScene *scene;
  const KvpSimSnapshot *snap;
  const KvpSimRequestState *r;
  cairo_rectangle_t cell;
  g_autofree char *held = NULL;
  g_autofree char *free_start = NULL;
  guint32 request, free_block = G_MAXUINT32;
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (canvas));

  kvp_serving_canvas_set_step (canvas, 3);
  g_assert_true (kvp_test_iterate_until (description_at_step, canvas));
  scene = kvp_serving_canvas_get_scene (canvas);
  snap = kvp_serving_scene_get_snapshot (scene, KVP_SERVING_PANEL_PAGED);
  g_assert_nonnull (snap);
  g_assert_cmpuint (snap->n_running, >, 0);
  g_assert_cmpuint (kvp_serving_scene_get_blocks_per_cell (scene), ==, 1);
  g_assert_null (kvp_serving_canvas_get_hover_text (canvas));

  request = snap->running[0];
  r = &snap->requests[request];
  g_assert_true (kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, r->blocks[0], &cell));
  emit_on (GTK_WIDGET (canvas), GTK_TYPE_EVENT_CONTROLLER_MOTION, "motion", cell.x + cell.width / 2,
           cell.y + cell.height / 2);
  held = g_strdup_printf ("Block %u: request %u, logical block 0, ", r->blocks[0], request);
  g_assert_nonnull (kvp_serving_canvas_get_hover_text (canvas));
  g_assert_true (g_str_has_prefix (kvp_serving_canvas_get_hover_text (canvas), held));
  g_assert_true (g_str_has_suffix (kvp_serving_canvas_get_hover_text (canvas), "reference count 1"));
  g_assert_true (gtk_widget_get_has_tooltip (GTK_WIDGET (canvas)));

  for (guint32 b = 0; b < 1024 && free_block == G_MAXUINT32; b++)
    if (kvp_serving_scene_get_ref_count (scene, b) == 0)
      free_block = b;
  g_assert_cmpuint (free_block, !=, G_MAXUINT32);
  g_assert_true (kvp_serving_scene_get_block_rect (scene, KVP_SERVING_PANEL_PAGED, free_block, &cell));
  emit_on (GTK_WIDGET (canvas), GTK_TYPE_EVENT_CONTROLLER_MOTION, "motion", cell.x + cell.width / 2,
           cell.y + cell.height / 2);
  free_start = g_strdup_printf ("Block %u: free", free_block);
  g_assert_true (g_str_has_prefix (kvp_serving_canvas_get_hover_text (canvas), free_start));

  /* Off the paged grid, and out of the picture: nothing. */
  emit_on (GTK_WIDGET (canvas), GTK_TYPE_EVENT_CONTROLLER_MOTION, "motion", 1, 1);
  g_assert_null (kvp_serving_canvas_get_hover_text (canvas));
  emit_on (GTK_WIDGET (canvas), GTK_TYPE_EVENT_CONTROLLER_MOTION, "motion", cell.x + cell.width / 2,
           cell.y + cell.height / 2);
  g_assert_nonnull (kvp_serving_canvas_get_hover_text (canvas));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_MOTION (controller))
        g_signal_emit_by_name (controller, "leave");
    }
  g_assert_null (kvp_serving_canvas_get_hover_text (canvas));

  close_window (window);
}

/* With animations off a new step is drawn settled at once. */
static void
test_reduce_animations (void)
{
  KvpWindow *window = show_serving ();
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);

  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);
  /* A step on screen first, to ease from. */
  g_assert_true (kvp_test_iterate_until (description_at_step, canvas));
  kvp_serving_canvas_set_step (canvas, 4);
  g_assert_true (kvp_test_iterate_until (description_at_step, canvas));
  g_assert_cmpfloat (kvp_serving_scene_get_duration (kvp_serving_canvas_get_scene (canvas)), >, 0.0);

  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  kvp_serving_canvas_set_step (canvas, 8);
  g_assert_true (kvp_test_iterate_until (description_at_step, canvas));
  g_assert_cmpfloat (kvp_serving_scene_get_duration (kvp_serving_canvas_get_scene (canvas)), ==, 0.0);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);

  close_window (window);
}

/* The pool is the window's: a new block count runs a new simulation; the
 * scheme compared changes without one. */
static void
test_pool_and_scheme (void)
{
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  KvpSimulation *before = kvp_serving_controls_get_simulation (controls);

  gtk_drop_down_set_selected (control (controls, "scheme_dropdown"), 2);
  g_assert_true (kvp_serving_controls_get_simulation (controls) == before);
  g_assert_cmpint (kvp_serving_steps_get_compared (kvp_serving_canvas_get_steps (canvas)), ==, KVP_SCHEME_ORACLE);

  kvp_state_set_value (kvp_window_get_state (window), KVP_PARAM_NUM_BLOCKS, 300);
  g_assert_true (kvp_test_iterate_until (settled, controls));
  g_assert_true (kvp_serving_controls_get_simulation (controls) != before);
  g_assert_cmpuint (kvp_simulation_get_config (kvp_serving_controls_get_simulation (controls))->num_blocks, ==, 300);

  close_window (window);
}

/* A workload file serves all its rows unless Requests is changed (300 rows
 * while Requests said 1,000 was refused before); a file that cannot be read
 * keeps the previous run and the previous choice in the drop-down, and the
 * reason is said under the controls and over the run in the picture. */
/* Whether the paged grid's middle answers with a tooltip. */
static gboolean
grid_middle_tooltip (KvpServingCanvas *canvas)
{
  GtkTooltip *tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
  cairo_rectangle_t grid;
  gboolean shown = FALSE;

  gtk_widget_queue_draw (GTK_WIDGET (canvas));
  kvp_serving_scene_get_grid_bounds (kvp_serving_canvas_get_scene (canvas), KVP_SERVING_PANEL_PAGED, &grid);
  g_signal_emit_by_name (canvas, "query-tooltip", (int) (grid.x + grid.width / 2), (int) (grid.y + grid.height / 2),
                         FALSE, tooltip, &shown);
  g_object_unref (tooltip);
  return shown;
}

static gboolean
notice_hides_grid_middle (gpointer canvas)
{
  return !grid_middle_tooltip (canvas);
}

static gboolean
description_without_notice (gpointer canvas)
{
  return strstr (kvp_serving_canvas_get_description (canvas), "The workload file was not used") == NULL;
}

static void
test_workload_files (void)
{
  KvpWindow *window = show_serving ();
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpServingState *serving = kvp_window_get_serving_state (window);
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "requests.csv", NULL);
  g_autoptr(GString) rows = g_string_new ("prompt_len,output_len\n");
  KvpSimulation *before;
  guint n = 0;

  g_assert_true (kvp_test_iterate_until (simulated, controls));
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (rows, "%u,%u\n", 10 + i % 50, 5 + i % 20);
  g_assert_true (g_file_set_contents (csv, rows->str, -1, NULL));

  kvp_serving_controls_set_workload_file (controls, csv);
  g_assert_true (kvp_test_iterate_until (simulated, controls));
  g_assert_null (kvp_serving_state_get_error (serving));
  kvp_workload_get_requests (kvp_simulation_get_workload (kvp_serving_controls_get_simulation (controls)), &n);
  g_assert_cmpuint (n, ==, 300);
  /* The file's row follows the built-ins'. */
  g_assert_cmpuint (gtk_drop_down_get_selected (control (controls, "workload_dropdown")), ==,
                    g_strv_length ((char **) kvp_workload_get_builtins ()));
  g_assert_cmpfloat (gtk_spin_button_get_value (control (controls, "requests_spin")), ==, 300);

  /* Requests changed: the file's first rows. */
  gtk_spin_button_set_value (control (controls, "requests_spin"), 100);
  g_assert_true (kvp_test_iterate_until (settled, controls));
  kvp_workload_get_requests (kvp_simulation_get_workload (kvp_serving_controls_get_simulation (controls)), &n);
  g_assert_cmpuint (n, ==, 100);

  gtk_drop_down_set_selected (control (controls, "workload_dropdown"), 0);
  g_assert_true (kvp_test_iterate_until (settled, controls));
  before = kvp_serving_controls_get_simulation (controls);
  g_assert_nonnull (before);

  kvp_serving_controls_set_workload_file (controls, "/nonexistent/requests.csv");
  g_assert_true (kvp_test_iterate_until (settled, controls));
  g_assert_nonnull (strstr (kvp_serving_controls_get_status (controls), "requests.csv"));
  g_assert_true (kvp_serving_controls_get_simulation (controls) == before);
  g_assert_nonnull (kvp_serving_canvas_get_steps (canvas));
  g_assert_cmpuint (gtk_drop_down_get_selected (control (controls, "workload_dropdown")), ==, 0);
  g_assert_cmpstr (kvp_serving_state_get_workload (serving), ==, "sharegpt");
  /* Said in the picture too, over the run kept, and to a screen reader. */
  g_assert_cmpstr (kvp_serving_canvas_get_notice (canvas), ==, "The workload file was not used");
  g_assert_nonnull (strstr (kvp_serving_canvas_get_description (canvas), "The workload file was not used"));
  g_assert_nonnull (strstr (kvp_serving_canvas_get_description (canvas), "/nonexistent/requests.csv"));
  g_assert_nonnull (strstr (kvp_serving_canvas_get_description (canvas), "The previous run is still shown."));

  /* A file that is read but refused: the same, with its line's reason. */
  g_assert_true (g_file_set_contents (csv, "prompt_len,output_len\n100,20\n12x,5\n", -1, NULL));
  kvp_serving_controls_set_workload_file (controls, csv);
  g_assert_true (kvp_test_iterate_until (settled, controls));
  g_assert_true (kvp_serving_controls_get_simulation (controls) == before);
  g_assert_cmpstr (kvp_serving_canvas_get_notice (canvas), ==, "The workload file was not used");
  g_assert_nonnull (strstr (kvp_serving_canvas_get_description (canvas), "line 3"));
  /* The blocks under the notice card do not answer through it. */
  g_assert_true (kvp_test_iterate_until (notice_hides_grid_middle, canvas));

  /* The next run takes the notice away. */
  gtk_spin_button_set_value (control (controls, "requests_spin"), 40);
  g_assert_true (kvp_test_iterate_until (settled, controls));
  g_assert_true (kvp_serving_controls_get_simulation (controls) != before);
  g_assert_null (kvp_serving_canvas_get_notice (canvas));
  g_assert_true (kvp_test_iterate_until (description_without_notice, canvas));
  g_assert_true (grid_middle_tooltip (canvas));

  close_window (window);
  g_unlink (csv);
  g_rmdir (dir);
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError **error = user_data;

  if (!kvp_window_export_finish (KVP_WINDOW (source), result, error) && *error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "failed without an error");
  else if (*error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "written");
}

static gboolean
has_error (gpointer data)
{
  return *(GError **) data != NULL;
}

/* Exports the view shown to a fresh file directly and in a worker, and
 * asserts both files are byte for byte the one @source writes: the window
 * and the command line draw one picture. */
static void
assert_exports_match (KvpWindow        *window,
                      KvpPictureSource *source,
                      const char       *template)
{
  g_autofree char *dir = g_dir_make_tmp (template, NULL);
  g_autofree char *shown = g_build_filename (dir, "shown.png", NULL);
  g_autofree char *worker = g_build_filename (dir, "worker.png", NULL);
  g_autofree char *direct = g_build_filename (dir, "direct.png", NULL);
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  gsize la, lb, lc;
  g_autoptr(GError) error = NULL;
  GError *async_error = NULL;

  g_assert_true (kvp_window_export (window, shown, &error));
  g_assert_no_error (error);
  kvp_window_export_async (window, worker, NULL, exported_cb, &async_error);
  g_assert_true (kvp_test_iterate_until (has_error, &async_error));
  g_assert_error (async_error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&async_error);
  g_assert_true (kvp_export_write (source, kvp_canvas_get_theme (kvp_window_get_canvas (window)), direct,
                                   KVP_EXPORT_DEFAULT_WIDTH, KVP_EXPORT_DEFAULT_HEIGHT, 1.0, &error));

  g_assert_true (g_file_get_contents (shown, &a, &la, NULL));
  g_assert_true (g_file_get_contents (worker, &b, &lb, NULL));
  g_assert_true (g_file_get_contents (direct, &c, &lc, NULL));
  g_assert_cmpmem (a, la, c, lc);
  g_assert_cmpmem (b, lb, c, lc);

  g_unlink (shown);
  g_unlink (worker);
  g_unlink (direct);
  g_rmdir (dir);
}

/* Export Image… in the serving view writes the step shown, the same picture
 * the command line writes for it, by both the direct and the worker path. */
static void
test_export (void)
{
  KvpWindow *window = show_serving ();
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  g_autoptr(KvpPictureSource) source = NULL;
  g_autoptr(GError) error = NULL;

  kvp_serving_canvas_set_step (canvas, 7);
  source = kvp_serving_scene_source_new (kvp_serving_canvas_get_steps (canvas), 7, &error);
  g_assert_no_error (error);
  assert_exports_match (window, source, "kvpage-serving-XXXXXX");

  /* Copy Image copies the serving picture at the canvas' size. */
  {
    g_autoptr(GdkTexture) texture = kvp_serving_canvas_render_texture (canvas);

    g_assert_nonnull (texture);
    g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (GTK_WIDGET (canvas)));
    g_assert_true (kvp_window_copy (window));
  }

  close_window (window);
}

/* Export Image… in the capacity view writes the sweep's capacity picture
 * (the command line's for it), direct and in a worker; with no sweep yet
 * it says so instead of writing another view; Copy Image copies it. */
static void
test_capacity_export (void)
{
  KvpWindow *window = show_serving ();
  KvpCapacityState *capacity = _kvp_window_get_capacity_state (window);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-capacity-XXXXXX", NULL);
  g_autofree char *shown = g_build_filename (dir, "shown.png", NULL);
  g_autofree char *worker = g_build_filename (dir, "worker.png", NULL);
  g_autoptr(KvpPictureSource) source = NULL;
  g_autoptr(GError) error = NULL;
  GError *async_error = NULL;

  kvp_capacity_state_set_range (capacity, 4, 2, 1);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "capacity");
  kvp_test_iterate_for (300);
  g_assert_false (kvp_window_export (window, shown, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_assert_false (g_file_test (shown, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  kvp_window_export_async (window, worker, NULL, exported_cb, &async_error);
  g_assert_true (kvp_test_iterate_until (has_error, &async_error));
  g_assert_error (async_error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&async_error);

  kvp_capacity_state_set_range (capacity, 2, 4, 1);
  g_assert_true (kvp_test_iterate_until (swept, capacity));
  kvp_test_iterate_for (100);
  source = kvp_capacity_source_new (kvp_capacity_state_get_sweep (capacity));
  assert_exports_match (window, source, "kvpage-capacity-XXXXXX");
  g_assert_true (kvp_test_iterate_until (capacity_drawn, _kvp_window_get_capacity_canvas (window)));
  g_assert_true (kvp_window_copy (window));

  g_unlink (shown);
  g_unlink (worker);
  g_rmdir (dir);
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* The test context keeps accessible properties where they can be read. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  if (!kvp_test_init_display ())
    return 0;

  g_test_add_func ("/ui/serving/switch", test_switch);
  g_test_add_func ("/ui/serving/scrub", test_scrub);
  g_test_add_func ("/ui/serving/play", test_play);
  g_test_add_func ("/ui/serving/time-controls", test_time_controls);
  g_test_add_func ("/ui/serving/play-speed", test_play_speed);
  g_test_add_func ("/ui/serving/capacity-view", test_capacity_view);
  g_test_add_func ("/ui/serving/capacity-note-locale", test_capacity_note_locale);
  g_test_add_func ("/ui/serving/capacity-export", test_capacity_export);
  g_test_add_func ("/ui/serving/view-keys", test_view_keys);
  g_test_add_func ("/ui/serving/vllm-pool", test_vllm_pool);
  g_test_add_data_func ("/ui/serving/same-as-command-line", NULL, test_same_as_command_line);
  g_test_add_data_func ("/ui/serving/same-as-command-line/conversation", "conversation", test_same_as_command_line);
  g_test_add_func ("/ui/serving/select", test_select);
  g_test_add_func ("/ui/serving/hover-block", test_hover_block);
  g_test_add_func ("/ui/serving/reduce-animations", test_reduce_animations);
  g_test_add_func ("/ui/serving/pool-and-scheme", test_pool_and_scheme);
  g_test_add_func ("/ui/serving/workload-files", test_workload_files);
  g_test_add_func ("/ui/serving/space-after-switch", test_space_after_switch);
  g_test_add_func ("/ui/serving/rate-unit", test_rate_unit);
  g_test_add_func ("/ui/serving/focus-ring", test_focus_ring);
  g_test_add_func ("/ui/serving/notification-place", test_notification_place);
  g_test_add_func ("/ui/serving/export", test_export);

  return g_test_run ();
}
