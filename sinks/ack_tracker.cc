#include "sinks/ack_tracker.h"

#include <algorithm>

namespace rindle::sinks {

AckTracker::AckTracker(Lsn start) : dispatched_(start), applied_(start), checkpoint_(start), last_ack_(start) {}

void AckTracker::add_sink(int id) {
  MutexLock l(mu_);
  sinks_[id];
}

void AckTracker::remove_sink(int id) {
  MutexLock l(mu_);
  sinks_.erase(id);
}

void AckTracker::submitted(int id, Lsn lsn) {
  MutexLock l(mu_);
  auto it = sinks_.find(id);
  if (it == sinks_.end()) return;
  if (!it->second.pending.empty() && it->second.pending.back() >= lsn) return;  // REQUIRES violated: ignore
  it->second.pending.push_back(lsn);
}

void AckTracker::durable(int id, Lsn lsn) {
  MutexLock l(mu_);
  auto it = sinks_.find(id);
  if (it == sinks_.end()) return;
  auto& p = it->second.pending;
  while (!p.empty() && p.front() <= lsn) p.pop_front();
}

void AckTracker::release(int id) {
  MutexLock l(mu_);
  auto it = sinks_.find(id);
  if (it != sinks_.end()) it->second.pending.clear();
}

void AckTracker::applied(Lsn lsn) {
  MutexLock l(mu_);
  applied_ = std::max(applied_, lsn);
}

void AckTracker::dispatched(Lsn lsn) {
  MutexLock l(mu_);
  dispatched_ = std::max(dispatched_, lsn);
}

void AckTracker::checkpointed(Lsn lsn) {
  MutexLock l(mu_);
  checkpoint_ = std::max(checkpoint_, lsn);
}

AckTracker::Lsn AckTracker::sink_bound_locked(int id) {
  auto it = sinks_.find(id);
  if (it == sinks_.end() || it->second.pending.empty()) return dispatched_;
  return std::min(dispatched_, it->second.pending.front() - 1);
}

AckTracker::Lsn AckTracker::sink_bound(int id) {
  MutexLock l(mu_);
  return sink_bound_locked(id);
}

AckTracker::Lsn AckTracker::ack_lsn() {
  MutexLock l(mu_);
  Lsn ack = applied_ > checkpoint_ ? std::min(checkpoint_, dispatched_) : dispatched_;
  for (const auto& [id, s] : sinks_) ack = std::min(ack, sink_bound_locked(id));
  last_ack_ = std::max(last_ack_, ack);
  return last_ack_;
}

}  // namespace rindle::sinks
