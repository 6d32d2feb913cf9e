// vanban/core — one sync session as this node recorded it (table sync_log):
// what Node::RecordSync writes and Node::SyncLog reads (through the Store).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.h"

namespace vanban {

// One sync session as this node saw it: its sync history (Node::RecordSync), shown
// on the web's peers page. Local to the node: not a record, never synced, not checked.
struct SyncLogEntry {
  Timestamp at;             // when the session ended
  std::string side;         // "client": this node called (`sync`); "server": the peer called (`serve`)
  std::string address;      // client: HOST:PORT as given; server: where the peer called from
  std::string peer_org;     // the peer organisation's name; "" when the session never reached it
  std::string peer_node;    // the peer's node key, hex; "" likewise
  int64_t sent = 0, received = 0, duplicate = 0, refused = 0;  // records, as SessionReport counts them
  int64_t peer_refused = 0;  // of those sent, refused by the peer
  bool ok = false;
  std::string message;      // why it failed, else the first refusal ("" when none)
  int64_t ms = 0;           // how long it took
};
// Sessions kept per peer (an address called, or a node that called); older ones go.
inline constexpr size_t kSyncLogPerPeer = 20;

}  // namespace vanban
