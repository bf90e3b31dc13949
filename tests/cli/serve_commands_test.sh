#!/usr/bin/env bash
# `strata serve` as a user runs it, with curl: the embedded default config
# on a data directory, ingest (NDJSON and gzip), lookup, SQL, tables,
# health; SIGTERM drains (exit 0) and every acknowledged event is then in the
# table, read by `strata query` without the server; a restart serves them
# again. `strata config check` reports mistakes with their line.
source "$(dirname "$0")/../lib.sh"

"$STRATA" gen --count 5000 --hours 6 --start 2024-03-01T00:00:00Z --seed 3 --namespaces 1 > "$WORK/events.ndjson"
first_id=$(head -n 1 "$WORK/events.ndjson" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

start_server() {
  "$STRATA" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 200); do
    grep -q "listening on" "$WORK/serve.log" 2>/dev/null && break
    kill -0 $SERVER 2>/dev/null || { cat "$WORK/serve.log"; fail "strata serve exited"; }
    sleep 0.05
  done
  URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$WORK/serve.log" | head -n 1)
  [[ -n "$URL" ]] || fail "no listening line: $(cat "$WORK/serve.log")"
}

start_server
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
health=$(curl -sS "$URL/health")
expect_contains "$health" '"ready":true' "health"

head -n 3000 "$WORK/events.ndjson" > "$WORK/part1.ndjson"
tail -n +3001 "$WORK/events.ndjson" | gzip > "$WORK/part2.ndjson.gz"
out=$(curl -sS -X POST --data-binary @"$WORK/part1.ndjson" -H 'Content-Type: application/x-ndjson' "$URL/v1/pipelines/events")
expect_contains "$out" '"accepted":3000' "ingest NDJSON"
out=$(curl -sS -X POST --data-binary @"$WORK/part2.ndjson.gz" -H 'Content-Encoding: gzip' "$URL/v1/pipelines/events")
expect_contains "$out" '"accepted":2000' "ingest gzip"

out=$(curl -sS "$URL/v1/events/$first_id?ns=tenant-1")
expect_contains "$out" "\"id\":\"$first_id\"" "lookup"
out=$(curl -sS -X POST -d '{"namespace":"tenant-1","sql":"SELECT count(*) AS n, count(DISTINCT id) AS d FROM events"}' "$URL/v1/query")
expect_contains "$out" '"rows":[[5000,5000]]' "query"
out=$(curl -sS "$URL/v1/tables")
expect_contains "$out" '"namespace":"tenant-1"' "tables"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d '{"namespace":"tenant-1","sql":"SELECT * FROM read_csv('"'"'/etc/passwd'"'"')"}' "$URL/v1/query")
expect_eq "$code" "400" "sandboxed SQL"

# SIGTERM: drain, exit 0, everything committed to the table.
kill -TERM $SERVER
wait $SERVER || fail "strata serve did not exit 0 after SIGTERM: $(cat "$WORK/serve.log")"
expect_contains "$(cat "$WORK/serve.log")" "drained" "drain message"
out=$("$STRATA" query --bucket "$WORK/data/lake" --namespace tenant-1 --json "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events")
expect_contains "$out" '"n":5000' "table after the drain"
expect_contains "$out" '"d":5000' "no duplicates after the drain"

# A restart serves the same data; a re-sent batch is recognised as duplicates.
start_server
out=$(curl -sS -X POST --data-binary @"$WORK/part1.ndjson" "$URL/v1/pipelines/events")
expect_contains "$out" '"accepted":0,"duplicates":3000' "dedup across restarts"
out=$(curl -sS -X POST -d '{"namespace":"tenant-1","sql":"SELECT count(*) FROM events"}' "$URL/v1/query")
expect_contains "$out" '"rows":[[5000]]' "query after restart"
kill -TERM $SERVER
wait $SERVER || fail "second drain"

# config check
cat > "$WORK/good.jsonc" <<'JSONC'
{
  // one bucket, one pipeline
  "buckets": { "LAKE": { "uri": "lake" } },
  "pipelines": { "events": { "bucket": "LAKE" } },
  "tokens": [ { "token": { "env": "SERVE_TEST_TOKEN" }, "namespaces": ["tenant-1"], "scopes": ["read", "write"] } ]
}
JSONC
out=$(SERVE_TEST_TOKEN=0123456789abcdef0123 "$STRATA" config check "$WORK/good.jsonc")
expect_contains "$out" "OK (1 bucket binding, 1 pipeline, 1 token" "config check OK"
if out=$("$STRATA" config check "$WORK/good.jsonc" 2>&1); then fail "a missing env token must fail"; fi
expect_contains "$out" "good.jsonc:5: tokens[0].token.env: environment variable SERVE_TEST_TOKEN is not set" "env error"
cat > "$WORK/bad.jsonc" <<'JSONC'
{
  "buckets": { "LAKE": { "uri": "lake" } },
  "pipelines": {
    "events": { "bucket": "LAKEE", "shard": 2 }
  }
}
JSONC
if out=$("$STRATA" config check "$WORK/bad.jsonc" 2>&1); then fail "a bad config must fail"; fi
expect_contains "$out" "bad.jsonc:4: pipelines.events.bucket: unknown bucket binding 'LAKEE' (declared: LAKE)" "reference"
expect_contains "$out" "bad.jsonc:4: pipelines.events.shard: unknown key (did you mean 'shards'?)" "unknown key"
"$STRATA" config default > "$WORK/default.jsonc"
out=$("$STRATA" config check "$WORK/default.jsonc")
expect_contains "$out" "OK" "the default config checks"
echo PASS
