// The replication stream as the pipeline's TxnSource.
//
// Wraps replication::Stream: next() hands over each transaction's engine
// batch; schema events are logged, and one that stops a table (a column a
// view reads was dropped or retyped, a value the engine cannot hold) fails
// the source: the views reading that table could no longer be kept exact, so
// rindled drains and exits 1 (the restart compiles the views against the new
// schema and takes a fresh snapshot if the tables changed).
//
// The shaping hooks read the engine (TOAST fill: Engine::lookup; TRUNCATE:
// the stored keys through Engine::scan_table). They run on the engine thread
// inside next(), after the previous batch was applied.
//
// Thread rules: the engine thread only (health() too).
#pragma once

#include <memory>

#include "daemon/pipeline.h"
#include "ivm/engine.h"
#include "replication/stream.h"

namespace rindle::daemon {

// Hooks reading `engine` (which must outlive their use).
replication::ShapeHooks engine_hooks(const ivm::Engine* engine);

class StreamSource final : public TxnSource {
 public:
  explicit StreamSource(std::unique_ptr<replication::Stream> stream) : stream_(std::move(stream)) {}
  ivm::Result<std::optional<ivm::Batch>> next(std::chrono::milliseconds timeout) override;
  void acknowledge(uint64_t lsn) override { stream_->acknowledge(lsn); }
  SourceHealth health() const override;
  replication::Stream& stream() { return *stream_; }

 private:
  std::unique_ptr<replication::Stream> stream_;
};

}  // namespace rindle::daemon
