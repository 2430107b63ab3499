#!/usr/bin/env bash
# Interactive chat in a real terminal (tmux): two turns, Ctrl-C in the middle of the second reply,
# a third turn that still has the first two in its cache (its prefill is only its own tokens),
# Up-arrow recall, a whitespace-only line not sent, a continued line, /help, Ctrl-D; then Ctrl-C
# twice at an empty prompt, and a failed turn in piped mode.
set -u
sprig=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped chat tmux test: shared test data not found at $shared"
  exit 0
fi
if ! command -v tmux > /dev/null; then
  echo "NOTICE: skipped chat tmux test: tmux is not installed (scripts/setup.sh installs it)"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }
"$convert" "$shared/models/stories260K-chat/stories260K-chat.gguf" -o "$work/chat.sprig" 2> /dev/null ||
  { echo "FAILED: convert"; exit 1; }

socket="sprig-chat-test-$$"
tmux_() { tmux -L "$socket" "$@"; }
trap 'tmux_ kill-server 2> /dev/null' EXIT
# Waits (up to 20 s) until the shell condition holds.
wait_for() {
  for _ in $(seq 200); do eval "$1" && return 0; sleep 0.1; done
  echo "timed out waiting for: $1"
  return 1
}
turns() { local n; n=$(grep -c 'prefilled' "$work/err.txt" 2> /dev/null); echo "${n:-0}"; }
prefilled() { grep -o 'prefilled [0-9]*' "$work/err.txt" | sed -n "$1p" | cut -d' ' -f2; }
generated() { grep -o 'generated [0-9]*' "$work/err.txt" | sed -n "$1p" | cut -d' ' -f2; }

# 50 ms per token: a reply of this model takes seconds, so Ctrl-C lands in the middle of one.
tmux_ new-session -d -s chat -x 160 -y 50 \
  "SPRIG_REPLY_DELAY_MS=50 '$sprig' chat -m '$work/chat.sprig' --temp 0 -n 300 2> '$work/err.txt'; echo EXIT=\$? > '$work/exit.txt'"
wait_for "tmux_ capture-pane -p -t chat | grep -q '^>'"
tmux_ send-keys -t chat "/help" Enter
wait_for "grep -q '/reset' '$work/err.txt'"
tmux_ send-keys -t chat "Tell me a story about a dog named Max." Enter
wait_for "[ \$(turns) -eq 1 ]"
tmux_ send-keys -t chat "   " Enter
tmux_ send-keys -t chat "Now tell me \\" Enter
tmux_ send-keys -t chat "what happened next." Enter
sleep 1.2
tmux_ send-keys -t chat C-c
wait_for "[ \$(turns) -eq 2 ]"
tmux_ send-keys -t chat "What was the name of the dog?" Enter
wait_for "[ \$(turns) -eq 3 ]"
tmux_ send-keys -t chat Up Enter
wait_for "[ \$(turns) -eq 4 ]"
tmux_ send-keys -t chat "/save $work/saved.json" Enter
wait_for "[ -s '$work/saved.json' ]"
tmux_ send-keys -t chat C-d
wait_for "[ -s '$work/exit.txt' ]"
cat "$work/err.txt" | grep -v '^sprig: [A-Z]'
check "Ctrl-C stopped the second reply and the chat went on" \
  "grep -q 'stopped (Ctrl-C)' '$work/err.txt' && [ \$(generated 2) -gt 0 ] && [ \$(generated 2) -lt 300 ] && grep -q 'stopped\\]' '$work/err.txt'"
check "the third turn kept the cache: it prefilled $(prefilled 3) tokens, fewer than turn 1's prompt and reply ($(prefilled 1) + $(generated 1))" \
  "[ \$(prefilled 3) -gt 0 ] && [ \$(prefilled 3) -lt \$(( \$(prefilled 1) + \$(generated 1) )) ]"
check "the conversation kept the stopped reply, the continued line and the recalled one; the blank line was not sent" "python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
roles = [x[\"role\"] for x in m]
assert roles == [\"user\", \"assistant\"] * 4, roles
assert m[2][\"content\"] == \"Now tell me \\nwhat happened next.\", m[2]
assert m[3][\"content\"].strip(), \"the stopped reply is kept\"
assert m[6][\"content\"] == m[4][\"content\"] == \"What was the name of the dog?\"
' '$work/saved.json'"
check "Ctrl-D ends the chat with status 0" "grep -q 'EXIT=0' '$work/exit.txt'"

# Ctrl-C twice at an empty prompt quits.
rm -f "$work/exit2.txt"
tmux_ new-session -d -s quit -x 160 -y 20 \
  "'$sprig' chat -m '$work/chat.sprig' 2> '$work/err2.txt'; echo EXIT=\$? > '$work/exit2.txt'"
wait_for "tmux_ capture-pane -p -t quit | grep -q '^>'"
tmux_ send-keys -t quit C-c
wait_for "grep -q 'Ctrl-C again' '$work/err2.txt'"
tmux_ send-keys -t quit C-c
check "a second Ctrl-C at an empty prompt quits" "wait_for \"grep -q 'EXIT=0' '$work/exit2.txt'\""

# Piped: a turn that fails (the context cannot hold the prompt) makes the status non-zero.
printf 'Tell me a story about a dog named Max.\n' | "$sprig" chat -m "$work/chat.sprig" -c 16 > /dev/null 2> "$work/piped.err"
status=$?
check "a failed turn in piped mode exits non-zero" "[ $status -ne 0 ] && grep -q 'error' '$work/piped.err'"

[ $failures -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all chat tmux checks passed"
