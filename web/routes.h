// vanban/web (internal) — what a page handler sees and returns, independent of HTTP
// plumbing. server.cc parses the request into a Call (its fields, uploaded files),
// checks the session and the CSRF token, then offers the Call to each group of routes
// in turn; the first that answers wins. Each group lives in its own file:
//   pages.cc     inbox, document page, the document actions (with confirmation), PDF
//   compose.cc   new document / new revision, live preview
//   history.cc   revisions, word diff, full history, PDF of any revision
//   registers.cc outgoing/incoming registers, export, archive export
//   peers.cc     peers, sync now, bundles; verify an uploaded PDF
// Handlers read and act only through Node (the CLI's path); long work goes to Jobs.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/node.h"
#include "web/pages.h"

namespace vanban::web {

class Jobs;

struct Upload {
  std::string filename, content_type, bytes;
};

struct Call {
  bool post = false;
  std::string path;                     // without the query string, e.g. "/doc/ab12.../sign"
  std::map<std::string, Upload> files;  // multipart file fields by name
  // Every (name, value) the request gives, decoded, in order: a POST's form fields
  // (urlencoded or multipart), a GET's query (?a=b&c=d). A POST's query string is not
  // read: no form of ours posts one. Wiped after the request (a field may be a passphrase).
  std::multimap<std::string, std::string> all;

  // The last value of a field; "" when absent.
  std::string Field(const std::string& name) const;
  // Every value of a repeated field ("to=a&to=b"), in order.
  std::vector<std::string> Fields(const std::string& name) const;
};

struct Reply {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static Reply Html(std::string body, int status = 200);
  static Reply Redirect(const std::string& to);
  // A download; `disposition` "inline" or "attachment", `filename` ASCII.
  static Reply File(std::string bytes, const std::string& type, const std::string& disposition,
                    const std::string& filename);
  static Reply Json(std::string body, int status = 200);
};

struct Ctx {
  Node& node;
  const Viewer& viewer;
  const std::string& home;               // the node's folder (for a job's own Node)
  std::function<Actor()> actor;          // the logged-in person, unlocking with the session's passphrase
  std::function<std::string()> passphrase;  // the session's passphrase (for a job that signs); wiped by the caller
  Jobs& jobs;
};

// An error page inside the layout (status 4xx/5xx).
Reply ErrorReply(const Viewer& v, int status, const std::string& message);
// The HTTP status of a Status that is not Ok: 404 not found, 409 refused, 400 otherwise.
int HttpStatusOf(const Status& s);

// The route groups, in the order server.cc tries them. nullopt: not mine.
std::optional<Reply> DocRoutes(Ctx& c, const Call& call);
std::optional<Reply> ComposeRoutes(Ctx& c, const Call& call);
std::optional<Reply> HistoryRoutes(Ctx& c, const Call& call);
std::optional<Reply> RegisterRoutes(Ctx& c, const Call& call);
std::optional<Reply> PeerRoutes(Ctx& c, const Call& call);
std::optional<Reply> JobRoutes(Ctx& c, const Call& call);

// "/doc/<hex>/<rest>": the id and the rest ("" for the page itself); false if not such a path.
bool DocPath(const std::string& path, std::string* id, std::string* rest);

}  // namespace vanban::web
