#include "sync/session.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/text.h"
#include "sync/intake.h"
#include "sync/messages.h"
#include "sync/reconcile.h"

namespace vanban::sync {

namespace {

constexpr size_t kMaxKeptReasons = 1000;
// Records held back as beyond scope so far (Node::Ingest) carried to the next batch, at most.

std::string Short(const PublicKey& k) { return crypto::Fingerprint(k); }

// A session's line in the node's sync history: its report, or why it failed.
SyncLogEntry LogEntry(Node& node, const std::string& side, const std::string& address,
                      const Result<SessionReport>& rep, std::chrono::steady_clock::time_point t0) {
  SyncLogEntry e;
  e.at = node.Now();
  e.side = side;
  e.address = address;
  e.ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  e.ok = rep.ok();
  if (!rep.ok()) {
    e.message = rep.status().message();
    return e;
  }
  e.peer_org = rep->peer_org;
  e.peer_node = ToHex(rep->peer_node);
  e.sent = static_cast<int64_t>(rep->sent);
  e.received = static_cast<int64_t>(rep->received);
  e.duplicate = static_cast<int64_t>(rep->duplicate);
  e.refused = static_cast<int64_t>(rep->refused_count);
  e.peer_refused = static_cast<int64_t>(rep->peer_refused);
  if (!rep->refused.empty()) e.message = rep->refused.front();
  else if (!rep->peer_refusals.empty()) e.message = rep->peer_refusals.front();
  return e;
}

// The next message, which must be of type `want` (a clean end here is a failure).
awaitable<Result<std::string>> Expect(Channel& ch, char want, const char* what) {
  auto m = co_await ch.Receive();
  if (!m.ok()) co_return m.status();
  if (!*m) co_return Status::Peer(ch.where() + ": the peer ended the session while " + what);
  std::string s = std::move(**m);
  if (s.empty() || s[0] != want)
    co_return Status::Peer(ch.where() + ": unexpected message while " + what);
  s.erase(0, 1);
  co_return s;
}

// Sends the records at `seqs` (positions in arrival order), in batches, then the end.
awaitable<Status> SendRecords(Channel& ch, Node& node, std::vector<int64_t> seqs, const ExchangeOptions& opt,
                              SessionReport& rep) {
  std::sort(seqs.begin(), seqs.end());
  std::string batch;
  std::vector<std::string> records, blobs;
  size_t batch_bytes = 0;
  auto flush = [&]() -> awaitable<Status> {
    if (records.empty()) co_return Status::Ok();
    std::string m(1, kBatch);
    PutVarint(m, blobs.size());
    for (const std::string& b : blobs) PutBytes(m, b);
    PutVarint(m, records.size());
    for (const std::string& r : records) PutBytes(m, r);
    rep.sent += records.size();
    rep.blobs_sent += blobs.size();
    records.clear();
    blobs.clear();
    batch_bytes = 0;
    co_return co_await ch.Send(m);
  };
  for (size_t at = 0; at < seqs.size(); at += opt.batch_records) {
    std::vector<int64_t> part(seqs.begin() + at, seqs.begin() + std::min(seqs.size(), at + opt.batch_records));
    auto out = node.ReadHeld(part);
    if (!out.ok()) co_return out.status();
    // Blobs go with the batch of the first record naming them (ReadHeld names each once).
    for (std::string& b : out->blobs) {
      batch_bytes += b.size();
      blobs.push_back(std::move(b));
    }
    for (std::string& r : out->records) {
      batch_bytes += r.size();
      records.push_back(std::move(r));
      if (batch_bytes >= opt.batch_bytes) {
        Status s = co_await flush();
        if (!s.ok()) co_return s;
      }
    }
    Status s = co_await flush();
    if (!s.ok()) co_return s;
  }
  std::string end(1, kEnd);
  PutVarint(end, rep.sent);
  Status s = co_await ch.Send(end);
  if (!s.ok()) co_return s;
  // The peer's account of what it did with them.
  auto a = co_await Expect(ch, kReport, "waiting for the peer's report");
  if (!a.ok()) co_return a.status();
  co_return ParseReport(*a, rep).With(ch.where());
}

// Receives batches until the peer's end, ingesting each (the next one read and
// checked while this one is applied: sync/intake.h); then reports.
awaitable<Status> ReceiveRecords(Channel& ch, Node& node, SessionReport& rep) {
  Intake intake(node, kMaxKeptReasons);
  while (true) {
    auto m = co_await ch.Receive();
    if (!m.ok()) co_return m.status();
    if (!*m) co_return Status::Peer(ch.where() + ": the peer ended the session while sending records");
    const std::string& s = **m;
    if (s.empty() || (s[0] != kBatch && s[0] != kEnd)) co_return Status::Peer(ch.where() + ": unexpected message while receiving records");
    if (s[0] == kEnd) break;
    std::vector<std::string> blobs, records;
    Status parsed = ParseBatch(std::string_view(s).substr(1), blobs, records);
    if (!parsed.ok()) co_return parsed.With(ch.where());
    rep.blobs_received += blobs.size();
    Status got = intake.Add(std::move(records), std::move(blobs));
    if (!got.ok()) co_return got;
  }
  Status got = intake.Finish();
  if (!got.ok()) co_return got;
  rep.received += intake.accepted();
  rep.duplicate += intake.duplicate();
  rep.refused_count = intake.refused_count();
  rep.refused = intake.TakeRefused();  // the Intake kept the first kMaxKeptReasons
  std::string a(1, kReport);
  PutVarint(a, rep.received);
  PutVarint(a, rep.duplicate);
  PutVarint(a, rep.refused_count);
  size_t n = std::min(rep.refused.size(), kMaxReportedReasons);
  PutVarint(a, n);
  for (size_t i = 0; i < n; ++i) PutBytes(a, rep.refused[i].substr(0, 300));
  co_return co_await ch.Send(a);
}

}  // namespace

awaitable<Result<SessionReport>> Exchange(Channel& ch, Node& node, bool initiator, ExchangeOptions opt) {
  const auto t0 = std::chrono::steady_clock::now();
  SessionReport rep;
  rep.peer_node = ch.peer();
  const Organisation* peer_org = node.OrgOfNode(ch.peer());
  if (!peer_org) co_return Status::Refused("node " + Short(ch.peer()) + " is not admitted by a known organisation");
  rep.peer_org = peer_org->name;
  rep.same_org = peer_org->root == node.org().root;
  // What bounds a sync is checking signatures: use every core for it.
  node.set_verify_threads(std::max(1u, std::thread::hardware_concurrency()));

  auto shared = node.SharedWith(peer_org->root);
  if (!shared.ok()) co_return shared.status();
  std::vector<Id> ids;
  ids.reserve(shared->size());
  for (const Node::HeldRecord& h : *shared) ids.push_back(h.id);
  Reconciler rec(std::move(ids));

  // 1. Reconcile: turns until both sides know what the other lacks.
  if (initiator) {
    Status s = co_await ch.Send(std::string(1, kReconcile) + rec.Start());
    if (!s.ok()) co_return s;
  }
  for (bool done = false; !done;) {
    auto m = co_await Expect(ch, kReconcile, "reconciling");
    if (!m.ok()) co_return m.status();
    auto step = rec.Answer(*m);
    if (!step.ok()) co_return step.status().With(ch.where());
    if (step->reply) {
      Status s = co_await ch.Send(std::string(1, kReconcile) + *step->reply);
      if (!s.ok()) co_return s;
    }
    done = step->done;
  }
  std::vector<int64_t> seqs;
  for (size_t i : rec.PeerLacks()) seqs.push_back((*shared)[i].seq);
  shared->clear();
  shared->shrink_to_fit();

  // 2. The client's records, then the server's.
  if (initiator) {
    Status s = co_await SendRecords(ch, node, std::move(seqs), opt, rep);
    if (!s.ok()) co_return s;
    s = co_await ReceiveRecords(ch, node, rep);
    if (!s.ok()) co_return s;
  } else {
    Status s = co_await ReceiveRecords(ch, node, rep);
    if (!s.ok()) co_return s;
    s = co_await SendRecords(ch, node, std::move(seqs), opt, rep);
    if (!s.ok()) co_return s;
  }
  rep.bytes_sent = ch.bytes_sent();
  rep.bytes_received = ch.bytes_received();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  co_return rep;
}

Policy NodePolicy(Node& node) {
  std::set<PublicKey> trusted;
  for (const auto& [alias, key] : node.Trusted()) trusted.insert(key);
  return OrgPolicy(node.authority(), node.org().root, std::move(trusted));
}

Result<tcp::endpoint> ParseEndpoint(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size())
    return Status::BadInput("'" + host_port + "' is not HOST:PORT");
  std::string host = host_port.substr(0, colon), port_text = host_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port_number = text::ParseDecimal(port_text, 65535);
  if (!port_number) return Status::BadInput("'" + port_text + "' is not a port number (0-65535)");
  auto port = static_cast<uint16_t>(*port_number);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(addr, port);
  asio::io_context io;
  tcp::resolver resolver(io);
  auto found = resolver.resolve(host, port_text, ec);
  if (ec || found.empty()) return Status::Peer("cannot resolve '" + host + "': " + ec.message());
  return found.begin()->endpoint();
}

