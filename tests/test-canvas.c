/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-canvas.c: the picture as a widget — keys move a focus ring over the
 * grid and a screen reader hears each cell; big pools have their grids
 * built in a worker while the last one stands in; the window exports in a
 * worker too. */

#include "config.h"

#include <math.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "kvp-canvas.h"
#include "kvp-window.h"
#include "thread-cpu-time.h"
#include "kvp-format.h"
#include "kvp-test-display.h"

typedef struct
{
  GtkWindow *window;
  KvpCanvas *canvas;
} Fixture;

static void
spin_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static KvpComparison *
new_comparison (guint64 seq_len,
                guint32 num_blocks)
{
  KvpParams params;
  g_autoptr(GError) error = NULL;
  KvpComparison *cmp;

  kvp_params_init_default (&params);
  params.seq_len = seq_len;
  params.max_seq_len = MAX (seq_len, params.max_seq_len);
  params.num_blocks = num_blocks;
  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);

  return cmp;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  f->window = GTK_WINDOW (gtk_window_new ());
  g_object_ref_sink (f->window);
  f->canvas = g_object_new (KVP_TYPE_CANVAS, NULL);
  gtk_window_set_child (f->window, GTK_WIDGET (f->canvas));
  gtk_window_set_default_size (f->window, 900, 640);
  gtk_window_present (f->window);
  while (gtk_widget_get_width (GTK_WIDGET (f->canvas)) <= 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->canvas)), >, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_object_unref (f->window);
}

static void
wait_settled (KvpCanvas *canvas)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  spin_for (20);
  while ((kvp_canvas_get_animating (canvas) || !kvp_scene_is_prepared (kvp_canvas_get_scene (canvas))) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (kvp_canvas_get_animating (canvas));
}

static gboolean
press (KvpCanvas *canvas,
       guint      keyval)
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

/* The widget tree as GTK draws it, as a texture. */
static GdkTexture *
render_window (GtkWindow *window)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width, height;

  gtk_widget_queue_draw (gtk_window_get_child (window));
  spin_for (100);
  width = gdk_paintable_get_intrinsic_width (paintable);
  height = gdk_paintable_get_intrinsic_height (paintable);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);

  return gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static guint32
texture_pixel (GdkTexture *texture,
               double      x,
               double      y)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint32 *data = g_new (guint32, (gsize) w * h);

  gdk_texture_download (texture, (guchar *) data, w * 4);
  return data[(gsize) floor (y) * w + (gsize) floor (x)] & 0xffffff;
}

/* Arrows, Home/End and Page Up/Down move over the grid; each cell is said to
 * a screen reader and ringed on screen. */
