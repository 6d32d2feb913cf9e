// vanban/web (internal) — the pages, rendered to HTML strings. Every piece of user
// text passes through Escape() (web.h). Reads go through Node; nothing here writes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/docfile.h"
#include "core/node.h"

namespace vanban::web {

// A file served from memory: the stylesheet (/style.css) and the script (/app.js).
struct Asset {
  const char* type;
  std::string_view body;
};
const Asset* FindAsset(std::string_view path);

struct Viewer {
  const Person* person = nullptr;  // the logged-in person (nullptr: none)
  std::string csrf;                // the session's token, for every form
};

// "09:00, ngày 05 tháng 02 năm 2024"
std::string DateTime(const Timestamp& t);
// "KẾ HOẠCH" for "directive"...
std::string KindLabel(const std::string& kind);
// A document file rendered readably (org, kind, title, headings, paragraphs, bullets,
// bold/italic, footnotes, recipients): the document page and the compose preview.
std::string DocumentHtml(const DocumentFile& f, const std::string& org_name);
// The hidden CSRF field every POST form carries.
std::string HiddenCsrf(const Viewer& v);
// The whole page around `body`: header (who, logout), title.
std::string Layout(const std::string& title, const Viewer& v, const std::string& body);
// `token`: the form's one-time login token (CSRF on the login form).
std::string LoginPage(Node& node, const std::string& message, const std::string& token);
Result<std::string> InboxPage(Node& node, const Viewer& v);
// `notice`: an error of the last action, shown above the document.
Result<std::string> DocPage(Node& node, const Viewer& v, const std::string& id, const std::string& notice);

// A revision's links for a list of revisions: view it, and compare it with the one it
// continues ("So sánh với r1"), when there is one (history.cc).
std::string RevisionLinks(const Document& d, const Revision& r);

// What `p` may do now on `d` (buttons), in page order: "edit", "route", "comment",
// "approve", "submit", "return", "sign", "issue", "receive".
std::vector<std::string> AllowedActions(const Document& d, const Person& p);

}  // namespace vanban::web
