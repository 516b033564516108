#include "tests/sql/table_mirror.h"

namespace rindle::sql::testing {

ivm::Result<ivm::Value> value_from_text(ivm::Type t, const Text& text) {
  if (!text) return ivm::Value::null();
  return ivm::from_text(t, *text);
}

ivm::Status TableMirror::attach(const Catalog& catalog, ivm::Engine* engine) {
  for (const TableInfo& t : catalog.tables()) {
    if (t.primary_key.empty()) continue;
    std::vector<std::string> columns;
    for (const ColumnInfo& c : t.columns) {
      if (engine_type(c.type).ok()) columns.push_back(c.name);
    }
    RINDLE_ASSIGN_OR_RETURN(ivm::TableSchema schema, engine_schema(t, columns));
    RINDLE_RETURN_IF_ERROR(engine->create_table(schema));
    std::string select = "SELECT ";
    for (size_t i = 0; i < schema.columns.size(); ++i) {
      select += (i ? ", " : "") + quote_ident(schema.columns[i].name);
    }
    select += " FROM " + quote_ident(t.schema) + "." + quote_ident(t.name);
    tables_.push_back(Table{&t, std::move(schema), std::move(select), {}});
  }
  return ivm::Status::Ok();
}

ivm::Result<ivm::Batch> TableMirror::sync(PgClient& pg) {
  ivm::Batch batch;
  batch.lsn = ++lsn_;
  for (Table& t : tables_) {
    PgError err;
    std::optional<PgRows> rows = pg.query(t.select, {}, &err);
    if (!rows) return ivm::Status(ivm::Code::kInvalid, "reading " + t.schema.name + ": " + err.message);
    auto to_row = [&](const TextRow& texts) -> ivm::Result<ivm::Row> {
      ivm::Row row;
      for (size_t c = 0; c < texts.size(); ++c) {
        RINDLE_ASSIGN_OR_RETURN(ivm::Value v, value_from_text(t.schema.columns[c].type, texts[c]));
        row.push_back(std::move(v));
      }
      return row;
    };
    auto key_of = [&](const TextRow& texts) {
      std::string k;
      for (int pk : t.schema.primary_key) k += *texts[pk] + '\x1f';
      return k;
    };
    std::map<std::string, TextRow> now;
    for (TextRow& r : rows->rows) now.emplace(key_of(r), std::move(r));
    for (const auto& [key, old] : t.rows) {
      if (now.count(key)) continue;
      RINDLE_ASSIGN_OR_RETURN(ivm::Row old_row, to_row(old));
      ivm::Row k;
      for (int pk : t.schema.primary_key) k.push_back(old_row[pk]);
      batch.changes.push_back(ivm::Change{ivm::ChangeKind::kDelete, t.schema.name, std::move(k), {}});
    }
    for (const auto& [key, row] : now) {
      auto old = t.rows.find(key);
      if (old != t.rows.end() && old->second == row) continue;
      RINDLE_ASSIGN_OR_RETURN(ivm::Row new_row, to_row(row));
      if (old == t.rows.end()) {
        batch.changes.push_back(ivm::Change{ivm::ChangeKind::kInsert, t.schema.name, {}, std::move(new_row)});
      } else {
        ivm::Row k;
        for (int pk : t.schema.primary_key) k.push_back(new_row[pk]);
        batch.changes.push_back(ivm::Change{ivm::ChangeKind::kUpdate, t.schema.name, std::move(k), std::move(new_row)});
      }
    }
    t.rows = std::move(now);
  }
  return batch;
}

}  // namespace rindle::sql::testing
