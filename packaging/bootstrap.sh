#!/usr/bin/env bash
# One command from a fresh Debian 12 checkout to a working QuantLens.
#   packaging/bootstrap.sh        install packages, build (build/), quantize the bundled sample and print the summary
#   packaging/bootstrap.sh test   the same, then run every test: unit, CLI, GUI (offscreen), sanitizers, fuzz smoke
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

if [ "$mode" = "test" ]; then packaging/install-deps.sh --test; else packaging/install-deps.sh; fi

jobs=$(nproc)
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"

sample=resources/sample/mamba2-small.pt
build/bin/quantlens-cli quantize --checkpoint "$sample" --output-dir quantization/output/sample
echo
echo "GUI: build/bin/quantlens opens the same sample (build/bin/quantlens PATH for your own checkpoint)."

if [ "$mode" = "test" ]; then
  export QT_QPA_PLATFORM=offscreen
  ctest --preset dev -j "$jobs"
  for extra in .ci/sanitizers.sh .ci/fuzz-smoke.sh; do
    if [ -x "$extra" ]; then
      echo "== $extra"
      "$extra"
    fi
  done
fi
