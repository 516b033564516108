// TxnAssembler on crafted message sequences: transactions, skipping of
// already-seen ones, protocol 2 streams with subtransaction aborts, and every
// protocol violation we know of.
#include <doctest/doctest.h>

#include "replication/pgoutput/assembler.h"
#include "replication/pgoutput/test_messages.h"

using namespace rindle;
using namespace rindle::replication;
using namespace rindle::replication::pgoutput;
using namespace rindle::replication::test;

namespace {

Relation orders(uint32_t xid = 0) {
  return relation(100, "public", "orders", 'd', {{"id", oid::kInt4, true}, {"note", oid::kText}, {"amount", oid::kNumeric}},
                  xid);
}

std::string err(const ivm::Status& s) { return s.ok() ? "ok" : s.message(); }

}  // namespace

TEST_CASE("a transaction becomes one RawTxn with converted values") {
  TxnAssembler a;
  Feeder f(&a);
  REQUIRE(f(orders()).ok());
  REQUIRE(f.txn(0x1000, 7,
                {Insert{0, 100, tup({t("1"), t("hello"), t("1.50")})},
                 Update{0, 100, 'K', tup({t("1"), n(), n()}), tup({t("2"), u(), t("2")})},
                 Delete{0, 100, 'K', tup({t("2"), n(), n()})}},
                5000)
              .ok());
  REQUIRE(a.has_ready());
  CHECK_FALSE(a.in_progress());
  RawTxn txn = a.take_ready();
  CHECK(txn.commit_lsn == 0x1000);
  CHECK(txn.end_lsn == 0x1010);
  CHECK(txn.commit_time == 5000);
  CHECK(txn.xid == 7);
  REQUIRE(txn.changes.size() == 3);
  const RawChange& ins = txn.changes[0];
  CHECK(ins.kind == RawChange::Kind::kInsert);
  CHECK(ins.relation->relname == "orders");
  CHECK(ivm::row_to_string(ins.new_tuple.values) == "(1, 'hello', 1.50)");
  const RawChange& upd = txn.changes[1];
  CHECK(upd.old_kind == 'K');
  CHECK(upd.new_tuple.unchanged == std::vector<bool>{false, true, false});
  CHECK(txn.changes[2].kind == RawChange::Kind::kDelete);
  CHECK(a.counters().transactions == 1);
  CHECK(a.counters().changes == 3);
  CHECK(a.watermark() == 0x1010);
  CHECK(txn.bytes > 0);
}

TEST_CASE("transactions at or below the watermark are skipped, never produced twice") {
  TxnAssembler a;
  Feeder f(&a);
  a.set_watermark(0x2010);
  REQUIRE(f(orders()).ok());
  REQUIRE(f.txn(0x1000, 1, {Insert{0, 100, tup({t("1"), n(), n()})}}).ok());  // before: skipped at Begin
  REQUIRE(f.txn(0x2000, 2, {Insert{0, 100, tup({t("2"), n(), n()})}}).ok());  // ends at the watermark
  CHECK_FALSE(a.has_ready());
  CHECK(a.counters().skipped == 2);
  REQUIRE(f.txn(0x3000, 3, {Insert{0, 100, tup({t("3"), n(), n()})}}).ok());
  REQUIRE(a.has_ready());
  CHECK(a.take_ready().xid == 3);
  // The same transaction again (a reconnect resends it): skipped.
  REQUIRE(f.txn(0x3000, 3, {Insert{0, 100, tup({t("3"), n(), n()})}}).ok());
  CHECK_FALSE(a.has_ready());
  CHECK(a.counters().skipped == 3);
  a.set_watermark(0x100);  // never goes back
  CHECK(a.watermark() == 0x3010);
}

