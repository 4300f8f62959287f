/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-option-rules.h: which command-line options go together, as one table:
 * an option that only means something beside another, and two options that
 * do different things.  main.c asks here instead of spelling each rule out. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One rule.  Names are space-separated long options, or "NAME=VALUE" for an
 * option given with that value ("view=serving").  The rule applies when any
 * of @given is given; then one of @needs must be given too (when @needs is
 * not NULL), and none of @excludes (when not NULL).  @message is
 * translatable; a "%s" in it names the option of @given that broke it. */
typedef struct
{
  const char *given;
  const char *needs;
  const char *excludes;
  const char *message;
  const char *reason;   /* translatable; with it, message takes the option
                         * given, the one excluded and the reason */
} KvpOptionRule;

/* Which rules: those about values, checked as the values are read (two
 * names of one thing, a choice that makes another moot), or those about
 * what kvpage is asked to do, checked before it does it. */
typedef enum
{
  KVP_OPTION_RULES_VALUES,
  KVP_OPTION_RULES_ACTIONS,
} KvpOptionRuleSet;

/* The rules of @set in the order they are checked; the first broken one is
 * told. */
const KvpOptionRule *kvp_option_rules_get   (KvpOptionRuleSet  set,
                                             guint            *out_n_rules);

/* Checks @options against every rule of @set; KVP_ERROR_INVALID with the
 * rule's message for the first one broken. */
gboolean             kvp_option_rules_check (GVariantDict     *options,
                                             KvpOptionRuleSet  set,
                                             GError          **error);

G_END_DECLS
