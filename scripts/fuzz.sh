#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, docs/fuzzing.md) with clang into build-fuzz/ and
# runs each for a bounded time on a copy of its seed corpus (the repository is not
# modified). Exits non-zero if any target finds a crash, a leak, a sanitizer report
# or a broken invariant; the reproducer is kept in build-fuzz/crashes/<target>/.
#   bash scripts/fuzz.sh          # 20 s per target
#   bash scripts/fuzz.sh 600      # longer
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
targets=(fuzz_record fuzz_reconcile fuzz_session)

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DVANBAN_FUZZ=ON -DVANBAN_BENCH=OFF \
  -DVANBAN_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build-fuzz "${targets[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "build-fuzz/crashes/$t"
  cp fuzz/corpus/"$t"/* "$work/$t/"
  echo "== $t (${seconds} s)"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "build-fuzz/bin/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/crashes/$t/" "$work/$t" >"$work/$t.log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/$t.log" | tr '\n' ' '
    echo
  else
    tail -n 60 "$work/$t.log"
    echo "fuzz: $t failed; reproducer(s) in build-fuzz/crashes/$t/ (run: build-fuzz/bin/$t FILE)"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}"
  exit 1
fi
echo "== fuzzing found nothing"
