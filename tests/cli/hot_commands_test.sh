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

set +e
err=$("$STRATA" hot stats --hot-dir "$WORK/nothing-here/x" --namespace "bad/ns" 2>&1); code=$?
set -e
expect_eq "$code" 1 "bad namespace"
expect_contains "$err" "bad/ns" "bad namespace named"
echo PASS
