// bench — the web page figures of vanban_bench: every page kind of the interface,
// rendered by the real web::Server over a store of many documents.
#pragma once

#include <cstddef>

namespace vanban::bench {

struct WebBenchOptions {
  size_t documents = 10000;  // generated documents in the store, in various states
  int requests = 20;         // timed requests per page (after one untimed)
};

// Prints the section; returns 0, or 2 on a real failure (a page that errs, a store
// that cannot be built) — never for a figure over its target.
int RunWebBench(const WebBenchOptions& o);

}  // namespace vanban::bench
