// The `strata` command-line tool: one function per subcommand, each returning
// the process exit code. Output for people goes to stdout, errors to stderr;
// `--json` switches to machine-readable output.
#pragma once

#include <CLI/CLI.hpp>

namespace strata::cli {

// Thrown by a command to end the process with a non-zero exit code after it
// has printed its error.
struct ExitCode {
  int value;
};

// Options shared by the commands that address one namespace's table.
struct TableArgs {
  std::string bucket;
  std::string ns;
  std::string base_path = "cdc/";
  std::string cold_bucket;  // --cold-bucket: the cold tier's bucket, when not --bucket
};

void AddTableArgs(CLI::App* cmd, TableArgs* args);
/// Adds `--cold-bucket URI` (TableArgs::cold_bucket).
void AddColdBucketArg(CLI::App* cmd, TableArgs* args);

void RegisterBucket(CLI::App& app);
void RegisterGen(CLI::App& app);
void RegisterIngest(CLI::App& app);
void RegisterFiles(CLI::App& app);
void RegisterSnapshots(CLI::App& app);
void RegisterTable(CLI::App& app);
void RegisterQuery(CLI::App& app);
void RegisterExplain(CLI::App& app);
void RegisterLookup(CLI::App& app);
void RegisterIndex(CLI::App& app);
void RegisterHot(CLI::App& app);
void RegisterCompact(CLI::App& app);
void RegisterRewriteManifests(CLI::App& app);
void RegisterTier(CLI::App& app);
void RegisterServe(CLI::App& app);  // serve, config

}  // namespace strata::cli
