// bench — the PDF figures of vanban_bench: Render, the first signature and the
// issuance of a one-page directive and a ten-page report made from the samples,
// through pdf::CopyMaker() (the product's path), with fixed keys; optionally the
// same report converted by LibreOffice for comparison.
#pragma once

#include <string>

namespace vanban::bench {

struct PdfBenchOptions {
  std::string samples;      // folder with directive-2021-thi-dua.md and report-2022-so-ket.md
  int runs = 50;            // timed iterations per phase and document
  int lo_runs = 3;          // LibreOffice conversions timed (after one untimed warm-up); 0: skip
};

// Prints the section; returns 0, or 2 when a document could not be made.
int RunPdfBench(const PdfBenchOptions& o);

}  // namespace vanban::bench
