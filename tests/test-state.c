/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-state.c: KvpState without a display — properties that clamp and
 * notify only on a real change, the asked value kept under a bound, changes
 * merged into one recompute, an older recompute cancelled by a newer one. */

#include "config.h"

#include <locale.h>

#include "kvp-state.h"

typedef struct
{
  guint n_notify;
} Counter;

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 Counter    *counter)
{
  counter->n_notify++;
}

static guint
watch (KvpState   *state,
       const char *property,
       Counter    *counter)
{
  g_autofree char *signal = g_strconcat ("notify::", property, NULL);

  return g_signal_connect (state, signal, G_CALLBACK (count_notify_cb), counter);
}

/* Runs the main loop until the comparison has caught up with the values. */
static void
wait_for_comparison (KvpState *state)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (kvp_state_is_pending (state))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_defaults (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  g_autofree char *model = NULL;
  g_autofree char *dtype = NULL;
  guint64 seq_len, max_seq_len, block_size, num_blocks;
  KvpComparison *cmp;

  g_object_get (state,
                "model", &model, "kv-dtype", &dtype,
                "seq-len", &seq_len, "max-seq-len", &max_seq_len,
                "block-size", &block_size, "num-blocks", &num_blocks,
                NULL);
  g_assert_cmpstr (model, ==, "tinyllama-1.1b");
  g_assert_cmpstr (dtype, ==, "fp16");
  g_assert_cmpuint (seq_len, ==, 128);
  g_assert_cmpuint (max_seq_len, ==, 2048);
  g_assert_cmpuint (block_size, ==, 16);
  g_assert_cmpuint (num_blocks, ==, 1024);

  /* The first comparison arrives from the worker: the paper's numbers. */
  g_assert_true (kvp_state_is_pending (state));
  g_assert_null (kvp_state_get_comparison (state));
  wait_for_comparison (state);
  cmp = kvp_state_get_comparison (state);
  g_assert_nonnull (cmp);
  g_assert_cmpuint (cmp->traditional_bytes, ==, 44 * 1024 * 1024);
  g_assert_cmpuint (cmp->paged_bytes, ==, 2816 * 1024);
  g_assert_cmpuint (cmp->blocks_used, ==, 8);
}

/* Each property is clamped into the table's range. */
static void
test_clamp (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();

  for (guint i = 0; i < KVP_N_PARAMS; i++)
    {
      const KvpParamInfo *info = kvp_param_get_info (i);
      guint64 value;

      g_object_set (state, info->name, info->max + 1000, NULL);
      g_object_get (state, info->name, &value, NULL);
      g_assert_cmpuint (value, <=, info->max);
      g_assert_cmpuint (value, ==, kvp_state_get_max (state, i));

      g_object_set (state, info->name, (guint64) 0, NULL);
      g_object_get (state, info->name, &value, NULL);
      g_assert_cmpuint (value, ==, info->min);
    }

  /* An unknown model or type keeps the one shown. */
  g_object_set (state, "model", "gpt-5", "kv-dtype", "fp4", NULL);
  g_assert_cmpstr (kvp_state_get_model (state)->key, ==, "tinyllama-1.1b");
  g_assert_cmpint (kvp_state_get_dtype (state), ==, KVP_DTYPE_FP16);
  g_object_set (state, "model", "llama-2-7b", "kv-dtype", "fp8", NULL);
  g_assert_cmpstr (kvp_state_get_model (state)->key, ==, "llama-2-7b");
  g_assert_cmpint (kvp_state_get_dtype (state), ==, KVP_DTYPE_FP8);

  wait_for_comparison (state);
  g_assert_true (kvp_params_validate (&kvp_state_get_comparison (state)->params, NULL));
}

