#include "iceberg/manifest.h"

#include "avro/avro_container.h"
#include "format/column_metrics.h"
#include "iceberg/manifest_schemas.h"

namespace strata {
namespace {

using avro::AvroValue;
using json = nlohmann::json;

template <typename V, typename Encode>
AvroValue IntKeyedMap(const IntMap<V>& m, Encode encode) {
  if (m.empty()) return AvroValue::Null();
  std::vector<AvroValue> items;
  items.reserve(m.size());
  for (const auto& [k, v] : m) items.push_back(AvroValue::Record({{"key", AvroValue::Int(k)}, {"value", encode(v)}}));
  return AvroValue::Array(std::move(items));
}

AvroValue PartitionValueToAvro(const Value& v, const std::string& type) {
  if (std::holds_alternative<std::monostate>(v)) return AvroValue::Null();
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (type == "int" || type == "date") return AvroValue::Int(static_cast<int32_t>(*i));
    return AvroValue::Long(*i);
  }
  if (const auto* s = std::get_if<std::string>(&v)) return type == "string" ? AvroValue::String(*s) : AvroValue::Bytes(*s);
  if (const auto* b = std::get_if<bool>(&v)) return AvroValue::Bool(*b);
  return AvroValue::Double(std::get<double>(v));
}

Value PartitionValueFromAvro(const AvroValue& raw) {
  const AvroValue& v = raw.Unwrapped();
  switch (v.kind()) {
    case AvroValue::Kind::kNull: return std::monostate{};
    case AvroValue::Kind::kBool: return v.AsBool();
    case AvroValue::Kind::kInt:
    case AvroValue::Kind::kLong:
    case AvroValue::Kind::kEnum: return v.AsLong();
    case AvroValue::Kind::kFloat:
    case AvroValue::Kind::kDouble: return v.AsDouble();
    default: return v.AsString();
  }
}

template <typename V, typename Decode>
IntMap<V> ReadIntKeyedMap(const AvroValue* field, Decode decode) {
  IntMap<V> out;
  if (!field || field->IsNull()) return out;
  for (const AvroValue& item : field->items()) {
    const AvroValue* k = item.FindField("key");
    const AvroValue* v = item.FindField("value");
    if (k && v && !v->IsNull()) out[k->AsInt()] = decode(*v);
  }
  return out;
}

int64_t LongOr(const AvroValue& rec, std::string_view name, int64_t fallback) {
  const AvroValue* f = rec.FindField(name);
  return f && !f->IsNull() ? f->AsLong() : fallback;
}

std::optional<int64_t> OptLong(const AvroValue& rec, std::string_view name) {
  const AvroValue* f = rec.FindField(name);
  if (!f || f->IsNull()) return std::nullopt;
  return f->AsLong();
}

std::string EncodePartitionBound(const Value& v, const std::string& type) {
  if (const auto* i = std::get_if<int64_t>(&v))
    return type == "int" || type == "date" ? EncodeIntBound(static_cast<int32_t>(*i)) : EncodeLongBound(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<bool>(&v)) return EncodeBoolBound(*b);
  return EncodeDoubleBound(std::get<double>(v));
}

}  // namespace

std::vector<FieldSummary> SummarizePartitions(const ManifestContext& context, const std::vector<ManifestEntry>& entries) {
  std::vector<FieldSummary> out;
  const auto& fields = context.spec->fields;
  for (size_t idx = 0; idx < fields.size(); ++idx) {
    const std::string type = PartitionFieldResultType(fields[idx], *context.schema);
    FieldSummary summary;
    const Value* lo = nullptr;
    const Value* hi = nullptr;
    for (const ManifestEntry& e : entries) {
      if (idx >= e.data_file.partition.size() || std::holds_alternative<std::monostate>(e.data_file.partition[idx])) {
        summary.contains_null = true;
        continue;
      }
      const Value& v = e.data_file.partition[idx];
      if (!lo || v < *lo) lo = &v;
      if (!hi || *hi < v) hi = &v;
    }
    if (type == "float" || type == "double") summary.contains_nan = false;
    if (lo) summary.lower_bound = EncodePartitionBound(*lo, type);
    if (hi) summary.upper_bound = EncodePartitionBound(*hi, type);
    out.push_back(std::move(summary));
  }
  return out;
}

