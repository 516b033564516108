/* The C API exercised from plain C (C11), as a binding would use it: tables
 * from JSON schemas, rows in both formats, views from JSON ASTs with
 * parameters, atomic batches and their deltas, lookups, errors, and every
 * truncation of a binary batch rejected cleanly. */
#include "ivm/c_api/c_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static const char* phase = "";

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: [%s] check failed: %s\n", __FILE__, __LINE__, phase, #cond); \
      ++failures;                                                               \
    }                                                                           \
  } while (0)

/* A call that must succeed; prints the engine's message if not. */
#define OK(engine, call)                                                                    \
  do {                                                                                      \
    int rc_ = (call);                                                                       \
    if (rc_ != RINDLE_OK) {                                                                 \
      fprintf(stderr, "%s:%d: [%s] %s -> %s: %s\n", __FILE__, __LINE__, phase, #call,       \
              rindle_code_name(rc_), rindle_last_error(engine));                            \
      ++failures;                                                                           \
    }                                                                                       \
  } while (0)

static void start(const char* name) {
  phase = name;
  printf("c_api_test: %s\n", name);
}

/* Output bytes as a NUL-terminated copy (for comparing JSON). */
static char* copy_out(const uint8_t* data, size_t size) {
  char* s = malloc(size + 1);
  memcpy(s, data, size);
  s[size] = 0;
  return s;
}

static void check_json(const uint8_t* data, size_t size, const char* expected, int line) {
  char* got = copy_out(data, size);
  if (strcmp(got, expected) != 0) {
    fprintf(stderr, "%s:%d: [%s] got      %s\n%*s expected %s\n", __FILE__, line, phase, got, (int)strlen(__FILE__) + 8,
            "", expected);
    ++failures;
  }
  free(got);
}
#define CHECK_JSON(data, size, expected) check_json(data, size, expected, __LINE__)

/* A growable byte buffer for the binary format. */
typedef struct {
  uint8_t* data;
  size_t size, cap;
} buf_t;

static void put(buf_t* b, const void* p, size_t n) {
  if (b->size + n > b->cap) {
    b->cap = (b->size + n) * 2;
    b->data = realloc(b->data, b->cap);
  }
  memcpy(b->data + b->size, p, n);
  b->size += n;
}
static void put_u8(buf_t* b, uint8_t v) { put(b, &v, 1); }
static void put_u16(buf_t* b, uint16_t v) { uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; put(b, x, 2); }
static void put_u32(buf_t* b, uint32_t v) {
  uint8_t x[4];
  for (int i = 0; i < 4; ++i) x[i] = (uint8_t)(v >> (8 * i));
  put(b, x, 4);
}
static void put_i64(buf_t* b, int64_t v) {
  uint8_t x[8];
  for (int i = 0; i < 8; ++i) x[i] = (uint8_t)((uint64_t)v >> (8 * i));
  put(b, x, 8);
}
static void put_int(buf_t* b, int64_t v) { put_u8(b, 2); put_i64(b, v); }
static void put_text(buf_t* b, const char* s) { put_u8(b, 5); put_u32(b, (uint32_t)strlen(s)); put(b, s, strlen(s)); }
static void put_null(buf_t* b) { put_u8(b, 0); }
static void put_change(buf_t* b, uint8_t op, const char* table) {
  put_u8(b, op);
  put_u16(b, (uint16_t)strlen(table));
  put(b, table, strlen(table));
}

/* Little-endian readers for the binary deltas. */
static uint32_t get_u32(const uint8_t* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static int64_t get_i64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return (int64_t)v;
}

static const char* kIssues =
    "{\"name\":\"issues\",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"title\",\"type\":\"text\"},{\"name\":\"status\",\"type\":\"text\"},"
    "{\"name\":\"opened\",\"type\":\"date\"},{\"name\":\"estimate\",\"type\":\"numeric\"}],"
    "\"primary_key\":[\"id\"]}";

