// MemorySink: a complete SinkWriter that keeps a view's contents in memory.
//
// Its "external system" is a MemoryStore the caller owns, which outlives
// sink instances the way a database outlives connections: rows, durable LSN
// and fingerprint survive close()/open() and a new MemorySink on the same
// store. Applying follows the same rules as the table sink (deletes and
// updates must find their row, positions for ordered views), so the store's
// rows equal the view's rows whenever the sink is durable at the engine's LSN.
//
// Fault injection for tests of the runner and the pipeline: fail_next(n)
// makes the next n calls of open/replace/write fail with the given code
// before doing anything.
//
// Thread rules: a MemorySink is used by one thread (its runner's worker); the
// store is protected by its own mutex, so tests may read it at any time.
#pragma once

#include <memory>
#include <mutex>

#include "sinks/sink.h"

namespace rindle::sinks {

struct MemoryStore {
  mutable std::mutex mu;
  bool exists = false;          // false: like a missing table
  std::vector<ivm::Row> rows;   // in view order for ordered views
  Lsn lsn = 0;
  std::string fingerprint;
  uint64_t writes = 0;          // successful write() calls
  uint64_t replaces = 0;
  int fail_next = 0;
  ivm::Code fail_code = ivm::Code::kInternal;

  std::vector<ivm::Row> snapshot() const {
    std::lock_guard<std::mutex> l(mu);
    return rows;
  }
  Lsn durable() const {
    std::lock_guard<std::mutex> l(mu);
    return lsn;
  }
  void fail(int n, ivm::Code code = ivm::Code::kInternal) {
    std::lock_guard<std::mutex> l(mu);
    fail_next = n;
    fail_code = code;
  }
};

class MemorySink final : public SinkWriter {
 public:
  MemorySink(std::shared_ptr<MemoryStore> store, ViewShape shape, std::string name = "memory")
      : store_(std::move(store)), shape_(std::move(shape)), name_(std::move(name)) {}

  std::string describe() const override { return name_; }
  ivm::Result<SinkState> open() override;
  ivm::Status replace(Lsn lsn, const std::vector<ivm::Row>& rows) override;
  ivm::Status write(std::span<const ViewTxn* const> txns) override;
  void close() override { open_ = false; }

 private:
  ivm::Status injected();  // REQUIRES: store_->mu held
  std::shared_ptr<MemoryStore> store_;
  ViewShape shape_;
  std::string name_;
  bool open_ = false;
};

}  // namespace rindle::sinks
