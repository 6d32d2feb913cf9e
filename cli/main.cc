// vanban — the command-line program. Parses arguments (CLI11), calls the one set
// of operations in core::Node, prints text or JSON, exits with the contract's codes
// (docs/cli.md). The only place that writes to stdout/stderr or exits.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/passphrase.h"
#include "core/files.h"
#include "core/node.h"
#include "core/text.h"
#include "core/x509.h"
#include "pdf/pdf.h"
#include "sync/bundle.h"
#include "sync/session.h"
#include "sync/tsa.h"
#include "web/web.h"

using nlohmann::json;

namespace vanban::cli {
namespace {

constexpr const char* kVersion = "0.1.0";

struct Globals {
  std::string home;
  bool json = false;
  std::string as;
  std::string passphrase_file;
  std::string pin_file;
};

std::string DefaultHome() {
  if (const char* h = std::getenv("VANBAN_HOME"); h && *h) return h;
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/vanban";
  return ".vanban";
}

int Fail(const Status& s) {
  std::cerr << "vanban: " << s.message() << "\n";
  return s.exit_code();
}

std::string Short(const std::string& hex) { return hex.substr(0, 12); }


std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = text::Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Signed copies with this node's time-stamping authority, when one is set (config
// set tsa URL): `failure` says why a signature went without its time-stamp.
SignedCopyMaker CopyMakerOf(Node& node, const std::shared_ptr<std::string>& failure) {
  auto url = node.NodeSetting("tsa");
  if (!url.ok() || url->empty()) return pdf::CopyMaker();
  return pdf::CopyMaker(sync::Stamper(*url, failure));
}

// Whether a command's argument names a file rather than a document: a name that reads
// as a file is one, there or not ("FILE: no such file", like every command's input
// files); anything else names a document of this node.
bool NamesFile(const std::string& what) {
  std::string lower = what;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const bool pdf = lower.size() > 4 && lower.compare(lower.size() - 4, 4, ".pdf") == 0;
  return pdf || what.rfind("/", 0) == 0 || what.rfind("./", 0) == 0 || what.rfind("../", 0) == 0 || files::Exists(what);
}

// The PDF a command works on: the file `what` names, or the stored signed copy of
// the document it names.
Result<std::string> SignedPdf(Node& node, const std::string& what) {
  if (NamesFile(what)) return files::Read(what, 256u << 20);
  VB_ASSIGN_OR_RETURN(auto stored, node.SignedCopy(what));
  if (!stored) return Status::NotFound("'" + what + "' has no signed PDF yet");
  return std::move(*stored);
}

// Said on stderr, the command still succeeding: the signature is B-B, not B-T.
void WarnUnstamped(const std::shared_ptr<std::string>& failure) {
  if (!failure->empty())
    std::cerr << "vanban: signed without a time-stamp (PAdES B-B): " << *failure << "\n";
}

class Program {
 public:
  explicit Program(const Globals& g) : g_(g) {}

  Actor actor() const {
    std::string who = g_.as.empty() ? "the acting person" : "'" + g_.as + "'";
    return Actor{g_.as, PassphraseFrom(g_.passphrase_file, "VANBAN_PASSPHRASE", who),
                 PinFrom(g_.pin_file, "the token of " + who)};
  }
  std::string home() const { return g_.home.empty() ? DefaultHome() : g_.home; }

  // `read_only`: the command only reads, so a home it cannot write still opens.
  Status OpenNode(bool read_only = false) {
    if (node_) return Status::Ok();
    auto n = read_only ? Node::OpenReadOnly(home()) : Node::Open(home());
    if (!n.ok()) return n.status();
    node_ = std::move(n).value();
    return Status::Ok();
  }
  Node& node() { return *node_; }

  void Print(const json& j, const std::string& text) {
    if (g_.json) std::cout << j.dump(2) << "\n";
    else if (!text.empty()) std::cout << text << (text.back() == '\n' ? "" : "\n");
  }

  int offset() const { return node_ ? node_->org().offset_minutes : 420; }

  json DocJson(const Document& d) {
    json j;
    j["id"] = ToHex(d.id);
    j["kind"] = d.kind;
    j["symbol"] = d.symbol;
    j["title"] = d.title;
    j["state"] = StateName(d.state);
    j["number"] = d.issue ? json(d.issue->number) : json(nullptr);
    j["date"] = d.issue ? json(d.issue->date) : json(nullptr);
    j["org"] = node_->OrgName(d.org);
    j["created"] = d.created.InOffset(offset()).Iso();
    j["creator"] = node_->Who(d.creator);
    j["parties"] = json::array();
    for (const PublicKey& p : d.parties) j["parties"].push_back(node_->OrgName(p));
    j["revisions"] = json::array();
    for (const Revision& r : d.revisions) {
      json bases = json::array();
      for (const RecordId& b : r.bases) bases.push_back(ToHex(b));
      j["revisions"].push_back({{"rev", ToHex(r.id)}, {"seq", r.seq}, {"author", node_->Who(r.author)},
                                {"at", r.at.InOffset(offset()).Iso()}, {"title", r.title}, {"bases", bases}});
    }
    j["heads"] = json::array();
    for (const RecordId& h : d.rev_heads) j["heads"].push_back(ToHex(h));
    j["routed"] = json::array();
    const Revision* cur = d.current();
    for (const auto& [k, at] : d.routed)
      j["routed"].push_back({{"reviewer", node_->Who(k)}, {"at", at.InOffset(offset()).Iso()},
                             {"approved_current", cur ? d.approved(k, cur->id) : false}});
    j["comments"] = json::array();
    for (const Comment& c : d.comments)
      j["comments"].push_back({{"id", ToHex(c.id)}, {"author", node_->Who(c.author)}, {"at", c.at.InOffset(offset()).Iso()},
                               {"rev", ToHex(c.rev)}, {"text", c.text}});
    j["approvals"] = json::array();
    for (const Approval& a : d.approvals)
      j["approvals"].push_back({{"reviewer", node_->Who(a.author)}, {"at", a.at.InOffset(offset()).Iso()},
                                {"rev", ToHex(a.rev)}, {"current", cur && cur->id == a.rev}});
    j["submitted_to"] = d.submitted_to ? json(node_->Who(*d.submitted_to)) : json(nullptr);
    j["returns"] = json::array();
    for (const Return& r : d.returns)
      j["returns"].push_back({{"by", node_->Who(r.by)}, {"at", r.at.InOffset(offset()).Iso()}, {"reason", r.reason}});
    j["signatures"] = json::array();
    for (const SignatureEntry& s : d.signatures) {
      const Person* p = node_->authority().FindPerson(s.signer);
      j["signatures"].push_back({{"signer", p ? p->login : Short(ToHex(s.signer))},
                                 {"org", node_->OrgName(s.org)},
                                 {"valid", node_->RecordVerifies(ToHex(d.id), s.id)},
                                 {"name", s.name},
                                 {"title", s.title},
                                 {"on_behalf", s.on_behalf},
                                 {"rev", ToHex(s.rev)},
                                 {"at", s.at.InOffset(offset()).Iso()},
                                 {"key", ToHex(s.signer)}});
    }
    if (d.issue) {
      j["issue"] = {{"number", d.issue->number}, {"date", d.issue->date}, {"clerk", node_->Who(d.issue->clerk)},
                    {"at", d.issue->at.InOffset(offset()).Iso()}, {"valid", node_->RecordVerifies(ToHex(d.id), d.issue->id)}};
    } else {
      j["issue"] = nullptr;
    }
    if (d.revocation) j["revoked"] = {{"by", node_->Who(d.revocation->by)}, {"reason", d.revocation->reason}};
    j["addressed"] = json::array();
    for (const PublicKey& o : d.addressed) {
      const Receipt* r = d.ReceiptOf(o);
      j["addressed"].push_back({{"org", node_->OrgName(o)}, {"key", ToHex(o)}, {"received", r != nullptr}});
    }
    j["receipts"] = ReceiptsJson(d);
    return j;
  }

  json ReceiptsJson(const Document& d) {
    json arr = json::array();
    for (const Receipt& r : d.receipts)
      arr.push_back({{"org", node_->OrgName(r.org)}, {"by", node_->Who(r.clerk)}, {"at", r.at.InOffset(offset()).Iso()},
                     {"number", std::to_string(r.seq)}, {"year", r.year}, {"date", r.date}, {"id", ToHex(r.id)}});
    return arr;
  }

  // "r3" for a revision of `d`, else the id's first digits.
  static std::string RevName(const Document& d, const RecordId& id) {
    const Revision* r = d.FindRevision(id);
    return r ? "r" + std::to_string(r->seq) : Short(ToHex(id));
  }

