// vanban/core — Record: the one immutable, signed, content-addressed unit of change.
//
// Canonical encoding (docs/records.md, version 1), Fossil-style cards:
//
//   "vanban-record 1" LF
//   "type " TYPE LF
//   *( KEY " " VALUE LF )          ; sorted by (KEY, VALUE), no duplicates
//   [ "text " LEN LF BYTES LF ]    ; LEN decimal, BYTES UTF-8 NFC
//   "sig " 128HEX LF               ; Ed25519 by the "by" key over every byte before "sig"
//
// The record id is BLAKE2b-256 of all of its bytes. Decode() rejects anything
// off-spec with one message per rule; Encode(Decode(b)) == b for every accepted b.
// Records are values; all functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/status.h"

namespace vanban {

inline constexpr size_t kMaxRecordBytes = 16u << 20;   // a record, text included
inline constexpr size_t kMaxTextBytes = 10u << 20;     // a document file
inline constexpr size_t kMaxValueBytes = 4096;         // one card value

struct Card {
  std::string key;
  std::string value;
  auto operator<=>(const Card&) const = default;
};

using RecordId = Hash;

class Record {
 public:
  // Building: set type, add cards (any order), optional text, then Sign().
  explicit Record(std::string type = {}) : type_(std::move(type)) {}
  void Add(std::string key, std::string value);
  void SetText(std::string text) { text_ = std::move(text); }
  // Names the author before signing, so the rules can be checked first.
  void SetAuthor(const PublicKey& pk);
  // Sets the "by" card to the key's public key, encodes, signs, and checks its own
  // signature (as minisign does) before returning the encoded bytes.
  Status Sign(const SecretKey& key);

  static Result<Record> Decode(std::string_view bytes);
  // Checks the signature against the "by" key.
  bool VerifySignature() const;

  const std::string& type() const { return type_; }
  const std::vector<Card>& cards() const { return cards_; }
  const std::optional<std::string>& text() const { return text_; }
  const std::string& bytes() const { return bytes_; }  // empty until signed/decoded
  const RecordId& id() const { return id_; }
  std::string id_hex() const { return ToHex(id_); }

  // First value of `key`, or "" if absent.
  const std::string& Get(std::string_view key) const;
  bool Has(std::string_view key) const;
  std::vector<std::string> GetAll(std::string_view key) const;
  PublicKey author() const;           // the "by" card
  std::vector<RecordId> parents() const;  // the "parent" cards

 private:
  std::string Unsigned() const;  // canonical bytes before the "sig" line
  std::string type_;
  std::vector<Card> cards_;
  std::optional<std::string> text_;
  Signature sig_{};
  std::string bytes_;
  RecordId id_{};
  // The "by" card as a key, once known to be one (decoded or signed).
  PublicKey author_{};
  bool author_known_ = false;
};

// Indices of `records` in causal order: parents before children; among records
// whose parents are all placed, the earliest "at", then the smallest id, goes first.
// Parents absent from the set are ignored. Deterministic for a given set.
std::vector<size_t> CausalOrder(const std::vector<Record>& records);

// Several records as one file (organisation cards, the proof inside a PDF):
//   list   = magic-line *( "record " LEN LF LEN-bytes )     ; LEN decimal
// where magic-line is e.g. "vanban-card 1\n" (docs/records.md).
std::string EncodeRecordList(std::string_view magic, const std::vector<Record>& records);
// The records' bytes, in order (not decoded). `what` names the list in messages.
Result<std::vector<std::string>> SplitRecordList(std::string_view magic, std::string_view bytes,
                                                 std::string_view what);

}  // namespace vanban
