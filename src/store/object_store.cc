// ObjectStore helpers shared by every backend: key validation, range
// resolution, the default PutFile, ListAll and the URI <-> key mapping.
// Thread-safety: free functions are pure; the member helpers only call the
// (thread-safe) virtual primitives.
#include "store/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace strata {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

// The key quoted for an error message, with non-printable bytes escaped.
std::string QuoteKey(std::string_view key) {
  std::string out = "'";
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  return out;
}

Status BadKey(std::string_view key, std::string_view why) {
  std::string msg = "invalid object key ";
  msg += QuoteKey(key);
  msg += ": ";
  msg += why;
  return Status::InvalidArgument(std::move(msg));
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty()) return BadKey(key, "empty");
  if (key.size() > kMaxKeyBytes) return BadKey(key.substr(0, 64), "longer than 1024 bytes");
  if (key.front() == '/') return BadKey(key, "starts with '/'");
  if (key.starts_with(kReservedKeyPrefix)) return BadKey(key, "the prefix .strata-tmp is reserved");
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return BadKey(key, "contains a NUL or control character");
  }
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string_view seg = key.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                              : slash - start);
    if (seg.empty()) return BadKey(key, "contains an empty segment");
    if (seg == "." || seg == "..") return BadKey(key, "contains a '.' or '..' segment");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

Result<std::pair<uint64_t, uint64_t>> ResolveRange(const ByteRange& range, uint64_t size) {
  if (range.suffix_length) {
    if (*range.suffix_length == 0) return Status::InvalidArgument("byte range: a suffix of 0 bytes");
    uint64_t n = std::min(*range.suffix_length, size);
    return std::pair<uint64_t, uint64_t>{size - n, n};
  }
  if (range.offset > size) {
    return Status::InvalidArgument("byte range: offset " + std::to_string(range.offset) +
                                   " is beyond the end of a " + std::to_string(size) + "-byte object");
  }
  uint64_t avail = size - range.offset;
  uint64_t len = range.length ? std::min(*range.length, avail) : avail;
  return std::pair<uint64_t, uint64_t>{range.offset, len};
}

Result<ObjectInfo> ObjectStore::PutFile(std::string_view key, const std::string& local_path,
                                        const PutOptions& options) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = "PutFile " + std::string(key) + ": cannot open local file '" + local_path +
                      "': " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(std::move(msg)) : Status::IOError(std::move(msg));
  }
  std::string data;
  struct stat st{};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) data.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::IOError("PutFile " + std::string(key) + ": reading local file '" + local_path +
                             "': " + std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return Put(key, data, options);
}

Result<std::vector<ObjectInfo>> ObjectStore::ListAll(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  ListOptions options;
  options.prefix = std::string(prefix);
  while (true) {
    STRATA_ASSIGN_OR_RETURN(ListPage page, List(options));
    for (auto& object : page.objects) out.push_back(std::move(object));
    if (page.next_token.empty()) break;
    if (page.next_token == options.continuation_token) {
      return Status::Internal("List of " + Uri() + " returned the same continuation token twice");
    }
    options.continuation_token = std::move(page.next_token);
  }
  return out;
}

Result<ObjectStore::Directory> ObjectStore::ListDirectory(std::string_view prefix) {
  Directory out;
  ListOptions options;
  options.prefix = std::string(prefix);
  options.delimiter = "/";
  while (true) {
    STRATA_ASSIGN_OR_RETURN(ListPage page, List(options));
    for (auto& object : page.objects) out.objects.push_back(std::move(object));
    for (auto& p : page.common_prefixes) out.prefixes.push_back(std::move(p));
    if (page.next_token.empty()) break;
    if (page.next_token == options.continuation_token) {
      return Status::Internal("List of " + Uri() + " returned the same continuation token twice");
    }
    options.continuation_token = std::move(page.next_token);
  }
  return out;
}

Result<ListPage> ListRolledUp(const ListOptions& options,
                              const std::function<Result<ListPage>(const ListOptions&)>& plain) {
  if (options.max_keys < 1) return Status::InvalidArgument("list: max_keys must be at least 1");
  const size_t limit = static_cast<size_t>(std::min(options.max_keys, 1000));
  ListOptions inner;
  inner.prefix = options.prefix;
  inner.continuation_token = options.continuation_token;
  ListPage page;
  std::string token;  // resumes after the newest entry
  // One entry more than the page holds tells whether there is a next page.
  auto full = [&] { return page.objects.size() + page.common_prefixes.size() > limit; };
  bool more = false;
  while (!full()) {
    STRATA_ASSIGN_OR_RETURN(ListPage chunk, plain(inner));
    bool jumped = false;
    for (ObjectInfo& object : chunk.objects) {
      const std::string previous = token;
      const size_t at = object.key.find(options.delimiter, options.prefix.size());
      if (at == std::string::npos) {
        token = object.key;
        page.objects.push_back(std::move(object));
      } else {
        std::string common = object.key.substr(0, at + options.delimiter.size());
        token = common + "\xff";  // after every key under it
        page.common_prefixes.push_back(std::move(common));
        jumped = true;
      }
      if (full()) {
        // Drop the extra entry again; the page ends with the one before it.
        if (jumped) page.common_prefixes.pop_back(); else page.objects.pop_back();
        token = previous;
        more = true;
        break;
      }
      if (jumped) break;
    }
    if (more) break;
    if (jumped) {
      inner.continuation_token = token;
      continue;
    }
    if (chunk.next_token.empty()) break;
    inner.continuation_token = std::move(chunk.next_token);
  }
  if (more) page.next_token = token;
  return page;
}

std::string ObjectStore::UriFor(std::string_view key) const {
  std::string out = Uri();
  out += '/';
  out += key;
  return out;
}

std::optional<std::string> ObjectStore::KeyFor(std::string_view location) const {
  std::string base = Uri();
  if (location.size() <= base.size() + 1 || !location.starts_with(base) || location[base.size()] != '/') {
    return std::nullopt;
  }
  std::string_view key = location.substr(base.size() + 1);
  if (!ValidateKey(key).ok()) return std::nullopt;
  return std::string(key);
}

}  // namespace strata
