// BatchShaper: RawTxns (made by the assembler from crafted messages) become
// engine batches that a real ivm::Engine accepts: TOAST filled from the store
// and from earlier changes of the batch, TRUNCATE expanded, keys from
// REPLICA IDENTITY DEFAULT / FULL, schema changes reported, unusable tables
// stopped with a message naming them.
#include <doctest/doctest.h>

#include "replication/pgoutput/assembler.h"
#include "replication/pgoutput/shaper.h"
#include "replication/pgoutput/test_messages.h"
#include "replication/testing/engine_replica.h"

using namespace rindle;
using namespace rindle::replication;
using namespace rindle::replication::pgoutput;
using namespace rindle::replication::test;
using rindle::replication::testing::EngineReplica;

namespace {

TableSpec docs_spec() {
  TableSpec s;
  s.pg_schema = "public";
  s.pg_table = "docs";
  s.schema = ivm::TableSchema{"docs",
                              {{"id", ivm::Type::kInt64, false}, {"title", ivm::Type::kText}, {"body", ivm::Type::kText}},
                              {0}};
  return s;
}

Relation docs_rel(char ident = 'd') {
  return relation(10, "public", "docs", ident, {{"id", oid::kInt4, true}, {"title", oid::kText}, {"body", oid::kText}});
}

// The pure pipeline with an engine as the consumer.
struct Pipeline {
  TxnAssembler assembler;
  Feeder feed{&assembler};
  EngineReplica replica;
  std::unique_ptr<BatchShaper> shaper;

  explicit Pipeline(std::vector<TableSpec> specs, bool auto_tables = false) {
    for (const TableSpec& s : specs) REQUIRE(replica.add_table(s).ok());
    shaper = std::make_unique<BatchShaper>(std::move(specs), auto_tables);
  }
  // Shapes and applies every ready transaction; returns the last batch.
  TxnBatch drain() {
    TxnBatch last;
    while (assembler.has_ready()) {
      last = shaper->shape(assembler.take_ready(), replica.hooks());
      ivm::Status s = replica.apply(last);
      REQUIRE_MESSAGE(s.ok(), s.to_string());
    }
    return last;
  }
  std::string rows(const std::string& table) {
    std::string s;
    for (const std::string& r : replica.rows_text(table)) s += "[" + r + "]";
    return s;
  }
};

}  // namespace

TEST_CASE("inserts, updates and deletes reach the engine; keys follow REPLICA IDENTITY DEFAULT") {
  Pipeline p({docs_spec()});
  REQUIRE(p.feed(docs_rel()).ok());
  REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), t("a"), t("x")})}, Insert{0, 10, tup({t("2"), t("b"), n()})}}, 7)
              .ok());
  TxnBatch b = p.drain();
  CHECK(b.batch.lsn == 0x20);
  CHECK(b.commit_lsn == 0x10);
  CHECK(b.batch.commit_ts == 7 + kPgEpochUnixMicros);
  CHECK(p.rows("docs") == "[1|a|x][2|b|\\N]");
  // Update without old key (key unchanged), update with a key change ('K'), delete.
  REQUIRE(p.feed.txn(0x30, 2,
                     {Update{0, 10, 0, {}, tup({t("1"), t("a2"), t("x")})},
                      Update{0, 10, 'K', tup({t("2"), n(), n()}), tup({t("3"), t("b"), n()})},
                      Delete{0, 10, 'K', tup({t("1"), n(), n()})}})
              .ok());
  b = p.drain();
  REQUIRE(b.batch.changes.size() == 3);
  CHECK(ivm::row_to_string(b.batch.changes[1].key) == "(2)");
  CHECK(p.rows("docs") == "[3|b|\\N]");
  CHECK(b.schema_events.empty());
}

