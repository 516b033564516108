#include "sinks/sink_factory.h"

#include <cstdlib>

#include "sinks/redis/redis_sink.h"
#include "sinks/table/table_sink.h"
#include "sinks/webhook/webhook_sink.h"

namespace rindle::sinks {
namespace {

ivm::Status from_env(const std::string& path, const std::string& var, std::string* out) {
  const char* v = std::getenv(var.c_str());
  if (!v) return ivm::Status(ivm::Code::kInvalid, path + ": the environment variable " + var + " is not set");
  *out = v;
  return ivm::Status::Ok();
}

}  // namespace

ivm::Result<SinkBuild> make_sink(const config::SinkConfig& sc, const std::string& view, const ViewShape& shape,
                                 const std::string& table_conninfo, const std::string& path) {
  SinkBuild b;
  b.options.max_batch_transactions = static_cast<size_t>(sc.max_batch_transactions);
  b.options.retry_initial_backoff = sc.retry_initial_backoff;
  b.options.retry_max_backoff = sc.retry_max_backoff;
  b.options.failure_timeout = sc.failure_timeout;
  b.options.on_failure = sc.on_failure == config::SinkFailurePolicy::kRetry ? FailurePolicy::kRetry : FailurePolicy::kDetach;
  if (sc.table) {
    TableSinkOptions to;
    to.conninfo = table_conninfo;
    to.schema = sc.table->schema;
    to.table = sc.table->table.empty() ? view : sc.table->table;
    to.create_if_missing = sc.table->create_if_missing;
    to.progress_table = sc.table->progress_table;
    b.writer = std::make_unique<TableSink>(std::move(to), shape);
  } else if (sc.redis) {
    const config::RedisSinkConfig& c = *sc.redis;
    RedisSinkOptions ro;
    ro.host = c.host;
    ro.port = static_cast<int>(c.port);
    ro.db = static_cast<int>(c.db);
    if (!c.password_env.empty()) RINDLE_RETURN_IF_ERROR(from_env(path + ".redis.password_env", c.password_env, &ro.password));
    ro.prefix = c.prefix.empty() ? view : c.prefix;
    ro.layout = static_cast<RedisLayout>(static_cast<unsigned char>(c.layout));  // same order (checked below)
    static_assert(static_cast<int>(config::RedisLayout::kStream) == static_cast<int>(RedisLayout::kStream));
    static_assert(static_cast<int>(config::RedisLayout::kSortedSet) == static_cast<int>(RedisLayout::kSortedSet));
    ro.score_column = c.score_column;
    ro.stream_max_length = c.stream_max_length;
    ro.timeout = c.timeout;
    b.writer = std::make_unique<RedisSink>(std::move(ro), shape);
  } else if (sc.webhook) {
    const config::WebhookSinkConfig& c = *sc.webhook;
    WebhookSinkOptions wo;
    wo.url = c.url;
    for (const std::string& h : c.headers) {
      size_t colon = h.find(':');
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      wo.headers.emplace_back(h.substr(0, colon), value);
    }
    for (const std::string& h : c.headers_from_env) {
      size_t colon = h.find(':');
      std::string var = h.substr(colon + 1);
      var.erase(0, var.find_first_not_of(" \t"));
      std::string value;
      RINDLE_RETURN_IF_ERROR(from_env(path + ".webhook.headers_from_env", var, &value));
      wo.headers.emplace_back(h.substr(0, colon), value);
    }
    if (!c.secret_env.empty()) RINDLE_RETURN_IF_ERROR(from_env(path + ".webhook.secret_env", c.secret_env, &wo.secret));
    wo.timeout = c.timeout;
    wo.tls_verify = c.tls_verify;
    wo.ca_file = c.ca_file;
    wo.max_batch_changes = static_cast<size_t>(c.max_batch_changes);
    wo.progress_file = c.progress_file;
    wo.on_client_error = c.on_client_error == config::WebhookClientErrorPolicy::kDeadLetter ? ClientErrorPolicy::kDeadLetter
                                                                                           : ClientErrorPolicy::kStop;
    wo.dead_letter_file = c.dead_letter_file;
    b.options.batch_linger = c.batch_interval;
    b.writer = std::make_unique<WebhookSink>(std::move(wo), shape);
  } else {
    return ivm::Status(ivm::Code::kInvalid, path + ": the sink has no kind");
  }
  b.options.name = "view " + view + " -> " + b.writer->describe();
  return b;
}

}  // namespace rindle::sinks
