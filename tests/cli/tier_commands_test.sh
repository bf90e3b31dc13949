#!/usr/bin/env bash
# `strata tier run` on a local bucket: a daily table of 10 days, each day in
# 4 small files; with the policy age:2,5 as of the day after the last one,
# the 5 oldest days (newest event 5 days old or more) are compacted to cold (one file each) and the others stay
# warm; rows are identical afterwards and through time travel; a dry run
# changes nothing; a second run has nothing to do; the hot tier of an
# interrupted ingest is drained into the table. Bad policies are refused.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }
B="$WORK/bucket"
ingest_ten_days "$B"
rows() { "$STRATA" query --bucket "$B" --namespace tenant-1 --json "$@" "SELECT * FROM events ORDER BY id"; }
nfiles() { "$STRATA" files --bucket "$B" --namespace tenant-1 --json "$@" | py 'import json,sys; print(len(json.load(sys.stdin)))'; }
snapshot() { "$STRATA" snapshots --bucket "$B" --namespace tenant-1 --json | py 'import json,sys; print(json.load(sys.stdin)[-1]["snapshot_id"])'; }
rows > "$WORK/before.json"
expect_eq "$(wc -l < "$WORK/before.json")" 2000 "rows before"
expect_eq "$(nfiles)" 40 "files before"
before=$(snapshot)
run=(tier run --bucket "$B" --namespace tenant-1 --policy age:2,5 --now 2024-03-11T00:00:00Z)

out=$("$STRATA" "${run[@]}" --dry-run --json)
expect_eq "$(py 'import json,sys; j=json.load(sys.stdin); print(j["dry_run"], j["partitions_compacted"], sum(p["action"]=="would compact to cold" for p in j["partitions"]))' <<<"$out")" \
  "True 0 5" "dry run"
expect_eq "$(snapshot)" "$before" "a dry run commits nothing"

out=$("$STRATA" "${run[@]}" 2>"$WORK/err")
expect_contains "$out" "tiering tenant-1 with" "summary header"
expect_contains "$out" "year=2024/month=03/day=01: compacted to cold (4 small of 4 files -> 1)" "oldest day compacted"
expect_contains "$out" "10 partitions, 5 warm, 5 cold; 5 compacted (20 files -> 5)" "summary"
expect_eq "$(cat "$WORK/err")" "" "no progress on stderr when it is not a terminal"
expect_eq "$(nfiles)" 25 "files after: 5 cold + 5 x 4 warm"
rows > "$WORK/after.json"
cmp -s "$WORK/before.json" "$WORK/after.json" || fail "rows differ after tiering"
rows --snapshot "$before" > "$WORK/travel.json"
cmp -s "$WORK/before.json" "$WORK/travel.json" || fail "time travel rows differ"

out=$("$STRATA" "${run[@]}" --json)
expect_eq "$(py 'import json,sys; j=json.load(sys.stdin); print(j["partitions_compacted"], j["warm_partitions"], j["cold_partitions"])' <<<"$out")" \
  "0 5 5" "second run"

# The hot tier: events acknowledged by an ingest are drained by the job.
"$STRATA" gen --count 300 --hours 1 --start 2024-03-10T12:00:00Z --seed 9 --namespaces 1 > "$WORK/hot.ndjson"
"$STRATA" ingest --bucket "$B" --namespace tenant-1 --scheme daily --hot-dir "$WORK/hot" "$WORK/hot.ndjson" >/dev/null
out=$("$STRATA" tier run --bucket "$B" --namespace tenant-1 --hot-dir "$WORK/hot" --json)
expect_eq "$(py 'import json,sys; j=json.load(sys.stdin)["hot"]; print(j["released"] + j["rows_left"])' <<<"$out")" 300 "hot rows accounted for"
count=$("$STRATA" query --bucket "$B" --namespace tenant-1 --json "SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM events")
expect_eq "$count" '{"n":2300,"d":2300}' "every event once in the table"

# Bad input.
set +e
err=$("$STRATA" tier run --bucket "$B" --namespace tenant-1 --policy age:30,7 2>&1); code=$?
expect_eq "$code" 1 "warm after cold exit code"; expect_contains "$err" "warm" "warm after cold is refused"
err=$("$STRATA" tier run --bucket "$B" --namespace tenant-1 --policy weekly 2>&1); code=$?
expect_eq "$code" 1 "unknown preset exit code"; expect_contains "$err" "standard" "unknown preset names the presets"
err=$("$STRATA" tier run --bucket "$B" --namespace tenant-1 --policy age:7 2>&1); code=$?
expect_eq "$code" 1 "malformed policy exit code"; expect_contains "$err" "age:WARM_DAYS,COLD_DAYS" "malformed policy message"
echo OK
