#include "daemon/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace rindle::daemon {
namespace {

sigset_t watched() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGHUP);
  return s;
}

}  // namespace

void block_signals() {
  sigset_t s = watched();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed socket is an error return, not a death
}

SignalWatcher::SignalWatcher(std::function<void()> on_second_stop) : on_second_stop_(std::move(on_second_stop)) {
  thread_ = std::thread([this] { run(); });
}

SignalWatcher::~SignalWatcher() {
  quit_ = true;
  if (thread_.joinable()) thread_.join();
}

void SignalWatcher::run() {
  sigset_t s = watched();
  timespec tick{0, 200 * 1000 * 1000};
  while (!quit_) {
    int sig = sigtimedwait(&s, nullptr, &tick);
    if (sig < 0) continue;  // timeout or EINTR: look at quit_
    last_signal_ = sig;
    if (sig == SIGHUP) {
      reload_ = true;
    } else if (stop_.exchange(true)) {
      if (on_second_stop_) on_second_stop_();
    }
  }
}

}  // namespace rindle::daemon
