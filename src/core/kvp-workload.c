/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-workload.c: request lengths and arrivals — seeded generators shaped like
 * the PagedAttention paper's datasets, simple fixed and uniform ones, and
 * JSON Lines or CSV files. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-input.h"
#include "kvp-workload.h"

struct _KvpWorkload
{
  gatomicrefcount  ref_count;
  char            *source;
  guint64          seed;
  double           request_rate;
  GArray          *requests;   /* KvpRequest */
};

/* The built-in datasets.  Real ShareGPT and Alpaca traces are not shipped, so
 * lengths come from log-logistic distributions, whose inverse needs only
 * square roots: x = a (u / (1 − u))^(1/k), k = 2 or 4.  IEEE 754 rounds a
 * square root exactly, so the same seed gives the same lengths on every
 * machine (libm's exp and log may differ in the last bit).  k = 2 gives the
 * heavy tail and higher variance of ShareGPT (standard deviation ≈ 0.9 of
 * the mean), k = 4 the tighter Alpaca (≈ 0.5).
 *
 * Pairs then go through the filter of vLLM's benchmarks
 * (vllm/benchmarks/datasets/datasets.py, is_valid_sequence): both lengths at
 * least 4, the prompt at most 1024 and prompt + output at most 2048 tokens —
 * and at most the model's context when that is shorter.  That the paper
 * filtered its traces the same way is an assumption.  The scales a were
 * solved numerically so that the means after the filter are the paper's
 * (§6.1): ShareGPT prompt 161.31 / output 337.99, Alpaca 19.31 / 58.45
 * tokens; test-workload checks them on samples. */
typedef struct
{
  const char *name;
  double      prompt_scale;
  double      output_scale;
  guint       shape;          /* k: 2 or 4 */
} Dataset;

static const Dataset datasets[] = {
  { "sharegpt", 119.07991627581566, 254.77798676777823, 2 },
  { "alpaca",   17.360551653784825, 52.62358473916856,  4 },
};

#define FILTER_MIN_LEN    4u
#define FILTER_MAX_PROMPT 1024u
#define FILTER_MAX_TOTAL  2048u

/* Arrivals use their own stream, so the lengths stay the same whatever the
 * rate. */
#define ARRIVAL_STREAM G_GUINT64_CONSTANT (0xa0761d6478bd642f)

/* SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and fully specified,
 * unlike g_random, whose algorithm GLib may change. */
void
kvp_rng_init (KvpRng  *rng,
              guint64  seed)
{
  g_return_if_fail (rng != NULL);

  rng->state = seed;
}

guint64
kvp_rng_next (KvpRng *rng)
{
  guint64 z;

  g_return_val_if_fail (rng != NULL, 0);

  z = (rng->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);

  return z ^ (z >> 31);
}

