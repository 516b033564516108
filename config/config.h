// The typed configuration of rindled, as loaded from its YAML file.
//
// Every field here is bound to exactly one key of the key table
// (config/keys.cc), which holds the key's YAML path, type, bounds, default and
// documentation. The loader (loader.h), `rindled --print-config` and the
// configuration reference in config/README.md are all driven by that table, so
// they cannot disagree. Defaults below only mirror the table (the loader
// always sets every field from the file or from the table's default).
//
// A Config is plain data: copyable, no references into the YAML document.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rindle::config {

using Millis = std::chrono::milliseconds;

// A place in a config file; line and column are 1-based, 0 means unknown.
struct Position {
  int line = 0;
  int column = 0;
};

// One error of a config file, printed as "file:line:column: message". With
// no file and no position the message is printed alone (it comes formatted,
// as the SQL front end's messages do).
struct Diagnostic {
  std::string file;
  Position pos;
  std::string message;
  std::string to_string() const;
};

// A view parameter ($1, $2, ...) as written in YAML.
struct Param {
  enum class Kind : unsigned char { kNull, kBool, kInt, kDecimal, kText };
  Kind kind = Kind::kNull;
  std::string text;  // the scalar as written (unquoted), e.g. "42", "1.50", "open"
  bool operator==(const Param&) const = default;
};

// A view's SQL and where its first character sits in the file, in the form
// the SQL front end's SqlSource takes (so SQL errors point into the file).
struct SqlText {
  std::string text;
  int line = 0;     // line of text[0]
  int column = 0;   // column of text[0]
  int indent = 0;   // columns before the text on its later lines (block scalars)
  bool operator==(const SqlText& o) const { return text == o.text; }  // position is not content
};

enum class SslMode : unsigned char { kDisable, kAllow, kPrefer, kRequire, kVerifyCa, kVerifyFull };
enum class LogLevel : unsigned char { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat : unsigned char { kHuman, kJson };
// What a sink does once it has failed for longer than its failure_timeout.
enum class SinkFailurePolicy : unsigned char {
  kRetry,   // keep retrying; its queue fills and backpressure pauses the whole pipeline
  kDetach,  // stop feeding it, mark it failed, release the slot; reconcile on reload/restart
};

struct SnapshotConfig {
  int64_t fetch_rows = 10000;
};

struct ReconnectConfig {
  Millis initial_backoff{1000};
  Millis max_backoff{60000};
};

struct SourceConfig {
  std::string host;
  int64_t port = 5432;
  std::string dbname;
  std::string user;
  std::string password_env;   // name of an environment variable holding the password
  std::string password_file;  // path of a file whose first line is the password
  SslMode sslmode = SslMode::kPrefer;
  std::string application_name;
  Millis connect_timeout{10000};
  std::string slot;
  std::string publication;
  bool create_slot = true;
  bool create_publication = true;
  SnapshotConfig snapshot;
  Millis heartbeat_interval{10000};
  ReconnectConfig reconnect;
};

// The Postgres table sink (sinks/table/).
struct TableSinkConfig {
  std::string schema;
  std::string table;            // empty in the file: the view's name
  bool create_if_missing = true;
  std::string progress_table;   // in `schema`; one row per sink
  bool operator==(const TableSinkConfig&) const = default;
};

// The Redis sink (sinks/redis/).
enum class RedisLayout : unsigned char { kHash, kJson, kSortedSet, kStream };
struct RedisSinkConfig {
  std::string host;
  int64_t port = 6379;
  int64_t db = 0;
  std::string password_env;     // environment variable holding the password; empty: none
  std::string prefix;           // empty in the file: the view's name
  RedisLayout layout = RedisLayout::kHash;
  std::string score_column;     // sorted_set
  int64_t stream_max_length = 0;
  Millis timeout{5000};
  bool operator==(const RedisSinkConfig&) const = default;
};

// The webhook sink (sinks/webhook/).
enum class WebhookClientErrorPolicy : unsigned char { kStop, kDeadLetter };
struct WebhookSinkConfig {
  std::string url;
  std::vector<std::string> headers;           // "Name: value"
  std::vector<std::string> headers_from_env;  // "Name: ENV_VAR" (value read from the environment)
  std::string secret_env;                     // HMAC-SHA256 key's environment variable; empty: unsigned
  Millis timeout{10000};
  bool tls_verify = true;
  std::string ca_file;
  Millis batch_interval{100};
  int64_t max_batch_changes = 1000;
  std::string progress_file;      // empty in the file: <state.directory>/webhook.<view>.<n>.progress
  WebhookClientErrorPolicy on_client_error = WebhookClientErrorPolicy::kStop;
  std::string dead_letter_file;   // empty in the file: <state.directory>/webhook.<view>.<n>.dead.jsonl
  bool operator==(const WebhookSinkConfig&) const = default;
};

// One sink of a view. Exactly one kind section is set.
struct SinkConfig {
  std::optional<TableSinkConfig> table;
  std::optional<RedisSinkConfig> redis;
  std::optional<WebhookSinkConfig> webhook;
  int64_t max_batch_transactions = 256;
  Millis retry_initial_backoff{500};
  Millis retry_max_backoff{30000};
  Millis failure_timeout{60000};
  SinkFailurePolicy on_failure = SinkFailurePolicy::kDetach;
  bool operator==(const SinkConfig&) const = default;
  // "table", "redis" or "webhook"; "" if no kind is set.
  const char* kind() const { return table ? "table" : redis ? "redis" : webhook ? "webhook" : ""; }
};

struct ViewConfig {
  std::string name;
  SqlText sql;
  std::vector<std::string> key;   // explicit view key (output column names); empty: derived
  std::vector<Param> parameters;  // $1, $2, ...
  std::vector<SinkConfig> sinks;
  bool operator==(const ViewConfig&) const = default;
};

struct StateConfig {
  std::string directory;
  Millis checkpoint_interval{300000};
  int64_t checkpoint_changes = 1000000;
};

struct MetricsConfig {
  bool enabled = true;
  std::string listen;  // "host:port"
};

struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kHuman;
};

struct LimitsConfig {
  int64_t queue_transactions = 4096;  // between the replication reader and the engine
  uint64_t queue_bytes = 256ull << 20;
  int64_t sink_queue_transactions = 4096;  // per sink
  uint64_t sink_queue_bytes = 64ull << 20;
  Millis shutdown_timeout{30000};
};

struct Config {
  std::string file;  // the file it was loaded from
  SourceConfig source;
  std::vector<ViewConfig> views;
  StateConfig state;
  MetricsConfig metrics;
  LoggingConfig logging;
  LimitsConfig limits;

  // Where each key and list element was written, by concrete path
  // ("views[1].sinks[0].table.schema", "views[1]"); keys taken from defaults
  // have no entry. Used for errors found after loading (SQL, schema checks).
  std::map<std::string, Position> positions;
  Position position_of(const std::string& path) const;  // {} if unknown
  Diagnostic error_at(const std::string& path, std::string message) const;

  const ViewConfig* find_view(std::string_view name) const;
};

// The libpq connection string for the source (replication=database not
// included). Reads the password from password_env / password_file; an error
// message if that fails (variable unset, file unreadable).
struct ConnInfo {
  std::string conninfo;
  std::string error;
};
ConnInfo source_conninfo(const SourceConfig& source);

const char* sslmode_name(SslMode m);

}  // namespace rindle::config
