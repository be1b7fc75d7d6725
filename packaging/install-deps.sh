#!/usr/bin/env bash
# Installs the Debian 12 packages QuantLens builds and tests with. Debian's archive only: no pip, no downloads.
#   packaging/install-deps.sh          build + run dependencies
#   packaging/install-deps.sh --test   plus what the test suites need (sanitizer/fuzzer runtime, fonts for screenshots,
#                                      pdfinfo for the PDF report, python3-torch + numpy: tests/torch check eval
#                                      and exports against Python)
#   packaging/install-deps.sh --bench  plus what tests/bench/run_benchmarks.sh needs (the Python baseline, hyperfine,
#                                      Google Benchmark)
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

packages=(
  build-essential cmake ninja-build ccache pkg-config
  qt6-base-dev libqt6opengl6-dev qt6-base-dev-tools qt6-qpa-plugins
  libqcustomplot-dev libqcustomplot2.1-qt6
  nlohmann-json3-dev libcli11-dev zlib1g-dev libssl-dev libre2-dev
  libtorch-dev
  fonts-dejavu-core
)
if [ "${1:-}" = "--test" ]; then
  packages+=(python3 python3-torch python3-numpy clang-14 libclang-rt-14-dev llvm-14 util-linux locales poppler-utils)
fi
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3 python3-torch python3-numpy hyperfine libbenchmark-dev time util-linux)
fi

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#packages[@]} packages present"
