#include "replication/pgoutput/shaper.h"

#include <unordered_map>
#include <utility>

namespace rindle::replication {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string relation_key(std::string_view nsp, std::string_view rel) {
  return std::string(nsp.empty() ? "pg_catalog" : nsp) + "." + std::string(rel);
}

}  // namespace

std::string engine_table_name(std::string_view pg_schema, std::string_view pg_table) {
  if (pg_schema == "public" || pg_schema.empty()) return std::string(pg_table);
  return std::string(pg_schema) + "." + std::string(pg_table);
}

std::string SchemaEvent::describe() const {
  std::string s = "table " + table + " (" + relation + ")";
  if (!added.empty()) s += ": columns added at the source (ignored): " + join(added);
  if (!dropped.empty()) s += "; columns dropped at the source: " + join(dropped);
  if (!retyped.empty()) s += "; columns whose type changed: " + join(retyped);
  if (!absorbed.empty()) s += "; filled with NULL (no view reads them): " + join(absorbed);
  if (!error.ok()) s += "; STOPPED: " + error.message();
  return s;
}

struct BatchShaper::Mapping {
  std::shared_ptr<const RelationInfo> rel;  // the relation version mapped
  std::vector<int> from;                    // per spec column: relation column, or -1 (NULL)
  std::vector<int> key_from;                // per primary-key position: relation column
};

struct BatchShaper::TableState {
  TableSpec spec;
  std::string relation;  // "schema.table"
  bool stopped = false;
  ivm::Status stop_reason;
  Mapping mapping;
  std::string reported;  // signature of the last SchemaEvent ("": the spec matched)
};

// The rows this batch has produced so far, by table and key, for TOAST fill,
// TRUNCATE and all-column keys: the index of the change holding the row's
// latest version, or -1 if the row was deleted in this batch. Built only when
// first needed (most batches never need it), then kept up to date.
struct BatchShaper::Overlay {
  using Index = std::unordered_map<ivm::Row, int64_t, ivm::RowHash, ivm::RowEq>;
  bool built = false;
  std::unordered_map<std::string, Index> rows;
};

BatchShaper::BatchShaper(std::vector<TableSpec> tables, bool auto_tables) : auto_tables_(auto_tables) {
  for (TableSpec& spec : tables) set_table(std::move(spec));
}

BatchShaper::~BatchShaper() = default;

void BatchShaper::set_table(TableSpec spec) {
  std::string name = spec.schema.name;
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    auto st = std::make_unique<TableState>();
    st->relation = relation_key(spec.pg_schema, spec.pg_table);
    it = by_name_.emplace(name, std::move(st)).first;
  } else {
    by_relation_.erase(it->second->relation);
    it->second->relation = relation_key(spec.pg_schema, spec.pg_table);
  }
  TableState& st = *it->second;
  st.spec = std::move(spec);
  if (st.spec.absorbable.size() != st.spec.schema.columns.size()) {
    st.spec.absorbable.resize(st.spec.schema.columns.size(), false);
  }
  st.mapping = Mapping{};  // remapped at the next change
  by_relation_[st.relation] = &st;
}

const TableSpec* BatchShaper::table(std::string_view engine_name) const {
  auto it = by_name_.find(engine_name);
  return it == by_name_.end() ? nullptr : &it->second->spec;
}

bool BatchShaper::stopped(std::string_view engine_name) const {
  auto it = by_name_.find(engine_name);
  return it != by_name_.end() && it->second->stopped;
}

std::vector<TableSpec> BatchShaper::tables() const {
  std::vector<TableSpec> out;
  for (const auto& [name, st] : by_name_) out.push_back(st->spec);
  return out;
}

void BatchShaper::stop(TableState& st, ivm::Status why, TxnBatch* out) {
  if (st.stopped) return;
  st.stopped = true;
  st.stop_reason = why;
  SchemaEvent e;
  e.table = st.spec.schema.name;
  e.relation = st.relation;
  e.error = std::move(why);
  out->schema_events.push_back(std::move(e));
}

