/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-option-rules.c: the command line's combination rules.  Adding an
 * option that needs another is one row here, not another branch in main.c. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kvp-error.h"
#include "kvp-option-rules.h"

/* The options that make kvpage answer on the command line and exit. */
#define HEADLESS "json export vllm-log simulate from-log"

/* Translators: two options that cannot go together, then why. */
#define BOTH N_("--%s and --%s cannot go together: %s")
#define NEEDS_GPU N_("--%s goes with a GPU: add --gpu KEY (see --list-gpus) or --gpu-memory SIZE.")
#define NEEDS_SIZING N_("--%s goes with vLLM’s sizing: add --gpu KEY (see --list-gpus), --gpu-memory SIZE or " \
                        "--kv-cache-memory SIZE.")

static const KvpOptionRule value_rules[] = {
  { "config", NULL, "model", BOTH, N_("a config.json is the model.") },
  { "gpu", NULL, "gpu-memory", BOTH, N_("a GPU preset has its memory; give one of them.") },
  { "max-model-len", NULL, "max-seq-len", BOTH, N_("they are two names of one length.") },
  { "kv-cache-memory", NULL, "gpu-memory-utilization", BOTH, N_("the KV memory is given exactly.") },
  { "kv-cache-memory", NULL, "weights-memory", BOTH, N_("the KV memory is given exactly.") },
  { "kv-cache-memory", NULL, "activation-memory", BOTH, N_("the KV memory is given exactly.") },
  { "gpu-memory-utilization", "gpu gpu-memory", NULL, NEEDS_GPU },
  { "weights-memory", "gpu gpu-memory", NULL, NEEDS_GPU },
  { "activation-memory", "gpu gpu-memory", NULL, NEEDS_GPU },
  /* The simulation's scheduler takes the token budget on its own. */
  { "max-num-batched-tokens", "gpu gpu-memory kv-cache-memory simulate view=serving view=capacity", NULL,
    NEEDS_SIZING },
  { "no-async-scheduling", "gpu gpu-memory kv-cache-memory", NULL, NEEDS_SIZING },
};

static const KvpOptionRule action_rules[] = {
  { "size scale theme", "export", NULL,
    N_("--size, --scale and --theme go with --export FILE.") },
  { "json", NULL, "export",
    N_("--json and --export do different things: give one of them.") },
  { "view step", "export", NULL,
    N_("--view and --step go with --export FILE.") },
  { "step", "view", NULL,
    N_("--step goes with --view serving.") },
  /* The simulation's own options are kvp-sim-command's (main.c asks it). */
  { "simulate", NULL, "export",
    N_("--simulate and --export do different things: give one of them.") },
  /* The samples are the sequence view's; the simulation serves a workload. */
  { "samples prompt-len", NULL, "simulate view=serving view=capacity",
    N_("--%s is the sequence view’s: it goes with --json, the window, or --export without --view serving or capacity.") },
  { "vllm-log", NULL, "json export",
    N_("--vllm-log prints vLLM’s lines; --json has them too (vllm_log): give one of them.") },
  /* The window has no control for the batch. */
  { "max-num-batched-tokens no-async-scheduling allow-long-max-model-len", HEADLESS, NULL,
    N_("--%s goes with --json, --export or --vllm-log; the window takes the other GPU options.") },
};

const KvpOptionRule *
kvp_option_rules_get (KvpOptionRuleSet  set,
                      guint            *out_n_rules)
{
  gboolean values = set == KVP_OPTION_RULES_VALUES;

  if (out_n_rules != NULL)
    *out_n_rules = values ? G_N_ELEMENTS (value_rules) : G_N_ELEMENTS (action_rules);
  return values ? value_rules : action_rules;
}

/* TRUE when @name ("json", or "view=serving") is given in @options. */
static gboolean
is_given (GVariantDict *options,
          const char   *name)
{
  const char *equals = strchr (name, '=');
  g_autofree char *option = NULL;
  const char *value = NULL;

  if (equals == NULL)
    return g_variant_dict_contains (options, name);

  option = g_strndup (name, equals - name);
  return g_variant_dict_lookup (options, option, "&s", &value) && g_strcmp0 (value, equals + 1) == 0;
}

/* The first of the space-separated @names given, or NULL. */
static char *
first_given (GVariantDict *options,
             const char   *names)
{
  g_auto(GStrv) list = NULL;

  if (names == NULL)
    return NULL;
  list = g_strsplit (names, " ", -1);
  for (guint i = 0; list[i] != NULL; i++)
    if (is_given (options, list[i]))
      return g_strdup (list[i]);
  return NULL;
}

gboolean
kvp_option_rules_check (GVariantDict      *options,
                        KvpOptionRuleSet   set,
                        GError           **error)
{
  const KvpOptionRule *rules;
  guint n_rules;

  g_return_val_if_fail (options != NULL, FALSE);

  rules = kvp_option_rules_get (set, &n_rules);
  for (guint i = 0; i < n_rules; i++)
    {
      const KvpOptionRule *rule = &rules[i];
      g_autofree char *given = first_given (options, rule->given);
      g_autofree char *needed = NULL;
      g_autofree char *excluded = NULL;

      if (given == NULL)
        continue;
      needed = first_given (options, rule->needs);
      excluded = first_given (options, rule->excludes);
      if ((rule->needs == NULL || needed != NULL) && excluded == NULL)
        continue;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      if (rule->reason != NULL)
        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _(rule->message), given, excluded, _(rule->reason));
      else if (strstr (rule->message, "%s") != NULL)
        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _(rule->message), given);
      else
        g_set_error_literal (error, KVP_ERROR, KVP_ERROR_INVALID, _(rule->message));
#pragma GCC diagnostic pop
      return FALSE;
    }

  return TRUE;
}
