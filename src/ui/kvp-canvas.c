/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-canvas.c: the window's picture.  The scene is rebuilt only when the
 * comparison, the size or the palette changes: its texts on the main thread
 * (well under a millisecond), its grid in a worker when the grid is big,
 * while the previous grid stands in.  A frame just paints the scene at time
 * t, and t advances from a tick callback that exists only while a transition
 * runs.  The grid takes keyboard focus: arrows move from cell to cell. */

#define G_LOG_DOMAIN "kvpage-ui"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "kvp-canvas.h"
#include "kvp-draw.h"
#include "kvp-paint.h"
#include "kvp-refusal-paint.h"
#include "kvp-refusal-picture.h"
#include "kvp-theme.h"

#define MIN_WIDTH  360
#define MIN_HEIGHT 300

struct _KvpCanvas
{
  KvpPictureCanvas parent_instance;

  KvpComparison *comparison;
  KvpScene      *scene;
  gboolean       scene_valid;
  gboolean       launching;   /* the transition is the launch sequence */
  GCancellable  *prepare_cancellable;

  guint          warm_id;     /* idle: draws the settled frame once, unseen */
  gint64         start_time;  /* µs, frame clock; 0 until the first frame */
  double         t;
  gboolean       settled;

  char          *refusal;     /* why there is no pool: drawn instead of it */
  KvpPicture    *refusal_picture;

  guint32        focus_cell;  /* the grid cell the keyboard is on */
  /* The cell's text on screen beside its ring, as last painted. */
  char          *focus_text;
  cairo_rectangle_t focus_label;

  gint64         last_build_time;
};

/* Grids that take longer than this many cells plus held blocks to draw are
 * built in a worker. */
#define ASYNC_GRID_WORK 100000

G_DEFINE_FINAL_TYPE (KvpCanvas, kvp_canvas, KVP_TYPE_PICTURE_CANVAS)

static gboolean
animations_enabled (KvpCanvas *self)
{
  return kvp_picture_canvas_animations_enabled (KVP_PICTURE_CANVAS (self));
}

static void
update_description (KvpCanvas *self)
{
  if (self->refusal != NULL)
    {
      g_autofree char *description = kvp_refusal_describe (_("vLLM would not start."), self->refusal);

      kvp_picture_canvas_set_description (KVP_PICTURE_CANVAS (self), description);
    }
  else if (self->scene != NULL)
    kvp_picture_canvas_describe (KVP_PICTURE_CANVAS (self), KVP_PICTURE (self->scene), NULL);
}

static void start_clock             (KvpCanvas  *self);
static void announce_focus          (KvpCanvas  *self);
static void focus_widget_changed_cb (GtkWindow  *window,
                                     GParamSpec *pspec,
                                     KvpCanvas  *self);

static void
scene_prepared_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KvpCanvas) self = user_data;
  KvpScene *scene = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  kvp_scene_prepare_finish (scene, result, &error);
  if (scene != self->scene)
    return;

  /* The transition starts now that the grid can show it. */
  g_debug ("Grid ready");
  start_clock (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Builds the scene of the current comparison at the current size.  from,
 * when given, is the picture the transition starts from, as it stood at its
 * time from_t; without it the scene plays the launch. */
static void
build_scene (KvpCanvas *self,
             KvpScene  *from,
             double     from_t)
{
  const KvpTheme *theme = kvp_canvas_get_theme (self);
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autoptr(KvpScene) scene = NULL;
  gint64 begin;

  if (self->comparison == NULL || width <= 0 || height <= 0)
    return;

  begin = g_get_monotonic_time ();

  scene = kvp_scene_new (self->comparison, theme, width, height);
  if (from != NULL)
    kvp_scene_set_previous (scene, from, from_t);

  kvp_scene_set_device_scale (scene, MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self))));

  g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  g_clear_pointer (&self->scene, kvp_scene_unref);
  self->scene = g_steal_pointer (&scene);
  self->scene_valid = TRUE;

  if ((guint64) kvp_scene_get_n_cells (self->scene) + self->comparison->blocks_used > ASYNC_GRID_WORK)
    {
      self->prepare_cancellable = g_cancellable_new ();
      kvp_scene_prepare_async (self->scene, self->prepare_cancellable, scene_prepared_cb, g_object_ref (self));
    }
  else
    kvp_scene_prepare (self->scene);
  if (self->focus_cell >= kvp_scene_get_n_cells (self->scene))
    self->focus_cell = 0;

  self->last_build_time = g_get_monotonic_time () - begin;
  g_debug ("Scene of %u blocks at %d×%d built in %.2f ms",
           self->comparison->params.num_blocks, width, height,
           self->last_build_time / 1000.0);

  update_description (self);
  /* The cell under the keyboard may hold something else now. */
  if (gtk_widget_is_focus (GTK_WIDGET (self)))
    announce_focus (self);
}

