// strata: the command-line entry point. See docs/CLI.md.
#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Strata: a tiered event store writing Apache Iceberg tables"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strata 0.1.0");
  strata::cli::RegisterBucket(app);
  strata::cli::RegisterGen(app);
  strata::cli::RegisterIngest(app);
  strata::cli::RegisterFiles(app);
  strata::cli::RegisterSnapshots(app);
  strata::cli::RegisterTable(app);
  strata::cli::RegisterQuery(app);
  strata::cli::RegisterExplain(app);
  strata::cli::RegisterLookup(app);
  strata::cli::RegisterIndex(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const strata::cli::ExitCode& code) {
    return code.value;
  }
  return 0;
}
