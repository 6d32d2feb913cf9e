// Node's registers: the outgoing and incoming registers as rows and pages, the
// years they hold, and the numbers two nodes gave twice (collisions and who lost).
#include "core/node.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/store.h"
#include "core/text.h"

namespace vanban {

namespace {

// A statement's text and its values, bound in order: the register queries are built
// from the parts a RegisterQuery asks for.
struct Sql {
  std::string text;
  std::vector<std::string> values;
  Sql& operator+=(const std::string& t) {
    text += t;
    return *this;
  }
  // " (?, ?, ...)" for each value, kept for binding.
  void List(const std::vector<std::string>& vs) {
    text += " (";
    for (size_t i = 0; i < vs.size(); ++i) text += i ? ", ?" : "?";
    text += ")";
    values.insert(values.end(), vs.begin(), vs.end());
  }
  void Value(const std::string& v) {
    text += "?";
    values.push_back(v);
  }
  std::unique_ptr<Stmt> Prepare(Db& db) const {
    auto q = db.PrepareOnce(text);
    for (size_t i = 0; i < values.size(); ++i) q->Bind(static_cast<int>(i + 1), values[i]);
    return q;
  }
};

// A word of a register search and the keys (hex) of the organisations and people
// whose name shows it: a register shows them by name, and names live in the
// authority, not in the rows.
struct SearchWord {
  std::string word;
  std::vector<std::string> orgs, people;
};

Result<std::vector<SearchWord>> RegisterSearch(const Authority& auth, const std::string& query) {
  std::vector<SearchWord> out;
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
    for (SearchWord& w : out)
      if (name.find(w.word) != std::string::npos) w.orgs.push_back(ToHex(key));
  }
  for (const auto& [key, p] : auth.persons()) {
    const Organisation* o = auth.FindOrg(p.org);
    const std::string shown = text::Fold(p.name + "\n" + p.login + "@" + (o ? o->code : ""));
    for (SearchWord& w : out)
      if (shown.find(w.word) != std::string::npos) w.people.push_back(ToHex(key));
  }
  return out;
}

// `o` is the register_out row, `i` (incoming) this organisation's register_in row.
void AddRegisterFilter(Sql& sql, const RegisterQuery& q, const std::vector<SearchWord>& search,
                       const std::vector<std::string>& lost) {
  const char* r = q.incoming ? "i" : "o";
  if (q.year) sql += std::string(" AND ") + r + ".year = " + std::to_string(*q.year);
  if (q.lost_only) {
    sql += std::string(" AND ") + r + ".doc IN";
    sql.List(lost);
  }
  for (const SearchWord& w : search) {
    sql += " AND (instr(o.folded, ";
    sql.Value(w.word);
    sql += ") > 0";
    // " OR <org> IN (...) OR <clerk> IN (...)" for the names that show the word.
    auto names = [&](const std::string& org, const std::string& clerk) {
      for (const auto& [col, keys] : {std::pair{org, &w.orgs}, std::pair{clerk, &w.people}}) {
        if (keys->empty()) continue;
        sql += " OR " + col + " IN";
        sql.List(*keys);
      }
    };
    if (q.incoming) {
      sql += " OR instr(i.folded, ";
      sql.Value(w.word);
      sql += ") > 0";
      names("o.org", "i.clerk");  // who sent it, who received it here
    } else if (!w.orgs.empty() || !w.people.empty()) {
      // An addressed organisation, or the clerk who received it there.
      sql += " OR EXISTS (SELECT 1 FROM register_in r WHERE r.doc = o.doc AND (0";
      names("r.org", "r.clerk");
      sql += "))";
    }
    sql += ")";
  }
}

}  // namespace

Result<std::vector<std::vector<std::string>>> Node::NumberCollisions(const RegisterQuery& q) {
  // A number held twice: issued (received) offline on two nodes of this organisation.
  // The first by (time, record id) keeps it, on every node.
  const std::string year = q.year ? " AND year = ?2" : "";  // bound: a few cached texts serve every year
  const std::string sql =
      q.incoming
          ? "SELECT doc, year, seq, '' FROM register_in WHERE org = ?1 AND receipt IS NOT NULL" + year +
                " AND (year, seq) IN (SELECT year, seq FROM register_in WHERE org = ?1 AND receipt IS NOT NULL" + year +
                " GROUP BY year, seq HAVING COUNT(*) > 1) ORDER BY year, seq, at, receipt"
          : "SELECT doc, year, seq, symbol FROM register_out WHERE org = ?1" + year +
                " AND (year, symbol, seq) IN (SELECT year, symbol, seq FROM register_out WHERE org = ?1" + year +
                " GROUP BY year, symbol, seq HAVING COUNT(*) > 1) ORDER BY year, symbol, seq, at, issue";
  Stmt& s = store_->db().Prepare(sql);
  s.Bind(1, ToHex(org_));
  if (q.year) s.Bind(2, int64_t{*q.year});
  std::vector<std::vector<std::string>> groups;
  std::tuple<int64_t, int64_t, std::string> last{-1, -1, ""};
  while (s.Step()) {
    std::tuple<int64_t, int64_t, std::string> number{s.Int(1), s.Int(2), s.Text(3)};
    if (groups.empty() || number != last) groups.emplace_back();
    last = number;
    groups.back().push_back(s.Text(0));
  }
  VB_RETURN_IF_ERROR(s.status());
  return groups;
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
  Stmt& r = store_->db().Prepare(
      "SELECT org, seq, date, clerk, at, receipt FROM register_in WHERE doc = ? ORDER BY receipt IS NULL, at, org");
  r.Bind(1, e.doc);
  while (r.Step()) {
    PublicKey org{};
    FromHex(r.Text(0), &org);
    if (!r.Get(5)) {
      e.awaiting.push_back(OrgName(org));
      continue;
    }
    PublicKey clerk{};
    FromHex(r.Text(3), &clerk);
    e.receipts.push_back({OrgName(org), Who(clerk), Timestamp{r.Int(4), this->org().offset_minutes}.Iso(), r.Text(2),
                          static_cast<int>(r.Int(1))});
  }
  return r.status();
}

