// vanban/core — which rows of a register to read (RegisterQuery): what
// Node::ReadRegister is asked, and what the Store's register queries are built from.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

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

}  // namespace vanban
