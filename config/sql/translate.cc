// The driver: parse with libpg_query, walk the JSON tree; positions and errors.
#include <pg_query.h>

#include <cstdlib>

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
  if (!f || f->kind != Json::Kind::kNumber || !f->is_integer() || f->text.size() > 18) return fallback;
  return std::strtoll(f->text.c_str(), nullptr, 10);
}

std::string Translator::str_field(const Json& node_body, std::string_view name) {
  const Json* f = node_body.find(name);
  return f && f->kind == Json::Kind::kString ? f->text : std::string();
}

bool Translator::bool_field(const Json& node_body, std::string_view name) {
  const Json* f = node_body.find(name);
  return f && f->kind == Json::Kind::kBool && f->boolean;
}

const std::vector<Json>& Translator::items(const Json* list) {
  static const std::vector<Json> kNone;
  if (!list) return kNone;
  if (list->kind == Json::Kind::kArray) return list->items;
  // {"List": {"items": [...]}}
  if (kind(*list) == "List") {
    const Json* inner = body(*list).find("items");
    if (inner && inner->kind == Json::Kind::kArray) return inner->items;
  }
  return kNone;
}

ivm::SourcePos Translator::position(int location) const {
  if (location < 0) location = 0;
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
  ivm::SourcePos p = position(location);
  return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

Status Translator::unsupported(int location, const std::string& what) const {
  return Status(ivm::Code::kUnsupported, where(location) + ": " + what + " is not supported");
}

Status Translator::error(ivm::Code code, int location, const std::string& message) const {
  return Status(code, where(location) + ": " + message);
}

// libpg_query 15-4.0 writes an Integer node only when its value is positive,
// so `0` and `-5` both arrive as {"ival":{}}. The value is recovered from the
// source text at the constant's location: PostgreSQL folds '-' signs (and
// parentheses) into the constant, so the text there is any number of '-',
// '(', blanks and comments followed by the digits.
Result<int64_t> Translator::integer_literal(const Json& b) const {
  const Json* v = field(b, "ival");
  const Json* inner = v ? v->find("ival") : nullptr;
  if (inner) {
    if (inner->kind != Json::Kind::kNumber || !inner->is_integer() || inner->text.size() > 18) {
      return error(ivm::Code::kInternal, loc(b), "unexpected integer constant in the parse tree");
    }
    return static_cast<int64_t>(std::strtoll(inner->text.c_str(), nullptr, 10));
  }
  std::string_view s = src_.text;
  size_t i = loc(b) < 0 ? s.size() : static_cast<size_t>(loc(b));
  int minus = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '(') {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {  // -- comment
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {  // /* comment */, nested as in PostgreSQL
      int nest = 0;
      do {
        if (i + 1 < s.size() && s[i] == '/' && s[i + 1] == '*') {
          ++nest;
          i += 2;
        } else if (i + 1 < s.size() && s[i] == '*' && s[i + 1] == '/') {
          --nest;
          i += 2;
        } else {
          ++i;
        }
      } while (nest > 0 && i < s.size());
    } else if (c == '-') {
      ++minus;
      ++i;
    } else {
      break;
    }
  }
  int64_t value = 0;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 11) {
    value = value * 10 + (s[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || digits > 10 || value > 2147483648LL) {
    return error(ivm::Code::kInternal, loc(b), "cannot read the integer constant here");
  }
  if (minus % 2 == 1) value = -value;
  if (value > 0 || value < -2147483648LL) {
    return error(ivm::Code::kInternal, loc(b), "cannot read the integer constant here");
  }
  return value;
}

Result<SelectResult> Translator::statement(const Json& tree) {
  const Json* stmts = tree.find("stmts");
  if (!stmts || stmts->kind != Json::Kind::kArray || stmts->items.empty()) {
    return error(ivm::Code::kInvalid, 0, "no SQL statement");
  }
  if (stmts->items.size() > 1) {
    return error(ivm::Code::kInvalid, static_cast<int>(int_field(stmts->items[1], "stmt_location")),
                 "a view is one SELECT statement");
  }
  const Json* stmt = stmts->items[0].find("stmt");
  if (!stmt || kind(*stmt) != "SelectStmt") {
    std::string k = stmt ? std::string(kind(*stmt)) : "an empty statement";
    return error(ivm::Code::kInvalid, 0, "a view must be a SELECT, not " + k);
  }
  if (typed() && param_texts_) {
    param_types_.assign(param_texts_->size(), of_kind(Kind::kUnknown));
    param_values_.assign(param_texts_->size(), ivm::Value::null());
  }
  RINDLE_ASSIGN_OR_RETURN(SelectResult r, select(body(*stmt), nullptr));
  RINDLE_RETURN_IF_ERROR(resolve_outputs(&r));
  return r;
}

Result<ivm::Query> translate(const SqlSource& source) {
  Translator t(source, nullptr, nullptr);
  RINDLE_ASSIGN_OR_RETURN(Json tree, parse_sql(source));
  RINDLE_ASSIGN_OR_RETURN(SelectResult r, t.statement(tree));
  return std::move(r.query);
}

Result<Json> parse_sql(const SqlSource& source) {
  std::string text(source.text);  // NUL-terminated for the parser
  Translator t(source, nullptr, nullptr);
  if (text.find('\0') != std::string::npos) return t.error(ivm::Code::kInvalid, 0, "the SQL contains a NUL byte");
  PgQueryParseResult parsed = pg_query_parse(text.c_str());
  if (parsed.error) {
    // cursorpos counts characters from 1; positions here are byte offsets.
    int chars = parsed.error->cursorpos > 0 ? parsed.error->cursorpos - 1 : 0;
    int cursor = 0;
    while (cursor < static_cast<int>(text.size()) && chars > 0) {
      ++cursor;
      while (cursor < static_cast<int>(text.size()) && (static_cast<unsigned char>(text[cursor]) & 0xC0) == 0x80) ++cursor;
      --chars;
    }
    Status s = t.error(ivm::Code::kInvalid, cursor, parsed.error->message);
    pg_query_free_parse_result(parsed);
    return s;
  }
  Result<Json> tree = ivm::parse_json(parsed.parse_tree);
  pg_query_free_parse_result(parsed);
  if (!tree.ok()) return t.error(ivm::Code::kInvalid, 0, "the SQL is nested too deeply");
  return tree;
}

}  // namespace rindle::sql
