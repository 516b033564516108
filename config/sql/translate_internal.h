// Internals of the SQL front end: a walk over libpg_query's JSON parse tree.
#pragma once

#include <string>

#include "config/sql/translate.h"
#include "ivm/json.h"

namespace rindle::sql {

using ivm::Json;
using ivm::Result;
using ivm::Status;

class Translator {
 public:
  explicit Translator(const SqlSource& source) : src_(source) {}

  Result<ivm::Query> statement(const Json& tree);

  // Node helpers. A parse-tree node is {"TypeName": {fields...}}.
  static std::string_view kind(const Json& node);
  static const Json& body(const Json& node);
  static const Json* field(const Json& node_body, std::string_view name) { return node_body.find(name); }
  static int64_t int_field(const Json& node_body, std::string_view name, int64_t fallback = 0);
  static std::string str_field(const Json& node_body, std::string_view name);

  // Errors pointing at a byte offset of the SQL (-1: unknown).
  Status unsupported(int location, const std::string& what) const;
  Status invalid(int location, const std::string& what) const;
  ivm::SourcePos position(int location) const;
  std::string where(int location) const;  // "file:line:col"

  Result<ivm::Expr> expr(const Json& node);
  Result<ivm::Query> select(const Json& select_stmt_body);

 private:
  Result<ivm::Expr> column_ref(const Json& b);
  Result<ivm::Expr> constant(const Json& b);
  Result<ivm::Expr> a_expr(const Json& b);
  Result<ivm::Expr> func_call(const Json& b);
  Result<ivm::Expr> type_cast(const Json& b);
  Result<ivm::Expr> case_expr(const Json& b);
  Result<ivm::Expr> sub_link(const Json& b);
  Result<std::vector<ivm::Expr>> expr_list(const Json* list);
  Status select_block(const Json& b, ivm::Select* out);
  Status from_item(const Json& node, ivm::Select* out);
  Status collect_union(const Json& b, ivm::Query* out);

  const SqlSource& src_;
  bool using_joins_ = false;  // the current block joins with USING
};

}  // namespace rindle::sql
