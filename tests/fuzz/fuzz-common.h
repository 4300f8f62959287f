/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.h: what the fuzz targets check of every message they provoke. */

#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* A broken promise: says which, for the person reading the crash. */
static inline void
fuzz_fail (const char *why)
{
  fprintf (stderr, "fuzz: %s\n", why);
  abort ();
}

/* The promise every message keeps: valid UTF-8 on one line, with no character
 * a terminal would act on.  Aborts, so libFuzzer and the test both notice. */
static inline void
fuzz_check_message (const GError *error)
{
  const char *p;

  if (error == NULL || error->message == NULL || error->message[0] == '\0')
    abort ();
  if (!g_utf8_validate (error->message, -1, NULL))
    abort ();

  for (p = error->message; *p != '\0'; p = g_utf8_next_char (p))
    {
      GUnicodeType type = g_unichar_type (g_utf8_get_char (p));

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT ||
          type == G_UNICODE_LINE_SEPARATOR || type == G_UNICODE_PARAGRAPH_SEPARATOR)
        abort ();
    }
}

/* The input up to its first NUL, as a command-line word would be. */
static inline char *
fuzz_word (const uint8_t *data,
           size_t         size)
{
  return g_strndup ((const char *) data, size);
}
