#!/usr/bin/env bash
# CI: builds the libFuzzer targets (clang-14, ASan + UBSan) and runs each for a few seconds on its seed corpus
# (made from the committed fixtures by tests/fuzz/make_corpus.sh) plus the inputs that once crashed it
# (tests/data/hostile/fuzz/<target>/). Any crash, leak, timeout or out-of-memory fails the script.
#   FUZZ_SECONDS=N  seconds per target (default 20)    JOBS=N  build parallelism (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-20}
start=$(date +%s)
cmake --preset fuzz -DQL_SANITIZE=ON
targets=(unpickler zip legacy safetensors manifest luts_json overrides scale folder)
cmake --build --preset fuzz -j"${JOBS:-2}" --target "${targets[@]/#/fuzz_}"
built=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests/fuzz/make_corpus.sh "$work/seeds" > /dev/null
status=0
for t in "${targets[@]}"; do
  case $t in unpickler|zip|legacy) dict=tests/fuzz/pickle.dict ;; *) dict=tests/fuzz/json.dict ;; esac
  case $t in zip|legacy|safetensors|manifest|folder) maxlen=65536 ;; *) maxlen=8192 ;; esac
  mkdir -p "$work/new/$t" "$work/seeds/$t" "$work/crash/$t"
  dirs=("$work/new/$t" "$work/seeds/$t")
  [ -d "tests/data/hostile/fuzz/$t" ] && dirs+=("tests/data/hostile/fuzz/$t")
  timeout=20; [ "$t" = scale ] && timeout=120 # see tests/fuzz/run.sh
  if ./build-fuzz/bin/fuzz_$t -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=$timeout \
       -max_len=$maxlen -dict=$dict -print_final_stats=1 -artifact_prefix="$work/crash/$t/" "${dirs[@]}" \
       > "$work/$t.log" 2>&1; then
    echo "fuzz_$t: ok   $(grep -a -E '^#[0-9]+' "$work/$t.log" | tail -1)"
  else
    echo "fuzz_$t: FAILED"; tail -60 "$work/$t.log"
    for f in "$work/crash/$t"/*; do [ -e "$f" ] && { echo "input (base64) $f:"; base64 -w0 "$f" | head -c 20000; echo; }; done
    status=1
  fi
done
echo "fuzz-smoke.sh: build $((built - start)) s, fuzzing $(($(date +%s) - built)) s"
exit $status
