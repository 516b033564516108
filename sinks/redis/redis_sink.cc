#include "sinks/redis/redis_sink.h"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include "sinks/row_json.h"

namespace rindle::sinks {
namespace {

ivm::Status unavailable(std::string message) { return ivm::Status(ivm::Code::kInternal, std::move(message)); }
ivm::Status diverged(std::string message) { return ivm::Status(ivm::Code::kConstraint, std::move(message)); }

// Removes one copy of a row of a view without a key (a multiset): the index
// counts copies; the last copy takes its key (and sorted set member) along.
constexpr const char* kRemoveCopy =
    "local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)\n"
    "if n <= 0 then\n"
    "  redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  if #KEYS > 2 then redis.call('ZREM', KEYS[3], ARGV[1]) end\n"
    "end\n"
    "return n";

std::string reply_text(const redisReply* r) {
  if (!r) return "";
  return std::string(r->str ? r->str : "", r->str ? r->len : 0);
}

}  // namespace

const char* redis_layout_name(RedisLayout l) {
  switch (l) {
    case RedisLayout::kHash: return "hash";
    case RedisLayout::kJson: return "json";
    case RedisLayout::kSortedSet: return "sorted_set";
    case RedisLayout::kStream: return "stream";
  }
  return "?";
}

void RedisSink::ReplyDeleter::operator()(redisReply* r) const {
  if (r) freeReplyObject(r);
}

RedisSink::RedisSink(RedisSinkOptions options, ViewShape shape) : options_(std::move(options)), shape_(std::move(shape)) {
  prefix_ = options_.prefix.empty() ? shape_.view : options_.prefix;
  rows_key_ = prefix_ + ":_rows";
  progress_key_ = prefix_ + ":_rindle";
  for (size_t i = 0; i < shape_.columns.size(); ++i) {
    if (shape_.columns[i].name == options_.score_column) score_index_ = static_cast<int>(i);
  }
}

RedisSink::~RedisSink() { close(); }

std::string RedisSink::describe() const {
  std::string where = options_.host.starts_with("/") ? options_.host : options_.host + ":" + std::to_string(options_.port);
  return "redis " + where + "/" + std::to_string(options_.db) + " " + prefix_ + " (" +
         redis_layout_name(options_.layout) + ")";
}

void RedisSink::close() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
  open_ = false;
}

ivm::Result<RedisSink::Reply> RedisSink::command(const Args& args) {
  if (!ctx_) return unavailable("not connected");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  ++counters_.commands;
  Reply r(static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!r) {
    std::string e = "redis: " + std::string(ctx_->errstr);
    close();
    return unavailable(e);
  }
  if (r->type == REDIS_REPLY_ERROR) return unavailable("redis " + args[0] + ": " + reply_text(r.get()));
  return r;
}

