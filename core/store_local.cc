// The Store's tables of this node alone: trust (alias -> organisation), the sync
// log, and the data version other connections move.
#include "core/store.h"

namespace vanban {

Result<int64_t> Store::DataVersion() {
  Stmt& q = db_->Prepare("PRAGMA data_version");
  int64_t v = q.Step() ? q.Int(0) : -1;
  q.Step();  // to the end: a statement left on a row would hold its read snapshot
  VB_RETURN_IF_ERROR(q.status());
  return v;
}

Result<std::optional<std::string>> Store::TrustedAlias(const std::string& alias) {
  Stmt& q = db_->Prepare("SELECT org FROM trust WHERE alias=?");
  q.Bind(1, alias);
  if (!q.Step()) {
    VB_RETURN_IF_ERROR(q.status());
    return std::optional<std::string>();
  }
  return std::optional<std::string>(q.Text(0));
}

Status Store::SetTrust(const std::string& alias, const std::string& org) {
  return db_->Prepare("INSERT INTO trust(alias, org) VALUES(?, ?) ON CONFLICT(org) DO UPDATE SET alias=excluded.alias")
      .Bind(1, alias)
      .Bind(2, org)
      .Run();
}

bool Store::IsTrusted(const std::string& org) {
  Stmt& q = db_->Prepare("SELECT 1 FROM trust WHERE org=?");
  q.Bind(1, org);
  return q.Step();
}

Result<std::vector<std::pair<std::string, std::string>>> Store::TrustList() {
  std::vector<std::pair<std::string, std::string>> out;
  Stmt& q = db_->Prepare("SELECT alias, org FROM trust ORDER BY alias");
  while (q.Step()) out.push_back({q.Text(0), q.Text(1)});
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

Status Store::AppendSyncLog(const SyncLogEntry& e, const std::string& peer) {
  return db_->Prepare("INSERT INTO sync_log(at, side, peer, address, peer_org, peer_node, sent, received, "
                      "duplicate, refused, peer_refused, ok, message, ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, e.at.Iso())
      .Bind(2, e.side)
      .Bind(3, peer)
      .Bind(4, e.address)
      .Bind(5, e.peer_org)
      .Bind(6, e.peer_node)
      .Bind(7, e.sent)
      .Bind(8, e.received)
      .Bind(9, e.duplicate)
      .Bind(10, e.refused)
      .Bind(11, e.peer_refused)
      .Bind(12, e.ok ? 1 : 0)
      .Bind(13, e.message)
      .Bind(14, e.ms)
      .Run();
}

Status Store::TrimSyncLog(const std::string& side, const std::string& peer, size_t keep) {
  return db_->Prepare("DELETE FROM sync_log WHERE side=?1 AND peer=?2 AND seq NOT IN "
                      "(SELECT seq FROM sync_log WHERE side=?1 AND peer=?2 ORDER BY seq DESC LIMIT ?3)")
      .Bind(1, side)
      .Bind(2, peer)
      .Bind(3, static_cast<int64_t>(keep))
      .Run();
}

Result<std::vector<SyncLogEntry>> Store::SyncLog(size_t limit) {
  Stmt& q = db_->Prepare(
      "SELECT at, side, address, peer_org, peer_node, sent, received, duplicate, refused, peer_refused, ok, message, ms "
      "FROM sync_log ORDER BY seq DESC LIMIT ?");
  q.Bind(1, limit ? static_cast<int64_t>(limit) : int64_t{-1});
  std::vector<SyncLogEntry> out;
  while (q.Step()) {
    SyncLogEntry e;
    auto at = ParseTimestamp(q.Text(0));
    if (!at.ok()) return at.status().With("sync log");
    e.at = *at;
    e.side = q.Text(1);
    e.address = q.Text(2);
    e.peer_org = q.Text(3);
    e.peer_node = q.Text(4);
    e.sent = q.Int(5);
    e.received = q.Int(6);
    e.duplicate = q.Int(7);
    e.refused = q.Int(8);
    e.peer_refused = q.Int(9);
    e.ok = q.Int(10) != 0;
    e.message = q.Text(11);
    e.ms = q.Int(12);
    out.push_back(std::move(e));
  }
  VB_RETURN_IF_ERROR(q.status());
  return out;
}

}  // namespace vanban
