# Shared helpers for the shell-driven tests. Sourced, not run.
# Needs STRATA (path of the strata binary) in the environment.
set -euo pipefail
: "${STRATA:?STRATA must name the strata binary}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; }
expect_contains() { grep -qF -- "$2" <<<"$1" || fail "$3: output does not contain '$2': $1"; }

# ingest_ten_days URI: a daily table tenant-1 in bucket URI (created) of 2,000
# events over 2024-03-01..10, in 4 shuffled commits: each day in 4 small files.
# Leaves the events in $WORK/all.ndjson.
ingest_ten_days() {
  "$STRATA" bucket create "$1" >/dev/null
  "$STRATA" gen --count 2000 --hours 240 --start 2024-03-01T00:00:00Z --seed 5 --namespaces 1 > "$WORK/all.ndjson"
  shuf --random-source=<(yes) "$WORK/all.ndjson" > "$WORK/shuffled.ndjson"
  split -n l/4 -d "$WORK/shuffled.ndjson" "$WORK/part."
  for p in "$WORK"/part.*; do
    "$STRATA" ingest --bucket "$1" --namespace tenant-1 --scheme daily "$p" >/dev/null
  done
}

# start_moto: an S3 server (moto) on a loopback port, stopped at exit. Sets
# PORT and the credentials the tests sign with.
start_moto() {
  PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 "$(dirname "${BASH_SOURCE[0]}")/s3/moto_atomic_server.py" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
  MOTO=$!
  trap 'kill $MOTO 2>/dev/null; wait $MOTO 2>/dev/null; rm -rf "$WORK"' EXIT
  for _ in $(seq 100); do
    /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && break
    sleep 0.1
  done
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test-secret-value AWS_REGION=us-east-1
  unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
}
