#include "daemon/testing/rindled_harness.h"

#include <fcntl.h>
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace rindle::daemon::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::vector<TestView> shop_views() {
  return {
      {"big_open_orders", "SELECT o.id, o.customer_id, o.total FROM orders o WHERE o.status = 'open' AND o.total > 50",
       false},
      {"order_lines",
       "SELECT o.id, o.customer_id, c.name, c.region, o.total, o.qty FROM orders o JOIN customers c ON c.id = o.customer_id", false},
      {"region_totals",
       "SELECT c.region, count(*) AS n, sum(o.total) AS total, min(o.qty) AS min_qty, max(o.qty) AS max_qty "
       "FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region",
       false},
      {"customer_stats",
       "SELECT c.id, c.name, count(o.id) AS orders, avg(o.total) AS avg_total FROM customers c "
       "LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name",
       false},
      {"top_orders", "SELECT o.id, o.total, o.status FROM orders o ORDER BY o.total DESC, o.id LIMIT 10", true},
      {"statuses", "SELECT DISTINCT o.status FROM orders o", false},
  };
}

namespace {

std::string conn_param(const std::string& conninfo, const std::string& key) {
  std::regex re("(^| )" + key + "=([^ ]+)");
  std::smatch m;
  return std::regex_search(conninfo, m, re) ? m[2].str() : "";
}

}  // namespace

std::string write_config(const std::string& dir, const std::string& conninfo, const std::vector<TestView>& views,
                         const std::string& extra) {
  std::string path = dir + "/rindle.yaml";
  std::ofstream f(path);
  f << "source:\n"
    << "  host: " << conn_param(conninfo, "host") << "\n"
    << "  port: " << conn_param(conninfo, "port") << "\n"
    << "  dbname: " << conn_param(conninfo, "dbname") << "\n"
    << "  user: " << conn_param(conninfo, "user") << "\n"
    << "  heartbeat_interval: 200ms\n"
    << "  reconnect:\n    initial_backoff: 100ms\n    max_backoff: 1s\n"
    << "views:\n";
  for (const TestView& v : views) {
    f << "  - name: " << v.name << "\n    sql: |\n      " << v.sql << "\n    sinks:\n";
    if (!v.sinks.empty()) {
      f << v.sinks;
      continue;
    }
    f << "      - table:\n          schema: " << v.schema << "\n"
      << "        retry_initial_backoff: 100ms\n        retry_max_backoff: 1s\n"
      << "        failure_timeout: 2s\n";
  }
  f << "state:\n  directory: " << dir << "/state\n  checkpoint_interval: 1s\n"
    << "metrics:\n  listen: 127.0.0.1:0\n"
    << "limits:\n  shutdown_timeout: 20s\n"
    << extra;
  return path;
}

Rindled::~Rindled() {
  if (pid_ > 0) kill9();
}

void Rindled::start() {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      ::close(fd);
    }
    execl(RINDLED, RINDLED, "--config", config_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  status_ = -1;
}

bool Rindled::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    pid_ = -1;
    return false;
  }
  return true;
}

void Rindled::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int Rindled::wait(std::chrono::milliseconds timeout) {
  Clock::time_point end = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= end) return -1;
    std::this_thread::sleep_for(20ms);
  }
  return status_;
}

void Rindled::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  status_ = 128 + SIGKILL;
  pid_ = -1;
}

std::string Rindled::log_text() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Rindled::metrics_port() const {
  std::string text = log_text();
  std::smatch m;
  std::regex re("metrics at http://127\\.0\\.0\\.1:([0-9]+)/metrics");
  int port = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    port = std::stoi((*it)[1].str());  // the last start's
  }
  return port;
}

// ---------------------------------------------------------------------------

int http_get(int port, const std::string& path, std::string* body) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)!::write(fd, req.data(), req.size());
  std::string resp;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) resp.append(buf, static_cast<size_t>(n));
  ::close(fd);
  int status = -1;
  if (std::sscanf(resp.c_str(), "HTTP/%*s %d", &status) != 1) return -1;
  size_t sep = resp.find("\r\n\r\n");
  if (body) *body = sep == std::string::npos ? "" : resp.substr(sep + 4);
  return status;
}

std::string exec_sql(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string e = PQerrorMessage(c);
    PQfinish(c);
    return e.empty() ? "connection failed" : e;
  }
  PGresult* r = PQexec(c, sql.c_str());
  std::string e;
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
    e = PQresultErrorMessage(r);
    if (e.empty()) e = "failed";
  }
  PQclear(r);
  PQfinish(c);
  return e;
}

