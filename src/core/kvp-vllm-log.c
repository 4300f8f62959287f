/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-vllm-log.c: reading a vLLM start-up log.  The wording of each era
 * (vllm/worker/worker.py and executor_base.py of v0, memory_profiling in
 * vllm/utils, vllm/v1/worker/gpu_worker.py, vllm/v1/core/kv_cache_utils.py)
 * is matched anywhere in a line, so process prefixes such as
 * "(EngineCore_DP0 pid=…) INFO 09-22 01:20:17 [gpu_worker.py:544]" and a
 * person's copy-paste around them do not matter.  A log is untrusted text:
 * lines are cut at MAX_LINE, numbers are read with fixed caps, and nothing
 * is assumed about the encoding. */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-input.h"
#include "kvp-json.h"
#include "kvp-vllm.h"
#include "kvp-vllm-log.h"

/* The engine line runs to a few thousand characters; nothing longer needs
 * reading whole. */
#define MAX_LINE 65536

void
kvp_vllm_log_free (KvpVllmLog *self)
{
  if (self == NULL)
    return;
  g_free (self->vllm_version);
  g_free (self->model);
  g_free (self->dtype);
  g_free (self->kv_cache_dtype);
  g_free (self);
}

GBytes *
kvp_vllm_log_read_file (const char  *path,
                        gboolean    *out_truncated,
                        GError     **error)
{
  g_autoptr(KvpInput) input = NULL;
  g_autoptr(GError) input_error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  /* kvpage's one reader: one open, whatever the file is, and the head of a
   * log that runs on. */
  input = kvp_input_open_head (path, KVP_VLLM_LOG_MAX_READ, &input_error);
  if (input != NULL)
    data = kvp_input_read_all (input, &length, &input_error);
  if (data == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_autofree char *quoted = kvp_quote (display);

      g_set_error (error, KVP_ERROR, KVP_ERROR_FAILED, _("“%s”: cannot read it: %s"), quoted,
                   input_error->message);
      return NULL;
    }
  if (out_truncated != NULL)
    *out_truncated = kvp_input_get_truncated (input);

  return g_bytes_new_take (data, length);
}

/* The text after needle in line, or NULL. */
static const char *
after (const char *line,
       const char *needle)
{
  const char *p = strstr (line, needle);

  return p != NULL ? p + strlen (needle) : NULL;
}

/* A whole number, perhaps grouped with commas ("42,656"); at most 18
 * digits. */
static gboolean
read_count (const char *p,
            gint64     *out)
{
  gint64 value = 0;
  guint digits = 0;

  if (p == NULL)
    return FALSE;
  while (*p == ' ')
    p++;
  for (; g_ascii_isdigit (*p) || (*p == ',' && digits > 0 && g_ascii_isdigit (p[1])); p++)
    {
      if (*p == ',')
        continue;
      if (++digits > 18)
        return FALSE;
      value = value * 10 + (*p - '0');
    }
  if (digits == 0)
    return FALSE;
  *out = value;
  return TRUE;
}

/* A decimal such as "6.51" or "14.9889", and half its last digit: the
 * printed figure stands for anything within that of it. */
static gboolean
read_decimal (const char *p,
              double     *out,
              double     *out_half)
{
  char text[32];
  guint n = 0, decimals = 0;
  gboolean point = FALSE;

  if (p == NULL)
    return FALSE;
  while (*p == ' ' || *p == '(')
    p++;
  for (; (g_ascii_isdigit (*p) || (*p == '.' && !point)) && n + 1 < sizeof text; p++)
    {
      if (*p == '.')
        point = TRUE;
      else if (point)
        decimals++;
      text[n++] = *p;
    }
  text[n] = '\0';
  if (n == 0 || !g_ascii_isdigit (text[0]) || decimals > 12)
    return FALSE;
  *out = g_ascii_strtod (text, NULL);
  if (out_half != NULL)
    *out_half = 0.5 * pow (10.0, -(double) decimals);
  return isfinite (*out);
}

static void
read_gib (const char   *p,
          KvpLoggedGib *out)
{
  double value, half;

  if (!out->found && read_decimal (p, &value, &half))
    {
      out->found = TRUE;
      out->gib = value;
      out->half = half;
    }
}

/* A word up to the next comma, space or bracket, at most 40 bytes of
 * letters, digits and ._- (a dtype, "True"). */
static char *
read_word (const char *p)
{
  gsize n = 0;

  if (p == NULL)
    return NULL;
  while (n < 40 && (g_ascii_isalnum (p[n]) || p[n] == '_' || p[n] == '.' || p[n] == '-'))
    n++;
  return n > 0 ? g_strndup (p, n) : NULL;
}

/* The engine line: "Initializing a V1 LLM engine (v0.10.1) with config:
 * model='…', …, dtype=torch.bfloat16, max_seq_len=…, tensor_parallel_size=…,
 * kv_cache_dtype=auto, …, enable_prefix_caching=True, …". */