static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(KvpComparison) cmp = new_comparison (128, 1024);
  KvpScene *scene;
  cairo_rectangle_t r;
  guint32 columns, block7;
  g_autoptr(GdkTexture) before = NULL;
  g_autoptr(GdkTexture) after = NULL;
  cairo_rectangle_t focus_label;
  char *problem;

  kvp_canvas_set_comparison (f->canvas, cmp);
  wait_settled (f->canvas);
  scene = kvp_canvas_get_scene (f->canvas);
  columns = kvp_scene_get_grid_columns (scene);

  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (f->canvas)));
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (f->canvas)));
  g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, 0);
  gtk_window_set_focus_visible (f->window, FALSE);

  g_assert_true (press (f->canvas, GDK_KEY_Right));
  g_assert_true (press (f->canvas, GDK_KEY_Right));
  g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, 2);
  g_assert_true (press (f->canvas, GDK_KEY_Down));
  g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, 2 + columns);
  g_assert_true (press (f->canvas, GDK_KEY_Up));
  g_assert_true (press (f->canvas, GDK_KEY_Left));
  g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, 1);
  g_assert_true (press (f->canvas, GDK_KEY_End));
  g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, 1023);
  g_assert_true (press (f->canvas, GDK_KEY_Home));
  g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, 0);
  /* Page Down: from cell 0 to the first cell the sequence holds or does
   * not hold as cell 0 does, and back (other requests' blocks count as not
   * the sequence's; the history places its blocks, kvp-pool-history.h). */
  {
    gboolean held0 = kvp_scene_count_held_blocks (scene, 0) > 0;
    guint32 change = 1;

    while (change < 1023 && (kvp_scene_count_held_blocks (scene, change) > 0) == held0)
      change++;
    g_assert_true (press (f->canvas, GDK_KEY_Page_Down));
    g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, change);
    g_assert_true (press (f->canvas, GDK_KEY_Page_Up));
    g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, change - 1);
  }
  g_assert_false (press (f->canvas, GDK_KEY_a));

  /* To the sequence's logical block 7, wherever the pool put it. */
  block7 = kvp_block_pool_get_block_table (cmp->pool, cmp->seq, NULL)[7];
  g_assert_true (press (f->canvas, GDK_KEY_Home));
  for (guint32 k = 0; k < block7 / columns; k++)
    g_assert_true (press (f->canvas, GDK_KEY_Down));
  for (guint32 k = 0; k < block7 % columns; k++)
    g_assert_true (press (f->canvas, GDK_KEY_Right));
  g_assert_cmpuint (kvp_canvas_get_focus_cell (f->canvas), ==, block7);

  /* The screen reader hears the cell as its tooltip reads: who holds it. */
  {
    g_autofree char *label = g_strdup_printf ("Memory comparison: Physical block %u This sequence’s logical block 7 "
                                              "Reference count 1 · 16 of 16 tokens filled", block7);

    problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (f->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
    if (problem != NULL)
      g_error ("%s", problem);
  }

  /* The sequence shrinks under the keyboard: the cell is said afresh. */
  {
    g_autoptr(KvpComparison) shorter = new_comparison (100, 1024);
    g_autofree char *said = NULL;
    g_autofree char *label = NULL;

    kvp_canvas_set_comparison (f->canvas, shorter);
    said = kvp_scene_dup_cell_text (kvp_canvas_get_scene (f->canvas), block7);
    g_assert_null (strstr (said, "This sequence’s logical block 7"));
    label = g_strconcat ("Memory comparison: ", g_strdelimit (said, "\n", ' '), NULL);
    problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (f->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
    if (problem != NULL)
      g_error ("%s", problem);
    kvp_canvas_set_comparison (f->canvas, cmp);
    wait_settled (f->canvas);
    scene = kvp_canvas_get_scene (f->canvas);
  }

  /* A ring around the cell (the keys made the focus visible), only while the
   * keyboard is there. */
  g_assert_true (kvp_scene_get_cell_rect (scene, block7, &r));
  g_assert_true (gtk_window_get_focus_visible (f->window));
  after = render_window (f->window);
  /* And named in text on screen, beside the ring, clear of the cell. */
  {
    cairo_rectangle_t label;
    const char *text = kvp_canvas_get_focus_text (f->canvas, &label);

    g_autofree char *expected = g_strdup_printf ("Physical block %u · This sequence’s logical block 7 · "
                                                 "Reference count 1 · 16 of 16 tokens filled", block7);

    g_assert_cmpstr (text, ==, expected);
    g_assert_cmpfloat (label.x, >=, 0);
    g_assert_cmpfloat (label.x + label.width, <=, gtk_widget_get_width (GTK_WIDGET (f->canvas)));
    g_assert_true (label.y >= r.y + r.height + 3 || label.y + label.height <= r.y - 3);
    focus_label = label;
  }
  gtk_window_set_focus (f->window, NULL);
  before = render_window (f->window);
  g_assert_null (kvp_canvas_get_focus_text (f->canvas, NULL));
  {
    guint differ = 0;

    for (double x = focus_label.x + 4; x < focus_label.x + focus_label.width - 4; x += 2)
      differ += texture_pixel (after, x, focus_label.y + focus_label.height / 2) !=
                texture_pixel (before, x, focus_label.y + focus_label.height / 2);
    g_assert_cmpuint (differ, >, 10);
  }
  g_assert_cmphex (texture_pixel (after, r.x + r.width / 2, r.y - 2.5), !=,
                   texture_pixel (before, r.x + r.width / 2, r.y - 2.5));
  g_assert_cmphex (texture_pixel (after, r.x + r.width / 2, r.y + r.height / 2), ==,
                   texture_pixel (before, r.x + r.width / 2, r.y + r.height / 2));
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (f->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                "Memory comparison");
  if (problem != NULL)
    g_error ("%s", problem);
}

/* A pool of 16,777,216 blocks: the canvas hands the grid's picture to a
 * worker and paints on meanwhile, for a change and for a resize; then the
 * tooltips work cell by cell.  (How long the main loop is held is measured
 * by bench-window, not asserted here.) */
static void
test_no_stall (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(KvpComparison) small = new_comparison (128, 1024);
  g_autoptr(KvpComparison) big = new_comparison (4 * 1024 * 1024, 16777216);
  g_autoptr(KvpComparison) bigger = new_comparison (8 * 1024 * 1024, 16777216);
  KvpScene *scene;
  gint64 longest = 0;
  g_autofree char *text = NULL;
  g_autoptr(GdkTexture) meanwhile = NULL;

  kvp_canvas_set_comparison (f->canvas, small);
  wait_settled (f->canvas);

  /* Not built yet when the call returns: the worker has it, and the window
   * still paints (the previous grid stands in). */
  kvp_canvas_set_comparison (f->canvas, big);
  g_assert_false (kvp_scene_is_prepared (kvp_canvas_get_scene (f->canvas)));
  meanwhile = render_window (f->window);
  g_assert_nonnull (meanwhile);
  wait_settled (f->canvas);

  /* A change and a resize together. */
  kvp_canvas_set_comparison (f->canvas, bigger);
  g_assert_false (kvp_scene_is_prepared (kvp_canvas_get_scene (f->canvas)));
  gtk_window_set_default_size (f->window, 700, 500);
  for (gint64 end = g_get_monotonic_time () + 800000; g_get_monotonic_time () < end;)
    {
      gint64 t = thread_cpu_time ();

      g_main_context_iteration (NULL, FALSE);
      longest = MAX (longest, thread_cpu_time () - t);
    }
  wait_settled (f->canvas);
  g_test_message ("longest main loop iteration at 16,777,216 blocks: %.1f ms of CPU", longest / 1000.0);
  /* The grid is built in a worker: no iteration comes near building it
   * here (hundreds of milliseconds); 6–8 ms is usual, three frames at most
   * under a sanitizer. */
  g_assert_cmpint (longest, <, 50000);

  scene = kvp_canvas_get_scene (f->canvas);
  g_assert_cmpfloat (kvp_picture_get_width (KVP_PICTURE (scene)), <, 900);
  g_assert_cmpuint (kvp_scene_get_blocks_per_cell (scene), >, 1);
  text = kvp_scene_dup_cell_text (scene, 0);
  g_assert_nonnull (strstr (text, "blocks allocated"));
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The Export dialog writes in a worker: the window keeps answering while the
 * file is drawn, and a bad name is refused as the synchronous call does. */
static void
test_window_export (void)
{
  KvpWindow *window = kvp_window_new (NULL, NULL, NULL);
  g_autofree char *dir = g_dir_make_tmp ("kvpage-export-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "picture.png", NULL);
  g_autofree char *gif = g_build_filename (dir, "picture.gif", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(GError) error = NULL;
  guint iterations = 0;

  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  spin_for (100);

  kvp_window_export_async (window, png, NULL, exported_cb, &result);
  g_assert_null (result);
  while (result == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      iterations++;
    }
  g_assert_true (kvp_window_export_finish (window, result, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  g_test_message ("main loop iterations while exporting: %u", iterations);

  kvp_window_export_async (window, gif, NULL, exported_cb, &refused);
  while (refused == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (kvp_window_export_finish (window, refused, &error));
  g_assert_nonnull (error);
  g_assert_false (g_file_test (gif, G_FILE_TEST_EXISTS));

  g_assert_cmpint (g_remove (png), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

int
main (int   argc,
      char *argv[])
{
  /* The test accessibility backend records what a screen reader would hear. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  g_test_init (&argc, &argv, NULL);

  if (!kvp_test_init_display ())
    return 0;

  g_test_add ("/canvas/keyboard", Fixture, NULL, fixture_set_up, test_keyboard, fixture_tear_down);
  g_test_add ("/canvas/no-stall", Fixture, NULL, fixture_set_up, test_no_stall, fixture_tear_down);
  g_test_add_func ("/canvas/window-export", test_window_export);

  return g_test_run ();
}