double
kvp_rng_uniform (KvpRng *rng)
{
  /* 53 random bits, centred in their interval: never 0, never 1. */
  return ((double) (kvp_rng_next (rng) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* ln x for 0 < x < 1 with only exactly rounded operations (frexp, + − × ÷),
 * for the same reason as the square roots above.  x = m 2^e, m in [1, 2);
 * ln m = 2 atanh s with s = (m − 1)/(m + 1) ≤ 1/3, whose series has
 * converged to double precision after 20 terms.  The core is built with
 * -ffp-contract=off so no compiler fuses these into FMAs. */
static double
exact_ln (double x)
{
  int e;
  double m = frexp (x, &e) * 2.0;
  double s = (m - 1.0) / (m + 1.0);
  double s2 = s * s;
  double term = s;
  double sum = 0.0;

  for (guint k = 0; k < 24; k++)
    {
      sum += term / (double) (2 * k + 1);
      term *= s2;
    }

  return 2.0 * sum + (double) (e - 1) * 0.69314718055994530942;
}

/* A log-logistic length, or 0 when it is far beyond any filter. */
static guint32
draw_length (KvpRng *rng,
             double  scale,
             guint   shape)
{
  double u = kvp_rng_uniform (rng);
  double x = sqrt (u / (1.0 - u));

  if (shape == 4)
    x = sqrt (x);
  x = floor (x * scale + 0.5);

  return x > (double) KVP_WORKLOAD_MAX_LENGTH ? 0 : (guint32) x;
}

static void
init_request (KvpRequest *request,
              guint32     prompt_len,
              guint32     output_len)
{
  request->prompt_len = prompt_len;
  request->output_len = output_len;
  request->arrival = 0.0;
  request->arrival_step = 0;
}

static void
generate_dataset (const Dataset *dataset,
                  KvpRng        *rng,
                  guint          n_requests,
                  guint32        max_len,
                  GArray        *out)
{
  guint32 max_total = MIN (FILTER_MAX_TOTAL, max_len);

  while (out->len < n_requests)
    {
      guint32 prompt = draw_length (rng, dataset->prompt_scale, dataset->shape);
      guint32 output = draw_length (rng, dataset->output_scale, dataset->shape);
      KvpRequest request;

      if (prompt < FILTER_MIN_LEN || output < FILTER_MIN_LEN ||
          prompt > FILTER_MAX_PROMPT || (guint64) prompt + output > max_total)
        continue;

      init_request (&request, prompt, output);
      g_array_append_val (out, request);
    }
}

/* Uniform in [lo, hi] without modulo bias worth speaking of: 64 random bits
 * over at most 2^24 values. */
static guint32
draw_between (KvpRng  *rng,
              guint32  lo,
              guint32  hi)
{
  return lo + (guint32) (kvp_rng_next (rng) % ((guint64) hi - lo + 1));
}

static gboolean
parse_length (const char  *text,
              guint32     *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, KVP_WORKLOAD_MAX_LENGTH, &value, NULL))
    return FALSE;
  *out = (guint32) value;

  return TRUE;
}

static gboolean
parse_range (const char  *text,
             guint32     *lo,
             guint32     *hi)
{
  g_auto(GStrv) ends = g_strsplit (text, "-", -1);

  if (g_strv_length (ends) == 1)
    return parse_length (ends[0], lo) && parse_length (ends[0], hi);

  return g_strv_length (ends) == 2 &&
         parse_length (ends[0], lo) && parse_length (ends[1], hi) && *lo <= *hi;
}

/* "fixed:P,O" and "uniform:P1-P2,O1-O2"; FALSE without an error when the
 * source is not a generator at all. */
static gboolean
generate_spec (const KvpWorkloadOptions  *options,
               KvpRng                    *rng,
               GArray                    *out,
               gboolean                  *out_is_spec,
               GError                   **error)
{
  const char *source = options->source;
  gboolean uniform = g_str_has_prefix (source, "uniform:");
  guint32 p_lo, p_hi, o_lo, o_hi;
  g_auto(GStrv) parts = NULL;
  g_autofree char *quoted = kvp_quote (source);  /* for the messages */
  gboolean ok;

  *out_is_spec = uniform || g_str_has_prefix (source, "fixed:");
  if (!*out_is_spec)
    return FALSE;

  parts = g_strsplit (strchr (source, ':') + 1, ",", -1);
  if (uniform)
    ok = g_strv_length (parts) == 2 &&
         parse_range (parts[0], &p_lo, &p_hi) && parse_range (parts[1], &o_lo, &o_hi);
  else
    ok = g_strv_length (parts) == 2 &&
         parse_length (parts[0], &p_lo) && parse_length (parts[1], &o_lo);

  if (!ok)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   uniform
                   ? _("The workload “%s” is not valid: write uniform:P1-P2,O1-O2 with whole token counts from 1, e.g. uniform:16-512,32-1024.")
                   : _("The workload “%s” is not valid: write fixed:P,O with whole token counts from 1, e.g. fixed:128,256."),
                   quoted);
      return FALSE;
    }

  if (!uniform)
    {
      p_hi = p_lo;
      o_hi = o_lo;
    }

  if ((guint64) p_hi + o_hi > options->max_len)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The workload “%s” asks for up to %" PRIu64 " tokens per request, longer than the model allows (%u)."),
                   quoted, (guint64) p_hi + o_hi, options->max_len);
      return FALSE;
    }

  for (guint i = 0; i < options->n_requests; i++)
    {
      KvpRequest request;

      /* Prompt first, then output: the order is part of the byte-for-byte
       * promise. */
      guint32 prompt = draw_between (rng, p_lo, p_hi);
      guint32 output = draw_between (rng, o_lo, o_hi);

      init_request (&request, prompt, output);
      g_array_append_val (out, request);
    }

  return TRUE;
}

