// AvroValue: a generic Avro datum, the unit AvroWriter appends and AvroReader
// returns. It mirrors the schema's shape but does not point at the schema:
//   null, bool, int (int32), long (int64), float, double,
//   bytes / string / fixed   -> a std::string of raw bytes,
//   enum                     -> symbol (and its index once read or written),
//   record                   -> (field name, value) pairs in schema order,
//   array                    -> values,
//   map                      -> (key, value) pairs in file order,
//   union                    -> branch index + the branch's value.
// Scalar accessors and FindField see through union wrappers, so reading an
// optional field ["null", "long"] is `rec.FindField("x")->AsLong()`.
// Accessors called on the wrong kind return a zero / empty value.
// Thread-safety: a value type; copies are independent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::avro {

class AvroValue {
 public:
  enum class Kind { kNull, kBool, kInt, kLong, kFloat, kDouble, kBytes, kString, kRecord, kArray, kMap, kUnion, kFixed, kEnum };
  using Entry = std::pair<std::string, AvroValue>;  // record field or map entry

  AvroValue() = default;  // null

  static AvroValue Null() { return AvroValue(); }
  static AvroValue Bool(bool v);
  static AvroValue Int(int32_t v);
  static AvroValue Long(int64_t v);
  static AvroValue Float(float v);
  static AvroValue Double(double v);
  static AvroValue Bytes(std::string v);
  static AvroValue String(std::string v);
  static AvroValue Fixed(std::string v);
  /// An enum value by symbol; the writer resolves the index from the schema.
  static AvroValue Enum(std::string symbol, int32_t index = -1);
  /// A record; fields must be given in schema order with the schema's names.
  static AvroValue Record(std::vector<Entry> fields);
  static AvroValue Array(std::vector<AvroValue> items);
  static AvroValue Map(std::vector<Entry> entries);
  /// An explicit union branch. Writers also accept a bare value where the schema
  /// has a union and pick the first branch it encodes as.
  static AvroValue Union(int32_t branch, AvroValue value);

  Kind kind() const { return kind_; }
  /// True for null, or a union whose chosen value is null.
  bool IsNull() const { return Unwrapped().kind_ == Kind::kNull; }
  /// The value inside a union (recursively); *this for any other kind.
  const AvroValue& Unwrapped() const;
  AvroValue& Unwrapped();

  bool AsBool() const { return Unwrapped().int_ != 0; }
  /// int, long and enum index.
  int32_t AsInt() const { return static_cast<int32_t>(Unwrapped().int_); }
  int64_t AsLong() const { return Unwrapped().int_; }
  /// float and double (widened from float when the kind is kFloat).
  double AsDouble() const { return Unwrapped().double_; }
  float AsFloat() const { return static_cast<float>(Unwrapped().double_); }
  /// bytes, string, fixed, and an enum's symbol.
  const std::string& AsString() const { return Unwrapped().string_; }
  const std::string& AsBytes() const { return Unwrapped().string_; }

  /// Record fields (name, value) in schema order.
  const std::vector<Entry>& fields() const { return Unwrapped().entries_; }
  std::vector<Entry>& mutable_fields() { return Unwrapped().entries_; }
  /// Map entries (key, value).
  const std::vector<Entry>& map_entries() const { return Unwrapped().entries_; }
  /// Array items.
  const std::vector<AvroValue>& items() const { return Unwrapped().items_; }
  std::vector<AvroValue>& mutable_items() { return Unwrapped().items_; }

  /// Union: the chosen branch index (-1 for other kinds) and its raw value.
  int32_t union_branch() const { return kind_ == Kind::kUnion ? static_cast<int32_t>(int_) : -1; }
  const AvroValue& union_value() const { return kind_ == Kind::kUnion ? items_[0] : *this; }

  /// The record field `name` (seen through unions), or nullptr if absent or not a record.
  const AvroValue* FindField(std::string_view name) const;
  AvroValue* FindMutableField(std::string_view name);
  /// Walks dotted record fields: FindPath("data_file.file_path").
  const AvroValue* FindPath(std::string_view dotted) const;

  /// Debug text, JSON-like: {"a": 1, "b": [null, "x"]}; bytes as hex.
  std::string ToString() const;

  friend bool operator==(const AvroValue& a, const AvroValue& b);
  friend bool operator!=(const AvroValue& a, const AvroValue& b) { return !(a == b); }

 private:
  Kind kind_ = Kind::kNull;
  int64_t int_ = 0;             // bool, int, long, enum index, union branch
  double double_ = 0;           // float, double
  std::string string_;          // bytes, string, fixed, enum symbol
  std::vector<AvroValue> items_;  // array items; union: exactly one element
  std::vector<Entry> entries_;  // record fields, map entries
};

std::string_view AvroValueKindName(AvroValue::Kind kind);

}  // namespace strata::avro
