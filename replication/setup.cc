#include "replication/setup.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "replication/pg_conn.h"

namespace rindle::replication {

namespace {

std::string conninfo_quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

ivm::Status not_ok(ivm::Code code, std::string message) { return ivm::Status(code, std::move(message)); }

class PqSnapshot : public ExportedSnapshot {
 public:
  PqSnapshot(pq::Conn conn, std::string name, Lsn lsn) : conn_(std::move(conn)), name_(std::move(name)), lsn_(lsn) {}
  const std::string& snapshot_name() const override { return name_; }
  Lsn consistent_lsn() const override { return lsn_; }

 private:
  pq::Conn conn_;  // held open, idle: the snapshot lives as long as it does
  std::string name_;
  Lsn lsn_;
};

}  // namespace

ivm::Result<std::string> session_conninfo(const std::string& base, bool replication) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(base.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err != nullptr ? err : "out of memory";
    if (err != nullptr) PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return not_ok(ivm::Code::kInvalid, "bad connection string: " + msg);
  }
  std::map<std::string, std::string> kv;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) kv[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  std::string settings = "-c datestyle=ISO -c timezone=UTC -c extra_float_digits=3 -c bytea_output=hex -c intervalstyle=postgres";
  kv["options"] = kv.count("options") ? kv["options"] + " " + settings : settings;
  kv.emplace("application_name", "rindle");
  kv.emplace("connect_timeout", "10");
  kv.emplace("keepalives", "1");
  kv.emplace("keepalives_idle", "30");
  kv.emplace("keepalives_interval", "10");
  kv.emplace("keepalives_count", "3");
  if (replication) {
    kv["replication"] = "database";
  } else {
    kv.erase("replication");
  }
  std::string out;
  for (const auto& [k, v] : kv) out += (out.empty() ? "" : " ") + k + "=" + conninfo_quote(v);
  return out;
}

ivm::Status check_slot_name(const std::string& slot) {
  if (slot.empty() || slot.size() > 63) {
    return not_ok(ivm::Code::kInvalid, "replication slot name \"" + slot + "\" must have 1 to 63 characters");
  }
  for (char c : slot) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return not_ok(ivm::Code::kInvalid, "replication slot name \"" + slot +
                                             "\" may contain only lower case letters, digits and underscores");
    }
  }
  return ivm::Status::Ok();
}

ivm::Result<SlotState> read_slot(const std::string& conninfo, const std::string& slot) {
  pq::Error e;
  pq::Conn c = pq::connect(conninfo, false, &e);
  if (!c) return pq::status_of("connecting to read slot \"" + slot + "\"", e);
  pq::Result r = pq::exec(c.get(),
                          "SELECT coalesce(plugin, ''), coalesce(database, ''), temporary, coalesce(restart_lsn::text, ''), "
                          "coalesce(confirmed_flush_lsn::text, ''), coalesce(wal_status, ''), coalesce(active_pid, 0) "
                          "FROM pg_replication_slots WHERE slot_name = $1",
                          {slot}, PGRES_TUPLES_OK, &e);
  if (!r) return pq::status_of("reading slot \"" + slot + "\"", e);
  SlotState s;
  if (PQntuples(r.get()) == 0) return s;
  s.exists = true;
  s.plugin = pq::value(r.get(), 0, 0);
  s.database = pq::value(r.get(), 0, 1);
  s.temporary = std::string(pq::value(r.get(), 0, 2)) == "t";
  parse_lsn(pq::value(r.get(), 0, 3), &s.restart_lsn);
  parse_lsn(pq::value(r.get(), 0, 4), &s.confirmed_flush_lsn);
  s.wal_status = pq::value(r.get(), 0, 5);
  s.active_pid = std::atoi(pq::value(r.get(), 0, 6));
  return s;
}

ivm::Status ensure_publication(const std::string& conninfo, const std::string& name,
                               const std::vector<std::string>& tables) {
  if (name.empty() || name.size() > 63) {
    return not_ok(ivm::Code::kInvalid, "publication name \"" + name + "\" must have 1 to 63 characters");
  }
  pq::Error e;
  pq::Conn c = pq::connect(conninfo, false, &e);
  if (!c) return pq::status_of("connecting to create publication \"" + name + "\"", e);
  pq::Result r = pq::exec(c.get(), "SELECT 1 FROM pg_publication WHERE pubname = $1", {name}, PGRES_TUPLES_OK, &e);
  if (!r) return pq::status_of("looking up publication \"" + name + "\"", e);
  if (PQntuples(r.get()) > 0) return ivm::Status::Ok();
  std::string sql = "CREATE PUBLICATION " + pq::quote_ident(name);
  if (tables.empty()) {
    sql += " FOR ALL TABLES";
  } else {
    sql += " FOR TABLE ";
    for (size_t i = 0; i < tables.size(); ++i) sql += (i ? ", " : "") + pq::quote_table(tables[i]);
  }
  if (!pq::exec(c.get(), sql, {}, PGRES_COMMAND_OK, &e)) {
    if (e.sqlstate == "42710") return ivm::Status::Ok();  // created meanwhile
    return pq::status_of("creating publication \"" + name + "\"", e);
  }
  return ivm::Status::Ok();
}

