// rindled: the entry point. See cli.h for the commands and daemon/README.md
// for what the daemon does.
#include <cstdio>
#include <iostream>

#include "config/loader.h"
#include "config/render.h"
#include "config/view_sql.h"
#include "daemon/cli.h"

namespace {

using namespace rindle;

int print_errors(const std::vector<config::Diagnostic>& errors) {
  for (const config::Diagnostic& d : errors) std::cerr << d.to_string() << "\n";
  return 1;
}

int check(const std::string& file) {
  config::LoadResult r = config::load_config_file(file);
  if (!r.ok()) return print_errors(r.errors);
  config::TranslateResult t = config::translate_views(r.config);
  if (!t.ok()) return print_errors(t.errors);
  size_t sinks = 0;
  std::string names;
  for (const config::ViewConfig& v : r.config.views) {
    sinks += v.sinks.size();
    names += (names.empty() ? "" : ", ") + v.name;
  }
  std::cout << file << ": OK: " << r.config.views.size() << " view" << (r.config.views.size() == 1 ? "" : "s") << " ("
            << names << "), " << sinks << " sink" << (sinks == 1 ? "" : "s") << "\n";
  return 0;
}

int print_config(const std::string& file) {
  config::LoadResult r = config::load_config_file(file);
  if (!r.ok()) return print_errors(r.errors);
  std::cout << config::print_config(r.config);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  daemon::Command c = daemon::parse_command_line(args);
  if (!c.error.empty()) {
    std::cerr << "rindled: " << c.error << "\n\n" << daemon::help_text();
    return 2;
  }
  switch (c.kind) {
    case daemon::CommandKind::kHelp: std::cout << daemon::help_text(); return 0;
    case daemon::CommandKind::kVersion: std::cout << daemon::version_text(); return 0;
    case daemon::CommandKind::kPrintReference: std::cout << config::render_reference(); return 0;
    case daemon::CommandKind::kPrintConfig: return print_config(c.config_file);
    case daemon::CommandKind::kCheck: return check(c.config_file);
  }
  return 2;
}
