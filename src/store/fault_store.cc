// FaultStore: draws a failure per request, then fails before or after
// forwarding (see fault_store.h).
#include "store/fault_store.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace strata {
namespace {

bool IsWrite(FaultOp op) { return op == FaultOp::kPut || op == FaultOp::kPutFile || op == FaultOp::kDelete; }

bool ValidRate(double rate) { return std::isfinite(rate) && rate >= 0 && rate <= 1; }

}  // namespace

std::string_view FaultOpName(FaultOp op) {
  switch (op) {
    case FaultOp::kHead: return "Head";
    case FaultOp::kGet: return "Get";
    case FaultOp::kPut: return "Put";
    case FaultOp::kPutFile: return "PutFile";
    case FaultOp::kList: return "List";
    case FaultOp::kDelete: return "Delete";
  }
  return "?";
}

Status FaultOptions::Validate() const {
  if (!ValidRate(failure_rate)) {
    return Status::InvalidArgument("FaultOptions.failure_rate must be in [0, 1], got " + std::to_string(failure_rate));
  }
  const std::pair<const char*, double> weights[] = {
      {"server_error_weight", server_error_weight},
      {"timeout_weight", timeout_weight},
      {"reset_weight", reset_weight},
      {"truncated_weight", truncated_weight},
  };
  double total = 0;
  for (const auto& [name, value] : weights) {
    if (!std::isfinite(value) || value < 0) {
      return Status::InvalidArgument(std::string("FaultOptions.") + name + " must be a finite number >= 0, got " +
                                     std::to_string(value));
    }
    total += value;
  }
  if (total <= 0) return Status::InvalidArgument("FaultOptions: every failure weight is zero");
  return Status::OK();
}

Result<std::shared_ptr<FaultStore>> FaultStore::Create(std::shared_ptr<ObjectStore> target, FaultOptions options) {
  STRATA_RETURN_IF_ERROR(options.Validate());
  if (!target) return Status::InvalidArgument("FaultStore: no target store");
  return std::make_shared<FaultStore>(std::move(target), std::move(options));
}

FaultStore::FaultStore(std::shared_ptr<ObjectStore> target, FaultOptions options)
    : StoreWrapper(std::move(target)),
      options_(std::move(options)),
      failure_rate_(options_.failure_rate),
      rng_(options_.seed) {
  if (!options_.Validate().ok()) std::abort();  // a programming error: use Create to get a Status
}

void FaultStore::set_failure_rate(double rate) {
  if (!ValidRate(rate)) std::abort();  // a programming error
  failure_rate_.store(rate, std::memory_order_relaxed);
}

FaultStore::Stats FaultStore::stats() const {
  Stats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.server_errors = server_errors_.load(std::memory_order_relaxed);
  s.timeouts = timeouts_.load(std::memory_order_relaxed);
  s.resets = resets_.load(std::memory_order_relaxed);
  s.truncated = truncated_.load(std::memory_order_relaxed);
  s.applied_then_failed = applied_then_failed_.load(std::memory_order_relaxed);
  s.failures = s.server_errors + s.timeouts + s.resets + s.truncated;
  return s;
}

std::optional<FaultStore::Fault> FaultStore::Decide(FaultOp op, std::string_view key) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  const double rate = failure_rate();
  if (rate <= 0 || !options_.ops.Contains(op)) return std::nullopt;
  if (options_.key_filter && !options_.key_filter(key)) return std::nullopt;
  double u_fail, u_kind, u_detail;
  {
    std::lock_guard<std::mutex> lock(mu_);
    u_fail = std::generate_canonical<double, 53>(rng_);  // each in [0, 1)
    u_kind = std::generate_canonical<double, 53>(rng_);
    u_detail = std::generate_canonical<double, 53>(rng_);
  }
  if (u_fail >= rate) return std::nullopt;

  const double truncated = op == FaultOp::kGet ? options_.truncated_weight : 0;
  const double total = options_.server_error_weight + options_.timeout_weight + options_.reset_weight + truncated;
  if (total <= 0) return std::nullopt;  // only truncation is weighted, and this is not a Get
  struct Weighted {
    Kind kind;
    double weight;
  };
  const Weighted kinds[] = {{Kind::kServerError, options_.server_error_weight},
                            {Kind::kTimeout, options_.timeout_weight},
                            {Kind::kReset, options_.reset_weight},
                            {Kind::kTruncated, truncated}};
  double x = u_kind * total;
  Kind kind = Kind::kServerError;
  for (const Weighted& w : kinds) {
    if (w.weight <= 0) continue;
    kind = w.kind;  // the last weighted kind, should rounding leave x past the end
    if (x < w.weight) break;
    x -= w.weight;
  }
  const bool after = (kind == Kind::kTimeout || kind == Kind::kReset) && u_detail < 0.5;
  return Fault{kind, after, u_detail};
}

