// The Redis sink against a real redis-server (started by the test on
// loopback, in a temp dir), fed by a real engine on random workloads. After
// every write the Redis contents, read back with plain hiredis and parsed
// into engine values, equal the engine's view and the reference evaluator's
// fresh result. Restarts of the sink replay the slot's transactions: nothing
// is applied twice (the stream layout, an append-only log, would show it).
// Redis killed and restarted mid-workload (appendfsync always) loses nothing;
// without persistence it comes back empty and the runner rebuilds the view.
#include "sinks/redis/redis_sink.h"

#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "ivm/json.h"
#include "sinks/ack_tracker.h"
#include "sinks/row_json.h"
#include "sinks/sink_runner.h"
#include "sinks/testing/redis_server.h"
#include "sinks/testing/view_feed.h"

namespace rindle::sinks {
namespace {

using namespace std::chrono_literals;
using testing::Feed;
using testing::RedisServer;
using testing::same_rows;
using testing::show;

// ---- reading Redis back (independently of the sink's code) ----

struct Client {
  explicit Client(int port) {
    struct timeval tv = {5, 0};
    c = redisConnectWithTimeout("127.0.0.1", port, tv);
    REQUIRE_MESSAGE((c && !c->err), "cannot connect to redis");
  }
  ~Client() {
    if (last) freeReplyObject(last);
    redisFree(c);
  }
  redisReply* cmd(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (last) freeReplyObject(last);
    last = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    REQUIRE(last != nullptr);
    return last;
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  redisContext* c = nullptr;
  redisReply* last = nullptr;
};

std::string str(const redisReply* r) { return std::string(r->str, r->len); }

ivm::Type col_type(const SinkColumn& c) { return c.type == ivm::Type::kNull ? ivm::Type::kText : c.type; }

ivm::Value from_json(ivm::Type t, const ivm::Json& j) {
  switch (j.kind) {
    case ivm::Json::Kind::kNull: return ivm::Value::null();
    case ivm::Json::Kind::kBool: return ivm::Value::boolean(j.boolean);
    default: break;
  }
  auto v = ivm::from_text(t, j.text);
  REQUIRE_MESSAGE(v.ok(), v.status().to_string() << " for " << j.text);
  return *v;
}

ivm::Row row_from_json(const ViewShape& shape, const std::string& text) {
  auto j = ivm::parse_json(text);
  REQUIRE_MESSAGE(j.ok(), text);
  ivm::Row row;
  for (const SinkColumn& c : shape.columns) {
    const ivm::Json* f = j->find(c.name);
    REQUIRE_MESSAGE(f != nullptr, "column " << c.name << " missing in " << text);
    row.push_back(from_json(col_type(c), *f));
  }
  return row;
}

// The view's rows as stored under `prefix` in `layout` (multiset).
std::vector<ivm::Row> read_redis(int port, const std::string& prefix, RedisLayout layout, const ViewShape& shape) {
  Client cl(port);
  std::vector<ivm::Row> rows;
  if (layout == RedisLayout::kStream) {
    // Replay the log strictly: an insert of a present key or a delete of a
    // missing row is a duplicate or a loss.
    redisReply* r = cl.cmd({"XRANGE", prefix, "-", "+"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    std::vector<std::pair<std::string, std::string>> log;  // id json -> row json
    for (size_t i = 0; i < r->elements; ++i) {
      redisReply* fields = r->element[i]->element[1];
      std::map<std::string, std::string> f;
      for (size_t k = 0; k + 1 < fields->elements; k += 2) f[str(fields->element[k])] = str(fields->element[k + 1]);
      const std::string& op = f["op"];
      if (op == "reset") {
        rows.clear();
        continue;
      }
      if (op == "delete" || op == "update") {
        ivm::Row old = row_from_json(shape, f["old"]);
        bool found = false;
        for (size_t k = 0; k < rows.size(); ++k) {
          if (row_id_json(shape, rows[k]) == row_id_json(shape, old)) {
            rows.erase(rows.begin() + static_cast<long>(k));
            found = true;
            break;
          }
        }
        CHECK_MESSAGE(found, "stream entry " << i << " removes a missing row " << f["old"]);
      }
      if (op == "insert" || op == "update") {
        ivm::Row row = row_from_json(shape, f["row"]);
        if (!shape.key.empty()) {
          for (const ivm::Row& x : rows) {
            CHECK_MESSAGE(row_id_json(shape, x) != row_id_json(shape, row), "stream entry " << i << " (lsn " << f["lsn"] << ", " << op << ") inserts a present key " << f["id"]);
          }
        }
        rows.push_back(row);
      }
    }
    return rows;
  }
  redisReply* idx = cl.cmd({"HGETALL", prefix + ":_rows"});
  REQUIRE(idx->type == REDIS_REPLY_ARRAY);
  std::vector<std::pair<std::string, long>> ids;
  for (size_t i = 0; i + 1 < idx->elements; i += 2) ids.emplace_back(str(idx->element[i]), std::stol(str(idx->element[i + 1])));
  std::map<std::string, std::string> zscores;
  if (layout == RedisLayout::kSortedSet) {
    redisReply* z = cl.cmd({"ZRANGE", prefix, "0", "-1", "WITHSCORES"});
    for (size_t i = 0; i + 1 < z->elements; i += 2) zscores[str(z->element[i])] = str(z->element[i + 1]);
    CHECK_MESSAGE(zscores.size() == ids.size(), "sorted set members " << zscores.size() << " != rows " << ids.size());
  }
  for (const auto& [id, count] : ids) {
    ivm::Row row;
    std::string key = prefix + ":" + id;
    if (layout == RedisLayout::kHash) {
      redisReply* h = cl.cmd({"HGETALL", key});
      std::map<std::string, std::string> f;
      for (size_t k = 0; k + 1 < h->elements; k += 2) f[str(h->element[k])] = str(h->element[k + 1]);
      for (const SinkColumn& c : shape.columns) {
        auto it = f.find(c.name);
        if (it == f.end()) {
          row.push_back(ivm::Value::null());
          continue;
        }
        auto v = ivm::from_text(col_type(c), it->second);
        REQUIRE_MESSAGE(v.ok(), v.status().to_string());
        row.push_back(*v);
      }
    } else {
      redisReply* g = cl.cmd({"GET", key});
      REQUIRE_MESSAGE(g->type == REDIS_REPLY_STRING, "missing " << key);
      row = row_from_json(shape, str(g));
    }
    CHECK_MESSAGE(row_id_json(shape, row) == id, "key " << key << " holds another row");
    if (layout == RedisLayout::kSortedSet) CHECK_MESSAGE(zscores.count(id) == 1, "no sorted set member " << id);
    for (long k = 0; k < count; ++k) rows.push_back(row);
  }
  return rows;
}

// ---- the view feed and its sinks ----

// The feed's random views may repeat a column name (SELECT * over a join);
// the daemon's views cannot reach a Redis sink that way (it refuses them),
// so the tests name the columns apart the way a user would with AS.
ViewShape shape_of(const Feed& feed, size_t i) {
  ViewShape s = feed.shape(i);
  std::set<std::string> seen;
  for (SinkColumn& c : s.columns) {
    std::string base = c.name;
    for (int n = 2; !seen.insert(c.name).second; ++n) c.name = base + "_" + std::to_string(n);
  }
  return s;
}

// Layout for view i: cycles through all four; sorted_set needs a numeric column.
RedisSinkOptions options_for(int port, const ViewShape& shape, size_t i, const std::string& prefix) {
  RedisSinkOptions o;
  o.port = port;
  o.prefix = prefix;
  o.timeout = 2000ms;
  RedisLayout layouts[] = {RedisLayout::kHash, RedisLayout::kJson, RedisLayout::kSortedSet, RedisLayout::kStream};
  o.layout = layouts[i % 4];
  if (o.layout == RedisLayout::kSortedSet) {
    for (const SinkColumn& c : shape.columns) {
      if (c.type == ivm::Type::kInt64 || c.type == ivm::Type::kFloat64 || c.type == ivm::Type::kNumeric) {
        o.score_column = c.name;
        break;
      }
    }
    if (o.score_column.empty()) o.layout = RedisLayout::kHash;
  }
  return o;
}

void check_view(Feed& feed, size_t i, int port, const RedisSinkOptions& o) {
  if (!feed.healthy(i)) return;
  ViewShape shape = shape_of(feed, i);
  INFO("view " << ivm::to_sql(feed.queries[i]) << " layout " << std::string(redis_layout_name(o.layout)));
  std::vector<ivm::Row> got = read_redis(port, o.prefix, o.layout, shape);
  std::vector<ivm::Row> want = feed.rows(i);
  CHECK_MESSAGE(same_rows(got, want, false), "redis:\n" << show(got) << "engine:\n" << show(want));
  std::vector<ivm::Row> oracle;
  if (feed.reference_rows(i, &oracle)) CHECK(same_rows(got, oracle, false));
}

TEST_CASE("random workloads, every layout: Redis equals the engine's view and a fresh evaluation after every write") {
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  uint64_t seed = testing::seed_from_env(1);
  for (uint64_t s = seed; s < seed + 6; ++s) {
    INFO("RINDLE_SEED=" << s);
    Feed feed(s, 4);
    std::vector<std::unique_ptr<RedisSink>> sinks;
    std::vector<RedisSinkOptions> opts;
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      opts.push_back(options_for(redis.port(), shape_of(feed, i), i + s, "r" + std::to_string(s) + "_" + std::to_string(i)));
      sinks.push_back(std::make_unique<RedisSink>(opts.back(), shape_of(feed, i)));
      auto st = sinks.back()->open();
      REQUIRE_MESSAGE(st.ok(), st.status().to_string());
      CHECK(st->needs_replace);
      REQUIRE(sinks.back()->replace(1, detach(feed.rows(i))).ok());
      check_view(feed, i, redis.port(), opts[i]);
    }
    Lsn lsn = 1;
    ivm::testing::Rng rng(s);
    for (int round = 0; round < 12; ++round) {
      std::map<size_t, std::vector<ViewTxn>> pending;
      int n = 1 + rng.below(5);
      for (int k = 0; k < n; ++k) {
        for (auto& [i, t] : feed.step(++lsn)) pending[i].push_back(std::move(t));
      }
      for (auto& [i, txns] : pending) {
        if (!feed.healthy(i)) continue;
        std::vector<const ViewTxn*> ptrs;
        for (const ViewTxn& t : txns) ptrs.push_back(&t);
        ivm::Status w = sinks[i]->write(ptrs);
        REQUIRE_MESSAGE(w.ok(), w.to_string());
      }
      for (size_t i = 0; i < feed.ids.size(); ++i) check_view(feed, i, redis.port(), opts[i]);
    }
    // A reopened sink continues where the progress says.
    for (size_t i = 0; i < sinks.size(); ++i) {
      RedisSink again(opts[i], shape_of(feed, i));
      auto st = again.open();
      REQUIRE(st.ok());
      CHECK_FALSE(st->needs_replace);
      CHECK(st->durable_lsn >= 1);
      CHECK(st->durable_lsn <= lsn);
    }
  }
}

// Runners over Redis sinks for every view of a feed, the way the daemon drives them.
struct Harness {
  Harness(uint64_t seed, int redis_port, std::string prefix_tag)
      : feed(seed, 4), port(redis_port), tag(std::move(prefix_tag)) {
    history.resize(feed.ids.size());
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      opts.push_back(options_for(port, shape_of(feed, i), i, tag + std::to_string(i)));
    }
    ro.retry_initial_backoff = 5ms;
    ro.retry_max_backoff = 50ms;
    ro.failure_timeout = 600s;
    ro.on_failure = FailurePolicy::kRetry;
    ro.queue_transactions = 64;
    // The hooks the daemon's metrics hang on (committed LSN, latency, errors).
    ro.on_write = [this](const SinkWriteEvent& e) {
      writes_seen += 1;
      last_write_lsn = e.lsn;
    };
    ro.on_error = [this](const std::string&, bool) { errors_seen += 1; };
  }
  std::atomic<uint64_t> writes_seen{0}, errors_seen{0};
  std::atomic<Lsn> last_write_lsn{0};
  void start() {
    runners.clear();
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      runners.push_back(std::make_unique<SinkRunner>(std::make_unique<RedisSink>(opts[i], shape_of(feed, i)), ro, &tracker,
                                                     static_cast<int>(i)));
      runners.back()->start();
    }
  }
  // Answers rebuild requests; waits until every runner is idle and healthy.
  void settle(std::chrono::seconds limit = 30s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      bool busy = false;
      for (size_t i = 0; i < runners.size(); ++i) {
        if (runners[i]->wants_replace()) runners[i]->submit_replace(lsn, detach(feed.rows(i)));
        SinkHealth h = runners[i]->health();
        busy |= h.status != SinkStatus::kHealthy || h.queued_transactions > 0;
      }
      if (!busy) return;
      std::this_thread::sleep_for(2ms);
    }
    FAIL("sinks did not settle");
  }
  // One source transaction through the engine to the runners (rebuild
  // requests are answered first, at the transaction boundary).
  void step() {
    for (size_t i = 0; i < runners.size(); ++i) {
      if (runners[i]->wants_replace()) runners[i]->submit_replace(lsn, detach(feed.rows(i)));
    }
    ++lsn;
    for (auto& [i, t] : feed.step(lsn)) {
      auto shared = std::make_shared<const ViewTxn>(std::move(t));
      history[i].push_back(shared);
      runners[i]->submit(shared);
    }
    tracker.dispatched(lsn);
  }
  void check_all() {
    for (size_t i = 0; i < runners.size(); ++i) check_view(feed, i, port, opts[i]);
  }