/* A new size or palette: the same comparison, moving on from the frame on
 * screen (a launch not yet begun starts over). */
static void
ensure_scene (KvpCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autoptr(KvpScene) old = NULL;

  if (self->scene_valid && self->scene != NULL &&
      (int) kvp_picture_get_width (KVP_PICTURE (self->scene)) == width &&
      (int) kvp_picture_get_height (KVP_PICTURE (self->scene)) == height)
    return;

  old = self->scene != NULL ? kvp_scene_ref (self->scene) : NULL;
  if (old == NULL || (self->launching && self->start_time == 0))
    {
      build_scene (self, NULL, 0.0);
      return;
    }

  build_scene (self, old, self->settled ? G_MAXDOUBLE : self->t);
  self->launching = FALSE;
  if (!self->settled || kvp_scene_get_duration (self->scene) > 0.0 || !kvp_scene_is_prepared (self->scene))
    {
      self->settled = FALSE;
      start_clock (self);
    }
}

/* The launch shows its parts one by one, and the first frame that shows a
 * text or the grid would pay for rasterizing its glyphs and picture.  Drawn
 * once unseen in the quiet between the first frames, they are ready. */
static gboolean
warm_cb (gpointer user_data)
{
  KvpCanvas *self = user_data;
  cairo_surface_t *scratch;
  cairo_t *cr;
  int scale = MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));

  self->warm_id = 0;
  if (self->scene == NULL || !kvp_scene_is_prepared (self->scene))
    return G_SOURCE_REMOVE;

  scratch = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        (int) kvp_picture_get_width (KVP_PICTURE (self->scene)) * scale,
                                        (int) kvp_picture_get_height (KVP_PICTURE (self->scene)) * scale);
  cairo_surface_set_device_scale (scratch, scale, scale);
  /* Cards and bars only: the grid's picture is ready already, and painting
   * it settled would move it away from the frame on screen. */
  cr = cairo_create (scratch);
  kvp_paint_parts (cr, self->scene, kvp_scene_get_duration (self->scene), KVP_PAINT_CARDS | KVP_PAINT_BARS);
  cairo_destroy (cr);
  cairo_surface_destroy (scratch);

  return G_SOURCE_REMOVE;
}

static void
settle (KvpCanvas *self)
{
  self->settled = TRUE;
  self->launching = FALSE;
  self->t = self->scene != NULL ? kvp_scene_get_duration (self->scene) : 0.0;
  kvp_picture_canvas_stop_ticking (KVP_PICTURE_CANVAS (self));
}

static gboolean
kvp_canvas_tick (KvpPictureCanvas *canvas,
                 gint64            now)
{
  KvpCanvas *self = KVP_CANVAS (canvas);

  /* While the grid is built in a worker, the clock waits at 0. */
  if (self->scene != NULL && !kvp_scene_is_prepared (self->scene))
    {
      self->start_time = 0;
      return TRUE;
    }

  if (self->start_time == 0)
    {
      self->start_time = now;
      if (self->launching && self->warm_id == 0)
        self->warm_id = g_idle_add_full (G_PRIORITY_LOW, warm_cb, self, NULL);
    }

  self->t = (now - self->start_time) / (double) G_USEC_PER_SEC;
  gtk_widget_queue_draw (GTK_WIDGET (self));

  if (self->scene != NULL && self->t >= kvp_scene_get_duration (self->scene))
    {
      settle (self);
      return FALSE;
    }

  return TRUE;
}

