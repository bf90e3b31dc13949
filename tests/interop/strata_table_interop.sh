#!/usr/bin/env bash
# A table written by `strata ingest` is read by third-party readers:
#   avro  — Debian's python3-avro opens every manifest list and manifest and
#           finds the Iceberg field-id attributes and header keys;
#   icebird — the npm Iceberg reader, served the table over loopback HTTP,
#           returns the same row count and the same ids.
# Usage: strata_table_interop.sh avro|icebird
source "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?avro or icebird}

"$STRATA" gen --count 3000 --hours 6 --start 2024-03-01T00:00:00Z --seed 7 > "$WORK/events.ndjson"
# Two ingests: two snapshots, so readers must follow the manifest list chain.
head -n 1700 "$WORK/events.ndjson" > "$WORK/part1.ndjson"
tail -n +1701 "$WORK/events.ndjson" > "$WORK/part2.ndjson"
"$STRATA" ingest --bucket "$WORK/bucket" --namespace tenant-1 --batch-size 500 "$WORK/part1.ndjson" >/dev/null
"$STRATA" ingest --bucket "$WORK/bucket" --namespace tenant-1 "$WORK/part2.ndjson" >/dev/null
table="$WORK/bucket/cdc/tenant-1"

case "$mode" in
  avro)
    /usr/bin/python3 "$here/check_avro_field_ids.py" "$table"
    ;;
  icebird)
    [[ -d "$here/node_modules/icebird" ]] || fail "icebird is not installed: run scripts/setup.sh"
    /usr/bin/python3 -c 'import json,sys
for line in open(sys.argv[1]): print(json.loads(line)["id"])' "$WORK/events.ndjson" > "$WORK/ids.txt"
    location=$("$STRATA" table --bucket "$WORK/bucket" --namespace tenant-1 --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["location"])')
    # Strata writes absolute file:// locations (as Java and Spark do); the
    # harness maps them onto the loopback server that serves the table.
    out=$(node "$here/icebird_read.mjs" --table-dir "$table" --expect-count 3000 --expect-ids-file "$WORK/ids.txt" \
          --map-prefix "$location=.")
    echo "$out"
    expect_contains "$out" '"rows":3000' "icebird row count"
    ;;
  *) fail "unknown mode $mode" ;;
esac
echo "PASS $mode"
