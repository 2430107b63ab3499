#!/usr/bin/env python3
"""Write a Hugging Face Llama folder (config.json + safetensors) from a llama2.c
checkpoint, the way HF's own conversion from Meta/llama2.c layout does it.

Usage:
  make_hf_checkpoint.py FILE.bin OUTDIR [--dtype f32|f16|bf16] [--shards N]

Gives the HF loader of the runtime test inputs whose expected output is known
from the llama2.c file, including the q/k RoPE permutation and sharded files.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

# Reuse the checkpoint parser of the sibling reference script (one parser,
# validated there by greedy decoding against llama2.c's expected output).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import load_llama2c  # noqa: E402

DTYPES = {"f32": ("F32", "float32"), "f16": ("F16", "float16"), "bf16": ("BF16", "bfloat16")}


def permute_rope(w, n_heads):
    """Reorder q/k rows from interleaved-pair RoPE to rotate_half RoPE.

    Per head, row 2i moves to i and row 2i+1 to i + head_dim/2, so that HF's
    rotate_half pairs (i, i + head_dim/2) are exactly llama2.c's pairs.
    """
    rows, cols = w.shape
    hd = rows // n_heads
    return w.reshape(n_heads, hd // 2, 2, cols).transpose(0, 2, 1, 3).reshape(rows, cols)


def f32_to_bf16_bits(a):
    """float32 -> bf16 bit patterns (uint16), round to nearest even."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    # Rounding must not turn a NaN into an infinity: keep it a quiet NaN.
    nan = np.isnan(a)
    rounded[nan] = (u[nan] >> 16) | 0x40
    return rounded.astype("<u2")


def encode(a, dtype):
    """Raw little-endian bytes of `a` in the requested dtype."""
    if dtype == "f32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes()
    if dtype == "f16":
        return np.ascontiguousarray(a, dtype="<f2").tobytes()
    return f32_to_bf16_bits(a).tobytes()


def hf_tensors(cfg, w):
    """Ordered list of (HF name, float32 array)."""
    out = [("model.embed_tokens.weight", w["embed"])]
    for i, lw in enumerate(w["layers"]):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", lw["attn_norm"]),
            (p + "self_attn.q_proj.weight", permute_rope(lw["wq"], cfg["n_heads"])),
            (p + "self_attn.k_proj.weight", permute_rope(lw["wk"], cfg["n_kv_heads"])),
            (p + "self_attn.v_proj.weight", lw["wv"]),
            (p + "self_attn.o_proj.weight", lw["wo"]),
            (p + "post_attention_layernorm.weight", lw["ffn_norm"]),
            (p + "mlp.gate_proj.weight", lw["gate"]),
            (p + "mlp.up_proj.weight", lw["up"]),
            (p + "mlp.down_proj.weight", lw["down"]),
        ]
    out.append(("model.norm.weight", w["norm"]))
    if not cfg["shared"]:  # tied models carry no lm_head, as HF saves them
        out.append(("lm_head.weight", w["lm_head"]))
    return out


def write_safetensors(path, tensors, dtype):
    """tensors: list of (name, array). Returns the number of data bytes."""
    header = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for name, a in tensors:
        b = encode(a, dtype)
        header[name] = {"dtype": DTYPES[dtype][0], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    # Spaces after the JSON are allowed; they make the data start 8-aligned.
    h += b" " * (-(8 + len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return offset


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint", help="llama2.c checkpoint (.bin)")
    ap.add_argument("outdir", help="output folder (created if missing)")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32")
    ap.add_argument("--shards", type=int, default=1, help="number of safetensors files")
    args = ap.parse_args()

    cfg, w = load_llama2c(args.checkpoint)
    tensors = hf_tensors(cfg, w)
    if not 1 <= args.shards <= len(tensors):
        sys.exit(f"--shards must be between 1 and {len(tensors)}")
    os.makedirs(args.outdir, exist_ok=True)

    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": cfg["dim"],
        "intermediate_size": cfg["hidden"],
        "num_hidden_layers": cfg["n_layers"],
        "num_attention_heads": cfg["n_heads"],
        "num_key_value_heads": cfg["n_kv_heads"],
        "head_dim": cfg["head_dim"],
        "vocab_size": cfg["vocab"],
        "max_position_embeddings": cfg["seq_len"],
        "rms_norm_eps": cfg["eps"],
        "rope_theta": cfg["theta"],
        "hidden_act": "silu",
        "tie_word_embeddings": cfg["shared"],
        "bos_token_id": 1,  # llama2.c tokenizers: 1 = BOS, 2 = EOS
        "eos_token_id": 2,
        "torch_dtype": DTYPES[args.dtype][1],
    }
    with open(os.path.join(args.outdir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")

    if args.shards == 1:
        write_safetensors(os.path.join(args.outdir, "model.safetensors"), tensors, args.dtype)
        return
    # Contiguous groups of about equal tensor count; every shard is non-empty.
    bounds = np.linspace(0, len(tensors), args.shards + 1).round().astype(int)
    weight_map, total = {}, 0
    for k in range(args.shards):
        group = tensors[bounds[k]:bounds[k + 1]]
        fname = f"model-{k + 1:05d}-of-{args.shards:05d}.safetensors"
        total += write_safetensors(os.path.join(args.outdir, fname), group, args.dtype)
        weight_map.update({name: fname for name, _ in group})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(args.outdir, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
