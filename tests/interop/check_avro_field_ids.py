#!/usr/bin/python3
"""check_avro_field_ids.py - check the Iceberg Avro files of a table directory.

Usage: /usr/bin/python3 tests/interop/check_avro_field_ids.py /abs/path/to/table

For every metadata/*.avro file (manifest lists and manifests), using Debian's
python3-avro (1.11) DataFileReader:
  * the writer schema (file metadata "avro.schema", parsed as JSON) must carry
    an integer "field-id" on every record field, recursively (data_file,
    partition, the manifest list's partitions element, map k/v records...);
    plain arrays need "element-id" and Avro maps "key-id"/"value-id"
    (arrays of k/v records with logicalType "map" are Iceberg maps and need none);
  * header keys: "format-version" everywhere; manifests (top record
    "manifest_entry") also need "schema", "partition-spec" (JSON),
    "partition-spec-id" (int) and "content" ("data" or "deletes");
  * every record must decode; records are counted.
Prints one line per file and a summary; exits 1 on any problem, naming the
file and the field. Codecs other than null/deflate are reported as a note,
because icebird 0.3.1 cannot read them (its src/avro/avro.read.js).
"""
import glob
import json
import os
import sys
import warnings

import avro.datafile
import avro.io

warnings.filterwarnings("ignore")  # python3-avro warns about logicalType "map"


def check_type(t, where, problems):
    """Walk an Avro type (parsed JSON) and collect missing Iceberg ids."""
    if isinstance(t, list):  # union
        for branch in t:
            check_type(branch, where, problems)
    elif isinstance(t, dict):
        kind = t.get("type")
        if kind == "record":
            for f in t.get("fields", []):
                name = f"{where}.{f.get('name')}"
                if not isinstance(f.get("field-id"), int):
                    problems.append(f"field {name} has no integer field-id")
                check_type(f.get("type"), name, problems)
        elif kind == "array":
            items = t.get("items")
            is_kv_map = (t.get("logicalType") == "map" and isinstance(items, dict)
                         and items.get("type") == "record")
            if not is_kv_map and not isinstance(t.get("element-id"), int):
                problems.append(f"array {where} has no integer element-id")
            check_type(items, f"{where}[]", problems)
        elif kind == "map":
            for key in ("key-id", "value-id"):
                if not isinstance(t.get(key), int):
                    problems.append(f"map {where} has no integer {key}")
            check_type(t.get("values"), f"{where}{{}}", problems)
        elif isinstance(kind, (dict, list)):
            check_type(kind, where, problems)


def check_file(path):
    problems, info = [], {}
    with open(path, "rb") as fp:
        reader = avro.datafile.DataFileReader(fp, avro.io.DatumReader())
        meta = {k: v.decode("utf-8", "replace") for k, v in reader.meta.items() if k != "avro.sync"}
        schema = json.loads(meta["avro.schema"])
        kind = {"manifest_entry": "manifest", "manifest_file": "manifest-list"}.get(schema.get("name"))
        if kind is None:
            names = {f.get("name") for f in schema.get("fields", [])}
            kind = "manifest" if "data_file" in names else "manifest-list" if "manifest_path" in names else "unknown"
            problems.append(f"top record is named {schema.get('name')!r}, expected manifest_entry or manifest_file")
        check_type(schema, schema.get("name", "<root>"), problems)

        required = ["format-version"]
        if kind == "manifest":
            required += ["schema", "partition-spec", "partition-spec-id", "content"]
        for key in required:
            if key not in meta:
                problems.append(f"header key {key!r} missing")
        if "format-version" in meta and meta["format-version"] not in ("1", "2", "3"):
            problems.append(f"header format-version={meta['format-version']!r}")
        if kind == "manifest":
            for key in ("schema", "partition-spec"):
                try:
                    json.loads(meta.get(key, "null"))
                except ValueError:
                    problems.append(f"header key {key!r} is not JSON")
            if "partition-spec-id" in meta and not meta["partition-spec-id"].lstrip("-").isdigit():
                problems.append(f"header partition-spec-id={meta['partition-spec-id']!r} is not an integer")
            if "content" in meta and meta["content"] not in ("data", "deletes"):
                problems.append(f"header content={meta['content']!r}, expected data or deletes")
        try:
            info["records"] = sum(1 for _ in reader)
        except Exception as e:  # noqa: BLE001 - report any decode failure
            problems.append(f"decoding records failed: {e}")
        reader.close()
    info.update(kind=kind, codec=meta.get("avro.codec", "null"), format_version=meta.get("format-version"))
    return problems, info


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_avro_field_ids.py TABLE_DIR")
    files = sorted(glob.glob(os.path.join(sys.argv[1], "metadata", "*.avro")))
    if not files:
        sys.exit(f"FAIL: no metadata/*.avro files under {sys.argv[1]}")
    failed, totals = 0, {"manifest": 0, "manifest-list": 0, "unknown": 0, "records": 0}
    for path in files:
        name = os.path.basename(path)
        try:
            problems, info = check_file(path)
        except Exception as e:  # noqa: BLE001 - unreadable file is a problem too
            problems, info = [f"cannot read: {e}"], {"kind": "unknown"}
        totals[info["kind"]] += 1
        totals["records"] += info.get("records", 0)
        note = "" if info.get("codec") in ("null", "deflate", None) else " (note: codec unreadable by icebird)"
        print(f"{'FAIL' if problems else 'ok  '} {name}: {info.get('kind')} records={info.get('records')} "
              f"codec={info.get('codec')} format-version={info.get('format_version')}{note}")
        for p in problems:
            print(f"     {name}: {p}")
        failed += bool(problems)
    print(f"summary: {len(files)} files ({totals['manifest-list']} manifest lists, {totals['manifest']} manifests), "
          f"{totals['records']} records, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
