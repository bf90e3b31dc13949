// ParseS3Uri (every parameter, environment precedence, r2:// expansion,
// path-style rules, errors that name the problem and never a secret),
// S3Config::Uri / ToString, and AddressFor in both addressing styles.
#include "s3/s3_config.h"

#include "common/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace strata::s3 {
namespace {

using EnvMap = std::map<std::string, std::string>;

EnvLookup FakeEnv(EnvMap vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct OkCase {
  std::string uri;
  EnvMap env;
  std::string bucket, prefix, endpoint, region;
  bool path_style;
};

TEST(S3ConfigTest, ParsesLocationEndpointRegionAndStyle) {
  const std::string aws = "https://s3.us-east-1.amazonaws.com";
  const std::string r2 = "https://0123abcd.r2.cloudflarestorage.com";
  const std::vector<OkCase> cases = {
      // location
      {"s3://my-bucket", {}, "my-bucket", "", aws, "us-east-1", false},
      {"s3://my-bucket/", {}, "my-bucket", "", aws, "us-east-1", false},
      {"s3://my-bucket/a/b/", {}, "my-bucket", "a/b", aws, "us-east-1", false},
      {"s3://my-bucket//warehouse/db//", {}, "my-bucket", "warehouse/db", aws, "us-east-1", false},
      {"s3://my-bucket/a%20b", {}, "my-bucket", "a%20b", aws, "us-east-1", false},  // prefix is literal
      {"s3://my-bucket/p?", {}, "my-bucket", "p", aws, "us-east-1", false},
      // region: parameter > AWS_REGION > AWS_DEFAULT_REGION > us-east-1; it picks the default endpoint
      {"s3://bkt", {{"AWS_DEFAULT_REGION", "eu-west-1"}}, "bkt", "", "https://s3.eu-west-1.amazonaws.com",
       "eu-west-1", false},
      {"s3://bkt", {{"AWS_REGION", "eu-west-3"}, {"AWS_DEFAULT_REGION", "eu-west-1"}}, "bkt", "",
       "https://s3.eu-west-3.amazonaws.com", "eu-west-3", false},
      {"s3://bkt?region=ap-south-1", {{"AWS_REGION", "eu-west-3"}}, "bkt", "",
       "https://s3.ap-south-1.amazonaws.com", "ap-south-1", false},
      {"s3://bkt", {{"AWS_REGION", ""}}, "bkt", "", aws, "us-east-1", false},  // empty = unset
      // endpoint: parameter > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL
      {"s3://bkt", {{"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"}}, "bkt", "", "http://127.0.0.1:9000",
       "us-east-1", true},
      {"s3://bkt", {{"AWS_ENDPOINT_URL", "http://a.example"}, {"AWS_ENDPOINT_URL_S3", "http://b.example"}}, "bkt",
       "", "http://b.example", "us-east-1", false},
      {"s3://bkt?endpoint=http://c.example", {{"AWS_ENDPOINT_URL_S3", "http://b.example"}}, "bkt", "",
       "http://c.example", "us-east-1", false},
      {"s3://bkt?endpoint=https%3A%2F%2Fminio.example.com%3A9443", {}, "bkt", "", "https://minio.example.com:9443",
       "us-east-1", false},
      {"s3://bkt?endpoint=HTTPS://S3.Example.COM:443/", {}, "bkt", "", "https://s3.example.com", "us-east-1", false},
      {"s3://bkt?endpoint=http://minio:80", {}, "bkt", "", "http://minio", "us-east-1", false},
      // path style: IP, [v6], localhost, dotted bucket on https, non-DNS bucket
      {"s3://bkt?endpoint=http://127.0.0.1:5000", {}, "bkt", "", "http://127.0.0.1:5000", "us-east-1", true},
      {"s3://bkt?endpoint=http://10.1.2.3", {}, "bkt", "", "http://10.1.2.3", "us-east-1", true},
      {"s3://bkt?endpoint=http://[::1]:9000", {}, "bkt", "", "http://[::1]:9000", "us-east-1", true},
      {"s3://bkt?endpoint=https://[2001:DB8::1]", {}, "bkt", "", "https://[2001:db8::1]", "us-east-1", true},
      {"s3://bkt?endpoint=http://localhost:9000", {}, "bkt", "", "http://localhost:9000", "us-east-1", true},
      {"s3://my.dotted.bucket", {}, "my.dotted.bucket", "", aws, "us-east-1", true},
      {"s3://my.dotted.bucket?endpoint=http://minio.local:9000", {}, "my.dotted.bucket", "",
       "http://minio.local:9000", "us-east-1", false},
      {"s3://Legacy_Bucket", {}, "Legacy_Bucket", "", aws, "us-east-1", true},
      {"s3://bkt?endpoint=http://1.2.3.4.example.com", {}, "bkt", "", "http://1.2.3.4.example.com", "us-east-1",
       false},
      // path_style= overrides
      {"s3://bkt?endpoint=http://127.0.0.1:9000&path_style=false", {}, "bkt", "", "http://127.0.0.1:9000",
       "us-east-1", false},
      {"s3://bkt?path_style=true", {}, "bkt", "", aws, "us-east-1", true},
      {"s3://my.dotted.bucket?path_style=0", {}, "my.dotted.bucket", "", aws, "us-east-1", false},
      // r2://: account id from the parameter, R2_ACCOUNT_ID, CLOUDFLARE_ACCOUNT_ID; region auto
      {"r2://bkt?account_id=0123ABCD", {}, "bkt", "", r2, "auto", false},
      {"r2://bkt/pre", {{"R2_ACCOUNT_ID", "0123abcd"}}, "bkt", "pre", r2, "auto", false},
      {"r2://bkt", {{"CLOUDFLARE_ACCOUNT_ID", "0123abcd"}}, "bkt", "", r2, "auto", false},
      {"r2://bkt", {{"R2_ACCOUNT_ID", "0123abcd"}, {"CLOUDFLARE_ACCOUNT_ID", "ffff"}}, "bkt", "", r2, "auto", false},
      {"r2://bkt?account_id=0123abcd", {{"R2_ACCOUNT_ID", "ffff"}}, "bkt", "", r2, "auto", false},
      {"r2://bkt?account_id=0123abcd", {{"AWS_REGION", "eu-west-3"}, {"AWS_ENDPOINT_URL", "http://x.example"}},
       "bkt", "", r2, "auto", false},
      {"r2://bkt?account_id=0123abcd&region=us-east-1", {}, "bkt", "", r2, "us-east-1", false},
      {"r2://bkt?account_id=0123abcd&endpoint=https://eu.example", {}, "bkt", "", "https://eu.example", "auto",
       false},
      {"r2://bkt", {{"AWS_ENDPOINT_URL_S3", "https://0123abcd.r2.cloudflarestorage.com"}}, "bkt", "", r2, "auto",
       false},
  };
  for (const OkCase& c : cases) {
    SCOPED_TRACE(c.uri);
    Result<S3Config> r = ParseS3Uri(c.uri, FakeEnv(c.env));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->bucket, c.bucket);
    EXPECT_EQ(r->prefix, c.prefix);
    EXPECT_EQ(r->endpoint, c.endpoint);
    EXPECT_EQ(r->region, c.region);
    EXPECT_EQ(r->path_style, c.path_style);
  }
}

// Every field a tuning parameter sets.
void ExpectTuning(const S3Config& got, const S3Config& want) {
  EXPECT_EQ(got.ca_bundle, want.ca_bundle);
  EXPECT_EQ(got.verify_tls, want.verify_tls);
  EXPECT_EQ(got.sign_payload, want.sign_payload);
  EXPECT_EQ(got.part_size, want.part_size);
  EXPECT_EQ(got.multipart_threshold, want.multipart_threshold);
  EXPECT_EQ(got.upload_parallelism, want.upload_parallelism);
  EXPECT_EQ(got.max_connections, want.max_connections);
  EXPECT_EQ(got.max_attempts, want.max_attempts);
  EXPECT_EQ(got.connect_timeout_ms, want.connect_timeout_ms);
  EXPECT_EQ(got.request_timeout_ms, want.request_timeout_ms);
  EXPECT_EQ(got.low_speed_limit_bytes, want.low_speed_limit_bytes);
  EXPECT_EQ(got.low_speed_time_s, want.low_speed_time_s);
}

TEST(S3ConfigTest, DefaultsWithoutParameters) {
  Result<S3Config> r = ParseS3Uri("s3://bkt", FakeEnv({}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->credentials.empty());  // anonymous
  ExpectTuning(*r, S3Config{});
  EXPECT_EQ(r->part_size, 16ull << 20);
  EXPECT_EQ(r->multipart_threshold, 64ull << 20);
  // A null EnvLookup is an empty environment.
  EXPECT_TRUE(ParseS3Uri("s3://bkt", EnvLookup()).ok());
}

TEST(S3ConfigTest, EveryTuningParameter) {
  Result<S3Config> r = ParseS3Uri(
      "s3://bkt/p?ca_bundle=%2Fetc%2Fssl%2Fmy%20ca.pem&verify_tls=false&sign_payload=TRUE&part_size_mb=8"
      "&multipart_threshold_mb=100&upload_parallelism=8&max_connections=64&max_attempts=3&connect_timeout_ms=250"
      "&request_timeout_ms=9000&low_speed_limit_bytes=0&low_speed_time_s=7&&",
      FakeEnv({}));
  ASSERT_TRUE(r.ok()) << r.status();
  S3Config want;
  want.ca_bundle = "/etc/ssl/my ca.pem";
  want.verify_tls = false;
  want.sign_payload = true;
  want.part_size = 8ull << 20;
  want.multipart_threshold = 100ull << 20;
  want.upload_parallelism = 8;
  want.max_connections = 64;
  want.max_attempts = 3;
  want.connect_timeout_ms = 250;
  want.request_timeout_ms = 9000;
  want.low_speed_limit_bytes = 0;
  want.low_speed_time_s = 7;
  ExpectTuning(*r, want);
  // '+' is a literal plus, not a space.
  Result<S3Config> plus = ParseS3Uri("s3://bkt?ca_bundle=/a+b.pem", FakeEnv({}));
  ASSERT_TRUE(plus.ok()) << plus.status();
  EXPECT_EQ(plus->ca_bundle, "/a+b.pem");
}

TEST(S3ConfigTest, CredentialsFromTheEnvironment) {
  Result<S3Config> r = ParseS3Uri("s3://bkt", FakeEnv({{"AWS_ACCESS_KEY_ID", "AKID"},
                                                        {"AWS_SECRET_ACCESS_KEY", "SECRET-MARKER"},
                                                        {"AWS_SESSION_TOKEN", "TOKEN-MARKER"}}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->credentials.access_key_id, "AKID");
  EXPECT_EQ(r->credentials.secret_access_key, "SECRET-MARKER");
  EXPECT_EQ(r->credentials.session_token, "TOKEN-MARKER");
  EXPECT_FALSE(r->credentials.empty());
  EXPECT_EQ(r->ToString().find("MARKER"), std::string::npos);
  EXPECT_EQ(r->ToString().find("AKID"), std::string::npos);

  Result<S3Config> no_token =
      ParseS3Uri("r2://bkt?account_id=abc", FakeEnv({{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "S"}}));
  ASSERT_TRUE(no_token.ok()) << no_token.status();
  EXPECT_EQ(no_token->credentials.session_token, "");
  EXPECT_EQ(no_token->credentials.secret_access_key, "S");
}

TEST(S3ConfigTest, UriAndToString) {
  Result<S3Config> r2 = ParseS3Uri("r2://bkt/warehouse/db/?account_id=abc", FakeEnv({}));
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->Uri(), "s3://bkt/warehouse/db");  // always s3:// so other engines read the paths
  EXPECT_EQ(r2->ToString(),
            "s3://bkt/warehouse/db (endpoint https://abc.r2.cloudflarestorage.com, region auto, virtual-host)");
  Result<S3Config> minio = ParseS3Uri("s3://bkt?endpoint=http://127.0.0.1:9000", FakeEnv({}));
  ASSERT_TRUE(minio.ok()) << minio.status();
  EXPECT_EQ(minio->Uri(), "s3://bkt");
  EXPECT_EQ(minio->ToString(), "s3://bkt (endpoint http://127.0.0.1:9000, region us-east-1, path-style)");
  // A hand-built config with user info in the endpoint does not print it.
  S3Config hand;
  hand.bucket = "bkt";
  hand.endpoint = "https://user:SECRET-MARKER@host.example";
  EXPECT_EQ(hand.ToString(), "s3://bkt (endpoint https://host.example, region us-east-1, virtual-host)");
}

struct ErrorCase {
  std::string uri;
  EnvMap env;
  std::string expect;  // a substring of the message
};

TEST(S3ConfigTest, ErrorsNameTheProblemAndNeverASecret) {
  const EnvMap creds = {{"AWS_ACCESS_KEY_ID", "AKID-MARKER"}, {"AWS_SECRET_ACCESS_KEY", "SECRET-MARKER"}};
  const std::vector<ErrorCase> cases = {
      {"gs://bkt", creds, "expected s3://BUCKET[/PREFIX] or r2://BUCKET[/PREFIX]"},
      {"bkt", creds, "expected s3://"},
      {"s3://", creds, "the bucket name is empty"},
      {"s3:///prefix", creds, "the bucket name is empty"},
      {"s3://ab", creds, "bad bucket name 'ab'"},
      {"s3://bad bucket", creds, "bad bucket name 'bad bucket'"},
      {"s3://bkt%2F", creds, "bad bucket name"},
      {"s3://bkt/a/../b", creds, "'.' or '..' segment"},
      {"s3://bkt/a//b", creds, "empty, '.' or '..' segment"},
      {"s3://bkt?foo=1", creds, "unknown parameter 'foo' (known: endpoint, region"},
      {"s3://bkt?account_id=abc", creds, "parameter 'account_id' is only for r2:// URIs"},
      {"s3://bkt?access_key=AKIA-SECRET-MARKER", creds, "credentials are not accepted in the URI"},
      {"s3://bkt?secret=SECRET-MARKER", creds, "set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"},
      {"s3://bkt?aws_secret_access_key=SECRET-MARKER", creds, "'aws_secret_access_key' looks like a credential"},
      {"s3://bkt?session_token=SECRET-MARKER", creds, "looks like a credential"},
      {"s3://bkt?part_size_mb=8&Secret_Key=SECRET-MARKER", creds, "'Secret_Key' looks like a credential"},
      {"s3://bkt?region=us-east-1&region=eu-west-1", creds, "parameter 'region' is given twice"},
      {"s3://bkt?region=us%zzeast", creds, "parameter 'region' has a bad %-escape"},
      {"s3://bkt?region=us%2", creds, "bad %-escape"},
      {"s3://bkt?region=us%20east", creds, "bad region 'us east'"},
      {"s3://bkt?region=", creds, "bad region ''"},
      {"s3://bkt?part_size_mb=abc", creds, "parameter 'part_size_mb' must be a whole number from 5 to 5120, got 'abc'"},
      {"s3://bkt?part_size_mb=4", creds, "'part_size_mb' must be a whole number from 5 to 5120"},
      {"s3://bkt?multipart_threshold_mb=0", creds, "'multipart_threshold_mb' must be a whole number from 1"},
      {"s3://bkt?upload_parallelism=-1", creds, "'upload_parallelism' must be a whole number"},
      {"s3://bkt?max_connections=99999999999999", creds, "'max_connections' must be a whole number"},
      {"s3://bkt?max_attempts=0", creds, "'max_attempts' must be a whole number from 1 to 100"},
      {"s3://bkt?connect_timeout_ms=1.5", creds, "'connect_timeout_ms'"},
      {"s3://bkt?request_timeout_ms=", creds, "'request_timeout_ms'"},
      {"s3://bkt?low_speed_limit_bytes=x", creds, "'low_speed_limit_bytes'"},
      {"s3://bkt?low_speed_time_s=99999999", creds, "'low_speed_time_s'"},
      {"s3://bkt?verify_tls=maybe", creds, "parameter 'verify_tls' must be true or false, got 'maybe'"},
      {"s3://bkt?sign_payload=", creds, "'sign_payload' must be true or false"},
      {"s3://bkt?path_style=yes", creds, "'path_style' must be true or false"},
      {"s3://bkt?endpoint=minio:9000", creds, "parameter 'endpoint' 'minio:9000' must start with http:// or https://"},
      {"s3://bkt?endpoint=ftp://x.example", creds, "must start with http:// or https://"},
      {"s3://bkt?endpoint=", creds, "must start with http://"},
      {"s3://bkt?endpoint=https://user:SECRET-MARKER@host.example", creds, "must not contain user:password@"},
      {"s3://bkt?endpoint=https://host.example/base", creds, "must not have a path, query or fragment"},
      {"s3://bkt?endpoint=https://host.example%3Fx=1", creds, "must not have a path, query or fragment"},
      {"s3://bkt?endpoint=http://host.example:99999", creds, "has a bad port"},
      {"s3://bkt?endpoint=http://host.example:", creds, "has a bad port"},
      {"s3://bkt?endpoint=http://host.example:0", creds, "has a bad port"},
      {"s3://bkt?endpoint=http://[::1", creds, "unterminated IPv6"},
      {"s3://bkt?endpoint=http://", creds, "has no host"},
      {"s3://bkt?endpoint=http://ho%20st", creds, "bad host name"},
      {"s3://bkt", {{"AWS_ENDPOINT_URL", "minio:9000"}}, "AWS_ENDPOINT_URL 'minio:9000' must start with http"},
      {"s3://bkt", {{"AWS_ENDPOINT_URL_S3", "http://x/y"}}, "AWS_ENDPOINT_URL_S3 'http://x/y' must not have a path"},
      {"r2://bkt", creds, "r2:// needs the Cloudflare account id: add ?account_id=ID or set R2_ACCOUNT_ID"},
      {"r2://bkt?account_id=bad.id", creds, "parameter 'account_id': bad account id 'bad.id'"},
      {"r2://bkt", {{"R2_ACCOUNT_ID", "a/b"}}, "R2_ACCOUNT_ID: bad account id"},
      {"s3://Legacy_Bucket?path_style=false", creds, "path_style=false, but the bucket name 'Legacy_Bucket'"},
      {"s3://bkt", {{"AWS_ACCESS_KEY_ID", "AKID-MARKER"}}, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"},
      {"s3://bkt", {{"AWS_SECRET_ACCESS_KEY", "SECRET-MARKER"}}, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID"},
      {"s3://bkt", {{"AWS_SESSION_TOKEN", "SECRET-MARKER"}}, "AWS_SESSION_TOKEN is set but"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.uri);
    Result<S3Config> r = ParseS3Uri(c.uri, FakeEnv(c.env));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    const std::string& msg = r.status().message();
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
    EXPECT_EQ(msg.find("MARKER"), std::string::npos) << msg;
    if (c.uri.starts_with("s3://") || c.uri.starts_with("r2://")) {
      EXPECT_TRUE(msg.starts_with("bucket URI '" + c.uri.substr(0, c.uri.find('?')) + "': ")) << msg;
    }
  }
}

TEST(S3ConfigTest, AddressForVirtualHostStyle) {
  S3Config c;
  c.bucket = "bkt";
  c.endpoint = "https://s3.us-east-1.amazonaws.com";
  S3Address a = AddressFor(c, "dir/a b/c+d=e%f~g*h/caf\xc3\xa9 #?.parquet");
  EXPECT_EQ(a.host, "bkt.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(a.encoded_path, "/dir/a%20b/c%2Bd%3De%25f~g%2Ah/caf%C3%A9%20%23%3F.parquet");
  EXPECT_EQ(a.url, "https://bkt.s3.us-east-1.amazonaws.com" + a.encoded_path);
  S3Address root = AddressFor(c, "");
  EXPECT_EQ(root.host, "bkt.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(root.encoded_path, "/");
  EXPECT_EQ(root.url, "https://bkt.s3.us-east-1.amazonaws.com/");
  c.endpoint = "http://minio.local:9000/";  // hand-built, with a trailing slash
  EXPECT_EQ(AddressFor(c, "k").url, "http://bkt.minio.local:9000/k");
}

TEST(S3ConfigTest, AddressForPathStyle) {
  S3Config c;
  c.bucket = "my.bucket";
  c.endpoint = "http://127.0.0.1:9000";
  c.path_style = true;
  S3Address a = AddressFor(c, "p/x y=1/\xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(a.host, "127.0.0.1:9000");
  EXPECT_EQ(a.encoded_path, "/my.bucket/p/x%20y%3D1/%E6%97%A5%E6%9C%AC");
  EXPECT_EQ(a.url, "http://127.0.0.1:9000/my.bucket/p/x%20y%3D1/%E6%97%A5%E6%9C%AC");
  S3Address root = AddressFor(c, "");
  EXPECT_EQ(root.encoded_path, "/my.bucket");
  EXPECT_EQ(root.url, "http://127.0.0.1:9000/my.bucket");

  Result<S3Config> v6 = ParseS3Uri("s3://bkt/pre?endpoint=http://[::1]:9000", FakeEnv({}));
  ASSERT_TRUE(v6.ok()) << v6.status();
  S3Address b = AddressFor(*v6, v6->prefix + "/k+1");
  EXPECT_EQ(b.host, "[::1]:9000");
  EXPECT_EQ(b.url, "http://[::1]:9000/bkt/pre/k%2B1");

  Result<S3Config> aws = ParseS3Uri("s3://my.dotted.bucket?region=eu-west-3", FakeEnv({}));
  ASSERT_TRUE(aws.ok()) << aws.status();
  EXPECT_EQ(AddressFor(*aws, "k").url, "https://s3.eu-west-3.amazonaws.com/my.dotted.bucket/k");
}

TEST(S3ConfigTest, CredentialsFromTheSharedCredentialsFile) {
  TempDir dir;
  const std::string path = dir.path() + "/credentials";
  std::ofstream(path) << "# comment\n[default]\naws_access_key_id = DEFAULTID\naws_secret_access_key=defaultsecret\n\n"
                         "[profile ci]\n AWS_ACCESS_KEY_ID = CIID \naws_secret_access_key = cisecret\n"
                         "aws_session_token = citoken\n[broken]\naws_access_key_id = X\n";
  auto with = [&](EnvMap env) {
    env["AWS_SHARED_CREDENTIALS_FILE"] = path;
    return ParseS3Uri("s3://bkt", FakeEnv(env));
  };
  auto def = with({});
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->credentials.access_key_id, "DEFAULTID");
  EXPECT_EQ(def->credentials.secret_access_key, "defaultsecret");
  auto ci = with({{"AWS_PROFILE", "ci"}});
  ASSERT_TRUE(ci.ok()) << ci.status();
  EXPECT_EQ(ci->credentials.access_key_id, "CIID");
  EXPECT_EQ(ci->credentials.session_token, "citoken");
  // The environment's keys win over the file.
  auto env = with({{"AWS_ACCESS_KEY_ID", "ENVID"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->credentials.access_key_id, "ENVID");
  // A named profile must exist and be complete; errors never show secrets.
  auto missing = with({{"AWS_PROFILE", "nope"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'nope'"), std::string::npos) << missing.status();
  auto broken = with({{"AWS_PROFILE", "broken"}});
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("aws_secret_access_key"), std::string::npos) << broken.status();
  EXPECT_EQ(broken.status().message().find("secret="), std::string::npos);
  // No file at $HOME/.aws/credentials: anonymous, not an error.
  auto anon = ParseS3Uri("s3://bkt", FakeEnv({{"HOME", dir.path()}}));
  ASSERT_TRUE(anon.ok()) << anon.status();
  EXPECT_TRUE(anon->credentials.empty());
}

}  // namespace
}  // namespace strata::s3
