#!/usr/bin/env python3
"""Independent NumPy float64 forward pass of Hugging Face checkpoints of several families.

Written from the families' Hugging Face modelling code (modeling_llama, modeling_qwen2,
modeling_qwen3, modeling_gemma2, modeling_gemma3, modeling_phi3, modeling_gpt2 and
modeling_rope_utils), not from sprig's C++: it reads config.json and the safetensors tensors
as Hugging Face names and lays them out, rotates halves (rotate_half) for RoPE, and applies
each family's norm, activation and attention rules itself.

Usage:
  family_reference.py --hf DIR --tokens 1,2,3 --out logits.f32 [--all-positions] [--long-rope]

--long-rope uses Phi-3's long factors (Hugging Face switches to them once the sequence is longer
than original_max_position_embeddings). Output: raw little-endian float32 logits.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import read_safetensors  # noqa: E402


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def layer_norm(x, w, b, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_tanh(x):
    # gelu_pytorch_tanh and GPT-2's gelu_new are the same tanh approximation.
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rope_cos_sin(inv_freq, T, attention_factor=1.0):
    """HF layout: emb = cat(freqs, freqs); cos/sin shaped (T, 1, head_dim)."""
    freqs = np.arange(T, dtype=np.float64)[:, None] * inv_freq[None, :]
    emb = np.concatenate([freqs, freqs], axis=-1)
    return (np.cos(emb) * attention_factor)[:, None, :], (np.sin(emb) * attention_factor)[:, None, :]


def apply_rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


def default_inv_freq(theta, dim):
    return 1.0 / theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim)


def rope_parameters(c, head_dim, theta, scaling, long_rope):
    """(inv_freq, attention_factor) after modeling_rope_utils' rope types."""
    inv_freq = default_inv_freq(theta, head_dim)
    if not scaling:
        return inv_freq, 1.0
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "default":
        return inv_freq, 1.0
    if kind == "linear":
        return inv_freq / scaling["factor"], 1.0
    if kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv_freq
        scaled = np.where(wavelen > old / low, inv_freq / factor, inv_freq)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < old / high) & ~(wavelen > old / low)
        return np.where(medium, smoothed, scaled), 1.0
    if kind in ("longrope", "su"):
        original = c.get("original_max_position_embeddings") or scaling["original_max_position_embeddings"]
        factor = c["max_position_embeddings"] / original
        attention = scaling.get("attention_factor")
        if attention is None:
            attention = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(original))
        ext = np.asarray(scaling["long_factor" if long_rope else "short_factor"], dtype=np.float64)
        return inv_freq / ext, attention
    sys.exit(f"rope type {kind} is not implemented by this reference")