  Feed feed;
  int port;
  std::string tag;
  std::vector<RedisSinkOptions> opts;
  SinkRunnerOptions ro;
  AckTracker tracker;
  std::vector<std::unique_ptr<SinkRunner>> runners;
  std::vector<std::vector<std::shared_ptr<const ViewTxn>>> history;
  Lsn lsn = 1;
};


TEST_CASE("restart: the slot replays from an older position; nothing is applied twice, nothing lost") {
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  uint64_t seed = testing::seed_from_env(100);
  INFO("RINDLE_SEED=" << seed);
  Harness h(seed, redis.port(), "restart");
  h.start();
  h.settle();
  for (int k = 0; k < 40; ++k) h.step();
  h.settle();
  std::vector<Lsn> durable;
  for (auto& r : h.runners) durable.push_back(r->durable_lsn());
  h.start();  // "crash": new sinks and runners; queued work abandoned
  h.settle();
  for (size_t i = 0; i < h.runners.size(); ++i) {
    CHECK(h.runners[i]->durable_lsn() == durable[i]);
    for (auto& t : h.history[i]) h.runners[i]->submit(t);  // replayed
  }
  h.settle();
  for (size_t i = 0; i < h.runners.size(); ++i) {
    SinkHealth hh = h.runners[i]->health();
    CHECK(hh.replaces == 0);
    CHECK(hh.transactions == 0);
    CHECK(hh.skipped == h.history[i].size());
  }
  h.check_all();  // the stream layout's log replays strictly: a duplicate would show
  for (int k = 0; k < 20; ++k) h.step();
  h.settle();
  h.check_all();
}

TEST_CASE("Redis killed mid-workload and restarted (appendfsync always): nothing lost, nothing duplicated; the slot waits") {
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  uint64_t seed = testing::seed_from_env(200);
  INFO("RINDLE_SEED=" << seed);
  Harness h(seed, redis.port(), "outage");
  h.start();
  h.settle();
  ivm::testing::Rng rng(seed);
  for (int outage = 0; outage < 3; ++outage) {
    for (int k = 0; k < 10; ++k) h.step();
    redis.kill();  // possibly in the middle of a write
    for (int k = 0; k < 10; ++k) h.step();
    // While Redis is down the queued changes hold the slot back.
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng.below(60)));
    bool pending = false;
    for (auto& r : h.runners) pending |= r->health().queued_transactions > 0;
    if (pending) CHECK(h.tracker.ack_lsn() < h.lsn);
    bool retrying = false;
    for (auto& r : h.runners) retrying |= r->health().status == SinkStatus::kRetrying;
    CHECK_MESSAGE((retrying || !pending), "an outage with queued work must show as retrying");
    REQUIRE_MESSAGE(redis.start(), redis.error());
    h.settle();
    CHECK(h.tracker.ack_lsn() == h.lsn);
    if (pending) CHECK(h.errors_seen > 0);  // reported to the error hook (metrics: sink_errors_total)
    CHECK(h.writes_seen > 0);
    h.check_all();
    for (auto& r : h.runners) CHECK(r->health().replaces == 1);  // only the first build
  }
}

