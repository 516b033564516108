#include "config/value_text.h"

#include <algorithm>
#include <vector>

namespace rindle::config {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses decimal digits; nullopt on overflow or non-digits.
std::optional<int64_t> parse_uint(std::string_view s) {
  if (!all_digits(s) || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::optional<int64_t> scaled(std::string_view digits, int64_t unit) {
  auto n = parse_uint(digits);
  if (!n) return std::nullopt;
  if (*n != 0 && unit > INT64_MAX / *n) return std::nullopt;
  return *n * unit;
}

struct Unit {
  std::string_view suffix;
  int64_t factor;
};

}  // namespace

std::optional<int64_t> parse_duration_ms(std::string_view t) {
  if (t == "0") return 0;
  static const Unit units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  for (const Unit& u : units) {  // "ms" before "s" and "m"
    if (t.size() > u.suffix.size() && t.substr(t.size() - u.suffix.size()) == u.suffix) {
      std::string_view digits = t.substr(0, t.size() - u.suffix.size());
      if (all_digits(digits)) return scaled(digits, u.factor);
    }
  }
  return std::nullopt;
}

std::string format_duration_ms(int64_t ms) {
  static const Unit units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
  if (ms == 0) return "0";
  for (const Unit& u : units) {
    if (ms % u.factor == 0) return std::to_string(ms / u.factor) + std::string(u.suffix);
  }
  return std::to_string(ms) + "ms";
}

std::optional<int64_t> parse_size(std::string_view t) {
  static const Unit units[] = {{"KiB", int64_t{1} << 10}, {"MiB", int64_t{1} << 20},
                               {"GiB", int64_t{1} << 30}, {"TiB", int64_t{1} << 40}, {"B", 1}};
  if (all_digits(t)) return parse_uint(t);
  for (const Unit& u : units) {
    if (t.size() > u.suffix.size() && t.substr(t.size() - u.suffix.size()) == u.suffix) {
      return scaled(t.substr(0, t.size() - u.suffix.size()), u.factor);
    }
  }
  return std::nullopt;
}

std::string format_size(int64_t bytes) {
  static const Unit units[] = {{"TiB", int64_t{1} << 40}, {"GiB", int64_t{1} << 30},
                               {"MiB", int64_t{1} << 20}, {"KiB", int64_t{1} << 10}};
  if (bytes == 0) return "0";
  for (const Unit& u : units) {
    if (bytes % u.factor == 0) return std::to_string(bytes / u.factor) + std::string(u.suffix);
  }
  return std::to_string(bytes);
}

std::string check_address(std::string_view t) {
  size_t colon = t.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return "expected host:port, e.g. 127.0.0.1:9732";
  std::string_view host = t.substr(0, colon), port = t.substr(colon + 1);
  if (host.front() == '[' ? host.back() != ']' || host.size() < 3 : host.find(':') != std::string_view::npos) {
    return "expected host:port (write IPv6 addresses in brackets: [::1]:9732)";
  }
  auto p = parse_uint(port);
  if (!p || *p > 65535) return "port must be a number from 0 to 65535";
  return "";
}

void split_address(std::string_view t, std::string* host, int* port) {
  size_t colon = t.rfind(':');
  std::string_view h = t.substr(0, colon);
  if (!h.empty() && h.front() == '[') h = h.substr(1, h.size() - 2);
  *host = std::string(h);
  *port = static_cast<int>(*parse_uint(t.substr(colon + 1)));
}

std::string validate_nonempty(std::string_view v) { return v.empty() ? "must not be empty" : ""; }

std::string validate_env_name(std::string_view v) {
  if (v.empty()) return "";
  bool ok = !(v[0] >= '0' && v[0] <= '9');
  for (char c : v) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  return ok ? "" : "not an environment variable name (letters, digits and _, not starting with a digit)";
}

std::string validate_http_url(std::string_view v) {
  std::string_view rest;
  if (v.starts_with("http://")) {
    rest = v.substr(7);
  } else if (v.starts_with("https://")) {
    rest = v.substr(8);
  } else {
    return "not an http:// or https:// URL";
  }
  if (rest.empty() || rest[0] == '/') return "the URL has no host";
  for (char c : v) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return "the URL contains a space or a control character";
  }
  return "";
}

namespace {
// "Name: rest" -> Name, rest (trimmed); "" if the name is not an HTTP token.
std::string split_header(std::string_view v, std::string_view* name, std::string_view* rest) {
  size_t colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0) return "expected \"Name: value\"";
  *name = v.substr(0, colon);
  for (char c : *name) {
    bool token = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return "the header name '" + std::string(*name) + "' is not an HTTP token";
  }
  *rest = v.substr(colon + 1);
  while (!rest->empty() && (rest->front() == ' ' || rest->front() == '\t')) rest->remove_prefix(1);
  for (char c : *rest) {
    if (c == '\r' || c == '\n' || c == '\0') return "the header value contains a line break or NUL";
  }
  return "";
}
}  // namespace

std::string validate_http_header(std::string_view v) {
  std::string_view name, rest;
  return split_header(v, &name, &rest);
}

std::string validate_http_header_env(std::string_view v) {
  std::string_view name, rest;
  std::string e = split_header(v, &name, &rest);
  if (!e.empty()) return e;
  if (rest.empty()) return "expected \"Name: ENVIRONMENT_VARIABLE\"";
  return validate_env_name(rest);
}

std::string validate_slot_name(std::string_view v) {
  bool ok = !v.empty() && v.size() <= 63;
  for (char c : v) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  return ok ? "" : "replication slot names are 1 to 63 lower-case letters, digits and _";
}

std::string validate_identifier(std::string_view v) {
  if (v.empty()) return "must not be empty";
  if (v.size() > 63) return "PostgreSQL identifiers are at most 63 bytes";
  if (v.find('\0') != std::string_view::npos) return "must not contain NUL";
  return "";
}

std::string validate_identifier_or_empty(std::string_view v) { return v.empty() ? "" : validate_identifier(v); }

std::string validate_view_name(std::string_view v) {
  bool ok = !v.empty() && v.size() <= 63 && !(v[0] >= '0' && v[0] <= '9');
  for (char c : v) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  return ok ? "" : "view names are 1 to 63 lower-case letters, digits and _, not starting with a digit";
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace rindle::config
