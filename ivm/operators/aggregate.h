// Aggregate: GROUP BY with count(*), count(x), count(DISTINCT x), sum, avg,
// min and max (DISTINCT allowed on each).
//
// Output rows: the group-by values followed by one value per aggregate.
// State per group: the row count and, per aggregate, what it needs to move in
// both directions: counts and exact sums (int64 in 128 bits, numeric and
// float64 exactly as decimals, so results never depend on the order of
// changes), an ordered multiset of values for min/max (a small counted
// B+tree, so deleting the current extreme needs no rescan and costs
// O(log distinct values)), and value counts for DISTINCT. Each group also
// keeps the aggregate values it last emitted, so a change computes only the
// group's new row.
// A global aggregate (no GROUP BY) always has exactly one output row.
#pragma once

#include <memory>

#include "ivm/ast.h"
#include "ivm/operators/operator.h"
#include "ivm/plan/bound_expr.h"
#include "ivm/state/ordered_rows.h"
#include "ivm/state/row_table.h"

namespace rindle::ivm {

__extension__ typedef __int128 Int128;            // GCC/Clang extension: exact int64 sums
__extension__ typedef unsigned __int128 UInt128;

struct AggSpec {
  AggFn fn = AggFn::kCount;
  bool star = false;       // count(*)
  bool distinct = false;
  BoundExpr arg;           // unused for count(*)
  Type result_type = Type::kInt64;
};

// The result type of fn over values of type arg (PostgreSQL's rules for the
// engine's types). kTypeMismatch if the aggregate does not take that type.
Result<Type> aggregate_result_type(AggFn fn, Type arg, bool star);

class AggregateOp final : public Operator {
 public:
  // group_exprs and specs' args are bound against input_layout.
  AggregateOp(std::unique_ptr<Operator> input, std::vector<BoundExpr> group_exprs, std::vector<AggSpec> specs,
              Layout input_layout);
  Status step(StepContext& ctx, ZSet* out) override;
  size_t state_bytes() const override;
  void describe(int depth, std::string* out) const override;

 private:
  struct AggState {
    int64_t count = 0;         // non-NULL inputs (distinct values for DISTINCT)
    Int128 int_sum = 0;        // sum of int64 inputs
    std::string exact_sum;     // sum of numeric / finite float64 inputs, canonical numeric ("" = 0)
    int64_t pos_inf = 0, neg_inf = 0, nan = 0;  // float64 / numeric specials
    std::unique_ptr<OrderedRows> ordered;       // min/max: the values, ordered, with counts
    std::unique_ptr<RowBag> distinct;           // DISTINCT inputs
  };
  struct Group {
    int64_t rows = 0;
    uint64_t touched = 0;   // the step that last touched the group
    bool emitted = false;   // the group's row is in the output (emitted_ holds its values)
  };

  Status accumulate(const AggSpec& spec, AggState& st, const Value& v, int64_t weight);
  Status add_to_sum(AggState& st, const Value& v, int64_t weight);
  bool final_value(const AggSpec& spec, const AggState& st, Value* out, Status* error) const;
  void emit(ZSet* out, uint32_t group, const Value* aggs, int64_t weight) const;
  // data() + offset, not &aggs_[...]: a GROUP BY without aggregates has no states at all.
  AggState* aggs(uint32_t group) { return aggs_.data() + static_cast<size_t>(group) * specs_.size(); }

  std::vector<BoundExpr> group_exprs_;
  std::vector<AggSpec> specs_;
  Layout input_layout_;
  bool global_;
  SortSpec value_order_;          // min/max: one value, ascending
  RowTable<Group> groups_;        // the group-by values -> group
  std::vector<AggState> aggs_;    // per group id, one per spec
  std::vector<Value> emitted_;    // per group id, one per spec: the values last emitted
  std::vector<uint32_t> touched_; // scratch: groups touched by this step
  uint64_t step_no_ = 0;
  std::vector<Value> key_, now_;  // scratch
};

}  // namespace rindle::ivm
