// Stream: the I/O thread (connect, read, assemble, queue, status updates,
// reconnects) and the consumer's side (next, acknowledge). See stream.h.
#include "replication/stream.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "replication/pg_conn.h"
#include "replication/pgoutput/assembler.h"
#include "replication/pgoutput/wire.h"
#include "replication/setup.h"

namespace rindle::replication {

const char* stream_state_name(StreamState s) {
  switch (s) {
    case StreamState::kConnecting: return "connecting";
    case StreamState::kStreaming: return "streaming";
    case StreamState::kFailed: return "failed";
    case StreamState::kStopped: return "stopped";
  }
  return "?";
}

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

constexpr const char* kHeartbeatPrefix = "rindle.heartbeat";

bool is_final(Failure f) { return f != Failure::kConnection && f != Failure::kSlotBusy && f != Failure::kNone; }

}  // namespace

struct Stream::Impl {
  explicit Impl(StreamOptions opts)
      : o(std::move(opts)),
        clock(o.clock != nullptr ? o.clock : Clock::real()),
        shaper(o.tables, o.auto_tables),
        assembler(AssemblerOptions{o.unknown_types, o.binary}) {
    if (o.connector == nullptr) {
      owned_connector = make_pq_connector(o.conninfo);
      connector = owned_connector.get();
    } else {
      connector = o.connector;
    }
    assembler.set_watermark(o.resume_lsn);
  }

  StreamOptions o;
  Clock* clock;
  std::unique_ptr<WalConnector> owned_connector;
  WalConnector* connector = nullptr;
  BatchShaper shaper;  // consumer thread only
  std::thread io;

  mutable std::mutex mu;
  std::condition_variable consumer_cv;  // queue not empty, failed, stopped
  std::condition_variable io_cv;        // queue has room, stopping
  // --- guarded by mu ---
  std::deque<RawTxn> queue;
  size_t queued_bytes = 0;
  bool stopping = false;
  StreamMetrics m;                                   // positions and counters
  std::deque<std::pair<Lsn, int64_t>> unacked;       // delivered batches: (end LSN, commit time unix µs)
  int64_t last_acked_commit_us = 0;
  Lsn idle_lsn = 0;                                  // keepalive position confirmed while nothing was pending
  Lsn confirmed_at_connect = 0;
  bool io_in_progress = false;                       // the assembler holds a partial transaction
  bool connected_before = false;
  // --- I/O thread only ---
  TxnAssembler assembler;
  pq::Conn heartbeat_conn;

  void log(LogLevel level, const std::string& line) const {
    if (o.log) o.log(level, line);
  }

  // Everything up to this position may be confirmed to the server. mu held.
  Lsn flush_lsn_locked() const {
    return std::max({m.acknowledged_lsn, idle_lsn, confirmed_at_connect, o.resume_lsn});
  }
  bool pending_locked() const { return !queue.empty() || m.delivered_lsn > m.acknowledged_lsn || io_in_progress; }
  bool queue_full_locked() const {
    return !queue.empty() && (queue.size() >= o.max_queued_batches || queued_bytes >= o.max_queued_bytes);
  }

  void fail(Failure f, const std::string& message) {
    std::lock_guard<std::mutex> lock(mu);
    m.state = StreamState::kFailed;
    m.failure = f;
    m.failure_message = message;
    consumer_cv.notify_all();
  }

  // Waits up to d unless stop() is called; returns false if stopping.
  bool sleep_for(milliseconds d) {
    std::unique_lock<std::mutex> lock(mu);
    io_cv.wait_for(lock, d, [&] { return stopping; });
    return !stopping;
  }

  WalError send_status(WalConnection& conn, bool reply_requested) {
    pgoutput::StatusUpdate s;
    {
      std::lock_guard<std::mutex> lock(mu);
      s.write = s.flush = s.apply = flush_lsn_locked();
    }
    s.client_time = clock->unix_micros() - kPgEpochUnixMicros;
    s.reply_requested = reply_requested;
    WalError e = conn.write(pgoutput::encode_status_update(s), milliseconds(5000));
    if (e.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      m.flushed_lsn = std::max(m.flushed_lsn, s.flush);
      ++m.status_updates;
    }
    return e;
  }

