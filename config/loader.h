// Loading a config file: YAML -> typed Config, every error with its position.
//
//   LoadResult r = load_config_file("/etc/rindle/rindle.yaml");
//   if (!r.ok()) for (auto& d : r.errors) std::cerr << d.to_string() << "\n";
//
// What is checked here, each reported as "file:line:column: message":
//  * YAML syntax; the root and every section must be mappings;
//  * unknown keys (with the closest known key suggested), duplicate keys,
//    keys refused by design (inline passwords);
//  * each value's type, bounds and allowed choices (key table, keys.h);
//  * missing required keys, empty required lists;
//  * rules across keys: unique view names, one kind per sink, no two sinks
//    writing the same table, at most one password source, backoff ordering,
//    no repeated key columns.
// View SQL is not parsed here (see view_sql.h); its text keeps its position.
//
// After a successful load every field holds the file's value or the key
// table's default; relative paths (state.directory, source.password_file)
// are made absolute against the config file's directory; a table sink
// without a table name gets the view's name.
//
// Thread-safe: no shared mutable state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace rindle::config {

struct LoadResult {
  Config config;                    // meaningful only if ok()
  std::vector<Diagnostic> errors;   // in file order (structure first, then cross-key rules)
  bool ok() const { return errors.empty(); }
};

LoadResult load_config_file(const std::string& path);
// `file` names the text in messages; relative paths resolve against base_dir.
LoadResult load_config_text(std::string_view text, const std::string& file, const std::string& base_dir);

}  // namespace rindle::config
