// vanban/web — the HTTP server, sessions and routes (see web.h).
#include <sodium.h>

#include <cstring>
#include <map>
#include <optional>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/crypto.h"
#include "pdf/pdf.h"
#include "web/pages.h"
#include "web/web.h"

namespace vanban::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

namespace {

const char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'";

// A passphrase in sodium_malloc'd memory (guarded pages, not swapped), wiped when dropped.
class Secret {
 public:
  explicit Secret(const std::string& s) : n_(s.size()) {
    p_ = static_cast<char*>(sodium_malloc(n_ ? n_ : 1));
    if (p_ && n_) std::memcpy(p_, s.data(), n_);
  }
  ~Secret() {
    if (p_) {
      sodium_memzero(p_, n_);
      sodium_free(p_);
    }
  }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  bool ok() const { return p_ != nullptr; }
  std::string value() const { return std::string(p_, n_); }

 private:
  char* p_ = nullptr;
  size_t n_ = 0;
};

struct Session {
  std::string login, csrf;
  std::unique_ptr<Secret> pass;
  Clock::time_point used;
};

std::string RandomHex(size_t n) {
  std::string b(n, '\0');
  randombytes_buf(b.data(), n);
  std::string h = ToHex(reinterpret_cast<const uint8_t*>(b.data()), n);
  sodium_memzero(b.data(), n);
  return h;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      i += 2;
    } else out += s[i];
  }
  return out;
}

// application/x-www-form-urlencoded
std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> f;
  size_t i = 0;
  while (i <= body.size()) {
    size_t amp = body.find('&', i);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view kv = body.substr(i, amp - i);
    size_t eq = kv.find('=');
    if (!kv.empty()) f[UrlDecode(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1));
    i = amp + 1;
  }
  return f;
}

std::string CookieValue(const Request& req, std::string_view name) {
  auto it = req.find(http::field::cookie);
  if (it == req.end()) return "";
  std::string_view c(it->value().data(), it->value().size());
  while (!c.empty()) {
    size_t semi = c.find(';');
    std::string_view part = c.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (semi == std::string_view::npos) break;
    c.remove_prefix(semi + 1);
  }
  return "";
}

bool SameToken(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool LoopbackHost(std::string_view host) {
  // Host header: "127.0.0.1:PORT", "localhost:PORT", "[::1]:PORT" (DNS rebinding defence).
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close != std::string_view::npos && host.substr(1, close - 1) == "::1";
  }
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  beast::error_code ec;
  auto a = asio::ip::make_address(std::string(host), ec);
  return !ec && a.is_loopback();
}

}  // namespace

Status ParseListen(const std::string& listen, Options* opt) {
  std::string host = opt->host, port = listen;
  size_t colon = listen.rfind(':');
  if (colon != std::string::npos) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    return Status::BadInput("--listen " + listen + ": the port must be a number 0-65535");
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  auto a = asio::ip::make_address(host, ec);
  if (ec) return Status::BadInput("--listen " + listen + ": '" + host + "' is not a numeric address");
  if (!a.is_loopback() && !opt->allow_remote)
    return Status::BadInput("--listen " + listen + ": not a loopback address; the interface has no TLS, so "
                            "passphrases would cross the network in clear. Add --allow-remote to accept that risk");
  opt->host = host;
  opt->port = static_cast<uint16_t>(std::stoul(port));
  return Status::Ok();
}

struct Server::Impl {
  Impl(Node& n, const Options& o) : node(n), opt(o), acceptor(io) {}

  asio::io_context io;  // first: destroyed last, after the coroutines it holds
  Node& node;
  Options opt;
  tcp::acceptor acceptor;
  std::map<std::string, Session> sessions;  // cookie -> session

  void Expire() {
    auto now = Clock::now();
    for (auto it = sessions.begin(); it != sessions.end();)
      it = now - it->second.used > opt.session_idle ? sessions.erase(it) : std::next(it);
  }

  Session* Find(const Request& req) {
    Expire();
    std::string id = CookieValue(req, "vanban");
    auto it = sessions.find(id);
    if (id.empty() || it == sessions.end()) return nullptr;
    it->second.used = Clock::now();
    return &it->second;
  }

  Response Page(const Request& req, http::status st, std::string html) {
    Response r{st, req.version()};
    r.set(http::field::content_type, "text/html; charset=utf-8");
    r.body() = std::move(html);
    return r;
  }
  Response Redirect(const Request& req, const std::string& to) {
    Response r{http::status::see_other, req.version()};
    r.set(http::field::location, to);
    return r;
  }
  Response Text(const Request& req, http::status st, const std::string& msg) {
    return Page(req, st, Layout("Lỗi", Viewer{}, "<p class=\"notice\">" + Escape(msg) + "</p>"));
  }

