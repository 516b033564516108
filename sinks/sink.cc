#include "sinks/sink.h"

#include <cinttypes>
#include <cstdio>

namespace rindle::sinks {

std::string lsn_to_text(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRIX32 "/%" PRIX32, static_cast<uint32_t>(lsn >> 32),
                static_cast<uint32_t>(lsn));
  return buf;
}

bool lsn_from_text(std::string_view t, Lsn* out) {
  size_t slash = t.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size()) return false;
  auto hex = [](std::string_view s, uint64_t* v) {
    if (s.size() > 8) return false;
    *v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      *v = *v * 16 + static_cast<uint64_t>(d);
    }
    return true;
  };
  uint64_t hi = 0, lo = 0;
  if (!hex(t.substr(0, slash), &hi) || !hex(t.substr(slash + 1), &lo)) return false;
  *out = (hi << 32) | lo;
  return true;
}

std::string default_pg_type(ivm::Type t) {
  return t == ivm::Type::kNull ? "text" : ivm::type_name(t);
}

ivm::Row detach(const ivm::Row& row) {
  ivm::Row out;
  out.reserve(row.size());
  for (const ivm::Value& v : row) {
    out.push_back(ivm::is_heap_type(v.type()) ? ivm::Value::bytes(v.type(), v.as_bytes()) : v);
  }
  return out;
}

ViewTxn detach(const ivm::ViewDelta& delta, int64_t commit_ts) {
  ViewTxn t;
  t.lsn = delta.lsn;
  t.commit_ts = commit_ts;
  t.changes.reserve(delta.changes.size());
  t.bytes = sizeof(ViewTxn);
  for (const ivm::ViewChange& c : delta.changes) {
    ivm::ViewChange d;
    d.kind = c.kind;
    d.old_row = detach(c.old_row);
    d.new_row = detach(c.new_row);
    d.old_pos = c.old_pos;
    d.new_pos = c.new_pos;
    t.bytes += sizeof(ivm::ViewChange) + ivm::row_heap_bytes(d.old_row) + ivm::row_heap_bytes(d.new_row);
    t.changes.push_back(std::move(d));
  }
  return t;
}

std::vector<ivm::Row> detach(const std::vector<ivm::Row>& rows) {
  std::vector<ivm::Row> out;
  out.reserve(rows.size());
  for (const ivm::Row& r : rows) out.push_back(detach(r));
  return out;
}

size_t approx_bytes(const std::vector<ivm::Row>& rows) {
  size_t b = sizeof(rows);
  for (const ivm::Row& r : rows) b += ivm::row_heap_bytes(r);
  return b;
}

}  // namespace rindle::sinks
