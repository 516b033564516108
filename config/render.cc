#include "config/render.h"

#include <yaml-cpp/yaml.h>

#include "config/keys.h"

namespace rindle::config {
namespace {

void emit_map(YAML::Emitter& out, std::string_view schema_parent, const void* owner);

void emit_key(YAML::Emitter& out, const KeyDef& k, const void* owner) {
  switch (k.type) {
    case KeyType::kForbidden:
      return;
    case KeyType::kSection:
      out << YAML::Key << std::string(k.name()) << YAML::Value;
      emit_map(out, k.path, owner);
      return;
    case KeyType::kOptionalSection:
      if (const void* sec = k.element(owner, 0)) {
        out << YAML::Key << std::string(k.name()) << YAML::Value;
        emit_map(out, k.path, sec);
      }
      return;
    case KeyType::kSectionList: {
      out << YAML::Key << std::string(k.name()) << YAML::Value << YAML::BeginSeq;
      std::string children = std::string(k.path) + "[]";
      for (size_t i = 0; const void* e = k.element(owner, i); ++i) emit_map(out, children, e);
      out << YAML::EndSeq;
      return;
    }
    default:
      break;
  }
  out << YAML::Key << std::string(k.name()) << YAML::Value;
  KeyValue v = k.get(owner);
  if (k.opt.secret) {
    out << "<redacted>";
  } else if (const auto* sql = std::get_if<SqlText>(&v)) {
    out << YAML::Literal << sql->text;
  } else if (const auto* list = std::get_if<std::vector<std::string>>(&v)) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const std::string& s : *list) out << s;
    out << YAML::EndSeq;
  } else if (const auto* params = std::get_if<std::vector<Param>>(&v)) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const Param& p : *params) {
      if (p.kind == Param::Kind::kNull) {
        out << YAML::Null;
      } else if (p.kind == Param::Kind::kText) {
        out << YAML::DoubleQuoted << p.text;  // stays text when read back
      } else {
        out << p.text;
      }
    }
    out << YAML::EndSeq;
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    out << *s;
  } else {
    out << format_value(k, v);
  }
}

void emit_map(YAML::Emitter& out, std::string_view schema_parent, const void* owner) {
  out << YAML::BeginMap;
  for (const KeyDef* k : child_keys(schema_parent)) emit_key(out, *k, owner);
  out << YAML::EndMap;
}

std::string cell(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '|') o += "\\|";
    else if (c == '\n') o += ' ';
    else o += c;
  }
  return o;
}

std::string type_cell(const KeyDef& k) {
  std::string t = key_type_name(k.type);
  if (k.type == KeyType::kEnum) {
    t = "";
    for (std::string_view c : k.opt.choices) t += (t.empty() ? "" : " \\| ") + ("`" + std::string(c) + "`");
    return t;
  }
  auto bound = [&](int64_t v) { return format_value(k, KeyValue(v)); };
  bool has_min = k.opt.min != std::numeric_limits<int64_t>::min();
  bool has_max = k.opt.max != std::numeric_limits<int64_t>::max();
  if ((k.type == KeyType::kInt || k.type == KeyType::kDuration || k.type == KeyType::kSize) && (has_min || has_max)) {
    t += " (" + (has_min ? bound(k.opt.min) : "") + "…" + (has_max ? bound(k.opt.max) : "") + ")";
  } else if (k.type == KeyType::kSectionList && has_min) {
    t += " (at least " + std::to_string(k.opt.min) + ")";
  }
  return t;
}

std::string reload_cell(const KeyDef& k) {
  if (k.is_section() || k.type == KeyType::kForbidden) return "";
  return k.opt.live || k.path.find("[]") != std::string_view::npos ? "live" : "restart";
}

std::string default_cell(const KeyDef& k) {
  if (k.opt.required) return "**required**";
  if (k.is_section() || k.type == KeyType::kForbidden) return "";
  if (k.opt.def == "\"\"") return "empty";
  return "`" + std::string(k.opt.def) + "`";
}

}  // namespace

std::string print_config(const Config& config) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit_map(out, "", &config);
  return std::string(out.c_str(), out.size()) + "\n";
}

std::string render_reference() {
  std::string md;
  for (const KeyDef* top : child_keys("")) {
    md += "### `" + std::string(top->path) + "`\n\n" + std::string(top->opt.doc) + "\n\n";
    md += "| key | type | default | on reload | description |\n|---|---|---|---|---|\n";
    std::string prefix = std::string(top->path);
    for (const KeyDef& k : key_table()) {
      std::string_view p = k.path;
      bool inside = (p.size() > prefix.size() && p.substr(0, prefix.size()) == prefix &&
                                    (p[prefix.size()] == '.' || p[prefix.size()] == '['));
      if (!inside) continue;
      md += "| `" + std::string(k.path) + "` | " + type_cell(k) + " | " + default_cell(k) + " | " + reload_cell(k) +
            " | " + cell(k.opt.doc) + " |\n";
    }
    md += "\n";
  }
  return md;
}

}  // namespace rindle::config
