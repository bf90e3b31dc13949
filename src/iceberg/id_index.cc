#include "iceberg/id_index.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <map>
#include <numeric>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "common/fnv_hash.h"
#include "common/random.h"

namespace strata {
namespace {

__extension__ typedef unsigned __int128 U128;

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'I', 'D'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kHashFunction = 1;      // FNV-1a 64 + fmix64
constexpr size_t kPageHeaderBytes = 8;     // u32 stored_len, u32 raw_len
constexpr uint64_t kMaxRawPageBytes = 1u << 30;
constexpr uint64_t kPageAlign = 64;
constexpr std::string_view kSegmentPrefix = "strata-ids-";
constexpr std::string_view kSegmentSuffix = ".bin";

// ---- little-endian integers and varints ----

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetLE(std::string_view s, size_t offset, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(s[offset + i])} << (8 * i);
  return v;
}
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Sequential reader of an inflated page; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      *v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (n > data_.size() - pos_) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Byte planes: plane 0 holds the most significant of `width` bytes of every value.
void PutPlanes(std::string* out, const std::vector<uint64_t>& values, int width) {
  for (int plane = 0; plane < width; ++plane) {
    const int shift = 8 * (width - 1 - plane);
    for (uint64_t v : values) out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}
std::vector<uint64_t> GetPlanes(std::string_view planes, size_t count, int width) {
  std::vector<uint64_t> values(count, 0);
  for (int plane = 0; plane < width; ++plane)
    for (size_t i = 0; i < count; ++i)
      values[i] = (values[i] << 8) | static_cast<uint8_t>(planes[plane * count + i]);
  return values;
}
int BytesFor(uint64_t max_value) {
  int w = 0;
  while (max_value) {
    ++w;
    max_value >>= 8;
  }
  return w;
}

// ---- pages ----

struct Page {
  std::vector<IdIndexFile> files;    // the page's file table
  std::vector<uint64_t> hashes;      // sorted
  std::vector<uint64_t> file_of;     // local file number of each hash
};

std::string SegmentContext(std::string_view name, uint64_t page) {
  return "id index segment " + std::string(name) + ", page " + std::to_string(page);
}

Result<std::string> CompressPage(const std::string& raw, int level) {
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::string out(kPageHeaderBytes + bound, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data() + kPageHeaderBytes), &bound,
                     reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), level);
  if (rc != Z_OK) return Status::Internal("zlib compress2 failed with code " + std::to_string(rc));
  out.resize(kPageHeaderBytes + bound);
  std::string header;
  PutU32(&header, static_cast<uint32_t>(bound));
  PutU32(&header, static_cast<uint32_t>(raw.size()));
  out.replace(0, kPageHeaderBytes, header);
  return out;
}

// Inflates and parses page `page_no` of a segment with `pages` pages.
Result<Page> DecodePage(std::string_view bytes, uint64_t page_no, uint64_t pages, std::string_view name) {
  auto bad = [&](const std::string& what) { return Status::Corruption(SegmentContext(name, page_no) + ": " + what); };
  if (bytes.size() < kPageHeaderBytes) return bad("truncated page (" + std::to_string(bytes.size()) + " bytes)");
  const uint64_t stored = GetLE(bytes, 0, 4), raw_len = GetLE(bytes, 4, 4);
  if (stored > bytes.size() - kPageHeaderBytes)
    return bad("page claims " + std::to_string(stored) + " compressed bytes but holds only " +
               std::to_string(bytes.size() - kPageHeaderBytes) + " (truncated page or wrong page_bytes)");
  if (raw_len > kMaxRawPageBytes) return bad("page claims " + std::to_string(raw_len) + " inflated bytes");
  for (size_t i = kPageHeaderBytes + stored; i < bytes.size(); ++i)
    if (bytes[i] != '\0') return bad("non-zero padding after the compressed page");
  std::string raw(raw_len, '\0');
  uLongf raw_size = static_cast<uLongf>(raw_len);
  int rc = uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                      reinterpret_cast<const Bytef*>(bytes.data() + kPageHeaderBytes), static_cast<uLong>(stored));
  if (rc != Z_OK || raw_size != raw_len)
    return bad(std::string("bad deflate data (") + (rc == Z_DATA_ERROR ? "corrupt stream or checksum mismatch"
                                                   : rc == Z_BUF_ERROR ? "truncated or longer than declared"
                                                                       : "zlib code " + std::to_string(rc)) + ")");
  Reader in(raw);
  Page page;
  uint64_t file_count = 0;
  if (!in.Varint(&file_count) || file_count > in.remaining()) return bad("bad file table count");
  for (uint64_t f = 0; f < file_count; ++f) {
    uint64_t len = 0, size = 0;
    std::string_view path;
    if (!in.Varint(&len) || !in.Bytes(len, &path) || !in.Varint(&size) || size > uint64_t{INT64_MAX})
      return bad("bad file table entry " + std::to_string(f));
    page.files.push_back({std::string(path), static_cast<int64_t>(size)});
  }
  uint64_t count = 0;
  const int width = BytesFor(file_count > 0 ? file_count - 1 : 0);
  if (!in.Varint(&count) || count > in.remaining() / 8 || in.remaining() != count * (8 + width))
    return bad("entry count does not match the page's length");
  if (count > 0 && file_count == 0) return bad("entries without a file table");
  std::string_view hash_planes, file_planes;
  (void)in.Bytes(count * 8, &hash_planes);
  (void)in.Bytes(count * width, &file_planes);
  page.hashes = GetPlanes(hash_planes, count, 8);
  page.file_of = GetPlanes(file_planes, count, width);
  uint64_t prev = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t h = prev + page.hashes[i];
    if (h < prev) return bad("hash deltas overflow");
    page.hashes[i] = prev = h;
    if (IdIndexPage(h, pages) != page_no)
      return bad("holds a hash of page " + std::to_string(IdIndexPage(h, pages)) + " (wrong page count or offset)");
    if (page.file_of[i] >= file_count) return bad("entry names file " + std::to_string(page.file_of[i]) +
                                                  " of " + std::to_string(file_count));
  }
  return page;
}