TEST_CASE("unchanged TOASTed values are filled from the store, from the batch, and from a FULL old row") {
  Pipeline p({docs_spec()});
  std::string big(3000, 'z');
  REQUIRE(p.feed(docs_rel()).ok());
  REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), t("a"), t(big)})}}).ok());
  p.drain();
  // From the store (Engine::lookup).
  REQUIRE(p.feed.txn(0x30, 2, {Update{0, 10, 0, {}, tup({t("1"), t("b"), u()})}}).ok());
  TxnBatch b = p.drain();
  REQUIRE(b.batch.changes.size() == 1);
  CHECK(b.batch.changes[0].row[2].as_bytes() == big);
  // From an earlier change of the same batch (insert then two updates).
  std::string big2(2500, 'q');
  REQUIRE(p.feed.txn(0x50, 3,
                     {Insert{0, 10, tup({t("2"), t("c"), t(big2)})}, Update{0, 10, 0, {}, tup({t("2"), t("d"), u()})},
                      Update{0, 10, 'K', tup({t("2"), n(), n()}), tup({t("4"), t("e"), u()})}})
              .ok());
  b = p.drain();
  CHECK(b.batch.changes[2].row[2].as_bytes() == big2);
  CHECK(p.rows("docs") == "[1|b|3000:" + std::to_string(std::hash<std::string_view>{}(big)) + "][4|e|2500:" +
                              std::to_string(std::hash<std::string_view>{}(big2)) + "]");
  // REPLICA IDENTITY FULL: the old row carries the value.
  REQUIRE(p.feed(docs_rel('f')).ok());
  REQUIRE(p.feed.txn(0x70, 4, {Update{0, 10, 'O', tup({t("1"), t("b"), t("old")}), tup({t("1"), t("f"), u()})}}).ok());
  b = p.drain();
  CHECK(b.batch.changes[0].row[2].as_bytes() == "old");
}

TEST_CASE("a TOASTed value the consumer does not hold stops the table with a clear error") {
  Pipeline p({docs_spec()});
  REQUIRE(p.feed(docs_rel()).ok());
  REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("5"), t("a"), t("x")})}, Update{0, 10, 0, {}, tup({t("9"), t("b"), u()})}})
              .ok());
  TxnBatch b = p.drain();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].error.message() ==
        "table public.docs: column \"body\" was not changed (TOAST) and the consumer holds no row with key (9)");
  CHECK(b.batch.changes.empty());  // the table's earlier change in the batch is withdrawn too
  CHECK(b.dropped_changes == 2);
  CHECK(p.shaper->stopped("docs"));
  REQUIRE(p.feed.txn(0x30, 2, {Insert{0, 10, tup({t("6"), t("a"), t("x")})}}).ok());
  b = p.drain();
  CHECK(b.batch.changes.empty());
  CHECK(b.dropped_changes == 1);
  CHECK(b.schema_events.empty());  // reported once
}

TEST_CASE("TRUNCATE becomes one delete per row held, including rows of the same batch") {
  TableSpec other = docs_spec();
  other.pg_table = "notes";
  other.schema.name = "notes";
  Pipeline p({docs_spec(), other});
  REQUIRE(p.feed(docs_rel()).ok());
  REQUIRE(p.feed(relation(11, "public", "notes", 'd', {{"id", oid::kInt4, true}, {"title", oid::kText}, {"body", oid::kText}}))
              .ok());
  REQUIRE(p.feed.txn(0x10, 1,
                     {Insert{0, 10, tup({t("1"), n(), n()})}, Insert{0, 10, tup({t("2"), n(), n()})},
                      Insert{0, 11, tup({t("1"), n(), n()})}})
              .ok());
  p.drain();
  // In one transaction: delete 1, insert 3, truncate both tables, insert 4.
  REQUIRE(p.feed.txn(0x30, 2,
                     {Delete{0, 10, 'K', tup({t("1"), n(), n()})}, Insert{0, 10, tup({t("3"), n(), n()})},
                      Truncate{0, 0, {10, 11}}, Insert{0, 10, tup({t("4"), t("new"), n()})}})
              .ok());
  TxnBatch b = p.drain();
  CHECK(b.truncated == std::vector<std::string>{"docs", "notes"});
  CHECK(p.rows("docs") == "[4|new|\\N]");
  CHECK(p.rows("notes") == "");
  // Without a scan_keys hook a truncate cannot be applied: the table stops.
  BatchShaper bare({docs_spec()}, false);
  TxnAssembler a;
  Feeder f(&a);
  REQUIRE(f(docs_rel()).ok());
  REQUIRE(f.txn(0x10, 1, {Truncate{0, 0, {10}}}).ok());
  TxnBatch t2 = bare.shape(a.take_ready(), ShapeHooks{});
  REQUIRE(t2.schema_events.size() == 1);
  CHECK(t2.schema_events[0].error.message().find("no scan_keys hook") != std::string::npos);
}

