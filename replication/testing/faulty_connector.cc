#include "replication/testing/faulty_connector.h"

#include <thread>

namespace rindle::replication::testing {

class FaultyConnection : public WalConnection {
 public:
  FaultyConnection(FaultyConnector* owner, std::unique_ptr<WalConnection> real) : owner_(owner), real_(std::move(real)) {}

  WalRead read(std::chrono::milliseconds timeout) override {
    if (!real_) return WalRead{WalRead::Kind::kError, {}, WalError{Failure::kConnection, "injected: connection dropped"}};
    if (black_hole_) {
      std::this_thread::sleep_for(timeout);
      return WalRead{WalRead::Kind::kTimeout, {}, {}};
    }
    WalRead r = real_->read(timeout);
    if (r.kind == WalRead::Kind::kData && owner_->faults_.black_hole_after_reads >= 0 &&
        ++reads_ > owner_->faults_.black_hole_after_reads) {
      black_hole_ = true;
      ++owner_->black_holes;
      return WalRead{WalRead::Kind::kTimeout, {}, {}};
    }
    if (r.kind == WalRead::Kind::kData && owner_->roll(owner_->faults_.drop_per_read)) {
      ++owner_->drops;
      real_.reset();  // closes the socket: whatever was received is not acknowledged
      return WalRead{WalRead::Kind::kError, {}, WalError{Failure::kConnection, "injected: connection dropped"}};
    }
    return r;
  }

  WalError write(std::string_view bytes, std::chrono::milliseconds timeout) override {
    if (!real_) return WalError{Failure::kConnection, "injected: connection dropped"};
    if (black_hole_) return {};
    if (owner_->roll(owner_->faults_.lose_per_write)) {
      ++owner_->lost_writes;
      return {};
    }
    return real_->write(bytes, timeout);
  }

 private:
  FaultyConnector* owner_;
  std::unique_ptr<WalConnection> real_;
  int64_t reads_ = 0;
  bool black_hole_ = false;
};

bool FaultyConnector::roll(double p) {
  if (p <= 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

WalConnector::Started FaultyConnector::start(const StartRequest& request) {
  if (roll(faults_.fail_per_connect)) {
    ++failed_connects;
    Started s;
    s.error = WalError{Failure::kConnection, "injected: connection refused"};
    return s;
  }
  Started s = real_->start(request);
  if (s.connection) s.connection = std::make_unique<FaultyConnection>(this, std::move(s.connection));
  return s;
}

}  // namespace rindle::replication::testing