/* File reading.  Every complaint names the file and the line. */

typedef enum
{
  COLUMN_PROMPT,
  COLUMN_OUTPUT,
  COLUMN_ARRIVAL,
  N_COLUMNS
} Column;

static const char *column_names[N_COLUMNS] = { "prompt_len", "output_len", "arrival" };

typedef struct
{
  const char *display;      /* the file's name for people */
  guint32     max_len;
  guint       line;
  int         has_arrival;  /* -1 not known yet */
  GArray     *requests;
} Reader;

static gboolean
line_error (Reader      *reader,
            GError     **error,
            const char  *format,
            ...) G_GNUC_PRINTF (3, 4);

static gboolean
line_error (Reader      *reader,
            GError     **error,
            const char  *format,
            ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  /* Translators: a bad workload file: the file name, its line number, what is wrong. */
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("Workload file “%s”, line %u: %s"),
               reader->display, reader->line, reason);

  return FALSE;
}

/* A value quoted back at the person: short, one line, escapes visible. */
static char *
quote_value (const char *text)
{
  g_autofree char *escaped = kvp_quote (text);

  if (g_utf8_strlen (escaped, -1) > 24)
    {
      char *end = g_utf8_offset_to_pointer (escaped, 24);

      return g_strdup_printf ("%.*s…", (int) (end - escaped), escaped);
    }

  return g_steal_pointer (&escaped);
}

static gboolean
check_length_text (Reader      *reader,
                   Column       column,
                   const char  *text,
                   guint32     *out,
                   GError     **error)
{
  if (!parse_length (text, out))
    {
      g_autofree char *value = quote_value (text);

      return line_error (reader, error, _("%s “%s” is not a whole number of tokens from 1 to %u."),
                         column_names[column], value, KVP_WORKLOAD_MAX_LENGTH);
    }

  return TRUE;
}

static gboolean
check_arrival_text (Reader      *reader,
                    const char  *text,
                    double      *out,
                    GError     **error)
{
  char *end = NULL;

  errno = 0;
  *out = g_ascii_strtod (text, &end);
  if (*text == '\0' || end == NULL || *end != '\0' || errno != 0 ||
      !isfinite (*out) || *out < 0.0)
    {
      g_autofree char *value = quote_value (text);

      return line_error (reader, error, _("arrival “%s” is not a time in seconds from 0."), value);
    }

  return TRUE;
}

/* The checks every request goes through, whatever the format. */
static gboolean
add_request (Reader      *reader,
             guint32      prompt,
             guint32      output,
             gboolean     has_arrival,
             double       arrival,
             GError     **error)
{
  KvpRequest request;

  if (reader->has_arrival < 0)
    reader->has_arrival = has_arrival;
  else if (reader->has_arrival != has_arrival)
    return line_error (reader, error,
                       has_arrival
                       ? _("this request has an arrival time and the ones before it have none: give it to all or none.")
                       : _("this request has no arrival time and the ones before it have one: give it to all or none."));

  if (prompt > reader->max_len)
    return line_error (reader, error, _("the prompt of %u tokens is longer than the model allows (%u)."),
                       prompt, reader->max_len);
  if ((guint64) prompt + output > reader->max_len)
    return line_error (reader, error,
                       _("the prompt and output take %" PRIu64 " tokens, more than the model allows (%u)."),
                       (guint64) prompt + output, reader->max_len);

  if (reader->requests->len > 0 &&
      arrival < g_array_index (reader->requests, KvpRequest, reader->requests->len - 1).arrival)
    return line_error (reader, error, _("the arrival comes before the previous request’s: sort the file by arrival."));

  init_request (&request, prompt, output);
  request.arrival = arrival;
  g_array_append_val (reader->requests, request);

  return TRUE;
}

