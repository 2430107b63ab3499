#!/usr/bin/env python3
"""Write the seed corpora of the text-format fuzz targets from the shared data (at test time;
nothing is stored in the repository).

Usage: make_seeds.py SHARED OUTDIR

OUTDIR/<target>/ receives small valid inputs: tokenizer.json and vocab.json + merges.txt trimmed
to their first ids (so each run mutates kilobytes, not megabytes), a tiny Hugging Face folder
(config.json + model.safetensors joined by the file separator line) per family config the
converter reads, and conversation JSON. Plain Python: the machine may have no NumPy.
"""
import json
import os
import struct
import sys

SEPARATOR = b"\n@@sprig-fuzz-next-file@@\n"
KEEP = 400  # ids kept from each vocabulary


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def trimmed_vocab_and_merges(vocab, merges):
    kept = {piece: i for piece, i in vocab.items() if i < KEEP}
    out = []
    for merge in merges:
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        if left in kept and right in kept and left + right in kept:
            out.append(merge)
    return kept, out


def tokenizer_json_seeds(shared, out):
    for name in ("falcon-7b", "phi-3-mini-4k-instruct"):
        path = os.path.join(shared, "tokenizers", name, "tokenizer.json")
        if not os.path.exists(path):
            continue
        root = json.load(open(path, encoding="utf-8"))
        vocab, merges = trimmed_vocab_and_merges(root["model"]["vocab"], root["model"]["merges"])
        root["model"]["vocab"], root["model"]["merges"] = vocab, merges
        root["added_tokens"] = [t for t in root.get("added_tokens", []) if t["id"] < KEEP]
        text = json.dumps(root, ensure_ascii=False).encode("utf-8")
        write(out, name, text)
        config = os.path.join(shared, "tokenizers", name, "tokenizer_config.json")
        if os.path.exists(config):
            write(out, name + "-with-config", text + SEPARATOR + open(config, "rb").read())


def vocab_merges_seeds(shared, out):
    for name in ("gpt2", "qwen2.5"):
        folder = os.path.join(shared, "tokenizers", name)
        if not os.path.exists(os.path.join(folder, "vocab.json")):
            continue
        vocab = json.load(open(os.path.join(folder, "vocab.json"), encoding="utf-8"))
        lines = [l for l in open(os.path.join(folder, "merges.txt"), encoding="utf-8").read().split("\n")
                 if l and not l.startswith("#version")]
        vocab, merges = trimmed_vocab_and_merges(vocab, lines)
        text = json.dumps(vocab, ensure_ascii=False).encode("utf-8")
        write(out, name, text + SEPARATOR + ("#version: 0.2\n" + "\n".join(merges) + "\n").encode("utf-8"))


def safetensors(tensors):
    header, data = {}, b""
    for name, shape in tensors:
        count = 1
        for d in shape:
            count *= d
        values = struct.pack("<%df" % count, *[((i * 7919) % 97 - 48) / 97.0 for i in range(count)])
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(values)]}
        data += values
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def hf_seeds(out):
    dim, heads, kv, ffn, vocab = 8, 2, 1, 16, 32
    head = dim // heads
    base = {"hidden_size": dim, "num_hidden_layers": 1, "num_attention_heads": heads, "num_key_value_heads": kv,
            "intermediate_size": ffn, "vocab_size": vocab, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "tie_word_embeddings": True, "hidden_act": "silu"}
    layer = [("model.layers.0.input_layernorm.weight", [dim]),
             ("model.layers.0.post_attention_layernorm.weight", [dim]),
             ("model.layers.0.self_attn.q_proj.weight", [heads * head, dim]),
             ("model.layers.0.self_attn.k_proj.weight", [kv * head, dim]),
             ("model.layers.0.self_attn.v_proj.weight", [kv * head, dim]),
             ("model.layers.0.self_attn.o_proj.weight", [dim, heads * head]),
             ("model.layers.0.mlp.gate_proj.weight", [ffn, dim]),
             ("model.layers.0.mlp.up_proj.weight", [ffn, dim]),
             ("model.layers.0.mlp.down_proj.weight", [dim, ffn])]
    common = [("model.embed_tokens.weight", [vocab, dim]), ("model.norm.weight", [dim])]
    configs = {
        "llama": dict(base, model_type="llama", architectures=["LlamaForCausalLM"]),
        "llama3-scaling": dict(base, model_type="llama", architectures=["LlamaForCausalLM"],
                               rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                             "high_freq_factor": 4.0, "original_max_position_embeddings": 32}),
        "qwen2": dict(base, model_type="qwen2", architectures=["Qwen2ForCausalLM"]),
    }
    for name, config in configs.items():
        tensors = common + layer
        if name == "qwen2":
            tensors += [("model.layers.0.self_attn.%s_proj.bias" % p, [n * head]) for p, n in
                        (("q", heads), ("k", kv), ("v", kv))]
        write(out, name, json.dumps(config, indent=1).encode() + SEPARATOR + safetensors(tensors))


def chat_seeds(out):
    write(out, "two-turns", json.dumps([{"role": "system", "content": "You are brief."},
                                        {"role": "user", "content": "Hi \u00e9 \u4e16\u754c \U0001f600"},
                                        {"role": "assistant", "content": "Hello!\n\"quoted\" \\ \t"}]).encode())
    write(out, "escapes", b'[{"role": "user", "content": "\\u00e9\\ud83d\\ude00\\n\\u0000"}]')
    write(out, "empty", b"[]")


def main():
    shared, out = sys.argv[1], sys.argv[2]
    tokenizer_json_seeds(shared, os.path.join(out, "tokenizer_json"))
    vocab_merges_seeds(shared, os.path.join(out, "vocab_merges"))
    hf_seeds(os.path.join(out, "hf_folder"))
    chat_seeds(os.path.join(out, "chat_json"))


if __name__ == "__main__":
    main()
