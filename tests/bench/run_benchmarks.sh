#!/usr/bin/env bash
# Whole-process benchmark: quantlens-cli quantize vs the usual Python way (torch.load + NumPy, numpy_peer.py on
# Debian's python3-torch), side by side in one run, on the seed-shaped world model and a 1 GiB FP32 checkpoint.
# Wall time: hyperfine (median of RUNS after 1 warm-up). Peak RSS: /usr/bin/time -v (median of RUNS).
# The checkpoints sit in the page cache (warm runs) for both tools, in a defined state: before measuring, each one is
# dropped from the cache and read back once sequentially, as after a first read from disk (readahead fills the cache
# with large folios; a file just written by torch.save may sit in small ones, which makes mapping it ~2x more
# expensive: RECACHE=0 skips this step to measure that state). Each run writes into a fresh (just removed) output
# folder, so neither tool is charged for deleting the previous run's files.
#
# needs: packaging/install-deps.sh --bench (python3-torch, python3-numpy, hyperfine, libbenchmark-dev, time)
# usage: tests/bench/run_benchmarks.sh            (configures + builds the `bench` preset into build-bench/)
# env:   RUNS=5  BUILD_DIR=build-bench  CKPT_DIR=$BUILD_DIR/ckpt  WORK_DIR=$BUILD_DIR/bench-out
#        PEER=/work/shared/tools/numpy_peer.py  ONLY="world big" (or none)  SKIP_PYTHON=1  SKIP_KERNELS=1  SKIP_BUILD=1  RECACHE=0
#        GUI=1 (also configure + build the `bench-gui` preset into build-bench-gui/ and time the inspector)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-5}
BUILD=${BUILD_DIR:-$ROOT/build-bench}
CKPT=${CKPT_DIR:-$BUILD/ckpt}
WORK=${WORK_DIR:-$BUILD/bench-out}
PEER=${PEER:-/work/shared/tools/numpy_peer.py}
PY=/usr/bin/python3
ONLY=${ONLY:-world big}

cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake --preset bench >/dev/null
  cmake --build --preset bench >/dev/null
  if [ "${GUI:-0}" = 1 ]; then
    cmake --preset bench-gui >/dev/null
    cmake --build --preset bench-gui >/dev/null
  fi
fi
CLI=$BUILD/bin/quantlens-cli
mkdir -p "$CKPT" "$WORK"
[ -f "$CKPT/world-model.pt" ] || $PY tests/bench/make_checkpoints.py "$CKPT" --only world
[ -f "$CKPT/big-1gib.pt" ] || $PY tests/bench/make_checkpoints.py "$CKPT" --only big

recache() { # drop the file from the page cache and read it back once, sequentially
  $PY -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)' "$1"
  cat "$1" >/dev/null
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
peak_rss_kib() { # median max RSS (KiB) of RUNS runs of "${@:2}", removing the output folder $1 before each
  local out=$1
  shift
  for _ in $(seq "$RUNS"); do
    rm -rf "$out"
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
  done | median
}

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)   ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD))"

RESULTS=$WORK/results.txt
: >"$RESULTS"
for name in $ONLY; do
  case $name in
    world) ck=$CKPT/world-model.pt ;;
    big) ck=$CKPT/big-1gib.pt ;;
    none) continue ;;
    *) echo "unknown checkpoint $name" >&2; exit 2 ;;
  esac
  [ "${RECACHE:-1}" = 0 ] || recache "$ck"
  ql=("$CLI" quantize --checkpoint "$ck" --output-dir "$WORK/out-ql-$name" -q)
  py=("$PY" "$PEER" "$ck" "$WORK/out-py-$name")
  cmds=(--prepare "rm -rf $WORK/out-ql-$name" -n quantlens "${ql[*]}")
  [ "${SKIP_PYTHON:-0}" = 1 ] || cmds+=(--prepare "rm -rf $WORK/out-py-$name" -n python "${py[*]}")
  echo "# $name: load before $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$WORK/$name-hyperfine.json" "${cmds[@]}" >&2
  rss_ql=$(peak_rss_kib "$WORK/out-ql-$name" "${ql[@]}")
  rss_py=NA
  if [ "${SKIP_PYTHON:-0}" != 1 ]; then
    rss_py=$(peak_rss_kib "$WORK/out-py-$name" "${py[@]}")
    cmp -s "$WORK/out-ql-$name/weights_int8.bin" "$WORK/out-py-$name/weights_int8.bin" ||
      { echo "weights_int8.bin differs between quantlens and python for $name" >&2; exit 1; }
  fi
  echo "$name $ck $rss_ql $rss_py" >>"$RESULTS"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Cold runs: the checkpoint dropped from the page cache before each run (as after a reboot or a download to another
# disk). fincore(1) then shows how much of the file the run read: the tensors that are quantized, not the optimizer
# state. Both tools, RUNS runs each, median wall time.
COLD=$WORK/cold.txt
: >"$COLD"
drop() { $PY -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)' "$1"; }
for name in $ONLY; do
  case $name in world) ck=$CKPT/world-model.pt ;; big) ck=$CKPT/big-1gib.pt ;; *) continue ;; esac
  for tool in quantlens python; do
    [ "$tool" = python ] && [ "${SKIP_PYTHON:-0}" = 1 ] && continue
    times=()
    for _ in $(seq "$RUNS"); do
      rm -rf "$WORK/cold-out"
      drop "$ck"
      start=$(date +%s%N)
      if [ "$tool" = quantlens ]; then "$CLI" quantize --checkpoint "$ck" --output-dir "$WORK/cold-out" -q
      else "$PY" "$PEER" "$ck" "$WORK/cold-out" >/dev/null; fi
      times+=($(( $(date +%s%N) - start )))
      resident=$(fincore -b -n -o RES "$ck" | tr -d ' ')
    done
    med=$(printf '%s\n' "${times[@]}" | median)
    echo "$name $tool $med $resident $(stat -c %s "$ck")" >>"$COLD"
  done
