/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-params.c: the table of parameters and every rule that reads it. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-params.h"

#include "kvp-cli.h"

#define FIELD(member) G_STRUCT_OFFSET (KvpParams, member), sizeof (((KvpParams *) NULL)->member)

/* The one table.  Order: a bound before what it bounds (see KvpParamId). */
static const KvpParamInfo param_table[KVP_N_PARAMS] = {
  [KVP_PARAM_MAX_SEQ_LEN] = {
    "max-seq-len", "max-seq-len", FIELD (max_seq_len),
    1, KVP_MAX_SEQ_LEN, 2048 /* the default model's context, see init_default */,
    KVP_PARAM_NONE, TRUE,
    N_("_Reserved length"),
    /* Translators: ends "2,048 is the most: …" under a field. */
    N_("the longest reservation kvpage handles."),
    N_("The reserved length %s is out of range: use %s to %s tokens."),
    NULL, NULL,
  },
  [KVP_PARAM_SEQ_LEN] = {
    "seq-len", "seq-len", FIELD (seq_len),
    1, KVP_MAX_SEQ_LEN, 128,
    KVP_PARAM_MAX_SEQ_LEN, FALSE,
    N_("_Sequence length"),
    /* Translators: ends "2,048 is the most: …" under a field. */
    N_("a sequence is at most the reserved length."),
    N_("The sequence length %s is out of range: use %s to %s tokens."),
    N_("The sequence length %s is longer than the reserved length %s."),
    N_("--seq-len %s is longer than the reserved length %s: use 1 to %s, or raise --max-seq-len."),
  },
  [KVP_PARAM_BLOCK_SIZE] = {
    "block-size", "block-size", FIELD (block_size),
    1, KVP_PARAMS_MAX_BLOCK_SIZE, 16,
    KVP_PARAM_NONE, TRUE,
    N_("_Block size"),
    /* Translators: ends "2,048 is the most: …" under a field. */
    N_("the largest block kvpage handles."),
    N_("The block size %s is out of range: use %s to %s tokens."),
    NULL, NULL,
  },
  [KVP_PARAM_NUM_BLOCKS] = {
    "num-blocks", "blocks", FIELD (num_blocks),
    1, KVP_PARAMS_MAX_BLOCKS, 1024,
    KVP_PARAM_NONE, TRUE,
    N_("Block _count"),
    /* Translators: ends "2,048 is the most: …" under a field. */
    N_("the largest pool kvpage builds."),
    N_("The block count %s is out of range: use %s to %s blocks."),
    NULL, NULL,
  },
  [KVP_PARAM_SAMPLES] = {
    "samples", "samples", FIELD (samples),
    1, KVP_PARAMS_MAX_SAMPLES, 1,
    KVP_PARAM_NONE, FALSE,
    N_("Sa_mples"),
    /* Translators: ends "2,048 is the most: …" under a field. */
    N_("the most samples the sequence view draws."),
    N_("The sample count %s is out of range: use %s to %s samples."),
    NULL, NULL,
  },
  [KVP_PARAM_PROMPT_LEN] = {
    "prompt-len", "prompt-len", FIELD (prompt_len),
    0, KVP_MAX_SEQ_LEN, 0,
    KVP_PARAM_SEQ_LEN, FALSE,
    N_("Shared _prefix"),
    /* Translators: ends "2,048 is the most: …" under a field. */
    N_("the shared prompt is part of each sample’s sequence."),
    N_("The prompt length %s is out of range: use %s to %s tokens."),
    N_("The prompt length %s is longer than the sequence length %s."),
    N_("--prompt-len %s is longer than the sequence length %s: use 0 to %s, or raise --seq-len."),
  },
};

/* The table's messages are formats held as data, so the compiler cannot
 * check them against their arguments: each takes up to three values as %s,
 * which test-params checks by printing every one.  The counts are grouped
 * here, as every figure a person reads; with @typed_first, the first is an
 * option's value, plain, as it was typed. */
static void
set_table_error (GError        **error,
                 const char     *format,
                 gboolean        typed_first,
                 const guint64   values[3])
{
  g_autofree char *message = NULL;
  char *texts[3];

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    texts[i] = i == 0 && typed_first ? g_strdup_printf ("%" PRIu64, values[i]) : kvp_format_count (values[i]);

  /* -Wformat-nonliteral (in -Wformat=2, the fuzzing build) needs telling.
   * A format with fewer than three %s leaves the rest unread, as printf
   * allows. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  message = g_strdup_printf (_(format), texts[0], texts[1], texts[2]);
#pragma GCC diagnostic pop

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_free (texts[i]);
  g_set_error_literal (error, KVP_ERROR, KVP_ERROR_INVALID, message);
}

const KvpParamInfo *
kvp_param_get_info (KvpParamId id)
{
  g_return_val_if_fail (id < KVP_N_PARAMS, NULL);

  return &param_table[id];
}

int
kvp_param_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, KVP_PARAM_NONE);

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    if (g_str_equal (name, param_table[i].name) || g_str_equal (name, param_table[i].option))
      return i;

  return KVP_PARAM_NONE;
}

gboolean
kvp_param_check (KvpParamId   id,
                 guint64      value,
                 GError     **error)
{
  const KvpParamInfo *info;

  g_return_val_if_fail (id < KVP_N_PARAMS, FALSE);

  info = &param_table[id];
  if (value < info->min || value > info->max)
    {
      set_table_error (error, info->out_of_range, FALSE, (const guint64[3]) { value, info->min, info->max });
      return FALSE;
    }

  return TRUE;
}

gboolean
kvp_param_parse (KvpParamId   id,
                 const char  *text,
                 guint64     *out_value,
                 GError     **error)
{
  const KvpParamInfo *info;

  g_return_val_if_fail (id < KVP_N_PARAMS, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  info = &param_table[id];
  return kvp_cli_parse_number (info->option, text, info->min, info->max, out_value, error);
}

void
kvp_params_init_default (KvpParams *params)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->model = kvp_model_get_default ();
  params->dtype = KVP_DTYPE_DEFAULT;
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    kvp_params_set (params, i, param_table[i].default_value);

  /* The traditional cache reserves the model's whole context. */
  params->max_seq_len = params->model->max_context;
}

