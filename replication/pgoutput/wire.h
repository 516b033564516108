// The walsender's CopyBoth framing around pgoutput messages.
//
// After START_REPLICATION the server sends CopyData messages that are either
// XLogData ('w', wrapping one pgoutput message) or a primary keepalive ('k');
// the client sends standby status updates ('r'). This file parses the first
// two and builds the third. Pure functions, every length checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "ivm/status.h"
#include "replication/pgoutput/messages.h"

namespace rindle::replication::pgoutput {

// 'w'
struct XLogData {
  Lsn wal_start = 0;
  Lsn wal_end = 0;
  int64_t send_time = 0;     // microseconds since 2000-01-01 UTC
  std::string_view payload;  // one pgoutput message; points into the input
};

// 'k'
struct Keepalive {
  Lsn wal_end = 0;  // the server has sent (decoded) everything before this position
  int64_t send_time = 0;
  bool reply_requested = false;
};

using ServerFrame = std::variant<XLogData, Keepalive>;

// Parses one CopyData message from the walsender. kInvalid if malformed.
ivm::Result<ServerFrame> parse_server_frame(std::string_view bytes);

// 'r': the client's position. write/flush/apply are what the client has
// received/made durable/applied; for a logical slot `flush` becomes the slot's
// confirmed_flush_lsn.
struct StatusUpdate {
  Lsn write = 0;
  Lsn flush = 0;
  Lsn apply = 0;
  int64_t client_time = 0;  // microseconds since 2000-01-01 UTC
  bool reply_requested = false;
};

std::string encode_status_update(const StatusUpdate& s);

// Builders of server frames, for tests, the fuzzer's corpus and fault injection.
std::string encode_xlog_data(Lsn wal_start, Lsn wal_end, int64_t send_time, std::string_view payload);
std::string encode_keepalive(const Keepalive& k);

}  // namespace rindle::replication::pgoutput