Result<SessionReport> SyncWith(Node& node, const SecretKey& node_key, const std::string& host_port, Limits limits) {
  VB_ASSIGN_OR_RETURN(tcp::endpoint ep, ParseEndpoint(host_port));
  asio::io_context io;
  std::optional<Result<SessionReport>> result;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        auto ch = co_await Connect(ep, node_key, NodePolicy(node), limits);
        if (!ch.ok()) {
          result = ch.status();
          co_return;
        }
        auto rep = co_await Exchange(**ch, node, true);
        if (rep.ok()) co_await (*ch)->Close();
        else co_await (*ch)->Close(rep.status().message());
        result = std::move(rep);
      },
      asio::detached);
  io.run();
  if (!result) return Status::Peer(host_port + ": the session did not finish");
  if (!result->ok() && result->status().code() != Status::Code::kPeer)
    return Status::Peer(host_port + ": " + result->status().message());
  return std::move(*result);
}

Result<SessionReport> SyncAndRecord(Node& node, const SecretKey& node_key, const std::string& host_port,
                                    Limits limits) {
  const auto t0 = std::chrono::steady_clock::now();
  Result<SessionReport> rep = SyncWith(node, node_key, host_port, limits);
  Status kept = node.RecordSync(LogEntry(node, "client", host_port, rep, t0));
  if (kept.ok() || !rep.ok()) return rep;
  return Status::BadInput("synced with " + host_port + " (sent " + std::to_string(rep->sent) + ", received " +
                          std::to_string(rep->received) + " record(s)), but the sync history was not written: " +
                          kept.message());
}

