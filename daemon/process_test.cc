// sd_notify messages over a real notification socket, and signals turned into flags.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "daemon/signals.h"
#include "daemon/systemd_notify.h"

namespace rindle::daemon {
namespace {

using namespace std::chrono_literals;

// A datagram socket standing in for systemd's notification socket.
struct NotifySocket {
  int fd = -1;
  std::string path;
  NotifySocket() {
    char t[] = "/tmp/rindle-notify-XXXXXX";
    path = std::string(mkdtemp(t)) + "/notify";
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() {
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::string next() {
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
};

TEST_CASE("sd_notify: READY, STATUS, STOPPING and a rate-limited WATCHDOG reach the socket") {
  NotifySocket sock;
  setenv("NOTIFY_SOCKET", sock.path.c_str(), 1);
  setenv("WATCHDOG_USEC", "200000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  Notifier n;
  CHECK(n.under_systemd());
  CHECK(n.watchdog_interval() == 200000us);
  n.ready("streaming, 3 views");
  CHECK(sock.next() == "READY=1\nSTATUS=streaming, 3 views");
  n.watchdog();
  CHECK(sock.next() == "WATCHDOG=1");
  n.watchdog();  // within half the interval: no second ping
  CHECK(sock.next().empty());
  std::this_thread::sleep_for(110ms);
  n.watchdog();
  CHECK(sock.next() == "WATCHDOG=1");
  n.status("checkpoint\nwritten");
  CHECK(sock.next() == "STATUS=checkpoint written");
  n.stopping("draining");
  CHECK(sock.next() == "STOPPING=1\nSTATUS=draining");
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  Notifier outside;
  CHECK(!outside.under_systemd());
  outside.ready("nobody listens");  // a no-op, no crash
}

TEST_CASE("SIGHUP sets the reload flag once; SIGTERM stops; a second SIGTERM calls the hook") {
  block_signals();
  std::atomic<int> second{0};
  SignalWatcher w([&] { ++second; });
  auto wait_for = [](auto cond) {
    for (int i = 0; i < 500 && !cond(); ++i) std::this_thread::sleep_for(10ms);
    return cond();
  };
  ::kill(getpid(), SIGHUP);
  bool reloaded = false;
  CHECK(wait_for([&] { return reloaded = reloaded || w.take_reload(); }));
  CHECK(!w.take_reload());  // consumed
  CHECK(!w.stop_requested());
  ::kill(getpid(), SIGTERM);
  CHECK(wait_for([&] { return w.stop_requested(); }));
  CHECK(second.load() == 0);
  ::kill(getpid(), SIGINT);
  CHECK(wait_for([&] { return second.load() == 1; }));
  CHECK(w.last_signal() == SIGINT);
}

}  // namespace
}  // namespace rindle::daemon
