// sd_notify(3) for Type=notify units: READY, STATUS, WATCHDOG, STOPPING.
// Outside systemd (no $NOTIFY_SOCKET) every call is a cheap no-op.
//
// Thread rules: thread-safe (sd_notify is; the watchdog clock is atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace rindle::daemon {

class Notifier {
 public:
  Notifier();
  bool under_systemd() const { return under_systemd_; }
  void ready(const std::string& status);
  void status(const std::string& status);
  void stopping(const std::string& status);
  // Pings the watchdog if it is enabled and half its interval has passed
  // since the last ping; call it often from the thread whose liveness matters.
  void watchdog();
  // The watchdog interval systemd asked for (0: none).
  std::chrono::microseconds watchdog_interval() const { return watchdog_; }

 private:
  bool under_systemd_ = false;
  std::chrono::microseconds watchdog_{0};
  std::atomic<int64_t> last_ping_us_{0};
};

}  // namespace rindle::daemon
