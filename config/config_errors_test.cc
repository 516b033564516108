// The bad-config corpus: each file in config/testdata/bad/ starts with its
// expected errors as comments ("# error: LINE:COL: message", in order), and
// loading it (plus translating its SQL, if the structure is fine) must give
// exactly those errors, prefixed with the file name.
#include <doctest/doctest.h>
#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/view_sql.h"

namespace rindle::config {
namespace {

std::vector<std::string> corpus_files(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.substr(n.size() - 5) == ".yaml") files.push_back(n);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("each broken config gives its precise errors") {
  std::string dir = std::string(RINDLE_SOURCE_DIR) + "/config/testdata/bad";
  std::vector<std::string> files = corpus_files(dir);
  CHECK(files.size() >= 20);
  for (const std::string& name : files) {
    std::ifstream in(dir + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    std::vector<std::string> expected;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("# error: ", 0) == 0) expected.push_back(name + ":" + line.substr(9));
    }
    std::vector<std::string> got;
    LoadResult r = load_config_text(text, name, "/base");
    for (const Diagnostic& d : r.errors) got.push_back(d.to_string());
    if (r.ok()) {
      TranslateResult t = translate_views(r.config);
      for (const Diagnostic& d : t.errors) got.push_back(d.to_string());
    }
    INFO(name);
    CHECK(!expected.empty());
    CHECK(got == expected);
  }
}

}  // namespace
}  // namespace rindle::config
