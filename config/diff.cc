#include "config/diff.h"

#include "config/keys.h"

namespace rindle::config {
namespace {

// Compares every scalar key reachable without entering a list.
void compare_keys(std::string_view parent, const Config& a, const Config& b, ConfigDiff* d) {
  for (const KeyDef* k : child_keys(parent)) {
    if (k->type == KeyType::kSection) {
      compare_keys(k->path, a, b, d);
      continue;
    }
    if (k->is_section() || k->type == KeyType::kForbidden) continue;  // lists: views are diffed apart
    if (format_value(*k, k->get(&a)) == format_value(*k, k->get(&b))) continue;
    (k->opt.live ? d->live_keys : d->restart_keys).emplace_back(k->path);
  }
}

}  // namespace

ConfigDiff diff_configs(const Config& running, const Config& loaded) {
  ConfigDiff d;
  compare_keys("", running, loaded, &d);
  for (const ViewConfig& v : loaded.views) {
    const ViewConfig* old = running.find_view(v.name);
    if (!old) {
      d.added_views.push_back(v.name);
    } else if (!(old->sql == v.sql) || old->key != v.key || old->parameters != v.parameters) {
      d.redefined_views.push_back(v.name);
    } else if (old->sinks != v.sinks) {
      d.resinked_views.push_back(v.name);
    }
  }
  for (const ViewConfig& v : running.views) {
    if (!loaded.find_view(v.name)) d.removed_views.push_back(v.name);
  }
  return d;
}

}  // namespace rindle::config
