#!/usr/bin/env python3
"""Write a small random-weight Hugging Face checkpoint of one model family.

Usage:
  make_family_checkpoint.py FAMILY OUTDIR [--seed N] [--layers N] [--ffn N] [--dim N] [--gguf-compatible]
                            [--padded-vocab N]
  FAMILY: llama3 smollm2 qwen2 qwen3 gemma2 gemma3 phi3 gpt2

The folder holds config.json with the family's real field names and values chosen so that
every twist of the family changes the output (e.g. a sliding window shorter than the test
prompt, soft-capping that bites, llama3 scaling whose three frequency bands all occur), and
model.safetensors with the tensor names and layouts Hugging Face's modelling code loads
(GPT-2's Conv1D weights stored [in, out], Phi-3's fused qkv_proj/gate_up_proj). The vocabulary
has 512 entries so that stories260K's tok512 tokenizer fits every family.

Planted structure, so that the models make clear choices. Purely random weights give logits as
flat as chance makes them: top-1 margins often far below an int8 file's logit error, and with a
tied head the residual stream still points at the current token's embedding, so greedy decoding
repeats the last token. A q8-vs-f32 greedy comparison on such models is either a coin toss or
vacuous. So, as trained models do, these models carry a bigram table:
  - `successor` is one random cycle through the tokenizer's 512 ids: every token has a next
    token, never itself, and greedy decoding walks the cycle (16 distinct tokens);
  - the embedding dominates the residual stream through the random layers (their output
    projections are scaled down, as in trained models where each layer nudges the stream);
  - the last layer's MLP is a key-value memory with one neuron per vocabulary row: neuron k's
    gate and up rows point along token k's embedding (the key), its down column along the
    embedding of successor[k] (the value), each plus random noise so that gate, up and down
    stay distinct random-looking matrices. The current token's neuron fires (its activation
    grows with the square of the key match) and writes the successor's embedding into the
    stream, a few times stronger than the stream itself (GPT-2's ungated GELU gets a threshold
    bias instead; Gemma's post-feedforward norm sets the memory's size);
  - the head reads the stream: tied, the successor's embedding row scores highest; untied
    (Qwen2, Phi-3), lm_head is the embedding plus independent noise, so a runtime that used the
    embedding instead of lm_head still misses the reference by far more than 1e-4.
Attention, norms, RoPE, biases and the first layers stay random, so the reference comparison
still checks every part of each family's math. The top-1 margin is then 1.8 to 8 logits at every
greedy step, against q8 files' largest logit errors of 0.07 to 0.16 (docs/models.md).

--padded-vocab N gives the checkpoint N > 512 embedding (and lm_head) rows, as Qwen2.5 and
Phi-3 pad vocab_size past their tokenizers. The cycle stays among the tokenizer's ids; the first
padded row is 1.25 times the row of the successor of the prompt's last token (400), so after the
prompt a runtime that let padded ids through would pick it (the test checks that it would).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_hf_checkpoint import write_safetensors  # noqa: E402

TOKENIZER_VOCAB = 512  # stories260K's tok512
VOCAB = TOKENIZER_VOCAB  # embedding rows (config vocab_size); --padded-vocab raises it
DIM = 64
FFN = None  # default: one memory neuron per vocabulary row
LAYERS = 2
HEADS = 4
KV_HEADS = 2
CONTEXT = 128
PROMPT_LAST_TOKEN = 400  # the last token of the test prompt (tests/e2e/test_model_families.cpp)


class Weights:
    """Random tensors in a fixed order; matrices scaled so activations stay O(1)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.tensors = []

    def random(self, rows, cols, scale=1.0):
        return self.rng.standard_normal((rows, cols)) * scale / np.sqrt(cols)

    def add(self, name, array):
        self.tensors.append((name, np.asarray(array, np.float32)))

    def matrix(self, name, rows, cols, scale=1.0):
        self.add(name, self.random(rows, cols, scale))

    def vector(self, name, n, mean=0.0, spread=0.1):
        self.add(name, mean + spread * self.rng.standard_normal(n))