ivm::Result<SinkState> RedisSink::open() {
  close();
  RINDLE_RETURN_IF_ERROR(check_column_names(shape_));
  if (options_.layout == RedisLayout::kSortedSet) {
    if (score_index_ < 0) {
      return ivm::Status(ivm::Code::kInvalid, "score_column '" + options_.score_column + "' is not a column of view " + shape_.view);
    }
    ivm::Type t = shape_.columns[static_cast<size_t>(score_index_)].type;
    if (t != ivm::Type::kInt64 && t != ivm::Type::kFloat64 && t != ivm::Type::kNumeric && t != ivm::Type::kNull) {
      return ivm::Status(ivm::Code::kInvalid, "score_column '" + options_.score_column + "' must be numeric, not " +
                                                  ivm::type_name(t));
    }
  }
  struct timeval tv;
  tv.tv_sec = static_cast<time_t>(options_.timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((options_.timeout.count() % 1000) * 1000);
  ctx_ = options_.host.starts_with("/") ? redisConnectUnixWithTimeout(options_.host.c_str(), tv)
                                        : redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
  if (!ctx_ || ctx_->err) {
    std::string e = ctx_ ? ctx_->errstr : "out of memory";
    close();
    return unavailable("cannot connect to " + describe() + ": " + e);
  }
  redisSetTimeout(ctx_, tv);
  ++counters_.connects;
  if (!options_.password.empty()) {
    auto r = command({"AUTH", options_.password});
    if (!r.ok()) return unavailable("redis AUTH failed");  // the reply could echo nothing secret, but say nothing
  }
  if (options_.db != 0) RINDLE_RETURN_IF_ERROR(command({"SELECT", std::to_string(options_.db)}).status());
  bool found = false;
  Lsn lsn = 0;
  std::string fingerprint, layout;
  RINDLE_RETURN_IF_ERROR(read_progress(false, &found, &lsn, &fingerprint, &layout));
  SinkState st;
  st.durable_lsn = lsn;
  st.needs_replace = false;
  if (!found) {
    st.needs_replace = true;
    st.reason = "no progress in Redis (" + progress_key_ + ")";
  } else if (lsn < high_water_) {
    st.needs_replace = true;
    st.reason = "Redis lost acknowledged writes: progress " + lsn_to_text(lsn) + ", written up to " + lsn_to_text(high_water_);
  } else if (fingerprint != shape_.fingerprint) {
    st.needs_replace = true;
    st.reason = "the view's definition changed";
  } else if (layout != redis_layout_name(options_.layout)) {
    st.needs_replace = true;
    st.reason = "the layout changed from " + layout;
  }
  durable_ = lsn;
  high_water_ = std::max(high_water_, lsn);
  open_ = true;
  return st;
}

ivm::Status RedisSink::read_progress(bool watch, bool* found, Lsn* lsn, std::string* fingerprint, std::string* layout) {
  if (watch) RINDLE_RETURN_IF_ERROR(command({"WATCH", progress_key_}).status());
  auto r = command({"HMGET", progress_key_, "lsn", "fingerprint", "layout"});
  if (!r.ok()) return r.status();
  redisReply* rep = r->get();
  *found = false;
  *lsn = 0;
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3) return unavailable("redis HMGET: unexpected reply");
  if (rep->element[0]->type == REDIS_REPLY_STRING) {
    *found = true;
    if (!lsn_from_text(reply_text(rep->element[0]), lsn)) {
      return diverged(progress_key_ + " holds a malformed lsn '" + reply_text(rep->element[0]) + "'");
    }
  }
  if (fingerprint) *fingerprint = reply_text(rep->element[1]);
  if (layout) *layout = reply_text(rep->element[2]);
  return ivm::Status::Ok();
}

ivm::Status RedisSink::check_progress() {
  bool found = false;
  Lsn lsn = 0;
  RINDLE_RETURN_IF_ERROR(read_progress(true, &found, &lsn, nullptr, nullptr));
  if (!found || lsn < durable_) {
    return diverged("Redis lost the view's progress (" + (found ? lsn_to_text(lsn) : std::string("none")) +
                    ", written up to " + lsn_to_text(durable_) + ")");
  }
  if (lsn > durable_) {
    return unavailable(progress_key_ + " is at " + lsn_to_text(lsn) + ", ahead of this sink's " + lsn_to_text(durable_) +
                       ": another writer?");
  }
  return ivm::Status::Ok();
}

ivm::Status RedisSink::exec(const std::vector<Args>& cmds) {
  if (!ctx_) return unavailable("not connected");
  auto append = [&](const Args& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    ++counters_.commands;
    return redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) == REDIS_OK;
  };
  bool ok = append({"MULTI"});
  for (const Args& c : cmds) ok = ok && append(c);
  ok = ok && append({"EXEC"});
  if (!ok) {
    close();
    return unavailable("redis: out of memory queueing commands");
  }
  std::string first_error;
  for (size_t i = 0; i < cmds.size() + 2; ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK) {
      std::string e = "redis: " + std::string(ctx_->errstr);
      close();
      return unavailable(e);
    }
    Reply r(static_cast<redisReply*>(raw));
    if (i + 1 < cmds.size() + 2) {
      if (r->type == REDIS_REPLY_ERROR && first_error.empty()) first_error = reply_text(r.get());
      continue;
    }
    // EXEC
    if (!first_error.empty()) return unavailable("redis refused a command: " + first_error);
    if (r->type == REDIS_REPLY_NIL) return unavailable(progress_key_ + " changed during the write: another writer?");
    if (r->type == REDIS_REPLY_ERROR) return unavailable("redis EXEC: " + reply_text(r.get()));
    if (r->type != REDIS_REPLY_ARRAY) return unavailable("redis EXEC: unexpected reply");
    for (size_t j = 0; j < r->elements; ++j) {
      if (r->element[j]->type == REDIS_REPLY_ERROR) {
        // Applied partially (Redis does not roll back): the contents are no
        // longer the view's; the runner rebuilds them.
        return diverged("redis: " + reply_text(r->element[j]) + " (a key under " + prefix_ + " was changed outside rindle?)");
      }
    }
  }
  ++counters_.transactions;
  return ivm::Status::Ok();
}

