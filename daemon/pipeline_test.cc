// The engine stage with real engines and in-memory sinks, fed random source
// transactions: sinks equal the reference after a drain; crashes at random
// points followed by a restart from the checkpoint and a replay from the
// acknowledged position lose and duplicate nothing; a stuck sink stops the
// pipeline from pulling (backpressure); views come and go while running.
#include "tests/support/temp_dir.h"
#include "daemon/pipeline.h"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include <spdlog/spdlog.h>

#include "daemon/checkpoint.h"
#include "sinks/memory_sink.h"
#include "sinks/testing/view_feed.h"

namespace rindle::daemon {
namespace {

using namespace std::chrono_literals;

// The pipeline logs every sink transition; tests want errors only.
const bool kQuiet = [] {
  spdlog::set_level(spdlog::level::err);
  return true;
}();
using sinks::testing::same_rows;
using sinks::testing::show;

using rindle::testing::TempDir;

// A replication stream stand-in over a fixed list of transactions: it
// delivers those after the acknowledged position (as a slot does after a
// reconnect) and checks that acknowledgements only grow.
class ListSource : public TxnSource {
 public:
  explicit ListSource(const std::vector<ivm::Batch>* batches, uint64_t acked = 0) : batches_(batches), acked_(acked) {
    while (pos_ < batches_->size() && (*batches_)[pos_].lsn <= acked_) ++pos_;
  }
  ivm::Result<std::optional<ivm::Batch>> next(std::chrono::milliseconds timeout) override {
    if (pos_ >= batches_->size() || (limit_ && pos_ >= limit_)) {
      std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(2)));
      return std::optional<ivm::Batch>();
    }
    ++pulled;
    return std::optional<ivm::Batch>((*batches_)[pos_++]);
  }
  void acknowledge(uint64_t lsn) override {
    CHECK(lsn >= acked_);
    acked_ = std::max(acked_, lsn);
  }
  SourceHealth health() const override {
    SourceHealth h;
    h.state = "streaming";
    return h;
  }
  bool exhausted() const { return pos_ >= batches_->size(); }
  uint64_t acked() const { return acked_; }
  void stop_after(size_t n) { limit_ = n; }
  size_t position() const { return pos_; }
  size_t pulled = 0;

 private:
  const std::vector<ivm::Batch>* batches_;
  uint64_t acked_;
  size_t pos_ = 0;
  size_t limit_ = 0;
};

// A random workload: schema, initial rows, views, and the source transactions.
struct Workload {
  explicit Workload(uint64_t seed, int views = 4, int txns = 120) : rng(seed) {
    schema = ivm::testing::random_schema(rng);
    ivm::testing::ChangeGenerator gen(schema, seed);
    initial = gen.initial_rows(15);
    for (const auto& t : schema) ref[t.name] = ivm::testing::RefTable{t, initial[t.name]};
    std::unique_ptr<ivm::Engine> probe = make_engine();
    for (int i = 0; i < views * 4 && static_cast<int>(queries.size()) < views; ++i) {
      ivm::Query q = ivm::testing::random_query(rng, schema);
      if (probe->add_view("probe" + std::to_string(i), q).ok()) queries.push_back(q);
    }
    for (int i = 0; i < txns; ++i) {
      ivm::Batch b = gen.next_batch(5);
      b.lsn = 1000 + static_cast<uint64_t>(i) * 10;
      b.commit_ts = static_cast<int64_t>(b.lsn);
      batches.push_back(std::move(b));
    }
  }
  std::unique_ptr<ivm::Engine> make_engine() const {
    auto e = std::make_unique<ivm::Engine>();
    for (const auto& t : schema) REQUIRE(e->create_table(t).ok());
    for (const auto& [t, rows] : initial) REQUIRE(e->load(t, rows).ok());
    return e;
  }
  // The reference result of view i after the first n transactions.
  bool expected(size_t i, size_t n, std::vector<ivm::Row>* rows) const {
    ivm::testing::RefDatabase db = ref;
    for (size_t k = 0; k < n; ++k) ivm::testing::apply_to_reference(batches[k], &db);
    auto r = ivm::testing::evaluate(queries[i], db);
    if (!r.ok()) return false;
    *rows = r->rows;
    return true;
  }
  ivm::testing::Rng rng;
  std::vector<ivm::TableSchema> schema;
  std::map<std::string, std::vector<ivm::Row>> initial;
  std::vector<ivm::Query> queries;
  std::vector<ivm::Batch> batches;
  ivm::testing::RefDatabase ref;
};

