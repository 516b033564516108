// SinkRunner with the in-memory sink, fed by a real engine: contents follow
// the views through random batches, restarts skip what is durable, failures
// are retried, detached sinks come back rebuilt, full queues block.
#include "sinks/sink_runner.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "sinks/memory_sink.h"
#include "sinks/testing/view_feed.h"

namespace rindle::sinks {
namespace {

using namespace std::chrono_literals;
using testing::Feed;
using testing::same_rows;
using testing::show;

auto far() { return std::chrono::steady_clock::now() + 30s; }

SinkRunnerOptions fast_options(const std::string& name) {
  SinkRunnerOptions o;
  o.name = name;
  o.retry_initial_backoff = 1ms;
  o.retry_max_backoff = 5ms;
  o.failure_timeout = 60s;
  return o;
}

// One runner per view of a Feed, driven like the daemon's engine thread does.
struct Harness {
  Harness(uint64_t seed, int views, SinkRunnerOptions base, AckTracker* tracker = nullptr)
      : feed(seed, views), tracker_(tracker), base_(std::move(base)) {
    for (size_t i = 0; i < feed.ids.size(); ++i) stores.push_back(std::make_shared<MemoryStore>());
    start_runners();
  }
  void start_runners() {
    runners.clear();
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      SinkRunnerOptions o = base_;
      o.name = "view " + feed.shape(i).view;
      runners.push_back(std::make_unique<SinkRunner>(std::make_unique<MemorySink>(stores[i], feed.shape(i)), o,
                                                     tracker_, static_cast<int>(i)));
      runners.back()->start();
    }
  }
  // Answers replacement requests, as the engine thread does between transactions.
  void serve_replacements() {
    for (size_t i = 0; i < runners.size(); ++i) {
      if (runners[i]->wants_replace() && feed.healthy(i)) runners[i]->submit_replace(lsn, detach(feed.rows(i)));
    }
  }
  void wait_replacements_served() {
    // The first open of each runner happens on its thread: give them a moment to ask.
    for (int k = 0; k < 2000; ++k) {
      serve_replacements();
      bool opening = false;
      for (auto& r : runners) opening |= r->health().status == SinkStatus::kOpening;
      if (!opening) break;
      std::this_thread::sleep_for(1ms);
    }
    serve_replacements();
  }
  void steps(int n) {
    for (int k = 0; k < n; ++k) {
      ++lsn;
      if (tracker_) tracker_->applied(lsn);
      auto txns = feed.step(lsn);
      for (auto& [i, t] : txns) {
        auto shared = std::make_shared<const ViewTxn>(std::move(t));
        history[i].push_back(shared);
        runners[i]->submit(shared);
      }
      if (tracker_) tracker_->dispatched(lsn);
      serve_replacements();
    }
  }
  void flush_all() {
    for (int round = 0; round < 3; ++round) {
      serve_replacements();
      for (auto& r : runners) CHECK(r->flush(far()));
    }
  }
  void check_equal() {
    for (size_t i = 0; i < runners.size(); ++i) {
      if (!feed.healthy(i)) continue;
      INFO("view " << i << " " << ivm::to_sql(feed.queries[i]));
      std::vector<ivm::Row> want = feed.rows(i);
      std::vector<ivm::Row> got = stores[i]->snapshot();
      CHECK_MESSAGE(same_rows(got, want, feed.shape(i).ordered), "sink:\n" << show(got) << "engine:\n" << show(want));
      std::vector<ivm::Row> oracle;
      if (feed.reference_rows(i, &oracle)) CHECK(same_rows(got, oracle, feed.shape(i).ordered));
    }
  }

