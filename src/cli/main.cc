// strata: the command-line entry point. See docs/CLI.md.
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Strata: a tiered event store writing Apache Iceberg tables"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strata 0.1.0");
  // S3 / R2 credentials: the environment, or a profile of the shared
  // credentials file (docs/S3.md). Never key material on the command line.
  app.add_option_function<std::string>(
         "--profile", [](const std::string& name) { ::setenv("AWS_PROFILE", name.c_str(), 1); },
         "S3/R2: take credentials from this profile of the shared credentials file (sets AWS_PROFILE)")
      ->trigger_on_parse();
  app.add_option_function<std::string>(
         "--credentials-file",
         [](const std::string& path) { ::setenv("AWS_SHARED_CREDENTIALS_FILE", path.c_str(), 1); },
         "S3/R2: the shared credentials file (default ~/.aws/credentials; sets AWS_SHARED_CREDENTIALS_FILE)")
      ->trigger_on_parse();
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
  strata::cli::RegisterHot(app);
  strata::cli::RegisterCompact(app);
  strata::cli::RegisterRewriteManifests(app);
  strata::cli::RegisterTier(app);
  strata::cli::RegisterServe(app);
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
