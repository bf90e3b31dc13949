#!/usr/bin/env bash
# `strata serve`'s Iceberg REST catalog (/iceberg) as other engines use it:
# iceberg-js (npm, a REST catalog client) lists the namespaces and tables
# with a tenant's token, loads the table, and icebird (npm) reads its rows
# from the returned metadata location; the other tenant's table is hidden.
source "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
[[ -d "$here/node_modules/iceberg-js" && -d "$here/node_modules/icebird" ]] ||
  fail "iceberg-js / icebird are not installed: run scripts/setup.sh"

TOKEN_1=tenant-1-token-0123456789
TOKEN_2=tenant-2-token-0123456789
cat > "$WORK/strata.jsonc" <<JSONC
{
  "buckets": { "LAKE": { "uri": "lake" } },
  "hot": { "dir": "hot" },
  "sinks": { "default": { "batch_size": 1000, "flush_delay_ms": 100 } },
  "pipelines": { "events": { "bucket": "LAKE", "base_path": "cdc/" } },
  "server": { "listen": "127.0.0.1:0" },
  "tokens": [
    { "token": "$TOKEN_1", "namespaces": ["tenant-1"], "scopes": ["read", "write"] },
    { "token": "$TOKEN_2", "namespaces": ["tenant-2"], "scopes": ["read", "write"] }
  ]
}
JSONC
"$STRATA" serve --config "$WORK/strata.jsonc" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 200); do grep -q "listening on" "$WORK/serve.log" && break; sleep 0.05; done
URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$WORK/serve.log" | head -n 1)
[[ -n "$URL" ]] || fail "strata serve did not start: $(cat "$WORK/serve.log")"

"$STRATA" gen --count 3000 --hours 4 --start 2024-03-01T00:00:00Z --seed 9 --namespaces 2 > "$WORK/events.ndjson"
grep '"ns":"tenant-1"' "$WORK/events.ndjson" > "$WORK/t1.ndjson"
grep '"ns":"tenant-2"' "$WORK/events.ndjson" > "$WORK/t2.ndjson"
n1=$(wc -l < "$WORK/t1.ndjson")
curl -sS -H "Authorization: Bearer $TOKEN_1" --data-binary @"$WORK/t1.ndjson" "$URL/v1/pipelines/events" >/dev/null
curl -sS -H "Authorization: Bearer $TOKEN_2" --data-binary @"$WORK/t2.ndjson" "$URL/v1/pipelines/events" >/dev/null
# The catalog serves committed snapshots: wait for the flush of tenant-1.
for _ in $(seq 200); do
  total=$(curl -sS -H "Authorization: Bearer $TOKEN_1" "$URL/v1/tables/tenant-1/snapshots" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
cur = [s for s in r.get("snapshots", []) if s["snapshot_id"] == r.get("current_snapshot_id")]
print(cur[0]["summary"].get("total-records", 0) if cur else 0)')
  [[ "$total" == "$n1" ]] && break
  sleep 0.1
done
expect_eq "$total" "$n1" "tenant-1 committed"

out=$(node "$here/iceberg_js_catalog.mjs" --catalog "$URL/iceberg" --token "$TOKEN_1" --namespace events \
      --table tenant-1 --bucket-dir "$WORK/lake" --map-prefix "file://$WORK/lake=." --expect-count "$n1" \
      --expect-tables tenant-1 --expect-hidden tenant-2)
echo "$out"
expect_contains "$out" "\"rows\":$n1" "icebird rows through the catalog"
# Without a token: 401; the other tenant's token sees only its own table.
code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/iceberg/v1/namespaces")
expect_eq "$code" "401" "catalog without a token"
out=$(curl -sS -H "Authorization: Bearer $TOKEN_2" "$URL/iceberg/v1/namespaces/events/tables")
expect_contains "$out" '"name":"tenant-2"' "tenant-2 listing"
[[ "$out" != *tenant-1* ]] || fail "tenant-2 sees tenant-1: $out"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN_2" "$URL/iceberg/v1/namespaces/events/tables/tenant-1")
expect_eq "$code" "404" "another tenant's table is not found"
kill -TERM $SERVER; wait $SERVER
echo PASS
