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

#include "kvp-block-hash.h"
#include "kvp-cli.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-input.h"
#include "kvp-workload.h"
#include "kvp-workload-sharing.h"

struct _KvpWorkload
{
  gatomicrefcount  ref_count;
  char            *source;
  guint64          seed;
  double           request_rate;
  GArray          *requests;   /* KvpRequest */
  GArray          *sharing;    /* KvpRequestSharing per request, or NULL: none shares */
  GArray          *hash_ids;   /* guint64, indexed by hash_ids_start */
  gboolean         file_arrivals;
  double           time_scale;
  guint            skipped_too_long;
  guint            skipped_failed;
  gboolean         generated;   /* a built-in or a generator, not a file */
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
      g_autofree char *asked = kvp_format_count ((guint64) p_hi + o_hi);
      g_autofree char *most = kvp_format_count (options->max_len);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The workload “%s” asks for up to %s tokens per request, longer than the model allows (%s)."),
                   quoted, asked, most);
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
  COLUMN_PREFIX_ID,
  COLUMN_PREFIX_LEN,
  COLUMN_N,
  COLUMN_HASH_IDS,
  N_COLUMNS,
  COLUMN_IGNORED = N_COLUMNS,   /* a key or column no format reads */
} Column;

/* The formats a file may be in, told apart by the header's or the first
 * object's names. */
typedef enum
{
  FORMAT_KVPAGE,    /* arrival in seconds from the start */
  FORMAT_AZURE,     /* Azure LLM inference traces 2023 and 2024 (CSV) */
  FORMAT_BURSTGPT,  /* BurstGPT (CSV): Model, Total tokens and Log Type unread */
  FORMAT_MOONCAKE,  /* Mooncake (JSON Lines): timestamp in ms, 512-token hash ids */
  N_FORMATS
} Format;

static const char *column_names[N_FORMATS][N_COLUMNS] = {
  [FORMAT_KVPAGE] = { "prompt_len", "output_len", "arrival", "prefix_id", "prefix_len", "n", NULL },
  [FORMAT_AZURE] = { "ContextTokens", "GeneratedTokens", "TIMESTAMP", NULL, NULL, NULL, NULL },
  [FORMAT_BURSTGPT] = { "Request tokens", "Response tokens", "Timestamp", NULL, NULL, NULL, NULL },
  [FORMAT_MOONCAKE] = { "input_length", "output_length", "timestamp", NULL, NULL, NULL, "hash_ids" },
};

typedef struct
{
  const char *display;      /* the file's name for people */
  guint32     max_len;
  guint       line;
  int         has_arrival;  /* -1 not known yet */
  Format      format;
  gboolean    format_known;
  gboolean    has_origin;   /* a trace's arrivals count from its first row */
  double      origin;
  double      last_arrival;
  guint       skipped_too_long;
  guint       skipped_failed;
  GArray     *requests;
  GArray     *sharing;      /* KvpRequestSharing, beside requests */
  gboolean    shares;       /* some request has a prefix, samples or ids */
  GArray     *hash_ids;     /* guint64, every request's in turn */
} Reader;

/* One request as read, before the checks every format shares. */
typedef struct
{
  gboolean  seen[N_COLUMNS];
  guint64   value[N_COLUMNS];   /* the whole-number columns */
  double    arrival;            /* seconds */
  guint     hash_start;         /* into Reader.hash_ids */
} Row;

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

static Column
column_of (Format      format,
           const char *name)
{
  for (Column column = 0; column < N_COLUMNS; column++)
    if (column_names[format][column] != NULL && g_str_equal (name, column_names[format][column]))
      return column;

  return COLUMN_IGNORED;
}

