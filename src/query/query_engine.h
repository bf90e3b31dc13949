// EventQuery: SQL (DuckDB dialect) over one namespace's table, exposed to the
// query as a view named `events` over the live data files of the current
// snapshot. The read path (issue: pruning planner, time travel, object-store
// file system) replaces the file list with a planned one; the API stays.
// Thread-safety: one EventQuery per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "query/query_result.h"
#include "store/object_store.h"

namespace strata {

class EventQuery {
 public:
  /// Prepares SQL over the table `{base_path}{ns}` of `bucket`. NotFound when
  /// the table does not exist.
  static Result<std::unique_ptr<EventQuery>> Open(std::shared_ptr<ObjectStore> bucket, std::string_view base_path,
                                                  std::string_view ns);
  ~EventQuery();

  /// Runs `sql`; the table is re-resolved to its current snapshot first.
  Result<QueryResult> Query(std::string_view sql);

  /// Number of data files the last query's `events` view covered.
  size_t file_count() const;

 private:
  struct Impl;
  explicit EventQuery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