static void
read_engine_line (KvpVllmLog *self,
                  const char *line)
{
  const char *config = after (line, " with config: ");
  const char *p;
  g_autofree char *word = NULL;

  if ((p = after (line, "engine (v")) != NULL && self->vllm_version == NULL)
    self->vllm_version = read_word (p);
  if (config == NULL)
    return;

  if ((p = after (config, "model='")) != NULL && self->model == NULL)
    {
      const char *end = strchr (p, '\'');

      if (end != NULL && end - p < 512)
        self->model = g_utf8_make_valid (p, end - p);
    }
  if ((p = after (config, ", dtype=")) != NULL && self->dtype == NULL)
    {
      self->dtype = read_word (g_str_has_prefix (p, "torch.") ? p + 6 : p);
    }
  if (self->max_model_len < 0)
    read_count (after (config, "max_seq_len="), &self->max_model_len);
  if (self->tensor_parallel_size < 0)
    read_count (after (config, "tensor_parallel_size="), &self->tensor_parallel_size);
  if ((p = after (config, "kv_cache_dtype=")) != NULL && self->kv_cache_dtype == NULL)
    self->kv_cache_dtype = read_word (p);
  if ((p = after (config, "enable_prefix_caching=")) != NULL && self->enable_prefix_caching < 0)
    {
      word = read_word (p);
      if (g_strcmp0 (word, "True") == 0 || g_strcmp0 (word, "False") == 0)
        self->enable_prefix_caching = g_str_equal (word, "True");
    }
}

/* The memory-profiling lines of v0 and early v1: "the current vLLM instance
 * can use total_gpu_memory (X GiB) x gpu_memory_utilization (U) = Y GiB",
 * "model weights take …; non_torch_memory takes …; PyTorch activation peak
 * memory takes …; the rest of the memory reserved for KV Cache is Z GiB",
 * and v0.6's "Memory profiling results: total_gpu_memory=…GiB …
 * kv_cache_size=…GiB gpu_memory_utilization=0.90". */
static void
read_profiling (KvpVllmLog *self,
                const char *line)
{
  const char *p;
  double util;

  if ((p = after (line, "total_gpu_memory (")) != NULL)
    read_gib (p, &self->total);
  if ((p = after (line, "total_gpu_memory=")) != NULL)
    read_gib (p, &self->total);
  if (((p = after (line, "gpu_memory_utilization (")) != NULL ||
       (p = after (line, "gpu_memory_utilization=")) != NULL) &&
      self->gpu_memory_utilization < 0 && read_decimal (p, &util, NULL))
    self->gpu_memory_utilization = util;
  if (after (line, "the current vLLM instance can use") != NULL && (p = after (line, ") = ")) != NULL)
    read_gib (p, &self->can_use);
  read_gib (after (line, "model weights take "), &self->weights);
  read_gib (after (line, "non_torch_memory takes "), &self->non_torch);
  read_gib (after (line, "PyTorch activation peak memory takes "), &self->activation);
  if ((p = after (line, "the rest of the memory reserved for KV Cache is ")) != NULL)
    {
      read_gib (p, &self->rest);
      self->kv_lines++;
    }
  if ((p = after (line, "kv_cache_size=")) != NULL)
    {
      read_gib (p, &self->kv_cache_size);
      self->kv_lines++;
    }
}

static void
read_line (KvpVllmLog *self,
           const char *line)
{
  const char *p;

  if (strstr (line, "LLM engine") != NULL)
    read_engine_line (self, line);
  if (self->max_model_len < 0)
    read_count (after (line, "Using max model len "), &self->max_model_len);
  if (self->block_size < 0)
    read_count (after (line, "Setting kv cache block size to "), &self->block_size);
  read_profiling (self, line);

  read_gib (after (line, "Model loading took "), &self->model_loading);
  read_gib (after (line, "Loading model weights took "), &self->model_loading);

  if ((p = after (line, "GPU blocks: ")) != NULL || (p = after (line, "CUDA blocks: ")) != NULL)
    {
      if (self->gpu_blocks < 0)
        read_count (p, &self->gpu_blocks);
      self->kv_lines++;
    }
  if ((p = after (line, "Available KV cache memory: ")) != NULL ||
      (p = after (line, "available_kv_cache_memory")) != NULL)
    {
      read_gib (p, &self->available);
      self->kv_lines++;
    }
  if ((p = after (line, "reserved ")) != NULL && strstr (p, "memory for KV Cache as specified by") != NULL)
    {
      read_gib (after (line, "Initial free memory "), &self->initial_free);
      read_gib (p, &self->reserved);
      self->kv_lines++;
    }
  if ((p = after (line, "GPU KV cache size: ")) != NULL)
    {
      if (self->kv_tokens < 0)
        read_count (p, &self->kv_tokens);
      self->kv_lines++;
    }
  if ((p = after (line, "Maximum concurrency for ")) != NULL)
    {
      gint64 length = -1;
      double concurrency;

      if (self->concurrency_len < 0 && read_count (p, &length) && length > 0 &&
          read_decimal (after (p, " tokens per request: "), &concurrency, NULL))
        {
          self->concurrency_len = length;
          self->concurrency = concurrency;
        }
      self->kv_lines++;
    }
}

