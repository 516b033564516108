// pgoutput logical-replication messages as typed values, and their decoder.
//
// This is the innermost layer of replication/: bytes in, typed messages out.
// It knows nothing about connections, threads or the engine. Every length,
// count and string terminator in the input is checked; malformed input
// returns a kInvalid Status naming the message and the byte offset, never
// crashes or over-allocates (a count is never trusted beyond the bytes left).
//
// Protocol: PostgreSQL's "Logical Replication Message Formats", protocol
// versions 1 and 2 (2 adds Stream Start/Stop/Commit/Abort and an xid before
// Relation, Type, Insert, Update, Delete, Truncate and transactional Message
// inside a stream block). Two-phase messages (version 3) are not requested by
// rindle and are reported as unexpected.
//
// Lifetimes: string_views in a decoded message point into the input bytes and
// live as long as they do.
//
// Thread rules: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ivm/status.h"

namespace rindle::replication {

// A position in the write-ahead log.
using Lsn = uint64_t;
// "16/B374D848", PostgreSQL's text form.
std::string format_lsn(Lsn lsn);
// Parses "16/B374D848"; false if malformed.
bool parse_lsn(std::string_view text, Lsn* out);

// PostgreSQL timestamps on the wire count microseconds since 2000-01-01 UTC.
constexpr int64_t kPgEpochUnixMicros = 946684800LL * 1000000LL;

}  // namespace rindle::replication

namespace rindle::replication::pgoutput {

// One column of a TupleData.
struct ColumnData {
  enum class Kind : char {
    kNull = 'n',
    kUnchanged = 'u',  // an unchanged TOASTed value: not sent, fill from the stored row
    kText = 't',       // data: the type's text output
    kBinary = 'b',     // data: the type's binary send format (option `binary`)
  };
  Kind kind = Kind::kNull;
  std::string_view data;  // kText, kBinary only
};

struct TupleData {
  std::vector<ColumnData> columns;
};

// 'B': a transaction starts. Its changes follow, then Commit.
struct Begin {
  Lsn final_lsn = 0;        // LSN of the commit record
  int64_t commit_time = 0;  // microseconds since 2000-01-01 UTC
  uint32_t xid = 0;
};

// 'C'
struct Commit {
  uint8_t flags = 0;
  Lsn commit_lsn = 0;  // LSN of the commit record (== Begin::final_lsn)
  Lsn end_lsn = 0;     // end of the commit record: the position to acknowledge
  int64_t commit_time = 0;
};

// 'O': the transaction came from another node through replication origin `name`.
struct Origin {
  Lsn commit_lsn = 0;  // on the origin server
  std::string_view name;
};

struct RelationColumn {
  bool key = false;  // part of the replica identity
  std::string_view name;
  uint32_t type_oid = 0;
  int32_t type_mod = -1;
};

// 'R': describes a table before its first change on a connection, and again
// after every change of its definition. The latest one wins.
struct Relation {
  uint32_t xid = 0;  // inside a stream block only, else 0
  uint32_t oid = 0;
  std::string_view nspname;  // "" means pg_catalog
  std::string_view relname;
  // 'd' default (primary key), 'n' nothing, 'f' full, 'i' index.
  char replica_identity = 'd';
  std::vector<RelationColumn> columns;
};

// 'Y': names a non-built-in type used by a later Relation.
struct TypeInfo {
  uint32_t xid = 0;
  uint32_t oid = 0;
  std::string_view nspname;
  std::string_view name;
};

// 'I'
struct Insert {
  uint32_t xid = 0;
  uint32_t relation = 0;
  TupleData new_tuple;
};

// 'U'. old_kind: 'K' (old replica-identity key, sent only when it changed),
// 'O' (whole old row, REPLICA IDENTITY FULL) or 0 (no old tuple).
struct Update {
  uint32_t xid = 0;
  uint32_t relation = 0;
  char old_kind = 0;
  TupleData old_tuple;
  TupleData new_tuple;
};

// 'D'. old_kind is 'K' or 'O'.
struct Delete {
  uint32_t xid = 0;
  uint32_t relation = 0;
  char old_kind = 'K';
  TupleData old_tuple;
};

// 'T'
struct Truncate {
  static constexpr uint8_t kCascade = 1;
  static constexpr uint8_t kRestartIdentity = 2;
  uint32_t xid = 0;
  uint8_t options = 0;
  std::vector<uint32_t> relations;
};

// 'M': pg_logical_emit_message(). Transactional messages belong to the
// enclosing transaction; the others arrive on their own, outside any.
struct LogicalMessage {
  uint32_t xid = 0;
  bool transactional = false;
  Lsn lsn = 0;
  std::string_view prefix;
  std::string_view content;
};

// 'S' (protocol 2): the following messages, up to Stream Stop, belong to the
// in-progress transaction `xid`.
struct StreamStart {
  uint32_t xid = 0;
  bool first_segment = false;
};

// 'E'
struct StreamStop {};

// 'c': the streamed transaction `xid` committed.
struct StreamCommit {
  uint32_t xid = 0;
  uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  int64_t commit_time = 0;
};

// 'A': the streamed (sub)transaction `subxid` of `xid` aborted; subxid == xid
// aborts the whole transaction.
struct StreamAbort {
  uint32_t xid = 0;
  uint32_t subxid = 0;
};

using Message = std::variant<Begin, Commit, Origin, Relation, TypeInfo, Insert, Update, Delete, Truncate,
                             LogicalMessage, StreamStart, StreamStop, StreamCommit, StreamAbort>;

// The message's name ("Insert", "Stream Commit", ...) for logs and errors.
const char* message_name(const Message& m);

// What the decoder must know about the position in the stream.
struct DecodeContext {
  // Inside a Stream Start ... Stream Stop block (protocol 2): changes carry an xid.
  bool in_stream = false;
};

// Decodes one pgoutput message (the payload of one XLogData).
// Returns kInvalid for truncated input, trailing bytes, unknown message types
// or field values the protocol does not allow.
ivm::Result<Message> decode_message(std::string_view bytes, const DecodeContext& ctx);

// Encoders for the same messages: the exact inverse of decode_message. Used by
// the unit tests and the fuzzer's seed corpus, never on the wire.
std::string encode_message(const Message& m, const DecodeContext& ctx);

}  // namespace rindle::replication::pgoutput
