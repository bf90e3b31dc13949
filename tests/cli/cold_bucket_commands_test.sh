#!/usr/bin/env bash
# The warm and cold tiers in different buckets — two local directories, then
# two S3 buckets served by moto on a loopback port: `strata tier run
# --cold-bucket` compacts old days into the cold bucket (under the table's
# key and uuid),
# the table's bucket keeps the metadata and the warm files; query, lookup,
# time travel, expire and orphans given --cold-bucket see every event once;
# without it a read of a cold file is a clear error naming the option.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }

# objects URI PREFIX: how many objects of bucket URI lie under PREFIX.
objects() {
  python3 - "$1" "$2" <<'PY'
import os, sys, urllib.parse
uri, prefix = sys.argv[1], sys.argv[2]
if uri.startswith("s3://"):
    import boto3
    u = urllib.parse.urlparse(uri)
    endpoint = urllib.parse.parse_qs(u.query)["endpoint"][0]
    base = u.path.strip("/")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=u.netloc, Prefix=f"{base}/{prefix}" if base else prefix)
    print(sum(len(p.get("Contents", [])) for p in pages))
else:
    root = os.path.join(uri.removeprefix("file://"), prefix)
    print(sum(len(files) for _, _, files in os.walk(root)))
PY
}

# scenario WARM_URI COLD_URI COLD_ROOT PUT_STRAY_COMMAND: COLD_ROOT is how the
# cold bucket's locations start ("s3://cold-lake/"); PUT_STRAY_COMMAND KEY
# writes an object into the cold bucket.
scenario() {
  local B=$1 C=$2 cold_root=$3 put_stray=$4
  local cold_prefix="${cold_root}cdc/tenant-1/"
  ingest_ten_days "$B"
  "$STRATA" bucket create "$C" >/dev/null
  local T=(--bucket "$B" --namespace tenant-1 --cold-bucket "$C")
  rows() { "$STRATA" query "${T[@]}" --json "$@" "SELECT * FROM events ORDER BY id"; }
  rows > "$WORK/before.json"
  expect_eq "$(wc -l < "$WORK/before.json")" 2000 "rows before"
  local before
  before=$("$STRATA" snapshots --bucket "$B" --namespace tenant-1 --json | py 'import json,sys; print(json.load(sys.stdin)[-1]["snapshot_id"])')

  local out
  out=$("$STRATA" tier run "${T[@]}" --policy age:2,5 --now 2024-03-11T00:00:00Z)
  expect_contains "$out" "5 compacted (20 files -> 5)" "summary"
  expect_eq "$(objects "$C" cdc/tenant-1/)" 5 "the cold files are in the cold bucket"
  expect_eq "$(objects "$B" cdc/tenant-1/data/)" 40 "the warm bucket got no new data file"
  expect_eq "$("$STRATA" files "${T[@]}" --json | py 'import json,sys; fs=json.load(sys.stdin); print(len(fs), sum(f["file_path"].startswith(sys.argv[1]) for f in fs))' "$cold_prefix")" \
    "25 5" "manifests name the cold files by their own locations"

  rows > "$WORK/after.json"
  cmp -s "$WORK/before.json" "$WORK/after.json" || fail "rows differ after tiering to the cold bucket"
  rows --snapshot "$before" > "$WORK/travel.json"
  cmp -s "$WORK/before.json" "$WORK/travel.json" || fail "time travel rows differ"

  # A lookup of an event of the oldest day finds it in the cold bucket.
  local id
  id=$(py 'import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["timestamp"].startswith("2024-03-01"): print(e["id"]); break' "$WORK/all.ndjson")
  out=$("$STRATA" lookup "${T[@]}" --json "$id")
  expect_contains "$out" "\"id\":\"$id\"" "lookup finds the event"
  expect_contains "$out" "$cold_prefix" "lookup names the cold file"

  # The same bucket as --cold-bucket is just the one bucket (both tiers in it).
  expect_eq "$("$STRATA" query --bucket "$B" --namespace tenant-1 --cold-bucket "$B" --json "SELECT COUNT(*) AS n FROM events WHERE timestamp >= '2024-03-07'")" \
    "$("$STRATA" query "${T[@]}" --json "SELECT COUNT(*) AS n FROM events WHERE timestamp >= '2024-03-07'")" "--cold-bucket equal to --bucket"

  # Without --cold-bucket: an error that says what to do, never a partial answer.
  local err code
  set +e
  err=$("$STRATA" query --bucket "$B" --namespace tenant-1 "SELECT COUNT(*) FROM events" 2>&1); code=$?
  set -e
  expect_eq "$code" 1 "exit code without the cold bucket"
  expect_contains "$err" "$cold_prefix" "the error names the cold file"
  expect_contains "$err" "--cold-bucket" "the error names the option"

  # Expire deletes the replaced warm files; orphans removes a stray cold object.
  out=$("$STRATA" expire "${T[@]}" --older-than 0s --json)
  expect_eq "$(py 'import json,sys; print(json.load(sys.stdin)["deleted"]["data_files"])' <<<"$out")" 20 "expired warm files"
  expect_eq "$(objects "$B" cdc/tenant-1/data/)" 20 "warm files left"
  # A stray object beside the cold files (cdc/tenant-1/<table uuid>/data/...)
  # is an orphan; an object of another table's name in the cold bucket is not
  # this table's to delete.
  local stray
  stray=$("$STRATA" files "${T[@]}" --json | py 'import json,os,sys
p = next(f["file_path"] for f in json.load(sys.stdin) if f["file_path"].startswith(sys.argv[1]))
print(os.path.dirname(p[len(sys.argv[2]):]) + "/stray.parquet")' "$cold_prefix" "$cold_root")
  expect_contains "$stray" "cdc/tenant-1/" "stray key"
  "$put_stray" "$stray"
  "$put_stray" cdc/tenant-1/data/another-warm-buckets-file.parquet
  expect_eq "$(objects "$C" cdc/tenant-1/)" 7 "the stray objects are there"
  out=$("$STRATA" orphans "${T[@]}" --older-than 2100-01-01T00:00:00Z --json)
  expect_contains "$out" "\"@cold/$stray\"" "orphans lists the table's prefix in the cold bucket"
  expect_eq "$(objects "$C" cdc/tenant-1/)" 6 "the stray object is removed, the cold files and the other one kept"
  rows > "$WORK/final.json"
  cmp -s "$WORK/before.json" "$WORK/final.json" || fail "rows differ after expire and orphans"
  rm -f "$WORK"/part.*
}

# Two local directories.
local_stray() { mkdir -p "$(dirname "$WORK/cold/$1")" && echo junk > "$WORK/cold/$1"; }
scenario "file://$WORK/warm" "file://$WORK/cold" "file://$WORK/cold/" local_stray

# Two S3 buckets (moto on loopback).
start_moto
s3_stray() {
  python3 -c 'import boto3,sys; boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1").put_object(Bucket="cold-lake", Key=sys.argv[2], Body=b"junk")' \
    "http://127.0.0.1:$PORT" "$1"
}
scenario "s3://warm-lake?endpoint=http://127.0.0.1:$PORT" "s3://cold-lake?endpoint=http://127.0.0.1:$PORT" \
  "s3://cold-lake/" s3_stray
echo OK
