// The Avro schemas of Iceberg v2 manifests and manifest lists, with the
// spec's field ids (field-id / element-id attributes), as the Java
// implementation writes them.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "iceberg/table_metadata.h"

namespace strata {

/// Avro type (as JSON) of a partition field's value: the result type of its
/// transform applied to the source column.
nlohmann::ordered_json PartitionFieldAvroType(const PartitionField& field, const IcebergSchema& schema);

/// Iceberg type name of a partition field's value ("int", "long", "string", ...).
std::string PartitionFieldResultType(const PartitionField& field, const IcebergSchema& schema);

/// The manifest_entry schema for a spec (its partition struct is `r102`).
nlohmann::ordered_json ManifestEntryAvroSchema(const PartitionSpec& spec, const IcebergSchema& schema);

/// The manifest_file schema of a v2 manifest list.
nlohmann::ordered_json ManifestListAvroSchema();

}  // namespace strata