/* Starts the current scene's transition from t = 0, or shows its settled
 * frame at once when the desktop asks for no animations. */
static void
start_clock (KvpCanvas *self)
{
  self->settled = FALSE;
  self->t = 0.0;
  self->start_time = 0;

  if (!animations_enabled (self) || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      /* An unmapped canvas has no frames to animate; it shows the settled
       * picture when it appears, except for the launch sequence which waits
       * for the first frame. */
      if (!animations_enabled (self) || !self->launching)
        {
          settle (self);
          gtk_widget_queue_draw (GTK_WIDGET (self));
          return;
        }
    }

  kvp_picture_canvas_start_ticking (KVP_PICTURE_CANVAS (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
kvp_canvas_dispose (GObject *object)
{
  KvpCanvas *self = KVP_CANVAS (object);

  g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  g_clear_handle_id (&self->warm_id, g_source_remove);
  g_clear_pointer (&self->scene, kvp_scene_unref);
  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  g_clear_pointer (&self->focus_text, g_free);
  g_clear_pointer (&self->refusal, g_free);
  g_clear_pointer (&self->refusal_picture, kvp_picture_unref);

  G_OBJECT_CLASS (kvp_canvas_parent_class)->dispose (object);
}

static void
kvp_canvas_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = MIN_WIDTH;
  else
    *minimum = *natural = MIN_HEIGHT;
}

static void
kvp_canvas_size_allocate (GtkWidget *widget,
                          int        width,
                          int        height,
                          int        baseline)
{
  ensure_scene (KVP_CANVAS (widget));
}

/* The desktop asked for no animations: whatever moves stops where it ends. */
static void
kvp_canvas_animations_changed (KvpPictureCanvas *canvas)
{
  if (kvp_picture_canvas_get_animating (canvas) && !animations_enabled (KVP_CANVAS (canvas)))
    settle (KVP_CANVAS (canvas));
}

static void
kvp_canvas_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->root (widget);

  if (GTK_IS_WINDOW (gtk_widget_get_root (widget)))
    g_signal_connect_object (gtk_widget_get_root (widget), "notify::focus-widget",
                             G_CALLBACK (focus_widget_changed_cb), widget, 0);
}

static void
kvp_canvas_unroot (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_root (widget),
                                        focus_widget_changed_cb, widget);

  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->unroot (widget);
}

static void
kvp_canvas_map (GtkWidget *widget)
{
  KvpCanvas *self = KVP_CANVAS (widget);

  GTK_WIDGET_CLASS (kvp_canvas_parent_class)->map (widget);

  /* The launch sequence plays once the picture is on screen. */
  if (self->launching && !kvp_picture_canvas_get_animating (KVP_PICTURE_CANVAS (self)) &&
      self->comparison != NULL)
    start_clock (self);
}

/* The keyboard's cell, ringed in the text colour, outside the cell so the
 * cell's own colour stays readable. */
/* The keyboard's cell named in text, in a label under the cell (over it
 * near the bottom), kept inside the picture: the ring says where, the
 * label what, for those who do not hear the screen reader. */
