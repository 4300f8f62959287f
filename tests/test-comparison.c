/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-comparison.c: the figures kvpage shows, against DESIGN.md's rows, the
 * PagedAttention paper and the closed forms. */

#include "config.h"

#include <locale.h>

#include "kvp-comparison.h"
#include "kvp-error.h"
#include "kvp-format.h"
#include "kvp-test-utils.h"

#define MIB (1024.0 * 1024.0)

static KvpComparison *
compare (const char *model,
         guint64     n,
         guint64     R,
         guint32     B,
         guint32     N)
{
  g_autoptr(GError) error = NULL;
  KvpParams params;
  KvpComparison *cmp;

  kvp_params_init_default (&params);
  params.model = kvp_model_lookup (model, NULL);
  params.seq_len = n;
  params.max_seq_len = R;
  params.block_size = B;
  params.num_blocks = N;

  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cmp);
  return cmp;
}

static void
test_defaults (void)
{
  KvpParams params;

  kvp_params_init_default (&params);
  g_assert_cmpstr (params.model->key, ==, "tinyllama-1.1b");
  g_assert_cmpint (params.dtype, ==, KVP_DTYPE_FP16);
  g_assert_cmpuint (params.seq_len, ==, 128);
  g_assert_cmpuint (params.max_seq_len, ==, 2048);
  g_assert_cmpuint (params.block_size, ==, 16);
  g_assert_cmpuint (params.num_blocks, ==, 1024);
}

