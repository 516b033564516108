#include "bench/e2e/e2e_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>

#include "config/loader.h"
#include "config/sql/catalog_pg.h"

namespace rindle::bench {

void die(const std::string& message) {
  std::fprintf(stderr, "e2e_bench: %s\n", message.c_str());
  std::exit(1);
}

Options::Options(int argc, char** argv, int first) {
  for (int i = first; i < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) die("expected --name value, got " + k);
    values_[k.substr(2)] = argv[i + 1];
  }
}

std::string Options::str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) die("missing --" + name);
  return it->second;
}

std::string Options::str(const std::string& name, const std::string& dflt) const {
  auto it = values_.find(name);
  return it == values_.end() ? dflt : it->second;
}

int64_t Options::num(const std::string& name, int64_t dflt) const {
  auto it = values_.find(name);
  if (it == values_.end()) return dflt;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (end == it->second.c_str() || *end != '\0') die("--" + name + " wants an integer, got " + it->second);
  return v;
}

double Options::real(const std::string& name, double dflt) const {
  auto it = values_.find(name);
  if (it == values_.end()) return dflt;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0') die("--" + name + " wants a number, got " + it->second);
  return v;
}

BenchSetup load_setup(const std::string& path) {
  BenchSetup s;
  config::LoadResult loaded = config::load_config_file(path);
  if (!loaded.ok()) {
    std::string msg;
    for (const auto& d : loaded.errors) msg += d.to_string() + "\n";
    die("config: " + msg);
  }
  s.config = std::move(loaded.config);
  config::ConnInfo ci = config::source_conninfo(s.config.source);
  if (!ci.error.empty()) die(ci.error);
  s.conninfo = ci.conninfo;
  ivm::Result<sql::Catalog> cat = sql::load_catalog(s.conninfo);
  if (!cat.ok()) die("catalog: " + cat.status().to_string());
  s.catalog = std::move(cat).value();
  for (const config::ViewConfig& v : s.config.views) {
    sql::SqlSource src{v.sql.text, s.config.file, v.sql.line, v.sql.column, v.sql.indent};
    sql::CompileOptions opts;
    opts.view_name = v.name;
    opts.key = v.key;
    for (const config::Param& p : v.parameters) {
      if (p.kind == config::Param::Kind::kNull) opts.params.push_back(std::nullopt);
      else opts.params.push_back(p.text);
    }
    ivm::Result<sql::ViewDef> def = sql::compile_view(src, s.catalog, opts);
    if (!def.ok()) die("view " + v.name + " is refused: " + def.status().message());
    BenchView bv;
    bv.name = v.name;
    bv.sql = v.sql.text;
    bv.def = std::move(def).value();
    for (const config::SinkConfig& sink : v.sinks) {
      if (sink.table && bv.sink_table.empty()) {
        bv.sink_schema = sink.table->schema;
        bv.sink_table = sink.table->table;
      }
    }
    s.views.push_back(std::move(bv));
  }
  return s;
}

Db::Db(const std::string& conninfo) {
  ivm::Result<sinks::PgConn> c = sinks::PgConn::connect(conninfo);
  if (!c.ok()) die("connect: " + c.status().to_string());
  conn_ = std::move(c).value();
}

void Db::exec(const std::string& sql) {
  ivm::Status s = conn_.exec(sql);
  if (!s.ok()) die(s.to_string() + "\n  in: " + sql.substr(0, 400));
}

sinks::PgResult Db::query(const std::string& sql, const std::vector<sinks::PgParam>& params) {
  ivm::Result<sinks::PgResult> r = conn_.query(sql, params);
  if (!r.ok()) die(r.status().to_string() + "\n  in: " + sql.substr(0, 400));
  return std::move(r).value();
}

std::string Db::scalar(const std::string& sql, const std::vector<sinks::PgParam>& params) {
  sinks::PgResult r = query(sql, params);
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) < 1) die("expected one row from: " + sql.substr(0, 200));
  return PQgetisnull(r.get(), 0, 0) ? std::string() : std::string(PQgetvalue(r.get(), 0, 0));
}

json summarize(std::vector<double> samples) {
  json j;
  j["n"] = samples.size();
  if (samples.empty()) return j;
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) {
    // Nearest rank: the smallest sample with at least p of the samples at or below it.
    size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(samples.size())));
    return samples[std::min(samples.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  j["mean"] = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  j["p50"] = pct(0.50);
  j["p90"] = pct(0.90);
  j["p99"] = pct(0.99);
  j["max"] = samples.back();
  j["min"] = samples.front();
  return j;
}

uint64_t Rng::next() {
  uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t Rng::uniform(int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
}

double Rng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

json process_memory() {
  std::ifstream f("/proc/self/status");
  std::string line;
  json j;
  while (std::getline(f, line)) {
    auto take = [&](const char* key, const char* name) {
      if (line.rfind(key, 0) == 0) {
        std::istringstream in(line.substr(std::string(key).size()));
        uint64_t kb = 0;
        in >> kb;
        j[name] = kb * 1024;
      }
    };
    take("VmRSS:", "rss_bytes");
    take("VmHWM:", "peak_rss_bytes");
  }
  return j;
}

std::string qualified(const std::string& schema, const std::string& table) {
  return sinks::PgConn::quote_ident(schema) + "." + sinks::PgConn::quote_ident(table);
}

}  // namespace rindle::bench