class Bigram:
    """The planted next-token table (see the module's description) and the tensors that carry it."""

    NOISE = 0.3  # random part of each memory row and column, relative to its planted part

    def __init__(self, w, embed_std):
        rng = w.rng
        self.embedding = rng.standard_normal((VOCAB, DIM)) * embed_std
        order = rng.permutation(TOKENIZER_VOCAB)
        self.successor = np.empty(VOCAB, np.int64)
        self.successor[order] = np.roll(order, -1)  # one cycle: no token is its own successor
        if VOCAB > TOKENIZER_VOCAB:
            # Padded rows lead to random tokens (they are never read), and the first one outbids the
            # prompt's last token's successor: 1.25 times its row, so unmasked greedy decoding would
            # pick it, while the best printable id keeps its clear margin. (Its neuron shares that
            # successor's key, so it writes the same value.)
            self.successor[TOKENIZER_VOCAB:] = rng.integers(0, TOKENIZER_VOCAB, VOCAB - TOKENIZER_VOCAB)
            self.embedding[TOKENIZER_VOCAB] = 1.25 * self.embedding[self.successor[PROMPT_LAST_TOKEN]]
            self.successor[TOKENIZER_VOCAB] = self.successor[self.successor[PROMPT_LAST_TOKEN]]
        self.unit = self.embedding / np.linalg.norm(self.embedding, axis=1, keepdims=True)

    def noisy(self, w, rows, scale):
        return scale * (rows + self.NOISE * w.rng.standard_normal(rows.shape) / np.sqrt(DIM))

    def keys(self, w, ffn, scale):
        """[ffn, DIM] rows: neuron k < VOCAB along token k's embedding; further neurons random."""
        rows = w.random(ffn, DIM, scale)
        rows[:VOCAB] = self.noisy(w, self.unit, scale)
        return rows

    def values(self, w, ffn, scale):
        """[DIM, ffn] columns: neuron k < VOCAB writes token successor[k]'s embedding.

        """
        planted = self.unit[self.successor]
        columns = w.random(DIM, ffn, scale * 0.1)
        columns[:, :VOCAB] = self.noisy(w, planted, scale).T
        return columns

    def head(self, w):
        """An untied lm_head: the embedding plus independent noise of half its size."""
        head = self.embedding + 0.5 * w.rng.standard_normal(self.embedding.shape) * self.embedding.std()
        if VOCAB > TOKENIZER_VOCAB:
            head[TOKENIZER_VOCAB] = 1.25 * head[self.successor[PROMPT_LAST_TOKEN]]
        return head


def common_config(model_type, architecture, **fields):
    config = {
        "architectures": [architecture],
        "model_type": model_type,
        "vocab_size": VOCAB,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "float32",
    }
    config.update(fields)
    return config


def llama_like_config(model_type, architecture, **fields):
    base = dict(hidden_size=DIM, intermediate_size=FFN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                num_key_value_heads=KV_HEADS, max_position_embeddings=CONTEXT, rms_norm_eps=1e-5,
                rope_theta=10000.0, hidden_act="silu", tie_word_embeddings=False)
    base.update(fields)
    return common_config(model_type, architecture, **base)


class Scales:
    """How strongly each part writes into the residual stream (see the module's description).

    embed: the embedding's standard deviation; layer_gain: the random layers' o_proj/down_proj
    scale (their outputs' RMS, relative to the normed input's); key, up, value: the memory's
    gate rows, up rows and down columns; final_norm: the mean of model.norm.weight, which sets
    the logits' size. Gemma post-norms its layers' outputs, so there post_norm (the random
    layers') and memory_post_norm set those sizes instead, as offsets from 1.
    """

    def __init__(self, embed=0.4, layer_gain=0.2, key=1.0, up=1.0, value=0.4, final_norm=1.0, post_norm=0.0,
                 memory_post_norm=0.0):
        self.embed, self.layer_gain, self.key, self.up, self.value = embed, layer_gain, key, up, value
        self.final_norm, self.post_norm, self.memory_post_norm = final_norm, post_norm, memory_post_norm