TEST_CASE("Redis restarted without persistence comes back empty: the runner rebuilds the view") {
  RedisServer redis(/*persistent=*/false);
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  uint64_t seed = testing::seed_from_env(300);
  INFO("RINDLE_SEED=" << seed);
  Harness h(seed, redis.port(), "volatile");
  h.start();
  h.settle();
  for (int k = 0; k < 10; ++k) h.step();
  h.settle();
  redis.kill();
  REQUIRE_MESSAGE(redis.start(), redis.error());
  std::vector<size_t> before;
  for (auto& hist : h.history) before.push_back(hist.size());
  for (int k = 0; k < 10; ++k) h.step();
  h.settle();
  for (int k = 0; k < 5; ++k) h.step();
  h.settle();
  // The loss is noticed by the next write of each view (a view that did not
  // change since is noticed at its next change or the next start).
  int checked = 0;
  for (size_t i = 0; i < h.runners.size(); ++i) {
    if (h.history[i].size() == before[i]) continue;
    CHECK(h.runners[i]->health().replaces == 2);
    check_view(h.feed, i, h.port, h.opts[i]);
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("keys changed outside rindle: a write that fails inside MULTI makes the runner rebuild") {
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  uint64_t seed = testing::seed_from_env(400);
  INFO("RINDLE_SEED=" << seed);
  Harness h(seed, redis.port(), "tamper");
  for (auto& o : h.opts) o.layout = RedisLayout::kHash;
  h.start();
  h.settle();
  {
    Client cl(redis.port());
    for (auto& o : h.opts) cl.cmd({"SET", o.prefix + ":_rows", "not a hash"});
  }
  for (int k = 0; k < 30; ++k) h.step();
  h.settle();
  int rebuilt = 0;
  for (size_t i = 0; i < h.runners.size(); ++i) {
    if (h.history[i].empty()) continue;  // never written since: still damaged, nothing noticed it
    CHECK(h.runners[i]->health().replaces == 2);
    check_view(h.feed, i, h.port, h.opts[i]);
    ++rebuilt;
  }
  CHECK(rebuilt > 0);
}

TEST_CASE("a second writer of the same prefix is refused") {
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  ViewShape shape;
  shape.view = "kv";
  shape.columns = {{"k", "bigint", ivm::Type::kInt64}, {"v", "text", ivm::Type::kText}};
  shape.key = {0};
  shape.fingerprint = "kv";
  RedisSinkOptions o;
  o.port = redis.port();
  RedisSink a(o, shape), b(o, shape);
  REQUIRE(a.open().ok());
  REQUIRE(a.replace(5, {{ivm::Value::int64(1), ivm::Value::text("one")}}).ok());
  auto sb = b.open();
  REQUIRE(sb.ok());
  CHECK(sb->durable_lsn == 5);
  CHECK_FALSE(sb->needs_replace);
  ViewTxn t;
  t.lsn = 6;
  ivm::ViewChange c;
  c.kind = ivm::ChangeKind::kInsert;
  c.new_row = {ivm::Value::int64(2), ivm::Value::text("two")};
  t.changes.push_back(c);
  const ViewTxn* p = &t;
  REQUIRE(b.write({&p, 1}).ok());
  ViewTxn t2 = t;
  t2.lsn = 7;
  t2.changes[0].new_row = {ivm::Value::int64(3), ivm::Value::text("three")};
  const ViewTxn* p2 = &t2;
  ivm::Status s = a.write({&p2, 1});  // a still believes it is at 5
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("another writer") != std::string::npos);
  Client cl(redis.port());
  CHECK(str(cl.cmd({"HGET", "kv:2", "v"})) == "two");
  CHECK(cl.cmd({"EXISTS", "kv:3"})->integer == 0);
  CHECK(str(cl.cmd({"HGET", "kv:_rindle", "lsn"})) == "0/6");
}

TEST_CASE("connection failures are errors with the address, never crashes; a password is never in a message") {
  ViewShape shape;
  shape.view = "kv";
  shape.columns = {{"k", "bigint", ivm::Type::kInt64}};
  shape.key = {0};
  RedisSinkOptions o;
  o.port = testing::free_port();
  o.password = "s3cret-password";
  o.timeout = 500ms;
  RedisSink s(o, shape);
  auto st = s.open();
  REQUIRE_FALSE(st.ok());
  CHECK(st.status().message().find("127.0.0.1:" + std::to_string(o.port)) != std::string::npos);
  CHECK(st.status().message().find("s3cret") == std::string::npos);
  CHECK(s.describe().find("s3cret") == std::string::npos);
  ViewShape dup = shape;
  dup.columns.push_back(dup.columns[0]);
  auto ds = RedisSink(o, dup).open();
  REQUIRE_FALSE(ds.ok());
  CHECK(ds.status().message().find("two output columns named 'k'") != std::string::npos);
  o.layout = RedisLayout::kSortedSet;
  o.score_column = "nope";
  RedisSink z(o, shape);
  auto zs = z.open();
  REQUIRE_FALSE(zs.ok());
  CHECK(zs.status().message().find("score_column") != std::string::npos);
}


// The process that delivers: a fresh engine on the same seed (the slot
// replays every transaction; the runner skips what Redis already holds),
// rebuild requests answered at transaction boundaries. Exits 0 once idle.
[[noreturn]] void deliver(uint64_t seed, int port, const std::string& tag, int steps) {
  Harness h(seed, port, tag);
  h.ro.queue_transactions = 4;
  h.ro.max_batch_transactions = 3;
  h.start();
  for (int k = 0; k < steps; ++k) h.step();
  for (int spin = 0; spin < 30000; ++spin) {
    bool busy = false;
    for (size_t i = 0; i < h.runners.size(); ++i) {
      if (h.runners[i]->wants_replace()) h.runners[i]->submit_replace(h.lsn, detach(h.feed.rows(i)));
      SinkHealth hh = h.runners[i]->health();
      busy |= hh.status != SinkStatus::kHealthy || hh.queued_transactions > 0;
    }
    if (!busy) _exit(0);
    std::this_thread::sleep_for(1ms);
  }
  _exit(3);
}

TEST_CASE("kill -9 of the delivering process 20 times: Redis ends equal to the view, nothing duplicated, progress monotonic") {
  RedisServer redis;
  REQUIRE_MESSAGE(redis.ok(), redis.error());
  uint64_t seed = testing::seed_from_env(500);
  INFO("RINDLE_SEED=" << seed);
  const int steps = 150;
  const std::string tag = "crash";
  Harness probe(seed, redis.port(), tag);  // the views, their options, and the expected end state
  ivm::testing::Rng rng(seed);
  std::vector<Lsn> progress(probe.opts.size(), 0);
  auto read_progress = [&](size_t i) {
    Client cl(redis.port());
    redisReply* r = cl.cmd({"HGET", probe.opts[i].prefix + ":_rindle", "lsn"});
    Lsn lsn = 0;
    if (r->type == REDIS_REPLY_STRING) CHECK(lsn_from_text(str(r), &lsn));
    return lsn;
  };
  int killed_mid_delivery = 0;
  for (int round = 0; round <= 20; ++round) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) deliver(seed, redis.port(), tag, steps);
    int status = 0;
    if (round < 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng.below(40)));
      ::kill(pid, SIGKILL);
      REQUIRE(waitpid(pid, &status, 0) == pid);
      if (WIFSIGNALED(status)) ++killed_mid_delivery;
    } else {
      REQUIRE(waitpid(pid, &status, 0) == pid);  // the last run delivers everything
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    for (size_t i = 0; i < probe.opts.size(); ++i) {
      Lsn now = read_progress(i);
      CHECK_MESSAGE(now >= progress[i], "progress of view " << i << " went back");
      progress[i] = now;
    }
    if (std::getenv("RINDLE_VERBOSE")) MESSAGE("round " << round << " progress " << progress[0] << " " << progress[1]);
  }
  CHECK(killed_mid_delivery >= 5);  // most runs die mid-delivery (later ones may finish first)
  for (int k = 0; k < steps; ++k) probe.feed.step(++probe.lsn);
  for (size_t i = 0; i < probe.opts.size(); ++i) check_view(probe.feed, i, redis.port(), probe.opts[i]);
}

}  // namespace
}  // namespace rindle::sinks
