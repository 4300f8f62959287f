/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-serving-scene.c: the serving view at one step.  Every slot of both
 * pools is in one run (a request's tokens, its reservation, fragmentation)
 * or free; the grids are images in which each device pixel shows the run
 * that covers most of its slots, so a frame costs the same at ten blocks or
 * ten million and never a Cairo path per block. */

#define G_LOG_DOMAIN "kvpage-render"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-buddy.h"
#include "kvp-format.h"
#include "kvp-hue.h"
#include "kvp-serving-paint.h"
#include "kvp-serving-scene-private.h"

/* Cells narrower than this are one pixel standing for k blocks. */
#define MIN_CELL_PITCH   4.0
/* Waiting requests shown as chips at most. */
#define MAX_CHIPS        200

static void
leave_out (KvpText *text)
{
  kvp_text_clear (text);
  text->width = text->height = 0.0;
}

/* Tabular figures: numbers that change each step stay put.  Every text is
 * shown whole or not at all: one wider than max_width (when given) is left
 * out. */
static void
set_text (KvpServingScene *self,
          KvpText         *text,
          const char      *string,
          double           size,
          PangoWeight      weight,
          double           x,
          double           y,
          double           max_width)
{
  kvp_text_set (text, kvp_picture_new_layout (&self->parent, string, size, weight, KVP_TEXT_TABULAR, -1), x, y);
  if (max_width > 0.0 && text->width > max_width)
    leave_out (text);
}

/* A heading: smaller, down to three quarters of size, before it is left out. */
static void
set_text_shrunk (KvpServingScene *self,
                 KvpText         *text,
                 const char      *string,
                 double           size,
                 PangoWeight      weight,
                 double           x,
                 double           y,
                 double           max_width)
{
  double fit = kvp_picture_fit_size (&self->parent, &string, 1, size, weight, max_width);

  set_text (self, text, string, MAX (fit, 0.75 * size), weight, x, y, max_width);
}

/* Lines of at most width, broken between words; left out when a word is
 * wider than that. */
static void
set_text_wrapped (KvpServingScene *self,
                  KvpText         *text,
                  const char      *string,
                  double           size,
                  PangoWeight      weight,
                  double           x,
                  double           y,
                  double           width)
{
  kvp_text_set (text, kvp_picture_new_layout (&self->parent, string, size, weight, KVP_TEXT_TABULAR,
                                              MAX (width, 1.0)), x, y);
  if (kvp_text_is_cut (text))
    leave_out (text);
}

static int
compare_runs (gconstpointer a,
              gconstpointer b)
{
  const KvpServingRun *ra = a, *rb = b;

  return ra->start < rb->start ? -1 : ra->start > rb->start;
}

static void
add_run (GArray  *runs,
         guint64  start,
         guint64  end,
         guint32  request,
         guint32  klass)
{
  KvpServingRun run = { start, end, request, klass };

  if (end > start)
    g_array_append_val (runs, run);
}

static const KvpServingShared *find_shared (const KvpServingPanelData *panel,
                                            guint32                    block);

/* The runs of a paged pool: each block of a running request holds tokens,
 * then slots its later tokens will fill, then (in its last block, past the
 * request's final length) internal fragmentation. */
static void
collect_paged_runs (KvpServingScene     *self,
                    KvpServingPanelData *panel)
{
  const KvpSimSnapshot *snap = panel->snapshot;
  guint64 b = self->block_size;

  for (guint i = 0; i < snap->n_running; i++)
    {
      guint32 id = snap->running[i];
      const KvpSimRequestState *r = &snap->requests[id];
      guint64 final = (guint64) r->prompt_len + r->output_len;

      for (guint32 j = 0; j < r->n_blocks; j++)
        {
          guint64 start = (guint64) r->blocks[j] * b;
          guint64 first = (guint64) j * b;   /* logical slot of its first token */
          guint64 held = MIN (b, r->tokens_held > first ? r->tokens_held - first : 0);
          guint64 cap = MIN (b, final > first ? final - first : 0);
          const KvpServingShared *shared = find_shared (panel, r->blocks[j]);

          /* A shared block is drawn once, in its first holder's colour
           * (runs must not overlap); its ring and count say the rest. */
          if (shared != NULL && g_array_index (panel->holders, guint32, 2 * shared->first + 1) != id)
            continue;
          add_run (panel->runs, start, start + held, id, KVP_SLOT_TOKEN_STATES);
          add_run (panel->runs, start + held, start + MAX (held, cap), id, KVP_SLOT_RESERVATION);
          add_run (panel->runs, start + MAX (held, cap), start + b, id, KVP_SLOT_INTERNAL_FRAGMENTATION);
        }
    }

  /* Free blocks still holding their hash: nobody's, a class of their own. */
  for (guint i = 0; i < snap->n_cached_free; i++)
    add_run (panel->runs, (guint64) snap->cached_free[i] * b, (guint64) (snap->cached_free[i] + 1) * b,
             G_MAXUINT32, KVP_SLOT_CACHED_FREE);
}

static int
compare_pairs (gconstpointer a,
               gconstpointer b)
{
  const guint32 *x = a, *y = b;

  if (x[0] != y[0])
    return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* The blocks several running requests hold (a prefix cache hit takes a
 * cached block and raises its reference count): each block's holders from
 * the snapshot's block tables, O(blocks held × log). */
static void
collect_shared (KvpServingPanelData *panel)
{
  const KvpSimSnapshot *snap = panel->snapshot;

  panel->holders = g_array_new (FALSE, FALSE, 2 * sizeof (guint32));
  panel->shared = g_array_new (FALSE, FALSE, sizeof (KvpServingShared));
  for (guint i = 0; i < snap->n_running; i++)
    {
      const KvpSimRequestState *r = &snap->requests[snap->running[i]];

      for (guint32 j = 0; j < r->n_blocks; j++)
        {
          guint32 pair[2] = { r->blocks[j], snap->running[i] };

          g_array_append_val (panel->holders, pair);
        }
    }
  g_array_sort (panel->holders, compare_pairs);
  for (guint i = 0, j; i < panel->holders->len; i = j)
    {
      const guint32 *first = &g_array_index (panel->holders, guint32, 2 * i);

      for (j = i + 1; j < panel->holders->len && g_array_index (panel->holders, guint32, 2 * j) == first[0]; j++)
        ;
      if (j - i > 1)
        {
          KvpServingShared shared = { first[0], i, j - i };

          g_array_append_val (panel->shared, shared);
        }
    }
}

static const KvpServingShared *
find_shared (const KvpServingPanelData *panel,
             guint32                    block)
{
  guint lo = 0, hi = panel->shared != NULL ? panel->shared->len : 0;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const KvpServingShared *s = &g_array_index (panel->shared, KvpServingShared, mid);

      if (s->block == block)
        return s;
      if (s->block < block)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

static gboolean
same_holders (const KvpServingPanelData *panel,
              const KvpServingShared    *a,
              const KvpServingShared    *b)
{
  if (a == NULL || b == NULL || a->count != b->count)
    return FALSE;
  for (guint32 k = 0; k < a->count; k++)
    if (g_array_index (panel->holders, guint32, 2 * (a->first + k) + 1)
        != g_array_index (panel->holders, guint32, 2 * (b->first + k) + 1))
      return FALSE;
  return TRUE;
}

/* A running request's shared blocks, consecutive ones with the same
 * holders together: "blocks 0–15 shared by 3 requests: 0, 4, 7". */
static void
append_sharing (KvpServingScene          *self,
                const KvpSimRequestState *r,
                GString                  *text)
{
  const KvpServingPanelData *panel = &self->panels[KVP_SERVING_PANEL_PAGED];

  for (guint32 i = 0, j; i < r->n_blocks; i = j)
    {
      const KvpServingShared *s = find_shared (panel, r->blocks[i]);

      for (j = i + 1; j < r->n_blocks && same_holders (panel, s, find_shared (panel, r->blocks[j])); j++)
        ;
      if (s == NULL)
        continue;
      g_string_append (text, "; ");
      if (j - i > 1)
        /* Translators: logical blocks first–last of a request's table, each
         * held by that many requests (its reference count), then who. */
        g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "blocks %u–%u shared by %u request: ",
                                                "blocks %u–%u shared by %u requests: ", s->count),
                                i, j - 1, s->count);
      else
        g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "block %u shared by %u request: ",
                                                "block %u shared by %u requests: ", s->count), i, s->count);
      for (guint32 k = 0; k < s->count; k++)
        g_string_append_printf (text, "%s%u", k > 0 ? ", " : "",
                                g_array_index (panel->holders, guint32, 2 * (s->first + k) + 1));
    }
}

/* The runs of a reserve-ahead cache: one buddy block per running request,
 * its tokens, the rest of its final length, what it reserves beyond that,
 * and the buddy allocator's round-up. */
static void
collect_reserved_runs (KvpServingPanelData *panel)
{
  const KvpSimSnapshot *snap = panel->snapshot;

  for (guint i = 0; i < snap->n_running; i++)
    {
      guint32 id = snap->running[i];
      const KvpSimRequestState *r = &snap->requests[id];
      guint64 o = r->slot_offset;

      add_run (panel->runs, o, o + r->tokens_held, id, KVP_SLOT_TOKEN_STATES);
      add_run (panel->runs, o + r->tokens_held, o + r->final_len, id, KVP_SLOT_RESERVATION);
      add_run (panel->runs, o + r->final_len, o + r->reserved, id, KVP_SLOT_INTERNAL_FRAGMENTATION);
      add_run (panel->runs, o + r->reserved, o + r->rounded, id, KVP_SLOT_EXTERNAL_FRAGMENTATION);
    }
}

/* What a reserve-ahead scheme reserves for a request, as kvp-simulation.h
 * states it: Max the maximum length, Pow2 the prompt and the output rounded
 * up to a power of two (at most the maximum), Oracle prompt + output. */
static guint64
reservation_of (KvpServingScene          *self,
                KvpScheme                 scheme,
                const KvpSimRequestState *r)
{
  guint32 max_seq_len = kvp_simulation_get_config (kvp_serving_steps_get_simulation (self->steps))->max_seq_len;

  switch (scheme)
    {
    case KVP_SCHEME_MAX:
      return max_seq_len;
    case KVP_SCHEME_POW2:
      return MIN ((guint64) r->prompt_len + kvp_buddy_round_up (r->output_len), (guint64) max_seq_len);
    case KVP_SCHEME_ORACLE:
    case KVP_SCHEME_PAGED:
    case KVP_N_SCHEMES:
    default:
      return (guint64) r->prompt_len + r->output_len;
    }
}

