#!/usr/bin/env python3
"""Write a Hugging Face checkpoint of make_family_checkpoint.py as GGUF, the way llama.cpp lays it out.

Usage:
  make_family_gguf.py HF_DIR OUT.gguf [--quant | --type f16|q8_0|q4_0|q4_1|q4_k_m] [--dequantized-hf DIR]

Follows the GGUF spec (version 3, 32-byte alignment) and llama.cpp's names per architecture
(llama, qwen2, qwen3, phi3, gemma2, gemma3, gpt2): `<arch>.embedding_length` and friends, tensors `token_embd`,
`blk.N.attn_q`, ... with dimensions innermost first. llama's q/k rows are permuted to
interleaved RoPE pairs as llama.cpp's converter does; qwen2/qwen3/phi3 keep Hugging Face's
halves (NEOX RoPE), and so do gemma2/gemma3, whose norm weights llama.cpp stores as 1 + w
(the config must use values GGUF can express: make_family_checkpoint.py --gguf-compatible). Phi-3's fused qkv_proj and gate_up_proj become attn_qkv and ffn_up, its
longrope factors rope_factors_short/long with rope.scaling.attn_factor. GPT-2's Conv1D weights are transposed to [out, in]. Llama 3 scaling is written as
llama.cpp's `rope_freqs` divisors.

--quant stores the matrices in GGUF block types: attention Q8_0, gate/up Q4_0, down Q4_K in
even layers and Q6_K in odd ones (when its rows are a multiple of 256 values, else Q8_0).
--type writes a file as llama.cpp's quantize names them, for the converter's choice of sprig types:
f16, q8_0, q4_0 and q4_1 store every matrix (embedding and head included) in that type;
q4_k_m follows llama.cpp's Q4_K_M recipe: Q6_K for the output head (the tied embedding too),
attn_v and ffn_down in the layers use_more_bits picks, Q4_K for the rest (rows must be whole
256-value blocks, else Q8_0: make_family_checkpoint.py --dim 256 leaves only attn_output, whose
rows are the 64 values of q, to fall back).
--dequantized-hf then writes the HF folder with those tensors replaced by their dequantized
values, so the reference can run on exactly the weights the GGUF file holds.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import read_safetensors  # noqa: E402
from make_hf_checkpoint import write_safetensors  # noqa: E402

F32, F16, Q4_0, Q4_1, Q8_0, Q4_K, Q6_K = 0, 1, 2, 3, 8, 12, 14
BLOCK = {Q4_0: 32, Q4_1: 32, Q8_0: 32, Q4_K: 256, Q6_K: 256}


# ---------------------------------------------------------------------------
# Block quantizers (valid, not optimal) and dequantizers, from ggml's block layouts.
# Each works on a (rows, cols) float32 matrix whose cols are whole blocks.
# ---------------------------------------------------------------------------

def f16(x):
    return np.asarray(x, dtype=np.float32).astype("<f2")


def quant_q8_0(w):
    b = w.reshape(-1, 32)
    d = f16(np.abs(b).max(axis=1) / 127.0)
    inv = np.where(d.astype(np.float32) > 0, 1.0 / np.maximum(d.astype(np.float32), 1e-30), 0.0)
    q = np.clip(np.rint(b * inv[:, None]), -127, 127).astype(np.int8)
    out = np.zeros((b.shape[0], 34), np.uint8)
    out[:, :2] = d.view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def dequant_q8_0(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(-1, 34)
    d = b[:, :2].copy().view("<f2").astype(np.float32)
    return (d * b[:, 2:].view(np.int8).astype(np.float32)).reshape(n)


def quant_q4_0(w):
    b = w.reshape(-1, 32)
    idx = np.abs(b).argmax(axis=1)
    signed_max = b[np.arange(b.shape[0]), idx]
    d = f16(signed_max / -8.0)
    df = d.astype(np.float32)
    inv = np.where(df != 0, 1.0 / np.where(df != 0, df, 1.0), 0.0)
    q = np.clip(np.floor(b * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    out = np.zeros((b.shape[0], 18), np.uint8)
    out[:, :2] = d.view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def dequant_q4_0(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(-1, 18)
    d = b[:, :2].copy().view("<f2").astype(np.float32)
    lo, hi = (b[:, 2:] & 0xF).astype(np.float32) - 8, (b[:, 2:] >> 4).astype(np.float32) - 8
    return (d * np.concatenate([lo, hi], axis=1)).reshape(n)


def pack_scales_k4(sc, m):
    """8 six-bit scales and mins -> 12 bytes (ggml's get_scale_min_k4 layout)."""
    q = np.zeros(12, np.uint8)
    for j in range(8):
        if j < 4:
            q[j] |= sc[j] & 63
            q[j + 4] |= m[j] & 63
        else:
            q[j + 4] |= (sc[j] & 0xF) | ((m[j] & 0xF) << 4)
            q[j - 4] |= (sc[j] >> 4) << 6
            q[j] |= (m[j] >> 4) << 6
    return q


def unpack_scales_k4(q):
    sc, m = np.zeros(8, np.int64), np.zeros(8, np.int64)
    for j in range(8):
        if j < 4:
            sc[j], m[j] = q[j] & 63, q[j + 4] & 63
        else:
            sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)
            m[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
    return sc, m


def quant_q4_k(w):
    out = bytearray()
    for block in w.reshape(-1, 256):
        sub = block.reshape(8, 32)
        lo = np.minimum(sub.min(axis=1), 0.0)
        scale = (sub.max(axis=1) - lo) / 15.0
        d, dmin = f16(scale.max() / 63.0), f16(-lo.min() / 63.0)
        df, dminf = float(d.astype(np.float32)), float(dmin.astype(np.float32))
        sc = np.clip(np.rint(scale / df), 0, 63).astype(np.uint8) if df > 0 else np.zeros(8, np.uint8)
        m = np.clip(np.rint(-lo / dminf), 0, 63).astype(np.uint8) if dminf > 0 else np.zeros(8, np.uint8)
        q = np.zeros((8, 32), np.uint8)
        for j in range(8):
            step = df * sc[j]
            if step > 0:
                q[j] = np.clip(np.rint((sub[j] + dminf * m[j]) / step), 0, 15)
        packed = np.zeros(128, np.uint8)
        for chunk in range(4):  # low nibbles: sub-block 2c, high nibbles: sub-block 2c+1
            packed[chunk * 32:(chunk + 1) * 32] = q[2 * chunk] | (q[2 * chunk + 1] << 4)
        out += d.tobytes() + dmin.tobytes() + pack_scales_k4(sc, m).tobytes() + packed.tobytes()
    return bytes(out)


def dequant_q4_k(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(-1, 144)
    out = []
    for block in b:
        d = float(block[0:2].copy().view("<f2")[0])
        dmin = float(block[2:4].copy().view("<f2")[0])
        sc, m = unpack_scales_k4(block[4:16])
        qs = block[16:]
        values = np.zeros(256)
        for chunk in range(4):
            q = qs[chunk * 32:(chunk + 1) * 32]
            values[chunk * 64:chunk * 64 + 32] = d * sc[2 * chunk] * (q & 0xF) - dmin * m[2 * chunk]
            values[chunk * 64 + 32:chunk * 64 + 64] = d * sc[2 * chunk + 1] * (q >> 4) - dmin * m[2 * chunk + 1]
        out.append(values)
    return np.concatenate(out).astype(np.float32).reshape(n)


def quant_q6_k(w):
    out = bytearray()
    for block in w.reshape(-1, 256):
        sub = block.reshape(16, 16)
        scale = np.abs(sub).max(axis=1) / 31.0
        d = f16(scale.max() / 127.0)
        df = float(d.astype(np.float32))
        sc = np.clip(np.rint(scale / df), -128, 127).astype(np.int8) if df > 0 else np.zeros(16, np.int8)
        q = np.zeros((16, 16), np.int64)
        for j in range(16):
            step = df * sc[j]
            if step != 0:
                q[j] = np.clip(np.rint(sub[j] / step), -32, 31)
        q = (q + 32).reshape(256)  # 0..63
        ql, qh = np.zeros(128, np.uint8), np.zeros(64, np.uint8)
        for half in range(2):
            v = q[half * 128:(half + 1) * 128]
            for l in range(32):
                q1, q2, q3, q4 = v[l], v[l + 32], v[l + 64], v[l + 96]
                ql[half * 64 + l] = (q1 & 0xF) | ((q3 & 0xF) << 4)
                ql[half * 64 + l + 32] = (q2 & 0xF) | ((q4 & 0xF) << 4)
                qh[half * 32 + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
        out += ql.tobytes() + qh.tobytes() + sc.tobytes() + d.tobytes()
    return bytes(out)


def dequant_q6_k(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(-1, 210)
    out = []
    for block in b:
        ql, qh = block[:128].astype(np.int64), block[128:192].astype(np.int64)
        sc = block[192:208].view(np.int8).astype(np.float64)
        d = float(block[208:210].copy().view("<f2")[0])
        values = np.zeros(256)
        for half in range(2):
            for l in range(32):
                a, c, h = ql[half * 64 + l], ql[half * 64 + l + 32], qh[half * 32 + l]
                s = half * 8 + l // 16
                base = half * 128
                values[base + l] = d * sc[s] * (((a & 0xF) | ((h & 3) << 4)) - 32)
                values[base + l + 32] = d * sc[s + 2] * (((c & 0xF) | (((h >> 2) & 3) << 4)) - 32)
                values[base + l + 64] = d * sc[s + 4] * (((a >> 4) | (((h >> 4) & 3) << 4)) - 32)
                values[base + l + 96] = d * sc[s + 6] * (((c >> 4) | (((h >> 6) & 3) << 4)) - 32)
        out.append(values)
    return np.concatenate(out).astype(np.float32).reshape(n)


def quant_q4_1(w):
    b = w.reshape(-1, 32).astype(np.float32)
    lo, hi = b.min(axis=1), b.max(axis=1)
    d = f16((hi - lo) / 15.0)
    m = f16(lo)
    dd = d.astype(np.float32)
    inv = np.where(dd > 0, 1.0 / np.maximum(dd, 1e-30), 0.0)
    q = np.clip(np.rint((b - m.astype(np.float32)[:, None]) * inv[:, None]), 0, 15).astype(np.uint8)
    out = np.zeros((b.shape[0], 20), np.uint8)
    out[:, 0:2] = d.view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = m.view(np.uint8).reshape(-1, 2)
    out[:, 4:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def dequant_q4_1(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(-1, 20)
    d = b[:, 0:2].copy().view("<f2").astype(np.float32)
    m = b[:, 2:4].copy().view("<f2").astype(np.float32)
    q = np.concatenate([b[:, 4:] & 15, b[:, 4:] >> 4], axis=1).astype(np.float32)
    return (d * q + m).reshape(-1)[:n]


def quant_f16(w):
    return np.asarray(w, np.float32).astype("<f2").tobytes()


def dequant_f16(raw, n):
    return np.frombuffer(raw, "<f2").astype(np.float32)[:n]


QUANT = {F16: (quant_f16, dequant_f16), Q4_1: (quant_q4_1, dequant_q4_1),
         Q8_0: (quant_q8_0, dequant_q8_0), Q4_0: (quant_q4_0, dequant_q4_0),
         Q4_K: (quant_q4_k, dequant_q4_k), Q6_K: (quant_q6_k, dequant_q6_k)}


# ---------------------------------------------------------------------------
# HF -> llama.cpp names and layouts.
# ---------------------------------------------------------------------------

def interleave(w, head_dim):
    """Rows of each head from halves (i, i + hd/2) to pairs (2i, 2i+1): llama.cpp's permute."""
    rows = w.shape[0]
    rest = w.shape[1:]
    return w.reshape(rows // head_dim, 2, head_dim // 2, *rest).swapaxes(1, 2).reshape(w.shape)


def uninterleave(w, head_dim):
    rows = w.shape[0]
    rest = w.shape[1:]
    return w.reshape(rows // head_dim, head_dim // 2, 2, *rest).swapaxes(1, 2).reshape(w.shape)


def gguf_tensors(c, t):
    """[(gguf name, array in GGUF row layout, hf name, to_hf)], to_hf maps a GGUF-layout array back."""
    arch = c["model_type"]
    ident = (lambda a: a)
    out = []
    if arch == "gpt2":
        p = "transformer." if "transformer.wte.weight" in t else ""
        tr = (lambda a: a.T.copy())
        out += [("token_embd.weight", t[p + "wte.weight"], p + "wte.weight", ident),
                ("position_embd.weight", t[p + "wpe.weight"], p + "wpe.weight", ident),
                ("output_norm.weight", t[p + "ln_f.weight"], p + "ln_f.weight", ident),
                ("output_norm.bias", t[p + "ln_f.bias"], p + "ln_f.bias", ident)]
        for i in range(c["n_layer"]):
            h, b = f"{p}h.{i}.", f"blk.{i}."
            for ours, theirs in [("attn_norm", "ln_1"), ("ffn_norm", "ln_2")]:
                out += [(b + ours + ".weight", t[h + theirs + ".weight"], h + theirs + ".weight", ident),
                        (b + ours + ".bias", t[h + theirs + ".bias"], h + theirs + ".bias", ident)]
            for ours, theirs in [("attn_qkv", "attn.c_attn"), ("attn_output", "attn.c_proj"),
                                 ("ffn_up", "mlp.c_fc"), ("ffn_down", "mlp.c_proj")]:
                out += [(b + ours + ".weight", t[h + theirs + ".weight"].T.copy(), h + theirs + ".weight", tr),
                        (b + ours + ".bias", t[h + theirs + ".bias"], h + theirs + ".bias", ident)]
        return out
    nh = c["num_attention_heads"]
    hd = c.get("head_dim") or c["hidden_size"] // nh
    if arch == "phi3":
        out.append(("token_embd.weight", t["model.embed_tokens.weight"], "model.embed_tokens.weight", ident))
        out.append(("output_norm.weight", t["model.norm.weight"], "model.norm.weight", ident))
        out.append(("output.weight", t["lm_head.weight"], "lm_head.weight", ident))
        for i in range(c["num_hidden_layers"]):
            h, b = f"model.layers.{i}.", f"blk.{i}."
            for ours, theirs in [("attn_norm", "input_layernorm"), ("ffn_norm", "post_attention_layernorm"),
                                 ("attn_qkv", "self_attn.qkv_proj"), ("attn_output", "self_attn.o_proj"),
                                 ("ffn_up", "mlp.gate_up_proj"), ("ffn_down", "mlp.down_proj")]:
                out.append((b + ours + ".weight", t[h + theirs + ".weight"], h + theirs + ".weight", ident))
        s = c["rope_scaling"]
        out.append(("rope_factors_short.weight", np.asarray(s["short_factor"], np.float32), None, ident))
        out.append(("rope_factors_long.weight", np.asarray(s["long_factor"], np.float32), None, ident))
        return out
    gemma = arch in ("gemma2", "gemma3_text")
    permute = arch == "llama"
    to_gguf = (lambda a: interleave(a, hd)) if permute else ident
    to_hf = (lambda a: uninterleave(a, hd)) if permute else ident
    out.append(("token_embd.weight", t["model.embed_tokens.weight"], "model.embed_tokens.weight", ident))
    out.append(("output_norm.weight", t["model.norm.weight"] + (1.0 if gemma else 0.0), "model.norm.weight", ident))
    if "lm_head.weight" in t:
        out.append(("output.weight", t["lm_head.weight"], "lm_head.weight", ident))
    names = [("attn_norm", "input_layernorm", False),
             ("post_attention_norm" if gemma else "ffn_norm", "post_attention_layernorm", False),
             ("ffn_norm", "pre_feedforward_layernorm", False), ("post_ffw_norm", "post_feedforward_layernorm", False),
             ("attn_q", "self_attn.q_proj", True), ("attn_k", "self_attn.k_proj", True),
             ("attn_v", "self_attn.v_proj", False), ("attn_output", "self_attn.o_proj", False),
             ("ffn_gate", "mlp.gate_proj", False), ("ffn_up", "mlp.up_proj", False),
             ("ffn_down", "mlp.down_proj", False), ("attn_q_norm", "self_attn.q_norm", False),
             ("attn_k_norm", "self_attn.k_norm", False)]
    for i in range(c["num_hidden_layers"]):
        h, b = f"model.layers.{i}.", f"blk.{i}."
        for ours, theirs, rope in names:
            for suffix in (".weight", ".bias"):
                if h + theirs + suffix in t:
                    a = t[h + theirs + suffix]
                    if gemma and theirs.endswith("norm"):
                        a = a + 1.0  # llama.cpp's Gemma converters store 1 + w
                    out.append((b + ours + suffix, to_gguf(a) if rope else a, h + theirs + suffix,
                                to_hf if rope else ident))
    return out


def llama3_divisors(c):
    s = c.get("rope_scaling")
    if not s or s.get("rope_type", s.get("type")) != "llama3":
        return None
    hd = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    factors = []
    for i in range(0, hd, 2):
        freq = c["rope_theta"] ** (-i / hd)
        wavelen = 2 * math.pi / freq
        old = s["original_max_position_embeddings"]
        if wavelen < old / s["high_freq_factor"]:
            factors.append(1.0)
        elif wavelen > old / s["low_freq_factor"]:
            factors.append(s["factor"])
        else:
            smooth = (old / wavelen - s["low_freq_factor"]) / (s["high_freq_factor"] - s["low_freq_factor"])
            factors.append(1 / ((1 - smooth) / s["factor"] + smooth))
    return np.asarray(factors, np.float32)


def metadata(c):
    arch = c["model_type"]
    if arch == "gpt2":
        return arch, [("gpt2.context_length", 4, c["n_positions"]), ("gpt2.embedding_length", 4, c["n_embd"]),
                      ("gpt2.feed_forward_length", 4, c.get("n_inner") or 4 * c["n_embd"]),
                      ("gpt2.block_count", 4, c["n_layer"]), ("gpt2.attention.head_count", 4, c["n_head"]),
                      ("gpt2.attention.layer_norm_epsilon", 6, c["layer_norm_epsilon"]),
                      ("gpt2.vocab_size", 4, c["vocab_size"])]
    if arch == "phi3":
        hd = c["hidden_size"] // c["num_attention_heads"]
        original, longest = c["original_max_position_embeddings"], c["max_position_embeddings"]
        attn_factor = math.sqrt(1 + math.log(longest / original) / math.log(original)) if longest > original else 1.0
        kv = [("context_length", 4, longest), ("embedding_length", 4, c["hidden_size"]),
              ("feed_forward_length", 4, c["intermediate_size"]), ("block_count", 4, c["num_hidden_layers"]),
              ("attention.head_count", 4, c["num_attention_heads"]),
              ("attention.head_count_kv", 4, c["num_key_value_heads"]), ("rope.freq_base", 6, c["rope_theta"]),
              ("attention.layer_norm_rms_epsilon", 6, c["rms_norm_eps"]), ("rope.dimension_count", 4, hd),
              ("vocab_size", 4, c["vocab_size"]), ("rope.scaling.original_context_length", 4, original),
              ("rope.scaling.attn_factor", 6, attn_factor), ("attention.sliding_window", 4, c["sliding_window"])]
        return arch, [(f"phi3.{k}", ty, v) for k, ty, v in kv]
    if arch in ("gemma2", "gemma3_text"):
        name = "gemma2" if arch == "gemma2" else "gemma3"
        hd = c["head_dim"]
        if c.get("query_pre_attn_scalar", hd) != hd or (name == "gemma3" and c.get("sliding_window_pattern") != 6):
            sys.exit("GGUF cannot express this Gemma config: use make_family_checkpoint.py --gguf-compatible")
        kv = [("context_length", 4, c["max_position_embeddings"]), ("embedding_length", 4, c["hidden_size"]),
              ("feed_forward_length", 4, c["intermediate_size"]), ("block_count", 4, c["num_hidden_layers"]),
              ("attention.head_count", 4, c["num_attention_heads"]),
              ("attention.head_count_kv", 4, c["num_key_value_heads"]), ("rope.freq_base", 6, c["rope_theta"]),
              ("attention.layer_norm_rms_epsilon", 6, c["rms_norm_eps"]), ("attention.key_length", 4, hd),
              ("attention.value_length", 4, hd), ("attention.sliding_window", 4, c["sliding_window"])]
        if name == "gemma2":
            kv += [("attn_logit_softcapping", 6, c["attn_logit_softcapping"]),
                   ("final_logit_softcapping", 6, c["final_logit_softcapping"])]
        scaling = c.get("rope_scaling")
        if scaling:
            kv += [("rope.scaling.type", 8, scaling.get("rope_type", scaling.get("type"))),
                   ("rope.scaling.factor", 6, scaling["factor"])]
        return name, [(f"{name}.{k}", ty, v) for k, ty, v in kv]
    if arch not in ("llama", "qwen2", "qwen3"):
        sys.exit(f"model_type {arch} has no GGUF writer here")
    hd = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    kv = [("context_length", 4, c["max_position_embeddings"]), ("embedding_length", 4, c["hidden_size"]),
          ("feed_forward_length", 4, c["intermediate_size"]), ("block_count", 4, c["num_hidden_layers"]),
          ("attention.head_count", 4, c["num_attention_heads"]),
          ("attention.head_count_kv", 4, c["num_key_value_heads"]), ("rope.freq_base", 6, c["rope_theta"]),
          ("attention.layer_norm_rms_epsilon", 6, c["rms_norm_eps"]), ("rope.dimension_count", 4, hd),
          ("attention.key_length", 4, hd), ("attention.value_length", 4, hd), ("vocab_size", 4, c["vocab_size"])]
    return arch, [(f"{arch}.{k}", ty, v) for k, ty, v in kv]


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def write_gguf(path, kvs, tensors):
    """kvs: [(key, type, value)]; tensors: [(name, shape outermost-first, ggml type, bytes)]."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, ty, value in kvs:
        head += gguf_string(key) + struct.pack("<I", ty)
        head += {4: lambda v: struct.pack("<I", v), 6: lambda v: struct.pack("<f", v),
                 8: gguf_string}[ty](value)
    offset, blobs = 0, []
    for name, shape, ty, raw in tensors:
        head += gguf_string(name) + struct.pack("<I", len(shape))
        head += b"".join(struct.pack("<Q", d) for d in reversed(shape))  # innermost first
        head += struct.pack("<IQ", ty, offset)
        blobs.append((offset, raw))
        offset += len(raw) + (-len(raw) % 32)
    head += b"\0" * (-len(head) % 32)
    with open(path, "wb") as f:
        f.write(head)
        for _, raw in blobs:
            f.write(raw + b"\0" * (-len(raw) % 32))


def quant_type(gguf_name, cols, quantize):
    if not quantize or not gguf_name.endswith(".weight") or not gguf_name.startswith("blk."):
        return F32
    layer = int(gguf_name.split(".")[1])
    if "ffn_down" in gguf_name and cols % 256 == 0:
        return Q4_K if layer % 2 == 0 else Q6_K
    if "ffn_gate" in gguf_name or ("ffn_up" in gguf_name and "attn" not in gguf_name):
        return Q4_0
    if any(k in gguf_name for k in ("attn_q.", "attn_k.", "attn_v.", "attn_output.", "attn_qkv.", "ffn_down", "ffn_up")):
        return Q8_0
    return F32


def use_more_bits(layer, layers):
    # llama.cpp's rule for the layers whose attn_v and ffn_down Q4_K_M keeps in Q6_K.
    return layer < layers // 8 or layer >= 7 * layers // 8 or (layer - layers // 8) % 3 == 2


def file_type(gguf_name, shape, kind, layers, tied):
    if len(shape) != 2:
        return F32
    if kind in ("f16", "q8_0", "q4_0", "q4_1"):
        return {"f16": F16, "q8_0": Q8_0, "q4_0": Q4_0, "q4_1": Q4_1}[kind]
    if shape[-1] % 256 != 0:
        # llama.cpp falls back to a 32-value type here (Q5_0 for Q4_K); sprig reads Q8_0 of those.
        return Q8_0
    if gguf_name == "output.weight" or (gguf_name == "token_embd.weight" and tied):
        return Q6_K
    if gguf_name.startswith("blk.") and ("attn_v." in gguf_name or "ffn_down." in gguf_name):
        return Q6_K if use_more_bits(int(gguf_name.split(".")[1]), layers) else Q4_K
    return Q4_K


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("hf")
    ap.add_argument("out")
    ap.add_argument("--quant", action="store_true")
    ap.add_argument("--type", choices=["f16", "q8_0", "q4_0", "q4_1", "q4_k_m"])
    ap.add_argument("--dequantized-hf", metavar="DIR")
    args = ap.parse_args()
    with open(os.path.join(args.hf, "config.json")) as f:
        c = json.load(f)
    t = read_safetensors(os.path.join(args.hf, "model.safetensors"))
    arch, kvs = metadata(c)
    kvs = [("general.architecture", 8, arch), ("general.alignment", 4, 32)] + kvs
    tensors, dequantized = [], dict(t)
    entries = gguf_tensors(c, t)
    tied = not any(name == "output.weight" for name, _, _, _ in entries)
    layers = c.get("num_hidden_layers", c.get("n_layer"))
    for name, a, hf_name, to_hf in entries:
        a = np.ascontiguousarray(a, np.float32)
        if args.type:
            ty = file_type(name, a.shape, args.type, layers, tied)
        else:
            ty = quant_type(name, a.shape[-1], args.quant)
        if ty == F32:
            tensors.append((name, a.shape, F32, a.astype("<f4").tobytes()))
            continue
        quantize, dequantize = QUANT[ty]
        raw = quantize(a)
        tensors.append((name, a.shape, ty, raw))
        if hf_name is None:
            sys.exit(f"{name} cannot be quantized")
        dequantized[hf_name] = to_hf(dequantize(raw, a.size).reshape(a.shape))
    divisors = llama3_divisors(c)
    if divisors is not None:
        tensors.append(("rope_freqs.weight", divisors.shape, F32, divisors.astype("<f4").tobytes()))
    write_gguf(args.out, kvs, tensors)
    if args.dequantized_hf:
        os.makedirs(args.dequantized_hf, exist_ok=True)
        shutil.copy(os.path.join(args.hf, "config.json"), args.dequantized_hf)
        write_safetensors(os.path.join(args.dequantized_hf, "model.safetensors"),
                          [(k, np.asarray(v, np.float32)) for k, v in dequantized.items()], "f32")


if __name__ == "__main__":
    main()
