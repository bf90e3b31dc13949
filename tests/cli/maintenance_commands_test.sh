#!/usr/bin/env bash
# `strata expire` and `strata orphans` on a local bucket: several ingests make
# several snapshots; expiring all but the newest keeps the table readable with
# the same rows, and a clean table has no orphans. Also: dry runs change
# nothing, bad --older-than values are rejected.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }
B="$WORK/bucket"
"$STRATA" bucket create "file://$B" >/dev/null

"$STRATA" gen --count 900 --hours 6 --start 2024-03-01T00:00:00Z --seed 5 --namespaces 1 > "$WORK/all.ndjson"
split -n l/3 -d "$WORK/all.ndjson" "$WORK/part."
for p in "$WORK"/part.*; do
  "$STRATA" ingest --bucket "$B" --namespace tenant-1 --batch-size 100 "$p" >/dev/null
done
total=$(wc -l < "$WORK/all.ndjson")
snaps() { "$STRATA" snapshots --bucket "$B" --namespace tenant-1 --json | py 'import json,sys; print(len(json.load(sys.stdin)))'; }
count() { "$STRATA" query --bucket "$B" --namespace tenant-1 --json "SELECT count(*) AS n FROM events"; }
before=$(snaps)
[[ "$before" -ge 3 ]] || fail "expected at least 3 snapshots, got $before"
expect_eq "$(count)" "{\"n\":$total}" "count before expiry"
files_before=$(find "$B" -type f | wc -l)

# A dry run reports and changes nothing.
out=$("$STRATA" expire --bucket "$B" --namespace tenant-1 --older-than 0s --retain-last 1 --dry-run --json)
expect_eq "$(py 'import json,sys; j=json.load(sys.stdin); print(len(j["expired_snapshots"]), j["snapshots_remaining"], j["version"])' <<<"$out")" \
  "$((before - 1)) 1 0" "expire --dry-run summary"
expect_eq "$(find "$B" -type f | wc -l)" "$files_before" "expire --dry-run deleted files"
expect_eq "$(snaps)" "$before" "snapshots after dry run"

# The default cutoff (5 days) keeps these fresh snapshots.
out=$("$STRATA" expire --bucket "$B" --namespace tenant-1)
expect_contains "$out" "expired 0 snapshots" "expire with the default cutoff"

out=$("$STRATA" expire --bucket "$B" --namespace tenant-1 --older-than 0s --retain-last 1)
expect_contains "$out" "expired $((before - 1)) snapshots" "expire summary"
expect_contains "$out" "manifest lists" "expire summary lists kinds"
expect_eq "$(snaps)" 1 "snapshots after expiry"
expect_eq "$(count)" "{\"n\":$total}" "count after expiry"
# The manifest lists of the expired snapshots are gone.
expect_eq "$(find "$B/cdc/tenant-1/metadata" -name 'snap-*.avro' | wc -l)" 1 "manifest lists left"

# A clean table has no orphans, even with a cutoff of now.
out=$("$STRATA" orphans --bucket "$B" --namespace tenant-1 --older-than 0s --dry-run --json)
expect_eq "$(py 'import json,sys; j=json.load(sys.stdin); print(j["would_delete"]["total"], j["listed"]==j["reachable"])' <<<"$out")" \
  "0 True" "orphans on a clean table"

# A planted old orphan is found by a dry run, then deleted; the table still reads.
mkdir -p "$B/cdc/tenant-1/data/junk"
echo junk > "$B/cdc/tenant-1/data/junk/stray.parquet"
touch -d '10 days ago' "$B/cdc/tenant-1/data/junk/stray.parquet"
out=$("$STRATA" orphans --bucket "$B" --namespace tenant-1 --dry-run)
expect_contains "$out" "would delete 1 file," "orphans dry run"
expect_contains "$out" "cdc/tenant-1/data/junk/stray.parquet" "orphans dry run lists keys"
[[ -f "$B/cdc/tenant-1/data/junk/stray.parquet" ]] || fail "dry run deleted the orphan"
out=$("$STRATA" orphans --bucket "$B" --namespace tenant-1)
expect_contains "$out" "deleted 1 file," "orphans"
[[ ! -f "$B/cdc/tenant-1/data/junk/stray.parquet" ]] || fail "orphan not deleted"
expect_eq "$(count)" "{\"n\":$total}" "count after orphans"

set +e
err=$("$STRATA" expire --bucket "$B" --namespace tenant-1 --older-than yesterday 2>&1); code=$?
expect_eq "$code" 2 "bad --older-than exit code"; expect_contains "$err" "--older-than" "bad --older-than message"
err=$("$STRATA" orphans --bucket "$B" --namespace nobody 2>&1); code=$?
expect_eq "$code" 1 "orphans on a missing table"; expect_contains "$err" "no Iceberg table" "missing table message"
echo OK