static int
compare_offsets (gconstpointer a,
                 gconstpointer b)
{
  const guint64 *x = a, *y = b;

  return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The largest block the buddy allocator could hand out now: the largest
 * power of two, aligned within its top block (the space is cut into its
 * binary digits, largest first), that no running request's block overlaps. */
static guint64
largest_free_block (KvpServingScene     *self,
                    KvpServingPanelData *panel)
{
  const KvpSimSnapshot *snap = panel->snapshot;
  g_autofree guint64 *taken = g_new (guint64, 2 * (gsize) snap->n_running + 2);
  guint64 best = 0, base = 0;
  guint n = 0, next = 0;

  for (guint i = 0; i < snap->n_running; i++, n++)
    {
      taken[2 * n] = snap->requests[snap->running[i]].slot_offset;
      taken[2 * n + 1] = taken[2 * n] + snap->requests[snap->running[i]].rounded;
    }
  qsort (taken, n, 2 * sizeof (guint64), compare_offsets);

  for (int bit = 63; bit >= 0; bit--)
    {
      guint64 top = G_GUINT64_CONSTANT (1) << bit, end;
      guint64 at = base;

      if ((self->n_slots & top) == 0)
        continue;
      end = base + top;
      /* The free gaps of this top block, one after another. */
      while (at < end)
        {
          guint64 gap_end = next < n && taken[2 * next] < end ? taken[2 * next] : end;

          for (guint64 size = top; size > best && gap_end > at; size >>= 1)
            {
              guint64 start = base + (at - base + size - 1) / size * size;

              if (start + size <= gap_end)
                {
                  best = size;
                  break;
                }
            }
          if (gap_end >= end)
            break;
          at = taken[2 * next + 1];
          next++;
        }
      base = end;
    }

  return best;
}

static void
load_panel (KvpServingScene     *self,
            KvpServingPanelData *panel,
            KvpScheme            scheme)
{
  KvpSimulation *sim = kvp_serving_steps_get_simulation (self->steps);
  KvpServingSchemeStep at;
  const KvpSimStep *steps;
  guint n;

  panel->scheme = scheme;
  panel->runs = g_array_new (FALSE, FALSE, sizeof (KvpServingRun));
  steps = kvp_simulation_get_steps (sim, scheme, &n);
  kvp_serving_steps_lookup (self->steps, scheme, self->step, &at);

  if (at.recorded)
    {
      panel->snapshot = kvp_simulation_get_snapshot (sim, scheme, at.step);
      panel->totals = steps[at.step];
      panel->counts = kvp_sim_step_count_requests (&panel->totals, self->n_requests, FALSE);
      /* The step's own split: free slots are external only when memory
       * kept the queue's head out, which left none counted free. */
      panel->free_is_external = panel->totals.n_waiting > 0 && panel->totals.slots[KVP_SLOT_FREE] == 0;
      if (scheme == KVP_SCHEME_PAGED)
        {
          collect_shared (panel);
          collect_paged_runs (self, panel);
        }
      else
        collect_reserved_runs (panel);
      g_array_sort (panel->runs, compare_runs);
      if (scheme != KVP_SCHEME_PAGED && panel->snapshot->n_waiting > 0)
        {
          panel->head_block = kvp_buddy_round_up (reservation_of (self, scheme,
                                                                  &panel->snapshot->requests[panel->snapshot->waiting[0]]));
          panel->largest_free = largest_free_block (self, panel);
        }
      return;
    }

  /* Idle: everything that arrived has finished (or nothing has arrived);
   * a conversation's next turns may be thinking. */
  memset (&panel->totals, 0, sizeof panel->totals);
  panel->totals.start_ns = panel->totals.end_ns = self->time_ns;
  panel->counts = kvp_sim_step_count_requests (at.has_before ? &steps[at.step] : NULL, self->n_requests, TRUE);
  if (at.has_before)
    {
      /* Nothing runs or waits after that step: all it ran has finished. */
      panel->totals.n_finished = panel->counts.finished;
      panel->totals.n_between_turns = panel->counts.between_turns;
      panel->totals.n_preemptions = steps[at.step].n_preemptions;
      panel->totals.prefix_queries_tokens = steps[at.step].prefix_queries_tokens;
      panel->totals.prefix_hits_tokens = steps[at.step].prefix_hits_tokens;
    }
  panel->totals.slots[KVP_SLOT_FREE] = self->n_slots;
  /* An idle pool keeps its cached blocks until a new use evicts them. */
  if (scheme == KVP_SCHEME_PAGED && at.has_before)
    {
      guint n_cached = 0;
      g_autofree guint32 *cached = kvp_simulation_dup_cached_free_after (sim, scheme, at.step, &n_cached);

      for (guint i = 0; i < n_cached; i++)
        add_run (panel->runs, (guint64) cached[i] * self->block_size, (guint64) (cached[i] + 1) * self->block_size,
                 G_MAXUINT32, KVP_SLOT_CACHED_FREE);
      panel->totals.slots[KVP_SLOT_CACHED_FREE] = (guint64) n_cached * self->block_size;
      panel->totals.slots[KVP_SLOT_FREE] -= panel->totals.slots[KVP_SLOT_CACHED_FREE];
    }
}

static double
token_share (const KvpSimStep *totals,
             guint64           n_slots)
{
  return n_slots > 0 ? 100.0 * totals->slots[KVP_SLOT_TOKEN_STATES] / n_slots : 0.0;
}

static int
ms_digits (double ms)
{
  return ms < 10 ? 1 : 0;
}

/* "120 / 340 ms": the median and the 99th percentile so far, or a dash
 * before any request has finished. */
static char *
format_latency (const KvpLatencySummary *l)
{
  if (l->count == 0)
    return g_strdup ("—");
  /* Seconds once the tail reaches one: "1.33 / 25.6 s", not "1329 / 25618 ms". */
  if (l->p99 >= 1000.0)
    {
      double p50 = l->p50 / 1e3, p99 = l->p99 / 1e3;

      /* Translators: a latency's median and 99th percentile, "1.33 / 25.6 s";
       * a no-break space before the unit, so a card's caption never wraps
       * between "25.6" and "s". */
      return g_strdup_printf (_("%.*f / %.*f\u00a0s"), p50 < 10 ? 2 : p50 < 100 ? 1 : 0, p50,
                              p99 < 10 ? 2 : p99 < 100 ? 1 : 0, p99);
    }
  /* Translators: a latency's median and 99th percentile, "120 / 340 ms",
   * a no-break space before the unit. */
  return g_strdup_printf (_("%.*f / %.*f\u00a0ms"), ms_digits (l->p50), l->p50, ms_digits (l->p99), l->p99);
}

/* TTFT or TPOT of a panel's scheme over the requests finished by the time
 * shown, as core computes them. */
static char *
panel_latency (KvpServingScene *self,
               KvpServingPanel  panel,
               KvpLatency       latency)
{
  KvpServingPanelData *data = &self->panels[panel];
  KvpLatencySummary summary;

  kvp_simulation_get_latency_so_far (kvp_serving_steps_get_simulation (self->steps), data->scheme,
                                     data->totals.n_finished, latency, &summary);
  return format_latency (&summary);
}

static void
write_latency_cards (KvpServingScene *self,
                     const char      *other)
{
  static const KvpLatency latencies[] = { KVP_LATENCY_TTFT, KVP_LATENCY_TPOT };
  static const KvpServingCard cards[] = { KVP_SERVING_CARD_TTFT, KVP_SERVING_CARD_TPOT };

  for (guint i = 0; i < G_N_ELEMENTS (cards); i++)
    {
      KvpCardTexts *card = &self->cards[cards[i]];
      g_autofree char *pc = panel_latency (self, KVP_SERVING_PANEL_COMPARED, latencies[i]);

      /* Translators: card titles; p50 / p99 of the requests finished so far. */
      card->title = g_strdup (i == 0 ? _("TTFT p50 / p99") : _("TPOT p50 / p99"));
      card->value = panel_latency (self, KVP_SERVING_PANEL_PAGED, latencies[i]);
      card->caption = g_strdup_printf (_("PagedAttention · %s: %s"), other, pc);
    }
}

static void
write_card_texts (KvpServingScene *self)
{
  const KvpSimStep *p = &self->panels[KVP_SERVING_PANEL_PAGED].totals;
  const KvpSimStep *c = &self->panels[KVP_SERVING_PANEL_COMPARED].totals;
  const KvpRequestCounts *pn = &self->panels[KVP_SERVING_PANEL_PAGED].counts;
  const KvpRequestCounts *cn = &self->panels[KVP_SERVING_PANEL_COMPARED].counts;
  const char *other = kvp_picture_scheme_title (self->panels[KVP_SERVING_PANEL_COMPARED].scheme);
  g_autofree char *pc = NULL;

  self->cards[KVP_SERVING_CARD_RUNNING].title = g_strdup (_("Running"));
  self->cards[KVP_SERVING_CARD_RUNNING].value = kvp_format_count (pn->running);
  pc = kvp_format_count (cn->running);
  /* Translators: a card's caption: "PagedAttention · Max: 8" */
  self->cards[KVP_SERVING_CARD_RUNNING].caption = g_strdup_printf (_("PagedAttention · %s: %s"), other, pc);
  g_clear_pointer (&pc, g_free);

  self->cards[KVP_SERVING_CARD_WAITING].title = g_strdup (_("Waiting"));
  self->cards[KVP_SERVING_CARD_WAITING].value = kvp_format_count (pn->waiting);
  pc = kvp_format_count (cn->waiting);
  self->cards[KVP_SERVING_CARD_WAITING].caption = g_strdup_printf (_("PagedAttention · %s: %s"), other, pc);
  g_clear_pointer (&pc, g_free);

  /* A conversation whose next message is still being written is neither
   * running nor waiting: counted here, so the cards never read 0 and 0
   * while conversations are open.
   * Translators: a card's title: requests whose conversation is in its
   * think time (the previous answer ended, the next message not sent). */
  self->cards[KVP_SERVING_CARD_BETWEEN_TURNS].title = g_strdup (_("Between turns"));
  self->cards[KVP_SERVING_CARD_BETWEEN_TURNS].value = kvp_format_count (pn->between_turns);
  pc = kvp_format_count (cn->between_turns);
  self->cards[KVP_SERVING_CARD_BETWEEN_TURNS].caption = g_strdup_printf (_("PagedAttention · %s: %s"), other, pc);
  g_clear_pointer (&pc, g_free);

  write_latency_cards (self, other);

  self->cards[KVP_SERVING_CARD_TOKENS].title = g_strdup (_("Token states"));
  self->cards[KVP_SERVING_CARD_TOKENS].value = kvp_format_percent (token_share (p, self->n_slots));
  pc = kvp_format_percent (token_share (c, self->n_slots));
  self->cards[KVP_SERVING_CARD_TOKENS].caption = g_strdup_printf (_("PagedAttention · %s: %s"), other, pc);
  g_clear_pointer (&pc, g_free);

  self->cards[KVP_SERVING_CARD_PREEMPTIONS].title = g_strdup (_("Preemptions so far"));
  self->cards[KVP_SERVING_CARD_PREEMPTIONS].value = kvp_format_count (p->n_preemptions);
  /* Translators: a card's caption; reserve-ahead caches hold a request's
   * whole reservation from the start, so they never preempt. */
  self->cards[KVP_SERVING_CARD_PREEMPTIONS].caption = g_strdup_printf (_("PagedAttention · %s never preempts"), other);

  /* The scheduler's counters at this step, as --json's prefix_cache gives
   * them for the whole run. */
  self->cards[KVP_SERVING_CARD_PREFIX_HITS].title = g_strdup (_("Prefix hits so far"));
  self->cards[KVP_SERVING_CARD_PREFIX_HITS].value =
    kvp_format_percent (kvp_sim_step_get_prefix_hit_rate_percent (p));
  pc = kvp_format_count (p->prefix_hits_tokens);
  {
    g_autofree char *queries = kvp_format_count (p->prefix_queries_tokens);

    /* Not "of N prompt tokens": vLLM counts a lookup each time a waiting
     * request is tried, so a request refused for want of blocks is looked
     * up again: a busy conversation run looks up several times the tokens
     * its prompts hold.
     * Translators: a card's caption: "PagedAttention · 120 of 400 tokens
     * looked up", the prompt tokens found in the prefix cache of those
     * looked up (reserve-ahead caches share nothing). */
    self->cards[KVP_SERVING_CARD_PREFIX_HITS].caption =
      g_strdup_printf (_("PagedAttention · %s of %s tokens looked up"), pc, queries);
  }
}

/* The largest whole pitch at which n cells fit w × h, columns chosen to
 * fill it (small counts try every column count). */
static void
choose_pitch (KvpServingScene *self,
              double           w,
              double           h)
{
  guint64 n = self->num_blocks;
  guint64 estimate, lo, hi;
  double best = 0.0;

  /* A tiny window still gets a grid of one unit a cell. */
  w = MAX (w, 1.0);
  h = MAX (h, 1.0);
  estimate = (guint64) ceil (sqrt (n * w / h));
  lo = n <= 4096 ? 1 : (estimate > 3 ? estimate - 3 : 1);
  hi = n <= 4096 ? n : MIN (n, estimate + 3);

  for (guint64 c = lo; c <= hi; c++)
    {
      guint64 r = (n + c - 1) / c;
      double p = MIN (w / c, h / r);

      if (p > best)
        best = p;
    }

  self->group = 1;
  if (best >= MIN_CELL_PITCH)
    {
      double gap;

      self->pitch = floor (MIN (best, 40.0 * MAX (self->parent.unit, 0.6)));
      gap = self->pitch >= 8.0 ? MAX (1.0, round (self->pitch * 0.12)) : 1.0;
      self->cell = self->pitch - gap;
      self->columns = (guint32) MIN ((guint64) floor (w / self->pitch), n);
      self->columns = MAX (self->columns, 1);
      self->n_cells = self->num_blocks;
      self->rows = (self->n_cells + self->columns - 1) / self->columns;
      return;
    }

  /* Too small for gaps: cells touch, a few units each while one block a
   * cell fits, else one unit per cell and as many blocks a cell as it takes. */
  self->pitch = self->cell = MAX (floor (best), 1.0);
  self->columns = MAX ((guint32) floor (w / self->pitch), 1);
  for (;;)
    {
      self->n_cells = (guint32) ((n + self->group - 1) / self->group);
      self->rows = (self->n_cells + self->columns - 1) / self->columns;
      if (self->rows <= MAX (floor (h / self->pitch), 1.0))
        break;
      self->group++;
    }
}

static void
layout_grid_panel (KvpServingScene     *self,
                   KvpServingPanelData *panel,
                   double               pad,
                   double               text)
{
  g_autofree char *heading = NULL;
  g_autofree char *waiting = NULL;
  g_autofree char *count = kvp_format_count (panel->counts.waiting);
  g_autofree char *finished = kvp_format_count (panel->counts.finished);
  cairo_rectangle_t *r = &panel->rect;
  double y;

  if (panel->scheme == KVP_SCHEME_PAGED)
    heading = g_strdup (_("PagedAttention: blocks on demand"));
  else
    /* Translators: "Max: one reservation per request" */
    heading = g_strdup_printf (_("%s: one reservation per request"), kvp_picture_scheme_title (panel->scheme));
  set_text_shrunk (self, &panel->heading, heading, 15 * text, PANGO_WEIGHT_SEMIBOLD, r->x + pad, r->y + pad,
                   r->width - 2 * pad);
  /* Too narrow for the whole heading: the scheme's name alone. */
  if (panel->heading.layout == NULL)
    set_text_shrunk (self, &panel->heading, kvp_picture_scheme_title (panel->scheme), 15 * text, PANGO_WEIGHT_SEMIBOLD,
                     r->x + pad, r->y + pad, r->width - 2 * pad);

  /* Translators: how many requests wait (the chips after it show them) and
   * how many have finished. */
  if (self->turns)
    {
      g_autofree char *between = kvp_format_count (panel->counts.between_turns);

      /* Translators: how many requests have finished, are in their
       * conversation's think time, and wait (the chips after it). */
      waiting = g_strdup_printf (_("Finished: %s · between turns: %s · waiting: %s"), finished, between, count);
    }
  else
    waiting = g_strdup_printf (_("Finished: %s · waiting: %s"), finished, count);
  y = r->y + r->height - pad - 13 * text * 1.3;
  if (panel->head_block > 0)
    {
      g_autofree char *need = kvp_format_count (panel->head_block);
      g_autofree char *largest = kvp_format_count (panel->largest_free);
      /* Translators: why the head of a reserve-ahead queue waits: the buddy
       * block its reservation needs, and the largest one free. */
      g_autofree char *why = g_strdup_printf (_("%s · next needs a block of %s, the largest free is %s"),
                                              waiting, need, largest);

      /* The reason only when it fits whole. */
      set_text (self, &panel->waiting, why, 13 * text, PANGO_WEIGHT_NORMAL, r->x + pad, y, r->width - 2 * pad);
      if (panel->waiting.layout != NULL)
        {
          g_free (waiting);
          waiting = g_steal_pointer (&why);
        }
    }
  set_text (self, &panel->waiting, waiting, 13 * text, PANGO_WEIGHT_NORMAL, r->x + pad, y, r->width - 2 * pad);
  panel->chip = round (12 * text);
  panel->chips.x = panel->waiting.x + panel->waiting.width + round (8 * text);
  panel->chips.y = y + (panel->waiting.height - panel->chip) / 2;
  panel->chips.width = r->x + r->width - pad - panel->chips.x - round (80 * text);
  panel->chips.height = panel->chip;
  panel->n_chips = 0;
  if (panel->snapshot != NULL)
    {
      guint fit = (guint) MAX (0.0, floor ((panel->chips.width + 3) / (panel->chip + 3)));

      panel->n_chips = MIN (MIN (panel->snapshot->n_waiting, fit), MAX_CHIPS);
      if (panel->n_chips < panel->snapshot->n_waiting)
        {
          g_autofree char *rest = kvp_format_count (panel->snapshot->n_waiting - panel->n_chips);
          /* Translators: after the chips of the first waiting requests. */
          g_autofree char *more = g_strdup_printf (_("+%s more"), rest);

          double more_x = panel->chips.x + panel->n_chips * (panel->chip + 3) + 4;

          set_text (self, &panel->more, more, 12 * text, PANGO_WEIGHT_NORMAL, more_x, y,
                    MAX (r->x + r->width - pad - more_x, 0.5));
        }
    }
}

static void
layout_grids (KvpServingScene *self,
              double           x,
              double           y,
              double           width,
              double           height,
              double           gap,
              double           pad,
              double           text)
{
  double panel_h = floor ((height - gap) / 2);

  y = round (y);
  double head = 15 * text * 1.4 + round (8 * text);
  double foot = 13 * text * 1.4 + round (8 * text);
  double grid_w = width - 2 * pad, grid_h = panel_h - 2 * pad - head - foot;
  g_autofree char *detail = NULL;
  /* As the header's pool line writes them. */
  g_autofree char *slots = kvp_format_count (self->n_slots);
  g_autofree char *blocks = kvp_format_count (self->num_blocks);

  choose_pitch (self, grid_w, grid_h);

  if (self->group == 1)
    /* Translators: "16,384 token slots · 1,024 cells of 16" */
    detail = g_strdup_printf (_("%s token slots · %s cells of %u"), slots, blocks, self->block_size);
  else
    {
      g_autofree char *group = kvp_format_count ((guint64) self->group * self->block_size);
      /* Translators: "16,777,216 token slots · a pixel shows 256" */
      detail = g_strdup_printf (_("%s token slots · a pixel shows %s"), slots, group);
    }

  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &self->panels[i];
      double gw = self->columns * self->pitch - (self->pitch - self->cell);
      double gh = self->rows * self->pitch - (self->pitch - self->cell);

      panel->rect = (cairo_rectangle_t) { x, y + i * (panel_h + gap), width, panel_h };
      layout_grid_panel (self, panel, pad, text);
      set_text (self, &panel->detail, detail, 12 * text, PANGO_WEIGHT_NORMAL, 0, 0, 0);
      panel->detail.x = x + width - pad - panel->detail.width;
      panel->detail.y = panel->heading.y + (panel->heading.height - panel->detail.height) / 2;
      /* A narrow panel keeps its heading and drops the detail. */
      if (panel->heading.x + panel->heading.width + 12 * text > panel->detail.x)
        g_clear_object (&panel->detail.layout);
      /* Both grids start at the same offset in their panels: the same cell
       * is the same slots, one above the other. */
      panel->grid.x = x + pad;
      panel->grid.y = round (panel->rect.y + pad + head + floor ((grid_h - gh) / 2));
      panel->grid.width = gw;
      panel->grid.height = gh;
    }
}

