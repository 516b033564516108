/* The C ABI of the rindle engine: one interface for every binding
 * (WebAssembly/JavaScript, Node, Rust, plain C).
 *
 * It wraps ivm::Engine (ivm/engine.h) behind an opaque handle and carries
 * structured data in two documented encodings (see "Formats" below): JSON,
 * easy to write by hand and to debug, and a compact little-endian binary row
 * format, several times cheaper to produce and to read (the JavaScript package
 * uses it; bench/README.md "WebAssembly" has the measurements).
 *
 * Thread rules: a rindle_engine_t is used by one thread at a time. Distinct
 * engines are independent.
 *
 * Errors: every fallible call returns a rindle_code (RINDLE_OK = 0 on
 * success). On failure nothing changed in the engine, and
 * rindle_last_error() returns the engine's message. Bad input (malformed JSON
 * or bytes, unknown names, wrong types) is always an error code, never a crash.
 *
 * Lifetimes:
 *  - Input pointers are only read during the call.
 *  - Output bytes (`const uint8_t** out, size_t* out_size`) point into a
 *    buffer owned by the engine. They stay valid until the next call that
 *    takes the engine, except calls documented "does not invalidate outputs"
 *    (rindle_last_error, rindle_counters). Copy them to keep them longer.
 *  - The engine and everything it owns are freed by rindle_engine_free().
 *  - rindle_malloc()/rindle_free() give bindings memory inside the module's
 *    heap (WebAssembly hosts write inputs there).
 *
 * REQUIRES (every call): `engine` is a live handle from rindle_engine_new();
 * non-NULL pointers for sizes > 0. A NULL data pointer with size 0 is an
 * empty input.
 */
#ifndef RINDLE_IVM_C_API_C_API_H_
#define RINDLE_IVM_C_API_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes; the numbers are stable (bindings map them to error types). */
typedef enum rindle_code {
  RINDLE_OK = 0,
  RINDLE_INVALID = 1,        /* malformed input: JSON, bytes, AST, row arity, literal */
  RINDLE_NOT_FOUND = 2,      /* unknown table, column, view or function */
  RINDLE_TYPE_MISMATCH = 3,  /* a value or expression of the wrong type */
  RINDLE_UNSUPPORTED = 4,    /* valid SQL the engine cannot maintain incrementally */
  RINDLE_CONSTRAINT = 5,     /* duplicate key, missing row, NULL in a NOT NULL column */
  RINDLE_DATA_ERROR = 6,     /* evaluation failed on the data: overflow, division by zero */
  RINDLE_EXISTS = 7,         /* a table or view of that name exists */
  RINDLE_INTERNAL = 8        /* a broken invariant of the engine (a bug) */
} rindle_code;

/* Encodings of rows, batches, params and deltas. Builds made with
 * RINDLE_C_API_NO_JSON_ROWS defined (the shipped WebAssembly module, to stay
 * small) answer RINDLE_FORMAT_JSON there with RINDLE_UNSUPPORTED; schemas,
 * ASTs and view info are JSON in every build. */
typedef enum rindle_format {
  RINDLE_FORMAT_BINARY = 0,
  RINDLE_FORMAT_JSON = 1
} rindle_format;

typedef struct rindle_engine_t rindle_engine_t;