static void
paint_focus_label (KvpCanvas               *self,
                   cairo_t                 *cr,
                   const cairo_rectangle_t *cell)
{
  const KvpTheme *theme = kvp_canvas_get_theme (self);
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double pad = 8.0, margin = 6.0;
  g_autofree char *text = kvp_scene_dup_cell_text (self->scene, self->focus_cell);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (theme->font_family);
  PangoRectangle logical;
  cairo_rectangle_t *box = &self->focus_label;

  g_free (self->focus_text);
  /* Translators: between the parts of a block's description on one line. */
  self->focus_text = g_strjoinv (_(" · "), lines);
  pango_font_description_set_absolute_size (font, 12.5 * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  /* Narrow pictures wrap it between words rather than cut it. */
  pango_layout_set_width (layout, (int) (MAX (width - 2 * (pad + margin), 40.0) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, self->focus_text, -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);

  box->width = logical.width + 2 * pad;
  box->height = logical.height + pad;
  box->x = CLAMP (cell->x + cell->width / 2 - box->width / 2, margin, MAX (margin, width - margin - box->width));
  box->y = cell->y + cell->height + margin;
  if (box->y + box->height > height - margin)
    box->y = MAX (margin, cell->y - margin - box->height);

  cairo_save (cr);
  cairo_new_path (cr);
  kvp_draw_rounded_rect (cr, box->x, box->y, box->width, box->height, 6.0);
  kvp_draw_set_color (cr, &theme->card, 0.96);
  cairo_fill_preserve (cr);
  kvp_draw_set_color (cr, &theme->text, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
  cairo_move_to (cr, box->x + pad - logical.x, box->y + pad / 2 - logical.y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
}

static void
paint_focus (KvpCanvas *self,
             cairo_t   *cr)
{
  const KvpTheme *theme = kvp_canvas_get_theme (self);
  cairo_rectangle_t r;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* The window's focus widget, whether or not the window is active right
   * now: a ring that comes and goes with the window manager only confuses. */
  g_clear_pointer (&self->focus_text, g_free);
  if (!GTK_IS_WINDOW (root) || !gtk_window_get_focus_visible (GTK_WINDOW (root)) ||
      !gtk_widget_is_focus (GTK_WIDGET (self)) ||
      !kvp_scene_get_cell_rect (self->scene, self->focus_cell, &r))
    return;

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_rectangle (cr, r.x - 2.5, r.y - 2.5, MAX (r.width, 1.0) + 5.0, MAX (r.height, 1.0) + 5.0);
  cairo_set_line_width (cr, 2.0);
  cairo_set_source_rgba (cr, theme->text.red, theme->text.green, theme->text.blue, 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
  paint_focus_label (self, cr, &r);
}

/* The scene, or the refusal drawn instead of the pool. */
static KvpPicture *
kvp_canvas_ensure_picture (KvpPictureCanvas *canvas)
{
  KvpCanvas *self = KVP_CANVAS (canvas);
  const KvpTheme *theme = kvp_canvas_get_theme (self);
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  KvpPicture *shown = self->refusal_picture;

  ensure_scene (self);
  if (self->refusal == NULL)
    return KVP_PICTURE (self->scene);

  if (shown == NULL || kvp_picture_get_theme (shown) != theme || (int) kvp_picture_get_width (shown) != width ||
      (int) kvp_picture_get_height (shown) != height ||
      !kvp_refusal_picture_shows (shown, _("vLLM would not start"), self->refusal))
    {
      g_clear_pointer (&self->refusal_picture, kvp_picture_unref);
      self->refusal_picture = kvp_refusal_picture_new (theme, width, height, _("vLLM would not start"),
                                                       self->refusal);
    }
  return self->refusal_picture;
}

static void
kvp_canvas_paint (KvpPictureCanvas *canvas,
                  cairo_t          *cr,
                  KvpPicture       *picture)
{
  KvpCanvas *self = KVP_CANVAS (canvas);

  kvp_picture_paint (picture, cr, self->settled ? G_MAXDOUBLE : self->t);
  if (picture != self->refusal_picture)
    paint_focus (self, cr);
}

static void
kvp_canvas_theme_changed (KvpPictureCanvas *canvas)
{
  KVP_CANVAS (canvas)->scene_valid = FALSE;
}

/* What a metric card's figure is, in vLLM's words: the card shows the
 * figure and its factors, the tooltip how it is made. */
static const char *
card_tooltip (KvpCanvas *self,
              KvpCard    card)
{
  switch (card)
    {
    case KVP_CARD_TRADITIONAL:
      return _("What a server without paging reserves for this sequence before it runs: max_model_len tokens "
               "(Reserved length) × the model’s KV cache bytes per token, for each sample. Slots the sequence "
               "never fills stay reserved until it finishes.");
    case KVP_CARD_PAGED:
      return _("What vLLM’s block pool holds for this sequence: its blocks × block_size tokens × the KV cache "
               "bytes per token. A block is allocated only when the previous one is full, so only each sample’s "
               "last block has free slots; the prompt’s full blocks are stored once for all samples.");
    case KVP_CARD_SAVED:
      return _("Traditional minus PagedAttention: the memory paging leaves free for other requests, and its "
               "share of Traditional. Negative (“Paging costs more here”) when the sequence’s whole blocks "
               "hold more than the reservation.");
    case KVP_CARD_UTILIZATION:
      if (kvp_canvas_get_comparison (self) != NULL && kvp_canvas_get_comparison (self)->params.null_block)
        return _("The blocks this sequence takes over the blocks a request can get (num_gpu_blocks less "
                 "block 0, vLLM’s null block): vLLM’s KV cache usage, vllm:kv_cache_usage_perc, with the "
                 "sequence alone in the pool.");
      return _("The blocks this sequence takes over the pool’s blocks: vLLM’s KV cache usage, "
               "vllm:kv_cache_usage_perc, with the sequence alone in the pool.");
    case KVP_N_CARDS:
    default:
      break;
    }
  g_return_val_if_reached (NULL);
}

/* A metric card under the pointer says what its figure is. */
static gboolean
query_card_tooltip (KvpCanvas  *self,
                    int         x,
                    int         y,
                    GtkTooltip *tooltip)
{
  cairo_rectangle_t r;
  const char *text = kvp_canvas_get_card_tooltip (self, x, y, &r);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  /* Moved and refreshed when the pointer leaves the card. */
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) floor (r.x), (int) floor (r.y),
                                                       (int) ceil (r.width), (int) ceil (r.height) });
  return TRUE;
}

static gboolean
kvp_canvas_query_tooltip (GtkWidget  *widget,
                          int         x,
                          int         y,
                          gboolean    keyboard_mode,
                          GtkTooltip *tooltip)
{
  KvpCanvas *self = KVP_CANVAS (widget);
  g_autofree char *text = NULL;
  cairo_rectangle_t rect;
  guint32 cell;

  if (self->scene == NULL || self->refusal != NULL)
    return FALSE;
  if (!keyboard_mode && query_card_tooltip (self, x, y, tooltip))
    return TRUE;

  /* Any cell, of one block or of thousands, under the pointer or the
   * keyboard's focus. */
  if (keyboard_mode)
    cell = self->focus_cell;
  else if (!kvp_scene_get_cell_at (self->scene, x, y, &cell))
    return FALSE;

  if (cell >= kvp_scene_get_n_cells (self->scene))
    return FALSE;
  text = kvp_scene_dup_cell_text (self->scene, cell);
  gtk_tooltip_set_text (tooltip, text);

  /* The tooltip is moved and refreshed when the pointer leaves this cell. */
  if (kvp_scene_get_cell_rect (self->scene, cell, &rect))
    {
      GdkRectangle area = {
        (int) floor (rect.x), (int) floor (rect.y),
        MAX (1, (int) ceil (rect.x + rect.width) - (int) floor (rect.x)),
        MAX (1, (int) ceil (rect.y + rect.height) - (int) floor (rect.y)),
      };
      gtk_tooltip_set_tip_area (tooltip, &area);
    }

  return TRUE;
}

/* Tells a screen reader the cell the keyboard is on, as its tooltip reads. */
static void
announce_focus (KvpCanvas *self)
{
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;

  if (self->scene == NULL || self->focus_cell >= kvp_scene_get_n_cells (self->scene))
    return;

  text = kvp_scene_dup_cell_text (self->scene, self->focus_cell);
  g_strdelimit (text, "\n", ' ');
  /* Translators: the picture's accessible label while the keyboard is on a
   * block of the grid: "Memory comparison: Physical block 3 …" */
  label = g_strdup_printf (_("Memory comparison: %s"), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The next cell from cell in direction step whose held state differs:
 * Page Up / Page Down jump between allocated runs and free space. */
static guint32
find_run_edge (KvpCanvas *self,
               guint32    cell,
               int        step)
{
  guint32 n = kvp_scene_get_n_cells (self->scene);
  gboolean held = kvp_scene_count_held_blocks (self->scene, cell) > 0;
  guint32 limit = 1u << 20; /* a run of free cells this long ends the search */

  for (guint32 i = 0; i < limit; i++)
    {
      if ((step < 0 && cell == 0) || (step > 0 && cell + 1 >= n))
        break;
      cell += step;
      if ((kvp_scene_count_held_blocks (self->scene, cell) > 0) != held)
        break;
    }

  return cell;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                KvpCanvas             *self)
{
  guint32 n, columns, cell;

  if (self->scene == NULL || (n = kvp_scene_get_n_cells (self->scene)) == 0)
    return FALSE;

  columns = kvp_scene_get_grid_columns (self->scene);
  cell = MIN (self->focus_cell, n - 1);

  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left:
      cell = cell > 0 ? cell - 1 : 0;
      break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right:
      cell = MIN (cell + 1, n - 1);
      break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:
      cell = cell >= columns ? cell - columns : cell;
      break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:
      cell = cell + columns < n ? cell + columns : cell;
      break;
    case GDK_KEY_Home: case GDK_KEY_KP_Home:
      cell = 0;
      break;
    case GDK_KEY_End: case GDK_KEY_KP_End:
      cell = n - 1;
      break;
    case GDK_KEY_Page_Down: case GDK_KEY_KP_Page_Down:
      cell = find_run_edge (self, cell, 1);
      break;
    case GDK_KEY_Page_Up: case GDK_KEY_KP_Page_Up:
      cell = find_run_edge (self, cell, -1);
      break;
    default:
      return FALSE;
    }

  self->focus_cell = cell;
  g_debug ("Keyboard on cell %u", cell);
  /* Moved by the keyboard: show where, as GTK does for its own keyboard
   * navigation (keys a widget handles never reach the window's). */
  if (GTK_IS_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))))
    gtk_window_set_focus_visible (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), TRUE);
  announce_focus (self);
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));

  return TRUE;
}