/* The cards (the latency cards only when latencies) in columns columns:
 * titles and values each at one size that fits every card, captions (whose scheme the values are) wrapped between
 * words.  Returns the cards' height, or 0 when a text cannot be shown whole. */
/* Cards a workload has no figure for: between turns, without turns. */
static guint
absent_cards (KvpServingScene *self)
{
  return self->turns ? 0u : 1u << KVP_SERVING_CARD_BETWEEN_TURNS;
}

static double
layout_cards_in (KvpServingScene *self,
                 guint            columns,
                 guint            left_out,
                 double           x,
                 double           y,
                 double           width,
                 double           gap,
                 double           pad,
                 double           text)
{
  double card_w = (width - (columns - 1) * gap) / columns;
  double inner = round (card_w) - 2 * pad;
  const char *titles[KVP_SERVING_N_CARDS], *values[KVP_SERVING_N_CARDS];
  guint shown[KVP_SERVING_N_CARDS], n = 0;
  double title_size, value_size, title_h = 0.0, value_h = 0.0, caption_h = 0.0, height;
  gboolean wrap_titles, whole = TRUE;

  left_out |= absent_cards (self);
  for (guint i = 0; i < KVP_SERVING_N_CARDS; i++)
    {
      self->card_rect[i] = (cairo_rectangle_t) { 0 };
      if (left_out & (1u << i))
        {
          leave_out (&self->cards[i].title_text);
          leave_out (&self->cards[i].value_text);
          leave_out (&self->cards[i].caption_text);
          continue;
        }
      titles[n] = self->cards[i].title;
      values[n] = self->cards[i].value;
      shown[n++] = i;
    }
  title_size = kvp_picture_fit_size (&self->parent, titles, n, 13 * text, PANGO_WEIGHT_SEMIBOLD, inner);
  value_size = kvp_picture_fit_size (&self->parent, values, n, 26 * text, PANGO_WEIGHT_BOLD, inner);
  /* Below three quarters a title takes two lines instead. */
  wrap_titles = title_size < 0.75 * 13 * text;
  title_size = MAX (title_size, 0.75 * 13 * text);

  for (guint k = 0; k < n; k++)
    {
      cairo_rectangle_t *r = &self->card_rect[shown[k]];
      KvpCardTexts *card = &self->cards[shown[k]];

      *r = (cairo_rectangle_t) { round (x + (k % columns) * (card_w + gap)), 0, round (card_w), 0 };
      if (wrap_titles)
        set_text_wrapped (self, &card->title_text, card->title, title_size, PANGO_WEIGHT_SEMIBOLD, r->x + pad, 0,
                          inner);
      else
        set_text (self, &card->title_text, card->title, title_size, PANGO_WEIGHT_SEMIBOLD, r->x + pad, 0, inner);
      set_text (self, &card->value_text, card->value, value_size, PANGO_WEIGHT_BOLD, r->x + pad, 0, inner);
      /* A caption a little smaller before the cards take two rows. */
      for (double f = 1.0; f >= 0.74; f -= 0.125)
        {
          set_text_wrapped (self, &card->caption_text, card->caption, f * 12 * text, PANGO_WEIGHT_NORMAL,
                            r->x + pad, 0, inner);
          if (card->caption_text.layout != NULL)
            break;
        }
      whole = whole && card->title_text.layout != NULL && card->caption_text.layout != NULL;
      title_h = MAX (title_h, card->title_text.height);
      value_h = MAX (value_h, card->value_text.height);
      caption_h = MAX (caption_h, card->caption_text.height);
    }
  if (!whole)
    return 0.0;

  height = round (pad + title_h + 2 * text + value_h + 2 * text + caption_h + pad);
  for (guint k = 0; k < n; k++)
    {
      KvpCardTexts *card = &self->cards[shown[k]];
      cairo_rectangle_t *r = &self->card_rect[shown[k]];

      r->y = y + (k / columns) * (height + gap);
      r->height = height;
      card->title_text.y = r->y + pad;
      card->value_text.y = card->title_text.y + title_h + 2 * text;
      card->caption_text.y = card->value_text.y + value_h + 2 * text;
    }

  return ((n + columns - 1) / columns) * (height + gap) - gap;
}

