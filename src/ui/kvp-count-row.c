/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-count-row.c: a label, a spin button and a slider for one count, kept
 * in step, with a message under them when typed text is refused or clamped. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "kvp-count-row.h"
#include "kvp-format.h"

struct _KvpCountRow
{
  GtkWidget      parent_instance;

  /* Template children */
  GtkLabel      *label;
  GtkSpinButton *spin;
  GtkScale      *scale;
  GtkLabel      *message_label;
  GtkAdjustment *spin_adjustment;
  GtkAdjustment *scale_adjustment;

  guint64        value;
  guint64        lower;
  guint64        upper;
  gboolean       log_scale;
  gboolean       snap;
  char          *max_reason;
  char          *message;
  char          *absent;    /* why there is no count, or NULL */
  gboolean       syncing;   /* the controls are being set from value */
};

G_DEFINE_FINAL_TYPE (KvpCountRow, kvp_count_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LABEL,
  PROP_VALUE,
  PROP_UPPER,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  MESSAGE_NONE,
  MESSAGE_CLAMPED,
  MESSAGE_ERROR,
} MessageKind;

/* Shown under the row and given to screen readers as the spin button's
 * description; an error also marks the field invalid. */
static void
set_message (KvpCountRow *self,
             MessageKind  kind,
             char        *message)
{
  GtkWidget *spin = GTK_WIDGET (self->spin);
  GtkWidget *label = GTK_WIDGET (self->message_label);

  g_free (self->message);
  self->message = message;

  gtk_label_set_label (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (label, message != NULL);

  if (kind == MESSAGE_ERROR)
    {
      gtk_widget_add_css_class (spin, "error");
      gtk_widget_add_css_class (label, "error");
      gtk_widget_remove_css_class (label, "dim-label");
      gtk_accessible_update_state (GTK_ACCESSIBLE (spin),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
    }
  else
    {
      gtk_widget_remove_css_class (spin, "error");
      gtk_widget_remove_css_class (label, "error");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_STATE_INVALID);
    }

  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (spin),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

static guint64
scale_to_count (KvpCountRow *self,
                double       position)
{
  double count = self->log_scale ? exp2 (position) : position;

  return CLAMP ((guint64) llround (count), self->lower, self->upper);
}

/* Moves the slider to the value unless it already points there: re-setting
 * a dragged knob from the rounded count would make it jitter. */
static void
sync_scale (KvpCountRow *self)
{
  double position;

  if (scale_to_count (self, gtk_adjustment_get_value (self->scale_adjustment)) == self->value)
    return;

  position = self->log_scale ? log2 ((double) self->value) : (double) self->value;
  if (self->log_scale && self->snap)
    position = round (position);
  gtk_adjustment_set_value (self->scale_adjustment, position);
}

static void
sync_controls (KvpCountRow *self)
{
  g_autofree char *text = kvp_format_count (self->value);

  self->syncing = TRUE;
  gtk_adjustment_set_value (self->spin_adjustment, self->value);
  sync_scale (self);
  self->syncing = FALSE;

  /* The log slider holds an exponent: screen readers hear the count. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->scale),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text,
                                  -1);
}

static void
configure_adjustments (KvpCountRow *self)
{
  /* Page Up in the spin button: a sixteenth of a linear range; over a range
   * of powers of two, the square root of its top (32 blocks of 1,024). */
  double page = self->log_scale
                ? exp2 (floor (log2 ((double) self->upper) / 2))
                : MAX (1.0, floor ((self->upper - self->lower) / 16.0));

  self->syncing = TRUE;
  gtk_adjustment_configure (self->spin_adjustment, self->value, self->lower, self->upper,
                            1, page, 0);
  if (self->log_scale)
    gtk_adjustment_configure (self->scale_adjustment,
                              log2 ((double) self->value),
                              log2 ((double) self->lower), log2 ((double) self->upper),
                              1, 1, 0);
  else
    gtk_adjustment_configure (self->scale_adjustment, self->value, self->lower, self->upper,
                              1, page, 0);
  gtk_range_set_round_digits (GTK_RANGE (self->scale), !self->log_scale || self->snap ? 0 : 3);
  self->syncing = FALSE;

  sync_controls (self);
}

/* Returns whether it changed. */
static gboolean
change_value (KvpCountRow *self,
              guint64      value)
{
  value = CLAMP (value, self->lower, self->upper);
  if (value == self->value)
    return FALSE;

  self->value = value;
  sync_controls (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);

  return TRUE;
}

static int
spin_input_cb (GtkSpinButton *spin,
               double        *new_value,
               KvpCountRow   *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  guint64 value;

  if (self->absent != NULL)
    {
      /* The dash is not a count to read: the value stays. */
      *new_value = gtk_adjustment_get_value (gtk_spin_button_get_adjustment (spin));
      return TRUE;
    }
  if (!kvp_count_parse (stripped, kvp_format_count_separator (), &value))
    {
      /* Translators: typed text that is not a count, e.g. "“abc” is not a
       * whole number." */
      set_message (self, MESSAGE_ERROR,
                   g_strdup_printf (_("“%s” is not a whole number."), stripped));
      /* The spin button puts the value back; the message stays. */
      return GTK_INPUT_ERROR;
    }

  if (value > self->upper)
    {
      g_autofree char *most = kvp_format_count (self->upper);

      value = self->upper;
      if (self->max_reason != NULL)
        /* Translators: a typed value was lowered to the largest allowed,
         * and why: "2,048 is the most: a sequence is at most the reserved length." */
        set_message (self, MESSAGE_CLAMPED, g_strdup_printf (_("%s is the most: %s"), most, self->max_reason));
      else
        /* Translators: a typed value was lowered to the largest allowed. */
        set_message (self, MESSAGE_CLAMPED, g_strdup_printf (_("%s is the most."), most));
    }
  else if (value < self->lower)
    {
      g_autofree char *least = kvp_format_count (self->lower);

      value = self->lower;
      /* Translators: a typed value was raised to the smallest allowed. */
      set_message (self, MESSAGE_CLAMPED, g_strdup_printf (_("%s is the least."), least));
    }
  else
    {
      set_message (self, MESSAGE_NONE, NULL);
    }

  *new_value = value;
  return TRUE;
}

static gboolean
spin_output_cb (GtkSpinButton *spin,
                KvpCountRow   *self)
{
  guint64 value = (guint64) llround (gtk_adjustment_get_value (gtk_spin_button_get_adjustment (spin)));
  /* No count, never the last one: a dash. */
  g_autofree char *text = self->absent != NULL ? g_strdup ("—") : kvp_format_count (value);

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);

  return TRUE;
}

static void
spin_value_changed_cb (GtkAdjustment *adjustment,
                       KvpCountRow   *self)
{
  if (self->syncing)
    return;

  change_value (self, (guint64) llround (gtk_adjustment_get_value (adjustment)));
}

static void
scale_value_changed_cb (GtkAdjustment *adjustment,
                        KvpCountRow   *self)
{
  if (self->syncing)
    return;

  /* The slider cannot go out of range; what it said about typed text no
   * longer applies. */
  if (self->message != NULL)
    set_message (self, MESSAGE_NONE, NULL);
  change_value (self, scale_to_count (self, gtk_adjustment_get_value (adjustment)));
}

static void
kvp_count_row_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), KVP_TYPE_COUNT_ROW);

  /* The box around the label and the spin button is not a bound child. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (kvp_count_row_parent_class)->dispose (object);
}

static void
kvp_count_row_finalize (GObject *object)
{
  KvpCountRow *self = KVP_COUNT_ROW (object);

  g_free (self->max_reason);
  g_free (self->message);
  g_free (self->absent);

  G_OBJECT_CLASS (kvp_count_row_parent_class)->finalize (object);
}

static void
kvp_count_row_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KvpCountRow *self = KVP_COUNT_ROW (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_string (value, gtk_label_get_label (self->label));
      break;

    case PROP_VALUE:
      g_value_set_uint64 (value, self->value);
      break;

    case PROP_UPPER:
      g_value_set_uint64 (value, self->upper);
      break;

    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_count_row_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KvpCountRow *self = KVP_COUNT_ROW (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      kvp_count_row_set_label (self, g_value_get_string (value));
      break;

    case PROP_VALUE:
      kvp_count_row_set_value (self, g_value_get_uint64 (value));
      break;

    case PROP_UPPER:
      kvp_count_row_set_range (self, self->lower, g_value_get_uint64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kvp_count_row_class_init (KvpCountRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kvp_count_row_dispose;
  object_class->finalize = kvp_count_row_finalize;
  object_class->get_property = kvp_count_row_get_property;
  object_class->set_property = kvp_count_row_set_property;

  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALUE] =
    g_param_spec_uint64 ("value", NULL, NULL, 0, G_MAXUINT64, 1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UPPER] =
    g_param_spec_uint64 ("upper", NULL, NULL, 1, G_MAXUINT64, 1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/kvp-count-row.ui");
  gtk_widget_class_bind_template_child (widget_class, KvpCountRow, label);
  gtk_widget_class_bind_template_child (widget_class, KvpCountRow, spin);
  gtk_widget_class_bind_template_child (widget_class, KvpCountRow, scale);
  gtk_widget_class_bind_template_child (widget_class, KvpCountRow, message_label);
  gtk_widget_class_bind_template_child (widget_class, KvpCountRow, spin_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KvpCountRow, scale_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, spin_input_cb);
  gtk_widget_class_bind_template_callback (widget_class, spin_output_cb);
  gtk_widget_class_bind_template_callback (widget_class, spin_value_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, scale_value_changed_cb);
}

static void
kvp_count_row_init (KvpCountRow *self)
{
  self->value = 1;
  self->lower = 1;
  self->upper = 1;

  self->syncing = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->syncing = FALSE;

  /* Both controls are named by the visible label. */
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->spin),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->label, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->scale),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->label, NULL,
                                  -1);
}

