// The key table: every configuration key declared once.
//
// Each KeyDef names one YAML key by its path ("source.port",
// "views[].sinks[].table.schema"; "[]" marks a list of mappings), with its
// type, bounds, default (as YAML text), whether it is required or secret, its
// documentation, and how it binds to the typed Config (config.h). The loader,
// `--print-config` and the configuration reference are all driven by this
// table; a test checks that every default parses and lies within its bounds.
//
// Owners: a key's value lives in the object of its nearest enclosing list
// element or optional section (a ViewConfig for "views[].name", a
// TableSinkConfig for "views[].sinks[].table.schema"), else in the Config.
//
// Thread-safe after first use (the table is built once, then read-only).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "config/config.h"

namespace rindle::config {

enum class KeyType : unsigned char {
  kString,
  kInt,
  kBool,
  kDuration,       // "10s", "500ms", "2m", "1h"; stored as Millis
  kSize,           // "64MiB", "4096", "1GiB"; stored as bytes
  kEnum,           // one of `choices`; stored as an enum class with values 0..n-1 in order
  kStringList,     // [a, b]
  kParamList,      // [42, 'x', null]
  kSql,            // a SQL text; stored as SqlText with its position
  kAddress,        // "host:port"
  kSection,        // a mapping of further keys, always present (defaults apply)
  kOptionalSection,// a mapping that may be absent (a sink kind)
  kSectionList,    // a list of mappings
  kForbidden,      // a key that is refused with its doc as the message (inline passwords)
};
const char* key_type_name(KeyType t);  // "string", "duration", ... for the reference

// A parsed scalar or list value on its way into or out of the typed Config.
using KeyValue = std::variant<std::monostate, std::string, int64_t, bool, std::vector<std::string>,
                              std::vector<Param>, SqlText>;

// Checks a string value beyond its type; returns an error message or "".
using Validator = std::string (*)(std::string_view value);

struct KeyOptions {
  std::string_view def{};  // default as YAML text; empty: none
  bool required = false;
  bool secret = false;    // --print-config shows "<redacted>"
  int64_t min = std::numeric_limits<int64_t>::min();  // kInt, kDuration (ms), kSize (bytes), list lengths
  int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<std::string_view> choices{};  // kEnum
  Validator validate = nullptr;           // kString, kStringList elements, kAddress
  // A change of this key is applied by a reload (SIGHUP); otherwise it needs a
  // restart. Keys under views[] are always live (views are diffed as a whole).
  bool live = false;
  std::string_view doc{};
};

struct KeyDef {
  std::string_view path;
  KeyType type = KeyType::kString;
  KeyOptions opt;

  // Binding (set according to type; owners are void* to the owning object).
  std::function<void(void* owner, KeyValue value)> set;   // scalars and lists
  std::function<KeyValue(const void* owner)> get;
  std::function<void*(void* owner)> enter;                // kOptionalSection: emplace; kSectionList: append
  std::function<const void*(const void* owner, size_t i)> element;  // kOptionalSection (i=0) / kSectionList; nullptr past the end

