// The webhook sink: a view's changes POSTed as JSON (libcurl), at least once.
//
// Each write() POSTs the runner's batch of source transactions, in order, as
// one or more requests of at most max_batch_changes changes (a transaction is
// never split: a larger one goes alone). Body (Content-Type application/json):
//
//   {"type":"changes","epoch":3,"view":"orders","batch":"orders/0/16B374D8/0/16B37A10",
//    "changes":[{"id":"orders/0/16B374D8/42","lsn":"0/16B374D8",
//                "commit_time":"2024-05-01T10:00:00.123456Z","op":"insert",
//                "key":42,"row":{...},"old":null}, ...]}
//
//  * op is insert, update or delete; `row` is the new row (null for delete),
//    `old` the old row (null for insert); `key` the view key as JSON (the
//    value for a one-column key, an array for longer keys, the whole row as
//    an array for views without a key).
//  * id — the idempotency key of the change: view/LSN/key, plus "#n" for the
//    n-th identical row of a view without a key in one transaction. A change
//    delivered twice has the same id, so receivers deduplicate by it.
//  * Changes are listed so that applying them one after the other is right:
//    per transaction, all removals come first. An update that changes the
//    row's key (and every update of a view without a key) is sent as a delete
//    of the old row and, after the removals, an insert of the new one.
//
// A rebuild (the view's full contents) is sent as requests of type "replace":
//   {"type":"replace","epoch":3,"view":...,"lsn":...,"part":0,"final":false,
//    "id":"orders/replace/0/16B374D8/0/epoch3","rows":[{...},...]}
// part 0 tells the receiver to drop everything it holds for the view; the
// rows of all parts up to the one with "final":true are the view at `lsn`.
// Receivers then ignore changes with an LSN at or below the replace's (they
// are part of it). A rebuild that is interrupted starts over with part 0 in a
// new epoch (new ids).
//
// epoch: increases at every open() (stored in the progress file, fsynced
// before anything is sent). A request of a killed predecessor may still be in
// flight while its successor starts; receivers drop requests whose epoch is
// below the highest they have seen for the view.
//
// Headers: the configured ones, Content-Type, Idempotency-Key (the batch id
// or replace part id), and with a secret X-Rindle-Signature:
// "sha256=" + hex HMAC-SHA256(secret, body).
//
// Delivery: at least once, in order, one request at a time. 2xx: delivered.
// Network errors, timeouts, 408, 429 and 5xx: write() fails and the runner
// retries the same batch with exponential backoff. Other statuses (3xx,
// 4xx): on_client_error — kStop: write() fails like a 5xx (the runner's
// on_failure policy applies; nothing after the rejected batch is sent), or
// kDeadLetter: the request (status, response excerpt, body) is appended as
// one JSON line to dead_letter_file (fsynced) and delivery goes on.
// The durable LSN (and the view's fingerprint) live in progress_file,
// replaced atomically (write, fsync, rename, fsync directory) after the last
// request of a write() was answered 2xx. A crash between the answer and the
// rename sends the batch again: receivers see the same ids.
//
// Secrets: the HMAC secret, header values and the URL's user:password are
// never part of describe() or of any error message.
//
// Thread rules: one thread at a time (the sink's runner).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "sinks/sink.h"

namespace rindle::sinks {

enum class ClientErrorPolicy : unsigned char { kStop, kDeadLetter };

struct WebhookSinkOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string secret;            // HMAC-SHA256 key; empty: no signature header
  std::chrono::milliseconds timeout{10000};  // whole request
  bool tls_verify = true;        // verify the server's certificate and host name
  std::string ca_file;           // extra CA bundle; empty: the system's
  size_t max_batch_changes = 1000;
  std::string progress_file;     // REQUIRED: where the durable LSN is kept
  ClientErrorPolicy on_client_error = ClientErrorPolicy::kStop;
  std::string dead_letter_file;  // kDeadLetter: JSON lines appended here
};

class WebhookSink final : public SinkWriter {
 public:
  WebhookSink(WebhookSinkOptions options, ViewShape shape);
  ~WebhookSink() override;

  std::string describe() const override;  // "webhook https://host/path" (no user:password, no query)
  ivm::Result<SinkState> open() override;
  ivm::Status replace(Lsn lsn, const std::vector<ivm::Row>& rows) override;
  ivm::Status write(std::span<const ViewTxn* const> txns) override;
  void close() override;

  struct Counters {
    uint64_t requests = 0;       // requests sent (attempts)
    uint64_t delivered = 0;      // answered 2xx
    uint64_t dead_lettered = 0;  // rejected and written to the dead-letter file
    uint64_t failed = 0;         // network errors, timeouts, retryable and stopping statuses
    long last_status = 0;        // HTTP status of the last answer (0: none)
  };
  const Counters& counters() const { return counters_; }

 private:
  // POSTs one body; Ok on 2xx (or dead-lettered); an error otherwise.
  ivm::Status post(const std::string& body, const std::string& idempotency_key);
  ivm::Status dead_letter(long status, const std::string& response, const std::string& body);
  ivm::Status save_progress(Lsn lsn);   // durable LSN := lsn (with the view's fingerprint)
  ivm::Status write_progress(Lsn lsn);  // the file: lsn, progress_fingerprint_, epoch_
  std::string change_json(const ViewTxn& txn, const char* op, const ivm::Row* row, const ivm::Row* old,
                          const std::string& id) const;

  WebhookSinkOptions options_;
  ViewShape shape_;
  void* curl_ = nullptr;  // CURL*, reused between requests (keeps the connection)
  bool open_ = false;
  Lsn durable_ = 0;
  uint64_t epoch_ = 0;                // this open's epoch (stored epoch + 1)
  std::string progress_fingerprint_;  // empty until the contents are the view's (after a replace)
  Counters counters_;
};

// "sha256=<hex>" of HMAC-SHA256(secret, body) (exposed for tests and receivers).
std::string webhook_signature(const std::string& secret, const std::string& body);

}  // namespace rindle::sinks