/* SELECT id, title FROM issues WHERE status = $1 ORDER BY id DESC LIMIT 2 */
static const char* kOpenTop2 =
    "{\"from\":[{\"table\":\"issues\"}],\"select\":[{\"col\":\"id\"},{\"col\":\"title\"}],"
    "\"where\":{\"op\":\"=\",\"args\":[{\"col\":\"status\"},{\"param\":1}]},"
    "\"order_by\":[{\"expr\":{\"col\":\"id\"},\"desc\":true}],\"limit\":2}";

static rindle_engine_t* new_engine_with_issues(void) {
  rindle_engine_t* e = rindle_engine_new();
  OK(e, rindle_create_table(e, kIssues, strlen(kIssues)));
  const char* rows =
      "[[1,\"crash on start\",\"open\",\"2024-01-31\",\"1.50\"],"
      "[2,\"typo\",\"closed\",\"2024-02-01\",0.25],"
      "[3,\"slow query\",\"open\",null,2]]";
  OK(e, rindle_load(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)rows, strlen(rows)));
  return e;
}

static void test_tables(void) {
  start("tables and JSON rows");
  rindle_engine_t* e = new_engine_with_issues();
  CHECK(rindle_create_table(e, kIssues, strlen(kIssues)) == RINDLE_EXISTS);
  CHECK(strstr(rindle_last_error(e), "already exists") != NULL);

  const char* bad = "{\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"bignum\"}],\"primary_key\":[\"a\"]}";
  CHECK(rindle_create_table(e, bad, strlen(bad)) == RINDLE_INVALID);
  CHECK(strstr(rindle_last_error(e), "schema.columns[0].type: unknown type \"bignum\"") != NULL);
  CHECK(rindle_create_table(e, "{", 1) == RINDLE_INVALID);
  CHECK(rindle_create_table(e, NULL, 0) == RINDLE_INVALID);

  uint64_t rows = 0, bytes = 0;
  OK(e, rindle_table_stats(e, "issues", 6, &rows, &bytes));
  CHECK(rows == 3 && bytes > 0);
  CHECK(rindle_table_stats(e, "nope", 4, &rows, &bytes) == RINDLE_NOT_FOUND);

  /* Values are read as their column's type: dates and numerics from strings. */
  const uint8_t* out;
  size_t size;
  OK(e, rindle_lookup(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)"[1]", 3, &out, &size));
  CHECK_JSON(out, size, "[1,\"crash on start\",\"open\",\"2024-01-31\",\"1.50\"]");
  OK(e, rindle_lookup(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)"[2]", 3, &out, &size));
  CHECK_JSON(out, size, "[2,\"typo\",\"closed\",\"2024-02-01\",\"0.25\"]");
  CHECK(rindle_lookup(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)"[9]", 3, &out, &size) == RINDLE_NOT_FOUND);
  CHECK(rindle_lookup(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)"[1,2]", 5, &out, &size) == RINDLE_INVALID);

  /* All or nothing: a bad row loads nothing. */
  const char* dup = "[[4,\"x\",\"open\",null,null],[1,\"again\",\"open\",null,null]]";
  CHECK(rindle_load(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)dup, strlen(dup)) == RINDLE_CONSTRAINT);
  CHECK(strstr(rindle_last_error(e), "duplicate key") != NULL);
  const char* bad_date = "[[5,\"x\",\"open\",\"2024-13-01\",null]]";
  CHECK(rindle_load(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)bad_date, strlen(bad_date)) == RINDLE_INVALID);
  CHECK(strstr(rindle_last_error(e), "rows[0][3]: column \"opened\"") != NULL);
  const char* wrong_type = "[[6,7,\"open\",null,null]]";
  CHECK(rindle_load(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)wrong_type, strlen(wrong_type)) ==
        RINDLE_TYPE_MISMATCH);
  OK(e, rindle_table_stats(e, "issues", 6, &rows, &bytes));
  CHECK(rows == 3);
  CHECK(rindle_load(e, "nope", 4, RINDLE_FORMAT_JSON, (const uint8_t*)"[]", 2) == RINDLE_NOT_FOUND);
  CHECK(rindle_load(e, "issues", 6, (rindle_format)7, (const uint8_t*)"[]", 2) == RINDLE_INVALID);

  OK(e, rindle_drop_table(e, "issues", 6));
  CHECK(rindle_drop_table(e, "issues", 6) == RINDLE_NOT_FOUND);
  rindle_engine_free(e);
  rindle_engine_free(NULL);
}