// Runs fn(0..n-1) on up to kMaxParallel threads (the calling one included).
constexpr size_t kMaxParallel = 16;
template <typename F>
auto ParallelMap(size_t n, F fn) -> std::vector<decltype(fn(size_t{0}))> {
  using R = decltype(fn(size_t{0}));
  std::vector<std::optional<R>> slots(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) slots[i].emplace(fn(i));
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(n, kMaxParallel); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  std::vector<R> out;
  out.reserve(n);
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

bool ValidSegmentName(std::string_view file) {
  return file.size() > kSegmentPrefix.size() + kSegmentSuffix.size() && file.starts_with(kSegmentPrefix) &&
         file.ends_with(kSegmentSuffix) && file.find('/') == std::string_view::npos &&
         file.find("..") == std::string_view::npos;
}

}  // namespace

uint64_t IdHash(std::string_view id) { return Fmix64(Fnv1a64(id)); }

uint64_t IdIndexPage(uint64_t hash, uint64_t pages) { return static_cast<uint64_t>((U128{hash} * pages) >> 64); }

Status IdIndexOptions::Validate() const {
  if (max_segments < 1 || max_segments > 64)
    return Status::InvalidArgument("id index max_segments must be within 1..64, got " + std::to_string(max_segments));
  if (!(merge_ratio >= 0 && merge_ratio <= 1000))
    return Status::InvalidArgument("id index merge_ratio must be within 0..1000, got " + std::to_string(merge_ratio));
  if (min_ids_per_page < 16 || min_ids_per_page > (int64_t{1} << 22))
    return Status::InvalidArgument("id index min_ids_per_page must be within 16..4194304, got " +
                                   std::to_string(min_ids_per_page));
  if (ids_per_page_per_file < 0 || ids_per_page_per_file > 1024)
    return Status::InvalidArgument("id index ids_per_page_per_file must be within 0..1024, got " +
                                   std::to_string(ids_per_page_per_file));
  if (compression_level < 1 || compression_level > 9)
    return Status::InvalidArgument("id index compression_level must be within 1..9, got " +
                                   std::to_string(compression_level));
  return Status::OK();
}

void IdIndexContent::AddFile(std::string path, int64_t size, const std::vector<std::string>& ids) {
  const auto file = static_cast<uint32_t>(files.size());
  files.push_back({std::move(path), size});
  entries.reserve(entries.size() + ids.size());
  for (const std::string& id : ids) entries.push_back({IdHash(id), file});
}

