#include "daemon/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

namespace rindle::daemon {
namespace {

constexpr char kMagic[8] = {'R', 'I', 'N', 'D', 'L', 'E', 'C', 'K'};
constexpr uint32_t kVersion = 1;
constexpr size_t kLoadChunk = 10000;

ivm::Status io_error(const std::string& what, const std::string& path) {
  return ivm::Status(ivm::Code::kInternal, what + " " + path + ": " + std::strerror(errno));
}
ivm::Status damaged(const std::string& why) {
  return ivm::Status(ivm::Code::kInvalid, "the engine checkpoint is damaged: " + why);
}

uint32_t crc_table_entry(uint32_t i) {
  uint32_t c = i;
  for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  return c;
}

struct CrcTable {
  uint32_t t[256];
  CrcTable() {
    for (uint32_t i = 0; i < 256; ++i) t[i] = crc_table_entry(i);
  }
};

// Buffered writer to a file descriptor that keeps a running CRC.
class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) {}
  void bytes(const void* p, size_t n) {
    crc_ = crc32c(crc_, p, n);
    const char* c = static_cast<const char*>(p);
    buf_.insert(buf_.end(), c, c + n);
    size_ += n;
    if (buf_.size() >= (1u << 20)) flush();
  }
  void u8(uint8_t v) { bytes(&v, 1); }
  void u32(uint32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    bytes(b, 4);
  }
  void u64(uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    bytes(b, 8);
  }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void trailer() {
    uint32_t c = crc_;
    u32(c);
  }
  bool flush() {
    size_t off = 0;
    while (off < buf_.size()) {
      ssize_t w = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        ok_ = false;
        break;
      }
      off += static_cast<size_t>(w);
    }
    buf_.clear();
    return ok_;
  }
  bool ok() const { return ok_; }
  uint64_t size() const { return size_; }

 private:
  int fd_;
  std::vector<char> buf_;
  uint32_t crc_ = 0;
  uint64_t size_ = 0;
  bool ok_ = true;
};

// Buffered reader over a file descriptor; every read is bounded by `limit`
// (the bytes before the CRC trailer).
class Reader {
 public:
  Reader(int fd, uint64_t limit) : fd_(fd), limit_(limit) {}
  bool bytes(void* out, size_t n) {
    if (n > limit_ - pos_) return fail("truncated");
    char* o = static_cast<char*>(out);
    while (n > 0) {
      if (start_ == end_ && !fill()) return false;
      size_t k = std::min(n, end_ - start_);
      std::memcpy(o, buf_.data() + start_, k);
      start_ += k;
      o += k;
      n -= k;
      pos_ += k;
    }
    return true;
  }
  bool u8(uint8_t* v) { return bytes(v, 1); }
  bool u32(uint32_t* v) {
    uint8_t b[4];
    if (!bytes(b, 4)) return false;
    *v = 0;
    for (int i = 3; i >= 0; --i) *v = (*v << 8) | b[i];
    return true;
  }
  bool u64(uint64_t* v) {
    uint8_t b[8];
    if (!bytes(b, 8)) return false;
    *v = 0;
    for (int i = 7; i >= 0; --i) *v = (*v << 8) | b[i];
    return true;
  }
  bool str(std::string* s) {
    uint32_t n = 0;
    if (!u32(&n)) return false;
    if (n > limit_ - pos_) return fail("a length runs past the end");
    s->resize(n);
    return bytes(s->data(), n);
  }
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  const std::string& error() const { return error_; }
  uint64_t remaining() const { return limit_ - pos_; }

