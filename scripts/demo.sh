#!/usr/bin/env bash
# Strata's main job on its embedded default: `strata serve` with a local
# directory as the bucket. Starts the server, loads a demo dataset (100,000
# realistic events over 48 hours, all ten event types) through the HTTP
# ingest pipeline, answers the guide's example queries over HTTP, prints
# working curl examples, and keeps serving until Ctrl-C (which drains: every
# acknowledged event is committed to its Iceberg table before it exits).
# Usage: scripts/demo.sh [DATA_DIR] [EVENTS]
#   PORT=8080 (default)   DEMO_EXIT=1: drain and exit after the examples
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh >/dev/null
STRATA=$(realpath "${STRATA_BUILD_DIR:-build}/src/cli/strata")
DATA=$(realpath -m "${1:-demo-data}")
EVENTS=${2:-100000}
PORT=${PORT:-8080}
URL="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
SERVER=""
cleanup() {
  if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then kill -TERM "$SERVER"; wait "$SERVER" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

section() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
query() {  # query TITLE SQL
  section "$1"
  local body
  body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"namespace": "tenant-1", "sql": sys.argv[1]}))' "$2")
  show "curl -s -X POST $URL/v1/query -d '$body'"
  curl -sS -X POST "$URL/v1/query" -d "$body" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
if "error" in r: sys.exit("error: " + r["error"])
names = [c["name"] for c in r["columns"]]
rows = [[("" if v is None else str(v)) for v in row] for row in r["rows"]]
widths = [max(len(x) for x in col) for col in zip(names, *rows)]
for row in [names] + rows: print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
print("(%d rows, %d ms, %d from the hot tier)" % (r["row_count"], r["elapsed_ms"], r["hot_rows"]))'
}

section "strata serve on the embedded default config (bucket and hot tier under $DATA)"
rm -rf "$DATA"
show "strata serve --data-dir $DATA --listen 127.0.0.1:$PORT"
"$STRATA" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 200); do
  grep -q "listening on" "$WORK/serve.log" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log" >&2; echo "demo: strata serve did not start (is port $PORT free? PORT=... picks another)" >&2; exit 1; }
  sleep 0.05
done
cat "$WORK/serve.log"

section "Load $EVENTS generated events through POST /v1/pipelines/events (gzip NDJSON, 10,000 per request)"
"$STRATA" gen --count "$EVENTS" --hours 48 --start 2024-01-14T00:00:00Z --seed 42 --namespaces 1 > "$WORK/events.ndjson"
split -l 10000 -d "$WORK/events.ndjson" "$WORK/batch."
show "gzip -c batch | curl -s -X POST -H 'Content-Encoding: gzip' --data-binary @- $URL/v1/pipelines/events"
accepted=0
for b in "$WORK"/batch.*; do
  answer=$(gzip -c "$b" | curl -sS -X POST -H 'Content-Encoding: gzip' --data-binary @- "$URL/v1/pipelines/events")
  n=$(/usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r.get("accepted", 0)) if "error" not in r else sys.exit(r["error"])' "$answer")
  accepted=$((accepted + n))
done
echo "accepted $accepted events (durable in the hot tier; the pipeline commits them to the Iceberg table cdc/tenant-1)"

query "Time range: events on 2024-01-14 between 09:00 and 12:00 UTC, by hour" \
  "SELECT hour, COUNT(*) AS events, COUNT(DISTINCT trace_id) AS traces FROM events WHERE timestamp >= TIMESTAMPTZ '2024-01-14 09:00:00+00' AND timestamp < TIMESTAMPTZ '2024-01-14 12:00:00+00' GROUP BY hour ORDER BY hour"
query "COUNT(*) GROUP BY event_type" \
  "SELECT event_type, COUNT(*) AS events FROM events GROUP BY event_type ORDER BY events DESC"
query "p95 duration_ms by service_name" \
  "SELECT service_name, PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms, COUNT(*) AS events FROM events WHERE duration_ms IS NOT NULL GROUP BY service_name ORDER BY p95_ms DESC"

ID=$(head -n 1 "$WORK/events.ndjson" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
section "Point lookup across the tiers"
show "curl -s '$URL/v1/events/$ID?ns=tenant-1'"
curl -sS "$URL/v1/events/$ID?ns=tenant-1" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin); e = r["event"]
print("tier=%s  id=%s  type=%s  service=%s  timestamp=%s" % (r["tier"], e["id"], e["event_type"], e.get("service_name"), e["timestamp"]))'

section "Tables and snapshots"
show "curl -s $URL/v1/tables"
curl -sS "$URL/v1/tables"; echo
show "curl -s $URL/v1/tables/tenant-1/snapshots"
curl -sS "$URL/v1/tables/tenant-1/snapshots" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%d snapshots, current %s, location %s" % (len(r["snapshots"]), r["current_snapshot_id"], r["location"]))'

section "Try it (docs/API.md)"
cat <<EOF
curl -s $URL/health
curl -s -X POST $URL/v1/pipelines/events --data-binary '{"id":"demo-1","ns":"tenant-1","event_type":"log","event_name":"hello"}'
curl -s '$URL/v1/events/demo-1?ns=tenant-1'
curl -s -X POST $URL/v1/query -d '{"namespace":"tenant-1","sql":"SELECT event_type, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC"}'
curl -s -X POST $URL/v1/query -d '{"namespace":"tenant-1","sql":"SELECT id, timestamp FROM events WHERE service_name = \$1 ORDER BY timestamp DESC LIMIT 5","params":["checkout"]}'
curl -s $URL/v1/tables/tenant-1/files
curl -s $URL/metrics | grep ^strata_ingest
$STRATA query --bucket $DATA/lake --namespace tenant-1 "SELECT count(*) FROM events"   # the table itself, after Ctrl-C
EOF

if [[ "${DEMO_EXIT:-0}" == "1" ]]; then
  section "Drain (SIGTERM): flush and commit, then exit"
  kill -TERM "$SERVER"; wait "$SERVER"; SERVER=""
  tail -n 2 "$WORK/serve.log"
  "$STRATA" query --bucket "$DATA/lake" --namespace tenant-1 "SELECT count(*) AS events_in_the_table FROM events"
  exit 0
fi
section "Serving on $URL — Ctrl-C drains (every acknowledged event committed) and stops"
trap 'kill -TERM "$SERVER"; wait "$SERVER" || true; tail -n 1 "$WORK/serve.log"; rm -rf "$WORK"; exit 0' INT TERM
wait "$SERVER"