def llama_like_tensors(w, config, scales, norm_mean=1.0, extra_attention=None, extra_layer=None, fused=False):
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    dim, ffn = config["hidden_size"], config["intermediate_size"]
    q_dim, kv_dim = config["num_attention_heads"] * head_dim, config["num_key_value_heads"] * head_dim
    bigram = Bigram(w, scales.embed)
    w.add("model.embed_tokens.weight", bigram.embedding)
    layers = config["num_hidden_layers"]
    # Deeper models (Gemma 3's GGUF test has 6 layers) write less per layer, so that the random
    # layers together disturb the stream as much as two do.
    gain = scales.layer_gain * np.sqrt(2 / layers)
    post_norm = (1 + scales.post_norm) * np.sqrt(2 / layers) - 1
    for i in range(layers):
        p = f"model.layers.{i}."
        memory = i == layers - 1
        w.vector(p + "input_layernorm.weight", dim, norm_mean)
        if fused:  # Phi-3's qkv_proj: q rows, then k, then v
            w.matrix(p + "self_attn.qkv_proj.weight", q_dim + 2 * kv_dim, dim)
        else:
            w.matrix(p + "self_attn.q_proj.weight", q_dim, dim)
            w.matrix(p + "self_attn.k_proj.weight", kv_dim, dim)
            w.matrix(p + "self_attn.v_proj.weight", kv_dim, dim)
        w.matrix(p + "self_attn.o_proj.weight", dim, q_dim, scale=gain)
        if extra_attention:
            extra_attention(w, p, q_dim, kv_dim, head_dim)
        if extra_layer:  # Gemma: the attention's post-norm, then the MLP's pre- and post-norms
            w.vector(p + "post_attention_layernorm.weight", dim, post_norm)
            extra_layer(w, p, dim, scales.memory_post_norm if memory else post_norm)
        else:
            w.vector(p + "post_attention_layernorm.weight", dim, norm_mean)
        if memory:
            gate, up, down = bigram.keys(w, ffn, scales.key), bigram.keys(w, ffn, scales.up), \
                bigram.values(w, ffn, scales.value)
        else:
            gate, up, down = w.random(ffn, dim), w.random(ffn, dim), w.random(dim, ffn, gain)
        if fused:  # Phi-3's gate_up_proj: gate rows, then up rows
            w.add(p + "mlp.gate_up_proj.weight", np.concatenate([gate, up]))
        else:
            w.add(p + "mlp.gate_proj.weight", gate)
            w.add(p + "mlp.up_proj.weight", up)
        w.add(p + "mlp.down_proj.weight", down)
    w.vector("model.norm.weight", dim, scales.final_norm, 0.1 * max(abs(scales.final_norm), 1.0))
    if not config["tie_word_embeddings"]:
        w.add("lm_head.weight", bigram.head(w))


LLAMA_SCALES = Scales(value=0.6)


def make_llama3(w):
    # original_max_position_embeddings 64 puts wavelengths below 16, between 16 and 64 and above
    # 64 into head_dim 16's frequencies: all three bands of the llama3 rule.
    config = llama_like_config("llama", "LlamaForCausalLM", rope_theta=500000.0, tie_word_embeddings=True,
                               head_dim=16, attention_bias=False, mlp_bias=False,
                               rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                             "high_freq_factor": 4.0, "original_max_position_embeddings": 64})
    llama_like_tensors(w, config, LLAMA_SCALES)
    return config


def make_smollm2(w):
    config = llama_like_config("llama", "LlamaForCausalLM", rope_theta=100000.0, tie_word_embeddings=True,
                               rope_scaling=None, attention_bias=False, mlp_bias=False)
    llama_like_tensors(w, config, LLAMA_SCALES)
    return config


def make_qwen2(w):
    def biases(w, p, q_dim, kv_dim, head_dim):
        w.vector(p + "self_attn.q_proj.bias", q_dim, 0.0, 0.5)
        w.vector(p + "self_attn.k_proj.bias", kv_dim, 0.0, 0.5)
        w.vector(p + "self_attn.v_proj.bias", kv_dim, 0.0, 0.5)

    config = llama_like_config("qwen2", "Qwen2ForCausalLM", rope_theta=1000000.0, rms_norm_eps=1e-6,
                               use_sliding_window=False, sliding_window=32, max_window_layers=LAYERS)
    llama_like_tensors(w, config, LLAMA_SCALES, extra_attention=biases)
    return config


