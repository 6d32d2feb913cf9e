// vanban/sync — the authenticated, encrypted channel between two nodes.
//
// Owns the TCP side of sync: the handshake in which both ends prove their node
// keys (Ed25519) and agree session keys (X25519 ephemeral keys, crypto_kx, bound
// to the signed transcript), the framing that follows (every frame a
// crypto_secretstream_xchacha20poly1305 message), the limits and timeouts that keep
// a hostile peer from holding a node, and a small server loop. The wire format is
// docs/sync-protocol.md; its constants are in sync/protocol.h.
//
// Errors are values: Boost error codes stay inside this module and come out as
// Status (kPeer for anything the peer or the network did). Coroutines run on a
// Boost.Asio io_context; a Channel is used by one coroutine sending and at most one
// receiving at a time (the two directions are independent), all on one executor.
// Nothing here knows what the frames carry: that is the sync messages' business.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/authority.h"
#include "core/crypto.h"
#include "core/status.h"
#include "sync/protocol.h"

namespace vanban::sync {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
template <typename T>
using awaitable = asio::awaitable<T>;

// Bounds on what a peer may send and how long it may take. Tests shorten them.
struct Limits {
  size_t max_frame = wire::kDefaultMaxFrame;  // plaintext bytes of one frame
  // The whole handshake, from connecting (client) or accepting (server) to the last byte.
  std::chrono::milliseconds handshake{std::chrono::seconds(wire::kDefaultHandshakeSeconds)};
  // Waiting for the next frame (header and body), and for a frame to be written.
  std::chrono::milliseconds idle{std::chrono::seconds(wire::kDefaultIdleSeconds)};
};

// Decides whether a peer's node key may talk to us: Ok, or a failed Status whose
// message is the reason given to the peer ("node ab12 cd34 … is not of …").
using Policy = std::function<Status(const PublicKey& peer_node)>;

// The policy of the issue: a node admitted (node.admit) by our own organisation or by
// one of the trusted organisations, as `authority` knows them. The authority is read
// at each call (keep it alive and unchanged while the policy is in use).
Policy OrgPolicy(const Authority& authority, const PublicKey& own_org, std::set<PublicKey> trusted);

// An established connection: handshake done, both directions encrypted.
class Channel {
 public:
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // The peer's node key, as proven in the handshake.
  const PublicKey& peer() const;
  // "127.0.0.1:5432", for messages.
  const std::string& where() const;
  // Bytes on the wire each way so far, the handshake's included.
  uint64_t bytes_sent() const;
  uint64_t bytes_received() const;

  // The next message; nullopt when the peer ended the session cleanly (a final
  // frame without a reason). A reasoned end, a timeout, an oversized frame or one
  // that fails to decrypt is Status::Peer; after a failure the channel is done
  // (and the peer was told why, when it still could be).
  awaitable<Result<std::optional<std::string>>> Receive();
  // Sends one message (at most limits.max_frame bytes).
  awaitable<Status> Send(std::string_view message);
  // Ends the session: a final frame carrying `reason` (empty: a clean end), then
  // closes the socket. Safe to call on a broken channel (it only closes).
  awaitable<void> Close(std::string_view reason = "");

  struct Impl;

 private:
  friend struct Handshake;
  explicit Channel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Client: connects to `server`, runs the handshake as `node_key`, and checks the
// server's node key with `policy`. A refusal by the server comes back as
// Status::Peer("refused by the peer: <reason>").
awaitable<Result<std::unique_ptr<Channel>>> Connect(tcp::endpoint server, const SecretKey& node_key,
                                                    Policy policy, Limits limits = {});

// Server side of one accepted socket: runs the handshake and checks the client's
// node key with `policy`; a refused client is told why before the socket closes.
awaitable<Result<std::unique_ptr<Channel>>> Accept(tcp::socket socket, const SecretKey& node_key,
                                                   Policy policy, Limits limits = {});

// What a server does with one established channel (the sync session). When it
// returns, the server closes the channel cleanly if the handler has not.
using SessionHandler = std::function<awaitable<void>(Channel&)>;

// Accepts connections and runs one session coroutine per socket, each with its own
// handshake and idle timeouts, so a slow or hostile client never holds up others.
// Everything happens on the io_context given; Stop() (from that context's thread,
// or posted to it) stops accepting and closes open sessions' sockets (their peers see
// the connection close without a final frame). `node_key` must outlive the server
// and the io_context's run.
class Server {
 public:
  struct Options {
    Limits limits;
    // Told of every refusal and failure, one line each ("127.0.0.1:40312: ...").
    std::function<void(const std::string&)> log;
    // Established sessions at once; a connection beyond them is refused at once
    // ("busy: ...") instead of holding a descriptor and a coroutine.
    size_t max_sessions = wire::kDefaultMaxSessions;
    // Connections still in their handshake have a budget of their own, in total and per
    // address: a new one beyond it closes the oldest (of that address, else of all), so
    // sockets that never finish the handshake cannot keep admitted peers out.
    size_t max_handshakes = wire::kDefaultMaxHandshakes;
    size_t max_handshakes_per_address = wire::kDefaultMaxHandshakesPerAddress;
  };
  Server(asio::io_context& io, const SecretKey& node_key, Policy policy, SessionHandler handler, Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting (port 0: any free port; see port()).
  Status Listen(const tcp::endpoint& at);
  uint16_t port() const;
  void Stop();
  size_t sessions() const;  // open sessions (handshaking or established)
  size_t handshakes() const;  // of those, still in their handshake

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vanban::sync
