#include "replication/testing/pg_workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "replication/setup.h"
#include "replication/testing/engine_replica.h"

namespace rindle::replication::testing {

namespace {

struct TableSql {
  const char* name;
  const char* select;  // columns as the engine holds them (real widened to double)
};

const TableSql kTables[] = {
    {"types", "SELECT id, i2, i8, f4::float8, f8, n, nn, t, vc, c, b, bin, d, ts, tz, u, j, jb, arr FROM types"},
    {"docs", "SELECT id, small, big FROM docs"},
    {"pairs", "SELECT k1, k2, v FROM pairs"},
    {"full_t", "SELECT a, b FROM full_t"},
    {"marker", "SELECT seq FROM marker"},
};

const char* kTypeColumns[] = {"i2", "i8", "f4", "f8", "n", "nn", "t", "vc", "c", "b", "bin", "d", "ts", "tz", "u", "j", "jb", "arr"};

bool connection_error(PGconn* c, const pq::Error& e) {
  return PQstatus(c) != CONNECTION_OK || e.sqlstate.empty() || e.sqlstate.rfind("57", 0) == 0 ||
         e.sqlstate.rfind("08", 0) == 0;
}

}  // namespace

Workload::Workload(std::string conninfo, uint64_t seed) : conninfo_(std::move(conninfo)), rng_(seed) {}

std::string Workload::schema_sql() {
  return R"sql(
CREATE TABLE types (id int PRIMARY KEY, i2 smallint, i8 bigint, f4 real, f8 double precision, n numeric(12,3),
  nn numeric, t text, vc varchar(20), c char(5), b boolean, bin bytea, d date, ts timestamp, tz timestamptz,
  u uuid, j json, jb jsonb, arr int[]);
CREATE TABLE docs (id bigint PRIMARY KEY, small text, big text);
ALTER TABLE docs ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE pairs (k1 int, k2 text, v int, PRIMARY KEY (k1, k2));
CREATE TABLE full_t (a int NOT NULL, b text NOT NULL);
ALTER TABLE full_t REPLICA IDENTITY FULL;
CREATE TABLE marker (seq int PRIMARY KEY);
CREATE TABLE unpublished (id serial PRIMARY KEY, payload text);
CREATE PUBLICATION rindle_pub FOR TABLE types, docs, pairs, full_t, marker;
)sql";
}

std::vector<std::string> Workload::table_names() {
  std::vector<std::string> out;
  for (const TableSql& t : kTables) out.push_back(t.name);
  return out;
}

ivm::Result<TableState> Workload::state(const std::string& conninfo, bool arrays) {
  pq::Error e;
  pq::Conn c = pq::connect(conninfo, false, &e);
  if (!c) return pq::status_of("workload state: connect", e);
  TableState out;
  for (const TableSql& t : kTables) {
    std::string select = t.select;
    if (!arrays && std::string(t.name) == "types") select.replace(select.find(", arr FROM"), 5, "");
    pq::Result r = pq::exec(c.get(), select, {}, PGRES_TUPLES_OK, &e);
    if (!r) return pq::status_of(std::string("workload state: ") + t.name, e);
    std::vector<std::string>& rows = out[t.name];
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      std::string line;
      for (int j = 0; j < PQnfields(r.get()); ++j) {
        if (j) line += '|';
        line += cell_text(PQgetvalue(r.get(), i, j), PQgetisnull(r.get(), i, j) != 0);
      }
      rows.push_back(std::move(line));
    }
    std::sort(rows.begin(), rows.end());
  }
  return out;
}

ivm::Status Workload::ensure_connected() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return ivm::Status::Ok();
  pq::Error e;
  conn_ = pq::connect(conninfo_, false, &e);
  if (!conn_) return pq::status_of("workload: connect", e);
  return ivm::Status::Ok();
}

ivm::Status Workload::exec(const std::string& sql, const std::vector<std::string>& params) {
  pq::Error e;
  // "\x01NULL" stands for SQL NULL in params.
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p == "\x01NULL" ? nullptr : p.c_str());
  pq::Result r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                            nullptr, 0));
  ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    e = pq::error_of(conn_.get(), r.get());
    return ivm::Status(connection_error(conn_.get(), e) ? ivm::Code::kNotFound : ivm::Code::kInternal,
                       sql.substr(0, 60) + ": " + pq::describe(e));
  }
  return ivm::Status::Ok();
}

