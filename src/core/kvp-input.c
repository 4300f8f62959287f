/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-input.c: files a person names are untrusted: read through one open (a
 * FIFO's writer is not lost between two), never past a cap (a device or a
 * stream has no size to check first), and JSON checked against RFC 8259
 * before json-glib, which accepts more and recurses per nesting level. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-input.h"

/* The first read of a stream; a regular file's is its size. */
#define FIRST_CHUNK (64 * 1024)
/* Longer number tokens are refused rather than handed to strtod. */
#define MAX_NUMBER_LENGTH 512

struct _KvpInput
{
  int      fd;
  guint64  max_bytes;
  gsize    max_line;
  guint64  total;      /* bytes read so far */
  guint64  line;
  char    *buf;
  gsize    alloc;
  gsize    start;      /* the unread bytes are buf[start, end) */
  gsize    end;
  gboolean eof;
  gboolean regular;
  gboolean head;       /* open_head (): the cap ends the file, no error */
  gboolean truncated;  /* head: bytes past the cap were there */
  gboolean by_lines;   /* read_line () was called: the buffer holds a few lines */
  guint64  size_hint;  /* a regular file's size */
};

G_DEFINE_QUARK (kvp-input-error-quark, kvp_input_error)

/* The regular files this process has read, for kvp_input_lookup_read. */
typedef struct
{
  guint64  device;
  guint64  inode;
  char    *path;       /* as given, for messages */
  char    *absolute;   /* to find it again whatever the current folder */
} ReadFile;

G_LOCK_DEFINE_STATIC (read_files);
static GArray *read_files;

static void
remember_read (const char        *path,
               const struct stat *st)
{
  ReadFile entry = { st->st_dev, st->st_ino, NULL, NULL };

  G_LOCK (read_files);
  if (read_files == NULL)
    read_files = g_array_new (FALSE, FALSE, sizeof (ReadFile));
  for (guint i = 0; i < read_files->len; i++)
    {
      ReadFile *known = &g_array_index (read_files, ReadFile, i);

      if (known->device == entry.device && known->inode == entry.inode && g_str_equal (known->path, path))
        {
          G_UNLOCK (read_files);
          return;
        }
    }
  entry.path = g_strdup (path);
  entry.absolute = g_canonicalize_filename (path, NULL);
  g_array_append_val (read_files, entry);
  G_UNLOCK (read_files);
}

char *
kvp_input_lookup_read (guint64 device,
                       guint64 inode)
{
  char *found = NULL;

  G_LOCK (read_files);
  for (guint i = 0; read_files != NULL && i < read_files->len && found == NULL; i++)
    {
      ReadFile *known = &g_array_index (read_files, ReadFile, i);
      struct stat st;

      /* A file deleted since may have left its inode number to a new one:
       * only a name that still leads to the inode counts. */
      if (known->device == device && known->inode == inode &&
          stat (known->absolute, &st) == 0 && (guint64) st.st_dev == device && (guint64) st.st_ino == inode)
        found = g_strdup (known->path);
    }
  G_UNLOCK (read_files);

  return found;
}

static gboolean
set_errno_error (GError **error,
                 int      saved_errno)
{
  g_set_error_literal (error, KVP_INPUT_ERROR,
                       saved_errno == ENOENT || saved_errno == ENOTDIR || saved_errno == ENAMETOOLONG ? KVP_INPUT_ERROR_NOT_FOUND
                       : saved_errno == EISDIR ? KVP_INPUT_ERROR_IS_FOLDER
                       : KVP_INPUT_ERROR_FAILED,
                       g_strerror (saved_errno));
  return FALSE;
}

/* A cap as people read it: "16 MiB", "512 KiB"; caps are round numbers. */
static char *
format_cap (guint64 bytes)
{
  if (bytes % (1024 * 1024) == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", bytes >> 20);
  if (bytes % 1024 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " KiB", bytes >> 10);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes);
}