Status FaultStore::Inject(const Fault& fault, FaultOp op, std::string_view key, bool applied) {
  std::string what;
  switch (fault.kind) {
    case Kind::kServerError:
      server_errors_.fetch_add(1, std::memory_order_relaxed);
      what = fault.detail < 0.5 ? "503 Service Unavailable" : "500 Internal Server Error";
      break;
    case Kind::kTimeout:
      timeouts_.fetch_add(1, std::memory_order_relaxed);
      what = "timeout";
      break;
    case Kind::kReset:
      resets_.fetch_add(1, std::memory_order_relaxed);
      what = "connection reset";
      break;
    case Kind::kTruncated:  // counted and worded by Get
      break;
  }
  if (fault.after) what += applied ? " after the store applied the request" : " after the store answered";
  if (applied) applied_then_failed_.fetch_add(1, std::memory_order_relaxed);
  return Status::Unavailable("injected fault: " + what + " (" + std::string(FaultOpName(op)) + " " +
                             std::string(key) + ")");
}

template <typename Call>
auto FaultStore::Run(const std::optional<Fault>& fault, FaultOp op, std::string_view key, Call&& call)
    -> decltype(call()) {
  if (!fault) return call();
  if (!fault->after) return Inject(*fault, op, key, /*applied=*/false);
  const auto result = call();  // the request reached the store; its answer is lost
  return Inject(*fault, op, key, /*applied=*/IsWrite(op) && result.ok());
}

Result<ObjectInfo> FaultStore::Head(std::string_view key) {
  return Run(Decide(FaultOp::kHead, key), FaultOp::kHead, key, [&] { return StoreWrapper::Head(key); });
}

Result<std::string> FaultStore::Get(std::string_view key, const ByteRange& range) {
  const std::optional<Fault> fault = Decide(FaultOp::kGet, key);
  if (!fault || fault->kind != Kind::kTruncated) {
    return Run(fault, FaultOp::kGet, key, [&] { return StoreWrapper::Get(key, range); });
  }
  Result<std::string> result = StoreWrapper::Get(key, range);
  if (!result.ok() || result->empty()) return result;  // no body to cut short
  const uint64_t full = result->size();
  const uint64_t got = std::min<uint64_t>(full - 1, static_cast<uint64_t>(fault->detail * static_cast<double>(full)));
  truncated_.fetch_add(1, std::memory_order_relaxed);
  return Status::Unavailable("injected fault: truncated body: got " + std::to_string(got) + " of " +
                             std::to_string(full) + " bytes (Get " + std::string(key) + ")");
}

Result<ObjectInfo> FaultStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  return Run(Decide(FaultOp::kPut, key), FaultOp::kPut, key, [&] { return StoreWrapper::Put(key, data, options); });
}

Result<ObjectInfo> FaultStore::PutFile(std::string_view key, const std::string& local_path,
                                       const PutOptions& options) {
  return Run(Decide(FaultOp::kPutFile, key), FaultOp::kPutFile, key,
             [&] { return StoreWrapper::PutFile(key, local_path, options); });
}

Result<ListPage> FaultStore::List(const ListOptions& options) {
  return Run(Decide(FaultOp::kList, options.prefix), FaultOp::kList, options.prefix,
             [&] { return StoreWrapper::List(options); });
}

Status FaultStore::Delete(std::string_view key) {
  return Run(Decide(FaultOp::kDelete, key), FaultOp::kDelete, key, [&] { return StoreWrapper::Delete(key); });
}

}  // namespace strata
