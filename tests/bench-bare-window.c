/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-bare-window.c: the yardsticks for kvpage's start-up, launched and
 * timed as kvpage is (bench-window.c): a bare GTK 4 window with a label;
 * with --application, the same window opened by a GtkApplication (kvpage's
 * application id and flags, so registered on the session bus as kvpage
 * is); with --header-bar as well, under a header bar like kvpage's (the
 * side-panel toggle, the view switch, the title and subtitle, the menu
 * button, and the window buttons GTK adds); with --side-panel as well,
 * beside the controls kvpage's side panel shows in its first frame, made
 * of the same GTK widgets but with none of kvpage's own code, next to an
 * empty drawing area where kvpage draws its picture. */

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

static gboolean with_header_bar;
static gboolean with_side_panel;

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
  GtkWidget *name = gtk_label_new ("KV Page");
  GtkWidget *subtitle = gtk_label_new ("TinyLlama 1.1B · fp16");

  /* GNOME's title style, in bold over a smaller line, as kvpage's. */
  gtk_widget_add_css_class (name, "title");
  gtk_widget_add_css_class (subtitle, "subtitle");
  gtk_box_append (GTK_BOX (title), name);
  gtk_box_append (GTK_BOX (title), subtitle);
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

static GtkWidget *
new_labelled (const char *text,
              GtkWidget  *control)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), control);

  return box;
}

/* A drop-down as kvpage's model and KV-cache type choices are. */
static GtkWidget *
new_drop_down (const char *text,
               guint       n_items)
{
  GtkStringList *items = gtk_string_list_new (NULL);
  GtkWidget *drop_down;

  for (guint i = 0; i < n_items; i++)
    {
      g_autofree char *item = g_strdup_printf ("model-%u", i);

      gtk_string_list_append (items, item);
    }
  drop_down = gtk_drop_down_new (G_LIST_MODEL (items), NULL);
  gtk_widget_set_size_request (drop_down, 176, -1);

  return new_labelled (text, drop_down);
}

/* A count row as kvpage's: a label and a spin button over a slider. */
static GtkWidget *
new_count_row (const char *text,
               gboolean    with_marks)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 1048576, 1);
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 10, 1);
  GtkWidget *message = gtk_label_new (NULL);

  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 10);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 3000);
  gtk_scale_set_draw_value (GTK_SCALE (scale), FALSE);
  if (with_marks)
    for (int i = 0; i <= 10; i += 2)
      {
        g_autofree char *mark = g_strdup_printf ("%d", 1 << i);

        gtk_scale_add_mark (GTK_SCALE (scale), i, GTK_POS_BOTTOM, mark);
      }
  gtk_widget_set_visible (message, FALSE);
  gtk_box_append (GTK_BOX (row), new_labelled (text, spin));
  gtk_box_append (GTK_BOX (row), scale);
  gtk_box_append (GTK_BOX (row), message);

  return row;
}

static GtkWidget *
new_side_panel (void)
{
  static const char *rows[] = { "_Sequence length", "Sa_mples", "Shared _prefix",
                                "_Block size", "Block _count", "_Reserved length" };
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *controls = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scrolled), 320);
  g_object_set (controls, "margin-top", 18, "margin-bottom", 18, "margin-start", 18, "margin-end", 18, NULL);
  gtk_box_append (GTK_BOX (controls), new_drop_down ("_Model", 20));
  gtk_box_append (GTK_BOX (controls), new_drop_down ("_KV cache type", 4));
  gtk_box_append (GTK_BOX (controls), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_box_append (GTK_BOX (controls), new_count_row (rows[i], i == 3));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), controls);

  return scrolled;
}

static GtkWidget *
new_content (void)
{
  GtkWidget *box;
  GtkWidget *picture;

  if (!with_side_panel)
    return gtk_label_new ("KV cache memory");

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  picture = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (picture, TRUE);
  gtk_box_append (GTK_BOX (box), new_side_panel ());
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), picture);

  return box;
}

static void
fill_window (GtkWidget *window)
{
  gtk_window_set_title (GTK_WINDOW (window), "Bare");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  if (with_header_bar)
    gtk_window_set_titlebar (GTK_WINDOW (window), new_header_bar ());
  gtk_window_set_child (GTK_WINDOW (window), new_content ());
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
      with_side_panel |= strcmp (argv[i], "--side-panel") == 0;
    }

  if (application)
    {
      g_autoptr(GtkApplication) app = NULL;

      /* As kvpage: the display first (its command line checks there is
       * one), then the application. */
      if (!gtk_init_check ())
        return 1;
      app = gtk_application_new (APPLICATION_ID, G_APPLICATION_NON_UNIQUE);
      /* As kvpage, which has no resource base path (see kvp_application_new). */
      g_application_set_resource_base_path (G_APPLICATION (app), NULL);
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
