#include "catalog/catalog_errors.h"

#include <string>

namespace strata {

std::string CatalogResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return "";
}

CatalogResponse JsonResponse(int status, const nlohmann::json& body, bool head) {
  CatalogResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  if (!head) r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

CatalogResponse ErrorResponse(int status, std::string_view type, std::string_view message, bool head) {
  nlohmann::json error = {{"message", std::string(message)}, {"type", std::string(type)}, {"code", status}};
  return JsonResponse(status, nlohmann::json{{"error", std::move(error)}}, head);
}

CatalogResponse StorageErrorResponse(const Status& status, std::string_view what, bool head) {
  const bool retry = status.code() == StatusCode::kUnavailable;
  CatalogResponse r = ErrorResponse(retry ? 503 : 500, retry ? catalog_error::kServiceUnavailable : catalog_error::kInternal,
                                    std::string(what) + " failed (" + std::string(StatusCodeName(status.code())) + ")",
                                    head);
  r.log_detail = std::string(what) + ": " + status.ToString();
  return r;
}

}  // namespace strata
