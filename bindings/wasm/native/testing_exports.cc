// Extra exports of the test WebAssembly module (rindle_testing.wasm), which
// the JavaScript tests use as the oracle: ivm/testing's seeded random
// workloads (schemas, queries, initial rows, change batches) and its
// reference evaluator, over JSON. The engine under test is the shipped
// module, driven through the JavaScript API; this module only generates
// inputs and computes expected results, with the reference evaluator (which
// shares no incremental code with the engine).
//
// Strings returned point into the workload and stay valid until the next
// call on it. Not part of the C API.
#include <cstdint>
#include <string>

#include "ivm/ast_json.h"
#include "ivm/json.h"
#include "ivm/testing/random_workload.h"
#include "ivm/testing/reference.h"

namespace {

using namespace rindle::ivm;
using namespace rindle::ivm::testing;

struct Workload {
  explicit Workload(uint64_t seed) : rng(seed) {
    schema = random_schema(rng);
    gen = std::make_unique<ChangeGenerator>(schema, seed);
    for (const TableSchema& t : schema) db[t.name] = RefTable{t, {}};
  }
  Rng rng;
  std::vector<TableSchema> schema;
  std::unique_ptr<ChangeGenerator> gen;
  RefDatabase db;
  std::vector<Query> queries;
  std::string out;
};

void write_values(const Row& r, std::string* out) {
  *out += '[';
  for (size_t i = 0; i < r.size(); ++i) {
    if (i) *out += ',';
    *out += to_json(r[i]);
  }
  *out += ']';
}

}  // namespace

extern "C" {

Workload* rt_workload_new(uint32_t seed_lo, uint32_t seed_hi) {
  return new Workload(static_cast<uint64_t>(seed_hi) << 32 | seed_lo);
}

void rt_workload_free(Workload* w) { delete w; }

// The next value of the workload's generator in [0, n).
int rt_below(Workload* w, int n) { return w->rng.below(n); }

// [{"name": "t0", "columns": [{"name", "type", "nullable"}], "primary_key": ["id"]}, ...]
const char* rt_schema_json(Workload* w) {
  w->out = "[";
  for (size_t i = 0; i < w->schema.size(); ++i) {
    const TableSchema& t = w->schema[i];
    if (i) w->out += ',';
    w->out += "{\"name\":";
    append_json_string(&w->out, t.name);
    w->out += ",\"columns\":[";
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (c) w->out += ',';
      w->out += "{\"name\":";
      append_json_string(&w->out, t.columns[c].name);
      w->out += ",\"type\":";
      append_json_string(&w->out, type_name(t.columns[c].type));
      w->out += t.columns[c].nullable ? ",\"nullable\":true}" : ",\"nullable\":false}";
    }
    w->out += "],\"primary_key\":[";
    for (size_t k = 0; k < t.primary_key.size(); ++k) {
      if (k) w->out += ',';
      append_json_string(&w->out, t.columns[static_cast<size_t>(t.primary_key[k])].name);
    }
    w->out += "]}";
  }
  w->out += "]";
  return w->out.c_str();
}

// Generates one more random query; returns its JSON AST. Its index is the
// number of queries generated before it.
const char* rt_new_query(Workload* w) {
  w->queries.push_back(random_query(w->rng, w->schema));
  w->out = query_to_json(w->queries.back());
  return w->out.c_str();
}

// The query as SQL-like text (for failure messages).
const char* rt_query_sql(Workload* w, int i) {
  w->out = to_sql(w->queries[static_cast<size_t>(i)]);
  return w->out.c_str();
}

// Initial rows (ids 1..per_table) of every table, also stored in the
// reference database: {"t0": [[...], ...], ...}.
const char* rt_initial_rows_json(Workload* w, int per_table) {
  std::map<std::string, std::vector<Row>> rows = w->gen->initial_rows(per_table);
  w->out = "{";
  bool first = true;
  for (auto& [name, list] : rows) {
    if (!first) w->out += ',';
    first = false;
    append_json_string(&w->out, name);
    w->out += ":[";
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) w->out += ',';
      write_values(list[i], &w->out);
    }
    w->out += "]";
    w->db[name].rows = list;
  }
  w->out += "}";
  return w->out.c_str();
}

// The next batch of 1..max_changes valid changes, applied to the reference
// database, in the C API's JSON batch form.
const char* rt_next_batch_json(Workload* w, int max_changes) {
  Batch b = w->gen->next_batch(max_changes);
  apply_to_reference(b, &w->db);
  w->out = "{\"lsn\":" + std::to_string(b.lsn) + ",\"changes\":[";
  for (size_t i = 0; i < b.changes.size(); ++i) {
    const Change& c = b.changes[i];
    if (i) w->out += ',';
    w->out += c.kind == ChangeKind::kInsert ? "{\"op\":\"insert\"" : c.kind == ChangeKind::kDelete ? "{\"op\":\"delete\"" : "{\"op\":\"update\"";
    w->out += ",\"table\":";
    append_json_string(&w->out, c.table);
    if (c.kind != ChangeKind::kInsert) {
      w->out += ",\"key\":";
      write_values(c.key, &w->out);
    }
    if (c.kind != ChangeKind::kDelete) {
      w->out += ",\"row\":";
      write_values(c.row, &w->out);
    }
    w->out += '}';
  }
  w->out += "]}";
  return w->out.c_str();
}

// A fresh evaluation of query i on the reference database:
// {"ok": true, "ordered": b, "rows": [[...]]} or {"ok": false, "code": "data error", "message": "..."}.
const char* rt_evaluate_json(Workload* w, int i) {
  Result<RefResult> r = evaluate(w->queries[static_cast<size_t>(i)], w->db);
  if (!r.ok()) {
    w->out = "{\"ok\":false,\"code\":";
    append_json_string(&w->out, code_name(r.status().code()));
    w->out += ",\"message\":";
    append_json_string(&w->out, r.status().message());
    w->out += "}";
    return w->out.c_str();
  }
  w->out = r->ordered ? "{\"ok\":true,\"ordered\":true,\"rows\":[" : "{\"ok\":true,\"ordered\":false,\"rows\":[";
  for (size_t k = 0; k < r->rows.size(); ++k) {
    if (k) w->out += ',';
    write_values(r->rows[k], &w->out);
  }
  w->out += "]}";
  return w->out.c_str();
}

}  // extern "C"
