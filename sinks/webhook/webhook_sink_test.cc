// The webhook sink against a real HTTP receiver (civetweb on loopback, real
// sockets) that deduplicates by change id and replays what it received, fed
// by a real engine on random workloads through the sink runner. The
// receiver's rows equal the engine's view and a fresh evaluation; receiver
// 5xx answers, timeouts, outages and sink crashes (progress behind what was
// delivered) lose nothing, and what is sent twice carries the same ids.
#include "tests/support/temp_dir.h"
#include "sinks/webhook/webhook_sink.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "sinks/ack_tracker.h"
#include "sinks/sink_runner.h"
#include "sinks/testing/view_feed.h"
#include "sinks/testing/redis_server.h"  // free_port
#include "sinks/testing/webhook_receiver.h"

namespace rindle::sinks {
namespace {

using namespace std::chrono_literals;
using testing::Feed;
using testing::same_rows;
using testing::show;
using testing::WebhookReceiver;

using rindle::testing::TempDir;

ivm::Type col_type(const SinkColumn& c) { return c.type == ivm::Type::kNull ? ivm::Type::kText : c.type; }

ivm::Row to_row(const ViewShape& shape, const ivm::Json& obj) {
  ivm::Row row;
  for (const SinkColumn& c : shape.columns) {
    const ivm::Json* f = obj.find(c.name);
    REQUIRE_MESSAGE(f != nullptr, "column " << c.name << " missing in " << testing::json_text(obj));
    if (f->kind == ivm::Json::Kind::kNull) {
      row.push_back(ivm::Value::null());
    } else if (f->kind == ivm::Json::Kind::kBool) {
      row.push_back(ivm::Value::boolean(f->boolean));
    } else {
      auto v = ivm::from_text(col_type(c), f->text);
      REQUIRE_MESSAGE(v.ok(), v.status().to_string());
      row.push_back(*v);
    }
  }
  return row;
}

// Random views may repeat a column name (SELECT * over a join); the sink
// refuses those, so the tests name them apart as a user would with AS.
ViewShape shape_of(const Feed& feed, size_t i) {
  ViewShape s = feed.shape(i);
  s.view = "v" + std::to_string(i);
  std::set<std::string> seen;
  for (SinkColumn& c : s.columns) {
    std::string base = c.name;
    for (int n = 2; !seen.insert(c.name).second; ++n) c.name = base + "_" + std::to_string(n);
  }
  return s;
}

struct Harness {
  Harness(uint64_t seed, WebhookReceiver* r, const std::string& dir) : feed(seed, 4), receiver(r) {
    history.resize(feed.ids.size());
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      WebhookSinkOptions o;
      o.url = r->url();
      o.secret = "test-secret";
      o.headers = {{"X-Test", "yes"}};
      o.timeout = 2000ms;
      o.max_batch_changes = 7;  // several requests per write, several parts per rebuild
      o.progress_file = dir + "/v" + std::to_string(i) + ".progress";
      opts.push_back(o);
    }
    ro.retry_initial_backoff = 5ms;
    ro.retry_max_backoff = 50ms;
    ro.failure_timeout = 600s;
    ro.on_failure = FailurePolicy::kRetry;
    ro.queue_transactions = 64;
    ro.batch_linger = 5ms;
  }
  void start() {
    runners.clear();
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      runners.push_back(std::make_unique<SinkRunner>(std::make_unique<WebhookSink>(opts[i], shape_of(feed, i)), ro,
                                                     &tracker, static_cast<int>(i)));
      runners.back()->start();
    }
  }
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
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      if (!feed.healthy(i)) continue;
      ViewShape shape = shape_of(feed, i);
      INFO("view " << ivm::to_sql(feed.queries[i]));
      std::vector<ivm::Row> got;
      for (const WebhookReceiver::Row& r : receiver->rows(shape.view)) got.push_back(to_row(shape, r.row));
      std::vector<ivm::Row> want = feed.rows(i);
      CHECK_MESSAGE(same_rows(got, want, false), "receiver:\n" << show(got) << "engine:\n" << show(want));
      std::vector<ivm::Row> oracle;
      if (feed.reference_rows(i, &oracle)) CHECK(same_rows(got, oracle, false));
    }
    std::vector<std::string> problems = receiver->problems();
    CHECK_MESSAGE(problems.empty(), (problems.empty() ? "" : problems[0]));
    CHECK(receiver->bad_signatures() == 0);
    CHECK(receiver->missing_idempotency_keys() == 0);
  }

  Feed feed;
  WebhookReceiver* receiver;
  std::vector<WebhookSinkOptions> opts;
  SinkRunnerOptions ro;
  AckTracker tracker;
  std::vector<std::unique_ptr<SinkRunner>> runners;
  std::vector<std::vector<std::shared_ptr<const ViewTxn>>> history;
  Lsn lsn = 1;
};

