#include "core/scope.h"

#include <algorithm>
#include <map>
#include <string>

namespace vanban {

namespace {

template <typename T>
bool Lists(const std::vector<T>& items, const T& x) {
  return std::find(items.begin(), items.end(), x) != items.end();
}

}  // namespace

std::set<PublicKey> InvolvedOrgs(const Document& d) {
  std::set<PublicKey> out(d.parties.begin(), d.parties.end());
  out.insert(d.org);
  return out;
}

std::vector<RecordId> SharedPart(const Authority& auth, const Document& d, const std::vector<Record>& records,
                                 const PublicKey& viewer) {
  std::vector<RecordId> out;
  if (viewer == d.org) {
    for (const Record& r : records) out.push_back(r.id());
    return out;
  }
  std::map<RecordId, const Record*> by_id;
  for (const Record& r : records) by_id[r.id()] = &r;
  const std::string viewer_hex = ToHex(viewer);
  bool submitted = false, addressed = false;
  for (const Event& e : d.log) {
    if (!e.accepted) continue;
    if (e.type == "doc.submit") submitted = true;
    if (e.type == "doc.issue") {
      auto it = by_id.find(e.id);
      if (it != by_id.end() && Lists(it->second->GetAll("to"), viewer_hex)) addressed = true;
    }
  }
  const bool party = Lists(d.parties, viewer) && submitted;  // a pledge or a joint document
  if (!party && !addressed) return out;

  auto by_viewer = [&](const Record& r) {
    const Person* p = auth.FindPerson(r.author());
    return p && p->org == viewer;
  };
  std::set<RecordId> keep;
  std::set<std::string> revisions;  // named by what is shared
  for (const Record& r : records) {
    const std::string& t = r.type();
    bool acts = t == "doc.create" || t == "doc.sign" || t == "doc.issue" || t == "doc.revoke";
    // A party follows the pledge through every submission and return; an addressee
    // sees only the path to the signature (below).
    if (party) acts = acts || t == "doc.submit" || t == "doc.return";
    if (t == "doc.receive" && by_viewer(r)) acts = true;
    if (!acts) continue;
    keep.insert(r.id());
    if (t == "doc.submit" || t == "doc.sign" || t == "doc.issue") revisions.insert(r.Get("rev"));
  }
  if (addressed && !party) {
    // The submission the first signature answered: the last one before it that
    // submitted the revision it signed (the fold needs it to accept the signature).
    const Record* last_submit = nullptr;
    for (const Event& e : d.log) {
      if (!e.accepted) continue;
      auto it = by_id.find(e.id);
      if (it == by_id.end()) continue;
      if (e.type == "doc.submit") last_submit = it->second;
      if (e.type == "doc.sign") {
        if (last_submit && last_submit->Get("rev") == it->second->Get("rev")) keep.insert(last_submit->id());
        break;
      }
    }
  }
  for (const Record& r : records)
    if (r.type() == "doc.revise" && revisions.count(r.id_hex())) keep.insert(r.id());
  out.assign(keep.begin(), keep.end());
  return out;
}

std::set<RecordId> MayHold(const Authority& auth, const Document& d, const std::vector<Record>& records,
                           const PublicKey& holder) {
  std::vector<RecordId> share = SharedPart(auth, d, records, holder);
  std::set<RecordId> out(share.begin(), share.end());
  for (const Record& r : records) {
    const Person* p = auth.FindPerson(r.author());
    if (p && p->org == holder) out.insert(r.id());
  }
  return out;
}

}  // namespace vanban
