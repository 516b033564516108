// The C ABI (c_api.h) over ivm::Engine: decode inputs, call the engine,
// encode outputs into the engine-owned output buffer, turn Status into codes.
#include "ivm/c_api/c_api.h"

#include <malloc.h>

#include <cstdlib>
#include <string>

#include "ivm/ast_json.h"
#include "ivm/c_api/codec.h"
#include "ivm/engine.h"

using rindle::ivm::Code;
using rindle::ivm::Engine;
using rindle::ivm::Result;
using rindle::ivm::Row;
using rindle::ivm::Status;
using rindle::ivm::TableSchema;
using rindle::ivm::Value;
using rindle::ivm::ViewId;

struct rindle_engine_t {
  Engine engine;
  std::string error;   // message of the last failed call
  std::string output;  // the bytes behind the last `out` pointer
};

namespace {

namespace capi = rindle::ivm::capi;

std::string_view view_of(const void* data, size_t size) {
  return size == 0 ? std::string_view() : std::string_view(static_cast<const char*>(data), size);
}

// Records the outcome of a call: clears or sets the message, returns the code.
int finish(rindle_engine_t* e, const Status& s) {
  if (s.ok()) {
    e->error.clear();
  } else {
    e->error = s.message();
  }
  return static_cast<int>(s.code());
}

// Builds with RINDLE_C_API_NO_JSON_ROWS (the shipped WebAssembly module)
// leave out the JSON encoding of rows, batches, params and deltas.
#ifdef RINDLE_C_API_NO_JSON_ROWS
constexpr bool kJsonRows = false;
#else
constexpr bool kJsonRows = true;
#endif

int bad_format(rindle_engine_t* e, int format) {
  if (format == RINDLE_FORMAT_JSON) {
    return finish(e, Status(Code::kUnsupported, "this build encodes rows in the binary format only"));
  }
  return finish(e, Status(Code::kInvalid, "unknown format " + std::to_string(format)));
}

bool known_format(rindle_format f) { return f == RINDLE_FORMAT_BINARY || (kJsonRows && f == RINDLE_FORMAT_JSON); }

// Publishes e->output through the out-parameters.
int output(rindle_engine_t* e, const uint8_t** out, size_t* out_size) {
  if (out) *out = reinterpret_cast<const uint8_t*>(e->output.data());
  if (out_size) *out_size = e->output.size();
  return finish(e, Status::Ok());
}

Status unknown_table(std::string_view name) {
  return Status(Code::kNotFound, "relation \"" + std::string(name) + "\" does not exist");
}

}  // namespace

