#include "sinks/sink.h"

#include <doctest/doctest.h>

namespace rindle::sinks {
namespace {

TEST_CASE("LSN text round trip in PostgreSQL's form") {
  CHECK(lsn_to_text(0) == "0/0");
  CHECK(lsn_to_text((uint64_t{0x16} << 32) | 0xB374D848) == "16/B374D848");
  Lsn l = 0;
  CHECK(lsn_from_text("16/B374D848", &l));
  CHECK(l == ((uint64_t{0x16} << 32) | 0xB374D848));
  CHECK(lsn_from_text("ffffffff/ffffffff", &l));
  CHECK(l == UINT64_MAX);
  CHECK(!lsn_from_text("16B374D848", &l));
  CHECK(!lsn_from_text("/1", &l));
  CHECK(!lsn_from_text("1/", &l));
  CHECK(!lsn_from_text("1/123456789", &l));
  CHECK(!lsn_from_text("g/1", &l));
}

TEST_CASE("detach copies every buffer: nothing is shared with the engine's rows") {
  ivm::Row r{ivm::Value::int64(1), ivm::Value::text("a fairly long text value"), ivm::Value::null()};
  ivm::Row d = detach(r);
  CHECK(ivm::rows_identical(r, d));
  CHECK(d[1].as_bytes().data() != r[1].as_bytes().data());
  ivm::ViewDelta delta{3, 42, {ivm::ViewChange{ivm::ChangeKind::kUpdate, r, r, 1, 2}}};
  ViewTxn t = detach(delta, 7);
  CHECK(t.lsn == 42);
  CHECK(t.commit_ts == 7);
  REQUIRE(t.changes.size() == 1);
  CHECK(t.changes[0].old_pos == 1);
  CHECK(t.changes[0].new_pos == 2);
  CHECK(t.changes[0].new_row[1].as_bytes().data() != r[1].as_bytes().data());
  CHECK(t.bytes > sizeof(ViewTxn));
}

TEST_CASE("default PostgreSQL types for engine types") {
  CHECK(default_pg_type(ivm::Type::kInt64) == "bigint");
  CHECK(default_pg_type(ivm::Type::kNull) == "text");
  CHECK(default_pg_type(ivm::Type::kTimestampTz) == "timestamp with time zone");
}

}  // namespace
}  // namespace rindle::sinks
