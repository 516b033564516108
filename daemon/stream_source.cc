#include "daemon/stream_source.h"

#include <spdlog/spdlog.h>

namespace rindle::daemon {

replication::ShapeHooks engine_hooks(const ivm::Engine* engine) {
  replication::ShapeHooks h;
  h.lookup = [engine](std::string_view table, const ivm::Row& key) { return engine->lookup(table, key); };
  h.scan_keys = [engine](std::string_view table, const std::function<void(const ivm::Row&)>& emit) {
    const ivm::TableSchema* schema = engine->table(table);
    if (!schema) return;
    std::vector<int> pk = schema->primary_key;
    (void)engine->scan_table(table, [&](const ivm::Row& row) {
      ivm::Row key;
      for (int k : pk) key.push_back(row[static_cast<size_t>(k)]);
      emit(key);
    });
  };
  return h;
}

ivm::Result<std::optional<ivm::Batch>> StreamSource::next(std::chrono::milliseconds timeout) {
  ivm::Result<std::optional<replication::TxnBatch>> r = stream_->next(timeout);
  if (!r.ok()) return r.status();
  if (!*r) return std::optional<ivm::Batch>();
  replication::TxnBatch& b = **r;
  for (const replication::SchemaEvent& e : b.schema_events) {
    if (e.error.ok()) {
      spdlog::debug("source schema change: {}", e.describe());
      continue;
    }
    spdlog::error("source schema change: {}", e.describe());
    return ivm::Status(ivm::Code::kUnsupported, "source table " + e.relation +
                                                    " can no longer be followed: " + e.error.message() +
                                                    " (restart rindled to compile the views against the new schema)");
  }
  for (const std::string& t : b.truncated) spdlog::info("source table {} truncated", t);
  return std::optional<ivm::Batch>(std::move(b.batch));
}

SourceHealth StreamSource::health() const {
  replication::StreamMetrics m = stream_->metrics();
  SourceHealth h;
  h.state = replication::stream_state_name(m.state);
  h.failed = m.state == replication::StreamState::kFailed;
  if (m.failure != replication::Failure::kNone && m.failure != replication::Failure::kStopped) {
    h.error = std::string(replication::failure_name(m.failure)) + ": " + m.failure_message;
  }
  h.lag_bytes = m.lag_bytes;
  h.lag_seconds = m.lag_seconds;
  return h;
}

}  // namespace rindle::daemon
