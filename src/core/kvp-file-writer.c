/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-file-writer.c: the one way kvpage replaces a file, so an interrupted or
 * failed write leaves neither debris nor a damaged old file. */

#define G_LOG_DOMAIN "kvpage-core"
/* O_PATH, O_TMPFILE and linkat's AT_SYMLINK_FOLLOW are Linux's. */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-file-writer.h"
#include "kvp-input.h"

/* Linux allows 40 links in a path; a longer chain is a loop. */
#define MAX_LINKS 40
/* ".kvpage-" and six random characters: short, so a target name of 255 bytes,
 * the most a folder entry holds, still leaves room for it. */
#define TEMP_NAME_SIZE 16

struct _KvpFileWriter
{
  char     *path;        /* as given, for messages */
  char     *base;        /* the final file's name in its folder */
  int       dir_fd;      /* the final file's folder (O_PATH) */
  int       fd;
  gboolean  unnamed;     /* O_TMPFILE: nothing to clean up */
  gboolean  exists;      /* the target exists and is replaced */
  mode_t    mode;        /* an existing target's permissions */
  int       slot;        /* the signal-cleanup slot of a named temporary, or -1 */
  gboolean  holds_signals;
  gboolean  done;
};

/* Named temporary files the signal handler removes: fixed storage it can read
 * without locks.  A slot is claimed with a compare-and-exchange on armed. */
#define N_SLOTS 16

typedef struct
{
  volatile int  armed;
  int           dir_fd;
  char          name[TEMP_NAME_SIZE];
} Slot;

static Slot slots[N_SLOTS];

static const int cleanup_signals[] = { SIGHUP, SIGINT, SIGTERM };
static struct sigaction previous[G_N_ELEMENTS (cleanup_signals)];
static gboolean handled[G_N_ELEMENTS (cleanup_signals)];
static guint n_users;
static GMutex users_lock;

/* Async-signal-safe: unlinkat, sigaction and raise only. */
static void
cleanup_cb (int sig)
{
  int saved_errno = errno;

  for (guint i = 0; i < N_SLOTS; i++)
    if (slots[i].armed == 1)
      unlinkat (slots[i].dir_fd, slots[i].name, 0);

  /* Then the signal does what it did before: usually, end the process. */
  for (guint i = 0; i < G_N_ELEMENTS (cleanup_signals); i++)
    if (cleanup_signals[i] == sig)
      sigaction (sig, &previous[i], NULL);
  raise (sig);

  errno = saved_errno;
}

static void
hold_signals (void)
{
  g_mutex_lock (&users_lock);
  if (n_users++ == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (cleanup_signals); i++)
        {
          struct sigaction action = { 0 };

          sigaction (cleanup_signals[i], NULL, &previous[i]);
          /* An ignored signal (nohup) stays ignored. */
          handled[i] = previous[i].sa_handler != SIG_IGN;
          if (!handled[i])
            continue;
          action.sa_handler = cleanup_cb;
          sigemptyset (&action.sa_mask);
          for (guint j = 0; j < G_N_ELEMENTS (cleanup_signals); j++)
            sigaddset (&action.sa_mask, cleanup_signals[j]);
          sigaction (cleanup_signals[i], &action, NULL);
        }
    }
  g_mutex_unlock (&users_lock);
}

static void
release_signals (void)
{
  g_mutex_lock (&users_lock);
  g_assert (n_users > 0);
  if (--n_users == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (cleanup_signals); i++)
        if (handled[i])
          sigaction (cleanup_signals[i], &previous[i], NULL);
    }
  g_mutex_unlock (&users_lock);
}

/* Creates a file with a fresh hidden name in the folder, registered for
 * removal on a signal before it exists.  Returns the slot, or -1 with errno. */
