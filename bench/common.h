// bench — what the benchmark sections share: timing helpers, a fresh node, and
// ingest of generated records through Node::Ingest as a peer would hand them over.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench/generator.h"
#include "core/node.h"

namespace vanban::bench {

using Steady = std::chrono::steady_clock;

double Seconds(Steady::time_point a, Steady::time_point b);
// This process's user (or system) cpu seconds so far.
double CpuSeconds(bool sys);
// This thread's user+system cpu seconds so far.
double ThreadCpuSeconds();
// Bytes this process has written so far (/proc/self/io wchar), 0 where unknown.
double BytesWritten();
// A fresh temporary folder name for `tag` (removed if it exists).
std::string Tmp(const std::string& tag);
// The options of the benchmarks' nodes: the production clock and key cost; the
// records alone (NoSignedCopies, ReceiptsUnchecked) unless a benchmark sets pdf's.
NodeOptions BenchOptions();
// A node made by Node::Init with passphrase "bench" (exits on failure).
std::unique_ptr<Node> MakeNode(const std::string& home);

struct IngestFigures {
  double seconds = 0, user = 0, sys = 0;
  double main_cpu = 0;  // CPU seconds of the thread that applies and commits
  double written = 0;   // bytes written (BytesWritten)
  size_t accepted = 0, refused = 0;
};
// Ingests `records` in batches of 1000 (made before the clock starts), one
// transaction each, signatures checked on every core as sync does; exits if ingest fails as a whole.
IngestFigures IngestRecords(Node& node, const std::vector<std::string>& records);
// A node of g's organisation (Node::Join from its card, node key passphrase "bench"):
// every node refuses on receipt what its organisation may not hold (another
// organisation's drafts), so a store of g's records is a node of g's organisation.
std::unique_ptr<Node> JoinGenerated(const std::string& home, const Generated& g);
// Ingests all of g's records into a node of g's organisation (JoinGenerated).
IngestFigures IngestAll(Node& node, const Generated& g);

struct VerifyFigures {
  double rate = 0;           // records/s, wall
  double per_cpu_second = 0; // records per cpu second of this process
  size_t valid = 0, total = 0;
};
// Raw libsodium Ed25519 verification of these records' signatures (decoding untimed).
VerifyFigures RawVerify(const std::vector<std::string>& records);

}  // namespace vanban::bench
