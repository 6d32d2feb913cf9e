// vanban/sync — a sync session between two nodes, and the two ways to start one.
//
// Owns what moves over an established Channel (docs/sync-protocol.md, "Session"):
// both sides reconcile the ids of the records each may share with the other
// (Node::SharedWith: the peer's scope), then the client sends the records the
// server lacks, in its arrival order (parents first) and in batches that the
// server ingests one transaction each through Node::Ingest, with the blobs they
// name; then the server does the same the other way. Each side reports what it
// accepted. A session cut at any point leaves every batch either in or out; the
// next session moves only what is still missing.
//
// SyncWith (the `vanban sync` command) and Serve (`vanban serve`) run their own
// io_context; everything else is a coroutine on the caller's.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/node.h"
#include "sync/channel.h"

namespace vanban::sync {

struct SessionReport {
  std::string peer_org;  // the peer organisation's name
  PublicKey peer_node{};
  bool same_org = false;
  size_t sent = 0;                    // records sent
  size_t received = 0;                // records the peer sent that were new here and accepted
  size_t duplicate = 0;               // ... that were already here
  size_t refused_count = 0;           // ... that were refused here
  std::vector<std::string> refused;   // the first of the reasons (kMaxKeptReasons)
  size_t blobs_sent = 0, blobs_received = 0;
  size_t peer_accepted = 0, peer_refused = 0;  // as the peer reported of what we sent
  std::vector<std::string> peer_refusals;      // the first of its reasons
  uint64_t bytes_sent = 0, bytes_received = 0;
  double seconds = 0;
};

struct ExchangeOptions {
  size_t batch_records = 1000;   // records per batch (one transaction on the receiving side)
  size_t batch_bytes = 4u << 20; // bytes per batch, about
};

// The session on an established channel; `initiator` is the client's side. `node`
// must know the peer's organisation (the handshake's policy saw to it).
awaitable<Result<SessionReport>> Exchange(Channel& channel, Node& node, bool initiator, ExchangeOptions options = {});

// The policy `serve` and `sync` apply: nodes admitted by this organisation or by a
// trusted one (read from `node` now).
Policy NodePolicy(Node& node);

// `vanban sync HOST:PORT`: connects, runs one session, returns its report.
// Network and peer failures are Status::Peer (exit 5).
Result<SessionReport> SyncWith(Node& node, const SecretKey& node_key, const std::string& host_port,
                               Limits limits = {});

// `vanban sync` and the web's "sync now": SyncWith, then the session, good or failed,
// in this node's sync history (Node::RecordSync, side "client", keyed by `host_port`).
// Returns SyncWith's result; if that was good but the history could not be written,
// a BadInput that says both.
Result<SessionReport> SyncAndRecord(Node& node, const SecretKey& node_key, const std::string& host_port,
                                    Limits limits = {});

struct ServeOptions {
  Limits limits;
  size_t max_sessions = wire::kDefaultMaxSessions;
  std::function<void(const std::string&)> log;     // one line per session or failure
  std::function<void(uint16_t port)> listening;    // once bound
  std::function<void(const SessionReport&)> done;  // after each good session (tests)
};

// `vanban serve --listen HOST:PORT`: serves syncs for the node at `home` (opened
// with `node_options` afresh for every session, so changes by other commands are
// seen) until SIGINT or SIGTERM, or until `*stop` becomes true (checked a few times
// a second). Each session after the handshake goes into the node's sync history
// (side "server").
Status Serve(const std::string& home, const NodeOptions& node_options, const SecretKey& node_key,
             const std::string& listen, ServeOptions options, const std::atomic<bool>* stop = nullptr);

// "HOST:PORT" (IPv6 hosts in brackets) to an endpoint; names resolve locally.
Result<tcp::endpoint> ParseEndpoint(const std::string& host_port);

}  // namespace vanban::sync