  Feed feed;
  AckTracker* tracker_;
  SinkRunnerOptions base_;
  std::vector<std::shared_ptr<MemoryStore>> stores;
  std::vector<std::unique_ptr<SinkRunner>> runners;
  std::map<size_t, std::vector<std::shared_ptr<const ViewTxn>>> history;
  Lsn lsn = 1;
};

TEST_CASE("a runner keeps its sink equal to the view through random batches, batching queued transactions") {
  uint64_t seed = testing::seed_from_env(11);
  for (uint64_t s = seed; s < seed + 8; ++s) {
    INFO("RINDLE_SEED=" << s);
    SinkRunnerOptions o = fast_options("");
    o.max_batch_transactions = 1 + s % 5;
    Harness h(s, 4, o);
    h.wait_replacements_served();
    h.steps(60);
    h.flush_all();
    h.check_equal();
    for (auto& r : h.runners) {
      SinkHealth hh = r->health();
      CHECK(hh.status == SinkStatus::kHealthy);
      CHECK(hh.replaces == 1);
      CHECK(hh.durable_lsn <= h.lsn);
    }
  }
}

TEST_CASE("after a restart, transactions at or below the durable LSN are skipped: nothing is applied twice") {
  uint64_t seed = testing::seed_from_env(21);
  Harness h(seed, 4, fast_options(""));
  h.wait_replacements_served();
  h.steps(40);
  h.flush_all();
  h.start_runners();  // new runners, same stores: a restarted daemon
  h.wait_replacements_served();
  for (auto& [i, txns] : h.history) {
    for (auto& t : txns) h.runners[i]->submit(t);  // the slot replays everything
  }
  h.flush_all();
  h.check_equal();
  uint64_t skipped = 0;
  for (size_t i = 0; i < h.runners.size(); ++i) {
    skipped += h.runners[i]->health().skipped;
    CHECK(h.runners[i]->health().replaces == 0);  // continued, not rebuilt
    CHECK(h.runners[i]->health().transactions == 0);
  }
  size_t replayed = 0;
  for (auto& [i, txns] : h.history) replayed += txns.size();
  CHECK(skipped == replayed);
  h.steps(30);
  h.flush_all();
  h.check_equal();
}

TEST_CASE("failed writes are retried until they succeed; the tracker holds the ack meanwhile") {
  AckTracker tracker(1);
  Harness h(testing::seed_from_env(31), 3, fast_options(""), &tracker);
  h.wait_replacements_served();
  for (auto& s : h.stores) s->fail(4);
  h.steps(30);
  CHECK(tracker.ack_lsn() <= h.lsn);
  h.flush_all();
  h.check_equal();
  tracker.checkpointed(h.lsn);
  CHECK(tracker.ack_lsn() == h.lsn);
  for (auto& r : h.runners) {
    SinkHealth hh = r->health();
    if (hh.transactions == 0) continue;  // its view did not change: nothing was written, nothing failed
    CHECK(hh.errors >= 4);
    CHECK(hh.retries >= 4);
    CHECK(hh.last_error.empty());
    CHECK(hh.status == SinkStatus::kHealthy);
  }
}

TEST_CASE("a sink failing past failure_timeout is detached, releases the slot, and is rebuilt once it works") {
  AckTracker tracker(1);
  SinkRunnerOptions o = fast_options("");
  o.failure_timeout = 30ms;
  o.on_failure = FailurePolicy::kDetach;
  Harness h(testing::seed_from_env(41), 2, o, &tracker);
  h.wait_replacements_served();
  h.steps(5);
  h.flush_all();
  h.stores[0]->fail(1000000);
  for (int k = 0; k < 2000 && h.runners[0]->health().status != SinkStatus::kDetached; ++k) {
    h.steps(1);
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(h.runners[0]->health().status == SinkStatus::kDetached);
  CHECK(!h.runners[0]->health().last_error.empty());
  h.steps(20);  // not blocked by the detached sink
  h.flush_all();
  tracker.checkpointed(h.lsn);
  CHECK(tracker.ack_lsn() == h.lsn);  // the detached sink does not hold the slot
  h.stores[0]->fail(0);
  for (int k = 0; k < 5000 && h.runners[0]->health().status != SinkStatus::kHealthy; ++k) {
    h.serve_replacements();
    std::this_thread::sleep_for(1ms);
  }
  CHECK(h.runners[0]->health().status == SinkStatus::kHealthy);
  h.steps(10);
  h.flush_all();
  h.check_equal();
  CHECK(h.runners[0]->health().replaces == 2);
}

TEST_CASE("a target changed behind the sink's back is rebuilt from the view") {
  Harness h(testing::seed_from_env(51), 3, fast_options(""));
  h.wait_replacements_served();
  h.steps(20);
  h.flush_all();
  // Tamper: remove every row of every store; the next delete or update cannot find its row.
  for (auto& s : h.stores) {
    std::lock_guard<std::mutex> l(s->mu);
    s->rows.clear();
  }
  for (int k = 0; k < 20; ++k) {
    h.steps(5);
    h.flush_all();
  }
  h.check_equal();
  uint64_t rebuilt = 0;
  for (auto& r : h.runners) rebuilt += r->health().replaces - 1;
  CHECK(rebuilt >= 1);
}

TEST_CASE("a full queue blocks submit until the sink catches up (backpressure)") {
  auto store = std::make_shared<MemoryStore>();
  ViewShape shape;
  shape.view = "v";
  shape.columns = {{"x", "bigint", ivm::Type::kInt64}};
  SinkRunnerOptions o = fast_options("v");
  o.queue_transactions = 2;
  o.on_failure = FailurePolicy::kRetry;
  SinkRunner r(std::make_unique<MemorySink>(store, shape), o, nullptr, 0);
  r.start();
  while (!r.wants_replace()) std::this_thread::sleep_for(1ms);
  r.submit_replace(1, {});
  REQUIRE(r.flush(far()));
  store->fail(1000000);
  auto txn = [](Lsn lsn) {
    auto t = std::make_shared<ViewTxn>();
    t->lsn = lsn;
    t->changes.push_back(ivm::ViewChange{ivm::ChangeKind::kInsert, {}, {ivm::Value::int64(static_cast<int64_t>(lsn))}, -1, -1});
    t->bytes = 100;
    return t;
  };
  CHECK(r.submit(txn(2)));
  CHECK(r.submit(txn(3)));
  std::atomic<bool> returned{false};
  std::thread t([&] {
    r.submit(txn(4));
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  CHECK(!returned.load());  // blocked: two transactions queued, the sink failing
  CHECK(r.health().queued_transactions == 2);
  store->fail(0);
  t.join();
  CHECK(returned.load());
  REQUIRE(r.flush(far()));
  CHECK(store->snapshot().size() == 3);
  CHECK(store->durable() == 4);
}


TEST_CASE("batching by time: transactions arriving within batch_linger go in one write; flush does not wait for it") {
  ViewShape shape;
  shape.view = "kv";
  shape.columns = {{"k", "bigint", ivm::Type::kInt64}};
  shape.key = {0};
  auto store = std::make_shared<MemoryStore>();
  SinkRunnerOptions o = fast_options("linger");
  o.batch_linger = 300ms;
  o.max_batch_transactions = 100;
  SinkRunner r(std::make_unique<MemorySink>(store, shape), o, nullptr, 0);
  r.start();
  for (int k = 0; k < 2000 && !r.wants_replace(); ++k) std::this_thread::sleep_for(1ms);
  REQUIRE(r.wants_replace());
  r.submit_replace(1, {});
  auto insert = [](Lsn lsn) {
    auto t = std::make_shared<ViewTxn>();
    t->lsn = lsn;
    ivm::ViewChange c;
    c.kind = ivm::ChangeKind::kInsert;
    c.new_row = {ivm::Value::int64(static_cast<int64_t>(lsn))};
    t->changes.push_back(c);
    return t;
  };
  REQUIRE(r.flush(far()));
  uint64_t writes_before = store->writes;
  for (Lsn l = 2; l <= 4; ++l) REQUIRE(r.submit(insert(l)));
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard<std::mutex> l(store->mu);
    CHECK(store->writes == writes_before);  // still lingering
  }
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(r.flush(far()));
  CHECK(std::chrono::steady_clock::now() - t0 < 150ms);  // flush cut the linger short
  std::lock_guard<std::mutex> l(store->mu);
  CHECK(store->writes == writes_before + 1);  // one write for the three transactions
  CHECK(store->rows.size() == 3);
  CHECK(store->lsn == 4);
}

}  // namespace
}  // namespace rindle::sinks
