/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-file-writer.h: replaces a file all at once or not at all.  The bytes go
 * to an unnamed file in the target's folder (O_TMPFILE), or where the file
 * system has none to a short hidden name that is removed on failure and on
 * SIGHUP, SIGINT and SIGTERM; the file appears under its name only complete. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KvpFileWriter KvpFileWriter;

/* Follows @path through every symbolic link to the file it finally names (the
 * links stay links) and opens the temporary file beside that one.  Fails with
 * KVP_ERROR_FAILED, naming @path, when the target exists and is not a regular
 * file (a folder, FIFO, device, socket), is not writable, or its folder does
 * not take new files; with KVP_ERROR_INVALID when @path is empty or the
 * target is a file this process read as input (kvp_input_lookup_read). */
KvpFileWriter *kvp_file_writer_new     (const char     *path,
                                        GError        **error);
/* Where to write the bytes. */
int            kvp_file_writer_get_fd  (KvpFileWriter  *self);
/* Syncs the bytes and puts the file in place of the target, keeping an old
 * file's permissions.  On failure nothing is left and the target is as it
 * was.  The writer is spent either way. */
gboolean       kvp_file_writer_commit  (KvpFileWriter  *self,
                                        GError        **error);
/* Discards what was written, unless committed. */
void           kvp_file_writer_free    (KvpFileWriter  *self);

/* Replaces @path with @len bytes of @data through a writer: all or nothing. */
gboolean       kvp_file_replace_contents (const char   *path,
                                          const char   *data,
                                          gsize         len,
                                          GError      **error);

/* "Could not write “PATH”: REASON", the path quoted. */
void           kvp_set_write_error     (GError        **error,
                                        const char     *path,
                                        const char     *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpFileWriter, kvp_file_writer_free)

G_END_DECLS
