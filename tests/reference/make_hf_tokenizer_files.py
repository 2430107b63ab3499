#!/usr/bin/env python3
"""Write the tokenizer files of a Hugging Face folder, in one of the layouts people download.

Usage:
  make_hf_tokenizer_files.py LAYOUT TOK512 OUTDIR [--added TOKEN ...] [--generation JSON]
                             [--config-template TEXT] [--template-file TEXT]
  LAYOUT: sentencepiece   tokenizer.model (a SentencePiece BPE ModelProto) + tokenizer_config.json
                          + special_tokens_map.json (Llama 2, Mistral, TinyLlama)
          tokenizer.json  tokenizer.json in the form transformers writes for those same
                          SentencePiece vocabularies (byte fallback, merges) + tokenizer_config.json
          vocab-merges    vocab.json + merges.txt (GPT-2's byte-level files, 512 entries learned
                          here from TOK512's pieces) + special_tokens_map.json, no tokenizer_config.json

TOK512 is stories260K's llama2.c tokenizer (scores and pieces of a 512-piece SentencePiece BPE
model). The protobuf is written by hand from sentencepiece_model.proto's field numbers, so the
converter reading it through libsentencepiece is checked against an independent writer. The
tokenizer.json merges are the pairs of pieces whose concatenation is a piece, ranked by that
piece's score, which is how transformers turns a SentencePiece BPE model into merges.
--added appends control tokens (ids 512, 513, ...) through tokenizer_config.json's
added_tokens_decoder; --generation writes generation_config.json; --config-template puts a
chat_template into tokenizer_config.json and --template-file writes chat_template.jinja.
"""
import argparse
import json
import os
import struct

SPACE = "\u2581"


def read_tok512(path):
    pieces = []
    with open(path, "rb") as f:
        data = f.read()
    at = 4
    while at < len(data):
        score, length = struct.unpack_from("<fi", data, at)
        at += 8
        text = data[at:at + length].decode("utf-8")
        at += length
        pieces.append((text.replace(" ", SPACE), score))
    # llama2.c wraps BOS and EOS in newlines; the SentencePiece model calls them <s> and </s>.
    pieces[1] = ("<s>", 0.0)
    pieces[2] = ("</s>", 0.0)
    return pieces


def piece_type(index, piece):
    if index == 0:
        return 2  # UNKNOWN
    if index in (1, 2):
        return 3  # CONTROL
    if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
        return 6  # BYTE
    return 1  # NORMAL


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_float(number, value):
    return varint(number << 3 | 5) + struct.pack("<f", value)


def write_sentencepiece(pieces, path):
    proto = bytearray()
    for i, (piece, score) in enumerate(pieces):
        entry = field_bytes(1, piece.encode("utf-8")) + field_float(2, score) + field_varint(3, piece_type(i, piece))
        proto += field_bytes(1, entry)
    trainer = (field_varint(3, 2) + field_varint(4, len(pieces)) + field_varint(35, 1) + field_varint(40, 0) +
               field_varint(41, 1) + field_varint(42, 2) + field_varint(43, (1 << 64) - 1))
    proto += field_bytes(2, trainer)
    normalizer = field_bytes(1, b"identity") + field_varint(3, 1) + field_varint(4, 0) + field_varint(5, 1)
    proto += field_bytes(3, normalizer)
    with open(path, "wb") as f:
        f.write(bytes(proto))


def write_tokenizer_json(pieces, path):
    ids = {piece: i for i, (piece, _) in enumerate(pieces)}
    merges = []
    for left, _ in pieces:
        for right, _ in pieces:
            merged = ids.get(left + right)
            if merged is not None and piece_type(ids[left], left) == 1 and piece_type(ids[right], right) == 1:
                merges.append((-pieces[merged][1], merged, left, right))
    merges.sort()
    added = [{"id": i, "content": pieces[i][0], "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i in range(3)]
    doc = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": SPACE},
            {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": None,
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
                  "vocab": ids, "merges": [f"{left} {right}" for _, _, left, right in merges]},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)


def bytes_to_unicode():
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


def write_vocab_merges(pieces, outdir):
    """A byte-level BPE of 512 entries: the 256 bytes, 255 merges that spell TOK512's longest
    ordinary pieces (a space before a word, as GPT-2 spells it), and <|endoftext|>."""
    spell = bytes_to_unicode()
    vocab = {spell[b]: i for i, b in enumerate(range(256))}
    merges = []
    words = sorted((p.replace(SPACE, " ") for i, (p, _) in enumerate(pieces) if piece_type(i, p) == 1),
                   key=lambda w: (-len(w.encode()), w))
    for word in words:
        symbols = [spell[b] for b in word.encode("utf-8")]
        while len(symbols) > 1 and len(vocab) < 511:
            merged = symbols[0] + symbols[1]
            if merged not in vocab:
                vocab[merged] = len(vocab)
                merges.append((symbols[0], symbols[1]))
            symbols = [merged] + symbols[2:]
        if len(vocab) >= 511:
            break
    vocab["<|endoftext|>"] = len(vocab)
    with open(os.path.join(outdir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(outdir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for left, right in merges:
            f.write(f"{left} {right}\n")
    return len(vocab)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("layout", choices=["sentencepiece", "tokenizer.json", "vocab-merges"])
    ap.add_argument("tok512")
    ap.add_argument("outdir")
    ap.add_argument("--added", nargs="*", default=[])
    ap.add_argument("--generation")
    ap.add_argument("--config-template")
    ap.add_argument("--template-file")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    pieces = read_tok512(args.tok512)
    config = {"add_bos_token": True, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
              "added_tokens_decoder": {}}
    for i, token in enumerate(args.added):
        config["added_tokens_decoder"][str(len(pieces) + i)] = {"content": token, "special": True}
    if args.config_template is not None:
        config["chat_template"] = args.config_template
    special_map = {"bos_token": {"content": "<s>"}, "eos_token": "</s>", "unk_token": "<unk>"}
    if args.layout == "sentencepiece":
        write_sentencepiece(pieces, os.path.join(args.outdir, "tokenizer.model"))
    elif args.layout == "tokenizer.json":
        write_tokenizer_json(pieces, os.path.join(args.outdir, "tokenizer.json"))
    else:
        write_vocab_merges(pieces, args.outdir)
        config = None
        special_map = {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}
    if config is not None:
        with open(os.path.join(args.outdir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False, indent=1)
    with open(os.path.join(args.outdir, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump(special_map, f, indent=1)
    if args.generation is not None:
        with open(os.path.join(args.outdir, "generation_config.json"), "w", encoding="utf-8") as f:
            f.write(args.generation)
    if args.template_file is not None:
        with open(os.path.join(args.outdir, "chat_template.jinja"), "w", encoding="utf-8") as f:
            f.write(args.template_file)


if __name__ == "__main__":
    main()