static int
create_named (int   dir_fd,
              int  *out_fd)
{
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  int slot = -1;

  for (int i = 0; i < N_SLOTS && slot < 0; i++)
    if (g_atomic_int_compare_and_exchange (&slots[i].armed, 0, -1))
      slot = i;
  if (slot < 0)
    {
      errno = EBUSY;
      return -1;
    }

  slots[slot].dir_fd = dir_fd;
  for (int attempt = 0; attempt < 100; attempt++)
    {
      int fd;

      g_atomic_int_set (&slots[slot].armed, -1);
      memcpy (slots[slot].name, ".kvpage-", 8);
      for (int k = 8; k < TEMP_NAME_SIZE - 2; k++)
        slots[slot].name[k] = chars[g_random_int_range (0, sizeof chars - 1)];
      slots[slot].name[TEMP_NAME_SIZE - 2] = '\0';

      /* Armed before the file exists: a signal in between only tries to
       * remove a name that is not there. */
      g_atomic_int_set (&slots[slot].armed, 1);
      if (out_fd != NULL)
        fd = openat (dir_fd, slots[slot].name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      else
        fd = 0;   /* the caller creates it (a link) */

      if (fd >= 0)
        {
          if (out_fd != NULL)
            *out_fd = fd;
          return slot;
        }
      if (errno != EEXIST)
        break;
    }

  g_atomic_int_set (&slots[slot].armed, 0);
  return -1;
}

static void
disarm (KvpFileWriter *self,
        gboolean       remove)
{
  if (self->slot < 0)
    return;

  if (remove)
    unlinkat (self->dir_fd, slots[self->slot].name, 0);
  g_atomic_int_set (&slots[self->slot].armed, 0);
  self->slot = -1;
}

void
kvp_set_write_error (GError    **error,
                     const char *path,
                     const char *reason)
{
  g_autofree char *display = kvp_quote (path);

  g_set_error (error, KVP_ERROR, KVP_ERROR_FAILED,
               _("Could not write “%s”: %s"), display, reason);
}

static gboolean
fail_errno (KvpFileWriter  *self,
            int             saved_errno,
            GError        **error)
{
  kvp_set_write_error (error, self->path, g_strerror (saved_errno));
  return FALSE;
}

static KvpFileWriter *
refuse (KvpFileWriter  *self,
        int             saved_errno,
        GError        **error)
{
  fail_errno (self, saved_errno, error);
  return NULL;
}

static KvpFileWriter *
refuse_not_regular (KvpFileWriter  *self,
                    GError        **error)
{
  kvp_set_write_error (error, self->path,
                       _("it is not a regular file (a device, a pipe or a socket), and kvpage replaces only files"));
  return NULL;
}

/* Replacing a file this process read — a workload, a config — would
 * destroy the input the output comes from, whatever name or link leads to
 * it.  KVP_ERROR_INVALID: a usage mistake, with nothing written. */
static gboolean
check_not_input (KvpFileWriter      *self,
                 const struct stat  *st,
                 GError            **error)
{
  g_autofree char *input = kvp_input_lookup_read (st->st_dev, st->st_ino);
  g_autofree char *shown_path = NULL;
  g_autofree char *shown_input = NULL;

  if (input == NULL)
    return TRUE;

  shown_path = kvp_quote (self->path);
  shown_input = kvp_quote (input);
  /* Translators: the output file, then the input file it is the same file as. */
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               _("“%s” is the same file as the input “%s”: writing it would destroy what was read; give another file name."),
               shown_path, shown_input);
  return FALSE;
}

/* The file a chain of links finally names; a name that does not exist yet
 * (or a dangling link's target) is where the new file goes.  NULL with
 * errno 0 for a chain through /proc. */
static char *
resolve_links (const char  *path,
               int         *out_errno)
{
  g_autofree char *current = g_strdup (path);

  for (guint hops = 0;; hops++)
    {
      g_autofree char *target = NULL;
      g_autofree char *dir = NULL;
      struct stat st;

      if (lstat (current, &st) != 0)
        {
          if (errno == ENOENT)
            return g_steal_pointer (&current);
          *out_errno = errno;
          return NULL;
        }
      if (!S_ISLNK (st.st_mode))
        return g_steal_pointer (&current);
      /* /dev/stdout and friends lead through /proc/self/fd: a descriptor,
       * whatever it points at, is not a file to replace. */
      if (g_str_has_prefix (current, "/proc/"))
        {
          *out_errno = 0;
          return NULL;
        }
      if (hops == MAX_LINKS)
        {
          *out_errno = ELOOP;
          return NULL;
        }

      target = g_file_read_link (current, NULL);
      if (target == NULL)
        {
          *out_errno = errno != 0 ? errno : EINVAL;
          return NULL;
        }
      if (g_path_is_absolute (target))
        {
          g_free (current);
          current = g_steal_pointer (&target);
          continue;
        }
      dir = g_path_get_dirname (current);
      g_free (current);
      current = g_build_filename (dir, target, NULL);
    }
}

/* Whether this build may use O_TMPFILE: the file system decides at open, and
 * giving the file its name needs /proc.  KVPAGE_NO_TMPFILE=1 takes the path
 * for file systems without it, so tests can reach it on any machine. */
static gboolean
may_use_tmpfile (void)
{
#ifdef O_TMPFILE
  return g_getenv ("KVPAGE_NO_TMPFILE") == NULL && access ("/proc/self/fd", X_OK) == 0;
#else
  return FALSE;
#endif
}

