// vanban/web — the server-rendered pages (see pages.h).
#include "web/pages.h"

#include <algorithm>
#include <map>

#include "core/crypto.h"
#include "core/docfile.h"
#include "core/text.h"
#include "core/workflow.h"
#include "web/web.h"

namespace vanban::web {

const char kCss[] = R"css(
*{box-sizing:border-box}
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:0;color:#1a1a1a;background:#f6f6f3;line-height:1.45}
header{background:#7a1010;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:bold}
header .who{margin-left:auto}
header form{display:inline}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0}
h2{font-size:1.1rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
pre.text{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:1rem;font-family:"Noto Serif","DejaVu Serif",serif}
.notice{background:#fde8e8;border:1px solid #c33;padding:.5rem 1rem;margin:.5rem 0}
.counts span{display:inline-block;background:#fff;border:1px solid #ccc;padding:.2rem .6rem;margin:0 .4rem .4rem 0}
form.action{background:#fff;border:1px solid #ddd;padding:.6rem;margin:.4rem 0}
textarea{width:100%;min-height:4rem}
button{background:#7a1010;color:#fff;border:0;padding:.4rem 1rem;cursor:pointer}
label{display:block;margin:.4rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:bold}
@media print{header,form,button{display:none}body{background:#fff}main{max-width:none}}
)css";

std::string Escape(std::string_view s) { return text::EscapeMarkup(s); }

std::string VietnameseDate(const Timestamp& t) {
  std::string d = t.Date();  // YYYY-MM-DD
  if (d.size() != 10) return Escape(d);
  return "ngày " + d.substr(8, 2) + " tháng " + d.substr(5, 2) + " năm " + d.substr(0, 4);
}

namespace {

std::string DateTime(const Timestamp& t) {
  std::string iso = t.Iso();  // YYYY-MM-DDTHH:MM:SS+HH:MM
  return (iso.size() >= 16 ? iso.substr(11, 5) + ", " : "") + VietnameseDate(t);
}

std::string KindLabel(const std::string& kind) {
  const KindInfo* k = FindKind(kind);
  return k ? std::string(k->name_vi) : kind;
}

std::string ActionLabel(const std::string& action) {
  static const std::map<std::string, std::string> m = {
      {"review", "Cho ý kiến, thông qua"}, {"revise", "Sửa lại (bị trả lại)"}, {"submit", "Trình ký"},
      {"sign", "Ký"}, {"issue", "Ban hành"}, {"merge", "Hợp nhất bản sửa"}, {"receive", "Vào sổ văn bản đến"}};
  auto it = m.find(action);
  return it == m.end() ? action : it->second;
}

std::string Hidden(const Viewer& v) { return "<input type=\"hidden\" name=\"csrf\" value=\"" + Escape(v.csrf) + "\">"; }

bool HasRole(const Person& p, Role r) { return p.current_roles().count(r) > 0; }

}  // namespace

std::string StateLabel(std::string_view s) {
  if (s == "draft") return "nháp";
  if (s == "in_review") return "đang xin ý kiến";
  if (s == "submitted") return "trình ký";
  if (s == "partially_signed") return "đã ký một phần";
  if (s == "signed") return "đã ký";
  if (s == "issued") return "đã ban hành";
  if (s == "revoked") return "đã thu hồi";
  return std::string(s);
}

std::string Layout(const std::string& title, const Viewer& v, const std::string& body) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + Escape(title) + " — vanban</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><header>"
      "<a href=\"/\">Văn bản</a>";
  if (v.person) {
    h += "<span class=\"who\">" + Escape(v.person->name) + " (" + Escape(v.person->title) + ")</span>"
         "<form method=\"post\" action=\"/logout\">" + Hidden(v) + "<button type=\"submit\">Đăng xuất</button></form>";
  }
  return h + "</header><main>" + body + "</main></body></html>\n";
}

std::string LoginPage(Node& node, const std::string& message) {
  std::string b = "<h1>Đăng nhập</h1><p>" + Escape(node.org().name) + "</p>";
  if (!message.empty()) b += "<p class=\"notice\" role=\"alert\">" + Escape(message) + "</p>";
  b += "<form method=\"post\" action=\"/login\"><label>Người dùng <select name=\"login\">";
  for (const Person& p : node.Users()) {
    if (!p.active()) continue;
    b += "<option value=\"" + Escape(p.login) + "\">" + Escape(p.name) + " — " + Escape(p.title) + " (" +
         Escape(p.login) + ")</option>";
  }
  b += "</select></label><label>Mật khẩu <input type=\"password\" name=\"passphrase\" autocomplete=\"current-password\" "
       "required></label><button type=\"submit\">Đăng nhập</button></form>";
  return Layout("Đăng nhập", Viewer{}, b);
}

Result<std::string> InboxPage(Node& node, const Viewer& v) {
  VB_ASSIGN_OR_RETURN(std::vector<InboxItem> items, node.Inbox(v.person->login));
  std::stable_sort(items.begin(), items.end(),
                   [](const InboxItem& a, const InboxItem& b) { return a.since.utc < b.since.utc; });
  std::map<std::string, int> counts;
  for (const InboxItem& it : items) ++counts[it.action];
  std::string b = "<h1>Việc cần xử lý</h1><p class=\"counts\">";
  if (items.empty()) b += "Không có việc nào đang chờ.";
  for (const auto& [a, n] : counts) b += "<span>" + Escape(ActionLabel(a)) + ": " + std::to_string(n) + "</span>";
  b += "</p>";
  if (!items.empty()) {
    b += "<table><thead><tr><th>Việc</th><th>Văn bản</th><th>Trạng thái</th><th>Từ</th></tr></thead><tbody>";
    for (const InboxItem& it : items) {
      b += "<tr><td>" + Escape(ActionLabel(it.action)) + "</td><td><a href=\"/doc/" + Escape(it.doc.id) + "\">" +
           Escape(KindLabel(it.doc.kind)) + ": " + Escape(it.doc.title) + "</a>" +
           (it.doc.number ? " — số " + Escape(*it.doc.number) : "") + "</td><td>" + Escape(StateLabel(it.doc.state)) +
           "</td><td>" + Escape(DateTime(it.since)) + "</td></tr>";
    }
    b += "</tbody></table>";
  }
  return Layout("Việc cần xử lý", v, b);
}

std::vector<std::string> AllowedActions(const Document& d, const Person& p) {
  std::vector<std::string> out;
  bool review = false, sign = false;
  for (const Task& t : TasksOf(d)) {
    bool mine = t.assignee ? *t.assignee == p.key
                           : (t.org == p.org && (!t.role || HasRole(p, *t.role)));
    if (!mine) continue;
    if (t.action == "review") review = true;
    if (t.action == "sign") sign = true;
  }
  // comment: a routed reviewer, a drafter of the organisation, or the signer it was submitted to.
  bool comment_state = d.state == DocState::kDraft || d.state == DocState::kInReview ||
                       d.state == DocState::kSubmitted || d.state == DocState::kPartiallySigned;
  if (comment_state && (review || (d.org == p.org && HasRole(p, Role::kDrafter)) ||
                        (d.submitted_to && *d.submitted_to == p.key)))
    out.push_back("comment");
  if (review && d.current()) out.push_back("approve");
  if (sign && HasRole(p, Role::kSigner)) out.push_back("sign");
  return out;
}

Result<std::string> DocPage(Node& node, const Viewer& v, const std::string& id, const std::string& notice) {
  VB_ASSIGN_OR_RETURN(Document d, node.Show(id));
  const std::string hex = ToHex(d.id);
  std::string b;
  if (!notice.empty()) b += "<p class=\"notice\" role=\"alert\">" + Escape(notice) + "</p>";
  b += "<h1>" + Escape(d.title) + "</h1><dl><dt>Loại</dt><dd>" + Escape(KindLabel(d.kind)) +
       "</dd><dt>Trạng thái</dt><dd id=\"state\">" + Escape(StateLabel(StateName(d.state))) + "</dd>";
  if (d.issue)
    b += "<dt>Số, ngày</dt><dd>" + Escape(d.issue->number) + ", " + Escape(d.issue->date) + "</dd>";
  b += "<dt>Đơn vị</dt><dd>" + Escape(node.OrgName(d.org)) + "</dd><dt>Người soạn</dt><dd>" +
       Escape(node.Who(d.creator)) + ", " + Escape(VietnameseDate(d.created)) + "</dd></dl>";
  b += "<p><a href=\"/doc/" + hex + "/pdf\">Xem PDF</a></p>";

  // Buttons: only what this person may do now.
  for (const std::string& a : AllowedActions(d, *v.person)) {
    std::string act = "<form class=\"action\" method=\"post\" action=\"/doc/" + hex + "/" + a + "\">" + Hidden(v);
    if (a == "comment")
      act += "<label>Ý kiến <textarea name=\"text\" required></textarea></label><button type=\"submit\" "
             "name=\"do\" value=\"comment\">Gửi ý kiến</button>";
    else if (a == "approve")
      act += "<button type=\"submit\" name=\"do\" value=\"approve\">Thông qua bản hiện tại</button>";
    else if (a == "sign")
      act += "<label><input type=\"checkbox\" name=\"on_behalf\" value=\"yes\"> Ký thay (KT.)</label>"
             "<button type=\"submit\" name=\"do\" value=\"sign\">Ký văn bản</button>";
    b += act + "</form>";
  }

  b += "<h2>Nội dung</h2><pre class=\"text\">" + Escape(d.current_text) + "</pre>";
  b += "<h2>Các bản</h2><table><tbody>";
  for (const Revision& r : d.revisions)
    b += "<tr><td>r" + std::to_string(r.seq) + "</td><td>" + Escape(r.title) + "</td><td>" + Escape(node.Who(r.author)) +
         "</td><td>" + Escape(DateTime(r.at)) + "</td></tr>";
  b += "</tbody></table>";
  if (!d.comments.empty()) {
    b += "<h2>Ý kiến</h2><table><tbody>";
    for (const Comment& c : d.comments)
      b += "<tr><td>" + Escape(node.Who(c.author)) + "<br>" + Escape(DateTime(c.at)) + "</td><td>" + Escape(c.text) +
           "</td></tr>";
    b += "</tbody></table>";
  }
  if (!d.approvals.empty()) {
    b += "<h2>Thông qua</h2><ul>";
    for (const Approval& a : d.approvals)
      b += "<li>" + Escape(node.Who(a.author)) + ", " + Escape(DateTime(a.at)) + "</li>";
    b += "</ul>";
  }
  if (!d.signatures.empty()) {
    b += "<h2>Chữ ký</h2><ul>";
    for (const SignatureEntry& s : d.signatures) {
      bool ok = node.RecordVerifies(hex, s.id);
      b += "<li>" + std::string(s.on_behalf ? "KT. " : "") + Escape(s.name) + " — " + Escape(s.title) + ", " +
           Escape(DateTime(s.at)) + ": " + (ok ? "hợp lệ" : "<strong>không hợp lệ</strong>") + "</li>";
    }
    b += "</ul>";
  }
  return Layout(d.title, v, b);
}

}  // namespace vanban::web
