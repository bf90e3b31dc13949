// The ObjectStore conformance suite: one set of gtest cases that every backend
// must pass (in the style of Arrow's filesystem test mixins). A backend's test
// file instantiates it with a factory that makes a fresh, empty store:
//
//   INSTANTIATE_TEST_SUITE_P(Memory, ObjectStoreConformanceTest,
//       ::testing::Values(StoreFactory{"Memory", [] { return std::make_shared<MemoryStore>("t"); }}),
//       StoreFactoryName);
//
// The suite covers round trips (empty and binary objects), byte ranges,
// create-only and if-match puts (including 8-thread races), listing (prefix,
// order, paging), deletes, invalid keys, missing keys, PutFile and UriFor/KeyFor.
// Link the `strata_store_conformance` object library into the test binary.
// Thread-safety: test code; each test gets its own store.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "common/temp_dir.h"
#include "store/object_store.h"

namespace strata {

/// Makes a fresh, empty store for one test. `name` labels the instantiation.
struct StoreFactory {
  std::string name;
  std::function<std::shared_ptr<ObjectStore>()> make;
};

/// gtest parameter printer: the factory's name.
std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info);
void PrintTo(const StoreFactory& factory, std::ostream* os);

class ObjectStoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;

  /// Puts `data` at `key` and fails the test on error.
  ObjectInfo MustPut(const std::string& key, std::string_view data, const PutOptions& options = {});
  /// Every key under `prefix`, via ListAll.
  std::vector<std::string> Keys(const std::string& prefix = "");

  std::shared_ptr<ObjectStore> store_;
};

}  // namespace strata
