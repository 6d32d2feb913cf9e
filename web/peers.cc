// vanban/web — peers, sync now, bundles; verify an uploaded PDF (routes.h).
//
// Every action is the CLI's: `vanban verify` (pdf::VerifyOnNode: pdf::Verify
// against this node's authority, and KT. from its records), `vanban sync` (sync::SyncAndRecord, which also keeps the sync history
// this page shows), `vanban bundle export` (sync::BundleRecipient, sync::MakeBundle)
// and `vanban bundle import` (sync::ImportBundle). A sync and a bundle export run as
// jobs with their own Node; they need the node key, whose passphrase the form may
// give (empty: the session's), held until the key is unlocked and wiped then.
#include <sodium.h>

#include <map>
#include <memory>
#include <set>

#include "core/crypto.h"
#include "core/text.h"
#include "pdf/pdf.h"
#include "sync/bundle.h"
#include "sync/session.h"
#include "web/jobs.h"
#include "web/reasons.h"
#include "web/routes.h"
#include "web/web.h"

namespace vanban::web {

namespace {

// --- verify --------------------------------------------------------------------------

std::string VerifyForm(const Viewer& v, const std::string& error) {
  std::string f = "<form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\">" + HiddenCsrf(v) +
                  "<label>Tệp PDF đã ký <input type=\"file\" name=\"pdf\" accept=\"application/pdf,.pdf\" required></label>";
  if (!error.empty()) f += "<p class=\"field-error\" role=\"alert\">" + Escape(error) + "</p>";
  return f + "<button type=\"submit\">Kiểm tra</button></form>";
}

std::string RoleLabel(const std::string& role) {
  if (role == "signer") return "Người ký";
  if (role == "party") return "Bên giao ước ký";
  if (role == "seal") return "Con dấu (cấp số, ngày)";
  return "Chữ ký";
}

// "2024-02-05T09:00:00+07:00" as the pages write times; the text itself if it is not one.
std::string WhenText(const std::string& iso) {
  auto t = ParseTimestamp(iso);
  return t.ok() ? DateTime(*t) : iso;
}

std::string DateText(const std::string& date) {
  auto t = ParseTimestamp(date + "T12:00:00+07:00");
  return t.ok() ? VietnameseDate(*t) : date;
}

std::string VerifyResult(Node& node, const pdf::Verification& r) {
  std::string b = "<section id=\"verify-result\" class=\"confirm\"><h2>Kết quả: ";
  b += r.valid ? "<span class=\"valid\">hợp lệ</span>" : "<strong class=\"invalid\">không hợp lệ</strong>";
  b += "</h2>";
  if (r.revoked) {
    b += "<p class=\"notice\" role=\"alert\" id=\"verify-revoked\"><strong>Văn bản đã bị thu hồi</strong> bởi " +
         Escape(r.revoked->by) + " lúc " + Escape(WhenText(r.revoked->at)) +
         (r.revoked->reason.empty() ? std::string() : ". Lý do: " + Escape(r.revoked->reason)) + "</p>";
  }
  if (!r.issued_as_number.empty()) {
    b += "<p class=\"notice\" role=\"alert\" id=\"verify-not-issued\"><strong>Bản này không phải bản đã ban hành</strong> "
         "(văn bản đã ban hành số " + Escape(r.issued_as_number) + ", " + Escape(DateText(r.issued_as_date)) + ").</p>";
  }
  if (!r.problems.empty()) {
    b += "<div class=\"notice\" role=\"alert\"><p>Lý do:</p><ul class=\"problems\">";
    for (const std::string& p : r.problems) b += "<li>" + Escape(p) + "</li>";
    b += "</ul></div>";
  }
  b += "<h3>Văn bản</h3><dl>";
  if (!r.kind.empty()) b += "<dt>Loại</dt><dd>" + Escape(KindLabel(r.kind)) + "</dd>";
  if (!r.title.empty()) b += "<dt>Trích yếu</dt><dd>" + Escape(r.title) + "</dd>";
  if (!r.org.empty()) b += "<dt>Đơn vị</dt><dd>" + Escape(r.org) + "</dd>";
  b += "<dt>Số, ngày</dt><dd>" +
       (r.number.empty() ? std::string("chưa cấp số") : Escape(r.number) + ", " + Escape(DateText(r.date))) + "</dd>";
  if (!r.document.empty()) {
    b += "<dt>Mã văn bản</dt><dd><code>" + Escape(r.document) + "</code>";
    // A link only to a document this node holds (Show refuses the others).
    if (r.document.find_first_not_of("0123456789abcdef") == std::string::npos && node.Show(r.document).ok())
      b += " — <a href=\"/doc/" + Escape(r.document) + "\">mở văn bản trên máy này</a>";
    else
      b += " <span class=\"muted\">(máy này không có văn bản này)</span>";
    b += "</dd>";
  }
  b += "</dl><h3>Chữ ký</h3>";
  if (r.signatures.empty()) b += "<p>Tệp không mang chữ ký nào.</p>";
  else {
    b += "<table class=\"signatures\"><thead><tr><th>Vai trò</th><th>Người ký</th><th>Đơn vị</th><th>Thời gian</th>"
         "<th>Kết quả</th></tr></thead><tbody>";
    for (const pdf::SignatureCheck& s : r.signatures) {
      std::string who = Escape(s.signer);
      if (!s.on_behalf.empty() || !s.title.empty()) {
        who += "<br><span class=\"muted\">";
        if (!s.on_behalf.empty()) who += Escape(s.on_behalf) + " — ";
        who += Escape(s.title) + "</span>";
      }
      using R = pdf::SignatureCheck::Revocation;
      const std::string verdict =
          s.valid ? std::string("hợp lệ")
          : s.status == "untrusted"
              ? "<strong>chữ ký đúng, nhưng người ký chưa được tin cậy trên máy này</strong>: " + Escape(s.reason)
              : "<strong>không hợp lệ</strong>: " + Escape(s.reason);
      std::string detail;
      if (!s.serial.empty())
        detail += "<br><span class=\"muted\">chứng thư số " + Escape(s.serial) +
                  (s.issuer.empty() ? "" : " do " + Escape(s.issuer) + " cấp") + "</span>";
      if (s.revocation_state == R::kNotRevoked)
        detail += "<br><span class=\"muted\">chưa bị thu hồi (theo danh sách thu hồi trên máy này)</span>";
      else if (s.revocation_state == R::kNoList)
        detail += "<br><span class=\"muted\">máy này không có danh sách thu hồi của nơi cấp</span>";
      if (!s.timestamp_time.empty())
        detail += "<br><span class=\"muted\">dấu thời gian " + Escape(WhenText(s.timestamp_time)) + " của " +
                  Escape(s.timestamp_authority) + (s.timestamp_trusted ? "" : " (máy này chưa tin cậy nơi cấp)") +
                  "</span>";
      if (!s.fingerprint.empty()) detail += "<br><span class=\"muted\">khóa " + Escape(s.fingerprint) + "</span>";
      b += "<tr><td>" + Escape(RoleLabel(s.role)) + "</td><td>" + who + "</td><td>" + Escape(s.org) + "</td><td>" +
           (s.time.empty() ? std::string("—") : Escape(WhenText(s.time))) + "</td><td>" + verdict + detail +
           "</td></tr>";
    }
    b += "</tbody></table>";
  }
  if (!r.document_timestamps.empty()) {
    b += "<h3>Dấu thời gian của cả văn bản</h3><ul>";
    for (const pdf::DocumentTimeStampCheck& d : r.document_timestamps)
      b += d.valid ? "<li>" + Escape(WhenText(d.time)) + ", của " + Escape(d.authority) +
                         (d.trusted ? "" : " <span class=\"muted\">(máy này chưa tin cậy nơi cấp)</span>") + "</li>"
                   : "<li><strong>không hợp lệ</strong>: " + Escape(d.reason) + "</li>";
    b += "</ul>";
  }
  if (!r.awaiting.empty()) {
    b += "<p>Còn chờ chữ ký của:</p><ul>";
    for (const std::string& a : r.awaiting) b += "<li>" + Escape(a) + "</li>";
    b += "</ul>";
  }
  return b + "</section>";
}

// The result first, when there is one; the form after it for the next file.
Reply VerifyPage(const Viewer& v, const std::string& result, const std::string& error, int status) {
  std::string b = "<h1>Kiểm tra văn bản PDF đã ký</h1>";
  if (result.empty())
    b += "<p>Chọn tệp PDF để kiểm tra chữ ký, người ký, số và ngày, đối chiếu với các đơn vị máy này tin cậy.</p>";
  b += result;
  if (!result.empty()) b += "<h2>Kiểm tra tệp khác</h2>";
  return Reply::Html(Layout("Kiểm tra PDF", v, b + VerifyForm(v, error)), status);
}

std::optional<Reply> VerifyUpload(Ctx& c, const Call& call) {
  if (!call.post) return VerifyPage(c.viewer, "", "", 200);
  auto f = call.files.find("pdf");
  if (f == call.files.end() || f->second.bytes.empty())
    return VerifyPage(c.viewer, "", "Hãy chọn một tệp PDF (tệp gửi lên đang trống).", 400);
  auto r = pdf::VerifyOnNode(f->second.bytes, c.node);
  if (!r.ok())
    return VerifyPage(c.viewer, "", "Tệp «" + f->second.filename + "» không phải PDF đọc được: " + r.status().message(),
                      400);
  return VerifyPage(c.viewer, VerifyResult(c.node, *r), "", 200);
}

// --- peers ---------------------------------------------------------------------------

// A passphrase a job holds until it has unlocked the node key; wiped then, or when
// the last copy of the job's closure goes.
class HeldPassphrase {
 public:
  explicit HeldPassphrase(const std::string& s) : s_(s) {}
  ~HeldPassphrase() { Wipe(); }
  HeldPassphrase(const HeldPassphrase&) = delete;
  HeldPassphrase& operator=(const HeldPassphrase&) = delete;
  PassphraseSource Source() {
    return [this]() -> Result<std::string> { return s_; };
  }
  void Wipe() {
    sodium_memzero(s_.data(), s_.size());
    s_.clear();
  }