std::string RedisSink::score_of(const ivm::Row& row) const {
  const ivm::Value& v = row[static_cast<size_t>(score_index_)];
  if (v.is_null()) return "+inf";
  if (v.type() == ivm::Type::kFloat64) {
    double d = v.as_float64();
    if (std::isnan(d)) return "+inf";  // PostgreSQL sorts NaN above every number
    if (std::isinf(d)) return d > 0 ? "+inf" : "-inf";
  }
  return ivm::to_text(v);  // Redis parses it as a double
}

void RedisSink::add_put(const ivm::Row& row, std::vector<Args>* cmds) const {
  std::string id = row_id_json(shape_, row);
  std::string key = row_key(id);
  if (options_.layout == RedisLayout::kHash) {
    cmds->push_back({"DEL", key});
    Args hset = {"HSET", key};
    for (size_t i = 0; i < shape_.columns.size(); ++i) {
      if (row[i].is_null()) continue;
      hset.push_back(shape_.columns[i].name);
      hset.push_back(ivm::to_text(row[i]));
    }
    if (hset.size() > 2) cmds->push_back(std::move(hset));
  } else {
    cmds->push_back({"SET", key, row_json_object(shape_, row)});
    if (options_.layout == RedisLayout::kSortedSet) cmds->push_back({"ZADD", prefix_, score_of(row), id});
  }
  if (shape_.key.empty()) {
    cmds->push_back({"HINCRBY", rows_key_, id, "1"});
  } else {
    cmds->push_back({"HSET", rows_key_, id, "1"});
  }
}

void RedisSink::add_remove(const ivm::Row& row, std::vector<Args>* cmds) const {
  std::string id = row_id_json(shape_, row);
  std::string key = row_key(id);
  bool zset = options_.layout == RedisLayout::kSortedSet;
  if (shape_.key.empty()) {
    Args eval = {"EVAL", kRemoveCopy, zset ? "3" : "2", rows_key_, key};
    if (zset) eval.push_back(prefix_);
    eval.push_back(id);
    cmds->push_back(std::move(eval));
    return;
  }
  cmds->push_back({"DEL", key});
  cmds->push_back({"HDEL", rows_key_, id});
  if (zset) cmds->push_back({"ZREM", prefix_, id});
}

void RedisSink::add_stream(const char* op, const ViewTxn* txn, const ivm::ViewChange* c, std::vector<Args>* cmds) const {
  Args x = {"XADD", prefix_};
  if (options_.stream_max_length > 0) {
    x.insert(x.end(), {"MAXLEN", "~", std::to_string(options_.stream_max_length)});
  }
  x.insert(x.end(), {"*", "op", op, "lsn", lsn_to_text(txn ? txn->lsn : durable_)});
  if (txn) x.insert(x.end(), {"commit_ts", std::to_string(txn->commit_ts)});
  if (c) {
    const ivm::Row& ident = c->kind == ivm::ChangeKind::kDelete ? c->old_row : c->new_row;
    x.insert(x.end(), {"id", row_id_json(shape_, ident)});
    if (c->kind != ivm::ChangeKind::kDelete) x.insert(x.end(), {"row", row_json_object(shape_, c->new_row)});
    if (c->kind != ivm::ChangeKind::kInsert) x.insert(x.end(), {"old", row_json_object(shape_, c->old_row)});
  }
  cmds->push_back(std::move(x));
}

RedisSink::Args RedisSink::progress_command(Lsn lsn) const {
  return {"HSET", progress_key_, "lsn", lsn_to_text(lsn), "fingerprint", shape_.fingerprint, "layout",
          redis_layout_name(options_.layout)};
}

