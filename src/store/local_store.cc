// LocalStore: a directory as a bucket (see local_store.h for the protocol).
#include "store/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "common/random.h"
#include "store/posix_file.h"

namespace strata {
namespace {

using posix::ErrnoStatus;
using posix::UniqueFd;

// Retries of a move whose parent directory vanished (a concurrent Delete
// removes directories it leaves empty).
constexpr int kMaxCommitAttempts = 32;
constexpr int64_t kStaleTempSeconds = 24 * 3600;
constexpr char kLockName[] = "lock";

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string EtagOf(const struct stat& st) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%" PRIx64 "-%" PRIx64 "-%" PRIx64, static_cast<uint64_t>(st.st_ino),
                static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(MtimeNs(st)));
  return buf;
}

ObjectInfo InfoOf(std::string_view key, const struct stat& st) {
  ObjectInfo info;
  info.key = std::string(key);
  info.size = static_cast<uint64_t>(st.st_size);
  info.etag = EtagOf(st);
  info.last_modified_ms = MtimeNs(st) / 1'000'000;
  return info;
}

// A wall-clock time in ns, strictly increasing within this process: stamped
// on every temp file so that (inode, size, mtime) never repeats.
struct timespec UniqueNow() {
  static std::atomic<int64_t> last{0};
  struct timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  int64_t prev = last.load(std::memory_order_relaxed);
  int64_t next;
  do {
    next = std::max(now, prev + 1);
  } while (!last.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  return {static_cast<time_t>(next / 1'000'000'000), static_cast<long>(next % 1'000'000'000)};
}

std::string Quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

Status Conflict(std::string_view key) {
  return Status::NotSupported("cannot store " + Quoted(key) +
                              ": a local bucket cannot hold both a key and keys below it as a folder");
}

}  // namespace

// A flock on the bucket's lock file, held for the lifetime of the object.
// Each lock opens its own file description, so threads exclude each other too.
class LocalStore::BucketLock {
 public:
  explicit BucketLock(UniqueFd fd) : fd_(std::move(fd)) {}
  BucketLock(BucketLock&&) = default;
  ~BucketLock() {
    if (fd_.valid()) ::flock(fd_.get(), LOCK_UN);
  }

 private:
  UniqueFd fd_;
};

struct LocalStore::Walk {
  std::string_view prefix;
  std::string_view after;  // only keys strictly greater
  size_t limit = 0;
  std::vector<ObjectInfo> out;
};

LocalStore::LocalStore(std::string root, LocalStoreOptions options)
    : root_(std::move(root)),
      tmp_dir_(root_ + "/" + std::string(kReservedKeyPrefix)),
      lock_path_(tmp_dir_ + "/" + kLockName),
      options_(options) {}

Result<std::shared_ptr<LocalStore>> LocalStore::Open(std::string_view root, LocalStoreOptions options) {
  namespace fs = std::filesystem;
  if (root.empty()) return Status::InvalidArgument("local bucket: empty directory path");
  if (root.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("local bucket: the directory path contains a NUL");
  }
  std::error_code ec;
  fs::path path = fs::absolute(fs::path(root), ec);
  if (ec) return Status::IOError("local bucket " + std::string(root) + ": " + ec.message());
  std::string abs = path.lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  if (abs == "/") return Status::InvalidArgument("local bucket: refusing to use '/' as a bucket");
  if (options.read_only) {
    if (!fs::is_directory(abs, ec)) return Status::NotFound("local bucket " + abs + " is not a directory");
    return std::shared_ptr<LocalStore>(new LocalStore(abs, options));
  }
  fs::create_directories(abs, ec);
  if (ec) return Status::IOError("local bucket " + abs + ": cannot create the directory: " + ec.message());
  if (!fs::is_directory(abs, ec)) return Status::InvalidArgument("local bucket " + abs + " is not a directory");
  std::shared_ptr<LocalStore> store(new LocalStore(abs, options));
  if (::mkdir(store->tmp_dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, "local bucket " + abs + ": create " + store->tmp_dir_);
  }
  STRATA_RETURN_IF_ERROR(store->Lock(false));  // creates the lock file, checks permissions
  store->RemoveStaleTemps();
  return store;
}

std::string LocalStore::PathFor(std::string_view key) const {
  std::string path = root_;
  path += '/';
  path += key;
  return path;
}

Result<LocalStore::BucketLock> LocalStore::Lock(bool exclusive) const {
  UniqueFd fd(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid() && errno == ENOENT && ::mkdir(tmp_dir_.c_str(), 0755) == 0) {
    fd.reset(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  }
  if (!fd.valid()) return ErrnoStatus(errno, "open lock file " + lock_path_);
  while (::flock(fd.get(), exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) return ErrnoStatus(errno, "flock " + lock_path_);
  }
  return BucketLock(std::move(fd));
}

std::string LocalStore::NewTempPath() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "/tmp-%016" PRIx64, RandomU64());
  return tmp_dir_ + buf;
}

