// Engine checkpoints: round trips of random engines (every value type), and
// every kind of damage is refused before the engine is touched.
#include "tests/support/temp_dir.h"
#include "daemon/checkpoint.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sinks/testing/view_feed.h"

namespace rindle::daemon {
namespace {

using rindle::testing::TempDir;

std::vector<std::string> table_rows(const ivm::Engine& e, const std::string& t) {
  std::vector<std::string> out;
  REQUIRE(e.scan_table(t, [&](const ivm::Row& r) { out.push_back(ivm::row_to_string(r)); }).ok());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void write_all(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

TEST_CASE("a checkpoint round-trips every table; views re-added on the loaded engine equal the originals") {
  uint64_t seed = sinks::testing::seed_from_env(3);
  for (uint64_t s = seed; s < seed + 5; ++s) {
    INFO("RINDLE_SEED=" << s);
    sinks::testing::Feed feed(s, 4, 30);
    for (int k = 0; k < 30; ++k) feed.step(static_cast<uint64_t>(k + 10));
    TempDir dir;
    auto w = write_checkpoint(dir.path, feed.engine, 12345, "fp-1");
    REQUIRE_MESSAGE(w.ok(), w.status().to_string());
    auto info = read_checkpoint_info(dir.path);
    REQUIRE_MESSAGE(info.ok(), info.status().to_string());
    CHECK(info->lsn == 12345);
    CHECK(info->fingerprint == "fp-1");
    CHECK(info->rows == w->rows);
    CHECK(info->tables.size() == feed.schema.size());
    ivm::Engine loaded;
    auto l = load_checkpoint(dir.path, &loaded);
    REQUIRE_MESSAGE(l.ok(), l.status().to_string());
    for (const ivm::TableSchema& t : feed.schema) CHECK(table_rows(loaded, t.name) == table_rows(feed.engine, t.name));
    for (size_t i = 0; i < feed.ids.size(); ++i) {
      if (!feed.healthy(i)) continue;
      auto v = loaded.add_view("again" + std::to_string(i), feed.queries[i]);
      REQUIRE(v.ok());
      CHECK(sinks::testing::same_rows(loaded.view_rows(*v), feed.rows(i), feed.shape(i).ordered));
    }
  }
}

TEST_CASE("every value type, NULLs and empty tables survive") {
  ivm::Engine e;
  std::vector<ivm::Column> cols = {{"id", ivm::Type::kInt64, false}};
  const ivm::Type types[] = {ivm::Type::kBool, ivm::Type::kFloat64, ivm::Type::kNumeric, ivm::Type::kText,
                             ivm::Type::kBytea, ivm::Type::kDate, ivm::Type::kTimestamp, ivm::Type::kTimestampTz,
                             ivm::Type::kUuid, ivm::Type::kJson};
  for (size_t i = 0; i < std::size(types); ++i) cols.push_back({"c" + std::to_string(i), types[i], true});
  REQUIRE(e.create_table(ivm::TableSchema{"all_types", cols, {0}}).ok());
  REQUIRE(e.create_table(ivm::TableSchema{"empty", {{"k", ivm::Type::kText, false}}, {0}}).ok());
  const char* texts[] = {"t", "-0.5", "123.4500", "x\ty\n\\", "\\x00ff", "2024-02-29", "2024-02-29 13:45:00.25",
                         "1999-12-31 23:59:59+00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{\"a\":1}"};
  ivm::Row full{ivm::Value::int64(1)}, nulls{ivm::Value::int64(2)};
  for (size_t i = 0; i < std::size(types); ++i) {
    auto v = ivm::from_text(types[i], texts[i]);
    REQUIRE(v.ok());
    full.push_back(*v);
    nulls.push_back(ivm::Value::null());
  }
  REQUIRE(e.load("all_types", {full, nulls}).ok());
  TempDir dir;
  REQUIRE(write_checkpoint(dir.path, e, 7, "fp").ok());
  ivm::Engine loaded;
  REQUIRE(load_checkpoint(dir.path, &loaded).ok());
  CHECK(table_rows(loaded, "all_types") == table_rows(e, "all_types"));
  CHECK(table_rows(loaded, "empty").empty());
  CHECK(loaded.table("all_types")->columns[1].type == e.table("all_types")->columns[1].type);
}

TEST_CASE("damage of any kind is refused before the engine is touched") {
  sinks::testing::Feed feed(5, 2, 20);
  TempDir dir;
  REQUIRE(write_checkpoint(dir.path, feed.engine, 99, "fp").ok());
  std::string path = dir.path + "/" + kCheckpointFile;
  std::string good = read_all(path);
  REQUIRE(good.size() > 100);
  // Flipping any single byte (a sample of positions) is detected.
  for (size_t pos = 0; pos < good.size(); pos += std::max<size_t>(1, good.size() / 97)) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x20);
    write_all(path, bad);
    auto r = read_checkpoint_info(dir.path);
    INFO("flipped byte " << pos);
    CHECK(!r.ok());
    CHECK(r.status().code() == ivm::Code::kInvalid);
    ivm::Engine e;
    CHECK(!load_checkpoint(dir.path, &e).ok());
    CHECK(e.table_names().empty());  // refused before any table was created
  }
  // Truncation at any length.
  for (size_t len : {size_t{0}, size_t{5}, size_t{30}, good.size() / 2, good.size() - 1}) {
    write_all(path, good.substr(0, len));
    auto r = read_checkpoint_info(dir.path);
    INFO("truncated to " << len);
    CHECK(r.status().code() == ivm::Code::kInvalid);
  }
  // Appended garbage.
  write_all(path, good + "xyz");
  CHECK(read_checkpoint_info(dir.path).status().code() == ivm::Code::kInvalid);
  // Missing.
  ::unlink(path.c_str());
  CHECK(read_checkpoint_info(dir.path).status().code() == ivm::Code::kNotFound);
  // A leftover temporary file from a crash mid-write is not a checkpoint and is replaced.
  write_all(path + ".tmp", "half written");
  CHECK(read_checkpoint_info(dir.path).status().code() == ivm::Code::kNotFound);
  REQUIRE(write_checkpoint(dir.path, feed.engine, 100, "fp").ok());
  CHECK(read_checkpoint_info(dir.path)->lsn == 100);
  CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
}

TEST_CASE("a failed write leaves the previous checkpoint in place") {
  sinks::testing::Feed feed(6, 1, 10);
  TempDir dir;
  REQUIRE(write_checkpoint(dir.path, feed.engine, 1, "fp").ok());
  // A directory where the temporary file goes makes the write fail (even for root).
  std::string tmp = dir.path + "/" + kCheckpointFile + ".tmp";
  REQUIRE(::mkdir(tmp.c_str(), 0700) == 0);
  auto w = write_checkpoint(dir.path, feed.engine, 2, "fp");
  CHECK(!w.ok());
  CHECK(w.status().message().find("cannot create") != std::string::npos);
  ::rmdir(tmp.c_str());
  CHECK(read_checkpoint_info(dir.path)->lsn == 1);
}

TEST_CASE("the state fingerprint follows table schemas, not their order") {
  ivm::TableSchema a{"a", {{"id", ivm::Type::kInt64, false}, {"x", ivm::Type::kText, true}}, {0}};
  ivm::TableSchema b{"b", {{"id", ivm::Type::kInt64, false}}, {0}};
  std::string f = state_fingerprint("db/slot", {a, b});
  CHECK(f.size() == 16);
  CHECK(f == state_fingerprint("db/slot", {b, a}));
  CHECK(f != state_fingerprint("db/other", {a, b}));
  ivm::TableSchema a2 = a;
  a2.columns[1].type = ivm::Type::kJson;
  CHECK(f != state_fingerprint("db/slot", {a2, b}));
  CHECK(f != state_fingerprint("db/slot", {a}));
  CHECK(crc32c(0, "123456789", 9) == 0xE3069283u);  // the standard CRC-32C check value
}

}  // namespace
}  // namespace rindle::daemon