 private:
  bool fill() {
    if (buf_.empty()) buf_.resize(1 << 20);
    for (;;) {
      ssize_t r = ::read(fd_, buf_.data(), buf_.size());
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return fail(r < 0 ? std::string("read error: ") + std::strerror(errno) : "unexpected end of file");
      start_ = 0;
      end_ = static_cast<size_t>(r);
      return true;
    }
  }
  int fd_;
  uint64_t limit_;
  uint64_t pos_ = 0;
  std::vector<char> buf_;
  size_t start_ = 0, end_ = 0;
  std::string error_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

void write_value(Writer& w, const ivm::Value& v) {
  w.u8(static_cast<uint8_t>(v.type()));
  switch (v.type()) {
    case ivm::Type::kNull: break;
    case ivm::Type::kBool: w.u8(v.as_bool() ? 1 : 0); break;
    case ivm::Type::kInt64:
    case ivm::Type::kDate:
    case ivm::Type::kTimestamp:
    case ivm::Type::kTimestampTz: w.u64(static_cast<uint64_t>(v.as_int64())); break;
    case ivm::Type::kFloat64: {
      double d = v.as_float64();
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      w.u64(bits);
      break;
    }
    default: w.str(v.as_bytes());
  }
}

bool read_value(Reader& r, ivm::Value* out) {
  uint8_t tag = 0;
  if (!r.u8(&tag)) return false;
  if (tag >= ivm::kTypeCount) return r.fail("unknown value type " + std::to_string(tag));
  ivm::Type t = static_cast<ivm::Type>(tag);
  uint64_t u = 0;
  switch (t) {
    case ivm::Type::kNull: *out = ivm::Value::null(); return true;
    case ivm::Type::kBool: {
      uint8_t b = 0;
      if (!r.u8(&b)) return false;
      *out = ivm::Value::boolean(b != 0);
      return true;
    }
    case ivm::Type::kInt64:
    case ivm::Type::kTimestamp:
    case ivm::Type::kTimestampTz:
      if (!r.u64(&u)) return false;
      *out = t == ivm::Type::kInt64       ? ivm::Value::int64(static_cast<int64_t>(u))
             : t == ivm::Type::kTimestamp ? ivm::Value::timestamp(static_cast<int64_t>(u))
                                          : ivm::Value::timestamptz(static_cast<int64_t>(u));
      return true;
    case ivm::Type::kDate:
      if (!r.u64(&u)) return false;
      *out = ivm::Value::date(static_cast<int32_t>(static_cast<int64_t>(u)));
      return true;
    case ivm::Type::kFloat64: {
      if (!r.u64(&u)) return false;
      double d;
      std::memcpy(&d, &u, 8);
      *out = ivm::Value::float64(d);
      return true;
    }
    default: {
      std::string s;
      if (!r.str(&s)) return false;
      if (t == ivm::Type::kUuid && s.size() != 16) return r.fail("a uuid is not 16 bytes");
      *out = ivm::Value::bytes(t, s);
      return true;
    }
  }
}

bool read_schema(Reader& r, ivm::TableSchema* s) {
  uint32_t ncols = 0, nkey = 0;
  if (!r.str(&s->name) || !r.u32(&ncols)) return false;
  if (ncols > r.remaining()) return r.fail("column count runs past the end");
  for (uint32_t i = 0; i < ncols; ++i) {
    ivm::Column c;
    uint8_t type = 0, nullable = 0;
    if (!r.str(&c.name) || !r.u8(&type) || !r.u8(&nullable)) return false;
    if (type >= ivm::kTypeCount) return r.fail("unknown column type");
    c.type = static_cast<ivm::Type>(type);
    c.nullable = nullable != 0;
    s->columns.push_back(std::move(c));
  }
  if (!r.u32(&nkey)) return false;
  if (nkey > ncols) return r.fail("more key columns than columns");
  for (uint32_t i = 0; i < nkey; ++i) {
    uint32_t k = 0;
    if (!r.u32(&k)) return false;
    if (k >= ncols) return r.fail("a key column is out of range");
    s->primary_key.push_back(static_cast<int>(k));
  }
  ivm::Status v = s->validate();
  if (!v.ok()) return r.fail("table " + s->name + ": " + v.message());
  return true;
}

std::string checkpoint_path(const std::string& dir) { return dir + "/" + kCheckpointFile; }

// Opens the file, checks size, CRC and header. On success `fd` is positioned
// after the header and `info` holds lsn and fingerprint.
ivm::Status open_verified(const std::string& dir, Fd* fd, uint64_t* limit, CheckpointInfo* info) {
  std::string path = checkpoint_path(dir);
  fd->reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd->get() < 0) {
    if (errno == ENOENT) return ivm::Status(ivm::Code::kNotFound, "no engine checkpoint in " + dir);
    return io_error("cannot open", path);
  }
  struct stat st;
  if (fstat(fd->get(), &st) != 0) return io_error("cannot stat", path);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < sizeof kMagic + 4 + 8 + 4 + 4 + 4) return damaged("too short (" + std::to_string(size) + " bytes)");
  info->bytes = size;
  // Pass 1: the CRC over everything before the trailer.
  uint32_t crc = 0;
  {
    std::vector<char> buf(1 << 20);
    uint64_t left = size - 4;
    while (left > 0) {
      ssize_t r = ::read(fd->get(), buf.data(), std::min<uint64_t>(left, buf.size()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return io_error("cannot read", path);
      crc = crc32c(crc, buf.data(), static_cast<size_t>(r));
      left -= static_cast<uint64_t>(r);
    }
    uint8_t t[4];
    if (::read(fd->get(), t, 4) != 4) return io_error("cannot read", path);
    uint32_t stored = uint32_t{t[0]} | uint32_t{t[1]} << 8 | uint32_t{t[2]} << 16 | uint32_t{t[3]} << 24;
    if (stored != crc) return damaged("checksum mismatch");
  }
  if (::lseek(fd->get(), 0, SEEK_SET) != 0) return io_error("cannot seek", path);
  *limit = size - 4;
  return ivm::Status::Ok();
}

ivm::Status read_header(Reader& r, CheckpointInfo* info, uint32_t* tables) {
  char magic[8];
  uint32_t version = 0;
  if (!r.bytes(magic, 8)) return damaged(r.error());
  if (std::memcmp(magic, kMagic, 8) != 0) return damaged("not a rindle engine checkpoint");
  if (!r.u32(&version)) return damaged(r.error());
  if (version != kVersion) {
    return ivm::Status(ivm::Code::kInvalid, "the engine checkpoint has version " + std::to_string(version) +
                                                ", this rindled reads version " + std::to_string(kVersion));
  }
  if (!r.u64(&info->lsn) || !r.str(&info->fingerprint) || !r.u32(tables)) return damaged(r.error());
  return ivm::Status::Ok();
}

// Pass 2: parses everything; with an engine, creates tables and loads rows.
ivm::Result<CheckpointInfo> parse(const std::string& dir, ivm::Engine* engine) {
  Fd fd(-1);
  uint64_t limit = 0;
  CheckpointInfo info;
  RINDLE_RETURN_IF_ERROR(open_verified(dir, &fd, &limit, &info));
  Reader r(fd.get(), limit);
  uint32_t tables = 0;
  RINDLE_RETURN_IF_ERROR(read_header(r, &info, &tables));
  for (uint32_t t = 0; t < tables; ++t) {
    ivm::TableSchema schema;
    uint64_t rows = 0;
    if (!read_schema(r, &schema) || !r.u64(&rows)) return damaged(r.error());
    if (engine) RINDLE_RETURN_IF_ERROR(engine->create_table(schema));
    std::vector<ivm::Row> chunk;
    for (uint64_t i = 0; i < rows; ++i) {
      ivm::Row row(schema.columns.size());
      for (ivm::Value& v : row) {
        if (!read_value(r, &v)) return damaged(r.error());
      }
      if (engine) {
        chunk.push_back(std::move(row));
        if (chunk.size() == kLoadChunk) {
          RINDLE_RETURN_IF_ERROR(engine->load(schema.name, chunk));
          chunk.clear();
        }
      }
    }
    if (engine && !chunk.empty()) RINDLE_RETURN_IF_ERROR(engine->load(schema.name, chunk));
    info.rows += rows;
    info.tables.push_back(std::move(schema));
  }
  if (r.remaining() != 0) return damaged("unexpected bytes after the last table");
  return info;
}

}  // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t size) {
  static const CrcTable table;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) crc = table.t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

