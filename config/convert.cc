// YAML node -> KeyValue for one key of the table, and the reverse text form.
#include "config/convert.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdio>

#include "config/value_text.h"

namespace rindle::config {
namespace {

bool is_plain(const YAML::Node& n) { return n.Tag() != "!"; }  // "!" marks quoted and block scalars

bool is_integer_text(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool is_decimal_text(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits && dot;
}

const char* node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a scalar";
    default: return "an undefined value";
  }
}

std::string expected(KeyType t) {
  switch (t) {
    case KeyType::kInt: return "an integer";
    case KeyType::kBool: return "true or false";
    case KeyType::kDuration: return "a duration like 500ms, 10s, 5m or 1h";
    case KeyType::kSize: return "a size like 4096, 64KiB, 256MiB or 1GiB";
    case KeyType::kAddress: return "host:port";
    case KeyType::kStringList: return "a list of strings";
    case KeyType::kParamList: return "a list of scalars";
    case KeyType::kSql: return "a SQL text";
    default: return "a string";
  }
}

Position pos_of(const YAML::Mark& m) { return m.is_null() ? Position{} : Position{m.line + 1, m.column + 1}; }

// Where the characters of a SQL scalar start in the file (see SqlText).
SqlText sql_text(const YAML::Node& n, std::string_view file_text) {
  SqlText s;
  s.text = n.Scalar();
  // Trailing blanks and newlines mean nothing to SQL; dropping them makes
  // the text independent of the block scalar's chomping.
  s.text.erase(s.text.find_last_not_of(" \t\r\n") + 1);
  YAML::Mark m = n.Mark();
  s.line = m.line + 1;
  s.column = m.column + 1;
  size_t pos = m.pos < 0 ? file_text.size() : static_cast<size_t>(m.pos);
  if (pos >= file_text.size()) return s;
  char c = file_text[pos];
  if (c == '"' || c == '\'') {
    s.column += 1;
  } else if (c == '|' || c == '>') {
    // Block scalar: the text starts on the line after the header; its
    // indentation is that of the first non-blank line (or the header's digit).
    size_t eol = file_text.find('\n', pos);
    int explicit_indent = 0;
    for (size_t i = pos + 1; i < file_text.size() && i < eol; ++i) {
      if (file_text[i] >= '1' && file_text[i] <= '9') explicit_indent = file_text[i] - '0';
      if (file_text[i] == '#' || file_text[i] == ' ') break;
    }
    s.line = m.line + 2;
    int indent = 0;
    if (explicit_indent > 0) {
      size_t bol = file_text.rfind('\n', pos);
      bol = bol == std::string_view::npos ? 0 : bol + 1;
      int parent = 0;
      while (bol + parent < pos && file_text[bol + parent] == ' ') ++parent;
      indent = parent + explicit_indent;
    } else {
      for (size_t i = eol == std::string_view::npos ? file_text.size() : eol + 1; i < file_text.size();) {
        size_t j = i;
        while (j < file_text.size() && file_text[j] == ' ') ++j;
        if (j < file_text.size() && file_text[j] != '\n') {
          indent = static_cast<int>(j - i);
          break;
        }
        i = j + 1;
      }
    }
    s.indent = indent;
    s.column = indent + 1;
  }
  // Leading blanks and newlines mean nothing to SQL either; the position
  // moves along with them.
  size_t k = 0;
  for (; k < s.text.size() && (s.text[k] == ' ' || s.text[k] == '\t' || s.text[k] == '\n' || s.text[k] == '\r'); ++k) {
    if (s.text[k] == '\n') {
      ++s.line;
      s.column = s.indent + 1;
    } else {
      ++s.column;
    }
  }
  s.text.erase(0, k);
  return s;
}

// Config text is UTF-8 without control characters (SQL may hold tabs and
// newlines); anything else is almost surely a mistake and would not survive
// --print-config.
std::string check_text(std::string_view v, bool sql) {
  for (size_t i = 0; i < v.size();) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c < 0x20 || c == 0x7f) {
      if (c == '\t' || (sql && c == '\n')) {
        ++i;
        continue;
      }
      char buf[64];
      std::snprintf(buf, sizeof buf, "contains the control character U+%04X", c);
      return buf;
    }
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > v.size()) return "is not valid UTF-8";
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(v[i + k]);
      if ((cc >> 6) != 0x2) return "is not valid UTF-8";
      cp = (cp << 6) | (cc & 0x3f);
    }
    bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return "is not valid UTF-8";
    i += n;
  }
  return "";
}

