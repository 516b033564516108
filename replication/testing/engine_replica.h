// EngineReplica: a consumer of TxnBatches for tests, fuzzers and benchmarks —
// an ivm::Engine holding a copy of the source tables.
//
// It gives the stream the hooks the daemon gives it: lookup is
// Engine::lookup; scan_keys lists a table's keys from a `SELECT *` view the
// replica registers per table (the engine has no table scan of its own).
// rows_text() renders a table for comparison with PostgreSQL (see cell_text).
//
// Thread rules: one thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ivm/engine.h"
#include "replication/pgoutput/batch.h"
#include "replication/pgoutput/shaper.h"

namespace rindle::replication::testing {

// A value's text for comparisons: NULL is "\N"; texts longer than 64 bytes
// become "<len>:<hash>" so large TOASTed values compare cheaply.
std::string cell_text(std::string_view text, bool is_null);

class EngineReplica {
 public:
  ivm::Status add_table(const TableSpec& spec);
  ivm::Status load(const std::string& table, const std::vector<ivm::Row>& rows) { return engine_.load(table, rows); }
  // Applies the batch's changes; kConstraint etc. if the engine refuses.
  ivm::Status apply(const TxnBatch& batch);
  ShapeHooks hooks();
  // The table's rows as "cell|cell|..." (cell_text of ivm::to_text), sorted.
  std::vector<std::string> rows_text(const std::string& table) const;
  ivm::Engine& engine() { return engine_; }

 private:
  ivm::Engine engine_;
  std::map<std::string, ivm::ViewId, std::less<>> views_;
  std::map<std::string, std::vector<int>, std::less<>> keys_;
};

}  // namespace rindle::replication::testing
