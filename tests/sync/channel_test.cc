// The sync channel over loopback: handshake, round trips, refusals, and hostile
// clients (garbage, tampering through a proxy, oversized frames, slow loris).
// Every test runs one io_context for at most a few seconds with short limits.
#include <gtest/gtest.h>

#include <sodium.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/crypto.h"
#include "sync/channel.h"
#include "tests/core/fixture.h"

namespace vanban::sync {
namespace {

using namespace std::chrono_literals;
using asio::use_awaitable;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

SecretKey Key(uint8_t n) {
  if (!crypto::Init().ok()) throw std::runtime_error("libsodium does not initialise");
  Bytes32 seed{};
  seed.fill(n);
  return SecretKey::FromSeed(seed);
}

Policy Allow(std::set<PublicKey> keys) {
  return [keys = std::move(keys)](const PublicKey& pk) -> Status {
    if (keys.count(pk)) return Status::Ok();
    return Status::Refused("not on this test's list");
  };
}

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct World;
awaitable<void> Echo(World* w, Channel& ch);

// A server on 127.0.0.1, port 0, with short limits, echoing every message back.
struct World {
  asio::io_context io;
  SecretKey server_key = Key(1), client_key = Key(2), stranger_key = Key(3);
  // Generous: a test that needs a timeout sets its own and waits for its effect.
  Limits limits{2u << 20, 5s, 5s};
  std::vector<std::string> log;       // the server's refusals and failures
  std::vector<PublicKey> peers;        // clients the server established channels with
  std::unique_ptr<Server> server;
  tcp::endpoint at;
  std::function<void()> on_done;       // extra cleanup once the test coroutine ends

  size_t max_sessions = 16;

  void Start(Policy policy = nullptr) {
    if (!policy) policy = Allow({client_key.public_key()});
    Server::Options o;
    o.limits = limits;
    o.max_sessions = max_sessions;
    o.log = [this](const std::string& line) { log.push_back(line); };
    server = std::make_unique<Server>(
        io, server_key, std::move(policy),
        [this](Channel& ch) {
          peers.push_back(ch.peer());
          return Echo(this, ch);
        },
        o);
    ASSERT_TRUE(server->Listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)).ok());
    at = tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port());
  }

  // Runs the test's coroutine to its end (bounded), then stops everything.
  Status Run(awaitable<Status> body) {
    std::optional<Status> out;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e, Status s) {
      out = e ? Status::Invalid("the test coroutine threw") : s;
      if (on_done) on_done();
      if (server) server->Stop();
    });
    io.run_for(8s);
    if (!out) return Status::Invalid("the test did not finish in time");
    return *out;
  }

  // Connections the server closed to make room for newer handshakes.
  size_t Evicted() const {
    size_t n = 0;
    for (const auto& l : log) n += l.find("needed the room") != std::string::npos;
    return n;
  }

  std::string Log() const {
    std::string all;
    for (const auto& l : log) all += l + "\n";
    return all;
  }
};

awaitable<void> Echo(World* w, Channel& ch) {
  for (;;) {
    auto m = co_await ch.Receive();
    if (!m.ok()) {
      w->log.push_back("session: " + m.status().message());
      co_return;
    }
    if (!*m) co_return;  // clean end
    Status s = co_await ch.Send(**m);
    if (!s.ok()) co_return;
  }
}

awaitable<Status> ConnectAs(World* w, const SecretKey* key) {
  Policy policy = Allow(std::set<PublicKey>{w->server_key.public_key()});
  auto ch = co_await Connect(w->at, *key, policy, w->limits);
  if (!ch.ok()) co_return ch.status();
  co_await (*ch)->Close();
  co_return Status::Ok();
}

// Connects as `key`, sends each message and checks the echo; Ok or the first failure.
awaitable<Status> RoundTrip(World* w, const SecretKey* key, std::vector<std::string> messages, tcp::endpoint at,
                            Limits limits) {
  Policy policy = Allow(std::set<PublicKey>{w->server_key.public_key()});  // (GCC 12: no braced lists in co_await)
  auto ch = co_await Connect(at, *key, policy, limits);
  if (!ch.ok()) co_return ch.status();
  if ((*ch)->peer() != w->server_key.public_key()) co_return Status::Invalid("wrong peer key");
  for (const auto& m : messages) {
    Status s = co_await (*ch)->Send(m);
    if (!s.ok()) co_return s;
    auto back = co_await (*ch)->Receive();
    if (!back.ok()) co_return back.status();
    if (!*back) co_return Status::Invalid("the server ended the session early");
    if (**back != m) co_return Status::Invalid("the echo differs");
  }
  co_await (*ch)->Close();
  co_return Status::Ok();
}