static gboolean
set_too_large (KvpInput  *self,
               GError   **error)
{
  g_autofree char *size = format_cap (self->max_bytes);

  /* Translators: the size is like "16 MiB". */
  g_set_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_TOO_LARGE,
               _("it holds more than %s, and kvpage reads no further"), size);
  return FALSE;
}

static KvpInput *
input_open (const char  *path,
            guint64      max_bytes,
            gboolean     head,
            GError     **error)
{
  g_autoptr(KvpInput) self = NULL;
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (max_bytes > 0 && max_bytes < G_MAXSIZE / 2, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (KvpInput, 1);
  self->max_bytes = max_bytes;
  self->head = head;
  self->fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (self->fd < 0)
    {
      set_errno_error (error, errno);
      return NULL;
    }

  if (fstat (self->fd, &st) != 0)
    {
      set_errno_error (error, errno);
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error_literal (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_IS_FOLDER, _("it is a folder"));
      return NULL;
    }

  self->regular = S_ISREG (st.st_mode);
  if (self->regular)
    {
      if ((guint64) st.st_size > max_bytes && !head)
        {
          set_too_large (self, error);
          return NULL;
        }
      self->size_hint = MIN ((guint64) st.st_size, max_bytes);
      remember_read (path, &st);
    }

  return g_steal_pointer (&self);
}

KvpInput *
kvp_input_open (const char  *path,
                guint64      max_bytes,
                GError     **error)
{
  return input_open (path, max_bytes, FALSE, error);
}

KvpInput *
kvp_input_open_head (const char  *path,
                     guint64      max_bytes,
                     GError     **error)
{
  return input_open (path, max_bytes, TRUE, error);
}

gboolean
kvp_input_get_truncated (KvpInput *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->truncated;
}

void
kvp_input_set_max_line (KvpInput *self,
                        gsize     max_line)
{
  g_return_if_fail (self != NULL);

  self->max_line = max_line;
}

/* Reads what the buffer has room for, growing it when full; never asks for
 * more than one byte past the cap, so a device or a stream stops there. */
static gboolean
fill (KvpInput  *self,
      GError   **error)
{
  gsize room;
  gsize want;
  gssize n;

  if (self->start > 0 && self->start == self->end)
    self->start = self->end = 0;
  else if (self->start > 0 && self->end == self->alloc - 1)
    {
      memmove (self->buf, self->buf + self->start, self->end - self->start);
      self->end -= self->start;
      self->start = 0;
    }

  if (self->alloc == 0 || self->end + 1 >= self->alloc)
    {
      /* All of a regular file at once, unless it is read by lines. */
      gsize first = self->regular && !self->by_lines ? (gsize) self->size_hint + 2 : FIRST_CHUNK;
      gsize grown = self->alloc == 0 ? MAX (first, 64) : self->alloc * 2;

      /* No more than the cap, its extra byte and the NUL. */
      grown = MIN (grown, (gsize) self->max_bytes + 2);
      if (grown <= self->end + 1)
        grown = self->end + 2;
      self->buf = g_realloc (self->buf, grown);
      self->alloc = grown;
    }

  room = self->alloc - 1 - self->end;
  want = MIN (room, (gsize) (self->max_bytes + 1 - self->total));
  do
    n = read (self->fd, self->buf + self->end, want);
  while (n < 0 && errno == EINTR);

  if (n < 0)
    return set_errno_error (error, errno);
  if (n == 0)
    self->eof = TRUE;

  self->end += n;
  self->total += n;
  if (self->total > self->max_bytes && self->head)
    {
      /* The byte past the cap only tells that there was more. */
      self->end--;
      self->total--;
      self->truncated = TRUE;
      self->eof = TRUE;
    }
  self->buf[self->end] = '\0';
  if (self->total > self->max_bytes)
    return set_too_large (self, error);

  return TRUE;
}

static gboolean
set_line_too_long (KvpInput  *self,
                   GError   **error)
{
  g_autofree char *size = format_cap (self->max_line);

  /* Translators: the size is like "1 MiB". */
  g_set_error (error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_LINE_TOO_LONG,
               _("line %u is longer than %s, far longer than any real one"),
               (guint) MIN (self->line + 1, G_MAXUINT), size);
  return FALSE;
}

gboolean
kvp_input_read_line (KvpInput  *self,
                     char     **out_line,
                     gsize     *out_length,
                     GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_line != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->by_lines = TRUE;
  for (gsize searched = 0;;)
    {
      char *line = self->buf != NULL ? self->buf + self->start : NULL;
      char *newline = line != NULL ? memchr (line + searched, '\n', self->end - self->start - searched) : NULL;
      gsize length = newline != NULL ? (gsize) (newline - line) : self->end - self->start;

      if (self->max_line > 0 && length > self->max_line)
        return set_line_too_long (self, error);

      if (newline != NULL || (self->eof && length > 0))
        {
          line[length] = '\0';
          self->start += newline != NULL ? length + 1 : length;
          self->line++;
          *out_line = line;
          if (out_length != NULL)
            *out_length = length;
          return TRUE;
        }
      if (self->eof)
        return FALSE;

      /* fill () may move the bytes: search again from where this stopped. */
      searched = length;
      if (!fill (self, error))
        return FALSE;
    }
}

guint64
kvp_input_get_line_number (KvpInput *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->line;
}

char *
kvp_input_read_all (KvpInput  *self,
                    gsize     *out_length,
                    GError   **error)
{
  char *data;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  while (!self->eof)
    if (!fill (self, error))
      return NULL;

  if (self->buf == NULL)
    {
      if (out_length != NULL)
        *out_length = 0;
      return g_strdup ("");
    }

  if (self->start == 0)
    data = g_steal_pointer (&self->buf);
  else
    {
      /* Bytes, NULs and all, not a string: g_strndup would stop at a NUL. */
      data = g_malloc (self->end - self->start + 1);
      memcpy (data, self->buf + self->start, self->end - self->start);
      data[self->end - self->start] = '\0';
    }
  if (out_length != NULL)
    *out_length = self->end - self->start;
  self->alloc = 0;
  self->start = self->end = 0;

  return data;
}

void
kvp_input_free (KvpInput *self)
{
  if (self == NULL)
    return;

  if (self->fd >= 0)
    close (self->fd);
  g_free (self->buf);
  g_free (self);
}

char *
kvp_input_read_file (const char  *path,
                     guint64      max_bytes,
                     gsize       *out_length,
                     GError     **error)
{
  g_autoptr(KvpInput) input = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  input = kvp_input_open (path, max_bytes, error);
  if (input == NULL)
    return NULL;

  return kvp_input_read_all (input, out_length, error);
}

gsize
kvp_input_bom_length (const char *data,
                      gsize       length)
{
  g_return_val_if_fail (data != NULL || length == 0, 0);

  return length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* The strict JSON check.  An explicit stack instead of recursion, so a
 * hostile file costs memory in proportion to max_depth only. */

typedef struct
{
  const char       *p;
  const char       *end;
  guint             line;
  KvpInputJsonUnit  unit;
  const char       *key;       /* the member name read last, raw */
  gsize             key_length;
} Scan;

/* The text from p to the next delimiter, short and quoted for a message. */
static char *
token_at (const char *p,
          const char *end)
{
  const char *q = p;
  g_autofree char *raw = NULL;
  g_autofree char *quoted = NULL;

  while (q < end && q - p < 24 && strchr (" \t\r\n,:[]{}\"", *q) == NULL)
    q = g_utf8_next_char (q);
  if (q == p)
    q = MIN (end, g_utf8_next_char (p));
  if (q > end)
    q = end;

  raw = g_strndup (p, q - p);
  quoted = kvp_quote (raw);
  if (q < end && q - p >= 24 && strchr (" \t\r\n,:[]{}\"", *q) == NULL)
    return g_strconcat (quoted, "…", NULL);

  return g_steal_pointer (&quoted);
}

static void
skip_space (Scan *s)
{
  for (; s->p < s->end; s->p++)
    {
      if (*s->p == '\n')
        s->line++;
      else if (*s->p != ' ' && *s->p != '\t' && *s->p != '\r')
        break;
    }
}

/* What is at s->p where something else was expected. */
static gboolean
unexpected (Scan        *s,
            const char  *expected,
            GError     **error)
{
  g_autofree char *token = NULL;

  if (s->p >= s->end)
    return kvp_set_invalid (error, _("the JSON ends before it is complete."));
  if (s->end - s->p >= 2 && s->p[0] == '/' && (s->p[1] == '*' || s->p[1] == '/'))
    return kvp_set_invalid (error, _("a comment, which JSON does not allow."));
  if (*s->p == '\'')
    return kvp_set_invalid (error, _("a string in single quotes: JSON quotes strings with \"."));

  token = token_at (s->p, s->end);
  /* Translators: the first is what is in the file, the second what JSON needs there. */
  return kvp_set_invalid (error, _("“%s” where JSON needs %s."), token, expected);
}

static int
hex_value (char c)
{
  if (g_ascii_isdigit (c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* \uXXXX at p (after the backslash and the u), or -1. */
static int
read_hex4 (const char *p,
           const char *end)
{
  int value = 0;

  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

static gboolean
scan_escape (Scan    *s,
             GError **error)
{
  const char *escape = s->p;   /* at the backslash */
  int unit;

  if (s->end - s->p < 2)
    return kvp_set_invalid (error, _("the JSON ends inside a string."));
  if (strchr ("\"\\/bfnrt", s->p[1]) != NULL && s->p[1] != '\0')
    {
      s->p += 2;
      return TRUE;
    }
  if (s->p[1] != 'u' || (unit = read_hex4 (s->p + 2, s->end)) < 0)
    {
      g_autofree char *token = token_at (escape, MIN (s->end, escape + 2));

      return kvp_set_invalid (error, _("“%s” is not an escape JSON knows."), token);
    }
  s->p += 6;

  /* json-glib cuts a string at \u0000 and mangles a lone surrogate, so the
   * key or value would differ from the one Python reads. */
  if (unit == 0)
    return kvp_set_invalid (error, _("a \\u0000 escape, which kvpage does not read."));
  if (unit >= 0xDC00 && unit <= 0xDFFF)
    return kvp_set_invalid (error, _("an unpaired surrogate escape (\\u%04X)."), (guint) unit);
  if (unit >= 0xD800 && unit <= 0xDBFF)
    {
      int low = s->end - s->p >= 2 && s->p[0] == '\\' && s->p[1] == 'u' ? read_hex4 (s->p + 2, s->end) : -1;

      if (low < 0xDC00 || low > 0xDFFF)
        return kvp_set_invalid (error, _("an unpaired surrogate escape (\\u%04X)."), (guint) unit);
      s->p += 6;
    }

  return TRUE;
}

/* A string from its opening quote; the text is valid UTF-8 already. */
static gboolean
scan_string (Scan    *s,
             GError **error)
{
  for (s->p++; s->p < s->end;)
    {
      guchar c = *s->p;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }
      if (c == '\\')
        {
          if (!scan_escape (s, error))
            return FALSE;
          continue;
        }
      if (c < 0x20)
        {
          g_autofree char *shown = g_strdup_printf ("\\x%02X", c);

          return kvp_set_invalid (error, _("a control character (%s) inside a string: JSON writes it as an escape such as \\n."),
                                  shown);
        }
      s->p++;
    }

  return kvp_set_invalid (error, _("the JSON ends inside a string."));
}

static gboolean
is_delimiter (Scan *s)
{
  return s->p >= s->end || strchr (" \t\r\n,]}", *s->p) != NULL;
}

static gboolean
scan_number (Scan    *s,
             GError **error)
{
  const char *start = s->p;
  gboolean integer = TRUE;
  g_autofree char *text = NULL;

  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (s->p < s->end && *s->p >= '1' && *s->p <= '9')
    while (s->p < s->end && g_ascii_isdigit (*s->p))
      s->p++;
  else
    goto bad;

  if (s->p < s->end && *s->p == '.')
    {
      integer = FALSE;
      if (++s->p >= s->end || !g_ascii_isdigit (*s->p))
        goto bad;
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        s->p++;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      integer = FALSE;
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (s->p >= s->end || !g_ascii_isdigit (*s->p))
        goto bad;
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        s->p++;
    }
  if (!is_delimiter (s))
    goto bad;

  if (s->p - start > MAX_NUMBER_LENGTH)
    {
      text = token_at (start, s->p);
      return kvp_set_invalid (error, _("the number %s is too long to read."), text);
    }

  /* json-glib wraps an integer past 64 bits into a wrong one, and a double
   * past its range becomes infinity: refused, with the key they belong to. */
  text = g_strndup (start, s->p - start);
  {
    gboolean fits;

    errno = 0;
    if (integer)
      {
        g_ascii_strtoll (text, NULL, 10);
        fits = errno != ERANGE;
      }
    else
      {
        fits = isfinite (g_ascii_strtod (text, NULL));
      }
    if (!fits)
      {
        g_autofree char *shown = token_at (start, s->p);

        if (s->key != NULL)
          {
            g_autofree char *raw = g_strndup (s->key, s->key_length);
            g_autofree char *key = kvp_quote (raw);

            /* Translators: a key of the JSON file, then its number. */
            return kvp_set_invalid (error, _("key “%s”: the number %s is too large."), key, shown);
          }
        return kvp_set_invalid (error, _("the number %s is too large."), shown);
      }
  }

  return TRUE;

bad:
  {
    g_autofree char *token = token_at (start, s->end);

    return kvp_set_invalid (error, _("“%s” is not a number as JSON writes one."), token);
  }
}

static gboolean
scan_scalar (Scan    *s,
             GError **error)
{
  static const char *words[] = { "true", "false", "null" };

  if (s->p < s->end && *s->p == '"')
    return scan_string (s, error);
  if (s->p < s->end && (*s->p == '-' || g_ascii_isdigit (*s->p)))
    return scan_number (s, error);

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      gsize n = strlen (words[i]);

      if ((gsize) (s->end - s->p) >= n && memcmp (s->p, words[i], n) == 0)
        {
          s->p += n;
          if (is_delimiter (s))
            return TRUE;
          s->p -= n;
        }
    }

  return unexpected (s, _("a value (an object, a list, a string in \"…\", a number, true, false or null)"), error);
}

/* After a value inside a container: a comma (then the next value or key)
 * or the container's end.  Returns 1 for a value to read next, 2 for a key,
 * 0 when the container closed, -1 on an error. */
static int
scan_after_value (Scan     *s,
                  char      container,
                  GError  **error)
{
  char closer = container == '{' ? '}' : ']';

  skip_space (s);
  if (s->p < s->end && *s->p == closer)
    {
      s->p++;
      return 0;
    }
  if (s->p >= s->end || *s->p != ',')
    {
      unexpected (s, container == '{' ? _("“,” or “}”") : _("“,” or “]”"), error);
      return -1;
    }

  s->p++;
  skip_space (s);
  if (s->p < s->end && (*s->p == '}' || *s->p == ']'))
    {
      kvp_set_invalid (error, _("a comma before “%c”, which JSON does not allow."), *s->p);
      return -1;
    }
  return container == '{' ? 2 : 1;
}

/* A member name and its colon. */
static gboolean
scan_key (Scan    *s,
          GError **error)
{
  const char *start;

  skip_space (s);
  if (s->p >= s->end || *s->p != '"')
    return unexpected (s, _("a key in \"…\""), error);

  start = s->p;
  if (!scan_string (s, error))
    return FALSE;
  s->key = start + 1;
  s->key_length = s->p - start - 2;

  skip_space (s);
  if (s->p >= s->end || *s->p != ':')
    return unexpected (s, "“:”", error);
  s->p++;

  return TRUE;
}

static gboolean
scan_value (Scan    *s,
            guint    max_depth,
            GError **error)
{
  g_autofree char *stack = g_malloc (max_depth + 1);
  guint depth = 0;
  guint n_values = 0;
  int next = 1;   /* as scan_after_value () */

  for (;;)
    {
      if (next == 2 && !scan_key (s, error))
        return FALSE;

      /* json-glib spends about 90 bytes on a value: 16 MiB of "[1,1,…"
       * would take 700 MB. */
      if (++n_values > KVP_INPUT_JSON_MAX_VALUES)
        {
          g_autofree char *most = kvp_format_count (KVP_INPUT_JSON_MAX_VALUES);

          return kvp_set_invalid (error, _("more than %s values, far more than any real file holds."), most);
        }

      skip_space (s);
      if (s->p < s->end && (*s->p == '{' || *s->p == '['))
        {
          char opener = *s->p++;

          if (depth == max_depth)
            {
              g_autofree char *most = kvp_format_count (max_depth);

              return kvp_set_invalid (error, _("lists or objects nest more than %s deep, far deeper than any real file."),
                                      most);
            }
          stack[depth++] = opener;
          skip_space (s);
          if (s->p < s->end && *s->p == (opener == '{' ? '}' : ']'))
            s->p++;
          else
            {
              next = opener == '{' ? 2 : 1;
              continue;
            }
          depth--;
        }
      else if (!scan_scalar (s, error))
        {
          return FALSE;
        }

      /* A value is complete: close every container it completes. */
      for (next = 0; next == 0 && depth > 0;)
        {
          next = scan_after_value (s, stack[depth - 1], error);
          if (next < 0)
            return FALSE;
          if (next == 0)
            depth--;
        }
      if (depth == 0)
        return TRUE;
    }
}

/* The line of position p, for a fault the UTF-8 check found. */
static guint
line_of (const char *data,
         const char *p)
{
  guint line = 1;

  for (const char *q = data; q < p; q++)
    line += *q == '\n';
  return line;
}

gboolean
kvp_input_check_json (const char        *data,
                      gsize              length,
                      KvpInputJsonUnit   unit,
                      guint              max_depth,
                      guint             *out_line,
                      GError           **error)
{
  Scan s = { data, data + length, 1, unit, NULL, 0 };
  const char *bad = NULL;
  guint line_unused;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (max_depth > 0 && max_depth <= 4096, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_line == NULL)
    out_line = &line_unused;
  *out_line = 1;

  if (!g_utf8_validate_len (data, length, &bad))
    {
      *out_line = line_of (data, bad);
      if (*bad == '\0')
        return kvp_set_invalid (error, _("a NUL byte, which no text file holds."));
      return kvp_set_invalid (error, _("a byte that is not UTF-8 (\\x%02X)."), (guchar) *bad);
    }

  skip_space (&s);
  if (s.p >= s.end)
    {
      *out_line = s.line;
      return kvp_set_invalid (error, _("it is empty: there is no JSON value."));
    }

  if (!scan_value (&s, max_depth, error))
    {
      *out_line = s.line;
      return FALSE;
    }

  skip_space (&s);
  *out_line = s.line;
  if (s.p < s.end)
    {
      g_autofree char *token = token_at (s.p, s.end);

      if (s.end - s.p >= 2 && s.p[0] == '/' && (s.p[1] == '*' || s.p[1] == '/'))
        return unexpected (&s, "", error);

      if (unit == KVP_INPUT_JSON_LINE)
        return kvp_set_invalid (error, _("“%s” after the JSON value: JSON Lines holds one value per line."), token);
      return kvp_set_invalid (error, _("“%s” after the JSON value: the file must hold one value only."), token);
    }

  return TRUE;
}
