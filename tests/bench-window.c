/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-window.c: the real window under a real frame clock (Xvfb when there
 * is no display).  For each case it records how long every frame takes on
 * the main thread (from the frame clock's before-paint to its after-paint)
 * and the longest time the main loop could not answer input (a watchdog
 * timeout that should run every 2 ms).  Start-up is the time from launching
 * the kvpage binary to its window being mapped, beside a bare GTK window
 * with a label launched the same way (and two more yardsticks, see
 * bench_startup); KVP_BENCH_STARTUP_ONLY runs that case alone.  One JSON
 * object a line. */

#define G_LOG_DOMAIN "kvpage-bench"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xlib.h>
#include <gtk/gtk.h>

#include "kvp-canvas.h"
#include "thread-cpu-time.h"
#include "kvp-window.h"
#include "kvp-window-private.h"

#define WATCHDOG_MS 2
#define N_LAUNCHES  11

typedef struct
{
  GArray *frames;     /* double, ms */
  GArray *cpu;        /* double, ms of the main thread's CPU time */
  gint64  paint_begin;
  gint64  cpu_begin;
  gint64  last_watchdog;
  double  max_stall;  /* ms */
  gboolean recording;
} Recorder;

static Recorder recorder;

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  guint i;

  if (values->len == 0)
    return 0.0;
  g_array_sort (values, compare_doubles);
  i = (guint) MIN ((double) values->len - 1, p * values->len);
  return g_array_index (values, double, i);
}

static void
before_paint_cb (GdkFrameClock *clock,
                 gpointer       data)
{
  recorder.paint_begin = g_get_monotonic_time ();
  recorder.cpu_begin = thread_cpu_time ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  double ms;

  if (!recorder.recording || recorder.paint_begin == 0)
    return;
  ms = (g_get_monotonic_time () - recorder.paint_begin) / 1000.0;
  g_array_append_val (recorder.frames, ms);
  if (g_getenv ("KVP_FRAMES")) g_printerr ("frame %u %.2f", recorder.frames->len, ms);
  ms = (thread_cpu_time () - recorder.cpu_begin) / 1000.0;
  g_array_append_val (recorder.cpu, ms);
  if (g_getenv ("KVP_FRAMES")) g_printerr (" cpu %.2f\n", ms);
}

static gboolean
watchdog_cb (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (recorder.recording && recorder.last_watchdog != 0)
    recorder.max_stall = MAX (recorder.max_stall, (now - recorder.last_watchdog) / 1000.0 - WATCHDOG_MS);
  recorder.last_watchdog = now;

  return G_SOURCE_CONTINUE;
}

static void
start_recording (void)
{
  g_array_set_size (recorder.frames, 0);
  g_array_set_size (recorder.cpu, 0);
  recorder.max_stall = 0.0;
  recorder.last_watchdog = 0;
  recorder.paint_begin = 0;
  recorder.recording = TRUE;
}

static void
report (const char *name,
        guint32     blocks)
{
  recorder.recording = FALSE;
  printf ("{\"case\": \"%s\", \"blocks\": %u, \"frames\": %u, \"p50_ms\": %.2f, \"p95_ms\": %.2f, "
          "\"max_ms\": %.2f, \"cpu_p50_ms\": %.2f, \"cpu_p95_ms\": %.2f, \"max_input_stall_ms\": %.1f}\n",
          name, blocks, recorder.frames->len, percentile (recorder.frames, 0.5),
          percentile (recorder.frames, 0.95), percentile (recorder.frames, 1.0),
          percentile (recorder.cpu, 0.5), percentile (recorder.cpu, 0.95), recorder.max_stall);
  fflush (stdout);
}

