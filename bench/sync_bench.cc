// bench — sync figures (section 6 of vanban_bench; figures, never pass/fail).
//
// Node A is a node of a generated organisation (Node::Join from its card) holding
// --sync-records of its records (bench/generator.h, as the ingest figures do); node B
// is a fresh node of the same organisation (Node::Join from A's OrgCard, admitted by
// the generated admin on A with AdmitNode). Both are of the records' organisation:
// a node refuses on receipt another organisation's records it may not hold.
// A runs the real sync::Serve on 127.0.0.1, port 0, on its own thread; B runs
// sync::SyncWith on this one (one core each on a 2-core machine). Node keys are
// unlocked before the clock starts. Timed and printed:
//   a. the first sync: records moved per second of SyncWith's wall time, next to the
//      raw Ed25519 verification rate of the same records measured in this run (the
//      issue: >= 10,000 records/s, verification-bound); bytes on the wire both ways
//      (SessionReport) and their ratio to the moved records' own bytes (target <= 1.3);
//   b. a sync of the two identical stores: bytes (target <= 20 KB) and wall time
//      (target <= 200 ms);
//   c. a sync after --sync-diff new records on A: bytes and time, which grow with
//      the difference, not with the stores.
// Then, measured apart on the same stores, where a first sync's time goes: A's
// SharedWith and Node::Open, reading every record (ReadHeld), reconciliation in
// memory, and ingest of the same records (A's own ingest above).
// The figures are checked: B's record ids must equal A's after every sync, the first
// sync must have moved exactly what B lacked, and the identical-store sync nothing;
// otherwise an ERROR line and exit code 1.
//
// Figures of the defaults on a shared 2-core VM (libsodium 1.0.18, SQLite 3.40), after
// TCP_NODELAY and the receiver checking signatures on every core (Node::set_verify_threads):
//   raw verify ~21,000/s; first sync of 100,001 records 12,000-13,500 records/s wall
//   (7.4-8.3 s; 0.57-0.67 of raw verification), B's thread 6.2-7.4 cpu s, A's 0.7-0.8 s;
//   with the receiver reading a batch ahead (sync::Intake): 18,300 records/s (5.45 s;
//   0.94 of raw), B's thread 3.9 cpu s (the helpers check the signatures); with the
//   views keyed by local document numbers (schema 6): 20,500 records/s (4.87 s; 0.96);
//   wire 125.35 MB for 125.15 MB of records (ratio 1.002); identical stores 559-575 bytes,
//   34-44 ms wall; 100 new records (124 KB) 100 moved, ~239 KB on the wire, ~50 ms.
// Before those two changes (and with load average 6-8): 3,500-4,700 records/s, ~200 ms
// for identical stores (~90 ms a Nagle/delayed-ACK stall per session).
// Where the first sync's time goes: the receiver (~90% of samples in perf), most of it
// in libsodium (Ed25519 verification, ~1.11 per record; BLAKE2b ids; secretstream), then
// kernel copies (socket, SQLite file), SQLite, libc; the server side ~10%.
#include "bench/sync_bench.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/common.h"
#include "bench/generator.h"
#include "core/crypto.h"
#include "core/node.h"
#include "sync/reconcile.h"
#include "sync/session.h"