static void
test_notify_on_change (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  Counter blocks = { 0 };
  Counter seq = { 0 };

  watch (state, "num-blocks", &blocks);
  watch (state, "seq-len", &seq);

  g_object_set (state, "num-blocks", (guint64) 1024, NULL);
  g_assert_cmpuint (blocks.n_notify, ==, 0);
  g_object_set (state, "num-blocks", (guint64) 4096, NULL);
  g_assert_cmpuint (blocks.n_notify, ==, 1);
  g_object_set (state, "num-blocks", (guint64) 4096, NULL);
  g_assert_cmpuint (blocks.n_notify, ==, 1);
  /* Clamped to what is already shown: no change. */
  g_object_set (state, "num-blocks", (guint64) 0, NULL);
  g_object_set (state, "num-blocks", (guint64) 0, NULL);
  g_assert_cmpuint (blocks.n_notify, ==, 2);
  g_assert_cmpuint (seq.n_notify, ==, 0);

  /* The same model or type again, or the same values all at once: nothing. */
  {
    Counter model = { 0 };
    Counter any = { 0 };
    KvpParams params;

    watch (state, "model", &model);
    g_signal_connect (state, "notify", G_CALLBACK (count_notify_cb), &any);
    g_object_set (state, "model", "tinyllama-1.1b", "kv-dtype", "fp16", NULL);
    kvp_state_get_params (state, &params);
    kvp_state_set_params (state, &params);
    kvp_state_choose_model (state, kvp_state_get_model (state));
    g_assert_cmpuint (model.n_notify, ==, 0);
    g_assert_cmpuint (any.n_notify, ==, 0);

    g_object_set (state, "model", "llama-2-7b", NULL);
    g_assert_cmpuint (model.n_notify, ==, 1);
  }
}

/* Lowering the reservation below the sequence shows the sequence at the
 * reservation; raising it brings the asked length back. */
static void
test_asked_kept (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  Counter seq = { 0 };
  KvpParams params;

  g_object_set (state, "seq-len", (guint64) 1500, NULL);
  watch (state, "seq-len", &seq);

  g_object_set (state, "max-seq-len", (guint64) 1000, NULL);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_SEQ_LEN), ==, 1000);
  g_assert_cmpuint (kvp_state_get_max (state, KVP_PARAM_SEQ_LEN), ==, 1000);
  g_assert_cmpuint (seq.n_notify, ==, 1);

  g_object_set (state, "max-seq-len", (guint64) 500, NULL);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_SEQ_LEN), ==, 500);

  g_object_set (state, "max-seq-len", (guint64) 4096, NULL);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_SEQ_LEN), ==, 1500);
  g_assert_cmpuint (seq.n_notify, ==, 3);

  /* What is shown is always valid, and so is what is computed. */
  kvp_state_get_params (state, &params);
  g_assert_true (kvp_params_validate (&params, NULL));
  wait_for_comparison (state);
  g_assert_cmpuint (kvp_state_get_comparison (state)->params.seq_len, ==, 1500);

  /* A model brings its context; the asked sequence still fits it. */
  kvp_state_choose_model (state, kvp_model_lookup ("llama-2-7b", NULL));
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN), ==, 4096);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_SEQ_LEN), ==, 1500);

  /* A config that states no context keeps the reservation shown. */
  {
    static KvpModel no_context;

    no_context = *kvp_model_lookup ("llama-2-13b", NULL);
    no_context.max_context = 0;
    kvp_state_choose_model (state, &no_context);
    g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN), ==, 4096);
    wait_for_comparison (state);
    g_assert_cmpuint (kvp_state_get_comparison (state)->params.max_seq_len, ==, 4096);
    kvp_state_choose_model (state, kvp_model_lookup ("llama-2-7b", NULL));
  }

  kvp_state_reset (state);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_SEQ_LEN), ==, 128);
  g_assert_cmpuint (kvp_state_get_value (state, KVP_PARAM_MAX_SEQ_LEN), ==, 2048);
}

/* Many changes before the main loop runs: one comparison, of the last values. */
static void
test_coalesce (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  Counter cmp = { 0 };

  wait_for_comparison (state);
  watch (state, "comparison", &cmp);

  for (guint64 n = 2; n <= 64; n++)
    g_object_set (state, "num-blocks", n * 1000, "seq-len", n, NULL);
  g_object_set (state, "block-size", (guint64) 32, NULL);

  wait_for_comparison (state);
  g_assert_cmpuint (cmp.n_notify, ==, 1);
  g_assert_cmpuint (kvp_state_get_n_published (state), ==, 2);
  g_assert_cmpuint (kvp_state_get_comparison (state)->params.num_blocks, ==, 64000);
  g_assert_cmpuint (kvp_state_get_comparison (state)->params.seq_len, ==, 64);
  g_assert_cmpuint (kvp_state_get_comparison (state)->params.block_size, ==, 32);
  g_assert_cmpuint (kvp_state_get_comparison (state)->blocks_used, ==, 2);
}