std::vector<std::string> query_rows(const std::string& conninfo, const std::string& sql, std::string* error) {
  std::vector<std::string> out;
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    if (error) *error = PQerrorMessage(c);
    PQfinish(c);
    return out;
  }
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    if (error) *error = PQresultErrorMessage(r);
  } else {
    for (int i = 0; i < PQntuples(r); ++i) {
      std::string line;
      for (int j = 0; j < PQnfields(r); ++j) {
        if (j) line += '|';
        line += PQgetisnull(r, i, j) ? std::string("\\N") : std::string(PQgetvalue(r, i, j));
      }
      out.push_back(std::move(line));
    }
  }
  PQclear(r);
  PQfinish(c);
  return out;
}

std::string query_value(const std::string& conninfo, const std::string& sql) {
  std::vector<std::string> rows = query_rows(conninfo, sql);
  if (rows.empty()) return "";
  return rows[0].substr(0, rows[0].find('|'));
}

bool wait_caught_up(const std::string& conninfo, const std::string& slot, std::chrono::milliseconds timeout,
                    Rindled* daemon) {
  std::string target = query_value(conninfo, "SELECT pg_current_wal_lsn()");
  if (target.empty()) return false;
  Clock::time_point end = Clock::now() + timeout;
  std::string q = "SELECT confirmed_flush_lsn >= '" + target + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" +
                  slot + "'";
  while (Clock::now() < end) {
    if (query_value(conninfo, q) == "t") {
      // Sinks being rebuilt do not hold the slot back: wait for them too.
      if (!daemon) return true;
      int port = daemon->metrics_port();
      std::string body;
      if (port > 0 && http_get(port, "/healthz", &body) == 200) {
        nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
        if (!j.is_discarded() && j.value("status", "") == "ok") return true;
      }
    }
    if (daemon && !daemon->running()) return false;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string compare_view(const std::string& conninfo, const TestView& v) {
  std::string err;
  std::vector<std::string> expected = query_rows(conninfo, v.sql, &err);
  if (!err.empty()) return "the view's SQL failed: " + err;
  // The sink table's columns without rindle_position, in the view's order.
  std::vector<std::string> cols = query_rows(
      conninfo, "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '" +
                    v.schema + "." + v.name + "'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> " +
                    "'rindle_position'",
      &err);
  if (!err.empty() || cols.empty()) return "no sink table " + v.schema + "." + v.name + ": " + err;
  std::string q = "SELECT " + cols[0] + " FROM " + v.schema + "." + v.name;
  if (v.ordered) q += " ORDER BY rindle_position";
  std::vector<std::string> actual = query_rows(conninfo, q, &err);
  if (!err.empty()) return "reading the sink table failed: " + err;
  std::string diff;
  if (v.ordered && actual != expected) diff += "  order or contents differ\n";
  std::sort(expected.begin(), expected.end());
  std::sort(actual.begin(), actual.end());
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  for (size_t i = 0; i < missing.size() && i < 10; ++i) diff += "  missing from the sink: " + missing[i] + "\n";
  for (size_t i = 0; i < extra.size() && i < 10; ++i) diff += "  extra in the sink:     " + extra[i] + "\n";
  if (diff.empty()) return "";
  return "view " + v.name + " (" + std::to_string(actual.size()) + " rows in the sink, " +
         std::to_string(expected.size()) + " from the SQL):\n" + diff;
}

std::vector<std::pair<std::string, uint64_t>> progress_lsns(const std::string& conninfo, const std::string& schema) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const std::string& row : query_rows(conninfo, "SELECT sink, (lsn - '0/0'::pg_lsn)::bigint FROM " + schema +
                                                         ".rindle_progress ORDER BY sink")) {
    size_t bar = row.find('|');
    out.emplace_back(row.substr(0, bar), std::stoull(row.substr(bar + 1)));
  }
  return out;
}