Result<std::string> WriteManifest(const ManifestContext& context, const std::vector<ManifestEntry>& entries) {
  const IcebergSchema& schema = *context.schema;
  const PartitionSpec& spec = *context.spec;
  STRATA_ASSIGN_OR_RETURN(auto avro_schema, avro::AvroSchema::FromJson(ManifestEntryAvroSchema(spec, schema)));
  avro::AvroWriterOptions options;
  options.metadata["schema"] = SchemaToJson(schema).dump();
  options.metadata["schema-id"] = std::to_string(schema.schema_id);
  options.metadata["partition-spec"] = PartitionSpecToJson(spec)["fields"].dump();
  options.metadata["partition-spec-id"] = std::to_string(spec.spec_id);
  options.metadata["format-version"] = "2";
  options.metadata["content"] = context.content == FileContent::kData ? "data" : "deletes";
  STRATA_ASSIGN_OR_RETURN(auto writer, avro::AvroWriter::Make(std::move(avro_schema), std::move(options)));

  std::vector<std::string> partition_types;
  for (const auto& pf : spec.fields) partition_types.push_back(PartitionFieldResultType(pf, schema));
  auto as_long = [](int64_t v) { return AvroValue::Long(v); };
  auto as_bytes = [](const std::string& v) { return AvroValue::Bytes(v); };
  for (const ManifestEntry& e : entries) {
    const DataFile& f = e.data_file;
    if (f.partition.size() != spec.fields.size())
      return Status::InvalidArgument("data file " + f.file_path + " has " + std::to_string(f.partition.size()) +
                                     " partition values; spec " + std::to_string(spec.spec_id) + " has " +
                                     std::to_string(spec.fields.size()) + " fields");
    std::vector<AvroValue::Entry> partition;
    for (size_t idx = 0; idx < spec.fields.size(); ++idx)
      partition.emplace_back(spec.fields[idx].name, PartitionValueToAvro(f.partition[idx], partition_types[idx]));
    std::vector<AvroValue> offsets;
    for (int64_t o : f.split_offsets) offsets.push_back(AvroValue::Long(o));
    std::vector<AvroValue> eq_ids;
    for (int id : f.equality_ids) eq_ids.push_back(AvroValue::Int(id));
    auto opt_long = [](const std::optional<int64_t>& v) { return v ? AvroValue::Long(*v) : AvroValue::Null(); };
    AvroValue data_file = AvroValue::Record({
        {"content", AvroValue::Int(static_cast<int>(f.content))},
        {"file_path", AvroValue::String(f.file_path)},
        {"file_format", AvroValue::String(f.file_format)},
        {"partition", AvroValue::Record(std::move(partition))},
        {"record_count", AvroValue::Long(f.record_count)},
        {"file_size_in_bytes", AvroValue::Long(f.file_size_in_bytes)},
        {"column_sizes", IntKeyedMap(f.column_sizes, as_long)},
        {"value_counts", IntKeyedMap(f.value_counts, as_long)},
        {"null_value_counts", IntKeyedMap(f.null_value_counts, as_long)},
        {"nan_value_counts", IntKeyedMap(f.nan_value_counts, as_long)},
        {"lower_bounds", IntKeyedMap(f.lower_bounds, as_bytes)},
        {"upper_bounds", IntKeyedMap(f.upper_bounds, as_bytes)},
        {"key_metadata", AvroValue::Null()},
        {"split_offsets", offsets.empty() ? AvroValue::Null() : AvroValue::Array(std::move(offsets))},
        {"equality_ids", eq_ids.empty() ? AvroValue::Null() : AvroValue::Array(std::move(eq_ids))},
        {"sort_order_id", f.sort_order_id ? AvroValue::Int(*f.sort_order_id) : AvroValue::Null()},
    });
    STRATA_RETURN_IF_ERROR(writer.Append(AvroValue::Record({
        {"status", AvroValue::Int(static_cast<int>(e.status))},
        {"snapshot_id", opt_long(e.snapshot_id)},
        {"sequence_number", opt_long(e.sequence_number)},
        {"file_sequence_number", opt_long(e.file_sequence_number)},
        {"data_file", std::move(data_file)},
    })));
  }
  return writer.Finish();
}

