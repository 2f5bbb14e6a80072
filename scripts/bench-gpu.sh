#!/usr/bin/env bash
# `npm run bench:gpu -- [--out FILE] [--allow-software]`: the compiled WebGPU
# benchmark (bench/gpu.ts) on a bare Linux machine with an NVIDIA GPU.
# Dawn's Vulkan backend needs the Vulkan loader (Debian: libvulkan1); the
# NVIDIA driver brings its own ICD. The loader is installed when missing
# (as root, through apt-get). SwiftShader is never used here: any
# VK_ICD_FILENAMES pointing at it is dropped, and bench/gpu.ts refuses a
# software adapter unless --allow-software (which also shrinks the sizes, to
# check the script end to end on a machine without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
software=false
for arg in "$@"; do [ "$arg" = --allow-software ] && software=true; done

if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  if [ "$software" = true ] && [ -n "${LD_LIBRARY_PATH:-}" ]; then
    : # a test run may bring its own loader on LD_LIBRARY_PATH (scripts/swiftshader.sh)
  elif command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "bench:gpu: installing the Vulkan loader (libvulkan1)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvulkan1 >/dev/null
  else
    echo "bench:gpu: libvulkan.so.1 is missing; install the Vulkan loader (Debian: apt-get install libvulkan1) as root" >&2
    exit 1
  fi
fi

if [ "$software" != true ]; then
  case "${VK_ICD_FILENAMES:-}" in
    *swiftshader*) echo "bench:gpu: ignoring VK_ICD_FILENAMES=$VK_ICD_FILENAMES (SwiftShader)" >&2; unset VK_ICD_FILENAMES ;;
  esac
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >&2 || true
  else
    echo "bench:gpu: nvidia-smi not found: is the NVIDIA driver installed?" >&2
  fi
fi

[ -d node_modules ] || npm ci --no-audit --no-fund >&2
# Chromium and Dawn want a runtime folder; one made here is removed when the run ends.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR=$(mktemp -d)
  export XDG_RUNTIME_DIR
  trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
fi
npx tsx bench/gpu.ts "$@"