static void test_views_json(void) {
  start("views and batches in JSON");
  rindle_engine_t* e = new_engine_with_issues();
  uint32_t v = 99;
  const char* params = "[\"open\"]";
  OK(e, rindle_add_view(e, "open_top2", 9, kOpenTop2, strlen(kOpenTop2), RINDLE_FORMAT_JSON, (const uint8_t*)params,
                        strlen(params), &v));
  const uint8_t* out;
  size_t size;
  OK(e, rindle_view_rows(e, v, RINDLE_FORMAT_JSON, &out, &size));
  CHECK_JSON(out, size, "[[3,\"slow query\"],[1,\"crash on start\"]]");
  OK(e, rindle_view_info(e, v, &out, &size));
  char* info = copy_out(out, size);
  CHECK(strstr(info, "\"name\":\"open_top2\",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\"},"
                     "{\"name\":\"title\",\"type\":\"text\"}],\"key\":[0],\"ordered\":true") != NULL);
  free(info);

  /* One batch: a new open issue enters at the top, issue 1 leaves the window. */
  const char* batch =
      "{\"lsn\":7,\"changes\":[{\"op\":\"insert\",\"table\":\"issues\",\"row\":[4,\"leak\",\"open\",null,null]},"
      "{\"op\":\"update\",\"table\":\"issues\",\"key\":[3],\"row\":[3,\"slow queries\",\"open\",null,2]}]}";
  OK(e, rindle_apply(e, RINDLE_FORMAT_JSON, (const uint8_t*)batch, strlen(batch), &out, &size));
  CHECK_JSON(out, size,
             "[{\"view\":0,\"changes\":[{\"op\":\"delete\",\"old\":[1,\"crash on start\"],\"old_pos\":1},"
             "{\"op\":\"insert\",\"new\":[4,\"leak\"],\"new_pos\":0},"
             "{\"op\":\"update\",\"old\":[3,\"slow query\"],\"new\":[3,\"slow queries\"],\"old_pos\":0,\"new_pos\":1}]}]");
  OK(e, rindle_view_rows(e, v, RINDLE_FORMAT_JSON, &out, &size));
  CHECK_JSON(out, size, "[[4,\"leak\"],[3,\"slow queries\"]]");

  /* A batch that fails part-way changes nothing. */
  const char* bad =
      "{\"changes\":[{\"op\":\"delete\",\"table\":\"issues\",\"key\":[4]},"
      "{\"op\":\"delete\",\"table\":\"issues\",\"key\":[42]}]}";
  CHECK(rindle_apply(e, RINDLE_FORMAT_JSON, (const uint8_t*)bad, strlen(bad), &out, &size) == RINDLE_CONSTRAINT);
  CHECK(strstr(rindle_last_error(e), "change 1 (issues): no row with key (42)") != NULL);
  OK(e, rindle_view_rows(e, v, RINDLE_FORMAT_JSON, &out, &size));
  CHECK_JSON(out, size, "[[4,\"leak\"],[3,\"slow queries\"]]");
  CHECK(strcmp(rindle_last_error(e), "") == 0);

  const char* malformed[] = {
      "{\"changes\":[{\"op\":\"upsert\",\"table\":\"issues\",\"row\":[]}]}",
      "{\"changes\":[{\"op\":\"insert\",\"table\":\"issues\"}]}",
      "{\"changes\":[{\"op\":\"delete\",\"table\":\"issues\",\"key\":[1],\"row\":[1]}]}",
      "{\"changes\":{}}",
      "[]",
      "{\"changes\":[], \"extra\": 1}",
  };
  for (size_t i = 0; i < sizeof malformed / sizeof *malformed; ++i) {
    CHECK(rindle_apply(e, RINDLE_FORMAT_JSON, (const uint8_t*)malformed[i], strlen(malformed[i]), &out, &size) ==
          RINDLE_INVALID);
  }
  /* A batch touching no view's rows returns no deltas. */
  const char* quiet = "{\"changes\":[{\"op\":\"update\",\"table\":\"issues\",\"key\":[2],\"row\":[2,\"typo!\",\"closed\",null,null]}]}";
  OK(e, rindle_apply(e, RINDLE_FORMAT_JSON, (const uint8_t*)quiet, strlen(quiet), &out, &size));
  CHECK_JSON(out, size, "[]");

  /* View errors: bad AST, unknown table, duplicate name, bad params. */
  uint32_t w;
  const char* bad_ast = "{\"from\":[{\"table\":\"issues\"}],\"where\":{\"op\":\"==\",\"args\":[]}}";
  CHECK(rindle_add_view(e, "w", 1, bad_ast, strlen(bad_ast), RINDLE_FORMAT_JSON, NULL, 0, &w) == RINDLE_INVALID);
  CHECK(strstr(rindle_last_error(e), "where.op: unknown operator \"==\"") != NULL);
  const char* no_table = "{\"from\":[{\"table\":\"nope\"}]}";
  CHECK(rindle_add_view(e, "w", 1, no_table, strlen(no_table), RINDLE_FORMAT_JSON, NULL, 0, &w) == RINDLE_NOT_FOUND);
  CHECK(rindle_add_view(e, "open_top2", 9, kOpenTop2, strlen(kOpenTop2), RINDLE_FORMAT_JSON, (const uint8_t*)params,
                        strlen(params), &w) == RINDLE_EXISTS);
  CHECK(rindle_add_view(e, "w", 1, kOpenTop2, strlen(kOpenTop2), RINDLE_FORMAT_JSON, (const uint8_t*)"[{}]", 4, &w) ==
        RINDLE_INVALID);

  /* Typed parameters. */
  const char* since = "{\"from\":[{\"table\":\"issues\"}],\"select\":[{\"col\":\"id\"}],"
                      "\"where\":{\"op\":\">=\",\"args\":[{\"col\":\"opened\"},{\"param\":1}]}}";
  const char* since_params = "[{\"type\":\"date\",\"value\":\"2024-02-01\"}]";
  OK(e, rindle_add_view(e, "since", 5, since, strlen(since), RINDLE_FORMAT_JSON, (const uint8_t*)since_params,
                        strlen(since_params), &w));
  OK(e, rindle_view_rows(e, w, RINDLE_FORMAT_JSON, &out, &size));
  CHECK_JSON(out, size, "[]");  /* issue 2's date was cleared by the update above */

  uint64_t rows = 0, state = 0;
  OK(e, rindle_view_stats(e, v, &rows, &state));
  CHECK(rows == 2);
  uint64_t probes = 0, touched = 0;
  rindle_counters(e, &probes, &touched);
  CHECK(touched > 0);

  CHECK(rindle_drop_table(e, "issues", 6) == RINDLE_INVALID); /* views read it */
  OK(e, rindle_drop_view(e, v));
  CHECK(rindle_drop_view(e, v) == RINDLE_NOT_FOUND);
  CHECK(rindle_view_rows(e, v, RINDLE_FORMAT_JSON, &out, &size) == RINDLE_NOT_FOUND);
  CHECK(rindle_view_status(e, v) == RINDLE_NOT_FOUND);
  rindle_engine_free(e);
}

