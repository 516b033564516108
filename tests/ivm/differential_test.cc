// Randomized differential test: after every batch, every view of the engine
// equals the reference evaluator's fresh result (as a multiset, and in order
// where ordered), and the deltas the engine returned, replayed onto the
// previous contents, give the same rows. Views are registered before the
// initial load, after it, and mid-stream; some are dropped mid-stream and
// registered again (a late view must start equal to a fresh query). Odd seeds
// run the engine keeping only the columns views read (EngineOptions kRead),
// where a late view that needs a column no longer kept must be refused.
//
//   RINDLE_SEED=123 ivm_differential_tests     re-run one seed, verbosely
//   RINDLE_SEEDS=5000 ivm_differential_tests   run more seeds (default 1000)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ivm/engine.h"
#include "ivm/testing/random_workload.h"
#include "ivm/testing/reference.h"

namespace rindle::ivm::testing {
namespace {

// Seeds that once failed, kept as regression cases (run first, always):
//   3009220   OR short-circuit: the reference evaluated both sides (overflow in the second)
//   5543300   sum overflow in a group HAVING drops: the reference skipped the group's aggregates
//   6778664, 13129702, 24469710, 38898128   a one-table condition overflows on a row that joins
//             nothing: the engine evaluates it while scanning, the reference only after joining
//   39389106  a row inserted and deleted in one batch failed a view (batch deltas not consolidated)
const uint64_t kRegressionSeeds[] = {0, 3009220, 5543300, 6778664, 13129702, 24469710, 38898128, 39389106};

bool values_match(const Value& a, const Value& b) {
  if (a.type() == Type::kFloat64 && b.type() == Type::kFloat64) {
    double x = a.as_float64(), y = b.as_float64();
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    return std::fabs(x - y) <= 1e-9 * std::max(1.0, std::max(std::fabs(x), std::fabs(y)));
  }
  return identical(a, b);
}

bool rows_match(const Row& a, const Row& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!values_match(a[i], b[i])) return false;
  }
  return true;
}

void sort_rows(std::vector<Row>& rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      int c = sort_compare(a[i], b[i], false, false);
      if (c != 0) return c < 0;
    }
    return a.size() < b.size();
  });
}

// Equal as sequences (ordered) or as multisets.
bool same_rows(std::vector<Row> a, std::vector<Row> b, bool ordered) {
  if (a.size() != b.size()) return false;
  if (!ordered) {
    sort_rows(a);
    sort_rows(b);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (!rows_match(a[i], b[i])) return false;
  }
  return true;
}

std::string show(const std::vector<Row>& rows) {
  std::string s;
  for (const Row& r : rows) s += "    " + row_to_string(r) + "\n";
  return s.empty() ? "    (none)\n" : s;
}

std::string show_batch(const Batch& b) {
  std::string s;
  for (const Change& c : b.changes) {
    const char* k = c.kind == ChangeKind::kInsert ? "insert" : c.kind == ChangeKind::kDelete ? "delete" : "update";
    s += std::string("    ") + k + " " + c.table + " key" + row_to_string(c.key) + " row" + row_to_string(c.row) + "\n";
  }
  return s;
}

// Applies a view's delta to its previous rows, following the documented rules.
std::vector<Row> replay(std::vector<Row> rows, const ViewDelta& d, bool ordered, std::string* error) {
  if (ordered) {
    std::vector<std::pair<int64_t, const Row*>> dels, ins;
    for (const ViewChange& c : d.changes) {
      if (c.kind != ChangeKind::kInsert) dels.emplace_back(c.old_pos, &c.old_row);
      if (c.kind != ChangeKind::kDelete) ins.emplace_back(c.new_pos, &c.new_row);
    }
    std::sort(dels.begin(), dels.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::sort(ins.begin(), ins.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& [pos, row] : dels) {
      if (pos < 0 || pos >= static_cast<int64_t>(rows.size()) || !rows_match(rows[pos], *row)) {
        *error = "delete at position " + std::to_string(pos) + " does not hold " + row_to_string(*row);
        return rows;
      }
      rows.erase(rows.begin() + pos);
    }
    for (auto& [pos, row] : ins) {
      if (pos < 0 || pos > static_cast<int64_t>(rows.size())) {
        *error = "insert at position " + std::to_string(pos) + " is out of range";
        return rows;
      }
      rows.insert(rows.begin() + pos, *row);
    }
    return rows;
  }
  for (const ViewChange& c : d.changes) {
    if (c.kind != ChangeKind::kInsert) {
      auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return rows_match(r, c.old_row); });
      if (it == rows.end()) {
        *error = "delta deletes a row the view does not have: " + row_to_string(c.old_row);
        return rows;
      }
      rows.erase(it);
    }
    if (c.kind != ChangeKind::kDelete) rows.push_back(c.new_row);
  }
  return rows;
}