Result<std::string> WriteManifestList(int64_t snapshot_id, std::optional<int64_t> parent_snapshot_id,
                                      int64_t sequence_number, const std::vector<ManifestFile>& manifests) {
  STRATA_ASSIGN_OR_RETURN(auto avro_schema, avro::AvroSchema::FromJson(ManifestListAvroSchema()));
  avro::AvroWriterOptions options;
  options.metadata["snapshot-id"] = std::to_string(snapshot_id);
  options.metadata["parent-snapshot-id"] = parent_snapshot_id ? std::to_string(*parent_snapshot_id) : "null";
  options.metadata["sequence-number"] = std::to_string(sequence_number);
  options.metadata["format-version"] = "2";
  STRATA_ASSIGN_OR_RETURN(auto writer, avro::AvroWriter::Make(std::move(avro_schema), std::move(options)));
  for (const ManifestFile& m : manifests) {
    std::vector<AvroValue> partitions;
    for (const FieldSummary& s : m.partitions) {
      partitions.push_back(AvroValue::Record({
          {"contains_null", AvroValue::Bool(s.contains_null)},
          {"contains_nan", s.contains_nan ? AvroValue::Bool(*s.contains_nan) : AvroValue::Null()},
          {"lower_bound", s.lower_bound ? AvroValue::Bytes(*s.lower_bound) : AvroValue::Null()},
          {"upper_bound", s.upper_bound ? AvroValue::Bytes(*s.upper_bound) : AvroValue::Null()},
      }));
    }
    STRATA_RETURN_IF_ERROR(writer.Append(AvroValue::Record({
        {"manifest_path", AvroValue::String(m.manifest_path)},
        {"manifest_length", AvroValue::Long(m.manifest_length)},
        {"partition_spec_id", AvroValue::Int(m.partition_spec_id)},
        {"content", AvroValue::Int(static_cast<int>(m.content))},
        {"sequence_number", AvroValue::Long(m.sequence_number)},
        {"min_sequence_number", AvroValue::Long(m.min_sequence_number)},
        {"added_snapshot_id", AvroValue::Long(m.added_snapshot_id)},
        {"added_files_count", AvroValue::Int(m.added_files_count)},
        {"existing_files_count", AvroValue::Int(m.existing_files_count)},
        {"deleted_files_count", AvroValue::Int(m.deleted_files_count)},
        {"added_rows_count", AvroValue::Long(m.added_rows_count)},
        {"existing_rows_count", AvroValue::Long(m.existing_rows_count)},
        {"deleted_rows_count", AvroValue::Long(m.deleted_rows_count)},
        {"partitions", AvroValue::Array(std::move(partitions))},
        {"key_metadata", AvroValue::Null()},
    })));
  }
  return writer.Finish();
}

Result<std::vector<ManifestEntry>> ReadManifest(std::string_view avro_bytes) {
  return ReadManifest(avro_bytes, nullptr);
}

