/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-workload-sharing.c: shared prefixes and samples of a workload. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
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
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("With its %u-token shared prefix, request %u (prompt %u, output %u tokens) is longer than "
                         "the model’s %u tokens: give a shorter --shared-prefix or a longer --max-model-len."),
                       prefix_len, i + 1, request.prompt_len, request.output_len, max_len);
          return NULL;
        }
      request.prompt_len += prefix_len;
      g_array_append_val (requests, request);
      g_array_append_val (sharing, share);
    }

  return kvp_workload_new_derived (base, requests, sharing);
}

KvpWorkload *
kvp_workload_expand_samples (KvpWorkload  *base,
                             GError      **error)
{
  g_autoptr(GArray) requests = NULL;
  g_autoptr(GArray) sharing = NULL;
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
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The workload’s samples make %" PRIu64 " requests, more than the %u a simulation "
                     "runs: use fewer --requests or samples."),
                   total, KVP_WORKLOAD_MAX_REQUESTS);
      return NULL;
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
      for (guint32 k = 0; k < samples; k++)
        {
          g_array_append_val (requests, in[i]);
          g_array_append_val (sharing, share);
        }
    }

  return kvp_workload_new_derived (base, requests, sharing);
}