Status Serve(const std::string& home, const NodeOptions& node_options, const SecretKey& node_key, const std::string& listen, ServeOptions opt,
             const std::atomic<bool>* stop) {
  VB_ASSIGN_OR_RETURN(tcp::endpoint at, ParseEndpoint(listen));
  asio::io_context io;
  // Read afresh at each handshake: organisations trusted or nodes admitted since
  // the server started count at once.
  Policy policy = [home, node_options](const PublicKey& peer) -> Status {
    auto n = Node::Open(home, node_options);
    if (!n.ok()) return Status::Peer("this node cannot open its store: " + n.status().message());
    return NodePolicy(**n)(peer);
  };
  auto log = [&](const std::string& line) {
    if (opt.log) opt.log(line);
  };
  SessionHandler handler = [&](Channel& ch) -> awaitable<void> {
    auto node = Node::Open(home, node_options);
    if (!node.ok()) {
      log(ch.where() + ": cannot open the store: " + node.status().message());
      co_await ch.Close("the node cannot open its store");
      co_return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto rep = co_await Exchange(ch, **node, false);
    // This side's history too; a failure to write it is logged, not sent to the peer.
    SyncLogEntry entry = LogEntry(**node, "server", ch.where(), rep, t0);
    if (!rep.ok()) {
      entry.peer_node = ToHex(ch.peer());
      if (const Organisation* o = (*node)->OrgOfNode(ch.peer())) entry.peer_org = o->name;
    }
    if (Status kept = (*node)->RecordSync(entry); !kept.ok())
      log(ch.where() + ": the sync history was not written: " + kept.message());
    if (!rep.ok()) {
      log(ch.where() + " node " + Short(ch.peer()) + ": " + rep.status().message());
      co_await ch.Close(rep.status().message());
      co_return;
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", rep->seconds);
    log(ch.where() + " " + rep->peer_org + " node " + Short(rep->peer_node) + ": received " +
        std::to_string(rep->received) + " record(s)" +
        (rep->refused.empty() ? "" : " (refused " + std::to_string(rep->refused_count) + ": " + rep->refused[0] + ")") +
        ", sent " + std::to_string(rep->sent) + ", " + std::to_string(rep->bytes_received) + " bytes in, " +
        std::to_string(rep->bytes_sent) + " bytes out, " + secs + " s");
    if (opt.done) opt.done(*rep);
  };
  Server::Options so;
  so.limits = opt.limits;
  so.log = log;
  so.max_sessions = opt.max_sessions;
  Server server(io, node_key, policy, handler, so);
  VB_RETURN_IF_ERROR(server.Listen(at));
  if (opt.listening) opt.listening(server.port());
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer poll(io);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.Stop();
    poll.cancel();
  });
  std::function<void()> watch = [&]() {
    poll.expires_after(std::chrono::milliseconds(200));
    poll.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (stop && stop->load()) {
        server.Stop();
        signals.cancel();
        return;
      }
      watch();
    });
  };
  if (stop) watch();
  io.run();
  return Status::Ok();
}

}  // namespace vanban::sync
