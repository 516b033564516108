#include "daemon/testing/sink_views.h"

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace rindle::daemon::testing {

namespace {

const char* const kRetry =
    "        retry_initial_backoff: 100ms\n        retry_max_backoff: 1s\n        failure_timeout: 2s\n";

// A Redis connection for one comparison; replies as strings.
class Redis {
 public:
  explicit Redis(int port) {
    timeval tv{5, 0};
    c_ = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (!c_ || c_->err) error_ = c_ ? c_->errstr : "cannot connect";
  }
  ~Redis() {
    if (c_) redisFree(c_);
  }
  const std::string& error() const { return error_; }
  // Flat array replies (and scalars as one element).
  std::vector<std::string> cmd(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    if (!error_.empty()) return out;
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.c_str());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(args.size()), argv.data(), lens.data()));
    if (!r) {
      error_ = "redis: " + std::string(c_->errstr);
      return out;
    }
    flatten(r, &out);
    freeReplyObject(r);
    return out;
  }
  redisReply* raw(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.c_str());
      lens.push_back(a.size());
    }
    return static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(args.size()), argv.data(), lens.data()));
  }

 private:
  void flatten(redisReply* r, std::vector<std::string>* out) {
    if (r->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < r->elements; ++i) flatten(r->element[i], out);
    } else if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
      out->emplace_back(r->str, r->len);
    } else if (r->type == REDIS_REPLY_INTEGER) {
      out->push_back(std::to_string(r->integer));
    } else if (r->type == REDIS_REPLY_ERROR) {
      error_ = std::string("redis error: ") + r->str;
    }
  }
  redisContext* c_ = nullptr;
  std::string error_;
};

std::string json_value_text(const nlohmann::json& v) {
  if (v.is_null()) return "\\N";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "t" : "f";
  return v.dump();
}

// A JSON row object as row text in the order of `columns`.
std::string row_text(const nlohmann::json& row, const std::vector<std::string>& columns) {
  std::string line;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) line += '|';
    auto it = row.find(columns[i]);
    line += it == row.end() ? "\\N" : json_value_text(*it);
  }
  return line;
}

// "" if equal as multisets; else the difference (at most 10 lines each way).
std::string diff_rows(const std::string& what, std::vector<std::string> expected, std::vector<std::string> actual) {
  std::sort(expected.begin(), expected.end());
  std::sort(actual.begin(), actual.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  if (missing.empty() && extra.empty()) return "";
  std::string d = what + " (" + std::to_string(actual.size()) + " rows there, " + std::to_string(expected.size()) +
                  " from the SQL):\n";
  for (size_t i = 0; i < missing.size() && i < 10; ++i) d += "  missing: " + missing[i] + "\n";
  for (size_t i = 0; i < extra.size() && i < 10; ++i) d += "  extra:   " + extra[i] + "\n";
  return d;
}

}  // namespace

std::string table_sink_yaml(const std::string& schema) {
  return "      - table:\n          schema: " + schema + "\n" + kRetry;
}

std::string redis_sink_yaml(int port, const std::string& prefix, const std::string& layout,
                            const std::string& score_column) {
  std::string y = "      - redis:\n          port: " + std::to_string(port) + "\n          prefix: " + prefix +
                  "\n          layout: " + layout + "\n";
  if (!score_column.empty()) y += "          score_column: " + score_column + "\n";
  return y + kRetry;
}

std::string webhook_sink_yaml(const std::string& url, const std::string& secret_env) {
  std::string y = "      - webhook:\n          url: " + url + "\n          batch_interval: 20ms\n" +
                  "          max_batch_changes: 200\n          timeout: 2s\n";
  if (!secret_env.empty()) y += "          secret_env: " + secret_env + "\n";
  return y + kRetry;
}

std::vector<std::string> view_columns(const std::string& conninfo, const TestView& v, std::string* error) {
  std::vector<std::string> cols;
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, ("SELECT * FROM (" + v.sql + ") q LIMIT 0").c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    *error = PQresultErrorMessage(r);
  } else {
    for (int i = 0; i < PQnfields(r); ++i) cols.emplace_back(PQfname(r, i));
  }
  PQclear(r);
  PQfinish(c);
  return cols;
}

std::string compare_redis(const std::string& conninfo, const TestView& v, int port, const std::string& prefix,
                          const std::string& layout) {
  std::string err;
  std::vector<std::string> expected = query_rows(conninfo, v.sql, &err);
  if (!err.empty()) return "the view's SQL failed: " + err;
  std::vector<std::string> cols = view_columns(conninfo, v, &err);
  if (!err.empty()) return err;
  Redis r(port);
  std::vector<std::string> index = r.cmd({"HGETALL", prefix + ":_rows"});
  std::vector<std::string> actual;
  std::string problems;
  std::set<std::string> ids;
  for (size_t i = 0; i + 1 < index.size(); i += 2) {
    const std::string& id = index[i];
    ids.insert(id);
    int copies = std::stoi(index[i + 1]);
    if (copies != 1) problems += "  " + prefix + ":_rows " + id + " = " + index[i + 1] + " (a keyed row twice?)\n";
    std::string line;
    if (layout == "hash") {
      std::vector<std::string> fields = r.cmd({"HGETALL", prefix + ":" + id});
      std::map<std::string, std::string> m;
      for (size_t j = 0; j + 1 < fields.size(); j += 2) m[fields[j]] = fields[j + 1];
      for (size_t j = 0; j < cols.size(); ++j) {
        if (j) line += '|';
        auto it = m.find(cols[j]);
        line += it == m.end() ? "\\N" : it->second;
      }
    } else {
      std::vector<std::string> text = r.cmd({"GET", prefix + ":" + id});
      nlohmann::json row = nlohmann::json::parse(text.empty() ? "null" : text[0], nullptr, false);
      if (!row.is_object()) {
        problems += "  " + prefix + ":" + id + " is not a JSON object\n";
        continue;
      }
      line = row_text(row, cols);
    }
    for (int k = 0; k < std::max(copies, 1); ++k) actual.push_back(line);
  }
  if (layout == "sorted_set") {
    std::vector<std::string> members = r.cmd({"ZRANGE", prefix, "0", "-1"});
    std::set<std::string> m(members.begin(), members.end());
    if (m != ids) {
      problems += "  the sorted set " + prefix + " has " + std::to_string(m.size()) + " members, " + prefix +
                  ":_rows " + std::to_string(ids.size()) + " rows\n";
    }
  }
  if (!r.error().empty()) return r.error();
  std::string d = diff_rows("redis " + prefix + " (" + layout + ") vs view " + v.name, expected, actual);
  if (!problems.empty()) d += "redis " + prefix + ":\n" + problems;
  return d;
}

