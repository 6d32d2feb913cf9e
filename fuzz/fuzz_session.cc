// fuzz_session: the session messages' parsers (sync/messages.h) on untrusted bytes.
//
// The first byte is the message type, as on the wire: 'B' a batch, 'A' a report,
// anything else: both parsers on the rest. Checks, besides "never crashes":
//  - an accepted batch re-encodes (canonical varints) to bytes that parse to the same
//    blobs and records, and never holds more entries than the message has bytes;
//  - an accepted report carries at most kMaxReportedReasons reasons of <= 300 bytes,
//    and re-encodes to a report that parses to the same figures;
//  - every record of an accepted batch goes through Record::Decode without crashing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/record.h"
#include "sync/messages.h"

namespace {

using namespace vanban::sync;

void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_session: invariant broken: %s\n", what);
  std::abort();
}

void Batch(std::string_view body) {
  std::vector<std::string> blobs, records;
  if (!ParseBatch(body, blobs, records).ok()) return;
  if (blobs.size() + records.size() > body.size()) Fail("more entries than bytes");
  std::string again;
  PutVarint(again, blobs.size());
  for (const std::string& b : blobs) PutBytes(again, b);
  PutVarint(again, records.size());
  for (const std::string& r : records) PutBytes(again, r);
  if (again.size() > body.size()) Fail("the canonical encoding is longer than the input");
  std::vector<std::string> blobs2, records2;
  if (!ParseBatch(again, blobs2, records2).ok() || blobs2 != blobs || records2 != records)
    Fail("a re-encoded batch parses differently");
  for (const std::string& r : records) (void)vanban::Record::Decode(r);
}

void Report(std::string_view body) {
  SessionReport rep;
  if (!ParseReport(body, rep).ok()) return;
  if (rep.peer_refusals.size() > kMaxReportedReasons) Fail("too many reasons");
  for (const std::string& r : rep.peer_refusals)
    if (r.size() > 300) Fail("a reason longer than 300 bytes");
  std::string again;
  PutVarint(again, rep.peer_accepted);
  PutVarint(again, 0);
  PutVarint(again, rep.peer_refused);
  PutVarint(again, rep.peer_refusals.size());
  for (const std::string& r : rep.peer_refusals) PutBytes(again, r);
  SessionReport rep2;
  if (!ParseReport(again, rep2).ok() || rep2.peer_accepted != rep.peer_accepted ||
      rep2.peer_refused != rep.peer_refused || rep2.peer_refusals != rep.peer_refusals)
    Fail("a re-encoded report parses differently");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!vanban::crypto::Init().ok()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (static_cast<char>(data[0])) {
    case kBatch: Batch(body); break;
    case kReport: Report(body); break;
    default:
      Batch(body);
      Report(body);
  }
  return 0;
}
