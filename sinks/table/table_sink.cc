#include "sinks/table/table_sink.h"

#include <algorithm>

#include "sinks/table/positions.h"

namespace rindle::sinks {
namespace {

PgParam text_of(const ivm::Value& v) {
  if (v.is_null()) return std::nullopt;
  return ivm::to_text(v);
}

std::string array_text(const std::vector<int64_t>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "}";
}

ivm::Status fail(std::string message) { return ivm::Status(ivm::Code::kInternal, std::move(message)); }
ivm::Status diverged(std::string message) { return ivm::Status(ivm::Code::kConstraint, std::move(message)); }

}  // namespace

TableSink::TableSink(TableSinkOptions options, ViewShape shape) : options_(std::move(options)), shape_(std::move(shape)) {
  for (size_t i = 0; i < shape_.columns.size(); ++i) {
    if (std::find(shape_.key.begin(), shape_.key.end(), static_cast<int>(i)) == shape_.key.end()) {
      value_columns_.push_back(static_cast<int>(i));
    }
  }
}

std::string TableSink::describe() const { return "table " + options_.schema + "." + options_.table; }

std::string TableSink::target() const {
  return PgConn::quote_ident(options_.schema) + "." + PgConn::quote_ident(options_.table);
}

std::string TableSink::progress() const {
  return PgConn::quote_ident(options_.schema) + "." + PgConn::quote_ident(options_.progress_table);
}

std::string TableSink::param(size_t column, size_t index) const {
  return "$" + std::to_string(index) + "::" + shape_.columns[column].pg_type;
}

std::string TableSink::match(size_t column, size_t index) const {
  const SinkColumn& c = shape_.columns[column];
  // json has no equality operator: compare its text.
  if (c.pg_type == "json") {
    return PgConn::quote_ident(c.name) + "::text IS NOT DISTINCT FROM $" + std::to_string(index) + "::text";
  }
  return PgConn::quote_ident(c.name) + " IS NOT DISTINCT FROM " + param(column, index);
}

std::string TableSink::create_table_sql() const {
  std::string sql = "CREATE TABLE " + target() + " (";
  for (size_t i = 0; i < shape_.columns.size(); ++i) {
    sql += (i ? ", " : "") + PgConn::quote_ident(shape_.columns[i].name) + " " + shape_.columns[i].pg_type;
  }
  if (shape_.ordered) sql += std::string(", ") + kPositionColumn + " bigint NOT NULL";
  if (!shape_.key.empty()) {
    sql += ", UNIQUE NULLS NOT DISTINCT (";
    for (size_t i = 0; i < shape_.key.size(); ++i) {
      sql += (i ? ", " : "") + PgConn::quote_ident(shape_.columns[static_cast<size_t>(shape_.key[i])].name);
    }
    sql += ")";
  }
  sql += ")";
  if (shape_.ordered) sql += "; CREATE INDEX ON " + target() + " (" + kPositionColumn + ")";
  return sql;
}

ivm::Status TableSink::in_transaction(const std::function<ivm::Status()>& body) {
  RINDLE_RETURN_IF_ERROR(conn_.exec("BEGIN"));
  ivm::Status s = body();
  if (s.ok()) s = conn_.exec("COMMIT");
  if (!s.ok() && conn_.connected()) (void)conn_.exec("ROLLBACK");
  if (s.ok()) ++counters_.transactions;
  return s;
}

ivm::Status TableSink::check_columns(bool* matches) {
  ivm::Result<PgResult> r = conn_.query(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
      "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {target()});
  if (!r.ok()) return r.status();
  std::vector<std::pair<std::string, std::string>> want;
  for (const SinkColumn& c : shape_.columns) want.emplace_back(c.name, c.pg_type);
  if (shape_.ordered) want.emplace_back(kPositionColumn, "bigint");
  PGresult* res = r->get();
  *matches = PQntuples(res) == static_cast<int>(want.size());
  for (int i = 0; *matches && i < PQntuples(res); ++i) {
    *matches = want[static_cast<size_t>(i)].first == PQgetvalue(res, i, 0) &&
               want[static_cast<size_t>(i)].second == PQgetvalue(res, i, 1);
  }
  return ivm::Status::Ok();
}

ivm::Status TableSink::ensure_tables(SinkState* state) {
  return in_transaction([&]() -> ivm::Status {
    // One daemon's sinks may open concurrently: serialize their DDL.
    RINDLE_RETURN_IF_ERROR(conn_.exec("SELECT pg_advisory_xact_lock(hashtext('rindle table sink ddl'))"));
    if (options_.create_if_missing) {
      RINDLE_RETURN_IF_ERROR(conn_.exec("CREATE SCHEMA IF NOT EXISTS " + PgConn::quote_ident(options_.schema)));
    }
    RINDLE_RETURN_IF_ERROR(conn_.exec(
        "CREATE TABLE IF NOT EXISTS " + progress() +
        " (sink text PRIMARY KEY, view text NOT NULL, lsn pg_lsn NOT NULL, fingerprint text NOT NULL,"
        " updated_at timestamptz NOT NULL DEFAULT now())"));
    ivm::Result<PgResult> exists = conn_.query(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
        {options_.schema, options_.table});
    if (!exists.ok()) return exists.status();
    recreate_ = false;
    if (PQntuples(exists->get()) == 0) {
      if (!options_.create_if_missing) {
        return fail(describe() + " does not exist (create_if_missing is false)");
      }
      RINDLE_RETURN_IF_ERROR(conn_.exec(create_table_sql()));
      state->needs_replace = true;
      state->reason = "the table was created";
      // Whatever progress an earlier table recorded does not describe this one.
      RINDLE_RETURN_IF_ERROR(conn_.query("DELETE FROM " + progress() + " WHERE sink = $1", {options_.table}).status());
      return ivm::Status::Ok();
    }
    bool matches = false;
    RINDLE_RETURN_IF_ERROR(check_columns(&matches));
    if (!matches) {
      if (!options_.create_if_missing) {
        return fail(describe() + " exists with other columns than the view's (create_if_missing is false, so "
                                 "rindle does not recreate it)");
      }
      recreate_ = true;
      state->needs_replace = true;
      state->reason = "the table's columns differ from the view's";
    }
    return ivm::Status::Ok();
  });
}

ivm::Result<SinkState> TableSink::open() {
  close();
  for (const SinkColumn& c : shape_.columns) {
    if (shape_.ordered && c.name == kPositionColumn) {
      return ivm::Status(ivm::Code::kInvalid, "the view has a column named " + std::string(kPositionColumn) +
                                                  ", which ordered views' tables use for positions");
    }
  }
  RINDLE_ASSIGN_OR_RETURN(conn_, PgConn::connect(options_.conninfo));
  SinkState state;
  state.needs_replace = false;
  RINDLE_RETURN_IF_ERROR(ensure_tables(&state));
  ivm::Result<PgResult> r =
      conn_.query("SELECT lsn::text, fingerprint FROM " + progress() + " WHERE sink = $1", {options_.table});
  if (!r.ok()) return r.status();
  if (PQntuples(r->get()) == 1) {
    Lsn lsn = 0;
    if (!lsn_from_text(PQgetvalue(r->get(), 0, 0), &lsn)) return fail("bad LSN in the progress table");
    state.durable_lsn = lsn;
    if (!state.needs_replace && shape_.fingerprint != PQgetvalue(r->get(), 0, 1)) {
      state.needs_replace = true;
      state.reason = "the view's definition changed";
    }
  } else if (!state.needs_replace) {
    state.needs_replace = true;
    state.reason = "no progress recorded";
  }
  durable_ = state.durable_lsn;
  open_ = true;
  return state;
}

void TableSink::close() {
  pipeline_.reset();
  expected_.clear();
  prepared_in_pipeline_.clear();
  conn_ = PgConn();
  prepared_.clear();
  open_ = false;
}

ivm::Status TableSink::check_affected(const PGresult* r, int64_t expected, const std::string& what) {
  int64_t n = PgConn::affected(r);
  counters_.rows_written += static_cast<uint64_t>(n);
  if (expected >= 0 && n != expected) {
    return diverged(what + " in " + describe() + " touched " + std::to_string(n) + " rows instead of " +
                    std::to_string(expected) + ": the table no longer matches the view (changed outside rindle?)");
  }
  return ivm::Status::Ok();
}

ivm::Status TableSink::run(const std::string& sql, const std::vector<PgParam>& params, int64_t expected,
                           const char* what) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "rindle_" + std::to_string(next_statement_++);
    if (pipeline_) {
      pipeline_->prepare(name, sql);
      prepared_in_pipeline_.push_back(sql);
    } else {
      RINDLE_RETURN_IF_ERROR(conn_.prepare(name, sql));
    }
    it = prepared_.emplace(sql, name).first;
  }
  ++counters_.statements;
  if (pipeline_) {
    pipeline_->exec_prepared(it->second, params);
    expected_.emplace_back(expected, what);
    return pipeline_->size() >= 256 ? flush_pipeline() : ivm::Status::Ok();
  }
  ivm::Result<PgResult> r = conn_.exec_prepared(it->second, params);
  if (!r.ok()) return ivm::Status(r.status().code(), std::string(what) + " in " + describe() + ": " + r.status().message());
  return check_affected(r->get(), expected, what);
}

