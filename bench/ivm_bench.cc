// Engine benchmark: the cost of one change as tables grow.
//
// Four views over a flights-like schema — (a) filter+project, (b) 3-way join,
// (c) group-by aggregate, (d) join + ORDER BY + LIMIT 50 — at several table
// sizes, with the engine keeping every column ("all") and only the columns
// views read ("read", the view registered before the load). Each measurement
// loads the tables, registers the view (hydration, not timed), then applies
// single-row updates of random flights, one transaction each (building the
// Batch is part of the measured loop, as it is for any caller), and reports
// per change: wall time, CPU time of the applying thread (robust on a shared
// machine: time spent descheduled is not counted), engine work (index probes
// + rows touched), bytes per stored flights row and view state bytes per
// flights row. The summary prints, per view and mode, the ratio of
// per-change time at the largest size to the smallest (goal: near 1, <= 1.5).
//
//   build/release/bench/ivm_bench                      sizes 10k 100k 1M 3M
//   RINDLE_BENCH_SIZES=10000,100000 build/.../ivm_bench   other sizes
//   RINDLE_BENCH_CHANGES=200000 ...                        more changes per measurement
//   RINDLE_BENCH_MODES=all ...                             one mode (all | read)
//   RINDLE_BENCH_VIEWS=join3,topk ...                      some views (scripts/bench.sh runs
//                                                          each view in its own process)
#include <benchmark/benchmark.h>

#include <time.h>

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

Query view_query(const std::string& name);

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Creates and loads the tables; with `early_view` the view is registered
// before any row is loaded (what kRead needs).
void make_tables(Engine& e, int64_t flights, const std::string* early_view) {
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
  if (early_view != nullptr) {
    Result<ViewId> v = e.add_view(*early_view, view_query(*early_view));
    if (!v.ok()) must(v.status());
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
  double wall_ns = 0;         // per change
  double cpu_ns = 0;          // per change, applying thread
  double work_per_change = 0;
  double table_bytes_per_row = 0;
  double view_bytes_per_row = 0;  // view state / flights rows
  uint32_t columns_stored = 0;
};
// view -> mode -> size -> result
std::map<std::string, std::map<std::string, std::map<int64_t, Measured>>> g_results;

void BM_change(benchmark::State& state, std::string view, std::string mode) {
  const int64_t size = state.range(0);
  EngineOptions options;
  options.columns = mode == "read" ? EngineOptions::Columns::kRead : EngineOptions::Columns::kAll;
  Engine e(options);
  make_tables(e, size, mode == "read" ? &view : nullptr);
  Result<ViewId> id = mode == "read" ? e.find_view(view) : e.add_view(view, view_query(view));
  if (!id.ok()) {
    state.SkipWithError(id.status().to_string().c_str());
    return;
  }
  uint64_t rng = 7;
  WorkCounters before = e.counters();
  int64_t changes = 0;
  const double cpu0 = thread_cpu_seconds();
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
  double cpu_ns = (thread_cpu_seconds() - cpu0) * 1e9;
  WorkCounters after = e.counters();
  Measured m;
  m.wall_ns = ns / static_cast<double>(changes);
  m.cpu_ns = cpu_ns / static_cast<double>(changes);
  m.work_per_change = static_cast<double>((after.index_probes - before.index_probes) +
                                          (after.rows_touched - before.rows_touched)) /
                      static_cast<double>(changes);
  TableStats ts = e.table_stats("flights");
  m.table_bytes_per_row = static_cast<double>(ts.bytes) / static_cast<double>(ts.rows);
  m.view_bytes_per_row = static_cast<double>(e.view_stats(*id).state_bytes) / static_cast<double>(ts.rows);
  m.columns_stored = ts.columns_stored;
  g_results[view][mode][size] = m;
  state.counters["cpu_changes/s"] = 1e9 / m.cpu_ns;
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

std::vector<std::string> modes() {
  const char* env = std::getenv("RINDLE_BENCH_MODES");
  std::string spec = env ? env : "all,read";
  std::vector<std::string> out;
  for (const char* m : {"all", "read"}) {
    if (spec.find(m) != std::string::npos) out.push_back(m);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> views = {"filter", "join3", "aggregate", "topk"};
  if (const char* env = std::getenv("RINDLE_BENCH_VIEWS")) {
    std::string spec = env;
    std::vector<std::string> chosen;
    for (const std::string& v : views) {
      if (spec.find(v) != std::string::npos) chosen.push_back(v);
    }
    views = chosen;
  }
  for (const std::string& v : views) {
    for (const std::string& mode : modes()) {
      auto* b = benchmark::RegisterBenchmark(("change/" + v + "/" + mode).c_str(), BM_change, v, mode);
      for (int64_t s : sizes()) b->Arg(s);
      b->Iterations(changes_per_run())->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  std::printf("\n== summary ==\n%-10s %-5s %9s %10s %10s %11s %8s %5s %9s %9s\n", "view", "cols", "rows", "wall us", "cpu us",
              "changes/s", "work", "cols", "table B/r", "view B/r");
  for (const auto& [view, by_mode] : g_results) {
    for (const auto& [mode, by_size] : by_mode) {
      for (const auto& [size, m] : by_size) {
        std::printf("%-10s %-5s %9lld %10.3f %10.3f %11.0f %8.1f %5u %9.0f %9.1f\n", view.c_str(), mode.c_str(),
                    static_cast<long long>(size), m.wall_ns / 1000, m.cpu_ns / 1000, 1e9 / m.cpu_ns,
                    m.work_per_change, m.columns_stored, m.table_bytes_per_row, m.view_bytes_per_row);
      }
    }
  }
  std::printf("\n(changes/s from cpu time; work = index probes + rows touched per change; cols = columns stored per\n"
              " flights row; table B/r = bytes per stored flights row; view B/r = view state bytes per flights row)\n");
  std::printf("\nratio of per-change time, largest size / smallest size (goal <= 1.5):\n");
  for (const auto& [view, by_mode] : g_results) {
    for (const auto& [mode, by_size] : by_mode) {
      if (by_size.size() < 2) continue;
      const Measured& lo = by_size.begin()->second;
      const Measured& hi = by_size.rbegin()->second;
      std::printf("  %-10s %-5s cpu %5.2fx   wall %5.2fx   work %5.2fx   (%lld -> %lld rows)\n", view.c_str(),
                  mode.c_str(), hi.cpu_ns / lo.cpu_ns, hi.wall_ns / lo.wall_ns, hi.work_per_change / lo.work_per_change,
                  static_cast<long long>(by_size.begin()->first), static_cast<long long>(by_size.rbegin()->first));
    }
  }
  return 0;
}
