#include "sync/messages.h"

namespace vanban::sync {

namespace {
Status Bad() { return Status::Peer("a malformed session message"); }
}  // namespace

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutBytes(std::string& out, std::string_view b) {
  PutVarint(out, b.size());
  out += b;
}

Status Fields::Varint(uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= s_.size()) return Bad();
    uint8_t b = static_cast<uint8_t>(s_[pos_++]);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return Status::Ok();
  }
  return Bad();
}

Status Fields::Bytes(std::string* out) {
  uint64_t n;
  VB_RETURN_IF_ERROR(Varint(&n));
  if (n > s_.size() - pos_) return Bad();
  out->assign(s_.substr(pos_, n));
  pos_ += n;
  return Status::Ok();
}

Status ParseBatch(std::string_view body, std::vector<std::string>& blobs, std::vector<std::string>& records) {
  Fields f(body);
  for (std::vector<std::string>* list : {&blobs, &records}) {
    uint64_t n;
    VB_RETURN_IF_ERROR(f.Varint(&n));
    if (n > body.size()) return Status::Peer("a malformed batch");
    list->resize(n);
    for (std::string& b : *list) VB_RETURN_IF_ERROR(f.Bytes(&b));
  }
  if (!f.done()) return Status::Peer("bytes after a batch");
  return Status::Ok();
}

Status ParseReport(std::string_view body, SessionReport& rep) {
  Fields f(body);
  uint64_t accepted, duplicate, refused, reasons;
  VB_RETURN_IF_ERROR(f.Varint(&accepted));
  VB_RETURN_IF_ERROR(f.Varint(&duplicate));
  VB_RETURN_IF_ERROR(f.Varint(&refused));
  VB_RETURN_IF_ERROR(f.Varint(&reasons));
  if (reasons > kMaxReportedReasons) return Status::Peer("a malformed report");
  for (uint64_t i = 0; i < reasons; ++i) {
    std::string r;
    VB_RETURN_IF_ERROR(f.Bytes(&r));
    rep.peer_refusals.push_back(r.substr(0, 300));
  }
  if (!f.done()) return Status::Peer("bytes after a report");
  rep.peer_accepted = accepted;
  rep.peer_refused = refused;
  return Status::Ok();
}

}  // namespace vanban::sync
