/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-bare-window.c: the yardstick for kvpage's start-up — a bare GTK 4
 * window with a label, launched and timed the same way (bench-window.c). */

#include "config.h"

#include <gtk/gtk.h>

static void
destroy_cb (GtkWidget *widget,
            gboolean  *done)
{
  *done = TRUE;
}

int
main (int    argc,
      char **argv)
{
  GtkWidget *window;
  gboolean done = FALSE;

  gtk_init ();
  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Bare");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("KV cache memory"));
  g_signal_connect (window, "destroy", G_CALLBACK (destroy_cb), &done);
  gtk_window_present (GTK_WINDOW (window));

  while (!done)
    g_main_context_iteration (NULL, TRUE);

  return 0;
}
