// bench — the sync figures of vanban_bench: two nodes of one organisation on
// loopback, a real sync::Serve on its own thread and sync::SyncWith on the caller's.
#pragma once

#include <cstddef>

namespace vanban::bench {

struct SyncBenchOptions {
  size_t records = 100000;  // generated records node A holds for the first sync
  size_t difference = 100;  // new records on A for the small-difference sync; 0 skips it
};

// Prints the section; returns 0, 1 when a figure is not real (B's store differs from
// A's after a sync, or a sync of identical stores moved records), 2 on a failure.
int RunSyncBench(const SyncBenchOptions& o);

}  // namespace vanban::bench