KvpVllmLog *
kvp_vllm_log_parse (const char  *data,
                    gsize        length,
                    const char  *name,
                    GError     **error)
{
  g_autoptr(KvpVllmLog) self = g_new0 (KvpVllmLog, 1);
  g_autofree char *line = g_malloc (MAX_LINE + 1);
  gsize start = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  self->max_model_len = self->tensor_parallel_size = self->block_size = -1;
  self->gpu_blocks = self->kv_tokens = self->concurrency_len = -1;
  self->gpu_memory_utilization = -1.0;
  self->enable_prefix_caching = -1;

  while (start < length)
    {
      const char *newline = memchr (data + start, '\n', length - start);
      gsize end = newline != NULL ? (gsize) (newline - data) : length;
      gsize n = MIN (end - start, (gsize) MAX_LINE);

      /* A NUL ends the line early: nothing after it is read. */
      memcpy (line, data + start, n);
      line[n] = '\0';
      read_line (self, line);
      start = end + 1;
    }

  if (self->kv_lines == 0)
    {
      g_autofree char *quoted = kvp_quote (name);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("%s: no line of it speaks of the KV cache (such as “GPU KV cache size”, “Available KV cache "
                     "memory” or “# GPU blocks”), so it is not a vLLM start-up log kvpage can compare."),
                   quoted);
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------ */
/* The comparison. */


#define GIB_BYTES 1073741824.0

typedef struct
{
  double lo, hi;
} Range;

/* What the figures rest on: the log's settings, or the command line's, or
 * kvpage's assumption, each said. */
typedef struct
{
  guint64     max_model_len;
  guint       tensor_parallel_size;
  guint32     block_size;
  KvpDtype    kv_dtype;
  guint64     batched;
  GPtrArray  *assumed;   /* "block_size 16", … for the reasons */
} Resolved;

typedef struct
{
  JsonBuilder *builder;   /* inside the figures array */
  gboolean     all_agree;
} Figures;

static Range
gib_range (const KvpLoggedGib *g)
{
  return (Range) { g->gib - g->half, g->gib + g->half };
}

static gboolean
overlaps (Range a,
          Range b)
{
  return a.lo <= b.hi + 1e-9 && b.lo <= a.hi + 1e-9;
}

/* agrees: 1, 0, or -1 for a figure kvpage cannot check. */
static void
add_figure (Figures    *f,
            const char *figure,
            double      logged,
            gboolean    whole,
            const Range *kvpage,
            int          agrees,
            const char  *reason)
{
  JsonBuilder *b = f->builder;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "figure");
  json_builder_add_string_value (b, figure);
  if (whole)
    kvp_json_add_uint (b, "logged", (guint64) logged);
  else
    kvp_json_add_double (b, "logged", logged);
  json_builder_set_member_name (b, "kvpage");
  if (kvpage == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      if (whole)
        {
          kvp_json_add_uint (b, "min", (guint64) kvpage->lo);
          kvp_json_add_uint (b, "max", (guint64) kvpage->hi);
        }
      else
        {
          kvp_json_add_double (b, "min", kvpage->lo);
          kvp_json_add_double (b, "max", kvpage->hi);
        }
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "agrees");
  if (agrees < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_boolean_value (b, agrees != 0);
  json_builder_set_member_name (b, "reason");
  if (reason == NULL)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, reason);
  json_builder_end_object (b);

  if (agrees == 0)
    f->all_agree = FALSE;
}

static gboolean
conflict (GError     **error,
          const char  *option,
          guint64      given,
          const char  *key,
          guint64      logged)
{
  g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
               /* Translators: an option and its value, then the log's key and value. */
               _("--%s %" PRIu64 " disagrees with the log, which says %s=%" PRIu64 "."),
               option, given, key, logged);
  return FALSE;
}