TEST_CASE("a table without primary key or REPLICA IDENTITY FULL is refused, naming the table") {
  Pipeline p({docs_spec()});
  REQUIRE(p.feed(relation(10, "public", "docs", 'd', {{"id", oid::kInt4}, {"title", oid::kText}, {"body", oid::kText}})).ok());
  REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), n(), n()})}}).ok());
  TxnBatch b = p.drain();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].error.message() ==
        "table public.docs: it has no primary key and its REPLICA IDENTITY is not FULL, so its updates and deletes "
        "cannot be followed (add a primary key, or ALTER TABLE public.docs REPLICA IDENTITY FULL)");
  CHECK(b.batch.changes.empty());
  // REPLICA IDENTITY NOTHING likewise; an index identity not covering the key too.
  Pipeline q({docs_spec()});
  REQUIRE(q.feed(relation(10, "public", "docs", 'i', {{"id", oid::kInt4}, {"title", oid::kText, true}, {"body", oid::kText}}))
              .ok());
  REQUIRE(q.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), n(), n()})}}).ok());
  b = q.drain();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].error.message().find("primary key column \"id\" is not part of the source's replica identity") !=
        std::string::npos);
}

TEST_CASE("REPLICA IDENTITY FULL without a primary key: the key is every column (auto tables)") {
  Pipeline p({}, /*auto_tables=*/true);
  REQUIRE(p.feed(relation(20, "sales", "log", 'f', {{"a", oid::kInt4}, {"b", oid::kText}})).ok());
  REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 20, tup({t("1"), t("x")})}}).ok());
  TxnBatch b;
  while (p.assembler.has_ready()) b = p.shaper->shape(p.assembler.take_ready(), p.replica.hooks());
  CHECK(b.schema_events.empty());
  const TableSpec* spec = p.shaper->table("sales.log");
  REQUIRE(spec != nullptr);
  CHECK(spec->schema.primary_key == std::vector<int>{0, 1});
  REQUIRE(p.replica.add_table(*spec).ok());
  REQUIRE(p.replica.apply(b).ok());
  REQUIRE(p.feed.txn(0x30, 2, {Delete{0, 20, 'O', tup({t("1"), t("x")})}}).ok());
  b = p.drain();
  CHECK(ivm::row_to_string(b.batch.changes[0].key) == "(1, 'x')");
  CHECK(p.rows("sales.log") == "");
}