guint64
kvp_params_get (const KvpParams *params,
                KvpParamId       id)
{
  const guint8 *field;

  g_return_val_if_fail (params != NULL, 0);
  g_return_val_if_fail (id < KVP_N_PARAMS, 0);

  field = (const guint8 *) params + param_table[id].offset;
  if (param_table[id].size == sizeof (guint32))
    return *(const guint32 *) field;

  return *(const guint64 *) field;
}

void
kvp_params_set (KvpParams  *params,
                KvpParamId  id,
                guint64     value)
{
  guint8 *field;

  g_return_if_fail (params != NULL);
  g_return_if_fail (id < KVP_N_PARAMS);

  field = (guint8 *) params + param_table[id].offset;
  if (param_table[id].size == sizeof (guint32))
    *(guint32 *) field = (guint32) MIN (value, G_MAXUINT32);
  else
    *(guint64 *) field = value;
}

guint64
kvp_params_get_max (const KvpParams *params,
                    KvpParamId       id)
{
  const KvpParamInfo *info;
  guint64 max;

  g_return_val_if_fail (params != NULL, 0);
  g_return_val_if_fail (id < KVP_N_PARAMS, 0);

  info = &param_table[id];
  max = info->max;
  if (info->bounded_by != KVP_PARAM_NONE)
    max = MIN (max, MAX (kvp_params_get (params, info->bounded_by), info->min));
  /* A hybrid model's several KV cache groups take one sample (validate). */
  if (id == KVP_PARAM_SAMPLES && params->layout != NULL)
    max = 1;

  return max;
}

static gboolean
validate (const KvpParams  *params,
          gboolean          options,
          GError          **error)
{
  if (params->model == NULL)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("No model is chosen."));
      return FALSE;
    }
  if (params->dtype >= KVP_N_DTYPES)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("The KV cache type is not one kvpage knows."));
      return FALSE;
    }

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = &param_table[i];
      guint64 value = kvp_params_get (params, i);
      guint64 bound;

      /* The samples share blocks of one group of full attention; a hybrid
       * model's requests hold blocks in several groups, a sliding window's
       * no more than the window needs. */
      if (i == KVP_PARAM_SAMPLES && value > 1 && params->layout != NULL)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       options ? _("--samples is for one group of full attention, and this model’s layers fill several KV cache groups or slide a window: leave it at 1.")
                               : _("More than one sample is drawn for one group of full attention only, and this model’s layers fill several KV cache groups or slide a window."));
          return FALSE;
        }

      if (!kvp_param_check (i, value, error))
        return FALSE;

      if (info->bounded_by == KVP_PARAM_NONE)
        continue;

      bound = kvp_params_get (params, info->bounded_by);
      if (value > bound)
        {
          if (options)
            set_table_error (error, info->option_over_bound, TRUE, (const guint64[3]) { value, bound, bound });
          else
            set_table_error (error, info->over_bound, FALSE, (const guint64[3]) { value, bound, 0 });
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
kvp_params_validate (const KvpParams  *params,
                     GError          **error)
{
  g_return_val_if_fail (params != NULL, FALSE);

  return validate (params, FALSE, error);
}

gboolean
kvp_params_validate_options (const KvpParams  *params,
                             GError          **error)
{
  g_return_val_if_fail (params != NULL, FALSE);

  return validate (params, TRUE, error);
}

void
kvp_params_clamp (KvpParams *params)
{
  g_return_if_fail (params != NULL);

  if (params->model == NULL)
    params->model = kvp_model_get_default ();
  if (params->dtype >= KVP_N_DTYPES)
    params->dtype = KVP_DTYPE_DEFAULT;

  /* The table puts a bound before what it bounds, so one pass is enough. */
  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      guint64 value = kvp_params_get (params, i);

      kvp_params_set (params, i, CLAMP (value, param_table[i].min, kvp_params_get_max (params, i)));
    }
}

gboolean
kvp_params_equal (const KvpParams *a,
                  const KvpParams *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->dtype != b->dtype || a->layout != b->layout || !a->null_block != !b->null_block)
    return FALSE;
  if (a->model != b->model &&
      (a->model == NULL || b->model == NULL || g_strcmp0 (a->model->key, b->model->key) != 0))
    return FALSE;

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    if (kvp_params_get (a, i) != kvp_params_get (b, i))
      return FALSE;

  return TRUE;
}
