// Fuzzes the JSON form of the AST: every input parses or returns an error;
// whatever parses writes back to JSON that parses to the same query. The
// engine then plans it against a fixed catalog (errors are fine, crashes not).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ivm/ast_json.h"
#include "ivm/engine.h"

using namespace rindle::ivm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Query> q = query_from_json(text);
  if (!q.ok()) return 0;
  std::string json = query_to_json(*q);
  Result<Query> again = query_from_json(json);
  if (!again.ok() || !(*again == *q)) std::abort();  // the round trip must hold

  static Engine* engine = [] {
    auto* e = new Engine();
    (void)e->create_table(TableSchema{"t", {{"id", Type::kInt64, false}, {"a", Type::kText}, {"n", Type::kNumeric}}, {0}});
    (void)e->create_table(TableSchema{"u", {{"id", Type::kInt64, false}, {"t_id", Type::kInt64}}, {0}});
    (void)e->load("t", {{Value::int64(1), Value::text("x"), Value::null()}});
    (void)e->load("u", {{Value::int64(1), Value::int64(1)}});
    return e;
  }();
  Result<ViewId> v = engine->add_view("fuzz", *q);
  if (v.ok()) {
    (void)engine->apply(Batch{1, 0, {Change{ChangeKind::kInsert, "u", {}, {Value::int64(2), Value::int64(1)}}}});
    (void)engine->apply(Batch{2, 0, {Change{ChangeKind::kDelete, "u", {Value::int64(2)}, {}}}});
    (void)engine->drop_view(*v);
  }
  return 0;
}
