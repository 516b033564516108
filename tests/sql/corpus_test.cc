// The SQL corpus: tests/sql/<feature>/*.test, run against the engine with
// PostgreSQL as the oracle (label `pg`).
//
// Each file gets a fresh database (LC_COLLATE/LC_CTYPE C unless a `locale`
// line says otherwise) and an engine mirroring its tables. Blocks, separated
// by blank lines ('#' starts a comment line):
//
//   locale C.UTF-8                 the database's locale (first line only)
//
//   setup                          SQL run on PostgreSQL before any view
//   CREATE TABLE ...; INSERT ...;
//   ----
//
//   view NAME [key=a,b] [params=1|x|NULL]
//   SELECT ...                     the view; compiled against the catalog read from PostgreSQL
//   ----
//   columns: id integer, n bigint  (optional) the output columns and their PostgreSQL types
//   key: id                        (optional) the derived key ("one row" for none: at most one row)
//   1 | a                          expected rows: " | " between columns, NULL, '' for the empty string
//
//   change                         SQL run on PostgreSQL in one transaction; the
//   UPDATE ...; DELETE ...;        table differences go to the engine as one batch
//   ----
//
//   rows NAME                      expected rows of a view now (or "error: <message>")
//   1 | b
//
//   refuse [params=...]            SQL that compile_view refuses
//   SELECT ...
//   ----
//   unsupported: sql:1:8: ... is not supported
//
// After every view, change and rows block, EVERY view is also compared with
// the same SQL run on PostgreSQL (exact text, in order when the view is
// ordered), so the expectations written in the files are always what
// PostgreSQL returns. A view's column types are compared with the result
// types PostgreSQL reports. A refusal coded `unsupported` must be SQL that
// PostgreSQL runs; any other code must be SQL PostgreSQL rejects too. Each
// file runs twice: once with each change block as one transaction, once with
// every statement of it as its own transaction (batches of one).
//
//   RINDLE_SQL_TEST=join/left     runs only files whose path contains this
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <cstdio>
#include <cstdlib>

#include "config/sql/catalog_pg.h"
#include "config/sql/compile.h"
#include "tests/sql/pg_client.h"
#include "tests/sql/table_mirror.h"
#include "tests/support/pg_cluster.h"

