#include "replication/pgoutput/wire.h"

#include "replication/pgoutput/byte_reader.h"

namespace rindle::replication::pgoutput {

using wire::ByteReader;
using wire::ByteWriter;

ivm::Result<ServerFrame> parse_server_frame(std::string_view bytes) {
  if (bytes.empty()) return ivm::Status(ivm::Code::kInvalid, "walsender: empty CopyData message");
  switch (bytes[0]) {
    case 'w': {
      ByteReader r(bytes, "walsender XLogData");
      r.u8();
      XLogData d;
      d.wal_start = r.u64();
      d.wal_end = r.u64();
      d.send_time = r.i64();
      d.payload = r.rest();
      RINDLE_RETURN_IF_ERROR(r.status());
      if (d.payload.empty()) return ivm::Status(ivm::Code::kInvalid, "walsender XLogData: no payload");
      return ServerFrame(d);
    }
    case 'k': {
      ByteReader r(bytes, "walsender keepalive");
      r.u8();
      Keepalive k;
      k.wal_end = r.u64();
      k.send_time = r.i64();
      uint8_t reply = r.u8();
      if (r.ok() && reply > 1) r.fail("reply flag " + std::to_string(reply));
      k.reply_requested = reply == 1;
      RINDLE_RETURN_IF_ERROR(r.status());
      return ServerFrame(k);
    }
    default:
      return ivm::Status(ivm::Code::kInvalid,
                         "walsender: unknown CopyData message type byte " +
                             std::to_string(static_cast<unsigned char>(bytes[0])));
  }
}

std::string encode_status_update(const StatusUpdate& s) {
  ByteWriter w;
  w.u8('r');
  w.u64(s.write);
  w.u64(s.flush);
  w.u64(s.apply);
  w.u64(static_cast<uint64_t>(s.client_time));
  w.u8(s.reply_requested ? 1 : 0);
  return w.take();
}

std::string encode_xlog_data(Lsn wal_start, Lsn wal_end, int64_t send_time, std::string_view payload) {
  ByteWriter w;
  w.u8('w');
  w.u64(wal_start);
  w.u64(wal_end);
  w.u64(static_cast<uint64_t>(send_time));
  w.bytes(payload);
  return w.take();
}

std::string encode_keepalive(const Keepalive& k) {
  ByteWriter w;
  w.u8('k');
  w.u64(k.wal_end);
  w.u64(static_cast<uint64_t>(k.send_time));
  w.u8(k.reply_requested ? 1 : 0);
  return w.take();
}

}  // namespace rindle::replication::pgoutput
