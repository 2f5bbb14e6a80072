#!/usr/bin/env bash
# The test command: type-check, lint and format check (Biome), then vitest with WebGPU pointed at SwiftShader
# when no Vulkan driver is configured. In CI (CI=true) a failure to provision
# the driver fails the run; elsewhere the WebGPU tests skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npx tsc -p tsconfig.web.json --noEmit
npx biome check --diagnostic-level=warn --error-on-warnings .
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  if dir=$(bash scripts/swiftshader.sh); then
    export VK_ICD_FILENAMES="$dir/vk_swiftshader_icd.json"
    export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export SEISCLUSTER_SOFTWARE_GPU=1
  elif [ "${CI:-}" = true ]; then
    echo "CI: SwiftShader could not be provisioned; WebGPU tests cannot run" >&2
    exit 1
  fi
fi
# Chromium and Dawn want a runtime folder; one made here is removed when the run ends.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR=$(mktemp -d)
  export XDG_RUNTIME_DIR
  trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
fi
npx vitest run "$@"