done

# Markdown table from the hyperfine JSON and the RSS medians.
$PY - "$WORK" "$RESULTS" <<'EOF'
import json, os, statistics, sys
work, results = sys.argv[1], sys.argv[2]
print("| checkpoint | FP32 quantized | tool | wall median (min–max) | FP32 GB/s | peak RSS median | quantlens vs python |")
print("|---|---|---|---|---|---|---|")
for line in open(results):
    name, ck, rss_ql, rss_py = line.split()
    man = json.load(open(os.path.join(work, f"out-ql-{name}", "manifest.json")))
    fp32 = 4 * man["total_weight_bytes"]
    runs = {r["command"]: r for r in json.load(open(os.path.join(work, f"{name}-hyperfine.json")))["results"]}
    med = {k: statistics.median(r["times"]) for k, r in runs.items()}
    for tool, rss in (("quantlens", rss_ql), ("python", rss_py)):
        if tool not in runs:
            continue
        r = runs[tool]
        ratio = ""
        if tool == "quantlens" and "python" in med:
            ratio = f"{med['python'] / med['quantlens']:.1f}x faster, {int(rss_py) / int(rss_ql):.1f}x less RSS"
        print(f"| {os.path.basename(ck)} ({os.path.getsize(ck) / 1e6:.1f} MB) | {fp32 / 2**20:.1f} MiB | {tool} | "
              f"{med[tool] * 1000:.0f} ms ({min(r['times']) * 1000:.0f}–{max(r['times']) * 1000:.0f}) | "
              f"{fp32 / med[tool] / 1e9:.2f} | {int(rss) / 1024:.1f} MiB | {ratio} |")
print()
print("| checkpoint, cold page cache | tool | wall median | read from disk (fincore) |")
print("|---|---|---|---|")
for line in open(os.path.join(work, "cold.txt")):
    name, tool, med, res, size = line.split()
    print(f"| {name} | {tool} | {float(med) / 1e6:.0f} ms | {int(res) / 1e6:.1f} of {int(size) / 1e6:.1f} MB |")
EOF

if [ "${SKIP_KERNELS:-0}" != 1 ] && [ -x "$BUILD/bin/bench_kernels" ]; then
  echo "# kernels: load before $(cut -d' ' -f1-3 /proc/loadavg)"
  QL_BENCH_CHECKPOINT=$CKPT/world-model.pt "$BUILD/bin/bench_kernels" --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true --benchmark_display_aggregates_only=true 2>&1 | grep -E '_median|^Benchmark|^---'
fi

if [ "${GUI:-0}" = 1 ]; then
  GUIBUILD=${GUI_BUILD_DIR:-$ROOT/build-bench-gui}
  echo "# gui: load before $(cut -d' ' -f1-3 /proc/loadavg)"
  export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
  # Whole process, launch to a screenshot of the filled layer table: an upper bound of launch-to-table.
  hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$WORK/gui-launch-hyperfine.json" \
    -n "quantlens --view table --screenshot" \
    "$GUIBUILD/bin/quantlens --open $CKPT/world-model.pt --view table --screenshot $WORK/table.png" >&2
  $PY - "$WORK/gui-launch-hyperfine.json" <<'EOF'
import json, statistics, sys
t = json.load(open(sys.argv[1]))["results"][0]["times"]
print(f"launch_to_screenshot median {statistics.median(t) * 1000:.0f} ms (min {min(t) * 1000:.0f}, max {max(t) * 1000:.0f};"
      f" whole process, hyperfine, n={len(t)})")
EOF
  for _ in $(seq "$RUNS"); do "$GUIBUILD/bin/bench_gui" "$CKPT/world-model.pt" | awk '/^launch_to_table/ {print $2}'; done |
    median | awk '{print "launch_to_table median " $1 " ms (from main(), median of runs)"}'
  "$GUIBUILD/bin/bench_gui" "$CKPT/world-model.pt" layers.0.mamba.in_proj.weight 21 | grep -v '^launch_to_table'
  # GUI-thread stalls and session memory (issue 10) on 8 x 2048^2 (128 MiB) and 16 x 4096^2 (1 GiB) fp32 tensors.
  [ -f "$CKPT/mid-128mib.pt" ] || $PY tests/bench/make_checkpoints.py "$CKPT" --only mid
  for c in mid-128mib big-1gib; do
    echo "# gui stalls: $c.pt"
    "$GUIBUILD/bin/bench_gui_stalls" "$CKPT/$c.pt" "$RUNS"
  done
  echo "# gui: load after $(cut -d' ' -f1-3 /proc/loadavg)"
fi