TEST_CASE("HMAC-SHA256 signature: RFC 4231 test case 2") {
  CHECK(webhook_signature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("random workloads: the receiver's deduplicated replay equals the view and a fresh evaluation") {
  WebhookReceiver receiver("test-secret");
  REQUIRE_MESSAGE(receiver.error().empty(), receiver.error());
  TempDir dir;
  REQUIRE(!dir.path.empty());
  uint64_t seed = testing::seed_from_env(1);
  INFO("RINDLE_SEED=" << seed);
  Harness h(seed, &receiver, dir.path);
  h.start();
  h.settle();
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 5; ++k) h.step();
    h.settle();
    h.check_all();
    CHECK(h.tracker.ack_lsn() == h.lsn);
  }
  CHECK(receiver.duplicates() == 0);  // nothing failed, so nothing was sent twice
  // Bodies are well-formed and carry the documented fields.
  std::vector<std::string> bodies = receiver.bodies();
  REQUIRE(!bodies.empty());
  bool saw_change = false;
  for (const std::string& b : bodies) {
    auto j = ivm::parse_json(b);
    REQUIRE(j.ok());
    if (j->find("type")->text != "changes") continue;
    for (const ivm::Json& c : j->find("changes")->items) {
      saw_change = true;
      for (const char* f : {"id", "lsn", "commit_time", "op", "key", "row", "old"}) CHECK(c.find(f) != nullptr);
    }
  }
  CHECK(saw_change);
}

TEST_CASE("receiver answering 500, timing out, and down: retried with backoff, nothing lost, the slot waits") {
  WebhookReceiver receiver("test-secret");
  TempDir dir;
  REQUIRE(!dir.path.empty());
  uint64_t seed = testing::seed_from_env(50);
  INFO("RINDLE_SEED=" << seed);
  Harness h(seed, &receiver, dir.path);
  for (auto& o : h.opts) o.timeout = 300ms;
  h.start();
  h.settle();

  SUBCASE("500s") {
    receiver.fail_next(15, 500);
    for (int k = 0; k < 20; ++k) h.step();
    h.settle();
    h.check_all();
    uint64_t retries = 0;
    for (auto& r : h.runners) retries += r->health().retries;
    CHECK(retries >= 1);
  }
  SUBCASE("429 and 503 are retried too") {
    receiver.fail_next(3, 429);
    for (int k = 0; k < 8; ++k) h.step();
    h.settle();
    receiver.fail_next(3, 503);
    for (int k = 0; k < 8; ++k) h.step();
    h.settle();
    h.check_all();
  }
  SUBCASE("timeouts: applied by the receiver, resent by the sink, deduplicated by id") {
    receiver.delay(600);
    for (int k = 0; k < 6; ++k) h.step();
    std::this_thread::sleep_for(1500ms);
    receiver.delay(0);
    h.settle();
    for (int k = 0; k < 6; ++k) h.step();
    h.settle();
    h.check_all();
    CHECK(receiver.duplicates() > 0);
  }
  SUBCASE("down, then up") {
    receiver.stop();
    for (int k = 0; k < 15; ++k) h.step();
    std::this_thread::sleep_for(100ms);
    bool pending = false, retrying = false;
    for (auto& r : h.runners) {
      SinkHealth hh = r->health();
      pending |= hh.queued_transactions > 0;
      retrying |= hh.status == SinkStatus::kRetrying;
    }
    REQUIRE(pending);
    CHECK(retrying);
    CHECK(h.tracker.ack_lsn() < h.lsn);  // nothing unanswered is acknowledged
    REQUIRE(receiver.start());
    h.settle();
    CHECK(h.tracker.ack_lsn() == h.lsn);
    h.check_all();
  }
}

