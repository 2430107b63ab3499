#!/usr/bin/env python3
"""An independent NumPy reference of the sampler chain (llama.cpp's order): repetition, presence and
frequency penalties over the last tokens, top-k, top-p, min-p, temperature, then the draw.

Reads a JSON list of cases from argv[1] and writes one result per case to argv[2]. A case has
"logits", a "stage" (penalties, top_k, top_p, min_p, temperature or chain) and that stage's
settings; the result gives the candidates left in the order the draw walks them ("ids"), their
probabilities normalised over them, and (penalties) the penalised logits. Everything is float64;
sprig computes in float32, so results agree to rounding. A case whose outcome would hang on a
rounding (a cumulative probability or ratio within 1e-4 of its threshold) is refused: the fixed
logits must be changed, not the tolerance.
"""
import json
import sys

import numpy as np


def softmax(logits):
    e = np.exp(logits - logits.max())
    return e / e.sum()


def penalties(logits, recent, repeat, presence, frequency, last_n):
    out = logits.copy()
    window = recent[-last_n:] if last_n > 0 else []
    ids, counts = np.unique(np.array(window, dtype=np.int64), return_counts=True)
    for i, c in zip(ids, counts):
        out[i] = out[i] / repeat if out[i] > 0 else out[i] * repeat
        out[i] -= c * frequency + presence
    return out


class Set:
    """Candidate ids in draw order with their logits."""

    def __init__(self, logits):
        self.ids = list(range(len(logits)))
        self.logits = np.array(logits, dtype=np.float64)

    def keep(self, order):
        self.ids = [self.ids[i] for i in order]
        self.logits = self.logits[order]

    def by_likelihood(self):
        return sorted(range(len(self.ids)), key=lambda i: (-self.logits[i], self.ids[i]))


def top_k(s, k):
    if 0 < k < len(s.ids):
        s.keep(s.by_likelihood()[:k])


def top_p(s, p):
    if p >= 1.0 or len(s.ids) <= 1:
        return
    order = s.by_likelihood()
    probs = softmax(s.logits)[order]
    cumulative = np.cumsum(probs)
    above = np.nonzero(cumulative > p)[0]
    last = int(above[0]) if len(above) else len(order) - 1
    near = cumulative[max(last - 1, 0) : last + 1]  # the sums either side of the cut
    if np.min(np.abs(near - p)) < 1e-4:
        raise SystemExit(f"top-p {p}: a cumulative probability is within 1e-4 of p; choose other logits")
    s.keep(order[: last + 1])


def min_p(s, m):
    if m <= 0.0 or len(s.ids) <= 1:
        return
    probs = softmax(s.logits)
    ratio = probs / probs.max()
    if np.min(np.abs(ratio - m)) < 1e-4:
        raise SystemExit(f"min-p {m}: a probability ratio is within 1e-4 of min-p; choose other logits")
    s.keep([i for i in range(len(s.ids)) if ratio[i] >= m])


def temperature(s, t):
    s.logits = s.logits / t


def draw(s, coin):
    cdf = np.cumsum(softmax(s.logits))
    if np.min(np.abs(cdf - coin)) < 1e-4:
        raise SystemExit(f"coin {coin} is within 1e-4 of a cumulative probability; choose another coin")
    return s.ids[int(np.searchsorted(cdf, coin, side="right"))]


def run(case):
    logits = np.array(case["logits"], dtype=np.float64)
    stage = case["stage"]
    if stage == "penalties":
        out = penalties(logits, case["recent"], case["repeat"], case["presence"], case["frequency"], case["last_n"])
        return {"logits": out.tolist()}
    if stage == "chain":
        o = case["options"]
        logits = penalties(logits, case["recent"], o["repeat"], o["presence"], o["frequency"], o["last_n"])
    s = Set(logits)
    if stage == "top_k":
        top_k(s, case["k"])
    elif stage == "top_p":
        top_p(s, case["p"])
    elif stage == "min_p":
        min_p(s, case["min_p"])
    elif stage == "temperature":
        temperature(s, case["t"])
    elif stage == "chain":
        top_k(s, o["top_k"])
        top_p(s, o["top_p"])
        min_p(s, o["min_p"])
        temperature(s, o["temperature"])
    else:
        raise SystemExit(f"unknown stage {stage}")
    result = {"ids": s.ids, "probabilities": softmax(s.logits).tolist()}
    if "coins" in case:
        result["draws"] = [draw(s, c) for c in case["coins"]]
    return result


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    with open(sys.argv[2], "w") as f:
        json.dump([run(c) for c in cases], f)


if __name__ == "__main__":
    main()
