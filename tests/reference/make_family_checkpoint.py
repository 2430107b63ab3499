#!/usr/bin/env python3
"""Write a small random-weight Hugging Face checkpoint of one model family.

Usage:
  make_family_checkpoint.py FAMILY OUTDIR [--seed N]
  FAMILY: llama3 smollm2 qwen2 qwen3 gemma2 gemma3 phi3 gpt2

The folder holds config.json with the family's real field names and values chosen so that
every twist of the family changes the output (e.g. a sliding window shorter than the test
prompt, soft-capping that bites, llama3 scaling whose three frequency bands all occur), and
model.safetensors with the tensor names and layouts Hugging Face's modelling code loads
(GPT-2's Conv1D weights stored [in, out], Phi-3's fused qkv_proj/gate_up_proj). The vocabulary
has 512 entries so that stories260K's tok512 tokenizer fits every family.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_hf_checkpoint import write_safetensors  # noqa: E402

VOCAB = 512
DIM = 64
FFN = 128
LAYERS = 2
HEADS = 4
KV_HEADS = 2
CONTEXT = 128


class Weights:
    """Random tensors in a fixed order; matrices scaled so activations stay O(1)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.tensors = []

    def matrix(self, name, rows, cols, scale=1.0):
        self.tensors.append((name, (self.rng.standard_normal((rows, cols)) * scale / np.sqrt(cols)).astype(np.float32)))

    def vector(self, name, n, mean=0.0, spread=0.1):
        self.tensors.append((name, (mean + spread * self.rng.standard_normal(n)).astype(np.float32)))


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


def llama_like_tensors(w, config, norm_mean=1.0, extra_attention=None, extra_layer=None):
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    dim, ffn = config["hidden_size"], config["intermediate_size"]
    q_dim, kv_dim = config["num_attention_heads"] * head_dim, config["num_key_value_heads"] * head_dim
    w.matrix("model.embed_tokens.weight", VOCAB, dim, scale=np.sqrt(dim) * 0.5)
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w.vector(p + "input_layernorm.weight", dim, norm_mean)
        w.matrix(p + "self_attn.q_proj.weight", q_dim, dim)
        w.matrix(p + "self_attn.k_proj.weight", kv_dim, dim)
        w.matrix(p + "self_attn.v_proj.weight", kv_dim, dim)
        w.matrix(p + "self_attn.o_proj.weight", dim, q_dim)
        if extra_attention:
            extra_attention(w, p, q_dim, kv_dim, head_dim)
        w.vector(p + "post_attention_layernorm.weight", dim, norm_mean)
        if extra_layer:
            extra_layer(w, p, dim)
        w.matrix(p + "mlp.gate_proj.weight", ffn, dim)
        w.matrix(p + "mlp.up_proj.weight", ffn, dim)
        w.matrix(p + "mlp.down_proj.weight", dim, ffn)
    w.vector("model.norm.weight", dim, norm_mean)
    if not config["tie_word_embeddings"]:
        w.matrix("lm_head.weight", VOCAB, dim, scale=4.0)


def make_llama3(w):
    # original_max_position_embeddings 64 puts wavelengths below 16, between 16 and 64 and above
    # 64 into head_dim 16's frequencies: all three bands of the llama3 rule.
    config = llama_like_config("llama", "LlamaForCausalLM", rope_theta=500000.0, tie_word_embeddings=True,
                               head_dim=16, attention_bias=False, mlp_bias=False,
                               rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                             "high_freq_factor": 4.0, "original_max_position_embeddings": 64})
    llama_like_tensors(w, config)
    return config


def make_smollm2(w):
    config = llama_like_config("llama", "LlamaForCausalLM", rope_theta=100000.0, tie_word_embeddings=True,
                               rope_scaling=None, attention_bias=False, mlp_bias=False)
    llama_like_tensors(w, config)
    return config


def make_qwen2(w):
    def biases(w, p, q_dim, kv_dim, head_dim):
        w.vector(p + "self_attn.q_proj.bias", q_dim, 0.0, 0.5)
        w.vector(p + "self_attn.k_proj.bias", kv_dim, 0.0, 0.5)
        w.vector(p + "self_attn.v_proj.bias", kv_dim, 0.0, 0.5)

    config = llama_like_config("qwen2", "Qwen2ForCausalLM", rope_theta=1000000.0, rms_norm_eps=1e-6,
                               use_sliding_window=False, sliding_window=32, max_window_layers=LAYERS)
    llama_like_tensors(w, config, extra_attention=biases)
    return config


