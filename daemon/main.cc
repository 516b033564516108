// rindled: the entry point. See cli.h for the commands, service.h for what
// running does, and daemon/README.md for the daemon's design.
#include <cstdio>
#include <iostream>

#include "config/loader.h"
#include "config/render.h"
#include "daemon/cli.h"
#include "daemon/service.h"

namespace {

using namespace rindle;

int print_config(const std::string& file) {
  config::LoadResult r = config::load_config_file(file);
  if (!r.ok()) {
    for (const config::Diagnostic& d : r.errors) std::cerr << d.to_string() << "\n";
    return 1;
  }
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
    case daemon::CommandKind::kCheck: return daemon::check_config(c.config_file, c.offline);
    case daemon::CommandKind::kExplain: return daemon::explain_view(c.config_file, c.view);
    case daemon::CommandKind::kRun: return daemon::run_daemon(c.config_file);
  }
  return 2;
}