static void test_view_data_error(void) {
  start("a view failing on its data");
  rindle_engine_t* e = rindle_engine_new();
  const char* t = "{\"name\":\"t\",\"columns\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"d\",\"type\":\"int\"}],"
                  "\"primary_key\":[\"id\"]}";
  OK(e, rindle_create_table(e, t, strlen(t)));
  const char* q = "{\"from\":[{\"table\":\"t\"}],\"select\":[{\"op\":\"/\",\"args\":[{\"lit\":10},{\"col\":\"d\"}]}]}";
  uint32_t v;
  OK(e, rindle_add_view(e, "ratio", 5, q, strlen(q), RINDLE_FORMAT_JSON, NULL, 0, &v));
  OK(e, rindle_view_status(e, v));
  const uint8_t* out;
  size_t size;
  const char* zero = "{\"changes\":[{\"op\":\"insert\",\"table\":\"t\",\"row\":[1,0]}]}";
  OK(e, rindle_apply(e, RINDLE_FORMAT_JSON, (const uint8_t*)zero, strlen(zero), &out, &size));
  CHECK(rindle_view_status(e, v) == RINDLE_DATA_ERROR);
  CHECK(strstr(rindle_last_error(e), "division by zero") != NULL);
  rindle_engine_free(e);
}

static void build_binary_batch(buf_t* b) {
  put_i64(b, 9);   /* lsn */
  put_i64(b, 0);   /* commit_ts */
  put_u32(b, 3);   /* changes */
  put_change(b, 0, "issues"); /* insert (5, 'binary', 'open', '2024-03-01', NULL) */
  put_u16(b, 5);
  put_int(b, 5);
  put_text(b, "binary");
  put_text(b, "open");
  put_text(b, "2024-03-01");
  put_null(b);
  put_change(b, 1, "issues"); /* delete key (3) */
  put_u16(b, 1);
  put_int(b, 3);
  put_change(b, 2, "issues"); /* update key (1) -> title 'crash' */
  put_u16(b, 1);
  put_int(b, 1);
  put_u16(b, 5);
  put_int(b, 1);
  put_text(b, "crash");
  put_text(b, "open");
  put_null(b);
  put_text(b, "1.5");
}

