// The sync channel: handshake, frames, timeouts and the server loop
// (docs/sync-protocol.md). Inside this file Boost errors are error codes
// (redirect_error); they leave it as Status::Peer.
#include "sync/channel.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <list>
#include <map>
#include <new>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace vanban::sync {

namespace {

using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using asio::use_awaitable;

static_assert(wire::kStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(wire::kStreamABytes == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(crypto_kx_PUBLICKEYBYTES == 32 && crypto_kx_SESSIONKEYBYTES == 32);
static_assert(wire::kMagic.size() == wire::kMagicBytes);

std::string Where(const tcp::endpoint& ep) { return ep.address().to_string() + ":" + std::to_string(ep.port()); }

std::string Node(const PublicKey& pk) { return "node " + crypto::Fingerprint(pk); }

// A reason fit for a message: at most kMaxReasonBytes, cut on a UTF-8 boundary.
std::string CutReason(std::string_view r) {
  if (r.size() <= wire::kMaxReasonBytes) return std::string(r);
  size_t n = wire::kMaxReasonBytes;
  while (n > 0 && (static_cast<uint8_t>(r[n]) & 0xC0) == 0x80) --n;
  return std::string(r.substr(0, n));
}

// A reason received from a peer, made safe to print: control bytes become '?'.
std::string CleanReason(std::string_view r) {
  std::string out(r);
  for (char& c : out)
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) c = '?';
  return out.empty() ? std::string("(no reason given)") : out;
}

std::string Be16(size_t n) { return {static_cast<char>((n >> 8) & 0xff), static_cast<char>(n & 0xff)}; }
std::string Be32(size_t n) {
  return {static_cast<char>((n >> 24) & 0xff), static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 8) & 0xff),
          static_cast<char>(n & 0xff)};
}
uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string_view View(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

}  // namespace

