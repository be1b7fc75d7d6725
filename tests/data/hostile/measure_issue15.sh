#!/bin/bash
# Re-measures the cases of issue 15 on a built quantlens-cli, as the outside probe ran them: each under
# `ulimit -v 4194304` and `timeout 20` (TIMEOUT=N to change: on a loaded shared machine wall time is several times
# the CPU time), wall and CPU time and peak RSS from /usr/bin/time. Prints one markdown table row per case:
# | item | case | exit | wall | CPU | peak RSS | message (first error line, shortened) |.
#   usage: [TIMEOUT=20] tests/data/hostile/measure_issue15.sh [build dir]    (default: build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cli=$build/bin/quantlens-cli
shim=$(find "$build/tests" -name '*ql_truncate_shim.so' | head -1)
scale="/usr/bin/python3 $here/make_scale.py"
data=$root/tests/data
work=$(mktemp -d /tmp/ql-issue15.XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; chattr -i "$work"/*/* 2>/dev/null; rm -rf "$work"' EXIT

# row ITEM "CASE" [env VAR=... --] command args...
row() {
  local item=$1 name=$2; shift 2
  local out=$work/stderr tm=$work/time
  ( ulimit -v 4194304; exec timeout "${TIMEOUT:-20}" /usr/bin/time -o "$tm" -f '%e %U %S %M' "$@" ) > "$work/stdout" 2> "$out"
  local rc=$?
  local secs user sys kb
  read -r secs user sys kb < <(tail -1 "$tm" 2>/dev/null || echo "- 0 0 0")
  [ "$rc" = 124 ] && secs=">${TIMEOUT:-20}"
  local cpu
  cpu=$(echo "$user $sys" | awk '{printf "%.2f", $1 + $2}')
  local msg
  msg=$(grep -v '^Command exited\|^Command terminated' "$out" | grep -m1 -E 'error|warning|failed' | sed "s|$work/||g; s|quantlens-cli: error: ||; s|quantlens-cli: verify failed: ||" | cut -c1-150)
  printf '| %s | %s | %s | %s s | %s s | %s MB | %s |\n' "$item" "$name" "$rc" "$secs" "$cpu" "$((kb / 1024))" \
    "${msg//|/\\|}"
}

cd "$work"
echo "| item | case | exit | wall | CPU | peak RSS | message |"
echo "|---|---|---|---|---|---|---|"
# 1 quadratic parsing
$scale pickle-dict dict100k.pt 100000; row 1 "inspect --json, pickle dict of 100,000 keys" "$cli" inspect dict100k.pt -q --json
$scale pickle-keys keys100k.pt 100000; row 1 "inspect, 100,000 tensors (.pt, SETITEMS)" "$cli" inspect keys100k.pt -q
$scale safetensors st100k.safetensors 100000; row 1 "inspect, safetensors of 100,000 entries" "$cli" inspect st100k.safetensors -q
"$cli" quantize --checkpoint st100k.safetensors --output-dir out100k -q
row 1 "inspect, output folder of 100,000 tensors" "$cli" inspect out100k -q
$scale safetensors st1m.safetensors 1000000; row 1 "inspect, safetensors of 1,000,000 entries (92 MB header)" "$cli" inspect st1m.safetensors -q
rm -f st1m.safetensors
# 2 crash on long names
$scale long-name long50k.pt 50000; row 2 "inspect --filter 'trunk.*weight', 50 kB name (.pt)" "$cli" inspect long50k.pt -q --filter 'trunk.*weight'
$scale long-name-st long200k.safetensors 200000; row 2 "inspect --filter, 200 kB name (safetensors)" "$cli" inspect long200k.safetensors -q --filter 'trunk.*weight'
"$cli" quantize --checkpoint long200k.safetensors --output-dir outlong -q
row 2 "inspect --filter, 200 kB name (output folder)" "$cli" inspect outlong -q --filter 'trunk.*weight'
# 3 unbounded reads of output folders
"$cli" quantize --checkpoint "$data/policy-small.pt" --output-dir good -q
f() { rm -rf "$1"; cp -r good "$1"; }
f fifo-m; rm fifo-m/manifest.json; mkfifo fifo-m/manifest.json; row 3 "manifest.json is a FIFO" "$cli" inspect fifo-m -q
f fifo-b; rm fifo-b/weights_int8.bin; mkfifo fifo-b/weights_int8.bin; row 3 "weights_int8.bin is a FIFO" "$cli" inspect fifo-b -q
f zero-m; ln -sf /dev/zero zero-m/manifest.json; row 3 "manifest.json -> /dev/zero" "$cli" inspect zero-m -q
f rand-b; ln -sf /dev/urandom rand-b/weights_int8.bin; row 3 "weights_int8.bin -> /dev/urandom" "$cli" inspect rand-b -q
f sparse; truncate -s 10G sparse/weights_int8.bin; row 3 "sparse 10 GB weights_int8.bin" "$cli" inspect sparse -q
f dir-b; rm dir-b/weights_int8.bin; mkdir dir-b/weights_int8.bin; row 3/9 "a folder named weights_int8.bin" "$cli" inspect dir-b -q
f luts; "$cli" generate-luts -o luts -q; rm luts/luts.json; ln -s /dev/zero luts/luts.json
row 3 "luts.json -> /dev/zero (verify)" "$cli" verify luts -q
# 4 memory amplification
$scale zip-inflate inflate.pt 1200000000; row 4 "zip of $(($(stat -c %s inflate.pt) / 1000)) kB, data.pkl inflates to 1.2 GB" "$cli" inspect inflate.pt -q
$scale int8-views views.pt 1562500; row 4 "64 int8 stride-0 views, 100 M elements, $(stat -c %s views.pt) B file" "$cli" inspect views.pt -q
$scale int8-big int8.pt 104857600; row 4 "int8 tensor of 100 Mi elements (100 MiB file), two views" "$cli" quantize --checkpoint int8.pt --output-dir outint8 -q
row 4 "the same, inspect" "$cli" inspect int8.pt -q
rm -rf int8.pt outint8
# 5 invalid JSON output
$scale cut-utf8 cut.pt; row 5 "inspect --json, warning cut inside a UTF-8 sequence" "$cli" inspect cut.pt -q --json
$scale key-not-utf8 key.pt; row 5 "inspect --json, state-dict key not UTF-8" "$cli" inspect key.pt -q --json
# 6 abort on resource failure
$scale safetensors st2k.safetensors 2000; row 6 "quantize -j 512 (4 GiB address space)" "$cli" quantize --checkpoint st2k.safetensors --output-dir outj -j 512 -q
for when in random normal; do
  cp "$data/policy-small.pt" trunc.pt; rm -rf outtrunc
  row 6 "quantize, checkpoint truncated while mapped ($([ $when = random ] && echo parsing || echo reading tensors))" \
    env LD_PRELOAD="$shim" QL_SHIM_TRUNCATE_ON=$when QL_SHIM_TRUNCATE_PATH=trunc.pt "$cli" quantize --checkpoint trunc.pt --output-dir outtrunc -q
  [ -e outtrunc ] && echo "  (outtrunc left behind!)"
done
cp "$data/policy-small.pt" trunc.pt
row 6 "inspect, checkpoint truncated while reading tensors" env LD_PRELOAD="$shim" QL_SHIM_TRUNCATE_ON=normal QL_SHIM_TRUNCATE_PATH=trunc.pt "$cli" inspect trunc.pt -q
# 7 a failed run changes the user's files
ln -s /nonexistent/x dangling; row 7 "quantize --output-dir <dangling symlink>" "$cli" quantize --checkpoint "$data/policy-small.pt" --output-dir dangling -q
f immut; if chattr +i immut/manifest.json 2>/dev/null; then
  row 7 "second quantize, manifest.json immutable" "$cli" quantize --checkpoint "$data/mlp-small.pt" --output-dir immut -q
  chattr -i immut/manifest.json; fi
# 8 accepted but wrong
edit() { /usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); $2; json.dump(m, open(sys.argv[1], 'w'))" "$1/manifest.json"; }
f zs; edit zs "w=m['weights']['projections']; k=[k for k in w if 'scales' in w[k]][0]; w[k]['scales'][0]=0.0"; row 8 "manifest with a zero scale" "$cli" inspect zs -q
f ov; edit ov "w=m['weights']['projections']; ks=list(w); w[ks[1]]['offset']-=1"; row 8 "manifest with overlapping offsets" "$cli" inspect ov -q
row 8 "generate-luts --silu-input-scale 1e307" "$cli" generate-luts --silu-input-scale 1e307 -o l307 -q
row 8 "generate-luts -o ''" "$cli" generate-luts -o '' -q
$scale safetensors-dup dup.safetensors; row 8 "safetensors entry with \"dtype\" twice" "$cli" inspect dup.safetensors -q
# 9 unclear messages
f ts; edit ts "w=m['weights']['projections']; k=[k for k in w if 'scale' in w[k]][0]; w[k]['scale']='0.5'"; row 9 "manifest: a scale that is a string" "$cli" inspect ts -q
f lt; "$cli" generate-luts -o lt -q; /usr/bin/python3 -c "import json; p='lt/luts.json'; j=json.load(open(p)); j['luts'][0]['input_scale']='0.0625'; json.dump(j, open(p,'w'))"
row 9 "luts.json: input_scale a string (verify)" "$cli" verify lt -q
echo '{"format": "quantlens_overrides_v1", "overrides": [{"match": "*", "strategy": 5}]}' > ov.json
row 9 "overrides: strategy a number" "$cli" inspect "$data/policy-small.pt" --overrides ov.json -q
row 9 "--overrides /dev/zero" "$cli" inspect "$data/policy-small.pt" --overrides /dev/zero -q
/usr/bin/python3 -c "
import struct; h=b'{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, \"8\"]}}'
open('off.safetensors','wb').write(struct.pack('<Q', len(h)) + h + bytes(8))"
row 9 "safetensors: data_offsets holds a string" "$cli" inspect off.safetensors -q
/usr/bin/python3 -c "open('hl.safetensors','wb').write((104857601).to_bytes(8,'little') + b'{' + bytes(64))"
row 9 "safetensors header length 104857601" "$cli" inspect hl.safetensors -q
# 10 refused but legitimate
$scale expand expand.pt 1000; row 10 "torch.save of w.expand(1000, 4)" "$cli" inspect expand.pt -q
$scale expand expand-bomb.pt 1099511627776; row 10 "expand to 2^40 rows (a bomb)" "$cli" inspect expand-bomb.pt -q
