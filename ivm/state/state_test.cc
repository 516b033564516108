// The engine's state structures against simple std:: models, under random
// operation sequences large enough to split and merge every kind of node.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "ivm/state/keyed_rows.h"
#include "ivm/state/ordered_rows.h"
#include "ivm/state/row_table.h"
#include "ivm/state/zset.h"

namespace rindle::ivm {
namespace {

uint64_t next(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A row of `width` values; column 1 (if any) is text so heap values are exercised.
Row make_row(uint64_t& rng, int width, int domain) {
  Row r;
  for (int c = 0; c < width; ++c) {
    int64_t v = static_cast<int64_t>(next(rng) % static_cast<uint64_t>(domain));
    if (c == 1) r.push_back(Value::text("t" + std::to_string(v % 7)));
    else if (c == 2 && v % 11 == 0) r.push_back(Value::null());
    else if (c == 2 && v % 13 == 0) r.push_back(Value::int64(v % 2 ? INT64_MAX : INT64_MIN));  // extremes tie with NULL's words
    else r.push_back(Value::int64(c == 2 ? v % 50 : v));
  }
  return r;
}

struct RowLess {
  const SortSpec* spec;
  bool operator()(const Row& a, const Row& b) const { return spec->compare(a, b) < 0; }
};

TEST_CASE("ZSet consolidates small and large sets") {
  for (int n : {3, 40, 500}) {
    uint64_t rng = static_cast<uint64_t>(n);
    ZSet z(2);
    std::map<std::pair<int64_t, int64_t>, int64_t> model;
    for (int i = 0; i < n; ++i) {
      int64_t a = static_cast<int64_t>(next(rng) % 5), b = static_cast<int64_t>(next(rng) % 5);
      int64_t w = (next(rng) % 2) ? 1 : -1;
      Value* r = z.append(w);
      r[0] = Value::int64(a);
      r[1] = Value::int64(b);
      model[{a, b}] += w;
    }
    z.consolidate();
    size_t nonzero = 0;
    for (auto& [k, w] : model) nonzero += w != 0;
    REQUIRE(z.size() == nonzero);
    for (size_t i = 0; i < z.size(); ++i) {
      CHECK(z.weight(i) == model[{z.row(i)[0].as_int64(), z.row(i)[1].as_int64()}]);
    }
  }
}

TEST_CASE("RowBag counts rows like a map") {
  uint64_t rng = 1;
  RowBag bag(3);
  std::map<std::string, int64_t> model;
  for (int i = 0; i < 20000; ++i) {
    Row r = make_row(rng, 3, 60);
    int64_t w = (next(rng) % 3 == 0) ? -1 : 1;
    int64_t before = bag.add(r.data(), w);
    int64_t& m = model[row_to_string(r)];
    CHECK(before == m);
    m = std::max<int64_t>(0, m + w);
    if (m == 0) model.erase(row_to_string(r));
  }
  CHECK(bag.distinct() == model.size());
  bag.for_each([&](const Value* row, int64_t count) { CHECK(model[row_to_string(Row(row, row + 3))] == count); });
}

TEST_CASE("KeyedRows groups rows by key and removes any row in O(1)") {
  uint64_t rng = 2;
  KeyedRows idx(1, 3);
  std::map<int64_t, std::map<std::string, int64_t>> model;
  for (int i = 0; i < 30000; ++i) {
    Row r = make_row(rng, 3, 300);
    Value key = Value::int64(r[0].as_int64() % 13);
    int64_t w = (next(rng) % 2 == 0) ? -1 : 1;
    auto& bucket = model[key.as_int64()];
    auto it = bucket.find(row_to_string(r));
    if (w < 0 && it == bucket.end()) w = 1;  // the index's callers never remove what is absent
    int64_t total = idx.add(&key, r.data(), w);
    bucket[row_to_string(r)] += w;
    if (bucket[row_to_string(r)] == 0) bucket.erase(row_to_string(r));
    int64_t expect = 0;
    for (auto& [s, c] : bucket) expect += c;
    CHECK(total == expect);
    if (bucket.empty()) model.erase(key.as_int64());
  }
  for (int64_t k = 0; k < 13; ++k) {
    Value key = Value::int64(k);
    uint32_t id = idx.find(&key);
    if (model.count(k) == 0) {
      CHECK(id == KeyedRows::kNone);
      continue;
    }
    REQUIRE(id != KeyedRows::kNone);
    std::map<std::string, int64_t> seen;
    idx.for_each(id, [&](const Value* row, int64_t count) { seen[row_to_string(Row(row, row + 3))] = count; });
    CHECK(seen == model[k]);
  }
}

void check_ordered(const OrderedRows& t, const std::map<Row, int64_t, RowLess>& model, uint64_t& rng) {
  REQUIRE(t.distinct() == model.size());
  int64_t total = 0;
  for (auto& [r, c] : model) total += c;
  REQUIRE(t.total() == total);
  // In-order scan.
  auto it = model.begin();
  for (auto c = t.begin(); c.valid(); c.next(), ++it) {
    REQUIRE(it != model.end());
    REQUIRE(rows_identical(Row(c.row(), c.row() + t.width()), it->first));
    REQUIRE(c.count() == it->second);
  }
  CHECK(it == model.end());
  if (model.empty()) {
    CHECK(t.first() == nullptr);
    return;
  }
  CHECK(rows_identical(Row(t.first(), t.first() + t.width()), model.begin()->first));
  CHECK(rows_identical(Row(t.last(), t.last() + t.width()), model.rbegin()->first));
  // Ranks and seeks at a few places.
  for (int k = 0; k < 20; ++k) {
    int64_t r = static_cast<int64_t>(next(rng) % static_cast<uint64_t>(total));
    int64_t skip = 0;
    OrderedRows::Cursor c = t.seek(r, &skip);
    REQUIRE(c.valid());
    Row found(c.row(), c.row() + t.width());
    int64_t before = 0;
    for (auto& [row, cnt] : model) {
      if (rows_identical(row, found)) break;
      before += cnt;
    }
    CHECK(before == t.rank(found.data()));
    CHECK(before + skip == r);
    CHECK(skip < c.count());
  }
}

TEST_CASE("OrderedRows keeps order, counts, ranks under splits and merges") {
  struct Setup {
    int width;
    std::vector<SortKey> keys;
    std::vector<Type> types;  // empty: no normalized keys
  };
  const std::vector<Type> types3 = {Type::kInt64, Type::kText, Type::kInt64};
  const std::vector<Setup> setups = {
      {1, {SortKey{0, true, true}}, {}},
      {1, {SortKey{0, false, false}}, {Type::kInt64}},
      {3, {SortKey{0, true, true}}, {}},
      {3, {SortKey{2, true, true}, SortKey{0, false, false}}, types3},   // words on nullable col 2, then col 0
      {3, {SortKey{2, false, true}}, types3},                            // NULLs first ascending, then tie-break words
      {3, {SortKey{2, false, false}, SortKey{1, true, false}}, types3},  // a text key stops the words
  };
  for (const Setup& setup : setups) {
    const int width = setup.width;
    SortSpec spec;
    spec.keys = setup.keys;
    spec.tiebreak_width = width;
    uint64_t rng = static_cast<uint64_t>(width) * 77 + setup.keys.size();
    OrderedRows t(width, &spec, setup.types);
    std::map<Row, int64_t, RowLess> model(RowLess{&spec});
    auto apply = [&](const Row& r, int64_t w) {
      int64_t before = t.add(r.data(), w);
      auto it = model.find(r);
      CHECK(before == (it == model.end() ? 0 : it->second));
      if (it == model.end()) {
        if (w > 0) model.emplace(r, w);
      } else if (it->second + w <= 0) {
        model.erase(it);
      } else {
        it->second += w;
      }
    };
    // Grow to many leaves, then shrink to nothing, then grow again.
    for (int i = 0; i < 30000; ++i) apply(make_row(rng, width, 100000), 1 + static_cast<int64_t>(next(rng) % 2));
    check_ordered(t, model, rng);
    std::vector<Row> keys;
    for (auto& [r, c] : model) keys.push_back(r);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i % 10 != 3) apply(keys[i], -1000);  // remove 90%, leaves nearly empty everywhere
    }
    check_ordered(t, model, rng);
    for (int i = 0; i < 20000; ++i) {
      Row r = make_row(rng, width, 500);
      apply(r, (next(rng) % 3 == 0) ? -1 : 1);
    }
    check_ordered(t, model, rng);
    for (auto& [r, c] : std::map<Row, int64_t, RowLess>(model)) apply(r, -c);
    check_ordered(t, model, rng);
    CHECK(t.empty());
    CHECK(t.bytes() == 0);
  }
}

}  // namespace
}  // namespace rindle::ivm

namespace rindle::ivm {
namespace {

TEST_CASE("OrderedRows stays ordered when a value's type differs from its column's") {
  SortSpec spec;
  spec.keys = {SortKey{0, false, false}};
  spec.tiebreak_width = 1;
  OrderedRows t(1, &spec, {Type::kInt64});
  for (int64_t i = 0; i < 300; ++i) {
    Value v = Value::int64((i * 7919) % 301);
    t.add(&v, 1);
  }
  Value f = Value::float64(150.5);  // switches the normalized words off
  t.add(&f, 1);
  Value g = Value::int64(-5);
  t.add(&g, 1);
  std::vector<double> seen;
  for (auto c = t.begin(); c.valid(); c.next()) {
    const Value& v = c.row()[0];
    seen.push_back(v.type() == Type::kFloat64 ? v.as_float64() : static_cast<double>(v.as_int64()));
  }
  REQUIRE(seen.size() == 302);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(t.rank(&f) == 1 + 151);  // -5, then 0..150
}

}  // namespace
}  // namespace rindle::ivm
