// LatencyStore: sleeps before (and after) forwarding (see latency_store.h).
#include "store/latency_store.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <utility>

namespace strata {
namespace {

using std::chrono::microseconds;

microseconds FromMs(double ms) { return microseconds(static_cast<int64_t>(std::llround(ms * 1000.0))); }

}  // namespace

Status LatencyModel::Validate() const {
  const std::pair<const char*, double> fields[] = {
      {"first_byte_ms", first_byte_ms},   {"jitter_mean_ms", jitter_mean_ms},
      {"jitter_max_ms", jitter_max_ms},   {"bandwidth_bytes_per_s", bandwidth_bytes_per_s},
      {"list_extra_ms", list_extra_ms},   {"put_extra_ms", put_extra_ms},
  };
  for (const auto& [name, value] : fields) {
    if (!std::isfinite(value) || value < 0) {
      return Status::InvalidArgument(std::string("LatencyModel.") + name + " must be a finite number >= 0, got " +
                                     std::to_string(value));
    }
  }
  return Status::OK();
}

LatencyModel LatencyModel::None() {
  LatencyModel m;
  m.first_byte_ms = 0;
  m.jitter_mean_ms = 0;
  m.jitter_max_ms = 0;
  m.bandwidth_bytes_per_s = 0;
  m.list_extra_ms = 0;
  m.put_extra_ms = 0;
  return m;
}

Result<std::shared_ptr<LatencyStore>> LatencyStore::Create(std::shared_ptr<ObjectStore> target,
                                                           const LatencyModel& model) {
  STRATA_RETURN_IF_ERROR(model.Validate());
  if (!target) return Status::InvalidArgument("LatencyStore: no target store");
  return std::make_shared<LatencyStore>(std::move(target), model);
}

LatencyStore::LatencyStore(std::shared_ptr<ObjectStore> target, const LatencyModel& model)
    : StoreWrapper(std::move(target)), model_(model), rng_(model.seed) {
  if (!model_.Validate().ok()) std::abort();  // a programming error: use Create to get a Status
}

microseconds LatencyStore::RequestDelay(Op op) {
  double ms = model_.first_byte_ms;
  if (op == Op::kList) ms += model_.list_extra_ms;
  if (op == Op::kPut) ms += model_.put_extra_ms;
  if (model_.jitter_mean_ms > 0) {
    double u;
    {
      std::lock_guard<std::mutex> lock(mu_);
      u = std::generate_canonical<double, 53>(rng_);  // [0, 1)
    }
    ms += std::min(-model_.jitter_mean_ms * std::log1p(-u), model_.jitter_max_ms);
  }
  return FromMs(ms);
}

microseconds LatencyStore::TransferDelay(uint64_t bytes) const {
  if (model_.bandwidth_bytes_per_s <= 0 || bytes == 0) return microseconds(0);
  return FromMs(static_cast<double>(bytes) * 1000.0 / model_.bandwidth_bytes_per_s);
}

microseconds LatencyStore::PlanDelay(Op op, uint64_t bytes) { return RequestDelay(op) + TransferDelay(bytes); }

std::chrono::microseconds LatencyStore::total_delay() const {
  return microseconds(total_delay_us_.load(std::memory_order_relaxed));
}

void LatencyStore::Sleep(microseconds delay) {
  if (delay.count() <= 0) return;
  total_delay_us_.fetch_add(delay.count(), std::memory_order_relaxed);
  std::this_thread::sleep_for(delay);
}

Result<ObjectInfo> LatencyStore::Head(std::string_view key) {
  Sleep(RequestDelay(Op::kHead));
  return StoreWrapper::Head(key);
}

Result<std::string> LatencyStore::Get(std::string_view key, const ByteRange& range) {
  Sleep(RequestDelay(Op::kGet));
  Result<std::string> result = StoreWrapper::Get(key, range);
  if (result.ok()) Sleep(TransferDelay(result->size()));
  return result;
}

Result<ObjectInfo> LatencyStore::Put(std::string_view key, std::string_view data, const PutOptions& options) {
  Sleep(RequestDelay(Op::kPut) + TransferDelay(data.size()));
  return StoreWrapper::Put(key, data, options);
}

Result<ObjectInfo> LatencyStore::PutFile(std::string_view key, const std::string& local_path,
                                         const PutOptions& options) {
  Sleep(RequestDelay(Op::kPut));
  Result<ObjectInfo> result = StoreWrapper::PutFile(key, local_path, options);
  if (result.ok()) Sleep(TransferDelay(result->size));
  return result;
}

Result<ListPage> LatencyStore::List(const ListOptions& options) {
  Sleep(RequestDelay(Op::kList));
  return StoreWrapper::List(options);
}

Status LatencyStore::Delete(std::string_view key) {
  Sleep(RequestDelay(Op::kDelete));
  return StoreWrapper::Delete(key);
}

}  // namespace strata
