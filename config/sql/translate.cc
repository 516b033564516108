#include <pg_query.h>

#include "config/sql/translate_internal.h"

namespace rindle::sql {

std::string_view Translator::kind(const Json& node) {
  return node.kind == Json::Kind::kObject && node.keys.size() == 1 ? std::string_view(node.keys[0])
                                                                   : std::string_view();
}

const Json& Translator::body(const Json& node) {
  static const Json kEmpty = [] {
    Json j;
    j.kind = Json::Kind::kObject;
    return j;
  }();
  return node.kind == Json::Kind::kObject && node.items.size() == 1 ? node.items[0] : kEmpty;
}

int64_t Translator::int_field(const Json& node_body, std::string_view name, int64_t fallback) {
  const Json* f = node_body.find(name);
  if (!f || f->kind != Json::Kind::kNumber) return fallback;
  return std::stoll(f->text);
}

std::string Translator::str_field(const Json& node_body, std::string_view name) {
  const Json* f = node_body.find(name);
  return f && f->kind == Json::Kind::kString ? f->text : std::string();
}

ivm::SourcePos Translator::position(int location) const {
  if (location < 0) return {};
  int line = src_.line, column = src_.column;
  for (int i = 0; i < location && i < static_cast<int>(src_.text.size()); ++i) {
    if (src_.text[i] == '\n') {
      ++line;
      column = src_.indent + 1;
    } else if ((static_cast<unsigned char>(src_.text[i]) & 0xC0) != 0x80) {
      ++column;  // count characters, not UTF-8 continuation bytes
    }
  }
  return ivm::SourcePos{line, column};
}

std::string Translator::where(int location) const {
  std::string file = src_.file.empty() ? "sql" : src_.file;
  ivm::SourcePos p = position(location < 0 ? 0 : location);
  return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

Status Translator::unsupported(int location, const std::string& what) const {
  return Status(ivm::Code::kUnsupported, where(location) + ": " + what + " is not supported");
}

Status Translator::invalid(int location, const std::string& what) const {
  return Status(ivm::Code::kInvalid, where(location) + ": " + what);
}

Result<ivm::Query> Translator::statement(const Json& tree) {
  const Json* stmts = tree.find("stmts");
  if (!stmts || stmts->kind != Json::Kind::kArray || stmts->items.empty()) return invalid(0, "no SQL statement");
  if (stmts->items.size() > 1) {
    return invalid(static_cast<int>(int_field(stmts->items[1], "stmt_location")), "a view is one SELECT statement");
  }
  const Json* stmt = stmts->items[0].find("stmt");
  if (!stmt || kind(*stmt) != "SelectStmt") {
    std::string k = stmt ? std::string(kind(*stmt)) : "empty statement";
    return invalid(0, "a view must be a SELECT, not " + k);
  }
  return select(body(*stmt));
}

Result<ivm::Query> translate(const SqlSource& source) {
  std::string text(source.text);  // NUL-terminated for the parser
  Translator t(source);
  PgQueryParseResult parsed = pg_query_parse(text.c_str());
  if (parsed.error) {
    int cursor = parsed.error->cursorpos > 0 ? parsed.error->cursorpos - 1 : 0;
    Status s(ivm::Code::kInvalid, t.where(cursor) + ": " + parsed.error->message);
    pg_query_free_parse_result(parsed);
    return s;
  }
  Result<Json> tree = ivm::parse_json(parsed.parse_tree);
  pg_query_free_parse_result(parsed);
  if (!tree.ok()) return Status(ivm::Code::kInternal, "libpg_query output: " + tree.status().message());
  return t.statement(*tree);
}

}  // namespace rindle::sql