static gboolean
read_json_line (Reader      *reader,
                const char  *line,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonNode *root;
  g_autoptr(GList) members = NULL;
  guint32 lengths[2] = { 0, 0 };
  gboolean seen[N_COLUMNS] = { FALSE, FALSE, FALSE };
  double arrival = 0.0;

  if (!json_parser_load_from_data (parser, line, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return line_error (reader, error, _("this is not a JSON object such as {\"prompt_len\": 128, \"output_len\": 256}."));

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);
      Column column;

      for (column = 0; column < N_COLUMNS; column++)
        if (g_str_equal (name, column_names[column]))
          break;

      if (column == N_COLUMNS)
        {
          g_autofree char *value = quote_value (name);

          return line_error (reader, error, _("unknown key “%s”: use prompt_len, output_len and optionally arrival."), value);
        }

      seen[column] = TRUE;
      if (column == COLUMN_ARRIVAL)
        {
          if (!JSON_NODE_HOLDS_VALUE (node) ||
              (json_node_get_value_type (node) != G_TYPE_INT64 &&
               json_node_get_value_type (node) != G_TYPE_DOUBLE) ||
              !isfinite (arrival = json_node_get_double (node)) || arrival < 0.0)
            return line_error (reader, error, _("arrival is not a time in seconds from 0."));
        }
      else
        {
          gint64 value;

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
              (value = json_node_get_int (node)) < 1 || value > KVP_WORKLOAD_MAX_LENGTH)
            return line_error (reader, error, _("%s is not a whole number of tokens from 1 to %u."),
                               column_names[column], KVP_WORKLOAD_MAX_LENGTH);
          lengths[column] = (guint32) value;
        }
    }

  for (Column column = COLUMN_PROMPT; column <= COLUMN_OUTPUT; column++)
    if (!seen[column])
      return line_error (reader, error, _("%s is missing."), column_names[column]);

  return add_request (reader, lengths[0], lengths[1], seen[COLUMN_ARRIVAL], arrival, error);
}

/* CSV: a header naming the columns, then plain numbers; no quoting, since no
 * field is text. */
static gboolean
read_csv_header (Reader      *reader,
                 const char  *line,
                 int         *order,
                 guint       *n_fields,
                 GError     **error)
{
  g_auto(GStrv) fields = g_strsplit (line, ",", -1);
  gboolean seen[N_COLUMNS] = { FALSE, FALSE, FALSE };

  *n_fields = g_strv_length (fields);
  for (guint i = 0; i < *n_fields; i++)
    {
      char *name = g_strstrip (fields[i]);
      Column column;

      for (column = 0; column < N_COLUMNS; column++)
        if (g_str_equal (name, column_names[column]))
          break;

      if (column == N_COLUMNS || seen[column])
        {
          g_autofree char *value = quote_value (name);

          return line_error (reader, error,
                             column == N_COLUMNS
                             ? _("unknown column “%s”: the header names prompt_len, output_len and optionally arrival.")
                             : _("the column “%s” appears twice."),
                             value);
        }
      seen[column] = TRUE;
      order[i] = column;
    }

  for (Column column = COLUMN_PROMPT; column <= COLUMN_OUTPUT; column++)
    if (!seen[column])
      return line_error (reader, error, _("the header has no %s column."), column_names[column]);

  return TRUE;
}