// The socket and its two watchdogs, shared with the watchdogs' handlers so that a
// late timer never touches a destroyed socket.
struct Conn {
  explicit Conn(tcp::socket s)
      : socket(std::move(s)), read_timer(socket.get_executor()), write_timer(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer read_timer, write_timer;
  bool read_timed_out = false, write_timed_out = false;
  bool writing = false;  // a write is in flight: no second writer may interleave
  std::string where;

  void Shut() {
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

namespace {

// Arms one watchdog: at `deadline` it cancels the socket's operations.
void Arm(const std::shared_ptr<Conn>& c, bool read, Clock::time_point deadline) {
  asio::steady_timer& t = read ? c->read_timer : c->write_timer;
  (read ? c->read_timed_out : c->write_timed_out) = false;
  t.expires_at(deadline);
  t.async_wait([w = std::weak_ptr<Conn>(c), read](const error_code& ec) {
    if (ec) return;
    auto c = w.lock();
    if (!c) return;
    asio::steady_timer& t = read ? c->read_timer : c->write_timer;
    if (t.expiry() > Clock::now()) return;  // re-armed or disarmed since
    (read ? c->read_timed_out : c->write_timed_out) = true;
    error_code ignored;
    c->socket.cancel(ignored);
  });
}

void Disarm(const std::shared_ptr<Conn>& c, bool read) {
  // Far in the future, so a handler already queued sees it was disarmed.
  (read ? c->read_timer : c->write_timer).expires_at(Clock::time_point::max());
}

Status IoFailure(const Conn& c, bool read, const error_code& ec, std::string_view what) {
  if ((read ? c.read_timed_out : c.write_timed_out))
    return Status::Peer(std::string("timed out ") + (read ? "waiting for " : "sending ") + std::string(what));
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    return Status::Peer("the peer closed the connection " + std::string(read ? "before " : "while sending ") +
                        std::string(what));
  if (ec == asio::error::operation_aborted) return Status::Peer("the connection was closed during " + std::string(what));
  return Status::Peer(std::string(read ? "reading " : "sending ") + std::string(what) + ": " + ec.message());
}

awaitable<Status> ReadExact(std::shared_ptr<Conn> c, uint8_t* p, size_t n, Clock::time_point deadline,
                            std::string_view what) {
  if (n == 0) co_return Status::Ok();
  error_code ec;
  Arm(c, true, deadline);
  co_await asio::async_read(c->socket, asio::buffer(p, n), asio::redirect_error(use_awaitable, ec));
  Disarm(c, true);
  if (ec) co_return IoFailure(*c, true, ec, what);
  co_return Status::Ok();
}

awaitable<Status> WriteAll(std::shared_ptr<Conn> c, std::string data, Clock::time_point deadline, std::string_view what) {
  if (c->writing) co_return Status::Peer("a second write while one is in flight (" + std::string(what) + ")");
  c->writing = true;
  error_code ec;
  Arm(c, false, deadline);
  co_await asio::async_write(c->socket, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
  Disarm(c, false);
  c->writing = false;
  if (ec) co_return IoFailure(*c, false, ec, what);
  co_return Status::Ok();
}

// After our last bytes: half-close, then read and drop what the peer still sends
// until it closes or `deadline`, so our last message is not lost to a reset (a
// socket closed with unread data sends RST, and the peer may discard what we sent).
awaitable<void> Linger(std::shared_ptr<Conn> c, Clock::time_point deadline) {
  error_code ec;
  c->socket.shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    uint8_t buf[4096];
    Arm(c, true, deadline);
    for (;;) {
      co_await c->socket.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    Disarm(c, true);
  }
  c->Shut();
}

Clock::time_point LingerDeadline(std::chrono::milliseconds limit) {
  return Clock::now() + std::min(limit, std::chrono::milliseconds(wire::kLingerMillis));
}

// The two secretstream states, in guarded memory, wiped when freed.
struct Streams {
  crypto_secretstream_xchacha20poly1305_state tx, rx;
};

}  // namespace

struct Channel::Impl {
  std::shared_ptr<Conn> conn;
  Streams* st = nullptr;
  PublicKey peer{};
  Limits limits;
  bool broken = false;     // failed or closed: no more frames either way
  bool sent_final = false;
  uint64_t received = 0, sent = 0;  // frames, for messages
  // Bytes on the wire after the handshake (length prefixes included).
  uint64_t bytes_in = 0, bytes_out = 0;

  Impl() {
    st = static_cast<Streams*>(sodium_malloc(sizeof(Streams)));
    if (!st) throw std::bad_alloc();
  }
  ~Impl() {
    sodium_free(st);
    if (conn) conn->Shut();
  }

  // Ends the channel after a failure; tells the peer why when nothing else is writing.
  awaitable<Status> Fail(Status why) {
    if (!broken && !sent_final && !conn->writing) {
      sent_final = true;
      std::string reason = CutReason(why.message());
      std::string frame = Be32(reason.size() + wire::kStreamABytes);
      frame.resize(wire::kLengthBytes + reason.size() + wire::kStreamABytes);
      crypto_secretstream_xchacha20poly1305_push(&st->tx, reinterpret_cast<uint8_t*>(&frame[wire::kLengthBytes]),
                                                 nullptr, reinterpret_cast<const uint8_t*>(reason.data()),
                                                 reason.size(), nullptr, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
      // Best effort, briefly: the peer may be the reason we fail.
      Status s = co_await WriteAll(conn, std::move(frame), LingerDeadline(limits.idle), "the final frame");
      if (s.ok()) co_await Linger(conn, LingerDeadline(limits.idle));
    }
    broken = true;
    conn->Shut();
    co_return why;
  }
};

// Builds channels from a finished handshake (Channel's constructor is private).
struct Handshake {
  static std::unique_ptr<Channel> Make(std::unique_ptr<Channel::Impl> impl) {
    return std::unique_ptr<Channel>(new Channel(std::move(impl)));
  }
};

Channel::Channel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Channel::~Channel() = default;
const PublicKey& Channel::peer() const { return impl_->peer; }
uint64_t Channel::bytes_sent() const { return wire::kHandshakeBytes + impl_->bytes_out; }
uint64_t Channel::bytes_received() const { return wire::kHandshakeBytes + impl_->bytes_in; }

const std::string& Channel::where() const { return impl_->conn->where; }

awaitable<Status> Channel::Send(std::string_view message) {
  Impl& m = *impl_;
  if (m.broken || m.sent_final) co_return Status::Peer(m.conn->where + ": the channel is closed");
  if (message.size() > m.limits.max_frame)
    co_return Status::BadInput("a message of " + std::to_string(message.size()) + " bytes exceeds the frame limit of " +
                               std::to_string(m.limits.max_frame));
  size_t clen = message.size() + wire::kStreamABytes;
  std::string frame = Be32(clen);
  frame.resize(wire::kLengthBytes + clen);
  crypto_secretstream_xchacha20poly1305_push(&m.st->tx, reinterpret_cast<uint8_t*>(&frame[wire::kLengthBytes]), nullptr,
                                             reinterpret_cast<const uint8_t*>(message.data()), message.size(), nullptr, 0,
                                             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  Status s = co_await WriteAll(m.conn, std::move(frame), Clock::now() + m.limits.idle, "a frame");
  if (!s.ok()) {
    m.broken = true;
    m.conn->Shut();
    co_return s.With(m.conn->where);
  }
  ++m.sent;
  m.bytes_out += wire::kLengthBytes + clen;
  co_return Status::Ok();
}

awaitable<Result<std::optional<std::string>>> Channel::Receive() {
  Impl& m = *impl_;
  const std::string& where = m.conn->where;
  if (m.broken) co_return Status::Peer(where + ": the channel is closed");
  uint8_t len[wire::kLengthBytes];
  Status s = co_await ReadExact(m.conn, len, sizeof len, Clock::now() + m.limits.idle, "the next frame");
  if (!s.ok()) co_return (co_await m.Fail(s)).With(where);
  uint32_t clen = ReadBe32(len);
  uint64_t frame_no = m.received + 1;
  if (clen < wire::kStreamABytes) {
    Status bad = Status::Peer("frame " + std::to_string(frame_no) + " is " + std::to_string(clen) +
                              " bytes, shorter than its authentication tag");
    co_return (co_await m.Fail(bad)).With(where);
  }
  if (clen - wire::kStreamABytes > m.limits.max_frame) {
    // Refused on the prefix alone: nothing is allocated or read for it.
    Status big = Status::Peer("frame " + std::to_string(frame_no) + " of " + std::to_string(clen - wire::kStreamABytes) +
                              " bytes exceeds the limit of " + std::to_string(m.limits.max_frame));
    co_return (co_await m.Fail(big)).With(where);
  }
  std::vector<uint8_t> c(clen);
  s = co_await ReadExact(m.conn, c.data(), c.size(), Clock::now() + m.limits.idle, "the rest of a frame");
  if (!s.ok()) co_return (co_await m.Fail(s)).With(where);
  std::string plain(clen - wire::kStreamABytes, '\0');
  uint8_t tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&m.st->rx, reinterpret_cast<uint8_t*>(plain.data()), nullptr, &tag,
                                                 c.data(), c.size(), nullptr, 0) != 0) {
    Status bad = Status::Peer("frame " + std::to_string(frame_no) + " failed to decrypt (corrupt or tampered)");
    co_return (co_await m.Fail(bad)).With(where);
  }
  m.received = frame_no;
  m.bytes_in += wire::kLengthBytes + clen;
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
    m.broken = true;
    m.conn->Shut();
    if (plain.empty()) co_return std::optional<std::string>();
    co_return Status::Peer(where + ": the peer ended the session: " + CleanReason(CutReason(plain)));
  }
  if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
    Status bad = Status::Peer("frame " + std::to_string(frame_no) + " has tag " + std::to_string(tag) +
                              " (only message and final are used)");
    co_return (co_await m.Fail(bad)).With(where);
  }
  co_return std::optional<std::string>(std::move(plain));
}

awaitable<void> Channel::Close(std::string_view reason) {
  Impl& m = *impl_;
  if (!m.broken && !m.sent_final && !m.conn->writing) {
    m.sent_final = true;
    std::string r = CutReason(reason);
    size_t clen = r.size() + wire::kStreamABytes;
    std::string frame = Be32(clen);
    frame.resize(wire::kLengthBytes + clen);
    crypto_secretstream_xchacha20poly1305_push(&m.st->tx, reinterpret_cast<uint8_t*>(&frame[wire::kLengthBytes]),
                                               nullptr, reinterpret_cast<const uint8_t*>(r.data()), r.size(), nullptr, 0,
                                               crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    Status s = co_await WriteAll(m.conn, std::move(frame), Clock::now() + m.limits.idle, "the final frame");
    if (s.ok()) co_await Linger(m.conn, LingerDeadline(m.limits.idle));
  }
  m.broken = true;
  m.conn->Shut();
}

namespace {

// One side's ephemeral key and hello; wiped when done.
struct Ephemeral {
  uint8_t pk[crypto_kx_PUBLICKEYBYTES];
  uint8_t sk[crypto_kx_SECRETKEYBYTES];
  Ephemeral() { crypto_kx_keypair(pk, sk); }
  ~Ephemeral() { sodium_memzero(sk, sizeof sk); }
  Ephemeral(const Ephemeral&) = delete;
  Ephemeral& operator=(const Ephemeral&) = delete;
};

std::string MakeHello(const PublicKey& node, const Ephemeral& eph) {
  uint8_t nonce[32];
  randombytes_buf(nonce, sizeof nonce);
  std::string h(wire::kMagic);
  h.push_back(static_cast<char>(wire::kVersion));
  h.append(View(node.data(), node.size()));
  h.append(View(eph.pk, sizeof eph.pk));
  h.append(View(nonce, sizeof nonce));
  return h;
}

std::string RefusalBody(std::string_view reason) {
  std::string r = CutReason(reason);
  return Be16(r.size()) + r;
}

// Reads a refusal's length and reason (after its version or auth byte).
awaitable<Result<std::string>> ReadReason(std::shared_ptr<Conn> c, Clock::time_point deadline) {
  uint8_t len[2];
  Status s = co_await ReadExact(c, len, 2, deadline, "the refusal's reason");
  if (!s.ok()) co_return s;
  size_t n = (size_t{len[0]} << 8) | len[1];
  if (n > wire::kMaxReasonBytes)
    co_return Status::Peer("a refusal whose reason is " + std::to_string(n) + " bytes (at most " +
                           std::to_string(wire::kMaxReasonBytes) + ")");
  std::string r(n, '\0');
  s = co_await ReadExact(c, reinterpret_cast<uint8_t*>(r.data()), n, deadline, "the refusal's reason");
  if (!s.ok()) co_return s;
  co_return CleanReason(r);
}

// Checks a hello's first 12 bytes. Ok, or the reason it is not a version-1 hello.
Status CheckPrefix(const uint8_t* p, bool from_server) {
  if (View(p, wire::kMagicBytes) != wire::kMagic)
    return Status::Peer(std::string("not a vanban-sync ") + (from_server ? "answer" : "hello") + " (first bytes " +
                        ToHex(p, wire::kPrefixBytes) + ")");
  uint8_t v = p[wire::kMagicBytes];
  if (v != wire::kVersion)
    return Status::Peer("unsupported protocol version " + std::to_string(v) + " (this node speaks version " +
                        std::to_string(wire::kVersion) + ")");
  return Status::Ok();
}

// The transcript hash both signatures cover and both session keys are bound to.
Hash Transcript(const std::string& client_hello, const std::string& server_hello) {
  return crypto::Blake2b(client_hello + server_hello);
}

std::string Signed(std::string_view label, const Hash& h) { return std::string(label) + std::string(View(h.data(), h.size())); }

// Session keys for each direction: crypto_kx, then keyed BLAKE2b over label and transcript.
struct SessionKeys {
  uint8_t c2s[32], s2c[32];
  ~SessionKeys() {
    sodium_memzero(c2s, sizeof c2s);
    sodium_memzero(s2c, sizeof s2c);
  }
};

Status DeriveKeys(bool client, const Ephemeral& own, const uint8_t* peer_eph, const Hash& h, SessionKeys* out) {
  uint8_t rx[32], tx[32];
  int rc = client ? crypto_kx_client_session_keys(rx, tx, own.pk, own.sk, peer_eph)
                  : crypto_kx_server_session_keys(rx, tx, own.pk, own.sk, peer_eph);
  if (rc != 0) return Status::Peer("the peer's ephemeral key is unusable");
  const uint8_t* c2s = client ? tx : rx;
  const uint8_t* s2c = client ? rx : tx;
  std::string m1 = Signed(wire::kClientToServerLabel, h), m2 = Signed(wire::kServerToClientLabel, h);
  crypto_generichash(out->c2s, 32, reinterpret_cast<const uint8_t*>(m1.data()), m1.size(), c2s, 32);
  crypto_generichash(out->s2c, 32, reinterpret_cast<const uint8_t*>(m2.data()), m2.size(), s2c, 32);
  sodium_memzero(rx, sizeof rx);
  sodium_memzero(tx, sizeof tx);
  return Status::Ok();
}

awaitable<Result<std::unique_ptr<Channel>>> ClientHandshake(std::shared_ptr<Conn> c, const SecretKey& key, Policy policy,
                                                            Limits limits, Clock::time_point deadline) {
  Ephemeral eph;
  std::string hello_c = MakeHello(key.public_key(), eph);
  Status s = co_await WriteAll(c, hello_c, deadline, "the hello");
  if (!s.ok()) co_return s;

  std::string hello_s(wire::kHelloBytes, '\0');
  uint8_t* hs = reinterpret_cast<uint8_t*>(hello_s.data());
  s = co_await ReadExact(c, hs, wire::kPrefixBytes, deadline, "the server's hello");
  if (!s.ok()) co_return s;
  if (View(hs, wire::kMagicBytes) == wire::kMagic && hs[wire::kMagicBytes] == wire::kRefusalVersion) {
    auto reason = co_await ReadReason(c, deadline);
    if (!reason.ok()) co_return reason.status();
    co_return Status::Peer("refused by the peer: " + *reason);
  }
  s = CheckPrefix(hs, true);
  if (!s.ok()) co_return s;
  s = co_await ReadExact(c, hs + wire::kPrefixBytes, wire::kHelloBodyBytes, deadline, "the server's hello");
  if (!s.ok()) co_return s;
  PublicKey server_node;
  std::memcpy(server_node.data(), hs + wire::kPrefixBytes, 32);
  const uint8_t* server_eph = hs + wire::kPrefixBytes + 32;

  if (Status ok = policy ? policy(server_node) : Status::Refused("no policy"); !ok.ok()) {
    std::string reason = ok.message();
    std::string refusal(1, static_cast<char>(wire::kAuthRefusal));
    refusal += RefusalBody(reason);
    (void)co_await WriteAll(c, refusal, deadline, "a refusal");
    co_return Status::Peer("refused the server's " + Node(server_node) + ": " + reason);
  }

  Hash h = Transcript(hello_c, hello_s);
  Signature sig = key.Sign(Signed(wire::kClientSignLabel, h));
  std::string auth(1, static_cast<char>(wire::kAuthSignature));
  auth.append(View(sig.data(), sig.size()));
  s = co_await WriteAll(c, auth, deadline, "the client's signature");
  if (!s.ok()) co_return s;

  uint8_t type = 0;
  s = co_await ReadExact(c, &type, 1, deadline, "the server's signature");
  if (!s.ok()) co_return s;
  if (type == wire::kAuthRefusal) {
    auto reason = co_await ReadReason(c, deadline);
    if (!reason.ok()) co_return reason.status();
    co_return Status::Peer("refused by the peer: " + *reason);
  }
  if (type != wire::kAuthSignature)
    co_return Status::Peer("the server's auth message has type " + std::to_string(type) + " (expected 0 or 1)");
  Signature server_sig;
  s = co_await ReadExact(c, server_sig.data(), server_sig.size(), deadline, "the server's signature");
  if (!s.ok()) co_return s;
  if (!crypto::Verify(server_node, Signed(wire::kServerSignLabel, h), server_sig))
    co_return Status::Peer("the server's signature does not verify for " + Node(server_node) +
                           " (a tampered handshake, or not that node)");

  SessionKeys keys;
  s = DeriveKeys(true, eph, server_eph, h, &keys);
  if (!s.ok()) co_return s;
  auto impl = std::make_unique<Channel::Impl>();
  uint8_t header_s[wire::kStreamHeaderBytes];
  s = co_await ReadExact(c, header_s, sizeof header_s, deadline, "the server's stream header");
  if (!s.ok()) co_return s;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&impl->st->rx, header_s, keys.s2c) != 0)
    co_return Status::Peer("the server's stream header is unusable");
  uint8_t header_c[wire::kStreamHeaderBytes];
  crypto_secretstream_xchacha20poly1305_init_push(&impl->st->tx, header_c, keys.c2s);
  s = co_await WriteAll(c, std::string(View(header_c, sizeof header_c)), deadline, "the stream header");
  if (!s.ok()) co_return s;

  impl->conn = c;
  impl->peer = server_node;
  impl->limits = limits;
  co_return Handshake::Make(std::move(impl));
}

// The server's refusal, sent where the client expects the next message: as a
// version-0 hello before our hello, as an auth refusal after it; then the
// connection is shut. Returns `why`.
awaitable<Status> SendRefusal(std::shared_ptr<Conn> c, bool hello_sent, Status why, std::chrono::milliseconds limit) {
  std::string msg;
  if (hello_sent) {
    msg.push_back(static_cast<char>(wire::kAuthRefusal));
  } else {
    msg = std::string(wire::kMagic);
    msg.push_back(static_cast<char>(wire::kRefusalVersion));
  }
  msg += RefusalBody(why.message());
  // A client that timed out may not read: give the refusal a short while of its own.
  Status sent = co_await WriteAll(c, msg, LingerDeadline(limit), "a refusal");
  if (sent.ok()) co_await Linger(c, LingerDeadline(limit));
  c->Shut();
  co_return why;
}

// Server side. Any failure the client can still be told of is refused (SendRefusal).
awaitable<Result<std::unique_ptr<Channel>>> ServerHandshake(std::shared_ptr<Conn> c, const SecretKey& key,
                                                            Policy policy, Limits limits) {
  Clock::time_point deadline = Clock::now() + limits.handshake;
  bool hello_sent = false;
  auto refuse = [&](Status why) { return SendRefusal(c, hello_sent, std::move(why), limits.handshake); };

  std::string hello_c(wire::kHelloBytes, '\0');
  uint8_t* hc = reinterpret_cast<uint8_t*>(hello_c.data());
  Status s = co_await ReadExact(c, hc, wire::kPrefixBytes, deadline, "the client's hello");
  if (s.ok()) s = CheckPrefix(hc, false);
  if (!s.ok()) co_return co_await refuse(s);
  s = co_await ReadExact(c, hc + wire::kPrefixBytes, wire::kHelloBodyBytes, deadline, "the client's hello");
  if (!s.ok()) co_return co_await refuse(s);
  PublicKey client_node;
  std::memcpy(client_node.data(), hc + wire::kPrefixBytes, 32);
  const uint8_t* client_eph = hc + wire::kPrefixBytes + 32;
  if (Status ok = policy ? policy(client_node) : Status::Refused("no policy"); !ok.ok())
    co_return co_await refuse(Status::Peer(Node(client_node) + " is not accepted here: " + ok.message()));

  Ephemeral eph;
  std::string hello_s = MakeHello(key.public_key(), eph);
  s = co_await WriteAll(c, hello_s, deadline, "the hello");
  if (!s.ok()) co_return s;
  hello_sent = true;

  uint8_t type = 0;
  s = co_await ReadExact(c, &type, 1, deadline, "the client's signature");
  if (!s.ok()) co_return co_await refuse(s);
  if (type == wire::kAuthRefusal) {
    auto reason = co_await ReadReason(c, deadline);
    c->Shut();
    if (!reason.ok()) co_return reason.status();
    co_return Status::Peer("refused by the peer: " + *reason);
  }
  if (type != wire::kAuthSignature)
    co_return co_await refuse(
        Status::Peer("the client's auth message has type " + std::to_string(type) + " (expected 0 or 1)"));
  Signature client_sig;
  s = co_await ReadExact(c, client_sig.data(), client_sig.size(), deadline, "the client's signature");
  if (!s.ok()) co_return co_await refuse(s);
  Hash h = Transcript(hello_c, hello_s);
  if (!crypto::Verify(client_node, Signed(wire::kClientSignLabel, h), client_sig))
    co_return co_await refuse(Status::Peer("the client's signature does not verify for " + Node(client_node) +
                                           " (a tampered handshake, or not that node)"));

  SessionKeys keys;
  s = DeriveKeys(false, eph, client_eph, h, &keys);
  if (!s.ok()) co_return co_await refuse(s);
  auto impl = std::make_unique<Channel::Impl>();
  Signature sig = key.Sign(Signed(wire::kServerSignLabel, h));
  uint8_t header_s[wire::kStreamHeaderBytes];
  crypto_secretstream_xchacha20poly1305_init_push(&impl->st->tx, header_s, keys.s2c);
  std::string auth(1, static_cast<char>(wire::kAuthSignature));
  auth.append(View(sig.data(), sig.size()));
  auth.append(View(header_s, sizeof header_s));
  s = co_await WriteAll(c, auth, deadline, "the server's signature");
  if (!s.ok()) co_return s;
  uint8_t header_c[wire::kStreamHeaderBytes];
  s = co_await ReadExact(c, header_c, sizeof header_c, deadline, "the client's stream header");
  if (!s.ok()) {
    c->Shut();
    co_return s;
  }
  if (crypto_secretstream_xchacha20poly1305_init_pull(&impl->st->rx, header_c, keys.c2s) != 0) {
    c->Shut();
    co_return Status::Peer("the client's stream header is unusable");
  }
  impl->conn = c;
  impl->peer = client_node;
  impl->limits = limits;
  co_return Handshake::Make(std::move(impl));
}

}  // namespace

awaitable<Result<std::unique_ptr<Channel>>> Connect(tcp::endpoint server, const SecretKey& node_key, Policy policy,
                                                    Limits limits) {
  if (Status s = crypto::Init(); !s.ok()) co_return s;
  std::string where = Where(server);
  auto ex = co_await asio::this_coro::executor;
  auto c = std::make_shared<Conn>(tcp::socket(ex));
  c->where = where;
  Clock::time_point deadline = Clock::now() + limits.handshake;
  error_code ec;
  Arm(c, true, deadline);
  co_await c->socket.async_connect(server, asio::redirect_error(use_awaitable, ec));
  Disarm(c, true);
  if (ec) {
    if (c->read_timed_out) co_return Status::Peer(where + ": timed out connecting");
    co_return Status::Peer(where + ": cannot connect: " + ec.message());
  }
  // Sessions alternate small messages: Nagle's delay with delayed ACKs would cost
  // tens of milliseconds per turn.
  c->socket.set_option(tcp::no_delay(true), ec);
  auto r = co_await ClientHandshake(c, node_key, std::move(policy), limits, deadline);
  if (!r.ok()) {
    c->Shut();
    co_return r.status().With(where);
  }
  co_return std::move(r);
}

awaitable<Result<std::unique_ptr<Channel>>> Accept(tcp::socket socket, const SecretKey& node_key, Policy policy,
                                                   Limits limits) {
  if (Status s = crypto::Init(); !s.ok()) co_return s;
  auto c = std::make_shared<Conn>(std::move(socket));
  error_code ec;
  auto ep = c->socket.remote_endpoint(ec);
  c->where = ec ? std::string("(unknown peer)") : Where(ep);
  auto r = co_await ServerHandshake(c, node_key, std::move(policy), limits);
  if (!r.ok()) co_return r.status().With(c->where);
  co_return std::move(r);
}

Policy OrgPolicy(const Authority& authority, const PublicKey& own_org, std::set<PublicKey> trusted) {
  return [&authority, own_org, trusted = std::move(trusted)](const PublicKey& peer) -> Status {
    for (const auto& [root, org] : authority.orgs()) {
      if (!org.nodes.count(peer)) continue;
      if (root == own_org || trusted.count(root)) return Status::Ok();
      return Status::Refused(Node(peer) + " belongs to " + org.name + ", which is not a trusted organisation");
    }
    return Status::Refused(Node(peer) + " is not admitted by this organisation or any trusted one");
  };
}

// --- the server loop

struct Server::State {
  State(asio::io_context& io, const SecretKey& k) : io(io), key(k), acceptor(io) {}
  asio::io_context& io;
  const SecretKey& key;
  Policy policy;
  SessionHandler handler;
  Options options;
  tcp::acceptor acceptor;
  bool stopped = false;
  std::list<std::weak_ptr<Conn>> open;  // sessions, so Stop can end them
  // Connections still in their handshake, oldest first, and how many per address.
  struct Pending {
    std::weak_ptr<Conn> conn;
    std::string address;
    std::shared_ptr<bool> listed;  // false once evicted
  };
  std::list<Pending> handshaking;
  std::map<std::string, size_t> per_address;