  // "views[].sinks[]" for "views[].sinks[].table"; "" for top-level keys.
  std::string_view parent() const;
  // The last path component: "schema" for "views[].sinks[].table.schema".
  std::string_view name() const;
  bool is_section() const {
    return type == KeyType::kSection || type == KeyType::kOptionalSection || type == KeyType::kSectionList;
  }
};

// All keys, parents before their children, in documentation order.
const std::vector<KeyDef>& key_table();
const KeyDef* find_key(std::string_view path);
// Keys whose parent() is `parent`, in table order.
std::vector<const KeyDef*> child_keys(std::string_view parent);

// Parses YAML scalar text for a key of this type into a KeyValue (used for
// defaults and by the loader). Returns an error message on failure.
std::string parse_scalar(const KeyDef& key, std::string_view text, KeyValue* out);
// Bounds, choices and validators; returns an error message or "".
std::string check_value(const KeyDef& key, const KeyValue& value);
// The value as YAML-ish text for --print-config and messages ("10s", "[a, b]").
std::string format_value(const KeyDef& key, const KeyValue& value);

namespace detail {

template <class T>
constexpr bool kIsMillis = std::is_same_v<T, Millis>;

// Builds a scalar/list key bound to the field that `at` locates in Owner.
template <KeyType K, class Owner, class T>
KeyDef scalar_key(std::string_view path, T* (*at)(Owner*), KeyOptions opt) {
  KeyDef d{path, K, std::move(opt), {}, {}, {}, {}};
  if constexpr (K == KeyType::kString || K == KeyType::kAddress) {
    static_assert(std::is_same_v<T, std::string>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = std::get<std::string>(std::move(v)); };
    d.get = [at](const void* o) -> KeyValue { return *at(static_cast<Owner*>(const_cast<void*>(o))); };
  } else if constexpr (K == KeyType::kInt || K == KeyType::kSize) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = static_cast<T>(std::get<int64_t>(v)); };
    d.get = [at](const void* o) -> KeyValue {
      return static_cast<int64_t>(*at(static_cast<Owner*>(const_cast<void*>(o))));
    };
  } else if constexpr (K == KeyType::kBool) {
    static_assert(std::is_same_v<T, bool>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = std::get<bool>(v); };
    d.get = [at](const void* o) -> KeyValue { return *at(static_cast<Owner*>(const_cast<void*>(o))); };
  } else if constexpr (K == KeyType::kDuration) {
    static_assert(kIsMillis<T>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = Millis(std::get<int64_t>(v)); };
    d.get = [at](const void* o) -> KeyValue {
      return static_cast<int64_t>(at(static_cast<Owner*>(const_cast<void*>(o)))->count());
    };
  } else if constexpr (K == KeyType::kEnum) {
    static_assert(std::is_enum_v<T>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = static_cast<T>(std::get<int64_t>(v)); };
    d.get = [at](const void* o) -> KeyValue {
      return static_cast<int64_t>(*at(static_cast<Owner*>(const_cast<void*>(o))));
    };
  } else if constexpr (K == KeyType::kStringList) {
    static_assert(std::is_same_v<T, std::vector<std::string>>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = std::get<std::vector<std::string>>(std::move(v)); };
    d.get = [at](const void* o) -> KeyValue { return *at(static_cast<Owner*>(const_cast<void*>(o))); };
  } else if constexpr (K == KeyType::kParamList) {
    static_assert(std::is_same_v<T, std::vector<Param>>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = std::get<std::vector<Param>>(std::move(v)); };
    d.get = [at](const void* o) -> KeyValue { return *at(static_cast<Owner*>(const_cast<void*>(o))); };
  } else if constexpr (K == KeyType::kSql) {
    static_assert(std::is_same_v<T, SqlText>);
    d.set = [at](void* o, KeyValue v) { *at(static_cast<Owner*>(o)) = std::get<SqlText>(std::move(v)); };
    d.get = [at](const void* o) -> KeyValue { return *at(static_cast<Owner*>(const_cast<void*>(o))); };
  } else {
    static_assert(K == KeyType::kString, "not a scalar key type");
  }
  return d;
}

template <class Owner, class Elem>
KeyDef list_key(std::string_view path, std::vector<Elem>* (*at)(Owner*), KeyOptions opt) {
  KeyDef d{path, KeyType::kSectionList, std::move(opt), {}, {}, {}, {}};
  d.enter = [at](void* o) -> void* { return &at(static_cast<Owner*>(o))->emplace_back(); };
  d.element = [at](const void* o, size_t i) -> const void* {
    const auto* v = at(static_cast<Owner*>(const_cast<void*>(o)));
    return i < v->size() ? &(*v)[i] : nullptr;
  };
  return d;
}

template <class Owner, class Sec>
KeyDef optional_key(std::string_view path, std::optional<Sec>* (*at)(Owner*), KeyOptions opt) {
  KeyDef d{path, KeyType::kOptionalSection, std::move(opt), {}, {}, {}, {}};
  d.enter = [at](void* o) -> void* { return &at(static_cast<Owner*>(o))->emplace(); };
  d.element = [at](const void* o, size_t i) -> const void* {
    const auto* v = at(static_cast<Owner*>(const_cast<void*>(o)));
    return i == 0 && v->has_value() ? &**v : nullptr;
  };
  return d;
}

inline KeyDef section_key(std::string_view path, KeyOptions opt) {
  return KeyDef{path, KeyType::kSection, std::move(opt), {}, {}, {}, {}};
}
inline KeyDef forbidden_key(std::string_view path, KeyOptions opt) {
  return KeyDef{path, KeyType::kForbidden, std::move(opt), {}, {}, {}, {}};
}

}  // namespace detail
}  // namespace rindle::config