  // The viewer of a session; none when its person is no longer active here.
  std::optional<Viewer> ViewerOf(const Session& s) {
    for (const Person& p : node.Users()) {
      if (p.login != s.login || !p.active()) continue;
      viewer_person = p;
      return Viewer{&viewer_person, s.csrf};
    }
    return std::nullopt;
  }
  Person viewer_person;  // the viewer's person for the page being rendered

  Actor ActorOf(const Session& s) {
    const Secret* sec = s.pass.get();
    return Actor{s.login, [sec]() -> Result<std::string> { return sec->value(); }};
  }

  Response Login(const Request& req) {
    auto f = ParseForm(req.body());
    const std::string login = f["login"];
    auto pass = std::make_unique<Secret>(f["passphrase"]);
    sodium_memzero(f["passphrase"].data(), f["passphrase"].size());
    if (!pass->ok()) return Text(req, http::status::internal_server_error, "Không cấp phát được bộ nhớ an toàn");
    const Secret* sec = pass.get();
    Status s = node.CheckPassphrase(login, [sec]() -> Result<std::string> { return sec->value(); });
    if (!s.ok()) {
      std::string msg = s.code() == Status::Code::kBadInput ? "Mật khẩu không đúng." : "Không đăng nhập được: " + s.message();
      return Page(req, http::status::unauthorized, LoginPage(node, msg));
    }
    std::string id = RandomHex(32);
    sessions[id] = Session{login, RandomHex(32), std::move(pass), Clock::now()};
    Response r = Redirect(req, "/");
    r.set(http::field::set_cookie, "vanban=" + id + "; HttpOnly; SameSite=Strict; Path=/");
    return r;
  }

