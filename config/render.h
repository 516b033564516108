// Text renderings driven by the key table: the effective config as YAML
// (`rindled --print-config`) and the Markdown configuration reference
// (`rindled --print-config-reference`, kept in config/README.md and checked
// by a test).
#pragma once

#include <string>

#include "config/config.h"

namespace rindle::config {

// Every key with its effective value (file or default), in table order, as
// YAML that loads back to the same Config. Secret keys print "<redacted>".
std::string print_config(const Config& config);

// The reference: one Markdown section per top-level key with a table of
// key, type, default, whether a reload applies it, and description.
std::string render_reference();

}  // namespace rindle::config
