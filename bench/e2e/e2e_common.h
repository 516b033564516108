// Shared pieces of the end-to-end benchmark tool (e2e_bench): command-line
// options, the benchmark's views compiled against the live database, a libpq
// connection that exits on error, clocks and latency summaries.
//
// The tool is a benchmark driver, not a library: errors print a message and
// exit(1), so every measurement either completes or the run stops loudly.
// Thread rules: single-threaded, except where a subcommand says otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/sql/catalog.h"
#include "config/sql/compile.h"
#include "sinks/table/pg_conn.h"

namespace rindle::bench {

using json = nlohmann::ordered_json;

[[noreturn]] void die(const std::string& message);

// --name value pairs; every option must have a value.
class Options {
 public:
  Options(int argc, char** argv, int first);
  std::string str(const std::string& name) const;                          // required
  std::string str(const std::string& name, const std::string& dflt) const;
  int64_t num(const std::string& name, int64_t dflt) const;
  double real(const std::string& name, double dflt) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, std::string> values_;
};

// One view of the config, compiled by the SQL front end against the live catalog.
struct BenchView {
  std::string name;
  std::string sql;           // as written in the config
  sql::ViewDef def;          // query, params, output columns, key, sources
  std::string sink_schema;   // of its first table sink
  std::string sink_table;
};

struct BenchSetup {
  config::Config config;
  std::string conninfo;
  sql::Catalog catalog;
  std::vector<BenchView> views;
};

// Loads the rindled config at `path`, reads the catalog of its source
// database and compiles every view (exits with the front end's
// file:line:column message if one is refused).
BenchSetup load_setup(const std::string& path);

// A connection that exits on errors. Session settings: those of sinks::PgConn
// (DateStyle ISO, TimeZone UTC, extra_float_digits 3).
class Db {
 public:
  explicit Db(const std::string& conninfo);
  void exec(const std::string& sql);
  sinks::PgResult query(const std::string& sql, const std::vector<sinks::PgParam>& params = {});
  std::string scalar(const std::string& sql, const std::vector<sinks::PgParam>& params = {});
  sinks::PgConn& conn() { return conn_; }

 private:
  sinks::PgConn conn_;
};

inline int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// {n, mean, p50, p90, p99, max} of `samples` (any unit; the caller names it).
json summarize(std::vector<double> samples);

// splitmix64: the workloads are reproducible from their seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next();
  int64_t uniform(int64_t lo, int64_t hi);  // inclusive
  double unit();                            // [0, 1)

 private:
  uint64_t s_;
};

// Resident set size and its peak of this process, bytes (from /proc/self/status).
json process_memory();

// Quoted schema.table.
std::string qualified(const std::string& schema, const std::string& table);

}  // namespace rindle::bench
