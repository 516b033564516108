// The two encodings of the C API (c_api.h "Formats"): reading rows, keys,
// batches and parameters from bytes, and writing rows and deltas.
//
// Readers take untrusted bytes: every input either decodes or returns
// kInvalid (or kTypeMismatch for a value its column cannot hold) with a
// message naming where (row, column, change); they never read past the input.
// Values are converted to their column's type (c_api.h describes the rules).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ivm/c_api/c_api.h"
#include "ivm/engine.h"

namespace rindle::ivm::capi {

// ---- shared value conversion ----

// `v` converted to column `c` of `table`: text read with the column type's
// text input (unless the column is text/json), everything else unchanged
// (the engine converts bigint to double/numeric and reports mismatches).
Result<Value> to_column(Value v, const TableSchema& table, size_t column);

// ---- binary ----
// Batches name their tables; `engine` supplies the schemas (unknown tables are
// left for Engine::apply() to report).

Result<std::vector<Row>> binary_read_rows(std::string_view bytes, const TableSchema& table);
Result<Row> binary_read_key(std::string_view bytes, const TableSchema& table);
Result<Batch> binary_read_batch(std::string_view bytes, const Engine& engine);
Result<std::vector<Value>> binary_read_params(std::string_view bytes);

void binary_write_row(const Row& row, std::string* out);
void binary_write_rows(const std::vector<Row>& rows, std::string* out);
void binary_write_deltas(const std::vector<ViewDelta>& deltas, std::string* out);

// ---- JSON ----

Result<std::vector<Row>> json_read_rows(std::string_view json, const TableSchema& table);
Result<Row> json_read_key(std::string_view json, const TableSchema& table);
Result<Batch> json_read_batch(std::string_view json, const Engine& engine);
Result<std::vector<Value>> json_read_params(std::string_view json);
Result<TableSchema> json_read_schema(std::string_view json);

void json_write_row(const Row& row, std::string* out);
void json_write_rows(const std::vector<Row>& rows, std::string* out);
void json_write_deltas(const std::vector<ViewDelta>& deltas, std::string* out);
void json_write_view_info(const ViewInfo& info, std::string* out);

}  // namespace rindle::ivm::capi
