#!/usr/bin/env bash
# Set-up (if needed), build, and every test. ctest prints the summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd "${STRATA_BUILD_DIR:-build}"
ctest --output-on-failure -j 2 --timeout 600
