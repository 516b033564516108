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
    : Operator(static_cast<int>(group_exprs.size() + specs.size())),
      group_exprs_(std::move(group_exprs)),
      specs_(std::move(specs)),
      input_layout_(std::move(input_layout)),
      global_(group_exprs_.empty()),
      groups_(static_cast<int>(group_exprs_.size())),
      key_(group_exprs_.size()),
      now_(specs_.size()) {
  value_order_.keys = {SortKey{0, false, false}};
  value_order_.tiebreak_width = 0;
  inputs_.push_back(std::move(input));
}

namespace {

bool is_float_special(const Value& v, double* d) {
  if (v.type() != Type::kFloat64) return false;
  *d = v.as_float64();
  return std::isinf(*d) || std::isnan(*d);
}

}  // namespace

Status AggregateOp::add_to_sum(AggState& st, const Value& v, int64_t weight) {
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
    if (!st.distinct) st.distinct = std::make_unique<RowBag>(1);
    int64_t before = st.distinct->add(&v, weight);
    int64_t after = before + weight;
    if ((before > 0) == (after > 0)) return Status::Ok();
    weight = after > 0 ? 1 : -1;
  }
  st.count += weight;
  switch (spec.fn) {
    case AggFn::kCount:
      return Status::Ok();
    case AggFn::kSum:
    case AggFn::kAvg:
      return add_to_sum(st, v, weight);
    case AggFn::kMin:
    case AggFn::kMax:
      if (!st.ordered) st.ordered = std::make_unique<OrderedRows>(1, &value_order_, std::vector<Type>{spec.arg.type});
      st.ordered->add(&v, weight);
      return Status::Ok();
  }
  return Status::Ok();
}

bool AggregateOp::final_value(const AggSpec& spec, const AggState& st, Value* out, Status* error) const {
  auto take = [&](Result<Value> r) {
    if (!r.ok()) {
      *error = r.status();
      return false;
    }
    *out = std::move(r).value();
    return true;
  };
  if (spec.fn == AggFn::kCount) {
    *out = Value::int64(st.count);
    return true;
  }
  if (st.count == 0) {
    *out = Value::null();
    return true;
  }
  switch (spec.fn) {
    case AggFn::kMin:
      *out = *st.ordered->first();
      return true;
    case AggFn::kMax:
      *out = *st.ordered->last();
      return true;
    case AggFn::kSum:
    case AggFn::kAvg: {
      const Type arg = spec.arg.type;
      if (st.nan > 0 || (st.pos_inf > 0 && st.neg_inf > 0)) {
        *out = arg == Type::kFloat64 ? Value::float64(std::numeric_limits<double>::quiet_NaN()) : make_numeric("NaN");
        return true;
      }
      if (st.pos_inf > 0 || st.neg_inf > 0) {
        *out = Value::float64(st.pos_inf > 0 ? std::numeric_limits<double>::infinity()
                                             : -std::numeric_limits<double>::infinity());
        return true;
      }
      if (arg == Type::kInt64) {
        if (spec.fn == AggFn::kSum) {
          if (st.int_sum > std::numeric_limits<int64_t>::max() || st.int_sum < std::numeric_limits<int64_t>::min()) {
            *error = Status(Code::kDataError, "bigint out of range");
            return false;
          }
          *out = Value::int64(static_cast<int64_t>(st.int_sum));
          return true;
        }
        // avg(int): the exact sum over the count, with numeric's result scale.
        return take(numeric_avg_int(st.int_sum, st.count));
      }
      std::string sum = st.exact_sum.empty() ? "0" : st.exact_sum;
      if (spec.fn == AggFn::kAvg) {
        if (arg == Type::kFloat64) {
          *out = Value::float64(numeric_to_double(sum) / static_cast<double>(st.count));
          return true;
        }
        Result<std::string> q = numeric_div(sum, numeric_from_int64(st.count));
        if (!q.ok()) return take(q.status());
        *out = make_numeric(*q);
        return true;
      }
      *out = arg == Type::kFloat64 ? Value::float64(numeric_to_double(sum)) : make_numeric(sum);
      return true;
    }
    case AggFn::kCount:
      break;
  }
  *error = Status(Code::kInternal, "unknown aggregate");
  return false;
}