namespace rindle::sql::testing {
namespace {

struct Block {
  std::string kind;                 // setup, view, change, rows, refuse, locale
  std::string name;                 // view name
  std::map<std::string, std::string> options;  // key=..., params=...
  std::string sql;
  std::vector<std::string> expect;  // lines after ----
  int line = 0;                     // first line of the block in the file
};

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
}

std::vector<Block> parse(const std::string& path, std::string* error) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<Block> blocks;
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& l = lines[i];
    if (l.empty() || l[0] == '#') {
      ++i;
      continue;
    }
    Block b;
    b.line = static_cast<int>(i + 1);
    std::vector<std::string> words = split(l, " ");
    b.kind = words[0];
    size_t w = 1;
    if ((b.kind == "view" || b.kind == "rows") && words.size() > 1) b.name = words[w++];
    if (b.kind == "locale") {
      b.name = words.size() > 1 ? words[1] : "";
      blocks.push_back(b);
      ++i;
      continue;
    }
    for (; w < words.size(); ++w) {
      size_t eq = words[w].find('=');
      if (eq == std::string::npos) {
        *error = path + ":" + std::to_string(i + 1) + ": bad option " + words[w];
        return {};
      }
      b.options[words[w].substr(0, eq)] = words[w].substr(eq + 1);
    }
    ++i;
    if (b.kind == "setup" || b.kind == "change" || b.kind == "view" || b.kind == "refuse") {
      while (i < lines.size() && lines[i] != "----") b.sql += lines[i++] + "\n";
      if (i == lines.size()) {
        *error = path + ":" + std::to_string(b.line) + ": missing ----";
        return {};
      }
      ++i;
      if (!b.sql.empty()) b.sql.pop_back();
    } else if (b.kind != "rows") {
      *error = path + ":" + std::to_string(b.line) + ": unknown block " + b.kind;
      return {};
    }
    while (i < lines.size() && !lines[i].empty()) {
      if (lines[i][0] != '#') b.expect.push_back(lines[i]);
      ++i;
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

std::string show(const Text& t) {
  if (!t) return "NULL";
  if (t->empty()) return "''";
  return *t;
}

// Double precision values are compared to 12 significant digits: the engine
// sums floats exactly and rounds once, PostgreSQL adds them in scan order.
std::string show_float(const std::string& s) {
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || s == "NaN" || s.find("nfinity") != std::string::npos) return s;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", d);
  return buf;
}

std::string show_row(const TextRow& r, const std::vector<bool>& floats) {
  std::string s;
  for (size_t i = 0; i < r.size(); ++i) {
    bool f = i < floats.size() && floats[i] && r[i];
    s += (i ? " | " : "") + (f ? show_float(*r[i]) : show(r[i]));
  }
  return s;
}

std::vector<std::string> show_rows(const std::vector<TextRow>& rows, bool ordered, const std::vector<bool>& floats) {
  std::vector<std::string> out;
  for (const TextRow& r : rows) out.push_back(show_row(r, floats));
  if (!ordered) std::sort(out.begin(), out.end());
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += "  " + l + "\n";
  return s.empty() ? "  (no rows)\n" : s;
}

struct View {
  std::string name;
  std::string sql;
  std::vector<Text> params;
  ViewDef def;
  ivm::ViewId id = 0;
  std::vector<bool> floats;  // columns of double precision / real
  bool failed = false;       // failed at the last check (rebuilt before the next one)
};

class FileRun {
 public:
  FileRun(rindle::testing::PgCluster& cluster, std::string path, std::string rel, bool batches_of_one)
      : cluster_(cluster), path_(std::move(path)), rel_(std::move(rel)), one_(batches_of_one) {}

  void run() {
    std::string perr;
    std::vector<Block> blocks = parse(path_, &perr);
    REQUIRE_MESSAGE(perr.empty(), (perr));
    std::string locale = "C";
    if (!blocks.empty() && blocks[0].kind == "locale") locale = blocks[0].name;
    static int n = 0;
    std::string db = "corpus_" + std::to_string(++n);
    PgClient admin(cluster_.conninfo());
    REQUIRE_MESSAGE(admin.ok(), (admin.error()));
    std::optional<PgError> e = admin.exec("CREATE DATABASE " + db + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE " +
                                          quote_literal(locale) + " LC_CTYPE " + quote_literal(locale));
    REQUIRE_MESSAGE(!e, (e ? e->message : ""));
    std::string conninfo = cluster_.conninfo();
    conninfo.replace(conninfo.find("dbname=postgres"), 15, "dbname=" + db);
    pg_ = std::make_unique<PgClient>(conninfo);
    REQUIRE_MESSAGE(pg_->ok(), (pg_->error()));

    bool attached = false;
    for (const Block& b : blocks) {
      where_ = rel_ + ":" + std::to_string(b.line) + (one_ ? " (batches of one)" : "");
      if (b.kind == "locale") continue;
      if (b.kind == "setup") {
        REQUIRE_MESSAGE(!attached, (where_ + ": setup after the first view or change"));
        std::optional<PgError> se = pg_->exec(b.sql);
        REQUIRE_MESSAGE(!se, (where_ + ": " + (se ? se->message : "")));
        continue;
      }
      if (!attached) {
        ivm::Result<Catalog> c = load_catalog(pg_->raw());
        REQUIRE_MESSAGE(c.ok(), (c.status().message()));
        catalog_ = std::move(c).value();
        ivm::Status st = mirror_.attach(catalog_, &engine_);
        REQUIRE_MESSAGE(st.ok(), (st.message()));
        apply_sync();
        attached = true;
      }
      if (b.kind == "view") add_view(b);
      else if (b.kind == "change") change(b);
      else if (b.kind == "rows") rows(b);
      else if (b.kind == "refuse") refuse(b);
    }
    pg_.reset();
    (void)admin.exec("DROP DATABASE " + db);
  }

