#include "daemon/http_server.h"

#include <civetweb.h>

#include <cstring>
#include <mutex>

#include "config/value_text.h"

namespace rindle::daemon {
namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void send(::mg_connection* conn, const HttpResponse& r, bool head) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n",
            r.status, reason(r.status), r.content_type.c_str(), r.body.size());
  if (!head && !r.body.empty()) mg_write(conn, r.body.data(), r.body.size());
}

}  // namespace

int HttpServer::dispatch(::mg_connection* conn, void* data) {
  auto* self = static_cast<HttpServer*>(data);
  const mg_request_info* ri = mg_get_request_info(conn);
  bool head = std::strcmp(ri->request_method, "HEAD") == 0;
  if (!head && std::strcmp(ri->request_method, "GET") != 0) {
    send(conn, HttpResponse{405, "text/plain; charset=utf-8", "only GET and HEAD\n"}, false);
    return 405;
  }
  auto it = self->routes_.find(ri->local_uri ? ri->local_uri : "");
  if (it == self->routes_.end()) {
    std::string paths;
    for (const auto& [p, h] : self->routes_) paths += " " + p;
    send(conn, HttpResponse{404, "text/plain; charset=utf-8", "not found; try" + paths + "\n"}, head);
    return 404;
  }
  HttpResponse r;
  try {
    r = it->second();
  } catch (const std::exception& e) {
    r = HttpResponse{500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
  }
  send(conn, r, head);
  return r.status;
}

ivm::Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& listen,
                                                           std::map<std::string, HttpHandler> routes) {
  std::string bad = config::check_address(listen);
  if (!bad.empty()) return ivm::Status(ivm::Code::kInvalid, "metrics.listen: " + bad);
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->routes_ = std::move(routes);
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", "2", "request_timeout_ms", "10000",
                           "enable_keep_alive", "no", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  mg_init_data init_data{&callbacks, nullptr, options};
  char text[256] = "";
  unsigned code = 0;
  mg_error_data error{&code, text, sizeof text};
  s->ctx_ = mg_start2(&init_data, &error);
  if (!s->ctx_) {
    return ivm::Status(ivm::Code::kInternal, "cannot listen on " + listen + ": " + (text[0] ? text : "unknown error"));
  }
  mg_set_request_handler(s->ctx_, "/", &HttpServer::dispatch, s.get());
  mg_server_port ports[4];
  int n = mg_get_server_ports(s->ctx_, 4, ports);
  s->port_ = n > 0 ? ports[0].port : 0;
  return s;
}

HttpServer::~HttpServer() {
  if (ctx_) mg_stop(ctx_);
}

}  // namespace rindle::daemon