ivm::Status RedisSink::existing_row_keys(std::vector<std::string>* keys) {
  auto ids = command({"HKEYS", rows_key_});
  if (ids.ok() && (*ids)->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < (*ids)->elements; ++i) keys->push_back(row_key(reply_text((*ids)->element[i])));
    return ivm::Status::Ok();
  }
  if (!ctx_) return ids.status();
  // The index is damaged (changed outside rindle): find the rows by name.
  std::string pattern;
  for (char c : prefix_ + ":") {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '*';
  std::string cursor = "0";
  do {
    auto r = command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!r.ok()) return r.status();
    if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2) return unavailable("redis SCAN: unexpected reply");
    cursor = reply_text((*r)->element[0]);
    for (size_t i = 0; i < (*r)->element[1]->elements; ++i) {
      std::string k = reply_text((*r)->element[1]->element[i]);
      if (k != progress_key_) keys->push_back(std::move(k));
    }
  } while (cursor != "0");
  return ivm::Status::Ok();
}

ivm::Status RedisSink::replace(Lsn lsn, const std::vector<ivm::Row>& rows) {
  if (!open_) return unavailable("not open");
  bool found = false;
  Lsn stored = 0;
  RINDLE_RETURN_IF_ERROR(read_progress(true, &found, &stored, nullptr, nullptr));
  if (found && stored > lsn && stored > high_water_) {
    (void)command({"UNWATCH"});
    return unavailable(progress_key_ + " is at " + lsn_to_text(stored) + ", ahead of the rebuild at " + lsn_to_text(lsn) +
                       ": another writer?");
  }
  std::vector<std::string> keys;
  RINDLE_RETURN_IF_ERROR(existing_row_keys(&keys));
  std::vector<Args> cmds;
  for (std::string& k : keys) cmds.push_back({"DEL", std::move(k)});
  cmds.push_back({"DEL", rows_key_, prefix_});
  if (options_.layout == RedisLayout::kStream) {
    ViewTxn marker;
    marker.lsn = lsn;
    add_stream("reset", &marker, nullptr, &cmds);
    for (const ivm::Row& r : rows) {
      ivm::ViewChange c;
      c.kind = ivm::ChangeKind::kInsert;
      c.new_row = r;
      add_stream("insert", &marker, &c, &cmds);
    }
  } else {
    for (const ivm::Row& r : rows) add_put(r, &cmds);
  }
  cmds.push_back(progress_command(lsn));
  RINDLE_RETURN_IF_ERROR(exec(cmds));
  durable_ = lsn;
  high_water_ = std::max(high_water_, lsn);
  return ivm::Status::Ok();
}

ivm::Status RedisSink::write(std::span<const ViewTxn* const> txns) {
  if (!open_) return unavailable("not open");
  RINDLE_RETURN_IF_ERROR(check_progress());
  std::vector<Args> cmds;
  Lsn prev = durable_;
  for (const ViewTxn* t : txns) {
    if (t->lsn <= prev) {
      (void)command({"UNWATCH"});
      return unavailable("transaction " + lsn_to_text(t->lsn) + " is not after " + lsn_to_text(prev));
    }
    prev = t->lsn;
    if (options_.layout == RedisLayout::kStream) {
      for (const ivm::ViewChange& c : t->changes) {
        add_stream(c.kind == ivm::ChangeKind::kInsert ? "insert" : c.kind == ivm::ChangeKind::kDelete ? "delete" : "update",
                   t, &c, &cmds);
      }
      continue;
    }
    // Removals first, then the new rows: each key appears at most once on
    // each side of a consolidated delta, so this order is always right, also
    // when an update moves a row to another key that another change frees.
    for (const ivm::ViewChange& c : t->changes) {
      if (c.kind == ivm::ChangeKind::kInsert) continue;
      if (c.kind == ivm::ChangeKind::kUpdate && !shape_.key.empty() &&
          row_id_json(shape_, c.old_row) == row_id_json(shape_, c.new_row)) {
        continue;  // overwritten in place below
      }
      add_remove(c.old_row, &cmds);
    }
    for (const ivm::ViewChange& c : t->changes) {
      if (c.kind != ivm::ChangeKind::kDelete) add_put(c.new_row, &cmds);
    }
  }
  cmds.push_back(progress_command(prev));
  RINDLE_RETURN_IF_ERROR(exec(cmds));
  durable_ = prev;
  high_water_ = std::max(high_water_, prev);
  return ivm::Status::Ok();
}

}  // namespace rindle::sinks