Result<EncodedIdIndexSegment> EncodeIdIndexSegment(const IdIndexContent& content, const IdIndexOptions& options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (content.entries.empty()) return Status::InvalidArgument("an id index segment needs at least one id");
  if (content.files.size() > UINT32_MAX) return Status::InvalidArgument("an id index segment holds at most 2^32 files");
  // One number per distinct path.
  std::unordered_map<std::string_view, uint32_t> by_path;
  std::vector<uint32_t> canonical(content.files.size());
  for (size_t f = 0; f < content.files.size(); ++f) {
    auto [it, added] = by_path.emplace(content.files[f].path, static_cast<uint32_t>(f));
    if (!added && content.files[it->second].size != content.files[f].size)
      return Status::InvalidArgument("id index: file " + content.files[f].path + " is listed with two sizes");
    canonical[f] = it->second;
  }
  std::vector<bool> referenced(content.files.size(), false);
  for (const IdIndexEntry& e : content.entries) {
    if (e.file >= content.files.size())
      return Status::InvalidArgument("id index entry names file " + std::to_string(e.file) + " of " +
                                     std::to_string(content.files.size()));
    referenced[canonical[e.file]] = true;
  }
  const auto file_count = static_cast<int64_t>(std::count(referenced.begin(), referenced.end(), true));
  const auto ids = static_cast<uint64_t>(content.entries.size());
  const uint64_t per_page = static_cast<uint64_t>(
      std::max<int64_t>(options.min_ids_per_page, options.ids_per_page_per_file * file_count));
  const uint64_t pages = (ids + per_page - 1) / per_page;

  // Bucket entries by page, each page sorted by (hash, path).
  std::vector<uint64_t> start(pages + 1, 0);
  for (const IdIndexEntry& e : content.entries) ++start[IdIndexPage(e.hash, pages) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<IdIndexEntry> sorted(content.entries.size());
  {
    std::vector<uint64_t> next(start.begin(), start.end() - 1);
    for (const IdIndexEntry& e : content.entries)
      sorted[next[IdIndexPage(e.hash, pages)]++] = {e.hash, canonical[e.file]};
  }
  std::vector<std::string> encoded(pages);
  uint64_t page_bytes = kPageHeaderBytes;
  for (uint64_t p = 0; p < pages; ++p) {
    auto first = sorted.begin() + static_cast<ptrdiff_t>(start[p]);
    auto last = sorted.begin() + static_cast<ptrdiff_t>(start[p + 1]);
    std::vector<uint32_t> local_files;
    for (auto it = first; it != last; ++it) local_files.push_back(it->file);
    std::sort(local_files.begin(), local_files.end(), [&](uint32_t a, uint32_t b) {
      return content.files[a].path < content.files[b].path;
    });
    local_files.erase(std::unique(local_files.begin(), local_files.end()), local_files.end());
    std::unordered_map<uint32_t, uint64_t> local_of;
    for (size_t i = 0; i < local_files.size(); ++i) local_of[local_files[i]] = i;
    std::vector<std::pair<uint64_t, uint64_t>> page_entries;  // (hash, local file)
    for (auto it = first; it != last; ++it) page_entries.emplace_back(it->hash, local_of[it->file]);
    std::sort(page_entries.begin(), page_entries.end());
    std::string raw;
    PutVarint(&raw, local_files.size());
    for (uint32_t f : local_files) {
      PutVarint(&raw, content.files[f].path.size());
      raw += content.files[f].path;
      PutVarint(&raw, static_cast<uint64_t>(std::max<int64_t>(content.files[f].size, 0)));
    }
    PutVarint(&raw, page_entries.size());
    std::vector<uint64_t> deltas, file_numbers;
    uint64_t prev = 0;
    for (const auto& [hash, local] : page_entries) {
      deltas.push_back(hash - prev);
      prev = hash;
      file_numbers.push_back(local);
    }
    PutPlanes(&raw, deltas, 8);
    PutPlanes(&raw, file_numbers, BytesFor(local_files.empty() ? 0 : local_files.size() - 1));
    if (raw.size() > kMaxRawPageBytes)
      return Status::InvalidArgument("id index page of " + std::to_string(raw.size()) + " bytes is too large");
    STRATA_ASSIGN_OR_RETURN(encoded[p], CompressPage(raw, options.compression_level));
    page_bytes = std::max<uint64_t>(page_bytes, encoded[p].size());
  }
  page_bytes = (page_bytes + kPageAlign - 1) / kPageAlign * kPageAlign;

  EncodedIdIndexSegment out;
  out.bytes.reserve(pages * page_bytes + kIdIndexTrailerBytes);
  for (std::string& page : encoded) {
    out.bytes += page;
    out.bytes.append(page_bytes - page.size(), '\0');
    std::string().swap(page);
  }
  PutU64(&out.bytes, pages);
  PutU64(&out.bytes, page_bytes);
  PutU64(&out.bytes, ids);
  PutU64(&out.bytes, static_cast<uint64_t>(file_count));
  PutU32(&out.bytes, kFormatVersion);
  PutU32(&out.bytes, kHashFunction);
  out.bytes.append(kMagic, sizeof kMagic);
  out.meta = IdIndexSegment{"", pages, page_bytes, static_cast<int64_t>(ids), file_count};
  return out;
}

Result<IdIndexTrailer> ParseIdIndexTrailer(std::string_view tail, std::string_view name) {
  auto bad = [&](const std::string& what) {
    return Status::Corruption("id index segment " + std::string(name) + ": " + what);
  };
  if (tail.size() < kIdIndexTrailerBytes)
    return bad("truncated: " + std::to_string(tail.size()) + " bytes, shorter than the trailer");
  tail = tail.substr(tail.size() - kIdIndexTrailerBytes);
  if (std::memcmp(tail.data() + 40, kMagic, sizeof kMagic) != 0) return bad("bad magic (not an id index segment)");
  IdIndexTrailer t;
  t.pages = GetLE(tail, 0, 8);
  t.page_bytes = GetLE(tail, 8, 8);
  t.ids = GetLE(tail, 16, 8);
  t.files = GetLE(tail, 24, 8);
  t.format_version = static_cast<uint32_t>(GetLE(tail, 32, 4));
  const auto hash = static_cast<uint32_t>(GetLE(tail, 36, 4));
  if (t.format_version != kFormatVersion)
    return bad("format version " + std::to_string(t.format_version) + " is not supported (this build reads 1)");
  if (hash != kHashFunction) return bad("hash function " + std::to_string(hash) + " is not supported");
  if (t.pages < 1 || t.page_bytes < kPageHeaderBytes || t.pages > (uint64_t{1} << 40) / t.page_bytes)
    return bad("trailer holds " + std::to_string(t.pages) + " pages of " + std::to_string(t.page_bytes) + " bytes");
  return t;
}

Result<IdIndexContent> DecodeIdIndexSegment(std::string_view bytes, std::string_view name) {
  STRATA_ASSIGN_OR_RETURN(IdIndexTrailer t, ParseIdIndexTrailer(bytes, name));
  if (bytes.size() != t.pages * t.page_bytes + kIdIndexTrailerBytes)
    return Status::Corruption("id index segment " + std::string(name) + ": " + std::to_string(bytes.size()) +
                              " bytes, but its trailer says " + std::to_string(t.pages) + " pages of " +
                              std::to_string(t.page_bytes) + " bytes (truncated?)");
  IdIndexContent content;
  std::unordered_map<std::string, uint32_t> by_path;
  for (uint64_t p = 0; p < t.pages; ++p) {
    STRATA_ASSIGN_OR_RETURN(Page page, DecodePage(bytes.substr(p * t.page_bytes, t.page_bytes), p, t.pages, name));
    std::vector<uint32_t> global;
    for (IdIndexFile& f : page.files) {
      auto [it, added] = by_path.emplace(f.path, static_cast<uint32_t>(content.files.size()));
      if (added) content.files.push_back(std::move(f));
      global.push_back(it->second);
    }
    for (size_t i = 0; i < page.hashes.size(); ++i) content.entries.push_back({page.hashes[i], global[page.file_of[i]]});
  }
  if (content.entries.size() != t.ids || content.files.size() != t.files)
    return Status::Corruption("id index segment " + std::string(name) + ": pages hold " +
                              std::to_string(content.entries.size()) + " ids in " +
                              std::to_string(content.files.size()) + " files, its trailer says " +
                              std::to_string(t.ids) + " in " + std::to_string(t.files));
  return content;
}

std::string IdIndexSegmentKey(std::string_view table_key, std::string_view file) {
  return std::string(table_key) + "/metadata/" + std::string(file);
}

Result<IdIndexSegment> WriteIdIndexSegment(ObjectStore& store, std::string_view table_key,
                                           const IdIndexContent& content, const IdIndexOptions& options) {
  STRATA_ASSIGN_OR_RETURN(EncodedIdIndexSegment encoded, EncodeIdIndexSegment(content, options));
  encoded.meta.file = std::string(kSegmentPrefix) + UuidV4() + std::string(kSegmentSuffix);
  STRATA_RETURN_IF_ERROR(
      store.Put(IdIndexSegmentKey(table_key, encoded.meta.file), encoded.bytes, PutOptions::CreateOnly()));
  return encoded.meta;
}

Result<IdIndexSegment> MergeIdIndexSegments(ObjectStore& store, std::string_view table_key,
                                            const std::vector<IdIndexSegment>& segments,
                                            const IdIndexOptions& options) {
  auto decoded = ParallelMap(segments.size(), [&](size_t i) -> Result<IdIndexContent> {
    const std::string key = IdIndexSegmentKey(table_key, segments[i].file);
    auto bytes = store.Get(key);
    if (!bytes.ok()) return bytes.status().WithContext("id index segment " + key);
    STRATA_ASSIGN_OR_RETURN(IdIndexContent content, DecodeIdIndexSegment(*bytes, key));
    if (static_cast<int64_t>(content.entries.size()) != segments[i].ids ||
        static_cast<int64_t>(content.files.size()) != segments[i].files)
      return Status::Corruption("id index segment " + key + " holds " + std::to_string(content.entries.size()) +
                                " ids in " + std::to_string(content.files.size()) + " files, the summary says " +
                                std::to_string(segments[i].ids) + " in " + std::to_string(segments[i].files));
    return content;
  });
  IdIndexContent merged;
  for (auto& part : decoded) {
    if (!part.ok()) return part.status();
    const auto offset = static_cast<uint32_t>(merged.files.size());
    for (IdIndexFile& f : part->files) merged.files.push_back(std::move(f));
    for (const IdIndexEntry& e : part->entries) merged.entries.push_back({e.hash, e.file + offset});
    part->entries = {};  // free as we go: merges may be large
  }
  return WriteIdIndexSegment(store, table_key, merged, options);
}

size_t IdIndexMergeSuffix(const std::vector<int64_t>& ids, const IdIndexOptions& options) {
  if (ids.empty()) return 0;
  std::vector<int64_t> sizes = ids;
  size_t merged = 1;
  while (sizes.size() > static_cast<size_t>(options.max_segments) ||
         (sizes.size() >= 2 &&
          static_cast<double>(sizes.back()) * options.merge_ratio >= static_cast<double>(sizes[sizes.size() - 2]))) {
    sizes[sizes.size() - 2] += sizes.back();
    sizes.pop_back();
    ++merged;
  }
  return merged;
}

Result<IdIndexMergeResult> ApplyIdIndexMergePolicy(ObjectStore& store, std::string_view table_key,
                                                   std::vector<IdIndexSegment> segments,
                                                   const IdIndexOptions& options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  std::vector<int64_t> ids;
  for (const IdIndexSegment& s : segments) ids.push_back(s.ids);
  const size_t k = IdIndexMergeSuffix(ids, options);
  IdIndexMergeResult out;
  if (k <= 1) {
    out.segments = std::move(segments);
    return out;
  }
  const std::vector<IdIndexSegment> suffix(segments.end() - static_cast<ptrdiff_t>(k), segments.end());
  STRATA_ASSIGN_OR_RETURN(IdIndexSegment merged, MergeIdIndexSegments(store, table_key, suffix, options));
  segments.resize(segments.size() - k);
  segments.push_back(merged);
  out.segments = std::move(segments);
  out.written = std::move(merged);
  return out;
}

Result<std::optional<std::vector<IdIndexSegment>>> ParseIdIndexSummary(const Snapshot& snapshot) {
  auto it = snapshot.summary.find(kSummaryIdIndex);
  if (it == snapshot.summary.end()) return std::optional<std::vector<IdIndexSegment>>{};
  auto bad = [&](const std::string& what) {
    return Status::Corruption("snapshot " + std::to_string(snapshot.snapshot_id) + " has an invalid " +
                              kSummaryIdIndex + " (" + what + "): " + it->second.substr(0, 200));
  };
  const nlohmann::json doc = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return bad("not a JSON array");
  std::vector<IdIndexSegment> out;
  for (const auto& item : doc) {
    auto number = [&](const char* key, uint64_t min, uint64_t* v) {
      if (!item.is_object() || !item.contains(key) || !item[key].is_number_unsigned()) return false;
      *v = item[key].get<uint64_t>();
      return *v >= min && *v <= uint64_t{INT64_MAX};
    };
    IdIndexSegment s;
    uint64_t ids = 0, files = 0;
    if (!item.is_object() || !item.contains("file") || !item["file"].is_string())
      return bad("an entry lacks its file name");
    s.file = item["file"].get<std::string>();
    if (!ValidSegmentName(s.file)) return bad("'" + s.file + "' is not a segment name");
    if (!number("pages", 1, &s.pages) || !number("page_bytes", kPageHeaderBytes, &s.page_bytes) ||
        !number("ids", 1, &ids) || !number("files", 1, &files) || s.pages > (uint64_t{1} << 40) / s.page_bytes)
      return bad("segment " + s.file + " needs positive pages, page_bytes >= 8, ids and files");
    s.ids = static_cast<int64_t>(ids);
    s.files = static_cast<int64_t>(files);
    out.push_back(std::move(s));
  }
  return std::optional<std::vector<IdIndexSegment>>(std::move(out));
}

std::string SerializeIdIndexSummary(const std::vector<IdIndexSegment>& segments) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::array();
  for (const IdIndexSegment& s : segments)
    doc.push_back({{"file", s.file}, {"pages", s.pages}, {"page_bytes", s.page_bytes}, {"ids", s.ids},
                   {"files", s.files}});
  return doc.dump();
}

