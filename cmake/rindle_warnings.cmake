# Warnings live on one interface target that every rindle target links.
add_library(rindle_warnings INTERFACE)
target_compile_options(rindle_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
  # GCC 12 at -O3 reports std::string inserts as overlapping memcpy (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${RINDLE_WERROR}>:-Werror>)

# The engine's flags: it must build without exceptions and RTTI, because the same
# sources compile to WebAssembly and sit behind a C API.
add_library(rindle_engine_flags INTERFACE)
target_compile_options(rindle_engine_flags INTERFACE -fno-exceptions -fno-rtti)
