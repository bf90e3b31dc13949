#!/usr/bin/env bash
# `strata ingest --hot-dir` (durable acks in the hot tier, exactly-once drain
# into the table, id dedup on re-delivery) and `strata hot stats`.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }
B="$WORK/bucket"; H="$WORK/hot"

"$STRATA" gen --count 3000 --hours 3 --start 2024-05-01T00:00:00Z --seed 9 > "$WORK/a.ndjson"
"$STRATA" gen --count 2000 --hours 3 --start 2024-05-01T00:00:00Z --seed 10 > "$WORK/b.ndjson"

out=$("$STRATA" ingest --bucket "$B" --namespace tenant-1 --hot-dir "$H" --batch-size 1000 "$WORK/a.ndjson")
expect_contains "$out" "ingested 3,000 events through the hot tier" "first ingest"
expect_contains "$out" "lsn 3000 is the table's max-lsn" "first ingest committed"

# Re-delivery of the same file: every id is a duplicate, nothing is stored twice.
out=$("$STRATA" ingest --bucket "$B" --namespace tenant-1 --hot-dir "$H" "$WORK/a.ndjson")
expect_contains "$out" "duplicates: 3,000" "re-delivery deduplicated"

# New events continue the lsns after the table's max-lsn.
"$STRATA" ingest --bucket "$B" --namespace tenant-1 --hot-dir "$H" "$WORK/b.ndjson" >/dev/null
q=$("$STRATA" query --bucket "$B" --namespace tenant-1 --json "SELECT count(*) AS n, count(DISTINCT id) AS ids, min(lsn) AS lo, max(lsn) AS hi FROM events")
expect_eq "$q" '{"n":5000,"ids":5000,"lo":1,"hi":5000}' "table after three ingests"

stats=$("$STRATA" hot stats --hot-dir "$H" --namespace tenant-1 --json)
got=$(py 'import json,sys; s=json.load(sys.stdin); print(s["rows"], s["next_lsn"], s["needs_flush"])' <<<"$stats")
expect_eq "$got" "5000 5001 False" "hot stats: committed rows kept for recent reads"
text=$("$STRATA" hot stats --hot-dir "$H" --namespace tenant-1)
expect_contains "$text" "1..5000" "hot stats text"

# hot stats while another process ingests into the namespace: `strata hot
# stats` reads without the lock that the ingest's HotStore holds from its
# open to its close. The ingest reads its input twice (validate, then write);
# from a FIFO, the second pass waits for a writer after the hot tier is open,
# so the ingest holds the namespace until the test feeds that pass.
"$STRATA" gen --count 1000 --hours 1 --start 2024-05-01T05:00:00Z --seed 11 > "$WORK/c.ndjson"
mkfifo "$WORK/c.fifo"
"$STRATA" ingest --bucket "$B" --namespace tenant-1 --hot-dir "$H" "$WORK/c.fifo" >"$WORK/c.out" 2>&1 &
ingest=$!
trap 'kill "$ingest" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# The pid holding an flock on file $1, from /proc/locks (nothing when none does).
lock_holder() {
  local ino
  ino=$(stat -c %i "$1" 2>/dev/null) || return 0
  awk -v ino="$ino" '$2 == "FLOCK" { split($6, f, ":"); if (f[3] == ino) print $5 }' /proc/locks
}
holds_lock() { [[ "$(lock_holder "$H/tenant-1.lock")" == "$ingest" ]]; }
feed() { timeout 60 dd if="$WORK/c.ndjson" of="$WORK/c.fifo" status=none || fail "the ingest did not read its $1 pass"; }
feed first
for _ in $(seq 300); do
  holds_lock && break
  kill -0 "$ingest" 2>/dev/null || fail "the ingest ended before taking the hot tier: $(cat "$WORK/c.out")"
  sleep 0.1
done
holds_lock || fail "the ingest did not take the hot tier's lock within 30 s"
stats=$("$STRATA" hot stats --hot-dir "$H" --namespace tenant-1 --json)
text=$("$STRATA" hot stats --hot-dir "$H" --namespace tenant-1)
holds_lock || fail "the ingest let go of the hot tier while hot stats ran"
fields='import json,sys; s=json.load(sys.stdin); print(s["rows"], s["oldest_lsn"], s["newest_lsn"], s["next_lsn"], s["released_lsn"], s["needs_flush"])'
expect_eq "$(py "$fields" <<<"$stats")" "5000 1 5000 5001 0 False" "hot stats while an ingest holds the namespace"
expect_contains "$text" "1..5000" "hot stats text while an ingest holds the namespace"
feed second  # the ingest stores, commits and closes
wait "$ingest"
expect_contains "$(cat "$WORK/c.out")" "ingested 1,000 events through the hot tier" "ingest fed through a FIFO"
stats=$("$STRATA" hot stats --hot-dir "$H" --namespace tenant-1 --json)
expect_eq "$(py "$fields" <<<"$stats")" "6000 1 6000 6001 0 False" "hot stats after that ingest"

# `hot stats --hot-dir $1 --namespace $2` fails (exit 1) saying $3; $4 names the case.
expect_stats_error() {
  local err code=0
  err=$("$STRATA" hot stats --hot-dir "$1" --namespace "$2" 2>&1) || code=$?
  expect_eq "$code" 1 "$4"
  expect_contains "$err" "$3" "$4: the error"
}
expect_stats_error "$WORK/nothing-here/x" "bad/ns" "bad/ns" "bad namespace"
# A hot directory or namespace that does not exist is an error, and stats creates nothing.
expect_stats_error "$WORK/no-hot" tenant-1 "directory $WORK/no-hot does not exist" "missing hot directory"
[[ ! -e "$WORK/no-hot" ]] || fail "hot stats created the missing hot directory"
expect_stats_error "$H" tenant-9 "namespace 'tenant-9' has no database in $H" "missing namespace"
[[ ! -e "$H/tenant-9.sqlite" ]] || fail "hot stats created the missing namespace's database"
echo PASS
