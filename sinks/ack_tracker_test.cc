#include "sinks/ack_tracker.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace rindle::sinks {
namespace {

TEST_CASE("ack waits for the slowest sink and never passes a pending transaction") {
  AckTracker t(100);
  t.add_sink(1);
  t.add_sink(2);
  CHECK(t.ack_lsn() == 100);
  // Transaction 110 goes to both sinks; 120 only to sink 1.
  t.applied(110);
  t.submitted(1, 110);
  t.submitted(2, 110);
  t.dispatched(110);
  t.checkpointed(110);  // checkpoint keeps up in this part
  CHECK(t.ack_lsn() == 109);
  t.durable(1, 110);
  CHECK(t.ack_lsn() == 109);  // sink 2 still pending
  t.durable(2, 110);
  CHECK(t.ack_lsn() == 110);
  t.applied(120);
  t.submitted(1, 120);
  t.dispatched(120);
  t.checkpointed(120);
  CHECK(t.ack_lsn() == 119);
  CHECK(t.sink_bound(2) == 120);  // nothing pending: bounded by dispatched only
  t.durable(1, 120);
  CHECK(t.ack_lsn() == 120);
}

TEST_CASE("ack never passes the engine checkpoint once something was applied after it") {
  AckTracker t(10);
  t.add_sink(1);
  t.applied(20);
  t.submitted(1, 20);
  t.dispatched(20);
  t.durable(1, 20);
  CHECK(t.ack_lsn() == 10);  // checkpoint still at 10
  t.applied(30);
  t.submitted(1, 30);
  t.dispatched(30);
  t.durable(1, 30);
  t.checkpointed(30);
  CHECK(t.ack_lsn() == 30);
}

TEST_CASE("keepalive positions are acknowledged when nothing is pending") {
  AckTracker t(50);
  t.add_sink(1);
  t.dispatched(500);  // a keepalive: no transaction applied since the checkpoint
  CHECK(t.ack_lsn() == 500);
  // A transaction arrives: the checkpoint at 50 now binds, but ack stays monotonic (500 is
  // safe: the engine state at 50 equals the state at 500).
  t.applied(600);
  t.submitted(1, 600);
  t.dispatched(600);
  CHECK(t.ack_lsn() == 500);
}

TEST_CASE("released and removed sinks stop holding the slot back") {
  AckTracker t(0);
  t.add_sink(1);
  t.add_sink(2);
  t.applied(5);
  t.checkpointed(5);
  t.submitted(1, 5);
  t.submitted(2, 5);
  t.dispatched(5);
  t.durable(1, 5);
  CHECK(t.ack_lsn() == 4);
  t.release(2);
  CHECK(t.ack_lsn() == 5);
  t.applied(9);
  t.checkpointed(9);
  t.submitted(2, 9);
  t.dispatched(9);
  CHECK(t.ack_lsn() == 8);
  t.remove_sink(2);
  CHECK(t.ack_lsn() == 9);
}

TEST_CASE("concurrent sinks: the ack is always a prefix of what every sink made durable") {
  AckTracker t(0);
  constexpr int kSinks = 4;
  constexpr uint64_t kTxns = 20000;
  for (int s = 0; s < kSinks; ++s) t.add_sink(s);
  std::atomic<uint64_t> durable[kSinks] = {};
  std::atomic<uint64_t> submitted{0};
  std::vector<std::thread> workers;
  for (int s = 0; s < kSinks; ++s) {
    workers.emplace_back([&, s] {
      uint64_t d = 0;
      while (d < kTxns) {
        uint64_t up = submitted.load();
        if (up > d) {
          d = std::min(up, d + 1 + static_cast<uint64_t>(s));
          durable[s].store(d);  // before the tracker hears of it: the atomic is never behind
          t.durable(s, d);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  uint64_t last = 0;
  for (uint64_t l = 1; l <= kTxns; ++l) {
    t.applied(l);
    for (int s = 0; s < kSinks; ++s) t.submitted(s, l);
    t.dispatched(l);
    submitted.store(l);
    if (l % 64 == 0) t.checkpointed(l);
    uint64_t a = t.ack_lsn();
    CHECK(a >= last);
    last = a;
    for (int s = 0; s < kSinks; ++s) CHECK(a <= durable[s].load());
  }
  for (auto& w : workers) w.join();
  t.checkpointed(kTxns);
  CHECK(t.ack_lsn() == kTxns);
}

}  // namespace
}  // namespace rindle::sinks
