// Delivery throughput of every sink kind on the same workload, side by side:
// row changes per second written to the table sink (a throwaway PostgreSQL),
// the Redis sink in each layout (a throwaway redis-server, appendfsync
// always) and the webhook sink (a local HTTP receiver on loopback that checks
// signatures and deduplicates), with 1 and 16 queued source transactions per
// write. Prints each rate and its ratio to the table sink at the same batch
// size, measured in the same run.
//
//   build/release/bench/sinks_bench            (RINDLE_BENCH_TXNS=2000 by default)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "sinks/redis/redis_sink.h"
#include "sinks/table/table_sink.h"
#include "sinks/testing/redis_server.h"
#include "sinks/testing/webhook_receiver.h"
#include "sinks/webhook/webhook_sink.h"
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

// Transactions of 4 changes (2 inserts, an update, a delete), as in table_sink_bench.
std::vector<ViewTxn> keyed_txns(int n, Lsn first) {
  std::vector<ViewTxn> out;
  int64_t next = 0;
  std::vector<int64_t> live;
  for (int i = 0; i < n; ++i) {
    ViewTxn t;
    t.lsn = first + static_cast<Lsn>(i);
    t.commit_ts = 1700000000000000 + i;
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

double run(SinkWriter& sink, int per_write, int txns) {
  auto st = sink.open();
  if (!st.ok() || !sink.replace(1, {}).ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", sink.describe().c_str(), st.ok() ? "replace failed" : st.status().to_string().c_str());
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
      std::fprintf(stderr, "%s: write failed: %s\n", sink.describe().c_str(), s.to_string().c_str());
      std::exit(1);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(changes) / secs;
}

}  // namespace

int main() {
  int txns = std::getenv("RINDLE_BENCH_TXNS") ? std::atoi(std::getenv("RINDLE_BENCH_TXNS")) : 2000;
  rindle::testing::PgCluster pg;
  if (!pg.ok()) {
    std::fprintf(stderr, "PostgreSQL: %s\n", pg.error().c_str());
    return 1;
  }
  sinks::testing::RedisServer redis;
  if (!redis.ok()) {
    std::fprintf(stderr, "redis: %s\n", redis.error().c_str());
    return 1;
  }
  sinks::testing::WebhookReceiver receiver("bench-secret");
  char tmpl[] = "/tmp/rindle-sinks-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  std::string dir = tmpl;
  std::printf("keyed view, %d source transactions of ~4 row changes; changes/s (ratio to the table sink)\n", txns);
  for (int per : {1, 16}) {
    int n = 0;
    auto fresh = [&] { return "b" + std::to_string(per) + "_" + std::to_string(n++); };
    TableSinkOptions to;
    to.conninfo = pg.conninfo();
    to.table = fresh();
    TableSink table(to, keyed_shape());
    double base = run(table, per, txns);
    std::printf("  %2d per write  table              %9.0f  (x1.00)\n", per, base);
    for (RedisLayout layout : {RedisLayout::kHash, RedisLayout::kJson, RedisLayout::kStream}) {
      RedisSinkOptions ro;
      ro.port = redis.port();
      ro.prefix = fresh();
      ro.layout = layout;
      RedisSink rs(ro, keyed_shape());
      double rate = run(rs, per, txns);
      std::printf("  %2d per write  redis %-12s %9.0f  (x%.2f)\n", per, redis_layout_name(layout), rate, rate / base);
    }
    WebhookSinkOptions wo;
    wo.url = receiver.url();
    wo.secret = "bench-secret";
    wo.progress_file = dir + "/" + fresh() + ".progress";
    WebhookSink ws(wo, keyed_shape());
    double rate = run(ws, per, txns);
    std::printf("  %2d per write  webhook            %9.0f  (x%.2f)\n", per, rate, rate / base);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
