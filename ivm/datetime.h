// Dates and timestamps as PostgreSQL stores them: days / microseconds since
// 2000-01-01 (UTC for timestamptz). Text forms are PostgreSQL's ISO output
// with DateStyle=ISO and TimeZone=UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ivm/status.h"

namespace rindle::ivm {

// "2024-02-29" -> days since 2000-01-01. Accepts PostgreSQL's ISO input,
// including "BC" years and "infinity"/"-infinity" (INT32_MAX / INT32_MIN).
Result<int32_t> parse_date(std::string_view text);
std::string format_date(int32_t days);

// "2024-02-29 13:45:00.25" (also with 'T' separator). For timestamptz an
// optional zone suffix "+02", "-05:30", "Z", "+00" is applied; none means UTC.
// "infinity"/"-infinity" map to INT64_MAX / INT64_MIN.
Result<int64_t> parse_timestamp(std::string_view text, bool with_zone);
// "2024-02-29 13:45:00.25" and, with zone, "2024-02-29 13:45:00.25+00".
std::string format_timestamp(int64_t micros, bool with_zone);

// Microseconds since the Unix epoch <-> PostgreSQL's 2000 epoch.
constexpr int64_t kPgEpochOffsetMicros = 946684800LL * 1000000LL;

}  // namespace rindle::ivm
