#!/usr/bin/env bash
# `strata compact` on a local bucket: ten small ingests of one hour make ten
# small files; compacting the hour leaves one file with the same rows (every
# column, compared as JSON), time travel to the snapshot before still reads
# the old files, lookups find events in the new file, and a second run has
# nothing to do. Also: --json, `strata rewrite-manifests` and a daily table
# without --partition, and errors for a partition that does not match the table.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }
B="$WORK/bucket"
"$STRATA" bucket create "file://$B" >/dev/null

"$STRATA" gen --count 1000 --hours 1 --start 2024-01-15T10:00:00Z --seed 7 --namespaces 1 > "$WORK/all.ndjson"
split -n l/10 -d "$WORK/all.ndjson" "$WORK/part."
for p in "$WORK"/part.*; do
  "$STRATA" ingest --bucket "$B" --namespace tenant-1 "$p" >/dev/null
done
rows() { "$STRATA" query --bucket "$B" --namespace tenant-1 --json "$@" "SELECT * FROM events ORDER BY id"; }
nfiles() { "$STRATA" files --bucket "$B" --namespace tenant-1 --json "$@" | py 'import json,sys; print(len(json.load(sys.stdin)))'; }
rows > "$WORK/before.json"
expect_eq "$(wc -l < "$WORK/before.json")" 1000 "rows before"
expect_eq "$(nfiles)" 10 "files before"
before_snapshot=$("$STRATA" snapshots --bucket "$B" --namespace tenant-1 --json | py 'import json,sys; print(json.load(sys.stdin)[-1]["snapshot_id"])')

out=$("$STRATA" compact --bucket "$B" --namespace tenant-1 --partition year=2024/month=1/day=15/hour=10 2>"$WORK/err")
expect_contains "$out" "compacted 1 of 1 partition of" "compact summary"
expect_contains "$out" "10 files (" "compact summary: files before"
expect_contains "$out" "-> 1 file (" "compact summary: files after"
expect_contains "$out" "1,000 rows" "compact summary: rows"
expect_eq "$(cat "$WORK/err")" "" "no progress on stderr when it is not a terminal"
expect_eq "$(nfiles)" 1 "files after"
rows > "$WORK/after.json"
cmp -s "$WORK/before.json" "$WORK/after.json" || fail "rows differ after compaction"
# Time travel to the snapshot before reads the ten old files and the same rows.
expect_eq "$(nfiles --snapshot "$before_snapshot")" 10 "files of the snapshot before"
rows --snapshot "$before_snapshot" > "$WORK/travel.json"
cmp -s "$WORK/before.json" "$WORK/travel.json" || fail "time travel rows differ"
# A lookup finds an event in the new file (through the id index).
id=$(head -1 "$WORK/before.json" | py 'import json,sys; print(json.load(sys.stdin)["id"])')
new_file=$("$STRATA" files --bucket "$B" --namespace tenant-1 --json | py 'import json,sys; print(json.load(sys.stdin)[0]["file_path"])')
out=$("$STRATA" lookup --bucket "$B" --namespace tenant-1 --json "$id")
expect_contains "$out" "$id" "lookup after compaction"
expect_contains "$out" "$new_file" "lookup names the new file"

# A second run: one file is below --min-files, nothing to do (JSON).
out=$("$STRATA" compact --bucket "$B" --namespace tenant-1 --json)
expect_eq "$(py 'import json,sys; j=json.load(sys.stdin); p=j["partitions"][0]; print(j["partitions_compacted"], p["compacted"], p["skipped_reason"].split(", ")[1])' <<<"$out")" \
  "0 False fewer than 4 to compact" "second compact"

# A daily table (in a second bucket), every partition, with --json numbers.
B2="$WORK/bucket2"
"$STRATA" bucket create "file://$B2" >/dev/null
"$STRATA" gen --count 600 --hours 48 --start 2024-02-01T00:00:00Z --seed 8 --namespaces 1 > "$WORK/daily.ndjson"
split -n l/4 -d "$WORK/daily.ndjson" "$WORK/daily."
for p in "$WORK"/daily.0*; do
  "$STRATA" ingest --bucket "$B2" --namespace tenant-1 --scheme daily "$p" >/dev/null
done
# rewrite-manifests: one manifest per ingest become one; scans and time travel read the same rows.
manifests() { "$STRATA" explain --bucket "$B2" --namespace tenant-1 --json "$@" "SELECT count(*) FROM events" | py 'import json,sys; print(json.load(sys.stdin)["manifests"])'; }
drows() { "$STRATA" query --bucket "$B2" --namespace tenant-1 --json "$@" "SELECT * FROM events ORDER BY id"; }
expect_eq "$(manifests)" 4 "manifests before rewrite-manifests"
drows > "$WORK/d-before.json"
pre=$("$STRATA" snapshots --bucket "$B2" --namespace tenant-1 --json | py 'import json,sys; print(json.load(sys.stdin)[-1]["snapshot_id"])')
out=$("$STRATA" rewrite-manifests --bucket "$B2" --namespace tenant-1)
expect_contains "$out" "rewrote 4 manifests of" "rewrite-manifests summary"
expect_contains "$out" "into 1 (4 data files" "rewrite-manifests summary counts"
expect_eq "$(manifests)" 1 "manifests after rewrite-manifests"
expect_eq "$(manifests --snapshot "$pre")" 4 "manifests of the snapshot before"
drows > "$WORK/d-after.json"
cmp -s "$WORK/d-before.json" "$WORK/d-after.json" || fail "rows differ after rewrite-manifests"
drows --snapshot "$pre" > "$WORK/d-travel.json"
cmp -s "$WORK/d-before.json" "$WORK/d-travel.json" || fail "time travel rows differ after rewrite-manifests"
out=$("$STRATA" rewrite-manifests --bucket "$B2" --namespace tenant-1 --json)
expect_eq "$(py 'import json,sys; print(json.load(sys.stdin)["rewritten"])' <<<"$out")" "False" "second rewrite-manifests"

out=$("$STRATA" compact --bucket "$B2" --namespace tenant-1 --min-files 2 --target-mb 64 --json)
expect_eq "$(py 'import json,sys; j=json.load(sys.stdin); print(j["partitions_compacted"], j["files_before"], j["files_after"], j["rows"])' <<<"$out")" \
  "2 4 2 600" "daily compact"
expect_eq "$("$STRATA" query --bucket "$B2" --namespace tenant-1 --json "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events")" \
  '{"n":600,"d":600}' "daily rows after compaction"

# Errors: a partition of another scheme, a bad value.
if out=$("$STRATA" compact --bucket "$B" --namespace tenant-1 --partition year=2024/month=1 2>&1); then
  fail "compact accepted a partition without day and hour"
fi
expect_contains "$out" "year=N/month=N/day=N/hour=N" "partition error names the table's fields"
if out=$("$STRATA" compact --bucket "$B" --namespace tenant-1 --partition year=2024/month=1/day=15/hour=ten 2>&1); then
  fail "compact accepted hour=ten"
fi
expect_contains "$out" "not an integer" "partition value error"
echo "PASS"
