// Auth: who is calling, and may they do this? Bearer tokens from the config
// (`tokens`), each scoped to namespaces (or "*") and to read / write /
// admin. admin implies read and write. Without configured tokens the server
// is open (the config allows that only on a loopback address) and every
// caller is an anonymous principal with every scope.
//
// Tenancy rule for handlers: check Allows(ns, scope) before touching
// anything of `ns`, and answer a refusal the same way whether or not `ns`
// exists (403, "not permitted"), so that a token learns nothing about other
// tenants' data.
// Thread-safety: immutable after construction.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/strata_config.h"

namespace strata::server {

// One caller's rights.
class Principal {
 public:
  Principal(std::string name, std::vector<std::string> namespaces, std::vector<config::Scope> scopes);
  static Principal Anonymous();

  const std::string& name() const { return name_; }
  /// May this principal use `scope` on namespace `ns`?
  bool Allows(std::string_view ns, config::Scope scope) const;
  /// Holds `scope` on at least one namespace.
  bool HasScope(config::Scope scope) const;
  /// Scoped to every namespace ("*").
  bool AllNamespaces() const { return all_; }

 private:
  std::string name_;
  std::vector<std::string> namespaces_;
  bool all_ = false;
  bool read_ = false, write_ = false, admin_ = false;
};

// The configured tokens.
class TokenAuth {
 public:
  explicit TokenAuth(const std::vector<config::TokenConfig>& tokens);
  bool open() const { return tokens_.empty(); }

  /// The principal for an `Authorization` header value ("Bearer <token>"),
  /// or nullptr (401) when it is missing, malformed or unknown. Tokens are
  /// compared in constant time.
  std::shared_ptr<const Principal> Authenticate(std::string_view authorization) const;

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const Principal>>> tokens_;
  std::shared_ptr<const Principal> anonymous_;
};

/// A namespace name from a request: 1-128 of letters, digits, '-', '_', '.';
/// not starting with '.', no "..". The error names the problem, never echoes
/// control characters.
Status ValidateNamespaceName(std::string_view ns);

}  // namespace strata::server
