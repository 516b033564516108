// Logging hook of replication/: the caller decides where lines go (the daemon
// passes spdlog). Called from the I/O thread and the caller's threads: the
// function must be thread-safe. An empty LogFn discards everything.
#pragma once

#include <functional>
#include <string>

namespace rindle::replication {

enum class LogLevel : unsigned char { kDebug, kInfo, kWarn, kError };
using LogFn = std::function<void(LogLevel, const std::string&)>;

}  // namespace rindle::replication
