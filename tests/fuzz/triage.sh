#!/bin/sh
# Groups the crash files of a fuzz target by their first frame in QuantLens code (or their error line).
# usage: tests/fuzz/triage.sh build-fuzz/bin/fuzz_x build-fuzz/findings/x
bin=$1; dir=$2
for f in "$dir"/crash-* "$dir"/oom-* "$dir"/timeout-* "$dir"/leak-*; do
  [ -e "$f" ] || continue
  sig=$(timeout 60 "$bin" -rss_limit_mb=2048 -timeout=20 "$f" 2>&1 | grep -E "what\(\)|runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|/work/main/(core|tests)/[a-z_]+\.(cpp|h):[0-9]+" \
        | grep -v "fuzz_common.h\|LLVMFuzzerTestOneInput\|deadly signal" | head -2 | sed 's/.*\(\/work\/main\/[^ ]*\).*/\1/; s/0x[0-9a-f]*//g' | tr '\n' ' ')
  echo "$sig	$f"
done | sort | awk -F'\t' '{ if ($1 != last) { print "== " $1; print "   " $2 } last = $1 }'
