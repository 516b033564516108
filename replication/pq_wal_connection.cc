// The libpq walsender connection and the system clocks (see wal_connection.h).
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "replication/pg_conn.h"
#include "replication/wal_connection.h"

namespace rindle::replication {

const char* failure_name(Failure f) {
  switch (f) {
    case Failure::kNone: return "none";
    case Failure::kConnection: return "connection";
    case Failure::kSlotMissing: return "slot missing";
    case Failure::kSlotBusy: return "slot busy";
    case Failure::kSlotLost: return "slot lost";
    case Failure::kPublicationMissing: return "publication missing";
    case Failure::kConfig: return "configuration";
    case Failure::kProtocol: return "protocol";
    case Failure::kStopped: return "stopped";
  }
  return "?";
}

namespace {

using SteadyClock = std::chrono::steady_clock;

class RealClock : public Clock {
 public:
  SteadyClock::time_point now() override { return SteadyClock::now(); }
  int64_t unix_micros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

WalError wal_error(const pq::Error& e, const std::string& what) {
  return WalError{pq::classify(e), what + ": " + pq::describe(e)};
}

// Waits for the socket; returns >0 if ready, 0 on timeout, <0 on error.
int wait_socket(PGconn* conn, short events, int timeout_ms) {
  pollfd p{PQsocket(conn), events, 0};
  if (p.fd < 0) return -1;
  return ::poll(&p, 1, std::max(0, timeout_ms));
}

class PqWalConnection : public WalConnection {
 public:
  explicit PqWalConnection(pq::Conn conn) : conn_(std::move(conn)) {}
  ~PqWalConnection() override {
    if (buf_ != nullptr) PQfreemem(buf_);
  }

  WalRead read(std::chrono::milliseconds timeout) override {
    if (buf_ != nullptr) {
      PQfreemem(buf_);
      buf_ = nullptr;
    }
    auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      int n = PQgetCopyData(conn_.get(), &buf_, 1);
      if (n > 0) return WalRead{WalRead::Kind::kData, std::string_view(buf_, static_cast<size_t>(n)), {}};
      if (n == -1) {  // the server ended the copy: its result says why
        pq::Result r(PQgetResult(conn_.get()));
        pq::Error e = pq::error_of(conn_.get(), r.get());
        if (r && PQresultStatus(r.get()) == PGRES_COMMAND_OK) e = pq::Error{"", "the server ended replication"};
        return WalRead{WalRead::Kind::kError, {}, wal_error(e, "replication stream ended")};
      }
      if (n < -1) return WalRead{WalRead::Kind::kError, {}, wal_error(pq::error_of(conn_.get(), nullptr), "reading the stream")};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
      int ready = wait_socket(conn_.get(), POLLIN, static_cast<int>(std::max<int64_t>(0, left)));
      if (ready < 0) return WalRead{WalRead::Kind::kError, {}, WalError{Failure::kConnection, "poll() failed on the stream socket"}};
      if (ready == 0) return WalRead{WalRead::Kind::kTimeout, {}, {}};
      if (PQconsumeInput(conn_.get()) == 0) {
        return WalRead{WalRead::Kind::kError, {}, wal_error(pq::error_of(conn_.get(), nullptr), "reading the stream")};
      }
    }
  }

  WalError write(std::string_view bytes, std::chrono::milliseconds timeout) override {
    auto deadline = SteadyClock::now() + timeout;
    auto left_ms = [&] {
      return static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count()));
    };
    for (;;) {
      int r = PQputCopyData(conn_.get(), bytes.data(), static_cast<int>(bytes.size()));
      if (r == 1) break;
      if (r < 0) return wal_error(pq::error_of(conn_.get(), nullptr), "sending a status update");
      if (wait_socket(conn_.get(), POLLOUT, left_ms()) <= 0) {
        return WalError{Failure::kConnection, "sending a status update: the socket stayed full"};
      }
    }
    for (;;) {
      int r = PQflush(conn_.get());
      if (r == 0) return {};
      if (r < 0) return wal_error(pq::error_of(conn_.get(), nullptr), "sending a status update");
      if (left_ms() == 0) return WalError{Failure::kConnection, "sending a status update: timed out"};
      // Wait until writable; read meanwhile if the server sends (libpq buffers it).
      int ready = wait_socket(conn_.get(), POLLOUT | POLLIN, left_ms());
      if (ready < 0) return WalError{Failure::kConnection, "poll() failed on the stream socket"};
      if (ready > 0 && PQconsumeInput(conn_.get()) == 0) {
        return wal_error(pq::error_of(conn_.get(), nullptr), "sending a status update");
      }
    }
  }

 private:
  pq::Conn conn_;
  char* buf_ = nullptr;
};