static void
spin_until_settled (KvpCanvas *canvas,
                    guint      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  /* A transition may start a frame or two after the change. */
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  while ((kvp_canvas_get_animating (canvas) || !kvp_scene_is_prepared (kvp_canvas_get_scene (canvas))) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

static void
spin_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/* Changes the window's parameters and waits until the canvas has them (big
 * pools are built in a worker first). */
static void
change_params (KvpWindow *window,
               guint32    blocks,
               guint64    seq_len,
               gboolean   wait)
{
  KvpCanvas *canvas = kvp_window_get_canvas (window);
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  KvpParams params;

  kvp_window_get_params (window, &params);
  if (blocks != 0)
    params.num_blocks = blocks;
  if (seq_len != 0)
    params.seq_len = seq_len;
  kvp_window_set_params (window, &params);

  while (wait && g_get_monotonic_time () < end &&
         (kvp_canvas_get_comparison (canvas)->params.num_blocks != params.num_blocks ||
          kvp_canvas_get_comparison (canvas)->params.seq_len != params.seq_len))
    g_main_context_iteration (NULL, TRUE);
}

static void
set_blocks (KvpWindow *window,
            guint32    blocks)
{
  change_params (window, blocks, 0, FALSE);
}

typedef struct
{
  KvpWindow *window;
  guint      frame;
  guint      n_frames;
} Drag;

/* One new block count a frame, as a dragged slider sends them. */
static gboolean
drag_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       data)
{
  Drag *drag = data;

  set_blocks (drag->window, 1048576 - 1000 * (drag->frame % 40));
  return ++drag->frame < drag->n_frames ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- the serving view at scale ---- */

/* A field of /proc/self/status in MiB (VmRSS, VmHWM), or 0. */
static double
status_mib (const char *field)
{
  g_autofree char *status = NULL;
  const char *at;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) || (at = strstr (status, field)) == NULL)
    return 0.0;
  return g_ascii_strtod (at + strlen (field) + 1, NULL) / 1024.0;
}

/* The serving view with n_requests ShareGPT requests (all arriving at
 * once) on 16,384 blocks of 16 tokens: how long the run takes to be shown,
 * the memory it holds, and the frames while it plays at 1000x with the
 * chart zoomed in, 4 s of them. */
static void
bench_serving (KvpWindow *window,
               guint      n_requests)
{
  KvpServingControls *controls = _kvp_window_get_serving_controls (window);
  KvpServingCanvas *canvas = _kvp_window_get_serving_canvas (window);
  gint64 start = g_get_monotonic_time (), end = start + 600 * G_USEC_PER_SEC;
  double ready_s, rss, before = status_mib ("VmRSS:");

  change_params (window, 16384, 0, TRUE);
  g_object_set (kvp_window_get_serving_state (window), "requests", n_requests, NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "serving");
  while (g_get_monotonic_time () < end &&
         (kvp_serving_controls_is_busy (controls) || kvp_serving_controls_get_simulation (controls) == NULL ||
          kvp_serving_canvas_get_scene (canvas) == NULL))
    g_main_context_iteration (NULL, TRUE);
  ready_s = (g_get_monotonic_time () - start) / 1e6;
  spin_for (300);
  rss = status_mib ("VmRSS:");
  if (g_getenv ("KVP_FRAMES")) g_printerr ("peak at ready %.0f MiB\n", status_mib ("VmHWM:"));

  kvp_serving_canvas_set_speed (canvas, 1000.0);
  start_recording ();
  kvp_serving_canvas_set_playing (canvas, TRUE);
  spin_for (2000);
  kvp_serving_canvas_zoom (canvas, 16.0);
  spin_for (2000);
  recorder.recording = FALSE;
  printf ("{\"case\": \"serving-play\", \"requests\": %u, \"steps\": %u, \"ready_s\": %.1f, "
          "\"rss_before_mib\": %.0f, \"rss_mib\": %.0f, \"peak_rss_mib\": %.0f, \"frames\": %u, \"p50_ms\": %.2f, \"p95_ms\": %.2f, "
          "\"max_ms\": %.2f, \"cpu_p50_ms\": %.2f, \"max_input_stall_ms\": %.1f}\n",
          n_requests,
          kvp_serving_canvas_get_steps (canvas) != NULL ? kvp_serving_steps_get_n_steps (kvp_serving_canvas_get_steps (canvas)) : 0,
          ready_s, before, rss, status_mib ("VmHWM:"), recorder.frames->len, percentile (recorder.frames, 0.5),
          percentile (recorder.frames, 0.95), percentile (recorder.frames, 1.0), percentile (recorder.cpu, 0.5),
          recorder.max_stall);
  fflush (stdout);
  kvp_serving_canvas_set_playing (canvas, FALSE);
}

/* ---- start-up ---- */

/* Launches argv and returns the ms until a top-level window of it is mapped,
 * or a negative number. */
static double
time_launch (Display     *display,
             char *const *argv)
{
  const char *program = argv[0];
  GPid pid;
  gint64 start, end;
  double result = -1.0;
  g_autoptr(GError) error = NULL;

  XSync (display, True);
  start = g_get_monotonic_time ();
  if (!g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error))
    {
      g_printerr ("Could not launch %s: %s\n", program, error->message);
      return -1.0;
    }

  end = start + 10 * G_USEC_PER_SEC;
  while (result < 0 && g_get_monotonic_time () < end)
    {
      while (XPending (display))
        {
          XEvent event;

          XNextEvent (display, &event);
          if (event.type == MapNotify && event.xmap.event == DefaultRootWindow (display))
            result = (g_get_monotonic_time () - start) / 1000.0;
        }
      if (result < 0)
        g_usleep (200);
    }

  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);

  return result;
}

