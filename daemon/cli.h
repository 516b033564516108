// rindled's command line.
//
//   rindled --config FILE              run: keep the views current (service.h)
//   rindled check [--offline] FILE     validate the config and every view's SQL (against the live schema)
//   rindled explain FILE VIEW          a view's columns, key, the state kept for it, its operator plan
//   rindled --config FILE --print-config   the effective config (defaults filled, secrets redacted)
//   rindled --print-config-reference   the configuration reference (Markdown)
//   rindled --version | --help
//
// Exit codes: 0 success; 1 the config (or anything the command checks) has
// errors; 2 the command line is wrong.
#pragma once

#include <string>
#include <vector>

namespace rindle::daemon {

enum class CommandKind : unsigned char { kHelp, kVersion, kRun, kCheck, kExplain, kPrintConfig, kPrintReference };

struct Command {
  CommandKind kind = CommandKind::kHelp;
  std::string config_file;
  std::string view;      // explain
  bool offline = false;  // check --offline
  std::string error;  // non-empty: a usage error (exit 2)
};

Command parse_command_line(const std::vector<std::string>& args);  // args without argv[0]
std::string help_text();
std::string version_text();

}  // namespace rindle::daemon