ivm::Result<CheckpointInfo> write_checkpoint(const std::string& dir, const ivm::Engine& engine, uint64_t lsn,
                                             const std::string& fingerprint) {
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return io_error("cannot create", dir);
  std::string path = checkpoint_path(dir);
  std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (fd.get() < 0) return io_error("cannot create", tmp);
  Writer w(fd.get());
  CheckpointInfo info;
  info.lsn = lsn;
  info.fingerprint = fingerprint;
  std::vector<std::string> names = engine.table_names();
  std::sort(names.begin(), names.end());
  w.bytes(kMagic, 8);
  w.u32(kVersion);
  w.u64(lsn);
  w.str(fingerprint);
  w.u32(static_cast<uint32_t>(names.size()));
  for (const std::string& name : names) {
    const ivm::TableSchema* s = engine.table(name);
    w.str(s->name);
    w.u32(static_cast<uint32_t>(s->columns.size()));
    for (const ivm::Column& c : s->columns) {
      w.str(c.name);
      w.u8(static_cast<uint8_t>(c.type));
      w.u8(c.nullable ? 1 : 0);
    }
    w.u32(static_cast<uint32_t>(s->primary_key.size()));
    for (int k : s->primary_key) w.u32(static_cast<uint32_t>(k));
    w.u64(engine.table_stats(name).rows);
    uint64_t written = 0;
    ivm::Status st = engine.scan_table(name, [&](const ivm::Row& row) {
      for (const ivm::Value& v : row) write_value(w, v);
      ++written;
    });
    if (!st.ok()) return st;
    if (written != engine.table_stats(name).rows) {
      return ivm::Status(ivm::Code::kInternal, "table " + name + ": row count changed while writing");
    }
    info.rows += written;
    info.tables.push_back(*s);
  }
  w.trailer();
  if (!w.flush()) {
    ::unlink(tmp.c_str());
    return io_error("cannot write", tmp);
  }
  info.bytes = w.size();
  if (::fsync(fd.get()) != 0) {
    ::unlink(tmp.c_str());
    return io_error("cannot fsync", tmp);
  }
  if (::close(fd.release()) != 0) return io_error("cannot close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("cannot rename to", path);
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) return io_error("cannot fsync", dir);
  return info;
}