BatchShaper::TableState* BatchShaper::state_for(const RelationInfo& rel, TxnBatch* out) {
  std::string key = relation_key(rel.nspname, rel.relname);
  auto it = by_relation_.find(key);
  if (it != by_relation_.end()) return it->second;
  // A table the consumer did not declare.
  TableSpec spec;
  spec.pg_schema = rel.nspname;
  spec.pg_table = rel.relname;
  spec.schema.name = engine_table_name(rel.nspname, rel.relname);
  spec.replica_identity = rel.replica_identity;
  for (size_t i = 0; i < rel.columns.size(); ++i) {
    const RelationInfo::Column& c = rel.columns[i];
    spec.schema.columns.push_back(ivm::Column{c.name, c.type_error.ok() ? c.type : ivm::Type::kText, true});
    if (c.key) spec.schema.primary_key.push_back(static_cast<int>(i));
  }
  if (spec.schema.primary_key.empty() && rel.replica_identity == 'f') {
    for (size_t i = 0; i < rel.columns.size(); ++i) spec.schema.primary_key.push_back(static_cast<int>(i));
    spec.unique_key = false;
  }
  if (by_name_.count(spec.schema.name) != 0) {
    // The engine name is taken by another relation (a renamed table): report and ignore.
    auto st = std::make_unique<TableState>();
    st->spec = spec;
    st->relation = key;
    TableState* raw = st.get();
    by_name_.emplace("\x01" + key, std::move(st));
    by_relation_[key] = raw;
    stop(*raw, ivm::Status(ivm::Code::kNotFound, "table " + key + " maps to engine table \"" + spec.schema.name +
                                                     "\", which already mirrors another relation; its changes are ignored"),
         out);
    return raw;
  }
  bool derive = auto_tables_;
  set_table(std::move(spec));
  TableState* st = by_relation_[key];
  if (!derive) {
    stop(*st, ivm::Status(ivm::Code::kNotFound, "table " + key + " is published but not among the consumer's tables; its changes are ignored"),
         out);
  }
  return st;
}

void BatchShaper::remap(TableState& st, const std::shared_ptr<const RelationInfo>& rel, TxnBatch* out) {
  const ivm::TableSchema& schema = st.spec.schema;
  Mapping m;
  m.rel = rel;
  SchemaEvent e;
  e.table = schema.name;
  e.relation = st.relation;
  std::vector<std::string> problems;

  std::unordered_map<std::string, int> by_name;
  for (size_t i = 0; i < rel->columns.size(); ++i) by_name.emplace(rel->columns[i].name, static_cast<int>(i));
  std::vector<bool> used(rel->columns.size(), false);
  m.from.assign(schema.columns.size(), -1);
  for (size_t j = 0; j < schema.columns.size(); ++j) {
    const ivm::Column& col = schema.columns[j];
    auto it = by_name.find(col.name);
    std::string trouble;
    if (it == by_name.end()) {
      e.dropped.push_back(col.name);
      trouble = "column \"" + col.name + "\" no longer exists at the source";
    } else {
      used[static_cast<size_t>(it->second)] = true;
      const RelationInfo::Column& rc = rel->columns[static_cast<size_t>(it->second)];
      if (!rc.type_error.ok()) {
        e.retyped.push_back(col.name);
        trouble = rc.type_error.message();
      } else if (rc.type != col.type) {
        e.retyped.push_back(col.name);
        trouble = "column \"" + col.name + "\" is now " +
                  (rc.type_name.empty() ? std::string(ivm::type_name(rc.type)) : rc.type_name) + " (" +
                  ivm::type_name(rc.type) + ") at the source, the consumer holds " + ivm::type_name(col.type);
      } else {
        m.from[j] = it->second;
      }
    }
    if (trouble.empty()) continue;
    if (st.spec.absorbable[j] && col.nullable) {
      e.absorbed.push_back(col.name);
    } else {
      problems.push_back(trouble + (st.spec.absorbable[j] ? " (absorbable, but NOT NULL in the consumer's table)" : ""));
    }
  }
  for (size_t i = 0; i < rel->columns.size(); ++i) {
    if (!used[i]) e.added.push_back(rel->columns[i].name);
  }

  // Rows must be identifiable by the consumer's primary key.
  bool any_key = false;
  for (const RelationInfo::Column& c : rel->columns) any_key = any_key || c.key;
  if (rel->replica_identity == 'n' || (rel->replica_identity != 'f' && !any_key)) {
    problems.insert(problems.begin(),
                    "it has no primary key and its REPLICA IDENTITY is not FULL, so its updates and deletes cannot be "
                    "followed (add a primary key, or ALTER TABLE " + st.relation + " REPLICA IDENTITY FULL)");
  } else {
    for (int k : schema.primary_key) {
      int from = m.from[static_cast<size_t>(k)];
      const std::string& name = schema.columns[static_cast<size_t>(k)].name;
      if (from < 0) {
        problems.push_back("primary key column \"" + name + "\" is not available");
      } else if (rel->replica_identity != 'f' && !rel->columns[static_cast<size_t>(from)].key) {
        problems.push_back("primary key column \"" + name +
                           "\" is not part of the source's replica identity (use the same key, or REPLICA IDENTITY FULL)");
      }
      m.key_from.push_back(from);
    }
  }

  if (!problems.empty()) {
    std::string msg = "table " + st.relation + ": ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    e.error = ivm::Status(ivm::Code::kUnsupported, msg);
  }
  std::string signature = join(e.added) + "|" + join(e.dropped) + "|" + join(e.retyped) + "|" + join(e.absorbed) +
                          "|" + e.error.message();
  if (signature == "||||") signature.clear();
  st.mapping = std::move(m);
  if (!e.error.ok()) {
    st.stopped = true;
    st.stop_reason = e.error;
    st.reported = signature;
    out->schema_events.push_back(std::move(e));
    return;
  }
  if (signature != st.reported) {
    st.reported = signature;
    out->schema_events.push_back(std::move(e));
  }
}