sinks::SinkRunnerOptions runner_options() {
  sinks::SinkRunnerOptions o;
  o.retry_initial_backoff = 1ms;
  o.retry_max_backoff = 5ms;
  o.max_batch_transactions = 8;
  return o;
}

void add_views(Pipeline& p, const Workload& w, std::vector<std::shared_ptr<sinks::MemoryStore>>& stores,
               sinks::SinkRunnerOptions o = runner_options()) {
  for (size_t i = 0; i < w.queries.size(); ++i) {
    std::string name = "v" + std::to_string(i);
    // The shape needs the engine's view info: add the view with its sink in two steps.
    std::unique_ptr<ivm::Engine> probe = w.make_engine();
    auto id = probe->add_view(name, w.queries[i]);
    REQUIRE(id.ok());
    std::vector<SinkSpec> specs;
    specs.push_back(SinkSpec{std::make_unique<sinks::MemorySink>(stores[i], sinks::testing::shape_of(*probe, *id, w.queries[i]),
                                                                 "memory " + name),
                             o});
    REQUIRE(p.add_view(name, w.queries[i], {}, std::move(specs)).ok());
  }
}

void check_stores(const Workload& w, const Pipeline& p, const std::vector<std::shared_ptr<sinks::MemoryStore>>& stores,
                  size_t applied) {
  auto& e = const_cast<Pipeline&>(p).engine();
  for (size_t i = 0; i < w.queries.size(); ++i) {
    auto id = e.find_view("v" + std::to_string(i));
    REQUIRE(id.ok());
    if (!e.view_status(*id).ok()) continue;
    std::vector<ivm::Row> want;
    if (!w.expected(i, applied, &want)) continue;
    bool ordered = e.view_info(*id)->ordered;
    std::vector<ivm::Row> got = stores[i]->snapshot();
    INFO("view " << i << ": " << ivm::to_sql(w.queries[i]));
    CHECK_MESSAGE(same_rows(got, want, ordered), "sink:\n" << show(got) << "reference:\n" << show(want));
  }
}

TEST_CASE("a drained pipeline leaves every sink equal to the reference, checkpointed and acknowledged") {
  uint64_t seed = sinks::testing::seed_from_env(1);
  for (uint64_t s = seed; s < seed + 4; ++s) {
    INFO("RINDLE_SEED=" << s);
    Workload w(s);
    TempDir dir;
    PipelineOptions po;
    po.state_dir = dir.path;
    po.checkpoint_changes = 50;
    po.start_lsn = 1;
    Pipeline p(w.make_engine(), po, nullptr, nullptr, nullptr);
    std::vector<std::shared_ptr<sinks::MemoryStore>> stores;
    for (size_t i = 0; i < w.queries.size(); ++i) stores.push_back(std::make_shared<sinks::MemoryStore>());
    add_views(p, w, stores);
    ListSource src(&w.batches);
    std::atomic<bool> stop{false};
    ivm::Status st = p.run(src, stop, [&] {
      if (src.exhausted()) stop = true;
    });
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    check_stores(w, p, stores, w.batches.size());
    CHECK(p.engine_lsn() == w.batches.back().lsn);
    CHECK(p.checkpoint_lsn() == w.batches.back().lsn);
    CHECK(src.acked() == w.batches.back().lsn);
    auto info = read_checkpoint_info(dir.path);
    REQUIRE(info.ok());
    CHECK(info->lsn == w.batches.back().lsn);
  }
}

