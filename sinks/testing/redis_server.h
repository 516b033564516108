// A real, throwaway redis-server (Debian's) for tests.
//
//   RedisServer redis;                  // starts in a fresh temp dir, loopback, free port
//   REQUIRE_MESSAGE(redis.ok(), redis.error());
//   redis.kill();  redis.start();       // crash (SIGKILL) and start again, same port and dir
//
// Persistence: appendonly yes, appendfsync always (nothing acknowledged is
// lost across kill()), unless constructed with persistent=false (then a
// restart comes back empty). Only the PID this object started is ever
// signalled. The destructor kills the server and removes its directory.
//
// Thread rules: one thread at a time. Not copyable.
#pragma once

#include <sys/types.h>

#include <string>

namespace rindle::sinks::testing {

class RedisServer {
 public:
  explicit RedisServer(bool persistent = true);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // Starts the server (on the same port as before) and waits until it answers PING.
  bool start();
  // SIGKILL, then waits for the process to exit.
  void kill();
  bool running() const { return pid_ > 0; }

 private:
  std::string dir_;
  std::string error_;
  int port_ = 0;
  bool persistent_ = true;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound and released; racy but fine for tests).
int free_port();

}  // namespace rindle::sinks::testing
