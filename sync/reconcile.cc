#include "sync/reconcile.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace vanban::sync {

namespace {

enum Mode : uint8_t { kSkip = 0, kFingerprint = 1, kIds = 2, kWant = 3 };
constexpr uint8_t kEndOfSpace = 0xFF;
constexpr size_t kFingerprintBytes = 16;
constexpr size_t kSaltBytes = crypto_shorthash_siphashx24_KEYBYTES;  // 16

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A strict reader: every failure names what was being read.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool empty() const { return pos_ == s_.size(); }
  size_t left() const { return s_.size() - pos_; }
  Status Byte(uint8_t* b, const char* what) {
    if (left() < 1) return Short(what);
    *b = static_cast<uint8_t>(s_[pos_++]);
    return Status::Ok();
  }
  Status Bytes(void* out, size_t n, const char* what) {
    if (left() < n) return Short(what);
    std::memcpy(out, s_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }
  Status Varint(uint64_t* v, const char* what) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      VB_RETURN_IF_ERROR(Byte(&b, what));
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return Status::Ok();
    }
    return Status::Peer(std::string("reconciliation: ") + what + " is not a valid number");
  }

 private:
  Status Short(const char* what) { return Status::Peer(std::string("reconciliation: message ends inside ") + what); }
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

struct Reconciler::Bound {
  bool end = true;
  Id v{};  // a prefix padded with zeros
  uint8_t len = 0;
  bool Above(const Id& id) const { return end || std::memcmp(id.data(), v.data(), v.size()) < 0; }
  bool operator<=(const Bound& o) const {
    if (o.end) return true;
    if (end) return false;
    return std::memcmp(v.data(), o.v.data(), v.size()) <= 0;
  }
  // The shortest bound above `a` and at most `b` (a < b).
  static Bound Between(const Id& a, const Id& b) {
    Bound out;
    out.end = false;
    size_t i = 0;
    while (i < a.size() && a[i] == b[i]) ++i;
    out.len = static_cast<uint8_t>(std::min(i + 1, a.size()));
    std::memcpy(out.v.data(), b.data(), out.len);
    return out;
  }
  void Encode(std::string& out) const {
    if (end) {
      out.push_back(static_cast<char>(kEndOfSpace));
      return;
    }
    out.push_back(static_cast<char>(len));
    out.append(reinterpret_cast<const char*>(v.data()), len);
  }
  static Status Decode(Reader& r, Bound* b) {
    uint8_t len;
    VB_RETURN_IF_ERROR(r.Byte(&len, "a range bound"));
    *b = Bound();
    if (len == kEndOfSpace) return Status::Ok();
    if (len > b->v.size()) return Status::Peer("reconciliation: a range bound longer than an id");
    b->end = false;
    b->len = len;
    return r.Bytes(b->v.data(), len, "a range bound");
  }
};

Reconciler::Reconciler(std::vector<Id> ids) : ids_(std::move(ids)), peer_lacks_(ids_.size(), 0) {}

void Reconciler::Salt(const uint8_t* key) {
  // Ids are summed as keyed hashes under a key fresh for each session: a record's
  // author, who can choose ids, cannot make two different sets sum alike.
  keyed_.resize(ids_.size());
  for (size_t i = 0; i < ids_.size(); ++i)
    crypto_shorthash_siphashx24(reinterpret_cast<uint8_t*>(keyed_[i].data()), ids_[i].data(), ids_[i].size(), key);
  salted_ = true;
}

std::string Reconciler::Fingerprint(size_t from, size_t to) const {
  // The sum modulo 2^128 of the keyed hashes (little-endian words), then the count.
  uint64_t lo = 0, hi = 0;
  for (size_t i = from; i < to; ++i) {
    uint64_t a = keyed_[i][0], b = keyed_[i][1];
    lo += a;
    hi += b + (lo < a);
  }
  uint8_t in[24];
  std::memcpy(in, &lo, 8);
  std::memcpy(in + 8, &hi, 8);
  uint64_t n = to - from;
  std::memcpy(in + 16, &n, 8);
  std::string fp(kFingerprintBytes, '\0');
  crypto_generichash(reinterpret_cast<uint8_t*>(fp.data()), fp.size(), in, sizeof in, nullptr, 0);
  return fp;
}

