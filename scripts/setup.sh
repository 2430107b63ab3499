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
  # ARM builds, run under qemu-user; scripts/arm_sysroot.sh fetches the ARM libraries.
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "setup: installing ${missing[*]}"
# A mirror caught mid-sync can fail one index; what matters is whether the install succeeds.
$sudo apt-get update -q || echo "setup: apt-get update reported errors; trying the install anyway"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