TEST_CASE("crashes at random points, restarts from the checkpoint and the acknowledged position: nothing lost or duplicated") {
  uint64_t seed = sinks::testing::seed_from_env(7);
  for (uint64_t s = seed; s < seed + 3; ++s) {
    INFO("RINDLE_SEED=" << s);
    Workload w(s, 4, 200);
    TempDir dir;
    std::vector<std::shared_ptr<sinks::MemoryStore>> stores;
    for (size_t i = 0; i < w.queries.size(); ++i) stores.push_back(std::make_shared<sinks::MemoryStore>());
    ivm::testing::Rng rng(s);
    uint64_t acked = 0;  // what the slot confirmed before each crash
    std::vector<uint64_t> progress(stores.size(), 0);
    int crashes = 0;
    for (int life = 0;; ++life) {
      // Start: from the checkpoint if there is one, else from the initial state at LSN 1.
      std::unique_ptr<ivm::Engine> engine;
      PipelineOptions po;
      po.state_dir = dir.path;
      po.checkpoint_changes = 10 + rng.below(40);
      auto info = read_checkpoint_info(dir.path);
      if (info.ok()) {
        engine = std::make_unique<ivm::Engine>();
        REQUIRE(load_checkpoint(dir.path, engine.get()).ok());
        po.start_lsn = info->lsn;
        po.has_checkpoint = true;
        CHECK(acked <= info->lsn);  // the slot never passed the checkpoint
      } else {
        engine = w.make_engine();
        po.start_lsn = 1;
      }
      auto p = std::make_unique<Pipeline>(std::move(engine), po, nullptr, nullptr, nullptr);
      for (auto& st : stores) st->fail(rng.below(3));  // a few failed writes along the way
      add_views(*p, w, stores);
      ListSource src(&w.batches, acked);
      bool last = life >= 10;
      size_t crash_at = src.position() + 1 + static_cast<size_t>(rng.below(40));
      std::atomic<bool> stop{false}, crash{false};
      ivm::Status st = p->run(
          src, stop,
          [&] {
            if (src.exhausted()) stop = true;
            if (!last && src.position() >= crash_at) crash = true;
          },
          &crash);
      acked = src.acked();
      if (crash) {
        ++crashes;
      } else {
        REQUIRE_MESSAGE(st.ok(), st.to_string());
        check_stores(w, *p, stores, w.batches.size());
      }
      p.reset();  // runners stop; whatever they still held is gone
      for (size_t i = 0; i < stores.size(); ++i) {
        CHECK(stores[i]->durable() >= progress[i]);  // progress only moves forward
        progress[i] = stores[i]->durable();
      }
      if (!crash) break;
    }
    CHECK(crashes >= 5);
  }
}

TEST_CASE("backpressure: a stuck sink stops the pipeline from pulling transactions") {
  Workload w(sinks::testing::seed_from_env(31), 2, 400);
  PipelineOptions po;
  po.start_lsn = 1;
  po.shutdown_timeout = 300ms;
  Pipeline p(w.make_engine(), po, nullptr, nullptr, nullptr);
  std::vector<std::shared_ptr<sinks::MemoryStore>> stores;
  for (size_t i = 0; i < w.queries.size(); ++i) stores.push_back(std::make_shared<sinks::MemoryStore>());
  sinks::SinkRunnerOptions o = runner_options();
  o.queue_transactions = 4;
  o.on_failure = sinks::FailurePolicy::kRetry;
  add_views(p, w, stores, o);
  for (auto& s : stores) s->fail(1000000);  // the sinks never even open
  ListSource src(&w.batches);
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  ivm::Status st = p.run(src, stop);  // returns although blocked: the stop request interrupts the wait
  stopper.join();
  CHECK(!st.ok());  // could not drain: the sinks were failing
  // A stuck view's runner holds at most 4 transactions; once it is full the
  // engine thread waits, so the source is not read further.
  INFO("pulled " << src.pulled << " of " << w.batches.size());
  CHECK(src.pulled < w.batches.size() / 4);
  CHECK(p.engine_lsn() < w.batches.back().lsn);
}

