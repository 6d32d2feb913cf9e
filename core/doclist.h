// vanban/core — a list of documents: what it is asked by (DocFilter) and what each
// row shows (DocSummary), and a person's inbox (InboxItem); Node::List and Node::Inbox
// read them through the Store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"

namespace vanban {

struct DocSummary {
  std::string id, kind, title, state;
  std::optional<std::string> number;
  int64_t created = 0, since = 0;
};

struct DocFilter {
  std::optional<std::string> state, kind, query;
  size_t limit = 0;  // 0: all
  size_t offset = 0;          // skip this many first (a page of a long list)
  bool newest_first = false;  // by creation time, newest first (default: oldest first)
};

// A document waiting for a person (Node::Inbox): what they are asked to do, since when.
struct InboxItem {
  DocSummary doc;
  std::string action, detail;
  Timestamp since;
};

}  // namespace vanban
