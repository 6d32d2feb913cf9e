// vanban/cli — organisations and trust: org (card, seal-image, trust, certificate, show,
// set), config (this node's own settings), trust (root CAs and revocation lists for the
// PDFs from anywhere), node (id, admit, list), calendar (the working days deadlines count).
#include <algorithm>

#include "cli/program.h"
#include "core/calendar.h"
#include "core/files.h"
#include "core/text.h"
#include "core/x509.h"

namespace vanban::cli {
namespace {

Status WriteCard(Program& prog, std::string& file) {
  VB_ASSIGN_OR_RETURN(std::string card, prog.node().OrgCard());
  VB_RETURN_IF_ERROR(files::WriteAtomic(file, card, 0644, false));
  prog.Print({{"file", file}, {"org", ToHex(prog.node().org().root)}}, "Wrote the card of " + prog.node().org().name + " to " + file);
  return Status::Ok();
}

struct SealArgs {
  std::string image;
  int diameter = image::kDefaultSealMm;
};

Status SetSealImage(Program& prog, SealArgs& a) {
  VB_ASSIGN_OR_RETURN(std::string png, files::Read(a.image, 64u << 20));
  auto r = prog.node().SetSealImage(prog.actor(), png, a.diameter);
  if (!r.ok()) return r.status().With(a.image);
  prog.Print({{"org", ToHex(prog.node().org().root)}, {"width", r->width}, {"height", r->height},
              {"diameter_mm", a.diameter}, {"transparent", !r->alpha.empty()}},
             "Set the seal image of " + prog.node().org().name + " (" + std::to_string(r->width) + "x" +
                 std::to_string(r->height) + " pixels, " + std::to_string(a.diameter) +
                 " mm across" + (r->alpha.empty() ? ", no transparency" : "") +
                 "): it shows on the documents issued from now on");
  return Status::Ok();
}

struct TrustArgs {
  std::string file, alias;
};

Status TrustOrg(Program& prog, TrustArgs& a) {
  VB_ASSIGN_OR_RETURN(std::string card, files::Read(a.file, 4u << 20));
  Status s = prog.node().Trust(card, a.alias);
  if (!s.ok()) return s.With(a.file);
  prog.Print({{"alias", a.alias}}, "Trusted " + a.alias);
  return Status::Ok();
}

struct CertificateArgs {
  std::string file, of;
};

// org certificate: the certification authority of this organisation (made first when
// missing) or of a trusted one, as PEM.
Status WriteCertificate(Program& prog, CertificateArgs& a) {
  Node& node = prog.node();
  PublicKey which = node.org().root;
  if (!a.of.empty()) {
    const auto& trusted = node.Trusted();
    auto t = std::find_if(trusted.begin(), trusted.end(), [&](const auto& e) { return e.first == a.of; });
    if (t == trusted.end()) return Status::NotFound("no trusted organisation '" + a.of + "' (see 'vanban org show')");
    which = t->second;
  }
  size_t made = 0;
  // The first use after an upgrade: the organisation gets its authority and certificates here.
  if (a.of.empty() && node.CertificatesMissing(prog.actor())) {
    VB_ASSIGN_OR_RETURN(made, node.Certify(prog.actor()));
  }
  const Organisation* o = node.authority().FindOrg(which);
  if (!o || o->authorities.empty())
    return Status::NotFound((o ? o->name : a.of) + " has no certification authority yet: its admin runs "
                            "'vanban org certificate -o FILE' on the node where 'vanban init' was run");
  std::string pem;
  json certs = json::array();
  for (const std::string& der : o->authorities) {
    pem += x509::ToPem(der);
    auto c = x509::Read(der);
    if (c.ok()) certs.push_back({{"subject", c->subject.common_name}, {"serial", c->serial}, {"sha256", c->fingerprint},
                                 {"not_before", Timestamp{c->not_before, 0}.Iso()}, {"not_after", Timestamp{c->not_after, 0}.Iso()}});
  }
  VB_RETURN_IF_ERROR(files::WriteAtomic(a.file, pem, 0644, false));
  prog.Print({{"file", a.file}, {"org", ToHex(which)}, {"authorities", certs}, {"made", made}},
             (made ? "Made " + std::to_string(made) + " certificate records (authority, seal, signers).\n" : std::string()) +
                 "Wrote the certification authority of " + o->name + " to " + a.file +
                 "\nA PDF reader trusts this organisation's signatures once this file is in its trust store.");
  return Status::Ok();
}

Status ShowOrg(Program& prog) {
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
  return Status::Ok();
}

struct Setting {
  std::string name, value;
};

Status SetOrgSetting(Program& prog, Setting& a) {
  VB_RETURN_IF_ERROR(prog.node().SetSetting(prog.actor(), a.name, a.value));
  prog.Print({{"name", a.name}, {"value", a.value}}, a.name + " = " + a.value);
  return Status::Ok();
}

void DeclareOrgCommands(CLI::App& app, Program& prog) {
  auto* org = Group(&app, "org", "This organisation and the organisations it trusts");
  prog.Command(org, "card", "Write this organisation's public card, signed by the organisation key", Access::kWrite, WriteCard)
      .Need("-o", "Output file");
  prog.Command(org, "seal-image",
               "Set the seal's image (PNG, red on a transparent background), shown at its real size over the "
               "signer's image at issuance (Decree 30 Appendix I; needs role admin)",
               Access::kWrite, SetSealImage).Need("file", &SealArgs::image, "The image, PNG")
      .Shown("--diameter", &SealArgs::diameter, "The seal's real diameter in millimetres");
  prog.Command(org, "trust", "Trust another organisation (a peer in a cluster) from its card",
               Access::kWrite, TrustOrg).Need("file", &TrustArgs::file, "The organisation's card")
      .Need("--alias", &TrustArgs::alias, "Short local name, e.g. caobang");
  prog.Command(org, "certificate",
               "Write the certification authority (PEM) that certifies the signatures inside this organisation's PDFs, "
               "for any PDF reader's trust store; on the node of the root key, first make what is missing",
               Access::kWrite, WriteCertificate).Need("-o,--output", &CertificateArgs::file, "The PEM file to write")
      .Opt("--of", &CertificateArgs::of, "A trusted organisation's authority instead (its alias)");
  prog.Command(org, "show", "Show this organisation and the trusted ones", Access::kWrite, ShowOrg);
  prog.Command(org, "set", "Change an organisation setting (needs role admin): require-concurrence yes|no",
               Access::kWrite, SetOrgSetting).Need("name", &Setting::name, "Setting name")
      .Need("value", &Setting::value, "Value");
}

Status SetNodeSetting(Program& prog, Setting& a) {
  VB_RETURN_IF_ERROR(prog.node().SetNodeSetting(a.name, a.value));
  prog.Print({{"name", a.name}, {"value", a.value}}, a.value.empty() ? a.name + " unset" : a.name + " = " + a.value);
  return Status::Ok();
}

Status ShowNodeSettings(Program& prog) {
  json out = json::object();
  std::string text;
  for (const std::string& name : Node::NodeSettingNames()) {
    VB_ASSIGN_OR_RETURN(std::string v, prog.node().NodeSetting(name));
    out[name] = v.empty() ? json(nullptr) : json(v);
    text += name + " = " + (v.empty() ? "(unset)" : v) + "\n";
  }
  text.pop_back();
  prog.Print(out, text);
  return Status::Ok();
}

void DeclareConfigCommands(CLI::App& app, Program& prog) {
  auto* config = Group(&app, "config", "Settings of this node alone (not shared by sync): tsa");
  prog.Command(config, "set", "Set a setting of this node (an empty VALUE unsets it)", Access::kWrite,
               SetNodeSetting).Need("name", &Setting::name, "tsa: the http:// URL of the time-stamping authority signatures ask")
      .Need("value", &Setting::value, "The value");
  prog.Command(config, "show", "This node's settings", Access::kRead, ShowNodeSettings);
}

Status AddTrustRoot(Program& prog, std::string& file) {
  VB_ASSIGN_OR_RETURN(std::string pem, files::Read(file, 1u << 20));
  auto cert = prog.node().AddTrustRoot(prog.actor(), pem);
  if (!cert.ok()) return cert.status().With(file);
  prog.Print({{"subject", cert->subject.common_name}, {"organisation", cert->subject.organisation}, {"serial", cert->serial},
              {"sha256", cert->fingerprint}},
             "Trusted " + (cert->subject.common_name.empty() ? cert->subject.organisation : cert->subject.common_name) +
                 " (SHA-256 " + cert->fingerprint.substr(0, 16) + "…) for the signatures of PDFs, on every node of " +
                 prog.node().org().name);
  return Status::Ok();
}

Status AddRevocationList(Program& prog, std::string& file) {
  VB_ASSIGN_OR_RETURN(std::string bytes, files::Read(file, 64u << 20));
  auto l = prog.node().AddRevocationList(bytes);
  if (!l.ok()) return l.status().With(file);
  const std::string name = l->issuer.common_name.empty() ? l->issuer.organisation : l->issuer.common_name;
  prog.Print({{"issuer", name}, {"this_update", Timestamp{l->this_update, 0}.Iso()},
              {"next_update", l->next_update ? json(Timestamp{l->next_update, 0}.Iso()) : json(nullptr)},
              {"revoked", l->revoked}},
             "Kept the revocation list of " + name + " of " + Timestamp{l->this_update, 0}.Iso() + " (" +
                 std::to_string(l->revoked) + " certificate(s) revoked" +
                 (l->next_update ? ", next by " + Timestamp{l->next_update, 0}.Iso() : std::string()) + ")");
  return Status::Ok();
}

Status ListTrustRoots(Program& prog) {
  json arr = json::array();
  std::string text;
  for (const std::string& der : prog.node().TrustRoots()) {
    auto cert = x509::Read(der);
    if (!cert.ok()) continue;
    const std::string name = cert->subject.common_name.empty() ? cert->subject.organisation : cert->subject.common_name;
    arr.push_back({{"subject", name}, {"serial", cert->serial}, {"sha256", cert->fingerprint},
                   {"not_after", Timestamp{cert->not_after, 0}.Iso()}});
    text += name + "  " + cert->fingerprint.substr(0, 16) + "  until " + Timestamp{cert->not_after, 0}.Date() + "\n";
  }
  if (!text.empty()) text.pop_back();
  prog.Print(arr, text.empty() ? "No root is trusted here." : text);
  return Status::Ok();
}

void DeclareTrustCommands(CLI::App& app, Program& prog) {
  auto* trust = Group(&app, "trust", "Root certification authorities trusted for the signatures of PDFs from anywhere");
  prog.Command(trust, "add",
               "Trust a root CA (PEM) for PDF signatures, e.g. the national CA, on every node of this organisation "
               "(needs role admin)",
               Access::kWrite, AddTrustRoot).Need("file", "The root certificate, PEM");
  prog.Command(trust, "crl",
               "Keep an authority's certificate revocation list (CRL, DER or PEM) on this node: verify then "
               "refuses signatures by the certificates it lists (a newer list replaces the authority's older one)",
               Access::kWrite, AddRevocationList).Need("file", "The revocation list, as the authority publishes it");
  prog.Command(trust, "list", "The roots this node checks PDF signatures against", Access::kRead, ListTrustRoots);
}

Status PrintNodeId(Program& prog) {
  std::string k = ToHex(prog.node().node_key());
  prog.Print({{"node", k}, {"fingerprint", crypto::Fingerprint(prog.node().node_key())}}, k);
  return Status::Ok();
}

struct AdmitArgs {
  std::string key, label;
};

Status AdmitNode(Program& prog, AdmitArgs& a) {
  VB_ASSIGN_OR_RETURN(auto n, prog.node().AdmitNode(prog.actor(), a.key, a.label));
  prog.Print({{"node", ToHex(n.node)}, {"fingerprint", crypto::Fingerprint(n.node)}, {"label", n.label},
              {"at", n.at.Iso()}, {"by", prog.node().Who(n.by)}},
             "Admitted node " + crypto::Fingerprint(n.node) + (n.label.empty() ? "" : " (" + n.label + ")") +
                 "\nIt passes the sync handshake once this record reaches the node it syncs with.");
  return Status::Ok();
}

Status ListNodes(Program& prog) {
  Node& node = prog.node();
  json arr = json::array();
  std::string text;
  for (const NodeAdmission& a : node.Nodes()) {
    bool self = a.node == node.node_key();
    arr.push_back({{"node", ToHex(a.node)}, {"fingerprint", crypto::Fingerprint(a.node)}, {"label", a.label},
                   {"at", a.at.InOffset(prog.offset()).Iso()}, {"by", node.Who(a.by)}, {"this", self}});
    text += crypto::Fingerprint(a.node) + "  " + (a.label.empty() ? "-" : a.label) + "  " + a.at.InOffset(prog.offset()).Iso() +
            "  by " + node.Who(a.by) + (self ? "  (this node)" : "") + "\n";
  }
  if (!node.admitted())
    text += "This node (" + crypto::Fingerprint(node.node_key()) + ") is not admitted yet: an admin runs 'vanban node admit " +
            ToHex(node.node_key()) + "'.\n";
  prog.Print(arr, text);
  return Status::Ok();
}

void DeclareNodeCommands(CLI::App& app, Program& prog) {
  auto* node = Group(&app, "node", "This node");
  prog.Command(node, "id", "Print this node's public key (hex)", Access::kRead, PrintNodeId);
  prog.Command(node, "admit", "Admit a node of this organisation by its key, so it may sync (needs role admin)",
               Access::kWrite, AdmitNode)
      .Need("key", &AdmitArgs::key, "The node's key, as 'vanban node id' prints it on that node")
      .Opt("--label", &AdmitArgs::label, "What the node is, e.g. \"Máy văn thư\"");
  prog.Command(node, "list", "The nodes admitted by this organisation", Access::kWrite, ListNodes);
}

struct CalendarArgs {
  std::string date, name;
  bool working = false;
  std::optional<int> year;
};

Status RecordCalendar(Program& prog, const std::vector<CalendarDay>& days, const std::string& what) {
  VB_RETURN_IF_ERROR(prog.node().SetCalendar(prog.actor(), days));
  prog.Print({{"days", days.size()}}, what + ", on every node of " + prog.node().org().name);
  return Status::Ok();
}

// One day from the command line, checked as `calendar import` checks a line.
Result<std::vector<CalendarDay>> CalendarLine(const std::string& date, CalendarDay::Kind kind, const std::string& name) {
  std::optional<Day> day = ParseDay(date);
  if (!day) return Status::BadInput("'" + date + "' is not a date, YYYY-MM-DD");
  VB_ASSIGN_OR_RETURN(std::string nfc, text::Normalize(name));
  CalendarDay d{*day, kind, std::move(nfc)};
  VB_RETURN_IF_ERROR(CheckCalendarDay(d));
  return std::vector<CalendarDay>{std::move(d)};
}

Status AddCalendarDay(Program& prog, CalendarArgs& a) {
  VB_ASSIGN_OR_RETURN(auto days,
                      CalendarLine(a.date, a.working ? CalendarDay::Kind::kWorking : CalendarDay::Kind::kOff, a.name));
  return RecordCalendar(prog, days, a.date + (a.working ? " is a working day (" : " is a day off (") + a.name + ")");
}

Status RemoveCalendarDay(Program& prog, CalendarArgs& a) {
  VB_ASSIGN_OR_RETURN(auto days, CalendarLine(a.date, CalendarDay::Kind::kNone, ""));
  if (!prog.node().calendar().NameOf(days[0].day))
    return Status::NotFound("the calendar does not name " + a.date + " (see 'vanban calendar list')");
  return RecordCalendar(prog, days, a.date + " is what the week makes it again");
}

Status ImportCalendar(Program& prog, std::string& file) {
  VB_ASSIGN_OR_RETURN(std::string bytes, files::Read(file, 1u << 20));
  VB_ASSIGN_OR_RETURN(std::string nfc, text::Normalize(bytes));
  VB_ASSIGN_OR_RETURN(auto days, ParseCalendar(nfc, file));
  return RecordCalendar(prog, days, "Recorded " + std::to_string(days.size()) + " day(s) of " + file);
}

Status ListCalendar(Program& prog, CalendarArgs& a) {
  json arr = json::array();
  std::string text;
  for (const CalendarDay& d : prog.node().calendar().Days()) {
    if (a.year && static_cast<int>(std::chrono::year_month_day(d.day).year()) != *a.year) continue;
    const std::string iso = DayIso(d.day);
    const char* kind = d.kind == CalendarDay::Kind::kWorking ? "working" : "off";
    arr.push_back({{"date", iso}, {"day", kind}, {"name", d.name}});
    text += iso + "  " + (d.kind == CalendarDay::Kind::kWorking ? "working  " : "off      ") + d.name + "\n";
  }
  prog.Print(arr, text.empty() ? "The calendar names no day" + (a.year ? " in " + std::to_string(*a.year) : std::string()) +
                                     ": only weekends are off."
                               : text);
  return Status::Ok();
}

void DeclareCalendarCommands(CLI::App& app, Program& prog) {
  auto* cal = Group(&app, "calendar",
                    "The working days that deadlines count: weekends off, and the public holidays, days off in lieu "
                    "and weekend days worked that the admin records");
  prog.Command(cal, "add", "Mark a day off (a public holiday) or, with --working, a weekend day worked (needs role admin)",
               Access::kWrite, AddCalendarDay)
      .Need("date", &CalendarArgs::date, "The day, YYYY-MM-DD")
      .Need("--name", &CalendarArgs::name, "What it is, e.g. \"Tết Nguyên đán\"")
      .Flag("--working", &CalendarArgs::working, "A Saturday or Sunday worked in exchange for a day off");
  prog.Command(cal, "remove", "Forget what the calendar says of a day (needs role admin)", Access::kWrite,
               RemoveCalendarDay)
      .Need("date", &CalendarArgs::date, "The day, YYYY-MM-DD");
  prog.Command(cal, "import",
               "Record a list of days at once (needs role admin): lines 'YYYY-MM-DD off NAME', 'YYYY-MM-DD working "
               "NAME' or 'YYYY-MM-DD none'; '#' begins a comment (samples/holidays-2026.txt)",
               Access::kWrite, ImportCalendar)
      .Need("file", "The list");
  prog.Command(cal, "list", "The days the calendar names", Access::kRead, ListCalendar)
      .Opt("--year", &CalendarArgs::year, "Only this year's");
}

}  // namespace

void AddOrgCommands(CLI::App& app, Program& prog) {
  DeclareCalendarCommands(app, prog);
  DeclareOrgCommands(app, prog);
  DeclareConfigCommands(app, prog);
  DeclareTrustCommands(app, prog);
  DeclareNodeCommands(app, prog);
}

}  // namespace vanban::cli
