// Fuzzes the SQL front end: any bytes as view SQL through PostgreSQL's parser
// (libpg_query) into translate() and compile_view() against a fixed in-memory
// catalog (config/sql/test_catalog.h). Every input translates or returns an
// error; never a crash, a hang or a sanitizer report. What compiles also
// plans in a real engine (compile_view does that) and survives a batch.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/sql/compile.h"
#include "config/sql/test_catalog.h"
#include "ivm/engine.h"

using namespace rindle;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sql::Catalog catalog = sql::testing::test_catalog();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sql::SqlSource source{text, "fuzz.yaml", 3, 7, 6};

  ivm::Result<ivm::Query> q = sql::translate(source);
  if (!q.ok() && q.status().message().find("fuzz.yaml:") != 0) std::abort();  // errors carry a position

  sql::CompileOptions options;
  options.view_name = "fuzz";
  // Up to three parameters, as many as the text seems to use.
  for (const char* p : {"$1", "$2", "$3"}) {
    if (text.find(p) != std::string_view::npos) options.params.push_back(std::string("1"));
  }
  ivm::Result<sql::ViewDef> def = sql::compile_view(source, catalog, options);
  if (!def.ok()) {
    if (def.status().code() == ivm::Code::kInternal) std::abort();  // the translator and the engine disagree
    return 0;
  }
  if (def->columns.empty() || (def->key.empty() && !def->at_most_one_row)) std::abort();
  ivm::Engine engine;
  for (const ivm::TableSchema& s : def->schemas) {
    if (!engine.create_table(s).ok()) std::abort();
  }
  ivm::Result<ivm::ViewId> v = engine.add_view("fuzz", def->query, def->params);
  if (!v.ok()) std::abort();  // compile_view planned it already
  for (const ivm::TableSchema& s : def->schemas) {
    ivm::Row row;
    for (const ivm::Column& c : s.columns) {
      switch (c.type) {
        case ivm::Type::kInt64: row.push_back(ivm::Value::int64(1)); break;
        case ivm::Type::kText: row.push_back(ivm::Value::text("a")); break;
        case ivm::Type::kBool: row.push_back(ivm::Value::boolean(true)); break;
        default: row.push_back(ivm::Value::null()); break;
      }
    }
    for (int pk : s.primary_key) {
      if (row[pk].is_null()) return 0;
    }
    (void)engine.apply(ivm::Batch{1, 0, {ivm::Change{ivm::ChangeKind::kInsert, s.name, {}, row}}});
  }
  return 0;
}