def make_qwen3(w):
    def qk_norms(w, p, q_dim, kv_dim, head_dim):
        w.vector(p + "self_attn.q_norm.weight", head_dim, 1.0, 0.3)
        w.vector(p + "self_attn.k_norm.weight", head_dim, 1.0, 0.3)

    # head_dim 32 with 4 heads: the attention width (128) differs from hidden_size, as in Qwen3.
    config = llama_like_config("qwen3", "Qwen3ForCausalLM", head_dim=32, rope_theta=1000000.0, rms_norm_eps=1e-6,
                               tie_word_embeddings=True, attention_bias=False, use_sliding_window=False,
                               sliding_window=None, max_window_layers=LAYERS)
    llama_like_tensors(w, config, extra_attention=qk_norms)
    return config


def gemma_post_norms(w, p, dim):
    w.vector(p + "pre_feedforward_layernorm.weight", dim)
    w.vector(p + "post_feedforward_layernorm.weight", dim)


def make_gemma2(w):
    # Gemma stores norm weights as offsets from 1 (the model multiplies by 1 + w); caps small
    # enough to bend the test model's scores and logits; window 8 < the 32-token prompt.
    config = llama_like_config("gemma2", "Gemma2ForCausalLM", head_dim=24, rms_norm_eps=1e-6,
                               tie_word_embeddings=True, hidden_act="gelu_pytorch_tanh",
                               hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=20,
                               attn_logit_softcapping=2.0, final_logit_softcapping=10.0, sliding_window=8,
                               attention_bias=False)
    llama_like_tensors(w, config, norm_mean=0.0, extra_layer=gemma_post_norms)
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
    llama_like_tensors(w, config, norm_mean=0.0, extra_attention=qk_norms, extra_layer=gemma_post_norms)
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
    dim, ffn, head_dim = DIM, FFN, DIM // HEADS
    op = (HEADS + 2 * KV_HEADS) * head_dim
    w.matrix("model.embed_tokens.weight", VOCAB, dim, scale=np.sqrt(dim) * 0.5)
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        w.vector(p + "input_layernorm.weight", dim, 1.0)
        w.matrix(p + "self_attn.qkv_proj.weight", op, dim)
        w.matrix(p + "self_attn.o_proj.weight", dim, HEADS * head_dim)
        w.vector(p + "post_attention_layernorm.weight", dim, 1.0)
        w.matrix(p + "mlp.gate_up_proj.weight", 2 * ffn, dim)
        w.matrix(p + "mlp.down_proj.weight", dim, ffn)
    w.vector("model.norm.weight", dim, 1.0)
    w.matrix("lm_head.weight", VOCAB, dim, scale=4.0)
    return config


def make_gpt2(w):
    config = common_config("gpt2", "GPT2LMHeadModel", n_embd=DIM, n_layer=LAYERS, n_head=HEADS, n_positions=CONTEXT,
                           n_ctx=CONTEXT, n_inner=None, activation_function="gelu_new", layer_norm_epsilon=1e-5,
                           scale_attn_weights=True, scale_attn_by_inverse_layer_idx=False,
                           reorder_and_upcast_attn=False, tie_word_embeddings=True)
    dim, inner = DIM, 4 * DIM

    def conv1d(name, n_in, n_out):
        # Conv1D keeps its weight as [in, out] and computes x @ W + b.
        w.matrix(name + ".weight", n_in, n_out)
        name_w, m = w.tensors[-1]
        w.tensors[-1] = (name_w, (m * np.sqrt(n_out) / np.sqrt(n_in)).astype(np.float32))
        w.vector(name + ".bias", n_out, 0.0, 0.2)

    w.matrix("transformer.wte.weight", VOCAB, dim, scale=np.sqrt(dim) * 0.5)
    w.matrix("transformer.wpe.weight", CONTEXT, dim, scale=np.sqrt(dim) * 0.2)
    for i in range(LAYERS):
        p = f"transformer.h.{i}."
        w.vector(p + "ln_1.weight", dim, 1.0)
        w.vector(p + "ln_1.bias", dim, 0.0)
        conv1d(p + "attn.c_attn", dim, 3 * dim)
        conv1d(p + "attn.c_proj", dim, dim)
        # Old checkpoints carry the causal mask as a buffer; readers must skip it.
        w.tensors.append((p + "attn.bias", np.tril(np.ones((CONTEXT, CONTEXT), np.float32))[None, None]))
        w.vector(p + "ln_2.weight", dim, 1.0)
        w.vector(p + "ln_2.bias", dim, 0.0)
        conv1d(p + "mlp.c_fc", dim, inner)
        conv1d(p + "mlp.c_proj", inner, dim)
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
    global FFN, LAYERS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("family", choices=sorted(FAMILIES))
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ffn", type=int, default=FFN, help="intermediate size (256 lets GGUF k-quants cover ffn_down)")
    ap.add_argument("--layers", type=int, default=LAYERS)
    ap.add_argument("--gguf-compatible", action="store_true",
                    help="only values llama.cpp's GGUF can express: Gemma's query_pre_attn_scalar = head_dim "
                         "and Gemma 3's sliding_window_pattern 6")
    args = ap.parse_args()
    FFN, LAYERS = args.ffn, args.layers
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
