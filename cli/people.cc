// vanban/cli — people and keys: init (the node, its organisation and admin, or a node
// joining one), user (add, revoke, image, list), key (passwd, token, request).
#include <algorithm>
#include <cctype>

#include "cli/passphrase.h"
#include "cli/program.h"
#include "core/files.h"
#include "core/keyrequest.h"
#include "core/x509.h"

namespace vanban::cli {
namespace {

using Flags = std::vector<std::pair<std::string, std::string>>;

struct InitArgs : InitOptions {
  std::string join;
  CLI::Option* offset = nullptr;
};

// init --join CARD: a new node of the card's organisation.
Status JoinNode(Program& prog, InitArgs& a) {
  const InitOptions& init = a;
  for (const auto& [flag, v] : Flags{{"--org", init.org_name}, {"--code", init.code}, {"--place", init.place},
                                     {"--admin", init.admin_login}, {"--name", init.admin_name},
                                     {"--title", init.admin_title}, {"--parent", init.parent_body}})
    if (!v.empty()) return Status::BadInput("init --join takes the organisation from the card: leave out " + flag);
  if (a.offset->count()) return Status::BadInput("init --join takes the organisation from the card: leave out --utc-offset");
  VB_ASSIGN_OR_RETURN(std::string card, files::Read(a.join, (4u << 20) + 1));
  VB_ASSIGN_OR_RETURN(std::string passphrase, prog.Passphrase("the new node's key")());
  VB_ASSIGN_OR_RETURN(NodeOptions options, prog.NodeOptionsOfRun());
  auto n = Node::Join(prog.home(), card, passphrase, options);
  std::fill(passphrase.begin(), passphrase.end(), '\0');
  if (!n.ok()) return n.status().With(a.join);
  const Organisation& o = (*n)->org();
  const std::string key = ToHex((*n)->node_key());
  prog.Print({{"node", key}, {"fingerprint", crypto::Fingerprint((*n)->node_key())}, {"org", ToHex(o.root)},
              {"code", o.code}, {"name", o.name}, {"home", prog.home()}},
             "Joined " + o.name + " (" + o.code + ") in " + prog.home() + "\nNode key: " + key +
                 "\nFingerprint: " + crypto::Fingerprint((*n)->node_key()) +
                 "\nNext: an admin runs 'vanban node admit " + key + " --label TEXT' on an admitted node of " + o.code +
                 ", then the nodes sync.\nTo act here, a person makes a key: 'vanban key request LOGIN --name FULLNAME "
                 "--title TITLE -o REQ', and an admin grants it: 'vanban user add LOGIN --request REQ --roles ROLE'.");
  return Status::Ok();
}

// init: a new node, organisation and admin.
Status InitNode(Program& prog, InitArgs& a) {
  InitOptions& init = a;
  for (const auto& [flag, v] : Flags{{"--org", init.org_name}, {"--code", init.code}, {"--place", init.place},
                                     {"--admin", init.admin_login}, {"--name", init.admin_name},
                                     {"--title", init.admin_title}})
    if (v.empty()) return Status::BadInput("init: " + flag + " is required (or --join CARD to join an organisation)");
  VB_ASSIGN_OR_RETURN(init.passphrase, prog.Passphrase("the new admin '" + init.admin_login + "'")());
  VB_ASSIGN_OR_RETURN(NodeOptions options, prog.NodeOptionsOfRun());
  auto n = Node::Init(prog.home(), init, options);
  std::fill(init.passphrase.begin(), init.passphrase.end(), '\0');
  if (!n.ok()) return n.status();
  const Organisation& o = (*n)->org();
  prog.Print({{"org", ToHex(o.root)}, {"code", o.code}, {"name", o.name}, {"admin", init.admin_login},
              {"node", ToHex((*n)->node_key())}, {"home", prog.home()}},
             "Created " + o.name + " (" + o.code + ") in " + prog.home() + "\nAdmin: " + init.admin_login +
                 " (admin, signer)\nOrganisation key: " + ToHex(o.root) + "\nFingerprint: " + crypto::Fingerprint(o.root));
  return Status::Ok();
}

Status Init(Program& prog, InitArgs& a) { return a.join.empty() ? InitNode(prog, a) : JoinNode(prog, a); }

void DeclareInit(CLI::App& app, Program& prog) {
  auto init = prog.Command(&app, "init",
                          "Create a node and its organisation, with the admin (roles admin, signer); "
                          "or, with --join CARD, a new node of an existing organisation",
                          Access::kNone, Init);
  init.Opt("--org", &InitArgs::org_name, "Organisation name, e.g. \"Sở Ngoại vụ tỉnh Lạng Sơn\" (required without --join)")
      .Opt("--code", &InitArgs::code, "Organisation symbol used in numbers, e.g. SNgV (required without --join)")
      .Opt("--place", &InitArgs::place, "Place printed before the date, e.g. \"Lạng Sơn\" (required without --join)")
      .Opt("--admin", &InitArgs::admin_login, "Login of the head of the organisation (required without --join)")
      .Opt("--name", &InitArgs::admin_name, "The head's full name (required without --join)")
      .Opt("--title", &InitArgs::admin_title, "The head's title, e.g. \"Giám đốc\" (required without --join)")
      .Opt("--parent", &InitArgs::parent_body, "Parent body, e.g. \"UBND TỈNH LẠNG SƠN\"")
      .Opt("--utc-offset", &InitArgs::utc_offset, "The organisation's time zone (default +07:00)")
      .Opt("--join", &InitArgs::join,
           "Join the organisation of this card ('vanban org card -o FILE' on one of its nodes): a new node "
           "with its own node key and no organisation or admin keys");
  init.args().offset = init.cmd()->get_option("--utc-offset");
}

Result<std::set<Role>> ParseRoles(const std::string& list) {
  std::set<Role> roles;
  for (const std::string& r : SplitComma(list)) {
    auto role = ParseRole(r);
    if (!role) return Status::BadInput("--roles: unknown role '" + r + "' (drafter, reviewer, signer, clerk, archivist, admin)");
    roles.insert(*role);
  }
  return roles;
}

struct UserArgs {
  std::string login, name, title, roles, newpass, request;
};

// user add: a key made here, or granted from a request (--request).
Status AddUser(Program& prog, UserArgs& a) {
  VB_ASSIGN_OR_RETURN(std::set<Role> roles, ParseRoles(a.roles));
  Result<Person> p = Status::BadInput("");
  if (!a.request.empty()) {
    for (const auto& [flag, v] : Flags{{"--name", a.name}, {"--title", a.title}, {"--new-passphrase-file", a.newpass}})
      if (!v.empty())
        return Status::BadInput("user add --request: the name, title and key come from the request: leave out " + flag);
    VB_ASSIGN_OR_RETURN(std::string req, files::Read(a.request, kMaxKeyRequestBytes + 1));
    p = prog.node().AddUserFromRequest(prog.actor(), a.login, req, roles, a.request);
  } else {
    if (a.name.empty() || a.title.empty())
      return Status::BadInput(std::string("user add: ") + (a.name.empty() ? "--name" : "--title") + " is required (or --request REQ)");
    PassphraseSource np = a.newpass.empty() ? PassphraseSource() : PassphraseFrom(a.newpass, "", "'" + a.login + "'");
    p = prog.node().AddUser(prog.actor(), a.login, a.name, a.title, roles, np);
  }
  if (!p.ok()) return p.status();
  prog.Print({{"login", p->login}, {"name", p->name}, {"title", p->title}, {"roles", SplitComma(RolesText(p->current_roles()))},
              {"key", ToHex(p->key)}},
             "Added " + p->login + " (" + p->name + ", " + p->title + "): " + RolesText(p->current_roles()) +
                 (a.request.empty() ? "" : "\nKey " + crypto::Fingerprint(p->key) + " from " + a.request +
                                               ": the person acts on their own node once this grant reaches it (sync)"));
  return Status::Ok();
}

void DeclareUserAdd(CLI::App* user, Program& prog) {
  prog.Command(user, "add", "Add a person (needs role admin): makes their key on this node, or grants the key of "
               "a request made on their own node (--request)",
               Access::kWrite, AddUser).Need("login", &UserArgs::login, "Login, e.g. nguyenvana")
      .Opt("--name", &UserArgs::name, "Full name (required without --request)")
      .Opt("--title", &UserArgs::title, "Title, e.g. \"Chuyên viên\", \"Phó Giám đốc\" (required without --request)")
      .Need("--roles", &UserArgs::roles, "Comma-separated: drafter, reviewer, signer, clerk, archivist, admin")
      .Opt("--new-passphrase-file", &UserArgs::newpass,
           "File with the new person's passphrase (default: the acting person's source)")
      .Opt("--request", &UserArgs::request,
           "A key request file ('vanban key request' on the person's node): grant its key, make none here");
}

Status RevokeUser(Program& prog, std::string& login) {
  VB_RETURN_IF_ERROR(prog.node().RevokeUser(prog.actor(), login));
  prog.Print({{"login", login}, {"active", false}}, "Revoked " + login);
  return Status::Ok();
}

struct ImageArgs {
  std::string login, image;
};

Status SetUserImage(Program& prog, ImageArgs& a) {
  VB_ASSIGN_OR_RETURN(std::string png, files::Read(a.image, 64u << 20));
  auto r = prog.node().SetSignatureImage(prog.actor(), a.login, png);
  if (!r.ok()) return r.status().With(a.image);
  prog.Print({{"login", a.login}, {"width", r->width}, {"height", r->height}, {"transparent", !r->alpha.empty()}},
             "Set the signature image of " + a.login + " (" + std::to_string(r->width) + "x" +
                 std::to_string(r->height) + " pixels" + (r->alpha.empty() ? ", no transparency" : "") +
                 "): it shows in the signatures they make from now on");
  return Status::Ok();
}

Status ListUsers(Program& prog) {
  json arr = json::array();
  std::string text;
  for (const Person& p : prog.node().Users()) {
    arr.push_back({{"login", p.login}, {"name", p.name}, {"title", p.title}, {"roles", SplitComma(RolesText(p.current_roles()))},
                   {"active", p.active()}, {"key", ToHex(p.key)}});
    text += p.login + "  " + p.name + "  (" + p.title + ")  " + (p.active() ? RolesText(p.current_roles()) : "REVOKED") + "\n";
  }
  prog.Print(arr, text);
  return Status::Ok();
}

void DeclareUserCommands(CLI::App& app, Program& prog) {
  auto* user = Group(&app, "user", "People of this organisation");
  DeclareUserAdd(user, prog);
  prog.Command(user, "revoke", "Revoke a person: their later records no longer count (needs role admin)",
               Access::kWrite, RevokeUser).Need("login", "Login");
  prog.Command(user, "image",
               "Set a person's handwritten-signature image (PNG, blue on a transparent background), shown in "
               "their signature between title and name (Decree 30 Appendix I; needs role admin)",
               Access::kWrite, SetUserImage).Need("login", &ImageArgs::login, "Login").Need("file", &ImageArgs::image, "The image, PNG");
  prog.Command(user, "list", "List the people of this organisation and their roles", Access::kRead, ListUsers);
}

Status ChangePassphrase(Program& prog, std::string& newpass) {
  std::string login = prog.globals().as;
  if (login.empty()) {
    VB_ASSIGN_OR_RETURN(login, prog.node().DefaultLogin());
  }
  VB_RETURN_IF_ERROR(prog.node().ChangePassphrase(login, prog.actor().passphrase,
                                                  PassphraseFrom(newpass, "", "the new passphrase of '" + login + "'")));
  prog.Print({{"login", login}, {"changed", true}}, "Changed the passphrase of " + login + "'s keys");
  return Status::Ok();
}

struct TokenArgs : token::Location {
  std::string chain;
};

// key token: the signing key and certificate on a PKCS#11 token, bound to the acting person.
Status BindToken(Program& prog, TokenArgs& a) {
  for (char& ch : a.id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (a.id.find_first_not_of("0123456789abcdef") != std::string::npos || a.id.size() % 2)
    return Status::BadInput("--id must be hex digits, two per byte (e.g. 01)");
  std::string chain;
  if (!a.chain.empty()) {
    VB_ASSIGN_OR_RETURN(chain, files::Read(a.chain, 1u << 20));
  }
  VB_ASSIGN_OR_RETURN(auto b, prog.node().BindToken(prog.actor(), a, chain));
  const x509::Certificate& c = b.certificate;
  const std::string& login = b.login;
  prog.Print({{"login", login}, {"subject", c.subject.common_name}, {"issuer", c.issuer.common_name},
              {"serial", c.serial}, {"sha256", c.fingerprint}, {"module", b.where.module},
              {"token", b.where.token}, {"id", b.where.id}, {"already", b.already}},
             (b.already ? "Already bound: " : "Bound ") + c.subject.common_name + "'s certificate (serial " + c.serial +
                 ", issued by " + c.issuer.common_name + ") on token '" + b.where.token + "' (id " + b.where.id +
                 ") to " + login + ".\nTheir signatures in PDFs are now made on the token; signing asks for its PIN.");
  return Status::Ok();
}

void DeclareKeyToken(CLI::App* key, Program& prog) {
  prog.Command(key, "token",
               "Bind the signing key and certificate on a PKCS#11 token (USB token, smart card) to the acting "
               "person (a signer); signing then asks for the token's PIN (--pin-file, $VANBAN_PIN, a prompt)",
               Access::kWrite, BindToken)
      .Need("--module", &TokenArgs::module,
            "The token's PKCS#11 module, e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
      .Opt("--token", &TokenArgs::token, "The token's label (default: the only token plugged in)")
      .Opt("--id", &TokenArgs::id, "The key's id on the token, hex (default: the only certificate with a key)")
      .Opt("--chain", &TokenArgs::chain,
           "PEM file with the authorities between the certificate and its root, when the token lacks them");
}

struct KeyRequestArgs {
  std::string login, name, title, out, newpass;
};

// key request: the person's key made here, its request written for an admin to grant.
Status RequestKey(Program& prog, KeyRequestArgs& a) {
  if (files::Exists(a.out)) return Status::BadInput(a.out + " already exists");
  PassphraseSource np = !a.newpass.empty() ? PassphraseFrom(a.newpass, "", "'" + a.login + "'")
                                           : prog.Passphrase("the new key of '" + a.login + "'");
  VB_ASSIGN_OR_RETURN(std::string req, prog.node().RequestKey(a.login, a.name, a.title, np));
  VB_RETURN_IF_ERROR(files::WriteAtomic(a.out, req, 0644, true));
  auto parsed = ParseKeyRequest(req, a.out);
  const std::string key = parsed.ok() ? ToHex(parsed->key) : "";
  prog.Print({{"file", a.out}, {"login", a.login}, {"key", key}, {"fingerprint", parsed.ok() ? crypto::Fingerprint(parsed->key) : ""},
              {"node", ToHex(prog.node().node_key())}, {"org", ToHex(prog.node().org().root)}},
             "Wrote the key request of " + a.login + " to " + a.out + " (key " + (parsed.ok() ? crypto::Fingerprint(parsed->key) : "") +
                 ")\nNext: an admin runs 'vanban user add " + a.login + " --request " + a.out +
                 " --roles ROLE' on their node; once that grant reaches this node, act here with --as " + a.login + ".");
  return Status::Ok();
}

void DeclareKeyCommands(CLI::App& app, Program& prog) {
  auto* key = Group(&app, "key", "Key files on this node");
  prog.Command(key, "passwd", "Change the passphrase of the acting person's keys (--as LOGIN)",
               Access::kWrite, ChangePassphrase).Opt("--new-passphrase-file", "File with the new passphrase (else a prompt)");
  DeclareKeyToken(key, prog);
  prog.Command(key, "request", "Make a person's key on this node and write a key request for an admin to grant",
               Access::kWrite, RequestKey).Need("login", &KeyRequestArgs::login, "The login asked for, e.g. nguyenvana")
      .Need("--name", &KeyRequestArgs::name, "Full name")
      .Need("--title", &KeyRequestArgs::title, "Title, e.g. \"Chuyên viên\"")
      .Need("-o,--output", &KeyRequestArgs::out, "The request file to write")
      .Opt("--new-passphrase-file", &KeyRequestArgs::newpass,
           "File with the new key's passphrase (else --passphrase-file, $VANBAN_PASSPHRASE, a prompt)");
}

}  // namespace

void AddPeopleCommands(CLI::App& app, Program& prog) {
  DeclareInit(app, prog);
  DeclareUserCommands(app, prog);
  DeclareKeyCommands(app, prog);
}

}  // namespace vanban::cli