TEST_CASE("schema changes: added columns are absorbed, dropped or retyped ones stop the table unless absorbable") {
  SUBCASE("an added column is ignored and reported once") {
    Pipeline p({docs_spec()});
    REQUIRE(p.feed(relation(10, "public", "docs", 'd',
                            {{"id", oid::kInt4, true}, {"title", oid::kText}, {"extra", oid::kInt4}, {"body", oid::kText}}))
                .ok());
    REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), t("a"), t("7"), t("b")})}}).ok());
    TxnBatch b = p.drain();
    REQUIRE(b.schema_events.size() == 1);
    CHECK(b.schema_events[0].added == std::vector<std::string>{"extra"});
    CHECK(b.schema_events[0].error.ok());
    CHECK(p.rows("docs") == "[1|a|b]");
    // The same Relation again (a reconnect): nothing new to report.
    REQUIRE(p.feed(relation(10, "public", "docs", 'd',
                            {{"id", oid::kInt4, true}, {"title", oid::kText}, {"extra", oid::kInt4}, {"body", oid::kText}}))
                .ok());
    REQUIRE(p.feed.txn(0x30, 2, {Insert{0, 10, tup({t("2"), t("a"), t("7"), t("b")})}}).ok());
    CHECK(p.drain().schema_events.empty());
  }
  SUBCASE("a dropped column stops the table") {
    Pipeline p({docs_spec()});
    REQUIRE(p.feed(relation(10, "public", "docs", 'd', {{"id", oid::kInt4, true}, {"title", oid::kText}})).ok());
    REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), t("a")})}}).ok());
    TxnBatch b = p.drain();
    REQUIRE(b.schema_events.size() == 1);
    CHECK(b.schema_events[0].dropped == std::vector<std::string>{"body"});
    CHECK(b.schema_events[0].error.message() == "table public.docs: column \"body\" no longer exists at the source");
    CHECK(b.schema_events[0].describe() ==
          "table docs (public.docs); columns dropped at the source: body; STOPPED: table public.docs: column \"body\" no "
          "longer exists at the source");
    CHECK(b.batch.changes.empty());
  }
  SUBCASE("a dropped absorbable column is filled with NULL") {
    TableSpec spec = docs_spec();
    spec.absorbable = {false, false, true};
    Pipeline p({spec});
    REQUIRE(p.feed(relation(10, "public", "docs", 'd', {{"id", oid::kInt4, true}, {"title", oid::kText}})).ok());
    REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), t("a")})}}).ok());
    TxnBatch b = p.drain();
    REQUIRE(b.schema_events.size() == 1);
    CHECK(b.schema_events[0].absorbed == std::vector<std::string>{"body"});
    CHECK(b.schema_events[0].error.ok());
    CHECK(p.rows("docs") == "[1|a|\\N]");
  }
  SUBCASE("a column retyped to another engine type stops the table; int4 -> int8 does not") {
    Pipeline p({docs_spec()});
    REQUIRE(p.feed(relation(10, "public", "docs", 'd', {{"id", oid::kInt8, true}, {"title", oid::kText}, {"body", oid::kText}}))
                .ok());
    REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 10, tup({t("1"), t("a"), t("b")})}}).ok());
    CHECK(p.drain().schema_events.empty());
    REQUIRE(p.feed(relation(10, "public", "docs", 'd', {{"id", oid::kInt8, true}, {"title", oid::kInt4}, {"body", oid::kText}}))
                .ok());
    REQUIRE(p.feed.txn(0x30, 2, {Insert{0, 10, tup({t("2"), t("5"), t("b")})}}).ok());
    TxnBatch b = p.drain();
    REQUIRE(b.schema_events.size() == 1);
    CHECK(b.schema_events[0].retyped == std::vector<std::string>{"title"});
    CHECK(b.schema_events[0].error.message() ==
          "table public.docs: column \"title\" is now bigint (bigint) at the source, the consumer holds text");
  }
  SUBCASE("a column of an unsupported type is refused only if the consumer keeps it") {
    TxnAssembler a(AssemblerOptions{UnknownTypePolicy::kError, false});
    Feeder f(&a);
    BatchShaper s({docs_spec()}, false);
    REQUIRE(f(relation(10, "public", "docs", 'd',
                       {{"id", oid::kInt4, true}, {"title", oid::kText}, {"body", oid::kText}, {"tags", 1007}}))
                .ok());
    REQUIRE(f.txn(0x10, 1, {Insert{0, 10, tup({t("1"), t("a"), t("b"), t("{1}")})}}).ok());
    TxnBatch b = s.shape(a.take_ready(), {});
    REQUIRE(b.schema_events.size() == 1);
    CHECK(b.schema_events[0].error.ok());  // "tags" is not in the spec: ignored
    CHECK(b.batch.changes.size() == 1);
  }
}

