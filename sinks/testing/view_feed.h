// Test support: a real engine fed random source transactions (the ivm random
// workload), whose view deltas are turned into ViewTxns for sinks, plus the
// row comparisons sink tests need. Header-only; tests only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "ivm/engine.h"
#include "ivm/testing/random_workload.h"
#include "ivm/testing/reference.h"
#include "sinks/sink.h"

namespace rindle::sinks::testing {

inline uint64_t seed_from_env(uint64_t fallback) {
  const char* s = std::getenv("RINDLE_SEED");
  return s ? std::strtoull(s, nullptr, 10) : fallback;
}

inline bool values_match(const ivm::Value& a, const ivm::Value& b) {
  if (a.type() == ivm::Type::kFloat64 && b.type() == ivm::Type::kFloat64) {
    double x = a.as_float64(), y = b.as_float64();
    if (x == y) return true;  // also equal infinities
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    return std::fabs(x - y) <= 1e-9 * std::max(1.0, std::max(std::fabs(x), std::fabs(y)));
  }
  return ivm::identical(a, b);
}

inline void sort_rows(std::vector<ivm::Row>& rows) {
  std::sort(rows.begin(), rows.end(), [](const ivm::Row& a, const ivm::Row& b) {
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      int c = ivm::sort_compare(a[i], b[i], false, false);
      if (c != 0) return c < 0;
    }
    return a.size() < b.size();
  });
}

// Equal as sequences (ordered) or as multisets; floats within 1e-9 relative.
inline bool same_rows(std::vector<ivm::Row> a, std::vector<ivm::Row> b, bool ordered) {
  if (a.size() != b.size()) return false;
  if (!ordered) {
    sort_rows(a);
    sort_rows(b);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (size_t j = 0; j < a[i].size(); ++j) {
      if (!values_match(a[i][j], b[i][j])) return false;
    }
  }
  return true;
}

inline std::string show(const std::vector<ivm::Row>& rows) {
  std::string s;
  for (const ivm::Row& r : rows) s += "    " + ivm::row_to_string(r) + "\n";
  return s.empty() ? "    (none)\n" : s;
}

// The sink's view of an engine view.
inline ViewShape shape_of(const ivm::Engine& e, ivm::ViewId id, const ivm::Query& q) {
  const ivm::ViewInfo* info = e.view_info(id);
  ViewShape s;
  s.view = info->name;
  for (const ivm::OutputColumn& c : info->columns) s.columns.push_back({c.name, default_pg_type(c.type), c.type});
  s.key = info->key;
  s.ordered = info->ordered;
  s.fingerprint = ivm::to_sql(q);
  return s;
}

// An engine with random tables and views, and a reference database beside it.
struct Feed {
  explicit Feed(uint64_t seed, int views, int rows_per_table = 20)
      : rng(seed), schema(ivm::testing::random_schema(rng)), gen(schema, seed) {
    for (const ivm::TableSchema& t : schema) {
      (void)engine.create_table(t);
      ref[t.name] = ivm::testing::RefTable{t, {}};
    }
    for (auto& [table, rows] : gen.initial_rows(rows_per_table)) {
      (void)engine.load(table, rows);
      ref[table].rows = rows;
    }
    for (int i = 0; i < views * 4 && static_cast<int>(ids.size()) < views; ++i) {
      ivm::Query q = ivm::testing::random_query(rng, schema);
      auto v = engine.add_view("v" + std::to_string(i), q);
      if (!v.ok()) continue;
      ids.push_back(*v);
      queries.push_back(q);
    }
  }

  // Applies one random batch at `lsn`; returns the view deltas as ViewTxns by view index.
  std::map<size_t, ViewTxn> step(Lsn lsn, int max_changes = 6) {
    ivm::Batch b = gen.next_batch(max_changes);
    b.lsn = lsn;
    b.commit_ts = static_cast<int64_t>(lsn) * 1000;
    std::map<size_t, ViewTxn> out;
    auto deltas = engine.apply(b);
    if (!deltas.ok()) return out;
    ivm::testing::apply_to_reference(b, &ref);
    for (const ivm::ViewDelta& d : *deltas) {
      for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] == d.view && !d.changes.empty()) out[i] = detach(d, b.commit_ts);
      }
    }
    return out;
  }

  bool healthy(size_t i) const { return engine.view_status(ids[i]).ok(); }
  std::vector<ivm::Row> rows(size_t i) const { return engine.view_rows(ids[i]); }
  ViewShape shape(size_t i) const { return shape_of(engine, ids[i], queries[i]); }
  // The reference evaluator's fresh result (the oracle), if it succeeds.
  bool reference_rows(size_t i, std::vector<ivm::Row>* out) const {
    auto r = ivm::testing::evaluate(queries[i], ref);
    if (!r.ok()) return false;
    *out = r->rows;
    return true;
  }

  ivm::testing::Rng rng;
  std::vector<ivm::TableSchema> schema;
  ivm::testing::ChangeGenerator gen;
  ivm::Engine engine;
  ivm::testing::RefDatabase ref;
  std::vector<ivm::ViewId> ids;
  std::vector<ivm::Query> queries;
};

}  // namespace rindle::sinks::testing
