// vanban_bench — figures to compare run to run (never pass/fail):
//   1. raw libsodium Ed25519 verification of the very records ingested, one core;
//   2. ingest with full verification (decode, hash, signature, roles, workflow rules,
//      SQLite views) through Node::Ingest, batches of 1000 records per transaction;
//   3. command latencies on the resulting store, in-process and as `vanban` runs;
//   4. `doc list --query` on a store of many documents;
//   5. PDF (bench/pdf_bench.cc): a one-page directive and a ten-page report made from
//      samples/, each timed through pdf::CopyMaker() with fixed keys (Argon2 key
//      unlock and the store excluded): Render alone, Render + the first signature
//      (fields "so", "ngay", "ky-1", "dong-dau"), the issuance update (number, date,
//      seal with QR); median and p90 of --pdf-runs runs, the sizes unsigned, signed
//      and issued, next to the targets (render+sign < 30 ms for one page,
//      < 100 ms for ten; issued < 60 KB and < 100 KB). If `libreoffice` or `soffice`
//      is on PATH, the same report as a generated .odt converted by
//      `--headless --convert-to pdf` (one untimed run, then the median of --lo-runs)
//      and the ratio to vanban's time per document (target >= 50x).
// Usage: vanban_bench [--docs N] [--query-docs N] [--keep DIR]
//                     [--pdf-only | --no-pdf] [--pdf-runs N] [--lo-runs N] [--samples DIR]
//
// Figures of the defaults on a shared 2-core VM (libsodium 1.0.18, SQLite 3.40;
// wall-clock figures there vary by a third with other load, the cpu ratio less):
//   raw verify ~21,000/s; ingest 12,000-13,000 records/s, ratio 0.58-0.61 (0.62-0.64
//   in cpu time), about 1.11 verifications per record; doc list --query on 10,000
//   documents (all hit) ~17 ms in-process; commands ~10 ms as processes; the rare
//   query on 100,000 documents ~0.1 ms in-process. Before schema 2: 7,500-8,600
//   records/s, ratio 0.37-0.42.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench/generator.h"
#include "bench/pdf_bench.h"
#include "bench/process.h"
#include "core/node.h"

