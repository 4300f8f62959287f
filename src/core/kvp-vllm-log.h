/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-vllm-log.h: a vLLM start-up log read back — the engine settings and the
 * measured KV-cache memory it states, in any era's wording — and its figures
 * set beside the ones kvpage computes for the same settings. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "kvp-model-config.h"
#include "kvp-model.h"

G_BEGIN_DECLS

/* Bytes read of a log at most; a server's log may run on for gigabytes
 * after start-up, and the start-up lines come first. */
#define KVP_VLLM_LOG_MAX_READ (16u * 1024u * 1024u)

/* A figure the log states, in GiB as it printed it (two places). */
typedef struct
{
  gboolean found;
  double   gib;
  double   half;   /* half the last printed digit: 0.005 for "6.51" */
} KvpLoggedGib;

typedef struct _KvpVllmLog KvpVllmLog;

struct _KvpVllmLog
{
  /* Settings; NULL or negative when the log does not show them. */
  char        *vllm_version;
  char        *model;            /* model='…' of the engine line */
  char        *dtype;            /* "bfloat16", "float16" … */
  char        *kv_cache_dtype;   /* "auto", "fp8" … */
  gint64       max_model_len;
  gint64       tensor_parallel_size;
  gint64       block_size;
  double       gpu_memory_utilization;
  int          enable_prefix_caching; /* -1, 0, 1 */

  /* Measured memory (the GiB figures are per GPU). */
  KvpLoggedGib model_loading;    /* "Model loading took X GiB" */
  KvpLoggedGib available;        /* "Available KV cache memory: X GiB" */
  KvpLoggedGib reserved;         /* "reserved X GiB memory for KV Cache as specified by kv_cache_memory_bytes" */
  KvpLoggedGib initial_free;     /* "Initial free memory X GiB" beside it */
  KvpLoggedGib total;            /* total_gpu_memory (X GiB) */
  KvpLoggedGib can_use;          /* … = Y GiB */
  KvpLoggedGib weights;          /* model weights take */
  KvpLoggedGib non_torch;        /* non_torch_memory takes */
  KvpLoggedGib activation;       /* PyTorch activation peak memory takes */
  KvpLoggedGib rest;             /* the rest of the memory reserved for KV Cache is */
  KvpLoggedGib kv_cache_size;    /* "Memory profiling results: … kv_cache_size=X GiB" (v0.6) */

  /* Figures. */
  gint64       gpu_blocks;       /* "# GPU blocks: N" (v0), or -1 */
  gint64       kv_tokens;        /* "GPU KV cache size: N tokens", or -1 */
  gint64       concurrency_len;  /* "Maximum concurrency for L tokens per request", or -1 */
  double       concurrency;      /* … Cx */

  guint        kv_lines;         /* lines that speak of the KV cache */
  gboolean     truncated;        /* more than KVP_VLLM_LOG_MAX_READ bytes */
};

/* Reads at most KVP_VLLM_LOG_MAX_READ bytes of path through kvp_input_open_head
 * (one open, whatever the file is): the one place a log's bytes come in. */
GBytes     *kvp_vllm_log_read_file (const char   *path,
                                    gboolean     *out_truncated,
                                    GError      **error);
/* Any bytes: lines of any length, any encoding, NULs.  NULL with
 * KVP_ERROR_INVALID when no line speaks of the KV cache. */
KvpVllmLog *kvp_vllm_log_parse     (const char   *data,
                                    gsize         length,
                                    const char   *name,
                                    GError      **error);
void        kvp_vllm_log_free      (KvpVllmLog   *self);

/* What the command line adds to the log: settings it leaves out (0 or NULL:
 * not given), and the model. */
typedef struct
{
  const KvpModel *model;           /* the whole model */
  const KvpLayer *layers;          /* or NULL: all full attention */
  KvpDtype        model_dtype;     /* what auto means */
  guint           tensor_parallel_size;
  guint32         block_size;
  guint64         max_model_len;
  guint64         max_num_batched_tokens;
  gboolean        kv_dtype_given;
  KvpDtype        kv_dtype;
} KvpVllmLogOptions;

/* Figure by figure: the log's, kvpage's, whether they agree and why not.
 * Returns the "from_log" object; FALSE in *out_agrees when one disagrees.
 * KVP_ERROR_INVALID when an option contradicts the log. */
JsonNode   *kvp_vllm_log_compare   (const KvpVllmLog        *self,
                                    const KvpVllmLogOptions *options,
                                    GError                 **error);
/* The comparison as lines for a terminal. */
GStrv       kvp_vllm_log_describe  (JsonNode                *from_log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KvpVllmLog, kvp_vllm_log_free)

G_END_DECLS