/* The window's focus moved: onto the grid it says the cell, away from it
 * the picture's name again.  Followed on the window, not by focus events,
 * which an inactive window does not get. */
static void
focus_widget_changed_cb (GtkWindow  *window,
                         GParamSpec *pspec,
                         KvpCanvas  *self)
{
  if (gtk_window_get_focus (window) == GTK_WIDGET (self))
    {
      announce_focus (self);
      return;
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Memory comparison"),
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            KvpCanvas       *self)
{
  guint32 cell;

  /* A click on a cell puts the keyboard there. */
  if (self->scene != NULL && kvp_scene_get_cell_at (self->scene, x, y, &cell))
    {
      self->focus_cell = cell;
      gtk_widget_grab_focus (GTK_WIDGET (self));
      announce_focus (self);
    }
}

static void
kvp_canvas_class_init (KvpCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  KvpPictureCanvasClass *canvas_class = KVP_PICTURE_CANVAS_CLASS (klass);

  object_class->dispose = kvp_canvas_dispose;

  widget_class->measure = kvp_canvas_measure;
  widget_class->size_allocate = kvp_canvas_size_allocate;
  widget_class->root = kvp_canvas_root;
  widget_class->unroot = kvp_canvas_unroot;
  widget_class->map = kvp_canvas_map;
  widget_class->query_tooltip = kvp_canvas_query_tooltip;

  canvas_class->ensure_picture = kvp_canvas_ensure_picture;
  canvas_class->paint = kvp_canvas_paint;
  canvas_class->tick = kvp_canvas_tick;
  canvas_class->theme_changed = kvp_canvas_theme_changed;
  canvas_class->animations_changed = kvp_canvas_animations_changed;

  gtk_widget_class_set_css_name (widget_class, "kvpcanvas");
}

static void
kvp_canvas_init (KvpCanvas *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  self->settled = TRUE;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Memory comparison"),
                                  -1);
}

