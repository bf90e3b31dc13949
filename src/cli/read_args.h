// Arguments every read command shares — which table (`--bucket` +
// `--namespace`, or `--table LOCATION`), location rewrites (`--path-map`),
// which snapshot (`--snapshot`, `--as-of`, `--ref`), `--json`, and for query
// and lookup `--hot-dir` (read the hot tier too) — and how they open an
// IcebergReader, or with --hot-dir a TieredReader.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "query/iceberg_reader.h"
#include "query/table_json.h"
#include "tiered/tiered_reader.h"

namespace strata::cli {

struct ReadArgs {
  TableArgs table;                     // --bucket, --namespace, --base-path
  std::string location;                // --table
  std::vector<std::string> path_maps;  // --path-map FROM=TO
  std::string snapshot;                // --snapshot ID
  std::string as_of;                   // --as-of ISO
  std::string ref;                     // --ref NAME
  bool json = false;
  bool namespace_optional = false;     // lookup: no namespace searches every table
  std::string hot_dir;                 // --hot-dir DIR: across the hot tier and the table
};

// What a read command opens: with --hot-dir a TieredReader (`tiered`, and
// `reader` is null), else an IcebergReader.
struct OpenedRead {
  std::unique_ptr<IcebergReader> reader;
  std::unique_ptr<TieredReader> tiered;
  TableRef table;      // root "" with namespace_optional and no --namespace: every table
  bool every_table = false;
};

/// Adds the options of ReadArgs to `cmd`; `time_travel` adds --snapshot/--as-of/--ref.
void AddReadArgs(CLI::App* cmd, ReadArgs* args, bool time_travel);

/// Adds `--hot-dir DIR` (ReadArgs::hot_dir).
void AddHotDirArg(CLI::App* cmd, ReadArgs* args);

/// Opens the reader and names the table; prints the error and exits on bad arguments.
OpenedRead OpenRead(const ReadArgs& args);

/// The snapshot selector of --snapshot / --as-of / --ref (current when none).
SnapshotSelector SelectorOf(const ReadArgs& args);


}  // namespace strata::cli