/* The format a name belongs to only: a trace's own column or key. */
static gboolean
format_of_name (const char *name,
                Format     *out)
{
  static const struct { const char *name; Format format; } marks[] = {
    { "TIMESTAMP", FORMAT_AZURE }, { "ContextTokens", FORMAT_AZURE }, { "GeneratedTokens", FORMAT_AZURE },
    { "Timestamp", FORMAT_BURSTGPT }, { "Request tokens", FORMAT_BURSTGPT }, { "Response tokens", FORMAT_BURSTGPT },
    { "timestamp", FORMAT_MOONCAKE }, { "input_length", FORMAT_MOONCAKE }, { "output_length", FORMAT_MOONCAKE },
    { "hash_ids", FORMAT_MOONCAKE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    if (g_str_equal (name, marks[i].name))
      {
        *out = marks[i].format;
        return TRUE;
      }

  return FALSE;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static gint64
days_from_civil (gint64 y,
                 guint  m,
                 guint  d)
{
  gint64 era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - 719468;
}

static gboolean
take_digits (const char **p,
             guint        n,
             guint       *out)
{
  guint value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      value = value * 10 + (guint) ((*p)[i] - '0');
    }
  *p += n;
  *out = value;

  return TRUE;
}

/* Azure's TIMESTAMP: "2023-11-16 18:15:46.6805900" (a "T" also, up to nine
 * decimals, an optional "Z" or ±hh:mm), in seconds since 1970 — a double
 * keeps 100 ns over a trace's week. */
static gboolean
parse_date_time (const char *text,
                 double     *out)
{
  const char *p = text;
  guint y, mo, d, h, mi, sec, tzh = 0, tzm = 0;
  double fraction = 0.0, scale = 0.1;
  gint64 seconds;
  int sign = 0;

  if (!take_digits (&p, 4, &y) || *p++ != '-' || !take_digits (&p, 2, &mo) || *p++ != '-' ||
      !take_digits (&p, 2, &d) || (*p != ' ' && *p != 'T') || !take_digits ((p++, &p), 2, &h) ||
      *p++ != ':' || !take_digits (&p, 2, &mi) || *p++ != ':' || !take_digits (&p, 2, &sec))
    return FALSE;

  if (*p == '.')
    {
      guint n = 0;

      for (p++; g_ascii_isdigit (*p) && n < 9; p++, n++, scale /= 10)
        fraction += (*p - '0') * scale;
      if (n == 0 || g_ascii_isdigit (*p))
        return FALSE;
    }

  if (*p == 'Z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      sign = *p++ == '+' ? 1 : -1;
      if (!take_digits (&p, 2, &tzh) || *p++ != ':' || !take_digits (&p, 2, &tzm) || tzh > 23 || tzm > 59)
        return FALSE;
    }

  if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return FALSE;

  seconds = days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - sign * (gint64) (tzh * 3600 + tzm * 60);
  *out = (double) seconds + fraction;

  return TRUE;
}

/* A time in a CSV field, as the format writes it, in seconds. */
static gboolean
parse_arrival_text (Format      format,
                    const char *text,
                    double     *out)
{
  char *end = NULL;

  if (format == FORMAT_AZURE)
    return parse_date_time (text, out);

  errno = 0;
  *out = g_ascii_strtod (text, &end);

  return *text != '\0' && end != NULL && *end == '\0' && errno == 0 && isfinite (*out) && *out >= 0.0;
}

/* Samples a request asks for (parallel sampling's n). */
#define MAX_SAMPLES 256u

/* The checks every request goes through, whatever the format.  A trace's
 * failed request (no prompt or no output) and any request longer than the
 * model allows are left out and counted, not refused. */
static gboolean
add_request (Reader      *reader,
             Row         *row,
             GError     **error)
{
  gboolean trace = reader->format != FORMAT_KVPAGE;
  gboolean has_arrival = row->seen[COLUMN_ARRIVAL];
  guint64 prompt = row->value[COLUMN_PROMPT];
  guint64 output = row->value[COLUMN_OUTPUT];
  KvpRequestSharing sharing = { 0 };
  KvpRequest request;

  for (Column column = COLUMN_PROMPT; column <= COLUMN_OUTPUT; column++)
    if (!row->seen[column])
      return line_error (reader, error, _("%s is missing."), column_names[reader->format][column]);

  if (reader->has_arrival < 0)
    reader->has_arrival = has_arrival;
  else if (reader->has_arrival != has_arrival)
    return line_error (reader, error,
                       has_arrival
                       ? _("this request has an arrival time and the ones before it have none: give it to all or none.")
                       : _("this request has no arrival time and the ones before it have one: give it to all or none."));

  if (has_arrival && trace)
    {
      if (!reader->has_origin)
        reader->origin = row->arrival;
      reader->has_origin = TRUE;
      row->arrival -= reader->origin;
    }
  if (has_arrival && (row->arrival < 0.0 || row->arrival < reader->last_arrival))
    return line_error (reader, error, _("the arrival comes before the previous request’s: sort the file by arrival."));
  reader->last_arrival = row->arrival;

  /* Counts grouped; a value as the file writes it (prefix_len's, an
   * identifier's bound) plain, to be found in the file. */
  if (!trace)
    for (Column column = COLUMN_PROMPT; column <= COLUMN_OUTPUT; column++)
      if (row->value[column] < 1 || row->value[column] > KVP_WORKLOAD_MAX_LENGTH)
        {
          g_autofree char *most = kvp_format_count (KVP_WORKLOAD_MAX_LENGTH);

          return line_error (reader, error, _("%s is not a whole number of tokens from 1 to %s."),
                             column_names[reader->format][column], most);
        }
  if (row->seen[COLUMN_N] && (row->value[COLUMN_N] < 1 || row->value[COLUMN_N] > MAX_SAMPLES))
    {
      g_autofree char *most = kvp_format_count (MAX_SAMPLES);

      return line_error (reader, error, _("n is not a number of samples from 1 to %s."), most);
    }
  if (row->seen[COLUMN_PREFIX_ID] && row->value[COLUMN_PREFIX_ID] > G_MAXUINT32)
    return line_error (reader, error, _("prefix_id is larger than %u."), G_MAXUINT32);
  if (row->value[COLUMN_PREFIX_LEN] > prompt)
    {
      g_autofree char *tokens = kvp_format_count (prompt);

      return line_error (reader, error, _("prefix_len %" PRIu64 " is longer than the prompt (%s tokens)."),
                         row->value[COLUMN_PREFIX_LEN], tokens);
    }

  if (prompt == 0 || output == 0)
    {
      reader->skipped_failed++;
      g_array_set_size (reader->hash_ids, row->hash_start);
      return TRUE;
    }
  if (prompt > reader->max_len || output > reader->max_len - prompt)
    {
      reader->skipped_too_long++;
      g_array_set_size (reader->hash_ids, row->hash_start);
      return TRUE;
    }

  init_request (&request, (guint32) prompt, (guint32) output);
  request.arrival = has_arrival ? row->arrival : 0.0;
  g_array_append_val (reader->requests, request);

  sharing.n = row->seen[COLUMN_N] ? (guint32) row->value[COLUMN_N] : 1;
  sharing.prefix_id = (guint32) row->value[COLUMN_PREFIX_ID];
  sharing.prefix_len = (guint32) row->value[COLUMN_PREFIX_LEN];
  sharing.hash_ids_start = row->hash_start;
  sharing.n_hash_ids = reader->hash_ids->len - row->hash_start;
  reader->shares |= sharing.n > 1 || sharing.prefix_len > 0 || sharing.n_hash_ids > 0;
  g_array_append_val (reader->sharing, sharing);

  return TRUE;
}

static gboolean
read_hash_ids (Reader      *reader,
               JsonNode    *node,
               GError     **error)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return line_error (reader, error, _("hash_ids is not a list of whole numbers."));

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      guint64 id;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64 ||
          json_node_get_int (element) < 0)
        return line_error (reader, error, _("hash_ids is not a list of whole numbers."));
      id = (guint64) json_node_get_int (element);
      g_array_append_val (reader->hash_ids, id);
    }

  return TRUE;
}

