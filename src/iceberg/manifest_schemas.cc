#include "iceberg/manifest_schemas.h"

namespace strata {
namespace {

using json = nlohmann::ordered_json;

json Optional(json type) { return json::array({"null", std::move(type)}); }

json Field(const char* name, json type, int field_id, bool optional = false) {
  json f = {{"name", name}, {"type", optional ? Optional(std::move(type)) : std::move(type)}, {"field-id", field_id}};
  if (optional) f["default"] = nullptr;
  return f;
}

// Iceberg's map<int, V> in Avro: an array of key/value records marked logicalType map.
json IntKeyedMap(int key_id, int value_id, const char* value_type) {
  std::string name = "k" + std::to_string(key_id) + "_v" + std::to_string(value_id);
  return {{"type", "array"},
          {"logicalType", "map"},
          {"items",
           {{"type", "record"},
            {"name", name},
            {"fields", json::array({Field("key", "int", key_id), Field("value", value_type, value_id)})}}}};
}

std::string SourceType(const PartitionField& field, const IcebergSchema& schema) {
  const SchemaField* source = schema.FindField(field.source_id);
  return source && source->type.is_string() ? source->type.get<std::string>() : "string";
}

}  // namespace

std::string PartitionFieldResultType(const PartitionField& field, const IcebergSchema& schema) {
  const std::string& t = field.transform;
  if (t == "year" || t == "month" || t == "day" || t == "hour" || t.rfind("bucket", 0) == 0) return "int";
  return SourceType(field, schema);  // identity, truncate[W], void
}

json PartitionFieldAvroType(const PartitionField& field, const IcebergSchema& schema) {
  std::string type = PartitionFieldResultType(field, schema);
  if (type == "int" || type == "long" || type == "string" || type == "boolean" || type == "float" ||
      type == "double")
    return type;
  if (type == "date") return {{"type", "int"}, {"logicalType", "date"}};
  if (type == "timestamp" || type == "timestamptz")
    return {{"type", "long"}, {"logicalType", "timestamp-micros"}, {"adjust-to-utc", type == "timestamptz"}};
  return "bytes";  // binary, fixed, decimal, uuid: raw bytes
}

json ManifestEntryAvroSchema(const PartitionSpec& spec, const IcebergSchema& schema) {
  json partition_fields = json::array();
  for (const PartitionField& pf : spec.fields)
    partition_fields.push_back(Field(pf.name.c_str(), PartitionFieldAvroType(pf, schema), pf.field_id, true));
  json data_file_fields = json::array({
      Field("content", "int", 134),
      Field("file_path", "string", 100),
      Field("file_format", "string", 101),
      Field("partition", {{"type", "record"}, {"name", "r102"}, {"fields", partition_fields}}, 102),
      Field("record_count", "long", 103),
      Field("file_size_in_bytes", "long", 104),
      Field("column_sizes", IntKeyedMap(117, 118, "long"), 108, true),
      Field("value_counts", IntKeyedMap(119, 120, "long"), 109, true),
      Field("null_value_counts", IntKeyedMap(121, 122, "long"), 110, true),
      Field("nan_value_counts", IntKeyedMap(138, 139, "long"), 137, true),
      Field("lower_bounds", IntKeyedMap(126, 127, "bytes"), 125, true),
      Field("upper_bounds", IntKeyedMap(129, 130, "bytes"), 128, true),
      Field("key_metadata", "bytes", 131, true),
      Field("split_offsets", {{"type", "array"}, {"items", "long"}, {"element-id", 133}}, 132, true),
      Field("equality_ids", {{"type", "array"}, {"items", "int"}, {"element-id", 136}}, 135, true),
      Field("sort_order_id", "int", 140, true),
  });
  return {{"type", "record"},
          {"name", "manifest_entry"},
          {"fields", json::array({
                         Field("status", "int", 0),
                         Field("snapshot_id", "long", 1, true),
                         Field("sequence_number", "long", 3, true),
                         Field("file_sequence_number", "long", 4, true),
                         Field("data_file", {{"type", "record"}, {"name", "r2"}, {"fields", data_file_fields}}, 2),
                     })}};
}

json ManifestListAvroSchema() {
  json summary = {{"type", "record"},
                  {"name", "r508"},
                  {"fields", json::array({Field("contains_null", "boolean", 509), Field("contains_nan", "boolean", 518, true),
                                          Field("lower_bound", "bytes", 510, true),
                                          Field("upper_bound", "bytes", 511, true)})}};
  return {{"type", "record"},
          {"name", "manifest_file"},
          {"fields", json::array({
                         Field("manifest_path", "string", 500),
                         Field("manifest_length", "long", 501),
                         Field("partition_spec_id", "int", 502),
                         Field("content", "int", 517),
                         Field("sequence_number", "long", 515),
                         Field("min_sequence_number", "long", 516),
                         Field("added_snapshot_id", "long", 503),
                         Field("added_files_count", "int", 504),
                         Field("existing_files_count", "int", 505),
                         Field("deleted_files_count", "int", 506),
                         Field("added_rows_count", "long", 512),
                         Field("existing_rows_count", "long", 513),
                         Field("deleted_rows_count", "long", 514),
                         Field("partitions", {{"type", "array"}, {"items", summary}, {"element-id", 508}}, 507, true),
                         Field("key_metadata", "bytes", 519, true),
                     })}};
}

}  // namespace strata
