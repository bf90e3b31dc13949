#!/usr/bin/python3
"""Avro interop helper for avro_test (uses Debian's python3-avro).

  avro_interop.py read FILE   prints JSON: codec, record count, field-ids by
                              path, element-ids, user metadata and records
  avro_interop.py write FILE  writes a deflate-codec file with a fixed schema
                              and three records (see WRITE_SCHEMA/RECORDS)
"""
import json
import sys
import warnings

import avro.datafile
import avro.io
import avro.schema

warnings.simplefilter("ignore")  # e.g. Iceberg's logicalType "map" on arrays

WRITE_SCHEMA = {
    "type": "record", "name": "py_entry", "fields": [
        {"name": "id", "type": "long", "field-id": 1},
        {"name": "name", "type": "string", "field-id": 2},
        {"name": "score", "type": ["null", "double"], "default": None, "field-id": 3},
        {"name": "tags", "type": {"type": "array", "items": "string", "element-id": 5}, "field-id": 4},
        {"name": "attrs", "type": {"type": "map", "values": "int", "key-id": 7, "value-id": 8}, "field-id": 6},
        {"name": "blob", "type": "bytes", "field-id": 9},
        {"name": "flag", "type": "boolean", "field-id": 10},
        {"name": "ratio", "type": "float", "field-id": 11},
        {"name": "hash", "type": {"type": "fixed", "name": "md5", "size": 4}, "field-id": 12},
        {"name": "color", "type": {"type": "enum", "name": "color", "symbols": ["RED", "GREEN"]}, "field-id": 13},
    ]}

RECORDS = [
    {"id": i, "name": "row-%d" % i, "score": None if i == 1 else i * 1.5, "tags": ["t"] * i,
     "attrs": {"k%d" % j: j for j in range(i)}, "blob": bytes(range(i + 1)), "flag": i % 2 == 0,
     "ratio": 0.25 * i, "hash": b"\x00\x01\x02" + bytes([i]), "color": "GREEN" if i else "RED"}
    for i in range(3)
]


def walk(schema, path, out, seen):
    """Collects field-id (by dotted path) and element/key/value ids."""
    if isinstance(schema, avro.schema.NamedSchema):
        if schema.fullname in seen:
            return
        seen.add(schema.fullname)
    if isinstance(schema, avro.schema.RecordSchema):
        for f in schema.fields:
            p = f.name if not path else path + "." + f.name
            if "field-id" in f.other_props:
                out["field_ids"][p] = f.other_props["field-id"]
            walk(f.type, p, out, seen)
    elif isinstance(schema, avro.schema.UnionSchema):
        for s in schema.schemas:
            walk(s, path, out, seen)
    elif isinstance(schema, avro.schema.ArraySchema):
        for k in ("element-id",):
            if k in schema.other_props:
                out["element_ids"][path] = schema.other_props[k]
        walk(schema.items, path + "[]", out, seen)
    elif isinstance(schema, avro.schema.MapSchema):
        for k in ("key-id", "value-id"):
            if k in schema.other_props:
                out["element_ids"][path + "#" + k] = schema.other_props[k]
        walk(schema.values, path + "{}", out, seen)


def jsonable(v):
    if isinstance(v, bytes):
        return v.hex()
    if hasattr(v, "isoformat"):  # logical types: date, time, timestamp
        return v.isoformat()
    return str(v)  # e.g. decimal.Decimal, uuid.UUID


def read(path):
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        records = list(reader)
        out = {"codec": reader.meta.get("avro.codec", b"null").decode(), "record_count": len(records),
               "field_ids": {}, "element_ids": {},
               "metadata": {k: v.decode("utf-8", "replace") for k, v in reader.meta.items()
                            if not k.startswith("avro.")},
               "records": records}
        walk(reader.datum_reader.writers_schema, "", out, set())
    print(json.dumps(out, default=jsonable, sort_keys=True))


def write(path):
    schema = avro.schema.parse(json.dumps(WRITE_SCHEMA))
    with open(path, "wb") as f:
        writer = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(), schema, codec="deflate")
        writer.set_meta("strata.origin", b"python")
        for r in RECORDS:
            writer.append(r)
        writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("read", "write"):
        sys.exit(__doc__)
    read(sys.argv[2]) if sys.argv[1] == "read" else write(sys.argv[2])
