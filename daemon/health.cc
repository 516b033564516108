#include "daemon/health.h"

#include <nlohmann/json.hpp>

namespace rindle::daemon {

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::kStarting: return "starting";
    case Phase::kSnapshot: return "snapshot";
    case Phase::kRunning: return "running";
    case Phase::kDraining: return "draining";
    case Phase::kStopped: return "stopped";
    case Phase::kFailed: return "failed";
  }
  return "?";
}

HttpResponse render_health(const HealthSnapshot& s) {
  using nlohmann::json;
  bool broken = s.phase != Phase::kRunning || s.source.failed;
  bool degraded = false;
  json views = json::array();
  for (const ViewHealth& v : s.views) {
    broken |= !v.error.empty();
    views.push_back({{"name", v.name}, {"status", v.error.empty() ? "ok" : "failed"}, {"rows", v.rows}});
    if (!v.error.empty()) views.back()["error"] = v.error;
  }
  json sinks = json::array();
  for (const SinkHealthEntry& e : s.sinks) {
    const sinks::SinkHealth& h = e.health;
    broken |= h.status == sinks::SinkStatus::kDetached;
    degraded |= h.status != sinks::SinkStatus::kHealthy;
    json j = {{"view", e.view},
              {"sink", e.sink},
              {"status", sinks::sink_status_name(h.status)},
              {"durable_lsn", sinks::lsn_to_text(h.durable_lsn)},
              {"queued_transactions", h.queued_transactions},
              {"queued_bytes", h.queued_bytes},
              {"errors", h.errors},
              {"retries", h.retries},
              {"replaces", h.replaces}};
    if (!h.last_error.empty()) j["last_error"] = h.last_error;
    if (h.failing_seconds > 0) j["failing_seconds"] = h.failing_seconds;
    sinks.push_back(std::move(j));
  }
  json source = {{"state", s.source.state}, {"lag_bytes", s.source.lag_bytes}, {"lag_seconds", s.source.lag_seconds}};
  if (!s.source.error.empty()) source["error"] = s.source.error;
  json body = {{"status", broken ? "failing" : degraded ? "degraded" : "ok"},
               {"phase", phase_name(s.phase)},
               {"engine_lsn", sinks::lsn_to_text(s.engine_lsn)},
               {"ack_lsn", sinks::lsn_to_text(s.ack_lsn)},
               {"checkpoint_lsn", sinks::lsn_to_text(s.checkpoint_lsn)},
               {"source", source},
               {"views", views},
               {"sinks", sinks}};
  if (!s.message.empty()) body["message"] = s.message;
  return HttpResponse{broken ? 503 : 200, "application/json", body.dump(2) + "\n"};
}

}  // namespace rindle::daemon
