// Test support for rindled with Redis and webhook sinks: reading what a real
// redis-server and the real webhook receiver (sinks/testing) hold for a view,
// as rows in PostgreSQL's text form, and comparing them with the view's SQL
// run on PostgreSQL (multisets, both directions).
//
//   RedisServer redis;  WebhookReceiver hook;  hook.start();
//   TestView v{"top", "SELECT ...", true};
//   v.sinks = redis_sink_yaml(redis.port(), "top", "sorted_set", "total");
//   ...  CHECK(compare_redis(pg.conninfo(), v, redis.port(), "top", "sorted_set") == "");
//
// Row text: columns joined by '|', NULL as \N (as query_rows() gives them).
// Redis hashes hold PostgreSQL's text form; JSON rows are converted (strings
// as they are, numbers as written, true/false as t/f, null as \N).
//
// Thread rules: each call on one thread; the receiver may be receiving meanwhile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/testing/rindled_harness.h"
#include "sinks/testing/webhook_receiver.h"

namespace rindle::daemon::testing {

// One `sinks:` list entry (YAML, indented for write_config) of each kind,
// with the test's short retry settings.
std::string table_sink_yaml(const std::string& schema);
std::string redis_sink_yaml(int port, const std::string& prefix, const std::string& layout,
                            const std::string& score_column = "");
std::string webhook_sink_yaml(const std::string& url, const std::string& secret_env = "");

// The output column names of the view's SQL (from PostgreSQL).
std::vector<std::string> view_columns(const std::string& conninfo, const TestView& v, std::string* error);

// "" if Redis (127.0.0.1:port, db 0) holds exactly the view's SQL result under
// `prefix` in `layout` (hash, json or sorted_set): the rows of P:_rows, each
// row once (keyed views), and for sorted_set the sorted set's members are
// exactly those rows; else the difference.
std::string compare_redis(const std::string& conninfo, const TestView& v, int port, const std::string& prefix,
                          const std::string& layout);

// The progress LSN Redis holds for `prefix` (P:_rindle lsn), 0 if none.
uint64_t redis_progress(int port, const std::string& prefix);

// The stream layout: "" if the stream P, replayed from its last "reset",
// equals the view's SQL, and no source transaction appears twice in it
// (LSNs never go back; within one LSN each row id once); else what is wrong.
// `key_column` is the view's single key column. *entries: the stream length.
std::string check_redis_stream(const std::string& conninfo, const TestView& v, int port, const std::string& prefix,
                               const std::string& key_column, size_t* entries = nullptr);

// "" if the receiver's reconstructed rows of the view equal its SQL, and the
// receiver saw no inconsistency (problems()); else the difference.
std::string compare_webhook(const std::string& conninfo, const TestView& v,
                            const sinks::testing::WebhookReceiver& receiver);

}  // namespace rindle::daemon::testing