static gboolean
read_csv_row (Reader      *reader,
              const char  *line,
              const int   *order,
              guint        n_fields,
              GError     **error)
{
  g_auto(GStrv) fields = g_strsplit (line, ",", -1);
  guint32 lengths[2] = { 0, 0 };
  gboolean has_arrival = FALSE;
  double arrival = 0.0;

  if (g_strv_length (fields) != n_fields)
    return line_error (reader, error, _("%u fields where the header has %u."),
                       g_strv_length (fields), n_fields);

  for (guint i = 0; i < n_fields; i++)
    {
      const char *text = g_strstrip (fields[i]);

      if (order[i] == COLUMN_ARRIVAL)
        {
          has_arrival = TRUE;
          if (!check_arrival_text (reader, text, &arrival, error))
            return FALSE;
        }
      else if (!check_length_text (reader, order[i], text, &lengths[order[i]], error))
        {
          return FALSE;
        }
    }

  return add_request (reader, lengths[0], lengths[1], has_arrival, arrival, error);
}

/* What the reader says when the file cannot be read at all. */
static void
set_open_error (const char    *display,
                const GError  *input_error,
                GError       **error)
{
  /* A name that is no file is a typo (exit 2); a file that exists but
   * cannot be read is a failure (exit 1). */
  if (g_error_matches (input_error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_NOT_FOUND))
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 _("--workload “%s” is neither a built-in (sharegpt, alpaca, fixed:P,O, uniform:P1-P2,O1-O2) nor a file that exists."),
                 display);
  else if (g_error_matches (input_error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_IS_FOLDER))
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("Workload file “%s” is a folder."), display);
  else if (g_error_matches (input_error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_TOO_LARGE))
    g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                 _("Workload file “%s” is larger than %u MiB, the most kvpage reads; give a shorter file."),
                 display, KVP_WORKLOAD_MAX_FILE_BYTES >> 20);
  else
    {
      g_autofree char *quoted = kvp_quote (input_error->message);

      g_set_error (error, KVP_ERROR, KVP_ERROR_FAILED, _("Could not read the workload file “%s”: %s"),
                   display, quoted);
    }
}

/* One line of the file, its "\n" gone. */
static gboolean
read_line (Reader      *reader,
           char        *line,
           gsize        length,
           gboolean    *json,
           gboolean    *decided,
           int         *order,
           guint       *n_fields,
           gboolean    *header_done,
           GError     **error)
{
  if (memchr (line, '\0', length) != NULL)
    return line_error (reader, error, _("the file holds a NUL byte; it is not a text file."));

  /* Excel's "CSV UTF-8" starts with a byte-order mark. */
  if (reader->line == 1)
    {
      gsize bom = kvp_input_bom_length (line, length);

      line += bom;
      length -= bom;
    }

  if (!g_utf8_validate_len (line, length, NULL))
    return line_error (reader, error, _("the text is not UTF-8."));

  g_strstrip (line);
  if (*line == '\0')
    return TRUE;

  if (!*decided)
    {
      *json = *line == '{';
      *decided = TRUE;
    }

  if (*json)
    {
      g_autoptr(GError) json_error = NULL;

      /* json-glib would take a second object on the line, comments and
       * single quotes, and recurse into any depth. */
      if (!kvp_input_check_json (line, strlen (line), KVP_INPUT_JSON_LINE, KVP_INPUT_JSON_MAX_DEPTH, NULL,
                                 &json_error))
        return line_error (reader, error, "%s", json_error->message);
      return read_json_line (reader, line, error);
    }
  if (!*header_done)
    {
      *header_done = TRUE;
      return read_csv_header (reader, line, order, n_fields, error);
    }
  return read_csv_row (reader, line, order, *n_fields, error);
}

