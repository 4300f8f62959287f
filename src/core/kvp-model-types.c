/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-model-types.c: the transformers config classes' defaults and aliases,
 * read from src/transformers/models/<type>/configuration_<type>.py
 * (huggingface/transformers, main of 2026).  Only the keys that shape the
 * KV cache are listed: layers, heads, KV heads, head size, hidden size,
 * context, window, MLA ranks; and where the weights estimate needs them,
 * vocab_size and tie_word_embeddings (booleans as 0 or 1). */

#define G_LOG_DOMAIN "kvpage-core"

#include "config.h"

#include "kvp-model-types.h"

#define END { NULL, 0 }

/* GPT-2 and GPT-J: attribute_map = { hidden_size: n_embd,
 * max_position_embeddings: n_positions, num_attention_heads: n_head,
 * num_hidden_layers: n_layer } (GPT-J's older classes expose the same as
 * properties). */
static const KvpKeyAlias gpt2_aliases[] = {
  { "hidden_size", "n_embd" }, { "max_position_embeddings", "n_positions" },
  { "num_attention_heads", "n_head" }, { "num_hidden_layers", "n_layer" }, { NULL },
};
/* BLOOM: attribute_map { num_hidden_layers: n_layer, num_attention_heads:
 * n_head }, and the n_embed keyword read as hidden_size. */
static const KvpKeyAlias bloom_aliases[] = {
  { "num_hidden_layers", "n_layer" }, { "num_attention_heads", "n_head" }, { "hidden_size", "n_embed" }, { NULL },
};
/* Falcon: attribute_map { num_hidden_layers: n_layer, num_attention_heads:
 * n_head }, n_embed for hidden_size "for backward compatibility". */
static const KvpKeyAlias falcon_aliases[] = {
  { "num_hidden_layers", "n_layer" }, { "num_attention_heads", "n_head" }, { "hidden_size", "n_embed" }, { NULL },
};
/* MPT: attribute_map { num_attention_heads: n_heads, hidden_size: d_model,
 * num_hidden_layers: n_layers }. */
static const KvpKeyAlias mpt_aliases[] = {
  { "num_attention_heads", "n_heads" }, { "hidden_size", "d_model" }, { "num_hidden_layers", "n_layers" }, { NULL },
};
static const KvpKeyAlias no_aliases[] = { { NULL } };

static const KvpKeyDefault llama_defaults[] = {
  { "hidden_size", 4096 }, { "num_hidden_layers", 32 }, { "num_attention_heads", 32 },
  { "max_position_embeddings", 2048 }, END,
};
/* max_position_embeddings 4096 * 32; sliding_window 4096 (an absent key
 * slides every layer; Mistral-7B-v0.3 says null). */
static const KvpKeyDefault mistral_defaults[] = {
  { "hidden_size", 4096 }, { "num_hidden_layers", 32 }, { "num_attention_heads", 32 }, { "num_key_value_heads", 8 },
  { "max_position_embeddings", 131072 }, { "sliding_window", 4096 }, END,
};
static const KvpKeyDefault mixtral_defaults[] = {
  { "hidden_size", 4096 }, { "num_hidden_layers", 32 }, { "num_attention_heads", 32 }, { "num_key_value_heads", 8 },
  { "max_position_embeddings", 131072 }, END,
};
/* The window counts only with use_sliding_window (default false). */
static const KvpKeyDefault qwen2_defaults[] = {
  { "hidden_size", 4096 }, { "num_hidden_layers", 32 }, { "num_attention_heads", 32 }, { "num_key_value_heads", 32 },
  { "max_position_embeddings", 32768 }, { "sliding_window", 4096 }, { "max_window_layers", 28 }, END,
};
static const KvpKeyDefault qwen3_defaults[] = {
  { "hidden_size", 4096 }, { "num_hidden_layers", 32 }, { "num_attention_heads", 32 }, { "num_key_value_heads", 32 },
  { "head_dim", 128 }, { "max_position_embeddings", 32768 }, { "sliding_window", 4096 }, { "max_window_layers", 28 },
  END,
};
static const KvpKeyDefault qwen3_moe_defaults[] = {
  { "hidden_size", 2048 }, { "num_hidden_layers", 24 }, { "num_attention_heads", 32 }, { "num_key_value_heads", 4 },
  { "max_position_embeddings", 32768 }, { "sliding_window", 4096 }, END,
};
/* The Gemmas tie the output head to the embeddings by default (1: True),
 * which the weights estimate counts once; Gemma 3's checkpoints state no
 * vocab_size. */
static const KvpKeyDefault gemma_defaults[] = {
  { "hidden_size", 3072 }, { "num_hidden_layers", 28 }, { "num_attention_heads", 16 }, { "num_key_value_heads", 16 },
  { "head_dim", 256 }, { "max_position_embeddings", 8192 }, { "vocab_size", 256000 }, { "tie_word_embeddings", 1 },
  END,
};
static const KvpKeyDefault gemma2_defaults[] = {
  { "hidden_size", 2304 }, { "num_hidden_layers", 26 }, { "num_attention_heads", 8 }, { "num_key_value_heads", 4 },
  { "head_dim", 256 }, { "max_position_embeddings", 8192 }, { "sliding_window", 4096 }, { "vocab_size", 256000 },
  { "tie_word_embeddings", 1 }, END,
};
/* Gemma3TextConfig: google/gemma-3-12b-it states neither head_dim nor
 * max_position_embeddings, gemma-3-4b-it no head counts. */
