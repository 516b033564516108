// What a reload (SIGHUP) would change: the difference between the running
// config and a newly loaded one, in the terms the daemon applies it
// (daemon/README.md, "Reloading"). Keys outside views[] are compared through
// the key table; those not marked live there need a restart.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace rindle::config {

struct ConfigDiff {
  std::vector<std::string> added_views;          // in the new config only
  std::vector<std::string> removed_views;        // in the old config only
  std::vector<std::string> redefined_views;      // SQL, key or parameters differ: drop, add, rebuild sinks
  std::vector<std::string> resinked_views;       // only the sinks differ: restart those sinks
  std::vector<std::string> live_keys;            // changed keys applied live ("logging.level")
  std::vector<std::string> restart_keys;         // changed keys that need a restart ("source.port")
  bool empty() const {
    return added_views.empty() && removed_views.empty() && redefined_views.empty() && resinked_views.empty() &&
           live_keys.empty() && restart_keys.empty();
  }
};

ConfigDiff diff_configs(const Config& running, const Config& loaded);

}  // namespace rindle::config