/* n_requests: the first n (0: all, up to KVP_WORKLOAD_MAX_REQUESTS). */
static gboolean
read_file (const char  *path,
           guint32      max_len,
           guint        n_requests,
           gboolean    *out_has_arrival,
           GArray      *out,
           GError     **error)
{
  g_autofree char *display = kvp_quote (path);
  g_autoptr(GError) input_error = NULL;
  g_autoptr(KvpInput) input = NULL;
  Reader reader = { display, max_len, 0, -1, out };
  gboolean json = g_str_has_suffix (path, ".jsonl") || g_str_has_suffix (path, ".ndjson") ||
                  g_str_has_suffix (path, ".json");
  gboolean decided = json || g_str_has_suffix (path, ".csv");
  gboolean header_done = FALSE;
  int order[N_COLUMNS] = { 0, 0, 0 };
  guint n_fields = 0;
  char *line;
  gsize length;

  input = kvp_input_open (path, KVP_WORKLOAD_MAX_FILE_BYTES, &input_error);
  if (input == NULL)
    {
      set_open_error (display, input_error, error);
      return FALSE;
    }
  kvp_input_set_max_line (input, KVP_WORKLOAD_MAX_LINE_BYTES);

  /* Only the requests asked for are read: a long trace cut with --requests
   * costs no more than its first lines. */
  while ((n_requests == 0 || out->len < n_requests) &&
         kvp_input_read_line (input, &line, &length, &input_error))
    {
      reader.line = (guint) kvp_input_get_line_number (input);
      if (out->len == KVP_WORKLOAD_MAX_REQUESTS && n_requests == 0)
        {
          g_autofree char *probe = g_strstrip (g_strndup (line, length));

          if (*probe != '\0')
            return line_error (&reader, error,
                               _("the file holds more than %u requests, the most kvpage simulates: give --requests %u to "
                                 "take the first ones."),
                               KVP_WORKLOAD_MAX_REQUESTS, KVP_WORKLOAD_MAX_REQUESTS);
          continue;
        }
      if (!read_line (&reader, line, length, &json, &decided, order, &n_fields, &header_done, error))
        return FALSE;
    }
  if (input_error != NULL)
    {
      if (g_error_matches (input_error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_LINE_TOO_LONG))
        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("Workload file “%s”: %s."), display, input_error->message);
      else
        set_open_error (display, input_error, error);
      return FALSE;
    }

  if (out->len == 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("Workload file “%s” holds no requests."), display);
      return FALSE;
    }

  *out_has_arrival = reader.has_arrival > 0;

  return TRUE;
}

/* A Poisson process: exponential gaps with mean 1 / rate. */
static void
assign_poisson_arrivals (GArray  *requests,
                         guint64  seed,
                         double   rate)
{
  KvpRng rng;
  double t = 0.0;

  kvp_rng_init (&rng, seed ^ ARRIVAL_STREAM);
  for (guint i = 0; i < requests->len; i++)
    {
      t += -exact_ln (kvp_rng_uniform (&rng)) / rate;
      g_array_index (requests, KvpRequest, i).arrival = t;
    }
}

/* rate: the Poisson rate the arrivals were drawn at, 0 when they were given. */
static gboolean
assign_steps (GArray  *requests,
              double   rate,
              GError **error)
{
  for (guint i = 0; i < requests->len; i++)
    {
      KvpRequest *request = &g_array_index (requests, KvpRequest, i);
      double step = floor (request->arrival / KVP_WORKLOAD_STEP_SECONDS);

      if (step >= (double) G_MAXUINT32 / 2)
        {
          /* Requests are numbered from 1 wherever a person reads them. */
          if (rate > 0.0)
            g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                         _("Request %u would arrive after %g seconds at --request-rate %g, too late to simulate step by "
                           "step: raise --request-rate or give fewer --requests."),
                         i + 1, request->arrival, rate);
          else
            g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                         _("Request %u arrives after %g seconds, too late to simulate step by step."),
                         i + 1, request->arrival);
          return FALSE;
        }
      request->arrival_step = (guint32) step;
    }

  return TRUE;
}

