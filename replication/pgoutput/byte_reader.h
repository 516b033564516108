// Bounds-checked big-endian reading and writing of protocol bytes (internal to
// the decoder). A failed read leaves the reader failed; every later read fails
// too, so a parser checks once at the end of a message or after a count.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ivm/status.h"

namespace rindle::replication::wire {

class ByteReader {
 public:
  ByteReader(std::string_view bytes, const char* what) : bytes_(bytes), what_(what) {}

  bool ok() const { return error_.empty(); }
  size_t offset() const { return pos_; }
  size_t remaining() const { return ok() ? bytes_.size() - pos_ : 0; }

  uint8_t u8() { return static_cast<uint8_t>(take(1, "a byte")[0]); }
  uint16_t u16() { return static_cast<uint16_t>(be(take(2, "an int16"))); }
  uint32_t u32() { return static_cast<uint32_t>(be(take(4, "an int32"))); }
  uint64_t u64() { return be(take(8, "an int64")); }
  int16_t i16() { return static_cast<int16_t>(u16()); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string_view bytes(size_t n) { return take(n, "bytes"); }
  // A NUL-terminated string (the NUL is consumed, not returned).
  std::string_view cstring();
  std::string_view rest() { return take(remaining(), "bytes"); }

  // Marks the reader failed with `message` (kept if already failed).
  void fail(std::string message);
  // OK, or kInvalid "<what>: <message> at byte N". Also fails if bytes remain
  // and `require_end`.
  ivm::Status status(bool require_end = true);

 private:
  std::string_view take(size_t n, const char* what) {
    if (ok() && n <= bytes_.size() - pos_) {
      std::string_view r = bytes_.substr(pos_, n);
      pos_ += n;
      return r;
    }
    return take_slow(n, what);
  }
  std::string_view take_slow(size_t n, const char* what);
  static uint64_t be(std::string_view b) {
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
  }

  std::string_view bytes_;
  const char* what_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
  // Returned by failed reads: zeros, long enough for any fixed-size read.
  static constexpr char kZeros[8] = {0, 0, 0, 0, 0, 0, 0, 0};
};

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void bytes(std::string_view b) { out_.append(b); }
  void cstring(std::string_view s) {
    out_.append(s);
    out_.push_back('\0');
  }
  std::string take() { return std::move(out_); }

 private:
  void put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

}  // namespace rindle::replication::wire