def make_qwen3(w):
    def qk_norms(w, p, q_dim, kv_dim, head_dim):
        w.vector(p + "self_attn.q_norm.weight", head_dim, 1.0, 0.3)
        w.vector(p + "self_attn.k_norm.weight", head_dim, 1.0, 0.3)

    # head_dim 32 with 4 heads: the attention width (128) differs from hidden_size, as in Qwen3.
    config = llama_like_config("qwen3", "Qwen3ForCausalLM", head_dim=32, rope_theta=1000000.0, rms_norm_eps=1e-6,
                               tie_word_embeddings=True, attention_bias=False, use_sliding_window=False,
                               sliding_window=None, max_window_layers=LAYERS)
    llama_like_tensors(w, config, LLAMA_SCALES, extra_attention=qk_norms)
    return config


def gemma_post_norms(w, p, dim, post_norm):
    w.vector(p + "pre_feedforward_layernorm.weight", dim)
    w.vector(p + "post_feedforward_layernorm.weight", dim, post_norm)


# Gemma multiplies the embedding by sqrt(hidden_size) and norms every layer's output: the random
# layers write at 0.2 of the normed size (for two layers), the memory at 4, over a stream of RMS
# about 0.5.
# Norm weights are offsets from 1, so the final norm's 3 makes the tied head's logits a few
# units large (Gemma 2's final soft-capping at 10 then bends them without flattening them).
GEMMA_SCALES = Scales(embed=0.06, post_norm=-0.8, memory_post_norm=3.0, final_norm=3.0)


def make_gemma2(w):
    # Gemma stores norm weights as offsets from 1 (the model multiplies by 1 + w); caps small
    # enough to bend the test model's scores and logits; window 8 < the 32-token prompt.
    config = llama_like_config("gemma2", "Gemma2ForCausalLM", head_dim=24, rms_norm_eps=1e-6,
                               tie_word_embeddings=True, hidden_act="gelu_pytorch_tanh",
                               hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=20,
                               attn_logit_softcapping=2.0, final_logit_softcapping=10.0, sliding_window=8,
                               attention_bias=False)
    llama_like_tensors(w, config, GEMMA_SCALES, norm_mean=0.0, extra_layer=gemma_post_norms)
    return config


def make_gemma3(w):
    def qk_norms(w, p, q_dim, kv_dim, head_dim):
        w.vector(p + "self_attn.q_norm.weight", head_dim, 0.0, 0.3)
        w.vector(p + "self_attn.k_norm.weight", head_dim, 0.0, 0.3)

    config = llama_like_config("gemma3_text", "Gemma3ForCausalLM", head_dim=16, rms_norm_eps=1e-6,
                               tie_word_embeddings=True, hidden_activation="gelu_pytorch_tanh",
                               query_pre_attn_scalar=16, attn_logit_softcapping=None, final_logit_softcapping=None,
                               sliding_window=8, sliding_window_pattern=2, rope_theta=1000000.0,
                               rope_local_base_freq=10000.0, rope_scaling={"rope_type": "linear", "factor": 8.0},
                               attention_bias=False)
    llama_like_tensors(w, config, GEMMA_SCALES, norm_mean=0.0, extra_attention=qk_norms, extra_layer=gemma_post_norms)
    return config


def make_phi3(w):
    half = 16 // 2
    rng = np.random.default_rng(7)
    short = [round(float(v), 4) for v in 1.0 + rng.random(half)]
    long = [round(float(v), 4) for v in 1.0 + 8.0 * rng.random(half)]
    config = llama_like_config("phi3", "Phi3ForCausalLM", max_position_embeddings=256,
                               original_max_position_embeddings=64, sliding_window=24, rope_theta=10000.0,
                               rope_scaling={"type": "longrope", "short_factor": short, "long_factor": long},
                               attention_bias=False, pad_token_id=0)
    llama_like_tensors(w, config, LLAMA_SCALES, fused=True)
    return config