uint64_t redis_progress(int port, const std::string& prefix) {
  Redis r(port);
  std::vector<std::string> lsn = r.cmd({"HGET", prefix + ":_rindle", "lsn"});
  if (lsn.empty()) return 0;
  unsigned hi = 0, lo = 0;
  if (std::sscanf(lsn[0].c_str(), "%X/%X", &hi, &lo) != 2) return 0;
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

std::string check_redis_stream(const std::string& conninfo, const TestView& v, int port, const std::string& prefix,
                               const std::string& key_column, size_t* entries) {
  std::string err;
  std::vector<std::string> expected = query_rows(conninfo, v.sql, &err);
  if (!err.empty()) return "the view's SQL failed: " + err;
  std::vector<std::string> cols = view_columns(conninfo, v, &err);
  if (!err.empty()) return err;
  Redis r(port);
  redisReply* rep = r.raw({"XRANGE", prefix, "-", "+"});
  if (!rep || rep->type != REDIS_REPLY_ARRAY) {
    if (rep) freeReplyObject(rep);
    return "XRANGE " + prefix + " failed";
  }
  if (entries) *entries = rep->elements;
  std::string problems;
  std::map<std::string, nlohmann::json> state;  // by key column value
  std::set<std::pair<uint64_t, std::string>> seen;  // (lsn, id) since the last reset
  uint64_t last_lsn = 0;
  for (size_t i = 0; i < rep->elements; ++i) {
    redisReply* e = rep->element[i];
    std::map<std::string, std::string> f;
    redisReply* fields = e->element[1];
    for (size_t j = 0; j + 1 < fields->elements; j += 2) {
      f[std::string(fields->element[j]->str, fields->element[j]->len)] =
          std::string(fields->element[j + 1]->str, fields->element[j + 1]->len);
    }
    unsigned hi = 0, lo = 0;
    std::sscanf(f["lsn"].c_str(), "%X/%X", &hi, &lo);
    uint64_t lsn = (static_cast<uint64_t>(hi) << 32) | lo;
    if (lsn < last_lsn) {
      problems += "  entry " + std::to_string(i) + " (" + f["op"] + " " + f["id"] + ") at " + f["lsn"] +
                  " after an entry at a later LSN: a transaction delivered again\n";
    }
    last_lsn = std::max(last_lsn, lsn);
    const std::string& op = f["op"];
    if (op == "reset") {
      state.clear();
      seen.clear();
      continue;
    }
    if (!seen.insert({lsn, f["id"]}).second) {
      problems += "  row " + f["id"] + " of the transaction at " + f["lsn"] + " appears twice\n";
    }
    auto key_of = [&](const std::string& text) {
      nlohmann::json row = nlohmann::json::parse(text, nullptr, false);
      return std::make_pair(row.is_object() && row.contains(key_column) ? row[key_column].dump() : "?", row);
    };
    if (f.count("old")) state.erase(key_of(f["old"]).first);
    if (op != "delete" && f.count("row")) {
      auto [k, row] = key_of(f["row"]);
      state[k] = row;
    }
  }
  freeReplyObject(rep);
  std::vector<std::string> actual;
  for (const auto& [k, row] : state) actual.push_back(row_text(row, cols));
  std::string d = diff_rows("redis stream " + prefix + " replayed vs view " + v.name, expected, actual);
  if (!problems.empty()) d += "redis stream " + prefix + ":\n" + problems.substr(0, 2000);
  return d;
}

std::string compare_webhook(const std::string& conninfo, const TestView& v,
                            const sinks::testing::WebhookReceiver& receiver) {
  std::string err;
  std::vector<std::string> expected = query_rows(conninfo, v.sql, &err);
  if (!err.empty()) return "the view's SQL failed: " + err;
  std::vector<std::string> cols = view_columns(conninfo, v, &err);
  if (!err.empty()) return err;
  std::vector<std::string> actual;
  for (const auto& row : receiver.rows(v.name)) {
    nlohmann::json j = nlohmann::json::parse(sinks::testing::json_text(row.row), nullptr, false);
    actual.push_back(j.is_object() ? row_text(j, cols) : "<not an object>");
  }
  std::string d = diff_rows("webhook receiver vs view " + v.name, expected, actual);
  std::vector<std::string> problems = receiver.problems();
  for (size_t i = 0; i < problems.size() && i < 10; ++i) d += "  receiver problem: " + problems[i] + "\n";
  return d;
}

}  // namespace rindle::daemon::testing