  std::string DocText(const Document& d) {
    std::ostringstream o;
    auto rev_name = [&](const RecordId& id) { return RevName(d, id); };
    o << "Document " << Short(ToHex(d.id)) << "  (" << d.kind << ", register " << d.symbol << ")\n";
    o << "Title:     " << d.title << "\n";
    o << "State:     " << StateName(d.state);
    if (d.issue) o << "   Number: " << d.issue->number << "   Date: " << d.issue->date;
    o << "\n";
    o << "Org:       " << node_->OrgName(d.org) << "\n";
    if (!d.parties.empty()) {
      o << "Parties:   ";
      for (size_t i = 0; i < d.parties.size(); ++i) o << (i ? ", " : "") << node_->OrgName(d.parties[i]);
      o << "\n";
    }
    o << "Drafted:   " << node_->Who(d.creator) << " at " << d.created.InOffset(offset()).Iso() << "\n";
    o << "Revisions:\n";
    for (const Revision& r : d.revisions) {
      o << "  r" << r.seq << "  " << Short(ToHex(r.id)) << "  " << r.at.InOffset(offset()).Iso() << "  " << node_->Who(r.author);
      if (!r.bases.empty()) {
        o << "  (from";
        for (const RecordId& b : r.bases) o << " " << rev_name(b);
        o << ")";
      }
      if (std::find(d.rev_heads.begin(), d.rev_heads.end(), r.id) != d.rev_heads.end()) o << "  [head]";
      o << "\n";
    }
    if (d.conflicted()) o << "  ! " << d.rev_heads.size() << " concurrent revisions: make a merge revision with 'vanban doc edit'\n";
    const Revision* cur = d.current();
    if (!d.routed.empty()) {
      o << "Reviewers:\n";
      for (const auto& [k, at] : d.routed) {
        o << "  " << node_->Who(k) << ": ";
        std::string last;
        for (const Approval& a : d.approvals)
          if (a.author == k) last = rev_name(a.rev);
        if (cur && d.approved(k, cur->id)) o << "concurs with the current revision " << rev_name(cur->id);
        else if (!last.empty()) o << "concurred with " << last << " (an older revision)";
        else o << "no concurrence yet";
        o << "\n";
      }
    }
    if (!d.comments.empty()) {
      o << "Comments:\n";
      for (const Comment& c : d.comments)
        o << "  [" << rev_name(c.rev) << "] " << node_->Who(c.author) << ", " << c.at.InOffset(offset()).Iso() << ": " << c.text << "\n";
    }
    if (d.submitted_to) o << "Submitted: to " << node_->Who(*d.submitted_to) << " at " << d.submitted_at.InOffset(offset()).Iso() << "\n";
    for (const Return& r : d.returns)
      o << "Returned:  by " << node_->Who(r.by) << " at " << r.at.InOffset(offset()).Iso() << ": " << r.reason << "\n";
    if (!d.signatures.empty()) {
      o << "Signatures:\n";
      for (const SignatureEntry& s : d.signatures) {
        o << "  " << node_->Who(s.signer) << " (" << s.name << ", " << s.title << ", " << node_->OrgName(s.org) << ")"
          << (s.on_behalf ? " KT." : "") << " on " << rev_name(s.rev) << " at " << s.at.InOffset(offset()).Iso()
          << (node_->RecordVerifies(ToHex(d.id), s.id) ? "  valid" : "  INVALID") << "\n";
      }
    }
    if (auto awaited = d.awaited_org(); awaited && !d.signatures.empty())
      o << "Awaiting:  the signature of " << node_->OrgName(*awaited) << "\n";
    if (d.issue)
      o << "Issued:    " << d.issue->number << " on " << d.issue->date << " by " << node_->Who(d.issue->clerk)
        << ", sealed by " << node_->OrgName(d.org) << "\n";
    if (d.revocation) o << "Revoked:   by " << node_->Who(d.revocation->by) << ": " << d.revocation->reason << "\n";
    if (!d.addressed.empty()) {
      o << "Addressed: ";
      for (size_t i = 0; i < d.addressed.size(); ++i) o << (i ? ", " : "") << node_->OrgName(d.addressed[i]);
      o << "\n";
    }
    for (const Receipt& r : d.receipts)
      o << "Received:  by " << node_->OrgName(r.org) << " as incoming " << r.seq << " on " << r.date << " ("
        << node_->Who(r.clerk) << ", " << r.at.InOffset(offset()).Iso() << ")\n";
    for (const PublicKey& a : d.addressed)
      if (!d.ReceiptOf(a) && d.state == DocState::kIssued) o << "Awaiting:  the receipt of " << node_->OrgName(a) << "\n";
    return o.str();
  }

  std::string Summary(const Document& d, const Record& r) {
    auto rev_name = [&](const std::string& hex) {
      RecordId id;
      return FromHex(hex, &id) ? RevName(d, id) : Short(hex);
    };
    const std::string& t = r.type();
    if (t == "doc.create") return "drafted r1 \"" + r.Get("title") + "\"";
    if (t == "doc.revise") {
      std::string s = "revision " + rev_name(r.id_hex()) + " from";
      for (const auto& b : r.GetAll("base")) s += " " + rev_name(b);
      return s;
    }
    if (t == "doc.route") {
      std::string s = "asked for comments:";
      for (const auto& k : r.GetAll("to")) {
        PublicKey pk;
        FromHex(k, &pk);
        s += " " + node_->Who(pk);
      }
      return s;
    }
    if (t == "doc.comment") {
      std::string c = r.text() ? *r.text() : "";
      if (c.size() > 70) c = c.substr(0, 70) + "...";
      return "commented on " + rev_name(r.Get("rev")) + ": " + c;
    }
    if (t == "doc.approve") return "concurred with " + rev_name(r.Get("rev"));
    if (t == "doc.submit") {
      PublicKey pk;
      FromHex(r.Get("to"), &pk);
      return "submitted " + rev_name(r.Get("rev")) + " for signature to " + node_->Who(pk);
    }
    if (t == "doc.return") return "returned it: " + r.Get("reason");
    if (t == "doc.sign") return std::string("signed ") + rev_name(r.Get("rev")) + (r.Get("on-behalf") == "yes" ? " on behalf (KT.)" : "");
    if (t == "doc.issue") return "issued as " + r.Get("number") + " on " + r.Get("date") + (r.Has("reissue-of") ? " (re-issue)" : "");
    if (t == "doc.revoke") return "revoked it: " + r.Get("reason");
    if (t == "doc.receive") {
      PublicKey org{};
      FromHex(r.Get("org"), &org);
      return "received it as incoming " + r.Get("number") + " of " + node_->OrgName(org) + " on " + r.Get("date") +
             (r.Has("replaces") ? " (renumbered)" : "");
    }
    return t;
  }

  json SummaryJson(const DocSummary& s) {
    return {{"id", s.id}, {"kind", s.kind}, {"title", s.title}, {"state", s.state},
            {"number", s.number ? json(*s.number) : json(nullptr)}};
  }

