#include "ivm/operators/scan.h"

#include "ivm/scalar.h"

namespace rindle::ivm {

ScanOp::ScanOp(int table_id, std::string table_name, std::vector<int> columns, std::optional<BoundExpr> filter,
               Layout layout)
    : Operator(static_cast<int>(columns.size())),
      table_id_(table_id),
      table_name_(std::move(table_name)),
      columns_(std::move(columns)),
      filter_(std::move(filter)),
      layout_(std::move(layout)) {}

Status ScanOp::step(StepContext& ctx, ZSet* out) {
  const TableInput& t = (*ctx.tables)[table_id_];
  if (t.rows == nullptr || t.rows->empty()) return Status::Ok();
  const ZSet& in = *t.rows;
  const std::vector<int>& pos = *t.positions;
  ctx.counters->rows_touched += in.size();
  const size_t n = columns_.size();
  if (!filter_) {
    for (size_t i = 0; i < in.size(); ++i) {
      const Value* src = in.row(i);
      Value* dst = out->append(in.weight(i));
      for (size_t c = 0; c < n; ++c) dst[c] = src[pos[columns_[c]]];
    }
    return Status::Ok();
  }
  Status error;
  row_.resize(n);
  for (size_t i = 0; i < in.size(); ++i) {
    const Value* src = in.row(i);
    for (size_t c = 0; c < n; ++c) row_[c] = src[pos[columns_[c]]];
    Value pass;
    if (!filter_->eval(row_.data(), &pass, &error)) return error;
    if (is_true(pass)) out->push_moved(row_.data(), in.weight(i));
  }
  return Status::Ok();
}

void ScanOp::describe(int depth, std::string* out) const {
  std::string cols;
  for (size_t i = 0; i < layout_.columns.size(); ++i) cols += (i ? ", " : "") + layout_.columns[i].name;
  std::string text = "Scan " + table_name_ + " [" + cols + "]";
  if (filter_) text += " filter " + filter_->to_string(layout_);
  line(depth, text, out);
}

}  // namespace rindle::ivm
