// Text forms of configuration values: durations, sizes, addresses, and the
// validators the key table attaches to string keys. No YAML here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rindle::config {

// "250ms", "10s", "5m", "2h", "0" -> milliseconds. nullopt if malformed or
// overflowing. A unit is required except for 0.
std::optional<int64_t> parse_duration_ms(std::string_view text);
// The shortest exact form: 90000 -> "90s", 300000 -> "5m", 1500 -> "1500ms".
std::string format_duration_ms(int64_t ms);

// "4096", "64KiB", "256MiB", "1GiB", "1TiB" -> bytes (binary units only).
std::optional<int64_t> parse_size(std::string_view text);
std::string format_size(int64_t bytes);  // largest exact binary unit

// "host:port" or "[v6addr]:port"; port 0..65535. Returns "" or an error message.
std::string check_address(std::string_view text);
// Splits a checked address. REQUIRES: check_address(text).empty().
void split_address(std::string_view text, std::string* host, int* port);

// Validators (see KeyOptions::validate): "" if valid, else the message.
std::string validate_nonempty(std::string_view v);
std::string validate_env_name(std::string_view v);        // "" allowed (none); else [A-Za-z_][A-Za-z0-9_]*
std::string validate_slot_name(std::string_view v);       // [a-z0-9_]{1,63}
std::string validate_identifier(std::string_view v);      // non-empty, <= 63 bytes, no NUL
std::string validate_identifier_or_empty(std::string_view v);
std::string validate_view_name(std::string_view v);       // [a-z_][a-z0-9_]{0,62}
std::string validate_http_url(std::string_view v);        // http(s)://host...
std::string validate_http_header(std::string_view v);     // "Name: value" (token name, no CR/LF)
std::string validate_http_header_env(std::string_view v); // "Name: ENV_VAR"

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace rindle::config