Result<int> LocalStore::CreateTemp(std::string* path) const {
  for (int attempt = 0; attempt < 8; ++attempt) {
    *path = NewTempPath();
    int fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno == ENOENT) {
      ::mkdir(tmp_dir_.c_str(), 0755);  // someone removed .strata-tmp: recreate it
    } else if (errno != EEXIST) {
      return ErrnoStatus(errno, "create temp file " + *path);
    }
  }
  return Status::IOError("cannot create a temp file in " + tmp_dir_);
}

void LocalStore::RemoveStaleTemps() const {
  DIR* dir = ::opendir(tmp_dir_.c_str());
  if (dir == nullptr) return;
  int64_t now = ::time(nullptr);
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (!name.starts_with("tmp-")) continue;
    struct stat st{};
    // ctime, not mtime: link() refreshes ctime, but a linked-in file keeps its old mtime.
    if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        now - st.st_ctim.tv_sec > kStaleTempSeconds) {
      ::unlinkat(::dirfd(dir), e->d_name, 0);
    }
  }
  ::closedir(dir);
}

Status LocalStore::MakeParents(std::string_view key) const {
  for (size_t slash = key.find('/'); slash != std::string_view::npos; slash = key.find('/', slash + 1)) {
    std::string dir = PathFor(key.substr(0, slash));
    if (::mkdir(dir.c_str(), 0755) == 0) {
      if (options_.sync) STRATA_RETURN_IF_ERROR(posix::FsyncDir(std::string(posix::Dirname(dir))));
    } else if (errno == ENOTDIR) {
      return Conflict(key);
    } else if (errno != EEXIST) {
      return ErrnoStatus(errno, "put " + Quoted(key) + ": create directory " + dir);
    }
  }
  return Status::OK();
}

Result<ObjectInfo> LocalStore::Commit(std::string_view key, const std::string& tmp, ObjectInfo info,
                                      const PutOptions& options, bool tmp_may_alias_target) {
  using Cond = PutOptions::Condition;
  const std::string path = PathFor(key);
  Status status;
  bool moved = false;
  {
    Result<BucketLock> lock = Lock(options.condition == Cond::kIfMatch);
    if (!lock.ok()) status = lock.status();
    for (int attempt = 0; status.ok() && !moved; ++attempt) {
      if (options.condition == Cond::kIfMatch) {
        struct stat st{};
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
          status = Status::PreconditionFailed("put " + Quoted(key) + " if-match " + options.if_match_etag +
                                              ": the object does not exist");
          break;
        }
        if (EtagOf(st) != options.if_match_etag) {
          status = Status::PreconditionFailed("put " + Quoted(key) + ": etag is " + EtagOf(st) +
                                              ", not the expected " + options.if_match_etag);
          break;
        }
      }
      const bool create_only = options.condition == Cond::kIfAbsent;
      int rc = create_only ? ::link(tmp.c_str(), path.c_str()) : ::rename(tmp.c_str(), path.c_str());
      if (rc == 0) {
        moved = true;
        break;
      }
      int err = errno;
      struct stat st{};
      if (err == ENOENT && attempt < kMaxCommitAttempts) {
        status = MakeParents(key);  // the parent is missing (or was just removed): retry
      } else if (err == EEXIST && create_only) {
        status = ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)
                     ? Conflict(key)
                     : Status::PreconditionFailed("create-only put " + Quoted(key) + ": the key already exists");
      } else if (err == EISDIR || err == ENOTDIR || err == EEXIST || err == ENOTEMPTY) {
        status = Conflict(key);
      } else {
        status = Status::IOError("put " + Quoted(key) + ": " + (create_only ? "link " : "rename ") + tmp +
                                 " -> " + path + ": " + std::strerror(err));
      }
    }
  }
  // After link() the temp name remains; after a rename() onto a hard link of the
  // same inode, rename() does nothing and leaves it too.
  if (!moved || options.condition == Cond::kIfAbsent || tmp_may_alias_target) ::unlink(tmp.c_str());
  STRATA_RETURN_IF_ERROR(status);
  if (options_.sync) {
    Status synced = posix::FsyncDir(std::string(posix::Dirname(path)));
    if (!synced.ok() && !synced.IsNotFound()) return synced.WithContext("put " + Quoted(key));
  }
  info.key = std::string(key);
  return info;
}

