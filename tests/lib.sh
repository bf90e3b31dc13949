# Shared helpers for the shell-driven tests. Sourced, not run.
# Needs STRATA (path of the strata binary) in the environment.
set -euo pipefail
: "${STRATA:?STRATA must name the strata binary}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; }
expect_contains() { grep -qF -- "$2" <<<"$1" || fail "$3: output does not contain '$2': $1"; }