void AggregateOp::emit(ZSet* out, uint32_t group, const Value* values, int64_t weight) const {
  const size_t g = group_exprs_.size();
  Value* dst = out->append(weight);
  const Value* key = groups_.row(group);
  for (size_t i = 0; i < g; ++i) dst[i] = key[i];
  for (size_t i = 0; i < specs_.size(); ++i) dst[g + i] = values[i];
}

Status AggregateOp::step(StepContext& ctx, ZSet* out) {
  RINDLE_RETURN_IF_ERROR(step_input(0, ctx));
  const ZSet& in = in_[0];
  WorkCounters& wc = *ctx.counters;
  const size_t nspecs = specs_.size();
  ++step_no_;
  touched_.clear();
  Status error;
  auto group_of = [&](const Value* key) {
    uint32_t h = groups_.hash_of(key);
    uint32_t id = groups_.find(key, h);
    if (id == RowTable<Group>::kNone) {
      id = groups_.insert(key, h);
      size_t need = (static_cast<size_t>(id) + 1) * nspecs;
      if (aggs_.size() < need) {
        aggs_.resize(need);
        emitted_.resize(need);
      }
    }
    Group& g = groups_.payload(id);
    if (g.touched != step_no_) {
      g.touched = step_no_;
      touched_.push_back(id);
    }
    return id;
  };
  if (global_ && groups_.empty()) (void)group_of(nullptr);  // the one row exists from the start

  for (size_t r = 0; r < in.size(); ++r) {
    const Value* row = in.row(r);
    const int64_t w = in.weight(r);
    if (!eval_all(group_exprs_, row, key_.data(), &error)) return error;
    ++wc.rows_touched;
    ++wc.index_probes;
    uint32_t id = group_of(key_.data());
    groups_.payload(id).rows += w;
    AggState* st = aggs(id);
    for (size_t i = 0; i < nspecs; ++i) {
      const AggSpec& spec = specs_[i];
      if (spec.star) {
        st[i].count += w;
        continue;
      }
      Value tmp;
      if (!spec.arg.eval(row, &tmp, &error)) return error;
      RINDLE_RETURN_IF_ERROR(accumulate(spec, st[i], tmp, w));
    }
  }

  for (uint32_t id : touched_) {
    Group& g = groups_.payload(id);
    const bool exists = g.rows > 0 || global_;
    AggState* st = aggs(id);
    Value* was = emitted_.data() + static_cast<size_t>(id) * nspecs;
    if (exists) {
      for (size_t i = 0; i < nspecs; ++i) {
        if (!final_value(specs_[i], st[i], &now_[i], &error)) return error;
      }
    }
    // A result that changes only its form (avg 1.70000000000000000000 ->
    // 1.7000000000000000) is a change: a fresh query shows the new form.
    if (g.emitted && exists && values_exact(was, now_.data(), static_cast<int>(nspecs))) continue;
    ++wc.rows_touched;
    if (g.emitted) emit(out, id, was, -1);
    if (exists) emit(out, id, now_.data(), 1);
    g.emitted = exists;
    for (size_t i = 0; i < nspecs; ++i) was[i] = exists ? std::move(now_[i]) : Value();
    if (!exists) {
      for (size_t i = 0; i < nspecs; ++i) st[i] = AggState();
      groups_.erase(id);
    }
  }
  return Status::Ok();
}

size_t AggregateOp::state_bytes() const {
  size_t n = groups_.bytes() + aggs_.capacity() * sizeof(AggState) + emitted_.capacity() * sizeof(Value);
  for (const AggState& st : aggs_) {
    if (st.ordered) n += sizeof(OrderedRows) + st.ordered->bytes();
    if (st.distinct) n += sizeof(RowBag) + st.distinct->bytes();
    if (st.exact_sum.capacity() > 15) n += st.exact_sum.capacity();
  }
  return n + Operator::state_bytes();
}

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
