// The peers page and PDF verification by upload, in-process on 127.0.0.1: verify a
// signed PDF (valid, a byte changed, not a PDF, no CSRF token), the trusted
// organisations and nodes, "sync now" against a second node of the organisation
// served on loopback (and against a closed port), bundle download and upload.
#include <atomic>
#include <future>
#include <mutex>

#include "core/record.h"
#include "pdf/pdf.h"
#include "sync/bundle.h"
#include "sync/session.h"
#include "tests/web/web_fixture.h"

namespace vanban::testing {
namespace {

namespace asio = web_http::asio;

class PeersTest : public WebServerTest {
 protected:
  void SetUp() override {
    OrgTest::SetUp();
    // A directive signed on behalf of the director (KT.), with its signed PDF.
    ScopedNow now("2024-02-05T09:00:00+07:00");
    id_ = NewDirective();
    ASSERT_NO_FATAL_FAILURE(
        Advance(id_, PathStep::kRoute, PathStep::kSign, {.on_behalf = true}));
    auto bytes = pdf::ExportPdf(*node_, id_);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    pdf_ = *bytes;
  }
  void TearDown() override {
    StopPeer();
    StopServer();
    peer_.reset();
    for (const std::string& d : dirs_) std::filesystem::remove_all(d);
    WebServerTest::TearDown();
  }

  // A second node of this organisation (joined from the card, admitted by this one)
  // holding a document this node lacks: drafted on another copy of the organisation's
  // home and handed to it. Returns how many records this node lacks.
  size_t MakePeer() {
    const std::string other = TempDir("peers-other");
    dirs_.push_back(other);
    std::filesystem::copy(TemplateHome::Path(), other, std::filesystem::copy_options::recursive);
    std::vector<std::string> records;
    {
      auto n2 = Node::Open(other, TestOptions());
      EXPECT_TRUE(n2.ok());
      if (!n2.ok()) return 0;
      auto ref = (*n2)->Do(As("chuyenvien"), act::Draft{DirectiveText("Kế hoạch làm việc tại cửa khẩu"), "b.md"});
      EXPECT_TRUE(ref.ok()) << ref.status().message();
      if (!ref.ok()) return 0;
      EXPECT_TRUE((*n2)->Do(As("chuyenvien"), act::Route{ref->id, {"tp2"}}).status().ok());
      auto log = (*n2)->Log(ref->id);
      EXPECT_TRUE(log.ok());
      for (const Node::LogEntry& e : *log) records.push_back(e.record.bytes());
      peer_doc_ = ref->id;
    }
    auto card = node_->OrgCard();
    EXPECT_TRUE(card.ok());
    const std::string dir = TempDir("peers-b");
    dirs_.push_back(dir);
    peer_home_ = dir + "/home";
    auto b = Node::Join(peer_home_, *card, "mật khẩu máy B", TestOptions());
    EXPECT_TRUE(b.ok()) << b.status().message();
    if (!b.ok()) return 0;
    peer_ = std::move(b).value();
    auto got = peer_->Ingest(records);
    EXPECT_TRUE(got.ok() && got->accepted == records.size() && got->refused.empty());
    EXPECT_TRUE(node_->AdmitNode(As("giamdoc"), ToHex(peer_->node_key()), "Máy cửa khẩu").ok());
    return records.size();
  }
  // sync::Serve for the peer on 127.0.0.1 (a free port), on its own thread.
  void ServePeer() {
    auto key = peer_->UnlockNodeKey(Pass("mật khẩu máy B"));
    ASSERT_TRUE(key.ok()) << key.status().message();
    peer_key_ = std::make_unique<SecretKey>(std::move(key).value());
    peer_.reset();  // Serve opens the store afresh for each session
    std::promise<uint16_t> bound;
    auto port = bound.get_future();
    peer_thread_ = std::thread([this, bound = std::move(bound)]() mutable {
      sync::ServeOptions so;
      bool told = false;
      so.listening = [&](uint16_t p) {
        told = true;
        bound.set_value(p);
      };
      so.log = [this](const std::string& line) {
        std::lock_guard<std::mutex> l(peer_log_mu_);
        peer_log_.push_back(line);
      };
      Status s = sync::Serve(peer_home_, TestOptions(), *peer_key_, "127.0.0.1:0", so, &stop_peer_);
      if (!told) bound.set_value(0);
      (void)s;
    });
    peer_port_ = port.get();
    ASSERT_NE(peer_port_, 0);
  }
  void StopPeer() {
    if (!peer_thread_.joinable()) return;
    stop_peer_ = true;
    peer_thread_.join();
  }