TEST_CASE("protocol 2: streamed chunks are buffered until Stream Commit; aborts drop them") {
  TxnAssembler a;
  Feeder f(&a);
  // xid 700 streams in two chunks, with a subtransaction 705 that aborts.
  REQUIRE(f(StreamStart{700, true}).ok());
  REQUIRE(f(orders(700)).ok());
  REQUIRE(f(Insert{700, 100, tup({t("1"), n(), n()})}).ok());
  REQUIRE(f(Insert{705, 100, tup({t("2"), n(), n()})}).ok());
  REQUIRE(f(LogicalMessage{705, true, 0x50, "app", "in-sub"}).ok());
  REQUIRE(f(StreamStop{}).ok());
  CHECK(a.in_progress());
  // Another transaction streams and commits in between.
  REQUIRE(f(StreamStart{800, true}).ok());
  REQUIRE(f(Insert{800, 100, tup({t("10"), n(), n()})}).ok());
  REQUIRE(f(StreamStop{}).ok());
  REQUIRE(f(StreamAbort{700, 705}).ok());
  REQUIRE(f(StreamStart{700, false}).ok());
  REQUIRE(f(Insert{700, 100, tup({t("3"), n(), n()})}).ok());
  REQUIRE(f(LogicalMessage{700, true, 0x60, "app", "kept"}).ok());
  REQUIRE(f(StreamStop{}).ok());
  REQUIRE(f(StreamCommit{800, 0, 0x900, 0x910, 1}).ok());
  REQUIRE(f(StreamCommit{700, 0, 0xA00, 0xA10, 2}).ok());
  REQUIRE(a.has_ready());
  RawTxn first = a.take_ready();
  CHECK(first.xid == 800);
  CHECK(first.streamed);
  REQUIRE(a.has_ready());
  RawTxn second = a.take_ready();
  CHECK(second.xid == 700);
  CHECK(second.end_lsn == 0xA10);
  REQUIRE(second.changes.size() == 3);
  CHECK(ivm::row_to_string(second.changes[0].new_tuple.values) == "(1, NULL, NULL)");
  CHECK(ivm::row_to_string(second.changes[1].new_tuple.values) == "(3, NULL, NULL)");
  CHECK(second.changes[2].kind == RawChange::Kind::kMessage);
  CHECK(second.changes[2].message.content == "kept");
  CHECK_FALSE(a.in_progress());

  // A whole streamed transaction aborted: nothing comes out.
  REQUIRE(f(StreamStart{900, true}).ok());
  REQUIRE(f(Insert{900, 100, tup({t("4"), n(), n()})}).ok());
  REQUIRE(f(StreamStop{}).ok());
  REQUIRE(f(StreamAbort{900, 900}).ok());
  CHECK_FALSE(a.in_progress());
  CHECK_FALSE(a.has_ready());
  CHECK(a.counters().streamed_aborts == 2);
  // An abort of something never streamed is harmless.
  CHECK(f(StreamAbort{901, 902}).ok());
}

TEST_CASE("a streamed transaction ending at or below the watermark is dropped at its commit") {
  TxnAssembler a;
  Feeder f(&a);
  a.set_watermark(0x5000);
  REQUIRE(f(StreamStart{700, true}).ok());
  REQUIRE(f(orders(700)).ok());
  REQUIRE(f(Insert{700, 100, tup({t("1"), n(), n()})}).ok());
  REQUIRE(f(StreamStop{}).ok());
  REQUIRE(f(StreamCommit{700, 0, 0x4000, 0x4010, 1}).ok());
  CHECK_FALSE(a.has_ready());
  CHECK(a.counters().skipped == 1);
}

TEST_CASE("protocol violations are errors") {
  auto run = [](std::vector<Message> msgs) {
    TxnAssembler a;
    Feeder f(&a);
    for (const Message& m : msgs) {
      ivm::Status s = f(m);
      if (!s.ok()) return s.message();
    }
    return std::string("ok");
  };
  CHECK(run({orders(), Insert{0, 100, tup({t("1"), n(), n()})}}) == "pgoutput: Insert outside a transaction");
  CHECK(run({Begin{1, 0, 1}, Insert{0, 100, tup({t("1"), n(), n()})}}) ==
        "pgoutput: Insert of relation oid 100 before any Relation message describing it");
  CHECK(run({Commit{0, 1, 2, 0}}) == "pgoutput: Commit without Begin");
  CHECK(run({Begin{1, 0, 1}, Begin{1, 0, 1}}) == "pgoutput: Begin inside a transaction");
  CHECK(run({Begin{1, 0, 1}, Commit{0, 2, 3, 0}}) == "pgoutput: Commit LSN 0/2 differs from its Begin's 0/1");
  CHECK(run({orders(), Begin{1, 0, 1}, Insert{0, 100, tup({t("1"), n()})}}) ==
        "pgoutput: a tuple of public.orders has 2 column(s), its Relation message 3");
  CHECK(run({StreamStop{}}) == "pgoutput: Stream Stop outside a stream block");
  CHECK(run({StreamCommit{5, 0, 1, 2, 0}}) == "pgoutput: Stream Commit of xid 5 never streamed");
  CHECK(run({StreamStart{5, false}}) == "pgoutput: Stream Start of xid 5 continues a transaction never started");
  CHECK(run({StreamStart{5, true}, StreamStop{}, StreamStart{5, true}}) ==
        "pgoutput: Stream Start of xid 5 marked first, but it was already streamed");
  CHECK(run({StreamStart{5, true}, StreamStart{6, true}}).find("Stream Start inside") != std::string::npos);
  CHECK(run({Begin{1, 0, 1}, StreamStart{6, true}}).find("Stream Start inside") != std::string::npos);
  CHECK(run({StreamStart{0, true}}) == "pgoutput: Stream Start with invalid xid 0");
  CHECK(run({Origin{1, "x"}}) == "pgoutput: Origin outside a transaction");
  CHECK(run({LogicalMessage{0, true, 1, "p", "c"}}) == "pgoutput: transactional Message outside a transaction");
  CHECK(run({Truncate{0, 0, {100}}}) == "pgoutput: Truncate outside a transaction");
  // Bytes that do not decode.
  TxnAssembler a;
  CHECK(err(a.feed("Z")) == "pgoutput: unknown or unexpected message type 'Z'");
}

