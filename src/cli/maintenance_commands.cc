// Table maintenance: `strata index compact`.
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "iceberg/event_table.h"
#include "iceberg/id_index.h"
#include "iceberg/table.h"

namespace strata::cli {
namespace {

void RunIndexCompact(const TableArgs& args) {
  auto store = OpenBucketOrExit(args.bucket);
  IcebergTable table(store, Unwrap(TableBaseKey(args.base_path, args.ns), "--namespace"));
  auto before = Unwrap(table.Load(), "index compact");
  size_t segments = 0;
  if (const Snapshot* s = before.metadata.CurrentSnapshot()) {
    auto parsed = Unwrap(ParseIdIndexSummary(*s), "index compact");
    if (parsed) segments = parsed->size();
  }
  auto result = Unwrap(table.CompactIdIndex(), "index compact");
  if (!result) {
    std::cout << "id index of " << table.Location() << " has " << segments << " segment"
              << (segments == 1 ? "" : "s") << ": nothing to compact\n";
    return;
  }
  std::cout << "id index of " << table.Location() << ": " << segments << " segments merged into one, snapshot "
            << result->snapshot_id << " (operation replace, metadata v" << result->version << ")\n";
}

}  // namespace

void RegisterIndex(CLI::App& app) {
  auto* index = app.add_subcommand("index", "Maintain a table's id index");
  index->require_subcommand(1);
  auto args = std::make_shared<TableArgs>();
  auto* compact = index->add_subcommand(
      "compact", "Merge the id index into one segment (a cold lookup then reads one index page)");
  AddTableArgs(compact, args.get());
  compact->callback([args] { RunIndexCompact(*args); });
}

}  // namespace strata::cli
