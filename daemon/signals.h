// Signals as flags. block_signals() must run in main() before any thread
// starts, so every thread inherits the mask; then one SignalWatcher thread
// takes SIGTERM, SIGINT and SIGHUP with sigwait() and sets flags the engine
// thread polls between transactions:
//   SIGTERM, SIGINT  -> stop requested (drain, flush, final ack, exit 0);
//                       a second one while draining exits at once (status 1)
//   SIGHUP           -> reload requested (the flag is consumed by take_reload())
//
// Thread rules: the flags are atomics; any thread may read them.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace rindle::daemon {

// Blocks SIGTERM, SIGINT, SIGHUP (and SIGPIPE, which is ignored) in the calling thread.
void block_signals();

class SignalWatcher {
 public:
  // on_second_stop runs on the watcher thread when a second stop signal arrives.
  explicit SignalWatcher(std::function<void()> on_second_stop);
  ~SignalWatcher();  // stops the watcher thread
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  const std::atomic<bool>& stop_flag() const { return stop_; }
  bool stop_requested() const { return stop_.load(); }
  // True once per SIGHUP received.
  bool take_reload() { return reload_.exchange(false); }
  int last_signal() const { return last_signal_.load(); }

 private:
  void run();
  std::function<void()> on_second_stop_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  std::atomic<bool> quit_{false};
  std::atomic<int> last_signal_{0};
  std::thread thread_;
};

}  // namespace rindle::daemon
