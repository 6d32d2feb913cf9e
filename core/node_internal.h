// vanban/core (internal) — what the parts of Node share (node.cc, replication.cc,
// people.cc): limits, the card's magic, and the checks of the text people type.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

#include "core/record.h"
#include "core/status.h"
#include "core/text.h"

namespace vanban::node_internal {

inline constexpr size_t kMaxKeyFile = 4096;
inline constexpr size_t kMaxCard = 4u << 20;
inline constexpr std::string_view kCardMagic = "vanban-card 1\n";

inline void Wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

// Holds a passphrase for the length of one action and wipes it afterwards.
struct HeldPassphrase {
  std::string value;
  ~HeldPassphrase() { Wipe(value); }
};

inline bool ValidCode(std::string_view c) {
  if (c.empty() || c.size() > 32) return false;
  return text::CheckUtf8(c).ok() && c.find_first_of(" /\t\n") == std::string_view::npos;
}

inline Status NeedText(const std::string& v, const std::string& what) {
  if (text::Trim(v).empty()) return Status::BadInput(what + " is empty");
  if (text::HasControl(v) || !text::CheckUtf8(v).ok()) return Status::BadInput(what + " must be one line of UTF-8 text");
  if (v.size() > kMaxValueBytes) return Status::BadInput(what + " is too long");
  return Status::Ok();
}

inline Result<std::string> Nfc(const std::string& v, const std::string& what) {
  VB_RETURN_IF_ERROR(NeedText(v, what));
  VB_ASSIGN_OR_RETURN(std::string n, text::Normalize(text::Trim(v)));
  return n;
}

}  // namespace vanban::node_internal
