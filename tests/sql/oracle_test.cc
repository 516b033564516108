// The PostgreSQL-oracle test (label pg): random schemas and data in a real
// PostgreSQL, many random views (random_sql.h) compiled with compile_view and
// kept by the engine, random INSERT/UPDATE/DELETE transactions applied to
// PostgreSQL and mirrored into the engine; after every transaction each
// view's rows equal the same SQL run on PostgreSQL, in both directions as
// multisets and in order where ordered. Also checked for every view: its
// column names and types are PostgreSQL's, and SQL that compile_view accepts
// is SQL PostgreSQL accepts.
//
// Values compare semantically: double precision within 1e-9 relative or 1e-4
// absolute (the engine sums exactly, PostgreSQL in scan order: with values
// like 1e10 in the data, 1e10 + -0.0025 - 1e10 is 5.3e-07 in PostgreSQL and 0
// in the engine, seed 100243; every float in the data is a multiple of
// 0.0025, so real differences are far larger); numerics by text, except
// that where PostgreSQL's choice between equal values of different scales
// depends on row order (GROUP BY, DISTINCT, min, max) 1.5 equals 1.50.
//
//   RINDLE_SEED=123 sql_oracle_tests      one seed, printing its views
//   RINDLE_SEEDS=200 sql_oracle_tests     more seeds (the `slow` variant)
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "config/sql/catalog_pg.h"
#include "config/sql/compile.h"
#include "ivm/numeric.h"
#include "tests/sql/pg_client.h"
#include "tests/sql/random_sql.h"
#include "tests/sql/table_mirror.h"
#include "tests/support/pg_cluster.h"

namespace rindle::sql::testing {
namespace {

// Seeds that once failed, kept as regression cases (run first, always):
// 30025, 30028 CASE takes the ELSE branch's type first; 30217 an update from
// 1.5 to 1.50 must reach the view (40217: through a top-k window); 40147
// DISTINCT retracts the form it showed (0 / -0); 50160 avg whose form changes;
// 100243 a float sum PostgreSQL rounds in scan order.
const uint64_t kRegressionSeeds[] = {1, 30025, 30028, 30217, 40147, 40217, 50160, 100243};

struct Stats {
  int views = 0;
  int refused = 0;
  int both_rejected = 0;
  int data_errors = 0;
  int checks = 0;
  int rows = 0;
};

bool same_value(const ivm::Value& e, const ivm::Value& p, bool scale_free) {
  if (e.is_null() || p.is_null()) return e.is_null() && p.is_null();
  if (e.type() == ivm::Type::kFloat64 && p.type() == ivm::Type::kFloat64) {
    double x = e.as_float64(), y = p.as_float64();
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    if (std::isinf(x) || std::isinf(y)) return x == y;
    double d = std::fabs(x - y);
    return d <= 1e-4 || d <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
  }
  if (e.type() == ivm::Type::kNumeric && p.type() == ivm::Type::kNumeric) {
    if (e.as_bytes() == p.as_bytes()) return true;
    return scale_free && ivm::compare(e, p) == 0;
  }
  return e.type() == p.type() && ivm::identical(e, p) && ivm::to_text(e) == ivm::to_text(p);
}

bool same_row(const ivm::Row& e, const ivm::Row& p, bool scale_free) {
  if (e.size() != p.size()) return false;
  for (size_t i = 0; i < e.size(); ++i) {
    if (!same_value(e[i], p[i], scale_free)) return false;
  }
  return true;
}

std::string show(const std::vector<ivm::Row>& rows) {
  std::string s;
  size_t n = 0;
  for (const ivm::Row& r : rows) {
    if (++n > 40) {
      s += "  ...\n";
      break;
    }
    s += " ";
    for (const ivm::Value& v : r) s += " " + (v.is_null() ? std::string("NULL") : ivm::to_text(v));
    s += "\n";
  }
  return s.empty() ? "  (no rows)\n" : s;
}

// Equal in order, or as multisets (each engine row matched to one PostgreSQL row).
bool same_rows(const std::vector<ivm::Row>& e, const std::vector<ivm::Row>& p, bool ordered, bool scale_free) {
  if (e.size() != p.size()) return false;
  if (ordered) {
    for (size_t i = 0; i < e.size(); ++i) {
      if (!same_row(e[i], p[i], scale_free)) return false;
    }
    return true;
  }
  std::vector<bool> used(p.size(), false);
  for (const ivm::Row& r : e) {
    bool found = false;
    for (size_t j = 0; j < p.size() && !found; ++j) {
      if (!used[j] && same_row(r, p[j], scale_free)) used[j] = found = true;
    }
    if (!found) return false;
  }
  return true;
}

struct LiveView {
  GenView gen;
  ViewDef def;
  ivm::ViewId id = 0;
  bool failed = false;
};

// A failure while running (data-dependent: division by zero, overflow, NaN
// to integer), as opposed to SQL PostgreSQL rejects outright (EXPLAIN fails too).
bool runtime_error(PgClient& pg, const std::string& sql, const std::vector<Text>& params, const PgError& e) {
  if (e.data_error()) return true;
  PgError explain;
  return pg.query("EXPLAIN " + sql, params, &explain).has_value();
}

class SeedRun {
 public:
  SeedRun(rindle::testing::PgCluster& cluster, PgClient& pg, uint64_t seed, bool verbose, Stats* stats)
      : cluster_(cluster), pg_(pg), seed_(seed), verbose_(verbose), stats_(stats), gen_(seed) {}