void
kvp_canvas_set_comparison (KvpCanvas     *self,
                           KvpComparison *cmp)
{
  g_autoptr(KvpScene) old_scene = NULL;
  double old_t;

  g_return_if_fail (KVP_IS_CANVAS (self));
  g_return_if_fail (cmp != NULL);

  if (cmp == self->comparison)
    return;

  old_scene = g_steal_pointer (&self->scene);
  old_t = self->settled ? G_MAXDOUBLE : self->t;

  /* The first picture plays the launch sequence; later ones move from what
   * is on screen now, even mid-transition. */
  self->launching = self->comparison == NULL;
  g_clear_pointer (&self->comparison, kvp_comparison_unref);
  g_clear_pointer (&self->focus_text, g_free);
  /* The refusal stays: it is the deploy state's, and a new comparison (a
   * sequence length, a model) does not make vLLM start; only
   * kvp_canvas_set_refusal() lifts it. */
  self->comparison = kvp_comparison_ref (cmp);
  self->settled = FALSE;
  self->scene_valid = FALSE;

  if (gtk_widget_get_width (GTK_WIDGET (self)) > 0)
    build_scene (self, self->launching ? NULL : old_scene, old_t);

  start_clock (self);
  update_description (self);
}

KvpComparison *
kvp_canvas_get_comparison (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return self->comparison;
}