static void test_binary(void) {
  start("binary rows, batches and deltas");
  rindle_engine_t* e = new_engine_with_issues();
  uint32_t v;
  buf_t params = {0};
  put_u16(&params, 1);
  put_text(&params, "open");
  OK(e, rindle_add_view(e, "open_top2", 9, kOpenTop2, strlen(kOpenTop2), RINDLE_FORMAT_BINARY, params.data, params.size,
                        &v));
  free(params.data);

  buf_t b = {0};
  build_binary_batch(&b);
  /* Every strict prefix and a trailing byte are rejected without changing anything. */
  const uint8_t* out;
  size_t size;
  for (size_t n = 0; n < b.size; ++n) {
    int rc = rindle_apply(e, RINDLE_FORMAT_BINARY, n ? b.data : NULL, n, &out, &size);
    CHECK(rc == RINDLE_INVALID);
  }
  put_u8(&b, 0);
  CHECK(rindle_apply(e, RINDLE_FORMAT_BINARY, b.data, b.size, &out, &size) == RINDLE_INVALID);
  CHECK(strstr(rindle_last_error(e), "unexpected bytes after the end") != NULL);
  b.size -= 1;

  OK(e, rindle_apply(e, RINDLE_FORMAT_BINARY, b.data, b.size, &out, &size));
  /* One view changed: 5 enters at position 0, 3 leaves, 1 is updated in place. */
  CHECK(size > 8 && get_u32(out) == 1 && get_u32(out + 4) == v && get_u32(out + 8) == 3);
  const uint8_t* p = out + 12;
  int seen_insert = 0, seen_delete = 0, seen_update = 0;
  for (int i = 0; i < 3; ++i) {
    uint8_t op = p[0];
    int64_t old_pos = get_i64(p + 1), new_pos = get_i64(p + 9);
    p += 17;
    if (op == 0) { seen_insert = new_pos == 0 && old_pos == -1; }
    if (op == 1) { seen_delete = old_pos == 0 && new_pos == -1; }
    if (op == 2) { seen_update = old_pos == 1 && new_pos == 1; }
    /* skip the rows: each is u16 ncols then (tag 2: 8 bytes | tag 5: u32 len + bytes) */
    int rows = op == 2 ? 2 : 1;
    for (int r = 0; r < rows; ++r) {
      uint16_t n = (uint16_t)(p[0] | p[1] << 8);
      p += 2;
      for (int c = 0; c < n; ++c) {
        uint8_t tag = *p++;
        if (tag == 2) p += 8;
        else if (tag == 5) p += 4 + get_u32(p);
        else CHECK(!"unexpected tag");
      }
    }
  }
  CHECK(p == out + size);
  CHECK(seen_insert && seen_delete && seen_update);

  OK(e, rindle_view_rows(e, v, RINDLE_FORMAT_JSON, &out, &size));
  CHECK_JSON(out, size, "[[5,\"binary\"],[1,\"crash\"]]");
  OK(e, rindle_lookup(e, "issues", 6, RINDLE_FORMAT_JSON, (const uint8_t*)"[5]", 3, &out, &size));
  CHECK_JSON(out, size, "[5,\"binary\",\"open\",\"2024-03-01\",null]");

  /* Binary rows out: count, then rows. */
  OK(e, rindle_view_rows(e, v, RINDLE_FORMAT_BINARY, &out, &size));
  CHECK(size >= 4 && get_u32(out) == 2);

  /* Binary load and lookup. */
  buf_t rows = {0};
  put_u32(&rows, 1);
  put_u16(&rows, 5);
  put_int(&rows, 10);
  put_text(&rows, "ten");
  put_null(&rows);
  put_null(&rows);
  put_text(&rows, "10.000");
  OK(e, rindle_load(e, "issues", 6, RINDLE_FORMAT_BINARY, rows.data, rows.size));
  buf_t key = {0};
  put_u16(&key, 1);
  put_int(&key, 10);
  OK(e, rindle_lookup(e, "issues", 6, RINDLE_FORMAT_BINARY, key.data, key.size, &out, &size));
  CHECK(size > 2 && out[0] == 5 && out[1] == 0);
  /* unknown tags and bad booleans */
  uint8_t bad_tag[] = {1, 0, 0, 0, 1, 0, 42};
  CHECK(rindle_load(e, "issues", 6, RINDLE_FORMAT_BINARY, bad_tag, sizeof bad_tag) == RINDLE_INVALID);
  CHECK(strstr(rindle_last_error(e), "unknown value tag 42") != NULL);
  free(rows.data);
  free(key.data);
  free(b.data);
  rindle_engine_free(e);
}

