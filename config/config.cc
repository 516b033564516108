#include "config/config.h"

#include <cstdlib>
#include <fstream>

namespace rindle::config {
namespace {

// A libpq conninfo value: single-quoted, with \ and ' escaped.
std::string conn_value(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string Diagnostic::to_string() const {
  if (file.empty() && pos.line <= 0) return message;  // preformatted (SQL front end messages)
  std::string f = file.empty() ? "config" : file;
  if (pos.line <= 0) return f + ": " + message;
  return f + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
}

Position Config::position_of(const std::string& path) const {
  auto it = positions.find(path);
  return it == positions.end() ? Position{} : it->second;
}

Diagnostic Config::error_at(const std::string& path, std::string message) const {
  // Fall back to the nearest enclosing place that was written in the file.
  std::string p = path;
  while (!p.empty() && !positions.count(p)) {
    size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? "" : p.substr(0, cut);
  }
  return Diagnostic{file, p.empty() ? Position{} : positions.at(p), std::move(message)};
}

const ViewConfig* Config::find_view(std::string_view name) const {
  for (const ViewConfig& v : views) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const char* sslmode_name(SslMode m) {
  switch (m) {
    case SslMode::kDisable: return "disable";
    case SslMode::kAllow: return "allow";
    case SslMode::kPrefer: return "prefer";
    case SslMode::kRequire: return "require";
    case SslMode::kVerifyCa: return "verify-ca";
    case SslMode::kVerifyFull: return "verify-full";
  }
  return "prefer";
}

ConnInfo source_conninfo(const SourceConfig& s) {
  ConnInfo ci;
  std::string& c = ci.conninfo;
  c = "host=" + conn_value(s.host) + " port=" + std::to_string(s.port) + " dbname=" + conn_value(s.dbname) +
      " user=" + conn_value(s.user) + " sslmode=" + sslmode_name(s.sslmode) +
      " application_name=" + conn_value(s.application_name) +
      " connect_timeout=" + std::to_string(std::max<int64_t>(1, (s.connect_timeout.count() + 999) / 1000));
  if (!s.password_env.empty()) {
    const char* p = std::getenv(s.password_env.c_str());
    if (!p) {
      ci.error = "source.password_env: the environment variable " + s.password_env + " is not set";
      return ci;
    }
    c += " password=" + conn_value(p);
  } else if (!s.password_file.empty()) {
    std::ifstream in(s.password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      ci.error = "source.password_file: cannot read " + s.password_file;
      return ci;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    c += " password=" + conn_value(line);
  }
  return ci;
}

}  // namespace rindle::config