std::string check_string(const KeyDef& key, std::string_view v) {
  if (std::string t = check_text(v, false); !t.empty()) return "the value " + t;
  return key.opt.validate ? key.opt.validate(v) : "";
}

std::string bound_text(KeyType t, int64_t v) {
  if (t == KeyType::kDuration) return format_duration_ms(v);
  if (t == KeyType::kSize) return format_size(v);
  return std::to_string(v);
}

}  // namespace

ConvertError convert_node(const KeyDef& key, const YAML::Node& n, std::string_view file_text, KeyValue* out) {
  auto fail = [&](const YAML::Node& at, std::string msg) { return ConvertError{pos_of(at.Mark()), std::move(msg)}; };
  switch (key.type) {
    case KeyType::kStringList:
    case KeyType::kParamList: {
      if (!n.IsSequence()) return fail(n, "expected " + expected(key.type) + ", got " + node_kind(n));
      std::vector<std::string> strings;
      std::vector<Param> params;
      for (const YAML::Node& e : n) {
        if (key.type == KeyType::kParamList) {
          if (e.IsNull()) {
            params.push_back(Param{Param::Kind::kNull, ""});
            continue;
          }
          if (!e.IsScalar()) return fail(e, std::string("expected a scalar parameter, got ") + node_kind(e));
          const std::string& t = e.Scalar();
          if (std::string m = check_text(t, false); !m.empty()) return fail(e, "the parameter " + m);
          Param p{Param::Kind::kText, t};
          if (is_plain(e)) {
            if (t == "true" || t == "false") p.kind = Param::Kind::kBool;
            else if (is_integer_text(t)) p.kind = Param::Kind::kInt;
            else if (is_decimal_text(t)) p.kind = Param::Kind::kDecimal;
          }
          params.push_back(std::move(p));
        } else {
          if (!e.IsScalar()) return fail(e, std::string("expected a string, got ") + node_kind(e));
          if (std::string m = check_string(key, e.Scalar()); !m.empty()) return fail(e, m);
          strings.push_back(e.Scalar());
        }
      }
      if (key.type == KeyType::kParamList) {
        *out = std::move(params);
      } else {
        *out = std::move(strings);
      }
      return {};
    }
    default:
      break;
  }
  if (n.IsNull()) return fail(n, "expected " + expected(key.type) + ", got nothing");
  if (!n.IsScalar()) return fail(n, "expected " + expected(key.type) + ", got " + node_kind(n));
  const std::string& t = n.Scalar();
  switch (key.type) {
    case KeyType::kString:
    case KeyType::kAddress: {
      std::string m = key.type == KeyType::kAddress ? check_text(t, false) : check_string(key, t);
      if (m.empty() && key.type == KeyType::kAddress) m = check_address(t);
      if (!m.empty()) return fail(n, m);
      *out = t;
      return {};
    }
    case KeyType::kSql:
      if (t.find_first_not_of(" \t\r\n") == std::string::npos) return fail(n, "the SQL text is empty");
      if (std::string m = check_text(t, true); !m.empty()) return fail(n, "the SQL text " + m);
      *out = sql_text(n, file_text);
      return {};
    case KeyType::kBool:
      if (!is_plain(n) || (t != "true" && t != "false")) {
        return fail(n, "expected true or false, got '" + t + "'" +
                           (t == "true" || t == "false" ? " (a quoted string; remove the quotes)" : ""));
      }
      *out = t == "true";
      return {};
    case KeyType::kInt: {
      int64_t v = 0;
      const char* b = t.data() + (!t.empty() && t[0] == '+' ? 1 : 0);
      auto [end, ec] = std::from_chars(b, t.data() + t.size(), v);
      if (!is_plain(n) || !is_integer_text(t) || ec != std::errc() || end != t.data() + t.size()) {
        return fail(n, "expected an integer, got '" + t + "'" +
                           (is_integer_text(t) && !is_plain(n) ? " (a quoted string; remove the quotes)" : ""));
      }
      if (v < key.opt.min || v > key.opt.max) {
        return fail(n, "must be between " + bound_text(key.type, key.opt.min) + " and " +
                           bound_text(key.type, key.opt.max) + ", got " + t);
      }
      *out = v;
      return {};
    }
    case KeyType::kDuration:
    case KeyType::kSize: {
      auto v = key.type == KeyType::kDuration ? parse_duration_ms(t) : parse_size(t);
      if (!v) return fail(n, "expected " + expected(key.type) + ", got '" + t + "'");
      if (*v < key.opt.min || *v > key.opt.max) {
        return fail(n, "must be between " + bound_text(key.type, key.opt.min) + " and " +
                           bound_text(key.type, key.opt.max) + ", got " + t);
      }
      *out = *v;
      return {};
    }
    case KeyType::kEnum: {
      for (size_t i = 0; i < key.opt.choices.size(); ++i) {
        if (key.opt.choices[i] == t) {
          *out = static_cast<int64_t>(i);
          return {};
        }
      }
      std::string list;
      for (std::string_view c : key.opt.choices) list += (list.empty() ? "" : ", ") + std::string(c);
      return fail(n, "expected one of " + list + ", got '" + t + "'");
    }
    default:
      return fail(n, std::string("internal: key type ") + key_type_name(key.type) + " is not a scalar");
  }
}

