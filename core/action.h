// vanban/core — what a person does to a document, as a value (Node::Do).
//
// Each action names its document (an id, an id prefix, or an issued number) and
// what the person gave; Node::Do checks it against the rules (core/workflow.h: the
// table of who may do what), builds the record, signs it and ingests it — the path a
// peer's record takes — in one transaction. The CLI and the web build these values
// from what was typed or posted; new kinds of work add their actions here.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"

namespace vanban {

// Asked for a passphrase only when an action needs a key; returns it or says why not.
using PassphraseSource = std::function<Result<std::string>()>;

struct Actor {
  std::string login;            // empty: DefaultLogin()
  PassphraseSource passphrase;  // for the person's key
  PassphraseSource pin;         // for their signing key when it is on a token (BindToken)
};

namespace act {

// doc.create: a new document from a document file's bytes (`where` names the file
// in messages).
struct Draft {
  std::string bytes, where;
};
// doc.revise: a new revision; `base` continues that revision (rN or an id prefix)
// instead of every current head.
struct Revise {
  std::string doc, bytes, where, base;
};
struct Route {
  std::string doc;
  std::vector<std::string> to;  // reviewers' logins
};
struct Comment {
  std::string doc, text;
};
struct Approve {
  std::string doc;
};
struct Submit {
  std::string doc, to;  // the signer's login
};
struct Return {
  std::string doc, reason;
};
// Signing also makes the document's signed copy (NodeOptions::signed_copy).
struct Sign {
  std::string doc;
  bool on_behalf = false;  // KT.: a deputy signs for the head
};
// The next number of the year in the outgoing register, today's date, the seal, and
// the sealed copy. An issued document is issued again only when its number was also
// given to another document, which keeps it.
struct Issue {
  std::string doc;
};
// The records office of an addressed organisation registers an issued document as
// incoming (the next incoming number of the year, today's date), once its signed copy
// is checked (NodeOptions::receipt_check); again only when that number collided and lost.
struct Receive {
  std::string doc;
};
// An issued document withdrawn by a later decision.
struct Revoke {
  std::string doc, reason;
};

}  // namespace act

using Action = std::variant<act::Draft, act::Revise, act::Route, act::Comment, act::Approve, act::Submit,
                            act::Return, act::Sign, act::Issue, act::Receive, act::Revoke>;

// What an action made.
struct Done {
  std::string id;      // the document (hex)
  std::string record;  // the record the action made (hex); for Draft and Revise, the revision
  std::string number;  // Issue: the outgoing number ("174/KH-SNgV"); Receive: the incoming number; else ""
};

}  // namespace vanban