  void Unlist(std::list<Pending>::iterator it) {
    *it->listed = false;
    if (--per_address[it->address] == 0) per_address.erase(it->address);
    handshaking.erase(it);
  }
  // Makes room for a new handshake from `address`: closes the oldest pending one of that
  // address when it has its share, else the oldest of all when the budget is spent.
  void MakeRoom(const std::string& address) {
    auto victim = handshaking.end();
    auto n = per_address.find(address);
    if (n != per_address.end() && n->second >= std::max<size_t>(1, options.max_handshakes_per_address)) {
      victim = std::find_if(handshaking.begin(), handshaking.end(), [&](const Pending& p) { return p.address == address; });
    } else if (handshaking.size() >= std::max<size_t>(1, options.max_handshakes)) {
      victim = handshaking.begin();
    }
    if (victim == handshaking.end()) return;
    auto c = victim->conn.lock();
    Log((c ? c->where : address) + ": closed: it had not finished its handshake and a newer connection needed the room");
    Unlist(victim);
    if (c) c->Shut();
  }

  void Log(const std::string& line) {
    if (options.log) options.log(line);
  }
};

namespace {

awaitable<void> RunSession(std::shared_ptr<Server::State> st, std::shared_ptr<Conn> c, std::string address) {
  auto me = st->open.insert(st->open.end(), c);
  auto listed = std::make_shared<bool>(true);
  st->MakeRoom(address);
  auto pending = st->handshaking.insert(st->handshaking.end(), {c, address, listed});
  ++st->per_address[address];
  try {
    auto r = co_await ServerHandshake(c, st->key, st->policy, st->options.limits);
    const bool evicted = !*listed;
    if (*listed) st->Unlist(pending);
    const size_t established = st->open.size() - st->handshaking.size() - 1;
    if (!r.ok()) {
      if (!evicted) st->Log(c->where + ": " + r.status().message());
    } else if (established >= st->options.max_sessions) {
      std::unique_ptr<Channel> ch = std::move(r).value();
      std::string reason = "busy: " + std::to_string(established) + " sessions open, try again later";
      st->Log(c->where + ": refused: " + reason);
      co_await ch->Close(reason);
    } else {
      std::unique_ptr<Channel> ch = std::move(r).value();
      if (st->handler) co_await st->handler(*ch);
      co_await ch->Close();
    }
  } catch (const std::exception& e) {
    st->Log(c->where + ": session failed: " + e.what());
  }
  if (*listed) st->Unlist(pending);  // the handshake threw
  c->Shut();
  st->open.erase(me);
}

// A connection over the session limit: told so without reading its hello.
awaitable<void> RefuseBusy(std::shared_ptr<Conn> c, std::string reason, Limits limits) {
  std::string msg(wire::kMagic);
  msg.push_back(static_cast<char>(wire::kRefusalVersion));
  msg += RefusalBody(reason);
  Status sent = co_await WriteAll(c, msg, LingerDeadline(limits.handshake), "a refusal");
  if (sent.ok()) co_await Linger(c, LingerDeadline(limits.handshake));
  c->Shut();
}

awaitable<void> AcceptLoop(std::shared_ptr<Server::State> st) {
  while (!st->stopped) {
    error_code ec;
    tcp::socket s(st->io);
    co_await st->acceptor.async_accept(s, asio::redirect_error(use_awaitable, ec));
    if (st->stopped) break;
    if (ec) {
      st->Log("accept: " + ec.message());
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) break;
      // Out of descriptors or similar: pause rather than spin.
      asio::steady_timer t(st->io, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    auto c = std::make_shared<Conn>(std::move(s));
    c->socket.set_option(tcp::no_delay(true), ec);
    auto ep = c->socket.remote_endpoint(ec);
    c->where = ec ? std::string("(unknown peer)") : Where(ep);
    std::string address = ec ? c->where : ep.address().to_string();
    // Established sessions only: connections in their handshake have their own budget.
    const size_t established = st->open.size() - st->handshaking.size();
    if (established >= st->options.max_sessions) {
      std::string reason = "busy: " + std::to_string(established) + " sessions open, try again later";
      st->Log(c->where + ": refused: " + reason);
      asio::co_spawn(st->io, RefuseBusy(std::move(c), std::move(reason), st->options.limits), asio::detached);
      continue;
    }
    asio::co_spawn(st->io, RunSession(st, std::move(c), std::move(address)), asio::detached);
  }
}

}  // namespace

Server::Server(asio::io_context& io, const SecretKey& node_key, Policy policy, SessionHandler handler, Options options)
    : state_(std::make_shared<State>(io, node_key)) {
  state_->policy = std::move(policy);
  state_->handler = std::move(handler);
  state_->options = std::move(options);
}

Server::~Server() { Stop(); }

Status Server::Listen(const tcp::endpoint& at) {
  if (Status s = crypto::Init(); !s.ok()) return s;
  error_code ec;
  auto& a = state_->acceptor;
  a.open(at.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(at, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    a.close(ec);
    return Status::Peer("cannot listen on " + Where(at) + ": " + ec.message());
  }
  asio::co_spawn(state_->io, AcceptLoop(state_), asio::detached);
  return Status::Ok();
}

uint16_t Server::port() const {
  error_code ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::Stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  error_code ec;
  state_->acceptor.close(ec);
  for (auto& w : state_->open)
    if (auto c = w.lock()) c->Shut();
}

size_t Server::sessions() const { return state_->open.size(); }
size_t Server::handshakes() const { return state_->handshaking.size(); }

}  // namespace vanban::sync
