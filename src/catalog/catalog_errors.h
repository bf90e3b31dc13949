// Responses of the REST catalog: JSON bodies and the spec's error model
// (IcebergErrorResponse: {"error": {"message", "type", "code"}}), with the
// exception types clients map to their own errors.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/catalog_http.h"
#include "common/status.h"

namespace strata {

// The error `type` strings of the spec's examples and of Java's client.
namespace catalog_error {
inline constexpr std::string_view kBadRequest = "BadRequestException";
inline constexpr std::string_view kNoSuchNamespace = "NoSuchNamespaceException";
inline constexpr std::string_view kNoSuchTable = "NoSuchTableException";
inline constexpr std::string_view kNotFound = "NotFoundException";
inline constexpr std::string_view kUnsupported = "UnsupportedOperationException";
inline constexpr std::string_view kServiceUnavailable = "ServiceUnavailableException";
inline constexpr std::string_view kInternal = "InternalServerError";
}  // namespace catalog_error

/// `status` with `body` serialized (invalid UTF-8 replaced, never thrown);
/// for HEAD (`head`) the body is dropped but the status and headers stay.
CatalogResponse JsonResponse(int status, const nlohmann::json& body, bool head);

/// The error model with `code` = `status`.
CatalogResponse ErrorResponse(int status, std::string_view type, std::string_view message, bool head);

/// A storage failure as a 5xx: 503 ServiceUnavailableException for
/// Unavailable (retryable), else 500 InternalServerError. The message says
/// only `what` failed; the Status goes to log_detail.
CatalogResponse StorageErrorResponse(const Status& status, std::string_view what, bool head);

}  // namespace strata
