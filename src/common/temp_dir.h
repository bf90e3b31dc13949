// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything
// in it when the object goes away. Used by tests and benchmarks.
// Thread-safety: each object is independent.
#pragma once

#include <string>
#include <string_view>

namespace strata {

class TempDir {
 public:
  /// Creates `$TMPDIR/{prefix}-XXXXXX`; aborts if the directory cannot be made.
  explicit TempDir(std::string_view prefix = "strata");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The absolute path, without a trailing '/'.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace strata