  void heartbeat() {
    pq::Error e;
    if (!heartbeat_conn) {
      heartbeat_conn = pq::connect(o.conninfo, false, &e);
      if (!heartbeat_conn) {
        log(LogLevel::kWarn, "heartbeat: cannot connect: " + pq::describe(e));
        return;
      }
    }
    pq::Result r = pq::exec(heartbeat_conn.get(),
                            "SELECT pg_current_wal_lsn()::text, pg_logical_emit_message(false, $1, $2)",
                            {kHeartbeatPrefix, std::to_string(clock->unix_micros())}, PGRES_TUPLES_OK, &e);
    if (!r) {
      log(LogLevel::kWarn, "heartbeat failed: " + pq::describe(e));
      heartbeat_conn.reset();
      return;
    }
    Lsn lsn = 0;
    parse_lsn(pq::value(r.get(), 0, 0), &lsn);
    std::lock_guard<std::mutex> lock(mu);
    m.server_lsn = std::max(m.server_lsn, lsn);
    ++m.heartbeats_sent;
  }

  // Handles one CopyData message from the server.
  WalError on_frame(std::string_view data, bool* reply_now) {
    ivm::Result<pgoutput::ServerFrame> frame = pgoutput::parse_server_frame(data);
    if (!frame.ok()) return WalError{Failure::kProtocol, frame.status().message()};
    if (const auto* k = std::get_if<pgoutput::Keepalive>(&*frame)) {
      std::lock_guard<std::mutex> lock(mu);
      ++m.keepalives;
      m.server_lsn = std::max(m.server_lsn, k->wal_end);
      io_in_progress = assembler.in_progress();
      // Nothing received is waiting for the consumer: the server's position
      // can be confirmed, so a filtered or idle slot does not pin WAL.
      if (!pending_locked()) idle_lsn = std::max(idle_lsn, k->wal_end);
      if (k->reply_requested) *reply_now = true;
      return {};
    }
    const auto& x = std::get<pgoutput::XLogData>(*frame);
    ivm::Status s = assembler.feed(x.payload);
    if (!s.ok()) return WalError{Failure::kProtocol, s.message() + " (WAL position " + format_lsn(x.wal_start) + ")"};
    size_t heartbeats = 0, other_messages = 0;
    while (assembler.has_messages()) {
      LogicalMessageData msg = assembler.take_message();
      if (msg.prefix == kHeartbeatPrefix) {
        ++heartbeats;
      } else {
        ++other_messages;
      }
    }
    if (other_messages > 0) log(LogLevel::kDebug, "ignored non-transactional logical message(s)");
    std::lock_guard<std::mutex> lock(mu);
    ++m.messages_received;
    m.heartbeats_received += heartbeats;
    m.server_lsn = std::max(m.server_lsn, x.wal_end);
    while (assembler.has_ready()) {
      RawTxn t = assembler.take_ready();
      m.received_lsn = t.end_lsn;
      queued_bytes += t.bytes;
      queue.push_back(std::move(t));
      consumer_cv.notify_all();
    }
    m.skipped_transactions = assembler.counters().skipped;
    io_in_progress = assembler.in_progress();
    return {};
  }

