#include "config/view_sql.h"

#include <charconv>

#include "config/sql/translate.h"
#include "ivm/numeric.h"

namespace rindle::config {

ivm::Result<ivm::Value> param_value(const Param& p) {
  switch (p.kind) {
    case Param::Kind::kNull: return ivm::Value::null();
    case Param::Kind::kBool: return ivm::Value::boolean(p.text == "true");
    case Param::Kind::kText: return ivm::Value::text(p.text);
    case Param::Kind::kInt: {
      int64_t v = 0;
      std::string_view t = p.text;
      if (!t.empty() && t[0] == '+') t.remove_prefix(1);
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc() && end == t.data() + t.size()) return ivm::Value::int64(v);
      [[fallthrough]];  // too large for bigint: numeric, as PostgreSQL types such literals
    }
    case Param::Kind::kDecimal: {
      ivm::Result<std::string> n = ivm::numeric_canonical(p.text);
      if (!n.ok()) return n.status();
      return ivm::make_numeric(*n);
    }
  }
  return ivm::Status(ivm::Code::kInvalid, "bad parameter");
}

TranslateResult translate_views(const Config& config) {
  TranslateResult r;
  for (size_t i = 0; i < config.views.size(); ++i) {
    const ViewConfig& v = config.views[i];
    std::string vp = "views[" + std::to_string(i) + "]";
    sql::SqlSource src{v.sql.text, config.file, v.sql.line, v.sql.column, v.sql.indent};
    ivm::Result<ivm::Query> q = sql::translate(src);
    if (!q.ok()) {
      // The front end's message already says file:line:column.
      r.errors.push_back(Diagnostic{"", {}, q.status().message()});
      continue;
    }
    TranslatedView tv;
    tv.config = &v;
    tv.query = std::move(q).value();
    if (!v.key.empty()) tv.query.key = v.key;
    bool params_ok = true;
    for (size_t j = 0; j < v.parameters.size(); ++j) {
      ivm::Result<ivm::Value> pv = param_value(v.parameters[j]);
      if (!pv.ok()) {
        r.errors.push_back(config.error_at(vp + ".parameters", "parameter $" + std::to_string(j + 1) + ": " +
                                                                    pv.status().message()));
        params_ok = false;
        continue;
      }
      tv.params.push_back(std::move(pv).value());
    }
    if (params_ok) r.views.push_back(std::move(tv));
  }
  return r;
}

}  // namespace rindle::config
