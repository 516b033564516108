// Logging: spdlog's default logger writing to standard error (the journal
// under systemd), human-readable or one JSON object per line:
//   human: 2024-05-01 12:00:00.123 [info] sink view=top -> table public.top: healthy
//   json:  {"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"..."}
// Every part of rindled logs through spdlog's free functions (spdlog::info ...).
//
// Thread rules: setup_logging() before other threads log; set_log_level() and set_log_format() any time.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"

namespace spdlog {
class formatter;
}

namespace rindle::daemon {

void setup_logging(config::LogLevel level, config::LogFormat format);
void set_log_level(config::LogLevel level);
void set_log_format(config::LogFormat format);  // any time (after setup_logging)

// The JSON-lines formatter (exposed for tests).
std::unique_ptr<spdlog::formatter> make_json_formatter();
// JSON string escaping (quotes not included).
std::string json_escape(std::string_view s);

}  // namespace rindle::daemon
