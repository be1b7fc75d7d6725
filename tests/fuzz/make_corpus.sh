#!/bin/sh
# Builds the seed corpora of every fuzz target into ${1:-build-fuzz/corpus} from the committed fixtures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../build-fuzz/corpus}
rm -rf "$out"
mkdir -p "$out"
/usr/bin/python3 "$here/make_corpus.py" "$out"
for d in "$out"/*; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