/* Cards left out of the smaller layouts: the latencies first, then the
 * prefix cache's hit rate. */
#define LATENCY_CARDS ((1u << KVP_SERVING_CARD_TTFT) | (1u << KVP_SERVING_CARD_TPOT))
#define SMALL_CARDS   (LATENCY_CARDS | (1u << KVP_SERVING_CARD_PREFIX_HITS))

/* The seven cards (eight with turns) in a row, or in two rows of four;
 * where that takes the grids room (the window's small pictures), the five
 * (six) counts alone in a row or two rows of three, the latency cards left
 * out; in the smallest the four (five) counts of the step in a row or two
 * rows of two (three).  Returns the height they take. */
static double
layout_cards (KvpServingScene *self,
              double           x,
              double           y,
              double           width,
              double           gap,
              double           pad,
              double           text)
{
  static const guint counts_left_out[] = { LATENCY_CARDS, SMALL_CARDS };
  guint n = 0;
  double height;
  double counts[2] = { 0.0, 0.0 };
  guint columns[2] = { 0, 0 };
  guint pick;

  for (guint i = 0; i < KVP_SERVING_N_CARDS; i++)
    n += !(absent_cards (self) & (1u << i));
  height = layout_cards_in (self, n, 0, x, y, width, gap, pad, text);
  if (height > 0.0)
    return height;
  /* The hit rate stays while it costs the grids no height. */
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < 2 && counts[i] <= 0.0; j++)
      {
        guint shown = n - (i == 0 ? 2 : 3);

        /* All in a row, or in two. */
        columns[i] = j == 0 ? shown : (shown + 1) / 2;
        counts[i] = layout_cards_in (self, columns[i], counts_left_out[i], x, y, width, gap, pad, text);
      }
  pick = counts[0] > 0.0 && (counts[1] <= 0.0 || counts[0] <= counts[1]) ? 0 : 1;
  height = layout_cards_in (self, (n + 1) / 2, 0, x, y, width, gap, pad, text);
  if (height > 0.0 && height <= counts[pick])
    return height;
  return layout_cards_in (self, columns[pick], counts_left_out[pick], x, y, width, gap, pad, text);
}

static const char *
class_label (KvpSlotClass klass)
{
  switch (klass)
    {
    case KVP_SLOT_TOKEN_STATES:
      return _("Token states");
    case KVP_SLOT_RESERVATION:
      return _("Reserved for later tokens");
    case KVP_SLOT_INTERNAL_FRAGMENTATION:
      return _("Internal fragmentation");
    case KVP_SLOT_EXTERNAL_FRAGMENTATION:
      return _("External fragmentation");
    case KVP_SLOT_CACHED_FREE:
      /* Translators: free blocks that still hold a prefix-cache hash, which
       * a later request can hit until a new use evicts them. */
      return _("Cached free (evictable)");
    case KVP_SLOT_FREE:
    case KVP_N_SLOT_CLASSES:
    default:
      return _("Free");
    }
}

/* The legend of the slot classes, for the bars and both grids, from y:
 * two columns when every label fits its column, one otherwise, at a size
 * that fits; an entry below the panel is left out with its swatch.  Returns
 * the y under it. */
static double
layout_legend (KvpServingScene *self,
               double           y,
               double           pad,
               double           text)
{
  const cairo_rectangle_t *r = &self->breakdown_rect;
  double swatch = round (12 * text), row = round (20 * text), size = 12 * text;
  double bottom = r->y + r->height - pad;
  const char *labels[KVP_N_SLOT_CLASSES];
  guint columns = 2;
  double col_w = (r->width - 2 * pad) / columns, label_w = col_w - swatch - round (10 * text);

  for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
    labels[k] = class_label (k);
  /* One column when two would shrink the labels much. */
  if (kvp_picture_fit_size (&self->parent, labels, KVP_N_SLOT_CLASSES, size, PANGO_WEIGHT_NORMAL, label_w) <
      0.9 * size)
    columns = 1;
  col_w = (r->width - 2 * pad) / columns;
  label_w = col_w - swatch - round (10 * text);
  size = MAX (kvp_picture_fit_size (&self->parent, labels, KVP_N_SLOT_CLASSES, size, PANGO_WEIGHT_NORMAL, label_w),
              0.9 * size);

  for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
    {
      double lx = r->x + pad + (k % columns) * col_w;
      double ly = y + (k / columns) * row;

      self->legend_swatch[k] = (cairo_rectangle_t) { lx, ly + round (2 * text), swatch, swatch };
      set_text (self, &self->legend_text[k], labels[k], size, PANGO_WEIGHT_NORMAL, lx + swatch + round (6 * text),
                ly, label_w);
      if (self->legend_text[k].layout == NULL || ly + MAX (self->legend_text[k].height, swatch) > bottom)
        {
          leave_out (&self->legend_text[k]);
          self->legend_swatch[k].width = self->legend_swatch[k].height = 0.0;
        }
    }

  for (guint k = KVP_N_SLOT_CLASSES; k-- > 0;)
    if (self->legend_text[k].layout != NULL)
      return y + (k / columns + 1) * row;
  return y;
}