ivm::Result<std::vector<TableSpec>> describe_tables(const std::string& conninfo,
                                                   const std::vector<std::string>& publications,
                                                   UnknownTypePolicy unknown_types, bool binary) {
  if (publications.empty()) return not_ok(ivm::Code::kInvalid, "no publication named");
  pq::Error e;
  pq::Conn c = pq::connect(conninfo, false, &e);
  if (!c) return pq::status_of("connecting to describe the published tables", e);
  std::string pubs = "{";
  for (size_t i = 0; i < publications.size(); ++i) {
    pubs += (i ? "," : "") + std::string("\"");
    for (char ch : publications[i]) {
      if (ch == '"' || ch == '\\') pubs += '\\';
      pubs += ch;
    }
    pubs += "\"";
  }
  pubs += "}";
  pq::Result found = pq::exec(c.get(), "SELECT pubname FROM pg_publication WHERE pubname = ANY($1::text[])", {pubs},
                              PGRES_TUPLES_OK, &e);
  if (!found) return pq::status_of("looking up publications", e);
  std::set<std::string> present;
  for (int i = 0; i < PQntuples(found.get()); ++i) present.insert(pq::value(found.get(), i, 0));
  for (const std::string& p : publications) {
    if (present.count(p) == 0) return not_ok(ivm::Code::kNotFound, "publication \"" + p + "\" does not exist");
  }

  pq::Result cols = pq::exec(
      c.get(),
      "SELECT DISTINCT c.oid::int8, n.nspname, c.relname, c.relreplident::text, c.reltuples::float8, a.attnum, "
      "a.attname, a.atttypid::int8, a.attnotnull, format_type(a.atttypid, a.atttypmod) "
      "FROM pg_publication_tables pt "
      "JOIN pg_namespace n ON n.nspname = pt.schemaname "
      "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename "
      "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = ANY(pt.attnames) "
      "WHERE pt.pubname = ANY($1::text[]) ORDER BY 1, 6",
      {pubs}, PGRES_TUPLES_OK, &e);
  if (!cols) return pq::status_of("reading the published tables", e);
  pq::Result keys = pq::exec(c.get(),
                             "SELECT i.indrelid::int8, i.indisprimary, i.indisreplident, i.indkey::text "
                             "FROM pg_index i WHERE i.indisprimary OR i.indisreplident",
                             {}, PGRES_TUPLES_OK, &e);
  if (!keys) return pq::status_of("reading primary keys", e);
  // oid -> attnums of the primary key / replica identity index.
  std::map<int64_t, std::vector<int>> pk, ri;
  for (int i = 0; i < PQntuples(keys.get()); ++i) {
    int64_t rel = std::atoll(pq::value(keys.get(), i, 0));
    std::vector<int> attnums;
    std::istringstream in(pq::value(keys.get(), i, 3));
    for (int a; in >> a;) attnums.push_back(a);
    if (std::string(pq::value(keys.get(), i, 1)) == "t") pk[rel] = attnums;
    if (std::string(pq::value(keys.get(), i, 2)) == "t") ri[rel] = attnums;
  }

  struct Pending {
    TableSpec spec;
    std::vector<int> attnums;
    std::vector<std::string> problems;
  };
  std::map<int64_t, Pending> tables;
  std::vector<int64_t> order;
  for (int i = 0; i < PQntuples(cols.get()); ++i) {
    int64_t rel = std::atoll(pq::value(cols.get(), i, 0));
    auto [it, fresh] = tables.try_emplace(rel);
    Pending& p = it->second;
    if (fresh) {
      order.push_back(rel);
      p.spec.pg_schema = pq::value(cols.get(), i, 1);
      p.spec.pg_table = pq::value(cols.get(), i, 2);
      p.spec.schema.name = engine_table_name(p.spec.pg_schema, p.spec.pg_table);
      p.spec.replica_identity = pq::value(cols.get(), i, 3)[0];
      p.spec.estimated_rows = std::atof(pq::value(cols.get(), i, 4));
    }
    std::string name = pq::value(cols.get(), i, 6);
    uint32_t type_oid = static_cast<uint32_t>(std::atoll(pq::value(cols.get(), i, 7)));
    bool not_null = std::string(pq::value(cols.get(), i, 8)) == "t";
    std::string type_name = pq::value(cols.get(), i, 9);
    ivm::Result<ivm::Type> t = column_engine_type(type_oid, unknown_types, name, type_name);
    if (!t.ok()) {
      p.problems.push_back(t.status().message());
    } else if (binary && !binary_decodable(type_oid)) {
      p.problems.push_back("column \"" + name + "\" has type " + type_name +
                           ", which cannot be read in binary mode (use binary: false to carry it as text)");
    }
    p.spec.schema.columns.push_back(ivm::Column{name, t.ok() ? *t : ivm::Type::kText, !not_null});
    p.attnums.push_back(std::atoi(pq::value(cols.get(), i, 5)));
  }

  std::vector<TableSpec> out;
  std::string refused;
  for (int64_t rel : order) {
    Pending& p = tables[rel];
    std::string qualified = p.spec.pg_schema + "." + p.spec.pg_table;
    const std::vector<int>* key = nullptr;
    char ident = p.spec.replica_identity;
    if (ident == 'd' && pk.count(rel)) key = &pk[rel];
    if (ident == 'i' && ri.count(rel)) key = &ri[rel];
    if (ident == 'f' && pk.count(rel)) key = &pk[rel];
    if (key != nullptr) {
      for (int attnum : *key) {
        auto at = std::find(p.attnums.begin(), p.attnums.end(), attnum);
        if (at == p.attnums.end()) {
          p.problems.push_back("its key column (attnum " + std::to_string(attnum) +
                               ") is not in the publication's column list");
        } else {
          p.spec.schema.primary_key.push_back(static_cast<int>(at - p.attnums.begin()));
        }
      }
    } else if (ident == 'f') {
      for (size_t i = 0; i < p.spec.schema.columns.size(); ++i) p.spec.schema.primary_key.push_back(static_cast<int>(i));
      p.spec.unique_key = false;
    } else {
      p.problems.insert(p.problems.begin(),
                        "it has no primary key and its REPLICA IDENTITY is not FULL, so its updates and deletes cannot "
                        "be followed (add a primary key, or ALTER TABLE " + qualified + " REPLICA IDENTITY FULL)");
    }
    if (!p.problems.empty()) {
      refused += (refused.empty() ? "" : "\n") + std::string("table ") + qualified + ": ";
      for (size_t i = 0; i < p.problems.size(); ++i) refused += (i ? "; " : "") + p.problems[i];
      continue;
    }
    out.push_back(std::move(p.spec));
  }
  if (!refused.empty()) return not_ok(ivm::Code::kUnsupported, refused);
  return out;
}

