// vanban/web — revisions, word diff, full history, PDF of any revision (routes.h).
//   GET /doc/ID/revisions[?a=REF&b=REF]  every revision; the word diff of two (default:
//                                        the latest and the revision it continues)
//   GET /doc/ID/rev/REF                  one revision's text
//   GET /doc/ID/rev/REF/pdf[?download=1] that revision rendered (pdf::RenderRevision, "DỰ THẢO")
//   GET /doc/ID/history                  every record in fold order (Node::Log)
// REF is "rN" or a prefix of the revision's id (Node::ResolveRevision).
#include <algorithm>
#include <map>

#include "core/crypto.h"
#include "core/docfile.h"
#include "pdf/pdf.h"
#include "web/diff.h"
#include "web/reasons.h"
#include "web/routes.h"
#include "web/web.h"

namespace vanban::web {

namespace {

std::string DocHref(const Document& d) { return "/doc/" + ToHex(d.id); }

std::string RevName(const Revision& r) { return "r" + std::to_string(r.seq); }

// "rN" of a revision of `d` given as hex, else the hex shortened.
std::string RevNameOf(const Document& d, const std::string& hex) {
  RecordId id;
  if (FromHex(hex, &id))
    if (const Revision* r = d.FindRevision(id)) return RevName(*r);
  return hex.substr(0, 12);
}

// "Nguyễn Thị Hoa (Chuyên viên)"; an organisation by its name.
std::string PersonLabel(Node& node, const PublicKey& k) {
  if (const Person* p = node.authority().FindPerson(k)) return p->name + " (" + p->title + ")";
  return node.Who(k);
}

std::string PersonHex(Node& node, const std::string& hex) {
  PublicKey k{};
  return FromHex(hex, &k) ? PersonLabel(node, k) : hex;
}

// The revision `ref` names, or a 404 page saying so in Vietnamese.
const Revision* FindRef(Node& node, const Document& d, const std::string& ref) {
  auto id = node.ResolveRevision(d, ref);
  return id.ok() ? d.FindRevision(*id) : nullptr;
}

Reply NoSuchRevision(const Viewer& v, const Document& d, const std::string& ref) {
  return ErrorReply(v, 404, "Văn bản “" + d.title + "” không có bản “" + ref +
                                "” (ghi rN, ví dụ r1, hoặc ít nhất 4 chữ số đầu của mã bản).");
}

std::string RevOption(const Revision& r, const Revision* selected) {
  return "<option value=\"" + RevName(r) + "\"" + (selected == &r ? " selected" : "") + ">" + RevName(r) + " — " +
         Escape(r.title) + " — " + Escape(DateTime(r.at)) + "</option>";
}

// The revision `r` continues (its first base), else the one folded before it.
const Revision* Previous(const Document& d, const Revision& r) {
  if (!r.bases.empty())
    if (const Revision* b = d.FindRevision(r.bases.front())) return b;
  for (size_t i = 1; i < d.revisions.size(); ++i)
    if (&d.revisions[i] == &r) return &d.revisions[i - 1];
  return nullptr;
}

}  // namespace

std::string RevisionLinks(const Document& d, const Revision& r) {
  const std::string href = DocHref(d);
  std::string b = "<a href=\"" + href + "/rev/" + RevName(r) + "\">Xem</a>";
  if (const Revision* prev = Previous(d, r))
    b += " · <a href=\"" + href + "/revisions?a=" + RevName(*prev) + "&amp;b=" + RevName(r) + "\">So sánh với " +
         RevName(*prev) + "</a>";
  return b;
}

namespace {

Reply RevisionsPage(Node& node, const Viewer& v, const Document& d, const Call& call) {
  const std::string href = DocHref(d);
  std::string b = "<p><a href=\"" + href + "\">← " + Escape(d.title) + "</a></p><h1>Các bản của văn bản</h1>";
  b += "<table><thead><tr><th>Bản</th><th>Tiêu đề</th><th>Người soạn</th><th>Thời điểm</th><th>Mã</th><th></th>"
       "</tr></thead><tbody>";
  for (const Revision& r : d.revisions) {
    const bool head = std::find(d.rev_heads.begin(), d.rev_heads.end(), r.id) != d.rev_heads.end();
    const std::string rev = href + "/rev/" + RevName(r);
    b += "<tr><td>" + RevName(r) + (head ? " <span class=\"muted\">(mới nhất)</span>" : "") + "</td><td>" +
         Escape(r.title) + "</td><td>" + Escape(PersonLabel(node, r.author)) + "</td><td>" + Escape(DateTime(r.at)) +
         "</td><td><code>" + ToHex(r.id).substr(0, 12) + "</code></td><td><a href=\"" + rev + "\">Xem</a> · <a href=\"" +
         rev + "/pdf\">PDF</a> · <a href=\"" + rev + "/pdf?download=1\">Tải PDF</a></td></tr>";
  }
  b += "</tbody></table>";

  // The two to compare: as asked, else the latest and the revision it continues.
  const Revision* rb = &d.revisions.back();
  const Revision* ra = Previous(d, *rb);
  const std::string qa = call.Field("a"), qb = call.Field("b");
  if (!qa.empty() && !(ra = FindRef(node, d, qa))) return NoSuchRevision(v, d, qa);
  if (!qb.empty() && !(rb = FindRef(node, d, qb))) return NoSuchRevision(v, d, qb);
  b += "<h2>So sánh hai bản</h2>";
  if (!ra) {
    b += "<p>Văn bản mới có một bản: chưa có gì để so sánh.</p>";
    return Reply::Html(Layout("Các bản: " + d.title, v, b));
  }
  b += "<form method=\"get\" action=\"" + href + "/revisions\" class=\"action\"><label>Bản cũ <select name=\"a\">";
  for (const Revision& r : d.revisions) b += RevOption(r, ra);
  b += "</select></label><label>Bản mới <select name=\"b\">";
  for (const Revision& r : d.revisions) b += RevOption(r, rb);
  b += "</select></label><button type=\"submit\">So sánh</button></form>";

  auto ta = node.RevisionText(ToHex(d.id), ToHex(ra->id));
  if (!ta.ok()) return ErrorReply(v, HttpStatusOf(ta.status()), Said(ta.status()));
  auto tb = node.RevisionText(ToHex(d.id), ToHex(rb->id));
  if (!tb.ok()) return ErrorReply(v, HttpStatusOf(tb.status()), Said(tb.status()));
  Diff diff = WordDiff(*ta, *tb);
  size_t added = 0, removed = 0;
  for (const DiffRun& r : diff.runs) {
    added += r.op == DiffOp::kInsert;
    removed += r.op == DiffOp::kDelete;
  }
  b += "<p id=\"diff-of\">Từ <strong>" + RevName(*ra) + "</strong> (" + Escape(DateTime(ra->at)) + ") đến <strong>" +
       RevName(*rb) + "</strong> (" + Escape(DateTime(rb->at)) + "): ";
  if (*ta == *tb) b += "hai bản giống hệt nhau.</p>";
  else
    b += "<span class=\"diff\"><ins>phần thêm</ins>, <del>phần bỏ</del></span> (" + std::to_string(added) +
         " chỗ thêm, " + std::to_string(removed) + " chỗ bỏ).</p>";
  if (diff.detail == DiffDetail::kLines)
    b += "<p class=\"muted\">Hai bản khác nhau nhiều: so sánh theo dòng, từng từ trong những dòng đã sửa.</p>";
  if (diff.detail == DiffDetail::kWhole)
    b += "<p class=\"muted\">Hai bản khác nhau gần như toàn bộ: phần giữa được thay cả khối.</p>";
  b += DiffHtml(diff.runs);
  return Reply::Html(Layout("Các bản: " + d.title, v, b));
}

Reply RevisionPage(Node& node, const Viewer& v, const Document& d, const Revision& r) {
  const std::string href = DocHref(d), rev = href + "/rev/" + RevName(r);
  auto text = node.RevisionText(ToHex(d.id), ToHex(r.id));
  if (!text.ok()) return ErrorReply(v, HttpStatusOf(text.status()), Said(text.status()));
  std::string b = "<p><a href=\"" + href + "\">← " + Escape(d.title) + "</a> · <a href=\"" + href +
                  "/revisions\">Các bản</a></p><h1>Bản " + RevName(r) + ": " + Escape(r.title) + "</h1><dl>";
  b += "<dt>Người soạn</dt><dd>" + Escape(PersonLabel(node, r.author)) + "</dd><dt>Thời điểm</dt><dd>" +
       Escape(DateTime(r.at)) + "</dd><dt>Mã bản</dt><dd><code>" + ToHex(r.id) + "</code></dd>";
  if (!r.bases.empty()) {
    b += "<dt>Sửa từ</dt><dd>";
    for (size_t i = 0; i < r.bases.size(); ++i) {
      const std::string base = RevNameOf(d, ToHex(r.bases[i]));
      b += (i ? ", " : "") + std::string("<a href=\"") + href + "/revisions?a=" + base + "&amp;b=" + RevName(r) +
           "\">" + base + "</a>";
    }
    b += "</dd>";
  }
  b += "</dl><p><a href=\"" + rev + "/pdf\">Xem PDF (dự thảo)</a> · <a href=\"" + rev +
       "/pdf?download=1\">Tải PDF</a></p>";
  // Readable as on the document page; the file itself (what the diff compares) below.
  if (auto f = ParseDocumentFile(*text, "revision", ParseOptions{.checked_nfc = true}); f.ok())
    b += DocumentHtml(*f, node.OrgName(d.org)) + "<details><summary>Tệp văn bản (định dạng vanban)</summary><pre class=\"text\">" +
         Escape(*text) + "</pre></details>";
  else
    b += "<pre class=\"text\">" + Escape(*text) + "</pre>";
  return Reply::Html(Layout(RevName(r) + ": " + r.title, v, b));
}

const std::map<std::string, std::string>& TypeLabels() {
  static const std::map<std::string, std::string> m = {
      {"doc.create", "Tạo văn bản"},  {"doc.revise", "Sửa (bản mới)"}, {"doc.route", "Xin ý kiến"},
      {"doc.comment", "Ý kiến"},      {"doc.approve", "Thông qua"},    {"doc.submit", "Trình ký"},
      {"doc.return", "Trả lại"},      {"doc.sign", "Ký"},              {"doc.issue", "Ban hành"},
      {"doc.revoke", "Thu hồi"},      {"doc.receive", "Vào sổ đến"}};
  return m;
}

// What a record says beyond its type, in Vietnamese (the CLI's `doc log` summary).
std::string Details(Node& node, const Document& d, const Record& r) {
  const std::string& t = r.type();
  if (t == "doc.create" || t == "doc.revise") {
    std::string s = "«" + Escape(r.Get("title").empty() ? d.title : r.Get("title")) + "»";
    if (t == "doc.revise") {
      std::string from;
      for (const std::string& base : r.GetAll("base")) from += (from.empty() ? "" : ", ") + RevNameOf(d, base);
      if (!from.empty()) s += ", sửa từ " + Escape(from);
    }
    return s;
  }
  if (t == "doc.route") {
    std::string who;
    for (const std::string& k : r.GetAll("to")) who += (who.empty() ? "" : ", ") + PersonHex(node, k);
    return "Gửi xin ý kiến: " + Escape(who);
  }
  if (t == "doc.comment") return "<q>" + Escape(r.text() ? *r.text() : "") + "</q>";
  if (t == "doc.submit") return "Trình người ký: " + Escape(PersonHex(node, r.Get("to")));
  if (t == "doc.return" || t == "doc.revoke") return "Lý do: " + Escape(r.Get("reason"));
  if (t == "doc.sign")
    return Escape(r.Get("name")) + (r.Get("title").empty() ? "" : " — " + Escape(r.Get("title"))) +
           (r.Get("on-behalf") == "yes" ? ", ký thay (KT.)" : "");
  if (t == "doc.issue")
    return "Số " + Escape(r.Get("number")) + ", ngày " + Escape(r.Get("date")) +
           (r.Has("reissue-of") ? " (ban hành lại do trùng số)" : "");
  if (t == "doc.receive") {
    PublicKey org{};
    FromHex(r.Get("org"), &org);
    return "Số đến " + Escape(r.Get("number")) + " của " + Escape(node.OrgName(org)) + ", ngày " +
           Escape(r.Get("date")) + (r.Has("replaces") ? " (cấp lại số đến)" : "");
  }
  return "";
}

Reply HistoryPage(Node& node, const Viewer& v, const Document& d) {
  const std::string hex = ToHex(d.id), href = DocHref(d);
  auto log = node.Log(hex);
  if (!log.ok()) return ErrorReply(v, HttpStatusOf(log.status()), Said(log.status()));
  std::string b = "<p><a href=\"" + href + "\">← " + Escape(d.title) + "</a></p><h1>Lịch sử văn bản</h1>";
  b += "<p>" + std::to_string(log->size()) +
       " bản ghi, theo thứ tự được áp dụng; mỗi bản ghi được kiểm tra lại chữ ký khi mở trang này.</p>";
  b += "<table class=\"history\"><thead><tr><th>#</th><th>Thời điểm</th><th>Người</th><th>Việc</th><th>Bản</th>"
       "<th>Chi tiết</th><th>Chữ ký</th></tr></thead><tbody>";
  std::string at_rev;  // the revision in force when a record without a `rev` card was made
  int n = 0;
  for (const Node::LogEntry& e : *log) {
    const Record& r = e.record;
    const std::string& type = e.event.type;
    auto label = TypeLabels().find(type);
    std::string rev;
    if (type == "doc.create" || type == "doc.revise") {
      rev = RevNameOf(d, r.id_hex());
      if (e.event.accepted) at_rev = rev;
    } else if (r.Has("rev")) {
      rev = RevNameOf(d, r.Get("rev"));
    } else {
      rev = at_rev;
    }
    const bool valid = node.RecordVerifies(hex, e.event.id);
    b += "<tr" + std::string(e.event.accepted ? "" : " class=\"muted\"") + "><td>" + std::to_string(++n) +
         "</td><td>" + Escape(DateTime(e.event.at)) + "</td><td>" + Escape(PersonLabel(node, e.event.author)) +
         "</td><td>" + Escape(label == TypeLabels().end() ? type : label->second) + "</td><td>";
    if (!rev.empty()) b += "<a href=\"" + href + "/rev/" + Escape(rev) + "\">" + Escape(rev) + "</a>";
    b += "</td><td>" + Details(node, d, r);
    if (!e.event.accepted) b += "<br><em>Không được tính: " + Escape(e.event.note) + "</em>";
    b += "</td><td>" + std::string(valid ? "hợp lệ" : "<strong>không hợp lệ</strong>") + "</td></tr>";
  }
  b += "</tbody></table>";
  return Reply::Html(Layout("Lịch sử: " + d.title, v, b));
}

}  // namespace

std::optional<Reply> HistoryRoutes(Ctx& c, const Call& call) {
  std::string id, what;
  if (call.post || !DocPath(call.path, &id, &what)) return std::nullopt;
  const bool revisions = what == "revisions", history = what == "history", rev = what.rfind("rev/", 0) == 0;
  if (!revisions && !history && !rev) return std::nullopt;
  const Viewer& v = c.viewer;
  auto d = c.node.Show(id);
  if (!d.ok()) return ErrorReply(v, HttpStatusOf(d.status()), Said(d.status()));
  if (revisions) return RevisionsPage(c.node, v, *d, call);
  if (history) return HistoryPage(c.node, v, *d);
  // rev/REF or rev/REF/pdf
  std::string ref = what.substr(4), tail;
  if (size_t slash = ref.find('/'); slash != std::string::npos) {
    tail = ref.substr(slash + 1);
    ref = ref.substr(0, slash);
  }
  if (!tail.empty() && tail != "pdf") return std::nullopt;
  const Revision* r = FindRef(c.node, *d, ref);
  if (!r) return NoSuchRevision(v, *d, ref);
  if (tail.empty()) return RevisionPage(c.node, v, *d, *r);
  auto pdf = pdf::RenderRevision(c.node, ToHex(d->id), ToHex(r->id));
  if (!pdf.ok()) return ErrorReply(v, HttpStatusOf(pdf.status()), Said(pdf.status()));
  return Reply::File(std::move(pdf).value(), "application/pdf", call.Field("download") == "1" ? "attachment" : "inline",
                     ToHex(d->id).substr(0, 12) + "-" + RevName(*r) + ".pdf");
}

}  // namespace vanban::web