static KvpWorkload *
workload_new (const char *source,
              guint64     seed,
              double      rate,
              GArray     *requests)
{
  KvpWorkload *self = g_new0 (KvpWorkload, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->source = g_strdup (source);
  self->seed = seed;
  self->request_rate = rate;
  self->requests = g_array_ref (requests);

  return self;
}

void
kvp_workload_options_init (KvpWorkloadOptions *options)
{
  g_return_if_fail (options != NULL);

  options->source = NULL;
  options->n_requests = KVP_WORKLOAD_DEFAULT_REQUESTS;
  options->seed = 0;
  options->request_rate = 0.0;
  options->max_len = FILTER_MAX_TOTAL;
}

gboolean
kvp_workload_options_parse (KvpWorkloadOptions  *options,
                            const char          *option,
                            const char          *text,
                            GError             **error)
{
  guint64 value;
  guint64 max;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (option != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (g_str_equal (option, "request-rate"))
    {
      double rate = 0.0;

      if (!kvp_cli_text_to_double (text, &rate) ||
          !(rate == 0.0 || (rate >= KVP_WORKLOAD_MIN_RATE && rate <= KVP_WORKLOAD_MAX_RATE)))
        {
          g_autofree char *quoted = kvp_quote (text);

          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("--request-rate “%s” is not valid: use 0 (all at once) or from %g to %.0f requests per second."),
                       quoted, KVP_WORKLOAD_MIN_RATE, KVP_WORKLOAD_MAX_RATE);
          return FALSE;
        }
      options->request_rate = rate;
      return TRUE;
    }

  g_return_val_if_fail (g_str_equal (option, "requests") || g_str_equal (option, "seed"), FALSE);

  max = g_str_equal (option, "seed") ? G_MAXUINT64 : KVP_WORKLOAD_MAX_REQUESTS;
  if (!kvp_cli_parse_number (option, text, max == G_MAXUINT64 ? 0 : 1, max, &value, error))
    return FALSE;

  if (max == G_MAXUINT64)
    options->seed = value;
  else
    options->n_requests = (guint) value;

  return TRUE;
}

KvpWorkload *
kvp_workload_new (const KvpWorkloadOptions  *options,
                  GError                   **error)
{
  g_autoptr(GArray) requests = g_array_new (FALSE, FALSE, sizeof (KvpRequest));
  KvpWorkloadOptions opts;
  gboolean is_spec = FALSE;
  gboolean has_arrival = FALSE;
  KvpRng rng;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  opts = *options;
  if (opts.source == NULL)
    opts.source = "sharegpt";

  if (opts.n_requests > KVP_WORKLOAD_MAX_REQUESTS)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("%u requests are too many: use 1 to %u."), opts.n_requests, KVP_WORKLOAD_MAX_REQUESTS);
      return NULL;
    }
  if (!(opts.request_rate == 0.0 ||
        (opts.request_rate >= KVP_WORKLOAD_MIN_RATE && opts.request_rate <= KVP_WORKLOAD_MAX_RATE)))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The request rate must be 0 (all at once) or from %g to %.0f requests per second."),
                   KVP_WORKLOAD_MIN_RATE, KVP_WORKLOAD_MAX_RATE);
      return NULL;
    }
  if (opts.max_len < 2)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("A model context of %u tokens leaves no room for a prompt and an output."), opts.max_len);
      return NULL;
    }

  kvp_rng_init (&rng, opts.seed);

  for (guint i = 0; i < G_N_ELEMENTS (datasets); i++)
    {
      if (g_str_equal (opts.source, datasets[i].name))
        {
          if (opts.n_requests == 0)
            opts.n_requests = KVP_WORKLOAD_DEFAULT_REQUESTS;
          if (opts.max_len < 2 * FILTER_MIN_LEN)
            {
              g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                           _("The %s workload needs a context of at least %u tokens; the model allows %u."),
                           opts.source, 2 * FILTER_MIN_LEN, opts.max_len);
              return NULL;
            }
          generate_dataset (&datasets[i], &rng, opts.n_requests, opts.max_len, requests);
          is_spec = TRUE;
        }
    }

  if (!is_spec)
    {
      if (opts.n_requests == 0 && (g_str_has_prefix (opts.source, "fixed:") ||
                                   g_str_has_prefix (opts.source, "uniform:")))
        opts.n_requests = KVP_WORKLOAD_DEFAULT_REQUESTS;
      if (!generate_spec (&opts, &rng, requests, &is_spec, error) && is_spec)
        return NULL;
    }

  if (!is_spec)
    {
      g_autofree char *display = kvp_quote (opts.source);

      if (!read_file (opts.source, opts.max_len, opts.n_requests, &has_arrival, requests, error))
        return NULL;

      if (opts.n_requests > requests->len)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("--requests %u asks for more requests than the workload file “%s” holds (%u)."),
                       opts.n_requests, display, requests->len);
          return NULL;
        }
      if (opts.n_requests > 0)
        g_array_set_size (requests, opts.n_requests);

      if (has_arrival && opts.request_rate > 0.0)
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("The workload file “%s” has its own arrival times: leave out --request-rate."),
                       display);
          return NULL;
        }
    }

  if (opts.request_rate > 0.0)
    assign_poisson_arrivals (requests, opts.seed, opts.request_rate);

  if (!assign_steps (requests, opts.request_rate, error))
    return NULL;

  return workload_new (opts.source, opts.seed, opts.request_rate, requests);
}

