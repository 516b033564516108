// The key table (see keys.h). To add a key: add a field to config.h and one
// entry here; the loader, --print-config and the reference follow, and
// config_reference_test tells you to regenerate config/README.md.
#include "config/keys.h"

#include "config/value_text.h"

namespace rindle::config {
namespace {

using detail::forbidden_key;
using detail::list_key;
using detail::optional_key;
using detail::scalar_key;
using detail::section_key;

// Locates a field of an owner: AT(Config, source.port).
#define AT(Owner, member) (+[](Owner* o) { return &o->member; })

constexpr int64_t kMs = 1;
constexpr int64_t kSec = 1000 * kMs;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kMiB = int64_t{1} << 20;

std::vector<KeyDef> build() {
  std::vector<KeyDef> k;

  // ---- source ----
  k.push_back(section_key("source", {.doc = "The PostgreSQL database whose changes rindled reads (through a "
                                            "logical replication slot) and where the table sinks write by default."}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.host", AT(Config, source.host),
      {.def = "/var/run/postgresql", .validate = validate_nonempty,
       .doc = "Host name, IP address, or directory of the server's Unix socket."}));
  k.push_back(scalar_key<KeyType::kInt>("source.port", AT(Config, source.port),
                                        {.def = "5432", .min = 1, .max = 65535, .doc = "Server port."}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.dbname", AT(Config, source.dbname),
      {.required = true, .validate = validate_nonempty, .doc = "Database holding the source tables."}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.user", AT(Config, source.user),
      {.def = "rindle", .validate = validate_nonempty,
       .doc = "Role to connect as; it needs the REPLICATION attribute (or superuser) and SELECT on the "
              "source tables."}));
  k.push_back(forbidden_key(
      "source.password",
      {.doc = "not accepted: passwords are never written in the config file; use source.password_env or "
              "source.password_file"}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.password_env", AT(Config, source.password_env),
      {.def = "\"\"", .validate = validate_env_name,
       .doc = "Name of an environment variable holding the password (e.g. set by systemd's "
              "EnvironmentFile=). Empty: none."}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.password_file", AT(Config, source.password_file),
      {.def = "\"\"",
       .doc = "File whose first line is the password (relative paths are relative to the config file). "
              "Empty: none. At most one of password_env and password_file may be set."}));
  k.push_back(scalar_key<KeyType::kEnum>(
      "source.sslmode", AT(Config, source.sslmode),
      {.def = "prefer", .choices = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"},
       .doc = "libpq sslmode."}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.application_name", AT(Config, source.application_name),
      {.def = "rindled", .doc = "application_name shown in pg_stat_activity and pg_stat_replication."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "source.connect_timeout", AT(Config, source.connect_timeout),
      {.def = "10s", .min = 1 * kSec, .max = 10 * kMin, .doc = "Timeout of each connection attempt."}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.slot", AT(Config, source.slot),
      {.def = "rindle", .validate = validate_slot_name,
       .doc = "Logical replication slot (pgoutput) rindled consumes. Lower-case letters, digits and _."}));
  k.push_back(scalar_key<KeyType::kString>(
      "source.publication", AT(Config, source.publication),
      {.def = "rindle", .validate = validate_identifier,
       .doc = "Publication naming the tables the slot streams."}));
  k.push_back(scalar_key<KeyType::kBool>(
      "source.create_slot", AT(Config, source.create_slot),
      {.def = "true",
       .doc = "Create the slot if it does not exist (with an exported snapshot for the initial load). "
              "false: a missing slot is an error."}));
  k.push_back(scalar_key<KeyType::kBool>(
      "source.create_publication", AT(Config, source.create_publication),
      {.def = "true",
       .doc = "Create the publication FOR the tables the views read if it does not exist. false: a "
              "missing publication is an error."}));
  k.push_back(section_key("source.snapshot", {.doc = "The initial load, read inside the snapshot exported "
                                                     "when the slot is created."}));
  k.push_back(scalar_key<KeyType::kInt>(
      "source.snapshot.fetch_rows", AT(Config, source.snapshot.fetch_rows),
      {.def = "10000", .min = 1, .max = 10000000, .doc = "Rows fetched per round trip while loading a table."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "source.heartbeat_interval", AT(Config, source.heartbeat_interval),
      {.def = "10s", .min = 100 * kMs, .max = 10 * kMin,
       .doc = "Interval of standby status updates (acknowledgements) to the server; keep it well below "
              "the server's wal_sender_timeout."}));
  k.push_back(section_key("source.reconnect", {.doc = "Reconnecting after the replication connection breaks "
                                                      "(exponential backoff)."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "source.reconnect.initial_backoff", AT(Config, source.reconnect.initial_backoff),
      {.def = "1s", .min = 10 * kMs, .max = 10 * kMin, .doc = "First wait before reconnecting."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "source.reconnect.max_backoff", AT(Config, source.reconnect.max_backoff),
      {.def = "60s", .min = 10 * kMs, .max = 1 * kHour, .doc = "Longest wait between reconnection attempts."}));

  // ---- views ----
  k.push_back(list_key("views", AT(Config, views),
                       {.required = true, .min = 1,
                        .doc = "The views to maintain: each is one SELECT and the sinks its changes go to."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].name", AT(ViewConfig, name),
      {.required = true, .validate = validate_view_name,
       .doc = "Unique name: lower-case letters, digits and _, at most 63 characters. Used in metrics, "
              "logs, the progress table and as the default sink table name."}));
  k.push_back(scalar_key<KeyType::kSql>(
      "views[].sql", AT(ViewConfig, sql),
      {.required = true,
       .doc = "The view as one PostgreSQL SELECT. Write it as a block scalar (`sql: |`) so error "
              "positions point at the right line and column."}));
  k.push_back(scalar_key<KeyType::kStringList>(
      "views[].key", AT(ViewConfig, key),
      {.def = "[]", .validate = validate_nonempty,
       .doc = "Output columns identifying a view row. Empty: derived from the query (primary keys, "
              "GROUP BY columns) where possible; views without a key are multisets."}));
  k.push_back(scalar_key<KeyType::kParamList>(
      "views[].parameters", AT(ViewConfig, parameters),
      {.def = "[]",
       .doc = "Values for $1, $2, ... in the SQL. Plain integers are bigint, plain decimals numeric, "
              "true/false boolean, null NULL, anything else (or quoted) text."}));
  k.push_back(list_key("views[].sinks", AT(ViewConfig, sinks),
                       {.required = true, .min = 1,
                        .doc = "Where the view's changes go. Each entry holds exactly one sink kind section "
                               "(table, redis or webhook) plus the common sink keys."}));
  k.push_back(optional_key("views[].sinks[].table", AT(SinkConfig, table),
                           {.doc = "A PostgreSQL table in the source database kept equal to the view, "
                                   "exactly once (the sink's progress LSN commits with the rows)."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].table.schema", AT(TableSinkConfig, schema),
      {.def = "public", .validate = validate_identifier, .doc = "Schema of the target table."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].table.table", AT(TableSinkConfig, table),
      {.def = "\"\"", .validate = validate_identifier_or_empty,
       .doc = "Target table. Empty: the view's name."}));
  k.push_back(scalar_key<KeyType::kBool>(
      "views[].sinks[].table.create_if_missing", AT(TableSinkConfig, create_if_missing),
      {.def = "true",
       .doc = "Create the target table (view columns, unique view key) if it does not exist. false: it "
              "must exist with matching columns."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].table.progress_table", AT(TableSinkConfig, progress_table),
      {.def = "rindle_progress", .validate = validate_identifier,
       .doc = "Table (in the same schema) holding each sink's last applied source LSN; created if "
              "missing."}));
  k.push_back(optional_key("views[].sinks[].redis", AT(SinkConfig, redis),
                           {.doc = "A Redis database kept equal to the view, effectively once (each source "
                                   "transaction's changes and the sink's progress LSN go in one MULTI/EXEC). See "
                                   "sinks/README.md for the key layout."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].redis.host", AT(RedisSinkConfig, host),
      {.def = "127.0.0.1", .validate = validate_nonempty,
       .doc = "Redis host name or IP address, or the path of its Unix socket (starting with /)."}));
  k.push_back(scalar_key<KeyType::kInt>("views[].sinks[].redis.port", AT(RedisSinkConfig, port),
                                        {.def = "6379", .min = 1, .max = 65535, .doc = "Redis port."}));
  k.push_back(scalar_key<KeyType::kInt>("views[].sinks[].redis.db", AT(RedisSinkConfig, db),
                                        {.def = "0", .min = 0, .max = 1000000, .doc = "Database number (SELECT)."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].redis.password_env", AT(RedisSinkConfig, password_env),
      {.def = "\"\"", .validate = validate_env_name,
       .doc = "Name of an environment variable holding the Redis password (AUTH). Empty: none."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].redis.prefix", AT(RedisSinkConfig, prefix),
      {.def = "\"\"",
       .doc = "Key prefix P: rows live at P:<key as JSON>, the index at P:_rows, the progress at P:_rindle. "
              "Empty: the view's name."}));
  k.push_back(scalar_key<KeyType::kEnum>(
      "views[].sinks[].redis.layout", AT(RedisSinkConfig, layout),
      {.def = "hash", .choices = {"hash", "json", "sorted_set", "stream"},
       .doc = "hash: one hash per row (fields = columns, NULL absent); json: one JSON string per row; "
              "sorted_set: JSON rows plus the sorted set P (member = key, score = score_column); stream: "
              "XADD to P per change (op, lsn, commit_ts, id, row, old)."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].redis.score_column", AT(RedisSinkConfig, score_column),
      {.def = "\"\"", .doc = "sorted_set: the numeric output column giving each member's score (NULL: +inf)."}));
  k.push_back(scalar_key<KeyType::kInt>(
      "views[].sinks[].redis.stream_max_length", AT(RedisSinkConfig, stream_max_length),
      {.def = "0", .min = 0, .max = int64_t{1} << 40,
       .doc = "stream: trim to about this many entries (XADD MAXLEN ~). 0: never trim."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "views[].sinks[].redis.timeout", AT(RedisSinkConfig, timeout),
      {.def = "5s", .min = 10 * kMs, .max = 10 * kMin, .doc = "Connect and command timeout."}));

  k.push_back(optional_key("views[].sinks[].webhook", AT(SinkConfig, webhook),
                           {.doc = "An HTTP endpoint receiving the view's changes as JSON POSTs, at least once, "
                                   "in order, each change with an idempotency id. See sinks/README.md for the "
                                   "body format."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].webhook.url", AT(WebhookSinkConfig, url),
      {.required = true, .validate = validate_http_url, .doc = "http:// or https:// URL to POST to."}));
  k.push_back(scalar_key<KeyType::kStringList>(
      "views[].sinks[].webhook.headers", AT(WebhookSinkConfig, headers),
      {.def = "[]", .validate = validate_http_header,
       .doc = "Extra request headers, each \"Name: value\". Not for secrets (they are printed); use "
              "headers_from_env."}));
  k.push_back(scalar_key<KeyType::kStringList>(
      "views[].sinks[].webhook.headers_from_env", AT(WebhookSinkConfig, headers_from_env),
      {.def = "[]", .validate = validate_http_header_env,
       .doc = "Extra request headers whose values come from environment variables, each \"Name: VARIABLE\" "
              "(e.g. \"Authorization: HOOK_TOKEN\")."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].webhook.secret_env", AT(WebhookSinkConfig, secret_env),
      {.def = "\"\"", .validate = validate_env_name,
       .doc = "Name of an environment variable holding the HMAC-SHA256 key; each request then carries "
              "X-Rindle-Signature: sha256=<hex of HMAC(key, body)>. Empty: unsigned."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "views[].sinks[].webhook.timeout", AT(WebhookSinkConfig, timeout),
      {.def = "10s", .min = 10 * kMs, .max = 10 * kMin,
       .doc = "Longest time for one request; a timeout is retried like a 5xx."}));
  k.push_back(scalar_key<KeyType::kBool>(
      "views[].sinks[].webhook.tls_verify", AT(WebhookSinkConfig, tls_verify),
      {.def = "true", .doc = "Verify the server's certificate and host name (https)."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].webhook.ca_file", AT(WebhookSinkConfig, ca_file),
      {.def = "\"\"",
       .doc = "CA bundle to verify the server with (relative paths are relative to the config file). Empty: "
              "the system's."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "views[].sinks[].webhook.batch_interval", AT(WebhookSinkConfig, batch_interval),
      {.def = "100ms", .min = 0, .max = 1 * kMin,
       .doc = "Batching by time: wait up to this long for more transactions before posting (0: post at "
              "once)."}));
  k.push_back(scalar_key<KeyType::kInt>(
      "views[].sinks[].webhook.max_batch_changes", AT(WebhookSinkConfig, max_batch_changes),
      {.def = "1000", .min = 1, .max = 1000000,
       .doc = "Batching by count: most changes per request (a larger source transaction is posted alone, "
              "never split)."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].webhook.progress_file", AT(WebhookSinkConfig, progress_file),
      {.def = "\"\"",
       .doc = "File holding the last delivered source LSN (relative paths are relative to the config file). "
              "Empty: webhook.<view>.<sink index>.progress in state.directory."}));
  k.push_back(scalar_key<KeyType::kEnum>(
      "views[].sinks[].webhook.on_client_error", AT(WebhookSinkConfig, on_client_error),
      {.def = "stop", .choices = {"stop", "dead_letter"},
       .doc = "A 3xx/4xx answer (except 408 and 429, which are retried): stop: retry the same request with "
              "backoff, sending nothing after it (on_failure then applies); dead_letter: append the request "
              "to dead_letter_file and go on."}));
  k.push_back(scalar_key<KeyType::kString>(
      "views[].sinks[].webhook.dead_letter_file", AT(WebhookSinkConfig, dead_letter_file),
      {.def = "\"\"",
       .doc = "JSON lines file of rejected requests (status, response excerpt, request body). Empty: "
              "webhook.<view>.<sink index>.dead.jsonl in state.directory."}));
  k.push_back(scalar_key<KeyType::kInt>(
      "views[].sinks[].max_batch_transactions", AT(SinkConfig, max_batch_transactions),
      {.def = "256", .min = 1, .max = 100000,
       .doc = "Most source transactions written in one sink transaction when they queue up."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "views[].sinks[].retry_initial_backoff", AT(SinkConfig, retry_initial_backoff),
      {.def = "500ms", .min = 1 * kMs, .max = 10 * kMin, .doc = "First wait before retrying a failed write."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "views[].sinks[].retry_max_backoff", AT(SinkConfig, retry_max_backoff),
      {.def = "30s", .min = 1 * kMs, .max = 1 * kHour, .doc = "Longest wait between retries."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "views[].sinks[].failure_timeout", AT(SinkConfig, failure_timeout),
      {.def = "60s", .min = 1 * kSec, .max = 24 * kHour,
       .doc = "How long a sink may keep failing before on_failure applies."}));
  k.push_back(scalar_key<KeyType::kEnum>(
      "views[].sinks[].on_failure", AT(SinkConfig, on_failure),
      {.def = "detach", .choices = {"retry", "detach"},
       .doc = "retry: keep retrying; backpressure pauses the whole pipeline meanwhile. detach: stop "
              "feeding the sink, report it failed (/healthz, metrics), stop holding back the slot; it is "
              "reconciled (contents replaced) on the next reload or restart."}));

  // ---- state ----
  k.push_back(section_key("state", {.doc = "Local state: the engine checkpoint."}));
  k.push_back(scalar_key<KeyType::kString>(
      "state.directory", AT(Config, state.directory),
      {.def = "/var/lib/rindle", .validate = validate_nonempty,
       .doc = "Directory for checkpoints (relative paths are relative to the config file)."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "state.checkpoint_interval", AT(Config, state.checkpoint_interval),
      {.def = "5m", .min = 1 * kSec, .max = 24 * kHour,
       .doc = "Longest time between engine checkpoints; the slot keeps WAL since the last one."}));
  k.push_back(scalar_key<KeyType::kInt>(
      "state.checkpoint_changes", AT(Config, state.checkpoint_changes),
      {.def = "1000000", .min = 0, .max = 1000000000000,
       .doc = "Also checkpoint after this many applied row changes (0: by time only)."}));

  // ---- metrics ----
  k.push_back(section_key("metrics", {.doc = "HTTP endpoint with /metrics (Prometheus) and /healthz."}));
  k.push_back(scalar_key<KeyType::kBool>("metrics.enabled", AT(Config, metrics.enabled),
                                         {.def = "true", .doc = "Serve the endpoint."}));
  k.push_back(scalar_key<KeyType::kAddress>(
      "metrics.listen", AT(Config, metrics.listen),
      {.def = "127.0.0.1:9732",
       .doc = "host:port to listen on (port 0: any free port). Loopback by default: the endpoint has no "
              "authentication."}));

  // ---- logging ----
  k.push_back(section_key("logging", {.doc = "Logs go to standard error (the journal under systemd)."}));
  k.push_back(scalar_key<KeyType::kEnum>(
      "logging.level", AT(Config, logging.level),
      {.def = "info", .choices = {"trace", "debug", "info", "warn", "error"}, .live = true,
       .doc = "Least severe level logged."}));
  k.push_back(scalar_key<KeyType::kEnum>(
      "logging.format", AT(Config, logging.format),
      {.def = "human", .choices = {"human", "json"}, .live = true,
       .doc = "human: one readable line per event; json: one JSON object per line."}));

  // ---- limits ----
  k.push_back(section_key("limits", {.doc = "Memory bounds between the stages. A full queue stops the stage "
                                            "before it (backpressure), up to the replication reader, which "
                                            "then stops reading the slot. A single transaction larger than a "
                                            "bound is admitted alone."}));
  k.push_back(scalar_key<KeyType::kInt>(
      "limits.queue_transactions", AT(Config, limits.queue_transactions),
      {.def = "4096", .min = 1, .max = 10000000, .doc = "Source transactions queued for the engine."}));
  k.push_back(scalar_key<KeyType::kSize>(
      "limits.queue_bytes", AT(Config, limits.queue_bytes),
      {.def = "256MiB", .min = 1 * kMiB, .max = int64_t{1} << 40, .doc = "Bytes of source changes queued for the engine."}));
  k.push_back(scalar_key<KeyType::kInt>(
      "limits.sink_queue_transactions", AT(Config, limits.sink_queue_transactions),
      {.def = "4096", .min = 1, .max = 10000000, .doc = "View transactions queued per sink."}));
  k.push_back(scalar_key<KeyType::kSize>(
      "limits.sink_queue_bytes", AT(Config, limits.sink_queue_bytes),
      {.def = "64MiB", .min = 1 * kMiB, .max = int64_t{1} << 40, .doc = "Bytes of view changes queued per sink."}));
  k.push_back(scalar_key<KeyType::kDuration>(
      "limits.shutdown_timeout", AT(Config, limits.shutdown_timeout),
      {.def = "30s", .min = 1 * kSec, .max = 1 * kHour,
       .doc = "On SIGTERM, how long draining and flushing the sinks may take before rindled exits anyway "
              "(non-zero; nothing is lost, the unacknowledged changes are replayed at the next start)."}));
  return k;
}

#undef AT

}  // namespace

const char* key_type_name(KeyType t) {
  switch (t) {
    case KeyType::kString: return "string";
    case KeyType::kInt: return "integer";
    case KeyType::kBool: return "boolean";
    case KeyType::kDuration: return "duration";
    case KeyType::kSize: return "size";
    case KeyType::kEnum: return "enum";
    case KeyType::kStringList: return "list of strings";
    case KeyType::kParamList: return "list of scalars";
    case KeyType::kSql: return "SQL";
    case KeyType::kAddress: return "host:port";
    case KeyType::kSection: return "section";
    case KeyType::kOptionalSection: return "optional section";
    case KeyType::kSectionList: return "list of sections";
    case KeyType::kForbidden: return "not accepted";
  }
  return "?";
}

std::string_view KeyDef::parent() const {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}

std::string_view KeyDef::name() const {
  size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

const std::vector<KeyDef>& key_table() {
  static const std::vector<KeyDef> table = build();
  return table;
}

const KeyDef* find_key(std::string_view path) {
  for (const KeyDef& k : key_table()) {
    if (k.path == path) return &k;
  }
  return nullptr;
}

std::vector<const KeyDef*> child_keys(std::string_view parent) {
  // A list's children hang under "<list>[]".
  std::vector<const KeyDef*> out;
  for (const KeyDef& k : key_table()) {
    if (k.parent() == parent) out.push_back(&k);
  }
  return out;
}

}  // namespace rindle::config
