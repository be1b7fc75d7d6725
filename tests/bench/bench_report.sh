#!/usr/bin/env bash
# Reviewer report on the seed-shaped world model (issue 12 targets: HTML <= 2 s and <= 5 MB, PDF <= 5 s), whole
# process as a user runs it: quantlens-cli report -> exec quantlens-report (Qt, offscreen) -> open, quantize in
# memory, hash, analyse, draw, write. Wall time: hyperfine (median of RUNS after 1 warm-up); peak RSS: /usr/bin/time.
# needs: packaging/install-deps.sh --bench (python3-torch for make_checkpoints.py, hyperfine, time)
# usage: tests/bench/bench_report.sh        env: RUNS=7  BIN=build/bin  CKPT_DIR=/tmp/ql-bench-report
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-7}
BIN=${BIN:-$ROOT/build/bin}
CKPT=${CKPT_DIR:-/tmp/ql-bench-report}
mkdir -p "$CKPT"
[ -f "$CKPT/world-model.pt" ] || /usr/bin/python3 "$ROOT/tests/bench/make_checkpoints.py" "$CKPT" --only world >/dev/null
W=$CKPT/world-model.pt
# --compare B: the world model against its own output folder (every tensor compared, FP32 against the manifest).
[ -f "$CKPT/world-out/manifest.json" ] || "$BIN/quantlens-cli" quantize --checkpoint "$W" --output-dir "$CKPT/world-out" -q
for f in html pdf md json csv html+compare; do
  args=""
  if [ "$f" = html+compare ]; then f=html; args="--compare $CKPT/world-out"; fi
  hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$CKPT/report-$f.json" \
    "$BIN/quantlens-cli report $W $args -o $CKPT/w.$f -q" >/dev/null 2>&1
  median=$(/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.0f ms (%.0f-%.0f)' % (r['median']*1e3, r['min']*1e3, r['max']*1e3))" "$CKPT/report-$f.json")
  # For html/pdf/md the CLI execs quantlens-report in the same process, so this is quantlens-report's peak.
  # shellcheck disable=SC2086 # $args is empty or two words
  rss=$(/usr/bin/time -f %M "$BIN/quantlens-cli" report "$W" $args -o "$CKPT/w.$f" -q 2>&1 >/dev/null | tail -1)
  # shellcheck disable=SC2086
  cpu=$(/usr/bin/time -f "%U %S" "$BIN/quantlens-cli" report "$W" $args -o "$CKPT/w.$f" -q 2>&1 >/dev/null | tail -1)
  size=$(du -sb "$CKPT/w.$f" | cut -f1)
  [ "$f" = md ] && size="$size + $(du -sb "$CKPT/w_files" | cut -f1) in w_files/"
  echo "$f${args:+ $args}: wall median $median, CPU user+sys ${cpu// /+} s, peak RSS $((rss / 1024)) MiB, file $size bytes"
done