ivm::Result<std::unique_ptr<ExportedSnapshot>> create_slot(const std::string& conninfo, const std::string& slot) {
  RINDLE_RETURN_IF_ERROR(check_slot_name(slot));
  pq::Error e;
  pq::Conn c = pq::connect(conninfo, true, &e);
  if (!c) return pq::status_of("connecting to create slot \"" + slot + "\"", e);
  pq::Result r = pq::exec_simple(c.get(), "CREATE_REPLICATION_SLOT " + pq::quote_ident(slot) +
                                              " LOGICAL pgoutput (SNAPSHOT 'export')",
                                 PGRES_TUPLES_OK, &e);
  if (!r) {
    if (e.sqlstate == "42710") return not_ok(ivm::Code::kExists, "replication slot \"" + slot + "\" already exists");
    return pq::status_of("creating slot \"" + slot + "\"", e);
  }
  Lsn lsn = 0;
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) < 3 || !parse_lsn(pq::value(r.get(), 0, 1), &lsn)) {
    return not_ok(ivm::Code::kInternal, "CREATE_REPLICATION_SLOT returned an unexpected result");
  }
  std::string name = pq::value(r.get(), 0, 2);
  return std::unique_ptr<ExportedSnapshot>(new PqSnapshot(std::move(c), std::move(name), lsn));
}

ivm::Status drop_slot(const std::string& conninfo, const std::string& slot) {
  pq::Error e;
  pq::Conn c = pq::connect(conninfo, false, &e);
  if (!c) return pq::status_of("connecting to drop slot \"" + slot + "\"", e);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    if (pq::exec(c.get(), "SELECT pg_drop_replication_slot($1)", {slot}, PGRES_TUPLES_OK, &e)) return ivm::Status::Ok();
    if (e.sqlstate == "42704") return not_ok(ivm::Code::kNotFound, "replication slot \"" + slot + "\" does not exist");
    if (e.sqlstate != "55006" || std::chrono::steady_clock::now() > deadline) {
      return pq::status_of("dropping slot \"" + slot + "\"", e);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace rindle::replication
