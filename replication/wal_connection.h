// The seams between the stream logic and the outside world: the walsender
// connection and the clock. The real implementations use libpq and the system
// clocks; fault tests wrap them to drop connections, lose writes or stall.
//
// Thread rules: a WalConnection is used by one thread (the stream's I/O
// thread). Clock::real() is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "replication/pgoutput/messages.h"

namespace rindle::replication {

// Why the stream cannot go on. kConnection is transient (retried with backoff);
// kSlotBusy is retried until StreamOptions::slot_busy_timeout; the others are
// final.
enum class Failure : unsigned char {
  kNone = 0,
  kConnection,          // network, server restart, server shutting down
  kSlotMissing,         // the slot does not exist
  kSlotBusy,            // another process streams from the slot (active_pid)
  kSlotLost,            // the slot was invalidated (wal_status = 'lost'): WAL it needed is gone
  kPublicationMissing,  // a publication named in the options does not exist
  kConfig,              // wrong plugin, wrong database, permission, bad option
  kProtocol,            // the server sent bytes rindle cannot decode
  kStopped,             // stop() was called
};
const char* failure_name(Failure f);

struct WalError {
  Failure failure = Failure::kNone;
  std::string message;
  bool ok() const { return failure == Failure::kNone; }
};

// A logical slot as pg_replication_slots shows it.
struct SlotState {
  bool exists = false;
  std::string plugin;
  std::string database;
  bool temporary = false;
  Lsn restart_lsn = 0;
  Lsn confirmed_flush_lsn = 0;
  std::string wal_status;  // reserved, extended, unreserved, lost ("" if unknown)
  int active_pid = 0;      // 0: nobody streams from it
};

// What START_REPLICATION asks for.
struct StartRequest {
  std::string slot;
  Lsn start_lsn = 0;
  int protocol_version = 2;
  std::vector<std::string> publications;
  bool streaming = true;  // protocol 2 only
  bool binary = false;
  bool messages = true;   // logical messages (heartbeats)
};

// One CopyData read.
struct WalRead {
  enum class Kind : unsigned char { kData, kTimeout, kError };
  Kind kind = Kind::kTimeout;
  std::string_view data;  // kData: valid until the next read() or destruction
  WalError error;         // kError
};

// A walsender connection in copy-both mode (after START_REPLICATION).
class WalConnection {
 public:
  virtual ~WalConnection() = default;
  // Waits up to `timeout` for one CopyData message (0: only what is already
  // received). The server ending the stream or the connection breaking is a
  // kError with failure kConnection (or a sharper kind when the server said why).
  virtual WalRead read(std::chrono::milliseconds timeout) = 0;
  // Sends one CopyData message, waiting up to `timeout` for the socket.
  virtual WalError write(std::string_view bytes, std::chrono::milliseconds timeout) = 0;
};

// Opens walsender connections.
class WalConnector {
 public:
  virtual ~WalConnector() = default;
  struct Started {
    std::unique_ptr<WalConnection> connection;  // null on error
    SlotState slot;                             // as seen just before START_REPLICATION
    WalError error;
  };
  // Connects, checks the slot (exists, pgoutput, this database, not lost, not
  // active elsewhere) and starts streaming at request.start_lsn.
  virtual Started start(const StartRequest& request) = 0;
};

// The libpq walsender connector for `conninfo` (an ordinary libpq conninfo of
// the source database; replication=database and rindle's session settings are
// added).
std::unique_ptr<WalConnector> make_pq_connector(const std::string& conninfo);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
  virtual int64_t unix_micros() = 0;  // wall clock, microseconds since the Unix epoch
  // The system clocks (a process-wide instance).
  static Clock* real();
};

}  // namespace rindle::replication