  void run(int views, int batches) {
    std::string ctx = "seed " + std::to_string(seed_) + " (RINDLE_SEED=" + std::to_string(seed_) + ")";
    std::string setup = gen_.schema_sql() + gen_.initial_rows_sql(20);
    std::optional<PgError> e = pg_.exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;\n" + setup);
    REQUIRE_MESSAGE(!e, (ctx + ": setup failed: " + (e ? e->message : "")));
    ivm::Result<Catalog> c = load_catalog(pg_.raw());
    REQUIRE_MESSAGE(c.ok(), (c.status().message()));
    catalog_ = std::move(c).value();
    REQUIRE(mirror_.attach(catalog_, &engine_).ok());
    apply_sync(ctx);
    if (verbose_) std::printf("%s schema and rows:\n%s", ctx.c_str(), setup.c_str());

    for (int i = 0; i < views; ++i) add_view(ctx, "v" + std::to_string(i));
    check(ctx + " after loading");
    for (int b = 0; b < batches; ++b) {
      std::string changes = gen_.changes_sql(6);
      if (verbose_) std::printf("-- batch %d\n%s", b, changes.c_str());
      std::optional<PgError> ce = pg_.exec("BEGIN;\n" + changes + "COMMIT;");
      if (ce) {
        (void)pg_.exec("ROLLBACK");
        FAIL(ctx << ": the generated changes failed in PostgreSQL: " << ce->message << "\n" << changes);
      }
      apply_sync(ctx);
      check(ctx + " after batch " + std::to_string(b) + ":\n" + changes);
    }
  }

 private:
  void apply_sync(const std::string& ctx) {
    ivm::Result<ivm::Batch> batch = mirror_.sync(pg_);
    REQUIRE_MESSAGE(batch.ok(), (ctx + ": " + batch.status().message()));
    if (batch->changes.empty()) return;
    ivm::Result<std::vector<ivm::ViewDelta>> d = engine_.apply(*batch);
    REQUIRE_MESSAGE(d.ok(), (ctx + ": the engine rejected the batch: " + d.status().message()));
  }

