// IntMap<V>: a map from int keys to V kept as one sorted vector — the shape
// of Iceberg's per-column metrics (column id -> count or bound), which are
// built in key order, read by binary search, and copied often (a scan plan
// holds one DataFile per file, each with five such maps over up to hundreds
// of columns). One allocation per map instead of one per entry makes copies
// and frees cheap, and copies share the items until one of them is changed
// (copy on write), so copying a DataFile into a scan plan costs a reference
// count per map, not a copy of hundreds of bounds.
//
// The interface is the subset of std::map the code uses: find / count / at /
// operator[] / insert-or-assign, ordered iteration over (key, value) pairs.
// Inserting a key larger than every present key is O(1); others are O(n).
// Thread-safety: a value type.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <memory>
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

  const_iterator begin() const { return Items().begin(); }
  const_iterator end() const { return Items().end(); }
  iterator begin() { return Mut().begin(); }
  iterator end() { return Mut().end(); }
  size_t size() const { return Items().size(); }
  bool empty() const { return Items().empty(); }
  void clear() { items_.reset(); }
  void reserve(size_t n) { Mut().reserve(n); }

  const_iterator find(int key) const {
    auto it = LowerBound(key);
    return it != Items().end() && it->first == key ? it : Items().end();
  }
  iterator find(int key) {
    auto& items = Mut();
    auto it = std::lower_bound(items.begin(), items.end(), key, KeyLess);
    return it != items.end() && it->first == key ? it : items.end();
  }
  size_t count(int key) const { return find(key) != Items().end() ? 1 : 0; }
  const V& at(int key) const {
    auto it = find(key);
    if (it == Items().end()) throw std::out_of_range("IntMap::at: no key " + std::to_string(key));
    return it->second;
  }
  /// The value of `key`, default-constructed and inserted when absent.
  V& operator[](int key) {
    auto& items = Mut();
    if (items.empty() || items.back().first < key) return items.emplace_back(key, V()).second;
    auto it = std::lower_bound(items.begin(), items.end(), key, KeyLess);
    if (it == items.end() || it->first != key) it = items.insert(it, value_type(key, V()));
    return it->second;
  }
  /// Inserts (key, value) unless `key` is present; std::map's emplace.
  std::pair<iterator, bool> emplace(int key, V value) {
    auto& items = Mut();
    auto it = std::lower_bound(items.begin(), items.end(), key, KeyLess);
    if (it != items.end() && it->first == key) return {it, false};
    return {items.insert(it, value_type(key, std::move(value))), true};
  }
  size_t erase(int key) {
    auto& items = Mut();
    auto it = std::lower_bound(items.begin(), items.end(), key, KeyLess);
    if (it == items.end() || it->first != key) return 0;
    items.erase(it);
    return 1;
  }

  bool operator==(const IntMap& other) const { return Items() == other.Items(); }

 private:
  static bool KeyLess(const value_type& item, int key) { return item.first < key; }
  const_iterator LowerBound(int key) const { return std::lower_bound(Items().begin(), Items().end(), key, KeyLess); }
  const std::vector<value_type>& Items() const {
    static const std::vector<value_type> kEmpty;
    return items_ ? *items_ : kEmpty;
  }
  // The items, made this map's own first (copy on write).
  std::vector<value_type>& Mut() {
    if (!items_) {
      items_ = std::make_shared<std::vector<value_type>>();
    } else if (items_.use_count() > 1) {
      items_ = std::make_shared<std::vector<value_type>>(*items_);
    }
    return *items_;
  }

  // Sorted by key, keys unique; shared between copies until one of them
  // changes (copying a DataFile's metrics is then a reference count).
  std::shared_ptr<std::vector<value_type>> items_;
};

}  // namespace strata
