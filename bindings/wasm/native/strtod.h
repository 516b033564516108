// A correctly rounded strtod for the WebAssembly build.
//
// musl's strtod (what emscripten links) computes in 128-bit long double,
// which wasm32 emulates in software: with its helpers it is ~14 KB of the
// module. This one is exact with 32-bit-limb big integers instead (Clinger's
// fast path when the decimal fits a double exactly), a few KB.
//
// Contract: C's strtod. Skips leading whitespace; reads the longest prefix
// that is a decimal float ([sign] digits [. digits] [e [sign] digits]), a hex
// float ([sign] 0x hexdigits [. hexdigits] [p [sign] digits]), "inf",
// "infinity" or "nan" / "nan(chars)" (case-insensitive). Returns the nearest
// double (ties to even), ±HUGE_VAL with errno = ERANGE on overflow, and 0
// with errno = ERANGE when a nonzero input rounds to zero. *end (if non-null)
// points after the prefix, or at `text` when nothing was read (result 0).
// Thread-safe; no allocation.
#pragma once

extern "C" double rindle_strtod(const char* text, char** end);
