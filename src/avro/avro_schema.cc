#include "avro/avro_schema.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace strata::avro {

struct AvroSchema::Storage {
  std::vector<std::unique_ptr<AvroNode>> nodes;
};

std::string_view AvroTypeName(AvroType type) {
  switch (type) {
    case AvroType::kNull: return "null";
    case AvroType::kBoolean: return "boolean";
    case AvroType::kInt: return "int";
    case AvroType::kLong: return "long";
    case AvroType::kFloat: return "float";
    case AvroType::kDouble: return "double";
    case AvroType::kBytes: return "bytes";
    case AvroType::kString: return "string";
    case AvroType::kRecord: return "record";
    case AvroType::kEnum: return "enum";
    case AvroType::kArray: return "array";
    case AvroType::kMap: return "map";
    case AvroType::kUnion: return "union";
    case AvroType::kFixed: return "fixed";
  }
  return "unknown";
}

namespace {

std::optional<int64_t> IntAttr(const Json& attributes, std::string_view key) {
  auto it = attributes.find(key);
  if (it == attributes.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return it->get<int64_t>();
}

std::optional<AvroType> PrimitiveType(std::string_view name) {
  for (AvroType t : {AvroType::kNull, AvroType::kBoolean, AvroType::kInt, AvroType::kLong, AvroType::kFloat,
                     AvroType::kDouble, AvroType::kBytes, AvroType::kString}) {
    if (AvroTypeName(t) == name) return t;
  }
  return std::nullopt;
}

// Avro names: [A-Za-z_][A-Za-z0-9_]*, dot-separated in full names.
bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

bool ValidFullName(std::string_view name) {
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    if (!ValidName(name.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::vector<std::string> KeysOf(const Json& obj) {
  std::vector<std::string> keys;
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
  return keys;
}

// Copies every member not in `structural` into `attributes`.
void CopyAttributes(const Json& obj, std::initializer_list<std::string_view> structural, Json* attributes) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(structural.begin(), structural.end(), it.key()) == structural.end()) {
      (*attributes)[it.key()] = it.value();
    }
  }
}

constexpr int kMaxDepth = 256;

class Parser {
 public:
  std::vector<std::unique_ptr<AvroNode>> nodes;

  Result<const AvroNode*> Parse(const Json& j, const std::string& ns, const std::string& path, int depth) {
    if (depth > kMaxDepth) return Err(path, "schema nests deeper than " + std::to_string(kMaxDepth) + " levels");
    if (j.is_string()) return ParseName(j.get<std::string>(), ns, path);
    if (j.is_array()) return ParseUnion(j, ns, path, depth);
    if (!j.is_object()) return Err(path, "expected a type name, object or union array, got " + j.dump());
    auto type_it = j.find("type");
    if (type_it == j.end()) return Err(path, "object has no \"type\" member");
    if (!type_it->is_string()) return Err(path, "\"type\" must be a string, got " + type_it->dump());
    const std::string type = type_it->get<std::string>();
    if (auto prim = PrimitiveType(type)) {
      AvroNode* node = NewNode(*prim);
      node->written_as_object = true;
      node->key_order = KeysOf(j);
      CopyAttributes(j, {"type"}, &node->attributes);
      return node;
    }
    if (type == "record" || type == "error") return ParseRecord(j, ns, path, depth);
    if (type == "enum") return ParseEnum(j, ns, path);
    if (type == "fixed") return ParseFixed(j, ns, path);
    if (type == "array" || type == "map") {
      const char* child_key = type == "array" ? "items" : "values";
      auto child = j.find(child_key);
      if (child == j.end()) return Err(path, type + " has no \"" + child_key + "\" member");
      AvroNode* node = NewNode(type == "array" ? AvroType::kArray : AvroType::kMap);
      node->key_order = KeysOf(j);
      CopyAttributes(j, {"type", child_key}, &node->attributes);
      STRATA_ASSIGN_OR_RETURN(node->items, Parse(*child, ns, path + "." + child_key, depth + 1));
      return node;
    }
    return ParseName(type, ns, path);  // {"type": "SomeNamedType"}
  }

  static Status Err(const std::string& path, const std::string& what) {
    return Status::InvalidArgument("invalid Avro schema at " + (path.empty() ? std::string("<root>") : path) + ": " +
                                   what);
  }

 private:
  std::map<std::string, AvroNode*, std::less<>> named_;

  AvroNode* NewNode(AvroType type) {
    nodes.push_back(std::make_unique<AvroNode>());
    nodes.back()->type = type;
    return nodes.back().get();
  }

  Result<const AvroNode*> ParseName(const std::string& name, const std::string& ns, const std::string& path) {
    if (auto prim = PrimitiveType(name)) return static_cast<const AvroNode*>(NewNode(*prim));
    if (name.find('.') == std::string::npos && !ns.empty()) {
      if (auto it = named_.find(ns + "." + name); it != named_.end()) return static_cast<const AvroNode*>(it->second);
    }
    if (auto it = named_.find(name); it != named_.end()) return static_cast<const AvroNode*>(it->second);
    return Err(path, "unknown type \"" + name + "\" (not a primitive, and no named type defined before this point)");
  }

  // Sets name/full_name, registers the node, and returns the namespace for its children.
  Result<std::string> DefineName(const Json& j, AvroNode* node, const std::string& ns, const std::string& path) {
    auto name_it = j.find("name");
    if (name_it == j.end() || !name_it->is_string()) {
      return Err(path, std::string(AvroTypeName(node->type)) + " needs a string \"name\"");
    }
    node->name = name_it->get<std::string>();
    std::string space = ns;
    if (auto ns_it = j.find("namespace"); ns_it != j.end()) {
      if (!ns_it->is_string()) return Err(path, "\"namespace\" must be a string");
      space = ns_it->get<std::string>();
    }
    const size_t dot = node->name.rfind('.');
    if (dot != std::string::npos) {
      node->full_name = node->name;
      space = node->name.substr(0, dot);
    } else {
      node->full_name = space.empty() ? node->name : space + "." + node->name;
    }
    if (!ValidFullName(node->full_name)) return Err(path, "invalid name \"" + node->full_name + "\"");
    if (PrimitiveType(node->full_name)) return Err(path, "a named type cannot be called \"" + node->full_name + "\"");
    if (!named_.emplace(node->full_name, node).second) {
      return Err(path, "named type \"" + node->full_name + "\" is defined twice");
    }
    return space;
  }

  Result<const AvroNode*> ParseRecord(const Json& j, const std::string& ns, const std::string& path, int depth) {
    AvroNode* node = NewNode(AvroType::kRecord);
    node->key_order = KeysOf(j);
    CopyAttributes(j, {"type", "name", "fields"}, &node->attributes);
    STRATA_ASSIGN_OR_RETURN(std::string space, DefineName(j, node, ns, path));
    const std::string rec_path = path.empty() ? node->name : path;
    auto fields = j.find("fields");
    if (fields == j.end() || !fields->is_array()) return Err(rec_path, "record needs a \"fields\" array");
    std::set<std::string, std::less<>> seen;
    for (const Json& f : *fields) {
      if (!f.is_object()) return Err(rec_path, "record field must be an object, got " + f.dump());
      auto fname = f.find("name");
      if (fname == f.end() || !fname->is_string()) return Err(rec_path, "record field needs a string \"name\"");
      AvroField field;
      field.name = fname->get<std::string>();
      const std::string fpath = rec_path + "." + field.name;
      if (!ValidName(field.name)) return Err(fpath, "invalid field name \"" + field.name + "\"");
      if (!seen.insert(field.name).second) return Err(fpath, "duplicate field name");
      auto ftype = f.find("type");
      if (ftype == f.end()) return Err(fpath, "field has no \"type\"");
      STRATA_ASSIGN_OR_RETURN(field.type, Parse(*ftype, space, fpath, depth + 1));
      if (auto def = f.find("default"); def != f.end()) field.default_value = *def;
      field.key_order = KeysOf(f);
      CopyAttributes(f, {"name", "type", "default"}, &field.attributes);
      node->fields.push_back(std::move(field));
    }
    return static_cast<const AvroNode*>(node);
  }

  Result<const AvroNode*> ParseEnum(const Json& j, const std::string& ns, const std::string& path) {
    AvroNode* node = NewNode(AvroType::kEnum);
    node->key_order = KeysOf(j);
    CopyAttributes(j, {"type", "name", "symbols"}, &node->attributes);
    STRATA_RETURN_IF_ERROR(DefineName(j, node, ns, path));
    auto symbols = j.find("symbols");
    if (symbols == j.end() || !symbols->is_array()) return Err(path, "enum needs a \"symbols\" array");
    std::set<std::string, std::less<>> seen;
    for (const Json& s : *symbols) {
      if (!s.is_string() || !ValidName(s.get<std::string>())) return Err(path, "invalid enum symbol " + s.dump());
      if (!seen.insert(s.get<std::string>()).second) return Err(path, "duplicate enum symbol " + s.dump());
      node->symbols.push_back(s.get<std::string>());
    }
    return static_cast<const AvroNode*>(node);
  }

  Result<const AvroNode*> ParseFixed(const Json& j, const std::string& ns, const std::string& path) {
    AvroNode* node = NewNode(AvroType::kFixed);
    node->key_order = KeysOf(j);
    CopyAttributes(j, {"type", "name", "size"}, &node->attributes);
    STRATA_RETURN_IF_ERROR(DefineName(j, node, ns, path));
    auto size = j.find("size");
    if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0 ||
        size->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return Err(path, "fixed needs a non-negative integer \"size\"");
    }
    node->fixed_size = size->get<int64_t>();
    return static_cast<const AvroNode*>(node);
  }

  Result<const AvroNode*> ParseUnion(const Json& j, const std::string& ns, const std::string& path, int depth) {
    AvroNode* node = NewNode(AvroType::kUnion);
    std::set<std::string, std::less<>> seen;
    for (size_t i = 0; i < j.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(const AvroNode* branch,
                              Parse(j[i], ns, path + "<branch " + std::to_string(i) + ">", depth + 1));
      if (branch->type == AvroType::kUnion) return Err(path, "a union may not directly contain another union");
      std::string key = branch->is_named() ? branch->full_name : std::string(AvroTypeName(branch->type));
      if (!seen.insert(key).second) return Err(path, "union contains " + key + " twice");
      node->branches.push_back(branch);
    }
    return static_cast<const AvroNode*>(node);
  }
};

// Writes an object's members in `key_order`; `structural(key)` yields the
// interpreted members (returns nullopt for keys that are attributes).
template <typename StructuralFn>
Json EmitObject(const std::vector<std::string>& key_order, std::initializer_list<std::string_view> default_order,
                const Json& attributes, StructuralFn structural) {
  Json out = Json::object();
  auto emit = [&](const std::string& key) {
    if (out.contains(key)) return;
    if (std::optional<Json> v = structural(key)) {
      out[key] = std::move(*v);
    } else if (auto it = attributes.find(key); it != attributes.end()) {
      out[key] = *it;
    }
  };
  for (const std::string& key : key_order) emit(key);
  for (std::string_view key : default_order) emit(std::string(key));
  for (auto it = attributes.begin(); it != attributes.end(); ++it) emit(it.key());
  return out;
}

Json NodeToJson(const AvroNode* n, std::set<const AvroNode*>* defined) {
  const std::string type_name(AvroTypeName(n->type));
  if (n->is_named()) {
    if (defined->count(n)) return n->full_name;
    defined->insert(n);
  }
  switch (n->type) {
    case AvroType::kUnion: {
      Json out = Json::array();
      for (const AvroNode* b : n->branches) out.push_back(NodeToJson(b, defined));
      return out;
    }
    case AvroType::kRecord:
      return EmitObject(n->key_order, {"type", "name", "fields"}, n->attributes,
                        [&](const std::string& key) -> std::optional<Json> {
                          if (key == "type") return type_name;
                          if (key == "name") return n->name;
                          if (key != "fields") return std::nullopt;
                          Json fields = Json::array();
                          for (const AvroField& f : n->fields) {
                            fields.push_back(EmitObject(f.key_order, {"name", "type", "default"}, f.attributes,
                                                        [&](const std::string& k) -> std::optional<Json> {
                                                          if (k == "name") return f.name;
                                                          if (k == "type") return NodeToJson(f.type, defined);
                                                          if (k == "default") return f.default_value;
                                                          return std::nullopt;
                                                        }));
                          }
                          return fields;
                        });
    default:
      break;
  }
  if (n->type <= AvroType::kString && !n->written_as_object && n->attributes.empty()) return type_name;
  return EmitObject(n->key_order, {"type", "name", "symbols", "size", "items", "values"}, n->attributes,
                    [&](const std::string& key) -> std::optional<Json> {
                      if (key == "type") return type_name;
                      if (key == "name" && n->is_named()) return n->name;
                      if (key == "symbols" && n->type == AvroType::kEnum) return Json(n->symbols);
                      if (key == "size" && n->type == AvroType::kFixed) return n->fixed_size;
                      if ((key == "items" && n->type == AvroType::kArray) ||
                          (key == "values" && n->type == AvroType::kMap)) {
                        return NodeToJson(n->items, defined);
                      }
                      return std::nullopt;
                    });
}

}  // namespace