static const KvpKeyDefault gemma3_text_defaults[] = {
  { "hidden_size", 2304 }, { "num_hidden_layers", 26 }, { "num_attention_heads", 8 }, { "num_key_value_heads", 4 },
  { "head_dim", 256 }, { "max_position_embeddings", 131072 }, { "sliding_window", 4096 },
  { "sliding_window_pattern", 6 }, { "vocab_size", 262208 }, { "tie_word_embeddings", 1 }, END,
};
static const KvpKeyDefault gpt_oss_defaults[] = {
  { "hidden_size", 2880 }, { "num_hidden_layers", 36 }, { "num_attention_heads", 64 }, { "num_key_value_heads", 8 },
  { "head_dim", 64 }, { "max_position_embeddings", 131072 }, { "sliding_window", 128 }, END,
};
static const KvpKeyDefault deepseek_v3_defaults[] = {
  { "hidden_size", 7168 }, { "num_hidden_layers", 61 }, { "num_attention_heads", 128 }, { "num_key_value_heads", 128 },
  { "kv_lora_rank", 512 }, { "qk_rope_head_dim", 64 }, { "max_position_embeddings", 4096 }, END,
};
static const KvpKeyDefault phi3_defaults[] = {
  { "hidden_size", 3072 }, { "num_hidden_layers", 32 }, { "num_attention_heads", 32 },
  { "max_position_embeddings", 4096 }, { "original_max_position_embeddings", 4096 }, END,
};
static const KvpKeyDefault gptj_defaults[] = {
  { "n_embd", 4096 }, { "n_layer", 28 }, { "n_head", 16 }, { "n_positions", 2048 }, END,
};
static const KvpKeyDefault gpt2_defaults[] = {
  { "n_embd", 768 }, { "n_layer", 12 }, { "n_head", 12 }, { "n_positions", 1024 }, END,
};
/* ALiBi: BLOOM states no context. */
static const KvpKeyDefault bloom_defaults[] = {
  { "hidden_size", 64 }, { "n_layer", 2 }, { "n_head", 8 }, END,
};
static const KvpKeyDefault falcon_defaults[] = {
  { "hidden_size", 4544 }, { "num_hidden_layers", 32 }, { "num_attention_heads", 71 }, END,
};
static const KvpKeyDefault mpt_defaults[] = {
  { "d_model", 2048 }, { "n_heads", 16 }, { "n_layers", 24 }, { "max_seq_len", 2048 }, END,
};
static const KvpKeyDefault gpt_neox_defaults[] = {
  { "hidden_size", 6144 }, { "num_hidden_layers", 44 }, { "num_attention_heads", 64 },
  { "max_position_embeddings", 2048 }, END,
};
/* Gemma3Config (model_type gemma3) is a wrapper: its text_config is a
 * Gemma3TextConfig. */
static const KvpKeyDefault none_defaults[] = { END };

#define SRC(type) "transformers/models/" type "/configuration_" type ".py"

static const KvpModelType types[] = {
  { "llama", SRC ("llama"), NULL, no_aliases, llama_defaults },
  { "mistral", SRC ("mistral"), NULL, no_aliases, mistral_defaults },
  { "mixtral", SRC ("mixtral"), NULL, no_aliases, mixtral_defaults },
  { "qwen2", SRC ("qwen2"), NULL, no_aliases, qwen2_defaults },
  { "qwen3", SRC ("qwen3"), NULL, no_aliases, qwen3_defaults },
  { "qwen3_moe", SRC ("qwen3_moe"), NULL, no_aliases, qwen3_moe_defaults },
  { "gemma", SRC ("gemma"), NULL, no_aliases, gemma_defaults },
  { "gemma2", SRC ("gemma2"), NULL, no_aliases, gemma2_defaults },
  { "gemma3", SRC ("gemma3"), "gemma3_text", no_aliases, none_defaults },
  { "gemma3_text", SRC ("gemma3"), NULL, no_aliases, gemma3_text_defaults },
  { "gpt_oss", SRC ("gpt_oss"), NULL, no_aliases, gpt_oss_defaults },
  { "deepseek_v3", SRC ("deepseek_v3"), NULL, no_aliases, deepseek_v3_defaults },
  { "phi3", SRC ("phi3"), NULL, no_aliases, phi3_defaults },
  { "gptj", SRC ("gptj"), NULL, gpt2_aliases, gptj_defaults },
  { "gpt2", SRC ("gpt2"), NULL, gpt2_aliases, gpt2_defaults },
  { "bloom", SRC ("bloom"), NULL, bloom_aliases, bloom_defaults },
  { "falcon", SRC ("falcon"), NULL, falcon_aliases, falcon_defaults },
  { "mpt", SRC ("mpt"), NULL, mpt_aliases, mpt_defaults },
  { "gpt_neox", SRC ("gpt_neox"), NULL, no_aliases, gpt_neox_defaults },
};

const KvpModelType *
kvp_model_type_lookup (const char *model_type)
{
  if (model_type == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_equal (types[i].model_type, model_type))
      return &types[i];
  return NULL;
}
