#!/usr/bin/env bash
# `strata ingest` validates the whole input first:
#   reject — a batch with invalid records is rejected whole (exit 2, nothing
#            written) and each error names its line, field and reason;
#   skip   — with --skip-invalid the valid records are ingested and the
#            invalid ones are written to the dead-letter file.
source "$(dirname "$0")/../lib.sh"
mode=${1:?reject or skip}

"$STRATA" gen --count 100 --hours 2 --start 2024-05-01T00:00:00Z --seed 3 > "$WORK/good.ndjson"
/usr/bin/python3 - "$WORK/good.ndjson" "$WORK/input.ndjson" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
def edit(n, fn):
    ev = json.loads(lines[n - 1]); fn(ev); lines[n - 1] = json.dumps(ev)
edit(5, lambda e: e.pop("id"))                               # required field missing
edit(10, lambda e: e.update(timestamp="2024-05-01 10:00"))   # no offset: ambiguous
lines[19] = lines[19][:40]                                   # line 20: truncated JSON
edit(30, lambda e: e.update(favourite_colour="blue"))        # not a UnifiedEvent column
edit(40, lambda e: e.update(duration_ms="fast"))             # wrong type
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
PY

extra=()
[[ $mode == skip ]] && extra=(--skip-invalid --dead-letter "$WORK/rejects.ndjson")
set +e
out=$("$STRATA" ingest --bucket "$WORK/bucket" --namespace tenant-1 "${extra[@]}" "$WORK/input.ndjson" 2>&1)
code=$?
set -e
echo "$out"
for expected in "line 5: field 'id'" "line 10: field 'timestamp'" "line 20" "line 30: field 'favourite_colour'" "line 40: field 'duration_ms'"; do
  expect_contains "$out" "$expected" "error report"
done

count() { "$STRATA" query --bucket "$WORK/bucket" --namespace tenant-1 --json "SELECT count(*) AS n FROM events" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["n"])'; }

if [[ $mode == reject ]]; then
  expect_eq "$code" 2 "exit code"
  expect_contains "$out" "5 of 100 records are invalid; nothing was written" "summary"
  [[ ! -e "$WORK/bucket/cdc/tenant-1" ]] || fail "a rejected batch must not create or touch the table"
else
  expect_eq "$code" 0 "exit code"
  expect_eq "$(count)" 95 "rows ingested"
  expect_eq "$(wc -l < "$WORK/rejects.ndjson")" 5 "dead-letter lines"
  lines=$(/usr/bin/python3 -c 'import json,sys; print(",".join(str(json.loads(l)["line"]) for l in open(sys.argv[1])))' "$WORK/rejects.ndjson")
  expect_eq "$lines" "5,10,20,30,40" "dead-letter line numbers"
  bad_id=$(sed -n 10p "$WORK/input.ndjson" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  n=$("$STRATA" query --bucket "$WORK/bucket" --namespace tenant-1 --json "SELECT count(*) AS n FROM events WHERE id = '$bad_id'")
  expect_contains "$n" '"n":0' "an invalid record is not ingested"
fi
echo "PASS $mode"
