/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-panel-scroll.c: a reader scrolling down the side panel with the wheel
 * once changed the block size or the sequence length under the pointer
 * without noticing (GtkScale and GtkSpinButton take the wheel), and the
 * figures with it.  Over a control without the focus the wheel now scrolls
 * the panel; clicked or tabbed to, the control takes the wheel as before. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>

#include "kvp-panel-scroll.h"

/* The slider or spin button target is part of, or NULL. */
static GtkWidget *
wheel_control (GtkWidget *target)
{
  GtkWidget *control = gtk_widget_get_ancestor (target, GTK_TYPE_SPIN_BUTTON);

  return control != NULL ? control : gtk_widget_get_ancestor (target, GTK_TYPE_RANGE);
}

gboolean
kvp_panel_scroll (GtkScrolledWindow *panel,
                  GtkWidget         *target,
                  double             dy)
{
  GtkAdjustment *adjustment;
  GtkWidget *control;

  g_return_val_if_fail (GTK_IS_SCROLLED_WINDOW (panel), FALSE);

  control = target != NULL ? wheel_control (target) : NULL;
  if (control == NULL || (gtk_widget_get_state_flags (control) & GTK_STATE_FLAG_FOCUS_WITHIN) != 0)
    return FALSE;

  /* The step GtkScrolledWindow itself takes for the wheel. */
  adjustment = gtk_scrolled_window_get_vadjustment (panel);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) +
                                          dy * pow (gtk_adjustment_get_page_size (adjustment), 2.0 / 3.0));
  return TRUE;
}

/* The widget under the pointer at its last motion: the one GTK sends the
 * wheel to, even after the panel scrolled another under the pointer (a
 * widget picked at the wheel's time would be the wrong one). */
typedef struct
{
  GWeakRef target;
} Pointer;

static void
pointer_free (gpointer  data,
              GClosure *closure)
{
  Pointer *pointer = data;

  g_weak_ref_clear (&pointer->target);
  g_free (pointer);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           Pointer                  *pointer)
{
  GtkWidget *panel = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));

  g_weak_ref_set (&pointer->target, gtk_widget_pick (panel, x, y, GTK_PICK_DEFAULT));
}

static void
leave_cb (GtkEventControllerMotion *controller,
          Pointer                  *pointer)
{
  g_weak_ref_set (&pointer->target, NULL);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           Pointer                  *pointer)
{
  GtkWidget *panel = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  g_autoptr(GtkWidget) target = g_weak_ref_get (&pointer->target);

  /* A touchpad's deltas are pixels already. */
  if (gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_SURFACE)
    dy /= pow (gtk_adjustment_get_page_size (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (panel))),
               2.0 / 3.0);
  return kvp_panel_scroll (GTK_SCROLLED_WINDOW (panel), target, dy);
}

void
kvp_panel_scroll_attach (GtkScrolledWindow *panel)
{
  GtkEventController *controller;
  Pointer *pointer = g_new0 (Pointer, 1);

  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (panel));

  g_weak_ref_init (&pointer->target, NULL);
  controller = gtk_event_controller_motion_new ();
  gtk_event_controller_set_name (controller, "kvp-panel-pointer");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), pointer);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), pointer);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), pointer);
  gtk_widget_add_controller (GTK_WIDGET (panel), controller);

  /* In the capture phase: before the control under the pointer sees it. */
  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_name (controller, "kvp-panel-wheel");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_data (controller, "scroll", G_CALLBACK (scroll_cb), pointer, pointer_free, 0);
  gtk_widget_add_controller (GTK_WIDGET (panel), controller);
}
