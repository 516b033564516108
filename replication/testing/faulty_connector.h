// FaultyConnector: the real walsender connector with faults injected, for
// fault tests (the seam of wal_connection.h). Connections drop at random reads
// (the socket is closed, nothing acknowledged), status updates are lost at
// random (the server never sees them), and connection attempts fail at random.
//
// Thread rules: used by one stream's I/O thread; counters readable from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>

#include "replication/wal_connection.h"

namespace rindle::replication::testing {

struct Faults {
  double drop_per_read = 0.0;     // probability that a read drops the connection instead
  double lose_per_write = 0.0;    // probability that a status update silently goes nowhere
  double fail_per_connect = 0.0;  // probability that a connection attempt fails
  // After this many data reads a connection becomes a black hole (a network
  // partition without a reset): reads time out, writes vanish. -1: never.
  int64_t black_hole_after_reads = -1;
};

class FaultyConnector : public WalConnector {
 public:
  FaultyConnector(WalConnector* real, uint64_t seed, Faults faults) : real_(real), rng_(seed), faults_(faults) {}
  Started start(const StartRequest& request) override;

  std::atomic<uint64_t> drops{0}, lost_writes{0}, failed_connects{0}, black_holes{0};

 private:
  friend class FaultyConnection;
  bool roll(double p);

  WalConnector* real_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  Faults faults_;
};

}  // namespace rindle::replication::testing