/* One key's value of a JSON object into the row. */
static gboolean
read_json_value (Reader      *reader,
                 Row         *row,
                 Column       column,
                 JsonNode    *node,
                 GError     **error)
{
  const char *name = column_names[reader->format][column];
  gboolean number = JSON_NODE_HOLDS_VALUE (node) && (json_node_get_value_type (node) == G_TYPE_INT64 ||
                                                      json_node_get_value_type (node) == G_TYPE_DOUBLE);

  row->seen[column] = TRUE;

  if (column == COLUMN_HASH_IDS)
    return read_hash_ids (reader, node, error);

  if (column == COLUMN_ARRIVAL)
    {
      if (!number || !isfinite (row->arrival = json_node_get_double (node)) || row->arrival < 0.0)
        return line_error (reader, error, _("%s is not a time from 0."), name);
      if (reader->format == FORMAT_MOONCAKE)
        row->arrival /= 1000.0;
      return TRUE;
    }

  if (!number || json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return line_error (reader, error, _("%s is not a whole number."), name);
  row->value[column] = (guint64) json_node_get_int (node);

  return TRUE;
}

static gboolean
read_json_object (Reader      *reader,
                  JsonObject  *object,
                  GError     **error)
{
  g_autoptr(GList) members = json_object_get_members (object);
  Row row = { { FALSE, }, { 0, }, 0.0, reader->hash_ids->len };

  if (!reader->format_known)
    {
      for (GList *l = members; l != NULL; l = l->next)
        if (format_of_name (l->data, &reader->format))
          break;
      reader->format_known = TRUE;
    }

  /* Keys no format reads (a trace's extra fields, a comment) are left. */
  for (GList *l = members; l != NULL; l = l->next)
    {
      Column column = column_of (reader->format, l->data);

      if (column != COLUMN_IGNORED &&
          !read_json_value (reader, &row, column, json_object_get_member (object, l->data), error))
        return FALSE;
    }

  return add_request (reader, &row, error);
}

static gboolean
read_json_line (Reader      *reader,
                const char  *line,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return line_error (reader, error, _("this is not a JSON object such as {\"prompt_len\": 128, \"output_len\": 256}."));

  return read_json_object (reader, json_node_get_object (root), error);
}

typedef struct
{
  guint   first_line;   /* of the text parsed */
  guint   depth;        /* arrays open */
  GArray *lines;        /* guint: the line each outer element ends on */
} ArrayLines;

static void
array_start_cb (JsonParser *parser,
                gpointer    user_data)
{
  ((ArrayLines *) user_data)->depth++;
}

static void
array_end_cb (JsonParser *parser,
              JsonArray  *array,
              gpointer    user_data)
{
  ((ArrayLines *) user_data)->depth--;
}

static void
array_element_cb (JsonParser *parser,
                  JsonArray  *array,
                  guint       index,
                  gpointer    user_data)
{
  ArrayLines *lines = user_data;
  guint line = lines->first_line + json_parser_get_current_line (parser) - 1;

  /* Only the outer array's elements, not those of a hash_ids inside one. */
  if (lines->depth == 1)
    g_array_append_val (lines->lines, line);
}

/* A JSON array of request objects, as one text starting on first_line. */
static gboolean
read_json_array (Reader      *reader,
                 const char  *text,
                 guint        first_line,
                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (guint));
  ArrayLines lines = { first_line, 0, ends };
  JsonArray *array;
  JsonNode *root;

  g_signal_connect (parser, "array-start", G_CALLBACK (array_start_cb), &lines);
  g_signal_connect (parser, "array-end", G_CALLBACK (array_end_cb), &lines);
  g_signal_connect (parser, "array-element", G_CALLBACK (array_element_cb), &lines);
  reader->line = first_line;
  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return line_error (reader, error,
                       _("this is not a JSON array of objects such as [{\"prompt_len\": 128, \"output_len\": 256}]."));

  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      reader->line = i < ends->len ? g_array_index (ends, guint, i) : first_line;
      if (!JSON_NODE_HOLDS_OBJECT (element))
        return line_error (reader, error,
                           _("this is not a JSON object such as {\"prompt_len\": 128, \"output_len\": 256}."));
      if (!read_json_object (reader, json_node_get_object (element), error))
        return FALSE;
    }

  return TRUE;
}