TEST_CASE("crash after delivery, before the progress file moved: the batches are sent again with the same ids") {
  WebhookReceiver receiver("test-secret");
  TempDir dir;
  REQUIRE(!dir.path.empty());
  uint64_t seed = testing::seed_from_env(70);
  INFO("RINDLE_SEED=" << seed);
  Harness h(seed, &receiver, dir.path);
  h.start();
  h.settle();
  for (int k = 0; k < 10; ++k) h.step();
  h.settle();
  // The progress as of now; then more deliveries.
  std::vector<std::string> saved;
  for (auto& o : h.opts) {
    std::ifstream in(o.progress_file);
    std::stringstream ss;
    ss << in.rdbuf();
    saved.push_back(ss.str());
  }
  for (int k = 0; k < 20; ++k) h.step();
  h.settle();
  h.runners.clear();  // crash ...
  for (size_t i = 0; i < h.opts.size(); ++i) {
    // ... whose renames never happened: the delivered LSN goes back; the
    // epoch (written at open, before anything was sent) stays.
    std::ifstream now(h.opts[i].progress_file);
    std::string lsn, fingerprint, epoch;
    std::getline(now, lsn);
    std::getline(now, fingerprint);
    std::getline(now, epoch);
    std::istringstream old(saved[i]);
    std::getline(old, lsn);
    std::ofstream(h.opts[i].progress_file, std::ios::trunc) << lsn << "\n" << fingerprint << "\n" << epoch << "\n";
  }
  uint64_t dups_before = receiver.duplicates();
  h.start();
  h.settle();
  for (size_t i = 0; i < h.runners.size(); ++i) {
    for (auto& t : h.history[i]) h.runners[i]->submit(t);  // the slot replays
  }
  h.settle();
  h.check_all();
  bool resent = false;
  for (auto& hist : h.history) resent |= hist.size() > 0;
  if (resent) CHECK(receiver.duplicates() > dups_before);
  for (int k = 0; k < 10; ++k) h.step();
  h.settle();
  h.check_all();
}

TEST_CASE("4xx: stop keeps retrying the rejected batch and sends nothing after it; dead_letter records it and goes on") {
  WebhookReceiver receiver;
  TempDir dir;
  REQUIRE(!dir.path.empty());
  ViewShape shape;
  shape.view = "kv";
  shape.columns = {{"k", "bigint", ivm::Type::kInt64}, {"v", "text", ivm::Type::kText}};
  shape.key = {0};
  shape.fingerprint = "kv";
  WebhookSinkOptions o;
  o.url = receiver.url();
  o.progress_file = dir.path + "/kv.progress";
  auto txn = [](Lsn lsn, int64_t k) {
    ViewTxn t;
    t.lsn = lsn;
    ivm::ViewChange c;
    c.kind = ivm::ChangeKind::kInsert;
    c.new_row = {ivm::Value::int64(k), ivm::Value::text("x")};
    t.changes.push_back(c);
    return t;
  };
  WebhookSink s(o, shape);
  auto st = s.open();
  REQUIRE(st.ok());
  CHECK(st->needs_replace);
  REQUIRE(s.replace(1, {}).ok());
  ViewTxn t2 = txn(2, 2);
  const ViewTxn* p2 = &t2;
  receiver.fail_next(1, 422);
  ivm::Status w = s.write({&p2, 1});
  CHECK_FALSE(w.ok());
  CHECK(w.message().find("422") != std::string::npos);
  CHECK(receiver.rows("kv").empty());
  REQUIRE(s.write({&p2, 1}).ok());  // retried: accepted now
  CHECK(receiver.rows("kv").size() == 1);

  o.on_client_error = ClientErrorPolicy::kDeadLetter;
  o.dead_letter_file = dir.path + "/dead.jsonl";
  WebhookSink d(o, shape);
  auto ds = d.open();
  REQUIRE(ds.ok());
  CHECK(ds->durable_lsn == 2);
  CHECK_FALSE(ds->needs_replace);
  ViewTxn t3 = txn(3, 3), t4 = txn(4, 4);
  const ViewTxn* p3 = &t3;
  const ViewTxn* p4 = &t4;
  receiver.fail_next(1, 400);
  REQUIRE(d.write({&p3, 1}).ok());
  REQUIRE(d.write({&p4, 1}).ok());
  CHECK(d.counters().dead_lettered == 1);
  std::ifstream in(o.dead_letter_file);
  std::string line;
  REQUIRE(std::getline(in, line));
  auto j = ivm::parse_json(line);
  REQUIRE(j.ok());
  CHECK(j->find("status")->text == "400");
  CHECK(j->find("request")->find("changes")->items[0].find("id")->text == "kv/0/3/3");
  CHECK(receiver.rows("kv").size() == 2);  // 2 and 4
}