  void add_view(const std::string& ctx, const std::string& name) {
    LiveView v;
    v.gen = gen_.view();
    ++stats_->views;
    CompileOptions o;
    o.view_name = name;
    o.params = v.gen.params;
    o.key = v.gen.key;
    ivm::Result<ViewDef> def = compile_view(SqlSource{v.gen.sql, name, 1, 1, 0}, catalog_, o);
    PgError pe;
    std::optional<PgRows> r = pg_.query(v.gen.sql, v.gen.params, &pe);
    if (verbose_) {
      std::printf("%s: %s\n  -> %s\n", name.c_str(), v.gen.sql.c_str(),
                  def.ok() ? "accepted" : def.status().message().c_str());
    }
    bool rejected = !r && !runtime_error(pg_, v.gen.sql, v.gen.params, pe);
    if (!def.ok()) {
      REQUIRE_MESSAGE(def.status().code() != ivm::Code::kInternal, (ctx + ": " + def.status().message() + "\n" + v.gen.sql));
      if (rejected) ++stats_->both_rejected;
      else ++stats_->refused;
      if (verbose_) std::printf("  %s\n", rejected ? ("PostgreSQL rejects it too: " + pe.message).c_str() : "refused, PostgreSQL runs it");
      return;
    }
    if (rejected) {
      FAIL(ctx << ": compile_view accepted SQL that PostgreSQL rejects (" << pe.message << "):\n  " << v.gen.sql);
      return;
    }
    v.def = std::move(def).value();
    // The column names and types are PostgreSQL's: those of the same SQL as a
    // view (parse-level types; a plan may prune UNION branches and so report
    // narrower typmods). Parameters are always inside CAST($n AS type) here.
    std::string as_view = v.gen.sql;
    for (size_t i = v.gen.params.size(); i >= 1; --i) {
      std::string p = "$" + std::to_string(i);
      for (size_t at; (at = as_view.find(p)) != std::string::npos;) as_view.replace(at, p.size(), "NULL");
    }
    std::optional<PgError> ve = pg_.exec("CREATE TEMP VIEW oracle_types AS " + as_view);
    REQUIRE_MESSAGE(!ve, (ctx + ": " + (ve ? ve->message : "") + "\n" + as_view));
    PgRows cols = pg_.must(
        "SELECT attname, atttypid::int8, atttypmod, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'oracle_types'::regclass AND attnum > 0 ORDER BY attnum");
    (void)pg_.exec("DROP VIEW oracle_types");
    REQUIRE(cols.rows.size() == v.def.columns.size());
    for (size_t i = 0; i < cols.rows.size(); ++i) {
      const ViewColumn& c = v.def.columns[i];
      CHECK_MESSAGE(*cols.rows[i][0] == c.name, (ctx + ": " + v.gen.sql));
      if (std::to_string(c.type.oid) != *cols.rows[i][1] || std::to_string(c.type.typmod) != *cols.rows[i][2]) {
        FAIL_CHECK(ctx << ": column " << c.name << " is " << *cols.rows[i][3] << " in PostgreSQL, " << c.type.name
                       << " in the view:\n  " << v.gen.sql);
      }
      if (r) CHECK_MESSAGE(r->types[i] == c.type.oid, (ctx + ": result type oid of " + c.name));
    }
    ivm::Result<ivm::ViewId> id = engine_.add_view(name, v.def.query, v.def.params);
    REQUIRE_MESSAGE(id.ok(), (ctx + ": " + id.status().message()));
    v.id = *id;
    views_.push_back(std::move(v));
  }

  void check(const std::string& ctx) {
    for (LiveView& v : views_) {
      if (v.failed) {  // failed views stay failed: rebuild from the current tables
        REQUIRE(engine_.drop_view(v.id).ok());
        ivm::Result<ivm::ViewId> id = engine_.add_view(v.def.name + "#" + std::to_string(++generation_),
                                                       v.def.query, v.def.params);
        REQUIRE(id.ok());
        v.id = *id;
      }
      ++stats_->checks;
      std::string where = ctx + "\nview " + v.def.name + ": " + v.gen.sql;
      PgError pe;
      std::optional<PgRows> r = pg_.query(v.gen.sql, v.gen.params, &pe);
      ivm::Status st = engine_.view_status(v.id);
      if (!r) {
        REQUIRE_MESSAGE(runtime_error(pg_, v.gen.sql, v.gen.params, pe), (where + "\nPostgreSQL failed: " + pe.message));
        ++stats_->data_errors;
        // Both fail (the corpus checks the messages; here rows differ in where they fail first).
        CHECK_MESSAGE(!st.ok(), (where + "\nPostgreSQL fails with \"" + pe.message + "\", the engine does not"));
        if (verbose_) std::printf("%s fails: PostgreSQL \"%s\", engine \"%s\"\n", v.def.name.c_str(), pe.message.c_str(),
                                  st.message().c_str());
        v.failed = true;
        continue;
      }
      v.failed = false;
      if (!st.ok()) {
        FAIL_CHECK(where << "\nthe engine fails with \"" << st.message() << "\", PostgreSQL does not");
        v.failed = true;
        continue;
      }
      std::vector<ivm::Row> pg_rows;
      for (const TextRow& tr : r->rows) {
        ivm::Row row;
        for (size_t c = 0; c < tr.size(); ++c) {
          ivm::Result<ivm::Value> val = value_from_text(v.def.columns[c].engine_type, tr[c]);
          REQUIRE_MESSAGE(val.ok(), (where + ": " + val.status().message()));
          row.push_back(std::move(val).value());
        }
        pg_rows.push_back(std::move(row));
      }
      std::vector<ivm::Row> engine_rows = engine_.view_rows(v.id);
      stats_->rows += static_cast<int>(engine_rows.size());
      bool ok = same_rows(engine_rows, pg_rows, v.gen.ordered, v.gen.scale_ambiguous);
      if (!ok) {
        std::string params;
        for (const Text& p : v.gen.params) params += (params.empty() ? "" : ", ") + (p ? *p : std::string("NULL"));
        // The rows each side has that the other lacks (as multisets).
        std::vector<ivm::Row> only_e, only_p = pg_rows;
        for (const ivm::Row& er : engine_rows) {
          auto it = std::find_if(only_p.begin(), only_p.end(),
                                 [&](const ivm::Row& pr) { return same_row(er, pr, v.gen.scale_ambiguous); });
          if (it == only_p.end()) only_e.push_back(er);
          else only_p.erase(it);
        }
        FAIL_CHECK(where << (params.empty() ? "" : "\nparams: " + params) << "\n" << ivm::to_sql(v.def.query)
                         << "\nengine (" << engine_rows.size() << " rows):\n" << show(engine_rows)
                         << "PostgreSQL (" << pg_rows.size() << " rows):\n" << show(pg_rows)
                         << "only in the engine:\n" << show(only_e) << "only in PostgreSQL:\n" << show(only_p));
      }
    }
  }

