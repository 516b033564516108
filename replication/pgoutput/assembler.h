// TxnAssembler: a stream of pgoutput messages -> complete transactions.
//
// Feeds on the payloads of XLogData frames, in the order the server sent them,
// and produces one RawTxn per committed transaction, in commit order. It keeps
// the relation cache (Relation and Type messages), converts every column value
// to an ivm::Value as it arrives (so the consumer thread only shapes rows), and
// with protocol 2 buffers the chunks of streamed in-progress transactions until
// their Stream Commit (Stream Abort drops a transaction or, for a
// subtransaction, everything from its first change on, as PostgreSQL's own
// apply worker does).
//
// Already-seen transactions: a transaction whose end LSN is <= the watermark
// (set_watermark: the consumer's durable position and everything already
// queued) is dropped and counted in skipped(); it is never produced twice.
//
// Errors: feed() returns kInvalid for malformed bytes or a message the
// protocol does not allow at that point (a change outside a transaction, a
// change of an unknown relation, Commit without Begin, ...). The stream is
// then unusable; the caller reconnects or fails.
//
// Thread rules: one thread (the I/O thread). Not copyable.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "ivm/status.h"
#include "replication/pgoutput/batch.h"
#include "replication/pgoutput/messages.h"

namespace rindle::replication {

struct AssemblerOptions {
  UnknownTypePolicy unknown_types = UnknownTypePolicy::kAsText;
  // The stream was started with `binary`: columns of types without a binary
  // decoder are marked unreadable (RelationInfo::Column::type_error).
  bool binary = false;
};

// Counters, cumulative over the assembler's life.
struct AssemblerCounters {
  uint64_t messages = 0;
  uint64_t transactions = 0;        // committed transactions produced
  uint64_t skipped = 0;             // committed transactions dropped as already seen
  uint64_t streamed_aborts = 0;     // streamed (sub)transactions aborted
  uint64_t changes = 0;             // row changes produced
};

class TxnAssembler {
 public:
  explicit TxnAssembler(AssemblerOptions options = {});
  TxnAssembler(const TxnAssembler&) = delete;
  TxnAssembler& operator=(const TxnAssembler&) = delete;

  // Feeds one pgoutput message. See the class comment for errors.
  ivm::Status feed(std::string_view payload);

  // Transactions are dropped if their end LSN <= watermark. Only grows.
  void set_watermark(Lsn lsn);
  Lsn watermark() const { return watermark_; }

  // Committed transactions not yet taken, oldest first.
  bool has_ready() const { return !ready_.empty(); }
  RawTxn take_ready();

  // Non-transactional logical messages, oldest first (heartbeats among them).
  bool has_messages() const { return !loose_messages_.empty(); }
  LogicalMessageData take_message();

  // A transaction is open or a streamed transaction is buffered: something
  // received is not yet a ready RawTxn.
  bool in_progress() const { return open_.has_value() || !streams_.empty(); }

  // The connection was lost: drops open and streamed transactions and the
  // relation cache (the server sends everything again on the next connection).
  // Ready transactions and the watermark stay.
  void reset();

  const AssemblerCounters& counters() const { return counters_; }

 private:
  struct Open {
    Open() {}  // user-provided: clang cannot default-construct it inside the enclosing class otherwise
    RawTxn txn;
    bool skip = false;                 // already seen: parse but do not keep
    std::vector<uint32_t> change_xid;  // streamed only: the (sub)xid of each change
  };
  // The transaction a change or transactional message belongs to, or null
  // (with *error set) if none is open.
  Open* target(const char* what, ivm::Status* error);
  // Converts a tuple; a value that does not convert sets change->error.
  ivm::Status convert(const RelationInfo& rel, const pgoutput::TupleData& tuple, RawTuple* out, RawChange* change);
  ivm::Result<std::shared_ptr<const RelationInfo>> relation(uint32_t oid, const char* what) const;
  void add(Open& open, RawChange&& change, uint32_t xid);
  void finish(Open&& open, Lsn commit_lsn, Lsn end_lsn, int64_t commit_time);
  ivm::Status on_message(pgoutput::Message& m);

  AssemblerOptions options_;
  Lsn watermark_ = 0;
  bool in_stream_ = false;
  uint32_t stream_xid_ = 0;
  std::optional<Open> open_;               // between Begin and Commit
  std::map<uint32_t, Open> streams_;       // streamed transactions by top-level xid
  std::unordered_map<uint32_t, std::shared_ptr<const RelationInfo>> relations_;
  std::unordered_map<uint32_t, std::string> type_names_;
  std::deque<RawTxn> ready_;
  std::deque<LogicalMessageData> loose_messages_;
  AssemblerCounters counters_;
};

}  // namespace rindle::replication