static void test_no_leaks(void) {
  start("engines and views freed");
  /* Warm up the allocator, then a loop must leave the heap where it was. */
  rindle_engine_free(new_engine_with_issues());
  size_t before = rindle_heap_in_use();
  for (int i = 0; i < 50; ++i) {
    rindle_engine_t* e = new_engine_with_issues();
    uint32_t v;
    OK(e, rindle_add_view(e, "v", 1, kOpenTop2, strlen(kOpenTop2), RINDLE_FORMAT_JSON, (const uint8_t*)"[\"open\"]", 8, &v));
    OK(e, rindle_drop_view(e, v));
    rindle_engine_free(e);
  }
  size_t after = rindle_heap_in_use();
  printf("c_api_test: heap in use before %zu, after %zu bytes\n", before, after);
  CHECK(after <= before);
  void* p = rindle_malloc(0);
  CHECK(p != NULL);
  rindle_free(p);
}

int main(void) {
  CHECK(strcmp(rindle_code_name(RINDLE_CONSTRAINT), "constraint violation") == 0);
  CHECK(strcmp(rindle_code_name(99), "unknown") == 0);
  CHECK(strlen(rindle_version()) > 0);
  test_tables();
  test_views_json();
  test_view_data_error();
  test_binary();
  test_no_leaks();
  if (failures) {
    fprintf(stderr, "c_api_test: %d check(s) failed\n", failures);
    return 1;
  }
  printf("c_api_test: all checks passed\n");
  return 0;
}
