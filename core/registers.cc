// Node's registers: the outgoing and incoming registers as rows and pages, the
// years they hold, and the numbers two nodes gave twice (collisions and who lost).
#include "core/node.h"

#include <algorithm>
#include <unordered_map>

#include "core/store.h"
#include "core/text.h"

namespace vanban {

namespace {

// The words of a register search, with the organisations and people whose names show
// each (RegisterSearchWord).
Result<std::vector<RegisterSearchWord>> RegisterSearch(const Authority& auth, const std::string& query) {
  std::vector<RegisterSearchWord> out;
  std::vector<std::string> words = text::SearchWords(query);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  if (words.size() > RegisterQuery::kMaxWords)
    return Status::BadInput("a register search takes at most " + std::to_string(RegisterQuery::kMaxWords) +
                            " different words");
  for (std::string& w : words) out.push_back({std::move(w), {}, {}});
  if (out.empty()) return out;
  for (const auto& [key, o] : auth.orgs()) {
    const std::string name = text::Fold(o.name);
    for (RegisterSearchWord& w : out)
      if (name.find(w.word) != std::string::npos) w.orgs.push_back(ToHex(key));
  }
  for (const auto& [key, p] : auth.persons()) {
    const Organisation* o = auth.FindOrg(p.org);
    const std::string shown = text::Fold(p.name + "\n" + p.login + "@" + (o ? o->code : ""));
    for (RegisterSearchWord& w : out)
      if (shown.find(w.word) != std::string::npos) w.people.push_back(ToHex(key));
  }
  return out;
}

}  // namespace

Result<std::vector<std::vector<std::string>>> Node::NumberCollisions(const RegisterQuery& q) {
  return store_->NumberCollisions(ToHex(org_), q.year, q.incoming);
}

Result<bool> Node::LostNumber(const std::string& doc, bool incoming) {
  RegisterQuery q;
  q.incoming = incoming;
  VB_ASSIGN_OR_RETURN(auto groups, NumberCollisions(q));
  for (const auto& g : groups)
    if (std::find(g.begin() + 1, g.end(), doc) != g.end()) return true;
  return false;
}

Status Node::AddReceipts(RegisterEntry& e) {
  VB_ASSIGN_OR_RETURN(std::vector<ReceiptRow> rows, store_->ReceiptsOf(e.doc));
  for (const ReceiptRow& r : rows) {
    PublicKey org{};
    FromHex(r.org, &org);
    if (!r.received) {
      e.awaiting.push_back(OrgName(org));
      continue;
    }
    PublicKey clerk{};
    FromHex(r.clerk, &clerk);
    e.receipts.push_back({OrgName(org), Who(clerk), Timestamp{r.at, this->org().offset_minutes}.Iso(), r.date,
                          static_cast<int>(r.seq)});
  }
  return Status::Ok();
}

Result<RegisterPage> Node::ReadRegister(const RegisterQuery& q) {
  RegisterPage page;
  VB_ASSIGN_OR_RETURN(auto groups, NumberCollisions(q));
  std::unordered_map<std::string, const std::vector<std::string>*> group_of;
  RegisterSelection sel{ToHex(org_), q, {}, {}};
  for (const auto& g : groups) {
    for (const std::string& doc : g) group_of[doc] = &g;
    sel.lost.insert(sel.lost.end(), g.begin() + 1, g.end());
  }
  if (q.lost_only && sel.lost.empty()) return page;
  VB_ASSIGN_OR_RETURN(sel.search, RegisterSearch(auth_, q.query));

  auto entry = [&](const RegisterRow& r) {
    RegisterEntry e;
    e.doc = r.doc;
    e.kind = r.kind;
    e.title = r.title;
    e.signer = r.signer;
    e.symbol = r.symbol;
    if (!q.incoming) {
      e.year = static_cast<int>(r.year);
      e.seq = static_cast<int>(r.seq);
      e.number = r.number;
      e.date = r.date;
      return e;
    }
    e.their_number = r.number;
    e.their_date = r.date;
    PublicKey issuer{};
    FromHex(r.org, &issuer);
    e.from = OrgName(issuer);
    e.received = r.received;
    if (e.received) {
      e.year = static_cast<int>(r.in_year);
      e.seq = static_cast<int>(r.in_seq);
      e.number = std::to_string(e.seq);
      e.date = r.in_date;
      PublicKey clerk{};
      FromHex(r.in_clerk, &clerk);
      e.received_by = Who(clerk);
    }
    return e;
  };

  VB_ASSIGN_OR_RETURN(std::vector<RegisterRow> rows, store_->RegisterRows(sel));
  for (const RegisterRow& r : rows) page.rows.push_back(entry(r));
  if (q.limit && (q.offset > 0 || page.rows.size() == q.limit)) {  // else this page is all there is
    VB_ASSIGN_OR_RETURN(page.total, store_->RegisterCount(sel));
  } else {
    page.total = page.rows.size();
  }
  for (RegisterEntry& e : page.rows) {
    if (auto it = group_of.find(e.doc); it != group_of.end()) {
      for (const std::string& other : *it->second)
        if (other != e.doc) e.collides_with.push_back(other);
      (q.incoming ? e.must_rereceive : e.must_reissue) = it->second->front() != e.doc;
    }
    if (!q.incoming) VB_RETURN_IF_ERROR(AddReceipts(e));
  }
  if (q.incoming && !q.lost_only) {
    VB_ASSIGN_OR_RETURN(std::vector<RegisterRow> awaiting, store_->RegisterAwaiting(sel));
    for (const RegisterRow& r : awaiting) page.awaiting.push_back(entry(r));
  }
  return page;
}

Result<std::vector<RegisterEntry>> Node::Register(std::optional<int> year, bool incoming) {
  RegisterQuery q;
  q.incoming = incoming;
  q.year = year;
  VB_ASSIGN_OR_RETURN(RegisterPage page, ReadRegister(q));
  for (RegisterEntry& e : page.awaiting) page.rows.push_back(std::move(e));
  return std::move(page.rows);
}

Result<std::vector<int>> Node::RegisterYears(bool incoming) { return store_->RegisterYears(ToHex(org_), incoming); }

}  // namespace vanban
