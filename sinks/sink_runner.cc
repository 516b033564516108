#include "sinks/sink_runner.h"

#include <algorithm>

namespace rindle::sinks {

using Clock = std::chrono::steady_clock;

const char* sink_status_name(SinkStatus s) {
  switch (s) {
    case SinkStatus::kOpening: return "opening";
    case SinkStatus::kReplacing: return "replacing";
    case SinkStatus::kHealthy: return "healthy";
    case SinkStatus::kRetrying: return "retrying";
    case SinkStatus::kDetached: return "detached";
    case SinkStatus::kStopped: return "stopped";
  }
  return "?";
}

SinkRunner::SinkRunner(std::unique_ptr<SinkWriter> writer, SinkRunnerOptions options, AckTracker* tracker, int id)
    : writer_(std::move(writer)), options_(std::move(options)), tracker_(tracker), id_(id) {
  describe_ = writer_->describe();
  if (tracker_) tracker_->add_sink(id_);
}

SinkRunner::~SinkRunner() {
  stop();
  if (tracker_) tracker_->remove_sink(id_);
}

void SinkRunner::start() {
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
}

void SinkRunner::stop() {
  {
    MutexLock l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  {
    MutexLock l(mu_);
    set_status(SinkStatus::kStopped, "stopped");
  }
  notify_events();
  writer_->close();
}

void SinkRunner::set_status(SinkStatus s, const std::string& why) {
  if (health_.status == s) return;
  events_.push_back(Event{health_.status, s, why});
  health_.status = s;
}

void SinkRunner::notify_events() {
  std::vector<Event> events;
  std::vector<std::string> errors;
  {
    MutexLock l(mu_);
    events.swap(events_);
    errors.swap(errors_);
  }
  if (options_.on_error) {
    for (const std::string& e : errors) options_.on_error(e, true);
  }
  if (options_.on_status) {
    for (const Event& e : events) options_.on_status(e.from, e.to, e.why);
  }
}

void SinkRunner::drop_queue_locked() {
  queue_.clear();
  queued_bytes_ = 0;
  if (tracker_) tracker_->release(id_);
  cv_.notify_all();
}

void SinkRunner::want_replace_locked(const std::string& why) {
  drop_queue_locked();
  replace_wanted_ = true;
  replace_pending_ = false;
  set_status(SinkStatus::kReplacing, why);
}

bool SinkRunner::refused_locked() const {
  return stopping_ || replace_wanted_ || health_.status == SinkStatus::kDetached;
}

bool SinkRunner::settled_locked() const {
  return (queue_.empty() && !in_flight_) || replace_wanted_ || stopping_ || health_.status == SinkStatus::kDetached;
}

bool SinkRunner::submit(std::shared_ptr<const ViewTxn> txn, const std::function<bool()>& keep_waiting) {
  MutexLock l(mu_);
  while (!refused_locked() && !queue_.empty() &&
         (queue_.size() >= options_.queue_transactions || queued_bytes_ + txn->bytes > options_.queue_bytes)) {
    if (!l.wait_until(cv_, Clock::now() + std::chrono::milliseconds(100)) && keep_waiting) {
      // Call the hook without the lock: it may publish health, which reads this runner.
      l.unlock();
      bool go_on = keep_waiting();
      l.lock();
      if (!go_on) return false;
    }
  }
  if (refused_locked()) return false;
  last_submitted_ = txn->lsn;
  queued_bytes_ += txn->bytes;
  if (tracker_) tracker_->submitted(id_, txn->lsn);
  Item it;
  it.bytes = txn->bytes;
  it.lsn = txn->lsn;
  it.queued_at = Clock::now();
  it.txn = std::move(txn);
  queue_.push_back(std::move(it));
  cv_.notify_all();
  return true;
}

bool SinkRunner::wants_replace() const {
  MutexLock l(mu_);
  return replace_wanted_ && !stopping_;
}

void SinkRunner::submit_replace(Lsn lsn, std::vector<ivm::Row> rows) {
  MutexLock l(mu_);
  if (stopping_) return;
  Item it;
  it.replace = true;
  it.lsn = lsn;
  it.bytes = approx_bytes(rows);
  it.rows = std::move(rows);
  queued_bytes_ += it.bytes;
  last_submitted_ = std::max(last_submitted_, lsn);
  queue_.push_back(std::move(it));
  replace_wanted_ = false;
  replace_pending_ = true;
  cv_.notify_all();
}

bool SinkRunner::flush(Clock::time_point deadline) {
  MutexLock l(mu_);
  ++flushing_;
  cv_.notify_all();
  while (!settled_locked()) {
    if (!l.wait_until(cv_, deadline) && !settled_locked()) {
      --flushing_;
      return false;
    }
  }
  --flushing_;
  return queue_.empty() && !in_flight_;
}

Lsn SinkRunner::durable_lsn() const {
  MutexLock l(mu_);
  return health_.durable_lsn;
}

SinkHealth SinkRunner::health() const {
  MutexLock l(mu_);
  SinkHealth h = health_;
  h.queued_transactions = queue_.size();
  h.queued_bytes = queued_bytes_;
  h.failing_seconds = failing_ ? std::chrono::duration<double>(Clock::now() - failing_since_).count() : 0;
  return h;
}

void SinkRunner::record_failure_locked(const ivm::Status& s) {
  ++health_.errors;
  health_.last_error = s.message();
  errors_.push_back(s.message());
  Clock::time_point now = Clock::now();
  if (!failing_) {
    failing_ = true;
    failing_since_ = now;
  }
  if (health_.status == SinkStatus::kDetached) return;
  if (options_.on_failure == FailurePolicy::kDetach && now - failing_since_ >= options_.failure_timeout) {
    drop_queue_locked();
    replace_wanted_ = false;
    replace_pending_ = false;
    set_status(SinkStatus::kDetached, "failing for longer than failure_timeout: " + s.message());
    return;
  }
  set_status(SinkStatus::kRetrying, s.message());
}

bool SinkRunner::wait_backoff(std::chrono::milliseconds d) {
  MutexLock l(mu_);
  Clock::time_point until = Clock::now() + d;
  while (!stopping_) {
    if (!l.wait_until(cv_, until)) break;
  }
  return !stopping_;
}

bool SinkRunner::attempt_open() {
  ivm::Result<SinkState> st = writer_->open();
  MutexLock l(mu_);
  if (!st.ok()) {
    record_failure_locked(st.status());
    return false;
  }
  opened_ = true;
  health_.durable_lsn = st->durable_lsn;
  if (tracker_) tracker_->durable(id_, st->durable_lsn);
  bool was_detached = health_.status == SinkStatus::kDetached;
  failing_ = false;
  health_.last_error.clear();
  if (replace_pending_ || replace_wanted_) {
    set_status(SinkStatus::kReplacing, "reconnected; the contents are being replaced");
  } else if (st->needs_replace) {
    want_replace_locked(st->reason);
  } else if (st->durable_lsn < options_.continue_from) {
    want_replace_locked("durable only up to " + lsn_to_text(st->durable_lsn) + ", before the engine's checkpoint " +
                        lsn_to_text(options_.continue_from));
  } else if (was_detached) {
    want_replace_locked("reconnected after being detached");
  } else {
    set_status(SinkStatus::kHealthy, "open at " + lsn_to_text(st->durable_lsn));
  }
  return true;
}

bool SinkRunner::attempt_write() {
  // Take work: a replacement alone, or a run of transactions. Only this
  // thread removes items, so pointers into the queue stay valid meanwhile.
  const Item* replace = nullptr;
  std::vector<const ViewTxn*> txns;
  size_t changes = 0;
  {
    MutexLock l(mu_);
    // A replacement supersedes everything queued before it.
    for (size_t i = queue_.size(); i-- > 0;) {
      if (queue_[i].replace) {
        for (size_t j = 0; j < i; ++j) queued_bytes_ -= queue_[j].bytes;
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    while (!queue_.empty() && !queue_.front().replace && queue_.front().lsn <= health_.durable_lsn) {
      ++health_.skipped;
      queued_bytes_ -= queue_.front().bytes;
      queue_.pop_front();
    }
    if (tracker_) tracker_->durable(id_, health_.durable_lsn);
    if (queue_.empty()) {
      cv_.notify_all();
      return true;
    }
    if (queue_.front().replace) {
      replace = &queue_.front();
    } else {
      for (size_t i = 0; i < queue_.size() && txns.size() < options_.max_batch_transactions && !queue_[i].replace; ++i) {
        txns.push_back(queue_[i].txn.get());
        changes += queue_[i].txn->changes.size();
      }
    }
    in_flight_ = true;
  }
  Clock::time_point t0 = Clock::now();
  ivm::Status s = replace ? writer_->replace(replace->lsn, replace->rows)
                          : writer_->write(std::span<const ViewTxn* const>(txns.data(), txns.size()));
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  SinkWriteEvent ev;
  bool ok = s.ok();
  {
    MutexLock l(mu_);
    in_flight_ = false;
    if (ok) {
      size_t n = replace ? 1 : txns.size();
      ev.replace = replace != nullptr;
      ev.lsn = replace ? replace->lsn : txns.back()->lsn;
      ev.rows = replace ? replace->rows.size() : 0;
      ev.transactions = replace ? 0 : txns.size();
      ev.changes = changes;
      ev.seconds = seconds;
      ev.newest_commit_ts = replace ? 0 : txns.back()->commit_ts;
      for (size_t i = 0; i < n; ++i) {
        queued_bytes_ -= queue_.front().bytes;
        queue_.pop_front();
      }
      health_.durable_lsn = ev.lsn;
      if (replace) {
        ++health_.replaces;
        replace_pending_ = false;
      } else {
        health_.transactions += txns.size();
        health_.changes += changes;
      }
      failing_ = false;
      health_.last_error.clear();
      set_status(SinkStatus::kHealthy, replace ? "contents replaced at " + lsn_to_text(ev.lsn) : "write succeeded");
      if (tracker_) tracker_->durable(id_, ev.lsn);
    } else {
      opened_ = false;
      record_failure_locked(s);
      if (s.code() == ivm::Code::kConstraint && health_.status != SinkStatus::kDetached) {
        // The target no longer matches what rindle wrote: rebuild it.
        want_replace_locked("the target changed outside rindle: " + s.message());
      }
    }
    cv_.notify_all();
  }
  if (!ok) writer_->close();
  if (ok && options_.on_write) options_.on_write(ev);
  return ok;
}

void SinkRunner::run() {
  std::chrono::milliseconds backoff = options_.retry_initial_backoff;
  auto failed = [&] {
    notify_events();
    {
      MutexLock l(mu_);
      ++health_.retries;
    }
    bool go_on = wait_backoff(backoff);
    backoff = std::min(backoff * 2, options_.retry_max_backoff);
    return go_on;
  };
  for (;;) {
    bool opened;
    {
      MutexLock l(mu_);
      if (stopping_) break;
      opened = opened_;
    }
    if (!opened) {
      if (!attempt_open()) {
        if (!failed()) break;
        continue;
      }
      notify_events();
      backoff = options_.retry_initial_backoff;
    }
    {
      MutexLock l(mu_);
      while (!stopping_ && (queue_.empty() || health_.status == SinkStatus::kDetached) && opened_) l.wait(cv_);
      if (stopping_) break;
      if (!opened_) continue;
      // Batching by time: wait for more transactions, up to the linger.
      if (options_.batch_linger.count() > 0) {
        while (!stopping_ && flushing_ == 0 && !queue_.empty() && !queue_.front().replace &&
               queue_.size() < options_.max_batch_transactions &&
               Clock::now() < queue_.front().queued_at + options_.batch_linger) {
          (void)l.wait_until(cv_, queue_.front().queued_at + options_.batch_linger);
        }
        if (stopping_) break;
        if (queue_.empty()) continue;
      }
    }
    if (!attempt_write()) {
      if (!failed()) break;
      continue;
    }
    notify_events();
    backoff = options_.retry_initial_backoff;
  }
  notify_events();
}

}  // namespace rindle::sinks