/* ---- Formats ---------------------------------------------------------------
 *
 * Types are PostgreSQL's names: boolean bigint "double precision" numeric text
 * bytea date timestamp timestamptz uuid json (and aliases: int, int4, integer,
 * float8, varchar, jsonb, ...).
 *
 * JSON
 *   schema   {"name": "issues",
 *             "columns": [{"name": "id", "type": "bigint", "nullable": false},
 *                         {"name": "title", "type": "text"}],     nullable defaults to true
 *             "primary_key": ["id"]}
 *   value    null, true/false, a number, or a string. A value is converted to
 *            its column's type: integers are bigint (also accepted by double
 *            precision and numeric columns, exactly), other numbers double
 *            (numeric columns read the number's digits exactly), strings are
 *            read with the column type's PostgreSQL text input ("2024-01-31",
 *            "12.50", "\\x00ff", a uuid, ...) unless the column is text/json.
 *   rows     [[1, "a", null], [2, "b", true]]                  (table column order)
 *   batch    {"lsn": 7, "commit_ts": 0, "changes": [            lsn, commit_ts optional (0)
 *              {"op": "insert", "table": "t", "row": [...]},
 *              {"op": "delete", "table": "t", "key": [...]},      primary-key values, key order
 *              {"op": "update", "table": "t", "key": [...], "row": [...]}]}
 *   params   [5, "open", {"type": "date", "value": "2024-01-31"}]   ($1, $2, ...):
 *            plain values as above (integer -> bigint, number -> double,
 *            string -> text), or typed with the type's text input.
 *   output values: bigint and finite doubles as numbers, booleans, null; every
 *            other type (numeric too, to stay exact) as its PostgreSQL text.
 *   view rows  [[...], ...]   in order for ordered views
 *   deltas   [{"view": 0, "changes": [
 *              {"op": "insert", "new": [...], "new_pos": 3},
 *              {"op": "delete", "old": [...], "old_pos": 0},
 *              {"op": "update", "old": [...], "new": [...], "old_pos": 4, "new_pos": 1}]}]
 *            positions only for ordered views (see ivm::ViewChange for the rules:
 *            apply deletes by old_pos descending, then inserts by new_pos ascending).
 *   view info  {"name": "v", "columns": [{"name": "id", "type": "bigint"}],
 *               "key": [0], "ordered": true, "plan": "..."}
 *
 * BINARY (little-endian, no padding; u8/u16/u32/i64/f64 are fixed-width)
 *   value    tag:u8, then by tag (the tags are ivm::Type's values):
 *              0 null      (nothing)
 *              1 boolean   u8 0 or 1
 *              2 bigint    i64
 *              3 double    f64
 *              4 numeric, 5 text, 6 bytea, 7 date, 8 timestamp, 9 timestamptz,
 *              10 uuid, 11 json:   len:u32 then len bytes — text and json as
 *                 UTF-8, bytea raw, the others their PostgreSQL text form.
 *            Input values are converted to their column's type as in JSON:
 *            bigint is accepted by double/numeric columns; text (tag 5) is
 *            read with the column type's text input.
 *   row      ncols:u16, ncols values
 *   rows     count:u32, count rows
 *   batch    lsn:u64, commit_ts:i64, count:u32, then count changes:
 *              op:u8 (0 insert, 1 delete, 2 update), table_len:u16, table name,
 *              insert: row;  delete: key (a row of primary-key values);
 *              update: key, row
 *   params   a row
 *   deltas   count:u32, then per view: view:u32, nchanges:u32, then per change:
 *              op:u8 (0 insert, 1 delete, 2 update), old_pos:i64, new_pos:i64
 *              (-1 when absent), old row if op != insert, new row if op != delete
 */

/* ---- Engine ---------------------------------------------------------------- */

/* A new, empty engine. Never NULL. Free with rindle_engine_free(). */
rindle_engine_t* rindle_engine_new(void);
/* Frees the engine and all its tables, views and buffers. NULL is a no-op. */
void rindle_engine_free(rindle_engine_t* engine);

/* The message of the last call that failed on this engine ("" if the last
 * call succeeded). NUL-terminated; valid until the next call that takes the
 * engine. Does not invalidate outputs. */
const char* rindle_last_error(const rindle_engine_t* engine);

/* "ok", "invalid", "not found", ... for a code; "unknown" for others. */
const char* rindle_code_name(int code);
/* The library version, e.g. "0.1.0". */
const char* rindle_version(void);

/* ---- Tables ---------------------------------------------------------------- */

