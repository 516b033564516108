#include "ivm/json.h"

#include <cstdio>

namespace rindle::ivm {

const Json* Json::find(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &items[i];
  }
  return nullptr;
}

bool Json::is_integer() const {
  return kind == Kind::kNumber && text.find_first_of(".eE") == std::string::npos;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<Json> document() {
    Json v;
    RINDLE_RETURN_IF_ERROR(value(&v, 0));
    skip_ws();
    if (i_ != s_.size()) return error("unexpected data after the JSON value");
    return v;
  }

 private:
  Status error(const std::string& what) const {
    return Status(Code::kInvalid, "json: at offset " + std::to_string(i_) + ": " + what);
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool consume(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Status value(Json* out, int depth) {
    if (depth > kJsonMaxDepth) return error("nesting deeper than " + std::to_string(kJsonMaxDepth));
    skip_ws();
    if (i_ >= s_.size()) return error("unexpected end of input");
    char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out->kind = Json::Kind::kString;
      return string(&out->text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    if (consume("true")) {
      out->kind = Json::Kind::kBool;
      out->boolean = true;
      return Status::Ok();
    }
    if (consume("false")) {
      out->kind = Json::Kind::kBool;
      return Status::Ok();
    }
    if (consume("null")) {
      out->kind = Json::Kind::kNull;
      return Status::Ok();
    }
    return error(std::string("unexpected character '") + c + "'");
  }

  Status object(Json* out, int depth) {
    out->kind = Json::Kind::kObject;
    ++i_;  // {
    skip_ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return Status::Ok();
    }
    while (true) {
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != '"') return error("expected a member name in quotes");
      std::string key;
      RINDLE_RETURN_IF_ERROR(string(&key));
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != ':') return error("expected ':'");
      ++i_;
      Json v;
      RINDLE_RETURN_IF_ERROR(value(&v, depth + 1));
      out->keys.push_back(std::move(key));
      out->items.push_back(std::move(v));
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return Status::Ok();
      }
      return error("expected ',' or '}'");
    }
  }

  Status array(Json* out, int depth) {
    out->kind = Json::Kind::kArray;
    ++i_;  // [
    skip_ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return Status::Ok();
    }
    while (true) {
      Json v;
      RINDLE_RETURN_IF_ERROR(value(&v, depth + 1));
      out->items.push_back(std::move(v));
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return Status::Ok();
      }
      return error("expected ',' or ']'");
    }
  }

  Status number(Json* out) {
    size_t start = i_;
    if (s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') return error("invalid number");
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') return error("invalid number: digits must follow '.'");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') return error("invalid number: bad exponent");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    out->kind = Json::Kind::kNumber;
    out->text = std::string(s_.substr(start, i_ - start));
    return Status::Ok();
  }

  static void append_utf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Result<uint32_t> hex4() {
    if (i_ + 4 > s_.size()) return error("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return error("invalid \\u escape");
    }
    return v;
  }

  Status string(std::string* out) {
    ++i_;  // "
    while (true) {
      if (i_ >= s_.size()) return error("unterminated string");
      char c = s_[i_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i_ >= s_.size()) return error("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          RINDLE_ASSIGN_OR_RETURN(uint32_t cp, hex4());
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') return error("unpaired surrogate");
            i_ += 2;
            RINDLE_ASSIGN_OR_RETURN(uint32_t lo, hex4());
            if (lo < 0xDC00 || lo > 0xDFFF) return error("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return error("unpaired surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default: return error(std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<Json> parse_json(std::string_view text) { return Parser(text).document(); }

void append_json_string(std::string* out, std::string_view s) {
  *out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

}  // namespace rindle::ivm
