// The pgoutput decoder and the walsender framing on crafted bytes: every
// message type round-trips; every truncation and the garbage we could think
// of returns an error naming the problem.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "replication/pgoutput/messages.h"
#include "replication/pgoutput/wire.h"

using namespace rindle::replication;
using namespace rindle::replication::pgoutput;

namespace {

TupleData tuple(std::vector<ColumnData> cols) { return TupleData{std::move(cols)}; }
ColumnData txt(std::string_view s) { return ColumnData{ColumnData::Kind::kText, s}; }
ColumnData bin(std::string_view s) { return ColumnData{ColumnData::Kind::kBinary, s}; }
ColumnData null() { return ColumnData{ColumnData::Kind::kNull, {}}; }
ColumnData unchanged() { return ColumnData{ColumnData::Kind::kUnchanged, {}}; }

bool same_tuple(const TupleData& a, const TupleData& b) {
  if (a.columns.size() != b.columns.size()) return false;
  for (size_t i = 0; i < a.columns.size(); ++i) {
    if (a.columns[i].kind != b.columns[i].kind || a.columns[i].data != b.columns[i].data) return false;
  }
  return true;
}

// One of every message, with the stream context it is valid in.
std::vector<std::pair<Message, bool>> every_message() {
  Relation rel;
  rel.oid = 16384;
  rel.nspname = "public";
  rel.relname = "orders";
  rel.replica_identity = 'd';
  rel.columns = {{true, "id", 23, -1}, {false, "note", 25, -1}, {false, "amount", 1700, 655366}};
  Relation srel = rel;
  srel.xid = 700;
  Update upd{0, 16384, 'K', tuple({txt("1"), null(), null()}), tuple({txt("2"), unchanged(), txt("1.50")})};
  Update upd_plain{0, 16384, 0, {}, tuple({txt("2"), bin(std::string("\0\1", 2)), null()})};
  Update upd_full{701, 16384, 'O', tuple({txt("1"), txt("a"), null()}), tuple({txt("1"), txt("b"), null()})};
  return {
      {Begin{0x16B374D848ULL, 700000000, 42}, false},
      {Commit{0, 0x16B374D848ULL, 0x16B374D878ULL, 700000000}, false},
      {Origin{0x1234, "node_a"}, false},
      {rel, false},
      {srel, true},
      {TypeInfo{0, 16500, "public", "mood"}, false},
      {TypeInfo{700, 16500, "public", "mood"}, true},
      {Insert{0, 16384, tuple({txt("1"), txt("hello"), null()})}, false},
      {Insert{701, 16384, tuple({txt("1"), txt(""), txt("0")})}, true},
      {upd, false},
      {upd_plain, false},
      {upd_full, true},
      {Delete{0, 16384, 'K', tuple({txt("1"), null(), null()})}, false},
      {Delete{700, 16384, 'O', tuple({txt("1"), txt("x"), txt("2")})}, true},
      {Truncate{0, Truncate::kCascade | Truncate::kRestartIdentity, {16384, 16390}}, false},
      {Truncate{700, 0, {16384}}, true},
      {LogicalMessage{0, false, 0x100, "rindle.heartbeat", "12345"}, false},
      {LogicalMessage{0, true, 0x200, "app", std::string_view("\0bin", 4)}, false},
      {LogicalMessage{700, true, 0x300, "app", ""}, true},
      {StreamStart{700, true}, false},
      {StreamStop{}, true},
      {StreamCommit{700, 0, 0x500, 0x530, 123}, false},
      {StreamAbort{700, 705}, false},
  };
}

bool same(const Message& a, const Message& b) {
  if (a.index() != b.index()) return false;
  if (auto* x = std::get_if<Begin>(&a)) {
    auto* y = std::get_if<Begin>(&b);
    return x->final_lsn == y->final_lsn && x->commit_time == y->commit_time && x->xid == y->xid;
  }
  if (auto* x = std::get_if<Commit>(&a)) {
    auto* y = std::get_if<Commit>(&b);
    return x->flags == y->flags && x->commit_lsn == y->commit_lsn && x->end_lsn == y->end_lsn &&
           x->commit_time == y->commit_time;
  }
  if (auto* x = std::get_if<Origin>(&a)) {
    auto* y = std::get_if<Origin>(&b);
    return x->commit_lsn == y->commit_lsn && x->name == y->name;
  }
  if (auto* x = std::get_if<Relation>(&a)) {
    auto* y = std::get_if<Relation>(&b);
    if (x->xid != y->xid || x->oid != y->oid || x->nspname != y->nspname || x->relname != y->relname ||
        x->replica_identity != y->replica_identity || x->columns.size() != y->columns.size()) {
      return false;
    }
    for (size_t i = 0; i < x->columns.size(); ++i) {
      const auto& c = x->columns[i];
      const auto& d = y->columns[i];
      if (c.key != d.key || c.name != d.name || c.type_oid != d.type_oid || c.type_mod != d.type_mod) return false;
    }
    return true;
  }
  if (auto* x = std::get_if<TypeInfo>(&a)) {
    auto* y = std::get_if<TypeInfo>(&b);
    return x->xid == y->xid && x->oid == y->oid && x->nspname == y->nspname && x->name == y->name;
  }
  if (auto* x = std::get_if<Insert>(&a)) {
    auto* y = std::get_if<Insert>(&b);
    return x->xid == y->xid && x->relation == y->relation && same_tuple(x->new_tuple, y->new_tuple);
  }
  if (auto* x = std::get_if<Update>(&a)) {
    auto* y = std::get_if<Update>(&b);
    return x->xid == y->xid && x->relation == y->relation && x->old_kind == y->old_kind &&
           same_tuple(x->old_tuple, y->old_tuple) && same_tuple(x->new_tuple, y->new_tuple);
  }
  if (auto* x = std::get_if<Delete>(&a)) {
    auto* y = std::get_if<Delete>(&b);
    return x->xid == y->xid && x->relation == y->relation && x->old_kind == y->old_kind &&
           same_tuple(x->old_tuple, y->old_tuple);
  }
  if (auto* x = std::get_if<Truncate>(&a)) {
    auto* y = std::get_if<Truncate>(&b);
    return x->xid == y->xid && x->options == y->options && x->relations == y->relations;
  }
  if (auto* x = std::get_if<LogicalMessage>(&a)) {
    auto* y = std::get_if<LogicalMessage>(&b);
    return x->xid == y->xid && x->transactional == y->transactional && x->lsn == y->lsn && x->prefix == y->prefix &&
           x->content == y->content;
  }
  if (auto* x = std::get_if<StreamStart>(&a)) {
    auto* y = std::get_if<StreamStart>(&b);
    return x->xid == y->xid && x->first_segment == y->first_segment;
  }
  if (std::holds_alternative<StreamStop>(a)) return true;
  if (auto* x = std::get_if<StreamCommit>(&a)) {
    auto* y = std::get_if<StreamCommit>(&b);
    return x->xid == y->xid && x->flags == y->flags && x->commit_lsn == y->commit_lsn && x->end_lsn == y->end_lsn &&
           x->commit_time == y->commit_time;
  }
  if (auto* x = std::get_if<StreamAbort>(&a)) {
    auto* y = std::get_if<StreamAbort>(&b);
    return x->xid == y->xid && x->subxid == y->subxid;
  }
  return false;
}

}  // namespace