/* CSV fields: commas split, a field in double quotes may hold commas ("" is
 * a quote), spaces around a field do not count. */
static GPtrArray *
split_csv (const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = line;; p++)
    {
      if (quoted && *p == '"' && p[1] == '"')
        g_string_append_c (field, *p++);
      else if (*p == '"' && (quoted || g_strstrip (field->str)[0] == '\0'))
        {
          if (!quoted)
            g_string_truncate (field, 0);
          quoted = !quoted;
        }
      else if (*p == '\0' || (*p == ',' && !quoted))
        {
          g_ptr_array_add (fields, g_strdup (g_strstrip (field->str)));
          g_string_truncate (field, 0);
          if (*p == '\0')
            break;
        }
      else
        g_string_append_c (field, *p);
    }

  g_string_free (field, TRUE);

  return fields;
}

/* CSV: a header naming the columns, then values. */
static gboolean
read_csv_header (Reader      *reader,
                 const char  *line,
                 GArray      *order,
                 GError     **error)
{
  g_autoptr(GPtrArray) fields = split_csv (line);
  gboolean seen[N_COLUMNS + 1] = { FALSE, };

  reader->format = FORMAT_KVPAGE;
  for (guint i = 0; i < fields->len; i++)
    if (format_of_name (g_ptr_array_index (fields, i), &reader->format))
      break;
  reader->format_known = TRUE;

  for (guint i = 0; i < fields->len; i++)
    {
      const char *name = g_ptr_array_index (fields, i);
      int column = column_of (reader->format, name);

      if (column != COLUMN_IGNORED && seen[column])
        {
          g_autofree char *value = quote_value (name);

          return line_error (reader, error, _("the column “%s” appears twice."), value);
        }
      seen[column] = TRUE;
      g_array_append_val (order, column);
    }

  for (Column column = COLUMN_PROMPT; column <= COLUMN_OUTPUT; column++)
    if (!seen[column])
      return line_error (reader, error, _("the header has no %s column."), column_names[reader->format][column]);

  return TRUE;
}

static gboolean
read_csv_row (Reader      *reader,
              const char  *line,
              const int   *order,
              guint        n_fields,
              GError     **error)
{
  g_autoptr(GPtrArray) fields = split_csv (line);
  Row row = { { FALSE, }, { 0, }, 0.0, reader->hash_ids->len };

  if (fields->len != n_fields)
    {
      g_autofree char *found = kvp_format_count (fields->len);
      g_autofree char *header = kvp_format_count (n_fields);

      return line_error (reader, error, _("%s fields where the header has %s."), found, header);
    }

  for (guint i = 0; i < n_fields; i++)
    {
      const char *text = g_ptr_array_index (fields, i);
      Column column = order[i];
      g_autofree char *value = NULL;

      if (column == COLUMN_IGNORED)
        continue;
      row.seen[column] = TRUE;

      if (column == COLUMN_ARRIVAL)
        {
          if (parse_arrival_text (reader->format, text, &row.arrival))
            continue;
          value = quote_value (text);
          if (reader->format == FORMAT_AZURE)
            return line_error (reader, error, _("%s “%s” is not a date and time such as 2023-11-16 18:15:46.6805900."),
                               column_names[reader->format][column], value);
          return line_error (reader, error, _("%s “%s” is not a time in seconds from 0."),
                             column_names[reader->format][column], value);
        }

      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &row.value[column], NULL))
        {
          value = quote_value (text);
          if (reader->format == FORMAT_KVPAGE && column <= COLUMN_OUTPUT)
            {
              g_autofree char *most = kvp_format_count (KVP_WORKLOAD_MAX_LENGTH);

              return line_error (reader, error, _("%s “%s” is not a whole number of tokens from 1 to %s."),
                                 column_names[reader->format][column], value, most);
            }
          return line_error (reader, error, _("%s “%s” is not a whole number."),
                             column_names[reader->format][column], value);
        }
    }

  return add_request (reader, &row, error);
}

/* Where the reading of a file's lines stands. */
typedef struct
{
  GArray   *order;        /* CSV: the column of each field */
  GString  *array;        /* a JSON array being gathered, or NULL */
  guint     array_line;   /* the line it opens on */
  gboolean  json;
  gboolean  decided;      /* the format is known */
  gboolean  header_done;
  gboolean  any;          /* a line with text was read */
} Lines;

