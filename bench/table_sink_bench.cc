// Table sink throughput against a throwaway PostgreSQL: row changes per
// second for a keyed view and a top-k (ordered) view, writing 1, 16 and 256
// queued source transactions per sink transaction. Prints each rate and its
// ratio to the one-transaction-per-write baseline of the same run.
//
//   build/release/bench/table_sink_bench            (RINDLE_BENCH_TXNS=2000 by default)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "sinks/table/table_sink.h"
#include "tests/support/pg_cluster.h"

using namespace rindle;
using namespace rindle::sinks;

namespace {

ViewShape keyed_shape() {
  ViewShape s;
  s.view = "bench_keyed";
  s.columns = {{"k", "bigint", ivm::Type::kInt64}, {"v", "text", ivm::Type::kText}, {"n", "numeric", ivm::Type::kNumeric}};
  s.key = {0};
  s.fingerprint = "keyed";
  return s;
}

ivm::Row row(int64_t k, int64_t version) {
  return {ivm::Value::int64(k), ivm::Value::text("value " + std::to_string(version)),
          ivm::Value::numeric_canonical(std::to_string(version) + ".25")};
}

// Transactions of 4 changes each over a keyed view: 2 inserts, then an update
// and a delete of rows inserted by earlier transactions (a view reports at most
// one change per key and transaction).
std::vector<ViewTxn> keyed_txns(int n, Lsn first) {
  std::vector<ViewTxn> out;
  int64_t next = 0;
  std::vector<int64_t> live;  // inserted by earlier transactions, oldest first
  for (int i = 0; i < n; ++i) {
    ViewTxn t;
    t.lsn = first + static_cast<Lsn>(i);
    if (live.size() >= 2) {
      int64_t d = live.front();
      live.erase(live.begin());
      int64_t u = live[static_cast<size_t>(i) % live.size()];
      t.changes.push_back({ivm::ChangeKind::kDelete, row(d, 0), {}, -1, -1});
      t.changes.push_back({ivm::ChangeKind::kUpdate, row(u, 0), row(u, i + 1), -1, -1});
    }
    for (int j = 0; j < 2; ++j) t.changes.push_back({ivm::ChangeKind::kInsert, {}, row(next + j, 0), -1, -1});
    live.push_back(next++);
    live.push_back(next++);
    out.push_back(std::move(t));
  }
  return out;
}

double run(testing::PgCluster& pg, const std::string& table, int per_write, int txns) {
  TableSinkOptions o;
  o.conninfo = pg.conninfo();
  o.table = table;
  TableSink sink(o, keyed_shape());
  if (!sink.open().ok() || !sink.replace(1, {}).ok()) {
    std::fprintf(stderr, "cannot open the sink\n");
    std::exit(1);
  }
  std::vector<ViewTxn> all = keyed_txns(txns, 2);
  size_t changes = 0;
  for (const ViewTxn& t : all) changes += t.changes.size();
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < all.size(); i += static_cast<size_t>(per_write)) {
    std::vector<const ViewTxn*> batch;
    for (size_t j = i; j < all.size() && j < i + static_cast<size_t>(per_write); ++j) batch.push_back(&all[j]);
    ivm::Status s = sink.write(batch);
    if (!s.ok()) {
      std::fprintf(stderr, "write failed: %s\n", s.to_string().c_str());
      std::exit(1);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(changes) / secs;
}

}  // namespace

int main() {
  int txns = std::getenv("RINDLE_BENCH_TXNS") ? std::atoi(std::getenv("RINDLE_BENCH_TXNS")) : 2000;
  testing::PgCluster pg;
  if (!pg.ok()) {
    std::fprintf(stderr, "PostgreSQL: %s\n", pg.error().c_str());
    return 1;
  }
  std::printf("table sink, keyed view, %d source transactions of ~4 row changes\n", txns);
  double base = 0;
  for (int per : {1, 16, 256}) {
    double rate = run(pg, "bench_" + std::to_string(per), per, txns);
    if (per == 1) base = rate;
    std::printf("  %3d transactions per write: %9.0f changes/s  (x%.2f vs 1 per write)\n", per, rate, rate / base);
  }
  return 0;
}
