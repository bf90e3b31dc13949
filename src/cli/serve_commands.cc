// `strata serve`: the HTTP API (docs/API.md) on a strata.jsonc, or on the
// embedded default config under --data-dir; `strata config check FILE`
// validates a config without starting anything; `strata config default`
// prints the embedded default as a starting point.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "config/default_config.h"
#include "config/strata_config.h"
#include "server/strata_server.h"

namespace strata::cli {
namespace {

struct ServeArgs {
  std::string config;
  std::string data_dir = "strata-data";
  std::string listen;
};

config::StrataConfig LoadOrExit(const ServeArgs& args) {
  const config::EnvLookup env = config::ProcessEnvironment();
  if (!args.config.empty()) return Unwrap(config::LoadConfigFile(args.config, env), "config");
  std::error_code ec;
  std::filesystem::create_directories(args.data_dir, ec);
  if (ec) Check(Status::IOError("cannot create --data-dir " + args.data_dir + ": " + ec.message()), "serve");
  const std::string dir = std::filesystem::absolute(args.data_dir).lexically_normal().string();
  return Unwrap(config::ParseConfig(config::DefaultConfigText(), "(embedded default config)", dir, env), "config");
}

void Serve(const ServeArgs& args) {
  config::StrataConfig cfg = LoadOrExit(args);
  if (!args.listen.empty()) {
    Check(config::ParseListenAddress(args.listen, &cfg.server.host, &cfg.server.port), "serve: --listen");
    if (cfg.tokens.empty() && !config::IsLoopbackHost(cfg.server.host)) {
      Check(Status::InvalidArgument("--listen " + args.listen + ": API tokens are required on a non-loopback address"),
            "serve");
    }
  }
  // SIGTERM / SIGINT are taken by sigwait below, on this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = Unwrap(server::StrataServer::Create(cfg), "serve");
  const int port = Unwrap(server->Start(), "serve");
  std::printf("strata serve: listening on http://%s:%d (%zu pipeline%s, %s)\n", cfg.server.host.c_str(), port,
              cfg.pipelines.size(), cfg.pipelines.size() == 1 ? "" : "s",
              cfg.tokens.empty() ? "no tokens: open on loopback" : "bearer tokens required");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  std::printf("strata serve: %s: draining (flushing and committing every pipeline)\n",
              signal == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  // The drain flushes every hot tier into its table; past server.drain_timeout_s
  // the process gives up (exit 1): nothing is lost, the hot tiers keep the
  // events and the next start drains them.
  auto drained = std::async(std::launch::async, [&] { return server->Drain(); });
  if (drained.wait_for(std::chrono::seconds(cfg.server.drain_timeout_s)) == std::future_status::timeout) {
    std::fprintf(stderr,
                 "strata serve: the drain took longer than %llds (server.drain_timeout_s); exiting with the "
                 "rest in the hot tiers (the next start commits it)\n",
                 static_cast<long long>(cfg.server.drain_timeout_s));
    std::fflush(stderr);
    std::_Exit(1);
  }
  Check(drained.get(), "serve: drain");
  std::printf("strata serve: drained, every acknowledged event is committed; bye\n");
}

}  // namespace

void RegisterServe(CLI::App& app) {
  auto* serve = app.add_subcommand("serve", "Run the HTTP API: ingest pipelines, lookups, SQL, metrics");
  auto args = std::make_shared<ServeArgs>();
  serve->add_option("--config", args->config, "A strata.jsonc (default: the embedded config under --data-dir)");
  serve->add_option("--data-dir", args->data_dir, "Without --config: where the bucket and hot tier live")
      ->capture_default_str();
  serve->add_option("--listen", args->listen, "HOST:PORT instead of server.listen (port 0: any free port)");
  serve->callback([args] { Serve(*args); });

  auto* cfg = app.add_subcommand("config", "Check or print strata.jsonc configurations");
  cfg->require_subcommand(1);
  auto* check = cfg->add_subcommand("check", "Validate a config file without starting anything");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "The strata.jsonc")->required();
  check->callback([file] {
    auto parsed = config::LoadConfigFile(*file, config::ProcessEnvironment());
    if (!parsed.ok()) {
      std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
      throw ExitCode{1};
    }
    std::printf("%s: OK (%zu bucket binding%s, %zu pipeline%s, %zu token%s; listens on %s:%d)\n", file->c_str(),
                parsed->buckets.size(), parsed->buckets.size() == 1 ? "" : "s", parsed->pipelines.size(),
                parsed->pipelines.size() == 1 ? "" : "s", parsed->tokens.size(), parsed->tokens.size() == 1 ? "" : "s",
                parsed->server.host.c_str(), parsed->server.port);
  });
  cfg->add_subcommand("default", "Print the embedded default config (a starting point)")->callback([] {
    std::cout << config::DefaultConfigText();
  });
}

}  // namespace strata::cli
