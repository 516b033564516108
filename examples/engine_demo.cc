// A live demo of the engine alone: a flights table, four views, and a stream
// of single-row writes. For each write it prints the change and every view's
// incremental delta (rows inserted / deleted / updated, with positions for
// the ordered view) and the engine time it took.
//
//   engine_demo [--writes N] [--rows N] [--delay-ms N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "ivm/engine.h"

using namespace rindle::ivm;

namespace {

uint64_t rng_state = 2024;
uint64_t next_random() {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

const char* kAirports[] = {"SFO", "LAX", "JFK", "ORD", "SEA", "DEN", "ATL", "BOS"};

Row flight(int64_t id) {
  return {Value::int64(id), Value::text(kAirports[next_random() % 8]), Value::text(kAirports[next_random() % 8]),
          Value::int64(static_cast<int64_t>(next_random() % 180) - 20)};
}

void check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "engine_demo: %s\n", s.to_string().c_str());
    std::exit(1);
  }
}

Query parse_view(const char* which) {
  Query q;
  Select s;
  s.from.push_back(TableRef{"flights", "", JoinKind::kNone, std::nullopt, {}});
  if (std::strcmp(which, "late_from_sfo") == 0) {
    s.items = {{col("id"), ""}, {col("dest"), ""}, {col("delay"), ""}};
    s.where = and_({cmp(CmpOp::kEq, col("origin"), lit_text("SFO")), cmp(CmpOp::kGt, col("delay"), lit_int(60))});
  } else if (std::strcmp(which, "delay_by_origin") == 0) {
    s.items = {{col("origin"), ""}, {count_star(), "flights"}, {agg(AggFn::kMax, col("delay")), "worst"}};
    s.group_by = {col("origin")};
  } else {  // top5_delayed
    s.items = {{col("id"), ""}, {col("origin"), ""}, {col("delay"), ""}};
    q.order_by = {OrderItem{col("delay"), true, std::nullopt}, OrderItem{col("id"), false, std::nullopt}};
    q.limit = 5;
  }
  q.selects.push_back(std::move(s));
  return q;
}

}  // namespace

int main(int argc, char** argv) {
  int writes = 30, rows = 100000, delay_ms = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--writes") == 0) writes = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--rows") == 0) rows = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--delay-ms") == 0) delay_ms = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: engine_demo [--writes N] [--rows N] [--delay-ms N]\n");
      return 2;
    }
  }
  Engine e;
  check(e.create_table(TableSchema{"flights",
                                   {{"id", Type::kInt64, false}, {"origin", Type::kText}, {"dest", Type::kText},
                                    {"delay", Type::kInt64}},
                                   {0}}));
  std::vector<Row> initial;
  for (int i = 0; i < rows; ++i) initial.push_back(flight(i));
  auto t0 = std::chrono::steady_clock::now();
  check(e.load("flights", initial));
  const char* names[] = {"late_from_sfo", "delay_by_origin", "top5_delayed"};
  for (const char* n : names) {
    Result<ViewId> v = e.add_view(n, parse_view(n));
    check(v.status());
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("loaded %d flights and computed 3 views in %.0f ms\n\n", rows, ms);
  std::printf("top5_delayed now:\n");
  for (const Row& r : e.view_rows(*e.find_view("top5_delayed"))) std::printf("  %s\n", row_to_string(r).c_str());

  for (int w = 0; w < writes; ++w) {
    int64_t id = static_cast<int64_t>(next_random() % static_cast<uint64_t>(rows));
    Row row = flight(id);
    std::printf("\nwrite %d: flight %lld is now %s\n", w + 1, static_cast<long long>(id), row_to_string(row).c_str());
    Batch b{static_cast<uint64_t>(w + 1), 0, {Change{ChangeKind::kUpdate, "flights", {Value::int64(id)}, row}}};
    auto start = std::chrono::steady_clock::now();
    Result<std::vector<ViewDelta>> deltas = e.apply(b);
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    check(deltas.status());
    std::printf("  engine time %.1f us, %zu view(s) changed\n", us, deltas->size());
    for (const ViewDelta& d : *deltas) {
      std::printf("  %s:\n", e.view_info(d.view)->name.c_str());
      for (const ViewChange& c : d.changes) {
        if (c.kind == ChangeKind::kInsert)
          std::printf("    + %s%s\n", row_to_string(c.new_row).c_str(),
                      c.new_pos >= 0 ? (" at " + std::to_string(c.new_pos)).c_str() : "");
        else if (c.kind == ChangeKind::kDelete)
          std::printf("    - %s%s\n", row_to_string(c.old_row).c_str(),
                      c.old_pos >= 0 ? (" from " + std::to_string(c.old_pos)).c_str() : "");
        else
          std::printf("    ~ %s -> %s\n", row_to_string(c.old_row).c_str(), row_to_string(c.new_row).c_str());
      }
    }
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
  return 0;
}