/* The two TinyLlama rows of DESIGN.md. */
static void
test_design_rows (void)
{
  static const struct
  {
    guint64 R;
    double traditional_mib, paged_mib, saved_mib, saved_percent;
    const char *traditional_text, *saved_text, *percent_text;
  } rows[] = {
    { 2048, 44.0, 2.75, 41.25, 93.75, "44.00 MiB", "41.25 MiB", "93.75 %" },
    { 1024, 22.0, 2.75, 19.25, 87.5,  "22.00 MiB", "19.25 MiB", "87.50 %" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(KvpComparison) cmp = compare ("tinyllama-1.1b", 128, rows[i].R, 16, 1024);
      g_autofree char *traditional = kvp_format_bytes (cmp->traditional_bytes);
      g_autofree char *paged = kvp_format_bytes (cmp->paged_bytes);
      g_autofree char *saved = kvp_format_signed_bytes (cmp->saved_bytes);
      g_autofree char *percent = kvp_format_percent (cmp->saved_percent);
      g_autofree char *utilization = kvp_format_percent (cmp->utilization_percent);

      g_assert_cmpuint (cmp->bytes_per_token, ==, 22528);
      g_assert_cmpfloat (cmp->traditional_bytes / MIB, ==, rows[i].traditional_mib);
      g_assert_cmpfloat (cmp->paged_bytes / MIB, ==, rows[i].paged_mib);
      g_assert_cmpfloat (cmp->saved_bytes / MIB, ==, rows[i].saved_mib);
      g_assert_cmpfloat (cmp->saved_percent, ==, rows[i].saved_percent);
      g_assert_true (cmp->fits);
      g_assert_cmpuint (cmp->blocks_needed, ==, 8);
      g_assert_cmpuint (cmp->blocks_used, ==, 8);
      g_assert_cmpuint (cmp->blocks_free, ==, 1016);
      g_assert_cmpfloat (cmp->utilization_percent, ==, 100.0 * 8 / 1024);

      g_assert_cmpstr (traditional, ==, rows[i].traditional_text);
      g_assert_cmpstr (paged, ==, "2.75 MiB");
      g_assert_cmpstr (saved, ==, rows[i].saved_text);
      g_assert_cmpstr (percent, ==, rows[i].percent_text);
      g_assert_cmpstr (utilization, ==, "0.78 %");
    }
}

/* Kwon et al.: a 2048-token OPT-13B request reserves 1,677,721,600 bytes,
 * the paper's "1.6 GB". */
static void
test_paper_opt_13b (void)
{
  g_autoptr(KvpComparison) cmp = compare ("opt-13b", 2048, 2048, 16, 1024);
  g_autofree char *text = kvp_format_bytes (cmp->traditional_bytes);

  g_assert_cmpuint (cmp->traditional_bytes, ==, G_GUINT64_CONSTANT (1677721600));
  g_assert_cmpstr (text, ==, "1.56 GiB");
  /* A full request in whole blocks wastes nothing either way. */
  g_assert_cmpuint (cmp->paged_bytes, ==, cmp->traditional_bytes);
  g_assert_cmpint (cmp->saved_bytes, ==, 0);
  g_assert_cmpuint (cmp->paged_waste_tokens, ==, 0);
}

static void
test_waste (void)
{
  g_autoptr(KvpComparison) cmp = compare ("tinyllama-1.1b", 100, 2048, 16, 1024);

  /* 100 tokens take 7 blocks: 112 slots, 12 of them unused. */
  g_assert_cmpuint (cmp->blocks_needed, ==, 7);
  g_assert_cmpuint (cmp->paged_waste_tokens, ==, 12);
  g_assert_cmpuint (cmp->paged_waste_bytes, ==, 12 * 22528);
  g_assert_cmpuint (cmp->traditional_waste_tokens, ==, 1948);
  g_assert_cmpuint (cmp->traditional_waste_bytes, ==, 1948 * 22528);
}

/* When n = R does not fill whole blocks, paging costs more than reserving. */
static void
test_negative_saving (void)
{
  g_autoptr(KvpComparison) cmp = compare ("tinyllama-1.1b", 17, 17, 16, 1024);
  g_autofree char *saved = kvp_format_signed_bytes (cmp->saved_bytes);

  g_assert_cmpint (cmp->saved_bytes, ==, -15 * 22528);
  g_assert_cmpfloat (cmp->saved_percent, <, 0.0);
  g_assert_cmpstr (saved, ==, "−330.00 KiB");
}

static void
test_capacity (void)
{
  static const struct { guint64 n, R; guint32 B, N; guint64 paged, traditional; } cases[] = {
    { 128, 2048, 16, 1024, 128, 8 },
    { 100, 2048, 16, 1024, 146, 8 },
    { 1, 1, 1, 1, 1, 1 },
    { 2048, 2048, 16, 100, 0, 0 },
    { 17, 4096, 16, 3, 1, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KvpComparison) cmp = compare ("tinyllama-1.1b", cases[i].n, cases[i].R,
                                              cases[i].B, cases[i].N);

      g_assert_cmpuint (cmp->paged_capacity, ==, cases[i].paged);
      g_assert_cmpuint (cmp->traditional_capacity, ==, cases[i].traditional);
    }
}

/* n > N × B is a figure to show, not an error; the pool stays untouched. */
static void
test_does_not_fit (void)
{
  g_autoptr(KvpComparison) cmp = compare ("tinyllama-1.1b", 2048, 2048, 16, 100);

  g_assert_false (cmp->fits);
  g_assert_cmpuint (cmp->blocks_needed, ==, 128);
  g_assert_cmpuint (cmp->blocks_used, ==, 0);
  g_assert_cmpuint (cmp->blocks_free, ==, 100);
  g_assert_cmpfloat (cmp->utilization_percent, ==, 0.0);
  g_assert_cmpuint (cmp->paged_bytes, ==, 128 * 16 * 22528);
  g_assert_cmpuint (kvp_block_pool_get_length (cmp->pool, cmp->seq), ==, 0);
}

static void
test_exactly_fits (void)
{
  g_autoptr(KvpComparison) cmp = compare ("tinyllama-1.1b", 1600, 2048, 16, 100);

  g_assert_true (cmp->fits);
  g_assert_cmpuint (cmp->blocks_used, ==, 100);
  g_assert_cmpuint (cmp->blocks_free, ==, 0);
  g_assert_cmpfloat (cmp->utilization_percent, ==, 100.0);
}

/* The paged figures come from the allocator: across many inputs they must
 * agree with the closed forms, and the pool must hold the sequence. */
static void
test_closed_forms (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20231023);
  guint n_presets;
  const KvpModel *presets = kvp_model_get_presets (&n_presets);

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpComparison) cmp = NULL;
      KvpParams p = { .samples = 1 };
      guint64 bpt, needed, usable;
      guint n_table;
      const guint32 *table;

      p.model = &presets[g_rand_int_range (rand, 0, n_presets)];
      p.dtype = g_rand_int_range (rand, 0, KVP_N_DTYPES);
      p.block_size = 1u << g_rand_int_range (rand, 0, 11);
      p.num_blocks = g_rand_int_range (rand, 1, 20000);
      p.max_seq_len = g_rand_int_range (rand, 1, 200000);
      p.seq_len = g_rand_int_range (rand, 1, p.max_seq_len + 1);
      /* vLLM's pool, whose block 0 is its null block, half the time. */
      p.null_block = p.num_blocks > 1 && g_rand_boolean (rand);
      usable = p.num_blocks - (p.null_block ? 1 : 0);

      cmp = kvp_comparison_new (&p, &error);
      g_assert_no_error (error);
      g_assert_true (kvp_model_bytes_per_token (p.model, p.dtype, &bpt, NULL));
      needed = (p.seq_len + p.block_size - 1) / p.block_size;

      g_assert_cmpuint (cmp->bytes_per_token, ==, bpt);
      g_assert_cmpuint (cmp->traditional_bytes, ==, p.max_seq_len * bpt);
      g_assert_cmpuint (cmp->blocks_needed, ==, needed);
      g_assert_cmpuint (cmp->paged_bytes, ==, needed * p.block_size * bpt);
      g_assert_cmpint (cmp->saved_bytes, ==, (gint64) (p.max_seq_len * bpt) - (gint64) (needed * p.block_size * bpt));
      g_assert_cmpuint (cmp->paged_waste_tokens, <, p.block_size);
      g_assert_cmpuint (cmp->paged_capacity, ==, p.num_blocks / needed);
      g_assert_cmpuint (cmp->traditional_capacity, ==, (guint64) p.num_blocks * p.block_size / p.max_seq_len);
      g_assert_cmpuint (cmp->usable_blocks, ==, usable);
      g_assert_cmpint (cmp->fits, ==, needed <= usable);
      g_assert_cmpuint (cmp->blocks_used, ==, cmp->fits ? needed : 0);
      g_assert_cmpuint (cmp->blocks_used + cmp->blocks_free, ==, usable);
      g_assert_cmpfloat (cmp->utilization_percent, ==, 100.0 * cmp->blocks_used / usable);

      table = kvp_block_pool_get_block_table (cmp->pool, cmp->seq, &n_table);
      g_assert_cmpuint (n_table, ==, cmp->blocks_used);
      for (guint j = 0; p.null_block && j < n_table; j++)
        g_assert_cmpuint (table[j], !=, 0);
      g_assert_true (kvp_block_pool_check (cmp->pool, NULL));

      /* The pool-less figures an animation shows agree with the pool's. */
      {
        g_autoptr(KvpComparison) figures = kvp_comparison_new_figures (&p, &error);

        g_assert_no_error (error);
        g_assert_null (figures->pool);
        g_assert_cmpuint (figures->paged_bytes, ==, cmp->paged_bytes);
        g_assert_cmpint (figures->saved_bytes, ==, cmp->saved_bytes);
        g_assert_cmpuint (figures->blocks_used, ==, cmp->blocks_used);
        g_assert_cmpuint (figures->blocks_free, ==, cmp->blocks_free);
        g_assert_cmpfloat (figures->utilization_percent, ==, cmp->utilization_percent);
        g_assert_cmpuint (figures->paged_waste_tokens, ==, cmp->paged_waste_tokens);
      }
    }
}

