#!/usr/bin/env bash
# The CLI on an s3:// bucket served by moto on a loopback port: bucket create,
# ingest, files, snapshots, query, explain, lookup (with and without a
# namespace), --table on an s3:// location, and clear S3 errors.
source "$(dirname "$0")/../lib.sh"
py() { /usr/bin/python3 -c "$@"; }

start_moto
B="s3://lake/warehouse?endpoint=http://127.0.0.1:$PORT"

# Before the bucket exists: a clear S3 error naming the code and the fix.
set +e
err=$("$STRATA" query --bucket "$B" --namespace tenant-1 "SELECT 1" 2>&1); code=$?
set -e
expect_eq "$code" 1 "query on a missing bucket"
expect_contains "$err" "NoSuchBucket" "missing bucket message"
[[ "$err" != *test-secret-value* ]] || fail "the secret leaked into an error"

out=$("$STRATA" bucket create "$B")
expect_contains "$out" "s3://lake/warehouse" "bucket create"
out=$("$STRATA" bucket create "$B")  # again: fine
expect_contains "$out" "bucket ready" "bucket create twice"

"$STRATA" gen --count 3000 --hours 6 --start 2024-05-01T00:00:00Z --seed 5 > "$WORK/a.ndjson"
"$STRATA" ingest --bucket "$B" --namespace tenant-1 "$WORK/a.ndjson" >/dev/null

files=$("$STRATA" files --bucket "$B" --namespace tenant-1 --json)
check=$(py 'import json,sys
fs=json.load(sys.stdin)
assert all(f["file_path"].startswith("s3://lake/warehouse/cdc/tenant-1/data/year=2024/month=05/") for f in fs), fs[0]["file_path"]
print(len(fs), sum(f["record_count"] for f in fs))' <<<"$files")
expect_eq "$check" "6 3000" "files on s3: count and records"

snaps=$("$STRATA" snapshots --bucket "$B" --namespace tenant-1 --json)
total=$(py 'import json,sys; s=json.load(sys.stdin); print(len(s), s[-1]["summary"]["total-records"])' <<<"$snaps")
expect_eq "$total" "1 3000" "snapshots on s3"

q=$("$STRATA" query --bucket "$B" --namespace tenant-1 --json "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events")
expect_eq "$q" '{"n":3000,"ids":3000}' "query on s3"
hour=$("$STRATA" query --bucket "$B" --namespace tenant-1 --json "SELECT count(*) AS n FROM events WHERE timestamp >= '2024-05-01T02:00:00Z' AND timestamp < '2024-05-01T03:00:00Z'")
want=$(py 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if "2024-05-01T02:00:00" <= json.loads(l)["timestamp"] < "2024-05-01T03:00:00"))' "$WORK/a.ndjson")
expect_eq "$hour" "{\"n\":$want}" "one hour on s3"
ex=$("$STRATA" explain --bucket "$B" --namespace tenant-1 "SELECT count(*) FROM events WHERE timestamp >= '2024-05-01T02:00:00Z' AND timestamp < '2024-05-01T03:00:00Z'")
expect_contains "$ex" "5 pruned by partition, 0 by column bounds, 1 to scan" "explain prunes to one hour's file on s3"

id=$(sed -n '1234p' "$WORK/a.ndjson" | py 'import json,sys; print(json.load(sys.stdin)["id"])')
type=$(sed -n '1234p' "$WORK/a.ndjson" | py 'import json,sys; print(json.load(sys.stdin)["event_type"])')
rec=$("$STRATA" lookup --bucket "$B" --namespace tenant-1 --json "$id")
got=$(py 'import json,sys; r=json.load(sys.stdin); print(r["event"]["id"], r["event"]["event_type"])' <<<"$rec")
expect_eq "$got" "$id $type" "lookup on s3"
rec=$("$STRATA" lookup --bucket "$B" --json "$id")  # every table of the bucket
got=$(py 'import json,sys; r=json.load(sys.stdin); print(r["table"], r["event"]["id"])' <<<"$rec")
expect_eq "$got" "cdc/tenant-1 $id" "lookup without a namespace on s3"

# --table with an s3:// table location (parameters after the path).
t=$("$STRATA" query --table "s3://lake/warehouse/cdc/tenant-1?endpoint=http://127.0.0.1:$PORT" --json "SELECT count(*) AS n FROM events")
expect_eq "$t" '{"n":3000}' "query --table s3://"

# Credentials from a profile of a shared credentials file (--credentials-file, --profile).
printf '[ci]\naws_access_key_id = test\naws_secret_access_key = from-the-file\n' > "$WORK/creds"
n=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$STRATA" --credentials-file "$WORK/creds" --profile ci \
  query --bucket "$B" --namespace tenant-1 --json "SELECT count(*) AS n FROM events")
expect_eq "$n" '{"n":3000}' "query with a credentials-file profile"
set +e
err=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$STRATA" --credentials-file "$WORK/creds" --profile nope \
  files --bucket "$B" --namespace tenant-1 2>&1); code=$?
set -e
expect_eq "$code" 1 "unknown profile"
expect_contains "$err" "'nope' is not in the credentials file" "unknown profile named"
help=$("$STRATA" --help; "$STRATA" query --help)
[[ "$help" != *test-secret-value* ]] || fail "a secret appears in --help"

# A bad bucket URI is refused before any request, naming the parameter.
set +e
err=$("$STRATA" files --bucket "s3://lake?endpoint=http://127.0.0.1:$PORT&colour=blue" --namespace tenant-1 2>&1); code=$?
set -e
expect_eq "$code" 1 "unknown bucket parameter"
expect_contains "$err" "colour" "unknown parameter named"
echo "PASS"
