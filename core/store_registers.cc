// The Store's registers: the next numbers, the numbers held twice, the receipts of
// an issued document, and a register's rows searched and paged (SQL built from a
// RegisterSelection).
#include "core/store.h"

#include <tuple>

namespace vanban {

Result<int64_t> Store::MaxOutgoingSeq(const std::string& org, int year, const std::string& symbol) {
  Stmt& q = db_->Prepare("SELECT coalesce(max(seq), 0) FROM register_out WHERE org=? AND year=? AND symbol=?");
  q.Bind(1, org).Bind(2, int64_t{year}).Bind(3, symbol);
  int64_t seq = q.Step() ? q.Int(0) : 0;
  VB_RETURN_IF_ERROR(q.status());
  return seq;
}

Result<int64_t> Store::MaxIncomingSeq(const std::string& org, int year) {
  Stmt& q = db_->Prepare("SELECT coalesce(max(seq), 0) FROM register_in WHERE org=? AND year=?");
  q.Bind(1, org).Bind(2, int64_t{year});
  int64_t seq = q.Step() ? q.Int(0) : 0;
  VB_RETURN_IF_ERROR(q.status());
  return seq;
}

Result<std::vector<std::vector<std::string>>> Store::NumberCollisions(const std::string& org, std::optional<int> year,
                                                                      bool incoming) {
  // A number held twice: issued (received) offline on two nodes of this organisation.
  // The first by (time, record id) keeps it, on every node.
  const std::string in_year = year ? " AND year = ?2" : "";  // bound: a few cached texts serve every year
  const std::string sql =
      incoming
          ? "SELECT doc, year, seq, '' FROM register_in WHERE org = ?1 AND receipt IS NOT NULL" + in_year +
                " AND (year, seq) IN (SELECT year, seq FROM register_in WHERE org = ?1 AND receipt IS NOT NULL" +
                in_year + " GROUP BY year, seq HAVING COUNT(*) > 1) ORDER BY year, seq, at, receipt"
          : "SELECT doc, year, seq, symbol FROM register_out WHERE org = ?1" + in_year +
                " AND (year, symbol, seq) IN (SELECT year, symbol, seq FROM register_out WHERE org = ?1" + in_year +
                " GROUP BY year, symbol, seq HAVING COUNT(*) > 1) ORDER BY year, symbol, seq, at, issue";
  Stmt& s = db_->Prepare(sql);
  s.Bind(1, org);
  if (year) s.Bind(2, int64_t{*year});
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

Result<std::vector<ReceiptRow>> Store::ReceiptsOf(const std::string& doc) {
  std::vector<ReceiptRow> out;
  VB_ASSIGN_OR_RETURN(std::optional<DocNo> docno, DocNumber(doc));
  if (!docno) return out;
  Stmt& r = db_->Prepare(
      "SELECT org, seq, date, clerk, at, receipt FROM register_in WHERE docno = ? ORDER BY receipt IS NULL, at, org");
  r.Bind(1, *docno);
  while (r.Step()) {
    ReceiptRow row;
    row.org = r.Text(0);
    row.received = r.Get(5).has_value();
    if (row.received) {
      row.seq = r.Int(1);
      row.date = r.Text(2);
      row.clerk = r.Text(3);
      row.at = r.Int(4);
    }
    out.push_back(std::move(row));
  }
  VB_RETURN_IF_ERROR(r.status());
  return out;
}

Result<std::vector<int>> Store::RegisterYears(const std::string& org, bool incoming) {
  Stmt& q = db_->Prepare(incoming
      ? "SELECT DISTINCT year FROM register_in WHERE org = ? AND year IS NOT NULL ORDER BY year"
      : "SELECT DISTINCT year FROM register_out WHERE org = ? ORDER BY year");
  q.Bind(1, org);
  std::vector<int> out;
  while (q.Step()) out.push_back(static_cast<int>(q.Int(0)));
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

namespace {

// A statement's text and its values, bound in order: the register queries are built
// from the parts a RegisterSelection asks for.
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
  // A statement of its own: the text varies with what is asked (Db::PrepareOnce).
  std::unique_ptr<Stmt> Prepare(Db& db) const {
    auto q = db.PrepareOnce(text);
    for (size_t i = 0; i < values.size(); ++i) q->Bind(static_cast<int>(i + 1), values[i]);
    return q;
  }
};

// `o` is the register_out row, `i` (incoming) this organisation's register_in row.
void AddRegisterFilter(Sql& sql, const RegisterQuery& q, const std::vector<RegisterSearchWord>& search,
                       const std::vector<std::string>& lost) {
  const char* r = q.incoming ? "i" : "o";
  if (q.year) sql += std::string(" AND ") + r + ".year = " + std::to_string(*q.year);
  if (q.lost_only) {
    sql += std::string(" AND ") + r + ".doc IN";
    sql.List(lost);
  }
  for (const RegisterSearchWord& w : search) {
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
      sql += " OR EXISTS (SELECT 1 FROM register_in r WHERE r.docno = o.docno AND (0";
      names("r.org", "r.clerk");
      sql += "))";
    }
    sql += ")";
  }
}

// `select` from the register `s` reads, its rows narrowed by `received` and by what
// query `q` asks (s.query, or a variant of it).
Sql Where(const std::string& select, const RegisterSelection& s, const std::string& received, const RegisterQuery& q) {
  Sql sql;
  sql += select + (s.query.incoming ? " FROM register_in i JOIN register_out o ON o.docno = i.docno WHERE i.org = ?"
                                    : " FROM register_out o WHERE o.org = ?");
  sql.values.push_back(s.org);
  sql += received;
  AddRegisterFilter(sql, q, s.search, s.lost);
  return sql;
}

const char* Received(const RegisterSelection& s) { return s.query.incoming ? " AND i.receipt IS NOT NULL" : ""; }

std::string Columns(const RegisterSelection& s) {
  return "SELECT o.doc, o.year, o.symbol, o.seq, o.number, o.date, o.kind, o.title, o.signer, o.org" +
         std::string(s.query.incoming ? ", i.year, i.seq, i.date, i.clerk" : "");
}

RegisterRow ReadRow(Stmt& s, bool incoming) {
  RegisterRow e;
  e.doc = s.Text(0);
  e.year = s.Int(1);
  e.symbol = s.Text(2);
  e.seq = s.Int(3);
  e.number = s.Text(4);
  e.date = s.Text(5);
  e.kind = s.Text(6);
  e.title = s.Text(7);
  e.signer = s.Text(8);
  e.org = s.Text(9);
  if (!incoming) return e;
  e.received = s.Get(10).has_value();
  if (e.received) {
    e.in_year = s.Int(10);
    e.in_seq = s.Int(11);
    e.in_date = s.Text(12);
    e.in_clerk = s.Text(13);
  }
  return e;
}

Result<std::vector<RegisterRow>> ReadRows(Db& db, const Sql& sql, bool incoming) {
  std::vector<RegisterRow> out;
  auto s = sql.Prepare(db);
  while (s->Step()) out.push_back(ReadRow(*s, incoming));
  VB_RETURN_IF_ERROR(s->status());
  return out;
}

}  // namespace

Result<std::vector<RegisterRow>> Store::RegisterRows(const RegisterSelection& s) {
  const RegisterQuery& q = s.query;
  Sql list = Where(Columns(s), s, Received(s), q);
  list += q.incoming ? " ORDER BY i.year, i.seq, i.at, i.receipt" : " ORDER BY o.year, o.symbol, o.seq, o.at, o.issue";
  if (q.limit) list += " LIMIT " + std::to_string(q.limit) + " OFFSET " + std::to_string(q.offset);
  return ReadRows(*db_, list, q.incoming);
}

Result<size_t> Store::RegisterCount(const RegisterSelection& s) {
  auto c = Where("SELECT COUNT(*)", s, Received(s), s.query).Prepare(*db_);
  size_t n = c->Step() ? static_cast<size_t>(c->Int(0)) : 0;
  VB_RETURN_IF_ERROR(c->status());
  return n;
}

Result<std::vector<RegisterRow>> Store::RegisterAwaiting(const RegisterSelection& s) {
  if (!s.query.incoming) return std::vector<RegisterRow>();  // the outgoing register awaits nothing
  RegisterQuery any_year = s.query;
  any_year.year.reset();  // awaiting rows are in every year's list
  Sql sql = Where(Columns(s), s, " AND i.receipt IS NULL", any_year);
  sql += " ORDER BY o.at, i.doc";
  return ReadRows(*db_, sql, s.query.incoming);
}

}  // namespace vanban