/* Returns the bottom of what it laid out, padding included. */
static double
layout_breakdown (KvpServingScene *self,
                  double           pad,
                  double           text)
{
  KvpSimulation *sim = kvp_serving_steps_get_simulation (self->steps);
  const cairo_rectangle_t *r = &self->breakdown_rect;
  double label_w = 0.0, y, bar_h = round (26 * text);

  set_text_wrapped (self, &self->breakdown_heading, _("The whole run: where the slots went"), 15 * text,
                    PANGO_WEIGHT_SEMIBOLD, r->x + pad, r->y + pad, r->width - 2 * pad);
  y = r->y + pad + self->breakdown_heading.height + round (12 * text);

  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &self->panels[i];

      set_text (self, &panel->bar_label, kvp_picture_scheme_title (panel->scheme), 13 * text, PANGO_WEIGHT_NORMAL,
                r->x + pad, 0, 0);
      label_w = MAX (label_w, panel->bar_label.width);
    }

  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &self->panels[i];
      const KvpSimStats *stats = kvp_simulation_get_stats (sim, panel->scheme);
      double bx = r->x + pad + label_w + round (10 * text);
      double bw = r->x + r->width - pad - bx, cx = bx;

      panel->bar = (cairo_rectangle_t) { bx, y, bw, bar_h };
      panel->bar_label.y = y + (bar_h - panel->bar_label.height) / 2;
      for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
        {
          g_autofree char *percent = kvp_format_percent (stats->percent[k]);
          double w = bw * stats->percent[k] / 100.0;

          panel->bar_share[k] = stats->percent[k] / 100.0;
          set_text (self, &panel->bar_percent[k], percent, 11 * text, PANGO_WEIGHT_SEMIBOLD, 0, 0, 0);
          panel->bar_percent[k].x = cx + (w - panel->bar_percent[k].width) / 2;
          panel->bar_percent[k].y = y + (bar_h - panel->bar_percent[k].height) / 2;
          /* Inside its segment with room either side, or not at all. */
          if (panel->bar_percent[k].width + 6 * text > w)
            leave_out (&panel->bar_percent[k]);
          cx += w;
        }
      y += bar_h + round (10 * text);
    }

  y += round (4 * text);
  y = layout_legend (self, y, pad, text);

  /* The swatches are in the paged purple; the grids use each request's own
   * colour in the same patterns. */
  y += round (4 * text);
  set_text_wrapped (self, &self->legend_note,
                    _("In the grids each request has a colour of its own, in these patterns."), 12 * text,
                    PANGO_WEIGHT_NORMAL, r->x + pad, y, r->width - 2 * pad);
  if (y + self->legend_note.height > r->y + r->height - pad)
    leave_out (&self->legend_note);

  return y + self->legend_note.height + pad;
}

/* The first of steps[0 … n) that does not come wholly before time_ns (n
 * when none): with by_end, the first ending after it; else the first
 * starting at or after it.  Steps are in time order, so a binary search. */
static guint
first_step_from (const KvpSimStep *steps,
                 guint             n,
                 double            time_ns,
                 gboolean          by_end)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gboolean before = by_end ? (double) steps[mid].end_ns <= time_ns : (double) steps[mid].start_ns < time_ns;

      if (before)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
fill_chart_points (KvpServingScene *self,
                   KvpScheme        scheme,
                   double          *points,
                   guint            n_points)
{
  KvpSimulation *sim = kvp_serving_steps_get_simulation (self->steps);
  double span = (double) (self->view_end - self->view_start);
  double per_point = span / (n_points - 1);
  const KvpSimStep *steps;
  guint n;

  steps = kvp_simulation_get_steps (sim, scheme, &n);
  for (guint p = 0; p < n_points; p++)
    {
      double c0 = self->view_start + (p - 0.5) * per_point, c1 = self->view_start + (p + 0.5) * per_point;
      guint first = first_step_from (steps, n, c0, TRUE);
      guint end = first_step_from (steps, n, c1, FALSE);

      points[p] = kvp_serving_steps_get_peak_running (self->steps, scheme, first, end);
    }
}

static double
chart_x (KvpServingScene *self,
         guint64          time_ns)
{
  double span = (double) (self->view_end - self->view_start);

  return self->chart_plot.x + ((double) time_ns - (double) self->view_start) / span * self->chart_plot.width;
}

/* Under the plot: the range's start and end at its ends, the time shown
 * under its marker (the ends make way for it). */
static void
layout_chart_axis (KvpServingScene *self,
                   double           text)
{
  const cairo_rectangle_t *plot = &self->chart_plot;
  g_autofree char *start = kvp_format_seconds (self->view_start);
  g_autofree char *end = kvp_format_seconds (self->view_end);
  g_autofree char *now = kvp_format_seconds (self->time_ns);
  double y = plot->y + plot->height + round (3 * text);
  gboolean shown = self->chart_marker_x >= plot->x - 0.5 && self->chart_marker_x <= plot->x + plot->width + 0.5;

  set_text (self, &self->chart_start_text, start, 11 * text, PANGO_WEIGHT_NORMAL, plot->x, y, 0);
  set_text (self, &self->chart_end_text, end, 11 * text, PANGO_WEIGHT_NORMAL, 0, y, 0);
  self->chart_end_text.x = plot->x + plot->width - self->chart_end_text.width;
  if (!shown)
    {
      leave_out (&self->chart_step_text);
      return;
    }
  set_text (self, &self->chart_step_text, now, 11 * text, PANGO_WEIGHT_SEMIBOLD, 0, y, 0);
  self->chart_step_text.x = CLAMP (self->chart_marker_x - self->chart_step_text.width / 2, plot->x,
                                   plot->x + plot->width - self->chart_step_text.width);
  if (self->chart_step_text.x < self->chart_start_text.x + self->chart_start_text.width + round (6 * text))
    leave_out (&self->chart_start_text);
  if (self->chart_step_text.x + self->chart_step_text.width + round (6 * text) > self->chart_end_text.x)
    leave_out (&self->chart_end_text);
}

static void
layout_chart (KvpServingScene *self,
              double           pad,
              double           text)
{
  KvpSimulation *sim = kvp_serving_steps_get_simulation (self->steps);
  const cairo_rectangle_t *r = &self->chart_rect;
  g_autofree char *max_text = NULL;
  double key_x, y;

  set_text (self, &self->chart_heading, _("Running requests over time"), 15 * text, PANGO_WEIGHT_SEMIBOLD,
            r->x + pad, r->y + pad, r->width - 2 * pad);
  y = r->y + pad + self->chart_heading.height + round (6 * text);

  /* A key per scheme, on one line under the heading. */
  key_x = r->x + pad;
  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &self->panels[i];

      set_text (self, &panel->chart_key, kvp_picture_scheme_title (panel->scheme), 12 * text, PANGO_WEIGHT_NORMAL,
                key_x + round (22 * text), y, 0);
      key_x = panel->chart_key.x + panel->chart_key.width + round (16 * text);
    }
  y += self->panels[0].chart_key.height + round (8 * text);

  self->chart_max = 1;
  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    self->chart_max = MAX (self->chart_max, kvp_simulation_get_stats (sim, self->panels[i].scheme)->max_batch_size);
  max_text = kvp_format_count (self->chart_max);
  set_text (self, &self->chart_max_text, max_text, 11 * text, PANGO_WEIGHT_NORMAL, r->x + pad, y, 0);

  self->chart_plot.x = r->x + pad + self->chart_max_text.width + round (6 * text);
  self->chart_plot.y = y + self->chart_max_text.height / 2;
  self->chart_plot.width = r->x + r->width - pad - self->chart_plot.x;
  self->chart_plot.height = r->y + r->height - pad - 11 * text * 1.5 - self->chart_plot.y;
  self->chart_plot.height = MAX (self->chart_plot.height, 1.0);

  /* One point per unit of width: the most requests that ran in it. */
  self->n_chart_points = (guint) MAX (2.0, floor (self->chart_plot.width));
  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &self->panels[i];

      panel->chart_points = g_new0 (double, self->n_chart_points);
      fill_chart_points (self, panel->scheme, panel->chart_points, self->n_chart_points);
      self->chart_scheme_end_x[i] = chart_x (self, kvp_serving_steps_get_scheme_end (self->steps, panel->scheme));
    }

  self->chart_marker_x = chart_x (self, self->time_ns);
  layout_chart_axis (self, text);
}

static void
build (KvpServingScene *self)
{
  KvpSimulation *sim = kvp_serving_steps_get_simulation (self->steps);
  double unit = self->parent.unit;
  double text = MAX (unit, 0.8), space = MAX (unit, 0.6);
  double margin = round (28 * space), gap = round (16 * space), pad = round (16 * space);
  double width = self->parent.width - 2 * margin, y, left_w, card_h, rest, needed;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = kvp_simulation_describe (sim);
  g_autofree char *now = kvp_format_seconds (self->time_ns);
  g_autofree char *end = kvp_format_seconds (kvp_serving_steps_get_end (self->steps));
  g_autofree char *n_requests = kvp_format_count (self->n_requests);
  gboolean compact = self->parent.height < 700;

  self->radius = round (10 * space);

  write_card_texts (self);

  /* Translators: "Serving 1,000 requests: 12.34 s of 98.7 s" */
  title = g_strdup_printf (_("Serving %s requests: %s of %s"), n_requests, now, end);
  y = margin;
  set_text_shrunk (self, &self->title, title, 22 * text, PANGO_WEIGHT_BOLD, margin, y, width);
  y += self->title.height + round (4 * space);
  /* A short picture gives the grids the room the subtitle and the card
   * captions would take. */
  if (!compact)
    {
      set_text_wrapped (self, &self->subtitle, subtitle, 12 * text, PANGO_WEIGHT_NORMAL, margin, y, width);
      y += self->subtitle.height;
    }
  /* Whole units below the texts keep the grids' cells on whole pixels. */
  y = round (y + gap);

  card_h = layout_cards (self, margin, y, width, gap, pad, text);
  y += card_h + gap;

  rest = self->parent.height - margin - y;
  left_w = round (width * 0.62);
  /* Too narrow a column for the breakdown's bars and legend: the grids take
   * the width and the column is left out. */
  if (width - left_w - gap < round (200 * text))
    {
      layout_grids (self, margin, y, width, rest, gap, pad, text);
      return;
    }
  layout_grids (self, margin, y, left_w, rest, gap, pad, text);

  /* The breakdown takes half the column, or what its legend needs; the
   * chart the rest, and when that is too short for a chart, the breakdown
   * takes the column and the chart is left out. */
  self->breakdown_rect = (cairo_rectangle_t) { margin + left_w + gap, y, width - left_w - gap, rest };
  needed = layout_breakdown (self, pad, text) - y;
  if (rest - MAX (needed, round ((rest - gap) * 0.5)) - gap < round (90 * text))
    return;
  self->breakdown_rect.height = MAX (needed, round ((rest - gap) * 0.5));
  self->chart_rect = (cairo_rectangle_t) { self->breakdown_rect.x, y + self->breakdown_rect.height + gap,
                                           self->breakdown_rect.width, rest - self->breakdown_rect.height - gap };
  layout_chart (self, pad, text);
}