TEST_CASE("a value that does not convert marks its change, not the stream") {
  TxnAssembler a;
  Feeder f(&a);
  REQUIRE(f(orders()).ok());
  REQUIRE(f.txn(0x10, 1, {Insert{0, 100, tup({t("1"), n(), t("Infinity")})}}).ok());
  RawTxn txn = a.take_ready();
  REQUIRE(txn.changes.size() == 1);
  CHECK(txn.changes[0].error.message() ==
        "table public.orders, column \"amount\": numeric value Infinity cannot be held by the engine (exact numerics only)");
}

TEST_CASE("unknown types: carried as text, refused by policy, unreadable in binary mode") {
  Relation r = relation(200, "public", "tagged", 'd', {{"id", oid::kInt8, true}, {"tags", 1007}, {"mood", 16500}});
  {
    TxnAssembler a;
    Feeder f(&a);
    REQUIRE(f(TypeInfo{0, 16500, "public", "mood"}).ok());
    REQUIRE(f(r).ok());
    REQUIRE(f.txn(0x10, 1, {Insert{0, 200, tup({t("1"), t("{1,2}"), t("happy")})}}).ok());
    RawTxn txn = a.take_ready();
    CHECK(ivm::row_to_string(txn.changes[0].new_tuple.values) == "(1, '{1,2}', 'happy')");
    CHECK(txn.changes[0].relation->columns[2].type_name == "public.mood");
  }
  {
    TxnAssembler a(AssemblerOptions{UnknownTypePolicy::kError, false});
    Feeder f(&a);
    REQUIRE(f(TypeInfo{0, 16500, "public", "mood"}).ok());
    REQUIRE(f(r).ok());
    REQUIRE(f.txn(0x10, 1, {Insert{0, 200, tup({t("1"), t("{1,2}"), t("happy")})}}).ok());
    RawTxn txn = a.take_ready();
    const auto& cols = txn.changes[0].relation->columns;
    CHECK(cols[1].type_error.message().find("integer[] (oid 1007)") != std::string::npos);
    CHECK(cols[2].type_error.message().find("public.mood (oid 16500)") != std::string::npos);
    CHECK(txn.changes[0].new_tuple.values[1].is_null());  // unreadable columns stay NULL
  }
  {
    TxnAssembler a(AssemblerOptions{UnknownTypePolicy::kAsText, true});
    Feeder f(&a);
    REQUIRE(f(r).ok());
    REQUIRE(f.txn(0x10, 1, {Insert{0, 200, tup({ColumnData{ColumnData::Kind::kBinary, std::string_view("\0\0\0\0\0\0\0\1", 8)}, n(), n()})}}).ok());
    RawTxn txn = a.take_ready();
    CHECK(txn.changes[0].new_tuple.values[0].as_int64() == 1);
    CHECK(txn.changes[0].relation->columns[1].type_error.message().find("cannot be read in binary mode") !=
          std::string::npos);
  }
}

TEST_CASE("reset() drops half-received transactions and the relation cache, keeps ready ones") {
  TxnAssembler a;
  Feeder f(&a);
  REQUIRE(f(orders()).ok());
  REQUIRE(f.txn(0x10, 1, {Insert{0, 100, tup({t("1"), n(), n()})}}).ok());
  REQUIRE(f(Begin{0x20, 0, 2}).ok());
  CHECK(a.in_progress());
  a.reset();
  CHECK_FALSE(a.in_progress());
  CHECK(a.has_ready());
  // A fresh connection: the server sends Relation again before using it.
  Feeder g(&a);
  CHECK(err(g.txn(0x20, 2, {Insert{0, 100, tup({t("2"), n(), n()})}})).find("before any Relation") !=
        std::string::npos);
}

TEST_CASE("non-transactional messages come out on their own; origins are kept") {
  TxnAssembler a;
  Feeder f(&a);
  REQUIRE(f(LogicalMessage{0, false, 0x10, "rindle.heartbeat", "123"}).ok());
  REQUIRE(a.has_messages());
  LogicalMessageData m = a.take_message();
  CHECK(m.prefix == "rindle.heartbeat");
  CHECK(m.content == "123");
  CHECK(m.lsn == 0x10);
  REQUIRE(f(orders()).ok());
  REQUIRE(f.txn(0x20, 1, {Origin{0x99, "node_b"}, LogicalMessage{0, true, 0x21, "app", "x"}}).ok());
  RawTxn txn = a.take_ready();
  CHECK(txn.origin == "node_b");
  REQUIRE(txn.changes.size() == 1);
  CHECK(txn.changes[0].kind == RawChange::Kind::kMessage);
}