/* The block tables of every sequence in the pool (the others' and the
 * sample's): whether any names block. */
static gboolean
pool_hands_out (KvpComparison *cmp,
                guint32        block)
{
  for (KvpSeqId seq = 0; seq <= cmp->seq; seq++)
    {
      const guint32 *table;
      guint n = 0;

      if (!kvp_block_pool_has_sequence (cmp->pool, seq))
        continue;
      table = kvp_block_pool_get_block_table (cmp->pool, seq, &n);
      for (guint i = 0; i < n; i++)
        if (table[i] == block)
          return TRUE;
    }
  return FALSE;
}

/* vLLM's pool (sized from a GPU or KV memory) keeps block 0 as its null
 * block: no request gets it, and vLLM's usage, 1 − free / (N − 1), counts
 * the other blocks.  TinyLlama in 64 MiB of KV cache: 186 blocks, 185
 * usable, 8 of them the sequence's.  A plain pool of 186 is as before. */
static void
test_null_block (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpComparison) vllm = NULL;
  g_autoptr(KvpComparison) plain = NULL;
  g_autoptr(KvpComparison) big = NULL;
  g_autoptr(KvpComparison) big_plain = NULL;
  const guint32 *table;
  guint n = 0;
  KvpParams p;

  kvp_params_init_default (&p);
  p.num_blocks = 186;
  plain = kvp_comparison_new (&p, &error);
  g_assert_no_error (error);
  p.null_block = TRUE;
  vllm = kvp_comparison_new (&p, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (vllm->usable_blocks, ==, 185);
  g_assert_cmpuint (vllm->blocks_used, ==, 8);
  g_assert_cmpuint (vllm->blocks_free, ==, 177);
  g_assert_cmpfloat (vllm->utilization_percent, ==, 100.0 * 8 / 185);
  /* vLLM's num_gpu_blocks stays the pool, and the capacity its log's
   * floor (max_concurrency = 186 / 8). */
  g_assert_cmpuint (vllm->params.num_blocks, ==, 186);
  g_assert_cmpuint (vllm->paged_capacity, ==, 23);
  g_assert_false (pool_hands_out (vllm, 0));
  g_assert_cmpuint (kvp_block_pool_get_num_used (vllm->pool), >, vllm->blocks_used + 1);
  g_assert_true (kvp_block_pool_check (vllm->pool, NULL));

  g_assert_cmpuint (plain->usable_blocks, ==, 186);
  g_assert_cmpuint (plain->blocks_free, ==, 178);
  g_assert_cmpfloat (plain->utilization_percent, ==, 100.0 * 8 / 186);

  /* Past the history's pools the sequence is alone in a fresh pool: from
   * block 1 in vLLM's, from block 0 in a plain one. */
  p.num_blocks = 20000;
  big = kvp_comparison_new (&p, &error);
  g_assert_no_error (error);
  table = kvp_block_pool_get_block_table (big->pool, big->seq, &n);
  g_assert_cmpuint (n, ==, 8);
  g_assert_cmpuint (table[0], ==, 1);
  g_assert_cmpuint (table[7], ==, 8);
  g_assert_cmpuint (big->blocks_free, ==, 19999 - 8);
  p.null_block = FALSE;
  big_plain = kvp_comparison_new (&p, &error);
  g_assert_no_error (error);
  table = kvp_block_pool_get_block_table (big_plain->pool, big_plain->seq, &n);
  g_assert_cmpuint (table[0], ==, 0);
  g_assert_cmpuint (big_plain->blocks_free, ==, 20000 - 8);
}