size_t Reconciler::Lower(const Bound& b) const {
  return static_cast<size_t>(std::partition_point(ids_.begin(), ids_.end(), [&](const Id& id) { return b.Above(id); }) -
                             ids_.begin());
}

namespace {

void EncodeIds(std::string& out, const Id* first, const Id* last) {
  PutVarint(out, static_cast<uint64_t>(last - first));
  for (const Id* id = first; id != last; ++id) out.append(reinterpret_cast<const char*>(id->data()), id->size());
}

}  // namespace

std::string Reconciler::Start() {
  std::string out(kSaltBytes, '\0');
  randombytes_buf(out.data(), out.size());
  Salt(reinterpret_cast<const uint8_t*>(out.data()));
  Bound().Encode(out);
  if (ids_.size() <= kListAtMost) {
    out.push_back(static_cast<char>(kIds));
    EncodeIds(out, ids_.data(), ids_.data() + ids_.size());
  } else {
    out.push_back(static_cast<char>(kFingerprint));
    out += Fingerprint(0, ids_.size());
    PutVarint(out, ids_.size());
  }
  return out;
}

// One range of the peer's message as it is answered: its bound, the bound before it,
// this side's ids inside it (ids_[lo, hi)); its payload is read from `in`.
struct Reconciler::Range {
  Reader& in;
  const Bound& b;
  const Bound& prev;
  bool lowest;  // the first range starts at the bottom of the space
  size_t lo, hi;
};

// The answer being written, range by range.
struct Reconciler::Reply {
  std::string out;
  bool asked = false;    // the peer's message needs an answer (fingerprints or ids)
  bool asking = false;   // ours does
  bool last_skip = false;
  size_t last_skip_at = 0;  // where the last skip range's bound starts in `out`
  void Emit(const Bound& b, Mode m) {
    if (m == kSkip && last_skip) {
      out.resize(last_skip_at);  // widen the previous skip instead
    }
    if (m == kSkip) {
      last_skip = true;
      last_skip_at = out.size();
    } else {
      last_skip = false;
    }
    b.Encode(out);
    out.push_back(static_cast<char>(m));
  }
};

// The peer's fingerprint of a range: settled if ours matches; else our ids, listed
// when few, or the range split in kFanout parts, each listed or fingerprinted.
Status Reconciler::AnswerFingerprint(Range& r, Reply& reply) {
  reply.asked = true;
  std::string fp(kFingerprintBytes, '\0');
  VB_RETURN_IF_ERROR(r.in.Bytes(fp.data(), fp.size(), "a fingerprint"));
  uint64_t theirs;
  VB_RETURN_IF_ERROR(r.in.Varint(&theirs, "a range count"));
  const size_t lo = r.lo, hi = r.hi, count = hi - lo;
  const Id* mine = ids_.data() + lo;
  if (theirs == count && fp == Fingerprint(lo, hi)) {
    reply.Emit(r.b, kSkip);
  } else if (count <= kListAtMost) {
    reply.Emit(r.b, kIds);
    EncodeIds(reply.out, mine, mine + count);
    reply.asking = true;
  } else {
    const size_t chunk = (count + kFanout - 1) / kFanout;
    for (size_t start = lo; start < hi; start += chunk) {
      size_t end = std::min(start + chunk, hi);
      Bound sub = end == hi ? r.b : Bound::Between(ids_[end - 1], ids_[end]);
      if (end - start <= kListAtMost) {
        reply.Emit(sub, kIds);
        EncodeIds(reply.out, ids_.data() + start, ids_.data() + end);
      } else {
        reply.Emit(sub, kFingerprint);
        reply.out += Fingerprint(start, end);
        PutVarint(reply.out, end - start);
      }
    }
    reply.asking = true;
  }
  return Status::Ok();
}