static void serving_scene_finalize (KvpPicture *picture);

static double
serving_scene_get_duration (KvpPicture *picture)
{
  return kvp_serving_scene_get_duration ((KvpServingScene *) picture);
}

static void
serving_scene_paint (KvpPicture *picture,
                     cairo_t    *cr,
                     double      t)
{
  kvp_serving_paint (cr, (KvpServingScene *) picture, t, KVP_SERVING_NO_REQUEST);
}

static char *
serving_scene_dup_description (KvpPicture *picture)
{
  return kvp_serving_scene_dup_description ((KvpServingScene *) picture);
}

static const KvpPictureClass serving_scene_class = {
  serving_scene_finalize,
  serving_scene_get_duration,
  serving_scene_paint,
  serving_scene_dup_description,
};

KvpServingScene *
kvp_serving_scene_new (KvpServingSteps *steps,
                       guint            step,
                       const KvpTheme  *theme,
                       double           width,
                       double           height)
{
  g_return_val_if_fail (steps != NULL, NULL);

  return kvp_serving_scene_new_range (steps, step, 0, kvp_serving_steps_get_end (steps), theme, width, height);
}

KvpServingScene *
kvp_serving_scene_new_range (KvpServingSteps *steps,
                             guint            step,
                             guint64          view_start,
                             guint64          view_end,
                             const KvpTheme  *theme,
                             double           width,
                             double           height)
{
  KvpServingScene *self;
  KvpSimulation *sim;
  const KvpSimConfig *config;

  g_return_val_if_fail (steps != NULL, NULL);
  g_return_val_if_fail (step < kvp_serving_steps_get_n_steps (steps), NULL);
  g_return_val_if_fail (theme != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  sim = kvp_serving_steps_get_simulation (steps);
  config = kvp_simulation_get_config (sim);

  self = g_atomic_rc_box_new0 (KvpServingScene);
  kvp_picture_init (&self->parent, &serving_scene_class, theme, width, height);
  g_mutex_init (&self->lock);
  self->steps = kvp_serving_steps_ref (steps);
  self->step = step;
  self->time_ns = kvp_serving_steps_get_time (steps, step);
  /* A range of at least a nanosecond. */
  self->view_start = view_start;
  self->view_end = MAX (view_end, view_start + 1);
  self->block_size = config->block_size;
  self->num_blocks = config->num_blocks;
  self->n_slots = kvp_simulation_get_n_slots (sim);
  kvp_workload_get_requests (kvp_simulation_get_workload (sim), &self->n_requests);
  self->turns = kvp_workload_has_turns (kvp_simulation_get_workload (sim));

  load_panel (self, &self->panels[KVP_SERVING_PANEL_PAGED], KVP_SCHEME_PAGED);
  load_panel (self, &self->panels[KVP_SERVING_PANEL_COMPARED], kvp_serving_steps_get_compared (steps));
  build (self);

  return self;
}

typedef struct
{
  KvpServingSteps *steps;
  guint            step;
} ServingSource;

static void
serving_source_free (ServingSource *source)
{
  kvp_serving_steps_unref (source->steps);
  g_free (source);
}

static KvpPicture *
build_from_source (gpointer        data,
                   const KvpTheme *theme,
                   double          width,
                   double          height)
{
  ServingSource *source = data;

  return KVP_PICTURE (kvp_serving_scene_new (source->steps, source->step, theme, width, height));
}

KvpPictureSource *
kvp_serving_scene_source_new (KvpServingSteps *steps,
                              guint            step,
                              GError         **error)
{
  ServingSource *source;

  g_return_val_if_fail (steps != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kvp_serving_steps_check_step (steps, step, error))
    return NULL;

  source = g_new0 (ServingSource, 1);
  source->steps = kvp_serving_steps_ref (steps);
  source->step = step;

  return kvp_picture_source_new (_("Serving: the paged pool and a reserve-ahead cache"), build_from_source,
                                 source, (GDestroyNotify) serving_source_free);
}

KvpServingScene *
kvp_serving_scene_ref (KvpServingScene *self)
{
  return (KvpServingScene *) kvp_picture_ref (KVP_PICTURE (self));
}

void
kvp_serving_scene_unref (KvpServingScene *self)
{
  kvp_picture_unref (KVP_PICTURE (self));
}

static void
serving_scene_finalize (KvpPicture *picture)
{
  KvpServingScene *self = (KvpServingScene *) picture;

  g_clear_pointer (&self->previous, kvp_serving_scene_unref);
  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &self->panels[i];

      g_clear_pointer (&panel->snapshot, kvp_sim_snapshot_free);
      g_clear_pointer (&panel->runs, g_array_unref);
      g_clear_pointer (&panel->holders, g_array_unref);
      g_clear_pointer (&panel->shared, g_array_unref);
      g_clear_pointer (&panel->image, cairo_surface_destroy);
      g_clear_pointer (&panel->chart_points, g_free);
      kvp_text_clear (&panel->heading);
      kvp_text_clear (&panel->detail);
      kvp_text_clear (&panel->waiting);
      kvp_text_clear (&panel->more);
      kvp_text_clear (&panel->bar_label);
      kvp_text_clear (&panel->chart_key);
      for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
        kvp_text_clear (&panel->bar_percent[k]);
    }
  for (guint i = 0; i < KVP_SERVING_N_CARDS; i++)
    kvp_card_texts_clear (&self->cards[i]);
  for (guint k = 0; k < KVP_N_SLOT_CLASSES; k++)
    kvp_text_clear (&self->legend_text[k]);
  kvp_text_clear (&self->legend_note);
  kvp_text_clear (&self->title);
  kvp_text_clear (&self->subtitle);
  kvp_text_clear (&self->breakdown_heading);
  kvp_text_clear (&self->chart_heading);
  kvp_text_clear (&self->chart_max_text);
  kvp_text_clear (&self->chart_step_text);
  kvp_text_clear (&self->chart_start_text);
  kvp_text_clear (&self->chart_end_text);
  g_clear_pointer (&self->steps, kvp_serving_steps_unref);
  g_mutex_clear (&self->lock);
}

void
kvp_serving_scene_set_previous (KvpServingScene *self,
                                KvpServingScene *previous)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->previous, kvp_serving_scene_unref);
  if (previous == NULL || previous == self ||
      previous->parent.width != self->parent.width || previous->parent.height != self->parent.height ||
      previous->steps != self->steps || previous->parent.theme != self->parent.theme)
    return;

  self->previous = kvp_serving_scene_ref (previous);
  g_clear_pointer (&previous->previous, kvp_serving_scene_unref);
}

double
kvp_serving_scene_get_duration (KvpServingScene *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->previous != NULL ? KVP_SERVING_TRANSITION : 0.0;
}

void
kvp_serving_scene_run_colors (KvpServingScene *self,
                              guint32          request,
                              KvpSlotClass     klass,
                              KvpColor        *out_a,
                              KvpColor        *out_b,
                              KvpServingFill  *out_fill)
{
  const KvpTheme *theme = self->parent.theme;
  KvpColor hue = request == G_MAXUINT32 ? theme->paged_start : kvp_hue_request_color (theme, request);
  KvpColor red = { theme->unused.red, theme->unused.green, theme->unused.blue, 1.0 };

  *out_fill = KVP_SERVING_FILL_SOLID;
  switch (klass)
    {
    case KVP_SLOT_TOKEN_STATES:
      *out_a = *out_b = hue;
      break;
    case KVP_SLOT_RESERVATION:
      *out_a = *out_b = kvp_hue_mix (&hue, &theme->card, 0.62);
      break;
    case KVP_SLOT_INTERNAL_FRAGMENTATION:
      *out_a = kvp_hue_mix (&hue, &theme->card, 0.30);
      *out_b = kvp_hue_mix (&hue, &theme->card, 0.80);
      *out_fill = KVP_SERVING_FILL_HATCH;
      break;
    case KVP_SLOT_EXTERNAL_FRAGMENTATION:
      *out_a = kvp_hue_mix (&red, &theme->card, 0.25);
      *out_b = theme->free_block;
      *out_fill = KVP_SERVING_FILL_CROSS_HATCH;
      break;
    case KVP_SLOT_CACHED_FREE:
      /* Free, so the free grey, but darker (lighter in the dark theme):
       * the block still holds its tokens' KV for a hit.  No hue: its
       * request is gone. */
      *out_a = *out_b = kvp_hue_mix (&theme->free_block, &theme->text_secondary, 0.35);
      break;
    case KVP_SLOT_FREE:
    case KVP_N_SLOT_CLASSES:
    default:
      *out_a = *out_b = theme->free_block;
      break;
    }
}

static inline guint32
pack (const KvpColor *c)
{
  return 0xff000000u | (guint32) (c->red * 255.0 + 0.5) << 16 |
         (guint32) (c->green * 255.0 + 0.5) << 8 | (guint32) (c->blue * 255.0 + 0.5);
}

/* The first run that ends after slot. */
static guint
find_run (GArray  *runs,
          guint64  slot)
{
  guint lo = 0, hi = runs->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (runs, KvpServingRun, mid).end <= slot)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* The run covering most of [lo, hi), or -1 when free slots do. */
static gint64
dominant_run (GArray  *runs,
              guint64  lo,
              guint64  hi)
{
  guint64 covered = 0, best = 0;
  gint64 best_run = -1;

  for (guint i = find_run (runs, lo); i < runs->len; i++)
    {
      const KvpServingRun *r = &g_array_index (runs, KvpServingRun, i);
      guint64 a = MAX (r->start, lo), b = MIN (r->end, hi);

      if (r->start >= hi)
        break;
      covered += b - a;
      if (b - a > best)
        best = b - a, best_run = i;
    }

  return hi - lo - covered > best ? -1 : best_run;
}

