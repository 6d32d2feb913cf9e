// vanban/web — the HTTP server, sessions and routes (see web.h).
#include <sodium.h>

#include <algorithm>
#include <atomic>
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
#include "web/jobs.h"
#include "web/pages.h"
#include "web/reasons.h"
#include "web/routes.h"
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

// application/x-www-form-urlencoded (also a query string): every (name, value), in order.
std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> f;
  size_t i = 0;
  while (i <= body.size()) {
    size_t amp = body.find('&', i);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view kv = body.substr(i, amp - i);
    size_t eq = kv.find('=');
    if (!kv.empty())
      f.emplace_back(UrlDecode(kv.substr(0, eq)), eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1)));
    i = amp + 1;
  }
  return f;
}

std::string FormValue(const std::vector<std::pair<std::string, std::string>>& f, const std::string& name) {
  for (auto it = f.rbegin(); it != f.rend(); ++it)
    if (it->first == name) return it->second;
  return "";
}

void Wipe(std::vector<std::pair<std::string, std::string>>* f) {
  for (auto& [k, v] : *f) sodium_memzero(v.data(), v.size());
}

// multipart/form-data (RFC 7578): fields into `form`, file fields into `files`. False
// when the body does not follow the boundary.
bool ParseMultipart(std::string_view type, std::string_view body, std::vector<std::pair<std::string, std::string>>* form,
                    std::map<std::string, Upload>* files) {
  size_t b = type.find("boundary=");
  if (b == std::string_view::npos) return false;
  std::string_view boundary = type.substr(b + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty() || boundary.size() > 70) return false;
  const std::string delim = "--" + std::string(boundary);
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return false;
  for (;;) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") return true;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return false;
    pos += 2;
    size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) return false;
    std::string_view head = body.substr(pos, head_end - pos);
    size_t next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string_view::npos) return false;
    std::string_view content = body.substr(head_end + 4, next - head_end - 4);
    // Content-Disposition: form-data; name="x"; filename="y"
    auto param = [&](std::string_view key) -> std::optional<std::string> {
      std::string k = std::string(key) + "=\"";
      size_t at = 0;
      while ((at = head.find(k, at)) != std::string_view::npos) {
        if (at == 0 || head[at - 1] == ' ' || head[at - 1] == ';') {
          size_t close = head.find('"', at + k.size());
          if (close == std::string_view::npos) return std::nullopt;
          return std::string(head.substr(at + k.size(), close - at - k.size()));
        }
        at += k.size();
      }
      return std::nullopt;
    };
    auto name = param("name");
    if (!name) return false;
    auto filename = param("filename");
    if (filename) {
      Upload u;
      u.filename = *filename;
      size_t ct = head.find("Content-Type:");
      if (ct == std::string_view::npos) ct = head.find("content-type:");
      if (ct != std::string_view::npos) {
        std::string_view t = head.substr(ct + 13);
        t = t.substr(0, t.find("\r\n"));
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        u.content_type = std::string(t);
      }
      u.bytes = std::string(content);
      (*files)[*name] = std::move(u);
    } else {
      form->emplace_back(*name, std::string(content));
    }
    pos = next + 2;
  }
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
  Impl(Node& n, const Options& o, std::string h)
      : node(n), opt(o), home(std::move(h)), acceptor(io), jobs(home + "/web-jobs") {
    randombytes_buf(token_key, sizeof token_key);
  }
  ~Impl() {
    conns.clear();  // the streams stay with their coroutines, destroyed with io
    sodium_memzero(token_key, sizeof token_key);
  }

  // The open connections, by number (the accept loop closes the oldest idle one at the
  // cap). Before io: a connection's coroutine, destroyed with io, still finds the map.
  struct Conn {
    std::shared_ptr<beast::tcp_stream> stream;
    bool idle = true;       // waiting for its first or next request
    uint64_t idle_seq = 0;  // when it became idle, in order
  };
  std::map<uint64_t, Conn> conns;
  uint64_t next_conn = 0, next_idle = 0;
  std::atomic<size_t> open_conns{0};  // conns.size(), for connections() on another thread
  static constexpr std::chrono::milliseconds kAcceptPause{100};

  asio::io_context io;  // destroyed after the coroutines it holds
  Node& node;
  Options opt;
  std::string home;
  tcp::acceptor acceptor;
  std::map<std::string, Session> sessions;  // cookie -> session
  // The login form's token (CSRF on the login form) is stateless: when it was made and a
  // keyed BLAKE2b of that time under this key, random per server. Nothing is kept per form,
  // so no number of other requests can push a person's form out (docs/web.md, "CSRF").
  unsigned char token_key[crypto_generichash_KEYBYTES];
  // Failed passphrases per login: after kFreeTries, each try waits twice as long.
  struct Tries {
    int failed = 0;
    Clock::time_point not_before{};  // on opt.clock
  };
  std::map<std::string, Tries> tries;
  static constexpr int kFreeTries = 5;
  Jobs jobs;                                 // joined before the Node goes (declared after it)

  // "TTTTTTTTTTTTTTTT" (milliseconds of opt.clock, 16 hex digits) then 64 hex digits of MAC.
  std::string LoginTokenAt(uint64_t ms) const {
    uint8_t t[8], mac[32];
    for (int i = 0; i < 8; ++i) t[i] = static_cast<uint8_t>(ms >> (56 - 8 * i));
    static const char kContext[] = "vanban web login form 1";
    crypto_generichash_state st;
    crypto_generichash_init(&st, token_key, sizeof token_key, sizeof mac);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kContext), sizeof kContext - 1);
    crypto_generichash_update(&st, t, sizeof t);
    crypto_generichash_final(&st, mac, sizeof mac);
    return ToHex(t, sizeof t) + ToHex(mac, sizeof mac);
  }
  uint64_t NowMs() const {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(opt.clock().time_since_epoch()).count());
  }
  std::string NewLoginToken() { return LoginTokenAt(NowMs()); }
  // Made by this server, not in the future, and younger than the session idle time.
  bool LoginTokenValid(const std::string& token) const {
    if (token.size() != 80) return false;
    uint64_t ms = 0;
    for (size_t i = 0; i < 16; ++i) {
      int h = Hex(token[i]);
      if (h < 0) return false;
      ms = ms << 4 | static_cast<uint64_t>(h);
    }
    const uint64_t now = NowMs();
    const auto idle = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(opt.session_idle).count());
    return ms <= now && now - ms <= idle && SameToken(token, LoginTokenAt(ms));
  }
  Reply LoginForm(const std::string& message, int status = 200) {
    return Reply::Html(LoginPage(node, message, NewLoginToken()), status);
  }

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

  static Response ToResponse(const Request& req, Reply r) {
    Response out{static_cast<http::status>(r.status), req.version()};
    out.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) out.set(k, v);
    out.body() = std::move(r.body);
    return out;
  }
  Response Text(const Request& req, int st, const std::string& msg) {
    return ToResponse(req, ErrorReply(Viewer{}, st, msg));
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

  Response Login(const Request& req, std::vector<std::pair<std::string, std::string>>& f) {
    const std::string login = FormValue(f, "login");
    auto pass = std::make_unique<Secret>(FormValue(f, "passphrase"));
    const std::string token = FormValue(f, "login_token");
    Wipe(&f);
    // Not single use: posting a form one already holds again is no more than fetching a
    // new one; what the token stops is a login posted by a page this server did not serve.
    if (!LoginTokenValid(token)) return ToResponse(req, LoginForm("Biểu mẫu đăng nhập đã cũ; hãy nhập lại.", 403));
    Tries& tr = tries[login];
    if (const auto now = opt.clock(); now < tr.not_before) {
      auto wait = std::chrono::duration_cast<std::chrono::seconds>(tr.not_before - now).count() + 1;
      Response r = ToResponse(
          req, LoginForm("Đã nhập sai mật khẩu nhiều lần; hãy thử lại sau " + std::to_string(wait) + " giây.", 429));
      r.set(http::field::retry_after, std::to_string(wait));
      return r;
    }
    if (!pass->ok()) return Text(req, 500, "Không cấp phát được bộ nhớ an toàn");
    const Secret* sec = pass.get();
    Status s = node.CheckPassphrase(login, [sec]() -> Result<std::string> { return sec->value(); });
    if (!s.ok()) {
      // The wait counts from when the failure is known, not from before the check (an
      // Argon2id that may itself take a second).
      if (s.code() == Status::Code::kBadInput && ++tr.failed >= kFreeTries)
        tr.not_before = opt.clock() + std::chrono::seconds(std::min(300, 1 << std::min(tr.failed - kFreeTries, 9)));
      std::string msg = s.code() == Status::Code::kBadInput ? "Mật khẩu không đúng." : "Không đăng nhập được: " + Said(s);
      return ToResponse(req, LoginForm(msg, 401));
    }
    tries.erase(login);
    std::string id = RandomHex(32);
    sessions[id] = Session{login, RandomHex(32), std::move(pass), Clock::now()};
    Response r = ToResponse(req, Reply::Redirect("/"));
    r.set(http::field::set_cookie, "vanban=" + id + "; HttpOnly; SameSite=Strict; Path=/");
    return r;
  }

  Response Handle(Request& req) {
    std::string target(req.target());
    const size_t qmark = target.find('?');
    Call call;
    // Form fields may hold a passphrase (a node's, for sync or bundles): not left in freed memory.
    struct WipeCall {
      Call& c;
      ~WipeCall() {
        for (auto& [k, v] : c.all) sodium_memzero(v.data(), v.size());
      }
    } wipe_call{call};
    call.path = target.substr(0, qmark);
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    call.post = post;
    if (!get && !post) return Text(req, 405, "Phương thức không được hỗ trợ");
    if (!opt.allow_remote) {
      auto h = req.find(http::field::host);
      if (h == req.end() || !LoopbackHost(std::string_view(h->value().data(), h->value().size())))
        return Text(req, 421, "Tên máy không hợp lệ");
    }
    if (get) {
      if (const Asset* a = FindAsset(call.path)) {
        Response r{http::status::ok, req.version()};
        r.set(http::field::content_type, a->type);
        r.body() = a->body;
        return r;
      }
    }
    std::vector<std::pair<std::string, std::string>> fields;
    if (qmark != std::string::npos) fields = ParseForm(std::string_view(target).substr(qmark + 1));
    if (post) {
      auto ct = req[http::field::content_type];
      std::string_view type(ct.data(), ct.size());
      std::vector<std::pair<std::string, std::string>> body_fields;
      if (type.rfind("multipart/form-data", 0) == 0) {
        if (!ParseMultipart(type, req.body(), &body_fields, &call.files))
          return Text(req, 400, "Dữ liệu gửi lên không đúng dạng multipart/form-data");
      } else {
        body_fields = ParseForm(req.body());
      }
      for (auto& [k, v] : body_fields) call.all.emplace(k, v);
      fields.insert(fields.begin(), body_fields.begin(), body_fields.end());
      Wipe(&body_fields);
    } else {
      for (auto& [k, v] : fields) call.all.emplace(k, v);
    }
    if (post && call.path == "/login") return Login(req, fields);
    Wipe(&fields);
    Session* s = Find(req);
    if (!s) {
      if (get && call.path == "/") return ToResponse(req, LoginForm(""));
      return get ? ToResponse(req, Reply::Redirect("/")) : Text(req, 403, "Phiên làm việc đã hết; hãy đăng nhập lại");
    }
    if (post && !SameToken(call.Field("csrf"), s->csrf)) return Text(req, 403, "Mã chống giả mạo (CSRF) không đúng");
    if (post && call.path == "/logout") {
      sessions.erase(CookieValue(req, "vanban"));  // the Secret wipes the passphrase
      Response r = ToResponse(req, Reply::Redirect("/"));
      r.set(http::field::set_cookie, "vanban=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
      return r;
    }
    // Another process (the CLI, `serve`, a job) may have committed since the last request.
    Status fresh = node.Refresh();
    if (!fresh.ok()) return Text(req, 500, fresh.message());
    auto viewer = ViewerOf(*s);
    if (!viewer) {
      sessions.erase(CookieValue(req, "vanban"));
      return Text(req, 403, "Người dùng này không còn hiệu lực trên máy này");
    }
    const Secret* sec = s->pass.get();
    const std::string login = s->login;
    Ctx c{node, *viewer, home,
          [sec, login] { return Actor{login, [sec]() -> Result<std::string> { return sec->value(); }}; },
          [sec] { return sec->value(); }, jobs};
    for (auto* group : {&DocRoutes, &ComposeRoutes, &HistoryRoutes, &RegisterRoutes, &PeerRoutes, &JobRoutes}) {
      std::optional<Reply> r = (*group)(c, call);
      if (r) return ToResponse(req, std::move(*r));
    }
    return Text(req, 404, "Không tìm thấy trang");
  }

  Response Respond(Request& req) {
    Response r;
    try {
      r = Handle(req);
    } catch (const std::exception& e) {
      r = Text(req, 500, std::string("Lỗi máy chủ: ") + e.what());
    }
    Secure(r);
    r.keep_alive(req.keep_alive());
    r.prepare_payload();
    return r;
  }

  static void Secure(Response& r) {
    r.set("Content-Security-Policy", kCsp);
    r.set("X-Content-Type-Options", "nosniff");
    r.set("Referrer-Policy", "no-referrer");
    r.set("X-Frame-Options", "DENY");
    if (r[http::field::cache_control].empty()) r.set(http::field::cache_control, "no-store");
  }

  // Uploads (a PDF to verify, a bundle) may be larger than a form.
  size_t BodyLimit(std::string_view target) const {
    target = target.substr(0, target.find('?'));
    return target == "/verify" || target == "/peers/bundle" ? opt.max_upload : opt.max_body;
  }

  // Marks connection `id` idle (waiting for a request) or busy; it may be closed already.
  // Idle since: its accept, or the end of its last request.
  void MarkIdle(uint64_t id, bool idle) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    if (idle && !it->second.idle) it->second.idle_seq = next_idle++;
    it->second.idle = idle;
  }
  // Closes the connection idle the longest; false when none is idle.
  bool CloseOldestIdle() {
    auto oldest = conns.end();
    for (auto it = conns.begin(); it != conns.end(); ++it)
      if (it->second.idle && (oldest == conns.end() || it->second.idle_seq < oldest->second.idle_seq)) oldest = it;
    if (oldest == conns.end()) return false;
    beast::error_code ec;
    oldest->second.stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    oldest->second.stream->socket().close(ec);  // its coroutine wakes with operation_aborted
    conns.erase(oldest);
    open_conns = conns.size();
    return true;
  }

  asio::awaitable<void> Connection(uint64_t id, std::shared_ptr<beast::tcp_stream> s) {
    struct Leave {
      Impl& m;
      uint64_t id;
      ~Leave() {
        if (m.conns.erase(id)) m.open_conns = m.conns.size();
      }
    } leave{*this, id};
    beast::tcp_stream& stream = *s;
    beast::flat_buffer buf;
    beast::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(opt.max_header));
      // Beast checks a Content-Length against the body limit as soon as the header is
      // complete, before the route (and so its limit) is known: the header is read under
      // the largest limit, and the route's own is checked right after.
      parser.body_limit(std::max(opt.max_body, opt.max_upload));
      stream.expires_after(opt.read_timeout);
      MarkIdle(id, buf.size() == 0);  // bytes already read: a request has begun
      co_await http::async_read_header(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      MarkIdle(id, false);
      if (!ec) {
        const size_t limit = BodyLimit(std::string_view(parser.get().target().data(), parser.get().target().size()));
        if (parser.content_length() && *parser.content_length() > limit) ec = http::error::body_limit;
        else {
          parser.body_limit(limit);  // a chunked body is counted as it comes
          co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
        }
      }
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        Request dummy;
        Response r = Text(dummy, 413, "Yêu cầu quá lớn");
        Secure(r);
        r.keep_alive(false);
        r.prepare_payload();
        stream.expires_after(opt.write_timeout);
        co_await http::async_write(stream, r, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      if (ec) break;  // end of stream, timeout, malformed request, closed for a newer one: close
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
    asio::steady_timer pause(io);
    for (;;) {
      beast::error_code ec;
      tcp::socket sock(io);
      bool got = false;
      if (conns.size() < opt.max_connections) {
        co_await acceptor.async_accept(sock, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        got = !ec;
      } else if (std::any_of(conns.begin(), conns.end(), [](const auto& c) { return c.second.idle; })) {
        // At the cap: a newcomer, if one waits (the acceptor does not block), takes the
        // place of the connection idle the longest. With none idle, newcomers wait in the
        // listen backlog until a connection ends.
        acceptor.accept(sock, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
        got = sock.is_open();
        if (got) CloseOldestIdle();
      }
      if (!got) {
        // Out of descriptors (EMFILE) and the like: the connection stays in the backlog and
        // trying again at once fails again at once, at full CPU. Pause, as sync's Server
        // does; at the cap, look again as often.
        if (ec && opt.log) opt.log("accept: " + ec.message());
        pause.expires_after(kAcceptPause);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!acceptor.is_open()) co_return;
        continue;
      }
      const uint64_t id = next_conn++;
      auto stream = std::make_shared<beast::tcp_stream>(std::move(sock));
      conns[id] = Conn{stream, true, next_idle++};
      open_conns = conns.size();
      asio::co_spawn(io, Connection(id, std::move(stream)), asio::detached);
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
  auto impl = std::make_unique<Impl>(node, opt, node.home());
  beast::error_code ec;
  auto addr = asio::ip::make_address(opt.host, ec);
  if (ec) return Status::BadInput("'" + opt.host + "' is not a numeric address");
  if (!addr.is_loopback() && !opt.allow_remote) return Status::BadInput(opt.host + " is not a loopback address");
  tcp::endpoint ep(addr, opt.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl->acceptor.non_blocking(true, ec);  // at the connection cap, accept() only looks
  if (ec) return Status::BadInput("cannot listen on " + opt.host + ":" + std::to_string(opt.port) + ": " + ec.message());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

size_t Server::connections() const { return impl_->open_conns; }

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