  const Globals& g_;
  std::unique_ptr<Node> node_;
};

Result<std::string> ReadDocFile(const std::string& path) {
  // A little over 10 MiB is read so the parser can name the size in its message.
  return files::Read(path, (10u << 20) + 1);
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"vanban — offline-first document workflow for Vietnamese government offices.\n"
               "Draft, route for comments, submit, sign (Ed25519), issue with number and seal, keep registers.\n"
               "Exit status: 0 done, 1 verification found something invalid, 2 bad usage or input,\n"
               "3 refused by workflow state or role, 4 not found, 5 peer unreachable. See docs/cli.md.",
               "vanban"};
  app.set_version_flag("--version", std::string("vanban ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  app.add_option("--home", g.home, "Node folder (default $VANBAN_HOME, else ~/.local/share/vanban)");
  app.add_flag("--json", g.json, "Print one JSON document on stdout");
  app.add_option("--as", g.as, "Acting person's login (default: the node's admin; on a joined node, the one person with a key there)");
  app.add_option("--passphrase-file", g.passphrase_file,
                 "File whose first line is the acting person's passphrase (else $VANBAN_PASSPHRASE, else a prompt)");
  app.add_option("--pin-file", g.pin_file,
                 "File whose first line is the PIN of the acting person's token, when their key is on one "
                 "(else $VANBAN_PIN, else a prompt)");
  Program prog(g);
  int rc = 0;
  auto need_node = [&]() -> bool {
    Status s = prog.OpenNode();
    if (!s.ok()) rc = Fail(s);
    return s.ok();
  };
  // For the commands that only read (list, show, log, inbox, register, check, verify, export pdf, node id).
  auto need_node_to_read = [&]() -> bool {
    Status s = prog.OpenNode(true);
    if (!s.ok()) rc = Fail(s);
    return s.ok();
  };
  auto sub = [](CLI::App* parent, const std::string& name, const std::string& help) {
    CLI::App* c = parent->add_subcommand(name, help);
    c->fallthrough();
    return c;
  };

  // --- init
  InitOptions init;
  std::string i_join;
  auto* c_init = sub(&app, "init", "Create a node and its organisation, with the admin (roles admin, signer); "
                                   "or, with --join CARD, a new node of an existing organisation");
  c_init->add_option("--org", init.org_name, "Organisation name, e.g. \"Sở Ngoại vụ tỉnh Lạng Sơn\" (required without --join)");
  c_init->add_option("--code", init.code, "Organisation symbol used in numbers, e.g. SNgV (required without --join)");
  c_init->add_option("--place", init.place, "Place printed before the date, e.g. \"Lạng Sơn\" (required without --join)");
  c_init->add_option("--admin", init.admin_login, "Login of the head of the organisation (required without --join)");
  c_init->add_option("--name", init.admin_name, "The head's full name (required without --join)");
  c_init->add_option("--title", init.admin_title, "The head's title, e.g. \"Giám đốc\" (required without --join)");
  c_init->add_option("--parent", init.parent_body, "Parent body, e.g. \"UBND TỈNH LẠNG SƠN\"");
  auto* o_offset = c_init->add_option("--utc-offset", init.utc_offset, "The organisation's time zone (default +07:00)");
  c_init->add_option("--join", i_join,
                     "Join the organisation of this card ('vanban org card -o FILE' on one of its nodes): a new node "
                     "with its own node key and no organisation or admin keys");
  c_init->callback([&] {
    if (!i_join.empty()) {
      for (const auto& [flag, v] : std::vector<std::pair<std::string, std::string>>{
               {"--org", init.org_name}, {"--code", init.code}, {"--place", init.place}, {"--admin", init.admin_login},
               {"--name", init.admin_name}, {"--title", init.admin_title}, {"--parent", init.parent_body}})
        if (!v.empty()) { rc = Fail(Status::BadInput("init --join takes the organisation from the card: leave out " + flag)); return; }
      if (o_offset->count()) { rc = Fail(Status::BadInput("init --join takes the organisation from the card: leave out --utc-offset")); return; }
      auto card = files::Read(i_join, (4u << 20) + 1);
      if (!card.ok()) { rc = Fail(card.status()); return; }
      auto pass = PassphraseFrom(g.passphrase_file, "VANBAN_PASSPHRASE", "the new node's key")();
      if (!pass.ok()) { rc = Fail(pass.status()); return; }
      std::string passphrase = std::move(*pass);
      auto n = Node::Join(prog.home(), *card, passphrase);
      std::fill(passphrase.begin(), passphrase.end(), '\0');
      if (!n.ok()) { rc = Fail(n.status().With(i_join)); return; }
      const Organisation& o = (*n)->org();
      const std::string key = ToHex((*n)->node_key());
      prog.Print({{"node", key}, {"fingerprint", crypto::Fingerprint((*n)->node_key())}, {"org", ToHex(o.root)},
                  {"code", o.code}, {"name", o.name}, {"home", prog.home()}},
                 "Joined " + o.name + " (" + o.code + ") in " + prog.home() + "\nNode key: " + key +
                     "\nFingerprint: " + crypto::Fingerprint((*n)->node_key()) +
                     "\nNext: an admin runs 'vanban node admit " + key + " --label TEXT' on an admitted node of " + o.code +
                     ", then the nodes sync.\nTo act here, a person makes a key: 'vanban key request LOGIN --name FULLNAME "
                     "--title TITLE -o REQ', and an admin grants it: 'vanban user add LOGIN --request REQ --roles ROLE'.");
      return;
    }
    for (const auto& [flag, v] : std::vector<std::pair<std::string, std::string>>{
             {"--org", init.org_name}, {"--code", init.code}, {"--place", init.place}, {"--admin", init.admin_login},
             {"--name", init.admin_name}, {"--title", init.admin_title}})
      if (v.empty()) { rc = Fail(Status::BadInput("init: " + flag + " is required (or --join CARD to join an organisation)")); return; }
    auto pass = PassphraseFrom(g.passphrase_file, "VANBAN_PASSPHRASE", "the new admin '" + init.admin_login + "'")();
    if (!pass.ok()) { rc = Fail(pass.status()); return; }
    init.passphrase = *pass;
    auto n = Node::Init(prog.home(), init);
    std::fill(init.passphrase.begin(), init.passphrase.end(), '\0');
    if (!n.ok()) { rc = Fail(n.status()); return; }
    const Organisation& o = (*n)->org();
    prog.Print({{"org", ToHex(o.root)}, {"code", o.code}, {"name", o.name}, {"admin", init.admin_login},
                {"node", ToHex((*n)->node_key())}, {"home", prog.home()}},
               "Created " + o.name + " (" + o.code + ") in " + prog.home() + "\nAdmin: " + init.admin_login +
                   " (admin, signer)\nOrganisation key: " + ToHex(o.root) + "\nFingerprint: " + crypto::Fingerprint(o.root));
  });

  // --- user
  auto* c_user = sub(&app, "user", "People of this organisation");
  c_user->require_subcommand(1);
  std::string u_login, u_name, u_title, u_roles, u_newpass, u_request;
  auto* c_uadd = sub(c_user, "add", "Add a person (needs role admin): makes their key on this node, or grants the key of "
                                    "a request made on their own node (--request)");
  c_uadd->add_option("login", u_login, "Login, e.g. nguyenvana")->required();
  c_uadd->add_option("--name", u_name, "Full name (required without --request)");
  c_uadd->add_option("--title", u_title, "Title, e.g. \"Chuyên viên\", \"Phó Giám đốc\" (required without --request)");
  c_uadd->add_option("--roles", u_roles, "Comma-separated: drafter, reviewer, signer, clerk, archivist, admin")->required();
  c_uadd->add_option("--new-passphrase-file", u_newpass,
                     "File with the new person's passphrase (default: the acting person's source)");
  c_uadd->add_option("--request", u_request,
                     "A key request file ('vanban key request' on the person's node): grant its key, make none here");
  c_uadd->callback([&] {
    if (!need_node()) return;
    std::set<Role> roles;
    for (const std::string& r : SplitComma(u_roles)) {
      auto role = ParseRole(r);
      if (!role) { rc = Fail(Status::BadInput("--roles: unknown role '" + r + "' (drafter, reviewer, signer, clerk, archivist, admin)")); return; }
      roles.insert(*role);
    }
    Result<Person> p = Status::BadInput("");
    if (!u_request.empty()) {
      for (const auto& [flag, v] : std::vector<std::pair<std::string, std::string>>{
               {"--name", u_name}, {"--title", u_title}, {"--new-passphrase-file", u_newpass}})
        if (!v.empty()) { rc = Fail(Status::BadInput("user add --request: the name, title and key come from the request: leave out " + flag)); return; }
      auto req = files::Read(u_request, kMaxKeyRequestBytes + 1);
      if (!req.ok()) { rc = Fail(req.status()); return; }
      p = prog.node().AddUserFromRequest(prog.actor(), u_login, *req, roles, u_request);
    } else {
      if (u_name.empty() || u_title.empty()) {
        rc = Fail(Status::BadInput(std::string("user add: ") + (u_name.empty() ? "--name" : "--title") + " is required (or --request REQ)"));
        return;
      }
      PassphraseSource np = u_newpass.empty() ? PassphraseSource() : PassphraseFrom(u_newpass, "", "'" + u_login + "'");
      p = prog.node().AddUser(prog.actor(), u_login, u_name, u_title, roles, np);
    }
    if (!p.ok()) { rc = Fail(p.status()); return; }
    prog.Print({{"login", p->login}, {"name", p->name}, {"title", p->title}, {"roles", SplitComma(RolesText(p->current_roles()))},
                {"key", ToHex(p->key)}},
               "Added " + p->login + " (" + p->name + ", " + p->title + "): " + RolesText(p->current_roles()) +
                   (u_request.empty() ? "" : "\nKey " + crypto::Fingerprint(p->key) + " from " + u_request +
                                                 ": the person acts on their own node once this grant reaches it (sync)"));
  });
  auto* c_urev = sub(c_user, "revoke", "Revoke a person: their later records no longer count (needs role admin)");
  c_urev->add_option("login", u_login, "Login")->required();
  c_urev->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().RevokeUser(prog.actor(), u_login);
    if (!s.ok()) { rc = Fail(s); return; }
    prog.Print({{"login", u_login}, {"active", false}}, "Revoked " + u_login);
  });
  std::string u_image;
  auto* c_uimage = sub(c_user, "image",
                       "Set a person's handwritten-signature image (PNG, blue on a transparent background), shown in "
                       "their signature between title and name (Decree 30 Appendix I; needs role admin)");
  c_uimage->add_option("login", u_login, "Login")->required();
  c_uimage->add_option("file", u_image, "The image, PNG")->required();
  c_uimage->callback([&] {
    if (!need_node()) return;
    auto png = files::Read(u_image, 64u << 20);
    if (!png.ok()) { rc = Fail(png.status()); return; }
    auto r = prog.node().SetSignatureImage(prog.actor(), u_login, *png);
    if (!r.ok()) { rc = Fail(r.status().With(u_image)); return; }
    prog.Print({{"login", u_login}, {"width", r->width}, {"height", r->height}, {"transparent", !r->alpha.empty()}},
               "Set the signature image of " + u_login + " (" + std::to_string(r->width) + "x" +
                   std::to_string(r->height) + " pixels" + (r->alpha.empty() ? ", no transparency" : "") +
                   "): it shows in the signatures they make from now on");
  });
  auto* c_ulist = sub(c_user, "list", "List the people of this organisation and their roles");
  c_ulist->callback([&] {
    if (!need_node_to_read()) return;
    json arr = json::array();
    std::string text;
    for (const Person& p : prog.node().Users()) {
      arr.push_back({{"login", p.login}, {"name", p.name}, {"title", p.title}, {"roles", SplitComma(RolesText(p.current_roles()))},
                     {"active", p.active()}, {"key", ToHex(p.key)}});
      text += p.login + "  " + p.name + "  (" + p.title + ")  " + (p.active() ? RolesText(p.current_roles()) : "REVOKED") + "\n";
    }
    prog.Print(arr, text);
  });

  // --- key
  auto* c_key = sub(&app, "key", "Key files on this node");
  c_key->require_subcommand(1);
  std::string k_newpass;
  auto* c_kpass = sub(c_key, "passwd", "Change the passphrase of the acting person's keys (--as LOGIN)");
  c_kpass->add_option("--new-passphrase-file", k_newpass, "File with the new passphrase (else a prompt)");
  c_kpass->callback([&] {
    if (!need_node()) return;
    std::string login = g.as;
    if (login.empty()) {
      auto d = prog.node().DefaultLogin();
      if (!d.ok()) { rc = Fail(d.status()); return; }
      login = *d;
    }
    Status s = prog.node().ChangePassphrase(login, prog.actor().passphrase,
                                            PassphraseFrom(k_newpass, "", "the new passphrase of '" + login + "'"));
    if (!s.ok()) { rc = Fail(s); return; }
    prog.Print({{"login", login}, {"changed", true}}, "Changed the passphrase of " + login + "'s keys");
  });

