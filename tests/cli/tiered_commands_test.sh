#!/usr/bin/env bash
# `strata query` and `strata lookup` with --hot-dir: every event exactly once
# across the hot tier and the table — events in both tiers, events that only
# the hot tier holds (the table cannot take files, so the ingest fails after
# acknowledging them), and while another process (`strata ingest --hot-dir`)
# drains them into the table; `lookup --json` names the tier; errors.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }
B="$WORK/bucket"; H="$WORK/hot"
T="$B/cdc/tenant-1"

"$STRATA" gen --count 2000 --hours 2 --start 2024-05-01T00:00:00Z --seed 21 > "$WORK/a.ndjson"
"$STRATA" gen --count 500 --hours 2 --start 2024-06-01T00:00:00Z --seed 22 > "$WORK/b.ndjson"
"$STRATA" gen --count 30000 --hours 2 --start 2024-05-01T00:00:00Z --seed 23 > "$WORK/c.ndjson"
first_id() { head -1 "$1" | py 'import json,sys; print(json.load(sys.stdin)["id"])'; }
A_ID=$(first_id "$WORK/a.ndjson"); B_ID=$(first_id "$WORK/b.ndjson")

both() { "$STRATA" query --bucket "$B" --namespace tenant-1 --hot-dir "$H" --json "$@"; }
table() { "$STRATA" query --bucket "$B" --namespace tenant-1 --json "$@"; }
COUNTS="SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events"
tier_of() {
  "$STRATA" lookup --bucket "$B" --namespace tenant-1 --hot-dir "$H" --json "$1" |
    py 'import json,sys; d=json.load(sys.stdin); print(d["tier"], d["event"]["id"], d["file"] is None)'
}

# In both tiers: committed, and kept in the hot tier for recent reads.
"$STRATA" ingest --bucket "$B" --namespace tenant-1 --hot-dir "$H" --batch-size 1000 "$WORK/a.ndjson" >/dev/null
expect_eq "$(both "$COUNTS")" '{"n":2000,"ids":2000}' "in both tiers: each event once"
expect_eq "$(tier_of "$A_ID")" "hot $A_ID True" "lookup answers from the hot tier"
stats=$("$STRATA" query --bucket "$B" --namespace tenant-1 --hot-dir "$H" --stats "SELECT count(*) FROM events" 2>&1 >/dev/null)
expect_contains "$stats" "0 rows above the table's max-lsn 2000" "query --stats: nothing hot-only"

# Hot only: b's events (June) cannot be stored in the table, whose June
# partition directory is a file; the ingest acknowledges them in the hot
# tier, then fails to flush.
touch "$T/data/year=2024/month=06"
set +e
"$STRATA" ingest --bucket "$B" --namespace tenant-1 --hot-dir "$H" "$WORK/b.ndjson" >"$WORK/b.out" 2>&1; code=$?
set -e
[[ $code -ne 0 ]] || fail "ingest into an unwritable table should fail: $(cat "$WORK/b.out")"
expect_contains "$(cat "$WORK/b.out")" "month=06" "the ingest names what it could not store"
expect_eq "$(both "$COUNTS")" '{"n":2500,"ids":2500}' "acknowledged events wait in the hot tier"
expect_eq "$(table "$COUNTS")" '{"n":2000,"ids":2000}' "the table alone lacks them"
expect_eq "$(tier_of "$B_ID")" "hot $B_ID True" "a hot-only event"
stats=$("$STRATA" query --bucket "$B" --namespace tenant-1 --hot-dir "$H" --stats "SELECT count(*) FROM events" 2>&1 >/dev/null)
expect_contains "$stats" "500 rows above the table's max-lsn 2000" "query --stats: the hot-only rows"
rm "$T/data/year=2024/month=06"

# The next ingest (another process) drains b, then c, into the table while
# queries and lookups run: never a duplicate, never fewer than before.
"$STRATA" ingest --bucket "$B" --namespace tenant-1 --hot-dir "$H" --batch-size 2000 "$WORK/c.ndjson" \
  >"$WORK/c.out" 2>&1 &
ingest=$!
last=2500; rounds=0
while kill -0 "$ingest" 2>/dev/null; do
  got=$(both "$COUNTS")
  read -r n ids < <(py 'import json,sys; d=json.load(sys.stdin); print(d["n"], d["ids"])' <<<"$got")
  [[ "$n" == "$ids" ]] || fail "a query saw an event twice while the ingest ran: $got"
  (( n >= last )) || fail "a query lost events while the ingest ran: $n after $last"
  last=$n; rounds=$((rounds + 1))
  [[ "$(tier_of "$B_ID" | cut -d' ' -f2)" == "$B_ID" ]] || fail "lookup of $B_ID failed while the ingest ran"
done
wait "$ingest" || fail "ingest failed: $(cat "$WORK/c.out")"
echo "$rounds query rounds while the ingest ran"
expect_eq "$(both "$COUNTS")" '{"n":32500,"ids":32500}' "after the drain, across tiers"
expect_eq "$(table "$COUNTS")" '{"n":32500,"ids":32500}' "after the drain, the table alone"
q=$(both "SELECT min(lsn) AS lo, max(lsn) AS hi FROM events WHERE id = '$B_ID'")
expect_eq "$q" "$(table "SELECT min(lsn) AS lo, max(lsn) AS hi FROM events WHERE id = '$B_ID'")" "same lsn in both readers"

# Without --hot-dir, lookup --json says the table answered.
t=$("$STRATA" lookup --bucket "$B" --namespace tenant-1 --json "$A_ID" |
  py 'import json,sys; d=json.load(sys.stdin); print(d["tier"], d["file"]["file_path"].endswith(".parquet"))')
expect_eq "$t" "warm True" "lookup without --hot-dir: a file the sink wrote"
text=$("$STRATA" lookup --bucket "$B" --namespace tenant-1 --hot-dir "$H" "$A_ID")
expect_contains "$text" "in the hot tier $H/tenant-1.sqlite" "lookup text names the hot tier"

# Time travel reads the table only.
first=$("$STRATA" snapshots --bucket "$B" --namespace tenant-1 --json |
  py 'import json,sys; d=json.load(sys.stdin); s=d if isinstance(d, list) else d["snapshots"]; print(s[0]["snapshot_id"])')
expect_eq "$(both --snapshot "$first" "$COUNTS")" "$(table --snapshot "$first" "$COUNTS")" "time travel: table only"

set +e
err=$("$STRATA" query --bucket "$B" --namespace tenant-9 --hot-dir "$H" "SELECT 1" 2>&1); code=$?
set -e
expect_eq "$code" 1 "no hot tier for the namespace"
expect_contains "$err" "tenant-9.sqlite" "missing hot tier named"
set +e
err=$("$STRATA" lookup --table "$T" --hot-dir "$H" "$A_ID" 2>&1); code=$?
set -e
expect_eq "$code" 1 "--hot-dir with --table"
expect_contains "$err" "--hot-dir reads one namespace" "--hot-dir needs --bucket and --namespace"
echo PASS
