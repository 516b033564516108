#include "sinks/testing/webhook_receiver.h"

#include <civetweb.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "sinks/testing/redis_server.h"
#include "sinks/webhook/webhook_sink.h"

namespace rindle::sinks::testing {

std::string json_text(const ivm::Json& j) {
  std::string out;
  switch (j.kind) {
    case ivm::Json::Kind::kNull: return "null";
    case ivm::Json::Kind::kBool: return j.boolean ? "true" : "false";
    case ivm::Json::Kind::kNumber: return j.text;
    case ivm::Json::Kind::kString:
      ivm::append_json_string(&out, j.text);
      return out;
    case ivm::Json::Kind::kArray:
      out = "[";
      for (size_t i = 0; i < j.items.size(); ++i) out += (i ? "," : "") + json_text(j.items[i]);
      return out + "]";
    case ivm::Json::Kind::kObject:
      out = "{";
      for (size_t i = 0; i < j.items.size(); ++i) {
        if (i) out += ",";
        ivm::append_json_string(&out, j.keys[i]);
        out += ":" + json_text(j.items[i]);
      }
      return out + "}";
  }
  return out;
}

WebhookReceiver::WebhookReceiver(std::string secret) : secret_(std::move(secret)) {
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  port_ = free_port();
  start();
}

WebhookReceiver::~WebhookReceiver() { stop(); }

bool WebhookReceiver::start() {
  if (ctx_) return true;
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", "4", "request_timeout_ms", "10000",
                           "enable_keep_alive", "yes", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  for (int attempt = 0; attempt < 100 && !ctx_; ++attempt) {  // the port may linger briefly after stop()
    ctx_ = mg_start(&callbacks, nullptr, options);
    if (!ctx_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!ctx_) {
    error_ = "cannot listen on " + listen;
    return false;
  }
  mg_set_request_handler(ctx_, "/hook", &WebhookReceiver::handle, this);
  return true;
}

void WebhookReceiver::stop() {
  if (ctx_) mg_stop(ctx_);
  ctx_ = nullptr;
}

int WebhookReceiver::handle(mg_connection* conn, void* self) { return static_cast<WebhookReceiver*>(self)->handle(conn); }

int WebhookReceiver::handle(mg_connection* conn) {
  ++requests_;
  std::string body;
  char buf[8192];
  for (;;) {
    int n = mg_read(conn, buf, sizeof buf);
    if (n <= 0) break;
    body.append(buf, static_cast<size_t>(n));
  }
  int status = 200;
  if (fail_next_.load() > 0 && fail_next_.fetch_sub(1) > 0) {
    status = fail_status_;
  } else {
    const char* sig = mg_get_header(conn, "X-Rindle-Signature");
    if (!secret_.empty() && (!sig || webhook_signature(secret_, body) != sig)) {
      ++bad_signatures_;
      status = 401;
    } else {
      if (!mg_get_header(conn, "Idempotency-Key")) ++missing_keys_;
      apply(body);
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
    }
  }
  mg_printf(conn, "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok", status);
  return status;
}

void WebhookReceiver::apply(const std::string& body) {
  std::lock_guard<std::mutex> l(mu_);
  bodies_.push_back(body);
  auto doc = ivm::parse_json(body);
  if (!doc.ok() || doc->kind != ivm::Json::Kind::kObject) {
    problems_.push_back("malformed body: " + body.substr(0, 200));
    return;
  }
  const ivm::Json* type = doc->find("type");
  const ivm::Json* view = doc->find("view");
  if (!type || !view) {
    problems_.push_back("no type or view: " + body.substr(0, 200));
    return;
  }
  std::vector<Row>& rows = views_[view->text];
  // Requests of an older epoch come from a sender that was since replaced
  // (killed while this request was on its way): drop them.
  const ivm::Json* epoch = doc->find("epoch");
  uint64_t e = epoch ? std::strtoull(epoch->text.c_str(), nullptr, 10) : 0;
  uint64_t& newest = epochs_[view->text];
  if (e < newest) {
    ++stale_;
    return;
  }
  newest = e;
  if (type->text == "replace") {
    const ivm::Json* id = doc->find("id");
    if (!id || seen_[id->text]) {
      ++duplicates_;
      return;
    }
    seen_[id->text] = true;
    const ivm::Json* part = doc->find("part");
    if (part && part->text == "0") {
      rows.clear();
      Lsn r = 0;
      if (!lsn_from_text(doc->find("lsn")->text, &r)) problems_.push_back("bad replace lsn");
      replaced_at_[view->text] = r;
    }
    // Replace parts carry whole rows; a view's key is not in them, so they
    // are keyed by their whole text until a change names them by key.
    for (const ivm::Json& r : doc->find("rows")->items) rows.push_back(Row{"", r});
    return;
  }
  const ivm::Json* changes = doc->find("changes");
  if (!changes) {
    problems_.push_back("no changes: " + body.substr(0, 200));
    return;
  }
  for (const ivm::Json& c : changes->items) {
    const ivm::Json* id = c.find("id");
    if (!id) {
      problems_.push_back("a change without id");
      continue;
    }
    Lsn lsn = 0;
    if (!c.find("lsn") || !lsn_from_text(c.find("lsn")->text, &lsn)) {
      problems_.push_back("a change without a valid lsn");
      continue;
    }
    if (lsn <= replaced_at_[view->text]) {  // part of the last replace
      ++duplicates_;
      continue;
    }
    if (seen_[id->text]) {
      ++duplicates_;
      continue;
    }
    seen_[id->text] = true;
    std::string op = c.find("op")->text;
    std::string key = json_text(*c.find("key"));
    auto find = [&](const std::string& k, const ivm::Json* whole) -> long {
      for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].key == k) return static_cast<long>(i);
        if (rows[i].key.empty() && whole && json_text(rows[i].row) == json_text(*whole)) return static_cast<long>(i);
      }
      return -1;
    };
    if (op == "delete" || op == "update") {
      long i = find(key, c.find("old"));
      if (i < 0) {
        problems_.push_back(op + " of a missing row " + key + " (" + id->text + ")");
        continue;
      }
      if (op == "delete") {
        rows.erase(rows.begin() + i);
      } else {
        rows[static_cast<size_t>(i)] = Row{key, *c.find("row")};
      }
    } else if (op == "insert") {
      rows.push_back(Row{key, *c.find("row")});
    } else {
      problems_.push_back("unknown op " + op);
    }
  }
}

std::vector<WebhookReceiver::Row> WebhookReceiver::rows(const std::string& view) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = views_.find(view);
  return it == views_.end() ? std::vector<Row>{} : it->second;
}

std::vector<std::string> WebhookReceiver::problems() const {
  std::lock_guard<std::mutex> l(mu_);
  return problems_;
}

std::vector<std::string> WebhookReceiver::bodies() const {
  std::lock_guard<std::mutex> l(mu_);
  return bodies_;
}

}  // namespace rindle::sinks::testing