TEST_CASE("LSNs print and parse as PostgreSQL writes them") {
  CHECK(format_lsn(0) == "0/0");
  CHECK(format_lsn(0x16B374D848ULL) == "16/B374D848");
  Lsn l = 0;
  CHECK(parse_lsn("16/B374D848", &l));
  CHECK(l == 0x16B374D848ULL);
  CHECK(parse_lsn("0/1", &l));
  CHECK(l == 1);
  for (const char* bad : {"", "/", "1/", "/1", "x/1", "1/1/1", "123456789/0", "1 /2"}) {
    CHECK_MESSAGE(!parse_lsn(bad, &l), bad);
  }
}

TEST_CASE("every pgoutput message type round-trips through encode and decode") {
  for (const auto& [msg, in_stream] : every_message()) {
    std::string bytes = encode_message(msg, DecodeContext{in_stream});
    auto decoded = decode_message(bytes, DecodeContext{in_stream});
    REQUIRE_MESSAGE(decoded.ok(), message_name(msg), ": ", decoded.status().to_string());
    CHECK_MESSAGE(same(*decoded, msg), message_name(msg));
  }
}

TEST_CASE("a decoded message matches PostgreSQL's byte layout") {
  // An Insert as pgoutput (protocol 1) sends it for (1, 'hi', NULL).
  std::string bytes("I\x00\x00\x40\x00N\x00\x03t\x00\x00\x00\x01" "1t\x00\x00\x00\x02hin", 22);
  auto m = decode_message(bytes, {});
  REQUIRE(m.ok());
  auto* ins = std::get_if<Insert>(&*m);
  REQUIRE(ins != nullptr);
  CHECK(ins->relation == 16384);
  REQUIRE(ins->new_tuple.columns.size() == 3);
  CHECK(ins->new_tuple.columns[0].data == "1");
  CHECK(ins->new_tuple.columns[1].data == "hi");
  CHECK(ins->new_tuple.columns[2].kind == ColumnData::Kind::kNull);
  // Inside a stream block the same change carries an xid first.
  auto streamed = decode_message(std::string("I\x00\x00\x02\xbc", 5) + bytes.substr(1), DecodeContext{true});
  REQUIRE(streamed.ok());
  CHECK(std::get<Insert>(*streamed).xid == 700);
}

