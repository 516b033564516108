// The Redis sink: a view kept in Redis (hiredis), effectively once.
//
// Keys (P = options.prefix, by default the view's name; ID = row_id_json(),
// i.e. the view key as JSON: `orders:42`, `orders:"abc"`, `orders:[1,"x"]`;
// the whole row as a JSON array for views without a key):
//  * layout `hash`:       P:ID  a hash, one field per column in PostgreSQL's
//                          text form; NULL columns are absent.
//  * layout `json`:       P:ID  a string, the row as a JSON object.
//  * layout `sorted_set`: P     a sorted set, member ID, score the
//                          `score_column` (numeric types; NULL scores +inf);
//                          P:ID holds the row as a JSON object (as `json`).
//                          A top-k view keeps exactly its window. Members of
//                          equal score are ordered by Redis (lexically by ID).
//  * layout `stream`:     P     a stream, one XADD per row change with fields
//                          op (insert|delete|update|reset), lsn, commit_ts
//                          (µs since the Unix epoch), id, row, old (JSON
//                          objects). A rebuild appends `reset` and one
//                          `insert` per row. `stream_max_length` > 0 trims
//                          (XADD MAXLEN ~).
//  * P:_rows  (all layouts but stream) a hash ID -> number of copies (1 for
//             keyed views; views without a key are multisets): the index of
//             the view's rows, what a rebuild deletes.
//  * P:_rindle  the progress hash: lsn (pg_lsn text), fingerprint, layout.
// JSON row IDs never start with '_', so row keys never meet P:_rows/P:_rindle.
//
// Effectively once: write() sends one MULTI/EXEC holding a run of source
// transactions and the new progress lsn, after WATCHing P:_rindle and checking
// it still holds the LSN this sink wrote last. Redis applies a MULTI/EXEC
// whole, so after any crash (of rindled or Redis) contents and progress agree,
// and the runner skips transactions at or below the progress LSN. Durability
// is Redis's: use `appendonly yes` with `appendfsync always` to lose nothing
// that was acknowledged. If Redis comes back older than what this sink wrote
// (no persistence, or appendfsync everysec), open() and write() notice the
// progress went backwards and the runner rebuilds the view from the engine.
// A progress LSN ahead of this sink's means another writer: refused.
//
// Thread rules: one thread at a time (the sink's runner).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sinks/sink.h"

struct redisContext;
struct redisReply;

namespace rindle::sinks {

enum class RedisLayout : unsigned char { kHash, kJson, kSortedSet, kStream };
const char* redis_layout_name(RedisLayout l);

struct RedisSinkOptions {
  std::string host = "127.0.0.1";  // host name / IP, or a Unix socket path (starts with '/')
  int port = 6379;
  int db = 0;
  std::string password;             // AUTH if not empty (never logged)
  std::string prefix;               // empty: the view's name
  RedisLayout layout = RedisLayout::kHash;
  std::string score_column;         // sorted_set: output column giving the score
  int64_t stream_max_length = 0;    // stream: approximate MAXLEN, 0 = unlimited
  std::chrono::milliseconds timeout{5000};  // connect and per-command timeout
};

class RedisSink final : public SinkWriter {
 public:
  RedisSink(RedisSinkOptions options, ViewShape shape);
  ~RedisSink() override;

  std::string describe() const override;  // "redis 127.0.0.1:6379/0 orders (hash)"
  ivm::Result<SinkState> open() override;
  ivm::Status replace(Lsn lsn, const std::vector<ivm::Row>& rows) override;
  ivm::Status write(std::span<const ViewTxn* const> txns) override;
  void close() override;

  struct Counters {
    uint64_t commands = 0;      // commands sent (inside and outside MULTI)
    uint64_t transactions = 0;  // MULTI/EXEC committed
    uint64_t connects = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  using Args = std::vector<std::string>;
  struct ReplyDeleter {
    void operator()(redisReply* r) const;
  };
  using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

  ivm::Result<Reply> command(const Args& args);
  // WATCH the progress key and read it; `lsn` 0 and `found` false if absent.
  ivm::Status read_progress(bool watch, bool* found, Lsn* lsn, std::string* fingerprint, std::string* layout);
  // Checks the progress read under WATCH against what this sink wrote last.
  ivm::Status check_progress();
  // Sends MULTI, `cmds`, EXEC pipelined; fails if EXEC aborts (WATCH) or any
  // command fails.
  ivm::Status exec(const std::vector<Args>& cmds);
  void add_put(const ivm::Row& row, std::vector<Args>* cmds) const;
  void add_remove(const ivm::Row& row, std::vector<Args>* cmds) const;
  void add_stream(const char* op, const ViewTxn* txn, const ivm::ViewChange* c, std::vector<Args>* cmds) const;
  Args progress_command(Lsn lsn) const;
  // The row keys a rebuild deletes: from the index, or by SCAN if the index
  // is damaged.
  ivm::Status existing_row_keys(std::vector<std::string>* keys);
  std::string row_key(const std::string& id) const { return prefix_ + ":" + id; }
  std::string score_of(const ivm::Row& row) const;

  RedisSinkOptions options_;
  ViewShape shape_;
  std::string prefix_;
  std::string rows_key_, progress_key_;
  int score_index_ = -1;
  redisContext* ctx_ = nullptr;
  bool open_ = false;
  Lsn durable_ = 0;       // what this sink made durable (or found at open)
  Lsn high_water_ = 0;    // the highest LSN this instance ever saw durable
  Counters counters_;
};

}  // namespace rindle::sinks
