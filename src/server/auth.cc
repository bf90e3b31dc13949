// Principal, TokenAuth and namespace validation (see auth.h).
#include "server/auth.h"

#include <algorithm>

namespace strata::server {

Principal::Principal(std::string name, std::vector<std::string> namespaces, std::vector<config::Scope> scopes)
    : name_(std::move(name)), namespaces_(std::move(namespaces)) {
  all_ = std::find(namespaces_.begin(), namespaces_.end(), "*") != namespaces_.end();
  for (config::Scope s : scopes) {
    if (s == config::Scope::kRead) read_ = true;
    if (s == config::Scope::kWrite) write_ = true;
    if (s == config::Scope::kAdmin) admin_ = true;
  }
}

Principal Principal::Anonymous() {
  return Principal("anonymous", {"*"}, {config::Scope::kRead, config::Scope::kWrite, config::Scope::kAdmin});
}

bool Principal::HasScope(config::Scope scope) const {
  switch (scope) {
    case config::Scope::kRead: return read_ || admin_;
    case config::Scope::kWrite: return write_ || admin_;
    case config::Scope::kAdmin: return admin_;
  }
  return false;
}

bool Principal::Allows(std::string_view ns, config::Scope scope) const {
  if (!HasScope(scope)) return false;
  return all_ || std::find(namespaces_.begin(), namespaces_.end(), ns) != namespaces_.end();
}

TokenAuth::TokenAuth(const std::vector<config::TokenConfig>& tokens)
    : anonymous_(std::make_shared<Principal>(Principal::Anonymous())) {
  for (const config::TokenConfig& t : tokens) {
    tokens_.emplace_back(t.token, std::make_shared<Principal>(t.name, t.namespaces, t.scopes));
  }
}

namespace {

// Time depends on the lengths only, never on where the bytes differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

std::shared_ptr<const Principal> TokenAuth::Authenticate(std::string_view authorization) const {
  if (tokens_.empty()) return anonymous_;
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() || authorization.substr(0, kBearer.size()) != kBearer) return nullptr;
  const std::string_view token = authorization.substr(kBearer.size());
  std::shared_ptr<const Principal> found;
  for (const auto& [secret, principal] : tokens_) {
    if (ConstantTimeEquals(token, secret)) found = principal;  // no early exit
  }
  return found;
}

Status ValidateNamespaceName(std::string_view ns) {
  if (ns.empty()) return Status::InvalidArgument("the namespace is empty");
  if (ns.size() > 128) return Status::InvalidArgument("a namespace has at most 128 characters");
  if (ns.front() == '.' || ns.find("..") != std::string_view::npos) {
    return Status::InvalidArgument("a namespace may not start with '.' or contain '..'");
  }
  for (char c : ns) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return Status::InvalidArgument("a namespace holds only letters, digits, '-', '_' and '.'");
  }
  return Status::OK();
}

}  // namespace strata::server