 private:
  static std::vector<Text> parse_params(const std::map<std::string, std::string>& options) {
    std::vector<Text> out;
    auto it = options.find("params");
    if (it == options.end()) return out;
    for (const std::string& p : split(it->second, "|")) {
      if (p == "NULL") out.push_back(std::nullopt);
      else out.push_back(p == "''" ? std::string() : p);
    }
    return out;
  }

  void apply_sync() {
    ivm::Result<ivm::Batch> batch = mirror_.sync(*pg_);
    REQUIRE_MESSAGE(batch.ok(), (where_ + ": " + batch.status().message()));
    if (batch->changes.empty()) return;
    ivm::Result<std::vector<ivm::ViewDelta>> d = engine_.apply(*batch);
    REQUIRE_MESSAGE(d.ok(), (where_ + ": engine rejected the batch: " + d.status().message()));
  }

  // The view's rows as PostgreSQL text, or its error.
  std::vector<std::string> engine_rows(const View& v, std::string* error) {
    ivm::Status st = engine_.view_status(v.id);
    if (!st.ok()) {
      *error = st.message();
      return {};
    }
    std::vector<TextRow> rows;
    for (const ivm::Row& r : engine_.view_rows(v.id)) {
      TextRow t;
      for (const ivm::Value& x : r) t.push_back(x.is_null() ? Text() : Text(ivm::to_text(x)));
      rows.push_back(std::move(t));
    }
    return show_rows(rows, v.def.ordered, v.floats);
  }

  std::vector<std::string> pg_rows(const View& v, std::string* error, bool* data_error) {
    PgError e;
    std::optional<PgRows> r = pg_->query(v.sql, v.params, &e);
    if (!r) {
      *error = e.message;
      *data_error = e.data_error();
      return {};
    }
    return show_rows(r->rows, v.def.ordered, v.floats);
  }

  // Every view equals PostgreSQL's result of its SQL (and `expect`, if given, for `only`).
  void check_views(const std::string& only, const std::vector<std::string>* expect) {
    for (View& v : views_) {
      if (v.failed) {  // a failed view stays failed: rebuild it from the current tables, as after a restart
        REQUIRE(engine_.drop_view(v.id).ok());
        ivm::Result<ivm::ViewId> id = engine_.add_view(v.name + "#" + std::to_string(++generation_), v.def.query,
                                                       v.def.params);
        REQUIRE_MESSAGE(id.ok(), (id.status().message()));
        v.id = *id;
      }
      std::string pe, ee;
      bool data_error = false;
      std::vector<std::string> p = pg_rows(v, &pe, &data_error);
      std::vector<std::string> e = engine_rows(v, &ee);
      std::string ctx = where_ + ": view " + v.name + "\n  " + v.sql;
      if (!pe.empty()) {
        REQUIRE_MESSAGE(data_error, (ctx + "\nPostgreSQL failed: " + pe));
        CHECK_MESSAGE(ee == pe, (ctx + "\nPostgreSQL fails with \"" + pe + "\", the engine " +
                                    (ee.empty() ? "does not" : "with \"" + ee + "\"")));
        v.failed = true;
      } else {
        v.failed = false;
        CHECK_MESSAGE(ee.empty(), (ctx + "\nthe engine fails with \"" + ee + "\", PostgreSQL does not"));
        CHECK_MESSAGE(e == p, (ctx + "\nengine:\n" + join_lines(e) + "PostgreSQL:\n" + join_lines(p)));
      }
      if (expect && v.name == only) {
        std::vector<std::string> want;
        std::string want_error;
        for (const std::string& l : *expect) {
          if (l.rfind("error: ", 0) == 0) {
            want_error = l.substr(7);
            continue;
          }
          TextRow r;
          for (const std::string& cell : split(l, " | ")) {
            if (cell == "NULL") r.push_back(std::nullopt);
            else r.push_back(cell == "''" ? std::string() : cell);
          }
          want.push_back(show_row(r, v.floats));
        }
        if (!v.def.ordered) std::sort(want.begin(), want.end());
        CHECK_MESSAGE(want_error == pe, (ctx + "\nexpected error \"" + want_error + "\", PostgreSQL: \"" + pe + "\""));
        if (want_error.empty()) {
          CHECK_MESSAGE(want == p, (ctx + "\nexpected:\n" + join_lines(want) + "PostgreSQL:\n" + join_lines(p)));
        }
      }
    }
  }

