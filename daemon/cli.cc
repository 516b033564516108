#include "daemon/cli.h"

namespace rindle::daemon {

std::string version_text() { return std::string("rindled ") + RINDLE_VERSION + "\n"; }

std::string help_text() {
  return "rindled " RINDLE_VERSION
         " — keeps YAML-declared views of a PostgreSQL database current in its sinks\n"
         "\n"
         "Usage:\n"
         "  rindled --config FILE\n"
         "      Run: read the source's replication slot and keep every view of FILE current in its sinks\n"
         "      (PostgreSQL tables, Redis, webhooks; first start: create the publication and slot, load\n"
         "      a snapshot). Stops on SIGTERM/SIGINT (drain, final checkpoint, exit 0). SIGHUP re-reads\n"
         "      FILE and applies views added, removed or redefined live (see daemon/README.md,\n"
         "      \"Reloading\").\n"
         "  rindled check [--offline] FILE\n"
         "      Validate the config FILE and every view's SQL: YAML syntax, unknown keys, types, bounds,\n"
         "      required keys, rules across keys, SQL grammar and supported constructs, then every view\n"
         "      against the live source schema (tables, columns, types, keys, the publication), and that\n"
         "      every sink can be built (the environment variables its secrets come from are set).\n"
         "      --offline skips the database and the sinks. Errors are printed as FILE:LINE:COLUMN: message.\n"
         "      Nothing is written anywhere.\n"
         "  rindled explain FILE VIEW\n"
         "      The view's output columns and key, the source tables and columns the engine keeps for\n"
         "      it, and its operator plan (reads the live source schema; writes nothing).\n"
         "  rindled --config FILE --print-config\n"
         "      Print the effective configuration: every key with its value from FILE or its default\n"
         "      (secrets redacted), as YAML that loads back to the same configuration.\n"
         "  rindled --print-config-reference\n"
         "      Print the reference of every configuration key (Markdown, as in config/README.md).\n"
         "  rindled --version\n"
         "  rindled --help\n"
         "\n"
         "Exit status: 0 success, 1 errors (config, SQL, schema, start-up or a failed run), 2 bad command line.\n";
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
    } else if (a == "--offline") {
      c.offline = true;
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
    if (c.config_file.empty()) {
      c.error = "no command given";
    } else {
      c.kind = CommandKind::kRun;
      if (c.offline) c.error = "--offline belongs to check";
    }
    return c;
  }
  if (positional[0] == "explain") {
    c.kind = CommandKind::kExplain;
    if (positional.size() != 3 || !c.config_file.empty()) {
      c.error = "usage: rindled explain FILE VIEW";
    } else {
      c.config_file = positional[1];
      c.view = positional[2];
    }
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
