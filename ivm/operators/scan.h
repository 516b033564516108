// Scan: the leaf of every view tree. Emits the batch's delta of one source
// table, projected to the columns the view reads, keeping only rows that pass
// the conditions pushed down onto this table. Stateless.
#pragma once

#include <optional>

#include "ivm/operators/operator.h"
#include "ivm/plan/bound_expr.h"

namespace rindle::ivm {

class ScanOp final : public Operator {
 public:
  // columns: table column indexes, in output order (read from stored rows
  // through the step's TableInput::positions).
  // filter: bound against the output layout (the projected columns).
  ScanOp(int table_id, std::string table_name, std::vector<int> columns, std::optional<BoundExpr> filter,
         Layout layout);
  Status step(StepContext& ctx, ZSet* out) override;
  bool reads_table(int table_id) const override { return table_id == table_id_; }
  void describe(int depth, std::string* out) const override;
  const std::vector<int>& columns() const { return columns_; }

 private:
  int table_id_;
  std::string table_name_;
  std::vector<int> columns_;
  std::optional<BoundExpr> filter_;
  Layout layout_;
  std::vector<Value> row_;  // scratch: one projected row
};

}  // namespace rindle::ivm
