// Fuzzes the config loader: any bytes load or give file:line:column errors
// (never a crash); whatever loads prints (--print-config) as YAML that loads
// back and prints identically; the views' SQL then goes through the front end.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/loader.h"
#include "config/render.h"
#include "config/view_sql.h"

using namespace rindle::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  LoadResult r = load_config_text(text, "fuzz.yaml", "/base");
  for (const Diagnostic& d : r.errors) {
    if (d.message.empty()) std::abort();  // every error says something
  }
  if (!r.ok()) return 0;
  std::string printed = print_config(r.config);
  LoadResult again = load_config_text(printed, "printed.yaml", "/base");
  if (!again.ok()) std::abort();
  if (print_config(again.config) != printed) std::abort();
  (void)translate_views(r.config);
  return 0;
}
