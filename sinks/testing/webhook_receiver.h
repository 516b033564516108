// A real HTTP webhook receiver for tests (civetweb, loopback, its own port).
//
// It does what the webhook sink's documentation asks of a receiver: checks
// the signature, drops requests of an older epoch than the newest seen for
// the view, ignores changes at or below the last replace's LSN,
// deduplicates changes by their id, applies "replace" parts
// and changes one after the other, and keeps the resulting rows of each view
// (as JSON objects keyed by the change's "key"). Faults on demand: answer the
// next n requests with a status (after or without applying them), delay
// answers (client timeouts), stop and start listening on the same port.
//
// Thread rules: thread-safe (requests arrive on civetweb's threads).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ivm/json.h"

struct mg_context;
struct mg_connection;

namespace rindle::sinks::testing {

class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::string secret = "");
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  bool start();  // listens on port() (a free port chosen by the constructor)
  void stop();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  const std::string& error() const { return error_; }

  // The next n requests are answered `status` without being applied.
  void fail_next(int n, int status = 500) {
    fail_next_ = n;
    fail_status_ = status;
  }
  // Requests are applied, then answered after `ms` (beyond a client timeout
  // the sender sees a failure although the receiver has the changes).
  void delay(int ms) { delay_ms_ = ms; }

  struct Row {
    std::string key;  // the change's "key", serialized
    ivm::Json row;    // the row object
  };
  std::vector<Row> rows(const std::string& view) const;
  uint64_t requests() const { return requests_; }
  uint64_t duplicates() const { return duplicates_; }  // changes ignored as already seen
  uint64_t stale() const { return stale_; }            // requests dropped for an older epoch
  uint64_t bad_signatures() const { return bad_signatures_; }
  uint64_t missing_idempotency_keys() const { return missing_keys_; }
  // Inconsistencies a correct sender never causes: deleting or updating a
  // missing row, inserting a present key (keyed views), malformed bodies.
  std::vector<std::string> problems() const;
  std::vector<std::string> bodies() const;  // every request body received, in order

 private:
  static int handle(mg_connection* conn, void* self);
  int handle(mg_connection* conn);
  void apply(const std::string& body);

  std::string secret_;
  int port_ = 0;
  mg_context* ctx_ = nullptr;
  std::string error_;
  std::atomic<int> fail_next_{0};
  std::atomic<int> fail_status_{500};
  std::atomic<int> delay_ms_{0};
  std::atomic<uint64_t> requests_{0}, duplicates_{0}, bad_signatures_{0}, missing_keys_{0}, stale_{0};

  mutable std::mutex mu_;
  std::map<std::string, std::vector<Row>> views_;
  std::map<std::string, uint64_t> epochs_;  // newest epoch seen per view
  std::map<std::string, uint64_t> replaced_at_;  // LSN of the last replace per view
  std::map<std::string, bool> seen_;  // change and replace-part ids
  std::vector<std::string> problems_;
  std::vector<std::string> bodies_;
};

// JSON text of a parsed value (object members in document order).
std::string json_text(const ivm::Json& j);

}  // namespace rindle::sinks::testing