def make_gpt2(w):
    # GELU without a gate: the memory's fc biases set a threshold (a key match of 3, where the
    # current token's is about 7 and the others' about N(0, 1)), so only that neuron fires.
    scales = Scales(embed=0.4, layer_gain=0.2, key=2.0, value=2.0)
    ffn = FFN
    config = common_config("gpt2", "GPT2LMHeadModel", n_embd=DIM, n_layer=LAYERS, n_head=HEADS, n_positions=CONTEXT,
                           n_ctx=CONTEXT, n_inner=ffn, activation_function="gelu_new", layer_norm_epsilon=1e-5,
                           scale_attn_weights=True, scale_attn_by_inverse_layer_idx=False,
                           reorder_and_upcast_attn=False, tie_word_embeddings=True)
    dim = DIM
    bigram = Bigram(w, scales.embed)

    def conv1d(name, weight, bias_spread=0.2):
        # Conv1D keeps its weight as [in, out] and computes x @ W + b; `weight` comes as [out, in].
        w.add(name + ".weight", weight.T)
        w.vector(name + ".bias", weight.shape[0], 0.0, bias_spread)

    w.add("transformer.wte.weight", bigram.embedding)
    w.matrix("transformer.wpe.weight", CONTEXT, dim, scale=np.sqrt(dim) * scales.embed * 0.3)
    for i in range(LAYERS):
        p = f"transformer.h.{i}."
        w.vector(p + "ln_1.weight", dim, 1.0)
        w.vector(p + "ln_1.bias", dim, 0.0)
        conv1d(p + "attn.c_attn", w.random(3 * dim, dim))
        conv1d(p + "attn.c_proj", w.random(dim, dim, scales.layer_gain), 0.2 * scales.layer_gain)
        # Old checkpoints carry the causal mask as a buffer; readers must skip it.
        w.tensors.append((p + "attn.bias", np.tril(np.ones((CONTEXT, CONTEXT), np.float32))[None, None]))
        w.vector(p + "ln_2.weight", dim, 1.0)
        w.vector(p + "ln_2.bias", dim, 0.0)
        if i == LAYERS - 1:
            conv1d(p + "mlp.c_fc", bigram.keys(w, ffn, scales.key))
            name, bias = w.tensors[-1]
            w.tensors[-1] = (name, (bias - 3.0 * scales.key).astype(np.float32))
            conv1d(p + "mlp.c_proj", bigram.values(w, ffn, scales.value), 0.2 * scales.layer_gain)
        else:
            conv1d(p + "mlp.c_fc", w.random(ffn, dim))
            conv1d(p + "mlp.c_proj", w.random(dim, ffn, scales.layer_gain), 0.2 * scales.layer_gain)
    w.vector("transformer.ln_f.weight", dim, 1.0)
    w.vector("transformer.ln_f.bias", dim, 0.0)
    return config


FAMILIES = {
    "llama3": make_llama3,
    "smollm2": make_smollm2,
    "qwen2": make_qwen2,
    "qwen3": make_qwen3,
    "gemma2": make_gemma2,
    "gemma3": make_gemma3,
    "phi3": make_phi3,
    "gpt2": make_gpt2,
}


def main():
    global DIM, FFN, LAYERS, VOCAB
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("family", choices=sorted(FAMILIES))
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ffn", type=int, help="intermediate size (default and least: the vocabulary's rows, one "
                                            "memory neuron each; 512 rows are whole GGUF k-quant blocks)")
    ap.add_argument("--layers", type=int, default=LAYERS)
    ap.add_argument("--dim", type=int, default=DIM, help="hidden size (256 makes every matrix whole GGUF k-quant rows)")
    ap.add_argument("--padded-vocab", type=int, metavar="N",
                    help=f"N > {TOKENIZER_VOCAB} embedding rows, more than the tokenizer's {TOKENIZER_VOCAB} tokens")
    ap.add_argument("--gguf-compatible", action="store_true",
                    help="only values llama.cpp's GGUF can express: Gemma's query_pre_attn_scalar = head_dim "
                         "and Gemma 3's sliding_window_pattern 6")
    args = ap.parse_args()
    if args.padded_vocab is not None:
        if args.padded_vocab <= TOKENIZER_VOCAB:
            ap.error(f"--padded-vocab must exceed the tokenizer's {TOKENIZER_VOCAB} tokens")
        VOCAB = args.padded_vocab
    FFN, LAYERS, DIM = args.ffn or VOCAB, args.layers, args.dim
    if FFN < VOCAB:
        ap.error(f"--ffn must be at least the vocabulary's {VOCAB} rows: the last MLP holds one neuron per token")
    w = Weights(args.seed + sorted(FAMILIES).index(args.family))
    config = FAMILIES[args.family](w)
    if args.gguf_compatible and args.family in ("gemma2", "gemma3"):
        config["query_pre_attn_scalar"] = config["head_dim"]
        if args.family == "gemma3":
            config["sliding_window_pattern"] = 6
    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(args.outdir, "model.safetensors"), w.tensors, "f32")


if __name__ == "__main__":
    main()