/* A recompute started and then overtaken by a change is never shown. */
static void
test_cancel (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  Counter cmp = { 0 };

  wait_for_comparison (state);
  watch (state, "comparison", &cmp);

  for (guint round = 0; round < 20; round++)
    {
      guint before = cmp.n_notify;

      g_object_set (state, "num-blocks", (guint64) KVP_PARAMS_MAX_BLOCKS - round, NULL);
      /* Runs the idle that starts the worker, and nothing that could have
       * finished it yet. */
      g_main_context_iteration (NULL, FALSE);
      g_assert_true (kvp_state_is_pending (state));

      g_object_set (state, "num-blocks", (guint64) 100 + round, NULL);
      wait_for_comparison (state);
      g_assert_cmpuint (cmp.n_notify, ==, before + 1);
      g_assert_cmpuint (kvp_state_get_comparison (state)->params.num_blocks, ==, 100 + round);
    }

  /* The overtaken workers end on their own; their results are dropped. */
  for (guint i = 0; i < 50; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpuint (kvp_state_get_comparison (state)->params.num_blocks, ==, 119);
}

/* An export asks for exactly the values: flush computes them at once. */
static void
test_flush (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  KvpComparison *cmp;

  g_object_set (state, "seq-len", (guint64) 1000, NULL);
  cmp = kvp_state_flush (state);
  g_assert_false (kvp_state_is_pending (state));
  g_assert_cmpuint (cmp->params.seq_len, ==, 1000);
  g_assert_true (kvp_state_flush (state) == cmp);
}

/* The comparisons of one model shown share one reference to it, not a copy
 * each; a model of the caller's own is held, so it may go first. */
static void
test_model_shared (void)
{
  g_autoptr(KvpState) state = kvp_state_new ();
  KvpModel *mine = kvp_model_ref (kvp_model_lookup ("mistral-7b", NULL));
  g_autoptr(KvpComparison) first = NULL;
  KvpComparison *second;

  kvp_state_choose_model (state, mine);
  first = kvp_comparison_ref (kvp_state_flush (state));
  g_object_set (state, "seq-len", (guint64) 100, NULL);
  second = kvp_state_flush (state);
  g_assert_true (second != first);
  g_assert_true (first->params.model == second->params.model);
  g_assert_true (first->params.model == mine);

  /* The state, and the comparisons, outlive the caller's reference. */
  kvp_model_unref (mine);
  g_object_set (state, "seq-len", (guint64) 200, NULL);
  g_assert_cmpstr (kvp_state_flush (state)->params.model->key, ==, "mistral-7b");
}

/* A state dropped with a recompute running leaves nothing behind. */
static void
test_dispose_while_running (void)
{
  KvpState *state = kvp_state_new ();

  g_object_set (state, "num-blocks", (guint64) KVP_PARAMS_MAX_BLOCKS, NULL);
  g_main_context_iteration (NULL, FALSE);
  g_object_run_dispose (G_OBJECT (state));
  g_object_unref (state);

  for (guint i = 0; i < 100; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/state/defaults", test_defaults);
  g_test_add_func ("/core/state/clamp", test_clamp);
  g_test_add_func ("/core/state/notify-on-change", test_notify_on_change);
  g_test_add_func ("/core/state/asked-kept", test_asked_kept);
  g_test_add_func ("/core/state/coalesce", test_coalesce);
  g_test_add_func ("/core/state/cancel", test_cancel);
  g_test_add_func ("/core/state/flush", test_flush);
  g_test_add_func ("/core/state/model-shared", test_model_shared);
  g_test_add_func ("/core/state/dispose-while-running", test_dispose_while_running);

  return g_test_run ();
}
