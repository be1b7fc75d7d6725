#!/bin/sh
# Runs one fuzz target on its corpus under ASan+UBSan.
# usage: tests/fuzz/run.sh <target> <seconds> [build dir] [extra libFuzzer flags...]
#   target: unpickler zip legacy safetensors manifest luts_json overrides scale folder
# New inputs go to <build>/corpus-work/<target> (seeds: <build>/corpus/<target>, from make_corpus.sh),
# crashes to <build>/findings/<target>/, the log to <build>/runs/<target>.log.
set -eu
t=$1; secs=$2; build=${3:-$(cd "$(dirname "$0")/../.." && pwd)/build-fuzz}
[ $# -ge 3 ] && shift 3 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
case $t in
  unpickler|zip|legacy) dict=$here/pickle.dict ;;
  *) dict=$here/json.dict ;;
esac
case $t in
  zip|legacy|safetensors|manifest|folder) maxlen=65536 ;;
  *) maxlen=8192 ;;
esac
# fuzz_scale's inputs take seconds each by design (tens of thousands of keys under ASan); on a loaded shared machine
# their wall time (what -timeout measures) reached 43 s for 5 s of CPU, so its bound is 120 s: a quadratic path at
# these sizes still takes far longer.
timeout=20
[ "$t" = scale ] && timeout=120
mkdir -p "$build/corpus-work/$t" "$build/findings/$t" "$build/runs" "$build/corpus/$t"
cd "$build"
exec "./bin/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=$timeout \
  -max_len=$maxlen -dict="$dict" -print_final_stats=1 -artifact_prefix="findings/$t/" "$@" \
  "corpus-work/$t" "corpus/$t" > "runs/$t.log" 2>&1