KvpScene *
kvp_canvas_get_scene (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  ensure_scene (self);
  return self->scene;
}

const KvpTheme *
kvp_canvas_get_theme (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return kvp_picture_canvas_get_theme (KVP_PICTURE_CANVAS (self));
}

void
kvp_canvas_replay (KvpCanvas *self)
{
  g_return_if_fail (KVP_IS_CANVAS (self));

  if (self->comparison == NULL)
    return;

  self->launching = TRUE;
  self->settled = FALSE;
  self->scene_valid = FALSE;
  build_scene (self, NULL, 0.0);
  start_clock (self);
}

gboolean
kvp_canvas_get_animating (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), FALSE);

  return kvp_picture_canvas_get_animating (KVP_PICTURE_CANVAS (self));
}

const char *
kvp_canvas_get_description (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return kvp_picture_canvas_get_description (KVP_PICTURE_CANVAS (self));
}

GdkTexture *
kvp_canvas_render_texture (KvpCanvas *self)
{
  g_autoptr(KvpScene) scene = NULL;
  int width, height;

  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  if (self->comparison == NULL || width <= 0 || height <= 0)
    return NULL;

  /* The settled frame: the scene on screen when it is settled (its grid's
   * picture is ready), otherwise a scene of its own. */
  if (self->settled && self->scene != NULL && kvp_scene_is_prepared (self->scene) &&
      kvp_picture_get_width (KVP_PICTURE (self->scene)) == width &&
      kvp_picture_get_height (KVP_PICTURE (self->scene)) == height)
    scene = kvp_scene_ref (self->scene);
  else
    scene = kvp_scene_new (self->comparison, kvp_canvas_get_theme (self), width, height);

  return kvp_picture_canvas_render_picture (KVP_PICTURE_CANVAS (self), KVP_PICTURE (scene));
}

gint64
kvp_canvas_get_last_build_time (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), 0);

  return self->last_build_time;
}

guint32
kvp_canvas_get_focus_cell (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), 0);

  return self->focus_cell;
}

const char *
kvp_canvas_get_focus_text (KvpCanvas         *self,
                           cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  if (self->focus_text != NULL && out_rect != NULL)
    *out_rect = self->focus_label;
  return self->focus_text;
}

/* Why vLLM would not start, drawn instead of the pool; NULL: the pool. */
void
kvp_canvas_set_refusal (KvpCanvas  *self,
                        const char *refusal)
{
  g_return_if_fail (KVP_IS_CANVAS (self));

  if (g_strcmp0 (self->refusal, refusal) == 0)
    return;
  g_free (self->refusal);
  self->refusal = g_strdup (refusal);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
kvp_canvas_get_refusal (KvpCanvas *self)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  return self->refusal;
}

/* The tooltip of the metric card at x, y, and the card's rectangle; NULL
 * off the cards. */
const char *
kvp_canvas_get_card_tooltip (KvpCanvas         *self,
                             double             x,
                             double             y,
                             cairo_rectangle_t *out_rect)
{
  g_return_val_if_fail (KVP_IS_CANVAS (self), NULL);

  if (self->scene == NULL || self->refusal != NULL)
    return NULL;
  for (KvpCard card = 0; card < KVP_N_CARDS; card++)
    {
      cairo_rectangle_t r;

      if (!kvp_scene_get_card_rect (self->scene, card, &r) || x < r.x || x >= r.x + r.width || y < r.y ||
          y >= r.y + r.height)
        continue;
      if (out_rect != NULL)
        *out_rect = r;
      return card_tooltip (self, card);
    }
  return NULL;
}
