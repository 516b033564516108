#include "daemon/cli.h"

namespace rindle::daemon {

std::string version_text() { return std::string("rindled ") + RINDLE_VERSION + "\n"; }

std::string help_text() {
  return "rindled " RINDLE_VERSION
         " — keeps YAML-declared views of a PostgreSQL database current in sink tables\n"
         "\n"
         "Usage:\n"
         "  rindled check FILE\n"
         "      Validate the config FILE and every view's SQL: YAML syntax, unknown keys, types, bounds,\n"
         "      required keys, rules across keys, SQL grammar and supported constructs. Errors are\n"
         "      printed as FILE:LINE:COLUMN: message. Nothing is written anywhere.\n"
         "  rindled --config FILE --print-config\n"
         "      Print the effective configuration: every key with its value from FILE or its default\n"
         "      (secrets redacted), as YAML that loads back to the same configuration.\n"
         "  rindled --print-config-reference\n"
         "      Print the reference of every configuration key (Markdown, as in config/README.md).\n"
         "  rindled --version\n"
         "  rindled --help\n"
         "\n"
         "Exit status: 0 success, 1 errors in the config, 2 bad command line.\n";
}

Command parse_command_line(const std::vector<std::string>& args) {
  Command c;
  bool print_config = false;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      c.kind = CommandKind::kHelp;
      return c;
    }
    if (a == "--version") {
      c.kind = CommandKind::kVersion;
      return c;
    }
    if (a == "--print-config-reference") {
      c.kind = CommandKind::kPrintReference;
      return c;
    }
    if (a == "--print-config") {
      print_config = true;
    } else if (a == "-c" || a == "--config") {
      if (i + 1 >= args.size()) {
        c.error = a + " needs a FILE";
        return c;
      }
      c.config_file = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      c.config_file = a.substr(9);
    } else if (!a.empty() && a[0] == '-') {
      c.error = "unknown option " + a;
      return c;
    } else {
      positional.push_back(a);
    }
  }
  if (print_config) {
    if (!positional.empty()) {
      c.error = "--print-config takes no command";
    } else if (c.config_file.empty()) {
      c.error = "--print-config needs --config FILE";
    }
    c.kind = CommandKind::kPrintConfig;
    return c;
  }
  if (positional.empty()) {
    c.error = c.config_file.empty() ? "no command given" : "nothing to do with --config: add --print-config";
    return c;
  }
  if (positional[0] == "check") {
    c.kind = CommandKind::kCheck;
    if (positional.size() != 2 || !c.config_file.empty()) {
      c.error = "usage: rindled check FILE";
    } else {
      c.config_file = positional[1];
    }
    return c;
  }
  c.error = "unknown command " + positional[0];
  return c;
}

}  // namespace rindle::daemon
