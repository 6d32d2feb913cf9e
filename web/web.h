// vanban/web — the local browser interface the node serves (issue 5, docs/web.md).
//
// Owns: an HTTP/1.1 server on Boost.Beast with C++20 coroutines (one coroutine per
// connection, size limits and timeouts, keep-alive), the login sessions (a person of
// this node and the passphrase of their key, held in sodium_malloc'd memory until
// logout or a bounded idle time, then wiped), CSRF tokens, the security headers of
// every response, and the server-rendered Vietnamese pages (inbox, document, PDF).
// Every action goes through core::Node, exactly as the CLI calls it; signed copies
// through pdf::CopyMaker; "sync now" and bundles through sync (the CLI's functions).
// Depends on core, pdf and sync; none knows of it.
//
// Threads: Run() serves on the calling thread, and every Node call happens there
// (a Node is used from one thread at a time). Stop() may be called from any thread.
// Errors are values: Boost error codes stay inside; Start() returns a Status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/node.h"
#include "core/status.h"

namespace vanban::web {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 8765;  // 0: any free port (tests)
  // Serving beyond loopback sends passphrases in clear over the network (no TLS here):
  // refused unless this is set (docs/web.md, "Security").
  bool allow_remote = false;
  std::chrono::seconds session_idle{15 * 60};       // a session unused this long is wiped
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};  // one request, and keep-alive idle
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  size_t max_body = 1 << 20;    // bytes of a request body
  size_t max_upload = 64 << 20; // bytes of an upload (a PDF to verify, a bundle)
  size_t max_header = 16 << 10; // bytes of a request's headers
  // Connections open at once. At the cap the oldest idle one (waiting for its first or next
  // request) is closed to take a new one; with none idle, new ones wait in the listen backlog.
  size_t max_connections = 256;
  // Told of every failure to accept a connection (out of descriptors...), one line each.
  std::function<void(const std::string&)> log;
  // The clock of the login-form tokens and the passphrase throttle; tests hold it still.
  std::function<std::chrono::steady_clock::time_point()> clock = [] { return std::chrono::steady_clock::now(); };
};

// "HOST:PORT" (or "PORT") into `opt`: a numeric IPv4/IPv6 address or "localhost";
// a non-loopback address is BadInput unless opt->allow_remote.
Status ParseListen(const std::string& listen, Options* opt);

class Server {
 public:
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (nothing is served until Run).
  static Result<std::unique_ptr<Server>> Start(Node& node, const Options& opt);
  uint16_t port() const;
  // Connections open now (any thread).
  size_t connections() const;
  // Serves until Stop() (or SIGINT/SIGTERM with `signals`); wipes every session after.
  Status Run(bool signals = false);
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The one escaping function for text in HTML (content and attribute values).
std::string Escape(std::string_view text);
// "ngày 05 tháng 02 năm 2024", in the timestamp's own offset.
std::string VietnameseDate(const Timestamp& t);
// "nháp", "đang xin ý kiến", "trình ký", "đã ký", "đã ban hành"... from StateName().
std::string StateLabel(std::string_view state);

}  // namespace vanban::web