  // Polls a job until it finishes (at most 60 s); its status JSON.
  std::string WaitForJob(const std::string& location, const std::string& cookie) {
    std::string json;
    for (int i = 0; i < 600; ++i) {
      json = Get(location + "/status", cookie).body;
      if (json.find("\"finished\":true") != std::string::npos) return json;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the job did not finish in 60 s: " << json;
    return json;
  }
  static bool Has(const std::string& body, const std::string& part) { return body.find(part) != std::string::npos; }

  std::string id_, pdf_, peer_doc_, peer_home_;
  std::vector<std::string> dirs_;
  std::unique_ptr<Node> peer_;
  std::unique_ptr<SecretKey> peer_key_;
  std::thread peer_thread_;
  std::atomic<bool> stop_peer_{false};
  uint16_t peer_port_ = 0;
  std::mutex peer_log_mu_;
  std::vector<std::string> peer_log_;
};

TEST_F(PeersTest, WebVerifyASignedPdf) {
  StartServer();
  std::string cookie = Login("tp1");
  Reply form = Get("/verify", cookie);
  EXPECT_EQ(form.status, 200);
  EXPECT_TRUE(Has(form.body, "enctype=\"multipart/form-data\""));
  EXPECT_TRUE(Has(form.body, "type=\"file\" name=\"pdf\""));
  Reply r = PostMultipart("/verify", {{"csrf", Csrf(form.body)}}, {{"pdf", "kehoach.pdf", pdf_}}, cookie);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(Has(r.body, "<section id=\"verify-result\"")) << r.body;
  EXPECT_TRUE(Has(r.body, "<span class=\"valid\">hợp lệ</span>"));
  EXPECT_FALSE(Has(r.body, "không hợp lệ"));
  // Who signed, on behalf of the head; the document, linked since this node holds it.
  EXPECT_TRUE(Has(r.body, "Vi Văn Thành"));
  EXPECT_TRUE(Has(r.body, "KT. Giám đốc — Phó Giám đốc")) << r.body;
  EXPECT_TRUE(Has(r.body, "Người ký"));
  EXPECT_TRUE(Has(r.body, "Phát động phong trào thi đua năm 2021"));
  EXPECT_TRUE(Has(r.body, "<dt>Loại</dt><dd>KẾ HOẠCH</dd>"));
  EXPECT_TRUE(Has(r.body, "chưa cấp số"));
  EXPECT_TRUE(Has(r.body, "<a href=\"/doc/" + id_ + "\">"));
  // The standard signature's certificate, and that no revocation list was at hand.
  EXPECT_TRUE(Has(r.body, "<br><span class=\"muted\">chứng thư số ")) << r.body;
  EXPECT_TRUE(Has(r.body, " cấp</span>"));
  EXPECT_TRUE(Has(r.body, "máy này không có danh sách thu hồi của nơi cấp"));
}

TEST_F(PeersTest, WebVerifyAChangedByteIsInvalidWithTheReason) {
  std::string bad = pdf_;
  const size_t at = bad.find("stream\n") + 20;  // page content, inside the first signed range
  ASSERT_LT(at, bad.size());
  bad[at] ^= 0x01;
  StartServer();
  std::string cookie = Login("tp1");
  std::string csrf = Csrf(Get("/verify", cookie).body);
  Reply r = PostMultipart("/verify", {{"csrf", csrf}}, {{"pdf", "sua.pdf", bad}}, cookie);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(Has(r.body, "<section id=\"verify-result\"")) << r.body;
  EXPECT_TRUE(Has(r.body, "<strong class=\"invalid\">không hợp lệ</strong>"));
  // The reasons are listed.
  size_t list = r.body.find("<ul class=\"problems\"><li>");
  ASSERT_NE(list, std::string::npos) << r.body;
  EXPECT_FALSE(Has(r.body, "<span class=\"valid\">"));
}

TEST_F(PeersTest, WebVerifyARevokedDocumentSaysSoAndIsNotValid) {
  std::string issued;
  {
    ScopedNow now("2024-02-06T09:00:00+07:00");
    ASSERT_TRUE(node_->Do(As("vanthu"), act::Issue{id_}).ok());
    auto bytes = pdf::ExportPdf(*node_, id_);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    issued = *bytes;
  }
  {
    ScopedNow now("2024-03-01T10:00:00+07:00");
    Status s = node_->Do(As("giamdoc"), act::Revoke{id_, "Thay bằng kế hoạch khác"}).status();
    ASSERT_TRUE(s.ok()) << s.message();
  }
  StartServer();
  std::string cookie = Login("tp1");
  std::string csrf = Csrf(Get("/verify", cookie).body);
  Reply r = PostMultipart("/verify", {{"csrf", csrf}}, {{"pdf", "kehoach.pdf", issued}}, cookie);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(Has(r.body, "<section id=\"verify-result\"")) << r.body;
  EXPECT_TRUE(Has(r.body, "<strong class=\"invalid\">không hợp lệ</strong>")) << r.body;
  EXPECT_TRUE(Has(r.body, "Văn bản đã bị thu hồi")) << r.body;
  EXPECT_TRUE(Has(r.body, "Thay bằng kế hoạch khác")) << r.body;
  // The copy signed before the issuance is not the issued one.
  Reply unsealed = PostMultipart("/verify", {{"csrf", csrf}}, {{"pdf", "kehoach.pdf", pdf_}}, cookie);
  EXPECT_TRUE(Has(unsealed.body, "Bản này không phải bản đã ban hành")) << unsealed.body;
  EXPECT_TRUE(Has(unsealed.body, "<strong class=\"invalid\">không hợp lệ</strong>")) << unsealed.body;
}

TEST_F(PeersTest, WebVerifyRefusesWhatIsNotAPdf) {
  StartServer();
  std::string cookie = Login("tp1");
  std::string csrf = Csrf(Get("/verify", cookie).body);
  Reply garbage = PostMultipart("/verify", {{"csrf", csrf}}, {{"pdf", "x.pdf", "đây không phải PDF"}}, cookie);
  EXPECT_EQ(garbage.status, 400);
  EXPECT_TRUE(Has(garbage.body, "class=\"field-error\""));
  EXPECT_TRUE(Has(garbage.body, "x.pdf"));
  EXPECT_TRUE(Has(garbage.body, "type=\"file\" name=\"pdf\""));  // the form again
  EXPECT_FALSE(Has(garbage.body, "verify-result"));
  Reply empty = PostMultipart("/verify", {{"csrf", csrf}}, {{"pdf", "rong.pdf", ""}}, cookie);
  EXPECT_EQ(empty.status, 400);
  EXPECT_TRUE(Has(empty.body, "class=\"field-error\""));
  Reply none = PostMultipart("/verify", {{"csrf", csrf}}, {}, cookie);
  EXPECT_EQ(none.status, 400);
}

TEST_F(PeersTest, WebMultipartWithoutCsrfIs403) {
  StartServer();
  std::string cookie = Login("tp1");
  Reply r = PostMultipart("/verify", {}, {{"pdf", "kehoach.pdf", pdf_}}, cookie);
  EXPECT_EQ(r.status, 403);
  EXPECT_FALSE(Has(r.body, "verify-result"));
  Reply wrong = PostMultipart("/peers/bundle", {{"csrf", "00"}}, {{"bundle", "b.bundle", "vanban-bundle 1\n"}}, cookie);
  EXPECT_EQ(wrong.status, 403);
}

TEST_F(PeersTest, WebPeersListTrustedOrganisationsAndNodes) {
  MemWorld w;
  w.AddOrg("b", "SNV", "Sở Nội vụ tỉnh Cao Bằng");
  ASSERT_TRUE(node_->Trust(EncodeRecordList("vanban-card 1\n", {w.org_records[0]}), "caobang").ok());
  StartServer();
  std::string cookie = Login("giamdoc");
  Reply r = Get("/peers", cookie);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Has(r.body, "<h2>Các đơn vị tin cậy</h2>"));
  EXPECT_TRUE(Has(r.body, "<code>caobang</code></td><td>Sở Nội vụ tỉnh Cao Bằng</td><td>SNV</td>"));
  EXPECT_TRUE(Has(r.body, "(máy này)"));  // this organisation's nodes: this one, at least
  EXPECT_TRUE(Has(r.body, "Máy này chưa đồng bộ lần nào."));
  // Sync now and the bundle forms, the recipient offered by alias.
  EXPECT_TRUE(Has(r.body, "action=\"/peers/sync\""));
  EXPECT_TRUE(Has(r.body, "name=\"node_passphrase\""));
  EXPECT_TRUE(Has(r.body, "<option value=\"caobang\">Sở Nội vụ tỉnh Cao Bằng (caobang)</option>"));
  EXPECT_TRUE(Has(r.body, "type=\"file\" name=\"bundle\""));
  // A sync with no address: the field's error, no job.
  Reply bad = Post("/peers/sync", "csrf=" + Csrf(r.body) + "&peer=", cookie);
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(Has(bad.body, "class=\"field-error\""));
}

TEST_F(PeersTest, WebSyncNowWithASecondNode) {
  const size_t lacking = MakePeer();
  ASSERT_GT(lacking, 0u);
  ServePeer();
  StartServer();
  std::string cookie = Login("giamdoc");
  const std::string address = "127.0.0.1:" + std::to_string(peer_port_);
  std::string csrf = Csrf(Get("/peers", cookie).body);
  // No node passphrase given: the session's ("matkhau", which also protects this node's key).
  Reply start = Post("/peers/sync", "csrf=" + csrf + "&peer=" + address + "&node_passphrase=", cookie);
  ASSERT_EQ(start.status, 303) << start.body;
  const std::string job = start.headers["location"];
  ASSERT_EQ(job.rfind("/jobs/", 0), 0u);
  std::string status = WaitForJob(job, cookie);
  EXPECT_TRUE(Has(status, "\"ok\":true")) << status;
  EXPECT_TRUE(Has(status, "nhận về " + std::to_string(lacking) + " bản ghi mới")) << status;
  EXPECT_TRUE(Has(Get(job, cookie).body, "nhận về " + std::to_string(lacking) + " bản ghi mới"));
  // The peers page: the last sync with this address, and the address offered again.
  Reply peers = Get("/peers", cookie);
  EXPECT_FALSE(Has(peers.body, "Máy này chưa đồng bộ lần nào."));
  EXPECT_TRUE(Has(peers.body, "<table id=\"sync-history\">"));
  EXPECT_TRUE(Has(peers.body, "<code>" + address + "</code><br>Sở Ngoại vụ tỉnh Lạng Sơn")) << peers.body;
  EXPECT_TRUE(Has(peers.body, "(Máy cửa khẩu)"));
  EXPECT_TRUE(Has(peers.body, "máy này gọi"));
  EXPECT_TRUE(Has(peers.body, "<td>" + std::to_string(lacking) + "</td><td>thành công"));
  EXPECT_TRUE(Has(peers.body, "<option value=\"" + address + "\">"));
  // The document came over: its page is served here now.
  EXPECT_EQ(Get("/doc/" + peer_doc_, cookie).status, 200);
  StopServer();
  StopPeer();
  // Both sides kept the session: this node as the caller, the peer as the one called.
  auto mine = node_->SyncLog();
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].side, "client");
  EXPECT_EQ((*mine)[0].address, address);
  EXPECT_EQ((*mine)[0].received, static_cast<int64_t>(lacking));
  EXPECT_TRUE((*mine)[0].ok);
  auto peer = Node::Open(peer_home_, TestOptions());
  ASSERT_TRUE(peer.ok());
  auto theirs = (*peer)->SyncLog();
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ((*theirs)[0].side, "server");
  EXPECT_EQ((*theirs)[0].sent, static_cast<int64_t>(lacking));
  EXPECT_EQ((*theirs)[0].peer_node, ToHex(node_->node_key()));
}

