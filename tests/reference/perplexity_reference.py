#!/usr/bin/env python3
"""Perplexity, and KL divergence of a model against itself, computed with the NumPy reference.

Checks `sprig perplexity --json` independently: same windows (BOS first, second half scored,
as llama.cpp's perplexity tool does), but the forward pass and the statistics are NumPy's.

Usage: perplexity_reference.py CHECKPOINT.bin IDS_FILE CONTEXT SPRIG_JSON
  IDS_FILE holds the text's token ids (space-separated, no BOS); SPRIG_JSON is sprig's output.
Exits non-zero when sprig's perplexity differs by more than 1e-4 relative.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import forward, load_llama2c  # noqa: E402

BOS = 1


def main():
    checkpoint, ids_file, context, sprig_json = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    ids = [int(t) for t in open(ids_file).read().split()]
    cfg, weights = load_llama2c(checkpoint)
    nll, scored = 0.0, 0
    for start in range(0, len(ids) // context * context, context):
        window = ids[start:start + context]
        inputs = [BOS] + window[1:-1]
        logits = forward(cfg, weights, inputs)
        log_probs = logits - logits.max(axis=-1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
        for i in range(context // 2, context - 1):
            nll -= log_probs[i, window[i + 1]]
            scored += 1
    expected = float(np.exp(nll / scored))
    got = json.load(open(sprig_json))
    print(f"perplexity: reference {expected:.6f}, sprig {got['perplexity']:.6f} over {scored} tokens "
          f"(sprig {got['tokens']})")
    ok = abs(got["perplexity"] - expected) <= 1e-4 * expected and got["tokens"] == scored
    # Against itself a model has zero divergence and full agreement.
    ok = ok and got["kl_mean"] < 1e-9 and got["top1_agreement"] == 1.0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
