// EventGenerator: realistic synthetic UnifiedEvents for demos, benchmarks and
// tests. The stream is deterministic for a seed and start time (it uses its own
// std::mt19937_64 and platform-independent distributions, never global state).
//
// - `count` events with timestamps in [start, start + hours), non-decreasing,
//   evenly spread with jitter.
// - Ten event types: http_request, span, cdc, log, metric, page_view,
//   web_vital, replay, rpc, message (the first ten events are one of each, in
//   that order; the rest follow a fixed mix). Each sets the columns typical of
//   its kind (see event_generator.cc).
// - Every event has id (a ULID from its timestamp), event_type, event_name, ns
//   (`ns_prefix` + 1..namespaces, skewed towards low numbers), timestamp,
//   ingested_at (shortly after timestamp) and year/month/day/hour, so it is
//   ready to ingest; lsn is never set. Traced events (http_request, span, rpc,
//   message, most logs) share W3C trace ids (32 lowercase hex) in groups of
//   2-8 events; browser events share session ids.
// - EventToJson(event) parses back with EventParser to an equal Event.
// Thread-safety: one generator per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "event/event.h"

namespace strata {

inline constexpr std::string_view kGeneratedEventTypes[] = {
    "http_request", "span", "cdc", "log", "metric", "page_view", "web_vital", "replay", "rpc", "message"};

struct GenerateOptions {
  int64_t count = 100000;
  double hours = 48;
  int64_t start_us = 0;  // 0: now - hours (read once, in the constructor)
  uint64_t seed = 42;
  int namespaces = 1;
  std::string ns_prefix = "tenant-";

  Status Validate() const;
};

class EventGenerator {
 public:
  // `options` should have passed Validate().
  explicit EventGenerator(const GenerateOptions& options);
  ~EventGenerator();
  EventGenerator(EventGenerator&&) noexcept;
  EventGenerator& operator=(EventGenerator&&) noexcept;

  // Writes the next event; false once `count` events have been produced.
  bool Next(Event* out);

  int64_t start_us() const;
  int64_t end_us() const;  // exclusive
  int64_t generated() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// All `options.count` events of a generator, in order.
std::vector<Event> GenerateEvents(const GenerateOptions& options);

}  // namespace strata
