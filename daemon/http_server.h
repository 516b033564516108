// A small HTTP server (civetweb) for /metrics and /healthz.
//
// prometheus-cpp's Exposer serves only registries, and /healthz must answer
// with JSON and a status code, so both are served here: each route is a
// function producing the whole response. GET and HEAD only; other paths 404.
//
// Thread rules: handlers run on the server's worker threads (two), possibly
// concurrently: they must be thread-safe. start() and the destructor from one
// thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "ivm/status.h"

struct mg_context;
struct mg_connection;

namespace rindle::daemon {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};
using HttpHandler = std::function<HttpResponse()>;

class HttpServer {
 public:
  // Listens on `listen` ("127.0.0.1:9732", "[::1]:0"; port 0 picks a free one).
  // kInvalid for a bad address, kInternal if binding fails (message says why).
  static ivm::Result<std::unique_ptr<HttpServer>> start(const std::string& listen,
                                                        std::map<std::string, HttpHandler> routes);
  ~HttpServer();  // stops serving; waits for running handlers
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

 private:
  HttpServer() = default;
  static int dispatch(::mg_connection* conn, void* data);
  std::map<std::string, HttpHandler> routes_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace rindle::daemon
