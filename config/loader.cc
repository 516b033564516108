#include "config/loader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include "config/convert.h"
#include "config/value_text.h"

namespace rindle::config {
namespace {

Position pos_of(const YAML::Mark& m) { return m.is_null() ? Position{} : Position{m.line + 1, m.column + 1}; }

std::string where(Position p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

// The schema path of a list's children: "views" -> "views[]".
std::string list_children(std::string_view path) { return std::string(path) + "[]"; }

std::string join_path(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

class Loader {
 public:
  Loader(std::string_view text, std::string file, std::string base_dir)
      : text_(text), file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  LoadResult run() {
    result_.config.file = file_;
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text_));
    } catch (const YAML::Exception& e) {
      error(pos_of(e.mark), "YAML syntax error: " + e.msg);
      return std::move(result_);
    }
    if (YAML::Mark second = second_document(); !second.is_null()) {
      error(pos_of(second), "only one YAML document is allowed");
      return std::move(result_);
    }
    if (!root.IsMap() && !root.IsNull()) {
      error(pos_of(root.Mark()), "the config must be a mapping (source:, views:, ...)");
      return std::move(result_);
    }
    walk_map(root, "", "", &result_.config, Position{1, 1});
    if (result_.errors.empty()) cross_checks();
    if (result_.errors.empty()) resolve();
    return std::move(result_);
  }