  void add_view(const Block& b) {
    View v;
    v.name = b.name;
    v.sql = b.sql;
    v.params = parse_params(b.options);
    CompileOptions o;
    o.view_name = b.name;
    o.params = v.params;
    if (b.options.count("key")) o.key = split(b.options.at("key"), ",");
    ivm::Result<ViewDef> def = compile_view(SqlSource{b.sql, rel_, b.line + 1, 1, 0}, catalog_, o);
    REQUIRE_MESSAGE(def.ok(), (where_ + ": " + def.status().message()));
    v.def = std::move(def).value();
    for (const ViewColumn& c : v.def.columns) v.floats.push_back(c.engine_type == ivm::Type::kFloat64);
    // The column names and types are PostgreSQL's.
    PgError pe;
    std::optional<PgRows> r = pg_->query(b.sql, v.params, &pe);
    if (r) {
      REQUIRE(r->names.size() == v.def.columns.size());
      for (size_t i = 0; i < r->names.size(); ++i) {
        const PgType& t = v.def.columns[i].type;
        std::string actual = pg_->must("SELECT format_type($1, $2)", {std::to_string(r->types[i]),
                                                                     std::to_string(r->typmods[i])})
                                 .rows[0][0]
                                 .value_or("?");
        CHECK_MESSAGE(r->names[i] == v.def.columns[i].name, (where_ + ": column " + std::to_string(i + 1) + " is \"" +
                                                                 r->names[i] + "\" in PostgreSQL, \"" +
                                                                 v.def.columns[i].name + "\" in the view"));
        CHECK_MESSAGE((t.oid == r->types[i] && t.typmod == r->typmods[i]), (where_ + ": column " + v.def.columns[i].name + " is " + actual + " in PostgreSQL, " + t.name +
                          " in the view"));
      }
    }
    for (const std::string& l : b.expect) {
      if (l.rfind("columns: ", 0) == 0) {
        std::string cols;
        for (const ViewColumn& c : v.def.columns) cols += (cols.empty() ? "" : ", ") + c.name + " " + c.type.name;
        CHECK_MESSAGE(cols == l.substr(9), (where_ + ": columns are " + cols));
      } else if (l.rfind("key: ", 0) == 0) {
        std::string key;
        for (int k : v.def.key) key += (key.empty() ? "" : ", ") + v.def.columns[k].name;
        if (v.def.key.empty() && v.def.at_most_one_row) key = "one row";
        CHECK_MESSAGE(key == l.substr(5), (where_ + ": key is " + key));
      }
    }
    std::vector<std::string> rows;
    for (const std::string& l : b.expect) {
      if (l.rfind("columns: ", 0) != 0 && l.rfind("key: ", 0) != 0) rows.push_back(l);
    }
    ivm::Result<ivm::ViewId> id = engine_.add_view(v.name, v.def.query, v.def.params);
    REQUIRE_MESSAGE(id.ok(), (where_ + ": " + id.status().message()));
    v.id = *id;
    views_.push_back(std::move(v));
    check_views(b.name, &rows);
  }

