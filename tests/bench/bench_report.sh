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
for f in html pdf md json csv; do
  hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$CKPT/report-$f.json" \
    "$BIN/quantlens-cli report $W -o $CKPT/w.$f -q" >/dev/null 2>&1
  median=$(/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.0f ms (%.0f-%.0f)' % (r['median']*1e3, r['min']*1e3, r['max']*1e3))" "$CKPT/report-$f.json")
  # For html/pdf/md the CLI execs quantlens-report in the same process, so this is quantlens-report's peak.
  rss=$(/usr/bin/time -f %M "$BIN/quantlens-cli" report "$W" -o "$CKPT/w.$f" -q 2>&1 >/dev/null | tail -1)
  cpu=$(/usr/bin/time -f "%U %S" "$BIN/quantlens-cli" report "$W" -o "$CKPT/w.$f" -q 2>&1 >/dev/null | tail -1)
  size=$(du -sb "$CKPT/w.$f" | cut -f1)
  [ "$f" = md ] && size="$size + $(du -sb "$CKPT/w_files" | cut -f1) in w_files/"
  echo "$f: wall median $median, CPU user+sys ${cpu// /+} s, peak RSS $((rss / 1024)) MiB, file $size bytes"
done