 private:
  // Where a second document's content starts, or a null mark. (Not
  // YAML::LoadAll: on some malformed input yaml-cpp 0.7 returns empty
  // documents forever without consuming anything, so this stops as soon as a
  // document does not start after the previous one.)
  YAML::Mark second_document() {
    struct FirstMark : YAML::EventHandler {
      YAML::Mark start = YAML::Mark::null_mark(), content = YAML::Mark::null_mark();
      void OnDocumentStart(const YAML::Mark& m) override { start = m; }
      void OnDocumentEnd() override {}
      void note(const YAML::Mark& m) {
        if (content.is_null()) content = m;
      }
      void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
      void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
      void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { note(m); }
      void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        note(m);
      }
      void OnSequenceEnd() override {}
      void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        note(m);
      }
      void OnMapEnd() override {}
    };
    try {
      std::stringstream in{std::string(text_)};
      YAML::Parser parser(in);
      FirstMark first, second;
      if (!parser.HandleNextDocument(first)) return YAML::Mark::null_mark();
      if (!parser.HandleNextDocument(second) || second.start.pos <= first.start.pos) return YAML::Mark::null_mark();
      return second.content.is_null() ? second.start : second.content;
    } catch (const YAML::Exception& e) {
      return e.mark.is_null() ? YAML::Mark() : e.mark;  // a broken second document is still a second document
    }
  }

  void error(Position p, std::string message) {
    result_.errors.push_back(Diagnostic{file_, p, std::move(message)});
  }

  // Suggests the closest known sibling key (or the same name elsewhere).
  std::string suggestion(std::string_view schema_parent, std::string_view name) {
    const KeyDef* best = nullptr;
    size_t best_d = 0;
    for (const KeyDef* k : child_keys(schema_parent)) {
      size_t d = edit_distance(name, k->name());
      if (!best || d < best_d) best = k, best_d = d;
    }
    if (best && best_d <= std::max<size_t>(2, name.size() / 3)) return " (did you mean '" + std::string(best->name()) + "'?)";
    for (const KeyDef& k : key_table()) {
      if (k.name() == name) return " (it belongs under '" + std::string(k.parent()) + "')";
    }
    return "";
  }

  // Walks one mapping whose keys are children of `schema_parent` ("" for the
  // root, "views[]" for a view). `concrete` is the same place with indexes
  // ("views[2]"). `owner` holds the fields; `at` is where the mapping was
  // written (for "missing key" errors).
  void walk_map(const YAML::Node& map, const std::string& schema_parent, const std::string& concrete, void* owner,
                Position at) {
    std::map<std::string, Position> seen;
    if (map.IsDefined() && !map.IsNull()) {
      if (!map.IsMap()) {
        error(pos_of(map.Mark()), std::string("expected a mapping of keys") +
                                      (concrete.empty() ? "" : " under '" + concrete + "'"));
        return;
      }
      for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node kn = it->first;
        const YAML::Node vn = it->second;
        Position kp = pos_of(kn.Mark());
        if (!kn.IsScalar()) {
          error(kp, "keys must be plain names");
          continue;
        }
        std::string name = kn.Scalar();
        auto [prev, inserted] = seen.emplace(name, kp);
        if (!inserted) {
          error(kp, "duplicate key '" + name + "' (first at " + where(prev->second) + ")");
          continue;
        }
        std::string schema_path = join_path(schema_parent, name);
        std::string concrete_path = join_path(concrete, name);
        const KeyDef* def = find_key(schema_path);
        if (!def) {
          std::string in = concrete.empty() ? "" : " in '" + concrete + "'";
          error(kp, "unknown key '" + name + "'" + in + suggestion(schema_parent, name));
          continue;
        }
        result_.config.positions[concrete_path] = kp;
        value(*def, vn, concrete_path, owner, kp);
      }
    }
    // Defaults and required keys for what the mapping did not mention.
    for (const KeyDef* def : child_keys(schema_parent)) {
      std::string name(def->name());
      if (seen.count(name)) continue;
      std::string concrete_path = join_path(concrete, name);
      switch (def->type) {
        case KeyType::kSection:
          walk_map(YAML::Node(), std::string(def->path), concrete_path, owner, at);
          break;
        case KeyType::kOptionalSection:
        case KeyType::kForbidden:
          break;
        case KeyType::kSectionList:
          if (def->opt.required) error(at, "missing required key '" + concrete_path + "'");
          break;
        default:
          if (def->opt.required) {
            error(at, "missing required key '" + concrete_path + "'");
          } else {
            KeyValue v;
            std::string m = parse_scalar(*def, def->opt.def, &v);
            if (!m.empty()) {
              error(at, "internal: bad default of " + std::string(def->path) + ": " + m);
            } else {
              def->set(owner, std::move(v));
            }
          }
      }
    }
  }

  void value(const KeyDef& def, const YAML::Node& vn, const std::string& concrete_path, void* owner, Position kp) {
    switch (def.type) {
      case KeyType::kForbidden:
        error(kp, "'" + concrete_path + "': " + std::string(def.opt.doc));
        return;
      case KeyType::kSection:
        walk_map(vn, std::string(def.path), concrete_path, owner, kp);
        return;
      case KeyType::kOptionalSection:
        walk_map(vn, std::string(def.path), concrete_path, def.enter(owner), kp);
        return;
      case KeyType::kSectionList: {
        if (!vn.IsSequence()) {
          error(vn.IsNull() ? kp : pos_of(vn.Mark()),
                "'" + concrete_path + "' must be a list (entries start with '- ')");
          return;
        }
        if (static_cast<int64_t>(vn.size()) < def.opt.min) {
          error(pos_of(vn.Mark()).line ? pos_of(vn.Mark()) : kp,
                "'" + concrete_path + "' needs at least " + std::to_string(def.opt.min) + " entr" +
                    (def.opt.min == 1 ? "y" : "ies"));
          return;
        }
        size_t i = 0;
        for (const YAML::Node& e : vn) {
          std::string elem = concrete_path + "[" + std::to_string(i++) + "]";
          Position ep = pos_of(e.Mark());
          result_.config.positions[elem] = ep;
          walk_map(e, list_children(def.path), elem, def.enter(owner), ep.line ? ep : kp);
        }
        return;
      }
      default: {
        KeyValue v;
        ConvertError e = convert_node(def, vn, text_, &v);
        if (!e.message.empty()) {
          error(e.pos.line ? e.pos : kp, "'" + concrete_path + "': " + e.message);
          return;
        }
        if (vn.IsDefined() && !vn.IsNull()) result_.config.positions[concrete_path] = pos_of(vn.Mark());
        def.set(owner, std::move(v));
      }
    }
  }

  Position pos(const std::string& path) const { return result_.config.position_of(path); }

  void cross_checks() {
    Config& c = result_.config;
    if (!c.source.password_env.empty() && !c.source.password_file.empty()) {
      error(pos("source.password_file"), "set at most one of source.password_env and source.password_file");
    }
    if (c.source.reconnect.initial_backoff > c.source.reconnect.max_backoff) {
      error(pos("source.reconnect.initial_backoff"),
            "source.reconnect.initial_backoff must not exceed source.reconnect.max_backoff");
    }
    std::map<std::string, std::string> view_names;  // name -> path of its name
    std::map<std::string, std::string> targets;     // "schema"."table" -> sink path
    std::map<std::string, std::string> redis_targets;  // "host:port/db prefix" -> sink path
    for (size_t i = 0; i < c.views.size(); ++i) {
      ViewConfig& v = c.views[i];
      std::string vp = "views[" + std::to_string(i) + "]";
      auto [it, fresh] = view_names.emplace(v.name, vp + ".name");
      if (!fresh) {
        error(pos(vp + ".name"), "duplicate view name '" + v.name + "' (first at " + where(pos(it->second)) + ")");
      }
      std::set<std::string> key_cols;
      for (const std::string& k : v.key) {
        if (!key_cols.insert(k).second) error(pos(vp + ".key"), "column '" + k + "' appears twice in the key");
      }
      for (size_t j = 0; j < v.sinks.size(); ++j) {
        SinkConfig& s = v.sinks[j];
        std::string sp = vp + ".sinks[" + std::to_string(j) + "]";
        int kinds = 0;
        std::string kind_names;
        for (const KeyDef* k : child_keys(list_children("views[].sinks"))) {
          if (k->type != KeyType::kOptionalSection) continue;
          kind_names += (kind_names.empty() ? "" : ", ") + std::string(k->name());
          if (k->element(&s, 0)) ++kinds;
        }
        if (kinds != 1) {
          error(pos(sp), kinds == 0 ? "the sink has no kind: add one of: " + kind_names
                                    : "a sink entry holds exactly one kind (" + kind_names + "); split it into two entries");
        }
        if (s.retry_initial_backoff > s.retry_max_backoff) {
          error(pos(sp + ".retry_initial_backoff"), "retry_initial_backoff must not exceed retry_max_backoff");
        }
        if (s.redis) {
          std::string rp = sp + ".redis";
          if (s.redis->layout == RedisLayout::kSortedSet && s.redis->score_column.empty()) {
            error(pos(rp + ".layout").line ? pos(rp + ".layout") : pos(rp), "layout sorted_set needs score_column");
          }
          if (s.redis->layout != RedisLayout::kSortedSet && !s.redis->score_column.empty()) {
            error(pos(rp + ".score_column"), "score_column is only used by layout sorted_set");
          }
          std::string where_to = s.redis->host + ":" + std::to_string(s.redis->port) + "/" +
                                 std::to_string(s.redis->db) + " " + (s.redis->prefix.empty() ? v.name : s.redis->prefix);
          auto [t, fresh_target] = redis_targets.emplace(where_to, rp);
          if (!fresh_target) {
            error(pos(rp), "two sinks write the Redis prefix " + where_to + " (the other at " + where(pos(t->second)) + ")");
          }
        }
        if (s.table) {
          std::string table = s.table->table.empty() ? v.name : s.table->table;
          std::string target = "\"" + s.table->schema + "\".\"" + table + "\"";
          std::string tp = sp + ".table";
          auto [t, new_target] = targets.emplace(target, tp);
          if (!new_target) {
            error(pos(tp), "two sinks write the table " + target + " (the other at " + where(pos(t->second)) + ")");
          }
        }
      }
    }
    // A progress table may be shared by sinks, but must not be a sink's table.
    for (size_t i = 0; i < c.views.size(); ++i) {
      for (size_t j = 0; j < c.views[i].sinks.size(); ++j) {
        const SinkConfig& s = c.views[i].sinks[j];
        if (!s.table) continue;
        std::string progress = "\"" + s.table->schema + "\".\"" + s.table->progress_table + "\"";
        auto clash = targets.find(progress);
        if (clash != targets.end()) {
          std::string tp = "views[" + std::to_string(i) + "].sinks[" + std::to_string(j) + "].table";
          std::string at = pos(tp + ".progress_table").line ? tp + ".progress_table" : tp;
          if (clash->second == tp) {
            error(pos(at), "the sink's table " + progress + " is also its progress table");
          } else {
            error(pos(at), "the progress table " + progress + " is also the table of the sink at " +
                               where(pos(clash->second)));
          }
        }
      }
    }
  }

  std::string absolute(const std::string& p) const {
    if (p.empty() || p[0] == '/' || base_dir_.empty()) return p;
    return base_dir_ + "/" + p;
  }

  void resolve() {
    Config& c = result_.config;
    c.state.directory = absolute(c.state.directory);
    c.source.password_file = absolute(c.source.password_file);
    for (ViewConfig& v : c.views) {
      for (size_t j = 0; j < v.sinks.size(); ++j) {
        SinkConfig& s = v.sinks[j];
        if (s.table && s.table->table.empty()) s.table->table = v.name;
        if (s.redis && s.redis->prefix.empty()) s.redis->prefix = v.name;
        if (s.webhook) {
          std::string stem = c.state.directory + "/webhook." + v.name + "." + std::to_string(j);
          s.webhook->progress_file = s.webhook->progress_file.empty() ? stem + ".progress" : absolute(s.webhook->progress_file);
          s.webhook->dead_letter_file =
              s.webhook->dead_letter_file.empty() ? stem + ".dead.jsonl" : absolute(s.webhook->dead_letter_file);
          s.webhook->ca_file = absolute(s.webhook->ca_file);
        }
      }
    }
  }

  std::string_view text_;
  std::string file_;
  std::string base_dir_;
  LoadResult result_;
};

}  // namespace

LoadResult load_config_text(std::string_view text, const std::string& file, const std::string& base_dir) {
  return Loader(text, file, base_dir).run();
}

LoadResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back(Diagnostic{path, {}, std::string("cannot read the config file: ") + std::strerror(errno)});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string dir;
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    char cwd[4096];
    dir = getcwd(cwd, sizeof cwd) ? cwd : ".";
  } else {
    dir = path.substr(0, slash);
    if (dir.empty()) dir = "/";
    if (dir[0] != '/') {
      char cwd[4096];
      if (getcwd(cwd, sizeof cwd)) dir = std::string(cwd) + "/" + dir;
    }
  }
  return load_config_text(ss.str(), path, dir);
}

}  // namespace rindle::config
