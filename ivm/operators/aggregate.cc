#include "ivm/operators/aggregate.h"

#include <cmath>
#include <limits>

#include "ivm/numeric.h"

namespace rindle::ivm {

Result<Type> aggregate_result_type(AggFn fn, Type arg, bool star) {
  if (fn == AggFn::kCount) return Type::kInt64;
  if (star) return Status(Code::kInvalid, std::string(agg_fn_name(fn)) + "(*) is not valid");
  switch (fn) {
    case AggFn::kSum:
    case AggFn::kAvg:
      if (arg == Type::kInt64) return fn == AggFn::kSum ? Type::kInt64 : Type::kNumeric;
      if (arg == Type::kFloat64 || arg == Type::kNumeric) return arg;
      if (arg == Type::kNull) return fn == AggFn::kSum ? Type::kInt64 : Type::kNumeric;
      return Status(Code::kTypeMismatch, std::string("function ") + agg_fn_name(fn) + "(" + type_name(arg) +
                                             ") does not exist");
    case AggFn::kMin:
    case AggFn::kMax:
      if (arg == Type::kJson) {
        return Status(Code::kTypeMismatch, std::string("function ") + agg_fn_name(fn) + "(json) does not exist");
      }
      return arg;
    case AggFn::kCount:
      break;
  }
  return Type::kInt64;
}

AggregateOp::AggregateOp(std::unique_ptr<Operator> input, std::vector<BoundExpr> group_exprs,
                         std::vector<AggSpec> specs, Layout input_layout)
    : group_exprs_(std::move(group_exprs)),
      specs_(std::move(specs)),
      input_layout_(std::move(input_layout)),
      global_(group_exprs_.empty()) {
  inputs_.push_back(std::move(input));
}

namespace {

constexpr size_t kValueNode = sizeof(Value) + sizeof(int64_t) + 48;

bool is_float_special(const Value& v, double* d) {
  if (v.type() != Type::kFloat64) return false;
  *d = v.as_float64();
  return std::isinf(*d) || std::isnan(*d);
}

}  // namespace

Status AggregateOp::add_to_sum(const AggSpec& spec, AggState& st, const Value& v, int64_t weight) {
  (void)spec;
  if (v.type() == Type::kInt64) {
    st.int_sum += static_cast<Int128>(v.as_int64()) * weight;
    return Status::Ok();
  }
  double d;
  if (is_float_special(v, &d)) {
    if (std::isnan(d)) st.nan += weight;
    else if (d > 0) st.pos_inf += weight;
    else st.neg_inf += weight;
    return Status::Ok();
  }
  std::string term;
  if (v.type() == Type::kFloat64) {
    RINDLE_ASSIGN_OR_RETURN(term, numeric_from_double(v.as_float64()));
  } else {
    if (v.as_bytes() == "NaN") {
      st.nan += weight;
      return Status::Ok();
    }
    term = std::string(v.as_bytes());
  }
  if (weight != 1) {
    RINDLE_ASSIGN_OR_RETURN(term, numeric_mul(term, numeric_from_int64(weight)));
  }
  if (st.exact_sum.empty()) {
    st.exact_sum = std::move(term);
  } else {
    RINDLE_ASSIGN_OR_RETURN(st.exact_sum, numeric_add(st.exact_sum, term));
  }
  return Status::Ok();
}

Status AggregateOp::accumulate(const AggSpec& spec, AggState& st, const Value& v, int64_t weight) {
  if (spec.star) {
    st.count += weight;
    return Status::Ok();
  }
  if (v.is_null()) return Status::Ok();
  if (spec.distinct) {
    // Feed the aggregate only when a value appears or disappears.
    auto it = st.distinct.find(v);
    int64_t before = it == st.distinct.end() ? 0 : it->second;
    int64_t after = before + weight;
    if (after > 0) {
      if (it == st.distinct.end()) {
        st.distinct.emplace(v, after);
        bytes_ += kValueNode + v.heap_bytes();
      } else {
        it->second = after;
      }
    } else if (it != st.distinct.end()) {
      bytes_ -= kValueNode + it->first.heap_bytes();
      st.distinct.erase(it);
    }
    if ((before > 0) == (after > 0)) return Status::Ok();
    weight = after > 0 ? 1 : -1;
  }
  st.count += weight;
  switch (spec.fn) {
    case AggFn::kCount:
      return Status::Ok();
    case AggFn::kSum:
    case AggFn::kAvg:
      return add_to_sum(spec, st, v, weight);
    case AggFn::kMin:
    case AggFn::kMax: {
      auto it = st.ordered.find(v);
      if (it == st.ordered.end()) {
        if (weight > 0) {
          st.ordered.emplace(v, weight);
          bytes_ += kValueNode + v.heap_bytes();
        }
      } else if ((it->second += weight) <= 0) {
        bytes_ -= kValueNode + it->first.heap_bytes();
        st.ordered.erase(it);
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Result<Value> AggregateOp::final_value(const AggSpec& spec, const AggState& st, int64_t rows) const {
  (void)rows;
  if (spec.fn == AggFn::kCount) return Value::int64(st.count);
  if (st.count == 0) return Value::null();
  switch (spec.fn) {
    case AggFn::kMin:
      return st.ordered.begin()->first;
    case AggFn::kMax:
      return st.ordered.rbegin()->first;
    case AggFn::kSum:
    case AggFn::kAvg: {
      const Type arg = spec.arg.type;
      if (st.nan > 0 || (st.pos_inf > 0 && st.neg_inf > 0)) {
        return arg == Type::kFloat64 ? Value::float64(std::numeric_limits<double>::quiet_NaN())
                                     : make_numeric("NaN");
      }
      if (st.pos_inf > 0 || st.neg_inf > 0) {
        return Value::float64(st.pos_inf > 0 ? std::numeric_limits<double>::infinity()
                                             : -std::numeric_limits<double>::infinity());
      }
      if (arg == Type::kInt64) {
        if (spec.fn == AggFn::kSum) {
          if (st.int_sum > std::numeric_limits<int64_t>::max() || st.int_sum < std::numeric_limits<int64_t>::min()) {
            return Status(Code::kDataError, "bigint out of range");
          }
          return Value::int64(static_cast<int64_t>(st.int_sum));
        }
        // avg(int): the exact sum over the count, with numeric's result scale.
        RINDLE_ASSIGN_OR_RETURN(std::string q, numeric_div_int(st.int_sum, st.count));
        return make_numeric(q);
      }
      std::string sum = st.exact_sum.empty() ? "0" : st.exact_sum;
      if (spec.fn == AggFn::kAvg) {
        if (arg == Type::kFloat64) return Value::float64(numeric_to_double(sum) / static_cast<double>(st.count));
        RINDLE_ASSIGN_OR_RETURN(sum, numeric_div(sum, numeric_from_int64(st.count)));
        return make_numeric(sum);
      }
      if (arg == Type::kFloat64) return Value::float64(numeric_to_double(sum));
      return make_numeric(sum);
    }
    case AggFn::kCount:
      break;
  }
  return Status(Code::kInternal, "unknown aggregate");
}

Result<Row> AggregateOp::output_row(const Row& key, const Group& g) const {
  Row row = key;
  row.reserve(key.size() + specs_.size());
  for (size_t i = 0; i < specs_.size(); ++i) {
    RINDLE_ASSIGN_OR_RETURN(Value v, final_value(specs_[i], g.aggs[i], g.rows));
    row.push_back(std::move(v));
  }
  return row;
}

Status AggregateOp::step(StepContext& ctx, Delta* out) {
  Delta in;
  RINDLE_RETURN_IF_ERROR(inputs_[0]->step(ctx, &in));
  WorkCounters& wc = *ctx.counters;
  // Old output rows of the groups this step touches, computed before the first change.
  std::unordered_map<Row, std::optional<Row>, RowHash, RowEq> touched;
  auto touch = [&](const Row& key, Group* g) -> Status {
    if (touched.count(key)) return Status::Ok();
    std::optional<Row> old;
    if (g != nullptr && (g->rows > 0 || (global_ && global_emitted_))) {
      RINDLE_ASSIGN_OR_RETURN(Row r, output_row(key, *g));
      old = std::move(r);
    }
    touched.emplace(key, std::move(old));
    return Status::Ok();
  };
  if (global_ && !global_emitted_) {
    groups_.try_emplace(Row{}, Group{0, std::vector<AggState>(specs_.size())});
    RINDLE_RETURN_IF_ERROR(touch(Row{}, nullptr));
  }

  Row key;
  for (const WeightedRow& w : in) {
    RINDLE_RETURN_IF_ERROR(eval_all(group_exprs_, w.row, &key));
    ++wc.rows_touched;
    ++wc.index_probes;
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      it = groups_.emplace(key, Group{0, std::vector<AggState>(specs_.size())}).first;
      bytes_ += row_heap_bytes(key) + sizeof(Row) + sizeof(Group) + specs_.size() * sizeof(AggState) + 48;
    }
    RINDLE_RETURN_IF_ERROR(touch(key, &it->second));
    Group& g = it->second;
    g.rows += w.weight;
    for (size_t i = 0; i < specs_.size(); ++i) {
      Value v;
      if (!specs_[i].star) {
        RINDLE_ASSIGN_OR_RETURN(v, specs_[i].arg.eval(w.row));
      }
      RINDLE_RETURN_IF_ERROR(accumulate(specs_[i], g.aggs[i], v, w.weight));
    }
  }

  for (auto& [k, old] : touched) {
    auto it = groups_.find(k);
    std::optional<Row> now;
    if (it != groups_.end() && (it->second.rows > 0 || global_)) {
      RINDLE_ASSIGN_OR_RETURN(Row r, output_row(k, it->second));
      now = std::move(r);
    }
    if (it != groups_.end() && it->second.rows <= 0 && !global_) {
      bytes_ -= row_heap_bytes(it->first) + sizeof(Row) + sizeof(Group) + specs_.size() * sizeof(AggState) + 48;
      groups_.erase(it);
    }
    if (old && now && rows_exact(*old, *now)) continue;
    if (old) out->push_back(WeightedRow{std::move(*old), -1});
    if (now) out->push_back(WeightedRow{std::move(*now), 1});
    ++wc.rows_touched;
  }
  if (global_) global_emitted_ = true;
  return Status::Ok();
}

size_t AggregateOp::state_bytes() const { return bytes_ + Operator::state_bytes(); }

void AggregateOp::describe(int depth, std::string* out) const {
  std::string text = "Aggregate";
  if (!group_exprs_.empty()) {
    text += " group by ";
    for (size_t i = 0; i < group_exprs_.size(); ++i) text += (i ? ", " : "") + group_exprs_[i].to_string(input_layout_);
  }
  text += ":";
  for (size_t i = 0; i < specs_.size(); ++i) {
    const AggSpec& s = specs_[i];
    text += (i ? ", " : " ") + std::string(agg_fn_name(s.fn)) + "(" + (s.distinct ? "DISTINCT " : "") +
            (s.star ? "*" : s.arg.to_string(input_layout_)) + ")";
  }
  text += "  [state per group: counts, exact sums, ordered values for min/max]";
  line(depth, text, out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
