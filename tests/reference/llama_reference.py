#!/usr/bin/env python3
"""Independent NumPy reference forward pass of a Llama model.

Written from the published math of llama2.c (run.c) and Hugging Face
LlamaForCausalLM, not from the C++ runtime, so that it can serve as an oracle.
The forward pass runs in float64 so that its own rounding error is far below
that of any float32/float16 implementation under test.

Usage:
  llama_reference.py (--llama2c FILE.bin | --hf DIR) --tokens 1,403,407 \
      --out logits.f32 [--round-f16] [--all-positions]

Output: raw little-endian float32 logits of the last position (vocab floats),
or of every position (n_tokens x vocab, row-major) with --all-positions.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

LLAMA2C_V1_MAGIC = 0x616B3432  # "ak42", llama2.c export.py version1_export


# --------------------------------------------------------------------------
# Loaders. Both return (cfg, weights); weights keep the file's dtype values
# as float32 arrays in [out, in] layout so make_hf_checkpoint.py can reuse them.
# --------------------------------------------------------------------------

def load_llama2c(path):
    """Read a llama2.c checkpoint (legacy or version 1, both fp32)."""
    with open(path, "rb") as f:
        buf = f.read()
    if struct.unpack_from("<I", buf, 0)[0] == LLAMA2C_V1_MAGIC:
        version = struct.unpack_from("<i", buf, 4)[0]
        if version != 1:
            sys.exit(f"{path}: llama2.c version {version} not supported (fp32 v1 only)")
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", buf, 8)
        shared = buf[36] != 0
        offset, legacy = 256, False
    else:
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", buf, 0)
        # Legacy format signals a separate classifier by a negative vocab size.
        shared, vocab = vocab > 0, abs(vocab)
        offset, legacy = 28, True
    head = dim // n_heads
    kv_dim = dim * n_kv // n_heads
    data = np.frombuffer(buf, dtype="<f4", offset=offset)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        if pos + n > data.size:
            sys.exit(f"{path}: file too short for the header's dimensions")
        a = data[pos:pos + n].reshape(shape)
        pos += n
        return a

    L = n_layers
    if legacy:
        embed = take(vocab, dim)
        attn_norm = take(L, dim)
        wq, wk, wv, wo = take(L, dim, dim), take(L, kv_dim, dim), take(L, kv_dim, dim), take(L, dim, dim)
        ffn_norm = take(L, dim)
        w1, w2, w3 = take(L, hidden, dim), take(L, dim, hidden), take(L, hidden, dim)
        norm = take(dim)
        take(seq_len, head // 2)  # freq_cis_real: unused, RoPE is recomputed
        take(seq_len, head // 2)  # freq_cis_imag
    else:
        attn_norm, ffn_norm, norm = take(L, dim), take(L, dim), take(dim)
        embed = take(vocab, dim)
        wq, wk, wv, wo = take(L, dim, dim), take(L, kv_dim, dim), take(L, kv_dim, dim), take(L, dim, dim)
        w1, w2, w3 = take(L, hidden, dim), take(L, dim, hidden), take(L, hidden, dim)
    lm_head = embed if shared else take(vocab, dim)
    if pos != data.size:  # catches a wrong layout guess instead of silently misreading
        sys.exit(f"{path}: {4 * (data.size - pos)} unexpected trailing bytes")

    cfg = dict(dim=dim, hidden=hidden, n_layers=L, n_heads=n_heads, n_kv_heads=n_kv,
               head_dim=head, vocab=vocab, seq_len=seq_len, eps=1e-5, theta=10000.0,
               rope="interleaved", shared=shared)
    layers = [dict(attn_norm=attn_norm[i], wq=wq[i], wk=wk[i], wv=wv[i], wo=wo[i],
                   ffn_norm=ffn_norm[i], gate=w1[i], down=w2[i], up=w3[i]) for i in range(L)]
    return cfg, dict(embed=embed, layers=layers, norm=norm, lm_head=lm_head)


def read_safetensors(path):
    """Minimal safetensors reader: {name: float32 array}; F32, F16, BF16 only."""
    with open(path, "rb") as f:
        buf = f.read()
    (hlen,) = struct.unpack_from("<Q", buf, 0)
    header = json.loads(buf[8:8 + hlen])
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw, shape, dt = buf[base + start:base + end], info["shape"], info["dtype"]
        if dt == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif dt == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dt == "BF16":  # bf16 is the top half of an f32 bit pattern
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            sys.exit(f"{path}: tensor {name} has unsupported dtype {dt}")
        if a.size != int(np.prod(shape)):
            sys.exit(f"{path}: tensor {name} size does not match its shape")
        out[name] = a.reshape(shape)
    return out


def load_hf(folder):
    """Read a Hugging Face Llama folder (single file or sharded safetensors)."""
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    if c.get("rope_scaling"):
        sys.exit("rope_scaling is not implemented by this reference")
    single = os.path.join(folder, "model.safetensors")
    if os.path.exists(single):
        t = read_safetensors(single)
    else:
        with open(os.path.join(folder, "model.safetensors.index.json")) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        t = {}
        for s in shards:
            t.update(read_safetensors(os.path.join(folder, s)))
    n_heads = c["num_attention_heads"]
    head = c.get("head_dim") or c["hidden_size"] // n_heads
    cfg = dict(dim=c["hidden_size"], hidden=c["intermediate_size"],
               n_layers=c["num_hidden_layers"], n_heads=n_heads,
               n_kv_heads=c.get("num_key_value_heads") or n_heads, head_dim=head,
               vocab=c["vocab_size"], eps=c.get("rms_norm_eps", 1e-6),
               theta=c.get("rope_theta", 10000.0), rope="half")
    embed = t["model.embed_tokens.weight"]
    # A missing lm_head means tied, whatever the config says.
    tied = c.get("tie_word_embeddings", False) or "lm_head.weight" not in t
    layers = []
    for i in range(cfg["n_layers"]):
        p = f"model.layers.{i}."
        layers.append(dict(
            attn_norm=t[p + "input_layernorm.weight"], ffn_norm=t[p + "post_attention_layernorm.weight"],
            wq=t[p + "self_attn.q_proj.weight"], wk=t[p + "self_attn.k_proj.weight"],
            wv=t[p + "self_attn.v_proj.weight"], wo=t[p + "self_attn.o_proj.weight"],
            gate=t[p + "mlp.gate_proj.weight"], up=t[p + "mlp.up_proj.weight"],
            down=t[p + "mlp.down_proj.weight"]))
    return cfg, dict(embed=embed, layers=layers, norm=t["model.norm.weight"],
                     lm_head=embed if tied else t["lm_head.weight"])


# --------------------------------------------------------------------------
# Forward pass (float64).
# --------------------------------------------------------------------------

def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def apply_rope(x, cos, sin, style):
    """x: (T, heads, head_dim); cos/sin: (T, 1, head_dim/2)."""
    if style == "interleaved":  # llama2.c: pairs (x[2i], x[2i+1])
        a, b = x[..., 0::2], x[..., 1::2]
    else:  # HF rotate_half: pairs (x[i], x[i + head_dim/2])
        half = x.shape[-1] // 2
        a, b = x[..., :half], x[..., half:]
    ra, rb = a * cos - b * sin, a * sin + b * cos
    out = np.empty_like(x)
    if style == "interleaved":
        out[..., 0::2], out[..., 1::2] = ra, rb
    else:
        out[..., :half], out[..., half:] = ra, rb
    return out


def forward(cfg, w, tokens, round_f16=False):
    """Logits (T, vocab) in float64 for all positions of `tokens`."""
    def f64(a):
        # Rounding matrices through f16 emulates a model stored as F16 (norm vectors stay f32).
        return (a.astype(np.float16) if round_f16 and a.ndim >= 2 else a).astype(np.float64)

    T, hd = len(tokens), cfg["head_dim"]
    nh, nkv, eps = cfg["n_heads"], cfg["n_kv_heads"], cfg["eps"]
    x = f64(w["embed"])[np.asarray(tokens)]
    freq = cfg["theta"] ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)
    ang = np.arange(T, dtype=np.float64)[:, None, None] * freq[None, None, :]
    cos, sin = np.cos(ang), np.sin(ang)
    causal = np.triu(np.full((T, T), -np.inf), k=1)
    for lw in w["layers"]:
        h = rmsnorm(x, f64(lw["attn_norm"]), eps)
        q = (h @ f64(lw["wq"]).T).reshape(T, nh, hd)
        k = (h @ f64(lw["wk"]).T).reshape(T, nkv, hd)
        v = (h @ f64(lw["wv"]).T).reshape(T, nkv, hd)
        q, k = apply_rope(q, cos, sin, cfg["rope"]), apply_rope(k, cos, sin, cfg["rope"])
        # GQA: query head j reads kv head j // (nh/nkv), as in run.c and HF repeat_kv.
        k, v = np.repeat(k, nh // nkv, axis=1), np.repeat(v, nh // nkv, axis=1)
        s = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + causal
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        p = s / s.sum(axis=-1, keepdims=True)
        att = np.einsum("hts,shd->thd", p, v).reshape(T, nh * hd)
        x = x + att @ f64(lw["wo"]).T
        h = rmsnorm(x, f64(lw["ffn_norm"]), eps)
        g = h @ f64(lw["gate"]).T
        x = x + (g / (1.0 + np.exp(-g)) * (h @ f64(lw["up"]).T)) @ f64(lw["down"]).T
    x = rmsnorm(x, f64(w["norm"]), eps)
    return x @ f64(w["lm_head"]).T


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--llama2c", metavar="FILE", help="llama2.c checkpoint (legacy or v1)")
    src.add_argument("--hf", metavar="DIR", help="Hugging Face Llama folder")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--out", required=True, help="output file (raw little-endian float32)")
    ap.add_argument("--round-f16", action="store_true", help="round weight matrices to float16 first")
    ap.add_argument("--all-positions", action="store_true", help="write logits of every position")
    args = ap.parse_args()

    cfg, w = load_llama2c(args.llama2c) if args.llama2c else load_hf(args.hf)
    tokens = [int(t) for t in args.tokens.split(",") if t.strip()]
    if not tokens or min(tokens) < 0 or max(tokens) >= cfg["vocab"]:
        sys.exit(f"tokens must be non-empty and in [0, {cfg['vocab']})")
    logits = forward(cfg, w, tokens, args.round_f16)
    out = logits if args.all_positions else logits[-1]
    out.astype("<f4").tofile(args.out)


if __name__ == "__main__":
    main()