  // One connection's life. Returns why it ended.
  WalError session(WalConnection& conn) {
    SteadyTime now = clock->now();
    SteadyTime next_status = now;  // report our position at once
    SteadyTime next_heartbeat = now;
    SteadyTime last_heard = now;
    std::optional<SteadyTime> asked_at;
    bool reply_now = false;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopping) break;
      }
      now = clock->now();
      if (now >= next_status || reply_now) {
        if (WalError e = send_status(conn, false); !e.ok()) return e;
        next_status = now + o.status_interval;
        reply_now = false;
      }
      if (o.heartbeat_interval.count() > 0 && now >= next_heartbeat) {
        heartbeat();
        next_heartbeat = clock->now() + o.heartbeat_interval;
      }
      if (now - last_heard > o.server_timeout) {
        if (!asked_at) {
          if (WalError e = send_status(conn, true); !e.ok()) return e;
          asked_at = now;
        } else if (now - *asked_at > o.server_timeout) {
          return WalError{Failure::kConnection, "the server did not answer for " +
                                                    std::to_string(2 * o.server_timeout.count() / 1000) + " s"};
        }
      }
      auto until_status = std::chrono::duration_cast<milliseconds>(next_status - now);
      milliseconds wait = std::clamp(until_status, milliseconds(0), milliseconds(100));
      {
        std::unique_lock<std::mutex> lock(mu);
        if (queue_full_locked()) {
          // Backpressure: leave the socket unread; keep the status updates going.
          m.reading_paused = true;
          io_cv.wait_for(lock, wait, [&] { return stopping || !queue_full_locked(); });
          last_heard = clock->now();  // silence is ours, not the server's
          continue;
        }
        m.reading_paused = false;
      }
      WalRead r = conn.read(wait);
      if (r.kind == WalRead::Kind::kTimeout) continue;
      if (r.kind == WalRead::Kind::kError) return r.error;
      last_heard = clock->now();
      asked_at.reset();
      {
        std::lock_guard<std::mutex> lock(mu);
        m.bytes_received += r.data.size();
      }
      if (WalError e = on_frame(r.data, &reply_now); !e.ok()) return e;
    }
    // stop(): a last status update with what the consumer made durable.
    (void)send_status(conn, false);
    return WalError{Failure::kStopped, "stopped"};
  }

  void run(WalConnector::Started first) {
    milliseconds backoff = o.reconnect_min;
    std::optional<SteadyTime> busy_since;
    bool have_first = true;
    for (;;) {
      WalConnector::Started started;
      if (have_first) {
        started = std::move(first);
        have_first = false;
      } else {
        StartRequest req = request();
        started = connector->start(req);
      }
      if (!started.error.ok()) {
        Failure f = started.error.failure;
        {
          std::lock_guard<std::mutex> lock(mu);
          m.state = StreamState::kConnecting;
          m.failure = f;
          m.failure_message = started.error.message;
        }
        if (f == Failure::kSlotBusy) {
          if (!busy_since) busy_since = clock->now();
          if (clock->now() - *busy_since >= o.slot_busy_timeout) {
            started.error.message += "; still busy after " + std::to_string(o.slot_busy_timeout.count() / 1000) + " s";
            log(LogLevel::kError, started.error.message);
            fail(f, started.error.message);
            return;
          }
        } else {
          busy_since.reset();
        }
        if (is_final(f)) {
          log(LogLevel::kError, started.error.message);
          fail(f, started.error.message);
          return;
        }
        log(LogLevel::kWarn, started.error.message + "; retrying in " + std::to_string(backoff.count()) + " ms");
        if (!sleep_for(backoff)) break;
        backoff = std::min(backoff * 2, o.reconnect_max);
        continue;
      }
      busy_since.reset();
      {
        std::lock_guard<std::mutex> lock(mu);
        if (connected_before) ++m.reconnects;
        connected_before = true;
        m.state = StreamState::kStreaming;
        m.failure = Failure::kNone;
        m.failure_message.clear();
        confirmed_at_connect = std::max(confirmed_at_connect, started.slot.confirmed_flush_lsn);
      }
      if (started.slot.wal_status == "unreserved") {
        log(LogLevel::kWarn, "replication slot \"" + o.slot +
                                 "\" is about to lose WAL it needs (wal_status = 'unreserved'); the consumer is too far behind");
      }
      log(LogLevel::kInfo, "streaming from slot \"" + o.slot + "\" at " + format_lsn(request().start_lsn));
      WalError e = session(*started.connection);
      started.connection.reset();
      assembler.reset();
      {
        std::lock_guard<std::mutex> lock(mu);
        io_in_progress = false;
      }
      if (e.failure == Failure::kStopped) break;
      if (is_final(e.failure)) {
        log(LogLevel::kError, e.message);
        fail(e.failure, e.message);
        return;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        m.state = StreamState::kConnecting;
        m.failure = e.failure;
        m.failure_message = e.message;
      }
      backoff = o.reconnect_min;
      log(LogLevel::kWarn, "replication connection lost (" + e.message + "); reconnecting in " +
                               std::to_string(backoff.count()) + " ms");
      if (!sleep_for(backoff)) break;
    }
    std::lock_guard<std::mutex> lock(mu);
    m.state = StreamState::kStopped;
    consumer_cv.notify_all();
  }

  StartRequest request() {
    StartRequest r;
    r.slot = o.slot;
    r.protocol_version = o.protocol_version;
    r.publications = o.publications;
    r.streaming = o.streaming;
    r.binary = o.binary;
    r.messages = true;
    std::lock_guard<std::mutex> lock(mu);
    r.start_lsn = flush_lsn_locked();
    return r;
  }
};

Stream::Stream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Stream::~Stream() { stop(); }