ivm::Status TableSink::flush_pipeline() {
  std::vector<PgResult> results;
  ivm::Status s = pipeline_->run(&results);
  std::vector<std::pair<int64_t, std::string>> expected;
  expected.swap(expected_);
  if (!s.ok()) {
    // Statements prepared in a failed pipeline may not exist: prepare them again next time.
    for (const std::string& sql : prepared_in_pipeline_) prepared_.erase(sql);
    prepared_in_pipeline_.clear();
    return ivm::Status(s.code(), "writing " + describe() + ": " + s.message());
  }
  prepared_in_pipeline_.clear();
  for (size_t i = 0; i < results.size() && i < expected.size(); ++i) {
    RINDLE_RETURN_IF_ERROR(check_affected(results[i].get(), expected[i].first, expected[i].second));
  }
  return ivm::Status::Ok();
}

ivm::Status TableSink::lock_progress() {
  ivm::Result<PgResult> r =
      conn_.query("SELECT lsn::text FROM " + progress() + " WHERE sink = $1 FOR UPDATE", {options_.table});
  if (!r.ok()) return r.status();
  Lsn lsn = 0;
  if (PQntuples(r->get()) == 1 && !lsn_from_text(PQgetvalue(r->get(), 0, 0), &lsn)) {
    return fail("bad LSN in the progress table");
  }
  if (lsn != durable_) {
    return fail("the progress of " + describe() + " is at " + lsn_to_text(lsn) + ", not at " + lsn_to_text(durable_) +
                " as this sink wrote it: another process writes this sink");
  }
  return ivm::Status::Ok();
}