using namespace vanban;
using vanban::bench::ProcessRun;
using vanban::bench::TimedRun;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::string Tmp(const std::string& tag) {
  auto d = std::filesystem::temp_directory_path() / ("vanban-bench-" + tag + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

std::unique_ptr<Node> MakeNode(const std::string& home) {
  InitOptions o;
  o.org_name = "Sở Ngoại vụ tỉnh Lạng Sơn";
  o.code = "SNgV";
  o.place = "Lạng Sơn";
  o.admin_login = "giamdoc";
  o.admin_name = "Trịnh Tuyết Mai";
  o.admin_title = "Giám đốc";
  o.passphrase = "bench";
  auto n = Node::Init(home, o);
  if (!n.ok()) {
    std::fprintf(stderr, "init: %s\n", n.status().message().c_str());
    std::exit(2);
  }
  return std::move(n).value();
}

double CpuSeconds(bool sys) {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const timeval& t = sys ? u.ru_stime : u.ru_utime;
  return t.tv_sec + t.tv_usec / 1e6;
}

struct IngestFigures {
  double seconds = 0, user = 0, sys = 0;
  size_t accepted = 0, refused = 0;
};

IngestFigures IngestAll(Node& node, const bench::Generated& g) {
  Status s = node.Trust(g.card, "peer");
  if (!s.ok()) {
    std::fprintf(stderr, "trust: %s\n", s.message().c_str());
    std::exit(2);
  }
  // The batches as a peer would hand them over, made before the clock starts.
  std::vector<std::vector<std::string>> batches;
  for (size_t i = 0; i < g.records.size(); i += 1000)
    batches.emplace_back(g.records.begin() + static_cast<long>(i),
                         g.records.begin() + static_cast<long>(std::min(i + 1000, g.records.size())));
  IngestFigures f;
  double u0 = CpuSeconds(false), s0 = CpuSeconds(true);
  auto t0 = Clock::now();
  for (const auto& batch : batches) {
    auto rep = node.Ingest(batch);
    if (!rep.ok()) {
      std::fprintf(stderr, "ingest: %s\n", rep.status().message().c_str());
      std::exit(2);
    }
    f.accepted += rep->accepted;
    f.refused += rep->refused.size();
    if (!rep->refused.empty() && f.refused == rep->refused.size())
      std::fprintf(stderr, "first refusal: %s\n", rep->refused[0].c_str());
  }
  f.seconds = Seconds(t0, Clock::now());
  f.user = CpuSeconds(false) - u0;
  f.sys = CpuSeconds(true) - s0;
  return f;
}

// Median of `runs` timings of fn, in milliseconds.
double MedianMs(int runs, const std::function<void()>& fn) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    fn();
    ms.push_back(Seconds(t0, Clock::now()) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

std::string Exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "vanban";
  buf[n] = 0;
  return (std::filesystem::path(buf).parent_path() / "vanban").string();
}

// Wall time of one `vanban` process, output discarded.
double RunMs(const std::vector<std::string>& args) {
  ProcessRun r = TimedRun(args, false);
  if (!r.ok) std::fprintf(stderr, "command failed: %s ...\n", args[3].c_str());
  return r.ms;
}

}  // namespace

int main(int argc, char** argv) {
  size_t docs = 10000, query_docs = 100000;
  std::string keep;
  bool pdf_only = false, no_pdf = false;
  bench::PdfBenchOptions pdf_opt;
  pdf_opt.samples = VANBAN_SAMPLES_DIR;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--pdf-only") { pdf_only = true; continue; }
    if (a == "--no-pdf") { no_pdf = true; continue; }
    if (i + 1 >= argc) break;
    if (a == "--docs") docs = std::stoul(argv[i + 1]);
    else if (a == "--query-docs") query_docs = std::stoul(argv[i + 1]);
    else if (a == "--keep") keep = argv[i + 1];
    else if (a == "--pdf-runs") pdf_opt.runs = std::max(1, std::stoi(argv[i + 1]));
    else if (a == "--lo-runs") pdf_opt.lo_runs = std::stoi(argv[i + 1]);
    else if (a == "--samples") pdf_opt.samples = argv[i + 1];
    ++i;
  }
  if (!crypto::Init().ok()) return 2;
  std::printf("vanban benchmarks (one core; figures, not verdicts)\n");
  if (pdf_only) return bench::RunPdfBench(pdf_opt);
  std::printf("\n");

  auto tg = Clock::now();
  bench::Generated g = bench::GenerateOrg(docs, /*full=*/true, 7);
  std::printf("generated %zu documents, %zu records (%.1f MB) in %.1f s\n", g.documents, g.records.size(),
              g.record_bytes / 1e6, Seconds(tg, Clock::now()));

  // 1. Raw verification of the same signatures.
  std::vector<Record> decoded;
  decoded.reserve(g.records.size());
  for (const auto& b : g.records) decoded.push_back(*Record::Decode(b));
  auto t0 = Clock::now();
  double raw_cpu0 = CpuSeconds(false);
  size_t ok = 0;
  for (const Record& r : decoded) ok += r.VerifySignature();
  double raw_s = Seconds(t0, Clock::now());
  double raw_cpu = CpuSeconds(false) - raw_cpu0;
  double raw_rate = decoded.size() / raw_s;
  std::printf("\n1. raw Ed25519 verify (libsodium):        %9.0f records/s  (%zu/%zu valid; %.0f per core-second)\n",
              raw_rate, ok, decoded.size(), decoded.size() / raw_cpu);
  const size_t decoded_count = decoded.size();
  decoded.clear();

  // 2. Ingest with full verification.
  std::string home = keep.empty() ? Tmp("ingest") : keep;
  auto node = MakeNode(home);
  IngestFigures f = IngestAll(*node, g);
  double rate = f.accepted / f.seconds;
  std::printf("2. ingest, full verification + views:    %9.0f records/s  (%zu accepted, %zu refused, %.1f s)\n", rate,
              f.accepted, f.refused, f.seconds);
  // Every record's signature, and each doc.issue's seal too: verifications per record.
  double verifs = f.accepted ? (f.accepted + docs) / static_cast<double>(f.accepted) : 1;
  std::printf("   ratio to raw verification:            %9.2f  (%.2f verifications per record: the seal of each doc.issue too)\n",
              rate / raw_rate, verifs);
  std::printf("   cpu: %.1f s user, %.1f s sys; %.0f records per core-second (user+sys), ratio %.2f to raw in cpu time\n",
              f.user, f.sys, f.accepted / (f.user + f.sys), (f.accepted / (f.user + f.sys)) / (decoded_count / raw_cpu));

  // 3. Command latencies on this store.
  std::printf("\n3. latencies on a store of %zu documents (%zu records), median of 15:\n", docs, g.records.size());
  if (docs == 0) return no_pdf ? 0 : bench::RunPdfBench(pdf_opt);
  std::string some_id = node->List({}).value().at(docs / 2).id;
  auto list_q = [&](const std::string& q) {
    DocFilter f;
    f.query = q;
    return node->List(f);
  };
  std::printf("   in-process  doc list --query \"thi dua\":  %7.2f ms (%zu hits)\n",
              MedianMs(15, [&] { (void)list_q("thi dua"); }), list_q("thi dua")->size());
  std::printf("   in-process  doc list --query \"ke hoach so 5000\": %7.2f ms\n",
              MedianMs(15, [&] { (void)list_q("ke hoach so 5000"); }));
  std::printf("   in-process  doc show:                    %7.2f ms\n", MedianMs(15, [&] { (void)node->Show(some_id); }));
  std::printf("   in-process  register --year 2021:        %7.2f ms\n", MedianMs(15, [&] { (void)node->Register(2021, false); }));
  std::printf("   in-process  inbox (admin):               %7.2f ms\n", MedianMs(15, [&] { (void)node->Inbox(""); }));
  node.reset();
  std::string exe = Exe();
  auto cli = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {exe, "--home", home};
    args.insert(args.end(), extra.begin(), extra.end());
    return MedianMs(15, [&] { RunMs(args); });
  };
  std::printf("   vanban doc show ID (wall):               %7.2f ms\n", cli({"doc", "show", some_id}));
  std::printf("   vanban doc log ID (wall):                %7.2f ms\n", cli({"doc", "log", some_id}));
  std::printf("   vanban doc list --query \"thi dua\" --state draft (wall): %7.2f ms\n",
              cli({"doc", "list", "--query", "thi dua", "--state", "draft"}));
  std::printf("   vanban inbox (wall):                     %7.2f ms\n", cli({"inbox"}));
  std::printf("   vanban user list (wall):                 %7.2f ms\n", cli({"user", "list"}));
  std::printf("   vanban register --year 2021 --json (wall): %7.2f ms  (%zu rows)\n", cli({"register", "--year", "2021", "--json"}), docs);
  if (keep.empty()) std::filesystem::remove_all(home);

  // 4. Search on a large store (documents with their creation record only).
  if (query_docs > 0) {
    bench::Generated big = bench::GenerateOrg(query_docs, /*full=*/false, 9);
    std::string bhome = Tmp("query");
    auto bnode = MakeNode(bhome);
    IngestFigures bf = IngestAll(*bnode, big);
    std::printf("\n4. store of %zu documents (ingested at %.0f records/s):\n", query_docs, bf.accepted / bf.seconds);
    DocFilter rare;
    rare.query = "ke hoach so 77777";
    std::printf("   in-process  doc list --query \"ke hoach so 77777\": %7.2f ms (%zu hits)\n",
                MedianMs(15, [&] { (void)bnode->List(rare); }), bnode->List(rare)->size());
    bnode.reset();
    std::vector<std::string> args = {exe, "--home", bhome, "doc", "list", "--query", "ke hoach so 77777"};
    std::printf("   vanban doc list --query \"ke hoach so 77777\" (wall): %7.2f ms\n", MedianMs(15, [&] { RunMs(args); }));
    std::filesystem::remove_all(bhome);
  }
  return no_pdf ? 0 : bench::RunPdfBench(pdf_opt);
}
