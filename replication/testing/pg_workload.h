// A random write workload on a real PostgreSQL for the replication tests.
//
// Tables (created by schema_sql(); published by publication "rindle_pub"):
//   types   every supported type and an array (carried as text), int primary key
//   docs    bigint key, a small text and a large TOASTed text (> 2 kB, incompressible);
//           most updates touch only the small one, so pgoutput sends 'u'
//   pairs   composite primary key (int, text), key updates
//   full_t  no primary key, REPLICA IDENTITY FULL (rows kept distinct)
//   marker  one row per workload transaction: its sequence number
// plus `unpublished`, which no publication includes.
//
// run_txn(seq) runs one random transaction (1-8 operations, sometimes a
// truncate, sometimes a large one with savepoints rolled back, enough to be
// streamed with logical_decoding_work_mem = 64kB) ending with an insert of seq
// into marker. It survives the server restarting under it: an interrupted
// transaction is retried, or found committed (by its marker) and not redone.
// state() renders every table as the tests' replicas render theirs (see
// testing::cell_text), so "replica == source" is a string comparison.
//
// Thread rules: one thread per Workload.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ivm/status.h"
#include "replication/pg_conn.h"

namespace rindle::replication::testing {

// table -> its rows as "cell|cell|...", sorted.
using TableState = std::map<std::string, std::vector<std::string>>;

class Workload {
 public:
  Workload(std::string conninfo, uint64_t seed);

  // DDL of the tables and the publication.
  static std::string schema_sql();
  static std::vector<std::string> table_names();  // published tables, engine names

  // Runs transaction `seq`; retries across server restarts until committed.
  ivm::Status run_txn(int seq);
  // A transaction on the unpublished table only.
  ivm::Status write_unpublished(int n);
  // Every published table of the database at `conninfo`, rendered. Without
  // `arrays`, types.arr is left out (binary mode cannot carry arrays).
  static ivm::Result<TableState> state(const std::string& conninfo, bool arrays = true);

  // How many operations of each kind ran (for test output).
  std::map<std::string, int> counts;
  bool allow_truncate = true;

 private:
  ivm::Status ensure_connected();
  ivm::Status exec(const std::string& sql, const std::vector<std::string>& params = {});
  ivm::Result<std::vector<std::string>> column(const std::string& sql);
  ivm::Status one_op();
  ivm::Status big_op();
  std::string rand_text(int max_len);
  std::string big_text();
  std::string value_for(const std::string& column);
  int64_t next_key();

  std::string conninfo_;
  pq::Conn conn_;
  std::mt19937_64 rng_;
  int64_t key_counter_ = 1;
};

}  // namespace rindle::replication::testing