  rindle::testing::PgCluster& cluster_;
  PgClient& pg_;
  uint64_t seed_;
  bool verbose_;
  Stats* stats_;
  RandomSql gen_;
  Catalog catalog_;
  ivm::Engine engine_;
  TableMirror mirror_;
  std::vector<LiveView> views_;
  int generation_ = 0;
};

TEST_CASE("random views equal PostgreSQL after every random transaction") {
  rindle::testing::PgCluster cluster;
  REQUIRE_MESSAGE(cluster.ok(), (cluster.error()));
  {
    PgClient admin(cluster.conninfo());
    REQUIRE_MESSAGE(admin.ok(), (admin.error()));
    // LC_CTYPE C: lower(), upper() and ILIKE fold ASCII only, as the engine does.
    std::optional<PgError> e =
        admin.exec("CREATE DATABASE oracle TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
    REQUIRE_MESSAGE(!e, (e ? e->message : ""));
  }
  std::string conninfo = cluster.conninfo();
  conninfo.replace(conninfo.find("dbname=postgres"), 15, "dbname=oracle");
  PgClient pg(conninfo);
  REQUIRE_MESSAGE(pg.ok(), (pg.error()));

  std::vector<uint64_t> seeds(std::begin(kRegressionSeeds), std::end(kRegressionSeeds));
  bool verbose = false;
  if (const char* one = std::getenv("RINDLE_SEED")) {
    seeds = {std::strtoull(one, nullptr, 10)};
    verbose = true;
  } else {
    int n = 100;  // about 40 s in a release build
#if defined(__SANITIZE_ADDRESS__)
    n = 25;  // the ASan/UBSan build is several times slower
#endif
    if (const char* many = std::getenv("RINDLE_SEEDS")) n = std::atoi(many);
    uint64_t base = 1000;
    if (const char* b = std::getenv("RINDLE_SEED_BASE")) base = std::strtoull(b, nullptr, 10);
    for (int i = 0; i < n; ++i) seeds.push_back(base + static_cast<uint64_t>(i));
  }
  Stats stats;
  auto start = std::chrono::steady_clock::now();
  for (uint64_t seed : seeds) {
    CAPTURE(seed);
    SeedRun(cluster, pg, seed, verbose, &stats).run(30, 10);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("oracle: %zu seeds (first %llu, last %llu), %d views: %d refused, %d rejected by both, %d compared "
              "%d times (%d rows), %d data errors matched, %.1f s\n",
              seeds.size(), static_cast<unsigned long long>(seeds.front()),
              static_cast<unsigned long long>(seeds.back()), stats.views, stats.refused, stats.both_rejected,
              stats.views - stats.refused - stats.both_rejected, stats.checks, stats.rows, stats.data_errors, secs);
  // The generator writes SQL rindle supports; refusals would mean lost coverage.
  CHECK_MESSAGE(stats.refused * 20 <= stats.views, ("too many generated views were refused: " +
                                                     std::to_string(stats.refused)));
  CHECK_MESSAGE(stats.both_rejected * 20 <= stats.views, ("too many generated views are invalid SQL: " +
                                                          std::to_string(stats.both_rejected)));
}

}  // namespace
}  // namespace rindle::sql::testing