/* kvpage's start-up beside four yardsticks launched the same way, in turn:
 * a bare GTK window (the goal is kvpage within 1.25 times it), the same
 * window opened by a GtkApplication (what registering on the session bus
 * adds), that under a header bar like kvpage's (what its icons and window
 * buttons add), and that beside the GTK widgets kvpage's side panel shows
 * in its first frame (what GTK takes to make and size them, with none of
 * kvpage's code).  The ratios are of medians, and of minimums, taken in
 * this one run. */
static void
bench_startup (Display    *display,
               const char *kvpage,
               const char *bare)
{
  char *const programs[][5] = {
    { (char *) bare, NULL },
    { (char *) bare, "--application", NULL },
    { (char *) bare, "--application", "--header-bar", NULL },
    { (char *) bare, "--application", "--header-bar", "--side-panel", NULL },
    { (char *) kvpage, NULL },
  };
  enum { BARE, APPLICATION, HEADER_BAR, SIDE_PANEL, KVPAGE, N_PROGRAMS };
  GArray *times[N_PROGRAMS];
  double median[N_PROGRAMS], least[N_PROGRAMS];

  XSelectInput (display, DefaultRootWindow (display), SubstructureNotifyMask);

  /* Warm the disk cache and fontconfig's, then alternate them. */
  for (guint p = 0; p < N_PROGRAMS; p++)
    {
      times[p] = g_array_new (FALSE, FALSE, sizeof (double));
      time_launch (display, programs[p]);
    }
  for (int i = 0; i < N_LAUNCHES; i++)
    for (guint p = 0; p < N_PROGRAMS; p++)
      {
        double t = time_launch (display, programs[p]);

        if (t >= 0)
          g_array_append_val (times[p], t);
      }
  for (guint p = 0; p < N_PROGRAMS; p++)
    {
      median[p] = percentile (times[p], 0.5);
      least[p] = percentile (times[p], 0.0);
    }

  printf ("{\"case\": \"startup-mapped\", \"kvpage_ms\": %.1f, \"bare_gtk_ms\": %.1f, \"ratio\": %.2f, "
          "\"kvpage_min_ms\": %.1f, \"bare_min_ms\": %.1f, \"ratio_of_min\": %.2f, "
          "\"application_ms\": %.1f, \"application_ratio\": %.2f, "
          "\"header_bar_ms\": %.1f, \"header_bar_ratio\": %.2f, \"kvpage_to_header_bar\": %.2f, "
          "\"side_panel_ms\": %.1f, \"side_panel_ratio\": %.2f, \"kvpage_to_side_panel\": %.2f, \"runs\": %u}\n",
          median[KVPAGE], median[BARE], median[KVPAGE] / median[BARE],
          least[KVPAGE], least[BARE], least[KVPAGE] / least[BARE],
          median[APPLICATION], median[APPLICATION] / median[BARE],
          median[HEADER_BAR], median[HEADER_BAR] / median[BARE], median[KVPAGE] / median[HEADER_BAR],
          median[SIDE_PANEL], median[SIDE_PANEL] / median[BARE], median[KVPAGE] / median[SIDE_PANEL],
          times[KVPAGE]->len);
  fflush (stdout);
  for (guint p = 0; p < N_PROGRAMS; p++)
    g_array_unref (times[p]);
}

/* ---- main ---- */

