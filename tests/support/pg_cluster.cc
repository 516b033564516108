#include "tests/support/pg_cluster.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace rindle::testing {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs a shell command; returns stdout. *status gets the exit status.
std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = pclose(p);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string source_dir() { return RINDLE_SOURCE_DIR; }

PgCluster::PgCluster() {
  char tmpl[] = "/tmp/rindle-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  if (!start()) return;
  port_ = std::atoi(trim(read_file(dir_ + "/port")).c_str());
}

PgCluster::~PgCluster() {
  if (dir_.empty()) return;
  int status = 0;
  run(shell_quote(source_dir() + "/scripts/pg_tmp.sh") + " destroy " + shell_quote(dir_) + " 2>&1", &status);
}

std::string PgCluster::run_script(const std::string& args, bool* failed) const {
  int status = 0;
  std::string out = run(shell_quote(source_dir() + "/scripts/pg_tmp.sh") + " " + args + " 2>&1", &status);
  *failed = status != 0;
  return trim(out);
}

bool PgCluster::start() {
  bool failed = false;
  std::string out = run_script("start " + shell_quote(dir_), &failed);
  if (failed) {
    error_ = "could not start PostgreSQL in " + dir_ + ": " + out;
    return false;
  }
  // The last line is the conninfo.
  size_t nl = out.rfind('\n');
  conninfo_ = nl == std::string::npos ? out : out.substr(nl + 1);
  error_.clear();
  return true;
}

bool PgCluster::stop(const std::string& mode) {
  int status = 0;
  std::string out = run("runuser_or_self() { if [ \"$(id -u)\" = 0 ]; then runuser -u postgres -- \"$@\"; else \"$@\"; fi; }; "
                        "runuser_or_self /usr/lib/postgresql/15/bin/pg_ctl -D " +
                            shell_quote(dir_ + "/data") + " -m " + shell_quote(mode) + " -w stop 2>&1",
                        &status);
  if (status != 0) {
    error_ = "pg_ctl stop failed: " + trim(out);
    return false;
  }
  return true;
}

bool PgCluster::restart(const std::string& mode) { return stop(mode) && start(); }

std::string PgCluster::psql(const std::string& sql, bool* failed) const {
  char tmpl[] = "/tmp/rindle-sql-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) {
    if (failed != nullptr) *failed = true;
    return "mkstemp failed";
  }
  std::string path = tmpl;
  if (::write(fd, sql.data(), sql.size()) != static_cast<ssize_t>(sql.size())) {
    ::close(fd);
    if (failed != nullptr) *failed = true;
    return "write failed";
  }
  ::close(fd);
  std::string err_path = path + ".err";
  int status = 0;
  std::string out = run("psql -X -q -A -t -v ON_ERROR_STOP=1 " + shell_quote(conninfo_) + " -f " + shell_quote(path) +
                            " 2>" + shell_quote(err_path),
                        &status);
  std::string err = read_file(err_path);
  ::unlink(path.c_str());
  ::unlink(err_path.c_str());
  if (failed != nullptr) *failed = status != 0;
  return status != 0 ? trim(err) : trim(out);
}

}  // namespace rindle::testing