uint64_t test_seed(const char* test_name) {
  uint64_t seed = 0;
  if (const char* s = std::getenv("RINDLE_SEED")) {
    seed = std::strtoull(s, nullptr, 10);
  } else {
    seed = std::random_device{}() % 1000000;
  }
  std::printf("%s: seed %llu (re-run with RINDLE_SEED=%llu)\n", test_name, static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  return seed;
}

// ---------------------------------------------------------------------------

Shop::Shop(std::string conninfo, uint64_t seed) : conninfo_(std::move(conninfo)), rng_(seed) {}

namespace {
const char* const kRegions[] = {"north", "south", "east", "west", "\xc3\xa9st"};
const char* const kStatuses[] = {"open", "closed", "shipped", "cancelled"};
}  // namespace

void Shop::create(int customers, int orders) {
  std::string sql =
      "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text);"
      "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text NOT NULL, total numeric(10,2), qty int);";
  std::uniform_int_distribution<int> money(0, 20000), qty(1, 50);
  for (int i = 0; i < customers; ++i) {
    int id = ++next_customer_;
    customers_.push_back(id);
    sql += "INSERT INTO customers VALUES (" + std::to_string(id) + ", 'c" + std::to_string(id) + "', '" +
           kRegions[rng_() % 5] + "');";
  }
  for (int i = 0; i < orders; ++i) {
    int id = ++next_order_;
    orders_.push_back(id);
    sql += "INSERT INTO orders VALUES (" + std::to_string(id) + ", " + std::to_string(1 + rng_() % (customers + 3)) +
           ", '" + kStatuses[rng_() % 4] + "', " + std::to_string(money(rng_) / 100.0) + ", " +
           std::to_string(qty(rng_)) + ");";
  }
  error_ = exec_sql(conninfo_, sql);
}

std::string Shop::one_transaction() {
  std::uniform_int_distribution<int> money(0, 20000), qty(1, 50), nops(1, 6);
  auto pick = [&](std::vector<int>& v) { return v.empty() ? 0 : v[rng_() % v.size()]; };
  auto remove = [](std::vector<int>& v, int id) { v.erase(std::remove(v.begin(), v.end(), id), v.end()); };
  std::string sql = "BEGIN;";
  if (rng_() % 250 == 0) {
    orders_.clear();
    return sql + "TRUNCATE orders; COMMIT;";
  }
  int n = nops(rng_);
  for (int i = 0; i < n; ++i) {
    unsigned op = rng_() % 100;
    if (op < 30 || orders_.empty()) {
      int id = ++next_order_;
      orders_.push_back(id);
      std::string total = rng_() % 20 == 0 ? "NULL" : std::to_string(money(rng_) / 100.0);
      sql += "INSERT INTO orders VALUES (" + std::to_string(id) + ", " +
             std::to_string(rng_() % 15 == 0 ? next_customer_ + 5 : pick(customers_)) + ", '" + kStatuses[rng_() % 4] +
             "', " + total + ", " + std::to_string(qty(rng_)) + ");";
    } else if (op < 55) {
      sql += "UPDATE orders SET status = '" + std::string(kStatuses[rng_() % 4]) + "', total = " +
             std::to_string(money(rng_) / 100.0) + " WHERE id = " + std::to_string(pick(orders_)) + ";";
    } else if (op < 62) {
      sql += "UPDATE orders SET customer_id = " + std::to_string(pick(customers_)) + ", qty = " +
             std::to_string(qty(rng_)) + " WHERE id = " + std::to_string(pick(orders_)) + ";";
    } else if (op < 66) {
      // A key change: the row moves to a new id.
      int from = pick(orders_), to = ++next_order_;
      remove(orders_, from);
      orders_.push_back(to);
      sql += "UPDATE orders SET id = " + std::to_string(to) + " WHERE id = " + std::to_string(from) + ";";
    } else if (op < 80) {
      int id = pick(orders_);
      remove(orders_, id);
      sql += "DELETE FROM orders WHERE id = " + std::to_string(id) + ";";
    } else if (op < 86) {
      int id = ++next_customer_;
      customers_.push_back(id);
      sql += "INSERT INTO customers VALUES (" + std::to_string(id) + ", 'c" + std::to_string(id) + "', " +
             (rng_() % 10 == 0 ? std::string("NULL") : "'" + std::string(kRegions[rng_() % 5]) + "'") + ");";
    } else if (op < 94) {
      sql += "UPDATE customers SET region = '" + std::string(kRegions[rng_() % 5]) + "', name = 'n" +
             std::to_string(rng_() % 1000) + "' WHERE id = " + std::to_string(pick(customers_)) + ";";
    } else if (op < 97 && customers_.size() > 5) {
      int id = pick(customers_);
      remove(customers_, id);
      sql += "DELETE FROM customers WHERE id = " + std::to_string(id) + ";";
    } else {
      // Work that is rolled back: never visible.
      sql += "SAVEPOINT s; UPDATE orders SET total = 99999 WHERE id = " + std::to_string(pick(orders_)) +
             "; DELETE FROM customers WHERE id = " + std::to_string(pick(customers_)) + "; ROLLBACK TO SAVEPOINT s;";
    }
  }
  return sql + "COMMIT;";
}

bool Shop::run(int transactions) {
  PGconn* c = PQconnectdb(conninfo_.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    error_ = PQerrorMessage(c);
    PQfinish(c);
    return false;
  }
  for (int i = 0; i < transactions; ++i) {
    std::string sql = one_transaction();
    PGresult* r = PQexec(c, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) error_ = std::string(PQresultErrorMessage(r)) + " in: " + sql;
    PQclear(r);
    if (!ok) {
      PQfinish(c);
      return false;
    }
    ++done_;
  }
  PQfinish(c);
  return true;
}

}  // namespace rindle::daemon::testing
