// Builders of crafted pgoutput messages for the unit tests of the assembler
// and the shaper (test-only header).
#pragma once

#include <string>
#include <vector>

#include "replication/pgoutput/assembler.h"
#include "replication/pgoutput/messages.h"
#include "replication/pgoutput/values.h"

namespace rindle::replication::test {

using pgoutput::ColumnData;
using pgoutput::TupleData;

inline ColumnData t(std::string_view s) { return ColumnData{ColumnData::Kind::kText, s}; }
inline ColumnData n() { return ColumnData{ColumnData::Kind::kNull, {}}; }
inline ColumnData u() { return ColumnData{ColumnData::Kind::kUnchanged, {}}; }
inline TupleData tup(std::vector<ColumnData> c) { return TupleData{std::move(c)}; }

struct Col {
  const char* name;
  uint32_t type;
  bool key = false;
};

inline pgoutput::Relation relation(uint32_t oid, const char* nsp, const char* name, char ident, std::vector<Col> cols,
                                   uint32_t xid = 0) {
  pgoutput::Relation r;
  r.xid = xid;
  r.oid = oid;
  r.nspname = nsp;
  r.relname = name;
  r.replica_identity = ident;
  for (const Col& c : cols) r.columns.push_back({c.key, c.name, c.type, -1});
  return r;
}

// Feeds crafted messages to an assembler, tracking the stream-block state.
class Feeder {
 public:
  explicit Feeder(TxnAssembler* a) : a_(a) {}
  ivm::Status operator()(const pgoutput::Message& m) {
    std::string bytes = pgoutput::encode_message(m, pgoutput::DecodeContext{in_stream_});
    if (std::holds_alternative<pgoutput::StreamStart>(m)) in_stream_ = true;
    if (std::holds_alternative<pgoutput::StreamStop>(m)) in_stream_ = false;
    return a_->feed(bytes);
  }
  // Begin ... Commit around `body`, with commit LSN `lsn` and end LSN lsn+0x10.
  ivm::Status txn(Lsn lsn, uint32_t xid, const std::vector<pgoutput::Message>& body, int64_t time = 1000) {
    RINDLE_RETURN_IF_ERROR((*this)(pgoutput::Begin{lsn, time, xid}));
    for (const auto& m : body) RINDLE_RETURN_IF_ERROR((*this)(m));
    return (*this)(pgoutput::Commit{0, lsn, lsn + 0x10, time});
  }

 private:
  TxnAssembler* a_;
  bool in_stream_ = false;
};

}  // namespace rindle::replication::test