std::string parse_scalar(const KeyDef& key, std::string_view text, KeyValue* out) {
  try {
    YAML::Node n = YAML::Load(std::string(text));
    ConvertError e = convert_node(key, n, text, out);
    return e.message;
  } catch (const YAML::Exception& e) {
    return e.msg;
  }
}

std::string check_value(const KeyDef& key, const KeyValue& value) {
  // Re-validate a value that did not come through convert_node (tests, defaults).
  if (const auto* i = std::get_if<int64_t>(&value)) {
    if (key.type == KeyType::kEnum) {
      return *i >= 0 && static_cast<size_t>(*i) < key.opt.choices.size() ? "" : "enum index out of range";
    }
    if (*i < key.opt.min || *i > key.opt.max) return "out of bounds";
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    return key.type == KeyType::kAddress ? check_address(*s) : check_string(key, *s);
  }
  return "";
}

std::string format_value(const KeyDef& key, const KeyValue& value) {
  if (key.opt.secret) return "<redacted>";
  if (const auto* i = std::get_if<int64_t>(&value)) {
    if (key.type == KeyType::kEnum) return std::string(key.opt.choices.at(static_cast<size_t>(*i)));
    return bound_text(key.type, *i);
  }
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* l = std::get_if<std::vector<std::string>>(&value)) {
    std::string o = "[";
    for (size_t i = 0; i < l->size(); ++i) o += (i ? ", " : "") + (*l)[i];
    return o + "]";
  }
  if (const auto* p = std::get_if<std::vector<Param>>(&value)) {
    std::string o = "[";
    for (size_t i = 0; i < p->size(); ++i) o += (i ? ", " : "") + ((*p)[i].kind == Param::Kind::kNull ? "null" : (*p)[i].text);
    return o + "]";
  }
  if (const auto* q = std::get_if<SqlText>(&value)) return q->text;
  return "";
}

}  // namespace rindle::config