Result<ObjectInfo> LocalStore::Head(std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  struct stat st{};
  if (::stat(PathFor(key).c_str(), &st) != 0) {
    Status s = ErrnoStatus(errno, "head " + Quoted(key) + " in " + Uri());
    return s.IsNotFound() ? Status::NotFound("head " + Quoted(key) + ": no such object in " + Uri()) : s;
  }
  if (!S_ISREG(st.st_mode)) return Status::NotFound("head " + Quoted(key) + ": no such object in " + Uri());
  return InfoOf(key, st);
}

Result<std::string> LocalStore::Get(std::string_view key, const ByteRange& range) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  const std::string what = "get " + Quoted(key) + " from " + Uri();
  UniqueFd fd(::open(PathFor(key).c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st{};
  if (!fd.valid()) {
    Status s = ErrnoStatus(errno, what);
    return s.IsNotFound() ? Status::NotFound(what + ": no such object") : s;
  }
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, what);
  if (!S_ISREG(st.st_mode)) return Status::NotFound(what + ": no such object");
  Result<std::pair<uint64_t, uint64_t>> span = ResolveRange(range, static_cast<uint64_t>(st.st_size));
  if (!span.ok()) return span.status().WithContext(what);
  return posix::PreadAll(fd.get(), span->first, span->second, what);
}

Status LocalStore::CheckWritable(std::string_view key) const {
  if (!options_.read_only) return Status::OK();
  return Status::NotSupported("cannot write " + Quoted(key) + ": bucket " + Uri() + " was opened read-only");
}

Result<ObjectInfo> LocalStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  STRATA_RETURN_IF_ERROR(CheckWritable(key));
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  if (options.condition == PutOptions::Condition::kIfMatch && options.if_match_etag.empty()) {
    return Status::InvalidArgument("put " + Quoted(key) + ": if-match with an empty etag");
  }
  std::string tmp;
  STRATA_ASSIGN_OR_RETURN(int raw_fd, CreateTemp(&tmp));
  UniqueFd fd(raw_fd);
  const std::string what = "put " + Quoted(key) + ": write temp file " + tmp;
  struct timespec times[2] = {{0, UTIME_OMIT}, UniqueNow()};
  Status status = posix::WriteAll(fd.get(), data, what);
  if (status.ok() && ::futimens(fd.get(), times) != 0) status = ErrnoStatus(errno, what);
  if (status.ok() && options_.sync && ::fsync(fd.get()) != 0) status = ErrnoStatus(errno, what);
  struct stat st{};
  if (status.ok() && ::fstat(fd.get(), &st) != 0) status = ErrnoStatus(errno, what);
  fd.reset();
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return Commit(key, tmp, InfoOf(key, st), options, /*tmp_may_alias_target=*/false);
}