std::optional<int32_t> AvroField::field_id() const {
  auto v = IntAttr(attributes, "field-id");
  if (!v || *v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(*v);
}

int AvroNode::FieldIndex(std::string_view field_name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field_name) return static_cast<int>(i);
  }
  return -1;
}

const AvroField* AvroNode::FindField(std::string_view field_name) const {
  int i = FieldIndex(field_name);
  return i < 0 ? nullptr : &fields[i];
}

std::optional<int64_t> AvroNode::IntAttribute(std::string_view key) const { return IntAttr(attributes, key); }

std::optional<std::string> AvroNode::StringAttribute(std::string_view key) const {
  auto it = attributes.find(key);
  if (it == attributes.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string AvroNode::Describe() const {
  std::string out(AvroTypeName(type));
  if (is_named()) out += " " + full_name;
  if (type == AvroType::kUnion) {
    out += " [";
    for (size_t i = 0; i < branches.size(); ++i) {
      if (i) out += ", ";
      out += branches[i]->is_named() ? branches[i]->full_name : std::string(AvroTypeName(branches[i]->type));
    }
    out += "]";
  }
  return out;
}

Result<AvroSchema> AvroSchema::Parse(std::string_view json_text) {
  Json json;
  try {
    json = Json::parse(json_text);
  } catch (const Json::exception& e) {
    return Status::InvalidArgument(std::string("Avro schema is not valid JSON: ") + e.what());
  }
  return FromJson(json);
}

Result<AvroSchema> AvroSchema::FromJson(const Json& json) {
  Parser parser;
  STRATA_ASSIGN_OR_RETURN(const AvroNode* root, parser.Parse(json, "", "", 0));
  auto storage = std::make_shared<Storage>();
  storage->nodes = std::move(parser.nodes);
  return AvroSchema(std::move(storage), root);
}

Json AvroSchema::ToJsonValue() const {
  std::set<const AvroNode*> defined;
  return NodeToJson(root_, &defined);
}

std::string AvroSchema::ToJson() const { return ToJsonValue().dump(); }

}  // namespace strata::avro
