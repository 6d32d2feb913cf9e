// The web interface in-process for tests: a server on 127.0.0.1 (port 0) over a copy
// of the fixture's organisation (tests/core/fixture.h), talked to with a small
// synchronous Beast client. While the server runs, its Node belongs to the server's
// thread: check the store through the pages, or after StopServer().
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/crypto.h"
#include "pdf/pdf.h"
#include "sync/tsa.h"
#include "tests/core/fixture.h"
#include "web/web.h"

namespace vanban::testing {

namespace web_http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
}  // namespace web_http

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; last value
  std::vector<std::string> set_cookies;
  std::string body;
};

// The web's node makes and checks signed PDFs, time-stamped when it names an
// authority, as the CLI opens it.
class WebServerTest : public OrgTest {
 protected:
  WebServerTest() {
    copies_ = pdf::CopyMaker(sync::Stamper);
    receipts_ = pdf::ReceiptVerifier();
  }
  void TearDown() override {
    StopServer();
    OrgTest::TearDown();
  }
  void StartServer(std::chrono::seconds idle = std::chrono::seconds(15 * 60)) {
    web::Options o;
    o.session_idle = idle;
    StartServerWith(o);
  }
  void StartServerWith(web::Options o) {
    o.port = 0;
    auto s = web::Server::Start(*node_, o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(s).value();
    port_ = server_->port();
    thread_ = std::thread([this] { (void)server_->Run(); });
  }
  void StopServer() {
    if (!server_) return;
    server_->Stop();
    thread_.join();
    server_.reset();
  }

  Reply Call(web_http::http::verb method, const std::string& target, const std::string& body = "",
             const std::string& cookie = "", const std::string& content_type = "") {
    web_http::asio::io_context io;
    web_http::beast::tcp_stream stream(io);
    web_http::asio::ip::tcp::resolver resolver(io);
    stream.connect(web_http::asio::ip::tcp::endpoint(web_http::asio::ip::make_address("127.0.0.1"), port_));
    web_http::http::request<web_http::http::string_body> req{method, target, 11};
    req.set(web_http::http::field::host, "127.0.0.1:" + std::to_string(port_));
    if (!cookie.empty()) req.set(web_http::http::field::cookie, cookie);
    if (method == web_http::http::verb::post)
      req.set(web_http::http::field::content_type,
              content_type.empty() ? "application/x-www-form-urlencoded" : content_type);
    req.body() = body;
    req.prepare_payload();
    web_http::http::write(stream, req);
    web_http::beast::flat_buffer buf;
    web_http::http::response_parser<web_http::http::string_body> p;
    p.body_limit(64 << 20);
    web_http::http::read(stream, buf, p);
    Reply r;
    r.status = static_cast<int>(p.get().result_int());
    for (const auto& f : p.get()) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
      if (name == "set-cookie") r.set_cookies.push_back(std::string(f.value()));
    }
    r.body = p.get().body();
    web_http::beast::error_code ec;
    stream.socket().shutdown(web_http::asio::ip::tcp::socket::shutdown_both, ec);
    return r;
  }
  Reply Get(const std::string& target, const std::string& cookie = "") { return Call(web_http::http::verb::get, target, "", cookie); }
  Reply Post(const std::string& target, const std::string& body, const std::string& cookie = "") {
    return Call(web_http::http::verb::post, target, body, cookie);
  }

  // Logs in through the login form (its one-time token first); returns "vanban=..."
  // or "" on failure.
  std::string Login(const std::string& login, const std::string& pass = "matkhau") {
    Reply r = Post("/login", "login_token=" + LoginToken() + "&login=" + login + "&passphrase=" + pass);
    if (r.status != 303 || r.set_cookies.empty()) return "";
    const std::string& c = r.set_cookies.front();
    return c.substr(0, c.find(';'));
  }
  // The one-time token of a fresh login form.
  std::string LoginToken() { return FieldValue(Get("/").body, "login_token"); }
  static std::string FieldValue(const std::string& html, const std::string& name) {
    const std::string key = "name=\"" + name + "\" value=\"";
    size_t at = html.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    return html.substr(at, html.find('"', at) - at);
  }
  // multipart/form-data: `fields` as text parts, `files` as (field, filename, bytes).
  Reply PostMultipart(const std::string& target, const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::vector<std::tuple<std::string, std::string, std::string>>& files,
                      const std::string& cookie) {
    const std::string b = "----vanbantestboundary7MA4YWxkTrZu0gW";
    std::string body;
    for (const auto& [k, v] : fields)
      body += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
    for (const auto& [k, name, bytes] : files)
      body += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + k + "\"; filename=\"" + name +
              "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n";
    body += "--" + b + "--\r\n";
    return Call(web_http::http::verb::post, target, body, cookie, "multipart/form-data; boundary=" + b);
  }
  static std::string Csrf(const std::string& html) { return FieldValue(html, "csrf"); }

  std::unique_ptr<web::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace vanban::testing