/* One line of the file, its "\n" gone, in one of the formats: a request
 * appended to reader->requests, or a header, or a line of a JSON array
 * gathered until the array ends. */
static gboolean
read_one_line (Reader      *reader,
               Lines       *lines,
               char        *line,
               gsize        length,
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

  /* A JSON array is read whole once its last line is in. */
  if (lines->array != NULL)
    {
      g_string_append_c (g_string_append (lines->array, line), '\n');
      return TRUE;
    }

  g_strstrip (line);
  if (*line == '\0')
    return TRUE;

  /* The first line with text decides: a JSON array only opens a file. */
  if (!lines->decided || (lines->json && !lines->any && *line == '['))
    {
      lines->json = *line == '{' || *line == '[';
      lines->decided = TRUE;
      if (*line == '[')
        {
          lines->array = g_string_new (line);
          g_string_append_c (lines->array, '\n');
          lines->array_line = reader->line;
          return TRUE;
        }
    }

  lines->any = TRUE;
  if (lines->json)
    {
      g_autoptr(GError) json_error = NULL;

      /* json-glib would take a second object on the line, comments and
       * single quotes, and recurse into any depth. */
      if (!kvp_input_check_json (line, strlen (line), KVP_INPUT_JSON_LINE, KVP_INPUT_JSON_MAX_DEPTH, NULL,
                                 &json_error))
        return line_error (reader, error, "%s", json_error->message);
      return read_json_line (reader, line, error);
    }
  if (!lines->header_done)
    {
      lines->header_done = TRUE;
      return read_csv_header (reader, line, lines->order, error);
    }
  return read_csv_row (reader, line, (const int *) (gpointer) lines->order->data, lines->order->len, error);
}

/* The JSON array gathered, checked strictly as one text, then read. */
static gboolean
finish_array (Reader      *reader,
              Lines       *lines,
              GError     **error)
{
  g_autoptr(GError) json_error = NULL;
  guint at = 1;

  if (!kvp_input_check_json (lines->array->str, lines->array->len, KVP_INPUT_JSON_FILE, KVP_INPUT_JSON_MAX_DEPTH,
                             &at, &json_error))
    {
      reader->line = lines->array_line + at - 1;
      return line_error (reader, error, "%s", json_error->message);
    }

  return read_json_array (reader, lines->array->str, lines->array_line, error);
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
                 _("--workload “%s” is neither a built-in (sharegpt, alpaca, conversation, fixed:P,O, uniform:P1-P2,O1-O2) nor a file that exists."),
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

/* n_requests: the first n (0: all, up to KVP_WORKLOAD_MAX_REQUESTS). */
static gboolean
read_file (const char  *path,
           guint32      max_len,
           guint        n_requests,
           Reader      *reader,
           GError     **error)
{
  g_autofree char *display = kvp_quote (path);
  g_autoptr(GError) input_error = NULL;
  g_autoptr(KvpInput) input = NULL;
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  Lines lines = { order, NULL, 0, FALSE, FALSE, FALSE, FALSE };
  gboolean ok = TRUE;
  char *line;
  gsize length;

  reader->display = display;
  reader->max_len = max_len;
  reader->has_arrival = -1;
  lines.json = g_str_has_suffix (path, ".jsonl") || g_str_has_suffix (path, ".ndjson") ||
               g_str_has_suffix (path, ".json");
  lines.decided = lines.json || g_str_has_suffix (path, ".csv");

  input = kvp_input_open (path, KVP_WORKLOAD_MAX_FILE_BYTES, &input_error);
  if (input == NULL)
    {
      set_open_error (display, input_error, error);
      return FALSE;
    }
  kvp_input_set_max_line (input, KVP_WORKLOAD_MAX_LINE_BYTES);

  /* Only the requests asked for are read: a long trace cut with --requests
   * costs no more than its first lines. */
  while (ok && (n_requests == 0 || reader->requests->len < n_requests) &&
         kvp_input_read_line (input, &line, &length, &input_error))
    {
      reader->line = (guint) kvp_input_get_line_number (input);
      if (reader->requests->len == KVP_WORKLOAD_MAX_REQUESTS && n_requests == 0 && lines.array == NULL)
        {
          g_autofree char *probe = g_strstrip (g_strndup (line, length));

          g_autofree char *most = kvp_format_count (KVP_WORKLOAD_MAX_REQUESTS);

          /* The option's value plain, to be typed as it is. */
          if (*probe != '\0')
            ok = line_error (reader, error,
                             _("the file holds more than %s requests, the most kvpage simulates: give --requests %u "
                               "to take the first ones."),
                             most, KVP_WORKLOAD_MAX_REQUESTS);
          continue;
        }
      ok = read_one_line (reader, &lines, line, length, error);
    }
  if (ok && input_error != NULL)
    {
      if (g_error_matches (input_error, KVP_INPUT_ERROR, KVP_INPUT_ERROR_LINE_TOO_LONG))
        g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("Workload file “%s”: %s."), display, input_error->message);
      else
        set_open_error (display, input_error, error);
      ok = FALSE;
    }
  if (ok && lines.array != NULL)
    ok = finish_array (reader, &lines, error);
  if (lines.array != NULL)
    g_string_free (lines.array, TRUE);
  if (!ok)
    return FALSE;

  if (n_requests > 0 && reader->requests->len > n_requests)
    {
      g_array_set_size (reader->requests, n_requests);
      g_array_set_size (reader->sharing, n_requests);
    }

  if (reader->requests->len == 0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("Workload file “%s” holds no requests."), display);
      return FALSE;
    }

  return TRUE;
}