  token::Location kt_where;
  std::string kt_chain;
  auto* c_ktok = sub(c_key, "token",
                     "Bind the signing key and certificate on a PKCS#11 token (USB token, smart card) to the acting "
                     "person (a signer); signing then asks for the token's PIN (--pin-file, $VANBAN_PIN, a prompt)");
  c_ktok->add_option("--module", kt_where.module, "The token's PKCS#11 module, e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
      ->required();
  c_ktok->add_option("--token", kt_where.token, "The token's label (default: the only token plugged in)");
  c_ktok->add_option("--id", kt_where.id, "The key's id on the token, hex (default: the only certificate with a key)");
  c_ktok->add_option("--chain", kt_chain,
                     "PEM file with the authorities between the certificate and its root, when the token lacks them");
  c_ktok->callback([&] {
    if (!need_node()) return;
    for (char& ch : kt_where.id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (kt_where.id.find_first_not_of("0123456789abcdef") != std::string::npos || kt_where.id.size() % 2) {
      rc = Fail(Status::BadInput("--id must be hex digits, two per byte (e.g. 01)"));
      return;
    }
    std::string chain;
    if (!kt_chain.empty()) {
      auto pem = files::Read(kt_chain, 1u << 20);
      if (!pem.ok()) { rc = Fail(pem.status()); return; }
      chain = *pem;
    }
    auto b = prog.node().BindToken(prog.actor(), kt_where, chain);
    if (!b.ok()) { rc = Fail(b.status()); return; }
    const x509::Certificate& c = b->certificate;
    const std::string& login = b->login;
    prog.Print({{"login", login}, {"subject", c.subject.common_name}, {"issuer", c.issuer.common_name},
                {"serial", c.serial}, {"sha256", c.fingerprint}, {"module", b->where.module},
                {"token", b->where.token}, {"id", b->where.id}, {"already", b->already}},
               (b->already ? "Already bound: " : "Bound ") + c.subject.common_name + "'s certificate (serial " + c.serial +
                   ", issued by " + c.issuer.common_name + ") on token '" + b->where.token + "' (id " + b->where.id +
                   ") to " + login + ".\nTheir signatures in PDFs are now made on the token; signing asks for its PIN.");
  });

  std::string kr_login, kr_name, kr_title, kr_out;
  auto* c_kreq = sub(c_key, "request", "Make a person's key on this node and write a key request for an admin to grant");
  c_kreq->add_option("login", kr_login, "The login asked for, e.g. nguyenvana")->required();
  c_kreq->add_option("--name", kr_name, "Full name")->required();
  c_kreq->add_option("--title", kr_title, "Title, e.g. \"Chuyên viên\"")->required();
  c_kreq->add_option("-o,--output", kr_out, "The request file to write")->required();
  c_kreq->add_option("--new-passphrase-file", k_newpass,
                     "File with the new key's passphrase (else --passphrase-file, $VANBAN_PASSPHRASE, a prompt)");
  c_kreq->callback([&] {
    if (!need_node()) return;
    if (files::Exists(kr_out)) { rc = Fail(Status::BadInput(kr_out + " already exists")); return; }
    PassphraseSource np = !k_newpass.empty() ? PassphraseFrom(k_newpass, "", "'" + kr_login + "'")
                                             : PassphraseFrom(g.passphrase_file, "VANBAN_PASSPHRASE", "the new key of '" + kr_login + "'");
    auto req = prog.node().RequestKey(kr_login, kr_name, kr_title, np);
    if (!req.ok()) { rc = Fail(req.status()); return; }
    Status s = files::WriteAtomic(kr_out, *req, 0644, true);
    if (!s.ok()) { rc = Fail(s); return; }
    auto parsed = ParseKeyRequest(*req, kr_out);
    const std::string key = parsed.ok() ? ToHex(parsed->key) : "";
    prog.Print({{"file", kr_out}, {"login", kr_login}, {"key", key}, {"fingerprint", parsed.ok() ? crypto::Fingerprint(parsed->key) : ""},
                {"node", ToHex(prog.node().node_key())}, {"org", ToHex(prog.node().org().root)}},
               "Wrote the key request of " + kr_login + " to " + kr_out + " (key " + (parsed.ok() ? crypto::Fingerprint(parsed->key) : "") +
                   ")\nNext: an admin runs 'vanban user add " + kr_login + " --request " + kr_out +
                   " --roles ROLE' on their node; once that grant reaches this node, act here with --as " + kr_login + ".");
  });

  // --- org and node
  auto* c_org = sub(&app, "org", "This organisation and the organisations it trusts");
  c_org->require_subcommand(1);
  std::string o_file, o_alias, o_name, o_value;
  auto* c_card = sub(c_org, "card", "Write this organisation's public card, signed by the organisation key");
  c_card->add_option("-o", o_file, "Output file")->required();
  c_card->callback([&] {
    if (!need_node()) return;
    auto card = prog.node().OrgCard();
    if (!card.ok()) { rc = Fail(card.status()); return; }
    Status s = files::WriteAtomic(o_file, *card, 0644, false);
    if (!s.ok()) { rc = Fail(s); return; }
    prog.Print({{"file", o_file}, {"org", ToHex(prog.node().org().root)}}, "Wrote the card of " + prog.node().org().name + " to " + o_file);
  });
  std::string o_image;
  int o_diameter = image::kDefaultSealMm;
  auto* c_oseal = sub(c_org, "seal-image",
                      "Set the seal's image (PNG, red on a transparent background), shown at its real size over the "
                      "signer's image at issuance (Decree 30 Appendix I; needs role admin)");
  c_oseal->add_option("file", o_image, "The image, PNG")->required();
  c_oseal->add_option("--diameter", o_diameter, "The seal's real diameter in millimetres")->capture_default_str();
  c_oseal->callback([&] {
    if (!need_node()) return;
    auto png = files::Read(o_image, 64u << 20);
    if (!png.ok()) { rc = Fail(png.status()); return; }
    auto r = prog.node().SetSealImage(prog.actor(), *png, o_diameter);
    if (!r.ok()) { rc = Fail(r.status().With(o_image)); return; }
    prog.Print({{"org", ToHex(prog.node().org().root)}, {"width", r->width}, {"height", r->height},
                {"diameter_mm", o_diameter}, {"transparent", !r->alpha.empty()}},
               "Set the seal image of " + prog.node().org().name + " (" + std::to_string(r->width) + "x" +
                   std::to_string(r->height) + " pixels, " + std::to_string(o_diameter) +
                   " mm across" + (r->alpha.empty() ? ", no transparency" : "") +
                   "): it shows on the documents issued from now on");
  });
  auto* c_trust = sub(c_org, "trust", "Trust another organisation (a peer in a cluster) from its card");
  c_trust->add_option("file", o_file, "The organisation's card")->required();
  c_trust->add_option("--alias", o_alias, "Short local name, e.g. caobang")->required();
  c_trust->callback([&] {
    if (!need_node()) return;
    auto card = files::Read(o_file, 4u << 20);
    if (!card.ok()) { rc = Fail(card.status()); return; }
    Status s = prog.node().Trust(*card, o_alias);
    if (!s.ok()) { rc = Fail(s.With(o_file)); return; }
    prog.Print({{"alias", o_alias}}, "Trusted " + o_alias);
  });
  std::string oc_of;
  auto* c_ocert = sub(c_org, "certificate",
                      "Write the certification authority (PEM) that certifies the signatures inside this organisation's PDFs, "
                      "for any PDF reader's trust store; on the node of the root key, first make what is missing");
  c_ocert->add_option("-o,--output", o_file, "The PEM file to write")->required();
  c_ocert->add_option("--of", oc_of, "A trusted organisation's authority instead (its alias)");
  c_ocert->callback([&] {
    if (!need_node()) return;
    Node& node = prog.node();
    PublicKey which = node.org().root;
    if (!oc_of.empty()) {
      auto t = std::find_if(node.Trusted().begin(), node.Trusted().end(), [&](const auto& a) { return a.first == oc_of; });
      if (t == node.Trusted().end()) { rc = Fail(Status::NotFound("no trusted organisation '" + oc_of + "' (see 'vanban org show')")); return; }
      which = t->second;
    }
    size_t made = 0;
    // The first use after an upgrade: the organisation gets its authority and certificates here.
    if (oc_of.empty() && node.CertificatesMissing(prog.actor())) {
      auto m = node.Certify(prog.actor());
      if (!m.ok()) { rc = Fail(m.status()); return; }
      made = *m;
    }
    const Organisation* o = node.authority().FindOrg(which);
    if (!o || o->authorities.empty()) {
      rc = Fail(Status::NotFound((o ? o->name : oc_of) + " has no certification authority yet: its admin runs "
                                 "'vanban org certificate -o FILE' on the node where 'vanban init' was run"));
      return;
    }
    std::string pem;
    json certs = json::array();
    for (const std::string& der : o->authorities) {
      pem += x509::ToPem(der);
      auto c = x509::Read(der);
      if (c.ok()) certs.push_back({{"subject", c->subject.common_name}, {"serial", c->serial}, {"sha256", c->fingerprint},
                                   {"not_before", Timestamp{c->not_before, 0}.Iso()}, {"not_after", Timestamp{c->not_after, 0}.Iso()}});
    }
    Status s = files::WriteAtomic(o_file, pem, 0644, false);
    if (!s.ok()) { rc = Fail(s); return; }
    prog.Print({{"file", o_file}, {"org", ToHex(which)}, {"authorities", certs}, {"made", made}},
               (made ? "Made " + std::to_string(made) + " certificate records (authority, seal, signers).\n" : std::string()) +
                   "Wrote the certification authority of " + o->name + " to " + o_file +
                   "\nA PDF reader trusts this organisation's signatures once this file is in its trust store.");
  });
  auto* c_olist = sub(c_org, "show", "Show this organisation and the trusted ones");
  c_olist->callback([&] {
    if (!need_node()) return;
    const Organisation& o = prog.node().org();
    json j = {{"org", ToHex(o.root)}, {"name", o.name}, {"code", o.code}, {"place", o.place}, {"parent", o.parent_body},
              {"fingerprint", crypto::Fingerprint(o.root)}, {"trusted", json::array()},
              {"require_concurrence", prog.node().authority().CurrentSetting(o.root, "require-concurrence", "no") == "yes"}};
    std::string text = o.name + " (" + o.code + "), " + o.place + "\nKey: " + ToHex(o.root) + "\nFingerprint: " + crypto::Fingerprint(o.root) + "\n";
    for (const auto& [alias, key] : prog.node().Trusted()) {
      const Organisation* t = prog.node().authority().FindOrg(key);
      j["trusted"].push_back({{"alias", alias}, {"org", ToHex(key)}, {"name", t ? t->name : ""}});
      text += "trusts " + alias + ": " + (t ? t->name : "?") + " (" + crypto::Fingerprint(key) + ")\n";
    }
    prog.Print(j, text);
  });
  auto* c_oset = sub(c_org, "set", "Change an organisation setting (needs role admin): require-concurrence yes|no");
  c_oset->add_option("name", o_name, "Setting name")->required();
  c_oset->add_option("value", o_value, "Value")->required();
  c_oset->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().SetSetting(prog.actor(), o_name, o_value);
    if (!s.ok()) { rc = Fail(s); return; }
    prog.Print({{"name", o_name}, {"value", o_value}}, o_name + " = " + o_value);
  });
  // --- this node's own settings
  auto* c_config = sub(&app, "config", "Settings of this node alone (not shared by sync): tsa");
  c_config->require_subcommand(1);
  std::string cf_name, cf_value;
  auto* c_cset = sub(c_config, "set", "Set a setting of this node (an empty VALUE unsets it)");
  c_cset->add_option("name", cf_name, "tsa: the http:// URL of the time-stamping authority signatures ask")->required();
  c_cset->add_option("value", cf_value, "The value")->required();
  c_cset->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().SetNodeSetting(cf_name, cf_value);
    if (!s.ok()) { rc = Fail(s); return; }
    prog.Print({{"name", cf_name}, {"value", cf_value}},
               cf_value.empty() ? cf_name + " unset" : cf_name + " = " + cf_value);
  });
  auto* c_cshow = sub(c_config, "show", "This node's settings");
  c_cshow->callback([&] {
    if (!need_node_to_read()) return;
    json out = json::object();
    std::string text;
    for (const std::string& name : Node::NodeSettingNames()) {
      auto v = prog.node().NodeSetting(name);
      if (!v.ok()) { rc = Fail(v.status()); return; }
      out[name] = v->empty() ? json(nullptr) : json(*v);
      text += name + " = " + (v->empty() ? "(unset)" : *v) + "\n";
    }
    text.pop_back();
    prog.Print(out, text);
  });

  // --- roots trusted for the signatures of PDFs from anywhere
  auto* c_trust_roots = sub(&app, "trust", "Root certification authorities trusted for the signatures of PDFs from anywhere");
  c_trust_roots->require_subcommand(1);
  std::string tr_file;
  auto* c_tadd = sub(c_trust_roots, "add",
                     "Trust a root CA (PEM) for PDF signatures, e.g. the national CA, on every node of this organisation "
                     "(needs role admin)");
  c_tadd->add_option("file", tr_file, "The root certificate, PEM")->required();
  c_tadd->callback([&] {
    if (!need_node()) return;
    auto pem = files::Read(tr_file, 1u << 20);
    if (!pem.ok()) { rc = Fail(pem.status()); return; }
    auto c = prog.node().AddTrustRoot(prog.actor(), *pem);
    if (!c.ok()) { rc = Fail(c.status().With(tr_file)); return; }
    prog.Print({{"subject", c->subject.common_name}, {"organisation", c->subject.organisation}, {"serial", c->serial},
                {"sha256", c->fingerprint}},
               "Trusted " + (c->subject.common_name.empty() ? c->subject.organisation : c->subject.common_name) +
                   " (SHA-256 " + c->fingerprint.substr(0, 16) + "…) for the signatures of PDFs, on every node of " +
                   prog.node().org().name);
  });
  std::string tr_crl;
  auto* c_tcrl = sub(c_trust_roots, "crl",
                     "Keep an authority's certificate revocation list (CRL, DER or PEM) on this node: verify then "
                     "refuses signatures by the certificates it lists (a newer list replaces the authority's older one)");
  c_tcrl->add_option("file", tr_crl, "The revocation list, as the authority publishes it")->required();
  c_tcrl->callback([&] {
    if (!need_node()) return;
    auto bytes = files::Read(tr_crl, 64u << 20);
    if (!bytes.ok()) { rc = Fail(bytes.status()); return; }
    auto l = prog.node().AddRevocationList(*bytes);
    if (!l.ok()) { rc = Fail(l.status().With(tr_crl)); return; }
    const std::string name = l->issuer.common_name.empty() ? l->issuer.organisation : l->issuer.common_name;
    prog.Print({{"issuer", name}, {"this_update", Timestamp{l->this_update, 0}.Iso()},
                {"next_update", l->next_update ? json(Timestamp{l->next_update, 0}.Iso()) : json(nullptr)},
                {"revoked", l->revoked}},
               "Kept the revocation list of " + name + " of " + Timestamp{l->this_update, 0}.Iso() + " (" +
                   std::to_string(l->revoked) + " certificate(s) revoked" +
                   (l->next_update ? ", next by " + Timestamp{l->next_update, 0}.Iso() : std::string()) + ")");
  });
  auto* c_tlist = sub(c_trust_roots, "list", "The roots this node checks PDF signatures against");
  c_tlist->callback([&] {
    if (!need_node_to_read()) return;
    json arr = json::array();
    std::string text;
    for (const std::string& der : prog.node().TrustRoots()) {
      auto c = x509::Read(der);
      if (!c.ok()) continue;
      const std::string name = c->subject.common_name.empty() ? c->subject.organisation : c->subject.common_name;
      arr.push_back({{"subject", name}, {"serial", c->serial}, {"sha256", c->fingerprint},
                     {"not_after", Timestamp{c->not_after, 0}.Iso()}});
      text += name + "  " + c->fingerprint.substr(0, 16) + "  until " + Timestamp{c->not_after, 0}.Date() + "\n";
    }
    if (!text.empty()) text.pop_back();
    prog.Print(arr, text.empty() ? "No root is trusted here." : text);
  });

  auto* c_node = sub(&app, "node", "This node");
  c_node->require_subcommand(1);
  auto* c_nid = sub(c_node, "id", "Print this node's public key (hex)");
  c_nid->callback([&] {
    if (!need_node_to_read()) return;
    std::string k = ToHex(prog.node().node_key());
    prog.Print({{"node", k}, {"fingerprint", crypto::Fingerprint(prog.node().node_key())}}, k);
  });
  std::string n_key, n_label;
  auto* c_nadmit = sub(c_node, "admit", "Admit a node of this organisation by its key, so it may sync (needs role admin)");
  c_nadmit->add_option("key", n_key, "The node's key, as 'vanban node id' prints it on that node")->required();
  c_nadmit->add_option("--label", n_label, "What the node is, e.g. \"Máy văn thư\"");
  c_nadmit->callback([&] {
    if (!need_node()) return;
    auto a = prog.node().AdmitNode(prog.actor(), n_key, n_label);
    if (!a.ok()) { rc = Fail(a.status()); return; }
    prog.Print({{"node", ToHex(a->node)}, {"fingerprint", crypto::Fingerprint(a->node)}, {"label", a->label},
                {"at", a->at.Iso()}, {"by", prog.node().Who(a->by)}},
               "Admitted node " + crypto::Fingerprint(a->node) + (a->label.empty() ? "" : " (" + a->label + ")") +
                   "\nIt passes the sync handshake once this record reaches the node it syncs with.");
  });
  auto* c_nlist = sub(c_node, "list", "The nodes admitted by this organisation");
  c_nlist->callback([&] {
    if (!need_node()) return;
    json arr = json::array();
    std::string text;
    for (const NodeAdmission& a : prog.node().Nodes()) {
      bool self = a.node == prog.node().node_key();
      arr.push_back({{"node", ToHex(a.node)}, {"fingerprint", crypto::Fingerprint(a.node)}, {"label", a.label},
                     {"at", a.at.InOffset(prog.offset()).Iso()}, {"by", prog.node().Who(a.by)}, {"this", self}});
      text += crypto::Fingerprint(a.node) + "  " + (a.label.empty() ? "-" : a.label) + "  " + a.at.InOffset(prog.offset()).Iso() +
              "  by " + prog.node().Who(a.by) + (self ? "  (this node)" : "") + "\n";
    }
    if (!prog.node().admitted())
      text += "This node (" + crypto::Fingerprint(prog.node().node_key()) + ") is not admitted yet: an admin runs 'vanban node admit " +
              ToHex(prog.node().node_key()) + "'.\n";
    prog.Print(arr, text);
  });

  // --- documents
  auto* c_doc = sub(&app, "doc", "Documents: new, edit, show, list, log, text, revoke");
  c_doc->require_subcommand(1);
  std::string d_file, d_id, d_base, d_state, d_kind, d_query, d_rev, d_reason;
  auto* c_new = sub(c_doc, "new", "Create a document from a file (front matter + body; docs/document-format.md)");
  c_new->add_option("file", d_file, "The document file")->required();
  c_new->callback([&] {
    if (!need_node()) return;
    auto bytes = ReadDocFile(d_file);
    if (!bytes.ok()) { rc = Fail(bytes.status()); return; }
    auto ref = prog.node().NewDocument(prog.actor(), *bytes, d_file);
    if (!ref.ok()) { rc = Fail(ref.status()); return; }
    prog.Print({{"id", ref->id}, {"rev", ref->rev}}, ref->id);
  });
  auto* c_edit = sub(c_doc, "edit", "Make a new revision from a file (a merge when the document has several heads)");
  c_edit->add_option("id", d_id, "Document id (or a unique prefix)")->required();
  c_edit->add_option("file", d_file, "The document file")->required();
  c_edit->add_option("--base", d_base, "Continue this revision (rN or id prefix) instead of every current head");
  c_edit->callback([&] {
    if (!need_node()) return;
    auto bytes = ReadDocFile(d_file);
    if (!bytes.ok()) { rc = Fail(bytes.status()); return; }
    auto ref = prog.node().EditDocument(prog.actor(), d_id, *bytes, d_file, d_base);
    if (!ref.ok()) { rc = Fail(ref.status()); return; }
    prog.Print({{"id", ref->id}, {"rev", ref->rev}}, ref->rev);
  });
  auto* c_show = sub(c_doc, "show", "Show a document: state, revisions, comments, concurrences, signatures, number");
  c_show->add_option("id", d_id, "Document id, unique prefix, or issued number")->required();
  c_show->callback([&] {
    if (!need_node_to_read()) return;
    auto d = prog.node().Show(d_id);
    if (!d.ok()) { rc = Fail(d.status()); return; }
    if (g.json) prog.Print(prog.DocJson(*d), "");
    else prog.Print({}, prog.DocText(*d));
  });
  auto* c_text = sub(c_doc, "text", "Print the text of a revision (default: the current one)");
  c_text->add_option("id", d_id, "Document id")->required();
  c_text->add_option("--rev", d_rev, "Revision (rN or id prefix)");
  c_text->callback([&] {
    if (!need_node()) return;
    auto t = prog.node().RevisionText(d_id, d_rev);
    if (!t.ok()) { rc = Fail(t.status()); return; }
    prog.Print({{"text", *t}}, *t);
  });
  auto* c_list = sub(c_doc, "list", "List documents, oldest first");
  c_list->add_option("--state", d_state, "Only this state");
  c_list->add_option("--kind", d_kind, "Only this kind");
  c_list->add_option("--query", d_query, "Words to find in title, text and number (diacritics optional)");
  c_list->callback([&] {
    if (!need_node_to_read()) return;
    DocFilter f;
    if (!d_state.empty()) f.state = d_state;
    if (!d_kind.empty()) f.kind = d_kind;
    if (!d_query.empty()) f.query = d_query;
    auto list = prog.node().List(f);
    if (!list.ok()) { rc = Fail(list.status()); return; }
    json arr = json::array();
    std::string text;
    for (const DocSummary& s : *list) {
      arr.push_back(prog.SummaryJson(s));
      text += Short(s.id) + "  " + s.kind + "  " + s.state + "  " + (s.number ? *s.number : "-") + "  " + s.title + "\n";
    }
    if (list->empty()) text = "(no documents)";
    prog.Print(arr, text);
  });
  auto* c_log = sub(c_doc, "log", "Full history: who did what, when, on which revision");
  c_log->add_option("id", d_id, "Document id")->required();
  c_log->callback([&] {
    if (!need_node_to_read()) return;
    auto d = prog.node().Show(d_id);
    auto log = prog.node().Log(d_id);
    if (!log.ok()) { rc = Fail(log.status()); return; }
    json arr = json::array();
    std::string text;
    for (const auto& e : *log) {
      std::string who = prog.node().Who(e.event.author);
      std::string what = prog.Summary(*d, e.record);
      std::string at = e.event.at.InOffset(prog.offset()).Iso();
      arr.push_back({{"id", ToHex(e.event.id)}, {"type", e.event.type}, {"author", who}, {"at", at},
                     {"accepted", e.event.accepted}, {"summary", what}, {"note", e.event.note}});
      text += at + "  " + who + "  " + what + (e.event.accepted ? "" : "  [does not count: " + e.event.note + "]") + "\n";
    }
    prog.Print(arr, text);
  });
  auto* c_drev = sub(c_doc, "revoke", "Withdraw an issued document by a later decision (signer or admin)");
  c_drev->add_option("id", d_id, "Document id or number")->required();
  c_drev->add_option("--reason", d_reason, "The decision withdrawing it")->required();

  // --- workflow actions
  std::string w_id, w_to, w_text, w_reason;
  bool w_behalf = false;
  auto done = [&](const std::string& verb) {
    auto d = prog.node().Show(w_id.empty() ? d_id : w_id);
    if (!d.ok()) { rc = Fail(d.status()); return; }
    prog.Print({{"id", ToHex(d->id)}, {"state", StateName(d->state)}, {"number", d->issue ? json(d->issue->number) : json(nullptr)}},
               verb + " " + Short(ToHex(d->id)) + ": now " + StateName(d->state));
  };
  c_drev->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().RevokeDoc(prog.actor(), d_id, d_reason);
    if (!s.ok()) { rc = Fail(s); return; }
    done("Revoked");
  });
  auto* c_inbox = sub(&app, "inbox", "What waits for the acting person, oldest first");
  c_inbox->callback([&] {
    if (!need_node_to_read()) return;
    auto items = prog.node().Inbox(g.as);
    if (!items.ok()) { rc = Fail(items.status()); return; }
    json arr = json::array();
    std::string text;
    for (const InboxItem& it : *items) {
      json j = prog.SummaryJson(it.doc);
      j["action"] = it.action;
      j["detail"] = it.detail;
      j["since"] = it.since.Iso();
      arr.push_back(j);
      text += it.action + "  " + Short(it.doc.id) + "  " + it.doc.kind + "  " + it.doc.title + "  (" + it.detail + ", since " + it.since.Iso() + ")\n";
    }
    if (items->empty()) text = "Nothing waits for you.";
    prog.Print(arr, text);
  });
  auto* c_route = sub(&app, "route", "Ask reviewers for comments (draft -> in_review)");
  c_route->add_option("id", w_id, "Document id")->required();
  c_route->add_option("--to", w_to, "Reviewers' logins, comma-separated")->required();
  c_route->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().Route(prog.actor(), w_id, SplitComma(w_to));
    if (!s.ok()) { rc = Fail(s); return; }
    done("Routed");
  });
  auto* c_comment = sub(&app, "comment", "Comment on the current revision (a routed reviewer, a drafter, or the signer)");
  c_comment->add_option("id", w_id, "Document id")->required();
  c_comment->add_option("text", w_text, "The comment")->required();
  c_comment->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().AddComment(prog.actor(), w_id, w_text);
    if (!s.ok()) { rc = Fail(s); return; }
    done("Commented on");
  });
  auto* c_approve = sub(&app, "approve", "Concur with the current revision (a routed reviewer)");
  c_approve->add_option("id", w_id, "Document id")->required();
  c_approve->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().Approve(prog.actor(), w_id);
    if (!s.ok()) { rc = Fail(s); return; }
    done("Approved");
  });
  auto* c_submit = sub(&app, "submit", "Submit for signature (-> submitted)");
  c_submit->add_option("id", w_id, "Document id")->required();
  c_submit->add_option("--to", w_to, "The signer's login")->required();
  c_submit->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().Submit(prog.actor(), w_id, w_to);
    if (!s.ok()) { rc = Fail(s); return; }
    done("Submitted");
  });
  auto* c_return = sub(&app, "return", "Send a submitted document back to its drafter (-> draft)");
  c_return->add_option("id", w_id, "Document id")->required();
  c_return->add_option("--reason", w_reason, "Why")->required();
  c_return->callback([&] {
    if (!need_node()) return;
    Status s = prog.node().ReturnDoc(prog.actor(), w_id, w_reason);
    if (!s.ok()) { rc = Fail(s); return; }
    done("Returned");
  });
  auto* c_sign = sub(&app, "sign", "Sign the current revision (Ed25519) -> signed");
  c_sign->add_option("id", w_id, "Document id")->required();
  c_sign->add_flag("--on-behalf", w_behalf, "Sign on behalf of the head: \"KT. GIÁM ĐỐC\" (a deputy)");
  c_sign->callback([&] {
    if (!need_node()) return;
    auto unstamped = std::make_shared<std::string>();
    Status s = prog.node().Sign(prog.actor(), w_id, w_behalf, CopyMakerOf(prog.node(), unstamped));
    if (!s.ok()) { rc = Fail(s); return; }
    WarnUnstamped(unstamped);
    done("Signed");
  });
  auto* c_issue = sub(&app, "issue", "Records office: next number, today's date, organisation seal (-> issued)");
  c_issue->add_option("id", w_id, "Document id")->required();
  c_issue->callback([&] {
    if (!need_node()) return;
    auto unstamped = std::make_shared<std::string>();
    auto n = prog.node().Issue(prog.actor(), w_id, CopyMakerOf(prog.node(), unstamped));
    if (!n.ok()) { rc = Fail(n.status()); return; }
    WarnUnstamped(unstamped);
    auto d = prog.node().Show(w_id);
    if (!d.ok()) { rc = Fail(d.status()); return; }
    prog.Print({{"id", ToHex(d->id)}, {"state", StateName(d->state)}, {"number", *n}, {"date", d->issue->date}},
               "Issued " + Short(ToHex(d->id)) + " as " + *n + " on " + d->issue->date);
  });

  auto* c_receive = sub(&app, "receive",
                        "Records office of an addressed organisation: register an issued document as incoming "
                        "(next incoming number, today's date), after verifying its signed PDF");
  c_receive->add_option("id", w_id, "Document id, unique prefix, or the issuer's number")->required();
  c_receive->callback([&] {
    if (!need_node()) return;
    // The signed copy must be authentic and intact before the receipt vouches for it.
    auto n = prog.node().Receive(prog.actor(), w_id, pdf::ReceiptVerifier(prog.node()));
    if (!n.ok()) { rc = Fail(n.status()); return; }
    auto d = prog.node().Show(w_id);
    if (!d.ok()) { rc = Fail(d.status()); return; }
    const Receipt* r = d->ReceiptOf(prog.node().org().root);
    std::string date = r ? r->date : "";
    std::string theirs = d->issue ? d->issue->number : Short(ToHex(d->id));
    prog.Print({{"id", ToHex(d->id)}, {"number", *n}, {"date", date}, {"their_number", theirs},
                {"from", prog.node().OrgName(d->org)}},
               "Received " + theirs + " as incoming " + *n + " on " + date);
  });

  // --- PDF: export, verify, archive
  std::string p_out;
  auto* c_export = sub(&app, "export", "Export a document");
  auto* c_xpdf = sub(c_export, "pdf", "The document as PDF: the signed copy as stored once signed, else the draft rendered now");
  c_xpdf->add_option("id", w_id, "Document id, unique prefix, or issued number")->required();
  c_xpdf->add_option("-o,--output", p_out, "The PDF file to write")->required();
  c_xpdf->callback([&] {
    if (!need_node_to_read()) return;
    auto bytes = pdf::ExportPdf(prog.node(), w_id);
    if (!bytes.ok()) { rc = Fail(bytes.status()); return; }
    Status s = files::WriteAtomic(p_out, *bytes, 0644, false);
    if (!s.ok()) { rc = Fail(s); return; }
    prog.Print({{"file", p_out}, {"bytes", bytes->size()}}, "Wrote " + p_out + " (" + std::to_string(bytes->size()) + " bytes)");
  });
  std::string v_what, v_sigdir;
  auto* c_verify = sub(&app, "verify", "Verify a signed PDF on its own (or a stored document's): signatures, signers, number, date");
  c_verify->add_option("what", v_what, "A PDF file, or the id or number of a document on this node")->required();
  c_verify->add_option("--signatures", v_sigdir, "Also write each signature (N.p7s, DER) and its signed bytes (N.bin) here, for certtool");
  c_verify->callback([&] {
    if (!need_node_to_read()) return;
    const bool from_file = NamesFile(v_what);
    auto read = SignedPdf(prog.node(), v_what);
    if (!read.ok()) { rc = Fail(read.status()); return; }
    std::string bytes = std::move(*read);
    if (!v_sigdir.empty()) {
      auto n = pdf::ExportSignatures(bytes, v_sigdir);
      if (!n.ok()) { rc = Fail(n.status()); return; }
    }
    auto v = pdf::VerifyOnNode(bytes, prog.node());
    if (!v.ok()) { rc = Fail(from_file ? v.status().With(v_what) : v.status()); return; }
    json sigs = json::array();
    std::string text = std::string(v->valid ? "VALID" : "INVALID") + "  " + (v->number.empty() ? "(no number)" : v->number) +
                       "  " + (v->date.empty() ? "" : v->date + "  ") + v->org + "\n" + "Title:  " + v->title + "\n";
    for (const pdf::SignatureCheck& s : v->signatures) {
      sigs.push_back({{"field", s.field}, {"role", s.role}, {"signer", s.signer}, {"title", s.title},
                      {"on_behalf", s.on_behalf.empty() ? json(nullptr) : json(s.on_behalf)}, {"org", s.org},
                      {"time", s.time}, {"fingerprint", s.fingerprint},
                      {"serial", s.serial.empty() ? json(nullptr) : json(s.serial)},
                      {"issuer", s.issuer.empty() ? json(nullptr) : json(s.issuer)}, {"status", s.status},
                      {"chain", s.chain.empty() ? json(nullptr) : json(s.chain)},
                      {"revocation", s.revocation.empty() ? json(nullptr) : json(s.revocation)},
                      {"timestamp", s.timestamp_time.empty()
                                        ? json(nullptr)
                                        : json{{"time", s.timestamp_time}, {"authority", s.timestamp_authority},
                                               {"trusted", s.timestamp_trusted}}},
                      {"valid", s.valid},
                      {"reason", s.reason}});
      const char* mark = s.status == "valid" ? "valid    " : s.status == "untrusted" ? "UNTRUSTED " : "INVALID  ";
      text += "  " + std::string(mark) + s.field + "  " + s.signer +
              (s.title.empty() ? "" : " (" + (s.on_behalf.empty() ? "" : s.on_behalf + " - ") + s.title + ")") + ", " + s.org + ", " + s.time + ", key " + s.fingerprint +
              (s.serial.empty() ? "" : ", certificate " + s.serial + (s.issuer.empty() ? "" : " by " + s.issuer)) +
              (s.revocation.empty() || !s.valid ? "" : ", " + s.revocation) +
              (s.timestamp_time.empty() ? ""
                                        : ", time-stamped " + s.timestamp_time + " by " + s.timestamp_authority +
                                              (s.timestamp_trusted ? "" : " (authority not trusted here)")) +
              (s.status == "untrusted" ? "\n           valid signature, signer not trusted here: " + s.reason
               : s.valid              ? ""
                                      : "\n           why: " + s.reason) +
              "\n";
    }
    if (v->revoked)
      text += "REVOKED by " + v->revoked->by + " at " + v->revoked->at +
              (v->revoked->reason.empty() ? "" : ": " + v->revoked->reason) + "\n";
    json stamps = json::array();
    for (const pdf::DocumentTimeStampCheck& d : v->document_timestamps) {
      stamps.push_back({{"field", d.field}, {"valid", d.valid}, {"time", d.time.empty() ? json(nullptr) : json(d.time)},
                        {"authority", d.authority.empty() ? json(nullptr) : json(d.authority)},
                        {"serial", d.serial.empty() ? json(nullptr) : json(d.serial)}, {"trusted", d.trusted},
                        {"reason", d.reason}});
      text += d.valid ? "  valid    " + d.field + "  document time-stamp " + d.time + " by " + d.authority +
                            (d.trusted ? "" : " (authority not trusted here)") + "\n"
                      : "  INVALID  " + d.field + "  document time-stamp\n           why: " + d.reason + "\n";
    }
    for (const std::string& a : v->awaiting) text += "Awaiting the signature of " + a + "\n";
    for (const std::string& p : v->problems) text += "PROBLEM: " + p + "\n";
    if (!text.empty() && text.back() == '\n') text.pop_back();
    prog.Print({{"valid", v->valid}, {"number", v->number.empty() ? json(nullptr) : json(v->number)},
                {"date", v->date.empty() ? json(nullptr) : json(v->date)}, {"title", v->title}, {"kind", v->kind},
                {"org", v->org}, {"document", v->document}, {"revision", v->revision}, {"signatures", sigs},
                {"document_timestamps", stamps}, {"awaiting", v->awaiting}, {"problems", v->problems},
                {"revoked", v->revoked ? json{{"by", v->revoked->by}, {"at", v->revoked->at}, {"reason", v->revoked->reason}}
                                       : json(nullptr)},
                {"issued_as", v->issued_as_number.empty()
                                  ? json(nullptr)
                                  : json{{"number", v->issued_as_number}, {"date", v->issued_as_date}}}},
               text);
    if (!v->valid) rc = 1;
  });
  std::string ts_what, ts_out, ts_url;
  auto* c_pdf = sub(&app, "pdf", "Signed PDFs");
  c_pdf->require_subcommand(1);
  auto* c_pts = sub(c_pdf, "timestamp",
                    "Add a document time-stamp (RFC 3161, /ETSI.RFC3161) from the time-stamping authority to a signed "
                    "PDF, as one more incremental update: proof that the PDF and its signatures existed then");
  c_pts->add_option("what", ts_what, "A PDF file, or the id or number of a document on this node (its signed PDF)")->required();
  c_pts->add_option("-o,--output", ts_out, "The time-stamped PDF to write")->required();
  c_pts->add_option("--tsa", ts_url, "The authority's URL (default: this node's 'config set tsa')");
  c_pts->callback([&] {
    if (!need_node_to_read()) return;
    std::string url = ts_url;
    if (url.empty()) {
      auto set = prog.node().NodeSetting("tsa");
      if (!set.ok()) { rc = Fail(set.status()); return; }
      url = *set;
    }
    if (url.empty()) {
      rc = Fail(Status::BadInput("no time-stamping authority: give --tsa URL, or set one with 'vanban config set tsa URL'"));
      return;
    }
    auto bytes = SignedPdf(prog.node(), ts_what);
    if (!bytes.ok()) { rc = Fail(bytes.status()); return; }
    auto now = prog.node().Now();
    if (!now.ok()) { rc = Fail(now.status()); return; }
    auto lists = prog.node().RevocationLists();
    if (!lists.ok()) { rc = Fail(lists.status()); return; }
    auto stamped = pdf::AddDocumentTimeStamp(
        *bytes, [&](std::string_view covered) { return sync::TimeStampOf(url, covered, sync::kTimeStampTimeout); },
        now->utc, *lists);
    if (!stamped.ok()) { rc = Fail(stamped.status().With(ts_what)); return; }
    Status s = files::WriteAtomic(ts_out, stamped->pdf, 0644, false);
    if (!s.ok()) { rc = Fail(s); return; }
    const pdf::DocumentTimeStampCheck& d = stamped->stamp;
    prog.Print({{"file", ts_out}, {"field", d.field}, {"time", d.time}, {"authority", d.authority}, {"serial", d.serial},
                {"revocation_lists", stamped->revocation_lists}, {"bytes", stamped->pdf.size()}},
               "Wrote " + ts_out + ": time-stamped " + d.time + " by " + d.authority + " (" + d.field + ")" +
                   (stamped->revocation_lists ? ", with " + std::to_string(stamped->revocation_lists) +
                                                    " revocation list(s) of the signers' authorities"
                                              : std::string()));
  });

  int a_year = 0;
  std::string a_dir;
  auto* c_archive = sub(&app, "archive", "The archive of issued documents");
  auto* c_aexp = sub(c_archive, "export", "Every issued document of a year as signed PDF, with a manifest signed by the seal");
  c_aexp->add_option("--year", a_year, "The year")->required();
  c_aexp->add_option("-o,--output", a_dir, "The folder to write (made if missing; resumable)")->required();
  c_aexp->callback([&] {
    if (!need_node()) return;
    bool tty = ::isatty(2);
    auto n = pdf::ExportArchive(prog.node(), prog.actor(), a_year, a_dir, [&](const pdf::ArchiveProgress& p) {
      if (tty) std::cerr << "\r" << p.done << "/" << p.total << "  " << p.number << "        " << std::flush;
    });
    if (tty) std::cerr << "\n";
    if (!n.ok()) { rc = Fail(n.status()); return; }
    prog.Print({{"dir", a_dir}, {"documents", *n}, {"manifest", a_dir + "/manifest.json"}},
               "Archived " + std::to_string(*n) + " document(s) of " + std::to_string(a_year) + " in " + a_dir +
                   " (manifest.json, signed by the seal: manifest.json.sig)");
  });

  // --- registers and checks
  int r_year = 0;
  bool r_incoming = false;
  auto* c_reg = sub(&app, "register", "The outgoing register (default) or the incoming one");
  c_reg->add_option("--year", r_year, "Only this year");
  c_reg->add_flag("--incoming", r_incoming, "The incoming register");
  c_reg->callback([&] {
    if (!need_node_to_read()) return;
    auto reg = prog.node().Register(r_year ? std::optional<int>(r_year) : std::nullopt, r_incoming);
    if (!reg.ok()) { rc = Fail(reg.status()); return; }
    json arr = json::array();
    std::string text;
    for (const RegisterEntry& e : *reg) {
      if (r_incoming) {
        json j = {{"number", e.received ? json(e.number) : json(nullptr)},
                  {"date", e.received ? json(e.date) : json(nullptr)},
                  {"kind", e.kind}, {"title", e.title}, {"signer", e.signer}, {"their_number", e.their_number},
                  {"their_date", e.their_date}, {"from", e.from}, {"id", e.doc}, {"received", e.received},
                  {"received_by", e.received ? json(e.received_by) : json(nullptr)}};
        if (!e.collides_with.empty()) {
          j["collides_with"] = e.collides_with;
          j["must_rereceive"] = e.must_rereceive;
        }
        arr.push_back(j);
        text += (e.received ? e.number + "  " + e.date : std::string("-  (not yet received)")) + "  " + e.their_number + "  " +
                e.their_date + "  " + e.from + "  " + e.kind + "  " + e.title + "  " + e.signer;
        if (e.must_rereceive) text += "  [COLLISION: incoming number given twice; receive again with 'vanban receive " + Short(e.doc) + "']";
        else if (!e.collides_with.empty()) text += "  [COLLISION: keeps the incoming number]";
        text += "\n";
        continue;
      }
      json j = {{"number", e.number}, {"date", e.date}, {"kind", e.kind}, {"title", e.title}, {"signer", e.signer}, {"id", e.doc}};
      j["receipts"] = json::array();
      for (const RegisterReceipt& r : e.receipts)
        j["receipts"].push_back({{"org", r.org}, {"by", r.by}, {"at", r.at}, {"date", r.date}, {"number", std::to_string(r.number)}});
      j["awaiting"] = e.awaiting;
      if (!e.collides_with.empty()) {
        j["collides_with"] = e.collides_with;
        j["must_reissue"] = e.must_reissue;
      }
      arr.push_back(j);
      text += e.number + "  " + e.date + "  " + e.kind + "  " + e.title + "  " + e.signer;
      if (e.must_reissue) text += "  [COLLISION: issued twice; re-issue with 'vanban issue " + Short(e.doc) + "']";
      else if (!e.collides_with.empty()) text += "  [COLLISION: keeps the number]";
      text += "\n";
      for (const RegisterReceipt& r : e.receipts)
        text += "    received by " + r.org + " as incoming " + std::to_string(r.number) + " on " + r.date + " (" + r.by + ")\n";
      for (const std::string& a : e.awaiting) text += "    awaiting the receipt of " + a + "\n";
    }
    if (reg->empty()) text = r_incoming ? "(the incoming register is empty)" : "(the register is empty)";
    prog.Print(arr, text);
  });
  bool repair = false;
  auto* c_check = sub(&app, "check", "Re-verify every stored record and view; exit 1 on any problem");
  c_check->add_flag("--repair", repair, "First rebuild every view from the records (records are never rewritten)");
  c_check->callback([&] {
    if (!(repair ? need_node() : need_node_to_read())) return;  // --repair rewrites the views
    if (repair) {
      Status s = prog.node().RebuildViews();
      if (!s.ok()) { rc = Fail(s); return; }
    }
    auto rep = prog.node().Check();
    if (!rep.ok()) { rc = Fail(rep.status()); return; }
    std::string text = std::to_string(rep->records) + " records, digest " + rep->digest + "\n";
    for (const auto& p : rep->problems) text += "PROBLEM: " + p + "\n";
    for (const auto& n : rep->notes) text += "note: " + n + "\n";
    text += rep->ok ? "ok" : std::to_string(rep->problems.size()) + " problem(s)";
    prog.Print({{"ok", rep->ok}, {"records", rep->records}, {"digest", rep->digest}, {"problems", rep->problems}, {"notes", rep->notes}}, text);
    if (!rep->ok) rc = 1;
  });

  // --- sync: network and bundles
  std::string s_listen, s_peer, s_out, s_for, s_file;
  size_t s_max_sessions = 0;
  int s_timeout = 0;
  auto unlock_node_key = [&]() -> Result<SecretKey> {
    return prog.node().UnlockNodeKey(PassphraseFrom(g.passphrase_file, "VANBAN_PASSPHRASE", "this node's key"));
  };
  std::string web_listen = "127.0.0.1:8765";
  bool web_remote = false;
  auto* c_web = sub(&app, "web", "Serve the browser interface (Vietnamese) on this node, loopback only by default (foreground)");
  c_web->add_option("--listen", web_listen, "HOST:PORT (default 127.0.0.1:8765; port 0: any free port)");
  c_web->add_flag("--allow-remote", web_remote,
                  "Accept a non-loopback address: there is no TLS, passphrases cross the network in clear (docs/web.md)");
  c_web->callback([&] {
    web::Options wo;
    wo.allow_remote = web_remote;
    wo.log = [](const std::string& line) { std::cerr << line << std::endl; };
    Status s = web::ParseListen(web_listen, &wo);
    if (!s.ok()) { rc = Fail(s); return; }
    if (!need_node()) return;
    auto server = web::Server::Start(prog.node(), wo);
    if (!server.ok()) { rc = Fail(server.status()); return; }
    std::string host = wo.host.find(':') != std::string::npos ? "[" + wo.host + "]" : wo.host;
    std::string url = "http://" + host + ":" + std::to_string((*server)->port()) + "/";
    prog.Print({{"url", url}}, "Serving the web interface of " + prog.node().org().name + " at " + url + " (Ctrl-C stops)");
    std::cout << std::flush;
    s = (*server)->Run(true);
    if (!s.ok()) { rc = Fail(s); return; }
    std::cerr << "Stopped.\n";
  });
  auto* c_serve = sub(&app, "serve", "Serve syncs to this organisation's nodes and trusted organisations (foreground)");
  c_serve->add_option("--listen", s_listen, "HOST:PORT to listen on, e.g. 0.0.0.0:7410 (port 0: any free port)")->required();
  c_serve->add_option("--max-sessions", s_max_sessions, "Sessions at once (default 256)");
  c_serve->add_option("--idle-timeout", s_timeout, "Seconds a peer may stay silent (default 30)");
  c_serve->callback([&] {
    if (!need_node()) return;
    auto key = unlock_node_key();
    if (!key.ok()) { rc = Fail(key.status()); return; }
    sync::ServeOptions so;
    if (s_max_sessions) so.max_sessions = s_max_sessions;
    if (s_timeout > 0) so.limits.idle = std::chrono::seconds(s_timeout);
    so.log = [&](const std::string& line) {
      auto now = prog.node().Now();
      std::cerr << (now.ok() ? now->Iso() + " " : "") << line << std::endl;
    };
    so.listening = [&](uint16_t port) {
      std::string where = s_listen.substr(0, s_listen.rfind(':')) + ":" + std::to_string(port);
      prog.Print({{"listening", where}, {"node", ToHex(prog.node().node_key())}},
                 "Listening on " + where + " as node " + crypto::Fingerprint(prog.node().node_key()) + " of " +
                     prog.node().org().name + " (Ctrl-C stops)");
      std::cout << std::flush;
    };
    Status s = sync::Serve(prog.home(), *key, s_listen, so);
    if (!s.ok()) { rc = Fail(s); return; }
    std::cerr << "Stopped.\n";
  });
  auto* c_sync = sub(&app, "sync", "Exchange records with one peer (a 'vanban serve'), then exit");
  c_sync->add_option("peer", s_peer, "HOST:PORT of the peer")->required();
  c_sync->add_option("--timeout", s_timeout, "Seconds to wait for the peer at each step (default 30)");
  c_sync->callback([&] {
    if (!need_node()) return;
    auto key = unlock_node_key();
    if (!key.ok()) { rc = Fail(key.status()); return; }
    sync::Limits limits;
    if (s_timeout > 0) limits.idle = limits.handshake = std::chrono::seconds(s_timeout);
    auto rep = sync::SyncAndRecord(prog.node(), *key, s_peer, limits);
    if (!rep.ok()) { rc = Fail(rep.status()); return; }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", rep->seconds);
    std::string text = "Synced with " + rep->peer_org + " (node " + crypto::Fingerprint(rep->peer_node) + ") at " + s_peer +
                       ": sent " + std::to_string(rep->sent) + ", received " + std::to_string(rep->received) +
                       " record(s); " + std::to_string(rep->bytes_sent + rep->bytes_received) + " bytes, " + secs + " s";
    for (const std::string& r : rep->refused) text += "\nrefused here: " + r;
    for (const std::string& r : rep->peer_refusals) text += "\nrefused by the peer: " + r;
    prog.Print({{"peer", s_peer}, {"peer_org", rep->peer_org}, {"peer_node", ToHex(rep->peer_node)},
                {"sent", rep->sent}, {"received", rep->received}, {"duplicate", rep->duplicate},
                {"refused", rep->refused}, {"peer_accepted", rep->peer_accepted}, {"peer_refused", rep->peer_refused},
                {"peer_refusals", rep->peer_refusals}, {"blobs_sent", rep->blobs_sent},
                {"blobs_received", rep->blobs_received}, {"bytes_sent", rep->bytes_sent},
                {"bytes_received", rep->bytes_received}, {"seconds", rep->seconds}},
               text);
  });
  auto* c_bundle = sub(&app, "bundle", "Sync by file, where no network reaches: export on one node, import on the other");
  c_bundle->require_subcommand(1);
  auto* c_bexp = sub(c_bundle, "export", "Write what a trusted organisation (--for) or this organisation's nodes may receive");
  c_bexp->add_option("-o,--output", s_out, "The bundle file to write")->required();
  c_bexp->add_option("--for", s_for, "Alias of the trusted organisation it is for (default: this organisation's own nodes)");
  c_bexp->callback([&] {
    if (!need_node()) return;
    auto for_org = sync::BundleRecipient(prog.node(), s_for);
    if (!for_org.ok()) { rc = Fail(for_org.status()); return; }
    auto key = unlock_node_key();
    if (!key.ok()) { rc = Fail(key.status()); return; }
    auto out = sync::ExportBundle(prog.node(), *key, *for_org, s_out);
    if (!out.ok()) { rc = Fail(out.status()); return; }
    prog.Print({{"file", s_out}, {"for", out->for_org}, {"records", out->records}, {"blobs", out->blobs}, {"bytes", out->bytes}},
               "Wrote " + s_out + " for " + out->for_org + ": " + std::to_string(out->records) + " record(s), " +
                   std::to_string(out->blobs) + " signed cop" + (out->blobs == 1 ? "y" : "ies") + ", " +
                   std::to_string(out->bytes) + " bytes");
  });
  auto* c_bimp = sub(c_bundle, "import", "Take in a bundle: every record that verifies is kept; exit 1 if anything did not");
  c_bimp->add_option("file", s_file, "The bundle file")->required();
  c_bimp->callback([&] {
    if (!need_node()) return;
    auto bytes = files::Read(s_file, 2048u << 20);
    if (!bytes.ok()) { rc = Fail(bytes.status()); return; }
    auto rep = sync::ImportBundle(prog.node(), *bytes);
    if (!rep.ok()) { rc = Fail(rep.status().With(s_file)); return; }
    std::string text = "Imported " + s_file + " from " + rep->from_org + ": " + std::to_string(rep->accepted) +
                       " new record(s), " + std::to_string(rep->duplicate) + " already here";
    for (const std::string& r : rep->refused) text += "\nrefused: " + r;
    for (const std::string& d : rep->damaged) text += "\ndamaged: " + d;
    prog.Print({{"file", s_file}, {"from", rep->from_org}, {"made", rep->made}, {"received", rep->accepted},
                {"duplicate", rep->duplicate}, {"blobs", rep->blobs}, {"refused", rep->refused}, {"damaged", rep->damaged},
                {"ok", rep->clean()}},
               text);
    if (!rep->clean()) rc = 1;
  });

  // CLI11 reports a mistyped command as "A subcommand is required"; name it instead.
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--home" || a == "--as" || a == "--passphrase-file" || a == "--pin-file") { ++i; continue; }
    if (a.rfind("-", 0) == 0) continue;
    bool known = false;
    for (const CLI::App* c : app.get_subcommands([](CLI::App*) { return true; })) known = known || c->get_name() == a;
    if (!known) {
      std::cerr << "vanban: unknown command '" << a << "' (see 'vanban --help')\n";
      return 2;
    }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "vanban: " << e.what() << " (see 'vanban --help')\n";
    return 2;
  }
  return rc;
}

}  // namespace vanban::cli

int main(int argc, char** argv) {
  try {
    return vanban::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    // A programmer error: say so plainly rather than abort silently.
    std::cerr << "vanban: internal error (please report it): " << e.what() << "\n";
    return 2;
  }
}