TEST_CASE("the URL's credentials, header values and the secret never appear in descriptions or errors") {
  TempDir dir;
  REQUIRE(!dir.path.empty());
  ViewShape shape;
  shape.view = "kv";
  shape.columns = {{"k", "bigint", ivm::Type::kInt64}};
  shape.key = {0};
  WebhookSinkOptions o;
  int port = testing::free_port();
  o.url = "http://alice:pa55word@127.0.0.1:" + std::to_string(port) + "/hook?token=t0ken";
  o.secret = "hmac-s3cret";
  o.headers = {{"Authorization", "Bearer b3arer"}};
  o.timeout = 500ms;
  o.progress_file = dir.path + "/p";
  WebhookSink s(o, shape);
  CHECK(s.describe() == "webhook http://127.0.0.1:" + std::to_string(port) + "/hook");
  REQUIRE(s.open().ok());
  ivm::Status r = s.replace(1, {{ivm::Value::int64(1)}});
  REQUIRE_FALSE(r.ok());
  for (const char* secret : {"pa55word", "t0ken", "hmac-s3cret", "b3arer", "alice"}) {
    CHECK(r.message().find(secret) == std::string::npos);
  }
}


// The delivering process (see the Redis sink's crash test): a fresh engine on
// the same seed, every transaction submitted again, rebuilds answered at
// transaction boundaries; exits 0 once everything is delivered.
[[noreturn]] void deliver(uint64_t seed, WebhookReceiver* receiver, const std::string& dir, int steps) {
  Harness h(seed, receiver, dir);
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

TEST_CASE("kill -9 of the delivering process 20 times: the receiver's deduplicated log replays to exactly the view") {
  WebhookReceiver receiver("test-secret");
  TempDir dir;
  REQUIRE(!dir.path.empty());
  uint64_t seed = testing::seed_from_env(600);
  INFO("RINDLE_SEED=" << seed);
  const int steps = 400;  // long enough that most rounds are killed mid-delivery on a fast machine too
  ivm::testing::Rng rng(seed);
  int killed = 0;
  for (int round = 0; round <= 20; ++round) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) deliver(seed, &receiver, dir.path, steps);
    int status = 0;
    if (round < 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng.below(60)));
      ::kill(pid, SIGKILL);
      REQUIRE(waitpid(pid, &status, 0) == pid);
      if (WIFSIGNALED(status)) ++killed;
    } else {
      REQUIRE(waitpid(pid, &status, 0) == pid);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
  }
  CHECK(killed >= 5);  // most runs die mid-delivery (later ones may finish first)
  Harness probe(seed, &receiver, dir.path);
  for (int k = 0; k < steps; ++k) probe.feed.step(++probe.lsn);
  probe.check_all();
  if (std::getenv("RINDLE_DEBUG_BODIES")) {
    for (const std::string& b : receiver.bodies()) {
      if (b.find(std::string("\"view\":\"") + std::getenv("RINDLE_DEBUG_BODIES") + "\"") != std::string::npos) std::fprintf(stderr, "BODY %s\n", b.substr(0, 300).c_str());
    }
  }
  if (std::getenv("RINDLE_VERBOSE")) {
    MESSAGE("requests " << receiver.requests() << " duplicates " << receiver.duplicates() << " stale " << receiver.stale());
  }
}

}  // namespace
}  // namespace rindle::sinks
