/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-input.h: the one way kvpage reads a file a person names — a config, a
 * workload, a log: one open whatever the file is (a regular file, a FIFO, a
 * device, /dev/stdin), never more than a cap of bytes, and the strict
 * RFC 8259 check every JSON text passes before json-glib parses it. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KVP_INPUT_ERROR (kvp_input_error_quark ())

/* The message of each is the reason alone ("No such file or directory"):
 * the caller names the file and the option the way its messages do. */
typedef enum
{
  KVP_INPUT_ERROR_NOT_FOUND,      /* no such file, a folder on the way is none, a name too long */
  KVP_INPUT_ERROR_IS_FOLDER,
  KVP_INPUT_ERROR_TOO_LARGE,      /* more than max_bytes: reading stopped there */
  KVP_INPUT_ERROR_LINE_TOO_LONG,  /* a line longer than max_line */
  KVP_INPUT_ERROR_FAILED,         /* the system's reason: permission, I/O */
} KvpInputError;

GQuark    kvp_input_error_quark        (void);

typedef struct _KvpInput KvpInput;

/* Opens path once for reading, blocking as a FIFO does until it has a
 * writer.  A regular file larger than max_bytes is refused before anything
 * is read; any other file is refused at the first byte past max_bytes.
 * Remembers a regular file as read (see kvp_input_lookup_read). */
KvpInput *kvp_input_open               (const char  *path,
                                        guint64      max_bytes,
                                        GError     **error);
/* As kvp_input_open (), for a file whose first max_bytes are all that
 * matter (a server's log runs on for gigabytes after its start-up lines):
 * reading stops there without an error, and kvp_input_get_truncated () says
 * whether more followed. */
KvpInput *kvp_input_open_head          (const char  *path,
                                        guint64      max_bytes,
                                        GError     **error);
/* Whether kvp_input_open_head () left bytes past max_bytes unread. */
gboolean  kvp_input_get_truncated      (KvpInput    *self);
/* Lines longer than max_line bytes (without the newline) are refused;
 * 0, the default, allows max_bytes. */
void      kvp_input_set_max_line       (KvpInput    *self,
                                        gsize        max_line);
/* The next line, without its "\n", NUL-terminated and valid until the next
 * call (it may hold NUL bytes: out_length counts them).  FALSE at the end,
 * with error unset, or on an error. */
gboolean  kvp_input_read_line          (KvpInput    *self,
                                        char       **out_line,
                                        gsize       *out_length,
                                        GError     **error);
/* The number of the line read last, from 1. */
guint64   kvp_input_get_line_number    (KvpInput    *self);
/* The rest of the file, NUL-terminated (out_length leaves the NUL out). */
char     *kvp_input_read_all           (KvpInput    *self,
                                        gsize       *out_length,
                                        GError     **error);
void      kvp_input_free               (KvpInput    *self);

/* kvp_input_open () and kvp_input_read_all () in one. */
char     *kvp_input_read_file          (const char  *path,
                                        guint64      max_bytes,
                                        gsize       *out_length,
                                        GError     **error);

/* The name under which this process read the regular file of this device
 * and inode, while that name still leads to it; else NULL.  Outputs use it
 * to refuse to replace an input.  Free the result. */
char     *kvp_input_lookup_read        (guint64      device,
                                        guint64      inode);

/* Lists and objects may nest this deep; real configs and traces nest a few
 * levels, and json-glib parses by recursion. */
#define KVP_INPUT_JSON_MAX_DEPTH 64
/* Values (each string, number, list, object…) in one text: real configs
 * hold a few thousand, and json-glib keeps about 90 bytes a value. */
#define KVP_INPUT_JSON_MAX_VALUES 1000000u

typedef enum
{
  KVP_INPUT_JSON_FILE,  /* one value in the whole text */
  KVP_INPUT_JSON_LINE,  /* one value on the line (JSON Lines) */
} KvpInputJsonUnit;

/* Whether data is exactly one RFC 8259 JSON value, padded with whitespace:
 * UTF-8 without NUL, no comments, no single quotes, no bare words, no
 * numbers JSON does not write (0x10, 012, .5, NaN) or that do not fit a
 * 64-bit integer or a double, no \u0000 or unpaired surrogate escapes, no
 * nesting deeper than max_depth, no more than KVP_INPUT_JSON_MAX_VALUES
 * values, nothing after the value.  A byte-order mark
 * is the caller's to remove.  KVP_ERROR_INVALID with the reason alone, and
 * the line (from 1) it is on in *out_line. */
gboolean  kvp_input_check_json         (const char       *data,
                                        gsize             length,
                                        KvpInputJsonUnit  unit,
                                        guint             max_depth,
                                        guint            *out_line,
                                        GError          **error);

/* The length of a UTF-8 byte-order mark at the start of data: 3 or 0. */
gsize     kvp_input_bom_length         (const char  *data,
                                        gsize        length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpInput, kvp_input_free)

G_END_DECLS
