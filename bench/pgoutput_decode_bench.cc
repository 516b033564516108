// The client-side cost of replication, without a server: pgoutput messages
// (inserts, updates, deletes of a 5-column row, in transactions of 1000) fed
// through TxnAssembler and BatchShaper, as the I/O and consumer threads do.
// Prints ns per change for each half, and changes/s. Stable enough to run
// under `valgrind --tool=callgrind` for instruction counts.
//
//   build/release/bench/pgoutput_decode_bench            300k changes
//   RINDLE_BENCH_CHANGES=30000 valgrind --tool=callgrind build/release/bench/pgoutput_decode_bench
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "replication/pgoutput/assembler.h"
#include "replication/pgoutput/shaper.h"

using namespace rindle;
using namespace rindle::replication;
using namespace rindle::replication::pgoutput;
using Steady = std::chrono::steady_clock;

int main() {
  const char* env = std::getenv("RINDLE_BENCH_CHANGES");
  int64_t rows = (env ? std::atoll(env) : 300000) / 3;
  // The bytes the server would send.
  std::vector<std::string> msgs;
  Relation rel;
  rel.oid = 1;
  rel.nspname = "public";
  rel.relname = "bench_t";
  rel.columns = {{true, "id", oid::kInt4, -1}, {false, "a", oid::kInt4, -1}, {false, "b", oid::kText, -1},
                 {false, "c", oid::kNumeric, -1}, {false, "d", oid::kTimestampTz, -1}};
  msgs.push_back(encode_message(rel, {}));
  std::vector<std::string> store;  // backing strings of the tuples
  store.reserve(static_cast<size_t>(rows) * 10);
  Lsn lsn = 1000;
  auto txn = [&](int kind) {
    for (int64_t from = 1; from <= rows; from += 1000) {
      lsn += 0x1000;
      msgs.push_back(encode_message(Begin{lsn, 0, 1}, {}));
      for (int64_t id = from; id < from + 1000 && id <= rows; ++id) {
        std::string ids = std::to_string(id), a = std::to_string(id * 7 + kind), b = "b3f0c7f6bb763af1be91d9e74eabfeb1",
                    c = std::to_string(id / 3) + ".33", d = "2024-01-01 10:00:00+00";
        TupleData t{{{ColumnData::Kind::kText, ids}, {ColumnData::Kind::kText, a}, {ColumnData::Kind::kText, b},
                     {ColumnData::Kind::kText, c}, {ColumnData::Kind::kText, d}}};
        if (kind == 0) msgs.push_back(encode_message(Insert{0, 1, t}, {}));
        if (kind == 1) msgs.push_back(encode_message(Update{0, 1, 0, {}, t}, {}));
        if (kind == 2) {
          TupleData k{{{ColumnData::Kind::kText, ids}, {}, {}, {}, {}}};
          msgs.push_back(encode_message(Delete{0, 1, 'K', k}, {}));
        }
      }
      msgs.push_back(encode_message(Commit{0, lsn, lsn + 0x28, 0}, {}));
    }
  };
  txn(0);
  txn(1);
  txn(2);

  TableSpec spec;
  spec.pg_schema = "public";
  spec.pg_table = "bench_t";
  spec.schema = ivm::TableSchema{"bench_t",
                                 {{"id", ivm::Type::kInt64},
                                  {"a", ivm::Type::kInt64},
                                  {"b", ivm::Type::kText},
                                  {"c", ivm::Type::kNumeric},
                                  {"d", ivm::Type::kTimestampTz}},
                                 {0}};
  TxnAssembler assembler;
  BatchShaper shaper({spec}, false);
  ShapeHooks hooks;
  std::vector<RawTxn> raws;
  auto t0 = Steady::now();
  for (const std::string& m : msgs) {
    if (!assembler.feed(m).ok()) return 1;
    while (assembler.has_ready()) raws.push_back(assembler.take_ready());
  }
  auto t1 = Steady::now();
  uint64_t changes = 0;
  for (RawTxn& r : raws) changes += shaper.shape(std::move(r), hooks).batch.changes.size();
  auto t2 = Steady::now();
  double decode = std::chrono::duration<double>(t1 - t0).count(), shape = std::chrono::duration<double>(t2 - t1).count();
  double n = static_cast<double>(changes);
  std::printf("pgoutput_decode_bench: %llu changes\n", static_cast<unsigned long long>(changes));
  std::printf("  decode + convert (I/O thread):  %7.0f ns/change\n", decode / n * 1e9);
  std::printf("  shape (consumer thread):        %7.0f ns/change\n", shape / n * 1e9);
  std::printf("  together:                       %7.0f ns/change = %.0f changes/s on one core\n",
              (decode + shape) / n * 1e9, n / (decode + shape));
  return 0;
}
