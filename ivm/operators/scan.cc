#include "ivm/operators/scan.h"

#include "ivm/scalar.h"

namespace rindle::ivm {

ScanOp::ScanOp(int table_id, std::string table_name, std::vector<int> columns, std::optional<BoundExpr> filter,
               Layout layout)
    : table_id_(table_id),
      table_name_(std::move(table_name)),
      columns_(std::move(columns)),
      filter_(std::move(filter)),
      layout_(std::move(layout)) {}

Result<bool> ScanOp::map_row(const Row& stored, Row* out) const {
  out->clear();
  out->reserve(columns_.size());
  for (int c : columns_) out->push_back(stored[c]);
  if (!filter_) return true;
  RINDLE_ASSIGN_OR_RETURN(Value pass, filter_->eval(*out));
  return is_true(pass);
}

Status ScanOp::step(StepContext& ctx, Delta* out) {
  const Delta& in = (*ctx.table_deltas)[table_id_];
  ctx.counters->rows_touched += in.size();
  Row row;
  for (const WeightedRow& w : in) {
    RINDLE_ASSIGN_OR_RETURN(bool pass, map_row(w.row, &row));
    if (pass) out->push_back(WeightedRow{std::move(row), w.weight});
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
