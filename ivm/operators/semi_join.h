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

#include "ivm/operators/operator.h"
#include "ivm/plan/bound_expr.h"
#include "ivm/state/keyed_rows.h"
#include "ivm/state/row_table.h"

namespace rindle::ivm {

enum class SemiJoinMode : unsigned char { kSemi, kAnti, kNotIn };

class SemiJoinOp final : public Operator {
 public:
  // left_keys bound against left_layout; the right input's rows are keys of the
  // same width. For kNotIn the last key column is the IN value, the others the
  // correlation.
  SemiJoinOp(std::unique_ptr<Operator> left, std::unique_ptr<Operator> right, SemiJoinMode mode,
             std::vector<BoundExpr> left_keys, Layout left_layout, std::string subquery_sql);
  Status step(StepContext& ctx, ZSet* out) override;
  size_t state_bytes() const override;
  void describe(int depth, std::string* out) const override;

 private:
  struct Group {
    int64_t total = 0;
    int64_t nulls = 0;
  };
  // Whether a left row with this key (key_width_ values) passes.
  bool passes(const Value* key) const;
  int64_t count_of(const Value* key) const { return right_counts_.count(key); }
  // Re-evaluates the left rows of `bucket` in `index` around a state change.
  template <class Apply>
  Status reevaluate(const KeyedRows& index, uint32_t bucket, WorkCounters& wc, ZSet* out, Apply&& apply);

  SemiJoinMode mode_;
  int key_width_;
  std::vector<BoundExpr> left_keys_;
  Layout left_layout_;
  std::string subquery_sql_;
  RowBag right_counts_;      // right key -> count (keys without NULL)
  RowTable<Group> groups_;   // kNotIn: correlation -> stats
  KeyedRows left_by_key_;    // left rows whose outcome can change, by full key
  KeyedRows left_by_group_;  // kNotIn: the same rows by correlation group
  std::vector<Value> key_;   // scratch
  ZSet rows_;                // scratch for reevaluate
  std::vector<char> before_;
};

}  // namespace rindle::ivm