int
main (int    argc,
      char **argv)
{
  KvpWindow *window;
  KvpCanvas *canvas;
  GdkFrameClock *clock;
  Display *display;
  const char *kvpage = g_getenv ("KVPAGE");
  g_autofree char *bare = NULL;

  /* No display: run again under a fresh Xvfb. */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL &&
      g_getenv ("KVPAGE_BENCH_XVFB") == NULL)
    {
      char *args[] = { "xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", argv[0], NULL };
      /* A desktop session has a D-Bus: without one GApplication tries to
       * autolaunch one, which a bare window never does. */
      char *with_bus[] = { "xvfb-run", "-a", "-s", "-screen 0 1920x1080x24",
                           "dbus-run-session", "--", argv[0], NULL };
      g_autofree char *dbus = g_find_program_in_path ("dbus-run-session");

      g_setenv ("KVPAGE_BENCH_XVFB", "1", TRUE);
      execvp ("xvfb-run", dbus != NULL ? with_bus : args);
      g_printerr ("No display, and xvfb-run could not run: %s\n", g_strerror (errno));
      return 77;
    }
  /* A display but no session bus (xvfb-run around meson test): a desktop
   * has one, so the launches get one too.  Without it every GApplication
   * would first try to autolaunch one (forking to look for dbus-launch
   * along the PATH), which no desktop session pays and a bare window never
   * does. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL && g_getenv ("KVPAGE_BENCH_BUS") == NULL)
    {
      char *with_bus[] = { "dbus-run-session", "--", argv[0], NULL };
      g_autofree char *dbus = g_find_program_in_path ("dbus-run-session");

      g_setenv ("KVPAGE_BENCH_BUS", "1", TRUE);
      if (dbus != NULL)
        execvp ("dbus-run-session", with_bus);
    }
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);

  bare = g_build_filename (g_path_get_dirname (argv[0]), "bench-bare-window", NULL);
  /* Held open until GTK has its own connection: Xvfb resets when its last
   * client leaves, and would refuse the next one for a moment. */
  display = XOpenDisplay (NULL);
  if (kvpage != NULL && display != NULL)
    bench_startup (display, kvpage, bare);
  /* KVP_BENCH_STARTUP_ONLY: the start-up case alone. */
  if (g_getenv ("KVP_BENCH_STARTUP_ONLY") != NULL)
    {
      if (display != NULL)
        XCloseDisplay (display);
      return 0;
    }

  gtk_init ();
  if (display != NULL)
    XCloseDisplay (display);
  recorder.frames = g_array_new (FALSE, FALSE, sizeof (double));
  recorder.cpu = g_array_new (FALSE, FALSE, sizeof (double));

  window = kvp_window_new (NULL, NULL, NULL);
  g_object_ref (window);
  canvas = kvp_window_get_canvas (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  g_timeout_add_full (G_PRIORITY_HIGH, WATCHDOG_MS, watchdog_cb, NULL, NULL);

  /* KVP_BENCH_SERVING_ONLY: the serving case alone, so its peak RSS is
   * its own. */
  if (g_getenv ("KVP_BENCH_SERVING_ONLY") != NULL)
    {
      const char *n = g_getenv ("KVP_BENCH_SERVING_REQUESTS");

      gtk_widget_realize (GTK_WIDGET (window));
      clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
      g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), NULL);
      g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);
      gtk_window_present (GTK_WINDOW (window));
      spin_until_settled (canvas, 10000);
      bench_serving (window, n != NULL ? (guint) g_ascii_strtoull (n, NULL, 10) : 100000);
      gtk_window_destroy (GTK_WINDOW (window));
      g_object_unref (window);
      return 0;
    }

  /* The launch animation at 1,024 blocks. */
  gtk_widget_realize (GTK_WIDGET (window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);
  start_recording ();
  gtk_window_present (GTK_WINDOW (window));
  spin_until_settled (canvas, 10000);
  report ("launch", 1024);

  /* Dragging the block count around 1,048,576: a new value every frame. */
  change_params (window, 1048576, 0, TRUE);
  spin_until_settled (canvas, 10000);
  spin_for (200);
  {
    Drag drag = { window, 0, 90 };

    start_recording ();
    gtk_widget_add_tick_callback (GTK_WIDGET (window), drag_tick_cb, &drag, NULL);
    while (drag.frame < drag.n_frames)
      g_main_context_iteration (NULL, TRUE);
    spin_until_settled (canvas, 10000);
    report ("drag-blocks", 1048576);
  }

  /* The pool grows to 16,777,216 blocks, then the sequence changes in it. */
  spin_for (200);
  start_recording ();
  change_params (window, 16777216, 0, TRUE);
  spin_until_settled (canvas, 20000);
  spin_for (100);
  report ("grow-pool", 16777216);

  start_recording ();
  change_params (window, 0, 4000, TRUE);
  spin_until_settled (canvas, 20000);
  spin_for (100);
  report ("change", 16777216);

  /* A resize at 16,777,216 blocks. */
  start_recording ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);
  spin_for (100);
  spin_until_settled (canvas, 20000);
  report ("resize", 16777216);

  /* KVP_BENCH_SERVING_REQUESTS: the serving case's requests (default
   * 100,000, the goal; 0 leaves it out). */
  {
    const char *n = g_getenv ("KVP_BENCH_SERVING_REQUESTS");
    guint requests = n != NULL ? (guint) g_ascii_strtoull (n, NULL, 10) : 100000;

    if (requests > 0)
      bench_serving (window, requests);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);

  return 0;
}