ivm::Status TableSink::save_progress(Lsn lsn) {
  return run("INSERT INTO " + progress() +
                 " (sink, view, lsn, fingerprint, updated_at) VALUES ($1, $2, $3::pg_lsn, $4, now()) "
                 "ON CONFLICT (sink) DO UPDATE SET view = excluded.view, lsn = excluded.lsn, "
                 "fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
             {options_.table, shape_.view, lsn_to_text(lsn), shape_.fingerprint}, 1, "saving progress");
}

ivm::Status TableSink::replace(Lsn lsn, const std::vector<ivm::Row>& rows) {
  if (!open_) return fail(describe() + " is not open");
  ivm::Status s = in_transaction([&]() -> ivm::Status {
    RINDLE_RETURN_IF_ERROR(lock_progress());
    if (recreate_) {
      RINDLE_RETURN_IF_ERROR(conn_.exec("DROP TABLE IF EXISTS " + target()));
      RINDLE_RETURN_IF_ERROR(conn_.exec(create_table_sql()));
    } else {
      RINDLE_RETURN_IF_ERROR(conn_.exec("DELETE FROM " + target()));
    }
    std::string cols;
    for (const SinkColumn& c : shape_.columns) cols += (cols.empty() ? "" : ", ") + PgConn::quote_ident(c.name);
    if (shape_.ordered) cols += std::string(", ") + kPositionColumn;
    std::string data;
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t c = 0; c < rows[i].size(); ++c) {
        if (c) data += '\t';
        append_copy_field(&data, text_of(rows[i][c]));
      }
      if (shape_.ordered) data += '\t' + std::to_string(i);
      data += '\n';
    }
    RINDLE_RETURN_IF_ERROR(conn_.copy_in("COPY " + target() + " (" + cols + ") FROM STDIN", data));
    counters_.rows_written += rows.size();
    return save_progress(lsn);
  });
  if (s.ok()) {
    durable_ = lsn;
    recreate_ = false;
  }
  return s;
}