// A raw TCP client: sends `bytes`, optionally stays silent, and collects the reply until EOF.
struct Raw {
  std::string reply;
  Clock::duration took{};
  bool done = false;
};

awaitable<Status> RawExchange(tcp::endpoint at, std::string bytes, Raw* out) {
  auto start = Clock::now();
  tcp::socket s(co_await asio::this_coro::executor);
  error_code ec;
  co_await s.async_connect(at, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return Status::Peer("connect: " + ec.message());
  co_await asio::async_write(s, asio::buffer(bytes), asio::redirect_error(use_awaitable, ec));
  char buf[512];
  for (;;) {
    size_t n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    out->reply.append(buf, n);
    if (out->reply.size() > 4096) break;
  }
  out->took = Clock::now() - start;
  out->done = true;
  co_return Status::Ok();
}

// The reason in a version-0 refusal, or "" if `reply` is not one.
std::string RefusalReason(const std::string& reply) {
  if (reply.size() < 14 || reply.compare(0, 11, "vanban-sync") != 0 || reply[11] != 0) return "";
  size_t n = (size_t(uint8_t(reply[12])) << 8) | uint8_t(reply[13]);
  return reply.substr(14, n);
}

// A one-connection proxy that lets a test rewrite the client's bytes in flight.
using Mutate = std::function<void(size_t offset, uint8_t* p, size_t n)>;

Mutate FlipAt(size_t pos) {
  return [pos](size_t off, uint8_t* p, size_t n) {
    if (pos >= off && pos < off + n) p[pos - off] ^= 0x01;
  };
}

Mutate WriteAt(size_t pos, std::string bytes) {
  return [pos, bytes](size_t off, uint8_t* p, size_t n) {
    for (size_t i = 0; i < bytes.size(); ++i)
      if (pos + i >= off && pos + i < off + n) p[pos + i - off] = uint8_t(bytes[i]);
  };
}

struct Pipe {
  explicit Pipe(asio::io_context& io) : a(io), b(io) {}
  tcp::socket a, b;  // a: the client side, b: the server side
  void Close() {
    error_code ec;
    a.close(ec);
    b.close(ec);
  }
};

awaitable<void> Pump(std::shared_ptr<Pipe> p, bool client_to_server, Mutate m) {
  tcp::socket& from = client_to_server ? p->a : p->b;
  tcp::socket& to = client_to_server ? p->b : p->a;
  uint8_t buf[4096];
  size_t off = 0;
  for (;;) {
    error_code ec;
    size_t n = co_await from.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    if (m) m(off, buf, n);
    off += n;
    co_await asio::async_write(to, asio::buffer(buf, n), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  p->Close();
}

awaitable<void> ProxyOnce(asio::io_context* io, tcp::acceptor* acc, tcp::endpoint server, Mutate m) {
  auto p = std::make_shared<Pipe>(*io);
  error_code ec;
  co_await acc->async_accept(p->a, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  co_await p->b.async_connect(server, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  asio::co_spawn(*io, Pump(p, true, m), asio::detached);
  asio::co_spawn(*io, Pump(p, false, nullptr), asio::detached);
}

// Starts a proxy in front of w's server; returns its endpoint.
tcp::endpoint StartProxy(World& w, tcp::acceptor& acc, Mutate m) {
  tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
  acc.open(local.protocol());
  acc.bind(local);
  acc.listen();
  asio::co_spawn(w.io, ProxyOnce(&w.io, &acc, w.at, std::move(m)), asio::detached);
  w.on_done = [&acc] {
    error_code ec;
    acc.close(ec);
  };
  return tcp::endpoint(local.address(), acc.local_endpoint().port());
}

// Offsets in the client-to-server byte stream (docs/sync-protocol.md).
constexpr size_t kNonceAt = 76, kSignatureAt = 109, kFirstFrameAt = 197;

TEST(SyncChannel, RoundTripsBothWays) {
  World w;
  w.Start();
  std::string mib(1u << 20, '\0');
  randombytes_buf(mib.data(), mib.size());
  Status s = w.Run(RoundTrip(&w, &w.client_key, {"xin chào", "", mib, "tạm biệt"}, w.at, w.limits));
  EXPECT_TRUE(s.ok()) << s.message() << "\n" << w.Log();
  ASSERT_EQ(w.peers.size(), 1u);
  EXPECT_EQ(w.peers[0], w.client_key.public_key());
}

TEST(SyncChannel, RefusedNodeGetsPeerStatusWithTheReason) {
  World w;
  w.Start();
  Status s = w.Run(RoundTrip(&w, &w.stranger_key, {"x"}, w.at, w.limits));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_EQ(s.exit_code(), 5);
  EXPECT_TRUE(Has(s.message(), "refused by the peer")) << s.message();
  EXPECT_TRUE(Has(s.message(), "not on this test's list")) << s.message();
  EXPECT_TRUE(Has(w.Log(), "is not accepted here")) << w.Log();
  EXPECT_TRUE(w.peers.empty());
}

// Waits (at most `limit`) until `done()`; the server's side of a refusal may end after the client's.
awaitable<void> WaitUntil(std::function<bool()> done, Clock::duration limit) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (auto end = Clock::now() + limit; !done() && Clock::now() < end;) {
    t.expires_after(10ms);
    co_await t.async_wait(use_awaitable);
  }
}

awaitable<Status> ConnectExpectingOther(World* w) {
  // The client's policy does not accept the server's node key.
  Policy policy = Allow(std::set<PublicKey>{w->stranger_key.public_key()});
  auto ch = co_await Connect(w->at, w->client_key, policy, w->limits);
  if (ch.ok()) co_return Status::Invalid("connected to a server the policy refuses");
  co_await WaitUntil([w] { return !w->log.empty(); }, 5s);
  co_return ch.status();
}

TEST(SyncChannel, ClientRefusesAServerItDoesNotAccept) {
  World w;
  w.Start();
  Status s = w.Run(ConnectExpectingOther(&w));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_TRUE(Has(s.message(), "refused the server's node")) << s.message();
  EXPECT_TRUE(Has(w.Log(), "refused by the peer: not on this test's list")) << w.Log();
}

TEST(SyncChannel, TamperedHelloIsRefused) {
  World w;
  w.Start();
  tcp::acceptor acc(w.io);
  tcp::endpoint via = StartProxy(w, acc, FlipAt(kNonceAt + 5));
  Status s = w.Run(RoundTrip(&w, &w.client_key, {"x"}, via, w.limits));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_TRUE(Has(s.message(), "refused by the peer")) << s.message();
  EXPECT_TRUE(Has(s.message(), "signature does not verify")) << s.message();
  EXPECT_TRUE(Has(w.Log(), "the client's signature does not verify")) << w.Log();
}

TEST(SyncChannel, WrongSignatureIsRefused) {
  World w;
  w.Start();
  tcp::acceptor acc(w.io);
  tcp::endpoint via = StartProxy(w, acc, FlipAt(kSignatureAt + 10));
  Status s = w.Run(RoundTrip(&w, &w.client_key, {"x"}, via, w.limits));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_TRUE(Has(s.message(), "signature does not verify")) << s.message();
  EXPECT_TRUE(w.peers.empty());
}

awaitable<Status> GarbageThenGood(World* w, Raw* raw) {
  Status s = co_await RawExchange(w->at, std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n") + std::string(200, 'A'), raw);
  if (!s.ok()) co_return s;
  std::vector<std::string> messages(1, "vẫn phục vụ");
  co_return co_await RoundTrip(w, &w->client_key, messages, w->at, w->limits);
}

TEST(SyncChannel, GarbageIsRefusedAndTheServerKeepsServing) {
  World w;
  w.Start();
  Raw raw;
  Status s = w.Run(GarbageThenGood(&w, &raw));
  EXPECT_TRUE(s.ok()) << s.message() << "\n" << w.Log();
  EXPECT_TRUE(Has(RefusalReason(raw.reply), "not a vanban-sync hello")) << raw.reply;
  EXPECT_TRUE(Has(w.Log(), "not a vanban-sync hello")) << w.Log();
}

TEST(SyncChannel, UnknownVersionIsRefused) {
  World w;
  w.Start();
  Raw raw;
  std::string hello = "vanban-sync";
  hello.push_back(2);
  hello += std::string(96, '\x01');
  Status s = w.Run(RawExchange(w.at, hello, &raw));
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Has(RefusalReason(raw.reply), "unsupported protocol version 2 (this node speaks version 1)"))
      << raw.reply;
}

// A fake server: reads a hello, answers `answer`, then waits for the client to close.
awaitable<void> FakeServer(tcp::acceptor* acc, std::string answer) {
  tcp::socket s(acc->get_executor());
  error_code ec;
  co_await acc->async_accept(s, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  std::string hello(108, '\0');
  co_await asio::async_read(s, asio::buffer(hello), asio::redirect_error(use_awaitable, ec));
  co_await asio::async_write(s, asio::buffer(answer), asio::redirect_error(use_awaitable, ec));
  char buf[256];
  while (!ec) co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
}

Status ConnectToFake(World& w, std::string answer) {
  tcp::acceptor acc(w.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  w.at = tcp::endpoint(asio::ip::make_address("127.0.0.1"), acc.local_endpoint().port());
  asio::co_spawn(w.io, FakeServer(&acc, std::move(answer)), asio::detached);
  w.on_done = [&acc] {
    error_code ec;
    acc.close(ec);
  };
  Status s = w.Run(ConnectAs(&w, &w.client_key));
  w.io.restart();
  w.io.poll();  // let the fake server see the close before its acceptor goes
  return s;
}

TEST(SyncChannel, ClientRefusesAServerOfAnotherVersion) {
  World w;
  std::string answer = "vanban-sync";
  answer.push_back(2);
  answer += std::string(96, '\x01');
  Status s = ConnectToFake(w, answer);
  EXPECT_EQ(s.exit_code(), 5);
  EXPECT_TRUE(Has(s.message(), "unsupported protocol version 2 (this node speaks version 1)")) << s.message();
}

TEST(SyncChannel, ClientRefusesAnAnswerThatIsNotAHello) {
  World w;
  Status s = ConnectToFake(w, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  EXPECT_EQ(s.exit_code(), 5);
  EXPECT_TRUE(Has(s.message(), "not a vanban-sync answer")) << s.message();
}

TEST(SyncChannel, OversizedLengthPrefixIsRefusedBeforeReading) {
  World w;
  w.Start();
  tcp::acceptor acc(w.io);
  // The first frame's length becomes 0xfffffff0: 4 GiB the server must not allocate.
  tcp::endpoint via = StartProxy(w, acc, WriteAt(kFirstFrameAt, "\xff\xff\xff\xf0"));
  Status s = w.Run(RoundTrip(&w, &w.client_key, {"x"}, via, w.limits));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_TRUE(Has(s.message(), "the peer ended the session: frame 1 of 4294967263 bytes exceeds the limit of 2097152"))
      << s.message();
  EXPECT_TRUE(Has(w.Log(), "exceeds the limit")) << w.Log();
}

TEST(SyncChannel, MessageOverThePeersLimitIsRefused) {
  World w;
  w.Start();
  Limits generous = w.limits;
  generous.max_frame = 4u << 20;
  Status s = w.Run(RoundTrip(&w, &w.client_key, {std::string(3u << 20, 'x')}, w.at, generous));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_TRUE(Has(s.message(), "the peer ended the session: frame 1 of 3145728 bytes exceeds the limit of 2097152"))
      << s.message();
}

TEST(SyncChannel, FlippedCiphertextFailsToDecrypt) {
  World w;
  w.Start();
  tcp::acceptor acc(w.io);
  tcp::endpoint via = StartProxy(w, acc, FlipAt(kFirstFrameAt + 4 + 3));
  Status s = w.Run(RoundTrip(&w, &w.client_key, {"một thông điệp"}, via, w.limits));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_TRUE(Has(s.message(), "frame 1 failed to decrypt")) << s.message();
  EXPECT_TRUE(Has(w.Log(), "frame 1 failed to decrypt")) << w.Log();
}

awaitable<Status> SlowLoris(World* w, Raw* loris, bool* loris_waiting) {
  auto ex = co_await asio::this_coro::executor;
  // One byte of a hello, then silence.
  asio::co_spawn(ex, RawExchange(w->at, "v", loris), asio::detached);
  co_await WaitUntil([w] { return w->server->handshakes() == 1; }, 5s);
  if (w->server->handshakes() != 1) co_return Status::Invalid("the slow client never reached the server");
  std::vector<std::string> messages(1, "trong khi chờ");
  Status s = co_await RoundTrip(w, &w->client_key, messages, w->at, w->limits);
  *loris_waiting = !loris->done;  // served while the slow one still held its connection
  if (!s.ok()) co_return s;
  co_await WaitUntil([loris] { return loris->done; }, 5s);
  co_return Status::Ok();
}

TEST(SyncChannel, SlowLorisIsCutWhileOthersAreServed) {
  World w;
  w.limits.handshake = 1s;  // the loris's deadline: the good client is served before it
  w.Start();
  Raw loris;
  bool loris_waiting = false;
  Status s = w.Run(SlowLoris(&w, &loris, &loris_waiting));
  EXPECT_TRUE(s.ok()) << s.message() << "\n" << w.Log();
  EXPECT_TRUE(loris_waiting) << "the good client was served only once the slow one was gone";
  ASSERT_TRUE(loris.done) << "the slow client was never cut";
  EXPECT_GE(loris.took, std::chrono::milliseconds(w.limits.handshake) - 50ms);
  EXPECT_TRUE(Has(RefusalReason(loris.reply), "timed out waiting for the client's hello")) << loris.reply;
}

// Sockets that connect and never say a word, `idle` of them, held open by the client
// all along; then a real peer's round trip.
awaitable<Status> ThroughTheIdle(World* w, size_t idle, std::vector<std::unique_ptr<tcp::socket>>* held) {
  auto ex = co_await asio::this_coro::executor;
  for (size_t i = 0; i < idle; ++i) {
    auto sock = std::make_unique<tcp::socket>(ex);
    error_code ec;
    co_await sock->async_connect(w->at, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return Status::Peer("idle connection " + std::to_string(i) + ": " + ec.message());
    held->push_back(std::move(sock));
  }
  // The server has taken every one: each is pending or was closed for a newer one.
  co_await WaitUntil([w, idle] { return w->Evicted() + w->server->handshakes() == idle; }, 5s);
  if (w->Evicted() + w->server->handshakes() != idle) co_return Status::Invalid("the server did not take every idle connection");
  std::vector<std::string> messages(1, "đồng bộ thật");
  co_return co_await RoundTrip(w, &w->client_key, messages, w->at, w->limits);
}

TEST(SyncServer, ConnectionsThatNeverHandshakeDoNotKeepAPeerOut) {
  World w;
  w.max_sessions = wire::kDefaultMaxSessions;
  w.limits.handshake = 30s;  // no deadline frees them during the test: the budget must
  w.Start();
  std::vector<std::unique_ptr<tcp::socket>> held;
  Status s = w.Run(ThroughTheIdle(&w, 300, &held));
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(held.size(), 300u);
  ASSERT_EQ(w.peers.size(), 1u);
  EXPECT_EQ(w.peers[0], w.client_key.public_key());
  EXPECT_EQ(w.Evicted(), 300u - wire::kDefaultMaxHandshakesPerAddress + 1) << "one more made room for the real peer";
}

awaitable<Status> OneTooMany(World* w) {
  // One established session, held open (the server echoes, the client says nothing).
  Policy policy = Allow(std::set<PublicKey>{w->server_key.public_key()});
  auto first = co_await Connect(w->at, w->client_key, policy, w->limits);
  if (!first.ok()) co_return first.status();
  co_await WaitUntil([w] { return w->server->sessions() == 1 && w->server->handshakes() == 0; }, 5s);
  if (w->server->sessions() != 1) co_return Status::Invalid("the first connection never opened a session");
  std::vector<std::string> messages(1, "x");
  Status s = co_await RoundTrip(w, &w->client_key, messages, w->at, w->limits);
  co_await (*first)->Close();
  co_return s;
}

TEST(SyncChannel, ConnectionsBeyondTheSessionLimitAreRefused) {
  World w;
  w.max_sessions = 1;
  w.Start();
  Status s = w.Run(OneTooMany(&w));
  EXPECT_EQ(s.exit_code(), 5);
  EXPECT_TRUE(Has(s.message(), "refused by the peer: busy: 1 sessions open")) << s.message();
}

awaitable<Status> StopWhileConnected(World* w, Clock::duration* took) {
  Policy policy = Allow(std::set<PublicKey>{w->server_key.public_key()});
  auto ch = co_await Connect(w->at, w->client_key, policy, w->limits);
  if (!ch.ok()) co_return ch.status();
  co_await WaitUntil([w] { return w->server->sessions() == 1; }, 5s);
  auto start = Clock::now();
  w->server->Stop();
  auto m = co_await (*ch)->Receive();
  *took = Clock::now() - start;
  if (m.ok()) co_return Status::Invalid("the session outlived Stop()");
  co_return m.status();
}

TEST(SyncServer, StopEndsOpenSessions) {
  World w;
  w.limits.idle = 60s;  // past the test's bound: only Stop can end the session in time
  w.Start();
  Clock::duration took{};
  Status s = w.Run(StopWhileConnected(&w, &took));
  EXPECT_EQ(s.exit_code(), 5) << s.message();
  EXPECT_FALSE(Has(s.message(), "timed out")) << s.message();
  EXPECT_EQ(w.server->sessions(), 0u);
}

awaitable<Status> SilentAfterHandshake(World* w) {
  Policy policy = Allow(std::set<PublicKey>{w->server_key.public_key()});
  auto ch = co_await Connect(w->at, w->client_key, policy, w->limits);
  if (!ch.ok()) co_return ch.status();
  // Say nothing: the server's idle timeout ends the session, with its reason.
  auto m = co_await (*ch)->Receive();
  if (m.ok()) co_return Status::Invalid("expected the server to end an idle session");
  co_return m.status();
}

TEST(SyncChannel, IdleSessionIsEndedWithAReason) {
  World w;
  w.limits.idle = 200ms;
  w.Start();
  // The client waits longer than the server, so it hears the server's reason.
  Status s = w.Run(SilentAfterHandshake(&w));
  EXPECT_EQ(s.code(), Status::Code::kPeer);
  EXPECT_TRUE(Has(s.message(), "timed out waiting for the next frame")) << s.message();
}

// Three organisations in memory, each admitting one node; `a` trusts `b`, not `c`.
struct Orgs {
  vanban::testing::MemWorld m;
  PublicKey a, b, c;
  Orgs() {
    a = m.AddOrg("a", "SNgV", "Sở Ngoại vụ tỉnh Lạng Sơn");
    b = m.AddOrg("b", "STP", "Sở Tư pháp tỉnh Lạng Sơn");
    c = m.AddOrg("c", "SYT", "Sở Y tế tỉnh Cao Bằng");
    Admit("a", Key(10));
    Admit("b", Key(11));
    Admit("c", Key(12));
  }
  void Admit(const std::string& org, const SecretKey& node) {
    Record r("node.admit");
    r.Add("node", ToHex(node.public_key()));
    EXPECT_TRUE(m.OrgAct(org, r).ok());
  }
  Policy ForA() { return OrgPolicy(m.auth, a, std::set<PublicKey>{b}); }
};

TEST(SyncPolicy, OwnAndTrustedOrganisationsOnly) {
  Orgs o;
  Policy p = o.ForA();
  EXPECT_TRUE(p(Key(10).public_key()).ok());
  EXPECT_TRUE(p(Key(11).public_key()).ok());
  Status other = p(Key(12).public_key());
  EXPECT_FALSE(other.ok());
  EXPECT_TRUE(Has(other.message(), "belongs to Sở Y tế tỉnh Cao Bằng, which is not a trusted organisation"))
      << other.message();
  Status unknown = p(Key(13).public_key());
  EXPECT_FALSE(unknown.ok());
  EXPECT_TRUE(Has(unknown.message(), "is not admitted by this organisation or any trusted one")) << unknown.message();
  EXPECT_TRUE(Has(unknown.message(), crypto::Fingerprint(Key(13).public_key()))) << unknown.message();
}


TEST(SyncPolicy, ANodeOfAnUntrustedOrganisationIsRefusedAtTheHandshake) {
  Orgs o;
  {
    World w;
    w.Start(o.ForA());
    Status s = w.Run(ConnectAs(&w, &w.client_key));  // Key(2): admitted nowhere
    EXPECT_EQ(s.exit_code(), 5);
    EXPECT_TRUE(Has(s.message(), "refused by the peer: node")) << s.message();
  }
  {
    World w;
    SecretKey c_node = Key(12);
    w.Start(o.ForA());
    Status s = w.Run(ConnectAs(&w, &c_node));
    EXPECT_EQ(s.exit_code(), 5);
    EXPECT_TRUE(Has(s.message(), "which is not a trusted organisation")) << s.message();
  }
  {
    World w;
    SecretKey b_node = Key(11);
    w.Start(o.ForA());
    Status s = w.Run(ConnectAs(&w, &b_node));
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << w.Log();
  }
}

}  // namespace
}  // namespace vanban::sync
