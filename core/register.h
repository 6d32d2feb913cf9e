// vanban/core — the registers (sổ đăng ký): which rows to read (RegisterQuery), what
// Node::ReadRegister is asked and the Store's register queries are built from, and
// the rows it gives (RegisterEntry, RegisterPage).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace vanban {

// Which rows of a register to read (ReadRegister).
struct RegisterQuery {
  bool incoming = false;
  std::optional<int> year;  // all years when absent
  // Rows holding every word of it, diacritics optional ("ke hoach" finds "Kế hoạch"):
  // in the number, dates (2024-03-05 or 05/03/2024), kind, title, signer, incoming
  // number, and the names of the organisations and people the row shows.
  // At most kMaxWords different words (BadInput beyond): each word is a clause.
  std::string query;
  static constexpr size_t kMaxWords = 12;
  size_t offset = 0, limit = 0;  // a page of the listed rows; limit 0: all
  // Only rows whose number was also given to another document and lost it: the
  // documents to issue (receive) again.
  bool lost_only = false;
};

// An addressed organisation's receipt of an issued document, as the issuer sees it.
struct RegisterReceipt {
  std::string org, by, at, date;  // receiving organisation's name, its clerk, when, arrival date
  int number = 0;                 // the incoming number it gave the document
};

// A row of the outgoing register (Register(y, false)) or of the incoming one
// (Register(y, true)). Incoming: `number`, `date`, `seq` and `year` are this
// organisation's incoming number and arrival date ("" and 0 until received), the
// issuer's number and date are `their_number`, `their_date`.
struct RegisterEntry {
  std::string number, date, kind, title, signer, doc;
  int year = 0, seq = 0;
  std::string symbol;
  std::vector<std::string> collides_with;  // other documents holding the same number
  bool must_reissue = false;               // this one lost the collision (deterministic)
  // outgoing: which addressed organisations have received it, and which not yet
  std::vector<RegisterReceipt> receipts;
  std::vector<std::string> awaiting;
  // incoming
  bool received = false;
  bool must_rereceive = false;  // its incoming number was also given to another document, which keeps it
  std::string their_number, their_date, from, received_by;
};

struct RegisterPage {
  // Outgoing: issued documents; incoming: received ones. Register order.
  std::vector<RegisterEntry> rows;
  size_t total = 0;  // listed rows matching, on every page
  // Incoming: documents addressed to this organisation not yet received, of every
  // year (matching the query; not paged). Always empty for the outgoing register.
  std::vector<RegisterEntry> awaiting;
};

}  // namespace vanban
