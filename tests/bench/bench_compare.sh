#!/usr/bin/env bash
# `quantlens-cli compare` on two seed-sized world models (issue 11's target: at most 2.5x the wall time and 2x the
# peak RSS of one `quantize` of one of them), measured side by side in one run.
# A is tests/bench/make_checkpoints.py's world-model.pt; B is the same checkpoint two AdamW-like steps later (every
# weight moved by ~1e-3 of its magnitude, the optimizer state kept), so every tensor is `changed` — the most work.
# Both files sit in the page cache (read once sequentially before measuring). Wall time: hyperfine -N (median of RUNS
# after 1 warm-up); peak RSS: /usr/bin/time -v, median of RUNS.
#
# needs: packaging/install-deps.sh --bench (python3-torch, hyperfine, time)
# usage: tests/bench/bench_compare.sh      env: RUNS=7  BUILD_DIR=build-bench  CKPT_DIR=$BUILD_DIR/ckpt  SKIP_BUILD=1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-7}
BUILD=${BUILD_DIR:-$ROOT/build-bench}
CKPT=${CKPT_DIR:-$BUILD/ckpt}
WORK=$BUILD/bench-compare
PY=/usr/bin/python3
cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake --preset bench >/dev/null
  cmake --build "$BUILD" --target quantlens-cli >/dev/null
fi
CLI=$BUILD/bin/quantlens-cli
mkdir -p "$CKPT" "$WORK"
A=$CKPT/world-model.pt
B=$CKPT/world-model-next.pt
[ -f "$A" ] || $PY tests/bench/make_checkpoints.py "$CKPT" --only world
[ -f "$B" ] || $PY - "$A" "$B" <<'PYEOF'
import sys, torch
ck = torch.load(sys.argv[1], map_location="cpu")
gen = torch.Generator().manual_seed(2)
for k, v in ck["model_state_dict"].items():
    if v.is_floating_point():
        for _ in range(2):  # two steps, each ~5e-4 of the weight's magnitude
            v.add_(5e-4 * v.abs().mean() * torch.randn(v.shape, generator=gen))
ck["epoch"] = ck.get("epoch", 0) + 1
torch.save(ck, sys.argv[2])
PYEOF
for f in "$A" "$B"; do cat "$f" >/dev/null; done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
rss() { for _ in $(seq "$RUNS"); do rm -rf "$WORK/out"; /usr/bin/time -v "$@" 2>&1 >/dev/null |
          awk -F': ' '/Maximum resident set size/ {print $2}'; done | median; }
quant=("$CLI" quantize --checkpoint "$A" --output-dir "$WORK/out" -q)
comp=("$CLI" compare "$A" "$B" -q)
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before $(cut -d' ' -f1-3 /proc/loadavg)" \
     "($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD))"
hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
  --prepare "rm -rf $WORK/out" -n quantize "${quant[*]}" -n compare "${comp[*]}" >&2
rq=$(rss "${quant[@]}")
rc=$(rss "${comp[@]}")
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
$PY - "$WORK/hyperfine.json" "$rq" "$rc" <<'PYEOF'
import json, statistics, sys
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
rq, rc = int(sys.argv[2]), int(sys.argv[3])
med = {k: statistics.median(r["times"]) * 1000 for k, r in runs.items()}
print("| command | wall median (min–max) | peak RSS median |")
print("|---|---|---|")
for k, r in runs.items():
    print(f"| {k} | {med[k]:.0f} ms ({min(r['times']) * 1000:.0f}–{max(r['times']) * 1000:.0f}) | "
          f"{(rq if k == 'quantize' else rc) / 1024:.1f} MiB |")
print(f"\ncompare / quantize: {med['compare'] / med['quantize']:.2f}x wall time (target <= 2.5x), "
      f"{rc / rq:.2f}x peak RSS (target <= 2x)")
PYEOF