typedef struct
{
  guint32 a, b;
  guint8  fill;     /* KvpServingFill; 3: gap */
} Column;

static void
column_for (KvpServingScene     *self,
            KvpServingPanelData *panel,
            gint64               run,
            Column              *out)
{
  KvpColor a, b;
  KvpServingFill fill;

  if (run < 0)
    {
      KvpSlotClass klass = panel->free_is_external ? KVP_SLOT_EXTERNAL_FRAGMENTATION : KVP_SLOT_FREE;

      kvp_serving_scene_run_colors (self, G_MAXUINT32, klass, &a, &b, &fill);
    }
  else
    {
      const KvpServingRun *r = &g_array_index (panel->runs, KvpServingRun, run);

      kvp_serving_scene_run_colors (self, r->request, r->klass, &a, &b, &fill);
    }
  out->a = pack (&a);
  out->b = pack (&b);
  out->fill = fill;
}

/* The cells of a panel at scale device pixels per unit: each device pixel
 * shows the run that covers most of the slots under it.  Pixel rows of one
 * row of cells share their columns, so a row of cells is worked out once:
 * O(pixels + runs × log runs). */
static cairo_surface_t *
render_cells (KvpServingScene     *self,
              KvpServingPanelData *panel,
              double               scale)
{
  int w = MAX (1, (int) ceil (panel->grid.width * scale));
  int h = MAX (1, (int) ceil (panel->grid.height * scale));
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  guint8 *data;
  int stride, stripe = MAX (1, (int) round (2 * scale));
  g_autofree Column *columns = g_new (Column, w);
  guint32 background = pack (&self->parent.theme->card);
  guint64 cell_slots = (guint64) self->group * self->block_size;
  gint64 row_done = -1;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);

  for (int py = 0; py < h; py++)
    {
      guint32 *out = (guint32 *) (data + (gsize) py * stride);
      double uy = (py + 0.5) / scale;
      guint32 row = (guint32) floor (uy / self->pitch);
      gboolean gap = row >= self->rows || uy - row * self->pitch >= self->cell;

      if (gap)
        {
          for (int px = 0; px < w; px++)
            out[px] = background;
          continue;
        }

      if ((gint64) row != row_done)
        {
          for (int px = 0; px < w; px++)
            {
              double x0 = px / scale, x1 = (px + 1) / scale, ux = (px + 0.5) / scale;
              guint32 col = (guint32) floor (ux / self->pitch);
              guint64 cell = (guint64) row * self->columns + col;
              guint64 start, len, lo, hi;
              double f0, f1;

              if (col >= self->columns || ux - col * self->pitch >= self->cell || cell >= self->n_cells)
                {
                  columns[px].fill = 3;
                  continue;
                }

              start = cell * cell_slots;
              len = MIN (cell_slots, self->n_slots - start);
              f0 = CLAMP ((x0 - col * self->pitch) / self->cell, 0.0, 1.0);
              f1 = CLAMP ((x1 - col * self->pitch) / self->cell, 0.0, 1.0);
              lo = start + (guint64) floor (f0 * len);
              hi = start + (guint64) ceil (f1 * len);
              if (hi <= lo)
                {
                  /* Narrower than a slot: the slot under the pixel's centre. */
                  lo = start + MIN (len - 1, (guint64) floor ((f0 + f1) / 2 * len));
                  hi = lo + 1;
                }
              hi = MIN (hi, start + len);
              column_for (self, panel, dominant_run (panel->runs, lo, hi), &columns[px]);
            }
          row_done = row;
        }

      for (int px = 0; px < w; px++)
        {
          const Column *c = &columns[px];

          switch (c->fill)
            {
            case KVP_SERVING_FILL_SOLID:
              out[px] = c->a;
              break;
            case KVP_SERVING_FILL_HATCH:
              out[px] = ((px + py) / stripe) % 3 == 0 ? c->a : c->b;
              break;
            case KVP_SERVING_FILL_CROSS_HATCH:
              out[px] = ((px - py + 4 * h) / stripe) % 3 == 0 ? c->a : c->b;
              break;
            default:
              out[px] = background;
              break;
            }
        }
    }

  cairo_surface_mark_dirty (surface);
  return surface;
}

void
kvp_serving_scene_prepare (KvpServingScene *self,
                           double           scale)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (scale > 0.0);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      KvpServingPanelData *panel = &self->panels[i];

      if (panel->image != NULL && panel->image_scale == scale)
        continue;
      g_clear_pointer (&panel->image, cairo_surface_destroy);
      panel->image = render_cells (self, panel, scale);
      panel->image_scale = scale;
    }
  g_mutex_unlock (&self->lock);
}

KvpServingSteps *
kvp_serving_scene_get_steps (KvpServingScene *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->steps;
}

guint
kvp_serving_scene_get_step (KvpServingScene *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->step;
}

KvpScheme
kvp_serving_scene_get_scheme (KvpServingScene *self,
                              KvpServingPanel  panel)
{
  g_return_val_if_fail (self != NULL, KVP_SCHEME_PAGED);
  g_return_val_if_fail (panel < KVP_SERVING_N_PANELS, KVP_SCHEME_PAGED);

  return self->panels[panel].scheme;
}

const KvpSimSnapshot *
kvp_serving_scene_get_snapshot (KvpServingScene *self,
                                KvpServingPanel  panel)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (panel < KVP_SERVING_N_PANELS, NULL);

  return self->panels[panel].snapshot;
}

const KvpSimStep *
kvp_serving_scene_get_totals (KvpServingScene *self,
                              KvpServingPanel  panel)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (panel < KVP_SERVING_N_PANELS, NULL);

  return &self->panels[panel].totals;
}

gboolean
kvp_serving_scene_get_queue_head (KvpServingScene *self,
                                  guint64         *out_block,
                                  guint64         *out_largest_free)
{
  const KvpServingPanelData *panel;

  g_return_val_if_fail (self != NULL, FALSE);

  panel = &self->panels[KVP_SERVING_PANEL_COMPARED];
  if (out_block != NULL)
    *out_block = panel->head_block;
  if (out_largest_free != NULL)
    *out_largest_free = panel->largest_free;

  return panel->head_block > 0;
}

const KvpCardTexts *
kvp_serving_scene_get_card (KvpServingScene *self,
                            KvpServingCard   card)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (card < KVP_SERVING_N_CARDS, NULL);

  return &self->cards[card];
}

char *
kvp_serving_scene_dup_description (KvpServingScene *self)
{
  const KvpSimStep *p, *c;
  const KvpRequestCounts *pn, *cn;
  const char *other;
  g_autofree char *text = NULL;
  g_autofree char *between = NULL;
  g_autofree char *now = NULL;
  g_autofree char *end = NULL;
  g_autofree char *p_tokens = NULL;
  g_autofree char *c_tokens = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  p = &self->panels[KVP_SERVING_PANEL_PAGED].totals;
  c = &self->panels[KVP_SERVING_PANEL_COMPARED].totals;
  pn = &self->panels[KVP_SERVING_PANEL_PAGED].counts;
  cn = &self->panels[KVP_SERVING_PANEL_COMPARED].counts;
  other = kvp_picture_scheme_title (self->panels[KVP_SERVING_PANEL_COMPARED].scheme);
  now = kvp_format_seconds (self->time_ns);
  end = kvp_format_seconds (kvp_serving_steps_get_end (self->steps));
  p_tokens = kvp_format_percent (token_share (p, self->n_slots));
  c_tokens = kvp_format_percent (token_share (c, self->n_slots));

  /* Translators: the serving view for screen readers, in one sentence:
   * the time shown and the run's end, then running, waiting, token share
   * and preemptions of the paged pool, then running, waiting and token
   * share of the compared scheme. */
  text = g_strdup_printf (_("At %s of %s: PagedAttention runs %u requests with %u waiting, "
                            "token states fill %s of its slots, %u preemptions so far; "
                            "%s runs %u with %u waiting, token states %s."),
                          now, end, pn->running, pn->waiting, p_tokens, p->n_preemptions,
                          other, cn->running, cn->waiting, c_tokens);
  if (!self->turns)
    return g_steal_pointer (&text);

  /* Translators: appended to the sentence above for conversations:
   * requests in their think time, in the paged pool and the compared
   * scheme ("Max"). */
  between = g_strdup_printf (_("Between turns: %u in PagedAttention, %u in %s."), pn->between_turns,
                             cn->between_turns, other);
  return g_strdup_printf ("%s %s", text, between);
}

