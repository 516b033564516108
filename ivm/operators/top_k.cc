#include "ivm/operators/top_k.h"

namespace rindle::ivm {

namespace {
std::vector<Type> column_types(const Layout& layout) {
  std::vector<Type> t;
  for (const LayoutColumn& c : layout.columns) t.push_back(c.type);
  return t;
}
}  // namespace

TopKOp::TopKOp(std::unique_ptr<Operator> input, SortSpec spec, std::optional<int64_t> limit, int64_t offset,
               Layout layout)
    : Operator(input->width()),
      spec_(std::move(spec)),
      limit_(limit),
      offset_(offset),
      layout_(std::move(layout)),
      index_(input->width(), &spec_, column_types(layout_)),
      window_(input->width()),
      fresh_(input->width()) {
  inputs_.push_back(std::move(input));
}

void TopKOp::read_window(WorkCounters& wc) {
  fresh_.clear();
  int64_t skip = 0;
  int64_t want = limit_ ? *limit_ : INT64_MAX;
  for (OrderedRows::Cursor c = index_.seek(offset_, &skip); c.valid() && want > 0; c.next()) {
    ++wc.rows_touched;
    for (int64_t k = skip; k < c.count() && want > 0; ++k, --want) fresh_.push(c.row(), 1);
    skip = 0;
  }
}

Status TopKOp::step(StepContext& ctx, ZSet* out) {
  RINDLE_RETURN_IF_ERROR(step_input(0, ctx));
  const ZSet& in = in_[0];
  if (in.empty()) return Status::Ok();
  WorkCounters& wc = *ctx.counters;
  const bool full = limit_ && !window_.empty() && static_cast<int64_t>(window_.size()) == *limit_;
  const Value* last = full ? window_.row(window_.size() - 1) : nullptr;
  bool affects_window = !full;
  for (size_t i = 0; i < in.size(); ++i) {
    ++wc.index_probes;
    ++wc.rows_touched;
    if (full && spec_.compare(in.row(i), last) <= 0) affects_window = true;
    index_.add(in.row(i), in.weight(i));
  }
  if (!affects_window) return Status::Ok();

  read_window(wc);
  // Both windows are sorted: a merge yields what left and what entered.
  size_t i = 0, j = 0;
  while (i < window_.size() || j < fresh_.size()) {
    int c = i == window_.size() ? 1 : j == fresh_.size() ? -1 : spec_.compare(window_.row(i), fresh_.row(j));
    if (c == 0) {
      ++i;
      ++j;
    } else if (c < 0) {
      out->push(window_.row(i++), -1);
    } else {
      out->push(fresh_.row(j++), 1);
    }
  }
  std::swap(window_, fresh_);
  return Status::Ok();
}

void TopKOp::describe(int depth, std::string* out) const {
  std::string text = "TopK order by ";
  for (size_t i = 0; i < spec_.keys.size(); ++i) {
    const SortKey& k = spec_.keys[i];
    text += (i ? ", " : "") + layout_.columns[k.slot].name + (k.descending ? " DESC" : "") +
            (k.nulls_first != k.descending ? (k.nulls_first ? " NULLS FIRST" : " NULLS LAST") : "");
  }
  if (limit_) text += " limit " + std::to_string(*limit_);
  if (offset_) text += " offset " + std::to_string(offset_);
  text += "  [state: ordered index (counted B+tree) of all input rows + the window]";
  line(depth, text, out);
  describe_inputs(depth, out);
}

}  // namespace rindle::ivm
