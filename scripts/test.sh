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
demo_dir=$(mktemp -d /tmp/vanban-demo-test.XXXXXX)
bash samples/demo.sh "$demo_dir" >/dev/null
# Nothing the demo starts may outlive it.
if pgrep -f -- "$demo_dir" >/dev/null; then
  echo "FAIL: the demo left processes running:" >&2
  pgrep -af -- "$demo_dir" >&2
  pkill -9 -f -- "$demo_dir"
  exit 1
fi
rm -rf "$demo_dir"
echo "== tests (address + undefined-behaviour sanitizers)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVANBAN_SANITIZE=ON -DVANBAN_BENCH=OFF >/dev/null
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== fuzzing (libFuzzer + ASan/UBSan, 20 s per target; docs/fuzzing.md)"
bash scripts/fuzz.sh 20
echo "== all tests passed"