char *
kvp_serving_scene_dup_request_text (KvpServingScene *self,
                                    guint32          request)
{
  const KvpSimSnapshot *snap;
  const KvpSimRequestState *r;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  snap = self->panels[KVP_SERVING_PANEL_PAGED].snapshot;
  if (snap == NULL || request >= snap->n_requests)
    return NULL;

  r = &snap->requests[request];
  text = g_string_new (NULL);
  /* Translators: a request, its prompt and output lengths in tokens. */
  g_string_append_printf (text, _("Request %u: prompt %u, output %u/%u tokens"), request, r->prompt_len,
                          r->generated, r->output_len);
  if (r->status != KVP_REQUEST_RUNNING)
    {
      g_string_append (text, "; ");
      g_string_append (text, r->status == KVP_REQUEST_WAITING ? _("waiting")
                             : r->status == KVP_REQUEST_FINISHED ? _("finished") : _("not arrived yet"));
      return g_string_free (g_steal_pointer (&text), FALSE);
    }

  /* Translators: before the block table, "logical → physical" pairs. */
  g_string_append_printf (text, _("; block table (logical → physical): "));
  for (guint32 i = 0; i < r->n_blocks; i++)
    g_string_append_printf (text, "%s%u→%u", i > 0 ? ", " : "", i, r->blocks[i]);
  append_sharing (self, r, text);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The holders a block's text names at most. */
#define MAX_BLOCK_HOLDERS 24

/* The first of the (block, request) pairs for block, or holders->len. */
static guint
first_holder (const KvpServingPanelData *panel,
              guint32                    block)
{
  guint lo = 0, hi = panel->holders->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (panel->holders, guint32, 2 * mid) < block)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

char *
kvp_serving_scene_dup_block_text (KvpServingScene *self,
                                  guint32          block)
{
  const KvpServingPanelData *panel;
  const KvpSimRequestState *r;
  g_autoptr(GString) text = NULL;
  guint first, count = 0;
  guint32 request, logical = 0;
  KvpSlotClass klass;

  g_return_val_if_fail (self != NULL, NULL);

  panel = &self->panels[KVP_SERVING_PANEL_PAGED];
  if (block >= self->num_blocks)
    return NULL;

  /* An idle pool holds nothing, but may keep cached blocks. */
  text = g_string_new (NULL);
  first = panel->holders != NULL ? first_holder (panel, block) : 0;
  while (panel->holders != NULL && first + count < panel->holders->len &&
         g_array_index (panel->holders, guint32, 2 * (first + count)) == block)
    count++;

  if (count == 0)
    {
      klass = kvp_serving_scene_classify_slot (self, KVP_SERVING_PANEL_PAGED, (guint64) block * self->block_size,
                                               NULL);
      if (klass == KVP_SLOT_CACHED_FREE)
        /* Translators: a free block of the paged pool that keeps its
         * prefix-cache hash; %u is the block's number. */
        g_string_append_printf (text, _("Block %u: free, cached: it still holds its tokens' KV and hash, so a "
                                        "request with the same tokens can hit it until a new block evicts it; "
                                        "reference count 0"), block);
      else if (klass == KVP_SLOT_EXTERNAL_FRAGMENTATION)
        g_string_append_printf (text, _("Block %u: free, but the request waiting first needs more blocks than "
                                        "are free (external fragmentation); reference count 0"), block);
      else
        g_string_append_printf (text, _("Block %u: free; reference count 0"), block);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }

  request = g_array_index (panel->holders, guint32, 2 * first + 1);
  r = &panel->snapshot->requests[request];
  while (logical < r->n_blocks && r->blocks[logical] != block)
    logical++;
  if (count == 1)
    {
      guint64 start = (guint64) logical * self->block_size;
      guint held = (guint) MIN ((guint64) self->block_size, r->tokens_held > start ? r->tokens_held - start : 0);

      /* Translators: a block of the paged pool, the request holding it and
       * where in its block table, its tokens out of its slots. */
      g_string_append_printf (text, _("Block %u: request %u, logical block %u, %u of %u slots holding tokens; "
                                      "reference count 1"), block, request, logical, held, self->block_size);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }

  /* Translators: a block several requests hold through a prefix-cache hit:
   * its number, how many hold it, where in their tables; then who. */
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                             "Block %u: shared by %u request (reference count %u), logical block "
                                             "%u of each: ",
                                             "Block %u: shared by %u requests (reference count %u), logical block "
                                             "%u of each: ", count),
                          block, count, count, logical);
  /* A prefix every running request holds would fill the screen. */
  for (guint k = 0; k < MIN (count, MAX_BLOCK_HOLDERS); k++)
    g_string_append_printf (text, "%s%u", k > 0 ? ", " : "",
                            g_array_index (panel->holders, guint32, 2 * (first + k) + 1));
  if (count > MAX_BLOCK_HOLDERS)
    /* Translators: after the first holders of a shared block, how many
     * more there are. */
    g_string_append_printf (text, _(" and %u more"), count - MAX_BLOCK_HOLDERS);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

KvpColor
kvp_serving_scene_get_request_color (KvpServingScene *self,
                                     guint32          request)
{
  g_return_val_if_fail (self != NULL, (KvpColor) { 0 });

  return kvp_hue_request_color (self->parent.theme, request);
}

void
kvp_serving_scene_get_grid_bounds (KvpServingScene   *self,
                                   KvpServingPanel    panel,
                                   cairo_rectangle_t *out_bounds)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (panel < KVP_SERVING_N_PANELS);
  g_return_if_fail (out_bounds != NULL);

  *out_bounds = self->panels[panel].grid;
}

guint32
kvp_serving_scene_get_blocks_per_cell (KvpServingScene *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return self->group;
}

guint
kvp_serving_scene_get_ref_count (KvpServingScene *self,
                                 guint32          block)
{
  const KvpServingPanelData *panel;
  const KvpServingShared *s;

  g_return_val_if_fail (self != NULL, 0);

  panel = &self->panels[KVP_SERVING_PANEL_PAGED];
  if (panel->holders == NULL)
    return 0;
  s = find_shared (panel, block);
  if (s != NULL)
    return s->count;
  /* Held once, or free. */
  for (guint lo = 0, hi = panel->holders->len; lo < hi;)
    {
      guint mid = lo + (hi - lo) / 2;
      guint32 b = g_array_index (panel->holders, guint32, 2 * mid);

      if (b == block)
        return 1;
      if (b < block)
        lo = mid + 1;
      else
        hi = mid;
    }
  return 0;
}

gboolean
kvp_serving_scene_get_block_rect (KvpServingScene   *self,
                                  KvpServingPanel    panel,
                                  guint32            block,
                                  cairo_rectangle_t *out_rect)
{
  guint32 cell;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (panel < KVP_SERVING_N_PANELS, FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  if (block >= self->num_blocks)
    return FALSE;

  cell = block / self->group;
  out_rect->x = self->panels[panel].grid.x + (cell % self->columns) * self->pitch;
  out_rect->y = self->panels[panel].grid.y + (cell / self->columns) * self->pitch;
  out_rect->width = out_rect->height = self->cell;

  return TRUE;
}

KvpSlotClass
kvp_serving_scene_classify_slot (KvpServingScene *self,
                                 KvpServingPanel  panel,
                                 guint64          slot,
                                 guint32         *out_request)
{
  KvpServingPanelData *p;
  guint i;

  g_return_val_if_fail (self != NULL, KVP_SLOT_FREE);
  g_return_val_if_fail (panel < KVP_SERVING_N_PANELS, KVP_SLOT_FREE);

  p = &self->panels[panel];
  i = find_run (p->runs, slot);
  if (i < p->runs->len && g_array_index (p->runs, KvpServingRun, i).start <= slot)
    {
      const KvpServingRun *r = &g_array_index (p->runs, KvpServingRun, i);

      if (out_request != NULL)
        *out_request = r->request;
      return r->klass;
    }

  if (out_request != NULL)
    *out_request = G_MAXUINT32;
  return p->free_is_external ? KVP_SLOT_EXTERNAL_FRAGMENTATION : KVP_SLOT_FREE;
}

/* The slot under x, y in panel's grid. */
static gboolean
slot_at (KvpServingScene *self,
         KvpServingPanel  panel,
         double           x,
         double           y,
         guint64         *out_slot)
{
  const cairo_rectangle_t *g = &self->panels[panel].grid;
  double ux = x - g->x, uy = y - g->y, fx;
  guint32 col, row;
  guint64 cell, cell_slots = (guint64) self->group * self->block_size;

  if (ux < 0 || uy < 0 || ux >= g->width || uy >= g->height)
    return FALSE;
  col = (guint32) (ux / self->pitch);
  row = (guint32) (uy / self->pitch);
  cell = (guint64) row * self->columns + col;
  if (col >= self->columns || cell >= self->n_cells)
    return FALSE;
  fx = CLAMP ((ux - col * self->pitch) / self->cell, 0.0, 0.999999);
  *out_slot = cell * cell_slots + (guint64) (fx * MIN (cell_slots, self->n_slots - cell * cell_slots));
  return TRUE;
}

gboolean
kvp_serving_scene_get_request_at (KvpServingScene *self,
                                  double           x,
                                  double           y,
                                  guint32         *out_request)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < KVP_SERVING_N_PANELS; i++)
    {
      guint64 slot;
      guint32 request;

      if (!slot_at (self, i, x, y, &slot))
        continue;
      kvp_serving_scene_classify_slot (self, i, slot, &request);
      if (request == G_MAXUINT32)
        return FALSE;
      if (out_request != NULL)
        *out_request = request;
      return TRUE;
    }

  return FALSE;
}

gboolean
kvp_serving_scene_get_block_at (KvpServingScene *self,
                                double           x,
                                double           y,
                                guint32         *out_block)
{
  guint64 slot;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!slot_at (self, KVP_SERVING_PANEL_PAGED, x, y, &slot))
    return FALSE;
  if (out_block != NULL)
    *out_block = (guint32) (slot / self->block_size);
  return TRUE;
}

void
kvp_serving_scene_get_card_rect (KvpServingScene   *self,
                                 KvpServingCard     card,
                                 cairo_rectangle_t *out_rect)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (card < KVP_SERVING_N_CARDS);
  g_return_if_fail (out_rect != NULL);

  *out_rect = self->card_rect[card];
}

void
kvp_serving_scene_get_breakdown_rect (KvpServingScene   *self,
                                      KvpServingPanel    panel,
                                      KvpSlotClass       klass,
                                      cairo_rectangle_t *out_rect)
{
  const KvpServingPanelData *p;
  double x;

  g_return_if_fail (self != NULL);
  g_return_if_fail (panel < KVP_SERVING_N_PANELS);
  g_return_if_fail (klass < KVP_N_SLOT_CLASSES);
  g_return_if_fail (out_rect != NULL);

  p = &self->panels[panel];
  x = p->bar.x;
  for (guint k = 0; k < klass; k++)
    x += p->bar.width * p->bar_share[k];
  *out_rect = (cairo_rectangle_t) { x, p->bar.y, p->bar.width * p->bar_share[klass], p->bar.height };
}

void
kvp_serving_scene_get_chart_marker (KvpServingScene   *self,
                                    cairo_rectangle_t *out_rect)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out_rect != NULL);

  *out_rect = (cairo_rectangle_t) { self->chart_marker_x, self->chart_plot.y, 0.0, self->chart_plot.height };
}

gboolean
kvp_serving_scene_get_chart_plot (KvpServingScene   *self,
                                  cairo_rectangle_t *out_rect,
                                  guint64           *out_start,
                                  guint64           *out_end)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (out_rect != NULL)
    *out_rect = self->chart_plot;
  if (out_start != NULL)
    *out_start = self->view_start;
  if (out_end != NULL)
    *out_end = self->view_end;
  return self->chart_rect.height > 0.0;
}

double
kvp_serving_scene_get_scheme_end_x (KvpServingScene *self,
                                    KvpServingPanel  panel)
{
  g_return_val_if_fail (self != NULL, 0.0);
  g_return_val_if_fail (panel < KVP_SERVING_N_PANELS, 0.0);

  return self->chart_scheme_end_x[panel];
}
