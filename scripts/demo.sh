#!/usr/bin/env bash
# The main job: set up, build, and run the sample workflow (samples/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
VANBAN_BUILD_TESTS=OFF bash scripts/setup.sh
exec bash samples/demo.sh "$@"