ivm::Result<CheckpointInfo> read_checkpoint_info(const std::string& dir) { return parse(dir, nullptr); }

ivm::Result<CheckpointInfo> load_checkpoint(const std::string& dir, ivm::Engine* engine) { return parse(dir, engine); }

std::string state_fingerprint(const std::string& source_identity, const std::vector<ivm::TableSchema>& tables) {
  std::map<std::string, std::string> described;
  for (const ivm::TableSchema& t : tables) {
    std::string d = t.name + "(";
    for (const ivm::Column& c : t.columns) {
      d += c.name + " " + ivm::type_name(c.type) + (c.nullable ? "" : " not null") + ",";
    }
    d += " key";
    for (int k : t.primary_key) d += " " + std::to_string(k);
    described[t.name] = d + ")";
  }
  std::string all = source_identity + "\n";
  for (const auto& [name, d] : described) all += d + "\n";
  // Two independent CRCs make a 64-bit fingerprint; the text itself is kept short.
  uint32_t a = crc32c(0, all.data(), all.size());
  std::string rev(all.rbegin(), all.rend());
  uint32_t b = crc32c(0x9e3779b9u, rev.data(), rev.size());
  char buf[20];
  std::snprintf(buf, sizeof buf, "%08x%08x", a, b);
  return buf;
}

}  // namespace rindle::daemon
