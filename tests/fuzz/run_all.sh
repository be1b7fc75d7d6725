#!/bin/sh
# Runs every fuzz target one after the other (one core), SECS seconds each (default 600), and prints the final
# libFuzzer line of each log. usage: tests/fuzz/run_all.sh [build dir] ; targets via TARGETS="zip legacy".
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build-fuzz}
for t in ${TARGETS:-unpickler zip legacy safetensors manifest luts_json overrides scale folder}; do
  start=$(date +%s)
  "$here/run.sh" "$t" "${SECS:-600}" "$build"
  rc=$?
  echo "$t: exit $rc after $(( $(date +%s) - start )) s: $(grep -a -E '^#[0-9]+' "$build/runs/$t.log" | tail -1)"
done
