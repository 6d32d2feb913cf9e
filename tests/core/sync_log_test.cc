// The node's sync history (Node::RecordSync, Node::SyncLog; migration 4): newest
// first, kept across a reopen, a bounded number of sessions per peer, and a store
// left by schema 3 gains the table.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/db.h"
#include "core/node.h"
#include "core/store.h"
#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::At;
using testing::HasCode;
using testing::OrgTest;
using testing::TempDir;
using testing::TestOptions;

SyncLogEntry Session(const std::string& side, const std::string& address, const std::string& at, int64_t received) {
  SyncLogEntry e;
  e.at = At(at);
  e.side = side;
  e.address = address;
  e.peer_org = "Sở Ngoại vụ tỉnh Cao Bằng";
  e.peer_node = std::string(64, side == "client" ? 'a' : 'b');
  e.sent = 2;
  e.received = received;
  e.duplicate = 1;
  e.refused = 1;
  e.peer_refused = 0;
  e.ok = true;
  e.message = "ab12: refused for a reason";
  e.ms = 42;
  return e;
}

class SyncLogTest : public OrgTest {};

TEST_F(SyncLogTest, NewestFirstAndKeptAcrossAReopen) {
  EXPECT_TRUE(node_->SyncLog()->empty());
  ASSERT_TRUE(node_->RecordSync(Session("client", "10.0.0.2:7410", "2024-02-05T09:00:00+07:00", 5)).ok());
  SyncLogEntry failed;
  failed.at = At("2024-02-05T10:00:00+07:00");
  failed.side = "client";
  failed.address = "10.0.0.3:7410";
  failed.message = "10.0.0.3:7410: connection refused";
  failed.ms = 3;
  ASSERT_TRUE(node_->RecordSync(failed).ok());
  ASSERT_TRUE(node_->RecordSync(Session("server", "10.0.0.9:51234", "2024-02-05T11:00:00+07:00", 7)).ok());

  node_.reset();
  auto n = Node::Open(home_, TestOptions());
  ASSERT_TRUE(n.ok());
  node_ = std::move(n).value();
  auto log = node_->SyncLog();
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0].side, "server");
  EXPECT_EQ((*log)[0].received, 7);
  EXPECT_EQ((*log)[0].at.Iso(), "2024-02-05T11:00:00+07:00");
  const SyncLogEntry& f = (*log)[1];
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.address, "10.0.0.3:7410");
  EXPECT_EQ(f.message, "10.0.0.3:7410: connection refused");
  EXPECT_EQ(f.peer_node, "");
  const SyncLogEntry& g = (*log)[2];
  EXPECT_TRUE(g.ok);
  EXPECT_EQ(g.address, "10.0.0.2:7410");
  EXPECT_EQ(g.peer_org, "Sở Ngoại vụ tỉnh Cao Bằng");
  EXPECT_EQ(g.peer_node, std::string(64, 'a'));
  EXPECT_EQ(g.sent, 2);
  EXPECT_EQ(g.received, 5);
  EXPECT_EQ(g.duplicate, 1);
  EXPECT_EQ(g.refused, 1);
  EXPECT_EQ(g.message, "ab12: refused for a reason");
  EXPECT_EQ(g.ms, 42);
  EXPECT_EQ(node_->SyncLog(1)->size(), 1u);
  // The history is not a record: the records and their digest are unchanged, and check is clean.
  EXPECT_TRUE(node_->Check()->ok);
}

TEST_F(SyncLogTest, KeepsTheLatestSessionsOfEachPeer) {
  // A peer called again and again (the same address), one called once, and a node that
  // calls from a new port each time (kept by its node key).
  for (size_t i = 0; i < kSyncLogPerPeer + 5; ++i) {
    const std::string at = "2024-02-05T09:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":00+07:00";
    ASSERT_TRUE(node_->RecordSync(Session("client", "10.0.0.2:7410", at, static_cast<int64_t>(i))).ok());
    ASSERT_TRUE(node_->RecordSync(Session("server", "10.0.0.9:" + std::to_string(50000 + i), at, 0)).ok());
    if (i == 0) {
      ASSERT_TRUE(node_->RecordSync(Session("client", "10.0.0.4:7410", at, 1)).ok());
    }
  }
  auto log = node_->SyncLog();
  ASSERT_TRUE(log.ok());
  size_t often = 0, once = 0, called = 0;
  int64_t oldest_kept = 1000;
  for (const SyncLogEntry& e : *log) {
    if (e.side == "server") ++called;
    else if (e.address == "10.0.0.4:7410") ++once;
    else {
      ++often;
      oldest_kept = std::min(oldest_kept, e.received);
    }
  }
  EXPECT_EQ(often, kSyncLogPerPeer);
  EXPECT_EQ(called, kSyncLogPerPeer);
  EXPECT_EQ(once, 1u);
  EXPECT_EQ(oldest_kept, 5);  // the five oldest sessions went
  // Newest first: the last loop's server session, then its client session.
  EXPECT_EQ((*log)[0].side, "server");
  EXPECT_EQ((*log)[0].address, "10.0.0.9:" + std::to_string(50000 + kSyncLogPerPeer + 4));
  EXPECT_EQ((*log)[1].received, static_cast<int64_t>(kSyncLogPerPeer + 4));
}

TEST_F(SyncLogTest, ASideMustBeNamed) {
  SyncLogEntry e = Session("client", "10.0.0.2:7410", "2024-02-05T09:00:00+07:00", 1);
  e.side = "sideways";
  EXPECT_TRUE(HasCode(node_->RecordSync(e), Status::Code::kBadInput, "side"));
  EXPECT_TRUE(node_->SyncLog()->empty());
}

TEST(SyncLogSchema, AStoreOfSchemaThreeGainsTheTable) {
  const std::string dir = TempDir("synclog-v3");
  const std::string path = dir + "/vanban.db";
  {
    auto v3 = Store::Open(path, 3);
    ASSERT_TRUE(v3.ok()) << v3.status().message();
    Stmt& t = (*v3)->db().Prepare("SELECT count(*) FROM sqlite_master WHERE name='sync_log'");
    ASSERT_TRUE(t.Step());
    EXPECT_EQ(t.Int(0), 0);
  }
  auto s = Store::Open(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Stmt& v = (*s)->db().Prepare("PRAGMA user_version");
  ASSERT_TRUE(v.Step());
  EXPECT_EQ(v.Int(0), kSchemaVersion);
  Stmt& t = (*s)->db().Prepare("SELECT count(*) FROM sync_log");
  ASSERT_TRUE(t.Step());
  EXPECT_EQ(t.Int(0), 0);
  s->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vanban