Result<std::vector<ManifestEntry>> ReadManifest(std::string_view avro_bytes, ManifestHeader* header) {
  STRATA_ASSIGN_OR_RETURN(auto reader, avro::AvroReader::Open(avro_bytes));
  if (header) {
    *header = ManifestHeader{};
    auto int_key = [&](std::string_view key) -> std::optional<int> {
      const std::string* v = reader.FindMetadata(key);
      if (!v) return std::nullopt;
      try {
        size_t used = 0;
        int n = std::stoi(*v, &used);
        if (used == v->size()) return n;
      } catch (...) {
      }
      return std::nullopt;
    };
    header->partition_spec_id = int_key("partition-spec-id");
    header->schema_id = int_key("schema-id");
    header->format_version = int_key("format-version").value_or(1);
    if (const std::string* c = reader.FindMetadata("content"); c && *c == "deletes")
      header->content = FileContent::kPositionDeletes;
  }
  std::vector<ManifestEntry> out;
  auto as_long = [](const AvroValue& v) { return v.AsLong(); };
  auto as_bytes = [](const AvroValue& v) { return v.AsBytes(); };
  for (const AvroValue& rec : reader.records()) {
    ManifestEntry e;
    e.status = static_cast<EntryStatus>(LongOr(rec, "status", 1));
    e.snapshot_id = OptLong(rec, "snapshot_id");
    e.sequence_number = OptLong(rec, "sequence_number");
    e.file_sequence_number = OptLong(rec, "file_sequence_number");
    const AvroValue* df = rec.FindField("data_file");
    if (!df) return Status::Corruption("manifest entry has no data_file");
    DataFile& f = e.data_file;
    f.content = static_cast<FileContent>(LongOr(*df, "content", 0));
    if (const AvroValue* p = df->FindField("file_path")) f.file_path = p->AsString();
    if (const AvroValue* p = df->FindField("file_format")) f.file_format = p->AsString();
    if (const AvroValue* p = df->FindField("partition"))
      for (const auto& [name, value] : p->fields()) f.partition.push_back(PartitionValueFromAvro(value));
    f.record_count = LongOr(*df, "record_count", 0);
    f.file_size_in_bytes = LongOr(*df, "file_size_in_bytes", 0);
    f.column_sizes = ReadIntKeyedMap<int64_t>(df->FindField("column_sizes"), as_long);
    f.value_counts = ReadIntKeyedMap<int64_t>(df->FindField("value_counts"), as_long);
    f.null_value_counts = ReadIntKeyedMap<int64_t>(df->FindField("null_value_counts"), as_long);
    f.nan_value_counts = ReadIntKeyedMap<int64_t>(df->FindField("nan_value_counts"), as_long);
    f.lower_bounds = ReadIntKeyedMap<std::string>(df->FindField("lower_bounds"), as_bytes);
    f.upper_bounds = ReadIntKeyedMap<std::string>(df->FindField("upper_bounds"), as_bytes);
    if (const AvroValue* p = df->FindField("split_offsets"); p && !p->IsNull())
      for (const AvroValue& v : p->items()) f.split_offsets.push_back(v.AsLong());
    if (const AvroValue* p = df->FindField("equality_ids"); p && !p->IsNull())
      for (const AvroValue& v : p->items()) f.equality_ids.push_back(v.AsInt());
    if (auto s = OptLong(*df, "sort_order_id")) f.sort_order_id = static_cast<int>(*s);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<ManifestFile>> ReadManifestList(std::string_view avro_bytes) {
  STRATA_ASSIGN_OR_RETURN(auto reader, avro::AvroReader::Open(avro_bytes));
  std::vector<ManifestFile> out;
  for (const AvroValue& rec : reader.records()) {
    ManifestFile m;
    const AvroValue* path = rec.FindField("manifest_path");
    if (!path) return Status::Corruption("manifest list entry has no manifest_path");
    m.manifest_path = path->AsString();
    m.manifest_length = LongOr(rec, "manifest_length", 0);
    m.partition_spec_id = static_cast<int>(LongOr(rec, "partition_spec_id", 0));
    m.content = static_cast<FileContent>(LongOr(rec, "content", 0));
    m.sequence_number = LongOr(rec, "sequence_number", 0);  // v1: 0
    m.min_sequence_number = LongOr(rec, "min_sequence_number", 0);
    m.added_snapshot_id = LongOr(rec, "added_snapshot_id", 0);
    // v1 names the counts *_data_files_count.
    m.added_files_count = static_cast<int>(LongOr(rec, "added_files_count", LongOr(rec, "added_data_files_count", 0)));
    m.existing_files_count =
        static_cast<int>(LongOr(rec, "existing_files_count", LongOr(rec, "existing_data_files_count", 0)));
    m.deleted_files_count =
        static_cast<int>(LongOr(rec, "deleted_files_count", LongOr(rec, "deleted_data_files_count", 0)));
    m.added_rows_count = LongOr(rec, "added_rows_count", 0);
    m.existing_rows_count = LongOr(rec, "existing_rows_count", 0);
    m.deleted_rows_count = LongOr(rec, "deleted_rows_count", 0);
    if (const AvroValue* parts = rec.FindField("partitions"); parts && !parts->IsNull()) {
      for (const AvroValue& p : parts->items()) {
        FieldSummary s;
        if (const AvroValue* v = p.FindField("contains_null")) s.contains_null = v->AsBool();
        if (const AvroValue* v = p.FindField("contains_nan"); v && !v->IsNull()) s.contains_nan = v->AsBool();
        if (const AvroValue* v = p.FindField("lower_bound"); v && !v->IsNull()) s.lower_bound = v->AsBytes();
        if (const AvroValue* v = p.FindField("upper_bound"); v && !v->IsNull()) s.upper_bound = v->AsBytes();
        m.partitions.push_back(std::move(s));
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace strata
