// vanban/cli — a document as the commands show it: 'doc show' (text and JSON), the
// summaries of 'doc log', the rows of 'doc list' and 'inbox'.
#include <algorithm>
#include <sstream>

#include "cli/program.h"

namespace vanban::cli {
namespace {

// "r3" for a revision of `d`, else the id's first digits.
std::string RevName(const Document& d, const RecordId& id) {
  const Revision* r = d.FindRevision(id);
  return r ? "r" + std::to_string(r->seq) : Short(ToHex(id));
}

}  // namespace

json Program::DocJson(const Document& d) {
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

json Program::ReceiptsJson(const Document& d) {
  json arr = json::array();
  for (const Receipt& r : d.receipts)
    arr.push_back({{"org", node_->OrgName(r.org)}, {"by", node_->Who(r.clerk)}, {"at", r.at.InOffset(offset()).Iso()},
                   {"number", std::to_string(r.seq)}, {"year", r.year}, {"date", r.date}, {"id", ToHex(r.id)}});
  return arr;
}

std::string Program::DocText(const Document& d) {
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

std::string Program::Summary(const Document& d, const Record& r) {
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

json Program::SummaryJson(const DocSummary& s) {
  return {{"id", s.id}, {"kind", s.kind}, {"title", s.title}, {"state", s.state},
          {"number", s.number ? json(*s.number) : json(nullptr)}};
}

}  // namespace vanban::cli
