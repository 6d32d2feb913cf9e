#!/usr/bin/env bash
# Set up, build (release), and run the benchmarks. Arguments go to vanban_bench,
# e.g. bash scripts/bench.sh --docs 2000 --query-docs 20000
set -euo pipefail
cd "$(dirname "$0")/.."
VANBAN_BUILD_TESTS=OFF bash scripts/setup.sh >/dev/null
exec build/bin/vanban_bench "$@"