/* Declares a table from a JSON schema. RINDLE_EXISTS if the name is taken;
 * RINDLE_INVALID if the schema is malformed. */
int rindle_create_table(rindle_engine_t* engine, const char* schema_json, size_t size);
/* Drops a table. RINDLE_NOT_FOUND if unknown; RINDLE_INVALID while a view reads it. */
int rindle_drop_table(rindle_engine_t* engine, const char* name, size_t name_size);
/* Bulk-loads rows (format: rows) into a table without producing deltas; views
 * already reading it are brought up to date. All or nothing. */
int rindle_load(rindle_engine_t* engine, const char* table, size_t table_size, rindle_format format,
                const uint8_t* rows, size_t size);
/* The stored row with these primary-key values (format: a row in binary, an
 * array in JSON). RINDLE_NOT_FOUND if there is none. */
int rindle_lookup(rindle_engine_t* engine, const char* table, size_t table_size, rindle_format format,
                  const uint8_t* key, size_t size, const uint8_t** out, size_t* out_size);
/* Rows and stored bytes of a table. RINDLE_NOT_FOUND if unknown. */
int rindle_table_stats(rindle_engine_t* engine, const char* table, size_t table_size, uint64_t* rows,
                       uint64_t* bytes);

/* ---- Views ----------------------------------------------------------------- */

/* Registers a view from the JSON form of its query AST (ivm/ast_json.h) and
 * computes its contents. `params` (format: params; NULL/0 for none) bind $1...
 * On success *view is its id. Errors leave the engine untouched. */
int rindle_add_view(rindle_engine_t* engine, const char* name, size_t name_size, const char* ast_json,
                    size_t ast_size, rindle_format params_format, const uint8_t* params, size_t params_size,
                    uint32_t* view);
/* Drops a view and frees its state. RINDLE_NOT_FOUND if unknown. */
int rindle_drop_view(rindle_engine_t* engine, uint32_t view);
/* The view's columns, key, order and plan (JSON view info). */
int rindle_view_info(rindle_engine_t* engine, uint32_t view, const uint8_t** out, size_t* out_size);
/* RINDLE_OK if the view is healthy; the data error that failed it otherwise
 * (with its message); RINDLE_NOT_FOUND if unknown. */
int rindle_view_status(rindle_engine_t* engine, uint32_t view);
/* The view's current rows (format: rows), in order for ordered views. */
int rindle_view_rows(rindle_engine_t* engine, uint32_t view, rindle_format format, const uint8_t** out,
                     size_t* out_size);
/* Rows and operator-state bytes of a view. RINDLE_NOT_FOUND if unknown. */
int rindle_view_stats(rindle_engine_t* engine, uint32_t view, uint64_t* rows, uint64_t* state_bytes);

/* ---- Writes ---------------------------------------------------------------- */

/* Applies one batch (format: batch) atomically: either it is rejected with an
 * error and nothing changes, or every table and healthy view advances past
 * it. On success the views' changes (format: deltas, same format as the
 * batch) are in *out; views that did not change are absent. */
int rindle_apply(rindle_engine_t* engine, rindle_format format, const uint8_t* batch, size_t size,
                 const uint8_t** out, size_t* out_size);

/* ---- Diagnostics ----------------------------------------------------------- */

/* Cumulative work counters (ivm::WorkCounters). Cannot fail. */
void rindle_counters(const rindle_engine_t* engine, uint64_t* index_probes, uint64_t* rows_touched);
/* Bytes currently allocated from the process (or wasm module) heap by malloc,
 * for leak tests; 0 where the allocator cannot tell. */
size_t rindle_heap_in_use(void);

/* ---- Memory for bindings --------------------------------------------------- */

/* malloc/free of the library's own heap (never NULL for size > 0: allocation
 * failure aborts, as in the engine). */
void* rindle_malloc(size_t size);
void rindle_free(void* ptr);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* RINDLE_IVM_C_API_C_API_H_ */