Result<std::vector<std::vector<IdCandidate>>> LookupIds(ObjectStore& store, std::string_view table_key,
                                                        const std::vector<IdIndexSegment>& segments,
                                                        const std::vector<std::string>& ids) {
  std::vector<uint64_t> hashes;
  for (const std::string& id : ids) hashes.push_back(IdHash(id));
  // One task per (segment, page) some id needs, in segment order.
  struct Task {
    size_t segment;
    uint64_t page;
    std::vector<size_t> ids;  // indexes into `ids`
  };
  std::vector<Task> tasks;
  for (size_t s = 0; s < segments.size(); ++s) {
    std::map<uint64_t, std::vector<size_t>> by_page;
    for (size_t i = 0; i < ids.size(); ++i) by_page[IdIndexPage(hashes[i], segments[s].pages)].push_back(i);
    for (auto& [page, which] : by_page) tasks.push_back({s, page, std::move(which)});
  }
  using Found = std::vector<std::pair<size_t, IdCandidate>>;  // (id index, candidate)
  auto found = ParallelMap(tasks.size(), [&](size_t t) -> Result<Found> {
    const Task& task = tasks[t];
    const IdIndexSegment& s = segments[task.segment];
    const std::string key = IdIndexSegmentKey(table_key, s.file);
    auto bytes = store.Get(key, ByteRange::Of(task.page * s.page_bytes, s.page_bytes));
    if (!bytes.ok()) return bytes.status().WithContext(SegmentContext(key, task.page));
    if (bytes->size() != s.page_bytes)
      return Status::Corruption(SegmentContext(key, task.page) + ": truncated page: read " +
                                std::to_string(bytes->size()) + " of " + std::to_string(s.page_bytes) + " bytes");
    STRATA_ASSIGN_OR_RETURN(Page page, DecodePage(*bytes, task.page, s.pages, key));
    Found out;
    for (size_t i : task.ids) {
      auto [lo, hi] = std::equal_range(page.hashes.begin(), page.hashes.end(), hashes[i]);
      for (auto it = lo; it != hi; ++it) {
        const IdIndexFile& f = page.files[page.file_of[static_cast<size_t>(it - page.hashes.begin())]];
        out.push_back({i, IdCandidate{f.path, f.size}});
      }
    }
    return out;
  });
  std::vector<std::vector<IdCandidate>> out(ids.size());
  for (auto& part : found) {
    if (!part.ok()) return part.status();
    for (auto& [i, c] : *part)
      if (std::find(out[i].begin(), out[i].end(), c) == out[i].end()) out[i].push_back(std::move(c));
  }
  return out;
}

Result<std::vector<IdCandidate>> LookupId(ObjectStore& store, std::string_view table_key,
                                          const std::vector<IdIndexSegment>& segments, std::string_view id) {
  STRATA_ASSIGN_OR_RETURN(auto found, LookupIds(store, table_key, segments, {std::string(id)}));
  return std::move(found[0]);
}

std::string IdIndexPath(std::string_view table_location, std::string_view file_location) {
  while (table_location.ends_with('/')) table_location.remove_suffix(1);
  if (file_location.size() > table_location.size() + 1 && file_location.starts_with(table_location) &&
      file_location[table_location.size()] == '/')
    return std::string(file_location.substr(table_location.size() + 1));
  return std::string(file_location);
}

std::string IdIndexLocation(std::string_view table_location, std::string_view path) {
  if (path.find("://") != std::string_view::npos || path.starts_with('/')) return std::string(path);
  while (table_location.ends_with('/')) table_location.remove_suffix(1);
  std::string out(table_location);
  out += '/';
  out += path;
  return out;
}

}  // namespace strata