TEST_F(PeersTest, WebSyncNowToAClosedPortEndsWithAnError) {
  // A port just bound and released: nothing listens there.
  uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  const std::string address = "127.0.0.1:" + std::to_string(port);
  StartServer();
  std::string cookie = Login("giamdoc");
  std::string csrf = Csrf(Get("/peers", cookie).body);
  Reply start = Post("/peers/sync", "csrf=" + csrf + "&peer=" + address, cookie);
  ASSERT_EQ(start.status, 303) << start.body;
  auto t0 = std::chrono::steady_clock::now();
  std::string status = WaitForJob(start.headers["location"], cookie);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
  EXPECT_TRUE(Has(status, "\"ok\":false")) << status;
  EXPECT_TRUE(Has(status, "Không đồng bộ được với " + address)) << status;
  // The failed attempt is on the peers page.
  Reply peers = Get("/peers", cookie);
  EXPECT_TRUE(Has(peers.body, "<code>" + address + "</code>"));
  EXPECT_TRUE(Has(peers.body, "<strong>lỗi</strong>"));
}

TEST_F(PeersTest, WebSyncNowWithAWrongNodePassphraseSaysSo) {
  StartServer();
  std::string cookie = Login("giamdoc");
  std::string csrf = Csrf(Get("/peers", cookie).body);
  Reply start = Post("/peers/sync", "csrf=" + csrf + "&peer=127.0.0.1:9&node_passphrase=sai", cookie);
  ASSERT_EQ(start.status, 303);
  std::string status = WaitForJob(start.headers["location"], cookie);
  EXPECT_TRUE(Has(status, "\"ok\":false"));
  EXPECT_TRUE(Has(status, "Không mở được khóa của máy này")) << status;
}

