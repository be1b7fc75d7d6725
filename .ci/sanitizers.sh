#!/usr/bin/env bash
# CI: the whole CTest suite under AddressSanitizer + UndefinedBehaviorSanitizer (the `asan` preset: Debug,
# QL_SANITIZE=ON). Any sanitizer report fails the test that triggered it (UBSan does not recover; LeakSanitizer
# is on, without suppressions).
#   QL_ASAN_GUI=ON   also the Qt Widgets GUI and its tests (46 suites passed so on 2026-12-01 after two fixes,
#                    docs/robustness.md F17, F18, and again on 2026-12-02; still off in CI, where it has not been
#                    timed). LeakSanitizer reported nothing in the 15 GUI tests, so there is no suppression file. They
#                    take 150 s one at a time on an idle machine; tst_verify, tst_readers and tst_scale (core) are the
#                    slow ones. At nice 19 behind other builds' compilers, ctest's 300 s timeout can fail them
#                    (tst_scale's own bound is on CPU time now).
#   JOBS=N           build and test parallelism (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
start=$(date +%s)
cmake --preset asan -DQL_BUILD_GUI="${QL_ASAN_GUI:-OFF}"
cmake --build --preset asan -j"$jobs"
built=$(date +%s)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0
ctest --preset asan -j"$jobs" --timeout 900 || rc=$?
# Printed on failure too: the times say whether a timeout is the code or a loaded machine.
echo "sanitizers.sh: build $((built - start)) s, tests $(($(date +%s) - built)) s"
exit "$rc"