namespace vanban::bench {
namespace {

constexpr unsigned kSyncSeed = 11;
constexpr size_t kRecordsPerDocument = 9;  // GenerateOrg(full): create ... issue

Result<std::string> Pass() { return std::string("bench"); }

// The record ids `node` would offer a node of its own organisation, sorted, and their places.
struct Held {
  std::vector<RecordId> ids;
  std::vector<int64_t> seqs;
};
Held HeldBy(Node& node) {
  auto all = node.SharedWith(node.org().root);
  Held h;
  if (!all.ok()) {
    std::fprintf(stderr, "SharedWith: %s\n", all.status().message().c_str());
    return h;
  }
  for (const auto& r : *all) {
    h.ids.push_back(r.id);
    h.seqs.push_back(r.seq);
  }
  return h;
}

// What A holds that B lacks: how many records, and their own bytes.
struct Missing {
  size_t records = 0, bytes = 0;
};
Missing MissingOn(Node& a, Node& b) {
  Held ha = HeldBy(a), hb = HeldBy(b);
  std::vector<int64_t> seqs;
  for (size_t i = 0; i < ha.ids.size(); ++i)
    if (!std::binary_search(hb.ids.begin(), hb.ids.end(), ha.ids[i])) seqs.push_back(ha.seqs[i]);
  Missing m;
  m.records = seqs.size();
  auto out = a.ReadHeld(seqs);
  if (out.ok())
    for (const std::string& r : out->records) m.bytes += r.size();
  return m;
}

std::string Thousands(double v) {
  std::string digits = std::to_string(static_cast<long long>(v + 0.5)), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// What the server thread reports of each session.
struct Served {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<sync::SessionReport> reports;
  std::vector<double> cpu;  // the server thread's cpu seconds when each session was done
  double listen_cpu = 0;
  std::vector<std::string> log;
};

struct SyncRun {
  bool ok = false;
  sync::SessionReport client, server;
  double seconds = 0, client_cpu = 0, server_cpu = 0;
  uint64_t wire() const { return client.bytes_sent + client.bytes_received; }
};

SyncRun SyncOnce(Node& b, const SecretKey& key_b, uint16_t port, Served& served) {
  SyncRun run;
  size_t before;
  {
    std::lock_guard<std::mutex> l(served.mu);
    before = served.reports.size();
  }
  double cpu0 = ThreadCpuSeconds();
  auto t0 = Steady::now();
  auto rep = sync::SyncWith(b, key_b, "127.0.0.1:" + std::to_string(port));
  run.seconds = Seconds(t0, Steady::now());
  run.client_cpu = ThreadCpuSeconds() - cpu0;
  if (!rep.ok()) {
    std::printf("ERROR: sync failed: %s\n", rep.status().message().c_str());
    return run;
  }
  run.client = *rep;
  std::unique_lock<std::mutex> l(served.mu);
  if (!served.cv.wait_for(l, std::chrono::seconds(30), [&] { return served.reports.size() > before; })) {
    std::printf("ERROR: the server did not report the session\n");
    for (const auto& line : served.log) std::printf("   server: %s\n", line.c_str());
    return run;
  }
  run.server = served.reports[before];
  run.server_cpu = served.cpu[before] - (before ? served.cpu[before - 1] : served.listen_cpu);
  run.ok = true;
  return run;
}

// B's ids equal A's (read afresh from A's store).
bool SameStores(const std::string& home_a, Node& b, const char* when) {
  auto a = Node::Open(home_a, BenchOptions());
  if (!a.ok()) {
    std::printf("ERROR: cannot open A: %s\n", a.status().message().c_str());
    return false;
  }
  Held ha = HeldBy(**a), hb = HeldBy(b);
  if (ha.ids != hb.ids) {
    std::printf("ERROR: after %s, B holds %zu records and A %zu (or other ids)\n", when, hb.ids.size(), ha.ids.size());
    return false;
  }
  return true;
}

}  // namespace

int RunSyncBench(const SyncBenchOptions& o) {
  std::printf("\n6. sync on loopback: two nodes of one organisation (sync::Serve on a thread, SyncWith on this one;\n"
              "   node keys unlocked before the clock)\n");
  auto tg = Steady::now();
  size_t total = o.records + o.difference;
  Generated g = GenerateOrg((total + kRecordsPerDocument - 1) / kRecordsPerDocument, /*full=*/true, kSyncSeed);
  g.records.resize(std::min(total, g.records.size()));  // a prefix in causal order
  std::vector<std::string> first(g.records.begin(), g.records.begin() + static_cast<long>(std::min(o.records, g.records.size())));
  std::vector<std::string> later(g.records.begin() + static_cast<long>(first.size()), g.records.end());
  std::printf("   generated %zu + %zu records in %.1f s\n", first.size(), later.size(), Seconds(tg, Steady::now()));

  VerifyFigures raw = RawVerify(first);
  std::printf("   raw Ed25519 verify (libsodium), same records:  %9.0f records/s  (%zu/%zu valid; %.0f per core-second)\n",
              raw.rate, raw.valid, raw.total, raw.per_cpu_second);

  // Node A with the records; node B joined and admitted.
  std::string home_a = Tmp("sync-a"), home_b = Tmp("sync-b");
  auto a = JoinGenerated(home_a, g);
  // The generated admin acts on A (admits B): its key file, as a node it joined would hold it.
  std::ofstream(home_a + "/keys/person-giamdoc.key", std::ios::binary)
      << KeyFile::Seal(PersonKey(kSyncSeed, "giamdoc"), KeyPurpose::kPerson, "giamdoc", "bench");
  IngestFigures ing = IngestRecords(*a, first);
  std::printf("   node A ingested them at                        %9.0f records/s  (%zu accepted, %zu refused, %.1f s;\n"
              "      cpu %.1f s user, %.1f s sys)\n",
              ing.accepted / ing.seconds, ing.accepted, ing.refused, ing.seconds, ing.user, ing.sys);
  // A admits itself first, so the card B joins from names it.
  Actor admin{"giamdoc", Pass};
  if (auto self = a->AdmitNode(admin, ToHex(a->node_key()), "bench A"); !self.ok()) {
    std::fprintf(stderr, "admit A: %s\n", self.status().message().c_str());
    return 2;
  }
  auto card = a->OrgCard();
  if (!card.ok()) return 2;
  auto b = Node::Join(home_b, *card, "bench", BenchOptions());
  if (!b.ok()) {
    std::fprintf(stderr, "join: %s\n", b.status().message().c_str());
    return 2;
  }
  auto admitted = a->AdmitNode(admin, ToHex((*b)->node_key()), "bench B");
  if (!admitted.ok()) {
    std::fprintf(stderr, "admit: %s\n", admitted.status().message().c_str());
    return 2;
  }
  auto key_a = a->UnlockNodeKey(Pass);
  auto key_b = (*b)->UnlockNodeKey(Pass);
  if (!key_a.ok() || !key_b.ok()) {
    std::fprintf(stderr, "unlock node keys failed\n");
    return 2;
  }
  Missing missing = MissingOn(*a, **b);

  // A serves on its own thread.
  Served served;
  std::atomic<bool> stop{false};
  std::promise<uint16_t> port_promise;
  std::once_flag port_once;
  sync::ServeOptions so;
  so.listening = [&](uint16_t p) {
    {
      std::lock_guard<std::mutex> l(served.mu);
      served.listen_cpu = ThreadCpuSeconds();
    }
    std::call_once(port_once, [&] { port_promise.set_value(p); });
  };
  so.done = [&](const sync::SessionReport& r) {
    std::lock_guard<std::mutex> l(served.mu);
    served.reports.push_back(r);
    served.cpu.push_back(ThreadCpuSeconds());
    served.cv.notify_all();
  };
  so.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> l(served.mu);
    served.log.push_back(line);
  };
  std::thread server([&] {
    Status s = sync::Serve(home_a, BenchOptions(), *key_a, "127.0.0.1:0", so, &stop);
    if (!s.ok()) std::fprintf(stderr, "serve: %s\n", s.message().c_str());
    std::call_once(port_once, [&] { port_promise.set_value(0); });
  });
  uint16_t port = port_promise.get_future().get();
  int rc = 0;
  auto finish = [&](int code) {
    stop = true;
    server.join();
    b->reset();
    a.reset();
    std::filesystem::remove_all(home_a);
    std::filesystem::remove_all(home_b);
    return code;
  };
  if (port == 0) return finish(2);