TEST_F(PeersTest, WebBundleDownloadThenUpload) {
  MakePeer();
  StartServer();
  std::string cookie = Login("giamdoc");
  std::string csrf = Csrf(Get("/peers", cookie).body);
  // An alias this node does not trust: the field's error.
  Reply unknown = Post("/peers/bundle/export", "csrf=" + csrf + "&for=hanoi", cookie);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(Has(unknown.body, "class=\"field-error\""));
  // For this organisation's nodes: a job whose file is the bundle.
  Reply start = Post("/peers/bundle/export", "csrf=" + csrf + "&for=", cookie);
  ASSERT_EQ(start.status, 303) << start.body;
  const std::string job = start.headers["location"];
  std::string status = WaitForJob(job, cookie);
  EXPECT_TRUE(Has(status, "\"ok\":true")) << status;
  EXPECT_TRUE(Has(status, "\"file\":true"));
  Reply file = Get(job + "/file", cookie);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body.rfind("vanban-bundle 1\n", 0), 0u);
  EXPECT_TRUE(Has(file.headers["content-disposition"], "vanban-cac-may-noi-bo.bundle"));
  // Back into this node: every record is already here.
  Reply again = PostMultipart("/peers/bundle", {{"csrf", csrf}}, {{"bundle", "goi.bundle", file.body}}, cookie);
  EXPECT_EQ(again.status, 200);
  ASSERT_TRUE(Has(again.body, "<section id=\"bundle-report\"")) << again.body;
  EXPECT_TRUE(Has(again.body, "<dd id=\"bundle-kept\">0</dd>"));
  EXPECT_FALSE(Has(again.body, "<dd id=\"bundle-duplicate\">0</dd>"));
  EXPECT_TRUE(Has(again.body, "<dd id=\"bundle-refused\">0</dd>"));
  EXPECT_TRUE(Has(again.body, "Mọi bản ghi trong gói đều hợp lệ."));
  // Not a bundle: the field's error.
  Reply garbage = PostMultipart("/peers/bundle", {{"csrf", csrf}}, {{"bundle", "x.bundle", "rác"}}, cookie);
  EXPECT_EQ(garbage.status, 400);
  EXPECT_TRUE(Has(garbage.body, "class=\"field-error\""));
  StopServer();
  // The second node of the organisation takes it in as `vanban bundle import` would.
  auto rep = sync::ImportBundle(*peer_, file.body);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_GT(rep->accepted, 0u);
  EXPECT_TRUE(rep->clean());
  EXPECT_TRUE(peer_->Show(id_).ok());
}

}  // namespace
}  // namespace vanban::testing
