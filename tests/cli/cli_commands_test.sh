#!/usr/bin/env bash
# The CLI's commands end to end on a local bucket: bucket create, gen,
# ingest (file and stdin, daily scheme), files/snapshots/table/query with
# --json, and clear errors with non-zero exit codes.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }
B="$WORK/bucket"

out=$("$STRATA" bucket create "file://$B")
expect_contains "$out" "file://$B" "bucket create"
[[ -d "$B" ]] || fail "bucket directory not created"

# gen is deterministic per seed and covers every event type and namespace.
"$STRATA" gen --count 2000 --hours 30 --start 2024-02-28T12:00:00Z --seed 11 --namespaces 3 > "$WORK/a.ndjson"
"$STRATA" gen --count 2000 --hours 30 --start 2024-02-28T12:00:00Z --seed 11 --namespaces 3 > "$WORK/b.ndjson"
cmp -s "$WORK/a.ndjson" "$WORK/b.ndjson" || fail "gen with the same seed differs"
stats=$(py 'import json,sys
evs=[json.loads(l) for l in open(sys.argv[1])]
print(len({e["event_type"] for e in evs}), len({e["ns"] for e in evs}), len({e["id"] for e in evs}))' "$WORK/a.ndjson")
expect_eq "$stats" "10 3 2000" "gen: event types, namespaces, distinct ids"

# Ingest one namespace's events, daily partitions, half from a file and half from stdin.
grep '"ns":"tenant-2"' "$WORK/a.ndjson" > "$WORK/t2.ndjson"
total=$(wc -l < "$WORK/t2.ndjson")
half=$((total / 2))
head -n $half "$WORK/t2.ndjson" > "$WORK/t2a.ndjson"
tail -n +$((half + 1)) "$WORK/t2.ndjson" > "$WORK/t2b.ndjson"
"$STRATA" ingest --bucket "$B" --namespace tenant-2 --scheme daily "$WORK/t2a.ndjson" >/dev/null
"$STRATA" ingest --bucket "$B" --namespace tenant-2 - < "$WORK/t2b.ndjson" >/dev/null

# files --json: DataFileEntry field names, daily paths, counts add up.
files=$("$STRATA" files --bucket "$B" --namespace tenant-2 --json)
check=$(py 'import json,sys,re
fs=json.load(sys.stdin)
assert all(set(f) >= {"file_path","file_format","record_count","file_size_in_bytes","partition","min_lsn","max_lsn","min_timestamp","max_timestamp"} for f in fs)
assert all(re.search(r"/data/year=2024/month=0[23]/day=\d\d/[^/]+\.parquet$", f["file_path"]) for f in fs), "daily paths"
assert all("hour" not in f["partition"] for f in fs)
print(sum(f["record_count"] for f in fs))' <<<"$files")
expect_eq "$check" "$total" "files: record counts"

# snapshots --json: two appends, a linear chain, lsn continues across runs.
snaps=$("$STRATA" snapshots --bucket "$B" --namespace tenant-2 --json)
chain=$(py 'import json,sys
s=json.load(sys.stdin)
assert len(s)==2 and s[0]["parent_snapshot_id"] is None and s[1]["parent_snapshot_id"]==s[0]["snapshot_id"]
assert all(x["operation"]=="append" for x in s)
print(s[1]["summary"]["total-records"], s[1]["summary"]["strata.max-lsn"])' <<<"$snaps")
expect_eq "$chain" "$total $total" "snapshots: totals and max lsn"

# query --json: one object per row keyed by column name.
q=$("$STRATA" query --bucket "$B" --namespace tenant-2 --json "SELECT count(*) AS n, count(DISTINCT id) AS ids, min(lsn) AS lo, max(lsn) AS hi FROM events")
expect_eq "$q" "{\"n\":$total,\"ids\":$total,\"lo\":1,\"hi\":$total}" "query --json"
table=$("$STRATA" table --bucket "$B" --namespace tenant-2)
expect_contains "$table" "daily partitions" "table summary"

# Errors: clear message, non-zero exit.
set +e
err=$("$STRATA" query --bucket "$B" --namespace nobody "SELECT 1" 2>&1); code=$?
expect_eq "$code" 1 "query on a missing table"; expect_contains "$err" "no Iceberg table" "missing table message"
err=$("$STRATA" query --bucket "$B" --namespace tenant-2 "SELEC nonsense" 2>&1); code=$?
expect_eq "$code" 1 "bad SQL"; expect_contains "$err" "syntax error" "bad SQL message"
err=$("$STRATA" ingest --bucket "$B" --namespace ../etc "$WORK/t2a.ndjson" 2>&1); code=$?
[[ $code -ne 0 ]] || fail "a namespace with '..' must be refused"; expect_contains "$err" "namespace" "bad namespace message"
err=$("$STRATA" ingest --bucket "$B" --namespace tenant-1 "$WORK/t2a.ndjson" 2>&1); code=$?
expect_eq "$code" 2 "events of another namespace"; expect_contains "$err" "does not match" "ns mismatch message"
err=$("$STRATA" files --bucket "gs://x" --namespace tenant-2 2>&1); code=$?
expect_eq "$code" 1 "unsupported bucket scheme"; expect_contains "$err" "NotSupported" "unsupported scheme message"
err=$("$STRATA" ingest --bucket "$B" --namespace tenant-2 "$WORK/missing.ndjson" 2>&1); code=$?
expect_eq "$code" 1 "missing input"; expect_contains "$err" "cannot open input file" "missing input message"
set -e
echo PASS
