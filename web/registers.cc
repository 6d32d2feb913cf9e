// vanban/web — the list of documents (/docs), the registers (/registers, sổ văn bản
// đi/đến) with their CSV export, and the yearly archive export (/archive) as a job.
//
// Reads go through Node exactly as the CLI's `doc list`, `register` and `archive
// export` do. Searching: /docs asks the core's folded full-text index (DocFilter
// query, as `doc list --query`); a register page is one Node::ReadRegister: a page
// of rows searched in SQL on their folded text, so "thi dua" finds "thi đua".
#include <sodium.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "core/docfile.h"
#include "core/text.h"
#include "core/workflow.h"
#include "pdf/pdf.h"
#include "web/jobs.h"
#include "web/reasons.h"
#include "web/routes.h"
#include "web/tar.h"
#include "web/web.h"

namespace vanban::web {

namespace {

constexpr size_t kDocsPerPage = 50;
constexpr size_t kRowsPerPage = 200;  // of a register; the export holds every row
const char kArchiveTitle[] = "Xuất lưu trữ năm ";

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// `path` with the non-empty parameters as its query string.
std::string Link(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = path;
  char sep = '?';
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    out += sep + k + "=" + UrlEncode(v);
    sep = '&';
  }
  return out;
}

// "2024-03-05" -> "05/03/2024", as registers are kept on paper.
std::string DayMonthYear(const std::string& iso_date) {
  if (iso_date.size() != 10) return iso_date;
  return iso_date.substr(8, 2) + "/" + iso_date.substr(5, 2) + "/" + iso_date.substr(0, 4);
}

std::string Option(const std::string& value, const std::string& label, bool selected) {
  return "<option value=\"" + Escape(value) + "\"" + (selected ? " selected" : "") + ">" + Escape(label) + "</option>";
}

// A positive page number from `?page=`; 1 when absent or not a number.
size_t PageOf(const Call& call) {
  const std::string p = call.Field("page");
  if (p.empty() || p.size() > 6 || p.find_first_not_of("0123456789") != std::string::npos) return 1;
  return std::max<size_t>(1, std::stoul(p));
}

// "Trang trước · Trang N · Trang sau" links (prev/next only where there is one).
std::string Pager(const std::string& path, std::vector<std::pair<std::string, std::string>> params, size_t page,
                  bool more) {
  if (page == 1 && !more) return "";
  std::string b = "<nav class=\"pager\">";
  auto at = [&](size_t n) {
    auto p = params;
    p.emplace_back("page", n > 1 ? std::to_string(n) : "");
    return Escape(Link(path, p));
  };
  if (page > 1) b += "<a rel=\"prev\" href=\"" + at(page - 1) + "\">« Trang trước</a> ";
  b += "<span>Trang " + std::to_string(page) + "</span>";
  if (more) b += " <a rel=\"next\" href=\"" + at(page + 1) + "\">Trang sau »</a>";
  return b + "</nav>";
}

// --- /docs ---------------------------------------------------------------------------

// True when `q` holds something the index can look for (DocFilter refuses a query
// with no word: only punctuation or spaces is no filter at all here).
bool HasWord(const std::string& q) {
  for (char c : q)
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

Reply DocsPage(Ctx& c, const Call& call) {
  const Viewer& v = c.viewer;
  const std::string state = call.Field("state"), kind = call.Field("kind"), q = call.Field("q");
  const size_t page = PageOf(call);
  DocFilter f;
  if (!state.empty()) f.state = state;
  if (!kind.empty()) f.kind = kind;
  if (HasWord(q)) f.query = q;
  f.newest_first = true;
  f.offset = (page - 1) * kDocsPerPage;
  f.limit = kDocsPerPage + 1;  // one more: is there a next page?
  auto list = c.node.List(f);
  if (!list.ok()) return ErrorReply(v, HttpStatusOf(list.status()), "Không lọc được: " + Said(list.status()));
  const bool more = list->size() > kDocsPerPage;
  if (more) list->pop_back();

  std::string b = "<h1>Văn bản</h1><form class=\"filters\" method=\"get\" action=\"/docs\">";
  b += "<label>Trạng thái <select name=\"state\">" + Option("", "Tất cả", state.empty());
  for (DocState s : {DocState::kDraft, DocState::kInReview, DocState::kSubmitted, DocState::kPartiallySigned,
                     DocState::kSigned, DocState::kIssued, DocState::kRevoked})
    b += Option(StateName(s), StateLabel(StateName(s)), state == StateName(s));
  b += "</select></label><label>Loại <select name=\"kind\">" + Option("", "Tất cả", kind.empty());
  for (const KindInfo& k : Kinds())
    b += Option(std::string(k.kind), std::string(k.name_vi), kind == k.kind);
  b += "</select></label><label>Tìm <input type=\"search\" name=\"q\" value=\"" + Escape(q) +
       "\" placeholder=\"trích yếu, nội dung, số (không cần dấu)\"></label><button type=\"submit\">Lọc</button></form>";

  if (list->empty()) {
    b += "<p>Không có văn bản nào" + std::string(f.query || f.state || f.kind ? " khớp với bộ lọc." : ".") + "</p>";
  } else {
    b += "<table class=\"docs\"><thead><tr><th>Loại</th><th>Trích yếu</th><th>Trạng thái</th><th>Số, ký hiệu</th>"
         "<th>Ngày tạo</th></tr></thead><tbody>";
    const int offset = c.node.org().offset_minutes;
    for (const DocSummary& s : *list) {
      b += "<tr><td>" + Escape(KindLabel(s.kind)) + "</td><td><a href=\"/doc/" + Escape(s.id) + "\">" + Escape(s.title) +
           "</a></td><td>" + Escape(StateLabel(s.state)) + "</td><td>" + (s.number ? Escape(*s.number) : "") +
           "</td><td>" + Escape(DayMonthYear(Timestamp{s.created, offset}.Date())) + "</td></tr>";
    }
    b += "</tbody></table>";
  }
  b += Pager("/docs", {{"state", state}, {"kind", kind}, {"q", q}}, page, more);
  return Reply::Html(Layout("Văn bản", v, b));
}

// --- /registers ----------------------------------------------------------------------

struct RegisterView {
  int year = 0;
  bool incoming = false;
  std::string q;
};

// The register asked for by ?year=&kind=&q= (year: this year by default).
Result<RegisterView> ParseRegisterView(Ctx& c, const Call& call) {
  RegisterView r;
  const std::string kind = call.Field("kind");
  if (kind != "" && kind != "out" && kind != "in") return Status::BadInput("Không có sổ '" + kind + "' (out: đi, in: đến)");
  r.incoming = kind == "in";
  const std::string y = call.Field("year");
  if (y.empty()) {
    r.year = c.node.Now().Year();
  } else {
    if (y.size() != 4 || y.find_first_not_of("0123456789") != std::string::npos || std::stoi(y) < 1970)
      return Status::BadInput("Năm '" + y + "' không hợp lệ");
    r.year = std::stoi(y);
  }
  r.q = call.Field("q");
  std::vector<std::string> words = text::SearchWords(r.q);
  std::sort(words.begin(), words.end());
  if (std::unique(words.begin(), words.end()) - words.begin() > static_cast<long>(RegisterQuery::kMaxWords))
    return Status::BadInput("Tìm trong sổ tối đa " + std::to_string(RegisterQuery::kMaxWords) + " từ khác nhau.");
  return r;
}

// The register's rows of the year that hold every word of `q` (all when none), in
// register order; a page of them when `limit`, else all (the export).
Result<RegisterPage> RegisterRows(Node& node, const RegisterView& r, size_t offset = 0, size_t limit = 0) {
  RegisterQuery q;
  q.incoming = r.incoming;
  q.year = r.year;
  q.query = r.q;
  q.offset = offset;
  q.limit = limit;
  return node.ReadRegister(q);
}

// The names of this organisation's people by login: a register names the clerk
// who received a document (the core gives the login).
std::map<std::string, std::string> OurNames(Node& node) {
  std::map<std::string, std::string> names;
  for (const Person& p : node.Users())
    if (p.org == node.org().root) names[p.login] = p.name;
  return names;
}

std::string NameOf(const std::map<std::string, std::string>& names, const std::string& login) {
  auto it = names.find(login);
  return it == names.end() ? login : it->second;
}

std::string DocLink(const RegisterEntry& e) {
  return "<a href=\"/doc/" + Escape(e.doc) + "\">" + Escape(e.title) + "</a>";
}

std::string OutgoingRow(const RegisterEntry& e) {
  std::string b = std::string("<tr") + (e.collides_with.empty() ? "" : " class=\"collision\"") + "><td>" +
                  Escape(e.number) + "</td><td>" + Escape(DayMonthYear(e.date)) + "</td><td>" + Escape(KindLabel(e.kind)) +
                  "</td><td>" + DocLink(e);
  if (e.must_reissue)
    b += "<p class=\"warn\" role=\"alert\">Trùng số: số " + Escape(e.number) +
         " cũng đã được cấp cho văn bản khác (ban hành trên máy khác khi chưa đồng bộ) và văn bản kia giữ số này. "
         "Văn thư cần <a href=\"/doc/" + Escape(e.doc) + "\">ban hành lại văn bản này</a> để lấy số mới.</p>";
  else if (!e.collides_with.empty())
    b += "<p class=\"warn\">Trùng số với " + std::to_string(e.collides_with.size()) +
         " văn bản khác; văn bản này giữ số, văn bản kia phải ban hành lại.</p>";
  b += "</td><td>" + Escape(e.signer) + "</td><td>";
  if (e.receipts.empty() && e.awaiting.empty()) b += "<span class=\"muted\">—</span>";
  else {
    b += "<ul class=\"receipts\">";
    for (const RegisterReceipt& r : e.receipts)
      b += "<li>" + Escape(r.org) + ": số đến " + std::to_string(r.number) + ", ngày " + Escape(DayMonthYear(r.date)) +
           " (" + Escape(r.by) + ")</li>";
    for (const std::string& a : e.awaiting) b += "<li class=\"muted\">" + Escape(a) + ": chưa vào sổ</li>";
    b += "</ul>";
  }
  return b + "</td></tr>";
}

std::string IncomingRow(const RegisterEntry& e, const std::map<std::string, std::string>& names) {
  std::string b = std::string("<tr") + (e.collides_with.empty() ? "" : " class=\"collision\"") + "><td>" +
                  Escape(e.number) + "</td><td>" + Escape(DayMonthYear(e.date)) + "</td><td>" + Escape(e.from) +
                  "</td><td>" + Escape(e.their_number) + "</td><td>" + Escape(DayMonthYear(e.their_date)) + "</td><td>" +
                  Escape(KindLabel(e.kind)) + "</td><td>" + DocLink(e);
  if (e.must_rereceive)
    b += "<p class=\"warn\" role=\"alert\">Trùng số đến: số " + Escape(e.number) +
         " cũng đã vào sổ cho văn bản khác (trên máy khác khi chưa đồng bộ), văn bản kia giữ số này. Văn thư cần "
         "<a href=\"/doc/" + Escape(e.doc) + "\">vào sổ lại văn bản này</a>.</p>";
  else if (!e.collides_with.empty())
    b += "<p class=\"warn\">Trùng số đến với văn bản khác; văn bản này giữ số.</p>";
  return b + "</td><td>" + Escape(e.signer) + "</td><td>" + Escape(NameOf(names, e.received_by)) + "</td></tr>";
}

Reply RegistersPage(Ctx& c, const Call& call) {
  const Viewer& v = c.viewer;
  auto view = ParseRegisterView(c, call);
  if (!view.ok()) return ErrorReply(v, 400, Said(view.status()));
  const RegisterView& r = *view;
  const size_t page = PageOf(call);
  auto rows = RegisterRows(c.node, r, (page - 1) * kRowsPerPage, kRowsPerPage);
  if (!rows.ok()) return ErrorReply(v, HttpStatusOf(rows.status()), Said(rows.status()));
  auto years = c.node.RegisterYears(r.incoming);
  if (!years.ok()) return ErrorReply(v, 500, Said(years.status()));
  std::set<int, std::greater<int>> shown(years->begin(), years->end());
  shown.insert(r.year);
  shown.insert(c.node.Now().Year());

  const std::string kind = r.incoming ? "in" : "out", year = std::to_string(r.year);
  const std::string name = r.incoming ? "Sổ văn bản đến" : "Sổ văn bản đi";
  std::string b = "<h1>" + name + " năm " + year + "</h1>";
  b += "<nav class=\"tabs\"><a href=\"" + Escape(Link("/registers", {{"year", year}, {"kind", "out"}})) + "\"" +
       (r.incoming ? "" : " aria-current=\"page\"") + ">Sổ văn bản đi</a> <a href=\"" +
       Escape(Link("/registers", {{"year", year}, {"kind", "in"}})) + "\"" + (r.incoming ? " aria-current=\"page\"" : "") +
       ">Sổ văn bản đến</a></nav>";
  b += "<form class=\"filters\" method=\"get\" action=\"/registers\"><label>Sổ <select name=\"kind\">" +
       Option("out", "Văn bản đi", !r.incoming) + Option("in", "Văn bản đến", r.incoming) +
       "</select></label><label>Năm <select name=\"year\">";
  for (int y : shown) b += Option(std::to_string(y), std::to_string(y), y == r.year);
  b += "</select></label><label>Tìm trong sổ <input type=\"search\" name=\"q\" value=\"" + Escape(r.q) +
       "\" placeholder=\"số, trích yếu, người ký, nơi gửi (không cần dấu)\"></label><button type=\"submit\">Xem</button></form>";

  const std::vector<RegisterEntry>& listed = rows->rows;
  const std::vector<RegisterEntry>& awaiting = rows->awaiting;
  b += "<p><a class=\"export\" href=\"" +
       Escape(Link("/registers/export", {{"year", year}, {"kind", kind}, {"q", r.q}})) +
       "\" download>Tải về tệp CSV (mở bằng Excel)</a></p>";
  if (!text::SearchWords(r.q).empty())
    b += "<p class=\"counts\">" + std::to_string(rows->total) + " văn bản khớp với «" + Escape(r.q) + "».</p>";

  if (listed.empty()) {
    b += "<p>" + std::string(r.incoming ? "Chưa có văn bản đến nào được vào sổ" : "Chưa có văn bản đi nào") +
         (r.q.empty() ? " trong năm " + year + "." : " khớp với tìm kiếm.") + "</p>";
  } else if (r.incoming) {
    b += "<table class=\"register\"><thead><tr><th>Số đến</th><th>Ngày đến</th><th>Nơi gửi</th><th>Số, ký hiệu</th>"
         "<th>Ngày văn bản</th><th>Loại</th><th>Trích yếu nội dung</th><th>Người ký</th><th>Người vào sổ</th></tr>"
         "</thead><tbody>";
    const auto names = OurNames(c.node);
    for (const RegisterEntry& e : listed) b += IncomingRow(e, names);
    b += "</tbody></table>";
  } else {
    b += "<table class=\"register\"><thead><tr><th>Số, ký hiệu</th><th>Ngày</th><th>Loại</th><th>Trích yếu nội dung</th>"
         "<th>Người ký</th><th>Nơi nhận đã vào sổ</th></tr></thead><tbody>";
    for (const RegisterEntry& e : listed) b += OutgoingRow(e);
    b += "</tbody></table>";
  }
  b += Pager("/registers", {{"year", year}, {"kind", kind}, {"q", r.q}}, page,
             (page - 1) * kRowsPerPage + listed.size() < rows->total);

  if (r.incoming) {
    b += "<h2>Văn bản gửi đến, chờ vào sổ</h2>";
    if (awaiting.empty()) b += "<p>Không có văn bản nào đang chờ vào sổ.</p>";
    else {
      b += "<table class=\"awaiting\"><thead><tr><th>Nơi gửi</th><th>Số, ký hiệu</th><th>Ngày văn bản</th><th>Loại</th>"
           "<th>Trích yếu nội dung</th><th></th></tr></thead><tbody>";
      for (const RegisterEntry& e : awaiting)
        b += "<tr><td>" + Escape(e.from) + "</td><td>" + Escape(e.their_number) + "</td><td>" +
             Escape(DayMonthYear(e.their_date)) + "</td><td>" + Escape(KindLabel(e.kind)) + "</td><td>" + DocLink(e) +
             "</td><td><a href=\"/doc/" + Escape(e.doc) + "\">Mở để vào sổ</a></td></tr>";
      b += "</tbody></table>";
    }
  }
  return Reply::Html(Layout(name, v, b));
}

// --- /registers/export: CSV (RFC 4180) ------------------------------------------------

// One CSV field: quoted when it holds a comma, quote or line break (quotes doubled).
// A leading = + - @ or tab would make a spreadsheet read a formula: a ' goes before it.
std::string CsvField(std::string_view v) {
  std::string s(v);
  if (!s.empty() && std::strchr("=+-@\t\r", s.front())) s.insert(0, "'");
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"') q += '"';
    q += ch;
  }
  return q + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + CsvField(fields[i]);
  return line + "\r\n";
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// The fields of `vanban register --json`, one column each, headed in Vietnamese.
std::string RegisterCsv(const std::vector<RegisterEntry>& rows, bool incoming,
                        const std::map<std::string, std::string>& names) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 byte order mark: Excel then reads the Vietnamese right
  if (incoming) {
    out += CsvLine({"Số đến", "Ngày đến", "Loại", "Trích yếu nội dung", "Người ký", "Số, ký hiệu", "Ngày văn bản",
                    "Nơi gửi", "Mã văn bản", "Đã vào sổ", "Người vào sổ", "Trùng số đến"});
    for (const RegisterEntry& e : rows) {
      std::string clash = e.must_rereceive ? "phải vào sổ lại" : e.collides_with.empty() ? "" : "giữ số";
      out += CsvLine({e.received ? e.number : "", e.received ? DayMonthYear(e.date) : "", KindLabel(e.kind), e.title,
                      e.signer, e.their_number, DayMonthYear(e.their_date), e.from, e.doc, e.received ? "có" : "chưa",
                      e.received ? NameOf(names, e.received_by) : "", clash});
    }
    return out;
  }
  out += CsvLine({"Số, ký hiệu", "Ngày", "Loại", "Trích yếu nội dung", "Người ký", "Mã văn bản",
                  "Nơi nhận đã vào sổ", "Nơi nhận chưa vào sổ", "Trùng số"});
  for (const RegisterEntry& e : rows) {
    std::vector<std::string> got;
    for (const RegisterReceipt& r : e.receipts)
      got.push_back(r.org + " (số đến " + std::to_string(r.number) + ", ngày " + DayMonthYear(r.date) + ", " + r.by + ")");
    std::string clash = e.must_reissue ? "phải ban hành lại" : e.collides_with.empty() ? "" : "giữ số";
    out += CsvLine({e.number, DayMonthYear(e.date), KindLabel(e.kind), e.title, e.signer, e.doc, Joined(got),
                    Joined(e.awaiting), clash});
  }
  return out;
}

Reply RegisterExport(Ctx& c, const Call& call) {
  auto view = ParseRegisterView(c, call);
  if (!view.ok()) return ErrorReply(c.viewer, 400, Said(view.status()));
  auto page = RegisterRows(c.node, *view);
  if (!page.ok()) return ErrorReply(c.viewer, HttpStatusOf(page.status()), Said(page.status()));
  std::vector<RegisterEntry> rows = std::move(page->rows);
  for (RegisterEntry& e : page->awaiting) rows.push_back(std::move(e));
  return Reply::File(RegisterCsv(rows, view->incoming, OurNames(c.node)), "text/csv; charset=utf-8", "attachment",
                     std::string(view->incoming ? "so-van-ban-den-" : "so-van-ban-di-") + std::to_string(view->year) +
                         ".csv");
}

// --- /archive: the yearly archive as a background job ----------------------------------

// "3,4 MB", "45 KB"
std::string Size(size_t bytes) {
  if (bytes < 1024 * 1024) return std::to_string((bytes + 1023) / 1024) + " KB";
  const size_t tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
  return std::to_string(tenths / 10) + "," + std::to_string(tenths % 10) + " MB";
}

// The passphrase a job holds: its own copy, wiped when the job is done with it (and
// by the last owner in any case).
using HeldSecret = std::shared_ptr<std::string>;
HeldSecret Hold(std::string& pass) {
  HeldSecret s(new std::string(pass), [](std::string* p) {
    sodium_memzero(p->data(), p->size());
    delete p;
  });
  sodium_memzero(pass.data(), pass.size());
  return s;
}

// The work of an archive job, on its own thread: its own Node, a fresh temporary
// folder for `archive export`, packed into one tar, the folder removed.
Job::Outcome ArchiveWork(Job& job, const std::string& home, const NodeOptions& options, const std::string& login,
                         int year, const HeldSecret& secret) {
  namespace fs = std::filesystem;
  Job::Outcome out;
  job.Progress(0, 0, "Đang chuẩn bị…");
  auto node = Node::Open(home, options);  // never the server's Node: one thread per Node
  if (!node.ok()) {
    out.status = node.status();
    return out;
  }
  std::error_code ec;
  std::string tmp = (fs::temp_directory_path(ec) / "vanban-luu-tru-XXXXXX").string();
  if (ec || !::mkdtemp(tmp.data())) {
    out.status = Status::BadInput(std::string("cannot make a temporary folder: ") + std::strerror(errno));
    return out;
  }
  const std::string top = "luu-tru-" + std::to_string(year), dir = tmp + "/" + top;
  Actor actor{login, [secret]() -> Result<std::string> { return *secret; }};
  auto n = pdf::ExportArchive(**node, actor, year, dir,
                              [&job](const pdf::ArchiveProgress& p) { job.Progress(p.done, p.total, p.number); });
  if (!n.ok()) {
    out.status = n.status();
  } else {
    job.Progress(*n, *n, "Đang đóng gói…");
    auto tar = UstarOfFolder(dir, top, {"manifest.json", "manifest.json.sig"}, (*node)->Now().utc);
    if (!tar.ok()) {
      out.status = tar.status();
    } else {
      out.summary = std::to_string(*n) + " văn bản, " + Size(tar->size()) + " (manifest.json có dấu của " +
                    (*node)->org().name + ")";
      out.file = std::move(tar).value();
      out.file_type = "application/x-tar";
      out.filename = top + ".tar";
      job.Progress(*n, *n, "");
    }
  }
  fs::remove_all(tmp, ec);
  return out;
}

Reply ArchivePage(Ctx& c, const std::string& notice, int status) {
  const Viewer& v = c.viewer;
  std::string b = "<h1>Lưu trữ</h1>";
  if (!notice.empty()) b += "<p class=\"notice\" role=\"alert\">" + Escape(notice) + "</p>";
  b += "<p>Xuất toàn bộ văn bản đã ban hành trong một năm: bản PDF đã ký của từng văn bản, và tệp manifest.json "
       "liệt kê mã băm (SHA-256) của từng tệp, được ký bằng con dấu của cơ quan. Kết quả là một tệp .tar để tải về.</p>";
  auto years = c.node.RegisterYears(false);
  if (!years.ok()) return ErrorReply(v, 500, Said(years.status()));
  Status holder = c.node.CheckSealHolder(v.person->login);
  if (!holder.ok()) {
    b += "<p class=\"notice\">Chỉ người giữ bản sao con dấu trên máy này (quản trị, văn thư) mới xuất được lưu trữ: " +
         Escape(Said(holder)) + "</p>";
  } else if (years->empty()) {
    b += "<p>Chưa có văn bản nào được ban hành.</p>";
  } else {
    int def = years->back();
    if (const int now = c.node.Now().Year(); std::find(years->begin(), years->end(), now) != years->end()) def = now;
    b += "<form class=\"action\" method=\"post\" action=\"/archive\">" + HiddenCsrf(v) +
         "<label>Năm <select name=\"year\">";
    for (auto it = years->rbegin(); it != years->rend(); ++it)
      b += Option(std::to_string(*it), std::to_string(*it), *it == def);
    b += "</select></label><p class=\"muted\">Manifest được đóng dấu bằng bản sao con dấu bạn giữ trên máy này "
         "(mở bằng mật khẩu của phiên đăng nhập). Việc xuất chạy nền; trang công việc cho biết tiến độ.</p>"
         "<button type=\"submit\">Xuất lưu trữ</button></form>";
  }
  std::string done;
  for (const auto& [id, j] : c.jobs.Of(v.person->login)) {
    if (j.title.rfind(kArchiveTitle, 0) != 0) continue;
    std::string state = !j.finished ? "Đang chạy (" + std::to_string(j.done) + "/" + std::to_string(j.total) + ")"
                        : j.ok      ? "Xong. " + j.summary
                                    : "Không thành công: " + j.error;
    done += "<tr><td><a href=\"/jobs/" + Escape(id) + "\">" + Escape(j.title) + "</a></td><td>" + Escape(state) +
            "</td><td>" +
            (j.finished && j.has_file ? "<a href=\"/jobs/" + Escape(id) + "/file\">Tải về " + Escape(j.filename) + "</a>"
                                      : std::string()) +
            "</td></tr>";
  }
  if (!done.empty())
    b += "<h2>Các lần xuất của bạn</h2><table class=\"jobs\"><thead><tr><th>Công việc</th><th>Kết quả</th><th>Tệp</th>"
         "</tr></thead><tbody>" + done + "</tbody></table>";
  return Reply::Html(Layout("Lưu trữ", v, b), status);
}

Reply StartArchive(Ctx& c, const Call& call) {
  const std::string login = c.viewer.person->login;
  const std::string y = call.Field("year");
  if (y.size() != 4 || y.find_first_not_of("0123456789") != std::string::npos)
    return ArchivePage(c, "Hãy chọn năm cần xuất.", 400);
  const int year = std::stoi(y);
  if (Status s = c.node.CheckSealHolder(login); !s.ok())
    return ArchivePage(c, "Không xuất được lưu trữ: " + Said(s), HttpStatusOf(s));
  auto years = c.node.RegisterYears(false);
  if (!years.ok()) return ErrorReply(c.viewer, 500, Said(years.status()));
  if (std::find(years->begin(), years->end(), year) == years->end())
    return ArchivePage(c, "Năm " + y + " không có văn bản nào được ban hành.", 404);
  std::string pass = c.passphrase();
  HeldSecret secret = Hold(pass);  // `pass` is wiped
  std::string id = c.jobs.Start(kArchiveTitle + y, login, [home = c.home, options = c.node.options(), login, year,
                                                                   secret](Job& job) {
    Job::Outcome out = ArchiveWork(job, home, options, login, year, secret);
    sodium_memzero(secret->data(), secret->size());  // done with it, whoever still holds the pointer
    return out;
  });
  return Reply::Redirect("/jobs/" + id);
}

}  // namespace

std::optional<Reply> RegisterRoutes(Ctx& c, const Call& call) {
  if (call.path == "/docs" && !call.post) return DocsPage(c, call);
  if (call.path == "/registers" && !call.post) return RegistersPage(c, call);
  if (call.path == "/registers/export" && !call.post) return RegisterExport(c, call);
  if (call.path == "/archive") return call.post ? StartArchive(c, call) : ArchivePage(c, "", 200);
  return std::nullopt;
}

}  // namespace vanban::web
