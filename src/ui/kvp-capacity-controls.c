/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-controls.c: the capacity view's controls, each bound to its
 * property of the capacity state; the state's sweep, or why there is none,
 * handed to the canvas. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "kvp-capacity-controls.h"
#include "kvp-format.h"
#include "kvp-sweep.h"

#define STATUS_KEY "kvp-capacity-status"

typedef struct
{
  KvpCapacityState  *capacity;
  KvpCapacityCanvas *canvas;
  GtkLabel          *status;
} Controls;

static void
controls_free (Controls *controls)
{
  g_signal_handlers_disconnect_by_data (controls->capacity, controls);
  g_object_unref (controls->capacity);
  g_object_unref (controls->canvas);
  g_free (controls);
}

/* The sweep on the canvas, or what stands in its place. */
static void
show_sweep (Controls *controls)
{
  KvpSweep *sweep = kvp_capacity_state_get_sweep (controls->capacity);
  const char *error = kvp_capacity_state_get_error (controls->capacity);
  gboolean busy = kvp_capacity_state_get_busy (controls->capacity);
  const char *status = error != NULL ? error : busy ? _("Sweeping…") : "";

  gtk_label_set_label (controls->status, status);
  gtk_widget_set_visible (GTK_WIDGET (controls->status), *status != '\0');
  kvp_capacity_canvas_set_sweep (controls->canvas, sweep);
  if (error != NULL)
    kvp_capacity_canvas_set_message (controls->canvas, _("No sweep"), error);
  else
    kvp_capacity_canvas_set_message (controls->canvas, _("Sweeping…"),
                                     _("Each rate is its own run of the serving view’s workload."));
}

static GtkWidget *
rate_spin (Controls   *controls,
           GtkGrid    *grid,
           int         row,
           const char *label,
           const char *property,
           const char *name)
{
  GtkWidget *title = gtk_label_new_with_mnemonic (label);
  /* Up to core's highest rate; down to the least two digits show, core's
   * lowest (KVP_WORKLOAD_MIN_RATE) being below it.  Within these, a rate
   * the workload cannot take is refused by the sweep, in its own words. */
  GtkWidget *spin = gtk_spin_button_new_with_range (0.01, KVP_WORKLOAD_MAX_RATE, 0.5);

  gtk_widget_set_name (spin, name);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), 2);
  /* Numbers right-aligned, as in every other row of the side panel. */
  gtk_editable_set_alignment (GTK_EDITABLE (spin), 1);
  gtk_widget_set_hexpand (spin, TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (title), spin);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY, title, NULL, -1);
  gtk_grid_attach (grid, title, 0, row, 1, 1);
  gtk_grid_attach (grid, spin, 1, row, 1, 1);
  g_object_bind_property (controls->capacity, property, spin, "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  return spin;
}

GtkWidget *
kvp_capacity_controls_new (KvpCapacityState  *capacity,
                           KvpCapacityCanvas *canvas)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *heading = gtk_label_new (_("Request rates swept (requests/s)"));
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *note;
  g_autofree char *latency = NULL;
  g_autofree char *text = NULL;
  Controls *controls = g_new0 (Controls, 1);

  g_return_val_if_fail (KVP_IS_CAPACITY_STATE (capacity), NULL);
  g_return_val_if_fail (KVP_IS_CAPACITY_CANVAS (canvas), NULL);

  controls->capacity = g_object_ref (capacity);
  controls->canvas = g_object_ref (canvas);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (box), heading);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  rate_spin (controls, GTK_GRID (grid), 0, _("_From"), "rate-start", "capacity-start");
  rate_spin (controls, GTK_GRID (grid), 1, _("_To"), "rate-stop", "capacity-stop");
  rate_spin (controls, GTK_GRID (grid), 2, _("_Step"), "rate-step", "capacity-step");
  gtk_box_append (GTK_BOX (box), grid);

  /* The bound is the one the sweep applies, read from core. */
  latency = kvp_format_decimal (KVP_SWEEP_DEFAULT_MAX_NORMALIZED_LATENCY);
  /* Translators: under the capacity view's rate controls; %s is a number
   * of seconds, "0.2". */
  text = g_strdup_printf (_("Each rate runs the serving view’s workload, requests and seed on this pool; the "
                            "capacity is the highest rate whose mean normalized latency stays within %s s per "
                            "output token."), latency);
  note = gtk_label_new (text);
  gtk_label_set_wrap (GTK_LABEL (note), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (note), 36);
  gtk_label_set_xalign (GTK_LABEL (note), 0);
  gtk_widget_add_css_class (note, "kvp-row-message");
  gtk_box_append (GTK_BOX (box), note);

  controls->status = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_wrap (controls->status, TRUE);
  gtk_label_set_max_width_chars (controls->status, 36);
  gtk_label_set_xalign (controls->status, 0);
  gtk_widget_add_css_class (GTK_WIDGET (controls->status), "kvp-row-message");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (controls->status));

  g_signal_connect_swapped (capacity, "notify::sweep", G_CALLBACK (show_sweep), controls);
  g_signal_connect_swapped (capacity, "notify::error", G_CALLBACK (show_sweep), controls);
  g_signal_connect_swapped (capacity, "notify::busy", G_CALLBACK (show_sweep), controls);
  g_object_set_data_full (G_OBJECT (box), STATUS_KEY, controls, (GDestroyNotify) controls_free);
  show_sweep (controls);

  return box;
}