ivm::Result<std::vector<std::string>> Workload::column(const std::string& sql) {
  pq::Error e;
  pq::Result r = pq::exec(conn_.get(), sql, {}, PGRES_TUPLES_OK, &e);
  if (!r) {
    return ivm::Status(connection_error(conn_.get(), e) ? ivm::Code::kNotFound : ivm::Code::kInternal,
                       sql.substr(0, 60) + ": " + pq::describe(e));
  }
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(PQgetvalue(r.get(), i, 0));
  return out;
}

int64_t Workload::next_key() { return key_counter_++ * 7 + static_cast<int64_t>(rng_() % 7); }

std::string Workload::rand_text(int max_len) {
  static const char* pieces[] = {"a", "b", "Z", " ", "\t", "\n", "\\", "'", "\"", "é", "日本", "🙂", "|", ",", "x", "y", "0"};
  int len = static_cast<int>(rng_() % static_cast<uint64_t>(max_len + 1));
  std::string s;
  for (int i = 0; i < len; ++i) s += pieces[rng_() % (sizeof pieces / sizeof *pieces)];
  return s;
}

std::string Workload::big_text() {
  // Random letters do not compress: the value is stored out of line (TOAST).
  size_t n = 2500 + rng_() % 4000;
  std::string s(n, 'a');
  for (char& c : s) c = static_cast<char>('A' + rng_() % 58);
  return s;
}

std::string Workload::value_for(const std::string& col) {
  auto pick = [&](std::initializer_list<const char*> v) { return std::string(*(v.begin() + rng_() % v.size())); };
  char buf[128];
  if (rng_() % 8 == 0) return "\x01NULL";
  if (col == "i2") return std::to_string(static_cast<int16_t>(rng_()));
  if (col == "i8") return std::to_string(static_cast<int64_t>(rng_()) >> (rng_() % 60));
  if (col == "f4") {
    if (rng_() % 5 == 0) return pick({"0", "-0", "NaN", "Infinity", "-Infinity", "1.1", "3.4e38", "1e-40"});
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(static_cast<float>(static_cast<int64_t>(rng_() % 2000000) - 1000000) / 7.0f));
    return buf;
  }
  if (col == "f8") {
    if (rng_() % 5 == 0) return pick({"0", "-0", "NaN", "Infinity", "-Infinity", "0.1", "1e300", "5e-324", "1e22", "1e15"});
    std::snprintf(buf, sizeof buf, "%.17g", (static_cast<double>(rng_() % 2000000001) - 1e9) / static_cast<double>(1 + rng_() % 100000));
    return buf;
  }
  if (col == "n") {
    std::snprintf(buf, sizeof buf, "%s%llu.%03llu", rng_() % 2 ? "-" : "", static_cast<unsigned long long>(rng_() % 100000000),
                  static_cast<unsigned long long>(rng_() % 1000));
    return buf;
  }
  if (col == "nn") {
    if (rng_() % 10 == 0) return "NaN";
    std::string s = rng_() % 2 ? "-" : "";
    int digits = 1 + static_cast<int>(rng_() % 30), scale = static_cast<int>(rng_() % 12);
    for (int i = 0; i < digits; ++i) s += static_cast<char>('0' + rng_() % 10);
    if (scale > 0) {
      s += '.';
      for (int i = 0; i < scale; ++i) s += static_cast<char>('0' + rng_() % 10);
    }
    return s;
  }
  if (col == "t") return rand_text(30);
  if (col == "vc") return rand_text(5);
  if (col == "c") return pick({"", "a", "ab", "abcde", "x y"});
  if (col == "b") return rng_() % 2 ? "t" : "f";
  if (col == "bin") {
    std::string s = "\\x";
    int n = static_cast<int>(rng_() % 20);
    for (int i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(rng_() % 256));
      s += buf;
    }
    return s;
  }
  if (col == "d") {
    if (rng_() % 15 == 0) return pick({"infinity", "-infinity", "0044-03-15 BC", "4713-01-01 BC"});
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 1900 + static_cast<int>(rng_() % 200), 1 + static_cast<int>(rng_() % 12),
                  1 + static_cast<int>(rng_() % 28));
    return buf;
  }
  if (col == "ts" || col == "tz") {
    if (rng_() % 15 == 0) return pick({"infinity", "-infinity"});
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d%s", 1950 + static_cast<int>(rng_() % 100),
                  1 + static_cast<int>(rng_() % 12), 1 + static_cast<int>(rng_() % 28), static_cast<int>(rng_() % 24),
                  static_cast<int>(rng_() % 60), static_cast<int>(rng_() % 60),
                  rng_() % 3 == 0 ? 0 : static_cast<int>(rng_() % 1000000),
                  col == "tz" ? pick({"+00", "+05:30", "-08", "Z"}).c_str() : "");
    return buf;
  }
  if (col == "u") {
    std::string s;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
      s += "0123456789abcdef"[rng_() % 16];
    }
    return s;
  }
  if (col == "j") return pick({"{}", "[]", "{\"a\": 1,  \"b\": [true, null]}", "\"s\"", "1.50", "{\"k\":\"日本\"}"});
  if (col == "jb") return pick({"{}", "[1, 2]", "{\"b\": 1, \"a\": {\"x\": [null]}}", "\"s\"", "1.50", "{\"k\":\"v\\t\"}"});
  if (col == "arr") return pick({"{}", "{1,2,3}", "{NULL,5}", "{-1}"});
  return "\x01NULL";
}

