/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-bare-window.c: the yardsticks for kvpage's start-up, launched and
 * timed as kvpage is (bench-window.c): a bare GTK 4 window with a label;
 * with --application, the same window opened by a GtkApplication (kvpage's
 * application id and flags, so registered on the session bus as kvpage
 * is); with --header-bar as well, under a header bar like kvpage's (the
 * side-panel toggle, the view switch, the title and subtitle, the menu
 * button, and the window buttons GTK adds), which needs the icon theme. */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

static gboolean with_header_bar;

static void
destroy_cb (GtkWidget *widget,
            gboolean  *done)
{
  *done = TRUE;
}

static GtkWidget *
new_header_bar (void)
{
  static const char *views[] = { "Sequence", "Serving", "Capacity" };
  GtkWidget *header_bar = gtk_header_bar_new ();
  GtkWidget *title = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *toggle = gtk_toggle_button_new ();
  GtkWidget *switcher = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *menu = gtk_menu_button_new ();

  gtk_box_append (GTK_BOX (title), gtk_label_new ("KV Page"));
  gtk_box_append (GTK_BOX (title), gtk_label_new ("TinyLlama 1.1B · fp16"));
  gtk_header_bar_set_title_widget (GTK_HEADER_BAR (header_bar), title);
  gtk_button_set_icon_name (GTK_BUTTON (toggle), "sidebar-show-symbolic");
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header_bar), toggle);
  gtk_widget_add_css_class (switcher, "linked");
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    gtk_box_append (GTK_BOX (switcher), gtk_toggle_button_new_with_label (views[i]));
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header_bar), switcher);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "open-menu-symbolic");
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header_bar), menu);

  return header_bar;
}

static void
fill_window (GtkWidget *window)
{
  gtk_window_set_title (GTK_WINDOW (window), "Bare");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  if (with_header_bar)
    gtk_window_set_titlebar (GTK_WINDOW (window), new_header_bar ());
  gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("KV cache memory"));
}

static void
activate_cb (GtkApplication *application)
{
  GtkWidget *window = gtk_application_window_new (application);

  fill_window (window);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  GtkWidget *window;
  gboolean done = FALSE;
  gboolean application = FALSE;

  for (int i = 1; i < argc; i++)
    {
      application |= strcmp (argv[i], "--application") == 0;
      with_header_bar |= strcmp (argv[i], "--header-bar") == 0;
    }

  if (application)
    {
      g_autoptr(GtkApplication) app = NULL;

      /* As kvpage: the display first (its command line checks there is
       * one), then the application. */
      if (!gtk_init_check ())
        return 1;
      app = gtk_application_new (APPLICATION_ID, G_APPLICATION_NON_UNIQUE);
      g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
      return g_application_run (G_APPLICATION (app), 1, argv);
    }

  gtk_init ();
  window = gtk_window_new ();
  fill_window (window);
  g_signal_connect (window, "destroy", G_CALLBACK (destroy_cb), &done);
  gtk_window_present (GTK_WINDOW (window));

  while (!done)
    g_main_context_iteration (NULL, TRUE);

  return 0;
}
