// Manifests and manifest lists: the Avro files between a snapshot and its
// data files. This header holds their content as plain structs and the codecs
// that write them (format v2, every field carrying the spec's `field-id`) and
// read them (v1 or v2, null or deflate codec, as written by any engine).
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/int_map.h"
#include "common/result.h"
#include "event/event.h"
#include "iceberg/table_metadata.h"

namespace strata {

enum class FileContent : int { kData = 0, kPositionDeletes = 1, kEqualityDeletes = 2 };
enum class EntryStatus : int { kExisting = 0, kAdded = 1, kDeleted = 2 };

// One data (or delete) file as a manifest describes it.
struct DataFile {
  FileContent content = FileContent::kData;
  std::string file_path;               // absolute location
  std::string file_format = "PARQUET";
  std::vector<Value> partition;        // one value per partition field of the spec (monostate = null)
  int64_t record_count = 0;
  int64_t file_size_in_bytes = 0;
  // Column metrics by field id (flat sorted maps: plans copy them per file).
  IntMap<int64_t> column_sizes;
  IntMap<int64_t> value_counts;
  IntMap<int64_t> null_value_counts;
  IntMap<int64_t> nan_value_counts;
  IntMap<std::string> lower_bounds;  // Iceberg single-value encoding
  IntMap<std::string> upper_bounds;
  std::vector<int64_t> split_offsets;
  std::vector<int> equality_ids;
  std::optional<int> sort_order_id;
};

struct ManifestEntry {
  EntryStatus status = EntryStatus::kAdded;
  std::optional<int64_t> snapshot_id;           // null: inherited from the manifest list
  std::optional<int64_t> sequence_number;       // null: inherited
  std::optional<int64_t> file_sequence_number;  // null: inherited
  DataFile data_file;
};

// Per partition field: the summary a manifest list keeps for pruning.
struct FieldSummary {
  bool contains_null = false;
  std::optional<bool> contains_nan;
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
};

// One entry of a manifest list.
struct ManifestFile {
  std::string manifest_path;
  int64_t manifest_length = 0;
  int partition_spec_id = 0;
  FileContent content = FileContent::kData;  // kData or deletes (1 for either delete kind)
  int64_t sequence_number = 0;
  int64_t min_sequence_number = 0;
  int64_t added_snapshot_id = 0;
  int added_files_count = 0;
  int existing_files_count = 0;
  int deleted_files_count = 0;
  int64_t added_rows_count = 0;
  int64_t existing_rows_count = 0;
  int64_t deleted_rows_count = 0;
  std::vector<FieldSummary> partitions;
};

// What a manifest's header must say about the table.
struct ManifestContext {
  const IcebergSchema* schema = nullptr;
  const PartitionSpec* spec = nullptr;
  FileContent content = FileContent::kData;
};

/// Avro bytes of a v2 manifest holding `entries`.
Result<std::string> WriteManifest(const ManifestContext& context, const std::vector<ManifestEntry>& entries);

/// Avro bytes of a v2 manifest list.
Result<std::string> WriteManifestList(int64_t snapshot_id, std::optional<int64_t> parent_snapshot_id,
                                      int64_t sequence_number, const std::vector<ManifestFile>& manifests);

/// Reads a manifest written by any engine (v1 or v2).
Result<std::vector<ManifestEntry>> ReadManifest(std::string_view avro_bytes);

// What a manifest's Avro header says about its entries (keys written by every
// Iceberg engine; absent keys leave the defaults).
struct ManifestHeader {
  std::optional<int> partition_spec_id;  // "partition-spec-id"
  std::optional<int> schema_id;          // "schema-id"
  int format_version = 1;                // "format-version" (absent in v1 manifests)
  FileContent content = FileContent::kData;  // "content": kData, or kPositionDeletes for "deletes" (either kind)
};

/// Reads a manifest like ReadManifest and also returns its header in `*header`
/// (needed for v1 snapshots that list manifests without a manifest list).
Result<std::vector<ManifestEntry>> ReadManifest(std::string_view avro_bytes, ManifestHeader* header);

/// Reads a manifest list written by any engine (v1 or v2).
Result<std::vector<ManifestFile>> ReadManifestList(std::string_view avro_bytes);

/// Partition summaries over the entries' partition tuples (bounds encoded per
/// the source column's type in `spec`/`schema`).
std::vector<FieldSummary> SummarizePartitions(const ManifestContext& context,
                                              const std::vector<ManifestEntry>& entries);

}  // namespace strata
