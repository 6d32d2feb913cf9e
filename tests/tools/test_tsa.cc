// A time-stamping authority for the end-to-end tests (RFC 3161 over HTTP), on
// 127.0.0.1, answering with libcrypto's own TS responder as `openssl ts -reply` does.
//   vanban_test_tsa CERT.pem KEY.pem [PORT-FILE]
// CERT must carry extendedKeyUsage timeStamping (critical). Prints "listening PORT"
// (and writes PORT to PORT-FILE), then answers POSTs until it is killed. A request
// whose path is /refuse gets a "rejection" answer; /broken gets bytes that are no
// answer at all.
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ts.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/tools/tsa_responder.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

X509* g_cert = nullptr;
EVP_PKEY* g_key = nullptr;
long g_serial = 0;

// An authority that takes only SHA-1 refuses every SHA-256 query.
std::string Reply(const std::string& query, bool refuse) {
  return vanban::testing::TsaReply(g_cert, g_key, query, refuse ? EVP_sha1() : EVP_sha256(), ++g_serial);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: vanban_test_tsa CERT.pem KEY.pem [PORT-FILE]\n";
    return 2;
  }
  BIO* b = BIO_new_file(argv[1], "r");
  g_cert = b ? PEM_read_bio_X509(b, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(b);
  b = BIO_new_file(argv[2], "r");
  g_key = b ? PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(b);
  if (!g_cert || !g_key) {
    std::cerr << "vanban_test_tsa: cannot read " << argv[1] << " or " << argv[2] << "\n";
    return 2;
  }
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const unsigned short port = acceptor.local_endpoint().port();
  if (argc > 3) std::ofstream(argv[3]) << port << "\n";
  std::cout << "listening " << port << std::endl;
  for (;;) {
    asio::ip::tcp::socket socket(io);
    acceptor.accept(socket);
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) continue;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/timestamp-reply");
    if (req.method() != http::verb::post) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::content_type, "text/plain");
    } else if (req.target() == "/broken") {
      res.body() = "not an answer";
    } else {
      res.body() = Reply(req.body(), req.target() == "/refuse");
    }
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  }
}
