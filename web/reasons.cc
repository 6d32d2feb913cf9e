#include "web/reasons.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "web/web.h"

namespace vanban::web {
namespace {

const std::vector<std::pair<std::string_view, std::string_view>> kForms = {
    // Who may act at all.
    {"author-unknown", "Khóa của người tạo bản ghi không thuộc người nào mà máy này biết."},
    {"no-role-at", "'{login}' không giữ vai trò nào vào lúc {at}."},
    {"no-role-at-revoked", "'{login}' không giữ vai trò nào vào lúc {at} (đã bị thu hồi)."},
    {"person-revoked", "'{login}' đã bị thu hồi quyền."},
    {"lacks-role", "'{login}' không có vai trò {role}."},
    {"lacks-role-in", "'{login}' không có vai trò {role} tại {org}."},
    {"other-lacks-role-in", "{who} không có vai trò {role} tại {org}."},
    {"not-signer-or-admin", "'{login}' không phải người ký hay quản trị của {org}."},
    {"certificates-by-admin",
     "'{login}' không có vai trò quản trị; chứng thư số do người quản trị giữ khóa gốc của đơn vị cấp."},
    // The workflow.
    {"unknown-record-type", "Loại bản ghi không xác định."},
    {"drafter-other-org", "Người soạn chỉ tạo văn bản của đơn vị mình."},
    {"party-unknown", "Bên giao ước {key} không phải đơn vị mà máy này biết."},
    {"document-unknown", "Văn bản không có trên máy này."},
    {"wrong-state", "Không thể {action} văn bản đang ở trạng thái «{state}» (chỉ được khi {states})."},
    {"concurrent-revisions",
     "Văn bản có {count} bản sửa song song; hãy hợp nhất thành một bản trước (Hợp nhất bản sửa)."},
    {"revision-not-current", "Bản {rev} không còn là bản hiện hành."},
    {"may-not-comment", "'{login}' không được cho ý kiến: không được xin ý kiến, không phải người soạn hay người ký."},
    {"not-routed", "'{login}' không được xin ý kiến về văn bản này."},
    {"already-approved", "'{login}' đã thông qua bản này rồi."},
    {"concurrence-required", "Đơn vị yêu cầu mọi người được xin ý kiến đều thông qua; còn chờ {who}."},
    {"return-not-signer", "Chỉ người ký được trình ({who}) mới trả lại được văn bản."},
    {"no-signature-awaited", "Văn bản không còn chờ chữ ký nào."},
    {"submitted-to-other", "Văn bản được trình cho {who}, không phải cho '{login}'."},
    {"awaiting-other-org", "Đang chờ {org} ký trước."},
    // Issuing and receiving.
    {"already-issued", "Văn bản đã được ban hành với số {number}; không có gì để ban hành lại."},
    {"reissue-names-issuance", "Văn bản đã được ban hành với số {number}; ban hành lại phải nêu lần ban hành được thay."},
    {"recipient-untrusted",
     "Nơi nhận 'org:{alias}' không phải đơn vị được tin cậy; hãy thêm đơn vị trước (vanban org trust CARD --alias "
     "{alias})."},
    {"seal-not-org", "Khóa 'seal' không phải con dấu của {org}."},
    {"seal-signature-bad", "Chữ ký của con dấu không hợp lệ."},
    {"no-seal-copy", "'{login}' không giữ bản sao con dấu của đơn vị trên máy này."},
    {"seal-file-other-key", "Tệp khóa con dấu chứa một khóa khác với con dấu của đơn vị."},
    {"issuer-receives", "Văn bản do chính đơn vị này ban hành; các đơn vị nơi nhận mới vào sổ văn bản đến."},
    {"not-addressed", "{org} không có trong các nơi nhận của văn bản này."},
    {"already-received", "Văn bản đã vào sổ đến số {seq} năm {year}, ngày {date}; không có gì để vào sổ lại."},
    {"receipt-names-receipt",
     "{org} đã vào sổ văn bản này với số đến {seq} năm {year}, ngày {date}; lần vào sổ sau phải nêu lần được thay."},
    // Organisations, nodes and people.
    {"alias-taken", "Tên gọi '{alias}' đã dùng cho một đơn vị khác."},
    {"node-admitted", "Máy {node} đã được chấp nhận ({at}, bởi {who})."},
    {"no-seal-to-hand", "'{login}' không giữ bản sao con dấu trên máy này để giao cho văn thư."},
    {"clerk-needs-seal",
     "Văn thư cần một bản sao con dấu, mà bản sao này không đi theo yêu cầu cấp khóa: hãy thêm văn thư bằng 'vanban "
     "user add' trên máy giữ con dấu."},
    // Certificates and tokens.
    {"certificate-bound-elsewhere", "Chứng thư số này (số hiệu {serial}) đã gắn với một khóa khác."},
    {"revocation-list-older", "Máy này đã có danh sách thu hồi mới hơn của {issuer} (lập {held}); danh sách này lập {given}."},
    {"pin-locked", "Mã PIN của {token} đã bị khóa: hãy mở khóa bằng công cụ của token."},
    {"pin-expired", "Mã PIN của {token} đã hết hạn: hãy đổi bằng công cụ của token."},
};

std::string RoleWord(const std::string& role) {
  static const std::vector<std::pair<std::string_view, std::string_view>> m = {
      {"drafter", "soạn thảo"}, {"reviewer", "cho ý kiến"}, {"signer", "ký"},
      {"clerk", "văn thư"},     {"archivist", "lưu trữ"},   {"admin", "quản trị"}};
  for (const auto& [k, v] : m)
    if (k == role) return std::string(v);
  return role;
}

std::string ActionWord(const std::string& action) {
  static const std::vector<std::pair<std::string_view, std::string_view>> m = {
      {"edit", "sửa"},     {"route", "xin ý kiến"}, {"comment", "cho ý kiến"},  {"approve", "thông qua"},
      {"submit", "trình"}, {"return", "trả lại"},   {"sign", "ký"},           {"issue", "ban hành"},
      {"revoke", "thu hồi"}, {"receive", "vào sổ đến"}};
  for (const auto& [k, v] : m)
    if (k == action) return std::string(v);
  return action;
}

// "draft or in_review" -> "nháp hoặc đang xin ý kiến"
std::string StatesWords(const std::string& states) {
  std::string out;
  size_t i = 0;
  while (i <= states.size()) {
    size_t j = states.find(" or ", i);
    if (j == std::string::npos) j = states.size();
    out += (out.empty() ? "" : " hoặc ") + ("«" + StateLabel(states.substr(i, j - i)) + "»");
    i = j + 4;
  }
  return out;
}

}  // namespace

std::string_view VietnameseForm(std::string_view id) {
  auto it = std::find_if(kForms.begin(), kForms.end(), [&](const auto& f) { return f.first == id; });
  return it == kForms.end() ? std::string_view() : it->second;
}

std::vector<std::string_view> VietnameseIds() {
  std::vector<std::string_view> out;
  for (const auto& f : kForms) out.push_back(f.first);
  return out;
}

std::string Vietnamese(const Reason& r) {
  Reason vi = r;
  for (auto& [name, value] : vi.args) {
    if (name == "role") value = RoleWord(value);
    else if (name == "state") value = StateLabel(value);
    else if (name == "states") value = StatesWords(value);
    else if (name == "action") value = ActionWord(value);
    else if (value == "nobody") value = "chưa ai";
  }
  const std::string_view form = VietnameseForm(r.id);
  return form.empty() ? Phrase(EnglishForm(r.id), r) : Phrase(form, vi);
}

std::string Said(const Status& s) { return s.reason() ? Vietnamese(*s.reason()) : s.message(); }

}  // namespace vanban::web
