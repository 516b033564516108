// Engine benchmark: the cost of one change as tables grow.
//
// Four views over a flights-like schema — (a) filter+project, (b) 3-way join,
// (c) group-by aggregate, (d) join + ORDER BY + LIMIT 50 — at several table
// sizes. Each measurement loads the tables, registers the view (hydration,
// not timed), then applies single-row updates of random flights, one
// transaction each, and reports time and engine work (index probes + rows
// touched) per change. The summary prints, per view, the ratio of per-change
// time at the largest size to the smallest (goal: near 1, <= 1.5), changes/s
// and bytes per stored row.
//
//   build/release/bench/ivm_bench                      sizes 10k 100k 1M 3M
//   RINDLE_BENCH_SIZES=10000,100000 build/.../ivm_bench   other sizes
//   RINDLE_BENCH_CHANGES=200000 ...                        more changes per measurement
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "ivm/engine.h"

using namespace rindle::ivm;

namespace {

constexpr int kAirports = 1000;
int changes_per_run() {
  const char* env = std::getenv("RINDLE_BENCH_CHANGES");
  return env ? std::atoi(env) : 20000;
}

uint64_t next_random(uint64_t& s) {  // splitmix64
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Row flight(int64_t id, uint64_t& rng) {
  return {Value::int64(id), Value::int64(static_cast<int64_t>(next_random(rng) % kAirports)),
          Value::int64(static_cast<int64_t>(next_random(rng) % kAirports)),
          Value::int64(static_cast<int64_t>(next_random(rng) % 240) - 30),
          Value::int64(static_cast<int64_t>(next_random(rng) % 3000))};
}

void make_tables(Engine& e, int64_t flights) {
  auto must = [](const Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "bench setup: %s\n", s.to_string().c_str());
      std::abort();
    }
  };
  must(e.create_table(TableSchema{"flights",
                                  {{"id", Type::kInt64, false},
                                   {"origin", Type::kInt64},
                                   {"dest", Type::kInt64},
                                   {"delay", Type::kInt64},
                                   {"distance", Type::kInt64}},
                                  {0}}));
  must(e.create_table(TableSchema{"airports",
                                  {{"id", Type::kInt64, false}, {"state", Type::kText}, {"name", Type::kText}},
                                  {0}}));
  std::vector<Row> airports;
  static const char* kStates[] = {"CA", "TX", "NY", "FL", "WA", "IL", "CO", "GA"};
  for (int i = 0; i < kAirports; ++i) {
    airports.push_back({Value::int64(i), Value::text(kStates[i % 8]), Value::text("Airport " + std::to_string(i))});
  }
  must(e.load("airports", airports));
  uint64_t rng = 42;
  const int64_t chunk = 500000;
  for (int64_t start = 0; start < flights; start += chunk) {
    std::vector<Row> rows;
    for (int64_t id = start; id < std::min(flights, start + chunk); ++id) rows.push_back(flight(id, rng));
    must(e.load("flights", rows));
  }
}

Query view_query(const std::string& name) {
  Query q;
  Select s;
  auto from = [&](std::string t, std::string alias) { s.from.push_back(TableRef{t, alias, JoinKind::kNone, std::nullopt, {}}); };
  auto join = [&](std::string t, std::string alias, Expr on) {
    s.from.push_back(TableRef{t, alias, JoinKind::kInner, std::move(on), {}});
  };
  if (name == "filter") {
    from("flights", "");
    s.items = {{col("id"), ""}, {arith(ArithOp::kMul, col("delay"), lit_int(2)), "d2"}};
    s.where = and_({cmp(CmpOp::kEq, col("origin"), lit_int(7)), cmp(CmpOp::kGt, col("delay"), lit_int(30))});
  } else if (name == "join3") {
    from("flights", "f");
    join("airports", "o", cmp(CmpOp::kEq, col("f", "origin"), col("o", "id")));
    join("airports", "d", cmp(CmpOp::kEq, col("f", "dest"), col("d", "id")));
    s.items = {{col("f", "id"), ""}, {col("o", "name"), "origin_name"}, {col("d", "name"), "dest_name"}};
    s.where = cmp(CmpOp::kEq, col("o", "state"), lit_text("CA"));
  } else if (name == "aggregate") {
    from("flights", "");
    s.items = {{col("origin"), ""},
               {count_star(), "n"},
               {agg(AggFn::kAvg, col("delay")), "avg_delay"},
               {agg(AggFn::kMax, col("delay")), "max_delay"}};
    s.group_by = {col("origin")};
  } else {  // topk
    from("flights", "f");
    join("airports", "o", cmp(CmpOp::kEq, col("f", "origin"), col("o", "id")));
    s.items = {{col("f", "id"), ""}, {col("f", "delay"), ""}, {col("o", "name"), ""}};
    q.order_by = {OrderItem{col("delay"), true, std::nullopt}, OrderItem{col("id"), false, std::nullopt}};
    q.limit = 50;
  }
  q.selects.push_back(std::move(s));
  return q;
}