static gboolean
resolve_dtype (const KvpVllmLog        *self,
               const KvpVllmLogOptions *options,
               Resolved                *res,
               GError                 **error)
{
  KvpDtype dtype = options->model_dtype;

  if (self->kv_cache_dtype == NULL || g_str_equal (self->kv_cache_dtype, "auto"))
    {
      /* auto: the model's type as the engine line names it. */
      if (g_strcmp0 (self->dtype, "float16") == 0 || g_strcmp0 (self->dtype, "half") == 0)
        dtype = KVP_DTYPE_FP16;
      else if (g_strcmp0 (self->dtype, "bfloat16") == 0)
        dtype = KVP_DTYPE_BF16;
      else if (g_strcmp0 (self->dtype, "float32") == 0)
        dtype = KVP_DTYPE_FP32;
      if (self->kv_cache_dtype == NULL && options->kv_dtype_given)
        dtype = options->kv_dtype;
    }
  else if (!kvp_dtype_from_string (self->kv_cache_dtype, &dtype, NULL))
    {
      g_autofree char *quoted = kvp_quote (self->kv_cache_dtype);

      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The log’s kv_cache_dtype “%s” is not a KV type kvpage knows."), quoted);
      return FALSE;
    }
  if (self->kv_cache_dtype != NULL && options->kv_dtype_given && options->kv_dtype != dtype)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID, _("--kv-dtype %s disagrees with the log, which says %s."),
                   kvp_dtype_to_string (options->kv_dtype), kvp_dtype_to_string (dtype));
      return FALSE;
    }
  res->kv_dtype = dtype;
  if (self->kv_cache_dtype == NULL && self->dtype == NULL && !options->kv_dtype_given)
    g_ptr_array_add (res->assumed, g_strdup_printf ("kv_cache_dtype %s", kvp_dtype_to_string (dtype)));
  return TRUE;
}

/* The log first, then the command line (which must not contradict it), then
 * kvpage's assumption, said in res->assumed. */
static gboolean
resolve_settings (const KvpVllmLog        *self,
                  const KvpVllmLogOptions *options,
                  Resolved                *res,
                  GError                 **error)
{
  gint64 logged_len = self->max_model_len >= 0 ? self->max_model_len : self->concurrency_len;

  if (self->tensor_parallel_size > 0 && options->tensor_parallel_size > 0 &&
      (gint64) options->tensor_parallel_size != self->tensor_parallel_size)
    return conflict (error, "tensor-parallel-size", options->tensor_parallel_size, "tensor_parallel_size",
                     self->tensor_parallel_size);
  if (logged_len > 0 && options->max_model_len > 0 && (gint64) options->max_model_len != logged_len)
    return conflict (error, "max-model-len", options->max_model_len, "max_seq_len", logged_len);
  if (self->block_size > 0 && options->block_size > 0 && (gint64) options->block_size != self->block_size)
    return conflict (error, "block-size", options->block_size, "block_size", self->block_size);

  res->tensor_parallel_size = self->tensor_parallel_size > 0 && self->tensor_parallel_size <= 1024
                              ? (guint) self->tensor_parallel_size : MAX (options->tensor_parallel_size, 1);
  if (self->tensor_parallel_size <= 0 && options->tensor_parallel_size == 0)
    g_ptr_array_add (res->assumed, g_strdup ("tensor_parallel_size 1"));

  res->max_model_len = logged_len > 0 ? (guint64) logged_len
                       : options->max_model_len > 0 ? options->max_model_len : options->model->max_context;
  if (logged_len <= 0 && options->max_model_len == 0)
    g_ptr_array_add (res->assumed, g_strdup_printf ("max_model_len %" G_GUINT64_FORMAT, res->max_model_len));
  if (res->max_model_len == 0 || res->max_model_len > G_MAXUINT32)
    {
      g_set_error (error, KVP_ERROR, KVP_ERROR_INVALID,
                   _("The log shows no max_model_len and the model states none: give --max-model-len TOKENS."));
      return FALSE;
    }

  res->block_size = self->block_size > 0 && self->block_size <= 1024 ? (guint32) self->block_size
                    : options->block_size > 0 ? options->block_size : 16;
  if (self->block_size <= 0 && options->block_size == 0)
    g_ptr_array_add (res->assumed, g_strdup ("block_size 16"));

  res->batched = options->max_num_batched_tokens > 0 ? options->max_num_batched_tokens : 2048;
  if (options->max_num_batched_tokens == 0 && options->layers != NULL)
    for (guint l = 0; l < options->model->num_layers; l++)
      if (options->layers[l].kind != KVP_LAYER_FULL)
        {
          g_ptr_array_add (res->assumed, g_strdup ("max_num_batched_tokens 2048"));
          break;
        }

  return resolve_dtype (self, options, res, error);
}

static void
add_count (JsonBuilder *b,
           const char  *name,
           gint64       logged,
           guint64      given)
{
  json_builder_set_member_name (b, name);
  if (logged >= 0)
    json_builder_add_int_value (b, logged);
  else if (given > 0)
    json_builder_add_int_value (b, (gint64) given);
  else
    json_builder_add_null_value (b);
}

