// A fresh directory under /tmp for one test, removed with everything in it
// when the object goes out of scope. Header-only, for any test target.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace rindle::testing {

struct TempDir {
  std::string path;  // empty if mkdtemp failed (tests then fail on their first file)

  explicit TempDir(const std::string& prefix = "rindle-test") {
    std::string t = "/tmp/" + prefix + "-XXXXXX";
    if (mkdtemp(t.data()) != nullptr) path = t;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace rindle::testing