double
kvp_rng_exponential (KvpRng *rng,
                     double  mean)
{
  g_return_val_if_fail (rng != NULL, 0.0);

  return -exact_ln (kvp_rng_uniform (rng)) * mean;
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

      if (step >= KVP_WORKLOAD_MAX_ARRIVAL_STEPS)
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
  self->hash_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->time_scale = 1.0;

  return self;
}

/* A file's requests with what the reader found out about them. */
static KvpWorkload *
workload_from_reader (const KvpWorkloadOptions  *options,
                      Reader                    *reader,
                      GError                   **error)
{
  g_autoptr(KvpWorkload) self = NULL;
  g_autofree char *display = kvp_quote (options->source);
  GArray *requests = reader->requests;

  if (options->n_requests > requests->len)
    {
      g_autofree char *held = kvp_format_count (requests->len);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--requests %u asks for more requests than the workload file “%s” holds (%s)."),
                   options->n_requests, display, held);
      return NULL;
    }

  if (reader->has_arrival > 0 && options->request_rate > 0.0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The workload file “%s” has its own arrival times: leave out --request-rate."),
                   display);
      return NULL;
    }

  if (options->request_rate > 0.0)
    assign_poisson_arrivals (requests, options->seed, options->request_rate);

  if (reader->has_arrival > 0)
    for (guint i = 0; i < requests->len; i++)
      g_array_index (requests, KvpRequest, i).arrival *= options->time_scale;

  if (!assign_steps (requests, options->request_rate, error))
    return NULL;

  self = workload_new (options->source, options->seed, options->request_rate, requests);
  if (reader->shares)
    {
      self->sharing = g_array_ref (reader->sharing);
      g_array_append_vals (self->hash_ids, reader->hash_ids->data, reader->hash_ids->len);
    }
  self->file_arrivals = reader->has_arrival > 0;
  self->time_scale = options->time_scale;
  self->skipped_too_long = reader->skipped_too_long;
  self->skipped_failed = reader->skipped_failed;

  return g_steal_pointer (&self);
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
  options->time_scale = 1.0;
  options->shared_prefix = 0;
  options->prefix_groups = 0;
  options->samples = 0;
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
          g_autofree char *most = kvp_format_whole (KVP_WORKLOAD_MAX_RATE);

          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("--request-rate “%s” is not valid: use 0 (all at once) or from %g to %s requests per second."),
                       quoted, KVP_WORKLOAD_MIN_RATE, most);
          return FALSE;
        }
      options->request_rate = rate;
      return TRUE;
    }

  if (g_str_equal (option, "time-scale"))
    {
      char *end = NULL;
      double scale = g_ascii_strtod (text, &end);

      if (*text == '\0' || *end != '\0' ||
          !(scale >= KVP_WORKLOAD_MIN_TIME_SCALE && scale <= KVP_WORKLOAD_MAX_TIME_SCALE))
        {
          g_autofree char *quoted = kvp_quote (text);

          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("--time-scale “%s” is not valid: use a factor from %g to %g (2 replays a trace at half speed)."),
                       quoted, KVP_WORKLOAD_MIN_TIME_SCALE, KVP_WORKLOAD_MAX_TIME_SCALE);
          return FALSE;
        }
      options->time_scale = scale;
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

/* The options' own ranges, before any workload is made of them. */
static gboolean
check_options (const KvpWorkloadOptions  *opts,
               GError                   **error)
{
  if (opts->n_requests > KVP_WORKLOAD_MAX_REQUESTS)
    {
      g_autofree char *asked = kvp_format_count (opts->n_requests);
      g_autofree char *most = kvp_format_count (KVP_WORKLOAD_MAX_REQUESTS);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("%s requests are too many: use 1 to %s."), asked, most);
      return FALSE;
    }
  if (!(opts->request_rate == 0.0 ||
        (opts->request_rate >= KVP_WORKLOAD_MIN_RATE && opts->request_rate <= KVP_WORKLOAD_MAX_RATE)))
    {
      g_autofree char *most = kvp_format_whole (KVP_WORKLOAD_MAX_RATE);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The request rate must be 0 (all at once) or from %g to %s requests per second."),
                   KVP_WORKLOAD_MIN_RATE, most);
      return FALSE;
    }
  if (!(opts->time_scale >= KVP_WORKLOAD_MIN_TIME_SCALE && opts->time_scale <= KVP_WORKLOAD_MAX_TIME_SCALE))
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The time scale must be from %g to %g."), KVP_WORKLOAD_MIN_TIME_SCALE, KVP_WORKLOAD_MAX_TIME_SCALE);
      return FALSE;
    }
  if (opts->max_len < 2)
    {
      g_autofree char *context = kvp_format_count (opts->max_len);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("A model context of %s tokens leaves no room for a prompt and an output."), context);
      return FALSE;
    }

  return TRUE;
}