KvpFileWriter *
kvp_file_writer_new (const char  *path,
                     GError     **error)
{
  g_autoptr(KvpFileWriter) self = NULL;
  g_autofree char *target = NULL;
  g_autofree char *dir = NULL;
  struct stat st;
  int saved_errno = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (KvpFileWriter, 1);
  self->path = g_strdup (path);
  self->dir_fd = -1;
  self->fd = -1;
  self->slot = -1;

  if (*path == '\0')
    {
      g_set_error_literal (error, KVP_ERROR, KVP_ERROR_INVALID,
                           _("The file name to write is empty: give a file name."));
      return NULL;
    }

  /* What the name leads to, through every link, /proc's included: only a
   * regular file may be replaced. */
  if (stat (path, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        return refuse (self, EISDIR, error);
      if (!S_ISREG (st.st_mode))
        return refuse_not_regular (self, error);
    }
  else if (errno != ENOENT)
    {
      return refuse (self, errno, error);
    }

  target = resolve_links (path, &saved_errno);
  if (target == NULL && saved_errno == 0)
    return refuse_not_regular (self, error);
  if (target == NULL)
    return refuse (self, saved_errno, error);

  if (lstat (target, &st) == 0)
    {
      if (!S_ISREG (st.st_mode))
        return refuse_not_regular (self, error);
      /* Replacing needs only a writable folder; a file its owner made
       * read-only stays as it is. */
      if (!check_not_input (self, &st, error))
        return NULL;
      if (access (target, W_OK) != 0)
        return refuse (self, errno, error);
      self->exists = TRUE;
      self->mode = st.st_mode & 07777;
    }

  dir = g_path_get_dirname (target);
  self->base = g_path_get_basename (target);
  self->dir_fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    return refuse (self, errno, error);

  hold_signals ();
  self->holds_signals = TRUE;

#ifdef O_TMPFILE
  if (may_use_tmpfile ())
    {
      self->fd = openat (self->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
      self->unnamed = self->fd >= 0;
    }
#endif

  if (self->fd < 0)
    {
      self->slot = create_named (self->dir_fd, &self->fd);
      if (self->slot < 0)
        return refuse (self, errno, error);
    }

  if (self->exists)
    fchmod (self->fd, self->mode);

  return g_steal_pointer (&self);
}

int
kvp_file_writer_get_fd (KvpFileWriter *self)
{
  g_return_val_if_fail (self != NULL, -1);

  return self->fd;
}

/* Gives the unnamed file a name: the target's when there is none yet, else a
 * temporary one (armed for cleanup) to rename over the target. */
static gboolean
link_unnamed (KvpFileWriter  *self,
              GError        **error)
{
  char proc[64];

  g_snprintf (proc, sizeof proc, "/proc/self/fd/%d", self->fd);

  if (!self->exists)
    {
      if (linkat (AT_FDCWD, proc, self->dir_fd, self->base, AT_SYMLINK_FOLLOW) == 0)
        return TRUE;
      /* Somebody created it meanwhile: replace theirs as we would ours. */
      if (errno != EEXIST)
        return fail_errno (self, errno, error);
    }

  for (int attempt = 0; attempt < 100; attempt++)
    {
      self->slot = create_named (self->dir_fd, NULL);
      if (self->slot < 0)
        return fail_errno (self, errno, error);
      if (linkat (AT_FDCWD, proc, self->dir_fd, slots[self->slot].name, AT_SYMLINK_FOLLOW) == 0)
        break;

      {
        int saved_errno = errno;

        disarm (self, FALSE);
        if (saved_errno != EEXIST)
          return fail_errno (self, saved_errno, error);
      }
    }
  if (self->slot < 0)
    return fail_errno (self, EEXIST, error);

  if (renameat (self->dir_fd, slots[self->slot].name, self->dir_fd, self->base) != 0)
    {
      int saved_errno = errno;

      disarm (self, TRUE);
      return fail_errno (self, saved_errno, error);
    }
  disarm (self, FALSE);

  return TRUE;
}

gboolean
kvp_file_writer_commit (KvpFileWriter  *self,
                        GError        **error)
{
  int fd;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->done, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (fsync (self->fd) != 0)
    return fail_errno (self, errno, error);

  if (self->unnamed)
    {
      if (!link_unnamed (self, error))
        return FALSE;
      self->done = TRUE;
      fd = self->fd;
      self->fd = -1;
      /* The bytes are synced and in place; a late close error changes
       * nothing on disk. */
      close (fd);
      return TRUE;
    }

  fd = self->fd;
  self->fd = -1;
  if (close (fd) != 0)
    return fail_errno (self, errno, error);

  if (renameat (self->dir_fd, slots[self->slot].name, self->dir_fd, self->base) != 0)
    return fail_errno (self, errno, error);

  self->done = TRUE;
  disarm (self, FALSE);

  return TRUE;
}

void
kvp_file_writer_free (KvpFileWriter *self)
{
  if (self == NULL)
    return;

  if (self->fd >= 0)
    close (self->fd);
  if (self->dir_fd >= 0)
    {
      /* Not committed: the named temporary goes (an unnamed one went with
       * its descriptor). */
      disarm (self, TRUE);
      close (self->dir_fd);
    }

  if (self->holds_signals)
    release_signals ();

  g_free (self->path);
  g_free (self->base);
  g_free (self);
}

gboolean
kvp_file_replace_contents (const char  *path,
                           const char  *data,
                           gsize        len,
                           GError     **error)
{
  g_autoptr(KvpFileWriter) writer = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  writer = kvp_file_writer_new (path, error);
  if (writer == NULL)
    return FALSE;

  while (len > 0)
    {
      gssize n = write (writer->fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail_errno (writer, errno, error);
      data += n;
      len -= n;
    }

  return kvp_file_writer_commit (writer, error);
}