guint64
kvp_count_row_get_value (KvpCountRow *self)
{
  g_return_val_if_fail (KVP_IS_COUNT_ROW (self), 0);

  return self->value;
}

void
kvp_count_row_set_value (KvpCountRow *self,
                         guint64      value)
{
  g_return_if_fail (KVP_IS_COUNT_ROW (self));

  change_value (self, value);
}

void
kvp_count_row_set_range (KvpCountRow *self,
                         guint64      lower,
                         guint64      upper)
{
  guint64 value;

  g_return_if_fail (KVP_IS_COUNT_ROW (self));
  /* A log scale needs lower ≥ 1; a count from 0 (the shared prefix) stays linear. */
  g_return_if_fail (lower <= upper && (lower >= 1 || !self->log_scale));

  if (lower == self->lower && upper == self->upper)
    return;

  self->lower = lower;
  self->upper = upper;
  value = CLAMP (self->value, lower, upper);
  configure_adjustments (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPPER]);
  change_value (self, value);
}

void
kvp_count_row_set_label (KvpCountRow *self,
                         const char  *label)
{
  g_return_if_fail (KVP_IS_COUNT_ROW (self));

  if (g_strcmp0 (label, gtk_label_get_label (self->label)) == 0)
    return;

  gtk_label_set_label (self->label, label);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

void
kvp_count_row_set_log_scale (KvpCountRow *self,
                             gboolean     log_scale,
                             gboolean     snap)
{
  g_return_if_fail (KVP_IS_COUNT_ROW (self));

  if (self->log_scale == !!log_scale && self->snap == !!snap)
    return;

  self->log_scale = !!log_scale;
  self->snap = !!snap;
  configure_adjustments (self);
}

void
kvp_count_row_set_max_reason (KvpCountRow *self,
                              const char  *reason)
{
  g_return_if_fail (KVP_IS_COUNT_ROW (self));

  g_free (self->max_reason);
  self->max_reason = g_strdup (reason);
}

void
kvp_count_row_set_absent (KvpCountRow *self,
                          const char  *reason)
{
  g_return_if_fail (KVP_IS_COUNT_ROW (self));

  if (g_strcmp0 (reason, self->absent) == 0)
    return;
  g_free (self->absent);
  self->absent = g_strdup (reason);

  /* The slider would point at a count there is not. */
  gtk_widget_set_visible (GTK_WIDGET (self->scale), reason == NULL);
  set_message (self, MESSAGE_NONE, g_strdup (reason));
  spin_output_cb (self->spin, self);
  if (reason == NULL)
    sync_controls (self);
}

const char *
kvp_count_row_get_message (KvpCountRow *self)
{
  g_return_val_if_fail (KVP_IS_COUNT_ROW (self), NULL);

  return self->message;
}

GtkSpinButton *
kvp_count_row_get_spin_button (KvpCountRow *self)
{
  g_return_val_if_fail (KVP_IS_COUNT_ROW (self), NULL);

  return self->spin;
}

GtkScale *
kvp_count_row_get_scale (KvpCountRow *self)
{
  g_return_val_if_fail (KVP_IS_COUNT_ROW (self), NULL);

  return self->scale;
}

gboolean
kvp_count_parse (const char *text,
                 const char *thousands_sep,
                 guint64    *out_value)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  gsize sep_len = thousands_sep != NULL ? strlen (thousands_sep) : 0;
  const char *p = text;
  guint group = 0;        /* digits since the last separator */
  gboolean grouped = FALSE;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      gsize skip = 0;

      if (c >= '0' && c <= '9')
        {
          g_string_append_c (digits, (char) c);
          group++;
          p++;
          continue;
        }

      if (sep_len > 0 && strncmp (p, thousands_sep, sep_len) == 0)
        skip = sep_len;
      /* Spaces group digits in many locales (a no-break or a thin one). */
      else if (c == ' ' || c == 0x00A0 || c == 0x202F || c == 0x2009)
        skip = g_utf8_next_char (p) - p;
      else
        return FALSE;

      /* Groups of three after the first: "1,000", not "1,0" or ",100". */
      if (group == 0 || group > 3 || (grouped && group != 3))
        return FALSE;
      grouped = TRUE;
      group = 0;
      p += skip;
    }

  if (grouped && group != 3)
    return FALSE;

  return g_ascii_string_to_unsigned (digits->str, 10, 0, G_MAXUINT64, out_value, NULL);
}
