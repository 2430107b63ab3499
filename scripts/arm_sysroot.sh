#!/usr/bin/env bash
# Builds a sysroot of the ARM builds of the libraries the runtime links (XNNPACK, pthreadpool,
# cpuinfo, utf8proc, FlatBuffers' CMake files) for cross-compiling and for running under qemu-user:
#   scripts/arm_sysroot.sh arm64|armhf FOLDER
# The .debs are fetched with `apt-get download` and unpacked with `dpkg-deb -x`, never installed:
# an arm64 -dev package is not co-installable with its amd64 twin, and apt would remove the
# host's. The C and C++ libraries themselves come with Debian's cross compilers
# (/usr/aarch64-linux-gnu, /usr/arm-linux-gnueabihf).
set -euo pipefail
arch=${1:?usage: arm_sysroot.sh arm64|armhf FOLDER}
root=${2:?usage: arm_sysroot.sh arm64|armhf FOLDER}
case "$arch" in
  arm64) triple=aarch64-linux-gnu ;;
  armhf) triple=arm-linux-gnueabihf ;;
  *) echo "arm_sysroot: unknown architecture '$arch' (arm64 or armhf)" >&2; exit 2 ;;
esac

packages=(libxnnpack-dev libxnnpack0 libpthreadpool-dev libpthreadpool0 libcpuinfo-dev libcpuinfo0
          libutf8proc-dev libutf8proc2 libflatbuffers-dev)
# Header-only libraries (architecture "all"), unpacked too so the cross build never reads the
# host's /usr/include, whose glibc headers are the wrong architecture's.
headers_only=(doctest-dev nlohmann-json3-dev)
# What the build and the runs need from the unpacked packages; checked at the end.
needed=(usr/include/xnnpack.h usr/include/pthreadpool.h usr/include/cpuinfo.h usr/include/utf8proc.h
        "usr/lib/$triple/libXNNPACK.so" "usr/lib/$triple/libpthreadpool.so" "usr/lib/$triple/libcpuinfo.so"
        "usr/lib/$triple/libutf8proc.so" usr/include/flatbuffers/flatbuffers.h usr/include/doctest/doctest.h
        usr/include/nlohmann/json.hpp)

stamp="$root/.packages"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${packages[*]} ${headers_only[*]}" ]; then
  exit 0
fi

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
# (Read into a variable first: under pipefail, grep -q closing the pipe early would read as a miss.)
foreign=$(dpkg --print-foreign-architectures)
if ! grep -qx "$arch" <<< "$foreign"; then
  $sudo dpkg --add-architecture "$arch"
  # A mirror caught mid-sync can fail one index (it happened here with security/armhf);
  # what matters is whether the packages below can be downloaded, which is checked next.
  $sudo apt-get update -q || echo "arm_sysroot: apt-get update reported errors; trying the downloads anyway"
elif ! apt-cache show "libxnnpack0:$arch" > /dev/null 2>&1; then
  $sudo apt-get update -q || echo "arm_sysroot: apt-get update reported errors; trying the downloads anyway"
fi

debs="$root/.debs"
rm -rf "$root" && mkdir -p "$debs"
(cd "$debs" && apt-get download -q "${packages[@]/%/:$arch}" "${headers_only[@]}") || {
  echo "arm_sysroot: could not download the $arch packages (${packages[*]} ${headers_only[*]})" >&2
  exit 1
}
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done

missing=()
for f in "${needed[@]}"; do [ -e "$root/$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "arm_sysroot: the $arch sysroot lacks ${missing[*]}" >&2
  exit 1
fi
rm -rf "$debs"
echo "${packages[*]} ${headers_only[*]}" > "$stamp"
echo "arm_sysroot: $arch libraries unpacked into $root"