def attention(q, k, v, scale, window=None, softcap=None):
    """q: (T, nh, hd), k/v: (T, nkv, hd); causal, optional sliding window and soft-capping."""
    T, nh, _ = q.shape
    nkv = k.shape[1]
    k, v = np.repeat(k, nh // nkv, axis=1), np.repeat(v, nh // nkv, axis=1)  # repeat_kv
    s = np.einsum("thd,shd->hts", q, k) * scale
    if softcap:
        s = np.tanh(s / softcap) * softcap
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    allowed = j <= i
    if window:
        allowed &= j > i - window  # HF's sliding_window_overlay: kv_idx > q_idx - sliding_window
    s = np.where(allowed[None], s, -np.inf)
    s = np.exp(s - s.max(axis=-1, keepdims=True))
    p = s / s.sum(axis=-1, keepdims=True)
    return np.einsum("hts,shd->thd", p, v).reshape(T, -1)


def linear(x, t, name, bias=False):
    y = x @ t[name + ".weight"].T
    return y + t[name + ".bias"] if bias else y


def forward_decoder(c, t, tokens, long_rope):
    """Llama, Qwen2, Qwen3, Gemma 2/3 and Phi-3: RMSNorm decoders with RoPE."""
    family = c["model_type"]
    gemma = family in ("gemma2", "gemma3_text")
    T = len(tokens)
    nh, nkv = c["num_attention_heads"], c.get("num_key_value_heads") or c["num_attention_heads"]
    hd = c.get("head_dim") or c["hidden_size"] // nh
    eps = c.get("rms_norm_eps", 1e-6)
    # Gemma's RMSNorm multiplies by (1 + w).
    norm = (lambda x, w: rms_norm(x, 1.0 + w, eps)) if gemma else (lambda x, w: rms_norm(x, w, eps))
    act = gelu_tanh if gemma else silu
    scale = c["query_pre_attn_scalar"] ** -0.5 if gemma else hd ** -0.5
    softcap = c.get("attn_logit_softcapping") if family == "gemma2" else None

    inv_freq, att_factor = rope_parameters(c, hd, c.get("rope_theta", 10000.0), c.get("rope_scaling"), long_rope)
    cos, sin = rope_cos_sin(inv_freq, T, att_factor)
    if family == "gemma3_text":
        local_cos, local_sin = rope_cos_sin(default_inv_freq(c["rope_local_base_freq"], hd), T)

    def layer_is_sliding(i):
        if family == "gemma2":
            return i % 2 == 0
        if family == "gemma3_text":
            return (i + 1) % c["sliding_window_pattern"] != 0
        return family == "phi3" and c.get("sliding_window") is not None

    x = t["model.embed_tokens.weight"][np.asarray(tokens)]
    if gemma:
        x = x * np.sqrt(c["hidden_size"])
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = norm(x, t[p + "input_layernorm.weight"])
        if family == "phi3":
            qkv = linear(h, t, p + "self_attn.qkv_proj")
            q, k, v = np.split(qkv, [nh * hd, (nh + nkv) * hd], axis=-1)
        else:
            bias = family == "qwen2"
            q = linear(h, t, p + "self_attn.q_proj", bias)
            k = linear(h, t, p + "self_attn.k_proj", bias)
            v = linear(h, t, p + "self_attn.v_proj", bias)
        q, k, v = q.reshape(T, nh, hd), k.reshape(T, nkv, hd), v.reshape(T, nkv, hd)
        if family in ("qwen3", "gemma3_text"):
            q, k = norm(q, t[p + "self_attn.q_norm.weight"]), norm(k, t[p + "self_attn.k_norm.weight"])
        sliding = layer_is_sliding(i)
        if family == "gemma3_text" and sliding:
            q, k = apply_rope(q, local_cos, local_sin), apply_rope(k, local_cos, local_sin)
        else:
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        a = attention(q, k, v, scale, c.get("sliding_window") if sliding else None, softcap)
        a = linear(a, t, p + "self_attn.o_proj")
        if gemma:
            a = norm(a, t[p + "post_attention_layernorm.weight"])
            x = x + a
            h = norm(x, t[p + "pre_feedforward_layernorm.weight"])
        else:
            x = x + a
            h = norm(x, t[p + "post_attention_layernorm.weight"])
        if family == "phi3":
            gate, up = np.split(linear(h, t, p + "mlp.gate_up_proj"), 2, axis=-1)
        else:
            gate, up = linear(h, t, p + "mlp.gate_proj"), linear(h, t, p + "mlp.up_proj")
        f = linear(act(gate) * up, t, p + "mlp.down_proj")
        if gemma:
            f = norm(f, t[p + "post_feedforward_layernorm.weight"])
        x = x + f
    x = norm(x, t["model.norm.weight"])
    head = t["model.embed_tokens.weight"] if "lm_head.weight" not in t else t["lm_head.weight"]
    logits = x @ head.T
    cap = c.get("final_logit_softcapping") if family == "gemma2" else None
    return np.tanh(logits / cap) * cap if cap else logits


def forward_gpt2(c, t, tokens):
    T, nh, eps = len(tokens), c["n_head"], c["layer_norm_epsilon"]
    hd = c["n_embd"] // nh
    pre = "transformer." if "transformer.wte.weight" in t else ""

    def conv1d(x, name):  # Conv1D: weight [in, out], x @ W + b
        return x @ t[pre + name + ".weight"] + t[pre + name + ".bias"]

    def ln(x, name):
        return layer_norm(x, t[pre + name + ".weight"], t[pre + name + ".bias"], eps)

    x = t[pre + "wte.weight"][np.asarray(tokens)] + t[pre + "wpe.weight"][:T]
    for i in range(c["n_layer"]):
        p = f"h.{i}."
        q, k, v = np.split(conv1d(ln(x, p + "ln_1"), p + "attn.c_attn"), 3, axis=-1)
        a = attention(q.reshape(T, nh, hd), k.reshape(T, nh, hd), v.reshape(T, nh, hd), hd ** -0.5)
        x = x + conv1d(a, p + "attn.c_proj")
        x = x + conv1d(gelu_tanh(conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    x = ln(x, "ln_f")
    return x @ t[pre + "wte.weight"].T


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hf", required=True, metavar="DIR")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--all-positions", action="store_true")
    ap.add_argument("--long-rope", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(args.hf, "config.json")) as f:
        c = json.load(f)
    t = {k: v.astype(np.float64) for k, v in read_safetensors(os.path.join(args.hf, "model.safetensors")).items()}
    tokens = [int(x) for x in args.tokens.split(",") if x.strip()]
    if c["model_type"] == "gpt2":
        logits = forward_gpt2(c, t, tokens)
    elif c["model_type"] in ("llama", "qwen2", "qwen3", "gemma2", "gemma3_text", "phi3"):
        logits = forward_decoder(c, t, tokens, args.long_rope)
    else:
        sys.exit(f"model_type {c['model_type']} is not implemented by this reference")
    (logits if args.all_positions else logits[-1]).astype("<f4").tofile(args.out)


if __name__ == "__main__":
    main()
