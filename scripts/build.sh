#!/usr/bin/env bash
# Configures and builds Strata with CMake + Ninja into build/ (or $STRATA_BUILD_DIR).
# Warnings are errors when CI=true. Set STRATA_SANITIZE=ON for an ASan/UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${STRATA_BUILD_DIR:-build}
WERROR=OFF
[[ "${CI:-}" == "true" ]] && WERROR=ON
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${STRATA_BUILD_TYPE:-RelWithDebInfo}" \
  -DSTRATA_WERROR="$WERROR" -DSTRATA_SANITIZE="${STRATA_SANITIZE:-OFF}" >/dev/null
# Two jobs: the machines have two cores and DuckDB-including files need ~1 GB each.
ninja -C "$BUILD_DIR" -j "${STRATA_JOBS:-2}"
