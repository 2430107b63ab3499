#!/usr/bin/env bash
# sprig serve end to end, with the official OpenAI client (npm, tests/e2e/serve/package.json,
# installed by scripts/setup.sh): chat and text completions against sprig chat / run / probs,
# then the fault list, then the chat page in headless chromium (puppeteer-core). Skips with a notice without node, its packages, or the shared models.
set -u
sprig=$1 convert=$2 shared=$3 work=$4 suite=${5:-all}
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$shared/models/stories260K-chat" ]; then
  echo "NOTICE: skipped serve test: shared test data not found at $shared"
  exit 0
fi
if ! command -v node > /dev/null || [ ! -d "$here/node_modules/openai" ]; then
  echo "NOTICE: skipped serve test: node or the npm test packages are missing (run scripts/setup.sh)"
  exit 0
fi
mkdir -p "$work"
[ -f "$work/chat.sprig" ] || "$convert" "$shared/models/stories260K-chat/stories260K-chat.gguf" -o "$work/chat.sprig" 2> /dev/null
[ -f "$work/base.sprig" ] || "$convert" "$shared/models/stories260K/stories260K.bin" \
  --tokenizer "$shared/models/stories260K/tok512.bin" -o "$work/base.sprig" 2> /dev/null
status=0
if [ "$suite" = all ] || [ "$suite" = openai ]; then
  node "$here/openai_test.mjs" "$sprig" "$work/chat.sprig" "$work/base.sprig" "$work/openai" || status=1
fi
if [ "$suite" = all ] || [ "$suite" = faults ]; then
  node "$here/faults_test.mjs" "$sprig" "$work/chat.sprig" || status=1
fi
if [ "$suite" = all ] || [ "$suite" = page ]; then
  [ -d "$here/node_modules/puppeteer-core" ] || { echo "NOTICE: skipped the page test: puppeteer-core missing"; exit $status; }
  node "$here/page_test.mjs" "$sprig" "$work/chat.sprig" "$work/page" || status=1
fi
exit $status