static KvpWorkload *
workload_new_unshared (const KvpWorkloadOptions  *options,
                       GError                   **error)
{
  g_autoptr(GArray) requests = g_array_new (FALSE, FALSE, sizeof (KvpRequest));
  KvpWorkloadOptions opts;
  gboolean is_spec = FALSE;
  KvpRng rng;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  opts = *options;
  if (opts.source == NULL)
    opts.source = "sharegpt";

  if (!check_options (&opts, error))
    return NULL;

  kvp_rng_init (&rng, opts.seed);

  for (guint i = 0; i < G_N_ELEMENTS (datasets); i++)
    {
      if (g_str_equal (opts.source, datasets[i].name))
        {
          if (opts.n_requests == 0)
            opts.n_requests = KVP_WORKLOAD_DEFAULT_REQUESTS;
          if (opts.max_len < 2 * FILTER_MIN_LEN)
            {
              g_autofree char *least = kvp_format_count (2 * FILTER_MIN_LEN);
              g_autofree char *context = kvp_format_count (opts.max_len);

              g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                           _("The %s workload needs a context of at least %s tokens; the model allows %s."),
                           opts.source, least, context);
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
      g_autoptr(GArray) hash_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
      g_autoptr(GArray) sharing = g_array_new (FALSE, FALSE, sizeof (KvpRequestSharing));
      Reader reader = { 0, };

      reader.requests = requests;
      reader.sharing = sharing;
      reader.hash_ids = hash_ids;
      if (!read_file (opts.source, opts.max_len, opts.n_requests, &reader, error))
        return NULL;

      if (opts.time_scale != 1.0 && reader.has_arrival <= 0)
        {
          g_autofree char *display = kvp_quote (opts.source);

          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("--time-scale multiplies a workload file’s own arrival times, and “%s” has none."), display);
          return NULL;
        }

      return workload_from_reader (&opts, &reader, error);
    }

  if (opts.time_scale != 1.0)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("--time-scale multiplies a workload file’s own arrival times; the %s workload has none."),
                   opts.source);
      return NULL;
    }

  if (opts.request_rate > 0.0)
    assign_poisson_arrivals (requests, opts.seed, opts.request_rate);

  if (!assign_steps (requests, opts.request_rate, error))
    return NULL;

  {
    KvpWorkload *self = workload_new (opts.source, opts.seed, opts.request_rate, requests);

    self->generated = TRUE;
    return self;
  }
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
          g_autofree char *most = kvp_format_count (max_len);

          g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                       _("Request %u is not valid: lengths from 1 with prompt + output at most %s, arrivals in order."),
                       i + 1, most);
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
      g_array_unref (self->hash_ids);
      g_clear_pointer (&self->sharing, g_array_unref);
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

/* The data sets' names, then the chats made of them. */
static const char * const builtins[] = { "sharegpt", "alpaca", "conversation", NULL };

const char * const *
kvp_workload_get_builtins (void)
{
  return builtins;
}

gboolean
kvp_workload_is_builtin (const char *source)
{
  return source != NULL && g_strv_contains (builtins, source);
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

guint
kvp_workload_get_skipped (KvpWorkload *self,
                          guint       *out_too_long,
                          guint       *out_failed)
{
  g_return_val_if_fail (self != NULL, 0);

  if (out_too_long != NULL)
    *out_too_long = self->skipped_too_long;
  if (out_failed != NULL)
    *out_failed = self->skipped_failed;

  return self->skipped_too_long + self->skipped_failed;
}

char *
kvp_workload_describe_skipped (KvpWorkload *self)
{
  g_autofree char *too_long = NULL;
  g_autofree char *failed = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->skipped_too_long + self->skipped_failed == 0)
    return NULL;

  too_long = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE,
                                              "%s request longer than the model allows",
                                              "%s requests longer than the model allows",
                                              self->skipped_too_long),
                                 self->skipped_too_long);
  failed = kvp_format_counted (g_dngettext (GETTEXT_PACKAGE,
                                            "%s request the trace records as failed (no prompt or no output)",
                                            "%s requests the trace records as failed (no prompt or no output)",
                                            self->skipped_failed),
                               self->skipped_failed);

  /* Translators: %s and %s are the two counts above, joined. */
  return g_strdup_printf (_("Left out of the file: %s, %s."), too_long, failed);
}

char *
kvp_workload_describe_arrivals (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->file_arrivals && self->time_scale != 1.0)
    return g_strdup_printf (_("arrivals from the file, times × %g"), self->time_scale);
  if (self->file_arrivals)
    return g_strdup (_("arrivals from the file"));
  if (self->request_rate > 0.0)
    return g_strdup_printf (_("Poisson arrivals at %g requests/s"), self->request_rate);

  return g_strdup (_("all arriving at once"));
}

gboolean
kvp_workload_has_file_arrivals (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->file_arrivals;
}

double
kvp_workload_get_time_scale (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, 1.0);

  return self->time_scale;
}