  // a. The first sync.
  SyncRun s1 = SyncOnce(**b, *key_b, port, served);
  if (!s1.ok) return finish(2);
  double rate = s1.client.received / s1.seconds;
  double ratio = static_cast<double>(s1.wire()) / static_cast<double>(missing.bytes);
  std::printf("\n   a. first sync, %zu records moved A -> B:   %9.0f records/s  (%.2f s wall; %.2f of raw verification)\n",
              s1.client.received, rate, s1.seconds, rate / raw.rate);
  std::printf("      wire: %s bytes B->A, %s bytes A->B; the records' own bytes %s: ratio %.3f (target <= 1.3)\n",
              Thousands(s1.client.bytes_sent).c_str(), Thousands(s1.client.bytes_received).c_str(),
              Thousands(missing.bytes).c_str(), ratio);
  std::printf("      cpu: B (client: reconcile, receive, ingest) %.1f s = %.0f records per core-second (%.2f of raw);\n"
              "      A (server: open, reconcile, read, send) %.1f s; A's session %.2f s; %zu blobs\n",
              s1.client_cpu, s1.client.received / s1.client_cpu, s1.client.received / s1.client_cpu / raw.per_cpu_second,
              s1.server_cpu, s1.server.seconds, s1.client.blobs_received);
  if (s1.client.received != missing.records || !s1.client.refused.empty() || s1.client.sent != 0) {
    std::printf("ERROR: the first sync moved %zu records (%zu refused%s%s), B lacked %zu\n", s1.client.received,
                s1.client.refused.size(), s1.client.refused.empty() ? "" : ": ",
                s1.client.refused.empty() ? "" : s1.client.refused[0].c_str(), missing.records);
    rc = 1;
  }
  if (!SameStores(home_a, **b, "the first sync")) rc = 1;

  // b. Identical stores.
  SyncRun s2 = SyncOnce(**b, *key_b, port, served);
  if (!s2.ok) return finish(2);
  size_t held = HeldBy(**b).ids.size();
  std::printf("   b. identical stores (%zu records each): %s bytes on the wire (%s B->A, %s A->B; target <= 20 KB),\n"
              "      %.1f ms wall (target <= 200 ms); A's session %.1f ms\n",
              held, Thousands(s2.wire()).c_str(), Thousands(s2.client.bytes_sent).c_str(),
              Thousands(s2.client.bytes_received).c_str(), s2.seconds * 1000, s2.server.seconds * 1000);
  if (s2.client.received || s2.client.sent || s2.client.duplicate || s2.server.received || s2.server.sent) {
    std::printf("ERROR: the sync of identical stores moved records (%zu received, %zu sent)\n", s2.client.received,
                s2.client.sent);
    rc = 1;
  }