struct Stats {
  int cases = 0;
  int views = 0;
  int unsupported = 0;
  int refused_columns = 0;
  int dropped = 0;
  int data_errors = 0;
  int checks = 0;
};

struct Case {
  uint64_t seed;
  bool verbose;
  Stats* stats;

  struct ViewUnderTest {
    Query query;
    ViewId id = 0;
    bool live = false;
    bool failed = false;
    bool dropped = false;
    std::vector<Row> rows;  // contents after the last batch, from deltas
  };

  // Returns "" or a description of the first mismatch.
  std::string run() {
    Rng rng(seed);
    std::vector<TableSchema> schema = random_schema(rng);
    ChangeGenerator gen(schema, seed);
    EngineOptions options;
    const bool read_columns = seed % 2 == 1;
    if (read_columns) options.columns = EngineOptions::Columns::kRead;
    Engine engine(options);
    RefDatabase db;
    for (const TableSchema& t : schema) {
      if (!engine.create_table(t).ok()) return "create_table failed";
      db[t.name] = RefTable{t, {}};
    }
    const int view_count = 2 + rng.below(3);
    std::vector<ViewUnderTest> views(static_cast<size_t>(view_count));
    for (auto& v : views) v.query = random_query(rng, schema);

    std::string err;
    int names = 0;
    auto add = [&](ViewUnderTest& v, int n) -> bool {
      Result<ViewId> id = engine.add_view("v" + std::to_string(n) + "_" + std::to_string(names++), v.query);
      if (!id.ok()) {
        if (read_columns && id.status().code() == Code::kUnsupported &&
            id.status().message().find("which this engine does not keep") != std::string::npos) {
          ++stats->refused_columns;
          if (verbose) std::printf("  refused (columns not kept): %s\n", id.status().message().c_str());
          return true;
        }
        if (id.status().code() == Code::kUnsupported) {
          ++stats->unsupported;
          if (verbose) std::printf("  unsupported: %s\n    %s\n", id.status().message().c_str(), to_sql(v.query).c_str());
          return true;
        }
        err = "engine refused a valid query: " + id.status().to_string() + "\n  query: " + to_sql(v.query);
        return false;
      }
      v.id = *id;
      v.live = true;
      v.rows = engine.view_rows(v.id);
      ++stats->views;
      return true;
    };
    // Some views exist before the initial load, some are added after it, the
    // rest mid-stream.
    int added = 0;
    for (; added < view_count / 2; ++added) {
      if (!add(views[added], added)) return err;
    }
    auto initial = gen.initial_rows(3 + rng.below(6));
    for (auto& [name, rows] : initial) {
      Status s = engine.load(name, rows);
      if (!s.ok()) return "load failed: " + s.to_string();
      db[name].rows = rows;
    }
    for (auto& v : views) {
      if (v.live) v.rows = engine.view_rows(v.id);
    }
    if (!add(views[added], added)) return err;
    ++added;
    if (std::string e = check_all(engine, db, views, nullptr, nullptr); !e.empty()) return e;

    const int batches = 6 + rng.below(10);
    for (int b = 0; b < batches; ++b) {
      if (added < view_count && rng.chance(25)) {
        if (!add(views[added], added)) return err;
        ++added;
      }
      // Drop a view now and then, and register a dropped one again.
      const int pick = rng.below(added);
      if (rng.chance(10) && views[pick].live) {
        if (Status s = engine.drop_view(views[pick].id); !s.ok()) return "drop_view failed: " + s.to_string();
        views[pick].live = false;
        views[pick].failed = false;
        views[pick].dropped = true;
        ++stats->dropped;
      } else if (rng.chance(20) && views[pick].dropped) {
        views[pick].dropped = false;
        if (!add(views[pick], pick)) return err;
      }
      Batch batch = gen.next_batch(1 + rng.below(8));
      Result<std::vector<ViewDelta>> deltas = engine.apply(batch);
      if (!deltas.ok()) return "apply failed: " + deltas.status().to_string() + "\n  batch:\n" + show_batch(batch);
      apply_to_reference(batch, &db);
      if (std::string e = check_all(engine, db, views, &*deltas, &batch); !e.empty()) return e;
    }
    return "";
  }

