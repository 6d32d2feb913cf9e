// fuzz_record: Record::Decode, SplitRecordList and text::ParseDecimal on untrusted bytes.
//
// Checks, besides "never crashes / no ASan or UBSan report":
//  - every accepted record re-encodes from its decoded fields to exactly the input
//    (Encode(Decode(b)) == b, docs/records.md): the bytes before the "sig" line are
//    rebuilt from type, cards and text, and the sig line is "sig " + 128 lowercase hex;
//  - its id is BLAKE2b-256 of the input, and decoding its bytes again gives the same fields;
//  - a record list ("vanban-card 1") that splits re-encodes to the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/record.h"
#include "core/text.h"

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_record: invariant broken: %s\n", what);
  std::abort();
}

std::string Unsigned(const vanban::Record& r) {
  std::string out = "vanban-record 1\ntype " + r.type() + "\n";
  for (const vanban::Card& c : r.cards()) out += c.key + " " + c.value + "\n";
  if (r.text()) out += "text " + std::to_string(r.text()->size()) + "\n" + *r.text() + "\n";
  return out;
}

// The one strict reading of numbers in records (year, seq, number, text length): what it
// accepts is exactly the decimal form vanban writes, so writing it back gives the input.
void CheckDecimal(std::string_view s) {
  auto v = vanban::text::ParseDecimal(s);
  if (v && std::to_string(*v) != s) Fail("ParseDecimal accepted a form vanban does not write");
  auto small = vanban::text::ParseDecimal(s, 9999);
  if (small && (!v || *small != *v || *small > 9999)) Fail("ParseDecimal's bound");
}

void CheckRecord(std::string_view in) {
  auto rec = vanban::Record::Decode(in);
  if (!rec.ok()) return;
  const vanban::Record& r = *rec;
  if (r.bytes() != in) Fail("bytes() differs from the decoded input");
  if (r.id() != vanban::crypto::Blake2b(in)) Fail("id is not BLAKE2b-256 of the bytes");
  const std::string body = Unsigned(r);
  if (in.substr(0, body.size()) != body) Fail("re-encoding the fields does not give the input");
  std::string_view sig = in.substr(body.size());
  if (sig.size() != 4 + 128 + 1 || sig.substr(0, 4) != "sig " || sig.back() != '\n') Fail("the sig line");
  for (char c : sig.substr(4, 128))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) Fail("sig is not lowercase hex");
  vanban::PublicKey by;
  if (!vanban::FromHex(r.Get("by"), &by) || by != r.author()) Fail("author() is not the by card");
  auto again = vanban::Record::Decode(r.bytes());
  if (!again.ok() || again->type() != r.type() || again->cards() != r.cards() || again->text() != r.text())
    Fail("decoding the bytes again differs");
  for (const vanban::Card& c : r.cards()) CheckDecimal(c.value);
  (void)r.VerifySignature();  // true or false: must not crash
  (void)r.parents();
}


}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!vanban::crypto::Init().ok()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckRecord(in);
  CheckDecimal(in.substr(0, 24));
  constexpr std::string_view kCardMagic = "vanban-card 1\n";
  auto parts = vanban::SplitRecordList(kCardMagic, in, "a fuzzed card");
  if (parts.ok()) {
    std::string again(kCardMagic);
    for (const std::string& p : *parts) {
      again += "record " + std::to_string(p.size()) + "\n" + p;
      CheckRecord(p);
    }
    // Lengths may be written with leading zeros in the input; the canonical form has none.
    // So: the split of the canonical form gives the same parts.
    auto parts2 = vanban::SplitRecordList(kCardMagic, again, "a fuzzed card");
    if (!parts2.ok() || *parts2 != *parts) Fail("re-splitting a record list differs");
  }
  return 0;
}
