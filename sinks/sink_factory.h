// From a configured sink (config::SinkConfig, one entry of a view's `sinks`)
// to its writer and runner options: the one place that maps config keys of
// every sink kind (table, redis, webhook) onto the sinks' option structs.
//
// Secrets named in the config (redis.password_env, webhook.secret_env,
// webhook.headers_from_env) are read from the environment here; an unset
// variable is an error naming the variable, never its value.
//
// The returned runner options carry the sink's own keys (name, batching,
// retries, failure policy); the caller sets the queue limits
// (limits.sink_queue_*) and continue_from, and attaches metrics.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "ivm/status.h"
#include "sinks/sink.h"
#include "sinks/sink_runner.h"

namespace rindle::sinks {

struct SinkBuild {
  std::unique_ptr<SinkWriter> writer;
  SinkRunnerOptions options;
};

// `view` is the view's name; `table_conninfo` the libpq conninfo table sinks
// write to (the source database). `path` ("views[0].sinks[1]") prefixes errors.
ivm::Result<SinkBuild> make_sink(const config::SinkConfig& sink, const std::string& view, const ViewShape& shape,
                                 const std::string& table_conninfo, const std::string& path);

}  // namespace rindle::sinks