TEST_CASE("views added and removed while running; health reports failed views and detached sinks") {
  Workload w(sinks::testing::seed_from_env(41), 3, 80);
  PipelineOptions po;
  po.start_lsn = 1;
  HealthBoard board;
  Metrics metrics("test");
  Pipeline p(w.make_engine(), po, &metrics, &board, nullptr);
  std::vector<std::shared_ptr<sinks::MemoryStore>> stores;
  for (size_t i = 0; i < w.queries.size(); ++i) stores.push_back(std::make_shared<sinks::MemoryStore>());
  add_views(p, w, stores);
  ListSource src(&w.batches);
  std::atomic<bool> stop{false};
  bool added = false, removed = false;
  auto late = std::make_shared<sinks::MemoryStore>();
  ivm::Status st = p.run(src, stop, [&] {
    if (!added && src.position() >= 30) {
      std::unique_ptr<ivm::Engine> probe = w.make_engine();
      auto id = probe->add_view("late", w.queries[0]);
      REQUIRE(id.ok());
      std::vector<SinkSpec> specs;
      specs.push_back(SinkSpec{std::make_unique<sinks::MemorySink>(late, sinks::testing::shape_of(*probe, *id, w.queries[0])),
                               runner_options()});
      REQUIRE(p.add_view("late", w.queries[0], {}, std::move(specs)).ok());
      CHECK(p.add_view("late", w.queries[0], {}, {}).code() == ivm::Code::kExists);
      added = true;
    }
    if (!removed && src.position() >= 50) {
      REQUIRE(p.remove_view("v2", std::chrono::steady_clock::now() + 5s).ok());
      removed = true;
    }
    if (src.exhausted()) stop = true;
  });
  REQUIRE_MESSAGE(st.ok(), st.to_string());
  CHECK(p.view_names() == std::vector<std::string>{"v0", "v1", "late"});
  auto id = p.engine().find_view("late");
  REQUIRE(id.ok());
  if (p.engine().view_status(*id).ok()) {
    CHECK(same_rows(late->snapshot(), p.engine().view_rows(*id), p.engine().view_info(*id)->ordered));
  }
  HealthSnapshot h = board.snapshot();
  CHECK(h.phase == Phase::kStopped);
  CHECK(h.views.size() == 3);
  std::string text = metrics.serialize();
  CHECK(text.find("rindle_source_transactions_total " + std::to_string(w.batches.size())) != std::string::npos);
  CHECK(text.find("rindle_sink_committed_lsn{sink=\"memory\",view=\"late\"}") != std::string::npos);
}

}  // namespace
}  // namespace rindle::daemon

namespace rindle::daemon {
namespace {

TEST_CASE("a failing checkpoint is reported; nothing is acknowledged past the state on disk") {
  Workload w(sinks::testing::seed_from_env(51), 2, 60);
  TempDir dir;
  PipelineOptions po;
  po.state_dir = dir.path;
  po.checkpoint_changes = 1;  // due after every transaction
  po.start_lsn = 1;
  HealthBoard board;
  Pipeline p(w.make_engine(), po, nullptr, &board, nullptr);
  std::vector<std::shared_ptr<sinks::MemoryStore>> stores;
  for (size_t i = 0; i < w.queries.size(); ++i) stores.push_back(std::make_shared<sinks::MemoryStore>());
  add_views(p, w, stores);
  // A directory where the temporary file goes makes every write fail.
  std::string tmp = dir.path + "/" + kCheckpointFile + ".tmp";
  REQUIRE(::mkdir(tmp.c_str(), 0700) == 0);
  ListSource src(&w.batches);
  std::atomic<bool> stop{false};
  std::string message;
  ivm::Status st = p.run(src, stop, [&] {
    if (src.exhausted()) {
      p.publish(Phase::kRunning);
      message = board.snapshot().message;
      stop = true;
    }
  });
  CHECK(!st.ok());  // the final checkpoint failed too
  CHECK(message.find("the last checkpoint failed") != std::string::npos);
  CHECK(p.checkpoint_lsn() == 1);
  CHECK(src.acked() <= 1);  // nothing acknowledged past the state that is on disk
  ::rmdir(tmp.c_str());
}

}  // namespace
}  // namespace rindle::daemon
