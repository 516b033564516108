#include "daemon/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace rindle::daemon {
namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

}  // namespace

Notifier::Notifier() {
  under_systemd_ = std::getenv("NOTIFY_SOCKET") != nullptr;
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_ = std::chrono::microseconds(usec);
}

void Notifier::ready(const std::string& status) {
  if (under_systemd_) sd_notify(0, ("READY=1\nSTATUS=" + one_line(status)).c_str());
}

void Notifier::status(const std::string& status) {
  if (under_systemd_) sd_notify(0, ("STATUS=" + one_line(status)).c_str());
}

void Notifier::stopping(const std::string& status) {
  if (under_systemd_) sd_notify(0, ("STOPPING=1\nSTATUS=" + one_line(status)).c_str());
}

void Notifier::watchdog() {
  if (watchdog_.count() == 0) return;
  int64_t now = now_us();
  int64_t last = last_ping_us_.load();
  if (now - last < watchdog_.count() / 2) return;
  if (last_ping_us_.compare_exchange_strong(last, now)) sd_notify(0, "WATCHDOG=1");
}

}  // namespace rindle::daemon
