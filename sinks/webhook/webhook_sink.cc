#include "sinks/webhook/webhook_sink.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "ivm/json.h"
#include "sinks/row_json.h"

namespace rindle::sinks {
namespace {

ivm::Status failure(std::string message) { return ivm::Status(ivm::Code::kInternal, std::move(message)); }

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  size_t len = size * n;
  if (out->size() < 4096) out->append(data, std::min(len, 4096 - out->size()));
  return len;
}

std::string iso_time(int64_t us) {
  time_t secs = static_cast<time_t>(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
  int64_t frac = us - static_cast<int64_t>(secs) * 1000000;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

// The URL without user:password and without query or fragment (for logs).
std::string safe_url(const std::string& url) {
  std::string u = url.substr(0, url.find_first_of("?#"));
  size_t scheme = u.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t slash = u.find('/', start);
  size_t at = u.rfind('@', slash == std::string::npos ? u.size() : slash);
  if (at != std::string::npos && at >= start) u.erase(start, at + 1 - start);
  return u;
}

bool fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string webhook_signature(const std::string& secret, const std::string& body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

WebhookSink::WebhookSink(WebhookSinkOptions options, ViewShape shape)
    : options_(std::move(options)), shape_(std::move(shape)) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

WebhookSink::~WebhookSink() { close(); }

std::string WebhookSink::describe() const { return "webhook " + safe_url(options_.url); }

void WebhookSink::close() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
  curl_ = nullptr;
  open_ = false;
}

ivm::Result<SinkState> WebhookSink::open() {
  close();
  RINDLE_RETURN_IF_ERROR(check_column_names(shape_));
  if (options_.progress_file.empty()) return ivm::Status(ivm::Code::kInvalid, describe() + ": no progress file");
  if (options_.on_client_error == ClientErrorPolicy::kDeadLetter && options_.dead_letter_file.empty()) {
    return ivm::Status(ivm::Code::kInvalid, describe() + ": on_client_error dead_letter needs a dead_letter_file");
  }
  SinkState st;
  st.needs_replace = false;
  std::ifstream in(options_.progress_file);
  std::string lsn_text, fingerprint, epoch_text;
  uint64_t epoch = 0;
  if (!in) {
    st.needs_replace = true;
    st.reason = "no progress file " + options_.progress_file + " (first delivery)";
  } else {
    std::getline(in, lsn_text);
    std::getline(in, fingerprint);
    std::getline(in, epoch_text);
    epoch = std::strtoull(epoch_text.c_str(), nullptr, 10);
    if (!lsn_from_text(lsn_text, &st.durable_lsn)) {
      st.durable_lsn = 0;
      st.needs_replace = true;
      st.reason = "the progress file " + options_.progress_file + " is damaged";
    } else if (fingerprint != shape_.fingerprint) {
      st.needs_replace = true;
      st.reason = "the view's definition changed";
    }
  }
  in.close();
  // A new epoch before anything is sent: receivers drop requests of older
  // epochs (a killed predecessor's request may still be on its way).
  epoch_ = epoch + 1;
  progress_fingerprint_ = st.needs_replace ? std::string() : shape_.fingerprint;
  RINDLE_RETURN_IF_ERROR(write_progress(st.durable_lsn));
  CURL* c = curl_easy_init();
  if (!c) return failure("curl_easy_init failed");
  curl_ = c;
  durable_ = st.durable_lsn;
  open_ = true;
  return st;
}

ivm::Status WebhookSink::save_progress(Lsn lsn) {
  progress_fingerprint_ = shape_.fingerprint;
  RINDLE_RETURN_IF_ERROR(write_progress(lsn));
  durable_ = lsn;
  return ivm::Status::Ok();
}

ivm::Status WebhookSink::write_progress(Lsn lsn) {
  std::string tmp = options_.progress_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << lsn_to_text(lsn) << "\n" << progress_fingerprint_ << "\n" << epoch_ << "\n";
    out.flush();
    if (!out) return failure("cannot write " + tmp);
  }
  if (!fsync_path(tmp, O_RDONLY)) return failure("cannot fsync " + tmp);
  if (std::rename(tmp.c_str(), options_.progress_file.c_str()) != 0) return failure("cannot rename " + tmp);
  if (!fsync_path(dir_of(options_.progress_file), O_RDONLY | O_DIRECTORY)) {
    return failure("cannot fsync the directory of " + options_.progress_file);
  }
  return ivm::Status::Ok();
}

ivm::Status WebhookSink::dead_letter(long status, const std::string& response, const std::string& body) {
  std::string line = "{\"time\":";
  ivm::append_json_string(&line, iso_time(static_cast<int64_t>(std::time(nullptr)) * 1000000));
  line += ",\"url\":";
  ivm::append_json_string(&line, safe_url(options_.url));
  line += ",\"status\":" + std::to_string(status) + ",\"response\":";
  ivm::append_json_string(&line, response.substr(0, 1024));
  line += ",\"request\":" + body + "}\n";
  int fd = ::open(options_.dead_letter_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
  if (fd < 0) return failure("cannot open the dead-letter file " + options_.dead_letter_file);
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n <= 0) {
      ::close(fd);
      return failure("cannot write the dead-letter file " + options_.dead_letter_file);
    }
    off += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return failure("cannot fsync the dead-letter file " + options_.dead_letter_file);
  ++counters_.dead_lettered;
  return ivm::Status::Ok();
}

ivm::Status WebhookSink::post(const std::string& body, const std::string& idempotency_key) {
  if (!curl_) return failure("not open");
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  std::string response;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, ("Idempotency-Key: " + idempotency_key).c_str());
  if (!options_.secret.empty()) {
    headers = curl_slist_append(headers, ("X-Rindle-Signature: " + webhook_signature(options_.secret, body)).c_str());
  }
  for (const auto& [name, value] : options_.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(options_.timeout.count(), 10000)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.tls_verify ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "rindled");
  ++counters_.requests;
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    ++counters_.failed;
    counters_.last_status = 0;
    return failure(describe() + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  counters_.last_status = status;
  if (status >= 200 && status < 300) {
    ++counters_.delivered;
    return ivm::Status::Ok();
  }
  std::string excerpt = response.substr(0, 200);
  bool retryable = status >= 500 || status == 408 || status == 429;
  if (!retryable && options_.on_client_error == ClientErrorPolicy::kDeadLetter) {
    return dead_letter(status, response, body);
  }
  ++counters_.failed;
  return failure(describe() + " answered " + std::to_string(status) + (retryable ? "" : " (rejected; on_client_error stop)") +
                 (excerpt.empty() ? "" : ": " + excerpt));
}

std::string WebhookSink::change_json(const ViewTxn& txn, const char* op, const ivm::Row* row, const ivm::Row* old,
                                     const std::string& id) const {
  std::string s = "{\"id\":";
  ivm::append_json_string(&s, id);
  s += ",\"lsn\":\"" + lsn_to_text(txn.lsn) + "\",\"commit_time\":\"" + iso_time(txn.commit_ts) + "\",\"op\":\"" + op +
       "\",\"key\":" + row_id_json(shape_, row ? *row : *old);
  s += ",\"row\":" + (row ? row_json_object(shape_, *row) : std::string("null"));
  s += ",\"old\":" + (old ? row_json_object(shape_, *old) : std::string("null")) + "}";
  return s;
}

ivm::Status WebhookSink::write(std::span<const ViewTxn* const> txns) {
  if (!open_) return failure("not open");
  std::vector<std::string> batch;  // change objects of the request being built
  Lsn first = 0, last = 0;
  auto send = [&]() -> ivm::Status {
    if (first == 0) return ivm::Status::Ok();
    std::string id = shape_.view + "/" + lsn_to_text(first) + "/" + lsn_to_text(last);
    std::string body = "{\"type\":\"changes\",\"epoch\":" + std::to_string(epoch_) + ",\"view\":";
    ivm::append_json_string(&body, shape_.view);
    body += ",\"batch\":";
    ivm::append_json_string(&body, id);
    body += ",\"changes\":[";
    for (size_t i = 0; i < batch.size(); ++i) body += (i ? "," : "") + batch[i];
    body += "]}";
    RINDLE_RETURN_IF_ERROR(post(body, id));
    batch.clear();
    first = 0;
    return ivm::Status::Ok();
  };
  Lsn prev = durable_;
  for (const ViewTxn* t : txns) {
    if (t->lsn <= prev) return failure("transaction " + lsn_to_text(t->lsn) + " is not after " + lsn_to_text(prev));
    prev = t->lsn;
    if (!batch.empty() && batch.size() + t->changes.size() > options_.max_batch_changes) RINDLE_RETURN_IF_ERROR(send());
    std::map<std::string, int> seen;  // ids in this transaction (views without a key repeat rows)
    auto id_of = [&](const ivm::Row& r) {
      std::string id = shape_.view + "/" + lsn_to_text(t->lsn) + "/" + row_id_json(shape_, r);
      int n = seen[id]++;
      return n == 0 ? id : id + "#" + std::to_string(n);
    };
    auto split = [&](const ivm::ViewChange& c) {
      return c.kind == ivm::ChangeKind::kUpdate &&
             (shape_.key.empty() || row_id_json(shape_, c.old_row) != row_id_json(shape_, c.new_row));
    };
    for (const ivm::ViewChange& c : t->changes) {  // removals first
      if (c.kind == ivm::ChangeKind::kDelete || split(c)) {
        batch.push_back(change_json(*t, "delete", nullptr, &c.old_row, id_of(c.old_row)));
      }
    }
    for (const ivm::ViewChange& c : t->changes) {
      if (c.kind == ivm::ChangeKind::kInsert || split(c)) {
        batch.push_back(change_json(*t, "insert", &c.new_row, nullptr, id_of(c.new_row)));
      } else if (c.kind == ivm::ChangeKind::kUpdate) {
        batch.push_back(change_json(*t, "update", &c.new_row, &c.old_row, id_of(c.new_row)));
      }
    }
    if (first == 0) first = t->lsn;
    last = t->lsn;
  }
  RINDLE_RETURN_IF_ERROR(send());
  return save_progress(prev);
}

ivm::Status WebhookSink::replace(Lsn lsn, const std::vector<ivm::Row>& rows) {
  if (!open_) return failure("not open");
  size_t per = std::max<size_t>(1, options_.max_batch_changes);
  size_t parts = rows.empty() ? 1 : (rows.size() + per - 1) / per;
  for (size_t p = 0; p < parts; ++p) {
    // Unique per attempt (the epoch changes at every open): a rebuild that
    // starts over must reset the receiver again, never be taken for a duplicate.
    std::string id = shape_.view + "/replace/" + lsn_to_text(lsn) + "/" + std::to_string(p) + "/epoch" + std::to_string(epoch_);
    std::string body = "{\"type\":\"replace\",\"epoch\":" + std::to_string(epoch_) + ",\"view\":";
    ivm::append_json_string(&body, shape_.view);
    body += ",\"lsn\":\"" + lsn_to_text(lsn) + "\",\"part\":" + std::to_string(p) +
            ",\"final\":" + (p + 1 == parts ? "true" : "false") + ",\"id\":";
    ivm::append_json_string(&body, id);
    body += ",\"rows\":[";
    for (size_t i = p * per; i < std::min(rows.size(), (p + 1) * per); ++i) {
      body += (i == p * per ? "" : ",") + row_json_object(shape_, rows[i]);
    }
    body += "]}";
    RINDLE_RETURN_IF_ERROR(post(body, id));
  }
  return save_progress(lsn);
}

}  // namespace rindle::sinks
