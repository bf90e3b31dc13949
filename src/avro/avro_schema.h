// Avro schemas: parsed from JSON into an immutable tree that keeps every
// attribute it does not interpret (Iceberg's `field-id`, `element-id`,
// `key-id`, `value-id`, `logicalType`, `doc`, ...), and serialized back to
// JSON with the members of each object in their original order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace strata::avro {

/// JSON type used for attributes and defaults: keeps object member order.
using Json = nlohmann::ordered_json;

/// The Avro type of a schema node.
enum class AvroType {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed,
};

/// "null", "boolean", ..., "record", "union" (the Avro spelling).
std::string_view AvroTypeName(AvroType type);

struct AvroNode;

// AvroField: one field of a record schema.
// Thread-safety: immutable once its schema is built; safe to share.
struct AvroField {
  std::string name;
  const AvroNode* type = nullptr;       // owned by the enclosing AvroSchema
  std::optional<Json> default_value;    // the "default" member, if present
  Json attributes = Json::object();     // every other member ("field-id", "doc", ...)
  std::vector<std::string> key_order;   // member order in the source JSON

  /// The Iceberg "field-id" attribute, if present and an integer.
  std::optional<int32_t> field_id() const;
};

// AvroNode: one node of a schema tree. Named types (record, enum, fixed) are
// shared: a later reference by name points at the same node, and recursive
// types form cycles, so nodes are addressed by plain pointers whose lifetime
// is that of the AvroSchema (and its copies) that owns them.
// Thread-safety: immutable once its schema is built; safe to share.
struct AvroNode {
  AvroType type = AvroType::kNull;
  std::string name;                     // record/enum/fixed: name as written
  std::string full_name;                // record/enum/fixed: namespace-qualified name
  std::vector<AvroField> fields;        // record
  std::vector<std::string> symbols;     // enum
  const AvroNode* items = nullptr;      // array items, map values
  std::vector<const AvroNode*> branches;  // union
  int64_t fixed_size = 0;               // fixed
  Json attributes = Json::object();     // uninterpreted members ("logicalType", "element-id", "doc", ...)
  std::vector<std::string> key_order;   // member order in the source JSON
  bool written_as_object = false;       // primitive spelled {"type": "int"} rather than "int"

  bool is_named() const { return type == AvroType::kRecord || type == AvroType::kEnum || type == AvroType::kFixed; }
  /// Index of the record field called `field_name`, or -1.
  int FieldIndex(std::string_view field_name) const;
  /// The record field called `field_name`, or nullptr.
  const AvroField* FindField(std::string_view field_name) const;
  /// An integer attribute such as "element-id", "key-id" or "value-id".
  std::optional<int64_t> IntAttribute(std::string_view key) const;
  /// A string attribute such as "logicalType".
  std::optional<std::string> StringAttribute(std::string_view key) const;
  /// Short description for messages: "int", "record manifest_entry", "union [null, long]".
  std::string Describe() const;
};

// AvroSchema: a parsed Avro schema, owning all of its nodes.
// Copies are cheap and share the same immutable nodes.
// Thread-safety: immutable; safe to share and use from many threads.
class AvroSchema {
 public:
  /// Parses schema JSON text. Errors are InvalidArgument naming what is wrong.
  static Result<AvroSchema> Parse(std::string_view json_text);
  /// Parses an already-decoded JSON document.
  static Result<AvroSchema> FromJson(const Json& json);

  /// The root node (usually a record).
  const AvroNode& root() const { return *root_; }
  /// Compact JSON: named types are defined at their first use and referenced by
  /// full name afterwards; attributes and member order are kept as parsed.
  std::string ToJson() const;
  /// Same as ToJson() but as a JSON document.
  Json ToJsonValue() const;

 private:
  struct Storage;
  AvroSchema(std::shared_ptr<const Storage> storage, const AvroNode* root)
      : storage_(std::move(storage)), root_(root) {}

  std::shared_ptr<const Storage> storage_;
  const AvroNode* root_ = nullptr;
};

}  // namespace strata::avro