ivm::Status TableSink::write(std::span<const ViewTxn* const> txns) {
  if (!open_) return fail(describe() + " is not open");
  if (txns.empty()) return ivm::Status::Ok();
  Lsn prev = durable_;
  for (const ViewTxn* t : txns) {
    if (t->lsn <= prev) {
      return fail("internal: transaction " + lsn_to_text(t->lsn) + " is not after " + lsn_to_text(prev));
    }
    prev = t->lsn;
  }
  ivm::Status s = in_transaction([&]() -> ivm::Status {
    RINDLE_RETURN_IF_ERROR(lock_progress());
    // Every statement of the run goes through the pipeline; the results are
    // checked before COMMIT, so a divergence still commits nothing.
    pipeline_ = std::make_unique<PgBatch>(&conn_);
    ivm::Status st;
    for (const ViewTxn* t : txns) {
      st = shape_.ordered ? apply_ordered(*t) : apply(*t);
      if (!st.ok()) break;
    }
    if (st.ok()) st = save_progress(txns.back()->lsn);
    if (st.ok()) st = flush_pipeline();
    pipeline_.reset();
    expected_.clear();
    prepared_in_pipeline_.clear();
    return st;
  });
  if (s.ok()) durable_ = txns.back()->lsn;
  return s;
}

ivm::Status TableSink::insert_row(const ivm::Row& row, int64_t position) {
  std::string sql = "INSERT INTO " + target() + " (";
  std::string values;
  std::vector<PgParam> params;
  for (size_t c = 0; c < shape_.columns.size(); ++c) {
    sql += (c ? ", " : "") + PgConn::quote_ident(shape_.columns[c].name);
    values += (c ? ", " : "") + param(c, c + 1);
    params.push_back(text_of(row[c]));
  }
  if (position >= 0) {
    sql += std::string(", ") + kPositionColumn;
    values += ", $" + std::to_string(params.size() + 1) + "::bigint";
    params.push_back(std::to_string(position));
  }
  return run(sql + ") VALUES (" + values + ")", params, 1, "insert");
}

ivm::Status TableSink::delete_row(const ivm::Row& row) {
  std::vector<PgParam> params;
  std::string where;
  if (shape_.key.empty()) {
    for (size_t c = 0; c < shape_.columns.size(); ++c) {
      where += (c ? " AND " : "") + match(c, c + 1);
      params.push_back(text_of(row[c]));
    }
    return run("DELETE FROM " + target() + " WHERE ctid = (SELECT ctid FROM " + target() + " WHERE " + where +
                   " LIMIT 1)",
               params, 1, "delete");
  }
  // One statement per NULL pattern of the key, so every comparison can use the index.
  for (int k : shape_.key) {
    const ivm::Value& v = row[static_cast<size_t>(k)];
    std::string col = PgConn::quote_ident(shape_.columns[static_cast<size_t>(k)].name);
    where += std::string(where.empty() ? "" : " AND ");
    if (v.is_null()) {
      where += col + " IS NULL";
    } else {
      params.push_back(text_of(v));
      where += col + " = " + param(static_cast<size_t>(k), params.size());
    }
  }
  return run("DELETE FROM " + target() + " WHERE " + where, params, 1, "delete");
}

