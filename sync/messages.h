// vanban/sync — internal: the session messages' encoding (docs/sync-protocol.md,
// "Session"): message type bytes, LEB128 varints, length-prefixed bytes, and the
// parsers of a batch and of a report. Used by session.cc and by the fuzz targets;
// not a public header. Parsers never trust the peer: any shortfall is Status::Peer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sync/session.h"

namespace vanban::sync {

// Message types (the first byte of every frame of a session).
inline constexpr char kReconcile = 'R';
inline constexpr char kBatch = 'B';
inline constexpr char kEnd = 'E';
inline constexpr char kReport = 'A';
inline constexpr size_t kMaxReportedReasons = 20;  // reasons a report carries, at most

void PutVarint(std::string& out, uint64_t v);
void PutBytes(std::string& out, std::string_view b);  // varint length, then the bytes

// Reads a session message's fields; any shortfall is the peer's fault.
class Fields {
 public:
  explicit Fields(std::string_view s) : s_(s) {}
  Status Varint(uint64_t* v);
  Status Bytes(std::string* out);
  bool done() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// batch = count *(bytes) count *(bytes): the blobs, then the records (the body, after
// the type byte).
Status ParseBatch(std::string_view body, std::vector<std::string>& blobs, std::vector<std::string>& records);

// report = accepted duplicate refused count *(reason); fills rep.peer_accepted,
// rep.peer_refused and appends to rep.peer_refusals (each cut to 300 bytes).
Status ParseReport(std::string_view body, SessionReport& rep);

}  // namespace vanban::sync
