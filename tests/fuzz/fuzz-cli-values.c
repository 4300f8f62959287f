/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-cli-values.c: the parser behind each value option.  The first byte
 * picks the option, the rest is its value; a refusal must be one clean line,
 * an acceptance a value within the option's range. */

#include "config.h"

#include "fuzz-common.h"
#include "kvp-block-pool.h"
#include "kvp-cli.h"
#include "kvp-comparison.h"
#include "kvp-error.h"
#include "kvp-export.h"
#include "kvp-model.h"
#include "kvp-theme.h"

static const struct
{
  const char *option;
  guint64     min;
  guint64     max;
} numbers[] = {
  { "seq-len", 1, KVP_MAX_SEQ_LEN },
  { "max-seq-len", 1, KVP_MAX_SEQ_LEN },
  { "block-size", 1, KVP_BLOCK_POOL_MAX_BLOCK_SIZE },
  { "blocks", 1, KVP_BLOCK_POOL_MAX_BLOCKS },
};

enum { PICK_MODEL, PICK_DTYPE, PICK_SIZE, PICK_SCALE, PICK_THEME, PICK_QUOTE, PICK_NUMBER, N_PICKS };

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

  pick = data[0] % (N_PICKS + G_N_ELEMENTS (numbers) - 1);
  value = fuzz_word (data + 1, size - 1);

  switch (pick)
    {
    case PICK_MODEL:
      {
        const KvpModel *model = kvp_model_lookup (value, &error);

        ok = model != NULL;
        if (ok && g_ascii_strcasecmp (model->key, value) != 0)
          abort ();
        break;
      }

    case PICK_DTYPE:
      {
        KvpDtype dtype = KVP_N_DTYPES;

        ok = kvp_dtype_from_string (value, &dtype, &error);
        if (ok && dtype >= KVP_N_DTYPES)
          abort ();
        break;
      }

    case PICK_SIZE:
      {
        int w = 0, h = 0;

        ok = kvp_export_parse_size (value, &w, &h, &error);
        if (ok && (w < KVP_EXPORT_MIN_WIDTH || w > KVP_EXPORT_MAX_SIDE ||
                   h < KVP_EXPORT_MIN_HEIGHT || h > KVP_EXPORT_MAX_SIDE))
          abort ();
        break;
      }

    case PICK_SCALE:
      {
        int scale = 0;

        ok = kvp_export_parse_scale (value, &scale, &error);
        if (ok && (scale < KVP_EXPORT_MIN_SCALE || scale > KVP_EXPORT_MAX_SCALE))
          abort ();
        break;
      }

    case PICK_THEME:
      {
        KvpThemeVariant variant;

        ok = kvp_theme_variant_from_string (value, &variant, &error);
        if (ok && kvp_theme_get (variant) == NULL)
          abort ();
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
          abort ();
        error = g_error_new (KVP_ERROR, KVP_ERROR_INVALID, "“%s”", quoted);
        break;
      }

    default:
      {
        guint i = pick - PICK_NUMBER;
        guint64 n = 0;

        g_assert (i < G_N_ELEMENTS (numbers));
        ok = kvp_cli_parse_number (numbers[i].option, value, numbers[i].min,
                                   numbers[i].max, &n, &error);
        if (ok && (n < numbers[i].min || n > numbers[i].max))
          abort ();
        break;
      }
    }

  if (ok && error != NULL)
    abort ();
  if (!ok || pick == PICK_QUOTE)
    fuzz_check_message (error);

  return 0;
}
