// IntMap<V>: a map from int keys to V kept as one sorted vector — the shape
// of Iceberg's per-column metrics (column id -> count or bound), which are
// built in key order, read by binary search, and copied often (a scan plan
// holds one DataFile per file, each with five such maps over up to hundreds
// of columns). One allocation per map instead of one per entry makes copies
// and frees cheap.
//
// The interface is the subset of std::map the code uses: find / count / at /
// operator[] / insert-or-assign, ordered iteration over (key, value) pairs.
// Inserting a key larger than every present key is O(1); others are O(n).
// Thread-safety: a value type.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace strata {

template <typename V>
class IntMap {
 public:
  using value_type = std::pair<int, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  IntMap() = default;
  /// Later duplicates of a key replace earlier ones, as repeated operator[] would.
  IntMap(std::initializer_list<value_type> items) {
    for (const auto& [key, value] : items) (*this)[key] = value;
  }

  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  void reserve(size_t n) { items_.reserve(n); }

  const_iterator find(int key) const {
    auto it = LowerBound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  iterator find(int key) {
    auto it = std::lower_bound(items_.begin(), items_.end(), key, KeyLess);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  size_t count(int key) const { return find(key) != items_.end() ? 1 : 0; }
  const V& at(int key) const {
    auto it = find(key);
    if (it == items_.end()) throw std::out_of_range("IntMap::at: no key " + std::to_string(key));
    return it->second;
  }
  /// The value of `key`, default-constructed and inserted when absent.
  V& operator[](int key) {
    if (items_.empty() || items_.back().first < key) return items_.emplace_back(key, V()).second;
    auto it = std::lower_bound(items_.begin(), items_.end(), key, KeyLess);
    if (it == items_.end() || it->first != key) it = items_.insert(it, value_type(key, V()));
    return it->second;
  }
  /// Inserts (key, value) unless `key` is present; std::map's emplace.
  std::pair<iterator, bool> emplace(int key, V value) {
    auto it = std::lower_bound(items_.begin(), items_.end(), key, KeyLess);
    if (it != items_.end() && it->first == key) return {it, false};
    return {items_.insert(it, value_type(key, std::move(value))), true};
  }
  size_t erase(int key) {
    auto it = find(key);
    if (it == items_.end()) return 0;
    items_.erase(it);
    return 1;
  }

  bool operator==(const IntMap& other) const = default;

 private:
  static bool KeyLess(const value_type& item, int key) { return item.first < key; }
  const_iterator LowerBound(int key) const { return std::lower_bound(items_.begin(), items_.end(), key, KeyLess); }

  std::vector<value_type> items_;  // sorted by key, keys unique
};

}  // namespace strata