ivm::Result<std::unique_ptr<Stream>> Stream::start(StreamOptions options) {
  RINDLE_RETURN_IF_ERROR(check_slot_name(options.slot));
  if (options.publications.empty()) return ivm::Status(ivm::Code::kInvalid, "no publication named");
  if (options.protocol_version != 1 && options.protocol_version != 2) {
    return ivm::Status(ivm::Code::kInvalid, "protocol_version must be 1 or 2");
  }
  if (options.max_queued_batches == 0) options.max_queued_batches = 1;
  if (options.status_interval.count() <= 0) options.status_interval = milliseconds(1000);
  if (options.reconnect_min.count() <= 0) options.reconnect_min = milliseconds(1);
  if (options.reconnect_max < options.reconnect_min) options.reconnect_max = options.reconnect_min;
  for (const TableSpec& t : options.tables) {
    ivm::Status s = t.schema.validate();
    if (!s.ok()) return ivm::Status(ivm::Code::kInvalid, "table " + t.schema.name + ": " + s.message());
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->m.resume_lsn = impl->o.resume_lsn;
  impl->m.acknowledged_lsn = impl->o.resume_lsn;
  impl->m.delivered_lsn = impl->o.resume_lsn;
  // The first attempt here, so that a final reason is returned at once.
  WalConnector::Started first = impl->connector->start(impl->request());
  if (!first.error.ok() && is_final(first.error.failure)) {
    return ivm::Status(ivm::Code::kInternal, std::string(failure_name(first.error.failure)) + ": " + first.error.message);
  }
  Impl* raw = impl.get();
  raw->io = std::thread([raw, f = std::move(first)]() mutable { raw->run(std::move(f)); });
  return std::unique_ptr<Stream>(new Stream(std::move(impl)));
}

ivm::Result<std::optional<TxnBatch>> Stream::next(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  RawTxn raw;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.consumer_cv.wait_for(lock, timeout, [&] {
      return !s.queue.empty() || s.m.state == StreamState::kFailed || s.m.state == StreamState::kStopped;
    });
    if (s.queue.empty()) {
      if (s.m.state == StreamState::kFailed) {
        return ivm::Status(ivm::Code::kInternal,
                           std::string(failure_name(s.m.failure)) + ": " + s.m.failure_message);
      }
      if (s.m.state == StreamState::kStopped) return ivm::Status(ivm::Code::kInternal, "stopped: the stream was stopped");
      return std::optional<TxnBatch>();
    }
    raw = std::move(s.queue.front());
    s.queue.pop_front();
    s.queued_bytes -= std::min(s.queued_bytes, raw.bytes);
    s.m.delivered_lsn = raw.end_lsn;
    s.unacked.emplace_back(raw.end_lsn, raw.commit_time + kPgEpochUnixMicros);
    s.io_cv.notify_all();
  }
  TxnBatch b = s.shaper.shape(std::move(raw), s.o.hooks);
  for (const SchemaEvent& e : b.schema_events) s.log(e.error.ok() ? LogLevel::kWarn : LogLevel::kError, e.describe());
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.m.transactions;
  s.m.changes += b.batch.changes.size();
  return std::optional<TxnBatch>(std::move(b));
}

void Stream::acknowledge(Lsn lsn) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mu);
  lsn = std::min(lsn, std::max(s.m.delivered_lsn, s.o.resume_lsn));
  if (lsn <= s.m.acknowledged_lsn) return;
  s.m.acknowledged_lsn = lsn;
  while (!s.unacked.empty() && s.unacked.front().first <= lsn) {
    s.last_acked_commit_us = s.unacked.front().second;
    s.unacked.pop_front();
  }
}

void Stream::set_table(TableSpec spec) { impl_->shaper.set_table(std::move(spec)); }

bool Stream::table_stopped(std::string_view engine_name) const { return impl_->shaper.stopped(engine_name); }

StreamMetrics Stream::metrics() const {
  const Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mu);
  StreamMetrics m = s.m;
  m.queued_batches = s.queue.size();
  m.queued_bytes = s.queued_bytes;
  m.lag_bytes = m.server_lsn > m.flushed_lsn ? m.server_lsn - m.flushed_lsn : 0;
  if (s.pending_locked()) {
    int64_t since = s.last_acked_commit_us;
    if (since == 0 && !s.unacked.empty()) since = s.unacked.front().second;
    if (since == 0 && !s.queue.empty()) since = s.queue.front().commit_time + kPgEpochUnixMicros;
    if (since != 0) m.lag_seconds = std::max(0.0, static_cast<double>(s.clock->unix_micros() - since) / 1e6);
  }
  return m;
}

void Stream::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stopping = true;
    s.io_cv.notify_all();
  }
  if (s.io.joinable()) s.io.join();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.m.state != StreamState::kFailed) s.m.state = StreamState::kStopped;
  s.consumer_cv.notify_all();
}

}  // namespace rindle::replication
