// Seeded random schemas, data, queries and change batches for differential
// tests. Deterministic for a seed on every platform (own PRNG, no
// std::*_distribution). Queries are well-typed by construction and cover
// every construct of ast.h; value domains are small so joins, groups,
// duplicates and NULLs collide often.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "ivm/ast.h"
#include "ivm/engine.h"
#include "ivm/testing/reference.h"

namespace rindle::ivm::testing {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL) {}
  uint64_t next();
  int below(int n) { return n <= 0 ? 0 : static_cast<int>(next() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(below(static_cast<int>(v.size())))]; }

 private:
  uint64_t state_;
};

// A random value of type t from a small domain (NULL with the given percent).
Value random_value(Rng& rng, Type t, int null_percent = 15);

// 2-4 tables named t0.., each with an int64 primary key "id" and 2-4 more columns.
std::vector<TableSchema> random_schema(Rng& rng);

// A random row for table `schema` with the given id.
Row random_row(Rng& rng, const TableSchema& schema, int64_t id);

// A random query over the schema. `kind` picks a family (see the .cc); -1 any.
Query random_query(Rng& rng, const std::vector<TableSchema>& schema, int kind = -1);
constexpr int kQueryKinds = 8;

// Tracks the live keys of each table to generate valid change batches.
class ChangeGenerator {
 public:
  ChangeGenerator(const std::vector<TableSchema>& schema, uint64_t seed);
  // Initial rows per table (ids 1..n).
  std::map<std::string, std::vector<Row>> initial_rows(int per_table);
  // A batch of 1..max_changes valid changes (inserts, deletes, updates incl. key
  // changes, and rows inserted then deleted within the batch).
  Batch next_batch(int max_changes);

 private:
  std::vector<TableSchema> schema_;
  Rng rng_;
  std::map<std::string, std::set<int64_t>> live_;
  int64_t next_id_ = 1;
  uint64_t lsn_ = 0;
};

// Applies a batch to a reference database (the oracle's copy of the tables).
void apply_to_reference(const Batch& batch, RefDatabase* db);

}  // namespace rindle::ivm::testing
