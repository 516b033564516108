// The views' SQL through the SQL front end (config/sql), with positions in
// the config file: "rindle.yaml:14:12: window functions (OVER) are not
// supported". Also turns each view's YAML parameters into engine values.
#pragma once

#include <vector>

#include "config/config.h"
#include "ivm/ast.h"
#include "ivm/value.h"

namespace rindle::config {

struct TranslatedView {
  const ViewConfig* config = nullptr;  // points into the Config passed in
  ivm::Query query;                    // with the config's explicit key applied
  std::vector<ivm::Value> params;      // $1, $2, ...
};

struct TranslateResult {
  std::vector<TranslatedView> views;   // in config order; complete only if errors is empty
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

// Parses and translates every view (no database needed). The Config must
// outlive the result.
TranslateResult translate_views(const Config& config);

// A YAML parameter as an engine value: null, boolean, bigint (numeric if it
// does not fit), numeric for decimals, text otherwise. An error message for
// a malformed number.
ivm::Result<ivm::Value> param_value(const Param& p);

}  // namespace rindle::config