TEST_CASE("every truncation of every message is an error, never a crash") {
  for (const auto& [msg, in_stream] : every_message()) {
    std::string bytes = encode_message(msg, DecodeContext{in_stream});
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto r = decode_message(std::string_view(bytes).substr(0, n), DecodeContext{in_stream});
      // StreamStop is a single byte: any prefix of it is empty.
      CHECK_MESSAGE(!r.ok(), message_name(msg), " truncated to ", n, " bytes decoded");
      if (!r.ok()) CHECK(r.status().code() == rindle::ivm::Code::kInvalid);
    }
    auto trailing = decode_message(bytes + "x", DecodeContext{in_stream});
    CHECK_MESSAGE(!trailing.ok(), message_name(msg), " with a trailing byte decoded");
  }
}

TEST_CASE("garbage is refused with a message naming the problem") {
  auto err = [](std::string_view bytes, bool in_stream = false) {
    auto r = decode_message(bytes, DecodeContext{in_stream});
    return r.ok() ? std::string("decoded") : r.status().message();
  };
  CHECK(err("") == "pgoutput: empty message");
  CHECK(err("Z") == "pgoutput: unknown or unexpected message type 'Z'");
  CHECK(err(std::string("\xff", 1)) == "pgoutput: unknown or unexpected message type 0xff");
  // Two-phase messages are never requested.
  CHECK(err("P").find("unknown or unexpected message type 'P'") != std::string::npos);
  // Unknown column kind.
  CHECK(err(std::string("I\0\0\0\1N\0\1x", 9)).find("unknown column kind") != std::string::npos);
  // Negative length of a value.
  CHECK(err(std::string("I\0\0\0\1N\0\1t\xff\xff\xff\xff", 13)).find("negative value length") != std::string::npos);
  // A value longer than the message.
  CHECK(err(std::string("I\0\0\0\1N\0\1t\0\0\0\x09" "abc", 16)).find("truncated") != std::string::npos);
  // A column count far beyond the bytes left: refused before allocating.
  CHECK(err(std::string("I\0\0\0\1N\x7f\xff", 8)).find("exceeds") != std::string::npos);
  CHECK(err(std::string("I\0\0\0\1N\xff\xff", 8)).find("negative column count") != std::string::npos);
  // Insert without 'N'.
  CHECK(err(std::string("I\0\0\0\1X\0\0", 8)).find("expected 'N'") != std::string::npos);
  // Update with a bad marker, Delete without 'K'/'O'.
  CHECK(err(std::string("U\0\0\0\1Q\0\0", 8)).find("expected 'K', 'O' or 'N'") != std::string::npos);
  CHECK(err(std::string("D\0\0\0\1N\0\0", 8)).find("expected 'K' or 'O'") != std::string::npos);
  // Relation: unknown replica identity, bad flags, unterminated strings, huge counts.
  CHECK(err(std::string("R\0\0\0\1public\0t\0x\0\0", 17)).find("unknown replica identity") != std::string::npos);
  CHECK(err(std::string("R\0\0\0\1public\0t\0d\0\1\2a\0\0\0\0\x17\xff\xff\xff\xff", 28)).find("unknown column flags") !=
        std::string::npos);
  CHECK(err(std::string("R\0\0\0\1public", 11)).find("unterminated string") != std::string::npos);
  CHECK(err(std::string("R\0\0\0\1public\0t\0d\x7f\xff", 18)).find("exceeds") != std::string::npos);
  // Truncate: relation count beyond the input, unknown options.
  CHECK(err(std::string("T\xff\xff\xff\xff\0", 6)).find("exceeds") != std::string::npos);
  CHECK(err(std::string("T\0\0\0\1\x08\0\0\0\1", 10)).find("unknown truncate options") != std::string::npos);
  // Commit whose end precedes its start.
  std::string c = encode_message(Commit{0, 100, 50, 0}, {});
  CHECK(err(c).find("end LSN before") != std::string::npos);
  // Message with a negative length, and with unknown flags.
  CHECK(err(std::string("M\0\0\0\0\0\0\0\0\1p\0\xff\xff\xff\xff", 17)).find("negative message length") != std::string::npos);
  CHECK(err(std::string("M\4\0\0\0\0\0\0\0\1p\0\0\0\0\0", 16)).find("unknown message flags") != std::string::npos);
  // Stream Start with a bad flag.
  CHECK(err(std::string("S\0\0\0\1\7", 6)).find("first-segment flag") != std::string::npos);
  // Errors say which message and where.
  CHECK(err(std::string("B\0\0", 3)) == "pgoutput Begin message: truncated: need 8 byte(s) for an int64, have 2 at byte 1");
}

