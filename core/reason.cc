#include "core/reason.h"

#include <algorithm>

namespace vanban {
namespace {

// The English forms are the wording the CLI has always printed (docs/cli.md):
// scripts and tests read them, so a change here is a change of the contract.
const std::vector<ReasonForm> kForms = {
    // Who may act at all.
    {"author-unknown", "the author's key is not a person known to this node"},
    {"no-role-at", "'{login}' holds no role at {at}"},
    {"no-role-at-revoked", "'{login}' holds no role at {at} (revoked)"},
    {"person-revoked", "'{login}' has been revoked"},
    {"lacks-role", "'{login}' does not hold the role {role}"},
    {"lacks-role-in", "'{login}' does not hold the role {role} in {org}"},
    {"other-lacks-role-in", "{who} does not hold the role {role} in {org}"},
    {"not-signer-or-admin", "'{login}' is neither a signer nor an admin of {org}"},
    {"certificates-by-admin",
     "'{login}' does not hold the role admin; certificates are issued by the admin who holds the root key"},
    // The workflow.
    {"unknown-record-type", "unknown record type"},
    {"drafter-other-org", "a drafter creates documents of their own organisation"},
    {"party-unknown", "party {key} is not a known organisation"},
    {"document-unknown", "the document does not exist here"},
    {"wrong-state", "cannot {action} a document in state {state} (allowed in {states})"},
    {"concurrent-revisions",
     "the document has {count} concurrent revisions; make a merge revision first (vanban doc edit)"},
    {"revision-not-current", "revision {rev} is not the current one"},
    {"may-not-comment", "'{login}' may not comment: neither a routed reviewer, a drafter, nor the signer"},
    {"not-routed", "'{login}' was not asked for comments on this document"},
    {"already-approved", "'{login}' has already approved this revision"},
    {"concurrence-required", "this organisation requires every routed reviewer to concur; awaiting {who}"},
    {"return-not-signer", "only the signer it was submitted to ({who}) may return it"},
    {"no-signature-awaited", "no signature is awaited"},
    {"submitted-to-other", "it was submitted to {who}, not to '{login}'"},
    {"awaiting-other-org", "awaiting the signature of {org} first"},
    // Issuing and receiving.
    {"already-issued", "already issued as {number}; nothing to re-issue"},
    {"reissue-names-issuance", "already issued as {number}; a re-issue names the issuance it replaces"},
    {"recipient-untrusted",
     "recipient 'org:{alias}' is not a trusted organisation; run 'vanban org trust CARD --alias {alias}' first"},
    {"seal-not-org", "'seal' is not the seal key of {org}"},
    {"seal-signature-bad", "the seal signature does not verify"},
    {"no-seal-copy", "'{login}' holds no copy of the organisation's seal on this node"},
    {"seal-file-other-key", "the seal key file holds another key than the organisation's seal"},
    {"issuer-receives", "this organisation issued the document; the organisations it is addressed to receive it"},
    {"not-addressed", "{org} is not among the organisations this document is addressed to"},
    {"already-received", "already received as incoming {seq} of {year} on {date}; nothing to receive again"},
    {"receipt-names-receipt",
     "{org} has already received this document as incoming {seq} of {year} on {date}; a second receipt names the "
     "receipt it replaces"},
    // Organisations, nodes and people.
    {"alias-taken", "alias '{alias}' already names another organisation"},
    {"node-admitted", "node {node} is already admitted ({at} by {who})"},
    {"no-seal-to-hand", "'{login}' holds no copy of the seal key on this node to hand to a clerk"},
    {"clerk-needs-seal",
     "a clerk needs a copy of the seal, which cannot travel with a key request: add the clerk with 'vanban user add' "
     "on a node that holds the seal"},
    // Certificates and tokens.
    {"certificate-bound-elsewhere", "this certificate (serial {serial}) is bound to another key"},
    {"revocation-list-older", "this node has a newer list of {issuer} (of {held}); this one is of {given}"},
    {"pin-locked", "the PIN of {token} is locked: unlock it with the token's tool"},
    {"pin-expired", "the PIN of {token} has expired: change it with the token's tool"},
};

}  // namespace

Status Status::Refused(Reason why) {
  Status s(Code::kRefused, Phrase(EnglishForm(why.id), why));
  s.reason_ = std::make_shared<const Reason>(std::move(why));
  return s;
}

const std::vector<ReasonForm>& ReasonForms() { return kForms; }

std::string_view EnglishForm(std::string_view id) {
  auto it = std::find_if(kForms.begin(), kForms.end(), [&](const ReasonForm& f) { return f.id == id; });
  return it == kForms.end() ? std::string_view() : it->english;
}

std::string Phrase(std::string_view form, const Reason& r) {
  std::string out;
  size_t i = 0;
  while (i < form.size()) {
    const size_t open = form.find('{', i), close = open == std::string_view::npos ? open : form.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(form, i, open - i);
    const std::string name(form.substr(open + 1, close - open - 1));
    auto it = std::find_if(r.args.begin(), r.args.end(), [&](const auto& a) { return a.first == name; });
    out += it == r.args.end() ? "{" + name + "}" : it->second;
    i = close + 1;
  }
  out.append(form.substr(std::min(i, form.size())));
  return out;
}

std::vector<std::string> FormArguments(std::string_view form) {
  std::vector<std::string> out;
  for (size_t open = form.find('{'); open != std::string_view::npos; open = form.find('{', open + 1)) {
    const size_t close = form.find('}', open);
    if (close == std::string_view::npos) break;
    std::string name(form.substr(open + 1, close - open - 1));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace vanban
