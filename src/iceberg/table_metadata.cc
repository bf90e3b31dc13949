#include "iceberg/table_metadata.h"

#include <algorithm>

namespace strata {
namespace {

using json = nlohmann::json;

Status Invalid(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

// Reads a required integer member.
Result<int64_t> GetInt(const json& obj, const char* key, const char* what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Invalid(std::string(what) + ": missing '" + key + "'");
  if (!it->is_number_integer()) return Invalid(std::string(what) + ": '" + key + "' must be an integer");
  return it->get<int64_t>();
}

std::optional<int64_t> GetOptInt(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::string GetStr(const json& obj, const char* key, std::string fallback = "") {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

Status CheckType(const json& type) {
  if (type.is_string()) return Status::OK();
  if (type.is_object() && type.contains("type") && type["type"].is_string()) return Status::OK();
  return Invalid("Cannot parse type from json: " + type.dump());
}

Result<IcebergSchema> ParseSchema(const json& j) {
  if (!j.is_object() || j.value("type", "") != "struct") return Invalid("Cannot parse type from json: " + j.dump());
  IcebergSchema schema;
  schema.schema_id = static_cast<int>(GetOptInt(j, "schema-id").value_or(0));
  if (auto it = j.find("identifier-field-ids"); it != j.end() && it->is_array())
    for (const auto& id : *it) schema.identifier_field_ids.push_back(id.get<int>());
  auto fields = j.find("fields");
  if (fields == j.end() || !fields->is_array()) return Invalid("Cannot parse schema: missing 'fields'");
  for (const auto& f : *fields) {
    SchemaField field;
    STRATA_ASSIGN_OR_RETURN(int64_t id, GetInt(f, "id", "schema field"));
    field.id = static_cast<int>(id);
    field.name = GetStr(f, "name");
    field.required = f.value("required", false);
    if (!f.contains("type")) return Invalid("Cannot parse type from json: field '" + field.name + "' has no type");
    field.type = f["type"];
    STRATA_RETURN_IF_ERROR(CheckType(field.type));
    field.doc = GetStr(f, "doc");
    schema.fields.push_back(std::move(field));
  }
  return schema;
}

Result<std::vector<PartitionField>> ParsePartitionFields(const json& fields, int* next_field_id) {
  std::vector<PartitionField> out;
  if (!fields.is_array()) return Invalid("partition spec fields must be a list");
  for (const auto& f : fields) {
    PartitionField pf;
    STRATA_ASSIGN_OR_RETURN(int64_t source, GetInt(f, "source-id", "partition field"));
    pf.source_id = static_cast<int>(source);
    // v1 specs may omit field ids: they are assigned from 1000 in order.
    pf.field_id = static_cast<int>(GetOptInt(f, "field-id").value_or((*next_field_id)));
    *next_field_id = std::max(*next_field_id, pf.field_id + 1);
    pf.name = GetStr(f, "name");
    pf.transform = GetStr(f, "transform");
    if (pf.transform.empty()) return Invalid("partition field '" + pf.name + "' has no transform");
    out.push_back(std::move(pf));
  }
  return out;
}

Result<Snapshot> ParseSnapshot(const json& j, int format_version) {
  Snapshot s;
  STRATA_ASSIGN_OR_RETURN(s.snapshot_id, GetInt(j, "snapshot-id", "snapshot"));
  s.parent_snapshot_id = GetOptInt(j, "parent-snapshot-id");
  s.sequence_number = GetOptInt(j, "sequence-number").value_or(0);
  STRATA_ASSIGN_OR_RETURN(s.timestamp_ms, GetInt(j, "timestamp-ms", "snapshot"));
  s.manifest_list = GetStr(j, "manifest-list");
  if (auto it = j.find("manifests"); it != j.end() && it->is_array())
    for (const auto& m : *it) s.v1_manifests.push_back(m.get<std::string>());
  if (s.manifest_list.empty() && s.v1_manifests.empty() && format_version >= 2)
    return Invalid("snapshot " + std::to_string(s.snapshot_id) + " has no manifest-list");
  if (auto it = j.find("summary"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) s.summary[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (auto sid = GetOptInt(j, "schema-id")) s.schema_id = static_cast<int>(*sid);
  return s;
}

}  // namespace

std::string Snapshot::operation() const {
  auto it = summary.find("operation");
  return it == summary.end() ? "" : it->second;
}

const SchemaField* IcebergSchema::FindField(int id) const {
  for (const auto& f : fields) if (f.id == id) return &f;
  return nullptr;
}
const SchemaField* IcebergSchema::FindField(std::string_view name) const {
  for (const auto& f : fields) if (f.name == name) return &f;
  return nullptr;
}

const Snapshot* TableMetadata::CurrentSnapshot() const {
  return current_snapshot_id ? FindSnapshot(*current_snapshot_id) : nullptr;
}
const Snapshot* TableMetadata::FindSnapshot(int64_t snapshot_id) const {
  for (const auto& s : snapshots) if (s.snapshot_id == snapshot_id) return &s;
  return nullptr;
}
const IcebergSchema* TableMetadata::CurrentSchema() const { return FindSchema(current_schema_id); }
const IcebergSchema* TableMetadata::FindSchema(int schema_id) const {
  for (const auto& s : schemas) if (s.schema_id == schema_id) return &s;
  return nullptr;
}
const PartitionSpec* TableMetadata::DefaultSpec() const { return FindSpec(default_spec_id); }
const PartitionSpec* TableMetadata::FindSpec(int spec_id) const {
  for (const auto& s : partition_specs) if (s.spec_id == spec_id) return &s;
  return nullptr;
}

Result<TableMetadata> ParseTableMetadata(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("table metadata is not valid JSON");
  if (!j.is_object()) return Status::Corruption("table metadata must be a JSON object");
  if (!j.contains("format-version")) return Invalid("table metadata has no 'format-version'");
  TableMetadata md;
  STRATA_ASSIGN_OR_RETURN(int64_t version, GetInt(j, "format-version", "table metadata"));
  if (version < 1 || version > 3) return Invalid("Cannot read unsupported version " + std::to_string(version));
  md.format_version = static_cast<int>(version);
  const bool v1 = md.format_version == 1;
  md.table_uuid = GetStr(j, "table-uuid");
  md.location = GetStr(j, "location");
  if (md.location.empty()) return Invalid("table metadata has no 'location'");
  md.last_sequence_number = GetOptInt(j, "last-sequence-number").value_or(0);
  if (!v1 && !j.contains("last-sequence-number")) return Invalid("last-sequence-number must exist in format v2");
  STRATA_ASSIGN_OR_RETURN(md.last_updated_ms, GetInt(j, "last-updated-ms", "table metadata"));
  STRATA_ASSIGN_OR_RETURN(int64_t last_column_id, GetInt(j, "last-column-id", "table metadata"));
  md.last_column_id = static_cast<int>(last_column_id);

  // Schemas: v2 requires the list; v1 may carry a single `schema`.
  if (auto it = j.find("schemas"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      STRATA_ASSIGN_OR_RETURN(IcebergSchema schema, ParseSchema(s));
      md.schemas.push_back(std::move(schema));
    }
    auto current = GetOptInt(j, "current-schema-id");
    if (!current && !v1) return Invalid("current-schema-id must exist in format v2");
    if (current) {
      md.current_schema_id = static_cast<int>(*current);
    } else if (j.contains("schema")) {
      md.current_schema_id = static_cast<int>(GetOptInt(j["schema"], "schema-id").value_or(0));
    } else {
      return Invalid("No valid schema configuration found in table metadata: no current-schema-id and no schema");
    }
    if (!md.FindSchema(md.current_schema_id))
      return Invalid("Cannot find schema with current-schema-id=" + std::to_string(md.current_schema_id) +
                     " from schemas");
  } else if (!v1) {
    return Invalid("schemas must exist in format v2");
  } else if (auto s = j.find("schema"); s != j.end()) {
    STRATA_ASSIGN_OR_RETURN(IcebergSchema schema, ParseSchema(*s));
    md.current_schema_id = schema.schema_id;
    md.schemas.push_back(std::move(schema));
  } else {
    return Invalid("No valid schema configuration found in table metadata");
  }

  // Partition specs.
  int next_partition_field_id = 1000;
  if (auto it = j.find("partition-specs"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      PartitionSpec spec;
      spec.spec_id = static_cast<int>(GetOptInt(s, "spec-id").value_or(0));
      STRATA_ASSIGN_OR_RETURN(spec.fields, ParsePartitionFields(s.value("fields", json::array()), &next_partition_field_id));
      md.partition_specs.push_back(std::move(spec));
    }
    if (auto d = GetOptInt(j, "default-spec-id")) {
      md.default_spec_id = static_cast<int>(*d);
    } else if (!v1) {
      return Invalid("default-spec-id must exist in format v2");
    } else {
      for (const auto& s : md.partition_specs) md.default_spec_id = std::max(md.default_spec_id, s.spec_id);
    }
  } else if (!v1) {
    return Invalid("partition-specs must exist in format v2");
  } else if (auto p = j.find("partition-spec"); p != j.end()) {
    PartitionSpec spec;
    STRATA_ASSIGN_OR_RETURN(spec.fields, ParsePartitionFields(*p, &next_partition_field_id));
    md.partition_specs.push_back(std::move(spec));
  } else {
    md.partition_specs.push_back(PartitionSpec{});
  }
  if (!md.FindSpec(md.default_spec_id))
    return Invalid("Cannot find partition spec with default-spec-id=" + std::to_string(md.default_spec_id));
  if (auto lp = GetOptInt(j, "last-partition-id")) {
    md.last_partition_id = static_cast<int>(*lp);
  } else if (!v1) {
    return Invalid("last-partition-id must exist in format v2");
  } else {
    md.last_partition_id = next_partition_field_id - 1;
  }

  if (auto it = j.find("properties"); it != j.end() && it->is_object())
    for (const auto& [k, v] : it->items()) md.properties[k] = v.is_string() ? v.get<std::string>() : v.dump();

  if (auto cur = GetOptInt(j, "current-snapshot-id"); cur && *cur != -1) md.current_snapshot_id = *cur;
  if (auto it = j.find("snapshots"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      STRATA_ASSIGN_OR_RETURN(Snapshot snap, ParseSnapshot(s, md.format_version));
      md.snapshots.push_back(std::move(snap));
    }
  }
  if (md.current_snapshot_id && !md.CurrentSnapshot())
    return Invalid("current-snapshot-id " + std::to_string(*md.current_snapshot_id) + " is not among the snapshots");
  if (auto it = j.find("snapshot-log"); it != j.end() && it->is_array())
    for (const auto& e : *it)
      md.snapshot_log.push_back({e.value("timestamp-ms", int64_t{0}), e.value("snapshot-id", int64_t{0})});
  if (auto it = j.find("metadata-log"); it != j.end() && it->is_array())
    for (const auto& e : *it)
      md.metadata_log.push_back({e.value("timestamp-ms", int64_t{0}), e.value("metadata-file", std::string())});

  if (auto it = j.find("sort-orders"); it != j.end() && it->is_array()) {
    for (const auto& o : *it) {
      SortOrder order;
      order.order_id = static_cast<int>(GetOptInt(o, "order-id").value_or(0));
      for (const auto& f : o.value("fields", json::array())) {
        SortField sf;
        sf.transform = GetStr(f, "transform", "identity");
        sf.source_id = static_cast<int>(GetOptInt(f, "source-id").value_or(0));
        sf.direction = GetStr(f, "direction", "asc");
        sf.null_order = GetStr(f, "null-order", "nulls-first");
        order.fields.push_back(std::move(sf));
      }
      md.sort_orders.push_back(std::move(order));
    }
    md.default_sort_order_id = static_cast<int>(GetOptInt(j, "default-sort-order-id").value_or(0));
  } else if (!v1) {
    return Invalid("sort-orders must exist in format v2");
  } else {
    md.sort_orders.push_back(SortOrder{});
  }

  if (auto it = j.find("refs"); it != j.end() && it->is_object()) {
    for (const auto& [name, r] : it->items()) {
      SnapshotRef ref;
      STRATA_ASSIGN_OR_RETURN(ref.snapshot_id, GetInt(r, "snapshot-id", "ref"));
      ref.type = GetStr(r, "type", "branch");
      ref.max_ref_age_ms = GetOptInt(r, "max-ref-age-ms");
      ref.max_snapshot_age_ms = GetOptInt(r, "max-snapshot-age-ms");
      if (auto m = GetOptInt(r, "min-snapshots-to-keep")) ref.min_snapshots_to_keep = static_cast<int>(*m);
      md.refs[name] = ref;
    }
  } else if (md.current_snapshot_id) {
    md.refs["main"] = SnapshotRef{*md.current_snapshot_id};
  }
  return md;
}

json SchemaToJson(const IcebergSchema& schema) {
  json fields = json::array();
  for (const auto& f : schema.fields) {
    json jf = {{"id", f.id}, {"name", f.name}, {"required", f.required}, {"type", f.type}};
    if (!f.doc.empty()) jf["doc"] = f.doc;
    fields.push_back(std::move(jf));
  }
  json j = {{"type", "struct"}, {"schema-id", schema.schema_id}, {"fields", std::move(fields)}};
  if (!schema.identifier_field_ids.empty()) j["identifier-field-ids"] = schema.identifier_field_ids;
  return j;
}

json PartitionSpecToJson(const PartitionSpec& spec) {
  json fields = json::array();
  for (const auto& f : spec.fields)
    fields.push_back({{"name", f.name}, {"transform", f.transform}, {"source-id", f.source_id}, {"field-id", f.field_id}});
  return {{"spec-id", spec.spec_id}, {"fields", std::move(fields)}};
}

std::string SerializeTableMetadata(const TableMetadata& md) {
  json j;
  j["format-version"] = 2;
  j["table-uuid"] = md.table_uuid;
  j["location"] = md.location;
  j["last-sequence-number"] = md.last_sequence_number;
  j["last-updated-ms"] = md.last_updated_ms;
  j["last-column-id"] = md.last_column_id;
  j["current-schema-id"] = md.current_schema_id;
  json schemas = json::array();
  for (const auto& s : md.schemas) schemas.push_back(SchemaToJson(s));
  j["schemas"] = std::move(schemas);
  j["default-spec-id"] = md.default_spec_id;
  json specs = json::array();
  for (const auto& s : md.partition_specs) specs.push_back(PartitionSpecToJson(s));
  j["partition-specs"] = std::move(specs);
  j["last-partition-id"] = md.last_partition_id;
  j["default-sort-order-id"] = md.default_sort_order_id;
  json orders = json::array();
  for (const auto& o : md.sort_orders) {
    json fields = json::array();
    for (const auto& f : o.fields)
      fields.push_back({{"transform", f.transform}, {"source-id", f.source_id}, {"direction", f.direction},
                        {"null-order", f.null_order}});
    orders.push_back({{"order-id", o.order_id}, {"fields", std::move(fields)}});
  }
  j["sort-orders"] = std::move(orders);
  j["properties"] = md.properties;
  j["current-snapshot-id"] = md.current_snapshot_id.value_or(-1);
  json refs = json::object();
  for (const auto& [name, r] : md.refs) {
    json jr = {{"snapshot-id", r.snapshot_id}, {"type", r.type}};
    if (r.max_ref_age_ms) jr["max-ref-age-ms"] = *r.max_ref_age_ms;
    if (r.max_snapshot_age_ms) jr["max-snapshot-age-ms"] = *r.max_snapshot_age_ms;
    if (r.min_snapshots_to_keep) jr["min-snapshots-to-keep"] = *r.min_snapshots_to_keep;
    refs[name] = std::move(jr);
  }
  j["refs"] = std::move(refs);
  json snapshots = json::array();
  for (const auto& s : md.snapshots) {
    json js = {{"snapshot-id", s.snapshot_id}, {"sequence-number", s.sequence_number},
               {"timestamp-ms", s.timestamp_ms}, {"manifest-list", s.manifest_list}, {"summary", s.summary}};
    if (s.parent_snapshot_id) js["parent-snapshot-id"] = *s.parent_snapshot_id;
    if (s.schema_id) js["schema-id"] = *s.schema_id;
    snapshots.push_back(std::move(js));
  }
  j["snapshots"] = std::move(snapshots);
  json snapshot_log = json::array();
  for (const auto& e : md.snapshot_log) snapshot_log.push_back({{"timestamp-ms", e.timestamp_ms}, {"snapshot-id", e.snapshot_id}});
  j["snapshot-log"] = std::move(snapshot_log);
  json metadata_log = json::array();
  for (const auto& e : md.metadata_log)
    metadata_log.push_back({{"timestamp-ms", e.timestamp_ms}, {"metadata-file", e.metadata_file}});
  j["metadata-log"] = std::move(metadata_log);
  return j.dump(2);
}

}  // namespace strata