KvpRequestSharing
kvp_workload_get_sharing (KvpWorkload *self,
                          guint        index)
{
  KvpRequestSharing none = { 1, 0, 0, 0, 0, 0 };

  g_return_val_if_fail (self != NULL, none);
  g_return_val_if_fail (index < self->requests->len, none);

  return self->sharing != NULL ? g_array_index (self->sharing, KvpRequestSharing, index) : none;
}

gboolean
kvp_workload_has_turns (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->sharing == NULL)
    return FALSE;
  for (guint i = 0; i < self->sharing->len; i++)
    if (g_array_index (self->sharing, KvpRequestSharing, i).waits > 0)
      return TRUE;

  return FALSE;
}

const guint64 *
kvp_workload_get_hash_ids (KvpWorkload *self,
                           guint        index,
                           guint       *n_ids)
{
  KvpRequestSharing r;

  if (n_ids != NULL)
    *n_ids = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->requests->len, NULL);

  r = kvp_workload_get_sharing (self, index);
  if (n_ids != NULL)
    *n_ids = r.n_hash_ids;

  return r.n_hash_ids > 0 ? &g_array_index (self->hash_ids, guint64, r.hash_ids_start) : NULL;
}

void
kvp_workload_get_prompt_segments (KvpWorkload *self,
                                  guint        index,
                                  GArray      *out)
{
  const KvpRequestSharing *r;
  KvpRequestSharing sharing;
  guint64 left;
  KvpTokenSegment seg = { 0, };

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->requests->len);
  g_return_if_fail (out != NULL && g_array_get_element_size (out) == sizeof (KvpTokenSegment));

  sharing = kvp_workload_get_sharing (self, index);
  r = &sharing;
  left = g_array_index (self->requests, KvpRequest, index).prompt_len;

  for (guint i = 0; i < r->n_hash_ids && left > 0; i++)
    {
      seg.kind = KVP_TOKENS_HASH_ID;
      seg.id = g_array_index (self->hash_ids, guint64, r->hash_ids_start + i);
      seg.length = MIN (left, (guint64) KVP_WORKLOAD_HASH_ID_TOKENS);
      g_array_append_val (out, seg);
      left -= seg.length;
    }

  if (r->n_hash_ids == 0 && r->prefix_len > 0)
    {
      seg.kind = KVP_TOKENS_PREFIX;
      seg.id = r->prefix_id;
      seg.length = r->prefix_len;
      g_array_append_val (out, seg);
      left -= seg.length;
    }

  if (left > 0)
    {
      /* The request's index names its own tokens: every sample of it
       * (parallel sampling's child requests) has the same prompt. */
      seg.kind = KVP_TOKENS_UNIQUE;
      seg.id = r->own > 0 ? r->own - 1 : index;
      seg.length = left;
      g_array_append_val (out, seg);
    }
}

gboolean
kvp_workload_get_answer_segment (KvpWorkload     *self,
                                 guint            index,
                                 KvpTokenSegment *out)
{
  KvpRequestSharing r;
  guint32 prompt_len;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (index < self->requests->len, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  /* A turn's prompt is all history, one prefix per conversation; a sample
   * (own > 0) is one of several answers. */
  r = kvp_workload_get_sharing (self, index);
  prompt_len = g_array_index (self->requests, KvpRequest, index).prompt_len;
  if (g_strcmp0 (self->source, "conversation") != 0 || r.own != 0 || r.n_hash_ids > 0 || r.prefix_len != prompt_len)
    return FALSE;

  *out = (KvpTokenSegment) { KVP_TOKENS_PREFIX, r.prefix_id, 0, prompt_len };
  return TRUE;
}

KvpWorkload *
kvp_workload_new (const KvpWorkloadOptions  *options,
                  GError                   **error)
{
  g_autoptr(KvpWorkload) plain = NULL;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_strcmp0 (options->source, "conversation") == 0)
    return kvp_workload_new_conversation (options, error);

  plain = workload_new_unshared (options, error);
  if (plain == NULL)
    return NULL;

  return kvp_workload_share (plain, options->shared_prefix, options->prefix_groups, options->samples,
                             options->max_len, error);
}

KvpWorkload *
kvp_workload_new_derived (KvpWorkload *base,
                          const char  *source,
                          GArray      *requests,
                          GArray      *sharing)
{
  KvpWorkload *self;

  g_return_val_if_fail (base != NULL && requests != NULL, NULL);
  g_return_val_if_fail (sharing == NULL || sharing->len == requests->len, NULL);

  self = workload_new (source != NULL ? source : base->source, base->seed, base->request_rate, requests);
  self->generated = base->generated;
  if (sharing != NULL)
    self->sharing = g_array_ref (sharing);
  g_array_append_vals (self->hash_ids, base->hash_ids->data, base->hash_ids->len);
  self->file_arrivals = base->file_arrivals;
  self->time_scale = base->time_scale;
  self->skipped_too_long = base->skipped_too_long;
  self->skipped_failed = base->skipped_failed;

  return self;
}

gboolean
kvp_workload_is_generated (KvpWorkload *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->generated;
}