  // c. A small difference.
  if (!later.empty()) {
    IngestFigures more = IngestRecords(*a, later);
    Missing diff = MissingOn(*a, **b);
    SyncRun s3 = SyncOnce(**b, *key_b, port, served);
    if (!s3.ok) return finish(2);
    std::printf("   c. %zu new records on A (%s bytes): %zu moved, %s bytes on the wire (%s B->A, %s A->B), %.1f ms wall\n",
                more.accepted, Thousands(diff.bytes).c_str(), s3.client.received, Thousands(s3.wire()).c_str(),
                Thousands(s3.client.bytes_sent).c_str(), Thousands(s3.client.bytes_received).c_str(),
                s3.seconds * 1000);
    if (s3.client.received != diff.records || !s3.client.refused.empty()) {
      std::printf("ERROR: the small-difference sync moved %zu records, B lacked %zu\n", s3.client.received,
                  diff.records);
      rc = 1;
    }
    if (!SameStores(home_a, **b, "the small-difference sync")) rc = 1;
  }

  // Where a first sync's time goes, measured apart on A's store (same records).
  {
    auto t0 = Steady::now();
    auto opened = Node::Open(home_a, BenchOptions());
    double open_ms = Seconds(t0, Steady::now()) * 1000;
    if (!opened.ok()) return finish(2);
    Node& na = **opened;
    t0 = Steady::now();
    Held ha = HeldBy(na);
    double shared_ms = Seconds(t0, Steady::now()) * 1000;
    t0 = Steady::now();
    size_t read_bytes = 0;
    for (size_t i = 0; i < ha.seqs.size(); i += 1000) {
      std::vector<int64_t> part(ha.seqs.begin() + static_cast<long>(i),
                                ha.seqs.begin() + static_cast<long>(std::min(i + 1000, ha.seqs.size())));
      auto out = na.ReadHeld(part);
      if (out.ok())
        for (const auto& r : out->records) read_bytes += r.size();
    }
    double read_ms = Seconds(t0, Steady::now()) * 1000;
    // Reconciliation against an empty set and an equal one, in memory (both sides).
    auto reconcile = [&](std::vector<sync::Id> mine, std::vector<sync::Id> theirs, size_t* bytes, int* rounds) {
      sync::Reconciler client(std::move(mine)), server(std::move(theirs));
      auto t = Steady::now();
      std::string m = client.Start();
      *bytes = m.size();
      *rounds = 1;
      sync::Reconciler* turn = &server;
      while (true) {
        auto step = turn->Answer(m);
        if (!step.ok() || !step->reply) break;
        m = *step->reply;
        *bytes += m.size();
        ++*rounds;
        turn = turn == &server ? &client : &server;
      }
      return Seconds(t, Steady::now()) * 1000;
    };
    std::vector<sync::Id> ids(ha.ids.begin(), ha.ids.end());
    size_t empty_bytes = 0, equal_bytes = 0;
    int empty_rounds = 0, equal_rounds = 0;
    double empty_ms = reconcile({}, ids, &empty_bytes, &empty_rounds);
    double equal_ms = reconcile(ids, ids, &equal_bytes, &equal_rounds);
    std::printf("\n   where the time goes (measured apart, on A's store of %zu records):\n", ha.ids.size());
    std::printf("      Node::Open %.1f ms (Serve opens the node twice per session: policy and session)\n", open_ms);
    std::printf("      SharedWith (all ids, own organisation) %.1f ms; ReadHeld of every record %.0f ms (%.1f MB)\n",
                shared_ms, read_ms, read_bytes / 1e6);
    std::printf("      reconciliation in memory: against an empty set %.1f ms (%s bytes, %d messages), an equal one %.1f ms "
                "(%s bytes, %d)\n",
                empty_ms, Thousands(empty_bytes).c_str(), empty_rounds, equal_ms, Thousands(equal_bytes).c_str(),
                equal_rounds);
    std::printf("      ingest of these records (A's, above) %.1f s = %.0f%% of the first sync's wall time\n", ing.seconds,
                100 * ing.seconds / s1.seconds);
  }
  std::printf("\n   targets (goals, not assertions): first sync >= 10,000 records/s; wire <= 1.3x the records;\n"
              "   identical stores <= 20 KB and <= 200 ms\n");
  return finish(rc);
}

}  // namespace vanban::bench
