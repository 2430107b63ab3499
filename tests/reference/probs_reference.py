#!/usr/bin/env python3
"""Checks `sprig probs --json` against an independent NumPy computation.

For every step of sprig's output, runs llama_reference.py's float64 forward pass over the step's
context ids, takes the softmax in float64 and compares the top-k tokens and probabilities.

  probs_reference.py --llama2c stories260K.bin --probs probs.json [--tolerance 1e-4]

Exit status 0 when every probability agrees within the tolerance and the ids are the same.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama2c", required=True)
    ap.add_argument("--probs", required=True, help="sprig probs --json output")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()

    cfg, weights = llama_reference.load_llama2c(args.llama2c)
    with open(args.probs, encoding="utf-8") as f:
        report = json.load(f)
    worst = 0.0
    failures = 0
    for step, entry in enumerate(report["steps"]):
        logits = llama_reference.forward(cfg, weights, entry["context_ids"])[-1].astype(np.float64)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        k = len(entry["top"])
        order = sorted(range(len(p)), key=lambda i: (-p[i], i))[:k]
        for rank, (expected_id, got) in enumerate(zip(order, entry["top"])):
            diff = abs(got["probability"] - p[expected_id])
            worst = max(worst, diff)
            ok = got["id"] == expected_id and diff <= args.tolerance
            if not ok:
                failures += 1
                print(f"step {step} rank {rank}: sprig id {got['id']} p={got['probability']:.6f}, "
                      f"numpy id {expected_id} p={p[expected_id]:.6f}")
        print(f"step {step}: top-{k} " + ", ".join(f"{i}:{p[i]:.5f}" for i in order))
    print(f"max |p_sprig - p_numpy| = {worst:.3g} over {len(report['steps'])} steps (tolerance {args.tolerance})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
