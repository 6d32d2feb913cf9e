// One HTTP exchange with a time-stamping authority (tsa.h), with Beast.
#include "sync/tsa.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/text.h"
#include "core/timestamp.h"

namespace vanban::sync {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t kMaxReply = 1u << 20;  // a token with its chain is a few KB

struct Url {
  std::string host, port = "80", target = "/";
};

Result<Url> ParseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    return Status::BadInput("time-stamping authority '" + url + "': only http:// URLs are asked (the token is signed)");
  std::string rest = url.substr(scheme.size());
  Url u;
  size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    u.target = rest.substr(slash);
    rest.resize(slash);
  }
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos) {
    u.port = rest.substr(colon + 1);
    rest.resize(colon);
    if (!text::ParseDecimal(u.port, 65535)) return Status::BadInput("time-stamping authority '" + url + "': bad port");
  }
  if (rest.empty()) return Status::BadInput("time-stamping authority '" + url + "': no host");
  u.host = rest;
  return u;
}

}  // namespace

Result<std::string> AskTimeStampAuthority(const std::string& url, const std::string& query,
                                          std::chrono::milliseconds timeout) {
  VB_ASSIGN_OR_RETURN(Url u, ParseUrl(url));
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::string_body> req{http::verb::post, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "vanban");
  req.set(http::field::content_type, "application/timestamp-query");
  req.body() = query;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReply);
  beast::error_code failed;
  const char* stage = "reach";
  // One deadline over the whole exchange: resolve, connect, send, read.
  stream.expires_after(timeout);
  asio::ip::tcp::resolver resolver(io);
  resolver.async_resolve(u.host, u.port, [&](beast::error_code ec, asio::ip::tcp::resolver::results_type hosts) {
    if (ec) return void(failed = ec);
    stream.async_connect(hosts, [&](beast::error_code ec, const asio::ip::tcp::endpoint&) {
      if (ec) return void(failed = ec);
      stage = "send to";
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (ec) return void(failed = ec);
        stage = "read the answer of";
        http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) { failed = ec; });
      });
    });
  });
  io.run_for(timeout + std::chrono::seconds(1));  // the stream's deadline comes first; this bounds the resolver
  if (!io.stopped()) return Status::Peer("cannot reach the time-stamping authority " + url + ": no answer in time");
  if (failed)
    return Status::Peer("cannot " + std::string(stage) + " the time-stamping authority " + url + ": " +
                        (failed == beast::error::timeout ? std::string("no answer in time") : failed.message()));
  const auto& res = parser.get();
  if (res.result() != http::status::ok)
    return Status::Peer("the time-stamping authority " + url + " answered HTTP " +
                        std::to_string(static_cast<unsigned>(res.result_int())));
  if (res[http::field::content_type].find("application/timestamp-reply") == beast::string_view::npos)
    return Status::Peer("the time-stamping authority " + url + " did not answer with a time-stamp reply (" +
                        std::string(res[http::field::content_type]) + ")");
  return res.body();
}

Result<std::string> TimeStampOf(const std::string& url, std::string_view data, std::chrono::milliseconds timeout) {
  timestamp::Request req = timestamp::MakeRequest(data);
  VB_ASSIGN_OR_RETURN(std::string answer, AskTimeStampAuthority(url, req.der, timeout));
  return timestamp::TokenFrom(answer, req);
}

std::function<std::optional<std::string>(std::string_view)> Stamper(std::string url,
                                                                    std::shared_ptr<std::string> failure) {
  return [url = std::move(url), failure](std::string_view signature) -> std::optional<std::string> {
    auto token = TimeStampOf(url, signature, kTimeStampTimeout);
    if (token.ok()) return *token;
    if (failure) *failure = token.status().message();
    return std::nullopt;
  };
}

}  // namespace vanban::sync