Result<RegisterPage> Node::ReadRegister(const RegisterQuery& q) {
  RegisterPage page;
  VB_ASSIGN_OR_RETURN(auto groups, NumberCollisions(q));
  std::unordered_map<std::string, const std::vector<std::string>*> group_of;
  std::vector<std::string> lost;
  for (const auto& g : groups) {
    for (const std::string& doc : g) group_of[doc] = &g;
    lost.insert(lost.end(), g.begin() + 1, g.end());
  }
  if (q.lost_only && lost.empty()) return page;
  VB_ASSIGN_OR_RETURN(const std::vector<SearchWord> search, RegisterSearch(auth_, q.query));

  const std::string from =
      q.incoming ? " FROM register_in i JOIN register_out o ON o.doc = i.doc WHERE i.org = ?" : " FROM register_out o WHERE o.org = ?";
  auto where = [&](const std::string& select, const std::string& received, const RegisterQuery& rq) {
    Sql sql;
    sql += select + from;
    sql.values.push_back(ToHex(org_));
    sql += received;
    AddRegisterFilter(sql, rq, search, lost);
    return sql;
  };
  const std::string received = q.incoming ? " AND i.receipt IS NOT NULL" : "";
  const std::string order = q.incoming ? " ORDER BY i.year, i.seq, i.at, i.receipt"
                                       : " ORDER BY o.year, o.symbol, o.seq, o.at, o.issue";
  const std::string columns =
      "SELECT o.doc, o.year, o.symbol, o.seq, o.number, o.date, o.kind, o.title, o.signer, o.org" +
      std::string(q.incoming ? ", i.year, i.seq, i.date, i.clerk" : "");
  auto row = [&](Stmt& s) {
    RegisterEntry e;
    e.doc = s.Text(0);
    e.kind = s.Text(6);
    e.title = s.Text(7);
    e.signer = s.Text(8);
    e.symbol = s.Text(2);
    if (!q.incoming) {
      e.year = static_cast<int>(s.Int(1));
      e.seq = static_cast<int>(s.Int(3));
      e.number = s.Text(4);
      e.date = s.Text(5);
      return e;
    }
    e.their_number = s.Text(4);
    e.their_date = s.Text(5);
    PublicKey issuer{};
    FromHex(s.Text(9), &issuer);
    e.from = OrgName(issuer);
    e.received = s.Get(10).has_value();
    if (e.received) {
      e.year = static_cast<int>(s.Int(10));
      e.seq = static_cast<int>(s.Int(11));
      e.number = std::to_string(e.seq);
      e.date = s.Text(12);
      PublicKey clerk{};
      FromHex(s.Text(13), &clerk);
      e.received_by = Who(clerk);
    }
    return e;
  };

  Sql list = where(columns, received, q);
  list += order;
  if (q.limit) list += " LIMIT " + std::to_string(q.limit) + " OFFSET " + std::to_string(q.offset);
  auto s = list.Prepare(store_->db());
  while (s->Step()) page.rows.push_back(row(*s));
  VB_RETURN_IF_ERROR(s->status());
  if (q.limit && (q.offset > 0 || page.rows.size() == q.limit)) {  // else this page is all there is
    auto c = where("SELECT COUNT(*)", received, q).Prepare(store_->db());
    page.total = c->Step() ? static_cast<size_t>(c->Int(0)) : 0;
    VB_RETURN_IF_ERROR(c->status());
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
    RegisterQuery any_year = q;
    any_year.year.reset();  // awaiting rows are in every year's list
    Sql sql = where(columns, " AND i.receipt IS NULL", any_year);
    sql += " ORDER BY o.at, i.doc";
    auto a = sql.Prepare(store_->db());
    while (a->Step()) page.awaiting.push_back(row(*a));
    VB_RETURN_IF_ERROR(a->status());
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

Result<std::vector<int>> Node::RegisterYears(bool incoming) {
  Stmt& q = store_->db().Prepare(incoming
      ? "SELECT DISTINCT year FROM register_in WHERE org = ? AND year IS NOT NULL ORDER BY year"
      : "SELECT DISTINCT year FROM register_out WHERE org = ? ORDER BY year");
  q.Bind(1, ToHex(org_));
  std::vector<int> out;
  while (q.Step()) out.push_back(static_cast<int>(q.Int(0)));
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

}  // namespace vanban