  std::string check_all(Engine& engine, const RefDatabase& db, std::vector<ViewUnderTest>& views,
                        const std::vector<ViewDelta>* deltas, const Batch* batch) {
    for (auto& v : views) {
      if (!v.live || v.failed) continue;
      ++stats->checks;
      Result<RefResult> expected = evaluate(v.query, db);
      Status status = engine.view_status(v.id);
      std::string context = "\n  query: " + to_sql(v.query) + (batch ? "\n  batch:\n" + show_batch(*batch) : "\n");
      if (!expected.ok()) {
        if (expected.status().code() == Code::kDataError && status.code() == Code::kDataError) {
          v.failed = true;
          ++stats->data_errors;
          continue;
        }
        return "reference failed: " + expected.status().to_string() + ", engine: " + status.to_string() + context;
      }
      if (!status.ok()) return "view failed but the reference did not: " + status.to_string() + context;
      std::vector<Row> actual = engine.view_rows(v.id);
      bool ordered = engine.view_info(v.id)->ordered;
      if (!same_rows(expected->rows, actual, ordered && expected->ordered)) {
        return std::string("view differs from a fresh evaluation") + context + "  expected:\n" +
               show(expected->rows) + "  actual:\n" + show(actual);
      }
      if (deltas) {
        const ViewDelta* mine = nullptr;
        for (const ViewDelta& d : *deltas) {
          if (d.view == v.id) mine = &d;
        }
        std::string err;
        std::vector<Row> replayed = mine ? replay(v.rows, *mine, ordered, &err) : v.rows;
        if (!err.empty()) return "bad delta: " + err + context;
        if (!same_rows(replayed, actual, ordered)) {
          return "the deltas do not replay to the view" + context + "  replayed:\n" + show(replayed) +
                 "  actual:\n" + show(actual);
        }
        // Keyed views: an update keeps its key.
        const std::vector<int>& key = engine.view_info(v.id)->key;
        if (mine && !key.empty()) {
          for (const ViewChange& c : mine->changes) {
            if (c.kind != ChangeKind::kUpdate) continue;
            for (int k : key) {
              if (!identical(c.old_row[k], c.new_row[k])) return "an update changed the view key" + context;
            }
          }
        }
      }
      v.rows = actual;
    }
    return "";
  }
};

int seed_count() {
  const char* env = std::getenv("RINDLE_SEEDS");
  return env ? std::atoi(env) : 1000;
}

TEST_CASE("engine views equal the reference evaluator on random workloads") {
  Stats stats;
  std::vector<uint64_t> seeds(std::begin(kRegressionSeeds), std::end(kRegressionSeeds));
  if (const char* one = std::getenv("RINDLE_SEED")) {
    seeds = {std::strtoull(one, nullptr, 10)};
  } else {
    for (int i = 1; i <= seed_count(); ++i) seeds.push_back(static_cast<uint64_t>(i) * 7919);
  }
  int failures = 0;
  for (uint64_t seed : seeds) {
    Case c{seed, seeds.size() == 1, &stats};
    std::string err = c.run();
    ++stats.cases;
    if (!err.empty()) {
      ++failures;
      std::printf("FAILED seed %llu (re-run: RINDLE_SEED=%llu)\n  %s\n", static_cast<unsigned long long>(seed),
                  static_cast<unsigned long long>(seed), err.c_str());
      if (failures >= 5) break;
    }
  }
  std::printf("differential: %d cases (seeds %llu..%llu step 7919 after %zu regression seeds; re-run one with "
              "RINDLE_SEED=), %d views, %d checks, %d dropped and re-added mid-stream, %d refused as unsupported, "
              "%d refused for columns not kept, %d data errors (both)\n",
              stats.cases, static_cast<unsigned long long>(seeds.size() > 1 ? seeds[std::size(kRegressionSeeds)] : seeds[0]),
              static_cast<unsigned long long>(seeds.back()), std::size(kRegressionSeeds), stats.views, stats.checks,
              stats.dropped, stats.unsupported, stats.refused_columns, stats.data_errors);
  CHECK(failures == 0);
  CHECK(stats.views > stats.cases);  // the workloads really exercise views
}

}  // namespace
}  // namespace rindle::ivm::testing
