// What /healthz reports: the daemon's phase, the source, every view and
// every sink, as one JSON document.
//
// Status code: 200 while the daemon is running and nothing is broken (a sink
// that is retrying or being rebuilt is "degraded" but still 200); 503 while
// starting, loading the snapshot or draining, and whenever the source has
// failed, a view has failed on a data error, or a sink is detached.
//
// The engine thread publishes a fresh HealthSnapshot a few times a second;
// the HTTP threads read the latest copy (HealthBoard). Nothing in it points
// into live daemon state.
//
// Thread rules: HealthBoard is thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/http_server.h"
#include "sinks/sink_runner.h"

namespace rindle::daemon {

enum class Phase : unsigned char { kStarting, kSnapshot, kRunning, kDraining, kStopped, kFailed };
const char* phase_name(Phase p);

struct SourceHealth {
  std::string state = "unknown";  // the source's own words: "streaming", "connecting", "failed", ...
  std::string error;
  bool failed = false;
  uint64_t lag_bytes = 0;
  double lag_seconds = 0;
};

struct ViewHealth {
  std::string name;
  std::string error;  // empty: healthy
  uint64_t rows = 0;
};

struct SinkHealthEntry {
  std::string view;
  std::string sink;   // "table public.top_orders"
  sinks::SinkHealth health;
};

struct HealthSnapshot {
  Phase phase = Phase::kStarting;
  std::string message;  // what the daemon is doing or why it failed
  SourceHealth source;
  std::vector<ViewHealth> views;
  std::vector<SinkHealthEntry> sinks;
  uint64_t engine_lsn = 0;
  uint64_t ack_lsn = 0;
  uint64_t checkpoint_lsn = 0;
};

// The JSON body and the status code (see above).
HttpResponse render_health(const HealthSnapshot& s);

class HealthBoard {
 public:
  void publish(HealthSnapshot s) {
    std::lock_guard<std::mutex> l(mu_);
    snapshot_ = std::move(s);
  }
  HealthSnapshot snapshot() const {
    std::lock_guard<std::mutex> l(mu_);
    return snapshot_;
  }
  // Updates only the phase and message (startup steps before the engine runs).
  void set_phase(Phase p, std::string message) {
    std::lock_guard<std::mutex> l(mu_);
    snapshot_.phase = p;
    snapshot_.message = std::move(message);
  }

 private:
  mutable std::mutex mu_;
  HealthSnapshot snapshot_;
};

}  // namespace rindle::daemon
