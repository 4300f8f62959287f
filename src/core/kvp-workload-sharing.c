/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-workload-sharing.c: shared prefixes and samples of a workload. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"


#include <glib/gi18n-lib.h>

#include <math.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-workload-sharing.h"

KvpWorkload *
kvp_workload_share (KvpWorkload  *base,
                    guint32       prefix_len,
                    guint32       groups,
                    guint32       samples,
                    guint32       max_len,
                    GError      **error)
{
  g_autoptr(GArray) requests = NULL;
  g_autoptr(GArray) sharing = NULL;
  const KvpRequest *in;
  guint n;

  g_return_val_if_fail (base != NULL, NULL);

  if (prefix_len == 0 && groups <= 1 && samples <= 1)
    return kvp_workload_ref (base);

  if (!kvp_workload_is_generated (base))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--shared-prefix, --prefix-groups and --n shape a generated workload; a workload file gives "
                     "its own prefixes and samples (prefix_id, prefix_len and n)."));
      return NULL;
    }
  if (prefix_len == 0 && groups > 1)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--prefix-groups spreads the requests over shared prefixes: give their length with "
                     "--shared-prefix P."));
      return NULL;
    }

  in = kvp_workload_get_requests (base, &n);
  requests = g_array_sized_new (FALSE, FALSE, sizeof (KvpRequest), n);
  sharing = g_array_sized_new (FALSE, FALSE, sizeof (KvpRequestSharing), n);
  for (guint i = 0; i < n; i++)
    {
      KvpRequest request = in[i];
      KvpRequestSharing share = { MAX (samples, 1), groups > 1 ? i % groups : 0, prefix_len, 0, 0, 0 };

      if ((guint64) request.prompt_len + prefix_len + request.output_len > max_len)
        {
          g_autofree char *prefix = kvp_format_count (prefix_len);
          g_autofree char *prompt = kvp_format_count (request.prompt_len);
          g_autofree char *output = kvp_format_count (request.output_len);
          g_autofree char *most = kvp_format_count (max_len);

          /* The request's number plain, as it names one; its counts grouped. */
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("With its %s-token shared prefix, request %u (prompt %s, output %s tokens) is longer than "
                         "the model’s %s tokens: give a shorter --shared-prefix or a longer --max-model-len."),
                       prefix, i + 1, prompt, output, most);
          return NULL;
        }
      request.prompt_len += prefix_len;
      g_array_append_val (requests, request);
      g_array_append_val (sharing, share);
    }

  return kvp_workload_new_derived (base, NULL, requests, sharing);
}

KvpWorkload *
kvp_workload_expand_samples (KvpWorkload  *base,
                             GError      **error)
{
  g_autoptr(GArray) requests = NULL;
  g_autoptr(GArray) sharing = NULL;
  g_autofree guint32 *first = NULL;
  const KvpRequest *in;
  guint64 total = 0;
  guint n;

  g_return_val_if_fail (base != NULL, NULL);

  in = kvp_workload_get_requests (base, &n);
  for (guint i = 0; i < n; i++)
    total += kvp_workload_get_sharing (base, i).n;
  if (total == n)
    return kvp_workload_ref (base);
  if (total > KVP_WORKLOAD_MAX_REQUESTS)
    {
      g_autofree char *made = kvp_format_count (total);
      g_autofree char *most = kvp_format_count (KVP_WORKLOAD_MAX_REQUESTS);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The workload’s samples make %s requests, more than the %s a simulation "
                     "runs: use fewer --requests or samples."),
                   made, most);
      return NULL;
    }

  /* A request's first child, so a closed-loop turn names the first child
   * of the turn its samples release. */
  first = g_new (guint32, n);
  total = 0;
  for (guint i = 0; i < n; i++)
    {
      first[i] = (guint32) total;
      total += kvp_workload_get_sharing (base, i).n;
    }

  requests = g_array_sized_new (FALSE, FALSE, sizeof (KvpRequest), (guint) total);
  sharing = g_array_sized_new (FALSE, FALSE, sizeof (KvpRequestSharing), (guint) total);
  for (guint i = 0; i < n; i++)
    {
      KvpRequestSharing share = kvp_workload_get_sharing (base, i);
      guint32 samples = share.n;

      /* Every child's prompt is its parent's: its own tokens are named
       * after the parent. */
      share.n = 1;
      if (share.own == 0)
        share.own = i + 1;
      if (share.next > 0)
        share.next = first[share.next - 1] + 1;
      for (guint32 k = 0; k < samples; k++)
        {
          g_array_append_val (requests, in[i]);
          g_array_append_val (sharing, share);
        }
    }

  return kvp_workload_new_derived (base, NULL, requests, sharing);
}

typedef struct
{
  KvpRequest        request;
  KvpRequestSharing sharing;
  guint             conversation;
  guint             turn;
} Turn;

static gint
compare_turns (gconstpointer a,
               gconstpointer b)
{
  const Turn *x = a;
  const Turn *y = b;

  if (x->request.arrival != y->request.arrival)
    return x->request.arrival < y->request.arrival ? -1 : 1;
  if (x->conversation != y->conversation)
    return x->conversation < y->conversation ? -1 : 1;
  return x->turn < y->turn ? -1 : x->turn > y->turn;
}