/* The log's settings; an option fills what the log leaves out. */
static void
add_settings (const KvpVllmLog        *self,
              const KvpVllmLogOptions *options,
              const Resolved          *res,
              JsonBuilder             *b)
{
  json_builder_set_member_name (b, "settings");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "vllm_version");
  self->vllm_version != NULL ? json_builder_add_string_value (b, self->vllm_version) : json_builder_add_null_value (b);
  add_count (b, "max_model_len", self->max_model_len >= 0 ? self->max_model_len : self->concurrency_len,
             options->max_model_len);
  add_count (b, "tensor_parallel_size", self->tensor_parallel_size, options->tensor_parallel_size);
  json_builder_set_member_name (b, "dtype");
  self->dtype != NULL ? json_builder_add_string_value (b, self->dtype) : json_builder_add_null_value (b);
  json_builder_set_member_name (b, "kv_cache_dtype");
  if (self->kv_cache_dtype != NULL)
    json_builder_add_string_value (b, self->kv_cache_dtype);
  else if (options->kv_dtype_given)
    json_builder_add_string_value (b, kvp_dtype_to_string (options->kv_dtype));
  else
    json_builder_add_null_value (b);
  add_count (b, "block_size", self->block_size, options->block_size);
  json_builder_set_member_name (b, "gpu_memory_utilization");
  self->gpu_memory_utilization >= 0 ? json_builder_add_double_value (b, self->gpu_memory_utilization)
                                    : json_builder_add_null_value (b);
  json_builder_set_member_name (b, "enable_prefix_caching");
  self->enable_prefix_caching >= 0 ? json_builder_add_boolean_value (b, self->enable_prefix_caching)
                                   : json_builder_add_null_value (b);
  json_builder_end_object (b);

  /* What kvpage computed with: the above, filled in. */
  json_builder_set_member_name (b, "kvpage_settings");
  json_builder_begin_object (b);
  kvp_json_add_uint (b, "max_model_len", res->max_model_len);
  kvp_json_add_uint (b, "tensor_parallel_size", res->tensor_parallel_size);
  json_builder_set_member_name (b, "kv_cache_dtype");
  json_builder_add_string_value (b, kvp_dtype_to_string (res->kv_dtype));
  kvp_json_add_uint (b, "block_size", res->block_size);
  kvp_json_add_uint (b, "max_num_batched_tokens", res->batched);
  json_builder_set_member_name (b, "assumed");
  json_builder_begin_array (b);
  for (guint i = 0; i < res->assumed->len; i++)
    json_builder_add_string_value (b, res->assumed->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* The memory-profiling line's sums, checked within their rounding. */
static void
check_profiling (const KvpVllmLog *self,
                 Figures          *f)
{
  if (self->can_use.found && self->total.found && self->gpu_memory_utilization > 0)
    {
      Range total = gib_range (&self->total);
      Range product = { total.lo * self->gpu_memory_utilization, total.hi * self->gpu_memory_utilization };
      gboolean ok = overlaps (gib_range (&self->can_use), product);

      add_figure (f, _("Memory vLLM may use (GiB)"), self->can_use.gib, FALSE, &product, ok,
                  ok ? NULL : _("total_gpu_memory × gpu_memory_utilization is not what the log says it is: an error in "
                                "the log, or lines of two runs."));
    }
  if (self->rest.found && self->can_use.found && self->weights.found && self->non_torch.found &&
      self->activation.found)
    {
      Range cu = gib_range (&self->can_use), w = gib_range (&self->weights);
      Range n = gib_range (&self->non_torch), a = gib_range (&self->activation);
      Range rest = { cu.lo - w.hi - n.hi - a.hi, cu.hi - w.lo - n.lo - a.lo };
      gboolean ok = overlaps (gib_range (&self->rest), rest);

      add_figure (f, _("KV cache memory after profiling (GiB)"), self->rest.gib, FALSE, &rest, ok,
                  ok ? NULL : _("the memory vLLM may use less the weights, the other memory and the activation peak is "
                                "not what the log says is left for the KV cache: an error in the log, or another "
                                "vLLM era’s formula (before PR #19312 the peak included the weights)."));
    }
}

/* The KV memory the log measured, the most direct statement first. */
static const KvpLoggedGib *
kv_memory (const KvpVllmLog *self,
           const char      **source)
{
  static const struct
  {
    gsize       offset;
    const char *source;
  } order[] = {
    { G_STRUCT_OFFSET (KvpVllmLog, reserved), "kv_cache_memory_bytes" },
    { G_STRUCT_OFFSET (KvpVllmLog, available), "Available KV cache memory" },
    { G_STRUCT_OFFSET (KvpVllmLog, rest), "the rest of the memory reserved for KV Cache" },
    { G_STRUCT_OFFSET (KvpVllmLog, kv_cache_size), "kv_cache_size" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      const KvpLoggedGib *g = G_STRUCT_MEMBER_P (self, order[i].offset);

      if (g->found)
        {
          *source = order[i].source;
          return g;
        }
    }
  return NULL;
}

static char *
mismatch_reason (const Resolved *res)
{
  if (res->assumed->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (res->assumed, NULL);
      list = g_strjoinv (", ", (char **) res->assumed->pdata);
      g_ptr_array_remove_index (res->assumed, res->assumed->len - 1);
      /* Translators: the settings kvpage assumed, such as "block_size 16". */
      return g_strdup_printf (_("outside what kvpage computes from the logged memory; the log does not show %s, "
                                "which kvpage assumed: give the option if the run differed."), list);
    }
  return g_strdup (_("outside what kvpage computes from the logged memory with the log’s own settings: an error in "
                     "the log, another model than the one given, or a vLLM kvpage does not model."));
}

/* The GPU KV cache size of each era of vLLM's log (kv_cache_utils.py):
 * today's int (concurrency × max_model_len), from PR #41069; blocks ÷ groups
 * × block size from PR #19029; blocks × block size before. */
static void
check_tokens (const KvpVllmLog     *self,
              const Resolved       *res,
              const KvpVllmSizing  *lo,
              const KvpVllmSizing  *hi,
              Figures              *f)
{
  double logged = (double) self->kv_tokens;
  Range now = { lo->kv_cache_tokens, hi->kv_cache_tokens };
  Range era2 = { (double) (lo->num_gpu_blocks / lo->num_groups * res->block_size),
                 (double) (hi->num_gpu_blocks / hi->num_groups * res->block_size) };
  Range era1 = { (double) (lo->num_gpu_blocks * res->block_size), (double) (hi->num_gpu_blocks * res->block_size) };
  Range point = { logged, logged };
  g_autofree char *reason = NULL;

  if (overlaps (point, now))
    {
      add_figure (f, _("GPU KV cache size (tokens)"), logged, TRUE, &now, 1, NULL);
      return;
    }
  if (overlaps (point, era2))
    reason = g_strdup (_("another vLLM era’s formula: the log counts blocks ÷ groups × block size, as vLLM did from "
                         "PR #19029 (June 2025) to PR #41069 (April 2026); kvpage prints today’s "
                         "concurrency × max_model_len."));
  else if (overlaps (point, era1))
    reason = g_strdup (_("another vLLM era’s formula: the log counts blocks × block size, as vLLM did before "
                         "PR #19029 (June 2025); kvpage prints today’s concurrency × max_model_len."));
  else
    reason = mismatch_reason (res);
  add_figure (f, _("GPU KV cache size (tokens)"), logged, TRUE, &now, 0, reason);
}

static void
check_concurrency (const KvpVllmLog    *self,
                   const Resolved      *res,
                   const KvpVllmSizing *lo,
                   const KvpVllmSizing *hi,
                   Figures             *f)
{
  Range logged = { self->concurrency - 0.005, self->concurrency + 0.005 };
  Range now = { lo->max_concurrency, hi->max_concurrency };
  Range era1 = { (double) (lo->num_gpu_blocks * res->block_size) / res->max_model_len,
                 (double) (hi->num_gpu_blocks * res->block_size) / res->max_model_len };
  g_autofree char *reason = NULL;

  if (overlaps (logged, now))
    {
      add_figure (f, _("Maximum concurrency"), self->concurrency, FALSE, &now, 1, NULL);
      return;
    }
  if (overlaps (logged, era1))
    reason = g_strdup (_("another vLLM era’s formula: the log divides tokens by max_model_len, as vLLM did before "
                         "PR #19029 (June 2025); kvpage divides the blocks by the blocks a request needs in every "
                         "group."));
  else
    reason = mismatch_reason (res);
  add_figure (f, _("Maximum concurrency"), self->concurrency, FALSE, &now, 0, reason);
}

/* The figures kvpage sizes from the logged memory, at both ends of what its
 * rounding allows. */
static void
check_sizing (const KvpVllmLog        *self,
              const KvpVllmLogOptions *options,
              const Resolved          *res,
              const KvpLoggedGib      *memory,
              Figures                 *f)
{
  Range m = gib_range (memory);
  KvpVllmInput input = { options->model, options->layers, res->kv_dtype, res->tensor_parallel_size, res->block_size,
                         res->max_model_len, res->batched, 0, 0, NULL, FALSE };
  g_autoptr(KvpVllmSizing) lo = NULL;
  g_autoptr(KvpVllmSizing) hi = NULL;
  g_autoptr(GError) error = NULL;

  /* A figure no GPU has (and past 64 bits) sizes nothing. */
  if (!(m.hi * GIB_BYTES < 9.0e18))
    {
      g_set_error (&error, KVP_ERROR, KVP_ERROR_INVALID, _("the logged KV cache memory is more than any GPU has."));
      m.hi = -1.0;
    }
  input.available_bytes = m.hi < 0 ? 0 : (guint64) ceil (MAX (m.lo, 0.0) * GIB_BYTES);
  lo = m.hi < 0 ? NULL : kvp_vllm_sizing_new (&input, NULL);
  input.available_bytes = (guint64) floor (MAX (m.hi, 0.0) * GIB_BYTES);
  hi = m.hi < 0 ? NULL : kvp_vllm_sizing_new (&input, &error);
  if (lo == NULL && hi != NULL)
    {
      /* The low end does not start; the high end is the only figure. */
      input.available_bytes = (guint64) floor (m.hi * GIB_BYTES);
      lo = kvp_vllm_sizing_new (&input, NULL);
    }
  if (hi == NULL)
    {
      if (self->kv_tokens >= 0)
        add_figure (f, _("GPU KV cache size (tokens)"), self->kv_tokens, TRUE, NULL, 0, error->message);
      if (self->concurrency_len >= 0)
        add_figure (f, _("Maximum concurrency"), self->concurrency, FALSE, NULL, 0, error->message);
      return;
    }

  if (self->gpu_blocks >= 0)
    {
      Range blocks = { lo->num_gpu_blocks, hi->num_gpu_blocks };
      Range point = { self->gpu_blocks, self->gpu_blocks };
      gboolean ok = overlaps (point, blocks);
      g_autofree char *reason = ok ? NULL : mismatch_reason (res);

      add_figure (f, _("GPU blocks"), self->gpu_blocks, TRUE, &blocks, ok, reason);
    }
  if (self->kv_tokens >= 0)
    check_tokens (self, res, lo, hi, f);
  if (self->concurrency_len >= 0)
    check_concurrency (self, res, lo, hi, f);
}

/* Without the memory, the two figures of the KV line against each other. */
static void
check_pair (const KvpVllmLog *self,
            Figures          *f)
{
  double era1;
  Range point;

  if (self->kv_tokens < 0 || self->concurrency_len <= 0)
    {
      if (self->kv_tokens >= 0)
        add_figure (f, _("GPU KV cache size (tokens)"), self->kv_tokens, TRUE, NULL, -1,
                    _("the log shows no KV cache memory to size the pool from."));
      if (self->gpu_blocks >= 0)
        add_figure (f, _("GPU blocks"), self->gpu_blocks, TRUE, NULL, -1,
                    _("the log shows no KV cache memory to size the pool from."));
      return;
    }
  era1 = (double) self->kv_tokens / (double) self->concurrency_len;
  point = (Range) { era1, era1 };
  add_figure (f, _("Maximum concurrency"), self->concurrency, FALSE, &point,
              fabs (era1 - self->concurrency) <= 0.005 + 1e-9 ? -1 : 0,
              fabs (era1 - self->concurrency) <= 0.005 + 1e-9
              ? _("the log shows no KV cache memory: only the tokens ÷ max_model_len it implies is checked.")
              : _("the tokens ÷ max_model_len is not the logged concurrency: a hybrid model (whose concurrency "
                  "counts the blocks of every group), or an error in the log; without the KV cache memory kvpage "
                  "cannot tell which."));
}

JsonNode *
kvp_vllm_log_compare (const KvpVllmLog        *self,
                      const KvpVllmLogOptions *options,
                      GError                 **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) assumed = g_ptr_array_new_with_free_func (g_free);
  Resolved res = { 0 };
  Figures f = { builder, TRUE };
  const KvpLoggedGib *memory;
  const char *source = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (options != NULL && options->model != NULL, NULL);

  res.assumed = assumed;
  if (!resolve_settings (self, options, &res, error))
    return NULL;

  json_builder_begin_object (builder);
  add_settings (self, options, &res, builder);

  memory = kv_memory (self, &source);
  json_builder_set_member_name (builder, "kv_cache_memory");
  if (memory == NULL)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, source);
      kvp_json_add_double (builder, "gib", memory->gib);
      json_builder_end_object (builder);
    }

  json_builder_set_member_name (builder, "figures");
  json_builder_begin_array (builder);
  check_profiling (self, &f);
  if (memory != NULL)
    check_sizing (self, options, &res, memory, &f);
  else
    check_pair (self, &f);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "agrees");
  json_builder_add_boolean_value (builder, f.all_agree);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* g_strv_builder_take () is GLib 2.80. */
