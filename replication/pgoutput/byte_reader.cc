#include "replication/pgoutput/byte_reader.h"

#include <cstring>

namespace rindle::replication::wire {

std::string_view ByteReader::take_slow(size_t n, const char* what) {
  if (!ok()) return std::string_view(kZeros, n <= sizeof kZeros ? n : 0);
  if (n > bytes_.size() - pos_) {
    fail("truncated: need " + std::to_string(n) + " byte(s) for " + what + ", have " +
         std::to_string(bytes_.size() - pos_));
    return std::string_view(kZeros, n <= sizeof kZeros ? n : 0);
  }
  std::string_view r = bytes_.substr(pos_, n);
  pos_ += n;
  return r;
}

std::string_view ByteReader::cstring() {
  if (!ok()) return {};
  const void* nul = std::memchr(bytes_.data() + pos_, '\0', bytes_.size() - pos_);
  if (nul == nullptr) {
    fail("unterminated string");
    return {};
  }
  size_t n = static_cast<const char*>(nul) - (bytes_.data() + pos_);
  std::string_view r = bytes_.substr(pos_, n);
  pos_ += n + 1;
  return r;
}

void ByteReader::fail(std::string message) {
  if (!ok()) return;
  error_ = std::move(message);
  error_pos_ = pos_;
}

ivm::Status ByteReader::status(bool require_end) {
  if (ok() && require_end && pos_ != bytes_.size()) {
    fail(std::to_string(bytes_.size() - pos_) + " unexpected trailing byte(s)");
  }
  if (ok()) return ivm::Status::Ok();
  return ivm::Status(ivm::Code::kInvalid,
                     std::string(what_) + ": " + error_ + " at byte " + std::to_string(error_pos_));
}

}  // namespace rindle::replication::wire
