#!/usr/bin/env bash
# Installs what sprig needs to build and test, from Debian's packages. Safe to run again:
# packages already present are not fetched.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libflatbuffers-dev flatbuffers-compiler
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev
  nlohmann-json3-dev doctest-dev
  libsentencepiece-dev
  clang libclang-rt-14-dev libutf8proc-dev
  python3 python3-numpy python3-jinja2
  # The Java API (platforms/android) and its JUnit tests on the host JVM.
  openjdk-17-jdk-headless junit4
  # Line editing in interactive chat; tmux drives it in the chat test.
  libedit-dev tmux
  # sprig serve: its HTTP library, and the browser its page test drives (headless).
  libcpp-httplib-dev chromium
  # Fonts for the page screenshot: Korean (Nanum) and colour emoji.
  fonts-nanum fonts-noto-color-emoji
  # ARM builds, run under qemu-user; scripts/arm_sysroot.sh fetches the ARM libraries.
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js for the server's test clients, from Debian unless the machine has its own.
command -v npm > /dev/null || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  # A mirror caught mid-sync can fail one index; what matters is whether the install succeeds.
  $sudo apt-get update -q || echo "setup: apt-get update reported errors; trying the install anyway"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The server tests' npm clients (the official openai package, puppeteer-core), exactly as locked.
serve_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/serve"
if [ ! -d "$serve_tests/node_modules/openai" ] || [ ! -d "$serve_tests/node_modules/puppeteer-core" ]; then
  echo "setup: installing the npm test clients in tests/e2e/serve"
  (cd "$serve_tests" && npm ci --no-audit --no-fund)
fi
