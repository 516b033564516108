// The rindled binary as a user runs it: exit codes, output, and the precise
// error lines for every broken config of the corpus.
#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/render.h"

namespace rindle::daemon {
namespace {

struct Run {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

// Runs rindled with `args` (already shell-quoted) in directory `cwd`.
Run rindled(const std::string& args, const std::string& cwd = ".") {
  char out_t[] = "/tmp/rindled-out-XXXXXX", err_t[] = "/tmp/rindled-err-XXXXXX";
  int fo = mkstemp(out_t), fe = mkstemp(err_t);
  close(fo);
  close(fe);
  std::string cmd = "cd " + quote(cwd) + " && " + quote(RINDLED) + " " + args + " >" + out_t + " 2>" + err_t;
  int st = std::system(cmd.c_str());
  Run r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(out_t);
  r.err = slurp(err_t);
  unlink(out_t);
  unlink(err_t);
  return r;
}

TEST_CASE("--version, --help, and usage errors") {
  Run v = rindled("--version");
  CHECK(v.status == 0);
  CHECK(v.out == std::string("rindled ") + RINDLE_VERSION_FOR_TEST + "\n");
  Run h = rindled("--help");
  CHECK(h.status == 0);
  CHECK(h.out.find("rindled check [--offline] FILE") != std::string::npos);
  CHECK(h.out.find("rindled explain FILE VIEW") != std::string::npos);
  CHECK(h.out.find("rindled --config FILE\n") != std::string::npos);
  CHECK(h.out.find("--print-config") != std::string::npos);
  CHECK(h.out.find("Exit status") != std::string::npos);
  Run none = rindled("");
  CHECK(none.status == 2);
  CHECK(none.err.find("rindled: no command given") == 0);
  CHECK(none.err.find("Usage:") != std::string::npos);
  CHECK(rindled("--frobnicate").status == 2);
  CHECK(rindled("check").status == 2);
  CHECK(rindled("check a b").status == 2);
  CHECK(rindled("explain a").status == 2);
  CHECK(rindled("--config a --offline").status == 2);
  CHECK(rindled("bogus x").err.find("unknown command bogus") != std::string::npos);
  CHECK(rindled("--print-config").err.find("needs --config FILE") != std::string::npos);
}

TEST_CASE("check: a good config passes; a missing file fails") {
  std::string example = std::string(RINDLE_SOURCE_DIR) + "/deploy/rindle.example.yaml";
  Run ok = rindled("check --offline " + quote(example));
  CHECK_MESSAGE(ok.status == 0, ok.err);
  CHECK(ok.out.find(": OK (offline): 3 views") != std::string::npos);
  Run missing = rindled("check /nonexistent/rindle.yaml");
  CHECK(missing.status == 1);
  CHECK(missing.err == "/nonexistent/rindle.yaml: cannot read the config file: No such file or directory\n");
}

TEST_CASE("check: every broken config of the corpus exits 1 with exactly its errors") {
  std::string dir = std::string(RINDLE_SOURCE_DIR) + "/config/testdata/bad";
  std::vector<std::string> files;
  DIR* d = opendir(dir.c_str());
  REQUIRE(d);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".yaml") files.push_back(n);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 20);
  for (const std::string& name : files) {
    std::string expected;
    std::istringstream lines(slurp(dir + "/" + name));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("# error: ", 0) == 0) expected += name + ":" + line.substr(9) + "\n";
    }
    Run r = rindled("check " + quote(name), dir);
    INFO(name);
    CHECK(r.status == 1);
    CHECK(r.err == expected);
    CHECK(r.out.empty());
  }
}

TEST_CASE("--print-config prints every key; the output loads back to the same config") {
  std::string example = std::string(RINDLE_SOURCE_DIR) + "/deploy/rindle.example.yaml";
  Run p = rindled("--config " + quote(example) + " --print-config");
  REQUIRE_MESSAGE(p.status == 0, p.err);
  config::LoadResult original = config::load_config_file(example);
  REQUIRE(original.ok());
  config::LoadResult again = config::load_config_text(p.out, "printed", "/");
  for (const auto& e : again.errors) FAIL(e.to_string());
  CHECK(config::print_config(again.config) == p.out);
  CHECK(again.config.views == original.config.views);
  CHECK(p.out.find("heartbeat_interval:") != std::string::npos);  // defaults are shown
  Run bad = rindled("--config " + quote(std::string(RINDLE_SOURCE_DIR) + "/config/testdata/bad/08_port_out_of_bounds.yaml") +
                    " --print-config");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("must be between 1 and 65535") != std::string::npos);
}

TEST_CASE("--print-config-reference is the key table's reference") {
  Run r = rindled("--print-config-reference");
  CHECK(r.status == 0);
  CHECK(r.out == config::render_reference());
}

}  // namespace
}  // namespace rindle::daemon
