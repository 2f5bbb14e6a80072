#!/usr/bin/env bash
# Provisions SwiftShader, the software Vulkan driver that Debian ships inside
# chromium-common, so Dawn (npm "webgpu") finds a WebGPU adapter on a machine
# with no GPU. Prints the folder that holds vk_swiftshader_icd.json and
# libvulkan.so.1; exits non-zero when it cannot be provisioned.
# Cache: $SEISCLUSTER_CACHE (default .cache in the repository).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEISCLUSTER_CACHE:-$root/.cache}
dir=$cache/swiftshader/usr/lib/chromium
if [ -f "$dir/vk_swiftshader_icd.json" ] && [ -f "$dir/libvulkan.so.1" ]; then
  echo "$dir"
  exit 0
fi
command -v apt-get >/dev/null || { echo "swiftshader: apt-get not found" >&2; exit 1; }
command -v dpkg >/dev/null || { echo "swiftshader: dpkg not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
(
  cd "$tmp"
  if ! apt-get download chromium-common >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; fi
    apt-get download chromium-common >/dev/null 2>&1
  fi
) || { echo "swiftshader: 'apt-get download chromium-common' failed" >&2; exit 1; }
mkdir -p "$cache/swiftshader"
dpkg -x "$tmp"/chromium-common_*.deb "$cache/swiftshader"
[ -f "$dir/vk_swiftshader_icd.json" ] || { echo "swiftshader: $dir/vk_swiftshader_icd.json missing after unpacking" >&2; exit 1; }
echo "$dir"
