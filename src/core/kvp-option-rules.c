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

static const KvpOptionRule rules[] = {
  { "size scale theme", "export", NULL,
    N_("--size, --scale and --theme go with --export FILE.") },
  { "json", NULL, "export",
    N_("--json and --export do different things: give one of them.") },
  { "view step", "export", NULL,
    N_("--view and --step go with --export FILE.") },
  { "step", "view", NULL,
    N_("--step goes with --view serving.") },
  /* --view serving simulates too, but writes no CSV. */
  { "workload requests request-rate seed schemes", "simulate view=serving", NULL,
    N_("--workload, --requests, --request-rate, --seed, --schemes and --csv go with --simulate.") },
  { "csv", "simulate", NULL,
    N_("--workload, --requests, --request-rate, --seed, --schemes and --csv go with --simulate.") },
  { "simulate", NULL, "export",
    N_("--simulate and --export do different things: give one of them.") },
  { "vllm-log", NULL, "json export",
    N_("--vllm-log prints vLLM’s lines; --json has them too (vllm_log): give one of them.") },
  /* The window has no control for the batch. */
  { "max-num-batched-tokens no-async-scheduling allow-long-max-model-len", HEADLESS, NULL,
    N_("--%s goes with --json, --export or --vllm-log; the window takes the other GPU options.") },
};

const KvpOptionRule *
kvp_option_rules_get (guint *out_n_rules)
{
  if (out_n_rules != NULL)
    *out_n_rules = G_N_ELEMENTS (rules);
  return rules;
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
kvp_option_rules_check (GVariantDict  *options,
                        GError       **error)
{
  g_return_val_if_fail (options != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
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
      if (strstr (rule->message, "%s") != NULL)
        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _(rule->message), given);
      else
        g_set_error_literal (error, KVP_ERROR, KVP_ERROR_INVALID, _(rule->message));
#pragma GCC diagnostic pop
      return FALSE;
    }

  return TRUE;
}
