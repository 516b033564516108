#include "replication/testing/engine_replica.h"

#include <algorithm>
#include <functional>

#include "ivm/builder.h"

namespace rindle::replication::testing {

std::string cell_text(std::string_view text, bool is_null) {
  if (is_null) return "\\N";
  if (text.size() <= 64) return std::string(text);
  return std::to_string(text.size()) + ":" + std::to_string(std::hash<std::string_view>{}(text));
}

ivm::Status EngineReplica::add_table(const TableSpec& spec) {
  RINDLE_RETURN_IF_ERROR(engine_.create_table(spec.schema));
  RINDLE_ASSIGN_OR_RETURN(ivm::Query q, ivm::QueryBuilder::from(spec.schema.name).build());
  RINDLE_ASSIGN_OR_RETURN(ivm::ViewId v, engine_.add_view("all:" + spec.schema.name, q));
  views_[spec.schema.name] = v;
  keys_[spec.schema.name] = spec.schema.primary_key;
  return ivm::Status::Ok();
}

ivm::Status EngineReplica::apply(const TxnBatch& batch) {
  auto r = engine_.apply(batch.batch);
  return r.ok() ? ivm::Status::Ok() : r.status();
}

ShapeHooks EngineReplica::hooks() {
  ShapeHooks h;
  h.lookup = [this](std::string_view table, const ivm::Row& key) { return engine_.lookup(table, key); };
  h.scan_keys = [this](std::string_view table, const std::function<void(const ivm::Row&)>& emit) {
    auto v = views_.find(table);
    if (v == views_.end()) return;
    const std::vector<int>& pk = keys_.find(table)->second;
    for (const ivm::Row& row : engine_.view_rows(v->second)) {
      ivm::Row key;
      for (int k : pk) key.push_back(row[static_cast<size_t>(k)]);
      emit(key);
    }
  };
  return h;
}

std::vector<std::string> EngineReplica::rows_text(const std::string& table) const {
  std::vector<std::string> out;
  auto v = views_.find(table);
  if (v == views_.end()) return out;
  for (const ivm::Row& row : engine_.view_rows(v->second)) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) line += '|';
      line += cell_text(row[i].is_null() ? "" : ivm::to_text(row[i]), row[i].is_null());
    }
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace rindle::replication::testing
