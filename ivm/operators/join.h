// Join: inner or left equi-join of two inputs on key expressions.
//
// State: each input indexed on its join key (KeyedRows). A left-side change
// probes the right index and vice versa, so a change costs the matches it
// produces, not the table sizes. Keys containing NULL never match (SQL =).
// LEFT: a left row without matches is emitted once, padded with NULLs; when
// its key gains its first right row the padded row is retracted, and
// re-emitted when the key loses its last one.
// Output rows are the left row followed by the right row.
#pragma once

#include "ivm/ast.h"
#include "ivm/operators/operator.h"
#include "ivm/plan/bound_expr.h"
#include "ivm/state/keyed_rows.h"

namespace rindle::ivm {

class JoinOp final : public Operator {
 public:
  // left_keys are bound against left_layout, right_keys against right_layout.
  // REQUIRES: left_keys.size() == right_keys.size(); kind is kInner or kLeft.
  JoinOp(std::unique_ptr<Operator> left, std::unique_ptr<Operator> right, JoinKind kind,
         std::vector<BoundExpr> left_keys, std::vector<BoundExpr> right_keys, Layout left_layout,
         Layout right_layout);
  Status step(StepContext& ctx, ZSet* out) override;
  size_t state_bytes() const override;
  void describe(int depth, std::string* out) const override;

 private:
  void emit(ZSet* out, const Value* l, const Value* r, int64_t weight) const;

  JoinKind kind_;
  int left_width_, right_width_;
  std::vector<BoundExpr> left_keys_, right_keys_;
  Layout left_layout_, right_layout_;
  KeyedRows left_index_, right_index_;
  std::vector<Value> key_;        // scratch
  std::vector<uint32_t> hashes_;  // scratch: row hashes of the current delta
};

}  // namespace rindle::ivm
