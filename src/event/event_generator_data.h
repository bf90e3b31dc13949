// Reference data for EventGenerator: services, places, devices, routes and
// the other vocabularies synthetic events draw from. Internal to event_generator.cc.
#pragma once

#include <utility>

namespace strata::gen_data {

struct Service {
  const char* name;
  const char* version;
};
constexpr Service kServices[] = {{"api-gateway", "2.14.1"}, {"checkout", "1.9.0"},      {"payments", "3.2.7"},
                                 {"inventory", "1.22.3"},   {"auth", "4.0.2"},          {"search", "0.31.0"},
                                 {"notifications", "1.3.5"}, {"user-profile", "2.6.11"}};

struct Geo {
  const char *country, *region, *city, *colo, *tz;
  double lat, lon, asn;
  const char* as_org;
};
constexpr Geo kGeos[] = {
    {"US", "California", "San Francisco", "SJC", "America/Los_Angeles", 37.7749, -122.4194, 7922, "Comcast"},
    {"US", "New York", "New York", "EWR", "America/New_York", 40.7128, -74.006, 701, "Verizon"},
    {"GB", "England", "London", "LHR", "Europe/London", 51.5072, -0.1276, 2856, "British Telecom"},
    {"DE", "Hesse", "Frankfurt am Main", "FRA", "Europe/Berlin", 50.1109, 8.6821, 3320, "Deutsche Telekom AG"},
    {"JP", "Tokyo", "Tokyo", "NRT", "Asia/Tokyo", 35.6762, 139.6503, 2516, "KDDI"},
    {"BR", "São Paulo", "São Paulo", "GRU", "America/Sao_Paulo", -23.5505, -46.6333, 28573, "Claro NXT"},
    {"IN", "Maharashtra", "Mumbai", "BOM", "Asia/Kolkata", 19.076, 72.8777, 55836, "Reliance Jio"},
    {"FR", "Île-de-France", "Paris", "CDG", "Europe/Paris", 48.8566, 2.3522, 3215, "Orange"},
};

struct Device {
  const char *client_type, *client_name, *client_version, *device_type, *brand, *model, *os, *os_version, *screen,
      *user_agent;
};
constexpr Device kDevices[] = {
    {"browser", "Chrome", "124.0", "desktop", "Apple", "Mac", "macOS", "14.4", "1440x900",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 "
     "Safari/537.36"},
    {"browser", "Safari", "17.4", "mobile", "Apple", "iPhone", "iOS", "17.4", "390x844",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"},
    {"browser", "Firefox", "125.0", "desktop", "", "", "Windows", "11", "1920x1080",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"},
    {"browser", "Chrome Mobile", "124.0", "mobile", "Samsung", "SM-S918B", "Android", "14", "412x915",
     "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile "
     "Safari/537.36"},
    {"mobile_app", "ShopApp", "5.12.0", "tablet", "Apple", "iPad", "iPadOS", "17.3", "820x1180",
     "ShopApp/5.12.0 (iPad; iPadOS 17.3)"},
};

struct Route {
  const char *method, *route, *page_title;
};
constexpr Route kRoutes[] = {
    {"GET", "/api/products/{id}", "Product details"}, {"GET", "/api/products", "All products"},
    {"GET", "/api/search", "Search results"},        {"POST", "/api/cart/items", "Cart"},
    {"GET", "/api/cart", "Cart"},                    {"POST", "/api/checkout", "Checkout"},
    {"POST", "/api/auth/login", "Sign in"},          {"PUT", "/api/users/{id}", "Account settings"},
    {"DELETE", "/api/cart/items/{id}", "Cart"},      {"PATCH", "/api/orders/{id}", "Order status"},
};

// HTTP status codes by cumulative per-mille.
constexpr std::pair<int, int> kStatusMix[] = {{800, 200}, {840, 201}, {870, 204}, {890, 302}, {920, 304},
                                              {940, 400}, {955, 401}, {960, 403}, {985, 404}, {990, 429},
                                              {997, 500}, {999, 503}, {1000, 502}};

struct Vital {
  const char* name;
  double median, sigma, good, poor;  // value distribution (log-normal) and rating thresholds
};
constexpr Vital kVitals[] = {{"LCP", 2100, 0.5, 2500, 4000}, {"CLS", 0.04, 1.0, 0.1, 0.25}, {"INP", 140, 0.7, 200, 500},
                             {"FCP", 1400, 0.5, 1800, 3000}, {"TTFB", 450, 0.6, 800, 1800}};

constexpr const char* kTables[] = {"orders", "customers", "products", "payments", "inventory"};
constexpr const char* kRpcMethods[][2] = {
    {"shop.inventory.v1.InventoryService", "GetStock"}, {"shop.inventory.v1.InventoryService", "Reserve"},
    {"shop.payments.v1.PaymentService", "Authorize"},   {"shop.payments.v1.PaymentService", "Capture"},
    {"shop.users.v1.UserService", "GetProfile"},        {"shop.search.v1.SearchService", "Query"}};
constexpr const char* kRpcErrors[] = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "NOT_FOUND", "INTERNAL", "PERMISSION_DENIED"};
constexpr const char* kTopics[] = {"orders.created", "orders.paid", "inventory.reserved", "user.signed_up"};
constexpr const char* kQueues[] = {"email-notifications", "invoice-rendering", "search-reindex"};
constexpr const char* kSpanOps[] = {"SELECT shop.products", "UPDATE shop.orders", "redis GET", "redis SET",
                                    "render template", "http.client POST", "validate cart", "compute tax"};
constexpr const char* kSources[][3] = {{"google", "cpc", "spring_sale"},
                                       {"newsletter", "email", "weekly_digest"},
                                       {"twitter", "social", "launch_2024"},
                                       {"bing", "cpc", "brand_terms"}};

// Log levels with their OpenTelemetry severity numbers, and a message template per level.
constexpr const char* kLevels[] = {"debug", "info", "warn", "error"};
constexpr double kLevelNum[] = {5, 9, 13, 17};
constexpr const char* kLogMessages[] = {
    "cache miss for product %s", "order %s created", "retrying payment for order %s (attempt 2)",
    "failed to reserve stock for order %s: connection reset by peer"};
// Metrics: name, unit, type.
constexpr const char* kMetrics[][3] = {{"http.server.request.duration", "ms", "histogram"},
                                       {"process.cpu.utilization", "1", "gauge"},
                                       {"process.memory.usage", "By", "gauge"},
                                       {"orders.created", "{order}", "sum"},
                                       {"http.server.active_requests", "{request}", "gauge"}};
// rrweb-style replay chunks.
constexpr const char* kReplayTypes[] = {"full_snapshot", "incremental", "incremental", "incremental", "meta"};
constexpr const char* kReplaySources[] = {"mutation", "mouse_move", "input", "scroll"};

}  // namespace strata::gen_data
