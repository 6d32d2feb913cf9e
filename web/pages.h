// vanban/web (internal) — the pages, rendered to HTML strings. Every piece of user
// text passes through Escape() (web.h). Reads go through Node; nothing here writes.
#pragma once

#include <string>
#include <vector>

#include "core/node.h"

namespace vanban::web {

extern const char kCss[];

struct Viewer {
  const Person* person = nullptr;  // the logged-in person (nullptr: none)
  std::string csrf;                // the session's token, for every form
};

// The whole page around `body`: header (who, logout), title.
std::string Layout(const std::string& title, const Viewer& v, const std::string& body);
std::string LoginPage(Node& node, const std::string& message);
Result<std::string> InboxPage(Node& node, const Viewer& v);
// `notice`: an error of the last action, shown above the document.
Result<std::string> DocPage(Node& node, const Viewer& v, const std::string& id, const std::string& notice);

// What `p` may do now on `d` (buttons): "comment", "approve", "sign".
std::vector<std::string> AllowedActions(const Document& d, const Person& p);

}  // namespace vanban::web