static void
test_invalid_params (void)
{
  static const struct { guint64 n, R; guint32 B, N; } cases[] = {
    { 0, 2048, 16, 1024 },
    { 2049, 2048, 16, 1024 },
    { 128, 0, 16, 1024 },
    { 128, KVP_MAX_SEQ_LEN + 1, 16, 1024 },
    { 128, 2048, 0, 1024 },
    { 128, 2048, 1025, 1024 },
    { 128, 2048, 16, 0 },
    { 128, 2048, 16, KVP_BLOCK_POOL_MAX_BLOCKS + 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      KvpParams p = { 0 };

      kvp_params_init_default (&p);
      p.seq_len = cases[i].n;
      p.max_seq_len = cases[i].R;
      p.block_size = cases[i].B;
      p.num_blocks = cases[i].N;

      g_assert_null (kvp_comparison_new (&p, &error));
      g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
    }
}

static void
test_limits (void)
{
  /* The largest reservation the limits allow stays exact. */
  g_autoptr(KvpComparison) cmp = compare ("llama-2-13b", KVP_MAX_SEQ_LEN, KVP_MAX_SEQ_LEN,
                                          1024, 16384);

  g_assert_true (cmp->fits);
  g_assert_cmpuint (cmp->traditional_bytes, ==, (guint64) KVP_MAX_SEQ_LEN * 819200);
  g_assert_cmpuint (cmp->blocks_used, ==, 16384);
}

static void
test_json (void)
{
  g_autoptr(KvpComparison) cmp = compare ("tinyllama-1.1b", 128, 2048, 16, 1024);
  g_autoptr(JsonNode) root = kvp_comparison_to_json (cmp);
  JsonObject *object = json_node_get_object (root);

  g_assert_cmpfloat (json_object_get_double_member (object, "traditional_memory_mb"), ==, 44.0);
  g_assert_cmpfloat (json_object_get_double_member (object, "paged_memory_mb"), ==, 2.75);
  g_assert_cmpfloat (json_object_get_double_member (object, "memory_saved_mb"), ==, 41.25);
  g_assert_cmpfloat (json_object_get_double_member (object, "memory_saved_percent"), ==, 93.75);
  g_assert_cmpint (json_object_get_int_member (object, "num_blocks"), ==, 1024);
  g_assert_cmpint (json_object_get_int_member (object, "block_size"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_used"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (object, "blocks_free"), ==, 1016);
  g_assert_cmpfloat (json_object_get_double_member (object, "utilization_percent"), ==, 0.78125);
  g_assert_cmpint (json_object_get_int_member (object, "sequence_length"), ==, 128);
  g_assert_cmpstr (json_object_get_string_member (object, "model"), ==, "tinyllama-1.1b");
  g_assert_cmpstr (json_object_get_string_member (object, "kv_dtype"), ==, "fp16");
  g_assert_cmpint (json_object_get_int_member (object, "bytes_per_token"), ==, 22528);
  g_assert_cmpint (json_object_get_int_member (object, "max_seq_len"), ==, 2048);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_bytes"), ==, 46137344);
  g_assert_cmpint (json_object_get_int_member (object, "paged_bytes"), ==, 2883584);
  g_assert_true (json_object_get_boolean_member (object, "fits_in_pool"));
  g_assert_cmpint (json_object_get_int_member (object, "blocks_needed"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_waste_tokens"), ==, 1920);
  g_assert_cmpint (json_object_get_int_member (object, "paged_waste_tokens"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "paged_capacity"), ==, 128);
  g_assert_cmpint (json_object_get_int_member (object, "traditional_capacity"), ==, 8);
}

static void
test_format_bytes (void)
{
  static const struct { guint64 bytes; const char *text; } cases[] = {
    { 0, "0 B" },
    { 1023, "1023 B" },
    { 1024, "1.00 KiB" },
    { 22528, "22.00 KiB" },
    { 1048575, "1.00 MiB" },
    { 2883584, "2.75 MiB" },
    { 46137344, "44.00 MiB" },
    { G_GUINT64_CONSTANT (1) << 30, "1.00 GiB" },
    { G_MAXUINT64, "16.00 EiB" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = kvp_format_bytes (cases[i].bytes);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* A share that exists never reads as none, nor a partial one as all. */
static void
test_format_percent (void)
{
  static const struct { double percent; const char *text; } cases[] = {
    { 0.0, "0.00 %" },
    { 100.0 * 8 / 16777216, "< 0.01 %" },
    { 0.004999, "< 0.01 %" },
    { 0.005, "0.01 %" },
    { 0.78125, "0.78 %" },
    { 93.75, "93.75 %" },
    { 99.994, "99.99 %" },
    { 100.0 * 16777215 / 16777216, "> 99.99 %" },
    { 100.0, "100.00 %" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = kvp_format_percent (cases[i].percent);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
restore_numeric_locale (void)
{
  setlocale (LC_NUMERIC, "C.UTF-8");
  g_unsetenv ("LOCPATH");
}

typedef struct
{
  const char *locale;
  const char *separator;
  /* 1,000; 1,912; 137,616; 1,266,906; G_MAXUINT64, as the locale writes them. */
  const char *texts[5];
} CountCase;

static const CountCase count_cases[] = {
  /* C and POSIX define no grouping: English's, so figures stay readable. */
  { "C", ",", { "1,000", "1,912", "137,616", "1,266,906", "18,446,744,073,709,551,615" } },
  { "C.UTF-8", ",", { "1,000", "1,912", "137,616", "1,266,906", "18,446,744,073,709,551,615" } },
  { "en_US.UTF-8", ",", { "1,000", "1,912", "137,616", "1,266,906", "18,446,744,073,709,551,615" } },
  { "de_DE.UTF-8", ".", { "1.000", "1.912", "137.616", "1.266.906", "18.446.744.073.709.551.615" } },
  { "zh_CN.UTF-8", ",", { "1,000", "1,912", "137,616", "1,266,906", "18,446,744,073,709,551,615" } },
};

static void
test_format_count (gconstpointer data)
{
  const CountCase *c = data;
  static const guint64 counts[] = { 1000, 1912, 137616, 1266906, G_MAXUINT64 };

  if (!kvp_test_use_numeric_locale (c->locale))
    return;

  g_assert_cmpstr (kvp_format_count_separator (), ==, c->separator);
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_autofree char *text = kvp_format_count (counts[i]);
      g_assert_cmpstr (text, ==, c->texts[i]);
    }
  /* Three digits or fewer stand alone. */
  for (guint64 n = 0; n < 1000; n += 111)
    {
      g_autofree char *text = kvp_format_count (n);
      g_autofree char *plain = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
      g_assert_cmpstr (text, ==, plain);
    }

  /* A whole number held in a double (a rate's limit, a product past 64
   * bits) is rounded and grouped the same way. */
  {
    g_autofree char *rounded_up = kvp_format_whole (999.6);
    g_autofree char *rounded = kvp_format_whole (1266906.4);
    g_autofree char *small = kvp_format_whole (0.4);
    g_autofree char *huge = kvp_format_whole (1e21);
    g_autofree char *huge_expected = g_strjoin (c->separator, "1", "000", "000", "000", "000", "000", "000", "000", NULL);

    g_assert_cmpstr (rounded_up, ==, c->texts[0]);
    g_assert_cmpstr (rounded, ==, c->texts[3]);
    g_assert_cmpstr (small, ==, "0");
    g_assert_cmpstr (huge, ==, huge_expected);
  }
  restore_numeric_locale ();
}

static KvpComparison *
compare_samples (guint64  n,
                 guint64  P,
                 guint32  S,
                 guint32  B,
                 guint32  N)
{
  g_autoptr(GError) error = NULL;
  KvpParams params;
  KvpComparison *cmp;

  kvp_params_init_default (&params);
  params.seq_len = n;
  params.prompt_len = P;
  params.samples = S;
  params.block_size = B;
  params.num_blocks = N;
  cmp = kvp_comparison_new (&params, &error);
  g_assert_no_error (error);
  return cmp;
}

/* Four samples of 160 tokens sharing a 100-token prompt in blocks of 16: the
 * prompt's 6 full blocks once (reference count 4), its last 4 tokens copied
 * on write into each sample's seventh block, and 3 more blocks per sample for
 * tokens 112…159.  The traditional cache reserves 2,048 tokens per sample. */
static void
test_samples (void)
{
  g_autoptr(KvpComparison) cmp = compare_samples (160, 100, 4, 16, 1024);
  g_autoptr(GError) error = NULL;
  guint n_table;
  const guint32 *table;

  g_assert_cmpuint (cmp->shared_blocks, ==, 6);
  g_assert_cmpuint (cmp->own_blocks, ==, 16);
  g_assert_cmpuint (cmp->blocks_used, ==, 22);
  g_assert_cmpuint (cmp->blocks_needed, ==, 10);
  g_assert_cmpuint (cmp->blocks_without_sharing, ==, 40);
  g_assert_cmpuint (cmp->sharing_saved_blocks, ==, 18);
  g_assert_cmpfloat (cmp->sharing_saving_percent, ==, 45.0);
  g_assert_cmpuint (cmp->traditional_bytes, ==, 4ull * 2048 * 22528);
  g_assert_cmpuint (cmp->paged_bytes, ==, 22ull * 16 * 22528);
  g_assert_cmpuint (cmp->traditional_waste_tokens, ==, 4 * (2048 - 160));
  g_assert_cmpuint (cmp->paged_waste_tokens, ==, 0);
  g_assert_cmpuint (cmp->traditional_capacity, ==, 2);
  g_assert_cmpuint (cmp->paged_capacity, ==, 1024 / 22);

  /* In the pool: every sample's table starts with the same six blocks, held
   * four times; from the seventh on, no two samples share a block. */
  g_assert_true (kvp_block_pool_check (cmp->pool, &error));
  g_assert_no_error (error);
  table = kvp_block_pool_get_block_table (cmp->pool, cmp->sample_seqs[0], &n_table);
  g_assert_cmpuint (n_table, ==, 10);
  for (guint i = 0; i < 4; i++)
    {
      guint n;
      const guint32 *other = kvp_block_pool_get_block_table (cmp->pool, cmp->sample_seqs[i], &n);

      g_assert_cmpuint (kvp_block_pool_get_length (cmp->pool, cmp->sample_seqs[i]), ==, 160);
      for (guint j = 0; j < n; j++)
        {
          g_assert_cmpuint (kvp_block_pool_get_ref_count (cmp->pool, other[j]), ==, j < 6 ? 4 : 1);
          if (j < 6)
            g_assert_cmpuint (other[j], ==, table[j]);
          else if (i > 0)
            g_assert_cmpuint (other[j], !=, table[j]);
        }
      /* The copy of the prompt's last block holds its 4 tokens and the
       * sample's next 12. */
      g_assert_cmpuint (kvp_block_pool_get_fill (cmp->pool, other[6]), ==, 16);
    }
}

/* One sample, or no prompt: every figure is the one sequence's. */
static void
test_samples_default (void)
{
  g_autoptr(KvpComparison) plain = compare ("tinyllama-1.1b", 130, 2048, 16, 1024);
  g_autoptr(KvpComparison) prompt = compare_samples (130, 100, 1, 16, 1024);

  g_assert_cmpuint (plain->shared_blocks, ==, 0);
  g_assert_cmpuint (prompt->shared_blocks, ==, 0);
  g_assert_cmpuint (prompt->blocks_used, ==, plain->blocks_used);
  g_assert_cmpuint (prompt->paged_bytes, ==, plain->paged_bytes);
  g_assert_cmpuint (prompt->paged_waste_tokens, ==, plain->paged_waste_tokens);
  g_assert_cmpuint (prompt->traditional_bytes, ==, plain->traditional_bytes);
  g_assert_cmpuint (prompt->paged_capacity, ==, plain->paged_capacity);
  g_assert_cmpfloat (prompt->sharing_saving_percent, ==, 0.0);
}

/* Samples that have not written past the prompt share all of it, its
 * partly filled last block too (no copy yet). */
static void
test_samples_prompt_only (void)
{
  g_autoptr(KvpComparison) cmp = compare_samples (100, 100, 3, 16, 1024);

  g_assert_cmpuint (cmp->shared_blocks, ==, 7);
  g_assert_cmpuint (cmp->own_blocks, ==, 0);
  g_assert_cmpuint (cmp->blocks_used, ==, 7);
  g_assert_cmpuint (cmp->paged_waste_tokens, ==, 12);
  g_assert_cmpuint (kvp_block_pool_get_ref_count (cmp->pool, kvp_block_pool_get_block_table (cmp->pool, cmp->seq, NULL)[6]), ==, 3);
}

/* The figures without a pool (the animation's) are what the pool reports,
 * for many shapes; and a request that does not fit holds nothing. */
static void
test_samples_closed_form (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (18);

  for (guint i = 0; i < 500; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KvpComparison) real = NULL;
      g_autoptr(KvpComparison) figures = NULL;
      KvpParams p;

      kvp_params_init_default (&p);
      p.block_size = 1u << g_rand_int_range (rand, 0, 7);
      p.num_blocks = g_rand_int_range (rand, 1, 400);
      p.seq_len = g_rand_int_range (rand, 1, 2049);
      p.prompt_len = g_rand_int_range (rand, 0, p.seq_len + 1);
      p.samples = g_rand_int_range (rand, 1, 9);

      real = kvp_comparison_new (&p, &error);
      g_assert_no_error (error);
      figures = kvp_comparison_new_figures (&p, &error);
      g_assert_no_error (error);
      g_assert_true (kvp_block_pool_check (real->pool, &error));
      g_assert_cmpuint (real->blocks_used, ==, figures->blocks_used);
      g_assert_cmpuint (real->fits, ==, figures->fits);
      g_assert_cmpuint (real->blocks_used, ==, real->fits ? real->blocks_held : 0);
      if (!real->fits)
        continue;
      g_assert_cmpuint (real->shared_blocks, ==, figures->shared_blocks);
      g_assert_cmpuint (real->own_blocks, ==, figures->own_blocks);
      g_assert_cmpuint (real->paged_bytes, ==, figures->paged_bytes);
      g_assert_cmpuint (real->paged_waste_tokens, ==, figures->paged_waste_tokens);
    }
}

/* Every small pool, every length that fits: the history of other requests
 * (kvp-pool-history.c) always leaves the sequence its room, the pool stays
 * consistent, and the figures are the sequence's own.  (A request of the
 * history once drew its length twice and outgrew a pool of 4 blocks.) */
static void
test_history_small_pools (void)
{
  for (guint32 N = 1; N <= 48; N++)
    for (guint64 n = 1; n <= (guint64) N * 4; n += 3)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(KvpComparison) cmp = NULL;
        KvpParams p;

        kvp_params_init_default (&p);
        p.block_size = 4;
        p.num_blocks = N;
        p.seq_len = n;
        cmp = kvp_comparison_new (&p, &error);
        g_assert_no_error (error);
        g_assert_true (cmp->fits);
        g_assert_cmpuint (cmp->blocks_used, ==, (n + 3) / 4);
        g_assert_cmpuint (cmp->blocks_free, ==, N - cmp->blocks_used);
        g_assert_cmpuint (kvp_block_pool_get_length (cmp->pool, cmp->seq), ==, n);
        g_assert_true (kvp_block_pool_check (cmp->pool, &error));
        g_assert_no_error (error);
      }
}

static void
test_samples_invalid (void)
{
  KvpParams p;
  g_autoptr(GError) error = NULL;

  kvp_params_init_default (&p);
  p.prompt_len = p.seq_len + 1;
  g_assert_null (kvp_comparison_new (&p, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  kvp_params_init_default (&p);
  p.samples = 9;
  g_assert_null (kvp_comparison_new (&p, &error));
  g_assert_error (error, KVP_ERROR, KVP_ERROR_INVALID);
  g_clear_error (&error);

  /* Clamping puts the prompt back inside the sequence. */
  p.samples = 0;
  p.prompt_len = 5000;
  kvp_params_clamp (&p);
  g_assert_cmpuint (p.samples, ==, 1);
  g_assert_cmpuint (p.prompt_len, ==, p.seq_len);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/comparison/defaults", test_defaults);
  g_test_add_func ("/core/comparison/design-rows", test_design_rows);
  g_test_add_func ("/core/comparison/paper-opt-13b", test_paper_opt_13b);
  g_test_add_func ("/core/comparison/waste", test_waste);
  g_test_add_func ("/core/comparison/negative-saving", test_negative_saving);
  g_test_add_func ("/core/comparison/capacity", test_capacity);
  g_test_add_func ("/core/comparison/does-not-fit", test_does_not_fit);
  g_test_add_func ("/core/comparison/exactly-fits", test_exactly_fits);
  g_test_add_func ("/core/comparison/closed-forms", test_closed_forms);
  g_test_add_func ("/core/comparison/null-block", test_null_block);
  g_test_add_func ("/core/comparison/invalid", test_invalid_params);
  g_test_add_func ("/core/comparison/limits", test_limits);
  g_test_add_func ("/core/comparison/json", test_json);
  g_test_add_func ("/core/comparison/samples", test_samples);
  g_test_add_func ("/core/comparison/samples-default", test_samples_default);
  g_test_add_func ("/core/comparison/samples-prompt-only", test_samples_prompt_only);
  g_test_add_func ("/core/comparison/samples-closed-form", test_samples_closed_form);
  g_test_add_func ("/core/comparison/samples-invalid", test_samples_invalid);
  g_test_add_func ("/core/comparison/history-small-pools", test_history_small_pools);
  g_test_add_func ("/core/format/bytes", test_format_bytes);
  g_test_add_func ("/core/format/percent", test_format_percent);
  for (guint i = 0; i < G_N_ELEMENTS (count_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/format/count/%s", count_cases[i].locale);
      g_test_add_data_func (path, &count_cases[i], test_format_count);
    }

  return g_test_run ();
}
