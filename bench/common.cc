#include "bench/common.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/arrival.h"

namespace vanban::bench {

double Seconds(Steady::time_point a, Steady::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double CpuSeconds(bool sys) {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const timeval& t = sys ? u.ru_stime : u.ru_utime;
  return t.tv_sec + t.tv_usec / 1e6;
}

double ThreadCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

double BytesWritten() {
  // wchar: what write(2) and pwrite(2) were handed, so the WAL's frames and the
  // checkpoint's copies, whatever the file system beneath does with them.
  FILE* f = std::fopen("/proc/self/io", "r");
  if (!f) return 0;
  char line[128];
  double v = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "wchar: %lf", &v) == 1) break;
  std::fclose(f);
  return v;
}

std::string Tmp(const std::string& tag) {
  auto d = std::filesystem::temp_directory_path() / ("vanban-bench-" + tag + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

NodeOptions BenchOptions() {
  NodeOptions o;
  o.signed_copy = NoSignedCopies();
  o.receipt_check = ReceiptsUnchecked();
  return o;
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
  auto n = Node::Init(home, o, BenchOptions());
  if (!n.ok()) {
    std::fprintf(stderr, "init: %s\n", n.status().message().c_str());
    std::exit(2);
  }
  return std::move(n).value();
}

IngestFigures IngestRecords(Node& node, const std::vector<std::string>& records) {
  // The batches as a peer would hand them over, made before the clock starts.
  std::vector<std::vector<std::string>> batches;
  for (size_t i = 0; i < records.size(); i += 1000)
    batches.emplace_back(records.begin() + static_cast<long>(i),
                         records.begin() + static_cast<long>(std::min(i + 1000, records.size())));
  // As sync and bundles ingest (sync/session.cc, sync/bundle.cc): signatures checked on
  // every core, the next batch's while this one is applied.
  node.set_verify_threads(std::max(1u, std::thread::hardware_concurrency()));
  IngestFigures f;
  double u0 = CpuSeconds(false), s0 = CpuSeconds(true), main0 = ThreadCpuSeconds(), w0 = BytesWritten();
  auto t0 = Steady::now();
  std::unique_ptr<Arrival> next = batches.empty() ? nullptr : node.Arriving(std::move(batches[0]));
  for (size_t b = 0; b < batches.size(); ++b) {
    std::unique_ptr<Arrival> batch = std::move(next);
    if (b + 1 < batches.size()) next = node.Arriving(std::move(batches[b + 1]));
    auto rep = node.Ingest(*batch);
    if (!rep.ok()) {
      std::fprintf(stderr, "ingest: %s\n", rep.status().message().c_str());
      std::exit(2);
    }
    f.accepted += rep->accepted;
    f.refused += rep->refused.size();
    if (!rep->refused.empty() && f.refused == rep->refused.size())
      std::fprintf(stderr, "first refusal: %s\n", rep->refused[0].c_str());
  }
  f.seconds = Seconds(t0, Steady::now());
  f.user = CpuSeconds(false) - u0;
  f.sys = CpuSeconds(true) - s0;
  f.main_cpu = ThreadCpuSeconds() - main0;
  f.written = BytesWritten() - w0;
  return f;
}

std::unique_ptr<Node> JoinGenerated(const std::string& home, const Generated& g) {
  auto n = Node::Join(home, g.card, "bench", BenchOptions());
  if (!n.ok()) {
    std::fprintf(stderr, "join: %s\n", n.status().message().c_str());
    std::exit(2);
  }
  return std::move(n).value();
}

IngestFigures IngestAll(Node& node, const Generated& g) { return IngestRecords(node, g.records); }

VerifyFigures RawVerify(const std::vector<std::string>& records) {
  std::vector<Record> decoded;
  decoded.reserve(records.size());
  for (const auto& b : records) decoded.push_back(*Record::Decode(b));
  VerifyFigures f;
  f.total = decoded.size();
  auto t0 = Steady::now();
  double cpu0 = CpuSeconds(false);
  for (const Record& r : decoded) f.valid += r.VerifySignature();
  double s = Seconds(t0, Steady::now());
  double cpu = CpuSeconds(false) - cpu0;
  f.rate = f.total / s;
  f.per_cpu_second = f.total / cpu;
  return f;
}

}  // namespace vanban::bench