KvpWorkload *
kvp_workload_new_from_requests (const KvpRequest  *requests,
                                guint              n_requests,
                                guint32            max_len,
                                GError           **error)
{
  g_autoptr(GArray) array = g_array_sized_new (FALSE, FALSE, sizeof (KvpRequest), n_requests);

  g_return_val_if_fail (requests != NULL || n_requests == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; i < n_requests; i++)
    {
      const KvpRequest *r = &requests[i];

      if (r->prompt_len < 1 || r->output_len < 1 || (guint64) r->prompt_len + r->output_len > max_len ||
          !isfinite (r->arrival) || r->arrival < 0.0 || (i > 0 && r->arrival < requests[i - 1].arrival))
        {
          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("Request %u is not valid: lengths from 1 with prompt + output at most %u, arrivals in order."),
                       i + 1, max_len);
          return NULL;
        }
      g_array_append_val (array, *r);
    }

  if (!assign_steps (array, 0.0, error))
    return NULL;

  return workload_new ("requests", 0, 0.0, array);
}

KvpWorkload *
kvp_workload_ref (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
kvp_workload_unref (KvpWorkload *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->source);
      g_array_unref (self->requests);
      g_free (self);
    }
}

const KvpRequest *
kvp_workload_get_requests (KvpWorkload *self,
                           guint       *n_requests)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n_requests != NULL)
    *n_requests = self->requests->len;

  return (const KvpRequest *) (gpointer) self->requests->data;
}

const char *
kvp_workload_get_source (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->source;
}

guint64
kvp_workload_get_seed (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->seed;
}

double
kvp_workload_get_request_rate (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->request_rate;
}

static double
mean_of (KvpWorkload *self,
         gboolean     prompt)
{
  guint64 sum = 0;

  for (guint i = 0; i < self->requests->len; i++)
    {
      const KvpRequest *r = &g_array_index (self->requests, KvpRequest, i);

      sum += prompt ? r->prompt_len : r->output_len;
    }

  return self->requests->len > 0 ? (double) sum / self->requests->len : 0.0;
}

double
kvp_workload_get_mean_prompt (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return mean_of (self, TRUE);
}

double
kvp_workload_get_mean_output (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return mean_of (self, FALSE);
}