// The peer's ids in a range: what each side lacks, ours noted (peer_lacks_), theirs
// asked for with a want (or the range settled when we lack none).
Status Reconciler::AnswerIds(Range& r, Reply& reply) {
  reply.asked = true;
  const size_t lo = r.lo, count = r.hi - r.lo;
  const Id* mine = ids_.data() + lo;
  uint64_t n;
  VB_RETURN_IF_ERROR(r.in.Varint(&n, "an id count"));
  if (n > r.in.left() / sizeof(Id)) return Status::Peer("reconciliation: an id list longer than the message");
  std::vector<Id> theirs(n);
  for (Id& id : theirs) VB_RETURN_IF_ERROR(r.in.Bytes(id.data(), id.size(), "an id"));
  for (size_t i = 0; i < theirs.size(); ++i) {
    bool ordered = i == 0 || theirs[i - 1] < theirs[i];
    bool inside = r.b.Above(theirs[i]) && (r.lowest || !r.prev.Above(theirs[i]));
    if (!ordered || !inside) return Status::Peer("reconciliation: listed ids out of their range or order");
  }
  // Both lists are sorted: one pass finds what each side lacks.
  std::string bits((n + 7) / 8, '\0');
  size_t i = 0, j = 0, wanted = 0;
  while (i < count || j < n) {
    if (j == n || (i < count && mine[i] < theirs[j])) {
      peer_lacks_[lo + i] = 1;
      ++i;
    } else if (i == count || theirs[j] < mine[i]) {
      bits[j / 8] = static_cast<char>(bits[j / 8] | (1 << (j % 8)));
      ++wanted;
      ++j;
    } else {
      ++i;
      ++j;
    }
  }
  if (wanted == 0) {
    reply.Emit(r.b, kSkip);
  } else {
    reply.Emit(r.b, kWant);
    PutVarint(reply.out, n);
    reply.out += bits;
    lacking_ += wanted;
  }
  return Status::Ok();
}

// The peer's want of the ids we listed in a range: those it lacks, noted; settled.
Status Reconciler::AnswerWant(Range& r, Reply& reply) {
  uint64_t n;
  VB_RETURN_IF_ERROR(r.in.Varint(&n, "a want count"));
  if (n != r.hi - r.lo) return Status::Peer("reconciliation: a want that does not match the ids listed");
  std::string bits((n + 7) / 8, '\0');
  VB_RETURN_IF_ERROR(r.in.Bytes(bits.data(), bits.size(), "a want bitmap"));
  for (size_t k = 0; k < n; ++k)
    if (bits[k / 8] & (1 << (k % 8))) peer_lacks_[r.lo + k] = 1;
  reply.Emit(r.b, kSkip);
  return Status::Ok();
}

Result<Reconciler::Step> Reconciler::Answer(std::string_view message) {
  Reader in(message);
  if (!salted_) {
    // The initiator's first message begins with the session's key.
    uint8_t key[kSaltBytes];
    VB_RETURN_IF_ERROR(in.Bytes(key, sizeof key, "the session key"));
    Salt(key);
  }
  Reply reply;
  Bound prev;
  prev.end = false;  // the bottom of the space: all zeros
  bool first = true;
  size_t lo = 0;
  while (true) {
    if (in.empty()) return Status::Peer("reconciliation: the message does not reach the end of the id space");
    Bound b;
    VB_RETURN_IF_ERROR(Bound::Decode(in, &b));
    if (!first && (b <= prev)) return Status::Peer("reconciliation: range bounds out of order");
    const bool lowest = first;  // the first range starts at the bottom of the space
    first = false;
    uint8_t mode = 0;
    VB_RETURN_IF_ERROR(in.Byte(&mode, "a range mode"));
    Range range{in, b, prev, lowest, lo, Lower(b)};
    switch (mode) {
      case kSkip:
        reply.Emit(b, kSkip);
        break;
      case kFingerprint:
        VB_RETURN_IF_ERROR(AnswerFingerprint(range, reply));
        break;
      case kIds:
        VB_RETURN_IF_ERROR(AnswerIds(range, reply));
        break;
      case kWant:
        VB_RETURN_IF_ERROR(AnswerWant(range, reply));
        break;
      default: {
        std::string why = "reconciliation: unknown range mode ";
        why += std::to_string(static_cast<unsigned>(mode));
        return Status::Peer(why);
      }
    }
    lo = range.hi;
    prev = b;
    if (b.end) break;
  }
  if (!in.empty()) return Status::Peer("reconciliation: bytes after the end of the id space");
  if (!reply.asked) return Step{std::nullopt, true};
  return Step{std::move(reply.out), !reply.asking};
}

std::vector<size_t> Reconciler::PeerLacks() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < ids_.size(); ++i)
    if (peer_lacks_[i]) out.push_back(i);
  return out;
}

}  // namespace vanban::sync