struct Measured {
  double ns_per_change = 0;
  double work_per_change = 0;
  double bytes_per_row = 0;
  double load_seconds = 0;
};
std::map<std::string, std::map<int64_t, Measured>> g_results;

void BM_change(benchmark::State& state, std::string view) {
  const int64_t size = state.range(0);
  auto t0 = std::chrono::steady_clock::now();
  Engine e;
  make_tables(e, size);
  Result<ViewId> id = e.add_view(view, view_query(view));
  if (!id.ok()) {
    state.SkipWithError(id.status().to_string().c_str());
    return;
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t rng = 7;
  WorkCounters before = e.counters();
  int64_t changes = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    int64_t id_to_change = static_cast<int64_t>(next_random(rng) % static_cast<uint64_t>(size));
    Batch b;
    b.lsn = static_cast<uint64_t>(++changes);
    b.changes.push_back(Change{ChangeKind::kUpdate, "flights", {Value::int64(id_to_change)}, flight(id_to_change, rng)});
    auto r = e.apply(b);
    benchmark::DoNotOptimize(r);
  }
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  WorkCounters after = e.counters();
  Measured m;
  m.ns_per_change = ns / static_cast<double>(changes);
  m.work_per_change = static_cast<double>((after.index_probes - before.index_probes) +
                                          (after.rows_touched - before.rows_touched)) /
                      static_cast<double>(changes);
  TableStats ts = e.table_stats("flights");
  m.bytes_per_row = static_cast<double>(ts.bytes) / static_cast<double>(ts.rows);
  m.load_seconds = load_s;
  g_results[view][size] = m;
  state.counters["changes/s"] = 1e9 / m.ns_per_change;
  state.counters["work/change"] = m.work_per_change;
  state.counters["view_state_MB"] = static_cast<double>(e.view_stats(*id).state_bytes) / 1e6;
}

std::vector<int64_t> sizes() {
  std::vector<int64_t> out;
  const char* env = std::getenv("RINDLE_BENCH_SIZES");
  std::string spec = env ? env : "10000,100000,1000000,3000000";
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    out.push_back(std::stoll(spec.substr(pos, comma - pos)));
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> views = {"filter", "join3", "aggregate", "topk"};
  for (const std::string& v : views) {
    auto* b = benchmark::RegisterBenchmark(("change/" + v).c_str(), BM_change, v);
    for (int64_t s : sizes()) b->Arg(s);
    b->Iterations(changes_per_run())->Unit(benchmark::kMicrosecond)->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  std::printf("\n%-10s %10s %12s %12s %12s %10s\n", "view", "rows", "us/change", "changes/s", "work/change",
              "B/row");
  for (const auto& [view, by_size] : g_results) {
    for (const auto& [size, m] : by_size) {
      std::printf("%-10s %10lld %12.3f %12.0f %12.1f %10.0f\n", view.c_str(), static_cast<long long>(size),
                  m.ns_per_change / 1000, 1e9 / m.ns_per_change, m.work_per_change, m.bytes_per_row);
    }
  }
  std::printf("\nratio of per-change cost, largest size / smallest size (goal <= 1.5):\n");
  for (const auto& [view, by_size] : g_results) {
    if (by_size.size() < 2) continue;
    const Measured& lo = by_size.begin()->second;
    const Measured& hi = by_size.rbegin()->second;
    std::printf("  %-10s time %5.2fx   work %5.2fx   (%lld -> %lld rows)\n", view.c_str(),
                hi.ns_per_change / lo.ns_per_change, hi.work_per_change / lo.work_per_change,
                static_cast<long long>(by_size.begin()->first), static_cast<long long>(by_size.rbegin()->first));
  }
  return 0;
}
