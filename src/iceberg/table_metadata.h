// TableMetadata: the Iceberg table metadata file (`vN.metadata.json`) as a
// plain struct, with a parser for format v1 and v2 and a v2 serializer.
//
// Types are kept as JSON (`nlohmann::json`): a string for primitives
// ("long", "decimal(10,2)") or an object for struct/list/map, exactly as the
// spec writes them. Unknown top-level keys (statistics, encryption keys...)
// are ignored on read and not written back.
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace strata {

struct SchemaField {
  int id = 0;
  std::string name;
  bool required = false;
  nlohmann::json type;  // "string" or {"type": "struct", ...}
  std::string doc;
};

struct IcebergSchema {
  int schema_id = 0;
  std::vector<int> identifier_field_ids;
  std::vector<SchemaField> fields;

  const SchemaField* FindField(int id) const;
  const SchemaField* FindField(std::string_view name) const;
};

struct PartitionField {
  int source_id = 0;
  int field_id = 0;
  std::string name;
  std::string transform;  // "identity", "bucket[16]", "day", ...
};

struct PartitionSpec {
  int spec_id = 0;
  std::vector<PartitionField> fields;
  bool unpartitioned() const { return fields.empty(); }
};

struct SortField {
  std::string transform = "identity";
  int source_id = 0;
  std::string direction = "asc";          // asc | desc
  std::string null_order = "nulls-first"; // nulls-first | nulls-last
};

struct SortOrder {
  int order_id = 0;
  std::vector<SortField> fields;
};

struct Snapshot {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
  int64_t timestamp_ms = 0;
  std::string manifest_list;             // empty for v1 snapshots with embedded manifests
  std::vector<std::string> v1_manifests; // v1 only
  std::map<std::string, std::string> summary;  // includes "operation"
  std::optional<int> schema_id;

  std::string operation() const;
};

struct SnapshotRef {
  int64_t snapshot_id = 0;
  std::string type = "branch";  // branch | tag
  std::optional<int64_t> max_ref_age_ms;
  std::optional<int64_t> max_snapshot_age_ms;
  std::optional<int> min_snapshots_to_keep;
};

struct SnapshotLogEntry {
  int64_t timestamp_ms = 0;
  int64_t snapshot_id = 0;
};

struct MetadataLogEntry {
  int64_t timestamp_ms = 0;
  std::string metadata_file;
};

struct TableMetadata {
  int format_version = 2;
  std::string table_uuid;
  std::string location;
  int64_t last_sequence_number = 0;
  int64_t last_updated_ms = 0;
  int last_column_id = 0;
  std::vector<IcebergSchema> schemas;
  int current_schema_id = 0;
  std::vector<PartitionSpec> partition_specs;
  int default_spec_id = 0;
  int last_partition_id = 999;
  std::map<std::string, std::string> properties;
  std::optional<int64_t> current_snapshot_id;
  std::vector<Snapshot> snapshots;
  std::vector<SnapshotLogEntry> snapshot_log;
  std::vector<MetadataLogEntry> metadata_log;
  std::vector<SortOrder> sort_orders;
  int default_sort_order_id = 0;
  std::map<std::string, SnapshotRef> refs;

  const Snapshot* CurrentSnapshot() const;
  const Snapshot* FindSnapshot(int64_t snapshot_id) const;
  const IcebergSchema* CurrentSchema() const;
  const IcebergSchema* FindSchema(int schema_id) const;
  const PartitionSpec* DefaultSpec() const;
  const PartitionSpec* FindSpec(int spec_id) const;
};

/// Parses metadata JSON of format v1 or v2. Errors (InvalidArgument / Corruption)
/// say what is missing or wrong, in the words of the Java implementation where
/// one exists ("partition-specs must exist in format v2").
Result<TableMetadata> ParseTableMetadata(std::string_view json_text);

/// Serializes as format-version 2 JSON (pretty-printed, 2-space indent).
std::string SerializeTableMetadata(const TableMetadata& metadata);

nlohmann::json SchemaToJson(const IcebergSchema& schema);
nlohmann::json PartitionSpecToJson(const PartitionSpec& spec);

}  // namespace strata
