// /metrics and /healthz over real HTTP on loopback; the JSON log format.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "daemon/health.h"
#include "daemon/http_server.h"
#include "daemon/logging.h"
#include "daemon/metrics.h"

namespace rindle::daemon {
namespace {

struct Reply {
  int status = 0;
  std::string headers;
  std::string body;
};

// A minimal HTTP/1.1 client: one request, read until the server closes.
Reply http(int port, const std::string& method, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<size_t>(n));
  ::close(fd);
  Reply r;
  size_t sp = resp.find(' ');
  REQUIRE(sp != std::string::npos);
  r.status = std::atoi(resp.c_str() + sp + 1);
  size_t end = resp.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  r.headers = resp.substr(0, end);
  r.body = resp.substr(end + 4);
  return r;
}

TEST_CASE("/metrics and /healthz are served over HTTP; the status code follows health") {
  Metrics metrics("1.2.3");
  HealthBoard board;
  metrics.source_transactions.Increment(7);
  metrics.table_applied("orders", 3);
  metrics.view_state("top", 10, 4096, false);
  sinks::SinkHealth sh;
  sh.status = sinks::SinkStatus::kHealthy;
  sh.durable_lsn = 0x1234;
  metrics.sink_health("top", "table public.top", sh);
  auto server = HttpServer::start("127.0.0.1:0", {{"/metrics", [&] {
                                                     return HttpResponse{200, "text/plain; version=0.0.4",
                                                                         metrics.serialize()};
                                                   }},
                                                  {"/healthz", [&] { return render_health(board.snapshot()); }}});
  REQUIRE_MESSAGE(server.ok(), server.status().to_string());
  int port = (*server)->port();
  REQUIRE(port > 0);

  Reply m = http(port, "GET", "/metrics");
  CHECK(m.status == 200);
  CHECK(m.headers.find("text/plain; version=0.0.4") != std::string::npos);
  CHECK(m.body.find("rindle_source_transactions_total 7") != std::string::npos);
  CHECK(m.body.find("rindle_table_changes_total{table=\"orders\"} 3") != std::string::npos);
  CHECK(m.body.find("rindle_view_state_bytes{view=\"top\"} 4096") != std::string::npos);
  CHECK(m.body.find("rindle_sink_committed_lsn{sink=\"table public.top\",view=\"top\"} 4660") != std::string::npos);
  CHECK(m.body.find("rindle_build_info{version=\"1.2.3\"} 1") != std::string::npos);
  CHECK(m.body.find("# TYPE rindle_apply_seconds histogram") != std::string::npos);

  // Starting: 503.
  Reply h = http(port, "GET", "/healthz");
  CHECK(h.status == 503);
  auto j = nlohmann::json::parse(h.body);
  CHECK(j["phase"] == "starting");
  CHECK(j["status"] == "failing");

  // Running with a healthy view and sink: 200, "ok".
  HealthSnapshot s;
  s.phase = Phase::kRunning;
  s.source.state = "streaming";
  s.views.push_back(ViewHealth{"top", "", 10});
  s.sinks.push_back(SinkHealthEntry{"top", "table public.top", sh});
  s.engine_lsn = 0x1234;
  board.publish(s);
  h = http(port, "GET", "/healthz");
  CHECK(h.status == 200);
  j = nlohmann::json::parse(h.body);
  CHECK(j["status"] == "ok");
  CHECK(j["engine_lsn"] == "0/1234");
  CHECK(j["views"][0]["name"] == "top");
  CHECK(j["sinks"][0]["status"] == "healthy");
  CHECK(j["sinks"][0]["durable_lsn"] == "0/1234");

  // A retrying sink: degraded, still 200.
  s.sinks[0].health.status = sinks::SinkStatus::kRetrying;
  s.sinks[0].health.last_error = "connection refused";
  board.publish(s);
  h = http(port, "GET", "/healthz");
  CHECK(h.status == 200);
  j = nlohmann::json::parse(h.body);
  CHECK(j["status"] == "degraded");
  CHECK(j["sinks"][0]["last_error"] == "connection refused");

  // A detached sink or a failed view: 503.
  s.sinks[0].health.status = sinks::SinkStatus::kDetached;
  board.publish(s);
  CHECK(http(port, "GET", "/healthz").status == 503);
  s.sinks[0].health.status = sinks::SinkStatus::kHealthy;
  s.views[0].error = "division by zero";
  board.publish(s);
  h = http(port, "GET", "/healthz");
  CHECK(h.status == 503);
  j = nlohmann::json::parse(h.body);
  CHECK(j["views"][0]["status"] == "failed");
  CHECK(j["views"][0]["error"] == "division by zero");

  // HEAD has no body; unknown paths 404; other methods 405.
  Reply head = http(port, "HEAD", "/metrics");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(http(port, "GET", "/nope").status == 404);
  CHECK(http(port, "POST", "/metrics").status == 405);
}

TEST_CASE("the server refuses bad addresses and taken ports") {
  CHECK(HttpServer::start("localhost", {}).status().code() == ivm::Code::kInvalid);
  auto a = HttpServer::start("127.0.0.1:0", {});
  REQUIRE(a.ok());
  auto b = HttpServer::start("127.0.0.1:" + std::to_string((*a)->port()), {});
  CHECK(!b.ok());
  CHECK(b.status().message().find("cannot listen") != std::string::npos);
}

TEST_CASE("JSON log lines are one valid object each, with the message escaped") {
  auto f = make_json_formatter();
  std::string payload = "quote \" backslash \\ newline \n tab \t ctl \x01";
  spdlog::details::log_msg msg("rindled", spdlog::level::warn, payload);
  spdlog::memory_buf_t out;
  f->format(msg, out);
  std::string line(out.data(), out.size());
  REQUIRE(!line.empty());
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  auto j = nlohmann::json::parse(line);
  CHECK(j["level"] == "warning");
  CHECK(j["msg"] == payload);
  CHECK(j["ts"].get<std::string>().size() == 24);
}

}  // namespace
}  // namespace rindle::daemon
