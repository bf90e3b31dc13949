// `strata hot stats`: the state of a namespace's hot tier (rows, bytes,
// lsns, limits), read from its SQLite database with a HotReader: read-only and
// without the namespace's lock, so it works while another process ingests.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/time_util.h"
#include "event/json_codec.h"
#include "hot/hot_reader.h"

namespace strata::cli {

void RegisterHot(CLI::App& app) {
  auto* hot = app.add_subcommand("hot", "Inspect the hot tier (SQLite) of a namespace");
  hot->require_subcommand(1);
  auto* stats = hot->add_subcommand("stats", "Rows, bytes, lsns and limits of a namespace's hot tier");
  struct Args {
    std::string dir, ns;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  stats->add_option("--hot-dir", args->dir, "Directory of the hot tier databases")->required();
  stats->add_option("--namespace,--ns", args->ns, "Namespace")->required();
  stats->add_flag("--json", args->json, "One JSON object");
  stats->callback([args] {
    auto reader = Unwrap(HotReader::Open(args->dir, args->ns), "hot stats");
    // The limits of `strata ingest --hot-dir`'s HotStore: HotOptions' defaults.
    const HotStats s = Unwrap(reader->Stats(HotLimits{}), "hot stats");
    const bool needs_flush = s.needs_flush();
    if (args->json) {
      std::string out = "{\"namespace\":";
      AppendJsonString(&out, args->ns);
      out += ",\"path\":";
      AppendJsonString(&out, reader->path());
      auto field = [&](const char* name, int64_t v) {
        out += std::string(",\"") + name + "\":";
        AppendJsonInt(&out, v);
      };
      field("rows", s.rows);
      field("live_bytes", s.live_bytes);
      field("file_bytes", s.file_bytes);
      field("oldest_lsn", s.oldest_lsn);
      field("newest_lsn", s.newest_lsn);
      field("next_lsn", s.next_lsn);
      field("released_lsn", s.released_lsn);
      out += std::string(",\"over_capacity\":") + (s.over_capacity ? "true" : "false");
      out += std::string(",\"over_age\":") + (s.over_age ? "true" : "false");
      out += std::string(",\"needs_flush\":") + (needs_flush ? "true" : "false") + "}";
      std::cout << out << "\n";
      return;
    }
    PrintTable({"hot tier", reader->path()},
               {{"rows", HumanCount(s.rows)},
                {"bytes", HumanBytes(s.live_bytes) + " live, " + HumanBytes(s.file_bytes) + " file"},
                {"lsns", s.rows ? std::to_string(s.oldest_lsn) + ".." + std::to_string(s.newest_lsn) : "none"},
                {"next lsn", std::to_string(s.next_lsn)},
                {"released", "up to lsn " + std::to_string(s.released_lsn)},
                {"oldest row", s.oldest_accepted_ms ? FormatIso8601Micros(s.oldest_accepted_ms * 1000) : "-"},
                {"needs flush", needs_flush ? (s.over_capacity ? "yes (over capacity)" : "yes (over age)") : "no"}});
  });
}

}  // namespace strata::cli