/* Turns of conversations, starting at starts' arrivals, with messages and
 * answers from lengths, until n requests; a later turn waits for all
 * samples answers of the turn before. */
static GArray *
make_turns (KvpWorkload *starts,
            KvpWorkload *lengths,
            guint        n,
            guint32      max_len,
            guint32      samples,
            guint64      seed)
{
  const KvpRequest *start = kvp_workload_get_requests (starts, NULL);
  const KvpRequest *message = kvp_workload_get_requests (lengths, NULL);
  GArray *turns = g_array_sized_new (FALSE, FALSE, sizeof (Turn), n);
  g_autofree guint *last = NULL;
  guint next = 0;
  guint c;
  KvpRng rng;
  KvpRng think;

  kvp_rng_init (&rng, seed ^ G_GUINT64_CONSTANT (0x636f6e76));
  /* Think times draw from a stream of their own, so the turns' lengths
   * stay what they were. */
  kvp_rng_init (&think, seed ^ G_GUINT64_CONSTANT (0x7468696e6b));
  for (c = 0; turns->len < n; c++)
    {
      guint n_turns = KVP_WORKLOAD_CONVERSATION_MIN_TURNS +
                      (guint) (kvp_rng_next (&rng) % (KVP_WORKLOAD_CONVERSATION_MAX_TURNS -
                                                      KVP_WORKLOAD_CONVERSATION_MIN_TURNS + 1));
      guint64 history = 0;
      double earliest = start[c].arrival;

      for (guint k = 0; k < n_turns && turns->len < n; k++, next++)
        {
          const KvpRequest *m = &message[next % n];
          Turn t = { { 0 }, { 1, c, 0, 0, 0, 0, 0, 0, 0.0 }, c, k };

          /* A conversation the model can no longer hold ends here. */
          if (history + m->prompt_len + m->output_len > max_len)
            break;
          t.request.prompt_len = (guint32) (history + m->prompt_len);
          t.request.output_len = m->output_len;
          if (k > 0)
            {
              /* A later turn waits for the previous answer; until a run
               * says when that ends, its arrival is the earliest it could
               * be (answers taking no time), which orders the turns. */
              t.sharing.waits = samples;
              t.sharing.think_s = kvp_rng_exponential (&think, KVP_WORKLOAD_CONVERSATION_THINK_S);
              earliest += t.sharing.think_s;
            }
          t.request.arrival = earliest;
          t.request.arrival_step = (guint32) floor (t.request.arrival / KVP_WORKLOAD_STEP_SECONDS);
          t.sharing.prefix_len = t.request.prompt_len;
          g_array_append_val (turns, t);
          history += (guint64) m->prompt_len + m->output_len;
        }
    }
  g_array_sort (turns, compare_turns);

  /* Each turn names the one after it, by its place in arrival order: a
   * conversation's turns stay in order, as their earliest arrivals grow. */
  last = g_new0 (guint, MAX (c, 1));
  for (guint i = 0; i < turns->len; i++)
    {
      Turn *t = &g_array_index (turns, Turn, i);

      if (t->turn > 0)
        g_array_index (turns, Turn, last[t->conversation] - 1).sharing.next = i + 1;
      last[t->conversation] = i + 1;
    }

  return turns;
}

KvpWorkload *
kvp_workload_new_conversation (const KvpWorkloadOptions  *options,
                               GError                   **error)
{
  g_autoptr(KvpWorkload) starts = NULL;
  g_autoptr(KvpWorkload) lengths = NULL;
  g_autoptr(GArray) turns = NULL;
  g_autoptr(GArray) requests = NULL;
  g_autoptr(GArray) sharing = NULL;
  KvpWorkloadOptions opts;
  guint n;

  g_return_val_if_fail (options != NULL, NULL);

  if (options->shared_prefix > 0 || options->prefix_groups > 1)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--shared-prefix and --prefix-groups give prompts a prefix, and a conversation’s prompts "
                     "start with its history: leave them out."));
      return NULL;
    }

  /* ShareGPT's messages and answers; Poisson starts when a rate is given.
   * Never more conversations than requests, so n draws are enough. */
  opts = *options;
  opts.source = "sharegpt";
  opts.shared_prefix = opts.prefix_groups = opts.samples = 0;
  n = opts.n_requests > 0 ? opts.n_requests : KVP_WORKLOAD_DEFAULT_REQUESTS;
  opts.n_requests = n;
  starts = kvp_workload_new (&opts, error);
  if (starts == NULL)
    return NULL;
  opts.request_rate = 0.0;
  opts.seed = options->seed + 1;
  lengths = kvp_workload_new (&opts, error);
  if (lengths == NULL)
    return NULL;

  turns = make_turns (starts, lengths, n, options->max_len, MAX (options->samples, 1), options->seed);
  requests = g_array_sized_new (FALSE, FALSE, sizeof (KvpRequest), turns->len);
  sharing = g_array_sized_new (FALSE, FALSE, sizeof (KvpRequestSharing), turns->len);
  for (guint i = 0; i < turns->len; i++)
    {
      Turn *t = &g_array_index (turns, Turn, i);

      t->sharing.n = MAX (options->samples, 1);
      g_array_append_val (requests, t->request);
      g_array_append_val (sharing, t->sharing);
    }

  return kvp_workload_new_derived (starts, "conversation", requests, sharing);
}
