/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-params.h: what a person chooses, and the one home of the rules about
 * it — defaults, ranges, validation, clamping and equality.  The command
 * line, the settings, the state object, the window, the comparison and the
 * block pool all ask here instead of knowing a range themselves.
 *
 * Adding a numeric parameter:
 *   1. a field in KvpParams (guint32 or guint64),
 *   2. an id in KvpParamId, before KVP_N_PARAMS,
 *   3. one entry in the table in kvp-params.c: its name (property and
 *      GSettings key), its command-line option, the field, min, max, default,
 *      the parameter that bounds it from above (if any), whether sliders move
 *      over a log scale, its label, and its messages.
 * Validation, clamping, equality, the command-line parsing, KvpState's
 * properties and their settings binding all follow from the table.  (A
 * setting to remember it still needs its key in the GSettings schema, and
 * an option its GOptionEntry in main.c.) */

#pragma once

#include <glib.h>

#include "kvp-model.h"

G_BEGIN_DECLS

/* The largest values; the block pool's own limits are these. */
#define KVP_PARAMS_MAX_BLOCKS      (16u * 1024u * 1024u)
#define KVP_PARAMS_MAX_BLOCK_SIZE  1024u
#define KVP_MAX_SEQ_LEN            (16u * 1024u * 1024u)
#define KVP_PARAMS_MAX_SAMPLES     8u

/* vLLM's KV-cache groups of a hybrid model (kvp-vllm.h), or NULL. */
typedef struct _KvpPoolLayout KvpPoolLayout;

/* What a person chooses. */
typedef struct
{
  const KvpModel *model;
  KvpDtype        dtype;
  guint64         seq_len;      /* n: tokens in the sequence, 1 … max_seq_len */
  guint64         max_seq_len;  /* R: tokens a traditional cache reserves */
  guint32         block_size;   /* B: token slots per block, 1 … 1024 */
  guint32         num_blocks;   /* N: physical blocks in the pool */
  /* Parallel sampling (vLLM's SamplingParams.n): samples of one prompt, each
   * seq_len tokens long, sharing the prompt's first prompt_len tokens.  1
   * sample and no prompt is one sequence, as before. */
  guint32         samples;      /* 1 … 8 */
  guint64         prompt_len;   /* 0 … seq_len */
  /* With vLLM's sizing of a model whose layers fill more than one KV-cache
   * group, or a group of sliding-window or chunked layers, how a request
   * spreads over them: the block figures then count every group, and a
   * window's cap, as vLLM does.  NULL: one group of full attention.  Kept
   * for the process (kvp_vllm_sizing_get_layout). */
  const KvpPoolLayout *layout;
  /* vLLM's pool (sized from a GPU, KV memory or a log): its block 0 is the
   * null block, which BlockPool takes for itself, so num_blocks − 1 blocks
   * are usable.  FALSE: a plain pool of num_blocks, every one usable. */
  gboolean        null_block;
} KvpParams;

/* The numeric parameters, in the order they are applied: a parameter that
 * bounds another comes before it. */
typedef enum
{
  KVP_PARAM_MAX_SEQ_LEN,
  KVP_PARAM_SEQ_LEN,
  KVP_PARAM_BLOCK_SIZE,
  KVP_PARAM_NUM_BLOCKS,
  KVP_PARAM_SAMPLES,
  KVP_PARAM_PROMPT_LEN,
  KVP_N_PARAMS
} KvpParamId;

#define KVP_PARAM_NONE (-1)

typedef struct
{
  const char *name;          /* property and GSettings key, "seq-len" */
  const char *option;        /* long command-line option, "seq-len" */
  gsize       offset;        /* of the field in KvpParams */
  guint       size;          /* of the field: 4 or 8 bytes */
  guint64     min;
  guint64     max;
  guint64     default_value;
  int         bounded_by;    /* a KvpParamId whose value is also a maximum, or KVP_PARAM_NONE */
  gboolean    log_scale;     /* the range spans powers of two: sliders move over log2 */
  const char *label;         /* translatable, with a mnemonic: "_Sequence length" */
  const char *max_reason;    /* translatable, why max is the most: "the largest block kvpage handles." */
  /* Translatable printf formats, each taking its values as %s: the table
   * holds the numbers, kvp-params groups them (kvp_format_count ()). */
  const char *out_of_range;  /* value, min, max */
  const char *over_bound;    /* value, the bound's value */
  const char *option_over_bound; /* value as typed, the bound's value, the bound again (command line) */
} KvpParamInfo;

const KvpParamInfo *kvp_param_get_info      (KvpParamId        id);
/* By name or option; KVP_PARAM_NONE when unknown. */
int                 kvp_param_lookup        (const char       *name);
/* @value within the parameter's own range (not its bound). */
gboolean            kvp_param_check         (KvpParamId        id,
                                             guint64           value,
                                             GError          **error);
/* A command-line value: a whole number in range, or an error naming the
 * option, the text and the range. */
gboolean            kvp_param_parse         (KvpParamId        id,
                                             const char       *text,
                                             guint64          *out_value,
                                             GError          **error);

void     kvp_params_init_default (KvpParams        *params);
guint64  kvp_params_get          (const KvpParams  *params,
                                  KvpParamId        id);
/* Stores @value as is; kvp_params_clamp() or kvp_params_validate() judge it. */
void     kvp_params_set          (KvpParams        *params,
                                  KvpParamId        id,
                                  guint64           value);
/* The largest value @id may take given the others (its own max, or its
 * bound's value when that is less). */
guint64  kvp_params_get_max      (const KvpParams  *params,
                                  KvpParamId        id);
gboolean kvp_params_validate     (const KvpParams  *params,
                                  GError          **error);
/* Like kvp_params_validate(), but a value over its bound is told with the
 * command-line options' names. */
gboolean kvp_params_validate_options (const KvpParams  *params,
                                      GError          **error);
/* Makes any params valid: no or an unknown dtype becomes the default, every
 * number is clamped into its range and under its bound. */
void     kvp_params_clamp        (KvpParams        *params);
gboolean kvp_params_equal        (const KvpParams  *a,
                                  const KvpParams  *b);

G_END_DECLS
