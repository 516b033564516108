// SemiJoin: keeps the left rows that have (or lack) a match in a subquery —
// [NOT] EXISTS (correlated by equalities) and [NOT] IN (subquery).
//
// The right input yields key rows: the subquery's correlation values followed,
// for IN, by its selected value. Left rows are keyed by the matching outer
// expressions. Modes:
//   kSemi  (EXISTS, IN):   pass when some right row has the key (NULLs never match).
//   kAnti  (NOT EXISTS):   pass when none has.
//   kNotIn (x NOT IN (SELECT y ... [correlated])): SQL's three-valued rule per
//          correlation group g: pass when g is empty, or when x is not NULL,
//          g holds no NULL y, and no y equals x.
// State: counts of right keys (and, for kNotIn, per-group totals and NULL
// counts) and the left rows indexed by key, so a right change re-emits only
// the left rows whose outcome it flips.
#pragma once

#include <unordered_map>

#include "ivm/operators/operator.h"
#include "ivm/operators/row_index.h"
#include "ivm/plan/bound_expr.h"

namespace rindle::ivm {

enum class SemiJoinMode : unsigned char { kSemi, kAnti, kNotIn };

class SemiJoinOp final : public Operator {
 public:
  // left_keys bound against left_layout; the right input's rows are keys of the
  // same width. For kNotIn the last key column is the IN value, the others the
  // correlation.
  SemiJoinOp(std::unique_ptr<Operator> left, std::unique_ptr<Operator> right, SemiJoinMode mode,
             std::vector<BoundExpr> left_keys, Layout left_layout, std::string subquery_sql);
  Status step(StepContext& ctx, Delta* out) override;
  size_t state_bytes() const override;
  void describe(int depth, std::string* out) const override;

 private:
  struct Group {
    int64_t total = 0;
    int64_t nulls = 0;
  };
  bool passes(const Row& key) const;
  int64_t count_of(const Row& key) const;
  static Row group_of(const Row& key) { return Row(key.begin(), key.end() - 1); }

  SemiJoinMode mode_;
  std::vector<BoundExpr> left_keys_;
  Layout left_layout_;
  std::string subquery_sql_;
  std::unordered_map<Row, int64_t, RowHash, RowEq> right_counts_;  // key -> count (keys without NULL)
  std::unordered_map<Row, Group, RowHash, RowEq> groups_;          // kNotIn: correlation -> stats
  RowIndex left_by_key_;    // left rows whose outcome can change, by full key
  RowIndex left_by_group_;  // kNotIn: the same rows by correlation group
};

}  // namespace rindle::ivm
