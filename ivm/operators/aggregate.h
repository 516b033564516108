// Aggregate: GROUP BY with count(*), count(x), count(DISTINCT x), sum, avg,
// min and max (DISTINCT allowed on each).
//
// Output rows: the group-by values followed by one value per aggregate.
// State per group: the row count and, per aggregate, what it needs to move in
// both directions: counts and exact sums (int64 in 128 bits, numeric and
// float64 exactly as decimals, so results never depend on the order of
// changes), an ordered multiset of values for min/max (so deleting the
// current extreme needs no rescan), and value counts for DISTINCT.
// A global aggregate (no GROUP BY) always has exactly one output row.
#pragma once

#include <map>
#include <unordered_map>

#include "ivm/ast.h"
#include "ivm/operators/operator.h"
#include "ivm/plan/bound_expr.h"

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
  Status step(StepContext& ctx, Delta* out) override;
  size_t state_bytes() const override;
  void describe(int depth, std::string* out) const override;

 private:
  struct ValueLess {
    bool operator()(const Value& a, const Value& b) const { return sort_compare(a, b, false, false) < 0; }
  };
  struct ValueHash {
    size_t operator()(const Value& v) const { return static_cast<size_t>(hash_value(v)); }
  };
  struct ValueEq {
    bool operator()(const Value& a, const Value& b) const { return identical(a, b); }
  };
  struct AggState {
    int64_t count = 0;         // non-NULL inputs (distinct values for DISTINCT)
    Int128 int_sum = 0;        // sum of int64 inputs
    std::string exact_sum;     // sum of numeric / finite float64 inputs, canonical numeric ("" = 0)
    int64_t pos_inf = 0, neg_inf = 0, nan = 0;  // float64 / numeric specials
    std::map<Value, int64_t, ValueLess> ordered;                      // min/max
    std::unordered_map<Value, int64_t, ValueHash, ValueEq> distinct;  // DISTINCT inputs
  };
  struct Group {
    int64_t rows = 0;
    std::vector<AggState> aggs;
  };

  Status accumulate(const AggSpec& spec, AggState& st, const Value& v, int64_t weight);
  Status add_to_sum(const AggSpec& spec, AggState& st, const Value& v, int64_t weight);
  Result<Row> output_row(const Row& key, const Group& g) const;
  Result<Value> final_value(const AggSpec& spec, const AggState& st, int64_t rows) const;

  std::vector<BoundExpr> group_exprs_;
  std::vector<AggSpec> specs_;
  Layout input_layout_;
  bool global_;
  bool global_emitted_ = false;
  std::unordered_map<Row, Group, RowHash, RowEq> groups_;
  size_t bytes_ = 0;
};

}  // namespace rindle::ivm