  Response Handle(const Request& req) {
    std::string target(req.target());
    target = target.substr(0, target.find('?'));
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    if (!get && !post) return Text(req, http::status::method_not_allowed, "Phương thức không được hỗ trợ");
    if (!opt.allow_remote) {
      auto h = req.find(http::field::host);
      if (h == req.end() || !LoopbackHost(std::string_view(h->value().data(), h->value().size())))
        return Text(req, http::status::misdirected_request, "Tên máy không hợp lệ");
    }
    if (get && target == "/style.css") {
      Response r{http::status::ok, req.version()};
      r.set(http::field::content_type, "text/css; charset=utf-8");
      r.body() = kCss;
      return r;
    }
    if (post && target == "/login") return Login(req);
    Session* s = Find(req);
    if (!s) {
      if (get && target == "/") return Page(req, http::status::ok, LoginPage(node, ""));
      return get ? Redirect(req, "/") : Text(req, http::status::forbidden, "Phiên làm việc đã hết; hãy đăng nhập lại");
    }
    std::map<std::string, std::string> form;
    if (post) {
      form = ParseForm(req.body());
      if (!SameToken(form["csrf"], s->csrf)) return Text(req, http::status::forbidden, "Mã chống giả mạo (CSRF) không đúng");
    }
    if (post && target == "/logout") {
      sessions.erase(CookieValue(req, "vanban"));  // the Secret wipes the passphrase
      Response r = Redirect(req, "/");
      r.set(http::field::set_cookie, "vanban=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
      return r;
    }
    auto viewer = ViewerOf(*s);
    if (!viewer) {
      sessions.erase(CookieValue(req, "vanban"));
      return Text(req, http::status::forbidden, "Người dùng này không còn hiệu lực trên máy này");
    }
    const Viewer& v = *viewer;
    if (get && target == "/") {
      auto page = InboxPage(node, v);
      if (!page.ok()) return Text(req, http::status::internal_server_error, page.status().message());
      return Page(req, http::status::ok, std::move(page).value());
    }
    if (target.rfind("/doc/", 0) == 0) {
      std::string rest = target.substr(5);
      std::string id = rest.substr(0, rest.find('/'));
      std::string what = rest.size() > id.size() ? rest.substr(id.size() + 1) : "";
      if (id.empty() || id.find_first_not_of("0123456789abcdef") != std::string::npos)
        return Text(req, http::status::not_found, "Không có văn bản này");
      if (get && what.empty()) {
        auto page = DocPage(node, v, id, "");
        if (!page.ok()) return Text(req, http::status::not_found, page.status().message());
        return Page(req, http::status::ok, std::move(page).value());
      }
      if (get && what == "pdf") {
        auto bytes = pdf::ExportPdf(node, id);
        if (!bytes.ok()) return Text(req, http::status::not_found, bytes.status().message());
        Response r{http::status::ok, req.version()};
        r.set(http::field::content_type, "application/pdf");
        r.set(http::field::content_disposition, "inline; filename=\"" + id.substr(0, 12) + ".pdf\"");
        r.body() = std::move(bytes).value();
        return r;
      }
      if (post && (what == "comment" || what == "approve" || what == "sign")) {
        Actor a = ActorOf(*s);
        Status st = what == "comment" ? node.AddComment(a, id, form["text"])
                    : what == "approve" ? node.Approve(a, id)
                                        : node.Sign(a, id, form["on_behalf"] == "yes", pdf::CopyMaker());
        if (st.ok()) return Redirect(req, "/doc/" + id);
        auto page = DocPage(node, v, id, st.message());
        if (!page.ok()) return Text(req, http::status::not_found, page.status().message());
        return Page(req, st.code() == Status::Code::kRefused ? http::status::conflict : http::status::bad_request,
                    std::move(page).value());
      }
    }
    return Text(req, http::status::not_found, "Không tìm thấy trang");
  }

  Response Respond(const Request& req) {
    Response r;
    try {
      r = Handle(req);
    } catch (const std::exception& e) {
      r = Text(req, http::status::internal_server_error, std::string("Lỗi máy chủ: ") + e.what());
    }
    r.set("Content-Security-Policy", kCsp);
    r.set("X-Content-Type-Options", "nosniff");
    r.set("Referrer-Policy", "no-referrer");
    r.set("X-Frame-Options", "DENY");
    if (r[http::field::cache_control].empty()) r.set(http::field::cache_control, "no-store");
    r.keep_alive(req.keep_alive());
    r.prepare_payload();
    return r;
  }

  asio::awaitable<void> Connection(tcp::socket sock) {
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buf;
    beast::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(opt.max_header));
      parser.body_limit(opt.max_body);
      stream.expires_after(opt.read_timeout);
      co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        Request dummy;
        Response r = Text(dummy, http::status::payload_too_large, "Yêu cầu quá lớn");
        r.set("Content-Security-Policy", kCsp);
        r.set("X-Content-Type-Options", "nosniff");
        r.set("Referrer-Policy", "no-referrer");
        r.set(http::field::cache_control, "no-store");
        r.keep_alive(false);
        r.prepare_payload();
        stream.expires_after(opt.write_timeout);
        co_await http::async_write(stream, r, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      if (ec) break;  // end of stream, timeout, malformed request: close
      Response r = Respond(parser.get());
      // The body may hold a passphrase (POST /login): not left in freed memory.
      std::string& body = parser.get().body();
      sodium_memzero(body.data(), body.size());
      bool keep = r.keep_alive();
      stream.expires_after(opt.write_timeout);
      co_await http::async_write(stream, r, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket sock = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;
      asio::co_spawn(io, Connection(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> Sweep() {
    asio::steady_timer t(io);
    for (;;) {
      t.expires_after(std::min<Clock::duration>(opt.session_idle, std::chrono::seconds(30)));
      beast::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Expire();
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Start(Node& node, const Options& opt) {
  if (sodium_init() < 0) return Status::BadInput("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>(node, opt);
  beast::error_code ec;
  auto addr = asio::ip::make_address(opt.host, ec);
  if (ec) return Status::BadInput("'" + opt.host + "' is not a numeric address");
  if (!addr.is_loopback() && !opt.allow_remote) return Status::BadInput(opt.host + " is not a loopback address");
  tcp::endpoint ep(addr, opt.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::BadInput("cannot listen on " + opt.host + ":" + std::to_string(opt.port) + ": " + ec.message());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

Status Server::Run(bool signals) {
  Impl& m = *impl_;
  asio::signal_set sigs(m.io);
  if (signals) {
    sigs.add(SIGINT);
    sigs.add(SIGTERM);
    sigs.async_wait([&m](const beast::error_code& ec, int) {
      if (!ec) m.io.stop();
    });
  }
  asio::co_spawn(m.io, m.Accept(), asio::detached);
  asio::co_spawn(m.io, m.Sweep(), asio::detached);
  try {
    m.io.run();
  } catch (const std::exception& e) {
    m.sessions.clear();
    return Status::BadInput(std::string("web server: ") + e.what());
  }
  m.sessions.clear();  // wipes every passphrase
  return Status::Ok();
}

void Server::Stop() { impl_->io.stop(); }

}  // namespace vanban::web
