// ParseConfig: a full config reads as written; every kind of mistake is
// reported with its JSON path and line, all at once.
#include "config/strata_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/json_lines.h"

namespace strata::config {
namespace {

using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

constexpr const char* kFull = R"jsonc({
  // Buckets: binding name -> URI.
  "buckets": {
    "LAKE": { "uri": "lake" },   /* relative to the config file */
    "COLD": { "uri": "s3://cold/lake?endpoint=http://127.0.0.1:9000",
              "access_key_id": { "env": "COLD_KEY" }, "secret_access_key": "s3cr3t" }
  },
  "hot": { "dir": "hot", "capacity_mb": 64, "flush_cache_mb": 0, "synchronous": "normal" },
  "sinks": { "fast": { "batch_size": 500, "flush_delay_ms": 200, "compression": "none" } },
  "tiering": { "policy": { "warm_after_days": 2, "cold_after_days": 9 }, "warm": "LAKE", "cold": "COLD" },
  "pipelines": {
    "events": { "base_path": "cdc/", "sink": "fast", "shards": 4 },
    "audit": { "bucket": "LAKE", "base_path": "audit/" }
  },
  "server": { "listen": "0.0.0.0:9090", "max_body_mb": 8, "query_row_limit": 500 },
  "tokens": [
    { "name": "a", "token": { "env": "TOKEN_A" }, "namespaces": ["tenant-a"], "scopes": ["read", "write"] },
    { "token": "admin-token-0123456789", "namespaces": ["*"], "scopes": ["admin"] }
  ]
})jsonc";

TEST(ConfigTest, AFullConfigReadsAsWritten) {
  auto config = ParseConfig(kFull, "strata.jsonc", "/etc/strata",
                            FakeEnv({{"COLD_KEY", "AKIDEXAMPLE"}, {"TOKEN_A", "token-a-0123456789"}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->buckets.at("LAKE").uri, "/etc/strata/lake");
  EXPECT_EQ(config->buckets.at("COLD").access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(config->buckets.at("COLD").secret_access_key, "s3cr3t");
  EXPECT_EQ(config->hot.dir, "/etc/strata/hot");
  EXPECT_EQ(config->hot.capacity_mb, 64);
  EXPECT_EQ(config->hot.flush_cache_mb, 0) << "0 (off) is a valid value, not the default 64";
  EXPECT_FALSE(config->hot.synchronous_full);
  EXPECT_EQ(config->sinks.at("fast").batch_size, 500);
  EXPECT_FALSE(config->sinks.at("fast").compression);
  EXPECT_TRUE(config->sinks.count("default")) << "the default sink always exists";
  EXPECT_EQ(config->tiering.policy, "custom");
  EXPECT_EQ(config->tiering.cold_after_days, 9);
  const PipelineConfig& events = config->pipelines.at("events");
  EXPECT_EQ(events.bucket, "LAKE") << "from tiering.warm";
  EXPECT_EQ(events.cold_bucket, "COLD") << "from tiering.cold";
  EXPECT_EQ(events.shards, 4);
  EXPECT_EQ(config->pipelines.at("audit").sink, "default");
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_EQ(config->server.port, 9090);
  ASSERT_EQ(config->tokens.size(), 2u);
  EXPECT_EQ(config->tokens[0].token, "token-a-0123456789");
  EXPECT_EQ(config->tokens[0].scopes, (std::vector<Scope>{Scope::kRead, Scope::kWrite}));
  EXPECT_EQ(config->tokens[1].namespaces, std::vector<std::string>{"*"});
  EXPECT_EQ(config->tokens[1].name, "tokens[1]");
}

TEST(ConfigTest, EveryMistakeIsReportedWithItsPathAndLine) {
  constexpr const char* kBad = R"jsonc({
  "buckets": { "LAKE": { "uri": "lake", "region": "x" } },
  "hot": { "capacity_mb": "big", "flush_cache_mb": -1 },
  "sinks": { "default": { "batch_size": 0, "compresion": "zstd" } },
  "pipelines": {
    "events": { "bucket": "LAKEE", "sink": "nope", "base_path": "/abs" }
  },
  "server": { "listen": "8080", "query_memory_mb": 1 },
  "tokens": [ { "token": { "env": "MISSING" }, "namespaces": ["../x"], "scopes": ["root"] } ],
  "extra": true
})jsonc";
  auto config = ParseConfig(kBad, "strata.jsonc", "/etc/strata", FakeEnv({}));
  ASSERT_FALSE(config.ok());
  const std::string msg = config.status().message();
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:2: buckets.LAKE.region: unknown key"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:3: hot.capacity_mb: must be an integer, not a string"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:3: hot.flush_cache_mb: must be between 0 and"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:4: sinks.default.batch_size: must be between 1 and"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:4: sinks.default.compresion: unknown key (did you mean 'compression'?)"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:6: pipelines.events.bucket: unknown bucket binding 'LAKEE' (declared: LAKE)"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:6: pipelines.events.sink: unknown sink 'nope'"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:6: pipelines.events.base_path: must be a relative key prefix"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:8: server.listen: must be HOST:PORT"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:8: server.query_memory_mb: must be between 16 and"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:9: tokens[0].token.env: environment variable MISSING is not set"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:9: tokens[0].namespaces[0]: must be a namespace"));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:9: tokens[0].scopes[0]: must be \"read\", \"write\" or \"admin\""));
  EXPECT_THAT(msg, HasSubstr("strata.jsonc:10: extra: unknown key"));
}

TEST(ConfigTest, MalformedJsoncNamesTheLine) {
  auto config = ParseConfig("{\n  // fine\n  \"buckets\": {\n    \"LAKE\": { \"uri\": \"x\" },,\n  }\n}", "s.jsonc",
                            "", FakeEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("s.jsonc:4: not valid JSONC"));
}

TEST(ConfigTest, PublicListenersNeedTokens) {
  auto config = ParseConfig(R"({"buckets": {"B": {"uri": "/b"}},
    "pipelines": {"p": {"bucket": "B"}}, "server": {"listen": "0.0.0.0:80"}})", "c.jsonc", "", FakeEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("tokens: API tokens are required"));
  auto loopback = ParseConfig(R"({"buckets": {"B": {"uri": "/b"}}, "pipelines": {"p": {"bucket": "B"}}})",
                              "c.jsonc", "", FakeEnv({}));
  EXPECT_TRUE(loopback.ok()) << loopback.status().ToString();
}

TEST(ConfigTest, CredentialsComeInPairsAndOnlyForS3) {
  auto config = ParseConfig(R"({"buckets": {"B": {"uri": "/b", "access_key_id": "k"}},
    "pipelines": {"p": {"bucket": "B"}}})", "c.jsonc", "", FakeEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("buckets.B: give both access_key_id and secret_access_key"));
  EXPECT_THAT(config.status().message(), HasSubstr("buckets.B: credentials are for s3:// and r2:// buckets only"));
}

TEST(ConfigTest, LinesOfNestedValues) {
  JsonLines lines = JsonLines::Scan("{\n \"a\": [\n  1,\n  {\"b c\": \"/*x*/\"} // c\n ],\n \"d\": 2\n}");
  EXPECT_EQ(lines.LineOf("a"), 2);
  EXPECT_EQ(lines.LineOf("a[0]"), 3);
  EXPECT_EQ(lines.LineOf("a[1][\"b c\"]"), 4);
  EXPECT_EQ(lines.LineOf("d"), 6);
  EXPECT_EQ(lines.LineOf("nope"), 0);
}

}  // namespace
}  // namespace strata::config
