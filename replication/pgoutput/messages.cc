#include "replication/pgoutput/messages.h"

#include <cinttypes>
#include <cstdio>

#include "replication/pgoutput/byte_reader.h"

namespace rindle::replication {

std::string format_lsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRIX32 "/%" PRIX32, static_cast<uint32_t>(lsn >> 32),
                static_cast<uint32_t>(lsn));
  return buf;
}

bool parse_lsn(std::string_view text, Lsn* out) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size()) return false;
  auto hex = [](std::string_view s, uint64_t* v) {
    if (s.empty() || s.size() > 8) return false;
    *v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      *v = *v * 16 + static_cast<uint64_t>(d);
    }
    return true;
  };
  uint64_t hi = 0, lo = 0;
  if (!hex(text.substr(0, slash), &hi) || !hex(text.substr(slash + 1), &lo)) return false;
  *out = (hi << 32) | lo;
  return true;
}

}  // namespace rindle::replication

namespace rindle::replication::pgoutput {

using wire::ByteReader;
using wire::ByteWriter;

namespace {

struct NameVisitor {
  const char* operator()(const Begin&) const { return "Begin"; }
  const char* operator()(const Commit&) const { return "Commit"; }
  const char* operator()(const Origin&) const { return "Origin"; }
  const char* operator()(const Relation&) const { return "Relation"; }
  const char* operator()(const TypeInfo&) const { return "Type"; }
  const char* operator()(const Insert&) const { return "Insert"; }
  const char* operator()(const Update&) const { return "Update"; }
  const char* operator()(const Delete&) const { return "Delete"; }
  const char* operator()(const Truncate&) const { return "Truncate"; }
  const char* operator()(const LogicalMessage&) const { return "Message"; }
  const char* operator()(const StreamStart&) const { return "Stream Start"; }
  const char* operator()(const StreamStop&) const { return "Stream Stop"; }
  const char* operator()(const StreamCommit&) const { return "Stream Commit"; }
  const char* operator()(const StreamAbort&) const { return "Stream Abort"; }
};

void read_tuple(ByteReader& r, TupleData* t) {
  int16_t n = r.i16();
  if (!r.ok()) return;
  if (n < 0) return r.fail("negative column count " + std::to_string(n));
  // Each column takes at least one byte: never trust a count beyond the input.
  if (static_cast<size_t>(n) > r.remaining()) {
    return r.fail("column count " + std::to_string(n) + " exceeds the " + std::to_string(r.remaining()) +
                  " byte(s) left");
  }
  t->columns.resize(static_cast<size_t>(n));
  for (ColumnData& c : t->columns) {
    uint8_t kind = r.u8();
    if (!r.ok()) return;
    switch (kind) {
      case 'n': c.kind = ColumnData::Kind::kNull; break;
      case 'u': c.kind = ColumnData::Kind::kUnchanged; break;
      case 't':
      case 'b': {
        c.kind = kind == 't' ? ColumnData::Kind::kText : ColumnData::Kind::kBinary;
        int32_t len = r.i32();
        if (!r.ok()) return;
        if (len < 0) return r.fail("negative value length " + std::to_string(len));
        c.data = r.bytes(static_cast<size_t>(len));
        break;
      }
      default: return r.fail("unknown column kind byte " + std::to_string(kind));
    }
  }
}

void write_tuple(ByteWriter& w, const TupleData& t) {
  w.u16(static_cast<uint16_t>(t.columns.size()));
  for (const ColumnData& c : t.columns) {
    w.u8(static_cast<uint8_t>(c.kind));
    if (c.kind == ColumnData::Kind::kText || c.kind == ColumnData::Kind::kBinary) {
      w.u32(static_cast<uint32_t>(c.data.size()));
      w.bytes(c.data);
    }
  }
}

// The xid that precedes change messages inside a stream block.
uint32_t stream_xid(ByteReader& r, const DecodeContext& ctx) { return ctx.in_stream ? r.u32() : 0; }

}  // namespace

const char* message_name(const Message& m) { return std::visit(NameVisitor{}, m); }

ivm::Result<Message> decode_message(std::string_view bytes, const DecodeContext& ctx) {
  if (bytes.empty()) return ivm::Status(ivm::Code::kInvalid, "pgoutput: empty message");
  char type = bytes[0];
  ByteReader r(bytes, "pgoutput message");
  r.u8();  // the type byte: offsets in errors count from it
  Message out;
  switch (type) {
    case 'B': {
      Begin m;
      m.final_lsn = r.u64();
      m.commit_time = r.i64();
      m.xid = r.u32();
      out = m;
      break;
    }
    case 'C': {
      Commit m;
      m.flags = r.u8();
      m.commit_lsn = r.u64();
      m.end_lsn = r.u64();
      m.commit_time = r.i64();
      if (r.ok() && m.end_lsn < m.commit_lsn) r.fail("commit end LSN before its commit LSN");
      out = m;
      break;
    }
    case 'O': {
      Origin m;
      m.commit_lsn = r.u64();
      m.name = r.cstring();
      out = m;
      break;
    }
    case 'R': {
      Relation m;
      m.xid = stream_xid(r, ctx);
      m.oid = r.u32();
      m.nspname = r.cstring();
      m.relname = r.cstring();
      uint8_t ident = r.u8();
      if (r.ok() && ident != 'd' && ident != 'n' && ident != 'f' && ident != 'i') {
        r.fail("unknown replica identity '" + std::string(1, static_cast<char>(ident)) + "'");
      }
      m.replica_identity = static_cast<char>(ident);
      int16_t n = r.i16();
      if (r.ok() && n < 0) r.fail("negative column count " + std::to_string(n));
      // A column takes at least 10 bytes (flags, name NUL, type oid, typmod).
      if (r.ok() && static_cast<size_t>(n) * 10 > r.remaining()) {
        r.fail("column count " + std::to_string(n) + " exceeds the " + std::to_string(r.remaining()) + " byte(s) left");
      }
      if (r.ok()) m.columns.resize(static_cast<size_t>(n));
      for (RelationColumn& c : m.columns) {
        uint8_t flags = r.u8();
        if (r.ok() && (flags & ~1u) != 0) r.fail("unknown column flags " + std::to_string(flags));
        c.key = (flags & 1u) != 0;
        c.name = r.cstring();
        c.type_oid = r.u32();
        c.type_mod = r.i32();
        if (!r.ok()) break;
      }
      out = std::move(m);
      break;
    }
    case 'Y': {
      TypeInfo m;
      m.xid = stream_xid(r, ctx);
      m.oid = r.u32();
      m.nspname = r.cstring();
      m.name = r.cstring();
      out = m;
      break;
    }
    case 'I': {
      Insert m;
      m.xid = stream_xid(r, ctx);
      m.relation = r.u32();
      uint8_t n = r.u8();
      if (r.ok() && n != 'N') r.fail("expected 'N' before the new tuple, got byte " + std::to_string(n));
      read_tuple(r, &m.new_tuple);
      out = std::move(m);
      break;
    }
    case 'U': {
      Update m;
      m.xid = stream_xid(r, ctx);
      m.relation = r.u32();
      uint8_t k = r.u8();
      if (r.ok() && (k == 'K' || k == 'O')) {
        m.old_kind = static_cast<char>(k);
        read_tuple(r, &m.old_tuple);
        k = r.u8();
      }
      if (r.ok() && k != 'N') r.fail("expected 'K', 'O' or 'N' in Update, got byte " + std::to_string(k));
      read_tuple(r, &m.new_tuple);
      out = std::move(m);
      break;
    }
    case 'D': {
      Delete m;
      m.xid = stream_xid(r, ctx);
      m.relation = r.u32();
      uint8_t k = r.u8();
      if (r.ok() && k != 'K' && k != 'O') r.fail("expected 'K' or 'O' in Delete, got byte " + std::to_string(k));
      m.old_kind = static_cast<char>(k);
      read_tuple(r, &m.old_tuple);
      out = std::move(m);
      break;
    }
    case 'T': {
      Truncate m;
      m.xid = stream_xid(r, ctx);
      uint32_t n = r.u32();
      m.options = r.u8();
      if (r.ok() && (m.options & ~3u) != 0) r.fail("unknown truncate options " + std::to_string(m.options));
      if (r.ok() && static_cast<uint64_t>(n) * 4 > r.remaining()) {
        r.fail("relation count " + std::to_string(n) + " exceeds the " + std::to_string(r.remaining()) + " byte(s) left");
      }
      if (r.ok()) m.relations.resize(n);
      for (uint32_t& oid : m.relations) oid = r.u32();
      out = std::move(m);
      break;
    }
    case 'M': {
      LogicalMessage m;
      m.xid = stream_xid(r, ctx);
      uint8_t flags = r.u8();
      if (r.ok() && (flags & ~1u) != 0) r.fail("unknown message flags " + std::to_string(flags));
      m.transactional = (flags & 1u) != 0;
      m.lsn = r.u64();
      m.prefix = r.cstring();
      int32_t len = r.i32();
      if (r.ok() && len < 0) r.fail("negative message length " + std::to_string(len));
      m.content = r.bytes(r.ok() ? static_cast<size_t>(len) : 0);
      out = m;
      break;
    }
    case 'S': {
      StreamStart m;
      m.xid = r.u32();
      uint8_t first = r.u8();
      if (r.ok() && first > 1) r.fail("first-segment flag " + std::to_string(first));
      m.first_segment = first == 1;
      out = m;
      break;
    }
    case 'E':
      out = StreamStop{};
      break;
    case 'c': {
      StreamCommit m;
      m.xid = r.u32();
      m.flags = r.u8();
      m.commit_lsn = r.u64();
      m.end_lsn = r.u64();
      m.commit_time = r.i64();
      if (r.ok() && m.end_lsn < m.commit_lsn) r.fail("commit end LSN before its commit LSN");
      out = m;
      break;
    }
    case 'A': {
      StreamAbort m;
      m.xid = r.u32();
      m.subxid = r.u32();
      out = m;
      break;
    }
    default: {
      char buf[64];
      unsigned char u = static_cast<unsigned char>(type);
      if (u >= 0x20 && u < 0x7f) {
        std::snprintf(buf, sizeof buf, "'%c'", type);
      } else {
        std::snprintf(buf, sizeof buf, "0x%02x", u);
      }
      return ivm::Status(ivm::Code::kInvalid, std::string("pgoutput: unknown or unexpected message type ") + buf);
    }
  }
  ivm::Status s = r.status();
  if (!s.ok()) {
    return ivm::Status(ivm::Code::kInvalid,
                       std::string("pgoutput ") + message_name(out) + " message" + s.message().substr(s.message().find(':')));
  }
  return out;
}

std::string encode_message(const Message& msg, const DecodeContext& ctx) {
  ByteWriter w;
  auto xid = [&](uint32_t x) {
    if (ctx.in_stream) w.u32(x);
  };
  if (const auto* m = std::get_if<Begin>(&msg)) {
    w.u8('B');
    w.u64(m->final_lsn);
    w.u64(static_cast<uint64_t>(m->commit_time));
    w.u32(m->xid);
  } else if (const auto* c = std::get_if<Commit>(&msg)) {
    w.u8('C');
    w.u8(c->flags);
    w.u64(c->commit_lsn);
    w.u64(c->end_lsn);
    w.u64(static_cast<uint64_t>(c->commit_time));
  } else if (const auto* o = std::get_if<Origin>(&msg)) {
    w.u8('O');
    w.u64(o->commit_lsn);
    w.cstring(o->name);
  } else if (const auto* rel = std::get_if<Relation>(&msg)) {
    w.u8('R');
    xid(rel->xid);
    w.u32(rel->oid);
    w.cstring(rel->nspname);
    w.cstring(rel->relname);
    w.u8(static_cast<uint8_t>(rel->replica_identity));
    w.u16(static_cast<uint16_t>(rel->columns.size()));
    for (const RelationColumn& col : rel->columns) {
      w.u8(col.key ? 1 : 0);
      w.cstring(col.name);
      w.u32(col.type_oid);
      w.u32(static_cast<uint32_t>(col.type_mod));
    }
  } else if (const auto* t = std::get_if<TypeInfo>(&msg)) {
    w.u8('Y');
    xid(t->xid);
    w.u32(t->oid);
    w.cstring(t->nspname);
    w.cstring(t->name);
  } else if (const auto* ins = std::get_if<Insert>(&msg)) {
    w.u8('I');
    xid(ins->xid);
    w.u32(ins->relation);
    w.u8('N');
    write_tuple(w, ins->new_tuple);
  } else if (const auto* up = std::get_if<Update>(&msg)) {
    w.u8('U');
    xid(up->xid);
    w.u32(up->relation);
    if (up->old_kind != 0) {
      w.u8(static_cast<uint8_t>(up->old_kind));
      write_tuple(w, up->old_tuple);
    }
    w.u8('N');
    write_tuple(w, up->new_tuple);
  } else if (const auto* del = std::get_if<Delete>(&msg)) {
    w.u8('D');
    xid(del->xid);
    w.u32(del->relation);
    w.u8(static_cast<uint8_t>(del->old_kind));
    write_tuple(w, del->old_tuple);
  } else if (const auto* tr = std::get_if<Truncate>(&msg)) {
    w.u8('T');
    xid(tr->xid);
    w.u32(static_cast<uint32_t>(tr->relations.size()));
    w.u8(tr->options);
    for (uint32_t oid : tr->relations) w.u32(oid);
  } else if (const auto* lm = std::get_if<LogicalMessage>(&msg)) {
    w.u8('M');
    xid(lm->xid);
    w.u8(lm->transactional ? 1 : 0);
    w.u64(lm->lsn);
    w.cstring(lm->prefix);
    w.u32(static_cast<uint32_t>(lm->content.size()));
    w.bytes(lm->content);
  } else if (const auto* ss = std::get_if<StreamStart>(&msg)) {
    w.u8('S');
    w.u32(ss->xid);
    w.u8(ss->first_segment ? 1 : 0);
  } else if (std::holds_alternative<StreamStop>(msg)) {
    w.u8('E');
  } else if (const auto* sc = std::get_if<StreamCommit>(&msg)) {
    w.u8('c');
    w.u32(sc->xid);
    w.u8(sc->flags);
    w.u64(sc->commit_lsn);
    w.u64(sc->end_lsn);
    w.u64(static_cast<uint64_t>(sc->commit_time));
  } else if (const auto* sa = std::get_if<StreamAbort>(&msg)) {
    w.u8('A');
    w.u32(sa->xid);
    w.u32(sa->subxid);
  }
  return w.take();
}

}  // namespace rindle::replication::pgoutput