ivm::Status TableSink::update_row(const ivm::Row& row) {
  if (value_columns_.empty()) return ivm::Status::Ok();  // every column is key: nothing to change
  std::vector<PgParam> params;
  std::string set;
  for (int c : value_columns_) {
    params.push_back(text_of(row[static_cast<size_t>(c)]));
    set += (set.empty() ? "" : ", ") + PgConn::quote_ident(shape_.columns[static_cast<size_t>(c)].name) + " = " +
           param(static_cast<size_t>(c), params.size());
  }
  std::string where;
  for (int k : shape_.key) {
    const ivm::Value& v = row[static_cast<size_t>(k)];
    std::string col = PgConn::quote_ident(shape_.columns[static_cast<size_t>(k)].name);
    where += std::string(where.empty() ? "" : " AND ");
    if (v.is_null()) {
      where += col + " IS NULL";
    } else {
      params.push_back(text_of(v));
      where += col + " = " + param(static_cast<size_t>(k), params.size());
    }
  }
  return run("UPDATE " + target() + " SET " + set + " WHERE " + where, params, 1, "update");
}

ivm::Status TableSink::apply(const ViewTxn& txn) {
  // Deletes, then updates, then inserts: a key freed in this transaction can be taken again.
  for (const ivm::ViewChange& c : txn.changes) {
    if (c.kind == ivm::ChangeKind::kDelete) RINDLE_RETURN_IF_ERROR(delete_row(c.old_row));
  }
  for (const ivm::ViewChange& c : txn.changes) {
    if (c.kind != ivm::ChangeKind::kUpdate) continue;
    if (shape_.key.empty()) {  // keyless views report no updates; be safe anyway
      RINDLE_RETURN_IF_ERROR(delete_row(c.old_row));
      RINDLE_RETURN_IF_ERROR(insert_row(c.new_row, -1));
    } else {
      RINDLE_RETURN_IF_ERROR(update_row(c.new_row));
    }
  }
  for (const ivm::ViewChange& c : txn.changes) {
    if (c.kind == ivm::ChangeKind::kInsert) RINDLE_RETURN_IF_ERROR(insert_row(c.new_row, -1));
  }
  return ivm::Status::Ok();
}

ivm::Status TableSink::apply_ordered(const ViewTxn& txn) {
  std::vector<int64_t> deleted, inserted;
  std::vector<std::pair<int64_t, const ivm::Row*>> inserts;
  for (const ivm::ViewChange& c : txn.changes) {
    if (c.kind != ivm::ChangeKind::kInsert) deleted.push_back(c.old_pos);
    if (c.kind != ivm::ChangeKind::kDelete) inserts.emplace_back(c.new_pos, &c.new_row);
  }
  std::sort(deleted.begin(), deleted.end());
  std::sort(inserts.begin(), inserts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [pos, row] : inserts) inserted.push_back(pos);
  if (std::adjacent_find(deleted.begin(), deleted.end()) != deleted.end() ||
      std::adjacent_find(inserted.begin(), inserted.end()) != inserted.end() ||
      (!deleted.empty() && deleted.front() < 0) || (!inserted.empty() && inserted.front() < 0)) {
    return fail("internal: bad positions in a change of ordered view " + shape_.view);
  }
  if (!deleted.empty()) {
    RINDLE_RETURN_IF_ERROR(run("DELETE FROM " + target() + " WHERE " + kPositionColumn + " = ANY($1::bigint[])",
                               {array_text(deleted)}, static_cast<int64_t>(deleted.size()), "delete"));
  }
  std::vector<PositionShift> shifts = position_shifts(deleted, inserted);
  if (!shifts.empty()) {
    std::vector<int64_t> lo, hi, delta;
    for (const PositionShift& s : shifts) {
      lo.push_back(s.lo);
      hi.push_back(s.hi);
      delta.push_back(s.delta);
    }
    RINDLE_RETURN_IF_ERROR(run(std::string("UPDATE ") + target() + " t SET " + kPositionColumn + " = t." +
                                   kPositionColumn + " + r.delta FROM unnest($1::bigint[], $2::bigint[], " +
                                   "$3::bigint[]) AS r(lo, hi, delta) WHERE t." + kPositionColumn +
                                   " BETWEEN r.lo AND r.hi",
                               {array_text(lo), array_text(hi), array_text(delta)}, -1, "renumber"));
  }
  for (const auto& [pos, row] : inserts) RINDLE_RETURN_IF_ERROR(insert_row(*row, pos));
  return ivm::Status::Ok();
}

}  // namespace rindle::sinks