TEST_CASE("undeclared tables are reported once and ignored; transactional messages pass through") {
  Pipeline p({docs_spec()});
  REQUIRE(p.feed(docs_rel()).ok());
  REQUIRE(p.feed(relation(30, "public", "audit", 'd', {{"id", oid::kInt4, true}})).ok());
  REQUIRE(p.feed.txn(0x10, 1,
                     {Insert{0, 30, tup({t("1")})}, LogicalMessage{0, true, 0x11, "app", "hello"},
                      Insert{0, 10, tup({t("1"), n(), n()})}, Insert{0, 30, tup({t("2")})}})
              .ok());
  TxnBatch b = p.drain();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].table == "audit");
  CHECK(b.schema_events[0].error.message() ==
        "table public.audit is published but not among the consumer's tables; its changes are ignored");
  CHECK(b.batch.changes.size() == 1);
  CHECK(b.dropped_changes == 2);
  REQUIRE(b.messages.size() == 1);
  CHECK(b.messages[0].content == "hello");
}

TEST_CASE("a value that does not convert stops its table only") {
  TableSpec nums;
  nums.pg_schema = "public";
  nums.pg_table = "nums";
  nums.schema = ivm::TableSchema{"nums", {{"id", ivm::Type::kInt64, false}, {"v", ivm::Type::kNumeric}}, {0}};
  Pipeline p({docs_spec(), nums});
  REQUIRE(p.feed(docs_rel()).ok());
  REQUIRE(p.feed(relation(40, "public", "nums", 'd', {{"id", oid::kInt4, true}, {"v", oid::kNumeric}})).ok());
  REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 40, tup({t("1"), t("-Infinity")})}, Insert{0, 10, tup({t("1"), n(), n()})}}).ok());
  TxnBatch b = p.drain();
  REQUIRE(b.schema_events.size() == 1);
  CHECK(b.schema_events[0].table == "nums");
  CHECK(b.schema_events[0].error.message().find("-Infinity cannot be held") != std::string::npos);
  CHECK(p.rows("docs") == "[1|\\N|\\N]");
  CHECK(p.shaper->stopped("nums"));
  CHECK_FALSE(p.shaper->stopped("docs"));
}

TEST_CASE("a table keyed by all its columns stops on a NULL or on a second identical row") {
  TableSpec log;
  log.pg_schema = "public";
  log.pg_table = "log";
  log.unique_key = false;
  log.schema = ivm::TableSchema{"log", {{"a", ivm::Type::kInt64}, {"b", ivm::Type::kText}}, {0, 1}};
  Relation rel = relation(50, "public", "log", 'f', {{"a", oid::kInt4}, {"b", oid::kText}});
  {
    Pipeline p({log});
    REQUIRE(p.feed(rel).ok());
    REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 50, tup({t("1"), t("x")})}, Insert{0, 50, tup({t("2"), t("x")})}}).ok());
    CHECK(p.drain().schema_events.empty());
    // An update that keeps the row identical is fine; a row equal to another is not.
    REQUIRE(p.feed.txn(0x30, 2, {Update{0, 50, 'O', tup({t("1"), t("x")}), tup({t("1"), t("x")})}}).ok());
    CHECK(p.drain().schema_events.empty());
    REQUIRE(p.feed.txn(0x50, 3, {Insert{0, 50, tup({t("2"), t("x")})}}).ok());
    TxnBatch b = p.drain();
    REQUIRE(b.schema_events.size() == 1);
    CHECK(b.schema_events[0].error.message() ==
          "table public.log has no primary key and now holds two identical rows (2, 'x'), which rindle cannot tell "
          "apart; add a primary key to follow this table");
  }
  {
    Pipeline p({log});
    REQUIRE(p.feed(rel).ok());
    REQUIRE(p.feed.txn(0x10, 1, {Insert{0, 50, tup({t("1"), n()})}}).ok());
    TxnBatch b = p.drain();
    REQUIRE(b.schema_events.size() == 1);
    CHECK(b.schema_events[0].error.message().find("a row has a NULL in them") != std::string::npos);
  }
}