extern "C" {

rindle_engine_t* rindle_engine_new(void) { return new rindle_engine_t(); }

void rindle_engine_free(rindle_engine_t* engine) { delete engine; }

const char* rindle_last_error(const rindle_engine_t* engine) { return engine->error.c_str(); }

const char* rindle_code_name(int code) {
  if (code < 0 || code > static_cast<int>(Code::kInternal)) return "unknown";
  return rindle::ivm::code_name(static_cast<Code>(code));
}

const char* rindle_version(void) { return "0.1.0"; }

int rindle_create_table(rindle_engine_t* e, const char* schema_json, size_t size) {
  Result<TableSchema> schema = capi::json_read_schema(view_of(schema_json, size));
  if (!schema.ok()) return finish(e, schema.status());
  return finish(e, e->engine.create_table(*schema));
}

int rindle_drop_table(rindle_engine_t* e, const char* name, size_t name_size) {
  return finish(e, e->engine.drop_table(view_of(name, name_size)));
}

int rindle_load(rindle_engine_t* e, const char* table, size_t table_size, rindle_format format, const uint8_t* rows,
                size_t size) {
  if (!known_format(format)) return bad_format(e, format);
  std::string_view name = view_of(table, table_size);
  const TableSchema* schema = e->engine.table(name);
  if (!schema) return finish(e, unknown_table(name));
  std::string_view bytes = view_of(rows, size);
  Result<std::vector<Row>> decoded =
      format == RINDLE_FORMAT_BINARY || !kJsonRows ? capi::binary_read_rows(bytes, *schema)
                                                   : capi::json_read_rows(bytes, *schema);
  if (!decoded.ok()) return finish(e, decoded.status());
  return finish(e, e->engine.load(name, *decoded));
}

int rindle_lookup(rindle_engine_t* e, const char* table, size_t table_size, rindle_format format, const uint8_t* key,
                  size_t size, const uint8_t** out, size_t* out_size) {
  if (!known_format(format)) return bad_format(e, format);
  std::string_view name = view_of(table, table_size);
  const TableSchema* schema = e->engine.table(name);
  if (!schema) return finish(e, unknown_table(name));
  std::string_view bytes = view_of(key, size);
  Result<Row> k =
      format == RINDLE_FORMAT_BINARY || !kJsonRows ? capi::binary_read_key(bytes, *schema)
                                                   : capi::json_read_key(bytes, *schema);
  if (!k.ok()) return finish(e, k.status());
  if (k->size() != schema->primary_key.size()) {
    return finish(e, Status(Code::kInvalid, "key has " + std::to_string(k->size()) + " values, primary key of \"" +
                                                schema->name + "\" has " + std::to_string(schema->primary_key.size())));
  }
  // (Numbers of different types that are equal are identical(), so a bigint
  // finds the row of a double key.)
  const Row* row = e->engine.lookup(name, *k);
  if (!row) return finish(e, Status(Code::kNotFound, "no row with key " + rindle::ivm::row_to_string(*k)));
  e->output.clear();
  if (format == RINDLE_FORMAT_BINARY || !kJsonRows) {
    capi::binary_write_row(*row, &e->output);
  } else {
    capi::json_write_row(*row, &e->output);
  }
  return output(e, out, out_size);
}

int rindle_table_stats(rindle_engine_t* e, const char* table, size_t table_size, uint64_t* rows, uint64_t* bytes) {
  std::string_view name = view_of(table, table_size);
  if (!e->engine.table(name)) return finish(e, unknown_table(name));
  rindle::ivm::TableStats s = e->engine.table_stats(name);
  if (rows) *rows = s.rows;
  if (bytes) *bytes = s.bytes;
  return finish(e, Status::Ok());
}

int rindle_add_view(rindle_engine_t* e, const char* name, size_t name_size, const char* ast_json, size_t ast_size,
                    rindle_format params_format, const uint8_t* params, size_t params_size, uint32_t* view) {
  if (!known_format(params_format)) return bad_format(e, params_format);
  Result<rindle::ivm::Query> q = rindle::ivm::query_from_json(view_of(ast_json, ast_size));
  if (!q.ok()) return finish(e, q.status());
  std::string_view p = view_of(params, params_size);
  Result<std::vector<Value>> values =
      params_format == RINDLE_FORMAT_BINARY || !kJsonRows ? capi::binary_read_params(p) : capi::json_read_params(p);
  if (!values.ok()) return finish(e, values.status());
  Result<ViewId> id = e->engine.add_view(view_of(name, name_size), *q, *values);
  if (!id.ok()) return finish(e, id.status());
  if (view) *view = *id;
  return finish(e, Status::Ok());
}

int rindle_drop_view(rindle_engine_t* e, uint32_t view) { return finish(e, e->engine.drop_view(view)); }

int rindle_view_info(rindle_engine_t* e, uint32_t view, const uint8_t** out, size_t* out_size) {
  const rindle::ivm::ViewInfo* info = e->engine.view_info(view);
  if (!info) return finish(e, Status(Code::kNotFound, "no view with id " + std::to_string(view)));
  e->output.clear();
  capi::json_write_view_info(*info, &e->output);
  return output(e, out, out_size);
}

int rindle_view_status(rindle_engine_t* e, uint32_t view) { return finish(e, e->engine.view_status(view)); }

int rindle_view_rows(rindle_engine_t* e, uint32_t view, rindle_format format, const uint8_t** out, size_t* out_size) {
  if (!known_format(format)) return bad_format(e, format);
  if (!e->engine.view_info(view)) return finish(e, Status(Code::kNotFound, "no view with id " + std::to_string(view)));
  std::vector<Row> rows = e->engine.view_rows(view);
  e->output.clear();
  if (format == RINDLE_FORMAT_BINARY || !kJsonRows) {
    capi::binary_write_rows(rows, &e->output);
  } else {
    capi::json_write_rows(rows, &e->output);
  }
  return output(e, out, out_size);
}

int rindle_view_stats(rindle_engine_t* e, uint32_t view, uint64_t* rows, uint64_t* state_bytes) {
  if (!e->engine.view_info(view)) return finish(e, Status(Code::kNotFound, "no view with id " + std::to_string(view)));
  rindle::ivm::ViewStats s = e->engine.view_stats(view);
  if (rows) *rows = s.rows;
  if (state_bytes) *state_bytes = s.state_bytes;
  return finish(e, Status::Ok());
}

int rindle_apply(rindle_engine_t* e, rindle_format format, const uint8_t* batch, size_t size, const uint8_t** out,
                 size_t* out_size) {
  if (!known_format(format)) return bad_format(e, format);
  std::string_view bytes = view_of(batch, size);
  Result<rindle::ivm::Batch> b = format == RINDLE_FORMAT_BINARY || !kJsonRows
                                      ? capi::binary_read_batch(bytes, e->engine)
                                      : capi::json_read_batch(bytes, e->engine);
  if (!b.ok()) return finish(e, b.status());
  Result<std::vector<rindle::ivm::ViewDelta>> deltas = e->engine.apply(*b);
  if (!deltas.ok()) return finish(e, deltas.status());
  e->output.clear();
  if (format == RINDLE_FORMAT_BINARY || !kJsonRows) {
    capi::binary_write_deltas(*deltas, &e->output);
  } else {
    capi::json_write_deltas(*deltas, &e->output);
  }
  return output(e, out, out_size);
}

void rindle_counters(const rindle_engine_t* e, uint64_t* index_probes, uint64_t* rows_touched) {
  const rindle::ivm::WorkCounters& c = e->engine.counters();
  if (index_probes) *index_probes = c.index_probes;
  if (rows_touched) *rows_touched = c.rows_touched;
}

size_t rindle_heap_in_use(void) {
#if defined(__EMSCRIPTEN__)
  return static_cast<size_t>(mallinfo().uordblks);
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  return mallinfo2().uordblks;
#else
  return 0;
#endif
}

void* rindle_malloc(size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (!p) std::abort();
  return p;
}

void rindle_free(void* ptr) { std::free(ptr); }

}  // extern "C"