static void
take_line (GStrvBuilder *lines,
           char         *line)
{
  g_strv_builder_add (lines, line);
  g_free (line);
}

static char *
format_value (JsonNode *node,
              gboolean  whole)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (whole)
    return kvp_vllm_format_thousands ((guint64) json_node_get_int (node));
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", json_node_get_double (node)));
}

static char *
format_kvpage (JsonObject *figure,
               gboolean    whole)
{
  JsonObject *range;
  g_autofree char *lo = NULL;
  g_autofree char *hi = NULL;

  if (json_object_get_null_member (figure, "kvpage"))
    return g_strdup ("—");
  range = json_object_get_object_member (figure, "kvpage");
  lo = format_value (json_object_get_member (range, "min"), whole);
  hi = format_value (json_object_get_member (range, "max"), whole);
  return g_str_equal (lo, hi) ? g_steal_pointer (&lo) : g_strdup_printf ("%s – %s", lo, hi);
}

/* text padded to width columns (not bytes: "–" is one column), on the
 * left or the right. */
static void
append_padded (GString    *out,
               const char *text,
               guint       width,
               gboolean    right)
{
  glong length = g_utf8_strlen (text, -1);
  guint pad = length < (glong) width ? width - (guint) length : 0;

  if (right)
    for (guint i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
  g_string_append (out, text);
  if (!right)
    for (guint i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
}

static char *
row (const char *figure,
     const char *logged,
     const char *kvpage,
     const char *agrees)
{
  GString *out = g_string_new (NULL);

  append_padded (out, figure, 38, FALSE);
  g_string_append (out, "  ");
  append_padded (out, logged, 12, TRUE);
  g_string_append (out, "  ");
  append_padded (out, kvpage, 20, TRUE);
  g_string_append (out, "  ");
  g_string_append (out, agrees);
  return g_string_free (out, FALSE);
}

static char *
describe_settings (JsonObject *settings)
{
  GString *text = g_string_new (_("Log settings:"));
  g_autoptr(GList) names = json_object_get_members (settings);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (settings, l->data);
      g_autofree char *value = NULL;

      if (JSON_NODE_HOLDS_NULL (node))
        value = g_strdup ("—");
      else if (json_node_get_value_type (node) == G_TYPE_STRING)
        value = g_strdup (json_node_get_string (node));
      else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        value = g_strdup (json_node_get_boolean (node) ? "True" : "False");
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        value = g_strdup_printf ("%.2f", json_node_get_double (node));
      else
        value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      g_string_append_printf (text, " %s %s%s", (char *) l->data, value, l->next != NULL ? "," : "");
    }
  return g_string_free (text, FALSE);
}

GStrv
kvp_vllm_log_describe (JsonNode *from_log)
{
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();
  JsonObject *root;
  JsonArray *figures, *assumed;
  guint disagree = 0;

  g_return_val_if_fail (from_log != NULL && JSON_NODE_HOLDS_OBJECT (from_log), NULL);

  root = json_node_get_object (from_log);
  take_line (lines, describe_settings (json_object_get_object_member (root, "settings")));
  assumed = json_object_get_array_member (json_object_get_object_member (root, "kvpage_settings"), "assumed");
  for (guint i = 0; i < json_array_get_length (assumed); i++)
    take_line (lines, g_strdup_printf (_("Not in the log, assumed: %s"),
                                                 json_array_get_string_element (assumed, i)));
  if (!json_object_get_null_member (root, "kv_cache_memory"))
    {
      JsonObject *memory = json_object_get_object_member (root, "kv_cache_memory");

      /* Translators: a size in GiB, then the log line it comes from. */
      take_line (lines, g_strdup_printf (_("KV cache memory: %.2f GiB (%s)"),
                                                   json_object_get_double_member (memory, "gib"),
                                                   json_object_get_string_member (memory, "source")));
    }

  figures = json_object_get_array_member (root, "figures");
  take_line (lines, row (_("FIGURE"), _("LOGGED"), _("KVPAGE"), _("AGREES")));
  for (guint i = 0; i < json_array_get_length (figures); i++)
    {
      JsonObject *figure = json_array_get_object_element (figures, i);
      JsonNode *logged = json_object_get_member (figure, "logged");
      gboolean whole = json_node_get_value_type (logged) == G_TYPE_INT64;
      g_autofree char *logged_text = format_value (logged, whole);
      g_autofree char *kvpage_text = format_kvpage (figure, whole);
      const char *agrees = json_object_get_null_member (figure, "agrees") ? _("not checked")
                           : json_object_get_boolean_member (figure, "agrees") ? _("yes") : _("no");

      disagree += !json_object_get_null_member (figure, "agrees") &&
                  !json_object_get_boolean_member (figure, "agrees");
      take_line (lines, row (json_object_get_string_member (figure, "figure"), logged_text, kvpage_text, agrees));
      if (!json_object_get_null_member (figure, "reason"))
        take_line (lines, g_strdup_printf ("    %s", json_object_get_string_member (figure, "reason")));
    }
  if (disagree == 0)
    g_strv_builder_add (lines, _("The log and kvpage agree on every figure kvpage can check."));
  else
    take_line (lines, kvp_format_counted (g_dngettext (GETTEXT_PACKAGE, "The log and kvpage disagree on %s figure.",
                                                       "The log and kvpage disagree on %s figures.", disagree),
                                          disagree));
  return g_strv_builder_end (lines);
}