  void change(const Block& b) {
    if (one_) {
      for (const std::string& stmt : split(b.sql, ";\n")) {
        std::string s = stmt;
        while (!s.empty() && (s.back() == ';' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
        if (s.empty()) continue;
        std::optional<PgError> e = pg_->exec(s);
        REQUIRE_MESSAGE(!e, (where_ + ": " + (e ? e->message : "")));
        apply_sync();
        check_views("", nullptr);
      }
      return;
    }
    std::optional<PgError> e = pg_->exec("BEGIN;\n" + b.sql + "\nCOMMIT;");
    REQUIRE_MESSAGE(!e, (where_ + ": " + (e ? e->message : "")));
    apply_sync();
    check_views("", nullptr);
  }

  void rows(const Block& b) {
    bool known = std::any_of(views_.begin(), views_.end(), [&](const View& v) { return v.name == b.name; });
    REQUIRE_MESSAGE(known, (where_ + ": no view " + b.name));
    check_views(b.name, &b.expect);
  }

  void refuse(const Block& b) {
    REQUIRE_MESSAGE(b.expect.size() == 1, (where_ + ": refuse needs one line: the error"));
    std::vector<Text> params = parse_params(b.options);
    CompileOptions o;
    o.view_name = "refused";
    o.params = params;
    if (b.options.count("key")) o.key = split(b.options.at("key"), ",");
    ivm::Result<ViewDef> def = compile_view(SqlSource{b.sql, "sql", 1, 1, 0}, catalog_, o);
    std::string got = def.ok() ? "accepted" : std::string(ivm::code_name(def.status().code())) + ": " +
                                                  def.status().message();
    CHECK_MESSAGE(got == b.expect[0], (where_ + ":\n  " + b.sql + "\nexpected: " + b.expect[0] + "\n     got: " + got));
    // `unsupported` is valid SQL PostgreSQL runs; other errors PostgreSQL reports too.
    PgError pe;
    std::optional<PgRows> r = pg_->query(b.sql, params, &pe);
    bool unsupported = b.expect[0].rfind("unsupported: ", 0) == 0;
    if (unsupported) {
      CHECK_MESSAGE(r.has_value(), (where_ + ": refused as unsupported, but PostgreSQL rejects it too: " + pe.message));
    } else if (b.expect[0].find("view \"refused\"") == std::string::npos) {  // keys, names: rindle's own rules
      CHECK_MESSAGE(!r.has_value(), (where_ + ": refused, but PostgreSQL runs it"));
    }
  }

  rindle::testing::PgCluster& cluster_;
  std::string path_, rel_, where_;
  bool one_;
  std::unique_ptr<PgClient> pg_;
  Catalog catalog_;
  ivm::Engine engine_;
  TableMirror mirror_;
  std::vector<View> views_;
  int generation_ = 0;
};

TEST_CASE("the SQL corpus (tests/sql/*/*.test) against the engine and PostgreSQL") {
  rindle::testing::PgCluster cluster;
  REQUIRE_MESSAGE(cluster.ok(), (cluster.error()));
  std::filesystem::path root = std::filesystem::path(rindle::testing::source_dir()) / "tests" / "sql";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".test") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  const char* only = std::getenv("RINDLE_SQL_TEST");
  int ran = 0;
  for (const std::string& f : files) {
    std::string rel = std::filesystem::relative(f, root).string();
    if (only && rel.find(only) == std::string::npos) continue;
    for (bool one : {false, true}) {
      MESSAGE((rel + (one ? " (batches of one)" : "")));
      FileRun(cluster, f, rel, one).run();
    }
    ++ran;
  }
  CHECK(ran > 0);
  MESSAGE(ran << " corpus files");
}

}  // namespace
}  // namespace rindle::sql::testing