Result<ObjectInfo> LocalStore::PutFile(std::string_view key, const std::string& local_path,
                                       const PutOptions& options) {
  STRATA_RETURN_IF_ERROR(CheckWritable(key));
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  if (options.condition == PutOptions::Condition::kIfMatch && options.if_match_etag.empty()) {
    return Status::InvalidArgument("put " + Quoted(key) + ": if-match with an empty etag");
  }
  const std::string what = "PutFile " + Quoted(key) + " from local file '" + local_path + "'";
  struct stat st{};
  if (::stat(local_path.c_str(), &st) != 0) return ErrnoStatus(errno, what);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(what + ": not a regular file");

  std::string tmp;
  bool linked = false;
  for (int attempt = 0; attempt < 8 && !linked; ++attempt) {
    tmp = NewTempPath();
    if (::link(local_path.c_str(), tmp.c_str()) == 0) {
      linked = true;
    } else if (errno == ENOENT) {
      if (::access(local_path.c_str(), F_OK) != 0) return ErrnoStatus(ENOENT, what);
      ::mkdir(tmp_dir_.c_str(), 0755);
    } else if (errno != EEXIST) {
      break;  // EXDEV, EPERM, EMLINK, ...: copy instead
    }
  }
  Status status;
  UniqueFd fd;
  if (linked) {
    // The data may not be durable yet: fsync it through the new name.
    fd.reset(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) status = ErrnoStatus(errno, what);
  } else {
    UniqueFd in(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return ErrnoStatus(errno, what);
    STRATA_ASSIGN_OR_RETURN(int raw_fd, CreateTemp(&tmp));
    fd.reset(raw_fd);
    status = posix::CopyFileContents(in.get(), fd.get(), what);
    struct timespec times[2] = {{0, UTIME_OMIT}, UniqueNow()};
    if (status.ok() && ::futimens(fd.get(), times) != 0) status = ErrnoStatus(errno, what);
  }
  if (status.ok() && options_.sync && ::fsync(fd.get()) != 0) status = ErrnoStatus(errno, what);
  if (status.ok() && ::fstat(fd.get(), &st) != 0) status = ErrnoStatus(errno, what);
  fd.reset();
  if (!status.ok()) {
    if (!tmp.empty()) ::unlink(tmp.c_str());
    return status;
  }
  return Commit(key, tmp, InfoOf(key, st), options, /*tmp_may_alias_target=*/linked);
}

Status LocalStore::WalkDir(const std::string& rel_dir, Walk& walk) const {
  std::string dir_path = rel_dir.empty() ? root_ : PathFor(std::string_view(rel_dir).substr(0, rel_dir.size() - 1));
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();  // nothing under this prefix
    return ErrnoStatus(errno, "list " + Uri() + ": open directory " + dir_path);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, &::closedir);
  struct Entry {
    std::string key;  // rel_dir + name, plus '/' for a directory: sorts like its keys
    std::string name;
    bool is_dir;
  };
  std::vector<Entry> entries;
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(dir);
    if (e == nullptr) break;
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (rel_dir.empty() && name.starts_with(kReservedKeyPrefix)) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st{};
      if (::fstatat(::dirfd(dir), e->d_name, &st, 0) != 0) continue;
      is_dir = S_ISDIR(st.st_mode);
    }
    std::string key = rel_dir + std::string(name) + (is_dir ? "/" : "");
    // Prune what cannot hold a key that matches the prefix or follows the token.
    if (is_dir) {
      if (!key.starts_with(walk.prefix) && !walk.prefix.starts_with(key)) continue;
      if (!walk.after.starts_with(key) && walk.after > std::string_view(key)) continue;
    } else if (!key.starts_with(walk.prefix) || std::string_view(key) <= walk.after) {
      continue;
    }
    entries.push_back({std::move(key), std::string(name), is_dir});
  }
  if (errno != 0) return ErrnoStatus(errno, "list " + Uri() + ": read directory " + dir_path);
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  for (const Entry& entry : entries) {
    if (walk.out.size() >= walk.limit) break;
    if (entry.is_dir) {
      STRATA_RETURN_IF_ERROR(WalkDir(entry.key, walk));
      continue;
    }
    struct stat st{};
    if (!ValidateKey(entry.key).ok()) continue;  // a stray file no key can name
    if (::fstatat(::dirfd(dir), entry.name.c_str(), &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
    walk.out.push_back(InfoOf(entry.key, st));
  }
  return Status::OK();
}

Result<ListPage> LocalStore::List(const ListOptions& options) {
  if (!options.delimiter.empty()) {
    return ListRolledUp(options, [this](const ListOptions& o) { return List(o); });
  }
  if (options.max_keys < 1) {
    return Status::InvalidArgument("list " + Uri() + ": max_keys must be at least 1, got " +
                                   std::to_string(options.max_keys));
  }
  ListPage page;
  // Start in the deepest directory the prefix names; a prefix whose folder part
  // no valid key can have (`../`, `a//`, `.strata-tmp/`) matches nothing.
  const size_t last_slash = options.prefix.rfind('/');
  std::string_view base = std::string_view(options.prefix)
                              .substr(0, last_slash == std::string::npos ? 0 : last_slash + 1);
  if (options.prefix.starts_with(kReservedKeyPrefix) ||
      (!base.empty() && !ValidateKey(base.substr(0, base.size() - 1)).ok())) {
    return page;
  }
  Walk walk;
  walk.prefix = options.prefix;
  walk.after = options.continuation_token;
  walk.limit = static_cast<size_t>(std::min(options.max_keys, 1000)) + 1;
  STRATA_RETURN_IF_ERROR(WalkDir(std::string(base), walk));
  if (walk.out.size() == walk.limit) {
    walk.out.pop_back();
    page.next_token = walk.out.back().key;
  }
  page.objects = std::move(walk.out);
  return page;
}

Status LocalStore::Delete(std::string_view key) {
  STRATA_RETURN_IF_ERROR(ValidateKey(key));
  STRATA_RETURN_IF_ERROR(CheckWritable(key));
  const std::string path = PathFor(key);
  {
    STRATA_ASSIGN_OR_RETURN(BucketLock lock, Lock(false));
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Status::OK();  // already absent
      return ErrnoStatus(errno, "delete " + Quoted(key) + " from " + Uri());
    }
  }
  if (options_.sync) {
    Status synced = posix::FsyncDir(std::string(posix::Dirname(path)));
    if (!synced.ok() && !synced.IsNotFound()) return synced.WithContext("delete " + Quoted(key));
  }
  // Remove the directories this leaves empty; stop at the first that is not.
  for (std::string_view dir = posix::Dirname(key); !dir.empty(); dir = posix::Dirname(dir)) {
    if (::rmdir(PathFor(dir).c_str()) != 0) break;
  }
  return Status::OK();
}

}  // namespace strata