 private:
  std::string s_;
};

// The form's node passphrase, else the session's (the node key often shares the admin's).
std::shared_ptr<HeldPassphrase> NodePassphrase(Ctx& c, const Call& call) {
  std::string p = call.Field("node_passphrase");
  if (p.empty()) p = c.passphrase();
  auto held = std::make_shared<HeldPassphrase>(p);
  sodium_memzero(p.data(), p.size());
  return held;
}

// The node key in a job, or the job's outcome saying why not, in Vietnamese.
Result<SecretKey> UnlockInJob(Node& node, HeldPassphrase& pass) {
  auto key = node.UnlockNodeKey(pass.Source());
  pass.Wipe();
  if (key.ok()) return key;
  return Status(key.status().code() == Status::Code::kBadInput
                    ? Status::BadInput("Không mở được khóa của máy này: mật khẩu khóa máy không đúng? Nếu nó khác mật "
                                       "khẩu của bạn, hãy nhập nó vào ô «Mật khẩu khóa của máy». (" +
                                       key.status().message() + ")")
                    : key.status());
}

std::string PeerError(const std::string& peer, const Status& s) {
  if (s.code() == Status::Code::kPeer)
    return "Không đồng bộ được với " + peer + ": không kết nối được, máy kia từ chối, hoặc phiên bị ngắt (" + s.message() +
           ")";
  if (s.code() == Status::Code::kBadInput && s.message().find("HOST:PORT") != std::string::npos)
    return "«" + peer + "» không phải địa chỉ dạng MÁY:CỔNG, ví dụ 192.168.1.20:7410 (" + s.message() + ")";
  return "Không đồng bộ được với " + peer + ": " + Said(s);
}

Job::Outcome SyncJob(Job& job, const std::string& home, const NodeOptions& options, const std::string& peer,
                     HeldPassphrase& pass) {
  job.Progress(0, 2, "Đang mở khóa của máy…");
  auto node = Node::Open(home, options);  // the job's own Node: the server's belongs to its thread
  if (!node.ok()) return {node.status(), "", "", ""};
  auto key = UnlockInJob(**node, pass);
  if (!key.ok()) return {key.status(), "", "", ""};
  job.Progress(1, 2, "Đang đồng bộ với " + peer + "…");
  auto rep = sync::SyncAndRecord(**node, *key, peer);
  if (!rep.ok()) return {Status::Peer(PeerError(peer, rep.status())), "", "", ""};
  job.Progress(2, 2, "Đã đồng bộ với " + peer);
  std::string s = "Đồng bộ với " + rep->peer_org + " (" + peer + "): nhận về " + std::to_string(rep->received) +
                  " bản ghi mới" + (rep->duplicate ? " (" + std::to_string(rep->duplicate) + " đã có)" : "") + ", gửi đi " +
                  std::to_string(rep->sent) + " bản ghi";
  if (!rep->refused.empty())
    s += "; máy này từ chối " + std::to_string(rep->refused_count) + " bản ghi (" + rep->refused.front() + ")";
  if (rep->peer_refused)
    s += "; máy kia từ chối " + std::to_string(rep->peer_refused) + " bản ghi" +
         (rep->peer_refusals.empty() ? "" : " (" + rep->peer_refusals.front() + ")");
  return {Status::Ok(), s + ".", "", ""};
}

Job::Outcome BundleJob(Job& job, const std::string& home, const NodeOptions& options, const std::string& alias,
                       HeldPassphrase& pass) {
  job.Progress(0, 2, "Đang mở khóa của máy…");
  auto node = Node::Open(home, options);
  if (!node.ok()) return {node.status(), "", "", ""};
  auto for_org = sync::BundleRecipient(**node, alias);
  if (!for_org.ok()) return {for_org.status(), "", "", ""};
  auto key = UnlockInJob(**node, pass);
  if (!key.ok()) return {key.status(), "", "", ""};
  job.Progress(1, 2, "Đang đóng gói dữ liệu…");
  std::string bytes;
  auto out = sync::MakeBundle(**node, *key, *for_org, &bytes);
  if (!out.ok()) return {out.status(), "", "", ""};
  job.Progress(2, 2, "Đã đóng gói");
  const std::string who = alias.empty() ? "cac-may-noi-bo" : alias;
  return {Status::Ok(),
          "Gói dữ liệu cho " + out->for_org + ": " + std::to_string(out->records) + " bản ghi, " +
              std::to_string(out->blobs) + " bản PDF đã ký, " + std::to_string(out->bytes) + " byte.",
          std::move(bytes), "application/octet-stream", "vanban-" + who + ".bundle"};
}

// The last session with each peer (newest first), and when it last went well.
struct PeerRow {
  SyncLogEntry last;
  std::optional<SyncLogEntry> last_ok;
};

std::vector<PeerRow> PeerRows(const std::vector<SyncLogEntry>& log) {
  std::vector<PeerRow> rows;
  std::map<std::string, size_t> at;
  for (const SyncLogEntry& e : log) {  // newest first
    const std::string key = e.side + " " + (e.side == "client" ? e.address : e.peer_node);
    auto it = at.find(key);
    if (it == at.end()) {
      at[key] = rows.size();
      rows.push_back({e, e.ok ? std::optional<SyncLogEntry>(e) : std::nullopt});
    } else if (!rows[it->second].last_ok && e.ok) {
      rows[it->second].last_ok = e;
    }
  }
  return rows;
}

std::string Fingerprint(const std::string& hex) {
  PublicKey k{};
  return FromHex(hex, &k) ? crypto::Fingerprint(k) : hex.substr(0, 16);
}

std::string Outcome(const SyncLogEntry& e) {
  if (!e.ok) return "<strong>lỗi</strong>: " + Escape(e.message);
  std::string s = "thành công";
  if (e.refused) s += "; máy này từ chối " + std::to_string(e.refused) + " bản ghi";
  if (e.peer_refused) s += "; máy kia từ chối " + std::to_string(e.peer_refused) + " bản ghi";
  if ((e.refused || e.peer_refused) && !e.message.empty()) s += " (" + Escape(e.message) + ")";
  return s;
}

std::string PasswordField() {
  return "<label>Mật khẩu khóa của máy <input type=\"password\" name=\"node_passphrase\" autocomplete=\"off\"> "
         "<span class=\"muted\">để trống nếu giống mật khẩu của bạn</span></label>";
}

// What an import brought (the report of `vanban bundle import`).
std::string ImportReport(const sync::BundleImport& r, const std::string& filename) {
  std::string b = "<section id=\"bundle-report\" class=\"confirm\"><h2>Đã nhập gói dữ liệu " + Escape(filename) + "</h2><dl>";
  b += "<dt>Từ</dt><dd>" + Escape(r.from_org) + (r.made.empty() ? "" : ", lập lúc " + Escape(WhenText(r.made))) + "</dd>";
  b += "<dt>Bản ghi mới</dt><dd id=\"bundle-kept\">" + std::to_string(r.accepted) + "</dd>";
  b += "<dt>Đã có sẵn</dt><dd id=\"bundle-duplicate\">" + std::to_string(r.duplicate) + "</dd>";
  b += "<dt>Bản PDF đã ký</dt><dd>" + std::to_string(r.blobs) + "</dd>";
  b += "<dt>Bị từ chối</dt><dd id=\"bundle-refused\">" + std::to_string(r.refused.size()) + "</dd></dl>";
  if (r.clean()) b += "<p>Mọi bản ghi trong gói đều hợp lệ.</p>";
  if (!r.refused.empty()) {
    b += "<p>Các bản ghi bị từ chối (không hợp lệ hoặc không được phép):</p><ul>";
    for (const std::string& x : r.refused) b += "<li>" + Escape(x) + "</li>";
    b += "</ul>";
  }
  if (!r.damaged.empty()) {
    b += "<p>Phần bị hỏng (các bản ghi hợp lệ khác vẫn được giữ):</p><ul>";
    for (const std::string& x : r.damaged) b += "<li>" + Escape(x) + "</li>";
    b += "</ul>";
  }
  return b + "</section>";
}

// The page; `errors` by field ("peer", "for", "bundle"), `report` an import's result.
Reply PeersPage(Ctx& c, const std::map<std::string, std::string>& errors, const std::string& report, int status) {
  Node& n = c.node;
  const Viewer& v = c.viewer;
  auto err = [&](const std::string& field) -> std::string {
    auto it = errors.find(field);
    return it == errors.end() ? "" : "<p class=\"field-error\" role=\"alert\">" + Escape(it->second) + "</p>";
  };
  auto log = n.SyncLog();
  if (!log.ok()) return ErrorReply(v, 500, Said(log.status()));
  const std::vector<PeerRow> rows = PeerRows(*log);
  std::map<std::string, std::string> labels;  // node hex -> label, for this organisation's nodes
  for (const NodeAdmission& a : n.Nodes()) labels[ToHex(a.node)] = a.label;

  std::string b = "<h1>Đồng bộ</h1>" + report;

  // Sync now: a job; the addresses used before, offered by the datalist and a button each.
  std::vector<std::string> addresses;
  for (const PeerRow& r : rows)
    if (r.last.side == "client") addresses.push_back(r.last.address);
  b += "<h2>Đồng bộ ngay</h2><form id=\"sync-now\" method=\"post\" action=\"/peers/sync\">" + HiddenCsrf(v) +
       "<label>Địa chỉ máy kia (MÁY:CỔNG, nơi chạy <code>vanban serve</code>) <input type=\"text\" name=\"peer\" "
       "list=\"peer-addresses\" placeholder=\"192.168.1.20:7410\" required";
  if (!addresses.empty()) b += " value=\"" + Escape(addresses.front()) + "\"";
  b += "></label>" + err("peer") + "<datalist id=\"peer-addresses\">";
  for (const std::string& a : addresses) b += "<option value=\"" + Escape(a) + "\">";
  b += "</datalist>" + PasswordField() + "<button type=\"submit\">Đồng bộ ngay</button></form>";

  b += "<h2>Các lần đồng bộ gần nhất</h2>";
  if (rows.empty()) {
    b += "<p id=\"sync-history\">Máy này chưa đồng bộ lần nào.</p>";
  } else {
    b += "<table id=\"sync-history\"><thead><tr><th>Máy</th><th>Lần cuối</th><th>Ai gọi</th><th>Gửi đi</th>"
         "<th>Nhận về</th><th>Kết quả</th><th></th></tr></thead><tbody>";
    for (const PeerRow& r : rows) {
      const SyncLogEntry& e = r.last;
      const SyncLogEntry& known = r.last_ok ? *r.last_ok : e;
      std::string who;
      if (e.side == "client") who = "<code>" + Escape(e.address) + "</code>";
      if (!known.peer_org.empty()) who += (who.empty() ? "" : "<br>") + Escape(known.peer_org);
      if (!known.peer_node.empty()) {
        auto l = labels.find(known.peer_node);
        who += "<br><span class=\"muted\">máy " + Escape(Fingerprint(known.peer_node)) +
               (l != labels.end() && !l->second.empty() ? " (" + Escape(l->second) + ")" : "") + "</span>";
      }
      std::string when = Escape(DateTime(e.at));
      if (!e.ok && r.last_ok) when += "<br><span class=\"muted\">thành công lần cuối: " + Escape(DateTime(r.last_ok->at)) + "</span>";
      b += "<tr><td>" + who + "</td><td>" + when + "</td><td>" +
           (e.side == "client" ? "máy này gọi" : "máy kia gọi đến") + "</td><td>" + std::to_string(e.sent) +
           "</td><td>" + std::to_string(e.received) + "</td><td>" + Outcome(e) + "</td><td>";
      if (e.side == "client")
        b += "<form method=\"post\" action=\"/peers/sync\">" + HiddenCsrf(v) + "<input type=\"hidden\" name=\"peer\" value=\"" +
             Escape(e.address) + "\"><button type=\"submit\">Đồng bộ lại</button></form>";
      b += "</td></tr>";
    }
    b += "</tbody></table>";
  }

  // The organisations this node shares with.
  const auto trusted = n.Trusted();
  b += "<h2>Các đơn vị tin cậy</h2>";
  if (trusted.empty()) {
    b += "<p id=\"trusted\">Máy này chưa tin cậy đơn vị nào (<code>vanban org trust</code>).</p>";
  } else {
    b += "<table id=\"trusted\"><thead><tr><th>Tên gọi tắt</th><th>Đơn vị</th><th>Mã</th><th>Khóa gốc</th></tr></thead><tbody>";
    for (const auto& [alias, key] : trusted) {
      const Organisation* o = n.authority().FindOrg(key);
      b += "<tr><td><code>" + Escape(alias) + "</code></td><td>" + Escape(o ? o->name : n.OrgName(key)) + "</td><td>" +
           Escape(o ? o->code : "") + "</td><td><code>" + Escape(crypto::Fingerprint(key)) + "</code></td></tr>";
    }
    b += "</tbody></table>";
  }
  b += "<h2>Các máy của " + Escape(n.org().name) + "</h2><table id=\"nodes\"><thead><tr><th>Máy</th><th>Khóa</th>"
       "<th>Được nhận lúc</th></tr></thead><tbody>";
  for (const NodeAdmission& a : n.Nodes()) {
    const bool me = a.node == n.node_key();
    b += "<tr><td>" + (a.label.empty() ? std::string("—") : Escape(a.label)) + (me ? " <strong>(máy này)</strong>" : "") +
         "</td><td><code>" + Escape(crypto::Fingerprint(a.node)) + "</code></td><td>" + Escape(DateTime(a.at)) +
         "</td></tr>";
  }
  b += "</tbody></table>";

  // Bundles: by file where no network reaches.
  b += "<h2>Gói dữ liệu (đồng bộ qua tệp)</h2><form id=\"bundle-export\" method=\"post\" action=\"/peers/bundle/export\">" +
       HiddenCsrf(v) + "<label>Cho <select name=\"for\"><option value=\"\">các máy khác của " + Escape(n.org().name) +
       " (toàn bộ)</option>";
  for (const auto& [alias, key] : trusted)
    b += "<option value=\"" + Escape(alias) + "\">" + Escape(n.OrgName(key)) + " (" + Escape(alias) + ")</option>";
  b += "</select></label>" + err("for") + PasswordField() + "<button type=\"submit\">Tải gói dữ liệu</button></form>";
  b += "<form id=\"bundle-import\" method=\"post\" action=\"/peers/bundle\" enctype=\"multipart/form-data\">" +
       HiddenCsrf(v) + "<label>Nhập gói dữ liệu nhận được <input type=\"file\" name=\"bundle\" required></label>" +
       err("bundle") + "<button type=\"submit\">Nhập gói</button></form>";
  return Reply::Html(Layout("Đồng bộ", v, b), status);
}

std::optional<Reply> StartSync(Ctx& c, const Call& call) {
  const std::string peer = text::Trim(call.Field("peer"));
  if (peer.empty() || peer.size() > 300 || peer.find(':') == std::string::npos)
    return PeersPage(c, {{"peer", "Hãy nhập địa chỉ máy kia dạng MÁY:CỔNG, ví dụ 192.168.1.20:7410."}}, "", 400);
  auto pass = NodePassphrase(c, call);
  std::string id = c.jobs.Start("Đồng bộ với " + peer, c.viewer.person->login,
                                [home = c.home, options = c.node.options(), peer, pass](Job& job) {
                                  return SyncJob(job, home, options, peer, *pass);
                                });
  return Reply::Redirect("/jobs/" + id);
}

std::optional<Reply> StartBundle(Ctx& c, const Call& call) {
  const std::string alias = call.Field("for");
  auto to = sync::BundleRecipient(c.node, alias);
  if (!to.ok()) return PeersPage(c, {{"for", "Máy này không tin cậy đơn vị «" + alias + "»."}}, "", 404);
  auto pass = NodePassphrase(c, call);
  std::string id = c.jobs.Start("Gói dữ liệu cho " + c.node.OrgName(*to), c.viewer.person->login,
                                [home = c.home, options = c.node.options(), alias, pass](Job& job) {
                                  return BundleJob(job, home, options, alias, *pass);
                                });
  return Reply::Redirect("/jobs/" + id);
}

std::optional<Reply> ImportUpload(Ctx& c, const Call& call) {
  auto f = call.files.find("bundle");
  if (f == call.files.end() || f->second.bytes.empty())
    return PeersPage(c, {{"bundle", "Hãy chọn tệp gói dữ liệu (tệp gửi lên đang trống)."}}, "", 400);
  auto rep = sync::ImportBundle(c.node, f->second.bytes);
  if (!rep.ok()) {
    const Status& s = rep.status();
    std::string why = s.code() == Status::Code::kRefused
                          ? "Gói dữ liệu bị từ chối, không nhập gì: " + Said(s)
                          : "Tệp «" + f->second.filename + "» không phải gói dữ liệu vanban đọc được: " + s.message();
    return PeersPage(c, {{"bundle", why}}, "", HttpStatusOf(s));
  }
  return PeersPage(c, {}, ImportReport(*rep, f->second.filename), 200);
}

}  // namespace

std::optional<Reply> PeerRoutes(Ctx& c, const Call& call) {
  if (call.path == "/verify") return VerifyUpload(c, call);
  if (call.path == "/peers" && !call.post) return PeersPage(c, {}, "", 200);
  if (!call.post) return std::nullopt;
  if (call.path == "/peers/sync") return StartSync(c, call);
  if (call.path == "/peers/bundle/export") return StartBundle(c, call);
  if (call.path == "/peers/bundle") return ImportUpload(c, call);
  return std::nullopt;
}

}  // namespace vanban::web
