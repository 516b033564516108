// Test-only helpers for the PostgreSQL-backed replication tests: a fresh
// database per test on a shared cluster, seeds, and waiting.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "tests/support/pg_cluster.h"

namespace rindle::replication::testing {

// A database of its own on `pg`, created with `schema` run inside it.
struct TestDb {
  rindle::testing::PgCluster& pg;
  std::string name;
  std::string conninfo;

  TestDb(rindle::testing::PgCluster& cluster, std::string db, const std::string& schema = "")
      : pg(cluster), name(std::move(db)) {
    conninfo = pg.conninfo();
    size_t at = conninfo.find("dbname=postgres");
    conninfo.replace(at, 15, "dbname=" + name);
    bool failed = false;
    error = pg.psql("CREATE DATABASE " + name, &failed);
    if (!failed && !schema.empty()) error = sql(schema, &failed);
    ok = !failed;
  }
  // Runs SQL in this database through psql; stdout, or stderr on failure.
  std::string sql(const std::string& text, bool* failed = nullptr) const {
    return pg.psql("\\c " + name + "\n" + text, failed);
  }
  bool ok = false;
  std::string error;
};

// RINDLE_SEED=<n> re-runs one seed; otherwise `fallback`.
inline uint64_t seed_from_env(uint64_t fallback) {
  const char* s = std::getenv("RINDLE_SEED");
  return s != nullptr ? std::strtoull(s, nullptr, 10) : fallback;
}

inline int int_from_env(const char* name, int fallback) {
  const char* s = std::getenv(name);
  return s != nullptr ? std::atoi(s) : fallback;
}

// Polls `done` every 20 ms for up to `limit`; returns its last value.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace rindle::replication::testing
