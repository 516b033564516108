#include "replication/pgoutput/copy_text.h"

namespace rindle::replication {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

ivm::Status CopyTextParser::parse(std::string_view line) {
  buffer_.clear();
  starts_.clear();
  ends_.clear();
  nulls_.clear();
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  buffer_.reserve(line.size());
  size_t i = 0;
  for (;;) {
    // One field: up to the next unescaped tab or the end.
    size_t start = buffer_.size();
    size_t raw_start = i;
    while (i < line.size() && line[i] != '\t') {
      char c = line[i];
      if (c != '\\') {
        buffer_ += c;
        ++i;
        continue;
      }
      if (i + 1 >= line.size()) {
        return ivm::Status(ivm::Code::kInvalid, "COPY data: dangling backslash at byte " + std::to_string(i));
      }
      char e = line[i + 1];
      i += 2;
      switch (e) {
        case 'b': buffer_ += '\b'; break;
        case 'f': buffer_ += '\f'; break;
        case 'n': buffer_ += '\n'; break;
        case 'r': buffer_ += '\r'; break;
        case 't': buffer_ += '\t'; break;
        case 'v': buffer_ += '\v'; break;
        case 'x': {
          int v = 0, n = 0;
          while (n < 2 && i < line.size() && hex_digit(line[i]) >= 0) {
            v = v * 16 + hex_digit(line[i++]);
            ++n;
          }
          if (n == 0) return ivm::Status(ivm::Code::kInvalid, "COPY data: \\x without hex digits");
          buffer_ += static_cast<char>(v);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int v = e - '0', n = 1;
            while (n < 3 && i < line.size() && line[i] >= '0' && line[i] <= '7') {
              v = v * 8 + (line[i++] - '0');
              ++n;
            }
            buffer_ += static_cast<char>(v & 0xff);
          } else {
            buffer_ += e;  // \\ and any other escaped character stand for themselves
          }
      }
    }
    bool is_null = i - raw_start == 2 && line[raw_start] == '\\' && line[raw_start + 1] == 'N';
    starts_.push_back(start);
    ends_.push_back(is_null ? start : buffer_.size());
    nulls_.push_back(is_null);
    if (is_null) buffer_.resize(start);
    if (i >= line.size()) break;
    ++i;  // the tab
  }
  return ivm::Status::Ok();
}

}  // namespace rindle::replication