ivm::Status Workload::one_op() {
  int table = static_cast<int>(rng_() % 4);
  int roll = static_cast<int>(rng_() % 100);
  const char* names[] = {"types", "docs", "pairs", "full_t"};
  const char* keysql[] = {"SELECT id::text FROM types", "SELECT id::text FROM docs",
                          "SELECT k1::text || chr(31) || k2 FROM pairs", "SELECT a::text FROM full_t"};
  RINDLE_ASSIGN_OR_RETURN(std::vector<std::string> keys, column(keysql[table]));
  // Bias towards a few dozen rows per table.
  bool insert = keys.empty() || roll < (keys.size() < 30 ? 50 : 25);
  std::string key = keys.empty() ? "" : keys[rng_() % keys.size()];
  std::string k1 = key.substr(0, key.find('\x1f'));
  std::string k2 = key.find('\x1f') == std::string::npos ? "" : key.substr(key.find('\x1f') + 1);
  bool del = !insert && roll >= 80;
  std::string kind = std::string(names[table]) + (insert ? ".insert" : del ? ".delete" : ".update");
  ++counts[kind];
  switch (table) {
    case 0: {
      if (insert) {
        std::string cols = "id", ph = "$1";
        std::vector<std::string> params = {std::to_string(next_key())};
        for (const char* c : kTypeColumns) {
          cols += std::string(", ") + c;
          params.push_back(value_for(c));
          ph += ", $" + std::to_string(params.size());
        }
        return exec("INSERT INTO types (" + cols + ") VALUES (" + ph + ")", params);
      }
      if (del) return exec("DELETE FROM types WHERE id = $1", {k1});
      if (rng_() % 5 == 0) {
        ++counts["types.key_update"];
        return exec("UPDATE types SET id = $1 WHERE id = $2", {std::to_string(next_key()), k1});
      }
      std::string sets;
      std::vector<std::string> params = {k1};
      for (const char* c : kTypeColumns) {
        if (rng_() % 3 != 0) continue;
        params.push_back(value_for(c));
        sets += (sets.empty() ? "" : ", ") + std::string(c) + " = $" + std::to_string(params.size());
      }
      if (sets.empty()) sets = "i2 = i2";
      return exec("UPDATE types SET " + sets + " WHERE id = $1", params);
    }
    case 1: {
      if (insert) return exec("INSERT INTO docs VALUES ($1, $2, $3)", {std::to_string(next_key()), rand_text(10), big_text()});
      if (del) return exec("DELETE FROM docs WHERE id = $1", {k1});
      if (rng_() % 4 == 0) {
        ++counts["docs.big_update"];
        return exec("UPDATE docs SET big = $2 WHERE id = $1", {k1, big_text()});
      }
      if (rng_() % 6 == 0) {
        ++counts["docs.key_update"];
        return exec("UPDATE docs SET id = $2, small = $3 WHERE id = $1", {k1, std::to_string(next_key()), rand_text(10)});
      }
      ++counts["docs.toast_unchanged_update"];
      return exec("UPDATE docs SET small = $2 WHERE id = $1", {k1, rand_text(10)});
    }
    case 2: {
      if (insert) {
        return exec("INSERT INTO pairs VALUES ($1, $2, $3)",
                    {std::to_string(next_key()), rand_text(4), std::to_string(rng_() % 1000)});
      }
      if (del) return exec("DELETE FROM pairs WHERE k1 = $1 AND k2 = $2", {k1, k2});
      if (rng_() % 4 == 0) {
        ++counts["pairs.key_update"];
        return exec("UPDATE pairs SET k2 = k2 || $3 WHERE k1 = $1 AND k2 = $2", {k1, k2, "+" + std::to_string(rng_() % 100)});
      }
      return exec("UPDATE pairs SET v = $3 WHERE k1 = $1 AND k2 = $2", {k1, k2, std::to_string(rng_() % 1000)});
    }
    default: {
      if (insert) return exec("INSERT INTO full_t VALUES ($1, $2)", {std::to_string(next_key()), rand_text(10)});
      if (del) return exec("DELETE FROM full_t WHERE a = $1", {k1});
      if (rng_() % 4 == 0) return exec("UPDATE full_t SET a = $2 WHERE a = $1", {k1, std::to_string(next_key())});
      return exec("UPDATE full_t SET b = $2 WHERE a = $1", {k1, rand_text(10)});
    }
  }
}

