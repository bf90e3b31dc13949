#!/usr/bin/env bash
# Strata's main job on its embedded default, a local directory as the bucket:
# generate a realistic sample (100,000 events over 48 hours, all ten event
# types), ingest it into an Iceberg table, then print the table summary and
# the answers to the guide's example queries.
# Usage: scripts/demo.sh [BUCKET_DIR] [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh >/dev/null
STRATA=${STRATA_BUILD_DIR:-build}/src/cli/strata
BUCKET=$(realpath -m "${1:-demo-bucket}")
EVENTS=${2:-100000}
NS=tenant-1
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT

section() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s#$STRATA#strata#"; "$@"; }

section "A fresh bucket and $EVENTS generated events (48 hours, starting 2024-01-14)"
rm -rf "$BUCKET"
run "$STRATA" bucket create "file://$BUCKET"
"$STRATA" gen --count "$EVENTS" --hours 48 --start 2024-01-14T00:00:00Z --seed 42 > "$WORK/events.ndjson"
echo "wrote $(wc -l < "$WORK/events.ndjson") events, $(du -h "$WORK/events.ndjson" | cut -f1) of NDJSON"

section "Ingest into the Iceberg table cdc/$NS/"
run "$STRATA" ingest --bucket "file://$BUCKET" --namespace "$NS" "$WORK/events.ndjson"

section "Table summary"
run "$STRATA" table --bucket "file://$BUCKET" --namespace "$NS"
run "$STRATA" snapshots --bucket "file://$BUCKET" --namespace "$NS"

q() { section "$1"; run "$STRATA" query --bucket "file://$BUCKET" --namespace "$NS" "$2"; }
q "Time range: events on 2024-01-14 between 09:00 and 12:00 UTC, by hour" \
  "SELECT hour, COUNT(*) AS events, COUNT(DISTINCT trace_id) AS traces FROM events WHERE year = 2024 AND month = 1 AND day = 14 AND timestamp >= TIMESTAMPTZ '2024-01-14 09:00:00+00' AND timestamp < TIMESTAMPTZ '2024-01-14 12:00:00+00' GROUP BY hour ORDER BY hour"
q "COUNT(*) GROUP BY event_type" \
  "SELECT event_type, COUNT(*) AS events FROM events WHERE year = 2024 AND month = 1 AND day BETWEEN 1 AND 15 GROUP BY event_type ORDER BY events DESC"
q "p95 duration_ms by service_name" \
  "SELECT service_name, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms, COUNT(*) AS events FROM events WHERE duration_ms IS NOT NULL GROUP BY service_name ORDER BY p95_ms DESC"

section "Done. The table is at $BUCKET/cdc/$NS (Iceberg v2: metadata/, data/)."
echo "Try: $STRATA query --bucket file://$BUCKET --namespace $NS \"SELECT * FROM events LIMIT 5\""
