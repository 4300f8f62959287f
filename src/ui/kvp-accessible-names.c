/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-accessible-names.c: the names assistive technologies read, each said
 * once.  Runs once over a widget tree after its template is built. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include "kvp-accessible-names.h"

/* Every label under @widget with a mnemonic widget, by that widget: one
 * pass, so naming a window's controls stays linear in its widgets. */
static void
collect_labels (GtkWidget  *widget,
                GHashTable *labels)
{
  if (GTK_IS_LABEL (widget) && gtk_label_get_mnemonic_widget (GTK_LABEL (widget)) != NULL)
    g_hash_table_insert (labels, gtk_label_get_mnemonic_widget (GTK_LABEL (widget)), widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, labels);
}

/* The first child of @widget of @type, or NULL. */
static GtkWidget *
child_of_type (GtkWidget *widget,
               GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
      return child;
  return NULL;
}

/* Named by its text alone: no "label" beside it, no image behind it. */
static void
name_by (GtkWidget  *widget,
         GtkWidget  *label,
         const char *text)
{
  if (label != NULL)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
    }
  else if (text != NULL)
    {
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
      gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    }
}

static void
fix (GHashTable *labels,
     GtkWidget  *widget)
{
  GtkWidget *label = g_hash_table_lookup (labels, widget);
  const char *tooltip = gtk_widget_get_tooltip_text (widget);

  if (GTK_IS_DROP_DOWN (widget) || GTK_IS_MENU_BUTTON (widget))
    {
      /* Its own button is what takes the focus and is announced. */
      GtkWidget *button = child_of_type (widget, GTK_TYPE_TOGGLE_BUTTON);

      if (button != NULL)
        name_by (button, label, tooltip);
      if (label != NULL)
        name_by (widget, label, NULL);
      return;
    }
  if (GTK_IS_BUTTON (widget))
    {
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (widget));

      if (GTK_IS_LABEL (child))
        name_by (widget, child, NULL);
      else if (label == NULL)
        name_by (widget, NULL, tooltip);
      else
        name_by (widget, label, NULL);
      return;
    }
  if (label != NULL && (GTK_IS_SPIN_BUTTON (widget) || GTK_IS_ENTRY (widget) || GTK_IS_SCALE (widget)))
    name_by (widget, label, NULL);
}

static void
walk (GHashTable *labels,
      GtkWidget  *widget)
{
  /* A drop-down's or a spin button's insides are named with it. */
  fix (labels, widget);
  if (GTK_IS_DROP_DOWN (widget) || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget))
    return;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    walk (labels, child);
}

void
kvp_accessible_names_fix (GtkWidget *root)
{
  g_autoptr(GHashTable) labels = g_hash_table_new (NULL, NULL);

  g_return_if_fail (GTK_IS_WIDGET (root));

  collect_labels (root, labels);
  walk (labels, root);
}