TEST_CASE("walsender frames: XLogData, keepalive, status update") {
  std::string payload = encode_message(Begin{1, 2, 3}, {});
  std::string w = encode_xlog_data(0x10, 0x20, 99, payload);
  auto f = parse_server_frame(w);
  REQUIRE(f.ok());
  auto* x = std::get_if<XLogData>(&*f);
  REQUIRE(x != nullptr);
  CHECK(x->wal_start == 0x10);
  CHECK(x->wal_end == 0x20);
  CHECK(x->send_time == 99);
  CHECK(x->payload == payload);

  auto k = parse_server_frame(encode_keepalive(Keepalive{0x1234, 5, true}));
  REQUIRE(k.ok());
  CHECK(std::get<Keepalive>(*k).wal_end == 0x1234);
  CHECK(std::get<Keepalive>(*k).reply_requested);

  // 'r' + write, flush, apply, time (8 bytes each) + reply flag: 34 bytes.
  std::string r = encode_status_update(StatusUpdate{1, 2, 3, 4, false});
  REQUIRE(r.size() == 34);
  CHECK(r[0] == 'r');
  CHECK(r[8] == 1);
  CHECK(r[16] == 2);
  CHECK(r[24] == 3);
  CHECK(r[32] == 4);
  CHECK(r[33] == 0);

  for (size_t n = 0; n < w.size(); ++n) {
    // Anything shorter than the header plus one payload byte is refused.
    if (n < 26) CHECK(!parse_server_frame(w.substr(0, n)).ok());
  }
  std::string ka = encode_keepalive(Keepalive{1, 2, false});
  for (size_t n = 0; n < ka.size(); ++n) CHECK(!parse_server_frame(ka.substr(0, n)).ok());
  CHECK(!parse_server_frame(ka + "x").ok());
  CHECK(!parse_server_frame("q").ok());
  std::string bad_flag = ka;
  bad_flag.back() = 7;
  CHECK(!parse_server_frame(bad_flag).ok());
}
