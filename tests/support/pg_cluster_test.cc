// The test PostgreSQL harness itself: starts, answers, survives a crash-restart.
#include <doctest/doctest.h>

#include "tests/support/pg_cluster.h"

using rindle::testing::PgCluster;

TEST_CASE("a throwaway cluster starts with wal_level=logical and keeps data across an immediate restart") {
  PgCluster pg;
  REQUIRE_MESSAGE(pg.ok(), pg.error());
  CHECK(pg.port() > 0);
  CHECK(pg.psql("show wal_level") == "logical");
  bool failed = false;
  pg.psql("create table t(id int primary key); insert into t values (1),(2);", &failed);
  REQUIRE_FALSE(failed);
  REQUIRE_MESSAGE(pg.restart("immediate"), pg.error());
  CHECK(pg.psql("select count(*) from t") == "2");
  std::string err = pg.psql("select * from missing_table", &failed);
  CHECK(failed);
  CHECK(err.find("missing_table") != std::string::npos);
}