std::string publication_list(const std::vector<std::string>& pubs) {
  std::string list;
  for (size_t i = 0; i < pubs.size(); ++i) list += (i ? "," : "") + pq::quote_ident(pubs[i]);
  return pq::quote_literal(list);
}

class PqConnector : public WalConnector {
 public:
  explicit PqConnector(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  Started start(const StartRequest& req) override {
    Started out;
    pq::Error e;
    pq::Conn c = pq::connect(conninfo_, true, &e);
    if (!c) {
      out.error = wal_error(e, "connecting");
      return out;
    }
    // The slot, as the server sees it right now.
    pq::Result r = pq::exec_simple(c.get(),
                                   "SELECT coalesce(plugin, ''), coalesce(database, ''), temporary, "
                                   "coalesce(restart_lsn::text, ''), coalesce(confirmed_flush_lsn::text, ''), "
                                   "coalesce(wal_status, ''), coalesce(active_pid, 0), current_database(), slot_type "
                                   "FROM pg_replication_slots WHERE slot_name = " + pq::quote_literal(req.slot),
                                   PGRES_TUPLES_OK, &e);
    if (!r) {
      out.error = wal_error(e, "reading slot \"" + req.slot + "\"");
      return out;
    }
    if (PQntuples(r.get()) == 0) {
      out.error = WalError{Failure::kSlotMissing, "replication slot \"" + req.slot + "\" does not exist"};
      return out;
    }
    SlotState& s = out.slot;
    s.exists = true;
    s.plugin = pq::value(r.get(), 0, 0);
    s.database = pq::value(r.get(), 0, 1);
    s.temporary = std::string(pq::value(r.get(), 0, 2)) == "t";
    parse_lsn(pq::value(r.get(), 0, 3), &s.restart_lsn);
    parse_lsn(pq::value(r.get(), 0, 4), &s.confirmed_flush_lsn);
    s.wal_status = pq::value(r.get(), 0, 5);
    s.active_pid = std::atoi(pq::value(r.get(), 0, 6));
    std::string db = pq::value(r.get(), 0, 7);
    if (std::string(pq::value(r.get(), 0, 8)) != "logical" || s.plugin != "pgoutput") {
      out.error = WalError{Failure::kConfig, "replication slot \"" + req.slot + "\" is not a logical pgoutput slot (plugin \"" +
                                                 s.plugin + "\")"};
      return out;
    }
    if (s.database != db) {
      out.error = WalError{Failure::kConfig, "replication slot \"" + req.slot + "\" belongs to database \"" + s.database +
                                                 "\", not \"" + db + "\""};
      return out;
    }
    if (s.wal_status == "lost") {
      out.error = WalError{Failure::kSlotLost,
                           "replication slot \"" + req.slot +
                               "\" is lost (wal_status = 'lost'): the server removed WAL it still needed "
                               "(max_slot_wal_keep_size). The consumer's state can no longer be brought up to date from "
                               "it: drop the slot and start again with a fresh initial load"};
      return out;
    }
    if (s.active_pid != 0) {
      out.error = WalError{Failure::kSlotBusy, "replication slot \"" + req.slot + "\" is in use by process " +
                                                   std::to_string(s.active_pid) +
                                                   " (another consumer, or a connection the server has not yet noticed is gone)"};
      return out;
    }
    std::string cmd = "START_REPLICATION SLOT " + pq::quote_ident(req.slot) + " LOGICAL " + format_lsn(req.start_lsn) +
                      " (proto_version '" + std::to_string(req.protocol_version) +
                      "', publication_names " + publication_list(req.publications);
    if (req.messages) cmd += ", messages 'true'";
    if (req.binary) cmd += ", binary 'true'";
    if (req.streaming && req.protocol_version >= 2) cmd += ", streaming 'true'";
    cmd += ")";
    pq::Result started(PQexec(c.get(), cmd.c_str()));
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_BOTH) {
      out.error = wal_error(pq::error_of(c.get(), started.get()), "starting replication from slot \"" + req.slot + "\"");
      if (out.error.failure == Failure::kSlotLost) {
        out.error.message += ". The consumer's state can no longer be brought up to date from this slot: drop it and "
                             "start again with a fresh initial load";
      }
      return out;
    }
    if (PQsetnonblocking(c.get(), 1) != 0) {
      out.error = WalError{Failure::kConnection, "could not make the stream socket non-blocking"};
      return out;
    }
    out.connection = std::make_unique<PqWalConnection>(std::move(c));
    return out;
  }

 private:
  std::string conninfo_;
};

}  // namespace

Clock* Clock::real() {
  static RealClock clock;
  return &clock;
}

std::unique_ptr<WalConnector> make_pq_connector(const std::string& conninfo) {
  return std::make_unique<PqConnector>(conninfo);
}

}  // namespace rindle::replication
