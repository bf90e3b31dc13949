// SigV4 tests: the helpers, the S3 examples from the AWS documentation
// ("Signature Calculations for the Authorization Header"), and ~30 requests
// compared byte for byte with botocore's S3 signer (tests/s3/botocore_sign.py;
// skipped when python3 or botocore is missing).
#include "s3/sigv4.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/temp_dir.h"

namespace strata::s3 {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string HeaderValue(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

// ---------------------------------------------------------------- helpers

TEST(SigV4Test, UriEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UriEncode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c=d&e%f*g", true), "a%20b%2Bc%3Dd%26e%25f%2Ag");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(UriEncode("a/b", false), "a/b");
  EXPECT_EQ(UriEncode("caf\xc3\xa9", true), "caf%C3%A9");
  EXPECT_EQ(UriEncode("\xe6\x97\xa5\xe6\x9c\xac", true), "%E6%97%A5%E6%9C%AC");  // 日本
  EXPECT_EQ(UriEncode(std::string_view("\0\x7f\xff", 3), true), "%00%7F%FF");
  EXPECT_EQ(UriEncode("", true), "");
}

TEST(SigV4Test, EncodePathKeepsSlashes) {
  EXPECT_EQ(EncodePath("dir/sub dir/file name.parquet"), "dir/sub%20dir/file%20name.parquet");
  EXPECT_EQ(EncodePath("year=2024/month=01/x.parquet"), "year%3D2024/month%3D01/x.parquet");
  EXPECT_EQ(EncodePath("a%20b"), "a%2520b");  // a literal '%' is encoded, never passed through
}

TEST(SigV4Test, CanonicalQuerySortsByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQuery({}), "");
  EXPECT_EQ(CanonicalQuery({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQuery({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQuery({{"a", "2"}, {"a", "10"}, {"a", "1"}}), "a=1&a=10&a=2");
  EXPECT_EQ(CanonicalQuery({{"prefix", "a b/c+d"}, {"continuation-token", "x/y=="}}),
            "continuation-token=x%2Fy%3D%3D&prefix=a%20b%2Fc%2Bd");
  // Sorted after encoding: "%20" (from ' ') sorts before 'A'.
  EXPECT_EQ(CanonicalQuery({{"A", "1"}, {" ", "2"}}), "%20=2&A=1");
}

TEST(SigV4Test, Hashes) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
  ASSERT_EQ(mac.size(), 32u);
  std::string hex;
  for (unsigned char c : mac) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[c >> 4];
    hex += kHex[c & 0xf];
  }
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Md5Base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(Md5Base64("hello world"), "XrY7u+Ae7tCTyyK7j1rNww==");
}

TEST(SigV4Test, AmzDate) {
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
  EXPECT_EQ(AmzDate(1369353600), "20130524T000000Z");
  EXPECT_EQ(AmzDate(1796180645), "20261202T030405Z");
  EXPECT_EQ(AmzDate(1709251199), "20240229T235959Z");
}

TEST(SigV4Test, HeadersTrimmedCollapsedLowerCasedAndSignerOwnedIgnored) {
  SignRequest req;
  req.method = "get";
  req.host = "b.example.com";
  req.encoded_path = "";
  req.headers = {{"  X-Amz-Meta-Note\t", "  two   words\there  "},
                 {"Range", "bytes=0-9"},
                 {"x-amz-meta-note", "second"},
                 {"Host", "evil.example.com"},
                 {"X-Amz-Date", "19990101T000000Z"},
                 {"x-amz-content-sha256", "bogus"},
                 {"Authorization", "bogus"}};
  SignedRequest s = SignV4(req, {"AKID", "SECRET", ""}, "us-east-1", "s3", 1369353600);
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\n"
            "host:b.example.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "x-amz-meta-note:two words here,second\n\n"
            "host;range;x-amz-content-sha256;x-amz-date;x-amz-meta-note\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_EQ(s.headers.size(), 3u);
  EXPECT_EQ(s.headers[0].first, "authorization");
  EXPECT_EQ(HeaderValue(s.headers, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(HeaderValue(s.headers, "x-amz-content-sha256"), Sha256Hex(""));
  EXPECT_EQ(s.canonical_request.find("SECRET"), std::string::npos);
  EXPECT_EQ(s.string_to_sign.find("SECRET"), std::string::npos);
}

TEST(SigV4Test, SessionTokenIsSignedAndReturned) {
  SignRequest req{"PUT", "b.example.com", "/k", {}, {}, "UNSIGNED-PAYLOAD"};
  SignedRequest s = SignV4(req, {"AKID", "SECRET", "TOKEN/abc=="}, "auto", "s3", 1369353600);
  EXPECT_NE(s.canonical_request.find("\nx-amz-security-token:TOKEN/abc==\n"), std::string::npos);
  EXPECT_NE(s.canonical_request.find("\nhost;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"),
            std::string::npos);
  EXPECT_EQ(HeaderValue(s.headers, "x-amz-security-token"), "TOKEN/abc==");
  EXPECT_EQ(HeaderValue(s.headers, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_TRUE(s.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(HeaderValue(s.headers, "authorization").find("/20130524/auto/s3/aws4_request, "), std::string::npos);
}

TEST(SigV4Test, CredentialsEmpty) {
  EXPECT_TRUE(Credentials{}.empty());
  EXPECT_FALSE((Credentials{"AKID", "SECRET", ""}.empty()));
}

// ------------------------------------------- AWS documentation examples

const Credentials kAwsDocCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr int64_t kAwsDocTime = 1369353600;  // 2013-05-24T00:00:00Z

std::string Signature(const SignedRequest& s) {
  std::string auth = HeaderValue(s.headers, "authorization");
  size_t at = auth.find("Signature=");
  return at == std::string::npos ? "" : auth.substr(at + 10);
}

TEST(SigV4Test, AwsDocGetObject) {
  SignRequest req{"GET", "examplebucket.s3.amazonaws.com", "/test.txt", {}, {{"Range", "bytes=0-9"}},
                  Sha256Hex("")};
  SignedRequest s = SignV4(req, kAwsDocCreds, "us-east-1", "s3", kAwsDocTime);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\n"
            "host;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(HeaderValue(s.headers, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, AwsDocPutObject) {
  SignRequest req{"PUT",
                  "examplebucket.s3.amazonaws.com",
                  "/" + EncodePath("test$file.text"),
                  {},
                  {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                  Sha256Hex("Welcome to Amazon S3.")};
  EXPECT_EQ(req.encoded_path, "/test%24file.text");
  EXPECT_EQ(req.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SignedRequest s = SignV4(req, kAwsDocCreds, "us-east-1", "s3", kAwsDocTime);
  EXPECT_TRUE(s.string_to_sign.ends_with("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"));
  EXPECT_EQ(Signature(s), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, AwsDocGetBucketLifecycle) {
  SignRequest req{"GET", "examplebucket.s3.amazonaws.com", "/", {{"lifecycle", ""}}, {}, Sha256Hex("")};
  SignedRequest s = SignV4(req, kAwsDocCreds, "us-east-1", "s3", kAwsDocTime);
  EXPECT_TRUE(s.canonical_request.starts_with("GET\n/\nlifecycle=\nhost:"));
  EXPECT_EQ(Signature(s), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, AwsDocListObjects) {
  SignRequest req{"GET", "examplebucket.s3.amazonaws.com", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {},
                  Sha256Hex("")};
  SignedRequest s = SignV4(req, kAwsDocCreds, "us-east-1", "s3", kAwsDocTime);
  EXPECT_TRUE(s.string_to_sign.ends_with("\ndf57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7"));
  EXPECT_EQ(Signature(s), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// ----------------------------------------------------- against botocore

// One request, described the same way to the C++ signer and to the script.
struct BotoCase {
  std::string name;
  std::string method = "GET";
  std::string scheme = "https";
  std::string host = "strata-test.s3.amazonaws.com";
  std::optional<std::string> key;  // set: path = [/bucket_in_path]/EncodePath(key)
  std::string bucket_in_path;      // path-style bucket
  std::string path = "/";          // used when key is unset
  Pairs query;
  Pairs headers;
  std::optional<std::string> body;  // signed as its SHA-256 (absent: the empty body)
  bool unsigned_payload = false;
  std::string region = "us-east-1";
  std::string token;
  int64_t time = 1796180645;  // 2026-12-02T03:04:05Z
};

const Credentials kBotoCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

std::vector<BotoCase> BotoCases() {
  std::vector<BotoCase> c;
  auto add = [&c](std::string name) -> BotoCase& {
    c.emplace_back();
    c.back().name = std::move(name);
    return c.back();
  };
  add("get_plain").key = "data/file.parquet";
  { auto& x = add("get_range"); x.key = "test.txt"; x.headers = {{"Range", "bytes=0-9"}}; }
  add("key_spaces").key = "a b/c  d.txt";
  add("key_equals").key = "year=2024/month=01/x=y.parquet";
  add("key_percent").key = "100%/p%20q";
  add("key_plus").key = "a+b/c+";
  add("key_tilde_star").key = "~user/x~y*z";
  add("key_unicode").key = "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt";
  add("key_punctuation").key = "!$&'()*,;:@[]#?\"<>|^`{}";
  add("key_dot_segments_not_normalized").key = "a/./b/../c//d";
  add("key_edge_spaces").key = " lead and trail ";
  { auto& x = add("path_style"); x.host = "s3.us-east-1.amazonaws.com"; x.bucket_in_path = "strata-test"; x.key = "a b"; }
  { auto& x = add("path_style_ipv4_port"); x.scheme = "http"; x.host = "127.0.0.1:9000"; x.bucket_in_path = "bkt"; x.key = "k"; }
  { auto& x = add("path_style_ipv6_port"); x.scheme = "http"; x.host = "[::1]:9000"; x.bucket_in_path = "bkt"; x.key = "k=1"; }
  { auto& x = add("path_style_localhost"); x.scheme = "http"; x.host = "localhost:5000"; x.bucket_in_path = "my.bucket"; x.key = "x"; }
  { auto& x = add("path_style_bucket_root"); x.host = "s3.eu-west-3.amazonaws.com"; x.region = "eu-west-3";
    x.path = "/strata-test"; x.query = {{"list-type", "2"}, {"prefix", "t/"}}; }
  { auto& x = add("list_v2");
    x.query = {{"list-type", "2"}, {"prefix", "tables/a b/"}, {"delimiter", "/"}, {"max-keys", "1000"},
               {"continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=+"}}; }
  { auto& x = add("query_empty_value"); x.method = "POST"; x.key = "big.bin"; x.query = {{"uploads", ""}}; }
  { auto& x = add("query_repeated"); x.query = {{"a", "2"}, {"a", "1"}, {"b", ""}, {"a", "10"}}; }
  { auto& x = add("query_awkward_values");
    x.query = {{"prefix", "caf\xc3\xa9 \xe6\x97\xa5/~*%'+="}, {"start-after", "a&b=c"}}; }
  { auto& x = add("query_awkward_names"); x.query = {{"x y", "1"}, {"Z", "2"}, {"a~b*c", ""}}; }
  { auto& x = add("delete_objects"); x.method = "POST"; x.path = "/"; x.query = {{"delete", ""}};
    x.body = "<Delete><Object><Key>a b</Key></Object><Quiet>true</Quiet></Delete>";
    x.headers = {{"Content-MD5", Md5Base64(*x.body)}, {"Content-Type", "application/xml"}}; }
  { auto& x = add("put_unsigned_if_none_match"); x.method = "PUT"; x.key = "metadata/v2.metadata.json";
    x.unsigned_payload = true; x.headers = {{"If-None-Match", "*"}, {"Content-Type", "application/octet-stream"}}; }
  { auto& x = add("put_signed_body"); x.method = "PUT"; x.key = "k.txt"; x.body = "hello world";
    x.headers = {{"Content-Type", "text/plain"}}; }
  { auto& x = add("put_if_match"); x.method = "PUT"; x.key = "version-hint.text"; x.body = "7";
    x.headers = {{"If-Match", "\"9b2cf535f27731c974343645a3985328\""}}; }
  { auto& x = add("session_token_get"); x.key = "x"; x.token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVz+Zm9vYmFy=="; }
  { auto& x = add("session_token_put_unsigned"); x.method = "PUT"; x.key = "y"; x.unsigned_payload = true;
    x.token = "FwoGZXIvYXdzEPT"; }
  { auto& x = add("head"); x.method = "HEAD"; x.key = "data/year=2024/f.parquet"; }
  { auto& x = add("delete"); x.method = "DELETE"; x.key = "tmp/x y"; }
  { auto& x = add("upload_part"); x.method = "PUT"; x.key = "big.bin"; x.unsigned_payload = true;
    x.query = {{"partNumber", "3"}, {"uploadId", "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA--"}}; }
  { auto& x = add("complete_multipart"); x.method = "POST"; x.key = "big.bin";
    x.query = {{"uploadId", "abc/def+ghi="}};
    x.body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e\"</ETag></Part></CompleteMultipartUpload>"; }
  { auto& x = add("r2_region_auto"); x.host = "0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com";
    x.region = "auto"; x.bucket_in_path = "bucket"; x.key = "k"; }
  { auto& x = add("header_whitespace_and_repeats");
    x.key = "k";
    x.headers = {{"X-Amz-Meta-Note", "  two   words\tand\t\ttabs  "}, {"x-amz-meta-list", "one"},
                 {"X-AMZ-META-LIST", "two"}, {"Range", "bytes=100-"}}; }
  { auto& x = add("copy_source_header"); x.method = "PUT"; x.key = "dst key";
    x.headers = {{"x-amz-copy-source", "/strata-test/" + EncodePath("src key")}}; }
  { auto& x = add("header_utf8_value"); x.method = "PUT"; x.key = "m"; x.unsigned_payload = true;
    x.headers = {{"x-amz-meta-name", "caf\xc3\xa9"}}; }
  { auto& x = add("other_date"); x.time = 1709251199; x.key = "leap"; }
  return c;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);  // UTF-8 passes through
    }
  }
  out += '"';
}

void AppendPairs(std::string& out, const Pairs& pairs) {
  out += '[';
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i) out += ',';
    out += '[';
    AppendJsonString(out, pairs[i].first);
    out += ',';
    AppendJsonString(out, pairs[i].second);
    out += ']';
  }
  out += ']';
}

std::string CasesJson(const std::vector<BotoCase>& cases) {
  std::string out = "[";
  for (size_t i = 0; i < cases.size(); ++i) {
    const BotoCase& c = cases[i];
    if (i) out += ",\n";
    out += "{";
    auto field = [&out](std::string_view name, std::string_view value) {
      AppendJsonString(out, name);
      out += ':';
      AppendJsonString(out, value);
      out += ',';
    };
    field("method", c.method);
    field("scheme", c.scheme);
    field("host", c.host);
    if (c.key) field("key", *c.key);
    field("bucket_in_path", c.bucket_in_path);
    field("path", c.path);
    if (c.body) field("body", *c.body);
    field("region", c.region);
    field("service", "s3");
    field("access_key", kBotoCreds.access_key_id);
    field("secret_key", kBotoCreds.secret_access_key);
    field("token", c.token);
    out += "\"query\":";
    AppendPairs(out, c.query);
    out += ",\"headers\":";
    AppendPairs(out, c.headers);
    out += ",\"unsigned_payload\":";
    out += c.unsigned_payload ? "true" : "false";
    out += ",\"time\":" + std::to_string(c.time) + "}";
  }
  out += "]\n";
  return out;
}

// Just enough JSON for the script's output: an array of objects whose values
// are all strings (UTF-8; \uXXXX only for control characters).
class ResultParser {
 public:
  explicit ResultParser(std::string_view text) : s_(text) {}

  std::optional<std::vector<std::map<std::string, std::string>>> Parse() {
    std::vector<std::map<std::string, std::string>> out;
    if (!Eat('[')) return std::nullopt;
    if (Eat(']')) return out;
    do {
      if (!Eat('{')) return std::nullopt;
      std::map<std::string, std::string> obj;
      if (!Eat('}')) {
        do {
          auto name = String();
          if (!name || !Eat(':')) return std::nullopt;
          auto value = String();
          if (!value) return std::nullopt;
          obj[*name] = *value;
        } while (Eat(','));
        if (!Eat('}')) return std::nullopt;
      }
      out.push_back(std::move(obj));
    } while (Eat(','));
    if (!Eat(']')) return std::nullopt;
    return out;
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::optional<unsigned> Hex4() {
    if (i_ + 4 > s_.size()) return std::nullopt;
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else return std::nullopt;
    }
    return v;
  }
  std::optional<std::string> String() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {  // only control characters are escaped (ensure_ascii=False)
          auto cp = Hex4();
          if (!cp || *cp >= 0x80) return std::nullopt;
          out += static_cast<char>(*cp);
          break;
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::string SourceDir() {
  if (const char* dir = std::getenv("STRATA_SOURCE_DIR"); dir && *dir) return dir;
  std::string here = __FILE__;  // .../src/s3/sigv4_test.cc
  size_t at = here.rfind("/src/s3/");
  return at == std::string::npos ? "." : here.substr(0, at);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SigV4Botocore, MatchesBotocoreByteForByte) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 is not installed";
  const std::string script = SourceDir() + "/tests/s3/botocore_sign.py";
  if (!std::ifstream(script)) GTEST_SKIP() << "cannot find " << script << " (set STRATA_SOURCE_DIR)";

  const std::vector<BotoCase> cases = BotoCases();
  TempDir dir("sigv4-botocore");
  const std::string in = dir.path() + "/in.json", out = dir.path() + "/out.json", err = dir.path() + "/err.txt";
  {
    std::ofstream f(in, std::ios::binary);
    f << CasesJson(cases);
  }
  std::string cmd = "python3 '" + script + "' < '" + in + "' > '" + out + "' 2> '" + err + "'";
  int rc = std::system(cmd.c_str());
  ASSERT_NE(rc, -1);
  ASSERT_TRUE(WIFEXITED(rc)) << cmd;
  if (WEXITSTATUS(rc) == 2) GTEST_SKIP() << "botocore is not installed: " << ReadAll(err);
  ASSERT_EQ(WEXITSTATUS(rc), 0) << cmd << "\n" << ReadAll(err);

  auto results = ResultParser(ReadAll(out)).Parse();
  ASSERT_TRUE(results.has_value()) << "unparsable script output: " << ReadAll(out);
  ASSERT_EQ(results->size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const BotoCase& c = cases[i];
    const auto& want = (*results)[i];
    SCOPED_TRACE(c.name);
    SignRequest req;
    req.method = c.method;
    req.host = c.host;
    req.encoded_path = c.key ? (c.bucket_in_path.empty() ? "" : "/" + c.bucket_in_path) + "/" + EncodePath(*c.key)
                             : c.path;
    req.query = c.query;
    req.headers = c.headers;
    req.payload_sha256 = c.unsigned_payload ? "UNSIGNED-PAYLOAD" : Sha256Hex(c.body.value_or(""));
    Credentials creds = kBotoCreds;
    creds.session_token = c.token;
    SignedRequest got = SignV4(req, creds, c.region, "s3", c.time);

    EXPECT_EQ(req.encoded_path, want.at("path"));
    EXPECT_EQ(got.canonical_request, want.at("canonical_request"));
    EXPECT_EQ(got.string_to_sign, want.at("string_to_sign"));
    EXPECT_EQ(HeaderValue(got.headers, "authorization"), want.at("authorization"));
    EXPECT_EQ(HeaderValue(got.headers, "x-amz-date"), want.at("x-amz-date"));
    EXPECT_EQ(HeaderValue(got.headers, "x-amz-content-sha256"), want.at("x-amz-content-sha256"));
    EXPECT_EQ(HeaderValue(got.headers, "x-amz-security-token"), want.at("x-amz-security-token"));
    EXPECT_EQ(got.headers.size(), c.token.empty() ? 3u : 4u);
    EXPECT_EQ(got.canonical_request.find(creds.secret_access_key), std::string::npos);
  }
}

}  // namespace
}  // namespace strata::s3
