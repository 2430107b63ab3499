#!/usr/bin/env bash
# A padded vocabulary end to end on the command line: a Qwen2-layout checkpoint with 576 embedding
# rows and stories260K's 512-token tokenizer converts, and `sprig probs` and `sprig run` never show
# an id the tokenizer cannot print, although the model's own best next token after the prompt is a
# padded row (the checkpoint plants that; the NumPy reference confirms it below).
set -u
sprig=$1 convert=$2 shared=$3 work=$4 python=$5
if [ ! -d "$shared/models" ] || [ -z "$python" ]; then
  echo "NOTICE: skipped padded vocabulary test: needs ../shared and Python with NumPy"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
reference=$(dirname "$0")/../reference
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }

"$python" "$reference/make_family_checkpoint.py" qwen2 "$work/hf" --padded-vocab 576 || exit 1
"$convert" "$work/hf" --tokenizer "$shared/models/stories260K/tok512.bin" -o "$work/model.sprig" 2> "$work/convert.log"
check "convert keeps the padded rows and says so" \
  "grep -q 'padded vocabulary: the tokenizer has 512 tokens, the embedding 576 rows' '$work/convert.log'"

# " do" is token 400, which the checkpoint leads into a padded row.
"$sprig" probs -m "$work/model.sprig" -p "Once upon a time do" -k 1000 --steps 4 --json --kv-cache f32 \
  > "$work/probs.json" 2> "$work/probs.err"
check "probs runs" "[ -s '$work/probs.json' ]"
"$python" - "$work/probs.json" "$work/hf" "$reference" <<'PY' || failures=$((failures + 1))
import json, os, subprocess, sys
import numpy as np
probs_path, hf, reference = sys.argv[1:]
steps = json.load(open(probs_path))["steps"]
ok = True
def check(name, condition):
    global ok
    print(("ok: " if condition else "FAILED: ") + name)
    ok = ok and condition
for step in steps:
    ids = [t["id"] for t in step["top"]]
    check(f"step with {len(step['context_ids'])} tokens lists the 512 printable ids and no other",
          sorted(ids) == list(range(512)))
    check("their probabilities sum to 1", abs(sum(t["probability"] for t in step["top"]) - 1) < 1e-6)
context = steps[0]["context_ids"]
check("the prompt ends with token 400", context[-1] == 400)
out = os.path.join(os.path.dirname(probs_path), "reference.f32")
subprocess.check_call([sys.executable, os.path.join(reference, "family_reference.py"), "--hf", hf, "--tokens",
                       ",".join(map(str, context)), "--out", out])
logits = np.fromfile(out, "<f4").astype(np.float64)
check("the reference has 576 logits", logits.size == 576)
check(f"unmasked, the model's best next token is padded (id {int(logits.argmax())})", logits.argmax() >= 512)
printable = logits[:512]
p = np.exp(printable - printable.max())
p /= p.sum()
top = steps[0]["top"][0]
check(f"probs' top token {top['id']} is the reference's best printable one", top["id"] == int(p.argmax()))
check("with the reference's probability over the printable ids", abs(top["probability"] - p.max()) < 1e-4)
sys.exit(0 if ok else 1)
PY

"$sprig" run -m "$work/model.sprig" -p "Once upon a time do" -n 16 --kv-cache f32 > "$work/run.txt" 2> "$work/run.err"
status=$?
check "run generates from the padded model" "[ $status -eq 0 ] && [ -s '$work/run.txt' ]"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "padded vocabulary: all checks passed"