namespace {

// A table keyed by all its columns (no primary key at the source): the new
// row must have no NULL and must not already be held.
using RowIndex = std::unordered_map<ivm::Row, int64_t, ivm::RowHash, ivm::RowEq>;

ivm::Status check_all_column_key(const std::string& relation, const std::string& table, const ivm::Row& key,
                                 const RowIndex& rows, const ShapeHooks& hooks) {
  for (const ivm::Value& v : key) {
    if (v.is_null()) {
      return ivm::Status(ivm::Code::kUnsupported,
                         "table " + relation +
                             " has no primary key, so rindle keys it by all its columns, and a row has a NULL in them; "
                             "add a primary key to follow this table");
    }
  }
  auto hit = rows.find(key);
  bool held = hit != rows.end() ? hit->second >= 0 : (hooks.lookup && hooks.lookup(table, key) != nullptr);
  if (held) {
    return ivm::Status(ivm::Code::kUnsupported,
                       "table " + relation + " has no primary key and now holds two identical rows " +
                           ivm::row_to_string(key) + ", which rindle cannot tell apart; add a primary key to follow this table");
  }
  return ivm::Status::Ok();
}

}  // namespace

TxnBatch BatchShaper::shape(RawTxn raw, const ShapeHooks& hooks) {
  TxnBatch out;
  out.batch.lsn = raw.end_lsn;
  out.batch.commit_ts = raw.commit_time + kPgEpochUnixMicros;
  out.commit_lsn = raw.commit_lsn;
  out.xid = raw.xid;
  out.origin = std::move(raw.origin);
  out.streamed = raw.streamed;
  out.batch.changes.reserve(raw.changes.size());
  Overlay overlay;
  // Records change i (already in out.batch.changes) in the overlay.
  auto note = [&](size_t i) {
    const ivm::Change& c = out.batch.changes[i];
    RowIndex& idx = overlay.rows[c.table];
    if (c.kind != ivm::ChangeKind::kInsert) idx[c.key] = -1;
    if (c.kind != ivm::ChangeKind::kDelete) {
      const TableSpec& spec = by_name_.find(c.table)->second->spec;
      ivm::Row key;
      key.reserve(spec.schema.primary_key.size());
      for (int k : spec.schema.primary_key) key.push_back(c.row[static_cast<size_t>(k)]);
      idx[std::move(key)] = static_cast<int64_t>(i);
    }
  };
  // The overlay of `table`, built from the batch so far on first use.
  auto rows_of = [&](const std::string& table) -> RowIndex& {
    if (!overlay.built) {
      overlay.built = true;
      for (size_t i = 0; i < out.batch.changes.size(); ++i) note(i);
    }
    return overlay.rows[table];
  };

  // The table state for a change's relation, remapped if the relation changed;
  // null if the table is stopped.
  const RelationInfo* last_rel = nullptr;
  TableState* last_state = nullptr;
  auto table_for = [&](const std::shared_ptr<const RelationInfo>& rel) -> TableState* {
    TableState* st;
    if (rel.get() == last_rel && last_state->mapping.rel == rel) {
      st = last_state;  // the common case: the same relation as the previous change
    } else {
      st = state_for(*rel, &out);
      if (!st->stopped && st->mapping.rel != rel) remap(*st, rel, &out);
      last_rel = rel.get();
      last_state = st;
    }
    return st->stopped ? nullptr : st;
  };
  auto shape_row = [](const TableState& st, const RawTuple& t, std::vector<int>* unchanged) {
    const Mapping& m = st.mapping;
    ivm::Row row(m.from.size());
    for (size_t j = 0; j < m.from.size(); ++j) {
      int i = m.from[j];
      if (i < 0) continue;
      row[j] = t.values[static_cast<size_t>(i)];
      if (!t.unchanged.empty() && t.unchanged[static_cast<size_t>(i)]) unchanged->push_back(static_cast<int>(j));
    }
    return row;
  };
  auto key_of = [](const TableState& st, const RawTuple& t, ivm::Status* error) {
    ivm::Row key;
    key.reserve(st.mapping.key_from.size());
    for (size_t k = 0; k < st.mapping.key_from.size(); ++k) {
      size_t i = static_cast<size_t>(st.mapping.key_from[k]);
      if ((!t.unchanged.empty() && t.unchanged[i]) || t.values[i].is_null()) {
        *error = ivm::Status(ivm::Code::kInvalid, "table " + st.relation + ": a change has no value for key column \"" +
                                                      st.mapping.rel->columns[i].name + "\"");
        return key;
      }
      key.push_back(t.values[i]);
    }
    return key;
  };

  for (RawChange& c : raw.changes) {
    if (c.kind == RawChange::Kind::kMessage) {
      out.messages.push_back(std::move(c.message));
      continue;
    }
    if (c.kind == RawChange::Kind::kTruncate) {
      for (const auto& rel : c.truncated) {
        TableState* st = table_for(rel);
        if (st == nullptr) {
          ++out.dropped_changes;
          continue;
        }
        const std::string& name = st->spec.schema.name;
        if (!hooks.scan_keys) {
          stop(*st, ivm::Status(ivm::Code::kUnsupported, "table " + st->relation +
                                                             " was truncated, but the consumer gave no scan_keys hook to "
                                                             "list the rows to delete"),
               &out);
          ++out.dropped_changes;
          continue;
        }
        RowIndex& rows = rows_of(name);
        std::vector<ivm::Row> keys;
        hooks.scan_keys(name, [&](const ivm::Row& key) {
          if (rows.find(key) == rows.end()) keys.push_back(key);
        });
        for (auto& [key, idx] : rows) {
          if (idx >= 0) keys.push_back(key);
        }
        for (ivm::Row& key : keys) {
          out.batch.changes.push_back(ivm::Change{ivm::ChangeKind::kDelete, name, std::move(key), {}});
          note(out.batch.changes.size() - 1);
        }
        out.truncated.push_back(name);
      }
      continue;
    }
    TableState* st = table_for(c.relation);
    if (st == nullptr) {
      ++out.dropped_changes;
      continue;
    }
    if (!c.error.ok()) {
      stop(*st, c.error, &out);
      ++out.dropped_changes;
      continue;
    }
    const std::string& name = st->spec.schema.name;
    ivm::Status error;
    ivm::Change change;
    change.table = name;
    std::vector<int> unchanged;
    if (c.kind == RawChange::Kind::kInsert) {
      change.kind = ivm::ChangeKind::kInsert;
      change.row = shape_row(*st, c.new_tuple, &unchanged);
      if (!unchanged.empty()) {
        error = ivm::Status(ivm::Code::kInvalid, "table " + st->relation + ": an insert marked a value as unchanged");
      }
    } else if (c.kind == RawChange::Kind::kDelete) {
      change.kind = ivm::ChangeKind::kDelete;
      change.key = key_of(*st, c.old_tuple, &error);
    } else {
      change.kind = ivm::ChangeKind::kUpdate;
      change.row = shape_row(*st, c.new_tuple, &unchanged);
      change.key = key_of(*st, c.old_kind != 0 ? c.old_tuple : c.new_tuple, &error);
      // Unchanged TOASTed values: the old row (FULL), this batch, the consumer's store.
      const ivm::Row* stored = nullptr;
      bool looked_up = false;
      for (int j : unchanged) {
        if (!error.ok()) break;
        int i = st->mapping.from[static_cast<size_t>(j)];
        if (c.old_kind == 'O' && (c.old_tuple.unchanged.empty() || !c.old_tuple.unchanged[static_cast<size_t>(i)])) {
          change.row[static_cast<size_t>(j)] = c.old_tuple.values[static_cast<size_t>(i)];
          continue;
        }
        RowIndex& rows = rows_of(name);
        auto hit = rows.find(change.key);
        if (hit != rows.end()) {
          if (hit->second >= 0) {
            change.row[static_cast<size_t>(j)] = out.batch.changes[static_cast<size_t>(hit->second)].row[static_cast<size_t>(j)];
            continue;
          }
        } else {
          if (!looked_up && hooks.lookup) {
            stored = hooks.lookup(name, change.key);
            looked_up = true;
          }
          if (stored != nullptr && stored->size() == change.row.size()) {
            change.row[static_cast<size_t>(j)] = (*stored)[static_cast<size_t>(j)];
            continue;
          }
        }
        error = ivm::Status(ivm::Code::kNotFound,
                            "table " + st->relation + ": column \"" + st->spec.schema.columns[static_cast<size_t>(j)].name +
                                "\" was not changed (TOAST) and the consumer holds no row with key " +
                                ivm::row_to_string(change.key) + (hooks.lookup ? "" : " (no lookup hook)"));
      }
    }
    if (change.kind != ivm::ChangeKind::kDelete && error.ok() && !st->spec.unique_key) {
      // Judge the new row against the rows as they stand without the old one
      // (if the change is refused, the table stops and its overlay no longer matters).
      RowIndex& rows = rows_of(name);
      if (change.kind == ivm::ChangeKind::kUpdate) rows[change.key] = -1;
      ivm::Row new_key;
      for (int k : st->spec.schema.primary_key) new_key.push_back(change.row[static_cast<size_t>(k)]);
      error = check_all_column_key(st->relation, name, new_key, rows, hooks);
    }
    if (!error.ok()) {
      stop(*st, error, &out);
      ++out.dropped_changes;
      continue;
    }
    out.batch.changes.push_back(std::move(change));
    if (overlay.built) note(out.batch.changes.size() - 1);
  }

  // A table stopped part-way through the batch loses its earlier changes too:
  // from this batch on, nothing of it is delivered.
  std::vector<std::string> stopped_now;
  for (const SchemaEvent& e : out.schema_events) {
    if (!e.error.ok()) stopped_now.push_back(e.table);
  }
  if (!stopped_now.empty()) {
    auto is_stopped = [&](const std::string& t) {
      for (const std::string& s : stopped_now) {
        if (s == t) return true;
      }
      return false;
    };
    size_t before = out.batch.changes.size();
    std::erase_if(out.batch.changes, [&](const ivm::Change& ch) { return is_stopped(ch.table); });
    out.dropped_changes += before - out.batch.changes.size();
    std::erase_if(out.truncated, is_stopped);
  }
  return out;
}

}  // namespace rindle::replication
