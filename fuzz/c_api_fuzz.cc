// libFuzzer target for the C API's decoders of untrusted bytes (what a
// JavaScript or other host hands the engine): rows, keys, batches and params
// in the binary and JSON formats, schemas and view ASTs. Every input must be
// answered with a result code, never a crash, and the engine must stay usable.
// The first byte picks the entry point; the rest is the input.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ivm/c_api/c_api.h"

namespace {

const char* kSchema =
    R"({"name":"t","columns":[{"name":"id","type":"bigint","nullable":false},{"name":"s","type":"text"},)"
    R"({"name":"d","type":"date"},{"name":"n","type":"numeric"},{"name":"f","type":"float8"},{"name":"b","type":"bytea"}],)"
    R"("primary_key":["id"]})";
const char* kView =
    R"({"from":[{"table":"t"}],"where":{"op":">","args":[{"col":"id"},{"param":1}]},"order_by":[{"expr":{"col":"n"}}],"limit":3})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  rindle_engine_t* e = rindle_engine_new();
  if (rindle_create_table(e, kSchema, std::strlen(kSchema)) != RINDLE_OK) __builtin_trap();
  const uint8_t zero_row[] = {1, 0, 0, 0, 1, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0};  // rows: one row (1)
  if (rindle_load(e, "t", 1, RINDLE_FORMAT_BINARY, zero_row, sizeof zero_row) == RINDLE_INTERNAL) __builtin_trap();
  uint32_t view = 0;
  const uint8_t params[] = {1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};  // $1 = 0
  (void)rindle_add_view(e, "v", 1, kView, std::strlen(kView), RINDLE_FORMAT_BINARY, params, sizeof params, &view);

  const uint8_t* in = data + 1;
  const size_t n = size - 1;
  const rindle_format f = (data[0] & 1) ? RINDLE_FORMAT_JSON : RINDLE_FORMAT_BINARY;
  const uint8_t* out = nullptr;
  size_t out_size = 0;
  int rc = RINDLE_OK;
  switch ((data[0] >> 1) % 6) {
    case 0: rc = rindle_apply(e, f, in, n, &out, &out_size); break;
    case 1: rc = rindle_load(e, "t", 1, f, in, n); break;
    case 2: rc = rindle_lookup(e, "t", 1, f, in, n, &out, &out_size); break;
    case 3: {
      uint32_t v2 = 0;
      rc = rindle_add_view(e, "w", 1, kView, std::strlen(kView), f, in, n, &v2);
      break;
    }
    case 4: rc = rindle_create_table(e, reinterpret_cast<const char*>(in), n); break;
    default: {
      uint32_t v2 = 0;
      rc = rindle_add_view(e, "w", 1, reinterpret_cast<const char*>(in), n, RINDLE_FORMAT_BINARY, nullptr, 0, &v2);
      break;
    }
  }
  if (rc == RINDLE_INTERNAL) __builtin_trap();  // an invariant of the engine broke
  // Still usable: the view reads back.
  if (rindle_view_rows(e, view, RINDLE_FORMAT_BINARY, &out, &out_size) == RINDLE_INTERNAL) __builtin_trap();
  rindle_engine_free(e);
  return 0;
}