ivm::Status Workload::big_op() {
  ++counts["big"];
  int64_t base = 1000000 + next_key() * 5000;
  auto range = [&](int64_t from, int n) {
    return std::to_string(base + from) + ", " + std::to_string(base + from + n - 1);
  };
  RINDLE_RETURN_IF_ERROR(exec("INSERT INTO pairs SELECT g, 'big', g % 1000 FROM generate_series(" + range(0, 1500) + ") g"));
  RINDLE_RETURN_IF_ERROR(exec("SAVEPOINT s1"));
  RINDLE_RETURN_IF_ERROR(exec("INSERT INTO pairs SELECT g, 'rolled back', 1 FROM generate_series(" + range(2000, 800) + ") g"));
  RINDLE_RETURN_IF_ERROR(exec("ROLLBACK TO SAVEPOINT s1"));
  RINDLE_RETURN_IF_ERROR(exec("SAVEPOINT s2"));
  RINDLE_RETURN_IF_ERROR(exec("INSERT INTO pairs SELECT g, 'kept', 2 FROM generate_series(" + range(3000, 700) + ") g"));
  RINDLE_RETURN_IF_ERROR(exec("RELEASE SAVEPOINT s2"));
  return exec("DELETE FROM pairs WHERE k1 >= " + std::to_string(base) + " AND k1 % 97 <> 0");
}

ivm::Status Workload::run_txn(int seq) {
  for (int attempt = 0;; ++attempt) {
    ivm::Status s = ensure_connected();
    if (s.ok()) {
      s = exec("BEGIN");
      int ops = 1 + static_cast<int>(rng_() % 8);
      for (int i = 0; i < ops && s.ok(); ++i) s = one_op();
      if (s.ok() && rng_() % 40 == 0 && allow_truncate) {
        const char* which[] = {"types", "docs", "pairs", "full_t", "types, docs"};
        std::string t = which[rng_() % 5];
        ++counts["truncate"];
        s = exec("TRUNCATE " + t);
        if (s.ok() && rng_() % 2 == 0) s = one_op();  // writes after the truncate, same transaction
      }
      if (s.ok() && rng_() % 25 == 0) s = big_op();
      if (s.ok()) s = exec("INSERT INTO marker VALUES ($1)", {std::to_string(seq)});
      if (s.ok()) s = exec("COMMIT");
      if (s.ok()) return s;
    }
    if (s.code() != ivm::Code::kNotFound && s.code() != ivm::Code::kInternal) return s;
    bool conn_lost = s.code() == ivm::Code::kNotFound || !conn_ || PQstatus(conn_.get()) != CONNECTION_OK;
    if (!conn_lost) {
      (void)exec("ROLLBACK");
      return s;  // a real SQL error: the workload is wrong
    }
    if (attempt > 600) return ivm::Status(ivm::Code::kInternal, "workload: the server did not come back: " + s.message());
    // The server went away: did the transaction commit before it did?
    conn_.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!ensure_connected().ok()) continue;
    auto found = column("SELECT seq::text FROM marker WHERE seq = " + std::to_string(seq));
    if (found.ok() && !found->empty()) return ivm::Status::Ok();
  }
}

ivm::Status Workload::write_unpublished(int n) {
  RINDLE_RETURN_IF_ERROR(ensure_connected());
  return exec("INSERT INTO unpublished (payload) SELECT repeat('x', 100) FROM generate_series(1, " + std::to_string(n) + ")");
}

}  // namespace rindle::replication::testing
