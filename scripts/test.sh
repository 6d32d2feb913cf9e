#!/usr/bin/env bash
# Set up, build, and run every test: once in a release build, once with
# AddressSanitizer + UndefinedBehaviorSanitizer; then the fuzz targets for a bounded
# time (scripts/fuzz.sh). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
echo "== tests (release build)"
ctest --test-dir build --output-on-failure -j "$jobs"
echo "== demo (release build)"
bash samples/demo.sh >/dev/null
echo "== tests (address + undefined-behaviour sanitizers)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVANBAN_SANITIZE=ON -DVANBAN_BENCH=OFF >/dev/null
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
echo "== fuzzing (libFuzzer + ASan/UBSan, 20 s per target; docs/fuzzing.md)"
bash scripts/fuzz.sh 20
echo "== all tests passed"
