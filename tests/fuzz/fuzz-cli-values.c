/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-cli-values.c: the parser behind each value option (the model, the KV
 * type, the export's size, scale and theme, --schemes, --workload and every
 * numeric parameter in kvp-params' table) and the quoting of input.  The
 * first byte picks the option, the rest is its value; a refusal must be one
 * clean line, an acceptance a value within the option's range. */

#include "config.h"

#include "fuzz-common.h"
#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-export.h"
#include "kvp-model.h"
#include "kvp-params.h"
#include "kvp-simulation.h"
#include "kvp-theme.h"
#include "kvp-workload.h"

enum
{
  PICK_MODEL, PICK_DTYPE, PICK_SIZE, PICK_SCALE, PICK_THEME, PICK_QUOTE, PICK_SCHEMES, PICK_WORKLOAD,
  PICK_PARAM, /* then one pick per numeric parameter */
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  guint pick;
  gboolean ok = FALSE;

  if (size == 0)
    return 0;

  pick = data[0] % (PICK_PARAM + KVP_N_PARAMS);
  value = fuzz_word (data + 1, size - 1);

  switch (pick)
    {
    case PICK_MODEL:
      {
        const KvpModel *model = kvp_model_lookup (value, &error);

        ok = model != NULL;
        if (ok && g_ascii_strcasecmp (model->key, value) != 0)
          fuzz_fail ("a model was found under another name");
        break;
      }

    case PICK_DTYPE:
      {
        KvpDtype dtype = KVP_N_DTYPES;

        ok = kvp_dtype_from_string (value, &dtype, &error);
        if (ok && dtype >= KVP_N_DTYPES)
          fuzz_fail ("an unknown KV cache type was accepted");
        break;
      }

    case PICK_SIZE:
      {
        int w = 0, h = 0;

        ok = kvp_export_parse_size (value, &w, &h, &error);
        if (ok && (w < KVP_EXPORT_MIN_WIDTH || w > KVP_EXPORT_MAX_SIDE ||
                   h < KVP_EXPORT_MIN_HEIGHT || h > KVP_EXPORT_MAX_SIDE))
          fuzz_fail ("a size outside the limits was accepted");
        break;
      }

    case PICK_SCALE:
      {
        int scale = 0;

        ok = kvp_export_parse_scale (value, &scale, &error);
        if (ok && (scale < KVP_EXPORT_MIN_SCALE || scale > KVP_EXPORT_MAX_SCALE))
          fuzz_fail ("a scale outside the limits was accepted");
        break;
      }

    case PICK_THEME:
      {
        KvpThemeVariant variant;

        ok = kvp_theme_variant_from_string (value, &variant, &error);
        if (ok && kvp_theme_get (variant) == NULL)
          fuzz_fail ("an unknown theme was accepted");
        break;
      }

    case PICK_QUOTE:
      {
        /* Quoting always yields plain text, and leaves printable ASCII as
         * it is. */
        g_autofree char *quoted = kvp_quote (value);
        gboolean printable = TRUE;

        for (const char *p = value; *p != '\0'; p++)
          printable = printable && *p >= 0x20 && *p < 0x7f;
        if (printable && strcmp (quoted, value) != 0)
          fuzz_fail ("quoting changed printable ASCII");
        error = g_error_new (KVP_ERROR, KVP_ERROR_INVALID, "“%s”", quoted);
        break;
      }

    case PICK_SCHEMES:
      {
        guint mask = 0;

        ok = kvp_scheme_mask_parse (value, &mask, &error);
        if (ok && mask >= 1u << KVP_N_SCHEMES)
          fuzz_fail ("a scheme mask names a scheme that does not exist");
        break;
      }

    case PICK_WORKLOAD:
      {
        /* A generator's name, or a file (which mostly does not exist). */
        g_autoptr(KvpWorkload) workload = NULL;
        KvpWorkloadOptions options;

        kvp_workload_options_init (&options);
        options.source = value;
        options.n_requests = 4;
        options.max_len = kvp_model_get_default ()->max_context;
        workload = kvp_workload_new (&options, &error);
        ok = workload != NULL;
        break;
      }

    default:
      {
        /* Every numeric parameter, from the table the command line reads. */
        KvpParamId id = pick - PICK_PARAM;
        const KvpParamInfo *info = kvp_param_get_info (id);
        guint64 n = 0;

        ok = kvp_param_parse (id, value, &n, &error);
        if (ok && (n < info->min || n > info->max))
          fuzz_fail ("a parameter outside its range was accepted");
        break;
      }
    }

  if (ok && error != NULL)
    fuzz_fail ("a value was accepted with an error set");
  if (!ok || pick == PICK_QUOTE)
    fuzz_check_message (error);

  return 0;
}
